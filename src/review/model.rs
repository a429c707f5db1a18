//! What a review is made of: the lockfile pairs compared, each changed package with its
//! verdicts and advice, and the summaries every report leads with.

use super::behaviour::BehaviourDiff;
use crate::check::{PackageCheck, Status};
use crate::exit::ExitStatus;
use crate::lockfile::{DependencyKind, LockedPackage, Lockfile};
use crate::policy::Action;
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
    pub(super) pair: usize,
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
