//! The verdict DB: one SQLite file (bundled SQLite, WAL) holding
//!
//! - verdicts keyed by file sha256 + [`ANALYSIS_VERSION`] ([`verdicts`]),
//! - the scan history behind `vet`'s "previous versions seen" ([`history`]),
//! - registry metadata with a TTL ([`metadata_cache`]),
//! - the append-only decision log ([`decisions_log`]),
//! - known-malicious feeds imported from OSV ([`feeds`]),
//! - snapshots to share verdicts and decisions between machines ([`snapshot`]).
//!
//! Many processes use it at once (parallel installs, a CI matrix): WAL lets readers run
//! beside one writer, every write is a short IMMEDIATE transaction, SQLite waits up to
//! [`BUSY_TIMEOUT`] for a lock and [`Db`] retries a few more times on `SQLITE_BUSY`.
//!
//! Fail closed: a file that is not a readable safe-pip DB is reported
//! ([`DbError::Corrupt`], [`DbError::FutureSchema`], [`DbError::Foreign`]) and never
//! recreated over; callers treat such an error as "unverified", never as "allowed".
//!
//! A [`Db`] is one connection: `Send`, not `Sync`. Threads open their own (cheap) or
//! share one behind a mutex.

mod analysis_version;
mod clock;
mod connection;
mod errors;
mod integrity;
mod paths;
pub(crate) mod audit;
pub(crate) mod decisions_log;
pub(crate) mod feeds;
pub(crate) mod history;
pub(crate) mod metadata_cache;
pub(crate) mod schema;
pub(crate) mod snapshot;
pub(crate) mod verdicts;

pub use audit::{AuditEntry, AuditKind};
pub use decisions_log::{DecisionRecord, NewDecision};
pub use errors::DbError;
pub use feeds::{Advisory, AffectedRange, OsvImportReport};
pub use history::HistoryEntry;
pub use metadata_cache::CachedMetadata;
pub use snapshot::{ExportReport, ImportOutcome, SNAPSHOT_FORMAT, SNAPSHOT_FORMAT_VERSION, SnapshotImportReport, SnapshotParts, write_snapshot};
pub use verdicts::{NewVerdict, StoredAlert, StoredVerdict};

pub use analysis_version::ANALYSIS_VERSION;
pub use clock::now;
pub use connection::{BUSY_TIMEOUT, Db};
pub use paths::{DB_ENV, DB_FILE_NAME, PathSource, default_path, resolve_path};

use paths::{sibling, size_on_disk};
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::time::Duration;


impl Db {
    /// Counts for `safe-pip db stats`.
    pub fn stats(&self) -> Result<Stats, DbError> {
        let count = |sql: &'static str| self.read("count rows", move |c| c.query_row(sql, [ANALYSIS_VERSION], |r| r.get::<_, i64>(0)));
        let count0 = |sql: &'static str| self.read("count rows", move |c| c.query_row(sql, [], |r| r.get::<_, i64>(0)));
        let (oldest, newest) = self.read("read scan times", |c| {
            c.query_row("SELECT min(scanned_at), max(scanned_at) FROM verdicts", [], |r| Ok((r.get(0)?, r.get(1)?)))
        })?;
        Ok(Stats {
            path: self.path.display().to_string(),
            schema_version: schema::SCHEMA_VERSION,
            analysis_version: ANALYSIS_VERSION,
            verdicts: VerdictCounts {
                allow: count("SELECT count(*) FROM verdicts WHERE analysis_version = ?1 AND verdict = 'allow'")?,
                warn: count("SELECT count(*) FROM verdicts WHERE analysis_version = ?1 AND verdict = 'warn'")?,
                block: count("SELECT count(*) FROM verdicts WHERE analysis_version = ?1 AND verdict = 'block'")?,
            },
            stale_verdicts: count("SELECT count(*) FROM verdicts WHERE analysis_version <> ?1")?,
            history_entries: count0("SELECT count(*) FROM scan_history")?,
            metadata_entries: count0("SELECT count(*) FROM metadata_cache")?,
            decisions: count0("SELECT count(*) FROM decisions")?,
            advisories: count0("SELECT count(*) FROM advisories")?,
            oldest_scan: oldest,
            newest_scan: newest,
            size_bytes: size_on_disk(&self.path),
        })
    }

    /// `PRAGMA integrity_check` and `quick_check`, foreign keys, schema version and the
    /// rows' JSON. Corruption SQLite meets on the way is an `Err(Corrupt)`.
    pub fn check(&self) -> Result<CheckReport, DbError> {
        let pragma_rows = |sql: &'static str| {
            self.read("check integrity", move |c| {
                let mut stmt = c.prepare(sql)?;
                let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
                rows.collect::<rusqlite::Result<Vec<String>>>()
            })
        };
        let integrity: Vec<String> = pragma_rows("PRAGMA integrity_check(100)")?.into_iter().filter(|r| r != "ok").collect();
        let quick: Vec<String> = pragma_rows("PRAGMA quick_check(100)")?.into_iter().filter(|r| r != "ok").collect();
        let foreign_key_violations = self.read("check foreign keys", |c| {
            let mut stmt = c.prepare("PRAGMA foreign_key_check")?;
            let mut rows = stmt.query([])?;
            let mut n = 0usize;
            while rows.next()?.is_some() {
                n += 1;
            }
            Ok(n)
        })?;
        let schema_version = self.read("read the schema version", schema::user_version)?;
        let bad_rows = self.read("check rows", |c| {
            c.query_row(
                "SELECT (SELECT count(*) FROM verdicts WHERE CASE WHEN json_valid(alerts) THEN json_type(alerts) <> 'array' ELSE 1 END)
                      + (SELECT count(*) FROM metadata_cache WHERE json_valid(body) = 0)
                      + (SELECT count(*) FROM decisions WHERE json_valid(alerts) = 0)
                      + (SELECT count(*) FROM advisory_packages WHERE json_valid(versions) = 0 OR json_valid(ranges) = 0)",
                [],
                |r| r.get::<_, i64>(0),
            )
        })?;
        let journal_mode = self.read("read the journal mode", |c| c.query_row("PRAGMA journal_mode", [], |r| r.get::<_, String>(0)))?;
        Ok(CheckReport {
            path: self.path.display().to_string(),
            schema_version,
            supported_schema_version: schema::SCHEMA_VERSION,
            journal_mode,
            integrity,
            quick,
            foreign_key_violations,
            bad_rows: bad_rows.max(0) as u64,
        })
    }

    /// Deletes verdicts, history and cached metadata older than `older_than`, and with
    /// `stale` the verdicts of other analysis versions. Never touches the decision log
    /// (an audit trail) or imported feeds (re-import replaces them).
    pub fn prune(&self, opts: &PruneOptions) -> Result<PruneReport, DbError> {
        self.prune_at(opts, now())
    }

    pub fn prune_at(&self, opts: &PruneOptions, now: i64) -> Result<PruneReport, DbError> {
        let cutoff = opts.older_than.map(|d| now.saturating_sub(i64::try_from(d.as_secs()).unwrap_or(i64::MAX)));
        self.write("prune", |tx| {
            let mut report = PruneReport::default();
            if let Some(cutoff) = cutoff {
                report.verdicts += tx.execute("DELETE FROM verdicts WHERE scanned_at < ?1", [cutoff])?;
                report.history += tx.execute("DELETE FROM scan_history WHERE scanned_at < ?1", [cutoff])?;
                report.metadata += tx.execute("DELETE FROM metadata_cache WHERE fetched_at < ?1", [cutoff])?;
            }
            if opts.stale {
                report.verdicts += tx.execute("DELETE FROM verdicts WHERE analysis_version <> ?1", [ANALYSIS_VERSION])?;
            }
            Ok(report)
        })
    }

    /// Empties every table, the decision log included, in one transaction. Asks
    /// nothing: the CLI requires `--yes`.
    pub fn reset(&self) -> Result<(), DbError> {
        self.write("reset", |tx| {
            // The log is append-only through triggers; lift them for this one
            // transaction and put back exactly what was there.
            let triggers: Vec<(String, String)> = {
                let mut stmt = tx.prepare("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name IN ('decisions', 'audit')")?;
                let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
                rows.collect::<rusqlite::Result<_>>()?
            };
            for (name, _) in &triggers {
                tx.execute_batch(&format!("DROP TRIGGER \"{}\"", name.replace('"', "\"\"")))?;
            }
            tx.execute_batch(
                "DELETE FROM advisory_packages; DELETE FROM advisories; DELETE FROM decisions; DELETE FROM audit;
                 DELETE FROM verdicts; DELETE FROM scan_history; DELETE FROM metadata_cache;",
            )?;
            for (_, sql) in &triggers {
                tx.execute_batch(sql)?;
            }
            Ok(())
        })
    }

    /// `safe-pip db reset`: clears a healthy DB; a corrupt one, or one from a newer
    /// schema, is renamed aside (kept, with its -wal/-shm) and a fresh DB created.
    /// Another program's database is refused.
    pub fn reset_path(path: &Path) -> Result<ResetOutcome, DbError> {
        match Db::open(path) {
            Ok(db) => {
                db.reset()?;
                Ok(ResetOutcome::Cleared)
            }
            Err(e @ (DbError::Corrupt { .. } | DbError::FutureSchema { .. })) => {
                let backup = move_aside(path)?;
                Db::open(path)?;
                Ok(ResetOutcome::MovedAside { backup, reason: e.to_string() })
            }
            Err(e) => Err(e),
        }
    }
}

/// Renames the DB and its -wal/-shm to `{name}.corrupt-{unix}` (with a counter when
/// taken) and returns the new path of the main file.
fn move_aside(path: &Path) -> Result<PathBuf, DbError> {
    let stamp = now();
    let mut backup = sibling(path, &format!(".corrupt-{stamp}"));
    let mut n = 1;
    while backup.exists() {
        backup = sibling(path, &format!(".corrupt-{stamp}-{n}"));
        n += 1;
    }
    std::fs::rename(path, &backup).map_err(|e| DbError::from_io(path, "move it aside", e))?;
    let _ = std::fs::remove_file(integrity::stamp_path(path));
    for suffix in ["-wal", "-shm"] {
        let side = sibling(path, suffix);
        if side.exists() {
            let target = sibling(&backup, suffix);
            std::fs::rename(&side, &target).map_err(|e| DbError::from_io(&side, "move it aside", e))?;
        }
    }
    Ok(backup)
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct VerdictCounts {
    pub allow: i64,
    pub warn: i64,
    pub block: i64,
}

impl VerdictCounts {
    pub fn total(&self) -> i64 {
        self.allow + self.warn + self.block
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct Stats {
    pub path: String,
    pub schema_version: i64,
    pub analysis_version: &'static str,
    /// Verdicts of the current analysis version.
    pub verdicts: VerdictCounts,
    /// Verdicts of other analysis versions (never used; `prune --stale` deletes them).
    pub stale_verdicts: i64,
    pub history_entries: i64,
    pub metadata_entries: i64,
    pub decisions: i64,
    pub advisories: i64,
    pub oldest_scan: Option<i64>,
    pub newest_scan: Option<i64>,
    /// The DB file with its -wal and -shm, in bytes.
    pub size_bytes: u64,
}

#[derive(Clone, Debug, Serialize)]
pub struct CheckReport {
    pub path: String,
    pub schema_version: i64,
    pub supported_schema_version: i64,
    pub journal_mode: String,
    /// Problems `PRAGMA integrity_check` found (empty when "ok").
    pub integrity: Vec<String>,
    /// Problems `PRAGMA quick_check` found (empty when "ok").
    pub quick: Vec<String>,
    pub foreign_key_violations: usize,
    /// Rows whose JSON columns do not parse.
    pub bad_rows: u64,
}

impl CheckReport {
    pub fn problems(&self) -> Vec<String> {
        let mut out: Vec<String> = self.integrity.iter().chain(&self.quick).cloned().collect();
        out.dedup();
        if self.schema_version != self.supported_schema_version {
            out.push(format!("schema version {} (expected {})", self.schema_version, self.supported_schema_version));
        }
        if self.foreign_key_violations > 0 {
            out.push(format!("{} foreign key violation(s)", self.foreign_key_violations));
        }
        if self.bad_rows > 0 {
            out.push(format!("{} row(s) with unreadable JSON (they are treated as missing and recomputed)", self.bad_rows));
        }
        out
    }

    pub fn ok(&self) -> bool {
        self.problems().is_empty()
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PruneOptions {
    /// Delete entries scanned or fetched longer ago than this.
    pub older_than: Option<Duration>,
    /// Delete verdicts of analysis versions other than [`ANALYSIS_VERSION`].
    pub stale: bool,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct PruneReport {
    pub verdicts: usize,
    pub history: usize,
    pub metadata: usize,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ResetOutcome {
    /// The DB was healthy and is now empty.
    Cleared,
    /// The DB could not be used; it was renamed to `backup` and a new one created.
    MovedAside { backup: PathBuf, reason: String },
}

#[cfg(test)]
pub(crate) mod test_support {
    use super::*;

    pub(crate) fn temp_db() -> (tempfile::TempDir, Db) {
        let dir = tempfile::tempdir().expect("temp dir");
        let db = Db::open(&dir.path().join("v.sqlite3")).expect("open fresh DB");
        (dir, db)
    }

    /// A valid sha256 made from a number.
    pub(crate) fn sha(i: u64) -> String {
        format!("{i:064x}")
    }
}

#[cfg(test)]
mod tests;
