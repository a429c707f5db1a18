//! `very-new-project` (medium): the project's first release is only weeks old.
//!
//! **What:** the earliest upload of any release is less than `very_new_project_days`
//! (30 by default) before now.
//!
//! **Why medium, when "new package" is low in the alert tiers:** the organisation
//! standard lists "new package" as an informational (low) alert but "new packages
//! (< 1 year old)" under medium *risk*. Both hold: a project under a year old is
//! informational ([`new-project`](super::new_project)), but one only weeks old sits in
//! the window where almost all malicious projects live before the index removes them,
//! and has no track record anyone could check — that deserves "review and document".
//! The two alerts never fire together.
//!
//! **Example:** a project whose only release, 0.0.1, was uploaded 12 days ago.
//!
//! **Remedy:** confirm the publisher (repository, maintainers, a link from a source you
//! trust) and review the code; document the decision.

use super::time::{SECONDS_PER_DAY, describe_duration, format_date, plural};
use super::input::Input;
use crate::alerts::AlertId;
use crate::finding::Finding;

pub(super) fn check(input: &Input) -> Vec<Finding> {
    let (f, days) = (input.facts, input.policy.very_new_project_days);
    let Some((first_version, first)) = f.first_release() else { return Vec::new() };
    let age = input.now - first;
    if days == 0 || age >= i64::from(days) * SECONDS_PER_DAY {
        return Vec::new();
    }
    vec![
        Finding::new(
            AlertId::VeryNewProject,
            "",
            format!(
                "{}: first release ({first_version}) was {} ago ({}); policy flags projects younger than {}",
                f.name,
                describe_duration(age),
                format_date(first),
                plural(i64::from(days), "day")
            ),
        )
        .with_evidence(&format!("first upload {}", format_date(first))),
    ]
}

#[cfg(test)]
mod tests {
    use super::super::tests::{healthy, project_born, run};
    use super::super::thresholds::MetadataPolicy;
    use super::*;

    #[test]
    fn fires_on_a_project_weeks_old_and_not_on_an_older_one() {
        let f = project_born(12);
        let found = run(check, &f, &MetadataPolicy::default());
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].message, "younglib: first release (0.1.0) was 12 days ago (2026-11-13); policy flags projects younger than 30 days");
        assert!(run(check, &project_born(31), &MetadataPolicy::default()).is_empty());
        assert!(run(check, &healthy(), &MetadataPolicy::default()).is_empty());
    }

    #[test]
    fn unknown_history_never_fires() {
        let mut f = project_born(2);
        f.releases.clear();
        assert!(run(check, &f, &MetadataPolicy::default()).is_empty());
    }
}
