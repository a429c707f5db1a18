//! Reads PyPI's JSON API (`/pypi/<name>/json`, `/pypi/<name>/<version>/json`) into
//! [`RegistryFacts`].
//!
//! Used fields: `info.{name, version, summary, description, home_page, project_urls,
//! license, license_expression, classifiers, requires_dist, yanked, yanked_reason}`,
//! `releases{version: [file…]}` (the project endpoint only), `urls[]` (this version's
//! files) and `vulnerabilities[]`. A file's time is `upload_time_iso_8601`, else
//! `upload_time` (UTC without offset). A release without files has no upload time.
//! Withdrawn advisories are dropped. PyPI's JSON API carries no PEP 792 status; the
//! index client sets it from the Simple API.
//!
//! Lenient where PyPI is (null for absent strings and lists), strict where a wrong
//! value would change a verdict: a missing name or version, or a timestamp that does
//! not parse, is an error, and the caller fails closed.

use super::{RegistryFacts, ReleaseFact, Timestamp, Vulnerability, time};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// A JSON API body that cannot be read as registry facts.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum JsonApiError {
    #[error("PyPI JSON API body is not an object with an `info` object; is this a /pypi/<name>/json response?")]
    NotAnObject,
    #[error("PyPI JSON API body has no `{0}`; is this a /pypi/<name>/json response?")]
    MissingField(&'static str),
    #[error("PyPI JSON API field `{field}` should be {expected}")]
    WrongType { field: String, expected: &'static str },
    #[error("PyPI JSON API field `{field}` has an unreadable timestamp {value:?}")]
    BadTimestamp { field: String, value: String },
}

pub(super) fn parse(body: &Value) -> Result<RegistryFacts, JsonApiError> {
    let info = body.get("info").and_then(Value::as_object).ok_or(JsonApiError::NotAnObject)?;
    let name = opt_str(info, "info.name")?.ok_or(JsonApiError::MissingField("info.name"))?;
    let version = opt_str(info, "info.version")?.ok_or(JsonApiError::MissingField("info.version"))?;

    let mut project_urls = BTreeMap::new();
    match info.get("project_urls") {
        None | Some(Value::Null) => {}
        Some(Value::Object(m)) => {
            for (label, url) in m {
                if let Some(u) = url.as_str().map(str::trim).filter(|u| !u.is_empty()) {
                    project_urls.insert(label.clone(), u.to_string());
                }
            }
        }
        Some(_) => return Err(wrong("info.project_urls", "an object of label → URL")),
    }

    let yanked = match info.get("yanked") {
        Some(Value::Bool(true)) => Some(opt_str(info, "info.yanked_reason")?.unwrap_or_default()),
        None | Some(Value::Null | Value::Bool(false)) => None,
        Some(_) => return Err(wrong("info.yanked", "a boolean")),
    };

    let mut releases = Vec::new();
    match body.get("releases") {
        None | Some(Value::Null) => {}
        Some(Value::Object(m)) => {
            for (ver, files) in m {
                let field = format!("releases.{ver}");
                let files = files.as_array().ok_or_else(|| wrong(&field, "a list of files"))?;
                let (first_upload, all_yanked) = summarize_files(files, &field)?;
                releases.push(ReleaseFact { version: ver.clone(), first_upload, yanked: all_yanked });
            }
        }
        Some(_) => return Err(wrong("releases", "an object of version → files")),
    }
    releases.sort_by(|a, b| a.first_upload.cmp(&b.first_upload).then_with(|| a.version.cmp(&b.version)));

    let mut upload_time = None;
    let mut urls_yanked = false;
    match body.get("urls") {
        None | Some(Value::Null) => {}
        Some(Value::Array(files)) => (upload_time, urls_yanked) = summarize_files(files, "urls")?,
        Some(_) => return Err(wrong("urls", "a list of files")),
    }
    if upload_time.is_none() {
        upload_time = releases.iter().find(|r| r.version == version).and_then(|r| r.first_upload);
    }
    let yanked = yanked.or_else(|| urls_yanked.then(String::new));

    let mut vulnerabilities = Vec::new();
    match body.get("vulnerabilities") {
        None | Some(Value::Null) => {}
        Some(Value::Array(items)) => {
            for (i, item) in items.iter().enumerate() {
                let field = format!("vulnerabilities[{i}]");
                let v = item.as_object().ok_or_else(|| wrong(&field, "an object"))?;
                if v.get("withdrawn").is_some_and(|w| !w.is_null()) {
                    continue;
                }
                let id = opt_str(v, &format!("{field}.id"))?.unwrap_or_default();
                let aliases = str_list(v, &format!("{field}.aliases"))?;
                if id.is_empty() && aliases.is_empty() {
                    continue;
                }
                let summary = opt_str(v, &format!("{field}.summary"))?.or_else(|| {
                    v.get("details").and_then(Value::as_str).and_then(|d| d.lines().map(str::trim).find(|l| !l.is_empty())).map(str::to_string)
                });
                vulnerabilities.push(Vulnerability {
                    id,
                    aliases,
                    summary,
                    fixed_in: str_list(v, &format!("{field}.fixed_in"))?,
                    link: opt_str(v, &format!("{field}.link"))?,
                });
            }
        }
        Some(_) => return Err(wrong("vulnerabilities", "a list")),
    }

    let mut facts = RegistryFacts {
        name,
        version,
        summary: opt_str(info, "info.summary")?,
        description: opt_str(info, "info.description")?,
        home_page: opt_str(info, "info.home_page")?,
        project_urls,
        license: opt_str(info, "info.license")?,
        license_expression: opt_str(info, "info.license_expression")?,
        classifiers: str_list(info, "info.classifiers")?,
        requires_dist: str_list(info, "info.requires_dist")?,
        yanked,
        releases,
        upload_time,
        vulnerabilities,
        ..RegistryFacts::default()
    };
    facts.fill_popularity_rank();
    Ok(facts)
}

fn wrong(field: &str, expected: &'static str) -> JsonApiError {
    JsonApiError::WrongType { field: field.to_string(), expected }
}

/// The last dotted part of a field path is the key in `obj`.
fn key(field: &str) -> &str {
    field.rsplit('.').next().unwrap_or(field)
}

/// A string field; null, absent and empty are `None`.
fn opt_str(obj: &Map<String, Value>, field: &str) -> Result<Option<String>, JsonApiError> {
    match obj.get(key(field)) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(wrong(field, "a string")),
    }
}

/// A list of strings; null and absent are empty.
fn str_list(obj: &Map<String, Value>, field: &str) -> Result<Vec<String>, JsonApiError> {
    match obj.get(key(field)) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .map(|x| x.as_str().map(str::to_string).ok_or_else(|| wrong(field, "a list of strings")))
            .collect(),
        Some(_) => Err(wrong(field, "a list of strings")),
    }
}

/// Earliest upload among a release's files, and whether every file is yanked.
fn summarize_files(files: &[Value], field: &str) -> Result<(Option<Timestamp>, bool), JsonApiError> {
    let mut first: Option<Timestamp> = None;
    let mut all_yanked = !files.is_empty();
    for (i, file) in files.iter().enumerate() {
        let file_field = format!("{field}[{i}]");
        let f = file.as_object().ok_or_else(|| wrong(&file_field, "a file object"))?;
        let raw = ["upload_time_iso_8601", "upload_time"].iter().find_map(|k| f.get(*k).and_then(Value::as_str));
        if let Some(raw) = raw {
            let t = time::parse_rfc3339(raw).ok_or_else(|| JsonApiError::BadTimestamp { field: format!("{file_field}.upload_time"), value: raw.to_string() })?;
            first = Some(first.map_or(t, |x| x.min(t)));
        }
        if f.get("yanked").and_then(Value::as_bool) != Some(true) {
            all_yanked = false;
        }
    }
    Ok((first, all_yanked))
}
