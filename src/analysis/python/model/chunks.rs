//! Top-level statement slices of a large module, so that a generated 15 MB SDK module is
//! parsed and walked a slice at a time instead of holding its whole syntax tree.
//!
//! The split is a byte scan that knows strings, comments, brackets and line
//! continuations. It only cuts where a line starts at column 0 outside any bracket or
//! string, and never before `else`/`elif`/`except`/`finally` or after a decorator. The
//! scan can be fooled (an f-string nesting its own quotes), so the caller parses every
//! slice and falls back to the whole module when any slice does not parse cleanly.

use crate::analysis::payload::text::skip_string;

/// Byte ranges `[start, end)` covering `text`, each ending at a top-level statement
/// boundary and at least `target` bytes long (the last may be shorter); `None` when the
/// scan ends inside a bracket.
pub(super) fn statement_slices(text: &str, target: usize) -> Option<Vec<(usize, usize)>> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut start = 0usize;
    let mut depth = 0usize;
    // the first byte of the last statement that began at column 0
    let mut last_head = b.first().copied().unwrap_or(0);
    let mut i = 0usize;
    while i < b.len() {
        match b[i] {
            b'#' => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
                continue;
            }
            b'\\' => {
                // a line continuation (or a stray backslash): the next byte is not a line end
                i += 2;
                continue;
            }
            b'\'' | b'"' => {
                // an unterminated string runs to the end: its slice will not parse, and
                // the module is then parsed whole
                i = skip_string(b, i);
                continue;
            }
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' | b'}' => depth = depth.saturating_sub(1),
            b'\n' if depth == 0 => {
                let next = i + 1;
                if let Some(&head) = b.get(next) {
                    if !matches!(head, b' ' | b'\t' | b'\r' | b'\n' | b'#' | b'\x0c') {
                        let cut = last_head != b'@' && !continues_compound(&b[next..]) && next - start >= target;
                        if cut {
                            out.push((start, next));
                            start = next;
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
    out.push((start, b.len()));
    Some(out)
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
    fn unbalanced_text_is_not_split() {
        // an unterminated string swallows the rest: no cut inside it
        assert_eq!(statement_slices("x = '''open\ny = 1\n", 1), Some(vec![(0, 18)]));
        assert!(statement_slices("x = (1,\n", 1).is_none());
    }
}
