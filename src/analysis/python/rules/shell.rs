//! Shell and process execution in ordinary (runtime) code.
//!
//! **Detects** os.system, os.popen, subprocess.*, pty.spawn, os.exec*/spawn*,
//! commands.getoutput (Python 2), os.startfile (`shell-access`).
//!
//! **Why risky:** common in tools, risky in libraries, especially when input reaches
//! the command.
//!
//! **Example:** `subprocess.run(cmd, shell=True)`.
//!
//! **Remedy:** check which commands run and whether user input reaches them.

use crate::analysis::python::{evidence::{at, clip}, model::Model, names};
use crate::alerts::AlertId;
use crate::analysis::source::FileRole;
use crate::finding::{ExecContext, Finding};

pub(super) fn check(m: &Model, out: &mut Vec<Finding>) {
    if m.role == FileRole::Auxiliary {
        return;
    }
    for c in &m.calls {
        if m.ctx(c.scope) != ExecContext::Runtime || names::shell_call(&c.q).is_none() || c.via.is_some() {
            continue;
        }
        let cmd = c.command_text().unwrap_or_else(|| "…".into());
        out.push(at(m, AlertId::ShellAccess, c.scope, c.line, format!("{}() runs `{}` {}", c.q, clip(&cmd), m.scope(c.scope).describe()).trim_end().to_string()));
    }
}
