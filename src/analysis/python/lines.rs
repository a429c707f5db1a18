//! Byte offset → 1-based line number, built once per file; and the line walk the
//! import passes make over every module, without std's per-line char searcher.

pub(crate) struct LineIndex {
    starts: Vec<u32>,
}

impl LineIndex {
    pub(crate) fn new(text: &str) -> Self {
        let mut starts = Vec::with_capacity(text.len() / 32 + 1);
        starts.push(0);
        for pos in memchr::memchr_iter(b'\n', text.as_bytes()) {
            starts.push(pos as u32 + 1);
        }
        LineIndex { starts }
    }

    /// 1-based line of a byte offset.
    pub(crate) fn line(&self, offset: u32) -> u32 {
        match self.starts.binary_search(&offset) {
            Ok(i) => i as u32 + 1,
            Err(i) => i as u32,
        }
    }

    /// The trimmed text of a 1-based line.
    pub(crate) fn line_text<'t>(&self, text: &'t str, line: u32) -> &'t str {
        let i = line.saturating_sub(1) as usize;
        let Some(&start) = self.starts.get(i) else { return "" };
        let end = self.starts.get(i + 1).map(|&e| e as usize).unwrap_or(text.len());
        text.get(start as usize..end).unwrap_or("").trim()
    }
}

/// The lines of `text` exactly as [`str::lines`] gives them (split at `\n`, one `\r`
/// before it dropped, no empty line after a final `\n`), found with the vectorised
/// `memchr`: two passes walk every line of every module, and std's char searcher cost
/// them more than the rest of their work.
pub(crate) fn text_lines(text: &str) -> TextLines<'_> {
    TextLines { rest: text }
}

pub(crate) struct TextLines<'t> {
    rest: &'t str,
}

impl<'t> Iterator for TextLines<'t> {
    type Item = &'t str;

    fn next(&mut self) -> Option<&'t str> {
        if self.rest.is_empty() {
            return None;
        }
        let (line, rest) = match memchr::memchr(b'\n', self.rest.as_bytes()) {
            Some(i) => (&self.rest[..i], &self.rest[i + 1..]),
            None => {
                // the last line, without a line feed: kept whole, as std keeps a lone `\r`
                let line = self.rest;
                self.rest = "";
                return Some(line);
            }
        };
        self.rest = rest;
        Some(line.strip_suffix('\r').unwrap_or(line))
    }
}

/// [`str::trim_start`], with the indentation of ASCII lines skipped byte by byte: the
/// Unicode whitespace check runs only from the first non-ASCII byte.
pub(crate) fn trim_indent(line: &str) -> &str {
    let b = line.as_bytes();
    let mut i = 0;
    // the ASCII characters `char::is_whitespace` accepts
    while i < b.len() && matches!(b[i], b' ' | b'\t' | b'\n' | b'\x0b' | b'\x0c' | b'\r') {
        i += 1;
    }
    if i < b.len() && b[i] >= 0x80 {
        return line[i..].trim_start();
    }
    &line[i..]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_from_offsets() {
        let t = "a\nbb\n\nccc";
        let li = LineIndex::new(t);
        assert_eq!(li.line(0), 1);
        assert_eq!(li.line(2), 2);
        assert_eq!(li.line(5), 3);
        assert_eq!(li.line(6), 4);
        assert_eq!(li.line_text(t, 4), "ccc");
        assert_eq!(li.line_text(t, 9), "");
    }

    #[test]
    fn lines_and_indents_are_those_of_std() {
        let texts = [
            "", "\n", "a", "a\n", "a\r\nb", "a\r\n\r\n", "a\rb\r", "\r", "\r\n\n", "x\n\n\ny\r",
            " \t\x0b\x0cimport a\n\u{a0}\u{3000}from b\n\u{85}x\n  \u{e9}t\u{e9}\n\u{2028}",
        ];
        for t in texts {
            assert_eq!(text_lines(t).collect::<Vec<_>>(), t.lines().collect::<Vec<_>>(), "{t:?}");
            for line in t.lines() {
                assert_eq!(trim_indent(line), line.trim_start(), "{line:?}");
            }
        }
    }
}
