//! `scan` and `check` through the real binary with the verdict DB: recording, feeds
//! blocking offline, several processes writing at once, and failing closed on a corrupt
//! DB. Every test runs in its own isolated env (SAFE_PIP_DB, HOME, XDG in a temp dir).

mod common;

use common::*;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Stdio;

fn stats(env: &Env, db: Option<&Path>) -> serde_json::Value {
    let mut args = vec!["db", "stats", "--format", "json"];
    if let Some(p) = db {
        args.extend(["--db", s(p)]);
    }
    let (code, out, err) = env.run(&args);
    assert_eq!(code, 0, "{err}");
    serde_json::from_str(&out).expect("stats json")
}

fn sha256_of(path: &Path) -> String {
    use sha2::Digest;
    safe_pip::hex::hex(&sha2::Sha256::digest(std::fs::read(path).expect("read")))
}

/// A zip of OSV advisories laid out as OpenSSF malicious-packages publishes them.
fn osv_zip(env: &Env, advisories: &[(&str, &str, &[&str])]) -> PathBuf {
    let path = env.dir.path().join("malicious-packages-main.zip");
    let mut w = zip::ZipWriter::new(std::fs::File::create(&path).expect("create"));
    let opts = zip::write::SimpleFileOptions::default();
    for (id, name, versions) in advisories {
        let doc = serde_json::json!({"id": id, "summary": format!("Malicious code in {name} (PyPI)"),
            "affected": [{"package": {"ecosystem": "PyPI", "name": name}, "versions": versions}]});
        w.start_file(format!("malicious-packages-main/osv/malicious/pypi/{name}/{id}.json"), opts).expect("start");
        w.write_all(doc.to_string().as_bytes()).expect("write");
    }
    w.finish().expect("finish");
    path
}

#[test]
fn scan_records_each_analysis_once_and_no_db_records_nothing() {
    let env = Env::new();
    let pkg = sdist(env.dir.path(), "tidy-numbers", "1.0", &[("setup.py", BENIGN_SETUP), ("tidy_numbers/__init__.py", BENIGN_MODULE)]);
    for _ in 0..2 {
        let (code, out, err) = env.run(&["scan", s(&pkg)]);
        assert_eq!(code, 0, "{out}{err}");
    }
    let st = stats(&env, None);
    assert_eq!((st["verdicts"]["allow"].as_i64(), st["history_entries"].as_i64()), (Some(1), Some(1)), "{st}");

    let other = env.dir.path().join("other.sqlite3");
    let (code, _, err) = env.run(&["scan", "--no-db", s(&pkg)]);
    assert_eq!(code, 0, "{err}");
    let mut c = env.command(&["scan", "--no-db", s(&pkg)]);
    c.env("SAFE_PIP_DB", &other);
    let (code, _, err) = output(c);
    assert_eq!(code, 0, "{err}");
    assert!(!other.exists(), "--no-db must not create a DB");
    let (code, _, err) = env.run(&["scan", "--no-db", "--db", s(&other), s(&pkg)]);
    assert_eq!(code, 2, "--db and --no-db conflict: {err}");
}

#[test]
fn an_imported_osv_feed_blocks_by_name_and_version_offline_in_check_and_scan() {
    let env = Env::new();
    let pkg = sdist(env.dir.path(), "tidy-numbers", "1.0", &[("setup.py", BENIGN_SETUP), ("tidy_numbers/__init__.py", BENIGN_MODULE)]);
    // Scanned and allowed before the advisory exists.
    let (code, _, _) = env.run(&["scan", s(&pkg)]);
    assert_eq!(code, 0);

    let feed = osv_zip(&env, &[("MAL-2099-10", "tidy-numbers", &["1.0"]), ("MAL-2099-11", "evil-helper", &[])]);
    let (code, out, err) = env.run(&["db", "import", s(&feed)]);
    assert_eq!(code, 0, "{out}{err}");

    // scan: the stored verdict is reused, the advisory blocks it.
    let (code, out, _) = env.run(&["scan", "--format", "json", s(&pkg)]);
    assert_eq!(code, 1, "{out}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert!(v["packages"][0]["alerts"].as_array().expect("alerts").iter().any(|a| a["id"] == "known-malware"), "{out}");

    // check: no verdict at all for these pins, the advisories block them by name/version.
    let reqs = env.write(
        "requirements.txt",
        &format!("tidy-numbers==1.0 --hash=sha256:{}\nevil-helper==0.0.1 --hash=sha256:{}\ntidy-numbers-extra==1.0\n", "1".repeat(64), "2".repeat(64)),
    );
    let (code, out, _) = env.run(&["check", "--format", "json", s(&reqs)]);
    assert_eq!(code, 1, "{out}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    let by_name = |n: &str| v["packages"].as_array().expect("packages").iter().find(|p| p["name"] == n).cloned().expect("package");
    for name in ["tidy-numbers", "evil-helper"] {
        let p = by_name(name);
        assert_eq!(p["status"], "blocked", "{p}");
        assert_eq!(p["alerts"][0]["id"], "known-malware", "{p}");
    }
    assert_eq!(by_name("tidy-numbers-extra")["status"], "unverified");
    assert_eq!(v["summary"]["blocked"], 2);
    assert_eq!(v["exit_code"], 1);
    let (code, out, _) = env.run(&["check", s(&reqs)]);
    assert_eq!(code, 1);
    assert!(out.contains("BLOCKED") && out.contains("MAL-2099-10") && out.contains("MAL-2099-11"), "{out}");
}

#[test]
fn check_exit_codes_and_unreadable_lockfiles() {
    let env = Env::new();
    let pkg = sdist(env.dir.path(), "tidy-numbers", "1.0", &[("setup.py", BENIGN_SETUP)]);
    let (code, _, _) = env.run(&["scan", s(&pkg)]);
    assert_eq!(code, 0);
    let known = env.write("known/requirements.txt", &format!("tidy-numbers==1.0 --hash=sha256:{}\n", sha256_of(&pkg)));
    let (code, out, err) = env.run(&["check", s(&known)]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("ALLOWED    tidy-numbers 1.0"), "{out}");

    let unpinned = env.write("loose/requirements.txt", "tidy-numbers==1.0\n");
    let (code, out, _) = env.run(&["check", s(&unpinned)]);
    assert_eq!(code, 3, "{out}");
    assert!(out.contains("no file hash pinned") && out.contains("pin file hashes"), "{out}");
    assert!(!out.contains("--fetch"), "--fetch cannot help an entry without a hash: {out}");
    let unknown = env.write("unknown/requirements.txt", &format!("tidy-numbers==1.0 --hash=sha256:{}\n", "5".repeat(64)));
    let (code, out, _) = env.run(&["check", s(&unknown)]);
    assert_eq!(code, 3, "{out}");
    assert!(out.contains("not in the verdict DB") && out.contains("safe-pip check --fetch"), "{out}");
    let (code, _, _) = env.run(&["check", "--allow-unverified", s(&unpinned)]);
    assert_eq!(code, 0);

    let broken = env.write("broken/poetry.lock", "[[package]]\nname = \"x\"\nversion = = 1\n");
    let (code, _, err) = env.run(&["check", s(&known), s(&broken)]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("poetry.lock:3") && err.contains("hint:"), "{err}");
    let (code, _, err) = env.run(&["check", s(&env.dir.path().join("missing.lock"))]);
    assert_eq!(code, 2);
    assert!(err.contains("not found") && err.contains("hint:"), "{err}");
}

/// A stand-in interpreter that answers safe-pip's query with CPython 3.11 on Linux x86_64.
#[cfg(unix)]
fn fake_linux_python(env: &Env) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let answer = serde_json::json!({
        "via": "pip._vendor.packaging",
        "tags": ["cp311-cp311-manylinux_2_17_x86_64", "cp311-abi3-manylinux_2_17_x86_64", "py3-none-any"],
        "markers": {"python_full_version": "3.11.7", "python_version": "3.11", "sys_platform": "linux", "platform_machine": "x86_64",
                    "platform_system": "Linux", "platform_python_implementation": "CPython", "implementation_name": "cpython", "os_name": "posix"},
    });
    let path = env.write("fake-python/python3", &format!("#!/bin/sh\ncat <<'EOF'\n{answer}\nEOF\n"));
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    path
}

#[cfg(unix)]
#[test]
fn check_judges_what_the_target_installs_and_all_platforms_judges_every_file() {
    let env = Env::new();
    let pkg = sdist(env.dir.path(), "tidy-numbers", "1.0", &[("setup.py", BENIGN_SETUP)]);
    let (code, _, _) = env.run(&["scan", s(&pkg)]);
    assert_eq!(code, 0);
    // The DB knows the file the install fetched (the Linux wheel's hash), not the others.
    let wheel = |tag: &str, sha: &str| format!("    {{ url = \"https://files.example.org/tidy_numbers-1.0-{tag}.whl\", hash = \"sha256:{sha}\" }},\n");
    let lock = env.write(
        "proj/uv.lock",
        &format!(
            "version = 1\nrevision = 2\n\n[[package]]\nname = \"demo\"\nversion = \"0.1.0\"\nsource = {{ editable = \".\" }}\n\
             dependencies = [{{ name = \"tidy-numbers\" }}, {{ name = \"winhelper\", marker = \"sys_platform == 'win32'\" }}]\n\n\
             [[package]]\nname = \"tidy-numbers\"\nversion = \"1.0\"\nsource = {{ registry = \"https://pypi.org/simple\" }}\n\
             sdist = {{ url = \"https://files.example.org/tidy-numbers-1.0.tar.gz\", hash = \"sha256:{}\" }}\nwheels = [\n{}{}]\n\n\
             [[package]]\nname = \"winhelper\"\nversion = \"1.0\"\nsource = {{ registry = \"https://pypi.org/simple\" }}\n\
             wheels = [\n{}]\n",
            "2".repeat(64),
            wheel("cp311-cp311-manylinux_2_17_x86_64", &sha256_of(&pkg)),
            wheel("cp311-cp311-win_amd64", &"1".repeat(64)),
            wheel("py3-none-any", &"3".repeat(64)).replace("tidy_numbers", "winhelper"),
        ),
    );
    let python = fake_linux_python(&env);
    let (code, out, err) = env.run(&["check", "--python", s(&python), s(&lock)]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("ALLOWED    tidy-numbers 1.0") && out.contains("SKIPPED    winhelper 1.0"), "{out}");
    assert!(out.contains("3 locked files for other platforms, not checked (judged for CPython 3.11.7 linux x86_64 at"), "{out}");
    let (code, out, _) = env.run(&["check", "--python", s(&python), "--format", "json", s(&lock)]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!((v["platforms"].as_str(), v["target"]["python"].as_str()), (Some("environment"), Some(s(&python))));
    assert_eq!((v["summary"]["files_not_checked"].as_u64(), v["summary"]["skipped"].as_u64()), (Some(3), Some(1)), "{v}");

    // --all-platforms: every locked file, as before; the hint names the command that was run.
    let (code, out, _) = env.run(&["check", "--all-platforms", s(&lock)]);
    assert_eq!(code, 3, "{out}");
    assert!(out.contains("2 of 3 locked files unverified") && out.contains("`safe-pip check --fetch`"), "{out}");
    let (code, out, _) = env.run(&["check", "--all-platforms", "--invoked-as", "poetry safe-pip check", s(&lock)]);
    assert_eq!(code, 3);
    assert!(out.contains("`poetry safe-pip check --fetch`"), "{out}");

    // An interpreter that cannot be asked: exit 2, and the way out, never a guess.
    let broken = env.write("broken-python", "#!/bin/sh\nexit 7\n");
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&broken, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    }
    let (code, out, err) = env.run(&["check", "--python", s(&broken), "--invoked-as", "poetry safe-pip check", s(&lock)]);
    assert_eq!(code, 2, "{out}{err}");
    assert!(out.is_empty(), "{out}");
    assert!(err.contains("cannot tell which locked files this environment installs") && err.contains("`poetry safe-pip check --all-platforms`"), "{err}");
    let (code, _, err) = env.run(&["check", "--python", s(&env.dir.path().join("no-such-venv")), s(&lock)]);
    assert_eq!(code, 2);
    assert!(err.contains("no such file or virtualenv") && err.contains("--all-platforms"), "{err}");
}

#[test]
fn a_corrupt_db_fails_scan_and_check_closed_and_is_left_untouched() {
    let env = Env::new();
    let pkg = sdist(env.dir.path(), "tidy-numbers", "1.0", &[("setup.py", BENIGN_SETUP)]);
    let reqs = env.write("requirements.txt", &format!("tidy-numbers==1.0 --hash=sha256:{}\n", sha256_of(&pkg)));
    let garbage = b"not a database; nothing may be written over it ".repeat(40);
    std::fs::create_dir_all(env.db().parent().expect("parent")).expect("mkdir");
    std::fs::write(env.db(), &garbage).expect("write");

    let (code, out, err) = env.run(&["scan", s(&pkg)]);
    assert_eq!(code, 2, "{out}{err}");
    assert!(out.is_empty(), "no verdict is printed: {out}");
    assert!(err.contains("is corrupt") && err.contains("hint:") && err.contains("--no-db") && err.contains("db reset"), "{err}");

    let (code, out, err) = env.run(&["check", s(&reqs)]);
    assert_eq!(code, 2, "{out}{err}");
    assert!(err.contains("is corrupt") && err.contains("hint:"), "{err}");

    let (code, out, err) = env.run(&["vet", "--offline", "tidy-numbers"]);
    assert_eq!(code, 2, "{out}{err}");
    assert!(err.contains("is corrupt"), "{err}");
    assert_eq!(std::fs::read(env.db()).expect("read"), garbage);

    // The remedy the hint names works.
    let (code, _, _) = env.run(&["scan", "--no-db", s(&pkg)]);
    assert_eq!(code, 0);
}

#[test]
fn two_scan_processes_write_to_one_db_and_lose_nothing() {
    let env = Env::new();
    let shared = env.dir.path().join("shared.sqlite3");
    let sets: Vec<PathBuf> = (0..2)
        .map(|k| {
            let dir = env.dir.path().join(format!("set{k}"));
            std::fs::create_dir_all(&dir).expect("mkdir");
            for i in 0..12 {
                let module = format!("VALUE = {}\n", k * 100 + i);
                sdist(&dir, &format!("pkg-{k}-{i}"), "1.0", &[("setup.py", BENIGN_SETUP), ("pkg/__init__.py", &module)]);
            }
            dir
        })
        .collect();
    // Both start before either has created the DB; each records its files one by one.
    let children: Vec<std::process::Child> = sets
        .iter()
        .map(|d| env.command(&["scan", "--db", s(&shared), "--jobs", "2", s(d)]).stdout(Stdio::null()).stderr(Stdio::piped()).spawn().expect("spawn scan"))
        .collect();
    for c in children {
        let out = c.wait_with_output().expect("wait");
        assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    }
    let st = stats(&env, Some(&shared));
    assert_eq!((st["verdicts"]["allow"].as_i64(), st["history_entries"].as_i64()), (Some(24), Some(24)), "{st}");
    let (code, _, _) = env.run(&["db", "check", "--db", s(&shared)]);
    assert_eq!(code, 0);
}
