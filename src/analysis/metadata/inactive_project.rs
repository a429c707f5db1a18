//! `inactive-project` (medium): the project says it is inactive.
//!
//! **What:** the classifier `Development Status :: 7 - Inactive`; a "no maintenance"
//! badge (repostatus.org abandoned/inactive/unsupported/moved, unmaintained.tech); or a
//! statement *about the project itself* in the summary or the opening of the
//! description: "DEPRECATED: use X instead", "[unmaintained]", "This package is no
//! longer maintained", "foo has been renamed to bar", "We no longer maintain this
//! library", "Please use X instead" (summary only).
//!
//! **Why:** an inactive project gets no security fixes, and abandoned names are taken
//! over; the organisation standard lists deprecated and unmaintained packages under
//! "review and document" (medium).
//!
//! **Not:** deprecation of a *feature* ("Version 3 deprecated the `foo` argument",
//! "The `legacy` module is deprecated"), packages *about* deprecation ("Python
//! @deprecated decorator", "find unmaintained dependencies"), or a repository move
//! ("moved to GitHub"). So a statement counts only when it has the project as its
//! subject (this package/project/library…, the project's name, or "this"/"it" opening
//! a paragraph), or when a marker word stands alone at the start of a clause and is
//! followed by nothing or by "in favour of", "use", "please", "and will"…; markers
//! alone are read only in the summary and the first two paragraphs (the title and the
//! opening paragraph), subject statements in the first three.
//!
//! **Example:** summary `DEPRECATED: use httpx instead`.
//!
//! **Remedy:** move to the replacement the project names; keep it with a documented
//! decision.

use super::input::{Input, clip, present};
use crate::alerts::AlertId;
use crate::analysis::names::normalize;
use crate::finding::Finding;

const INACTIVE_CLASSIFIER: &str = "Development Status :: 7 - Inactive";

/// Badges that say "nobody maintains this".
const BADGES: &[(&str, &str)] = &[
    ("repostatus.org/badges/latest/abandoned", "repostatus.org \"abandoned\" badge"),
    ("repostatus.org/badges/latest/inactive", "repostatus.org \"inactive\" badge"),
    ("repostatus.org/badges/latest/unsupported", "repostatus.org \"unsupported\" badge"),
    ("repostatus.org/badges/latest/moved", "repostatus.org \"moved\" badge"),
    ("unmaintained.tech/badge", "\"No Maintenance Intended\" badge (unmaintained.tech)"),
];

/// States a project can declare about itself, as word sequences.
const STATES: &[&str] = &[
    "no longer being actively maintained",
    "no longer actively maintained",
    "no longer being maintained",
    "no longer maintained",
    "no longer being developed",
    "no longer actively developed",
    "no longer developed",
    "no longer under active development",
    "no longer under development",
    "no longer in development",
    "no longer supported",
    "not actively maintained",
    "not being maintained",
    "not maintained",
    "not under active development",
    "not supported anymore",
    "deprecated",
    "unmaintained",
    "abandoned",
    "archived",
    "discontinued",
    "obsolete",
    "superseded",
    "retired",
    "end-of-life",
    "end of life",
    "eol",
    "dead",
    "defunct",
    "sunset",
    "sunsetted",
    "renamed",
    "moved",
    "replaced",
    "merged",
];

/// States that point elsewhere: they need "to/into/by <target>" (or nothing) after them.
const RELOCATIONS: &[&str] = &["renamed", "moved", "replaced", "merged", "superseded"];

/// Nouns that make "this …" the project.
const SUBJECT_NOUNS: &[&str] = &[
    "package", "project", "library", "lib", "module", "repository", "repo", "tool", "distribution", "fork", "plugin", "extension",
    "client", "sdk", "wrapper", "code", "codebase", "software", "app", "application", "version",
];

/// "the …" is the project only with these nouns ("the legacy module" is a feature).
const DEFINITE_NOUNS: &[&str] = &["package", "project", "library", "repository", "repo", "distribution"];

/// Words between subject and state: "is now officially", "has been".
const LINKING: &[&str] = &[
    "is", "was", "are", "has", "have", "had", "been", "being", "now", "officially", "formally", "currently", "effectively", "fully",
    "considered", "hereby", "also", "completely", "permanently", "basically", "essentially", "unfortunately", "sadly", "largely",
    "mostly", "will", "be", "therefore", "thus",
];

/// Words that may open a notice before its subject: "Warning: …", "Please note that …".
const LABELS: &[&str] = &["warning", "note", "notice", "important", "attention", "caution", "update", "nb", "heads-up", "please", "that"];

/// "We no longer maintain this library".
const MAINTAINER_VERBS: &[&str] = &[
    "no longer maintain",
    "no longer maintaining",
    "stopped maintaining",
    "stop maintaining",
    "not maintaining",
    "no longer develop",
    "no longer developing",
    "no longer work on",
    "no longer working on",
    "stopped working on",
    "have deprecated",
    "has deprecated",
    "have archived",
    "has archived",
    "have abandoned",
    "has abandoned",
];

const CODE_HOSTS: &[&str] = &["github", "gitlab", "bitbucket", "codeberg", "sourceforge", "sourcehut", "heptapod", "sr.ht"];

/// Longest paragraph read, in characters.
const PARAGRAPH_MAX_CHARS: usize = 2000;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Place {
    Summary,
    /// Title and opening paragraph of the description.
    Opening,
    /// The paragraph after that.
    Later,
}

pub(super) fn check(input: &Input) -> Vec<Finding> {
    let f = input.facts;
    let who = format!("{} {}", f.name, f.version);
    let quote = |s: &str| clip(s, 200);
    if let Some(c) = f.classifiers.iter().find(|c| c.trim().eq_ignore_ascii_case(INACTIVE_CLASSIFIER)) {
        return vec![
            Finding::new(AlertId::InactiveProject, "", format!("{who} declares itself inactive with the classifier `{}`", c.trim())).with_evidence(c),
        ];
    }
    let names = name_variants(&f.name);
    if let Some(summary) = present(&f.summary).filter(|s| self_statement(s, &names, Place::Summary).is_some()) {
        return vec![
            Finding::new(AlertId::InactiveProject, "", format!("{who}: the summary says the project is inactive: \"{}\"", quote(summary))).with_evidence(summary),
        ];
    }
    let Some(description) = present(&f.description) else { return Vec::new() };
    let lower: String = description.chars().take(20_000).collect::<String>().to_lowercase();
    if let Some((_, badge)) = BADGES.iter().find(|(url, _)| lower.contains(url)) {
        return vec![Finding::new(AlertId::InactiveProject, "", format!("{who}: the description carries a {badge}")).with_evidence(badge)];
    }
    for (i, para) in head_paragraphs(description, 3).iter().enumerate() {
        let place = if i < 2 { Place::Opening } else { Place::Later };
        if let Some(hit) = self_statement(para, &names, place) {
            return vec![
                Finding::new(AlertId::InactiveProject, "", format!("{who}: the description's opening says the project is inactive: \"{}\"", quote(&hit))).with_evidence(&hit),
            ];
        }
    }
    Vec::new()
}

/// The project's name as it may be written in prose, each as a word sequence.
fn name_variants(name: &str) -> Vec<Vec<String>> {
    let lower = name.trim().to_lowercase();
    let norm = normalize(name);
    let mut out: Vec<Vec<String>> = vec![vec![lower.clone()], vec![norm.clone()], vec![norm.replace('-', "_")], norm.split('-').map(str::to_string).collect()];
    out.retain(|v| v.iter().all(|w| !w.is_empty()));
    out.dedup();
    out
}

/// The first `max` prose paragraphs of a README: badges, images, HTML-only lines, rst
/// underlines and options and code blocks skipped; a heading is a paragraph of its own;
/// blockquote and rst admonition markers removed.
fn head_paragraphs(desc: &str, max: usize) -> Vec<String> {
    let mut paras = Vec::new();
    let mut cur = String::new();
    let mut in_fence = false;
    let flush = |cur: &mut String, paras: &mut Vec<String>| {
        if !cur.trim().is_empty() {
            // The opening of a README is short; a giant one-line "paragraph" is not prose.
            paras.push(cur.trim().chars().take(PARAGRAPH_MAX_CHARS).collect());
        }
        cur.clear();
    };
    for raw in desc.lines().take(400) {
        let mut line = raw.trim();
        while let Some(rest) = line.strip_prefix('>') {
            line = rest.trim_start();
        }
        if line.starts_with("```") || line.starts_with("~~~") {
            in_fence = !in_fence;
            flush(&mut cur, &mut paras);
            continue;
        }
        if in_fence || line.starts_with(">>>") || line.starts_with("$ ") {
            continue;
        }
        if line.is_empty() {
            flush(&mut cur, &mut paras);
        } else if !is_decoration(line) {
            let (text, heading) = match line.strip_prefix('#') {
                Some(h) => (h.trim_start_matches('#').trim(), true),
                None => (strip_directive(line), false),
            };
            let text = strip_tags(text);
            if text.chars().any(char::is_alphanumeric) {
                if heading {
                    flush(&mut cur, &mut paras);
                }
                cur.push_str(&text);
                cur.push(' ');
                if heading {
                    flush(&mut cur, &mut paras);
                }
            }
        }
        if paras.len() >= max {
            break;
        }
    }
    flush(&mut cur, &mut paras);
    paras.truncate(max);
    paras
}

fn is_decoration(line: &str) -> bool {
    let l = line.to_ascii_lowercase();
    line.chars().all(|c| "=-~*^#_+`:.'\"<>|".contains(c) || c.is_whitespace())
        || ["[![", "![", "<img", ".. image::", ".. figure::", ".. |", ".. _", ".. raw::", ".. code", ".. toctree"].iter().any(|p| l.starts_with(p))
        || (l.starts_with(':') && l[1..].find(':').is_some_and(|i| l[1..1 + i].chars().all(|c| c.is_ascii_alphabetic() || c == '-')))
        || (l.starts_with('|') && l.split_whitespace().all(|w| w.starts_with('|') && w.ends_with('|')))
}

/// `.. warning:: text` → `text`.
fn strip_directive(line: &str) -> &str {
    match line.strip_prefix("..").and_then(|rest| rest.find("::").map(|i| &rest[i + 2..])) {
        Some(text) => text.trim(),
        None => line,
    }
}

fn strip_tags(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut depth = 0usize;
    for c in s.chars() {
        match c {
            '<' => depth += 1,
            '>' if depth > 0 => depth -= 1,
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out
}

/// Splits prose into clauses at sentence ends and punctuation that closes a thought.
fn clauses(text: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut cur = String::new();
    for (i, &c) in chars.iter().enumerate() {
        let next_is_space = chars.get(i + 1).is_none_or(|n| n.is_whitespace());
        let prev_is_space = i == 0 || chars[i - 1].is_whitespace();
        let split = match c {
            '.' | '!' | '?' => next_is_space,
            ';' | ':' | ',' | '(' | ')' | '[' | ']' | '{' | '}' | '|' | '\n' | '—' | '–' | '•' => true,
            '-' => prev_is_space && next_is_space,
            _ => false,
        };
        if split {
            if !cur.trim().is_empty() {
                out.push(cur.trim().to_string());
            }
            cur.clear();
        } else {
            cur.push(c);
        }
    }
    if !cur.trim().is_empty() {
        out.push(cur.trim().to_string());
    }
    out
}

/// Lower-case words; markdown and quoting characters are separators.
fn words(clause: &str) -> Vec<String> {
    clause
        .to_lowercase()
        .split(|c: char| !(c.is_alphanumeric() || matches!(c, '-' | '_' | '.' | '\'' | '/' | '+')))
        .map(|w| w.trim_matches(|c: char| matches!(c, '.' | '-' | '\'' | '_')))
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect()
}

/// The clause (as written) in which the text says the project is inactive.
fn self_statement(text: &str, names: &[Vec<String>], place: Place) -> Option<String> {
    let name_words: Vec<&str> = names.iter().flatten().map(String::as_str).collect();
    // Whether everything before this clause was a label ("Warning:"), so a pronoun here
    // cannot point back at something the paragraph named earlier.
    let mut opens_paragraph = true;
    for clause in clauses(text) {
        let all = words(&clause);
        let mut w: &[String] = &all;
        let mut skipped = 0;
        while skipped < 3 && w.first().is_some_and(|x| LABELS.contains(&x.as_str())) {
            w = &w[1..];
            skipped += 1;
        }
        if w.is_empty() {
            continue;
        }
        let pronoun_ok = opens_paragraph;
        opens_paragraph = false;
        // A marker standing alone: "DEPRECATED: …", "[unmaintained]", "No longer maintained".
        if place != Place::Later {
            let bare = match_state(w).filter(|&(state, n)| {
                let marker = state.split(' ').next().unwrap_or(state);
                !name_words.contains(&marker) && continuation_ok(state, &w[n..])
            });
            if bare.is_some() {
                return Some(clause);
            }
        }
        // "<the project> is now deprecated …"
        if let Some(n) = match_subject(w, names, pronoun_ok) {
            let mut rest = &w[n..];
            let mut linking = 0;
            while linking < 5 && rest.first().is_some_and(|x| LINKING.contains(&x.as_str())) {
                rest = &rest[1..];
                linking += 1;
            }
            if match_state(rest).is_some_and(|(state, m)| continuation_ok(state, &rest[m..])) {
                return Some(clause);
            }
        }
        // "We no longer maintain this library".
        if maintainer_gave_up(&all) {
            return Some(clause);
        }
        // Summary: "Please use X instead".
        if place == Place::Summary && w.len() <= 6 && w.first().is_some_and(|x| x == "use") && w.last().is_some_and(|x| x == "instead") {
            return Some(clause);
        }
    }
    None
}

/// "… no longer maintain this library": a maintainer verb right before "this <noun>".
fn maintainer_gave_up(w: &[String]) -> bool {
    (1..w.len().saturating_sub(1)).any(|i| {
        w[i] == "this"
            && SUBJECT_NOUNS.contains(&w[i + 1].as_str())
            && MAINTAINER_VERBS.iter().any(|v| {
                let verb: Vec<&str> = v.split(' ').collect();
                i >= verb.len() && verb.iter().zip(&w[i - verb.len()..i]).all(|(a, b)| a == b)
            })
    })
}

/// The state phrase `w` starts with, and its length in words.
fn match_state(w: &[String]) -> Option<(&'static str, usize)> {
    STATES.iter().find_map(|s| {
        let parts: Vec<&str> = s.split(' ').collect();
        (w.len() >= parts.len() && parts.iter().zip(w).all(|(p, x)| p == x)).then_some((*s, parts.len()))
    })
}

/// How many words of `w` name the project: "this package", "the project", the
/// project's name (optionally followed by "package"/"library"…), or — only at the
/// start of a paragraph, where a pronoun cannot point back — "this" and "it".
fn match_subject(w: &[String], names: &[Vec<String>], opens_paragraph: bool) -> Option<usize> {
    let first = w.first()?.as_str();
    let second = w.get(1).map(String::as_str).unwrap_or("");
    if first == "this" && SUBJECT_NOUNS.contains(&second) {
        return Some(2);
    }
    if first == "the" && DEFINITE_NOUNS.contains(&second) {
        return Some(2);
    }
    for name in names {
        if w.len() >= name.len() && name.iter().zip(w).all(|(a, b)| a == b) {
            let after = w.get(name.len()).map(String::as_str).unwrap_or("");
            return Some(name.len() + usize::from(SUBJECT_NOUNS.contains(&after)));
        }
    }
    (opens_paragraph && matches!(first, "this" | "it")).then_some(1)
}

/// Whether what follows a state keeps it a statement about the project: nothing, or
/// "in favour of …", "use …", "and will be removed", "since 2023"; relocations need a
/// target that is not just a code host ("moved to GitHub" is about the repository).
fn continuation_ok(state: &str, rest: &[String]) -> bool {
    let Some(first) = rest.first().map(String::as_str) else { return true };
    let second = rest.get(1).map(String::as_str).unwrap_or("");
    if RELOCATIONS.contains(&state) {
        return matches!(first, "to" | "into" | "by") && !second.is_empty() && !CODE_HOSTS.iter().any(|h| second.contains(h));
    }
    match first {
        "in" => matches!(second, "favor" | "favour" | "lieu"),
        "and" => {
            matches!(second, "will" | "is" | "has" | "should" | "may" | "won't" | "no" | "not" | "replaced" | "superseded")
                || match_state(&rest[1..]).is_some()
        }
        "as" => second == "of",
        "please" | "use" | "see" | "since" | "now" | "anymore" | "instead" | "because" | "due" | "by" | "so" | "but" | "you" | "we"
        | "going" | "effective" | "permanently" | "indefinitely" | "forever" => true,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{healthy, now};
    use super::super::thresholds::MetadataPolicy;
    use super::super::facts::RegistryFacts;
    use super::super::analyze;
    use super::*;

    fn fires(name: &str, summary: &str, description: &str) -> Option<String> {
        let mut f = RegistryFacts::new(name, "1.0.0");
        f.summary = Some(summary.to_string());
        f.description = Some(description.to_string());
        let policy = MetadataPolicy::default();
        check(&Input { facts: &f, policy: &policy, now: now() }).into_iter().next().map(|x| x.message)
    }

    #[test]
    fn fires_on_projects_that_say_they_are_inactive() {
        let cases: &[(&str, &str, &str)] = &[
            ("oldhttp", "DEPRECATED: use httpx instead", ""),
            ("fooclient", "[UNMAINTAINED] Client for the Foo API", ""),
            ("fooclient", "Foo API client (deprecated)", ""),
            ("foo", "This package has been renamed to foo-sdk", ""),
            ("foo", "No longer maintained", ""),
            ("foo", "Please use newlib instead", ""),
            ("oldlib", "A library", "# oldlib\n\n**This project is no longer maintained.** Please use newlib instead.\n\nOld docs follow."),
            ("oldlib", "A library", "> [!WARNING]\n> This package is deprecated in favour of `newlib`.\n\n# oldlib\n"),
            ("oldlib", "A library", "oldlib\n======\n\noldlib was a client for X. We no longer maintain this library; see newlib.\n"),
            ("old-lib", "A library", "# old-lib\n\nold-lib is deprecated and will be removed from PyPI next year.\n"),
            ("oldlib", "A library", "[![Project Status: Abandoned](https://www.repostatus.org/badges/latest/abandoned.svg)](https://www.repostatus.org/#abandoned)\n\n# oldlib\n"),
            ("oldlib", "A library", "# oldlib\n\n![No Maintenance Intended](http://unmaintained.tech/badge.svg)\n"),
            ("oldlib", "A library", "oldlib\n======\n\n.. warning:: This project is archived and no longer receives updates.\n"),
            ("oldlib", "A library", "# oldlib\n\nIt is no longer maintained. Use newlib.\n"),
            ("oldlib", "A library", "# oldlib\n\nA client for the Foo API.\n\nThis library is no longer actively maintained by the original author.\n"),
            ("oldlib", "A library", "# oldlib\n\n**Warning**: this is no longer maintained.\n"),
            ("oldlib", "A library", "# oldlib\n\nPlease note that this is deprecated, see newlib.\n"),
            ("sklearn", "deprecated sklearn package, use scikit-learn instead", ""),
            ("pytest-runner", "Invoke py.test as distutils command with dependency resolution", ".. image:: https://img.shields.io/pypi/v/pytest-runner.svg\n   :target: https://pypi.org/project/pytest-runner\n\nDeprecated\n==========\n\nThis project is deprecated. Depending on pytest-runner is discouraged.\n"),
        ];
        for (name, summary, desc) in cases {
            assert!(fires(name, summary, desc).is_some(), "should fire: {name} / {summary} / {desc}");
        }
    }

    #[test]
    fn quiet_on_feature_deprecations_and_look_alikes() {
        let cases: &[(&str, &str, &str)] = &[
            (
                "Deprecated",
                "Python @deprecated decorator to deprecate old python classes, functions or methods.",
                "Deprecated Library\n==================\n\nDeprecated is Easy to Use\n-------------------------\n\nIf you need to mark a function or a method as deprecated, you can use the ``@deprecated`` decorator:\n",
            ),
            ("deprecation", "A library to handle automated deprecations", "deprecation\n===========\n\nThe ``deprecation`` library provides a ``deprecated`` decorator and a ``fail_if_not_removed`` decorator for your tests.\n"),
            ("reqaudit", "Find unmaintained and deprecated packages in your requirements", "# reqaudit\n\nReports dependencies that are no longer maintained.\n"),
            (
                "fastlib",
                "Fast parsing",
                "# fastlib\n\nfastlib is a fast parsing library.\n\nVersion 3.0 deprecated the `strict` argument; use `mode=\"strict\"` instead. The `legacy` module is deprecated and will be removed in 4.0. Support for Python 2 is no longer maintained.\n",
            ),
            ("imp-backport", "Backport of the deprecated imp module", ""),
            ("dsconf", "Dead simple configuration", "# dsconf\n\nIt is deprecated to pass positional arguments; use keywords.\n"),
            ("py2compat", "Compatibility shims", "# py2compat\n\nThis package is no longer supported on Python 2.7; use version 1.x there.\n"),
            ("movedlib", "A library", "# movedlib\n\nThis project has moved to GitHub: https://github.com/example/movedlib\n"),
            ("tarreader", "Read archives", "# tarreader\n\nThis is the archived-files reader.\n\nUnlike the now-deprecated foo library, this package is actively maintained.\n"),
            ("sunset", "Sunset times calculator", "# sunset\n\nSunset computes sunrise and sunset times.\n"),
            ("eolconv", "EOL handling library for text files", ""),
            ("cfgparse", "Config parsing", "# cfgparse\n\nThe `load()` helper still works. It is deprecated and will be removed in 2.0.\n"),
            ("nose", "nose extends unittest to make testing easier", "On some platforms, brp-compress zips man pages without distutils knowing about it.\n\nNose has been in maintenance mode for the past several years and will likely cease without a new person/team to take over maintainership.\n"),
            ("typing", "Type Hints for Python", "Typing -- Type Hints for Python\n\nThis is a backport of the standard library typing module to Python versions older than 3.5.\n"),
            ("pyOpenSSL", "Python wrapper module around the OpenSSL library", "pyOpenSSL -- A Python wrapper around the OpenSSL library\n\n**Note:** The Python Cryptographic Authority strongly suggests the use of pyca/cryptography where possible. If you are using pyOpenSSL for anything other than making a TLS connection you should move to cryptography and drop your pyOpenSSL dependency.\n"),
            ("cfgparse", "Config parsing", "# cfgparse\n\nOld config files, mostly: this is deprecated syntax we still read.\n"),
            (
                "widget",
                "Widgets",
                "# widget\n\nA widget toolkit.\n\n## Changelog\n\n- Deprecated: `Widget.draw_old()`, use `Widget.draw()`.\n- The old API is no longer maintained.\n",
            ),
        ];
        for (name, summary, desc) in cases {
            assert_eq!(fires(name, summary, desc), None, "should stay quiet: {name} / {summary}");
        }
    }

    #[test]
    fn classifier_fires_and_healthy_is_quiet() {
        let mut f = healthy();
        let policy = MetadataPolicy::default();
        assert!(!analyze(&f, &policy, now()).iter().any(|x| x.alert == AlertId::InactiveProject));
        f.classifiers.push("Development Status :: 7 - Inactive".into());
        let found = check(&Input { facts: &f, policy: &policy, now: now() });
        assert_eq!(found.len(), 1);
        assert!(found[0].message.contains("Development Status :: 7 - Inactive"), "{}", found[0].message);
        f.classifiers.pop();
        f.classifiers.push("Development Status :: 6 - Mature".into());
        assert!(check(&Input { facts: &f, policy: &policy, now: now() }).is_empty());
    }
}
