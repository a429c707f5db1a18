//! `audit`: what is installed in an environment, checked after the fact — including what
//! was installed before safe-pip was in place — read-only from site-packages.
//!
//! - **Judged as `check` judges a lockfile** (no second verdict path): every installed
//!   distribution becomes an entry of a lockfile made from the environment, pinned to the
//!   files the verdict DB knows of that release — the exact archive when `direct_url.json`
//!   records its sha256, else every file of that name and version the DB analysed (scan
//!   history, current analysis version) — and [`check::check`] judges it: stored verdicts
//!   under the current policy, imported known-malware advisories by name and version, the
//!   typosquat name check. A release the DB never saw is *unverified*.
//! - **Licence policy** from the installed METADATA (License-Expression, License,
//!   classifiers), through the same metadata rules and policy as `vet`.
//! - **Tampering after install** ([`integrity`]): every RECORD row with a hash is hashed
//!   again on disk; changed, missing or replaced files are reported, and `.pth` lines the
//!   interpreter executes at start-up that no RECORD accounts for.
//! - **The project's lockfiles** (`--project`): checked by `check` itself, and compared
//!   with what is installed (locked but not installed, other version installed).
//!
//! Nothing of the environment is imported or run; the interpreter is asked only for its
//! site folders, with `-I -S` (no `.pth` file runs).

mod html;
pub(crate) mod integrity;
mod render;
mod report;
pub(crate) mod site;

pub(crate) use html::render_html;
pub(crate) use render::{render_json, render_terminal};
pub(crate) use report::{AuditReport, Audited, Drift, Registry};

use crate::alerts::AlertId;
use crate::analysis::metadata::{self, MetadataPolicy, RegistryFacts};
use crate::check::{self, CheckOptions, CheckReport, PackageCheck, Platforms, Status};
use crate::db::ANALYSIS_VERSION;
use crate::finding::Finding;
use crate::gate::{Gate, GateError};
use crate::index::IndexClient;
use crate::lockfile::{Hash, LockFormat, LockedFile, LockedPackage, Lockfile, Source};
use crate::policy::Action;
use integrity::Verified;
use rayon::prelude::*;
use site::{DirectKind, Distribution};
use std::path::PathBuf;

/// The registry alerts `audit --online` keeps: what makes an installed release a
/// problem now. Age, popularity and documentation are for deciding to add a package
/// (`vet`); the licence comes from the installed METADATA.
const REGISTRY_ALERTS: &[AlertId] = &[
    AlertId::ProjectQuarantined,
    AlertId::KnownVulnerability,
    AlertId::YankedRelease,
    AlertId::ProjectArchived,
    AlertId::ProjectDeprecated,
    AlertId::InactiveProject,
    AlertId::Unmaintained,
];

/// Indexes asked at once by `audit --online`.
const ONLINE_WORKERS: usize = 8;

pub(crate) struct AuditOptions<'a> {
    pub unverified: Action,
    /// Licence lists (the other thresholds need registry facts, which audit does not ask for).
    pub metadata: &'a MetadataPolicy,
    /// The project's lockfiles, and which of their files count.
    pub lockfiles: &'a [Lockfile],
    pub platforms: Platforms<'a>,
    pub python: Option<PathBuf>,
    /// `--online`: ask this index for each release's registry status and vulnerabilities.
    pub online: Option<Online<'a>>,
}

/// The index `audit --online` asks, and "now" for the registry rules (unmaintained).
#[derive(Clone, Copy)]
pub(crate) struct Online<'a> {
    pub client: &'a IndexClient,
    pub now_unix: i64,
}

/// Reads the site folders, verifies and judges every distribution. A site folder that
/// cannot be listed and a DB error are errors (fail closed).
pub(crate) fn audit(sites: &[PathBuf], gate: &Gate, opts: &AuditOptions) -> Result<AuditReport, AuditError> {
    let mut dists = Vec::new();
    let mut pth = Vec::new();
    let mut unreadable = Vec::new();
    for s in sites {
        let read = site::read_site(s).map_err(|source| AuditError::Site { path: s.clone(), source })?;
        dists.extend(read.distributions);
        pth.extend(read.pth);
        unreadable.extend(read.unreadable);
    }
    let verified: Vec<Verified> = dists.par_iter().map(integrity::verify).collect();
    let pth = integrity::pth_code(&pth, &dists);

    let lock = environment_lockfile(sites.first().cloned().unwrap_or_default(), &dists, gate)?;
    let judged = check::check(std::slice::from_ref(&lock), gate, &CheckOptions { unverified: opts.unverified, fetch: None, platforms: Platforms::All })?;
    let mut checks = judged.packages.into_iter();
    let mut distributions = Vec::with_capacity(dists.len());
    for (dist, integrity) in dists.into_iter().zip(verified) {
        // environment_lockfile makes one entry per distribution, in order, all installable
        let Some(mut c) = checks.next() else { break };
        if c.files.is_empty() && c.status == Status::Unverified {
            c.reason = format!(
                "no file of {} {} in the verdict DB: installed before safe-pip or around it, or never checked; `safe-pip vet {}=={}` checks the release",
                dist.name, dist.version, dist.name, dist.version
            );
            c.hint = None;
        }
        licence(&mut c, &dist, gate, opts.metadata);
        distributions.push(Audited { dist, check: c, integrity, registry: None });
    }
    if let Some(online) = &opts.online {
        registry(&mut distributions, online, gate, opts.metadata)?;
    }

    let project = match opts.lockfiles {
        [] => None,
        locks => Some(check::check(locks, gate, &CheckOptions { unverified: opts.unverified, fetch: None, platforms: opts.platforms })?),
    };
    let drift = project.as_ref().map(|p| drift(p, &distributions)).unwrap_or_default();
    Ok(AuditReport {
        sites: sites.to_vec(),
        python: opts.python.clone(),
        distributions,
        pth,
        unreadable,
        project,
        drift,
        unverified_action: opts.unverified,
        online: opts.online.map(|o| o.client.index_urls()),
    })
}

/// The lockfiles of a project folder, by name (as `diff --git-base` finds them):
/// `requirements*.txt`, `requirements/*.txt`, `poetry.lock`, `uv.lock`, `pylock*.toml`.
pub(crate) fn project_lockfiles(dir: &std::path::Path) -> Vec<PathBuf> {
    let list = |d: &std::path::Path, prefix: &str| -> Vec<PathBuf> {
        let mut found: Vec<PathBuf> = std::fs::read_dir(d)
            .into_iter()
            .flatten()
            .filter_map(|e| e.ok())
            .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
            .filter(|e| crate::review::git::is_lockfile_name(&format!("{prefix}{}", e.file_name().to_string_lossy())))
            .map(|e| e.path())
            .collect();
        found.sort();
        found
    };
    let mut out = list(dir, "");
    out.extend(list(&dir.join("requirements"), "requirements/"));
    out
}

#[derive(Debug, thiserror::Error)]
pub(crate) enum AuditError {
    #[error("cannot read the site folder {}: {source}", path.display())]
    Site { path: PathBuf, source: std::io::Error },
    #[error(transparent)]
    Gate(#[from] GateError),
    /// `--online` and the index could not be asked: the audit stops (fail closed) rather
    /// than report releases as fine that were not checked.
    #[error("audit --online could not ask {index} about {release}: {message}")]
    Index { index: String, release: String, message: String, hint: String },
}

impl crate::error::Hint for AuditError {
    fn hint(&self) -> String {
        match self {
            AuditError::Site { .. } => "pass the environment's interpreter (--python PATH) or its site-packages folder (--site-packages DIR)".into(),
            AuditError::Gate(e) => format!("{} (`safe-pip db check` shows what is wrong)", e.hint()),
            AuditError::Index { hint, .. } => format!("{hint}; or audit without --online (the registry status and vulnerabilities are then not checked)"),
        }
    }
}

/// The environment as a lockfile: one entry per distribution, pinned to the files the
/// verdict DB knows of its release (see the module doc).
fn environment_lockfile(site: PathBuf, dists: &[Distribution], gate: &Gate) -> Result<Lockfile, GateError> {
    let mut lock = Lockfile::new(LockFormat::Requirements, &site);
    for d in dists {
        let mut p = LockedPackage::named(&d.name);
        p.version = Some(d.version.clone());
        p.file = Some(d.meta_dir.clone());
        p.source = match &d.direct_url {
            None => Source::Registry { index_url: None },
            Some(u) => match u.kind {
                DirectKind::Archive => Source::Url { url: u.url.clone() },
                DirectKind::Vcs => Source::Vcs { url: u.url.clone(), rev: None, commit: None },
                DirectKind::Directory => Source::Directory { path: u.url.clone() },
                DirectKind::Editable => Source::Editable { path: u.url.clone() },
            },
        };
        let file = |filename: Option<String>, sha: &str| Hash::new("sha256", sha).ok().map(|h| LockedFile { filename, hashes: vec![h], ..LockedFile::default() });
        p.files = match d.direct_url.as_ref().and_then(|u| u.sha256.as_deref()) {
            // The very archive that was installed.
            Some(sha) => file(d.direct_url.as_ref().and_then(|u| u.url.rsplit('/').next()).map(str::to_string), sha).into_iter().collect(),
            None => {
                let mut files: Vec<LockedFile> = Vec::new();
                for e in gate.history(&d.name)? {
                    let same = e.version.as_deref().is_some_and(|v| same_version(v, &d.version));
                    if same && e.analysis_version == ANALYSIS_VERSION && !files.iter().any(|f| f.sha256() == Some(e.sha256.as_str())) {
                        files.extend(file(Some(e.filename.clone()), &e.sha256));
                    }
                }
                files
            }
        };
        lock.packages.push(p);
    }
    Ok(lock)
}

fn same_version(a: &str, b: &str) -> bool {
    use crate::analysis::metadata::version::Version;
    a.trim() == b.trim() || matches!((Version::parse(a), Version::parse(b)), (Some(x), Some(y)) if x.cmp(&y).is_eq())
}

/// The licence the installed METADATA declares, judged by the metadata rules and the policy.
fn licence(c: &mut PackageCheck, d: &Distribution, gate: &Gate, policy: &MetadataPolicy) {
    let facts = RegistryFacts {
        license: d.license.clone(),
        license_expression: d.license_expression.clone(),
        classifiers: d.classifiers.clone(),
        ..RegistryFacts::new(&d.name, &d.version)
    };
    let found: Vec<Finding> = metadata::analyze(&facts, policy, 0)
        .into_iter()
        .filter(|f| matches!(f.alert, AlertId::LicenseMissing | AlertId::LicenseNotAllowed | AlertId::LicenseUnknown))
        .collect();
    merge(c, d, gate, found);
}

/// Adds `found` (registry or licence findings of the release) to the judged entry; like
/// the name check in `check`, the policy's verdict on them wins when it is worse.
fn merge(c: &mut PackageCheck, d: &Distribution, gate: &Gate, found: Vec<Finding>) {
    if found.is_empty() {
        return;
    }
    let decision = gate.decide(Some(&d.name), Some(&d.version), &found);
    let status = match decision.verdict {
        Action::Allow => Status::Allowed,
        Action::Warn => Status::Warned,
        Action::Block => Status::Blocked,
    };
    for f in found {
        if !c.alerts.contains(&f) {
            c.alerts.push(f);
        }
    }
    if status > c.status && status != Status::Allowed && c.status != Status::Blocked {
        c.status = status;
        c.reason = decision.reason();
        c.hint = None;
    }
}

/// `--online`: asks the index about every distribution installed from one — through the
/// code `vet` uses ([`crate::vet::registry_check`]) — and adds the registry alerts
/// ([`REGISTRY_ALERTS`]) to it. An index that cannot be asked stops the audit.
fn registry(dists: &mut [Audited], online: &Online, gate: &Gate, policy: &MetadataPolicy) -> Result<(), AuditError> {
    type Answer = Result<(Registry, Vec<Finding>), AuditError>;
    let chunk = dists.len().div_ceil(ONLINE_WORKERS).max(1);
    let asked: Vec<Answer> = std::thread::scope(|s| {
        let handles: Vec<_> = dists.chunks(chunk).map(|part| s.spawn(move || part.iter().map(|a| ask(&a.dist, online, policy)).collect::<Vec<Answer>>())).collect();
        handles.into_iter().flat_map(|h| h.join().unwrap_or_default()).collect()
    });
    if asked.len() != dists.len() {
        return Err(AuditError::Index {
            index: online.client.index_urls().join(", "),
            release: "the environment".into(),
            message: "a worker thread failed".into(),
            hint: "this is a bug in safe-pip; please report it".into(),
        });
    }
    for (a, answer) in dists.iter_mut().zip(asked) {
        let (registry, found) = answer?;
        merge(&mut a.check, &a.dist, gate, found);
        a.registry = Some(registry);
    }
    Ok(())
}

/// One distribution's registry status and vulnerabilities, with the alerts to add.
fn ask(d: &Distribution, online: &Online, policy: &MetadataPolicy) -> Result<(Registry, Vec<Finding>), AuditError> {
    if let Some(u) = &d.direct_url {
        let from = match u.kind {
            DirectKind::Archive => "an archive URL",
            DirectKind::Vcs => "a VCS checkout",
            DirectKind::Directory => "a local folder",
            DirectKind::Editable => "an editable local folder",
        };
        return Ok((Registry::NotAsked { reason: format!("installed from {from}, not from an index") }, Vec::new()));
    }
    let req = crate::vet::VetRequest { raw: format!("{}=={}", d.name, d.version), name: crate::pep503::normalize_name(&d.name), version: Some(d.version.clone()) };
    match crate::vet::registry_check(&req, online.client, policy, online.now_unix) {
        Ok((_, _, findings)) => {
            let mut kept: Vec<Finding> = findings.into_iter().filter(|f| REGISTRY_ALERTS.contains(&f.alert)).collect();
            crate::analysis::sort_findings(&mut kept);
            let mut alerts: Vec<&'static str> = kept.iter().map(|f| f.alert.id()).collect();
            alerts.dedup();
            Ok((Registry::Checked { alerts }, kept))
        }
        Err(crate::vet::VetStatus::NotFound { reason }) => Ok((Registry::NotFound { reason }, Vec::new())),
        // vet's hint names vet's own options; audit's is about the index
        Err(crate::vet::VetStatus::Error { message, .. }) => Err(unreachable_index(d, online, message, "check the network, the proxy (HTTPS_PROXY/NO_PROXY) and the index (-i/--index-url, or pip's configuration)".into())),
        Err(other) => {
            let message = match other {
                crate::vet::VetStatus::Unverified { reason } => reason,
                _ => "the index gave no answer".into(),
            };
            Err(unreachable_index(d, online, message, "allow safe-pip to reach the index (pip's `no-index` setting or offline mode forbids it)".into()))
        }
    }
}

fn unreachable_index(d: &Distribution, online: &Online, message: String, hint: String) -> AuditError {
    AuditError::Index { index: online.client.index_urls().join(", "), release: format!("{} {}", d.name, d.version), message, hint }
}

/// Locked packages (for this environment) that are not installed, or installed at another version.
fn drift(project: &CheckReport, installed: &[Audited]) -> Vec<Drift> {
    let mut out = Vec::new();
    for p in project.packages.iter().filter(|p| !p.not_for_environment) {
        let Some(locked) = &p.version else { continue };
        let norm = crate::pep503::normalize_name(&p.name);
        let found = installed.iter().find(|a| crate::pep503::normalize_name(&a.dist.name) == norm);
        let installed = match found {
            Some(a) if same_version(&a.dist.version, locked) => continue,
            Some(a) => Some(a.dist.version.clone()),
            None => None,
        };
        out.push(Drift { name: p.name.clone(), locked: locked.clone(), installed, location: p.location.clone() });
    }
    out
}

#[cfg(test)]
mod tests;
