//! `release-too-new` (medium): the release is younger than the policy's minimum age.
//!
//! **What:** this release's first file was uploaded less than `min_release_age_days`
//! (1 by default) before now.
//!
//! **Why:** most malicious uploads — new projects and releases pushed from hijacked
//! maintainer accounts alike — are reported and removed within hours or days. Waiting
//! out that window avoids most of them at almost no cost.
//!
//! **Example:** `ultralytics 8.3.41` was live for about 12 hours with a miner in it; a
//! one-day minimum age would have skipped it.
//!
//! **Remedy:** use the previous release, or wait; review and document if it is needed now.

use super::time::{SECONDS_PER_DAY, describe_duration, format_datetime, plural};
use super::input::Input;
use crate::alerts::AlertId;
use crate::finding::Finding;

pub(super) fn check(input: &Input) -> Vec<Finding> {
    let (f, days) = (input.facts, input.policy.min_release_age_days);
    let Some(uploaded) = f.upload_time else { return Vec::new() };
    let age = input.now - uploaded;
    if days == 0 || age >= i64::from(days) * SECONDS_PER_DAY {
        return Vec::new();
    }
    let when = if age < -3600 {
        format!("has an upload time in the future ({})", format_datetime(uploaded))
    } else {
        format!("was uploaded {} ago ({})", describe_duration(age), format_datetime(uploaded))
    };
    vec![
        Finding::new(
            AlertId::ReleaseTooNew,
            "",
            format!("{} {} {when}; policy requires releases to be at least {} old", f.name, f.version, plural(i64::from(days), "day")),
        )
        .with_evidence(&format!("upload time {}", format_datetime(uploaded))),
    ]
}

#[cfg(test)]
mod tests {
    use super::super::tests::{healthy, now, run};
    use super::super::thresholds::MetadataPolicy;
    use super::*;

    #[test]
    fn fires_on_a_release_hours_old_and_not_on_one_days_old() {
        let mut f = healthy();
        f.upload_time = Some(now() - 5 * 3600);
        let found = run(check, &f, &MetadataPolicy::default());
        assert_eq!(found.len(), 1);
        assert_eq!(
            found[0].message,
            "requests 2.32.5 was uploaded 5 hours ago (2026-11-25 07:00 UTC); policy requires releases to be at least 1 day old"
        );
        f.upload_time = Some(now() - 2 * SECONDS_PER_DAY);
        assert!(run(check, &f, &MetadataPolicy::default()).is_empty());
        assert!(run(check, &healthy(), &MetadataPolicy::default()).is_empty());
    }

    #[test]
    fn threshold_is_policy_and_zero_turns_it_off() {
        let mut f = healthy();
        f.upload_time = Some(now() - 3 * SECONDS_PER_DAY);
        let week = MetadataPolicy { min_release_age_days: 7, ..MetadataPolicy::default() };
        assert!(run(check, &f, &week)[0].message.ends_with("at least 7 days old"));
        f.upload_time = Some(now() - 60);
        assert!(run(check, &f, &MetadataPolicy { min_release_age_days: 0, ..MetadataPolicy::default() }).is_empty());
        f.upload_time = Some(now() + 3 * SECONDS_PER_DAY);
        assert!(run(check, &f, &MetadataPolicy::default())[0].message.contains("in the future"));
        f.upload_time = None;
        assert!(run(check, &f, &MetadataPolicy::default()).is_empty());
    }
}
