//! Where a setting came from: the built-in default, a line of a config file, or a
//! command-line flag. `safe-pip config` shows it next to every value, errors point at it,
//! and a verdict reason names the decision's file and line.

use serde::Serialize;
use std::fmt;
use std::path::{Path, PathBuf};

/// The layers, lowest first. Later layers override earlier ones unless the org file locks the key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Layer {
    Default,
    /// `$SAFE_PIP_ORG_CONFIG`, else /etc/safe-pip/config.toml.
    Org,
    /// `$SAFE_PIP_CONFIG`, else the platform config dir's safe-pip/config.toml.
    User,
    /// `[tool.safe-pip]` of the nearest pyproject.toml.
    Project,
    /// Command-line flags (and the environment variables that stand for them).
    Flag,
}

impl Layer {
    pub fn as_str(self) -> &'static str {
        match self {
            Layer::Default => "default",
            Layer::Org => "org file",
            Layer::User => "user file",
            Layer::Project => "project",
            Layer::Flag => "flag",
        }
    }
}

/// The origin of one value.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Origin {
    Default,
    /// A config file; `line` is 1-based.
    File { layer: Layer, path: PathBuf, line: usize },
    /// A flag such as `--min-release-age`.
    Flag(String),
    /// The decision log of a verdict store (the gateway's), e.g. `postgres://host/db`: an
    /// organisation-level decision.
    Store(String),
}

impl Origin {
    pub fn file(layer: Layer, path: &Path, line: usize) -> Origin {
        Origin::File { layer, path: path.to_path_buf(), line }
    }

    pub fn layer(&self) -> Layer {
        match self {
            Origin::Default => Layer::Default,
            Origin::File { layer, .. } => *layer,
            Origin::Flag(_) => Layer::Flag,
            Origin::Store(_) => Layer::Org,
        }
    }

    /// `pyproject.toml:42`: the file name and line, for verdict reasons that must stay short.
    pub fn short(&self) -> String {
        match self {
            Origin::File { path, line, .. } => {
                let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| path.display().to_string());
                format!("{name}:{line}")
            }
            other => other.to_string(),
        }
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::Default => f.write_str("default"),
            Origin::File { path, line, .. } => write!(f, "{}:{line}", path.display()),
            Origin::Flag(name) => write!(f, "flag {name}"),
            Origin::Store(place) => write!(f, "the decision log of {place}"),
        }
    }
}

impl Serialize for Origin {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("layer", &self.layer())?;
        match self {
            Origin::Default => {}
            Origin::File { path, line, .. } => {
                m.serialize_entry("path", &path.display().to_string())?;
                m.serialize_entry("line", line)?;
            }
            Origin::Flag(name) => m.serialize_entry("flag", name)?,
            Origin::Store(place) => m.serialize_entry("store", place)?,
        }
        m.end()
    }
}

/// A value and where it came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Located<T> {
    pub value: T,
    pub origin: Origin,
}

impl<T> Located<T> {
    pub fn new(value: T, origin: Origin) -> Located<T> {
        Located { value, origin }
    }

    pub fn default(value: T) -> Located<T> {
        Located { value, origin: Origin::Default }
    }
}

/// 1-based line of a byte offset in `text`, for a one-off lookup; a reader that
/// locates many entries builds one [`crate::line_index::LineIndex`].
pub(crate) fn line_of(text: &str, offset: usize) -> usize {
    crate::line_index::LineIndex::new(text).line(offset)
}
