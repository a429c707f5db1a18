//! uv's `uv.lock`, version 1 (any `revision`): `[[package]]` with `name`, `version`,
//! `source` (`registry`, `git` — `URL?rev=…|tag=…|branch=…#<commit>` —, `url`, `path`,
//! `directory`, `editable`, `virtual`), `sdist = {url|path, hash, size, upload-time}`,
//! `wheels = [{url|path|filename, hash, size, upload-time}]`, `dependencies`,
//! `optional-dependencies` and `dev-dependencies` (`{name, version?, source?, marker?,
//! extra?}`), and `[manifest] members` for workspaces.
//!
//! The project itself — the workspace members, or without a `[manifest]` the package whose
//! source is `editable = "."` / `virtual = "."` — is marked `root`; the packages it depends
//! on (in any group) are `direct`, all others not.
//!
//! A package's `markers` say where it can be installed at all: when every dependency edge to
//! it is conditional, the disjunction of those edges' markers; and when the resolution forked
//! (`resolution-markers` on the package), only in the forks it was resolved for.

use std::collections::{BTreeMap, HashSet};
use std::path::Path;

use serde::Deserialize;
use toml::Spanned;

use super::model::{Hash, LockFormat, LockedFile, LockedPackage, Lockfile, LockfileError, Source, WarningKind, sort_dedup, vcs_url};
use crate::line_index::LineIndex;
use crate::pep503::normalize_name;
use super::toml_read::{span_line, value_as_text};
use super::toml_entries::from_toml_by_entry;

#[derive(Deserialize)]
struct RawLock {
    version: Option<Spanned<i64>>,
    #[serde(default)]
    package: Vec<Spanned<RawPackage>>,
    manifest: Option<RawManifest>,
}

#[derive(Deserialize)]
struct RawManifest {
    #[serde(default)]
    members: Vec<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
struct RawPackage {
    name: String,
    version: Option<String>,
    source: Option<BTreeMap<String, String>>,
    #[serde(default)]
    dependencies: Vec<RawDependency>,
    #[serde(default)]
    optional_dependencies: BTreeMap<String, Vec<RawDependency>>,
    #[serde(default)]
    dev_dependencies: BTreeMap<String, Vec<RawDependency>>,
    sdist: Option<RawFile>,
    #[serde(default)]
    wheels: Vec<RawFile>,
    /// The resolution forks this version belongs to (only written when the resolution forked).
    #[serde(default)]
    resolution_markers: Vec<String>,
}

#[derive(Deserialize)]
struct RawDependency {
    name: String,
    version: Option<String>,
    marker: Option<String>,
    #[serde(default)]
    extra: Vec<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
struct RawFile {
    url: Option<String>,
    path: Option<String>,
    filename: Option<String>,
    hash: Option<String>,
    size: Option<u64>,
    upload_time: Option<toml::Value>,
}

/// Parses uv.lock text.
pub fn parse(path: &Path, text: &str) -> Result<Lockfile, LockfileError> {
    let read = from_toml_by_entry(LockFormat::UvLock, path, text, "package", |raw: &mut RawLock| &mut raw.package)?;
    let lines = LineIndex::new(text);
    let mut lock = Lockfile::new(LockFormat::UvLock, path);
    let invalid = |line: Option<usize>, message: String| LockfileError::Invalid {
        path: path.to_path_buf(),
        format: LockFormat::UvLock,
        line,
        message,
    };
    let version = read.doc.version.as_ref().ok_or_else(|| invalid(None, "the top-level key version is missing".into()))?;
    if *version.get_ref() != 1 {
        return Err(LockfileError::UnsupportedVersion {
            path: path.to_path_buf(),
            format: LockFormat::UvLock,
            line: Some(lines.line(read.document_offset(version.span().start))),
            found: version.get_ref().to_string(),
            supported: "version 1",
        });
    }
    let raw = read.doc;
    let members: HashSet<String> = raw.manifest.iter().flat_map(|m| m.members.iter()).map(|m| normalize_name(m)).collect();

    // (dependency name, optional version) → edge markers (None = unconditional), and extras.
    let mut edge_markers: BTreeMap<(String, Option<String>), Vec<Option<String>>> = BTreeMap::new();
    let mut requested_extras: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut root_dependencies: HashSet<String> = HashSet::new();
    let mut fork_markers: Vec<Option<String>> = Vec::new();

    // by value: the entry's strings move into the package instead of being copied (#14)
    for spanned in raw.package {
        let line = span_line(&lines, &spanned);
        let raw_package = spanned.into_inner();
        let name = &raw_package.name;
        let mut package = LockedPackage::named(name);
        package.version = raw_package.version;
        package.line = Some(line);

        let source = raw_package.source.as_ref().ok_or_else(|| invalid(Some(line), format!("package {name} has no source")))?;
        let (source, root_path) = source_of(&mut lock, path, line, name, source)?;
        package.root = match &root_path {
            Some(p) if members.is_empty() => p == "." || p.is_empty(),
            Some(_) => members.contains(&package.normalized),
            None => false,
        };
        let source_url = match &source {
            Source::Url { url } => Some(url.clone()),
            _ => None,
        };
        package.source = source;

        let to_file = |file: RawFile, what: &str| -> Result<LockedFile, LockfileError> {
            let hashes = match &file.hash {
                Some(h) => vec![Hash::parse(h).map_err(|e| invalid(Some(line), format!("{name}: {what}: {e}")))?],
                None => Vec::new(),
            };
            let url = file.url.or_else(|| source_url.clone().filter(|_| file.path.is_none()));
            let filename = file.filename.or_else(|| {
                // the file's own url, else its path, else the package's url
                let location = url.as_deref().or(file.path.as_deref())?;
                let last = location.split(['?', '#']).next().unwrap_or(location).rsplit(['/', '\\']).next()?;
                (!last.is_empty()).then(|| last.to_string())
            });
            Ok(LockedFile {
                filename,
                url,
                hashes,
                size: file.size,
                upload_time: file.upload_time.as_ref().and_then(value_as_text),
            })
        };
        if let Some(sdist) = raw_package.sdist {
            package.files.push(to_file(sdist, "sdist")?);
        }
        for wheel in raw_package.wheels {
            package.files.push(to_file(wheel, "wheel")?);
        }

        let all_dependencies = raw_package
            .dependencies
            .into_iter()
            .chain(raw_package.optional_dependencies.into_values().flatten())
            .chain(raw_package.dev_dependencies.into_values().flatten());
        for dependency in all_dependencies {
            let normalized = normalize_name(&dependency.name);
            edge_markers.entry((normalized.clone(), dependency.version)).or_default().push(dependency.marker);
            requested_extras.entry(normalized.clone()).or_default().extend(dependency.extra);
            if package.root {
                root_dependencies.insert(normalized.clone());
            }
            package.dependencies.push(normalized);
        }
        sort_dedup(&mut package.dependencies);
        lock.packages.push(package);
        fork_markers.push(any_of(raw_package.resolution_markers));
    }

    let has_root = lock.packages.iter().any(|p| p.root);
    for (package, forks) in lock.packages.iter_mut().zip(fork_markers) {
        if has_root && !package.root {
            package.direct = Some(root_dependencies.contains(&package.normalized));
        }
        if let Some(extras) = requested_extras.get(&package.normalized) {
            package.extras = extras.clone();
            sort_dedup(&mut package.extras);
        }
        // Markers: when every edge to this package is conditional, the package is installed
        // only where one of them holds.
        let mut markers: Vec<Option<String>> = Vec::new();
        if let Some(list) = edge_markers.get(&(package.normalized.clone(), None)) {
            markers.extend(list.iter().cloned());
        }
        if let Some(list) = edge_markers.get(&(package.normalized.clone(), package.version.clone())) {
            markers.extend(list.iter().cloned());
        }
        let edges = if !markers.is_empty() && markers.iter().all(Option::is_some) { any_of(markers.into_iter().flatten().collect()) } else { None };
        package.markers = match (edges, forks) {
            (Some(e), Some(f)) if e != f => Some(format!("({e}) and ({f})")),
            (e, f) => e.or(f),
        };
    }
    if !has_root && !lock.packages.is_empty() {
        lock.warn(
            path,
            None,
            WarningKind::UnknownSource,
            "no project entry (editable/virtual source of the workspace) found: direct and transitive dependencies cannot be told apart",
        );
    }
    Ok(lock)
}

/// The markers of any of `list` (distinct, sorted, each parenthesised when there are
/// several); `None` for an empty list.
fn any_of(mut list: Vec<String>) -> Option<String> {
    sort_dedup(&mut list);
    match list.len() {
        0 => None,
        1 => list.pop(),
        _ => Some(list.iter().map(|m| format!("({m})")).collect::<Vec<_>>().join(" or ")),
    }
}

/// The package source, and for local project sources (`editable`/`virtual`), their path.
fn source_of(
    lock: &mut Lockfile,
    path: &Path,
    line: usize,
    name: &str,
    source: &BTreeMap<String, String>,
) -> Result<(Source, Option<String>), LockfileError> {
    let get = |key: &str| source.get(key).cloned();
    if let Some(registry) = get("registry") {
        lock.add_index_url(&registry);
        return Ok((Source::Registry { index_url: Some(registry) }, None));
    }
    if let Some(git) = get("git") {
        let (url, rev, commit) = split_git(&git);
        if commit.is_none() {
            lock.warn(path, Some(line), WarningKind::Unpinned, format!("{name}: git source {url} has no resolved commit"));
        }
        return Ok((Source::Vcs { url: vcs_url("git", &url), rev, commit }, None));
    }
    if let Some(url) = get("url") {
        return Ok((Source::Url { url }, None));
    }
    if let Some(p) = get("path") {
        return Ok((Source::Path { path: p }, None));
    }
    if let Some(p) = get("directory") {
        return Ok((Source::Directory { path: p }, None));
    }
    if let Some(p) = get("editable") {
        return Ok((Source::Editable { path: p.clone() }, Some(p)));
    }
    if let Some(p) = get("virtual") {
        return Ok((Source::Virtual { path: p.clone() }, Some(p)));
    }
    Err(LockfileError::Invalid {
        path: path.to_path_buf(),
        format: LockFormat::UvLock,
        line: Some(line),
        message: format!(
            "package {name} has a source with none of registry, git, url, path, directory, editable, virtual (keys: {})",
            source.keys().cloned().collect::<Vec<_>>().join(", ")
        ),
    })
}

/// `https://host/repo?rev=v1&subdirectory=x#<commit>` → (url, requested rev, commit).
fn split_git(git: &str) -> (String, Option<String>, Option<String>) {
    let (without_fragment, commit) = match git.split_once('#') {
        Some((u, c)) if !c.is_empty() => (u, Some(c.to_string())),
        Some((u, _)) => (u, None),
        None => (git, None),
    };
    let (url, query) = without_fragment.split_once('?').unwrap_or((without_fragment, ""));
    let rev = query
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .find(|(k, _)| matches!(*k, "rev" | "tag" | "branch"))
        .map(|(_, v)| v.to_string());
    (url.to_string(), rev, commit)
}
