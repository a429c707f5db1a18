//! Safe, in-memory reading of package archives: sdists (.tar.gz, .tar.bz2, .tar.xz,
//! .zip), wheels, eggs, and unpacked directories. The real format comes from magic
//! bytes. Nothing is ever extracted to disk and links are never followed; hostile
//! members become findings, not crashes.

use crate::finding::Finding;
use std::path::Path;

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
#[derive(Clone, Debug)]
pub struct Limits {
    /// Sum of uncompressed member sizes.
    pub max_total_bytes: u64,
    /// Largest member whose content is kept for analysis; bigger code members are an alert.
    pub max_member_bytes: u64,
    pub max_members: usize,
    /// Uncompressed / compressed ratio beyond which a large member is a bomb.
    pub max_ratio: u64,
}

/// One archive member. Content is kept only for files that can hold code or metadata.
#[derive(Clone, Debug)]
pub struct Member {
    /// Path relative to the archive root, '/'-separated, as stored (after safety checks).
    pub path: String,
    pub size: u64,
    /// sha256 of the full content (computed while streaming, also for skipped content).
    pub sha256: [u8; 32],
    /// First bytes of the content (for magic-byte checks), up to 64.
    pub head: Vec<u8>,
    /// Full content when the member can hold code or metadata and is within limits.
    pub data: Option<Vec<u8>>,
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
pub enum ArtifactError {
    #[error("cannot read {path}: {source}")]
    Io { path: String, source: std::io::Error },
    #[error("{0}")]
    Corrupt(String),
}

// Interim reader for wiring the pipeline; replaced by the full reader on the artifact branch.
impl Default for Limits {
    fn default() -> Self {
        Limits { max_total_bytes: 4 << 30, max_member_bytes: 16 << 20, max_members: 200_000, max_ratio: 1000 }
    }
}

pub fn is_package_file(path: &Path) -> bool {
    let n = path.file_name().and_then(|n| n.to_str()).unwrap_or("").to_ascii_lowercase();
    [".tar.gz", ".tgz", ".tar.bz2", ".tar.xz", ".tar", ".zip", ".whl", ".egg"].iter().any(|e| n.ends_with(e))
}

pub fn read_path(path: &Path, _limits: &Limits) -> Result<Artifact, ArtifactError> {
    use sha2::Digest;
    use std::io::Read;
    let bytes = std::fs::read(path).map_err(|e| ArtifactError::Io { path: path.display().to_string(), source: e })?;
    let filename = path.file_name().and_then(|n| n.to_str()).unwrap_or("").to_string();
    let mut members = Vec::new();
    let mut push = |p: String, data: Vec<u8>| {
        let sha: [u8; 32] = sha2::Sha256::digest(&data).into();
        members.push(Member { path: p, size: data.len() as u64, sha256: sha, head: data.iter().take(64).copied().collect(), data: Some(data) });
    };
    let container = if bytes.starts_with(b"PK") {
        let mut z = zip::ZipArchive::new(std::io::Cursor::new(&bytes)).map_err(|e| ArtifactError::Corrupt(e.to_string()))?;
        for i in 0..z.len() {
            let mut f = z.by_index(i).map_err(|e| ArtifactError::Corrupt(e.to_string()))?;
            let mut d = Vec::new();
            f.read_to_end(&mut d).map_err(|e| ArtifactError::Corrupt(e.to_string()))?;
            push(f.name().map(|n| n.to_string()).unwrap_or_default(), d);
        }
        Container::Zip
    } else {
        let mut t = tar::Archive::new(flate2::read::GzDecoder::new(&bytes[..]));
        for e in t.entries().map_err(|e| ArtifactError::Corrupt(e.to_string()))? {
            let mut e = e.map_err(|e| ArtifactError::Corrupt(e.to_string()))?;
            let p = e.path().map_err(|e| ArtifactError::Corrupt(e.to_string()))?.to_string_lossy().into_owned();
            let mut d = Vec::new();
            e.read_to_end(&mut d).map_err(|e| ArtifactError::Corrupt(e.to_string()))?;
            push(p, d);
        }
        Container::TarGz
    };
    let kind = if filename.ends_with(".whl") { ArtifactKind::Wheel } else { ArtifactKind::Sdist };
    let sha = sha2::Sha256::digest(&bytes).iter().map(|b| format!("{b:02x}")).collect();
    Ok(Artifact { filename, kind, container, sha256: Some(sha), members, findings: Vec::new() })
}
