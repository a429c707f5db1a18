use crate::error::Hint;
use super::*;

fn parse_uv(text: &str) -> Result<Lockfile, LockfileError> {
    parse(LockFormat::UvLock, Path::new("uv.lock"), text)
}

#[test]
fn uv_lock_with_registry_git_url_and_editable_sources() {
    let lock = parse_uv(UV_LOCK).unwrap();
    assert_eq!(lock.packages.len(), 11);
    assert!(lock.warnings.is_empty(), "{:?}", lock.warnings);
    assert_eq!(lock.index_urls, vec!["https://pypi.org/simple"]);

    let root = package(&lock, "demo-app");
    assert!(root.root);
    assert_eq!(root.direct, None);
    assert_eq!(root.source, Source::Editable { path: ".".into() });
    assert_eq!(root.dependencies, vec!["httpx", "pytest", "shared-lib", "typer"], "main, optional and dev dependencies");

    for direct in ["httpx", "shared-lib", "typer", "pytest"] {
        assert_eq!(package(&lock, direct).direct, Some(true), "{direct}");
    }
    for transitive in ["anyio", "idna", "sniffio", "h2", "typing-extensions", "vendored-wheel"] {
        assert_eq!(package(&lock, transitive).direct, Some(false), "{transitive}");
    }

    let anyio = package(&lock, "anyio");
    assert_eq!(anyio.version.as_deref(), Some("4.8.0"));
    assert_eq!(anyio.source, Source::Registry { index_url: Some("https://pypi.org/simple".into()) });
    assert_eq!(anyio.files.len(), 2);
    assert_eq!(anyio.files[0].filename.as_deref(), Some("anyio-4.8.0.tar.gz"));
    assert_eq!(anyio.files[0].size, Some(181126));
    assert_eq!(anyio.files[0].upload_time.as_deref(), Some("2025-01-05T13:13:11.095Z"));
    assert_eq!(anyio.line, Some(line_of(UV_LOCK, "name = \"anyio\"") - 1));

    assert_eq!(package(&lock, "httpx").extras, vec!["http2"]);
    assert_eq!(package(&lock, "typing-extensions").markers.as_deref(), Some("python_full_version < '3.13'"));
    assert_eq!(package(&lock, "idna").markers, None);

    assert_eq!(
        package(&lock, "typer").source,
        Source::Vcs {
            url: "git+https://github.com/fastapi/typer".into(),
            rev: Some("0.15.1".into()),
            commit: Some("7f4a1c2b3d4e5f60718293a4b5c6d7e8f9012345".into())
        }
    );
    let vendored = package(&lock, "vendored-wheel");
    assert_eq!(
        vendored.source,
        Source::Url { url: "https://downloads.example.com/vendored_wheel-2.0.0-py3-none-any.whl".into() }
    );
    assert_eq!(vendored.files[0].filename.as_deref(), Some("vendored_wheel-2.0.0-py3-none-any.whl"));
    assert!(vendored.files[0].sha256().is_some());
    assert_eq!(package(&lock, "shared-lib").source, Source::Editable { path: "libs/shared".into() });
}

#[test]
fn workspace_members_from_the_manifest_are_roots() {
    let text = "version = 1\nrevision = 3\nrequires-python = \">=3.12\"\n\n[manifest]\nmembers = [\"api\", \"core\"]\n\n\
                [[package]]\nname = \"api\"\nversion = \"0.1.0\"\nsource = { editable = \"packages/api\" }\ndependencies = [{ name = \"core\" }, { name = \"fastapi\" }]\n\n\
                [[package]]\nname = \"core\"\nversion = \"0.1.0\"\nsource = { editable = \"packages/core\" }\ndependencies = [{ name = \"pydantic\" }]\n\n\
                [[package]]\nname = \"fastapi\"\nversion = \"0.115.0\"\nsource = { registry = \"https://pypi.org/simple\" }\ndependencies = [{ name = \"pydantic\" }]\n\n\
                [[package]]\nname = \"pydantic\"\nversion = \"2.10.0\"\nsource = { registry = \"https://pypi.org/simple\" }\n\n\
                [[package]]\nname = \"workspace\"\nversion = \"0.0.0\"\nsource = { virtual = \".\" }\n";
    let lock = parse_uv(text).unwrap();
    assert!(package(&lock, "api").root && package(&lock, "core").root);
    assert!(!package(&lock, "workspace").root, "not a member");
    assert_eq!(package(&lock, "workspace").source, Source::Virtual { path: ".".into() });
    assert_eq!(package(&lock, "fastapi").direct, Some(true));
    assert_eq!(package(&lock, "pydantic").direct, Some(true), "core (a member) depends on it");
}

#[test]
fn uv_lock_errors() {
    let err = parse_uv("version = 2\n\n[[package]]\nname = \"six\"\n").unwrap_err();
    assert!(matches!(err, LockfileError::UnsupportedVersion { line: Some(1), .. }), "{err:?}");
    assert!(err.hint().contains("uv lock"));

    let err =
        parse_uv("version = 1\n\n[[package]]\nname = \"six\"\nversion = \"1.16.0\"\nsource = { svn = \"x\" }\n").unwrap_err();
    assert!(matches!(err, LockfileError::Invalid { line: Some(3), .. }), "{err:?}");
    assert!(err.to_string().contains("svn"), "{err}");

    let err =
        parse_uv("version = 1\n\n[[package]]\nname = \"six\"\nsource = { registry = \"https://pypi.org/simple\" \nsdist = {}\n")
            .unwrap_err();
    assert!(matches!(err, LockfileError::Toml { line: 5..=6, .. }), "{err:?}");

    let err = parse_uv("version = 1\n[[package]]\nname = \"six\"\nversion = \"1\"\nsource = { registry = \"r\" }\nsdist = { url = \"u\", hash = \"sha256-abc\" }\n")
        .unwrap_err();
    assert!(err.to_string().contains("algorithm:hexdigest"), "{err}");
}

#[test]
fn a_forked_resolution_limits_each_version_to_its_forks() {
    let text = "version = 1\nrevision = 2\nresolution-markers = [\"python_full_version >= '3.12'\", \"python_full_version < '3.12'\"]\n\n\
                [[package]]\nname = \"app\"\nversion = \"0.1.0\"\nsource = { editable = \".\" }\n\
                dependencies = [{ name = \"numpy\", version = \"1.26.4\", source = { registry = \"https://pypi.org/simple\" }, marker = \"python_full_version < '3.12'\" }, \
                { name = \"numpy\", version = \"2.1.0\", source = { registry = \"https://pypi.org/simple\" }, marker = \"python_full_version >= '3.12'\" }, { name = \"six\" }]\n\n\
                [[package]]\nname = \"numpy\"\nversion = \"1.26.4\"\nsource = { registry = \"https://pypi.org/simple\" }\nresolution-markers = [\"python_full_version < '3.12'\"]\n\n\
                [[package]]\nname = \"numpy\"\nversion = \"2.1.0\"\nsource = { registry = \"https://pypi.org/simple\" }\nresolution-markers = [\"python_full_version >= '3.12'\"]\n\n\
                [[package]]\nname = \"six\"\nversion = \"1.16.0\"\nsource = { registry = \"https://pypi.org/simple\" }\nresolution-markers = [\"python_full_version >= '3.12'\", \"python_full_version < '3.12' and sys_platform == 'linux'\"]\n";
    let lock = parse_uv(text).unwrap();
    let numpy: Vec<_> = lock.find("numpy").map(|p| (p.version.clone().unwrap_or_default(), p.markers.clone())).collect();
    assert_eq!(
        numpy,
        vec![("1.26.4".to_string(), Some("python_full_version < '3.12'".to_string())), ("2.1.0".to_string(), Some("python_full_version >= '3.12'".to_string()))],
        "the edge and the fork say the same: written once"
    );
    assert_eq!(
        package(&lock, "six").markers.as_deref(),
        Some("(python_full_version < '3.12' and sys_platform == 'linux') or (python_full_version >= '3.12')"),
        "an unconditional edge, but only resolved in these forks"
    );
}
