//! A cap on member content held in memory across every worker that reads archives at
//! once (`safe-pip scan` of a directory of thousands of files).
//!
//! Each file being scanned takes a [`Lease`]; the reader charges it ([`charge`]) with
//! the bytes of every member it keeps, the model its largest Python module will need
//! ([`MODEL_BYTES_PER_SOURCE_BYTE`]), and room for a nested archive while it is read
//! (given back after, [`release`]); the lease gives the rest back when the file's
//! analysis is over (dropped). A charge that does not fit under the cap waits until
//! older files are done, so a few large archives never sit in memory together: the
//! files other than the oldest hold at most the cap between them, and the oldest may
//! add its own size to that (the total stays under the cap plus one file).
//!
//! Why "oldest never waits" rather than a plain semaphore: a lease grows member by
//! member while it already holds bytes, so two workers each holding half the cap and
//! each waiting for the other would deadlock. The oldest live lease always proceeds
//! (a file bigger than the whole cap then runs with everything younger held back), so
//! some lease always makes progress and releases. Waiting happens only on the threads
//! that read files, never on the rayon workers that analyse modules, so the analyses
//! the oldest lease needs can always run.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};

/// Heap that one module's model can take per byte of its source. The model is built
/// after the file is read, still under its lease, and for a very large module it is
/// most of the file's memory (a 17 MB generated module builds about 70 MB of calls,
/// arguments, scopes and literals): so a file also reserves its largest module's model
/// ([`super::collector::Collector::reserve_model`]), and a file whose largest module
/// is a quarter of the cap or more is analysed with the files after it waiting.
pub(crate) const MODEL_BYTES_PER_SOURCE_BYTE: u64 = 4;

/// The shared cap; one per scan.
#[derive(Debug)]
pub(crate) struct InFlight {
    cap: u64,
    state: Mutex<State>,
    freed: Condvar,
}

#[derive(Debug, Default)]
struct State {
    /// Bytes held by all live leases.
    used: u64,
    /// Bytes held by each live lease, by ticket; the smallest ticket is the oldest.
    live: BTreeMap<u64, u64>,
    next_ticket: u64,
    /// Most bytes ever held at once (for tests and benchmarks).
    peak: u64,
}

impl InFlight {
    pub(crate) fn new(cap: u64) -> Arc<InFlight> {
        Arc::new(InFlight { cap, state: Mutex::new(State::default()), freed: Condvar::new() })
    }

    /// A lease for one file, younger than every lease taken before. Never waits.
    pub(crate) fn lease(self: &Arc<Self>) -> Lease {
        let mut s = self.lock();
        let ticket = s.next_ticket;
        s.next_ticket += 1;
        s.live.insert(ticket, 0);
        Lease { pool: self.clone(), ticket, held: 0 }
    }

    /// The most bytes held at once so far.
    #[cfg(test)]
    pub(crate) fn peak(&self) -> u64 {
        self.lock().peak
    }

    /// Bytes held by all live leases.
    #[cfg(test)]
    pub(crate) fn used(&self) -> u64 {
        self.lock().used
    }

    /// Bytes held by every lease but the oldest: never more than the cap.
    #[cfg(test)]
    pub(crate) fn held_by_younger(&self) -> u64 {
        let s = self.lock();
        s.used - s.live.first_key_value().map_or(0, |(_, held)| *held)
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // the state stays consistent across a panic (every update is one assignment)
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// One file's share of the cap; gives its bytes back when dropped.
#[derive(Debug)]
pub(crate) struct Lease {
    pool: Arc<InFlight>,
    ticket: u64,
    held: u64,
}

impl Lease {
    /// Takes `n` more bytes, waiting while they would push the total over the cap and
    /// an older lease is still live.
    pub(crate) fn grow(&mut self, n: u64) {
        if n == 0 {
            return;
        }
        let pool = self.pool.clone();
        let mut s = pool.lock();
        let ticket = self.ticket;
        let must_wait = |s: &State| s.used.saturating_add(n) > pool.cap && s.live.first_key_value().map(|(t, _)| *t) != Some(ticket);
        if must_wait(&s) {
            s = crate::timings::time(crate::timings::Phase::Wait, || {
                while must_wait(&s) {
                    s = pool.freed.wait(s).unwrap_or_else(|e| e.into_inner());
                }
                s
            });
        }
        s.used = s.used.saturating_add(n);
        s.peak = s.peak.max(s.used);
        self.held = self.held.saturating_add(n);
        s.live.insert(self.ticket, self.held);
    }

    /// Gives back `n` of the bytes this lease holds (content dropped before the file's
    /// analysis), letting waiting leases in.
    pub(crate) fn shrink(&mut self, n: u64) {
        let n = n.min(self.held);
        if n == 0 {
            return;
        }
        let mut s = self.pool.lock();
        s.used = s.used.saturating_sub(n);
        self.held -= n;
        s.live.insert(self.ticket, self.held);
        drop(s);
        self.pool.freed.notify_all();
    }

    /// Bytes this lease holds.
    #[cfg(test)]
    pub(crate) fn held(&self) -> u64 {
        self.held
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        let mut s = self.pool.lock();
        s.used = s.used.saturating_sub(self.held);
        s.live.remove(&self.ticket);
        drop(s);
        self.pool.freed.notify_all();
    }
}

thread_local! {
    static CURRENT: RefCell<Option<Lease>> = const { RefCell::new(None) };
}

/// Makes `lease` the one [`charge`] grows on this thread until the guard is dropped;
/// dropping the guard drops the lease (its bytes are given back).
pub(crate) fn enter(lease: Lease) -> Entered {
    let previous = CURRENT.with(|c| c.borrow_mut().replace(lease));
    Entered { previous }
}

/// Restores the lease that was current before [`enter`].
pub(crate) struct Entered {
    previous: Option<Lease>,
}

impl Drop for Entered {
    fn drop(&mut self) {
        let previous = self.previous.take();
        let mine = CURRENT.with(|c| std::mem::replace(&mut *c.borrow_mut(), previous));
        drop(mine);
    }
}

/// Gives back `bytes` charged earlier to this thread's lease (see [`Lease::shrink`]);
/// without a lease it does nothing.
pub(crate) fn release(bytes: u64) {
    CURRENT.with(|c| {
        if let Some(lease) = c.borrow_mut().as_mut() {
            lease.shrink(bytes);
        }
    });
}

/// Charges `bytes` of kept content to this thread's lease, waiting for room when the
/// cap is reached; without a lease (a single file, the proxy) it does nothing.
pub(crate) fn charge(bytes: u64) {
    CURRENT.with(|c| {
        if let Some(lease) = c.borrow_mut().as_mut() {
            lease.grow(bytes);
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU64, Ordering};

    #[test]
    fn bytes_come_back_when_a_lease_is_dropped() {
        let pool = InFlight::new(100);
        let mut a = pool.lease();
        a.grow(60);
        let mut b = pool.lease();
        drop(a);
        b.grow(90); // fits only because `a` gave its 60 back
        assert_eq!(b.held(), 90);
        assert_eq!(pool.peak(), 90);
        drop(b);
        assert_eq!(pool.lock().used, 0);
    }

    /// Time spent waiting for room is reported as the `wait` phase of the file that
    /// waited, not as work of the phase it waited in.
    #[test]
    fn waiting_for_room_is_timed_as_wait() {
        use crate::timings::{Phase, Sink};
        crate::timings::enable();
        let pool = InFlight::new(100);
        let mut first = pool.lease();
        first.grow(80);
        let mut second = pool.lease();
        let sink = Arc::new(Sink::default());
        let (started, about_to_grow) = std::sync::mpsc::channel();
        let waited = std::thread::scope(|s| {
            let waiter = s.spawn(|| {
                let _g = Sink::enter(Some(sink.clone()));
                started.send(()).expect("main listens");
                crate::timings::time(Phase::Decompress, || second.grow(50));
            });
            about_to_grow.recv().expect("waiter starts");
            // room is freed only well after the waiter asked for it
            std::thread::sleep(std::time::Duration::from_millis(50));
            drop(first);
            waiter.join().is_ok()
        });
        assert!(waited);
        let t = sink.times().0;
        assert!(t[Phase::Wait as usize] > 0.0, "{t:?}");
        assert!(t[Phase::Decompress as usize] < t[Phase::Wait as usize], "{t:?}");
        // a lease with room never waits
        let sink = Arc::new(Sink::default());
        let _g = Sink::enter(Some(sink.clone()));
        pool.lease().grow(10);
        assert_eq!(sink.times().0[Phase::Wait as usize], 0.0);
    }

    #[test]
    fn shrinking_gives_bytes_back_and_never_below_zero() {
        let pool = InFlight::new(100);
        let mut a = pool.lease();
        a.grow(70);
        a.shrink(50);
        assert_eq!((a.held(), pool.used()), (20, 20));
        a.shrink(1_000);
        assert_eq!((a.held(), pool.used()), (0, 0));
        let mut b = pool.lease();
        b.grow(100); // fits: `a` holds nothing, so `b` need not wait for it
        assert_eq!(pool.peak(), 100);
        {
            let _g = enter(pool.lease());
            charge(0);
            release(7); // a lease holding nothing gives nothing back
        }
        assert_eq!(pool.used(), 100);
    }

    #[test]
    fn the_oldest_lease_never_waits_even_past_the_cap() {
        let pool = InFlight::new(10);
        let mut a = pool.lease();
        a.grow(1000);
        assert_eq!(a.held(), 1000);
    }

    #[test]
    fn enter_charges_the_current_lease_and_releases_on_exit() {
        let pool = InFlight::new(100);
        {
            let _g = enter(pool.lease());
            charge(40);
            charge(2);
            assert_eq!(pool.lock().used, 42);
        }
        assert_eq!(pool.lock().used, 0);
        charge(1_000_000); // no lease: no effect, no wait
        assert_eq!(pool.peak(), 42);
    }

    /// Six threads read 40 "files" member by member, taking leases in file order as
    /// the scan's workers do; `check` runs after every charge.
    fn read_concurrently(pool: &Arc<InFlight>, files: &[Vec<u64>], check: impl Fn() + Sync) -> u64 {
        let next = Mutex::new(0usize);
        let done = AtomicU64::new(0);
        std::thread::scope(|s| {
            for _ in 0..6 {
                s.spawn(|| {
                    loop {
                        let (i, lease) = {
                            let mut n = next.lock().unwrap();
                            if *n >= files.len() {
                                break;
                            }
                            *n += 1;
                            (*n - 1, pool.lease())
                        };
                        let _g = enter(lease);
                        for &m in &files[i] {
                            charge(m);
                            check();
                            std::thread::yield_now();
                        }
                        done.fetch_add(1, Ordering::SeqCst);
                    }
                });
            }
        });
        done.load(Ordering::SeqCst)
    }

    fn small_files() -> Vec<Vec<u64>> {
        (0..40u64).map(|f| (0..(f % 5 + 1)).map(|m| 50 + (f * 37 + m * 11) % 200).collect()).collect()
    }

    /// Every file finishes (no deadlock); the files other than the oldest never hold more
    /// than the cap between them, so the total stays under the cap plus one file.
    #[test]
    fn concurrent_leases_stay_within_the_cap_plus_the_oldest_file() {
        const CAP: u64 = 600;
        let pool = InFlight::new(CAP);
        let files = small_files();
        let largest: u64 = files.iter().map(|f| f.iter().sum::<u64>()).max().unwrap_or(0);
        let over = AtomicU64::new(0);
        let done = read_concurrently(&pool, &files, || {
            let s = pool.lock();
            let oldest = s.live.first_key_value().map_or(0, |(_, held)| *held);
            if s.used - oldest > CAP || s.used > CAP + largest {
                over.fetch_add(1, Ordering::SeqCst);
            }
        });
        assert_eq!(done, files.len() as u64);
        assert_eq!(over.load(Ordering::SeqCst), 0);
        assert!(pool.peak() <= CAP + largest, "peak {}", pool.peak());
        assert!(pool.peak() > largest, "several files were held at once (peak {})", pool.peak());
        assert_eq!(pool.lock().used, 0);
    }

    /// A file bigger than the cap is read to the end (it is the oldest at some point) while
    /// younger files hold no more than the cap between them.
    #[test]
    fn a_file_bigger_than_the_cap_runs_with_the_rest_held_back() {
        const CAP: u64 = 600;
        let pool = InFlight::new(CAP);
        let mut files = small_files();
        files[7] = vec![400, 400, 400];
        let over = AtomicU64::new(0);
        let done = read_concurrently(&pool, &files, || {
            if pool.held_by_younger() > CAP {
                over.fetch_add(1, Ordering::SeqCst);
            }
        });
        assert_eq!(done, files.len() as u64);
        assert_eq!(over.load(Ordering::SeqCst), 0);
        assert!(pool.peak() <= CAP + 1200, "peak {}", pool.peak());
        assert_eq!(pool.lock().used, 0);
    }
}
