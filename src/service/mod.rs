//! Always-on mode: the checking proxy as a long-running local service on a fixed loopback
//! port ([`daemon`]), and the installers' own user configuration pointed at it
//! ([`setup`]), so `python -m pip`, IDEs, scripts and agents that call pip or uv directly
//! are guarded too.
//!
//! State lives in the platform state directory (`$XDG_STATE_HOME/safe-pip`, else
//! `~/.local/state/safe-pip` on Linux; the local data directory elsewhere):
//! `service.json` (port and upstream indexes, private: mode 0600), `service.pid`,
//! `service.log`, `verdicts.jsonl` (one line per file decision, private, rotated), and
//! `backups/` (the installers' config files as they were before setup).

pub mod backup;
pub mod config;
pub mod daemon;
pub mod pip_conf;
pub mod setup;
pub mod uv_toml;
pub mod verdict_log;

use std::path::PathBuf;

/// The service's default port: 3141 is devpi's, 3142 apt-cacher-ng's; 7431 is free of
/// well-known services.
pub const DEFAULT_PORT: u16 = 7431;

#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error("no home directory: cannot find where to keep the service's state")]
    NoStateDir,
    #[error("{what} {}: {source}", path.display())]
    Io { what: &'static str, path: PathBuf, source: std::io::Error },
    #[error("{} is not valid: {detail}", path.display())]
    Invalid { path: PathBuf, detail: String },
    #[error("{0}")]
    Other(String),
}

impl ServiceError {
    pub fn io<'a>(what: &'static str, path: &'a std::path::Path) -> impl FnOnce(std::io::Error) -> ServiceError + 'a {
        move |source| ServiceError::Io { what, path: path.to_path_buf(), source }
    }
}

impl crate::error::Hint for ServiceError {
    fn hint(&self) -> String {
        match self {
            ServiceError::NoStateDir => "set HOME (or XDG_STATE_HOME)".into(),
            ServiceError::Io { .. } => "check the permissions of that path".into(),
            ServiceError::Invalid { .. } => "fix or remove the file; `safe-pip setup … --undo` restores backed-up files".into(),
            ServiceError::Other(_) => String::new(),
        }
    }
}

/// The service's state directory, created on demand.
pub fn state_dir() -> Result<PathBuf, ServiceError> {
    let dirs = directories::ProjectDirs::from("dev", "safe-pip", "safe-pip").ok_or(ServiceError::NoStateDir)?;
    Ok(dirs.state_dir().map(|d| d.to_path_buf()).unwrap_or_else(|| dirs.data_local_dir().join("state")))
}

/// Writes `bytes` to `path` atomically (temp file + rename), creating the folder; with
/// `private`, readable by the owner only (files that may hold index credentials).
pub fn write_file(path: &std::path::Path, bytes: &[u8], private: bool) -> Result<(), ServiceError> {
    let dir = path.parent().unwrap_or(std::path::Path::new("."));
    std::fs::create_dir_all(dir).map_err(ServiceError::io("cannot create", dir))?;
    let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(ServiceError::io("cannot write into", dir))?;
    std::io::Write::write_all(&mut tmp, bytes).map_err(ServiceError::io("cannot write", path))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = if private {
            0o600
        } else {
            // Keep the mode of the file being replaced, else the usual 0644.
            std::fs::metadata(path).map(|m| m.permissions().mode() & 0o777).unwrap_or(0o644)
        };
        std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(mode)).map_err(ServiceError::io("cannot set the mode of", path))?;
    }
    #[cfg(not(unix))]
    let _ = private;
    tmp.persist(path).map_err(|e| ServiceError::Io { what: "cannot replace", path: path.to_path_buf(), source: e.error })?;
    Ok(())
}
