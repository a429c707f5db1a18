//! Writing a documented decision (`safe-pip allow` / `safe-pip deny`) into the project's
//! pyproject.toml with toml_edit: everything outside the edited entry stays byte for
//! byte as it was, comments and odd formatting included. An existing entry for the same
//! package, version specifier and action is replaced rather than duplicated.

use super::day::Day;
use super::decisions::DocumentedDecision;
use crate::alerts::AlertId;
use crate::action::DecisionAction;
use crate::pep503::{is_valid_name, normalize_name};
use pep440_rs::VersionSpecifiers;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use toml_edit::{ArrayOfTables, DocumentMut, Item, Table, Value};

/// A decision to write: a [`DocumentedDecision`] whose origin is not known yet (its
/// `origin` is ignored; the package keeps the spelling the person typed).
pub type DecisionRequest = DocumentedDecision;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum RecordError {
    #[error("`{0}` is not a project name with an optional version specifier")]
    BadRequirement(String),
    #[error("`{spec}` is not a PEP 440 version specifier: {detail}")]
    BadSpecifier { spec: String, detail: String },
    #[error("unknown alert id `{0}`")]
    UnknownAlert(String),
    #[error("an allow decision must name the alerts it accepts")]
    NoAlerts,
    #[error("a decision needs a reason")]
    NoReason,
    #[error("the expiry {until} is before today ({today})")]
    ExpiryInThePast { until: Day, today: Day },
    #[error("allowing critical alert {alerts} is forbidden by the org file ({org})")]
    CriticalForbidden { alerts: String, org: String },
    #[error("no pyproject.toml at or above {}", .0.display())]
    NoPyproject(PathBuf),
    #[error("cannot read {}: {detail}", path.display())]
    Read { path: PathBuf, detail: String },
    #[error("{}: not valid TOML: {detail}", path.display())]
    Toml { path: PathBuf, detail: String },
    #[error("{}: `{key}` is not a table safe-pip can add to", path.display())]
    NotATable { path: PathBuf, key: String },
    #[error("cannot write {}: {detail}", path.display())]
    Write { path: PathBuf, detail: String },
}

impl crate::error::Hint for RecordError {
    fn hint(&self) -> String {
        match self {
            RecordError::BadRequirement(_) => "write NAME, NAME==VERSION or NAME with specifiers, e.g. `requests==2.32.3` or `'requests>=2,<3'`".into(),
            RecordError::BadSpecifier { .. } => "use PEP 440 specifiers such as ==2.32.3, >=2.0,<3 or ~=2.32".into(),
            RecordError::UnknownAlert(id) => {
                let near = AlertId::nearest(id);
                format!("did you mean `{near}`? `safe-pip explain --all` lists every alert id")
            }
            RecordError::NoAlerts => "pass --alert ID for each alert you accept (the report shows the ids); other alerts are judged afresh".into(),
            RecordError::NoReason => "say why with --reason \"…\"; the reason is what reviewers read".into(),
            RecordError::ExpiryInThePast { .. } => "pass a future date as --until YYYY-MM-DD".into(),
            RecordError::CriticalForbidden { .. } => "critical findings must be fixed or the package replaced; ask the org file's maintainers if this is a false positive".into(),
            RecordError::NoPyproject(_) => "run it in the project (or pass --project DIR); create a pyproject.toml if the project has none".into(),
            RecordError::Read { .. } | RecordError::Write { .. } => "check the file's permissions".into(),
            RecordError::Toml { .. } => "fix the file's TOML syntax first; safe-pip does not rewrite a file it cannot parse".into(),
            RecordError::NotATable { key, .. } => format!("write `{key}` as a table header (`[{key}]`) so entries can be added"),
        }
    }
}

/// Splits `requests==2.32.3`, `requests >=2,<3` or `requests` into the name and its specifiers.
pub fn parse_requirement(s: &str) -> Result<(String, Option<VersionSpecifiers>), RecordError> {
    let s = s.trim();
    let end = s.find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))).unwrap_or(s.len());
    let (name, rest) = s.split_at(end);
    if !is_valid_name(name) {
        return Err(RecordError::BadRequirement(s.to_string()));
    }
    let rest = rest.trim();
    if rest.is_empty() {
        return Ok((name.to_string(), None));
    }
    match VersionSpecifiers::from_str(rest) {
        Ok(spec) if !spec.is_empty() => Ok((name.to_string(), Some(spec))),
        Ok(_) => Err(RecordError::BadRequirement(s.to_string())),
        Err(e) => Err(RecordError::BadSpecifier { spec: rest.to_string(), detail: e.to_string().lines().next().unwrap_or("").trim().to_string() }),
    }
}

/// Alert ids from the command line, checked against the catalogue.
pub fn parse_alerts<S: AsRef<str>>(ids: &[S]) -> Result<Vec<AlertId>, RecordError> {
    let mut out = Vec::new();
    for id in ids.iter().flat_map(|s| s.as_ref().split(',')).map(str::trim).filter(|s| !s.is_empty()) {
        let a = AlertId::from_id(id).ok_or_else(|| RecordError::UnknownAlert(id.to_string()))?;
        if !out.contains(&a) {
            out.push(a);
        }
    }
    Ok(out)
}

/// Who decides: `git config user.name <user.email>` in the project when set, else `$USER`.
pub fn who(project_dir: &Path) -> Option<String> {
    let git = |key: &str| {
        let out = std::process::Command::new("git").arg("-C").arg(project_dir).args(["config", "--get", key]).output().ok()?;
        let v = String::from_utf8(out.stdout).ok()?.trim().to_string();
        (out.status.success() && !v.is_empty()).then_some(v)
    };
    match (git("user.name"), git("user.email")) {
        (Some(n), Some(e)) => Some(format!("{n} <{e}>")),
        (Some(n), None) => Some(n),
        (None, Some(e)) => Some(e),
        (None, None) => ["USER", "USERNAME", "LOGNAME"].iter().find_map(|v| std::env::var(v).ok().filter(|s| !s.trim().is_empty())),
    }
}

/// Checks a request before anything is written.
pub fn validate(req: &DecisionRequest, allow_critical: bool, org_origin: &str, today: Day) -> Result<(), RecordError> {
    if req.reason.trim().is_empty() {
        return Err(RecordError::NoReason);
    }
    if req.action == DecisionAction::Allow && req.alerts.is_empty() {
        return Err(RecordError::NoAlerts);
    }
    if let Some(until) = req.until
        && until < today
    {
        return Err(RecordError::ExpiryInThePast { until, today });
    }
    let critical: Vec<String> = req.alerts.iter().filter(|a| a.severity() == crate::alerts::Severity::Critical).map(|a| format!("`{a}`")).collect();
    if req.action == DecisionAction::Allow && !critical.is_empty() && !allow_critical {
        return Err(RecordError::CriticalForbidden { alerts: critical.join(", "), org: org_origin.to_string() });
    }
    Ok(())
}

/// What [`write_decision`] did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Written {
    pub text: String,
    /// An existing entry for the same package, specifier and action was replaced.
    pub replaced: bool,
    /// 1-based line of the entry's `[[tool.safe-pip.decision]]` header in `text`.
    pub line: usize,
}

/// The pyproject.toml text with the decision added (or its twin replaced).
pub fn write_decision(text: &str, path: &Path, req: &DecisionRequest) -> Result<Written, RecordError> {
    let mut doc: DocumentMut = text.parse().map_err(|e: toml_edit::TomlError| RecordError::Toml { path: path.to_path_buf(), detail: e.message().trim().to_string() })?;
    let not_table = |key: &str| RecordError::NotATable { path: path.to_path_buf(), key: key.to_string() };
    let tool = child_table(doc.as_table_mut(), "tool").ok_or_else(|| not_table("tool"))?;
    let safe_pip = child_table(tool, "safe-pip").ok_or_else(|| not_table("tool.safe-pip"))?;
    let decisions = match safe_pip.entry("decision").or_insert_with(|| Item::ArrayOfTables(ArrayOfTables::new())) {
        Item::ArrayOfTables(a) => a,
        _ => return Err(not_table("tool.safe-pip.decision")),
    };
    let same = decisions.iter().position(|t| is_same_decision(t, req));
    let replaced = same.is_some();
    let index = match same {
        Some(i) => {
            let t = decisions.get_mut(i).ok_or_else(|| not_table("tool.safe-pip.decision"))?;
            t.clear();
            fill_entry(t, req);
            i
        }
        None => {
            let mut t = Table::new();
            fill_entry(&mut t, req);
            // Next to the existing entries rather than at the end of the file.
            t.set_position(decisions.iter().filter_map(Table::position).max());
            decisions.push(t);
            decisions.len() - 1
        }
    };
    let text = doc.to_string();
    let line = entry_line(&text, index).unwrap_or(1);
    Ok(Written { text, replaced, line })
}

/// Reads, edits and writes the file (via a temp file and a rename, so a crash never
/// leaves half a pyproject.toml).
pub fn record(pyproject: &Path, req: &DecisionRequest) -> Result<Written, RecordError> {
    let text = std::fs::read_to_string(pyproject).map_err(|e| RecordError::Read { path: pyproject.to_path_buf(), detail: e.to_string() })?;
    let written = write_decision(&text, pyproject, req)?;
    let write_err = |e: std::io::Error| RecordError::Write { path: pyproject.to_path_buf(), detail: e.to_string() };
    let tmp = pyproject.with_file_name(format!(".pyproject.toml.safe-pip-{}", std::process::id()));
    std::fs::write(&tmp, &written.text).map_err(write_err)?;
    if let Ok(meta) = std::fs::metadata(pyproject) {
        let _ = std::fs::set_permissions(&tmp, meta.permissions());
    }
    std::fs::rename(&tmp, pyproject).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        write_err(e)
    })?;
    Ok(written)
}

/// `parent[key]` as a table, created (implicit, so no empty header is printed) when absent.
fn child_table<'a>(parent: &'a mut Table, key: &str) -> Option<&'a mut Table> {
    if !parent.contains_key(key) {
        let mut t = Table::new();
        t.set_implicit(true);
        parent.insert(key, Item::Table(t));
    }
    parent.get_mut(key)?.as_table_mut()
}

fn is_same_decision(t: &Table, req: &DecisionRequest) -> bool {
    let s = |k: &str| t.get(k).and_then(Item::as_str).map(str::trim);
    let spec = |v: Option<&str>| v.and_then(|v| VersionSpecifiers::from_str(v).ok()).map(|v| v.to_string());
    s("package").is_some_and(|p| normalize_name(p) == normalize_name(&req.package))
        && s("action") == Some(req.action.as_str())
        && spec(s("version")) == req.version.as_ref().map(|v| v.to_string())
}

fn fill_entry(t: &mut Table, req: &DecisionRequest) {
    t.insert("package", toml_edit::value(req.package.as_str()));
    if let Some(v) = &req.version {
        t.insert("version", toml_edit::value(v.to_string()));
    }
    t.insert("action", toml_edit::value(req.action.as_str()));
    if req.action == DecisionAction::Allow {
        let alerts: toml_edit::Array = req.alerts.iter().map(|a| a.id()).collect();
        t.insert("alerts", Item::Value(Value::Array(alerts)));
    }
    t.insert("reason", toml_edit::value(req.reason.trim()));
    t.insert("by", toml_edit::value(req.by.trim()));
    t.insert("date", toml_edit::value(toml_date(req.date)));
    if let Some(u) = req.until {
        t.insert("until", toml_edit::value(toml_date(u)));
    }
}

fn toml_date(d: Day) -> toml_edit::Datetime {
    let (y, m, day) = d.ymd();
    toml_edit::Datetime { date: Some(toml_edit::Date { year: y as u16, month: m as u8, day: day as u8 }), time: None, offset: None }
}

/// The line of the `index`-th `[[tool.safe-pip.decision]]` entry in `text`.
fn entry_line(text: &str, index: usize) -> Option<usize> {
    let doc = toml_edit::Document::parse(text).ok()?;
    let aot = doc.as_table().get("tool")?.get("safe-pip")?.get("decision")?.as_array_of_tables()?;
    aot.get(index)?.span().map(|s| super::origin::line_of(text, s.start))
}

#[cfg(test)]
mod tests {
    use crate::error::Hint;
    use super::*;

    fn req(package: &str, spec: Option<&str>, action: DecisionAction, alerts: &[AlertId]) -> DecisionRequest {
        DecisionRequest {
            package: package.into(),
            version: spec.map(|s| VersionSpecifiers::from_str(s).unwrap()),
            action,
            alerts: alerts.to_vec(),
            reason: "HTTP client; network access is its job".into(),
            by: "Alice Example <alice@example.com>".into(),
            date: Day::parse("2026-11-25").unwrap(),
            until: Day::parse("2027-05-25"),
            origin: super::super::origin::Origin::Default,
        }
    }

    const ODD: &str = r#"# Project file with comments and odd formatting.
[project]
name    =   "demo"   # aligned by hand
dependencies = [
    "requests>=2",  # HTTP
    'rich',
]

[tool.black]
line-length=100

[tool.safe-pip]   # settings for safe-pip
unverified = "block"

# Vetted by the team.
[[tool.safe-pip.decision]]
package = "Requests"
version = "== 2.32.3"
action = "allow"
alerts = ["import-network"]
reason = "old reason"
by = "Bob"
date = 2025-01-01

[tool.ruff]
select = [ "E",
  "F" ]   # trailing
"#;

    #[test]
    fn a_new_entry_keeps_everything_else_byte_for_byte() {
        let r = req("urllib3", Some("==2.2.0"), DecisionAction::Allow, &[AlertId::NetworkAccess]);
        let w = write_decision(ODD, Path::new("pyproject.toml"), &r).expect("write");
        assert!(!w.replaced);
        assert!(w.text.starts_with(&ODD[..ODD.find("[tool.ruff]").unwrap()]), "text before the new entry is unchanged:\n{}", w.text);
        assert!(w.text.contains("[tool.ruff]\nselect = [ \"E\",\n  \"F\" ]   # trailing\n"), "{}", w.text);
        assert_eq!(w.text.lines().nth(w.line - 1), Some("[[tool.safe-pip.decision]]"));
        insta::assert_snapshot!(w.text);
    }

    #[test]
    fn the_same_package_spec_and_action_is_replaced_not_duplicated() {
        let r = req("requests", Some("==2.32.3"), DecisionAction::Allow, &[AlertId::ImportNetwork, AlertId::NetworkAccess]);
        let w = write_decision(ODD, Path::new("pyproject.toml"), &r).expect("write");
        assert!(w.replaced);
        assert_eq!(w.text.matches("[[tool.safe-pip.decision]]").count(), 1);
        assert!(w.text.contains("# Vetted by the team.\n[[tool.safe-pip.decision]]\npackage = \"requests\""), "{}", w.text);
        assert!(!w.text.contains("old reason"));
        let before_entry = &ODD[..ODD.find("# Vetted").unwrap()];
        let after_entry = &ODD[ODD.find("[tool.ruff]").unwrap()..];
        assert!(w.text.starts_with(before_entry) && w.text.ends_with(after_entry), "{}", w.text);
        // A deny for the same package is another decision.
        let deny = req("requests", Some("==2.32.3"), DecisionAction::Deny, &[]);
        let w2 = write_decision(&w.text, Path::new("pyproject.toml"), &deny).expect("write");
        assert!(!w2.replaced);
        assert_eq!(w2.text.matches("[[tool.safe-pip.decision]]").count(), 2);
        assert!(!w2.text[w2.text.rfind("[[tool").unwrap()..].contains("alerts"), "deny entries carry no alerts");
    }

    #[test]
    fn the_table_is_created_when_absent() {
        let text = "[project]\nname = \"demo\"\n";
        let r = req("requests", None, DecisionAction::Allow, &[AlertId::NetworkAccess]);
        let w = write_decision(text, Path::new("pyproject.toml"), &r).expect("write");
        assert!(w.text.starts_with(text));
        assert_eq!(
            &w.text[text.len()..],
            "\n[[tool.safe-pip.decision]]\npackage = \"requests\"\naction = \"allow\"\nalerts = [\"network-access\"]\nreason = \"HTTP client; network access is its job\"\nby = \"Alice Example <alice@example.com>\"\ndate = 2026-11-25\nuntil = 2027-05-25\n"
        );
        // What was written parses back as a valid decision.
        let src = super::super::parse::Source { text: &w.text, path: Path::new("pyproject.toml"), layer: super::super::origin::Layer::Project };
        let layer = super::super::parse::parse_layer(&src, &["tool", "safe-pip"]).expect("valid").expect("table");
        assert_eq!(layer.decisions.len(), 1);
        assert_eq!(layer.decisions[0].origin.short(), format!("pyproject.toml:{}", w.line));
    }

    #[test]
    fn unusable_files_are_refused() {
        let r = req("requests", None, DecisionAction::Deny, &[]);
        assert!(matches!(write_decision("[project\n", Path::new("p"), &r), Err(RecordError::Toml { .. })));
        assert!(matches!(write_decision("tool = 3\n", Path::new("p"), &r), Err(RecordError::NotATable { .. })));
        assert!(matches!(write_decision("[tool]\nsafe-pip = \"x\"\n", Path::new("p"), &r), Err(RecordError::NotATable { .. })));
    }

    #[test]
    fn requirements_and_alerts_are_parsed() {
        assert_eq!(parse_requirement("requests").unwrap(), ("requests".into(), None));
        let (n, s) = parse_requirement("Requests==2.32.3").unwrap();
        assert_eq!((n.as_str(), s.unwrap().to_string()), ("Requests", "==2.32.3".to_string()));
        assert_eq!(parse_requirement("requests >=2,<3").unwrap().1.unwrap().to_string(), ">=2, <3");
        assert!(matches!(parse_requirement("requests=>2"), Err(RecordError::BadSpecifier { .. })));
        assert!(matches!(parse_requirement("../x"), Err(RecordError::BadRequirement(_))));
        assert_eq!(parse_alerts(&["network-access,import-network", "network-access"]).unwrap(), vec![AlertId::NetworkAccess, AlertId::ImportNetwork]);
        let e = parse_alerts(&["netwrk-access"]).unwrap_err();
        assert!(e.hint().contains("network-access"), "{}", e.hint());
    }

    #[test]
    fn validation_refuses_what_policy_forbids() {
        let today = Day::parse("2026-11-25").unwrap();
        let ok = req("requests", None, DecisionAction::Allow, &[AlertId::NetworkAccess]);
        assert_eq!(validate(&ok, false, "org", today), Ok(()));
        let critical = req("requests", None, DecisionAction::Allow, &[AlertId::Typosquat]);
        assert!(matches!(validate(&critical, false, "org", today), Err(RecordError::CriticalForbidden { .. })));
        assert_eq!(validate(&critical, true, "org", today), Ok(()));
        let mut no_reason = ok.clone();
        no_reason.reason = "  ".into();
        assert_eq!(validate(&no_reason, true, "org", today), Err(RecordError::NoReason));
        let no_alerts = req("requests", None, DecisionAction::Allow, &[]);
        assert_eq!(validate(&no_alerts, true, "org", today), Err(RecordError::NoAlerts));
        let mut past = ok.clone();
        past.until = Day::parse("2026-01-01");
        assert!(matches!(validate(&past, true, "org", today), Err(RecordError::ExpiryInThePast { .. })));
    }
}
