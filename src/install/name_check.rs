//! The name check that runs before anything is downloaded: a requested project whose
//! name imitates a popular one (typosquat) is refused with the name that was probably
//! meant, when policy blocks the alert (critical by default).

use super::outcome::{Refusal, RefusalKind};
use super::requested::NamedRequirement;
use crate::analysis::names::check_typosquat;
use crate::policy::{Action, Policy};

/// Refusals for the requested names that policy blocks; warnings for the others.
pub(crate) fn check_names(names: &[NamedRequirement], policy: &Policy) -> (Vec<Refusal>, Vec<String>) {
    let mut refused = Vec::new();
    let mut warnings = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for req in names {
        if !seen.insert(crate::pep503::normalize_name(&req.name)) {
            continue;
        }
        let Some(squat) = check_typosquat(&req.name) else { continue };
        let finding = crate::vet::typosquat_finding(&squat);
        // A documented decision for this name (pyproject.toml) lets it through.
        let decision = policy.decide_for(Some(&req.name), None, std::slice::from_ref(&finding));
        match decision.verdict {
            Action::Block => refused.push(Refusal {
                kind: RefusalKind::Name,
                subject: req.name.clone(),
                origin: req.origin.clone(),
                reason: format!("{} — did you mean `{}`?", finding.message, squat.target),
                hint: format!(
                    "install `{}` if that is what you meant; if `{}` is really wanted, vet it first: safe-pip vet {}",
                    squat.target, req.name, req.name
                ),
            }),
            Action::Warn => warnings.push(format!("{} ({}): {} — did you mean `{}`?", req.name, req.origin, finding.message, squat.target)),
            Action::Allow => {}
        }
    }
    (refused, warnings)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typosquats_are_refused_with_the_probable_target() {
        let names = vec![
            NamedRequirement { name: "reqests".into(), origin: "command line".into() },
            NamedRequirement { name: "requests".into(), origin: "command line".into() },
        ];
        let (refused, warnings) = check_names(&names, &Policy::default());
        assert_eq!(refused.len(), 1);
        assert!(refused[0].reason.contains("did you mean `requests`"), "{}", refused[0].reason);
        assert!(warnings.is_empty());
        let mut lenient = Policy::default();
        lenient.alerts.insert(crate::alerts::AlertId::Typosquat, Action::Warn);
        let (refused, warnings) = check_names(&names, &lenient);
        assert!(refused.is_empty());
        assert_eq!(warnings.len(), 1);
    }
}
