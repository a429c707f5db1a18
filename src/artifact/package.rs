//! A package file read into memory, and why one could not be read.

use super::format::{ArtifactKind, Container};
use super::member::Member;
use crate::finding::Finding;

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
