//! check over the realistic lockfile fixtures with a pre-filled temp DB, and `--fetch`
//! against an index served on 127.0.0.1 by the test with packages built here.

use super::*;
use crate::alerts::AlertId;
use crate::db::{Db, NewVerdict};
use crate::index::IndexSettings;
use crate::index::tests::server::{Reply, TestServer};
use crate::lockfile::read_lockfile;
use crate::pipeline::ScanOptions;
use crate::score;
use crate::test_fixtures::{canary_sdist, clean_sdist};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

const FIXTURES: &str = "tests/fixtures/lockfiles";

use crate::test_fixtures::TempDb as Env;

/// Stores a verdict whose findings make `verdict` under the default policy (hits are
/// judged again, so the findings must carry it).
fn record(db: &Db, sha: &str, filename: &str, verdict: Action) {
    let findings: Vec<Finding> = match verdict {
        Action::Allow => Vec::new(),
        Action::Warn => vec![Finding::new(AlertId::ObfuscatedPayload, "pkg/_x.py", "base64 blob").at_line(3)],
        Action::Block => vec![Finding::new(AlertId::InstallNetwork, "pkg/setup.py", "urllib.request.urlopen() at install").at_line(9)],
    };
    db.record_verdict(&NewVerdict::new(sha, filename, verdict, "stored", score::score(&findings), &findings)).expect("record");
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
    assert_eq!(r.exit_code(), crate::exit::ExitStatus::Blocked);

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
        assert_eq!(r.exit_code().code(), if unverified.is_empty() { 0 } else { 3 }, "{file}");
        // The project itself is not a dependency.
        assert!(r.packages.iter().all(|p| p.name != "demo-app" && p.name != "my-app"), "{file}");
        let lenient = check(&[l], &env.gate(), &CheckOptions { unverified: Action::Warn, ..CheckOptions::default() }).expect("check");
        assert_eq!(lenient.exit_code(), crate::exit::ExitStatus::Allowed, "{file}");
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
    let run = |unverified| check(&[read_lockfile(&path).expect("parse")], &env.gate(), &CheckOptions { unverified, ..CheckOptions::default() }).expect("check");

    let r = run(Action::Block);
    assert_eq!(statuses(&r)["beta"], Status::Unverified);
    assert!(pkg(&r, "beta").reason.contains("no file hash pinned"), "{}", pkg(&r, "beta").reason);
    assert!(pkg(&r, "gamma").reason.contains("not pinned to one version"), "{}", pkg(&r, "gamma").reason);
    assert_eq!((statuses(&r)["alpha"], statuses(&r)["delta"]), (Status::Allowed, Status::Warned));
    assert_eq!(r.exit_code(), crate::exit::ExitStatus::Unverified);
    assert_eq!(run(Action::Warn).exit_code(), crate::exit::ExitStatus::Allowed);

    record(&db, &a, "alpha-1.0.tar.gz", Action::Block);
    assert_eq!(run(Action::Warn).exit_code(), crate::exit::ExitStatus::Blocked);
    assert_eq!(run(Action::Block).exit_code(), crate::exit::ExitStatus::Blocked, "blocked wins over unverified");
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
    let r = check(&locks(), &env.gate(), &CheckOptions { fetch: Some(&client), ..CheckOptions::default() }).expect("check");
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
    assert_eq!(r.exit_code(), crate::exit::ExitStatus::Blocked);

    // What was fetched is now in the DB: offline again, the same verdicts, nothing sent.
    let before = server.requests().len();
    let again = check(&locks(), &env.gate(), &CheckOptions::default()).expect("check");
    assert_eq!(server.requests().len(), before);
    for name in ["tidy-numbers", "canary-pkg", "direct-pkg"] {
        assert_eq!(statuses(&again)[name], got[name], "{name}");
        assert!(pkg(&again, name).files.iter().all(|f| !f.fetched));
    }
}

// ── which files this environment installs ──

/// CPython 3.11 on glibc Linux x86_64, in `packaging.tags.sys_tags()` order (abridged): the
/// interpreter's own ABI first, then abi3, then none, then the pure-Python tags.
fn linux_cp311() -> Target {
    let plats = ["manylinux_2_36_x86_64", "manylinux_2_17_x86_64", "manylinux2014_x86_64", "linux_x86_64"];
    let mut tags = Vec::new();
    for abi in ["cp311", "abi3", "none"] {
        tags.extend(plats.iter().map(|p| format!("cp311-{abi}-{p}")));
    }
    for minor in (2..=10).rev() {
        tags.extend(plats.iter().map(|p| format!("cp3{minor}-abi3-{p}")));
    }
    for py in ["py311", "py3", "py310", "py39"] {
        tags.extend(plats.iter().map(|p| format!("{py}-none-{p}")));
    }
    tags.extend(["cp311-none-any", "py311-none-any", "py3-none-any", "py310-none-any", "py39-none-any"].map(String::from));
    let markers = [
        ("implementation_name", "cpython"),
        ("implementation_version", "3.11.7"),
        ("os_name", "posix"),
        ("platform_machine", "x86_64"),
        ("platform_python_implementation", "CPython"),
        ("platform_release", "6.1.0"),
        ("platform_system", "Linux"),
        ("platform_version", "#1 SMP"),
        ("python_full_version", "3.11.7"),
        ("python_version", "3.11"),
        ("sys_platform", "linux"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    Target::new("/test/python3.11", tags, markers)
}

fn for_target(t: &Target) -> CheckOptions<'_> {
    CheckOptions { platforms: Platforms::Environment(Some(t)), ..CheckOptions::default() }
}

fn sha_of(l: &Lockfile, filename: &str) -> String {
    l.packages.iter().flat_map(|p| &p.files).find(|f| f.filename.as_deref() == Some(filename)).and_then(|f| f.sha256()).unwrap_or_else(|| panic!("{filename} not locked")).to_string()
}

fn file<'a>(p: &'a PackageCheck, filename: &str) -> &'a FileCheck {
    p.files.iter().find(|f| f.filename.as_deref() == Some(filename)).unwrap_or_else(|| panic!("{filename} not in {}", p.name))
}

const LINUX_WHEEL: &str = "fastnum-1.0-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl";

/// What a guarded install on linux x86_64 CPython 3.11 left in the DB: the files it fetched.
fn installed_on_linux(l: &Lockfile, db: &Db) {
    for f in [LINUX_WHEEL, "purelib-2.0-py3-none-any.whl", "optional_thing-0.5-py3-none-any.whl"] {
        record(db, &sha_of(l, f), f, Action::Allow);
    }
}

#[test]
fn only_the_files_this_environment_installs_count_and_all_platforms_counts_every_file() {
    for name in ["poetry.lock", "uv.lock"] {
        let env = Env::new();
        let l = lock(&format!("platforms/{name}"));
        installed_on_linux(&l, &env.db());
        let t = linux_cp311();
        let r = check(std::slice::from_ref(&l), &env.gate(), &for_target(&t)).expect("check");
        let expected: BTreeMap<String, Status> =
            [("fastnum", Status::Allowed), ("purelib", Status::Allowed), ("optional-thing", Status::Allowed), ("winonly", Status::Skipped)]
                .into_iter()
                .map(|(n, s)| (n.to_string(), s))
                .collect();
        assert_eq!(statuses(&r), expected, "{name}");
        assert_eq!(r.exit_code(), crate::exit::ExitStatus::Allowed, "{name}");
        // fastnum: 7 of its 8 files are not for this interpreter; purelib's sdist is not
        // needed (a wheel installs); both of winonly's files are for Windows.
        assert_eq!(r.files_not_checked(), 10, "{name}");
        let fastnum = pkg(&r, "fastnum");
        assert_eq!(fastnum.files.iter().filter(|f| f.applies).map(|f| f.filename.as_deref().unwrap_or("")).collect::<Vec<_>>(), vec![LINUX_WHEEL], "{name}");
        assert!(fastnum.reason.starts_with(&format!("{LINUX_WHEEL}: ")), "{name}: {}", fastnum.reason);
        for (f, why) in [
            ("fastnum-1.0-cp311-cp311-win_amd64.whl", "another platform"),
            ("fastnum-1.0-cp311-cp311-musllinux_1_1_x86_64.whl", "another platform"),
            ("fastnum-1.0-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl", "another platform or Python"),
            ("fastnum-1.0-py3-none-any.whl", "better-matching wheel"),
            ("fastnum-1.0.tar.gz", "an sdist"),
        ] {
            let f = file(fastnum, f);
            assert_eq!((f.status, f.applies), (Status::Skipped, false), "{name} {:?}", f.filename);
            assert!(f.reason.contains(why) && f.reason.contains("not checked"), "{name}: {}", f.reason);
        }
        let winonly = pkg(&r, "winonly");
        assert!(winonly.not_for_environment && winonly.reason.contains("not for this environment") && winonly.reason.contains("win32"), "{name}: {}", winonly.reason);
        // `extra == "cli"` depends on what is asked for, not on the interpreter: judged.
        assert!(!pkg(&r, "optional-thing").not_for_environment, "{name}");

        let text = render_terminal(&r, false, false);
        assert!(text.contains("10 locked files for other platforms, not checked (judged for CPython 3.11.7 linux x86_64 at /test/python3.11;"), "{text}");
        assert!(text.contains("SKIPPED    winonly 306  (not for this environment"), "{text}");
        assert!(text.contains(", 1 not for this environment"), "{text}");
        let verbose = render_terminal(&r, false, true);
        assert!(verbose.contains("other platforms, not checked: fastnum-1.0"), "{verbose}");
        let json: serde_json::Value = serde_json::from_str(&render_json(&r)).expect("json");
        assert_eq!(json["platforms"], "environment");
        assert_eq!(json["target"]["sys_platform"], "linux");
        assert_eq!((json["summary"]["files_not_checked"].as_u64(), json["summary"]["skipped"].as_u64()), (Some(10), Some(1)), "{name}");
        let winonly_json = json["packages"].as_array().expect("packages").iter().find(|p| p["name"] == "winonly").expect("winonly").clone();
        assert_eq!((winonly_json["status"].as_str(), winonly_json["for_this_environment"].as_bool()), (Some("skipped"), Some(false)));

        // --all-platforms: every locked file counts, as before.
        let all = check(std::slice::from_ref(&l), &env.gate(), &CheckOptions::default()).expect("check");
        assert_eq!(statuses(&all)["fastnum"], Status::Unverified, "{name}");
        assert!(pkg(&all, "fastnum").reason.starts_with("7 of 8 locked files unverified"), "{name}: {}", pkg(&all, "fastnum").reason);
        assert_eq!((statuses(&all)["purelib"], statuses(&all)["winonly"]), (Status::Unverified, Status::Unverified), "{name}");
        assert_eq!((all.exit_code().code(), all.files_not_checked()), (3, 0), "{name}");
        let text = render_terminal(&all, false, false);
        assert!(!text.contains("not checked") && text.contains("`safe-pip check --fetch`"), "{text}");
        if name == "poetry.lock" {
            insta::assert_snapshot!("platforms_terminal", render_terminal(&r, false, false));
        }
    }
}

#[test]
fn a_file_the_db_blocks_blocks_its_package_whatever_the_platform() {
    let env = Env::new();
    let l = lock("platforms/poetry.lock");
    let db = env.db();
    installed_on_linux(&l, &db);
    record(&db, &sha_of(&l, "fastnum-1.0-cp311-cp311-win_amd64.whl"), "fastnum-1.0-cp311-cp311-win_amd64.whl", Action::Block);
    record(&db, &sha_of(&l, "winonly-306-cp311-cp311-win32.whl"), "winonly-306-cp311-cp311-win32.whl", Action::Block);
    // A warning on a file this environment does not install does not count.
    record(&db, &sha_of(&l, "purelib-2.0.tar.gz"), "purelib-2.0.tar.gz", Action::Warn);
    let t = linux_cp311();
    let r = check(&[l], &env.gate(), &for_target(&t)).expect("check");
    assert_eq!((statuses(&r)["fastnum"], statuses(&r)["winonly"], statuses(&r)["purelib"]), (Status::Blocked, Status::Blocked, Status::Allowed));
    assert!(pkg(&r, "fastnum").reason.starts_with("fastnum-1.0-cp311-cp311-win_amd64.whl (not for this environment): critical alert"), "{}", pkg(&r, "fastnum").reason);
    assert_eq!(pkg(&r, "fastnum").alerts[0].alert, AlertId::InstallNetwork);
    assert_eq!(r.exit_code(), crate::exit::ExitStatus::Blocked);
}

/// A uv.lock with one registry package `pick` 1.0 and these files (first: the sdist, if
/// its name says so).
fn uv_lock_with(env: &Env, files: &[&str]) -> Lockfile {
    let entry = |f: &str| format!("{{ url = \"https://files.example.org/{f}\", hash = \"sha256:{}\" }}", sha_hex(f.as_bytes()));
    let sdist = files.iter().find(|f| !f.ends_with(".whl")).map(|f| format!("sdist = {}\n", entry(f))).unwrap_or_default();
    let wheels: Vec<String> = files.iter().filter(|f| f.ends_with(".whl")).map(|f| format!("    {},\n", entry(f))).collect();
    let text = format!("version = 1\nrevision = 2\n\n[[package]]\nname = \"pick\"\nversion = \"1.0\"\nsource = {{ registry = \"https://pypi.org/simple\" }}\n{sdist}wheels = [\n{}]\n", wheels.concat());
    read_lockfile(&env.write("uv.lock", &text)).expect("uv.lock")
}

fn applying(r: &CheckReport) -> Vec<String> {
    pkg(r, "pick").files.iter().filter(|f| f.applies).filter_map(|f| f.filename.clone()).collect()
}

#[test]
fn the_best_ranked_compatible_wheel_counts_as_pip_picks_it_and_the_sdist_only_without_one() {
    let env = Env::new();
    let t = linux_cp311();
    let run = |files: &[&str]| check(&[uv_lock_with(&env, files)], &env.gate(), &for_target(&t)).expect("check");
    // The interpreter's own ABI beats abi3, which beats a pure wheel; a higher build wins a tie.
    let r = run(&[
        "pick-1.0.tar.gz",
        "pick-1.0-py3-none-any.whl",
        "pick-1.0-cp39-abi3-manylinux_2_17_x86_64.whl",
        "pick-1.0-1-cp311-cp311-manylinux_2_17_x86_64.whl",
        "pick-1.0-2-cp311-cp311-manylinux_2_17_x86_64.whl",
        "pick-1.0-cp311-cp311-manylinux_2_36_x86_64.whl",
    ]);
    assert_eq!(applying(&r), vec!["pick-1.0-cp311-cp311-manylinux_2_36_x86_64.whl"], "the newest manylinux ranks first");
    let r = run(&["pick-1.0.tar.gz", "pick-1.0-py3-none-any.whl", "pick-1.0-cp39-abi3-manylinux_2_17_x86_64.whl"]);
    assert_eq!(applying(&r), vec!["pick-1.0-cp39-abi3-manylinux_2_17_x86_64.whl"]);
    let r = run(&["pick-1.0-1-cp311-cp311-linux_x86_64.whl", "pick-1.0-2-cp311-cp311-linux_x86_64.whl"]);
    assert_eq!(applying(&r), vec!["pick-1.0-2-cp311-cp311-linux_x86_64.whl"]);
    // No compatible wheel: pip builds the sdist.
    let r = run(&["pick-1.0.tar.gz", "pick-1.0-cp311-cp311-win_amd64.whl", "pick-1.0-cp312-cp312-manylinux_2_17_x86_64.whl"]);
    assert_eq!(applying(&r), vec!["pick-1.0.tar.gz"]);
    // Nothing installs here: unverified, not silently passed.
    let r = run(&["pick-1.0-cp311-cp311-win_amd64.whl"]);
    assert_eq!(statuses(&r)["pick"], Status::Unverified);
    assert!(pkg(&r, "pick").reason.contains("none of the 1 locked files installs on this environment"), "{}", pkg(&r, "pick").reason);
    // A wheel name that does not parse cannot be ruled out; an .egg is never installed.
    let r = run(&["pick-1.0-cp311-cp311-win_amd64.whl", "pick.whl", "pick-1.0-py3.11.egg"]);
    assert_eq!(applying(&r), vec!["pick.whl"]);
}

#[test]
fn files_pinned_by_hash_alone_count_unless_the_db_names_them_for_another_platform() {
    let env = Env::new();
    let (win, linux, unknown) = ("a".repeat(64), "b".repeat(64), "c".repeat(64));
    let db = env.db();
    record(&db, &win, "x-1.0-cp311-cp311-win_amd64.whl", Action::Warn);
    record(&db, &linux, "x-1.0-cp311-cp311-manylinux_2_17_x86_64.whl", Action::Allow);
    let t = linux_cp311();
    let run = |hashes: &[&String]| {
        let line = hashes.iter().map(|h| format!(" --hash=sha256:{h}")).collect::<String>();
        check(&[read_lockfile(&env.write("requirements.txt", &format!("x==1.0{line}\n"))).expect("parse")], &env.gate(), &for_target(&t)).expect("check")
    };
    let r = run(&[&win, &linux]);
    assert_eq!(statuses(&r)["x"], Status::Allowed, "the Windows wheel's warning does not count: {}", pkg(&r, "x").reason);
    // A hash nobody knows could be the file pip picks here: it counts.
    let r = run(&[&win, &linux, &unknown]);
    assert_eq!(statuses(&r)["x"], Status::Unverified);
    assert!(pkg(&r, "x").reason.starts_with("1 of 2 locked files unverified"), "{}", pkg(&r, "x").reason);
}

#[test]
fn fetch_downloads_only_what_this_environment_installs() {
    let clean = clean_sdist("tidy-numbers", "1.0");
    let never = canary_sdist("tidy-numbers", "1.0");
    let win = "tidy_numbers-1.0-cp311-cp311-win_amd64.whl";
    let server = serve(
        vec![Hosted {
            name: "tidy-numbers",
            files: vec![(win.to_string(), never.clone(), sha_hex(&never)), ("tidy-numbers-1.0.tar.gz".into(), clean.clone(), sha_hex(&clean))],
        }],
        Vec::new(),
    );
    let env = Env::new();
    let reqs = env.write("requirements.txt", &format!("tidy-numbers==1.0 --hash=sha256:{} --hash=sha256:{}\n", sha_hex(&never), sha_hex(&clean)));
    let mut settings = IndexSettings::for_index(&server.url("/simple/"));
    settings.retries = 0;
    let client = IndexClient::new(&settings).expect("client").with_backoff(std::time::Duration::from_millis(1));
    let t = linux_cp311();
    let opts = CheckOptions { fetch: Some(&client), ..for_target(&t) };
    let r = check(&[read_lockfile(&reqs).expect("parse")], &env.gate(), &opts).expect("check");
    // The page names the two hashes: the Windows wheel is not for this interpreter, so
    // the sdist is what pip builds here; only it is downloaded.
    assert_eq!(statuses(&r)["tidy-numbers"], Status::Allowed, "{}", pkg(&r, "tidy-numbers").reason);
    assert_eq!(r.files_not_checked(), 1);
    let paths: Vec<String> = server.requests().iter().map(|q| q.path.clone()).collect();
    assert!(paths.iter().any(|p| p == "/files/tidy-numbers-1.0.tar.gz") && !paths.iter().any(|p| p.contains("win_amd64")), "{paths:?}");
}

#[test]
fn names_from_a_lockfile_reach_the_terminal_escaped_and_json_exact() {
    // #14: a poetry.lock entry whose name and version carry CR and erase-line escapes
    let env = Env::new();
    let path = env.write(
        "poetry.lock",
        "[[package]]\nname = \"evil\\r\\u001b[2Kfine\"\nversion = \"1.0\\u001b]0;PWNED\\u0007\"\nfiles = [\n    {file = \"evil-1.0.tar.gz\\u001b[1A\", hash = \"sha256:0000000000000000000000000000000000000000000000000000000000000000\"},\n]\n\n[metadata]\nlock-version = \"2.1\"\npython-versions = \"^3.10\"\ncontent-hash = \"x\"\n",
    );
    let r = check(&[read_lockfile(&path).expect("parse")], &env.gate(), &CheckOptions::default()).expect("check");
    for verbose in [false, true] {
        let text = render::render_terminal(&r, true, verbose);
        let raw: Vec<u8> = text.bytes().filter(|b| matches!(b, 0x07 | 0x0d)).collect();
        assert!(raw.is_empty(), "{text:?}");
        // the only escape sequences left are the report's own colours
        let without_colour = text.replace("\x1b[0m", "").replace("\x1b[1;35m", "").replace("\x1b[1;31m", "").replace("\x1b[1m", "").replace("\x1b[2m", "").replace("\x1b[1;32m", "").replace("\x1b[1;33m", "");
        assert!(!without_colour.contains('\x1b'), "{text:?}");
        assert!(text.contains("evil\\r\\x1b[2Kfine"), "{text}");
    }
    let json: serde_json::Value = serde_json::from_str(&render::render_json(&r)).expect("JSON");
    assert_eq!(json["packages"][0]["name"], "evil\r\x1b[2Kfine", "JSON keeps the name exact");
}

#[test]
fn a_misspelt_popular_name_is_blocked_without_any_file_or_network() {
    let env = Env::new();
    let path = env.write("requirements.txt", "reqeusts==1.0\nrequests==2.32.3\n");
    let r = check(&[read_lockfile(&path).expect("parse")], &env.gate(), &CheckOptions::default()).expect("check");
    let squat = pkg(&r, "reqeusts");
    assert_eq!(squat.status, Status::Blocked, "{}", squat.reason);
    assert_eq!(squat.alerts.first().map(|a| a.alert), Some(AlertId::Typosquat));
    assert!(squat.alerts[0].message.contains("`requests`"), "{}", squat.alerts[0].message);
    // the real name is only unverified (no hash pinned), and carries no name alert
    let real = pkg(&r, "requests");
    assert_eq!(real.status, Status::Unverified);
    assert!(real.alerts.is_empty());

    // a documented decision for the name is honoured like any other alert's
    let project = env.write(
        "pyproject.toml",
        "[tool.safe-pip]\n[[tool.safe-pip.decision]]\npackage = \"reqeusts\"\naction = \"allow\"\nalerts = [\"typosquat\"]\nreason = \"our internal fork\"\nby = \"sec\"\ndate = \"2026-12-01\"\n",
    );
    let inputs = crate::policy::ConfigInputs { org: None, user: None, project_dir: project.parent().expect("dir").to_path_buf() };
    let settings = crate::policy::Settings::load_from(&inputs, &crate::policy::SettingsFlags::default()).expect("settings");
    let gate = Gate::open(Some(&env.db_path()), ScanOptions { policy: settings.policy, ..ScanOptions::default() }).expect("gate");
    let r = check(&[read_lockfile(&path).expect("parse")], &gate, &CheckOptions::default()).expect("check");
    let squat = pkg(&r, "reqeusts");
    assert_eq!(squat.status, Status::Unverified, "allowed by decision, still unverified for lack of a hash: {}", squat.reason);
    assert_eq!(squat.alerts.first().map(|a| a.alert), Some(AlertId::Typosquat), "the alert is still shown");
}

/// `check_owned` moves each entry's strings into its result instead of copying them (#14):
/// on every fixture (allowed, blocked and unknown files; every platform and one
/// environment) its reports, JSON and terminal, are those of `check`, whose output the
/// snapshots and the CLI tests pin.
#[test]
fn a_check_that_takes_the_lockfiles_reports_exactly_what_one_that_borrows_them_does() {
    let target = linux_cp311();
    let mut seen = std::collections::BTreeSet::new();
    for file in ["requirements.txt", "poetry-1.lock", "poetry-2.lock", "pylock.toml", "uv.lock", "platforms/uv.lock", "platforms/poetry.lock"] {
        let env = Env::new();
        let l = lock(file);
        let db = env.db();
        let files = l.packages.iter().flat_map(|p| &p.files).filter_map(|f| Some((f.sha256()?, f.filename.as_deref().unwrap_or("f.whl"))));
        for (i, (sha, filename)) in files.enumerate() {
            match i % 3 {
                0 => record(&db, sha, filename, Action::Allow),
                1 => record(&db, sha, filename, Action::Block),
                _ => {}
            }
        }
        for opts in [CheckOptions::default(), for_target(&target)] {
            let borrowed = check(std::slice::from_ref(&l), &env.gate(), &opts).expect("check");
            let owned = check_owned(vec![l.clone()], &env.gate(), &opts).expect("check");
            seen.extend(owned.packages.iter().map(|p| p.status));
            assert_eq!(render_json(&owned), render_json(&borrowed), "{file}");
            assert_eq!(render_terminal(&owned, false, true), render_terminal(&borrowed, false, true), "{file}");
        }
    }
    assert!([Status::Allowed, Status::Blocked, Status::Unverified].iter().all(|s| seen.contains(s)), "a mix of statuses: {seen:?}");
}
