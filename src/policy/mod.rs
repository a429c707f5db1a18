//! Policy: what to do about each alert. Built-in default from the organisation standard:
//! critical → block, high → warn ("investigate before use"), medium and low → allow
//! with notes. Every verdict names the rule that produced it.
//!
//! The settings behind a policy come in layers (defaults < org file < user file <
//! project `[tool.safe-pip]` < flags, see [`Settings::load`]); documented decisions
//! ([`DocumentedDecision`]) accept named alerts of named versions with a reason.

mod basis;
mod day;
mod decide;
mod decisions;
mod discovery;
mod errors;
mod layer;
mod lock;
mod origin;
mod parse;
pub mod record;
pub mod render;
mod settings;
#[cfg(test)]
mod tests;

pub use basis::{Basis, Cited, Note, Rule};
pub use crate::action::{Action, Verdict};
pub use day::Day;
pub use decide::{Decision, Policy, RuleOrigins};

/// Parses `text` as a project's pyproject.toml `[tool.safe-pip]` table, as settings are
/// loaded; for the fuzz targets (fuzz/), which reach the parser without files.
#[doc(hidden)]
pub fn parse_project_settings_text(text: &str) -> Result<(), Vec<ConfigError>> {
    let path = std::path::Path::new("pyproject.toml");
    parse::parse_layer(&parse::Source { text, path, layer: Layer::Project }, &["tool", "safe-pip"]).map(|_| ())
}
pub use decisions::DocumentedDecision;
pub use discovery::{ConfigInputs, ConfigPath, ORG_CONFIG_ENV, SYSTEM_ORG_CONFIG, USER_CONFIG_ENV, find_pyproject};
pub use errors::{ConfigError, ConfigErrors};
pub use layer::Threshold;
pub use origin::{Layer, Located, Origin};
pub use settings::{ConfigFileStatus, SettingEntry, Settings, SettingsFlags};
