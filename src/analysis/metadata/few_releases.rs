//! `few-releases` (low): one release, or only `0.0.x` throw-away releases.
//!
//! **What:** the project has published a single release (counting releases that have
//! files), or every release it has is numbered `0.0.x`/`0.0`/`0`.
//!
//! **Why low:** throw-away malicious projects are nearly always a single `0.0.1` or
//! `1.0.0` upload; so are honest experiments. It says "no track record", nothing more.
//!
//! **Example:** `fastjsonlogger` with only `0.0.1`.
//!
//! **Remedy:** informational; check the project's repository and purpose.

use super::version::Version;
use super::input::Input;
use crate::alerts::AlertId;
use crate::finding::Finding;

pub(super) fn check(input: &Input) -> Vec<Finding> {
    let f = input.facts;
    if f.releases.is_empty() {
        return Vec::new();
    }
    // Releases whose files were all deleted are not releases anyone can install; when
    // the index gave no upload times at all, count what it listed.
    let dated: Vec<&str> = f.releases.iter().filter(|r| r.first_upload.is_some()).map(|r| r.version.as_str()).collect();
    let counted: Vec<&str> = if dated.is_empty() { f.releases.iter().map(|r| r.version.as_str()).collect() } else { dated };
    let message = if counted.len() == 1 {
        format!("{} has a single release ({}); policy flags projects with fewer than 2 releases", f.name, counted[0])
    } else if counted.iter().all(|v| Version::parse(v).is_some_and(|v| v.is_throwaway())) {
        format!("{} has only 0.0.x throw-away releases ({})", f.name, shorten(&counted))
    } else {
        return Vec::new();
    };
    vec![Finding::new(AlertId::FewReleases, "", message).with_evidence(&format!("releases: {}", shorten(&counted)))]
}

fn shorten(versions: &[&str]) -> String {
    if versions.len() <= 6 {
        versions.join(", ")
    } else {
        format!("{}, … {} more", versions[..5].join(", "), versions.len() - 5)
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{healthy, now, run};
    use super::super::thresholds::MetadataPolicy;
    use super::super::facts::{RegistryFacts, ReleaseFact};
    use super::*;

    fn with_releases(versions: &[&str]) -> RegistryFacts {
        let mut f = RegistryFacts::new("fastjsonlogger", versions.last().copied().unwrap_or("0.0.1"));
        f.releases = versions
            .iter()
            .enumerate()
            .map(|(i, v)| ReleaseFact { version: v.to_string(), first_upload: Some(now() - 1_000_000 + i as i64 * 1000), yanked: false })
            .collect();
        f
    }

    #[test]
    fn fires_on_a_single_or_throwaway_history() {
        let found = run(check, &with_releases(&["0.0.1"]), &MetadataPolicy::default());
        assert_eq!(found[0].message, "fastjsonlogger has a single release (0.0.1); policy flags projects with fewer than 2 releases");
        let found = run(check, &with_releases(&["0.0.1", "0.0.2", "0.0.3"]), &MetadataPolicy::default());
        assert_eq!(found[0].message, "fastjsonlogger has only 0.0.x throw-away releases (0.0.1, 0.0.2, 0.0.3)");
        assert_eq!(run(check, &with_releases(&["1.0.0"]), &MetadataPolicy::default()).len(), 1);
    }

    #[test]
    fn quiet_on_real_histories() {
        assert!(run(check, &with_releases(&["0.0.1", "0.1.0"]), &MetadataPolicy::default()).is_empty());
        assert!(run(check, &healthy(), &MetadataPolicy::default()).is_empty());
        // Unknown history (per-version JSON endpoint) says nothing.
        assert!(run(check, &with_releases(&[]), &MetadataPolicy::default()).is_empty());
        // A second release whose files were deleted does not count.
        let mut f = with_releases(&["1.0.0", "1.0.1"]);
        f.releases[1].first_upload = None;
        assert_eq!(run(check, &f, &MetadataPolicy::default()).len(), 1);
    }
}
