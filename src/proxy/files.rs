//! Getting a file to a verdict: remembered verdict or the gate's known one (no download),
//! else download (size cap, advertised hashes checked) and judge. Concurrent requests for
//! one file share one download and one analysis. Nothing here ever hands out bytes that
//! were not hash-checked and allowed.

use super::events::{ProxyActivity, ProxyEvent};
use super::gate::GateFile;
use super::metrics::Level;
use super::reply;
use super::state::{Outcome, State, Verdict, file_key};
use super::urls::FileRef;
use crate::index::FileEntry;
use crate::pipeline::PackageReport;
use crate::policy::{Action, Basis};
use bytes::Bytes;
use std::sync::Arc;

/// A file as the routes know it: where it is, what upstream said about it.
pub(crate) struct Target<'a> {
    pub upstream: usize,
    pub file: &'a FileRef,
    pub entry: &'a FileEntry,
    pub gate_file: GateFile,
}

/// The verdict without downloading, if one is known (memory, then the gate).
pub(crate) fn known_verdict(state: &State, t: &Target) -> Option<Verdict> {
    let key = file_key(t.upstream, t.file);
    if let Some(v) = state.verdict(&key) {
        return Some(v);
    }
    let report = state.gate.known(&t.gate_file)?;
    state.metrics.cache(true);
    let v = Verdict { report: Arc::new(report), from_db: true };
    state.set_verdict(&key, v.clone());
    Some(v)
}

/// Vets a file and returns its bytes when allowed. Shares work between concurrent callers.
pub(crate) fn vet(state: &State, t: &Target) -> Outcome {
    let key = file_key(t.upstream, t.file);
    if let (Some(bytes), Some(verdict)) = (state.cached_bytes(&key), state.verdict(&key)) {
        return Outcome::Vetted { bytes, verdict };
    }
    state.single_flight(&key, || vet_uncached(state, t, &key))
}

fn vet_uncached(state: &State, t: &Target, key: &str) -> Outcome {
    let known = known_verdict(state, t);
    if let Some(v) = &known {
        if v.report.decision.verdict == Action::Block {
            return Outcome::Blocked { verdict: v.clone() };
        }
        // The gateway keeps vetted bytes but asks the gate for the verdict every time.
        if let Some(bytes) = state.cached_bytes(key) {
            return Outcome::Vetted { bytes, verdict: v.clone() };
        }
    }
    state.events.activity(ProxyActivity::Fetching {
        project: t.gate_file.project.clone(),
        filename: t.entry.filename.clone(),
        size: t.entry.size,
    });
    let (bytes, sha256, from_disk) = match fetch(state, t) {
        Ok(got) => got,
        // The upstream is a safe-pip gateway and blocks it: the organisation's verdict.
        Err(crate::index::IndexError::Refused { reason, .. }) => {
            return Outcome::Blocked { verdict: Verdict { report: Arc::new(gateway_block(&t.gate_file, &reason)), from_db: false } };
        }
        Err(e) => {
            state.metrics.upstream_error();
            let cause = reply::unverified_cause(&t.entry.filename, &e);
            return Outcome::Unverified { report: Arc::new(unverified_report(&t.entry.filename, &cause)), cause };
        }
    };
    let verdict = match known {
        Some(v) => v,
        None => {
            state.events.activity(ProxyActivity::Analysing {
                project: t.gate_file.project.clone(),
                filename: t.entry.filename.clone(),
                size: bytes.len() as u64,
            });
            let mut gf = t.gate_file.clone();
            gf.sha256.get_or_insert(sha256.clone());
            state.metrics.cache(false);
            let started = std::time::Instant::now();
            let report = judge_safely(state, &gf, &bytes);
            state.metrics.analysis(started.elapsed());
            let v = Verdict { report: Arc::new(report), from_db: false };
            state.set_verdict(key, v.clone());
            v
        }
    };
    if verdict.report.decision.verdict == Action::Block {
        return Outcome::Blocked { verdict };
    }
    state.cache_bytes(key, bytes.clone());
    if let (Some(disk), false) = (&state.disk_cache, from_disk) {
        disk.put(&sha256, &bytes);
    }
    Outcome::Vetted { bytes, verdict }
}

/// The file's bytes and their sha256: from the on-disk artifact cache when upstream
/// advertised a sha256 and the cache holds a file with it (verified on read), else
/// downloaded (size cap, advertised hashes checked). `true`: from the cache.
fn fetch(state: &State, t: &Target) -> Result<(Bytes, String, bool), crate::index::IndexError> {
    if let (Some(disk), Some(sha)) = (&state.disk_cache, t.gate_file.sha256.as_deref()) {
        if let Some(b) = disk.get(sha).filter(|b| b.len() as u64 <= state.max_file_bytes) {
            return Ok((Bytes::from(b), sha.to_string(), true));
        }
    }
    let d = state.client.download(t.entry, state.max_file_bytes)?;
    Ok((Bytes::from(d.bytes), d.sha256, false))
}

/// The gate's verdict; a panic inside analysis becomes a blocking report (fail closed).
fn judge_safely(state: &State, gf: &GateFile, bytes: &[u8]) -> PackageReport {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| state.gate.judge(gf, bytes))).unwrap_or_else(|_| {
        unverified_report(&gf.filename, "the analysis failed unexpectedly; the file is blocked (please report this)")
    })
}

/// The report of a file the upstream safe-pip gateway refused: blocked, on its reason
/// (without the `blocked <file>: ` it starts with, which the local answer says again).
pub(crate) fn gateway_block(file: &GateFile, reason: &str) -> PackageReport {
    let reason = reason.strip_prefix(&format!("blocked {}: ", file.filename)).unwrap_or(reason);
    let mut report = PackageReport::unverified(&file.filename, "");
    report.error = None;
    report.name = Some(file.project.clone());
    report.version = crate::index::version_from_filename(&file.filename, Some(&file.project));
    report.sha256 = file.sha256.clone();
    report.decision.basis = Basis::BlockedByGateway { gateway: super::state::clean_url(&file.index_url), reason: reason.to_string() };
    report
}

/// A blocking report for a file that could not be checked; the reason is the bare cause
/// (the 403 reason phrase already says the file was not verified).
pub(crate) fn unverified_report(filename: &str, why: &str) -> PackageReport {
    let mut report = PackageReport::unverified(filename, why);
    report.decision.basis = Basis::Unverified { cause: why.to_string(), bare: true };
    report
}

/// Records what happened to a file in the event log.
pub(crate) fn record(state: &State, t: &Target, outcome: &Outcome, served: bool) {
    let (report, from_db) = match outcome {
        Outcome::Vetted { verdict, .. } | Outcome::Blocked { verdict } => (verdict.report.clone(), verdict.from_db),
        Outcome::Unverified { report, .. } => (report.clone(), false),
    };
    state.metrics.verdict(match outcome {
        Outcome::Unverified { .. } => Level::Unverified,
        _ => Level::Verdict(report.decision.verdict),
    });
    state.events.record(ProxyEvent {
        upstream: t.upstream,
        index_url: t.gate_file.index_url.clone(),
        project: t.gate_file.project.clone(),
        filename: t.entry.filename.clone(),
        sha256: t.gate_file.sha256.clone().or_else(|| report.sha256.clone()),
        report: (*report).clone(),
        served,
        from_db,
    });
}
