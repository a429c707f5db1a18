//! `safe-pip install --format json`: one JSON document on stdout after pip exits (pip's
//! own output goes to stderr then). Shape (`schema` "safe-pip-install/1"; additive
//! changes keep the version):
//!
//! ```text
//! { schema, tool: {name, version}, exit_code,
//!   pip: {ran, exit_code|null, version|null},
//!   files: [{filename, name, version, project, source: index|local|url|find-links, location,
//!            verdict: allow|warn|block, served, from_db, reason, basis, score, level, sha256,
//!            alerts: [{id, severity, category, title, file, line, message, evidence, context, remediation}]}],
//!   refused: [{kind: name|blocked|unverifiable, subject, origin, reason, hint}],
//!   unverified: [{subject, origin, reason}],
//!   hidden: [{project, filename, index, reason}],
//!   notes: [string], error: null | {message, hint},
//!   summary: {files, blocked, warned, allowed, from_db, refused} }
//! ```

use super::outcome::{CheckedFile, Outcome, RefusalKind};
use crate::policy::Action;
use serde_json::{Value, json};

pub(crate) const SCHEMA: &str = "safe-pip-install/1";

fn file(f: &CheckedFile) -> Value {
    let r = &f.report;
    let verdict = if f.blocked() { Action::Block } else { r.decision.verdict };
    json!({
        "filename": r.filename,
        "name": r.name,
        "version": r.version,
        "project": f.project,
        "source": f.source.kind(),
        "location": f.source.location(),
        "verdict": verdict,
        "served": f.served,
        "from_db": f.from_db,
        "reason": r.decision.reason(),
        "basis": r.decision.basis,
        "score": r.risk.score,
        "level": r.risk.level,
        "sha256": r.sha256,
        "error": r.error,
        "alerts": r.findings.iter().map(crate::report::json::alert).collect::<Vec<_>>(),
    })
}

pub(crate) fn render(o: &Outcome) -> String {
    let files = o.unique_files();
    let count = |v: Action| files.iter().filter(|f| !f.blocked() && f.report.decision.verdict == v).count();
    let doc = json!({
        "schema": SCHEMA,
        "tool": { "name": "safe-pip", "version": env!("CARGO_PKG_VERSION") },
        "exit_code": o.exit_code().code(),
        "pip": { "ran": o.pip_ran, "exit_code": o.pip_exit, "version": o.pip_version },
        "files": files.iter().map(|f| file(f)).collect::<Vec<_>>(),
        "refused": o.refused.iter().map(|r| json!({
            "kind": match r.kind { RefusalKind::Name => "name", RefusalKind::Blocked => "blocked", RefusalKind::Unverifiable => "unverifiable" },
            "subject": r.subject, "origin": r.origin, "reason": r.reason, "hint": r.hint,
        })).collect::<Vec<_>>(),
        "unverified": o.unverified.iter().map(|u| json!({"subject": u.subject, "origin": u.origin, "reason": u.reason})).collect::<Vec<_>>(),
        "hidden": o.hidden.iter().map(|h| json!({"project": h.project, "filename": h.filename, "index": h.index, "reason": h.reason})).collect::<Vec<_>>(),
        "notes": o.notes,
        "error": o.error.as_ref().map(|e| json!({"message": e.message(), "hint": e.hint()})),
        "summary": {
            "files": files.len(),
            "blocked": files.iter().filter(|f| f.blocked()).count(),
            "warned": count(Action::Warn),
            "allowed": count(Action::Allow),
            "from_db": files.iter().filter(|f| f.from_db).count(),
            "refused": o.refused.len(),
        },
    });
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    s.push('\n');
    s
}
