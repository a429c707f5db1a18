//! The verdict store on PostgreSQL, shared by the replicas of `safe-pip serve`.
//!
//! A small pool of synchronous connections (the gate runs on the proxy's blocking
//! threads). A new file is analysed under `pg_advisory_xact_lock(FILE_LOCK, key)` in the
//! transaction that stores its verdict (`INSERT … ON CONFLICT DO NOTHING`): a replica that
//! asks for the same file meanwhile waits for the lock, then finds the verdict. The history
//! row is written only with the verdict that was inserted, so one analysis is one row.

use super::pg_schema::{FILE_LOCK, MIGRATIONS, SCHEMA_LOCK, SCHEMA_VERSION, VERSION_TABLE};
use super::verdict_store::{ReadyVerdict, VerdictStore};
use crate::action::DecisionAction;
use crate::db::verdicts::{Prepared, StoredAlert, normalize_sha256};
use crate::db::{ANALYSIS_VERSION, Advisory, AuditEntry, DbError, DecisionRecord, HistoryEntry, NewDecision, SnapshotParts, StoredVerdict};
use crate::pep503::normalize_name;
use postgres::{Client, NoTls, Row, Transaction};
use std::collections::HashMap;
use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::Duration;

/// Connections per store (each replica); requests beyond wait for one.
const MAX_CONNECTIONS: usize = 16;
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

const DECISION_SELECT: &str = "SELECT package, spec, alerts, reason, who, action, source, decided_at, until FROM decisions";
const ADVISORY_SELECT: &str = "SELECT a.id, p.name, a.summary, a.modified, p.all_versions, p.versions, p.ranges, a.source
     FROM advisory_packages p JOIN advisories a ON a.id = p.advisory_id";

const COLUMNS: &str =
    "sha256, analysis_version, name, version, filename, size, verdict, reason, score, level, alerts, index_url, origin, scanned_at";

pub(crate) struct PgStore {
    config: postgres::Config,
    /// The URL with its password redacted.
    url: String,
    pool: Mutex<PoolState>,
    freed: Condvar,
    /// A read replica (`--db-read`) for read-mostly queries; `None`: this server.
    read: Option<Box<PgStore>>,
}

#[derive(Default)]
struct PoolState {
    idle: Vec<Client>,
    open: usize,
}

/// A pooled connection, returned on drop (closed ones are dropped).
struct Conn<'a> {
    store: &'a PgStore,
    client: Option<Client>,
}

impl std::ops::Deref for Conn<'_> {
    type Target = Client;
    fn deref(&self) -> &Client {
        self.client.as_ref().expect("connection present until drop")
    }
}

impl std::ops::DerefMut for Conn<'_> {
    fn deref_mut(&mut self) -> &mut Client {
        self.client.as_mut().expect("connection present until drop")
    }
}

impl Drop for Conn<'_> {
    fn drop(&mut self) {
        let mut pool = self.store.state();
        match self.client.take() {
            Some(c) if !c.is_closed() => pool.idle.push(c),
            _ => pool.open -= 1,
        }
        self.store.freed.notify_one();
    }
}

impl PgStore {
    /// Connects to `url` and brings the schema up to date.
    pub(crate) fn connect(url: &str) -> Result<PgStore, DbError> {
        let store = PgStore::unopened(url)?;
        store.migrate()?;
        Ok(store)
    }

    /// Connects to the primary `url` (migrated as by [`PgStore::connect`]) and to a
    /// streaming read replica `read_url`, which answers the read-mostly queries: verdict
    /// lookups, advisories, history, the audit log, snapshots. Everything that must see
    /// the latest write stays on the primary: the analysis lock and insert, decisions
    /// (recorded on one replica, honoured by all at the next request), writes. A replica
    /// lagging behind only makes a file look new: its analysis path runs on the primary,
    /// finds the verdict there and analyses nothing. The replica is never migrated; one
    /// whose schema is newer than this build is refused.
    pub(crate) fn connect_with_replica(url: &str, read_url: &str) -> Result<PgStore, DbError> {
        let mut store = PgStore::connect(url)?;
        let read = PgStore::unopened(read_url)?;
        let found = read.schema_version()?;
        if found > SCHEMA_VERSION {
            return Err(DbError::FutureSchema { path: read.url.clone().into(), found: i64::from(found), supported: i64::from(SCHEMA_VERSION) });
        }
        store.read = Some(Box::new(read));
        Ok(store)
    }

    fn unopened(url: &str) -> Result<PgStore, DbError> {
        let redacted = crate::index::redact(url);
        let mut config: postgres::Config =
            url.parse().map_err(|e: postgres::Error| DbError::Postgres { url: redacted.clone(), op: "read the URL", detail: detail(&e) })?;
        config.connect_timeout(CONNECT_TIMEOUT);
        config.application_name("safe-pip");
        Ok(PgStore { config, url: redacted, pool: Mutex::new(PoolState::default()), freed: Condvar::new(), read: None })
    }

    /// Where read-mostly queries go: the read replica, else the primary.
    fn reader(&self) -> &PgStore {
        self.read.as_deref().unwrap_or(self)
    }

    fn state(&self) -> MutexGuard<'_, PoolState> {
        self.pool.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn err(&self, op: &'static str) -> impl Fn(postgres::Error) -> DbError + '_ {
        move |e| DbError::Postgres { url: self.url.clone(), op, detail: detail(&e) }
    }

    fn conn(&self) -> Result<Conn<'_>, DbError> {
        let mut pool = self.state();
        loop {
            if let Some(c) = pool.idle.pop() {
                return Ok(Conn { store: self, client: Some(c) });
            }
            if pool.open < MAX_CONNECTIONS {
                pool.open += 1;
                drop(pool);
                return match self.config.connect(NoTls) {
                    Ok(c) => Ok(Conn { store: self, client: Some(c) }),
                    Err(e) => {
                        self.state().open -= 1;
                        self.freed.notify_one();
                        Err(self.err("connect")(e))
                    }
                };
            }
            pool = self.freed.wait(pool).unwrap_or_else(|e| e.into_inner());
        }
    }

    /// Applies pending migrations in one transaction under the schema lock.
    fn migrate(&self) -> Result<(), DbError> {
        let mut c = self.conn()?;
        let e = self.err("migrate the schema");
        let mut tx = c.transaction().map_err(&e)?;
        tx.execute("SELECT pg_advisory_xact_lock($1, 0)", &[&SCHEMA_LOCK]).map_err(&e)?;
        tx.batch_execute(VERSION_TABLE).map_err(&e)?;
        let found: i32 = tx.query_opt("SELECT version FROM safe_pip_schema WHERE id = 1", &[]).map_err(&e)?.map(|r| r.get(0)).unwrap_or(0);
        if found > SCHEMA_VERSION {
            return Err(DbError::FutureSchema { path: self.url.clone().into(), found: i64::from(found), supported: i64::from(SCHEMA_VERSION) });
        }
        if found < SCHEMA_VERSION {
            for sql in MIGRATIONS.iter().skip(found.max(0) as usize) {
                tx.batch_execute(sql).map_err(&e)?;
            }
            tx.execute(
                "INSERT INTO safe_pip_schema (id, version) VALUES (1, $1) ON CONFLICT (id) DO UPDATE SET version = excluded.version",
                &[&SCHEMA_VERSION],
            )
            .map_err(&e)?;
        }
        tx.commit().map_err(&e)
    }

    /// The schema version stored in the database.
    pub(crate) fn schema_version(&self) -> Result<i32, DbError> {
        let row = self.conn()?.query_one("SELECT version FROM safe_pip_schema WHERE id = 1", &[]).map_err(self.err("read the schema version"))?;
        Ok(row.get(0))
    }

    /// Rows in the scan history for one file: one per analysis.
    #[cfg(test)]
    pub(crate) fn analyses_of(&self, sha256: &str) -> Result<i64, DbError> {
        let row = self
            .conn()?
            .query_one("SELECT count(*) FROM scan_history WHERE sha256 = $1", &[&sha256.to_ascii_lowercase()])
            .map_err(self.err("count analyses"))?;
        Ok(row.get(0))
    }

    /// Decision log rows ([`DECISION_SELECT`]) as records; an unreadable one is an error.
    fn decision_records(&self, rows: &[Row]) -> Result<Vec<DecisionRecord>, DbError> {
        rows.iter()
            .map(|r| {
                let alerts = serde_json::from_str(&r.get::<_, String>(2)).ok();
                let action = DecisionAction::parse(&r.get::<_, String>(5));
                let (Some(alerts), Some(action)) = (alerts, action) else {
                    return Err(DbError::Postgres {
                        url: self.url.clone(),
                        op: "read the decision log",
                        detail: "an entry cannot be read (alerts or action malformed)".into(),
                    });
                };
                let source: String = r.get(6);
                Ok(DecisionRecord {
                    package: r.get(0),
                    spec: r.get(1),
                    alerts,
                    reason: r.get(3),
                    who: r.get(4),
                    action,
                    source: (!source.is_empty()).then_some(source),
                    decided_at: r.get(7),
                    until: r.get(8),
                })
            })
            .collect()
    }

    /// Advisory rows ([`ADVISORY_SELECT`]), decoded.
    fn advisories_of(rows: &[Row]) -> Vec<Advisory> {
        rows.iter()
            .map(|r| {
                let a = Advisory {
                    id: r.get(0),
                    name: r.get(1),
                    summary: r.get(2),
                    modified: r.get(3),
                    all_versions: r.get(4),
                    versions: Vec::new(),
                    ranges: Vec::new(),
                    source: r.get(7),
                };
                crate::db::feeds::decode_advisory((a, r.get(5), r.get(6)))
            })
            .collect()
    }

    fn insert(&self, tx: &mut Transaction<'_>, p: &Prepared) -> Result<bool, DbError> {
        let e = self.err("record a verdict");
        let score = i32::try_from(p.score).unwrap_or(100);
        let n = tx
            .execute(
                &format!(
                    "INSERT INTO verdicts ({COLUMNS}, name_norm) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
                     ON CONFLICT (sha256, analysis_version) DO NOTHING"
                ),
                &[
                    &p.sha256,
                    &p.analysis_version,
                    &p.name,
                    &p.version,
                    &p.filename,
                    &p.size,
                    &p.verdict,
                    &p.reason,
                    &score,
                    &p.level,
                    &p.alerts,
                    &p.index_url,
                    &p.origin,
                    &p.scanned_at,
                    &p.name_norm,
                ],
            )
            .map_err(&e)?;
        if n > 0 {
            tx.execute(
                "INSERT INTO scan_history (sha256, name, name_norm, version, filename, verdict, score, analysis_version, scanned_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                &[&p.sha256, &p.name, &p.name_norm, &p.version, &p.filename, &p.verdict, &score, &p.analysis_version, &p.scanned_at],
            )
            .map_err(&e)?;
        }
        Ok(n > 0)
    }
}

/// The server's message when there is one (the crate's own Display is terse).
fn detail(e: &postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => format!("{} ({})", db.message(), db.code().code()),
        None => match std::error::Error::source(e) {
            Some(s) => format!("{e}: {s}"),
            None => e.to_string(),
        },
    }
}

fn verdict_from_row(r: &Row) -> Option<StoredVerdict> {
    let alerts: Vec<StoredAlert> = serde_json::from_str(&r.get::<_, String>(10)).ok()?;
    let v = StoredVerdict {
        sha256: r.get(0),
        analysis_version: r.get(1),
        name: r.get(2),
        version: r.get(3),
        filename: r.get(4),
        size: r.get::<_, Option<i64>>(5).and_then(|s| u64::try_from(s).ok()),
        verdict: r.get(6),
        reason: r.get(7),
        score: u8::try_from(r.get::<_, i32>(8)).ok()?,
        level: r.get(9),
        alerts,
        index_url: r.get(11),
        origin: r.get(12),
        scanned_at: r.get(13),
    };
    v.is_readable().then_some(v)
}

fn lookup_in(client: &mut impl postgres::GenericClient, sha: &str, analysis_version: &str) -> Result<Option<Row>, postgres::Error> {
    client.query_opt(&format!("SELECT {COLUMNS} FROM verdicts WHERE sha256 = $1 AND analysis_version = $2"), &[&sha, &analysis_version])
}

/// The second key of a file's analysis lock: 32 bits of its sha256 (a collision only
/// makes two files wait for each other).
fn lock_key(sha: &str) -> i32 {
    u32::from_str_radix(&sha[..8], 16).unwrap_or(0) as i32
}

impl VerdictStore for PgStore {
    fn describe(&self) -> String {
        self.url.clone()
    }

    fn read_replica(&self) -> Option<String> {
        self.read.as_ref().map(|r| r.url.clone())
    }

    fn lookup_verdict(&self, sha256: &str, analysis_version: &str) -> Result<Option<StoredVerdict>, DbError> {
        let Ok(sha) = normalize_sha256(sha256) else { return Ok(None) };
        let r = self.reader();
        let row = lookup_in(&mut *r.conn()?, &sha, analysis_version).map_err(r.err("look up a verdict"))?;
        Ok(row.as_ref().and_then(verdict_from_row))
    }

    fn lookup_verdicts(&self, sha256s: &[String]) -> Result<HashMap<String, StoredVerdict>, DbError> {
        let keys: Vec<String> = sha256s.iter().filter_map(|s| normalize_sha256(s).ok()).collect();
        if keys.is_empty() {
            return Ok(HashMap::new());
        }
        let r = self.reader();
        let rows = r
            .conn()?
            .query(&format!("SELECT {COLUMNS} FROM verdicts WHERE analysis_version = $2 AND sha256 = ANY($1)"), &[&keys, &ANALYSIS_VERSION])
            .map_err(r.err("look up verdicts"))?;
        Ok(rows.iter().filter_map(verdict_from_row).map(|v| (v.sha256.clone(), v)).collect())
    }

    fn record(&self, v: &ReadyVerdict) -> Result<(), DbError> {
        let mut c = self.conn()?;
        let mut tx = c.transaction().map_err(self.err("record a verdict"))?;
        self.insert(&mut tx, &v.0)?;
        tx.commit().map_err(self.err("record a verdict"))
    }

    fn analyse_once(&self, sha256: &str, analyse: &mut dyn FnMut() -> Option<ReadyVerdict>) -> Result<Option<StoredVerdict>, DbError> {
        let sha = normalize_sha256(sha256)?;
        let e = self.err("analyse a file once");
        let mut c = self.conn()?;
        let mut tx = c.transaction().map_err(&e)?;
        tx.execute("SELECT pg_advisory_xact_lock($1, $2)", &[&FILE_LOCK, &lock_key(&sha)]).map_err(&e)?;
        if let Some(found) = lookup_in(&mut tx, &sha, ANALYSIS_VERSION).map_err(&e)?.as_ref().and_then(verdict_from_row) {
            tx.commit().map_err(&e)?;
            return Ok(Some(found));
        }
        if let Some(ready) = analyse() {
            self.insert(&mut tx, &ready.0)?;
        }
        tx.commit().map_err(&e)?;
        Ok(None)
    }

    fn advisories_for_names(&self, names: &[String]) -> Result<HashMap<String, Vec<Advisory>>, DbError> {
        let mut norms: Vec<String> = names.iter().map(|n| normalize_name(n)).collect();
        norms.sort();
        norms.dedup();
        if norms.is_empty() {
            return Ok(HashMap::new());
        }
        let r = self.reader();
        let rows = r
            .conn()?
            .query(&format!("{ADVISORY_SELECT} WHERE p.name = ANY($1) ORDER BY a.id"), &[&norms])
            .map_err(r.err("read advisories"))?;
        let mut out: HashMap<String, Vec<Advisory>> = HashMap::new();
        for a in Self::advisories_of(&rows) {
            out.entry(a.name.clone()).or_default().push(a);
        }
        Ok(out)
    }

    fn history(&self, name: &str) -> Result<Vec<HistoryEntry>, DbError> {
        let r = self.reader();
        let rows = r
            .conn()?
            .query(
                "SELECT sha256, name, version, filename, verdict, score, analysis_version, scanned_at
                 FROM scan_history WHERE name_norm = $1 ORDER BY scanned_at DESC, id DESC",
                &[&normalize_name(name)],
            )
            .map_err(r.err("read the scan history"))?;
        Ok(rows
            .iter()
            .map(|r| HistoryEntry {
                sha256: r.get(0),
                name: r.get(1),
                version: r.get(2),
                filename: r.get(3),
                verdict: r.get(4),
                score: u8::try_from(r.get::<_, i32>(5)).unwrap_or(100),
                analysis_version: r.get(6),
                scanned_at: r.get(7),
            })
            .collect())
    }

    fn log_decision(&self, d: &NewDecision<'_>) -> Result<(), DbError> {
        let record = DecisionRecord::from_new(d);
        record.validate()?;
        let alerts = serde_json::to_string(&record.alerts).unwrap_or_else(|_| "[]".into());
        self.conn()?
            .execute(
                "INSERT INTO decisions (package, spec, alerts, reason, who, action, source, decided_at, until)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT DO NOTHING",
                &[
                    &record.package,
                    &record.spec,
                    &alerts,
                    &record.reason,
                    &record.who,
                    &record.action.as_str(),
                    &record.source.as_deref().unwrap_or(""),
                    &record.decided_at,
                    &record.until,
                ],
            )
            .map_err(self.err("log a decision"))?;
        Ok(())
    }

    fn decisions(&self, name: &str) -> Result<Vec<DecisionRecord>, DbError> {
        let rows = self
            .conn()?
            .query(&format!("{DECISION_SELECT} WHERE package = $1 ORDER BY decided_at, id"), &[&normalize_name(name)])
            .map_err(self.err("read the decision log"))?;
        self.decision_records(&rows)
    }

    fn audit_append(&self, e: &AuditEntry) -> Result<(), DbError> {
        self.conn()?
            .execute(
                "INSERT INTO audit (at, kind, package, version, filename, sha256, verdict, reason, actor) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                &[&e.at, &e.kind.as_str(), &e.package, &e.version, &e.filename, &e.sha256, &e.verdict, &e.reason, &e.actor],
            )
            .map_err(self.err("append to the audit log"))?;
        Ok(())
    }

    fn audit_since(&self, since: i64, limit: usize) -> Result<Vec<AuditEntry>, DbError> {
        let limit = i64::try_from(limit.min(crate::db::audit::MAX_AUDIT_ROWS)).unwrap_or(0);
        let r = self.reader();
        let rows = r
            .conn()?
            .query(
                "SELECT kind, at, package, version, filename, sha256, verdict, actor, reason FROM audit WHERE at >= $1 ORDER BY at, id LIMIT $2",
                &[&since, &limit],
            )
            .map_err(r.err("read the audit log"))?;
        Ok(rows
            .iter()
            .filter_map(|r| AuditEntry::from_row(&r.get::<_, String>(0), r.get(1), [r.get(2), r.get(3), r.get(4), r.get(5), r.get(6), r.get(7)], r.get(8)))
            .collect())
    }

    /// One transaction (REPEATABLE READ), so verdicts, decisions and advisories are from
    /// one moment.
    fn snapshot(&self) -> Result<SnapshotParts, DbError> {
        let r = self.reader();
        let e = r.err("read a snapshot");
        let mut c = r.conn()?;
        let mut tx = c.build_transaction().isolation_level(postgres::IsolationLevel::RepeatableRead).read_only(true).start().map_err(&e)?;
        let rows = tx.query(&format!("SELECT {COLUMNS} FROM verdicts ORDER BY sha256, analysis_version"), &[]).map_err(&e)?;
        let verdicts: Vec<StoredVerdict> = rows.iter().filter_map(verdict_from_row).collect();
        let unreadable_skipped = rows.len() - verdicts.len();
        let decision_rows = tx.query(&format!("{DECISION_SELECT} ORDER BY decided_at, id"), &[]).map_err(&e)?;
        let advisory_rows = tx.query(&format!("{ADVISORY_SELECT} ORDER BY a.id, p.name"), &[]).map_err(&e)?;
        tx.commit().map_err(&e)?;
        Ok(SnapshotParts { verdicts, decisions: self.decision_records(&decision_rows)?, advisories: Self::advisories_of(&advisory_rows), unreadable_skipped })
    }
}

#[cfg(test)]
mod tests {
    use super::super::pg_test::PgCluster;
    use super::*;
    use crate::action::Action;
    use crate::db::NewVerdict;
    use crate::score::{Risk, RiskLevel};
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    fn sha(i: u64) -> String {
        format!("{i:064x}")
    }

    #[test]
    fn migrations_once_one_analysis_per_file_and_the_shared_log() {
        let Some(pg) = PgCluster::start() else { return };
        let url = pg.database("store_test");
        // Replicas starting at once apply the migrations once.
        let opened: Vec<PgStore> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..4).map(|_| s.spawn(|| PgStore::connect(&url).expect("connect"))).collect();
            handles.into_iter().map(|h| h.join().expect("thread")).collect()
        });
        assert_eq!(opened[0].schema_version().expect("version"), SCHEMA_VERSION);
        let a = Arc::new(opened.into_iter().next().expect("store"));
        let b = Arc::new(PgStore::connect(&url).expect("second replica"));

        // Twelve threads on two "replicas" meet the same new file: one analysis, one verdict.
        let analyses = AtomicUsize::new(0);
        let file = sha(0xabcdef);
        let found: Vec<bool> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..12)
                .map(|i| {
                    let store = if i % 2 == 0 { a.clone() } else { b.clone() };
                    let (analyses, file) = (&analyses, &file);
                    s.spawn(move || {
                        let mut analyse = || {
                            analyses.fetch_add(1, Ordering::SeqCst);
                            std::thread::sleep(Duration::from_millis(50));
                            let v = NewVerdict::new(file, "demo-1.0.tar.gz", Action::Allow, "no alerts", Risk { score: 0, level: RiskLevel::None }, &[]);
                            Some(ReadyVerdict::new(&v).expect("valid"))
                        };
                        store.analyse_once(file, &mut analyse).expect("analyse once").is_some()
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().expect("thread")).collect()
        });
        assert_eq!(analyses.load(Ordering::SeqCst), 1, "analysed once across replicas");
        assert_eq!(found.iter().filter(|f| !**f).count(), 1, "eleven callers found the stored verdict");
        assert_eq!(a.analyses_of(&file).expect("count"), 1);
        assert_eq!(b.lookup_verdict(&file, ANALYSIS_VERSION).expect("lookup").expect("stored").verdict, "allow");
        assert_eq!(a.lookup_verdicts(&[file.to_uppercase(), sha(1)]).expect("many").len(), 1);

        // A second record of the same file does not overwrite the first or add history.
        let later = NewVerdict::new(&file, "demo-1.0.tar.gz", Action::Block, "other", Risk { score: 90, level: RiskLevel::Critical }, &[]);
        b.record_verdict(&later).expect("record");
        assert_eq!(a.lookup_verdict(&file, ANALYSIS_VERSION).expect("lookup").expect("stored").verdict, "allow");
        assert_eq!(a.history("Demo").expect("history").len(), 0, "no name recorded: not in a project's history");

        // The decision log is shared and append-only.
        let alerts = vec!["network-access".to_string()];
        let d = NewDecision {
            package: "Some_Pkg",
            spec: "==1.0",
            alerts: &alerts,
            reason: "an HTTP client",
            who: "alice",
            action: DecisionAction::Allow,
            source: Some("gateway"),
            decided_at: Some(10),
            until: None,
        };
        a.log_decision(&d).expect("log");
        a.log_decision(&d).expect("identical entry is not duplicated");
        let got = b.decisions("some-pkg").expect("read");
        assert_eq!(got.len(), 1);
        assert_eq!((got[0].package.as_str(), got[0].alerts.clone(), got[0].source.as_deref()), ("some-pkg", alerts.clone(), Some("gateway")));
        let err = a.conn().expect("conn").execute("DELETE FROM decisions", &[]).expect_err("append-only");
        assert!(detail(&err).contains("append-only"), "{err}");
        assert!(matches!(a.log_decision(&NewDecision { reason: " ", ..d }), Err(DbError::InvalidInput { .. })));
    }

    #[test]
    fn a_version_1_database_is_migrated_and_keeps_its_rows() {
        let Some(pg) = PgCluster::start() else { return };
        let url = pg.database("v1_test");
        {
            let mut c = postgres::Client::connect(&url, NoTls).expect("connect");
            c.batch_execute(VERSION_TABLE).expect("version table");
            c.batch_execute(MIGRATIONS[0]).expect("migration 1");
            c.batch_execute(
                "INSERT INTO safe_pip_schema (id, version) VALUES (1, 1);
                 INSERT INTO decisions (package, spec, alerts, reason, who, action, source, decided_at) VALUES ('p', '*', '[]', 'r', 'w', 'deny', '', 1);",
            )
            .expect("a version 1 database");
        }
        let store = PgStore::connect(&url).expect("migrates");
        assert_eq!(store.schema_version().expect("version"), SCHEMA_VERSION);
        let d = store.decisions("p").expect("read");
        assert_eq!((d.len(), d[0].until.as_deref()), (1, None));
        let entry = AuditEntry { at: 5, kind: crate::db::AuditKind::Block, package: Some("p".into()), version: None, filename: None, sha256: None, verdict: Some("block".into()), reason: "r".into(), actor: None };
        store.audit_append(&entry).expect("audit");
        assert_eq!(store.audit_since(0, 10).expect("read"), vec![entry]);
        let err = store.conn().expect("conn").execute("UPDATE audit SET reason = 'x'", &[]).expect_err("append-only");
        assert!(detail(&err).contains("audit is append-only"), "{err}");
    }

    /// A "replica" that is a separate database (so its lag can be chosen): reads go to
    /// it, analysis, decisions and writes to the primary.
    #[test]
    fn reads_go_to_the_read_replica_and_a_lagging_one_costs_no_analysis() {
        let Some(pg) = PgCluster::start() else { return };
        let (primary_url, replica_url) = (pg.database("primary_db"), pg.database("replica_db"));
        let replica = PgStore::connect(&replica_url).expect("the replica's schema (streamed from the primary in real life)");
        let store = PgStore::connect_with_replica(&primary_url, &replica_url).expect("connect");
        assert_eq!(store.read_replica(), Some(crate::index::redact(&replica_url)));
        let file = sha(0x5eed);
        let verdict = |name: &str| {
            let v = NewVerdict { name: Some("demo"), ..NewVerdict::new(&file, name, Action::Allow, "no alerts", Risk { score: 0, level: RiskLevel::None }, &[]) };
            ReadyVerdict::new(&v).expect("valid")
        };
        store.record(&verdict("demo-1.0.tar.gz")).expect("written to the primary");
        // The replica has not caught up: the lookup misses…
        assert!(store.lookup_verdict(&file, ANALYSIS_VERSION).expect("lookup").is_none());
        assert!(store.lookup_verdicts(std::slice::from_ref(&file)).expect("lookup").is_empty());
        // …and the analysis path, on the primary, finds the verdict: nothing analysed.
        let mut analysed = false;
        let found = store.analyse_once(&file, &mut || {
            analysed = true;
            None
        });
        assert!(found.expect("analyse once").is_some() && !analysed);
        // Once the replica has it, lookups are answered by the replica.
        replica.record(&verdict("demo-1.0.tar.gz")).expect("caught up");
        assert!(store.lookup_verdict(&file, ANALYSIS_VERSION).expect("lookup").is_some());
        // Decisions are read from the primary: honoured at once.
        let d = NewDecision { package: "demo", spec: "*", alerts: &[], reason: "pulled", who: "sec", action: crate::action::DecisionAction::Deny, source: None, decided_at: None, until: None };
        store.log_decision(&d).expect("log");
        assert_eq!(store.decisions("demo").expect("read").len(), 1);
        assert!(replica.decisions("demo").expect("read").is_empty(), "written to the primary only");
        // Snapshots come from the replica.
        assert_eq!(store.snapshot().expect("snapshot").decisions.len(), 0);
        assert_eq!(store.snapshot().expect("snapshot").verdicts.len(), 1);
        // A replica with a newer schema is refused.
        replica.conn().expect("conn").execute("UPDATE safe_pip_schema SET version = 99", &[]).expect("bump");
        assert!(matches!(PgStore::connect_with_replica(&primary_url, &replica_url), Err(DbError::FutureSchema { found: 99, .. })));
    }

    #[test]
    fn a_newer_schema_is_refused_and_a_dead_server_is_an_error() {
        let Some(pg) = PgCluster::start() else { return };
        let url = pg.database("future_test");
        let store = PgStore::connect(&url).expect("connect");
        store.conn().expect("conn").execute("UPDATE safe_pip_schema SET version = 99", &[]).expect("bump");
        match PgStore::connect(&url) {
            Err(DbError::FutureSchema { found: 99, .. }) => {}
            other => panic!("expected FutureSchema, got {:?}", other.err()),
        }
        drop(pg);
        let err = store.lookup_verdict(&sha(1), ANALYSIS_VERSION).expect_err("server gone");
        assert!(matches!(err, DbError::Postgres { .. }), "{err}");
    }
}
