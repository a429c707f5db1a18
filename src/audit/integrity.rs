//! Tampering after install: every file a distribution's RECORD lists with a hash is
//! hashed again on disk and compared; files that changed, went missing or are no longer
//! regular files are reported. `.pth` lines that the site module executes and that no
//! RECORD accounts for are reported too: code that runs at every interpreter start and
//! that no installed package brought.
//!
//! Read-only and bounded: only regular files are opened (without blocking, so a FIFO
//! planted under a recorded name cannot hang the audit), and a file whose size differs
//! from RECORD's is reported without being read.

use super::site::{Distribution, PthFile, RecordRow};
use base64::Engine;
use serde::Serialize;
use sha2::Digest;
use std::collections::HashSet;
use std::io::Read;
use std::path::{Path, PathBuf};

/// What is wrong with one recorded file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub(crate) enum Problem {
    /// The file's content differs from what was installed.
    Changed { path: String, recorded: String, actual: String },
    /// RECORD lists it; it is gone.
    Missing { path: String },
    /// Something other than a regular file stands under the recorded name.
    NotAFile { path: String, what: String },
    Unreadable { path: String, error: String },
}

impl Problem {
    pub(crate) fn path(&self) -> &str {
        match self {
            Problem::Changed { path, .. } | Problem::Missing { path } | Problem::NotAFile { path, .. } | Problem::Unreadable { path, .. } => path,
        }
    }

    /// One line for people: what and why.
    pub(crate) fn describe(&self) -> String {
        match self {
            Problem::Changed { recorded, actual, .. } => format!("changed since install (RECORD {recorded}, now {actual})"),
            Problem::Missing { .. } => "missing (listed in RECORD)".into(),
            Problem::NotAFile { what, .. } => format!("{what}, not the regular file that was installed"),
            Problem::Unreadable { error, .. } => format!("cannot be read: {error}"),
        }
    }

    pub(crate) fn kind(&self) -> &'static str {
        match self {
            Problem::Changed { .. } => "changed",
            Problem::Missing { .. } => "missing",
            Problem::NotAFile { .. } => "not a file",
            Problem::Unreadable { .. } => "unreadable",
        }
    }
}

/// The result of verifying one distribution's RECORD.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub(crate) struct Verified {
    /// Files hashed and found as installed.
    pub intact: usize,
    /// Rows without a hash (RECORD itself, byte-compiled files) or with an algorithm
    /// other than sha256/384/512: not verifiable.
    pub unhashed: usize,
    pub problems: Vec<Problem>,
    /// No RECORD: nothing could be verified.
    pub no_record: bool,
}

/// Verifies every hashed RECORD row of `dist` against the files on disk.
pub(crate) fn verify(dist: &Distribution) -> Verified {
    let Some(rows) = &dist.record else { return Verified { no_record: true, ..Verified::default() } };
    let mut out = Verified::default();
    for row in rows {
        match check_row(&dist.site, row) {
            Some(Ok(())) => out.intact += 1,
            Some(Err(p)) => out.problems.push(p),
            None => out.unhashed += 1,
        }
    }
    out
}

/// `None`: not verifiable (no hash, unknown algorithm).
fn check_row(site: &Path, row: &RecordRow) -> Option<Result<(), Problem>> {
    let (algorithm, recorded) = row.hash.as_deref()?.split_once('=')?;
    let algorithm = algorithm.trim().to_ascii_lowercase();
    if !matches!(algorithm.as_str(), "sha256" | "sha384" | "sha512") {
        return None;
    }
    let path = row.path.clone();
    let full = resolve(site, &row.path);
    let meta = match std::fs::metadata(&full) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Some(Err(Problem::Missing { path })),
        Err(e) => return Some(Err(Problem::Unreadable { path, error: e.to_string() })),
    };
    if !meta.is_file() {
        let what = if meta.is_dir() { "a directory" } else { "a special file" };
        return Some(Err(Problem::NotAFile { path, what: what.into() }));
    }
    let recorded_hash = format!("{algorithm}={}", recorded.trim());
    if let Some(size) = row.size.filter(|s| *s != meta.len()) {
        return Some(Err(Problem::Changed { path, recorded: format!("{recorded_hash}, {size} bytes"), actual: format!("{} bytes", meta.len()) }));
    }
    let actual = match digest(&full, &algorithm) {
        Ok(d) => d,
        Err(e) => return Some(Err(Problem::Unreadable { path, error: e.to_string() })),
    };
    let wanted: String = recorded.trim().trim_end_matches('=').chars().map(|c| match c { '+' => '-', '/' => '_', c => c }).collect();
    let actual_b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&actual);
    if actual_b64 == wanted {
        Some(Ok(()))
    } else {
        Some(Err(Problem::Changed { path, recorded: recorded_hash, actual: format!("{algorithm}={actual_b64}") }))
    }
}

/// A RECORD path as a path on disk: relative ones (`pkg/x.py`, `../../../bin/tool`) are
/// relative to the site folder; folded lexically so that paths compare.
pub(crate) fn resolve(site: &Path, record_path: &str) -> PathBuf {
    crate::review::git::normal(&site.join(record_path))
}

fn digest(path: &Path, algorithm: &str) -> std::io::Result<Vec<u8>> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK);
    }
    let mut file = options.open(path)?;
    if !file.metadata()?.is_file() {
        return Err(std::io::Error::new(std::io::ErrorKind::InvalidInput, "not a regular file"));
    }
    fn stream<D: Digest>(file: &mut std::fs::File) -> std::io::Result<Vec<u8>> {
        let mut hasher = D::new();
        let mut buf = vec![0u8; 256 * 1024];
        loop {
            match file.read(&mut buf) {
                Ok(0) => return Ok(hasher.finalize().to_vec()),
                Ok(n) => hasher.update(&buf[..n]),
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
    }
    match algorithm {
        "sha384" => stream::<sha2::Sha384>(&mut file),
        "sha512" => stream::<sha2::Sha512>(&mut file),
        _ => stream::<sha2::Sha256>(&mut file),
    }
}

/// An executable `.pth` line, and whether an installed distribution's RECORD lists its file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub(crate) struct PthCode {
    pub file: PathBuf,
    pub line: usize,
    pub code: String,
    /// `name version` of the distribution whose RECORD lists the file.
    pub recorded_by: Option<String>,
    /// Set when the line is one a known environment tool writes (virtualenv and uv
    /// write `_virtualenv.pth` with `import _virtualenv`): shown, not counted as tampering.
    pub note: Option<String>,
}

impl PthCode {
    /// Code that no installed distribution accounts for.
    pub(crate) fn is_unaccounted(&self) -> bool {
        self.recorded_by.is_none() && self.note.is_none()
    }
}

/// Every executable line of the `.pth` files, with the distribution that installed it.
/// An unreadable `.pth` file counts as unaccounted code (its content cannot be shown harmless).
pub(crate) fn pth_code(pth: &[PthFile], dists: &[Distribution]) -> Vec<PthCode> {
    let mut recorded: Vec<(PathBuf, String)> = Vec::new();
    let wanted: HashSet<PathBuf> = pth.iter().map(|p| p.path.clone()).collect();
    for d in dists {
        for row in d.record.iter().flatten() {
            let full = resolve(&d.site, &row.path);
            if wanted.contains(&full) {
                recorded.push((full, format!("{} {}", d.name, d.version)));
            }
        }
    }
    let mut out = Vec::new();
    for p in pth {
        let recorded_by = recorded.iter().find(|(f, _)| *f == p.path).map(|(_, d)| d.clone());
        if let Some(e) = &p.error {
            out.push(PthCode { file: p.path.clone(), line: 0, code: format!("(cannot be read: {e})"), recorded_by: None, note: None });
        }
        for (line, code) in &p.code {
            let tool = p.path.file_name().is_some_and(|n| n == "_virtualenv.pth") && code.trim() == "import _virtualenv";
            let note = (tool && recorded_by.is_none()).then(|| "written by virtualenv / uv when the environment was created".to_string());
            out.push(PthCode { file: p.path.clone(), line: *line, code: code.clone(), recorded_by: recorded_by.clone(), note });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_paths_resolve_against_the_site_folder() {
        let site = Path::new("/v/lib/python3.12/site-packages");
        assert_eq!(resolve(site, "../../../bin/tool"), PathBuf::from("/v/bin/tool"));
        assert_eq!(resolve(site, "./pkg/x.py"), PathBuf::from("/v/lib/python3.12/site-packages/pkg/x.py"));
        assert_eq!(resolve(site, "/abs/file"), PathBuf::from("/abs/file"));
    }
}
