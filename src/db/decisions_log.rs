//! The decision log: an append-only audit trail of "document decision" entries
//! (package, version spec, alerts accepted, reason, who, when, allow/deny, the file the
//! decision came from). SQLite triggers refuse UPDATE and DELETE on it; only
//! `reset` clears it. Storage and API only: the decisions feature reads and writes it.

use super::connection::Db;
use super::errors::DbError;
use super::clock::now;
use crate::action::DecisionAction;
use crate::analysis::names::normalize;
use rusqlite::{Connection, params};
use serde::{Deserialize, Serialize};

/// A decision to append.
#[derive(Clone, Debug)]
pub struct NewDecision<'a> {
    /// Project name (any spelling; stored PEP 503 normalised).
    pub package: &'a str,
    /// Version spec the decision covers, e.g. "==2.0.1" or "*".
    pub spec: &'a str,
    /// Alert ids accepted (or denied); kept as given, so ids of other engine versions survive.
    pub alerts: &'a [String],
    /// Why; required.
    pub reason: &'a str,
    /// Who decided (e.g. an e-mail or a user name).
    pub who: &'a str,
    pub action: DecisionAction,
    /// Where the decision is written down, e.g. "pyproject.toml".
    pub source: Option<&'a str>,
    /// `None` = now.
    pub decided_at: Option<i64>,
    /// Last day the decision applies (`YYYY-MM-DD`); `None`: no expiry.
    pub until: Option<&'a str>,
}

/// A logged decision.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DecisionRecord {
    pub package: String,
    pub spec: String,
    pub alerts: Vec<String>,
    pub reason: String,
    pub who: String,
    pub action: DecisionAction,
    pub source: Option<String>,
    /// Unix seconds.
    pub decided_at: i64,
    /// Last day the decision applies (`YYYY-MM-DD`); `None`: no expiry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<String>,
}

impl DecisionRecord {
    /// The record a [`NewDecision`] makes: name normalised, text trimmed, now when undated.
    pub(crate) fn from_new(d: &NewDecision<'_>) -> DecisionRecord {
        DecisionRecord {
            package: normalize(d.package),
            spec: d.spec.trim().to_string(),
            alerts: d.alerts.to_vec(),
            reason: d.reason.trim().to_string(),
            who: d.who.trim().to_string(),
            action: d.action,
            source: d.source.map(str::to_string),
            decided_at: d.decided_at.unwrap_or_else(now),
            until: d.until.map(|u| u.trim().to_string()).filter(|u| !u.is_empty()),
        }
    }

    pub(crate) fn validate(&self) -> Result<(), DbError> {
        if normalize(&self.package).is_empty() {
            return Err(DbError::InvalidInput { what: "decision package", detail: "it is empty".into() });
        }
        if self.reason.trim().is_empty() {
            return Err(DbError::InvalidInput {
                what: "decision reason",
                detail: format!("the decision for {} has no reason; every decision needs one", self.package),
            });
        }
        Ok(())
    }
}

/// Appends a record; an identical entry (same fields, same second) is already there and
/// is not duplicated. Returns whether a row was added.
pub(crate) fn append(conn: &Connection, d: &DecisionRecord) -> rusqlite::Result<bool> {
    let alerts = serde_json::to_string(&d.alerts).unwrap_or_else(|_| "[]".into());
    let n = conn
        .prepare_cached(
            "INSERT OR IGNORE INTO decisions (package, spec, alerts, reason, who, action, source, decided_at, until)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        )?
        .execute(params![normalize(&d.package), d.spec, alerts, d.reason, d.who, d.action.as_str(), d.source.as_deref().unwrap_or(""), d.decided_at, d.until])?;
    Ok(n > 0)
}

const SELECT: &str = "SELECT package, spec, alerts, reason, who, action, source, decided_at, until FROM decisions";

fn from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Option<DecisionRecord>> {
    let alerts: String = r.get(2)?;
    let action: String = r.get(5)?;
    let (Ok(alerts), Some(action)) = (serde_json::from_str(&alerts), DecisionAction::parse(&action)) else { return Ok(None) };
    Ok(Some(DecisionRecord {
        package: r.get(0)?,
        spec: r.get(1)?,
        alerts,
        reason: r.get(3)?,
        who: r.get(4)?,
        action,
        source: r.get::<_, String>(6).map(|s| if s.is_empty() { None } else { Some(s) })?,
        decided_at: r.get(7)?,
        until: r.get(8)?,
    }))
}

impl Db {
    /// Appends a decision to the log.
    pub fn log_decision(&self, d: &NewDecision<'_>) -> Result<(), DbError> {
        let record = DecisionRecord::from_new(d);
        record.validate()?;
        self.write("log a decision", |tx| append(tx, &record).map(|_| ()))
    }

    /// Every logged decision for the project `name`, oldest first. A row that does not
    /// parse (edited by hand) is reported as corruption, not skipped: the log is an
    /// audit trail.
    pub fn decisions(&self, name: &str) -> Result<Vec<DecisionRecord>, DbError> {
        let norm = normalize(name);
        self.read_decisions(&format!("{SELECT} WHERE package = ?1 ORDER BY decided_at, id"), Some(norm))
    }

    /// The whole log, oldest first (for export).
    pub fn all_decisions(&self) -> Result<Vec<DecisionRecord>, DbError> {
        self.read_decisions(&format!("{SELECT} ORDER BY decided_at, id"), None)
    }

    fn read_decisions(&self, sql: &str, name: Option<String>) -> Result<Vec<DecisionRecord>, DbError> {
        let rows = self.read("read the decision log", |c| {
            let mut stmt = c.prepare_cached(sql)?;
            let rows = match &name {
                Some(n) => stmt.query_map([n], from_row)?.collect::<rusqlite::Result<Vec<_>>>()?,
                None => stmt.query_map([], from_row)?.collect::<rusqlite::Result<Vec<_>>>()?,
            };
            Ok(rows)
        })?;
        let bad = rows.iter().filter(|r| r.is_none()).count();
        if bad > 0 {
            return Err(DbError::Corrupt {
                path: self.path.clone(),
                detail: format!("{bad} decision log entr{} cannot be read", if bad == 1 { "y" } else { "ies" }),
            });
        }
        Ok(rows.into_iter().flatten().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::temp_db;
    use super::*;

    fn decision<'a>(alerts: &'a [String], reason: &'a str, at: i64) -> NewDecision<'a> {
        NewDecision {
            package: "Some_Pkg",
            spec: "==1.2.3",
            alerts,
            reason,
            who: "alice@example.org",
            action: DecisionAction::Allow,
            source: Some("pyproject.toml"),
            decided_at: Some(at),
            until: None,
        }
    }

    #[test]
    fn log_is_append_only_and_read_per_package() {
        let (_d, db) = temp_db();
        let alerts = vec!["network-access".to_string(), "id-from-another-version".to_string()];
        db.log_decision(&decision(&alerts, "it is an HTTP client", 10)).expect("log");
        db.log_decision(&decision(&alerts, "it is an HTTP client", 10)).expect("identical entry is not duplicated");
        let mut deny = decision(&[], "typosquat of requests", 20);
        deny.action = DecisionAction::Deny;
        db.log_decision(&deny).expect("log");

        let got = db.decisions("some-pkg").expect("read");
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].package, "some-pkg");
        assert_eq!(got[0].alerts, alerts);
        assert_eq!(got[0].source.as_deref(), Some("pyproject.toml"));
        assert_eq!(got[1].action, DecisionAction::Deny);
        assert!(db.decisions("other").expect("read").is_empty());

        let err = db.conn.execute("DELETE FROM decisions", []).expect_err("append-only");
        assert!(err.to_string().contains("append-only"), "{err}");
        let err = db.conn.execute("UPDATE decisions SET reason = 'x'", []).expect_err("append-only");
        assert!(err.to_string().contains("append-only"), "{err}");
    }

    #[test]
    fn a_decision_needs_a_reason() {
        let (_d, db) = temp_db();
        let err = db.log_decision(&decision(&[], "  ", 1)).expect_err("no reason");
        assert!(matches!(err, DbError::InvalidInput { what: "decision reason", .. }), "{err}");
    }
}
