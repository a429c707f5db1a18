//! `safe-pip proxy` argument errors (the running proxy is tested in src/proxy/tests and,
//! with real pip and uv, in tests/python/test_proxy_e2e.py).

/// Runs `safe-pip` with an empty home and no pip configuration.
fn run(args: &[&str]) -> (i32, String, String) {
    let home = tempfile::tempdir().expect("temp home");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_safe-pip"))
        .args(args)
        .env("HOME", home.path())
        .env("XDG_CONFIG_HOME", home.path())
        .env("PIP_CONFIG_FILE", "/dev/null")
        .env("SAFE_PIP_DB", home.path().join("db.sqlite"))
        .output()
        .expect("run safe-pip");
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
}

#[test]
fn proxy_refuses_a_non_loopback_bind_with_a_hint() {
    let (code, stdout, stderr) = run(&["proxy", "--bind", "0.0.0.0", "-i", "http://127.0.0.1:9/simple/"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stdout.is_empty(), "no banner before listening: {stdout}");
    assert!(stderr.contains("error: refusing to listen on 0.0.0.0") && stderr.contains("hint: "), "{stderr}");
}

#[test]
fn proxy_with_an_unusable_index_url_is_a_usage_error() {
    let (code, _, stderr) = run(&["proxy", "-i", "ftp://example.invalid/simple/"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("unsupported scheme") && stderr.contains("hint: "), "{stderr}");
}
