//! Settings, `safe-pip config`, `safe-pip allow` / `deny` through the real binary. Every
//! test points HOME, XDG_*, SAFE_PIP_DB, SAFE_PIP_ORG_CONFIG, SAFE_PIP_CONFIG and git's
//! global config into its own temp dir: the real user config and DB are never read.

mod common;

use safe_pip::action::DecisionAction;
use safe_pip::db::Db;
use std::path::PathBuf;
use std::process::Command;

/// The organisation's minimal fixture file (tests write their own variants).
const ORG: &str = "lock = [\"severity.critical\"]\nallow-critical-decisions = false\n";

/// A pyproject.toml with comments and odd formatting that must survive edits.
const PYPROJECT: &str = r#"# Demo project.
[project]
name   = "demo"      # keep this spacing
dependencies = [ "netpkg==1.0",   # reviewed below
]

[tool.safe-pip]   # policy for this project
unverified = "block"

[tool.other]
x = 1
"#;

/// A package whose import reaches the network (alert `import-network`, high → warn).
/// It only ever names 127.0.0.1 and is never installed or run.
const IMPORT_NETWORK: &str = "import urllib.request\n\nVERSION = urllib.request.urlopen(\"http://127.0.0.1:9/version\").read()\n";

struct Env {
    dir: tempfile::TempDir,
}

impl Env {
    fn new() -> Env {
        let env = Env { dir: tempfile::tempdir().expect("temp dir") };
        env.write("org.toml", ORG);
        env.write("user.toml", "");
        env.write("gitconfig", "[user]\n\tname = Alice Example\n\temail = alice@example.com\n");
        env.write("project/pyproject.toml", PYPROJECT);
        env
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    fn project(&self) -> PathBuf {
        self.path("project")
    }

    fn pyproject(&self) -> String {
        std::fs::read_to_string(self.path("project/pyproject.toml")).expect("read pyproject")
    }

    fn write(&self, rel: &str, content: &str) -> PathBuf {
        let p = self.path(rel);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(&p, content).expect("write");
        p
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_safe-pip"));
        c.args(args)
            .current_dir(self.project())
            .env("HOME", self.dir.path())
            .env("XDG_CONFIG_HOME", self.path("xdg-config"))
            .env("XDG_DATA_HOME", self.path("xdg-data"))
            .env("SAFE_PIP_DB", self.path("verdicts.sqlite3"))
            .env("SAFE_PIP_ORG_CONFIG", self.path("org.toml"))
            .env("SAFE_PIP_CONFIG", self.path("user.toml"))
            .env("GIT_CONFIG_GLOBAL", self.path("gitconfig"))
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env_remove("SAFE_PIP_INTERNAL")
            .env("NO_COLOR", "1");
        c
    }

    fn run(&self, args: &[&str]) -> (i32, String, String) {
        let out = self.command(args).output().expect("run safe-pip");
        (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
    }

    fn fixture(&self) -> String {
        std::fs::create_dir_all(self.path("dist")).expect("mkdir");
        let p = common::sdist(&self.path("dist"), "netpkg", "1.0", &[("netpkg/__init__.py", IMPORT_NETWORK)]);
        p.to_str().expect("utf-8").to_string()
    }

    /// Output with the temp dir and today's date replaced, for snapshots.
    fn redact(&self, text: &str, today: &str) -> String {
        text.replace(&self.dir.path().display().to_string(), "[TMP]").replace(today, "[TODAY]")
    }
}

/// The date the binary wrote ("by … on YYYY-MM-DD").
fn date_in(stdout: &str) -> String {
    let at = stdout.find(" on ").expect("date in output") + 4;
    stdout[at..at + 10].to_string()
}

#[test]
fn allow_writes_the_decision_logs_it_and_lets_the_package_through() {
    let env = Env::new();
    env.write("user.toml", "# nothing yet\n");
    let pkg = env.fixture();

    let (code, out, err) = env.run(&["scan", &pkg]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.starts_with("WARN"), "import-network warns without a decision:\n{out}");

    let (code, out, err) = env.run(&["allow", "netpkg==1.0", "--alert", "import-network", "--reason", "reads its version from our own server", "--until", "2099-12-31"]);
    assert_eq!(code, 0, "{out}{err}");
    let today = date_in(&out);
    let edited = env.pyproject();
    // Everything that was there stays byte for byte around the new entry.
    let start = edited.find("[[tool.safe-pip.decision]]").expect("entry");
    let end = start + edited[start..].find("\n\n").expect("entry end") + 2;
    assert_eq!(format!("{}{}", &edited[..start], &edited[end..]), PYPROJECT);
    let line = edited[..start].lines().count() + 1;
    let at = format!("pyproject.toml:{line}");
    insta::assert_snapshot!("allow_pyproject", edited.replace(&today, "[TODAY]"));
    insta::assert_snapshot!("allow_stdout", env.redact(&out, &today));

    // The DB log has it, with the file and line it was written to.
    let db = Db::open(&env.path("verdicts.sqlite3")).expect("db");
    let logged = db.decisions("netpkg").expect("log");
    assert_eq!(logged.len(), 1);
    assert_eq!((logged[0].spec.as_str(), logged[0].action, logged[0].who.as_str()), ("==1.0", DecisionAction::Allow, "Alice Example <alice@example.com>"));
    assert_eq!(logged[0].alerts, ["import-network"]);
    assert!(logged[0].source.as_deref().is_some_and(|s| s.ends_with(&at)), "{:?}", logged[0].source);

    // The scan now allows it and says which decision did.
    let (code, out, _) = env.run(&["scan", &pkg]);
    assert_eq!(code, 0);
    assert!(out.starts_with("ALLOW"), "{out}");
    assert!(out.contains(&format!("why: allowed by decision in {at} (Alice Example, {today}): \"reads its version from our own server\"")), "{out}");
    let (_, json, _) = env.run(&["scan", "--format", "json", &pkg]);
    assert!(json.contains(&format!("\"reason\": \"allowed by decision in {at}")), "{json}");

    // Running the same command again replaces the entry instead of adding a second one.
    let (code, out, err) = env.run(&["allow", "netpkg==1.0", "--alert", "import-network", "--reason", "reviewed again", "--until", "2099-12-31"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("Replaced the allow decision"), "{out}");
    assert_eq!(env.pyproject().matches("[[tool.safe-pip.decision]]").count(), 1);

    // A deny for the package blocks it whatever the alerts.
    let (code, _, err) = env.run(&["deny", "netpkg", "--reason", "replaced by netpkg2"]);
    assert_eq!(code, 0, "{err}");
    let (code, out, _) = env.run(&["scan", &pkg]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("why: denied by decision in pyproject.toml:"), "{out}");
}

#[test]
fn refused_decisions_leave_pyproject_untouched() {
    let env = Env::new();
    let cases: &[(&[&str], &str)] = &[
        (&["allow", "djang0", "--alert", "typosquat", "--reason", "our fork"], "allowing critical alert `typosquat` is forbidden by the org file"),
        (&["allow", "requests", "--alert", "netwrok-access", "--reason", "x"], "did you mean `network-access`?"),
        (&["allow", "requests", "--alert", "network-access", "--reason", "  "], "a decision needs a reason"),
        (&["allow", "requests=>2", "--alert", "network-access", "--reason", "x"], "is not a PEP 440 version specifier"),
        (&["allow", "requests", "--alert", "network-access", "--reason", "x", "--until", "2000-01-01"], "is before today"),
        (&["deny", "requests", "--reason", "x", "--project", "/nonexistent-dir-for-safe-pip-tests"], "not a directory"),
    ];
    for (args, expected) in cases {
        let (code, out, err) = env.run(args);
        assert_eq!(code, 2, "{args:?}: {out}{err}");
        assert!(err.contains(expected), "{args:?}: {err}");
        assert!(err.contains("hint: "), "{err}");
        assert_eq!(env.pyproject(), PYPROJECT, "{args:?} must not edit the file");
    }
    assert!(!env.path("verdicts.sqlite3").exists(), "nothing was logged");
}

#[test]
fn a_db_failure_is_reported_but_the_decision_stays_written() {
    let env = Env::new();
    env.write("not-a-db.sqlite3", "this is not a database");
    let (code, out, err) = env.run(&["deny", "evil-pkg", "--reason", "known bad", "--db", env.path("not-a-db.sqlite3").to_str().expect("utf-8")]);
    assert_eq!(code, 2, "{out}{err}");
    assert!(out.contains("Wrote a deny decision for evil-pkg"), "{out}");
    assert!(err.contains("could not be logged in the DB"), "{err}");
    assert!(env.pyproject().contains("package = \"evil-pkg\""));
}

#[test]
fn config_shows_every_value_with_its_origin() {
    let env = Env::new();
    env.write(
        "org.toml",
        "lock = [\"severity.critical\", \"unverified\"]\nallow-critical-decisions = false\n\n[thresholds]\nmin-release-age-days = 3\n\n[[internal]]\nname = \"acme-*\"\nindex = \"https://pypi.acme.example/simple/\"\n",
    );
    env.write("user.toml", "[severity]\nmedium = \"warn\"\n");
    env.write(
        "project/pyproject.toml",
        "[tool.safe-pip.alerts]\nnetwork-access = \"block\"\n\n[[tool.safe-pip.decision]]\npackage = \"requests\"\nversion = \"==2.32.3\"\naction = \"allow\"\nalerts = [\"import-network\"]\nreason = \"HTTP client\"\nby = \"Alice\"\ndate = 2026-11-25\nuntil = 2099-12-31\n\n[[tool.safe-pip.decision]]\npackage = \"oldpkg\"\naction = \"deny\"\nreason = \"abandoned\"\nby = \"Bob\"\ndate = 2000-01-01\nuntil = 2000-01-02\n",
    );
    let (code, out, err) = env.run(&["config"]);
    assert_eq!(code, 0, "{err}");
    let out = out.replace(&env.dir.path().display().to_string(), "[TMP]");
    insta::assert_snapshot!("config_text", out);
    assert!(out.contains("thresholds.min-release-age-days   3        [TMP]/org.toml:5"), "{out}");

    let (code, json, _) = env.run(&["config", "--format", "json"]);
    assert_eq!(code, 0);
    let doc: serde_json::Value = serde_json::from_str(&json).expect("json");
    let medium = doc["settings"].as_array().expect("settings").iter().find(|e| e["key"] == "severity.medium").expect("entry").clone();
    assert_eq!(medium["value"], "warn");
    assert_eq!(medium["origin"]["layer"], "user");
    assert_eq!(medium["origin"]["line"], 2);
    assert_eq!(doc["decisions"][0]["package"], "requests");
    assert_eq!(doc["decisions"][0]["expired"], false);
    assert_eq!(doc["decisions"][1]["expired"], true);
    assert_eq!(doc["locks"].as_array().map(Vec::len), Some(2));
}

#[test]
fn config_errors_stop_every_command_before_anything_is_scanned() {
    let env = Env::new();
    let pkg = env.fixture();
    env.write("user.toml", "[severity]\ncritical = \"warn\"\n");
    env.write("project/pyproject.toml", "[tool.safe-pip]\nunverfied = \"allow\"\n");
    for args in [vec!["scan", pkg.as_str()], vec!["vet", "--offline", "requests"], vec!["config"]] {
        let (code, out, err) = env.run(&args);
        assert_eq!(code, 2, "{args:?}: {out}{err}");
        assert!(out.is_empty(), "nothing is scanned or shown: {out}");
        let user = env.path("user.toml").display().to_string();
        assert!(err.contains(&format!("error: config: {user}:2: `severity.critical` = \"warn\" weakens the org file's locked value \"block\"")), "{err}");
        assert!(err.contains("pyproject.toml:2: `unverfied`: unknown key"), "{err}");
        assert!(err.contains("did you mean `unverified`?"), "{err}");
    }
}

#[test]
fn a_named_org_file_that_is_missing_is_an_error() {
    let env = Env::new();
    let mut c = env.command(&["config"]);
    c.env("SAFE_PIP_ORG_CONFIG", env.path("absent.toml"));
    let out = c.output().expect("run");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("absent.toml: no such file (named by $SAFE_PIP_ORG_CONFIG)"), "{err}");
}

#[test]
fn vet_takes_internal_rules_from_the_files_and_flags() {
    let env = Env::new();
    env.write("project/pyproject.toml", "[[tool.safe-pip.internal]]\nname = \"acme-*\"\n");
    // Offline: the name check only. The rule is valid, so vet runs (unverified → exit 3).
    let (code, out, err) = env.run(&["vet", "--offline", "acme-utils", "--internal", "corp-*"]);
    assert_eq!(code, 3, "{out}{err}");
    let (code, _, err) = env.run(&["vet", "--offline", "acme-utils", "--internal", "a b"]);
    assert_eq!(code, 2);
    assert!(err.contains("flag --internal/SAFE_PIP_INTERNAL"), "{err}");
    // A lenient `unverified` policy turns "not verified" into a warning.
    env.write("project/pyproject.toml", "[tool.safe-pip]\nunverified = \"warn\"\n");
    env.write("org.toml", "");
    let (code, _, err) = env.run(&["vet", "--offline", "requests"]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("unverified = \"warn\""), "{err}");
}
