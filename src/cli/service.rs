//! `safe-pip service start|stop|status|log|run`: the checking proxy as a local service on
//! a fixed loopback port, for installers pointed at it with `safe-pip setup`.

use super::outcome::Outcome;
use crate::error::Error;
use crate::exit::ExitStatus;
use crate::report::ColorChoice;
use crate::service::config::ServiceConfig;
use crate::service::setup::{self, InstallerState, Routing, Tool};
use crate::service::verdict_log::{self, Filter, Verdict};
use crate::service::{self, daemon};
use clap::{Args, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Args, Debug)]
#[command(after_help = "The port is --port, else the one `safe-pip setup` saved, else 7431. State, pid file, log and verdict log \
(verdicts.jsonl, read by `service log`): the platform state directory (~/.local/state/safe-pip on Linux). status exits 0 when the service answers, 3 when it is not running, 2 on problems.")]
pub struct ServiceArgs {
    #[command(subcommand)]
    pub action: ServiceAction,
}

#[derive(Subcommand, Debug)]
pub enum ServiceAction {
    /// Start the service in the background and wait until it answers.
    Start(PortArgs),
    /// Stop the running service.
    Stop,
    /// Is the service running, which indexes does it serve, which installers use it,
    /// and what did it block or warn about lately?
    Status,
    /// What the service decided about each file: blocks, warnings (which pip and uv do
    /// not show) and allowed files, with the alerts and what to run next.
    Log(LogArgs),
    /// Run the service in the foreground (what `start` runs in the background).
    Run(PortArgs),
}

#[derive(Args, Debug)]
pub struct PortArgs {
    /// Loopback port to listen on.
    #[arg(long)]
    pub port: Option<u16>,
    /// The verdict DB (default: $SAFE_PIP_DB, else the platform data directory).
    #[arg(long, value_name = "PATH")]
    pub db: Option<PathBuf>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum, Default)]
pub enum LogFormat {
    #[default]
    Terminal,
    /// A JSON array of the log's entries.
    Json,
}

#[derive(Args, Debug)]
pub struct LogArgs {
    /// Only decisions since then: a duration back from now (30s, 10m, 2h, 1d, 2w) or an
    /// RFC 3339 time (2026-05-01T10:00:00Z, or a date).
    #[arg(long, value_name = "WHEN", value_parser = parse_since)]
    pub since: Option<i64>,
    /// Only blocked files (with --warned: blocked and warned ones).
    #[arg(long)]
    pub blocked: bool,
    /// Only warned files (with --blocked: blocked and warned ones).
    #[arg(long)]
    pub warned: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = LogFormat::Terminal)]
    pub format: LogFormat,
}

fn parse_since(s: &str) -> Result<i64, verdict_log::SinceError> {
    verdict_log::parse_since(s, crate::db::now())
}

pub(crate) fn run(args: ServiceArgs, color: ColorChoice) -> Outcome {
    match args.action {
        ServiceAction::Start(p) => match daemon::start(p.port, p.db.as_deref()) {
            Ok(info) => {
                let log = service::state_dir().map(|s| daemon::log_file(&s).display().to_string()).unwrap_or_default();
                println!("safe-pip service running on {} (pid {}); log: {log}", info.url(), info.pid);
                Ok(ExitStatus::Allowed)
            }
            Err(e) => Err(e.into()),
        },
        ServiceAction::Stop => match daemon::stop() {
            Ok(Some(info)) => {
                println!("safe-pip service stopped (pid {}, port {})", info.pid, info.port);
                Ok(ExitStatus::Allowed)
            }
            Ok(None) => {
                println!("safe-pip service is not running");
                Ok(ExitStatus::Allowed)
            }
            Err(e) => Err(e.into()),
        },
        ServiceAction::Status => status(),
        ServiceAction::Log(a) => log(a, color),
        ServiceAction::Run(p) => match daemon::run(p.port, p.db) {
            Ok(()) => Ok(ExitStatus::Allowed),
            Err(e) => Err(e.into()),
        },
    }
}

fn status() -> Outcome {
    let state = service::state_dir()?;
    let status = daemon::status()?;
    let port = match &status {
        daemon::Status::Running { info, .. } | daemon::Status::Unhealthy { info, .. } => info.port,
        daemon::Status::NotRunning => ServiceConfig::load(&state).map(|c| c.port).unwrap_or(service::DEFAULT_PORT),
    };
    let cfg = ServiceConfig { port, ..ServiceConfig::default() };
    let installers: Vec<InstallerState> = [Tool::Pip, Tool::Uv].into_iter().map(|t| setup::installer_state(t, &cfg)).collect();
    let using: Vec<&str> = installers
        .iter()
        .filter(|i| matches!(i.routing, Routing::Routed | Routing::Partly { .. }))
        .map(|i| i.tool.name())
        .collect();
    // An unhealthy service is an error, said after what status shows of the installers.
    let outcome = match status {
        daemon::Status::Running { info, upstreams } => {
            println!("safe-pip service is running on {} (pid {})", info.url(), info.pid);
            for (k, u) in upstreams.iter().enumerate() {
                println!("  upstream {k}: {u} -> {}{}", info.url(), crate::proxy::index_path(k));
            }
            Ok(ExitStatus::Allowed)
        }
        daemon::Status::Unhealthy { info, detail } => Err(Error::new(
            format!("the safe-pip service (pid {}) does not answer on {}: {detail}", info.pid, info.url()),
            "safe-pip service stop && safe-pip service start; the log is in the state directory (service.log)",
        )),
        daemon::Status::NotRunning => {
            if using.is_empty() {
                println!("safe-pip service is not running (and no installer is set up to use it: `safe-pip setup pip`, `safe-pip setup uv`)");
            } else {
                println!(
                    "safe-pip service is not running: {} installs fail until `safe-pip service start` (they never go around it)",
                    using.join(" and ")
                );
            }
            Ok(ExitStatus::NotRunning)
        }
    };
    for i in &installers {
        println!("  {}", installer_line(i));
    }
    println!("  {}", recent_line(&state));
    outcome
}

/// `pip: uses the service (FILE)` and the like, from the file as it is now.
fn installer_line(i: &InstallerState) -> String {
    let name = i.tool.name();
    let file = i.file.as_ref().map(|f| f.display().to_string()).unwrap_or_else(|| "no config file".into());
    match &i.routing {
        Routing::Routed => format!("{name}: set up, uses the service ({file})"),
        Routing::Partly { bypass } => {
            format!("{name}: partly set up: {} in {file} bypass the service (`safe-pip setup {name}` again)", bypass.join(", "))
        }
        Routing::NotRouted { why } => format!("{name}: not set up: {file}: {why} (`safe-pip setup {name}`)"),
        Routing::Unknown { why } => format!("{name}: cannot tell whether it uses the service: {file}: {why}"),
    }
}

/// What the verdict log holds for the last 24 hours, and where to read it.
fn recent_line(state: &std::path::Path) -> String {
    let since = crate::db::now() - crate::analysis::metadata::time::SECONDS_PER_DAY;
    match verdict_log::read(state, &Filter { since: Some(since), verdicts: Vec::new() }) {
        Ok(r) if !r.exists => "no file decisions logged yet (`safe-pip service log` shows them once there are)".into(),
        Ok(r) if r.entries.is_empty() => "last 24 hours: no files checked (`safe-pip service log` shows earlier ones)".into(),
        Ok(r) => {
            let (b, w, a) = verdict_log::counts(&r.entries);
            let show = match (b, w) {
                (0, 0) => "safe-pip service log --since 1d",
                _ => "safe-pip service log --since 1d --blocked --warned",
            };
            format!("last 24 hours: {b} blocked, {w} warned, {a} allowed; details: {show}")
        }
        Err(e) => format!("cannot read the verdict log: {e}"),
    }
}

fn log(args: LogArgs, color: ColorChoice) -> Outcome {
    let state = service::state_dir()?;
    let mut verdicts = Vec::new();
    if args.blocked {
        verdicts.push(Verdict::Block);
    }
    if args.warned {
        verdicts.push(Verdict::Warn);
    }
    let filter = Filter { since: args.since, verdicts };
    let read = verdict_log::read(&state, &filter)?;
    if read.unreadable > 0 {
        eprintln!("note: {} unreadable line(s) in {} skipped", read.unreadable, verdict_log::path(&state).display());
    }
    if args.format == LogFormat::Json {
        println!("{}", serde_json::to_string_pretty(&read.entries).unwrap_or_else(|_| "[]".into()));
        return Ok(ExitStatus::Allowed);
    }
    if !read.exists {
        println!("the safe-pip service has logged no file decisions yet ({})", verdict_log::path(&state).display());
        return Ok(ExitStatus::Allowed);
    }
    let what = match (args.blocked, args.warned) {
        (true, true) => "blocked or warned files",
        (true, false) => "blocked files",
        (false, true) => "warned files",
        (false, false) => "file decisions",
    };
    let since = args.since.map(|s| format!(" since {}", verdict_log::rfc3339(s).replacen('T', " ", 1))).unwrap_or_default();
    if read.entries.is_empty() {
        println!("no {what}{since} in the service's log");
        return Ok(ExitStatus::Allowed);
    }
    print!("{}", verdict_log::render(&read.entries, color.enabled()));
    let (b, w, a) = verdict_log::counts(&read.entries);
    println!("safe-pip: {} {what}{since}: {b} blocked, {w} warned, {a} allowed", read.entries.len());
    Ok(ExitStatus::Allowed)
}
