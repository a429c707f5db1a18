//! What an audit reports: each installed distribution judged and verified, what the
//! index said about it, the `.pth` code found, and locked packages not installed as locked.

use super::integrity::{PthCode, Verified};
use super::site::Distribution;
use crate::check::{CheckReport, PackageCheck, Status};
use crate::exit::ExitStatus;
use crate::policy::Action;
use serde::Serialize;
use std::path::PathBuf;

/// One installed distribution, judged and verified.
#[derive(Clone, Debug)]
pub(crate) struct Audited {
    pub dist: Distribution,
    /// The judgement, as `check` makes it (status, reason, alerts, the DB's files).
    pub check: PackageCheck,
    pub integrity: Verified,
    /// `--online`: what the index said about the release (`None`: offline).
    pub registry: Option<Registry>,
}

/// What `audit --online` learnt from the index about one installed release.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub(crate) enum Registry {
    /// The index was asked; `alerts` are the registry alerts it raised (status, yank,
    /// inactivity, vulnerabilities), added to the distribution's alerts.
    Checked { alerts: Vec<&'static str> },
    /// The index has no such project or release (a private or removed one).
    NotFound { reason: String },
    /// Not installed from an index (a local folder, a VCS checkout, a URL): an index
    /// project of the same name would say nothing about it.
    NotAsked { reason: String },
}

impl Audited {
    pub(crate) fn tampered(&self) -> bool {
        !self.integrity.problems.is_empty()
    }
}

/// A locked package that is not installed as locked.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub(crate) struct Drift {
    pub name: String,
    pub locked: String,
    /// `None`: not installed at all.
    pub installed: Option<String>,
    /// `file:line` of the lock entry.
    pub location: String,
}

#[derive(Clone, Debug)]
pub(crate) struct AuditReport {
    /// The site folders read.
    pub sites: Vec<PathBuf>,
    /// The interpreter they belong to, when one was named or found.
    pub python: Option<PathBuf>,
    pub distributions: Vec<Audited>,
    /// Executable `.pth` lines (see [`PthCode::is_unaccounted`]).
    pub pth: Vec<PthCode>,
    /// Distribution folders that could not be read: (folder, why).
    pub unreadable: Vec<(PathBuf, String)>,
    /// `--project`: its lockfiles as `check` judges them.
    pub project: Option<CheckReport>,
    pub drift: Vec<Drift>,
    pub unverified_action: Action,
    /// `--online`: the indexes asked (credentials never included).
    pub online: Option<Vec<String>>,
}

impl AuditReport {
    pub(crate) fn count(&self, s: Status) -> usize {
        self.distributions.iter().filter(|d| d.check.status == s).count()
    }

    pub(crate) fn tampered(&self) -> usize {
        self.distributions.iter().filter(|d| d.tampered()).count()
    }

    pub(crate) fn unaccounted_pth(&self) -> usize {
        self.pth.iter().filter(|p| p.is_unaccounted()).count()
    }

    /// 1 something blocked or tampered with, 2 an error (a distribution or lockfile that
    /// cannot be read), 3 something unverified (when unverified blocks), else 0.
    pub(crate) fn exit_code(&self) -> ExitStatus {
        let own = if self.count(Status::Blocked) > 0 || self.tampered() > 0 || self.unaccounted_pth() > 0 {
            ExitStatus::Blocked
        } else if self.count(Status::Error) > 0 || !self.unreadable.is_empty() {
            ExitStatus::Error
        } else if self.count(Status::Unverified) > 0 && self.unverified_action == Action::Block {
            ExitStatus::Unverified
        } else {
            ExitStatus::Allowed
        };
        self.project.as_ref().map_or(own, |p| own.worst(p.exit_code()))
    }
}
