//! What the proxy did with each file, for summaries after the client exits and for
//! progress display while it runs. One event per file and outcome: clients retry and
//! ask HEAD then GET, which must not multiply the summary lines. A long-running proxy
//! (the service) keeps no events in memory and reports the same file and outcome again
//! only after [`REPEAT_AFTER`] (a later install of it is a new decision).

use super::cache::BoundedMap;
use crate::pipeline::PackageReport;
use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Without retained events: how long the same file and outcome is not reported again.
pub(crate) const REPEAT_AFTER: Duration = Duration::from_secs(10 * 60);

/// One file verdict as the proxy applied it.
#[derive(Clone, Debug)]
pub struct ProxyEvent {
    pub upstream: usize,
    /// The upstream index URL, credentials redacted.
    pub index_url: String,
    /// Normalized project name.
    pub project: String,
    pub filename: String,
    /// The sha256 of the file (advertised or computed), if known.
    pub sha256: Option<String>,
    pub report: PackageReport,
    /// True when the bytes were (or would be, for HEAD) sent to the client; false when blocked.
    pub served: bool,
    /// True when the verdict came from the gate's memory or database, without analysis.
    pub from_db: bool,
}

/// Work in progress, for progress bars.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum ProxyActivity {
    /// Downloading a file from upstream (`size` when the index advertises it).
    Fetching { project: String, filename: String, size: Option<u64> },
    /// Analysing downloaded bytes.
    Analysing { project: String, filename: String, size: u64 },
    /// A project page could not be read from upstream (clients such as pip do not show
    /// why; wrappers should).
    PageFailed { upstream: usize, project: String, reason: String },
}

pub(crate) type EventCallback = Arc<dyn Fn(&ProxyEvent) + Send + Sync>;
pub(crate) type ActivityCallback = Arc<dyn Fn(&ProxyActivity) + Send + Sync>;

/// Events in order, and the (file, served) pairs already recorded.
type Recorded = (Vec<ProxyEvent>, HashSet<(String, bool)>);

/// Without retained events: when each (file, served) pair was last reported.
type LastSeen = BoundedMap<(String, bool), Instant>;

/// The event log: deduplicated by (file, served), in the order things happened.
pub(crate) struct EventLog {
    inner: Mutex<Recorded>,
    /// `Some` when events are not retained (see [`EventLog::new`]).
    last_seen: Option<Mutex<LastSeen>>,
    problems: Mutex<Vec<String>>,
    on_event: Option<EventCallback>,
    on_activity: Option<ActivityCallback>,
}

impl EventLog {
    /// With `retain`, every event is kept for [`EventLog::all`] and each (file, outcome)
    /// is reported once; without, nothing is kept (bounded memory for a long-running
    /// proxy) and the callback hears of the same file and outcome again after
    /// [`REPEAT_AFTER`].
    pub(crate) fn new(on_event: Option<EventCallback>, on_activity: Option<ActivityCallback>, retain: bool) -> EventLog {
        EventLog {
            inner: Mutex::default(),
            last_seen: (!retain).then(|| Mutex::new(BoundedMap::new(100_000))),
            problems: Mutex::default(),
            on_event,
            on_activity,
        }
    }

    /// Records an event unless the same file already had the same outcome.
    pub(crate) fn record(&self, event: ProxyEvent) {
        let key = (event.sha256.clone().unwrap_or_else(|| format!("{}/{}", event.upstream, event.filename)), event.served);
        if let Some(last_seen) = &self.last_seen {
            let Ok(mut seen) = last_seen.lock() else { return };
            if seen.get(&key).is_some_and(|at| at.elapsed() < REPEAT_AFTER) {
                return;
            }
            seen.insert(key, Instant::now());
        } else {
            let Ok(mut g) = self.inner.lock() else { return };
            if !g.1.insert(key) {
                return;
            }
            g.0.push(event.clone());
        }
        if let Some(cb) = &self.on_event {
            cb(&event);
        }
    }

    /// Remembers an upstream problem (deduplicated, the first 100) and reports it.
    pub(crate) fn problem(&self, upstream: usize, project: &str, reason: String) {
        if let Ok(mut p) = self.problems.lock() {
            if p.len() < 100 && !p.contains(&reason) {
                p.push(reason.clone());
            }
        }
        self.activity(ProxyActivity::PageFailed { upstream, project: project.to_string(), reason });
    }

    pub(crate) fn problems(&self) -> Vec<String> {
        self.problems.lock().map(|p| p.clone()).unwrap_or_default()
    }

    pub(crate) fn activity(&self, a: ProxyActivity) {
        if let Some(cb) = &self.on_activity {
            cb(&a);
        }
    }

    pub(crate) fn all(&self) -> Vec<ProxyEvent> {
        self.inner.lock().map(|g| g.0.clone()).unwrap_or_default()
    }
}
