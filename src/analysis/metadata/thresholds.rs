//! The metadata rules' thresholds, as the policy file sets them.

use serde::{Deserialize, Serialize};

/// Thresholds of the metadata rules. A threshold of 0 turns its rule off.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MetadataPolicy {
    /// Releases younger than this are flagged (`release-too-new`). Most malicious
    /// uploads are found within hours, so a day already avoids most of them.
    pub min_release_age_days: u32,
    /// Projects whose first release is younger than this are new (`new-project`).
    pub new_project_days: u32,
    /// ... and younger than this, very new (`very-new-project`).
    pub very_new_project_days: u32,
    /// No release for this many days is `unmaintained` (0: never).
    pub unmaintained_days: u32,
    /// Projects ranked below this in the bundled list (or absent) have a small user base.
    pub small_user_base_rank: u32,
    /// SPDX ids (or `id WITH exception`) allowed; empty allows any licence.
    pub licenses_allowed: Vec<String>,
    /// SPDX ids denied; an `-only` id also denies its `-or-later` form and back.
    pub licenses_denied: Vec<String>,
}

impl Default for MetadataPolicy {
    fn default() -> Self {
        MetadataPolicy {
            min_release_age_days: 1,
            new_project_days: 365,
            very_new_project_days: 30,
            unmaintained_days: 730,
            small_user_base_rank: 15_000,
            licenses_allowed: Vec::new(),
            licenses_denied: Vec::new(),
        }
    }
}
