//! Lockfile readers: pip requirements files, `poetry.lock` (1.x and 2.x), `pylock.toml`
//! (PEP 751) and `uv.lock` (version 1), all turned into one model ([`Lockfile`] of
//! [`LockedPackage`]s), plus a package-level [`diff`] for PR reports.
//!
//! Parsing is pure: text in, entries out, no network. The only I/O is reading the lockfile
//! itself ([`read_lockfile`]) and, for requirements files, the files they include with
//! `-r`/`-c` (resolved relative to the including file). TOML formats are parsed with the
//! `toml` crate; requirements files with a hand-written parser that follows pip's documented
//! "Requirements File Format", its version specifiers read by `pep440_rs` and its markers by
//! [`crate::pep508`].
//!
//! Every error names the file and line and says what to do ([`LockfileError::hint`]); things
//! that are legal but weaken a check (unpinned versions, environment variables, options that
//! are not followed) become [`LockWarning`]s with a line.

pub mod diff;
mod model;
pub mod poetry;
pub mod pylock;
mod read;
pub mod requirements;
mod toml_read;
mod toml_entries;
pub mod uv_lock;

#[cfg(test)]
mod tests;

pub use diff::{DependencyKind, LockDiff, classify_in, diff};
pub use model::{Hash, HashError, LockFormat, LockWarning, LockedFile, LockedPackage, Lockfile, LockfileError, Source, WarningKind};
pub use read::{MAX_LOCKFILE_BYTES, read_regular};
pub(crate) use read::{read_text, text_of};

use std::path::Path;

pub use crate::pep503::normalize_name;

/// Reads and parses a lockfile, detecting its format from the file name, then the content.
pub fn read_lockfile(path: &Path) -> Result<Lockfile, LockfileError> {
    let text = read_text(path)?;
    let format = detect_format(path, &text).ok_or_else(|| LockfileError::UnknownFormat { path: path.to_path_buf() })?;
    parse(format, path, &text)
}

/// Parses lockfile text of a known format. `path` is used in messages and, for requirements
/// files, to resolve `-r`/`-c` includes (which are read from disk).
pub fn parse(format: LockFormat, path: &Path, text: &str) -> Result<Lockfile, LockfileError> {
    match format {
        LockFormat::Requirements => requirements::parse(path, text),
        LockFormat::PoetryLock => poetry::parse(path, text),
        LockFormat::PyLock => pylock::parse(path, text),
        LockFormat::UvLock => uv_lock::parse(path, text),
    }
}

/// Detects the format from the file name, then from the content.
pub fn detect_format(path: &Path, text: &str) -> Option<LockFormat> {
    detect_by_name(path).or_else(|| detect_by_content(text))
}

/// Detects the format from the file name alone.
pub fn detect_by_name(path: &Path) -> Option<LockFormat> {
    let name = path.file_name()?.to_str()?.to_ascii_lowercase();
    match name.as_str() {
        "poetry.lock" => return Some(LockFormat::PoetryLock),
        "uv.lock" => return Some(LockFormat::UvLock),
        "pylock.toml" => return Some(LockFormat::PyLock),
        _ => {}
    }
    if let Some(middle) = name.strip_prefix("pylock.").and_then(|n| n.strip_suffix(".toml"))
        && !middle.is_empty()
        && !middle.contains('.')
    {
        return Some(LockFormat::PyLock);
    }
    if name.ends_with(".txt") || (name.starts_with("requirements") && name.ends_with(".in")) {
        return Some(LockFormat::Requirements);
    }
    None
}

/// Detects the format from the content: a line-level sniff that works on broken TOML too, so
/// that the right reader reports the syntax error.
pub fn detect_by_content(text: &str) -> Option<LockFormat> {
    let mut package_array = false;
    let mut packages_array = false;
    let mut lock_version = false;
    let mut metadata = false;
    let mut uv_version = false;
    let mut before_tables = true;
    let mut looks_like_toml = false;
    for raw in text.lines() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let compact: String = line.chars().filter(|c| !c.is_whitespace()).collect();
        if compact.starts_with('[') {
            before_tables = false;
            looks_like_toml = true;
        }
        match compact.as_str() {
            "[[package]]" => package_array = true,
            "[[packages]]" => packages_array = true,
            "[metadata]" | "[metadata.files]" => metadata = true,
            _ => {}
        }
        if compact.starts_with("lock-version=") && before_tables {
            lock_version = true;
        }
        if before_tables && (compact.starts_with("version=") || compact.starts_with("revision=")) {
            uv_version = true;
        }
        if compact.starts_with("content-hash=") || compact.starts_with("lock-version=") {
            looks_like_toml = true;
        }
    }
    if packages_array || (lock_version && !metadata) {
        Some(LockFormat::PyLock)
    } else if package_array && metadata {
        Some(LockFormat::PoetryLock)
    } else if package_array && uv_version {
        Some(LockFormat::UvLock)
    } else if package_array || looks_like_toml {
        None
    } else if text.lines().any(|l| {
        let l = l.trim();
        !l.is_empty() && !l.starts_with('#')
    }) {
        Some(LockFormat::Requirements)
    } else {
        None
    }
}

