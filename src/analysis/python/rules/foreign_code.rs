//! Code loaded from something other than the package's Python source, and run.
//!
//! **Detects** (`obfuscated-install-code`, critical) code that installing or importing
//! runs and that loads a module from a shipped archive (`zipimport.zipimporter(…)`,
//! then `exec_module`/`load_module`) or from a file that is not Python source
//! (`importlib.util.spec_from_file_location(name, "data/logo.png")`, then
//! `exec_module`). Found at runtime (a plugin loader the user calls), it is left to
//! `dynamic-import`.
//!
//! **Why risky:** the code that runs is in no `.py` file a reviewer reads; droppers
//! ship their stage in a zip or disguise it as data and load it from setup.py.
//!
//! **Example:** `zipimport.zipimporter("my.zip")` … `importer.exec_module(module)` in
//! a cmdclass `run()`.
//!
//! **Remedy:** do not install; list the archive's members with `safe-pip scan` and
//! report the package.

use crate::analysis::python::{evidence::{at, clip}, model::Model};
use crate::alerts::AlertId;
use crate::finding::{ExecContext, Finding};

/// Extensions of Python source a module may legitimately be loaded from by path.
const SOURCE_EXTENSIONS: &[&str] = &[".py", ".pyw", ".pyi"];

pub(super) fn check(m: &Model, out: &mut Vec<Finding>) {
    let runs_now = |scope: usize| matches!(m.ctx(scope), ExecContext::Install | ExecContext::Import);
    let executes = m.calls.iter().find(|c| runs_now(c.scope) && matches!(c.q.rsplit('.').next(), Some("exec_module" | "load_module")));
    let Some(exec) = executes else { return };
    for c in m.calls.iter().filter(|c| runs_now(c.scope)) {
        let source = if c.q == "zipimport.zipimporter" {
            Some(format!("the archive `{}`", clip(c.args.first().map(|a| a.text_or_hole()).unwrap_or("…"))))
        } else if c.q == "importlib.util.spec_from_file_location" {
            let path = c.args.get(1).or_else(|| c.kw("location")).and_then(|a| a.text.as_deref());
            path.filter(|p| !p.contains('…') && !SOURCE_EXTENSIONS.iter().any(|e| p.to_ascii_lowercase().ends_with(e))).map(|p| format!("the non-source file `{}`", clip(p)))
        } else {
            None
        };
        if let Some(source) = source {
            out.push(at(
                m,
                AlertId::ObfuscatedInstallCode,
                c.scope,
                c.line,
                format!("loads a module from {source} and runs it with {}() (line {}) {}", exec.q, exec.line, m.scope(c.scope).describe()),
            ));
            return;
        }
    }
}
