//! `--format sarif`: one SARIF 2.1.0 log (OASIS, errata 01) for code-scanning tools
//! (GitHub code scanning reads it with `upload-sarif`). The run's rules are the catalogue
//! entries of the alerts that occur — id, title, explanation, and as help the remedy and
//! the exception advice (plain text and the catalogue's Markdown entry) — plus
//! `unverified` and `error` for lockfile entries that could not be judged. Each result is
//! one alert of one package, at its level under the policy (`error` blocks, `warning`
//! warns, `note` is allowed), never above the package's own verdict (a documented
//! decision that allows a package turns its results into notes).
//!
//! Where results point: for `scan`, the file inside the package (a nested artifact of the
//! archive, or a file of an unpacked directory) at the finding's line; for `check` and
//! `diff`, the lockfile line that brought the package in. Text is kept exact (JSON);
//! consumers render `message.text` as plain text. tests/python/test_sarif.py validates
//! real output against the vendored schema (tests/fixtures/sarif/).

use crate::alerts::{AlertId, Severity, exception_advice, render_markdown_entry};
use crate::finding::Finding;
use crate::pipeline::PackageReport;
use crate::policy::{Action, Policy};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::path::Path;

pub(crate) const SCHEMA_URI: &str = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

/// Rule id of a lockfile entry that could not be verified (no hash, not in the DB).
pub(crate) const UNVERIFIED_RULE: &str = "unverified";
/// Rule id of a lockfile entry whose check failed (index unreachable, hash mismatch).
pub(crate) const ERROR_RULE: &str = "error";

/// Where a result points.
pub(crate) enum Place<'a> {
    /// A file of the repository or on disk (a lockfile), at a 1-based line.
    File { path: &'a Path, line: Option<usize> },
    /// A member of a package archive (`member` as the archive names it).
    Member { archive: &'a Path, member: &'a str, line: Option<u32> },
}

/// Collects rules, artifacts and results, then [`Sarif::render`]s the log.
pub(crate) struct Sarif<'a> {
    policy: &'a Policy,
    rules: Vec<Value>,
    rule_index: BTreeMap<String, usize>,
    artifacts: Vec<Value>,
    artifact_index: BTreeMap<(Option<usize>, String), usize>,
    results: Vec<Value>,
}

impl<'a> Sarif<'a> {
    pub(crate) fn new(policy: &'a Policy) -> Sarif<'a> {
        Sarif { policy, rules: Vec::new(), rule_index: BTreeMap::new(), artifacts: Vec::new(), artifact_index: BTreeMap::new(), results: Vec::new() }
    }

    /// The SARIF level of `alert` in a package whose verdict is `verdict`.
    pub(crate) fn level(&self, alert: AlertId, verdict: Action) -> &'static str {
        level_of(self.policy.action_for(alert).min(verdict))
    }

    /// One alert of a package. `subject` names the package ("evil 1.0"); `properties` are
    /// merged into the result's property bag.
    pub(crate) fn finding(&mut self, f: &Finding, verdict: Action, subject: &str, place: Place, properties: Value) {
        let rule = self.alert_rule(f.alert);
        let info = f.alert.info();
        let mut text = format!("{subject}: {} — {}", info.title, f.message);
        if let Place::File { .. } = place
            && !f.file.is_empty()
        {
            text.push_str(&match f.line {
                Some(l) => format!(" (at {}:{l})", f.file),
                None => format!(" (in {})", f.file),
            });
        }
        if let Some(c) = f.context {
            text.push_str(&format!(" [{}]", c.describe()));
        }
        let mut props = json!({
            "severity": info.severity,
            "category": info.category,
            "file": f.file,
            "line": f.line,
            "evidence": f.evidence,
            "context": f.context,
        });
        merge(&mut props, properties);
        let location = self.location(place);
        self.results.push(json!({
            "ruleId": info.id,
            "ruleIndex": rule,
            "level": self.level(f.alert, verdict),
            "message": { "text": text },
            "locations": [location],
            "properties": props,
        }));
    }

    /// A lockfile entry that could not be judged (`unverified` or `error`).
    pub(crate) fn unjudged(&mut self, rule_id: &'static str, level: &'static str, text: String, place: Place, properties: Value) {
        let rule = self.tool_rule(rule_id);
        let location = self.location(place);
        self.results.push(json!({
            "ruleId": rule_id,
            "ruleIndex": rule,
            "level": level,
            "message": { "text": text },
            "locations": [location],
            "properties": properties,
        }));
    }

    /// The log as pretty JSON, with a newline.
    pub(crate) fn render(self) -> String {
        let mut run = json!({
            "tool": { "driver": {
                "name": "safe-pip",
                "semanticVersion": env!("CARGO_PKG_VERSION"),
                "version": env!("CARGO_PKG_VERSION"),
                "rules": self.rules,
            }},
            "columnKind": "unicodeCodePoints",
            "results": self.results,
        });
        if !self.artifacts.is_empty() {
            run["artifacts"] = Value::Array(self.artifacts);
        }
        let doc = json!({ "$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run] });
        serde_json::to_string_pretty(&doc).unwrap_or_default() + "\n"
    }

    fn alert_rule(&mut self, alert: AlertId) -> usize {
        let info = alert.info();
        if let Some(&i) = self.rule_index.get(info.id) {
            return i;
        }
        let rule = json!({
            "id": info.id,
            "name": pascal(info.id),
            "shortDescription": { "text": info.title },
            "fullDescription": { "text": info.explanation },
            "help": {
                "text": format!("{}\n\nException: {}\n\nMore: safe-pip explain {}", info.remediation, exception_advice(alert), info.id),
                "markdown": render_markdown_entry(alert),
            },
            "defaultConfiguration": { "level": level_of(self.policy.action_for(alert)) },
            "properties": {
                "tags": ["security", "supply-chain", info.category.as_str()],
                "severity": info.severity,
                "security-severity": security_severity(info.severity),
                "precision": "high",
            },
        });
        self.push_rule(info.id, rule)
    }

    fn tool_rule(&mut self, id: &'static str) -> usize {
        if let Some(&i) = self.rule_index.get(id) {
            return i;
        }
        let (title, explanation, help) = match id {
            UNVERIFIED_RULE => (
                "Locked package could not be verified",
                "No file the lockfile pins for this package is known to the verdict DB, or the lockfile pins no file hash (unpinned versions, VCS checkouts, local paths), so nothing says what gets installed is safe.",
                "Pin file hashes (`pip-compile --generate-hashes`, `uv pip compile --generate-hashes`), run the check with --fetch to download and scan the locked files, or vet the package (`safe-pip vet NAME==VERSION`).",
            ),
            _ => (
                "Locked package could not be checked",
                "Checking the package failed: the index could not be asked, or it served other bytes than the lockfile pins. safe-pip fails closed: such a package is not allowed.",
                "Read the message: retry when the index is reachable; if the bytes differ from the pinned hash, do not install them and regenerate the lockfile only if you trust the change.",
            ),
        };
        let rule = json!({
            "id": id,
            "name": pascal(id),
            "shortDescription": { "text": title },
            "fullDescription": { "text": explanation },
            "help": { "text": help },
            "properties": { "tags": ["security", "supply-chain"] },
        });
        self.push_rule(id, rule)
    }

    fn push_rule(&mut self, id: &str, rule: Value) -> usize {
        self.rules.push(rule);
        let i = self.rules.len() - 1;
        self.rule_index.insert(id.to_string(), i);
        i
    }

    fn artifact(&mut self, parent: Option<usize>, uri: String) -> usize {
        if let Some(&i) = self.artifact_index.get(&(parent, uri.clone())) {
            return i;
        }
        let mut a = json!({ "location": { "uri": uri } });
        if let Some(p) = parent {
            a["parentIndex"] = json!(p);
        }
        self.artifacts.push(a);
        let i = self.artifacts.len() - 1;
        self.artifact_index.insert((parent, uri), i);
        i
    }

    fn location(&mut self, place: Place) -> Value {
        let (uri, index, line) = match place {
            Place::File { path, line } => (uri_of(path), None, line.map(|l| l as u64)),
            Place::Member { archive, member, line } => {
                let parent = self.artifact(None, uri_of(archive));
                if member.is_empty() {
                    (uri_of(archive), Some(parent), None)
                } else if archive.is_dir() {
                    (uri_of(&archive.join(member)), None, line.map(u64::from))
                } else {
                    let uri = encode(member.trim_start_matches('/'));
                    let child = self.artifact(Some(parent), uri.clone());
                    (uri, Some(child), line.map(u64::from))
                }
            }
        };
        let mut artifact = json!({ "uri": uri });
        if let Some(i) = index {
            artifact["index"] = json!(i);
        }
        let mut physical = json!({ "artifactLocation": artifact });
        if let Some(l) = line.filter(|l| *l > 0) {
            physical["region"] = json!({ "startLine": l });
        }
        json!({ "physicalLocation": physical })
    }
}

/// `scan --format sarif`.
pub(crate) fn from_scan(reports: &[PackageReport], policy: &Policy) -> String {
    let mut s = Sarif::new(policy);
    for r in reports {
        let subject = subject(r.name.as_deref().unwrap_or(&r.filename), r.version.as_deref());
        for f in &r.findings {
            let props = json!({ "package": r.name, "version": r.version, "sha256": r.sha256, "verdict": r.decision.verdict });
            s.finding(f, r.decision.verdict, &subject, Place::Member { archive: &r.path, member: &f.file, line: f.line }, props);
        }
    }
    s.render()
}

/// `NAME VERSION` (or the name alone): what a result is about.
pub(crate) fn subject(name: &str, version: Option<&str>) -> String {
    match version {
        Some(v) => format!("{name} {v}"),
        None => name.to_string(),
    }
}

/// Adds the members of the object `extra` to the object `into`.
pub(crate) fn merge(into: &mut Value, extra: Value) {
    if let (Some(a), Value::Object(b)) = (into.as_object_mut(), extra) {
        a.extend(b);
    }
}

fn level_of(action: Action) -> &'static str {
    match action {
        Action::Block => "error",
        Action::Warn => "warning",
        Action::Allow => "note",
    }
}

/// GitHub code scanning's 0–10 scale (critical ≥ 9, high ≥ 7, medium ≥ 4).
fn security_severity(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "9.5",
        Severity::High => "7.5",
        Severity::Medium => "5.0",
        Severity::Low => "2.0",
    }
}

/// `install-network` → `InstallNetwork`.
fn pascal(id: &str) -> String {
    id.split('-').map(|w| w[..1].to_ascii_uppercase() + &w[1..]).collect()
}

/// A relative path as a URI reference (percent-encoded, `/` kept); an absolute one as a
/// `file://` URI.
pub(crate) fn uri_of(path: &Path) -> String {
    let text = path.to_string_lossy().replace('\\', "/");
    if path.is_absolute() { format!("file://{}", encode(&text)) } else { encode(text.trim_start_matches("./")) }
}

fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::ExecContext;
    use crate::policy::Decision;

    fn report() -> PackageReport {
        let mut r = PackageReport::unverified("evil-1.0.tar.gz", "x");
        r.error = None;
        r.path = "dist/evil 1.0.tar.gz".into();
        r.name = Some("evil".into());
        r.version = Some("1.0".into());
        r.findings = vec![
            Finding::new(AlertId::InstallNetwork, "evil-1.0/setup.py", "urlopen()").at_line(9).in_context(ExecContext::Install),
            Finding::new(AlertId::NetworkAccess, "evil-1.0/evil/net.py", "socket").at_line(3),
            Finding::new(AlertId::InstallNetwork, "evil-1.0/setup.py", "second").at_line(12),
            Finding::new(AlertId::MetadataMismatch, "", "package-wide"),
        ];
        r.decision = Decision::for_test(Action::Block, "critical alert install-network");
        r
    }

    #[test]
    fn scan_results_point_into_the_archive_with_one_rule_per_alert_id() {
        let doc: Value = serde_json::from_str(&from_scan(&[report()], &Policy::default())).expect("json");
        assert_eq!(doc["version"], "2.1.0");
        let run = &doc["runs"][0];
        let rules: Vec<&str> = run["tool"]["driver"]["rules"].as_array().unwrap().iter().map(|r| r["id"].as_str().unwrap()).collect();
        assert_eq!(rules, ["install-network", "network-access", "metadata-mismatch"]);
        let results = run["results"].as_array().unwrap();
        assert_eq!(results.len(), 4);
        assert_eq!(results[0]["level"], "error");
        assert_eq!(results[1]["level"], "note");
        assert_eq!(results[2]["ruleIndex"], 0);
        assert_eq!(results[0]["locations"][0]["physicalLocation"]["region"]["startLine"], 9);
        let loc = &results[0]["locations"][0]["physicalLocation"]["artifactLocation"];
        assert_eq!(loc["uri"], "evil-1.0/setup.py");
        let parent = &run["artifacts"][loc["index"].as_u64().unwrap() as usize];
        assert_eq!(run["artifacts"][parent["parentIndex"].as_u64().unwrap() as usize]["location"]["uri"], "dist/evil%201.0.tar.gz");
        // A package-wide alert points at the archive itself.
        assert_eq!(results[3]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"], "dist/evil%201.0.tar.gz");
        let help = &run["tool"]["driver"]["rules"][0]["help"];
        assert!(help["text"].as_str().unwrap().contains(AlertId::InstallNetwork.info().remediation));
        assert!(help["markdown"].as_str().unwrap().starts_with("## install-network"));
    }

    #[test]
    fn a_package_allowed_by_decision_has_only_notes() {
        let mut r = report();
        r.decision = Decision::for_test(Action::Allow, "allowed by decision");
        let doc: Value = serde_json::from_str(&from_scan(&[r], &Policy::default())).expect("json");
        assert!(doc["runs"][0]["results"].as_array().unwrap().iter().all(|r| r["level"] == "note"));
        assert_eq!(doc["runs"][0]["tool"]["driver"]["rules"][0]["defaultConfiguration"]["level"], "error");
    }

    #[test]
    fn uris_are_encoded() {
        assert_eq!(uri_of(Path::new("./req s.txt")), "req%20s.txt");
        assert_eq!(uri_of(Path::new("/tmp/a#b")), "file:///tmp/a%23b");
        assert_eq!(pascal("install-network"), "InstallNetwork");
    }
}
