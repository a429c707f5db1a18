//! What the proxy shares between request threads: the upstream client, the gate, the
//! files seen on pages, the caches, and the event log.

use super::cache::{BoundedMap, ByteLru};
use super::events::EventLog;
use super::gate::{FileGate, GateFile};
use super::gateway::GatewayOptions;
use super::metrics::Metrics;
use super::urls::FileRef;
use crate::analysis::metadata::time::parse_rfc3339;
use crate::index::{FileEntry, IndexClient, IndexError, ProjectPage, normalize_name};
use crate::pipeline::PackageReport;
use bytes::Bytes;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant};

/// Files remembered from pages; beyond this the map starts over (a restarted or cleared
/// proxy re-reads the page when a file is asked for).
const MAX_ENTRIES: usize = 200_000;
const MAX_VERDICTS: usize = 100_000;

/// PEP 792: a quarantined project must not serve files.
pub(crate) fn serves_no_files(page: &ProjectPage) -> bool {
    page.status.as_ref().is_some_and(|s| s.status.eq_ignore_ascii_case("quarantined"))
}

/// A verdict for one file, as the proxy remembers it.
#[derive(Clone, Debug)]
pub(crate) struct Verdict {
    pub report: Arc<PackageReport>,
    /// From the gate's memory or database rather than a fresh analysis.
    pub from_db: bool,
}

/// The result of vetting one file.
#[derive(Clone, Debug)]
pub(crate) enum Outcome {
    /// Allowed (or warned): these exact, hash-checked bytes may be served.
    Vetted { bytes: Bytes, verdict: Verdict },
    /// Blocked by the gate.
    Blocked { verdict: Verdict },
    /// Could not be checked (upstream error, hash mismatch, too large): fail closed.
    /// `cause` says what failed and what to do.
    Unverified { cause: String, report: Arc<PackageReport> },
}

pub(crate) struct State {
    pub client: IndexClient,
    /// Upstream index URLs, credentials redacted.
    pub upstreams: Vec<String>,
    pub gate: Arc<dyn FileGate>,
    pub max_file_bytes: u64,
    /// (upstream, file reference) → the entry its page offered.
    entries: Mutex<BoundedMap<(usize, FileRef), FileEntry>>,
    /// File key (see [`file_key`]) → verdict.
    verdicts: Mutex<BoundedMap<String, Verdict>>,
    /// File key → vetted bytes; `meta:` + file key → metadata bytes.
    pub bytes: Mutex<ByteLru<String>>,
    flights: Mutex<HashMap<String, Arc<OnceLock<Outcome>>>>,
    /// (upstream, project) → when its page last failed and why. Clients retry a failed
    /// page at once (uv several times); each retry would wait out the upstream retries again.
    page_failures: Mutex<BoundedMap<(usize, String), (Instant, String)>>,
    pub events: EventLog,
    /// Set when running as the gateway (`safe-pip serve`).
    pub gateway: Option<GatewayOptions>,
    pub metrics: Metrics,
    /// Vetted files on disk by sha256, shared with other replicas using the folder.
    pub disk_cache: Option<Arc<super::disk_cache::DiskCache>>,
    /// Wheels vetted ahead of their download (install wrapper only; see `prefetch`).
    pub prefetch: Option<PrefetchCounts>,
    /// (upstream, project) → the page upstream last sent (gateway with a page cache).
    pages: Mutex<BoundedMap<(usize, String), CachedPage>>,
    /// Page fetches in progress: concurrent requests for an expired page share one.
    page_flights: Mutex<HashMap<(usize, String), PageFlight>>,
}

/// The wheels being vetted ahead of their download (`prefetch::after_metadata`).
#[derive(Default)]
pub(crate) struct PrefetchCounts {
    pub running: std::sync::atomic::AtomicUsize,
    /// Started in all (tests read it).
    pub started: std::sync::atomic::AtomicUsize,
}

/// A page fetched for the gateway's page cache, or the answer to send instead.
pub(crate) type PageResult = Result<Option<Arc<crate::index::RawPage>>, super::reply::Reply>;
type PageFlight = Arc<OnceLock<PageResult>>;

/// An upstream page kept by the gateway.
#[derive(Clone)]
pub(crate) struct CachedPage {
    pub raw: Arc<crate::index::RawPage>,
    pub validators: crate::index::Validators,
    /// When upstream last sent or confirmed it.
    pub confirmed: Instant,
}

/// Pages kept at most (the map starts over beyond: a cache, refilled from upstream).
const MAX_PAGES: usize = 20_000;

/// How long a failed page answers from memory before upstream is asked again.
const PAGE_FAILURE_TTL: Duration = Duration::from_secs(10);

/// Locks a mutex, recovering from poisoning: the data are caches, never left half-updated.
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// The key for a file's verdict and bytes: its advertised sha256, else its upstream URL
/// digest (per upstream).
pub(crate) fn file_key(upstream: usize, f: &FileRef) -> String {
    match f.sha256() {
        Some(s) => s.to_string(),
        None => format!("{upstream}:{}", f.id),
    }
}

/// The upstream URL as it appears in proxy URLs: without userinfo and fragment.
pub(crate) fn clean_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) => {
            let _ = u.set_username("");
            let _ = u.set_password(None);
            u.set_fragment(None);
            u.to_string()
        }
        Err(_) => url.to_string(),
    }
}

impl State {
    pub(crate) fn new(
        client: IndexClient,
        upstreams: Vec<String>,
        gate: Arc<dyn FileGate>,
        max_file_bytes: u64,
        cache_bytes: usize,
        events: EventLog,
        gateway: Option<GatewayOptions>,
    ) -> State {
        State {
            client,
            upstreams,
            gate,
            max_file_bytes,
            entries: Mutex::new(BoundedMap::new(MAX_ENTRIES)),
            verdicts: Mutex::new(BoundedMap::new(MAX_VERDICTS)),
            bytes: Mutex::new(ByteLru::new(cache_bytes)),
            flights: Mutex::new(HashMap::new()),
            page_failures: Mutex::new(BoundedMap::new(10_000)),
            events,
            gateway,
            metrics: Metrics::default(),
            disk_cache: None,
            prefetch: None,
            pages: Mutex::new(BoundedMap::new(MAX_PAGES)),
            page_flights: Mutex::new(HashMap::new()),
        }
    }

    /// `/metrics`: the counters, and the artifact cache's when there is one.
    pub(crate) fn render_metrics(&self) -> String {
        let mut out = self.metrics.render();
        if let Some(c) = &self.disk_cache {
            c.render_metrics(&mut out);
        }
        out
    }

    /// The reference the proxy writes into pages for `entry`.
    pub(crate) fn file_ref(project: &str, entry: &FileEntry) -> FileRef {
        FileRef::new(project, entry.hashes.get("sha256").map(String::as_str), &clean_url(&entry.url), &entry.filename)
    }

    pub(crate) fn gate_file(&self, upstream: usize, project: &str, entry: &FileEntry) -> GateFile {
        GateFile {
            upstream,
            index_url: self.upstreams.get(upstream).cloned().unwrap_or_default(),
            project: normalize_name(project),
            filename: entry.filename.clone(),
            sha256: entry.hashes.get("sha256").map(|s| s.to_ascii_lowercase()),
            upload_time: entry.upload_time.as_deref().and_then(parse_rfc3339),
            yanked: entry.yanked.is_some(),
        }
    }

    /// Remembers a file a page offered, so it can be served.
    pub(crate) fn remember(&self, upstream: usize, project: &str, entry: &FileEntry) {
        lock(&self.entries).insert((upstream, State::file_ref(project, entry)), entry.clone());
    }

    /// Every file the pages of `project` on this upstream offered (as remembered).
    pub(crate) fn project_entries(&self, upstream: usize, project: &str) -> Vec<FileEntry> {
        let project = normalize_name(project);
        lock(&self.entries).entries().filter(|((u, f), _)| *u == upstream && normalize_name(&f.project) == project).map(|(_, e)| e.clone()).collect()
    }

    /// Why the gate refuses to serve `project` from this upstream, if it does (recorded as
    /// a problem for the summary).
    pub(crate) fn refusal(&self, upstream: usize, project: &str) -> Option<String> {
        let index_url = self.upstreams.get(upstream)?;
        let project = normalize_name(project);
        let reason = self.gate.refuse_project(upstream, index_url, &project)?;
        let line = format!("{project} is not served from {index_url}: {reason}");
        self.events.problem(upstream, &project, line.clone());
        Some(line)
    }

    /// The upstream entry behind a proxy file URL: from memory, else by re-reading the
    /// project's page (after a restart). `Ok(None)` when upstream does not offer it: the
    /// proxy only fetches what upstream pages list.
    pub(crate) fn entry(&self, upstream: usize, f: &FileRef) -> Result<Option<FileEntry>, IndexError> {
        if upstream >= self.upstreams.len() || self.refusal(upstream, &f.project).is_some() {
            return Ok(None);
        }
        let key = (upstream, f.clone());
        if let Some(e) = lock(&self.entries).get(&key) {
            return Ok(Some(e));
        }
        let Some(raw) = self.client.raw_page(upstream, &f.project)? else { return Ok(None) };
        if serves_no_files(&raw.page) {
            return Ok(None);
        }
        for e in &raw.page.files {
            self.remember(upstream, &f.project, e);
        }
        Ok(lock(&self.entries).get(&key))
    }

    pub(crate) fn cached_page(&self, upstream: usize, project: &str) -> Option<CachedPage> {
        lock(&self.pages).get(&(upstream, normalize_name(project)))
    }

    pub(crate) fn keep_page(&self, upstream: usize, project: &str, page: CachedPage) {
        lock(&self.pages).insert((upstream, normalize_name(project)), page);
    }

    /// Runs `fetch` once for concurrent callers asking for the same page.
    pub(crate) fn page_flight(&self, upstream: usize, project: &str, fetch: impl FnOnce() -> PageResult) -> PageResult {
        let key = (upstream, normalize_name(project));
        let cell = lock(&self.page_flights).entry(key.clone()).or_default().clone();
        let out = cell.get_or_init(fetch).clone();
        let mut flights = lock(&self.page_flights);
        if flights.get(&key).is_some_and(|c| Arc::ptr_eq(c, &cell)) {
            flights.remove(&key);
        }
        out
    }

    pub(crate) fn drop_page(&self, upstream: usize, project: &str) {
        lock(&self.pages).remove(&(upstream, normalize_name(project)));
    }

    /// The reason a project page failed within the last few seconds, if it did.
    pub(crate) fn recent_page_failure(&self, upstream: usize, project: &str) -> Option<String> {
        let key = (upstream, normalize_name(project));
        lock(&self.page_failures).get(&key).filter(|(at, _)| at.elapsed() < PAGE_FAILURE_TTL).map(|(_, r)| r)
    }

    pub(crate) fn page_failed(&self, upstream: usize, project: &str, reason: &str) {
        lock(&self.page_failures).insert((upstream, normalize_name(project)), (Instant::now(), reason.to_string()));
    }

    /// The verdict remembered for a file. The gateway remembers none: its gate is asked
    /// every time, so decisions recorded on any replica apply at once.
    pub(crate) fn verdict(&self, key: &str) -> Option<Verdict> {
        if self.gateway.is_some() {
            return None;
        }
        lock(&self.verdicts).get(&key.to_string())
    }

    pub(crate) fn set_verdict(&self, key: &str, v: Verdict) {
        if self.gateway.is_none() {
            lock(&self.verdicts).insert(key.to_string(), v);
        }
    }

    pub(crate) fn cached_bytes(&self, key: &str) -> Option<Bytes> {
        lock(&self.bytes).get(&key.to_string())
    }

    pub(crate) fn cache_bytes(&self, key: &str, b: Bytes) {
        lock(&self.bytes).put(key.to_string(), b);
    }

    /// Runs `work` once for concurrent callers with the same key; all get its result.
    pub(crate) fn single_flight(&self, key: &str, work: impl FnOnce() -> Outcome) -> Outcome {
        let cell = lock(&self.flights).entry(key.to_string()).or_default().clone();
        let out = cell.get_or_init(work).clone();
        let mut flights = lock(&self.flights);
        if flights.get(key).is_some_and(|c| Arc::ptr_eq(c, &cell)) {
            flights.remove(key);
        }
        out
    }
}
