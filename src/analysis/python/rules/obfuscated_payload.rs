//! Encoded payloads, decoded and rescanned.
//!
//! **Detects** string literals that a decoder call turns into code, a shell command or
//! an executable (`obfuscated-payload`, high; `obfuscated-install-code`, critical, when
//! it happens during `pip install`). The decoded text is analysed again by the same
//! analyser (bounded depth); its findings carry "in decoded payload (base64 → zlib): …"
//! and the decoded line as evidence. Strings passed verbatim to exec, and code strings
//! written to files or handed to `python -c` in install/import code, are rescanned too.
//!
//! **Why risky:** more than half of real malware is visible only after decoding.
//!
//! **Example:** `exec(base64.b64decode("aW1wb3J0IG9z…"))`.
//!
//! **Remedy:** read the decoded evidence; legitimate packages ship readable code.

use crate::analysis::python::{decode::{self, Kind}, evidence::{at, clip}, labels::Labels, model::Model, names, shellcmd};
use crate::alerts::{AlertId, Severity};
use crate::finding::{ExecContext, Finding};

fn wrap(inner: Vec<Finding>, line: u32, prefix: &str, ctx: ExecContext, keep_only_critical: bool, out: &mut Vec<Finding>) {
    for mut f in inner {
        if keep_only_critical && f.severity() != Severity::Critical {
            continue;
        }
        f.message = format!("{prefix}: {}", f.message);
        f.line = Some(line);
        if f.context.is_none() {
            f.context = Some(ctx);
        }
        out.push(f);
    }
}

/// The analyser run again over decoded source, as if it stood where the literal was (same
/// file, role and context), at the depth given. The detector list passes its own
/// rescan in, so this rule does not reach back up to the list that runs it.
pub(super) type Rescan = fn(&Model, &str, ExecContext, u32) -> Vec<Finding>;

pub(super) fn check(m: &Model, depth: u32, analyse_again: Rescan, out: &mut Vec<Finding>) {
    for p in &m.payloads {
        let ctx = m.ctx(p.scope);
        let layers = decode::layers(&p.decoded);
        let where_ = m.scope(p.scope).describe();
        let text = decode::text(&p.decoded);
        let (what, rescan) = match p.decoded.kind {
            Kind::PythonSource => ("Python code", true),
            Kind::ShellCommand => ("a shell command", false),
            Kind::Executable(k) => (if k == "PE" { "a Windows executable" } else { "an executable" }, false),
            Kind::MarshalCode => ("marshalled Python bytecode", false),
            Kind::Text | Kind::Binary => continue,
        };
        let alert = if ctx == ExecContext::Install { AlertId::ObfuscatedInstallCode } else { AlertId::ObfuscatedPayload };
        let evidence = p.decoded.snippet(160);
        out.push(at(m, alert, p.scope, p.line, format!("literal decodes ({layers}) to {what} {where_}")).with_evidence(&evidence));
        if rescan {
            let inner = analyse_again(m, &text, ctx, depth + 1);
            wrap(inner, p.line, &format!("in decoded payload ({layers})"), ctx, false, out);
        } else if p.decoded.kind == Kind::ShellCommand {
            let lower = text.to_ascii_lowercase();
            if let Some(why) = shellcmd::download_and_run(&lower) {
                out.push(at(m, AlertId::DownloadExec, p.scope, p.line, format!("in decoded payload ({layers}): command {why} {where_}")).with_evidence(&clip(&text)));
            }
        }
    }
    // exec("…source…") and code strings handed to files or interpreters
    for c in &m.calls {
        let Some(a0) = c.args.first() else { continue };
        let Some(t) = a0.text.as_deref() else { continue };
        if names::exec_call(&c.q) && a0.exact && t.len() >= 16 && !a0.labels.has(Labels::DECODED) {
            let ctx = m.ctx(c.scope);
            let inner = analyse_again(m, t, ctx, depth + 1);
            wrap(inner, c.line, &format!("in code run by {}()", c.q), ctx, false, out);
        }
    }
    for l in &m.literals {
        let v = &l.value;
        if v.len() < 30 || v.len() > 200_000 || !v.contains("import") {
            continue;
        }
        let codeish = ["exec(", "urlopen", "os.system", "subprocess", "socket", "requests."].iter().any(|k| v.contains(k));
        if !codeish {
            continue;
        }
        let ctx = m.ctx(l.scope);
        let written = m.writes.iter().any(|w| w.data_text.as_deref() == Some(v.as_str()));
        let interpreted = m.calls.iter().any(|c| names::shell_call(&c.q).is_some() && c.line >= l.line && c.line - l.line <= 3 && c.command_text().map(|t| t.contains("-c")).unwrap_or(false));
        // Only code strings that are used as code: a README example inside setup()'s
        // long_description mentions requests.get without ever running it.
        if !written && !interpreted {
            continue;
        }
        if m.calls.iter().any(|c| names::exec_call(&c.q) && c.line == l.line) {
            continue; // already rescanned above
        }
        let inner = analyse_again(m, v, ctx, depth + 1);
        wrap(inner, l.line, "in embedded code string", ctx, true, out);
    }
}
