//! The options `check` and `diff` share — `--db`, `--fetch`, the index flags,
//! `--allow-unverified`, `--project`, `--python`, `--all-platforms` — and what both build
//! from them before judging a lockfile: the target environment, the settings, the gate and
//! (with `--fetch`) the index client.

use super::db_flags::open_gate;
use super::index_flags::IndexFlags;
use crate::check::{self, Target, TargetError};
use crate::error::Error;
use crate::install::interpreter;
use crate::gate::Gate;
use crate::index::IndexClient;
use crate::lockfile::Lockfile;
use crate::pipeline::ScanOptions;
use crate::policy::{Action, SettingsFlags};
use clap::Args;
use std::path::{Path, PathBuf};

#[derive(Args, Debug, Clone, Default)]
pub struct LockCheckFlags {
    /// Verdict DB to use instead of $SAFE_PIP_DB or the default location.
    #[arg(long, value_name = "PATH")]
    pub db: Option<PathBuf>,
    /// Download the locked files the DB does not know from the index (hash-verified) and
    /// scan them (`diff`: those of new, updated and replaced packages). Without it nothing
    /// is sent over the network.
    #[arg(long)]
    pub fetch: bool,
    #[command(flatten)]
    pub index: IndexFlags,
    /// Report unverified packages without failing (exit 0 instead of 3), unless the
    /// organisation's policy locks `unverified`.
    #[arg(long)]
    pub allow_unverified: bool,
    /// Project directory whose pyproject.toml settings and decisions apply (default: the
    /// directory of the first lockfile; `diff`: of the first new one).
    #[arg(long, value_name = "DIR")]
    pub project: Option<PathBuf>,
    /// The environment the lock installs into: a Python interpreter or a virtualenv folder
    /// (default: the active virtualenv, else the Python running safe-pip, else python3 on
    /// PATH). Only the files it would install are judged: its wheel tags and markers are
    /// asked of it (through pip's own `packaging`).
    #[arg(long, value_name = "PATH", conflicts_with = "all_platforms")]
    pub python: Option<PathBuf>,
    /// Judge every locked file, for every platform and Python (for CI that vets the whole
    /// lock): one unknown file makes its package unverified.
    #[arg(long)]
    pub all_platforms: bool,
}

/// What a lockfile is judged with.
pub struct Judging {
    /// The environment the lock installs into; `None` with `--all-platforms` or when no
    /// lockfile needs one.
    pub target: Option<Target>,
    /// The action for unverified packages (the `unverified` setting).
    pub unverified: Action,
    pub gate: Gate,
    /// The index client with `--fetch`.
    pub client: Option<IndexClient>,
}

impl LockCheckFlags {
    /// Target, settings, gate and client for judging `lockfiles`; `first` is the lockfile
    /// whose folder is the project without `--project`; `invoked` the command named in hints.
    pub fn judging(&self, lockfiles: &[Lockfile], first: Option<&Path>, invoked: &str) -> Result<Judging, Error> {
        let target = match (self.all_platforms, self.python.is_some() || check::needs_target(lockfiles)) {
            (false, true) => Some(query_target(self.python.as_deref()).map_err(|e| {
                Error::new(format!("cannot tell which locked files this environment installs: {e}"), e.hint(invoked))
            })?),
            _ => None,
        };
        let project = self.project.clone().or_else(|| first.and_then(Path::parent).map(|p| if p.as_os_str().is_empty() { PathBuf::from(".") } else { p.to_path_buf() }));
        let flags = SettingsFlags { unverified: self.allow_unverified.then_some(Action::Warn), ..SettingsFlags::default() };
        let settings = super::settings::load(project.as_deref(), &flags)?;
        let scan = ScanOptions { policy: settings.policy, ..ScanOptions::default() };
        let gate = open_gate(self.db.as_deref(), scan, "or point --db at a healthy DB")?;
        let client = match self.fetch {
            true => Some(self.index.client()?),
            false => None,
        };
        Ok(Judging { target, unverified: settings.unverified, gate, client })
    }
}

/// The target interpreter (`--python`, else as `safe-pip install` picks it) and what it
/// installs. Another Python (safe-pip's own, else python3 on PATH) may lend its pip to a
/// venv made without one.
pub(super) fn query_target(flag: Option<&Path>) -> Result<Target, TargetError> {
    let path_var = std::env::var_os("PATH");
    let python = interpreter::resolve(flag, std::env::var_os("VIRTUAL_ENV").as_deref(), path_var.as_deref())?;
    let mut lenders: Vec<PathBuf> = interpreter::front_python().map(|p| p.to_path_buf()).into_iter().collect();
    lenders.extend(interpreter::resolve(None, None, path_var.as_deref()).ok());
    Target::query(&python, &lenders)
}
