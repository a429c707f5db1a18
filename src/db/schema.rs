//! The schema and its migrations. `PRAGMA user_version` holds the number of migrations
//! applied; `PRAGMA application_id` marks the file as safe-pip's. Migrations run in one
//! IMMEDIATE transaction, re-reading the version inside it, so two processes opening a
//! new DB at once apply them exactly once.
//!
//! Rules: never edit a released migration; append a new one. A DB whose version is
//! greater than [`SCHEMA_VERSION`] was written by a newer safe-pip and is refused.

use rusqlite::Connection;

/// "SPIP" — marks the file as a safe-pip verdict DB.
pub(crate) const APPLICATION_ID: i64 = 0x5350_4950;

/// Migration `i` takes the schema from version `i` to `i + 1`.
pub(crate) const MIGRATIONS: &[&str] = &[
    // 0 → 1: verdicts, history, metadata cache, decision log, feeds.
    r#"
    CREATE TABLE verdicts (
        sha256           TEXT    NOT NULL CHECK (length(sha256) = 64),
        analysis_version TEXT    NOT NULL,
        name             TEXT,
        name_norm        TEXT,
        version          TEXT,
        filename         TEXT    NOT NULL,
        size             INTEGER,
        verdict          TEXT    NOT NULL CHECK (verdict IN ('allow', 'warn', 'block')),
        reason           TEXT    NOT NULL,
        score            INTEGER NOT NULL CHECK (score BETWEEN 0 AND 100),
        level            TEXT    NOT NULL,
        alerts           TEXT    NOT NULL,   -- JSON array of StoredAlert
        index_url        TEXT,               -- credentials redacted
        origin           TEXT    NOT NULL,   -- 'local' or 'import:<file>'
        scanned_at       INTEGER NOT NULL,   -- unix seconds
        PRIMARY KEY (sha256, analysis_version)
    ) WITHOUT ROWID;
    CREATE INDEX verdicts_by_name ON verdicts (name_norm);
    CREATE INDEX verdicts_by_time ON verdicts (scanned_at);

    CREATE TABLE scan_history (
        id               INTEGER PRIMARY KEY,
        sha256           TEXT    NOT NULL,
        name             TEXT,
        name_norm        TEXT,
        version          TEXT,
        filename         TEXT    NOT NULL,
        verdict          TEXT    NOT NULL,
        score            INTEGER NOT NULL,
        analysis_version TEXT    NOT NULL,
        scanned_at       INTEGER NOT NULL
    );
    CREATE INDEX scan_history_by_name ON scan_history (name_norm, scanned_at);
    CREATE INDEX scan_history_by_time ON scan_history (scanned_at);

    CREATE TABLE metadata_cache (
        index_url  TEXT    NOT NULL,   -- credentials redacted
        project    TEXT    NOT NULL,   -- PEP 503 normalised
        release    TEXT    NOT NULL,   -- '' for project-level facts
        body       TEXT    NOT NULL,   -- JSON
        fetched_at INTEGER NOT NULL,
        PRIMARY KEY (index_url, project, release)
    ) WITHOUT ROWID;
    CREATE INDEX metadata_cache_by_time ON metadata_cache (fetched_at);

    CREATE TABLE decisions (
        id         INTEGER PRIMARY KEY,
        package    TEXT    NOT NULL,   -- PEP 503 normalised
        spec       TEXT    NOT NULL,
        alerts     TEXT    NOT NULL,   -- JSON array of alert ids
        reason     TEXT    NOT NULL CHECK (length(trim(reason)) > 0),
        who        TEXT    NOT NULL,
        action     TEXT    NOT NULL CHECK (action IN ('allow', 'deny')),
        source     TEXT    NOT NULL DEFAULT '',  -- '' when unknown (NULLs would defeat UNIQUE)
        decided_at INTEGER NOT NULL,
        UNIQUE (package, spec, alerts, reason, who, action, source, decided_at)
    );
    CREATE INDEX decisions_by_package ON decisions (package, decided_at);
    CREATE TRIGGER decisions_no_update BEFORE UPDATE ON decisions
        BEGIN SELECT RAISE(ABORT, 'the decision log is append-only'); END;
    CREATE TRIGGER decisions_no_delete BEFORE DELETE ON decisions
        BEGIN SELECT RAISE(ABORT, 'the decision log is append-only'); END;

    CREATE TABLE advisories (
        id          TEXT    PRIMARY KEY,   -- e.g. MAL-2024-1234
        summary     TEXT,
        modified    TEXT,
        source      TEXT,
        imported_at INTEGER NOT NULL
    );
    CREATE TABLE advisory_packages (
        advisory_id  TEXT    NOT NULL REFERENCES advisories (id) ON DELETE CASCADE,
        name         TEXT    NOT NULL,     -- PEP 503 normalised
        all_versions INTEGER NOT NULL CHECK (all_versions IN (0, 1)),
        versions     TEXT    NOT NULL,     -- JSON array of versions
        ranges       TEXT    NOT NULL      -- JSON array of {introduced, fixed, last_affected}
    );
    CREATE INDEX advisory_packages_by_name ON advisory_packages (name);
    CREATE INDEX advisory_packages_by_advisory ON advisory_packages (advisory_id);
    "#,
    // 1 → 2: decision expiry (the gateway's admin API) and the audit log of blocks,
    // overrides and decisions.
    r#"
    ALTER TABLE decisions ADD COLUMN until TEXT;   -- last day it applies (YYYY-MM-DD); NULL: no expiry
    CREATE TABLE audit (
        id       INTEGER PRIMARY KEY,
        at       INTEGER NOT NULL,                  -- unix seconds
        kind     TEXT    NOT NULL CHECK (kind IN ('block', 'override', 'decision')),
        package  TEXT,
        version  TEXT,
        filename TEXT,
        sha256   TEXT,
        verdict  TEXT,
        reason   TEXT    NOT NULL,
        actor    TEXT                               -- token name, when a person acted
    );
    CREATE INDEX audit_by_time ON audit (at);
    CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
        BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
    CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
        BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
    "#,
];

/// Schema version this build writes and understands.
pub(crate) const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// Tables a current DB must hold; a DB at [`SCHEMA_VERSION`] without one is damaged.
pub(crate) const TABLES: &[&str] = &["verdicts", "scan_history", "metadata_cache", "decisions", "advisories", "advisory_packages", "audit"];

pub(crate) fn user_version(conn: &Connection) -> rusqlite::Result<i64> {
    conn.query_row("PRAGMA user_version", [], |r| r.get(0))
}

pub(crate) fn application_id(conn: &Connection) -> rusqlite::Result<i64> {
    conn.query_row("PRAGMA application_id", [], |r| r.get(0))
}

/// Names of the tables in the file (not SQLite's own).
pub(crate) fn table_names(conn: &Connection) -> rusqlite::Result<Vec<String>> {
    let mut stmt = conn.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")?;
    let rows = stmt.query_map([], |r| r.get(0))?;
    rows.collect()
}

/// Applies the migrations from `from` up to [`SCHEMA_VERSION`] on an open transaction.
pub(crate) fn migrate(conn: &Connection, from: i64) -> rusqlite::Result<()> {
    for sql in MIGRATIONS.iter().skip(from.max(0) as usize) {
        conn.execute_batch(sql)?;
    }
    conn.pragma_update(None, "application_id", APPLICATION_ID)?;
    conn.pragma_update(None, "user_version", SCHEMA_VERSION)?;
    Ok(())
}
