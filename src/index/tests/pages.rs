//! Project pages: PEP 691 JSON with every optional field, PEP 503 HTML, a bare mirror.

use super::client_for;
use super::server::{Reply, TestServer};
use crate::index::simple::ACCEPT;
use crate::index::{CoreMetadata, ProjectStatus};

const JSON_CT: &str = "application/vnd.pypi.simple.v1+json";

#[test]
fn json_page_with_pep_658_700_708_792_fields() {
    let body = r#"{
      "meta": {"api-version": "1.4", "tracks": ["https://upstream.example/simple/demo-pkg/"]},
      "name": "Demo-Pkg",
      "project-status": {"status": "deprecated", "reason": "use demo2"},
      "alternate-locations": ["https://mirror.example/simple/demo-pkg/"],
      "versions": ["0.9", "1.0"],
      "files": [
        {"filename": "demo_pkg-1.0-py3-none-any.whl",
         "url": "../../files/demo_pkg-1.0-py3-none-any.whl",
         "hashes": {"sha256": "AABB", "blake2b_256": "ccdd"},
         "requires-python": ">=3.8", "yanked": "broken build",
         "upload-time": "2025-01-02T03:04:05.123456Z", "size": 1234,
         "core-metadata": {"sha256": "eeff"}, "dist-info-metadata": {"sha256": "eeff"}},
        {"filename": "demo-pkg-1.0.tar.gz", "url": "https://files.example/demo-pkg-1.0.tar.gz#sha256=0011",
         "hashes": {}, "yanked": true, "dist-info-metadata": true},
        {"filename": "demo-pkg-0.9.tar.gz", "url": "/files/demo-pkg-0.9.tar.gz",
         "hashes": {"sha256": "2233"}, "yanked": false, "core-metadata": false, "unknown-key": 1}
      ]}"#;
    let srv = TestServer::start(move |r, _| {
        if r.path == "/simple/demo-pkg/" { Reply::ok(JSON_CT, body) } else { Reply::status(404) }
    });
    let c = client_for(&srv.url("/simple/"), &[]);
    let page = c.project("Demo.Pkg").unwrap().expect("page");
    let reqs = srv.requests();
    assert_eq!(reqs.len(), 1);
    assert_eq!((reqs[0].method.as_str(), reqs[0].path.as_str()), ("GET", "/simple/demo-pkg/"));
    assert_eq!(reqs[0].header("accept"), Some(ACCEPT));
    assert!(reqs[0].header("user-agent").unwrap_or_default().starts_with("safe-pip/"));

    assert_eq!(page.name, "Demo-Pkg");
    assert_eq!(page.api_version, "1.4");
    assert_eq!(page.versions, vec!["0.9", "1.0"]);
    assert!(page.versions_from_index);
    assert_eq!(page.status, Some(ProjectStatus { status: "deprecated".into(), reason: Some("use demo2".into()) }));
    assert_eq!(page.tracks, vec!["https://upstream.example/simple/demo-pkg/"]);
    assert_eq!(page.alternate_locations, vec!["https://mirror.example/simple/demo-pkg/"]);
    assert_eq!(page.files.len(), 3);

    let w = &page.files[0];
    assert_eq!(w.url, srv.url("/files/demo_pkg-1.0-py3-none-any.whl"));
    assert_eq!(w.hashes.get("sha256").map(String::as_str), Some("aabb"));
    assert_eq!(w.hashes.get("blake2b_256").map(String::as_str), Some("ccdd"));
    assert_eq!(w.requires_python.as_deref(), Some(">=3.8"));
    assert_eq!(w.yanked.as_deref(), Some("broken build"));
    assert_eq!(w.upload_time.as_deref(), Some("2025-01-02T03:04:05.123456Z"));
    assert_eq!(w.size, Some(1234));
    assert_eq!(w.core_metadata.as_ref().and_then(|m| m.hashes.get("sha256")).map(String::as_str), Some("eeff"));
    assert_eq!(w.metadata_url(), Some(format!("{}.metadata", w.url)));
    assert_eq!(w.version("demo-pkg").as_deref(), Some("1.0"));

    let s = &page.files[1];
    assert_eq!(s.url, "https://files.example/demo-pkg-1.0.tar.gz");
    assert_eq!(s.hashes.get("sha256").map(String::as_str), Some("0011"), "hash taken from the fragment");
    assert_eq!(s.yanked.as_deref(), Some(""));
    assert_eq!(s.core_metadata, Some(CoreMetadata::default()), "legacy dist-info-metadata: true");
    assert_eq!(s.version("Demo_Pkg").as_deref(), Some("1.0"));

    let old = &page.files[2];
    assert_eq!(old.url, srv.url("/files/demo-pkg-0.9.tar.gz"));
    assert_eq!(old.yanked, None);
    assert_eq!(old.core_metadata, None);
}

#[test]
fn html_page_entities_relative_urls_yanked_and_meta() {
    let html = r#"<!DOCTYPE html>
<html><head>
<meta name="pypi:repository-version" content="1.1">
<meta name="pypi:project-status" content="archived">
<meta name="pypi:project-status-reason" content="moved &amp; frozen">
<title>Links for demo</title></head>
<body>
<h1>Links for demo</h1>
<!-- <a href="/evil/commented-0.0.tar.gz">commented-0.0.tar.gz</a> -->
<a href="../../files/demo-1.0.tar.gz#sha256=ABCDEF" data-requires-python="&gt;=3.8,&lt;4" data-yanked="">demo-1.0.tar.gz</a><br/>
<A HREF='/files/demo-1.1-py3-none-any.whl?x=1&amp;y=2#sha256=0123' data-core-metadata="sha256=4567" data-dist-info-metadata="sha256=4567" data-yanked="bad &quot;release&quot; &#8212; see #12">demo-1.1-py3-none-any.whl</A>
<a href=https://cdn.example/demo-1.2.zip data-dist-info-metadata=true>demo-1.2.zip</a>
<a>no href</a>
</body></html>"#;
    let srv = TestServer::start(move |r, _| {
        if r.path == "/simple/demo/" { Reply::ok("text/html; charset=utf-8", html) } else { Reply::status(404) }
    });
    let c = client_for(&srv.url("/simple"), &[]);
    let page = c.project("demo").unwrap().expect("page");
    assert_eq!(page.name, "demo");
    assert_eq!(page.api_version, "1.1");
    assert_eq!(page.status, Some(ProjectStatus { status: "archived".into(), reason: Some("moved & frozen".into()) }));
    assert_eq!(page.files.len(), 3, "{:#?}", page.files);
    assert_eq!(page.versions, vec!["1.0", "1.1", "1.2"]);
    assert!(!page.versions_from_index);

    let a = &page.files[0];
    assert_eq!(a.filename, "demo-1.0.tar.gz");
    assert_eq!(a.url, srv.url("/files/demo-1.0.tar.gz"));
    assert_eq!(a.hashes.get("sha256").map(String::as_str), Some("abcdef"));
    assert_eq!(a.requires_python.as_deref(), Some(">=3.8,<4"));
    assert_eq!(a.yanked.as_deref(), Some(""), "data-yanked without a reason");
    assert_eq!(a.core_metadata, None);

    let b = &page.files[1];
    assert_eq!(b.url, srv.url("/files/demo-1.1-py3-none-any.whl?x=1&y=2"));
    assert_eq!(b.yanked.as_deref(), Some("bad \"release\" \u{2014} see #12"));
    assert_eq!(b.core_metadata.as_ref().and_then(|m| m.hashes.get("sha256")).map(String::as_str), Some("4567"));
    assert_eq!(b.upload_time, None);

    let z = &page.files[2];
    assert_eq!(z.url, "https://cdn.example/demo-1.2.zip");
    assert_eq!(z.core_metadata, Some(CoreMetadata::default()));
}

#[test]
fn mirror_without_optional_fields_and_without_json_api() {
    // api-version 1.1 as a typical mirror serves it: no core-metadata, no status, no versions.
    let body = r#"{"meta":{"api-version":"1.1"},"name":"requests","files":[
      {"filename":"requests-2.32.0-py3-none-any.whl","url":"https://m.example/p/requests-2.32.0-py3-none-any.whl",
       "hashes":{"sha256":"aa"},"requires-python":">=3.8","size":10,"upload-time":"2024-05-20T00:00:00Z",
       "yanked":"Yanked due to conflicts with CVE-2024-35195 mitigation"},
      {"filename":"requests-2.32.3.tar.gz","url":"https://m.example/p/requests-2.32.3.tar.gz",
       "hashes":{"sha256":"bb"},"requires-python":">=3.8","size":11,"upload-time":"2024-05-29T00:00:00Z","yanked":false}]}"#;
    let srv = TestServer::start(move |r, _| {
        if r.path == "/simple/requests/" {
            Reply::ok("application/vnd.pypi.simple.v1+json", body)
        } else {
            Reply::status(404) // no /pypi/<name>/json on this mirror
        }
    });
    let c = client_for(&srv.url("/simple/"), &[]);
    let page = c.project("requests").unwrap().expect("page");
    assert_eq!(page.api_version, "1.1");
    assert_eq!(page.status, None);
    assert_eq!(page.versions, vec!["2.32.0", "2.32.3"]);
    assert!(!page.versions_from_index);
    assert!(page.files.iter().all(|f| f.core_metadata.is_none()));
    assert!(page.files[0].yanked.as_deref().unwrap_or_default().contains("CVE-2024-35195"));

    assert!(c.json_project("requests").unwrap().is_none());
    assert!(c.json_release("requests", "2.32.3").unwrap().is_none());
    let paths: Vec<String> = srv.requests().into_iter().map(|r| r.path).collect();
    assert_eq!(paths, vec!["/simple/requests/", "/pypi/requests/json", "/pypi/requests/2.32.3/json"]);
}

#[test]
fn unknown_project_on_every_index_is_none_and_bad_pages_are_errors() {
    let srv = TestServer::start(|r, _| match r.path.as_str() {
        "/simple/future/" => Reply::ok("application/vnd.pypi.simple.v1+json", r#"{"meta":{"api-version":"2.0"},"name":"future","files":[]}"#),
        "/simple/garbage/" => Reply::ok("application/vnd.pypi.simple.v1+json", "{not json"),
        _ => Reply::status(404),
    });
    let c = client_for(&srv.url("/simple/"), &[]);
    assert!(c.project("nothing-here").unwrap().is_none());
    let e = c.project("future").unwrap_err();
    assert!(e.to_string().contains("major version 2"), "{e}");
    let e = c.project("garbage").unwrap_err();
    assert!(matches!(e, crate::index::IndexError::Parse { .. }), "{e:?}");
    let e = c.project("../etc/passwd").unwrap_err();
    assert!(matches!(e, crate::index::IndexError::InvalidName { .. }), "{e:?}");
}
