//! The policy and what it decides: each alert's action (its severity's rule or its
//! override), the documented decisions about a package, and the [`Decision`] they set.

use super::basis::{Basis, Note, Rule};
use super::day::Day;
use super::decisions::DocumentedDecision;
use super::origin::Origin;
use crate::action::{Action, DecisionAction, Verdict};
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

impl Policy {
    /// Like [`Policy::decide`] but applies the documented decisions for this package and
    /// version: a matching deny blocks; findings accepted by a matching, unexpired allow
    /// decision do not count toward the verdict, and the reason names the decision.
    pub fn decide_for(&self, name: Option<&str>, version: Option<&str>, findings: &[Finding]) -> Decision {
        let full = self.decide(findings);
        let Some(name) = name else { return full };
        let today = self.today.unwrap_or_else(Day::today);
        let applicable: Vec<&DocumentedDecision> = self.decisions.iter().filter(|d| d.matches(name, version)).collect();
        if applicable.is_empty() {
            return full;
        }
        let (live, expired): (Vec<&DocumentedDecision>, Vec<&DocumentedDecision>) = applicable.into_iter().partition(|d| !d.is_expired(today));
        if let Some(deny) = live.iter().find(|d| d.action == DecisionAction::Deny) {
            return Decision::new(Action::Block, Basis::DeniedByDecision { decision: deny.cited() });
        }
        let allows: Vec<&DocumentedDecision> = live.into_iter().filter(|d| d.action == DecisionAction::Allow).collect();
        // A file whose metadata disagrees with its file name may be borrowing another
        // project's identity: allow decisions are about the real project, so they do not apply.
        if !allows.is_empty() && findings.iter().any(|f| f.alert == AlertId::MetadataMismatch) {
            let mut d = full;
            if d.verdict != Action::Allow {
                d.basis = noted(d.basis, Note::DecisionDoesNotApply { origin: allows[0].origin.clone() });
            }
            return d;
        }
        let covering = |f: &Finding| allows.iter().copied().find(|d| d.alerts.contains(&f.alert));
        let rest: Vec<Finding> = findings.iter().filter(|f| covering(f).is_none()).cloned().collect();
        let judged = self.decide(&rest);
        if judged.verdict >= full.verdict {
            // The accepted alerts did not matter; an expired decision that would have is named.
            return with_expired_note(full, &expired, findings, today);
        }
        // Cite each decision that accepted an alert which would otherwise have set a stricter verdict.
        let mut cited: Vec<&DocumentedDecision> = Vec::new();
        for f in findings {
            if let Some(d) = covering(f)
                && self.action_for(f.alert) > judged.verdict
                && !cited.iter().any(|c| std::ptr::eq(*c, d))
            {
                cited.push(d);
            }
        }
        let decisions = cited.iter().map(|d| d.cited()).collect();
        let rest = (judged.verdict != Action::Allow).then(|| Box::new(judged.basis));
        Decision::new(judged.verdict, Basis::AllowedByDecisions { decisions, rest })
    }
}

/// Adds "(the decision in X:N that accepted Y expired on D)" when an expired allow
/// decision named an alert that now sets the verdict, so the reader knows what to renew.
fn with_expired_note(mut d: Decision, expired: &[&DocumentedDecision], findings: &[Finding], today: Day) -> Decision {
    if d.verdict == Action::Allow {
        return d;
    }
    let relevant = expired.iter().find(|e| e.action == DecisionAction::Allow && findings.iter().any(|f| e.alerts.contains(&f.alert)));
    if let Some((e, until)) = relevant.and_then(|e| Some((e, e.until?))) {
        d.basis = noted(d.basis, Note::DecisionExpired { origin: e.origin.clone(), until, today });
    }
    d
}

/// The rule's basis with `note` added (other bases are returned as they are).
fn noted(basis: Basis, note: Note) -> Basis {
    match basis {
        Basis::SeverityRule(r) => Basis::SeverityRule(Rule { note: Some(note), ..r }),
        Basis::Override(r) => Basis::Override(Rule { note: Some(note), ..r }),
        other => other,
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
