//! `safe-pip config`: the effective settings, each with its value and origin, the locked
//! keys, the internal-name rules and the documented decisions (expired ones marked).

use super::day::Day;
use super::decisions::DocumentedDecision;
use super::settings::Settings;
use serde_json::json;
use std::fmt::Write;

/// Version of the `safe-pip config --format json` document.
pub const CONFIG_SCHEMA_VERSION: u32 = 1;

pub fn render_text(s: &Settings, today: Day) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "Config files (later ones override earlier ones):");
    for f in &s.files {
        let state = if f.found { "read" } else { "not found" };
        let _ = writeln!(out, "  {:<10} {}  ({}; {state})", f.layer.as_str(), f.path.display(), f.chosen_by);
    }
    if !s.files.iter().any(|f| f.layer == super::origin::Layer::Project) {
        let _ = writeln!(out, "  {:<10} no pyproject.toml at or above the project directory", "project");
    }
    let _ = writeln!(out, "\nSettings (block > warn > ignore; ignore: the alert does not count toward the verdict):");
    let width = s.entries.iter().map(|e| e.key.len()).max().unwrap_or(0);
    for e in &s.entries {
        let value = match &e.value {
            serde_json::Value::String(v) => v.clone(),
            other => other.to_string(),
        };
        let lock = e.locked_by.as_ref().map(|o| format!("  [locked by {o}]")).unwrap_or_default();
        let _ = writeln!(out, "  {:<width$}  {value:<8} {}{lock}", e.key, e.origin);
    }
    if !s.locks.is_empty() {
        let _ = writeln!(out, "\nLocked by the org file (lower layers may only tighten these):");
        for l in &s.locks {
            let _ = writeln!(out, "  {:<width$}  {}", l.value, l.origin);
        }
    }
    let _ = writeln!(out, "\nInternal names (dependency confusion):");
    if s.internal_rules.is_empty() {
        let _ = writeln!(out, "  none");
    }
    for r in &s.internal_rules {
        let from = r.value.index.as_deref().map(crate::redact::redact).unwrap_or_else(|| "any index but public PyPI".into());
        let _ = writeln!(out, "  {}  from {from}  ({})", r.value.pattern, r.origin);
    }
    let _ = writeln!(out, "\nDecisions:");
    if s.policy.decisions.is_empty() {
        let _ = writeln!(out, "  none (`safe-pip allow NAME --alert ID --reason …` documents one)");
    }
    for d in &s.policy.decisions {
        let expired = if d.is_expired(today) { "  EXPIRED" } else { "" };
        let alerts = if d.alerts.is_empty() { String::new() } else { format!("  alerts: {}", d.alerts.iter().map(|a| a.id()).collect::<Vec<_>>().join(", ")) };
        let until = d.until.map(|u| format!(" until {u}")).unwrap_or_default();
        let _ = writeln!(out, "  {} {} {}{alerts}{expired}", d.action.as_str(), d.package, d.spec());
        let _ = writeln!(out, "      by {} on {}{until}  ({})", d.by, d.date, d.origin);
        let _ = writeln!(out, "      \"{}\"", d.reason);
    }
    out
}

pub fn render_json(s: &Settings, today: Day) -> String {
    let doc = json!({
        "schema_version": CONFIG_SCHEMA_VERSION,
        "files": s.files,
        "settings": s.entries,
        "locks": s.locks.iter().map(|l| json!({"key": l.value, "origin": l.origin})).collect::<Vec<_>>(),
        "internal": s.internal_rules.iter().map(|r| json!({"pattern": r.value.pattern, "index": r.value.index.as_deref().map(crate::redact::redact), "origin": r.origin})).collect::<Vec<_>>(),
        "decisions": s.policy.decisions.iter().map(|d| decision_json(d, today)).collect::<Vec<_>>(),
    });
    let mut text = serde_json::to_string_pretty(&doc).unwrap_or_else(|_| "{}".into());
    text.push('\n');
    text
}

fn decision_json(d: &DocumentedDecision, today: Day) -> serde_json::Value {
    json!({
        "package": d.package,
        "version": d.spec(),
        "action": d.action,
        "alerts": d.alerts,
        "reason": d.reason,
        "by": d.by,
        "date": d.date.to_string(),
        "until": d.until.map(|u| u.to_string()),
        "expired": d.is_expired(today),
        "origin": d.origin,
    })
}
