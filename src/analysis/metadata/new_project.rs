//! `new-project` (low): the project's first release is less than a year old.
//!
//! **What:** the earliest upload of any release is less than `new_project_days` (365 by
//! default) before now, but not so recent that
//! [`very-new-project`](super::very_new_project) applies.
//!
//! **Why low:** the organisation standard lists "new package" among the informational
//! alerts: a young project has little track record, which is worth knowing but is not
//! a risk by itself.
//!
//! **Example:** a project first released 4 months ago.
//!
//! **Remedy:** informational; check who publishes it before relying on it.

use super::time::{SECONDS_PER_DAY, describe_duration, format_date, plural};
use super::input::Input;
use crate::alerts::AlertId;
use crate::finding::Finding;

pub(super) fn check(input: &Input) -> Vec<Finding> {
    let (f, p) = (input.facts, input.policy);
    let Some((first_version, first)) = f.first_release() else { return Vec::new() };
    let age = input.now - first;
    let very_new = p.very_new_project_days > 0 && age < i64::from(p.very_new_project_days) * SECONDS_PER_DAY;
    if p.new_project_days == 0 || very_new || age >= i64::from(p.new_project_days) * SECONDS_PER_DAY {
        return Vec::new();
    }
    vec![
        Finding::new(
            AlertId::NewProject,
            "",
            format!(
                "{}: first release ({first_version}) was {} ago ({}); policy flags projects younger than {}",
                f.name,
                describe_duration(age),
                format_date(first),
                plural(i64::from(p.new_project_days), "day")
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
    fn fires_on_a_months_old_project_only() {
        let found = run(check, &project_born(120), &MetadataPolicy::default());
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].message, "younglib: first release (0.1.0) was 3 months ago (2026-07-28); policy flags projects younger than 365 days");
        assert!(run(check, &project_born(400), &MetadataPolicy::default()).is_empty());
        assert!(run(check, &healthy(), &MetadataPolicy::default()).is_empty());
    }

    #[test]
    fn gives_way_to_very_new_project() {
        assert!(run(check, &project_born(10), &MetadataPolicy::default()).is_empty());
        let no_very_new = MetadataPolicy { very_new_project_days: 0, ..MetadataPolicy::default() };
        assert_eq!(run(check, &project_born(10), &no_very_new).len(), 1);
    }
}
