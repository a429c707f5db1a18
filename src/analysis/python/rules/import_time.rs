//! Import-time network and shell.
//!
//! **Detects** network calls (`import-network`) and external commands (`import-shell`)
//! in module-level code of a package (or functions it calls), which run as soon as the
//! package is imported.
//!
//! **Why risky:** a library should not phone home or run programs on `import`; droppers
//! in `__init__.py` do exactly that.
//!
//! **Example:** `__init__.py`: `os.system("curl … | sh")`.
//!
//! **Remedy:** move the call into a function the user calls explicitly.

use crate::analysis::python::{evidence::{at, clip}, model::Model, names};
use crate::alerts::AlertId;
use crate::finding::{ExecContext, Finding};

pub(super) fn check(m: &Model, out: &mut Vec<Finding>) {
    for c in &m.calls {
        if m.ctx(c.scope) != ExecContext::Import || c.via.is_some() {
            continue;
        }
        let where_ = m.scope(c.scope).describe();
        if names::network_call(&c.q).is_some() || names::socket_send(&c.q) {
            out.push(at(m, AlertId::ImportNetwork, c.scope, c.line, format!("{}() {where_}", c.q)));
        } else if names::shell_call(&c.q).is_some() || names::pip_main(&c.q) {
            let cmd = c.command_text().unwrap_or_else(|| "…".into());
            out.push(at(m, AlertId::ImportShell, c.scope, c.line, format!("{}() runs `{}` {where_}", c.q, clip(&cmd))));
        }
    }
}
