//! The way forward after a block, worded the same in every front (install summary, the
//! proxy's 403, the service log, Poetry): why (`safe-pip explain ID`), an older release
//! that is not blocked when one is known, and the exact `safe-pip allow` line that
//! documents an exception — worded in proportion to what was found: malware-shaped code
//! gets a warning before the allow line, a known-malware advisory or a deny decision gets
//! none, a file that could not be checked gets "retry" instead.

use crate::alerts::{AlertId, Category, Severity};
use crate::pipeline::PackageReport;
use crate::policy::Basis;

/// What to tell the person whose install was blocked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Remedy {
    /// The alert that decided, for `safe-pip explain`.
    pub explain: Option<&'static str>,
    /// `NAME==VERSION` of an older release whose files are not blocked.
    pub older: Option<String>,
    /// How careful to be before running [`Remedy::allow`].
    pub caution: Option<&'static str>,
    /// `NAME==VERSION` and the blocking alerts an exception would name, when one can be
    /// right: the user's `safe-pip allow` line ([`Remedy::allow`]) or, at the gateway,
    /// what to ask its administrators for.
    pub exception: Option<(String, Vec<&'static str>)>,
}

/// The alerts that make `report` block: critical findings, and the alert the decision
/// names when the policy raised a lesser one to block. Sorted, unique.
pub(crate) fn blocking_alerts(report: &PackageReport) -> Vec<&'static str> {
    let mut ids: Vec<&'static str> = report
        .findings
        .iter()
        .filter(|f| f.severity() == Severity::Critical || report.decision.basis.deciding_alert() == Some(f.alert))
        .map(|f| f.alert.id())
        .collect();
    ids.sort_unstable();
    ids.dedup();
    ids
}

/// Single-quotes `s` for a POSIX shell when it needs it (`name>=1,<2`).
fn shell_word(s: &str) -> String {
    if s.chars().all(|c| c.is_ascii_alphanumeric() || "-_.=+".contains(c)) {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

/// `safe-pip allow NAME==VERSION --alert A --alert B --reason "…"`.
pub(crate) fn allow_command(name: &str, version: Option<&str>, alerts: &[&str]) -> String {
    allow_line(&spec(name, version), alerts)
}

/// `NAME==VERSION`, or `NAME` when the version is unknown.
fn spec(name: &str, version: Option<&str>) -> String {
    match version {
        Some(v) => format!("{name}=={v}"),
        None => name.to_string(),
    }
}

fn allow_line(spec: &str, alerts: &[&str]) -> String {
    let flags: String = alerts.iter().map(|a| format!(" --alert {a}")).collect();
    format!("safe-pip allow {}{flags} --reason \"…\"", shell_word(spec))
}

impl Remedy {
    /// The remedy for a blocked `report`; `older` is an older release known not to be
    /// blocked (the caller looked it up).
    pub(crate) fn for_block(report: &PackageReport, older: Option<String>) -> Remedy {
        let alerts = blocking_alerts(report);
        let deciding = report
            .findings
            .iter()
            .find(|f| report.decision.basis.deciding_alert() == Some(f.alert))
            .or_else(|| report.findings.iter().max_by_key(|f| f.severity()))
            .map(|f| f.alert);
        let denied = matches!(report.decision.basis, Basis::DeniedByDecision { .. });
        let known_malware = alerts.contains(&AlertId::KnownMalware.id());
        let unchecked = report.error.is_some() && report.findings.iter().all(|f| f.alert.info().category == Category::Archive);
        let malware_shaped = report.findings.iter().any(|f| f.alert.info().category == Category::Malware && f.severity() == Severity::Critical);
        let (caution, exception) = match (&report.name, denied || known_malware || unchecked || alerts.is_empty()) {
            (Some(name), false) => {
                let caution = if malware_shaped {
                    "this code is shaped like malware: allow it only after reading the flagged lines yourself and finding them harmless"
                } else {
                    "after reviewing the flagged code; the decision is written to pyproject.toml for review"
                };
                (Some(caution), Some((spec(name, report.version.as_deref()), alerts)))
            }
            _ => (None, None),
        };
        Remedy { explain: deciding.map(AlertId::id), older, caution, exception }
    }

    /// The exact command that documents the exception, when one can be right.
    pub(crate) fn allow(&self) -> Option<String> {
        self.exception.as_ref().map(|(spec, alerts)| allow_line(spec, alerts))
    }

    /// The remedy as labelled lines of a terminal report: (`why`, text), (`instead`, …),
    /// (`exception`, …).
    pub(crate) fn lines(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        if let Some(id) = self.explain {
            out.push(("why", format!("`safe-pip explain {id}`")));
        }
        if let Some(older) = &self.older {
            out.push(("instead", format!("{older} is not blocked (`safe-pip install '{older}'`)")));
        }
        if let (Some(allow), Some(caution)) = (self.allow(), self.caution) {
            out.push(("exception", format!("`{allow}` ({caution})")));
        }
        out
    }

    /// The remedy as it follows the alert in an HTTP reason phrase (which already names
    /// `safe-pip explain`): `; not blocked: NAME==VER; exception after review: safe-pip allow …`.
    pub(crate) fn reason_tail(&self) -> String {
        let mut tail = String::new();
        if let Some(older) = &self.older {
            tail.push_str(&format!("; not blocked: {older}"));
        }
        if let Some(allow) = self.allow() {
            tail.push_str(&format!("; exception after review: {allow}"));
        }
        tail
    }

    /// [`Remedy::reason_tail`] as the organisation gateway says it: the gateway decides
    /// by the organisation's policy, so a `safe-pip allow` in the user's project would
    /// change nothing there; an exception is recorded by the gateway's administrators.
    pub(crate) fn gateway_reason_tail(&self) -> String {
        let mut tail = String::new();
        if let Some(older) = &self.older {
            tail.push_str(&format!("; not blocked: {older}"));
        }
        if let Some((spec, alerts)) = &self.exception {
            tail.push_str(&format!("; exception after review: ask the gateway's administrators to record an allow decision for {spec} (alerts: {})", alerts.join(", ")));
        }
        tail
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alerts::exception_advice;
    use crate::finding::Finding;
    use crate::policy::{Action, Cited, Day, Decision, Origin, Policy};

    /// A blocked report of `findings`, decided by the default policy.
    fn report(findings: Vec<Finding>) -> PackageReport {
        let mut r = PackageReport::unverified("evil-1.0.tar.gz", "x");
        r.error = None;
        r.name = Some("evil".into());
        r.version = Some("1.0".into());
        r.decision = Decision::new(Action::Block, Policy::default().decide(&findings).basis);
        r.findings = findings;
        r
    }

    #[test]
    fn a_blocked_package_gets_explain_the_older_release_and_the_exact_allow_line() {
        let r = report(
            vec![
                Finding::new(AlertId::InstallNetwork, "setup.py", "urlopen"),
                Finding::new(AlertId::NetworkAccess, "evil/net.py", "socket"),
            ],
        );
        let remedy = Remedy::for_block(&r, Some("evil==0.9".into()));
        assert_eq!(remedy.explain, Some("install-network"));
        assert_eq!(remedy.allow().as_deref(), Some("safe-pip allow evil==1.0 --alert install-network --reason \"…\""));
        let lines: Vec<String> = remedy.lines().into_iter().map(|(label, text)| format!("{label}: {text}")).collect();
        assert_eq!(lines[0], "why: `safe-pip explain install-network`");
        assert_eq!(lines[1], "instead: evil==0.9 is not blocked (`safe-pip install 'evil==0.9'`)");
        assert!(lines[2].starts_with("exception: `safe-pip allow evil==1.0 --alert install-network"), "{}", lines[2]);
    }

    #[test]
    fn malware_shaped_code_is_worded_with_caution_and_known_malware_gets_no_allow_line() {
        let r = report(vec![Finding::new(AlertId::DecodeExec, "evil/__init__.py", "exec(b64decode(...))")]);
        let remedy = Remedy::for_block(&r, None);
        assert!(remedy.caution.is_some_and(|c| c.contains("shaped like malware")));
        let r = report(vec![Finding::new(AlertId::KnownMalware, "", "advisory MAL-1")]);
        let remedy = Remedy::for_block(&r, None);
        assert_eq!(remedy.allow(), None);
        assert_eq!(remedy.explain, Some("known-malware"));
        let mut r = report(vec![Finding::new(AlertId::NetworkAccess, "a.py", "")]);
        let decision = Cited { origin: Origin::Default, by: "Alice".into(), date: Day(0), reason: "no".into() };
        r.decision.basis = Basis::DeniedByDecision { decision };
        assert_eq!(Remedy::for_block(&r, None).allow(), None, "a deny decision is not undone by an allow line");
    }

    #[test]
    fn explain_advice_is_in_proportion_to_the_alert() {
        assert!(exception_advice(AlertId::KnownMalware).starts_with("No exception"));
        assert!(exception_advice(AlertId::ArchivePathTraversal).starts_with("No exception"));
        assert!(exception_advice(AlertId::DecodeExec).contains("almost never right"));
        assert!(exception_advice(AlertId::InstallNetwork).contains("safe-pip allow NAME==VERSION --alert install-network"));
        assert!(exception_advice(AlertId::NetworkAccess).contains("safe-pip allow NAME --alert network-access"));
        assert_eq!(exception_advice(AlertId::LicenseMissing).contains("safe-pip allow"), AlertId::LicenseMissing.severity() != Severity::Low);
    }

    #[test]
    fn a_lesser_alert_raised_to_block_by_policy_is_the_one_to_allow() {
        let findings = vec![Finding::new(AlertId::NetworkAccess, "a.py", "")];
        let mut policy = Policy::default();
        policy.alerts.insert(AlertId::NetworkAccess, Action::Block);
        let mut r = report(findings.clone());
        r.decision = policy.decide(&findings);
        assert_eq!(Remedy::for_block(&r, None).allow().as_deref(), Some("safe-pip allow evil==1.0 --alert network-access --reason \"…\""));
        assert_eq!(allow_command("a", Some("1.0+local"), &["x"]), "safe-pip allow a==1.0+local --alert x --reason \"…\"");
        assert_eq!(allow_command("a", None, &["x"]), "safe-pip allow a --alert x --reason \"…\"");
    }

    #[test]
    fn the_gateway_sends_exceptions_to_its_administrators_not_to_a_local_allow() {
        let r = report(vec![Finding::new(AlertId::InstallNetwork, "setup.py", "posts the host name")]);
        let remedy = Remedy::for_block(&r, Some("evil==0.9".into()));
        let tail = remedy.gateway_reason_tail();
        assert!(!tail.contains("safe-pip allow"), "{tail}");
        assert!(tail.contains("not blocked: evil==0.9"), "{tail}");
        assert!(tail.contains("gateway's administrators to record an allow decision for evil==1.0 (alerts: install-network)"), "{tail}");
        // nothing to ask for when no exception can be right
        let malware = report(vec![Finding::new(AlertId::KnownMalware, "", "advisory MAL-1")]);
        assert_eq!(Remedy::for_block(&malware, None).gateway_reason_tail(), "");
    }
}
