//! TOML lockfiles deserialised one `[[package]]` entry at a time (#14).
//!
//! `toml::from_str` lexes the whole document into a vector of tokens and builds a tree of
//! it before deserialising anything: for a 5 MB poetry.lock or uv.lock its peak was 12 to
//! 17 times the input. Here the document is cut at its top-level table headers
//! (toml_parser's lexer tells the `[` of a header from one inside a string or an array
//! value); each entry of the array of tables, with its sub-tables (`[package.source]`,
//! `[package.dependencies]`), is deserialised on its own, and the rest (the keys before the
//! first table, `[metadata]`, `[manifest]`) as one small document. Both are deserialised
//! into the reader's own document type, so the fields read are the same as before.
//!
//! Anything irregular (a sub-table after another table, a quoted header, a piece that does
//! not parse, an entry written another way) sends the whole text through
//! [`from_toml`] as before: errors and unusual files read exactly as they did.

use std::ops::Range;

use serde::de::DeserializeOwned;
use toml::Spanned;
use toml_parser::lexer::{Token, TokenKind};

use super::model::{LockFormat, LockfileError};
use super::toml_read::from_toml;

/// A document read entry by entry.
pub(crate) struct EntryWise<Doc> {
    pub doc: Doc,
    /// The pieces of the rest, as (offset in the rest's text, offset in the document);
    /// empty when the document was read whole.
    rest_pieces: Vec<(usize, usize)>,
}

impl<Doc> EntryWise<Doc> {
    /// The document offset of an offset in a span of a value outside the entries (the
    /// entries' spans are already document offsets).
    pub(crate) fn document_offset(&self, rest_offset: usize) -> usize {
        match self.rest_pieces.iter().rev().find(|(in_rest, _)| *in_rest <= rest_offset) {
            Some((in_rest, in_document)) => rest_offset - in_rest + in_document,
            None => rest_offset,
        }
    }
}

/// Deserialises `text` into `Doc`, whose array of tables `array` (`entries` of it) is read
/// one entry at a time; see the module doc.
pub(crate) fn from_toml_by_entry<Doc, Entry>(
    format: LockFormat,
    path: &std::path::Path,
    text: &str,
    array: &str,
    entries: fn(&mut Doc) -> &mut Vec<Spanned<Entry>>,
) -> Result<EntryWise<Doc>, LockfileError>
where
    Doc: DeserializeOwned,
{
    let whole = || from_toml(format, path, text).map(|doc| EntryWise { doc, rest_pieces: Vec::new() });
    let Some(cut) = cut_at_tables(text, array) else { return whole() };

    let mut rest = String::new();
    let mut rest_pieces = Vec::with_capacity(cut.rest.len());
    for piece in &cut.rest {
        rest_pieces.push((rest.len(), piece.start));
        rest.push_str(&text[piece.clone()]);
    }
    let Ok(mut doc) = toml::from_str::<Doc>(&rest) else { return whole() };
    drop(rest);
    if !entries(&mut doc).is_empty() {
        // the array written as `package = [...]` or with dotted keys: not cut
        return whole();
    }

    let mut read = Vec::with_capacity(cut.entries.len());
    for piece in cut.entries {
        let Ok(mut one) = toml::from_str::<Doc>(&text[piece.clone()]) else { return whole() };
        let mut list = std::mem::take(entries(&mut one));
        // one header, one entry
        let (Some(entry), 0) = (list.pop(), list.len()) else { return whole() };
        let span = entry.span();
        read.push(Spanned::new(span.start + piece.start..span.end + piece.start, entry.into_inner()));
    }
    *entries(&mut doc) = read;
    Ok(EntryWise { doc, rest_pieces })
}

/// Where the document's top-level tables are: the entries of the array of tables, each
/// with its sub-tables, and the rest, in document order.
#[derive(Debug, Default, PartialEq, Eq)]
struct Cut {
    entries: Vec<Range<usize>>,
    rest: Vec<Range<usize>>,
}

impl Cut {
    fn add(&mut self, piece: Range<usize>, is_entry: bool) {
        if piece.is_empty() {
            return;
        }
        if is_entry { self.entries.push(piece) } else { self.rest.push(piece) }
    }
}

/// What a table header opens.
enum Header {
    /// `[[array]]`: the next entry.
    Entry,
    /// `[array.x]` or `[[array.x]]`: part of the entry above it.
    SubTable,
    /// Any other table.
    Other,
}

/// Cuts `text` at its top-level table headers; `None` when it cannot be cut safely (the
/// caller then reads it whole).
fn cut_at_tables(text: &str, array: &str) -> Option<Cut> {
    let mut cut = Cut::default();
    let mut tokens = toml_parser::Source::new(text).lex();
    // the piece being read: where it starts, and whether it is an entry
    let mut piece_start = 0;
    let mut in_entry = false;
    // `[` and `{` of values still open: a header starts a line outside any value
    let mut depth = 0usize;
    let mut line_start = true;
    while let Some(token) = tokens.next() {
        match token.kind() {
            TokenKind::Whitespace | TokenKind::Comment => {}
            TokenKind::Newline => line_start = depth == 0,
            TokenKind::LeftSquareBracket if line_start && depth == 0 => {
                let start = token.span().start();
                match header(text, &mut tokens, array)? {
                    Header::SubTable if in_entry => {}
                    Header::SubTable => return None,
                    Header::Entry => {
                        cut.add(piece_start..start, in_entry);
                        (piece_start, in_entry) = (start, true);
                    }
                    Header::Other => {
                        cut.add(piece_start..start, in_entry);
                        (piece_start, in_entry) = (start, false);
                    }
                }
                line_start = false;
            }
            TokenKind::LeftSquareBracket | TokenKind::LeftCurlyBracket => {
                depth += 1;
                line_start = false;
            }
            TokenKind::RightSquareBracket | TokenKind::RightCurlyBracket => {
                depth = depth.checked_sub(1)?;
                line_start = false;
            }
            TokenKind::Eof => break,
            _ => line_start = false,
        }
    }
    cut.add(piece_start..text.len(), in_entry);
    Some(cut)
}

/// Reads a table header after its first `[`, up to its last `]`. `None` for a header this
/// cut does not read (quoted keys, a malformed header).
fn header(text: &str, tokens: &mut impl Iterator<Item = Token>, array: &str) -> Option<Header> {
    let mut name = String::new();
    let mut array_table = false;
    let mut first = true;
    loop {
        let token = tokens.next()?;
        match token.kind() {
            // `[[` must be written together
            TokenKind::LeftSquareBracket if first => array_table = true,
            TokenKind::Whitespace => {}
            TokenKind::Atom => name.push_str(&text[token.span().start()..token.span().end()]),
            TokenKind::Dot => name.push('.'),
            TokenKind::RightSquareBracket => break,
            _ => return None,
        }
        first = false;
    }
    if array_table && tokens.next()?.kind() != TokenKind::RightSquareBracket {
        return None;
    }
    Some(if name == array && array_table {
        Header::Entry
    } else if name.strip_prefix(array).is_some_and(|sub| sub.starts_with('.')) {
        Header::SubTable
    } else if name == array {
        // `[package]`: not an array of tables; let the whole parse say what it is
        return None;
    } else {
        Header::Other
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pieces(text: &str, ranges: &[Range<usize>]) -> Vec<String> {
        ranges.iter().map(|r| text[r.clone()].to_string()).collect()
    }

    #[test]
    fn cuts_at_top_level_headers_only() {
        let text = "version = 1\n\n[[package]]\nname = \"a\"\nx = [\n  [1],\n]\ns = \"\"\"\n[[package]]\n\"\"\"\n\n[package.source]\nregistry = \"r\"\n\n  [[package]] # two\nname = \"b\"\n\n[metadata]\nk = 1\n";
        let cut = cut_at_tables(text, "package").unwrap();
        assert_eq!(
            pieces(text, &cut.entries),
            vec![
                "[[package]]\nname = \"a\"\nx = [\n  [1],\n]\ns = \"\"\"\n[[package]]\n\"\"\"\n\n[package.source]\nregistry = \"r\"\n\n  ".to_string(),
                "[[package]] # two\nname = \"b\"\n\n".to_string(),
            ]
        );
        assert_eq!(pieces(text, &cut.rest), vec!["version = 1\n\n".to_string(), "[metadata]\nk = 1\n".to_string()]);
    }

    #[test]
    fn irregular_documents_are_not_cut() {
        // a sub-table after another table, before any entry, a quoted header, a plain table
        for text in [
            "[[package]]\nname = \"a\"\n[metadata]\n[package.source]\n",
            "[package.source]\n[[package]]\n",
            "[[\"package\"]]\nname = \"a\"\n",
            "[package]\nname = \"a\"\n",
        ] {
            assert_eq!(cut_at_tables(text, "package"), None, "{text}");
        }
    }

    #[derive(serde::Deserialize, Debug, PartialEq)]
    struct Doc {
        version: Option<Spanned<i64>>,
        #[serde(default)]
        package: Vec<Spanned<Entry>>,
        metadata: Option<Metadata>,
    }

    #[derive(serde::Deserialize, Debug, PartialEq)]
    struct Entry {
        name: String,
        source: Option<toml::Table>,
    }

    #[derive(serde::Deserialize, Debug, PartialEq)]
    struct Metadata {
        k: Spanned<i64>,
    }

    fn read(text: &str) -> Result<EntryWise<Doc>, LockfileError> {
        from_toml_by_entry(LockFormat::UvLock, std::path::Path::new("uv.lock"), text, "package", |d: &mut Doc| &mut d.package)
    }

    #[test]
    fn entry_wise_equals_whole_with_document_spans() {
        let text = "version = 1\n[[package]]\nname = \"a\"\n[package.source]\nregistry = \"r\"\n\n[[package]]\nname = \"b\"\n[metadata]\nk = 2\n";
        let read = read(text).unwrap();
        let whole: Doc = toml::from_str(text).unwrap();
        assert_eq!(read.doc.package, whole.package);
        assert_eq!(read.doc.version, whole.version);
        let (k_read, k_whole) = (read.doc.metadata.as_ref().unwrap().k.span(), whole.metadata.as_ref().unwrap().k.span());
        assert_eq!(read.document_offset(k_read.start), k_whole.start);
        assert!(!read.rest_pieces.is_empty(), "the document was cut");
    }

    /// The readers make the same lockfile of a document cut into entries as of the same
    /// document read whole (a quoted header, the same TOML, is never cut), lines included;
    /// a version they do not read is reported at the same line either way.
    #[test]
    fn the_readers_read_the_fixtures_the_same_cut_or_whole() {
        use crate::lockfile::tests::{POETRY_1, POETRY_2, UV_LOCK};
        let fixtures = [
            (LockFormat::PoetryLock, POETRY_1, "lock-version = \"1.1\""),
            (LockFormat::PoetryLock, POETRY_2, "lock-version = \"2.1\""),
            (LockFormat::PoetryLock, include_str!("../../tests/fixtures/lockfiles/platforms/poetry.lock"), "lock-version = \"2.1\""),
            (LockFormat::UvLock, UV_LOCK, "version = 1\n"),
            (LockFormat::UvLock, include_str!("../../tests/fixtures/lockfiles/platforms/uv.lock"), "version = 1\n"),
        ];
        // a major version no reader reads
        let unsupported = |version: &str| version.replacen(['1', '2'], "9", 1);
        let path = std::path::Path::new("the.lock");
        for (format, text, version) in fixtures {
            let whole = text.replacen("[[package]]", "[[\"package\"]]", 1);
            assert!(cut_at_tables(text, "package").is_some_and(|c| c.entries.len() > 1), "{format}: cut");
            assert_eq!(cut_at_tables(&whole, "package"), None, "{format}: read whole");
            let (cut_lock, whole_lock) = (super::super::parse(format, path, text).unwrap(), super::super::parse(format, path, &whole).unwrap());
            assert_eq!(cut_lock, whole_lock, "{format}");
            assert!(cut_lock.packages.iter().all(|p| p.line.is_some()), "{format}: lines");

            let line = |text: &str| super::super::parse(format, path, &text.replacen(version, &unsupported(version), 1)).unwrap_err().line();
            assert!(line(text).is_some(), "{format}: the version's line");
            assert_eq!(line(text), line(&whole), "{format}: the version's line");
        }
    }

    #[test]
    fn errors_are_those_of_the_whole_document() {
        let text = "version = 1\n[[package]]\nname = \"a\"\nname = \"b\"\n";
        let Err(LockfileError::Toml { line, .. }) = read(text) else { panic!("a duplicate key is an error") };
        assert_eq!(line, 4);
    }
}
