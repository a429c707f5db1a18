//! The organisation gateway (`safe-pip serve`): the gating proxy as a long-running,
//! multi-user PEP 503/691 index. The verdict path is the proxy's and the gate's
//! ([`crate::proxy`], [`crate::gate::Gate`] through [`crate::proxy::DbGate`]); what this
//! module adds is the configuration: the org policy file as the only settings layer, a
//! verdict store that may be PostgreSQL shared by several replicas, the decisions logged
//! in that store honoured at every request, and the proxy's gateway mode (any address,
//! token authentication, access log, `/healthz`, `/metrics`).

use crate::error::Hint;
use crate::gate::Gate;
use crate::index::{IndexClient, IndexSettings};
use crate::install::confusion_gate::ConfusionGate;
use crate::pipeline::ScanOptions;
use crate::policy::{ConfigInputs, ConfigPath, Settings, SettingsFlags};
use crate::proxy::{self, DbGate, DiskCache, GatewayOptions, ProxyConfig, RunningProxy, SnapshotSource};
use crate::store::{StoreSpec, VerdictStore};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub(crate) mod admin;
pub(crate) mod snapshot;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_org;

/// Everything `safe-pip serve` needs.
pub(crate) struct GatewayConfig {
    pub bind: SocketAddr,
    /// Upstream indexes (main first; may carry credentials, used upstream only).
    pub index: IndexSettings,
    /// The organisation's policy file (the config format of `$SAFE_PIP_ORG_CONFIG`);
    /// `None`: built-in defaults.
    pub policy: Option<PathBuf>,
    pub store: StoreSpec,
    /// A PostgreSQL read replica for read-mostly queries (`--db-read`); needs a PostgreSQL `store`.
    pub db_read: Option<String>,
    pub gateway: GatewayOptions,
    pub max_file_bytes: u64,
    pub cache_bytes: usize,
    /// The on-disk artifact cache (`--cache-dir`, `--cache-max-bytes`); `None`: memory only.
    pub artifact_cache: Option<ArtifactCache>,
}

/// Where vetted files are kept on disk and how much of them.
#[derive(Clone, Debug)]
pub(crate) struct ArtifactCache {
    pub dir: PathBuf,
    pub max_bytes: u64,
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
    #[error(transparent)]
    Index(#[from] crate::index::IndexError),
    #[error(transparent)]
    Cache(#[from] proxy::CacheDirError),
    #[error("--db-read names a PostgreSQL read replica, but --db is a SQLite file")]
    ReadReplicaNeedsPostgres,
}

impl crate::error::Hint for GatewayError {
    fn hint(&self) -> String {
        match self {
            GatewayError::TempDir(_) => "check that TMPDIR (or the system's temporary folder) is writable".into(),
            GatewayError::Policy(e) => e.remedies(),
            GatewayError::Store(e) => format!("{} (the verdict store is --db)", e.hint()),
            GatewayError::Proxy(e) => e.hint(),
            GatewayError::Index(e) => e.hint(),
            GatewayError::Cache(e) => e.hint(),
            GatewayError::ReadReplicaNeedsPostgres => "drop --db-read, or use a postgres:// --db whose replica it is".into(),
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
    let store: Arc<dyn VerdictStore> = match (&config.store, &config.db_read) {
        (_, None) => config.store.open()?,
        (StoreSpec::Postgres(url), Some(read)) => Arc::new(crate::store::PgStore::connect_with_replica(url, read)?),
        (StoreSpec::Sqlite(_), Some(_)) => return Err(GatewayError::ReadReplicaNeedsPostgres),
    };
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
    config.gateway.snapshot = Some(snapshot_source(store.clone()));
    let gate = Arc::new(gate(settings, store));
    let file_gate: Arc<dyn proxy::FileGate> = Arc::new(DbGate::new(gate.clone(), settings.metadata.clone()));
    // `[[internal]]` rules of the policy file, as the install wrapper applies them.
    let file_gate = if ConfusionGate::needed(&settings.internal, config.index.indexes().len()) {
        let client = IndexClient::new(&config.index)?;
        Arc::new(ConfusionGate::new(file_gate, settings.internal.clone(), client, settings.policy.clone()))
    } else {
        file_gate
    };
    let disk_cache = match &config.artifact_cache {
        Some(c) => Some(Arc::new(DiskCache::open(&c.dir, c.max_bytes)?)),
        None => None,
    };
    let mut pc = ProxyConfig::new(config.index, file_gate);
    pc.disk_cache = disk_cache;
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

/// `GET /snapshot`: the store's verdicts, decision log and advisories in the format of
/// `safe-pip db export`, for laptops' `safe-pip db import URL`.
fn snapshot_source(store: Arc<dyn VerdictStore>) -> SnapshotSource {
    Arc::new(move || {
        let parts = store.snapshot().map_err(|e| format!("{e} ({})", e.hint()))?;
        let mut out = Vec::new();
        crate::db::write_snapshot(&mut out, parts).map_err(|e| e.to_string())?;
        Ok(out)
    })
}
