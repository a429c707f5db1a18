//! Licences: what a release declares, read as an SPDX expression, and how it meets a
//! policy's allow and deny lists.
//!
//! Sources, most precise first (PEP 639 makes `License-Expression` authoritative):
//! 1. `License-Expression`, parsed as SPDX (`AND`, `OR`, `WITH`, parentheses, `+`).
//! 2. the free-text `License` field, when it maps to SPDX without guessing: an SPDX
//!    expression ("MIT OR Apache-2.0"), a common name ("Apache 2.0", "MIT License",
//!    "new BSD"), or a full licence text recognised by its opening lines.
//! 3. `License ::` classifiers, mapped to SPDX ids. Several classifiers are read as a
//!    choice (`OR`): that is how dual-licensed projects (e.g. Apache-2.0 / BSD) use
//!    them; a project that combines licences has no classifier way to say so.
//!
//! Two classifiers are ambiguous and are mapped to the usual reading, with a note in
//! the finding: "BSD License" → BSD-3-Clause (could be BSD-2-Clause), "Apache Software
//! License" → Apache-2.0 (could be Apache-1.1). "GPLv3" classifiers map to
//! GPL-3.0-only, "GPLv3+" to GPL-3.0-or-later; an unversioned GPL to GPL-1.0-or-later
//! as SPDX advises.

use std::fmt;

/// A parsed SPDX licence expression.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Expr {
    /// One licence, with an optional `WITH` exception.
    Leaf(Leaf),
    And(Vec<Expr>),
    Or(Vec<Expr>),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Leaf {
    /// Canonical SPDX id when known, otherwise the text as written.
    pub id: String,
    /// On the SPDX licence list (as far as safe-pip's bundled subset knows).
    pub known: bool,
    pub exception: Option<String>,
}

impl Expr {
    fn leaf(id: String, known: bool) -> Expr {
        Expr::Leaf(Leaf { id, known, exception: None })
    }

    /// Every leaf, left to right.
    pub fn leaves(&self) -> Vec<&Leaf> {
        let mut out = Vec::new();
        self.collect(&mut out);
        out
    }

    fn collect<'a>(&'a self, out: &mut Vec<&'a Leaf>) {
        match self {
            Expr::Leaf(l) => out.push(l),
            Expr::And(xs) | Expr::Or(xs) => xs.iter().for_each(|x| x.collect(out)),
        }
    }
}

impl fmt::Display for Leaf {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.exception {
            Some(e) => write!(f, "{} WITH {}", self.id, e),
            None => f.write_str(&self.id),
        }
    }
}

impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fn part(x: &Expr, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            match x {
                Expr::Leaf(_) => write!(f, "{x}"),
                _ => write!(f, "({x})"),
            }
        }
        let (xs, op) = match self {
            Expr::Leaf(l) => return write!(f, "{l}"),
            Expr::And(xs) => (xs, " AND "),
            Expr::Or(xs) => (xs, " OR "),
        };
        for (i, x) in xs.iter().enumerate() {
            if i > 0 {
                f.write_str(op)?;
            }
            part(x, f)?;
        }
        Ok(())
    }
}

/// Where the licence was read from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    LicenseExpression,
    LicenseField,
    Classifiers,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Source::LicenseExpression => "License-Expression",
            Source::LicenseField => "License field",
            Source::Classifiers => "licence classifiers",
        }
    }
}

/// What a release declares about its licence.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Declared {
    /// Nothing: no expression, no licence classifier, no (or an `UNKNOWN`) License field.
    Missing,
    /// Read as SPDX. Leaves may still be unknown (LicenseRef-…, ids outside the list,
    /// unmappable classifiers such as "Other/Proprietary License").
    Spdx { expr: Expr, source: Source, raw: String, note: Option<&'static str> },
    /// Declared, but not readable as SPDX.
    Unmapped { raw: String, source: Source },
}

/// Reads what the release declares, most precise source first.
pub fn declared(license_expression: Option<&str>, license: Option<&str>, classifiers: &[String]) -> Declared {
    if let Some(raw) = license_expression.map(str::trim).filter(|s| !s.is_empty()) {
        return match parse_expression(raw) {
            Some(expr) => Declared::Spdx { expr, source: Source::LicenseExpression, raw: raw.to_string(), note: None },
            None => Declared::Unmapped { raw: raw.to_string(), source: Source::LicenseExpression },
        };
    }
    let field = license.map(str::trim).filter(|s| !is_filler_text(s));
    if let Some((raw, (expr, note))) = field.and_then(|raw| map_free_text(raw).map(|m| (raw, m))) {
        return Declared::Spdx { expr, source: Source::LicenseField, raw: first_line(raw), note };
    }
    if let Some(d) = from_classifiers(classifiers) {
        return d;
    }
    match field {
        Some(raw) => Declared::Unmapped { raw: first_line(raw), source: Source::LicenseField },
        None => Declared::Missing,
    }
}

/// "", "UNKNOWN", "None", "N/A": the values tools write when nobody filled the field.
fn is_filler_text(s: &str) -> bool {
    let t = s.trim().trim_matches(|c: char| c == '"' || c == '\'').to_ascii_lowercase();
    matches!(t.as_str(), "" | "unknown" | "none" | "null" | "n/a" | "na" | "-" | "tbd" | "todo")
}

fn first_line(s: &str) -> String {
    let line = s.lines().map(str::trim).find(|l| !l.is_empty()).unwrap_or("");
    let mut out: String = line.chars().take(120).collect();
    if line.chars().count() > 120 || s.trim().lines().nth(1).is_some() {
        out.push('…');
    }
    out
}

fn from_classifiers(classifiers: &[String]) -> Option<Declared> {
    let licence: Vec<&str> = classifiers
        .iter()
        .map(|c| c.trim())
        .filter(|c| c.starts_with("License ::"))
        .collect();
    if licence.is_empty() {
        return None;
    }
    let specific: Vec<&str> = licence.iter().copied().filter(|c| !is_generic_classifier(c)).collect();
    if specific.is_empty() {
        return Some(Declared::Unmapped { raw: licence.join("; "), source: Source::Classifiers });
    }
    let mut branches = Vec::new();
    let mut note = None;
    for c in &specific {
        match classifier_to_spdx(c) {
            Some((id, n)) => {
                note = note.or(n);
                branches.push(Expr::leaf(id.to_string(), true));
            }
            None => {
                let tail = c.rsplit("::").next().unwrap_or(c).trim();
                branches.push(Expr::leaf(tail.to_string(), false));
            }
        }
    }
    branches.dedup();
    let expr = if branches.len() == 1 { branches.remove(0) } else { Expr::Or(branches) };
    Some(Declared::Spdx { expr, source: Source::Classifiers, raw: specific.join("; "), note })
}

/// `License :: OSI Approved` and `License :: DFSG approved` name no licence.
fn is_generic_classifier(c: &str) -> bool {
    matches!(c, "License :: OSI Approved" | "License :: DFSG approved")
}

const NOTE_BSD: &str = "\"BSD License\" could be BSD-2-Clause or BSD-3-Clause; read as BSD-3-Clause";
const NOTE_APACHE: &str = "\"Apache Software License\" does not say which version; read as Apache-2.0";

/// The SPDX id for a trove licence classifier, with a note when the mapping guesses.
pub fn classifier_to_spdx(classifier: &str) -> Option<(&'static str, Option<&'static str>)> {
    let tail = classifier.trim().strip_prefix("License ::")?.trim();
    let tail = tail.strip_prefix("OSI Approved ::").map(str::trim).unwrap_or(tail);
    let id = match tail {
        "MIT License" => "MIT",
        "MIT No Attribution License (MIT-0)" => "MIT-0",
        "Apache Software License" => return Some(("Apache-2.0", Some(NOTE_APACHE))),
        "BSD License" => return Some(("BSD-3-Clause", Some(NOTE_BSD))),
        "ISC License (ISCL)" => "ISC",
        "GNU General Public License (GPL)" => "GPL-1.0-or-later",
        "GNU General Public License v2 (GPLv2)" => "GPL-2.0-only",
        "GNU General Public License v2 or later (GPLv2+)" => "GPL-2.0-or-later",
        "GNU General Public License v3 (GPLv3)" => "GPL-3.0-only",
        "GNU General Public License v3 or later (GPLv3+)" => "GPL-3.0-or-later",
        "GNU Lesser General Public License v2 (LGPLv2)" => "LGPL-2.0-only",
        "GNU Lesser General Public License v2 or later (LGPLv2+)" => "LGPL-2.0-or-later",
        "GNU Lesser General Public License v3 (LGPLv3)" => "LGPL-3.0-only",
        "GNU Lesser General Public License v3 or later (LGPLv3+)" => "LGPL-3.0-or-later",
        "GNU Library or Lesser General Public License (LGPL)" => "LGPL-2.0-or-later",
        "GNU Affero General Public License v3" => "AGPL-3.0-only",
        "GNU Affero General Public License v3 or later (AGPLv3+)" => "AGPL-3.0-or-later",
        "GNU Free Documentation License (FDL)" => "GFDL-1.3-or-later",
        "Mozilla Public License 1.0 (MPL)" => "MPL-1.0",
        "Mozilla Public License 1.1 (MPL 1.1)" => "MPL-1.1",
        "Mozilla Public License 2.0 (MPL 2.0)" => "MPL-2.0",
        "Python Software Foundation License" => "PSF-2.0",
        "Eclipse Public License 1.0 (EPL-1.0)" => "EPL-1.0",
        "Eclipse Public License 2.0 (EPL-2.0)" => "EPL-2.0",
        "Boost Software License 1.0 (BSL-1.0)" => "BSL-1.0",
        "European Union Public Licence 1.1 (EUPL 1.1)" => "EUPL-1.1",
        "European Union Public Licence 1.2 (EUPL 1.2)" => "EUPL-1.2",
        "The Unlicense (Unlicense)" => "Unlicense",
        "zlib/libpng License" => "Zlib",
        "Universal Permissive License (UPL)" => "UPL-1.0",
        "Historical Permission Notice and Disclaimer (HPND)" => "HPND",
        "Common Development and Distribution License 1.0 (CDDL-1.0)" => "CDDL-1.0",
        "Academic Free License (AFL)" => "AFL-3.0",
        "Artistic License" => "Artistic-2.0",
        "Zope Public License" => "ZPL-2.1",
        "Apple Public Source License" => "APSL-2.0",
        "PostgreSQL License" => "PostgreSQL",
        "Open Software License 3.0 (OSL-3.0)" => "OSL-3.0",
        "Blue Oak Model License (BlueOak-1.0.0)" => "BlueOak-1.0.0",
        "The Unicode License (Unicode-3.0)" | "Unicode License (Unicode-3.0)" => "Unicode-3.0",
        "Microsoft Public License" => "MS-PL",
        "Microsoft Reciprocal License" => "MS-RL",
        "Mulan Permissive Software License v2 (MulanPSL-2.0)" => "MulanPSL-2.0",
        "CEA CNRS Inria Logiciel Libre License, version 2.1 (CeCILL-2.1)" => "CECILL-2.1",
        "Server Side Public License (SSPL)" => "SSPL-1.0",
        "CC0 1.0 Universal (CC0 1.0) Public Domain Dedication" => "CC0-1.0",
        _ => return None,
    };
    Some((id, None))
}

/// The SPDX ids safe-pip knows: the licences seen on PyPI in practice. An id outside
/// this list is reported as unknown (low), never silently accepted or denied.
const SPDX_IDS: &[&str] = &[
    "0BSD", "AAL", "AFL-2.1", "AFL-3.0", "AGPL-1.0-only", "AGPL-1.0-or-later", "AGPL-3.0-only", "AGPL-3.0-or-later", "AML",
    "Apache-1.0", "Apache-1.1", "Apache-2.0", "APSL-2.0", "Artistic-1.0", "Artistic-1.0-Perl", "Artistic-2.0", "Beerware",
    "BlueOak-1.0.0", "BSD-1-Clause", "BSD-2-Clause", "BSD-2-Clause-Patent", "BSD-3-Clause", "BSD-3-Clause-Clear",
    "BSD-3-Clause-LBNL", "BSD-3-Clause-Modification", "BSD-4-Clause", "BSD-Source-Code", "BSL-1.0", "BUSL-1.1", "bzip2-1.0.6",
    "CAL-1.0", "CC-BY-3.0", "CC-BY-4.0", "CC-BY-NC-4.0", "CC-BY-NC-ND-4.0", "CC-BY-NC-SA-4.0", "CC-BY-ND-4.0", "CC-BY-SA-3.0",
    "CC-BY-SA-4.0", "CC0-1.0", "CDDL-1.0", "CDDL-1.1", "CECILL-2.1", "CECILL-B", "CECILL-C", "CNRI-Python", "curl", "ECL-2.0",
    "Elastic-2.0", "EPL-1.0", "EPL-2.0", "EUPL-1.1", "EUPL-1.2", "GFDL-1.3-only", "GFDL-1.3-or-later", "GPL-1.0-only",
    "GPL-1.0-or-later", "GPL-2.0-only", "GPL-2.0-or-later", "GPL-3.0-only", "GPL-3.0-or-later", "HPND", "ICU", "IJG", "Intel",
    "IPL-1.0", "ISC", "JSON", "LGPL-2.0-only", "LGPL-2.0-or-later", "LGPL-2.1-only", "LGPL-2.1-or-later", "LGPL-3.0-only",
    "LGPL-3.0-or-later", "Libpng", "libpng-2.0", "LPPL-1.3c", "MirOS", "MIT", "MIT-0", "MIT-CMU", "MIT-Modern-Variant", "MPL-1.0",
    "MPL-1.1", "MPL-2.0", "MPL-2.0-no-copyleft-exception", "MS-PL", "MS-RL", "MulanPSL-2.0", "NCSA", "NPOSL-3.0", "ODbL-1.0",
    "OFL-1.1", "OLDAP-2.8", "OpenSSL", "OSL-3.0", "PHP-3.01", "PostgreSQL", "PSF-2.0", "Python-2.0", "Python-2.0.1", "QPL-1.0",
    "Ruby", "SGI-B-2.0", "Sleepycat", "SSPL-1.0", "TCL", "Unicode-3.0", "Unicode-DFS-2016", "Unlicense", "UPL-1.0", "Vim", "W3C",
    "WTFPL", "X11", "XFree86-1.1", "Zlib", "zlib-acknowledgement", "ZPL-2.0", "ZPL-2.1",
];

/// Deprecated SPDX ids and their current form.
const DEPRECATED_IDS: &[(&str, &str)] = &[
    ("GPL-1.0", "GPL-1.0-only"),
    ("GPL-1.0+", "GPL-1.0-or-later"),
    ("GPL-2.0", "GPL-2.0-only"),
    ("GPL-2.0+", "GPL-2.0-or-later"),
    ("GPL-3.0", "GPL-3.0-only"),
    ("GPL-3.0+", "GPL-3.0-or-later"),
    ("LGPL-2.0", "LGPL-2.0-only"),
    ("LGPL-2.0+", "LGPL-2.0-or-later"),
    ("LGPL-2.1", "LGPL-2.1-only"),
    ("LGPL-2.1+", "LGPL-2.1-or-later"),
    ("LGPL-3.0", "LGPL-3.0-only"),
    ("LGPL-3.0+", "LGPL-3.0-or-later"),
    ("AGPL-1.0", "AGPL-1.0-only"),
    ("AGPL-3.0", "AGPL-3.0-only"),
    ("GFDL-1.3", "GFDL-1.3-only"),
];

/// The canonical spelling of a known SPDX id (case-insensitive; deprecated ids and a
/// trailing `+` resolved), or `None`.
pub fn canonical_id(id: &str) -> Option<&'static str> {
    let id = id.trim();
    if let Some((_, new)) = DEPRECATED_IDS.iter().find(|(old, _)| old.eq_ignore_ascii_case(id)) {
        return Some(new);
    }
    if let Some(known) = SPDX_IDS.iter().find(|k| k.eq_ignore_ascii_case(id)) {
        return Some(known);
    }
    // `X+` means "X or any later version"; without an -or-later id, X is what binds.
    let base = id.strip_suffix('+')?;
    SPDX_IDS.iter().find(|k| k.eq_ignore_ascii_case(base)).copied()
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Token {
    Open,
    Close,
    And,
    Or,
    With,
    Word(String),
}

fn tokenize(s: &str) -> Vec<Token> {
    let mut out = Vec::new();
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut Vec<Token>| {
        if word.is_empty() {
            return;
        }
        let t = match word.as_str() {
            w if w.eq_ignore_ascii_case("and") => Token::And,
            w if w.eq_ignore_ascii_case("or") => Token::Or,
            w if w.eq_ignore_ascii_case("with") => Token::With,
            w => Token::Word(w.to_string()),
        };
        out.push(t);
        word.clear();
    };
    for c in s.chars() {
        match c {
            '(' | ')' => {
                flush(&mut word, &mut out);
                out.push(if c == '(' { Token::Open } else { Token::Close });
            }
            c if c.is_whitespace() => flush(&mut word, &mut out),
            c => word.push(c),
        }
    }
    flush(&mut word, &mut out);
    out
}

/// Parses an SPDX licence expression. Operators are accepted in any case; ids keep
/// their spelling unless they are known, then they take the canonical one. `None`
/// for anything that is not an expression ("Apache 2.0", "see LICENSE", "MIT AND").
pub fn parse_expression(s: &str) -> Option<Expr> {
    let tokens = tokenize(s);
    let mut pos = 0;
    let expr = parse_or(&tokens, &mut pos, 0)?;
    (pos == tokens.len()).then_some(expr)
}

const MAX_DEPTH: usize = 32;

fn parse_or(t: &[Token], pos: &mut usize, depth: usize) -> Option<Expr> {
    let mut parts = vec![parse_and(t, pos, depth)?];
    while t.get(*pos) == Some(&Token::Or) {
        *pos += 1;
        parts.push(parse_and(t, pos, depth)?);
    }
    Some(if parts.len() == 1 { parts.remove(0) } else { Expr::Or(parts) })
}

fn parse_and(t: &[Token], pos: &mut usize, depth: usize) -> Option<Expr> {
    let mut parts = vec![parse_atom(t, pos, depth)?];
    while t.get(*pos) == Some(&Token::And) {
        *pos += 1;
        parts.push(parse_atom(t, pos, depth)?);
    }
    Some(if parts.len() == 1 { parts.remove(0) } else { Expr::And(parts) })
}

fn parse_atom(t: &[Token], pos: &mut usize, depth: usize) -> Option<Expr> {
    match t.get(*pos)? {
        Token::Open => {
            if depth >= MAX_DEPTH {
                return None;
            }
            *pos += 1;
            let inner = parse_or(t, pos, depth + 1)?;
            if t.get(*pos) != Some(&Token::Close) {
                return None;
            }
            *pos += 1;
            Some(inner)
        }
        Token::Word(w) => {
            if !is_id_syntax(w) {
                return None;
            }
            *pos += 1;
            let mut exception = None;
            if t.get(*pos) == Some(&Token::With) {
                match t.get(*pos + 1) {
                    Some(Token::Word(e)) if is_id_syntax(e) => exception = Some(e.clone()),
                    _ => return None,
                }
                *pos += 2;
            }
            let (id, known) = match canonical_id(w) {
                Some(c) => (c.to_string(), true),
                None => (w.clone(), false),
            };
            Some(Expr::Leaf(Leaf { id, known, exception }))
        }
        _ => None,
    }
}

/// SPDX ids are letters, digits, `-` and `.`, optionally with a trailing `+`;
/// `DocumentRef-x:LicenseRef-y` has one colon.
fn is_id_syntax(w: &str) -> bool {
    let body = w.strip_suffix('+').unwrap_or(w);
    !body.is_empty()
        && body.chars().filter(|&c| c == ':').count() <= 1
        && body.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | ':'))
        && body.chars().any(|c| c.is_ascii_alphanumeric())
}

/// Maps a free-text License field to SPDX when that needs no guessing beyond the
/// notes it returns: an SPDX expression of known ids, a common licence name, or a full
/// licence text recognised by its opening lines.
pub fn map_free_text(raw: &str) -> Option<(Expr, Option<&'static str>)> {
    let text = raw.trim();
    if let Some(expr) = parse_expression(text).filter(|e| e.leaves().iter().all(|l| l.known)) {
        return Some((expr, None));
    }
    if let Some((id, note)) = alias(text) {
        return Some((Expr::leaf(id.to_string(), true), note));
    }
    if text.lines().nth(1).is_some() || text.len() > 100 {
        if let Some(id) = fingerprint(text) {
            return Some((Expr::leaf(id.to_string(), true), None));
        }
        // "MIT License\n\nCopyright (c) …": the heading names it.
        let heading = text
            .lines()
            .map(str::trim)
            .find(|l| !l.is_empty() && !is_copyright_line(l) && l.chars().any(char::is_alphanumeric));
        if let Some((id, note)) = heading.and_then(alias) {
            return Some((Expr::leaf(id.to_string(), true), note));
        }
    }
    None
}

fn is_copyright_line(l: &str) -> bool {
    let lower = l.to_ascii_lowercase();
    lower.starts_with("copyright") || lower.starts_with("(c)") || l.starts_with('©')
}

/// Common spellings of licence names, compared after [`alias_key`] squashes case,
/// punctuation and filler words ("The", "License", "Version", "Software").
const ALIASES: &[(&str, &str)] = &[
    ("mit", "MIT"), ("mitmit", "MIT"), ("expat", "MIT"), ("mitexpat", "MIT"),
    ("mit0", "MIT-0"),
    ("apache2", "Apache-2.0"), ("apache20", "Apache-2.0"), ("asl2", "Apache-2.0"), ("asl20", "Apache-2.0"),
    ("apl2", "Apache-2.0"), ("apl20", "Apache-2.0"), ("apache20apache20", "Apache-2.0"),
    ("bsd3", "BSD-3-Clause"), ("bsd3clause", "BSD-3-Clause"), ("3clausebsd", "BSD-3-Clause"), ("newbsd", "BSD-3-Clause"),
    ("bsdnew", "BSD-3-Clause"), ("modifiedbsd", "BSD-3-Clause"), ("revisedbsd", "BSD-3-Clause"), ("bsd3clausenew", "BSD-3-Clause"),
    ("bsd2", "BSD-2-Clause"), ("bsd2clause", "BSD-2-Clause"), ("2clausebsd", "BSD-2-Clause"), ("simplifiedbsd", "BSD-2-Clause"),
    ("bsdsimplified", "BSD-2-Clause"), ("freebsd", "BSD-2-Clause"), ("0bsd", "0BSD"),
    ("isc", "ISC"), ("iscl", "ISC"),
    ("gpl2", "GPL-2.0-only"), ("gpl20", "GPL-2.0-only"), ("gnugpl2", "GPL-2.0-only"), ("gnugeneralpublic2", "GPL-2.0-only"),
    ("gpl2+", "GPL-2.0-or-later"), ("gpl20+", "GPL-2.0-or-later"), ("gpl2orlater", "GPL-2.0-or-later"), ("gpl20orlater", "GPL-2.0-or-later"),
    ("gpl3", "GPL-3.0-only"), ("gpl30", "GPL-3.0-only"), ("gnugpl3", "GPL-3.0-only"), ("gnugeneralpublic3", "GPL-3.0-only"),
    ("gpl3+", "GPL-3.0-or-later"), ("gpl30+", "GPL-3.0-or-later"), ("gpl3orlater", "GPL-3.0-or-later"), ("gpl30orlater", "GPL-3.0-or-later"),
    ("gnugpl3+", "GPL-3.0-or-later"), ("gnugeneralpublic3orlater", "GPL-3.0-or-later"),
    ("lgpl21", "LGPL-2.1-only"), ("lgpl21+", "LGPL-2.1-or-later"), ("lgpl21orlater", "LGPL-2.1-or-later"),
    ("lgpl3", "LGPL-3.0-only"), ("lgpl30", "LGPL-3.0-only"), ("gnulgpl3", "LGPL-3.0-only"), ("gnulessergeneralpublic3", "LGPL-3.0-only"),
    ("lgpl3+", "LGPL-3.0-or-later"), ("lgpl30+", "LGPL-3.0-or-later"), ("lgpl3orlater", "LGPL-3.0-or-later"),
    ("agpl3", "AGPL-3.0-only"), ("agpl30", "AGPL-3.0-only"), ("gnuagpl3", "AGPL-3.0-only"), ("gnuafferogeneralpublic3", "AGPL-3.0-only"),
    ("agpl3+", "AGPL-3.0-or-later"), ("agpl30+", "AGPL-3.0-or-later"), ("agpl3orlater", "AGPL-3.0-or-later"),
    ("mpl2", "MPL-2.0"), ("mpl20", "MPL-2.0"), ("mozillapublic2", "MPL-2.0"), ("mozillapublic20", "MPL-2.0"),
    ("mpl11", "MPL-1.1"),
    ("epl1", "EPL-1.0"), ("epl10", "EPL-1.0"), ("epl2", "EPL-2.0"), ("epl20", "EPL-2.0"), ("eclipsepublic20", "EPL-2.0"),
    ("eupl12", "EUPL-1.2"), ("eupl11", "EUPL-1.1"),
    ("unlicense", "Unlicense"), ("cc0", "CC0-1.0"), ("cc010", "CC0-1.0"), ("cc010universal", "CC0-1.0"),
    ("psf", "PSF-2.0"), ("psfl", "PSF-2.0"), ("psf2", "PSF-2.0"), ("psf20", "PSF-2.0"), ("pythonfoundation", "PSF-2.0"),
    ("zlib", "Zlib"), ("zliblibpng", "Zlib"), ("boost", "BSL-1.0"), ("boost10", "BSL-1.0"), ("bsl10", "BSL-1.0"),
    ("wtfpl", "WTFPL"), ("upl", "UPL-1.0"), ("upl10", "UPL-1.0"), ("hpnd", "HPND"),
    ("cddl10", "CDDL-1.0"), ("artistic2", "Artistic-2.0"), ("artistic20", "Artistic-2.0"),
    ("ccby40", "CC-BY-4.0"), ("ccbysa40", "CC-BY-SA-4.0"), ("ccbync40", "CC-BY-NC-4.0"),
    ("sspl", "SSPL-1.0"), ("sspl1", "SSPL-1.0"), ("sspl10", "SSPL-1.0"), ("postgresql", "PostgreSQL"),
];

/// Bare family names that name a licence only loosely; mapped with a note.
const LOOSE_ALIASES: &[(&str, &str, &str)] = &[
    ("apache", "Apache-2.0", "\"Apache\" does not say which version; read as Apache-2.0"),
    ("bsd", "BSD-3-Clause", NOTE_BSD),
    ("gpl", "GPL-1.0-or-later", "an unversioned GPL is read as GPL-1.0-or-later, as SPDX advises"),
    ("gnugpl", "GPL-1.0-or-later", "an unversioned GPL is read as GPL-1.0-or-later, as SPDX advises"),
    ("gnugeneralpublic", "GPL-1.0-or-later", "an unversioned GPL is read as GPL-1.0-or-later, as SPDX advises"),
    ("lgpl", "LGPL-2.0-or-later", "an unversioned LGPL is read as LGPL-2.0-or-later"),
    ("agpl", "AGPL-3.0-only", "an unversioned AGPL is read as AGPL-3.0-only"),
    ("mpl", "MPL-2.0", "\"MPL\" does not say which version; read as MPL-2.0"),
];

const FILLER: &[&str] = &["the", "license", "licence", "licensed", "licenses", "version", "software", "ver", "under", "a", "public-license"];

/// Squashes a licence name for lookup: lower case, filler words dropped, separators
/// removed, `v` before a version number dropped ("GPLv3" = "GPL 3" = "gpl-3.0" → "gpl3"/"gpl30").
fn alias_key(s: &str) -> String {
    let lower = s.to_lowercase();
    let spaced: String = lower.chars().map(|c| if c.is_alphanumeric() || c == '+' || c == '.' || c == '-' { c } else { ' ' }).collect();
    let kept: String = spaced.split_whitespace().filter(|w| !FILLER.contains(w)).collect::<Vec<_>>().concat();
    let squashed: Vec<char> = kept.chars().filter(|&c| c != '.' && c != '-').collect();
    let mut out = String::with_capacity(squashed.len());
    for (i, &c) in squashed.iter().enumerate() {
        let next_digit = squashed.get(i + 1).is_some_and(|n| n.is_ascii_digit());
        let prev_alpha = i == 0 || squashed[i - 1].is_alphabetic();
        if c == 'v' && next_digit && prev_alpha {
            continue;
        }
        out.push(c);
    }
    // "or later", "or-later", "or any later": the `+` forms.
    out.replace("oranylater", "orlater")
}

fn alias(text: &str) -> Option<(&'static str, Option<&'static str>)> {
    if text.len() > 120 {
        return None;
    }
    let key = alias_key(text);
    if let Some((_, id)) = ALIASES.iter().find(|(k, _)| *k == key) {
        return Some((id, None));
    }
    LOOSE_ALIASES.iter().find(|(k, _, _)| *k == key).map(|(_, id, note)| (*id, Some(*note)))
}

/// Recognises a full licence text by the phrases its opening carries.
fn fingerprint(text: &str) -> Option<&'static str> {
    let head: String = text.chars().take(6000).collect::<String>().to_lowercase();
    let flat = head.split_whitespace().collect::<Vec<_>>().join(" ");
    let start: String = flat.chars().take(800).collect();
    let has = |p: &str| start.contains(p);
    let anywhere = |p: &str| flat.contains(p);
    let version = |v: &str| has(&format!("version {v}"));
    // The GNU texts mention each other (GPL-2.0's preamble names the Library GPL), so
    // the title is the family named first.
    let gnu = ["gnu affero general public license", "gnu lesser general public license", "gnu library general public license", "gnu general public license"]
        .iter()
        .filter_map(|t| start.find(t).map(|at| (at, *t)))
        .min();
    if let Some((_, title)) = gnu {
        return match title {
            "gnu affero general public license" => version("3").then_some("AGPL-3.0-only"),
            "gnu lesser general public license" if version("3") => Some("LGPL-3.0-only"),
            "gnu lesser general public license" => version("2.1").then_some("LGPL-2.1-only"),
            "gnu library general public license" => version("2").then_some("LGPL-2.0-only"),
            _ if version("3") => Some("GPL-3.0-only"),
            _ => version("2").then_some("GPL-2.0-only"),
        };
    }
    if has("apache license") && (version("2.0") || has("apache license, version 2.0")) {
        return Some("Apache-2.0");
    }
    if has("mozilla public license") && (version("2.0") || has("mozilla public license, v. 2.0")) {
        return Some("MPL-2.0");
    }
    if has("this is free and unencumbered software released into the public domain") {
        return Some("Unlicense");
    }
    if has("boost software license - version 1.0") {
        return Some("BSL-1.0");
    }
    if has("do what the fuck you want to public license") {
        return Some("WTFPL");
    }
    if has("permission is hereby granted, free of charge, to any person obtaining a copy") {
        return Some("MIT");
    }
    if has("permission to use, copy, modify, and/or distribute this software for any purpose with or without fee is hereby granted") {
        return Some(if has("provided that the above copyright notice") { "ISC" } else { "0BSD" });
    }
    if has("redistribution and use in source and binary forms, with or without modification, are permitted") {
        if anywhere("all advertising materials mentioning features") {
            return Some("BSD-4-Clause");
        }
        return Some(if anywhere("neither the name") || anywhere("the names of its contributors may not be used") {
            "BSD-3-Clause"
        } else {
            "BSD-2-Clause"
        });
    }
    None
}

/// How a licence meets policy.
pub struct PolicyCheck<'a> {
    allowed: Vec<String>,
    denied: Vec<String>,
    /// As the policy wrote them, for messages.
    pub allowed_raw: &'a [String],
}

impl<'a> PolicyCheck<'a> {
    pub fn new(allowed: &'a [String], denied: &[String]) -> PolicyCheck<'a> {
        let canon = |xs: &[String]| -> Vec<String> {
            xs.iter()
                .map(|x| {
                    let x = x.trim();
                    match parse_expression(x) {
                        Some(Expr::Leaf(l)) => l.to_string(),
                        _ => x.to_string(),
                    }
                })
                .collect()
        };
        PolicyCheck { allowed: canon(allowed), denied: canon(denied), allowed_raw: allowed }
    }

    pub fn has_allow_list(&self) -> bool {
        !self.allowed.is_empty()
    }

    /// Why a leaf is unacceptable, or `None` when policy accepts it.
    fn leaf_problem(&self, leaf: &Leaf) -> Option<Problem> {
        let full = leaf.to_string();
        let listed = |list: &[String], s: &str| list.iter().any(|x| x.eq_ignore_ascii_case(s));
        if leaf.exception.is_some() && listed(&self.allowed, &full) {
            return None;
        }
        if listed(&self.denied, &full) || self.denied.iter().any(|d| same_family(d, &leaf.id)) {
            return Some(Problem::Denied(leaf.id.clone()));
        }
        if self.allowed.is_empty() {
            return None;
        }
        let or_later_allowed = leaf
            .id
            .strip_suffix("-or-later")
            .is_some_and(|base| listed(&self.allowed, &format!("{base}-only")));
        if listed(&self.allowed, &leaf.id) || or_later_allowed {
            None
        } else {
            Some(Problem::NotAllowed(full))
        }
    }

    /// The problems that make an expression unacceptable: `OR` is fine when any branch
    /// is, `AND` needs every part. Empty when policy accepts the expression.
    pub fn problems(&self, expr: &Expr) -> Vec<Problem> {
        match expr {
            Expr::Leaf(l) => self.leaf_problem(l).into_iter().collect(),
            Expr::And(xs) => xs.iter().flat_map(|x| self.problems(x)).collect(),
            Expr::Or(xs) => {
                let per_branch: Vec<Vec<Problem>> = xs.iter().map(|x| self.problems(x)).collect();
                if per_branch.iter().any(Vec::is_empty) { Vec::new() } else { per_branch.concat() }
            }
        }
    }
}

/// A reason policy rejects a licence.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Problem {
    Denied(String),
    NotAllowed(String),
}

/// `AGPL-3.0-only` in a deny list also denies `AGPL-3.0-or-later` (and the reverse):
/// both let the licensee be bound by the denied version.
fn same_family(policy_id: &str, id: &str) -> bool {
    fn base(s: &str) -> &str {
        s.strip_suffix("-only").or_else(|| s.strip_suffix("-or-later")).unwrap_or(s)
    }
    policy_id.eq_ignore_ascii_case(id) || ((id.ends_with("-only") || id.ends_with("-or-later")) && base(policy_id).eq_ignore_ascii_case(base(id)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expr(s: &str) -> Expr {
        parse_expression(s).unwrap_or_else(|| panic!("{s} should parse"))
    }

    fn spdx_of(d: &Declared) -> String {
        match d {
            Declared::Spdx { expr, .. } => expr.to_string(),
            other => panic!("not SPDX: {other:?}"),
        }
    }

    #[test]
    fn parses_spdx_expressions_with_precedence() {
        assert_eq!(expr("MIT").to_string(), "MIT");
        assert_eq!(expr("mit OR apache-2.0").to_string(), "MIT OR Apache-2.0");
        // AND binds tighter than OR.
        assert_eq!(expr("MIT OR Apache-2.0 AND BSD-3-Clause").to_string(), "MIT OR (Apache-2.0 AND BSD-3-Clause)");
        assert_eq!(expr("(MIT OR Apache-2.0) AND BSD-3-Clause").to_string(), "(MIT OR Apache-2.0) AND BSD-3-Clause");
        assert_eq!(expr("GPL-2.0-or-later WITH Classpath-exception-2.0").to_string(), "GPL-2.0-or-later WITH Classpath-exception-2.0");
        assert_eq!(expr("GPL-2.0+").to_string(), "GPL-2.0-or-later");
        assert_eq!(expr("GPL-3.0").to_string(), "GPL-3.0-only");
        let custom = expr("LicenseRef-Proprietary");
        assert!(!custom.leaves()[0].known);
        for bad in ["", "MIT AND", "(MIT", "MIT)", "Apache 2.0", "see LICENSE file", "MIT WITH", "MIT, BSD", "OR MIT"] {
            assert!(parse_expression(bad).is_none(), "{bad:?}");
        }
        assert!(parse_expression(&"(".repeat(100)).is_none());
    }

    #[test]
    fn maps_classifiers_and_notes_ambiguity() {
        let c = |xs: &[&str]| xs.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let d = declared(None, None, &c(&["License :: OSI Approved :: MIT License"]));
        assert_eq!(spdx_of(&d), "MIT");
        let d = declared(None, None, &c(&["License :: OSI Approved :: BSD License"]));
        assert!(matches!(&d, Declared::Spdx { note: Some(n), .. } if n.contains("BSD-2-Clause")));
        assert_eq!(spdx_of(&d), "BSD-3-Clause");
        let d = declared(None, None, &c(&["License :: OSI Approved :: Apache Software License", "License :: OSI Approved :: BSD License"]));
        assert_eq!(spdx_of(&d), "Apache-2.0 OR BSD-3-Clause");
        let d = declared(None, None, &c(&["License :: OSI Approved :: GNU General Public License v3 (GPLv3)"]));
        assert_eq!(spdx_of(&d), "GPL-3.0-only");
        let d = declared(None, None, &c(&["License :: OSI Approved :: GNU General Public License v3 or later (GPLv3+)"]));
        assert_eq!(spdx_of(&d), "GPL-3.0-or-later");
        let d = declared(None, None, &c(&["License :: Other/Proprietary License"]));
        assert!(matches!(&d, Declared::Spdx { expr, .. } if !expr.leaves()[0].known));
        let d = declared(None, None, &c(&["License :: OSI Approved"]));
        assert!(matches!(d, Declared::Unmapped { .. }));
        assert_eq!(declared(None, Some("UNKNOWN"), &c(&["Programming Language :: Python"])), Declared::Missing);
    }

    #[test]
    fn expression_wins_then_field_then_classifiers() {
        let mit = vec!["License :: OSI Approved :: MIT License".to_string()];
        assert_eq!(spdx_of(&declared(Some("Apache-2.0"), Some("MIT"), &mit)), "Apache-2.0");
        assert_eq!(spdx_of(&declared(None, Some("BSD-3-Clause"), &mit)), "BSD-3-Clause");
        assert_eq!(spdx_of(&declared(None, Some("See LICENSE file"), &mit)), "MIT");
        assert!(matches!(declared(None, Some("See LICENSE file"), &[]), Declared::Unmapped { .. }));
        assert!(matches!(declared(Some("Apache 2"), None, &mit), Declared::Unmapped { source: Source::LicenseExpression, .. }));
    }

    #[test]
    fn maps_free_text_names() {
        let m = |s: &str| map_free_text(s).map(|(e, _)| e.to_string());
        for (text, want) in [
            ("MIT", "MIT"),
            ("MIT License", "MIT"),
            ("The MIT License (MIT)", "MIT"),
            ("Apache 2.0", "Apache-2.0"),
            ("Apache License, Version 2.0", "Apache-2.0"),
            ("Apache License 2.0", "Apache-2.0"),
            ("Apache Software License 2.0", "Apache-2.0"),
            ("Apache", "Apache-2.0"),
            ("BSD-3-Clause", "BSD-3-Clause"),
            ("BSD 3-Clause License", "BSD-3-Clause"),
            ("new BSD License", "BSD-3-Clause"),
            ("Simplified BSD", "BSD-2-Clause"),
            ("GPLv3", "GPL-3.0-only"),
            ("GPLv3+", "GPL-3.0-or-later"),
            ("GNU GPL v3", "GPL-3.0-only"),
            ("GPL-2.0-or-later", "GPL-2.0-or-later"),
            ("LGPLv2.1", "LGPL-2.1-only"),
            ("AGPLv3", "AGPL-3.0-only"),
            ("MPL 2.0", "MPL-2.0"),
            ("Mozilla Public License 2.0", "MPL-2.0"),
            ("ISC", "ISC"),
            ("PSF", "PSF-2.0"),
            ("MIT OR Apache-2.0", "MIT OR Apache-2.0"),
        ] {
            assert_eq!(m(text).as_deref(), Some(want), "{text}");
        }
        for text in ["see LICENSE", "Proprietary", "Dual License", "Copyright 2024 ACME Corp. All rights reserved.", "Public Domain", "Unlicensed"] {
            assert_eq!(m(text), None, "{text}");
        }
    }

    #[test]
    fn recognises_full_licence_texts() {
        let mit = "MIT License\n\nCopyright (c) 2023 Jane Doe\n\nPermission is hereby granted, free of charge, to any person obtaining a copy\nof this software...";
        assert_eq!(map_free_text(mit).map(|(e, _)| e.to_string()).as_deref(), Some("MIT"));
        let mit_no_heading = "Copyright (c) 2023 Jane Doe\n\nPermission is hereby granted, free of charge, to any person obtaining a copy of this software";
        assert_eq!(map_free_text(mit_no_heading).map(|(e, _)| e.to_string()).as_deref(), Some("MIT"));
        let apache = "                                 Apache License\n                           Version 2.0, January 2004\n                        http://www.apache.org/licenses/\n\n   TERMS AND CONDITIONS";
        assert_eq!(map_free_text(apache).map(|(e, _)| e.to_string()).as_deref(), Some("Apache-2.0"));
        let gpl = "                    GNU GENERAL PUBLIC LICENSE\n                       Version 3, 29 June 2007\n\n Copyright (C) 2007 Free Software Foundation";
        assert_eq!(map_free_text(gpl).map(|(e, _)| e.to_string()).as_deref(), Some("GPL-3.0-only"));
        let bsd3 = "Copyright (c) 2010, ACME\nAll rights reserved.\n\nRedistribution and use in source and binary forms, with or without\nmodification, are permitted provided that the following conditions are met:\n...\n* Neither the name of ACME nor the names of its contributors may be used";
        assert_eq!(map_free_text(bsd3).map(|(e, _)| e.to_string()).as_deref(), Some("BSD-3-Clause"));
        let bsd3_heading = "BSD 3-Clause License\n\nCopyright (c) 2018, Someone\nAll rights reserved.";
        assert_eq!(map_free_text(bsd3_heading).map(|(e, _)| e.to_string()).as_deref(), Some("BSD-3-Clause"));
        let custom = "ACME Source Available License\n\nYou may read this code but not run it in production.";
        assert_eq!(map_free_text(custom), None);
    }

    #[test]
    fn policy_or_needs_one_branch_and_needs_all() {
        let allowed = vec!["MIT".to_string(), "Apache-2.0".to_string(), "BSD-3-Clause".to_string()];
        let p = PolicyCheck::new(&allowed, &[]);
        assert!(p.problems(&expr("MIT OR GPL-3.0-only")).is_empty());
        assert_eq!(p.problems(&expr("MIT AND GPL-3.0-only")), vec![Problem::NotAllowed("GPL-3.0-only".into())]);
        assert!(p.problems(&expr("(MIT OR GPL-3.0-only) AND Apache-2.0")).is_empty());
        assert_eq!(p.problems(&expr("LicenseRef-ACME")).len(), 1);

        let denied = vec!["AGPL-3.0".to_string()];
        let p = PolicyCheck::new(&[], &denied);
        assert_eq!(p.problems(&expr("AGPL-3.0-or-later")), vec![Problem::Denied("AGPL-3.0-or-later".into())]);
        assert_eq!(p.problems(&expr("MIT AND AGPL-3.0-only")), vec![Problem::Denied("AGPL-3.0-only".into())]);
        assert!(p.problems(&expr("MIT OR AGPL-3.0-only")).is_empty());
        assert!(p.problems(&expr("GPL-3.0-only")).is_empty());
        assert!(p.problems(&expr("LicenseRef-ACME")).is_empty());

        let allowed = vec!["GPL-2.0-only WITH Classpath-exception-2.0".to_string(), "LGPL-3.0-only".to_string()];
        let p = PolicyCheck::new(&allowed, &[]);
        assert!(p.problems(&expr("GPL-2.0-only WITH Classpath-exception-2.0")).is_empty());
        assert!(!p.problems(&expr("GPL-2.0-only")).is_empty());
        assert!(p.problems(&expr("LGPL-3.0-or-later")).is_empty(), "or-later may be used under the allowed version");
    }
}
