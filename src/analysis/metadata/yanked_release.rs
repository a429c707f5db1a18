//! `yanked-release` (high): the maintainers withdrew this release.
//!
//! **What:** the index marks the release as yanked (PEP 592), with or without a reason.
//!
//! **Why high ("investigate"), not medium:** a yank is the maintainers' own statement
//! that this release should not be used. Usually it is broken; but yanking (or deleting)
//! is also the first thing maintainers do when a release was published with stolen
//! credentials or a poisoned build. Installers skip yanked releases unless pinned
//! exactly, so reaching one at all means a pin that deserves a look; the reason, shown
//! in the alert, tells which case it is.
//!
//! **Example:** `requests 2.32.0` was yanked: "Yanked due to conflicts with CVE-2024-35195
//! mitigation".
//!
//! **Remedy:** read the reason and the project's announcements; pick a release that is
//! not yanked, or keep the pin with a documented reason.

use super::input::{Input, clip};
use crate::alerts::AlertId;
use crate::finding::Finding;

pub(super) fn check(input: &Input) -> Vec<Finding> {
    let f = input.facts;
    let in_history = f.releases.iter().any(|r| r.version == f.version && r.yanked);
    let reason = match (&f.yanked, in_history) {
        (Some(r), _) => r.trim(),
        (None, true) => "",
        (None, false) => return Vec::new(),
    };
    let reason = clip(reason, 200);
    let (message, evidence) = if reason.is_empty() {
        (format!("{} {} was yanked by its maintainers (no reason given)", f.name, f.version), "yanked".to_string())
    } else {
        (format!("{} {} was yanked by its maintainers: \"{reason}\"", f.name, f.version), format!("yanked: {reason}"))
    };
    vec![Finding::new(AlertId::YankedRelease, "", message).with_evidence(&evidence)]
}

#[cfg(test)]
mod tests {
    use super::super::tests::{healthy, run};
    use super::super::thresholds::MetadataPolicy;
    use super::*;

    #[test]
    fn fires_on_a_yanked_release_with_its_reason() {
        let mut f = healthy();
        f.version = "2.32.0".into();
        f.yanked = Some("Yanked due to conflicts with CVE-2024-35195 mitigation".into());
        let found = run(check, &f, &MetadataPolicy::default());
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].message, "requests 2.32.0 was yanked by its maintainers: \"Yanked due to conflicts with CVE-2024-35195 mitigation\"");
        f.yanked = Some(String::new());
        assert!(run(check, &f, &MetadataPolicy::default())[0].message.ends_with("(no reason given)"));
    }

    #[test]
    fn history_marks_count_for_this_version_only() {
        // The healthy fixture has yanked 2.32.0 in its history; judging 2.32.5 is fine.
        let mut f = healthy();
        assert!(f.releases.iter().any(|r| r.yanked));
        assert!(run(check, &f, &MetadataPolicy::default()).is_empty());
        f.version = "2.32.0".into();
        assert_eq!(run(check, &f, &MetadataPolicy::default()).len(), 1);
    }
}
