//! Start, health, loopback only, stable URLs across restarts, credentials, stop.

use super::*;

#[test]
fn file_urls_are_stable_and_served_after_a_restart() {
    let fx = standard();
    let srv = fx.fixture.clone().serve();
    let first = proxy_for(&srv.url("/simple/"), Arc::new(ScanGate::default()), |_| {});
    let urls = file_urls(&first, "demo");
    first.stop();
    let second = proxy_for(&srv.url("/simple/"), Arc::new(ScanGate::default()), |_| {});
    // The new proxy never listed the page, yet serves the old URL (it re-reads the page).
    let r = get(&second, &urls[&fx.demo_whl.0]);
    assert_eq!(r.status, 200, "{}", r.reason);
    assert_eq!(r.body, fx.demo_whl.1);
    assert_eq!(file_urls(&second, "demo"), urls, "same URLs in every run");
}

#[test]
fn health_names_upstreams_without_credentials_and_credentials_go_upstream_only() {
    let fx = standard();
    let srv = fx.fixture.clone().serve();
    let upstream = format!("http://alice:s3cret-token@{}/simple/", srv.addr);
    let p = proxy_for(&upstream, Arc::new(ScanGate::default()), |_| {});
    let h = get(&p, "/health");
    assert_eq!(h.status, 200);
    let doc = h.json();
    assert_eq!(doc["status"], "ok");
    assert_eq!(doc["upstreams"][0], format!("http://alice:****@{}/simple/", srv.addr));
    assert_eq!(p.upstreams(), vec![format!("http://alice:****@{}/simple/", srv.addr)]);
    let page = request(p.addr(), "GET", "/u/0/simple/demo/", &[("Accept", PIP_ACCEPT)]);
    let file = get(&p, &file_urls(&p, "demo")[&fx.demo_whl.0]);
    assert!(!page.text().contains("alice"), "no upstream userinfo in pages");
    for text in [h.text(), page.text(), file.reason.clone()] {
        assert!(!text.contains("s3cret"), "{text}");
    }
    let sent = srv.requests();
    let auth = sent.iter().find(|r| r.path == "/simple/demo/").and_then(|r| r.header("authorization").map(str::to_string));
    use base64::Engine;
    assert_eq!(auth, Some(format!("Basic {}", base64::engine::general_purpose::STANDARD.encode("alice:s3cret-token"))));
}

#[test]
fn only_loopback_binds_and_loopback_hosts() {
    let s = IndexSettings::for_index("http://127.0.0.1:9/simple/");
    let mut c = ProxyConfig::new(s, Arc::new(ScanGate::default()));
    c.bind = "0.0.0.0:0".parse().unwrap();
    assert!(matches!(start(c), Err(crate::proxy::ProxyError::NotLoopback { .. })));

    let srv = standard().fixture.serve();
    let p = proxy_for(&srv.url("/simple/"), Arc::new(ScanGate::default()), |_| {});
    let rebound = request(p.addr(), "GET", "/u/0/simple/demo/", &[("Host", "attacker.example")]);
    assert_eq!(rebound.status, 403);
    assert!(rebound.reason.contains("127.0.0.1"), "{}", rebound.reason);
    assert_eq!(hits(&srv, "/simple/demo/"), 0);
    assert_eq!(request(p.addr(), "GET", "/health", &[("Host", "localhost")]).status, 200);
    let post = request(p.addr(), "POST", "/u/0/simple/demo/", &[]);
    assert_eq!(post.status, 405);
}

/// Sends `head` (request line and headers, without the blank line) as is; the status.
fn raw_status(addr: std::net::SocketAddr, head: &str) -> (u16, String) {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(std::time::Duration::from_secs(30))).unwrap();
    s.write_all(format!("{head}\r\nConnection: close\r\n\r\n").as_bytes()).unwrap();
    let mut all = Vec::new();
    let _ = s.read_to_end(&mut all);
    let text = String::from_utf8_lossy(&all).into_owned();
    let status = text.split(' ').nth(1).and_then(|c| c.parse().ok()).unwrap_or(0);
    (status, text)
}

#[test]
fn requests_with_two_hosts_or_none_on_http_1_1_are_bad_requests() {
    // #14: two Host headers were judged by the first one; RFC 9112 wants 400 for both
    let srv = standard().fixture.serve();
    let p = proxy_for(&srv.url("/simple/"), Arc::new(ScanGate::default()), |_| {});
    let (status, text) = raw_status(p.addr(), "GET /u/0/simple/demo/ HTTP/1.1\r\nHost: 127.0.0.1\r\nHost: attacker.example");
    assert_eq!(status, 400, "{text}");
    let (status, text) = raw_status(p.addr(), "GET /u/0/simple/demo/ HTTP/1.1\r\nHost: attacker.example\r\nHost: 127.0.0.1");
    assert_eq!(status, 400, "{text}");
    let (status, text) = raw_status(p.addr(), "GET /u/0/simple/demo/ HTTP/1.1");
    assert_eq!(status, 400, "{text}");
    let (status, text) = raw_status(p.addr(), "GET /u/0/simple/demo/ HTTP/1.1\r\nHost: attacker.example\u{e9}");
    assert_eq!(status, 400, "a Host that is not text is not a missing Host: {text}");
    assert_eq!(hits(&srv, "/simple/demo/"), 0, "nothing went upstream");
    // HTTP/1.0 needs no Host; one loopback Host is fine
    assert_eq!(raw_status(p.addr(), "GET /health HTTP/1.0").0, 200);
    assert_eq!(raw_status(p.addr(), "GET /health HTTP/1.1\r\nHost: localhost").0, 200);
}

#[test]
fn stop_frees_the_port() {
    let srv = standard().fixture.serve();
    let p = proxy_for(&srv.url("/simple/"), Arc::new(ScanGate::default()), |_| {});
    let addr = p.addr();
    assert_eq!(get(&p, "/health").status, 200);
    p.stop();
    assert!(TcpStream::connect_timeout(&addr, Duration::from_secs(1)).is_err(), "nobody listens any more");
    let again = proxy_for(&srv.url("/simple/"), Arc::new(ScanGate::default()), |c| c.bind = addr);
    assert_eq!(again.addr(), addr);
}

#[test]
fn scan_gate_soft_blocks_files_it_blocked() {
    let fx = standard();
    let srv = fx.fixture.clone().serve();
    let p = proxy_for(&srv.url("/simple/"), Arc::new(ScanGate::default()), |_| {});
    let url = request(p.addr(), "GET", "/u/0/simple/evil/", &[("Accept", PIP_ACCEPT)]).json()["files"][0]["url"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(get(&p, &url).status, 403);
    let again = request(p.addr(), "GET", "/u/0/simple/evil/", &[("Accept", PIP_ACCEPT)]).json();
    let yanked = again["files"][0]["yanked"].as_str().unwrap_or_default().to_string();
    assert!(yanked.starts_with("blocked by safe-pip: install-network: "), "{again}");
    assert!(yanked.ends_with("(safe-pip explain install-network)"), "{again}");
}

#[test]
fn events_reach_the_callback_once_per_file_and_outcome() {
    let fx = standard();
    let srv = fx.fixture.clone().serve();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sink = seen.clone();
    let p = proxy_for(&srv.url("/simple/"), Arc::new(ScanGate::default()), move |c| {
        c.on_event = Some(Arc::new(move |e: &crate::proxy::ProxyEvent| sink.lock().unwrap().push((e.filename.clone(), e.served))));
    });
    let url = file_urls(&p, "demo")[&fx.demo_whl.0].clone();
    for _ in 0..3 {
        assert_eq!(get(&p, &url).status, 200);
    }
    assert_eq!(*seen.lock().unwrap(), vec![(fx.demo_whl.0.clone(), true)]);
    assert_eq!(p.events().len(), 1);

    // A long-running proxy keeps no events, and still reports a file once per install.
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sink = seen.clone();
    let p = proxy_for(&srv.url("/simple/"), Arc::new(ScanGate::default()), move |c| {
        c.retain_events = false;
        c.on_event = Some(Arc::new(move |e: &crate::proxy::ProxyEvent| sink.lock().unwrap().push((e.filename.clone(), e.served))));
    });
    let (good, bad) = (file_urls(&p, "demo")[&fx.demo_whl.0].clone(), file_urls(&p, "evil")[&fx.evil.0].clone());
    for _ in 0..3 {
        assert_eq!(get(&p, &good).status, 200);
        assert_eq!(get(&p, &bad).status, 403);
    }
    assert_eq!(seen.lock().unwrap().len(), 2, "{:?}", seen.lock().unwrap());
    assert!(p.events().is_empty());
}

#[test]
fn stop_lets_an_in_flight_download_finish() {
    let mut fx = standard();
    fx.fixture.file_delay = Some(Duration::from_millis(800));
    let srv = fx.fixture.clone().serve();
    let p = proxy_for(&srv.url("/simple/"), Arc::new(ScanGate::default()), |_| {});
    let url = file_urls(&p, "demo")[&fx.demo_whl.0].clone();
    let addr = p.addr();
    let client = std::thread::spawn(move || request(addr, "GET", &url, &[]));
    while hits(&srv, &format!("/files/{}", fx.demo_whl.0)) == 0 {
        std::thread::sleep(Duration::from_millis(10));
    }
    p.stop(); // while upstream is still answering
    let r = client.join().unwrap();
    assert_eq!((r.status, r.body.len()), (200, fx.demo_whl.1.len()), "{}", r.reason);
}

#[test]
fn ipv6_loopback_works_where_available() {
    if std::net::TcpListener::bind("[::1]:0").is_err() {
        return; // no IPv6 on this machine
    }
    let srv = standard().fixture.serve();
    let p = proxy_for(&srv.url("/simple/"), Arc::new(ScanGate::default()), |c| c.bind = "[::1]:0".parse().unwrap());
    assert!(p.url().starts_with("http://[::1]:"), "{}", p.url());
    assert_eq!(request(p.addr(), "GET", "/health", &[("Host", &p.addr().to_string())]).status, 200);
}
