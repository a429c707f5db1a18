//! `license-unknown` (low): the licence cannot be read as SPDX.
//!
//! **What:** the declared licence does not map to SPDX: an unparseable
//! `License-Expression`, free text ("See LICENSE", "Dual License"), a custom
//! `LicenseRef-…`, an id outside safe-pip's SPDX list, or a classifier with no SPDX
//! equivalent ("Other/Proprietary License", "Public Domain").
//!
//! **Why low:** it is not a risk in itself, but licence policy could not be checked;
//! someone should read the licence once.
//!
//! **Example:** `License: Copyright ACME Corp. All rights reserved.`
//!
//! **Remedy:** read the licence text and document which licence applies.

use super::license::{Declared, declared};
use super::input::{Input, clip};
use crate::alerts::AlertId;
use crate::finding::Finding;

pub(super) fn check(input: &Input) -> Vec<Finding> {
    let f = input.facts;
    let message = match declared(f.license_expression.as_deref(), f.license.as_deref(), &f.classifiers) {
        Declared::Missing => return Vec::new(),
        Declared::Unmapped { raw, source } => {
            format!(
                "{} {}: licence \"{}\" ({}) could not be mapped to an SPDX identifier, so licence policy could not be checked",
                f.name,
                f.version,
                clip(&raw, 120),
                source.as_str()
            )
        }
        Declared::Spdx { expr, source, .. } => {
            let unknown: Vec<String> = expr.leaves().iter().filter(|l| !l.known).map(|l| l.id.clone()).collect();
            if unknown.is_empty() {
                return Vec::new();
            }
            format!(
                "{} {}: licence `{expr}` ({}) names {} not on the SPDX licence list, so licence policy could not be fully checked",
                f.name,
                f.version,
                source.as_str(),
                unknown.iter().map(|u| format!("`{u}`")).collect::<Vec<_>>().join(", ")
            )
        }
    };
    let evidence = f.license_expression.clone().or_else(|| f.license.clone()).unwrap_or_else(|| {
        f.classifiers.iter().filter(|c| c.starts_with("License ::")).cloned().collect::<Vec<_>>().join("; ")
    });
    vec![Finding::new(AlertId::LicenseUnknown, "", message).with_evidence(&evidence)]
}

#[cfg(test)]
mod tests {
    use super::super::tests::{healthy, run};
    use super::super::thresholds::MetadataPolicy;
    use super::*;

    fn with_licence(expression: Option<&str>, field: Option<&str>, classifiers: &[&str]) -> super::super::facts::RegistryFacts {
        let mut f = healthy();
        f.license_expression = expression.map(str::to_string);
        f.license = field.map(str::to_string);
        f.classifiers.retain(|c| !c.starts_with("License ::"));
        f.classifiers.extend(classifiers.iter().map(|c| c.to_string()));
        f
    }

    #[test]
    fn fires_on_unmappable_licences() {
        let p = MetadataPolicy::default();
        let found = run(check, &with_licence(None, Some("Copyright ACME Corp. All rights reserved."), &[]), &p);
        assert_eq!(
            found[0].message,
            "requests 2.32.5: licence \"Copyright ACME Corp. All rights reserved.\" (License field) could not be mapped to an SPDX identifier, so licence policy could not be checked"
        );
        let found = run(check, &with_licence(Some("MIT AND LicenseRef-ACME-EULA"), None, &[]), &p);
        assert!(found[0].message.contains("`LicenseRef-ACME-EULA`"), "{}", found[0].message);
        assert_eq!(run(check, &with_licence(Some("Apache 2"), None, &[]), &p).len(), 1);
        assert_eq!(run(check, &with_licence(None, None, &["License :: Other/Proprietary License"]), &p).len(), 1);
    }

    #[test]
    fn quiet_on_mappable_licences() {
        let p = MetadataPolicy::default();
        assert!(run(check, &healthy(), &p).is_empty());
        assert!(run(check, &with_licence(None, Some("MIT License"), &[]), &p).is_empty());
        assert!(run(check, &with_licence(Some("MIT OR Apache-2.0"), None, &[]), &p).is_empty());
        assert!(run(check, &with_licence(None, Some("See LICENSE"), &["License :: OSI Approved :: BSD License"]), &p).is_empty());
        assert!(run(check, &with_licence(None, None, &[]), &p).is_empty(), "missing is license-missing's job");
    }
}
