//! `license-not-allowed` (medium): the licence breaks the licence policy.
//!
//! **What:** the declared licence, read as an SPDX expression (see
//! [`license`](super::license) for how classifiers and free text are mapped), is denied
//! by `licenses_denied` or, when `licenses_allowed` is set, is not on it. `A OR B` is
//! acceptable when either branch is; `A AND B` only when both are. A denied `-only`
//! id also denies its `-or-later` form; an allowed `-only` id also allows `-or-later`
//! (the licensee may choose that version). With an allow list, a licence that cannot
//! be mapped to SPDX cannot be shown to be allowed and fires too.
//!
//! **Why:** the organisation standard lists licence issues under "review and document".
//!
//! **Example:** policy denies `AGPL-3.0-only`; the release says `MIT AND AGPL-3.0-or-later`.
//!
//! **Remedy:** choose another package, or get the licence approved and record it.

use super::license::{Declared, PolicyCheck, Problem, declared};
use super::input::{Input, clip};
use crate::alerts::AlertId;
use crate::finding::Finding;

pub(super) fn check(input: &Input) -> Vec<Finding> {
    let (f, p) = (input.facts, input.policy);
    if p.licenses_allowed.is_empty() && p.licenses_denied.is_empty() {
        return Vec::new();
    }
    let policy = PolicyCheck::new(&p.licenses_allowed, &p.licenses_denied);
    let allow_list = policy.allowed_raw.join(", ");
    let who = format!("{} {}", f.name, f.version);
    let (message, evidence) = match declared(f.license_expression.as_deref(), f.license.as_deref(), &f.classifiers) {
        Declared::Missing => return Vec::new(),
        Declared::Unmapped { raw, source } => {
            if !policy.has_allow_list() {
                return Vec::new();
            }
            (
                format!(
                    "{who}: licence \"{}\" ({}) is not an SPDX licence, so it cannot be shown to be on the allow list ({allow_list})",
                    clip(&raw, 120),
                    source.as_str()
                ),
                raw,
            )
        }
        Declared::Spdx { expr, source, raw, note } => {
            let problems = policy.problems(&expr);
            if problems.is_empty() {
                return Vec::new();
            }
            let mut reasons: Vec<String> = Vec::new();
            for problem in problems {
                let reason = match problem {
                    Problem::Denied(id) => format!("{id} is denied by policy"),
                    Problem::NotAllowed(id) => format!("{id} is not on the allow list ({allow_list})"),
                };
                if !reasons.contains(&reason) {
                    reasons.push(reason);
                }
            }
            let mut message = format!("{who}: licence `{expr}` ({}) is not allowed: {}", source.as_str(), reasons.join("; "));
            if let Some(note) = note {
                message.push_str(&format!(" (note: {note})"));
            }
            (message, raw)
        }
    };
    vec![Finding::new(AlertId::LicenseNotAllowed, "", message).with_evidence(&evidence)]
}

#[cfg(test)]
mod tests {
    use super::super::tests::{healthy, run};
    use super::super::thresholds::MetadataPolicy;
    use super::*;

    fn policy(allowed: &[&str], denied: &[&str]) -> MetadataPolicy {
        MetadataPolicy {
            licenses_allowed: allowed.iter().map(|s| s.to_string()).collect(),
            licenses_denied: denied.iter().map(|s| s.to_string()).collect(),
            ..MetadataPolicy::default()
        }
    }

    fn with_expression(expr: &str) -> super::super::facts::RegistryFacts {
        let mut f = healthy();
        f.name = "copyleftlib".into();
        f.version = "1.0".into();
        f.license_expression = Some(expr.to_string());
        f
    }

    #[test]
    fn fires_on_a_denied_part_of_an_and() {
        let found = run(check, &with_expression("MIT AND AGPL-3.0-or-later"), &policy(&[], &["AGPL-3.0-only"]));
        assert_eq!(found[0].message, "copyleftlib 1.0: licence `MIT AND AGPL-3.0-or-later` (License-Expression) is not allowed: AGPL-3.0-or-later is denied by policy");
        assert!(run(check, &with_expression("MIT OR AGPL-3.0-or-later"), &policy(&[], &["AGPL-3.0-only"])).is_empty());
    }

    #[test]
    fn fires_outside_the_allow_list_with_the_classifier_note() {
        let mut f = healthy();
        f.license = None;
        f.classifiers.retain(|c| !c.starts_with("License ::"));
        f.classifiers.push("License :: OSI Approved :: BSD License".into());
        let found = run(check, &f, &policy(&["MIT", "Apache-2.0"], &[]));
        assert!(found[0].message.starts_with("requests 2.32.5: licence `BSD-3-Clause` (licence classifiers) is not allowed: BSD-3-Clause is not on the allow list (MIT, Apache-2.0) (note:"), "{}", found[0].message);
        f.license = Some("Proprietary, all rights reserved".into());
        f.classifiers.retain(|c| !c.starts_with("License ::"));
        assert!(run(check, &f, &policy(&["MIT"], &[]))[0].message.contains("cannot be shown to be on the allow list (MIT)"));
        assert!(run(check, &f, &policy(&[], &["AGPL-3.0-only"])).is_empty(), "deny list only: unknown is license-unknown's job");
    }

    #[test]
    fn healthy_passes_common_policies() {
        let f = healthy();
        assert!(run(check, &f, &MetadataPolicy::default()).is_empty());
        assert!(run(check, &f, &policy(&["MIT", "Apache-2.0", "BSD-3-Clause"], &["AGPL-3.0-only", "GPL-3.0-only"])).is_empty());
    }
}
