//! The check report for people (terminal) and machines (JSON, `schema_version` 1,
//! documented in docs/json-report.md).

use super::{CheckReport, PackageCheck, Status, source_kind};
use crate::alerts::Severity;
use crate::policy::Action;
use serde_json::{Value, json};
use std::fmt::Write;

/// Alerts shown per package in the terminal (all of them with -v or in JSON).
const ALERTS_SHOWN: usize = 3;

/// Statuses in the order the terminal lists them.
const ORDER: [Status; 5] = [Status::Blocked, Status::Error, Status::Unverified, Status::Warned, Status::Allowed];

pub fn render_json(r: &CheckReport) -> String {
    let doc = json!({
        "schema_version": 1,
        "tool": { "name": "safe-pip", "version": env!("CARGO_PKG_VERSION") },
        "command": "check",
        "fetched": r.fetched,
        "unverified_action": r.unverified_action,
        "lockfiles": r.lockfiles.iter().map(|l| json!({
            "path": l.path.display().to_string(),
            "format": l.format.name(),
            "packages": l.packages,
            "warnings": l.warnings.iter().map(|w| w.to_string()).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "packages": r.packages.iter().map(package).collect::<Vec<_>>(),
        "summary": summary(r),
        "exit_code": r.exit_code(),
    });
    serde_json::to_string_pretty(&doc).unwrap_or_default() + "\n"
}

fn summary(r: &CheckReport) -> Value {
    json!({
        "packages": r.packages.len(),
        "allowed": r.count(Status::Allowed),
        "warned": r.count(Status::Warned),
        "blocked": r.count(Status::Blocked),
        "unverified": r.count(Status::Unverified),
        "errors": r.count(Status::Error),
    })
}

fn package(p: &PackageCheck) -> Value {
    json!({
        "name": p.name,
        "version": p.version,
        "lockfile": p.lockfile.display().to_string(),
        "location": p.location,
        "source": source_kind(&p.source),
        "status": p.status,
        "reason": p.reason,
        "hint": p.hint,
        "files": p.files.iter().map(|f| json!({
            "filename": f.filename,
            "sha256": f.sha256,
            "status": f.status,
            "reason": f.reason,
            "hint": f.hint,
            "score": f.report.as_ref().map(|r| r.risk.score),
            "fetched": f.fetched,
        })).collect::<Vec<_>>(),
        "alerts": p.alerts.iter().map(crate::report::json::alert).collect::<Vec<_>>(),
    })
}

pub fn render_terminal(r: &CheckReport, color: bool, verbose: bool) -> String {
    let paint = |code: &str, s: &str| if color { format!("\x1b[{code}m{s}\x1b[0m") } else { s.to_string() };
    let label = |s: Status| {
        let text = format!("{:<10}", s.as_str().to_uppercase());
        match s {
            Status::Blocked | Status::Error => paint("1;31", &text),
            Status::Unverified => paint("1;35", &text),
            Status::Warned => paint("1;33", &text),
            Status::Allowed => paint("1;32", &text),
        }
    };
    let mut out = String::new();
    for status in ORDER {
        let of: Vec<&PackageCheck> = r.packages.iter().filter(|p| p.status == status).collect();
        if status == Status::Allowed && !verbose && !of.is_empty() {
            let names: Vec<String> = of.iter().map(|p| title(p)).collect();
            let _ = writeln!(out, "{} {}", label(status), names.join(", "));
            continue;
        }
        for p in of {
            let files = if p.files.len() > 1 { format!(" · {} files", p.files.len()) } else { String::new() };
            let _ = writeln!(out, "{} {}  {}{files}", label(status), paint("1", &title(p)), paint("2", &p.location));
            let _ = writeln!(out, "           {}", p.reason);
            if let Some(h) = &p.hint {
                let _ = writeln!(out, "           hint: {h}");
            }
            let shown = if verbose { usize::MAX } else { ALERTS_SHOWN };
            // An advisory's message is already the reason.
            let notable: Vec<_> = p.alerts.iter().filter(|f| (verbose || f.severity() >= Severity::Medium) && f.message != p.reason).collect();
            for f in notable.iter().take(shown) {
                let place = match (f.file.is_empty(), f.line) {
                    (true, _) => String::new(),
                    (false, Some(l)) => format!(" {}:{l}", f.file),
                    (false, None) => format!(" {}", f.file),
                };
                let _ = writeln!(out, "           {:<8} {}{place}  {}", f.severity().as_str(), f.alert.id(), f.message);
            }
            if notable.len() > shown {
                let _ = writeln!(out, "           … and {} more (-v or --format json shows all)", notable.len() - shown);
            }
        }
    }
    let warnings: usize = r.lockfiles.iter().map(|l| l.warnings.len()).sum();
    if verbose {
        for w in r.lockfiles.iter().flat_map(|l| &l.warnings) {
            let _ = writeln!(out, "note: {w}");
        }
    }
    let files = r.lockfiles.iter().map(|l| l.path.display().to_string()).collect::<Vec<_>>().join(", ");
    let _ = writeln!(
        out,
        "\n{} {} packages in {files}: {} blocked, {} unverified, {} warned, {} allowed{}",
        paint("1", "safe-pip check:"),
        r.packages.len(),
        r.count(Status::Blocked),
        r.count(Status::Unverified),
        r.count(Status::Warned),
        r.count(Status::Allowed),
        match r.count(Status::Error) {
            0 => String::new(),
            n => format!(", {n} errors"),
        }
    );
    if warnings > 0 && !verbose {
        let _ = writeln!(out, "{warnings} lockfile notes (-v shows them)");
    }
    if r.count(Status::Unverified) > 0 {
        let what = match r.unverified_action {
            Action::Block => "unverified packages fail the check (exit 3)",
            Action::Warn | Action::Allow => "unverified packages are let through (--allow-unverified)",
        };
        let remedy = if r.fetched { "vet them, pin file hashes, or scan local sources" } else { "`safe-pip check --fetch` downloads and scans the missing files" };
        let _ = writeln!(out, "{what}; {remedy}");
    }
    out
}

fn title(p: &PackageCheck) -> String {
    match &p.version {
        Some(v) => format!("{} {v}", p.name),
        None => p.name.clone(),
    }
}
