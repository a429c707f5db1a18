//! The human report: per package its verdict, risk, and each alert with file:line,
//! a short evidence line and what to do; a one-line summary at the end. Text from the
//! package (names, member names, messages, evidence) is escaped for the terminal.

use crate::alerts::Severity;
use crate::finding::Finding;
use crate::pipeline::PackageReport;
use crate::policy::Action;
use crate::report::display::{Esc, escape_terminal};
use std::fmt::Write;

/// Notes (medium/low) shown per package before "and N more"; critical and high are
/// always shown in full.
const NOTES_SHOWN: usize = 4;

pub(crate) struct TerminalOptions {
    pub color: bool,
    /// Show every note instead of the first few.
    pub verbose: bool,
}

/// ANSI colouring that is a no-op when colour is off (shared by the install summary).
pub(crate) struct Paint(pub bool);

impl Paint {
    pub(crate) fn wrap(&self, code: &str, s: &str) -> String {
        if self.0 { format!("\x1b[{code}m{s}\x1b[0m") } else { s.to_string() }
    }
    pub(crate) fn verdict(&self, v: Action) -> String {
        match v {
            Action::Block => self.wrap("1;31", "BLOCK"),
            Action::Warn => self.wrap("1;33", "WARN "),
            Action::Allow => self.wrap("1;32", "ALLOW"),
        }
    }
    pub(crate) fn severity(&self, s: Severity) -> String {
        let text = format!("{:<8}", s.as_str());
        match s {
            Severity::Critical => self.wrap("31", &text),
            Severity::High => self.wrap("33", &text),
            Severity::Medium => self.wrap("36", &text),
            Severity::Low => self.wrap("2", &text),
        }
    }
    pub(crate) fn dim(&self, s: &str) -> String {
        self.wrap("2", s)
    }
    pub(crate) fn bold(&self, s: &str) -> String {
        self.wrap("1", s)
    }
}

/// The report one package at a time (a scan prints each as it is ready), then the
/// summary line.
#[derive(Debug, Default)]
pub(crate) struct Stream {
    scanned: usize,
    blocked: usize,
    warned: usize,
    allowed: usize,
}

impl Stream {
    /// The text of one package.
    pub(crate) fn package(&mut self, r: &PackageReport, opts: &TerminalOptions) -> String {
        let mut out = String::new();
        render_package(&mut out, r, opts, &Paint(opts.color));
        self.scanned += 1;
        match r.decision.verdict {
            Action::Block => self.blocked += 1,
            Action::Warn => self.warned += 1,
            Action::Allow => self.allowed += 1,
        }
        out
    }

    /// The closing summary line.
    pub(crate) fn finish(&self, opts: &TerminalOptions) -> String {
        let paint = Paint(opts.color);
        format!(
            "{} {} scanned: {} blocked, {} warned, {} allowed\n",
            paint.bold("safe-pip:"),
            self.scanned,
            self.blocked,
            self.warned,
            self.allowed
        )
    }
}

fn render_package(out: &mut String, r: &PackageReport, opts: &TerminalOptions, paint: &Paint) {
    let mut ident = Vec::new();
    if let Some(n) = &r.name {
        ident.push(match &r.version {
            Some(v) => format!("{} {}", Esc(n), Esc(v)),
            None => escape_terminal(n).into_owned(),
        });
    }
    if let Some(k) = r.kind {
        ident.push(format!("{k:?}").to_lowercase());
    }
    ident.push(format!("risk {}/100 ({})", r.risk.score, r.risk.level.as_str()));
    let _ = writeln!(out, "{}  {}  {}", paint.verdict(r.decision.verdict), paint.bold(&escape_terminal(&r.filename)), paint.dim(&ident.join(" · ")));

    let (serious, notes): (Vec<&Finding>, Vec<&Finding>) = r.findings.iter().partition(|f| f.severity() >= Severity::High);
    for f in &serious {
        render_finding(out, f, paint, true);
    }
    let shown = if opts.verbose { notes.len() } else { NOTES_SHOWN.min(notes.len()) };
    for f in &notes[..shown] {
        render_finding(out, f, paint, opts.verbose);
    }
    if notes.len() > shown {
        let _ = writeln!(out, "    {}", paint.dim(&format!("… and {} more notes (--verbose or --format json shows all)", notes.len() - shown)));
    }
    if r.decision.verdict != Action::Allow || r.decision.cites_decision() {
        let _ = writeln!(out, "    {} {}", paint.bold("why:"), Esc(&r.decision.reason()));
    }
    if r.decision.verdict != Action::Allow {
        if let Some(top) = r.findings.first() {
            let _ = writeln!(out, "    {} {}", paint.bold("do:"), top.alert.info().remediation);
        }
    }
    out.push('\n');
}

fn render_finding(out: &mut String, f: &Finding, paint: &Paint, detailed: bool) {
    let info = f.alert.info();
    let _ = writeln!(out, "  {} {}  {}", paint.severity(info.severity), paint.bold(info.id), info.title);
    let mut place = if f.file.is_empty() { "package".to_string() } else { escape_terminal(&f.file).into_owned() };
    if let Some(l) = f.line {
        let _ = write!(place, ":{l}");
    }
    if let Some(c) = f.context {
        let _ = write!(place, " ({})", c.describe());
    }
    let _ = writeln!(out, "           {} {}", paint.dim("at"), place);
    if !f.message.is_empty() {
        let _ = writeln!(out, "           {}", Esc(&f.message));
    }
    if detailed && !f.evidence.is_empty() {
        let _ = writeln!(out, "           {} {}", paint.dim("│"), Esc(&f.evidence));
    }
}
