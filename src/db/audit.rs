//! The audit log: every block, every override (a verdict a decision changed) and every
//! decision recorded through the gateway's admin API, with when and who. Append-only
//! (triggers refuse UPDATE and DELETE); only `reset` clears it.

use super::connection::Db;
use super::errors::DbError;
use rusqlite::params;
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AuditKind {
    /// A file was refused.
    Block,
    /// A file's verdict was set by a decision (allowed, or denied, by one).
    Override,
    /// A decision was recorded.
    Decision,
}

impl AuditKind {
    pub fn as_str(self) -> &'static str {
        match self {
            AuditKind::Block => "block",
            AuditKind::Override => "override",
            AuditKind::Decision => "decision",
        }
    }

    pub fn parse(s: &str) -> Option<AuditKind> {
        match s {
            "block" => Some(AuditKind::Block),
            "override" => Some(AuditKind::Override),
            "decision" => Some(AuditKind::Decision),
            _ => None,
        }
    }
}

/// One entry of the audit log.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// Unix seconds.
    pub at: i64,
    pub kind: AuditKind,
    pub package: Option<String>,
    pub version: Option<String>,
    pub filename: Option<String>,
    pub sha256: Option<String>,
    /// "allow", "warn" or "block" (a decision: "allow" or "deny").
    pub verdict: Option<String>,
    pub reason: String,
    /// Who acted (the admin token's name), when a person did.
    pub actor: Option<String>,
}

impl AuditEntry {
    pub(crate) fn from_row(kind: &str, at: i64, rest: [Option<String>; 6], reason: String) -> Option<AuditEntry> {
        let [package, version, filename, sha256, verdict, actor] = rest;
        Some(AuditEntry { at, kind: AuditKind::parse(kind)?, package, version, filename, sha256, verdict, reason, actor })
    }
}

/// Entries read at most at once.
pub(crate) const MAX_AUDIT_ROWS: usize = 10_000;

impl Db {
    pub fn audit_append(&self, e: &AuditEntry) -> Result<(), DbError> {
        self.write("append to the audit log", |tx| {
            tx.prepare_cached(
                "INSERT INTO audit (at, kind, package, version, filename, sha256, verdict, reason, actor)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            )?
            .execute(params![e.at, e.kind.as_str(), e.package, e.version, e.filename, e.sha256, e.verdict, e.reason, e.actor])?;
            Ok(())
        })
    }

    /// Entries at or after `since` (unix seconds), oldest first, at most `limit` (capped at
    /// [`MAX_AUDIT_ROWS`]).
    pub fn audit_since(&self, since: i64, limit: usize) -> Result<Vec<AuditEntry>, DbError> {
        let limit = i64::try_from(limit.min(MAX_AUDIT_ROWS)).unwrap_or(0);
        let rows = self.read("read the audit log", |c| {
            let mut stmt = c.prepare_cached(
                "SELECT kind, at, package, version, filename, sha256, verdict, actor, reason FROM audit WHERE at >= ?1 ORDER BY at, id LIMIT ?2",
            )?;
            let rows = stmt.query_map(params![since, limit], |r| {
                Ok(AuditEntry::from_row(&r.get::<_, String>(0)?, r.get(1)?, [r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?, r.get(7)?], r.get(8)?))
            })?;
            rows.collect::<rusqlite::Result<Vec<_>>>()
        })?;
        Ok(rows.into_iter().flatten().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::temp_db;
    use super::*;

    #[test]
    fn append_only_and_read_in_order() {
        let (_d, db) = temp_db();
        let e = |at: i64, kind| AuditEntry { at, kind, package: Some("p".into()), version: None, filename: None, sha256: None, verdict: Some("block".into()), reason: "r".into(), actor: None };
        db.audit_append(&e(20, AuditKind::Override)).expect("append");
        db.audit_append(&e(10, AuditKind::Block)).expect("append");
        db.audit_append(&e(30, AuditKind::Decision)).expect("append");
        let got = db.audit_since(15, 10).expect("read");
        assert_eq!(got.iter().map(|x| (x.at, x.kind)).collect::<Vec<_>>(), vec![(20, AuditKind::Override), (30, AuditKind::Decision)]);
        assert_eq!(db.audit_since(0, 1).expect("read").len(), 1);
        let err = db.conn.execute("DELETE FROM audit", []).expect_err("append-only");
        assert!(err.to_string().contains("append-only"), "{err}");
        db.reset().expect("reset lifts the triggers for itself");
        assert!(db.audit_since(0, 10).expect("read").is_empty());
        db.audit_append(&e(40, AuditKind::Block)).expect("append");
        assert!(db.conn.execute("DELETE FROM audit", []).is_err(), "triggers are back after reset");
    }
}
