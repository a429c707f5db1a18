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

mod json_api;
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

use crate::analysis::names::{TopPackages, normalize};
use crate::finding::Finding;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Unix seconds (UTC).
pub type Timestamp = i64;

/// Everything the index says that the metadata rules judge. Plain data: the index
/// client fills it, the verdict DB caches it, the rules read it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RegistryFacts {
    /// Project name as the index spells it.
    pub name: String,
    /// The release being judged.
    pub version: String,
    pub summary: Option<String>,
    /// The long description (README), kept whole.
    pub description: Option<String>,
    pub home_page: Option<String>,
    /// Project-URL entries, label → URL.
    pub project_urls: BTreeMap<String, String>,
    /// The free-text `License` field (may be a whole licence text).
    pub license: Option<String>,
    /// PEP 639 `License-Expression`.
    pub license_expression: Option<String>,
    pub classifiers: Vec<String>,
    pub requires_dist: Vec<String>,
    /// `Some(reason)` when this release is yanked (PEP 592); the reason may be empty.
    pub yanked: Option<String>,
    /// PEP 792 project status; `Active` when the index says nothing.
    pub project_status: ProjectStatus,
    pub project_status_reason: Option<String>,
    /// Every release the index lists for the project. Empty means "not known" (e.g. the
    /// JSON API's per-version endpoint), and rules about history then stay silent.
    pub releases: Vec<ReleaseFact>,
    /// When this release's first file was uploaded.
    pub upload_time: Option<Timestamp>,
    /// Advisories the index lists for this release.
    pub vulnerabilities: Vec<Vulnerability>,
    /// Download rank in safe-pip's bundled top-projects list (1 = most downloaded).
    pub popularity_rank: Option<u32>,
}

/// One release of the project.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReleaseFact {
    pub version: String,
    /// Earliest upload among its files; `None` when the release has no files.
    pub first_upload: Option<Timestamp>,
    /// Every file of the release is yanked.
    pub yanked: bool,
}

/// A published advisory affecting the release (OSV, as PyPI's JSON API lists them).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Vulnerability {
    /// PYSEC-…, GHSA-…
    pub id: String,
    /// CVE-… and the other databases' ids for the same issue.
    pub aliases: Vec<String>,
    pub summary: Option<String>,
    /// Versions that fix it.
    pub fixed_in: Vec<String>,
    pub link: Option<String>,
}

/// PEP 792 project status markers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ProjectStatus {
    #[default]
    Active,
    /// No further updates expected; no new uploads.
    Archived,
    /// Considered unsafe (e.g. malware); files are not served.
    Quarantined,
    /// Obsolete, possibly superseded by another project.
    Deprecated,
}

impl ProjectStatus {
    /// Reads a PEP 792 marker. `None` for a status this version does not know; the
    /// spec's default for "no status" is active, and the caller decides for unknown ones.
    pub fn parse(s: &str) -> Option<ProjectStatus> {
        match s.trim().to_ascii_lowercase().as_str() {
            "active" => Some(ProjectStatus::Active),
            "archived" => Some(ProjectStatus::Archived),
            "quarantined" => Some(ProjectStatus::Quarantined),
            "deprecated" => Some(ProjectStatus::Deprecated),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ProjectStatus::Active => "active",
            ProjectStatus::Archived => "archived",
            ProjectStatus::Quarantined => "quarantined",
            ProjectStatus::Deprecated => "deprecated",
        }
    }
}

impl RegistryFacts {
    /// Facts about `name` `version` with nothing else known yet; the popularity rank
    /// is filled from the bundled list.
    pub fn new(name: &str, version: &str) -> RegistryFacts {
        let mut facts = RegistryFacts { name: name.to_string(), version: version.to_string(), ..RegistryFacts::default() };
        facts.fill_popularity_rank();
        facts
    }

    /// The facts of PyPI's `/pypi/<name>/json` or `/pypi/<name>/<version>/json` document
    /// (fields listed in `json_api.rs`). The rank is filled from the bundled list.
    pub fn from_json_api(doc: &crate::pypi_json::JsonProject) -> Result<RegistryFacts, JsonApiError> {
        json_api::facts(doc)
    }

    /// Sets [`Self::popularity_rank`] from the bundled top-projects list.
    pub fn fill_popularity_rank(&mut self) {
        self.popularity_rank = TopPackages::get().rank(&normalize(&self.name));
    }

    /// The first release ever, when the release history is known.
    pub fn first_release(&self) -> Option<(&str, Timestamp)> {
        self.releases.iter().filter_map(|r| Some((r.version.as_str(), r.first_upload?))).min_by_key(|&(_, t)| t)
    }

    /// The most recent upload, when the release history is known.
    pub fn latest_release(&self) -> Option<(&str, Timestamp)> {
        let from_history = self.releases.iter().filter_map(|r| Some((r.version.as_str(), r.first_upload?))).max_by_key(|&(_, t)| t)?;
        match self.upload_time {
            Some(t) if t > from_history.1 => Some((self.version.as_str(), t)),
            _ => Some(from_history),
        }
    }
}

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

/// Everything a rule sees.
pub(crate) struct Input<'a> {
    pub facts: &'a RegistryFacts,
    pub policy: &'a MetadataPolicy,
    pub now: Timestamp,
}

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

/// Registry text made safe to quote in one terminal line: whitespace runs collapsed,
/// control and bidirectional-override characters escaped, clipped to `max` characters.
pub(crate) fn clip(s: &str, max: usize) -> String {
    let mut out = String::new();
    let mut count = 0;
    let mut pending_space = false;
    for c in s.trim().chars() {
        if c.is_whitespace() {
            pending_space = true;
            continue;
        }
        if count >= max {
            out.push('…');
            return out;
        }
        if pending_space {
            out.push(' ');
            count += 1;
            pending_space = false;
        }
        if c.is_control() || matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}') {
            let escaped = c.escape_unicode().to_string();
            count += escaped.chars().count();
            out.push_str(&escaped);
        } else {
            out.push(c);
            count += 1;
        }
    }
    out
}

/// `summary`, `home_page` and friends: empty and `UNKNOWN` (what old tools wrote for a
/// missing field) count as absent.
pub(crate) fn present(field: &Option<String>) -> Option<&str> {
    field.as_deref().map(str::trim).filter(|s| !s.is_empty() && !s.eq_ignore_ascii_case("unknown") && !s.eq_ignore_ascii_case("none"))
}
