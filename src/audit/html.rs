//! The audit as one HTML page (`audit --format html`), on the one page renderer
//! ([`crate::html`]): one row per installed distribution — tampered with after install
//! first, then by verdict — with the files whose RECORD hashes no longer match, the
//! verdict's reason, alerts, behaviour, history, decisions and similar packages; after the
//! table the `.pth` code, what is installed otherwise than locked, the folders that could
//! not be read, and the project's lockfiles as `check` shows them.

use super::report::{AuditReport, Audited, Registry};
use crate::check::Status;
use crate::db::HistoryEntry;
use crate::gate::{Gate, GateError};
use crate::html::{self, Cell, Column, Page, Row, esc};
use crate::policy::Policy;
use std::collections::HashMap;
use std::fmt::Write;

const COLUMNS: &[Column] = &[
    Column::text("Distribution"),
    Column::text("Version"),
    Column::number("Status"),
    Column::number("Risk"),
    Column::number("Alerts"),
    Column::text("Files"),
    Column::text("Where"),
];

/// The audit as HTML, each project's history read from the gate's DB.
pub(crate) fn render_html(r: &AuditReport, gate: &Gate) -> Result<String, GateError> {
    let histories = html::histories(r.distributions.iter().map(|a| a.dist.name.as_str()), gate)?;
    Ok(render(r, &histories, &gate.options().policy))
}

pub(super) fn render(r: &AuditReport, histories: &HashMap<String, Vec<HistoryEntry>>, policy: &Policy) -> String {
    let rows = r.distributions.iter().map(|a| row(a, html::history_of(histories, &a.dist.name), policy)).collect();
    let mut notes = Vec::new();
    if let Some(p) = &r.python {
        notes.push(format!("python <code>{}</code>", esc(&p.display().to_string())));
    }
    notes.extend(super::render::online_summary(r).map(|line| esc(&line)));
    html::render(Page {
        command: "audit",
        subject: r.sites.iter().map(|s| s.display().to_string()).collect::<Vec<_>>().join(", "),
        lead: format!("{} distributions in", r.distributions.len()),
        notes,
        columns: COLUMNS,
        rows,
        after: after(r),
        foot: "The environment was read as data only — nothing of it was imported or run. Click a row for the files changed since install, alerts, behaviour, history and similar packages; click a column to sort.",
    })
}

fn row(a: &Audited, history: &[HistoryEntry], policy: &Policy) -> Row {
    let p = &a.check;
    let known = crate::check::html::known(p);
    let status = if a.tampered() { "tampered" } else { p.status.as_str() };
    let files = if a.integrity.no_record {
        "no RECORD".to_string()
    } else if a.tampered() {
        format!("{} changed or missing", a.integrity.problems.len())
    } else {
        format!("{} intact", a.integrity.intact)
    };
    let mut detail = html::Detail::new();
    if a.tampered() {
        let mut t = String::from("<table class=\"plain\"><tr><th>Problem</th><th>File</th><th>What</th></tr>");
        for pr in &a.integrity.problems {
            let _ = write!(t, "<tr><td>{}</td><td><code>{}</code></td><td>{}</td></tr>", pr.kind(), esc(pr.path()), esc(&pr.describe()));
        }
        let _ = write!(
            t,
            "</table><p class=\"hint\">its files no longer match what was installed: find out what changed them, then reinstall it (<code>pip install --force-reinstall --no-deps {}=={}</code>)</p>",
            esc(&a.dist.name),
            esc(&a.dist.version)
        );
        detail = detail.section("Changed since install", &t);
    }
    detail = detail.reason(&p.reason, p.hint.as_deref());
    if let Some(g) = &a.registry {
        let text = match g {
            Registry::Checked { alerts } if alerts.is_empty() => "<p>checked on the index: no registry alert (status, yank, inactivity, known vulnerabilities)</p>".to_string(),
            Registry::Checked { alerts } => format!("<p>checked on the index: <code>{}</code> (see the alerts)</p>", esc(&alerts.join(", "))),
            Registry::NotFound { reason } => format!("<p class=\"none\">not on the index: {}</p>", esc(reason)),
            Registry::NotAsked { reason } => format!("<p class=\"none\">not asked: {}</p>", esc(reason)),
        };
        detail = detail.section("Registry", &text);
    }
    detail = crate::check::html::judged_sections(detail, p, history, policy);
    Row {
        name: a.dist.name.clone(),
        status,
        score: if known { i32::from(crate::score::score(&p.alerts).score) } else { -1 },
        cells: vec![
            Cell::name(&a.dist.name),
            Cell::text(&a.dist.version),
            Cell::status(status),
            Cell::risk(&p.alerts, known),
            Cell::number(p.alerts.len()),
            Cell::text(&files),
            Cell::location(&a.dist.meta_dir.display().to_string()),
        ],
        search: format!("{} {}", crate::check::html::search_words(p), a.integrity.problems.iter().map(|pr| pr.path()).collect::<Vec<_>>().join(" ")),
        detail,
    }
}

/// The sections after the table: `.pth` code, drift, unreadable folders, the project.
fn after(r: &AuditReport) -> String {
    let mut out = String::new();
    if !r.pth.is_empty() {
        out.push_str("<section class=\"after\"><h3>Code in .pth files (the interpreter runs it at every start)</h3><table class=\"plain\"><tr><th>File</th><th>Code</th><th>Accounted for</th></tr>");
        for p in &r.pth {
            let whose = match (&p.recorded_by, &p.note) {
                (Some(d), _) => format!("installed by {}", esc(d)),
                (None, Some(n)) => esc(n),
                (None, None) => "<span class=\"st tampered\">no installed distribution lists this file</span>".into(),
            };
            let _ = write!(out, "<tr><td><code>{}:{}</code></td><td><code>{}</code></td><td>{whose}</td></tr>", esc(&p.file.display().to_string()), p.line, esc(&p.code));
        }
        out.push_str("</table></section>\n");
    }
    if !r.unreadable.is_empty() {
        out.push_str("<section class=\"after\"><h3>Could not be read</h3><ul>");
        for (path, why) in &r.unreadable {
            let _ = write!(out, "<li><code>{}</code>: {}</li>", esc(&path.display().to_string()), esc(why));
        }
        out.push_str("</ul></section>\n");
    }
    if !r.drift.is_empty() {
        out.push_str("<section class=\"after\"><h3>Installed otherwise than locked</h3><ul>");
        for d in &r.drift {
            let now = match &d.installed {
                Some(v) => format!("{} is installed", esc(v)),
                None => "not installed".into(),
            };
            let _ = write!(out, "<li><code>{}</code> {} locked at <code>{}</code>; {now}</li>", esc(&d.name), esc(&d.locked), esc(&d.location));
        }
        out.push_str("</ul></section>\n");
    }
    if let Some(project) = &r.project {
        out.push_str("<section class=\"after\"><h3>Project lockfiles</h3><table class=\"plain\"><tr><th>Package</th><th>Version</th><th>Status</th><th>Why</th><th>Where</th></tr>");
        for p in project.packages.iter().filter(|p| p.status != Status::Skipped) {
            let _ = write!(
                out,
                "<tr><td><code>{}</code></td><td>{}</td><td><span class=\"st {s}\">{s}</span></td><td>{}</td><td><code>{}</code></td></tr>",
                esc(&p.name),
                esc(p.version.as_deref().unwrap_or("")),
                esc(&p.reason),
                esc(&p.location),
                s = p.status.as_str(),
            );
        }
        out.push_str("</table></section>\n");
    }
    out
}
