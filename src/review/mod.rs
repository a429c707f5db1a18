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
mod sarif;
mod terminal;
#[cfg(test)]
mod tests;

pub(crate) use behaviour::{BehaviourChange, BehaviourDiff};
pub(crate) use html::render_html;
pub(crate) use json::render_json;
pub(crate) use markdown::render_markdown;
pub(crate) use sarif::render_sarif;
pub(crate) use terminal::render_terminal;

use crate::alerts::AlertId;
use crate::check::{self, CheckOptions, PackageCheck, Platforms, Status};
use crate::exit::ExitStatus;
use crate::gate::{Gate, GateError};
use crate::lockfile::{self, DependencyKind, LockedPackage, Lockfile};
use crate::policy::{Action, Policy};
use crate::report::remedy::{Remedy, allow_command};
use std::path::PathBuf;

/// One lockfile as it was (base) and as it is (head). A lockfile added by the change has
/// an empty base, a removed one an empty head.
#[derive(Clone, Debug)]
pub(crate) struct LockPair {
    pub base: Lockfile,
    pub head: Lockfile,
}

impl LockPair {
    /// The pair of `base` and `head`; a missing side is an empty lockfile of the other's format.
    pub(crate) fn new(base: Option<Lockfile>, head: Option<Lockfile>) -> Option<LockPair> {
        match (base, head) {
            (Some(base), Some(head)) => Some(LockPair { base, head }),
            (None, Some(head)) => Some(LockPair { base: Lockfile::new(head.format, &head.path), head }),
            (Some(base), None) => Some(LockPair { head: Lockfile::new(base.format, &base.path), base }),
            (None, None) => None,
        }
    }
}

/// What happened to a package.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum ChangeKind {
    Added,
    Updated,
    Removed,
}

impl ChangeKind {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            ChangeKind::Added => "new",
            ChangeKind::Updated => "updated",
            ChangeKind::Removed => "removed",
        }
    }
}

/// One changed package.
#[derive(Clone, Debug)]
pub(crate) struct Change {
    pub kind: ChangeKind,
    pub name: String,
    /// The base entry (updated, removed).
    pub old: Option<LockedPackage>,
    /// The head entry (added, updated).
    pub new: Option<LockedPackage>,
    /// How the package comes in: read from the head lockfile (the base one when removed).
    pub dependency: DependencyKind,
    /// The lockfile the change is in (head; base for a removed package).
    pub lockfile: PathBuf,
    /// The entry that brought the package in: file (a `-r` include, else the lockfile) and line.
    pub file: PathBuf,
    pub line: Option<usize>,
    /// The head entry judged as `check` judges it (added and updated packages that get installed).
    pub check: Option<PackageCheck>,
    /// The base entry judged (updated packages), for the behaviour change.
    pub old_check: Option<PackageCheck>,
    /// Updated packages: how the behaviour changed.
    pub behaviour: Option<BehaviourDiff>,
    pub advice: Advice,
    /// Which [`LockPair`] it comes from.
    pair: usize,
}

impl Change {
    pub(crate) fn old_version(&self) -> Option<&str> {
        self.old.as_ref().and_then(|p| p.version.as_deref())
    }

    pub(crate) fn new_version(&self) -> Option<&str> {
        self.new.as_ref().and_then(|p| p.version.as_deref())
    }

    /// The head status (the package is not installed: `None`).
    pub(crate) fn status(&self) -> Option<Status> {
        self.check.as_ref().map(|c| c.status)
    }

    /// `file:line` of the entry.
    pub(crate) fn location(&self) -> String {
        match self.line {
            Some(l) => format!("{}:{l}", self.file.display()),
            None => self.file.display().to_string(),
        }
    }

    /// `name==version` (new version; the old one for a removal).
    pub(crate) fn spec(&self) -> String {
        match self.new_version().or(self.old_version()) {
            Some(v) => format!("{}=={v}", self.name),
            None => self.name.clone(),
        }
    }
}

/// What to do about a change, derived from its verdict under the policy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Advice {
    /// Removed, or not installed (the project itself): nothing to review.
    Nothing,
    /// Allowed by the policy.
    Safe,
    /// Warned, unverified or not checkable: a person must look first. `allow` documents
    /// an exception for the alerts that warn; `next` is what to run when it is unverified.
    Review { why: String, allow: Option<String>, next: Option<String> },
    /// Blocked. `allow` (with its caution) when an exception can be right at all.
    Block { why: String, allow: Option<String>, caution: Option<&'static str> },
}

impl Advice {
    /// The sentence the organisation standard uses.
    pub(crate) fn headline(&self) -> &'static str {
        match self {
            Advice::Nothing | Advice::Safe => "Safe to merge",
            Advice::Review { .. } => "Do not merge until reviewed",
            Advice::Block { .. } => "Do not merge",
        }
    }

    fn rank(&self) -> u8 {
        match self {
            Advice::Nothing => 0,
            Advice::Safe => 1,
            Advice::Review { .. } => 2,
            Advice::Block { .. } => 3,
        }
    }
}

/// The review of every changed lockfile.
#[derive(Clone, Debug)]
pub(crate) struct Review {
    /// What the base is, for headings: `requirements-old.txt` or `git main (3f2a9c1)`.
    pub base_label: String,
    /// The head lockfiles compared.
    pub lockfiles: Vec<PathBuf>,
    /// Added first, then updated, then removed; by name within each.
    pub changes: Vec<Change>,
    pub unchanged: usize,
    pub unverified_action: Action,
    pub fetched: bool,
    /// The command to run again with `--fetch` (in hints).
    pub invoked_as: String,
}

impl Review {
    /// Changes of one kind.
    pub(crate) fn of(&self, kind: ChangeKind) -> impl Iterator<Item = &Change> {
        self.changes.iter().filter(move |c| c.kind == kind)
    }

    /// Judged changes (new and updated) with this status.
    pub(crate) fn count(&self, s: Status) -> usize {
        self.changes.iter().filter(|c| c.status() == Some(s)).count()
    }

    /// The recommendation for the whole change: the worst of its packages'.
    pub(crate) fn advice(&self) -> &'static str {
        self.changes.iter().map(|c| &c.advice).max_by_key(|a| a.rank()).unwrap_or(&Advice::Nothing).headline()
    }

    /// 1 something new or updated is blocked, 2 an error, 3 something unverified (when
    /// unverified blocks), else 0 — as `check`.
    pub(crate) fn exit_code(&self) -> ExitStatus {
        if self.count(Status::Blocked) > 0 {
            ExitStatus::Blocked
        } else if self.count(Status::Error) > 0 {
            ExitStatus::Error
        } else if self.count(Status::Unverified) > 0 && self.unverified_action == Action::Block {
            ExitStatus::Unverified
        } else {
            ExitStatus::Allowed
        }
    }
}

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
                    (remedy.allow, remedy.caution)
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

/// "N new (M transitive only)": the count in brackets only when the lockfiles record
/// how packages come in.
pub(crate) fn added_summary(r: &Review) -> String {
    let added: Vec<&Change> = r.of(ChangeKind::Added).collect();
    if added.iter().all(|c| c.dependency == DependencyKind::Unknown) {
        return format!("{} new", added.len());
    }
    let transitive = added.iter().filter(|c| c.dependency == DependencyKind::Transitive).count();
    format!("{} new ({transitive} transitive only)", added.len())
}

/// "N new, N updated, N removed, N unchanged: N blocked, N unverified, N warned, N
/// allowed": the counts the terminal and HTML reports lead their summary with.
pub(crate) fn status_summary(r: &Review) -> String {
    let n = |k| r.of(k).count();
    format!(
        "{}, {} updated, {} removed, {} unchanged: {} blocked, {} unverified, {} warned, {} allowed",
        added_summary(r),
        n(ChangeKind::Updated),
        n(ChangeKind::Removed),
        r.unchanged,
        r.count(Status::Blocked),
        r.count(Status::Unverified),
        r.count(Status::Warned),
        r.count(Status::Allowed),
    )
}

/// The dependency kind for a line of text, `None` when the lockfile does not record it.
pub(crate) fn dependency_note(kind: DependencyKind) -> Option<&'static str> {
    (kind != DependencyKind::Unknown).then(|| dependency_label(kind))
}

/// A short name for a dependency kind, as reports show it ("transitive only" for a new
/// package nothing of the project requires directly).
pub(crate) fn dependency_label(kind: DependencyKind) -> &'static str {
    match kind {
        DependencyKind::Direct => "direct",
        DependencyKind::LikelyDirect => "direct (likely)",
        DependencyKind::Transitive => "transitive only",
        DependencyKind::Project => "the project",
        DependencyKind::Unknown => "not recorded",
    }
}
