//! `safe-pip check LOCKFILE…`: every file a lockfile pins, judged from the verdict DB
//! with no network (or `--fetch` to fill the gaps).

use super::db_flags::{open_gate, print_gate_error};
use super::index_flags::IndexFlags;
use super::{exit, print_error};
use crate::check::{self, CheckOptions};
use crate::lockfile::read_lockfile;
use crate::pipeline::ScanOptions;
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
}

#[derive(Args, Debug)]
#[command(after_help = "Exit codes: 0 all allowed or warned, 1 something blocked, 2 an error (unreadable lockfile, DB or index), 3 something unverified.")]
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
    /// Report unverified packages without failing (exit 0 instead of 3).
    #[arg(long)]
    pub allow_unverified: bool,
    /// List every allowed package, every alert and the lockfile notes.
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
    let Some(gate) = open_gate(args.db.as_deref(), ScanOptions::default(), "or point --db at a healthy DB") else { return exit::ERROR };
    let client = match args.fetch {
        true => match args.index.client() {
            Some(c) => Some(c),
            None => return exit::ERROR,
        },
        false => None,
    };
    let opts = CheckOptions { unverified: if args.allow_unverified { Action::Warn } else { Action::Block }, fetch: client.as_ref() };
    let report = match check::check(&lockfiles, &gate, &opts) {
        Ok(r) => r,
        Err(e) => {
            print_gate_error(&e, "");
            return exit::ERROR;
        }
    };
    let text = match args.format {
        CheckFormat::Json => check::render_json(&report),
        CheckFormat::Terminal => check::render_terminal(&report, color.enabled(), args.verbose),
    };
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
    report.exit_code()
}
