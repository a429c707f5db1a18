//! Locked keys: the org file lists keys (`lock = [...]`) that lower layers may tighten but
//! never weaken. What "weaker" means per kind of value:
//!
//! - actions: block > warn > ignore; `unverified`: block > warn > allow;
//! - thresholds: see [`super::layer::Threshold::is_weaker`];
//! - `licenses.deny`: dropping a denied licence; `licenses.allow`: allowing a licence the
//!   org's list does not (an empty list allows every licence);
//! - `internal`: a rule for a name an org rule covers that points at another index.

use super::origin::Located;
use crate::analysis::names::InternalRule;
use std::collections::BTreeMap;

/// The lock entry that covers `key` (the key itself or its table, `severity` for `severity.high`).
pub(super) fn locked_by<'a>(locks: &'a [Located<String>], key: &str) -> Option<&'a Located<String>> {
    locks.iter().find(|l| l.value == key || key.strip_prefix(l.value.as_str()).is_some_and(|rest| rest.starts_with('.')))
}

fn contains(list: &[String], id: &str) -> bool {
    list.iter().any(|x| x.eq_ignore_ascii_case(id))
}

/// A new allow list is weaker when the locked one restricts and the new one lets more through.
pub(super) fn allow_list_is_weaker(new: &[String], locked: &[String]) -> bool {
    !locked.is_empty() && (new.is_empty() || new.iter().any(|id| !contains(locked, id)))
}

/// A new deny list is weaker when it drops any locked entry.
pub(super) fn deny_list_is_weaker(new: &[String], locked: &[String]) -> bool {
    locked.iter().any(|id| !contains(new, id))
}

fn index_key(url: &Option<String>) -> Option<String> {
    url.as_ref().map(|u| u.trim().trim_end_matches('/').to_ascii_lowercase())
}

/// The locked internal-name rules, indexed by pattern so that checking each rule of a
/// lower layer costs the length of its pattern, not the number of locked rules.
pub(super) struct LockedInternal<'a> {
    rules: &'a [Located<InternalRule>],
    /// Exact pattern → positions, sorted so that the names under a prefix are a range.
    exact: BTreeMap<&'a str, Vec<usize>>,
    /// Prefix (without `*`) → positions, likewise.
    prefixes: BTreeMap<&'a str, Vec<usize>>,
}

impl<'a> LockedInternal<'a> {
    pub(super) fn new(rules: &'a [Located<InternalRule>]) -> LockedInternal<'a> {
        let mut exact: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
        let mut prefixes: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
        for (i, r) in rules.iter().enumerate() {
            match r.value.pattern.strip_suffix('*') {
                Some(p) => prefixes.entry(p).or_default().push(i),
                None => exact.entry(r.value.pattern.as_str()).or_default().push(i),
            }
        }
        LockedInternal { rules, exact, prefixes }
    }

    /// The first locked rule whose names `new` also covers and sends to another index.
    pub(super) fn conflict(&self, new: &InternalRule) -> Option<&'a Located<InternalRule>> {
        let mut overlapping: Vec<usize> = Vec::new();
        let pattern = new.pattern.as_str();
        let stem = pattern.strip_suffix('*');
        let text = stem.unwrap_or(pattern);
        // locked prefixes that the new pattern starts with
        for end in (0..=text.len()).filter(|&e| text.is_char_boundary(e)) {
            overlapping.extend(self.prefixes.get(&text[..end]).into_iter().flatten());
        }
        match stem {
            None => overlapping.extend(self.exact.get(text).into_iter().flatten()),
            Some(q) => {
                // locked names and prefixes under the new prefix
                let under = |m: &BTreeMap<&'a str, Vec<usize>>| -> Vec<usize> {
                    m.range(q..).take_while(|(k, _)| k.starts_with(q)).flat_map(|(_, v)| v.iter().copied()).collect()
                };
                overlapping.extend(under(&self.exact));
                overlapping.extend(under(&self.prefixes));
            }
        }
        let own = index_key(&new.index);
        overlapping.into_iter().filter(|&i| index_key(&self.rules[i].value.index) != own).min().map(|i| &self.rules[i])
    }
}

/// The locked rule that `new` would redirect to another index, if any.
#[cfg(test)]
fn internal_conflict<'a>(new: &InternalRule, locked: &'a [Located<InternalRule>]) -> Option<&'a Located<InternalRule>> {
    LockedInternal::new(locked).conflict(new)
}

#[cfg(test)]
mod tests {
    use super::super::origin::Origin;
    use super::*;

    fn s(xs: &[&str]) -> Vec<String> {
        xs.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn keys_lock_themselves_and_their_table() {
        let locks = vec![Located::default("severity".to_string()), Located::default("alerts.install-network".to_string())];
        assert!(locked_by(&locks, "severity.high").is_some());
        assert!(locked_by(&locks, "alerts.install-network").is_some());
        assert!(locked_by(&locks, "alerts.install-networking").is_none());
        assert!(locked_by(&locks, "alerts.network-access").is_none());
        assert!(locked_by(&locks, "severityx").is_none());
    }

    #[test]
    fn licence_lists() {
        assert!(deny_list_is_weaker(&s(&["GPL-3.0-only"]), &s(&["AGPL-3.0-only", "GPL-3.0-only"])));
        assert!(!deny_list_is_weaker(&s(&["agpl-3.0-only", "GPL-3.0-only", "SSPL-1.0"]), &s(&["AGPL-3.0-only"])));
        assert!(allow_list_is_weaker(&s(&[]), &s(&["MIT"])), "an empty allow list allows everything");
        assert!(allow_list_is_weaker(&s(&["MIT", "GPL-3.0-only"]), &s(&["MIT", "Apache-2.0"])));
        assert!(!allow_list_is_weaker(&s(&["MIT"]), &s(&["MIT", "Apache-2.0"])));
        assert!(!allow_list_is_weaker(&s(&["MIT"]), &s(&[])));
    }

    #[test]
    fn internal_rules_may_not_be_redirected() {
        let rule = |p: &str, i: Option<&str>| InternalRule { pattern: p.into(), index: i.map(String::from) };
        let locked = vec![Located::new(rule("acme-*", Some("https://pypi.acme/simple/")), Origin::Default)];
        assert!(internal_conflict(&rule("acme-utils", Some("https://evil/simple/")), &locked).is_some());
        assert!(internal_conflict(&rule("acme-*", None), &locked).is_some());
        assert!(internal_conflict(&rule("acme-utils", Some("https://PYPI.acme/simple")), &locked).is_none());
        assert!(internal_conflict(&rule("corp-*", Some("https://corp/simple/")), &locked).is_none());
    }

    /// Whether two internal-name patterns can match the same name: the definition the
    /// index must agree with.
    fn overlap(a: &str, b: &str) -> bool {
        match (a.strip_suffix('*'), b.strip_suffix('*')) {
            (None, None) => a == b,
            (Some(p), None) => b.starts_with(p),
            (None, Some(p)) => a.starts_with(p),
            (Some(p), Some(q)) => p.starts_with(q) || q.starts_with(p),
        }
    }

    #[test]
    fn indexed_conflicts_agree_with_comparing_every_pair() {
        let rule = |p: &str, i: Option<&str>| InternalRule { pattern: p.into(), index: i.map(String::from) };
        let a = Some("https://a/simple/");
        let b = Some("https://b/simple/");
        let locked: Vec<Located<InternalRule>> =
            [rule("acme-*", a), rule("acme-data", b), rule("acme-data-*", a), rule("corp", None), rule("x*", b), rule("acme-data", a)]
                .into_iter()
                .map(|r| Located::new(r, Origin::Default))
                .collect();
        let index = LockedInternal::new(&locked);
        let by_pairs = |new: &InternalRule| {
            locked.iter().position(|l| overlap(&l.value.pattern, &new.pattern) && index_key(&l.value.index) != index_key(&new.index))
        };
        for pattern in ["acme-*", "acme-data", "acme-data-x", "acme-d*", "a*", "corp", "corp-*", "co*", "x", "xyz-*", "other", "*"] {
            for idx in [None, a, b] {
                let new = rule(pattern, idx);
                let got = index.conflict(&new).map(|l| locked.iter().position(|x| std::ptr::eq(x, l)).expect("one of them"));
                assert_eq!(got, by_pairs(&new), "{pattern} {idx:?}");
            }
        }
    }
}
