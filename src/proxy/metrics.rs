//! Counters of a running proxy, served by the gateway as `/metrics` in the Prometheus
//! text format (version 0.0.4): requests by route and status, file verdicts by level,
//! the analysis latency histogram, verdict cache hits and misses, upstream errors.
//! Counters only grow; the local proxy keeps them too (they are a few atomics).

use crate::policy::Action;
use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

type Requests = BTreeMap<(&'static str, u16), u64>;

/// The request counters; a panic elsewhere while they were held leaves them usable.
fn requests(m: &Mutex<Requests>) -> std::sync::MutexGuard<'_, Requests> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Upper bounds (seconds) of the analysis latency buckets.
const BUCKETS: [f64; 12] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0];

#[derive(Default)]
pub(crate) struct Metrics {
    /// (route, status) -> count.
    requests: Mutex<Requests>,
    allow: AtomicU64,
    warn: AtomicU64,
    block: AtomicU64,
    unverified: AtomicU64,
    /// Verdicts known without an analysis by this replica (memory, store).
    cache_hits: AtomicU64,
    /// Files that had to be judged from their bytes.
    cache_misses: AtomicU64,
    upstream_errors: AtomicU64,
    /// Cumulative counts per bucket of [`BUCKETS`], then +Inf.
    analysis_buckets: [AtomicU64; BUCKETS.len() + 1],
    /// Sum of analysis seconds, in microseconds.
    analysis_micros: AtomicU64,
    /// Project pages by where they came from, in the order of [`PageFrom`].
    pages: [AtomicU64; 4],
}

/// Where the gateway took a project page from (its page cache).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum PageFrom {
    /// The cache, within its TTL.
    Fresh,
    /// The cache, after upstream answered 304 Not Modified.
    Revalidated,
    /// Upstream, a full page.
    Fetched,
    /// The cache past its TTL because upstream failed (within max-stale).
    Stale,
}

impl PageFrom {
    const ALL: [(PageFrom, &'static str); 4] = [(PageFrom::Fresh, "fresh"), (PageFrom::Revalidated, "revalidated"), (PageFrom::Fetched, "fetched"), (PageFrom::Stale, "stale")];
}

/// How a file request ended, for the verdict counter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Level {
    Verdict(Action),
    Unverified,
}

impl Metrics {
    pub(crate) fn request(&self, route: &'static str, status: u16) {
        *requests(&self.requests).entry((route, status)).or_default() += 1;
    }

    pub(crate) fn verdict(&self, level: Level) {
        let c = match level {
            Level::Verdict(Action::Allow) => &self.allow,
            Level::Verdict(Action::Warn) => &self.warn,
            Level::Verdict(Action::Block) => &self.block,
            Level::Unverified => &self.unverified,
        };
        c.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn cache(&self, hit: bool) {
        if hit { &self.cache_hits } else { &self.cache_misses }.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn page(&self, from: PageFrom) {
        self.pages[from as usize].fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn upstream_error(&self) {
        self.upstream_errors.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn analysis(&self, took: Duration) {
        let secs = took.as_secs_f64();
        for (i, bound) in BUCKETS.iter().enumerate() {
            if secs <= *bound {
                self.analysis_buckets[i].fetch_add(1, Ordering::Relaxed);
            }
        }
        self.analysis_buckets[BUCKETS.len()].fetch_add(1, Ordering::Relaxed);
        self.analysis_micros.fetch_add(u64::try_from(took.as_micros()).unwrap_or(u64::MAX), Ordering::Relaxed);
    }

    /// The Prometheus text exposition.
    pub(crate) fn render(&self) -> String {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        let mut out = String::new();
        out.push_str("# HELP safe_pip_requests_total HTTP requests answered, by route and status.\n# TYPE safe_pip_requests_total counter\n");
        for ((route, status), n) in requests(&self.requests).iter() {
            out.push_str(&format!("safe_pip_requests_total{{route=\"{route}\",status=\"{status}\"}} {n}\n"));
        }
        out.push_str("# HELP safe_pip_verdicts_total File requests by verdict (unverified: could not be checked, refused).\n# TYPE safe_pip_verdicts_total counter\n");
        for (name, c) in [("allow", &self.allow), ("warn", &self.warn), ("block", &self.block), ("unverified", &self.unverified)] {
            out.push_str(&format!("safe_pip_verdicts_total{{verdict=\"{name}\"}} {}\n", get(c)));
        }
        out.push_str("# HELP safe_pip_verdict_cache_hits_total Files whose verdict was known without analysing them here (memory or verdict store).\n# TYPE safe_pip_verdict_cache_hits_total counter\n");
        out.push_str(&format!("safe_pip_verdict_cache_hits_total {}\n", get(&self.cache_hits)));
        out.push_str("# HELP safe_pip_verdict_cache_misses_total Files judged from their bytes (analysed, or found in the store under the analysis lock).\n# TYPE safe_pip_verdict_cache_misses_total counter\n");
        out.push_str(&format!("safe_pip_verdict_cache_misses_total {}\n", get(&self.cache_misses)));
        out.push_str("# HELP safe_pip_upstream_errors_total Upstream pages or files that could not be fetched.\n# TYPE safe_pip_upstream_errors_total counter\n");
        out.push_str(&format!("safe_pip_upstream_errors_total {}\n", get(&self.upstream_errors)));
        out.push_str("# HELP safe_pip_page_cache_total Project pages by source: fresh (cache), revalidated (304), fetched (upstream), stale (cache, upstream failing).\n# TYPE safe_pip_page_cache_total counter\n");
        for (from, name) in PageFrom::ALL {
            out.push_str(&format!("safe_pip_page_cache_total{{result=\"{name}\"}} {}\n", get(&self.pages[from as usize])));
        }
        out.push_str("# HELP safe_pip_analysis_seconds Time to judge a file from its bytes.\n# TYPE safe_pip_analysis_seconds histogram\n");
        for (i, bound) in BUCKETS.iter().enumerate() {
            out.push_str(&format!("safe_pip_analysis_seconds_bucket{{le=\"{bound}\"}} {}\n", get(&self.analysis_buckets[i])));
        }
        let count = get(&self.analysis_buckets[BUCKETS.len()]);
        out.push_str(&format!("safe_pip_analysis_seconds_bucket{{le=\"+Inf\"}} {count}\n"));
        out.push_str(&format!("safe_pip_analysis_seconds_sum {}\n", get(&self.analysis_micros) as f64 / 1e6));
        out.push_str(&format!("safe_pip_analysis_seconds_count {count}\n"));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_counters_and_a_cumulative_histogram() {
        let m = Metrics::default();
        m.request("file", 200);
        m.request("file", 200);
        m.request("page", 403);
        m.verdict(Level::Verdict(Action::Block));
        m.cache(true);
        m.cache(false);
        m.upstream_error();
        m.analysis(Duration::from_millis(30));
        m.analysis(Duration::from_secs(60));
        let text = m.render();
        for line in [
            "safe_pip_requests_total{route=\"file\",status=\"200\"} 2",
            "safe_pip_requests_total{route=\"page\",status=\"403\"} 1",
            "safe_pip_verdicts_total{verdict=\"block\"} 1",
            "safe_pip_verdicts_total{verdict=\"allow\"} 0",
            "safe_pip_verdict_cache_hits_total 1",
            "safe_pip_verdict_cache_misses_total 1",
            "safe_pip_upstream_errors_total 1",
            "safe_pip_analysis_seconds_bucket{le=\"0.025\"} 0",
            "safe_pip_analysis_seconds_bucket{le=\"0.05\"} 1",
            "safe_pip_analysis_seconds_bucket{le=\"30\"} 1",
            "safe_pip_analysis_seconds_bucket{le=\"+Inf\"} 2",
            "safe_pip_analysis_seconds_count 2",
        ] {
            assert!(text.lines().any(|l| l == line), "missing {line:?} in\n{text}");
        }
    }
}
