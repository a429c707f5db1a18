//! What a check reports: each lockfile entry with its locked files, their status and
//! reasons, and the whole report with its exit code.

use super::target::Target;
use crate::exit::ExitStatus;
use crate::finding::Finding;
use crate::lockfile::{LockFormat, LockWarning, Source};
use crate::pipeline::PackageReport;
use crate::policy::Action;
use serde::Serialize;
use std::borrow::Cow;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// How a package or file came out, worst last.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Status {
    /// Not for this environment: the entry's markers are false, or (files) another
    /// platform's file. Never fails the check.
    Skipped,
    Allowed,
    Warned,
    Unverified,
    Error,
    Blocked,
}

impl Status {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Status::Skipped => "skipped",
            Status::Allowed => "allowed",
            Status::Warned => "warned",
            Status::Unverified => "unverified",
            Status::Error => "error",
            Status::Blocked => "blocked",
        }
    }

    pub(super) fn of(verdict: Action) -> Status {
        match verdict {
            Action::Allow => Status::Allowed,
            Action::Warn => Status::Warned,
            Action::Block => Status::Blocked,
        }
    }
}

/// One locked file of a package.
#[derive(Clone, Debug)]
pub(crate) struct FileCheck {
    pub filename: Option<String>,
    pub url: Option<String>,
    /// Lower-case hex, when the lockfile pins one.
    pub sha256: Option<String>,
    pub status: Status,
    /// Mostly one of a few fixed sentences ("not in the verdict DB"): those are not copied
    /// into every file of a large lockfile (#14).
    pub reason: Cow<'static, str>,
    /// For errors: what to do. (`Box<str>`, as `known_name`: a large lockfile has many
    /// files, few with one.)
    pub hint: Option<Box<str>>,
    /// The verdict, when the file is known (from the DB or fetched).
    /// Boxed: most files of a large lockfile have no verdict, and an inline report would
    /// make every one of them as large as one that has.
    pub report: Option<Box<PackageReport>>,
    /// Downloaded and judged by `--fetch` in this run.
    pub fetched: bool,
    /// This environment would install it (always true with `--all-platforms`).
    pub applies: bool,
    /// Why it does not apply.
    pub(super) skip_reason: Option<&'static str>,
    /// Its name as the index gives it, when the lockfile names only its hash.
    pub(super) known_name: Option<Box<str>>,
}

/// One lockfile entry.
#[derive(Clone, Debug)]
pub(crate) struct PackageCheck {
    pub name: String,
    pub version: Option<String>,
    /// Shared by the lockfile's entries (one path, not one copy per entry: #14).
    pub lockfile: Arc<Path>,
    /// `file:line` of the entry.
    pub location: String,
    pub source: Source,
    pub status: Status,
    pub reason: String,
    pub hint: Option<String>,
    /// Known-malware advisory first, then the alerts of the files that decided the status.
    pub alerts: Vec<Finding>,
    pub files: Vec<FileCheck>,
    /// Environment markers, as the lockfile gives them.
    pub markers: Option<String>,
    /// The markers are false for the target environment: nothing of it gets installed.
    pub not_for_environment: bool,
    /// Boxed, as `name_check`: few entries have one, and inline they made every entry of
    /// a 200,000-entry lockfile several hundred bytes larger (#14).
    pub(super) advisory: Option<Box<Finding>>,
    /// The name misspells a popular project's (`reqeusts`): its finding and what the
    /// policy (decisions included) makes of it. Known without any file or the network.
    pub(super) name_check: Option<Box<(Finding, Status, String)>>,
}

impl PackageCheck {
    /// Files per status.
    #[cfg(test)]
    pub(crate) fn count(&self, s: Status) -> usize {
        self.files.iter().filter(|f| f.status == s).count()
    }

    /// The files that decide the status: those this environment installs, and any file
    /// the DB blocks.
    pub(crate) fn counted(&self) -> impl Iterator<Item = &FileCheck> {
        self.files.iter().filter(|f| f.applies || f.status == Status::Blocked)
    }
}

/// One lockfile that was read.
#[derive(Clone, Debug)]
pub(crate) struct LockfileSummary {
    pub path: PathBuf,
    pub format: LockFormat,
    pub packages: usize,
    pub warnings: Vec<LockWarning>,
}

#[derive(Clone, Debug)]
pub(crate) struct CheckReport {
    pub lockfiles: Vec<LockfileSummary>,
    pub packages: Vec<PackageCheck>,
    pub unverified_action: Action,
    pub fetched: bool,
    /// `--all-platforms`: every locked file was judged.
    pub all_platforms: bool,
    /// The environment the files were chosen for, when one was asked.
    pub target: Option<Target>,
    /// The command as the user typed it, for hints (`safe-pip check`, `poetry safe-pip check`).
    pub invoked_as: String,
}

impl CheckReport {
    pub(crate) fn count(&self, s: Status) -> usize {
        self.packages.iter().filter(|p| p.status == s).count()
    }

    /// Locked files this environment would not install (other platforms, entries not for
    /// this environment).
    pub(crate) fn files_not_checked(&self) -> usize {
        self.packages.iter().flat_map(|p| &p.files).filter(|f| !f.applies).count()
    }

    /// 1 anything blocked, 2 an error, 3 anything unverified (when unverified blocks),
    /// else 0.
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

pub(super) fn last_segment(url: &str) -> Option<String> {
    let path = url.split(['?', '#']).next()?;
    path.rsplit('/').next().filter(|s| !s.is_empty()).map(str::to_string)
}

impl FileCheck {
    /// The file name, else its pinned hash (requirements files name no files).
    pub(crate) fn display_name(&self) -> String {
        match (&self.filename, &self.sha256) {
            (Some(n), _) => n.clone(),
            (None, Some(sha)) => format!("sha256:{}…", &sha[..sha.len().min(12)]),
            (None, None) => "a locked file".into(),
        }
    }

    /// The name to read wheel tags from: the lockfile's, else the index's or the DB's.
    pub(super) fn name_for_tags(&self) -> Option<String> {
        let name = self.filename.clone().or_else(|| self.known_name.as_deref().map(str::to_string)).or_else(|| self.report.as_ref().map(|r| r.filename.clone()))?;
        Some(last_segment(&name).unwrap_or(name))
    }

    pub(super) fn skip(&mut self, applies: bool, why: &'static str) {
        self.applies = applies;
        self.skip_reason = (!applies).then_some(why);
    }

    pub(super) fn set(&mut self, status: Status, reason: impl Into<Cow<'static, str>>) {
        self.status = status;
        self.reason = reason.into();
    }

    pub(super) fn judged(&mut self, report: PackageReport, fetched: bool) {
        self.set(Status::of(report.decision.verdict), report.decision.reason());
        self.report = Some(Box::new(report));
        self.fetched = fetched;
    }

    pub(super) fn error(&mut self, message: String, hint: String) {
        self.set(Status::Error, message);
        self.hint = Some(hint.into());
    }
}

/// A short name for the entry's source, as reports show it.
pub(crate) fn source_kind(s: &Source) -> &'static str {
    match s {
        Source::Registry { .. } => "registry",
        Source::Url { .. } => "url",
        Source::Vcs { .. } => "vcs",
        Source::Path { .. } => "path",
        Source::Directory { .. } => "directory",
        Source::Editable { .. } => "editable",
        Source::Virtual { .. } => "virtual",
    }
}
