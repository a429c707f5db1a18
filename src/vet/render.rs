//! The vet report for people (terminal) and for machines (JSON, the scan report's `schema_version`,
//! documented in docs/json-report.md). The terminal report escapes all text from the
//! index and the packages; JSON keeps it exact.

use super::report::{VetReport, VetStatus};
use crate::alerts::Severity;
use crate::policy::Action;
use crate::report::display::{Esc, escape_terminal};
use serde_json::json;
use std::fmt::Write;

pub(crate) fn render_json(reports: &[VetReport]) -> String {
    let packages: Vec<serde_json::Value> = reports
        .iter()
        .map(|r| {
            let mut v = serde_json::to_value(r).unwrap_or_default();
            v["findings"] = serde_json::Value::Null;
            if let Some(o) = v.as_object_mut() {
                o.remove("findings");
                o.insert("verdict".into(), json!(if r.is_unverified() { "unverified" } else { r.decision.verdict.as_str() }));
                o.insert("alerts".into(), json!(r.findings.iter().map(crate::report::json::alert).collect::<Vec<_>>()));
            }
            v
        })
        .collect();
    let doc = json!({
        "schema_version": crate::report::json::SCHEMA_VERSION,
        "tool": { "name": "safe-pip", "version": env!("CARGO_PKG_VERSION") },
        "command": "vet",
        "packages": packages,
    });
    serde_json::to_string_pretty(&doc).unwrap_or_default() + "\n"
}

pub(crate) fn render_terminal(reports: &[VetReport], color: bool) -> String {
    let paint = |code: &str, s: &str| if color { format!("\x1b[{code}m{s}\x1b[0m") } else { s.to_string() };
    let mut out = String::new();
    for r in reports {
        let verdict = if r.is_unverified() {
            paint("1;35", "UNVERIFIED")
        } else {
            match r.decision.verdict {
                Action::Block => paint("1;31", "BLOCK"),
                Action::Warn => paint("1;33", "WARN"),
                Action::Allow => paint("1;32", "ALLOW"),
            }
        };
        let version = r.version.as_deref().map(|v| format!(" {}", Esc(v))).unwrap_or_default();
        let _ = writeln!(out, "{}{}  {}  risk {}/100 ({})", paint("1", &escape_terminal(&r.name)), version, verdict, r.risk.score, r.risk.level.as_str());
        if let Some(s) = &r.summary {
            let _ = writeln!(out, "  {}", crate::finding::clip_evidence(s));
        }
        match &r.status {
            VetStatus::Checked => {}
            VetStatus::Unverified { reason } => {
                let _ = writeln!(out, "  {} {}", paint("35", "unverified:"), Esc(reason));
            }
            VetStatus::NotFound { reason } => {
                let _ = writeln!(out, "  {} {}", paint("35", "not found:"), Esc(reason));
            }
            VetStatus::Error { message, hint } => {
                let _ = writeln!(out, "  {} {}\n  hint: {}", paint("31", "error:"), Esc(message), Esc(hint));
            }
        }
        let _ = writeln!(out, "\n  {}", paint("1", "Package legitimacy"));
        match r.popularity_rank {
            Some(rank) => {
                let _ = writeln!(out, "    #{rank} among the most-downloaded PyPI projects");
            }
            None => {
                let _ = writeln!(out, "    not among the 15,000 most-downloaded PyPI projects");
            }
        }
        if !r.similar.is_empty() {
            let list: Vec<String> = r.similar.iter().map(|s| format!("{} (#{}, {})", Esc(&s.name), s.rank, Esc(&s.why))).collect();
            let _ = writeln!(out, "    similar packages: {}", list.join("; "));
        }
        if let Some(h) = &r.history {
            let _ = writeln!(out, "\n  {}", paint("1", "History"));
            if let (Some(first), Some(latest)) = (&h.first_release, &h.latest_release) {
                let _ = writeln!(
                    out,
                    "    {} releases since {} ({}); latest {} on {}",
                    h.release_count,
                    Esc(&first.date),
                    Esc(&first.version),
                    Esc(&latest.version),
                    Esc(&latest.date)
                );
            } else {
                let _ = writeln!(out, "    {} releases (no upload dates on this index)", h.release_count);
            }
            let cadence = h.median_days_between_releases.map(|d| format!(", a release every ~{d:.0} days (median)")).unwrap_or_default();
            let _ = writeln!(out, "    {} in the last year{cadence}", h.releases_last_year);
        }
        if !r.seen.is_empty() {
            let _ = writeln!(out, "\n  {}", paint("1", "Seen before (verdict DB)"));
            for s in &r.seen {
                let version = s.version.as_deref().unwrap_or("(no version)");
                let when = crate::analysis::metadata::time::format_date(s.last_scanned);
                let _ = writeln!(out, "    {}  {} · {} file(s) · last analysed {when}", Esc(version), Esc(&s.verdict), s.files);
            }
        }
        if !r.files.is_empty() {
            let _ = writeln!(out, "\n  {}", paint("1", "Files scanned (sha256 verified)"));
            for f in &r.files {
                let _ = writeln!(out, "    {}  {} · risk {} · {} alerts", Esc(&f.filename), f.verdict.as_str(), f.score, f.alerts);
            }
        }
        if !r.behaviour.is_empty() {
            let _ = writeln!(out, "\n  {}", paint("1", "Behaviour"));
            for b in &r.behaviour {
                let _ = writeln!(out, "    {:<18} runs at {} · {} · e.g. {}", b.capability, b.contexts.join(", "), b.alerts.join(", "), Esc(&b.example));
            }
        }
        let _ = writeln!(out, "\n  {}", paint("1", "Alerts"));
        if r.findings.is_empty() {
            let _ = writeln!(out, "    none");
        }
        for sev in Severity::ALL {
            let of: Vec<_> = r.findings.iter().filter(|f| f.severity() == sev).collect();
            for f in of.iter().take(if sev >= Severity::High { usize::MAX } else { 6 }) {
                let place = match (f.file.is_empty(), f.line) {
                    (true, _) => String::new(),
                    (false, Some(l)) => format!(" at {}:{l}", Esc(&f.file)),
                    (false, None) => format!(" at {}", Esc(&f.file)),
                };
                let _ = writeln!(out, "    {:<8} {}{}\n             {}", sev.as_str(), f.alert.id(), place, Esc(&f.message));
            }
            if of.len() > 6 && sev < Severity::High {
                let _ = writeln!(out, "    … and {} more {} alerts (--format json shows all)", of.len() - 6, sev.as_str());
            }
        }
        let _ = writeln!(out, "\n  {} {}\n", paint("1", "Recommendation:"), Esc(&r.recommendation));
    }
    out
}
