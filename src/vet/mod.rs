//! `vet`: the organisation standard's vetting report for a package *before* it is added.
//! Name check first (works offline), then registry facts, then the release's files,
//! fetched with their hashes verified and judged through the [`Gate`] (verdict DB first,
//! recorded after analysis). One report per requested package: risk, alerts, behaviour,
//! history, releases seen before (verdict DB), similar packages, recommendation.

mod render;
mod report;

pub(crate) use render::{render_json, render_terminal};
pub(crate) use report::{Behaviour, ScannedFile, SeenRelease, Similar, VetReport, VetStatus};

use crate::error::Hint;
use crate::alerts::{AlertId, Category};
use crate::analysis::metadata::{self, MetadataPolicy, RegistryFacts, ReleaseFact};
use crate::analysis::names::{self, InternalPolicy, Squat};
use crate::finding::{ExecContext, Finding};
use crate::gate::{Gate, GateError};
use crate::index::simple::{FileEntry, ProjectPage};
use crate::index::{IndexClient, IndexError};
use crate::policy::Action;
use crate::score;
use std::collections::{BTreeMap, BTreeSet};

/// Largest release file vet downloads; bigger files are reported, not fetched.
pub(crate) const MAX_DOWNLOAD_BYTES: u64 = 512 << 20;

/// `NAME` or `NAME==VERSION`, as typed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct VetRequest {
    pub raw: String,
    pub name: String,
    pub version: Option<String>,
}

/// A vet request that is not `NAME` or `NAME==VERSION`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub(crate) enum VetRequestError {
    #[error("`{raw}`: only NAME or NAME==VERSION can be vetted (found `{op}`)")]
    NotOneRelease { raw: String, op: &'static str },
    #[error("`{raw}` is not a valid project name")]
    InvalidName { raw: String },
    #[error("`{raw}`: the version after == is empty")]
    EmptyVersion { raw: String },
}

impl crate::error::Hint for VetRequestError {
    fn hint(&self) -> String {
        match self {
            VetRequestError::NotOneRelease { .. } => "write a project name, optionally pinned: `safe-pip vet requests==2.32.3`".into(),
            VetRequestError::InvalidName { .. } => {
                "project names use letters, digits, '.', '_' and '-', and start and end with a letter or digit: `safe-pip vet requests==2.32.3`".into()
            }
            VetRequestError::EmptyVersion { .. } => "write the version after ==, or leave == out for the newest release".into(),
        }
    }
}

impl VetRequest {
    pub(crate) fn parse(raw: &str) -> Result<VetRequest, VetRequestError> {
        let raw = raw.trim();
        let (name, version) = match raw.split_once("==") {
            Some((n, v)) => (n.trim(), Some(v.trim().to_string())),
            None => (raw, None),
        };
        if let Some(op) = ["<", ">", "~=", "!=", "@", ";"].into_iter().find(|op| name.contains(op)) {
            return Err(VetRequestError::NotOneRelease { raw: raw.to_string(), op });
        }
        if !crate::index::simple::is_valid_name(name) {
            return Err(VetRequestError::InvalidName { raw: raw.to_string() });
        }
        if version.as_deref() == Some("") {
            return Err(VetRequestError::EmptyVersion { raw: raw.to_string() });
        }
        Ok(VetRequest { raw: raw.to_string(), name: names::normalize(name), version })
    }
}

/// Releases shown under "seen before".
const SEEN_SHOWN: usize = 10;

pub(crate) struct VetOptions<'a> {
    /// `None` when offline: only the name is checked.
    pub client: Option<&'a IndexClient>,
    /// Files are judged here (verdict DB first); its policy decides the package.
    pub gate: &'a Gate,
    pub metadata: MetadataPolicy,
    /// Internal project names (dependency confusion); checked on every configured index.
    pub internal: InternalPolicy,
    pub now_unix: i64,
}

/// Vets one package. Never fails: problems become the report's status.
pub(crate) fn vet(req: &VetRequest, opts: &VetOptions) -> VetReport {
    let squat = names::check_typosquat(&req.name);
    let mut findings: Vec<Finding> = squat.iter().map(typosquat_finding).collect();
    let similar = similar_packages(&req.name, squat.as_ref());
    let rank = names::TopPackages::get().rank(&req.name);
    let mut report = VetReport {
        requested: req.raw.clone(),
        name: req.name.clone(),
        version: req.version.clone(),
        summary: None,
        status: VetStatus::Checked,
        popularity_rank: rank,
        risk: score::score(&[]),
        decision: opts.gate.decide(Some(&req.name), req.version.as_deref(), &[]),
        findings: Vec::new(),
        files: Vec::new(),
        behaviour: Vec::new(),
        history: None,
        seen: Vec::new(),
        similar,
        recommendation: String::new(),
    };
    // Read before this run's files are recorded: what was seen *before*.
    match opts.gate.history(&req.name) {
        Ok(h) => report.seen = seen_releases(&h),
        Err(e) => report.status = gate_error(e),
    }
    match opts.client {
        _ if matches!(report.status, VetStatus::Error { .. }) => {}
        None => {
            report.status = VetStatus::Unverified { reason: "offline: only the name was checked; registry facts and code were not".into() };
        }
        Some(client) => match check_indexes(req, client, opts, &mut findings).and_then(|()| check_registry_and_code(req, client, opts, &mut findings)) {
            Ok((facts, files)) => {
                report.version = Some(facts.version.clone());
                report.summary = facts.summary.clone();
                report.history = Some(metadata::history(&facts, opts.now_unix));
                report.files = files;
                if report.files.is_empty() {
                    report.status = VetStatus::Unverified { reason: format!("no file of {} {} could be scanned", req.name, facts.version) };
                }
            }
            Err(status) => report.status = status,
        },
    }
    // Imported known-malware advisories apply offline too.
    match opts.gate.known_malware(&req.name, report.version.as_deref()) {
        Ok(Some(f)) if !findings.contains(&f) => findings.push(f),
        Ok(_) => {}
        Err(e) => report.status = gate_error(e),
    }
    crate::analysis::sort_findings(&mut findings);
    report.risk = score::score(&findings);
    report.decision = opts.gate.decide(Some(&report.name), report.version.as_deref(), &findings);
    report.behaviour = behaviour(&findings);
    report.findings = findings;
    report.recommendation = recommendation(&report, squat.as_ref());
    report
}

pub(crate) fn typosquat_finding(s: &Squat) -> Finding {
    Finding::new(AlertId::Typosquat, "", s.message())
}

/// Dependency confusion: when more than one index is configured or the name is internal,
/// asks every index separately whether it offers the project. Fails closed: an index
/// that cannot be asked makes the report's status an error (its findings so far stay).
fn check_indexes(req: &VetRequest, client: &IndexClient, opts: &VetOptions, findings: &mut Vec<Finding>) -> Result<(), VetStatus> {
    if client.index_urls().len() < 2 && opts.internal.matches(&req.name).is_none() {
        return Ok(());
    }
    let mut offers = Vec::new();
    let mut failed = None;
    for (url, result) in client.project_on_each_index(&req.name) {
        match result {
            // A page without files (a name held defensively) offers nothing to install.
            Ok(page) => offers.push((url, page.is_some_and(|p| !p.files.is_empty()))),
            Err(e) => {
                failed.get_or_insert(e);
            }
        }
    }
    findings.extend(names::check_confusion(&req.name, &opts.internal, &offers));
    match failed {
        Some(e) => Err(index_error(e)),
        None => Ok(()),
    }
}

/// What the index says about a project and the release asked for (the latest without a
/// version) — status (PEP 792), yanks, release history, licence, advisories from the JSON
/// API's `vulnerabilities` — and the findings the metadata rules make of it under
/// `policy`. The one way to the registry facts, for `vet` and `audit --online`. An index
/// that cannot be asked is an error status (fail closed); a project or release it does
/// not have is `NotFound`.
pub(crate) fn registry_check(req: &VetRequest, client: &IndexClient, policy: &MetadataPolicy, now_unix: i64) -> Result<(ProjectPage, RegistryFacts, Vec<Finding>), VetStatus> {
    let page = client.project(&req.name).map_err(index_error)?.ok_or_else(|| VetStatus::NotFound {
        reason: format!("no project `{}` on {}", req.name, client.index_urls().join(", ")),
    })?;
    let mut facts = registry_facts(req, client, &page)?;
    facts.fill_popularity_rank();
    let findings = metadata::analyze(&facts, policy, now_unix);
    Ok((page, facts, findings))
}

/// Registry facts and the release's files, scanned. Adds findings; returns the facts.
fn check_registry_and_code(
    req: &VetRequest,
    client: &IndexClient,
    opts: &VetOptions,
    findings: &mut Vec<Finding>,
) -> Result<(RegistryFacts, Vec<ScannedFile>), VetStatus> {
    let (page, facts, registry) = registry_check(req, client, &opts.metadata, opts.now_unix)?;
    findings.extend(registry);

    let version = facts.version.clone();
    let chosen = release_files(&page, &req.name, &version);
    if chosen.is_empty() {
        return Err(VetStatus::NotFound { reason: format!("{} {} has no files on the index", req.name, version) });
    }
    let mut files = Vec::new();
    for entry in chosen {
        if entry.size.is_some_and(|s| s > MAX_DOWNLOAD_BYTES) {
            continue;
        }
        // A file the DB already judged (by the hash the index advertises) is not fetched.
        let known = match entry.hashes.get("sha256") {
            Some(sha) => opts.gate.lookup(sha, &entry.filename).map_err(gate_error)?,
            None => None,
        };
        let r = match known {
            Some(r) => r,
            None => {
                let downloaded = client.download(entry, MAX_DOWNLOAD_BYTES).map_err(index_error)?;
                opts.gate.judge_bytes(&entry.filename, &downloaded.bytes, Some(&page.url), Vec::new()).map_err(gate_error)?
            }
        };
        // Name and metadata alerts are the project's; keep the code's own here.
        let code: Vec<Finding> = r.findings.into_iter().filter(|f| f.alert != AlertId::Typosquat).collect();
        files.push(ScannedFile { filename: entry.filename.clone(), sha256: r.sha256.clone(), verdict: r.decision.verdict, score: r.risk.score, alerts: code.len() });
        for mut f in code {
            if !f.file.is_empty() && !f.file.starts_with(&entry.filename) {
                f.file = format!("{}:{}", entry.filename, f.file);
            }
            findings.push(f);
        }
    }
    Ok((facts, files))
}

fn gate_error(e: GateError) -> VetStatus {
    VetStatus::Error { message: e.to_string(), hint: format!("{} (or vet without the DB: --no-db)", e.hint()) }
}

/// The scan history grouped by release: newest first, each file counted once at its
/// latest analysis.
fn seen_releases(history: &[crate::db::HistoryEntry]) -> Vec<SeenRelease> {
    let rank = |v: &str| match v {
        "block" => 2,
        "warn" => 1,
        _ => 0,
    };
    let mut out: Vec<SeenRelease> = Vec::new();
    let mut files_seen: BTreeSet<&str> = BTreeSet::new();
    for e in history {
        if !files_seen.insert(e.sha256.as_str()) {
            continue;
        }
        match out.iter_mut().find(|s| s.version == e.version) {
            Some(s) => {
                s.files += 1;
                if rank(&e.verdict) > rank(&s.verdict) {
                    s.verdict = e.verdict.clone();
                }
            }
            None => out.push(SeenRelease { version: e.version.clone(), verdict: e.verdict.clone(), files: 1, last_scanned: e.scanned_at }),
        }
    }
    out.truncate(SEEN_SHOWN);
    out
}

fn index_error(e: IndexError) -> VetStatus {
    match e {
        IndexError::Offline { .. } => VetStatus::Unverified { reason: e.to_string() },
        other => VetStatus::Error { message: other.to_string(), hint: other.hint() },
    }
}

/// Facts from the JSON API when the index has one (PyPI), else from the Simple page alone.
fn registry_facts(req: &VetRequest, client: &IndexClient, page: &ProjectPage) -> Result<RegistryFacts, VetStatus> {
    let project = client.json_project(&req.name).map_err(index_error)?;
    let mut facts = match &project {
        Some(p) => RegistryFacts::from_json_api(p).map_err(|e| VetStatus::Error {
            message: format!("the index's JSON API answer for {} could not be read: {e}", req.name),
            hint: "retry later; if it persists, report it to the index operator".into(),
        })?,
        None => facts_from_page(req, page),
    };
    if let Some(v) = &req.version {
        if &facts.version != v {
            let release = client.json_release(&req.name, v).map_err(index_error)?;
            let history = std::mem::take(&mut facts.releases);
            facts = match release {
                Some(r) => RegistryFacts::from_json_api(&r).map_err(|e| VetStatus::Error {
                    message: format!("the index's JSON API answer for {} {v} could not be read: {e}", req.name),
                    hint: "retry later".into(),
                })?,
                // No per-release document (mirrors): the project's own description,
                // licence and links still hold; release facts come from the Simple page.
                // Advisories for this release stay unknown rather than "none".
                None if page.files.iter().any(|f| f.version(&req.name).as_deref() == Some(v.as_str())) => {
                    let from_page = facts_from_page(req, page);
                    let mut f = if project.is_some() { facts.clone() } else { from_page.clone() };
                    f.version = v.clone();
                    f.upload_time = from_page.upload_time;
                    f.yanked = from_page.yanked;
                    f.vulnerabilities.clear();
                    f
                }
                None => return Err(VetStatus::NotFound { reason: format!("{} has no release {v}", req.name) }),
            };
            if facts.releases.is_empty() {
                facts.releases = history;
            }
        }
    }
    if let Some(status) = page.status.as_ref().and_then(|s| metadata::ProjectStatus::parse(&s.status)) {
        facts.project_status = status;
        facts.project_status_reason = page.status.as_ref().and_then(|s| s.reason.clone());
    }
    Ok(facts)
}

/// What the Simple API alone says (mirrors without a JSON API): releases with upload
/// times and yanks; the newest non-yanked version unless one was asked for.
fn facts_from_page(req: &VetRequest, page: &ProjectPage) -> RegistryFacts {
    let mut by_version: BTreeMap<String, (Option<i64>, bool)> = BTreeMap::new();
    for f in &page.files {
        let Some(v) = f.version(&req.name) else { continue };
        let t = f.upload_time.as_deref().and_then(metadata::time::parse_rfc3339);
        let e = by_version.entry(v).or_insert((t, true));
        e.0 = match (e.0, t) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        e.1 &= f.yanked.is_some();
    }
    let releases: Vec<ReleaseFact> = by_version.iter().map(|(v, (t, y))| ReleaseFact { version: v.clone(), first_upload: *t, yanked: *y }).collect();
    let latest = releases
        .iter()
        .filter(|r| !r.yanked)
        .max_by(|a, b| match (metadata::version::Version::parse(&a.version), metadata::version::Version::parse(&b.version)) {
            (Some(x), Some(y)) => x.cmp(&y),
            _ => a.first_upload.cmp(&b.first_upload),
        })
        .map(|r| r.version.clone())
        .unwrap_or_default();
    let version = req.version.clone().unwrap_or(latest);
    let mut facts = RegistryFacts::new(&page.name, &version);
    facts.upload_time = by_version.get(&version).and_then(|e| e.0);
    facts.yanked = page.files.iter().filter(|f| f.version(&req.name).as_deref() == Some(version.as_str())).find_map(|f| f.yanked.clone());
    facts.releases = releases;
    facts
}

/// The sdist and one wheel (pure-Python preferred) of a release.
fn release_files<'p>(page: &'p ProjectPage, name: &str, version: &str) -> Vec<&'p FileEntry> {
    let of_version: Vec<&FileEntry> = page.files.iter().filter(|f| f.version(name).as_deref() == Some(version)).collect();
    let sdist = of_version.iter().find(|f| !f.is_wheel() && !f.filename.ends_with(".egg") && !f.filename.ends_with(".exe"));
    let wheel = of_version
        .iter()
        .filter(|f| f.is_wheel())
        .min_by_key(|f| if f.filename.contains("-none-any") { 0 } else if f.filename.contains("manylinux") && f.filename.contains("x86_64") { 1 } else { 2 });
    sdist.into_iter().chain(wheel).copied().collect()
}

/// Capabilities by category and when they run, from the findings.
pub(crate) fn behaviour(findings: &[Finding]) -> Vec<Behaviour> {
    let mut by_cat: BTreeMap<&'static str, (BTreeSet<&'static str>, BTreeSet<&'static str>, String)> = BTreeMap::new();
    for f in findings {
        let cap = match f.alert.category() {
            Category::Network => "network",
            Category::Shell => "shell",
            Category::Filesystem => "filesystem",
            Category::Obfuscation => "obfuscation",
            Category::InstallScript => "install-time code",
            Category::Malware => "malicious chain",
            _ => continue,
        };
        let e = by_cat.entry(cap).or_insert_with(|| (BTreeSet::new(), BTreeSet::new(), String::new()));
        e.0.insert(f.context.map(ExecContext::as_str).unwrap_or("package"));
        e.1.insert(f.alert.id());
        if e.2.is_empty() {
            e.2 = match f.line {
                Some(l) => format!("{}:{l}", f.file),
                None => f.file.clone(),
            };
        }
    }
    by_cat
        .into_iter()
        .map(|(capability, (contexts, alerts, example))| Behaviour { capability, contexts: contexts.into_iter().collect(), alerts: alerts.into_iter().collect(), example })
        .collect()
}

/// For a typosquat: the project it imitates. Otherwise popular projects with close
/// names, to compare alternatives (the seed's "similar packages").
pub(crate) fn similar_packages(name: &str, squat: Option<&Squat>) -> Vec<Similar> {
    if let Some(s) = squat {
        return vec![Similar { name: s.target.clone(), rank: s.target_rank, why: format!("probably meant: {}", s.reason) }];
    }
    let top = names::TopPackages::get();
    let prefix = format!("{name}-");
    let close = CloseNames::new(name);
    top.entries
        .iter()
        .filter(|p| p.name != name && (p.name.starts_with(&prefix) || (close.may_reach(&p.name) && strsim::jaro_winkler(&p.name, name) >= SIMILAR_NAME)))
        .take(5)
        .map(|p| Similar { name: p.name.clone(), rank: p.rank, why: "similar name".into() })
        .collect()
}

/// Jaro-Winkler similarity from which a popular project's name counts as similar.
const SIMILAR_NAME: f64 = 0.93;

/// A cheap upper bound of the Jaro-Winkler similarity to one name, to skip the full
/// computation for the ~15,000 popular names that cannot reach [`SIMILAR_NAME`] (reports
/// list similar packages for every row). Jaro-Winkler is at most `0.6 + 0.4·jaro` (a common
/// prefix of at most 4 characters, weight 0.1), and jaro at most `(m/|a| + m/|b| + 1) / 3`
/// where `m`, the matching characters, is at most the size of the two names' character
/// multiset intersection. Non-ASCII names are never skipped.
struct CloseNames {
    counts: [u8; 128],
    len: usize,
    ascii: bool,
}

impl CloseNames {
    fn new(name: &str) -> CloseNames {
        let mut counts = [0u8; 128];
        for b in name.bytes().filter(u8::is_ascii) {
            counts[usize::from(b)] = counts[usize::from(b)].saturating_add(1);
        }
        CloseNames { counts, len: name.len(), ascii: name.is_ascii() && name.len() < 255 }
    }

    /// False only when `other` cannot be [`SIMILAR_NAME`]-similar.
    fn may_reach(&self, other: &str) -> bool {
        if !self.ascii || !other.is_ascii() || other.len() >= 255 || self.len == 0 || other.is_empty() {
            return true;
        }
        let mut left = self.counts;
        let mut m = 0usize;
        for b in other.bytes() {
            let c = &mut left[usize::from(b)];
            if *c > 0 {
                *c -= 1;
                m += 1;
            }
        }
        let jaro_max = (m as f64 / self.len as f64 + m as f64 / other.len() as f64 + 1.0) / 3.0;
        0.6 + 0.4 * jaro_max >= SIMILAR_NAME - 1e-9
    }
}

fn recommendation(r: &VetReport, squat: Option<&Squat>) -> String {
    if let Some(s) = squat {
        return format!("Do not add `{}`: it imitates `{}`. Use `{}` instead.", r.name, s.target, s.target);
    }
    if r.findings.iter().any(|f| f.alert == AlertId::DependencyConfusion) {
        return format!(
            "Do not install `{}` until its internal index is pinned: an index it must not come from offers it (dependency confusion). \
             Pin the internal index for this name (uv `[tool.uv.sources]` index pinning, or pip with only --index-url INTERNAL) and claim the name on PyPI.",
            r.name
        );
    }
    if r.decision.basis.is_decision() {
        let renew = if r.decision.verdict == Action::Block { "" } else { " A new alert or another version is judged afresh." };
        return format!("Decided for this project: {}.{renew}", r.decision.reason());
    }
    match (&r.status, r.decision.verdict) {
        (_, Action::Block) => "Do not add this package: it has critical alerts. Remove it and report it to PyPI if it is malicious.".into(),
        (VetStatus::Error { .. }, _) | (VetStatus::Unverified { .. }, _) => {
            "Not verified: vet again with network access before adding it (nothing unverified counts as safe).".into()
        }
        (VetStatus::NotFound { .. }, _) => "Nothing to add: the index has no such project or release. Check the spelling.".into(),
        (_, Action::Warn) => "Investigate before use: read the high alerts' evidence, review the source, test in isolation, then document the decision.".into(),
        (_, Action::Allow) if r.findings.iter().any(|f| f.severity() >= crate::alerts::Severity::Medium) => {
            format!(
                "Acceptable after review: look at the medium alerts and document the decision (`safe-pip allow {}{} --alert ID --reason \"…\"`).",
                r.name,
                r.version.as_deref().map(|v| format!("=={v}")).unwrap_or_default()
            )
        }
        (_, Action::Allow) => "Low risk: no significant alerts. Safe to add; pin the version.".into(),
    }
}

#[cfg(test)]
mod tests;
