//! The exception advice of `safe-pip explain`: how to go on when an alert fires.

use super::catalogue::AlertId;
use super::entry::{Category, Severity};

/// How to go on when `id` fires, in proportion to what it means: no exception for known
/// malware or an unreadable file, a warning for malware-shaped code, the `allow` line for
/// the rest, nothing to do for information.
pub fn exception_advice(id: AlertId) -> String {
    let info = id.info();
    let allow = |spec: &str| format!("`safe-pip allow {spec} --alert {} --reason \"…\"`", info.id);
    match (info.category, info.severity) {
        _ if id == AlertId::KnownMalware => {
            "No exception: an advisory names this release as malware. Pick another package or version, and if it was ever installed, treat the machine as compromised.".into()
        }
        _ if id == AlertId::AnalysisLimitExceeded => {
            "No exception: the code could not be analysed, so nothing vouches for it. Use another release.".into()
        }
        (Category::Archive, _) => "No exception: the file could not be checked as a whole. Re-download it, or use another release.".into(),
        (Category::Malware, Severity::Critical) => format!(
            "Exceptions are almost never right: allow it only after reading the flagged lines yourself and finding them harmless (a false alarm, which please report): {} records who decided, why and until when in pyproject.toml.",
            allow("NAME==VERSION")
        ),
        (_, Severity::Critical) => format!(
            "Blocked by default. After reviewing the flagged code, an exception for this one version is documented with {}.",
            allow("NAME==VERSION")
        ),
        (_, Severity::High) => format!("Warned by default. Investigate; once accepted, document it with {} so reviewers see the decision.", allow("NAME==VERSION")),
        (_, Severity::Medium) => format!("Allowed with a note. Review it and, if the behaviour fits the package, document it with {}.", allow("NAME")),
        (_, Severity::Low) => "Information only: nothing to do.".into(),
    }
}
