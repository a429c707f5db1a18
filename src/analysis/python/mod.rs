//! Python source analysis (interim: a single byte-level check until the parser lands).
use crate::alerts::AlertId;
use crate::analysis::{FileRole, PackageContext, SourceFile};
use crate::finding::{ExecContext, Finding};

pub fn analyze_package(files: &[SourceFile], _ctx: &PackageContext) -> Vec<Finding> {
    let mut out = Vec::new();
    for f in files {
        if f.role == FileRole::SetupScript {
            if let Some((i, line)) = f.text.lines().enumerate().find(|(_, l)| l.contains("urlopen(")) {
                out.push(Finding::new(AlertId::InstallNetwork, f.path, "urlopen() in setup.py").at_line(i as u32 + 1).with_evidence(line).in_context(ExecContext::Install));
            }
        }
    }
    out
}

pub fn analyze_build_config(_path: &str, _text: &str) -> Vec<Finding> {
    Vec::new()
}
