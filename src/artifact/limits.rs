//! Byte accounting that keeps reading bounded: a counter on the compressed input, a
//! meter on the decompressed output, and the checks that turn a decompression bomb into
//! a clean stop instead of gigabytes of inflation.
//!
//! The meters sit *inside* the decoder stack, so a limit is noticed on the very read
//! that crosses it: the reader returns an error, the caller sees [`Budget::limit_hit`]
//! set and reports `archive-limit-exceeded` rather than corruption.

use std::cell::{Cell, RefCell};
use std::io::{self, Read, Seek, SeekFrom};
use std::rc::Rc;

/// Limits that keep reading bounded; exceeding one is reported as
/// `archive-limit-exceeded` (fail closed).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Sum of uncompressed member sizes.
    pub max_total_bytes: u64,
    /// Largest member whose content is kept for analysis; bigger code members are an alert.
    pub max_member_bytes: u64,
    pub max_members: usize,
    /// Uncompressed / compressed ratio beyond which a large member is a bomb.
    pub max_ratio: u64,
}

impl Default for Limits {
    /// 4 GiB streamed in total, code members kept up to 64 MiB, 500 000 entries, and a
    /// 200:1 ratio once a member (zip) or the stream (tar) has produced 16 MiB. Deflate
    /// cannot exceed about 1030:1, so a 1000:1 limit would never fire on gzip or zip
    /// bombs; 200:1 stops them after the first 16 MiB while real packages stay far below.
    fn default() -> Limits {
        Limits {
            max_total_bytes: 4 * 1024 * 1024 * 1024,
            // sized from the 2,300 most popular projects (2026-12): the largest Python
            // member is a 17.2 MB generated SDK module, the most entries 230,747 (a
            // data-heavy sdist); both limits leave about 3x and 2x margin
            max_member_bytes: 64 * 1024 * 1024,
            max_members: 500_000,
            max_ratio: 200,
        }
    }
}

/// Decompressed bytes after which the compression ratio is checked. Below it no ratio
/// can hurt (the cost is bounded by this many bytes), and small, very repetitive files
/// (a few MiB of zeros in a test fixture) stay legitimate.
pub(crate) const RATIO_FLOOR_BYTES: u64 = 16 * 1024 * 1024;

/// Shared counters for one archive.
#[derive(Debug)]
pub(crate) struct Budget {
    pub limits: Limits,
    /// Compressed bytes consumed from the file so far.
    compressed_in: Cell<u64>,
    /// Uncompressed bytes produced so far, all members together.
    total_out: Cell<u64>,
    /// Uncompressed bytes of the member being read.
    member_out: Cell<u64>,
    /// `compressed_in` when the current member started (for per-member ratios).
    member_in_start: Cell<u64>,
    /// Set once a limit is crossed; the reason, for the finding.
    hit: RefCell<Option<String>>,
}

impl Budget {
    pub(crate) fn new(limits: &Limits) -> Rc<Budget> {
        Rc::new(Budget {
            limits: limits.clone(),
            compressed_in: Cell::new(0),
            total_out: Cell::new(0),
            member_out: Cell::new(0),
            member_in_start: Cell::new(0),
            hit: RefCell::new(None),
        })
    }

    /// The reason reading was stopped by a limit, if it was.
    pub(crate) fn limit_hit(&self) -> Option<String> {
        self.hit.borrow().clone()
    }

    /// Records a limit crossed outside the meters (member count, declared sizes).
    pub(crate) fn set_hit(&self, reason: String) {
        let mut hit = self.hit.borrow_mut();
        if hit.is_none() {
            *hit = Some(reason);
        }
    }

    pub(crate) fn total_out(&self) -> u64 {
        self.total_out.get()
    }

    /// Counts `n` bytes decompressed elsewhere (a nested archive, read with its own
    /// meters and the remaining allowance) against the total, so the package's next
    /// bytes past the limit stop reading.
    pub(crate) fn add_output(&self, n: u64) {
        self.total_out.set(self.total_out.get().saturating_add(n));
    }

    /// Uncompressed bytes of the member being read, so far.
    pub(crate) fn member_out(&self) -> u64 {
        self.member_out.get()
    }

    /// Starts per-member accounting (zip: each member has its own compressed stream).
    pub(crate) fn start_member(&self) {
        self.member_out.set(0);
        self.member_in_start.set(self.compressed_in.get());
    }

    fn add_in(&self, n: usize) {
        self.compressed_in.set(self.compressed_in.get().saturating_add(n as u64));
    }

    fn add_out(&self, n: usize, mode: RatioMode) -> io::Result<()> {
        let n = n as u64;
        let total = self.total_out.get().saturating_add(n);
        self.total_out.set(total);
        let member = self.member_out.get().saturating_add(n);
        self.member_out.set(member);
        let max_total = self.limits.max_total_bytes;
        if total > max_total {
            return Err(self.trip(format!("uncompressed content exceeds the limit of {max_total} bytes")));
        }
        let ratio = self.limits.max_ratio.max(1);
        let (out, inp, what) = match mode {
            RatioMode::None => return Ok(()),
            RatioMode::Stream => (total, self.compressed_in.get(), "the compressed stream"),
            RatioMode::Member => {
                (member, self.compressed_in.get().saturating_sub(self.member_in_start.get()), "a member")
            }
        };
        if out >= RATIO_FLOOR_BYTES && out > inp.max(1).saturating_mul(ratio) {
            return Err(self.trip(format!(
                "{what} expands {out} bytes from {inp} compressed bytes (ratio over {ratio}:1): decompression bomb"
            )));
        }
        Ok(())
    }

    fn trip(&self, reason: String) -> io::Error {
        self.set_hit(reason.clone());
        io::Error::other(LimitExceeded(reason))
    }
}

/// The error a meter returns when a limit is crossed.
#[derive(Debug)]
pub(crate) struct LimitExceeded(pub String);

impl std::fmt::Display for LimitExceeded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for LimitExceeded {}

/// Counts bytes read from the (compressed) file. Seeks pass through uncounted.
pub(crate) struct CountingReader<R> {
    inner: R,
    budget: Rc<Budget>,
}

impl<R> CountingReader<R> {
    pub(crate) fn new(inner: R, budget: Rc<Budget>) -> Self {
        CountingReader { inner, budget }
    }
}

impl<R: Read> Read for CountingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.budget.add_in(n);
        Ok(n)
    }
}

impl<R: Seek> Seek for CountingReader<R> {
    fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        self.inner.seek(pos)
    }
}

/// Which compression ratio a meter enforces.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum RatioMode {
    /// Uncompressed input (plain tar, directories): only the total counts.
    None,
    /// One compressed stream for the whole archive (tar.gz/bz2/xz).
    Stream,
    /// One compressed stream per member (zip).
    Member,
}

/// Meters decompressed bytes and fails the read that crosses a limit.
pub(crate) struct MeteredReader<R> {
    inner: R,
    budget: Rc<Budget>,
    mode: RatioMode,
}

impl<R> MeteredReader<R> {
    pub(crate) fn new(inner: R, budget: Rc<Budget>, mode: RatioMode) -> Self {
        MeteredReader { inner, budget, mode }
    }
}

impl<R: Read> Read for MeteredReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if let Some(reason) = self.budget.limit_hit() {
            return Err(io::Error::other(LimitExceeded(reason)));
        }
        let n = self.inner.read(buf)?;
        self.budget.add_out(n, self.mode)?;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn small_limits() -> Limits {
        Limits { max_total_bytes: 1000, max_member_bytes: 100, max_members: 10, max_ratio: 10 }
    }

    #[test]
    fn total_limit_trips_on_the_crossing_read() {
        let budget = Budget::new(&small_limits());
        let data = vec![b'a'; 5000];
        let mut r = MeteredReader::new(&data[..], budget.clone(), RatioMode::None);
        let mut sink = Vec::new();
        let err = r.read_to_end(&mut sink).unwrap_err();
        assert!(err.to_string().contains("exceeds the limit"));
        assert!(budget.limit_hit().is_some());
        assert!(sink.len() <= 5000);
    }

    #[test]
    fn stream_ratio_is_checked_only_after_the_floor() {
        let limits = Limits { max_total_bytes: u64::MAX, max_ratio: 10, ..small_limits() };
        let budget = Budget::new(&limits);
        budget.add_in(1);
        assert!(budget.add_out(1_000_000, RatioMode::Stream).is_ok());
        assert!(budget.add_out(RATIO_FLOOR_BYTES as usize, RatioMode::Stream).is_err());
    }
}
