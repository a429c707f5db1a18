//! What the gate stores and reads, whichever backend holds it: the [`VerdictStore`]
//! operations and the [`ReadyVerdict`] they record.

use crate::db::verdicts::Prepared;
use crate::db::{Advisory, AuditEntry, DbError, DecisionRecord, HistoryEntry, NewDecision, NewVerdict, SnapshotParts, StoredVerdict};
use std::collections::HashMap;
use std::path::PathBuf;

/// A verdict ready to store, built by the gate after an analysis.
pub struct ReadyVerdict(pub(crate) Prepared);

impl ReadyVerdict {
    /// Validates `v` (sha256, filename, score) and redacts its index URL.
    pub fn new(v: &NewVerdict<'_>) -> Result<ReadyVerdict, DbError> {
        Prepared::from_new(v).map(ReadyVerdict)
    }
}

/// What the gate stores and reads. Implementations are shared by the proxy's request
/// threads: every method takes `&self`.
pub trait VerdictStore: Send + Sync {
    /// `sqlite:PATH` or the PostgreSQL URL without its password, for messages.
    fn describe(&self) -> String;

    /// The read replica's URL (password redacted) when read-mostly queries go to one.
    fn read_replica(&self) -> Option<String> {
        None
    }

    /// The SQLite file, `None` for a server.
    fn path(&self) -> Option<PathBuf> {
        None
    }

    /// The verdict of `analysis_version` for the file, if readable by this engine.
    fn lookup_verdict(&self, sha256: &str, analysis_version: &str) -> Result<Option<StoredVerdict>, DbError>;

    /// Verdicts of the current analysis version for many files, keyed by lower-case sha256.
    fn lookup_verdicts(&self, sha256s: &[String]) -> Result<HashMap<String, StoredVerdict>, DbError>;

    /// Stores a verdict with its history row (a fresh local analysis).
    fn record(&self, v: &ReadyVerdict) -> Result<(), DbError>;

    /// [`VerdictStore::record`] of a verdict still to validate.
    fn record_verdict(&self, v: &NewVerdict<'_>) -> Result<(), DbError> {
        self.record(&ReadyVerdict::new(v)?)
    }

    /// The verdict of the current analysis version for `sha256` if stored; else runs
    /// `analyse` and stores what it returns (`None`: nothing to store, e.g. unreadable).
    /// Returns the stored verdict found, or `None` when `analyse` ran. PostgreSQL holds a
    /// per-file lock across replicas meanwhile, so concurrent callers analyse once.
    fn analyse_once(&self, sha256: &str, analyse: &mut dyn FnMut() -> Option<ReadyVerdict>) -> Result<Option<StoredVerdict>, DbError>;

    /// Advisories of many projects, keyed by PEP 503 normalised name.
    fn advisories_for_names(&self, names: &[String]) -> Result<HashMap<String, Vec<Advisory>>, DbError>;

    /// The first advisory listing `name` at `version` as malware.
    fn known_malware(&self, name: &str, version: Option<&str>) -> Result<Option<Advisory>, DbError> {
        let norm = crate::pep503::normalize_name(name);
        Ok(self.advisories_for_names(std::slice::from_ref(&norm))?.remove(&norm).unwrap_or_default().into_iter().find(|a| a.affects(version)))
    }

    /// Every recorded analysis of the project, newest first.
    fn history(&self, name: &str) -> Result<Vec<HistoryEntry>, DbError>;

    /// Appends a decision to the log.
    fn log_decision(&self, d: &NewDecision<'_>) -> Result<(), DbError>;

    /// The logged decisions about project `name`, oldest first.
    fn decisions(&self, name: &str) -> Result<Vec<DecisionRecord>, DbError>;

    /// Appends to the audit log (blocks, overrides, decisions).
    fn audit_append(&self, e: &AuditEntry) -> Result<(), DbError>;

    /// Audit entries at or after `since` (unix seconds), oldest first, at most `limit`.
    fn audit_since(&self, since: i64, limit: usize) -> Result<Vec<AuditEntry>, DbError>;

    /// Every verdict, the whole decision log and the advisories: what `safe-pip db
    /// export` writes, for laptops' offline use (the gateway's `/snapshot`).
    fn snapshot(&self) -> Result<SnapshotParts, DbError>;
}
