//! Safe, in-memory reading of package archives: sdists (.tar.gz, .tar.bz2, .tar.xz,
//! .zip), wheels, eggs, and unpacked directories. The real format comes from magic
//! bytes. Nothing is ever extracted to disk and links are never followed; hostile
//! members become findings, not crashes.

mod collector;
mod dir_reader;
pub(crate) mod inflight;
pub(crate) mod limits;
pub(crate) mod magic;
pub(crate) mod member;
pub(crate) mod nested;
pub(crate) mod paths;
mod reader;
pub(crate) mod record_csv;
mod tar_reader;
mod zip_reader;

pub(crate) use reader::{is_package_file, read_bytes, read_path, sha256_stream};

use crate::finding::Finding;
use std::borrow::Cow;

/// What kind of distribution the file is, from its name and content.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ArtifactKind {
    Sdist,
    Wheel,
    Egg,
    Directory,
}

/// The container format, from magic bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Container {
    TarGz,
    TarBz2,
    TarXz,
    Tar,
    Zip,
    Directory,
}

/// Limits that keep reading bounded; exceeding one is reported as
/// `archive-limit-exceeded` (fail closed).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Sum of uncompressed member sizes.
    pub max_total_bytes: u64,
    /// Largest member whose content is kept for analysis; bigger code members are an alert.
    pub max_member_bytes: u64,
    pub max_members: usize,
    /// Uncompressed / compressed ratio beyond which a large member is a bomb.
    pub max_ratio: u64,
}

impl Default for Limits {
    /// 4 GiB streamed in total, code members kept up to 64 MiB, 500 000 entries, and a
    /// 200:1 ratio once a member (zip) or the stream (tar) has produced 16 MiB. Deflate
    /// cannot exceed about 1030:1, so a 1000:1 limit would never fire on gzip or zip
    /// bombs; 200:1 stops them after the first 16 MiB while real packages stay far below.
    fn default() -> Limits {
        Limits {
            max_total_bytes: 4 * 1024 * 1024 * 1024,
            // sized from the 2,300 most popular projects (2026-12): the largest Python
            // member is a 17.2 MB generated SDK module, the most entries 230,747 (a
            // data-heavy sdist); both limits leave about 3x and 2x margin
            max_member_bytes: 64 * 1024 * 1024,
            max_members: 500_000,
            max_ratio: 200,
        }
    }
}

impl Member {
    /// The member's sha256 as lower-case hex.
    pub fn sha256_hex(&self) -> String {
        reader::hex(&self.sha256)
    }

    /// The content, when it was kept: borrowed, or inflated when it is held deflated.
    pub fn content(&self) -> Option<Cow<'_, [u8]>> {
        match (&self.data, &self.packed) {
            (Some(d), _) => Some(Cow::Borrowed(d)),
            (None, Some(p)) => p.unpack().map(Cow::Owned),
            (None, None) => None,
        }
    }

    /// The content as UTF-8 text (lossy), when it was kept.
    pub fn text(&self) -> Option<Cow<'_, str>> {
        Some(match self.content()? {
            Cow::Borrowed(b) => String::from_utf8_lossy(b),
            Cow::Owned(v) => Cow::Owned(String::from_utf8_lossy(&v).into_owned()),
        })
    }

    /// Bytes of memory the kept content takes.
    pub fn kept_bytes(&self) -> u64 {
        self.data.as_ref().map_or(0, |d| d.len() as u64) + self.packed.as_ref().map_or(0, |p| p.held_bytes() as u64)
    }
}

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

/// One archive member. Content is kept only for files the analysis reads.
#[derive(Clone, Debug)]
pub struct Member {
    /// Path relative to the archive root, '/'-separated, as stored (after safety checks).
    pub path: String,
    pub size: u64,
    /// sha256 of the full content (computed while streaming, also for skipped content).
    pub sha256: [u8; 32],
    /// First bytes of the content (for magic-byte checks), up to 64.
    pub head: Vec<u8>,
    /// Full content when the analysis reads it ([`member::read_by_analysis`]: code,
    /// scripts, build configuration, metadata) and it is within limits.
    pub data: Option<Vec<u8>>,
    /// The same content held deflated instead, in archives whose kept content is large
    /// (see [`member::PACK_AFTER_BYTES`]); read it through [`Member::content`].
    pub packed: Option<member::Packed>,
}

/// A package file read into memory.
#[derive(Clone, Debug)]
pub struct Artifact {
    /// The file name as given (e.g. `requests-2.32.3.tar.gz`), or the directory name.
    pub filename: String,
    pub kind: ArtifactKind,
    pub container: Container,
    /// Hex sha256 of the file's bytes (None for a directory).
    pub sha256: Option<String>,
    pub members: Vec<Member>,
    /// Alerts about the archive itself (links, traversal, limits, extension mismatch).
    pub findings: Vec<Finding>,
}

/// Why an archive could not be read at all.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ArtifactError {
    #[error("cannot read {path}: {source}")]
    Io { path: String, source: std::io::Error },
    #[error("{0}")]
    Corrupt(String),
}

#[cfg(test)]
mod tests;
