//! Imports by computed name.
//!
//! **Detects** `__import__`/`importlib.import_module` of a name built from chr() codes,
//! reversal or decoding (`hidden-import`, high; `obfuscated-install-code` when
//! installing or importing runs it) and of other computed names (`dynamic-import`,
//! low — plugin systems join a prefix and a variable: `import_module(f".{name}")`).
//!
//! **Why risky:** hiding which module is imported hides the capability (socket,
//! subprocess) from review.
//!
//! **Example:** `__import__(''.join(chr(c) for c in [111, 115]))`.
//!
//! **Remedy:** reconstruct the name (shown in the message) and review its use.

use crate::analysis::python::{evidence::at, model::{Model, TrickKind}};
use crate::alerts::AlertId;
use crate::analysis::source::FileRole;
use crate::finding::{ExecContext, Finding};

pub(super) fn check(m: &Model, out: &mut Vec<Finding>) {
    for t in &m.tricks {
        let where_ = m.scope(t.scope).describe();
        let name = if t.detail.is_empty() { "a computed name".to_string() } else { format!("`{}`", t.detail) };
        match t.kind {
            TrickKind::HiddenImport => {
                let alert = if matches!(m.ctx(t.scope), ExecContext::Install | ExecContext::Import) { AlertId::ObfuscatedInstallCode } else { AlertId::HiddenImport };
                out.push(at(m, alert, t.scope, t.line, format!("imports {name} built from obfuscated pieces {where_}")));
            }
            TrickKind::DynamicImport if m.role != FileRole::Auxiliary => {
                let what = if t.detail.is_empty() { "a module whose name is computed at runtime".to_string() } else { format!("{name}, a name computed at runtime,") };
                out.push(at(m, AlertId::DynamicImport, t.scope, t.line, format!("imports {what} {where_}")));
            }
            _ => {}
        }
    }
}
