//! PyArmor-packed code.
//!
//! **Detects** code packed by PyArmor: it imports a `pyarmor_runtime*` / `pytransform`
//! module or calls `__pyarmor__(…)` / `pyarmor_runtime()` on an encrypted bytecode
//! blob. During `pip install` (setup.py, code it calls, modules it imports) that is
//! `obfuscated-install-code` (critical); in a package's own modules it is
//! `obfuscated-payload` (high: a person should look), since vendors also protect
//! proprietary code this way.
//!
//! **Why risky:** the real code is encrypted bytecode that only the PyArmor runtime can
//! run, so nobody can review what `pip install` or `import` executes. Build scripts have
//! no secrets to protect; install-time droppers use packers to hide.
//!
//! **Example:** setup.py `from pyarmor_runtime_000000 import __pyarmor__` then
//! `__pyarmor__(__name__, __file__, b'PY000000…')`.
//!
//! **Remedy:** do not install; ask the project for an unpacked build script.

use crate::analysis::python::{evidence::at, model::Model};
use crate::alerts::AlertId;
use crate::analysis::source::FileRole;
use crate::finding::{ExecContext, Finding};

fn pyarmor_module(name: &str) -> bool {
    name.split('.').any(|part| part.starts_with("pyarmor_runtime") || part == "pytransform" || part == "pytransform3")
}

pub(super) fn check(m: &Model, out: &mut Vec<Finding>) {
    if m.role == FileRole::Auxiliary {
        return;
    }
    let install = m.ctx(0) == ExecContext::Install;
    let (alert, what) = if install { (AlertId::ObfuscatedInstallCode, "the install code") } else { (AlertId::ObfuscatedPayload, "the module's code") };
    let call = m.calls.iter().find(|c| {
        (!install || m.ctx(c.scope) == ExecContext::Install) && {
            let last = c.q.rsplit('.').next().unwrap_or(&c.q);
            matches!(last, "__pyarmor__" | "pyarmor_runtime" | "__armor_enter__" | "__armor_exit__") && !c.args.is_empty()
        }
    });
    if let Some(c) = call {
        out.push(at(m, alert, c.scope, c.line, format!("{}() runs PyArmor-encrypted bytecode {}: {what} cannot be reviewed", c.q, m.scope(c.scope).describe())));
        return;
    }
    if let Some((name, line)) = m.imports.iter().find(|(n, _)| pyarmor_module(n)) {
        out.push(at(m, alert, 0, *line, format!("imports the PyArmor runtime `{name}` {}: {what} is packed and cannot be reviewed", m.scope(0).describe())));
    }
}
