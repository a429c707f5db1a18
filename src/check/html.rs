//! The HTML report of a lockfile check (`check --format html`), on the one page renderer
//! ([`crate::html`]): per locked package the status, risk score and level, alerts with
//! file, line and evidence, the behaviour seen, the history from the verdict DB with the
//! documented decisions, and similar packages (for a typosquat, the project it imitates).

use super::model::{CheckReport, PackageCheck, Status};
use crate::db::HistoryEntry;
use crate::gate::{Gate, GateError};
use crate::html::{self, Cell, Column, Detail, Page, Row};
use crate::policy::Policy;
use std::collections::HashMap;

/// The check report as HTML, with each package's history read from the gate's DB.
pub(crate) fn from_check(r: &CheckReport, gate: &Gate) -> Result<String, GateError> {
    let histories = html::histories(r.packages.iter().map(|p| p.name.as_str()), gate)?;
    Ok(render_check(r, &histories, &gate.options().policy))
}

const COLUMNS: &[Column] = &[Column::text("Package"), Column::text("Version"), Column::number("Status"), Column::number("Risk"), Column::number("Alerts"), Column::text("Where")];

/// The check report as HTML (see the module doc); `histories` by normalised name.
pub(super) fn render_check(r: &CheckReport, histories: &HashMap<String, Vec<HistoryEntry>>, policy: &Policy) -> String {
    let files = r.lockfiles.iter().map(|l| l.path.display().to_string()).collect::<Vec<_>>().join(", ");
    let rows = r.packages.iter().map(|p| row(p, html::history_of(histories, &p.name), policy)).collect();
    html::render(Page {
        command: "check",
        subject: files,
        lead: format!("{} packages in", r.packages.len()),
        notes: Vec::new(),
        columns: COLUMNS,
        rows,
        after: String::new(),
        foot: html::FOOT,
    })
}

/// A package nothing is known about has no score: "0 none" would read as "safe".
pub(crate) fn known(p: &PackageCheck) -> bool {
    !(p.alerts.is_empty() && matches!(p.status, Status::Unverified | Status::Error))
}

/// The search words of a package: its alert ids and files.
pub(crate) fn search_words(p: &PackageCheck) -> String {
    p.alerts.iter().map(|f| format!("{} {}", f.alert.id(), f.file)).collect::<Vec<_>>().join(" ")
}

/// The sections of a judged package: reason, alerts, behaviour, history, decisions, similar.
pub(crate) fn detail(p: &PackageCheck, history: &[HistoryEntry], policy: &Policy) -> Detail {
    judged_sections(Detail::new().reason(&p.reason, p.hint.as_deref()), p, history, policy)
}

/// `d` followed by the alerts, behaviour, history, decisions and similar packages of `p`.
pub(crate) fn judged_sections(d: Detail, p: &PackageCheck, history: &[HistoryEntry], policy: &Policy) -> Detail {
    d.alerts(&p.alerts).behaviour(&p.alerts).project(history, policy, &p.name)
}

fn row(p: &PackageCheck, history: &[HistoryEntry], policy: &Policy) -> Row {
    let known = known(p);
    let risk = Cell::risk(&p.alerts, known);
    Row {
        name: p.name.clone(),
        status: p.status.as_str(),
        score: if known { i32::from(crate::score::score(&p.alerts).score) } else { -1 },
        cells: vec![
            Cell::name(&p.name),
            Cell::text(p.version.as_deref().unwrap_or("")),
            Cell::status(p.status.as_str()),
            risk,
            Cell::number(p.alerts.len()),
            Cell::location(&p.location),
        ],
        search: search_words(p),
        detail: detail(p, history, policy),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::check::{CheckOptions, check};
    use crate::pipeline::ScanOptions;
    use crate::test_fixtures::{clean_sdist, sdist};
    use sha2::{Digest, Sha256};

    #[test]
    fn check_report_as_one_page_with_every_string_escaped() {
        let dir = tempfile::tempdir().expect("tmp");
        let gate = Gate::open(Some(&dir.path().join("v.sqlite3")), ScanOptions::default()).expect("gate");
        let evil = sdist("canary-pkg", "1.0", &[("setup.py", "import urllib.request\nurllib.request.urlopen('http://127.0.0.1:9/<script>alert(1)</script>')\n")]);
        let clean = clean_sdist("tidy-numbers", "1.0");
        for (name, bytes) in [("canary-pkg-1.0.tar.gz", &evil), ("tidy-numbers-1.0.tar.gz", &clean)] {
            gate.judge_bytes(name, bytes, None, Vec::new()).expect("judge");
        }
        let folder = dir.path().join("a<script>alert(2)</script>");
        std::fs::create_dir_all(&folder).expect("mkdir");
        let req = folder.join("requirements.txt");
        let sha = |b: &[u8]| crate::hex::hex(&Sha256::digest(b));
        std::fs::write(&req, format!("canary-pkg==1.0 --hash=sha256:{}\ntidy-numbers==1.0 --hash=sha256:{}\nreqeusts==2.0\n", sha(&evil), sha(&clean))).expect("write");
        let lock = crate::lockfile::read_lockfile(&req).expect("read");
        let report = check(std::slice::from_ref(&lock), &gate, &CheckOptions::default()).expect("check");
        let html = from_check(&report, &gate).expect("html");

        assert_eq!(html.matches("<script").count(), 1, "only the page's own script: {html}");
        assert_eq!(html.matches("</script>").count(), 1);
        assert!(html.contains("alert(1)&lt;/script&gt;") && html.contains("a&lt;script&gt;alert(2)&lt;/script&gt;"), "{html}");
        assert!(!html.contains("src=\"http") && !html.contains("href=\"http"), "no external asset");
        assert!(html.contains("default-src 'none'"));
        // per package: status and risk, alerts with evidence, behaviour, history, similar packages
        assert!(html.contains("data-name=\"canary-pkg\"") && html.contains("data-status=\"blocked\""), "{html}");
        assert!(html.contains("<code>install-network</code>") && html.contains("install time"), "{html}");
        assert!(html.contains("<h3>Behaviour</h3>") && html.contains("<b>install-time code</b> at install"), "{html}");
        assert!(html.contains("<code>canary-pkg-1.0.tar.gz</code>"), "history from the DB: {html}");
        assert!(html.contains("<code>requests</code> (#"), "the typosquat's target: {html}");
    }
}
