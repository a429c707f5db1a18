//! Command-line interface: clap definitions and dispatch. Each command lives in its own
//! file and gets parsed arguments; no analysis logic here.

mod check;
mod db;
mod db_flags;
mod explain;
mod index_flags;
mod proxy;
mod scan;
mod vet;

use crate::report::ColorChoice;
use clap::{Parser, Subcommand};
use std::ffi::OsString;

/// Exit codes shared by every command (DESIGN.md).
pub mod exit {
    pub const ALLOWED: i32 = 0;
    pub const BLOCKED: i32 = 1;
    pub const ERROR: i32 = 2;
}

#[derive(Parser, Debug)]
#[command(
    name = "safe-pip",
    version,
    about = "Keeps malicious and risky Python packages off your machine: every package is checked statically before it is installed.",
    after_help = "Exit codes: 0 allowed (warnings included), 1 something blocked, 2 usage or internal error, 3 unverified (offline or not checkable)."
)]
pub struct Cli {
    /// Colour the terminal report: auto (tty and no NO_COLOR), always, never.
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Scan package files (.tar.gz, .zip, .whl, .egg) or directories without running them.
    Scan(scan::ScanArgs),
    /// Vet packages before adding them: name, registry facts and code of a release.
    Vet(vet::VetArgs),
    /// Check a lockfile offline: every pinned file judged from the verdict DB.
    Check(check::CheckArgs),
    /// Explain an alert: what it means, why it matters, what to do.
    Explain(explain::ExplainArgs),
    /// Look after the verdict DB: path, check, stats, prune, reset, import, export.
    Db(db::DbArgs),
    /// Run the gating proxy: a local package index for uv, pip and other clients that
    /// checks every file before serving it.
    Proxy(proxy::ProxyArgs),
}

/// Runs the CLI with the given argv (argv[0] is the program name) and returns the exit code.
pub fn run<I, T>(argv: I) -> i32
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let cli = match Cli::try_parse_from(argv) {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return match e.kind() {
                clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion => exit::ALLOWED,
                _ => exit::ERROR,
            };
        }
    };
    match cli.command {
        Command::Scan(args) => scan::run(args, cli.color),
        Command::Vet(args) => vet::run(args, cli.color),
        Command::Check(args) => check::run(args, cli.color),
        Command::Explain(args) => explain::run(args, cli.color),
        Command::Db(args) => db::run(args, cli.color),
        Command::Proxy(args) => proxy::run(args),
    }
}

/// Prints an error with its remedy the same way for every command.
pub(crate) fn print_error(message: &str, hint: &str) {
    eprintln!("error: {message}");
    if !hint.is_empty() {
        eprintln!("hint: {hint}");
    }
}

/// The index settings pip would use, with `-i/--index-url` and `--extra-index-url` given
/// on safe-pip's command line applied as pip applies them. Errors are printed.
pub(crate) fn pip_index_settings(index_url: Option<&str>, extra_index_urls: &[String]) -> Result<crate::index::IndexSettings, i32> {
    let mut pip_args = vec!["install".to_string()];
    if let Some(u) = index_url {
        pip_args.extend(["--index-url".into(), u.to_string()]);
    }
    for u in extra_index_urls {
        pip_args.extend(["--extra-index-url".into(), u.clone()]);
    }
    crate::index::discover(&crate::index::DiscoveryInputs::from_process(&pip_args)).map_err(|e| {
        print_error(&e.to_string(), &e.hint());
        exit::ERROR
    })
}
