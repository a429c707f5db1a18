//! check over the realistic lockfile fixtures with a pre-filled temp DB, and `--fetch`
//! against an index served on 127.0.0.1 by the test with packages built here.

use super::*;
use crate::alerts::AlertId;
use crate::db::{Db, NewVerdict};
use crate::index::IndexSettings;
use crate::index::tests::server::{Reply, TestServer};
use crate::lockfile::read_lockfile;
use crate::pipeline::ScanOptions;
use crate::policy::Decision;
use crate::score;
use crate::test_fixtures::{canary_sdist, clean_sdist};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

const FIXTURES: &str = "tests/fixtures/lockfiles";

struct Env {
    dir: tempfile::TempDir,
}

impl Env {
    fn new() -> Env {
        Env { dir: tempfile::tempdir().expect("temp dir") }
    }
    fn db(&self) -> Db {
        Db::open(&self.dir.path().join("v.sqlite3")).expect("open DB")
    }
    fn gate(&self) -> Gate {
        Gate::open(Some(&self.dir.path().join("v.sqlite3")), ScanOptions::default()).expect("gate")
    }
    fn write(&self, name: &str, text: &str) -> PathBuf {
        let p = self.dir.path().join(name);
        std::fs::write(&p, text).expect("write");
        p
    }
}

/// Stores a verdict whose findings make `verdict` under the default policy (hits are
/// judged again, so the findings must carry it).
fn record(db: &Db, sha: &str, filename: &str, verdict: Action) {
    let findings: Vec<Finding> = match verdict {
        Action::Allow => Vec::new(),
        Action::Warn => vec![Finding::new(AlertId::ObfuscatedPayload, "pkg/_x.py", "base64 blob").at_line(3)],
        Action::Block => vec![Finding::new(AlertId::InstallNetwork, "pkg/setup.py", "urllib.request.urlopen() at install").at_line(9)],
    };
    let decision = Decision { verdict, reason: "stored".into() };
    db.record_verdict(&NewVerdict::new(sha, filename, &decision, score::score(&findings), &findings)).expect("record");
}

fn osv(id: &str, name: &str, versions: &[&str]) -> String {
    serde_json::json!({"id": id, "summary": format!("Malicious code in {name}"),
        "affected": [{"package": {"ecosystem": "PyPI", "name": name}, "versions": versions}]})
    .to_string()
}

fn lock(name: &str) -> Lockfile {
    read_lockfile(&Path::new(FIXTURES).join(name)).expect("fixture parses")
}

fn statuses(r: &CheckReport) -> BTreeMap<String, Status> {
    r.packages.iter().map(|p| (p.name.clone(), p.status)).collect()
}

fn pkg<'a>(r: &'a CheckReport, name: &str) -> &'a PackageCheck {
    r.packages.iter().find(|p| p.name == name).unwrap_or_else(|| panic!("{name} not checked"))
}

fn sha_hex(b: &[u8]) -> String {
    crate::hex::hex(&Sha256::digest(b))
}

#[test]
fn requirements_with_hashes_are_classified_from_the_db() {
    let env = Env::new();
    let l = lock("requirements.txt");
    let db = env.db();
    let shas = |name: &str| -> Vec<String> { l.find(name).flat_map(|p| p.files.iter().filter_map(|f| f.sha256().map(str::to_string))).collect() };
    for (name, verdicts) in [
        ("certifi", vec![Action::Allow, Action::Allow]),
        ("charset-normalizer", vec![Action::Warn]),
        ("idna", vec![Action::Allow]), // its second file stays unknown
        ("requests", vec![Action::Allow, Action::Block]),
        ("pysocks", vec![Action::Allow]),
        ("urllib3", vec![Action::Allow, Action::Allow]),
    ] {
        for (sha, v) in shas(name).iter().zip(verdicts) {
            record(&db, sha, &format!("{name}.whl"), v);
        }
    }
    // internal-client has no verdict at all, but a known-malware advisory.
    db.import_osv_bytes(osv("MAL-2099-3", "Internal_Client", &["0.9.1"]).as_bytes(), "test").expect("import");
    // An advisory for another version does not apply.
    db.import_osv_bytes(osv("MAL-2099-4", "certifi", &["1999.1.1"]).as_bytes(), "test").expect("import");

    let r = check(&[l], &env.gate(), &CheckOptions::default()).expect("check");
    let expected: BTreeMap<String, Status> = [
        ("certifi", Status::Allowed),
        ("charset-normalizer", Status::Warned),
        ("idna", Status::Unverified),
        ("requests", Status::Blocked),
        ("internal-client", Status::Blocked),
        ("pysocks", Status::Allowed),
        ("urllib3", Status::Allowed),
    ]
    .into_iter()
    .map(|(n, s)| (n.to_string(), s))
    .collect();
    assert_eq!(statuses(&r), expected);
    assert_eq!(r.exit_code(), 1);

    let idna = pkg(&r, "idna");
    assert_eq!((idna.count(Status::Allowed), idna.count(Status::Unverified)), (1, 1));
    assert!(idna.reason.contains("1 of 2") && idna.reason.contains("not in the verdict DB"), "{}", idna.reason);
    let requests = pkg(&r, "requests");
    assert_eq!(requests.alerts.iter().map(|f| f.alert).collect::<Vec<_>>(), vec![AlertId::InstallNetwork]);
    assert_eq!(requests.location, format!("{FIXTURES}/requirements.txt:21"));
    let internal = pkg(&r, "internal-client");
    assert_eq!(internal.alerts[0].alert, AlertId::KnownMalware);
    assert!(internal.reason.contains("MAL-2099-3"), "{}", internal.reason);
    assert_eq!(pkg(&r, "charset-normalizer").alerts[0].alert, AlertId::ObfuscatedPayload);

    insta::assert_snapshot!("requirements_json", render_json(&r));
    insta::assert_snapshot!("requirements_terminal", render_terminal(&r, false, false));
}

#[test]
fn every_lockfile_format_is_read_and_entries_without_a_file_hash_are_unverified() {
    let cases: [(&str, &[(&str, &str)]); 4] = [
        ("poetry-1.lock", &[]),
        ("poetry-2.lock", &[("rich-click", "VCS checkout"), ("vendored-utils", "local source tree")]),
        ("pylock.toml", &[("attrs", "VCS checkout")]),
        ("uv.lock", &[("shared-lib", "local source tree"), ("typer", "VCS checkout")]),
    ];
    for (file, unverified) in cases {
        let env = Env::new();
        let l = lock(file);
        let db = env.db();
        for p in &l.packages {
            for f in &p.files {
                if let Some(sha) = f.sha256() {
                    record(&db, sha, f.filename.as_deref().unwrap_or("f.whl"), Action::Allow);
                }
            }
        }
        let r = check(std::slice::from_ref(&l), &env.gate(), &CheckOptions::default()).expect("check");
        assert!(!r.packages.is_empty(), "{file}");
        for p in &r.packages {
            match unverified.iter().find(|(n, _)| *n == p.name) {
                Some((_, why)) => {
                    assert_eq!(p.status, Status::Unverified, "{file} {}", p.name);
                    assert!(p.reason.contains(why), "{file} {}: {}", p.name, p.reason);
                }
                None => assert_eq!(p.status, Status::Allowed, "{file} {}: {}", p.name, p.reason),
            }
        }
        assert_eq!(r.exit_code(), if unverified.is_empty() { 0 } else { 3 }, "{file}");
        // The project itself is not a dependency.
        assert!(r.packages.iter().all(|p| p.name != "demo-app" && p.name != "my-app"), "{file}");
        let lenient = check(&[l], &env.gate(), &CheckOptions { unverified: Action::Warn, fetch: None }).expect("check");
        assert_eq!(lenient.exit_code(), 0, "{file}");
    }
}

#[test]
fn exit_codes_follow_the_worst_package_and_what_unverified_means() {
    let env = Env::new();
    let (a, c) = ("a".repeat(64), "c".repeat(64));
    let path = env.write("requirements.txt", &format!("alpha==1.0 --hash=sha256:{a}\nbeta==2.0\ngamma>=1\ndelta==1.0 --hash=sha256:{c}\n"));
    let db = env.db();
    record(&db, &a, "alpha-1.0.tar.gz", Action::Allow);
    record(&db, &c, "delta-1.0.tar.gz", Action::Warn);
    let run = |unverified| check(&[read_lockfile(&path).expect("parse")], &env.gate(), &CheckOptions { unverified, fetch: None }).expect("check");

    let r = run(Action::Block);
    assert_eq!(statuses(&r)["beta"], Status::Unverified);
    assert!(pkg(&r, "beta").reason.contains("no file hash pinned"), "{}", pkg(&r, "beta").reason);
    assert!(pkg(&r, "gamma").reason.contains("not pinned to one version"), "{}", pkg(&r, "gamma").reason);
    assert_eq!((statuses(&r)["alpha"], statuses(&r)["delta"]), (Status::Allowed, Status::Warned));
    assert_eq!(r.exit_code(), 3);
    assert_eq!(run(Action::Warn).exit_code(), 0);

    record(&db, &a, "alpha-1.0.tar.gz", Action::Block);
    assert_eq!(run(Action::Warn).exit_code(), 1);
    assert_eq!(run(Action::Block).exit_code(), 1, "blocked wins over unverified");
}

// ── --fetch against a local index ──

/// A project on the fixture index: its files as (filename, bytes, advertised sha256).
struct Hosted {
    name: &'static str,
    files: Vec<(String, Vec<u8>, String)>,
}

fn hosted(name: &'static str, filename: &str, bytes: Vec<u8>) -> Hosted {
    let sha = sha_hex(&bytes);
    Hosted { name, files: vec![(filename.to_string(), bytes, sha)] }
}

/// PEP 691 JSON pages under /simple/, files under /files/, direct URLs under /direct/;
/// `/simple/broken/` answers 500.
fn serve(projects: Vec<Hosted>, direct: Vec<(String, Vec<u8>)>) -> TestServer {
    let projects = Arc::new(projects);
    let direct = Arc::new(direct);
    TestServer::start(move |req, _| {
        if req.path == "/simple/broken/" {
            return Reply::status(500);
        }
        for p in projects.iter() {
            if req.path == format!("/simple/{}/", p.name) {
                let files: Vec<serde_json::Value> = p
                    .files
                    .iter()
                    .map(|(f, b, sha)| serde_json::json!({"filename": f, "url": format!("/files/{f}"), "hashes": {"sha256": sha}, "size": b.len()}))
                    .collect();
                let body = serde_json::json!({"meta": {"api-version": "1.1"}, "name": p.name, "files": files});
                return Reply::ok("application/vnd.pypi.simple.v1+json", body.to_string());
            }
            for (f, b, _) in &p.files {
                if req.path == format!("/files/{f}") {
                    return Reply::ok("application/octet-stream", b.clone());
                }
            }
        }
        for (f, b) in direct.iter() {
            if req.path == format!("/direct/{f}") {
                return Reply::ok("application/octet-stream", b.clone());
            }
        }
        Reply::status(404)
    })
}

#[test]
fn fetch_fills_the_gaps_through_the_gate_and_never_allows_what_it_cannot_verify() {
    let clean = clean_sdist("tidy-numbers", "3.1.0");
    let canary = canary_sdist("canary-pkg", "1.0");
    let direct = clean_sdist("direct-pkg", "1.0");
    let served_lying = clean_sdist("lying", "1.0");
    let server = serve(
        vec![
            hosted("tidy-numbers", "tidy-numbers-3.1.0.tar.gz", clean.clone()),
            hosted("canary-pkg", "canary-pkg-1.0.tar.gz", canary.clone()),
            hosted("lying", "lying-1.0.tar.gz", served_lying),
            hosted("other-files", "other_files-1.0.tar.gz", clean_sdist("other-files", "1.0")),
        ],
        vec![("direct_pkg-1.0.tar.gz".into(), direct.clone())],
    );
    let env = Env::new();
    let unknown = "e".repeat(64);
    let reqs = env.write(
        "requirements.txt",
        &format!(
            "tidy-numbers==3.1.0 --hash=sha256:{}\ncanary-pkg==1.0 --hash=sha256:{}\nother-files==1.0 --hash=sha256:{unknown}\n\
             not-there==1.0 --hash=sha256:{unknown}\nbroken==1.0 --hash=sha256:{unknown}\n",
            sha_hex(&clean),
            sha_hex(&canary)
        ),
    );
    let pylock = env.write(
        "pylock.toml",
        &format!(
            "lock-version = '1.0'\ncreated-by = 'test'\n\n[[packages]]\nname = 'direct-pkg'\nversion = '1.0'\n\n    [packages.archive]\n    url = '{}'\n    hashes = {{sha256 = '{}'}}\n\n\
             [[packages]]\nname = 'lying'\nversion = '1.0'\n\n    [packages.sdist]\n    name = 'lying-1.0.tar.gz'\n    url = '{}'\n    hashes = {{sha256 = '{}'}}\n",
            server.url("/direct/direct_pkg-1.0.tar.gz"),
            sha_hex(&direct),
            server.url("/files/lying-1.0.tar.gz"),
            "d".repeat(64),
        ),
    );
    let locks = || vec![read_lockfile(&reqs).expect("requirements"), read_lockfile(&pylock).expect("pylock")];

    // Offline: nothing is sent, everything is unverified.
    let offline = check(&locks(), &env.gate(), &CheckOptions::default()).expect("check");
    assert!(offline.packages.iter().all(|p| p.status == Status::Unverified), "{:?}", statuses(&offline));
    assert!(server.requests().is_empty(), "check without --fetch sent {:?}", server.requests().iter().map(|r| &r.path).collect::<Vec<_>>());

    let mut settings = IndexSettings::for_index(&server.url("/simple/"));
    settings.retries = 0;
    let client = IndexClient::new(&settings).expect("client").with_backoff(std::time::Duration::from_millis(1));
    let r = check(&locks(), &env.gate(), &CheckOptions { unverified: Action::Block, fetch: Some(&client) }).expect("check");
    let got = statuses(&r);
    assert_eq!(got["tidy-numbers"], Status::Allowed, "{}", pkg(&r, "tidy-numbers").reason);
    assert_eq!(got["canary-pkg"], Status::Blocked);
    assert!(pkg(&r, "canary-pkg").alerts.iter().any(|f| f.alert == AlertId::InstallNetwork));
    assert_eq!(got["direct-pkg"], Status::Allowed, "from the URL the lockfile records: {}", pkg(&r, "direct-pkg").reason);
    assert_eq!(got["other-files"], Status::Unverified, "the index has no file with the pinned hash");
    assert!(pkg(&r, "other-files").reason.contains("not found on"), "{}", pkg(&r, "other-files").reason);
    assert_eq!(got["not-there"], Status::Unverified);
    assert!(pkg(&r, "not-there").reason.contains("no project `not-there`"), "{}", pkg(&r, "not-there").reason);
    assert_eq!(got["broken"], Status::Error, "an index error is never allowed");
    assert!(pkg(&r, "broken").hint.is_some());
    assert_eq!(got["lying"], Status::Error, "other bytes than the lockfile pins");
    assert!(pkg(&r, "lying").reason.contains("hash mismatch"), "{}", pkg(&r, "lying").reason);
    assert!(pkg(&r, "tidy-numbers").files.iter().all(|f| f.fetched));
    assert_eq!(r.exit_code(), 1);

    // What was fetched is now in the DB: offline again, the same verdicts, nothing sent.
    let before = server.requests().len();
    let again = check(&locks(), &env.gate(), &CheckOptions::default()).expect("check");
    assert_eq!(server.requests().len(), before);
    for name in ["tidy-numbers", "canary-pkg", "direct-pkg"] {
        assert_eq!(statuses(&again)[name], got[name], "{name}");
        assert!(pkg(&again, name).files.iter().all(|f| !f.fetched));
    }
}
