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
//! verdicts live in a [`VerdictStore`] (the SQLite DB of one machine, or PostgreSQL shared
//! by the replicas of `safe-pip serve`), never locked during an analysis except by
//! PostgreSQL's per-file lock that makes replicas analyse a new file once.
//!
//! The gateway (`safe-pip serve`) also honours the decisions logged in its store
//! ([`Gate::with_store_decisions`]): recorded on one replica, they apply on every replica
//! at the next request, since hits are judged under policy on each lookup.

use crate::analysis::package::filename as file_name;
use crate::artifact::{ArtifactKind, Limits, magic};
use crate::db::{ANALYSIS_VERSION, Advisory, Db, DbError, DecisionRecord, HistoryEntry, NewVerdict, StoredVerdict};
use crate::finding::Finding;
use crate::pipeline::{self, PackageReport, ScanOptions};
use crate::policy::Decision;
use crate::score;
use crate::store::{ReadyVerdict, SqliteStore, VerdictStore};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

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
    db: Option<Arc<dyn VerdictStore>>,
    opts: ScanOptions,
    /// Stored verdicts were made under the default read limits; with other limits the
    /// result of an analysis differs (more or less is read), so it is neither reused nor
    /// stored. Advisories still apply.
    reuse: bool,
    /// Decisions logged in the store count like the policy's documented ones (the gateway).
    store_decisions: bool,
    /// Whether those allow decisions may accept critical alerts (the org file's
    /// `allow-critical-decisions`).
    allow_critical_decisions: bool,
    /// Analyses run by this gate (DB misses).
    analyses: AtomicU64,
}

impl std::fmt::Debug for Gate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Gate").field("db", &self.db_path()).field("reuse", &self.reuse).finish_non_exhaustive()
    }
}

/// Files (or project names) looked up per DB query: one query for a whole lockfile of
/// 100,000 files held its key list several times over (our strings, their JSON text,
/// SQLite's copy) at the peak of `check` (#14).
const LOOKUP_BATCH: usize = 2_000;

impl Gate {
    /// Opens the DB at `db_path`, else `$SAFE_PIP_DB`, else the default path (created
    /// when missing).
    pub fn open(db_path: Option<&Path>, opts: ScanOptions) -> Result<Gate, GateError> {
        let db = Db::open_default(db_path)?;
        Ok(Gate::with_db(db, opts))
    }

    /// A gate on an already open DB.
    pub fn with_db(db: Db, opts: ScanOptions) -> Gate {
        Gate::with_store(Arc::new(SqliteStore::new(db)), opts)
    }

    /// A gate on any verdict store (SQLite or PostgreSQL).
    pub fn with_store(store: Arc<dyn VerdictStore>, opts: ScanOptions) -> Gate {
        let reuse = opts.limits == Limits::default();
        Gate { db: Some(store), opts, reuse, store_decisions: false, allow_critical_decisions: true, analyses: AtomicU64::new(0) }
    }

    /// A gate without a DB (`--no-db`): every file is analysed, nothing is recorded, no
    /// advisories apply.
    pub fn without_db(opts: ScanOptions) -> Gate {
        Gate { db: None, opts, reuse: false, store_decisions: false, allow_critical_decisions: true, analyses: AtomicU64::new(0) }
    }

    /// Applies the decisions logged in the store (allow/deny by package and version spec)
    /// as documented decisions of the policy, read at every verdict. Without
    /// `allow_critical`, an allow decision never accepts a critical alert (the org file's
    /// `allow-critical-decisions = false`).
    pub fn with_store_decisions(mut self, allow_critical: bool) -> Gate {
        self.store_decisions = true;
        self.allow_critical_decisions = allow_critical;
        self
    }

    /// The DB file, `None` without a DB or on a server.
    pub fn db_path(&self) -> Option<PathBuf> {
        self.db.as_ref().and_then(|s| s.path())
    }

    /// The store, `None` without one.
    pub fn store(&self) -> Option<&Arc<dyn VerdictStore>> {
        self.db.as_ref()
    }

    /// How many files this gate analysed (rather than found in the store).
    pub fn analyses(&self) -> u64 {
        self.analyses.load(Ordering::Relaxed)
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

    /// Known verdicts for many files (a lockfile check), keyed by lower-case sha256;
    /// misses are absent.
    pub fn lookup_many<S: AsRef<str>>(&self, sha256s: &[S]) -> Result<HashMap<String, PackageReport>, GateError> {
        let Some(db) = self.db.as_ref().filter(|_| self.reuse) else { return Ok(HashMap::new()) };
        let mut hits = HashMap::new();
        for batch in sha256s.chunks(LOOKUP_BATCH) {
            let keys: Vec<String> = batch.iter().map(|s| s.as_ref().to_string()).collect();
            hits.extend(db.lookup_verdicts(&keys)?);
        }
        let names: Vec<String> = hits.values().flat_map(|v| identities_of(v.name.as_deref(), v.version.as_deref(), &v.filename)).map(|i| i.0).collect();
        let advisories = db.advisories_for_names(&names)?;
        // A page lists many files of one project: its logged decisions are read once.
        let mut logged: HashMap<String, Vec<DecisionRecord>> = HashMap::new();
        hits.into_iter()
            .map(|(sha, v)| {
                let mut report = from_stored(v);
                add_advisories(&mut report, &advisories);
                let decisions = match report.name.as_deref() {
                    Some(n) if self.store_decisions => match logged.get(n) {
                        Some(d) => d.clone(),
                        None => logged.entry(n.to_string()).or_insert(db.decisions(n)?).clone(),
                    },
                    _ => Vec::new(),
                };
                Ok((sha, self.settle_with(report, &decisions)))
            })
            .collect()
    }

    /// The `known-malware` finding when an imported advisory lists `name` at `version`
    /// (`None` version: only advisories covering every version).
    pub fn known_malware(&self, name: &str, version: Option<&str>) -> Result<Option<Finding>, GateError> {
        let Some(db) = &self.db else { return Ok(None) };
        Ok(db.known_malware(name, version)?.map(|a| a.to_finding(version)))
    }

    /// Advisories of many projects at once, keyed by normalised name (see
    /// [`Db::advisories_for_names`]).
    pub fn advisories_for_names<S: AsRef<str>>(&self, names: &[S]) -> Result<HashMap<String, Vec<Advisory>>, GateError> {
        let Some(db) = &self.db else { return Ok(HashMap::new()) };
        let mut found: HashMap<String, Vec<Advisory>> = HashMap::new();
        for batch in names.chunks(LOOKUP_BATCH) {
            let names: Vec<String> = batch.iter().map(|n| n.as_ref().to_string()).collect();
            // every batch that names a project (in any spelling) gets all its advisories
            for (name, advisories) in db.advisories_for_names(&names)? {
                found.entry(name).or_insert(advisories);
            }
        }
        Ok(found)
    }

    /// Every recorded analysis of the project, newest first (empty without a DB).
    pub fn history(&self, name: &str) -> Result<Vec<HistoryEntry>, GateError> {
        let Some(db) = &self.db else { return Ok(Vec::new()) };
        Ok(db.history(name)?)
    }

    /// DB first by sha256; else analyse the bytes, record, return. `index_url` is
    /// recorded (credentials redacted); `extra` findings are judged, not stored.
    pub fn judge_bytes(&self, filename: &str, bytes: &[u8], index_url: Option<&str>, extra: Vec<Finding>) -> Result<PackageReport, GateError> {
        self.judge(filename, bytes, index_url, extra).map(|j| j.report)
    }

    /// [`Gate::judge_bytes`], also saying whether the DB knew the file.
    pub fn judge(&self, filename: &str, bytes: &[u8], index_url: Option<&str>, extra: Vec<Finding>) -> Result<Judged, GateError> {
        let sha = crate::hex::hex(&Sha256::digest(bytes));
        let analyse = || {
            self.analyses.fetch_add(1, Ordering::Relaxed);
            let mut report = pipeline::scan_hashed_bytes(filename, bytes, &sha, &self.opts);
            report.sha256 = Some(sha.clone());
            report
        };
        let Some(db) = self.db.as_ref().filter(|_| self.reuse) else {
            return Ok(Judged { report: self.finish(analyse(), extra)?, from_db: false });
        };
        let mut fresh = None;
        let found = db.analyse_once(&sha, &mut || {
            let report = analyse();
            let ready = recordable(&report, Some(bytes.len() as u64), index_url);
            fresh = Some(report);
            ready
        })?;
        match (found, fresh) {
            (Some(stored), _) => Ok(Judged { report: self.hit(stored, filename, PathBuf::from(filename), extra)?, from_db: true }),
            (None, Some(report)) => Ok(Judged { report: self.finish(report, extra)?, from_db: false }),
            // A store that neither found a verdict nor ran the analysis is broken: analyse here.
            (None, None) => Ok(Judged { report: self.finish(analyse(), extra)?, from_db: false }),
        }
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
        self.analyses.fetch_add(1, Ordering::Relaxed);
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
        Ok(db.lookup_verdict(sha256, ANALYSIS_VERSION)?)
    }

    fn record(&self, report: &PackageReport, size: Option<u64>, index_url: Option<&str>) -> Result<(), GateError> {
        let Some(db) = self.db.as_ref().filter(|_| self.reuse) else { return Ok(()) };
        if let Some(ready) = recordable(report, size, index_url) {
            db.record(&ready)?;
        }
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
            for (name, version) in identities(&report) {
                if let Some(a) = db.known_malware(&name, version.as_deref())? {
                    push_unique(&mut report.findings, a.to_finding(version.as_deref()));
                }
            }
        }
        self.settle(report)
    }

    /// Sorts, scores and decides the report's findings (with the store's decisions for
    /// the gateway).
    fn settle(&self, report: PackageReport) -> Result<PackageReport, GateError> {
        let logged = match (&self.db, report.name.as_deref()) {
            (Some(db), Some(n)) if self.store_decisions => db.decisions(n)?,
            _ => Vec::new(),
        };
        Ok(self.settle_with(report, &logged))
    }

    /// [`Gate::settle`] with the logged decisions about the report's project.
    fn settle_with(&self, mut report: PackageReport, logged: &[DecisionRecord]) -> PackageReport {
        crate::analysis::sort_findings(&mut report.findings);
        report.risk = score::score(&report.findings);
        let (name, version) = (report.name.as_deref(), report.version.as_deref());
        report.decision = if logged.is_empty() {
            self.decide(name, version, &report.findings)
        } else {
            let mut policy = self.opts.policy.clone();
            let place = self.db.as_ref().map(|d| d.describe()).unwrap_or_default();
            policy.decisions.extend(logged.iter().filter_map(|d| documented(d, &place, self.allow_critical_decisions)));
            policy.decide_for(name, version, &report.findings)
        };
        report
    }
}

/// The verdict to store for a fresh analysis; `None` for a file that could not be read
/// (re-reading is cheap and an I/O error must not become a verdict) or without a hash.
fn recordable(report: &PackageReport, size: Option<u64>, index_url: Option<&str>) -> Option<ReadyVerdict> {
    let sha = report.sha256.as_deref()?;
    if report.error.is_some() {
        return None;
    }
    let reason = report.decision.reason();
    let mut v = NewVerdict::new(sha, &report.filename, report.decision.verdict, &reason, report.risk, &report.findings);
    v.name = report.name.as_deref();
    v.version = report.version.as_deref();
    v.size = size;
    v.index_url = index_url;
    ReadyVerdict::new(&v).ok()
}

/// A logged decision as a documented one of the policy, written down in the store at
/// `place`. An entry whose version spec does not parse covers nothing (it is an allow
/// that cannot be honoured, or a deny that the policy's own rules still back up).
fn documented(d: &DecisionRecord, place: &str, allow_critical: bool) -> Option<crate::policy::DocumentedDecision> {
    use std::str::FromStr;
    let version = match d.spec.trim() {
        "" | "*" => None,
        s => Some(pep440_rs::VersionSpecifiers::from_str(s).ok()?),
    };
    Some(crate::policy::DocumentedDecision {
        package: d.package.clone(),
        version,
        action: d.action,
        alerts: d
            .alerts
            .iter()
            .filter_map(|a| crate::alerts::AlertId::from_id(a))
            .filter(|a| allow_critical || a.severity() != crate::alerts::Severity::Critical)
            .collect(),
        reason: d.reason.clone(),
        by: d.who.clone(),
        date: crate::policy::Day::from_unix(d.decided_at),
        // An expiry that does not parse ends the decision at once (fail closed for allows).
        until: d.until.as_deref().map(|u| crate::policy::Day::parse(u).unwrap_or(crate::policy::Day(0))),
        origin: crate::policy::Origin::Store(place.to_string()),
    })
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
