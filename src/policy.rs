//! Policy: what to do about each alert. Built-in default from the organisation standard:
//! critical → block, high → warn ("investigate before use"), medium and low → allow
//! with notes. Every verdict names the rule that produced it.

use crate::alerts::{AlertId, Severity};
use crate::finding::Finding;
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    Allow,
    Warn,
    Block,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Allow => "allow",
            Action::Warn => "warn",
            Action::Block => "block",
        }
    }
}

/// The outcome for one package.
pub type Verdict = Action;

#[derive(Clone, Debug)]
pub struct Policy {
    pub critical: Action,
    pub high: Action,
    pub medium: Action,
    pub low: Action,
    /// Per-alert overrides, e.g. `network-access = "warn"`.
    pub alerts: BTreeMap<AlertId, Action>,
}

impl Default for Policy {
    fn default() -> Self {
        Policy { critical: Action::Block, high: Action::Warn, medium: Action::Allow, low: Action::Allow, alerts: BTreeMap::new() }
    }
}

/// A verdict and the reason for it, in words a person can act on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Decision {
    pub verdict: Verdict,
    /// "critical alert install-network (default policy: critical → block)"
    pub reason: String,
}

impl Policy {
    pub fn action_for(&self, alert: AlertId) -> (Action, &'static str) {
        if let Some(a) = self.alerts.get(&alert) {
            return (*a, "policy override for this alert");
        }
        let by_severity = match alert.severity() {
            Severity::Critical => self.critical,
            Severity::High => self.high,
            Severity::Medium => self.medium,
            Severity::Low => self.low,
        };
        (by_severity, "severity policy")
    }

    pub fn decide(&self, findings: &[Finding]) -> Decision {
        let mut worst: Option<(Action, AlertId, &'static str)> = None;
        for f in findings {
            let (action, why) = self.action_for(f.alert);
            let better = match worst {
                None => true,
                Some((a, id, _)) => (action, f.alert.severity()) > (a, id.severity()),
            };
            if better {
                worst = Some((action, f.alert, why));
            }
        }
        match worst {
            None => Decision { verdict: Action::Allow, reason: "no alerts".into() },
            Some((action, alert, why)) => Decision {
                verdict: action,
                reason: format!("{} alert {} ({}: {} → {})", alert.severity(), alert.id(), why, alert.severity(), action.as_str()),
            },
        }
    }
}

#[cfg(test)]
mod tests {
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
        assert!(d.reason.contains("decode-exec"), "{}", d.reason);
    }

    #[test]
    fn overrides_win_over_severity() {
        let mut p = Policy::default();
        p.alerts.insert(AlertId::NetworkAccess, Action::Block);
        let d = p.decide(&[f(AlertId::NetworkAccess)]);
        assert_eq!(d.verdict, Action::Block);
        assert!(d.reason.contains("override"));
    }
}
