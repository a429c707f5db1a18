//! Policy: what to do about each alert. Built-in default from the organisation standard:
//! critical → block, high → warn ("investigate before use"), medium and low → allow
//! with notes. Every verdict names the rule that produced it.
//!
//! The settings behind a policy come in layers (defaults < org file < user file <
//! project `[tool.safe-pip]` < flags, see [`Settings::load`]); documented decisions
//! ([`DocumentedDecision`]) accept named alerts of named versions with a reason.

mod basis;
mod day;
mod decisions;
mod discovery;
mod errors;
mod layer;
mod lock;
mod origin;
mod parse;
pub mod record;
pub mod render;
mod settings;
#[cfg(test)]
mod tests;

pub use basis::{Basis, Cited, Note, Rule};
pub use crate::action::{Action, Verdict};
pub use day::Day;

/// Parses `text` as a project's pyproject.toml `[tool.safe-pip]` table, as settings are
/// loaded; for the fuzz targets (fuzz/), which reach the parser without files.
#[doc(hidden)]
pub fn parse_project_settings_text(text: &str) -> Result<(), Vec<ConfigError>> {
    let path = std::path::Path::new("pyproject.toml");
    parse::parse_layer(&parse::Source { text, path, layer: Layer::Project }, &["tool", "safe-pip"]).map(|_| ())
}
pub use decisions::DocumentedDecision;
pub use discovery::{ConfigInputs, ConfigPath, ORG_CONFIG_ENV, SYSTEM_ORG_CONFIG, USER_CONFIG_ENV, find_pyproject};
pub use errors::{ConfigError, ConfigErrors};
pub use layer::Threshold;
pub use origin::{Layer, Located, Origin};
pub use settings::{ConfigFileStatus, SettingEntry, Settings, SettingsFlags};

use crate::alerts::{AlertId, Severity};
use crate::finding::Finding;
use serde::Serialize;
use std::collections::BTreeMap;


#[derive(Clone, Debug)]
pub struct Policy {
    pub critical: Action,
    pub high: Action,
    pub medium: Action,
    pub low: Action,
    /// Per-alert overrides, e.g. `network-access = "warn"`.
    pub alerts: BTreeMap<AlertId, Action>,
    /// Documented allow/deny decisions, applied by [`Policy::decide_for`].
    pub decisions: Vec<DocumentedDecision>,
    /// The day decisions expire against; `None`: today (UTC) at each call.
    pub today: Option<Day>,
    /// Where each severity rule and alert override was set; absent: the built-in default.
    pub origins: RuleOrigins,
}

/// Where the policy's rules were written, for the verdicts they set.
#[derive(Clone, Debug, Default)]
pub struct RuleOrigins {
    pub severity: BTreeMap<Severity, Origin>,
    pub alerts: BTreeMap<AlertId, Origin>,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            critical: Action::Block,
            high: Action::Warn,
            medium: Action::Allow,
            low: Action::Allow,
            alerts: BTreeMap::new(),
            decisions: Vec::new(),
            today: None,
            origins: RuleOrigins::default(),
        }
    }
}

/// A verdict and what it rests on; the basis reads as the reason a person can act on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decision {
    pub verdict: Verdict,
    pub basis: Basis,
}

impl Decision {
    pub fn new(verdict: Verdict, basis: Basis) -> Decision {
        Decision { verdict, basis }
    }

    /// A stand-in for tests whose reason is `reason` as given.
    #[cfg(test)]
    pub(crate) fn for_test(verdict: Verdict, reason: &str) -> Decision {
        Decision { verdict, basis: Basis::Unverified { cause: reason.to_string(), bare: true } }
    }

    /// "critical alert install-network (severity policy: critical → block)"
    pub fn reason(&self) -> String {
        self.basis.to_string()
    }

    /// Whether a documented allow decision let the package through (reports then show the reason).
    pub fn cites_decision(&self) -> bool {
        matches!(self.basis, Basis::AllowedByDecisions { .. })
    }
}

/// `{verdict, reason, basis}`: the sentence and its structure.
impl Serialize for Decision {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("Decision", 3)?;
        st.serialize_field("verdict", &self.verdict)?;
        st.serialize_field("reason", &self.reason())?;
        st.serialize_field("basis", &self.basis)?;
        st.end()
    }
}

impl Policy {
    pub fn severity_action(&self, severity: Severity) -> Action {
        match severity {
            Severity::Critical => self.critical,
            Severity::High => self.high,
            Severity::Medium => self.medium,
            Severity::Low => self.low,
        }
    }

    pub fn set_severity_action(&mut self, severity: Severity, action: Action) {
        match severity {
            Severity::Critical => self.critical = action,
            Severity::High => self.high = action,
            Severity::Medium => self.medium = action,
            Severity::Low => self.low = action,
        }
    }

    /// The action for `alert`: its override, else its severity's rule.
    pub fn action_for(&self, alert: AlertId) -> Action {
        self.alerts.get(&alert).copied().unwrap_or_else(|| self.severity_action(alert.severity()))
    }

    /// The basis of a verdict that `alert`'s rule sets.
    fn rule_for(&self, alert: AlertId) -> Basis {
        let severity = alert.severity();
        let rule = |action, origin: Option<&Origin>| Rule { alert, severity, action, origin: origin.cloned().unwrap_or(Origin::Default), note: None };
        match self.alerts.get(&alert) {
            Some(a) => Basis::Override(rule(*a, self.origins.alerts.get(&alert))),
            None => Basis::SeverityRule(rule(self.severity_action(severity), self.origins.severity.get(&severity))),
        }
    }

    pub fn decide(&self, findings: &[Finding]) -> Decision {
        let mut worst: Option<(Action, AlertId)> = None;
        for f in findings {
            let action = self.action_for(f.alert);
            let better = match worst {
                None => true,
                Some((a, id)) => (action, f.alert.severity()) > (a, id.severity()),
            };
            if better {
                worst = Some((action, f.alert));
            }
        }
        match worst {
            None => Decision::new(Action::Allow, Basis::NoAlerts),
            Some((action, alert)) => Decision::new(action, self.rule_for(alert)),
        }
    }
}

#[cfg(test)]
mod decide_tests {
    use super::*;

    fn f(a: AlertId) -> Finding {
        Finding::new(a, "x.py", "m")
    }

    #[test]
    fn default_policy_follows_the_tiers() {
        let p = Policy::default();
        assert_eq!(p.decide(&[]).verdict, Action::Allow);
        assert_eq!(p.decide(&[f(AlertId::NetworkAccess)]).verdict, Action::Allow);
        assert_eq!(p.decide(&[f(AlertId::ObfuscatedPayload), f(AlertId::NetworkAccess)]).verdict, Action::Warn);
        let d = p.decide(&[f(AlertId::NetworkAccess), f(AlertId::DecodeExec), f(AlertId::ObfuscatedPayload)]);
        assert_eq!(d.verdict, Action::Block);
        assert!(d.reason().contains("decode-exec"), "{}", d.reason());
    }

    #[test]
    fn overrides_win_over_severity() {
        let mut p = Policy::default();
        p.alerts.insert(AlertId::NetworkAccess, Action::Block);
        let d = p.decide(&[f(AlertId::NetworkAccess)]);
        assert_eq!(d.verdict, Action::Block);
        assert!(d.reason().contains("override"));
        assert_eq!(d.basis.deciding_alert(), Some(AlertId::NetworkAccess));
    }
}
