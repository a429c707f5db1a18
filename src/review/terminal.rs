//! The review for a terminal: one line per change, then for what is new or updated its
//! verdict, alerts, behaviour change and recommendation. Every name, version, path,
//! reason and message from a lockfile, index or package is escaped.

use super::model::{Advice, Change, ChangeKind, Review, dependency_note, status_summary};
use crate::check::Status;
use crate::report::display::{Esc, escape_terminal};
use std::fmt::Write;

pub(crate) fn render_terminal(r: &Review, color: bool, verbose: bool) -> String {
    let paint = |code: &str, s: &str| if color { format!("\x1b[{code}m{s}\x1b[0m") } else { s.to_string() };
    let mut out = String::new();
    let heads = r.lockfiles.iter().map(|p| escape_terminal(&p.display().to_string()).into_owned()).collect::<Vec<_>>().join(", ");
    let _ = writeln!(out, "{} {} → {heads}\n", paint("1", "safe-pip diff:"), Esc(&r.base_label));
    if r.changes.is_empty() {
        let _ = writeln!(out, "No dependency changed ({} unchanged).", r.unchanged);
        return out;
    }
    for c in &r.changes {
        let kind = format!("{:<8}", c.kind.as_str().to_uppercase());
        let kind = match c.kind {
            ChangeKind::Added => paint("1;36", &kind),
            ChangeKind::Updated => paint("1;34", &kind),
            ChangeKind::Removed => paint("2", &kind),
        };
        let version = match (c.kind, c.old_version(), c.new_version()) {
            (ChangeKind::Updated, Some(a), Some(b)) if a != b => format!("{} → {}", Esc(a), Esc(b)),
            (ChangeKind::Updated, _, Some(b)) => format!("{} (files changed)", Esc(b)),
            (_, _, Some(v)) | (_, Some(v), None) => Esc(v).to_string(),
            _ => "(unpinned)".into(),
        };
        let status = match c.status() {
            Some(s) => format!("  {}", label(s, &paint)),
            None if c.kind != ChangeKind::Removed => "  (not installed)".into(),
            None => String::new(),
        };
        let dependency = dependency_note(c.dependency).map(|d| format!("{d}  ")).unwrap_or_default();
        let _ = writeln!(out, "{kind} {} {version}  {dependency}{}{status}", paint("1", &Esc(&c.name).to_string()), paint("2", &escape_terminal(&c.location())));
        detail(&mut out, c, verbose);
    }
    let errors = match r.count(Status::Error) {
        0 => String::new(),
        e => format!(", {e} errors"),
    };
    let _ = writeln!(out, "\n{} {}{errors}", paint("1", "safe-pip diff:"), status_summary(r));
    let _ = writeln!(out, "Recommendation: {}", paint("1", r.advice()));
    out
}

fn label(s: Status, paint: &dyn Fn(&str, &str) -> String) -> String {
    let text = s.as_str().to_uppercase();
    match s {
        Status::Blocked | Status::Error => paint("1;31", &text),
        Status::Unverified => paint("1;35", &text),
        Status::Warned => paint("1;33", &text),
        Status::Allowed => paint("1;32", &text),
        Status::Skipped => paint("2", &text),
    }
}

fn detail(out: &mut String, c: &Change, verbose: bool) {
    const PAD: &str = "         ";
    if let Some(p) = &c.check
        && p.status != Status::Allowed
    {
        let _ = writeln!(out, "{PAD}{}", Esc(&p.reason));
        if let Some(h) = &p.hint {
            let _ = writeln!(out, "{PAD}hint: {}", Esc(h));
        }
    }
    if let Some(p) = &c.check {
        crate::check::write_alerts(out, p, verbose, PAD, "-v shows all");
    }
    if let Some(b) = &c.behaviour {
        match &b.unknown {
            Some(why) => {
                let _ = writeln!(out, "{PAD}behaviour change unknown: {}", Esc(why));
            }
            None if b.changes.is_empty() => {
                let _ = writeln!(out, "{PAD}behaviour: unchanged");
            }
            None => {
                let version = b.new_version.as_deref().unwrap_or("the new version");
                for ch in &b.changes {
                    let place = ch.place();
                    let at = if place.is_empty() { String::new() } else { format!(" at {}", Esc(&place)) };
                    let sign = if ch.added { '+' } else { '-' };
                    let _ = writeln!(out, "{PAD}{sign} {} {} {}: {}{at}", Esc(version), ch.verb(), ch.alert.id(), ch.what());
                }
            }
        }
    }
    match &c.advice {
        Advice::Nothing | Advice::Safe => {}
        Advice::Review { allow, next, .. } => {
            let _ = writeln!(out, "{PAD}→ Do not merge until reviewed");
            if let Some(n) = next {
                let _ = writeln!(out, "{PAD}  next: {}", Esc(n));
            }
            if let Some(a) = allow {
                let _ = writeln!(out, "{PAD}  exception after review: {}", Esc(a));
            }
        }
        Advice::Block { allow, caution, .. } => {
            let _ = writeln!(out, "{PAD}→ Do not merge");
            match (allow, caution) {
                (Some(a), Some(why)) => {
                    let _ = writeln!(out, "{PAD}  exception: {} ({why})", Esc(a));
                }
                (Some(a), None) => {
                    let _ = writeln!(out, "{PAD}  exception: {}", Esc(a));
                }
                _ => {
                    let _ = writeln!(out, "{PAD}  remove it or pick another version; no exception applies");
                }
            }
        }
    }
}
