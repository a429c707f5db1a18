//! PyArmor-packed install code.
//!
//! **Detects** code that runs during `pip install` (setup.py, code it calls, modules it
//! imports) and is packed by PyArmor: it imports a `pyarmor_runtime*` / `pytransform`
//! module or calls `__pyarmor__(…)` / `pyarmor_runtime()` on an encrypted bytecode
//! blob (`obfuscated-install-code`, critical). A wheel whose own modules are
//! PyArmor-protected runs the runtime only when imported; that is not reported here.
//!
//! **Why risky:** the install script's real code is encrypted bytecode that only the
//! PyArmor runtime can run, so nobody can review what `pip install` executes. Build
//! scripts have no secrets to protect; install-time droppers use packers to hide.
//!
//! **Example:** setup.py `from pyarmor_runtime_000000 import __pyarmor__` then
//! `__pyarmor__(__name__, __file__, b'PY000000…')`.
//!
//! **Remedy:** do not install; ask the project for an unpacked build script.

use crate::analysis::python::{evidence::at, model::Model};
use crate::alerts::AlertId;
use crate::finding::{ExecContext, Finding};

fn pyarmor_module(name: &str) -> bool {
    name.split('.').any(|part| part.starts_with("pyarmor_runtime") || part == "pytransform" || part == "pytransform3")
}

pub(super) fn check(m: &Model, out: &mut Vec<Finding>) {
    if m.ctx(0) != ExecContext::Install {
        return;
    }
    let call = m.calls.iter().find(|c| {
        m.ctx(c.scope) == ExecContext::Install && {
            let last = c.q.rsplit('.').next().unwrap_or(&c.q);
            matches!(last, "__pyarmor__" | "pyarmor_runtime" | "__armor_enter__" | "__armor_exit__") && !c.args.is_empty()
        }
    });
    if let Some(c) = call {
        out.push(at(m, AlertId::ObfuscatedInstallCode, c.scope, c.line, format!("{}() runs PyArmor-encrypted bytecode {}: the install code cannot be reviewed", c.q, m.scope(c.scope).describe())));
        return;
    }
    if let Some((name, line)) = m.imports.iter().find(|(n, _)| pyarmor_module(n)) {
        out.push(at(m, AlertId::ObfuscatedInstallCode, 0, *line, format!("imports the PyArmor runtime `{name}` {}: the install code is packed and cannot be reviewed", m.scope(0).describe())));
    }
}
