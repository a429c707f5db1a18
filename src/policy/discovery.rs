//! Which config files exist for a run. Discovery takes its inputs as a struct so tests
//! pass temp paths explicitly and never read /etc or the real home.

use super::errors::ConfigError;
use std::path::{Path, PathBuf};

/// Environment variable naming the org file; when set, the file must exist.
pub const ORG_CONFIG_ENV: &str = "SAFE_PIP_ORG_CONFIG";
/// Environment variable naming the user file (instead of the platform config dir); when set, the file must exist.
pub const USER_CONFIG_ENV: &str = "SAFE_PIP_CONFIG";
/// The org file when `SAFE_PIP_ORG_CONFIG` is not set.
pub const SYSTEM_ORG_CONFIG: &str = "/etc/safe-pip/config.toml";

/// A config file to read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigPath {
    pub path: PathBuf,
    /// Named explicitly (by an environment variable): a missing file is then an error.
    pub required: bool,
    /// How the path was chosen, for messages: "$SAFE_PIP_ORG_CONFIG", "system default".
    pub chosen_by: String,
}

/// Everything config discovery looks at.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigInputs {
    pub org: Option<ConfigPath>,
    pub user: Option<ConfigPath>,
    /// Where the nearest pyproject.toml is searched for, upwards.
    pub project_dir: PathBuf,
}

impl ConfigInputs {
    /// From this process's environment: `$SAFE_PIP_ORG_CONFIG`, else /etc/safe-pip/config.toml;
    /// `$SAFE_PIP_CONFIG`, else the platform config dir (`~/.config/safe-pip/config.toml`
    /// on Linux). An empty variable counts as unset.
    pub fn from_env(project_dir: &Path) -> ConfigInputs {
        let var = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty()).map(PathBuf::from);
        let org = match var(ORG_CONFIG_ENV) {
            Some(p) => ConfigPath { path: p, required: true, chosen_by: format!("${ORG_CONFIG_ENV}") },
            None => ConfigPath { path: PathBuf::from(SYSTEM_ORG_CONFIG), required: false, chosen_by: "system default".into() },
        };
        let user = match var(USER_CONFIG_ENV) {
            Some(p) => Some(ConfigPath { path: p, required: true, chosen_by: format!("${USER_CONFIG_ENV}") }),
            None => directories::ProjectDirs::from("dev", "safe-pip", "safe-pip")
                .map(|d| ConfigPath { path: d.config_dir().join("config.toml"), required: false, chosen_by: "user config dir".into() }),
        };
        ConfigInputs { org: Some(org), user, project_dir: project_dir.to_path_buf() }
    }

    /// No org or user file: only the project's pyproject.toml (tests, `--isolated` style use).
    pub fn project_only(project_dir: &Path) -> ConfigInputs {
        ConfigInputs { org: None, user: None, project_dir: project_dir.to_path_buf() }
    }
}

/// The nearest pyproject.toml at or above `dir`.
pub fn find_pyproject(dir: &Path) -> Option<PathBuf> {
    let start = std::path::absolute(dir).unwrap_or_else(|_| dir.to_path_buf());
    start.ancestors().map(|d| d.join("pyproject.toml")).find(|p| p.is_file())
}

/// The text of a config file; `Ok(None)` when it is absent and not required.
// Config errors are rare and carry their context; boxing them would only add noise.
#[allow(clippy::result_large_err)]
pub(super) fn read_config(c: &ConfigPath) -> Result<Option<String>, ConfigError> {
    match std::fs::read_to_string(&c.path) {
        Ok(text) => Ok(Some(text)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && !c.required => Ok(None),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(ConfigError::Unreadable {
            path: c.path.clone(),
            detail: format!("no such file (named by {})", c.chosen_by),
            hint: format!("create the file, or unset {} to use the default location", c.chosen_by.trim_start_matches('$')),
        }),
        Err(e) => Err(ConfigError::Unreadable {
            path: c.path.clone(),
            detail: e.to_string(),
            hint: "make the file readable (and valid UTF-8 TOML); safe-pip does not run with settings it cannot read".into(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use crate::error::Hint;
    use super::*;

    #[test]
    fn missing_files_are_fine_unless_named_explicitly() {
        let dir = tempfile::tempdir().expect("tmp");
        let absent = dir.path().join("none.toml");
        let optional = ConfigPath { path: absent.clone(), required: false, chosen_by: "system default".into() };
        assert_eq!(read_config(&optional).expect("absent is fine"), None);
        let required = ConfigPath { path: absent, required: true, chosen_by: "$SAFE_PIP_ORG_CONFIG".into() };
        let e = read_config(&required).expect_err("named but missing");
        assert!(e.to_string().contains("named by $SAFE_PIP_ORG_CONFIG"), "{e}");
        assert!(e.hint().contains("unset SAFE_PIP_ORG_CONFIG"), "{}", e.hint());
        // A directory where a file should be cannot be read: an error, never "no settings".
        let as_dir = ConfigPath { path: dir.path().to_path_buf(), required: false, chosen_by: "system default".into() };
        assert!(read_config(&as_dir).is_err());
    }

    #[test]
    fn the_nearest_pyproject_wins() {
        let dir = tempfile::tempdir().expect("tmp");
        let nested = dir.path().join("a/b/c");
        std::fs::create_dir_all(&nested).expect("mkdir");
        std::fs::write(dir.path().join("a/pyproject.toml"), "").expect("write");
        assert_eq!(find_pyproject(&nested), Some(dir.path().join("a/pyproject.toml")));
        std::fs::write(dir.path().join("a/b/pyproject.toml"), "").expect("write");
        assert_eq!(find_pyproject(&nested), Some(dir.path().join("a/b/pyproject.toml")));
    }
}
