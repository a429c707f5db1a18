//! What the proxy did with each file, for summaries after the client exits and for
//! progress display while it runs. One event per file and outcome: clients retry and
//! ask HEAD then GET, which must not multiply the summary lines.

use crate::pipeline::PackageReport;
use std::collections::HashSet;
use std::sync::{Arc, Mutex};

/// One file verdict as the proxy applied it.
#[derive(Clone, Debug)]
pub struct ProxyEvent {
    pub upstream: usize,
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
pub enum ProxyActivity {
    /// Downloading a file from upstream (`size` when the index advertises it).
    Fetching { project: String, filename: String, size: Option<u64> },
    /// Analysing downloaded bytes.
    Analysing { project: String, filename: String, size: u64 },
    /// A project page could not be read from upstream (clients such as pip do not show
    /// why; wrappers should).
    PageFailed { upstream: usize, project: String, reason: String },
}

pub type EventCallback = Arc<dyn Fn(&ProxyEvent) + Send + Sync>;
pub type ActivityCallback = Arc<dyn Fn(&ProxyActivity) + Send + Sync>;

/// Events in order, and the (file, served) pairs already recorded.
type Recorded = (Vec<ProxyEvent>, HashSet<(String, bool)>);

/// The event log: deduplicated by (file, served), in the order things happened.
#[derive(Default)]
pub(crate) struct EventLog {
    inner: Mutex<Recorded>,
    problems: Mutex<Vec<String>>,
    on_event: Option<EventCallback>,
    on_activity: Option<ActivityCallback>,
}

impl EventLog {
    pub fn new(on_event: Option<EventCallback>, on_activity: Option<ActivityCallback>) -> EventLog {
        EventLog { inner: Mutex::default(), problems: Mutex::default(), on_event, on_activity }
    }

    /// Records an event unless the same file already had the same outcome.
    pub fn record(&self, event: ProxyEvent) {
        let key = (event.sha256.clone().unwrap_or_else(|| format!("{}/{}", event.upstream, event.filename)), event.served);
        {
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
    pub fn problem(&self, upstream: usize, project: &str, reason: String) {
        if let Ok(mut p) = self.problems.lock() {
            if p.len() < 100 && !p.contains(&reason) {
                p.push(reason.clone());
            }
        }
        self.activity(ProxyActivity::PageFailed { upstream, project: project.to_string(), reason });
    }

    pub fn problems(&self) -> Vec<String> {
        self.problems.lock().map(|p| p.clone()).unwrap_or_default()
    }

    pub fn activity(&self, a: ProxyActivity) {
        if let Some(cb) = &self.on_activity {
            cb(&a);
        }
    }

    pub fn all(&self) -> Vec<ProxyEvent> {
        self.inner.lock().map(|g| g.0.clone()).unwrap_or_default()
    }
}
