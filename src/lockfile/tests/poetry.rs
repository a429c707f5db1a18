use crate::error::Hint;
use super::*;

fn parse_poetry(text: &str) -> Result<Lockfile, LockfileError> {
    parse(LockFormat::PoetryLock, Path::new("poetry.lock"), text)
}

#[test]
fn poetry_2_lock_with_legacy_git_and_directory_sources() {
    let lock = parse_poetry(POETRY_2).unwrap();
    assert_eq!(lock.packages.len(), 7);
    assert_eq!(lock.index_urls, vec!["https://pkgs.example.internal/simple"]);
    assert!(lock.warnings.is_empty(), "{:?}", lock.warnings);

    let certifi = package(&lock, "certifi");
    assert_eq!(certifi.version.as_deref(), Some("2025.1.31"));
    assert_eq!(certifi.source, Source::Registry { index_url: None });
    assert_eq!(certifi.files.len(), 2);
    assert_eq!(certifi.files[0].filename.as_deref(), Some("certifi-2025.1.31-py3-none-any.whl"));
    assert_eq!(certifi.files[0].hashes[0].algorithm, "sha256");
    assert_eq!(certifi.line, Some(line_of(POETRY_2, "name = \"certifi\"") - 1), "points at [[package]]");
    assert_eq!(certifi.direct, None);

    let internal = package(&lock, "internal-tools");
    assert_eq!(internal.name, "Internal_Tools");
    assert_eq!(internal.normalized, "internal-tools");
    assert_eq!(internal.source, Source::Registry { index_url: Some("https://pkgs.example.internal/simple".into()) });
    assert_eq!(internal.dependencies, vec!["requests"]);

    let requests = package(&lock, "requests");
    assert_eq!(requests.dependencies, vec!["certifi", "urllib3"], "array-of-tables value read");
    assert_eq!(requests.extras, vec!["socks"], "requested by internal-tools");

    let rich_click = package(&lock, "rich-click");
    assert_eq!(
        rich_click.source,
        Source::Vcs {
            url: "git+https://github.com/ewels/rich-click.git".into(),
            rev: Some("v1.8.5".into()),
            commit: Some("9f1a6c7c2a0b8e6d4f3e2d1c0b9a8f7e6d5c4b3a".into())
        }
    );
    assert!(rich_click.files.is_empty());

    let colorama = package(&lock, "colorama");
    assert_eq!(
        colorama.markers.as_deref(),
        Some("(sys_platform == \"win32\") or (platform_system == \"Windows\")"),
        "markers per group (lock 2.1), groups in name order"
    );

    let vendored = package(&lock, "vendored-utils");
    assert_eq!(vendored.source, Source::Editable { path: "libs/vendored-utils".into() });
    assert!(vendored.optional);
}

#[test]
fn poetry_1_lock_takes_files_from_metadata_files() {
    let lock = parse_poetry(POETRY_1).unwrap();
    assert_eq!(lock.packages.len(), 5);
    let click = package(&lock, "click");
    assert_eq!(click.files.len(), 2);
    assert_eq!(click.dependencies, vec!["colorama"]);
    let numpy: Vec<&LockedPackage> = lock.find("numpy").collect();
    assert_eq!(numpy.len(), 2);
    for n in numpy {
        let version = n.version.as_deref().unwrap();
        assert_eq!(n.files.len(), 2, "{version}");
        assert!(n.files.iter().all(|f| f.filename.as_deref().unwrap().contains(version)), "files of {version} only");
    }
    let mypkg = package(&lock, "mypkg");
    assert_eq!(mypkg.source, Source::Url { url: "https://downloads.example.com/mypkg-0.1.0.tar.gz".into() });
    assert_eq!(mypkg.files[0].url.as_deref(), Some("https://downloads.example.com/mypkg-0.1.0.tar.gz"));
}

#[test]
fn bad_toml_reports_line_and_column() {
    let text = "[[package]]\nname = \"six\"\nversion = \"1.16.0\"\nfiles = [\n    {file = \"six.whl\", hash = \"sha256:00\"\n]\n";
    let err = parse_poetry(text).unwrap_err();
    match &err {
        LockfileError::Toml { line, format, .. } => {
            assert_eq!(*format, LockFormat::PoetryLock);
            assert!((5..=6).contains(line), "line {line}: {err}");
        }
        other => panic!("expected a TOML error, got {other:?}"),
    }
    assert!(err.to_string().starts_with("poetry.lock:"), "{err}");
    assert!(err.hint().contains("poetry lock"));
}

#[test]
fn schema_errors_point_at_the_package() {
    let text = "[metadata]\nlock-version = \"2.1\"\n\n[[package]]\nname = \"six\"\n\n[[package]]\nname = \"idna\"\nversion = 3\n";
    let err = parse_poetry(text).unwrap_err();
    assert!(matches!(err, LockfileError::Toml { .. }), "{err:?}");
    let line = err.line().unwrap();
    assert!(line >= 4, "{err}");

    let text = format!(
        "[[package]]\nname = \"six\"\nversion = \"1.16.0\"\nfiles = [{{file = \"six-1.16.0.tar.gz\", hash = \"sha256:{}\"}}]\n\n[metadata]\nlock-version = \"3.0\"\n",
        sha(3)
    );
    let err = parse_poetry(&text).unwrap_err();
    assert!(matches!(err, LockfileError::UnsupportedVersion { line: Some(7), .. }), "{err:?}");

    let text =
        "[[package]]\nname = \"six\"\nversion = \"1.16.0\"\nfiles = [{file = \"six-1.16.0.tar.gz\", hash = \"sha256:zz\"}]\n";
    let err = parse_poetry(text).unwrap_err();
    assert!(matches!(err, LockfileError::Invalid { line: Some(1), .. }), "{err:?}");
    assert!(err.to_string().contains("not hexadecimal"), "{err}");
}
