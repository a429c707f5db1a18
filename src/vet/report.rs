//! What vet reports about one package: how far it got, the files it scanned, the
//! behaviour seen, releases seen before, similar names, and the decision.

use crate::analysis::metadata::History;
use crate::finding::Finding;
use crate::policy::{Action, Decision};
use crate::score::Risk;
use serde::Serialize;

/// How far vet got with a package.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "lowercase")]
pub(crate) enum VetStatus {
    /// Name, registry and code were all checked.
    Checked,
    /// Only part could be checked (offline, or a file could not be fetched): not a pass.
    Unverified { reason: String },
    /// The index has no such project or release.
    NotFound { reason: String },
    /// The index could not be asked.
    Error { message: String, hint: String },
}

/// One release file that was fetched and scanned.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct ScannedFile {
    pub filename: String,
    pub sha256: Option<String>,
    pub verdict: Action,
    pub score: u8,
    pub alerts: usize,
}

/// A capability seen in the code, and when it would run.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct Behaviour {
    pub capability: &'static str,
    pub contexts: Vec<&'static str>,
    pub alerts: Vec<&'static str>,
    /// Where it was first seen: `file:line`.
    pub example: String,
}

/// A release analysed earlier (verdict DB scan history).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub(crate) struct SeenRelease {
    pub version: Option<String>,
    /// The strictest verdict among its files when they were analysed.
    pub verdict: String,
    pub files: usize,
    /// Unix seconds of the latest analysis.
    pub last_scanned: i64,
}

#[derive(Clone, Debug, Serialize)]
pub(crate) struct Similar {
    pub name: String,
    pub rank: u32,
    pub why: String,
}

#[derive(Clone, Debug, Serialize)]
pub(crate) struct VetReport {
    pub requested: String,
    pub name: String,
    pub version: Option<String>,
    pub summary: Option<String>,
    pub status: VetStatus,
    pub popularity_rank: Option<u32>,
    pub risk: Risk,
    pub decision: Decision,
    pub findings: Vec<Finding>,
    pub files: Vec<ScannedFile>,
    pub behaviour: Vec<Behaviour>,
    pub history: Option<History>,
    /// Releases of this project the verdict DB saw analysed before this run, newest first.
    pub seen: Vec<SeenRelease>,
    pub similar: Vec<Similar>,
    pub recommendation: String,
}

impl VetReport {
    /// The verdict vet stands behind: a package not fully checked is never "allowed".
    pub(crate) fn is_unverified(&self) -> bool {
        !matches!(self.status, VetStatus::Checked) && self.decision.verdict != Action::Block
    }
}
