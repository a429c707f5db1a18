//! The PostgreSQL schema and its migrations, with the SQLite DB's discipline
//! ([`crate::db::schema`]): migration `i` takes the schema from version `i` to `i + 1`;
//! all pending ones run in one transaction under an advisory lock, re-reading the version
//! inside it, so replicas starting at once apply them exactly once. Never edit a released
//! migration; append one. A database whose version is above [`SCHEMA_VERSION`] was
//! written by a newer safe-pip and is refused.

/// The advisory-lock class of the schema lock (`pg_advisory_xact_lock(SCHEMA_LOCK, 0)`).
pub(super) const SCHEMA_LOCK: i32 = 0x5350_4900;
/// The advisory-lock class of per-file analysis locks (second key: 32 bits of the sha256).
pub(super) const FILE_LOCK: i32 = 0x5350_4901;

pub(super) const VERSION_TABLE: &str =
    "CREATE TABLE IF NOT EXISTS safe_pip_schema (id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER NOT NULL)";

pub(super) const MIGRATIONS: &[&str] = &[
    // 0 -> 1: verdicts, history, decision log, feeds (the SQLite DB's tables, less the
    // registry metadata cache, which stays per machine).
    r#"
    CREATE TABLE verdicts (
        sha256           TEXT    NOT NULL CHECK (length(sha256) = 64),
        analysis_version TEXT    NOT NULL,
        name             TEXT,
        name_norm        TEXT,
        version          TEXT,
        filename         TEXT    NOT NULL,
        size             BIGINT,
        verdict          TEXT    NOT NULL CHECK (verdict IN ('allow', 'warn', 'block')),
        reason           TEXT    NOT NULL,
        score            INTEGER NOT NULL CHECK (score BETWEEN 0 AND 100),
        level            TEXT    NOT NULL,
        alerts           TEXT    NOT NULL,
        index_url        TEXT,
        origin           TEXT    NOT NULL,
        scanned_at       BIGINT  NOT NULL,
        PRIMARY KEY (sha256, analysis_version)
    );
    CREATE INDEX verdicts_by_name ON verdicts (name_norm);
    CREATE INDEX verdicts_by_time ON verdicts (scanned_at);

    CREATE TABLE scan_history (
        id               BIGSERIAL PRIMARY KEY,
        sha256           TEXT    NOT NULL,
        name             TEXT,
        name_norm        TEXT,
        version          TEXT,
        filename         TEXT    NOT NULL,
        verdict          TEXT    NOT NULL,
        score            INTEGER NOT NULL,
        analysis_version TEXT    NOT NULL,
        scanned_at       BIGINT  NOT NULL
    );
    CREATE INDEX scan_history_by_name ON scan_history (name_norm, scanned_at);
    CREATE INDEX scan_history_by_sha ON scan_history (sha256);

    CREATE TABLE decisions (
        id         BIGSERIAL PRIMARY KEY,
        package    TEXT    NOT NULL,
        spec       TEXT    NOT NULL,
        alerts     TEXT    NOT NULL,
        reason     TEXT    NOT NULL CHECK (length(trim(reason)) > 0),
        who        TEXT    NOT NULL,
        action     TEXT    NOT NULL CHECK (action IN ('allow', 'deny')),
        source     TEXT    NOT NULL DEFAULT '',
        decided_at BIGINT  NOT NULL,
        UNIQUE (package, spec, alerts, reason, who, action, source, decided_at)
    );
    CREATE INDEX decisions_by_package ON decisions (package, decided_at);
    CREATE FUNCTION safe_pip_append_only() RETURNS trigger LANGUAGE plpgsql AS
        $$ BEGIN RAISE EXCEPTION 'table % is append-only', TG_TABLE_NAME; END $$;
    CREATE TRIGGER decisions_append_only BEFORE UPDATE OR DELETE ON decisions
        FOR EACH ROW EXECUTE FUNCTION safe_pip_append_only();

    CREATE TABLE advisories (
        id          TEXT    PRIMARY KEY,
        summary     TEXT,
        modified    TEXT,
        source      TEXT,
        imported_at BIGINT  NOT NULL
    );
    CREATE TABLE advisory_packages (
        advisory_id  TEXT    NOT NULL REFERENCES advisories (id) ON DELETE CASCADE,
        name         TEXT    NOT NULL,
        all_versions BOOLEAN NOT NULL,
        versions     TEXT    NOT NULL,
        ranges       TEXT    NOT NULL
    );
    CREATE INDEX advisory_packages_by_name ON advisory_packages (name);
    "#,
    // 1 -> 2: decision expiry (the admin API) and the audit log of blocks, overrides and
    // decisions (append-only).
    r#"
    ALTER TABLE decisions ADD COLUMN until TEXT;
    CREATE TABLE audit (
        id       BIGSERIAL PRIMARY KEY,
        at       BIGINT  NOT NULL,
        kind     TEXT    NOT NULL CHECK (kind IN ('block', 'override', 'decision')),
        package  TEXT,
        version  TEXT,
        filename TEXT,
        sha256   TEXT,
        verdict  TEXT,
        reason   TEXT    NOT NULL,
        actor    TEXT
    );
    CREATE INDEX audit_by_time ON audit (at);
    CREATE TRIGGER audit_append_only BEFORE UPDATE OR DELETE ON audit
        FOR EACH ROW EXECUTE FUNCTION safe_pip_append_only();
    "#,
];

/// Schema version this build writes and understands.
pub(super) const SCHEMA_VERSION: i32 = MIGRATIONS.len() as i32;
