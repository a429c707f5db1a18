//! Lockfile readers: pip requirements files, `poetry.lock` (1.x and 2.x), `pylock.toml`
//! (PEP 751) and `uv.lock` (version 1), all turned into one model ([`Lockfile`] of
//! [`LockedPackage`]s), plus a package-level [`diff`] for PR reports.
//!
//! Parsing is pure: text in, entries out, no network. The only I/O is reading the lockfile
//! itself ([`read_lockfile`]) and, for requirements files, the files they include with
//! `-r`/`-c` (resolved relative to the including file). TOML formats are parsed with the
//! `toml` crate; requirements files with a hand-written parser that follows pip's documented
//! "Requirements File Format".
//!
//! Every error names the file and line and says what to do ([`LockfileError::hint`]); things
//! that are legal but weaken a check (unpinned versions, environment variables, options that
//! are not followed) become [`LockWarning`]s with a line.

pub mod diff;
pub mod poetry;
pub mod pylock;
pub mod requirements;
mod toml_entries;
pub mod uv_lock;

#[cfg(test)]
mod tests;

pub(crate) use crate::line_index::LineIndex;
use std::fmt;
use std::path::{Path, PathBuf};

pub use diff::{DependencyKind, LockDiff, classify_in, diff};

/// Which kind of file a [`Lockfile`] was read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LockFormat {
    /// pip's requirements file (`requirements*.txt`, pip-compile / `uv pip compile` output).
    Requirements,
    /// Poetry's `poetry.lock` (lock-version 1.x and 2.x).
    PoetryLock,
    /// PEP 751 `pylock.toml` / `pylock.<name>.toml`.
    PyLock,
    /// uv's `uv.lock` (version 1).
    UvLock,
}

impl LockFormat {
    /// A short human name, as used in messages.
    pub fn name(self) -> &'static str {
        match self {
            LockFormat::Requirements => "requirements file",
            LockFormat::PoetryLock => "poetry.lock",
            LockFormat::PyLock => "pylock.toml",
            LockFormat::UvLock => "uv.lock",
        }
    }
}

impl fmt::Display for LockFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A file digest: algorithm (lower case, e.g. `sha256`) and hex digest (lower case).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Hash {
    pub algorithm: String,
    pub digest: String,
}

/// A hash that is not `algorithm:hexdigest` with a digest of the algorithm's length.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum HashError {
    #[error("'{0}' is not of the form algorithm:hexdigest (e.g. sha256:…)")]
    NoAlgorithm(String),
    #[error("'{0}' is not a hash algorithm name")]
    BadAlgorithm(String),
    #[error("the {algorithm} digest '{digest}' is not hexadecimal")]
    NotHex { algorithm: String, digest: String },
    #[error("a {algorithm} digest has {expected} hex digits, '{digest}' has {}", digest.len())]
    WrongLength { algorithm: String, digest: String, expected: usize },
}

impl crate::error::Hint for HashError {
    fn hint(&self) -> String {
        "write the hash as pip prints it (`pip hash FILE`): sha256:<64 hex digits>".into()
    }
}

impl Hash {
    /// Parses `algorithm:hexdigest` (as in `--hash=sha256:…`, poetry's and uv's `hash`).
    pub fn parse(text: &str) -> Result<Hash, HashError> {
        let (algorithm, digest) = text.split_once(':').ok_or_else(|| HashError::NoAlgorithm(text.to_string()))?;
        Hash::new(algorithm, digest)
    }

    /// Builds a hash from its parts, checking that the digest is hex of the right length for
    /// the well-known algorithms.
    pub fn new(algorithm: &str, digest: &str) -> Result<Hash, HashError> {
        let algorithm = algorithm.trim().to_ascii_lowercase();
        let digest = digest.trim().to_ascii_lowercase();
        if algorithm.is_empty() || !algorithm.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') {
            return Err(HashError::BadAlgorithm(algorithm));
        }
        if digest.is_empty() || !digest.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err(HashError::NotHex { algorithm, digest });
        }
        let expected = match algorithm.as_str() {
            "md5" => Some(32),
            "sha1" => Some(40),
            "sha224" | "sha3_224" => Some(56),
            "sha256" | "sha3_256" | "blake2s" => Some(64),
            "sha384" | "sha3_384" => Some(96),
            "sha512" | "sha3_512" | "blake2b" => Some(128),
            _ => None,
        };
        if let Some(len) = expected
            && digest.len() != len
        {
            return Err(HashError::WrongLength { algorithm, digest, expected: len });
        }
        Ok(Hash { algorithm, digest })
    }
}

impl fmt::Display for Hash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.algorithm, self.digest)
    }
}

/// One distribution file the lockfile knows about.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LockedFile {
    pub filename: Option<String>,
    pub url: Option<String>,
    pub hashes: Vec<Hash>,
    pub size: Option<u64>,
    /// When the file was uploaded to its index, as written (RFC 3339), where the format
    /// records it (uv.lock, pylock.toml). Feeds "release too new" policies.
    pub upload_time: Option<String>,
}

impl LockedFile {
    /// The sha256 digest, if the lockfile recorded one.
    pub fn sha256(&self) -> Option<&str> {
        self.hashes.iter().find(|h| h.algorithm == "sha256").map(|h| h.digest.as_str())
    }
}

/// Where a locked package comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// An index; `None` means "whatever index the installer is configured with" (PyPI by default).
    Registry { index_url: Option<String> },
    /// A direct URL to an archive (sdist or wheel).
    Url { url: String },
    /// A version-control checkout. `url` always carries the VCS prefix, as pip writes it
    /// (`git+https://…`, `hg+…`), whatever the format; `rev` is the requested revision (branch, tag or commit) and `commit`
    /// the resolved, immutable commit id when the lockfile records it.
    Vcs { url: String, rev: Option<String>, commit: Option<String> },
    /// A local archive file.
    Path { path: String },
    /// A local source tree, built and installed normally.
    Directory { path: String },
    /// A local source tree installed in editable (develop) mode.
    Editable { path: String },
    /// uv's virtual project: the project itself, never built or installed.
    Virtual { path: String },
}

impl Source {
    /// True for sources that do not go through an index (and so bypass the safe-pip proxy).
    pub fn is_direct_reference(&self) -> bool {
        !matches!(self, Source::Registry { .. })
    }
}

/// One package entry of a lockfile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockedPackage {
    /// The name as written. For a requirements line that gives only a local path or URL
    /// without `#egg=`, the path/URL as written (the real name is known only after a build).
    pub name: String,
    /// PEP 503 normalised name (for unnamed path/URL requirements: the path/URL as written).
    pub normalized: String,
    /// The pinned version (`==x` / `===x` in requirements files), `None` when not pinned.
    pub version: Option<String>,
    /// The version constraint as written when it is not a plain pin (e.g. `>=2,<3`).
    pub specifier: Option<String>,
    /// Known artifacts with hashes. Requirements files give hashes without file names: one
    /// [`LockedFile`] per `--hash`, each an acceptable artifact.
    pub files: Vec<LockedFile>,
    pub source: Source,
    /// Environment markers, as written.
    pub markers: Option<String>,
    /// Extras requested for this package (by the requirements line, or by other packages /
    /// the project in the lock).
    pub extras: Vec<String>,
    /// Normalised names this package depends on, when the format records them (sorted).
    pub dependencies: Vec<String>,
    /// Whether this is known to be a direct dependency of the project.
    pub direct: Option<bool>,
    /// True for the project itself (uv workspace members); its dependencies are the direct ones.
    pub root: bool,
    /// Poetry's `optional = true`: installed only when an extra of the project asks for it.
    pub optional: bool,
    /// The file the entry was declared in, when it is not the lockfile itself (a requirements
    /// file included with `-r`).
    pub file: Option<PathBuf>,
    /// Where the entry was declared (1-based line), for diagnostics.
    pub line: Option<usize>,
}

impl LockedPackage {
    /// A package with only a name; every other field empty.
    pub(crate) fn named(name: &str) -> LockedPackage {
        LockedPackage {
            name: name.to_string(),
            normalized: normalize_name(name),
            version: None,
            specifier: None,
            files: Vec::new(),
            source: Source::Registry { index_url: None },
            markers: None,
            extras: Vec::new(),
            dependencies: Vec::new(),
            direct: None,
            root: false,
            optional: false,
            file: None,
            line: None,
        }
    }

    /// `name==version` (or just the name when not pinned), for messages.
    pub fn display_name(&self) -> String {
        match &self.version {
            Some(v) => format!("{}=={v}", self.name),
            None => self.name.clone(),
        }
    }
}

/// What a [`LockWarning`] is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum WarningKind {
    /// A requirement without an exact pin: what gets installed depends on the index at install time.
    Unpinned,
    /// `${VAR}` left unexpanded: the real value is known only at install time.
    EnvironmentVariable,
    /// An option safe-pip does not follow (e.g. `--find-links`, a remote `-r URL`) or does not know.
    UnsupportedOption,
    /// A local path or URL requirement whose project name is not written down.
    UnnamedRequirement,
    /// A source type or field this reader does not know; the entry was read as best it could.
    UnknownSource,
    /// A newer minor lock version than this reader knows; unknown fields were ignored.
    NewerVersion,
}

/// Something legal that weakens the check, with where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockWarning {
    pub file: PathBuf,
    pub line: Option<usize>,
    pub kind: WarningKind,
    pub message: String,
}

impl fmt::Display for LockWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{line}: {}", self.file.display(), self.message),
            None => write!(f, "{}: {}", self.file.display(), self.message),
        }
    }
}

/// A parsed lockfile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lockfile {
    pub format: LockFormat,
    pub path: PathBuf,
    pub packages: Vec<LockedPackage>,
    /// Index URLs the file names (`-i`/`--extra-index-url`, poetry legacy sources, uv
    /// registries, pylock `index`), first one first, without duplicates.
    pub index_urls: Vec<String>,
    pub warnings: Vec<LockWarning>,
    /// Requirements files only: entries of `-c` constraints files. They are not installed by
    /// themselves, but pin what the requirements (and their dependencies) resolve to; an
    /// unpinned requirement takes the version of a pinned constraint of the same name.
    pub constraints: Vec<LockedPackage>,
}

impl Lockfile {
    pub(crate) fn new(format: LockFormat, path: &Path) -> Lockfile {
        Lockfile {
            format,
            path: path.to_path_buf(),
            packages: Vec::new(),
            index_urls: Vec::new(),
            warnings: Vec::new(),
            constraints: Vec::new(),
        }
    }

    /// `file:line` of a package's declaration, for messages.
    pub fn location_of(&self, package: &LockedPackage) -> String {
        let file = package.file.as_deref().unwrap_or(&self.path);
        match package.line {
            Some(line) => format!("{}:{line}", file.display()),
            None => file.display().to_string(),
        }
    }

    /// Packages with this (any spelling of the) name.
    pub fn find<'a>(&'a self, name: &str) -> impl Iterator<Item = &'a LockedPackage> + 'a {
        let wanted = normalize_name(name);
        self.packages.iter().filter(move |p| p.normalized == wanted)
    }

    pub(crate) fn add_index_url(&mut self, url: &str) {
        if !self.index_urls.iter().any(|u| u == url) {
            self.index_urls.push(url.to_string());
        }
    }

    pub(crate) fn warn(&mut self, file: &Path, line: Option<usize>, kind: WarningKind, message: impl Into<String>) {
        self.warnings.push(LockWarning { file: file.to_path_buf(), line, kind, message: message.into() });
    }
}

/// Everything that can go wrong reading a lockfile. Messages name the file (and line when
/// there is one); [`LockfileError::hint`] says what to do.
#[derive(Debug, thiserror::Error)]
pub enum LockfileError {
    #[error("{}: file not found", path.display())]
    NotFound { path: PathBuf },
    #[error("cannot read {}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{}: cannot tell which lockfile format this is", path.display())]
    UnknownFormat { path: PathBuf },
    #[error("{}:{line}:{column}: invalid {format}: {message}", path.display())]
    Toml { path: PathBuf, format: LockFormat, line: usize, column: usize, message: String },
    #[error("{}{}: invalid {format}: {message}", path.display(), line.map(|l| format!(":{l}")).unwrap_or_default())]
    Invalid { path: PathBuf, format: LockFormat, line: Option<usize>, message: String },
    #[error("{}{}: {format} version {found} is not supported (this safe-pip reads {supported})", path.display(), line.map(|l| format!(":{l}")).unwrap_or_default())]
    UnsupportedVersion { path: PathBuf, format: LockFormat, line: Option<usize>, found: String, supported: &'static str },
    /// The line is not quoted: the file may not be a requirements file at all.
    #[error("{}: line {line} is not a requirement ({detail})", path.display())]
    Requirement { path: PathBuf, line: usize, detail: String },
    #[error("{}:{line}: {detail}", path.display())]
    RequirementOption { path: PathBuf, line: usize, detail: String },
    #[error("{}:{line}: cannot read included file {}: {source}", path.display(), target.display())]
    Include {
        path: PathBuf,
        line: usize,
        target: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{}:{line}: including {} makes a cycle: {}", path.display(), target.display(), chain.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(" -> "))]
    IncludeCycle { path: PathBuf, line: usize, target: PathBuf, chain: Vec<PathBuf> },
}

impl LockfileError {
    /// The line the error points at, if any.
    pub fn line(&self) -> Option<usize> {
        match self {
            LockfileError::Toml { line, .. }
            | LockfileError::Requirement { line, .. }
            | LockfileError::RequirementOption { line, .. }
            | LockfileError::Include { line, .. }
            | LockfileError::IncludeCycle { line, .. } => Some(*line),
            LockfileError::Invalid { line, .. } | LockfileError::UnsupportedVersion { line, .. } => *line,
            _ => None,
        }
    }
}

impl crate::error::Hint for LockfileError {
    /// What the user can do about it, in one line.
    fn hint(&self) -> String {
        match self {
            LockfileError::NotFound { .. } => "check the path; lockfiles are usually next to pyproject.toml".into(),
            LockfileError::Io { source, .. } if source.kind() == std::io::ErrorKind::FileTooLarge => {
                "check that this is the lockfile you meant (a lock of thousands of packages takes a few MiB); split a huge requirements file into several joined with `-r`".into()
            }
            LockfileError::Io { .. } => "check that the file is readable and is a text file".into(),
            LockfileError::UnknownFormat { .. } => {
                "name the file requirements*.txt, poetry.lock, pylock.toml or uv.lock, or pass the format explicitly".into()
            }
            LockfileError::Toml { format, .. } | LockfileError::Invalid { format, .. } => format!(
                "the {format} looks hand-edited or truncated; regenerate it with {}",
                regenerate_command(*format)
            ),
            LockfileError::UnsupportedVersion { format, .. } => format!(
                "regenerate the lockfile with a tool version this safe-pip supports ({}), or upgrade safe-pip",
                regenerate_command(*format)
            ),
            LockfileError::Requirement { .. } => {
                "write one requirement per line as pip expects, e.g. `name==1.2.3`, `name[extra]>=1 ; python_version < \"3.12\"` or `name @ https://…`".into()
            }
            LockfileError::RequirementOption { .. } => {
                "see pip's \"Requirements File Format\" for the options a requirements file may contain".into()
            }
            LockfileError::Include { .. } => "paths in -r/-c lines are relative to the file that contains them".into(),
            LockfileError::IncludeCycle { .. } => "remove one of the -r/-c lines so that no file includes itself".into(),
        }
    }
}

fn regenerate_command(format: LockFormat) -> &'static str {
    match format {
        LockFormat::Requirements => "pip-compile / `uv pip compile`",
        LockFormat::PoetryLock => "`poetry lock`",
        LockFormat::PyLock => "`pip lock` or `uv export --format pylock.toml`",
        LockFormat::UvLock => "`uv lock`",
    }
}

pub use crate::pep503::normalize_name;

pub(crate) use crate::pep503::is_valid_name;

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

/// Largest requirements file or lockfile read (16 MiB; real ones are a few hundred KiB).
pub const MAX_LOCKFILE_BYTES: u64 = 16 * 1024 * 1024;

/// Reads a requirements file or lockfile: only a regular file (a FIFO would block,
/// `/dev/zero` never ends), at most `cap` bytes. The type is checked before the file is
/// opened (opening a FIFO blocks) and again on the opened file, which is opened without
/// blocking; the cap is enforced while reading, since `/proc` files report size 0.
pub fn read_regular(path: &Path, cap: u64) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let meta = std::fs::metadata(path)?;
    if !meta.is_file() {
        return Err(not_regular(&meta));
    }
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK);
    }
    let file = options.open(path)?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(not_regular(&meta));
    }
    let too_large = || std::io::Error::new(std::io::ErrorKind::FileTooLarge, format!("larger than the limit of {} MiB for requirements files and lockfiles", cap / (1024 * 1024)));
    if meta.len() > cap {
        return Err(too_large());
    }
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
    file.take(cap.saturating_add(1)).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > cap {
        return Err(too_large());
    }
    Ok(bytes)
}

fn not_regular(meta: &std::fs::Metadata) -> std::io::Error {
    let ft = meta.file_type();
    let mut what = if ft.is_dir() { "a directory" } else { "not a regular file" };
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if ft.is_fifo() {
            what = "a FIFO (named pipe)";
        } else if ft.is_char_device() {
            what = "a character device";
        } else if ft.is_block_device() {
            what = "a block device";
        } else if ft.is_socket() {
            what = "a socket";
        }
    }
    std::io::Error::new(std::io::ErrorKind::InvalidInput, format!("{what}, not a regular file; requirements files and lockfiles are read only from regular files"))
}

pub(crate) fn read_text(path: &Path) -> Result<String, LockfileError> {
    let bytes = read_regular(path, MAX_LOCKFILE_BYTES).map_err(|source| {
        if source.kind() == std::io::ErrorKind::NotFound {
            LockfileError::NotFound { path: path.to_path_buf() }
        } else {
            LockfileError::Io { path: path.to_path_buf(), source }
        }
    })?;
    text_of(bytes).map_err(|source| LockfileError::Io { path: path.to_path_buf(), source })
}

/// The text of a requirements file or lockfile: UTF-8 without NUL bytes (what has them,
/// like `/proc/self/environ`, is not a text file), a leading BOM dropped.
pub(crate) fn text_of(bytes: Vec<u8>) -> std::io::Result<String> {
    if bytes.contains(&0) {
        return Err(std::io::Error::new(std::io::ErrorKind::InvalidData, "contains NUL bytes: not a text file"));
    }
    let text = String::from_utf8(bytes)
        .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, format!("not UTF-8 text (invalid byte at offset {})", e.utf8_error().valid_up_to())))?;
    Ok(text.strip_prefix('\u{feff}').map(str::to_string).unwrap_or(text))
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

// ---------------------------------------------------------------------------------------
// Helpers shared by the TOML readers.

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

/// A VCS URL with its `kind+` prefix (`git+https://…`), added when missing.
pub(crate) fn vcs_url(kind: &str, url: &str) -> String {
    let prefix = format!("{}+", kind.to_ascii_lowercase());
    if url.to_ascii_lowercase().starts_with(&prefix) { url.to_string() } else { format!("{prefix}{url}") }
}

/// Sorts and de-duplicates a list of names.
pub(crate) fn sort_dedup(list: &mut Vec<String>) {
    list.sort();
    list.dedup();
}
