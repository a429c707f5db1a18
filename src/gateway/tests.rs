//! Two gateway replicas on one real PostgreSQL (a throwaway cluster on 127.0.0.1), a
//! fixture upstream index on 127.0.0.1 with wheels and sdists built here, and many
//! concurrent clients fetching overlapping files through both replicas.

use super::*;
use crate::action::DecisionAction;
use crate::db::{ANALYSIS_VERSION, NewDecision};
use crate::proxy::Token;
use crate::proxy::tests::{PIP_ACCEPT, Raw, hits, page_doc, request, sdist, sha256_hex, standard, wheel};
use crate::store::PgStore;
use crate::store::pg_test::PgCluster;
use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;
use std::time::Duration;

const SECRET: &str = "s3cret-token-for-tests-0001";
const ADMIN: &str = "admin-token-for-tests-00001";

fn replica(upstream: &str, store: Arc<dyn VerdictStore>) -> Running {
    let mut index = IndexSettings::for_index(upstream);
    index.retries = 0;
    index.timeout = Duration::from_secs(30);
    let config = GatewayConfig {
        bind: "127.0.0.1:0".parse().expect("addr"),
        index,
        policy: None,
        store: StoreSpec::Postgres(String::new()),
        db_read: None,
        gateway: GatewayOptions { tokens: vec![Token::new("ci", SECRET)], admin_tokens: vec![Token::new("sec-team", ADMIN)], ..GatewayOptions::default() },
        max_file_bytes: 1 << 20,
        cache_bytes: 8 << 20,
        artifact_cache: None,
    };
    start_with(config, &Settings::defaults(), store).expect("gateway starts")
}

/// POSTs JSON with a Bearer token; the status and the JSON answer.
fn post(addr: SocketAddr, path: &str, token: &str, body: &serde_json::Value) -> (u16, serde_json::Value) {
    use std::io::{Read, Write};
    let body = body.to_string();
    let mut s = std::net::TcpStream::connect(addr).expect("connect");
    write!(s, "POST {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}", body.len()).expect("send");
    let mut all = String::new();
    s.read_to_string(&mut all).expect("read");
    let status = all.split(' ').nth(1).and_then(|x| x.parse().ok()).expect("status");
    let json = all.split_once("\r\n\r\n").and_then(|(_, b)| serde_json::from_str(b).ok()).unwrap_or(serde_json::Value::Null);
    (status, json)
}

fn admin_get(addr: SocketAddr, path: &str) -> serde_json::Value {
    let r = request(addr, "GET", path, &[("Authorization", &format!("Bearer {ADMIN}"))]);
    assert_eq!(r.status, 200, "{path}: {}", r.text());
    r.json()
}

fn get(r: SocketAddr, path: &str) -> Raw {
    request(r, "GET", path, &[("Accept", PIP_ACCEPT), ("Authorization", &format!("Bearer {SECRET}"))])
}

/// The gateway's file URLs of a project, by filename.
fn files_of(r: SocketAddr, project: &str) -> BTreeMap<String, String> {
    let page = get(r, &format!("/u/0/simple/{project}/"));
    assert_eq!(page.status, 200, "{project}: {}", page.reason);
    page.json()["files"].as_array().expect("files").iter().map(|f| (f["filename"].as_str().unwrap().to_string(), f["url"].as_str().unwrap().to_string())).collect()
}

#[test]
fn two_replicas_on_postgres_analyse_each_file_once_and_share_decisions() {
    let Some(pg) = PgCluster::start() else { return };
    let url = pg.database("gateway");

    let mut std = standard();
    let alpha = wheel("alpha", "1.0", &[("alpha/__init__.py", "def add(a, b):\n    return a + b\n")]);
    let beta = sdist("beta", "2.0", &[("setup.py", "from setuptools import setup\nsetup(name='beta', version='2.0')\n")]);
    std.fixture.file(&format!("/files/{}", alpha.0), alpha.1.clone());
    std.fixture.json_page("alpha", page_doc("alpha", &[(&alpha.0, &alpha.1)]));
    std.fixture.file(&format!("/files/{}", beta.0), beta.1.clone());
    std.fixture.json_page("beta", page_doc("beta", &[(&beta.0, &beta.1)]));
    let files: HashMap<String, Vec<u8>> = [
        (std.demo_whl.0.clone(), std.demo_whl.1.clone()),
        (std.demo_sdist.0.clone(), std.demo_sdist.1.clone()),
        (std.evil.0.clone(), std.evil.1.clone()),
        (std.bad_whl.0.clone(), std.bad_whl.1.clone()),
        (alpha.0.clone(), alpha.1.clone()),
        (beta.0.clone(), beta.1.clone()),
    ]
    .into_iter()
    .collect();
    let projects = ["demo", "evil", "badwheel", "alpha", "beta"];
    let srv = std.fixture.serve();
    let upstream = srv.url("/simple/");

    let a = replica(&upstream, Arc::new(PgStore::connect(&url).expect("replica A store")));
    let b = replica(&upstream, Arc::new(PgStore::connect(&url).expect("replica B store")));
    let check = PgStore::connect(&url).expect("checking store");

    // 50 clients, half on each replica, each fetching three overlapping projects' pages and files.
    const CLIENTS: usize = 50;
    let seen: Mutex<BTreeMap<String, Vec<(u16, String)>>> = Mutex::new(BTreeMap::new());
    std::thread::scope(|s| {
        for i in 0..CLIENTS {
            let (r, seen, files) = (if i % 2 == 0 { a.proxy.addr() } else { b.proxy.addr() }, &seen, &files);
            s.spawn(move || {
                for k in 0..3 {
                    let project = projects[(i + k) % projects.len()];
                    for (filename, path) in files_of(r, project) {
                        let got = get(r, &path);
                        if got.status == 200 {
                            assert_eq!(got.body, files[&filename], "{filename}: the exact upstream bytes");
                        }
                        seen.lock().unwrap().entry(filename).or_default().push((got.status, got.reason));
                    }
                }
            });
        }
    });
    let seen = seen.into_inner().unwrap();
    assert_eq!(seen.len(), files.len(), "every file was fetched: {:?}", seen.keys());
    for (filename, answers) in &seen {
        assert!(answers.iter().all(|x| x.0 == answers[0].0), "{filename}: every client got the same verdict: {answers:?}");
        let expected = if filename == &std.evil.0 || filename == &std.bad_whl.0 { 403 } else { 200 };
        assert_eq!(answers[0].0, expected, "{filename}: {answers:?}");
        let sha = sha256_hex(&files[filename]);
        assert_eq!(check.analyses_of(&sha).expect("count"), 1, "{filename} analysed once across both replicas");
        assert!(check.lookup_verdict(&sha, ANALYSIS_VERSION).expect("lookup").is_some(), "{filename}: one stored verdict");
    }
    assert_eq!(a.gate.analyses() + b.gate.analyses(), files.len() as u64, "one analysis per file in all");
    for f in [&std.demo_whl.0, &std.bad_whl.0] {
        let n = hits(&srv, &format!("/files/{f}"));
        assert!(n <= 2, "{f}: downloaded at most once per replica, not {n} times");
    }

    // A deny decision recorded through the store is honoured by both replicas at the
    // next request, though both served the file before (bytes still in their memory).
    let alpha_url = files_of(b.proxy.addr(), "alpha")[&alpha.0].clone();
    assert_eq!(get(b.proxy.addr(), &alpha_url).status, 200);
    let deny = NewDecision {
        package: "alpha",
        spec: "*",
        alerts: &[],
        reason: "withdrawn by the security team",
        who: "sec@example.org",
        action: DecisionAction::Deny,
        source: Some("gateway"),
        decided_at: None,
        until: None,
    };
    let _ = deny;
    // Through replica A's admin API; a client token is not enough.
    let body = serde_json::json!({"package": "alpha", "action": "deny", "reason": "withdrawn by the security team", "reviewer": "sec@example.org", "expires": "2999-12-31"});
    assert_eq!(post(a.proxy.addr(), "/admin/decisions", SECRET, &body).0, 401);
    let (status, recorded) = post(a.proxy.addr(), "/admin/decisions", ADMIN, &body);
    assert_eq!(status, 201, "{recorded}");
    assert_eq!((recorded["decision"]["who"].as_str(), recorded["decision"]["until"].as_str()), (Some("sec@example.org"), Some("2999-12-31")));
    for r in [a.proxy.addr(), b.proxy.addr()] {
        let refused = get(r, &alpha_url);
        assert_eq!(refused.status, 403, "{}", refused.reason);
        assert!(refused.reason.contains("withdrawn by the security team"), "{}", refused.reason);
    }

    // An allow decision accepting the blocked wheel's alerts lets it through on the other replica.
    let bad_sha = sha256_hex(&std.bad_whl.1);
    let alerts: Vec<String> = check.lookup_verdict(&bad_sha, ANALYSIS_VERSION).expect("lookup").expect("stored").alerts.into_iter().map(|x| x.id).collect();
    assert!(!alerts.is_empty());
    let bad_url = files_of(a.proxy.addr(), "badwheel")[&std.bad_whl.0].clone();
    assert_eq!(get(a.proxy.addr(), &bad_url).status, 403);
    let allow = NewDecision { package: "badwheel", alerts: &alerts, reason: "reviewed: test fixture", action: DecisionAction::Allow, ..deny };
    b.gate.store().expect("store").log_decision(&allow).expect("log allow");
    let served = get(a.proxy.addr(), &bad_url);
    assert_eq!(served.status, 200, "{}", served.reason);
    assert_eq!(served.body, std.bad_whl.1);
    assert_eq!(check.analyses_of(&bad_sha).expect("count"), 1, "a decision re-judges the stored findings, no new analysis");

    // The audit log, read through replica B: the blocks, the decision with who recorded
    // it, the override that served the accepted wheel.
    let audit = admin_get(b.proxy.addr(), "/admin/audit?since=0&limit=1000")["entries"].as_array().expect("entries").clone();
    let kinds = |k: &str| audit.iter().filter(|e| e["kind"] == k).cloned().collect::<Vec<_>>();
    assert!(kinds("block").iter().any(|e| e["filename"] == std.evil.0.as_str()), "{audit:?}");
    assert!(kinds("block").iter().any(|e| e["filename"] == alpha.0.as_str() && e["reason"].as_str().unwrap_or_default().contains("withdrawn")), "{audit:?}");
    assert!(kinds("decision").iter().any(|e| e["package"] == "alpha" && e["actor"] == "sec-team" && e["verdict"] == "deny"), "{audit:?}");
    assert!(kinds("override").iter().any(|e| e["filename"] == std.bad_whl.0.as_str()), "{audit:?}");
    let listed = admin_get(a.proxy.addr(), "/admin/decisions?package=Alpha");
    assert_eq!(listed["decisions"].as_array().map(Vec::len), Some(1), "{listed}");

    // A laptop imports the snapshot from a replica: PostgreSQL's verdicts and decision log.
    let laptop_dir = tempfile::tempdir().expect("tmp");
    super::tests_org::check_snapshot_import(b.proxy.addr(), SECRET, &sha256_hex(&alpha.1), "alpha", laptop_dir.path());

    // Tokens, health and metrics.
    let addr = a.proxy.addr();
    let anonymous = request(addr, "GET", "/u/0/simple/demo/", &[]);
    assert_eq!(anonymous.status, 401);
    assert!(anonymous.header("www-authenticate").is_some_and(|v| v.starts_with("Basic")));
    assert_eq!(request(addr, "GET", "/u/0/simple/demo/", &[("Authorization", "Bearer wrong-token-wrong-token")]).status, 401);
    assert_eq!(request(addr, "GET", "/healthz", &[]).status, 200, "health needs no token");
    assert_eq!(request(addr, "GET", "/metrics", &[]).status, 401, "metrics need the token");
    let metrics = get(a.proxy.addr(), "/metrics").text();
    for needle in ["safe_pip_verdicts_total{verdict=\"block\"}", "safe_pip_analysis_seconds_bucket{le=\"+Inf\"}", "safe_pip_verdict_cache_hits_total", "route=\"page\",status=\"200\"", "route=\"file\",status=\"403\""] {
        assert!(metrics.contains(needle), "{needle} missing in\n{metrics}");
    }
    let blocked: u64 = metrics.lines().find_map(|l| l.strip_prefix("safe_pip_verdicts_total{verdict=\"block\"} ")).and_then(|n| n.parse().ok()).expect("count");
    assert!(blocked > 0);
    // A Host that is not loopback is fine for the gateway (clients use its DNS name).
    let named = request(addr, "GET", "/u/0/simple/demo/", &[("Host", "pypi.internal.example"), ("Authorization", &format!("Bearer {SECRET}"))]);
    assert_eq!(named.status, 200, "{}", named.reason);
}

#[test]
fn the_admin_api_checks_what_it_records_and_expired_decisions_lapse() {
    let dir = tempfile::tempdir().expect("tmp");
    let policy = dir.path().join("org.toml");
    std::fs::write(&policy, "allow-critical-decisions = false\n").expect("policy");
    let settings = load_policy(Some(&policy)).expect("policy loads");
    let store: Arc<dyn VerdictStore> = Arc::new(crate::store::SqliteStore::new(crate::db::Db::open(&dir.path().join("v.sqlite3")).expect("db")));
    let mut std = standard();
    let alpha = wheel("alpha", "1.0", &[("alpha/__init__.py", "X = 1\n")]);
    std.fixture.file(&format!("/files/{}", alpha.0), alpha.1.clone());
    std.fixture.json_page("alpha", page_doc("alpha", &[(&alpha.0, &alpha.1)]));
    let srv = std.fixture.serve();
    let mut config = GatewayConfig {
        bind: "127.0.0.1:0".parse().expect("addr"),
        index: IndexSettings::for_index(&srv.url("/simple/")),
        policy: None,
        store: StoreSpec::Sqlite(dir.path().join("unused")),
        db_read: None,
        gateway: GatewayOptions { tokens: vec![Token::new("ci", SECRET)], admin_tokens: vec![Token::new("sec-team", ADMIN)], ..GatewayOptions::default() },
        max_file_bytes: 1 << 20,
        cache_bytes: 1 << 20,
        artifact_cache: None,
    };
    config.index.retries = 0;
    let gw = start_with(config, &settings, store.clone()).expect("starts");
    let addr = gw.proxy.addr();

    let refused = |body: serde_json::Value, needle: &str| {
        let (status, answer) = post(addr, "/admin/decisions", ADMIN, &body);
        assert_eq!(status, 400, "{answer}");
        assert!(answer["error"].as_str().is_some_and(|e| e.contains(needle)), "{needle}: {answer}");
    };
    refused(serde_json::json!({"package": "alpha", "action": "allow", "alerts": ["no-such-alert"], "reason": "r"}), "unknown alert");
    refused(serde_json::json!({"package": "alpha", "action": "allow", "reason": "r"}), "names the alerts");
    refused(serde_json::json!({"package": "alpha", "action": "allow", "alerts": ["install-network"], "reason": "r"}), "allow-critical-decisions");
    refused(serde_json::json!({"package": "alpha", "action": "deny", "reason": "r", "expires": "2001-01-01"}), "in the past");
    refused(serde_json::json!({"package": "alpha", "action": "deny", "reason": "r", "spec": "=>1"}), "version specifier");
    refused(serde_json::json!({"package": "alpha", "action": "deny", "reason": "  "}), "reason");
    refused(serde_json::json!({"package": "alpha", "action": "ban", "reason": "r"}), "allow\" or \"deny");
    refused(serde_json::json!({"package": "alpha", "action": "deny", "reason": "r", "sneaky": 1}), "unknown field");
    assert_eq!(post(addr, "/admin/decisions", SECRET, &serde_json::json!({})).0, 401, "client tokens cannot decide");
    assert_eq!(request(addr, "DELETE", "/admin/decisions", &[("Authorization", &format!("Bearer {ADMIN}"))]).status, 405);
    assert!(store.decisions("alpha").expect("read").is_empty(), "nothing refused was recorded");

    // A deny that expired yesterday no longer applies; the file is served.
    let url = files_of(addr, "alpha")[&alpha.0].clone();
    let yesterday = crate::policy::Day(crate::policy::Day::today().0 - 1);
    let (y, m, d) = yesterday.ymd();
    let expired = format!("{y:04}-{m:02}-{d:02}");
    store
        .log_decision(&NewDecision { package: "alpha", spec: "*", alerts: &[], reason: "old", who: "w", action: DecisionAction::Deny, source: None, decided_at: None, until: Some(&expired) })
        .expect("log");
    assert_eq!(get(addr, &url).status, 200);
    // One valid through today applies at once; the admin token works as a client token.
    let (status, answer) = post(addr, "/admin/decisions", ADMIN, &serde_json::json!({"package": "Alpha", "spec": "==1.0", "action": "deny", "reason": "pulled"}));
    assert_eq!(status, 201, "{answer}");
    assert_eq!(answer["decision"]["who"], "sec-team", "the reviewer defaults to the admin token's name");
    let r = request(addr, "GET", &url, &[("Authorization", &format!("Bearer {ADMIN}"))]);
    assert_eq!(r.status, 403, "{}", r.reason);
}
