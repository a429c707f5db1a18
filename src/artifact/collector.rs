//! What every format reader shares: the [`Collector`] that counts entries against the
//! limits, streams members in, turns hostile entries into findings and opens nested
//! archives ([`super::nested`]); [`finish`], which makes the artifact of what was read;
//! and the metered decoder stack of tar containers.

use super::format::{ArtifactKind, Container};
use super::limits::{Budget, CountingReader, Limits, MeteredReader, RatioMode};
use super::member::{self, Member, StreamError};
use super::package::{Artifact, ArtifactError};
use super::{magic, paths};
use crate::alerts::AlertId;
use crate::finding::Finding;
use std::io::Read;
use std::rc::Rc;

/// Why a format reader stopped early. Limits are already reported as findings.
#[derive(Debug)]
pub(super) enum Stop {
    Limit,
    Corrupt(String),
}

/// Gathers members and findings while a format reader walks an archive.
pub(super) struct Collector {
    pub limits: Limits,
    pub budget: Rc<Budget>,
    pub members: Vec<Member>,
    pub findings: Vec<Finding>,
    entries: usize,
    /// Content kept as it is so far; past [`member::PACK_AFTER_BYTES`] it is packed.
    kept_plain: u64,
    packer: member::Packer,
    /// Scratch buffer shared by every member read.
    buf: Vec<u8>,
    /// The content of the member being read, when it is kept (see [`member::collect`]).
    kept: Vec<u8>,
    /// How many archives this one is inside (0 for the package file).
    pub(super) depth: usize,
    /// Members of nested archives, added after the package's own when reading ends (the
    /// format readers may still drop the last member they added).
    pub(super) nested: Vec<Member>,
    /// Size of the largest Python module kept so far, whose model is reserved in flight.
    largest_module: u64,
}

impl Collector {
    pub(crate) fn new(limits: &Limits) -> Self {
        Collector {
            limits: limits.clone(),
            budget: Budget::new(limits),
            members: Vec::new(),
            findings: Vec::new(),
            entries: 0,
            kept_plain: 0,
            packer: member::Packer::default(),
            buf: Vec::new(),
            kept: Vec::new(),
            depth: 0,
            nested: Vec::new(),
            largest_module: 0,
        }
    }

    /// Entries counted so far.
    pub(super) fn entries(&self) -> usize {
        self.entries
    }

    /// Counts the entries of a nested archive.
    pub(super) fn add_entries(&mut self, n: usize) {
        self.entries = self.entries.saturating_add(n);
    }

    /// Plain content kept so far; a nested archive's reader continues the count, so
    /// packing starts at the same total whether code sits in the package or inside it.
    pub(super) fn kept_plain(&self) -> u64 {
        self.kept_plain
    }

    pub(super) fn set_kept_plain(&mut self, n: u64) {
        self.kept_plain = n;
    }

    /// Every member read, nested ones after the archive's own.
    pub(super) fn take_members(&mut self) -> Vec<Member> {
        let mut members = std::mem::take(&mut self.members);
        members.append(&mut self.nested);
        members
    }

    /// Counts one archive entry; past the member limit reports it and says stop.
    pub(crate) fn count_entry(&mut self) -> Result<(), Stop> {
        self.entries += 1;
        if self.entries > self.limits.max_members {
            let max = self.limits.max_members;
            return Err(self.limit(format!("more than {max} entries; the rest was not read")));
        }
        Ok(())
    }

    /// Reports a crossed limit (once) and returns the stop signal.
    pub(crate) fn limit(&mut self, reason: String) -> Stop {
        self.budget.set_hit(reason.clone());
        if !self.findings.iter().any(|f| f.alert == AlertId::ArchiveLimitExceeded && f.file.is_empty()) {
            self.findings.push(Finding::new(AlertId::ArchiveLimitExceeded, "", format!("reading stopped: {reason}")));
        }
        Stop::Limit
    }

    /// Flags names that would be written outside the extraction directory.
    pub(crate) fn check_path(&mut self, path: &str) {
        if let Some(reason) = paths::unsafe_reason(path) {
            self.findings.push(
                Finding::new(AlertId::ArchivePathTraversal, path, format!("member name is unsafe: {reason}"))
                    .with_evidence(path),
            );
        }
    }

    /// Reports a symlink (relative to its directory) or hardlink (relative to the root).
    pub(crate) fn link(&mut self, path: &str, target: &str, hard: bool) {
        self.check_path(path);
        let kind = if hard { "hardlink" } else { "symlink" };
        let base = if hard { "" } else { paths::parent_dir(path) };
        let evidence = format!("{path} -> {target}");
        let finding = if paths::link_escapes(base, target) {
            Finding::new(AlertId::ArchiveLinkEscape, path, format!("{kind} points outside the package: {target}"))
        } else {
            Finding::new(AlertId::ArchiveLink, path, format!("{kind} to {target} (not followed)"))
        };
        self.findings.push(finding.with_evidence(&evidence));
    }

    pub(crate) fn special(&mut self, path: &str, what: &str) {
        self.check_path(path);
        self.findings.push(Finding::new(AlertId::ArchiveSpecialFile, path, format!("archive contains a {what}")));
    }

    /// A problem with one member that does not stop the archive (fail closed for it).
    pub(crate) fn unreadable(&mut self, path: &str, message: String) {
        self.findings.push(Finding::new(AlertId::ArchiveUnreadable, path, message));
    }

    /// Keeps `content` for `m`: as it is until the archive's plain content passes
    /// [`member::PACK_AFTER_BYTES`], compressed after that.
    fn hold(&mut self, m: &mut Member, content: &[u8]) {
        let over = self.kept_plain + content.len() as u64 > member::PACK_AFTER_BYTES;
        match over.then(|| self.packer.pack(content)).flatten() {
            Some(p) => m.packed = Some(p),
            None => {
                m.data = Some(content.to_vec());
                self.kept_plain += content.len() as u64;
            }
        }
    }

    /// Reserves in flight the model of the Python module `path` of `size` bytes when it
    /// is the largest of the archive so far (the rise over the last reservation is
    /// charged): the model is built after the archive is read, under the same lease, and
    /// of a very large module it is most of the file's memory (see
    /// [`super::inflight::MODEL_BYTES_PER_SOURCE_BYTE`]). A zip reserves its largest
    /// module from the central directory before reading any content, so the files read
    /// alongside it wait instead of holding content while it is analysed.
    pub(super) fn reserve_model(&mut self, path: &str, size: u64) {
        let size = size.min(self.limits.max_member_bytes);
        if size <= self.largest_module || !member::is_python_module_name(path) {
            return;
        }
        let rise = size - self.largest_module;
        self.largest_module = size;
        super::inflight::charge(rise.saturating_mul(super::inflight::MODEL_BYTES_PER_SOURCE_BYTE));
    }

    /// Streams one regular file into the member list; `declared` is the size its header
    /// gives (a hint for what is read whole: the bytes read are what count) and `unread`
    /// how far a member the analysis does not read is read. Returns the member's size.
    pub(crate) fn add_file(
        &mut self,
        path: String,
        declared: u64,
        unread: member::Unread,
        reader: &mut dyn Read,
    ) -> Result<u64, StreamError> {
        self.check_path(&path);
        // a nested archive is read whole into memory and opened before its bytes are
        // dropped: its room is taken before reading, so that a file waiting for room
        // holds nothing (a 37 MB `.jsii.tgz` waited for inside its reading before)
        let nested_room = match member::keep_policy(&path) {
            member::Keep::Archive => declared.min(self.limits.max_member_bytes),
            _ => 0,
        };
        super::inflight::charge(nested_room);
        let collected = member::collect(path, declared, unread, reader, &self.budget, &mut self.buf, &mut self.kept);
        let (mut m, too_big, kept) = collected.inspect_err(|_| super::inflight::release(nested_room))?;
        // JavaScript bundles (a web UI's assets) run in a browser, never at install or
        // import, and no detector reads them: a large one is not an unchecked risk
        let browser_asset = m.path.to_ascii_lowercase().ends_with(".js");
        if too_big && !browser_asset {
            let max = self.limits.max_member_bytes;
            self.findings.push(Finding::new(
                AlertId::ArchiveLimitExceeded,
                m.path.as_str(),
                format!("code member of {} bytes exceeds the {max}-byte limit; its content was not checked", m.size),
            ));
        }
        let size = m.size;
        crate::memory::streamed(size);
        // a nested archive (the reader opens only what is named as one) is read and
        // dropped before anything is packed; other content is packed straight from the
        // reused buffer, or copied out of it at its exact size (`member::collect` says why)
        let archive = kept && member::keep_policy(&m.path) == member::Keep::Archive;
        if kept && !archive {
            let content = std::mem::take(&mut self.kept);
            self.hold(&mut m, &content);
            self.kept = content;
        } else if archive {
            // handed over rather than copied: the reader drops it once the archive is read
            m.data = Some(std::mem::take(&mut self.kept));
        }
        self.members.push(m);
        self.open_nested();
        super::inflight::release(nested_room);
        let mut last = self.members.pop();
        if let Some(m) = &mut last {
            // text named like an archive is kept once the reader has looked at it
            if archive {
                if let Some(data) = m.data.take() {
                    self.hold(m, &data);
                }
            }
            super::inflight::charge(m.kept_bytes());
            if m.kept_bytes() > 0 {
                self.reserve_model(&m.path, m.size);
            }
        }
        self.members.extend(last);
        Ok(size)
    }
}

/// Turns a reader's outcome into the artifact: corruption after some members is a
/// finding (the analysis still sees what was read), before any member an error.
pub(super) fn finish(
    filename: &str,
    kind: ArtifactKind,
    container: Container,
    sha256: Option<String>,
    mut col: Collector,
    result: Result<(), Stop>,
) -> Result<Artifact, ArtifactError> {
    match result {
        Ok(()) | Err(Stop::Limit) => {}
        Err(Stop::Corrupt(msg)) => {
            if col.members.is_empty() {
                return Err(ArtifactError::Corrupt(format!("{filename}: {msg}")));
            }
            col.unreadable("", format!("archive is damaged; only the members before the damage were checked: {msg}"));
        }
    }
    if col.members.is_empty() && container != Container::Directory && col.budget.limit_hit().is_none() {
        col.unreadable("", "archive holds no files: nothing to install or check".to_string());
    }
    let kind = match kind {
        ArtifactKind::Sdist => refine_kind(filename, container, &col.members),
        k => k,
    };
    let members = col.take_members();
    Ok(Artifact { filename: filename.to_string(), kind, container, sha256, members, findings: col.findings })
}

/// `.whl`/`.egg` by name; a zip that carries `<name>.dist-info/WHEEL` is a wheel
/// whatever it is called.
fn refine_kind(filename: &str, container: Container, members: &[Member]) -> ArtifactKind {
    let by_name = magic::kind_from_name(filename);
    if by_name == ArtifactKind::Sdist && container == Container::Zip && members.iter().any(|m| is_wheel_marker(&m.path))
    {
        return ArtifactKind::Wheel;
    }
    by_name
}

fn is_wheel_marker(path: &str) -> bool {
    let mut parts = path.split('/');
    matches!((parts.next(), parts.next(), parts.next()), (Some(dir), Some("WHEEL"), None) if dir.ends_with(".dist-info"))
}

/// Wraps a decoder stack for a tar container: counts compressed input, meters output.
pub(super) fn decoded<'a, R: Read + 'a>(
    reader: R,
    container: Container,
    budget: &Rc<Budget>,
) -> Box<dyn Read + 'a> {
    let counted = CountingReader::new(reader, budget.clone());
    match container {
        Container::TarGz => {
            Box::new(MeteredReader::new(flate2::read::MultiGzDecoder::new(counted), budget.clone(), RatioMode::Stream))
        }
        Container::TarBz2 => {
            Box::new(MeteredReader::new(bzip2::read::MultiBzDecoder::new(counted), budget.clone(), RatioMode::Stream))
        }
        Container::TarXz => Box::new(MeteredReader::new(
            xz2::read::XzDecoder::new_multi_decoder(counted),
            budget.clone(),
            RatioMode::Stream,
        )),
        _ => Box::new(MeteredReader::new(counted, budget.clone(), RatioMode::None)),
    }
}
