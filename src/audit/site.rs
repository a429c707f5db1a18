//! Reading an environment's site-packages, read-only: every `*.dist-info` (METADATA's
//! name, version and licence fields, RECORD, INSTALLER, `direct_url.json`) and
//! `*.egg-info` folder, and the `.pth` files. Nothing is imported or run; every file is
//! read only if it is a regular file, and at most [`MAX_META_BYTES`] of it.

use crate::analysis::package::pkginfo;
use std::path::{Path, PathBuf};

/// Largest METADATA, RECORD or direct_url.json read (real ones are a few KiB to a few MiB).
pub(crate) const MAX_META_BYTES: u64 = 32 * 1024 * 1024;

/// Largest `.pth` file read.
const MAX_PTH_BYTES: u64 = 1024 * 1024;

/// One installed distribution.
#[derive(Clone, Debug)]
pub(crate) struct Distribution {
    pub name: String,
    pub version: String,
    /// The `*.dist-info` (or `*.egg-info`) folder.
    pub meta_dir: PathBuf,
    /// The site-packages folder it was found in (RECORD paths are relative to it).
    pub site: PathBuf,
    /// `INSTALLER` (`pip`, `uv`, …), when written.
    pub installer: Option<String>,
    pub direct_url: Option<DirectUrl>,
    pub license: Option<String>,
    pub license_expression: Option<String>,
    pub classifiers: Vec<String>,
    /// RECORD's rows; `None` when there is no RECORD (egg-info, or removed).
    pub record: Option<Vec<RecordRow>>,
}

/// `direct_url.json` (PEP 610): installed from a URL, a local archive, a VCS checkout or
/// a local tree, not by name from an index.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct DirectUrl {
    /// Credentials removed.
    pub url: String,
    pub kind: DirectKind,
    /// The archive's sha256 (lower-case hex), when recorded.
    pub sha256: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum DirectKind {
    Archive,
    Vcs,
    Directory,
    Editable,
}

impl DirectKind {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            DirectKind::Archive => "archive",
            DirectKind::Vcs => "vcs",
            DirectKind::Directory => "directory",
            DirectKind::Editable => "editable",
        }
    }
}

/// One RECORD row: path (as written), `algorithm=urlsafe-base64` hash and size, either
/// possibly empty.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct RecordRow {
    pub path: String,
    pub hash: Option<String>,
    pub size: Option<u64>,
}

/// One `.pth` file of the site folder.
#[derive(Clone, Debug)]
pub(crate) struct PthFile {
    pub path: PathBuf,
    /// Lines the site module executes (`import …`), 1-based line numbers.
    pub code: Vec<(usize, String)>,
    /// The file could not be read (reported as such; a `.pth` that cannot be read cannot
    /// be shown harmless).
    pub error: Option<String>,
}

/// What a site folder holds.
#[derive(Clone, Debug, Default)]
pub(crate) struct Site {
    pub distributions: Vec<Distribution>,
    pub pth: Vec<PthFile>,
    /// Folders that look like distributions but could not be read: (path, why).
    pub unreadable: Vec<(PathBuf, String)>,
}

/// Reads one site-packages folder. An unreadable folder is an error; an unreadable
/// distribution inside it is listed in [`Site::unreadable`].
pub(crate) fn read_site(site: &Path) -> std::io::Result<Site> {
    let mut names: Vec<PathBuf> = std::fs::read_dir(site)?.filter_map(|e| e.ok().map(|e| e.path())).collect();
    names.sort();
    let mut out = Site::default();
    for path in names {
        let Some(file_name) = path.file_name().map(|n| n.to_string_lossy().into_owned()) else { continue };
        let lower = file_name.to_ascii_lowercase();
        if lower.ends_with(".dist-info") || lower.ends_with(".egg-info") {
            match read_distribution(site, &path) {
                Ok(d) => out.distributions.push(d),
                Err(why) => out.unreadable.push((path, why.to_string())),
            }
        } else if lower.ends_with(".pth") && std::fs::metadata(&path).is_ok_and(|m| m.is_file()) {
            out.pth.push(read_pth(&path));
        }
    }
    Ok(out)
}

/// A `.dist-info` / `.egg-info` that cannot be read as an installed distribution.
#[derive(Debug, thiserror::Error)]
enum DistributionError {
    #[error("{}: {source}", path.display())]
    Read { path: PathBuf, source: std::io::Error },
    #[error("{}: no Name or Version", path.display())]
    NoNameOrVersion { path: PathBuf },
}

fn read_text(path: &Path) -> Result<String, DistributionError> {
    crate::lockfile::read_regular(path, MAX_META_BYTES)
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .map_err(|source| DistributionError::Read { path: path.to_path_buf(), source })
}

fn read_distribution(site: &Path, dir: &Path) -> Result<Distribution, DistributionError> {
    let egg = dir.extension().is_some_and(|e| e.eq_ignore_ascii_case("egg-info"));
    // An egg-info may be a single file (distutils) rather than a folder.
    let meta_file = if dir.is_dir() { dir.join(if egg { "PKG-INFO" } else { "METADATA" }) } else { dir.to_path_buf() };
    let text = read_text(&meta_file)?;
    let info = pkginfo::parse(&text);
    let (Some(name), Some(version)) = (info.get("Name").filter(|s| !s.is_empty()), info.get("Version").filter(|s| !s.is_empty())) else {
        return Err(DistributionError::NoNameOrVersion { path: meta_file });
    };
    let read_opt = |file: &str| dir.is_dir().then(|| dir.join(file)).filter(|p| p.exists()).map(|p| read_text(&p));
    let record = match read_opt("RECORD") {
        Some(Ok(text)) => Some(parse_record(&text)),
        Some(Err(e)) => return Err(e),
        None => None,
    };
    let direct_url = match read_opt("direct_url.json") {
        Some(Ok(text)) => parse_direct_url(&text),
        _ => None,
    };
    Ok(Distribution {
        name: name.to_string(),
        version: version.to_string(),
        meta_dir: dir.to_path_buf(),
        site: site.to_path_buf(),
        installer: read_opt("INSTALLER").and_then(Result::ok).map(|s| s.trim().to_string()).filter(|s| !s.is_empty()),
        direct_url,
        license: info.get("License").map(str::to_string),
        license_expression: info.get("License-Expression").map(str::to_string),
        classifiers: info.get_all("Classifier").map(str::to_string).collect(),
        record,
    })
}

/// RECORD is CSV: `path,hash,size`, fields optionally double-quoted with `""` escapes.
pub(crate) fn parse_record(text: &str) -> Vec<RecordRow> {
    text.lines()
        .filter_map(|line| {
            let fields = crate::artifact::record_csv::fields(line);
            let path = fields.first().map(|p| p.trim().to_string()).filter(|p| !p.is_empty())?;
            let hash = fields.get(1).map(|h| h.trim().to_string()).filter(|h| !h.is_empty());
            let size = fields.get(2).and_then(|s| s.trim().parse().ok());
            Some(RecordRow { path, hash, size })
        })
        .collect()
}

/// PEP 610's `direct_url.json`; `None` when it does not parse or names no URL.
pub(crate) fn parse_direct_url(text: &str) -> Option<DirectUrl> {
    let v: serde_json::Value = serde_json::from_str(text).ok()?;
    let url = crate::index::redact(v.get("url")?.as_str()?);
    let (kind, sha256) = if let Some(a) = v.get("archive_info") {
        let from_hashes = a.get("hashes").and_then(|h| h.get("sha256")).and_then(|s| s.as_str()).map(str::to_string);
        let from_hash = a.get("hash").and_then(|h| h.as_str()).and_then(|h| h.strip_prefix("sha256=")).map(str::to_string);
        let sha = from_hashes.or(from_hash).map(|s| s.to_ascii_lowercase()).filter(|s| s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit()));
        (DirectKind::Archive, sha)
    } else if v.get("vcs_info").is_some() {
        (DirectKind::Vcs, None)
    } else if v.get("dir_info").and_then(|d| d.get("editable")).and_then(|e| e.as_bool()) == Some(true) {
        (DirectKind::Editable, None)
    } else {
        (DirectKind::Directory, None)
    };
    Some(DirectUrl { url, kind, sha256 })
}

/// The lines of a `.pth` file that the site module executes at every interpreter start:
/// those beginning with `import ` or `import\t` (site.py's own test).
fn read_pth(path: &Path) -> PthFile {
    match crate::lockfile::read_regular(path, MAX_PTH_BYTES) {
        Ok(bytes) => {
            let text = String::from_utf8_lossy(&bytes);
            let code = text
                .lines()
                .enumerate()
                .filter(|(_, l)| l.starts_with("import ") || l.starts_with("import\t"))
                .map(|(i, l)| (i + 1, l.trim_end_matches('\r').to_string()))
                .collect();
            PthFile { path: path.to_path_buf(), code, error: None }
        }
        Err(e) => PthFile { path: path.to_path_buf(), code: Vec::new(), error: Some(e.to_string()) },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_rows_keep_quoted_commas_and_empty_hashes() {
        let rows = parse_record("a/__init__.py,sha256=abc,12\n\"we,ird.py\",sha256=x,\na-1.0.dist-info/RECORD,,\n\n");
        assert_eq!(rows[0], RecordRow { path: "a/__init__.py".into(), hash: Some("sha256=abc".into()), size: Some(12) });
        assert_eq!(rows[1].path, "we,ird.py");
        assert_eq!(rows[1].size, None);
        assert_eq!(rows[2].hash, None);
        assert_eq!(rows.len(), 3);
    }

    #[test]
    fn direct_url_kinds_and_hashes() {
        let sha = "ab".repeat(32);
        let a = parse_direct_url(&format!(r#"{{"url": "https://u:secret@host/x-1.0.whl", "archive_info": {{"hash": "sha256={sha}"}}}}"#)).expect("archive");
        assert_eq!((a.kind, a.sha256.as_deref()), (DirectKind::Archive, Some(sha.as_str())));
        assert!(!a.url.contains("secret"), "{}", a.url);
        let e = parse_direct_url(r#"{"url": "file:///src/x", "dir_info": {"editable": true}}"#).expect("dir");
        assert_eq!(e.kind, DirectKind::Editable);
        let v = parse_direct_url(r#"{"url": "https://github.com/a/b", "vcs_info": {"vcs": "git", "commit_id": "1"}}"#).expect("vcs");
        assert_eq!(v.kind, DirectKind::Vcs);
        assert!(parse_direct_url("not json").is_none());
    }
}
