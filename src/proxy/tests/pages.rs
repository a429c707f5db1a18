//! Project pages: rewriting, negotiation, fields kept, hides, quarantine, upstream errors.

use super::*;

#[test]
fn json_page_rewrites_urls_and_keeps_every_other_field() {
    let fx = standard();
    let srv = fx.fixture.clone().serve();
    let p = proxy_for(&srv.url("/simple/"), Arc::new(ScanGate::default()), |_| {});
    let page = request(p.addr(), "GET", "/u/0/simple/demo/", &[("Accept", PIP_ACCEPT)]);
    assert_eq!(page.status, 200);
    assert_eq!(page.header("content-type"), Some(JSON_CT));
    let doc = page.json();
    assert_eq!(doc["x-extra"], "kept");
    assert_eq!(doc["versions"], serde_json::json!(["0.9", "1.0"]));
    let files = doc["files"].as_array().unwrap();
    assert_eq!(files.len(), 2);
    let (sd, wh) = (&files[0], &files[1]);
    for f in files {
        let url = f["url"].as_str().unwrap();
        assert!(url.starts_with("/u/0/f/demo/"), "{url}");
        assert!(url.ends_with(&format!("/{}", f["filename"].as_str().unwrap())), "{url}");
        assert!(f.get("provenance").is_none(), "upstream provenance URL must not leak");
    }
    assert_eq!(sd["hashes"]["sha256"], sha256_hex(&fx.demo_sdist.1));
    assert_eq!(sd["requires-python"], ">=3.8");
    assert_eq!(sd["yanked"], "broken build");
    assert_eq!(sd["size"], fx.demo_sdist.1.len());
    assert_eq!(sd["upload-time"], "2020-01-02T03:04:05Z");
    assert_eq!(sd["x-file-extra"], 7);
    assert!(sd.get("core-metadata").is_none(), "sdists have no metadata file");
    assert_eq!(wh["hashes"]["sha256"], sha256_hex(&fx.demo_whl.1));
    assert_eq!(wh["core-metadata"], true, "wheels always advertise metadata");
    assert_eq!(wh["dist-info-metadata"], true);
    assert!(wh.get("yanked").is_none());

    // `/simple/<name>/` is upstream 0.
    let same = request(p.addr(), "GET", "/simple/demo/", &[("Accept", PIP_ACCEPT)]);
    assert_eq!(same.json(), doc);
}

#[test]
fn html_when_asked_with_hash_fragments_and_data_attributes() {
    let fx = standard();
    let srv = fx.fixture.clone().serve();
    let p = proxy_for(&srv.url("/simple/"), Arc::new(ScanGate::default()), |_| {});
    let page = request(p.addr(), "GET", "/u/0/simple/demo/", &[("Accept", "text/html")]);
    assert_eq!(page.status, 200);
    assert_eq!(page.header("content-type"), Some("text/html"));
    let html = page.text();
    let whl_sha = sha256_hex(&fx.demo_whl.1);
    assert!(html.contains(&format!("{}#sha256={whl_sha}\"", fx.demo_whl.0)), "{html}");
    assert!(html.contains("data-requires-python=\"&gt;=3.8\""), "{html}");
    assert!(html.contains("data-yanked=\"broken build\""), "{html}");
    assert!(html.contains("data-core-metadata=\"true\" data-dist-info-metadata=\"true\""), "{html}");
    assert!(!html.contains(&srv.addr.to_string()), "no upstream address in the page: {html}");
    // The index module parses our HTML back into the same files.
    let base = url::Url::parse(&format!("{}/u/0/simple/demo/", p.url())).unwrap();
    let parsed = crate::index::simple::parse_html(&html, &base, "demo").unwrap();
    assert_eq!(parsed.files.len(), 2);
    assert_eq!(parsed.files[1].hashes.get("sha256"), Some(&whl_sha));
    assert_eq!(parsed.files[0].yanked.as_deref(), Some("broken build"));
    // No Accept header at all: HTML (PEP 691's default).
    assert!(get(&p, "/u/0/simple/demo/").text().starts_with("<!DOCTYPE html>"));
}

#[test]
fn html_upstream_answered_as_json() {
    let fx = standard();
    let srv = fx.fixture.clone().serve();
    let p = proxy_for(&srv.url("/simple/"), Arc::new(ScanGate::default()), |_| {});
    let doc = request(p.addr(), "GET", "/u/0/simple/evil/", &[("Accept", PIP_ACCEPT)]).json();
    let f = &doc["files"][0];
    assert_eq!(f["filename"], fx.evil.0);
    assert_eq!(f["hashes"]["sha256"], sha256_hex(&fx.evil.1));
    assert_eq!(f["requires-python"], ">=3.6");
    assert_eq!(doc["name"], "evil");
}

#[test]
fn hidden_files_are_yanked_with_the_reason() {
    let fx = standard();
    let srv = fx.fixture.clone().serve();
    let gate = Arc::new(ScriptedGate::default());
    gate.hide.lock().unwrap().insert(fx.demo_whl.0.clone(), "safe-pip: too new".into());
    let p = proxy_for(&srv.url("/simple/"), gate.clone(), |_| {});
    let doc = request(p.addr(), "GET", "/u/0/simple/demo/", &[("Accept", PIP_ACCEPT)]).json();
    assert_eq!(doc["files"][1]["yanked"], "safe-pip: too new");
    assert_eq!(doc["files"][0]["yanked"], "broken build", "upstream yanks stay");
    let html = request(p.addr(), "GET", "/u/0/simple/demo/", &[("Accept", "text/html")]).text();
    assert!(html.contains("data-yanked=\"safe-pip: too new\""), "{html}");
    assert!(gate.judged.lock().unwrap().is_empty(), "listing a page downloads nothing");
}

#[test]
fn quarantined_projects_list_no_files_and_serve_none() {
    let mut fx = Fixture::default();
    let (name, bytes, _) = wheel("held", "1.0", &[("held/__init__.py", "")]);
    fx.file(&format!("/files/{name}"), bytes.clone());
    let mut doc = page_doc("held", &[(&name, &bytes)]);
    doc["project-status"] = serde_json::json!({"status": "quarantined", "reason": "malware report"});
    doc["meta"]["api-version"] = serde_json::json!("1.4");
    fx.json_page("held", doc);
    let srv = fx.serve();
    let p = proxy_for(&srv.url("/simple/"), Arc::new(ScanGate::default()), |_| {});
    let doc = request(p.addr(), "GET", "/u/0/simple/held/", &[("Accept", PIP_ACCEPT)]).json();
    assert_eq!(doc["files"], serde_json::json!([]));
    assert_eq!(doc["project-status"]["status"], "quarantined");
    let html = get(&p, "/u/0/simple/held/").text();
    assert!(html.contains("content=\"quarantined\"") && !html.contains("<a "), "{html}");
    // Even a well-formed URL for the file is refused: upstream's page offers nothing.
    let f = crate::proxy::urls::FileRef::new("held", Some(&sha256_hex(&bytes)), "", &name);
    assert_eq!(get(&p, &f.path(0)).status, 404);
    assert_eq!(hits(&srv, &format!("/files/{name}")), 0);
}

#[test]
fn unknown_project_is_404_and_upstream_failure_is_502_with_reason() {
    let mut fx = standard().fixture;
    fx.fail.insert("/simple/flaky/".into(), 503);
    let srv = fx.serve();
    let p = proxy_for(&srv.url("/simple/"), Arc::new(ScanGate::default()), |_| {});
    assert_eq!(get(&p, "/u/0/simple/nothing-here/").status, 404);
    let r = get(&p, "/u/0/simple/flaky/");
    assert_eq!(r.status, 502);
    assert!(r.reason.starts_with("Bad Gateway from safe-pip: cannot read project flaky:"), "{}", r.reason);
    assert!(r.reason.contains("HTTP 503"), "{}", r.reason);
    assert_eq!(p.problems(), vec![r.reason.clone()], "kept for wrappers: pip does not show it");
    let retried = get(&p, "/u/0/simple/flaky/");
    assert_eq!((retried.status, retried.reason), (502, r.reason.clone()));
    assert_eq!(hits(&srv, "/simple/flaky/"), 1, "an immediate client retry is answered from memory");
    assert_eq!(get(&p, "/u/7/simple/demo/").status, 404, "no such upstream");
    assert_eq!(get(&p, "/u/0/simple/..%2Fetc/").status, 404);
}

#[test]
fn several_upstreams_each_have_their_route() {
    let a = standard().fixture.serve();
    let mut other = Fixture::default();
    let (name, bytes, _) = wheel("onlyb", "1.0", &[("onlyb/__init__.py", "")]);
    other.file(&format!("/files/{name}"), bytes.clone());
    other.json_page("onlyb", page_doc("onlyb", &[(&name, &bytes)]));
    let b = other.serve();
    let mut s = IndexSettings::for_index(&a.url("/simple/"));
    s.extra_index_urls = vec![b.url("/simple/")];
    s.retries = 0;
    let p = start(ProxyConfig::new(s, Arc::new(ScanGate::default()))).unwrap();
    assert_eq!(p.index_url(1), format!("{}/u/1/simple/", p.url()));
    assert_eq!(get(&p, "/u/0/simple/onlyb/").status, 404, "upstream 0 does not have it");
    let doc = request(p.addr(), "GET", "/u/1/simple/onlyb/", &[("Accept", PIP_ACCEPT)]).json();
    let url = doc["files"][0]["url"].as_str().unwrap().to_string();
    assert!(url.starts_with("/u/1/f/onlyb/"), "{url}");
    assert_eq!(get(&p, &url).body, bytes);
    assert_eq!(hits(&a, &format!("/files/{name}")), 0);
}

#[test]
fn a_refused_project_is_served_from_no_upstream_that_the_gate_refuses() {
    let fx = standard();
    let srv = fx.fixture.clone().serve();
    let gate = Arc::new(ScriptedGate::default());
    let p = proxy_for(&srv.url("/simple/"), gate.clone(), |_| {});
    let url = file_urls(&p, "demo")[&fx.demo_whl.0].clone();
    gate.refuse.lock().unwrap().push((0, "demo".into()));
    let page = request(p.addr(), "GET", "/u/0/simple/Demo/", &[("Accept", PIP_ACCEPT)]);
    assert_eq!(page.status, 404);
    assert!(page.reason.contains("internal name offered by another index"), "{}", page.reason);
    assert_eq!(get(&p, &url).status, 404, "its files are refused too, even from an earlier page");
    assert_eq!(hits(&srv, &format!("/files/{}", fx.demo_whl.0)), 0);
    assert!(p.problems().iter().any(|l| l.starts_with("demo is not served from")), "{:?}", p.problems());
}

/// A wheel fixture: file name, bytes, METADATA.
type Wheel = (String, Vec<u8>, String);

/// `twover`: 1.0 clean, 2.0 runs decoded code on import (blocked).
fn two_versions() -> (Fixture, Wheel, Wheel) {
    let mut fx = Fixture::default();
    let old = wheel("twover", "1.0", &[("twover/__init__.py", "X = 1\n")]);
    let new = wheel("twover", "2.0", &[("twover/__init__.py", DECODE_EXEC_INIT)]);
    for w in [&old, &new] {
        fx.file(&format!("/files/{}", w.0), w.1.clone());
    }
    fx.json_page("twover", page_doc("twover", &[(&old.0, &old.1), (&new.0, &new.1)]));
    (fx, old, new)
}

fn json_page(p: &RunningProxy, project: &str) -> serde_json::Value {
    let r = request(p.addr(), "GET", &format!("/u/0/simple/{project}/"), &[("Accept", PIP_ACCEPT)]);
    assert_eq!(r.status, 200, "{}", r.reason);
    r.json()
}

fn assert_blocked_yank(file: &serde_json::Value) {
    let yanked = file["yanked"].as_str().unwrap_or_default();
    assert!(yanked.starts_with("blocked by safe-pip: decode-exec: "), "{file}");
    assert!(yanked.ends_with("(safe-pip explain decode-exec)"), "{file}");
}

#[test]
fn files_the_verdict_db_knows_are_blocked_are_yanked_with_the_reason() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("verdicts.sqlite3");
    let db_gate = || -> Arc<dyn FileGate> {
        let gate = crate::gate::Gate::open(Some(&db), crate::pipeline::ScanOptions::default()).unwrap();
        Arc::new(crate::proxy::DbGate::new(Arc::new(gate), crate::analysis::metadata::MetadataPolicy::default()))
    };
    let (fx, old, new) = two_versions();
    let srv = fx.serve();
    let new_path = format!("/files/{}", new.0);

    // First install: nothing is known yet, so 2.0 is listed and refused when fetched.
    let p = proxy_for(&srv.url("/simple/"), db_gate(), |_| {});
    let first = json_page(&p, "twover");
    assert!(first["files"].as_array().unwrap().iter().all(|f| f.get("yanked").is_none()), "{first}");
    let new_url = first["files"][1]["url"].as_str().unwrap().to_string();
    let refused = get(&p, &new_url);
    assert_eq!(refused.status, 403);
    assert!(refused.reason.contains("decode-exec"), "{}", refused.reason);
    p.stop();

    // Any later proxy on the same DB (a restarted service, the next install): 2.0 is
    // yanked with the reason before anything is downloaded; 1.0 is not.
    let p = proxy_for(&srv.url("/simple/"), db_gate(), |_| {});
    let later = json_page(&p, "twover");
    assert_eq!(later["files"][1]["filename"], new.0);
    assert_blocked_yank(&later["files"][1]);
    assert_eq!(later["files"][0]["filename"], old.0);
    assert!(later["files"][0].get("yanked").is_none(), "{later}");
    let html = request(p.addr(), "GET", "/u/0/simple/twover/", &[("Accept", "text/html")]).text();
    assert_eq!(html.matches("data-yanked=\"blocked by safe-pip: decode-exec: ").count(), 1, "{html}");
    // An exact pin still asks for it: a 403 from the DB verdict, no second download.
    assert_eq!(get(&p, &new_url).status, 403);
    assert_eq!(hits(&srv, &new_path), 1);
    // The older version is served.
    assert_eq!(get(&p, later["files"][0]["url"].as_str().unwrap()).status, 200);
}

#[test]
fn files_this_proxy_blocked_are_yanked_whatever_the_gate_remembers() {
    // A gate that remembers nothing itself: the proxy's own verdicts yank the file.
    let (fx, _, new) = two_versions();
    let srv = fx.serve();
    let gate = Arc::new(ScriptedGate::default());
    let p = proxy_for(&srv.url("/simple/"), gate.clone(), |_| {});
    let urls = file_urls(&p, "twover");
    assert_eq!(get(&p, &urls[&new.0]).status, 403);
    assert!(gate.known.lock().unwrap().is_empty());
    let again = json_page(&p, "twover");
    assert_blocked_yank(&again["files"][1]);
    assert!(again["files"][0].get("yanked").is_none(), "{again}");
}
