//! What a verdict rests on, as data: the rule, override or documented decision that set it,
//! or why the file could not be checked. [`Basis`]'s `Display` is the one-line reason the
//! reports print ("critical alert install-network (severity policy: critical → block)");
//! JSON reports and the Python front carry the structure (`basis`), so no caller has to
//! search the sentence.

use crate::action::Action;
use super::day::Day;
use super::origin::Origin;
use crate::alerts::{AlertId, Severity};
use serde::Serialize;
use std::fmt;

/// The basis of a verdict. Serialized with a `kind` tag (`no-alerts`, `severity-rule`,
/// `override`, `denied-by-decision`, `allowed-by-decisions`, `unverified`,
/// `blocked-by-gateway`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Basis {
    /// No alert counted toward the verdict: allowed.
    NoAlerts,
    /// The deciding alert's severity rule (`severity.critical = "block"`).
    SeverityRule(Rule),
    /// A per-alert override (`alerts.network-access = "warn"`).
    Override(Rule),
    /// A documented deny decision matched this package and version.
    DeniedByDecision { decision: Cited },
    /// Documented allow decisions accepted the alerts that would have set a stricter
    /// verdict; `rest` is the rule that decided among the other alerts (none: allowed).
    AllowedByDecisions { decisions: Vec<Cited>, rest: Option<Box<Basis>> },
    /// The file could not be checked (fail closed).
    Unverified {
        cause: String,
        /// The sentence is the bare cause, where the context already says the file was
        /// not verified (the proxy's 403 reason phrase).
        #[serde(skip)]
        bare: bool,
    },
    /// The organisation's safe-pip gateway, used as upstream index, refused the file
    /// (`403`): its reason as it sent it. The gateway's verdicts and decisions apply
    /// behind the local ones.
    BlockedByGateway { gateway: String, reason: String },
}

/// The rule that set a verdict: the deciding alert, its severity, the action, and where
/// the rule was written (`origin.layer` is `default` for the built-in policy).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Rule {
    pub alert: AlertId,
    pub severity: Severity,
    pub action: Action,
    pub origin: Origin,
    /// A documented decision that would have applied but did not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<Note>,
}

/// Why a documented decision about this package did not change the verdict.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Note {
    /// The file's metadata does not match its name: allow decisions do not apply.
    DecisionDoesNotApply { origin: Origin },
    /// The allow decision that accepted the deciding alert has expired.
    DecisionExpired { origin: Origin, until: Day, today: Day },
}

/// A documented decision as a verdict cites it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Cited {
    pub origin: Origin,
    pub by: String,
    pub date: Day,
    pub reason: String,
}

impl Basis {
    /// The alert whose rule set the verdict, if a rule did.
    pub fn deciding_alert(&self) -> Option<AlertId> {
        match self {
            Basis::SeverityRule(r) | Basis::Override(r) => Some(r.alert),
            Basis::AllowedByDecisions { rest: Some(rest), .. } => rest.deciding_alert(),
            _ => None,
        }
    }

    /// Whether a documented decision set the verdict (allow or deny).
    pub fn is_decision(&self) -> bool {
        matches!(self, Basis::DeniedByDecision { .. } | Basis::AllowedByDecisions { .. })
    }
}

impl fmt::Display for Basis {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Basis::NoAlerts => f.write_str("no alerts"),
            Basis::SeverityRule(r) => r.write(f, "severity policy"),
            Basis::Override(r) => r.write(f, "policy override for this alert"),
            Basis::DeniedByDecision { decision } => write!(f, "denied by decision in {decision}"),
            Basis::AllowedByDecisions { decisions, rest } => {
                if let Some(rest) = rest {
                    write!(f, "{rest}; other alerts ")?;
                }
                f.write_str("allowed by decision in ")?;
                for (i, d) in decisions.iter().enumerate() {
                    if i > 0 {
                        f.write_str("; ")?;
                    }
                    write!(f, "{d}")?;
                }
                Ok(())
            }
            Basis::Unverified { cause, bare: true } => f.write_str(cause),
            Basis::Unverified { cause, bare: false } => write!(f, "unverified: {cause}"),
            Basis::BlockedByGateway { gateway, reason } => write!(f, "blocked by the organisation gateway {gateway}: {reason}"),
        }
    }
}

impl Rule {
    fn write(&self, f: &mut fmt::Formatter<'_>, why: &str) -> fmt::Result {
        let (sev, action) = (self.severity, self.action.as_str());
        write!(f, "{sev} alert {} ({why}: {sev} → {action})", self.alert.id())?;
        match &self.note {
            None => Ok(()),
            Some(Note::DecisionDoesNotApply { origin }) => {
                write!(f, " (the decision in {} does not apply: the file's metadata does not match its name)", origin.short())
            }
            Some(Note::DecisionExpired { origin, until, today }) => {
                write!(f, " (the decision in {} expired on {until}; today is {today})", origin.short())
            }
        }
    }
}

impl fmt::Display for Cited {
    /// `pyproject.toml:42 (Alice Example, 2026-11-25): "HTTP client…"`
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The name without the e-mail keeps reasons short; the file has the whole entry.
        let who = self.by.split('<').next().map(str::trim).filter(|s| !s.is_empty()).unwrap_or(self.by.as_str());
        write!(f, "{} ({who}, {}): \"{}\"", self.origin.short(), self.date, self.reason)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn cited() -> Cited {
        let origin = Origin::file(super::super::origin::Layer::Project, Path::new("/p/pyproject.toml"), 42);
        Cited { origin, by: "Alice Example <a@example.org>".into(), date: Day::parse("2026-11-25").unwrap(), reason: "HTTP client".into() }
    }

    fn rule(note: Option<Note>) -> Rule {
        Rule { alert: AlertId::DecodeExec, severity: Severity::Critical, action: Action::Block, origin: Origin::Default, note }
    }

    #[test]
    fn sentences_are_the_reasons_reports_print() {
        assert_eq!(Basis::NoAlerts.to_string(), "no alerts");
        assert_eq!(Basis::SeverityRule(rule(None)).to_string(), "critical alert decode-exec (severity policy: critical → block)");
        assert_eq!(Basis::Override(rule(None)).to_string(), "critical alert decode-exec (policy override for this alert: critical → block)");
        assert_eq!(
            Basis::DeniedByDecision { decision: cited() }.to_string(),
            "denied by decision in pyproject.toml:42 (Alice Example, 2026-11-25): \"HTTP client\""
        );
        let two = Basis::AllowedByDecisions { decisions: vec![cited(), cited()], rest: Some(Box::new(Basis::SeverityRule(rule(None)))) };
        assert_eq!(
            two.to_string(),
            "critical alert decode-exec (severity policy: critical → block); other alerts allowed by decision in \
             pyproject.toml:42 (Alice Example, 2026-11-25): \"HTTP client\"; pyproject.toml:42 (Alice Example, 2026-11-25): \"HTTP client\""
        );
        assert_eq!(two.deciding_alert(), Some(AlertId::DecodeExec));
        let expired = Note::DecisionExpired { origin: cited().origin, until: Day::parse("2027-05-25").unwrap(), today: Day::parse("2027-06-01").unwrap() };
        assert!(Basis::SeverityRule(rule(Some(expired))).to_string().ends_with(" (the decision in pyproject.toml:42 expired on 2027-05-25; today is 2027-06-01)"));
        assert_eq!(Basis::Unverified { cause: "x".into(), bare: false }.to_string(), "unverified: x");
        assert_eq!(Basis::Unverified { cause: "x".into(), bare: true }.to_string(), "x");
        let gw = Basis::BlockedByGateway { gateway: "https://gw.example/u/0/simple/".into(), reason: "install-network: …".into() };
        assert_eq!(gw.to_string(), "blocked by the organisation gateway https://gw.example/u/0/simple/: install-network: …");
        assert_eq!(serde_json::to_value(&gw).unwrap()["kind"], "blocked-by-gateway");
    }

    #[test]
    fn json_carries_the_structure() {
        let v = serde_json::to_value(Basis::DeniedByDecision { decision: cited() }).unwrap();
        assert_eq!(v["kind"], "denied-by-decision");
        assert_eq!(v["decision"]["origin"]["line"], 42);
        assert_eq!(v["decision"]["date"], "2026-11-25");
        let v = serde_json::to_value(Basis::SeverityRule(rule(None))).unwrap();
        assert_eq!(v, serde_json::json!({"kind": "severity-rule", "alert": "decode-exec", "severity": "critical", "action": "block", "origin": {"layer": "default"}}));
        let v = serde_json::to_value(Basis::Unverified { cause: "x".into(), bare: true }).unwrap();
        assert_eq!(v, serde_json::json!({"kind": "unverified", "cause": "x"}));
    }
}
