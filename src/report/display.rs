//! Untrusted text on a terminal. Names, versions, archive member names, URLs, commands
//! and evidence come from packages, indexes and lockfiles: printed raw, an escape
//! sequence in a member name can move the cursor, retitle the window or erase the line
//! that says BLOCK. Every terminal renderer passes such text through [`escape_terminal`]
//! (or the [`Esc`] adaptor); JSON output keeps it exact.

use std::borrow::Cow;
use std::fmt;

/// `s` with every control character (C0 including ESC, CR, LF and TAB, DEL, C1), the
/// Unicode line separators and the bidirectional overrides made visible as `\x1b`,
/// `\r`, `\n`, `\t`, `\u{202e}`… escapes; other text unchanged (borrowed when clean).
pub(crate) fn escape_terminal(s: &str) -> Cow<'_, str> {
    if !s.chars().any(needs_escape) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        if !needs_escape(c) {
            out.push(c);
            continue;
        }
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x100 => out.push_str(&format!("\\x{:02x}", c as u32)),
            c => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
        }
    }
    Cow::Owned(out)
}

/// A message that may span lines (a parse error with its source snippet): each line
/// escaped as by [`escape_terminal`], lines after the first indented by `indent`, so
/// nothing in it can pass for a line of its own at the left margin.
pub(crate) fn escape_terminal_lines(s: &str, indent: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for (i, line) in s.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
            out.push_str(indent);
        }
        out.push_str(&escape_terminal(line));
    }
    out
}

/// Characters a terminal acts on instead of showing, or that reorder what it shows.
fn needs_escape(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200e}' | '\u{200f}' | '\u{061c}' | '\u{2028}' | '\u{2029}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// Display adaptor: `format!("{}", Esc(&name))` prints `name` escaped (padding and
/// alignment apply to the escaped text).
pub(crate) struct Esc<'a>(pub &'a str);

impl fmt::Display for Esc<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(&escape_terminal(self.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_become_visible_escapes() {
        let evil = "evil\x1b]0;PWNED\x07\x1b[1A\x1b[2K\rALLOW  fake\x1b[8m.py";
        let shown = escape_terminal(evil);
        assert_eq!(shown, "evil\\x1b]0;PWNED\\x07\\x1b[1A\\x1b[2K\\rALLOW  fake\\x1b[8m.py");
        assert!(!shown.bytes().any(|b| b < 0x20 || b == 0x7f));
        assert_eq!(escape_terminal("a\nb\tc\u{7f}\u{9b}2J"), "a\\nb\\tc\\x7f\\x9b2J");
        assert_eq!(escape_terminal("txt.\u{202e}yp"), "txt.\\u{202e}yp");
        assert!(matches!(escape_terminal("requests 2.32.3 ✓"), Cow::Borrowed(_)));
        assert_eq!(format!("[{:<8}]", Esc("a\rb")), "[a\\rb    ]");
    }

    #[test]
    fn multi_line_messages_keep_their_lines_indented() {
        assert_eq!(escape_terminal_lines("bad key\n  |\n1 | x\x1b[2K = 1\nBLOCK\r", "  "), "bad key\n    |\n  1 | x\\x1b[2K = 1\n  BLOCK\\r");
    }
}
