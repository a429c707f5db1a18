//! `.pth` start-up files.
//!
//! **Detects** lines of a `.pth` file that the site module executes at every Python
//! start-up: lines beginning with `import` are `pth-code` (medium); those that also exec,
//! eval, compile, decode, reach the network or a shell, or `__import__` a computed name
//! are `pth-payload` (critical). setuptools' namespace-package lines (`*-nspkg.pth`:
//! only path joins and module objects from `sys`/`types`/`os`/`importlib`) are plumbing.
//!
//! **Why risky:** a .pth file runs in every Python process of the environment —
//! persistence that survives removing the package's modules.
//!
//! **Example:** `import base64;exec(base64.b64decode("…"))`.
//!
//! **Remedy:** accept only well-known shims (setuptools' distutils-precedence.pth) with
//! a documented decision.

use crate::analysis::python::{labels::Labels, model, names};
use crate::alerts::AlertId;
use crate::analysis::source::{FileRole, SourceFile};
use crate::finding::{ExecContext, Finding};

/// What in a `.pth` import line (or the literal code it execs) makes it a payload: decoding,
/// network, shell, hidden names, or exec of anything that is not a visible literal.
/// A literal handed to exec is judged by its own content, so coverage's start-up hook
/// (`exec('import os …')`) is code, not a payload.
fn payload_in(path: &str, code: &str, depth: u32) -> Option<String> {
    let m = model::build(path, code, FileRole::PthFile, ExecContext::Install);
    if m.too_deep.is_some() {
        return Some("code nested too deeply to analyse".into());
    }
    for c in &m.calls {
        if names::exec_call(&c.q) {
            let literal = c.args.first().filter(|a| a.exact && !a.labels.has(Labels::DECODED)).and_then(|a| a.text.as_deref());
            match literal {
                Some(inner) if depth < 2 => match payload_in(path, inner, depth + 1) {
                    Some(p) => return Some(format!("{}() of code that runs {p}", c.q)),
                    None => continue,
                },
                _ => return Some(format!("{}()", c.q)),
            }
        }
        let bad = names::decode_call(&c.q) || names::network_call(&c.q).is_some() || names::shell_call(&c.q).is_some() || c.labels().has(Labels::DECODED);
        if bad {
            return Some(format!("{}()", c.q));
        }
    }
    if let Some(tr) = m.tricks.first() {
        return Some(format!("hidden name {}", tr.detail));
    }
    // The parser could not read the line: fall back to keywords so nothing hides.
    if m.parse_errors > 0 {
        let lower = code.to_ascii_lowercase();
        for k in ["exec(", "eval(", "b64decode", "compile(", "urlopen", "subprocess", "os.system", "socket"] {
            if lower.contains(k) {
                return Some(k.trim_end_matches('(').to_string());
            }
        }
    }
    None
}

/// Namespace-package plumbing (setuptools' `*-nspkg.pth`): a line that imports only
/// `sys`, `types`, `os` and `importlib` and only joins paths, creates module objects and
/// registers them. It runs no code of the package, so it is not worth a warning.
fn namespace_plumbing(path: &str, code: &str) -> bool {
    let m = model::build(path, code, FileRole::PthFile, ExecContext::Install);
    if m.too_deep.is_some() {
        return false;
    }
    let stdlib = |n: &str| matches!(n.split('.').next().unwrap_or(""), "sys" | "types" | "os" | "importlib");
    let plumbing = |c: &model::Call| {
        let q = c.q.as_str();
        let root = q.split('.').next().unwrap_or("");
        let last = q.rsplit('.').next().unwrap_or("");
        if q == "setattr" {
            // registering the namespace module on its parent: `setattr(sys.modules['google'], 'cloud', m)`
            return true;
        }
        if q == "__import__" {
            return c.args.first().and_then(|a| a.text.as_deref()).is_some_and(stdlib);
        }
        (stdlib(root) || root == "?" || root.ends_with("()"))
            && matches!(
                last,
                "join" | "dirname" | "exists" | "_getframe" | "ModuleType" | "module_from_spec" | "find_spec" | "setdefault" | "append" | "insert" | "get"
            )
    };
    m.parse_errors == 0
        && m.tricks.iter().all(|t| t.kind == model::TrickKind::DynamicImport)
        && m.imports.iter().all(|(n, _)| stdlib(n))
        && !m.calls.is_empty()
        && m.calls.iter().all(plumbing)
}

pub(crate) fn check(f: &SourceFile) -> Vec<Finding> {
    let mut out = Vec::new();
    for (i, line) in f.text.lines().enumerate() {
        let t = line.trim();
        if !(t.starts_with("import ") || t.starts_with("import\t")) {
            continue;
        }
        let lineno = i as u32 + 1;
        let payload = payload_in(f.path, t, 0);
        if payload.is_none() && namespace_plumbing(f.path, t) {
            continue;
        }
        let finding = match payload {
            Some(p) => Finding::new(AlertId::PthPayload, f.path, format!(".pth line runs {p} at every Python start-up")),
            None => Finding::new(AlertId::PthCode, f.path, "`.pth` import line runs code at every Python start-up".to_string()),
        };
        out.push(finding.at_line(lineno).with_evidence(t).in_context(ExecContext::Install));
    }
    out
}
