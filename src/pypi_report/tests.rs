//! The malware report from the verdict DB and from a file analysed for it: a snapshot of
//! the Markdown for a payload-decoding canary, and the refusals.

use super::*;
use crate::pipeline::ScanOptions;
use crate::test_fixtures::{clean_sdist, sdist};

/// Install-time exec of a base64 literal that decodes to a call to 127.0.0.1 (a canary).
const DECODING_SETUP: &str = "import base64\nfrom setuptools import setup\nexec(base64.b64decode(\"aW1wb3J0IHVybGxpYi5yZXF1ZXN0OyB1cmxsaWIucmVxdWVzdC51cmxvcGVuKCJodHRwOi8vMTI3LjAuMC4xOjkvYyIp\"))\nsetup(name=\"evil-dropper\", version=\"1.0\")\n";

fn gate(dir: &tempfile::TempDir) -> Gate {
    Gate::open(Some(&dir.path().join("v.sqlite3")), ScanOptions::default()).expect("gate")
}

#[test]
fn report_from_the_verdict_db_snapshot() {
    let dir = tempfile::tempdir().expect("tmp");
    let g = gate(&dir);
    g.judge_bytes("evil-dropper-1.0.tar.gz", &sdist("evil-dropper", "1.0", &[("setup.py", DECODING_SETUP)]), None, Vec::new()).expect("judge");
    let e = gather(&g, "Evil_Dropper", "1.0", None).expect("evidence");
    assert_eq!(e.name, "evil-dropper");
    assert_eq!(e.files.len(), 1);
    assert_eq!(e.decision.verdict, crate::policy::Action::Block);
    let md = render_markdown(&e);
    assert!(md.contains("https://pypi.org/project/evil-dropper/") && md.contains("**Report project as malware**") && md.contains("security@pypi.org"), "{md}");
    assert!(md.contains("urllib.request.urlopen(\"http://127.0.0.1:9/c\")"), "the decoded payload is shown: {md}");
    insta::assert_snapshot!("malware_report_from_db", md);
}

#[test]
fn report_from_a_file_analysed_now_and_the_refusals() {
    let dir = tempfile::tempdir().expect("tmp");
    let g = gate(&dir);
    let path = dir.path().join("evil-dropper-1.0.tar.gz");
    std::fs::write(&path, sdist("evil-dropper", "1.0", &[("setup.py", DECODING_SETUP)])).expect("write");
    let e = gather(&g, "evil-dropper", "1.0", Some(&path)).expect("evidence");
    assert_eq!(e.from_file.as_deref(), Some(path.as_path()));
    assert!(render_markdown(&e).contains("from a static analysis of `evil-dropper-1.0.tar.gz`"));
    // The file was recorded: the DB alone now has the evidence.
    assert_eq!(gather(&g, "evil-dropper", "1.0", None).expect("from db").files.len(), 1);

    assert!(matches!(gather(&g, "evil-dropper", "2.0", Some(&path)), Err(ReportError::OtherRelease { .. })));
    assert!(matches!(gather(&g, "never-seen", "1.0", None), Err(ReportError::NoEvidence { .. })));

    // A clean release is reported as such: the report warns against sending it.
    let clean = dir.path().join("tidy-numbers-1.0.tar.gz");
    std::fs::write(&clean, clean_sdist("tidy-numbers", "1.0")).expect("write");
    let md = render_markdown(&gather(&g, "tidy-numbers", "1.0", Some(&clean)).expect("evidence"));
    assert!(md.contains("**Not evidence of malware.**"), "{md}");
}

#[test]
fn text_from_the_package_cannot_break_out_of_the_report() {
    let dir = tempfile::tempdir().expect("tmp");
    let g = gate(&dir);
    let setup = "import base64\nfrom setuptools import setup\nexec(base64.b64decode(\"X19pbXBvcnRfXygnb3MnKS5zeXN0ZW0oJ2VjaG8gYGBgIDxzY3JpcHQ+YWxlcnQoMSk8L3NjcmlwdD4gG1sySicp\"))\nsetup()\n";
    g.judge_bytes("odd-1.0.tar.gz", &sdist("odd", "1.0", &[("setup.py", setup)]), None, Vec::new()).expect("judge");
    let md = render_markdown(&gather(&g, "odd", "1.0", None).expect("evidence"));
    assert!(!md.contains('\x1b'), "{md}");
    for block in md.split("\n  ````text\n").skip(1) {
        // the evidence holds ``` : the fence is longer, so the block ends only at its own fence
        assert!(block.contains("\n  ````"), "{md}");
    }
    assert!(md.contains("  ````text"), "a fence longer than the payload's backticks: {md}");
}
