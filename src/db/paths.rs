//! Where the verdict DB file is: `--db`, `SAFE_PIP_DB` or the platform data directory,
//! and the files SQLite keeps beside it.

use super::errors::DbError;
use serde::Serialize;
use std::path::{Path, PathBuf};

/// Environment variable that overrides the DB path (the `--db` flag wins over it).
pub const DB_ENV: &str = "SAFE_PIP_DB";

/// File name of the DB inside the data directory.
pub const DB_FILE_NAME: &str = "verdicts.sqlite3";

/// Where the DB path came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PathSource {
    /// `--db PATH`.
    Flag,
    /// `SAFE_PIP_DB`.
    Env,
    /// The platform data directory.
    Default,
}

impl PathSource {
    pub fn as_str(self) -> &'static str {
        match self {
            PathSource::Flag => "--db",
            PathSource::Env => DB_ENV,
            PathSource::Default => "default",
        }
    }
}

/// `{data_dir}/verdicts.sqlite3` with `ProjectDirs::from("dev", "safe-pip", "safe-pip")`
/// (`~/.local/share/safe-pip/` on Linux).
pub fn default_path() -> Result<PathBuf, DbError> {
    directories::ProjectDirs::from("dev", "safe-pip", "safe-pip")
        .map(|d| d.data_dir().join(DB_FILE_NAME))
        .ok_or(DbError::NoDataDir)
}

/// The DB path to use: the override (`--db`), else `SAFE_PIP_DB` when set and not
/// empty, else [`default_path`].
pub fn resolve_path(override_path: Option<&Path>) -> Result<(PathBuf, PathSource), DbError> {
    if let Some(p) = override_path {
        return Ok((p.to_path_buf(), PathSource::Flag));
    }
    match std::env::var_os(DB_ENV) {
        Some(v) if !v.is_empty() => Ok((PathBuf::from(v), PathSource::Env)),
        _ => Ok((default_path()?, PathSource::Default)),
    }
}

pub(super) fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut s = path.as_os_str().to_os_string();
    s.push(suffix);
    PathBuf::from(s)
}

/// The DB file plus its -wal and -shm.
pub(super) fn size_on_disk(path: &Path) -> u64 {
    ["", "-wal", "-shm"].iter().filter_map(|s| std::fs::metadata(sibling(path, s)).ok()).map(|m| m.len()).sum()
}
