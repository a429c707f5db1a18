//! One open connection to the verdict DB: opening (refusing what is not a safe-pip DB,
//! creating a missing one atomically, migrating its schema) and the retrying read and
//! write every query goes through.

use super::errors::{DbError, is_busy};
use super::paths::resolve_path;
use super::{integrity, schema};
use rusqlite::{Connection, OpenFlags, Transaction, TransactionBehavior};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// How long SQLite waits for a lock held by another process before reporting busy.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Write transactions tried this many times when SQLite still reports busy.
const WRITE_ATTEMPTS: u32 = 6;

pub(super) const SQLITE_MAGIC: &[u8; 16] = b"SQLite format 3\0";

/// One open connection to the verdict DB.
pub struct Db {
    pub(super) conn: Connection,
    pub(super) path: PathBuf,
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

/// Exponential backoff with a little per-process jitter, so retrying writers spread out.
fn backoff(attempt: u32) {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.subsec_nanos()).unwrap_or(0);
    let jitter = u64::from((nanos ^ std::process::id().wrapping_mul(2_654_435_761)) % 20);
    std::thread::sleep(Duration::from_millis((10u64 << attempt.min(6)) + jitter));
}
