//! `service.json`: the port and the upstream indexes the service proxies, in route order
//! (upstream `k` is served at `/u/<k>/simple/`). Written by `safe-pip setup` from the
//! installers' configuration *as it was before setup* (so the service never proxies to
//! itself); without it the service uses pip's configuration, else PyPI.

use super::{ServiceError, write_file};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct ServiceConfig {
    pub port: u16,
    /// Upstream index URLs; may carry credentials (the file is private).
    #[serde(default)]
    pub upstreams: Vec<String>,
}

impl Default for ServiceConfig {
    fn default() -> Self {
        ServiceConfig { port: super::DEFAULT_PORT, upstreams: Vec::new() }
    }
}

pub(crate) fn path(state: &Path) -> PathBuf {
    state.join("service.json")
}

impl ServiceConfig {
    /// The saved configuration, or the default when there is none.
    pub(crate) fn load(state: &Path) -> Result<ServiceConfig, ServiceError> {
        let p = path(state);
        match std::fs::read(&p) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| ServiceError::Invalid { path: p, detail: e.to_string() }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(ServiceConfig::default()),
            Err(e) => Err(ServiceError::Io { what: "cannot read", path: p, source: e }),
        }
    }

    pub(crate) fn save(&self, state: &Path) -> Result<(), ServiceError> {
        let text = serde_json::to_string_pretty(self).map_err(|source| ServiceError::Encode { what: "the service config", source })?;
        write_file(&path(state), text.as_bytes(), true)
    }

    /// The route of `url`, adding it as a new upstream when it is not one yet. URLs that
    /// point at the service itself are never added (that would be a loop).
    pub(crate) fn route_for(&mut self, url: &str) -> Option<usize> {
        if self.is_self(url) {
            return None;
        }
        let key = |u: &str| u.trim().trim_end_matches('/').to_ascii_lowercase();
        if let Some(k) = self.upstreams.iter().position(|u| key(u) == key(url)) {
            return Some(k);
        }
        self.upstreams.push(url.trim().to_string());
        Some(self.upstreams.len() - 1)
    }

    /// Whether `url` points at this service (loopback host, the service's port).
    pub(crate) fn is_self(&self, url: &str) -> bool {
        url::Url::parse(url.trim()).ok().is_some_and(|u| {
            u.host_str().is_some_and(crate::index::is_loopback_host) && u.port_or_known_default() == Some(self.port)
        })
    }

    /// The URL pip/uv use for upstream `k`.
    pub(crate) fn route_url(&self, k: usize) -> String {
        format!("http://127.0.0.1:{}{}", self.port, crate::proxy::index_path(k))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_are_stable_and_never_point_at_the_service_itself() {
        let tmp = tempfile::tempdir().unwrap();
        let mut c = ServiceConfig::load(tmp.path()).unwrap();
        assert_eq!(c, ServiceConfig::default());
        assert_eq!(c.route_for("https://pypi.org/simple"), Some(0));
        assert_eq!(c.route_for("https://corp.example/simple/"), Some(1));
        assert_eq!(c.route_for("https://PYPI.org/simple/"), Some(0));
        assert_eq!(c.route_for(&format!("http://127.0.0.1:{}/u/0/simple/", c.port)), None);
        assert_eq!(c.route_for(&format!("http://localhost:{}/simple/", c.port)), None);
        c.save(tmp.path()).unwrap();
        assert_eq!(ServiceConfig::load(tmp.path()).unwrap(), c);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(path(tmp.path())).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
        assert!(c.route_url(1).ends_with("/u/1/simple/"));
    }
}
