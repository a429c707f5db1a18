//! Config errors. Every problem names the file and line, the key and what is allowed;
//! loading collects all of them before failing (as cargo-deny does), so one run shows
//! everything to fix. Any error means the settings are not used: fail closed.

use super::origin::Origin;
use std::fmt;
use std::path::PathBuf;

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// A file that exists (or must exist) but cannot be read.
    #[error("cannot read {}: {detail}", path.display())]
    Unreadable { path: PathBuf, detail: String, hint: String },
    /// Not TOML at all.
    #[error("{}:{line}: not valid TOML: {detail}", path.display())]
    Syntax { path: PathBuf, line: usize, detail: String },
    /// A key that is unknown, misplaced or has a value that is not allowed.
    #[error("{origin}: `{key}`: {detail}")]
    Invalid { origin: Origin, key: String, detail: String, hint: String },
    /// A lower layer tries to weaken a key the org file locked.
    #[error("{origin}: `{key}` = {value} weakens the org file's locked value {locked_value} ({locked_by}, lock \"{lock}\")")]
    Locked { origin: Origin, key: String, value: String, locked_by: Origin, lock: String, locked_value: String },
}

impl ConfigError {
    pub fn invalid(origin: &Origin, key: impl Into<String>, detail: impl Into<String>, hint: impl Into<String>) -> ConfigError {
        ConfigError::Invalid { origin: origin.clone(), key: key.into(), detail: detail.into(), hint: hint.into() }
    }
}

impl crate::error::Hint for ConfigError {
    fn hint(&self) -> String {
        match self {
            ConfigError::Unreadable { hint, .. } | ConfigError::Invalid { hint, .. } => hint.clone(),
            ConfigError::Syntax { .. } => "fix the TOML syntax at that line (docs/configuration.md shows complete examples)".into(),
            ConfigError::Locked { .. } => {
                "remove the override or make it at least as strict (block > warn > ignore); the org file's maintainers can change the locked value".into()
            }
        }
    }
}

/// Every problem found while loading the settings (never empty).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigErrors(pub Vec<ConfigError>);

impl ConfigErrors {
    pub fn single(e: ConfigError) -> ConfigErrors {
        ConfigErrors(vec![e])
    }

    pub fn errors(&self) -> &[ConfigError] {
        &self.0
    }

    /// The remedy of the first error; each error's own hint is in [`ConfigError::hint`].
    pub fn hint(&self) -> String {
        self.0.first().map(crate::error::Hint::hint).unwrap_or_default()
    }
}

/// Every config error, each with its remedy, as `config: …`.
impl From<ConfigErrors> for crate::error::Error {
    fn from(errors: ConfigErrors) -> crate::error::Error {
        let all = errors.0.into_iter().map(|e| crate::error::Error::from(e).context("config"));
        crate::error::Error::all(all).unwrap_or_else(|| crate::error::Error::new("config: the settings could not be loaded", ""))
    }
}

impl fmt::Display for ConfigErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigErrors {}

/// The closest of `candidates` to a mistyped `word`, when it is close enough to suggest.
pub(crate) fn closest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (strsim::damerau_levenshtein(c, word), c))
        .min()
        .filter(|(d, c)| *d <= (c.len().max(word.len()) / 3).max(2))
        .map(|(_, c)| c)
}

/// "did you mean `x`? allowed: a, b, c" for an unknown name.
pub(crate) fn allowed_hint(word: &str, allowed: &[&str]) -> String {
    let list = allowed.iter().map(|a| format!("`{a}`")).collect::<Vec<_>>().join(", ");
    match closest(word, allowed.iter().copied()) {
        Some(near) => format!("did you mean `{near}`? allowed here: {list}"),
        None => format!("allowed here: {list}"),
    }
}
