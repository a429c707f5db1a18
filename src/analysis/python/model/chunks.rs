//! Top-level statement slices of a large module, so that a generated 15 MB SDK module is
//! parsed and walked a slice at a time instead of holding its whole syntax tree.
//!
//! The split is a byte scan that knows strings, comments, brackets and line
//! continuations. It only cuts where a line starts at column 0 outside any bracket or
//! string, and never before `else`/`elif`/`except`/`finally` or after a decorator. The
//! scan can be fooled (an f-string nesting its own quotes), so the caller parses every
//! slice and falls back to the whole module when any slice does not parse cleanly.
//!
//! One statement can be most of a module (`TABLE = [0, 1, …]` on one 15 MB line), and
//! ruff's syntax tree for it is about 20 bytes per byte of source. Such a statement gets
//! a slice of its own, and [`display_groups`] cuts a display assigned to a name into
//! groups of elements, each parsed on its own.

use crate::analysis::payload::text::skip_string;

/// Statements at least this long are a slice of their own (see [`display_groups`]).
pub(super) const ALONE: usize = 1 << 20;

/// Byte ranges `[start, end)` covering `text`, each ending at a top-level statement
/// boundary and at least `target` bytes long (the last may be shorter), and every
/// statement of [`ALONE`] bytes or more in a range of its own; `None` when the scan ends
/// inside a bracket.
pub(super) fn statement_slices(text: &str, target: usize) -> Option<Vec<(usize, usize)>> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut start = 0usize;
    let mut depth = 0usize;
    // the first byte of the last statement that began at column 0
    let mut last_head = b.first().copied().unwrap_or(0);
    // where the statement being scanned began (a place a slice may start)
    let mut head_at = 0usize;
    let mut i = 0usize;
    while i < b.len() {
        if let Some(past) = skip_inert(b, i) {
            i = past;
            continue;
        }
        match b[i] {
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' | b'}' => depth = depth.saturating_sub(1),
            b'\n' if depth == 0 => {
                let next = i + 1;
                if let Some(&head) = b.get(next) {
                    if !matches!(head, b' ' | b'\t' | b'\r' | b'\n' | b'#' | b'\x0c') {
                        if last_head != b'@' && !continues_compound(&b[next..]) {
                            let alone = next - head_at >= ALONE;
                            if alone && head_at > start {
                                out.push((start, head_at));
                                start = head_at;
                            }
                            if alone || next - start >= target {
                                out.push((start, next));
                                start = next;
                            }
                            head_at = next;
                        }
                        last_head = head;
                    }
                }
            }
            _ => {}
        }
        i += 1;
    }
    if depth != 0 {
        return None;
    }
    if b.len() - head_at >= ALONE && head_at > start {
        out.push((start, head_at));
        start = head_at;
    }
    out.push((start, b.len()));
    Some(out)
}

/// Byte ranges of about `target` bytes covering `text`, each cut after a line end when
/// one comes within another `target` bytes, else at a character boundary. For a large
/// module that does not parse (binary bytes, garbage, deliberately broken code), where
/// [`statement_slices`] finds no cuts: its tree is then built a slice at a time. A
/// statement cut in two is reported as parse errors, which such a module has anyway.
pub(super) fn forced_slices(text: &str, target: usize) -> Vec<(usize, usize)> {
    let b = text.as_bytes();
    let target = target.max(1);
    let mut out = Vec::new();
    let mut start = 0usize;
    while start < b.len() {
        let mut end = start.saturating_add(target).min(b.len());
        if end < b.len() {
            let window = &b[end..end.saturating_add(target).min(b.len())];
            end = match memchr::memchr(b'\n', window) {
                Some(i) => end + i + 1,
                None => (end..=b.len()).find(|&e| text.is_char_boundary(e)).unwrap_or(b.len()),
            };
        }
        out.push((start, end));
        start = end;
    }
    out
}

/// `slices` (statement cuts, when the scan found them) with every slice longer than
/// twice `target` cut again by [`forced_slices`]; the whole text cut so when there are
/// none. For a module walked whatever its parse errors: no slice is then parsed at a
/// size that grows with the module (binary junk can hold one "statement" of 40 MB).
pub(super) fn bounded_slices(text: &str, slices: Option<Vec<(usize, usize)>>, target: usize) -> Vec<(usize, usize)> {
    let Some(slices) = slices else { return forced_slices(text, target) };
    let mut out = Vec::with_capacity(slices.len());
    for (start, end) in slices {
        if end - start > target.saturating_mul(2) {
            out.extend(forced_slices(&text[start..end], target).into_iter().map(|(a, b)| (start + a, start + b)));
        } else {
            out.push((start, end));
        }
    }
    out
}

/// A display assigned to one name, the whole of a slice: `NAME = [e, e, …]`, `NAME =
/// (e, …)`, `NAME = {k: v, …}` or `NAME = {e, …}`, with its elements cut into groups.
#[derive(Debug, PartialEq)]
pub(super) struct DisplayGroups<'t> {
    pub(super) name: &'t str,
    /// The opening bracket: `[` for lists and tuples (each group is parsed as a list:
    /// `(e)` alone would not be a tuple), `{` for dicts and sets.
    pub(super) open: u8,
    /// Byte ranges of the groups in the slice, each ending after a top-level comma
    /// (the last at the closing bracket), together exactly the display's contents.
    pub(super) groups: Vec<(usize, usize)>,
}

/// Cuts the display of `text` (one statement, possibly after blank and comment lines)
/// into groups of whole elements at least `target` bytes long. `None` for anything
/// else: another form of statement, text after the display, a parenthesised
/// expression that is not a tuple (no top-level comma), or a display that makes one
/// group only. The scan knows strings,
/// comments and continuations like [`statement_slices`]; the caller parses every group
/// and walks the statement whole when one does not parse as a display.
pub(super) fn display_groups(text: &str, target: usize) -> Option<DisplayGroups<'_>> {
    let b = text.as_bytes();
    let mut i = skip_blank_lines(b, 0);
    let name_start = i;
    // at column 0 (an indented first line is a syntax error the whole parse reports)
    if name_start > 0 && b[name_start - 1] != b'\n' {
        return None;
    }
    if !b.get(i).is_some_and(|c| c.is_ascii_alphabetic() || *c == b'_') {
        return None;
    }
    while b.get(i).is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_') {
        i += 1;
    }
    let name = &text[name_start..i];
    if KEYWORDS.contains(&name) {
        return None;
    }
    i = skip_spaces(b, i);
    if b.get(i) != Some(&b'=') || b.get(i + 1) == Some(&b'=') {
        return None;
    }
    i = skip_spaces(b, i + 1);
    let opener = *b.get(i)?;
    let (open, close) = match opener {
        b'[' => (b'[', b']'),
        b'(' => (b'[', b')'),
        b'{' => (b'{', b'}'),
        _ => return None,
    };
    let mut groups = Vec::new();
    let mut group_start = i + 1;
    let mut commas = 0usize;
    let mut depth = 0usize;
    i += 1;
    let end = loop {
        let c = *b.get(i)?;
        if let Some(past) = skip_inert(b, i) {
            i = past;
            continue;
        }
        match c {
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' | b'}' if depth > 0 => depth -= 1,
            b')' | b']' | b'}' => {
                if c != close {
                    return None;
                }
                break i;
            }
            b',' if depth == 0 => {
                commas += 1;
                if i + 1 - group_start >= target {
                    groups.push((group_start, i + 1));
                    group_start = i + 1;
                }
            }
            _ => {}
        }
        i += 1;
    };
    if opener == b'(' && commas == 0 {
        return None;
    }
    groups.push((group_start, end));
    if groups.len() < 2 {
        // one group (`x = [[…]]`: a single huge element) would only copy the text
        return None;
    }
    // nothing but spaces, comments and line ends after the display
    let mut j = end + 1;
    while j < b.len() {
        match b[j] {
            b' ' | b'\t' | b'\r' | b'\n' | b'\x0c' => j += 1,
            b'#' => {
                while j < b.len() && b[j] != b'\n' {
                    j += 1;
                }
            }
            _ => return None,
        }
    }
    Some(DisplayGroups { name, open, groups })
}

/// Names that cannot be assigned to.
const KEYWORDS: [&str; 35] = [
    "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class", "continue", "def", "del", "elif", "else",
    "except", "finally", "for", "from", "global", "if", "import", "in", "is", "lambda", "nonlocal", "not", "or", "pass", "raise",
    "return", "try", "while", "with", "yield",
];

fn skip_spaces(b: &[u8], mut i: usize) -> usize {
    while b.get(i).is_some_and(|c| matches!(c, b' ' | b'\t' | b'\x0c')) {
        i += 1;
    }
    i
}

/// Past blank lines and comment lines at the start of a slice.
fn skip_blank_lines(b: &[u8], mut i: usize) -> usize {
    loop {
        match b.get(i) {
            Some(b' ' | b'\t' | b'\r' | b'\n' | b'\x0c') => i += 1,
            Some(b'#') => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            _ => return i,
        }
    }
}

/// Past a comment (to its line end), a line continuation or a string starting at `i`,
/// where brackets and line ends do not count; `None` when none starts there. An
/// unterminated string runs to the end: its slice will not parse, and the module is then
/// parsed whole.
fn skip_inert(b: &[u8], mut i: usize) -> Option<usize> {
    match b.get(i)? {
        b'#' => {
            while i < b.len() && b[i] != b'\n' {
                i += 1;
            }
            Some(i)
        }
        // a line continuation (or a stray backslash): the next byte is not a line end
        b'\\' => Some(i + 2),
        b'\'' | b'"' => Some(skip_string(b, i)),
        _ => None,
    }
}

/// Bytes of `text` outside its strings and comments: what the parser makes nodes of (a
/// 5 MB string literal is one node, 5 MB of code hundreds of thousands).
pub(super) fn code_bytes(text: &str) -> usize {
    let b = text.as_bytes();
    let (mut i, mut code) = (0usize, 0usize);
    while i < b.len() {
        match skip_inert(b, i) {
            Some(past) => i = past.max(i + 1),
            None => {
                code += 1;
                i += 1;
            }
        }
    }
    code
}

/// The clause keywords that continue the statement above them.
fn continues_compound(line: &[u8]) -> bool {
    ["else", "elif", "except", "finally"].iter().any(|k| {
        line.starts_with(k.as_bytes()) && line.get(k.len()).is_none_or(|c| !(c.is_ascii_alphanumeric() || *c == b'_'))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slices(text: &str, target: usize) -> Vec<&str> {
        statement_slices(text, target).expect("balanced").into_iter().map(|(a, b)| &text[a..b]).collect()
    }

    #[test]
    fn forced_slices_cover_the_text_and_cut_at_line_ends_or_characters() {
        let text = "aaaa\nbb\ncccccccccc\nd";
        let cuts = forced_slices(text, 3);
        let parts: Vec<&str> = cuts.iter().map(|&(a, b)| &text[a..b]).collect();
        // a line end within the next 3 bytes ends the slice; none there, a hard cut
        assert_eq!(parts, ["aaaa\n", "bb\n", "ccc", "ccc", "cccc\n", "d"]);
        // a hard cut never splits a character
        let wide = "é".repeat(10);
        let cuts = forced_slices(&wide, 3);
        assert!(cuts.iter().all(|&(a, b)| wide.is_char_boundary(a) && wide.is_char_boundary(b)));
        assert_eq!(cuts.iter().map(|&(a, b)| &wide[a..b]).collect::<String>(), wide);
        assert!(forced_slices("", 3).is_empty());
        // statement cuts are kept where they are short enough, a long one is cut again
        let text = "a = 1\nbbbbbbbbbbbb\nc\n";
        let cuts = bounded_slices(text, Some(vec![(0, 6), (6, 19), (19, 21)]), 3);
        assert_eq!(cuts, [(0, 6), (6, 9), (9, 12), (12, 15), (15, 19), (19, 21)]);
        assert_eq!(bounded_slices(text, None, 3), forced_slices(text, 3));
    }

    #[test]
    fn code_bytes_leave_out_strings_and_comments() {
        assert_eq!(code_bytes("x = 'abcdef'  # note\n"), "x =   \n".len());
        assert_eq!(code_bytes("b'''\n(\n'''"), 1, "the prefix is code, the string is not");
        assert_eq!(code_bytes("f(1, 2)"), 7);
    }

    #[test]
    fn cuts_only_between_top_level_statements() {
        let text = "import os\nx = (1,\n2)\ndef f():\n    return 1\n\nclass C:\n    pass\n";
        let got = slices(text, 1);
        assert_eq!(got, ["import os\n", "x = (1,\n2)\n", "def f():\n    return 1\n\n", "class C:\n    pass\n"]);
        assert_eq!(got.concat(), text);
    }

    #[test]
    fn keeps_decorators_and_clauses_with_their_statement() {
        let text = "@dec\n@dec2\ndef f():\n    pass\nif a:\n    b()\nelse:\n    c()\ntry:\n    d()\nexcept E:\n    pass\nfinally:\n    e()\nelse_ = 1\n";
        let got = slices(text, 1);
        assert_eq!(got, ["@dec\n@dec2\ndef f():\n    pass\n", "if a:\n    b()\nelse:\n    c()\n", "try:\n    d()\nexcept E:\n    pass\nfinally:\n    e()\n", "else_ = 1\n"]);
    }

    #[test]
    fn never_cuts_inside_strings_comments_or_continuations() {
        let text = "s = '''\nx = 1\n'''\nt = \"a\\\"b\" \\\n+ 'c'\n# comment (\ny = [\n'''\n]'''\n]\nz = 2\n";
        let got = slices(text, 1);
        assert_eq!(got, ["s = '''\nx = 1\n'''\n", "t = \"a\\\"b\" \\\n+ 'c'\n# comment (\n", "y = [\n'''\n]'''\n]\n", "z = 2\n"]);
    }

    #[test]
    fn groups_statements_up_to_the_target_size() {
        let text = "a = 1\nb = 2\nc = 3\nd = 4\n";
        assert_eq!(slices(text, 12), ["a = 1\nb = 2\n", "c = 3\nd = 4\n"]);
    }

    #[test]
    fn a_statement_of_a_megabyte_gets_a_slice_of_its_own() {
        let big = format!("T = [\n{}]\n", "1,\n".repeat(ALONE / 3 + 1));
        let text = format!("import os\nx = 1\n{big}y = 2\nz = 3\n");
        // lengths, not the megabyte of text, in a failure message
        let lens = |t: &str| statement_slices(t, 1 << 30).expect("balanced").into_iter().map(|(a, b)| b - a).collect::<Vec<_>>();
        assert_eq!(lens(&text), [16, big.len(), 12]);
        // also as the last statement, and as the first
        assert_eq!(lens(&format!("x = 1\n{big}")), [6, big.len()]);
        assert_eq!(lens(&format!("{big}x = 1\n")), [big.len(), 6]);
    }

    fn groups(text: &str, target: usize) -> Option<(&str, u8, Vec<&str>)> {
        display_groups(text, target).map(|d| (d.name, d.open, d.groups.iter().map(|&(a, b)| &text[a..b]).collect()))
    }

    #[test]
    fn a_display_is_cut_after_top_level_commas() {
        let text = "# lead\n\nT = [1, (2, 3), 'a,]b', # c, ]\n 4, [5,\n6],\n]  # end\n\n";
        assert_eq!(groups(text, 1), Some(("T", b'[', vec!["1,", " (2, 3),", " 'a,]b',", " # c, ]\n 4,", " [5,\n6],", "\n"])));
        // groups reach the target before they end
        assert_eq!(groups(text, 12), Some(("T", b'[', vec!["1, (2, 3), 'a,]b',", " # c, ]\n 4, [5,\n6],", "\n"])));
        assert_eq!(groups("D = {'a': {1, 2}, **e}\n", 1), Some(("D", b'{', vec!["'a': {1, 2},", " **e"])));
        // a tuple is parsed as a list: `(e)` alone would not be a tuple
        assert_eq!(groups("t=(1,2)", 1), Some(("t", b'[', vec!["1,", "2"])));
    }

    #[test]
    fn other_statements_are_not_displays() {
        for text in [
            "x = (1)\n",                  // parentheses, not a tuple
            "x = ('a' 'b')\n",            // implicit concatenation
            "x = [1, 2] + [3]\n",         // more after the display
            "x = [1]; y = 2\n",           // two statements
            "x = y = [1, 2]\n",           // two targets
            "x: list = [1, 2]\n",         // annotated
            "x == [1, 2]\n",              // a comparison
            "x.y = [1, 2]\n",             // an attribute
            "None = [1, 2]\n",            // a keyword
            " x = [1, 2]\n",              // indented
            "x = [1, 2)\n",               // mismatched
            "x = [1, 2\n",                // unclosed
            "x = f([1, 2])\n",            // a call
            "x = \\\n[1, 2]\n",            // a continuation before the display
            "x = [[1, 2, 3]]\n",          // one element: one group
        ] {
            assert_eq!(groups(text, 1), None, "{text:?}");
        }
    }

    #[test]
    fn unbalanced_text_is_not_split() {
        // an unterminated string swallows the rest: no cut inside it
        assert_eq!(statement_slices("x = '''open\ny = 1\n", 1), Some(vec![(0, 18)]));
        assert!(statement_slices("x = (1,\n", 1).is_none());
    }
}
