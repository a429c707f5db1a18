//! Client behaviour: JSON API, downloads and hashes, retries, errors, credentials, offline.

use crate::error::Hint;
use super::server::{Reply, TestServer};
use super::{client_for, sha256_hex};
use crate::index::{FileEntry, IndexClient, IndexError, IndexSettings, redact};
use std::collections::BTreeMap;
use std::time::Duration;

fn entry(url: String, filename: &str, sha256: Option<String>, size: Option<u64>) -> FileEntry {
    FileEntry {
        filename: filename.into(),
        url,
        hashes: sha256.map(|h| BTreeMap::from([("sha256".to_string(), h)])).unwrap_or_default(),
        requires_python: None,
        yanked: None,
        upload_time: None,
        size,
        core_metadata: None,
    }
}

#[test]
fn json_api_typed_views() {
    let project = r#"{"info":{"name":"Demo","version":"1.1","summary":"s","description":"d","license":null,
      "license_expression":"MIT","classifiers":["License :: OSI Approved :: MIT License"],"home_page":"",
      "project_urls":{"Source":"https://src.example/demo"},"author":"A","maintainer":null,
      "requires_dist":["requests>=2"],"yanked":false,"yanked_reason":null},
      "last_serial":42,
      "releases":{"1.0":[{"filename":"demo-1.0.tar.gz","url":"https://f.example/demo-1.0.tar.gz","packagetype":"sdist",
         "size":5,"upload_time_iso_8601":"2020-01-01T00:00:00.000000Z","yanked":true,"yanked_reason":"bad",
         "digests":{"sha256":"ab","md5":"cd"}}],"1.1":[]},
      "urls":[],
      "vulnerabilities":[{"id":"PYSEC-1","aliases":["CVE-1"],"summary":"x","fixed_in":["1.1"],"link":"https://osv.dev/PYSEC-1"}]}"#;
    let release = r#"{"info":{"name":"Demo","version":"1.0","yanked":true,"yanked_reason":"bad"},"urls":[{"filename":"demo-1.0.tar.gz","url":"u","digests":{"sha256":"ab"},"packagetype":"sdist"}],"vulnerabilities":[]}"#;
    let srv = TestServer::start(move |r, _| match r.path.as_str() {
        "/pypi/demo/json" => Reply::ok("application/json", project),
        "/pypi/demo/1.0/json" => Reply::ok("application/json", release),
        _ => Reply::status(404),
    });
    let c = client_for(&srv.url("/simple/"), &[]);
    let p = c.json_project("Demo").unwrap().expect("project");
    assert_eq!(p.info.name.as_deref(), Some("Demo"));
    assert_eq!(p.info.license_expression.as_deref(), Some("MIT"));
    assert_eq!(p.info.license, None);
    assert_eq!(p.info.classifiers.len(), 1);
    assert_eq!(p.info.project_urls.get("Source").map(String::as_str), Some("https://src.example/demo"));
    assert_eq!(p.info.requires_dist, vec!["requests>=2"]);
    assert_eq!(p.last_serial, Some(42));
    let f = &p.releases["1.0"][0];
    assert!(f.yanked);
    assert_eq!(f.yanked_reason.as_deref(), Some("bad"));
    assert_eq!(f.packagetype.as_deref(), Some("sdist"));
    assert_eq!(f.digests.get("sha256").map(String::as_str), Some("ab"));
    assert_eq!(f.upload_time_iso_8601.as_deref(), Some("2020-01-01T00:00:00.000000Z"));
    assert!(p.releases["1.1"].is_empty());
    assert_eq!(p.vulnerabilities[0].aliases, vec!["CVE-1"]);
    assert_eq!(p.vulnerabilities[0].fixed_in, vec!["1.1"]);
    assert_eq!(p.info.author.as_deref(), Some("A"));

    let r = c.json_release("demo", "1.0").unwrap().expect("release");
    assert!(r.info.yanked);
    assert!(r.releases.is_empty());
    assert_eq!(r.urls.len(), 1);
    assert!(c.json_project("absent").unwrap().is_none());
    assert!(matches!(c.json_release("demo", "1.0/../x"), Err(IndexError::InvalidName { .. })));
}

#[test]
fn download_verifies_hash_and_refuses_mismatch() {
    let data = b"PK\x03\x04 pretend wheel".to_vec();
    let served = data.clone();
    let srv = TestServer::start(move |r, _| {
        if r.path.starts_with("/files/") { Reply::ok("application/octet-stream", served.clone()) } else { Reply::status(404) }
    });
    let c = client_for(&srv.url("/simple/"), &[]);
    let good = entry(srv.url("/files/a-1.0-py3-none-any.whl"), "a-1.0-py3-none-any.whl", Some(sha256_hex(&data)), Some(data.len() as u64));
    let d = c.download(&good, 1 << 20).unwrap();
    assert_eq!(d.bytes, data);
    assert_eq!(d.sha256, sha256_hex(&data));
    assert_eq!(d.verified, vec!["sha256"]);
    let req = &srv.requests()[0];
    assert_eq!(req.header("accept-encoding"), Some("identity"));

    let bad = entry(good.url.clone(), &good.filename, Some("00".repeat(32)), None);
    let e = c.download(&bad, 1 << 20).unwrap_err();
    match &e {
        IndexError::HashMismatch { file, algorithm, expected, got } => {
            assert_eq!(file, "a-1.0-py3-none-any.whl");
            assert_eq!(algorithm, "sha256");
            assert_eq!(expected, &"00".repeat(32));
            assert_eq!(got, &sha256_hex(&data));
        }
        other => panic!("expected a hash mismatch, got {other:?}"),
    }
    assert!(e.render().contains("hint:"));

    // No advertised hash: the bytes come back, marked as unverified.
    let unhashed = entry(good.url.clone(), &good.filename, None, None);
    assert!(c.download(&unhashed, 1 << 20).unwrap().verified.is_empty());
}

#[test]
fn size_limits() {
    let srv = TestServer::start(|_, _| Reply::ok("application/octet-stream", vec![7u8; 4096]));
    let c = client_for(&srv.url("/simple/"), &[]);
    let advertised = entry(srv.url("/f/x-1.tar.gz"), "x-1.tar.gz", None, Some(10_000));
    assert!(matches!(c.download(&advertised, 1000), Err(IndexError::TooLarge { size: Some(10_000), .. })));
    assert!(srv.requests().is_empty(), "an advertised size over the limit is refused without a request");
    let unadvertised = entry(srv.url("/f/x-1.tar.gz"), "x-1.tar.gz", None, None);
    assert!(matches!(c.download(&unadvertised, 1000), Err(IndexError::TooLarge { .. })));
    let page_limited = client_for(&srv.url("/simple/"), &[]).with_page_limit(100);
    assert!(matches!(page_limited.project("x"), Err(IndexError::TooLarge { .. })));
}

#[test]
fn retries_5xx_then_succeeds_and_gives_up_when_bounded() {
    let srv = TestServer::start(|_, n| {
        if n < 2 { Reply::status(503) } else { Reply::ok("text/html", "<a href='/f/ok-1.0.tar.gz'>ok-1.0.tar.gz</a>") }
    });
    let c = client_for(&srv.url("/simple/"), &[]);
    let page = c.project("ok").unwrap().expect("page after two 503s");
    assert_eq!(page.files.len(), 1);
    assert_eq!(srv.requests().len(), 3);

    let always = TestServer::start(|_, _| Reply::status(503));
    let c = client_for(&always.url("/simple/"), &[]);
    let e = c.project("ok").unwrap_err();
    assert!(matches!(e, IndexError::Http { status: 503, .. }), "{e:?}");
    assert_eq!(always.requests().len(), 3, "1 try + retries = 2");

    let forbidden = TestServer::start(|_, _| Reply::status(403));
    let c = client_for(&forbidden.url("/simple/"), &[]);
    let e = c.project("ok").unwrap_err();
    assert!(matches!(e, IndexError::Http { status: 403, .. }));
    assert!(e.hint().contains("credentials"));
    assert_eq!(forbidden.requests().len(), 1, "4xx is not retried");
}

#[test]
fn unreachable_index_names_url_without_credentials_and_hints() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    }; // closed again: connections are refused
    let url = format!("http://user:secret@127.0.0.1:{port}/simple/");
    let mut s = IndexSettings::for_index(&url);
    s.retries = 1;
    let c = IndexClient::new(&s).unwrap().with_backoff(Duration::from_millis(5));
    let e = c.project("requests").unwrap_err();
    assert!(matches!(e, IndexError::Unreachable { .. }), "{e:?}");
    let shown = format!("{} | {:?}", e.render(), e);
    assert!(!shown.contains("secret"), "{shown}");
    assert!(shown.contains(&format!("127.0.0.1:{port}/simple/requests/")), "{shown}");
    assert!(shown.contains("hint: check your network"), "{shown}");
    assert!(shown.to_ascii_lowercase().contains("refused"), "{shown}");
    let each = c.project_on_each_index("requests");
    assert_eq!(each.len(), 1);
    assert!(!each[0].0.contains("secret") && !each[0].0.contains("user"));
}

#[test]
fn netrc_and_userinfo_credentials_sent_as_basic_auth_to_their_host_only() {
    use base64::Engine;
    let expect_netrc = format!("Basic {}", base64::engine::general_purpose::STANDARD.encode("alice:s3cret"));
    let expect_userinfo = format!("Basic {}", base64::engine::general_purpose::STANDARD.encode("bob:p@ss"));
    let files = TestServer::start(|_, _| Reply::ok("application/octet-stream", b"bytes".to_vec()));
    let files_url = files.url("/f/priv-1.0.tar.gz").replace("127.0.0.1", "localhost");
    let page = format!("<a href='{files_url}'>priv-1.0.tar.gz</a>");
    let (en, eu) = (expect_netrc.clone(), expect_userinfo.clone());
    let srv = TestServer::start(move |r, _| {
        let auth = r.header("authorization").unwrap_or_default();
        match r.path.as_str() {
            "/netrc/simple/priv/" if auth == en => Reply::ok("text/html", page.clone()),
            "/userinfo/simple/priv/" if auth == eu => Reply::ok("text/html", "<a href='p-1.tar.gz'>p-1.tar.gz</a>"),
            _ => Reply::status(401),
        }
    });
    let dir = tempfile::tempdir().unwrap();
    let netrc = dir.path().join("netrc");
    std::fs::write(&netrc, "machine 127.0.0.1 login alice password s3cret\n").unwrap();

    let mut s = IndexSettings::for_index(&srv.url("/netrc/simple/"));
    s.netrc = Some(netrc.clone());
    let c = IndexClient::new(&s).unwrap();
    let page = c.project("priv").unwrap().expect("authorized page");
    // The file lives on another host (localhost ≠ 127.0.0.1): no credentials go there.
    c.download(&page.files[0], 1 << 20).unwrap();
    assert_eq!(files.requests()[0].header("authorization"), None);

    // Userinfo in the index URL wins over netrc and never shows in the page URL.
    let with_userinfo = srv.url("/userinfo/simple/").replace("http://", "http://bob:p%40ss@");
    let mut s = IndexSettings::for_index(&with_userinfo);
    s.netrc = Some(netrc);
    let c = IndexClient::new(&s).unwrap();
    let page = c.project("priv").unwrap().expect("authorized page");
    assert!(!page.url.contains("bob") && !page.files[0].url.contains("bob"), "{}", page.url);

    // Without credentials: 401, not retried, hint about credentials.
    let c = client_for(&srv.url("/netrc/simple/"), &[]);
    let e = c.project("priv").unwrap_err();
    assert!(matches!(e, IndexError::Http { status: 401, .. }));
}

#[test]
fn project_on_each_index_for_dependency_confusion() {
    let internal = TestServer::start(|r, _| {
        if r.path == "/simple/corp-utils/" { Reply::ok("text/html", "<a href='corp_utils-1.0.tar.gz'>corp_utils-1.0.tar.gz</a>") } else { Reply::status(404) }
    });
    let public = TestServer::start(|r, _| {
        if r.path == "/simple/corp-utils/" { Reply::ok("text/html", "<a href='corp_utils-99.0.tar.gz'>corp_utils-99.0.tar.gz</a>") } else { Reply::status(404) }
    });
    let c = client_for(&public.url("/simple/"), &[internal.url("/simple/")]);
    let each = c.project_on_each_index("corp_utils");
    assert_eq!(each.len(), 2);
    assert_eq!(each[0].0, public.url("/simple/"));
    assert_eq!(each[1].0, internal.url("/simple/"));
    assert!(each.iter().all(|(_, r)| matches!(r, Ok(Some(_)))));
    let merged = c.project("corp-utils").unwrap().unwrap();
    assert_eq!(merged.versions, vec!["99.0", "1.0"]);
    assert_eq!(merged.files.len(), 2);
    assert!(c.project("only-nowhere").unwrap().is_none());

    let mut s = IndexSettings::for_index(&public.url("/simple/"));
    s.no_index = true;
    let c = IndexClient::new(&s).unwrap();
    assert!(matches!(c.project("corp-utils"), Err(IndexError::NoIndex)));
    assert!(c.project_on_each_index("corp-utils").is_empty());
}

#[test]
fn offline_sends_nothing() {
    let srv = TestServer::start(|_, _| Reply::ok("text/html", ""));
    let mut s = IndexSettings::for_index(&srv.url("/simple/"));
    s.offline = true;
    let c = IndexClient::new(&s).unwrap();
    assert!(matches!(c.project("requests"), Err(IndexError::Offline { .. })));
    assert!(c.project_on_each_index("requests").iter().all(|(_, r)| matches!(r, Err(IndexError::Offline { .. }))));
    assert!(matches!(c.json_project("requests"), Err(IndexError::Offline { .. })));
    assert!(matches!(c.json_release("requests", "1.0"), Err(IndexError::Offline { .. })));
    let f = entry(srv.url("/f/x-1.tar.gz"), "x-1.tar.gz", None, None);
    assert!(matches!(c.download(&f, 100), Err(IndexError::Offline { .. })));
    let e = c.project("requests").unwrap_err();
    assert!(e.hint().contains("--offline"));
    assert!(srv.requests().is_empty());
}

#[test]
fn plain_http_to_untrusted_remote_host_is_refused_before_any_traffic() {
    // example.invalid never resolves; the refusal happens before DNS.
    let c = client_for("http://user:pw-secret@example.invalid/simple/", &[]);
    let e = c.project("requests").unwrap_err();
    assert!(matches!(&e, IndexError::Insecure { host, .. } if host == "example.invalid"), "{e:?}");
    assert!(e.hint().contains("--trusted-host example.invalid"));
    assert!(!e.render().contains("pw-secret"));
    // A file:// index is not supported and says so.
    let mut s = IndexSettings::for_index("file:///srv/simple");
    s.retries = 0;
    assert!(matches!(IndexClient::new(&s), Err(IndexError::InvalidUrl { .. })));
}

#[test]
fn redaction() {
    assert_eq!(redact("https://user:secret@host.example/simple/"), "https://user:****@host.example/simple/");
    assert_eq!(redact("https://tok3n@host.example/simple/"), "https://****@host.example/simple/");
    assert_eq!(redact("https://host.example/simple/"), "https://host.example/simple/");
    assert_eq!(redact("weird://a:b@c d"), "weird://****@c d");
    assert_eq!(redact("not a url"), "not a url");
}

#[test]
fn tls_files_are_checked_up_front() {
    let dir = tempfile::tempdir().unwrap();
    let bogus = dir.path().join("ca.pem");
    std::fs::write(&bogus, "not a certificate").unwrap();
    let mut s = IndexSettings::for_index("https://pypi.org/simple/");
    s.cert = Some(bogus);
    let e = IndexClient::new(&s).err().expect("bogus CA bundle refused");
    assert!(matches!(e, IndexError::Tls { .. }), "{e:?}");
    s.cert = Some(dir.path().join("missing.pem"));
    assert!(matches!(IndexClient::new(&s), Err(IndexError::Tls { .. })));
}

#[test]
fn gzip_pages_are_decoded_and_429_is_retried() {
    use std::io::Write;
    let html = "<a href='/f/z-1.0.tar.gz#sha256=00'>z-1.0.tar.gz</a>";
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(html.as_bytes()).unwrap();
    let gz = enc.finish().unwrap();
    let srv = TestServer::start(move |_, n| {
        if n == 0 {
            let mut r = Reply::status(429);
            r.headers.push(("Retry-After".into(), "0".into()));
            return r;
        }
        let mut r = Reply::ok("text/html", gz.clone());
        r.headers.push(("Content-Encoding".into(), "gzip".into()));
        r
    });
    let c = client_for(&srv.url("/simple/"), &[]);
    let page = c.project("z").unwrap().expect("page");
    assert_eq!(page.files[0].filename, "z-1.0.tar.gz");
    let reqs = srv.requests();
    assert_eq!(reqs.len(), 2);
    assert!(reqs[1].header("accept-encoding").unwrap_or_default().contains("gzip"));
}

#[test]
fn a_silent_server_times_out_with_a_clear_cause() {
    let srv = TestServer::start(|_, _| {
        std::thread::sleep(Duration::from_millis(1500));
        Reply::status(200)
    });
    let mut s = IndexSettings::for_index(&srv.url("/simple/"));
    s.timeout = Duration::from_millis(200);
    s.retries = 0;
    let c = IndexClient::new(&s).unwrap();
    let e = c.project("slow").unwrap_err();
    assert!(matches!(&e, IndexError::Unreachable { cause, .. } if cause.contains("timed out")), "{e:?}");
    assert_eq!(srv.requests().len(), 1, "retries = 0 sends one request");
}

/// A raw loopback server that answers every connection with `head` and then `body`, one
/// byte every `every`.
fn trickle_server(head: String, body: Vec<u8>, every: Duration) -> (String, std::thread::JoinHandle<()>) {
    use std::io::Write;
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", l.local_addr().unwrap());
    let h = std::thread::spawn(move || {
        if let Ok((mut s, _)) = l.accept() {
            let mut buf = [0u8; 4096];
            let _ = std::io::Read::read(&mut s, &mut buf);
            let _ = s.write_all(head.as_bytes());
            for b in body {
                if s.write_all(&[b]).is_err() {
                    return;
                }
                std::thread::sleep(every);
            }
        }
    });
    (url, h)
}

#[test]
fn an_upstream_that_drips_bytes_is_cut_with_the_cause_named() {
    let body = vec![b'x'; 200];
    let head = format!("HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: {}\r\n\r\n", body.len());
    let (url, h) = trickle_server(head, body, Duration::from_millis(30));
    let mut s = IndexSettings::for_index(&format!("{url}/simple/"));
    s.timeout = Duration::from_millis(300);
    s.retries = 3;
    let c = IndexClient::new(&s).unwrap();
    let e = c.download(&entry(format!("{url}/f/slow-1.0.tar.gz"), "slow-1.0.tar.gz", None, None), 1 << 20).unwrap_err();
    assert!(matches!(&e, IndexError::Unreachable { cause, .. } if cause.contains("slower than 16 KiB/s")), "{e:?}");
    drop(c);
    let _ = h.join();
}

#[test]
fn a_file_body_compressed_against_identity_is_kept_as_sent_and_fails_its_hash() {
    use std::io::Write;
    let payload = vec![0u8; 1 << 20];
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    enc.write_all(&payload).unwrap();
    let gz = enc.finish().unwrap();
    let gz_len = gz.len() as u64;
    let srv = TestServer::start(move |_, _| {
        let mut r = Reply::ok("application/octet-stream", gz.clone());
        r.headers.push(("Content-Encoding".into(), "gzip".into()));
        r
    });
    let c = client_for(&srv.url("/simple/"), &[]);
    // Hash of the decoded bytes: a client that inflated would accept it.
    let e = c.download(&entry(srv.url("/f/z-1.0.tar.gz"), "z-1.0.tar.gz", Some(sha256_hex(&payload)), None), 1 << 30).unwrap_err();
    assert!(matches!(e, IndexError::HashMismatch { .. }), "{e:?}");
    assert!(srv.requests()[0].header("accept-encoding").is_some_and(|v| v == "identity"));
    // A declared size bounds what is read: more bytes than declared is refused.
    let e = c.download(&entry(srv.url("/f/z-1.0.tar.gz"), "z-1.0.tar.gz", None, Some(gz_len / 2)), 1 << 30).unwrap_err();
    assert!(matches!(e, IndexError::TooLarge { .. }), "{e:?}");
}

#[test]
fn retries_stop_when_one_request_has_taken_twice_the_timeout() {
    let srv = TestServer::start(|_, _| {
        std::thread::sleep(Duration::from_millis(1500));
        Reply::status(200)
    });
    let mut s = IndexSettings::for_index(&srv.url("/simple/"));
    s.timeout = Duration::from_millis(200);
    s.retries = 50;
    let c = IndexClient::new(&s).unwrap().with_backoff(Duration::from_millis(10));
    let e = c.project("slow").unwrap_err();
    assert!(matches!(&e, IndexError::Unreachable { cause, .. } if cause.contains("timed out") && cause.contains("gave up after")), "{e:?}");
    assert!(srv.requests().len() < 50, "{} attempts: the time budget did not stop the retries", srv.requests().len());
}
