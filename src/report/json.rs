//! `--format json`: the machine-readable report. The schema is versioned
//! (`schema_version`) and documented in docs/json-report.md with a JSON Schema in
//! docs/scan-report.schema.json; additive changes keep the version, anything else bumps it.

use crate::pipeline::PackageReport;
use crate::policy::Action;
use serde_json::{Value, json};

pub const SCHEMA_VERSION: u32 = 1;

pub fn render(reports: &[PackageReport]) -> String {
    let count = |v: Action| reports.iter().filter(|r| r.decision.verdict == v).count();
    let doc = json!({
        "schema_version": SCHEMA_VERSION,
        "tool": { "name": "safe-pip", "version": env!("CARGO_PKG_VERSION") },
        "packages": reports.iter().map(package).collect::<Vec<_>>(),
        "summary": {
            "packages": reports.len(),
            "allowed": count(Action::Allow),
            "warned": count(Action::Warn),
            "blocked": count(Action::Block),
            "errors": reports.iter().filter(|r| r.error.is_some()).count(),
        },
    });
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    s.push('\n');
    s
}

fn package(r: &PackageReport) -> Value {
    let mut v = json!({
        "path": r.path.display().to_string(),
        "filename": r.filename,
        "name": r.name,
        "version": r.version,
        "kind": r.kind,
        "sha256": r.sha256,
        "verdict": r.decision.verdict,
        "reason": r.decision.reason,
        "score": r.risk.score,
        "level": r.risk.level,
        "alerts": r.findings.iter().map(alert).collect::<Vec<_>>(),
        "error": r.error,
    });
    if let (Some(t), Some(obj)) = (&r.timings, v.as_object_mut()) {
        let phases: serde_json::Map<String, Value> = crate::timings::PHASES.iter().map(|(p, name)| (name.to_string(), json!((t.0[*p as usize] * 1e6).round() / 1e6))).collect();
        obj.insert("timings_s".into(), Value::Object(phases));
    }
    v
}

/// One alert as the reports show it: catalogue facts plus where and what was seen.
pub fn alert(f: &crate::finding::Finding) -> Value {
    let info = f.alert.info();
    json!({
        "id": info.id,
        "severity": info.severity,
        "category": info.category,
        "title": info.title,
        "file": f.file,
        "line": f.line,
        "message": f.message,
        "evidence": f.evidence,
        "context": f.context,
        "remediation": info.remediation,
    })
}
