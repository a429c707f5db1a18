//! Errors of the verdict DB. Every variant names the file it is about and has a remedy
//! ([`DbError::hint`]). Corruption is never papered over: a database that cannot be
//! read is reported and left untouched, and nothing is allowed because of it.

use rusqlite::ErrorCode;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// The file is not a readable SQLite database (garbage, truncated, damaged pages).
    #[error("verdict DB {path} is corrupt: {detail}")]
    Corrupt { path: PathBuf, detail: String },

    /// Written by a newer safe-pip whose schema this one does not know.
    #[error("verdict DB {path} has schema version {found}; this safe-pip understands up to {supported}")]
    FutureSchema { path: PathBuf, found: i64, supported: i64 },

    /// A valid SQLite database that belongs to another program.
    #[error("{path} is not a safe-pip verdict DB: {detail}")]
    Foreign { path: PathBuf, detail: String },

    #[error("permission denied on verdict DB {path}: {detail}")]
    PermissionDenied { path: PathBuf, detail: String },

    /// The file or its folder cannot be opened or created.
    #[error("cannot open verdict DB {path}: {detail}")]
    Open { path: PathBuf, detail: String },

    /// No home directory to put the default DB in.
    #[error("cannot find a data directory for the verdict DB (no home directory)")]
    NoDataDir,

    /// Other processes kept the DB locked through every retry.
    #[error("verdict DB {path} stayed locked by other processes while trying to {op}")]
    Busy { path: PathBuf, op: &'static str },

    #[error("verdict DB {path}: cannot {op}: {source}")]
    Sqlite {
        path: PathBuf,
        op: &'static str,
        #[source]
        source: rusqlite::Error,
    },

    /// A value handed to the DB API is malformed (e.g. a sha256 that is not 64 hex digits).
    #[error("invalid {what}: {detail}")]
    InvalidInput { what: &'static str, detail: String },

    /// A file given to `import` cannot be read or is not OSV / a safe-pip snapshot.
    #[error("cannot import {path}: {detail}")]
    Import { path: PathBuf, detail: String },

    /// The PostgreSQL verdict store failed: connection, query or transaction.
    #[error("verdict store {url}: cannot {op}: {detail}")]
    Postgres { url: String, op: &'static str, detail: String },

    /// An export could not be written.
    #[error("cannot write {path}: {detail}")]
    Export { path: PathBuf, detail: String },
}

impl DbError {
    /// True when the DB file itself is unusable (corrupt, foreign, newer): the caller must
    /// treat every lookup as unverified, never as allowed.
    pub fn is_unusable_db(&self) -> bool {
        matches!(self, DbError::Corrupt { .. } | DbError::FutureSchema { .. } | DbError::Foreign { .. })
    }

    /// Classifies a SQLite error: corruption, permissions and locks get their own variants.
    pub(crate) fn from_sqlite(path: &Path, op: &'static str, e: rusqlite::Error) -> DbError {
        let path = path.to_path_buf();
        match e.sqlite_error_code() {
            Some(ErrorCode::NotADatabase) => DbError::Corrupt { path, detail: "the file is not an SQLite database".into() },
            Some(ErrorCode::DatabaseCorrupt) => DbError::Corrupt { path, detail: format!("SQLite reports a malformed database while trying to {op}") },
            Some(ErrorCode::PermissionDenied | ErrorCode::ReadOnly) => DbError::PermissionDenied { path, detail: e.to_string() },
            Some(ErrorCode::CannotOpen) => DbError::Open { path, detail: e.to_string() },
            Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => DbError::Busy { path, op },
            _ => DbError::Sqlite { path, op, source: e },
        }
    }

    pub(crate) fn from_io(path: &Path, what: &str, e: std::io::Error) -> DbError {
        let path = path.to_path_buf();
        match e.kind() {
            std::io::ErrorKind::PermissionDenied => DbError::PermissionDenied { path, detail: format!("{what}: {e}") },
            _ => DbError::Open { path, detail: format!("{what}: {e}") },
        }
    }
}

impl crate::error::Hint for DbError {
    /// What the user can do about it, one line.
    fn hint(&self) -> String {
        String::from(match self {
            DbError::Corrupt { .. } => {
                "move it aside or run `safe-pip db reset --yes` (the corrupt file is kept next to it); verdicts will be recomputed"
            }
            DbError::FutureSchema { .. } => {
                "upgrade safe-pip, or point --db / SAFE_PIP_DB at another file; `safe-pip db reset --yes` moves this one aside"
            }
            DbError::Foreign { .. } => "point --db or SAFE_PIP_DB at a safe-pip verdict DB (or a new file); this file is left alone",
            DbError::PermissionDenied { .. } => {
                "make the file and its folder readable and writable for this user (SQLite also writes -wal and -shm files next to it), or choose another path with --db / SAFE_PIP_DB"
            }
            DbError::Open { .. } => "check that the path is a file in a writable folder, or choose another one with --db / SAFE_PIP_DB",
            DbError::NoDataDir => "set SAFE_PIP_DB to the file the verdict DB should live in, or pass --db PATH",
            DbError::Busy { .. } => "another safe-pip is holding the DB for a long time; retry, or use a separate DB with --db",
            DbError::Sqlite { .. } => "run `safe-pip db check`; if the disk is full free some space",
            DbError::InvalidInput { .. } => "this is a bug in the caller; report it",
            DbError::Import { .. } => {
                "pass an OSV advisory (.json), a folder or .zip of them (OpenSSF malicious-packages), or a file written by `safe-pip db export`"
            }
            DbError::Export { .. } => "choose a path in a writable folder",
            DbError::Postgres { .. } => {
                "check that the PostgreSQL server is up and reachable from this host and the --db URL (user, password, database); files are blocked until it answers"
            }
        })
    }
}

/// True for the errors a retry can cure.
pub(crate) fn is_busy(e: &rusqlite::Error) -> bool {
    matches!(e.sqlite_error_code(), Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked))
}
