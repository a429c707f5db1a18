//! Decode-then-execute chain.
//!
//! **Detects** decoded data (base64/hex/zlib/lzma/bz2/marshal/rot13/Fernet output)
//! reaching exec, eval, compile or types.FunctionType, or a shell command the code
//! decodes before running it outside install time (`decode-exec`, critical, any
//! context; install-time commands are `install-shell`). Literal payloads decoded by
//! safe-pip are shown as evidence and rescanned.
//!
//! **Why risky:** the executed code is hidden from review by construction.
//!
//! **Example:** `exec(zlib.decompress(base64.b64decode(BLOB)))`.
//!
//! **Remedy:** do not install; read the decoded evidence and report the package.

use crate::analysis::python::{decode, evidence::{at, clip}, labels::Labels, model::{Model, ScopeKind}, names};
use crate::alerts::AlertId;
use crate::finding::{ExecContext, Finding};

pub(super) fn check(m: &Model, out: &mut Vec<Finding>) {
    // a shell command the code decodes before running it: the command is hidden
    for c in &m.calls {
        if names::shell_call(&c.q).is_none() || m.ctx(c.scope) == ExecContext::Install {
            continue; // install-time commands are install-shell's
        }
        let Some(cmd) = c.args.first().or_else(|| c.kw("args")).or_else(|| c.kw("cmd")) else { continue };
        let decoded = cmd.labels.has(Labels::DECODED) || cmd.list.as_ref().is_some_and(|l| l.iter().any(|v| v.labels.has(Labels::DECODED)));
        if decoded && !cmd.labels.has(Labels::PARAM) {
            let shown = c.command_text().filter(|t| !t.trim().is_empty() && t.trim() != "…").map(|t| format!(" `{}`", clip(&t))).unwrap_or_default();
            out.push(at(m, AlertId::DecodeExec, c.scope, c.line, format!("{}() runs a shell command it decodes at runtime{shown} {}", c.q, m.scope(c.scope).describe())));
        }
    }
    for c in &m.calls {
        if !names::exec_call(&c.q) {
            continue;
        }
        let decoded = c.args.iter().any(|a| a.labels.has(Labels::DECODED));
        if !decoded {
            continue;
        }
        // a deserialiser: what it decodes and runs is its caller's data (Keras loading a
        // saved lambda, an expression language compiling user input), not a blob the
        // package ships; a caller passing a literal blob is caught at the call site. A
        // function of setup.py serves no caller but setup.py itself: its decoder is the
        // string obfuscator's, run on the script's own literals
        let shipped = m.payloads.iter().any(|p| p.scope == c.scope);
        let from_caller = c.args.iter().filter(|a| a.labels.has(Labels::DECODED)).all(|a| a.labels.has(Labels::PARAM) && !a.labels.has(Labels::NET));
        let install = m.ctx(c.scope) == ExecContext::Install;
        if from_caller && !shipped && !install && c.via.is_none() && m.scope(c.scope).kind == ScopeKind::Function {
            continue;
        }
        let where_ = m.scope(c.scope).describe();
        let mut f = at(m, AlertId::DecodeExec, c.scope, c.line, format!("{}() runs decoded data {where_}", c.q));
        // show the decoded payload when the literal was on this line or folded into the arg
        if let Some(p) = m.payloads.iter().find(|p| p.scope == c.scope && p.line <= c.line && c.line - p.line <= 30) {
            f.message = format!("{}() runs decoded data ({}) {where_}", c.q, decode::layers(&p.decoded));
            f = f.with_evidence(&p.decoded.snippet(160));
        } else if let Some(t) = c.args.first().and_then(|a| a.text.as_deref()) {
            f = f.with_evidence(&clip(t));
        }
        out.push(f);
    }
}
