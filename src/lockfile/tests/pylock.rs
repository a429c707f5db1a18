use super::*;

fn parse_pylock(text: &str) -> Result<Lockfile, LockfileError> {
    parse(LockFormat::PyLock, Path::new("pylock.toml"), text)
}

#[test]
fn pep_751_lock_with_index_archive_vcs_and_directory_packages() {
    let lock = parse_pylock(PYLOCK).unwrap();
    assert_eq!(lock.packages.len(), 6);
    assert!(lock.warnings.is_empty(), "{:?}", lock.warnings);
    assert_eq!(lock.index_urls, vec!["https://pypi.org/simple"]);

    let md = package(&lock, "markdown-it-py");
    assert_eq!(md.version.as_deref(), Some("3.0.0"));
    assert_eq!(md.dependencies, vec!["mdurl"]);
    assert_eq!(md.source, Source::Registry { index_url: None });
    let wheel = &md.files[0];
    assert_eq!(wheel.filename.as_deref(), Some("markdown_it_py-3.0.0-py3-none-any.whl"));
    assert_eq!(wheel.size, Some(87528));
    assert_eq!(wheel.upload_time.as_deref(), Some("2023-06-03T06:41:11.019+00:00"), "TOML datetime as RFC 3339 text");
    assert_eq!(md.line, Some(line_of(PYLOCK, "name = 'markdown-it-py'") - 1));

    let mdurl = package(&lock, "mdurl");
    assert_eq!(mdurl.files.len(), 2, "sdist and wheel");
    assert_eq!(mdurl.files[1].filename.as_deref(), Some("mdurl-0.1.2-py3-none-any.whl"), "from the URL when name is absent");
    assert!(mdurl.files[1].sha256().is_some(), "hashes as a sub-table");

    let rich = package(&lock, "rich");
    assert_eq!(rich.markers.as_deref(), Some("python_version >= '3.11'"));
    assert_eq!(rich.source, Source::Registry { index_url: Some("https://pypi.org/simple".into()) });

    let pygments = package(&lock, "pygments");
    assert_eq!(pygments.source, Source::Url { url: "https://mirror.example.org/pygments-2.18.0-py3-none-any.whl".into() });
    assert_eq!(pygments.files[0].hashes.len(), 2);

    let attrs = package(&lock, "attrs");
    assert_eq!(
        attrs.source,
        Source::Vcs {
            url: "git+https://github.com/python-attrs/attrs.git".into(),
            rev: Some("24.2.0".into()),
            commit: Some("a3ba4e5bf7d25a64e5e9a1f5ab3c0e33b4d5b3c4".into())
        }
    );
    assert_eq!(package(&lock, "my-app").source, Source::Editable { path: ".".into() });
}

#[test]
fn pylock_version_rules() {
    let minimal = |version: &str| {
        format!(
            "lock-version = '{version}'\n\n[[packages]]\nname = 'six'\nversion = '1.16.0'\n[[packages.wheels]]\nurl = 'https://x/six-1.16.0-py2.py3-none-any.whl'\nhashes = {{sha256 = '{}'}}\n",
            sha(4)
        )
    };
    assert!(parse_pylock(&minimal("1.0")).unwrap().warnings.is_empty());
    let newer = parse_pylock(&minimal("1.3")).unwrap();
    assert_eq!(newer.warnings[0].kind, WarningKind::NewerVersion);
    assert_eq!(newer.warnings[0].line, Some(1));
    let err = parse_pylock(&minimal("2.0")).unwrap_err();
    assert!(matches!(err, LockfileError::UnsupportedVersion { line: Some(1), .. }), "{err:?}");
    let err = parse_pylock("[[packages]]\nname = 'six'\n").unwrap_err();
    assert!(err.to_string().contains("lock-version is missing"), "{err}");
}

#[test]
fn pylock_files_without_hashes_or_mixed_sources_are_rejected() {
    let text = "lock-version = '1.0'\n\n[[packages]]\nname = 'six'\nversion = '1.16.0'\n[packages.sdist]\nurl = 'https://x/six-1.16.0.tar.gz'\n";
    let err = parse_pylock(text).unwrap_err();
    assert!(matches!(err, LockfileError::Invalid { line: Some(3), .. }), "{err:?}");
    assert!(err.to_string().contains("no hashes"), "{err}");

    let text = format!(
        "lock-version = '1.0'\n\n[[packages]]\nname = 'six'\n[packages.directory]\npath = 'six'\n[packages.archive]\npath = 'six.zip'\nhashes = {{sha256 = '{}'}}\n",
        sha(5)
    );
    let err = parse_pylock(&text).unwrap_err();
    assert!(err.to_string().contains("mixes source kinds"), "{err}");

    let err = parse_pylock("lock-version = '1.0'\n[[packages]]\nname = 'six'\nversion = '1'\n").unwrap_err();
    assert!(err.to_string().contains("has none of"), "{err}");
}
