//! The proxy's [`FileGate`] backed by the verdict DB ([`crate::gate::Gate`]): a file whose
//! advertised sha256 the DB knows is judged without downloading it again (stored findings
//! under the current policy, imported advisories added); anything else is downloaded,
//! analysed and recorded, so the next install of the same file is a DB hit.
//!
//! What the index itself says about a file is judged with it but never stored: yanked
//! (`yanked-release`) and younger than the policy's minimum age (`release-too-new`).
//! Project pages hide (yank-inject, so pip picks another version) releases that are too
//! new when policy blocks that, and versions named by an imported known-malware advisory.
//! A DB that cannot be read or written blocks the file with the reason (fail closed).

use crate::error::Hint;
use crate::analysis::metadata::MetadataPolicy;
use crate::db::Advisory;
use crate::gate::{Gate, GateError};
use crate::index::version_from_filename;
use crate::pipeline::PackageReport;
use super::gate::{FileGate, GateFile, index_findings, too_new_reason};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

pub(crate) struct DbGate {
    gate: Arc<Gate>,
    metadata: MetadataPolicy,
    /// Known-malware advisories by project, read once per project per run.
    advisories: Mutex<HashMap<String, Vec<Advisory>>>,
}

impl DbGate {
    pub(crate) fn new(gate: Arc<Gate>, metadata: MetadataPolicy) -> DbGate {
        DbGate { gate, metadata, advisories: Mutex::new(HashMap::new()) }
    }

    fn advisory_for(&self, file: &GateFile) -> Option<Advisory> {
        let version = version_from_filename(&file.filename, Some(&file.project));
        let mut cache = self.advisories.lock().ok()?;
        if !cache.contains_key(&file.project) {
            let found = self.gate.advisories_for_names(&[&file.project]).ok()?.remove(&file.project).unwrap_or_default();
            cache.insert(file.project.clone(), found);
        }
        cache.get(&file.project)?.iter().find(|a| a.affects(version.as_deref())).cloned()
    }
}

/// A blocking report for a file the DB could not answer for.
fn db_failure(file: &GateFile, e: &GateError) -> PackageReport {
    let mut r = PackageReport::unverified(&file.filename, &format!("the verdict DB failed: {e} ({})", e.hint()));
    r.name = Some(file.project.clone());
    r.version = version_from_filename(&file.filename, Some(&file.project));
    r.sha256 = file.sha256.clone();
    r
}

impl FileGate for DbGate {
    fn known(&self, file: &GateFile) -> Option<PackageReport> {
        let sha = file.sha256.as_deref()?;
        match self.gate.lookup(sha, &file.filename) {
            Ok(Some(report)) => Some(report.with_findings(index_findings(file, &self.metadata, crate::db::now()), &self.gate.options().policy)),
            Ok(None) => None,
            Err(e) => Some(db_failure(file, &e)),
        }
    }

    fn known_many(&self, files: &[GateFile]) -> Vec<Option<PackageReport>> {
        let shas: Vec<&str> = files.iter().filter_map(|f| f.sha256.as_deref()).collect();
        let Ok(mut hits) = self.gate.lookup_many(&shas) else { return vec![None; files.len()] };
        let now = crate::db::now();
        files
            .iter()
            .map(|f| {
                let report = hits.remove(f.sha256.as_deref()?)?;
                let mut report = report.with_findings(index_findings(f, &self.metadata, now), &self.gate.options().policy);
                report.filename = f.filename.clone();
                report.path = f.filename.clone().into();
                Some(report)
            })
            .collect()
    }

    fn judge(&self, file: &GateFile, bytes: &[u8]) -> PackageReport {
        let extra = index_findings(file, &self.metadata, crate::db::now());
        self.gate.judge_bytes(&file.filename, bytes, Some(&file.index_url), extra).unwrap_or_else(|e| db_failure(file, &e))
    }

    fn hide(&self, file: &GateFile) -> Option<String> {
        if let Some(a) = self.advisory_for(file) {
            return Some(format!("safe-pip: known-malware: {} ({})", a.id, a.summary.as_deref().unwrap_or("known malicious release")));
        }
        too_new_reason(file, &self.metadata, &self.gate.options().policy, crate::db::now())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alerts::AlertId;
    use crate::analysis::metadata::time::SECONDS_PER_DAY;
    use crate::pipeline::ScanOptions;
    use crate::policy::Action;

    fn file(sha: &str, upload_time: Option<i64>) -> GateFile {
        GateFile {
            upstream: 0,
            index_url: "http://127.0.0.1:1/simple/".into(),
            project: "demo".into(),
            filename: "demo-1.0-py3-none-any.whl".into(),
            sha256: Some(sha.into()),
            upload_time,
            yanked: false,
        }
    }

    fn wheel() -> Vec<u8> {
        let mut buf = std::io::Cursor::new(Vec::new());
        {
            let mut z = zip::ZipWriter::new(&mut buf);
            z.start_file("demo/__init__.py", zip::write::SimpleFileOptions::default()).unwrap();
            std::io::Write::write_all(&mut z, b"X = 1\n").unwrap();
            z.finish().unwrap();
        }
        buf.into_inner()
    }

    #[test]
    fn a_judged_file_is_known_by_its_hash_next_time() {
        let tmp = tempfile::tempdir().unwrap();
        let db = tmp.path().join("v.sqlite3");
        let bytes = wheel();
        let sha = crate::hex::hex(&<sha2::Sha256 as sha2::Digest>::digest(&bytes));
        let g = DbGate::new(Arc::new(Gate::open(Some(&db), ScanOptions::default()).unwrap()), MetadataPolicy::default());
        assert!(g.known(&file(&sha, None)).is_none());
        let first = g.judge(&file(&sha, None), &bytes);
        assert_ne!(first.decision.verdict, Action::Block);
        // Another process, same DB: known without the bytes.
        let g2 = DbGate::new(Arc::new(Gate::open(Some(&db), ScanOptions::default()).unwrap()), MetadataPolicy::default());
        let known = g2.known(&file(&sha, None)).expect("DB hit");
        assert_eq!(known.sha256.as_deref(), Some(sha.as_str()));
        // Index facts are judged with it: too new under a blocking policy.
        let mut opts = ScanOptions::default();
        opts.policy.alerts.insert(AlertId::ReleaseTooNew, Action::Block);
        let strict = DbGate::new(Arc::new(Gate::open(Some(&db), opts).unwrap()), MetadataPolicy { min_release_age_days: 7, ..MetadataPolicy::default() });
        let fresh = file(&sha, Some(crate::db::now() - 3600));
        assert_eq!(strict.known(&fresh).unwrap().decision.verdict, Action::Block);
        assert!(strict.hide(&fresh).is_some_and(|r| r.contains("release-too-new")));
        assert_eq!(strict.hide(&file(&sha, Some(crate::db::now() - 30 * SECONDS_PER_DAY))), None);
    }
}
