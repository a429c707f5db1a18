//! What one layer (a config file or the flags) says: every key optional, every value
//! with its origin. [`super::settings`] merges the layers.

use crate::action::Action;
use super::decisions::DocumentedDecision;
use super::origin::Located;
use crate::alerts::{AlertId, Severity};
use crate::analysis::metadata::MetadataPolicy;
use crate::analysis::names::InternalRule;
use std::collections::BTreeMap;

/// The numeric `[thresholds]` keys and the [`MetadataPolicy`] field each sets.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Threshold {
    MinReleaseAgeDays,
    NewProjectDays,
    VeryNewProjectDays,
    UnmaintainedDays,
}

impl Threshold {
    pub const ALL: [Threshold; 4] = [Threshold::MinReleaseAgeDays, Threshold::NewProjectDays, Threshold::VeryNewProjectDays, Threshold::UnmaintainedDays];

    pub fn key(self) -> &'static str {
        match self {
            Threshold::MinReleaseAgeDays => "min-release-age-days",
            Threshold::NewProjectDays => "new-project-days",
            Threshold::VeryNewProjectDays => "very-new-project-days",
            Threshold::UnmaintainedDays => "unmaintained-days",
        }
    }

    pub fn from_key(key: &str) -> Option<Threshold> {
        Threshold::ALL.into_iter().find(|t| t.key() == key)
    }

    pub fn get(self, m: &MetadataPolicy) -> u32 {
        match self {
            Threshold::MinReleaseAgeDays => m.min_release_age_days,
            Threshold::NewProjectDays => m.new_project_days,
            Threshold::VeryNewProjectDays => m.very_new_project_days,
            Threshold::UnmaintainedDays => m.unmaintained_days,
        }
    }

    pub fn set(self, m: &mut MetadataPolicy, value: u32) {
        match self {
            Threshold::MinReleaseAgeDays => m.min_release_age_days = value,
            Threshold::NewProjectDays => m.new_project_days = value,
            Threshold::VeryNewProjectDays => m.very_new_project_days = value,
            Threshold::UnmaintainedDays => m.unmaintained_days = value,
        }
    }

    /// Whether `value` flags fewer packages than `than`. 0 turns every check off (the
    /// weakest value); otherwise ages "at least N days" are stricter when higher, and
    /// `unmaintained-days` ("no release for N days") is stricter when lower.
    pub fn is_weaker(self, value: u32, than: u32) -> bool {
        match (value, than) {
            (_, 0) => false,
            (0, _) => true,
            _ if self == Threshold::UnmaintainedDays => value > than,
            _ => value < than,
        }
    }

    pub fn describe(self) -> &'static str {
        match self {
            Threshold::MinReleaseAgeDays => "releases younger than this are flagged (release-too-new)",
            Threshold::NewProjectDays => "projects whose first release is younger are new (new-project)",
            Threshold::VeryNewProjectDays => "... and younger than this, very new (very-new-project)",
            Threshold::UnmaintainedDays => "no release for this long is unmaintained (unmaintained)",
        }
    }
}

/// One layer's settings, as written.
#[derive(Clone, Debug, Default)]
pub(crate) struct LayerSettings {
    pub severity: BTreeMap<Severity, Located<Action>>,
    pub alerts: BTreeMap<AlertId, Located<Action>>,
    pub thresholds: BTreeMap<Threshold, Located<u32>>,
    pub licenses_allow: Option<Located<Vec<String>>>,
    pub licenses_deny: Option<Located<Vec<String>>>,
    pub internal: Vec<Located<InternalRule>>,
    pub unverified: Option<Located<Action>>,
    /// Org file only.
    pub lock: Vec<Located<String>>,
    /// Org file only.
    pub allow_critical_decisions: Option<Located<bool>>,
    pub decisions: Vec<DocumentedDecision>,
}

/// The keys a config file (or `[tool.safe-pip]`) may hold at its top level.
pub(crate) const TOP_KEYS: &[&str] = &["severity", "alerts", "thresholds", "licenses", "internal", "unverified", "decision", "lock", "allow-critical-decisions"];

/// Keys only the org file may set.
pub(crate) const ORG_ONLY_KEYS: &[&str] = &["lock", "allow-critical-decisions"];

/// Every key that `lock` accepts: a whole table or one key of it.
pub(crate) fn lockable_keys() -> Vec<String> {
    let mut keys = vec!["severity".to_string()];
    keys.extend(Severity::ALL.iter().map(|s| format!("severity.{s}")));
    keys.push("alerts".into());
    keys.extend(AlertId::ALL.iter().map(|a| format!("alerts.{a}")));
    keys.push("thresholds".into());
    keys.extend(Threshold::ALL.iter().map(|t| format!("thresholds.{}", t.key())));
    keys.extend(["licenses", "licenses.allow", "licenses.deny", "internal", "unverified"].map(String::from));
    keys
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weaker_thresholds_follow_each_direction() {
        use Threshold::*;
        assert!(MinReleaseAgeDays.is_weaker(1, 7));
        assert!(!MinReleaseAgeDays.is_weaker(14, 7));
        assert!(!MinReleaseAgeDays.is_weaker(7, 7));
        assert!(MinReleaseAgeDays.is_weaker(0, 7), "0 turns the check off");
        assert!(!MinReleaseAgeDays.is_weaker(3, 0), "nothing is weaker than off");
        assert!(UnmaintainedDays.is_weaker(1000, 730));
        assert!(!UnmaintainedDays.is_weaker(365, 730));
        assert!(UnmaintainedDays.is_weaker(0, 730));
    }
}
