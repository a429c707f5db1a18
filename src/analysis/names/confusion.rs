//! Dependency confusion: an internal project name that a public (or a second) index also
//! offers. pip merges the candidates of `--index-url` and every `--extra-index-url`, so the
//! highest version wins wherever it comes from; an attacker who registers the internal
//! name publicly with a higher version gets installed.
//!
//! The policy says which names are internal (exact normalised names or `prefix-*`) and,
//! optionally, the index each must come from. [`check_confusion`] is pure: it takes what
//! each configured index answered and returns findings.

use crate::alerts::AlertId;
use crate::finding::Finding;
use crate::redact::redact;
use crate::pep503::{is_valid_name, normalize_name};
use std::collections::HashMap;
use std::fmt;

/// Hosts of the public Python Package Index (and its test instance).
const PUBLIC_HOSTS: &[&str] = &["pypi.org", "files.pythonhosted.org", "test.pypi.org", "pypi.python.org"];

/// One internal-name rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InternalRule {
    /// An exact normalised name, or a normalised prefix ending in `*` (e.g. `acme-*`).
    pub pattern: String,
    /// The index URL the name must come from; `None`: anything but public PyPI.
    pub index: Option<String>,
}

/// Names that belong to the organisation and must never come from elsewhere.
///
/// Rules are indexed by pattern, so a lookup costs the length of the name whatever the
/// number of rules (an organisation may list every internal project: 100,000 rules).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct InternalPolicy {
    rules: Vec<InternalRule>,
    /// Exact pattern → the first rule with it.
    exact: HashMap<String, usize>,
    /// Prefix (without its `*`) → the last rule with it.
    prefixes: HashMap<String, usize>,
}

/// A `--internal` / `SAFE_PIP_INTERNAL` value that could not be understood.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InternalRuleError {
    pub value: String,
    pub detail: String,
}

impl fmt::Display for InternalRuleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "internal-name rule `{}`: {}", redact(&self.value), self.detail)
    }
}

impl std::error::Error for InternalRuleError {}

impl crate::error::Hint for InternalRuleError {
    fn hint(&self) -> String {
        "write NAME or PREFIX-* optionally followed by =INDEX_URL, e.g. `--internal 'acme-*=https://pypi.acme.internal/simple/'`; \
         separate several rules in SAFE_PIP_INTERNAL with commas"
            .into()
    }
}

impl InternalRule {
    /// `PATTERN[=INDEX]`: `acme-utils`, `acme-*`, `acme-*=https://pypi.acme.internal/simple/`.
    pub fn parse_flag(value: &str) -> Result<InternalRule, InternalRuleError> {
        let err = |detail: &str| InternalRuleError { value: value.trim().to_string(), detail: detail.to_string() };
        let (pattern, index) = match value.trim().split_once('=') {
            Some((p, i)) => (p.trim(), Some(i.trim())),
            None => (value.trim(), None),
        };
        let (stem, prefix) = match pattern.strip_suffix('*') {
            Some(s) => (s, true),
            None => (pattern, false),
        };
        if stem.contains('*') {
            return Err(err("`*` is only allowed once, at the end of the pattern"));
        }
        // A prefix may end in a separator (`acme-*`); what comes before must be a name.
        let core = if prefix { stem.trim_end_matches(['-', '_', '.']) } else { stem };
        if !is_valid_name(core) {
            return Err(err("the pattern is not a project name or a name prefix ending in `*`"));
        }
        let mut pattern = normalize_name(stem);
        if prefix {
            if stem.ends_with(['-', '_', '.']) {
                pattern.push('-');
            }
            pattern.push('*');
        }
        let index = match index {
            None => None,
            Some("") => return Err(err("the index URL after `=` is empty")),
            Some(i) => match url::Url::parse(i) {
                Ok(u) if matches!(u.scheme(), "http" | "https") && u.has_host() => Some(i.to_string()),
                _ => return Err(err("the index after `=` is not an http(s) URL")),
            },
        };
        Ok(InternalRule { pattern, index })
    }

    /// Whether files of a name matching this rule may come from `index_url`: the rule's
    /// own index when it names one, else any index but public PyPI.
    pub fn allows_index(&self, index_url: &str) -> bool {
        match &self.index {
            Some(own) => index_key(own) == index_key(index_url),
            None => !is_public(index_url),
        }
    }

    fn describe(&self) -> String {
        match &self.index {
            Some(i) => format!("`{}` (must come from {})", self.pattern, redact(i)),
            None => format!("`{}` (must not come from public PyPI)", self.pattern),
        }
    }
}

impl InternalPolicy {
    /// Every rule of `values`, in order; the first bad value is the error.
    pub fn from_flags<S: AsRef<str>>(values: &[S]) -> Result<InternalPolicy, InternalRuleError> {
        let rules = values.iter().map(|v| v.as_ref()).filter(|v| !v.trim().is_empty()).map(InternalRule::parse_flag).collect::<Result<_, _>>()?;
        Ok(InternalPolicy::new(rules))
    }

    /// The policy of `rules`, in configuration order.
    pub fn new(rules: Vec<InternalRule>) -> InternalPolicy {
        let mut exact = HashMap::new();
        let mut prefixes = HashMap::new();
        for (i, r) in rules.iter().enumerate() {
            match r.pattern.strip_suffix('*') {
                Some(prefix) => {
                    prefixes.insert(prefix.to_string(), i);
                }
                None => {
                    exact.entry(r.pattern.clone()).or_insert(i);
                }
            }
        }
        InternalPolicy { rules, exact, prefixes }
    }

    pub fn rules(&self) -> &[InternalRule] {
        &self.rules
    }

    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// The rule that makes `name` internal: the first exact rule, else the longest
    /// matching prefix (so a specific index pin wins over a broad one).
    pub fn matches(&self, name: &str) -> Option<&InternalRule> {
        let n = normalize_name(name);
        if let Some(&i) = self.exact.get(&n) {
            return Some(&self.rules[i]);
        }
        // a prefix rule needs at least one more character after the prefix
        (0..n.len()).rev().filter(|&end| n.is_char_boundary(end)).find_map(|end| self.prefixes.get(&n[..end])).map(|&i| &self.rules[i])
    }
}

/// An index URL in a form that compares equal however it was typed: no credentials, no
/// trailing slash, lower-case scheme and host.
fn index_key(url: &str) -> String {
    match url::Url::parse(url.trim()) {
        Ok(mut u) => {
            let _ = u.set_username("");
            let _ = u.set_password(None);
            u.set_query(None);
            u.set_fragment(None);
            u.to_string().trim_end_matches('/').to_string()
        }
        Err(_) => url.trim().trim_end_matches('/').to_ascii_lowercase(),
    }
}

fn is_public(url: &str) -> bool {
    url::Url::parse(url.trim()).ok().and_then(|u| u.host_str().map(str::to_ascii_lowercase)).is_some_and(|h| PUBLIC_HOSTS.contains(&h.as_str()))
}

/// Findings for `name` given which configured index offers it (`(index URL, offers?)`,
/// in configuration order):
/// - `dependency-confusion` (critical) when the name is internal and an index other than
///   the rule's (or, without one, public PyPI) offers it, or when an internal name is
///   offered by more than one index;
/// - `ambiguous-index` (high) when any other name is offered by more than one index.
pub fn check_confusion(name: &str, policy: &InternalPolicy, offers: &[(String, bool)]) -> Vec<Finding> {
    let name = normalize_name(name);
    let offering: Vec<&str> = offers.iter().filter(|(_, o)| *o).map(|(u, _)| u.as_str()).collect();
    let shown = |urls: &[&str]| urls.iter().map(|u| redact(u)).collect::<Vec<_>>().join(", ");
    let several = offering.len() > 1;
    match policy.matches(&name) {
        Some(rule) => {
            let foreign: Vec<&str> = match &rule.index {
                Some(own) => offering.iter().copied().filter(|u| index_key(u) != index_key(own)).collect(),
                None => offering.iter().copied().filter(|u| is_public(u)).collect(),
            };
            if foreign.is_empty() && !several {
                return Vec::new();
            }
            let mut msg = format!("`{name}` is internal by rule {}", rule.describe());
            if !foreign.is_empty() {
                msg.push_str(&format!(" but is offered by {}", shown(&foreign)));
            }
            if several {
                msg.push_str(&format!(
                    "{} several configured indexes offer it ({}); pip merges them and installs the highest version wherever it comes from",
                    if foreign.is_empty() { " but" } else { ";" },
                    shown(&offering)
                ));
            }
            vec![Finding::new(AlertId::DependencyConfusion, "", msg)]
        }
        None if several => vec![Finding::new(
            AlertId::AmbiguousIndex,
            "",
            format!(
                "`{name}` is offered by {} configured indexes ({}); pip merges them and installs the highest version wherever it comes from. \
                 If `{name}` is yours, declare it internal (--internal '{name}=INDEX')",
                offering.len(),
                shown(&offering)
            ),
        )],
        None => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use crate::error::Hint;
    use super::*;

    const INTERNAL: &str = "https://pypi.acme.internal/simple/";
    const PYPI: &str = "https://pypi.org/simple/";

    fn policy(flags: &[&str]) -> InternalPolicy {
        InternalPolicy::from_flags(flags).unwrap()
    }

    fn offers(list: &[(&str, bool)]) -> Vec<(String, bool)> {
        list.iter().map(|(u, o)| (u.to_string(), *o)).collect()
    }

    fn ids(f: &[Finding]) -> Vec<&'static str> {
        f.iter().map(|f| f.alert.id()).collect()
    }

    /// The definition the indexed lookup must agree with: the first exact rule, else the
    /// longest matching prefix (the last of equal ones).
    fn matches_by_scanning<'a>(p: &'a InternalPolicy, name: &str) -> Option<&'a InternalRule> {
        let n = normalize_name(name);
        let hit = |r: &&InternalRule| match r.pattern.strip_suffix('*') {
            Some(prefix) => n.starts_with(prefix) && n.len() > prefix.len(),
            None => n == r.pattern,
        };
        p.rules().iter().filter(|r| !r.pattern.ends_with('*')).find(hit)
            .or_else(|| p.rules().iter().filter(|r| r.pattern.ends_with('*')).filter(hit).max_by_key(|r| r.pattern.len()))
    }

    #[test]
    fn indexed_lookup_agrees_with_scanning_every_rule() {
        let p = policy(&[
            "acme-*",
            "acme-data-*=https://a/simple/",
            "acme-data",
            "acme-data=https://b/simple/",
            "acme-*=https://c/simple/",
            "corp",
            "x*",
        ]);
        for name in ["acme", "acme-", "acme-x", "Acme_Data", "acme-data-y", "acme-data-", "corp", "corp-x", "x", "xy", "other", ""] {
            assert_eq!(p.matches(name), matches_by_scanning(&p, name), "{name}");
        }
    }

    #[test]
    fn each_of_many_prefix_rules_matches_its_own_names() {
        let rules: Vec<String> = (0..100_000).map(|i| format!("team{i}-*")).collect();
        let p = policy(&rules.iter().map(String::as_str).collect::<Vec<_>>());
        // each lookup is a few hash probes; scanning would be 10^10 comparisons here
        for i in (0..100_000).step_by(1000) {
            assert_eq!(p.matches(&format!("team{i}-tool")).map(|r| r.pattern.as_str()), Some(format!("team{i}-*").as_str()));
        }
        assert!(p.matches("team-tool").is_none());
    }

    #[test]
    fn flags_are_parsed_and_normalised() {
        assert_eq!(
            InternalRule::parse_flag("Acme_*=https://pypi.acme.internal/simple/").unwrap(),
            InternalRule { pattern: "acme-*".into(), index: Some(INTERNAL.into()) }
        );
        assert_eq!(InternalRule::parse_flag(" Acme.Utils ").unwrap(), InternalRule { pattern: "acme-utils".into(), index: None });
        assert_eq!(InternalRule::parse_flag("acme*").unwrap().pattern, "acme*");
        for bad in ["", "*", "-*", "a*b*", "acme-*=", "acme=ftp://x/", "acme=not a url", "../x", "ac me"] {
            let e = InternalRule::parse_flag(bad).unwrap_err();
            assert!(!e.hint().is_empty() && !e.to_string().is_empty(), "{bad}");
        }
        // Credentials in a bad value are not echoed.
        let e = InternalRule::parse_flag("a*b*=https://u:secret@x/").unwrap_err();
        assert!(!e.to_string().contains("secret"), "{e}");
        assert!(InternalPolicy::from_flags(&["acme-*", ""]).unwrap().rules().len() == 1);
        assert!(InternalPolicy::from_flags(&["acme-*", "a b"]).is_err());
    }

    #[test]
    fn rules_say_which_index_may_serve_a_name() {
        let pinned = InternalRule::parse_flag(&format!("acme-*={INTERNAL}")).unwrap();
        assert!(pinned.allows_index("https://tok@pypi.acme.internal/simple"));
        assert!(!pinned.allows_index("https://mirror.example/simple/"));
        let unpinned = InternalRule::parse_flag("acme-*").unwrap();
        assert!(unpinned.allows_index("https://mirror.example/simple/"));
        assert!(!unpinned.allows_index(PYPI));
    }

    #[test]
    fn exact_and_prefix_rules_match_normalised_names() {
        let p = policy(&["acme-*", "corp-utils=https://corp/simple/", "acme-special=https://special/simple/"]);
        assert_eq!(p.matches("Acme_Utils").unwrap().pattern, "acme-*");
        assert_eq!(p.matches("acme.special").unwrap().index.as_deref(), Some("https://special/simple/"));
        assert!(p.matches("corp.utils").is_some());
        assert!(p.matches("acme").is_none(), "`acme-*` needs something after the dash");
        assert!(p.matches("acmeutils").is_none());
        assert!(p.matches("corp-utils-extra").is_none());
        assert!(p.matches("requests").is_none());
        assert!(InternalPolicy::default().matches("acme-utils").is_none());
    }

    #[test]
    fn internal_name_on_public_pypi_is_confusion() {
        let p = policy(&["acme-*"]);
        let f = check_confusion("acme-utils", &p, &offers(&[(PYPI, true)]));
        assert_eq!(ids(&f), ["dependency-confusion"]);
        assert_eq!(f[0].severity(), crate::alerts::Severity::Critical);
        assert!(f[0].message.contains("pypi.org") && f[0].message.contains("`acme-*`"), "{}", f[0].message);
        // Only the internal index has it: quiet.
        assert!(check_confusion("acme-utils", &p, &offers(&[(PYPI, false), (INTERNAL, true)])).is_empty());
    }

    #[test]
    fn pinned_rule_accepts_only_its_own_index() {
        let p = policy(&[&format!("acme-*={INTERNAL}")]);
        // Same index however typed: quiet.
        assert!(check_confusion("acme-utils", &p, &offers(&[("https://user:tok@PYPI.acme.internal/simple", true)])).is_empty());
        // A second private index (not PyPI) offering it is still confusion for a pinned rule.
        let f = check_confusion("acme-utils", &p, &offers(&[(INTERNAL, true), ("https://u:secret@mirror.example/simple/", true)]));
        assert_eq!(ids(&f), ["dependency-confusion"]);
        assert!(f[0].message.contains("mirror.example") && !f[0].message.contains("secret"), "{}", f[0].message);
        assert!(f[0].message.contains(INTERNAL), "{}", f[0].message);
        // Only public PyPI offers it (the internal index does not): confusion.
        assert_eq!(ids(&check_confusion("acme-utils", &p, &offers(&[(PYPI, true), (INTERNAL, false)]))), ["dependency-confusion"]);
        // Not offered anywhere: nothing to say here.
        assert!(check_confusion("acme-utils", &p, &offers(&[(PYPI, false), (INTERNAL, false)])).is_empty());
    }

    #[test]
    fn a_name_on_two_indexes_is_critical_if_internal_else_ambiguous() {
        let both = offers(&[("https://one.example/simple/", true), ("https://two.example/simple/", true)]);
        // Internal (unpinned), two private indexes: pip's merge makes it critical.
        let f = check_confusion("acme-utils", &policy(&["acme-*"]), &both);
        assert_eq!(ids(&f), ["dependency-confusion"]);
        assert!(f[0].message.contains("one.example") && f[0].message.contains("two.example"), "{}", f[0].message);
        // Not internal: investigate.
        let f = check_confusion("left-pad", &policy(&["acme-*"]), &both);
        assert_eq!(ids(&f), ["ambiguous-index"]);
        assert_eq!(f[0].severity(), crate::alerts::Severity::High);
        assert!(f[0].message.contains("--internal 'left-pad=INDEX'"), "{}", f[0].message);
        // One index only: nothing.
        assert!(check_confusion("left-pad", &InternalPolicy::default(), &offers(&[(PYPI, true), (INTERNAL, false)])).is_empty());
    }
}
