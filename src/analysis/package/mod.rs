//! Package-level detectors (interim: context from the file name only).
use crate::analysis::PackageContext;
use crate::artifact::Artifact;
use crate::finding::Finding;

pub fn read_context(artifact: &Artifact) -> PackageContext {
    let _ = artifact;
    PackageContext::default()
}

pub fn analyze(_artifact: &Artifact, _ctx: &PackageContext) -> Vec<Finding> {
    Vec::new()
}
