//! The verdict DB of one machine as a [`VerdictStore`]: one connection behind a mutex,
//! held for DB calls only, never during an analysis.

use super::verdict_store::{ReadyVerdict, VerdictStore};
use crate::db::{ANALYSIS_VERSION, Advisory, AuditEntry, Db, DbError, DecisionRecord, HistoryEntry, NewDecision, SnapshotParts, StoredVerdict};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Mutex, MutexGuard};

pub(crate) struct SqliteStore {
    db: Mutex<Db>,
}

impl SqliteStore {
    pub(crate) fn new(db: Db) -> SqliteStore {
        SqliteStore { db: Mutex::new(db) }
    }

    fn db(&self) -> MutexGuard<'_, Db> {
        // A panic elsewhere while holding the lock leaves no half-done transaction behind
        // (SQLite rolls back), so the connection is still good.
        self.db.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl VerdictStore for SqliteStore {
    fn describe(&self) -> String {
        format!("sqlite:{}", self.db().path().display())
    }

    fn path(&self) -> Option<PathBuf> {
        Some(self.db().path().to_path_buf())
    }

    fn lookup_verdict(&self, sha256: &str, analysis_version: &str) -> Result<Option<StoredVerdict>, DbError> {
        self.db().lookup_verdict(sha256, analysis_version)
    }

    fn lookup_verdicts(&self, sha256s: &[String]) -> Result<HashMap<String, StoredVerdict>, DbError> {
        self.db().lookup_verdicts(sha256s)
    }

    fn record(&self, v: &ReadyVerdict) -> Result<(), DbError> {
        self.db().record_prepared(&v.0)
    }

    /// One machine: the proxy's single flight already shares an analysis between its
    /// threads; two processes meeting a new file at once may both analyse it (the later
    /// verdict replaces the earlier, the same for the same bytes).
    fn analyse_once(&self, sha256: &str, analyse: &mut dyn FnMut() -> Option<ReadyVerdict>) -> Result<Option<StoredVerdict>, DbError> {
        if let Some(found) = self.lookup_verdict(sha256, ANALYSIS_VERSION)? {
            return Ok(Some(found));
        }
        if let Some(v) = analyse() {
            self.db().record_prepared(&v.0)?;
        }
        Ok(None)
    }

    fn advisories_for_names(&self, names: &[String]) -> Result<HashMap<String, Vec<Advisory>>, DbError> {
        self.db().advisories_for_names(names)
    }

    fn known_malware(&self, name: &str, version: Option<&str>) -> Result<Option<Advisory>, DbError> {
        self.db().known_malware(name, version)
    }

    fn history(&self, name: &str) -> Result<Vec<HistoryEntry>, DbError> {
        self.db().history(name)
    }

    fn log_decision(&self, d: &NewDecision<'_>) -> Result<(), DbError> {
        self.db().log_decision(d)
    }

    fn decisions(&self, name: &str) -> Result<Vec<DecisionRecord>, DbError> {
        self.db().decisions(name)
    }

    fn audit_append(&self, e: &AuditEntry) -> Result<(), DbError> {
        self.db().audit_append(e)
    }

    fn audit_since(&self, since: i64, limit: usize) -> Result<Vec<AuditEntry>, DbError> {
        self.db().audit_since(since, limit)
    }

    fn snapshot(&self) -> Result<SnapshotParts, DbError> {
        self.db().snapshot_parts()
    }
}
