//! Command-line interface: clap definitions and dispatch. Each command lives in its own
//! file and gets parsed arguments; no analysis logic here.

mod audit;
mod check;
mod config;
mod db;
mod db_flags;
mod decision;
mod diff;
mod explain;
mod index_flags;
mod install;
mod lock_check_flags;
mod outcome;
mod proxy;
mod serve;
mod report;
mod scan;
mod service;
mod settings;
mod setup;
mod vet;

use crate::error::Error;
use crate::exit::ExitStatus;
use crate::report::ColorChoice;
use outcome::Outcome;
use clap::{Parser, Subcommand};
use std::ffi::OsString;


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
    /// Check a lockfile offline: the files this environment installs (or every file) judged from the verdict DB.
    Check(check::CheckArgs),
    /// Review a change of lockfiles (two files, or the working tree against a git ref): new, updated and removed dependencies, behaviour changes, a recommendation.
    Diff(diff::DiffArgs),
    /// Audit an installed environment: its distributions judged from the verdict DB, files changed since install, the project's lockfiles.
    Audit(audit::AuditArgs),
    /// Prepare the malware report for PyPI about a release (evidence from the verdict DB or a file analysed now); sends nothing.
    Report(report::ReportArgs),
    /// Explain an alert: what it means, why it matters, what to do.
    Explain(explain::ExplainArgs),
    /// Look after the verdict DB: path, check, stats, prune, reset, import, export.
    Db(db::DbArgs),
    /// Run pip install behind the checking proxy: every file is checked before pip gets it.
    Install(install::InstallArgs),
    /// Run the checking proxy as a local service: start, stop, status, log.
    Service(service::ServiceArgs),
    /// Point pip's or uv's user configuration at the service (--undo restores it).
    Setup(setup::SetupArgs),
    /// Show the effective policy: each setting, its value and where it came from.
    Config(config::ConfigArgs),
    /// Document a decision to accept named alerts of a package (written to pyproject.toml).
    Allow(decision::AllowArgs),
    /// Document a decision to block a package (written to pyproject.toml).
    Deny(decision::DenyArgs),
    /// Run the gating proxy: a local package index for uv, pip and other clients that
    /// checks every file before serving it.
    Proxy(proxy::ProxyArgs),
    /// Run the organisation gateway: a shared, authenticated package index that checks every
    /// file once for everyone, verdicts and decisions in SQLite or PostgreSQL.
    Serve(serve::ServeArgs),
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
                clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion => ExitStatus::Allowed,
                _ => ExitStatus::Error,
            }
            .code();
        }
    };
    // The servers handle SIGINT themselves (graceful shutdown); every other command gets
    // the Ctrl-C handler: a clean message and exit 130.
    let _interrupt = (!matches!(cli.command, Command::Proxy(_) | Command::Service(_) | Command::Serve(_))).then(crate::interrupt::install);
    // `scan --jobs N` sizes the pool every analysis runs on; when a pool was already
    // started (the Python front), `scan` makes a pool of its own
    let threads = match &cli.command {
        Command::Scan(args) => args.jobs,
        _ => None,
    };
    let _ = crate::pipeline::init_global_pool(threads);
    crate::memory::settle_allocator();
    let status = render(dispatch(cli));
    if crate::interrupt::interrupted() {
        crate::interrupt::report();
        return ExitStatus::Interrupted.code();
    }
    status.code()
}

fn dispatch(cli: Cli) -> Outcome {
    match cli.command {
        Command::Scan(args) => scan::run(args, cli.color),
        Command::Vet(args) => vet::run(args, cli.color),
        Command::Check(args) => check::run(args, cli.color),
        Command::Diff(args) => diff::run(args, cli.color),
        Command::Audit(args) => audit::run(args, cli.color),
        Command::Report(args) => report::run(args),
        Command::Explain(args) => explain::run(args, cli.color),
        Command::Db(args) => db::run(args, cli.color),
        Command::Install(args) => install::run(args, cli.color),
        Command::Service(args) => service::run(args, cli.color),
        Command::Setup(args) => setup::run(args),
        Command::Config(args) => config::run(args, cli.color),
        Command::Allow(args) => decision::run_allow(args, cli.color),
        Command::Deny(args) => decision::run_deny(args, cli.color),
        Command::Proxy(args) => proxy::run(args),
        Command::Serve(args) => serve::run(args),
    }
}

/// The one place a command's error is shown: each problem and what to do about it, the
/// same way for every command, then exit 2. Both may quote untrusted text (paths, names,
/// lines of a lockfile, parse errors), so both are escaped for the terminal.
fn render(outcome: Outcome) -> ExitStatus {
    match outcome {
        Ok(status) => status,
        Err(e) => {
            eprint!("{}", error_text(&e));
            ExitStatus::Error
        }
    }
}

/// `error: MESSAGE` and `hint: REMEDY` lines (no hint line for an empty remedy).
fn error_text(e: &Error) -> String {
    let mut out = String::new();
    for p in e.problems() {
        out.push_str(&format!("error: {}\n", crate::report::escape_terminal_lines(&p.message, "  ")));
        if !p.hint.is_empty() {
            out.push_str(&format!("hint: {}\n", crate::report::escape_terminal_lines(&p.hint, "  ")));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{Error, ExitStatus, error_text, render};

    #[test]
    fn an_error_is_shown_escaped_with_its_remedy_and_exits_2() {
        let e = Error::new("cannot read \x1b[2Jevil.txt\nline 2", "check the path");
        assert_eq!(error_text(&e), "error: cannot read \\x1b[2Jevil.txt\n  line 2\nhint: check the path\n");
        assert_eq!(error_text(&Error::new("no hint", "")), "error: no hint\n");
        assert_eq!(render(Err(e)), ExitStatus::Error);
        assert_eq!(render(Ok(ExitStatus::Blocked)), ExitStatus::Blocked);
    }
}
