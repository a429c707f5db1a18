//! Per-phase timings of one package file (`scan --timings`): read (hashing the archive
//! bytes), decompress (walking the container and inflating members), parse, model,
//! rules, payload decode, and wait (for room under the in-flight memory cap or for the
//! turn of a large module, while other files are analysed: time, not work). Off unless
//! [`enable`] was called; then each phase is timed into the [`Sink`] of the file being
//! scanned, which the analysis hands to its rayon workers ([`Sink::enter`]). Times are
//! exclusive: a model built inside a rule (decoded payloads are rescanned) counts as
//! parse/model, not as rules. Summed over worker threads, so they are CPU-ish seconds,
//! not wall time.

use std::cell::RefCell;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Phase {
    Read = 0,
    Decompress = 1,
    Parse = 2,
    Model = 3,
    Rules = 4,
    Payload = 5,
    Wait = 6,
}

pub(crate) const PHASES: [(Phase, &str); 7] = [
    (Phase::Read, "read"),
    (Phase::Decompress, "decompress"),
    (Phase::Parse, "parse"),
    (Phase::Model, "model"),
    (Phase::Rules, "rules"),
    (Phase::Payload, "payload_decode"),
    (Phase::Wait, "wait"),
];

static ENABLED: AtomicBool = AtomicBool::new(false);

/// Turns timing on for this process.
pub(crate) fn enable() {
    ENABLED.store(true, Ordering::Relaxed);
}

pub(crate) fn enabled() -> bool {
    ENABLED.load(Ordering::Relaxed)
}

/// Nanoseconds per phase for one package file, shared by the threads working on it.
#[derive(Debug, Default)]
pub(crate) struct Sink {
    nanos: [AtomicU64; PHASES.len()],
}

/// Seconds per phase (in [`PHASES`] order).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Times(pub [f64; PHASES.len()]);

impl Sink {
    pub(crate) fn times(&self) -> Times {
        let mut t = [0.0; PHASES.len()];
        for (i, n) in self.nanos.iter().enumerate() {
            t[i] = n.load(Ordering::Relaxed) as f64 / 1e9;
        }
        Times(t)
    }
    /// Makes `sink` the current one on this thread until the guard drops.
    pub(crate) fn enter(sink: Option<Arc<Sink>>) -> Guard {
        let prev = CURRENT.with(|c| std::mem::replace(&mut *c.borrow_mut(), sink));
        Guard { prev: Some(prev) }
    }
}

thread_local! {
    static CURRENT: RefCell<Option<Arc<Sink>>> = const { RefCell::new(None) };
    /// Time spent in nested phases, per open phase on this thread (innermost last).
    static STACK: RefCell<Vec<u64>> = const { RefCell::new(Vec::new()) };
}

/// Restores the previous sink of the thread on drop.
pub(crate) struct Guard {
    prev: Option<Option<Arc<Sink>>>,
}

impl Drop for Guard {
    fn drop(&mut self) {
        if let Some(prev) = self.prev.take() {
            CURRENT.with(|c| *c.borrow_mut() = prev);
        }
    }
}

/// The sink of the current thread, to hand to worker threads.
pub(crate) fn current() -> Option<Arc<Sink>> {
    if !enabled() {
        return None;
    }
    CURRENT.with(|c| c.borrow().clone())
}

/// Runs `f`, charging its time (less the time of phases nested in it) to `phase`.
pub(crate) fn time<T>(phase: Phase, f: impl FnOnce() -> T) -> T {
    let Some(sink) = current() else { return f() };
    STACK.with(|s| s.borrow_mut().push(0));
    let start = Instant::now();
    let out = f();
    let elapsed = start.elapsed().as_nanos() as u64;
    let nested = STACK.with(|s| {
        let mut s = s.borrow_mut();
        let nested = s.pop().unwrap_or(0);
        if let Some(parent) = s.last_mut() {
            *parent += elapsed;
        }
        nested
    });
    sink.nanos[phase as usize].fetch_add(elapsed.saturating_sub(nested), Ordering::Relaxed);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_phases_are_exclusive() {
        enable();
        let sink = Arc::new(Sink::default());
        let _g = Sink::enter(Some(sink.clone()));
        time(Phase::Rules, || {
            std::thread::sleep(std::time::Duration::from_millis(20));
            time(Phase::Parse, || std::thread::sleep(std::time::Duration::from_millis(30)));
        });
        let t = sink.times();
        assert!(t.0[Phase::Parse as usize] >= 0.03);
        assert!(t.0[Phase::Rules as usize] >= 0.02 && t.0[Phase::Rules as usize] < 0.03 + 0.02);
    }
}
