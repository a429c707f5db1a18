//! `safe-pip check LOCKFILE…`: the files a lockfile pins that this environment would
//! install (or, with `--all-platforms`, every one), judged from the verdict DB with no
//! network (or `--fetch` to fill the gaps).

use super::outcome::Outcome;
use super::db_flags::gate_error;
use super::lock_check_flags::{Judging, LockCheckFlags};
use crate::check::{self, CheckOptions, Platforms};
use crate::lockfile::read_lockfile;
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
    #[command(flatten)]
    pub lock: LockCheckFlags,
    /// The command as the user typed it, named in hints (set by the Poetry plugin).
    #[arg(long, hide = true, value_name = "TEXT", default_value = "safe-pip check")]
    pub invoked_as: String,
    /// List every allowed package, every alert, the files not checked and the lockfile notes.
    #[arg(long, short)]
    pub verbose: bool,
}

pub(crate) fn run(args: CheckArgs, color: ColorChoice) -> Outcome {
    let lockfiles = args.files.iter().map(|path| read_lockfile(path)).collect::<Result<Vec<_>, _>>()?;
    let Judging { target, unverified, gate, client } = args.lock.judging(&lockfiles, args.files.first().map(PathBuf::as_path), &args.invoked_as)?;
    let platforms = if args.lock.all_platforms { Platforms::All } else { Platforms::Environment(target.as_ref()) };
    let opts = CheckOptions { unverified, fetch: client.as_ref(), platforms };
    // the report holds what it shows: the parsed lockfiles move into it (#14)
    let mut report = check::check_owned(lockfiles, &gate, &opts).map_err(|e| gate_error(&e, ""))?;
    report.invoked_as = args.invoked_as.clone();
    let mut stdout = std::io::stdout().lock();
    let _ = match args.format {
        CheckFormat::Json => check::write_json(&report, &mut stdout),
        CheckFormat::Sarif => stdout.write_all(check::render_sarif(&report, &gate.options().policy).as_bytes()),
        CheckFormat::Terminal => check::write_terminal(&report, color.enabled(), args.verbose, &mut stdout),
        CheckFormat::Html => stdout.write_all(crate::check::render_html(&report, &gate).map_err(|e| gate_error(&e, ""))?.as_bytes()),
    };
    Ok(report.exit_code())
}
