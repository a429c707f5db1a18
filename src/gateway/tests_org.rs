//! The gateway as the organisation's one download point: the on-disk artifact cache
//! shared by replicas, cached upstream pages, `[[internal]]` rules, the snapshot laptops
//! import, and a laptop's local proxy chained to the gateway. Everything on 127.0.0.1,
//! fixtures built here.

use super::*;
use crate::db::{ANALYSIS_VERSION, Db};
use crate::index::tests::server::{Recorded, Reply, TestServer};
use crate::proxy::tests::{PIP_ACCEPT, Raw, ScriptedGate, hits, page_doc, proxy_for, request, sha256_hex, wheel};
use crate::proxy::{PageCachePolicy, Token};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

const SECRET: &str = "org-client-token-000000001";
const ADMIN: &str = "org-admin-token-0000000001";

fn config(upstreams: &[String], dir: &Path) -> GatewayConfig {
    let mut index = IndexSettings::for_index(&upstreams[0]);
    index.extra_index_urls = upstreams[1..].to_vec();
    index.retries = 0;
    index.timeout = Duration::from_secs(30);
    GatewayConfig {
        bind: "127.0.0.1:0".parse().expect("addr"),
        index,
        policy: None,
        store: StoreSpec::Sqlite(dir.join("unused")),
        db_read: None,
        gateway: GatewayOptions { tokens: vec![Token::new("ci", SECRET)], admin_tokens: vec![Token::new("sec-team", ADMIN)], ..GatewayOptions::default() },
        max_file_bytes: 1 << 20,
        cache_bytes: 8 << 20,
        artifact_cache: None,
    }
}

fn sqlite(dir: &Path) -> Arc<dyn VerdictStore> {
    Arc::new(crate::store::SqliteStore::new(Db::open(&dir.join("gateway.sqlite3")).expect("db")))
}

fn get(r: SocketAddr, path: &str) -> Raw {
    request(r, "GET", path, &[("Accept", PIP_ACCEPT), ("Authorization", &format!("Bearer {SECRET}"))])
}

/// The gateway's URL for `filename` on `project`'s page.
fn file_url(r: SocketAddr, project: &str, filename: &str) -> String {
    let page = get(r, &format!("/u/0/simple/{project}/"));
    assert_eq!(page.status, 200, "{project}: {}", page.reason);
    let doc = page.json();
    let f = doc["files"].as_array().expect("files").iter().find(|f| f["filename"] == filename).expect("listed").clone();
    f["url"].as_str().expect("url").to_string()
}

fn metric(r: SocketAddr, name: &str) -> u64 {
    let text = get(r, "/metrics").text();
    text.lines().find_map(|l| l.strip_prefix(name).and_then(|rest| rest.strip_prefix(' '))).and_then(|n| n.parse().ok()).unwrap_or_else(|| panic!("{name} not in\n{text}"))
}

/// The cached copy of a file in a cache folder.
fn cached_path(dir: &Path, bytes: &[u8]) -> PathBuf {
    let sha = sha256_hex(bytes);
    dir.join("sha256").join(&sha[..2]).join(&sha)
}

#[test]
fn replicas_sharing_a_cache_folder_download_a_file_once_and_refetch_a_corrupted_one() {
    let tmp = tempfile::tempdir().expect("tmp");
    let cache = tmp.path().join("artifacts");
    let mut std = crate::proxy::tests::standard();
    let alpha = wheel("alpha", "1.0", &[("alpha/__init__.py", "def add(a, b):\n    return a + b\n")]);
    let beta = wheel("beta", "1.0", &[("beta/__init__.py", "def sub(a, b):\n    return a - b\n")]);
    for w in [&alpha, &beta] {
        std.fixture.file(&format!("/files/{}", w.0), w.1.clone());
    }
    std.fixture.json_page("alpha", page_doc("alpha", &[(&alpha.0, &alpha.1)]));
    std.fixture.json_page("beta", page_doc("beta", &[(&beta.0, &beta.1)]));
    let srv = std.fixture.serve();
    let upstream = vec![srv.url("/simple/")];
    let store = sqlite(tmp.path());
    let replica = |max_bytes: u64| {
        let mut c = config(&upstream, tmp.path());
        c.artifact_cache = Some(ArtifactCache { dir: cache.clone(), max_bytes });
        start_with(c, &Settings::defaults(), store.clone()).expect("gateway starts")
    };
    let alpha_path = format!("/files/{}", alpha.0);

    // Replica A downloads alpha and keeps it on disk.
    let a = replica(1 << 20);
    let url = file_url(a.proxy.addr(), "alpha", &alpha.0);
    let first = get(a.proxy.addr(), &url);
    assert_eq!((first.status, &first.body), (200, &alpha.1), "{}", first.reason);
    assert_eq!(hits(&srv, &alpha_path), 1);
    assert_eq!(std::fs::read(cached_path(&cache, &alpha.1)).expect("cached"), alpha.1);
    assert_eq!(metric(a.proxy.addr(), "safe_pip_artifact_cache_misses_total"), 1);

    // Replica B (nothing in its memory) serves it from the shared folder: no download.
    let b = replica(1 << 20);
    let second = get(b.proxy.addr(), &file_url(b.proxy.addr(), "alpha", &alpha.0));
    assert_eq!((second.status, &second.body), (200, &alpha.1), "{}", second.reason);
    assert_eq!(hits(&srv, &alpha_path), 1, "the upstream counter does not move");
    assert_eq!(metric(b.proxy.addr(), "safe_pip_artifact_cache_hits_total"), 1);

    // A corrupted copy is detected, deleted, downloaded again; the right bytes are served.
    let mut bad = alpha.1.clone();
    let mid = bad.len() / 2;
    bad[mid] ^= 0xff;
    std::fs::write(cached_path(&cache, &alpha.1), &bad).expect("corrupt the cached copy");
    let c = replica(1 << 20);
    let third = get(c.proxy.addr(), &file_url(c.proxy.addr(), "alpha", &alpha.0));
    assert_eq!((third.status, &third.body), (200, &alpha.1), "never the corrupted bytes");
    assert_eq!(hits(&srv, &alpha_path), 2, "fetched again from upstream");
    assert_eq!(metric(c.proxy.addr(), "safe_pip_artifact_cache_corrupt_total"), 1);
    assert_eq!(std::fs::read(cached_path(&cache, &alpha.1)).expect("rewritten"), alpha.1, "the good copy is back");

    // A blocked file is not kept on disk.
    let bad_url = file_url(c.proxy.addr(), "badwheel", &std.bad_whl.0);
    let blocked = get(c.proxy.addr(), &bad_url);
    assert_eq!(blocked.status, 403);
    assert!(!cached_path(&cache, &std.bad_whl.1).exists());
    // a local `safe-pip allow` changes nothing at the gateway: the reason sends the user
    // to its administrators
    assert!(!blocked.reason.contains("safe-pip allow") && blocked.reason.contains("gateway's administrators"), "{}", blocked.reason);

    // At the bound, the least recently used file goes: room for one of the two wheels.
    let f = std::fs::File::options().write(true).open(cached_path(&cache, &alpha.1)).expect("cached alpha");
    f.set_modified(std::time::SystemTime::now() - Duration::from_secs(3600)).expect("last used an hour ago");
    let d = replica(alpha.1.len().max(beta.1.len()) as u64 + 10);
    let beta_url = file_url(d.proxy.addr(), "beta", &beta.0);
    assert_eq!(get(d.proxy.addr(), &beta_url).status, 200);
    assert!(cached_path(&cache, &beta.1).exists());
    assert!(!cached_path(&cache, &alpha.1).exists(), "alpha was least recently used: evicted");
    assert_eq!(metric(d.proxy.addr(), "safe_pip_artifact_cache_evictions_total"), 1);
    // Nothing half-written is left behind.
    assert_eq!(std::fs::read_dir(cache.join("tmp")).expect("tmp").count(), 0);
}

/// An upstream whose `alpha` page carries an ETag and answers If-None-Match with 304;
/// `down` makes every request a 503.
fn etag_upstream(alpha: &(String, Vec<u8>, String), down: Arc<AtomicBool>) -> TestServer {
    let page = page_doc("alpha", &[(&alpha.0, &alpha.1)]).to_string();
    let (file_path, bytes) = (format!("/files/{}", alpha.0), alpha.1.clone());
    TestServer::start(move |r: &Recorded, _| {
        if down.load(Ordering::SeqCst) {
            return Reply::status(503);
        }
        if r.path == "/simple/alpha/" {
            if r.header("if-none-match") == Some("\"v1\"") {
                return Reply { status: 304, headers: vec![("ETag".into(), "\"v1\"".into())], body: Vec::new() };
            }
            let mut reply = Reply::ok(crate::proxy::tests::JSON_CT, page.clone());
            reply.headers.push(("ETag".into(), "\"v1\"".into()));
            return reply;
        }
        if r.path == file_path {
            return Reply::ok("application/octet-stream", bytes.clone());
        }
        Reply::status(404)
    })
}

#[test]
fn pages_are_reused_within_the_ttl_revalidated_after_and_served_stale_only_within_max_stale() {
    let tmp = tempfile::tempdir().expect("tmp");
    let alpha = wheel("alpha", "1.0", &[("alpha/__init__.py", "X = 1\n")]);
    let down = Arc::new(AtomicBool::new(false));
    let srv = etag_upstream(&alpha, down.clone());
    let upstream = vec![srv.url("/simple/")];
    let store = sqlite(tmp.path());
    let gateway = |ttl: u64, max_stale: u64| {
        let mut c = config(&upstream, tmp.path());
        c.gateway.page_cache = Some(PageCachePolicy { ttl: Duration::from_secs(ttl), max_stale: Duration::from_secs(max_stale) });
        start_with(c, &Settings::defaults(), store.clone()).expect("gateway starts")
    };
    let page_requests = || srv.requests().iter().filter(|r| r.path == "/simple/alpha/").count();
    let page = "/u/0/simple/alpha/";

    // Within the TTL: upstream is asked once for three page requests.
    let fresh = gateway(3600, 3600);
    for _ in 0..3 {
        assert_eq!(get(fresh.proxy.addr(), page).status, 200);
    }
    assert_eq!(page_requests(), 1);
    assert_eq!(metric(fresh.proxy.addr(), "safe_pip_page_cache_total{result=\"fresh\"}"), 2);

    // TTL 0: every request revalidates with If-None-Match and gets 304 (no page body).
    let revalidating = gateway(0, 3600);
    let first = get(revalidating.proxy.addr(), page);
    let second = get(revalidating.proxy.addr(), page);
    assert_eq!((first.status, second.status), (200, 200));
    assert_eq!(first.body, second.body, "the same page from the cache");
    let sent: Vec<Recorded> = srv.requests().into_iter().filter(|r| r.path == "/simple/alpha/").collect();
    assert_eq!(sent.len(), 3);
    assert_eq!(sent[2].header("if-none-match"), Some("\"v1\""));
    assert_eq!(metric(revalidating.proxy.addr(), "safe_pip_page_cache_total{result=\"revalidated\"}"), 1);
    // The file listed on the cached page is still served (and judged) normally.
    let url = file_url(revalidating.proxy.addr(), "alpha", &alpha.0);
    assert_eq!(get(revalidating.proxy.addr(), &url).status, 200);

    // Upstream down: a page confirmed within max-stale is served; past it, 502.
    let strict = gateway(0, 0);
    assert_eq!(get(strict.proxy.addr(), page).status, 200);
    down.store(true, Ordering::SeqCst);
    let stale = get(revalidating.proxy.addr(), page);
    assert_eq!(stale.status, 200, "{}", stale.reason);
    assert!(stale.json()["files"][0]["url"].as_str().is_some_and(|u| u.contains("/f/")), "still rewritten to the gateway");
    assert!(metric(revalidating.proxy.addr(), "safe_pip_page_cache_total{result=\"stale\"}") >= 1);
    let refused = get(strict.proxy.addr(), page);
    assert_eq!(refused.status, 502, "past max-stale the failure is answered: {}", refused.reason);
}

#[test]
fn internal_names_are_served_only_from_their_own_index() {
    let tmp = tempfile::tempdir().expect("tmp");
    let ours = wheel("acme-utils", "1.0", &[("acme_utils/__init__.py", "X = 1\n")]);
    let squatted = wheel("acme-utils", "99.0", &[("acme_utils/__init__.py", "Y = 2\n")]);
    let index = |w: &(String, Vec<u8>, String)| {
        let mut fx = crate::proxy::tests::Fixture::default();
        fx.file(&format!("/files/{}", w.0), w.1.clone());
        fx.json_page("acme-utils", page_doc("acme-utils", &[(&w.0, &w.1)]));
        fx.serve()
    };
    let (own, public) = (index(&ours), index(&squatted));
    let (own_url, public_url) = (own.url("/simple/"), public.url("/simple/"));
    let policy = tmp.path().join("org.toml");
    std::fs::write(&policy, format!("[[internal]]\nname = \"acme-*\"\nindex = \"{own_url}\"\n")).expect("policy");
    let settings = load_policy(Some(&policy)).expect("policy loads");
    let gw = start_with(config(&[own_url.clone(), public_url.clone()], tmp.path()), &settings, sqlite(tmp.path())).expect("starts");
    let addr = gw.proxy.addr();

    let public_page = get(addr, "/u/1/simple/acme-utils/");
    assert_eq!(public_page.status, 404, "{}", public_page.reason);
    assert!(public_page.reason.contains("dependency-confusion"), "{}", public_page.reason);
    let url = file_url(addr, "acme-utils", &ours.0);
    let served = get(addr, &url);
    assert_eq!((served.status, &served.body), (200, &ours.1), "{}", served.reason);
    assert_eq!(hits(&public, &format!("/files/{}", squatted.0)), 0, "the public copy is never downloaded");
}

#[test]
fn a_laptop_imports_the_gateway_snapshot_with_its_verdicts_and_decisions() {
    let tmp = tempfile::tempdir().expect("tmp");
    let mut std = crate::proxy::tests::standard();
    let alpha = wheel("alpha", "1.0", &[("alpha/__init__.py", "X = 1\n")]);
    std.fixture.file(&format!("/files/{}", alpha.0), alpha.1.clone());
    std.fixture.json_page("alpha", page_doc("alpha", &[(&alpha.0, &alpha.1)]));
    let srv = std.fixture.serve();
    let gw = start_with(config(&[srv.url("/simple/")], tmp.path()), &Settings::defaults(), sqlite(tmp.path())).expect("starts");
    let addr = gw.proxy.addr();
    assert_eq!(get(addr, &file_url(addr, "alpha", &alpha.0)).status, 200);
    let decision = serde_json::json!({"package": "evil", "action": "deny", "reason": "known bad actor", "reviewer": "sec@example.org"});
    let answer = request_json(addr, "/admin/decisions", &decision);
    assert_eq!(answer.status, 201, "{}", answer.text());

    check_snapshot_import(addr, SECRET, &sha256_hex(&alpha.1), "evil", tmp.path());
}

/// POST with the admin token.
fn request_json(addr: SocketAddr, path: &str, body: &serde_json::Value) -> Raw {
    use std::io::{Read, Write};
    let body = body.to_string();
    let mut s = std::net::TcpStream::connect(addr).expect("connect");
    write!(s, "POST {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {ADMIN}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}", body.len()).expect("send");
    let mut all = Vec::new();
    s.read_to_end(&mut all).expect("read");
    crate::proxy::tests::parse_raw(&all)
}

/// `safe-pip db import http://GATEWAY/snapshot` into a fresh laptop DB: the verdict of
/// `sha` and the decision about `decided` arrive; without a token or with a wrong one,
/// nothing does.
pub(super) fn check_snapshot_import(addr: SocketAddr, token: &str, sha: &str, decided: &str, dir: &Path) {
    let laptop = Db::open(&dir.join("laptop.sqlite3")).expect("laptop db");
    let url = format!("http://{addr}/snapshot");
    let no_token = snapshot::import_from_url(&laptop, &url, None).expect_err("a token is needed");
    assert!(no_token.message().contains("401"), "{}", no_token.message());
    let wrong = snapshot::import_from_url(&laptop, &url, Some("not-the-token-at-all")).expect_err("wrong token");
    assert!(!wrong.message().contains("not-the-token-at-all"), "the token is never shown: {}", wrong.message());
    assert!(laptop.lookup_verdict(sha, ANALYSIS_VERSION).expect("lookup").is_none());

    let report = snapshot::import_from_url(&laptop, &format!("http://{addr}"), Some(token)).expect("import");
    assert!(report.verdicts_stored >= 1 && report.decisions_added >= 1, "{report:?}");
    let v = laptop.lookup_verdict(sha, ANALYSIS_VERSION).expect("lookup").expect("the gateway's verdict is on the laptop");
    assert!(v.origin.starts_with("import:gateway 127.0.0.1"), "{}", v.origin);
    assert!(laptop.decisions(decided).expect("decisions").iter().any(|d| d.who == "sec@example.org"), "the gateway's decision is on the laptop");
    // Importing again adds nothing.
    let again = snapshot::import_from_url(&laptop, &url, Some(token)).expect("import again");
    assert_eq!((again.verdicts_stored, again.decisions_added), (0, 0), "{again:?}");
}

#[test]
fn a_laptop_proxy_chained_to_the_gateway_reports_the_organisations_block_with_its_reason() {
    let tmp = tempfile::tempdir().expect("tmp");
    let mut std = crate::proxy::tests::standard();
    let alpha = wheel("alpha", "1.0", &[("alpha/__init__.py", "X = 1\n")]);
    std.fixture.file(&format!("/files/{}", alpha.0), alpha.1.clone());
    std.fixture.json_page("alpha", page_doc("alpha", &[(&alpha.0, &alpha.1)]));
    let srv = std.fixture.serve();
    let gw = start_with(config(&[srv.url("/simple/")], tmp.path()), &Settings::defaults(), sqlite(tmp.path())).expect("starts");
    // The organisation denies alpha, which the laptop alone would allow.
    let deny = serde_json::json!({"package": "alpha", "action": "deny", "reason": "withdrawn by the security team"});
    assert_eq!(request_json(gw.proxy.addr(), "/admin/decisions", &deny).status, 201);

    // The laptop's proxy, upstream = the gateway with the token as the password.
    let laptop_gate = Arc::new(ScriptedGate::default());
    let upstream = format!("http://laptop:{SECRET}@{}/u/0/simple/", gw.proxy.addr());
    let laptop = proxy_for(&upstream, laptop_gate.clone(), |_| {});
    let lget = |path: &str| request(laptop.addr(), "GET", path, &[("Accept", PIP_ACCEPT)]);
    let page = lget("/u/0/simple/demo/");
    assert_eq!(page.status, 200, "the laptop reads the gateway's pages: {}", page.reason);
    let files = |project: &str| -> Vec<(String, String)> {
        let p = lget(&format!("/u/0/simple/{project}/"));
        assert_eq!(p.status, 200, "{project}: {}", p.reason);
        p.json()["files"].as_array().expect("files").iter().map(|f| (f["filename"].as_str().unwrap().to_string(), f["url"].as_str().unwrap().to_string())).collect()
    };

    // A file the organisation allows comes through, judged on the laptop too.
    let (_, demo_url) = files("demo").into_iter().find(|(f, _)| *f == std.demo_whl.0).expect("demo wheel");
    let demo = lget(&demo_url);
    assert_eq!((demo.status, &demo.body), (200, &std.demo_whl.1), "{}", demo.reason);

    // The organisation's deny: blocked with the gateway's reason, not a network error.
    let (_, alpha_url) = files("alpha").into_iter().find(|(f, _)| *f == alpha.0).expect("alpha");
    let refused = lget(&alpha_url);
    assert_eq!(refused.status, 403);
    assert!(refused.reason.contains("blocked by the organisation gateway"), "{}", refused.reason);
    assert!(refused.reason.contains("withdrawn by the security team"), "{}", refused.reason);
    assert!(!refused.reason.contains("cannot verify") && !refused.reason.contains("HTTP 403"), "{}", refused.reason);
    assert!(!refused.reason.contains(SECRET), "no token in the answer");
    let event = laptop.events().into_iter().find(|e| e.filename == alpha.0).expect("recorded");
    assert!(!event.served && event.report.error.is_none(), "a block, not an unverified file: {:?}", event.report);
    assert!(matches!(event.report.decision.basis, crate::policy::Basis::BlockedByGateway { .. }), "{:?}", event.report.decision.basis);
    assert!(!laptop_gate.judged.lock().unwrap().contains(&alpha.0), "nothing to judge locally: no bytes came");

    // A file the gateway's analysis blocks reads the same way, with the alert.
    let (_, bad_url) = files("badwheel").into_iter().find(|(f, _)| *f == std.bad_whl.0).expect("badwheel");
    let bad = lget(&bad_url);
    assert_eq!(bad.status, 403);
    assert!(bad.reason.contains("blocked by the organisation gateway") && bad.reason.contains("decode-exec"), "{}", bad.reason);
}

#[test]
fn concurrent_requests_for_an_uncached_page_share_one_upstream_fetch() {
    let tmp = tempfile::tempdir().expect("tmp");
    let alpha = wheel("alpha", "1.0", &[("alpha/__init__.py", "X = 1\n")]);
    let page = page_doc("alpha", &[(&alpha.0, &alpha.1)]).to_string();
    // Upstream holds the page answer back while the clients pile up at the gateway.
    let srv = TestServer::start(move |r: &Recorded, _| {
        if r.path == "/simple/alpha/" {
            std::thread::sleep(Duration::from_millis(300));
            return Reply::ok(crate::proxy::tests::JSON_CT, page.clone());
        }
        Reply::status(404)
    });
    let mut c = config(&[srv.url("/simple/")], tmp.path());
    c.gateway.page_cache = Some(PageCachePolicy { ttl: Duration::from_secs(3600), max_stale: Duration::from_secs(3600) });
    let gw = start_with(c, &Settings::defaults(), sqlite(tmp.path())).expect("starts");
    let addr = gw.proxy.addr();
    let statuses: Vec<u16> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..8).map(|_| s.spawn(move || get(addr, "/u/0/simple/alpha/").status)).collect();
        handles.into_iter().map(|h| h.join().expect("client")).collect()
    });
    assert!(statuses.iter().all(|s| *s == 200), "{statuses:?}");
    assert_eq!(hits(&srv, "/simple/alpha/"), 1, "one upstream fetch for eight clients");
}
