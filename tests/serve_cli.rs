//! `safe-pip serve` as a process: SQLite store, a token file, an upstream on 127.0.0.1
//! that knows no project; health without a token, 401 without one, the JSON access log,
//! metrics, a clean stop on SIGTERM. The two-replica PostgreSQL test is in
//! src/gateway/tests.rs.

mod common;

use common::{Env, s};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::Stdio;

const SECRET: &str = "0123456789abcdef-serve-cli";

/// An upstream index that answers 404 to everything, on 127.0.0.1.
fn empty_upstream() -> String {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = l.local_addr().expect("addr");
    std::thread::spawn(move || {
        for mut c in l.incoming().flatten() {
            let mut buf = [0u8; 4096];
            let _ = c.read(&mut buf);
            let _ = c.write_all(b"HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
        }
    });
    format!("http://{addr}/simple/")
}

fn http(addr: &str, path: &str, auth: Option<&str>) -> (u16, String) {
    let mut c = TcpStream::connect(addr).expect("connect");
    let auth = auth.map(|a| format!("Authorization: {a}\r\n")).unwrap_or_default();
    write!(c, "GET {path} HTTP/1.1\r\nHost: gateway.example\r\n{auth}Connection: close\r\n\r\n").expect("send");
    let mut out = String::new();
    c.read_to_string(&mut out).expect("read");
    let status = out.split(' ').nth(1).and_then(|s| s.parse().ok()).expect("status");
    (status, out)
}

#[test]
fn serve_authenticates_logs_and_reports_metrics() {
    let env = Env::new();
    let tokens = env.write("tokens", &format!("# gateway clients\nci {SECRET}\n"));
    let db = env.dir.path().join("gateway.sqlite3");
    let store = format!("sqlite:{}", s(&db));
    let upstream = empty_upstream();
    let mut child = env
        .command(&["serve", "--bind", "127.0.0.1:0", "--upstream", &upstream, "--db", &store, "--token-file", s(&tokens)])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start serve");
    let mut banner = String::new();
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
    stdout.read_line(&mut banner).expect("banner");
    let addr = banner.split("http://").nth(1).and_then(|r| r.split_whitespace().next()).expect("listening address").to_string();

    assert_eq!(http(&addr, "/healthz", None).0, 200);
    let (status, anonymous) = http(&addr, "/u/0/simple/demo/", None);
    assert_eq!(status, 401, "{anonymous}");
    assert!(anonymous.to_ascii_lowercase().contains("www-authenticate: basic"), "{anonymous}");
    let (status, page) = http(&addr, "/u/0/simple/demo/", Some(&format!("Bearer {SECRET}")));
    assert_eq!(status, 404, "authenticated, and upstream has no such project: {page}");
    let (status, metrics) = http(&addr, "/metrics", Some(&format!("Bearer {SECRET}")));
    assert_eq!(status, 200);
    assert!(metrics.contains("safe_pip_requests_total{route=\"page\",status=\"401\"} 1"), "{metrics}");
    assert!(metrics.contains("safe_pip_requests_total{route=\"page\",status=\"404\"} 1"), "{metrics}");
    let (status, off) = http(&addr, "/admin/audit", Some(&format!("Bearer {SECRET}")));
    assert_eq!(status, 404, "no --admin-token-file, no admin API: {off}");

    // SAFETY: kill(2) on our own child.
    unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
    let out = child.wait_with_output().expect("serve stops");
    assert!(out.status.success(), "{:?}", out.status);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let log: Vec<serde_json::Value> = stderr.lines().filter(|l| l.starts_with('{')).map(|l| serde_json::from_str(l).expect("JSON access line")).collect();
    assert_eq!(log.len(), 5, "one line per request: {stderr}");
    assert_eq!((log[1]["status"].as_u64(), log[1]["user"].as_str()), (Some(401), None));
    assert_eq!((log[2]["status"].as_u64(), log[2]["user"].as_str()), (Some(404), Some("ci")));
    assert_eq!(log[2]["path"], "/u/0/simple/demo/");
    assert!(!stderr.contains(SECRET), "the token never reaches the log");
    assert!(db.exists(), "the SQLite store was created");
}

#[test]
fn serve_refuses_a_weak_token_file_and_an_unreachable_store() {
    let env = Env::new();
    let weak = env.write("tokens", "ci short\n");
    let (code, _, stderr) = env.run(&["serve", "--bind", "127.0.0.1:0", "--upstream", "http://127.0.0.1:9/simple/", "--db", "sqlite:x.sqlite3", "--token-file", s(&weak)]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("shorter than 16") && stderr.contains("hint:"), "{stderr}");
    // Nothing listens on port 9: the store cannot be opened and serve does not start.
    let (code, _, stderr) = env.run(&["serve", "--bind", "127.0.0.1:0", "--upstream", "http://127.0.0.1:9/simple/", "--db", "postgres://nobody@127.0.0.1:9/none"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("cannot connect"), "{stderr}");
}

/// Runs `safe-pip` with `extra_env` set, to completion: (exit code, stdout, stderr).
fn run_with(env: &Env, args: &[&str], extra_env: &[(&str, &str)]) -> (i32, String, String) {
    let mut c = env.command(args);
    for (k, v) in extra_env {
        c.env(k, v);
    }
    let out = c.output().expect("run safe-pip");
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
}

#[test]
fn a_laptop_imports_the_gateway_snapshot_with_a_token_from_a_file_or_the_environment() {
    let env = Env::new();
    let tokens = env.write("tokens", &format!("laptop {SECRET}\n"));
    let gateway_db = env.dir.path().join("gateway.sqlite3");
    // A verdict and a decision in the gateway's store, written by the gateway's own CLI.
    let snap = env.write(
        "seed.json",
        &serde_json::json!({"format": "safe-pip-db-snapshot", "format_version": 1, "decisions": [{
            "package": "evil", "spec": "*", "alerts": [], "reason": "known bad", "who": "sec", "action": "deny", "decided_at": 1}]})
        .to_string(),
    );
    let (code, _, stderr) = env.run(&["db", "--db", s(&gateway_db), "import", s(&snap)]);
    assert_eq!(code, 0, "{stderr}");
    let cache = env.dir.path().join("artifacts");
    let mut child = env
        .command(&[
            "serve", "--bind", "127.0.0.1:0", "--upstream", &empty_upstream(), "--db", &format!("sqlite:{}", s(&gateway_db)),
            "--token-file", s(&tokens), "--no-access-log", "--cache-dir", s(&cache), "--cache-max-bytes", "1MiB", "--page-ttl", "5",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start serve");
    let mut banner = String::new();
    BufReader::new(child.stdout.take().expect("stdout")).read_line(&mut banner).expect("banner");
    let addr = banner.split("http://").nth(1).and_then(|r| r.split_whitespace().next()).expect("listening address").to_string();
    assert!(cache.join("sha256").is_dir() && cache.join("tmp").is_dir(), "the cache folder is laid out at start");

    let laptop = env.dir.path().join("laptop.sqlite3");
    let url = format!("http://{addr}/snapshot");
    // No token: refused by the gateway, said so.
    let (code, _, stderr) = run_with(&env, &["db", "--db", s(&laptop), "import", &url], &[]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("401") && stderr.contains("hint:"), "{stderr}");
    // A token in the URL is refused before anything is sent, and not echoed.
    let with_creds = format!("http://laptop:{SECRET}@{addr}/snapshot");
    let (code, _, stderr) = run_with(&env, &["db", "--db", s(&laptop), "import", &with_creds], &[]);
    assert_eq!(code, 2, "{stderr}");
    assert!(!stderr.contains(SECRET), "{stderr}");
    // From the environment, then from a file: the decision arrives once.
    let (code, stdout, stderr) = run_with(&env, &["db", "--db", s(&laptop), "import", &url], &[("SAFE_PIP_GATEWAY_TOKEN", SECRET)]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("1 decision(s) added"), "{stdout}");
    let (code, stdout, stderr) = run_with(&env, &["db", "--db", s(&laptop), "import", &url, "--token-file", s(&tokens)], &[]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("0 decision(s) added, 1 already logged"), "{stdout}");
    assert!(!stdout.contains(SECRET) && !stderr.contains(SECRET));

    // SAFETY: kill(2) on our own child.
    unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
    assert!(child.wait().expect("serve stops").success());
    // --db-read is for PostgreSQL.
    let (code, _, stderr) = env.run(&["serve", "--bind", "127.0.0.1:0", "--upstream", "http://127.0.0.1:9/simple/", "--db", "sqlite:x.sqlite3", "--db-read", "postgres://r@127.0.0.1:9/x"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("--db-read"), "{stderr}");
}
