//! `safe-pip setup pip|uv|poetry [--undo | --gateway URL]`: point an installer's user configuration at the
//! safe-pip service or the organisation gateway, or put it back exactly as it was.

use super::outcome::Outcome;
use crate::exit::ExitStatus;
use crate::service::backup::Restored;
use crate::service::setup::{self, Tool};
use clap::Args;

#[derive(Args, Debug)]
#[command(after_help = "pip: $PIP_CONFIG_FILE when set, else the user pip.conf. uv: $UV_CONFIG_FILE when set, else the user \
uv.toml. poetry: nothing is changed (sources are per project); the Poetry plugin is explained. The previous file is kept in \
the state directory; --undo restores it byte for byte (or removes the file if there was none).")]
pub struct SetupArgs {
    /// The installer to set up.
    #[arg(value_enum)]
    pub tool: Tool,
    /// Restore the installer's configuration as it was before setup.
    #[arg(long)]
    pub undo: bool,
    /// The service's port to use (saved for `safe-pip service start`).
    #[arg(long, conflicts_with = "gateway")]
    pub port: Option<u16>,
    /// Point the installer at the organisation's gateway (`safe-pip serve`) instead of the
    /// local service: its index URL, e.g. https://gateway.example/u/0/simple/ (no token in it).
    #[arg(long, value_name = "URL")]
    pub gateway: Option<String>,
}

pub(crate) fn run(args: SetupArgs) -> Outcome {
    if args.undo {
        return match setup::undo(args.tool) {
            Ok(Restored::NothingToUndo) => {
                println!("{}: nothing to undo", args.tool.name());
                Ok(ExitStatus::Allowed)
            }
            Ok(Restored::Rewritten { path, kept }) | Ok(Restored::Removed { path, kept }) if kept.is_some() => {
                println!("{}: {} is back as it was before setup", args.tool.name(), path.display());
                if let Some(k) = kept {
                    println!("  it had been edited since setup; that version is kept in {}", k.display());
                }
                Ok(ExitStatus::Allowed)
            }
            Ok(Restored::Rewritten { path, .. }) => {
                println!("{}: {} is back as it was before setup", args.tool.name(), path.display());
                Ok(ExitStatus::Allowed)
            }
            Ok(Restored::Removed { path, .. }) => {
                println!("{}: removed {} (it did not exist before setup)", args.tool.name(), path.display());
                Ok(ExitStatus::Allowed)
            }
            Err(e) => Err(e.into()),
        };
    }
    let done = match &args.gateway {
        Some(url) => setup::setup_gateway(args.tool, url),
        None => setup::setup(args.tool, args.port),
    };
    match done {
        Ok(report) => {
            for l in &report.lines {
                println!("{l}");
            }
            for w in &report.warnings {
                eprintln!("warning: {}", crate::report::Esc(&w.to_string()));
            }
            Ok(ExitStatus::Allowed)
        }
        Err(e) => Err(e.into()),
    }
}
