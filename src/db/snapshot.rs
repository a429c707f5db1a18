//! Snapshots: verdicts, the decision log and imported advisories as one versioned JSON
//! document, to share between machines (a team's CI cache, an infra team's feed).
//!
//! ```json
//! { "format": "safe-pip-db-snapshot", "format_version": 1, "tool_version": "0.1.0",
//!   "exported_at": 1700000000, "verdicts": [StoredVerdict…], "decisions": [DecisionRecord…],
//!   "advisories": [Advisory…] }
//! ```
//!
//! Import is an idempotent upsert: verdicts are validated like local ones and never
//! weaken a verdict already here (a stricter or newer one wins); decisions are appended
//! once; advisories are replaced by id. Imported verdicts are marked `import:<file>`.
//! Additive fields keep `format_version`; anything else bumps it.

use super::decisions_log::{self, DecisionRecord};
use super::feeds::{Advisory, OsvImportReport, looks_like_zip};
use super::verdicts::{self, Prepared, StoredVerdict, Upsert};
use super::connection::Db;
use super::errors::DbError;
use super::clock::now;
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::Path;

pub const SNAPSHOT_FORMAT: &str = "safe-pip-db-snapshot";
pub const SNAPSHOT_FORMAT_VERSION: u32 = 1;

#[derive(Serialize, Deserialize)]
struct Snapshot {
    format: String,
    format_version: u32,
    #[serde(default)]
    tool_version: String,
    #[serde(default)]
    exported_at: i64,
    #[serde(default)]
    verdicts: Vec<StoredVerdict>,
    #[serde(default)]
    decisions: Vec<DecisionRecord>,
    #[serde(default)]
    advisories: Vec<Advisory>,
}

/// What a snapshot holds, from any verdict store (the SQLite DB or PostgreSQL).
#[derive(Clone, Debug, Default)]
pub struct SnapshotParts {
    pub verdicts: Vec<StoredVerdict>,
    pub decisions: Vec<DecisionRecord>,
    pub advisories: Vec<Advisory>,
    /// Verdict rows left out because they cannot be read.
    pub unreadable_skipped: usize,
}

/// Writes `parts` as a snapshot document (the format `safe-pip db export` writes and
/// the gateway's `/snapshot` serves).
pub fn write_snapshot(w: &mut impl Write, parts: SnapshotParts) -> Result<ExportReport, DbError> {
    let SnapshotParts { verdicts, decisions, advisories, unreadable_skipped } = parts;
    let report = ExportReport { verdicts: verdicts.len(), decisions: decisions.len(), advisories: advisories.len(), unreadable_skipped };
    let snap = Snapshot {
        format: SNAPSHOT_FORMAT.into(),
        format_version: SNAPSHOT_FORMAT_VERSION,
        tool_version: env!("CARGO_PKG_VERSION").into(),
        exported_at: now(),
        verdicts,
        decisions,
        advisories,
    };
    let io = |e: std::io::Error| DbError::Export { path: "<output>".into(), detail: e.to_string() };
    serde_json::to_writer_pretty(&mut *w, &snap).map_err(|e| io(e.into()))?;
    w.write_all(b"\n").map_err(io)?;
    Ok(report)
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ExportReport {
    pub verdicts: usize,
    pub decisions: usize,
    pub advisories: usize,
    /// Verdict rows left out because their JSON does not parse (see `db check`).
    pub unreadable_skipped: usize,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct SnapshotImportReport {
    /// Verdicts added or replaced.
    pub verdicts_stored: usize,
    /// Verdicts not taken because the DB already held a stricter or newer one.
    pub verdicts_kept: usize,
    pub decisions_added: usize,
    /// Decisions already in the log.
    pub decisions_present: usize,
    pub advisories: usize,
}

/// What `import` found and did (auto-detected).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum ImportOutcome {
    Osv(OsvImportReport),
    Snapshot(SnapshotImportReport),
}

impl Db {
    /// Writes a snapshot to `path` (atomically: a temporary file renamed into place).
    pub fn export(&self, path: &Path) -> Result<ExportReport, DbError> {
        let export_err = |e: std::io::Error| DbError::Export { path: path.to_path_buf(), detail: e.to_string() };
        let dir = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => std::path::PathBuf::from("."),
        };
        let mut tmp = tempfile_in(&dir, path).map_err(export_err)?;
        let report = match self.export_to(&mut tmp.1) {
            Ok(r) => r,
            Err(e) => {
                let _ = std::fs::remove_file(&tmp.0);
                return Err(e);
            }
        };
        let finish = tmp.1.flush().and_then(|_| tmp.1.get_ref().sync_all()).and_then(|_| std::fs::rename(&tmp.0, path));
        if let Err(e) = finish {
            let _ = std::fs::remove_file(&tmp.0);
            return Err(export_err(e));
        }
        Ok(report)
    }

    /// Writes a snapshot to any writer (e.g. stdout).
    pub fn export_to(&self, w: &mut impl Write) -> Result<ExportReport, DbError> {
        write_snapshot(w, self.snapshot_parts()?)
    }

    /// Everything a snapshot holds, read from this DB.
    pub fn snapshot_parts(&self) -> Result<SnapshotParts, DbError> {
        let (verdicts, unreadable_skipped) = self.all_verdicts()?;
        Ok(SnapshotParts { verdicts, decisions: self.all_decisions()?, advisories: self.all_advisories()?, unreadable_skipped })
    }

    /// Imports a snapshot document already read (e.g. fetched from a gateway's
    /// `/snapshot`); `source` names where it came from, in messages and as the imported
    /// verdicts' origin (`import:<source>`).
    pub fn import_snapshot_bytes(&self, bytes: &[u8], source: &str) -> Result<SnapshotImportReport, DbError> {
        let path = Path::new(source);
        let value: serde_json::Value = serde_json::from_slice(bytes)
            .map_err(|e| DbError::Import { path: path.to_path_buf(), detail: format!("not JSON: {e}") })?;
        self.import_snapshot_value(value, path, source)
    }

    /// Imports a snapshot written by [`Db::export`].
    pub fn import_snapshot(&self, path: &Path) -> Result<SnapshotImportReport, DbError> {
        let bytes = std::fs::read(path).map_err(|e| DbError::Import { path: path.to_path_buf(), detail: e.to_string() })?;
        let value: serde_json::Value = serde_json::from_slice(&bytes)
            .map_err(|e| DbError::Import { path: path.to_path_buf(), detail: format!("not JSON: {e}") })?;
        self.import_snapshot_value(value, path, &file_name(path))
    }

    /// `safe-pip db import`: a safe-pip snapshot, or OSV advisories (a .json file, a
    /// folder, a zip), told apart by content.
    pub fn import_auto(&self, path: &Path) -> Result<ImportOutcome, DbError> {
        let meta = std::fs::metadata(path).map_err(|e| DbError::Import { path: path.to_path_buf(), detail: e.to_string() })?;
        if meta.is_dir() {
            return self.import_osv(path).map(ImportOutcome::Osv);
        }
        let mut head = [0u8; 4];
        let n = std::fs::File::open(path)
            .and_then(|mut f| std::io::Read::read(&mut f, &mut head))
            .map_err(|e| DbError::Import { path: path.to_path_buf(), detail: e.to_string() })?;
        if looks_like_zip(&head[..n]) {
            return self.import_osv(path).map(ImportOutcome::Osv);
        }
        let bytes = std::fs::read(path).map_err(|e| DbError::Import { path: path.to_path_buf(), detail: e.to_string() })?;
        let value: serde_json::Value = serde_json::from_slice(&bytes)
            .map_err(|e| DbError::Import { path: path.to_path_buf(), detail: format!("not JSON: {e}") })?;
        if value.get("format").is_some() {
            return self.import_snapshot_value(value, path, &file_name(path)).map(ImportOutcome::Snapshot);
        }
        self.import_osv(path).map(ImportOutcome::Osv)
    }

    fn import_snapshot_value(&self, value: serde_json::Value, path: &Path, origin_name: &str) -> Result<SnapshotImportReport, DbError> {
        let err = |detail: String| DbError::Import { path: path.to_path_buf(), detail };
        match value.get("format").and_then(|f| f.as_str()) {
            Some(SNAPSHOT_FORMAT) => {}
            Some(other) => return Err(err(format!("format {other:?} is not {SNAPSHOT_FORMAT:?}"))),
            None => return Err(err(format!("no \"format\": \"{SNAPSHOT_FORMAT}\" field; not a safe-pip snapshot"))),
        }
        match value.get("format_version").and_then(|v| v.as_u64()) {
            Some(v) if v <= u64::from(SNAPSHOT_FORMAT_VERSION) => {}
            Some(v) => return Err(err(format!("snapshot format_version {v} was written by a newer safe-pip (this one reads up to {SNAPSHOT_FORMAT_VERSION})"))),
            None => return Err(err("missing or invalid format_version".into())),
        }
        let snap: Snapshot = serde_json::from_value(value).map_err(|e| err(format!("malformed snapshot: {e}")))?;
        let origin = format!("import:{origin_name}");
        let prepared: Vec<Prepared> = snap
            .verdicts
            .iter()
            .enumerate()
            .map(|(i, v)| Prepared::from_stored(v, &origin).map_err(|e| err(format!("verdict #{i}: {e}"))))
            .collect::<Result<_, _>>()?;
        for (i, d) in snap.decisions.iter().enumerate() {
            d.validate().map_err(|e| err(format!("decision #{i}: {e}")))?;
        }
        let mut report = self.write("import a snapshot", |tx| {
            let mut r = SnapshotImportReport::default();
            for p in &prepared {
                if verdicts::insert(tx, p, Upsert::NeverWeaken)? > 0 {
                    r.verdicts_stored += 1;
                } else {
                    r.verdicts_kept += 1;
                }
            }
            for d in &snap.decisions {
                if decisions_log::append(tx, d)? {
                    r.decisions_added += 1;
                } else {
                    r.decisions_present += 1;
                }
            }
            Ok(r)
        })?;
        report.advisories = self.store_advisories(snap.advisories)?;
        Ok(report)
    }
}

fn file_name(path: &Path) -> String {
    path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
}

/// A new file next to `target` for an atomic write.
fn tempfile_in(dir: &Path, target: &Path) -> std::io::Result<(std::path::PathBuf, std::io::BufWriter<std::fs::File>)> {
    let base = target.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "snapshot".into());
    for i in 0..100u32 {
        let p = dir.join(format!(".{base}.{}.{i}.tmp", std::process::id()));
        match std::fs::OpenOptions::new().write(true).create_new(true).open(&p) {
            Ok(f) => return Ok((p, std::io::BufWriter::new(f))),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
    Err(std::io::Error::new(std::io::ErrorKind::AlreadyExists, "no free temporary file name"))
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{sha, temp_db};
    use super::super::decisions_log::NewDecision;
    use super::super::verdicts::NewVerdict;
    use crate::action::DecisionAction;
    use super::*;
    use crate::alerts::AlertId;
    use crate::finding::Finding;
    use crate::action::Action;
    use crate::score;

    fn fill(db: &Db) {
        let f = vec![Finding::new(AlertId::DecodeExec, "p/setup.py", "exec(base64.b64decode(...))").at_line(3)];
        let block = (Action::Block, "critical alert decode-exec");
        let allow = (Action::Allow, "no alerts");
        let (s1, s2) = (sha(1), sha(2));
        let mut v1 = NewVerdict::new(&s1, "p-1.0.tar.gz", block.0, block.1, score::score(&f), &f);
        v1.name = Some("p");
        v1.scanned_at = Some(100);
        let mut v2 = NewVerdict::new(&s2, "q-2.0-py3-none-any.whl", allow.0, allow.1, score::score(&[]), &[]);
        v2.scanned_at = Some(200);
        v2.analysis_version = "0";
        db.record_verdicts(&[v1, v2]).expect("record");
        let alerts = vec!["network-access".to_string()];
        db.log_decision(&NewDecision {
            package: "q",
            spec: "*",
            alerts: &alerts,
            reason: "HTTP client",
            who: "bob",
            action: DecisionAction::Allow,
            source: None,
            decided_at: Some(50),
            until: None,
        })
        .expect("log");
        db.import_osv_bytes(
            br#"{"id": "MAL-1", "affected": [{"package": {"ecosystem": "PyPI", "name": "evil"}, "versions": ["1.0"]}]}"#,
            "MAL-1.json",
        )
        .expect("osv");
    }

    fn without_origin(mut v: Vec<StoredVerdict>) -> Vec<StoredVerdict> {
        for x in &mut v {
            x.origin.clear();
        }
        v
    }

    #[test]
    fn export_then_import_into_a_fresh_db_is_equal_and_idempotent() {
        let (dir, src) = temp_db();
        fill(&src);
        let file = dir.path().join("share/snap.json");
        std::fs::create_dir_all(file.parent().expect("parent")).expect("mkdir");
        let exported = src.export(&file).expect("export");
        assert_eq!((exported.verdicts, exported.decisions, exported.advisories), (2, 1, 1));

        let dst = Db::open(&dir.path().join("other.sqlite3")).expect("open");
        let r = dst.import_snapshot(&file).expect("import");
        assert_eq!((r.verdicts_stored, r.decisions_added, r.advisories), (2, 1, 1));
        assert_eq!(without_origin(dst.all_verdicts().expect("read").0), without_origin(src.all_verdicts().expect("read").0));
        assert_eq!(dst.all_decisions().expect("read"), src.all_decisions().expect("read"));
        assert_eq!(dst.all_advisories().expect("read"), src.all_advisories().expect("read"));
        let hit = dst.lookup_verdict(&sha(1), super::super::analysis_version::ANALYSIS_VERSION).expect("lookup").expect("hit");
        assert_eq!(hit.origin, "import:snap.json");
        assert_eq!(hit.findings().map(|f| f[0].line), Some(Some(3)));

        let again = dst.import_snapshot(&file).expect("import again");
        assert_eq!((again.verdicts_stored, again.verdicts_kept, again.decisions_added, again.decisions_present), (0, 2, 0, 1));
        assert_eq!(dst.all_decisions().expect("read").len(), 1);
        assert!(matches!(dst.import_auto(&file).expect("auto"), ImportOutcome::Snapshot(_)));
    }

    #[test]
    fn an_imported_verdict_never_weakens_a_local_one() {
        let (dir, db) = temp_db();
        let s = sha(9);
        let block = (Action::Block, "local block");
        let mut local = NewVerdict::new(&s, "x.whl", block.0, block.1, score::score(&[]), &[]);
        local.scanned_at = Some(10);
        db.record_verdict(&local).expect("record");
        let mut v = db.lookup_verdict(&s, super::super::analysis_version::ANALYSIS_VERSION).expect("lookup").expect("hit");
        v.verdict = "allow".into();
        v.scanned_at = 999;
        let snap = serde_json::json!({"format": SNAPSHOT_FORMAT, "format_version": 1, "verdicts": [v]});
        let file = dir.path().join("s.json");
        std::fs::write(&file, snap.to_string()).expect("write");
        let r = db.import_snapshot(&file).expect("import");
        assert_eq!(r.verdicts_kept, 1);
        let now = db.lookup_verdict(&s, super::super::analysis_version::ANALYSIS_VERSION).expect("lookup").expect("hit");
        assert_eq!(now.verdict, "block");
    }

    #[test]
    fn bad_snapshots_are_refused_whole() {
        let (dir, db) = temp_db();
        let write = |name: &str, v: serde_json::Value| {
            let p = dir.path().join(name);
            std::fs::write(&p, v.to_string()).expect("write");
            p
        };
        let newer = write("newer.json", serde_json::json!({"format": SNAPSHOT_FORMAT, "format_version": 99}));
        let err = db.import_snapshot(&newer).expect_err("newer");
        assert!(err.to_string().contains("newer safe-pip"), "{err}");
        let bad_verdict = write(
            "bad.json",
            serde_json::json!({"format": SNAPSHOT_FORMAT, "format_version": 1, "verdicts": [{
                "sha256": sha(1), "analysis_version": "1", "name": null, "version": null, "filename": "x", "size": null,
                "verdict": "maybe", "reason": "", "score": 0, "level": "none", "alerts": [], "index_url": null,
                "origin": "local", "scanned_at": 0}]}),
        );
        let err = db.import_auto(&bad_verdict).expect_err("bad verdict");
        assert!(err.to_string().contains("verdict #0"), "{err}");
        let other = write("other.json", serde_json::json!({"format": "something-else", "format_version": 1}));
        assert!(db.import_auto(&other).is_err());
        assert_eq!(db.stats().expect("stats").verdicts.total(), 0);
    }
}
