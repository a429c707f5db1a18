use crate::error::Hint;
use super::*;

#[test]
fn detection_by_file_name() {
    let cases = [
        ("requirements.txt", Some(LockFormat::Requirements)),
        ("requirements-dev.txt", Some(LockFormat::Requirements)),
        ("constraints.txt", Some(LockFormat::Requirements)),
        ("requirements.in", Some(LockFormat::Requirements)),
        ("poetry.lock", Some(LockFormat::PoetryLock)),
        ("pylock.toml", Some(LockFormat::PyLock)),
        ("pylock.dev.toml", Some(LockFormat::PyLock)),
        ("pylock.a.b.toml", None),
        ("uv.lock", Some(LockFormat::UvLock)),
        ("Cargo.lock", None),
        ("pyproject.toml", None),
    ];
    for (name, expected) in cases {
        assert_eq!(detect_by_name(Path::new("some/dir").join(name).as_path()), expected, "{name}");
    }
}

#[test]
fn detection_by_content() {
    assert_eq!(detect_by_content(POETRY_2), Some(LockFormat::PoetryLock));
    assert_eq!(detect_by_content(POETRY_1), Some(LockFormat::PoetryLock));
    assert_eq!(detect_by_content(PYLOCK), Some(LockFormat::PyLock));
    assert_eq!(detect_by_content(UV_LOCK), Some(LockFormat::UvLock));
    assert_eq!(detect_by_content(REQUIREMENTS), Some(LockFormat::Requirements));
    assert_eq!(detect_by_content("[tool.black]\nline-length = 99\n"), None);
    assert_eq!(detect_by_content("# nothing\n\n"), None);
    // Broken TOML is still recognised, so the right reader reports the error.
    assert_eq!(detect_by_content("version = 1\n[[package]]\nname = \"six\nsource = {\n"), Some(LockFormat::UvLock));
}

#[test]
fn read_lockfile_detects_and_reports_missing_files() {
    let dir = tempfile::tempdir().unwrap();
    let uv = write(dir.path(), "uv.lock", UV_LOCK);
    assert_eq!(read_lockfile(&uv).unwrap().format, LockFormat::UvLock);
    let by_content = write(dir.path(), "deps.lock", POETRY_2);
    let lock = read_lockfile(&by_content).unwrap();
    assert_eq!(lock.format, LockFormat::PoetryLock);
    assert_eq!(lock.path, by_content);

    let missing = dir.path().join("nope/poetry.lock");
    let err = read_lockfile(&missing).unwrap_err();
    assert!(matches!(err, LockfileError::NotFound { .. }), "{err:?}");
    assert!(err.to_string().contains("nope/poetry.lock"));

    let unknown = write(dir.path(), "settings.cfg", "[tool]\nname = 'x'\n");
    assert!(matches!(read_lockfile(&unknown).unwrap_err(), LockfileError::UnknownFormat { .. }));

    let binary = dir.path().join("requirements.txt");
    std::fs::write(&binary, [0xff, 0xfe, 0x00, 0x41]).unwrap();
    let err = read_lockfile(&binary).unwrap_err();
    assert!(err.to_string().contains("not a text file"), "{err}");
    std::fs::write(&binary, [0xff, 0xfe, 0x41]).unwrap();
    assert!(read_lockfile(&binary).unwrap_err().to_string().contains("not UTF-8"));

    let bom = write(dir.path(), "bom-requirements.txt", "\u{feff}six==1.16.0\n");
    assert_eq!(read_lockfile(&bom).unwrap().packages[0].name, "six");
}

#[test]
fn normalisation_and_hashes() {
    assert_eq!(normalize_name("Internal_Tools"), "internal-tools");
    assert_eq!(normalize_name("zope.interface"), "zope-interface");
    assert_eq!(normalize_name("A__b--C"), "a-b-c");
    let hash = Hash::parse(&format!("SHA256:{}", "AB".repeat(32))).unwrap();
    assert_eq!(hash.to_string(), format!("sha256:{}", "ab".repeat(32)));
    let e = Hash::parse("sha256:abcd").unwrap_err();
    assert_eq!(e.to_string(), "a sha256 digest has 64 hex digits, 'abcd' has 4");
    assert!(crate::error::Hint::hint(&e).contains("pip hash FILE"));
    assert!(Hash::parse("nocolon").is_err());
}

fn uv_with(packages: &[(&str, &str, &[&str], u8)], root_deps: &[&str]) -> Lockfile {
    let mut text = String::from(
        "version = 1\nrevision = 2\n\n[[package]]\nname = \"app\"\nversion = \"0.1.0\"\nsource = { editable = \".\" }\n",
    );
    text.push_str(&format!(
        "dependencies = [{}]\n",
        root_deps.iter().map(|d| format!("{{ name = \"{d}\" }}")).collect::<Vec<_>>().join(", ")
    ));
    for (name, version, deps, seed) in packages {
        text.push_str(&format!(
            "\n[[package]]\nname = \"{name}\"\nversion = \"{version}\"\nsource = {{ registry = \"https://pypi.org/simple\" }}\ndependencies = [{}]\nwheels = [{{ url = \"https://f/{name}-{version}-py3-none-any.whl\", hash = \"sha256:{}\" }}]\n",
            deps.iter().map(|d| format!("{{ name = \"{d}\" }}")).collect::<Vec<_>>().join(", "),
            sha(*seed)
        ));
    }
    parse(LockFormat::UvLock, Path::new("uv.lock"), &text).unwrap()
}

#[test]
fn diff_added_removed_updated_with_direct_and_transitive() {
    let base =
        uv_with(&[("httpx", "0.27.0", &["idna"], 1), ("idna", "3.7", &[], 2), ("six", "1.16.0", &[], 3)], &["httpx", "six"]);
    let head = uv_with(
        &[
            ("httpx", "0.28.1", &["idna", "h11"], 4),
            ("idna", "3.7", &[], 2),
            ("h11", "0.14.0", &[], 5),
            ("rich", "13.9.4", &[], 6),
        ],
        &["httpx", "rich"],
    );
    let d = diff(&base, &head);
    let added: Vec<(&str, DependencyKind)> = d.added_with_kinds().map(|(p, k)| (p.name.as_str(), k)).collect();
    assert_eq!(added, vec![("h11", DependencyKind::Transitive), ("rich", DependencyKind::Direct)]);
    assert_eq!(d.removed.iter().map(|p| p.name.as_str()).collect::<Vec<_>>(), vec!["six"]);
    assert_eq!(d.updated.len(), 1);
    assert_eq!(d.updated[0].0.version.as_deref(), Some("0.27.0"));
    assert_eq!(d.updated[0].1.version.as_deref(), Some("0.28.1"));
    assert_eq!(d.unchanged_count, 2, "idna and the project itself");
    assert!(!d.is_empty());
    assert!(diff(&head, &head).is_empty());
}

#[test]
fn diff_same_version_with_new_hash_is_an_update() {
    let base = uv_with(&[("idna", "3.7", &[], 2)], &["idna"]);
    let head = uv_with(&[("idna", "3.7", &[], 9)], &["idna"]);
    let d = diff(&base, &head);
    assert_eq!(d.updated.len(), 1, "a re-uploaded file under the same version must show");
    assert_eq!(d.unchanged_count, 1);
}

#[test]
fn diff_several_versions_of_one_name() {
    let base = parse(LockFormat::PoetryLock, Path::new("poetry.lock"), POETRY_1).unwrap();
    let mut head = base.clone();
    // numpy 1.24.4 (old Pythons) → 1.24.5; numpy 1.26.4 unchanged; a third fork appears.
    let old = head.packages.iter_mut().find(|p| p.version.as_deref() == Some("1.24.4")).unwrap();
    old.version = Some("1.24.5".into());
    old.files.clear();
    let mut extra = head.packages.iter().find(|p| p.version.as_deref() == Some("1.26.4")).unwrap().clone();
    extra.version = Some("2.2.3".into());
    extra.files.clear();
    head.packages.push(extra);
    let d = diff(&base, &head);
    assert_eq!(d.updated.len(), 1);
    assert_eq!((d.updated[0].0.version.as_deref(), d.updated[0].1.version.as_deref()), (Some("1.24.4"), Some("1.24.5")));
    assert_eq!(d.added.len(), 1);
    assert_eq!(d.added[0].version.as_deref(), Some("2.2.3"));
    assert_eq!(d.added_kinds, vec![DependencyKind::LikelyDirect], "nothing in the poetry.lock depends on numpy");
    assert!(d.removed.is_empty());
    assert_eq!(d.unchanged_count, 4);
}

#[test]
fn diff_classification_for_poetry_and_requirements() {
    let head = parse(LockFormat::PoetryLock, Path::new("poetry.lock"), POETRY_2).unwrap();
    let empty = Lockfile::new(LockFormat::PoetryLock, Path::new("poetry.lock"));
    let d = diff(&empty, &head);
    let kinds: Vec<(&str, DependencyKind)> = d.added_with_kinds().map(|(p, k)| (p.normalized.as_str(), k)).collect();
    assert!(kinds.contains(&("internal-tools", DependencyKind::LikelyDirect)));
    assert!(kinds.contains(&("requests", DependencyKind::Transitive)));
    assert!(kinds.contains(&("urllib3", DependencyKind::Transitive)));
    assert_eq!(classify_in(&head, package(&head, "rich-click")), DependencyKind::LikelyDirect);

    let plain = parse(LockFormat::Requirements, Path::new("r.txt"), "six==1.16.0\n").unwrap();
    let d = diff(&Lockfile::new(LockFormat::Requirements, Path::new("r.txt")), &plain);
    assert_eq!(d.added_kinds, vec![DependencyKind::Unknown]);
}

#[test]
fn truncated_lockfiles_give_errors_not_panics() {
    for (format, text) in [
        (LockFormat::PoetryLock, POETRY_2),
        (LockFormat::PoetryLock, POETRY_1),
        (LockFormat::PyLock, PYLOCK),
        (LockFormat::UvLock, UV_LOCK),
        (LockFormat::Requirements, REQUIREMENTS),
    ] {
        for cut in (0..text.len()).step_by(7).filter(|&c| text.is_char_boundary(c)) {
            if let Err(err) = parse(format, Path::new("lock"), &text[..cut]) {
                assert!(!err.to_string().is_empty() && !err.hint().is_empty());
            }
        }
    }
}
