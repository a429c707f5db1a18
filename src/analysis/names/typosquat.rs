//! Typosquatting: a name one small, typical mistake away from a popular project.
//!
//! What it detects: names that differ from a much more downloaded project by a
//! homoglyph (`djang0`), a missing, extra, doubled, swapped or keyboard-adjacent
//! character (`reqests`, `requestss`), a separator variant (`python_dateutil`), an
//! added or dropped `python-`/`py` affix, reordered name parts, or a shortened compound
//! name (`django-rest` for `djangorestframework`).
//! Why it is risky: attackers publish such names hoping for a slip of the keyboard;
//! the package then runs its install script on the victim's machine.
//! Established names are never flagged: a name in the bundled top list is someone's real
//! project, and a popular name is never reported against a less popular one.
//! Remedy: install the project that was meant (named in the alert).

use super::{Popular, TopPackages, normalize};
use rustc_hash::FxHashMap as HashMap;
use std::sync::OnceLock;

/// Edits like "one missing letter" only count against projects this popular and this
/// long: short names and the long tail have too many innocent neighbours.
const EDIT_TARGET_MAX_RANK: u32 = 5000;
const EDIT_TARGET_MIN_LEN: usize = 5;
/// A shortened compound must keep this much of the target and the target must be this popular.
const SHORTENED_MIN_LEN: usize = 8;
const SHORTENED_TARGET_MAX_RANK: u32 = 2000;

/// A probable typosquat: which project was probably meant and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Squat {
    pub name: String,
    pub target: String,
    pub target_rank: u32,
    /// "zero instead of 'o'", "missing 'u'", …
    pub reason: String,
}

impl Squat {
    /// The alert message: "`reqests` looks like `requests` (#4 on PyPI): missing 'u'".
    pub fn message(&self) -> String {
        format!("`{}` looks like `{}` (#{} on PyPI): {}", self.name, self.target, self.target_rank, self.reason)
    }
}

/// Exact names of edit-eligible targets → entry index. Built once per process, on the
/// first name that is not established; the whole-name variants below are checked by
/// scanning the (rank-ordered) list, which is cheaper than indexing it for one query.
fn edit_targets() -> &'static HashMap<String, usize> {
    static TARGETS: OnceLock<HashMap<String, usize>> = OnceLock::new();
    TARGETS.get_or_init(|| {
        let top = TopPackages::get();
        let mut map = HashMap::with_capacity_and_hasher(top.entries.len() / 2, Default::default());
        for (i, p) in top.entries.iter().enumerate().filter(|(_, p)| edit_eligible(p)) {
            map.entry(p.name.clone()).or_insert(i);
        }
        map
    })
}

/// The most popular project whose name, transformed by `key`, equals `wanted`. Only names
/// of similar length can match, so the transform runs on few entries.
fn most_popular_with(entries: &[Popular], wanted: &str, key: fn(&str) -> String) -> Option<usize> {
    entries
        .iter()
        .position(|p| p.name.len().abs_diff(wanted.len()) <= 4 && key(&p.name) == wanted)
}

/// Whether single-character edits of this project's name count as typosquats of it.
fn edit_eligible(p: &Popular) -> bool {
    p.rank <= EDIT_TARGET_MAX_RANK && p.name.chars().count() >= EDIT_TARGET_MIN_LEN
}

fn compact(name: &str) -> String {
    name.chars().filter(|c| !matches!(c, '-' | '_' | '.')).collect()
}

/// Folds look-alike characters: 0/o, 1/l/i, 5/s, 3/e, 4/a, 7/t, rn/m, vv/w.
fn canonical(name: &str) -> String {
    let s = compact(name).replace("rn", "m").replace("vv", "w");
    s.chars()
        .map(|c| match c {
            '0' => 'o',
            '1' | 'i' => 'l',
            '5' => 's',
            '3' => 'e',
            '4' => 'a',
            '7' => 't',
            c => c,
        })
        .collect()
}

fn sorted_parts(name: &str) -> String {
    let mut parts: Vec<&str> = name.split('-').collect();
    parts.sort_unstable();
    parts.join("-")
}

/// Whether `short` is `long` with exactly one character removed.
fn is_one_deletion(short: &[char], long: &[char]) -> bool {
    if long.len() != short.len() + 1 {
        return false;
    }
    let pos = short.iter().zip(long).position(|(a, b)| a != b).unwrap_or(short.len());
    short[pos..] == long[pos + 1..]
}

fn describe_char(c: char) -> String {
    match c {
        '0' => "zero".into(),
        '1' => "one".into(),
        '-' => "hyphen".into(),
        c => format!("'{c}'"),
    }
}

/// Explains a homoglyph difference between two names of which the canonical forms match.
fn homoglyph_reason(name: &str, target: &str) -> String {
    let (a, b) = (compact(name), compact(target));
    if a.len() == b.len() {
        if let Some((x, y)) = a.chars().zip(b.chars()).find(|(x, y)| x != y) {
            return format!("{} instead of {}", describe_char(x), describe_char(y));
        }
    }
    for (look, real) in [("rn", "m"), ("vv", "w")] {
        if a.contains(look) && !b.contains(look) {
            return format!("'{look}' instead of '{real}'");
        }
        if b.contains(look) && !a.contains(look) {
            return format!("'{real}' instead of '{look}'");
        }
    }
    "look-alike characters".into()
}

const QWERTY_ROWS: [&str; 3] = ["qwertyuiop", "asdfghjkl", "zxcvbnm"];

fn keyboard_neighbours(c: char) -> Vec<char> {
    for (r, row) in QWERTY_ROWS.iter().enumerate() {
        if let Some(i) = row.find(c) {
            let mut out = Vec::new();
            let row_chars: Vec<char> = row.chars().collect();
            if i > 0 {
                out.push(row_chars[i - 1]);
            }
            if i + 1 < row_chars.len() {
                out.push(row_chars[i + 1]);
            }
            for other in [r.wrapping_sub(1), r + 1] {
                if let Some(o) = QWERTY_ROWS.get(other) {
                    let oc: Vec<char> = o.chars().collect();
                    for k in [i.saturating_sub(1), i, i + 1] {
                        if let Some(ch) = oc.get(k) {
                            out.push(*ch);
                        }
                    }
                }
            }
            return out;
        }
    }
    Vec::new()
}

const AFFIXES: [(&str, bool); 8] = [
    ("python-", true),
    ("python3-", true),
    ("py-", true),
    ("py", true),
    ("-python", false),
    ("-py", false),
    ("-python3", false),
    ("py", false),
];

/// Checks a project name; `None` when it is established or resembles nothing popular.
pub fn check_typosquat(raw: &str) -> Option<Squat> {
    let name = normalize(raw);
    let top = TopPackages::get();
    if name.is_empty() || top.rank(&name).is_some() {
        return None;
    }
    check_against(name, top.entries.len())
}

/// For measuring precision (bench/eval_typosquat.py): checks a name as if it were not
/// established, against the projects more popular than it only. A popular project that
/// this flags is a legitimate name the rules would have reported had it been new.
pub fn check_typosquat_as_new(raw: &str) -> Option<Squat> {
    let name = normalize(raw);
    let top = TopPackages::get();
    if name.is_empty() {
        return None;
    }
    let limit = top.rank(&name).and_then(|r| top.entries.iter().position(|p| p.rank == r)).unwrap_or(top.entries.len());
    check_against(name, limit)
}

/// The rules, against the `limit` most popular entries only.
fn check_against(name: String, limit: usize) -> Option<Squat> {
    let top = TopPackages::get();
    let entries = &top.entries[..limit];
    let all_targets = edit_targets();
    let targets = |key: &str| all_targets.get(key).copied().filter(|&i| i < limit);
    let hit = |i: usize, reason: String| {
        let p = &top.entries[i];
        Some(Squat { name: name.clone(), target: p.name.clone(), target_rank: p.rank, reason })
    };
    let most_popular_with = |wanted: &str, key: fn(&str) -> String| most_popular_with(entries, wanted, key);

    if let Some(i) = most_popular_with(&compact(&name), compact) {
        return hit(i, format!("separator variant of '{}' (-, _, . or none)", top.entries[i].name));
    }
    if let Some(i) = most_popular_with(&canonical(&name), canonical) {
        return hit(i, homoglyph_reason(&name, &top.entries[i].name));
    }
    if name.contains('-') {
        if let Some(i) = most_popular_with(&sorted_parts(&name), sorted_parts).filter(|&i| top.entries[i].name.contains('-')) {
            return hit(i, "name parts reordered".into());
        }
    }
    for (affix, prefix) in AFFIXES {
        let stripped = if prefix { name.strip_prefix(affix) } else { name.strip_suffix(affix) };
        if let Some(s) = stripped.filter(|s| s.len() >= 3) {
            if let Some(i) = top.rank(s).and_then(|rank| entries.iter().position(|p| p.rank == rank)) {
                let how = if prefix { "prefix" } else { "suffix" };
                return hit(i, format!("'{affix}' {how} added to '{s}'"));
            }
        }
        let added = if prefix { format!("{affix}{name}") } else { format!("{name}{affix}") };
        if let Some(i) = targets(&added) {
            let how = if prefix { "prefix" } else { "suffix" };
            return hit(i, format!("'{affix}' {how} dropped"));
        }
    }

    let chars: Vec<char> = name.chars().collect();
    // Extra or doubled character: deleting one character of the name gives a target.
    for i in 0..chars.len() {
        let candidate: String = chars.iter().enumerate().filter(|(j, _)| *j != i).map(|(_, c)| *c).collect();
        if let Some(t) = targets(&candidate) {
            let doubled = (i > 0 && chars[i - 1] == chars[i]) || chars.get(i + 1) == Some(&chars[i]);
            let kind = if doubled { "doubled" } else { "extra" };
            return hit(t, format!("{kind} {}", describe_char(chars[i])));
        }
    }
    // Missing character: the name is a target with one character deleted. A scan of
    // the edit targets is cheaper than indexing every deletion of every popular name.
    let missing = entries.iter().enumerate().filter(|(_, p)| edit_eligible(p) && p.name.len() == name.len() + 1).find_map(|(i, p)| {
        let target: Vec<char> = p.name.chars().collect();
        is_one_deletion(&chars, &target).then_some((i, target))
    });
    if let Some((t, target)) = missing {
        let pos = chars.iter().zip(&target).position(|(a, b)| a != b).unwrap_or(chars.len());
        return hit(t, format!("missing {}", describe_char(target[pos])));
    }
    // Swapped neighbours, then a keyboard-adjacent slip.
    for i in 0..chars.len().saturating_sub(1) {
        let mut c = chars.clone();
        c.swap(i, i + 1);
        if let Some(t) = targets(&c.iter().collect::<String>()) {
            return hit(t, format!("swapped '{}{}'", chars[i], chars[i + 1]));
        }
    }
    for i in 0..chars.len() {
        for n in keyboard_neighbours(chars[i]) {
            let mut c = chars.clone();
            c[i] = n;
            if let Some(t) = targets(&c.iter().collect::<String>()) {
                return hit(t, format!("'{}' instead of neighbouring key '{}'", chars[i], n));
            }
        }
    }
    // A shortened compound name: `django-rest` for `djangorestframework`.
    let short = compact(&name);
    if name.contains('-') && short.len() >= SHORTENED_MIN_LEN {
        if let Some(p) = entries.iter().take_while(|p| p.rank <= SHORTENED_TARGET_MAX_RANK).find(|p| {
            let full = compact(&p.name);
            full.len() > short.len() && full.starts_with(&short)
        }) {
            let i = top.entries.iter().position(|e| e.rank == p.rank)?;
            return hit(i, format!("shortened, hyphenated form of '{}'", p.name));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(name: &str) -> Option<(String, String)> {
        check_typosquat(name).map(|s| (s.target, s.reason))
    }

    #[test]
    fn the_seed_examples_name_the_intended_project() {
        assert_eq!(target("djang0"), Some(("django".into(), "zero instead of 'o'".into())));
        assert_eq!(target("reqests"), Some(("requests".into(), "missing 'u'".into())));
        assert_eq!(target("requestss"), Some(("requests".into(), "doubled 's'".into())));
        assert_eq!(target("django-rest").map(|t| t.0), Some("djangorestframework".into()));
    }

    #[test]
    fn each_technique_is_recognised() {
        assert_eq!(target("reqeusts").map(|t| t.1), Some("swapped 'eu'".into()));
        assert_eq!(target("nunpy").map(|t| t.0), Some("numpy".into()));
        assert_eq!(target("python_dateutil"), None, "PEP 503 makes this the same name");
        assert_eq!(target("pythondateutil").map(|t| t.0), Some("python-dateutil".into()));
        assert_eq!(target("requests-python").map(|t| t.0), Some("requests".into()));
        assert_eq!(target("urlib3").map(|t| t.0), Some("urllib3".into()));
        assert_eq!(target("colourama"), Some(("colorama".into(), "extra 'u'".into())));
        assert_eq!(target("rnatplotlib"), Some(("matplotlib".into(), "'rn' instead of 'm'".into())));
        assert_eq!(target("core-google-api").map(|t| t.0), Some("google-api-core".into()));
    }

    #[test]
    fn established_and_unrelated_names_are_quiet() {
        for name in ["django", "requests", "Django", "flask", "my-internal-tool-xyz", "zzzqqq"] {
            assert_eq!(check_typosquat(name), None, "{name}");
        }
    }

    #[test]
    fn no_name_in_the_top_list_is_flagged() {
        let flagged: Vec<String> = TopPackages::get().entries.iter().filter_map(|p| check_typosquat(&p.name)).map(|s| s.name).collect();
        assert!(flagged.is_empty(), "{flagged:?}");
    }
}
