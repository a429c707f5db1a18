//! Layering and locking through [`Settings::load_from`] with temp files passed
//! explicitly: nothing here reads /etc or the real home.

use super::*;
use crate::alerts::AlertId;
use std::path::{Path, PathBuf};

struct Fixture {
    dir: tempfile::TempDir,
}

impl Fixture {
    fn new() -> Fixture {
        let f = Fixture { dir: tempfile::tempdir().expect("tmp") };
        std::fs::create_dir_all(f.project()).expect("mkdir");
        f
    }

    fn project(&self) -> PathBuf {
        self.dir.path().join("project")
    }

    fn org(&self) -> PathBuf {
        self.dir.path().join("org.toml")
    }

    fn user(&self) -> PathBuf {
        self.dir.path().join("user.toml")
    }

    fn pyproject(&self) -> PathBuf {
        self.project().join("pyproject.toml")
    }

    fn write(&self, path: &Path, text: &str) {
        std::fs::write(path, text).expect("write");
    }

    fn inputs(&self) -> ConfigInputs {
        let c = |p: PathBuf| Some(ConfigPath { path: p, required: false, chosen_by: "test".into() });
        ConfigInputs { org: c(self.org()), user: c(self.user()), project_dir: self.project() }
    }

    fn load(&self, flags: &SettingsFlags) -> Result<Settings, ConfigErrors> {
        Settings::load_from(&self.inputs(), flags)
    }
}

fn entry<'a>(s: &'a Settings, key: &str) -> &'a SettingEntry {
    s.entries.iter().find(|e| e.key == key).unwrap_or_else(|| panic!("no entry {key}"))
}

#[test]
fn no_files_means_the_defaults() {
    let f = Fixture::new();
    let s = f.load(&SettingsFlags::default()).expect("defaults");
    let d = Settings::defaults();
    assert_eq!((s.policy.critical, s.policy.high, s.policy.medium), (Action::Block, Action::Warn, Action::Allow));
    assert_eq!(s.metadata, d.metadata);
    assert_eq!(s.unverified, Action::Block);
    assert!(s.allow_critical_decisions);
    assert_eq!(entry(&s, "severity.critical").origin, Origin::Default);
    assert!(s.files.iter().all(|f| !f.found));
    assert_eq!(s.pyproject, None);
}

#[test]
fn each_layer_overrides_the_one_below_and_flags_win() {
    let f = Fixture::new();
    f.write(&f.org(), "[severity]\nmedium = \"warn\"\nlow = \"warn\"\n\n[thresholds]\nmin-release-age-days = 3\nnew-project-days = 100\n");
    f.write(&f.user(), "[severity]\nlow = \"block\"\n\n[thresholds]\nmin-release-age-days = 5\n");
    f.write(&f.pyproject(), "[project]\nname = \"demo\"\n\n[tool.safe-pip.thresholds]\nmin-release-age-days = 9\n\n[tool.safe-pip.alerts]\nnetwork-access = \"block\"\n");
    let s = f.load(&SettingsFlags::default()).expect("valid");
    assert_eq!(s.policy.medium, Action::Warn, "org over default");
    assert_eq!(entry(&s, "severity.medium").origin, Origin::file(Layer::Org, &f.org(), 2));
    assert_eq!(s.policy.low, Action::Block, "user over org");
    assert_eq!(entry(&s, "severity.low").origin, Origin::file(Layer::User, &f.user(), 2));
    assert_eq!(s.metadata.min_release_age_days, 9, "project over user");
    assert_eq!(entry(&s, "thresholds.min-release-age-days").origin, Origin::file(Layer::Project, &f.pyproject(), 5));
    assert_eq!(s.metadata.new_project_days, 100, "a key set only below stays");
    assert_eq!(s.policy.action_for(AlertId::NetworkAccess), Action::Block);
    assert_eq!(s.pyproject.as_deref(), Some(f.pyproject().as_path()));

    let flags = SettingsFlags { min_release_age_days: Some(2), internal: vec!["acme-*".into()], unverified: Some(Action::Warn) };
    let s = f.load(&flags).expect("valid");
    assert_eq!(s.metadata.min_release_age_days, 2, "flags over project");
    assert_eq!(entry(&s, "thresholds.min-release-age-days").origin, Origin::Flag("--min-release-age".into()));
    assert_eq!(s.unverified, Action::Warn);
    assert_eq!(s.internal.rules().len(), 1);
}

#[test]
fn the_nearest_pyproject_is_found_from_a_subdirectory() {
    let f = Fixture::new();
    f.write(&f.pyproject(), "[tool.safe-pip]\nunverified = \"warn\"\n");
    let sub = f.project().join("src/pkg");
    std::fs::create_dir_all(&sub).expect("mkdir");
    let inputs = ConfigInputs { project_dir: sub, ..f.inputs() };
    assert_eq!(Settings::load_from(&inputs, &SettingsFlags::default()).expect("valid").unverified, Action::Warn);
}

#[test]
fn internal_rules_accumulate_over_layers() {
    let f = Fixture::new();
    f.write(&f.org(), "[[internal]]\nname = \"acme-*\"\nindex = \"https://pypi.acme.internal/simple/\"\n");
    f.write(&f.pyproject(), "[[tool.safe-pip.internal]]\nname = \"corp-utils\"\n");
    let s = f.load(&SettingsFlags { internal: vec!["extra".into()], ..SettingsFlags::default() }).expect("valid");
    let patterns: Vec<&str> = s.internal.rules().iter().map(|r| r.pattern.as_str()).collect();
    assert_eq!(patterns, ["acme-*", "corp-utils", "extra"]);
    assert_eq!(s.internal.matches("acme-tools").and_then(|r| r.index.as_deref()), Some("https://pypi.acme.internal/simple/"));
}

const LOCKING_ORG: &str = r#"lock = ["severity.critical", "alerts.install-network", "thresholds", "licenses.deny", "unverified", "internal"]

[severity]
critical = "block"
high = "warn"

[thresholds]
min-release-age-days = 7
unmaintained-days = 730

[licenses]
deny = ["AGPL-3.0-only"]

[[internal]]
name = "acme-*"
index = "https://pypi.acme.internal/simple/"
"#;

#[test]
fn weaker_overrides_of_locked_keys_are_errors_naming_both_files() {
    let f = Fixture::new();
    f.write(&f.org(), LOCKING_ORG);
    f.write(&f.user(), "unverified = \"allow\"\n[severity]\ncritical = \"warn\"\n");
    f.write(
        &f.pyproject(),
        r#"[tool.safe-pip]
[tool.safe-pip.alerts]
decode-exec = "ignore"
install-network = "warn"
[tool.safe-pip.thresholds]
min-release-age-days = 1
unmaintained-days = 2000
[tool.safe-pip.licenses]
deny = []
[[tool.safe-pip.internal]]
name = "acme-utils"
index = "https://evil.example/simple/"
"#,
    );
    let errors = f.load(&SettingsFlags { min_release_age_days: Some(0), ..SettingsFlags::default() }).expect_err("weakened");
    let text = errors.to_string();
    let org = f.org().display().to_string();
    let user = f.user().display().to_string();
    let py = f.pyproject().display().to_string();
    for expected in [
        format!("{user}:3: `severity.critical` = \"warn\" weakens the org file's locked value \"block\" ({org}:1, lock \"severity.critical\")"),
        format!("{user}:1: `unverified` = \"allow\" weakens the org file's locked value"),
        // A per-alert override may not undercut a locked severity.
        format!("{py}:3: `alerts.decode-exec` = \"ignore\" weakens the org file's locked value \"block\" ({org}:1, lock \"severity.critical\")"),
        format!("{py}:4: `alerts.install-network` = \"warn\" weakens the org file's locked value"),
        format!("{py}:6: `thresholds.min-release-age-days` = 1 weakens the org file's locked value"),
        format!("{py}:7: `thresholds.unmaintained-days` = 2000 weakens the org file's locked value"),
        format!("{py}:9: `licenses.deny` = [] weakens the org file's locked value"),
        format!("{py}:10: `internal` = `acme-utils` from https://evil.example/simple/ weakens the org file's locked value"),
        "flag --min-release-age: `thresholds.min-release-age-days` = 0 weakens the org file's locked value 7".to_string(),
    ] {
        assert!(text.contains(&expected), "missing {expected:?} in\n{text}");
    }
    assert_eq!(errors.errors().len(), 9, "{text}");
    assert!(errors.hint().contains("block > warn > ignore"), "{}", errors.hint());
}

#[test]
fn equal_or_stricter_overrides_of_locked_keys_are_fine() {
    let f = Fixture::new();
    f.write(&f.org(), LOCKING_ORG);
    f.write(&f.user(), "unverified = \"block\"\n[severity]\ncritical = \"block\"\nhigh = \"ignore\"\n");
    f.write(
        &f.pyproject(),
        r#"[tool.safe-pip.alerts]
network-access = "ignore"
install-network = "block"
[tool.safe-pip.thresholds]
min-release-age-days = 14
unmaintained-days = 365
[tool.safe-pip.licenses]
deny = ["AGPL-3.0-only", "SSPL-1.0"]
[[tool.safe-pip.internal]]
name = "acme-utils"
index = "https://pypi.acme.internal/simple"
[[tool.safe-pip.internal]]
name = "other-*"
"#,
    );
    let s = f.load(&SettingsFlags::default()).expect("nothing weakened");
    assert_eq!(s.policy.high, Action::Allow, "high is not locked");
    assert_eq!(s.metadata.min_release_age_days, 14);
    assert_eq!(s.metadata.unmaintained_days, 365);
    assert_eq!(s.metadata.licenses_denied, ["AGPL-3.0-only", "SSPL-1.0"]);
    assert!(entry(&s, "severity.critical").locked_by.is_some());
    assert!(entry(&s, "thresholds.new-project-days").locked_by.is_some(), "a table lock covers its keys");
    assert!(entry(&s, "severity.high").locked_by.is_none());
}

#[test]
fn unlocked_keys_may_be_weakened() {
    let f = Fixture::new();
    f.write(&f.org(), "[severity]\ncritical = \"block\"\n[thresholds]\nmin-release-age-days = 7\n");
    f.write(&f.user(), "[severity]\ncritical = \"warn\"\n[thresholds]\nmin-release-age-days = 0\n");
    let s = f.load(&SettingsFlags::default()).expect("not locked");
    assert_eq!(s.policy.critical, Action::Warn);
    assert_eq!(s.metadata.min_release_age_days, 0);
}

#[test]
fn critical_allow_decisions_follow_the_org_file() {
    let f = Fixture::new();
    let decision = r#"[[tool.safe-pip.decision]]
package = "djang0"
action = "allow"
alerts = ["typosquat", "network-access"]
reason = "our own fork"
by = "Alice"
date = 2026-11-25
"#;
    f.write(&f.pyproject(), decision);
    assert!(f.load(&SettingsFlags::default()).is_ok(), "allowed by default");
    f.write(&f.org(), "\nallow-critical-decisions = false\n");
    let errors = f.load(&SettingsFlags::default()).expect_err("forbidden");
    let text = errors.to_string();
    assert!(
        text.contains(&format!(
            "{}:1: `decision`: allows critical alert `typosquat` for djang0, but the org file forbids allowing critical alerts ({}:2)",
            f.pyproject().display(),
            f.org().display()
        )),
        "{text}"
    );
    // Non-critical allow decisions stay fine.
    f.write(&f.pyproject(), &decision.replace("\"typosquat\", ", ""));
    assert_eq!(f.load(&SettingsFlags::default()).expect("valid").policy.decisions.len(), 1);
}

#[test]
fn errors_from_every_file_are_reported_together() {
    let f = Fixture::new();
    f.write(&f.org(), "[severity]\ncritical = \"stop\"\n");
    f.write(&f.user(), "unknown = 1\n");
    f.write(&f.pyproject(), "[tool.safe-pip]\nlock = [\"unverified\"]\n");
    let errors = f.load(&SettingsFlags { internal: vec!["a b".into()], ..SettingsFlags::default() }).expect_err("invalid");
    let text = errors.to_string();
    assert_eq!(errors.errors().len(), 4, "{text}");
    assert!(text.contains(&format!("{}:2: `severity.critical`", f.org().display())), "{text}");
    assert!(text.contains(&format!("{}:1: `unknown`", f.user().display())), "{text}");
    assert!(text.contains(&format!("{}:2: `lock`: only the org file", f.pyproject().display())), "{text}");
    assert!(text.contains("flag --internal/SAFE_PIP_INTERNAL: `internal`"), "{text}");
}

#[test]
fn a_required_file_that_is_missing_and_an_invalid_pyproject_fail_closed() {
    let f = Fixture::new();
    let inputs = ConfigInputs {
        org: Some(ConfigPath { path: f.dir.path().join("nope.toml"), required: true, chosen_by: "$SAFE_PIP_ORG_CONFIG".into() }),
        ..f.inputs()
    };
    let e = Settings::load_from(&inputs, &SettingsFlags::default()).expect_err("missing org file");
    assert!(e.to_string().contains("nope.toml: no such file (named by $SAFE_PIP_ORG_CONFIG)"), "{e}");
    f.write(&f.pyproject(), "[project\n");
    let e = f.load(&SettingsFlags::default()).expect_err("bad toml");
    assert!(matches!(&e.errors()[0], ConfigError::Syntax { line: 1, .. }), "{e}");
    let missing_dir = ConfigInputs { project_dir: f.dir.path().join("absent"), ..f.inputs() };
    assert!(Settings::load_from(&missing_dir, &SettingsFlags::default()).is_err());
}

#[test]
fn loaded_decisions_apply_through_decide_for() {
    let f = Fixture::new();
    f.write(
        &f.pyproject(),
        "[[tool.safe-pip.decision]]\npackage = \"demo\"\nversion = \"==1.0\"\naction = \"allow\"\nalerts = [\"import-network\"]\nreason = \"telemetry opt-in\"\nby = \"Alice <a@example.com>\"\ndate = 2026-11-25\n",
    );
    let s = f.load(&SettingsFlags::default()).expect("valid");
    let findings = [crate::finding::Finding::new(AlertId::ImportNetwork, "demo/__init__.py", "m")];
    let d = s.policy.decide_for(Some("demo"), Some("1.0"), &findings);
    assert_eq!(d.verdict, Action::Allow);
    assert_eq!(d.reason(), "allowed by decision in pyproject.toml:1 (Alice, 2026-11-25): \"telemetry opt-in\"");
    assert!(d.cites_decision());
    assert_eq!(s.policy.decide_for(Some("demo"), Some("1.1"), &findings).verdict, Action::Warn);
}

#[test]
fn the_shipped_examples_parse() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let dir = tempfile::tempdir().expect("tmp");
    std::fs::copy(root.join("pyproject.toml"), dir.path().join("pyproject.toml")).expect("copy example pyproject");
    let inputs = ConfigInputs {
        org: Some(ConfigPath { path: root.join("org-config.toml"), required: true, chosen_by: "test".into() }),
        user: Some(ConfigPath { path: root.join("user-config.toml"), required: true, chosen_by: "test".into() }),
        project_dir: dir.path().to_path_buf(),
    };
    let s = Settings::load_from(&inputs, &SettingsFlags::default()).unwrap_or_else(|e| panic!("examples must stay valid:\n{e}"));
    assert!(!s.locks.is_empty());
    assert!(!s.allow_critical_decisions);
    assert!(s.policy.decisions.len() >= 2);
    assert!(!s.internal.is_empty());
    assert!(s.files.iter().all(|f| f.found));
}
