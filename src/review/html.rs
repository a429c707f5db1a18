//! The review as one HTML page (`diff --format html`), on the one page renderer
//! ([`crate::html`]): one row per new, updated or removed package with its verdict, and
//! in its details the recommendation (with the `safe-pip allow` line), the **behaviour
//! change** of an update (what the new version adds and no longer has, where the code
//! runs), then the alerts, behaviour, history, decisions and similar packages as `check`
//! shows them.

use super::model::{Advice, Change, ChangeKind, Review, dependency_note, status_summary};
use crate::db::HistoryEntry;
use crate::gate::{Gate, GateError};
use crate::html::{self, Cell, Column, Detail, Page, Row, esc};
use crate::policy::Policy;
use std::collections::HashMap;
use std::fmt::Write;

const COLUMNS: &[Column] = &[
    Column::text("Package"),
    Column::text("Change"),
    Column::text("Version"),
    Column::number("Status"),
    Column::number("Risk"),
    Column::number("Alerts"),
    Column::text("Recommendation"),
    Column::text("Where"),
];

/// The review as HTML, each project's history read from the gate's DB.
pub(crate) fn render_html(r: &Review, gate: &Gate) -> Result<String, GateError> {
    let histories = html::histories(r.changes.iter().map(|c| c.name.as_str()), gate)?;
    Ok(render(r, &histories, &gate.options().policy))
}

pub(super) fn render(r: &Review, histories: &HashMap<String, Vec<HistoryEntry>>, policy: &Policy) -> String {
    let rows = r.changes.iter().map(|c| row(c, html::history_of(histories, &c.name), policy)).collect();
    let summary = status_summary(r);
    let heads = r.lockfiles.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ");
    html::render(Page {
        command: "diff",
        subject: format!("{} → {heads}", r.base_label),
        lead: format!("{} changes:", r.changes.len()),
        notes: vec![format!("{} · Recommendation: <b>{}</b>", esc(&summary), esc(r.advice()))],
        columns: COLUMNS,
        rows,
        after: String::new(),
        foot: "Every package was read as data only — never installed, imported or run. Click a row for the recommendation, the behaviour change of an update, alerts, history and similar packages; click a column to sort.",
    })
}

fn version(c: &Change) -> String {
    match (c.kind, c.old_version(), c.new_version()) {
        (ChangeKind::Updated, Some(a), Some(b)) if a != b => format!("{a} → {b}"),
        (ChangeKind::Updated, _, Some(b)) => format!("{b} (files changed)"),
        (_, _, Some(v)) | (_, Some(v), None) => v.to_string(),
        _ => "(unpinned)".into(),
    }
}

fn row(c: &Change, history: &[HistoryEntry], policy: &Policy) -> Row {
    let status = match (c.kind, c.status()) {
        (ChangeKind::Removed, _) => "removed",
        (_, Some(s)) => s.as_str(),
        (_, None) => "skipped",
    };
    let (risk, score) = match &c.check {
        Some(p) if crate::check::html::known(p) => (Cell::risk(&p.alerts, true), i32::from(crate::score::score(&p.alerts).score)),
        Some(_) => (Cell::risk(&[], false), -1),
        None => (Cell::html("—".into(), "-2"), -2),
    };
    // how it comes in, when the lockfile records it
    let change = match (c.kind, dependency_note(c.dependency)) {
        (ChangeKind::Removed, _) | (_, None) => c.kind.as_str().to_string(),
        (kind, Some(how)) => format!("{} · {how}", kind.as_str()),
    };
    let mut detail = match &c.check {
        Some(p) => Detail::new().reason(&p.reason, p.hint.as_deref()),
        None if c.kind == ChangeKind::Removed => Detail::new().reason("removed from the lockfile: nothing of it is installed any more", None),
        None => Detail::new().reason("not installed (the project itself): nothing to judge", None),
    };
    let advice = advice(&c.advice);
    if !advice.is_empty() {
        detail = detail.section("Recommendation", &advice);
    }
    if let Some(b) = &c.behaviour {
        let mut text = String::new();
        match &b.unknown {
            Some(why) => {
                let _ = write!(text, "<p class=\"none\">unknown: {}</p>", esc(why));
            }
            None if b.changes.is_empty() => text.push_str("<p class=\"none\">unchanged: the same alerts, run at the same time</p>"),
            None => {
                let version = b.new_version.as_deref().unwrap_or("the new version");
                text.push_str("<ul class=\"chg\">");
                for ch in &b.changes {
                    let place = ch.place();
                    let at = if place.is_empty() { String::new() } else { format!(" at <code>{}</code>", esc(&place)) };
                    let _ = write!(
                        text,
                        "<li class=\"{}\">{} {} <code>{}</code>: {}{at}</li>",
                        if ch.added { "add" } else { "gone" },
                        esc(version),
                        ch.verb(),
                        ch.alert.id(),
                        esc(&ch.what())
                    );
                }
                text.push_str("</ul>");
            }
        }
        detail = detail.section("Behaviour change", &text);
    }
    let search = c.check.as_ref().map(crate::check::html::search_words).unwrap_or_default();
    detail = match &c.check {
        Some(p) => crate::check::html::judged_sections(detail, p, history, policy),
        None => detail.project(history, policy, &c.name),
    };
    Row {
        name: c.name.clone(),
        status,
        score,
        cells: vec![
            Cell::name(&c.name),
            Cell::text(&change),
            Cell::text(&version(c)),
            Cell::status(status),
            risk,
            Cell::number(c.check.as_ref().map_or(0, |p| p.alerts.len())),
            Cell::text(if c.kind == ChangeKind::Removed { "" } else { c.advice.headline() }),
            Cell::location(&c.location()),
        ],
        search,
        detail,
    }
}

/// The recommendation of one change, with the exception line when one applies.
fn advice(a: &Advice) -> String {
    let line = |label: &str, text: &str| format!("<p>{label}: <code>{}</code></p>", esc(text));
    match a {
        Advice::Nothing => String::new(),
        Advice::Safe => "<p><b>Safe to merge</b></p>".into(),
        Advice::Review { allow, next, .. } => {
            let mut out = "<p><b>Do not merge until reviewed</b></p>".to_string();
            if let Some(n) = next {
                let _ = write!(out, "<p>next: {}</p>", esc(n));
            }
            if let Some(a) = allow {
                out.push_str(&line("exception after review", a));
            }
            out
        }
        Advice::Block { allow, caution, .. } => {
            let mut out = "<p><b>Do not merge</b></p>".to_string();
            match (allow, caution) {
                (Some(a), Some(why)) => {
                    out.push_str(&line("exception", a));
                    let _ = write!(out, "<p class=\"hint\">{}</p>", esc(why));
                }
                (Some(a), None) => out.push_str(&line("exception", a)),
                _ => out.push_str("<p>remove it or pick another version; no exception applies</p>"),
            }
            out
        }
    }
}
