//! Documented decisions: the organisation standard's "Vetted 2024-02-06: safe to use …"
//! made structured. An allow decision accepts the alerts it names, for the versions its
//! specifier matches, until it expires; anything else about the package is judged afresh.
//! A deny decision blocks matching versions whatever the analysis finds.

use super::basis::Cited;
use super::day::Day;
use super::origin::Origin;
use crate::alerts::{AlertId, Severity};
use crate::action::DecisionAction;
use crate::pep503::normalize_name;
use pep440_rs::{Version, VersionSpecifiers};
use std::str::FromStr;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DocumentedDecision {
    /// As written; compared PEP 503 normalised.
    pub package: String,
    /// `None`: every version.
    pub version: Option<VersionSpecifiers>,
    pub action: DecisionAction,
    /// Alerts accepted (allow); empty for deny.
    pub alerts: Vec<AlertId>,
    pub reason: String,
    pub by: String,
    pub date: Day,
    /// Last day the decision applies (inclusive).
    pub until: Option<Day>,
    /// Where it is written down.
    pub origin: Origin,
}

impl DocumentedDecision {
    /// The version specifier as written back (`==2.32.3`), or `*` for every version.
    pub fn spec(&self) -> String {
        self.version.as_ref().map(|v| v.to_string()).unwrap_or_else(|| "*".into())
    }

    pub fn is_expired(&self, today: Day) -> bool {
        self.until.is_some_and(|u| u < today)
    }

    /// Whether the decision is about this package and version (expiry aside). A
    /// specifier never matches an unknown or non-PEP 440 version: judged afresh.
    pub fn matches(&self, name: &str, version: Option<&str>) -> bool {
        if normalize_name(name) != normalize_name(&self.package) {
            return false;
        }
        match (&self.version, version) {
            (None, _) => true,
            (Some(_), None) => false,
            (Some(spec), Some(v)) => Version::from_str(v.trim()).is_ok_and(|v| spec.contains(&v)),
        }
    }

    pub fn critical_alerts(&self) -> Vec<AlertId> {
        self.alerts.iter().copied().filter(|a| a.severity() == Severity::Critical).collect()
    }

    /// The decision as a verdict cites it.
    pub fn cited(&self) -> Cited {
        Cited { origin: self.origin.clone(), by: self.by.clone(), date: self.date, reason: self.reason.clone() }
    }
}

#[cfg(test)]
mod tests {
    use super::super::basis::Basis;
    use super::super::decide::Policy;
    use super::super::origin::Layer;
    use super::*;
    use crate::action::Action;
    use crate::finding::Finding;
    use std::path::Path;

    fn f(a: AlertId) -> Finding {
        Finding::new(a, "x.py", "m")
    }

    fn decision(action: DecisionAction, version: Option<&str>, alerts: &[AlertId], until: Option<&str>) -> DocumentedDecision {
        DocumentedDecision {
            package: "requests".into(),
            version: version.map(|v| VersionSpecifiers::from_str(v).expect("spec")),
            action,
            alerts: alerts.to_vec(),
            reason: "HTTP client; network access is its job".into(),
            by: "Alice Example <alice@example.com>".into(),
            date: Day::parse("2026-11-25").unwrap(),
            until: until.map(|u| Day::parse(u).unwrap()),
            origin: Origin::file(Layer::Project, Path::new("/p/pyproject.toml"), 42),
        }
    }

    fn policy(decisions: Vec<DocumentedDecision>, today: &str) -> Policy {
        Policy { decisions, today: Day::parse(today), ..Policy::default() }
    }

    #[test]
    fn allow_covers_only_named_alerts_matching_versions_until_expiry() {
        let d = decision(DecisionAction::Allow, Some("==2.32.3"), &[AlertId::ImportNetwork], Some("2027-05-25"));
        let p = policy(vec![d], "2026-12-01");
        let findings = [f(AlertId::ImportNetwork), f(AlertId::NetworkAccess)];
        assert_eq!(p.decide(&findings).verdict, Action::Warn, "import-network is high: warn without the decision");

        let got = p.decide_for(Some("Requests"), Some("2.32.3"), &findings);
        assert_eq!(got.verdict, Action::Allow);
        assert_eq!(got.reason(), "allowed by decision in pyproject.toml:42 (Alice Example, 2026-11-25): \"HTTP client; network access is its job\"");

        // Another version is judged afresh.
        assert_eq!(p.decide_for(Some("requests"), Some("2.32.4"), &findings).verdict, Action::Warn);
        // An unknown version never matches a specifier.
        assert_eq!(p.decide_for(Some("requests"), None, &findings).verdict, Action::Warn);
        // Another package is judged afresh.
        assert_eq!(p.decide_for(Some("requestz"), Some("2.32.3"), &findings).verdict, Action::Warn);
        // An alert the decision does not name still counts.
        let with_critical = [f(AlertId::ImportNetwork), f(AlertId::DecodeExec)];
        let got = p.decide_for(Some("requests"), Some("2.32.3"), &with_critical);
        assert_eq!(got.verdict, Action::Block);
        assert!(got.reason().contains("decode-exec"), "{}", got.reason());

        // After `until` the decision no longer applies, and the reason says so.
        let late = policy(p.decisions.clone(), "2027-05-26");
        let got = late.decide_for(Some("requests"), Some("2.32.3"), &findings);
        assert_eq!(got.verdict, Action::Warn);
        assert!(got.reason().contains("expired on 2027-05-25"), "{}", got.reason());
        // The last day is still covered.
        assert_eq!(policy(p.decisions.clone(), "2027-05-25").decide_for(Some("requests"), Some("2.32.3"), &findings).verdict, Action::Allow);
    }

    #[test]
    fn partial_cover_keeps_the_remaining_verdict_and_names_the_decision() {
        let d = decision(DecisionAction::Allow, None, &[AlertId::DecodeExec], None);
        let p = policy(vec![d], "2026-12-01");
        let got = p.decide_for(Some("requests"), Some("1.0"), &[f(AlertId::DecodeExec), f(AlertId::ImportNetwork)]);
        assert_eq!(got.verdict, Action::Warn);
        assert!(got.reason().starts_with("high alert import-network"), "{}", got.reason());
        assert!(got.reason().contains("other alerts allowed by decision in pyproject.toml:42"), "{}", got.reason());
    }

    #[test]
    fn version_ranges_match_per_pep_440() {
        let d = decision(DecisionAction::Allow, Some(">=2.0,<3"), &[AlertId::ImportNetwork], None);
        assert!(d.matches("requests", Some("2.31.0")));
        assert!(d.matches("requests", Some("2.0")));
        assert!(!d.matches("requests", Some("3.0.0")));
        assert!(!d.matches("requests", Some("1.9")));
        assert!(!d.matches("requests", Some("not a version")));
        assert!(decision(DecisionAction::Allow, None, &[], None).matches("requests", None));
    }

    #[test]
    fn deny_blocks_matching_versions_whatever_the_alerts() {
        let p = policy(vec![decision(DecisionAction::Deny, Some("<2"), &[], None)], "2026-12-01");
        let got = p.decide_for(Some("requests"), Some("1.5"), &[]);
        assert_eq!(got.verdict, Action::Block);
        assert!(got.reason().starts_with("denied by decision in pyproject.toml:42"), "{}", got.reason());
        assert!(matches!(&got.basis, Basis::DeniedByDecision { decision } if decision.origin.short() == "pyproject.toml:42"), "{:?}", got.basis);
        assert_eq!(p.decide_for(Some("requests"), Some("2.1"), &[]).verdict, Action::Allow);
        // A deny wins over an allow for the same version.
        let both = policy(
            vec![decision(DecisionAction::Allow, None, &[AlertId::ImportNetwork], None), decision(DecisionAction::Deny, None, &[], None)],
            "2026-12-01",
        );
        assert_eq!(both.decide_for(Some("requests"), Some("2.1"), &[f(AlertId::ImportNetwork)]).verdict, Action::Block);
        // An expired deny no longer blocks.
        let expired = policy(vec![decision(DecisionAction::Deny, None, &[], Some("2026-01-01"))], "2026-12-01");
        assert_eq!(expired.decide_for(Some("requests"), Some("2.1"), &[]).verdict, Action::Allow);
    }

    #[test]
    fn allow_decisions_do_not_apply_to_a_file_claiming_another_identity() {
        let p = policy(vec![decision(DecisionAction::Allow, None, &[AlertId::ImportNetwork], None)], "2026-12-01");
        let findings = [f(AlertId::ImportNetwork), f(AlertId::MetadataMismatch)];
        let got = p.decide_for(Some("requests"), Some("2.0"), &findings);
        assert_eq!(got.verdict, Action::Warn);
        assert!(got.reason().contains("does not apply: the file's metadata does not match its name"), "{}", got.reason());
        assert_eq!(p.decide_for(Some("requests"), Some("2.0"), &findings[..1]).verdict, Action::Allow);
    }

    #[test]
    fn without_a_name_decisions_do_not_apply() {
        let p = policy(vec![decision(DecisionAction::Deny, None, &[], None)], "2026-12-01");
        assert_eq!(p.decide_for(None, None, &[]).verdict, Action::Allow);
    }
}
