//! `safe-pip diff OLD NEW` / `safe-pip diff --git-base REF [LOCKFILE…]`: what a change of
//! lockfiles brings in — new, updated, removed and transitive-only dependencies — with
//! what is new judged through the gate (verdict DB first, `--fetch` to download and
//! analyse), the behaviour change of every update, and a recommendation; for a terminal,
//! a pull-request comment (Markdown) or code scanning (SARIF).

use super::outcome::Outcome;
use super::db_flags::gate_error;
use super::lock_check_flags::{Judging, LockCheckFlags};
use crate::check::CheckOptions;
use crate::error::Error;
use crate::lockfile::read_lockfile;
use crate::report::ColorChoice;
use crate::review::{self, LockPair, git::Repo};
use clap::{Args, ValueEnum};
use std::io::Write;
use std::path::PathBuf;

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum, Default)]
pub enum DiffFormat {
    #[default]
    Terminal,
    /// A pull-request comment (GitHub-flavoured Markdown).
    Markdown,
    /// SARIF 2.1.0 for code scanning.
    Sarif,
    /// The review as JSON (docs/diff-report.schema.json).
    Json,
    /// One self-contained HTML page: each change with its verdict, behaviour change, alerts and history.
    Html,
}

#[derive(Args, Debug)]
#[command(after_help = "Exit codes: 0 nothing new or updated is blocked or unverified, 1 something blocked, 2 an error (unreadable lockfile, git, DB, index), 3 something unverified.")]
pub struct DiffArgs {
    /// Without --git-base: OLD and NEW (requirements.txt, poetry.lock, pylock.toml or uv.lock).
    /// With --git-base: the lockfiles of the working tree to compare (default: every
    /// lockfile git knows there or at the ref).
    #[arg(value_name = "LOCKFILE")]
    pub files: Vec<PathBuf>,
    /// Compare the working tree's lockfiles with the same paths at this git ref (a branch,
    /// tag or commit; read with `git show`, nothing is checked out).
    #[arg(long, value_name = "REF")]
    pub git_base: Option<String>,
    #[arg(long, value_enum, default_value_t = DiffFormat::Terminal)]
    pub format: DiffFormat,
    /// Write the report to this file instead of stdout.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
    #[command(flatten)]
    pub lock: LockCheckFlags,
    /// Every alert of every package (terminal).
    #[arg(long, short)]
    pub verbose: bool,
}

pub(crate) fn run(args: DiffArgs, color: ColorChoice) -> Outcome {
    let (pairs, base_label, invoked) = load(&args)?;
    let heads: Vec<_> = pairs.iter().flat_map(|p| [p.head.clone(), p.base.clone()]).collect();
    let first = pairs.first().map(|p| p.head.path.as_path());
    let Judging { target, unverified, gate, client } = args.lock.judging(&heads, first, &invoked)?;
    let opts = CheckOptions { unverified, fetch: client.as_ref(), platforms: review::platforms(args.lock.all_platforms, target.as_ref()) };
    let mut report = review::review(&pairs, &gate, &opts, &base_label).map_err(|e| gate_error(&e, ""))?;
    report.invoked_as = invoked;
    let text = match args.format {
        DiffFormat::Terminal => review::render_terminal(&report, color.enabled() && args.output.is_none(), args.verbose),
        DiffFormat::Markdown => review::render_markdown(&report),
        DiffFormat::Sarif => review::render_sarif(&report, &gate.options().policy),
        DiffFormat::Json => review::render_json(&report),
        DiffFormat::Html => review::render_html(&report, &gate).map_err(|e| gate_error(&e, ""))?,
    };
    match &args.output {
        Some(path) => super::outcome::write_output(path, &text)?,
        None => {
            let _ = std::io::stdout().lock().write_all(text.as_bytes());
        }
    }
    Ok(report.exit_code())
}

/// The lockfile pairs, what the base is, and the command to suggest again.
fn load(args: &DiffArgs) -> Result<(Vec<LockPair>, String, String), Error> {
    match &args.git_base {
        Some(base) => {
            let repo = Repo::open(base)?;
            let pairs = repo.pairs(&args.files)?;
            if pairs.is_empty() {
                return Err(Error::new(
                    format!("no lockfile found in the working tree or at {}", repo.label()),
                    "name the lockfiles to compare: `safe-pip diff --git-base REF requirements.txt`",
                ));
            }
            Ok((pairs, format!("git {}", repo.label()), format!("safe-pip diff --git-base {base}")))
        }
        None => {
            let [old, new] = args.files.as_slice() else {
                return Err(Error::new(
                    format!("diff compares two lockfiles, OLD and NEW; {} given", args.files.len()),
                    "`safe-pip diff old/requirements.txt requirements.txt`, or `safe-pip diff --git-base main` for the working tree against a git ref",
                ));
            };
            let (base, head) = (read_lockfile(old)?, read_lockfile(new)?);
            let label = old.display().to_string();
            let pair = LockPair::new(Some(base), Some(head)).into_iter().collect();
            Ok((pair, label, format!("safe-pip diff {} {}", old.display(), new.display())))
        }
    }
}
