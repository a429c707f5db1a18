//! The loopback gating proxy: a PEP 503/691 Simple API in front of the user's real
//! index(es), on 127.0.0.1 (or ::1) only. Project pages are rewritten so every file URL
//! points back at the proxy; each file is checked by a [`FileGate`] before its exact bytes
//! are served, and a blocked file is a `403` whose reason phrase (which pip, uv and Poetry
//! print) says why. Used by `safe-pip proxy`, the install wrapper and the Poetry plugin.
//!
//! Layout: `server` (HTTP/1.1, threads, stop), `routes` (dispatch, Host check, health),
//! `pages` (fetch + rewrite + content negotiation), `files` (download, gate, caches,
//! single flight), `serve` (Range/HEAD/ETag answers), `metadata` (PEP 658 files),
//! `prefetch` (wheels vetted while the installer resolves),
//! `urls` (the stable URL space), `reply` (answers and reason phrases), `gate` (the trait
//! and the scan-only gate), `events` (what happened, for summaries).

mod alternatives;
mod cache;
mod db_gate;
mod disk_cache;
mod events;
mod files;
mod gate;
mod gateway;
mod metadata;
mod metrics;
mod negotiate;
pub(crate) mod pages;
mod prefetch;
mod reply;
mod routes;
mod serve;
mod server;
mod state;
mod urls;

#[cfg(test)]
pub(crate) mod tests;

pub(crate) use db_gate::DbGate;
pub(crate) use disk_cache::{CacheDirError, DiskCache};
pub(crate) use events::{ActivityCallback, EventCallback, ProxyActivity, ProxyEvent};
pub(crate) use gate::{FileGate, GateFile};
#[cfg(test)]
pub(crate) use gate::ScanGate;
pub(crate) use gateway::{AdminApi, AdminReply, GatewayOptions, PageCachePolicy, SnapshotSource, read_token_file};
#[cfg(test)]
pub(crate) use gateway::Token;
pub(crate) use reply::{block_summary, reason_phrase};
pub(crate) use urls::index_path;

use crate::index::{IndexClient, IndexError, IndexSettings, redact};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;

/// Largest distribution file the proxy downloads by default (2 GiB: the biggest GPU
/// wheels are about that size).
pub(crate) const DEFAULT_MAX_FILE_BYTES: u64 = 2 * 1024 * 1024 * 1024;
/// Memory kept for vetted bytes, so HEAD + GET and retries do not download twice (a single
/// file larger than this is kept alone; 0 keeps nothing).
pub(crate) const DEFAULT_CACHE_BYTES: usize = 512 * 1024 * 1024;

/// How to run a proxy.
pub(crate) struct ProxyConfig {
    /// The upstream indexes: upstream `k` is `index.indexes()[k]` (main index first, then
    /// the extras). Their credentials, CA bundle, netrc and proxy settings are used for
    /// upstream requests only.
    pub index: IndexSettings,
    /// Where to listen; must be a loopback address (port 0 picks a free port) unless
    /// `gateway` is set.
    pub bind: SocketAddr,
    pub gate: Arc<dyn FileGate>,
    pub max_file_bytes: u64,
    pub cache_bytes: usize,
    /// Called once per file and outcome (served or blocked), from a request thread.
    pub on_event: Option<EventCallback>,
    /// Called when a download or analysis starts, for progress display.
    pub on_activity: Option<ActivityCallback>,
    /// Keep every event for [`RunningProxy::events`] (default). A long-running proxy sets
    /// this to false: it then keeps none, and `on_event` hears of a file and outcome again
    /// after [`events::REPEAT_AFTER`].
    pub retain_events: bool,
    /// Run as the organisation gateway (`safe-pip serve`): any address, token
    /// authentication instead of the loopback Host check, access log, `/healthz` and
    /// `/metrics`, verdicts asked of the gate at every request (none kept in memory).
    pub gateway: Option<GatewayOptions>,
    /// Vetted files kept on disk by sha256 (shared by replicas pointing at one folder).
    pub disk_cache: Option<Arc<DiskCache>>,
    /// Fetch and judge a wheel as soon as its metadata file is served (see `prefetch`):
    /// for an installer that downloads what it resolves, never for lock runs.
    pub prefetch: bool,
}

impl ProxyConfig {
    /// A proxy for `index` on 127.0.0.1 with a free port and the default limits.
    pub(crate) fn new(index: IndexSettings, gate: Arc<dyn FileGate>) -> ProxyConfig {
        ProxyConfig {
            index,
            bind: SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 0),
            gate,
            max_file_bytes: DEFAULT_MAX_FILE_BYTES,
            cache_bytes: DEFAULT_CACHE_BYTES,
            on_event: None,
            on_activity: None,
            retain_events: true,
            gateway: None,
            disk_cache: None,
            prefetch: false,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ProxyError {
    #[error("refusing to listen on {addr}: the proxy only binds to loopback (127.0.0.1 or ::1)")]
    NotLoopback { addr: SocketAddr },
    #[error("cannot listen on {addr}: {source}")]
    Bind { addr: SocketAddr, source: std::io::Error },
    #[error("no upstream index to proxy")]
    NoUpstream,
    #[error(transparent)]
    Index(#[from] IndexError),
    #[error("cannot start the proxy: {0}")]
    Runtime(std::io::Error),
}

impl crate::error::Hint for ProxyError {
    fn hint(&self) -> String {
        match self {
            ProxyError::NotLoopback { .. } => {
                "use --bind 127.0.0.1 or ::1; exposing the proxy would let others fetch through your credentials".into()
            }
            ProxyError::Bind { source, .. } if source.kind() == std::io::ErrorKind::AddrInUse => {
                "the port is in use (another safe-pip proxy?); choose another --port or 0 for a free one".into()
            }
            ProxyError::Bind { .. } => "check the address and port".into(),
            ProxyError::NoUpstream => "configure an index (--index-url) and do not pass --no-index".into(),
            ProxyError::Index(e) => e.hint(),
            ProxyError::Runtime(_) => "this is a bug or a resource limit (threads); please report it".into(),
        }
    }
}

/// A running proxy. Stops when [`RunningProxy::stop`] is called or when dropped.
pub(crate) struct RunningProxy {
    addr: SocketAddr,
    state: Arc<state::State>,
    server: Option<server::Server>,
}

/// Starts a proxy: binds (loopback only), then serves from background threads.
pub(crate) fn start(config: ProxyConfig) -> Result<RunningProxy, ProxyError> {
    if config.gateway.is_none() && !config.bind.ip().is_loopback() {
        return Err(ProxyError::NotLoopback { addr: config.bind });
    }
    if config.index.no_index || config.index.indexes().is_empty() {
        return Err(ProxyError::NoUpstream);
    }
    let client = IndexClient::new(&config.index)?;
    let upstreams = config.index.indexes().iter().map(|u| redact(u)).collect();
    let listener =
        std::net::TcpListener::bind(config.bind).map_err(|source| ProxyError::Bind { addr: config.bind, source })?;
    let addr = listener.local_addr().map_err(|source| ProxyError::Bind { addr: config.bind, source })?;
    let mut state = state::State::new(
        client,
        upstreams,
        config.gate,
        config.max_file_bytes,
        config.cache_bytes,
        events::EventLog::new(config.on_event, config.on_activity, config.retain_events),
        config.gateway,
    );
    state.disk_cache = config.disk_cache;
    state.prefetch = config.prefetch.then(state::PrefetchCounts::default);
    let state = Arc::new(state);
    let server = server::Server::start(listener, state.clone()).map_err(ProxyError::Runtime)?;
    Ok(RunningProxy { addr, state, server: Some(server) })
}

impl RunningProxy {
    /// `http://127.0.0.1:PORT` (or `http://[::1]:PORT`).
    pub(crate) fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    #[cfg(test)]
    pub(crate) fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The Simple API root of upstream `k` on the proxy: `http://127.0.0.1:PORT/u/<k>/simple/`.
    pub(crate) fn index_url(&self, upstream: usize) -> String {
        format!("{}{}", self.url(), index_path(upstream))
    }

    /// The upstream index URLs, credentials redacted, in upstream order.
    pub(crate) fn upstreams(&self) -> Vec<String> {
        self.state.upstreams.clone()
    }

    /// Every file verdict so far (served or blocked), in order (none when
    /// `retain_events` was off).
    pub(crate) fn events(&self) -> Vec<ProxyEvent> {
        self.state.events.all()
    }

    /// `NAME==VERSION` of the newest release older than the blocked `filename` whose
    /// matching file is not blocked, judging a few older files if needed (see
    /// [`alternatives::older_checked`]).
    pub(crate) fn older_release(&self, upstream: usize, project: &str, filename: &str) -> Option<String> {
        alternatives::older_checked(&self.state, upstream, project, filename)
    }

    /// Upstream problems so far (project pages that could not be read), one line each:
    /// pip hides why a page failed, so wrappers print these when the client fails.
    pub(crate) fn problems(&self) -> Vec<String> {
        self.state.events.problems()
    }

    /// Stops accepting connections, lets in-flight requests finish (a few seconds at most,
    /// then they are cut), and frees the port.
    pub(crate) fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        if let Some(s) = self.server.take() {
            s.stop();
        }
    }
}

impl Drop for RunningProxy {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// Index settings for a proxy in front of `index_urls` (main index first, may carry
/// credentials), with TLS, netrc, proxy and timeout settings discovered as pip does.
/// An empty list keeps pip's own index configuration.
pub(crate) fn settings_for(index_urls: &[String]) -> Result<IndexSettings, IndexError> {
    let mut s = crate::index::discover(&crate::index::DiscoveryInputs::from_process(&["install".to_string()]))?;
    if let Some((main, extras)) = index_urls.split_first() {
        s.index_url = main.clone();
        s.extra_index_urls = extras.to_vec();
        s.no_index = false;
    }
    Ok(s)
}
