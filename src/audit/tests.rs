//! audit over fake site-packages folders built here (dist-info with METADATA and a RECORD
//! whose hashes are computed from the files written), with a temp verdict DB.

use super::*;
use crate::db::Db;
use crate::test_fixtures::{canary_sdist, clean_sdist};
use base64::Engine;
use sha2::{Digest, Sha256};
use std::path::Path;

/// A verdict DB folder with a fake site-packages in it.
struct Env {
    base: crate::test_fixtures::TempDb,
}

impl Env {
    fn new() -> Env {
        let env = Env { base: crate::test_fixtures::TempDb::new() };
        std::fs::create_dir_all(env.site()).expect("mkdir");
        env
    }
    fn site(&self) -> PathBuf {
        self.base.path().join("venv/lib/python3.12/site-packages")
    }
    fn db_path(&self) -> PathBuf {
        self.base.db_path()
    }
    fn gate(&self) -> Gate {
        self.base.gate()
    }
    /// Installs `name` `version` as pip would: the files, then a dist-info whose RECORD
    /// hashes them. `metadata` adds header lines to METADATA.
    fn install(&self, name: &str, version: &str, files: &[(&str, &str)], metadata: &str) -> PathBuf {
        let site = self.site();
        let dist_info = format!("{}-{version}.dist-info", name.replace('-', "_"));
        let mut record = String::new();
        let meta = format!("Metadata-Version: 2.4\nName: {name}\nVersion: {version}\n{metadata}\n");
        let all: Vec<(String, String)> = files
            .iter()
            .map(|(p, c)| (p.to_string(), c.to_string()))
            .chain([(format!("{dist_info}/METADATA"), meta), (format!("{dist_info}/INSTALLER"), "pip\n".into())])
            .collect();
        for (path, content) in &all {
            let full = site.join(path);
            std::fs::create_dir_all(full.parent().expect("parent")).expect("mkdir");
            std::fs::write(&full, content).expect("write");
            let digest = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(content.as_bytes()));
            record.push_str(&format!("{path},sha256={digest},{}\n", content.len()));
        }
        record.push_str(&format!("{dist_info}/RECORD,,\n{name}/__pycache__/x.cpython-312.pyc,,\n"));
        std::fs::write(site.join(&dist_info).join("RECORD"), record).expect("write RECORD");
        site.join(dist_info)
    }
}

fn opts(policy: &MetadataPolicy) -> AuditOptions<'_> {
    AuditOptions { unverified: Action::Block, metadata: policy, lockfiles: &[], platforms: Platforms::All, python: None, online: None }
}

fn dist<'a>(r: &'a AuditReport, name: &str) -> &'a Audited {
    r.distributions.iter().find(|a| a.dist.name == name).unwrap_or_else(|| panic!("{name} not audited"))
}

const MIT: &str = "License-Expression: MIT";

#[test]
fn files_changed_or_missing_after_install_and_unrecorded_pth_code_are_reported() {
    let env = Env::new();
    let site = env.site();
    env.install("tidy-numbers", "1.0", &[("tidy_numbers/__init__.py", "X = 1\n"), ("tidy_numbers/data.txt", "1 2 3\n")], MIT);
    env.install("helper", "2.0", &[("helper/__init__.py", "Y = 2\n"), ("helper-init.pth", "import helper\n")], MIT);
    // After install: a module edited (same size, other bytes), a file removed, a .pth dropped in.
    std::fs::write(site.join("tidy_numbers/__init__.py"), "X = 9\n").expect("alter");
    std::fs::remove_file(site.join("tidy_numbers/data.txt")).expect("remove");
    std::fs::write(site.join("zz-evil.pth"), "/some/path\nimport os; os.system('true')\n").expect("pth");
    std::fs::write(site.join("_virtualenv.pth"), "import _virtualenv\n").expect("pth");
    // A legacy install: egg-info, no RECORD.
    std::fs::create_dir_all(site.join("oldpkg-0.1-py3.12.egg-info")).expect("mkdir");
    std::fs::write(site.join("oldpkg-0.1-py3.12.egg-info/PKG-INFO"), "Metadata-Version: 1.0\nName: oldpkg\nVersion: 0.1\n").expect("pkg-info");

    let policy = MetadataPolicy::default();
    let r = audit(std::slice::from_ref(&site), &env.gate(), &opts(&policy)).expect("audit");
    let tidy = dist(&r, "tidy-numbers");
    assert!(tidy.tampered());
    let problems: Vec<(&str, &str)> = tidy.integrity.problems.iter().map(|p| (p.kind(), p.path())).collect();
    assert_eq!(problems, vec![("changed", "tidy_numbers/__init__.py"), ("missing", "tidy_numbers/data.txt")]);
    assert!(matches!(&tidy.integrity.problems[0], integrity::Problem::Changed { recorded, actual, .. } if recorded.starts_with("sha256=") && actual.starts_with("sha256=") && recorded != actual));
    assert_eq!(tidy.integrity.intact, 2, "METADATA and INSTALLER");
    assert_eq!(tidy.integrity.unhashed, 2, "RECORD and the .pyc row");
    assert!(!dist(&r, "helper").tampered());
    let old = dist(&r, "oldpkg");
    assert!(old.integrity.no_record && !old.tampered());

    let unaccounted: Vec<(String, usize)> =
        r.pth.iter().filter(|p| p.is_unaccounted()).map(|p| (p.file.file_name().unwrap().to_string_lossy().into_owned(), p.line)).collect();
    assert_eq!(unaccounted, vec![("zz-evil.pth".to_string(), 2)]);
    let helper_pth = r.pth.iter().find(|p| p.file.ends_with("helper-init.pth")).expect("listed");
    assert_eq!(helper_pth.recorded_by.as_deref(), Some("helper 2.0"));
    assert!(r.pth.iter().any(|p| p.file.ends_with("_virtualenv.pth") && p.note.is_some()));
    assert_eq!(r.exit_code(), crate::exit::ExitStatus::Blocked);

    let text = render_terminal(&r, false, false);
    assert!(text.contains("TAMPERED   tidy-numbers 1.0"), "{text}");
    assert!(text.contains("changed    tidy_numbers/__init__.py  changed since install (RECORD sha256="), "{text}");
    assert!(text.contains("missing    tidy_numbers/data.txt"), "{text}");
    assert!(text.contains("zz-evil.pth:2  import os; os.system('true')  (no installed distribution lists this file)"), "{text}");
    assert!(text.contains("1 tampered") && text.contains("1 .pth line no distribution accounts for"), "{text}");
    assert!(text.contains("1 distribution without a RECORD (egg-info, or RECORD removed): its files cannot be verified: oldpkg 0.1"), "{text}");
    let json: serde_json::Value = serde_json::from_str(&render_json(&r)).expect("json");
    assert_eq!(json["summary"]["tampered"], 1);
    assert_eq!(json["summary"]["unaccounted_pth_lines"], 1);
    let tidy_json = json["distributions"].as_array().unwrap().iter().find(|d| d["name"] == "tidy-numbers").unwrap();
    assert_eq!(tidy_json["integrity"]["problems"][0]["kind"], "changed");
    assert_eq!(tidy_json["integrity"]["problems"][1], serde_json::json!({"kind": "missing", "path": "tidy_numbers/data.txt"}));
}

#[test]
fn distributions_are_judged_from_the_db_advisories_and_names_like_check() {
    let env = Env::new();
    let gate = env.gate();
    // Releases the DB saw (as `safe-pip install` or `scan` would have recorded them).
    gate.judge_bytes("canary-pkg-1.0.tar.gz", &canary_sdist("canary-pkg", "1.0"), None, Vec::new()).expect("judge");
    gate.judge_bytes("tidy-numbers-1.0.tar.gz", &clean_sdist("tidy-numbers", "1.0"), None, Vec::new()).expect("judge");
    drop(gate);
    let osv = serde_json::json!({"id": "MAL-1", "summary": "Malicious code in evilpkg",
        "affected": [{"package": {"ecosystem": "PyPI", "name": "evilpkg"}, "versions": ["2.0"]}]});
    Db::open(&env.db_path()).expect("db").import_osv_bytes(osv.to_string().as_bytes(), "test").expect("import");

    env.install("canary-pkg", "1.0", &[("canary_pkg/__init__.py", "")], MIT);
    env.install("tidy-numbers", "1.0", &[("tidy_numbers/__init__.py", "X = 1\n")], MIT);
    env.install("evilpkg", "2.0", &[("evilpkg/__init__.py", "")], MIT);
    env.install("reqeusts", "1.0", &[("reqeusts/__init__.py", "")], MIT);
    env.install("never-seen", "0.1", &[("never_seen/__init__.py", "")], MIT);
    env.install("tidy-numbers-next", "1.0", &[("tidy_numbers_next/__init__.py", "")], MIT);

    let policy = MetadataPolicy::default();
    let r = audit(&[env.site()], &env.gate(), &opts(&policy)).expect("audit");
    let status: Vec<(&str, Status)> = r.distributions.iter().map(|a| (a.dist.name.as_str(), a.check.status)).collect();
    assert_eq!(
        status,
        vec![
            ("canary-pkg", Status::Blocked),
            ("evilpkg", Status::Blocked),
            ("never-seen", Status::Unverified),
            ("reqeusts", Status::Blocked),
            ("tidy-numbers", Status::Allowed),
            ("tidy-numbers-next", Status::Unverified),
        ]
    );
    assert!(dist(&r, "canary-pkg").check.alerts.iter().any(|f| f.alert == AlertId::InstallNetwork));
    assert!(dist(&r, "evilpkg").check.alerts.iter().any(|f| f.alert == AlertId::KnownMalware));
    assert!(dist(&r, "reqeusts").check.alerts.iter().any(|f| f.alert == AlertId::Typosquat));
    assert!(dist(&r, "never-seen").check.reason.starts_with("no file of never-seen 0.1 in the verdict DB"), "{}", dist(&r, "never-seen").check.reason);
    assert_eq!(r.exit_code(), crate::exit::ExitStatus::Blocked);
    assert!(r.distributions.iter().all(|a| !a.tampered()));
}

#[test]
fn the_installed_archive_named_by_direct_url_decides_and_licences_follow_policy() {
    let env = Env::new();
    let gate = env.gate();
    let canary = canary_sdist("canary-pkg", "1.0");
    gate.judge_bytes("canary-pkg-1.0.tar.gz", &canary, None, Vec::new()).expect("judge");
    drop(gate);
    let meta = env.install("copyleft", "1.0", &[("copyleft/__init__.py", "")], "License-Expression: GPL-3.0-only");
    // The installed archive is the canary (by hash), whatever the distribution calls itself.
    let sha = crate::hex::hex(&Sha256::digest(&canary));
    std::fs::write(meta.join("direct_url.json"), format!(r#"{{"url": "file:///tmp/x.tar.gz", "archive_info": {{"hashes": {{"sha256": "{sha}"}}}}}}"#)).expect("write");
    env.install("gpl-only", "1.0", &[("gpl_only/__init__.py", "")], "License-Expression: GPL-3.0-only");

    let policy = MetadataPolicy { licenses_denied: vec!["GPL-3.0-only".into()], ..MetadataPolicy::default() };
    let r = audit(&[env.site()], &env.gate(), &opts(&policy)).expect("audit");
    let copyleft = dist(&r, "copyleft");
    assert_eq!(copyleft.check.status, Status::Blocked, "{}", copyleft.check.reason);
    assert_eq!(copyleft.check.files.len(), 1);
    assert!(copyleft.check.alerts.iter().any(|f| f.alert == AlertId::LicenseNotAllowed));
    let gpl = dist(&r, "gpl-only");
    assert_eq!(gpl.check.status, Status::Unverified, "a licence warning does not hide that the release is unknown");
    assert!(gpl.check.alerts.iter().any(|f| f.alert == AlertId::LicenseNotAllowed));
    let json: serde_json::Value = serde_json::from_str(&render_json(&r)).expect("json");
    let c = json["distributions"].as_array().unwrap().iter().find(|d| d["name"] == "copyleft").unwrap();
    assert_eq!(c["direct_url"]["sha256"], sha.as_str());
}

#[test]
fn text_from_the_environment_is_escaped_on_the_terminal() {
    let env = Env::new();
    let site = env.site();
    env.install("evil\x1b[2Jname", "1.0\x1b]0;x\x07", &[("evil/__init__.py", "A = 1\n")], MIT);
    std::fs::write(site.join("evil/__init__.py"), "A = 2\n").expect("alter");
    std::fs::write(site.join("x.pth"), "import os\x1b[1A\rALLOW\n").expect("pth");
    let policy = MetadataPolicy::default();
    let r = audit(&[site], &env.gate(), &opts(&policy)).expect("audit");
    let text = render_terminal(&r, false, true);
    assert!(!text.contains('\x1b') && !text.contains('\r') && !text.contains('\x07'), "{text:?}");
    assert!(text.contains("evil\\x1b[2Jname"), "{text}");
}

#[test]
fn the_project_lockfile_is_checked_and_compared_with_what_is_installed() {
    let env = Env::new();
    env.install("tidy-numbers", "1.1", &[("tidy_numbers/__init__.py", "")], MIT);
    let req = env.base.path().join("requirements.txt");
    std::fs::write(&req, "tidy-numbers==1.0\nabsent==2.0\n").expect("write");
    let lock = crate::lockfile::read_lockfile(&req).expect("read");
    let policy = MetadataPolicy::default();
    let locks = [lock];
    let o = AuditOptions { lockfiles: &locks, ..opts(&policy) };
    let r = audit(&[env.site()], &env.gate(), &o).expect("audit");
    let drift: Vec<(&str, Option<&str>)> = r.drift.iter().map(|d| (d.name.as_str(), d.installed.as_deref())).collect();
    assert_eq!(drift, vec![("tidy-numbers", Some("1.1")), ("absent", None)]);
    assert_eq!(r.project.as_ref().map(|p| p.packages.len()), Some(2));
    assert_eq!(r.exit_code(), crate::exit::ExitStatus::Unverified, "unverified, nothing blocked");
    let text = render_terminal(&r, false, false);
    assert!(text.contains("tidy-numbers 1.0 locked at") && text.contains("1.1 is installed"), "{text}");
    assert!(text.contains("absent 2.0 locked at") && text.contains("not installed"), "{text}");
    assert!(Path::new(&r.drift[0].location).ends_with("requirements.txt:1") || r.drift[0].location.ends_with("requirements.txt:1"));
}

#[test]
fn the_html_page_puts_tampered_distributions_first_with_their_files_and_escapes_the_environment() {
    let env = Env::new();
    let site = env.site();
    env.install("tidy-numbers", "1.0", &[("tidy_numbers/__init__.py", "X = 1\n")], MIT);
    env.install("helper", "2.0", &[("helper/<b>x</b>.py", "Y = 2\n")], MIT);
    std::fs::write(site.join("tidy_numbers/__init__.py"), "X = 9\n").expect("alter");
    std::fs::write(site.join("zz-evil.pth"), "import os; os.system('<script>')\n").expect("pth");
    let policy = MetadataPolicy::default();
    let gate = env.gate();
    let r = audit(std::slice::from_ref(&site), &gate, &opts(&policy)).expect("audit");
    let html = render_html(&r, &gate).expect("html");
    assert!(html.contains("data-name=\"tidy-numbers\" data-status=\"tampered\" data-rank=\"7\""), "{html}");
    assert!(html.contains("data-name=\"helper\" data-status=\"unverified\""), "{html}");
    assert!(html.contains("<td>changed</td><td><code>tidy_numbers/__init__.py</code></td>"), "{html}");
    assert!(html.contains("<td>1 changed or missing</td>"), "{html}");
    assert!(html.contains("<code>import os; os.system(&#39;&lt;script&gt;&#39;)</code>") && html.contains("no installed distribution lists this file"), "{html}");
    assert_eq!(html.matches("<script").count(), 1, "{html}");
    assert!(!html.contains("src=\"http") && !html.contains("href=\"http"), "{html}");
}

/// "now" for the registry rules in the online tests.
const NOW: i64 = 1_790_000_000;
const DAY: i64 = 86_400;

/// A fixture index on 127.0.0.1: PEP 691 project pages and PyPI JSON API documents for
/// `(name, version, days since upload, page patch, JSON patch)`; anything else is 404.
type Patch = fn(&mut serde_json::Value);
type Listed = (&'static str, &'static str, i64, Option<Patch>, Option<Patch>);
fn registry_server(projects: Vec<Listed>) -> crate::index::tests::server::TestServer {
    use crate::index::tests::server::{Reply, TestServer};
    TestServer::start(move |req, _| {
        for (name, version, age, page_patch, json_patch) in &projects {
            let uploaded = format!("{}T00:00:00Z", crate::analysis::metadata::time::format_date(NOW - age * DAY));
            let filename = format!("{name}-{version}.tar.gz");
            if req.path == format!("/simple/{name}/") {
                let mut body = serde_json::json!({
                    "meta": {"api-version": "1.1"}, "name": name, "versions": [version],
                    "files": [{"filename": filename, "url": format!("/files/{filename}"), "hashes": {"sha256": "0".repeat(64)}, "upload-time": uploaded}],
                });
                if let Some(p) = page_patch {
                    p(&mut body);
                }
                return Reply::ok("application/vnd.pypi.simple.v1+json", body.to_string());
            }
            if req.path == format!("/pypi/{name}/json") || req.path == format!("/pypi/{name}/{version}/json") {
                let mut body = serde_json::json!({
                    "info": {"name": name, "version": version, "summary": "a library", "description": "A library.\n\nDocumented.", "license_expression": "MIT",
                             "classifiers": [], "project_urls": {}, "requires_dist": [], "yanked": false},
                    "releases": {*version: [{"upload_time_iso_8601": uploaded, "yanked": false, "packagetype": "sdist", "filename": filename}]},
                    "urls": [{"upload_time_iso_8601": uploaded, "yanked": false, "packagetype": "sdist", "filename": filename}],
                    "vulnerabilities": [],
                });
                if let Some(p) = json_patch {
                    p(&mut body);
                }
                return Reply::ok("application/json", body.to_string());
            }
        }
        Reply::status(404)
    })
}

fn online_client(index: &str) -> crate::index::IndexClient {
    let mut settings = crate::index::IndexSettings::for_index(index);
    settings.retries = 0;
    crate::index::IndexClient::new(&settings).expect("client").with_backoff(std::time::Duration::from_millis(1))
}

#[test]
fn online_adds_registry_status_and_vulnerabilities_from_the_index_through_vets_code() {
    let env = Env::new();
    let site = env.site();
    env.install("tidy-numbers", "1.0", &[("tidy_numbers/__init__.py", "X = 1\n")], MIT);
    env.install("old-lib", "1.0", &[("old_lib/__init__.py", "X = 1\n")], MIT);
    env.install("vuln-lib", "2.0", &[("vuln_lib/__init__.py", "X = 1\n")], MIT);
    env.install("pulled", "1.0", &[("pulled/__init__.py", "X = 1\n")], MIT);
    env.install("gone-bad", "3.0", &[("gone_bad/__init__.py", "X = 1\n")], MIT);
    env.install("private-thing", "0.1", &[("private_thing/__init__.py", "X = 1\n")], MIT);
    env.install("local-proj", "0.1", &[("local_proj-0.1.dist-info/direct_url.json", r#"{"url": "file:///src/local-proj", "dir_info": {}}"#)], MIT);
    let server = registry_server(vec![
        ("tidy-numbers", "1.0", 40, None, None),
        ("old-lib", "1.0", 1000, Some(|b| b["project-status"] = serde_json::json!({"status": "deprecated", "reason": "use new-lib"})), None),
        (
            "vuln-lib",
            "2.0",
            40,
            None,
            Some(|b| b["vulnerabilities"] = serde_json::json!([{"id": "PYSEC-2099-1", "aliases": ["CVE-2099-0001"], "summary": "remote code execution", "fixed_in": ["2.1"], "link": null, "withdrawn": null}])),
        ),
        ("pulled", "1.0", 40, None, Some(|b| { b["info"]["yanked"] = true.into(); b["info"]["yanked_reason"] = "compromised upload".into(); })),
        ("gone-bad", "3.0", 40, Some(|b| b["project-status"] = serde_json::json!({"status": "quarantined"})), None),
        // local-proj exists on the index too: it must not be asked, it was installed from a folder
        ("local-proj", "0.1", 40, Some(|b| b["project-status"] = serde_json::json!({"status": "quarantined"})), None),
    ]);
    let client = online_client(&server.url("/simple/"));
    let policy = MetadataPolicy::default();
    let gate = env.gate();
    let o = AuditOptions { online: Some(Online { client: &client, now_unix: NOW }), ..opts(&policy) };
    let r = audit(std::slice::from_ref(&site), &gate, &o).expect("audit");

    let ids = |name: &str| dist(&r, name).check.alerts.iter().map(|f| f.alert.id()).collect::<Vec<_>>();
    assert_eq!(dist(&r, "tidy-numbers").registry, Some(Registry::Checked { alerts: vec![] }));
    assert!(ids("tidy-numbers").is_empty(), "young, active, no advisories: {:?}", ids("tidy-numbers"));
    assert_eq!(dist(&r, "old-lib").registry, Some(Registry::Checked { alerts: vec!["project-deprecated", "unmaintained"] }));
    assert_eq!(dist(&r, "vuln-lib").registry, Some(Registry::Checked { alerts: vec!["known-vulnerability"] }));
    let vuln = dist(&r, "vuln-lib").check.alerts.iter().find(|f| f.alert == AlertId::KnownVulnerability).expect("advisory");
    assert!(vuln.message.contains("PYSEC-2099-1") && vuln.message.contains("2.1"), "{}", vuln.message);
    assert_eq!(dist(&r, "vuln-lib").check.status, Status::Unverified, "no file in the DB: a high alert does not hide that");
    assert_eq!(ids("pulled"), vec!["yanked-release"]);
    // quarantined is critical: blocked, even with no file of it in the DB
    assert_eq!(ids("gone-bad"), vec!["project-quarantined"]);
    assert_eq!(dist(&r, "gone-bad").check.status, Status::Blocked);
    assert!(matches!(&dist(&r, "private-thing").registry, Some(Registry::NotFound { reason }) if reason.contains("private-thing")));
    assert!(matches!(&dist(&r, "local-proj").registry, Some(Registry::NotAsked { reason }) if reason.contains("local folder")));
    assert!(ids("local-proj").is_empty());
    assert!(!server.requests().iter().any(|q| q.path.contains("local-proj")), "a folder install is not asked about");
    assert_eq!(r.exit_code(), crate::exit::ExitStatus::Blocked);

    let text = render_terminal(&r, false, false);
    assert!(text.contains(": 5 releases checked (4 with registry alerts), 1 not on the index, 1 not installed from an index"), "{text}");
    assert!(text.contains("project-quarantined"), "{text}");
    // registry alerts of a release the DB does not know are shown, not folded into the list of names
    assert!(text.contains("UNVERIFIED vuln-lib 2.0") && text.contains("known-vulnerability"), "{text}");
    assert!(text.contains("UNVERIFIED local-proj 0.1, private-thing 0.1, tidy-numbers 1.0  (the verdict DB"), "{text}");
    let json: serde_json::Value = serde_json::from_str(&render_json(&r)).expect("json");
    assert_eq!(json["online"][0], server.url("/simple/"));
    let old = json["distributions"].as_array().unwrap().iter().find(|d| d["name"] == "old-lib").unwrap();
    assert_eq!(old["registry"], serde_json::json!({"state": "checked", "alerts": ["project-deprecated", "unmaintained"]}));
}

#[test]
fn online_fails_closed_when_the_index_cannot_be_asked() {
    let env = Env::new();
    let site = env.site();
    env.install("tidy-numbers", "1.0", &[("tidy_numbers/__init__.py", "X = 1\n")], MIT);
    let dead = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = l.local_addr().expect("addr").port();
        drop(l);
        format!("http://127.0.0.1:{port}/simple/")
    };
    let client = online_client(&dead);
    let policy = MetadataPolicy::default();
    let o = AuditOptions { online: Some(Online { client: &client, now_unix: NOW }), ..opts(&policy) };
    let err = audit(std::slice::from_ref(&site), &env.gate(), &o).expect_err("an unreachable index is an error, not a clean audit");
    let message = err.to_string();
    assert!(message.starts_with("audit --online could not ask http://127.0.0.1:") && message.contains("tidy-numbers 1.0"), "{message}");
    let hint = crate::error::Hint::hint(&err);
    assert!(hint.contains("audit without --online"), "{hint}");
}
