//! `license-missing` (medium): the release declares no licence.
//!
//! **What:** no `License-Expression`, no `License ::` classifier, and the `License`
//! field is empty or filler (`UNKNOWN`, `None`).
//!
//! **Why:** without a licence nobody may use or redistribute the code; the organisation
//! standard lists licence issues under "review and document". Careless or throw-away
//! uploads — malicious ones among them — often leave it empty.
//!
//! **Example:** `License: UNKNOWN` and no classifiers.
//!
//! **Remedy:** find the licence in the project's repository or ask the maintainers;
//! document what you rely on.

use super::license::{Declared, declared};
use super::input::{Input, clip};
use crate::alerts::AlertId;
use crate::finding::Finding;

pub(super) fn check(input: &Input) -> Vec<Finding> {
    let f = input.facts;
    if declared(f.license_expression.as_deref(), f.license.as_deref(), &f.classifiers) != Declared::Missing {
        return Vec::new();
    }
    let field = match f.license.as_deref().map(str::trim) {
        Some(s) if !s.is_empty() => format!("License field \"{}\"", clip(s, 80)),
        _ => "no License field".to_string(),
    };
    vec![
        Finding::new(
            AlertId::LicenseMissing,
            "",
            format!("{} {} declares no licence: no License-Expression, no licence classifier, {field}; policy requires a declared licence", f.name, f.version),
        )
        .with_evidence(&field),
    ]
}

#[cfg(test)]
mod tests {
    use super::super::tests::{healthy, run};
    use super::super::thresholds::MetadataPolicy;
    use super::*;

    #[test]
    fn fires_when_nothing_is_declared() {
        let mut f = healthy();
        f.license = Some("UNKNOWN".into());
        f.license_expression = None;
        f.classifiers.retain(|c| !c.starts_with("License ::"));
        let found = run(check, &f, &MetadataPolicy::default());
        assert_eq!(
            found[0].message,
            "requests 2.32.5 declares no licence: no License-Expression, no licence classifier, License field \"UNKNOWN\"; policy requires a declared licence"
        );
    }

    #[test]
    fn any_one_source_is_enough() {
        assert!(run(check, &healthy(), &MetadataPolicy::default()).is_empty());
        let mut f = healthy();
        f.license = None;
        assert!(run(check, &f, &MetadataPolicy::default()).is_empty(), "classifier alone");
        f.classifiers.retain(|c| !c.starts_with("License ::"));
        f.license_expression = Some("Apache-2.0".into());
        assert!(run(check, &f, &MetadataPolicy::default()).is_empty(), "expression alone");
        f.license_expression = None;
        f.license = Some("See LICENSE.txt".into());
        assert!(run(check, &f, &MetadataPolicy::default()).is_empty(), "free text is a licence, if an unknown one");
    }
}
