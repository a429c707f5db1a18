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

mod errors;
mod integrity;
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

use errors::is_busy;
use rusqlite::{Connection, OpenFlags, Transaction, TransactionBehavior};
use serde::Serialize;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Version of the analysis that produced a verdict. Verdicts are keyed by file sha256
/// **and** this string, so a newer engine re-checks every file instead of trusting what
/// an older one concluded.
///
/// **Bump it whenever detectors, the catalogue's severities, scoring or anything else
/// that can change a verdict for the same bytes changes.** Old verdicts then become
/// stale: lookups miss, `safe-pip db prune --stale` deletes them.
/// 4: files nested too deep to analyse are blocked (`analysis-limit-exceeded`).
/// 5: the module pre-pass no longer skips modules some detector reports on (it dropped
/// high-entropy, network, sensitive-path and dynamic-code alerts in 17 benign files).
/// 6: archives inside the package (a zip or wheel it ships) are opened and their code
/// analysed as shipped code (within the package's limits).
/// 7: verdicts keyed on intent: plain commands at import are `shell-access`, a URL alone
/// in an install command is a download, `/dev/tcp` needs redirected streams, long texts
/// are read line by line for download-and-run commands, `eval("exec")` is not hidden;
/// `pth-code`, `bundled-executable` and `dormant-malicious-code` are medium.
pub const ANALYSIS_VERSION: &str = "9";

/// Environment variable that overrides the DB path (the `--db` flag wins over it).
pub const DB_ENV: &str = "SAFE_PIP_DB";

/// File name of the DB inside the data directory.
pub const DB_FILE_NAME: &str = "verdicts.sqlite3";

/// How long SQLite waits for a lock held by another process before reporting busy.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Write transactions tried this many times when SQLite still reports busy.
const WRITE_ATTEMPTS: u32 = 6;

const SQLITE_MAGIC: &[u8; 16] = b"SQLite format 3\0";

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

/// Unix seconds now; 0 if the clock is before 1970.
pub fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

/// One open connection to the verdict DB.
pub struct Db {
    conn: Connection,
    path: PathBuf,
    /// The file passed `quick_check` at open (or was known unchanged since it last did):
    /// a clean close may then record its state as checked ([`integrity`]).
    checked: bool,
}

impl Drop for Db {
    fn drop(&mut self) {
        if self.checked && integrity::checkpoint_fully(&self.conn) {
            integrity::record(&self.path);
        }
    }
}

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Db").field("path", &self.path).finish_non_exhaustive()
    }
}

impl Db {
    /// Opens (creating when missing, with its folder) the DB at `path` and brings its
    /// schema up to date. A file that is not a safe-pip DB, or one from a newer schema,
    /// is an error and is not modified.
    ///
    /// A file that changed since it was last checked gets `PRAGMA quick_check` first, so
    /// damage in pages this command would never read is still an error at open.
    pub fn open(path: &Path) -> Result<Db, DbError> {
        let mut db = Db::open_unverified(path)?;
        if integrity::needs_check(path) {
            let problems = db.read("run PRAGMA quick_check on it", integrity::quick_check)?;
            if !problems.is_empty() {
                return Err(DbError::Corrupt {
                    path: path.to_path_buf(),
                    detail: format!("PRAGMA quick_check found damage: {}", problems.join("; ")),
                });
            }
        }
        db.checked = true;
        Ok(db)
    }

    /// [`Db::open`] without the integrity check at open, for `db check`, which runs the
    /// full one and reports every problem instead of stopping at the first.
    pub fn open_unverified(path: &Path) -> Result<Db, DbError> {
        if !precheck_file(path)? {
            create_new(path)?;
        }
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(path, flags).map_err(|e| DbError::from_sqlite(path, "open the file", e))?;
        conn.busy_timeout(BUSY_TIMEOUT).map_err(|e| DbError::from_sqlite(path, "set the busy timeout", e))?;
        let db = Db { conn, path: path.to_path_buf(), checked: false };
        db.init()?;
        Ok(db)
    }

    /// Opens the DB at `--db` (the override), `SAFE_PIP_DB`, or the default path.
    pub fn open_default(override_path: Option<&Path>) -> Result<Db, DbError> {
        let (path, _) = resolve_path(override_path)?;
        Db::open(&path)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn init(&self) -> Result<(), DbError> {
        let (version, app_id, tables) = self.read("read the schema version", |c| {
            // One read transaction, so a migration committed by another process in
            // between cannot make a half-read look like someone else's database.
            let tx = c.unchecked_transaction()?;
            let v = schema::user_version(&tx)?;
            let a = schema::application_id(&tx)?;
            let t = schema::table_names(&tx)?;
            tx.commit()?;
            Ok((v, a, t))
        })?;
        self.check_ownership(version, app_id, &tables)?;

        // Outside any transaction: these are per-connection or need their own lock.
        self.read("enable foreign keys", |c| c.pragma_update(None, "foreign_keys", true))?;
        self.read("switch to WAL", |c| c.query_row("PRAGMA journal_mode = WAL", [], |r| r.get::<_, String>(0)).map(|_| ()))?;
        self.read("set synchronous mode", |c| c.pragma_update(None, "synchronous", "NORMAL"))?;

        if version < schema::SCHEMA_VERSION {
            let migrated = self.write("migrate the schema", |tx| {
                let v = schema::user_version(tx)?;
                let a = schema::application_id(tx)?;
                let t = schema::table_names(tx)?;
                if v < schema::SCHEMA_VERSION && ownership_problem(v, a, &t).is_none() {
                    schema::migrate(tx, v)?;
                }
                Ok((v, a, t))
            })?;
            self.check_ownership(migrated.0, migrated.1, &migrated.2)?;
        }

        let present = self.read("list tables", schema::table_names)?;
        let missing: Vec<&str> = schema::TABLES.iter().copied().filter(|t| !present.iter().any(|p| p == t)).collect();
        if !missing.is_empty() {
            return Err(DbError::Corrupt {
                path: self.path.clone(),
                detail: format!("schema version {} but table(s) {} are missing", schema::SCHEMA_VERSION, missing.join(", ")),
            });
        }
        Ok(())
    }

    fn check_ownership(&self, version: i64, app_id: i64, tables: &[String]) -> Result<(), DbError> {
        match ownership_problem(version, app_id, tables) {
            None => Ok(()),
            Some(Ownership::Foreign(detail)) => Err(DbError::Foreign { path: self.path.clone(), detail }),
            Some(Ownership::Future) => {
                Err(DbError::FutureSchema { path: self.path.clone(), found: version, supported: schema::SCHEMA_VERSION })
            }
        }
    }

    /// Runs `f` in a short IMMEDIATE transaction, retrying while other processes hold
    /// the write lock. `f` may run more than once; it must only touch the DB.
    pub(crate) fn write<T>(&self, op: &'static str, mut f: impl FnMut(&Transaction<'_>) -> rusqlite::Result<T>) -> Result<T, DbError> {
        let mut attempt = 0;
        loop {
            let result = Transaction::new_unchecked(&self.conn, TransactionBehavior::Immediate).and_then(|tx| {
                let value = f(&tx)?;
                tx.commit()?;
                Ok(value)
            });
            match result {
                Ok(v) => return Ok(v),
                Err(e) if is_busy(&e) && attempt + 1 < WRITE_ATTEMPTS => {
                    attempt += 1;
                    backoff(attempt);
                }
                Err(e) => return Err(DbError::from_sqlite(&self.path, op, e)),
            }
        }
    }

    /// Runs a read (or a pragma) with the same retry on busy as [`Db::write`].
    pub(crate) fn read<T>(&self, op: &'static str, f: impl Fn(&Connection) -> rusqlite::Result<T>) -> Result<T, DbError> {
        let mut attempt = 0;
        loop {
            match f(&self.conn) {
                Ok(v) => return Ok(v),
                Err(e) if is_busy(&e) && attempt + 1 < WRITE_ATTEMPTS => {
                    attempt += 1;
                    backoff(attempt);
                }
                Err(e) => return Err(DbError::from_sqlite(&self.path, op, e)),
            }
        }
    }

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

enum Ownership {
    Foreign(String),
    Future,
}

fn ownership_problem(version: i64, app_id: i64, tables: &[String]) -> Option<Ownership> {
    if app_id != 0 && app_id != schema::APPLICATION_ID {
        return Some(Ownership::Foreign(format!("its application id is {app_id:#x}")));
    }
    if version > schema::SCHEMA_VERSION {
        return Some(Ownership::Future);
    }
    if version == 0 && !tables.is_empty() {
        let shown: Vec<&str> = tables.iter().take(5).map(String::as_str).collect();
        return Some(Ownership::Foreign(format!("it holds tables of another program ({})", shown.join(", "))));
    }
    None
}

/// Refuses what SQLite would misread or overwrite: folders, unreadable files, files
/// that do not start with the SQLite header. A missing file gets its folder created.
/// Creates a missing DB: built under a temporary name next to it and put in place only
/// if no file has appeared there meanwhile (another process's new DB wins), so no
/// process ever sees a half-made, empty DB at `path`, and an empty file there is an
/// error ([`precheck_file`]) rather than a silent fresh start.
fn create_new(path: &Path) -> Result<(), DbError> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let tmp = tempfile::Builder::new()
        .prefix(".safe-pip-new-db-")
        .suffix(".sqlite3")
        .tempfile_in(dir)
        .map_err(|e| DbError::from_io(path, "create a new DB file", e))?;
    {
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(tmp.path(), flags).map_err(|e| DbError::from_sqlite(path, "create the file", e))?;
        conn.busy_timeout(BUSY_TIMEOUT).map_err(|e| DbError::from_sqlite(path, "set the busy timeout", e))?;
        Db { conn, path: path.to_path_buf(), checked: false }.init()?;
        // closing the only connection checkpoints the WAL and removes -wal and -shm
    }
    match tmp.persist_noclobber(path) {
        Ok(_) => Ok(()),
        Err(e) if e.error.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(DbError::from_io(path, "put the new DB file in place", e.error)),
    }
}

/// Checks what is at `path` before SQLite opens it: true when a DB file is there, false
/// when there is none yet (its folder is created). A directory, an empty file (a DB
/// that lost its content: never started afresh silently), a file without the SQLite
/// header or a truncated one is an error.
fn precheck_file(path: &Path) -> Result<bool, DbError> {
    match std::fs::metadata(path) {
        Ok(m) if m.is_dir() => Err(DbError::Open { path: path.to_path_buf(), detail: "it is a directory".into() }),
        Ok(_) => {
            let mut f = std::fs::OpenOptions::new()
                .read(true)
                .write(true)
                .open(path)
                .map_err(|e| DbError::from_io(path, "open it for reading and writing", e))?;
            let mut head = [0u8; 100];
            let mut n = 0;
            while n < head.len() {
                match f.read(&mut head[n..]) {
                    Ok(0) => break,
                    Ok(k) => n += k,
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                    Err(e) => return Err(DbError::from_io(path, "read its header", e)),
                }
            }
            if n == 0 {
                // An empty database to SQLite, but safe-pip never leaves one behind
                // (see create_new): the verdicts and decisions it held are gone.
                return Err(DbError::Corrupt {
                    path: path.to_path_buf(),
                    detail: "the file is empty (0 bytes): the verdicts and decisions it held are gone; it is not started afresh silently".into(),
                });
            }
            if n < 16 || &head[..16] != SQLITE_MAGIC {
                return Err(DbError::Corrupt { path: path.to_path_buf(), detail: "the file does not start with the SQLite header".into() });
            }
            if n < head.len() {
                return Err(DbError::Corrupt { path: path.to_path_buf(), detail: format!("the file is truncated ({n} bytes)") });
            }
            Ok(true)
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => match path.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => {
                std::fs::create_dir_all(parent).map_err(|e| DbError::from_io(path, "create its folder", e))?;
                Ok(false)
            }
            _ => Ok(false),
        },
        Err(e) => Err(DbError::from_io(path, "read its file information", e)),
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

fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut s = path.as_os_str().to_os_string();
    s.push(suffix);
    PathBuf::from(s)
}

/// The DB file plus its -wal and -shm.
fn size_on_disk(path: &Path) -> u64 {
    ["", "-wal", "-shm"].iter().filter_map(|s| std::fs::metadata(sibling(path, s)).ok()).map(|m| m.len()).sum()
}

/// Exponential backoff with a little per-process jitter, so retrying writers spread out.
fn backoff(attempt: u32) {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.subsec_nanos()).unwrap_or(0);
    let jitter = u64::from((nanos ^ std::process::id().wrapping_mul(2_654_435_761)) % 20);
    std::thread::sleep(Duration::from_millis((10u64 << attempt.min(6)) + jitter));
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
