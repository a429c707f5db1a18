//! `safe-pip audit [--python PATH | --site-packages DIR…] [--project DIR]`: the
//! distributions installed in an environment, read-only from its site folders, judged
//! through the verdict DB as `check` judges a lockfile, their RECORD hashes verified
//! against the files on disk, and the project's lockfiles checked beside them.

use super::lock_check_flags::query_target;
use super::outcome::Outcome;
use super::db_flags::{gate_error, open_gate};
use super::index_flags::IndexFlags;
use crate::audit::{self, AuditError, AuditOptions};
use crate::error::Error;
use crate::check::{self, Platforms};
use crate::install::interpreter;
use crate::lockfile::read_lockfile;
use crate::pipeline::ScanOptions;
use crate::policy::{Action, SettingsFlags};
use crate::report::ColorChoice;
use clap::{Args, ValueEnum};
use std::io::Write;
use std::path::PathBuf;

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum, Default)]
pub enum AuditFormat {
    #[default]
    Terminal,
    /// The audit as JSON (docs/audit.md).
    Json,
    /// One self-contained HTML page: per distribution status, files changed since install, alerts, history.
    Html,
}

#[derive(Args, Debug)]
#[command(after_help = "Exit codes: 0 nothing blocked, tampered with or unverified, 1 something blocked or tampered with (files changed after install, unaccounted .pth code), 2 an error (unreadable site folder, distribution, lockfile or DB), 3 something unverified.")]
pub struct AuditArgs {
    /// The environment to audit: a Python interpreter or a virtualenv folder (default: the
    /// active virtualenv, else the Python running safe-pip, else python3 on PATH). It is
    /// asked only for its site folders, with `-I -S`: no installed code runs.
    #[arg(long, value_name = "PATH", conflicts_with = "site_packages")]
    pub python: Option<PathBuf>,
    /// A site-packages folder to audit instead of asking an interpreter (repeatable).
    #[arg(long, value_name = "DIR")]
    pub site_packages: Vec<PathBuf>,
    /// Project folder: its lockfiles (requirements*.txt, requirements/*.txt, poetry.lock,
    /// uv.lock, pylock*.toml) are checked and compared with what is installed, and its
    /// pyproject.toml settings and decisions apply (default settings: the current folder's).
    #[arg(long, value_name = "DIR")]
    pub project: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t = AuditFormat::Terminal)]
    pub format: AuditFormat,
    /// Also ask the index (pip's configuration, or -i/--index-url) for each distribution's
    /// registry status — quarantined, deprecated, archived, inactive, unmaintained, release
    /// yanked — and its known vulnerabilities (the JSON API's advisories), as `vet` does.
    /// Without it audit sends nothing over the network. An index that cannot be asked is an
    /// error (exit 2).
    #[arg(long)]
    pub online: bool,
    #[command(flatten)]
    pub index: IndexFlags,
    /// Verdict DB to use instead of $SAFE_PIP_DB or the default location.
    #[arg(long, value_name = "PATH")]
    pub db: Option<PathBuf>,
    /// Report unverified distributions without failing (exit 0 instead of 3), unless the
    /// organisation's policy locks `unverified`.
    #[arg(long)]
    pub allow_unverified: bool,
    /// Every distribution, every alert, every tampered file, every `.pth` line.
    #[arg(long, short)]
    pub verbose: bool,
}

pub(crate) fn run(args: AuditArgs, color: ColorChoice) -> Outcome {
    if !args.online && (args.index.index_url.is_some() || !args.index.extra_index_url.is_empty()) {
        return Err(Error::new("--index-url and --extra-index-url choose the index `audit --online` asks; without --online audit asks none", "add --online to check registry status and vulnerabilities"));
    }
    let client = if args.online { Some(args.index.client()?) } else { None };
    let (sites, python) = sites(&args)?;
    let paths = args.project.as_deref().map(audit::project_lockfiles).unwrap_or_default();
    let lockfiles = paths.iter().map(|path| read_lockfile(path)).collect::<Result<Vec<_>, _>>()?;
    // The lockfiles are judged for the audited interpreter when they depend on the platform.
    let target = match (&python, check::needs_target(&lockfiles)) {
        (Some(p), true) => Some(query_target(Some(p)).map_err(|e| {
            // audit has no --all-platforms: with --site-packages every locked file is judged
            Error::new(
                format!("cannot tell which locked files this environment installs: {e}"),
                "pass --python PATH of an interpreter that can be asked, or --site-packages DIR to judge every locked file",
            )
        })?),
        _ => None,
    };
    let flags = SettingsFlags { unverified: args.allow_unverified.then_some(Action::Warn), ..SettingsFlags::default() };
    let settings = super::settings::load(args.project.as_deref(), &flags)?;
    let scan = ScanOptions { policy: settings.policy.clone(), ..ScanOptions::default() };
    let gate = open_gate(args.db.as_deref(), scan, "or point --db at a healthy DB")?;
    let platforms = match &target {
        Some(t) => Platforms::Environment(Some(t)),
        None => Platforms::All,
    };
    let now_unix = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0);
    let online = client.as_ref().map(|client| audit::Online { client, now_unix });
    let opts = AuditOptions { unverified: settings.unverified, metadata: &settings.metadata, lockfiles: &lockfiles, platforms, python, online };
    let report = audit::audit(&sites, &gate, &opts).map_err(|e| match e {
        AuditError::Gate(e) => gate_error(&e, ""),
        other => Error::from(other),
    })?;
    let text = match args.format {
        AuditFormat::Terminal => audit::render_terminal(&report, color.enabled(), args.verbose),
        AuditFormat::Json => audit::render_json(&report),
        AuditFormat::Html => audit::render_html(&report, &gate).map_err(|e| gate_error(&e, ""))?,
    };
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
    Ok(report.exit_code())
}

/// The site folders to read and the interpreter they belong to.
fn sites(args: &AuditArgs) -> Result<(Vec<PathBuf>, Option<PathBuf>), Error> {
    if !args.site_packages.is_empty() {
        return Ok((args.site_packages.clone(), None));
    }
    let hint = "pass the environment's interpreter (--python PATH) or its site-packages folder (--site-packages DIR)";
    let path_var = std::env::var_os("PATH");
    let python = interpreter::resolve(args.python.as_deref(), std::env::var_os("VIRTUAL_ENV").as_deref(), path_var.as_deref())?;
    let mut dirs = check::site_dirs(&python).map_err(|e| Error::new(format!("cannot ask {} for its site folders: {e}", python.display()), hint))?;
    dirs.retain(|d| d.is_dir());
    dirs.dedup();
    if dirs.is_empty() {
        return Err(Error::new(format!("{} has no site-packages folder", python.display()), hint));
    }
    Ok((dirs, Some(python)))
}
