//! Archives inside the package (a wheel vendored in an sdist, a zip of modules that code
//! puts on `sys.path`): opened and their members read like the package's own, so code
//! cannot hide one zip deeper than the analysis looks.
//!
//! They are read within the package's limits: what they decompress counts against its
//! total, their entries against its entry limit. Their members are named
//! `outer.zip!/inner/path`. pip never extracts a nested archive, so its code runs only if
//! the package loads it: it is analysed as shipped code, never as install- or import-time
//! code, and its oddities are not held against the package. A nested archive that hits a
//! limit (a zip bomb kept as a test fixture of an unzip library), is damaged, or lies more
//! than [`MAX_DEPTH`] deep (a zip quine) is read as far as it goes and the package's own
//! reading goes on; the package's own limits still stop everything when crossed.

use super::member::{Keep, container_from_name, keep_policy, looks_like_text};
use super::collector::Collector;
use super::format::Container;
use super::limits::Limits;
use super::{magic, tar_reader, zip_reader};
use crate::alerts::AlertId;
use crate::finding::Finding;
use std::io::Cursor;

/// Archives inside archives inside the package, at most.
pub(crate) const MAX_DEPTH: usize = 3;

/// Separates a nested archive's path from the paths of its members.
pub(crate) const SEPARATOR: &str = "!/";

/// True when a member path lies inside a nested archive.
pub(crate) fn is_nested_path(path: &str) -> bool {
    path.contains(SEPARATOR)
}

/// The container to open the member as: its name must say archive and its first bytes
/// must agree (a `.zip` that is not a zip is data).
fn container_of(path: &str, head: &[u8]) -> Option<Container> {
    let named = container_from_name(path)?;
    match (named, magic::container_from_magic(head)) {
        // a plain tar's magic is at byte 257, past the kept head: trust the name, the
        // reader rejects what is not a tar
        (Container::Tar, _) => Some(Container::Tar),
        (named, Some(real)) if named == real => Some(real),
        _ => None,
    }
}

impl Collector {
    /// Opens the member just added when it is a nested archive, and queues its members.
    pub(super) fn open_nested(&mut self) {
        let Some(m) = self.members.last_mut() else { return };
        let Some(container) = container_of(&m.path, &m.head) else {
            // named like an archive but it is not one: keep it only if it is text
            if keep_policy(&m.path) == Keep::Archive && !looks_like_text(&m.head) {
                m.data = None;
            }
            return;
        };
        let outer = m.path.clone();
        let Some(bytes) = m.data.take() else {
            if m.size > self.limits.max_member_bytes {
                let max = self.limits.max_member_bytes;
                self.findings.push(Finding::new(
                    AlertId::ArchiveLimitExceeded,
                    outer.as_str(),
                    format!("nested archive of {} bytes exceeds the {max}-byte limit; the code it holds was not checked", m.size),
                ));
            }
            return;
        };
        if self.depth + 1 > MAX_DEPTH {
            return;
        }
        let spent = self.budget.total_out();
        let limits = Limits {
            max_total_bytes: self.limits.max_total_bytes.saturating_sub(spent),
            max_members: self.limits.max_members.saturating_sub(self.entries()),
            ..self.limits.clone()
        };
        let mut inner = Collector::new(&limits);
        inner.depth = self.depth + 1;
        inner.set_kept_plain(self.kept_plain());
        // a limit or damage inside ends this archive only (Err); what was read of it is
        // kept, and what it cost counts against the package, whose next member over a
        // limit stops the reading
        let _ = match container {
            Container::Zip => zip_reader::read_zip(Cursor::new(&bytes[..]), &mut inner),
            Container::Directory => Ok(()),
            tar => tar_reader::read_tar(Cursor::new(&bytes[..]), tar, &mut inner),
        };
        drop(bytes);
        self.add_entries(inner.entries());
        self.set_kept_plain(inner.kept_plain());
        self.budget.add_output(inner.budget.total_out());
        let prefix = format!("{outer}{SEPARATOR}");
        let members = inner.take_members();
        self.nested.extend(members.into_iter().map(|mut member| {
            member.path.insert_str(0, &prefix);
            member
        }));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_magic_must_agree() {
        assert_eq!(container_of("pkg/vendor/x-1.0-py3-none-any.whl", b"PK\x03\x04rest"), Some(Container::Zip));
        assert_eq!(container_of("pkg/data.tar.gz", &[0x1f, 0x8b, 8, 0]), Some(Container::TarGz));
        assert_eq!(container_of("pkg/data.zip", b"not a zip"), None, "a .zip that is not a zip is data");
        assert_eq!(container_of("pkg/data.json.gz", &[0x1f, 0x8b, 8, 0]), None, "compressed data is not an archive");
        assert_eq!(container_of("pkg/report.docx", b"PK\x03\x04"), None, "office documents are not code carriers");
        assert_eq!(container_of("pkg/.zip", b"PK\x03\x04"), None);
        assert!(is_nested_path("pkg/x.zip!/m.py") && !is_nested_path("pkg/m.py"));
    }
}
