//! pip settings discovery with temporary files and an explicit environment.

use crate::error::Hint;
use crate::index::config::{DiscoveryInputs, FileKind, SettingSource};
use crate::index::{IndexError, discover};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

struct Layout {
    _dir: tempfile::TempDir,
    root: PathBuf,
}

impl Layout {
    fn new() -> Layout {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().to_path_buf();
        Layout { _dir: dir, root }
    }
    fn write(&self, rel: &str, text: &str) -> PathBuf {
        let p = self.root.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, text).unwrap();
        p
    }
    fn inputs(&self, args: &[&str], env: &[(&str, &str)]) -> DiscoveryInputs {
        DiscoveryInputs {
            args: args.iter().map(|s| s.to_string()).collect(),
            env: env.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect::<BTreeMap<_, _>>(),
            home: Some(self.root.join("home")),
            global_files: Some(vec![self.root.join("etc/xdg/pip/pip.conf"), self.root.join("etc/pip.conf")]),
            site_prefix: None,
            command: "install".into(),
        }
    }
}

fn file_src(p: &Path, kind: FileKind) -> SettingSource {
    SettingSource::File { path: p.to_path_buf(), section: "global".into(), kind }
}

#[test]
fn precedence_args_env_envfile_site_user_global() {
    let l = Layout::new();
    let global = l.write("etc/pip.conf", "[global]\nindex-url = http://global/simple\n");
    let user = l.write("home/.config/pip/pip.conf", "[global]\nindex_url = http://user/simple\n");
    let site = l.write("venv/pip.conf", "[global]\nindex-url = http://site/simple\n");
    let envfile = l.write("custom.conf", "[global]\nindex-url = http://envfile/simple\n");
    let venv = l.root.join("venv");
    let venv = venv.to_str().unwrap();
    let envfile_s = envfile.to_str().unwrap();

    // (args, env, expected index, expected source)
    let cli = ["install", "-i", "http://cli/simple", "x"];
    let full_env = [("VIRTUAL_ENV", venv), ("PIP_CONFIG_FILE", envfile_s), ("PIP_INDEX_URL", "http://env/simple")];
    type Row<'a> = (&'a [&'a str], Vec<(&'a str, &'a str)>, &'a str, SettingSource);
    let table: Vec<Row> = vec![
        (&cli, full_env.to_vec(), "http://cli/simple", SettingSource::CommandLine),
        (&[], full_env.to_vec(), "http://env/simple", SettingSource::Env { var: "PIP_INDEX_URL".into() }),
        (&[], full_env[..2].to_vec(), "http://envfile/simple", file_src(&envfile, FileKind::EnvFile)),
        (&[], full_env[..1].to_vec(), "http://site/simple", file_src(&site, FileKind::Site)),
        (&[], vec![], "http://user/simple", file_src(&user, FileKind::User)),
    ];
    for (args, env, want, src) in table {
        let s = discover(&l.inputs(args, &env)).unwrap();
        assert_eq!(s.index_url, want, "args {args:?} env {env:?}");
        assert_eq!(s.source_of("index-url"), Some(&src), "args {args:?} env {env:?}");
    }
    std::fs::remove_file(&user).unwrap();
    let s = discover(&l.inputs(&[], &[])).unwrap();
    assert_eq!((s.index_url.as_str(), s.source_of("index-url")), ("http://global/simple", Some(&file_src(&global, FileKind::Global))));
    assert!(s.explain()[0].contains(&format!("from {} [global]", global.display())), "{:?}", s.explain());
    std::fs::remove_file(&global).unwrap();
    let s = discover(&l.inputs(&[], &[])).unwrap();
    assert_eq!((s.index_url.as_str(), s.source_of("index-url")), ("https://pypi.org/simple", Some(&SettingSource::Default)));
}

#[test]
fn pip_config_file_devnull_disables_files_and_an_existing_one_hides_user_config() {
    let l = Layout::new();
    l.write("etc/pip.conf", "[global]\nindex-url = http://global/simple\n");
    l.write("home/.pip/pip.conf", "[global]\nextra-index-url = http://user-extra/simple\n");
    let s = discover(&l.inputs(&[], &[("PIP_CONFIG_FILE", "/dev/null")])).unwrap();
    assert_eq!(s.index_url, "https://pypi.org/simple");
    assert!(s.extra_index_urls.is_empty());
    assert!(l.inputs(&[], &[("PIP_CONFIG_FILE", "/dev/null")]).config_files().is_empty());

    let envfile = l.write("e.conf", "[global]\ntimeout = 3\n");
    let s = discover(&l.inputs(&[], &[("PIP_CONFIG_FILE", envfile.to_str().unwrap())])).unwrap();
    assert_eq!(s.index_url, "http://global/simple");
    assert!(s.extra_index_urls.is_empty(), "user files are skipped when PIP_CONFIG_FILE exists");
    assert_eq!(s.timeout, Duration::from_secs(3));
    // A PIP_CONFIG_FILE that does not exist does not hide the user files.
    let s = discover(&l.inputs(&[], &[("PIP_CONFIG_FILE", "/nonexistent/pip.conf")])).unwrap();
    assert_eq!(s.extra_index_urls, vec!["http://user-extra/simple"]);
    // --isolated skips user files and PIP_* variables.
    let s = discover(&l.inputs(&["--isolated"], &[("PIP_INDEX_URL", "http://env/simple")])).unwrap();
    assert_eq!(s.index_url, "http://global/simple");
    assert!(s.extra_index_urls.is_empty());
}

#[test]
fn lists_sections_and_values_as_pip_merges_them() {
    let l = Layout::new();
    // [install] in the global file beats [global] in the user file (section beats file level).
    l.write("etc/pip.conf", "[install]\nindex-url = http://global-install/simple\n[global]\ntrusted-host = a.example\n");
    l.write(
        "home/.config/pip/pip.conf",
        "[global]\nindex-url = http://user-global/simple\nextra-index-url =\n    http://x1/simple\n    http://x2/simple\n\
         default_timeout = 7.5\nretries = 2\nno-index = off\ncert = /etc/ssl/corp.pem\n[download]\nindex-url = http://nope/\n",
    );
    let s = discover(&l.inputs(&[], &[])).unwrap();
    assert_eq!(s.index_url, "http://global-install/simple");
    assert_eq!(s.extra_index_urls, vec!["http://x1/simple", "http://x2/simple"]);
    assert_eq!(s.timeout, Duration::from_millis(7500));
    assert_eq!(s.retries, 2);
    assert!(!s.no_index);
    assert_eq!(s.cert.as_deref(), Some(Path::new("/etc/ssl/corp.pem")));
    assert_eq!(s.trusted_hosts, vec!["a.example"]);

    // A non-empty PIP_EXTRA_INDEX_URL replaces config extras, an empty one does not;
    // CLI extras and trusted hosts are appended.
    let s = discover(&l.inputs(&[], &[("PIP_EXTRA_INDEX_URL", "")])).unwrap();
    assert_eq!(s.extra_index_urls.len(), 2);
    let s = discover(&l.inputs(
        &["--extra-index-url", "http://cli/simple", "--trusted-host=b.example", "--no-index", "--timeout", "1"],
        &[("PIP_EXTRA_INDEX_URL", "http://e1/simple http://e2/simple"), ("PIP_RETRIES", "9"), ("PIP_TRUSTED_HOST", "c.example")],
    ))
    .unwrap();
    assert_eq!(s.extra_index_urls, vec!["http://e1/simple", "http://e2/simple", "http://cli/simple"]);
    assert_eq!(s.trusted_hosts, vec!["c.example", "b.example"]);
    assert_eq!(s.retries, 9);
    assert!(s.no_index);
    assert!(s.indexes().is_empty());
    assert_eq!(s.timeout, Duration::from_secs(1));
    let extra_srcs: Vec<_> = s.sources.iter().filter(|(k, _)| k == "extra-index-url").map(|(_, v)| v.clone()).collect();
    assert_eq!(extra_srcs, vec![SettingSource::Env { var: "PIP_EXTRA_INDEX_URL".into() }, SettingSource::CommandLine]);
}

#[test]
fn ca_bundle_netrc_and_proxy_from_the_environment() {
    let l = Layout::new();
    let netrc = l.write("home/.netrc", "machine x login a password b\n");
    let s = discover(&l.inputs(&[], &[("REQUESTS_CA_BUNDLE", "/ca/bundle.pem"), ("SSL_CERT_FILE", "/ca/other.pem"), ("https_proxy", "http://proxy:3128"), ("NO_PROXY", "corp.example")])).unwrap();
    assert_eq!(s.cert.as_deref(), Some(Path::new("/ca/bundle.pem")));
    assert_eq!(s.source_of("cert"), Some(&SettingSource::Env { var: "REQUESTS_CA_BUNDLE".into() }));
    assert_eq!(s.netrc.as_deref(), Some(netrc.as_path()));
    assert_eq!(s.env_proxy.https.as_deref(), Some("http://proxy:3128"));
    assert_eq!(s.env_proxy.no_proxy.as_deref(), Some("corp.example"));
    // pip's cert wins over the environment's bundle; $NETRC wins over ~/.netrc.
    let s = discover(&l.inputs(&["--cert", "/pip/ca.pem"], &[("REQUESTS_CA_BUNDLE", "/ca/bundle.pem"), ("NETRC", "/n/netrc")])).unwrap();
    assert_eq!(s.cert.as_deref(), Some(Path::new("/pip/ca.pem")));
    assert_eq!(s.netrc.as_deref(), Some(Path::new("/n/netrc")));
}

#[test]
fn invalid_values_are_all_reported_with_their_origin_and_secrets_redacted() {
    let l = Layout::new();
    let f = l.write("etc/pip.conf", "[global]\ntimeout = soon\nno-index = maybe\nthis line is junk\n");
    let e = discover(&l.inputs(&["--retries", "-1", "-i", "https://u:topsecret@[bad/simple"], &[])).unwrap_err();
    let IndexError::Config { problems } = &e else { panic!("{e:?}") };
    let all = problems.join("\n");
    assert!(all.contains(&format!("timeout = 'soon' from {} [global]", f.display())), "{all}");
    assert!(all.contains("no-index = 'maybe'"), "{all}");
    assert!(all.contains(&format!("{}:4: expected 'key = value'", f.display())), "{all}");
    assert!(all.contains("retries = '-1' from command line"), "{all}");
    assert!(all.contains("not a valid URL"), "{all}");
    assert!(!e.render().contains("topsecret"), "{}", e.render());
    assert_eq!(problems.len(), 5, "{all}");
}

#[test]
fn explain_redacts_credentials() {
    let l = Layout::new();
    let s = discover(&l.inputs(&["-i", "https://user:hunter2@repo.example/simple", "--extra-index-url", "https://tok@x.example/simple"], &[])).unwrap();
    let text = s.explain().join("\n");
    assert!(!text.contains("hunter2") && !text.contains("tok@"), "{text}");
    assert!(text.contains("index-url = https://user:****@repo.example/simple (from command line)"), "{text}");
    let dbg = format!("{s:?}");
    assert!(!dbg.contains("hunter2") && !dbg.contains("tok@"), "{dbg}");
    let inputs = l.inputs(&["-i", "https://user:hunter2@repo.example/simple"], &[("PIP_INDEX_URL", "https://u:envsecret@r.example/")]);
    let dbg = format!("{inputs:?}");
    assert!(!dbg.contains("hunter2") && !dbg.contains("envsecret"), "{dbg}");
}

#[test]
fn find_links_are_collected_for_the_wrapper() {
    let l = Layout::new();
    l.write("etc/pip.conf", "[global]\nfind-links = /wheels\n");
    let s = discover(&l.inputs(&["-f", "/more", "--find-links=https://x.example/links/"], &[])).unwrap();
    assert_eq!(s.find_links, vec!["/wheels", "/more", "https://x.example/links/"]);
    let s = discover(&l.inputs(&[], &[("PIP_FIND_LINKS", "/ci/wheels")])).unwrap();
    assert_eq!(s.find_links, vec!["/ci/wheels"]);
    assert_eq!(s.source_of("find-links"), Some(&SettingSource::Env { var: "PIP_FIND_LINKS".into() }));
}
