//! Minified or machine-obfuscated source.
//!
//! **Detects** files written as huge single lines of code, and files whose identifiers
//! are machine-generated: CJK-only names, `_0x1a2b` names, `O0O0l1l1` names, typical of
//! lambda/XOR obfuscators (`minified-code`; in setup.py `obfuscated-install-code`).
//!
//! **Why risky:** Python packages are not minified; obfuscators are used to hide payloads.
//!
//! **Example:** `l1O0l1Ol110Ol00 = lambda lOl001000l0: not lOl001000l0`.
//!
//! **Remedy:** review the file through a formatter and compare with the repository.

use crate::analysis::python::model::Model;
use crate::alerts::AlertId;
use crate::analysis::source::FileRole;
use crate::finding::{ExecContext, Finding};

fn is_cjk(c: char) -> bool {
    matches!(c as u32, 0x4e00..=0x9fff | 0x3400..=0x4dbf | 0xac00..=0xd7af | 0x3040..=0x30ff)
}

/// Describes why an identifier looks machine-generated.
fn machine_ident(id: &str) -> Option<&'static str> {
    let n = id.chars().count();
    if n >= 4 && id.chars().all(is_cjk) {
        return Some("CJK-character identifiers");
    }
    if let Some(rest) = id.strip_prefix("_0x") {
        if rest.len() >= 4 && rest.chars().all(|c| c.is_ascii_hexdigit()) {
            return Some("_0x… identifiers");
        }
    }
    if n >= 10 && id.chars().all(|c| matches!(c, 'O' | '0' | 'I' | 'l' | '1' | '_')) {
        let has_letter = id.chars().any(|c| matches!(c, 'O' | 'I' | 'l'));
        let has_digit = id.chars().any(|c| matches!(c, '0' | '1'));
        if has_letter && has_digit {
            return Some("O0/l1 look-alike identifiers");
        }
    }
    None
}

/// The first (up to five) distinct machine-generated identifiers, the line of the first
/// one, and the reason of the last one found.
fn machine_names(text: &str) -> (Vec<&str>, u32, Option<&'static str>) {
    if text.is_ascii() {
        machine_names_ascii(text)
    } else {
        machine_names_scan(text)
    }
}

/// [`machine_names`] of ASCII text. Every ASCII machine-name shape holds a `0` or a `1`
/// (`_0x…` names, O0/l1 look-alikes), so only the identifiers around those digits are
/// looked at: one vectorised search instead of a walk over every byte.
fn machine_names_ascii(text: &str) -> (Vec<&str>, u32, Option<&'static str>) {
    let ident = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
    let b = text.as_bytes();
    let mut found = Found::default();
    // the end of the identifier last looked at: digits inside it are skipped
    let mut done = 0usize;
    for pos in memchr::memchr2_iter(b'0', b'1', b) {
        if pos < done {
            continue;
        }
        let mut s = pos;
        while s > 0 && ident(b[s - 1]) {
            s -= 1;
        }
        let mut e = pos + 1;
        while e < b.len() && ident(b[e]) {
            e += 1;
        }
        done = e;
        if found.note(&text[s..e], s) {
            break;
        }
    }
    found.finish(b)
}

/// Machine names found so far: the first five distinct ones, where the first starts,
/// and the reason of the last.
#[derive(Default)]
struct Found<'t> {
    seen: Vec<&'t str>,
    first_start: usize,
    reason: Option<&'static str>,
}

impl<'t> Found<'t> {
    /// Looks at the identifier `id` starting at byte `start`; true once five are found.
    fn note(&mut self, id: &'t str, start: usize) -> bool {
        if let Some(r) = machine_ident(id) {
            if !self.seen.contains(&id) {
                if self.seen.is_empty() {
                    self.first_start = start;
                }
                self.seen.push(id);
                self.reason = Some(r);
            }
        }
        self.seen.len() >= 5
    }

    /// The names, the line of the first (lines counted by `\n`, as `str::lines` splits),
    /// and the last reason.
    fn finish(self, b: &[u8]) -> (Vec<&'t str>, u32, Option<&'static str>) {
        let first_line = if self.seen.is_empty() { 0 } else { 1 + memchr::memchr_iter(b'\n', &b[..self.first_start]).count() as u32 };
        (self.seen, first_line, self.reason)
    }
}

/// [`machine_names`] by a walk over every character (text with non-ASCII characters,
/// whose letters can form names too).
fn machine_names_scan(text: &str) -> (Vec<&str>, u32, Option<&'static str>) {
    let mut found = Found::default();
    // identifiers are maximal runs of alphanumeric characters and `_`; ASCII bytes are
    // classified directly, other characters decoded where they start
    let b = text.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c < 0x80 && !(c.is_ascii_alphanumeric() || c == b'_') {
            i += 1;
            continue;
        }
        let s = i;
        let mut ascii = true;
        while let Some(&c) = b.get(i) {
            if c < 0x80 {
                if !(c.is_ascii_alphanumeric() || c == b'_') {
                    break;
                }
                i += 1;
            } else {
                match text[i..].chars().next() {
                    Some(ch) if ch.is_alphanumeric() => {
                        ascii = false;
                        i += ch.len_utf8();
                    }
                    _ => break,
                }
            }
        }
        if i == s {
            // a non-ASCII character that is not alphanumeric
            i += text[i..].chars().next().map_or(1, char::len_utf8);
            continue;
        }
        // every machine-name shape starts with one of these bytes or holds non-ASCII
        // letters: the other identifiers (nearly all of them) are not looked at
        if ascii && !matches!(b[s], b'_' | b'O' | b'I' | b'l' | b'0' | b'1') {
            continue;
        }
        if found.note(&text[s..i], s) {
            break;
        }
    }
    found.finish(b)
}

/// A line longer than this is looked at for being minified code.
const LONG_LINE: usize = 3000;

/// Text-level scan; used for files that skip the full parse too.
pub(crate) fn check_text(path: &str, text: &str, role: FileRole, out: &mut Vec<Finding>) {
    if role == FileRole::Auxiliary {
        return;
    }
    let (seen, first_line, reason) = machine_names(text);
    let mut found: Option<(u32, String)> = None;
    if seen.len() >= 5 {
        found = Some((first_line, format!("machine-generated names ({})", reason.unwrap_or("obfuscated identifiers"))));
    } else if text.len() > LONG_LINE {
        // lines as `str::lines` gives them (split on `\n`, a trailing `\r` dropped)
        let b = text.as_bytes();
        let mut start = 0usize;
        let ends = memchr::memchr_iter(b'\n', b).chain((b.last() != Some(&b'\n')).then_some(b.len()));
        for (i, end) in ends.enumerate() {
            let mut line = &b[start..end];
            start = end + 1;
            if line.len() <= LONG_LINE {
                continue;
            }
            if line.last() == Some(&b'\r') {
                line = &line[..line.len() - 1];
            }
            if line.len() > LONG_LINE {
                let parens = memchr::memchr_iter(b'(', line).count();
                let semis = memchr::memchr_iter(b';', line).count();
                if parens > 150 || semis > 50 {
                    found = Some((i as u32 + 1, format!("a {}-character line of code", line.len())));
                    break;
                }
            }
        }
    }
    if let Some((line, what)) = found {
        let evidence = text.lines().nth(line.saturating_sub(1) as usize).unwrap_or("").trim();
        let (alert, ctx, when) = if role == FileRole::SetupScript {
            (AlertId::ObfuscatedInstallCode, ExecContext::Install, " in setup.py (runs during pip install)")
        } else {
            (AlertId::MinifiedCode, ExecContext::Import, "")
        };
        out.push(Finding::new(alert, path, format!("source is machine-obfuscated: {what}{when}")).at_line(line).with_evidence(evidence).in_context(ctx));
    }
}

pub(super) fn check(m: &Model, out: &mut Vec<Finding>) {
    let role = if m.scope(0).ctx == ExecContext::Install { FileRole::SetupScript } else { m.role };
    check_text(m.path, m.text, role, out);
}

#[cfg(test)]
mod tests {
    /// The byte-level scan finds what the char-by-char, line-by-line one it replaced found.
    #[test]
    fn machine_names_match_reference() {
        fn reference(text: &str) -> (Vec<&str>, u32, Option<&'static str>) {
            let mut seen: Vec<&str> = Vec::new();
            let mut first_line = 0u32;
            let mut reason = None;
            'lines: for (i, line) in text.lines().enumerate() {
                let mut start = None;
                for (j, c) in line.char_indices().chain(std::iter::once((line.len(), ' '))) {
                    let ident_char = c.is_alphanumeric() || c == '_';
                    match (start, ident_char) {
                        (None, true) => start = Some(j),
                        (Some(s), false) => {
                            let id = &line[s..j];
                            if let Some(r) = super::machine_ident(id) {
                                if !seen.contains(&id) {
                                    if seen.is_empty() {
                                        first_line = i as u32 + 1;
                                    }
                                    seen.push(id);
                                    reason = Some(r);
                                    if seen.len() >= 5 {
                                        break 'lines;
                                    }
                                }
                            }
                            start = None;
                        }
                        _ => {}
                    }
                }
            }
            (seen, first_line, reason)
        }
        let samples = [
            "x = 1\n",
            "\n\n_0x1a2b = 1\n_0x1a2c=2;_0x1a2d\r\n_0x1a2e _0x1a2f _0xffff\n",
            "a\r\nO0O0l1l1O0O0 = lambda lOl001000l0l: lOl001000l0l\nIl1Il1Il1Il1, O0O0O0O0O0O1, OOOO0000llll",
            "变量变量 = 1\n函数函数函数(变量变量)\n甲乙丙丁 戊己庚辛 壬癸子丑 寅卯辰巳",
            "é_0x1234 _0x12345\n_0xabcd\n",
            "_0x1234",
            "\n\n\nl1l1l1l1l1l1\n",
            // runs that start with other letters, non-ASCII punctuation between runs,
            // non-ASCII letters inside ASCII runs
            "x1O0O0O0O0O0 ab_0x1234\n«_0x9999»\tévariable 0O0O0O0O0O0Ol 𝔘_0x1234 l1l1l1l1l1l1é\n_0xbeef",
        ];
        for t in samples {
            assert_eq!(super::machine_names(t), reference(t), "{t:?}");
        }
    }

    /// Pseudo-random texts over the bytes that matter.
    fn random_texts(alphabet: &[&str], count: usize, len: usize) -> Vec<String> {
        let mut state = 0x2545_f491_4f6c_dd1du64;
        (0..count)
            .map(|_| {
                (0..len)
                    .map(|_| {
                        state ^= state << 13;
                        state ^= state >> 7;
                        state ^= state << 17;
                        alphabet[(state % alphabet.len() as u64) as usize]
                    })
                    .collect()
            })
            .collect()
    }

    /// The digit-anchored search of ASCII text finds what the walk over every byte finds.
    #[test]
    fn ascii_search_matches_the_full_walk() {
        let alphabet = ["O", "0", "I", "l", "1", "_", "x", "a", "9", " ", "\n", "(", "_0x", "beef", "O0O0O"];
        for t in random_texts(&alphabet, 2000, 60) {
            assert_eq!(super::machine_names_ascii(&t), super::machine_names_scan(&t), "{t:?}");
        }
    }

    /// Long minified lines are found on the line `str::lines` numbers them, `\r\n` or not.
    #[test]
    fn long_lines_are_numbered_as_str_lines_numbers_them() {
        fn reference(text: &str) -> Option<u32> {
            text.lines().enumerate().find(|(_, l)| l.len() > 3000 && (l.matches('(').count() > 150 || l.matches(';').count() > 50)).map(|(i, _)| i as u32 + 1)
        }
        let code = "f(x);".repeat(700);
        let alphabet = ["a = 1", "\n", "\r\n", code.as_str(), "x", "(", "\r"];
        for t in random_texts(&alphabet, 300, 12) {
            let mut out = Vec::new();
            super::check_text("m.py", &t, crate::analysis::source::FileRole::Module, &mut out);
            assert_eq!(out.first().and_then(|f| f.line), reference(&t), "{t:?}");
        }
    }
}
