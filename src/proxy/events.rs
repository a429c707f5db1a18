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
}

pub type EventCallback = Arc<dyn Fn(&ProxyEvent) + Send + Sync>;
pub type ActivityCallback = Arc<dyn Fn(&ProxyActivity) + Send + Sync>;

/// The event log: deduplicated by (file, served), in the order things happened.
#[derive(Default)]
pub(crate) struct EventLog {
    inner: Mutex<(Vec<ProxyEvent>, HashSet<(String, bool)>)>,
    on_event: Option<EventCallback>,
    on_activity: Option<ActivityCallback>,
}

impl EventLog {
    pub fn new(on_event: Option<EventCallback>, on_activity: Option<ActivityCallback>) -> EventLog {
        EventLog { inner: Mutex::default(), on_event, on_activity }
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

    pub fn activity(&self, a: ProxyActivity) {
        if let Some(cb) = &self.on_activity {
            cb(&a);
        }
    }

    pub fn all(&self) -> Vec<ProxyEvent> {
        self.inner.lock().map(|g| g.0.clone()).unwrap_or_default()
    }
}
