//! `check --fetch`: the locked files the DB does not know are found on the configured
//! index (by sha256, else by file name) or at the URL the lockfile records, downloaded,
//! verified against the lockfile's sha256 (and the index's hashes), and judged through
//! the gate, which records them. An index that cannot be asked makes the file an error,
//! never allowed. Only files the lockfile pins by sha256 are fetched: anything else would
//! judge bytes that are not necessarily what gets installed. With a target environment,
//! only the files it would install are fetched; files pinned by hash alone (requirements
//! files) are first named from the index page, so that the other platforms' files among
//! them are left alone too.

use crate::error::Hint;
use super::model::{FileCheck, PackageCheck, Status};
use super::target::Target;
use crate::gate::{Gate, GateError};
use crate::index::simple::{FileEntry, ProjectPage};
use crate::index::{IndexClient, IndexError};
use crate::lockfile::Source;
use rayon::prelude::*;
use std::collections::BTreeMap;

/// Downloads run on this many threads: the time goes to the network.
const FETCH_THREADS: usize = 8;

pub(super) fn fill(packages: &mut [PackageCheck], client: &IndexClient, gate: &Gate, target: Option<&Target>) -> Result<(), GateError> {
    let work = |p: &mut PackageCheck| -> Result<(), GateError> {
        if p.advisory.is_some() || !p.files.iter().any(wanted) {
            return Ok(());
        }
        fill_package(p, client, gate, target)
    };
    match crate::pipeline::worker_pool(Some(FETCH_THREADS)).build() {
        Ok(pool) => pool.install(|| packages.par_iter_mut().try_for_each(work)),
        Err(_) => packages.iter_mut().try_for_each(work),
    }
}

/// A file worth fetching: unknown, pinned by sha256, and installed by this environment.
fn wanted(f: &FileCheck) -> bool {
    f.status == Status::Unverified && f.sha256.is_some() && f.applies
}

fn fill_package(p: &mut PackageCheck, client: &IndexClient, gate: &Gate, target: Option<&Target>) -> Result<(), GateError> {
    let page: Option<ProjectPage> = match &p.source {
        Source::Registry { .. } => match client.project(&p.name) {
            Ok(page) => page,
            Err(e) => {
                for f in p.files.iter_mut().filter(|f| wanted(f)) {
                    f.error(e.to_string(), e.hint());
                }
                return Ok(());
            }
        },
        _ => None,
    };
    if let (Some(pg), Some(t)) = (&page, target) {
        let mut named = false;
        for f in p.files.iter_mut().filter(|f| f.filename.is_none() && f.report.is_none()) {
            let sha = f.sha256.as_deref().unwrap_or_default();
            if let Some(e) = pg.files.iter().find(|e| e.hashes.get("sha256").is_some_and(|h| h.eq_ignore_ascii_case(sha))) {
                f.known_name = Some(e.filename.as_str().into());
                named = true;
            }
        }
        if named {
            super::select::select(p, t);
        }
    }
    for f in p.files.iter_mut().filter(|f| wanted(f)) {
        let sha = f.sha256.clone().unwrap_or_default();
        let (entry, index_url) = match locate(f, page.as_ref(), &sha) {
            Some(found) => found,
            None => {
                let where_ = match &page {
                    Some(pg) => format!("on {}", crate::index::redact(&pg.url)),
                    None if matches!(p.source, Source::Registry { .. }) => format!("(no project `{}` on {})", p.name, client.index_urls().join(", ")),
                    None => "(the lockfile records no URL for it)".into(),
                };
                f.set(Status::Unverified, format!("not in the verdict DB and not found {where_}"));
                continue;
            }
        };
        let downloaded = match client.download(&entry, crate::vet::MAX_DOWNLOAD_BYTES) {
            Ok(d) => d,
            Err(e) => {
                f.error(e.to_string(), e.hint());
                continue;
            }
        };
        if downloaded.sha256 != sha {
            let e = IndexError::HashMismatch { file: entry.filename.clone(), algorithm: "sha256 (lockfile)".into(), expected: sha, got: downloaded.sha256 };
            f.error(e.to_string(), "the index serves other bytes than the lockfile pins; do not install them, and regenerate the lockfile only if you trust the change".into());
            continue;
        }
        let judged = gate.judge(&entry.filename, &downloaded.bytes, Some(&index_url), Vec::new())?;
        f.judged(judged.report, true);
    }
    Ok(())
}

/// The index entry for a locked file (same sha256, else same file name), else an entry
/// for the URL the lockfile records, with the pinned hash to verify.
fn locate(f: &FileCheck, page: Option<&ProjectPage>, sha: &str) -> Option<(FileEntry, String)> {
    if let Some(pg) = page {
        let by_hash = pg.files.iter().find(|e| e.hashes.get("sha256").is_some_and(|h| h.eq_ignore_ascii_case(sha)));
        let by_name = || pg.files.iter().find(|e| f.filename.as_deref() == Some(e.filename.as_str()));
        if let Some(e) = by_hash.or_else(by_name) {
            return Some((e.clone(), pg.url.clone()));
        }
    }
    let url = f.url.clone()?;
    let filename = f.filename.clone().or_else(|| super::model::last_segment(&url))?;
    let entry = FileEntry {
        filename,
        url: url.clone(),
        hashes: BTreeMap::from([("sha256".to_string(), sha.to_string())]),
        requires_python: None,
        yanked: None,
        upload_time: None,
        size: None,
        core_metadata: None,
    };
    Some((entry, url))
}
