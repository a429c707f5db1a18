//! The review as a pull-request comment (GitHub-flavoured Markdown), in the organisation
//! standard's format: the recommendation and a summary table first — what needs a person
//! in the table, allowed changes and removals folded into `<details>` so a change of 100+
//! packages stays readable — then one block per new or updated dependency: verdict and
//! risk, issues by severity with file and one line of evidence, the behaviour change, and
//! the recommendation with the exact `safe-pip allow …` line when an exception can be
//! documented. Every string from a lockfile or package is an escaped code span
//! ([`crate::report::markdown`]); the comment stays under GitHub's 65,536 characters
//! (blocks that do not fit are named at the end).

use super::model::{Advice, Change, ChangeKind, Review, added_summary, dependency_label, dependency_note};
use crate::alerts::Severity;
use crate::check::{PackageCheck, Status};
use crate::report::display::escape_terminal;
use crate::report::markdown::{code, code_cell};
use crate::score::RiskLevel;
use std::fmt::Write;

/// Room for the blocks; the rest of the comment is small (GitHub's limit is 65,536).
const BUDGET: usize = 60_000;

/// Issues listed per package; more are counted.
const ISSUES_SHOWN: usize = 10;

pub(crate) fn render_markdown(r: &Review) -> String {
    let mut out = String::from("## 🔒 safe-pip dependency review\n\n");
    let heads = r.lockfiles.iter().map(|p| code(&p.display().to_string())).collect::<Vec<_>>().join(", ");
    let _ = writeln!(out, "**Recommendation: {}**\n", r.advice());
    let _ = writeln!(out, "Base {} → {heads}\n", code(&r.base_label));
    if r.changes.is_empty() {
        let _ = writeln!(out, "No dependency changed ({} unchanged).", r.unchanged);
        return out;
    }
    let n = |k| r.of(k).count();
    let _ = writeln!(
        out,
        "{} · {} updated · {} removed · {} unchanged — {} blocked · {} to review · {} allowed\n",
        added_summary(r),
        n(ChangeKind::Updated),
        n(ChangeKind::Removed),
        r.unchanged,
        r.count(Status::Blocked),
        r.count(Status::Warned) + r.count(Status::Unverified) + r.count(Status::Error),
        r.count(Status::Allowed) + r.count(Status::Skipped),
    );

    let attention: Vec<&Change> = ordered(r).into_iter().filter(|c| matches!(c.advice, Advice::Review { .. } | Advice::Block { .. })).collect();
    let quiet: Vec<&Change> = r.changes.iter().filter(|c| c.kind != ChangeKind::Removed && matches!(c.advice, Advice::Safe | Advice::Nothing)).collect();
    let removed: Vec<&Change> = r.of(ChangeKind::Removed).collect();
    if !attention.is_empty() {
        table(&mut out, &attention);
    }
    if !quiet.is_empty() {
        let _ = writeln!(out, "<details><summary>{} allowed change{}</summary>\n", quiet.len(), plural(quiet.len()));
        table(&mut out, &quiet);
        out.push_str("</details>\n\n");
    }
    if !removed.is_empty() {
        let _ = writeln!(out, "<details><summary>{} removed</summary>\n", removed.len());
        let list: Vec<String> = removed.iter().map(|c| format!("{} ({})", code(&c.spec()), code(&c.location()))).collect();
        let _ = writeln!(out, "{}\n", list.join(" · "));
        out.push_str("</details>\n\n");
    }

    let mut left: Vec<String> = Vec::new();
    for c in &attention {
        let b = block(c);
        if out.len() + b.len() > BUDGET {
            left.push(code(&c.spec()));
        } else {
            out.push_str("---\n\n");
            out.push_str(&b);
        }
    }
    let with_notes: Vec<&Change> = quiet.iter().copied().filter(|c| notable(c)).collect();
    if !with_notes.is_empty() {
        let mut section = format!("<details><summary>Notes on {} allowed change{}</summary>\n\n", with_notes.len(), plural(with_notes.len()));
        for c in &with_notes {
            let b = block(c);
            if out.len() + section.len() + b.len() > BUDGET {
                left.push(code(&c.spec()));
            } else {
                section.push_str(&b);
            }
        }
        section.push_str("</details>\n\n");
        out.push_str(&section);
    }
    if !left.is_empty() {
        let _ = writeln!(out, "_{} more block{} did not fit in one comment ({}): run `{}` locally._\n", left.len(), plural(left.len()), left.join(", "), r.invoked_as);
    }
    out
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// Blocked first, then to review; new before updated; by name.
fn ordered(r: &Review) -> Vec<&Change> {
    let mut v: Vec<&Change> = r.changes.iter().collect();
    v.sort_by_key(|c| (std::cmp::Reverse(rank(c)), c.kind, c.name.to_ascii_lowercase()));
    v
}

fn rank(c: &Change) -> u8 {
    match c.status() {
        Some(Status::Blocked) => 5,
        Some(Status::Error) => 4,
        Some(Status::Unverified) => 3,
        Some(Status::Warned) => 2,
        _ => 0,
    }
}

/// An allowed change worth a block: medium or worse alerts, or a behaviour change.
fn notable(c: &Change) -> bool {
    let alerts = c.check.as_ref().is_some_and(|p| p.alerts.iter().any(|f| f.severity() >= Severity::Medium));
    let behaviour = c.behaviour.as_ref().is_some_and(|b| !b.changes.is_empty());
    alerts || behaviour
}

fn icon(c: &Change) -> &'static str {
    match c.status() {
        Some(Status::Blocked) => "🚫",
        Some(Status::Error) | Some(Status::Unverified) => "❔",
        Some(Status::Warned) => "⚠️",
        Some(Status::Allowed) => "✅",
        Some(Status::Skipped) => "⏭️",
        None => "·",
    }
}

fn change_cell(c: &Change) -> String {
    match (c.kind, c.old_version(), c.new_version()) {
        (ChangeKind::Updated, Some(a), Some(b)) if a != b => format!("{} → {}", code_cell(a), code_cell(b)),
        (ChangeKind::Updated, _, Some(b)) => format!("{} (files changed)", code_cell(b)),
        (kind, _, Some(v)) => format!("{} {}", kind.as_str(), code_cell(v)),
        (kind, _, None) => format!("{} (unpinned)", kind.as_str()),
    }
}

fn verdict_word(c: &Change) -> &'static str {
    match c.status() {
        Some(s) => s.as_str(),
        None => "not installed",
    }
}

/// "1 critical, 2 high" over the alerts; behaviour "+2 −1".
fn issues_cell(c: &Change) -> String {
    let mut parts: Vec<String> = Vec::new();
    if let Some(p) = &c.check {
        for s in Severity::ALL {
            let n = distinct(p).iter().filter(|f| f.severity() == s).count();
            if n > 0 {
                parts.push(format!("{n} {s}"));
            }
        }
        if matches!(p.status, Status::Unverified | Status::Error) {
            parts.push(if p.status == Status::Error { "not checked".into() } else { "not verified".into() });
        }
    }
    if let Some(b) = &c.behaviour {
        match &b.unknown {
            Some(_) => parts.push("behaviour ?".into()),
            None if !b.changes.is_empty() => parts.push(format!("behaviour +{} −{}", b.added().count(), b.removed().count())),
            None => {}
        }
    }
    if parts.is_empty() { "—".into() } else { parts.join(", ") }
}

fn table(out: &mut String, changes: &[&Change]) {
    out.push_str("| | Package | Change | Dependency | Verdict | Issues |\n|---|---|---|---|---|---|\n");
    for c in changes {
        let _ = writeln!(out, "| {} | {} | {} | {} | {} | {} |", icon(c), code_cell(&c.name), change_cell(c), dependency_label(c.dependency), verdict_word(c), issues_cell(c));
    }
    out.push('\n');
}

/// Alerts of a package, one per (alert, file, line), most severe first.
fn distinct(p: &PackageCheck) -> Vec<&crate::finding::Finding> {
    let mut seen = std::collections::BTreeSet::new();
    p.alerts.iter().filter(|f| seen.insert((f.alert, f.file.as_str(), f.line))).collect()
}

/// The highest risk among the files that count.
fn risk(p: &PackageCheck) -> Option<(u8, RiskLevel)> {
    p.counted().filter_map(|f| f.report.as_ref()).map(|r| (r.risk.score, r.risk.level)).max_by_key(|(s, _)| *s)
}

fn block(c: &Change) -> String {
    let mut out = String::new();
    let title = match c.kind {
        ChangeKind::Added => "New dependency",
        ChangeKind::Updated => "Updated dependency",
        ChangeKind::Removed => "Removed dependency",
    };
    let what = match (c.kind, c.old_version(), c.new_version()) {
        (ChangeKind::Updated, Some(a), Some(b)) if a != b => format!("{} {} → {}", code(&c.name), code(a), code(b)),
        _ => code(&c.spec()),
    };
    let _ = writeln!(out, "### {} {title}: {what}\n", icon(c));
    let mut facts: Vec<String> = dependency_note(c.dependency).map(str::to_string).into_iter().collect();
    facts.push(code(&c.location()));
    if let Some(p) = &c.check {
        facts.push(format!("**{}**", p.status.as_str()));
        if let Some((score, level)) = risk(p) {
            facts.push(format!("risk {score}/100 ({})", level_word(level)));
        }
    }
    let _ = writeln!(out, "{}\n", facts.join(" · "));
    if let Some(p) = &c.check {
        if p.status != Status::Allowed {
            let _ = writeln!(out, "Why: {}\n", code(&p.reason));
        }
        issues(&mut out, p);
    }
    if let Some(b) = &c.behaviour {
        let versions = match (&b.old_version, &b.new_version) {
            (Some(a), Some(n)) if a != n => format!(" ({} → {})", code(a), code(n)),
            _ => String::new(),
        };
        match &b.unknown {
            Some(why) => {
                let _ = writeln!(out, "**Behaviour change{versions}:** unknown — {}\n", code(why));
            }
            None if b.changes.is_empty() => {
                let _ = writeln!(out, "**Behaviour change{versions}:** none (same alerts in the same places)\n");
            }
            None => {
                let _ = writeln!(out, "**Behaviour changes{versions}:**");
                let version = b.new_version.as_deref().map(code).unwrap_or_else(|| "the new version".into());
                for ch in &b.changes {
                    let sign = if ch.added { "➕" } else { "➖" };
                    let place = ch.place();
                    let at = if place.is_empty() { String::new() } else { format!(" in {}", code(&place)) };
                    let _ = writeln!(out, "- {sign} {version} {} **{}** (`{}`){at}", ch.verb(), ch.what(), ch.alert.id());
                }
                out.push('\n');
            }
        }
    }
    recommendation(&mut out, c);
    out
}

fn level_word(l: RiskLevel) -> &'static str {
    l.as_str()
}

fn issues(out: &mut String, p: &PackageCheck) {
    let all = distinct(p);
    if all.is_empty() {
        return;
    }
    let _ = writeln!(out, "⚠️ Issues detected:");
    for f in all.iter().take(ISSUES_SHOWN) {
        let info = f.alert.info();
        let place = match (f.file.as_str(), f.line) {
            ("", _) => String::new(),
            (file, Some(l)) => format!(" in {}", code(&format!("{file}:{l}"))),
            (file, None) => format!(" in {}", code(file)),
        };
        let when = f.context.map(|c| format!(" at {}", c.describe())).unwrap_or_default();
        let _ = writeln!(out, "- **{}** `{}` {}{place}{when}: {}", info.severity, info.id, info.title, code(&f.message));
        if !f.evidence.is_empty() {
            let _ = writeln!(out, "  {}", code(&f.evidence));
        }
    }
    if all.len() > ISSUES_SHOWN {
        let _ = writeln!(out, "- … and {} more (`safe-pip check -v` lists them)", all.len() - ISSUES_SHOWN);
    }
    out.push('\n');
}

fn recommendation(out: &mut String, c: &Change) {
    match &c.advice {
        Advice::Nothing | Advice::Safe => {
            let _ = writeln!(out, "**Recommendation: Safe to merge** (allowed by the policy).\n");
        }
        Advice::Review { allow, next, .. } => {
            let _ = writeln!(out, "**Recommendation: Do not merge until reviewed.**");
            if let Some(n) = next {
                let _ = writeln!(out, "Next: {}.", escape_plain(n));
            }
            if let Some(a) = allow {
                let _ = writeln!(out, "If the review finds the flagged code legitimate, document the exception:\n");
                command(out, a);
            } else {
                out.push('\n');
            }
        }
        Advice::Block { allow, caution, .. } => {
            let _ = writeln!(out, "**Recommendation: Do not merge.**");
            match allow {
                Some(a) => {
                    let _ = writeln!(out, "Remove it or pick another version. To document an exception ({}):\n", caution.unwrap_or("after review"));
                    command(out, a);
                }
                None => {
                    let _ = writeln!(out, "Remove it or pick another version: no exception applies (known malware is reported to PyPI, not allowed).\n");
                }
            }
        }
    }
}

/// Our own advice text with at most a command in backticks (from `advise` in the review module):
/// the command's untrusted part is a package spec, shown as a code span.
fn escape_plain(s: &str) -> String {
    match s.split_once('`').and_then(|(a, rest)| rest.rsplit_once('`').map(|(cmd, b)| (a, cmd, b))) {
        Some((a, cmd, b)) => format!("{a}{}{b}", code(cmd)),
        None => s.to_string(),
    }
}

/// A shell command in a fenced block that nothing in it can close.
fn command(out: &mut String, cmd: &str) {
    let cmd = escape_terminal(cmd);
    let longest = cmd.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest.max(2) + 1);
    let _ = writeln!(out, "{fence}sh\n{cmd}\n{fence}\n");
}
