//! The organisation gateway (`safe-pip serve`): the gating proxy as a long-running,
//! multi-user PEP 503/691 index. The verdict path is the proxy's and the gate's
//! ([`crate::proxy`], [`crate::gate::Gate`] through [`crate::proxy::DbGate`]); what this
//! module adds is the configuration: the org policy file as the only settings layer, a
//! verdict store that may be PostgreSQL shared by several replicas, the decisions logged
//! in that store honoured at every request, and the proxy's gateway mode (any address,
//! token authentication, access log, `/healthz`, `/metrics`).

use crate::error::Hint;
use crate::gate::Gate;
use crate::index::IndexSettings;
use crate::pipeline::ScanOptions;
use crate::policy::{ConfigInputs, ConfigPath, Settings, SettingsFlags};
use crate::proxy::{self, DbGate, GatewayOptions, ProxyConfig, RunningProxy};
use crate::store::{StoreSpec, VerdictStore};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub(crate) mod admin;

#[cfg(test)]
mod tests;

/// Everything `safe-pip serve` needs.
pub(crate) struct GatewayConfig {
    pub bind: SocketAddr,
    /// Upstream indexes (main first; may carry credentials, used upstream only).
    pub index: IndexSettings,
    /// The organisation's policy file (the config format of `$SAFE_PIP_ORG_CONFIG`);
    /// `None`: built-in defaults.
    pub policy: Option<PathBuf>,
    pub store: StoreSpec,
    pub gateway: GatewayOptions,
    pub max_file_bytes: u64,
    pub cache_bytes: usize,
}

/// A running gateway: the proxy and the gate behind it.
pub(crate) struct Running {
    pub proxy: RunningProxy,
    #[cfg(test)]
    pub gate: Arc<Gate>,
}

/// Why the gateway could not start.
#[derive(Debug, thiserror::Error)]
pub(crate) enum GatewayError {
    #[error("cannot create a temporary folder: {0}")]
    TempDir(std::io::Error),
    /// Every problem of the policy file, each with its remedy.
    #[error("{}", .0.messages())]
    Policy(crate::error::Error),
    #[error(transparent)]
    Store(#[from] crate::db::DbError),
    #[error(transparent)]
    Proxy(#[from] proxy::ProxyError),
}

impl crate::error::Hint for GatewayError {
    fn hint(&self) -> String {
        match self {
            GatewayError::TempDir(_) => "check that TMPDIR (or the system's temporary folder) is writable".into(),
            GatewayError::Policy(e) => e.remedies(),
            GatewayError::Store(e) => format!("{} (the verdict store is --db)", e.hint()),
            GatewayError::Proxy(e) => e.hint(),
        }
    }
}

/// The settings of the org policy file alone (no user or project layer: the gateway
/// serves everyone the same verdicts). Errors name the file and line.
pub(crate) fn load_policy(path: Option<&Path>) -> Result<Settings, GatewayError> {
    let Some(path) = path else { return Ok(Settings::defaults()) };
    // An empty folder as the "project", so no pyproject.toml is picked up.
    let nowhere = tempfile::tempdir().map_err(GatewayError::TempDir)?;
    let inputs = ConfigInputs {
        org: Some(ConfigPath { path: path.to_path_buf(), required: true, chosen_by: "--policy".into() }),
        user: None,
        project_dir: nowhere.path().to_path_buf(),
    };
    Settings::load_from(&inputs, &SettingsFlags::default()).map_err(|e| GatewayError::Policy(e.into()))
}

/// The gate the gateway judges with: the org policy over `store`, the store's logged
/// decisions honoured (allow decisions accept critical alerts only if the policy file's
/// `allow-critical-decisions` lets them).
pub(crate) fn gate(settings: &Settings, store: Arc<dyn VerdictStore>) -> Gate {
    let opts = ScanOptions { policy: settings.policy.clone(), ..ScanOptions::default() };
    Gate::with_store(store, opts).with_store_decisions(settings.allow_critical_decisions)
}

/// Opens the store, builds the gate and starts serving.
pub(crate) fn start(config: GatewayConfig) -> Result<Running, GatewayError> {
    let settings = load_policy(config.policy.as_deref())?;
    let store = config.store.open()?;
    start_with(config, &settings, store)
}

/// [`start`] on an open store (tests share one between replicas' checks).
pub(crate) fn start_with(mut config: GatewayConfig, settings: &Settings, store: Arc<dyn VerdictStore>) -> Result<Running, GatewayError> {
    if !config.gateway.admin_tokens.is_empty() {
        config.gateway.admin = Some(Arc::new(admin::Admin::new(store.clone(), settings.allow_critical_decisions)));
    }
    // Blocks and overrides go to the store's audit log (once per file and outcome per
    // replica every proxy::REPEAT_AFTER); a failed write is reported, the answer stands.
    let audit_store = store.clone();
    let on_event: proxy::EventCallback = Arc::new(move |e: &proxy::ProxyEvent| {
        if let Some(entry) = admin::audit_of(e)
            && let Err(err) = audit_store.audit_append(&entry)
        {
            eprintln!("safe-pip serve: cannot write the audit log: {err} (hint: {})", err.hint());
        }
    });
    let gate = Arc::new(gate(settings, store));
    let file_gate = Arc::new(DbGate::new(gate.clone(), settings.metadata.clone()));
    let mut pc = ProxyConfig::new(config.index, file_gate);
    pc.bind = config.bind;
    pc.max_file_bytes = config.max_file_bytes;
    pc.cache_bytes = config.cache_bytes;
    pc.retain_events = false;
    pc.on_event = Some(on_event);
    pc.gateway = Some(config.gateway);
    let proxy = proxy::start(pc)?;
    Ok(Running {
        proxy,
        #[cfg(test)]
        gate,
    })
}
