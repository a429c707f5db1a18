//! The gate: the one place that turns a distribution file into a verdict, verdict DB first.
//!
//! - **Hit** (file sha256 + [`ANALYSIS_VERSION`]): the stored findings are judged again
//!   under the *current* policy, so policy changes apply without re-analysis, and the
//!   report looks like a fresh scan's (name, version, kind, sha256, risk, findings).
//! - **Miss**: the bytes are analysed ([`pipeline`]) and the verdict recorded with its
//!   findings (the DB appends the scan history in the same transaction).
//! - Either way, known-malware advisories imported into the DB for the file's name and
//!   version are added (`known-malware`, critical), so an advisory imported *after* a file
//!   was scanned still blocks it.
//!
//! What is stored depends on the bytes only: findings callers add (`extra`: name and
//! registry checks, which change with time and index) and advisories are judged with the
//! file but never stored. Unreadable files are not recorded (re-reading them is cheap and
//! an I/O error must not become a verdict).
//!
//! Fail closed: a DB that cannot be opened, read or written is a [`GateError`]; callers
//! must not treat it as "allowed". `&self` everywhere: one gate serves many threads; the
//! connection sits behind a mutex that is held for DB calls only, never during analysis.

use crate::analysis::package::filename as file_name;
use crate::artifact::{ArtifactKind, Limits, magic};
use crate::db::{ANALYSIS_VERSION, Advisory, Db, DbError, HistoryEntry, NewVerdict, StoredVerdict};
use crate::finding::Finding;
use crate::pipeline::{self, PackageReport, ScanOptions};
use crate::policy::Decision;
use crate::score;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

#[derive(Debug, thiserror::Error)]
pub enum GateError {
    /// The verdict DB cannot be opened, read or written.
    #[error(transparent)]
    Db(#[from] DbError),
}

impl crate::error::Hint for GateError {
    /// What the user can do about it, one line.
    fn hint(&self) -> String {
        match self {
            GateError::Db(e) => e.hint(),
        }
    }
}

/// A verdict and where it came from.
#[derive(Clone, Debug)]
pub struct Judged {
    pub report: PackageReport,
    /// True when the DB already knew the file (no analysis ran).
    pub from_db: bool,
}

pub struct Gate {
    db: Option<Mutex<Db>>,
    opts: ScanOptions,
    /// Stored verdicts were made under the default read limits; with other limits the
    /// result of an analysis differs (more or less is read), so it is neither reused nor
    /// stored. Advisories still apply.
    reuse: bool,
}

impl std::fmt::Debug for Gate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Gate").field("db", &self.db_path()).field("reuse", &self.reuse).finish_non_exhaustive()
    }
}

impl Gate {
    /// Opens the DB at `db_path`, else `$SAFE_PIP_DB`, else the default path (created
    /// when missing).
    pub fn open(db_path: Option<&Path>, opts: ScanOptions) -> Result<Gate, GateError> {
        let db = Db::open_default(db_path)?;
        Ok(Gate::with_db(db, opts))
    }

    /// A gate on an already open DB.
    pub fn with_db(db: Db, opts: ScanOptions) -> Gate {
        let reuse = opts.limits == Limits::default();
        Gate { db: Some(Mutex::new(db)), opts, reuse }
    }

    /// A gate without a DB (`--no-db`): every file is analysed, nothing is recorded, no
    /// advisories apply.
    pub fn without_db(opts: ScanOptions) -> Gate {
        Gate { db: None, opts, reuse: false }
    }

    /// The DB file, `None` without a DB.
    pub fn db_path(&self) -> Option<PathBuf> {
        self.db.as_ref().map(|m| lock(m).path().to_path_buf())
    }

    pub fn options(&self) -> &ScanOptions {
        &self.opts
    }

    /// The verdict for a set of findings: the one place policy is applied.
    pub fn decide(&self, name: Option<&str>, version: Option<&str>, findings: &[Finding]) -> Decision {
        self.opts.policy.decide_for(name, version, findings)
    }

    /// A verdict already known for this file (DB hit, judged under the current policy,
    /// advisories added) — or `None`.
    pub fn lookup(&self, sha256: &str, filename: &str) -> Result<Option<PackageReport>, GateError> {
        let Some(stored) = self.stored(sha256)? else { return Ok(None) };
        self.hit(stored, filename, PathBuf::from(filename), Vec::new()).map(Some)
    }

    /// Known verdicts for many files in one query (a lockfile check), keyed by lower-case
    /// sha256; misses are absent.
    pub fn lookup_many<S: AsRef<str>>(&self, sha256s: &[S]) -> Result<HashMap<String, PackageReport>, GateError> {
        let Some(db) = self.db.as_ref().filter(|_| self.reuse) else { return Ok(HashMap::new()) };
        let (hits, advisories) = {
            let db = lock(db);
            let hits = db.lookup_verdicts(sha256s)?;
            let names: Vec<String> = hits.values().flat_map(|v| identities_of(v.name.as_deref(), v.version.as_deref(), &v.filename)).map(|i| i.0).collect();
            let advisories = db.advisories_for_names(&names)?;
            (hits, advisories)
        };
        Ok(hits
            .into_iter()
            .map(|(sha, v)| {
                let mut report = from_stored(v);
                add_advisories(&mut report, &advisories);
                (sha, self.settle(report))
            })
            .collect())
    }

    /// The `known-malware` finding when an imported advisory lists `name` at `version`
    /// (`None` version: only advisories covering every version).
    pub fn known_malware(&self, name: &str, version: Option<&str>) -> Result<Option<Finding>, GateError> {
        let Some(db) = &self.db else { return Ok(None) };
        Ok(lock(db).known_malware(name, version)?.map(|a| a.to_finding(version)))
    }

    /// Advisories of many projects at once, keyed by normalised name (see
    /// [`Db::advisories_for_names`]).
    pub fn advisories_for_names<S: AsRef<str>>(&self, names: &[S]) -> Result<HashMap<String, Vec<Advisory>>, GateError> {
        let Some(db) = &self.db else { return Ok(HashMap::new()) };
        Ok(lock(db).advisories_for_names(names)?)
    }

    /// Every recorded analysis of the project, newest first (empty without a DB).
    pub fn history(&self, name: &str) -> Result<Vec<HistoryEntry>, GateError> {
        let Some(db) = &self.db else { return Ok(Vec::new()) };
        Ok(lock(db).history(name)?)
    }

    /// DB first by sha256; else analyse the bytes, record, return. `index_url` is
    /// recorded (credentials redacted); `extra` findings are judged, not stored.
    pub fn judge_bytes(&self, filename: &str, bytes: &[u8], index_url: Option<&str>, extra: Vec<Finding>) -> Result<PackageReport, GateError> {
        self.judge(filename, bytes, index_url, extra).map(|j| j.report)
    }

    /// [`Gate::judge_bytes`], also saying whether the DB knew the file.
    pub fn judge(&self, filename: &str, bytes: &[u8], index_url: Option<&str>, extra: Vec<Finding>) -> Result<Judged, GateError> {
        let sha = crate::hex::hex(&Sha256::digest(bytes));
        if let Some(stored) = self.stored(&sha)? {
            return Ok(Judged { report: self.hit(stored, filename, PathBuf::from(filename), extra)?, from_db: true });
        }
        let mut report = pipeline::scan_bytes(filename, bytes, Vec::new(), &self.opts);
        report.sha256 = Some(sha);
        self.record(&report, Some(bytes.len() as u64), index_url)?;
        Ok(Judged { report: self.finish(report, extra)?, from_db: false })
    }

    /// A package file or unpacked directory on disk. Files are hashed (streamed) and
    /// looked up first; directories have no hash and are always analysed.
    pub fn judge_path(&self, path: &Path) -> Result<Judged, GateError> {
        let regular = std::fs::metadata(path).map(|m| m.is_file()).unwrap_or(false);
        // without a DB to look in, hashing here would only read the file twice
        let lookup = self.db.is_some() && self.reuse;
        if regular && lookup && let Some(sha) = sha256_file(path) {
            if let Some(stored) = self.stored(&sha)? {
                let filename = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| stored.filename.clone());
                return Ok(Judged { report: self.hit(stored, &filename, path.to_path_buf(), Vec::new())?, from_db: true });
            }
        }
        let report = pipeline::scan_one(path, &self.opts);
        if regular {
            // The scan hashed what it read: record under that hash (the file may have
            // changed since it was hashed above).
            let size = std::fs::metadata(path).ok().map(|m| m.len());
            self.record(&report, size, None)?;
        }
        Ok(Judged { report: self.finish(report, Vec::new())?, from_db: false })
    }

    /// [`Gate::judge_path`] for many targets on all cores (order kept); the first DB
    /// error stops the lot.
    pub fn judge_paths(&self, targets: &[PathBuf]) -> Result<Vec<Judged>, GateError> {
        let mut out = Vec::with_capacity(targets.len());
        self.judge_paths_each(targets, |j| out.push(j))?;
        Ok(out)
    }

    /// [`Gate::judge_paths`] handing each verdict to `emit` in input order as soon as it
    /// is ready ([`pipeline::for_each_target`]: bounded memory whatever the number of
    /// files). The first DB error stops the run: verdicts after it are not emitted.
    pub fn judge_paths_each(&self, targets: &[PathBuf], mut emit: impl FnMut(Judged)) -> Result<(), GateError> {
        let mut failed = None;
        pipeline::for_each_target(targets, |t| self.judge_path(t), |r| match r {
            Ok(j) => {
                emit(j);
                true
            }
            Err(e) => {
                failed = Some(e);
                false
            }
        });
        failed.map_or(Ok(()), Err)
    }

    /// A stored verdict as the report of `filename` at `path`, judged now.
    fn hit(&self, stored: StoredVerdict, filename: &str, path: PathBuf, extra: Vec<Finding>) -> Result<PackageReport, GateError> {
        let mut report = from_stored(stored);
        report.filename = filename.to_string();
        report.path = path;
        self.finish(report, extra)
    }

    fn stored(&self, sha256: &str) -> Result<Option<StoredVerdict>, GateError> {
        let Some(db) = self.db.as_ref().filter(|_| self.reuse) else { return Ok(None) };
        Ok(lock(db).lookup_verdict(sha256, ANALYSIS_VERSION)?)
    }

    fn record(&self, report: &PackageReport, size: Option<u64>, index_url: Option<&str>) -> Result<(), GateError> {
        let (Some(db), Some(sha)) = (self.db.as_ref().filter(|_| self.reuse), report.sha256.as_deref()) else { return Ok(()) };
        if report.error.is_some() {
            return Ok(());
        }
        let reason = report.decision.reason();
        let mut v = NewVerdict::new(sha, &report.filename, report.decision.verdict, &reason, report.risk, &report.findings);
        v.name = report.name.as_deref();
        v.version = report.version.as_deref();
        v.size = size;
        v.index_url = index_url;
        lock(db).record_verdict(&v)?;
        Ok(())
    }

    /// Adds `extra` and advisories, then scores and decides.
    fn finish(&self, mut report: PackageReport, extra: Vec<Finding>) -> Result<PackageReport, GateError> {
        for f in extra {
            if !report.findings.contains(&f) {
                report.findings.push(f);
            }
        }
        if let Some(db) = &self.db {
            let db = lock(db);
            for (name, version) in identities(&report) {
                if let Some(a) = db.known_malware(&name, version.as_deref())? {
                    push_unique(&mut report.findings, a.to_finding(version.as_deref()));
                }
            }
        }
        Ok(self.settle(report))
    }

    /// Sorts, scores and decides the report's findings.
    fn settle(&self, mut report: PackageReport) -> PackageReport {
        crate::analysis::sort_findings(&mut report.findings);
        report.risk = score::score(&report.findings);
        report.decision = self.decide(report.name.as_deref(), report.version.as_deref(), &report.findings);
        report
    }
}

fn lock(m: &Mutex<Db>) -> MutexGuard<'_, Db> {
    // A panic elsewhere while holding the lock leaves no half-done transaction behind
    // (SQLite rolls back), so the connection is still good.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

fn push_unique(findings: &mut Vec<Finding>, f: Finding) {
    if !findings.contains(&f) {
        findings.push(f);
    }
}

/// A stored verdict as a scan report; risk and decision are recomputed by
/// [`Gate::settle`]. The kind comes from the file name (the DB does not store it).
fn from_stored(v: StoredVerdict) -> PackageReport {
    // The DB returns only rows whose findings parse (others are stale: a miss).
    let findings = v.findings().unwrap_or_default();
    let risk = score::score(&findings);
    let decision = Decision::new(crate::policy::Action::Block, crate::policy::Basis::Unverified { cause: String::new(), bare: true });
    PackageReport {
        path: PathBuf::from(&v.filename),
        kind: Some(magic::kind_from_name(&v.filename)).filter(|k| *k != ArtifactKind::Directory),
        filename: v.filename,
        name: v.name,
        version: v.version,
        sha256: Some(v.sha256),
        risk,
        decision,
        findings,
        error: None,
        timings: None,
    }
}

/// The (normalised name, version) pairs a file is known under: its metadata and its file
/// name, when they differ.
fn identities(r: &PackageReport) -> Vec<(String, Option<String>)> {
    identities_of(r.name.as_deref(), r.version.as_deref(), &r.filename)
}

fn identities_of(name: Option<&str>, version: Option<&str>, filename: &str) -> Vec<(String, Option<String>)> {
    let mut out: Vec<(String, Option<String>)> = Vec::new();
    if let Some(n) = name {
        out.push((crate::pep503::normalize_name(n), version.map(str::to_string)));
    }
    let parsed = match magic::kind_from_name(filename) {
        ArtifactKind::Wheel => file_name::parse_wheel(filename),
        ArtifactKind::Egg => file_name::parse_egg(filename),
        _ if magic::has_package_extension(filename) => file_name::parse_sdist(filename),
        _ => None,
    };
    if let Some(p) = parsed {
        let id = (crate::pep503::normalize_name(&p.name), Some(p.version));
        if !out.contains(&id) {
            out.push(id);
        }
    }
    out
}

fn add_advisories(report: &mut PackageReport, advisories: &HashMap<String, Vec<Advisory>>) {
    for (name, version) in identities(report) {
        if let Some(a) = advisories.get(&name).and_then(|list| list.iter().find(|a| a.affects(version.as_deref()))) {
            push_unique(&mut report.findings, a.to_finding(version.as_deref()));
        }
    }
}

/// The file's sha256; `None` when it cannot be read (the scan then reports why).
fn sha256_file(path: &Path) -> Option<String> {
    std::fs::File::open(path).and_then(|mut f| crate::artifact::sha256_stream(&mut f)).ok()
}

#[cfg(test)]
mod tests;
