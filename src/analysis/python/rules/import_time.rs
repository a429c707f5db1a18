//! Import-time network and shell.
//!
//! **Detects** network calls (`import-network`) and external commands (`import-shell`)
//! in module-level code of a package (or functions it calls), which run as soon as the
//! package is imported. A command is `import-shell` when it shows intent (downloads,
//! decodes, hides, launches, names a URL, runs decoded or fetched text, hands host data
//! to a network tool) or pip runs; a program with fixed arguments (`git describe`,
//! `fc-list --help`) is a capability, reported as `shell-access` (medium).
//!
//! **Why risky:** a library should not phone home or run programs on `import`; droppers
//! in `__init__.py` do exactly that.
//!
//! **Example:** `__init__.py`: `os.system("curl … | sh")`.
//!
//! **Remedy:** move the call into a function the user calls explicitly.

use crate::analysis::python::{evidence::{at, clip, command_intent, CommandIntent}, model::{Model, ScopeKind}, labels::Labels, names};
use crate::alerts::AlertId;
use crate::finding::{ExecContext, Finding};

pub(super) fn check(m: &Model, out: &mut Vec<Finding>) {
    for c in &m.calls {
        if m.ctx(c.scope) != ExecContext::Import || c.via.is_some() {
            continue;
        }
        let where_ = m.scope(c.scope).describe();
        // a function whose URL is its caller's argument (`_open_file_or_url(fname)`)
        // reaches the network at import only if the import passes it a URL
        let url_from_caller = m.scope(c.scope).kind == ScopeKind::Function
            && c.args.first().or_else(|| c.kw("url")).is_some_and(|u| u.labels.has(Labels::PARAM) && u.text.as_deref().is_none_or(|t| !t.contains("://")));
        if (names::network_call(&c.q).is_some() || names::socket_send(&c.q)) && !url_from_caller {
            out.push(at(m, AlertId::ImportNetwork, c.scope, c.line, format!("{}() {where_}", c.q)));
        } else if names::pip_main(&c.q) {
            let cmd = c.command_text().unwrap_or_else(|| "…".into());
            out.push(at(m, AlertId::ImportShell, c.scope, c.line, format!("{}() runs pip `{}` {where_}", c.q, clip(&cmd))));
        } else if names::shell_call(&c.q).is_some() {
            let cmd = c.command_text().unwrap_or_else(|| "…".into());
            match command_intent(c) {
                CommandIntent::Suspicious(why) => out.push(at(m, AlertId::ImportShell, c.scope, c.line, format!("{}() runs `{}` ({why}) {where_}", c.q, clip(&cmd)))),
                CommandIntent::NamesUrl => out.push(at(m, AlertId::ImportShell, c.scope, c.line, format!("{}() runs `{}`, which names a URL, {where_}", c.q, clip(&cmd)))),
                // a program with fixed arguments (`git describe`, `fc-list`): a capability
                CommandIntent::Plain => out.push(at(m, AlertId::ShellAccess, c.scope, c.line, format!("{}() runs `{}` {where_}", c.q, clip(&cmd)))),
            }
        }
    }
}
