//! Built-ins reached indirectly.
//!
//! **Detects** `getattr(__builtins__, …)`, `__builtins__.__dict__['exec']`,
//! `globals()['eval']`, `vars(builtins)[…]` (`builtins-indirection`, high; in code that
//! runs during `pip install` or on import it is `obfuscated-install-code`, critical).
//!
//! **Why risky:** the only reason to look up exec/eval/__import__ by a computed name is
//! to hide the call from review and keyword scanners.
//!
//! **Example:** `getattr(__builtins__, ''.join(map(chr, [101, 120, 101, 99])))(payload)`.
//!
//! **Remedy:** ordinary code calls built-ins directly.

use crate::analysis::python::{evidence::at, model::{Model, TrickKind}};
use crate::alerts::AlertId;
use crate::analysis::source::FileRole;
use crate::finding::{ExecContext, Finding};

pub(super) fn check(m: &Model, out: &mut Vec<Finding>) {
    for t in m.tricks.iter().filter(|t| t.kind == TrickKind::BuiltinsIndirection) {
        if m.role == FileRole::Auxiliary && m.ctx(t.scope) != ExecContext::Install {
            continue;
        }
        let alert = if matches!(m.ctx(t.scope), ExecContext::Install | ExecContext::Import) { AlertId::ObfuscatedInstallCode } else { AlertId::BuiltinsIndirection };
        out.push(at(m, alert, t.scope, t.line, format!("built-in reached indirectly via {} {}", t.detail, m.scope(t.scope).describe())));
    }
}
