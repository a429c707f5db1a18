//! PEP 751 `pylock.toml`: `lock-version` (1.x; a newer minor version gives a warning, another
//! major version an error, as the PEP asks), `created-by`, `requires-python`, and
//! `[[packages]]` with `name`, `version`, `marker`, `requires-python`, `index`,
//! `dependencies` (tables identifying other entries, by `name`), and exactly one source kind:
//! `vcs` (type, url/path, requested-revision, commit-id), `directory` (path, editable),
//! `archive` (url/path, size, upload-time, hashes), or index files `sdist` and `wheels`
//! (name, url/path, size, upload-time, hashes). Archives, sdists and wheels must carry hashes.
//!
//! pylock.toml does not record the project's own requirements, so `direct` stays `None`.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;
use toml::Spanned;

use super::poetry::parse_major_minor;
use super::model::{Hash, LockFormat, LockedFile, LockedPackage, Lockfile, LockfileError, Source, WarningKind, sort_dedup, vcs_url};
use crate::line_index::LineIndex;
use crate::pep503::normalize_name;
use super::toml_read::{from_toml, span_line, value_as_text};

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
struct RawLock {
    lock_version: Option<Spanned<String>>,
    #[serde(default)]
    packages: Vec<Spanned<RawPackage>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
struct RawPackage {
    name: String,
    version: Option<String>,
    marker: Option<String>,
    index: Option<String>,
    #[serde(default)]
    dependencies: Vec<toml::Table>,
    vcs: Option<RawVcs>,
    directory: Option<RawDirectory>,
    archive: Option<RawFile>,
    sdist: Option<RawFile>,
    wheels: Option<Vec<RawFile>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
struct RawVcs {
    #[serde(rename = "type")]
    kind: String,
    url: Option<String>,
    path: Option<String>,
    requested_revision: Option<String>,
    commit_id: String,
}

#[derive(Deserialize)]
struct RawDirectory {
    path: String,
    #[serde(default)]
    editable: bool,
}

/// `archive`, `sdist` and `wheels` entries share these keys.
#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
struct RawFile {
    name: Option<String>,
    url: Option<String>,
    path: Option<String>,
    size: Option<u64>,
    upload_time: Option<toml::Value>,
    hashes: Option<BTreeMap<String, String>>,
}

/// Parses pylock.toml text.
pub fn parse(path: &Path, text: &str) -> Result<Lockfile, LockfileError> {
    let raw: RawLock = from_toml(LockFormat::PyLock, path, text)?;
    let lines = LineIndex::new(text);
    let mut lock = Lockfile::new(LockFormat::PyLock, path);
    let invalid = |line: Option<usize>, message: String| LockfileError::Invalid {
        path: path.to_path_buf(),
        format: LockFormat::PyLock,
        line,
        message,
    };

    let version =
        raw.lock_version.as_ref().ok_or_else(|| invalid(None, "the required top-level key lock-version is missing".into()))?;
    let version_line = span_line(&lines, version);
    match parse_major_minor(version.get_ref()) {
        Some((1, 0)) => {}
        Some((1, _)) => lock.warn(
            path,
            Some(version_line),
            WarningKind::NewerVersion,
            format!(
                "lock-version {} is newer than this reader knows (1.0); fields it does not know were ignored",
                version.get_ref()
            ),
        ),
        Some(_) => {
            return Err(LockfileError::UnsupportedVersion {
                path: path.to_path_buf(),
                format: LockFormat::PyLock,
                line: Some(version_line),
                found: version.get_ref().clone(),
                supported: "lock-version 1.x",
            });
        }
        None => {
            return Err(invalid(
                Some(version_line),
                format!("lock-version '{}' is not of the form MAJOR.MINOR", version.get_ref()),
            ));
        }
    }

    for spanned in &raw.packages {
        let line = span_line(&lines, spanned);
        let raw_package = spanned.get_ref();
        let name = &raw_package.name;
        let mut package = LockedPackage::named(name);
        package.version.clone_from(&raw_package.version);
        package.markers.clone_from(&raw_package.marker);
        package.line = Some(line);

        let kinds = [
            raw_package.vcs.is_some(),
            raw_package.directory.is_some(),
            raw_package.archive.is_some(),
            raw_package.sdist.is_some() || raw_package.wheels.is_some(),
        ];
        match kinds.iter().filter(|&&k| k).count() {
            0 => return Err(invalid(Some(line), format!("package {name} has none of vcs, directory, archive, sdist or wheels"))),
            1 => {}
            _ => {
                return Err(invalid(
                    Some(line),
                    format!("package {name} mixes source kinds: use exactly one of vcs, directory, archive, or sdist/wheels"),
                ));
            }
        }

        let to_file = |file: &RawFile, what: &str| -> Result<LockedFile, LockfileError> {
            let hashes = file
                .hashes
                .as_ref()
                .ok_or_else(|| invalid(Some(line), format!("{name}: the {what} has no hashes (PEP 751 requires them)")))?;
            if hashes.is_empty() {
                return Err(invalid(Some(line), format!("{name}: the {what} has an empty hashes table")));
            }
            let hashes = hashes
                .iter()
                .map(|(algorithm, digest)| {
                    Hash::new(algorithm, digest).map_err(|e| invalid(Some(line), format!("{name}: {what}: {e}")))
                })
                .collect::<Result<Vec<_>, _>>()?;
            if file.url.is_none() && file.path.is_none() {
                return Err(invalid(Some(line), format!("{name}: the {what} has neither url nor path")));
            }
            let filename = file.name.clone().or_else(|| {
                let location = file.url.as_deref().or(file.path.as_deref())?;
                location.rsplit(['/', '\\']).next().map(str::to_string)
            });
            Ok(LockedFile {
                filename,
                url: file.url.clone(),
                hashes,
                size: file.size,
                upload_time: file.upload_time.as_ref().and_then(value_as_text),
            })
        };

        if let Some(vcs) = &raw_package.vcs {
            let url = vcs
                .url
                .clone()
                .or_else(|| vcs.path.clone())
                .ok_or_else(|| invalid(Some(line), format!("{name}: vcs has neither url nor path")))?;
            let url = vcs_url(&vcs.kind, &url);
            package.source = Source::Vcs { url, rev: vcs.requested_revision.clone(), commit: Some(vcs.commit_id.clone()) };
        } else if let Some(directory) = &raw_package.directory {
            package.source = if directory.editable {
                Source::Editable { path: directory.path.clone() }
            } else {
                Source::Directory { path: directory.path.clone() }
            };
        } else if let Some(archive) = &raw_package.archive {
            let file = to_file(archive, "archive")?;
            // `to_file` has rejected an archive with neither url nor path.
            package.source = match &archive.url {
                Some(url) => Source::Url { url: url.clone() },
                None => Source::Path { path: archive.path.clone().unwrap_or_default() },
            };
            package.files.push(file);
        } else {
            if let Some(index) = &raw_package.index {
                lock.add_index_url(index);
            }
            package.source = Source::Registry { index_url: raw_package.index.clone() };
            if let Some(sdist) = &raw_package.sdist {
                package.files.push(to_file(sdist, "sdist")?);
            }
            for wheel in raw_package.wheels.iter().flatten() {
                package.files.push(to_file(wheel, "wheel")?);
            }
        }

        for dependency in &raw_package.dependencies {
            match dependency.get("name").and_then(toml::Value::as_str) {
                Some(dep) => package.dependencies.push(normalize_name(dep)),
                None => return Err(invalid(Some(line), format!("{name}: a dependencies entry has no name"))),
            }
        }
        sort_dedup(&mut package.dependencies);
        lock.packages.push(package);
    }
    Ok(lock)
}
