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

use super::top_packages::{Popular, TopPackages};
use crate::pep503::normalize_name as normalize;
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
/// `forms` holds `key` of every entry, computed once per process: a lockfile
/// of 200,000 names would otherwise transform the whole list 200,000 times.
fn most_popular_with(entries: &[Popular], wanted: &str, forms: &[String]) -> Option<usize> {
    entries
        .iter()
        .zip(forms)
        .position(|(p, form)| p.name.len().abs_diff(wanted.len()) <= 4 && form == wanted)
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

/// How many edits (Damerau: insert, delete, substitute, swap neighbours) of a popular
/// name still read as a misspelling of it, by the length of its separator-free form and
/// its rank. Long names survive more slips and a reader still recognises them; the more
/// downloaded a project, the more campaigns imitate it, so its tail is scanned further.
/// Short names of the long tail get no edit: they have too many innocent neighbours.
fn edit_budget(compact_len: usize, rank: u32) -> usize {
    match compact_len {
        0..=3 => 0,
        4 => usize::from(rank <= SHORT_TARGET_MAX_RANK),
        5 => usize::from(rank <= EDIT_TARGET_MAX_RANK),
        6 | 7 => 1,
        8 | 9 => 1 + usize::from(rank <= TWO_EDITS_MAX_RANK),
        _ => 2,
    }
}

/// Length of a short name's neighbourhood that 4-letter targets are checked against.
const SHORT_TARGET_MAX_RANK: u32 = 2500;
/// Eight- and nine-letter names get a second edit when this popular (`requests`, `selenium`).
const TWO_EDITS_MAX_RANK: u32 = 1000;

/// Optimal-string-alignment distance between `a` and `b` if it is at most `k`.
fn osa_within(a: &[u8], b: &[u8], k: usize) -> Option<usize> {
    if a.len().abs_diff(b.len()) > k {
        return None;
    }
    let n = b.len();
    let mut prev2 = vec![0usize; n + 1];
    let mut prev: Vec<usize> = (0..=n).collect();
    let mut cur = vec![0usize; n + 1];
    for i in 1..=a.len() {
        cur[0] = i;
        let mut row_min = i;
        for j in 1..=n {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(prev2[j - 2] + 1);
            }
            cur[j] = v;
            row_min = row_min.min(v);
        }
        if row_min > k {
            return None;
        }
        std::mem::swap(&mut prev2, &mut prev);
        std::mem::swap(&mut prev, &mut cur);
    }
    (prev[n] <= k).then_some(prev[n])
}

/// Whether `name` is `target` with a word added before or after it (`requestspro`,
/// `newrequests`): an add-on name, not a misspelling.
fn is_add_on(name: &str, target: &str) -> bool {
    name.len() >= target.len() + 2 && (name.starts_with(target) || name.ends_with(target))
}

/// Whether two names of three or more hyphenated parts share all parts but one, and not
/// the first: members of one family (`mypy-boto3-sts` / `mypy-boto3-sqs`,
/// `opentelemetry-instrumentation-wsgi` / `-asgi`), not a slip on one of them.
fn is_sibling(name: &str, target: &str) -> bool {
    let (a, b): (Vec<&str>, Vec<&str>) = (name.split('-').collect(), target.split('-').collect());
    a.len() >= 3 && a.len() == b.len() && a[0] == b[0] && a.iter().zip(&b).filter(|(x, y)| x != y).count() == 1
}

/// The most popular target within its edit budget of `name` (separator-free forms),
/// with the distance. Entries are rank-ordered; the first hit at the smallest distance wins.
fn nearest_within_budget(entries: &[Popular], name: &str) -> Option<(usize, usize)> {
    let short = compact(name);
    let mut best: Option<(usize, usize)> = None;
    let forms = compact_forms();
    for (i, p) in entries.iter().enumerate() {
        let full = &forms[i];
        let budget = edit_budget(full.len(), p.rank).min(best.map_or(usize::MAX, |(_, d)| d - 1));
        if budget == 0 || full.len().abs_diff(short.len()) > budget || is_add_on(&short, full) {
            continue;
        }
        // is_sibling splits both names: asked only of the few entries within the budget
        if let Some(d) = osa_within(short.as_bytes(), full.as_bytes(), budget).filter(|_| !is_sibling(name, &p.name)) {
            // Two slips only when the name still starts like the target: campaigns keep
            // the first letters (`seleinuim`, `tensofllow`); look-alike projects of one
            // family differ there (`usaddress`/`ipaddress`, `ipython`/`gitpython`).
            if d > 0 && (d == 1 || short.get(..2) == full.get(..2)) {
                best = Some((i, d));
                if d == 1 {
                    break;
                }
            }
        }
    }
    best
}

/// Names the edits of `name` → `target`: "'x' instead of 'e'", "2 edits (…)".
fn edit_reason(name: &str, target: &str, distance: usize) -> String {
    let (a, b): (Vec<char>, Vec<char>) = (compact(name).chars().collect(), compact(target).chars().collect());
    if distance == 1 && a.len() == b.len() {
        if let Some(i) = a.iter().zip(&b).position(|(x, y)| x != y) {
            return format!("{} instead of {}", describe_char(a[i]), describe_char(b[i]));
        }
    }
    if distance == 1 && a.len() + 1 == b.len() {
        let pos = a.iter().zip(&b).position(|(x, y)| x != y).unwrap_or(a.len());
        return format!("missing {}", describe_char(b[pos]));
    }
    if distance == 1 {
        let pos = a.iter().zip(&b).position(|(x, y)| x != y).unwrap_or(b.len());
        return format!("extra {}", describe_char(a[pos]));
    }
    format!("{distance} slips of the keyboard away from '{target}'")
}

/// Separator-free form of every popular name, in entry order.
fn compact_forms() -> &'static [String] {
    static FORMS: OnceLock<Vec<String>> = OnceLock::new();
    FORMS.get_or_init(|| TopPackages::get().entries.iter().map(|p| compact(&p.name)).collect())
}

/// `canonical` (look-alikes folded) of every popular name, in entry order.
fn canonical_forms() -> &'static [String] {
    static FORMS: OnceLock<Vec<String>> = OnceLock::new();
    FORMS.get_or_init(|| TopPackages::get().entries.iter().map(|p| canonical(&p.name)).collect())
}

/// `sorted_parts` of every popular name, in entry order.
fn sorted_part_forms() -> &'static [String] {
    static FORMS: OnceLock<Vec<String>> = OnceLock::new();
    FORMS.get_or_init(|| TopPackages::get().entries.iter().map(|p| sorted_parts(&p.name)).collect())
}

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
    let most_popular_with = |wanted: &str, forms: &[String]| most_popular_with(entries, wanted, forms);

    if let Some(i) = most_popular_with(&compact(&name), compact_forms()) {
        return hit(i, format!("separator variant of '{}' (-, _, . or none)", top.entries[i].name));
    }
    if let Some(i) = most_popular_with(&canonical(&name), canonical_forms()) {
        return hit(i, homoglyph_reason(&name, &top.entries[i].name));
    }
    if name.contains('-') {
        if let Some(i) = most_popular_with(&sorted_parts(&name), sorted_part_forms()).filter(|&i| top.entries[i].name.contains('-')) {
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
    let missing = entries.iter().enumerate().filter(|(_, p)| p.name.len() == name.len() + 1 && edit_eligible(p)).find_map(|(i, p)| {
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
    // Any other slip within the target's edit budget (rank- and length-scaled).
    if let Some((t, d)) = nearest_within_budget(entries, &name) {
        return hit(t, edit_reason(&name, &top.entries[t].name, d));
    }
    // A shortened compound name: `django-rest` for `djangorestframework`.
    let short = compact(&name);
    if name.contains('-') && short.len() >= SHORTENED_MIN_LEN {
        if let Some((p, _)) = entries.iter().zip(compact_forms()).take_while(|(p, _)| p.rank <= SHORTENED_TARGET_MAX_RANK).find(|(_, full)| {
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
    fn campaign_slips_are_recognised_by_edit_budget() {
        // Any substitution, not only a neighbouring key, against a long popular name.
        assert_eq!(target("requxsts"), Some(("requests".into(), "'x' instead of 'e'".into())));
        // Long names of the long tail still get one slip; very popular long ones two.
        assert_eq!(target("freqtrde").map(|t| t.0), Some("freqtrade".into()));
        assert_eq!(target("bitcoilnib").map(|t| t.0), Some("bitcoinlib".into()));
        assert_eq!(target("seleinuim").map(|t| t.0), Some("selenium".into()));
        assert_eq!(target("tensofllow").map(|t| t.0), Some("tensorflow".into()));
        // A digit swapped in a popular name.
        assert_eq!(target("urllib7").map(|t| t.0), Some("urllib3".into()));
        assert_eq!(target("web5").map(|t| t.0), Some("web3".into()));
    }

    #[test]
    fn benign_look_alikes_of_the_edit_rule_are_quiet() {
        // Budgets: nothing for short names of the long tail, one slip below rank 1000 for 8–9 letters.
        assert!(edit_budget(4, 9000) == 0 && edit_budget(3, 1) == 0);
        assert_eq!(edit_budget(8, 5000), 1);
        // A popular name plus a word is an add-on, not a slip.
        for name in ["requestspro", "requestsdev", "newrequests"] {
            assert!(check_typosquat(name).is_none_or(|s| !s.reason.contains("slips")), "{name}");
        }
        // Two slips that change the start of the name are a different name.
        assert_eq!(nearest_within_budget(&TopPackages::get().entries, "usaddress").map(|(i, _)| TopPackages::get().entries[i].name.clone()), None);
        // Family members that differ in one part.
        assert!(is_sibling("mypy-boto3-sts", "mypy-boto3-sqs"));
        assert!(!is_sibling("discord-pt", "discord-py"));
        assert!(check_typosquat_as_new("mypy-boto3-sts").is_none_or(|s| s.target != "mypy-boto3-sqs"));
        // Established names stay quiet whatever their neighbours.
        for name in ["boto", "pytorch", "scapy", "toml", "psycopg2", "ipython"] {
            assert_eq!(check_typosquat(name), None, "{name}");
        }
    }

    #[test]
    fn osa_distance_counts_a_swap_as_one_edit() {
        assert_eq!(osa_within(b"reqeusts", b"requests", 2), Some(1));
        assert_eq!(osa_within(b"seleinuim", b"selenium", 2), Some(2));
        assert_eq!(osa_within(b"abc", b"xyz", 2), None);
        assert_eq!(osa_within(b"requests", b"requests", 0), Some(0));
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
