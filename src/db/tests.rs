//! Opening, migrations, corruption, concurrency and maintenance of the verdict DB.

use crate::error::Hint;
use super::test_support::{sha, temp_db};
use super::*;
use super::connection::SQLITE_MAGIC;
use crate::action::{Action, DecisionAction};
use crate::score::{Risk, RiskLevel};
use std::sync::Arc;

fn allow() -> (Action, &'static str) {
    (Action::Allow, "no alerts")
}

fn record(db: &Db, s: &str, when: i64) {
    let d = allow();
    let mut v = NewVerdict::new(s, "pkg-1.0.tar.gz", d.0, d.1, Risk { score: 0, level: RiskLevel::None }, &[]);
    v.name = Some("pkg");
    v.scanned_at = Some(when);
    db.record_verdict(&v).expect("record");
}

fn digest(path: &Path) -> Vec<u8> {
    std::fs::read(path).expect("read file")
}

#[test]
fn db_is_send_so_threads_can_own_one() {
    fn assert_send<T: Send>() {}
    assert_send::<Db>();
}

#[test]
fn creates_folder_schema_and_wal_and_reopens() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("a/b/verdicts.sqlite3");
    {
        let db = Db::open(&path).expect("create");
        record(&db, &sha(1), 1);
        let check = db.check().expect("check");
        assert!(check.ok(), "{:?}", check.problems());
        assert_eq!(check.journal_mode, "wal");
        assert_eq!(check.schema_version, schema::SCHEMA_VERSION);
    }
    let db = Db::open(&path).expect("reopen");
    assert!(db.lookup_verdict(&sha(1), ANALYSIS_VERSION).expect("lookup").is_some());
    let app: i64 = db.conn.query_row("PRAGMA application_id", [], |r| r.get(0)).expect("app id");
    assert_eq!(app, schema::APPLICATION_ID);
}

#[test]
fn an_empty_existing_file_is_an_error_and_only_a_missing_db_is_created() {
    // #14: a DB truncated to 0 bytes used to be started afresh, silently losing every
    // verdict and decision
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("empty.sqlite3");
    std::fs::write(&path, b"").expect("write");
    let err = Db::open(&path).expect_err("an empty file is not a DB");
    assert!(matches!(&err, DbError::Corrupt { path: p, .. } if p == &path), "{err}");
    assert!(err.to_string().contains("empty (0 bytes)"), "{err}");
    assert!(err.hint().contains("safe-pip db reset --yes"), "{}", err.hint());
    assert_eq!(std::fs::metadata(&path).expect("still there").len(), 0, "left untouched");
    // `db reset` moves it aside and starts a new DB
    assert!(matches!(Db::reset_path(&path).expect("reset"), ResetOutcome::MovedAside { .. }));
    Db::open(&path).expect("the new DB opens");
    // a missing DB is created, complete, with nothing left over next to it
    let fresh = dir.path().join("sub/verdicts.sqlite3");
    Db::open(&fresh).expect("created");
    assert!(std::fs::metadata(&fresh).expect("exists").len() >= 100);
    let names: Vec<String> = std::fs::read_dir(dir.path().join("sub")).expect("dir").map(|e| e.expect("entry").file_name().to_string_lossy().into_owned()).collect();
    assert!(names.iter().all(|n| !n.starts_with(".safe-pip-new-db-")), "{names:?}");
}

#[test]
fn garbage_file_is_corrupt_and_left_untouched() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("verdicts.sqlite3");
    let garbage: Vec<u8> = (0..10_000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
    std::fs::write(&path, &garbage).expect("write");
    let err = Db::open(&path).expect_err("garbage");
    assert!(matches!(&err, DbError::Corrupt { path: p, .. } if p == &path), "{err}");
    assert!(err.hint().contains("safe-pip db reset --yes"), "{}", err.hint());
    assert_eq!(digest(&path), garbage, "the corrupt file must not be modified");
    assert!(!sibling(&path, "-wal").exists());

    // Also when it only starts like SQLite.
    let mut fake = SQLITE_MAGIC.to_vec();
    fake.extend(std::iter::repeat_n(0xAB, 5000));
    std::fs::write(&path, &fake).expect("write");
    let err = Db::open(&path).expect_err("fake header");
    assert!(matches!(err, DbError::Corrupt { .. }), "{err}");
    assert_eq!(digest(&path), fake);

    // And a few bytes only.
    std::fs::write(&path, b"SQLite").expect("write");
    assert!(matches!(Db::open(&path), Err(DbError::Corrupt { .. })));
}

/// Creates the DB at `path` with 400 verdicts of five findings each (about 30 pages),
/// and closes it.
fn fill_with_verdicts(path: &Path) {
    let db = Db::open(path).expect("create");
    let d = allow();
    let shas: Vec<String> = (0..400).map(sha).collect();
    let evidence = "x".repeat(150);
    let findings: Vec<crate::finding::Finding> = (0..5)
        .map(|i| crate::finding::Finding::new(crate::alerts::AlertId::NetworkAccess, format!("p/m{i}.py"), "requests.get()").with_evidence(&evidence))
        .collect();
    let batch: Vec<NewVerdict<'_>> =
        shas.iter().map(|s| NewVerdict::new(s, "p.tar.gz", d.0, d.1, Risk { score: 12, level: RiskLevel::Medium }, &findings)).collect();
    db.record_verdicts(&batch).expect("record");
}

#[test]
fn truncated_real_db_is_corrupt_and_left_untouched() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("verdicts.sqlite3");
    fill_with_verdicts(&path);
    assert!(!sibling(&path, "-wal").exists(), "closing checkpoints the WAL");
    let full = digest(&path);
    assert!(full.len() > 100_000, "{}", full.len());
    for cut in [full.len() / 2, 4096 + 10, 60] {
        std::fs::write(&path, &full[..cut]).expect("truncate");
        let err = Db::open(&path).expect_err("truncated");
        assert!(matches!(err, DbError::Corrupt { .. }), "cut at {cut}: {err}");
        assert_eq!(digest(&path), &full[..cut], "cut at {cut}: file modified");
    }
}

#[test]
fn damage_in_pages_no_command_reads_is_found_at_open() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("verdicts.sqlite3");
    fill_with_verdicts(&path);
    // a clean close records the checked state: opening the unchanged file again does not
    // need the check, and neither does the state our own writes leave behind
    assert!(!integrity::needs_check(&path), "a clean close records the state it checked");
    drop(Db::open(&path).expect("reopen"));
    assert!(!integrity::needs_check(&path));

    // garbage over a page in the middle of the verdict table: opening reads only the
    // schema, so before the check at open this went unnoticed
    let mut bytes = std::fs::read(&path).expect("read");
    let page = 4096;
    let pages = bytes.len() / page;
    assert!(pages > 10, "{pages} pages");
    let victim = pages / 2;
    bytes[victim * page..(victim + 1) * page].fill(0xAB);
    std::fs::write(&path, &bytes).expect("write");
    assert!(integrity::needs_check(&path), "a change by someone else means a new check");
    let err = Db::open(&path).expect_err("damaged page");
    assert!(matches!(&err, DbError::Corrupt { detail, .. } if detail.contains("quick_check")), "{err}");
    assert_eq!(digest(&path), bytes, "the damaged file is left untouched");
    assert!(integrity::needs_check(&path), "a failed check records nothing");
    // `db check` still opens it to list every problem
    let report = Db::open_unverified(&path).and_then(|db| db.check());
    assert!(report.map(|r| !r.ok()).unwrap_or(true));
    // and `db reset` moves it aside
    assert!(matches!(Db::reset_path(&path).expect("reset"), ResetOutcome::MovedAside { .. }));
    Db::open(&path).expect("fresh DB");
}

#[test]
fn future_schema_version_is_refused_untouched() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("verdicts.sqlite3");
    drop(Db::open(&path).expect("create"));
    {
        let raw = rusqlite::Connection::open(&path).expect("raw");
        raw.pragma_update(None, "user_version", schema::SCHEMA_VERSION + 5).expect("bump");
    }
    let before = digest(&path);
    let err = Db::open(&path).expect_err("future");
    assert!(matches!(err, DbError::FutureSchema { found, supported, .. } if found == schema::SCHEMA_VERSION + 5 && supported == schema::SCHEMA_VERSION), "{err}");
    assert!(err.to_string().contains("understands up to"), "{err}");
    assert_eq!(digest(&path), before);
}

#[test]
fn another_programs_database_is_refused_untouched() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("app.db");
    {
        let raw = rusqlite::Connection::open(&path).expect("raw");
        raw.execute_batch("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO users (name) VALUES ('x');").expect("fill");
    }
    let before = digest(&path);
    let err = Db::open(&path).expect_err("foreign");
    assert!(matches!(err, DbError::Foreign { .. }), "{err}");
    assert!(err.to_string().contains("users"), "{err}");
    assert_eq!(digest(&path), before);
    let err = Db::reset_path(&path).expect_err("reset refuses a foreign DB");
    assert!(matches!(err, DbError::Foreign { .. }), "{err}");
    assert_eq!(digest(&path), before);

    let other_app = dir.path().join("other-app.db");
    {
        let raw = rusqlite::Connection::open(&other_app).expect("raw");
        raw.pragma_update(None, "application_id", 0x1234).expect("app id");
    }
    assert!(matches!(Db::open(&other_app), Err(DbError::Foreign { .. })));
}

#[test]
fn unusable_paths_give_clear_errors() {
    let dir = tempfile::tempdir().expect("tmp");
    let file = dir.path().join("plain-file");
    std::fs::write(&file, b"x").expect("write");
    let err = Db::open(&file.join("verdicts.sqlite3")).expect_err("parent is a file");
    assert!(matches!(err, DbError::Open { .. } | DbError::PermissionDenied { .. }), "{err}");
    assert!(!err.hint().is_empty());
    let err = Db::open(dir.path()).expect_err("a directory");
    assert!(err.to_string().contains("directory"), "{err}");
}

#[cfg(unix)]
#[test]
fn permission_denied_is_reported_as_such() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("verdicts.sqlite3");
    drop(Db::open(&path).expect("create"));
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o000)).expect("chmod");
    // Privileged users (root in a container) can open it anyway; nothing to check then.
    let privileged = std::fs::File::open(&path).is_ok();
    let result = Db::open(&path);
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).expect("chmod back");
    if !privileged {
        let err = result.expect_err("no permission");
        assert!(matches!(err, DbError::PermissionDenied { .. }), "{err}");
        assert!(err.hint().contains("readable and writable"));
    }
}

#[test]
fn concurrent_writers_with_their_own_connections_lose_nothing() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = Arc::new(dir.path().join("shared.sqlite3"));
    let threads: Vec<_> = (0..4u64)
        .map(|t| {
            let path = Arc::clone(&path);
            std::thread::spawn(move || {
                // Every thread opens the not-yet-existing DB at once: migrations race too.
                let db = Db::open(&path).expect("open");
                for i in 0..200u64 {
                    record(&db, &sha(t * 1_000 + i), i as i64);
                    if i % 50 == 0 {
                        assert!(db.lookup_verdict(&sha(t * 1_000 + i), ANALYSIS_VERSION).expect("read").is_some());
                    }
                }
            })
        })
        .collect();
    for t in threads {
        t.join().expect("writer thread");
    }
    let db = Db::open(&path).expect("open");
    let stats = db.stats().expect("stats");
    assert_eq!(stats.verdicts.allow, 800);
    assert_eq!(stats.history_entries, 800);
    let all: Vec<String> = (0..4u64).flat_map(|t| (0..200u64).map(move |i| sha(t * 1_000 + i))).collect();
    assert_eq!(db.lookup_verdicts(&all).expect("batch").len(), 800);
}

#[test]
fn stats_prune_and_reset() {
    let (_d, db) = temp_db();
    record(&db, &sha(1), 1_000);
    record(&db, &sha(2), 90_000);
    let d = allow();
    let s3 = sha(3);
    let mut old_engine = NewVerdict::new(&s3, "x.whl", d.0, d.1, Risk { score: 0, level: RiskLevel::None }, &[]);
    old_engine.analysis_version = "0";
    old_engine.scanned_at = Some(95_000);
    db.record_verdict(&old_engine).expect("record");
    db.metadata_put_at("https://pypi.org/simple/", "pkg", None, &"facts", 1_000).expect("put");
    let alerts: Vec<String> = Vec::new();
    db.log_decision(&NewDecision {
        package: "pkg",
        spec: "*",
        alerts: &alerts,
        reason: "reviewed",
        who: "me",
        action: DecisionAction::Allow,
        source: None,
        decided_at: Some(5),
        until: None,
    })
    .expect("log");

    let s = db.stats().expect("stats");
    assert_eq!((s.verdicts.allow, s.stale_verdicts, s.history_entries, s.metadata_entries, s.decisions), (2, 1, 3, 1, 1));
    assert_eq!((s.oldest_scan, s.newest_scan), (Some(1_000), Some(95_000)));
    assert!(s.size_bytes > 0);

    let day = Duration::from_secs(86_400);
    let pruned = db.prune_at(&PruneOptions { older_than: Some(day), stale: false }, 100_000).expect("prune");
    assert_eq!(pruned, PruneReport { verdicts: 1, history: 1, metadata: 1 });
    let pruned = db.prune_at(&PruneOptions { older_than: None, stale: true }, 100_000).expect("prune");
    assert_eq!(pruned, PruneReport { verdicts: 1, history: 0, metadata: 0 });
    let s = db.stats().expect("stats");
    assert_eq!((s.verdicts.allow, s.stale_verdicts, s.decisions), (1, 0, 1), "prune keeps the decision log");

    db.reset().expect("reset");
    let s = db.stats().expect("stats");
    assert_eq!((s.verdicts.total(), s.history_entries, s.decisions), (0, 0, 0));
    // The log is append-only again after a reset.
    db.log_decision(&NewDecision {
        package: "pkg",
        spec: "*",
        alerts: &alerts,
        reason: "reviewed again",
        who: "me",
        action: DecisionAction::Deny,
        source: None,
        decided_at: Some(6),
        until: None,
    })
    .expect("log");
    assert!(db.conn.execute("DELETE FROM decisions", []).is_err());
}

#[test]
fn reset_path_moves_a_corrupt_db_aside_and_starts_fresh() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("verdicts.sqlite3");
    std::fs::write(&path, b"definitely not sqlite, but maybe someone's data").expect("write");
    match Db::reset_path(&path).expect("reset") {
        ResetOutcome::MovedAside { backup, reason } => {
            assert_eq!(std::fs::read(&backup).expect("backup kept"), b"definitely not sqlite, but maybe someone's data");
            assert!(reason.contains("corrupt"), "{reason}");
        }
        other => panic!("expected MovedAside, got {other:?}"),
    }
    let db = Db::open(&path).expect("fresh DB");
    assert_eq!(db.stats().expect("stats").verdicts.total(), 0);
    drop(db);
    assert_eq!(Db::reset_path(&path).expect("reset healthy"), ResetOutcome::Cleared);
}

#[test]
fn resolve_path_prefers_the_flag() {
    let p = Path::new("/tmp/x.sqlite3");
    assert_eq!(resolve_path(Some(p)).expect("resolve"), (p.to_path_buf(), PathSource::Flag));
    // The default location is under the platform data dir, whatever the environment.
    if let Ok(d) = default_path() {
        assert!(d.ends_with(Path::new("safe-pip").join(DB_FILE_NAME)), "{}", d.display());
    }
}

#[test]
fn a_version_1_db_is_migrated_to_decision_expiry_and_the_audit_log() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("v1.sqlite3");
    {
        let c = rusqlite::Connection::open(&path).expect("create");
        c.execute_batch(schema::MIGRATIONS[0]).expect("migration 1");
        c.pragma_update(None, "application_id", schema::APPLICATION_ID).expect("id");
        c.pragma_update(None, "user_version", 1).expect("version");
        c.execute(
            "INSERT INTO decisions (package, spec, alerts, reason, who, action, source, decided_at) VALUES ('p', '*', '[]', 'r', 'w', 'deny', '', 1)",
            [],
        )
        .expect("a decision of version 1");
    }
    let db = Db::open(&path).expect("migrates");
    assert_eq!(db.read("version", schema::user_version).expect("version"), schema::SCHEMA_VERSION);
    let d = db.decisions("p").expect("read");
    assert_eq!((d.len(), d[0].until.as_deref()), (1, None));
    assert!(db.audit_since(0, 10).expect("audit table").is_empty());
}
