//! exec/eval/compile of built or computed strings.
//!
//! **Detects** exec/eval/compile whose argument was assembled with chr()/bytes lists,
//! join of fragments, reversal or replace (`string-building-exec`, high;
//! `obfuscated-install-code` when installing or importing runs it), and of other computed strings
//! (`dynamic-code`, low). `exec(open("pkg/version.py").read())` in setup.py is ordinary
//! and not reported; decoded and downloaded code is the chain detectors' business.
//!
//! **Why risky:** building the executed text hides what runs.
//!
//! **Example:** `exec(''.join(chr(c) for c in CODES))`.
//!
//! **Remedy:** reconstruct the string and review it.

use crate::analysis::python::{evidence::{at, clip}, labels::Labels, model::Model, names};
use crate::alerts::AlertId;
use crate::analysis::source::FileRole;
use crate::finding::{ExecContext, Finding};

pub(super) fn check(m: &Model, out: &mut Vec<Finding>) {
    for c in &m.calls {
        if !names::exec_call(&c.q) || c.q == "types.CodeType" {
            continue;
        }
        let Some(a0) = c.args.first() else { continue };
        if a0.labels.has(Labels::DECODED) || a0.labels.has(Labels::NET) {
            continue; // chains
        }
        let where_ = m.scope(c.scope).describe();
        if c.indirect && !a0.literal {
            out.push(at(m, AlertId::HiddenExec, c.scope, c.line, format!("{}() reached through an indirection runs computed code {where_}", c.q)));
            continue;
        }
        if a0.labels.has(Labels::BUILT) {
            // run by installing or importing: nobody called it, and it hides what runs
            let alert = if matches!(m.ctx(c.scope), ExecContext::Install | ExecContext::Import) { AlertId::ObfuscatedInstallCode } else { AlertId::StringBuildingExec };
            let shown = a0.text.as_deref().map(|t| format!(": `{}`", clip(t))).unwrap_or_default();
            out.push(at(m, alert, c.scope, c.line, format!("{}() of a string built from pieces {where_}{shown}", c.q)));
            continue;
        }
        if a0.literal || m.role == FileRole::Auxiliary {
            continue;
        }
        let reads_file = a0.qname.as_deref().map(|q| q.contains("open(") || q.ends_with(".read()") || q.contains("read_text")).unwrap_or(false);
        if reads_file && m.role == FileRole::SetupScript {
            continue;
        }
        if c.q == "compile" && a0.qname.is_some() && !reads_file {
            // compile(ast_node, …) and similar: informational at most
        }
        out.push(at(m, AlertId::DynamicCode, c.scope, c.line, format!("{}() of a computed string {where_}", c.q)));
    }
}
