//! PEP 610 records that point at the original source, not at safe-pip's private copy.
//!
//! pip installs a direct-URL or local-archive requirement from the vetted private copy
//! safe-pip hands it, so the installed `direct_url.json` would name a temporary file that
//! is deleted when safe-pip ends (`pip freeze` then shows `six @ file:///tmp/…`). After
//! pip succeeds, the target interpreter rewrites those records to the URL the user gave.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;

const SCRIPT: &str = include_str!("direct_url.py");

/// The URL a requirement token stands for: the URL itself without fragment and
/// credentials, or a local path as a `file://` URL.
pub(crate) fn original_url(token: &str) -> Option<String> {
    match url::Url::parse(token) {
        Ok(mut u) if matches!(u.scheme(), "http" | "https" | "file") => {
            u.set_fragment(None);
            let _ = u.set_username("");
            let _ = u.set_password(None);
            Some(u.to_string())
        }
        _ => {
            let path = std::fs::canonicalize(Path::new(token.strip_prefix("file:").unwrap_or(token))).ok()?;
            url::Url::from_file_path(path).ok().map(|u| u.to_string())
        }
    }
}

/// Why the installed records could not be pointed at the original URLs (a note after the
/// install, not a failure of it).
#[derive(Debug, thiserror::Error)]
pub(crate) enum RestoreError {
    #[error("cannot run {}: {source}", python.display())]
    Run { python: PathBuf, source: std::io::Error },
    /// The last line the helper wrote to stderr.
    #[error("{0}")]
    Failed(String),
    #[error("unreadable answer: {0}")]
    Unreadable(serde_json::Error),
}

/// Rewrites the records of distributions installed from the private copies in
/// `substitutes` (requirement token → copy); `extra_paths` are install folders outside
/// `sys.path` (`--target`, `--prefix`). Returns the dist-info folders fixed.
pub(crate) fn restore(python: &Path, substitutes: &HashMap<String, PathBuf>, extra_paths: &[PathBuf]) -> Result<Vec<String>, RestoreError> {
    let mut copies = serde_json::Map::new();
    for (token, copy) in substitutes {
        let (Some(original), Ok(copy_url)) = (original_url(token), url::Url::from_file_path(copy)) else { continue };
        copies.insert(copy_url.to_string(), original.into());
    }
    if copies.is_empty() {
        return Ok(Vec::new());
    }
    let paths: Vec<String> = extra_paths.iter().map(|p| p.display().to_string()).collect();
    let arg = serde_json::json!({ "copies": copies, "paths": paths }).to_string();
    let out = Command::new(python).arg("-c").arg(SCRIPT).arg(arg).output().map_err(|source| RestoreError::Run { python: python.to_path_buf(), source })?;
    if !out.status.success() {
        return Err(RestoreError::Failed(String::from_utf8_lossy(&out.stderr).lines().last().unwrap_or("failed").to_string()));
    }
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).map_err(RestoreError::Unreadable)?;
    Ok(v["fixed"].as_array().map(|a| a.iter().filter_map(|x| x.as_str().map(str::to_string)).collect()).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_original_url_drops_fragment_and_credentials() {
        assert_eq!(
            original_url("https://user:pw@host/six-1.16.0-py2.py3-none-any.whl#sha256=ab").as_deref(),
            Some("https://host/six-1.16.0-py2.py3-none-any.whl")
        );
        let d = tempfile::tempdir().unwrap();
        let f = d.path().join("x-1.0.tar.gz");
        std::fs::write(&f, b"").unwrap();
        let url = original_url(&f.display().to_string()).unwrap();
        assert!(url.starts_with("file:///") && url.ends_with("/x-1.0.tar.gz"), "{url}");
        assert_eq!(original_url("does/not/exist.whl"), None);
    }

    #[test]
    fn installed_records_name_the_original_url_and_record_stays_consistent() {
        let python = ["python3", "python"].into_iter().find(|p| Command::new(p).arg("-c").arg("").output().is_ok_and(|o| o.status.success()));
        let Some(python) = python else { return };
        let d = tempfile::tempdir().unwrap();
        let copy = d.path().join("vetted/0/six-1.16.0-py2.py3-none-any.whl");
        let site = d.path().join("site");
        let info = site.join("six-1.16.0.dist-info");
        std::fs::create_dir_all(&info).unwrap();
        let copy_url = url::Url::from_file_path(&copy).unwrap().to_string();
        let recorded = format!(r#"{{"archive_info": {{"hashes": {{"sha256": "ab"}}}}, "url": "{copy_url}"}}"#);
        std::fs::write(info.join("direct_url.json"), &recorded).unwrap();
        std::fs::write(info.join("RECORD"), "six.py,sha256=x,1\nsix-1.16.0.dist-info/direct_url.json,sha256=old,10\n").unwrap();
        let other = site.join("other-1.0.dist-info");
        std::fs::create_dir_all(&other).unwrap();
        std::fs::write(other.join("direct_url.json"), r#"{"url": "https://elsewhere/other-1.0.tar.gz"}"#).unwrap();
        let subs = HashMap::from([("https://host/six-1.16.0-py2.py3-none-any.whl#sha256=ab".to_string(), copy)]);
        let fixed = restore(Path::new(python), &subs, std::slice::from_ref(&site)).unwrap();
        assert_eq!(fixed, vec!["six-1.16.0.dist-info".to_string()]);
        let now: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(info.join("direct_url.json")).unwrap()).unwrap();
        assert_eq!(now["url"], "https://host/six-1.16.0-py2.py3-none-any.whl");
        assert_eq!(now["archive_info"]["hashes"]["sha256"], "ab", "the hash pip recorded stays");
        let record = std::fs::read_to_string(info.join("RECORD")).unwrap();
        assert!(record.contains("six.py,sha256=x,1") && !record.contains("sha256=old"), "{record}");
        let other_now = std::fs::read_to_string(other.join("direct_url.json")).unwrap();
        assert!(other_now.contains("https://elsewhere/"), "others untouched");
    }
}
