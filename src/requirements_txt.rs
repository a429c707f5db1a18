//! pip's requirements-file syntax, read once for both readers of it: the lockfile reader
//! (`lockfile::requirements`, what a file pins) and the install rewriter
//! (`install::reqfile`, the copy pip gets). Logical lines as pip's `join_lines` makes
//! them, with the byte range and physical lines behind each; comments as pip's
//! `COMMENT_RE` finds them; the requirement and its options as `break_args_options`
//! splits them; and option words as `shlex.split` (POSIX mode) reads them.

use std::ops::Range;

/// One logical line of a requirements file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Line {
    /// 1-based number of its first physical line.
    pub(crate) number: usize,
    /// Physical lines it spans (a comment line that ends a continuation included).
    pub(crate) physical_lines: usize,
    /// Its bytes in the file, line ends included.
    pub(crate) raw: Range<usize>,
    /// The text, continuations joined (`\` and line ends dropped); `None` for a line that
    /// is a comment line and nothing else.
    pub(crate) text: Option<String>,
    /// A comment line (`#` the first character after any whitespace), trimmed: the line
    /// itself, or the one that ended a continuation (pip does not continue into it).
    pub(crate) comment_line: Option<String>,
}

fn is_comment_line(line: &str) -> bool {
    line.trim_start().starts_with('#')
}

/// pip's `join_lines`: a line ending in `\` continues on the next; a comment line ends a
/// continuation. Lines end at `\n`, an `\r` before it is dropped. One logical line at a
/// time: a list of them all held a second copy of the whole file (#14).
pub(crate) fn logical_lines(text: &str) -> LogicalLines<'_> {
    LogicalLines { physical: text.split_inclusive('\n').enumerate(), offset: 0, pending: None }
}

/// The iterator [`logical_lines`] returns.
pub(crate) struct LogicalLines<'a> {
    physical: std::iter::Enumerate<std::str::SplitInclusive<'a, char>>,
    offset: usize,
    pending: Option<Line>,
}

impl Iterator for LogicalLines<'_> {
    type Item = Line;

    fn next(&mut self) -> Option<Line> {
        for (index, physical) in self.physical.by_ref() {
            let start = self.offset;
            self.offset += physical.len();
            let offset = self.offset;
            let line = physical.strip_suffix('\n').unwrap_or(physical);
            let line = line.strip_suffix('\r').unwrap_or(line);
            let comment = is_comment_line(line);
            let continues = line.ends_with('\\') && !comment;
            let comment_line = comment.then(|| line.trim().to_string());
            match (self.pending.take(), continues) {
                (Some(mut p), true) => {
                    extend(&mut p, line.trim_matches('\\'), offset);
                    self.pending = Some(p);
                }
                (Some(mut p), false) => {
                    extend(&mut p, if comment { "" } else { line }, offset);
                    p.comment_line = comment_line;
                    return Some(p);
                }
                (None, true) => {
                    self.pending = Some(Line { number: index + 1, physical_lines: 1, raw: start..offset, text: Some(line.trim_matches('\\').to_string()), comment_line: None })
                }
                (None, false) => {
                    let text = (!comment).then(|| line.to_string());
                    return Some(Line { number: index + 1, physical_lines: 1, raw: start..offset, text, comment_line });
                }
            }
        }
        self.pending.take()
    }
}

fn extend(line: &mut Line, more: &str, end: usize) {
    if let Some(t) = &mut line.text {
        t.push_str(more);
    }
    line.physical_lines += 1;
    line.raw.end = end;
}

/// Byte offset of a comment as pip's `COMMENT_RE` (`(^|\s+)#.*$`) finds it: `#` at the
/// start or after whitespace.
pub(crate) fn comment_start(line: &str) -> Option<usize> {
    let b = line.as_bytes();
    (0..b.len()).find(|&i| b[i] == b'#' && (i == 0 || b[i - 1].is_ascii_whitespace()))
}

/// The line without its comment, trimmed, and the comment (from `#`, trimmed).
pub(crate) fn split_comment(line: &str) -> (&str, Option<&str>) {
    match comment_start(line) {
        Some(at) => (line[..at].trim(), Some(line[at..].trim())),
        None => (line.trim(), None),
    }
}

/// pip's `break_args_options`: the requirement runs until the first word (split at
/// spaces) that starts with `-`; the rest are its options.
pub(crate) fn break_args_options(line: &str) -> (String, String) {
    let tokens: Vec<&str> = line.split(' ').collect();
    let split = tokens.iter().position(|t| t.starts_with('-')).unwrap_or(tokens.len());
    (tokens[..split].join(" "), tokens[split..].join(" "))
}

/// Options of a line that `shlex.split` refuses too.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub(crate) enum SplitError {
    #[error("no closing {0} quote")]
    Unclosed(char),
    #[error("no character after the final \\")]
    TrailingBackslash,
}

/// `shlex.split` (POSIX mode), which pip applies to the options of a line: spaces, tabs
/// and line ends separate words; single quotes keep everything; double quotes keep
/// everything but `\"` and `\\`; outside quotes `\` takes the next character as it is.
pub(crate) fn shell_split(text: &str) -> Result<Vec<String>, SplitError> {
    let mut tokens = Vec::new();
    let mut current = String::new();
    let mut has_token = false;
    let mut quote: Option<char> = None;
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some('"'), '\\') => match chars.next() {
                Some(n @ ('"' | '\\')) => current.push(n),
                Some(n) => {
                    current.push('\\');
                    current.push(n);
                }
                None => return Err(SplitError::Unclosed('"')),
            },
            (Some(_), c) => current.push(c),
            (None, '\\') => {
                current.push(chars.next().ok_or(SplitError::TrailingBackslash)?);
                has_token = true;
            }
            (None, '\'' | '"') => {
                quote = Some(c);
                has_token = true;
            }
            (None, ' ' | '\t' | '\r' | '\n') => {
                if has_token {
                    tokens.push(std::mem::take(&mut current));
                    has_token = false;
                }
            }
            (None, c) => {
                current.push(c);
                has_token = true;
            }
        }
    }
    if let Some(q) = quote {
        return Err(SplitError::Unclosed(q));
    }
    if has_token {
        tokens.push(current);
    }
    Ok(tokens)
}

/// Quotes a word so that [`shell_split`] reads it back as it is.
pub(crate) fn shell_quote(token: &str) -> String {
    if !token.is_empty() && !token.chars().any(|c| c.is_whitespace() || matches!(c, '\'' | '"' | '\\' | '#')) {
        return token.to_string();
    }
    format!("'{}'", token.replace('\'', "'\"'\"'"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(s: &str) -> Vec<String> {
        shell_split(s).unwrap_or_else(|e| panic!("{s:?}: {e}"))
    }

    /// Where the two splitters this one replaces disagreed (the lockfile reader's kept
    /// every backslash; the install rewriter's dropped one before any character, also
    /// inside double quotes), `shlex.split` decides; each expectation is Python's.
    #[test]
    fn backslashes_are_read_as_shlex_reads_them() {
        assert_eq!(split(r"e\ f"), ["e f"]);
        assert_eq!(split(r#""a\"b""#), [r#"a"b"#]);
        assert_eq!(split(r"'a\b'"), [r"a\b"]);
        assert_eq!(split(r#""a\b""#), [r"a\b"]);
        assert_eq!(split(r#""a\$b""#), [r"a\$b"]);
        assert_eq!(split(r"C:\path\file.txt"), ["C:pathfile.txt"]);
        assert_eq!(split(r"a\\b"), [r"a\b"]);
        assert_eq!(split(r#""a\\b""#), [r"a\b"]);
        assert!(shell_split(r"x\").is_err());
        assert!(shell_split(r#""x\"#).is_err());
    }

    #[test]
    fn quotes_group_and_whitespace_separates() {
        assert_eq!(split(r#"-f "a b" --x='c d' e\ f"#), ["-f", "a b", "--x=c d", "e f"]);
        assert_eq!(split("a'b c'd"), ["ab cd"]);
        assert_eq!(split("\"\""), [""]);
        assert_eq!(split(" -r\t'x y.txt' "), ["-r", "x y.txt"]);
        assert_eq!(shell_split("'open").unwrap_err().to_string(), "no closing ' quote");
        assert_eq!(shell_split(r"x\").unwrap_err().to_string(), r"no character after the final \");
        for t in ["plain", "with space", "it's", "", r"back\slash", "a#b", r#"quo"te"#] {
            assert_eq!(split(&shell_quote(t)), [t.to_string()], "{t:?}");
        }
    }

    #[test]
    fn logical_lines_join_continuations_and_keep_their_bytes() {
        let text = "a \\\n  b\n# c\nd \\\n# e\n\\\\f\\\r\ng";
        let lines: Vec<Line> = logical_lines(text).collect();
        let got: Vec<(usize, usize, Option<&str>, Option<&str>)> =
            lines.iter().map(|l| (l.number, l.physical_lines, l.text.as_deref(), l.comment_line.as_deref())).collect();
        assert_eq!(
            got,
            [(1, 2, Some("a   b"), None), (3, 1, None, Some("# c")), (4, 2, Some("d "), Some("# e")), (6, 2, Some("fg"), None)]
        );
        let rebuilt: String = lines.iter().map(|l| &text[l.raw.clone()]).collect();
        assert_eq!(rebuilt, text);
        assert_eq!(logical_lines("x \\").last().and_then(|l| l.text.clone()).as_deref(), Some("x "));
    }

    #[test]
    fn comments_and_options_split_as_pip_does() {
        assert_eq!(split_comment("req==1.0  # via x"), ("req==1.0", Some("# via x")));
        assert_eq!(split_comment("url#egg=x"), ("url#egg=x", None));
        assert_eq!(break_args_options("req==1.0 --hash=sha256:ab"), ("req==1.0".to_string(), "--hash=sha256:ab".to_string()));
        assert_eq!(break_args_options("-r other.txt"), (String::new(), "-r other.txt".to_string()));
    }
}
