//! What the malware report about one release is made from.

use crate::finding::Finding;
use crate::pipeline::PackageReport;
use crate::policy::Decision;
use crate::score::Risk;
use std::path::PathBuf;

/// Everything the report shows.
#[derive(Clone, Debug)]
pub(crate) struct Evidence {
    /// PEP 503 normalised, as in PyPI's URLs.
    pub name: String,
    pub version: String,
    /// The release's files safe-pip analysed, each with its findings.
    pub files: Vec<PackageReport>,
    /// An imported known-malware advisory for this release.
    pub advisory: Option<Finding>,
    /// `--file`: the file analysed for this report; `None`: from the verdict DB.
    pub from_file: Option<PathBuf>,
    /// Files of the release the DB holds only from an older analysis version.
    pub stale: usize,
    pub risk: Risk,
    /// The verdict on all the evidence together.
    pub decision: Decision,
}
