//! `safe-pip config`: the effective settings and where each value came from.

use super::outcome::Outcome;
use super::settings;
use crate::exit::ExitStatus;
use crate::policy::{Day, SettingsFlags, render};
use crate::report::ColorChoice;
use clap::{Args, ValueEnum};
use std::io::Write;
use std::path::PathBuf;

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum, Default)]
pub enum ConfigFormat {
    #[default]
    Text,
    Json,
}

#[derive(Args, Debug)]
#[command(after_help = "Layers, later wins unless the org file locks the key: defaults < org file ($SAFE_PIP_ORG_CONFIG, else /etc/safe-pip/config.toml) < user file ($SAFE_PIP_CONFIG, else the platform config dir) < [tool.safe-pip] of the nearest pyproject.toml < flags. See docs/configuration.md.")]
pub struct ConfigArgs {
    #[arg(long, value_enum, default_value_t = ConfigFormat::Text)]
    pub format: ConfigFormat,
    /// Project directory whose pyproject.toml applies (default: the current directory).
    #[arg(long, value_name = "DIR")]
    pub project: Option<PathBuf>,
}

pub(crate) fn run(args: ConfigArgs, _color: ColorChoice) -> Outcome {
    let settings = settings::load(args.project.as_deref(), &SettingsFlags::default())?;
    let today = Day::today();
    let text = match args.format {
        ConfigFormat::Text => render::render_text(&settings, today),
        ConfigFormat::Json => render::render_json(&settings, today),
    };
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
    Ok(ExitStatus::Allowed)
}
