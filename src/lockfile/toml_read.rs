//! Helpers shared by the TOML readers (`poetry.lock`, `pylock.toml`, `uv.lock`).

use super::model::{LockFormat, LockfileError};
use crate::line_index::LineIndex;
use std::path::Path;

/// 1-based line and column of a byte offset, for the one error of a file; entries use
/// [`span_line`] with a [`LineIndex`] built once per file.
pub(crate) fn line_col(text: &str, offset: usize) -> (usize, usize) {
    crate::line_index::LineIndex::new(text).line_col(text, offset)
}

/// Deserialises TOML text into `T`, turning syntax and type errors into a
/// [`LockfileError::Toml`] with line and column.
pub(crate) fn from_toml<T: serde::de::DeserializeOwned>(format: LockFormat, path: &Path, text: &str) -> Result<T, LockfileError> {
    toml::from_str(text).map_err(|e| {
        let (line, column) = e.span().map(|s| line_col(text, s.start)).unwrap_or((1, 1));
        LockfileError::Toml { path: path.to_path_buf(), format, line, column, message: e.message().trim().replace('\n', " ") }
    })
}

/// The line a spanned value starts on.
pub(crate) fn span_line<T>(lines: &LineIndex, spanned: &toml::Spanned<T>) -> usize {
    lines.line(spanned.span().start)
}

/// A TOML value that should be a string or datetime (upload times), as text.
pub(crate) fn value_as_text(value: &toml::Value) -> Option<String> {
    match value {
        toml::Value::String(s) => Some(s.clone()),
        toml::Value::Datetime(d) => Some(d.to_string()),
        toml::Value::Integer(i) => Some(i.to_string()),
        _ => None,
    }
}
