//! Vetting a wheel ahead of its download. pip and uv resolve from PEP 658 metadata files
//! and download the chosen wheels afterwards, one at a time; each download then waits
//! for the wheel's analysis. A wheel whose metadata was just served is fetched and
//! judged in the background instead, while the installer goes on resolving, and its
//! download is answered from the vetted bytes (or joins the analysis in flight).
//!
//! Only the install wrapper turns this on: a lock run (`uv lock`, `poetry lock`) or a
//! `--dry-run` reads metadata and downloads nothing, and would pay for every wheel.

use super::files::{self, Target};
use super::state::{State, file_key};
use std::sync::Arc;
use std::sync::atomic::Ordering;

/// Wheels fetched and judged ahead at once (each takes a core while it is analysed).
const CONCURRENT: usize = 2;
/// Wheels larger than this (or of unknown size) are left to the download itself: a wheel
/// the installer ends up not needing costs at most this much.
const MAX_BYTES: u64 = 64 << 20;

/// Starts vetting the wheel of `t` in the background when prefetching is on, the wheel
/// is small enough, its bytes are not already vetted and fewer than [`CONCURRENT`] are
/// running. Nothing is recorded as served: the installer's own request does that.
pub(crate) fn after_metadata(state: &Arc<State>, t: &Target) {
    let Some(p) = &state.prefetch else { return };
    if !t.entry.is_wheel() || t.entry.size.is_none_or(|s| s > MAX_BYTES.min(state.max_file_bytes)) {
        return;
    }
    if state.cached_bytes(&file_key(t.upstream, t.file)).is_some() {
        return;
    }
    if p.running.fetch_add(1, Ordering::AcqRel) >= CONCURRENT {
        p.running.fetch_sub(1, Ordering::AcqRel);
        return;
    }
    let (st, upstream, file, entry, gate_file) = (Arc::clone(state), t.upstream, t.file.clone(), t.entry.clone(), t.gate_file.clone());
    let spawned = std::thread::Builder::new().name("safe-pip-prefetch".into()).stack_size(crate::pipeline::WORKER_STACK).spawn(move || {
        let t = Target { upstream, file: &file, entry: &entry, gate_file };
        // the outcome is kept by `vet` (verdict, vetted bytes); an error is not, and the
        // installer's request tries again and reports it
        let _ = files::vet(&st, &t);
        if let Some(p) = &st.prefetch {
            p.running.fetch_sub(1, Ordering::AcqRel);
        }
    });
    match spawned {
        Ok(_) => p.started.fetch_add(1, Ordering::AcqRel),
        Err(_) => p.running.fetch_sub(1, Ordering::AcqRel),
    };
}

/// Prefetches started so far and running now (tests).
#[cfg(test)]
pub(crate) fn counts(state: &State) -> (usize, usize) {
    state.prefetch.as_ref().map_or((0, 0), |p| (p.started.load(Ordering::Acquire), p.running.load(Ordering::Acquire)))
}
