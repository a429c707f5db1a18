//! The gate over a temp DB: miss → analyse and record, hit → the same report without
//! analysis, policy and advisories applied at judgement time, fail closed.

use crate::error::Hint;
use super::*;
use crate::alerts::AlertId;
use crate::policy::{Action, Policy};
use crate::test_fixtures::{canary_sdist, clean_sdist};

fn temp_gate() -> (tempfile::TempDir, Gate) {
    let dir = tempfile::tempdir().expect("temp dir");
    let gate = Gate::open(Some(&dir.path().join("v.sqlite3")), ScanOptions::default()).expect("open gate");
    (dir, gate)
}

fn db_of(dir: &tempfile::TempDir) -> Db {
    Db::open(&dir.path().join("v.sqlite3")).expect("open DB")
}

fn ids(r: &PackageReport) -> Vec<&'static str> {
    r.findings.iter().map(|f| f.alert.id()).collect()
}

fn osv_all_versions(id: &str, name: &str) -> String {
    format!(
        r#"{{"id": "{id}", "summary": "Malicious code in {name}",
           "affected": [{{"package": {{"ecosystem": "PyPI", "name": "{name}"}},
                          "ranges": [{{"type": "ECOSYSTEM", "events": [{{"introduced": "0"}}]}}]}}]}}"#
    )
}

/// What a caller sees of a report; must not depend on whether the DB answered.
type Visible = (String, Option<String>, Option<String>, Option<ArtifactKind>, Option<String>, score::Risk, Decision, Vec<Finding>);

fn visible(r: &PackageReport) -> Visible {
    (r.filename.clone(), r.name.clone(), r.version.clone(), r.kind, r.sha256.clone(), r.risk, r.decision.clone(), r.findings.clone())
}

#[test]
fn a_miss_is_analysed_and_recorded_and_a_hit_looks_like_a_fresh_scan() {
    let (dir, gate) = temp_gate();
    let bytes = canary_sdist("canary-pkg", "1.0");
    let fresh = gate.judge("canary-pkg-1.0.tar.gz", &bytes, Some("https://user:secret@idx.example/simple/"), Vec::new()).expect("judge");
    assert!(!fresh.from_db);
    assert_eq!(fresh.report.decision.verdict, Action::Block, "{:?}", ids(&fresh.report));
    assert!(ids(&fresh.report).contains(&"install-network"));

    let stored = db_of(&dir).lookup_verdict(fresh.report.sha256.as_deref().expect("sha"), ANALYSIS_VERSION).expect("read").expect("recorded");
    assert_eq!((stored.name.as_deref(), stored.version.as_deref()), (Some("canary-pkg"), Some("1.0")));
    assert_eq!(stored.size, Some(bytes.len() as u64));
    let url = stored.index_url.expect("index url");
    assert!(url.contains("idx.example") && !url.contains("secret"), "{url}");
    assert_eq!(db_of(&dir).history("canary-pkg").expect("history").len(), 1);

    let again = gate.judge("canary-pkg-1.0.tar.gz", &bytes, None, Vec::new()).expect("judge again");
    assert!(again.from_db);
    assert_eq!(visible(&again.report), visible(&fresh.report));
    assert_eq!(db_of(&dir).history("canary-pkg").expect("history").len(), 1, "a hit is not a new analysis");

    let looked = gate.lookup(fresh.report.sha256.as_deref().expect("sha"), "canary-pkg-1.0.tar.gz").expect("lookup").expect("hit");
    assert_eq!(visible(&looked), visible(&fresh.report));
    let many = gate.lookup_many(&[fresh.report.sha256.clone().expect("sha"), "0".repeat(64)]).expect("batch");
    assert_eq!(many.len(), 1);
    assert_eq!(visible(&many[fresh.report.sha256.as_deref().expect("sha")]), visible(&fresh.report));
    assert!(gate.lookup(&"1".repeat(64), "x.tar.gz").expect("lookup").is_none());
}

#[test]
fn stored_findings_are_judged_under_the_current_policy() {
    let (dir, gate) = temp_gate();
    let bytes = canary_sdist("canary-pkg", "1.0");
    let first = gate.judge_bytes("canary-pkg-1.0.tar.gz", &bytes, None, Vec::new()).expect("judge");
    assert_eq!(first.decision.verdict, Action::Block);
    drop(gate);

    let mut policy = Policy::default();
    policy.alerts.insert(AlertId::InstallNetwork, Action::Warn);
    let relaxed = Gate::with_db(db_of(&dir), ScanOptions { policy, ..ScanOptions::default() });
    let hit = relaxed.judge("canary-pkg-1.0.tar.gz", &bytes, None, Vec::new()).expect("judge");
    assert!(hit.from_db, "no re-analysis for a policy change");
    assert_eq!(hit.report.findings, first.findings);
    assert_ne!(hit.report.decision.verdict, Action::Block, "{}", hit.report.decision.reason());
}

#[test]
fn an_advisory_imported_after_the_scan_blocks_hits_and_fresh_scans_alike() {
    let (dir, gate) = temp_gate();
    let clean = clean_sdist("tidy-numbers", "3.1.0");
    let before = gate.judge_bytes("tidy-numbers-3.1.0.tar.gz", &clean, None, Vec::new()).expect("judge");
    assert_eq!(before.decision.verdict, Action::Allow, "{:?}", ids(&before));

    db_of(&dir).import_osv_bytes(osv_all_versions("MAL-2099-1", "Tidy_Numbers").as_bytes(), "test").expect("import");
    let hit = gate.judge("tidy-numbers-3.1.0.tar.gz", &clean, None, Vec::new()).expect("judge");
    assert!(hit.from_db);
    assert_eq!(hit.report.decision.verdict, Action::Block);
    let f = hit.report.findings.iter().find(|f| f.alert == AlertId::KnownMalware).expect("known-malware");
    assert!(f.message.contains("MAL-2099-1"), "{}", f.message);
    let sha = before.sha256.expect("sha");
    assert_eq!(gate.lookup(&sha, "tidy-numbers-3.1.0.tar.gz").expect("lookup").expect("hit").decision.verdict, Action::Block);
    assert_eq!(gate.lookup_many(&[&sha]).expect("batch")[&sha].decision.verdict, Action::Block);

    // A file never seen before.
    let other = crate::test_fixtures::sdist("tidy-numbers", "0.1", &[("setup.py", crate::test_fixtures::CLEAN_SETUP)]);
    let fresh = gate.judge("tidy_numbers-0.1.tar.gz", &other, None, Vec::new()).expect("judge");
    assert!(!fresh.from_db);
    assert!(ids(&fresh.report).contains(&"known-malware"), "{:?}", ids(&fresh.report));
    assert_eq!(fresh.report.decision.verdict, Action::Block);
    // Advisories are never stored with the verdict: withdrawing one unblocks.
    let stored = db_of(&dir).lookup_verdict(&sha, ANALYSIS_VERSION).expect("read").expect("stored");
    assert!(stored.alerts.iter().all(|a| a.id != "known-malware"));
    assert_eq!(gate.known_malware("tidy.numbers", Some("9")).expect("query").map(|f| f.alert), Some(AlertId::KnownMalware));
}

#[test]
fn extra_findings_are_judged_but_not_stored() {
    let (dir, gate) = temp_gate();
    let clean = clean_sdist("tidy-numbers", "3.1.0");
    let extra = vec![Finding::new(AlertId::Typosquat, "", "looks like another project")];
    let r = gate.judge_bytes("tidy-numbers-3.1.0.tar.gz", &clean, None, extra.clone()).expect("judge");
    assert!(ids(&r).contains(&"typosquat"));
    let stored = db_of(&dir).lookup_verdict(r.sha256.as_deref().expect("sha"), ANALYSIS_VERSION).expect("read").expect("stored");
    assert!(stored.alerts.iter().all(|a| a.id != "typosquat"), "{:?}", stored.alerts);
    let hit = gate.judge("tidy-numbers-3.1.0.tar.gz", &clean, None, extra).expect("judge");
    assert!(hit.from_db && ids(&hit.report).contains(&"typosquat"));
}

#[test]
fn files_on_disk_are_hashed_and_looked_up_directories_are_always_analysed() {
    let (dir, gate) = temp_gate();
    let path = dir.path().join("canary-pkg-1.0.tar.gz");
    std::fs::write(&path, canary_sdist("canary-pkg", "1.0")).expect("write");
    let first = gate.judge_path(&path).expect("judge");
    assert!(!first.from_db);
    assert_eq!(first.report.path, path);
    let second = gate.judge_path(&path).expect("judge");
    assert!(second.from_db);
    assert_eq!(second.report.path, path);
    assert_eq!(visible(&second.report), visible(&first.report));

    let tree = dir.path().join("unpacked");
    std::fs::create_dir_all(&tree).expect("mkdir");
    std::fs::write(tree.join("setup.py"), crate::test_fixtures::CANARY_SETUP).expect("write");
    let a = gate.judge_path(&tree).expect("judge");
    let b = gate.judge_path(&tree).expect("judge");
    assert!(!a.from_db && !b.from_db);
    assert_eq!(a.report.decision.verdict, Action::Block);
    assert_eq!(db_of(&dir).stats().expect("stats").verdicts.total(), 1, "only the archive is recorded");

    let missing = gate.judge_path(&dir.path().join("missing.whl")).expect("judge");
    assert!(missing.report.error.is_some() && missing.report.decision.verdict == Action::Block);
}

#[test]
fn other_read_limits_neither_reuse_nor_record_but_advisories_still_apply() {
    let (dir, gate) = temp_gate();
    let bytes = clean_sdist("tidy-numbers", "3.1.0");
    gate.judge_bytes("tidy-numbers-3.1.0.tar.gz", &bytes, None, Vec::new()).expect("judge");
    db_of(&dir).import_osv_bytes(osv_all_versions("MAL-2099-2", "tidy-numbers").as_bytes(), "test").expect("import");
    let opts = ScanOptions { limits: Limits { max_member_bytes: 1024, ..Limits::default() }, ..ScanOptions::default() };
    let limited = Gate::with_db(db_of(&dir), opts);
    let j = limited.judge("tidy-numbers-3.1.0.tar.gz", &bytes, None, Vec::new()).expect("judge");
    assert!(!j.from_db);
    assert!(ids(&j.report).contains(&"known-malware"));
    let other = clean_sdist("tidy-numbers", "3.2.0");
    limited.judge_bytes("tidy-numbers-3.2.0.tar.gz", &other, None, Vec::new()).expect("judge");
    assert_eq!(db_of(&dir).stats().expect("stats").verdicts.total(), 1);
}

#[test]
fn without_a_db_every_file_is_analysed_and_nothing_recorded() {
    let gate = Gate::without_db(ScanOptions::default());
    let bytes = canary_sdist("canary-pkg", "1.0");
    for _ in 0..2 {
        let j = gate.judge("canary-pkg-1.0.tar.gz", &bytes, None, Vec::new()).expect("judge");
        assert!(!j.from_db);
        assert_eq!(j.report.decision.verdict, Action::Block);
    }
    assert_eq!(gate.db_path(), None);
    assert!(gate.lookup_many(&["0".repeat(64)]).expect("batch").is_empty());
}

#[test]
fn many_threads_share_one_gate_and_every_verdict_is_recorded() {
    let (dir, gate) = temp_gate();
    let files: Vec<(String, Vec<u8>)> = (0..12).map(|i| (format!("pkg{i}-1.{i}.tar.gz"), clean_sdist(&format!("pkg{i}"), &format!("1.{i}")))).collect();
    std::thread::scope(|s| {
        for chunk in files.chunks(3) {
            let gate = &gate;
            s.spawn(move || {
                for (name, bytes) in chunk {
                    gate.judge_bytes(name, bytes, None, Vec::new()).expect("judge");
                    gate.judge_bytes(name, bytes, None, Vec::new()).expect("judge again");
                }
            });
        }
    });
    let stats = db_of(&dir).stats().expect("stats");
    assert_eq!((stats.verdicts.total(), stats.history_entries), (12, 12));
}

#[test]
fn a_corrupt_db_is_an_error_with_a_hint_and_is_left_alone() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("v.sqlite3");
    let garbage = b"definitely not SQLite".repeat(100);
    std::fs::write(&path, &garbage).expect("write");
    let err = Gate::open(Some(&path), ScanOptions::default()).expect_err("corrupt");
    assert!(err.to_string().contains("corrupt"), "{err}");
    assert!(err.hint().contains("db reset"), "{}", err.hint());
    assert_eq!(std::fs::read(&path).expect("read"), garbage);
}

#[test]
fn the_gateway_honours_decisions_logged_in_its_store_and_a_local_gate_does_not() {
    use crate::action::DecisionAction;
    use crate::db::NewDecision;
    let dir = tempfile::tempdir().expect("temp dir");
    let store: Arc<dyn VerdictStore> = Arc::new(SqliteStore::new(db_of(&dir)));
    let gateway = Gate::with_store(store.clone(), ScanOptions::default()).with_store_decisions(true);
    let strict = Gate::with_store(store.clone(), ScanOptions::default()).with_store_decisions(false);
    let local = Gate::with_store(store.clone(), ScanOptions::default());
    let bytes = canary_sdist("canary-pkg", "1.0");
    let first = gateway.judge("canary-pkg-1.0.tar.gz", &bytes, None, Vec::new()).expect("judge");
    assert_eq!(first.report.decision.verdict, Action::Block);
    assert_eq!(gateway.analyses(), 1);
    let sha = first.report.sha256.clone().expect("sha");

    let alerts: Vec<String> = ids(&first.report).iter().map(|s| s.to_string()).collect();
    store
        .log_decision(&NewDecision {
            package: "Canary_Pkg",
            spec: "==1.0",
            alerts: &alerts,
            reason: "a canary the team owns",
            who: "sec@example.org",
            action: DecisionAction::Allow,
            source: Some("gateway"),
            decided_at: None,
            until: None,
        })
        .expect("log");
    let allowed = gateway.lookup(&sha, "canary-pkg-1.0.tar.gz").expect("lookup").expect("hit");
    assert_eq!(allowed.decision.verdict, Action::Allow, "{}", allowed.decision.reason());
    assert!(allowed.decision.reason().contains("a canary the team owns") && allowed.decision.reason().contains("sqlite:"), "{}", allowed.decision.reason());
    assert_eq!(gateway.lookup_many(std::slice::from_ref(&sha)).expect("many")[&sha].decision.verdict, Action::Allow);
    assert_eq!(gateway.judge("canary-pkg-1.0.tar.gz", &bytes, None, Vec::new()).expect("judge").report.decision.verdict, Action::Allow);
    assert_eq!(gateway.analyses(), 1, "decisions re-judge stored findings");
    // Not where the org file forbids allow decisions to accept critical alerts.
    assert_eq!(strict.lookup(&sha, "canary-pkg-1.0.tar.gz").expect("lookup").expect("hit").decision.verdict, Action::Block);
    // The local commands keep to the project's own documented decisions.
    assert_eq!(local.lookup(&sha, "canary-pkg-1.0.tar.gz").expect("lookup").expect("hit").decision.verdict, Action::Block);

    // A deny for every version wins over the allow.
    store
        .log_decision(&NewDecision {
            package: "canary-pkg",
            spec: "*",
            alerts: &[],
            reason: "pulled",
            who: "sec@example.org",
            action: DecisionAction::Deny,
            source: None,
            decided_at: None,
            until: None,
        })
        .expect("log");
    assert_eq!(gateway.lookup(&sha, "canary-pkg-1.0.tar.gz").expect("lookup").expect("hit").decision.verdict, Action::Block);
}
