//! `safe-pip check LOCKFILE…`: the files a lockfile pins that this environment would
//! install (or, with `--all-platforms`, every one), judged from the verdict DB with no
//! network (or `--fetch` to fill the gaps).

use super::db_flags::{open_gate, print_gate_error};
use super::index_flags::IndexFlags;
use super::{exit, print_error};
use crate::check::{self, CheckOptions, Platforms, Target, TargetError};
use crate::install::interpreter;
use crate::lockfile::read_lockfile;
use crate::pipeline::ScanOptions;
use crate::policy::SettingsFlags;
use crate::policy::Action;
use crate::report::ColorChoice;
use clap::{Args, ValueEnum};
use std::io::Write;
use std::path::PathBuf;

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum, Default)]
pub enum CheckFormat {
    #[default]
    Terminal,
    Json,
    /// SARIF 2.1.0 for code scanning: each package's alerts at its lockfile line.
    Sarif,
    /// One self-contained HTML page: per package risk, alerts, behaviour, history, similar packages; sortable and filterable.
    Html,
}

#[derive(Args, Debug)]
#[command(after_help = "Exit codes: 0 all allowed, warned or skipped, 1 something blocked, 2 an error (unreadable lockfile, DB, index, or a target interpreter that cannot be asked), 3 something unverified.")]
pub struct CheckArgs {
    /// requirements.txt (with or without --hash), poetry.lock, pylock.toml or uv.lock.
    #[arg(required = true, value_name = "LOCKFILE")]
    pub files: Vec<PathBuf>,
    #[arg(long, value_enum, default_value_t = CheckFormat::Terminal)]
    pub format: CheckFormat,
    /// Verdict DB to use instead of $SAFE_PIP_DB or the default location.
    #[arg(long, value_name = "PATH")]
    pub db: Option<PathBuf>,
    /// Download the locked files the DB does not know from the index (hash-verified) and
    /// scan them. Without it, `check` sends nothing over the network.
    #[arg(long)]
    pub fetch: bool,
    #[command(flatten)]
    pub index: IndexFlags,
    /// Report unverified packages without failing (exit 0 instead of 3), unless the
    /// organisation's policy locks `unverified`.
    #[arg(long)]
    pub allow_unverified: bool,
    /// Project directory whose pyproject.toml settings and decisions apply (default: the
    /// first lockfile's directory).
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
    /// The command as the user typed it, named in hints (set by the Poetry plugin).
    #[arg(long, hide = true, value_name = "TEXT", default_value = "safe-pip check")]
    pub invoked_as: String,
    /// List every allowed package, every alert, the files not checked and the lockfile notes.
    #[arg(long, short)]
    pub verbose: bool,
}

pub fn run(args: CheckArgs, color: ColorChoice) -> i32 {
    let mut lockfiles = Vec::new();
    for path in &args.files {
        match read_lockfile(path) {
            Ok(l) => lockfiles.push(l),
            Err(e) => {
                print_error(&e.to_string(), &e.hint());
                return exit::ERROR;
            }
        }
    }
    let target = match (args.all_platforms, args.python.is_some() || check::needs_target(&lockfiles)) {
        (false, true) => match query_target(args.python.as_deref()) {
            Ok(t) => Some(t),
            Err(e) => {
                print_error(&format!("cannot tell which locked files this environment installs: {e}"), &e.hint(&args.invoked_as));
                return exit::ERROR;
            }
        },
        _ => None,
    };
    let project = args.project.clone().or_else(|| args.files[0].parent().map(|p| if p.as_os_str().is_empty() { PathBuf::from(".") } else { p.to_path_buf() }));
    let flags = SettingsFlags { unverified: args.allow_unverified.then_some(Action::Warn), ..SettingsFlags::default() };
    let settings = match super::settings::load(project.as_deref(), &flags) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let scan = ScanOptions { policy: settings.policy, ..ScanOptions::default() };
    let Some(gate) = open_gate(args.db.as_deref(), scan, "or point --db at a healthy DB") else { return exit::ERROR };
    let client = match args.fetch {
        true => match args.index.client() {
            Some(c) => Some(c),
            None => return exit::ERROR,
        },
        false => None,
    };
    let platforms = if args.all_platforms { Platforms::All } else { Platforms::Environment(target.as_ref()) };
    let opts = CheckOptions { unverified: settings.unverified, fetch: client.as_ref(), platforms };
    let mut report = match check::check(&lockfiles, &gate, &opts) {
        Ok(r) => r,
        Err(e) => {
            print_gate_error(&e, "");
            return exit::ERROR;
        }
    };
    report.invoked_as = args.invoked_as.clone();
    let mut stdout = std::io::stdout().lock();
    let _ = match args.format {
        CheckFormat::Json => check::write_json(&report, &mut stdout),
        CheckFormat::Sarif => stdout.write_all(crate::report::sarif::from_check(&report, &gate.options().policy).as_bytes()),
        CheckFormat::Terminal => stdout.write_all(check::render_terminal(&report, color.enabled(), args.verbose).as_bytes()),
        CheckFormat::Html => match crate::report::html::from_check(&report, &gate) {
            Ok(html) => stdout.write_all(html.as_bytes()),
            Err(e) => {
                print_gate_error(&e, "");
                return exit::ERROR;
            }
        },
    };
    report.exit_code()
}

/// The target interpreter (`--python`, else as `safe-pip install` picks it) and what it
/// installs. Another Python (safe-pip's own, else python3 on PATH) may lend its pip to a
/// venv made without one.
pub(super) fn query_target(flag: Option<&std::path::Path>) -> Result<Target, TargetError> {
    let path_var = std::env::var_os("PATH");
    let python = interpreter::resolve(flag, std::env::var_os("VIRTUAL_ENV").as_deref(), path_var.as_deref())?;
    let mut lenders: Vec<PathBuf> = interpreter::front_python().map(|p| p.to_path_buf()).into_iter().collect();
    lenders.extend(interpreter::resolve(None, None, path_var.as_deref()).ok());
    Target::query(&python, &lenders)
}
