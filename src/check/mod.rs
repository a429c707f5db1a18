//! `check`: is every file a lockfile pins already known to be acceptable? Offline: each
//! pinned file is looked up by its sha256 in the verdict DB (one batched query for the
//! whole lockfile) and judged under the current policy; imported known-malware advisories
//! are matched by name and version (they block even without any verdict). Nothing is sent
//! over the network unless `--fetch` is given, which downloads the exact locked files
//! that are missing (hash-verified) and runs them through the [`Gate`].
//!
//! Which files count: by default, the ones the target environment (a [`Target`]: the
//! interpreter's wheel tags and marker environment) would install. An entry whose markers
//! are false there is *skipped* ("not for this environment"); among a package's files, the
//! best-ranked compatible wheel counts (as pip picks it), an sdist only when no wheel is
//! compatible, and a file whose name is unknown (requirements files pin bare hashes) always.
//! The other files are "for other platforms, not checked" — except that a file the DB
//! already blocks still blocks its package. With [`Platforms::All`] (`--all-platforms`)
//! every locked file counts, as the installer of another platform may pick any of them.
//!
//! A package's result is the worst of the files that count: blocked > error > unverified >
//! warned > allowed, so one unknown file among them makes the package unverified (reported
//! with counts). Entries without a pinned file hash (requirements without `--hash`, VCS
//! checkouts, local paths, unpinned versions) are unverified with the reason.

mod fetch;
mod model;
mod render;
pub(crate) mod html;
mod sarif;
mod select;
mod target;

pub(crate) use render::{render_json, render_terminal, write_json, write_terminal};
pub(crate) use html::from_check as render_html;
pub(crate) use sarif::{render_sarif, sarif_results};
pub(crate) use render::package as package_json;
pub(crate) use render::write_alerts;
pub(crate) use model::{CheckReport, FileCheck, LockfileSummary, PackageCheck, Status};
pub(crate) use target::{Target, TargetError, site_dirs};

use model::last_segment;
use select::select;

use crate::finding::Finding;
use crate::gate::{Gate, GateError};
use crate::index::IndexClient;
use crate::lockfile::{LockedPackage, Lockfile, Source};
use crate::policy::Action;
use std::borrow::Cow;
use std::path::Path;
use std::sync::Arc;

pub(crate) struct CheckOptions<'a> {
    /// What an unverified package means: `Block` (the default) makes the exit code 3;
    /// `Warn` / `Allow` report it without failing.
    pub unverified: Action,
    /// `--fetch`: the index to fill the gaps from. `None`: offline, nothing is sent.
    pub fetch: Option<&'a IndexClient>,
    /// Which locked files count (default: all of them).
    pub platforms: Platforms<'a>,
}

impl Default for CheckOptions<'_> {
    fn default() -> Self {
        CheckOptions { unverified: Action::Block, fetch: None, platforms: Platforms::All }
    }
}

/// Which locked files a check judges.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Platforms<'a> {
    /// Every locked file (`--all-platforms`).
    All,
    /// What this environment would install. `None` when nothing in the lockfiles depends on
    /// the platform ([`needs_target`] is false), so no interpreter had to be asked: then
    /// every file counts, as with `All`.
    Environment(Option<&'a Target>),
}

/// Whether choosing the files this environment installs needs a [`Target`]: some
/// installable entry has markers, or some locked file is a wheel.
pub(crate) fn needs_target(lockfiles: &[Lockfile]) -> bool {
    lockfiles.iter().flat_map(|l| l.packages.iter().filter(|p| installable(p))).any(|p| {
        p.markers.as_deref().is_some_and(|m| !m.trim().is_empty())
            || p.files.iter().any(|f| f.filename.as_deref().or(f.url.as_deref()).is_some_and(|n| n.split(['?', '#']).next().unwrap_or(n).to_ascii_lowercase().ends_with(".whl")))
    })
}

/// Checks every installable entry of the lockfiles (the project itself and `-c`
/// constraints are not installed and are skipped). A DB error is an `Err` (fail closed).
pub(crate) fn check(lockfiles: &[Lockfile], gate: &Gate, opts: &CheckOptions) -> Result<CheckReport, GateError> {
    // every entry's strings end in its result: copied once, here
    check_owned(lockfiles.to_vec(), gate, opts)
}

/// [`check`] of lockfiles no longer needed: each entry's strings move into its result
/// instead of being copied, so a large lockfile is not held twice (#14).
pub(crate) fn check_owned(lockfiles: Vec<Lockfile>, gate: &Gate, opts: &CheckOptions) -> Result<CheckReport, GateError> {
    let summaries = lockfiles.iter().map(summary).collect();
    // sized once: growing by doubling left up to half of the largest vector unused
    let mut packages: Vec<PackageCheck> = Vec::with_capacity(lockfiles.iter().map(|l| l.packages.iter().filter(|p| installable(p)).count()).sum());
    for mut l in lockfiles {
        let path: Arc<Path> = Arc::from(l.path.as_path());
        for p in std::mem::take(&mut l.packages).into_iter().filter(installable) {
            let location = l.location_of(&p);
            packages.push(new_package(&path, location, p));
        }
    }
    judge(summaries, packages, gate, opts)
}

fn summary(l: &Lockfile) -> LockfileSummary {
    LockfileSummary { path: l.path.clone(), format: l.format, packages: l.packages.iter().filter(|p| installable(p)).count(), warnings: l.warnings.clone() }
}

/// Judges the entries: verdicts and advisories from the DB, names, platforms, `--fetch`.
fn judge(lockfiles: Vec<LockfileSummary>, mut packages: Vec<PackageCheck>, gate: &Gate, opts: &CheckOptions) -> Result<CheckReport, GateError> {

    let shas: Vec<&str> = packages.iter().flat_map(|p| p.files.iter().filter_map(|f| f.sha256.as_deref())).collect();
    let known = gate.lookup_many(&shas)?;
    let target = match opts.platforms {
        Platforms::All => None,
        Platforms::Environment(t) => t,
    };
    let names: Vec<&str> = packages.iter().map(|p| p.name.as_str()).collect();
    let advisories = gate.advisories_for_names(&names)?;
    for p in &mut packages {
        let norm = crate::pep503::normalize_name(&p.name);
        p.advisory = advisories.get(&norm).and_then(|list| list.iter().find(|a| a.affects(p.version.as_deref()))).map(|a| Box::new(a.to_finding(p.version.as_deref())));
        p.name_check = crate::analysis::names::check_typosquat(&p.name).map(|squat| {
            let finding = Finding::new(crate::alerts::AlertId::Typosquat, "", squat.message());
            let decision = gate.decide(Some(&p.name), p.version.as_deref(), std::slice::from_ref(&finding));
            Box::new((finding, Status::of(decision.verdict), decision.reason()))
        });
        for f in &mut p.files {
            match f.sha256.as_ref().and_then(|s| known.get(s)) {
                Some(r) => f.judged(r.clone(), false),
                None if f.sha256.is_some() => f.set(Status::Unverified, "not in the verdict DB"),
                None => f.set(Status::Unverified, "the lockfile pins no sha256 for this file"),
            }
        }
        if let Some(t) = target {
            p.not_for_environment = p.markers.as_deref().is_some_and(|m| crate::pep508::evaluate(m, &t.markers) == Ok(Some(false)));
            select(p, t);
        }
    }
    if let Some(client) = opts.fetch {
        fetch::fill(&mut packages, client, gate, target)?;
    }
    for p in &mut packages {
        summarize(p);
    }
    Ok(CheckReport {
        lockfiles,
        packages,
        unverified_action: opts.unverified,
        fetched: opts.fetch.is_some(),
        all_platforms: matches!(opts.platforms, Platforms::All),
        target: target.cloned(),
        invoked_as: "safe-pip check".into(),
    })
}

/// The project itself (uv's root or virtual package, a local tree at the lockfile's own
/// folder as `pip lock -e .` writes it) is not a dependency.
pub(crate) fn installable(p: &LockedPackage) -> bool {
    let own_folder = |path: &str| matches!(path.trim_end_matches('/'), "" | ".");
    match &p.source {
        Source::Virtual { .. } => false,
        Source::Directory { path } | Source::Editable { path } => !p.root && !own_folder(path),
        _ => !p.root,
    }
}

/// An entry's result before judging; its strings are moved, not copied.
fn new_package(lockfile: &Arc<Path>, location: String, p: LockedPackage) -> PackageCheck {
    let files = p
        .files
        .into_iter()
        .map(|f| FileCheck {
            filename: f.filename.or_else(|| f.url.as_deref().and_then(last_segment)),
            sha256: f.hashes.into_iter().find(|h| h.algorithm == "sha256").map(|h| h.digest.to_ascii_lowercase()),
            url: f.url,
            status: Status::Unverified,
            reason: Cow::Borrowed(""),
            hint: None,
            report: None,
            fetched: false,
            applies: true,
            skip_reason: None,
            known_name: None,
        })
        .collect();
    PackageCheck {
        name: p.name,
        version: p.version,
        lockfile: Arc::clone(lockfile),
        location,
        source: p.source,
        status: Status::Unverified,
        reason: String::new(),
        hint: None,
        alerts: Vec::new(),
        files,
        markers: p.markers,
        not_for_environment: false,
        advisory: None,
        name_check: None,
    }
}

/// The package's status, reason and alerts from its advisory and files.
fn summarize(p: &mut PackageCheck) {
    p.alerts.clear();
    p.hint = None;
    for f in p.files.iter_mut().filter(|f| !f.applies && f.status == Status::Unverified) {
        f.status = Status::Skipped;
        f.reason = f.skip_reason.map(|why| format!("{why} (not checked)")).unwrap_or_default().into();
    }
    if let Some(a) = &p.advisory {
        p.status = Status::Blocked;
        p.reason = a.message.clone();
        p.alerts.push(Finding::clone(a));
    }
    let counted: Vec<&FileCheck> = p.files.iter().filter(|f| f.applies || f.status == Status::Blocked).collect();
    let Some(worst) = counted.iter().map(|f| f.status).max() else {
        if p.advisory.is_none() {
            (p.status, p.reason) = if p.not_for_environment {
                (Status::Skipped, format!("not for this environment: {}", p.markers.as_deref().unwrap_or_default()))
            } else if p.files.is_empty() {
                (Status::Unverified, no_file_reason(p))
            } else {
                (Status::Unverified, format!("none of the {} locked files installs on this environment; `--all-platforms` judges them all", p.files.len()))
            };
        }
        if !p.not_for_environment {
            name_check(p);
        }
        return;
    };
    let deciding: Vec<&FileCheck> = counted.iter().copied().filter(|f| f.status == worst).collect();
    for f in &deciding {
        for finding in f.report.iter().flat_map(|r| &r.findings) {
            if !p.alerts.contains(finding) {
                p.alerts.push(finding.clone());
            }
        }
    }
    if p.advisory.is_some() {
        return;
    }
    let first = deciding[0];
    let name = if first.applies { first.display_name() } else { format!("{} (not for this environment)", first.display_name()) };
    let n = counted.len();
    p.status = worst;
    p.reason = match worst {
        Status::Unverified | Status::Error if deciding.len() > 1 || n > 1 => {
            format!("{} of {n} locked files {}: {}", deciding.len(), worst.as_str(), first.reason)
        }
        Status::Allowed if n > 1 => format!("{n} locked files allowed"),
        _ => format!("{name}: {}", first.reason),
    };
    p.hint = first.hint.as_deref().map(str::to_string);
    name_check(p);
}

/// A misspelt name weighs like an alert of the package's files: its status wins when it
/// is worse than what the files say (and it is listed first among the alerts).
fn name_check(p: &mut PackageCheck) {
    let Some((finding, status, reason)) = p.name_check.as_deref() else { return };
    if !p.alerts.contains(finding) {
        p.alerts.insert(0, finding.clone());
    }
    if p.advisory.is_none() && *status > p.status && *status != Status::Allowed {
        p.status = *status;
        p.reason = reason.clone();
        p.hint = None;
    }
}

/// Why an entry without any pinned file cannot be verified, and what to do.
fn no_file_reason(p: &PackageCheck) -> String {
    match &p.source {
        Source::Registry { .. } if p.version.is_none() => {
            "not pinned to one version: what gets installed depends on the index at install time".into()
        }
        Source::Registry { .. } => "no file hash pinned (generate hashes: `pip-compile --generate-hashes`, `uv pip compile --generate-hashes`)".into(),
        Source::Url { url } => format!("direct URL without a hash ({})", crate::index::redact(url)),
        Source::Vcs { url, .. } => format!("VCS checkout ({}): no file hash to look up; scan the checkout with `safe-pip scan DIR`", crate::index::redact(url)),
        Source::Path { path } => format!("local archive {path}: scan it with `safe-pip scan {}`", beside(p, path)),
        Source::Directory { path } | Source::Editable { path } | Source::Virtual { path } => {
            format!("local source tree {path}: scan it with `safe-pip scan {}`", beside(p, path))
        }
    }
}

/// A path from the lockfile, as seen from where the user runs safe-pip.
fn beside(p: &PackageCheck, path: &str) -> String {
    match p.lockfile.parent() {
        Some(dir) if !dir.as_os_str().is_empty() && std::path::Path::new(path).is_relative() => dir.join(path).display().to_string(),
        _ => path.to_string(),
    }
}

#[cfg(test)]
mod tests;
