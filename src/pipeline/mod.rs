//! The one pipeline every entry point runs: which files → read → analyse → score →
//! policy → report. Commands differ only in where paths come from and how the
//! result is shown.

pub mod ordered;

use crate::analysis;
use crate::artifact::{self, ArtifactKind, Limits, inflight};
use crate::finding::Finding;
use crate::policy::{Action, Basis, Decision, Policy};
use crate::score::{self, Risk};
use rayon::prelude::*;
use std::path::{Path, PathBuf};

#[derive(Clone, Debug, Default)]
pub struct ScanOptions {
    pub limits: Limits,
    pub policy: Policy,
}

/// Everything known about one scanned file: what it is, what was found, the verdict.
#[derive(Clone, Debug)]
pub struct PackageReport {
    pub path: PathBuf,
    pub filename: String,
    pub name: Option<String>,
    pub version: Option<String>,
    pub kind: Option<ArtifactKind>,
    pub sha256: Option<String>,
    pub risk: Risk,
    pub decision: Decision,
    pub findings: Vec<Finding>,
    /// Why the file could not be analysed at all (it is then blocked: fail closed).
    pub error: Option<String>,
    /// Seconds per analysis phase, when timing is on (`scan --timings`).
    pub timings: Option<crate::timings::Times>,
}

#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    #[error("{path}: no such file or directory")]
    NotFound { path: String },
    #[error("cannot list {path}: {source}")]
    Walk { path: String, source: std::io::Error },
}

impl crate::error::Hint for ScanError {
    fn hint(&self) -> String {
        String::from(match self {
            ScanError::NotFound { .. } => "pass a package file (.tar.gz, .zip, .whl, .egg) or a directory",
            ScanError::Walk { .. } => "check the directory's permissions",
        })
    }
}

/// Expands the user's paths into scan targets: package files as given; directories are
/// either an unpacked package (they hold setup.py, pyproject.toml or PKG-INFO) or a
/// folder searched recursively for package files.
pub fn collect_targets(paths: &[PathBuf]) -> Result<Vec<PathBuf>, ScanError> {
    let mut out = Vec::new();
    for p in paths {
        let meta = std::fs::metadata(p).map_err(|_| ScanError::NotFound { path: p.display().to_string() })?;
        if meta.is_dir() && !is_unpacked_package(p) {
            walk_for_packages(p, &mut out)?;
        } else {
            out.push(p.clone());
        }
    }
    Ok(out)
}

fn is_unpacked_package(dir: &Path) -> bool {
    ["setup.py", "pyproject.toml", "PKG-INFO", "setup.cfg"].iter().any(|f| dir.join(f).is_file())
}

fn walk_for_packages(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), ScanError> {
    let walk_err = |e| ScanError::Walk { path: dir.display().to_string(), source: e };
    let mut entries: Vec<_> = std::fs::read_dir(dir).map_err(walk_err)?.collect::<Result<_, _>>().map_err(walk_err)?;
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let ft = e.file_type().map_err(walk_err)?;
        let path = e.path();
        if ft.is_dir() {
            walk_for_packages(&path, out)?;
        } else if ft.is_file() && artifact::is_package_file(&path) {
            out.push(path);
        }
    }
    Ok(())
}

/// Scans one file or unpacked directory. Never fails: what cannot be read becomes an
/// `archive-unreadable` finding and a block.
pub fn scan_one(path: &Path, opts: &ScanOptions) -> PackageReport {
    let filename = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| path.display().to_string());
    let sink = crate::timings::enabled().then(|| std::sync::Arc::new(crate::timings::Sink::default()));
    let _g = crate::timings::Sink::enter(sink.clone());
    let (r, hashed) = artifact::read_path_then(path, &opts.limits, |read| judge(path.to_path_buf(), filename.clone(), read, Vec::new(), opts));
    let mut r = match hashed {
        // a file that could not be read says so, without a hash, as a small one does
        _ if r.error.is_some() => r,
        Ok(None) => r,
        Ok(Some(sha)) => PackageReport { sha256: Some(sha), ..r },
        // the file could be read but not hashed: it cannot be identified, so not allowed
        Err(e) => judge(path.to_path_buf(), filename, Err(e), Vec::new(), opts),
    };
    r.timings = sink.map(|s| s.times());
    r
}

/// Scans a file already in memory (downloaded by `vet` or the proxy). `extra` findings
/// (name and registry checks) are judged together with what the code analysis finds.
pub fn scan_bytes(filename: &str, bytes: &[u8], extra: Vec<Finding>, opts: &ScanOptions) -> PackageReport {
    judge(PathBuf::from(filename), filename.to_string(), artifact::read_bytes(filename, bytes, &opts.limits), extra, opts)
}

/// [`scan_bytes`] of bytes whose lower-case hex sha256 is already known (the gate's DB
/// key), so they are not hashed again.
pub fn scan_hashed_bytes(filename: &str, bytes: &[u8], sha256: &str, opts: &ScanOptions) -> PackageReport {
    let read = artifact::read_hashed_bytes(filename, bytes, sha256.to_string(), &opts.limits);
    judge(PathBuf::from(filename), filename.to_string(), read, Vec::new(), opts)
}

fn judge(path: PathBuf, filename: String, read: Result<artifact::Artifact, artifact::ArtifactError>, extra: Vec<Finding>, opts: &ScanOptions) -> PackageReport {
    let (artifact, error) = match read {
        Ok(a) => (Some(a), None),
        Err(e) => (None, Some(e.to_string())),
    };
    let (ctx, mut findings) = match &artifact {
        Some(a) => analysis::analyze(a),
        None => (
            analysis::PackageContext::default(),
            vec![Finding::new(crate::alerts::AlertId::ArchiveUnreadable, "", error.clone().unwrap_or_default())],
        ),
    };
    merge_findings(&mut findings, extra);
    let risk = score::score(&findings);
    let decision = opts.policy.decide_for(ctx.name.as_deref(), ctx.version.as_deref(), &findings);
    PackageReport {
        path,
        filename,
        name: ctx.name,
        version: ctx.version,
        kind: artifact.as_ref().map(|a| a.kind),
        sha256: artifact.and_then(|a| a.sha256),
        risk,
        decision,
        findings,
        error,
        timings: None,
    }
}

/// Adds `extra` findings that are not there yet, in report order.
fn merge_findings(findings: &mut Vec<Finding>, extra: Vec<Finding>) {
    for f in extra {
        if !findings.contains(&f) {
            findings.push(f);
        }
    }
    analysis::sort_findings(findings);
}

impl PackageReport {
    /// A blocking report for a file that could not be checked at all (fail closed):
    /// no findings, `why` as the error and in the reason.
    pub fn unverified(filename: &str, why: &str) -> PackageReport {
        PackageReport {
            path: filename.into(),
            filename: filename.to_string(),
            name: None,
            version: None,
            kind: None,
            sha256: None,
            risk: score::score(&[]),
            decision: Decision::new(Action::Block, Basis::Unverified { cause: why.to_string(), bare: false }),
            findings: Vec::new(),
            error: Some(why.to_string()),
            timings: None,
        }
    }

    /// The report with `extra` findings (facts from outside the file: index, name
    /// checks) added, scored and decided again under `policy`.
    pub fn with_findings(mut self, extra: Vec<Finding>, policy: &Policy) -> PackageReport {
        if extra.is_empty() {
            return self;
        }
        merge_findings(&mut self.findings, extra);
        self.risk = score::score(&self.findings);
        self.decision = policy.decide_for(self.name.as_deref(), self.version.as_deref(), &self.findings);
        self
    }
}

/// Stack of every thread that analyses code (rayon's workers, the proxy's): analysis
/// bounds its own recursion (`analysis-limit-exceeded` past the limit), and a deep
/// stack is defence in depth behind that. Only touched pages cost memory.
pub const WORKER_STACK: usize = 16 * 1024 * 1024;

/// A rayon pool of `threads` workers (all cores for `None`) with [`WORKER_STACK`].
pub fn worker_pool(threads: Option<usize>) -> rayon::ThreadPoolBuilder {
    let b = rayon::ThreadPoolBuilder::new().stack_size(WORKER_STACK);
    match threads {
        Some(n) => b.num_threads(n.max(1)),
        None => b,
    }
}

/// Gives the global rayon pool [`WORKER_STACK`] and `threads` workers (all cores for
/// `None`); call before any parallel work. A pool already started (by an embedding
/// program) is kept as it is: that is the error returned.
pub fn init_global_pool(threads: Option<usize>) -> Result<(), rayon::ThreadPoolBuildError> {
    worker_pool(threads).build_global()
}

/// Member content kept in memory by the files of one scan being read at once, with the
/// models their largest modules will need, beyond the oldest one's own (see
/// [`inflight`]). Most packages keep a few MB and build models of a few MB; the largest
/// keep 8 MB as it is and the rest of their code deflated
/// ([`artifact::member::PACK_AFTER_BYTES`]). On 4,324 popular files, 32 MB rather than
/// 64 took the peak from about 190 to 165 MB (bench/README.md); 16 MB took it to
/// 153 MB but the scan 18 % longer.
pub const IN_FLIGHT_BYTES: u64 = 32 * 1024 * 1024;

/// Files started at most ahead of the first report not yet printed: reports waiting
/// behind a slow file stay a few hundred KB.
pub const REPORT_WINDOW: usize = 64;

/// Runs `work` on every target, one file per worker thread at a time (one per thread
/// of the current rayon pool, which does the module-level work), each file's kept
/// content under the shared [`IN_FLIGHT_BYTES`] cap; `emit` gets the results in input
/// order as they are ready, on the calling thread, and stops the run by returning false.
pub fn for_each_target<R: Send>(targets: &[PathBuf], work: impl Fn(&Path) -> R + Sync, mut emit: impl FnMut(R) -> bool) {
    if rayon::current_thread_index().is_some() {
        // Called from inside a rayon pool (`scan --jobs` under the Python front, an
        // embedding program): threads of our own would block this worker while needing
        // the pool, so stay on rayon, a pool's width of files at a time, so that work
        // stealing cannot start more files than that (no byte cap here).
        for chunk in targets.chunks(rayon::current_num_threads().max(1)) {
            for r in chunk.par_iter().map(|t| work(t)).collect::<Vec<_>>() {
                if !emit(r) {
                    return;
                }
            }
        }
        return;
    }
    let cap = inflight::InFlight::new(IN_FLIGHT_BYTES);
    let work = |_: usize, t: &PathBuf| {
        let r = {
            let _lease = inflight::enter(cap.lease());
            work(t)
        };
        // glibc keeps one heap per thread that allocated and does not return what is
        // freed inside it: without this the resident size is the sum of every thread's
        // largest file (878 MB on 4,324 popular files), not the largest at once
        crate::memory::release_free();
        r
    };
    ordered::run(targets, rayon::current_num_threads(), REPORT_WINDOW, WORKER_STACK, work, |_, r| emit(r));
}

/// Scans many targets on all cores; the order of the result follows the input.
pub fn scan(paths: &[PathBuf], opts: &ScanOptions) -> Result<Vec<PackageReport>, ScanError> {
    let targets = collect_targets(paths)?;
    let mut out = Vec::with_capacity(targets.len());
    for_each_target(&targets, |t| scan_one(t, opts), |r| {
        out.push(r);
        true
    });
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Bytes whose hash the caller knows give the report reading them would give.
    #[test]
    fn a_known_hash_is_used_not_recomputed() {
        let opts = ScanOptions::default();
        let evil = crate::test_fixtures::canary_sdist("demo", "1.0");
        let plain = scan_bytes("demo-1.0.tar.gz", &evil, Vec::new(), &opts);
        let sha = plain.sha256.clone().expect("hashed");
        let known = scan_hashed_bytes("demo-1.0.tar.gz", &evil, &sha, &opts);
        assert_eq!(known.sha256.as_deref(), Some(sha.as_str()));
        assert_eq!(known.decision.verdict, plain.decision.verdict);
        assert_eq!(known.findings.len(), plain.findings.len());
        assert!(!known.findings.is_empty(), "the canary is found");
        // the hash handed in is the one reported: no second pass produced it
        let claimed = scan_hashed_bytes("demo-1.0.tar.gz", &evil, "ab", &opts);
        assert_eq!(claimed.sha256.as_deref(), Some("ab"));
        assert!(scan_hashed_bytes("e.whl", b"", "ab", &opts).error.is_some(), "empty bytes are still an error");
    }

    /// A file large enough to be hashed while it is analysed reports the same hash and
    /// findings as the same bytes scanned from memory.
    #[test]
    fn a_large_file_hashed_alongside_its_analysis_reports_its_hash() {
        use std::io::Write;
        let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let stored = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
        w.start_file("demo/__init__.py", stored).expect("start");
        w.write_all(b"import base64\nexec(base64.b64decode('aW1wb3J0IG9z'))\n").expect("write");
        w.start_file("demo/weights.bin", stored).expect("start");
        w.write_all(&(0..(9u32 << 20)).map(|i| (i.wrapping_mul(2_654_435_761) >> 11) as u8).collect::<Vec<u8>>()).expect("write");
        let bytes = w.finish().expect("zip").into_inner();
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("demo-1.0-py3-none-any.whl");
        std::fs::write(&path, &bytes).expect("write");
        let opts = ScanOptions::default();
        let from_disk = scan_one(&path, &opts);
        let in_memory = scan_bytes("demo-1.0-py3-none-any.whl", &bytes, Vec::new(), &opts);
        assert_eq!(from_disk.sha256, Some(crate::hex::hex(&<sha2::Sha256 as sha2::Digest>::digest(&bytes))));
        assert_eq!(from_disk.sha256, in_memory.sha256);
        assert_eq!(from_disk.findings, in_memory.findings);
        assert!(!from_disk.findings.is_empty(), "the decode-and-exec is found");
        // a large file that is no archive is reported unreadable, without a hash, as a
        // small one is
        let junk = dir.path().join("junk-1.0-py3-none-any.whl");
        std::fs::write(&junk, vec![0u8; 9 << 20]).expect("write");
        let r = scan_one(&junk, &opts);
        assert!(r.error.is_some() && r.sha256.is_none(), "{r:?}");
        assert_eq!(r.decision.verdict, scan_bytes("junk.whl", &[0u8; 64], Vec::new(), &opts).decision.verdict);
    }
}
