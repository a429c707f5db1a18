//! `safe-pip service start|stop|status|run`: the checking proxy as a local service on a
//! fixed loopback port, for installers pointed at it with `safe-pip setup`.

use super::{exit, print_error};
use crate::service::{self, daemon};
use clap::{Args, Subcommand};
use std::path::PathBuf;

/// Exit code of `status` when the service is not running (as LSB init scripts).
pub const NOT_RUNNING: i32 = 3;

#[derive(Args, Debug)]
#[command(after_help = "The port is --port, else the one `safe-pip setup` saved, else 7431. State, pid file and log: \
the platform state directory (~/.local/state/safe-pip on Linux). status exits 0 when the service answers, 3 when it is not running, 2 on problems.")]
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
    /// Is the service running, and which indexes does it serve?
    Status,
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

fn fail(e: service::ServiceError) -> i32 {
    print_error(&e.to_string(), &e.hint());
    exit::ERROR
}

pub fn run(args: ServiceArgs) -> i32 {
    match args.action {
        ServiceAction::Start(p) => match daemon::start(p.port, p.db.as_deref()) {
            Ok(info) => {
                let log = service::state_dir().map(|s| daemon::log_file(&s).display().to_string()).unwrap_or_default();
                println!("safe-pip service running on {} (pid {}); log: {log}", info.url(), info.pid);
                exit::ALLOWED
            }
            Err(e) => fail(e),
        },
        ServiceAction::Stop => match daemon::stop() {
            Ok(Some(info)) => {
                println!("safe-pip service stopped (pid {}, port {})", info.pid, info.port);
                exit::ALLOWED
            }
            Ok(None) => {
                println!("safe-pip service is not running");
                exit::ALLOWED
            }
            Err(e) => fail(e),
        },
        ServiceAction::Status => match daemon::status() {
            Ok(daemon::Status::Running { info, upstreams }) => {
                println!("safe-pip service is running on {} (pid {})", info.url(), info.pid);
                for (k, u) in upstreams.iter().enumerate() {
                    println!("  upstream {k}: {u} -> {}{}", info.url(), crate::proxy::index_path(k));
                }
                exit::ALLOWED
            }
            Ok(daemon::Status::Unhealthy { info, detail }) => {
                print_error(
                    &format!("the safe-pip service (pid {}) does not answer on {}: {detail}", info.pid, info.url()),
                    "safe-pip service stop && safe-pip service start; the log is in the state directory (service.log)",
                );
                exit::ERROR
            }
            Ok(daemon::Status::NotRunning) => {
                println!("safe-pip service is not running: installers set up with `safe-pip setup` fail until `safe-pip service start`");
                NOT_RUNNING
            }
            Err(e) => fail(e),
        },
        ServiceAction::Run(p) => match daemon::run(p.port, p.db) {
            Ok(()) => exit::ALLOWED,
            Err(e) => fail(e),
        },
    }
}
