//! The gating proxy as the wrapper uses it: started in-process with one upstream route
//! per configured index, health-checked, asked for the verdicts it served, stopped.

use crate::error::Hint;
use super::confusion_gate::ConfusionGate;
use super::outcome::{ALL_FILES, CheckedFile, FileSource, HiddenFile};
use super::progress::Progress;
use crate::analysis::metadata::MetadataPolicy;
use crate::analysis::names::InternalPolicy;
use crate::index::{IndexClient, IndexSettings};
use crate::pipeline::{PackageReport, ScanOptions};
use crate::gate::Gate;
use crate::proxy::{self, FileGate, GateFile, ProxyActivity, ProxyConfig, RunningProxy};
use crate::proxy::DbGate;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Everything the proxy needs for one install.
#[derive(Clone)]
pub(crate) struct GuardConfig {
    /// `index_url` and `extra_index_urls` are the upstreams, in route order (0, 1, …);
    /// the other fields (certificates, proxy, netrc, timeouts) say how to reach them.
    pub settings: IndexSettings,
    /// The verdict gate (DB first) shared with the wrapper's own checks.
    pub gate: Arc<Gate>,
    pub scan: ScanOptions,
    pub metadata: MetadataPolicy,
    pub internal: InternalPolicy,
    /// Shows what the proxy is fetching and analysing.
    pub progress: Option<Arc<Progress>>,
    /// The installer downloads every wheel it resolves: vet each one as soon as its
    /// metadata is served (see `proxy::prefetch`).
    pub prefetch: bool,
}

/// A running proxy.
pub(crate) trait Guard: Send + Sync {
    /// `http://127.0.0.1:PORT`
    fn base_url(&self) -> String;
    /// The Simple API root of upstream `k`: `http://127.0.0.1:PORT/u/<k>/simple/`.
    fn index_url(&self, upstream: usize) -> String;
    /// Every file verdict so far.
    fn files(&self) -> Vec<CheckedFile>;
    /// Files kept off project pages by policy (too new, blocked, other index).
    fn hidden(&self) -> Vec<HiddenFile>;
    /// Upstream problems (pages that could not be read), worded for the user.
    fn problems(&self) -> Vec<String>;
    /// `NAME==VERSION` of an older release than the blocked `file` that is not blocked
    /// (may fetch and judge a few older files).
    fn older_release(&self, file: &CheckedFile) -> Option<String>;
    fn stop(self: Box<Self>);
}

#[derive(Debug, thiserror::Error)]
pub enum GuardError {
    #[error("cannot start the checking proxy: {0}")]
    Start(String),
    #[error("the checking proxy at {url} does not answer its health check ({detail})")]
    Unhealthy { url: String, detail: String },
}

impl crate::error::Hint for GuardError {
    fn hint(&self) -> String {
        match self {
            GuardError::Start(_) => "check the index settings shown above (pip config debug) and the verdict DB (safe-pip db check)".into(),
            GuardError::Unhealthy { .. } => "another program may hold the port or block loopback traffic; rerun, or check local firewall rules".into(),
        }
    }
}

/// Records what the gate hides, for the summary.
struct RecordingGate {
    inner: Arc<dyn FileGate>,
    hidden: Mutex<Vec<HiddenFile>>,
}

impl FileGate for RecordingGate {
    fn known(&self, file: &GateFile) -> Option<PackageReport> {
        self.inner.known(file)
    }

    fn judge(&self, file: &GateFile, bytes: &[u8]) -> PackageReport {
        self.inner.judge(file, bytes)
    }

    fn refuse_project(&self, upstream: usize, index_url: &str, project: &str) -> Option<String> {
        let reason = self.inner.refuse_project(upstream, index_url, project)?;
        self.note(HiddenFile { project: project.to_string(), filename: ALL_FILES.into(), index: index_url.to_string(), reason: reason.clone() });
        Some(reason)
    }

    fn known_many(&self, files: &[GateFile]) -> Vec<Option<PackageReport>> {
        self.inner.known_many(files)
    }

    fn hide(&self, file: &GateFile) -> Option<String> {
        let reason = self.inner.hide(file)?;
        self.note(HiddenFile { project: file.project.clone(), filename: file.filename.clone(), index: file.index_url.clone(), reason: reason.clone() });
        Some(reason)
    }

    fn hide_many(&self, files: &[GateFile]) -> Vec<Option<String>> {
        let hidden = self.inner.hide_many(files);
        for (file, reason) in files.iter().zip(&hidden) {
            if let Some(reason) = reason {
                self.note(HiddenFile { project: file.project.clone(), filename: file.filename.clone(), index: file.index_url.clone(), reason: reason.clone() });
            }
        }
        hidden
    }
}

impl RecordingGate {
    fn note(&self, h: HiddenFile) {
        if let Ok(mut list) = self.hidden.lock() {
            if !list.iter().any(|x| x.filename == h.filename && x.project == h.project && x.index == h.index) {
                list.push(h);
            }
        }
    }
}

struct ProxyGuard {
    /// `RunningProxy` is not `Sync`; the summary poller reads events from another thread.
    running: Mutex<RunningProxy>,
    url: String,
    upstreams: Vec<String>,
    recorder: Arc<RecordingGate>,
}

impl Guard for ProxyGuard {
    fn base_url(&self) -> String {
        self.url.clone()
    }

    fn index_url(&self, upstream: usize) -> String {
        format!("{}{}", self.url, proxy::index_path(upstream))
    }

    fn files(&self) -> Vec<CheckedFile> {
        let upstreams = &self.upstreams;
        let events = self.running.lock().map(|r| r.events()).unwrap_or_default();
        events
            .into_iter()
            .map(|e| CheckedFile {
                source: FileSource::Index { upstream: e.upstream, index: upstreams.get(e.upstream).cloned().unwrap_or_default() },
                project: Some(e.project),
                report: e.report,
                served: e.served,
                from_db: e.from_db,
            })
            .collect()
    }

    fn hidden(&self) -> Vec<HiddenFile> {
        self.recorder.hidden.lock().map(|h| h.clone()).unwrap_or_default()
    }

    fn problems(&self) -> Vec<String> {
        self.running.lock().map(|r| r.problems()).unwrap_or_default()
    }

    fn older_release(&self, file: &CheckedFile) -> Option<String> {
        let FileSource::Index { upstream, .. } = &file.source else { return None };
        let project = file.project.as_deref().or(file.report.name.as_deref())?;
        self.running.lock().ok()?.older_release(*upstream, project, &file.report.filename)
    }

    fn stop(self: Box<Self>) {
        if let Ok(r) = self.running.into_inner() {
            r.stop();
        }
    }
}

/// The gate of the install wrapper and the service: the verdict DB first, then analysis
/// ([`DbGate`]), plus dependency confusion when it can matter.
pub(crate) fn install_gate(config: &GuardConfig) -> Result<Arc<dyn FileGate>, GuardError> {
    let gate: Arc<dyn FileGate> = Arc::new(DbGate::new(config.gate.clone(), config.metadata.clone()));
    if !ConfusionGate::needed(&config.internal, config.settings.indexes().len()) {
        return Ok(gate);
    }
    let client = IndexClient::new(&config.settings).map_err(|e| GuardError::Start(e.render()))?;
    Ok(Arc::new(ConfusionGate::new(gate, config.internal.clone(), client, config.scan.policy.clone())))
}

/// Why [`project_gate`] could not build its gate: each keeps its own message and remedy
/// (the service reports them as its own errors).
#[derive(Debug, thiserror::Error)]
pub(crate) enum ProjectGateError {
    /// Every problem of the settings files.
    #[error("{}", .0.messages())]
    Settings(crate::error::Error),
    #[error(transparent)]
    Gate(#[from] crate::gate::GateError),
    #[error(transparent)]
    Guard(#[from] GuardError),
}

impl From<ProjectGateError> for crate::error::Error {
    fn from(e: ProjectGateError) -> Self {
        match e {
            ProjectGateError::Settings(e) => e,
            ProjectGateError::Gate(e) => e.into(),
            ProjectGateError::Guard(e) => e.into(),
        }
    }
}

/// The gate of a proxy in front of `index` (`safe-pip proxy`, the `Proxy` the Poetry
/// plugin starts, the service): the settings of `project_dir` (organisation, user and
/// project files, plus `internal` rules from `--internal`/`SAFE_PIP_INTERNAL`), the verdict
/// DB at `db`, and the same checks as `safe-pip install` — dependency confusion included.
pub(crate) fn project_gate(db: Option<&std::path::Path>, project_dir: Option<&std::path::Path>, index: &IndexSettings, internal: Vec<String>) -> Result<Arc<dyn FileGate>, ProjectGateError> {
    let dir = match project_dir {
        Some(d) => d.to_path_buf(),
        None => std::env::current_dir().unwrap_or_else(|_| std::path::PathBuf::from(".")),
    };
    let flags = crate::policy::SettingsFlags { internal, ..crate::policy::SettingsFlags::default() };
    let settings = crate::policy::Settings::load(&dir, &flags).map_err(|errors| ProjectGateError::Settings(errors.into()))?;
    let scan = ScanOptions { policy: settings.policy, ..ScanOptions::default() };
    let gate = Gate::open(db, scan.clone())?;
    let config = GuardConfig { settings: index.clone(), gate: Arc::new(gate), scan, metadata: settings.metadata, internal: settings.internal, progress: None, prefetch: false };
    Ok(install_gate(&config)?)
}

/// `SAFE_PIP_INTERNAL` as `--internal` values (comma-separated), for fronts without flags.
pub(crate) fn internal_from_env() -> Vec<String> {
    std::env::var("SAFE_PIP_INTERNAL").unwrap_or_default().split(',').map(str::trim).filter(|s| !s.is_empty()).map(str::to_string).collect()
}

/// Starts the proxy for `config` and checks that it answers.
pub(crate) fn start(config: GuardConfig) -> Result<Box<dyn Guard>, GuardError> {
    let recorder = Arc::new(RecordingGate { inner: install_gate(&config)?, hidden: Mutex::new(Vec::new()) });
    let mut pc = ProxyConfig::new(config.settings.clone(), recorder.clone());
    pc.prefetch = config.prefetch;
    if let Some(p) = config.progress.clone() {
        pc.on_activity = Some(Arc::new(move |a: &ProxyActivity| match a {
            ProxyActivity::Fetching { filename, .. } => p.activity(&format!("fetching {filename}")),
            ProxyActivity::Analysing { filename, .. } => p.activity(&format!("analysing {filename}")),
            ProxyActivity::PageFailed { project, reason, .. } => p.activity(&format!("{project}: {reason}")),
        }));
    }
    let running = proxy::start(pc).map_err(|e| GuardError::Start(e.inline()))?;
    health_check(&running.url())?;
    let (url, upstreams) = (running.url(), running.upstreams());
    Ok(Box::new(ProxyGuard { running: Mutex::new(running), url, upstreams, recorder }))
}

/// `GET <base>/health` on loopback with a plain socket (no HTTP proxy from the
/// environment, no TLS set-up: this runs before every install).
pub(crate) fn health_check(base_url: &str) -> Result<(), GuardError> {
    use std::io::{Read, Write};
    let err = |detail: String| GuardError::Unhealthy { url: base_url.to_string(), detail };
    let addr = base_url.trim_start_matches("http://").trim_end_matches('/');
    let sock: std::net::SocketAddr = addr.parse().map_err(|e| err(format!("not a loopback address: {e}")))?;
    let mut stream = std::net::TcpStream::connect_timeout(&sock, Duration::from_secs(5)).map_err(|e| err(e.to_string()))?;
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    stream
        .write_all(format!("GET /health HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").as_bytes())
        .map_err(|e| err(e.to_string()))?;
    let mut head = [0u8; 32];
    let n = stream.read(&mut head).map_err(|e| err(e.to_string()))?;
    let status_line = String::from_utf8_lossy(&head[..n]);
    if status_line.starts_with("HTTP/1.1 200") || status_line.starts_with("HTTP/1.0 200") {
        Ok(())
    } else {
        Err(err(format!("unexpected answer: {}", status_line.lines().next().unwrap_or(""))))
    }
}
