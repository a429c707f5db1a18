//! Verdicts keyed by file sha256 + analysis version, with the alerts that made them,
//! so a hit can be reported exactly as a fresh scan would (verdict, score, level,
//! findings with file:line and evidence).
//!
//! A stored verdict that this engine cannot fully read back — another analysis version,
//! an alert id it does not know (a newer or older catalogue), malformed JSON — is
//! stale: lookups return nothing for it and the file is analysed again.

use super::analysis_version::ANALYSIS_VERSION;
use super::connection::Db;
use super::errors::DbError;
use crate::alerts::AlertId;
use crate::analysis::names::normalize;
use crate::finding::{ExecContext, Finding};
use crate::action::Action;
use crate::score::{Risk, RiskLevel};
use rusqlite::{Connection, Row, params};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// What the pipeline stores after analysing a file.
#[derive(Clone, Debug)]
pub struct NewVerdict<'a> {
    /// Hex sha256 of the file's bytes (either case; stored lower case).
    pub sha256: &'a str,
    /// Normally [`ANALYSIS_VERSION`].
    pub analysis_version: &'a str,
    pub name: Option<&'a str>,
    pub version: Option<&'a str>,
    pub filename: &'a str,
    pub size: Option<u64>,
    pub verdict: Action,
    /// The verdict's reason, as reports print it.
    pub reason: &'a str,
    pub risk: Risk,
    pub findings: &'a [Finding],
    /// Index the file came from; credentials are redacted before storing.
    pub index_url: Option<&'a str>,
    /// `None` = now.
    pub scanned_at: Option<i64>,
}

impl<'a> NewVerdict<'a> {
    /// A verdict of the current [`ANALYSIS_VERSION`], scanned now; fill the optional
    /// fields (name, version, size, index_url) directly.
    pub fn new(sha256: &'a str, filename: &'a str, verdict: Action, reason: &'a str, risk: Risk, findings: &'a [Finding]) -> Self {
        NewVerdict {
            sha256,
            analysis_version: ANALYSIS_VERSION,
            name: None,
            version: None,
            filename,
            size: None,
            verdict,
            reason,
            risk,
            findings,
            index_url: None,
            scanned_at: None,
        }
    }
}

/// One alert as stored: the catalogue id plus where and what was seen.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredAlert {
    pub id: String,
    #[serde(default)]
    pub file: String,
    #[serde(default)]
    pub line: Option<u32>,
    #[serde(default)]
    pub message: String,
    #[serde(default)]
    pub evidence: String,
    /// "install", "import" or "runtime".
    #[serde(default)]
    pub context: Option<String>,
}

impl From<&Finding> for StoredAlert {
    fn from(f: &Finding) -> Self {
        StoredAlert {
            id: f.alert.id().to_string(),
            file: f.file.clone(),
            line: f.line,
            message: f.message.clone(),
            evidence: f.evidence.clone(),
            context: f.context.map(|c| c.as_str().to_string()),
        }
    }
}

impl StoredAlert {
    /// The finding again; `None` when the id or context is unknown to this engine.
    pub fn to_finding(&self) -> Option<Finding> {
        let context = match self.context.as_deref() {
            None => None,
            Some("install") => Some(ExecContext::Install),
            Some("import") => Some(ExecContext::Import),
            Some("runtime") => Some(ExecContext::Runtime),
            Some(_) => return None,
        };
        Some(Finding {
            alert: AlertId::from_id(&self.id)?,
            file: self.file.clone(),
            line: self.line,
            message: self.message.clone(),
            evidence: self.evidence.clone(),
            context,
        })
    }
}

/// A verdict read back from the DB (also the record format of snapshots).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredVerdict {
    pub sha256: String,
    pub analysis_version: String,
    pub name: Option<String>,
    pub version: Option<String>,
    pub filename: String,
    pub size: Option<u64>,
    /// "allow", "warn" or "block".
    pub verdict: String,
    pub reason: String,
    pub score: u8,
    /// "none", "low", "medium", "high" or "critical".
    pub level: String,
    pub alerts: Vec<StoredAlert>,
    pub index_url: Option<String>,
    /// "local", or "import:<file>" for verdicts that came from a snapshot.
    pub origin: String,
    /// Unix seconds.
    pub scanned_at: i64,
}

fn parse_level(s: &str) -> Option<RiskLevel> {
    match s {
        "none" => Some(RiskLevel::None),
        "low" => Some(RiskLevel::Low),
        "medium" => Some(RiskLevel::Medium),
        "high" => Some(RiskLevel::High),
        "critical" => Some(RiskLevel::Critical),
        _ => None,
    }
}

impl StoredVerdict {
    pub fn action(&self) -> Option<Action> {
        Action::parse(&self.verdict)
    }

    pub fn risk(&self) -> Option<Risk> {
        Some(Risk { score: self.score, level: parse_level(&self.level)? })
    }

    /// The findings as the analysers produced them; `None` if any alert id is unknown.
    pub fn findings(&self) -> Option<Vec<Finding>> {
        self.alerts.iter().map(StoredAlert::to_finding).collect()
    }

    /// True when this engine can use the verdict as if it had just scanned the file:
    /// same analysis version and everything parses.
    pub fn is_current(&self) -> bool {
        self.analysis_version == ANALYSIS_VERSION && self.is_readable()
    }

    /// Everything in it parses with this engine's catalogue (any analysis version).
    pub fn is_readable(&self) -> bool {
        self.action().is_some() && self.risk().is_some() && self.findings().is_some()
    }
}

/// Lower-case hex sha256, or an error naming the bad value.
pub(crate) fn normalize_sha256(s: &str) -> Result<String, DbError> {
    let t = s.trim();
    if t.len() == 64 && t.bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(t.to_ascii_lowercase())
    } else {
        Err(DbError::InvalidInput { what: "sha256", detail: format!("expected 64 hex digits, got {:?}", clip(t)) })
    }
}

fn clip(s: &str) -> String {
    s.chars().take(80).collect()
}

const COLUMNS: &str =
    "sha256, analysis_version, name, version, filename, size, verdict, reason, score, level, alerts, index_url, origin, scanned_at";

/// Reads a row; `Ok(None)` when its content does not parse (treated as stale).
fn from_row(r: &Row<'_>) -> rusqlite::Result<Option<StoredVerdict>> {
    let alerts_json: String = r.get(10)?;
    let Ok(alerts) = serde_json::from_str::<Vec<StoredAlert>>(&alerts_json) else { return Ok(None) };
    let Ok(score) = u8::try_from(r.get::<_, i64>(8)?) else { return Ok(None) };
    let size: Option<i64> = r.get(5)?;
    Ok(Some(StoredVerdict {
        sha256: r.get(0)?,
        analysis_version: r.get(1)?,
        name: r.get(2)?,
        version: r.get(3)?,
        filename: r.get(4)?,
        size: size.and_then(|s| u64::try_from(s).ok()),
        verdict: r.get(6)?,
        reason: r.get(7)?,
        score,
        level: r.get(9)?,
        alerts,
        index_url: r.get(11)?,
        origin: r.get(12)?,
        scanned_at: r.get(13)?,
    }))
}

/// A validated row ready to insert.
pub(crate) struct Prepared {
    pub sha256: String,
    pub analysis_version: String,
    pub name: Option<String>,
    pub name_norm: Option<String>,
    pub version: Option<String>,
    pub filename: String,
    pub size: Option<i64>,
    pub verdict: &'static str,
    pub reason: String,
    pub score: i64,
    pub level: String,
    pub alerts: String,
    pub index_url: Option<String>,
    pub origin: String,
    pub scanned_at: i64,
}

impl Prepared {
    pub(crate) fn from_new(v: &NewVerdict<'_>) -> Result<Prepared, DbError> {
        let alerts: Vec<StoredAlert> = v.findings.iter().map(StoredAlert::from).collect();
        Prepared::build(PreparedInput {
            sha256: v.sha256,
            analysis_version: v.analysis_version,
            name: v.name,
            version: v.version,
            filename: v.filename,
            size: v.size,
            verdict: v.verdict,
            reason: v.reason,
            score: v.risk.score,
            level: v.risk.level.as_str(),
            alerts: &alerts,
            index_url: v.index_url,
            origin: "local",
            scanned_at: v.scanned_at.unwrap_or_else(super::clock::now),
        })
    }

    /// From a snapshot record: validated like a local one; unknown alert ids are kept
    /// (the verdict is then stale for this engine but still shareable).
    pub(crate) fn from_stored(v: &StoredVerdict, origin: &str) -> Result<Prepared, DbError> {
        let verdict = Action::parse(&v.verdict)
            .ok_or_else(|| DbError::InvalidInput { what: "verdict", detail: format!("{:?} is not allow, warn or block", clip(&v.verdict)) })?;
        Prepared::build(PreparedInput {
            sha256: &v.sha256,
            analysis_version: &v.analysis_version,
            name: v.name.as_deref(),
            version: v.version.as_deref(),
            filename: &v.filename,
            size: v.size,
            verdict,
            reason: &v.reason,
            score: v.score,
            level: &v.level,
            alerts: &v.alerts,
            index_url: v.index_url.as_deref(),
            origin,
            scanned_at: v.scanned_at,
        })
    }

    fn build(i: PreparedInput<'_>) -> Result<Prepared, DbError> {
        if i.analysis_version.trim().is_empty() {
            return Err(DbError::InvalidInput { what: "analysis version", detail: "it is empty".into() });
        }
        if i.filename.trim().is_empty() {
            return Err(DbError::InvalidInput { what: "filename", detail: "it is empty".into() });
        }
        if i.score > 100 {
            return Err(DbError::InvalidInput { what: "score", detail: format!("{} is above 100", i.score) });
        }
        let alerts = serde_json::to_string(i.alerts).map_err(|e| DbError::InvalidInput { what: "alerts", detail: e.to_string() })?;
        Ok(Prepared {
            sha256: normalize_sha256(i.sha256)?,
            analysis_version: i.analysis_version.to_string(),
            name: i.name.map(str::to_string),
            name_norm: i.name.map(normalize),
            version: i.version.map(str::to_string),
            filename: i.filename.to_string(),
            size: i.size.map(|s| i64::try_from(s).unwrap_or(i64::MAX)),
            verdict: i.verdict.as_str(),
            reason: i.reason.to_string(),
            score: i64::from(i.score),
            level: i.level.to_string(),
            alerts,
            index_url: i.index_url.map(crate::redact::redact),
            origin: i.origin.to_string(),
            scanned_at: i.scanned_at,
        })
    }
}

struct PreparedInput<'a> {
    sha256: &'a str,
    analysis_version: &'a str,
    name: Option<&'a str>,
    version: Option<&'a str>,
    filename: &'a str,
    size: Option<u64>,
    verdict: Action,
    reason: &'a str,
    score: u8,
    level: &'a str,
    alerts: &'a [StoredAlert],
    index_url: Option<&'a str>,
    origin: &'a str,
    scanned_at: i64,
}

/// How an insert meets an existing row with the same key.
#[derive(Clone, Copy)]
pub(crate) enum Upsert {
    /// A fresh local analysis replaces what was there.
    Replace,
    /// An imported verdict never weakens a local one: it wins only when stricter
    /// (block > warn > allow), or equally strict and newer.
    NeverWeaken,
}

const RANK: &str = "(CASE {t}.verdict WHEN 'block' THEN 2 WHEN 'warn' THEN 1 ELSE 0 END)";

pub(crate) fn insert(conn: &Connection, p: &Prepared, mode: Upsert) -> rusqlite::Result<usize> {
    let condition = match mode {
        Upsert::Replace => String::new(),
        Upsert::NeverWeaken => {
            let new = RANK.replace("{t}", "excluded");
            let old = RANK.replace("{t}", "verdicts");
            format!("WHERE {new} > {old} OR ({new} = {old} AND excluded.scanned_at > verdicts.scanned_at)")
        }
    };
    let sql = format!(
        "INSERT INTO verdicts ({COLUMNS}, name_norm) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)
         ON CONFLICT (sha256, analysis_version) DO UPDATE SET
            name = excluded.name, name_norm = excluded.name_norm, version = excluded.version,
            filename = excluded.filename, size = excluded.size, verdict = excluded.verdict,
            reason = excluded.reason, score = excluded.score, level = excluded.level,
            alerts = excluded.alerts, index_url = excluded.index_url, origin = excluded.origin,
            scanned_at = excluded.scanned_at
         {condition}"
    );
    conn.prepare_cached(&sql)?.execute(params![
        p.sha256,
        p.analysis_version,
        p.name,
        p.version,
        p.filename,
        p.size,
        p.verdict,
        p.reason,
        p.score,
        p.level,
        p.alerts,
        p.index_url,
        p.origin,
        p.scanned_at,
        p.name_norm,
    ])
}

impl Db {
    /// The verdict for a file analysed by `analysis_version`, if this engine can use it
    /// (see the module doc for what counts as stale).
    pub fn lookup_verdict(&self, sha256: &str, analysis_version: &str) -> Result<Option<StoredVerdict>, DbError> {
        let Ok(sha) = normalize_sha256(sha256) else { return Ok(None) };
        let sql = format!("SELECT {COLUMNS} FROM verdicts WHERE sha256 = ?1 AND analysis_version = ?2");
        let found = self.read("look up a verdict", |c| {
            let mut stmt = c.prepare_cached(&sql)?;
            let mut rows = stmt.query(params![sha, analysis_version])?;
            match rows.next()? {
                Some(r) => from_row(r),
                None => Ok(None),
            }
        })?;
        Ok(found.filter(|v| v.is_readable()))
    }

    /// Verdicts of the current [`ANALYSIS_VERSION`] for many files in one query (a
    /// lockfile check). Keyed by lower-case sha256; misses and stale rows are absent.
    pub fn lookup_verdicts<S: AsRef<str>>(&self, sha256s: &[S]) -> Result<HashMap<String, StoredVerdict>, DbError> {
        self.lookup_verdicts_for(sha256s, ANALYSIS_VERSION)
    }

    pub fn lookup_verdicts_for<S: AsRef<str>>(&self, sha256s: &[S], analysis_version: &str) -> Result<HashMap<String, StoredVerdict>, DbError> {
        let keys: Vec<String> = sha256s.iter().filter_map(|s| normalize_sha256(s.as_ref()).ok()).collect();
        if keys.is_empty() {
            return Ok(HashMap::new());
        }
        let keys_json = serde_json::to_string(&keys).map_err(|e| DbError::InvalidInput { what: "sha256 list", detail: e.to_string() })?;
        let sql = format!(
            "SELECT {COLUMNS} FROM verdicts WHERE analysis_version = ?2 AND sha256 IN (SELECT value FROM json_each(?1))"
        );
        let rows = self.read("look up verdicts", |c| {
            let mut stmt = c.prepare_cached(&sql)?;
            let rows = stmt.query_map(params![keys_json, analysis_version], from_row)?;
            rows.collect::<rusqlite::Result<Vec<Option<StoredVerdict>>>>()
        })?;
        Ok(rows.into_iter().flatten().filter(|v| v.is_readable()).map(|v| (v.sha256.clone(), v)).collect())
    }

    /// Stores (or replaces) a verdict and appends it to the scan history, atomically.
    pub fn record_verdict(&self, v: &NewVerdict<'_>) -> Result<(), DbError> {
        self.record_verdicts(std::slice::from_ref(v))
    }

    /// Many verdicts in one short transaction (after a parallel scan).
    pub fn record_verdicts(&self, verdicts: &[NewVerdict<'_>]) -> Result<(), DbError> {
        let prepared: Vec<Prepared> = verdicts.iter().map(Prepared::from_new).collect::<Result<_, _>>()?;
        if prepared.is_empty() {
            return Ok(());
        }
        self.write("record a verdict", |tx| {
            for p in &prepared {
                insert(tx, p, Upsert::Replace)?;
                append_history(tx, p)?;
            }
            Ok(())
        })
    }

    /// Stores an already validated verdict (see [`Prepared::from_new`]) with its history row.
    pub(crate) fn record_prepared(&self, p: &Prepared) -> Result<(), DbError> {
        self.write("record a verdict", |tx| {
            insert(tx, p, Upsert::Replace)?;
            append_history(tx, p)
        })
    }

    /// Every verdict in the DB, any analysis version, ordered by sha256 (for export).
    pub(crate) fn all_verdicts(&self) -> Result<(Vec<StoredVerdict>, usize), DbError> {
        let sql = format!("SELECT {COLUMNS} FROM verdicts ORDER BY sha256, analysis_version");
        let rows = self.read("read verdicts", |c| {
            let mut stmt = c.prepare(&sql)?;
            let rows = stmt.query_map([], from_row)?;
            rows.collect::<rusqlite::Result<Vec<Option<StoredVerdict>>>>()
        })?;
        let unreadable = rows.iter().filter(|r| r.is_none()).count();
        Ok((rows.into_iter().flatten().collect(), unreadable))
    }
}

/// Appends the analysis to the scan history (read by [`Db::history`]), in the verdict's
/// transaction.
fn append_history(conn: &Connection, p: &Prepared) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO scan_history (sha256, name, name_norm, version, filename, verdict, score, analysis_version, scanned_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?
    .execute(params![p.sha256, p.name, p.name_norm, p.version, p.filename, p.verdict, p.score, p.analysis_version, p.scanned_at])?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{sha, temp_db};
    use super::*;
    use crate::score;

    fn findings() -> Vec<Finding> {
        vec![
            Finding::new(AlertId::InstallNetwork, "pkg-1.0/setup.py", "urllib.request.urlopen() in cmdclass install.run")
                .at_line(9)
                .with_evidence("urllib.request.urlopen(\"http://127.0.0.1:9/canary\")")
                .in_context(ExecContext::Install),
            Finding::new(AlertId::NetworkAccess, "pkg-1.0/pkg/net.py", "requests.get()"),
        ]
    }

    #[test]
    fn round_trip_rebuilds_verdict_score_level_and_findings() {
        let (_d, db) = temp_db();
        let f = findings();
        let decision = (Action::Block, "critical alert install-network (severity policy: critical → block)");
        let risk = score::score(&f);
        let s = sha(1).to_uppercase();
        let mut v = NewVerdict::new(&s, "pkg-1.0.tar.gz", decision.0, decision.1, risk, &f);
        v.name = Some("Pkg_Name");
        v.version = Some("1.0");
        v.size = Some(1234);
        v.index_url = Some("https://user:secret@pypi.example/simple/");
        v.scanned_at = Some(1_700_000_000);
        db.record_verdict(&v).expect("record");

        let got = db.lookup_verdict(&sha(1), ANALYSIS_VERSION).expect("lookup").expect("hit");
        assert_eq!(got.sha256, sha(1));
        assert_eq!((got.action(), got.reason.as_str()), (Some(decision.0), decision.1));
        assert_eq!(got.risk(), Some(risk));
        assert_eq!(got.findings(), Some(f));
        assert_eq!(got.name.as_deref(), Some("Pkg_Name"));
        assert_eq!(got.size, Some(1234));
        assert_eq!(got.scanned_at, 1_700_000_000);
        assert_eq!(got.origin, "local");
        assert!(got.is_current());
        let url = got.index_url.expect("index url");
        assert!(!url.contains("secret") && url.contains("pypi.example"), "{url}");
    }

    #[test]
    fn other_analysis_version_is_a_miss_and_rerecording_replaces() {
        let (_d, db) = temp_db();
        let decision = (Action::Allow, "no alerts");
        let risk = score::score(&[]);
        let s = sha(2);
        let mut v = NewVerdict::new(&s, "a-1.0.tar.gz", decision.0, decision.1, risk, &[]);
        v.analysis_version = "0";
        db.record_verdict(&v).expect("record");
        assert_eq!(db.lookup_verdict(&s, ANALYSIS_VERSION).expect("lookup"), None);
        assert!(db.lookup_verdicts(&[&s]).expect("batch").is_empty());
        assert!(db.lookup_verdict(&s, "0").expect("lookup").is_some());

        let block = (Action::Block, "later");
        let mut v2 = NewVerdict::new(&s, "a-1.0.tar.gz", block.0, block.1, risk, &[]);
        v2.analysis_version = "0";
        db.record_verdict(&v2).expect("record again");
        assert_eq!(db.lookup_verdict(&s, "0").expect("lookup").and_then(|v| v.action()), Some(Action::Block));
    }

    #[test]
    fn unknown_alert_id_or_garbled_row_is_stale_not_an_error() {
        let (_d, db) = temp_db();
        let decision = (Action::Allow, "no alerts");
        let s3 = sha(3);
        let s4 = sha(4);
        for s in [&s3, &s4] {
            db.record_verdict(&NewVerdict::new(s, "x.whl", decision.0, decision.1, score::score(&[]), &[])).expect("record");
        }
        db.conn
            .execute("UPDATE verdicts SET alerts = '[{\"id\": \"from-the-future\"}]' WHERE sha256 = ?1", [&s3])
            .expect("edit");
        db.conn.execute("UPDATE verdicts SET alerts = 'not json' WHERE sha256 = ?1", [&s4]).expect("edit");
        assert_eq!(db.lookup_verdict(&s3, ANALYSIS_VERSION).expect("lookup"), None);
        assert_eq!(db.lookup_verdict(&s4, ANALYSIS_VERSION).expect("lookup"), None);
        assert!(db.lookup_verdicts(&[&s3, &s4]).expect("batch").is_empty());
        let report = db.check().expect("check");
        assert_eq!(report.bad_rows, 1, "{report:?}");
    }

    #[test]
    fn batch_lookup_returns_hits_only_in_one_query() {
        let (_d, db) = temp_db();
        let decision = (Action::Warn, "high alert");
        let shas: Vec<String> = (0..500).map(sha).collect();
        let batch: Vec<NewVerdict<'_>> = shas
            .iter()
            .step_by(2)
            .map(|s| NewVerdict::new(s, "p.whl", decision.0, decision.1, Risk { score: 60, level: RiskLevel::High }, &[]))
            .collect();
        db.record_verdicts(&batch).expect("record");
        let mut query: Vec<String> = shas.iter().map(|s| s.to_uppercase()).collect();
        query.push("not-a-sha".into());
        let hits = db.lookup_verdicts(&query).expect("batch");
        assert_eq!(hits.len(), 250);
        assert!(hits.contains_key(&sha(0)) && !hits.contains_key(&sha(1)));
        assert_eq!(hits[&sha(498)].risk(), Some(Risk { score: 60, level: RiskLevel::High }));
        assert!(db.lookup_verdicts::<&str>(&[]).expect("empty").is_empty());
    }

    #[test]
    fn invalid_input_is_rejected_before_touching_the_db() {
        let (_d, db) = temp_db();
        let decision = (Action::Allow, "no alerts");
        let err = db.record_verdict(&NewVerdict::new("abc", "x.whl", decision.0, decision.1, score::score(&[]), &[])).expect_err("short sha");
        assert!(matches!(err, DbError::InvalidInput { what: "sha256", .. }), "{err}");
        let s = sha(5);
        let err = db.record_verdict(&NewVerdict::new(&s, " ", decision.0, decision.1, score::score(&[]), &[])).expect_err("no filename");
        assert!(matches!(err, DbError::InvalidInput { what: "filename", .. }), "{err}");
        assert_eq!(db.lookup_verdict("abc", ANALYSIS_VERSION).expect("lookup of garbage is a miss"), None);
    }
}
