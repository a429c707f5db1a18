//! Runs a job per item on threads of its own and hands the results back in input order
//! as soon as each one and all before it are done, so a scan of thousands of files can
//! print each report when it is ready instead of holding every report until the end.
//!
//! Why threads of its own rather than a rayon `par_iter`: a rayon worker that waits for
//! a nested parallel job (the modules of one package) steals other queued jobs, so it
//! may start reading a second, third, … archive on the same stack while the first is
//! still in memory. With one plain thread per worker, each holds exactly one item at
//! a time; the module-level parallelism still runs on the rayon pool, whose workers
//! never start a new item. Those threads may also block (the in-flight memory cap)
//! without stalling rayon.

use std::collections::BTreeMap;
use std::sync::mpsc;
use std::sync::{Condvar, Mutex};

/// Which item to start next, and how far the output has got.
struct Dispatch {
    next: usize,
    emitted: usize,
    stop: bool,
}

/// Calls `work(i, &items[i])` for every item on `workers` threads (with `stack` bytes of
/// stack each) and `emit(i, result)` on the calling thread in order of `i`. At most
/// `window` items are started ahead of the first one not yet emitted, so results
/// waiting for a slow item stay bounded. When `emit` returns false no new item is
/// started; items already running finish and are dropped unemitted.
pub fn run<T, R, W, E>(items: &[T], workers: usize, window: usize, stack: usize, work: W, mut emit: E)
where
    T: Sync,
    R: Send,
    W: Fn(usize, &T) -> R + Sync,
    E: FnMut(usize, R) -> bool,
{
    let window = window.max(1);
    let dispatch = Mutex::new(Dispatch { next: 0, emitted: 0, stop: false });
    let moved = Condvar::new();
    let lock = || dispatch.lock().unwrap_or_else(|e| e.into_inner());
    // the next item to start, waiting while it would run too far ahead of the output
    let take = || {
        let mut d = lock();
        while !d.stop && d.next < items.len() && d.next >= d.emitted + window {
            d = moved.wait(d).unwrap_or_else(|e| e.into_inner());
        }
        if d.stop || d.next >= items.len() {
            return None;
        }
        d.next += 1;
        Some(d.next - 1)
    };
    std::thread::scope(|scope| {
        let (tx, rx) = mpsc::channel::<(usize, R)>();
        let mut started = 0;
        for n in 0..workers.max(1) {
            let tx = tx.clone();
            let (take, work) = (&take, &work);
            let spawned = std::thread::Builder::new().name(format!("safe-pip-file-{n}")).stack_size(stack).spawn_scoped(scope, move || {
                while let Some(i) = take() {
                    if tx.send((i, work(i, &items[i]))).is_err() {
                        break;
                    }
                }
            });
            started += usize::from(spawned.is_ok());
        }
        drop(tx);
        let mut pending: BTreeMap<usize, R> = BTreeMap::new();
        let mut next_out = 0;
        let mut stopped = false;
        let mut deliver = |i: usize, r: R, pending: &mut BTreeMap<usize, R>| {
            pending.insert(i, r);
            while let Some(r) = pending.remove(&next_out) {
                if !stopped && !emit(next_out, r) {
                    stopped = true;
                }
                next_out += 1;
            }
            let mut d = lock();
            d.emitted = next_out;
            d.stop |= stopped;
            drop(d);
            moved.notify_all();
        };
        if started == 0 {
            // no thread could be started: do the work here, one item at a time
            while let Some(i) = take() {
                let r = work(i, &items[i]);
                deliver(i, r, &mut pending);
            }
            return;
        }
        for (i, r) in rx {
            deliver(i, r, &mut pending);
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// Results come out in input order whatever order the work finishes in, each once.
    #[test]
    fn results_are_emitted_in_input_order() {
        let items: Vec<u64> = (0..200).collect();
        let mut seen = Vec::new();
        run(&items, 4, 16, 1 << 20, |i, &x| {
            // later items often finish first
            if i % 7 == 0 {
                std::thread::yield_now();
            }
            x * 2
        }, |i, r| {
            seen.push((i, r));
            true
        });
        let want: Vec<(usize, u64)> = (0..200).map(|i| (i, i as u64 * 2)).collect();
        assert_eq!(seen, want);
    }

    /// No item starts more than `window` ahead of the output, so a slow first item
    /// cannot make every later result pile up in memory.
    #[test]
    fn work_never_runs_more_than_a_window_ahead_of_the_output() {
        let items: Vec<usize> = (0..100).collect();
        let emitted = AtomicUsize::new(0);
        let ahead = AtomicUsize::new(0);
        run(&items, 3, 5, 1 << 20, |i, _| {
            let e = emitted.load(Ordering::SeqCst);
            ahead.fetch_max(i - e.min(i), Ordering::SeqCst);
            if i == 0 {
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
        }, |i, ()| {
            emitted.store(i + 1, Ordering::SeqCst);
            true
        });
        assert_eq!(emitted.load(Ordering::SeqCst), 100);
        assert!(ahead.load(Ordering::SeqCst) < 5, "started {} ahead", ahead.load(Ordering::SeqCst));
    }

    /// `emit` returning false stops new work; what was emitted is a prefix.
    #[test]
    fn a_false_from_emit_stops_starting_items() {
        let items: Vec<usize> = (0..1000).collect();
        let ran = AtomicUsize::new(0);
        let mut seen = Vec::new();
        run(&items, 2, 4, 1 << 20, |i, _| {
            ran.fetch_add(1, Ordering::SeqCst);
            i
        }, |i, r| {
            seen.push(r);
            i < 9
        });
        assert_eq!(seen, (0..10).collect::<Vec<_>>());
        assert!(ran.load(Ordering::SeqCst) < 20, "{} items ran after the stop", ran.load(Ordering::SeqCst));
    }

    #[test]
    fn empty_input_emits_nothing() {
        let items: Vec<u8> = Vec::new();
        run(&items, 2, 4, 1 << 20, |_, _| unreachable!(), |_, ()| -> bool { unreachable!() });
    }
}
