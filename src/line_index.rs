//! Byte offset → line and column, for readers that say where each entry of a file is.
//! Counting newlines from the start for every entry made a 100,000-entry poetry.lock or
//! a policy with 100,000 `[[internal]]` rules quadratic; the index is built once per
//! file (one pass, one `usize` per line) and each lookup is a binary search.

/// The start offset of every line of one text.
#[derive(Clone, Debug)]
pub(crate) struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    pub(crate) fn new(text: &str) -> LineIndex {
        let starts = std::iter::once(0).chain(memchr::memchr_iter(b'\n', text.as_bytes()).map(|p| p + 1)).collect();
        LineIndex { starts }
    }

    /// 1-based line of `offset` (offsets past the end are on the last line).
    pub(crate) fn line(&self, offset: usize) -> usize {
        self.starts.partition_point(|&start| start <= offset).max(1)
    }

    /// 1-based line and column (in characters) of `offset` in `text`, the text this
    /// index was built from.
    pub(crate) fn line_col(&self, text: &str, offset: usize) -> (usize, usize) {
        let offset = offset.min(text.len());
        let line = self.line(offset);
        let start = self.starts[line - 1].min(offset);
        let column = String::from_utf8_lossy(&text.as_bytes()[start..offset]).chars().count() + 1;
        (line, column)
    }
}

#[cfg(test)]
mod tests {
    use super::LineIndex;

    /// The obvious definition the index must agree with.
    fn counted(text: &str, offset: usize) -> usize {
        text.as_bytes()[..offset.min(text.len())].iter().filter(|b| **b == b'\n').count() + 1
    }

    #[test]
    fn agrees_with_counting_newlines_at_every_offset() {
        for text in ["", "a", "\n", "ab\ncd\n\nef", "\n\nx\n", "é\nü\n"] {
            let index = LineIndex::new(text);
            for offset in 0..=text.len() + 2 {
                assert_eq!(index.line(offset), counted(text, offset), "{text:?} at {offset}");
            }
        }
    }

    #[test]
    fn columns_count_characters_from_the_line_start() {
        let text = "ab\nxé=1\n";
        let index = LineIndex::new(text);
        assert_eq!(index.line_col(text, 0), (1, 1));
        assert_eq!(index.line_col(text, 3), (2, 1));
        assert_eq!(index.line_col(text, 6), (2, 3), "é is one character of two bytes");
        assert_eq!(index.line_col(text, 999), (3, 1));
    }
}
