//! Known-malicious feeds in OSV format, as published by OpenSSF malicious-packages
//! (`osv/malicious/pypi/<name>/MAL-*.json`): a single advisory, a folder of them
//! (searched recursively) or a zip of the repository. Only PyPI entries are kept, with
//! the project name PEP 503 normalised, the listed versions and the ECOSYSTEM ranges.
//!
//! Matching is conservative, as a malware list should be: `introduced: "0"` with no
//! upper bound means every version; an entry with no version information at all, or a
//! bound that is not a PEP 440 version, also matches every version.

use super::connection::Db;
use super::errors::DbError;
use super::clock::now;
use crate::alerts::AlertId;
use crate::analysis::metadata::version::Version;
use crate::analysis::names::normalize;
use crate::finding::Finding;
use rusqlite::params;
use serde::{Deserialize, Serialize};
use std::cmp::Ordering;
use std::collections::HashMap;
use std::io::Read;
use std::path::Path;

/// Largest advisory file read; real ones are a few KiB.
pub(crate) const MAX_ADVISORY_BYTES: u64 = 8 << 20;

/// One event of an OSV range, e.g. `{"introduced": "0"}`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RangeEvent {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub introduced: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fixed: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_affected: Option<String>,
}

/// An ECOSYSTEM range: its events in the order the advisory gave them.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AffectedRange {
    pub events: Vec<RangeEvent>,
}

/// A known-malicious PyPI project (one advisory, one package).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Advisory {
    /// e.g. "MAL-2024-1234".
    pub id: String,
    /// PEP 503 normalised project name.
    pub name: String,
    pub summary: Option<String>,
    pub modified: Option<String>,
    /// Every version is affected.
    pub all_versions: bool,
    pub versions: Vec<String>,
    pub ranges: Vec<AffectedRange>,
    /// The file (or zip member) it was imported from.
    pub source: Option<String>,
}

impl Advisory {
    /// Whether `version` is affected; with no version (before resolution) only an
    /// advisory for every version matches.
    pub fn affects(&self, version: Option<&str>) -> bool {
        if self.all_versions {
            return true;
        }
        let Some(v) = version else { return false };
        let v = v.trim();
        let parsed = Version::parse(v);
        let same = |listed: &str| listed.trim() == v || matches!((Version::parse(listed), &parsed), (Some(a), Some(b)) if a.cmp(b) == Ordering::Equal);
        if self.versions.iter().any(|l| same(l)) {
            return true;
        }
        self.ranges.iter().any(|r| match &parsed {
            Some(pv) => range_contains(r, pv),
            // A version we cannot order: any range for a malicious project counts.
            None => true,
        })
    }

    /// The `known-malware` finding for this advisory.
    pub fn to_finding(&self, version: Option<&str>) -> Finding {
        let what = match version {
            Some(v) => format!("{} {}", self.name, v),
            None => self.name.clone(),
        };
        let summary = self.summary.as_deref().map(|s| format!(": {}", s.trim())).unwrap_or_default();
        Finding::new(AlertId::KnownMalware, "", format!("{what} is listed as known malware in {}{summary}", self.id)).with_evidence(&self.id)
    }
}

enum Bound {
    Zero,
    At(Version),
}

/// OSV evaluation: walk the events in version order; introduced opens, fixed closes
/// (exclusive), last_affected closes after itself. A bound that does not parse makes
/// the range match (conservative).
fn range_contains(range: &AffectedRange, v: &Version) -> bool {
    #[derive(Clone, Copy, PartialEq)]
    enum Kind {
        Introduced,
        Fixed,
        LastAffected,
    }
    let mut events: Vec<(Bound, Kind)> = Vec::new();
    for e in &range.events {
        for (value, kind) in [(&e.introduced, Kind::Introduced), (&e.fixed, Kind::Fixed), (&e.last_affected, Kind::LastAffected)] {
            let Some(value) = value else { continue };
            let bound = if kind == Kind::Introduced && value.trim() == "0" {
                Bound::Zero
            } else {
                match Version::parse(value) {
                    Some(b) => Bound::At(b),
                    None => return true,
                }
            };
            events.push((bound, kind));
        }
    }
    let key = |b: &Bound| match b {
        Bound::Zero => None,
        Bound::At(v) => Some(v.clone()),
    };
    events.sort_by_key(|e| key(&e.0));
    let mut affected = false;
    for (bound, kind) in &events {
        let (at_or_below, below) = match bound {
            Bound::Zero => (true, true),
            Bound::At(b) => (b <= v, b < v),
        };
        match kind {
            Kind::Introduced if at_or_below => affected = true,
            Kind::Fixed if at_or_below => affected = false,
            Kind::LastAffected if below => affected = false,
            _ => {}
        }
    }
    affected
}

// ── OSV documents, read leniently: unknown fields ignored ──

#[derive(Deserialize)]
struct OsvDoc {
    id: String,
    #[serde(default)]
    summary: Option<String>,
    #[serde(default)]
    modified: Option<String>,
    #[serde(default)]
    withdrawn: Option<String>,
    #[serde(default)]
    affected: Vec<OsvAffected>,
}

#[derive(Deserialize)]
struct OsvAffected {
    #[serde(default)]
    package: Option<OsvPackage>,
    #[serde(default)]
    versions: Vec<String>,
    #[serde(default)]
    ranges: Vec<OsvRange>,
}

#[derive(Deserialize)]
struct OsvPackage {
    #[serde(default)]
    ecosystem: String,
    #[serde(default)]
    name: String,
}

#[derive(Deserialize)]
struct OsvRange {
    #[serde(rename = "type", default)]
    kind: String,
    #[serde(default)]
    events: Vec<RangeEvent>,
}

/// What one OSV document asks the DB to do.
enum Parsed {
    /// PyPI advisories to store (one per affected package).
    Store(Vec<Advisory>),
    /// A withdrawn advisory: remove it.
    Withdraw(String),
    /// No PyPI package in it.
    Skip,
}

/// A file of an OSV import that is not an advisory (reported per file; the import goes on).
#[derive(Debug, thiserror::Error)]
enum OsvError {
    #[error("not an OSV advisory: {0}")]
    NotOsv(serde_json::Error),
    #[error("the advisory has an empty id")]
    EmptyId,
}

fn parse_osv(bytes: &[u8], source: &str) -> Result<Parsed, OsvError> {
    let doc: OsvDoc = serde_json::from_slice(bytes).map_err(OsvError::NotOsv)?;
    if doc.id.trim().is_empty() {
        return Err(OsvError::EmptyId);
    }
    if doc.withdrawn.as_deref().is_some_and(|w| !w.trim().is_empty()) {
        return Ok(Parsed::Withdraw(doc.id));
    }
    let mut out: Vec<Advisory> = Vec::new();
    for a in doc.affected {
        let Some(pkg) = a.package else { continue };
        if !pkg.ecosystem.eq_ignore_ascii_case("pypi") {
            continue;
        }
        let name = normalize(&pkg.name);
        if name.is_empty() {
            continue;
        }
        let ranges: Vec<AffectedRange> = a
            .ranges
            .into_iter()
            .filter(|r| matches!(r.kind.to_ascii_uppercase().as_str(), "ECOSYSTEM" | "SEMVER"))
            .map(|r| AffectedRange { events: r.events })
            .collect();
        let unbounded = ranges.iter().any(|r| {
            let opens_at_zero = r.events.iter().any(|e| e.introduced.as_deref().map(str::trim) == Some("0"));
            let closes = r.events.iter().any(|e| e.fixed.is_some() || e.last_affected.is_some());
            opens_at_zero && !closes
        });
        let no_version_info = a.versions.is_empty() && ranges.iter().all(|r| r.events.is_empty());
        let versions = a.versions;
        // Several `affected` entries may name the same package: merge them.
        if let Some(prev) = out.iter_mut().find(|p| p.name == name) {
            prev.all_versions |= unbounded || no_version_info;
            prev.versions.extend(versions);
            prev.ranges.extend(ranges);
            continue;
        }
        out.push(Advisory {
            id: doc.id.clone(),
            name,
            summary: doc.summary.clone(),
            modified: doc.modified.clone(),
            all_versions: unbounded || no_version_info,
            versions,
            ranges,
            source: Some(source.to_string()),
        });
    }
    Ok(if out.is_empty() { Parsed::Skip } else { Parsed::Store(out) })
}

/// What an OSV import did.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct OsvImportReport {
    /// JSON documents read.
    pub files: usize,
    /// PyPI advisories stored (new or updated).
    pub advisories: usize,
    /// Withdrawn advisories removed (or not stored).
    pub withdrawn: usize,
    /// Documents without a PyPI package.
    pub skipped: usize,
    /// Files that could not be read or parsed: (file, problem). The others are imported.
    pub errors: Vec<(String, String)>,
}

#[derive(Default)]
struct Collected {
    store: Vec<Advisory>,
    withdraw: Vec<String>,
    report: OsvImportReport,
}

impl Collected {
    fn add(&mut self, bytes: &[u8], source: &str) {
        self.report.files += 1;
        match parse_osv(bytes, source) {
            Ok(Parsed::Store(a)) => self.store.extend(a),
            Ok(Parsed::Withdraw(id)) => self.withdraw.push(id),
            Ok(Parsed::Skip) => self.report.skipped += 1,
            Err(e) => self.report.errors.push((source.to_string(), e.to_string())),
        }
    }
}

fn is_json_name(name: &str) -> bool {
    name.to_ascii_lowercase().ends_with(".json")
}

fn import_err(path: &Path, detail: impl Into<String>) -> DbError {
    DbError::Import { path: path.to_path_buf(), detail: detail.into() }
}

/// An advisory file that cannot be read (reported per file; the import goes on).
#[derive(Debug, thiserror::Error)]
enum ReadError {
    #[error(transparent)]
    Io(#[from] std::io::Error),
    #[error("larger than {} MiB; not an advisory", MAX_ADVISORY_BYTES >> 20)]
    TooLarge,
}

/// Reads at most [`MAX_ADVISORY_BYTES`]; larger is an error.
fn read_capped(mut r: impl Read) -> Result<Vec<u8>, ReadError> {
    let mut buf = Vec::new();
    r.by_ref().take(MAX_ADVISORY_BYTES + 1).read_to_end(&mut buf)?;
    if buf.len() as u64 > MAX_ADVISORY_BYTES {
        return Err(ReadError::TooLarge);
    }
    Ok(buf)
}

fn collect_dir(dir: &Path, c: &mut Collected) -> Result<(), DbError> {
    let mut entries: Vec<std::fs::DirEntry> = std::fs::read_dir(dir)
        .map_err(|e| import_err(dir, format!("cannot list the folder: {e}")))?
        .collect::<Result<_, _>>()
        .map_err(|e| import_err(dir, format!("cannot list the folder: {e}")))?;
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let path = e.path();
        let Ok(ft) = e.file_type() else { continue };
        // Symlinks are not followed: no loops, nothing outside the folder.
        if ft.is_dir() {
            collect_dir(&path, c)?;
        } else if ft.is_file() && is_json_name(&e.file_name().to_string_lossy()) {
            let source = path.display().to_string();
            match std::fs::File::open(&path).map_err(ReadError::Io).and_then(read_capped) {
                Ok(bytes) => c.add(&bytes, &source),
                Err(err) => c.report.errors.push((source, err.to_string())),
            }
        }
    }
    Ok(())
}

fn collect_zip(path: &Path, c: &mut Collected) -> Result<(), DbError> {
    let file = std::fs::File::open(path).map_err(|e| import_err(path, e.to_string()))?;
    let mut zip = zip::ZipArchive::new(std::io::BufReader::new(file)).map_err(|e| import_err(path, format!("not a readable zip: {e}")))?;
    for i in 0..zip.len() {
        let mut entry = match zip.by_index(i) {
            Ok(e) => e,
            Err(e) => {
                c.report.errors.push((format!("{}#{i}", path.display()), e.to_string()));
                continue;
            }
        };
        let name = match entry.name() {
            Ok(n) => n.into_owned(),
            Err(e) => {
                c.report.errors.push((format!("{}#{i}", path.display()), e.to_string()));
                continue;
            }
        };
        if !entry.is_file() || !is_json_name(&name) {
            continue;
        }
        let source = format!("{}:{name}", path.display());
        match read_capped(&mut entry) {
            Ok(bytes) => c.add(&bytes, &source),
            Err(err) => c.report.errors.push((source, err.to_string())),
        }
    }
    Ok(())
}

pub(crate) fn looks_like_zip(bytes: &[u8]) -> bool {
    bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06")
}

impl Db {
    /// Imports OSV advisories from a `.json` file, a folder (recursively) or a zip.
    /// A single file that is not an advisory is an error; in a folder or zip, broken
    /// files are listed in the report and the rest is imported. One transaction.
    pub fn import_osv(&self, path: &Path) -> Result<OsvImportReport, DbError> {
        let meta = std::fs::metadata(path).map_err(|e| import_err(path, e.to_string()))?;
        let mut c = Collected::default();
        if meta.is_dir() {
            collect_dir(path, &mut c)?;
        } else {
            let bytes = std::fs::File::open(path).map_err(ReadError::Io).and_then(read_capped_file).map_err(|e| import_err(path, e.to_string()))?;
            if looks_like_zip(&bytes) {
                collect_zip(path, &mut c)?;
            } else {
                return self.import_osv_bytes(&bytes, &path.display().to_string()).map_err(|e| match e {
                    DbError::InvalidInput { detail, .. } => import_err(path, detail),
                    other => other,
                });
            }
        }
        self.store_collected(c)
    }

    /// Imports one OSV document already in memory.
    pub fn import_osv_bytes(&self, bytes: &[u8], source: &str) -> Result<OsvImportReport, DbError> {
        let mut c = Collected::default();
        c.add(bytes, source);
        if let Some((_, e)) = c.report.errors.first() {
            return Err(DbError::InvalidInput { what: "OSV advisory", detail: e.clone() });
        }
        self.store_collected(c)
    }

    fn store_collected(&self, c: Collected) -> Result<OsvImportReport, DbError> {
        let Collected { store, withdraw, mut report } = c;
        let mut encoded = Vec::with_capacity(store.len());
        for a in &store {
            let versions = serde_json::to_string(&a.versions).map_err(|e| DbError::InvalidInput { what: "advisory", detail: e.to_string() })?;
            let ranges = serde_json::to_string(&a.ranges).map_err(|e| DbError::InvalidInput { what: "advisory", detail: e.to_string() })?;
            encoded.push((a, versions, ranges));
        }
        let stamp = now();
        let ids_touched = self.write("import advisories", |tx| {
            for id in &withdraw {
                tx.prepare_cached("DELETE FROM advisories WHERE id = ?1")?.execute([id])?;
            }
            // An advisory is replaced as a whole: drop it (its packages cascade), then
            // insert every package this import has for it.
            let mut seen = std::collections::HashSet::new();
            for (a, _, _) in &encoded {
                if seen.insert(a.id.as_str()) {
                    tx.prepare_cached("DELETE FROM advisories WHERE id = ?1")?.execute([&a.id])?;
                    tx.prepare_cached("INSERT INTO advisories (id, summary, modified, source, imported_at) VALUES (?1, ?2, ?3, ?4, ?5)")?
                        .execute(params![a.id, a.summary, a.modified, a.source, stamp])?;
                }
            }
            for (a, versions, ranges) in &encoded {
                tx.prepare_cached("INSERT INTO advisory_packages (advisory_id, name, all_versions, versions, ranges) VALUES (?1, ?2, ?3, ?4, ?5)")?
                    .execute(params![a.id, a.name, a.all_versions, versions, ranges])?;
            }
            Ok(seen.len())
        })?;
        report.advisories = ids_touched;
        report.withdrawn = withdraw.len();
        Ok(report)
    }

    /// Every stored advisory for the project `name`, by id.
    pub fn advisories_for(&self, name: &str) -> Result<Vec<Advisory>, DbError> {
        let norm = normalize(name);
        let rows = self.read("read advisories", |c| {
            let mut stmt = c.prepare_cached(&format!("{ADVISORY_SELECT} WHERE p.name = ?1 ORDER BY a.id"))?;
            let rows = stmt.query_map([&norm], advisory_row)?;
            rows.collect::<rusqlite::Result<Vec<_>>>()
        })?;
        Ok(rows.into_iter().map(decode_advisory).collect())
    }

    /// The advisories of many projects in one query (a lockfile check), keyed by the PEP
    /// 503 normalised name; projects without advisories are absent.
    pub fn advisories_for_names<S: AsRef<str>>(&self, names: &[S]) -> Result<HashMap<String, Vec<Advisory>>, DbError> {
        let mut norms: Vec<String> = names.iter().map(|n| normalize(n.as_ref())).collect();
        norms.sort();
        norms.dedup();
        if norms.is_empty() {
            return Ok(HashMap::new());
        }
        let keys = serde_json::to_string(&norms).map_err(|e| DbError::InvalidInput { what: "name list", detail: e.to_string() })?;
        let rows = self.read("read advisories", |c| {
            let mut stmt = c.prepare_cached(&format!("{ADVISORY_SELECT} WHERE p.name IN (SELECT value FROM json_each(?1)) ORDER BY a.id"))?;
            let rows = stmt.query_map([&keys], advisory_row)?;
            rows.collect::<rusqlite::Result<Vec<_>>>()
        })?;
        let mut out: HashMap<String, Vec<Advisory>> = HashMap::new();
        for a in rows.into_iter().map(decode_advisory) {
            out.entry(a.name.clone()).or_default().push(a);
        }
        Ok(out)
    }

    /// The first advisory listing `name` at `version` as malware (`None` version: only
    /// advisories covering every version).
    pub fn known_malware(&self, name: &str, version: Option<&str>) -> Result<Option<Advisory>, DbError> {
        Ok(self.advisories_for(name)?.into_iter().find(|a| a.affects(version)))
    }

    /// Every advisory in the DB (for export), by id and name.
    pub(crate) fn all_advisories(&self) -> Result<Vec<Advisory>, DbError> {
        let names: Vec<String> = self.read("read advisories", |c| {
            let mut stmt = c.prepare("SELECT DISTINCT name FROM advisory_packages ORDER BY name")?;
            let rows = stmt.query_map([], |r| r.get(0))?;
            rows.collect()
        })?;
        let mut out = Vec::new();
        for n in names {
            out.extend(self.advisories_for(&n)?);
        }
        out.sort_by(|a, b| (&a.id, &a.name).cmp(&(&b.id, &b.name)));
        Ok(out)
    }

    /// Stores advisories as they are (snapshot import); each id replaced as a whole.
    pub(crate) fn store_advisories(&self, advisories: Vec<Advisory>) -> Result<usize, DbError> {
        Ok(self.store_collected(Collected { store: advisories, ..Collected::default() })?.advisories)
    }
}

const ADVISORY_SELECT: &str = "SELECT a.id, p.name, a.summary, a.modified, p.all_versions, p.versions, p.ranges, a.source
     FROM advisory_packages p JOIN advisories a ON a.id = p.advisory_id";

/// A row of [`ADVISORY_SELECT`] with its version data still as JSON text.
fn advisory_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<(Advisory, String, String)> {
    Ok((
        Advisory {
            id: r.get(0)?,
            name: r.get(1)?,
            summary: r.get(2)?,
            modified: r.get(3)?,
            all_versions: r.get(4)?,
            versions: Vec::new(),
            ranges: Vec::new(),
            source: r.get(7)?,
        },
        r.get(5)?,
        r.get(6)?,
    ))
}

pub(crate) fn decode_advisory((mut a, versions, ranges): (Advisory, String, String)) -> Advisory {
    // Unreadable version data must not hide an entry: it then covers every version
    // (fail closed).
    match (serde_json::from_str(&versions), serde_json::from_str(&ranges)) {
        (Ok(v), Ok(r)) => {
            a.versions = v;
            a.ranges = r;
        }
        _ => a.all_versions = true,
    }
    a
}

fn read_capped_file(f: std::fs::File) -> Result<Vec<u8>, ReadError> {
    // A zip feed can be large; only JSON documents are capped.
    let mut head = [0u8; 4];
    let mut r = std::io::BufReader::new(f);
    let n = r.read(&mut head)?;
    if looks_like_zip(&head[..n]) {
        return Ok(head[..n].to_vec());
    }
    let mut rest = read_capped(r)?;
    let mut all = head[..n].to_vec();
    all.append(&mut rest);
    if all.len() as u64 > MAX_ADVISORY_BYTES {
        return Err(ReadError::TooLarge);
    }
    Ok(all)
}

#[cfg(test)]
mod tests {
    use super::super::test_support::temp_db;
    use super::*;
    use std::io::Write;

    fn mal(id: &str, name: &str, affected_extra: &str) -> String {
        format!(
            r#"{{"schema_version": "1.5.0", "id": "{id}", "modified": "2024-05-01T00:00:00Z",
               "summary": "Malicious code in {name} (PyPI)", "details": "exfiltrates tokens",
               "affected": [{{"package": {{"ecosystem": "PyPI", "name": "{name}"}}{affected_extra}}}],
               "database_specific": {{"malicious-packages-origins": []}}}}"#
        )
    }

    const ALL: &str = r#", "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}]}]"#;

    #[test]
    fn ranges_and_versions_follow_osv_semantics() {
        let r = |events: &[(&str, &str)]| AffectedRange {
            events: events
                .iter()
                .map(|(k, v)| match *k {
                    "introduced" => RangeEvent { introduced: Some(v.to_string()), ..Default::default() },
                    "fixed" => RangeEvent { fixed: Some(v.to_string()), ..Default::default() },
                    _ => RangeEvent { last_affected: Some(v.to_string()), ..Default::default() },
                })
                .collect(),
        };
        let a = |versions: &[&str], ranges: Vec<AffectedRange>| Advisory {
            id: "MAL-1".into(),
            name: "x".into(),
            summary: None,
            modified: None,
            all_versions: false,
            versions: versions.iter().map(|s| s.to_string()).collect(),
            ranges,
            source: None,
        };
        let fixed = a(&[], vec![r(&[("introduced", "1.0"), ("fixed", "1.2")])]);
        assert!(!fixed.affects(Some("0.9")));
        assert!(fixed.affects(Some("1.0")) && fixed.affects(Some("1.1.5")) && fixed.affects(Some("v1.1")));
        assert!(!fixed.affects(Some("1.2")) && !fixed.affects(Some("2.0")));
        assert!(!fixed.affects(None), "a bounded range does not condemn every version");

        let last = a(&[], vec![r(&[("last_affected", "2.0"), ("introduced", "0")])]);
        assert!(last.affects(Some("0.0.1")) && last.affects(Some("2.0")) && !last.affects(Some("2.0.1")));

        let two = a(&[], vec![r(&[("introduced", "1"), ("fixed", "2"), ("introduced", "3")])]);
        assert!(two.affects(Some("1.5")) && !two.affects(Some("2.5")) && two.affects(Some("9")));

        let listed = a(&["1.0.0", "2.0"], vec![]);
        assert!(listed.affects(Some("1.0")) && listed.affects(Some("2.0")) && !listed.affects(Some("3.0")));

        let odd = a(&[], vec![r(&[("introduced", "not-a-version")])]);
        assert!(odd.affects(Some("1.0")), "unparseable bounds match (fail closed)");
    }

    #[test]
    fn imports_a_single_file_with_versions_and_ranges() {
        let (dir, db) = temp_db();
        let p = dir.path().join("MAL-2024-1.json");
        std::fs::write(&p, mal("MAL-2024-1", "Evil_Pkg", r#", "versions": ["0.1", "0.2"]"#)).expect("write");
        let report = db.import_osv(&p).expect("import");
        assert_eq!((report.files, report.advisories, report.errors.len()), (1, 1, 0));
        let hit = db.known_malware("evil-pkg", Some("0.2")).expect("query").expect("listed");
        assert_eq!(hit.id, "MAL-2024-1");
        assert_eq!(hit.summary.as_deref(), Some("Malicious code in Evil_Pkg (PyPI)"));
        assert_eq!(db.known_malware("evil.pkg", Some("0.3")).expect("query"), None);
        assert_eq!(db.known_malware("evil-pkg", None).expect("query"), None);
        let f = hit.to_finding(Some("0.2"));
        assert_eq!(f.alert, AlertId::KnownMalware);
        assert!(f.message.contains("MAL-2024-1") && f.message.contains("evil-pkg 0.2"), "{}", f.message);

        // Re-import replaces rather than duplicates.
        std::fs::write(&p, mal("MAL-2024-1", "Evil_Pkg", ALL)).expect("write");
        db.import_osv(&p).expect("import");
        assert_eq!(db.advisories_for("evil-pkg").expect("query").len(), 1);
        assert!(db.known_malware("evil-pkg", None).expect("query").is_some());

        // A file that is not OSV is an error naming it.
        let bad = dir.path().join("notes.json");
        std::fs::write(&bad, "{\"hello\": 1}").expect("write");
        let err = db.import_osv(&bad).expect_err("not OSV");
        assert!(matches!(&err, DbError::Import { path, .. } if path == &bad), "{err}");
    }

    #[test]
    fn imports_a_folder_recursively_skipping_other_ecosystems_and_honouring_withdrawn() {
        let (dir, db) = temp_db();
        let root = dir.path().join("malicious-packages/osv/malicious");
        let pypi = root.join("pypi/reqeusts");
        let npm = root.join("npm/left-pad2");
        std::fs::create_dir_all(&pypi).expect("mkdir");
        std::fs::create_dir_all(&npm).expect("mkdir");
        std::fs::write(pypi.join("MAL-2023-7.json"), mal("MAL-2023-7", "reqeusts", ALL)).expect("write");
        std::fs::write(pypi.join("MAL-2023-8.json"), mal("MAL-2023-8", "colourama", "")).expect("write");
        std::fs::write(npm.join("MAL-2023-9.json"), mal("MAL-2023-9", "left-pad2", ALL).replace("PyPI\"", "npm\"")).expect("write");
        std::fs::write(pypi.join("broken.json"), "{").expect("write");
        std::fs::write(pypi.join("README.md"), "not json").expect("write");

        let report = db.import_osv(dir.path()).expect("import");
        assert_eq!(report.files, 4);
        assert_eq!(report.advisories, 2);
        assert_eq!(report.skipped, 1);
        assert_eq!(report.errors.len(), 1);
        assert!(report.errors[0].0.ends_with("broken.json"));
        assert!(db.known_malware("reqeusts", Some("2.31.0")).expect("query").is_some());
        assert!(db.known_malware("colourama", None).expect("query").is_some(), "no version info = every version");
        assert!(db.known_malware("left-pad2", None).expect("query").is_none());

        let withdrawn = mal("MAL-2023-7", "reqeusts", ALL).replacen("\"id\"", "\"withdrawn\": \"2024-01-01T00:00:00Z\", \"id\"", 1);
        std::fs::write(pypi.join("MAL-2023-7.json"), withdrawn).expect("write");
        let report = db.import_osv(&pypi.join("MAL-2023-7.json")).expect("import");
        assert_eq!(report.withdrawn, 1);
        assert!(db.known_malware("reqeusts", Some("2.31.0")).expect("query").is_none());
    }

    #[test]
    fn advisories_of_many_names_in_one_query() {
        let (dir, db) = temp_db();
        for (id, name) in [("MAL-1", "Evil_One"), ("MAL-2", "evil-two"), ("MAL-3", "evil-two")] {
            let p = dir.path().join(format!("{id}.json"));
            std::fs::write(&p, mal(id, name, ALL)).expect("write");
            db.import_osv(&p).expect("import");
        }
        let got = db.advisories_for_names(&["evil.one", "EVIL_TWO", "clean", "evil-two"]).expect("query");
        assert_eq!(got.len(), 2);
        assert_eq!(got["evil-one"].iter().map(|a| a.id.as_str()).collect::<Vec<_>>(), vec!["MAL-1"]);
        assert_eq!(got["evil-two"].iter().map(|a| a.id.as_str()).collect::<Vec<_>>(), vec!["MAL-2", "MAL-3"]);
        assert_eq!(got["evil-two"], db.advisories_for("evil-two").expect("query"));
        assert!(db.advisories_for_names::<&str>(&[]).expect("empty").is_empty());
    }

    #[test]
    fn imports_a_zip_of_the_repository() {
        let (dir, db) = temp_db();
        let p = dir.path().join("malicious-packages-main.zip");
        let mut w = zip::ZipWriter::new(std::fs::File::create(&p).expect("create"));
        let opts = zip::write::SimpleFileOptions::default();
        w.add_directory("malicious-packages-main/osv/malicious/pypi/", opts).expect("dir");
        for (id, name, extra) in [("MAL-2022-1", "noblesse", ALL), ("MAL-2022-2", "pydefi", r#", "versions": ["1.0"]"#)] {
            w.start_file(format!("malicious-packages-main/osv/malicious/pypi/{name}/{id}.json"), opts).expect("start");
            w.write_all(mal(id, name, extra).as_bytes()).expect("write");
        }
        w.start_file("malicious-packages-main/README.md", opts).expect("start");
        w.write_all(b"# readme").expect("write");
        w.finish().expect("finish");

        let report = db.import_osv(&p).expect("import");
        assert_eq!((report.files, report.advisories, report.errors.len()), (2, 2, 0), "{report:?}");
        assert!(db.known_malware("Noblesse", Some("99")).expect("query").is_some());
        assert!(db.known_malware("pydefi", Some("1.0")).expect("query").is_some());
        assert!(db.known_malware("pydefi", Some("1.1")).expect("query").is_none());
        let source = db.known_malware("pydefi", Some("1.0")).expect("query").and_then(|a| a.source).unwrap_or_default();
        assert!(source.ends_with("pypi/pydefi/MAL-2022-2.json"), "{source}");
    }
}
