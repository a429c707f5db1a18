//! Untrusted text in Markdown (PR comments, job summaries). Names, versions, paths,
//! messages and evidence come from packages and lockfiles: written raw into a comment they
//! could close a table (`|`), open HTML (`<img src=…>`, `<details>`), make links, ping
//! people (`@org/team`) or fake a "Safe to merge" line. Every such string is shown as one
//! inline code span ([`code`], [`code_cell`] in a table): inside a code span Markdown,
//! HTML, links and mentions are not interpreted. The fence is longer than any run of
//! backticks in the text, line breaks and control characters are made visible, and the
//! text is clipped.

use super::display::escape_terminal;

/// Longest untrusted string shown, in characters (evidence is clipped earlier).
pub(crate) const MAX_CHARS: usize = 300;

/// `s` as an inline code span on one line, outside a table.
pub(crate) fn code(s: &str) -> String {
    span(s, false)
}

/// `s` as an inline code span inside a GFM table cell: `|` is escaped, as tables are
/// split into cells before code spans are read.
pub(crate) fn code_cell(s: &str) -> String {
    span(s, true)
}

fn span(s: &str, in_table: bool) -> String {
    let mut text: String = escape_terminal(s).into_owned();
    if text.chars().count() > MAX_CHARS {
        text = text.chars().take(MAX_CHARS).collect::<String>() + "…";
    }
    if text.trim().is_empty() {
        return "(empty)".into();
    }
    if in_table {
        text = text.replace('|', "\\|");
    }
    let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest + 1);
    let pad = if text.starts_with('`') || text.ends_with('`') || text.starts_with(' ') || text.ends_with(' ') { " " } else { "" };
    format!("{fence}{pad}{text}{pad}{fence}")
}

/// Prose that may carry untrusted text but must read as text (a `<summary>` line):
/// one line, HTML special characters as entities, Markdown punctuation backslash-escaped,
/// `@` broken with a zero-width joiner so it mentions nobody.
#[cfg(test)]
pub(crate) fn text(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in escape_terminal(s).chars().take(MAX_CHARS) {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '@' => out.push_str("@\u{200d}"),
            '\\' | '`' | '*' | '_' | '[' | ']' | '(' | ')' | '#' | '!' | '|' | '~' | '{' | '}' | '+' | '-' | '.' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_spans_survive_backticks_pipes_html_and_line_breaks() {
        assert_eq!(code("requests"), "`requests`");
        assert_eq!(code("a`b"), "``a`b``");
        assert_eq!(code("`x`"), "`` `x` ``");
        assert_eq!(code("a|b"), "`a|b`");
        assert_eq!(code_cell("a|b"), "`a\\|b`");
        assert_eq!(code("<img src=x onerror=alert(1)>"), "`<img src=x onerror=alert(1)>`");
        let two = code("evil\n### Safe to merge");
        assert!(!two.contains('\n') && two.contains("\\n"), "{two}");
        assert_eq!(code(""), "(empty)");
        assert!(code(&"x".repeat(1000)).chars().count() < MAX_CHARS + 10);
    }

    #[test]
    fn text_cannot_open_html_links_or_mentions() {
        let t = text("<b>[click](http://x)</b> @org/team");
        assert!(!t.contains('<') && !t.contains("](") && !t.contains("@o"), "{t}");
    }
}
