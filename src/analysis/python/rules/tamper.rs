//! Tampering with other installed packages.
//!
//! **Detects** code that writes into site-packages, writes `.pth` start-up files, or
//! copies files over other packages (`tamper-packages`), judged from the folded target
//! path of the write.
//!
//! **Why risky:** a backdoor hidden in a trusted package survives uninstalling this one.
//!
//! **Example:** `open(os.path.join(site.getsitepackages()[0], "x.pth"), "w")`.
//!
//! **Remedy:** only packaging tools do this, and they document it.

use crate::analysis::python::{evidence::{at, clip}, model::Model};
use crate::alerts::AlertId;
use crate::analysis::source::FileRole;
use crate::finding::Finding;

pub(super) fn check(m: &Model, out: &mut Vec<Finding>) {
    if m.role == FileRole::Auxiliary {
        return;
    }
    let site_call_scopes: Vec<usize> = m
        .calls
        .iter()
        .filter(|c| matches!(c.q.as_str(), "site.getsitepackages" | "site.getusersitepackages" | "sysconfig.get_paths" | "distutils.sysconfig.get_python_lib"))
        .map(|c| c.scope)
        .collect();
    for w in &m.writes {
        let p = w.path_text.as_deref().unwrap_or("");
        let lower = p.to_ascii_lowercase();
        let target = if lower.ends_with(".pth") {
            Some("a .pth start-up file")
        } else if lower.contains("site-packages") || lower.contains("dist-packages") {
            Some("site-packages")
        } else if site_call_scopes.contains(&w.scope) && p.contains('…') {
            Some("a path under site-packages")
        } else {
            None
        };
        if let Some(t) = target {
            out.push(at(m, AlertId::TamperPackages, w.scope, w.line, format!("writes to {t} `{}` {}", clip(p), m.scope(w.scope).describe())));
        }
    }
}
