//! The process's memory between analyses: freed memory given back to the system, and
//! large modules analysed one at a time.
//!
//! Why the trim: glibc keeps freed memory inside its heaps (one per thread that
//! allocated) and returns only what sits at a heap's top. A package of thousands of
//! modules builds and frees a model per module, and the holes its short-lived buffers
//! leave between longer-lived ones stay resident: the tf-nightly wheel (31 MB of Python
//! in 1,852 modules) peaked at 263 MB resident with about 50 MB in use. Trimming after
//! every few MB of source analysed returns those pages as the scan goes.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};

/// Source bytes analysed, across threads, after which free memory is given back.
const TRIM_EVERY: u64 = 4 << 20;

static ANALYSED: AtomicU64 = AtomicU64::new(0);

/// Gives memory freed so far back to the system (glibc: `malloc_trim`, which also
/// releases free pages inside a heap, not only at its top). A no-op elsewhere.
pub(crate) fn release_free() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only walks and trims the allocator's own free lists.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// Largest allocation glibc serves from its heaps; larger ones get pages of their own,
/// returned to the system when freed.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const MMAP_THRESHOLD: i32 = 1 << 20;
/// Free memory at a heap's top beyond which glibc gives it back.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const TRIM_THRESHOLD: i32 = 1 << 20;

/// Fixes glibc's thresholds for a command-line run. By default glibc raises its mmap
/// threshold to the size of every large block freed (up to 32 MB), so after the first
/// big module the buffers of archives and models come from the heaps, and the holes
/// they leave between longer-lived allocations stay resident. Setting the thresholds
/// turns that adjustment off. Called when the command line runs (the `safe-pip`
/// executable, or the Python front's `run_cli`, which is that command in its own
/// process); the library functions a program calls (`scan_json` …) leave their host's
/// allocator alone. A no-op elsewhere.
pub(crate) fn settle_allocator() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets the allocator's tuning parameters; it is thread-safe.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, MMAP_THRESHOLD);
        libc::mallopt(libc::M_TRIM_THRESHOLD, TRIM_THRESHOLD);
    }
}

/// Counts `bytes` of source whose analysis is over (its model dropped); every
/// [`TRIM_EVERY`] bytes, across threads, frees what they left behind.
pub(crate) fn analysed(bytes: usize) {
    every(&ANALYSED, bytes as u64, TRIM_EVERY);
}

/// Member bytes read from archives, across threads, after which free memory is given
/// back: inflating a member allocates its decompressor's state and buffers, and
/// thousands of them (the native libraries of an ML wheel) leave the heaps holed.
const TRIM_EVERY_STREAMED: u64 = 64 << 20;

static STREAMED: AtomicU64 = AtomicU64::new(0);

/// Counts `bytes` of archive members read (inflated); every [`TRIM_EVERY_STREAMED`]
/// bytes, across threads, frees what reading them left behind.
pub(crate) fn streamed(bytes: u64) {
    every(&STREAMED, bytes, TRIM_EVERY_STREAMED);
}

/// Adds `bytes` to `counter` and trims once it reaches `every`.
fn every(counter: &AtomicU64, bytes: u64, every: u64) {
    let before = counter.fetch_add(bytes, Ordering::Relaxed);
    if before.saturating_add(bytes) >= every && counter.swap(0, Ordering::Relaxed) >= every {
        release_free();
    }
}

/// Modules at least this large take [`large_module_turn`] while analysed: the model of
/// a 16 MB generated module takes about 100 MB, so two of them side by side (a
/// package's wheel and sdist scanned at once) would double the peak.
pub(crate) const LARGE_MODULE: usize = 2 << 20;

static LARGE: Mutex<()> = Mutex::new(());

/// The turn to analyse a module of `len` bytes: for a module of [`LARGE_MODULE`] bytes
/// or more, waits until no other large module is being analysed in this process;
/// smaller ones never wait. Hold the guard until the module's model is dropped.
///
/// Waiting is safe on rayon workers: the holder analyses one module, which takes no
/// other lock and starts no parallel work, so it always finishes and lets the next in.
pub(crate) fn large_module_turn(len: usize) -> Option<MutexGuard<'static, ()>> {
    if len < LARGE_MODULE {
        return None;
    }
    // a panic inside an analysis poisons nothing the guard protects
    let turn = match LARGE.try_lock() {
        Ok(g) => g,
        Err(std::sync::TryLockError::Poisoned(e)) => e.into_inner(),
        Err(std::sync::TryLockError::WouldBlock) => {
            crate::timings::time(crate::timings::Phase::Wait, || LARGE.lock().unwrap_or_else(|e| e.into_inner()))
        }
    };
    Some(turn)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_large_modules_take_turns() {
        assert!(large_module_turn(LARGE_MODULE - 1).is_none());
        let first = large_module_turn(LARGE_MODULE);
        assert!(first.is_some());
        // a second large module waits while the first holds its turn
        assert!(LARGE.try_lock().is_err());
        assert!(large_module_turn(10).is_none(), "small modules never wait");
        drop(first);
        assert!(large_module_turn(LARGE_MODULE).is_some());
    }

    #[test]
    fn counting_analysed_bytes_never_blocks_or_overflows() {
        for _ in 0..10 {
            analysed(usize::MAX / 4);
        }
        analysed(0);
        assert!(ANALYSED.load(Ordering::Relaxed) < u64::MAX);
    }
}
