//! `unmaintained` (medium): no release for a long time.
//!
//! **What:** the most recent upload of any release is older than `unmaintained_days`
//! (730 by default: two 365-day years).
//!
//! **Why:** no releases means no security fixes and no updates for new Python versions;
//! abandoned names are also taken over. The organisation standard lists unmaintained
//! packages under "review and document". Finished, stable libraries trip this too:
//! that is exactly the case to document once.
//!
//! **Example:** latest release 1.4.2, uploaded 3.4 years ago.
//!
//! **Remedy:** check for a maintained fork or successor; otherwise plan a replacement
//! and document the decision.

use super::time::{SECONDS_PER_DAY, describe_duration, format_date, plural};
use super::input::Input;
use crate::alerts::AlertId;
use crate::finding::Finding;

pub(super) fn check(input: &Input) -> Vec<Finding> {
    let (f, days) = (input.facts, input.policy.unmaintained_days);
    let Some((latest_version, latest)) = f.latest_release() else { return Vec::new() };
    let age = input.now - latest;
    if days == 0 || age < i64::from(days) * SECONDS_PER_DAY {
        return Vec::new();
    }
    let limit = if days % 365 == 0 { plural(i64::from(days / 365), "year") } else { plural(i64::from(days), "day") };
    vec![
        Finding::new(
            AlertId::Unmaintained,
            "",
            format!(
                "{}: latest release ({latest_version}) was {} ago ({}); policy flags projects with no release in {}",
                f.name,
                describe_duration(age),
                format_date(latest),
                limit
            ),
        )
        .with_evidence(&format!("latest upload {}", format_date(latest))),
    ]
}

#[cfg(test)]
mod tests {
    use super::super::tests::{healthy, now, run};
    use super::super::thresholds::MetadataPolicy;
    use super::super::facts::ReleaseFact;
    use super::*;

    fn last_release_days_ago(days: i64) -> super::super::facts::RegistryFacts {
        let mut f = healthy();
        f.name = "oldlib".into();
        f.version = "1.4.2".into();
        f.releases = vec![
            ReleaseFact { version: "1.0.0".into(), first_upload: Some(now() - (days + 900) * SECONDS_PER_DAY), yanked: false },
            ReleaseFact { version: "1.4.2".into(), first_upload: Some(now() - days * SECONDS_PER_DAY), yanked: false },
        ];
        f.upload_time = Some(now() - days * SECONDS_PER_DAY);
        f
    }

    #[test]
    fn fires_after_two_years_without_a_release() {
        let found = run(check, &last_release_days_ago(1240), &MetadataPolicy::default());
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].message, "oldlib: latest release (1.4.2) was 3.4 years ago (2023-07-04); policy flags projects with no release in 2 years");
        assert!(run(check, &last_release_days_ago(700), &MetadataPolicy::default()).is_empty());
        assert!(run(check, &healthy(), &MetadataPolicy::default()).is_empty());
    }

    #[test]
    fn an_old_pin_of_an_active_project_is_not_unmaintained() {
        let mut f = healthy();
        f.version = "2.4.0".into();
        f.upload_time = Some(now() - 4000 * SECONDS_PER_DAY);
        assert!(run(check, &f, &MetadataPolicy::default()).is_empty());
        f.releases.clear();
        assert!(run(check, &f, &MetadataPolicy::default()).is_empty(), "unknown history never fires");
    }
}
