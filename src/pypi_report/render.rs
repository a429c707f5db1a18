//! The malware report as Markdown, ready to paste into PyPI's "Report project as malware"
//! form or an email to security@pypi.org. Names, paths, messages and code come from the
//! package: every one is a code span or a fenced block whose fence no backtick run in
//! it can close, with control characters made visible (the report is printed to a
//! terminal first).

use super::evidence::Evidence;
use crate::alerts::Category;
use crate::finding::Finding;
use crate::report::display::escape_terminal;
use crate::report::markdown::{code, code_cell};
use std::fmt::Write;

/// Where PyPI documents how to report malware (its security policy, updated March 2024).
pub(crate) const PYPI_SECURITY_POLICY: &str = "https://pypi.org/security/";
pub(crate) const PYPI_SECURITY_EMAIL: &str = "security@pypi.org";

/// Alerts listed in the summary; the evidence section lists them all.
const SUMMARY_ALERTS: usize = 10;

pub(crate) fn render_markdown(e: &Evidence) -> String {
    let mut out = String::new();
    let project_url = format!("https://pypi.org/project/{}/", e.name);
    let release_url = format!("https://pypi.org/project/{}/{}/", e.name, url_part(&e.version));
    let inspector = format!("https://inspector.pypi.io/project/{}/{}/", e.name, url_part(&e.version));
    let _ = writeln!(out, "# Malware report: {} {}\n", code(&e.name), code(&e.version));
    let source = match &e.from_file {
        Some(p) => format!("a static analysis of {}", code(&p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default())),
        None => "the verdicts in its verdict DB".to_string(),
    };
    let _ = writeln!(
        out,
        "safe-pip's verdict: **{}**, risk {}/100 ({}). Prepared by safe-pip {} (analysis version {}) from {source}; the package was read as data only — never installed, imported or run.\n",
        e.decision.verdict.as_str(),
        e.risk.score,
        e.risk.level.as_str(),
        env!("CARGO_PKG_VERSION"),
        crate::db::ANALYSIS_VERSION,
    );
    if e.decision.verdict != crate::policy::Action::Block {
        let _ = writeln!(
            out,
            "> **Not evidence of malware.** safe-pip does not block this release ({}). Review the code yourself before reporting it: a false report costs PyPI's administrators time.\n",
            escape_terminal(&e.decision.reason())
        );
    }
    let _ = writeln!(out, "**Nothing has been sent.** To report the project, as PyPI's security policy ({PYPI_SECURITY_POLICY}) asks:\n");
    let _ = writeln!(out, "1. Log in to PyPI and open the project page: {project_url} (this release: {release_url}).");
    let _ = writeln!(out, "2. At the bottom of the sidebar, click **Report project as malware**.");
    let _ = writeln!(
        out,
        "3. Explain what makes it malware: paste the summary and the evidence below, and link the lines in PyPI's Inspector ({inspector}): each alert below names its file and line."
    );
    let _ = writeln!(out, "\nWithout a PyPI account, email **{PYPI_SECURITY_EMAIL}** this report instead.\n");

    let findings = all_findings(e);
    let _ = writeln!(out, "## Summary\n");
    if let Some(a) = &e.advisory {
        let _ = writeln!(out, "- Listed as known malware: {}", escape_terminal(&a.message));
    }
    for f in findings.iter().filter(|f| e.advisory.as_ref() != Some(*f)).take(SUMMARY_ALERTS) {
        let _ = writeln!(out, "- {} {}: {}{}", f.severity().as_str(), code(f.alert.id()), f.alert.info().title, place(f));
    }
    if findings.len() > SUMMARY_ALERTS + usize::from(e.advisory.is_some()) {
        let _ = writeln!(out, "- … {} more in the evidence below", findings.len() - SUMMARY_ALERTS - usize::from(e.advisory.is_some()));
    }

    if !e.files.is_empty() {
        let _ = writeln!(out, "\n## Files\n\n| File | sha256 | Verdict | Risk |\n|---|---|---|---|");
        for r in &e.files {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {}/100 |",
                code_cell(&r.filename),
                r.sha256.as_deref().map(code_cell).unwrap_or_else(|| "(not hashed)".into()),
                r.decision.verdict.as_str(),
                r.risk.score
            );
        }
    }
    if e.stale > 0 {
        let _ = writeln!(out, "\n{} more file(s) of this release were analysed by an older engine and are not included.", e.stale);
    }

    let _ = writeln!(out, "\n## Evidence\n");
    for (i, f) in findings.iter().enumerate() {
        let info = f.alert.info();
        let _ = writeln!(out, "### {}. {} {}: {}\n", i + 1, f.severity().as_str(), code(info.id), info.title);
        if !f.file.is_empty() {
            let _ = writeln!(out, "- Where:{}", place(f).trim_start_matches(" —"));
        }
        let _ = writeln!(out, "- What: {}", escape_terminal(&f.message));
        if !f.evidence.is_empty() {
            let _ = writeln!(out, "- Code:\n\n{}", fenced(&f.evidence, "  "));
        }
        let _ = writeln!(out);
    }

    let payloads = decoded_payloads(&findings);
    if !payloads.is_empty() {
        let _ = writeln!(out, "## Decoded payloads\n");
        let _ = writeln!(out, "String literals safe-pip decoded (without running anything) and found to hold code (first 200 characters each):\n");
        for f in payloads {
            let _ = writeln!(out, "-{}\n\n{}\n", place(f).trim_start_matches(" —"), fenced(&f.evidence, "  "));
        }
    }
    out
}

/// The advisory first, then every file's findings, most severe first, each once.
fn all_findings(e: &Evidence) -> Vec<&Finding> {
    let mut out: Vec<&Finding> = e.advisory.iter().collect();
    for f in e.files.iter().flat_map(|r| &r.findings) {
        if !out.contains(&f) {
            out.push(f);
        }
    }
    out.sort_by_key(|f| std::cmp::Reverse(f.severity()));
    out
}

/// Findings whose evidence is a decoded literal (the payload analysis says so in its
/// message), each (file, line, payload) once.
fn decoded_payloads<'a>(findings: &[&'a Finding]) -> Vec<&'a Finding> {
    let mut out: Vec<&Finding> = Vec::new();
    for f in findings {
        let decoded = f.alert.category() == Category::Obfuscation || f.message.contains("decoded") || f.message.contains("decodes");
        if decoded && !f.evidence.is_empty() && !out.iter().any(|o| o.file == f.file && o.line == f.line && o.evidence == f.evidence) {
            out.push(f);
        }
    }
    out
}

/// ` — `file` line N, runs at install time`.
fn place(f: &Finding) -> String {
    if f.file.is_empty() {
        return String::new();
    }
    let line = f.line.map(|l| format!(" line {l}")).unwrap_or_default();
    let when = f.context.map(|c| format!(", runs at {}", c.describe())).unwrap_or_default();
    format!(" — {}{line}{when}", code(&f.file))
}

/// A fenced code block, indented by `indent`, that nothing in `s` can close; control
/// characters made visible.
fn fenced(s: &str, indent: &str) -> String {
    let text = escape_terminal(s);
    let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest.max(2) + 1);
    format!("{indent}{fence}text\n{indent}{text}\n{indent}{fence}")
}

/// A version as a URL path segment (PEP 440 versions need no escaping; anything else is
/// percent-encoded).
fn url_part(s: &str) -> String {
    s.bytes().map(|b| if b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_' | b'+' | b'!') { char::from(b).to_string() } else { format!("%{b:02X}") }).collect()
}
