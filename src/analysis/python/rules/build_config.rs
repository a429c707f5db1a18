//! pyproject.toml / setup.cfg checks.
//!
//! **Detects** in-tree build backends (`backend-path` in `[build-system]`) and custom
//! `cmdclass` entries in setup.cfg (`install-hook`, medium): code shipped in the archive
//! that runs during `pip install`.
//!
//! **Why risky:** the backend module is install-time code just like setup.py.
//!
//! **Remedy:** review the backend module named in the evidence.

use crate::alerts::AlertId;
use crate::finding::{ExecContext, Finding};

/// pyproject.toml / setup.cfg checks (in-tree build backends = install hooks).
pub fn analyze_build_config(path: &str, text: &str) -> Vec<Finding> {
    let mut out = Vec::new();
    let name = path.rsplit('/').next().unwrap_or(path);
    let mut section = String::new();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.starts_with('[') {
            section = line.trim_matches(|c| c == '[' || c == ']').trim().to_string();
            continue;
        }
        let key = line.split(['=', ':']).next().unwrap_or("").trim();
        let lineno = i as u32 + 1;
        if name == "pyproject.toml" && section == "build-system" && key == "backend-path" {
            out.push(
                Finding::new(AlertId::InstallHook, path, "in-tree build backend (`backend-path`): code from the archive runs during pip install")
                    .at_line(lineno)
                    .with_evidence(line)
                    .in_context(ExecContext::Install),
            );
        }
        if name == "setup.cfg" && key == "cmdclass" {
            out.push(
                Finding::new(AlertId::InstallHook, path, "setup.cfg declares custom cmdclass commands (run during pip install)")
                    .at_line(lineno)
                    .with_evidence(line)
                    .in_context(ExecContext::Install),
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn in_tree_backend() {
        let f = analyze_build_config("p/pyproject.toml", "[build-system]\nrequires = []\nbuild-backend = \"backend\"\nbackend-path = [\".\"]\n");
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].alert, AlertId::InstallHook);
        assert!(analyze_build_config("p/pyproject.toml", "[build-system]\nrequires=['setuptools']\nbuild-backend='setuptools.build_meta'\n").is_empty());
    }
}
