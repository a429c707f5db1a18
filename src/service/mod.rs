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

pub(crate) mod backup;
pub(crate) mod config;
pub(crate) mod daemon;
pub(crate) mod pip_conf;
pub(crate) mod setup;
pub(crate) mod uv_toml;
pub mod verdict_log;

use crate::error::Hint;
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
    #[error("cannot write {what}: {source}")]
    Encode { what: &'static str, source: serde_json::Error },
    #[error("cannot find the safe-pip executable: {0}")]
    NoExecutable(std::io::Error),
    #[error("cannot start the service: {0}")]
    Spawn(std::io::Error),
    #[error("the service (pid {pid}) is running but does not answer: {detail}")]
    Unhealthy { pid: u32, detail: String },
    #[error("the service exited ({exit}) at start: {log}")]
    ExitedAtStart { exit: String, log: String },
    #[error("the service did not answer on {url} within {seconds}s: {log}")]
    NoAnswer { url: String, seconds: u64, log: String },
    #[error("the service (pid {pid}) did not stop within {seconds}s")]
    DidNotStop { pid: u32, seconds: u64 },
    #[error("an earlier `safe-pip setup {tool}` changed {}, not {}", earlier.display(), now.display())]
    OtherFileBackedUp { tool: String, earlier: PathBuf, now: PathBuf },
    #[error("PIP_CONFIG_FILE is the null device: pip reads no config file, so setup cannot point pip at the service")]
    PipConfigIsNull,
    #[error("--gateway {url}: {detail}")]
    GatewayUrl { url: String, detail: String },
    #[error("--gateway: the URL holds credentials")]
    GatewayCredentials,
    #[error(transparent)]
    Index(#[from] crate::index::IndexError),
    #[error(transparent)]
    Gate(#[from] crate::gate::GateError),
    #[error(transparent)]
    Guard(#[from] crate::install::guard::GuardError),
    #[error(transparent)]
    Proxy(#[from] crate::proxy::ProxyError),
    /// Every problem of the settings, each with its remedy.
    #[error("{}", .0.messages())]
    Settings(crate::error::Error),
}

impl From<crate::install::guard::ProjectGateError> for ServiceError {
    fn from(e: crate::install::guard::ProjectGateError) -> Self {
        use crate::install::guard::ProjectGateError;
        match e {
            ProjectGateError::Settings(e) => ServiceError::Settings(e),
            ProjectGateError::Gate(e) => ServiceError::Gate(e),
            ProjectGateError::Guard(e) => ServiceError::Guard(e),
        }
    }
}

impl ServiceError {
    pub fn io<'a>(what: &'static str, path: &'a std::path::Path) -> impl FnOnce(std::io::Error) -> ServiceError + 'a {
        move |source| ServiceError::Io { what, path: path.to_path_buf(), source }
    }
}

impl Hint for ServiceError {
    fn hint(&self) -> String {
        match self {
            ServiceError::NoStateDir => "set HOME (or XDG_STATE_HOME)".into(),
            ServiceError::Io { .. } => "check the permissions of that path".into(),
            ServiceError::Invalid { .. } => "fix or remove the file; `safe-pip setup … --undo` restores backed-up files".into(),
            ServiceError::Encode { .. } => "this is a bug in safe-pip: please report it".into(),
            ServiceError::NoExecutable(_) => "run safe-pip from where it is installed, or reinstall it".into(),
            ServiceError::Spawn(_) => "check that the safe-pip executable (or `python -m safe_pip`) can run; `safe-pip service run` shows the service in the foreground".into(),
            ServiceError::Unhealthy { .. } => "stop it first: `safe-pip service stop`".into(),
            ServiceError::ExitedAtStart { .. } | ServiceError::NoAnswer { .. } => {
                "`safe-pip service log` and `safe-pip service run` (in the foreground) show why; another program on the port? choose one with --port".into()
            }
            ServiceError::DidNotStop { pid, .. } => format!("stop it by hand (kill {pid}), then check `safe-pip service status`"),
            ServiceError::OtherFileBackedUp { tool, .. } => format!("run `safe-pip setup {tool} --undo` first"),
            ServiceError::PipConfigIsNull => "unset PIP_CONFIG_FILE or point it at a file".into(),
            ServiceError::GatewayUrl { .. } => "expected an http(s) URL such as https://gateway.example/u/0/simple/".into(),
            ServiceError::GatewayCredentials => {
                "leave the token out of the URL; put it in ~/.netrc (machine HOST login TOKEN-NAME password TOKEN) or the keyring".into()
            }
            ServiceError::Index(e) => e.hint(),
            ServiceError::Gate(e) => e.hint(),
            ServiceError::Guard(e) => e.hint(),
            ServiceError::Proxy(e) => e.hint(),
            ServiceError::Settings(e) => e.remedies(),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_service_error_keeps_its_remedy_apart_from_its_message() {
        let errors = [
            ServiceError::Unhealthy { pid: 7, detail: "connection refused".into() },
            ServiceError::ExitedAtStart { exit: "exit status: 2".into(), log: "port in use".into() },
            ServiceError::NoAnswer { url: "http://127.0.0.1:7431".into(), seconds: 10, log: "see service.log".into() },
            ServiceError::DidNotStop { pid: 7, seconds: 10 },
            ServiceError::OtherFileBackedUp { tool: "pip".into(), earlier: "/a/pip.conf".into(), now: "/b/pip.conf".into() },
            ServiceError::PipConfigIsNull,
            ServiceError::GatewayUrl { url: "ftp://x".into(), detail: "not an http(s) URL with a host".into() },
            ServiceError::GatewayCredentials,
            ServiceError::Spawn(std::io::Error::other("denied")),
        ];
        for e in &errors {
            assert!(!e.hint().is_empty(), "{e}");
            assert!(!e.to_string().contains("hint") && !e.to_string().contains(&e.hint()), "{e}");
        }
        assert_eq!(errors[3].hint(), "stop it by hand (kill 7), then check `safe-pip service status`");
        assert_eq!(errors[4].to_string(), "an earlier `safe-pip setup pip` changed /a/pip.conf, not /b/pip.conf");
        assert_eq!(errors[4].hint(), "run `safe-pip setup pip --undo` first");
        // The settings' problems: every message, every distinct remedy.
        let settings = ServiceError::Settings(
            crate::error::Error::all([crate::error::Error::new("a", "fix it"), crate::error::Error::new("b", "fix it"), crate::error::Error::new("c", "other")]).unwrap(),
        );
        assert_eq!((settings.to_string(), settings.hint()), ("a; b; c".to_string(), "fix it; other".to_string()));
    }
}
