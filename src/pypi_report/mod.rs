//! `report NAME==VERSION`: the malware report to send to PyPI, prepared from what safe-pip
//! already knows — the verdicts the DB holds for the release's files (scan history at the
//! current analysis version) and imported known-malware advisories — or from a file of
//! the release analysed now (`--file`, statically, through the [`Gate`], which records
//! the verdict). Nothing is sent: the report says where to send it.

mod evidence;
mod render;

pub(crate) use evidence::Evidence;
pub(crate) use render::render_markdown;

use crate::error::Hint;
use crate::db::ANALYSIS_VERSION;
use crate::finding::Finding;
use crate::gate::{Gate, GateError};
use crate::pipeline::PackageReport;
use crate::score;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub(crate) enum ReportError {
    #[error("safe-pip has no evidence about {name} {version}: no file of it in the verdict DB and no known-malware advisory")]
    NoEvidence { name: String, version: String, stale: usize },
    #[error("{} is {found}, not {name} {version}", path.display())]
    OtherRelease { path: PathBuf, found: String, name: String, version: String },
    #[error("{} could not be analysed: {error}", path.display())]
    Unreadable { path: PathBuf, error: String },
    #[error(transparent)]
    Gate(#[from] GateError),
}

impl ReportError {
    pub(crate) fn hint(&self, name: &str, version: &str) -> String {
        match self {
            ReportError::NoEvidence { stale, .. } => {
                let old = if *stale > 0 { format!(" (the DB holds {stale} file(s) of it from an older analysis version)") } else { String::new() };
                format!("analyse a file of the release first{old}: `safe-pip report {name}=={version} --file FILE`, or `safe-pip vet {name}=={version}` downloads and analyses it")
            }
            ReportError::OtherRelease { .. } => "pass a file of the release being reported".into(),
            ReportError::Unreadable { .. } => "check that the file is a package archive (.tar.gz, .zip, .whl) or an unpacked source tree".into(),
            ReportError::Gate(e) => format!("{} (`safe-pip db check` shows what is wrong)", e.hint()),
        }
    }
}

/// Gathers the evidence about `name` `version` (see the module doc).
pub(crate) fn gather(gate: &Gate, name: &str, version: &str, file: Option<&Path>) -> Result<Evidence, ReportError> {
    let name = crate::pep503::normalize_name(name);
    let mut stale = 0;
    let files = match file {
        Some(path) => {
            let report = gate.judge_path(path)?.report;
            if let Some(error) = &report.error {
                return Err(ReportError::Unreadable { path: path.to_path_buf(), error: error.clone() });
            }
            let other_name = report.name.as_deref().is_some_and(|n| crate::pep503::normalize_name(n) != name);
            let other_version = report.version.as_deref().is_some_and(|v| v.trim() != version.trim());
            if other_name || other_version {
                let found = format!("{} {}", report.name.as_deref().unwrap_or("?"), report.version.as_deref().unwrap_or("?"));
                return Err(ReportError::OtherRelease { path: path.to_path_buf(), found, name, version: version.to_string() });
            }
            vec![report]
        }
        None => {
            let mut shas: Vec<String> = Vec::new();
            for e in gate.history(&name)?.into_iter().filter(|e| e.version.as_deref().is_some_and(|v| v.trim() == version.trim())) {
                if shas.contains(&e.sha256) {
                    continue;
                }
                if e.analysis_version == ANALYSIS_VERSION {
                    shas.push(e.sha256);
                } else {
                    stale += 1;
                }
            }
            let known = gate.lookup_many(&shas)?;
            let mut files: Vec<PackageReport> = shas.iter().filter_map(|s| known.get(s).cloned()).collect();
            files.sort_by(|a, b| a.filename.cmp(&b.filename));
            files
        }
    };
    let advisory = gate.known_malware(&name, Some(version))?;
    if files.is_empty() && advisory.is_none() {
        return Err(ReportError::NoEvidence { name, version: version.to_string(), stale });
    }
    let mut all: Vec<Finding> = advisory.iter().cloned().collect();
    for f in files.iter().flat_map(|r| &r.findings) {
        if !all.contains(f) {
            all.push(f.clone());
        }
    }
    crate::analysis::sort_findings(&mut all);
    let decision = gate.decide(Some(&name), Some(version), &all);
    Ok(Evidence { risk: score::score(&all), decision, name, version: version.to_string(), files, advisory, from_file: file.map(Path::to_path_buf), stale })
}

#[cfg(test)]
mod tests;
