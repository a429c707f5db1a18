//! Safe, in-memory reading of package archives: sdists (.tar.gz, .tar.bz2, .tar.xz,
//! .zip), wheels, eggs, and unpacked directories. The real format comes from magic
//! bytes. Nothing is ever extracted to disk and links are never followed; hostile
//! members become findings, not crashes.

mod collector;
mod dir_reader;
pub(crate) mod format;
mod inflate;
pub(crate) mod inflight;
pub(crate) mod limits;
pub(crate) mod magic;
pub(crate) mod member;
pub(crate) mod nested;
mod package;
pub(crate) mod paths;
mod reader;
mod seek_buf;
pub(crate) mod record_csv;
mod tar_reader;
mod zip_reader;

pub(crate) use format::ArtifactKind;
pub(crate) use limits::Limits;
pub(crate) use member::Member;
pub(crate) use package::{Artifact, ArtifactError};
pub(crate) use reader::{is_package_file, read_bytes, read_hashed_bytes, read_path_then, sha256_stream};
#[cfg(test)]
pub(crate) use reader::read_path;

impl Artifact {
    /// The member at exactly `path`, if any.
    pub fn member(&self, path: &str) -> Option<&Member> {
        self.members.iter().find(|m| m.path == path)
    }

    /// The package's own members: what installing it puts on disk, without the
    /// content of archives it ships ([`nested`]), which only code analysis reads.
    pub fn own_members(&self) -> impl Iterator<Item = &Member> {
        self.members.iter().filter(|m| !nested::is_nested_path(&m.path))
    }
}

#[cfg(test)]
mod tests;
