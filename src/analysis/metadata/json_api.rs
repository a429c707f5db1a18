//! Turns PyPI's JSON API document (parsed once, by [`crate::pypi_json`]) into
//! [`RegistryFacts`].
//!
//! Used fields: `info.{name, version, summary, description, home_page, project_urls,
//! license, license_expression, classifiers, requires_dist, yanked, yanked_reason}`,
//! `releases{version: [file…]}` (the project endpoint only), `urls[]` (this version's
//! files) and `vulnerabilities[]`. A file's time is `upload_time_iso_8601`, else
//! `upload_time` (UTC without offset). A release without files has no upload time.
//! Withdrawn advisories are dropped. PyPI's JSON API carries no PEP 792 status; the
//! index client sets it from the Simple API. Empty and blank strings count as absent.
//!
//! Strict where a wrong value would change a verdict (the parser already refused fields
//! of the wrong type): a missing name or version, or a timestamp that does not parse, is
//! an error, and the caller fails closed.

use super::facts::{RegistryFacts, ReleaseFact, Timestamp, Vulnerability};
use super::time;
use crate::pypi_json::{JsonApiError, JsonProject, ReleaseFile};

impl RegistryFacts {
    /// The facts of PyPI's `/pypi/<name>/json` or `/pypi/<name>/<version>/json` document
    /// (fields listed in `json_api.rs`). The rank is filled from the bundled list.
    pub fn from_json_api(doc: &JsonProject) -> Result<RegistryFacts, JsonApiError> {
        facts(doc)
    }
}

fn facts(doc: &JsonProject) -> Result<RegistryFacts, JsonApiError> {
    let info = &doc.info;
    let name = present(&info.name).ok_or(JsonApiError::MissingField("info.name"))?;
    let version = present(&info.version).ok_or(JsonApiError::MissingField("info.version"))?;

    let project_urls = info
        .project_urls
        .iter()
        .filter_map(|(label, url)| Some((label.clone(), Some(url.trim()).filter(|u| !u.is_empty())?.to_string())))
        .collect();

    let mut releases = Vec::new();
    for (ver, files) in &doc.releases {
        let (first_upload, all_yanked) = summarize_files(files, &format!("releases.{ver}"))?;
        releases.push(ReleaseFact { version: ver.clone(), first_upload, yanked: all_yanked });
    }
    releases.sort_by(|a, b| a.first_upload.cmp(&b.first_upload).then_with(|| a.version.cmp(&b.version)));

    let (mut upload_time, urls_yanked) = summarize_files(&doc.urls, "urls")?;
    if upload_time.is_none() {
        upload_time = releases.iter().find(|r| r.version == version).and_then(|r| r.first_upload);
    }
    let yanked = match info.yanked {
        true => Some(present(&info.yanked_reason).unwrap_or_default()),
        false => urls_yanked.then(String::new),
    };

    let vulnerabilities = doc
        .vulnerabilities
        .iter()
        .filter(|v| v.withdrawn.is_none())
        .filter_map(|v| {
            let id = if v.id.trim().is_empty() { String::new() } else { v.id.clone() };
            if id.is_empty() && v.aliases.is_empty() {
                return None;
            }
            let summary = present(&v.summary).or_else(|| {
                v.details.as_deref().and_then(|d| d.lines().map(str::trim).find(|l| !l.is_empty())).map(str::to_string)
            });
            Some(Vulnerability { id, aliases: v.aliases.clone(), summary, fixed_in: v.fixed_in.clone(), link: present(&v.link) })
        })
        .collect();

    let mut facts = RegistryFacts {
        name,
        version,
        summary: present(&info.summary),
        description: present(&info.description),
        home_page: present(&info.home_page),
        project_urls,
        license: present(&info.license),
        license_expression: present(&info.license_expression),
        classifiers: info.classifiers.clone(),
        requires_dist: info.requires_dist.clone(),
        yanked,
        releases,
        upload_time,
        vulnerabilities,
        ..RegistryFacts::default()
    };
    facts.fill_popularity_rank();
    Ok(facts)
}

/// A string field; blank is absent.
fn present(s: &Option<String>) -> Option<String> {
    s.as_ref().filter(|s| !s.trim().is_empty()).cloned()
}

/// Earliest upload among a release's files, and whether every file is yanked.
fn summarize_files(files: &[ReleaseFile], field: &str) -> Result<(Option<Timestamp>, bool), JsonApiError> {
    let mut first: Option<Timestamp> = None;
    for (i, f) in files.iter().enumerate() {
        if let Some(raw) = f.upload_time_iso_8601.as_deref().or(f.upload_time.as_deref()) {
            let t = time::parse_rfc3339(raw).ok_or_else(|| JsonApiError::BadTimestamp { field: format!("{field}[{i}].upload_time"), value: raw.to_string() })?;
            first = Some(first.map_or(t, |x| x.min(t)));
        }
    }
    Ok((first, !files.is_empty() && files.iter().all(|f| f.yanked)))
}
