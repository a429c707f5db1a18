//! The gating proxy as the wrapper uses it: started in-process with one upstream route
//! per configured index, health-checked, asked for the verdicts it served, stopped.

use super::outcome::CheckedFile;
use crate::analysis::metadata::MetadataPolicy;
use crate::analysis::names::InternalPolicy;
use crate::index::IndexSettings;
use crate::pipeline::ScanOptions;
use std::path::PathBuf;
use std::time::Duration;

/// Everything the proxy needs for one install.
#[derive(Clone, Debug)]
pub struct GuardConfig {
    /// `index_url` and `extra_index_urls` are the upstreams, in route order (0, 1, …);
    /// the other fields (certificates, proxy, netrc, timeouts) say how to reach them.
    pub settings: IndexSettings,
    pub db: Option<PathBuf>,
    pub scan: ScanOptions,
    pub metadata: MetadataPolicy,
    pub internal: InternalPolicy,
}

/// A running proxy.
pub trait Guard: Send + Sync {
    /// `http://127.0.0.1:PORT`
    fn base_url(&self) -> String;
    /// The Simple API root of upstream `k`: `http://127.0.0.1:PORT/u/<k>/simple/`.
    fn index_url(&self, upstream: usize) -> String;
    /// Every file verdict so far.
    fn files(&self) -> Vec<CheckedFile>;
    fn stop(self: Box<Self>);
}

#[derive(Debug, thiserror::Error)]
pub enum GuardError {
    #[error("cannot start the checking proxy: {0}")]
    Start(String),
    #[error("the checking proxy at {url} does not answer its health check ({detail})")]
    Unhealthy { url: String, detail: String },
}

impl GuardError {
    pub fn hint(&self) -> String {
        match self {
            GuardError::Start(_) => "check the index settings shown above (pip config debug) and the verdict DB (safe-pip db check)".into(),
            GuardError::Unhealthy { .. } => "another program may hold the port or block loopback traffic; rerun, or check local firewall rules".into(),
        }
    }
}

/// Starts the proxy for `config` and checks that it answers.
pub fn start(config: GuardConfig) -> Result<Box<dyn Guard>, GuardError> {
    let _ = config;
    Err(GuardError::Start("this build has no index proxy yet".into()))
}

/// `GET <base>/health` on loopback, bypassing any HTTP proxy from the environment.
pub fn health_check(base_url: &str) -> Result<(), GuardError> {
    let url = format!("{}/health", base_url.trim_end_matches('/'));
    let err = |detail: String| GuardError::Unhealthy { url: base_url.to_string(), detail };
    let client = reqwest::blocking::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(5))
        .build()
        .map_err(|e| err(e.to_string()))?;
    match client.get(&url).send() {
        Ok(r) if r.status().is_success() => Ok(()),
        Ok(r) => Err(err(format!("HTTP {}", r.status().as_u16()))),
        Err(e) => Err(err(e.to_string())),
    }
}
