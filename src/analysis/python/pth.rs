//! `.pth` start-up files.
//!
//! **Detects** lines of a `.pth` file that the site module executes at every Python
//! start-up: lines beginning with `import` are `pth-code` (high); those that also exec,
//! eval, compile, decode, reach the network or a shell, or `__import__` a computed name
//! are `pth-payload` (critical).
//!
//! **Why risky:** a .pth file runs in every Python process of the environment —
//! persistence that survives removing the package's modules.
//!
//! **Example:** `import base64;exec(base64.b64decode("…"))`.
//!
//! **Remedy:** accept only well-known shims (setuptools' distutils-precedence.pth) with
//! a documented decision.

use super::labels::Labels;
use super::model;
use super::names;
use crate::alerts::AlertId;
use crate::analysis::{FileRole, SourceFile};
use crate::finding::{ExecContext, Finding};

pub fn check(f: &SourceFile) -> Vec<Finding> {
    let mut out = Vec::new();
    for (i, line) in f.text.lines().enumerate() {
        let t = line.trim();
        if !(t.starts_with("import ") || t.starts_with("import\t")) {
            continue;
        }
        let lineno = i as u32 + 1;
        let m = model::build(f.path, t, FileRole::PthFile, ExecContext::Install);
        let mut payload: Option<String> = None;
        for c in &m.calls {
            let bad = names::exec_call(&c.q)
                || names::decode_call(&c.q)
                || names::network_call(&c.q).is_some()
                || names::shell_call(&c.q).is_some()
                || c.labels().has(Labels::DECODED);
            if bad {
                payload = Some(format!("{}()", c.q));
                break;
            }
        }
        if payload.is_none() {
            if let Some(tr) = m.tricks.first() {
                payload = Some(format!("hidden name {}", tr.detail));
            }
        }
        if payload.is_none() {
            let lower = t.to_ascii_lowercase();
            for k in ["exec(", "eval(", "b64decode", "compile(", "urlopen", "subprocess", "os.system", "socket"] {
                if lower.contains(k) {
                    payload = Some(k.trim_end_matches('(').to_string());
                    break;
                }
            }
        }
        let finding = match payload {
            Some(p) => Finding::new(AlertId::PthPayload, f.path, format!(".pth line runs {p} at every Python start-up")),
            None => Finding::new(AlertId::PthCode, f.path, "`.pth` import line runs code at every Python start-up".to_string()),
        };
        out.push(finding.at_line(lineno).with_evidence(t).in_context(ExecContext::Install));
    }
    out
}
