//! `diff`: what a change of lockfiles brings in, for the review of a pull request.
//!
//! Each pair of lockfiles (base → head: two files, or a file of the working tree against
//! the same path at a git ref, see [`git`]) is compared package by package
//! ([`crate::lockfile::diff`]): new dependencies (direct, or transitive only), updated
//! ones, removed ones. What is new or updated is judged by [`crate::check::check`] — the
//! verdict DB first, `--fetch` to download and analyse through the gate — exactly as
//! `safe-pip check` judges a lockfile; there is no second verdict path. For an updated
//! package the old version is judged too, and the difference of their behaviour (the
//! alerts with where the code runs, [`behaviour`]) says what the update changes: "2.1.0
//! adds install-time network access", "no longer ships an encoded payload".
//!
//! Each change gets a recommendation derived from the policy ([`Advice`]): safe to merge,
//! do not merge until reviewed, or do not merge — with the exact `safe-pip allow …` line
//! that documents an exception when one can be right ([`crate::report::remedy`]).

pub(crate) mod behaviour;
pub(crate) mod git;
mod html;
mod json;
mod markdown;
mod model;
mod sarif;
mod terminal;
#[cfg(test)]
mod tests;

pub(crate) use html::render_html;
pub(crate) use json::render_json;
pub(crate) use markdown::render_markdown;
pub(crate) use model::{Advice, Change, ChangeKind, LockPair, Review};
pub(crate) use sarif::render_sarif;
pub(crate) use terminal::render_terminal;

use crate::alerts::AlertId;
use crate::check::{self, CheckOptions, PackageCheck, Platforms, Status};
use crate::gate::{Gate, GateError};
use crate::lockfile::{self, DependencyKind, LockedPackage, Lockfile};
use crate::policy::{Action, Policy};
use crate::report::remedy::{Remedy, allow_command};

/// Compares each pair and judges what is new or updated (head) and what it replaces
/// (base) through the gate. A DB error is an `Err` (fail closed).
pub(crate) fn review(pairs: &[LockPair], gate: &Gate, opts: &CheckOptions, base_label: &str) -> Result<Review, GateError> {
    let mut changes = Vec::new();
    let mut unchanged = 0;
    for (at, pair) in pairs.iter().enumerate() {
        let d = lockfile::diff(&pair.base, &pair.head);
        unchanged += d.unchanged_count;
        for (p, kind) in d.added_with_kinds() {
            changes.push(change(at, ChangeKind::Added, &pair.head, None, Some(p.clone()), kind));
        }
        for (old, new) in &d.updated {
            let kind = lockfile::classify_in(&pair.head, new);
            changes.push(change(at, ChangeKind::Updated, &pair.head, Some(old.clone()), Some(new.clone()), kind));
        }
        for p in &d.removed {
            let kind = lockfile::classify_in(&pair.base, p);
            changes.push(change(at, ChangeKind::Removed, &pair.base, Some(p.clone()), None, kind));
        }
    }
    changes.sort_by(|a, b| (a.kind, &a.name.to_ascii_lowercase(), a.lockfile.as_os_str()).cmp(&(b.kind, &b.name.to_ascii_lowercase(), b.lockfile.as_os_str())));

    // One check for every head entry, one for every base entry that was updated: the same
    // batched DB query, advisories, platform choice and --fetch as `safe-pip check`.
    let heads = judge(pairs, &changes, gate, opts, |c| c.new.as_ref().filter(|_| c.kind != ChangeKind::Removed), |p| &p.head)?;
    let bases = judge(pairs, &changes, gate, opts, |c| c.old.as_ref().filter(|_| c.kind == ChangeKind::Updated), |p| &p.base)?;
    for ((c, head), base) in changes.iter_mut().zip(heads).zip(bases) {
        c.check = head;
        c.old_check = base;
        if c.kind == ChangeKind::Updated {
            c.behaviour = Some(behaviour::compare(c.old_check.as_ref(), c.check.as_ref(), c.old_version(), c.new_version()));
        }
        c.advice = advise(c, &gate.options().policy, opts.fetch.is_some());
    }
    Ok(Review {
        base_label: base_label.to_string(),
        lockfiles: pairs.iter().map(|p| p.head.path.clone()).collect(),
        changes,
        unchanged,
        unverified_action: opts.unverified,
        fetched: opts.fetch.is_some(),
        invoked_as: "safe-pip diff".into(),
    })
}

fn change(pair: usize, kind: ChangeKind, lock: &Lockfile, old: Option<LockedPackage>, new: Option<LockedPackage>, dependency: DependencyKind) -> Change {
    let entry = new.as_ref().or(old.as_ref()).expect("a change has an entry");
    Change {
        kind,
        name: entry.name.clone(),
        dependency,
        lockfile: lock.path.clone(),
        file: entry.file.clone().unwrap_or_else(|| lock.path.clone()),
        line: entry.line,
        old,
        new,
        check: None,
        old_check: None,
        behaviour: None,
        advice: Advice::Nothing,
        pair,
    }
}

/// Runs `check` over the entries `pick` selects (one lockfile per pair, holding just
/// those entries) and hands each change its result, in order; `None` where nothing was
/// picked or the entry is not installed (the project itself).
fn judge<'a>(
    pairs: &'a [LockPair],
    changes: &'a [Change],
    gate: &Gate,
    opts: &CheckOptions,
    pick: impl Fn(&'a Change) -> Option<&'a LockedPackage>,
    side: impl Fn(&'a LockPair) -> &'a Lockfile,
) -> Result<Vec<Option<PackageCheck>>, GateError> {
    let mut selected: Vec<Lockfile> = Vec::new();
    let mut owner: Vec<usize> = Vec::new();
    for (at, pair) in pairs.iter().enumerate() {
        let lock = side(pair);
        let mut only = Lockfile { packages: Vec::new(), warnings: Vec::new(), ..lock.clone() };
        for (i, c) in changes.iter().enumerate().filter(|(_, c)| c.pair == at) {
            if let Some(p) = pick(c).filter(|p| check::installable(p)) {
                only.packages.push(p.clone());
                owner.push(i);
            }
        }
        if !only.packages.is_empty() {
            selected.push(only);
        }
    }
    let mut out = vec![None; changes.len()];
    if selected.is_empty() {
        return Ok(out);
    }
    let report = check::check(&selected, gate, opts)?;
    for (i, p) in owner.into_iter().zip(report.packages) {
        out[i] = Some(p);
    }
    Ok(out)
}

/// The recommendation for one change, from its verdict and the policy.
fn advise(c: &Change, policy: &Policy, fetched: bool) -> Advice {
    let Some(p) = &c.check else { return Advice::Nothing };
    let version = p.version.as_deref();
    match p.status {
        Status::Allowed | Status::Skipped => Advice::Safe,
        Status::Warned => {
            let mut alerts: Vec<&'static str> = p.alerts.iter().filter(|f| policy.action_for(f.alert) == Action::Warn).map(|f| f.alert.id()).collect();
            alerts.sort_unstable();
            alerts.dedup();
            let allow = (!alerts.is_empty()).then(|| allow_command(&p.name, version, &alerts));
            Advice::Review { why: p.reason.clone(), allow, next: None }
        }
        Status::Unverified | Status::Error => {
            let fetchable = p.files.iter().any(|f| matches!(f.status, Status::Unverified) && f.sha256.is_some());
            let next = if fetchable && !fetched {
                Some("run the diff again with `--fetch` to download and scan it".to_string())
            } else {
                Some(format!("vet it: `safe-pip vet {}`", c.spec()))
            };
            Advice::Review { why: p.reason.clone(), allow: None, next }
        }
        Status::Blocked => {
            let deciding = p.files.iter().filter(|f| f.status == Status::Blocked).find_map(|f| f.report.as_ref());
            let known_malware = p.alerts.iter().any(|f| f.alert == AlertId::KnownMalware);
            let (allow, caution) = match deciding {
                Some(r) if !known_malware => {
                    let mut r = r.clone();
                    // The lockfile's name is the one a decision matches.
                    r.name = Some(p.name.clone());
                    r.version = p.version.clone();
                    let remedy = Remedy::for_block(&r, None);
                    (remedy.allow(), remedy.caution)
                }
                _ => (None, None),
            };
            Advice::Block { why: p.reason.clone(), allow, caution }
        }
    }
}

/// Platforms for a review: as `check`.
pub(crate) fn platforms(all: bool, target: Option<&check::Target>) -> Platforms<'_> {
    if all { Platforms::All } else { Platforms::Environment(target) }
}
