//! Registry metadata: what the index says about a project and the release being
//! judged — age, history, status, licence, documentation, popularity, advisories —
//! turned into findings.
//!
//! Pure: the index client fills [`RegistryFacts`] (from the Simple API, PEP 691/700/792,
//! and the JSON API; [`RegistryFacts::from_json_api`] turns the latter's parsed document
//! into facts), the caller
//! passes "now", and [`analyze`] returns findings. No network, clock, printing or disk.
//!
//! Every rule lives in its own file with its rationale; thresholds come from
//! [`MetadataPolicy`] and every message states the fact and the threshold it crossed.
//! A fact the index did not give (no release history, no upload time) never fires a
//! rule: missing data is the index client's failure to report, not the project's.

mod facts;
mod input;
mod json_api;
mod thresholds;
pub mod license;
pub mod time;
pub mod version;

mod few_releases;
mod inactive_project;
mod known_vulnerability;
mod license_missing;
mod license_not_allowed;
mod license_unknown;
mod limited_documentation;
mod new_project;
mod project_status;
mod release_too_new;
mod small_user_base;
mod unmaintained;
mod very_new_project;
mod yanked_release;

#[cfg(test)]
mod tests;

pub use crate::pypi_json::JsonApiError;
pub use facts::{ProjectStatus, RegistryFacts, ReleaseFact, Timestamp, Vulnerability};
pub use thresholds::MetadataPolicy;

use crate::finding::Finding;
use input::{Input, clip};
use serde::Serialize;

type Rule = fn(&Input) -> Vec<Finding>;

/// Every rule, in catalogue order of severity.
const RULES: &[Rule] = &[
    project_status::check,
    known_vulnerability::check,
    yanked_release::check,
    release_too_new::check,
    very_new_project::check,
    inactive_project::check,
    unmaintained::check,
    license_missing::check,
    license_not_allowed::check,
    license_unknown::check,
    new_project::check,
    few_releases::check,
    limited_documentation::check,
    small_user_base::check,
];

/// Judges the registry facts of one release against policy at time `now_unix`.
/// Findings are package-wide (`file` is "") and come back most severe first.
pub fn analyze(facts: &RegistryFacts, policy: &MetadataPolicy, now_unix: i64) -> Vec<Finding> {
    let input = Input { facts, policy, now: now_unix };
    let mut findings: Vec<Finding> = RULES.iter().flat_map(|rule| rule(&input)).collect();
    // Messages quote registry text: keep them one terminal-safe line.
    for f in &mut findings {
        f.message = clip(&f.message, MESSAGE_MAX_CHARS);
    }
    // Stable: findings of one alert keep the rule's order (advisories as the index lists them).
    findings.sort_by(|a, b| b.severity().cmp(&a.severity()).then_with(|| a.alert.cmp(&b.alert)));
    findings.dedup();
    findings
}

/// One release on the timeline.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ReleasePoint {
    pub version: String,
    pub uploaded: Timestamp,
    /// `YYYY-MM-DD` (UTC) of `uploaded`.
    pub date: String,
    pub yanked: bool,
}

/// The "history" section of the vet report.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct History {
    pub first_release: Option<ReleasePoint>,
    pub latest_release: Option<ReleasePoint>,
    /// Releases the index lists, files or not.
    pub release_count: usize,
    /// Releases first uploaded in the 365 days before `now`.
    pub releases_last_year: usize,
    /// Median gap between consecutive releases, in days; needs two dated releases.
    pub median_days_between_releases: Option<f64>,
    /// Dated releases, oldest first.
    pub versions: Vec<ReleasePoint>,
}

/// The release timeline for reports, relative to `now_unix` (for "last year").
pub fn history(facts: &RegistryFacts, now_unix: i64) -> History {
    let mut versions: Vec<ReleasePoint> = facts
        .releases
        .iter()
        .filter_map(|r| {
            let uploaded = r.first_upload?;
            Some(ReleasePoint { version: r.version.clone(), uploaded, date: time::format_date(uploaded), yanked: r.yanked })
        })
        .collect();
    versions.sort_by(|a, b| {
        a.uploaded.cmp(&b.uploaded).then_with(|| match (version::Version::parse(&a.version), version::Version::parse(&b.version)) {
            (Some(x), Some(y)) => x.cmp(&y),
            _ => a.version.cmp(&b.version),
        })
    });
    let year_ago = now_unix - 365 * time::SECONDS_PER_DAY;
    let releases_last_year = versions.iter().filter(|v| v.uploaded > year_ago && v.uploaded <= now_unix).count();
    let mut gaps: Vec<f64> = versions.windows(2).map(|w| (w[1].uploaded - w[0].uploaded) as f64 / time::SECONDS_PER_DAY as f64).collect();
    gaps.sort_by(f64::total_cmp);
    let median_days_between_releases = match gaps.len() {
        0 => None,
        n if n % 2 == 1 => Some(gaps[n / 2]),
        n => Some((gaps[n / 2 - 1] + gaps[n / 2]) / 2.0),
    };
    History {
        first_release: versions.first().cloned(),
        latest_release: versions.last().cloned(),
        release_count: facts.releases.len(),
        releases_last_year,
        median_days_between_releases,
        versions,
    }
}

/// Longest finding message kept, in characters.
const MESSAGE_MAX_CHARS: usize = 1000;
