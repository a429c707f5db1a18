//! What the index says about a project and the release being judged: plain data that
//! the index client fills, the verdict DB caches and the rules read.

use crate::analysis::names::{TopPackages, normalize};
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
