//! Settings resolved from every layer: built-in defaults < org file < user file <
//! project `[tool.safe-pip]` < flags. Later layers win, except that keys the org file
//! locks may only be tightened. Each value remembers where it came from.

use crate::error::Hint;
use super::decisions::DocumentedDecision;
use super::discovery::{ConfigInputs, ConfigPath, find_pyproject, read_config};
use super::errors::{ConfigError, ConfigErrors};
use super::layer::{LayerSettings, Threshold};
use super::lock::{LockedInternal, allow_list_is_weaker, deny_list_is_weaker, locked_by};
use super::origin::{Layer, Located, Origin};
use super::parse::{Source, parse_layer};
use super::decide::Policy;
use crate::action::Action;
use crate::alerts::{AlertId, Severity};
use crate::analysis::metadata::MetadataPolicy;
use crate::analysis::names::{InternalPolicy, InternalRule};
use crate::action::DecisionAction;
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// What the command line adds on top of the files. The CLI fills it; every field is
/// optional.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SettingsFlags {
    /// `--min-release-age DAYS`.
    pub min_release_age_days: Option<u32>,
    /// `--internal PATTERN[=INDEX]` (or `SAFE_PIP_INTERNAL`); added to the files' rules.
    pub internal: Vec<String>,
    /// `--unverified block|warn|allow`.
    pub unverified: Option<Action>,
}

/// One config file looked at, found or not.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ConfigFileStatus {
    pub layer: Layer,
    pub path: PathBuf,
    pub chosen_by: String,
    pub found: bool,
}

/// One effective setting, for `safe-pip config`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SettingEntry {
    pub key: String,
    pub value: serde_json::Value,
    pub origin: Origin,
    /// The org file's lock entry covering this key.
    pub locked_by: Option<Origin>,
}

/// Everything configurable, resolved from all layers.
#[derive(Clone, Debug)]
pub struct Settings {
    /// Actions per severity and per alert, and the documented decisions.
    pub policy: Policy,
    /// Thresholds and licence lists.
    pub metadata: MetadataPolicy,
    /// Internal names (dependency confusion).
    pub internal: InternalPolicy,
    /// What a file that could not be checked means (default block → exit 3).
    pub unverified: Action,
    /// Whether allow decisions may accept critical alerts (org file; default true).
    pub allow_critical_decisions: bool,
    /// The nearest pyproject.toml (where `safe-pip allow` writes), if any.
    pub pyproject: Option<PathBuf>,
    /// Every file looked at.
    pub files: Vec<ConfigFileStatus>,
    /// Every effective value with its origin.
    pub entries: Vec<SettingEntry>,
    /// The org file's locks.
    pub locks: Vec<Located<String>>,
    /// Internal-name rules with their origins.
    pub internal_rules: Vec<Located<InternalRule>>,
}

impl Settings {
    /// Built-in defaults only.
    pub fn defaults() -> Settings {
        Resolved::defaults().into_settings(None, Vec::new())
    }

    /// Loads every layer: the org file (`$SAFE_PIP_ORG_CONFIG`, else
    /// /etc/safe-pip/config.toml), the user file (`$SAFE_PIP_CONFIG`, else the platform
    /// config dir), `[tool.safe-pip]` of the nearest pyproject.toml at or above
    /// `project_dir`, then `flags`. Fails closed: any unreadable or invalid file, or a
    /// locked key weakened, is an error naming file and line.
    pub fn load(project_dir: &Path, flags: &SettingsFlags) -> Result<Settings, ConfigErrors> {
        Settings::load_from(&ConfigInputs::from_env(project_dir), flags)
    }

    /// [`Settings::load`] with explicit inputs (tests pass temp paths).
    pub fn load_from(inputs: &ConfigInputs, flags: &SettingsFlags) -> Result<Settings, ConfigErrors> {
        let mut errors = Vec::new();
        let mut files = Vec::new();
        if !inputs.project_dir.is_dir() {
            return Err(ConfigErrors::single(ConfigError::Unreadable {
                path: inputs.project_dir.clone(),
                detail: "not a directory".into(),
                hint: "pass the project's directory with --project DIR".into(),
            }));
        }
        let mut load = |c: &ConfigPath, layer: Layer, within: &[&str], errors: &mut Vec<ConfigError>| -> Option<LayerSettings> {
            let text = match read_config(c) {
                Ok(t) => t,
                Err(e) => {
                    errors.push(e);
                    None
                }
            };
            files.push(ConfigFileStatus { layer, path: c.path.clone(), chosen_by: c.chosen_by.clone(), found: text.is_some() });
            let text = text?;
            match parse_layer(&Source { text: &text, path: &c.path, layer }, within) {
                Ok(l) => l,
                Err(es) => {
                    errors.extend(es);
                    None
                }
            }
        };
        let org = inputs.org.as_ref().and_then(|c| load(c, Layer::Org, &[], &mut errors));
        let user = inputs.user.as_ref().and_then(|c| load(c, Layer::User, &[], &mut errors));
        let pyproject = find_pyproject(&inputs.project_dir);
        let project = pyproject.as_ref().and_then(|p| {
            let c = ConfigPath { path: p.clone(), required: true, chosen_by: "nearest pyproject.toml".into() };
            load(&c, Layer::Project, &["tool", "safe-pip"], &mut errors)
        });
        let flag_layer = flags_layer(flags, &mut errors);

        let mut resolved = Resolved::defaults();
        if let Some(org) = org {
            resolved.apply(org, None, &mut errors);
        }
        // Locks compare against what the org file made of each key.
        let baseline = resolved.clone();
        for layer in [user, project, Some(flag_layer)].into_iter().flatten() {
            resolved.apply(layer, Some(&baseline), &mut errors);
        }
        resolved.check_decisions(&mut errors);
        if !errors.is_empty() {
            return Err(ConfigErrors(errors));
        }
        Ok(resolved.into_settings(pyproject, files))
    }

    /// The org file's lock covering `key`, if any.
    pub fn locked(&self, key: &str) -> Option<&Located<String>> {
        locked_by(&self.locks, key)
    }
}

fn flags_layer(flags: &SettingsFlags, errors: &mut Vec<ConfigError>) -> LayerSettings {
    let mut l = LayerSettings::default();
    if let Some(d) = flags.min_release_age_days {
        l.thresholds.insert(Threshold::MinReleaseAgeDays, Located::new(d, Origin::Flag("--min-release-age".into())));
    }
    for v in flags.internal.iter().filter(|v| !v.trim().is_empty()) {
        let origin = Origin::Flag("--internal/SAFE_PIP_INTERNAL".into());
        match InternalRule::parse_flag(v) {
            Ok(rule) => l.internal.push(Located::new(rule, origin)),
            Err(e) => errors.push(ConfigError::invalid(&origin, "internal", e.to_string(), e.hint())),
        }
    }
    if let Some(u) = flags.unverified {
        l.unverified = Some(Located::new(u, Origin::Flag("--unverified".into())));
    }
    l
}

/// The effective values while layers are applied.
#[derive(Clone, Debug)]
struct Resolved {
    severity: BTreeMap<Severity, Located<Action>>,
    alerts: BTreeMap<AlertId, Located<Action>>,
    thresholds: BTreeMap<Threshold, Located<u32>>,
    licenses_allow: Located<Vec<String>>,
    licenses_deny: Located<Vec<String>>,
    internal: Vec<Located<InternalRule>>,
    unverified: Located<Action>,
    allow_critical: Located<bool>,
    locks: Vec<Located<String>>,
    decisions: Vec<DocumentedDecision>,
}

impl Resolved {
    fn defaults() -> Resolved {
        let p = Policy::default();
        let m = MetadataPolicy::default();
        Resolved {
            severity: Severity::ALL.iter().map(|s| (*s, Located::default(p.severity_action(*s)))).collect(),
            alerts: BTreeMap::new(),
            thresholds: Threshold::ALL.iter().map(|t| (*t, Located::default(t.get(&m)))).collect(),
            licenses_allow: Located::default(m.licenses_allowed.clone()),
            licenses_deny: Located::default(m.licenses_denied.clone()),
            internal: Vec::new(),
            unverified: Located::default(Action::Block),
            allow_critical: Located::default(true),
            locks: Vec::new(),
            decisions: Vec::new(),
        }
    }

    fn action_for(&self, alert: AlertId) -> Action {
        self.alerts.get(&alert).or_else(|| self.severity.get(&alert.severity())).map(|l| l.value).unwrap_or(Action::Block)
    }

    /// Applies one layer. With `baseline` (the org file's result), a value weaker than a
    /// locked one is an error instead.
    fn apply(&mut self, layer: LayerSettings, baseline: Option<&Resolved>, errors: &mut Vec<ConfigError>) {
        // The lock (if any) covering `key`, with the locked value as text, when `weaker`.
        let guard = |keys: &[String], weaker: bool| -> Option<&Located<String>> {
            let base = baseline?;
            if !weaker {
                return None;
            }
            keys.iter().find_map(|k| locked_by(&base.locks, k))
        };
        let locked_error = |key: String, v: &Origin, value: String, lock: &Located<String>, locked_value: String| ConfigError::Locked {
            origin: v.clone(),
            key,
            value,
            locked_by: lock.origin.clone(),
            lock: lock.value.clone(),
            locked_value,
        };
        for (sev, v) in layer.severity {
            let key = format!("severity.{sev}");
            let base = baseline.map(|b| b.severity[&sev].value);
            match guard(std::slice::from_ref(&key), base.is_some_and(|b| v.value < b)) {
                Some(lock) => errors.push(locked_error(key, &v.origin, quoted(v.value.rule_name()), lock, quoted(base.unwrap_or(Action::Block).rule_name()))),
                None => {
                    self.severity.insert(sev, v);
                }
            }
        }
        for (id, v) in layer.alerts {
            let key = format!("alerts.{id}");
            // A per-alert override may not undercut a locked severity either.
            let base = baseline.map(|b| b.action_for(id));
            match guard(&[key.clone(), format!("severity.{}", id.severity())], base.is_some_and(|b| v.value < b)) {
                Some(lock) => errors.push(locked_error(key, &v.origin, quoted(v.value.rule_name()), lock, quoted(base.unwrap_or(Action::Block).rule_name()))),
                None => {
                    self.alerts.insert(id, v);
                }
            }
        }
        for (th, v) in layer.thresholds {
            let key = format!("thresholds.{}", th.key());
            let base = baseline.map(|b| b.thresholds[&th].value);
            match guard(std::slice::from_ref(&key), base.is_some_and(|b| th.is_weaker(v.value, b))) {
                Some(lock) => errors.push(locked_error(key, &v.origin, v.value.to_string(), lock, base.unwrap_or(0).to_string())),
                None => {
                    self.thresholds.insert(th, v);
                }
            }
        }
        if let Some(v) = layer.licenses_allow {
            let key = "licenses.allow".to_string();
            let base = baseline.map(|b| &b.licenses_allow.value);
            match guard(std::slice::from_ref(&key), base.is_some_and(|b| allow_list_is_weaker(&v.value, b))) {
                Some(lock) => errors.push(locked_error(key, &v.origin, list(&v.value), lock, list(base.map(Vec::as_slice).unwrap_or(&[])))),
                None => self.licenses_allow = v,
            }
        }
        if let Some(v) = layer.licenses_deny {
            let key = "licenses.deny".to_string();
            let base = baseline.map(|b| &b.licenses_deny.value);
            match guard(std::slice::from_ref(&key), base.is_some_and(|b| deny_list_is_weaker(&v.value, b))) {
                Some(lock) => errors.push(locked_error(key, &v.origin, list(&v.value), lock, list(base.map(Vec::as_slice).unwrap_or(&[])))),
                None => self.licenses_deny = v,
            }
        }
        let locked_internal = baseline.map(|b| LockedInternal::new(&b.internal));
        for v in layer.internal {
            let conflict = locked_internal.as_ref().and_then(|l| l.conflict(&v.value));
            match (conflict, guard(&["internal".to_string()], conflict.is_some())) {
                (Some(c), Some(lock)) => errors.push(locked_error("internal".into(), &v.origin, describe_rule(&v.value), lock, format!("{} at {}", describe_rule(&c.value), c.origin))),
                _ => self.internal.push(v),
            }
        }
        if let Some(v) = layer.unverified {
            let key = "unverified".to_string();
            let base = baseline.map(|b| b.unverified.value);
            match guard(std::slice::from_ref(&key), base.is_some_and(|b| v.value < b)) {
                Some(lock) => errors.push(locked_error(key, &v.origin, quoted(v.value.as_str()), lock, quoted(base.unwrap_or(Action::Block).as_str()))),
                None => self.unverified = v,
            }
        }
        if let Some(v) = layer.allow_critical_decisions {
            self.allow_critical = v;
        }
        self.locks.extend(layer.lock);
        self.decisions.extend(layer.decisions);
    }

    /// Allow decisions that accept critical alerts when the org file forbids it.
    fn check_decisions(&self, errors: &mut Vec<ConfigError>) {
        if self.allow_critical.value {
            return;
        }
        for d in self.decisions.iter().filter(|d| d.action == DecisionAction::Allow) {
            let critical = d.critical_alerts();
            if critical.is_empty() {
                continue;
            }
            let ids = critical.iter().map(|a| format!("`{a}`")).collect::<Vec<_>>().join(", ");
            errors.push(ConfigError::invalid(
                &d.origin,
                "decision",
                format!("allows critical alert {ids} for {}, but the org file forbids allowing critical alerts ({})", d.package, self.allow_critical.origin),
                "remove the critical alerts from this decision (or the decision); critical findings must be fixed, not accepted, under this org policy",
            ));
        }
    }

    fn into_settings(self, pyproject: Option<PathBuf>, files: Vec<ConfigFileStatus>) -> Settings {
        let mut policy = Policy::default();
        for (s, a) in &self.severity {
            policy.set_severity_action(*s, a.value);
            policy.origins.severity.insert(*s, a.origin.clone());
        }
        policy.alerts = self.alerts.iter().map(|(id, a)| (*id, a.value)).collect();
        policy.origins.alerts = self.alerts.iter().map(|(id, a)| (*id, a.origin.clone())).collect();
        policy.decisions = self.decisions.clone();
        let mut metadata = MetadataPolicy::default();
        for (t, v) in &self.thresholds {
            t.set(&mut metadata, v.value);
        }
        metadata.licenses_allowed = self.licenses_allow.value.clone();
        metadata.licenses_denied = self.licenses_deny.value.clone();
        let entries = self.entries();
        Settings {
            policy,
            metadata,
            internal: InternalPolicy::new(self.internal.iter().map(|r| r.value.clone()).collect()),
            unverified: self.unverified.value,
            allow_critical_decisions: self.allow_critical.value,
            pyproject,
            files,
            entries,
            locks: self.locks,
            internal_rules: self.internal,
        }
    }

    fn entries(&self) -> Vec<SettingEntry> {
        let entry = |key: String, value: serde_json::Value, origin: &Origin| SettingEntry {
            locked_by: locked_by(&self.locks, &key).map(|l| l.origin.clone()),
            key,
            value,
            origin: origin.clone(),
        };
        let mut out = Vec::new();
        for s in Severity::ALL {
            let v = &self.severity[&s];
            out.push(entry(format!("severity.{s}"), v.value.rule_name().into(), &v.origin));
        }
        for (id, v) in &self.alerts {
            out.push(entry(format!("alerts.{id}"), v.value.rule_name().into(), &v.origin));
        }
        for (t, v) in &self.thresholds {
            out.push(entry(format!("thresholds.{}", t.key()), v.value.into(), &v.origin));
        }
        out.push(entry("licenses.allow".into(), self.licenses_allow.value.clone().into(), &self.licenses_allow.origin));
        out.push(entry("licenses.deny".into(), self.licenses_deny.value.clone().into(), &self.licenses_deny.origin));
        out.push(entry("unverified".into(), self.unverified.value.as_str().into(), &self.unverified.origin));
        out.push(entry("allow-critical-decisions".into(), self.allow_critical.value.into(), &self.allow_critical.origin));
        out
    }
}

fn quoted(s: &str) -> String {
    format!("\"{s}\"")
}

fn list(xs: &[String]) -> String {
    format!("[{}]", xs.iter().map(|x| quoted(x)).collect::<Vec<_>>().join(", "))
}

fn describe_rule(r: &InternalRule) -> String {
    match &r.index {
        Some(i) => format!("`{}` from {}", r.pattern, crate::redact::redact(i)),
        None => format!("`{}` (not from public PyPI)", r.pattern),
    }
}
