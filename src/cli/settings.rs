//! Loading the layered settings for a command: the project directory (`--project`, else
//! the current directory), every config error printed with its file:line and remedy.

use crate::error::Error;
use crate::policy::{Settings, SettingsFlags};
use std::path::{Path, PathBuf};

/// The project directory: `--project DIR`, else the current directory.
pub(crate) fn project_dir(project: Option<&Path>) -> PathBuf {
    match project {
        Some(p) => p.to_path_buf(),
        None => std::env::current_dir().unwrap_or_else(|_| PathBuf::from(".")),
    }
}

/// The settings, or every problem found in them (config errors fail closed: nothing is
/// scanned with settings that could not be read).
pub(crate) fn load(project: Option<&Path>, flags: &SettingsFlags) -> Result<Settings, Error> {
    Ok(Settings::load(&project_dir(project), flags)?)
}
