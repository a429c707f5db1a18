//! The artifact cache on disk (`safe-pip serve --cache-dir`): vetted distribution files
//! keyed by their sha256, so a file is downloaded once for everyone who shares the
//! folder (replicas on one machine, or on a shared file system), and survives restarts.
//!
//! - **Layout**: `DIR/sha256/ab/<64 hex>`; temporary files in `DIR/tmp/`. A file is
//!   written to a temporary name, flushed, then renamed into place: rename is atomic
//!   within one file system, so a reader (this process or another replica) sees either no
//!   file or the whole of it, never a partial one.
//! - **Verified on read**: every read hashes the bytes; a file whose sha256 is not its
//!   name (truncated, bit rot, tampered with) is deleted and counted, and the caller
//!   downloads the file again. Bytes from the cache are never served unverified.
//! - **Bounded**: at most `max_bytes` in all. Last access is the file's modification time
//!   (set on every hit; atime is unreliable under `noatime`/`relatime`), so least recently
//!   used is the same order for every replica sharing the folder. When a write takes the
//!   total this process knows of over the bound, the folder is listed and the least
//!   recently used files are deleted until it holds at most 90 % of the bound (so a full
//!   cache is listed once per tenth of its size written, not at every write); the file
//!   just written is kept. A file larger than the bound is not kept.
//!
//! Only files the gate allowed are written (blocked bytes are not kept on disk). Errors
//! (disk full, permissions) are counted and the file is served from memory as if the cache
//! were not there: the cache can make a request cheaper, never refuse or allow one.

use sha2::Digest;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::SystemTime;

/// Counters for `/metrics`.
#[derive(Default)]
pub(crate) struct DiskCacheStats {
    pub hits: AtomicU64,
    pub misses: AtomicU64,
    /// Files deleted to stay within the bound.
    pub evictions: AtomicU64,
    /// Files found with the wrong bytes, deleted (each is also a miss).
    pub corrupt: AtomicU64,
    /// Writes or reads that failed (the request went on without the cache).
    pub errors: AtomicU64,
}

pub(crate) struct DiskCache {
    dir: PathBuf,
    max_bytes: u64,
    /// Bytes this process believes the folder holds (exact after each sweep).
    used: Mutex<u64>,
    pub(crate) stats: DiskCacheStats,
}

impl std::fmt::Debug for DiskCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DiskCache").field("dir", &self.dir).field("max_bytes", &self.max_bytes).finish_non_exhaustive()
    }
}

fn is_sha256(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
}

/// The cache folder could not be created.
#[derive(Debug, thiserror::Error)]
#[error("cannot create the artifact cache folder {}: {source}", dir.display())]
pub(crate) struct CacheDirError {
    dir: PathBuf,
    source: std::io::Error,
}

impl crate::error::Hint for CacheDirError {
    fn hint(&self) -> String {
        "check that --cache-dir names a folder this user can write (on a file system the replicas share)".into()
    }
}

impl DiskCache {
    /// Opens (creating) the cache folder and measures what it holds; a folder already
    /// over `max_bytes` is trimmed at once.
    pub(crate) fn open(dir: &Path, max_bytes: u64) -> Result<DiskCache, CacheDirError> {
        for sub in ["sha256", "tmp"] {
            let p = dir.join(sub);
            std::fs::create_dir_all(&p).map_err(|source| CacheDirError { dir: p.clone(), source })?;
        }
        let cache = DiskCache { dir: dir.to_path_buf(), max_bytes, used: Mutex::new(0), stats: DiskCacheStats::default() };
        cache.sweep(None);
        Ok(cache)
    }

    fn path_of(&self, sha256: &str) -> PathBuf {
        self.dir.join("sha256").join(&sha256[..2]).join(sha256)
    }

    /// The bytes of the file with this sha256 (lower-case hex), verified; `None` when
    /// absent or found corrupted (then deleted).
    pub(crate) fn get(&self, sha256: &str) -> Option<Vec<u8>> {
        let sha256 = sha256.to_ascii_lowercase();
        if !is_sha256(&sha256) {
            return None;
        }
        let path = self.path_of(&sha256);
        let bytes = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) => {
                if e.kind() != std::io::ErrorKind::NotFound {
                    self.stats.errors.fetch_add(1, Ordering::Relaxed);
                }
                self.stats.misses.fetch_add(1, Ordering::Relaxed);
                return None;
            }
        };
        if crate::hex::hex(&sha2::Sha256::digest(&bytes)) != sha256 {
            // Another replica may have replaced it with a good copy meanwhile; deleting
            // that costs one download, serving a bad one is not an option.
            if std::fs::remove_file(&path).is_ok() {
                self.forget(bytes.len() as u64);
            }
            self.stats.corrupt.fetch_add(1, Ordering::Relaxed);
            self.stats.misses.fetch_add(1, Ordering::Relaxed);
            return None;
        }
        // Last access, for LRU across replicas.
        if let Ok(f) = std::fs::File::options().write(true).open(&path) {
            let _ = f.set_modified(SystemTime::now());
        }
        self.stats.hits.fetch_add(1, Ordering::Relaxed);
        Some(bytes)
    }

    /// Keeps `bytes` under their sha256 `sha256` (checked here: a caller's mistake must not
    /// poison the cache). Written atomically; then the bound is enforced.
    pub(crate) fn put(&self, sha256: &str, bytes: &[u8]) {
        let sha256 = sha256.to_ascii_lowercase();
        let len = bytes.len() as u64;
        if !is_sha256(&sha256) || len > self.max_bytes || crate::hex::hex(&sha2::Sha256::digest(bytes)) != sha256 {
            return;
        }
        let path = self.path_of(&sha256);
        if path.exists() {
            return;
        }
        match self.write_atomically(&path, bytes) {
            Ok(()) => {
                let over = {
                    let mut used = self.used.lock().unwrap_or_else(|e| e.into_inner());
                    *used += len;
                    *used > self.max_bytes
                };
                if over {
                    self.sweep(Some(&path));
                }
            }
            Err(_) => {
                self.stats.errors.fetch_add(1, Ordering::Relaxed);
            }
        }
    }

    fn write_atomically(&self, path: &Path, bytes: &[u8]) -> std::io::Result<()> {
        use std::io::Write;
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        let mut tmp = tempfile::Builder::new().prefix(".part-").tempfile_in(self.dir.join("tmp"))?;
        tmp.write_all(bytes)?;
        tmp.as_file().sync_data()?;
        // Renamed into place; a replica that wrote the same file first is simply replaced
        // by identical bytes.
        tmp.persist(path).map_err(|e| e.error)?;
        Ok(())
    }

    fn forget(&self, len: u64) {
        let mut used = self.used.lock().unwrap_or_else(|e| e.into_inner());
        *used = used.saturating_sub(len);
    }

    /// Lists the folder (every replica's files); when it holds more than the bound,
    /// deletes the least recently used (never `keep`) until it holds at most 90 % of it;
    /// records the exact total. Temporary files older than an hour (a replica that died
    /// mid-write) are deleted too.
    fn sweep(&self, keep: Option<&Path>) {
        let mut files: Vec<(SystemTime, u64, PathBuf)> = Vec::new();
        let Ok(prefixes) = std::fs::read_dir(self.dir.join("sha256")) else { return };
        for prefix in prefixes.flatten() {
            let Ok(entries) = std::fs::read_dir(prefix.path()) else { continue };
            for e in entries.flatten() {
                if let Some(m) = e.metadata().ok().filter(|m| m.is_file()) {
                    files.push((m.modified().unwrap_or(SystemTime::UNIX_EPOCH), m.len(), e.path()));
                }
            }
        }
        if let Ok(tmps) = std::fs::read_dir(self.dir.join("tmp")) {
            let stale = std::time::Duration::from_secs(3600);
            for t in tmps.flatten() {
                if t.metadata().ok().and_then(|m| m.modified().ok()).and_then(|m| m.elapsed().ok()).is_some_and(|age| age > stale) {
                    let _ = std::fs::remove_file(t.path());
                }
            }
        }
        files.sort();
        let mut total: u64 = files.iter().map(|f| f.1).sum();
        let low_water = self.max_bytes - self.max_bytes / 10;
        let over = total > self.max_bytes;
        for (_, len, path) in &files {
            if !over || total <= low_water {
                break;
            }
            if Some(path.as_path()) == keep {
                continue;
            }
            if std::fs::remove_file(path).is_ok() {
                self.stats.evictions.fetch_add(1, Ordering::Relaxed);
            }
            total = total.saturating_sub(*len);
        }
        *self.used.lock().unwrap_or_else(|e| e.into_inner()) = total;
    }

    /// Bytes the cache holds, as last measured or updated.
    pub(crate) fn used_bytes(&self) -> u64 {
        *self.used.lock().unwrap_or_else(|e| e.into_inner())
    }


    /// The `/metrics` lines of the cache.
    pub(crate) fn render_metrics(&self, out: &mut String) {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        let s = &self.stats;
        for (name, help, v) in [
            ("safe_pip_artifact_cache_hits_total", "Files served from the on-disk artifact cache (sha256 verified) instead of upstream.", get(&s.hits)),
            ("safe_pip_artifact_cache_misses_total", "Files not in the on-disk artifact cache (or found corrupted): downloaded from upstream.", get(&s.misses)),
            ("safe_pip_artifact_cache_evictions_total", "Files deleted from the artifact cache to stay within --cache-max-bytes.", get(&s.evictions)),
            ("safe_pip_artifact_cache_corrupt_total", "Cached files whose bytes did not match their sha256: deleted and fetched again.", get(&s.corrupt)),
            ("safe_pip_artifact_cache_errors_total", "Artifact cache reads or writes that failed (the request went on without it).", get(&s.errors)),
        ] {
            out.push_str(&format!("# HELP {name} {help}\n# TYPE {name} counter\n{name} {v}\n"));
        }
        out.push_str("# HELP safe_pip_artifact_cache_bytes Bytes in the artifact cache as this replica last measured them.\n# TYPE safe_pip_artifact_cache_bytes gauge\n");
        out.push_str(&format!("safe_pip_artifact_cache_bytes {}\n", self.used_bytes()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sha(b: &[u8]) -> String {
        crate::hex::hex(&sha2::Sha256::digest(b))
    }

    fn age(c: &DiskCache, b: &[u8], secs_ago: u64) {
        let f = std::fs::File::options().write(true).open(c.path_of(&sha(b))).expect("cached file");
        f.set_modified(SystemTime::now() - std::time::Duration::from_secs(secs_ago)).expect("mtime");
    }

    #[test]
    fn a_put_file_is_read_back_verified_and_survives_a_reopen() {
        let dir = tempfile::tempdir().expect("tmp");
        let c = DiskCache::open(dir.path(), 1000).expect("open");
        let a = b"wheel bytes a".to_vec();
        assert_eq!(c.get(&sha(&a)), None);
        c.put(&sha(&a), &a);
        assert_eq!(c.get(&sha(&a)).as_deref(), Some(a.as_slice()));
        assert_eq!(c.get(&sha(&a).to_ascii_uppercase()).as_deref(), Some(a.as_slice()), "hex case does not matter");
        // Wrong key for the bytes: not stored.
        c.put(&sha(b"other"), &a);
        assert_eq!(c.get(&sha(b"other")), None);
        assert_eq!(c.get("../../etc/passwd"), None);
        let again = DiskCache::open(dir.path(), 1000).expect("reopen");
        assert_eq!(again.used_bytes(), a.len() as u64);
        assert_eq!(again.get(&sha(&a)).as_deref(), Some(a.as_slice()));
        assert_eq!((c.stats.hits.load(Ordering::Relaxed), c.stats.misses.load(Ordering::Relaxed)), (2, 2), "a malformed key is not a lookup");
        // Nothing is left behind in tmp/.
        assert_eq!(std::fs::read_dir(dir.path().join("tmp")).expect("tmp").count(), 0);
    }

    #[test]
    fn least_recently_used_files_go_first_at_the_bound() {
        let dir = tempfile::tempdir().expect("tmp");
        let c = DiskCache::open(dir.path(), 250).expect("open");
        let (a, b, d) = (vec![1u8; 100], vec![2u8; 100], vec![3u8; 100]);
        c.put(&sha(&a), &a);
        c.put(&sha(&b), &b);
        age(&c, &a, 300);
        age(&c, &b, 200);
        assert!(c.get(&sha(&a)).is_some(), "a is now the most recently used");
        c.put(&sha(&d), &d);
        assert!(c.get(&sha(&b)).is_none(), "b was least recently used: evicted");
        assert!(c.get(&sha(&a)).is_some() && c.get(&sha(&d)).is_some());
        assert_eq!(c.stats.evictions.load(Ordering::Relaxed), 1);
        assert_eq!(c.used_bytes(), 200);
        // Larger than the whole bound: not kept, nothing evicted for it.
        let huge = vec![4u8; 251];
        c.put(&sha(&huge), &huge);
        assert!(c.get(&sha(&huge)).is_none());
        assert_eq!(c.stats.evictions.load(Ordering::Relaxed), 1);
        // A folder over a smaller bound is trimmed when opened.
        let small = DiskCache::open(dir.path(), 150).expect("reopen");
        assert_eq!(small.used_bytes(), 100);
        // Beyond the bound the folder is trimmed to 90 % of it: one sweep makes room for more.
        let dir = tempfile::tempdir().expect("tmp");
        let c = DiskCache::open(dir.path(), 1000).expect("open");
        let files: Vec<Vec<u8>> = (0..10u8).map(|i| vec![i; 100]).collect();
        for (i, f) in files.iter().enumerate() {
            c.put(&sha(f), f);
            age(&c, f, 1000 - i as u64);
        }
        assert_eq!(c.stats.evictions.load(Ordering::Relaxed), 0, "exactly at the bound");
        let last = vec![10u8; 100];
        c.put(&sha(&last), &last);
        assert_eq!(c.stats.evictions.load(Ordering::Relaxed), 2, "1100 bytes trimmed to 900");
        assert!(c.get(&sha(&files[0])).is_none() && c.get(&sha(&files[1])).is_none() && c.get(&sha(&files[2])).is_some());
        assert!(c.get(&sha(&last)).is_some(), "the file just written is kept");
    }

    #[test]
    fn a_corrupted_file_is_deleted_and_never_returned() {
        let dir = tempfile::tempdir().expect("tmp");
        let c = DiskCache::open(dir.path(), 1000).expect("open");
        let a = b"the real wheel".to_vec();
        c.put(&sha(&a), &a);
        std::fs::write(c.path_of(&sha(&a)), b"the real whee!").expect("corrupt it");
        assert_eq!(c.get(&sha(&a)), None);
        assert!(!c.path_of(&sha(&a)).exists(), "deleted");
        assert_eq!(c.stats.corrupt.load(Ordering::Relaxed), 1);
        c.put(&sha(&a), &a);
        assert_eq!(c.get(&sha(&a)).as_deref(), Some(a.as_slice()), "stored again after a fresh download");
    }
}
