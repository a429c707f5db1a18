//! The HTML report of `scan --format html`: one row per package file scanned — its
//! verdict, risk, alerts with evidence, behaviour, and the project's history, decisions
//! and similar packages — on the one page renderer.

use super::{Cell, Column, Detail, Page, Row};
use crate::db::HistoryEntry;
use crate::gate::{Gate, GateError};
use crate::pipeline::PackageReport;
use crate::policy::{Action, Policy};
use std::collections::HashMap;

const COLUMNS: &[Column] = &[
    Column::text("Package"),
    Column::text("Version"),
    Column::text("File"),
    Column::number("Status"),
    Column::number("Risk"),
    Column::number("Alerts"),
];

/// The scanned files as HTML, each project's history read from the gate's DB.
pub fn from_scan(reports: &[PackageReport], paths: &[std::path::PathBuf], gate: &Gate) -> Result<String, GateError> {
    let histories = super::histories(reports.iter().filter_map(|r| r.name.as_deref()), gate)?;
    Ok(render(reports, paths, &histories, &gate.options().policy))
}

/// `scan`'s verdict in the words the other reports use. A file that could not be read is
/// blocked (fail closed), as the terminal report says; its details say why.
fn status(r: &PackageReport) -> &'static str {
    match r.decision.verdict {
        Action::Block => "blocked",
        Action::Warn => "warned",
        Action::Allow => "allowed",
    }
}

fn render(reports: &[PackageReport], paths: &[std::path::PathBuf], histories: &HashMap<String, Vec<HistoryEntry>>, policy: &Policy) -> String {
    let rows = reports
        .iter()
        .map(|r| {
            let name = r.name.clone().unwrap_or_else(|| r.filename.clone());
            let mut detail = Detail::new().reason(&r.decision.reason(), None);
            if let Some(e) = &r.error {
                detail = detail.section("Could not be analysed", &format!("<p class=\"reason\">{}</p>", super::esc(e)));
            }
            if let Some(sha) = &r.sha256 {
                detail = detail.section("File", &format!("<p><code>{}</code> sha256 <code>{}</code></p>", super::esc(&r.path.display().to_string()), super::esc(sha)));
            }
            detail = detail.alerts(&r.findings).behaviour(&r.findings);
            if let Some(n) = &r.name {
                detail = detail.project(super::history_of(histories, n), policy, n);
            }
            Row {
                name: name.clone(),
                status: status(r),
                score: i32::from(r.risk.score),
                cells: vec![
                    Cell::name(&name),
                    Cell::text(r.version.as_deref().unwrap_or("")),
                    Cell::location(&r.filename),
                    Cell::status(status(r)),
                    Cell::risk(&r.findings, true),
                    Cell::number(r.findings.len()),
                ],
                search: r.findings.iter().map(|f| format!("{} {}", f.alert.id(), f.file)).collect::<Vec<_>>().join(" "),
                detail,
            }
        })
        .collect();
    super::render(Page {
        command: "scan",
        subject: paths.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", "),
        lead: format!("{} files in", reports.len()),
        notes: Vec::new(),
        columns: COLUMNS,
        rows,
        after: String::new(),
        foot: super::FOOT,
    })
}

#[cfg(test)]
mod tests {
    use crate::pipeline::ScanOptions;
    use crate::test_fixtures::{clean_sdist, sdist};

    #[test]
    fn scanned_files_as_one_page_with_their_history_and_every_string_escaped() {
        let dir = tempfile::tempdir().expect("tmp");
        let gate = crate::gate::Gate::open(Some(&dir.path().join("v.sqlite3")), ScanOptions::default()).expect("gate");
        let evil = sdist("canary-pkg", "1.0", &[("setup.py", "import urllib.request\nurllib.request.urlopen('http://127.0.0.1:9/<img src=x>')\n")]);
        let clean = clean_sdist("tidy-numbers", "1.0");
        let reports = vec![
            gate.judge_bytes("canary-pkg-1.0.tar.gz", &evil, None, Vec::new()).expect("judge"),
            gate.judge_bytes("tidy-numbers-1.0.tar.gz", &clean, None, Vec::new()).expect("judge"),
            gate.judge_bytes("junk-1.0.tar.gz", b"<not an archive>", None, Vec::new()).expect("judge"),
        ];
        let html = super::from_scan(&reports, &[dir.path().join("<dist>")], &gate).expect("html");
        assert_eq!(html.matches("<script").count(), 1, "{html}");
        assert!(!html.contains("<img") && html.contains("&lt;img src=x&gt;"), "{html}");
        assert!(html.contains("&lt;dist&gt;") && html.contains("3 files in"), "{html}");
        // an unreadable file is blocked (fail closed), with why in its details
        assert!(html.contains("data-name=\"junk-1.0.tar.gz\" data-status=\"blocked\""), "{html}");
        assert!(html.contains("<h3>Could not be analysed</h3>") && html.contains("<code>archive-unreadable</code>"), "{html}");
        assert!(html.contains("data-name=\"canary-pkg\" data-status=\"blocked\"") && html.contains("data-name=\"tidy-numbers\" data-status=\"allowed\""), "{html}");
        assert!(html.contains("<code>install-network</code>") && html.contains("<b>install-time code</b> at install"), "{html}");
        assert!(html.contains("<code>canary-pkg-1.0.tar.gz</code></td><td><span class=\"st block\">block</span>"), "history from the DB: {html}");
    }
}
