//! vet against a local index served on 127.0.0.1 by the test, with packages built here.

use super::*;
use crate::gate::Gate;
use crate::index::IndexSettings;
use crate::pipeline::ScanOptions;
use crate::index::tests::server::{Reply, TestServer};
use sha2::{Digest, Sha256};
use crate::test_fixtures::{CANARY_SETUP, CLEAN_INIT, CLEAN_SETUP, sdist};
use std::sync::Arc;

const DAY: i64 = 86_400;
/// A fixed "now" so the registry rules are deterministic.
const NOW: i64 = 1_790_000_000;

fn iso(t: i64) -> String {
    let days = t.div_euclid(DAY);
    // civil-from-days (Howard Hinnant), enough for test timestamps
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    format!("{:04}-{:02}-{:02}T00:00:00Z", if m <= 2 { y + 1 } else { y }, m, d)
}

/// One project on the fixture index: its releases (version, upload time) and the
/// bytes of the latest release's sdist.
struct Project {
    name: &'static str,
    summary: &'static str,
    releases: Vec<(&'static str, i64)>,
    sdist: Vec<u8>,
    /// Advertise a wrong sha256 for the file.
    lie_about_hash: bool,
    /// Changes to the Simple API page and to the JSON API body (crafted registry facts).
    page_patch: Option<fn(&mut serde_json::Value)>,
    json_patch: Option<fn(&mut serde_json::Value)>,
}

fn serve(projects: Vec<Project>) -> TestServer {
    let projects = Arc::new(projects);
    TestServer::start(move |req, _| {
        let base = "/files/";
        for p in projects.iter() {
            let (latest, uploaded) = *p.releases.last().unwrap();
            let filename = format!("{}-{latest}.tar.gz", p.name);
            let sha = if p.lie_about_hash { "0".repeat(64) } else { crate::hex::hex(&Sha256::digest(&p.sdist)) };
            if req.path == format!("/simple/{}/", p.name) {
                let mut body = serde_json::json!({
                    "meta": {"api-version": "1.1"},
                    "name": p.name,
                    "files": [{"filename": filename, "url": format!("{base}{filename}"), "hashes": {"sha256": sha}, "upload-time": iso(uploaded), "size": p.sdist.len()}],
                    "versions": p.releases.iter().map(|r| r.0).collect::<Vec<_>>(),
                });
                if let Some(patch) = p.page_patch {
                    patch(&mut body);
                }
                return Reply::ok("application/vnd.pypi.simple.v1+json", body.to_string());
            }
            if req.path == format!("/pypi/{}/json", p.name) {
                let releases: serde_json::Map<String, serde_json::Value> = p
                    .releases
                    .iter()
                    .map(|(v, t)| (v.to_string(), serde_json::json!([{"upload_time_iso_8601": iso(*t), "yanked": false, "packagetype": "sdist", "filename": format!("{}-{v}.tar.gz", p.name)}])))
                    .collect();
                let mut body = serde_json::json!({
                    "info": {"name": p.name, "version": latest, "summary": p.summary, "description": "A small, documented library.\n\nSee the docs.",
                             "license_expression": "MIT", "classifiers": [], "project_urls": {"Source": "https://example.invalid/src"}, "requires_dist": [], "yanked": false},
                    "releases": releases,
                    "urls": [{"upload_time_iso_8601": iso(uploaded), "yanked": false, "packagetype": "sdist", "filename": filename}],
                    "vulnerabilities": [],
                });
                if let Some(patch) = p.json_patch {
                    patch(&mut body);
                }
                return Reply::ok("application/json", body.to_string());
            }
            if req.path == format!("{base}{filename}") {
                return Reply::ok("application/octet-stream", p.sdist.clone());
            }
        }
        Reply::status(404)
    })
}

fn vet_on(server: &TestServer, spec: &str) -> VetReport {
    let client = IndexClient::new(&IndexSettings::for_index(&server.url("/simple/"))).unwrap().with_backoff(std::time::Duration::from_millis(1));
    let gate = Gate::without_db(ScanOptions::default());
    let opts = VetOptions { client: Some(&client), gate: &gate, metadata: MetadataPolicy::default(), internal: InternalPolicy::default(), now_unix: NOW };
    vet(&VetRequest::parse(spec).unwrap(), &opts)
}

fn ids(r: &VetReport) -> Vec<&'static str> {
    r.findings.iter().map(|f| f.alert.id()).collect()
}


#[test]
fn healthy_package_is_checked_and_allowed_with_history() {
    let server = serve(vec![Project {
        name: "tidy-numbers",
        summary: "Small arithmetic helpers",
        releases: vec![("1.0.0", NOW - 2000 * DAY), ("2.0.0", NOW - 900 * DAY), ("3.0.0", NOW - 300 * DAY), ("3.1.0", NOW - 40 * DAY)],
        sdist: sdist("tidy-numbers", "3.1.0", &[("setup.py", CLEAN_SETUP), ("tidy_numbers/__init__.py", CLEAN_INIT)]),
        lie_about_hash: false,
        page_patch: None,
        json_patch: None,
    }]);
    let r = vet_on(&server, "tidy-numbers");
    assert_eq!(r.status, VetStatus::Checked, "{:?}", r.status);
    assert_eq!(r.version.as_deref(), Some("3.1.0"));
    assert_eq!(r.decision.verdict, Action::Allow, "{:?}", ids(&r));
    assert_eq!(r.files.len(), 1);
    assert!(r.files[0].sha256.is_some());
    let h = r.history.as_ref().unwrap();
    assert_eq!(h.release_count, 4);
    assert_eq!(h.releases_last_year, 2);
    // Not a top project: the registry notes it, at low severity only.
    assert!(ids(&r).contains(&"small-user-base"));
    assert!(r.findings.iter().all(|f| f.severity() <= crate::alerts::Severity::Low), "{:?}", ids(&r));
}

#[test]
fn malicious_release_is_blocked_with_the_code_alert_and_registry_alerts() {
    let server = serve(vec![Project {
        name: "canary-pkg",
        summary: "",
        releases: vec![("1.0", NOW - 2 * DAY)],
        sdist: sdist("canary-pkg", "1.0", &[("setup.py", CANARY_SETUP)]),
        lie_about_hash: false,
        page_patch: None,
        json_patch: None,
    }]);
    let r = vet_on(&server, "canary-pkg==1.0");
    assert_eq!(r.decision.verdict, Action::Block);
    let found = ids(&r);
    for id in ["install-network", "very-new-project", "few-releases"] {
        assert!(found.contains(&id), "{id} missing from {found:?}");
    }
    let net = r.findings.iter().find(|f| f.alert == AlertId::InstallNetwork).unwrap();
    assert_eq!(net.file, "canary-pkg-1.0.tar.gz:canary-pkg-1.0/setup.py");
    assert!(r.behaviour.iter().any(|b| b.capability == "install-time code" && b.contexts.contains(&"install")));
    assert!(r.recommendation.starts_with("Do not add"));
}

#[test]
fn hash_mismatch_fails_closed() {
    let server = serve(vec![Project {
        name: "tidy-numbers",
        summary: "x",
        releases: vec![("3.1.0", NOW - 400 * DAY)],
        sdist: sdist("tidy-numbers", "3.1.0", &[("setup.py", CLEAN_SETUP)]),
        lie_about_hash: true,
        page_patch: None,
        json_patch: None,
    }]);
    let r = vet_on(&server, "tidy-numbers");
    assert!(matches!(r.status, VetStatus::Error { .. }), "{:?}", r.status);
    assert!(r.is_unverified(), "a file whose hash does not match is never allowed");
}

#[test]
fn unknown_project_and_unreachable_index_are_never_allowed() {
    let server = serve(vec![]);
    let r = vet_on(&server, "nothing-here");
    assert!(matches!(r.status, VetStatus::NotFound { .. }), "{:?}", r.status);
    assert!(r.is_unverified());

    let dead = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        drop(l);
        format!("http://127.0.0.1:{port}/simple/")
    };
    let mut settings = IndexSettings::for_index(&dead);
    settings.retries = 0;
    let client = IndexClient::new(&settings).unwrap().with_backoff(std::time::Duration::from_millis(1));
    let gate = Gate::without_db(ScanOptions::default());
    let opts = VetOptions { client: Some(&client), gate: &gate, metadata: MetadataPolicy::default(), internal: InternalPolicy::default(), now_unix: NOW };
    let r = vet(&VetRequest::parse("tidy-numbers").unwrap(), &opts);
    match &r.status {
        VetStatus::Error { message, hint } => {
            assert!(message.contains("127.0.0.1"), "{message}");
            assert!(!hint.is_empty());
        }
        other => panic!("expected an error, got {other:?}"),
    }
    assert!(r.is_unverified());
}

#[test]
fn offline_checks_the_name_only() {
    let gate = Gate::without_db(ScanOptions::default());
    let opts = VetOptions { client: None, gate: &gate, metadata: MetadataPolicy::default(), internal: InternalPolicy::default(), now_unix: NOW };
    let squat = vet(&VetRequest::parse("djang0").unwrap(), &opts);
    assert_eq!(squat.decision.verdict, Action::Block);
    assert_eq!(squat.similar[0].name, "django");
    let fine = vet(&VetRequest::parse("flask").unwrap(), &opts);
    assert!(fine.is_unverified(), "offline is never a pass");
}

#[test]
fn request_specs_are_validated() {
    assert_eq!(VetRequest::parse("Requests==2.32.3").unwrap(), VetRequest { raw: "Requests==2.32.3".into(), name: "requests".into(), version: Some("2.32.3".into()) });
    assert!(matches!(VetRequest::parse("requests>=2"), Err(VetRequestError::NotOneRelease { op: ">", .. })));
    assert!(matches!(VetRequest::parse("../etc"), Err(VetRequestError::InvalidName { .. })));
    let e = VetRequest::parse("requests==").unwrap_err();
    assert_eq!(e.to_string(), "`requests==`: the version after == is empty");
    assert!(crate::error::Hint::hint(&e).contains("leave == out"));
}

fn acme_utils(version: &'static str) -> Project {
    Project {
        name: "acme-utils",
        summary: "Acme's shared helpers",
        releases: vec![("1.0.0", NOW - 700 * DAY), (version, NOW - 100 * DAY)],
        sdist: sdist("acme-utils", version, &[("setup.py", CLEAN_SETUP), ("acme_utils/__init__.py", CLEAN_INIT)]),
        lie_about_hash: false,
        page_patch: None,
        json_patch: None,
    }
}

/// vet with `--index-url public --extra-index-url internal` (the usual confusion setup).
fn vet_on_both(public: &TestServer, internal: &TestServer, rules: &[String], spec: &str) -> VetReport {
    let mut settings = IndexSettings::for_index(&public.url("/simple/"));
    settings.extra_index_urls = vec![internal.url("/simple/")];
    settings.retries = 0;
    let client = IndexClient::new(&settings).unwrap().with_backoff(std::time::Duration::from_millis(1));
    let internal = InternalPolicy::from_flags(rules).unwrap();
    let gate = Gate::without_db(ScanOptions::default());
    let opts = VetOptions { client: Some(&client), gate: &gate, metadata: MetadataPolicy::default(), internal, now_unix: NOW };
    vet(&VetRequest::parse(spec).unwrap(), &opts)
}

#[test]
fn internal_name_also_on_a_second_index_is_blocked_as_dependency_confusion() {
    let internal = serve(vec![acme_utils("1.2.0")]);
    let public = serve(vec![acme_utils("99.0.0")]);
    let rule = format!("acme-*={}", internal.url("/simple/"));
    let r = vet_on_both(&public, &internal, std::slice::from_ref(&rule), "acme-utils");
    assert_eq!(r.decision.verdict, Action::Block, "{:?}", ids(&r));
    let f = r.findings.iter().find(|f| f.alert == AlertId::DependencyConfusion).expect("dependency-confusion");
    assert!(f.message.contains(&public.url("/simple/")) && f.message.contains("`acme-*`"), "{}", f.message);
    assert!(r.recommendation.contains("pinned"), "{}", r.recommendation);
    assert!(!ids(&r).contains(&"ambiguous-index"));

    // Only the internal index has it: no confusion alert, the package is vetted as usual.
    let empty_public = serve(vec![]);
    let r = vet_on_both(&empty_public, &internal, &[rule], "acme-utils");
    assert!(!ids(&r).iter().any(|i| *i == "dependency-confusion" || *i == "ambiguous-index"), "{:?}", ids(&r));
    assert_eq!(r.status, VetStatus::Checked, "{:?}", r.status);
    assert_eq!(r.version.as_deref(), Some("1.2.0"));
}

#[test]
fn a_name_on_two_indexes_without_a_rule_is_to_be_investigated() {
    let internal = serve(vec![acme_utils("1.2.0")]);
    let public = serve(vec![acme_utils("99.0.0")]);
    let r = vet_on_both(&public, &internal, &[], "acme-utils");
    assert!(ids(&r).contains(&"ambiguous-index"), "{:?}", ids(&r));
    assert_eq!(r.decision.verdict, Action::Warn, "{:?}", ids(&r));
}

#[test]
fn an_index_that_cannot_be_asked_fails_the_confusion_check_closed() {
    let internal = TestServer::start(|_, _| Reply::status(503));
    let public = serve(vec![acme_utils("99.0.0")]);
    let rule = format!("acme-*={}", internal.url("/simple/"));
    let r = vet_on_both(&public, &internal, &[rule], "acme-utils");
    // The public copy is still reported, and the report is an error, never a pass.
    assert!(ids(&r).contains(&"dependency-confusion"), "{:?}", ids(&r));
    match &r.status {
        VetStatus::Error { hint, .. } => assert!(!hint.is_empty()),
        other => panic!("expected an error, got {other:?}"),
    }
}

/// Every registry-metadata alert fires on a crafted project served by the local index,
/// and the healthy project next to it raises none of them.
#[test]
fn every_metadata_alert_fires_through_the_local_index() {
    type Patch = Option<fn(&mut serde_json::Value)>;
    /// (alert, project, releases (version, upload time), page patch, release patch, policy)
    type Case = (&'static str, &'static str, Vec<(&'static str, i64)>, Patch, Patch, MetadataPolicy);
    let years = |n: i64| NOW - n * 365 * DAY;
    let long_history = vec![("1.0.0", years(6)), ("2.0.0", years(4)), ("3.0.0", years(2)), ("3.1.0", NOW - 40 * DAY)];
    let cases: Vec<Case> = vec![
        ("release-too-new", "fresh-release", vec![("1.0.0", years(3)), ("2.0.0", NOW - 3600)], None, None, MetadataPolicy::default()),
        ("very-new-project", "very-new", vec![("0.1.0", NOW - 5 * DAY), ("0.2.0", NOW - 3 * DAY)], None, None, MetadataPolicy::default()),
        ("new-project", "fairly-new", vec![("0.1.0", NOW - 200 * DAY), ("0.2.0", NOW - 100 * DAY)], None, None, MetadataPolicy::default()),
        ("few-releases", "one-shot", vec![("1.0.0", years(2))], None, None, MetadataPolicy::default()),
        ("unmaintained", "old-timer", vec![("1.0.0", years(6)), ("1.1.0", years(3))], None, None, MetadataPolicy::default()),
        ("yanked-release", "pulled", long_history.clone(), None, Some(|b| { b["info"]["yanked"] = true.into(); b["info"]["yanked_reason"] = "compromised upload".into(); }), MetadataPolicy::default()),
        ("project-quarantined", "quarantined", long_history.clone(), Some(|b| b["project-status"] = serde_json::json!({"status": "quarantined"})), None, MetadataPolicy::default()),
        ("project-archived", "archived", long_history.clone(), Some(|b| b["project-status"] = serde_json::json!({"status": "archived"})), None, MetadataPolicy::default()),
        ("project-deprecated", "deprecated", long_history.clone(), Some(|b| b["project-status"] = serde_json::json!({"status": "deprecated", "reason": "use tidy-numbers"})), None, MetadataPolicy::default()),
        ("inactive-project", "inactive", long_history.clone(), None, Some(|b| b["info"]["classifiers"] = serde_json::json!(["Development Status :: 7 - Inactive"])), MetadataPolicy::default()),
        ("limited-documentation", "undocumented", long_history.clone(), None, Some(|b| { b["info"]["description"] = "".into(); b["info"]["summary"] = "".into(); b["info"]["project_urls"] = serde_json::json!({}); }), MetadataPolicy::default()),
        ("license-missing", "no-licence", long_history.clone(), None, Some(|b| { b["info"]["license_expression"] = serde_json::Value::Null; }), MetadataPolicy::default()),
        ("license-unknown", "odd-licence", long_history.clone(), None, Some(|b| { b["info"]["license_expression"] = serde_json::Value::Null; b["info"]["license"] = "ACME Community License".into(); }), MetadataPolicy::default()),
        ("license-not-allowed", "copyleft", long_history.clone(), None, Some(|b| b["info"]["license_expression"] = "AGPL-3.0-or-later".into()), MetadataPolicy { licenses_denied: vec!["AGPL-3.0-only".into()], ..MetadataPolicy::default() }),
        ("known-vulnerability", "vulnerable", long_history.clone(), None, Some(|b| b["vulnerabilities"] = serde_json::json!([{"id": "PYSEC-2099-1", "aliases": ["CVE-2099-0001"], "summary": "bad", "fixed_in": ["9.9.9"], "link": "https://example.invalid", "withdrawn": null}])), MetadataPolicy::default()),
        ("small-user-base", "obscure", long_history.clone(), None, None, MetadataPolicy::default()),
    ];
    let mut covered: Vec<&str> = cases.iter().map(|c| c.0).collect();
    covered.sort_unstable();
    let mut catalogue: Vec<&str> = AlertId::ALL.iter().filter(|a| a.category() == crate::alerts::Category::Metadata).map(|a| a.id()).collect();
    catalogue.sort_unstable();
    assert_eq!(covered, catalogue, "every metadata alert in the catalogue has a case here");
    let mut projects = Vec::new();
    for (_, name, releases, page_patch, json_patch, _) in &cases {
        let latest = releases.last().unwrap().0;
        projects.push(Project {
            name,
            summary: "Small arithmetic helpers",
            releases: releases.clone(),
            sdist: sdist(name, latest, &[("setup.py", CLEAN_SETUP)]),
            lie_about_hash: false,
            page_patch: *page_patch,
            json_patch: *json_patch,
        });
    }
    projects.push(Project {
        name: "tidy-numbers",
        summary: "Small arithmetic helpers",
        releases: long_history.clone(),
        sdist: sdist("tidy-numbers", "3.1.0", &[("setup.py", CLEAN_SETUP)]),
        lie_about_hash: false,
        page_patch: None,
        json_patch: None,
    });
    let names: Vec<&'static str> = projects.iter().map(|p| p.name).collect();
    let server = serve(projects);
    let client = IndexClient::new(&IndexSettings::for_index(&server.url("/simple/"))).unwrap().with_backoff(std::time::Duration::from_millis(1));
    let vet_with = |name: &str, metadata: MetadataPolicy| {
        let gate = Gate::without_db(ScanOptions::default());
        let opts = VetOptions { client: Some(&client), gate: &gate, metadata, internal: InternalPolicy::default(), now_unix: NOW };
        vet(&VetRequest::parse(name).unwrap(), &opts)
    };
    for (alert, name, _, _, _, policy) in &cases {
        assert!(names.contains(name));
        let r = vet_with(name, policy.clone());
        assert_eq!(r.status, VetStatus::Checked, "{name}: {:?}", r.status);
        assert!(ids(&r).contains(alert), "{alert} did not fire for {name}: {:?}", ids(&r));
        let healthy = vet_with("tidy-numbers", policy.clone());
        assert!(!ids(&healthy).contains(alert) || *alert == "small-user-base", "{alert} fired on the healthy project");
    }
    let healthy = vet_with("tidy-numbers", MetadataPolicy::default());
    let metadata_alerts: Vec<&str> = healthy.findings.iter().filter(|f| f.alert.category() == crate::alerts::Category::Metadata).map(|f| f.alert.id()).collect();
    assert_eq!(metadata_alerts, vec!["small-user-base"], "a healthy project (outside the top list) raises only the informational user-base note");
}

/// A mirror without per-release JSON documents: a pinned older release keeps the project's
/// licence and description instead of being reported as undocumented and unlicensed.
#[test]
fn pinned_release_without_its_own_json_document_keeps_project_facts() {
    let server = serve(vec![Project {
        name: "tidy-numbers",
        summary: "Small arithmetic helpers",
        releases: vec![("1.0.0", NOW - 2000 * DAY), ("3.1.0", NOW - 40 * DAY)],
        sdist: sdist("tidy-numbers", "3.1.0", &[("setup.py", CLEAN_SETUP)]),
        lie_about_hash: false,
        page_patch: None,
        // The project document describes a newer release than the one pinned.
        json_patch: Some(|b| b["info"]["version"] = "4.0.0".into()),
    }]);
    let r = vet_on(&server, "tidy-numbers==3.1.0");
    assert_eq!(r.status, VetStatus::Checked, "{:?}", r.status);
    assert_eq!(r.version.as_deref(), Some("3.1.0"));
    let found = ids(&r);
    assert!(!found.contains(&"license-missing") && !found.contains(&"limited-documentation"), "{found:?}");
}

#[test]
fn files_are_judged_through_the_db_and_releases_seen_before_are_listed() {
    let server = serve(vec![Project {
        name: "tidy-numbers",
        summary: "Small arithmetic helpers",
        releases: vec![("3.0.0", NOW - 300 * DAY), ("3.1.0", NOW - 40 * DAY)],
        sdist: sdist("tidy-numbers", "3.1.0", &[("setup.py", CLEAN_SETUP), ("tidy_numbers/__init__.py", CLEAN_INIT)]),
        lie_about_hash: false,
        page_patch: None,
        json_patch: None,
    }]);
    let dir = tempfile::tempdir().unwrap();
    let db_path = dir.path().join("v.sqlite3");
    let gate = Gate::open(Some(&db_path), ScanOptions::default()).unwrap();
    let client = IndexClient::new(&IndexSettings::for_index(&server.url("/simple/"))).unwrap().with_backoff(std::time::Duration::from_millis(1));
    let req = VetRequest::parse("tidy-numbers").unwrap();
    let downloads = || server.requests().iter().filter(|r| r.path.starts_with("/files/")).count();

    let opts = VetOptions { client: Some(&client), gate: &gate, metadata: MetadataPolicy::default(), internal: InternalPolicy::default(), now_unix: NOW };
    let first = vet(&req, &opts);
    assert_eq!(first.status, VetStatus::Checked, "{:?}", first.status);
    assert!(first.seen.is_empty(), "{:?}", first.seen);
    assert_eq!(downloads(), 1);

    let second = vet(&req, &opts);
    assert_eq!(downloads(), 1, "the DB knew the file by the hash the index advertises");
    assert_eq!(second.decision, first.decision);
    assert_eq!(second.files[0].sha256, first.files[0].sha256);
    assert_eq!(second.seen.len(), 1);
    assert_eq!((second.seen[0].version.as_deref(), second.seen[0].verdict.as_str(), second.seen[0].files), (Some("3.1.0"), "allow", 1));
    assert!(render_terminal(&[second], false).contains("Seen before (verdict DB)"));

    // An advisory imported later blocks the release, offline too.
    let osv = r#"{"id": "MAL-2099-9", "affected": [{"package": {"ecosystem": "PyPI", "name": "tidy-numbers"}, "versions": ["3.1.0"]}]}"#;
    crate::db::Db::open(&db_path).unwrap().import_osv_bytes(osv.as_bytes(), "test").unwrap();
    let offline = VetOptions { client: None, gate: &gate, metadata: MetadataPolicy::default(), internal: InternalPolicy::default(), now_unix: NOW };
    let r = vet(&VetRequest::parse("tidy-numbers==3.1.0").unwrap(), &offline);
    assert_eq!(r.decision.verdict, Action::Block, "{:?}", ids(&r));
    assert!(ids(&r).contains(&"known-malware"));
    let online = vet(&req, &opts);
    assert_eq!(online.decision.verdict, Action::Block, "{:?}", ids(&online));
}

#[test]
fn similar_names_skip_only_names_that_cannot_be_similar() {
    // The bound in CloseNames changes nothing: the same list as comparing every popular name.
    let top = names::TopPackages::get();
    let every = |name: &str| -> Vec<String> {
        top.entries
            .iter()
            .filter(|p| p.name != name && (p.name.starts_with(&format!("{name}-")) || strsim::jaro_winkler(&p.name, name) >= SIMILAR_NAME))
            .take(5)
            .map(|p| p.name.clone())
            .collect()
    };
    let mut probes: Vec<String> = top.entries.iter().take(400).map(|p| p.name.clone()).collect();
    probes.extend(top.entries.iter().take(200).map(|p| format!("{}x", p.name)));
    probes.extend(top.entries.iter().take(200).map(|p| p.name.chars().rev().collect()));
    probes.extend(["a", "zz", "tidy-numbers", "amber-utils-12", "reqeusts-helper", "py", "x-lib", "ünïcode-name"].map(String::from));
    let mut nonempty = 0;
    for name in &probes {
        let got: Vec<String> = similar_packages(name, None).into_iter().map(|s| s.name).collect();
        assert_eq!(got, every(name), "{name}");
        nonempty += usize::from(!got.is_empty());
    }
    assert!(nonempty > 100, "the probes find similar names: {nonempty}");
}
