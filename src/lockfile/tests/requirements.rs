use crate::error::Hint;
use super::*;

fn parse_text(text: &str) -> Lockfile {
    crate::lockfile::requirements::parse_with(Path::new("requirements.txt"), text, &|p: &Path| {
        Err(std::io::Error::new(std::io::ErrorKind::NotFound, format!("no {}", p.display())))
    })
    .unwrap_or_else(|e| panic!("{e}"))
}

fn parse_err(text: &str) -> LockfileError {
    crate::lockfile::requirements::parse_with(Path::new("requirements.txt"), text, &|_: &Path| {
        Err(std::io::Error::other("no includes"))
    })
    .unwrap_err()
}

#[test]
fn pip_compile_output_with_hashes_on_continuation_lines_and_via_annotations() {
    let lock = parse(LockFormat::Requirements, Path::new("requirements.txt"), REQUIREMENTS).unwrap();
    assert_eq!(lock.format, LockFormat::Requirements);
    assert_eq!(lock.packages.len(), 7);
    assert_eq!(lock.index_urls, vec!["https://pypi.org/simple", "https://pkgs.example.internal/simple"]);
    assert!(lock.warnings.is_empty(), "{:?}", lock.warnings);

    let certifi = package(&lock, "certifi");
    assert_eq!(certifi.version.as_deref(), Some("2024.8.30"));
    assert_eq!(certifi.files.len(), 2, "one file per --hash");
    assert!(certifi.files.iter().all(|f| f.filename.is_none() && f.hashes.len() == 1 && f.sha256().is_some()));
    assert_eq!(certifi.line, Some(line_of(REQUIREMENTS, "certifi==")));
    assert_eq!(certifi.source, Source::Registry { index_url: Some("https://pypi.org/simple".into()) });
    assert_eq!(certifi.direct, Some(false));

    let requests = package(&lock, "requests");
    assert_eq!(requests.extras, vec!["socks"]);
    assert_eq!(requests.direct, Some(true), "via -r requirements.in");
    assert_eq!(requests.dependencies, vec!["certifi", "charset-normalizer", "idna", "pysocks", "urllib3"]);

    let internal = package(&lock, "internal-client");
    assert_eq!(internal.markers.as_deref(), Some("python_version >= \"3.10\""));
    assert_eq!(internal.files.len(), 1);
    assert_eq!(internal.direct, Some(true));
    assert_eq!(internal.dependencies, vec!["requests", "urllib3"], "multi-line via blocks name internal-client as a dependent");
    assert!(lock.packages.iter().all(|p| p.dependencies.iter().all(|d| d != "the" && d != "setuptools")), "trailer is not a via");
}

#[test]
fn includes_constraints_editables_vcs_urls_and_markers_in_a_temp_dir() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "base.txt",
        &format!(
            "# shared pins\n\
             six==1.16.0 --hash=sha256:{}\n\
             -c constraints/pins.txt\n",
            sha(1)
        ),
    );
    write(dir.path(), "constraints/pins.txt", "urllib3==2.2.3\nidna==3.10\n");
    let main = write(
        dir.path(),
        "requirements-dev.txt",
        &format!(
            "-r base.txt\n\
             --requirement=base.txt  # included twice: read once\n\
             -e ./libs/tooling[test]\n\
             -e git+https://github.com/pallets/click.git@8.1.7#egg=click\n\
             flask @ git+https://github.com/pallets/flask@{commit}\n\
             https://files.example.com/wheels/attrs-23.2.0-py3-none-any.whl#sha256={h}\n\
             ./vendor/tomli-2.0.1.tar.gz\n\
             urllib3  # pinned by the constraints file\n\
             pywin32==306 ; sys_platform == \"win32\"\n\
             colorama (==0.4.6)\n\
             --find-links https://download.example.com/wheels/\n\
             --pre\n\
             --trusted-host pkgs.example.internal\n",
            commit = "a".repeat(40),
            h = sha(2)
        ),
    );
    let lock = read_lockfile(&main).unwrap();
    let names: Vec<&str> = lock.packages.iter().map(|p| p.normalized.as_str()).collect();
    assert_eq!(names, vec!["six", "./libs/tooling", "click", "flask", "attrs", "tomli", "urllib3", "pywin32", "colorama"]);

    let six = package(&lock, "six");
    assert_eq!(six.file.as_deref(), Some(dir.path().join("base.txt").as_path()));
    assert_eq!(six.line, Some(2));
    assert_eq!(lock.location_of(six), format!("{}:2", dir.path().join("base.txt").display()));
    assert_eq!(six.files[0].sha256(), Some(sha(1).as_str()));

    let tooling = &lock.packages[1];
    assert_eq!(tooling.source, Source::Editable { path: "./libs/tooling".into() });
    assert_eq!(tooling.extras, vec!["test"]);
    assert!(lock.warnings.iter().any(|w| w.kind == WarningKind::UnnamedRequirement && w.line == Some(3)), "{:?}", lock.warnings);

    let click = package(&lock, "click");
    assert_eq!(
        click.source,
        Source::Vcs { url: "git+https://github.com/pallets/click.git".into(), rev: Some("8.1.7".into()), commit: None }
    );
    assert!(lock.warnings.iter().any(|w| w.kind == WarningKind::Unpinned && w.line == Some(4) && w.message.contains("'8.1.7'")));

    let flask = package(&lock, "flask");
    assert_eq!(
        flask.source,
        Source::Vcs {
            url: "git+https://github.com/pallets/flask".into(),
            rev: Some("a".repeat(40)),
            commit: Some("a".repeat(40))
        }
    );
    assert!(!lock.warnings.iter().any(|w| w.line == Some(5)), "a full commit is pinned");

    let attrs = package(&lock, "attrs");
    assert_eq!(attrs.version.as_deref(), Some("23.2.0"), "from the wheel file name");
    assert_eq!(attrs.source, Source::Url { url: "https://files.example.com/wheels/attrs-23.2.0-py3-none-any.whl".into() });
    assert_eq!(attrs.files[0].filename.as_deref(), Some("attrs-23.2.0-py3-none-any.whl"));
    assert_eq!(attrs.files[0].sha256(), Some(sha(2).as_str()));

    let tomli = package(&lock, "tomli");
    assert_eq!(tomli.source, Source::Path { path: "./vendor/tomli-2.0.1.tar.gz".into() });
    assert_eq!(tomli.version.as_deref(), Some("2.0.1"));

    let urllib3 = package(&lock, "urllib3");
    assert_eq!(urllib3.version.as_deref(), Some("2.2.3"), "the constraint pins it");
    assert!(!lock.warnings.iter().any(|w| w.message.contains("urllib3")), "{:?}", lock.warnings);
    assert_eq!(lock.constraints.len(), 2);
    assert_eq!(
        lock.constraints[0].file.as_deref(),
        Some(dir.path().join("base.txt").parent().unwrap().join("constraints/pins.txt").as_path())
    );

    assert_eq!(package(&lock, "pywin32").markers.as_deref(), Some("sys_platform == \"win32\""));
    assert_eq!(package(&lock, "colorama").version.as_deref(), Some("0.4.6"), "parenthesised specifier");
    assert!(lock.warnings.iter().any(|w| w.kind == WarningKind::UnsupportedOption && w.message.contains("--find-links")));
    assert_eq!(
        lock.warnings.iter().filter(|w| w.kind == WarningKind::UnsupportedOption).count(),
        1,
        "--pre/--trusted-host accepted"
    );
}

#[test]
fn unpinned_wildcard_and_arbitrary_equality() {
    let lock = parse_text(
        "requests>=2.31,<3\n\
         django==4.2.*\n\
         legacy===1.0-custom\n\
         numpy>=1.26,==1.26.4\n\
         rich\n",
    );
    let requests = package(&lock, "requests");
    assert_eq!(requests.version, None);
    assert_eq!(requests.specifier.as_deref(), Some(">=2.31,<3"));
    assert_eq!(package(&lock, "django").version, None, "a wildcard is not a pin");
    assert_eq!(package(&lock, "legacy").version.as_deref(), Some("1.0-custom"));
    let numpy = package(&lock, "numpy");
    assert_eq!(numpy.version.as_deref(), Some("1.26.4"));
    assert_eq!(numpy.specifier.as_deref(), Some(">=1.26,==1.26.4"));
    let unpinned: Vec<(Option<usize>, &str)> =
        lock.warnings.iter().filter(|w| w.kind == WarningKind::Unpinned).map(|w| (w.line, w.message.as_str())).collect();
    assert_eq!(unpinned.len(), 3, "{unpinned:?}");
    assert_eq!(unpinned[0].0, Some(1));
    assert!(unpinned[0].1.contains("requests>=2.31,<3 is not pinned"));
    assert_eq!(unpinned[1].0, Some(2));
    assert!(unpinned[2].1.contains("rich has no version"));
}

#[test]
fn comments_continuations_and_environment_variables() {
    let text = "# a comment line\n\
                \n\
                pkg-a==1.0 # trailing comment\n\
                pkg-b==2.0 \\\n\
                \x20   ; python_version < \"3.12\"\n\
                https://${INTERNAL_HOST}/files/pkg_c-3.0-py3-none-any.whl\n\
                pkg-d==4.0 \\\n\
                # a comment ends the continuation\n\
                pkg-e==5.0\r\n";
    let lock = parse_text(text);
    let names: Vec<&str> = lock.packages.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, vec!["pkg-a", "pkg-b", "pkg_c", "pkg-d", "pkg-e"]);
    assert_eq!(package(&lock, "pkg-b").markers.as_deref(), Some("python_version < \"3.12\""));
    assert_eq!(package(&lock, "pkg-b").line, Some(4));
    assert_eq!(package(&lock, "pkg-e").line, Some(9));
    let env = lock.warnings.iter().find(|w| w.kind == WarningKind::EnvironmentVariable).expect("env var warning");
    assert_eq!(env.line, Some(6));
    assert_eq!(
        package(&lock, "pkg-c").source,
        Source::Url { url: "https://${INTERNAL_HOST}/files/pkg_c-3.0-py3-none-any.whl".into() },
        "left as written"
    );
}

#[test]
fn malformed_requirements_point_at_the_line() {
    let err = parse_err("ok==1\nrequests=2.0\n");
    assert!(matches!(err, LockfileError::Requirement { line: 2, .. }), "{err:?}");
    assert!(err.to_string().contains("requirements.txt: line 2 is not a requirement") && err.to_string().contains("single '='"), "{err}");
    assert!(!err.hint().is_empty());

    let err = parse_err("requests==2.0\n--hash=sha256:abc\n");
    assert!(err.to_string().contains("is a `\\` missing"), "{err}");
    assert_eq!(err.line(), Some(2));

    let err = parse_err(&format!("requests==2.0 --hash=md5:{}\n", "0".repeat(32)));
    assert!(err.to_string().contains("not accepted by pip"), "{err}");

    let err = parse_err("requests==2.0 --hash=sha256:xyz\n");
    assert!(err.to_string().contains("not hexadecimal"), "{err}");

    let err = parse_err("requests[socks==2.0\n");
    assert!(err.to_string().contains("closing ']'"), "{err}");

    let err = parse_err("requests==2.0 ; python_version < \"3.12\n");
    assert!(err.to_string().contains("unterminated string"), "{err}");

    let err = parse_err("-r missing.txt\n");
    assert!(matches!(err, LockfileError::Include { line: 1, .. }), "{err:?}");
}

#[test]
fn include_cycle_is_an_error_with_the_chain() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a.txt", "six==1.16.0\n-r sub/b.txt\n");
    write(dir.path(), "sub/b.txt", "# back to a\n-r ../a.txt\n");
    let err = read_lockfile(&dir.path().join("a.txt")).unwrap_err();
    match &err {
        LockfileError::IncludeCycle { path, line, chain, .. } => {
            assert!(path.ends_with("sub/b.txt"));
            assert_eq!(*line, 2);
            assert_eq!(chain.len(), 3, "a -> b -> a: {chain:?}");
        }
        other => panic!("expected a cycle, got {other:?}"),
    }
    assert!(err.hint().contains("-r/-c"));
}

#[test]
fn remote_includes_and_unknown_options_are_warnings() {
    let lock = parse_text("-r https://example.com/reqs.txt\n--no-index\n--frobnicate\nsix==1.16.0\n");
    let kinds: Vec<(Option<usize>, WarningKind)> = lock.warnings.iter().map(|w| (w.line, w.kind)).collect();
    assert_eq!(
        kinds,
        vec![
            (Some(1), WarningKind::UnsupportedOption),
            (Some(2), WarningKind::UnsupportedOption),
            (Some(3), WarningKind::UnsupportedOption)
        ]
    );
    assert_eq!(lock.packages.len(), 1);
}

#[test]
fn five_hundred_entries_parse() {
    let mut text = String::from("--index-url https://pypi.org/simple\n");
    for i in 0..500 {
        text.push_str(&format!(
            "package-{i}==1.{i}.0 ; python_version >= \"3.9\" \\\n    --hash=sha256:{} \\\n    --hash=sha256:{}\n    # via -r requirements.in\n",
            sha((i % 256) as u8),
            sha(((i + 1) % 256) as u8)
        ));
    }
    let lock = parse_text(&text);
    assert_eq!(lock.packages.len(), 500);
    assert!(lock.packages.iter().all(|p| p.files.len() == 2 && p.direct == Some(true) && p.version.is_some()));
    assert_eq!(lock.packages[499].line, Some(1 + 499 * 4 + 1));
    assert!(lock.warnings.is_empty());
}

#[test]
fn option_spellings() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "base.txt", "six==1.16.0\n");
    write(dir.path(), "more.txt", "idna==3.10\n");
    let main = write(
        dir.path(),
        "requirements.txt",
        "-rbase.txt\n--requirement=more.txt\n--editable=./a\n-e./b\n-e \"./with space\"\n--index-url=https://idx.example/simple\n-ihttps://idx2.example/simple\n",
    );
    let lock = read_lockfile(&main).unwrap();
    let names: Vec<&str> = lock.packages.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, vec!["six", "idna", "./a", "./b", "./with space"]);
    assert_eq!(lock.packages[4].source, Source::Editable { path: "./with space".into() });
    assert_eq!(lock.index_urls, vec!["https://idx2.example/simple", "https://idx.example/simple"]);
    assert_eq!(package(&lock, "six").source, Source::Registry { index_url: Some("https://idx2.example/simple".into()) });
}

/// Options are looked up in pip's requirements-file table, abbreviations included (pip's
/// requirements-file parser is optparse too); options older pips took are still ignored.
#[test]
fn abbreviated_options_are_read_as_pip_reads_them() {
    let text = format!(
        "--index https://idx.example/simple\n--extra-index=https://extra.example/simple\n--no-deps\n--progress-bar off\nsix==1.16.0 --ha=sha256:{}\n",
        sha(1)
    );
    let lock = parse_text(&text);
    assert_eq!(lock.index_urls, vec!["https://idx.example/simple", "https://extra.example/simple"]);
    assert!(lock.warnings.is_empty(), "{:?}", lock.warnings);
    assert_eq!(package(&lock, "six").files.len(), 1, "--ha is --hash");
    let err = parse_err("--n\nsix==1.16.0\n");
    assert!(err.to_string().contains("option --n is ambiguous"), "{err}");
}

/// Option values are split as pip splits them (`shlex`): a backslash escapes outside
/// quotes, and inside double quotes only before `"` and `\` (the install rewriter reads
/// the same lines the same way: `install::reqfile`'s tests).
#[test]
fn backslashes_in_options_are_read_as_pip_reads_them() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "with space.txt", "six==1.16.0\n");
    let main = write(dir.path(), "requirements.txt", "-r with\\ space.txt\n-e ./a\\ b\n-e \"./c\\d\"\n-e ./e\\\\f\n");
    let lock = read_lockfile(&main).unwrap();
    let names: Vec<&str> = lock.packages.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, vec!["six", "./a b", "./c\\d", "./e\\f"]);
    assert!(parse_err("-e \"./open\\\"\n").to_string().contains("no closing \" quote"));
}

#[test]
fn odd_input_gives_errors_or_warnings_never_a_panic() {
    let inputs = [
        "-é\n",
        "-\n",
        "--\n",
        "-e\n",
        "--hash\n",
        "x @\n",
        "x @ \n",
        "[\n",
        "x[\n",
        "x[]\n",
        "x ;\n",
        "é==1\n",
        "\\\n\\\n",
        "x==1 \\",
        "x==1 --hash\n",
        "x==1 --hash=\n",
        "x==1 --hash=sha256:\n",
        "\"unbalanced\n",
        "-r\n",
        "-c ''\n",
        "git+https://\n",
        "git+https://host/repo@\n",
        "./\n",
        ".whl\n",
        "x===\n",
        "x==1,\n",
        "x (==1\n",
        "${}\n",
        "${A\n",
        "x==1 ; (a\n",
        "x==1 ; a)\n",
        "#egg=\n",
        "https://h/p.tar.gz#egg=é\n",
        "-e git+https://h/r#egg=n[x]\n",
    ];
    for input in inputs {
        let _ = crate::lockfile::requirements::parse_with(Path::new("r.txt"), input, &|_: &Path| Ok(String::new()));
        let _ = detect_by_content(input);
    }
}

#[test]
fn many_hashes_on_one_line_are_deduplicated() {
    // #14: deduplication was quadratic in the hashes of a line; it must stay exact
    let hashes: Vec<String> = (0..5_000u32).map(|i| format!("--hash=sha256:{:064x}", i % 4_000)).collect();
    let lock = parse_text(&format!("six==1.16.0 {}\n", hashes.join(" ")));
    let six = package(&lock, "six");
    assert_eq!(six.files.len(), 4_000);
    assert!(six.files.iter().all(|f| f.hashes.len() == 1));
    let url = parse_text(&format!("six @ https://example.invalid/six-1.16.0-py2.py3-none-any.whl {}\n", hashes.join(" ")));
    assert_eq!(package(&url, "six").files[0].hashes.len(), 4_000);
}

/// #14: every `# via other-package` line is an edge; they were matched by scanning every
/// package per edge (quadratic: 200,000 entries never finished). Matched by name now,
/// to every entry of that name (a name may appear twice, e.g. with different markers).
#[test]
fn via_edges_of_many_entries_reach_every_entry_of_the_named_package() {
    let n = 20_000;
    let mut text = String::from("pkg-0==1.0 ; python_version < \"3.12\"\n");
    for i in 0..n {
        text.push_str(&format!("pkg-{i}==1.0\n    # via pkg-{}\n", i / 2));
    }
    let lock = parse_text(&text);
    assert_eq!(lock.packages.len(), n + 1);
    for p in lock.packages.iter().filter(|p| p.normalized == "pkg-0") {
        assert_eq!(p.dependencies, vec!["pkg-0", "pkg-1"], "both entries named pkg-0 get the edges");
    }
    assert_eq!(lock.packages[1 + 7].dependencies, vec!["pkg-14", "pkg-15"]);
    assert!(lock.packages[n].dependencies.is_empty());
}

// Requirement lines read with the shared PEP 440 / PEP 508 parsers (`pep440_rs`,
// `crate::pep508`). Each test below is a line whose acceptance changed when the
// hand-written specifier parser and marker check went; pip refuses each of them too.

#[test]
fn a_version_that_is_not_pep_440_is_refused_after_a_comparison() {
    // accepted before (only the characters were checked); pip: "Invalid requirement"
    for line in ["tool==latest\n", "tool==1.*.0\n", "tool<=1..0\n"] {
        let err = parse_err(line);
        assert!(err.to_string().contains("not a valid version"), "{line}: {err}");
        assert!(!err.to_string().contains("latest"), "the line is never quoted: {err}");
    }
}

#[test]
fn compatible_release_needs_two_parts() {
    // accepted before; PEP 440: `~=` needs at least two release segments
    let err = parse_err("tool~=1\n");
    assert!(err.to_string().contains("at least two parts"), "{err}");
    assert_eq!(package(&parse_text("tool~=1.4\n"), "tool").specifier.as_deref(), Some("~=1.4"));
}

#[test]
fn a_local_version_goes_only_with_equality() {
    // accepted before; PEP 440: a local label only with `==` and `!=`
    let err = parse_err("tool>=1.0+local\n");
    assert!(err.to_string().contains("local version"), "{err}");
    assert_eq!(package(&parse_text("tool==1.0+local\n"), "tool").version.as_deref(), Some("1.0+local"));
    assert_eq!(package(&parse_text("tool!=1.0+local\n"), "tool").specifier.as_deref(), Some("!=1.0+local"));
}

#[test]
fn arbitrary_equality_takes_one_word() {
    // accepted before; `packaging` reads `===` up to the first space
    let err = parse_err("legacy===1.0 custom\n");
    assert!(err.to_string().contains("not a valid version"), "{err}");
    assert_eq!(package(&parse_text("legacy===1.0-custom\n"), "legacy").version.as_deref(), Some("1.0-custom"));
}

#[test]
fn markers_are_read_by_the_pep_508_parser() {
    // accepted before (only quotes and parentheses were balanced); pip: "Invalid marker"
    let err = parse_err("tool==1.0 ; no_such_variable == \"1\"\n");
    assert!(err.to_string().contains("not PEP 508 environment markers (an unknown variable)"), "{err}");
    assert!(!err.to_string().contains("no_such_variable"), "the line is never quoted: {err}");
    let err = parse_err("tool==1.0 ; python_version\n");
    assert!(err.to_string().contains("not PEP 508 environment markers"), "{err}");
    let err = parse_err("https://h/tool-1.0.tar.gz ; python_version <\n");
    assert!(err.to_string().contains("not PEP 508 environment markers"), "{err}");
    // refused before and now, with the same words
    assert!(parse_err("tool==1.0 ;\n").to_string().contains("must be followed by environment markers"));
    assert!(parse_err("tool==1.0 ; (python_version < \"3.12\"\n").to_string().contains("not PEP 508 environment markers"));
}

#[test]
fn lines_pip_accepts_are_still_accepted() {
    let lock = parse_text(
        "a == 1.0\n\
         b==v2.0\n\
         c==1.0-1\n\
         d (>=1.0,<2)\n\
         e==1.0.*\n\
         f>=1.0 ; platform.python_implementation == 'CPython' and extra == \"x\"\n\
         g==2.0 ; 'linux' in sys_platform or python_version >= \"3.8\"\n\
         h===weird-build\n",
    );
    assert_eq!(package(&lock, "a").version.as_deref(), Some("1.0"));
    assert_eq!(package(&lock, "b").version.as_deref(), Some("v2.0"), "the pin is kept as written");
    assert_eq!(package(&lock, "c").version.as_deref(), Some("1.0-1"));
    assert_eq!(package(&lock, "d").specifier.as_deref(), Some(">=1.0,<2"));
    assert_eq!(package(&lock, "e").version, None);
    assert_eq!(package(&lock, "f").markers.as_deref(), Some("platform.python_implementation == 'CPython' and extra == \"x\""));
    assert_eq!(package(&lock, "g").version.as_deref(), Some("2.0"));
    assert_eq!(package(&lock, "h").version.as_deref(), Some("weird-build"));
}
