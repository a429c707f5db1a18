//! The summary printed after pip exits: every file checked with name, version, verdict,
//! score and its top alerts; then what was blocked and why (pip itself shows only a URL
//! and the 403 reason), what was refused before pip ran, what went through unverified.
//! Every name, file name, URL and reason is escaped for the terminal: a member named
//! `…\x1b[1A\x1b[2K\rALLOW …` must not erase the BLOCK line above it.

use super::outcome::{CheckedFile, Outcome, RefusalKind};
use crate::alerts::Severity;
use crate::policy::Action;
use crate::report::display::{Esc, escape_terminal};
use crate::report::remedy::Remedy;
use crate::report::terminal::Paint;
use std::fmt::Write;

/// Alerts shown per file.
const TOP_ALERTS: usize = 3;

pub(crate) struct SummaryOptions {
    pub color: bool,
    /// Only blocked and warned files, refusals and errors.
    pub quiet: bool,
}

fn ident(f: &CheckedFile) -> String {
    let name = f.report.name.clone().or_else(|| f.project.clone()).unwrap_or_else(|| "?".into());
    match &f.report.version {
        Some(v) => format!("{} {}", Esc(&name), Esc(v)),
        None => escape_terminal(&name).into_owned(),
    }
}

pub(crate) fn render(o: &Outcome, opts: &SummaryOptions) -> String {
    let p = Paint(opts.color);
    let mut out = String::new();
    let files = o.unique_files();
    let shown: Vec<&&CheckedFile> =
        files.iter().filter(|f| !opts.quiet || f.blocked() || f.report.decision.verdict != Action::Allow).collect();
    if !shown.is_empty() {
        let _ = writeln!(out, "\n{}", p.bold("safe-pip: files checked"));
        let width = shown.iter().map(|f| ident(f).len()).max().unwrap_or(0).min(40);
        for f in &shown {
            let verdict = if f.blocked() { Action::Block } else { f.report.decision.verdict };
            let mut tail = format!("risk {}/100", f.report.risk.score);
            if f.report.risk.score > 0 {
                let _ = write!(tail, " ({})", f.report.risk.level.as_str());
            }
            if f.from_db {
                tail.push_str(" · verdict DB");
            }
            if f.source.kind() != "index" {
                let _ = write!(tail, " · {}", f.source.kind());
            }
            let _ = writeln!(out, "  {}  {:<width$}  {}  {}", p.verdict(verdict), ident(f), Esc(&f.report.filename), p.dim(&tail));
            for finding in f.report.findings.iter().filter(|x| x.severity() >= Severity::Medium).take(TOP_ALERTS) {
                let info = finding.alert.info();
                let mut at = escape_terminal(&finding.file).into_owned();
                if let Some(l) = finding.line {
                    let _ = write!(at, ":{l}");
                }
                let at = if at.is_empty() { String::new() } else { format!(" {} {at}", p.dim("at")) };
                let _ = writeln!(out, "         {} {}: {}{at}", p.severity(info.severity), info.id, info.title);
            }
        }
    }

    let blocked: Vec<&&CheckedFile> = files.iter().filter(|f| f.blocked()).collect();
    if !blocked.is_empty() {
        let _ = writeln!(out, "\n{}", p.bold("Blocked:"));
        for f in blocked {
            let _ = writeln!(
                out,
                "  {} ({} {}): {}",
                Esc(&f.report.filename),
                f.source.kind(),
                Esc(f.source.location()),
                Esc(&f.report.decision.reason())
            );
            if let Some(e) = &f.report.error {
                let _ = writeln!(out, "    {}", Esc(e));
            }
            let what = match f.source.kind() {
                "index" => "pip was refused this file (HTTP 403) and nothing from it was installed",
                "find-links" => "the file was kept out of the find-links folder pip reads",
                _ => "pip was not run",
            };
            let _ = writeln!(out, "    {what}");
            let remedy = Remedy::for_block(&f.report, o.older_releases.get(&f.report.filename).cloned());
            for (label, text) in remedy.lines() {
                let _ = writeln!(out, "    {} {}", p.bold(&format!("{label}:")), Esc(&text));
            }
            let vet = match (&f.report.name, &f.report.version) {
                (Some(n), Some(v)) => format!("`safe-pip vet {}=={}`", Esc(n), Esc(v)),
                _ => "`safe-pip scan FILE`".into(),
            };
            let _ = writeln!(out, "    {} {vet}", p.bold("full report:"));
        }
    }

    if !o.refused.is_empty() {
        let _ = writeln!(out, "\n{}", p.bold("Refused before pip ran:"));
        for r in &o.refused {
            let tag = match r.kind {
                RefusalKind::Name => "name",
                RefusalKind::Blocked => "blocked",
                RefusalKind::Unverifiable => "unverifiable",
            };
            let _ = writeln!(out, "  {} ({}, {tag}): {}", Esc(&r.subject), Esc(&r.origin), Esc(&r.reason));
            let _ = writeln!(out, "    {} {}", p.bold("hint:"), Esc(&r.hint));
        }
    }
    if !o.hidden.is_empty() && !opts.quiet {
        let _ = writeln!(out, "\n{}", p.bold("Kept from pip by policy (hidden versions, refused indexes):"));
        for h in &o.hidden {
            let what = if h.filename == super::outcome::ALL_FILES { format!("every file of {}", Esc(&h.project)) } else { escape_terminal(&h.filename).into_owned() };
            let _ = writeln!(out, "  {what} ({}): {}", Esc(&h.index), Esc(h.reason.trim_start_matches("safe-pip: ")));
        }
    }
    if !o.unverified.is_empty() {
        let _ = writeln!(out, "\n{}", p.bold("Let through unverified (--allow-unverified):"));
        for u in &o.unverified {
            let _ = writeln!(out, "  {} ({}): {}", Esc(&u.subject), Esc(&u.origin), Esc(&u.reason));
        }
    }
    if !opts.quiet {
        for n in &o.notes {
            let _ = writeln!(out, "{} {}", p.dim("note:"), Esc(n));
        }
    }

    let count = |v: Action| files.iter().filter(|f| !f.blocked() && f.report.decision.verdict == v).count();
    let nblocked = files.iter().filter(|f| f.blocked()).count();
    let mut last = format!(
        "{} {} file{} checked: {nblocked} blocked, {} warned, {} allowed",
        p.bold("safe-pip:"),
        files.len(),
        if files.len() == 1 { "" } else { "s" },
        count(Action::Warn),
        count(Action::Allow)
    );
    let from_db = files.iter().filter(|f| f.from_db).count();
    if from_db > 0 {
        let _ = write!(last, " ({from_db} from the verdict DB)");
    }
    if !o.refused.is_empty() {
        let _ = write!(last, "; {} refused before pip ran", o.refused.len());
    }
    match (o.pip_ran, o.pip_exit) {
        (true, Some(c)) => {
            let _ = write!(last, "; pip exited with {c}");
        }
        (true, None) => last.push_str("; pip was killed"),
        (false, _) => last.push_str("; pip was not run"),
    }
    if !opts.quiet || nblocked > 0 || !o.refused.is_empty() {
        let _ = writeln!(out, "{last}");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::outcome::{FileSource, Refusal};
    use super::*;
    use crate::pipeline::{ScanOptions, scan_bytes};

    fn file(name: &str, served: bool) -> CheckedFile {
        let mut report = scan_bytes(&format!("{name}-1.0-py3-none-any.whl"), b"not a zip", Vec::new(), &ScanOptions::default());
        report.name = Some(name.into());
        report.version = Some("1.0".into());
        CheckedFile { source: FileSource::Index { upstream: 0, index: "https://pypi.org/simple".into() }, project: Some(name.into()), report, served, from_db: false }
    }

    #[test]
    fn names_from_packages_cannot_rewrite_the_summary() {
        // #14: a member name that would retitle the window, go up a line, erase it and
        // print a fake ALLOW over the BLOCK line
        let evil = "evil\x1b]0;PWNED\x07\x1b[1A\x1b[2K\rALLOW  fake\x1b[8m.py";
        let mut o = Outcome { pip_ran: true, pip_exit: Some(1), ..Outcome::default() };
        let mut f = file("broken", false);
        f.report.filename = format!("{evil}-1.0.tar.gz");
        f.report.version = Some(evil.into());
        f.report.findings.push(crate::finding::Finding::new(crate::alerts::AlertId::InstallNetwork, evil, evil).at_line(3));
        f.report.decision = crate::policy::Decision::for_test(f.report.decision.verdict, &format!("blocked: install-network in {evil}"));
        o.files.push(f);
        o.notes.push(evil.into());
        for quiet in [false, true] {
            let text = render(&o, &SummaryOptions { color: false, quiet });
            assert!(!text.bytes().any(|b| matches!(b, 0x1b | 0x0d | 0x07)), "{text:?}");
            assert!(text.contains("BLOCK  broken evil\\x1b]0;PWNED\\x07\\x1b[1A\\x1b[2K\\rALLOW"), "{text}");
        }
    }

    #[test]
    fn blocked_files_say_why_and_what_to_do() {
        let mut o = Outcome { pip_ran: true, pip_exit: Some(1), ..Outcome::default() };
        o.files.push(file("broken", false));
        o.files.push(file("broken", false));
        o.refused.push(Refusal {
            kind: RefusalKind::Unverifiable,
            subject: "git+https://h/r".into(),
            origin: "command line".into(),
            reason: "VCS".into(),
            hint: "h".into(),
        });
        let text = render(&o, &SummaryOptions { color: false, quiet: false });
        assert!(text.contains("BLOCK  broken 1.0"), "{text}");
        assert!(text.contains("archive-unreadable"), "{text}");
        assert!(text.contains("pip was refused this file (HTTP 403)"), "{text}");
        assert!(text.contains("safe-pip vet broken==1.0"), "{text}");
        assert!(text.contains("1 file checked: 1 blocked"), "{text}");
        assert!(text.contains("git+https://h/r (command line, unverifiable)"), "{text}");
        assert_eq!(o.exit_code(), crate::exit::ExitStatus::Blocked);
    }
}
