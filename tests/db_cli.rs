//! `safe-pip db …` through the real binary, and the verdict DB shared by several real
//! processes at once. Every test points SAFE_PIP_DB (and HOME) into its own temp dir.

mod common;

use common::{Env, s};
use safe_pip::db::{ANALYSIS_VERSION, Db, NewVerdict};
use safe_pip::action::Action;
use safe_pip::score::{Risk, RiskLevel};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

fn sha(i: u64) -> String {
    format!("{i:064x}")
}

fn osv(id: &str, name: &str) -> String {
    format!(
        r#"{{"id": "{id}", "summary": "Malicious code in {name} (PyPI)",
           "affected": [{{"package": {{"ecosystem": "PyPI", "name": "{name}"}},
                          "ranges": [{{"type": "ECOSYSTEM", "events": [{{"introduced": "0"}}]}}]}}]}}"#
    )
}

fn record(db: &Db, s: &str) {
    let d = (Action::Allow, "no alerts");
    let mut v = NewVerdict::new(s, "pkg-1.0.tar.gz", d.0, d.1, Risk { score: 0, level: RiskLevel::None }, &[]);
    v.name = Some("pkg");
    db.record_verdict(&v).expect("record");
}

#[test]
fn path_follows_env_and_the_flag_wins() {
    let env = Env::new();
    let (code, out, _) = env.run(&["db", "path"]);
    assert_eq!(code, 0);
    assert_eq!(out.trim(), s(&env.db()));
    let other = env.dir.path().join("other.sqlite3");
    let (code, out, _) = env.run(&["db", "--db", s(&other), "path"]);
    assert_eq!((code, out.trim()), (0, s(&other)));
    let (_, out, _) = env.run(&["db", "path", "--db", s(&other)]);
    assert_eq!(out.trim(), s(&other), "--db is accepted after the subcommand too");
    assert!(!env.db().exists() && !other.exists(), "`path` creates nothing");
}

#[test]
fn import_osv_folder_then_stats_check_and_json() {
    let env = Env::new();
    env.write("feed/osv/malicious/pypi/reqeusts/MAL-2023-1.json", &osv("MAL-2023-1", "reqeusts"));
    env.write("feed/osv/malicious/pypi/colourama/MAL-2023-2.json", &osv("MAL-2023-2", "colourama"));
    let feed = env.dir.path().join("feed");
    let (code, out, err) = env.run(&["db", "import", s(&feed)]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("imported 2 PyPI advisory(ies) from 2 file(s)"), "{out}");

    let db = Db::open(&env.db()).expect("open");
    assert!(db.known_malware("Reqeusts", Some("1.0")).expect("query").is_some());
    record(&db, &sha(7));
    drop(db);

    let (code, out, _) = env.run(&["db", "stats"]);
    assert_eq!(code, 0);
    assert!(out.contains("verdicts:    1 (allow 1, warn 0, block 0)") && out.contains("advisories:  2"), "{out}");
    assert!(out.contains(s(&env.db())), "{out}");
    let (code, out, _) = env.run(&["db", "stats", "--format", "json"]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!((v["verdicts"]["allow"].as_i64(), v["advisories"].as_i64(), v["history_entries"].as_i64()), (Some(1), Some(2), Some(1)));
    assert!(v["size_bytes"].as_u64().unwrap_or(0) > 0);

    let (code, out, _) = env.run(&["db", "check"]);
    assert_eq!(code, 0);
    assert!(out.starts_with("ok: "), "{out}");
    let (code, out, _) = env.run(&["db", "check", "--format", "json"]);
    assert_eq!(code, 0);
    assert_eq!(serde_json::from_str::<serde_json::Value>(&out).expect("json")["ok"], true);
}

#[test]
fn broken_feed_files_are_reported_with_exit_2_and_the_rest_imported() {
    let env = Env::new();
    env.write("feed/MAL-1.json", &osv("MAL-1", "evil"));
    env.write("feed/broken.json", "{");
    let (code, _, err) = env.run(&["db", "import", s(&env.dir.path().join("feed"))]);
    assert_eq!(code, 2);
    assert!(err.contains("broken.json") && err.contains("hint:"), "{err}");
    assert!(Db::open(&env.db()).expect("open").known_malware("evil", None).expect("query").is_some());
}

#[test]
fn export_and_import_a_snapshot_between_dbs() {
    let env = Env::new();
    {
        let db = Db::open(&env.db()).expect("open");
        for i in 0..3 {
            record(&db, &sha(i));
        }
    }
    let snap = env.dir.path().join("snap.json");
    let (code, _, err) = env.run(&["db", "export", s(&snap)]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("exported 3 verdict(s)"), "{err}");
    let (code, out, _) = env.run(&["db", "export", "-"]);
    assert_eq!(code, 0);
    assert_eq!(serde_json::from_str::<serde_json::Value>(&out).expect("json")["format"], "safe-pip-db-snapshot");

    let other = env.dir.path().join("other.sqlite3");
    let (code, out, err) = env.run(&["db", "--db", s(&other), "import", s(&snap)]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("3 verdict(s) stored"), "{out}");
    let (code, out, _) = env.run(&["db", "--db", s(&other), "import", s(&snap)]);
    assert_eq!(code, 0);
    assert!(out.contains("0 verdict(s) stored, 3 kept"), "idempotent: {out}");
    let hits = Db::open(&other).expect("open").lookup_verdicts(&[sha(0), sha(1), sha(2)]).expect("lookup");
    assert_eq!(hits.len(), 3);
}

#[test]
fn corrupt_db_check_fails_closed_and_reset_needs_yes() {
    let env = Env::new();
    let garbage = b"this is not a database, and it is not ours to overwrite".repeat(50);
    std::fs::create_dir_all(env.db().parent().expect("parent")).expect("mkdir");
    std::fs::write(env.db(), &garbage).expect("write");

    for args in [&["db", "check"][..], &["db", "stats"], &["db", "export", "-"], &["db", "prune", "--stale"]] {
        let (code, out, err) = env.run(args);
        assert_eq!(code, 2, "{args:?}: {out}{err}");
        assert!(err.contains("is corrupt") && err.contains("hint:") && err.contains("db reset --yes"), "{args:?}: {err}");
    }
    assert_eq!(std::fs::read(env.db()).expect("read"), garbage, "nothing may write over a corrupt DB");

    let (code, _, err) = env.run(&["db", "reset"]);
    assert_eq!(code, 2);
    assert!(err.contains("--yes"), "{err}");
    assert_eq!(std::fs::read(env.db()).expect("read"), garbage);

    let (code, out, err) = env.run(&["db", "reset", "--yes"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("moved the unusable DB to"), "{out}");
    let kept: Vec<PathBuf> = std::fs::read_dir(env.db().parent().expect("parent"))
        .expect("list")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.to_string_lossy().contains(".corrupt-"))
        .collect();
    assert_eq!(kept.len(), 1);
    assert_eq!(std::fs::read(&kept[0]).expect("read backup"), garbage);
    let (code, _, _) = env.run(&["db", "check"]);
    assert_eq!(code, 0);
}

#[test]
fn prune_needs_a_criterion_and_reports_counts() {
    let env = Env::new();
    let (code, _, err) = env.run(&["db", "prune"]);
    assert_eq!(code, 2, "{err}");
    {
        let db = Db::open(&env.db()).expect("open");
        let d = (Action::Allow, "no alerts");
        let old = sha(1);
        let mut v = NewVerdict::new(&old, "x.whl", d.0, d.1, Risk { score: 0, level: RiskLevel::None }, &[]);
        v.analysis_version = "0";
        db.record_verdict(&v).expect("record");
        record(&db, &sha(2));
    }
    let (code, out, _) = env.run(&["db", "prune", "--stale"]);
    assert_eq!(code, 0);
    assert!(out.contains("pruned 1 verdict(s)"), "{out}");
    let (code, out, _) = env.run(&["db", "prune", "--older-than", "0"]);
    assert_eq!(code, 0);
    assert!(out.starts_with("pruned "), "{out}");
}

/// Not a test on its own: the body of the writer processes that
/// `several_processes_write_at_once_and_nothing_is_lost` starts from this test binary.
#[test]
fn child_writer() {
    let (Some(path), Some(base)) = (std::env::var_os("SAFE_PIP_TEST_CHILD_DB"), std::env::var("SAFE_PIP_TEST_CHILD_BASE").ok()) else {
        return;
    };
    let base: u64 = base.parse().expect("base");
    let db = Db::open(Path::new(&path)).expect("child opens the shared DB");
    for i in 0..200 {
        record(&db, &sha(base + i));
    }
}

#[test]
fn several_processes_write_at_once_and_nothing_is_lost() {
    let env = Env::new();
    let exe = std::env::current_exe().expect("test binary");
    // Three processes of this test binary record 200 verdicts each, one transaction per
    // verdict, into a DB none of them has created yet.
    let mut children: Vec<std::process::Child> = (0..3u64)
        .map(|p| {
            Command::new(&exe)
                .args(["--exact", "child_writer", "--nocapture", "--test-threads", "1"])
                .env("SAFE_PIP_TEST_CHILD_DB", env.db())
                .env("SAFE_PIP_TEST_CHILD_BASE", (p * 10_000).to_string())
                .stdout(Stdio::null())
                .spawn()
                .expect("spawn writer")
        })
        .collect();
    // Meanwhile two `safe-pip db import` processes add snapshots of 200 verdicts each.
    let snaps: Vec<PathBuf> = (0..2u64)
        .map(|k| {
            let verdicts: Vec<serde_json::Value> = (0..200u64)
                .map(|i| {
                    serde_json::json!({
                        "sha256": sha(100_000 + k * 1_000 + i), "analysis_version": ANALYSIS_VERSION,
                        "name": "shared", "version": "1.0", "filename": "shared-1.0.tar.gz", "size": 10,
                        "verdict": "allow", "reason": "no alerts", "score": 0, "level": "none", "alerts": [],
                        "index_url": null, "origin": "local", "scanned_at": 1,
                    })
                })
                .collect();
            let doc = serde_json::json!({"format": "safe-pip-db-snapshot", "format_version": 1, "verdicts": verdicts});
            env.write(&format!("snap{k}.json"), &doc.to_string())
        })
        .collect();
    let importers: Vec<std::process::Child> =
        snaps.iter().map(|p| env.command(&["db", "import", s(p)]).stdout(Stdio::null()).spawn().expect("spawn import")).collect();
    for c in children.iter_mut().chain(importers.into_iter().collect::<Vec<_>>().iter_mut()) {
        let status = c.wait().expect("wait");
        assert!(status.success(), "a writer failed: {status}");
    }

    let db = Db::open(&env.db()).expect("open");
    let mut expected: Vec<String> = (0..3u64).flat_map(|p| (0..200u64).map(move |i| sha(p * 10_000 + i))).collect();
    expected.extend((0..2u64).flat_map(|k| (0..200u64).map(move |i| sha(100_000 + k * 1_000 + i))));
    assert_eq!(db.lookup_verdicts(&expected).expect("lookup").len(), 1_000);
    assert_eq!(db.history("pkg").expect("history").len(), 600, "every recorded analysis is in the history");
    let (code, _, _) = env.run(&["db", "check"]);
    assert_eq!(code, 0);
}
