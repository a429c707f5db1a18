//! Poetry's `poetry.lock`, lock-version 1.x (files in `[metadata.files]`) and 2.x (files in
//! each package's `files`): `[[package]]` name, version, `optional`, `markers` (a string, or a
//! table per dependency group in 2.1), `develop`, `files = [{file, hash}]`, `[package.source]`
//! (`legacy`, `git`, `url`, `file`, `directory` with `url`, `reference`,
//! `resolved_reference`, `subdirectory`), `[package.dependencies]` (values are a version
//! string, a table, or an array of tables), `[package.extras]`; `[metadata]` lock-version,
//! python-versions, content-hash.
//!
//! poetry.lock does not say which packages the project depends on directly, so `direct` stays
//! `None` (the diff infers it from the dependency graph).

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;
use toml::Spanned;

use super::requirements::name_version_from_filename;
use super::model::{Hash, LockFormat, LockedFile, LockedPackage, Lockfile, LockfileError, Source, WarningKind, sort_dedup, vcs_url};
use crate::line_index::LineIndex;
use crate::pep503::normalize_name;
use super::toml_read::span_line;
use super::toml_entries::from_toml_by_entry;

#[derive(Deserialize)]
struct RawLock {
    #[serde(default)]
    package: Vec<Spanned<RawPackage>>,
    metadata: Option<RawMetadata>,
}

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
struct RawMetadata {
    lock_version: Option<Spanned<String>>,
    #[serde(default)]
    files: BTreeMap<String, Vec<RawFile>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
struct RawPackage {
    name: String,
    version: String,
    #[serde(default)]
    optional: bool,
    #[serde(default)]
    develop: bool,
    markers: Option<toml::Value>,
    files: Option<Vec<RawFile>>,
    source: Option<RawSource>,
    #[serde(default)]
    dependencies: BTreeMap<String, toml::Value>,
    /// Extras the package offers (extra → requirement strings). Checked for shape; the
    /// dependencies they name are already in `dependencies`.
    #[serde(default)]
    #[allow(dead_code)]
    extras: BTreeMap<String, Vec<String>>,
}

#[derive(Deserialize, Clone)]
struct RawFile {
    file: String,
    hash: Option<String>,
    url: Option<String>,
}

#[derive(Deserialize)]
struct RawSource {
    #[serde(rename = "type")]
    kind: String,
    url: Option<String>,
    reference: Option<String>,
    resolved_reference: Option<String>,
}

/// Parses poetry.lock text.
pub fn parse(path: &Path, text: &str) -> Result<Lockfile, LockfileError> {
    let read = from_toml_by_entry(LockFormat::PoetryLock, path, text, "package", |raw: &mut RawLock| &mut raw.package)?;
    let lines = LineIndex::new(text);
    let mut lock = Lockfile::new(LockFormat::PoetryLock, path);
    let invalid = |line: Option<usize>, message: String| LockfileError::Invalid {
        path: path.to_path_buf(),
        format: LockFormat::PoetryLock,
        line,
        message,
    };

    let mut major = None;
    if let Some(version) = read.doc.metadata.as_ref().and_then(|m| m.lock_version.as_ref()) {
        let line = lines.line(read.document_offset(version.span().start));
        let (maj, min) = parse_major_minor(version.get_ref())
            .ok_or_else(|| invalid(Some(line), format!("lock-version '{}' is not of the form MAJOR.MINOR", version.get_ref())))?;
        if !(1..=2).contains(&maj) {
            return Err(LockfileError::UnsupportedVersion {
                path: path.to_path_buf(),
                format: LockFormat::PoetryLock,
                line: Some(line),
                found: version.get_ref().clone(),
                supported: "lock-version 1.x and 2.x",
            });
        }
        if maj == 2 && min > 1 {
            lock.warn(
                path,
                Some(line),
                WarningKind::NewerVersion,
                format!(
                    "lock-version {} is newer than this reader knows (2.1); fields it does not know were ignored",
                    version.get_ref()
                ),
            );
        }
        major = Some(maj);
    }

    let RawLock { package: entries, metadata } = read.doc;
    // 1.x: files per name in [metadata.files].
    let mut metadata_files: BTreeMap<String, Vec<RawFile>> = BTreeMap::new();
    if let Some(metadata) = metadata {
        for (name, files) in metadata.files {
            metadata_files.entry(normalize_name(&name)).or_default().extend(files);
        }
    }
    let mut same_name_count: BTreeMap<String, usize> = BTreeMap::new();
    for package in &entries {
        *same_name_count.entry(normalize_name(&package.get_ref().name)).or_default() += 1;
    }

    // Extras requested of a package by the packages that depend on it.
    let mut requested_extras: BTreeMap<String, Vec<String>> = BTreeMap::new();

    // by value: the entry's strings move into the package instead of being copied (#14)
    for spanned in entries {
        let line = span_line(&lines, &spanned);
        let raw_package = spanned.into_inner();
        let mut package = LockedPackage::named(&raw_package.name);
        package.version = Some(raw_package.version);
        package.optional = raw_package.optional;
        package.line = Some(line);
        package.markers = match &raw_package.markers {
            None => None,
            Some(value) => Some(markers_text(value).ok_or_else(|| {
                invalid(Some(line), format!("markers of {} must be a string or a table of strings per group", raw_package.name))
            })?),
        };

        package.source = match &raw_package.source {
            None => Source::Registry { index_url: None },
            Some(source) => source_of(&mut lock, path, line, &raw_package.name, source, raw_package.develop),
        };

        let raw_files: Vec<RawFile> = match raw_package.files {
            Some(files) => files,
            None => {
                let all = metadata_files.get(&package.normalized).cloned().unwrap_or_default();
                if same_name_count.get(&package.normalized).copied().unwrap_or(0) > 1 {
                    // Several versions of one name share one [metadata.files] list (1.x):
                    // keep the files whose name carries this version.
                    all.into_iter()
                        .filter(|f| name_version_from_filename(&f.file).is_none_or(|(_, v)| Some(v) == package.version))
                        .collect()
                } else {
                    all
                }
            }
        };
        for file in raw_files {
            let hashes = match &file.hash {
                Some(h) if !h.is_empty() => vec![
                    Hash::parse(h).map_err(|e| invalid(Some(line), format!("{}: file {}: {e}", raw_package.name, file.file)))?,
                ],
                _ => Vec::new(),
            };
            let url = file.url.clone().or_else(|| match &package.source {
                Source::Url { url } if url.rsplit('/').next() == Some(file.file.as_str()) => Some(url.clone()),
                _ => None,
            });
            package.files.push(LockedFile { filename: Some(file.file), url, hashes, ..LockedFile::default() });
        }

        for (dep_name, spec) in &raw_package.dependencies {
            let extras = dependency_extras(spec).ok_or_else(|| {
                invalid(
                    Some(line),
                    format!(
                        "dependency '{dep_name}' of {} must be a version string, a table or an array of tables",
                        raw_package.name
                    ),
                )
            })?;
            let normalized = normalize_name(dep_name);
            requested_extras.entry(normalized.clone()).or_default().extend(extras);
            package.dependencies.push(normalized);
        }
        sort_dedup(&mut package.dependencies);
        lock.packages.push(package);
    }

    for package in &mut lock.packages {
        if let Some(extras) = requested_extras.get(&package.normalized) {
            package.extras = extras.clone();
            sort_dedup(&mut package.extras);
        }
    }
    if major.is_none() && !lock.packages.is_empty() {
        lock.warn(
            path,
            None,
            WarningKind::NewerVersion,
            "no [metadata] lock-version: the file may be truncated or hand-written; run `poetry lock` to regenerate it",
        );
    }
    Ok(lock)
}

fn source_of(lock: &mut Lockfile, path: &Path, line: usize, name: &str, source: &RawSource, develop: bool) -> Source {
    let url = source.url.clone().unwrap_or_default();
    match source.kind.as_str() {
        "legacy" | "pypi" | "" if source.url.is_some() => {
            lock.add_index_url(&url);
            Source::Registry { index_url: Some(url) }
        }
        "legacy" | "pypi" | "" => Source::Registry { index_url: None },
        "git" => {
            Source::Vcs { url: vcs_url("git", &url), rev: source.reference.clone(), commit: source.resolved_reference.clone() }
        }
        "url" => Source::Url { url },
        "file" => Source::Path { path: url },
        "directory" if develop => Source::Editable { path: url },
        "directory" => Source::Directory { path: url },
        other => {
            lock.warn(
                path,
                Some(line),
                WarningKind::UnknownSource,
                format!("{name}: unknown source type '{other}'; read as a direct URL {url}"),
            );
            Source::Url { url }
        }
    }
}

/// A markers value: a string, or (lock-version 2.1) a table of group → markers.
fn markers_text(value: &toml::Value) -> Option<String> {
    match value {
        toml::Value::String(s) => Some(s.clone()),
        toml::Value::Table(groups) => {
            let mut distinct: Vec<String> = Vec::new();
            for marker in groups.values() {
                let marker = marker.as_str()?.to_string();
                if !distinct.contains(&marker) {
                    distinct.push(marker);
                }
            }
            Some(match distinct.len() {
                0 => return None,
                1 => distinct.remove(0),
                _ => distinct.iter().map(|m| format!("({m})")).collect::<Vec<_>>().join(" or "),
            })
        }
        _ => None,
    }
}

/// Extras requested by a `[package.dependencies]` value; `None` when the value has a bad shape.
fn dependency_extras(spec: &toml::Value) -> Option<Vec<String>> {
    let from_table = |table: &toml::Table| -> Option<Vec<String>> {
        match table.get("extras") {
            None => Some(Vec::new()),
            Some(toml::Value::Array(items)) => items.iter().map(|v| v.as_str().map(str::to_string)).collect(),
            Some(_) => None,
        }
    };
    match spec {
        toml::Value::String(_) => Some(Vec::new()),
        toml::Value::Table(table) => from_table(table),
        toml::Value::Array(items) => {
            let mut all = Vec::new();
            for item in items {
                all.extend(from_table(item.as_table()?)?);
            }
            Some(all)
        }
        _ => None,
    }
}

pub(crate) fn parse_major_minor(version: &str) -> Option<(u64, u64)> {
    let mut parts = version.trim().split('.');
    let major = parts.next()?.parse().ok()?;
    let minor = parts.next().map(|m| m.parse().ok()).unwrap_or(Some(0))?;
    Some((major, minor))
}
