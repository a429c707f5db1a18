//! Reads one config file (or the `[tool.safe-pip]` table of a pyproject.toml) into a
//! [`LayerSettings`]. Parse, then validate, as cargo-deny does: the TOML is read with
//! spans, every key is checked against the schema (unknown keys are errors that suggest
//! the closest known one), and every problem is collected with its file and line.

use crate::action::Action;
use super::day::Day;
use super::decisions::DocumentedDecision;
use super::errors::{ConfigError, allowed_hint, closest};
use super::layer::{LayerSettings, ORG_ONLY_KEYS, TOP_KEYS, Threshold, lockable_keys};
use super::origin::{Layer, Located, Origin, line_of};
use crate::alerts::{AlertId, Severity};
use crate::analysis::metadata::license::{Expr, parse_expression};
use crate::analysis::names::InternalRule;
use crate::action::DecisionAction;
use crate::pep503::is_valid_name;
use pep440_rs::VersionSpecifiers;
use std::ops::Range;
use std::path::Path;
use std::str::FromStr;
use crate::line_index::LineIndex;
use toml_edit::{Item, TableLike, Value};

/// The text of one config file and which layer it is.
pub(super) struct Source<'a> {
    pub text: &'a str,
    pub path: &'a Path,
    pub layer: Layer,
}

/// Largest threshold accepted, in days (about 270 years): anything bigger is a typo.
const MAX_DAYS: i64 = 100_000;

/// Parses `src`; `within` is the table path holding the settings (`["tool", "safe-pip"]`
/// for pyproject.toml, empty for safe-pip's own files). `Ok(None)`: the table is absent.
pub(super) fn parse_layer(src: &Source, within: &[&str]) -> Result<Option<LayerSettings>, Vec<ConfigError>> {
    let doc = toml_edit::Document::parse(src.text).map_err(|e| {
        let line = e.span().map(|s| line_of(src.text, s.start)).unwrap_or(1);
        vec![ConfigError::Syntax { path: src.path.to_path_buf(), line, detail: e.message().trim().to_string() }]
    })?;
    let mut r = Reader { src, lines: LineIndex::new(src.text), errors: Vec::new() };
    let mut table: &dyn TableLike = doc.as_table();
    let mut walked = Vec::new();
    for key in within {
        walked.push(*key);
        let Some(item) = table.get(key) else { return Ok(None) };
        match item.as_table_like() {
            Some(t) => table = t,
            None => {
                let origin = r.key_origin(table, key);
                r.bad(origin, &walked.join("."), format!("must be a table, not {}", item.type_name()), "write it as a table header, e.g. `[tool.safe-pip]`");
                return Err(r.errors);
            }
        }
    }
    let settings = r.root(table);
    if r.errors.is_empty() { Ok(Some(settings)) } else { Err(r.errors) }
}

/// A table of an array of tables, with where it starts.
type Entry<'i> = (&'i dyn TableLike, Option<Range<usize>>);

struct Reader<'a> {
    src: &'a Source<'a>,
    /// Built once: every entry asks for its line.
    lines: LineIndex,
    errors: Vec<ConfigError>,
}

impl Reader<'_> {
    fn origin(&self, span: Option<Range<usize>>) -> Origin {
        Origin::file(self.src.layer, self.src.path, span.map(|s| self.lines.line(s.start)).unwrap_or(1))
    }

    /// Where `key` is written in `t` (the key itself, else its value).
    fn key_origin(&self, t: &dyn TableLike, key: &str) -> Origin {
        self.origin(t.key(key).and_then(|k| k.span()).or_else(|| t.get(key).and_then(Item::span)))
    }

    fn bad(&mut self, origin: Origin, key: &str, detail: impl Into<String>, hint: impl Into<String>) {
        self.errors.push(ConfigError::invalid(&origin, key, detail, hint));
    }

    fn root(&mut self, t: &dyn TableLike) -> LayerSettings {
        let mut out = LayerSettings::default();
        for (key, item) in t.iter() {
            let origin = self.key_origin(t, key);
            if ORG_ONLY_KEYS.contains(&key) && self.src.layer != Layer::Org {
                self.bad(origin, key, "only the org file may set this", "move it to the org file ($SAFE_PIP_ORG_CONFIG or /etc/safe-pip/config.toml), or remove it");
                continue;
            }
            match key {
                "severity" => self.severity(item, &origin, &mut out),
                "alerts" => self.alerts(item, &origin, &mut out),
                "thresholds" => self.thresholds(item, &origin, &mut out),
                "licenses" => self.licenses(item, &origin, &mut out),
                "internal" => self.internal(item, &origin, &mut out),
                "unverified" => {
                    let hint = "write \"block\" (default: unverified files are not installed), \"warn\" or \"allow\"";
                    match item.as_str().and_then(Action::parse) {
                        Some(a) => out.unverified = Some(Located::new(a, origin)),
                        None => self.bad(origin, key, format!("{} is not allowed", shown(item)), hint),
                    }
                }
                "decision" => self.decisions(item, &origin, &mut out),
                "lock" => self.lock(item, &origin, &mut out),
                "allow-critical-decisions" => match item.as_bool() {
                    Some(b) => out.allow_critical_decisions = Some(Located::new(b, origin)),
                    None => self.bad(origin, key, format!("{} is not a boolean", shown(item)), "write true or false"),
                },
                other => {
                    let hint = allowed_hint(other, TOP_KEYS);
                    self.bad(origin, other, "unknown key", hint);
                }
            }
        }
        out
    }

    /// The entries of a table-valued key, or an error when it is not a table.
    fn table<'i>(&mut self, item: &'i Item, origin: &Origin, key: &str, example: &str) -> Option<&'i dyn TableLike> {
        let t = item.as_table_like();
        if t.is_none() {
            self.bad(origin.clone(), key, format!("must be a table, not {}", item.type_name()), format!("write it as `[{key}]` with entries such as {example}"));
        }
        t
    }

    fn action(&mut self, item: &Item, origin: &Origin, key: &str) -> Option<Action> {
        let a = item.as_str().and_then(Action::parse_rule);
        if a.is_none() {
            self.bad(
                origin.clone(),
                key,
                format!("{} is not an action", shown(item)),
                "write \"block\", \"warn\" or \"ignore\" (ignore: the alert does not count toward the verdict; reports still list it)",
            );
        }
        a
    }

    fn severity(&mut self, item: &Item, origin: &Origin, out: &mut LayerSettings) {
        let Some(t) = self.table(item, origin, "severity", "`critical = \"block\"`") else { return };
        for (k, v) in t.iter() {
            let o = self.key_origin(t, k);
            let key = format!("severity.{k}");
            match Severity::ALL.iter().find(|s| s.as_str() == k) {
                Some(s) => {
                    if let Some(a) = self.action(v, &o, &key) {
                        out.severity.insert(*s, Located::new(a, o));
                    }
                }
                None => self.bad(o, &key, "unknown severity", allowed_hint(k, &["critical", "high", "medium", "low"])),
            }
        }
    }

    fn alerts(&mut self, item: &Item, origin: &Origin, out: &mut LayerSettings) {
        let Some(t) = self.table(item, origin, "alerts", "`network-access = \"warn\"`") else { return };
        for (k, v) in t.iter() {
            let o = self.key_origin(t, k);
            let key = format!("alerts.{k}");
            if let Some(id) = self.alert_id(k, &o, &key)
                && let Some(a) = self.action(v, &o, &key)
            {
                out.alerts.insert(id, Located::new(a, o));
            }
        }
    }

    fn alert_id(&mut self, id: &str, origin: &Origin, key: &str) -> Option<AlertId> {
        let found = AlertId::from_id(id);
        if found.is_none() {
            self.bad(
                origin.clone(),
                key,
                format!("unknown alert id `{id}`"),
                format!("did you mean `{}`? `safe-pip explain --all` lists every alert id", AlertId::nearest(id)),
            );
        }
        found
    }

    fn thresholds(&mut self, item: &Item, origin: &Origin, out: &mut LayerSettings) {
        let Some(t) = self.table(item, origin, "thresholds", "`min-release-age-days = 7`") else { return };
        let names: Vec<&str> = Threshold::ALL.iter().map(|t| t.key()).collect();
        for (k, v) in t.iter() {
            let o = self.key_origin(t, k);
            let key = format!("thresholds.{k}");
            let Some(th) = Threshold::from_key(k) else {
                self.bad(o, &key, "unknown threshold", allowed_hint(k, &names));
                continue;
            };
            match v.as_integer() {
                Some(n) if (0..=MAX_DAYS).contains(&n) => {
                    out.thresholds.insert(th, Located::new(n as u32, o));
                }
                _ => self.bad(o, &key, format!("{} is not a number of days", shown(v)), format!("write a whole number from 0 (check off) to {MAX_DAYS}")),
            }
        }
    }

    fn licenses(&mut self, item: &Item, origin: &Origin, out: &mut LayerSettings) {
        let Some(t) = self.table(item, origin, "licenses", "`deny = [\"AGPL-3.0-only\"]`") else { return };
        for (k, v) in t.iter() {
            let o = self.key_origin(t, k);
            let key = format!("licenses.{k}");
            if k != "allow" && k != "deny" {
                self.bad(o, &key, "unknown key", allowed_hint(k, &["allow", "deny"]));
                continue;
            }
            let Some(ids) = self.licence_list(v, &o, &key) else { continue };
            let located = Some(Located::new(ids, o));
            if k == "allow" { out.licenses_allow = located } else { out.licenses_deny = located }
        }
    }

    fn licence_list(&mut self, v: &Item, origin: &Origin, key: &str) -> Option<Vec<String>> {
        let hint = "write a list of SPDX licence ids, e.g. [\"MIT\", \"Apache-2.0\"] (one id per entry, `id WITH exception` allowed)";
        let Some(arr) = v.as_array() else {
            self.bad(origin.clone(), key, format!("{} is not a list", shown(v)), hint);
            return None;
        };
        let mut ids = Vec::new();
        for x in arr.iter() {
            let o = self.origin(x.span()).clone();
            match x.as_str().map(|s| (s, parse_expression(s))) {
                Some((_, Some(Expr::Leaf(leaf)))) => ids.push(leaf.to_string()),
                Some((s, _)) => self.bad(o, key, format!("`{s}` is not one SPDX licence id"), hint),
                None => self.bad(o, key, format!("{} is not a string", value_shown(x)), hint),
            }
        }
        Some(ids)
    }

    fn internal(&mut self, item: &Item, origin: &Origin, out: &mut LayerSettings) {
        let hint = "write `[[internal]]` entries with `name = \"acme-*\"` (a project name or a prefix ending in `*`) and optionally `index = \"https://…/simple/\"`";
        let Some(entries) = self.entries(item, origin, "internal", hint) else { return };
        for (i, (t, span)) in entries.into_iter().enumerate() {
            let o = self.origin(span);
            let key = format!("internal[{i}]");
            if !self.only_keys(t, &key, &["name", "index"]) {
                continue;
            }
            let Some(name) = self.string(t, "name", &key, &o, hint) else { continue };
            let index = t.get("index").and_then(Item::as_str);
            if t.get("index").is_some() && index.is_none() {
                let io = self.key_origin(t, "index");
                self.bad(io, &format!("{key}.index"), "must be a string URL", hint);
                continue;
            }
            let flag = match index {
                Some(i) => format!("{name}={i}"),
                None => name.clone(),
            };
            match InternalRule::parse_flag(&flag) {
                Ok(rule) => out.internal.push(Located::new(rule, o)),
                Err(e) => self.bad(o, &key, e.detail.clone(), hint),
            }
        }
    }

    fn lock(&mut self, item: &Item, origin: &Origin, out: &mut LayerSettings) {
        let keys = lockable_keys();
        let hint = "write a list of keys, e.g. [\"severity.critical\", \"alerts.install-network\", \"unverified\"]; a table name (\"severity\", \"alerts\", \"thresholds\", \"licenses\", \"internal\") locks all its keys";
        let Some(arr) = item.as_array() else {
            self.bad(origin.clone(), "lock", format!("{} is not a list", shown(item)), hint);
            return;
        };
        for x in arr.iter() {
            let o = self.origin(x.span());
            match x.as_str() {
                Some(k) if keys.iter().any(|known| known == k) => out.lock.push(Located::new(k.to_string(), o)),
                Some(k) => {
                    let near = closest(k, keys.iter().map(String::as_str)).map(|n| format!("did you mean `{n}`? ")).unwrap_or_default();
                    self.bad(o, "lock", format!("`{k}` is not a lockable key"), format!("{near}{hint}"));
                }
                None => self.bad(o, "lock", format!("{} is not a string", value_shown(x)), hint),
            }
        }
    }

    fn decisions(&mut self, item: &Item, origin: &Origin, out: &mut LayerSettings) {
        let hint = "write `[[tool.safe-pip.decision]]` entries (`[[decision]]` in safe-pip's own files) with package, action, alerts, reason, by and date; `safe-pip allow` writes them for you";
        let Some(entries) = self.entries(item, origin, "decision", hint) else { return };
        for (i, (t, span)) in entries.into_iter().enumerate() {
            let key = format!("decision[{i}]");
            if let Some(d) = self.decision(t, &key, self.origin(span)) {
                out.decisions.push(d);
            }
        }
    }

    fn decision(&mut self, t: &dyn TableLike, key: &str, origin: Origin) -> Option<DocumentedDecision> {
        const KEYS: &[&str] = &["package", "version", "action", "alerts", "reason", "by", "date", "until"];
        let errors_before = self.errors.len();
        self.only_keys(t, key, KEYS);
        let package = self.string(t, "package", key, &origin, "write the project name, e.g. package = \"requests\"");
        if let Some(p) = &package
            && !is_valid_name(p)
        {
            let o = self.key_origin(t, "package");
            self.bad(o, &format!("{key}.package"), format!("`{p}` is not a project name"), "write the name as on PyPI, e.g. \"requests\"");
        }
        let version = match t.get("version") {
            None => None,
            Some(v) => {
                let o = self.key_origin(t, "version");
                let hint = "write a PEP 440 specifier set, e.g. \"==2.32.3\" or \">=2,<3\"; leave it out to cover every version";
                match v.as_str().map(|s| (s, VersionSpecifiers::from_str(s))) {
                    Some((_, Ok(spec))) if !spec.is_empty() => Some(spec),
                    Some((s, Err(e))) => {
                        self.bad(o, &format!("{key}.version"), format!("`{s}` is not a version specifier: {}", first_line(&e.to_string())), hint);
                        None
                    }
                    _ => {
                        self.bad(o, &format!("{key}.version"), format!("{} is not a version specifier", shown(v)), hint);
                        None
                    }
                }
            }
        };
        let action = match t.get("action").map(|a| a.as_str()) {
            Some(Some("allow")) => Some(DecisionAction::Allow),
            Some(Some("deny")) => Some(DecisionAction::Deny),
            Some(_) => {
                let o = self.key_origin(t, "action");
                self.bad(o, &format!("{key}.action"), format!("{} is not allowed", t.get("action").map(shown).unwrap_or_default()), "write \"allow\" or \"deny\"");
                None
            }
            None => {
                self.bad(origin.clone(), &format!("{key}.action"), "missing", "add action = \"allow\" or \"deny\"");
                None
            }
        };
        let alerts = self.decision_alerts(t, key, &origin, action);
        let reason = self.string(t, "reason", key, &origin, "say why, e.g. reason = \"HTTP client; network access is its job\"");
        let by = self.string(t, "by", key, &origin, "say who decided, e.g. by = \"Alice Example <alice@example.com>\"");
        let date = self.day(t, "date", key, &origin, true);
        let until = self.day(t, "until", key, &origin, false);
        if let (Some(d), Some(u)) = (date, until)
            && u < d
        {
            let o = self.key_origin(t, "until");
            self.bad(o, &format!("{key}.until"), format!("{u} is before the decision's date {d}"), "write the last day the decision applies, after its date");
        }
        if self.errors.len() > errors_before {
            return None;
        }
        Some(DocumentedDecision {
            package: package?,
            version,
            action: action?,
            alerts: alerts?,
            reason: reason?,
            by: by?,
            date: date?,
            until,
            origin,
        })
    }

    fn decision_alerts(&mut self, t: &dyn TableLike, key: &str, origin: &Origin, action: Option<DecisionAction>) -> Option<Vec<AlertId>> {
        let k = format!("{key}.alerts");
        match (t.get("alerts"), action) {
            (None, Some(DecisionAction::Allow)) => {
                self.bad(origin.clone(), &k, "an allow decision must name the alerts it accepts", "add alerts = [\"network-access\", …]: only those alerts are accepted");
                None
            }
            (None, _) => Some(Vec::new()),
            (Some(_), Some(DecisionAction::Deny)) => {
                let o = self.key_origin(t, "alerts");
                self.bad(o, &k, "a deny decision blocks whatever the alerts", "remove `alerts` from the deny decision");
                None
            }
            (Some(v), _) => {
                let o = self.key_origin(t, "alerts");
                let hint = "write a non-empty list of alert ids, e.g. [\"network-access\"]";
                let Some(arr) = v.as_array().filter(|a| !a.is_empty()) else {
                    self.bad(o, &k, format!("{} is not a non-empty list", shown(v)), hint);
                    return None;
                };
                let mut ids = Vec::new();
                for x in arr.iter() {
                    let xo = self.origin(x.span());
                    match x.as_str() {
                        Some(s) => ids.extend(self.alert_id(s, &xo, &k)),
                        None => self.bad(xo, &k, format!("{} is not an alert id", value_shown(x)), hint),
                    }
                }
                Some(ids)
            }
        }
    }

    /// A date as a TOML local date (`2026-11-25`) or a string in that form.
    fn day(&mut self, t: &dyn TableLike, name: &str, key: &str, origin: &Origin, required: bool) -> Option<Day> {
        let k = format!("{key}.{name}");
        let hint = format!("write {name} = 2026-11-25 (a date, YYYY-MM-DD)");
        let Some(v) = t.get(name) else {
            if required {
                self.bad(origin.clone(), &k, "missing", hint);
            }
            return None;
        };
        let day = match (v.as_datetime(), v.as_str()) {
            (Some(dt), _) if dt.time.is_none() && dt.offset.is_none() => dt.date.and_then(|d| Day::from_ymd(i64::from(d.year), u32::from(d.month), u32::from(d.day))),
            (_, Some(s)) => Day::parse(s.trim()),
            _ => None,
        };
        if day.is_none() {
            let o = self.key_origin(t, name);
            self.bad(o, &k, format!("{} is not a date", shown(v)), hint);
        }
        day
    }

    /// A required non-empty string.
    fn string(&mut self, t: &dyn TableLike, name: &str, key: &str, origin: &Origin, hint: &str) -> Option<String> {
        let k = format!("{key}.{name}");
        match t.get(name) {
            None => {
                self.bad(origin.clone(), &k, "missing", hint);
                None
            }
            Some(v) => match v.as_str().map(str::trim) {
                Some(s) if !s.is_empty() => Some(s.to_string()),
                _ => {
                    let o = self.key_origin(t, name);
                    self.bad(o, &k, format!("{} is not a non-empty string", shown(v)), hint);
                    None
                }
            },
        }
    }

    /// Reports keys of `t` not in `allowed`; false when there were any.
    fn only_keys(&mut self, t: &dyn TableLike, key: &str, allowed: &[&str]) -> bool {
        let mut ok = true;
        for (k, _) in t.iter() {
            if !allowed.contains(&k) {
                let o = self.key_origin(t, k);
                self.bad(o, &format!("{key}.{k}"), "unknown key", allowed_hint(k, allowed));
                ok = false;
            }
        }
        ok
    }

    /// The tables of an array of tables (`[[x]]`) or an array of inline tables.
    fn entries<'i>(&mut self, item: &'i Item, origin: &Origin, key: &str, hint: &str) -> Option<Vec<Entry<'i>>> {
        if let Some(aot) = item.as_array_of_tables() {
            return Some(aot.iter().map(|t| (t as &dyn TableLike, t.span())).collect());
        }
        if let Some(arr) = item.as_array()
            && arr.iter().all(Value::is_inline_table)
        {
            return Some(arr.iter().filter_map(|v| v.as_inline_table().map(|t| (t as &dyn TableLike, v.span()))).collect());
        }
        self.bad(origin.clone(), key, format!("must be an array of tables, not {}", item.type_name()), hint);
        None
    }
}

/// A value as the user wrote it, for messages.
fn shown(item: &Item) -> String {
    match item.as_value() {
        Some(v) => value_shown(v),
        None => item.type_name().to_string(),
    }
}

fn value_shown(v: &Value) -> String {
    let s = v.to_string();
    let s = s.trim();
    if s.chars().count() > 60 { format!("{}…", s.chars().take(60).collect::<String>()) } else { s.to_string() }
}

fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or(s).trim().trim_end_matches(':')
}

#[cfg(test)]
mod tests {
    use crate::error::Hint;
    use super::*;

    fn parse(text: &str, layer: Layer) -> Result<LayerSettings, Vec<ConfigError>> {
        let src = Source { text, path: Path::new("/cfg/config.toml"), layer };
        parse_layer(&src, &[]).map(|o| o.expect("root table"))
    }

    fn messages(errors: &[ConfigError]) -> Vec<String> {
        errors.iter().map(|e| format!("{e} | hint: {}", e.hint())).collect()
    }

    #[test]
    fn a_complete_file_is_read_with_lines() {
        let text = r#"
unverified = "warn"

[severity]
high = "block"
low = "ignore"

[alerts]
network-access = "warn"

[thresholds]
min-release-age-days = 7
unmaintained-days = 1000

[licenses]
deny = ["AGPL-3.0", "GPL-3.0-only WITH Classpath-exception-2.0"]

[[internal]]
name = "Acme_*"
index = "https://pypi.acme.internal/simple/"

[[decision]]
package = "Requests"
version = "==2.32.3"
action = "allow"
alerts = ["network-access"]
reason = "HTTP client"
by = "Alice"
date = 2026-11-25
until = "2027-05-25"
"#;
        let l = parse(text, Layer::User).expect("valid");
        assert_eq!(l.unverified.as_ref().map(|u| (u.value, u.origin.to_string())), Some((Action::Warn, "/cfg/config.toml:2".into())));
        assert_eq!(l.severity[&Severity::High].value, Action::Block);
        assert_eq!(l.severity[&Severity::Low].value, Action::Allow);
        assert_eq!(l.severity[&Severity::High].origin.to_string(), "/cfg/config.toml:5");
        assert_eq!(l.alerts[&AlertId::NetworkAccess].value, Action::Warn);
        assert_eq!(l.thresholds[&Threshold::MinReleaseAgeDays].value, 7);
        assert_eq!(l.thresholds[&Threshold::UnmaintainedDays].origin.to_string(), "/cfg/config.toml:13");
        assert_eq!(l.licenses_deny.as_ref().unwrap().value, vec!["AGPL-3.0-only", "GPL-3.0-only WITH Classpath-exception-2.0"]);
        assert_eq!(l.internal[0].value.pattern, "acme-*");
        let d = &l.decisions[0];
        assert_eq!((d.package.as_str(), d.spec(), d.date.to_string(), d.until.map(|u| u.to_string())), ("Requests", "==2.32.3".to_string(), "2026-11-25".into(), Some("2027-05-25".into())));
        assert_eq!(d.origin.to_string(), "/cfg/config.toml:22");
    }

    #[test]
    fn every_error_is_reported_at_once_with_its_line() {
        let text = r#"colour = "red"
[severity]
critical = "blok"
urgent = "warn"

[alerts]
netwrok-access = "warn"

[thresholds]
min-release-age = 3
new-project-days = -1
"#;
        let errors = parse(text, Layer::User).expect_err("invalid");
        let got = messages(&errors);
        insta::assert_snapshot!(got.join("\n"));
        assert_eq!(errors.len(), 6, "{got:#?}");
    }

    #[test]
    fn org_only_keys_and_decision_rules() {
        let text = r#"lock = ["severity.critical"]
allow-critical-decisions = true

[[decision]]
package = "x"
action = "allow"
reason = "r"
by = "b"
date = 2026-11-25

[[decision]]
package = "y"
action = "deny"
alerts = ["network-access"]
reason = ""
by = "b"
date = "2026-13-01"
until = 2020-01-01
version = "=>1"
"#;
        let got = messages(&parse(text, Layer::Project).expect_err("invalid"));
        insta::assert_snapshot!(got.join("\n"));
        let org = parse("lock = [\"severity.critcal\", \"alerts\"]\n", Layer::Org).expect_err("bad lock key");
        assert!(messages(&org)[0].contains("did you mean `severity.critical`"), "{:?}", messages(&org));
    }

    #[test]
    fn syntax_errors_name_the_line() {
        let errors = parse("[severity]\ncritical = \n", Layer::User).expect_err("bad toml");
        assert!(matches!(&errors[0], ConfigError::Syntax { line: 2, .. }), "{errors:?}");
    }

    #[test]
    fn pyproject_without_the_table_has_no_settings() {
        let src = Source { text: "[project]\nname = \"x\"\n", path: Path::new("pyproject.toml"), layer: Layer::Project };
        assert!(parse_layer(&src, &["tool", "safe-pip"]).expect("valid").is_none());
        let src = Source { text: "[tool.safe-pip]\nunverified = \"allow\"\n", path: Path::new("pyproject.toml"), layer: Layer::Project };
        assert_eq!(parse_layer(&src, &["tool", "safe-pip"]).expect("valid").unwrap().unverified.unwrap().value, Action::Allow);
        let src = Source { text: "[tool]\nsafe-pip = 3\n", path: Path::new("pyproject.toml"), layer: Layer::Project };
        assert!(parse_layer(&src, &["tool", "safe-pip"]).is_err());
    }
}
