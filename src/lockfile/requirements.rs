//! pip requirements files, following pip's "Requirements File Format":
//!
//! - comments: `#` at the start of a line or after whitespace (URL fragments like `#egg=`
//!   and `#sha256=` are not comments); line continuations with a trailing `\` (joined as pip
//!   does: a comment line ends a continuation);
//! - requirement lines: `name`, `name[extra,…] <specifiers> ; <markers>` (specifiers may be in
//!   parentheses), `name @ URL ; markers`, bare archive URLs / paths / VCS URLs with `#egg=`,
//!   each followed by per-requirement options `--hash=algo:hex` (several, also on
//!   continuation lines), `--config-settings`, `--global-option`;
//! - option lines: `-r/--requirement` and `-c/--constraint` (followed relative to the file,
//!   with cycle detection; remote URLs are not followed and produce a warning),
//!   `-e/--editable`, `-i/--index-url`, `--extra-index-url`, `-f/--find-links`,
//!   `--no-index`, and the options that do not change *what* is installed (`--pre`,
//!   `--trusted-host`, `--prefer-binary`, `--only-binary`, `--no-binary`, `--require-hashes`,
//!   `--use-feature`);
//! - environment variables `${VAR}` are left as written, with a warning;
//! - pip-compile / `uv pip compile` `# via` annotations tell direct (`-r …`, `pyproject.toml`)
//!   from transitive entries and give the dependency edges.

use crate::requirements_txt::{break_args_options, logical_lines, shell_split, split_comment};
use std::collections::{HashMap, HashSet};
use std::path::{Component, Path, PathBuf};

use super::model::{Hash, LockFormat, LockedFile, LockedPackage, Lockfile, LockfileError, Source, WarningKind, sort_dedup};
use crate::pep503::{is_valid_name, normalize_name};

/// Reads included files (`-r`, `-c`) from a path.
pub type Loader<'a> = dyn Fn(&Path) -> std::io::Result<String> + 'a;

/// Parses a requirements file; `-r`/`-c` includes are read from disk relative to `path`.
pub fn parse(path: &Path, text: &str) -> Result<Lockfile, LockfileError> {
    parse_with(path, text, &|p: &Path| super::read::text_of(super::read::read_regular(p, super::read::MAX_LOCKFILE_BYTES)?))
}

/// Parses a requirements file, reading includes through `loader`.
pub fn parse_with(path: &Path, text: &str, loader: &Loader<'_>) -> Result<Lockfile, LockfileError> {
    let mut reader = Reader {
        lock: Lockfile::new(LockFormat::Requirements, path),
        top: path.to_path_buf(),
        loader,
        stack: vec![canonical(path)],
        done: HashSet::new(),
        constraints: Vec::new(),
        primary_index: None,
        unpinned: Vec::new(),
        via: HashMap::new(),
        annotated_files: HashSet::new(),
        current_file: None,
    };
    reader.read_file(path, text, false)?;
    Ok(reader.finish())
}

/// Per-package `# via` annotation.
#[derive(Default)]
struct Via {
    direct: bool,
    dependents: Vec<String>,
}

struct Reader<'a> {
    lock: Lockfile,
    top: PathBuf,
    loader: &'a Loader<'a>,
    /// Canonical paths of the files being read, outermost first (cycle detection).
    stack: Vec<PathBuf>,
    /// (canonical path, as constraints) already read: a file included twice is read once.
    done: HashSet<(PathBuf, bool)>,
    constraints: Vec<LockedPackage>,
    primary_index: Option<String>,
    /// Indexes into `lock.packages` of requirements that are not pinned.
    unpinned: Vec<usize>,
    /// Index into `lock.packages` → its `# via` annotation.
    via: HashMap<usize, Via>,
    /// Files that carry `# via` annotations (their un-annotated entries are then unknown).
    annotated_files: HashSet<PathBuf>,
    /// The included file being read (`None` for the top file).
    current_file: Option<PathBuf>,
}

/// Which package the `# via` comment lines that follow belong to.
#[derive(Default)]
struct Annotating {
    last_package: Option<usize>,
    /// Inside a `# via` block (pip-compile's multi-line form).
    in_block: bool,
}

/// Options that take a value, long and short spellings, and what they mean to us.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Opt {
    Requirement,
    Constraint,
    Editable,
    IndexUrl,
    ExtraIndexUrl,
    FindLinks,
    /// Takes a value we do not need (`--trusted-host`, `--only-binary`, …).
    IgnoredWithValue,
    /// A flag we do not need (`--pre`, `--prefer-binary`, `--require-hashes`).
    IgnoredFlag,
    NoIndex,
    /// Per-requirement options.
    Hash,
    PerRequirementValue,
}

/// A requirement or option that does not read; the reader puts the line before it
/// ([`LockfileError::Requirement`], [`LockfileError::RequirementOption`]).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
enum SyntaxError {
    /// pip's own words for an ambiguous abbreviation.
    #[error("{0}")]
    Option(String),
    #[error("unexpected text among the options; a requirement must come before its options")]
    TextAmongOptions,
    #[error("option {0} needs a value")]
    NeedsValue(String),
    #[error("an extra is not a valid name")]
    BadExtra,
    #[error("empty version clause")]
    EmptyClause,
    #[error("a version clause uses a single '='; write '=='")]
    SingleEquals,
    #[error("a version clause does not start with a comparison (==, >=, <=, ~=, !=, <, >, ===)")]
    NoComparison,
    #[error("a version clause has no version")]
    NoVersion,
    #[error("not a valid version")]
    BadVersion,
    #[error("a wildcard version is only allowed with == or !=")]
    MisplacedWildcard,
    #[error("a local version (+label) is only allowed with == or !=")]
    MisplacedLocal,
    #[error("'~=' needs a version of at least two parts (~=1.4)")]
    CompatibleOnePart,
    #[error("';' must be followed by environment markers, e.g. python_version < \"3.12\"")]
    NoMarkers,
    #[error("unterminated string in the markers")]
    MarkersUnterminated,
    #[error("the markers are not PEP 508 environment markers ({0})")]
    BadMarkers(&'static str),
}

/// What an option means to the reader, looked up in pip's requirements-file option table
/// (`crate::pip_options`, with pip's abbreviations: `--extra-index` is
/// `--extra-index-url`); `None` when unknown. An ambiguous abbreviation is an error, as
/// in pip.
fn lookup_option(name: &str) -> Result<Option<Opt>, SyntaxError> {
    use crate::pip_options::{OptKind, Table, match_long, takes_value};
    let spec = match name.strip_prefix("--") {
        Some(_) => match_long(Table::RequirementsFile, name).map_err(|e| SyntaxError::Option(e.to_string()))?.map(|(spec, _)| spec),
        None => name.strip_prefix('-').and_then(|c| c.chars().next()).and_then(|c| Table::RequirementsFile.specs().iter().find(|s| s.short == Some(c))),
    };
    let Some(spec) = spec else { return Ok(LEGACY_OPTIONS.iter().find(|(n, _)| *n == name).map(|(_, o)| *o)) };
    Ok(Some(match spec.kind {
        OptKind::Requirement => Opt::Requirement,
        OptKind::Constraint => Opt::Constraint,
        OptKind::Editable => Opt::Editable,
        OptKind::IndexUrl => Opt::IndexUrl,
        OptKind::ExtraIndexUrl => Opt::ExtraIndexUrl,
        OptKind::FindLinks => Opt::FindLinks,
        OptKind::NoIndex => Opt::NoIndex,
        _ if spec.long[0] == "--hash" => Opt::Hash,
        _ if spec.long[0] == "--config-settings" => Opt::PerRequirementValue,
        kind if takes_value(kind) => Opt::IgnoredWithValue,
        _ => Opt::IgnoredFlag,
    }))
}

/// Options older pips accepted in requirements files (and old lockfiles still carry) that
/// pip's current table no longer lists: read and ignored, as before, not warned about.
const LEGACY_OPTIONS: &[(&str, Opt)] = &[
    ("--progress-bar", Opt::IgnoredWithValue),
    ("--no-deps", Opt::IgnoredFlag),
    ("--global-option", Opt::PerRequirementValue),
    ("--install-option", Opt::PerRequirementValue),
];

/// Splits option tokens into (option name, value) pairs: `--opt=value`, `--opt value`,
/// `-xvalue`, `-x value`. Unknown options come back with `None` as their kind.
/// An option as written, what it is (`None` when unknown) and its value.
type OptionPair = (String, Option<Opt>, Option<String>);

fn option_pairs(tokens: &[String]) -> Result<Vec<OptionPair>, SyntaxError> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        let token = &tokens[i];
        i += 1;
        if !token.starts_with('-') {
            return Err(SyntaxError::TextAmongOptions);
        }
        let (name, inline) = if let Some(rest) = token.strip_prefix("--") {
            match rest.split_once('=') {
                Some((n, v)) => (format!("--{n}"), Some(v.to_string())),
                None => (token.clone(), None),
            }
        } else if let Some(second) = token[1..].chars().next()
            && token.len() > 1 + second.len_utf8()
        {
            let split = 1 + second.len_utf8();
            (token[..split].to_string(), Some(token[split..].trim_start_matches('=').to_string()))
        } else {
            (token.clone(), None)
        };
        let kind = lookup_option(&name)?;
        let takes_value = !matches!(kind, Some(Opt::IgnoredFlag) | Some(Opt::NoIndex));
        let value = match (inline, kind) {
            (Some(v), _) => Some(v),
            (None, None) => None,
            (None, Some(_)) if takes_value => {
                let v = tokens.get(i).cloned().ok_or_else(|| SyntaxError::NeedsValue(name.clone()))?;
                i += 1;
                Some(v)
            }
            (None, Some(_)) => None,
        };
        out.push((name, kind, value));
    }
    Ok(out)
}

impl Reader<'_> {
    fn read_file(&mut self, path: &Path, text: &str, as_constraints: bool) -> Result<(), LockfileError> {
        let outer_file =
            std::mem::replace(&mut self.current_file, if path == self.top { None } else { Some(path.to_path_buf()) });
        let result = self.read_lines(path, text, as_constraints);
        self.current_file = outer_file;
        result
    }

    fn read_lines(&mut self, path: &Path, text: &str, as_constraints: bool) -> Result<(), LockfileError> {
        let mut via = Annotating::default();
        for line in logical_lines(text) {
            if let Some(logical) = &line.text {
                self.logical_line(path, line.number, logical, as_constraints, &mut via)?;
            }
            if let (Some(comment), Some(index)) = (&line.comment_line, via.last_package) {
                via.in_block = self.annotation(path, index, comment, via.in_block);
            }
        }
        Ok(())
    }

    fn logical_line(&mut self, path: &Path, number: usize, logical: &str, as_constraints: bool, via: &mut Annotating) -> Result<(), LockfileError> {
        let (content, comment) = split_comment(logical);
        via.in_block = false;
        if content.is_empty() {
            if logical.trim().is_empty() {
                // A blank line ends the annotations of the entry above.
                via.last_package = None;
            }
            return Ok(());
        }
        if has_env_var(content) {
            self.lock.warn(
                path,
                Some(number),
                WarningKind::EnvironmentVariable,
                format!("'{content}' uses an environment variable; it is checked as written, the installer will expand it"),
            );
        }
        let pushed = if content.starts_with('-') {
            self.option_line(path, number, content, as_constraints)?
        } else {
            let package = self.requirement_line(path, number, content)?;
            self.push(package, as_constraints);
            true
        };
        via.last_package = (pushed && !as_constraints).then(|| self.lock.packages.len() - 1);
        if let (Some(index), Some(comment)) = (via.last_package, comment) {
            self.annotation(path, index, comment, false);
        }
        Ok(())
    }

    fn push(&mut self, mut package: LockedPackage, as_constraints: bool) {
        package.file.clone_from(&self.current_file);
        if as_constraints {
            self.constraints.push(package);
        } else {
            if package.version.is_none() && matches!(package.source, Source::Registry { .. }) {
                self.unpinned.push(self.lock.packages.len());
            }
            self.lock.packages.push(package);
        }
    }

    /// Reads a `# via …` annotation comment for the package at `index`. Returns whether a
    /// multi-line `# via` block is open.
    fn annotation(&mut self, path: &Path, index: usize, comment: &str, in_block: bool) -> bool {
        let body = comment.trim_start_matches('#').trim();
        let entries: Vec<&str> = if let Some(rest) = body.strip_prefix("via") {
            if !rest.is_empty() && !rest.starts_with(char::is_whitespace) {
                return false;
            }
            let rest = rest.trim();
            if rest.is_empty() {
                self.annotated_files.insert(path.to_path_buf());
                self.via.entry(index).or_default();
                return true;
            }
            rest.split(',').map(str::trim).filter(|s| !s.is_empty()).collect()
        } else if in_block && !body.is_empty() && comment.starts_with("#  ") {
            vec![body]
        } else {
            return false;
        };
        self.annotated_files.insert(path.to_path_buf());
        let via = self.via.entry(index).or_default();
        for entry in entries {
            if entry.starts_with("-r ")
                || entry.starts_with("--requirement")
                || entry.starts_with("-c ")
                || entry.starts_with("--constraint")
                || entry.contains("(pyproject.toml)")
                || entry.contains("(setup.py)")
                || entry.contains("(setup.cfg)")
                || entry.ends_with(".in")
                || entry.ends_with(".txt")
            {
                if !entry.starts_with("-c") && !entry.starts_with("--constraint") {
                    via.direct = true;
                }
            } else {
                let name = entry.split(['[', ' ', '(']).next().unwrap_or(entry);
                if is_valid_name(name) {
                    via.dependents.push(normalize_name(name));
                }
            }
        }
        in_block || body == "via"
    }

    /// Handles an option line; returns whether it added a package (`-e`).
    fn option_line(&mut self, path: &Path, line: usize, content: &str, as_constraints: bool) -> Result<bool, LockfileError> {
        let option_error = |detail: String| LockfileError::RequirementOption { path: path.to_path_buf(), line, detail };
        let tokens = shell_split(content).map_err(|e| option_error(format!("cannot split the options: {e}")))?;
        // `-e` takes one value (a path or URL, maybe with extras); per-requirement options may follow.
        if let Some(first) = tokens.first() {
            let name = first.split('=').next().unwrap_or(first);
            if name == "-e" || name == "--editable" || (first.starts_with("-e") && !first.starts_with("--")) {
                let inline = if name == "-e" || name == "--editable" {
                    first.split_once('=').map(|(_, v)| v.to_string())
                } else {
                    Some(first[2..].trim_start_matches('=').to_string())
                };
                let (value, rest) = match inline {
                    Some(v) => (Some(v), &tokens[1..]),
                    None => (tokens.get(1).cloned(), tokens.get(2..).unwrap_or(&[])),
                };
                let value = value.filter(|v| !v.is_empty()).ok_or_else(|| option_error("-e needs a path or VCS URL".into()))?;
                let rest = rest.join(" ");
                if as_constraints {
                    self.lock.warn(
                        path,
                        Some(line),
                        WarningKind::UnsupportedOption,
                        format!("editable '{value}' in a constraints file is ignored (pip refuses it)"),
                    );
                    return Ok(false);
                }
                let mut package = self.editable(path, line, &value)?;
                self.requirement_options(path, line, &rest, &mut package)?;
                self.push(package, false);
                return Ok(true);
            }
        }
        for (name, kind, value) in option_pairs(&tokens).map_err(|e| option_error(e.to_string()))? {
            let value_str = value.clone().unwrap_or_default();
            match kind {
                Some(Opt::Requirement) => self.include(path, line, &value_str, as_constraints)?,
                Some(Opt::Constraint) => self.include(path, line, &value_str, true)?,
                Some(Opt::IndexUrl) => {
                    self.primary_index = Some(value_str.clone());
                    self.lock.index_urls.retain(|u| u != &value_str);
                    self.lock.index_urls.insert(0, value_str);
                }
                Some(Opt::ExtraIndexUrl) => self.lock.add_index_url(&value_str),
                Some(Opt::FindLinks) => self.lock.warn(
                    path,
                    Some(line),
                    WarningKind::UnsupportedOption,
                    format!("--find-links {value_str}: files found there bypass the index and are not covered by index checks"),
                ),
                Some(Opt::NoIndex) => self.lock.warn(
                    path,
                    Some(line),
                    WarningKind::UnsupportedOption,
                    "--no-index: packages come only from --find-links locations, which are not covered by index checks",
                ),
                Some(Opt::IgnoredWithValue | Opt::IgnoredFlag) => {}
                Some(Opt::Hash) => {
                    return Err(option_error(
                        "--hash must follow a requirement on the same line; is a `\\` missing at the end of the previous line?"
                            .into(),
                    ));
                }
                Some(Opt::PerRequirementValue) => {
                    return Err(option_error(format!("{name} applies to one requirement and must follow it on the same line")));
                }
                Some(Opt::Editable) => return Err(option_error("-e must start its own line".into())),
                None => self.lock.warn(
                    path,
                    Some(line),
                    WarningKind::UnsupportedOption,
                    format!("unknown option {name} (pip would refuse this file); ignored"),
                ),
            }
        }
        Ok(false)
    }

    fn include(&mut self, path: &Path, line: usize, target: &str, as_constraints: bool) -> Result<(), LockfileError> {
        if target.contains("://") {
            let what = if as_constraints { "-c" } else { "-r" };
            self.lock.warn(
                path,
                Some(line),
                WarningKind::UnsupportedOption,
                format!(
                    "{what} {target}: remote files are not read (no network); download it and include the local copy to check it"
                ),
            );
            return Ok(());
        }
        let target_path = path.parent().unwrap_or(Path::new("")).join(target.strip_prefix("file:").unwrap_or(target));
        let key = canonical(&target_path);
        if let Some(at) = self.stack.iter().position(|p| *p == key) {
            let mut chain = self.stack[at..].to_vec();
            chain.push(key);
            return Err(LockfileError::IncludeCycle { path: path.to_path_buf(), line, target: target_path, chain });
        }
        if !self.done.insert((key.clone(), as_constraints)) {
            return Ok(());
        }
        let text = (self.loader)(&target_path).map_err(|source| LockfileError::Include {
            path: path.to_path_buf(),
            line,
            target: target_path.clone(),
            source,
        })?;
        self.stack.push(key);
        let result = self.read_file(&target_path, &text, as_constraints);
        self.stack.pop();
        result
    }

    fn editable(&mut self, path: &Path, line: usize, value: &str) -> Result<LockedPackage, LockfileError> {
        if is_vcs_url(value) {
            return self.url_requirement(path, line, None, Vec::new(), value, None);
        }
        let (location, extras) =
            split_trailing_extras(value).map_err(|e| LockfileError::Requirement { path: path.to_path_buf(), line, detail: e.to_string() })?;
        let local = location.strip_prefix("file://").unwrap_or(&location).to_string();
        let name = egg_name(&location);
        let mut package = self.unnamed_or(path, line, name.as_deref(), &location);
        package.source = Source::Editable { path: strip_fragment(&local).to_string() };
        package.extras = extras;
        package.line = Some(line);
        Ok(package)
    }

    /// A package named `name`, or one named by its location with an "unnamed" warning.
    fn unnamed_or(&mut self, path: &Path, line: usize, name: Option<&str>, location: &str) -> LockedPackage {
        match name {
            Some(n) => LockedPackage::named(n),
            None => {
                self.lock.warn(
                    path,
                    Some(line),
                    WarningKind::UnnamedRequirement,
                    format!("'{location}' does not say which project it is; add #egg=NAME or write `NAME @ {location}`"),
                );
                let mut p = LockedPackage::named(location);
                p.name = location.to_string();
                p.normalized = location.to_string();
                p
            }
        }
    }

    fn requirement_line(&mut self, path: &Path, line: usize, content: &str) -> Result<LockedPackage, LockfileError> {
        let (args, options) = break_args_options(content);
        let args = args.trim();
        let mut package = self.requirement(path, line, args)?;
        package.line = Some(line);
        self.requirement_options(path, line, &options, &mut package)?;
        Ok(package)
    }

    fn requirement_options(
        &mut self,
        path: &Path,
        line: usize,
        options: &str,
        package: &mut LockedPackage,
    ) -> Result<(), LockfileError> {
        if options.trim().is_empty() {
            return Ok(());
        }
        let option_error = |detail: String| LockfileError::RequirementOption { path: path.to_path_buf(), line, detail };
        let tokens = shell_split(options).map_err(|e| option_error(format!("cannot split the options: {e}")))?;
        let mut hashes = Vec::new();
        for (name, kind, value) in option_pairs(&tokens).map_err(|e| option_error(e.to_string()))? {
            match kind {
                Some(Opt::Hash) => {
                    let value = value.unwrap_or_default();
                    let hash = Hash::parse(&value).map_err(|e| option_error(format!("bad --hash for {}: {e}", package.name)))?;
                    if !matches!(hash.algorithm.as_str(), "sha256" | "sha384" | "sha512") {
                        return Err(option_error(format!(
                            "--hash algorithm {} is not accepted by pip (use sha256, sha384 or sha512)",
                            hash.algorithm
                        )));
                    }
                    hashes.push(hash);
                }
                Some(Opt::PerRequirementValue) => {}
                _ => self.lock.warn(
                    path,
                    Some(line),
                    WarningKind::UnsupportedOption,
                    format!("{name} is not allowed after a requirement (pip would refuse this line); ignored"),
                ),
            }
        }
        if hashes.is_empty() {
            return Ok(());
        }
        let direct_file = package.files.first().is_some_and(|f| f.url.is_some() || f.filename.is_some());
        // linear in the hashes: pip-compile lines carry hundreds of them (one per wheel)
        if direct_file {
            // The hashes are those of the one file the URL/path points at.
            let file = &mut package.files[0];
            let mut seen: HashSet<Hash> = file.hashes.iter().cloned().collect();
            for hash in hashes {
                if seen.insert(hash.clone()) {
                    file.hashes.push(hash);
                }
            }
        } else {
            let mut seen: HashSet<Hash> = package.files.iter().flat_map(|f| f.hashes.iter().cloned()).collect();
            // exact: growing by doubling left room for two more files on a two-hash line
            package.files.reserve_exact(hashes.len());
            for hash in hashes {
                if seen.insert(hash.clone()) {
                    package.files.push(LockedFile { hashes: vec![hash], ..LockedFile::default() });
                }
            }
        }
        Ok(())
    }

    /// A requirement (the part before per-requirement options). Errors never quote the
    /// line: a file that is not a requirements file (`-r /proc/self/environ`, a
    /// credentials file) must not have its content echoed to the terminal or a CI log.
    fn requirement(&mut self, path: &Path, line: usize, text: &str) -> Result<LockedPackage, LockfileError> {
        let error = |detail: String| LockfileError::Requirement { path: path.to_path_buf(), line, detail };
        let first_token = text.split([' ', '\t', ';']).next().unwrap_or(text);
        if !is_url(first_token) && looks_like_path(first_token) && is_assignment(first_token) {
            // `DATABASE_URL=postgres://…` from a .env file, not a path
            return Err(error("it looks like a NAME=value setting".into()));
        }
        if is_url(first_token) || looks_like_path(first_token) {
            // A bare URL or path; markers follow "; " (pip requires whitespace before ';').
            let (location, markers) = match text.find(" ;").or_else(|| text.find("\t;")) {
                Some(at) => (text[..at].trim(), Some(text[at..].trim_start().trim_start_matches(';').trim())),
                None => (text.trim(), None),
            };
            let markers = markers.map(|m| check_markers(m).map_err(|e| error(e.to_string()))).transpose()?;
            let (location, extras) = split_trailing_extras(location).map_err(|e| error(e.to_string()))?;
            let name = egg_name(&location);
            return self.url_requirement(path, line, name.as_deref(), extras, &location, markers);
        }
        let mut cursor = Cursor { text, pos: 0 };
        cursor.skip_ws();
        let name = cursor.take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
        if name.is_empty() {
            return Err(error("expected a project name".into()));
        }
        if !is_valid_name(name) {
            return Err(error("the name is not a valid project name".into()));
        }
        let name = name.to_string();
        cursor.skip_ws();
        let mut extras = Vec::new();
        if cursor.peek() == Some('[') {
            let close = text[cursor.pos..].find(']').ok_or_else(|| error("'[' without a closing ']'".into()))?;
            let inner = &text[cursor.pos + 1..cursor.pos + close];
            extras = parse_extras(inner).map_err(|e| error(e.to_string()))?;
            cursor.pos += close + 1;
            cursor.skip_ws();
        }
        if cursor.peek() == Some('@') {
            cursor.pos += 1;
            cursor.skip_ws();
            let rest = &text[cursor.pos..];
            // PEP 508: the URL ends at whitespace; markers follow after ';'.
            let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
            let url = &rest[..end];
            if url.is_empty() {
                return Err(error("'NAME @' must be followed by a URL".into()));
            }
            let tail = rest[end..].trim();
            let markers = if tail.is_empty() {
                None
            } else if let Some(m) = tail.strip_prefix(';') {
                Some(check_markers(m.trim()).map_err(|e| error(e.to_string()))?)
            } else {
                return Err(error("unexpected text after the URL; markers must follow ' ; '".into()));
            };
            return self.url_requirement(path, line, Some(&name), extras, url, markers);
        }
        let rest = &text[cursor.pos..];
        let (spec, markers) = match rest.find(';') {
            Some(at) => (rest[..at].trim(), Some(check_markers(rest[at + 1..].trim()).map_err(|e| error(e.to_string()))?)),
            None => (rest.trim(), None),
        };
        let spec = spec.strip_prefix('(').and_then(|s| s.strip_suffix(')')).unwrap_or(spec).trim();
        let (version, specifier) = pin_and_specifier(spec).map_err(|e| error(e.to_string()))?;
        let mut package = LockedPackage::named(&name);
        package.version = version;
        package.specifier = specifier;
        package.extras = extras;
        package.markers = markers;
        package.line = Some(line);
        Ok(package)
    }

    /// A requirement that points at a URL, VCS URL or local path.
    fn url_requirement(
        &mut self,
        path: &Path,
        line: usize,
        name: Option<&str>,
        extras: Vec<String>,
        location: &str,
        markers: Option<String>,
    ) -> Result<LockedPackage, LockfileError> {
        let name = name.map(str::to_string).or_else(|| egg_name(location));
        let without_fragment = strip_fragment(location);
        let filename = without_fragment.rsplit(['/', '\\']).next().filter(|f| is_archive(f)).map(str::to_string);
        let from_file = filename.as_deref().and_then(name_version_from_filename);
        let name = name.or_else(|| from_file.as_ref().map(|(n, _)| n.clone()));
        let mut package = self.unnamed_or(path, line, name.as_deref(), location);
        package.extras = extras;
        package.markers = markers;
        package.line = Some(line);
        if is_vcs_url(location) {
            let (url, rev) = split_vcs_rev(without_fragment);
            let commit = rev.clone().filter(|r| r.len() == 40 && r.chars().all(|c| c.is_ascii_hexdigit()));
            if commit.is_none() {
                self.lock.warn(
                    path,
                    Some(line),
                    WarningKind::Unpinned,
                    format!(
                        "{} comes from {} at {}, which can change; pin a full commit id (…@<40-hex commit>)",
                        package.name,
                        url,
                        rev.as_deref().map(|r| format!("'{r}'")).unwrap_or_else(|| "the default branch".into())
                    ),
                );
            }
            package.source = Source::Vcs { url, rev, commit };
            return Ok(package);
        }
        if let Some((_, version)) = &from_file
            && name_matches_file(&package.normalized, from_file.as_ref())
        {
            package.version = Some(version.clone());
        }
        let fragment_hashes: Vec<Hash> = fragment_params(location)
            .filter_map(|(k, v)| match k {
                "sha256" | "sha384" | "sha512" | "md5" | "sha1" | "sha224" => Hash::new(k, v).ok(),
                _ => None,
            })
            .collect();
        if is_url(location) && !location.starts_with("file:") {
            package.source = Source::Url { url: without_fragment.to_string() };
            package.files.push(LockedFile {
                filename,
                url: Some(without_fragment.to_string()),
                hashes: fragment_hashes,
                ..LockedFile::default()
            });
        } else {
            let local = without_fragment
                .strip_prefix("file://")
                .or_else(|| without_fragment.strip_prefix("file:"))
                .unwrap_or(without_fragment);
            if filename.is_some() {
                package.source = Source::Path { path: local.to_string() };
                package.files.push(LockedFile { filename, hashes: fragment_hashes, ..LockedFile::default() });
            } else {
                package.source = Source::Directory { path: local.to_string() };
            }
        }
        Ok(package)
    }

    fn finish(mut self) -> Lockfile {
        // Constraint pins apply to unpinned requirements of the same name.
        let mut still_unpinned = Vec::new();
        for &index in &self.unpinned {
            let package = &mut self.lock.packages[index];
            let pin = self.constraints.iter().find(|c| c.normalized == package.normalized && c.version.is_some());
            match pin {
                Some(constraint) => {
                    package.version.clone_from(&constraint.version);
                    if package.files.is_empty() {
                        package.files.clone_from(&constraint.files);
                    }
                }
                None => still_unpinned.push(index),
            }
        }
        for index in still_unpinned {
            let package = &self.lock.packages[index];
            let file = package.file.clone().unwrap_or_else(|| self.lock.path.clone());
            let message = match &package.specifier {
                Some(spec) => format!(
                    "{}{spec} is not pinned: what gets installed depends on the index at install time; pin it with == (pip-compile / uv pip compile)",
                    package.name
                ),
                None => format!("{} has no version: pin it with == (pip-compile / uv pip compile)", package.name),
            };
            let line = package.line;
            self.lock.warn(&file, line, WarningKind::Unpinned, message);
        }
        // Registry packages use the file's -i index when it names one.
        if let Some(index) = &self.primary_index {
            for package in self.lock.packages.iter_mut().chain(self.constraints.iter_mut()) {
                if let Source::Registry { index_url } = &mut package.source {
                    *index_url = Some(index.clone());
                }
            }
        }
        // `# via` annotations: direct flag and dependency edges.
        let annotated: HashSet<PathBuf> = self.annotated_files;
        let mut edges: Vec<(String, String)> = Vec::new();
        for (index, package) in self.lock.packages.iter_mut().enumerate() {
            let file = package.file.clone().unwrap_or_else(|| self.lock.path.clone());
            if let Some(via) = self.via.get(&index) {
                package.direct = Some(via.direct);
                for dependent in &via.dependents {
                    edges.push((dependent.clone(), package.normalized.clone()));
                }
            } else if annotated.contains(&file) {
                package.direct = None;
            }
        }
        // by name, not a scan of every package per edge: a pip-compile file has an edge
        // per entry, and 200,000 entries made that 4·10¹⁰ comparisons (#14)
        let mut by_name: HashMap<&str, Vec<usize>> = HashMap::new();
        for (index, package) in self.lock.packages.iter().enumerate() {
            by_name.entry(package.normalized.as_str()).or_default().push(index);
        }
        let mut additions: Vec<(usize, String)> = Vec::new();
        for (dependent, dependency) in edges {
            for &index in by_name.get(dependent.as_str()).into_iter().flatten() {
                additions.push((index, dependency.clone()));
            }
        }
        drop(by_name);
        for (index, dependency) in additions {
            self.lock.packages[index].dependencies.push(dependency);
        }
        for package in &mut self.lock.packages {
            sort_dedup(&mut package.dependencies);
        }
        self.lock.constraints = self.constraints;
        self.lock.packages.shrink_to_fit();
        self.lock
    }
}

struct Cursor<'a> {
    text: &'a str,
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn peek(&self) -> Option<char> {
        self.text[self.pos..].chars().next()
    }
    fn skip_ws(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.pos += self.peek().map(char::len_utf8).unwrap_or(1);
        }
    }
    fn take_while(&mut self, f: impl Fn(char) -> bool) -> &'a str {
        let start = self.pos;
        while let Some(c) = self.peek() {
            if !f(c) {
                break;
            }
            self.pos += c.len_utf8();
        }
        &self.text[start..self.pos]
    }
}

fn parse_extras(inner: &str) -> Result<Vec<String>, SyntaxError> {
    let mut extras = Vec::new();
    for extra in inner.split(',').map(str::trim) {
        if extra.is_empty() {
            continue;
        }
        if !is_valid_name(extra) {
            return Err(SyntaxError::BadExtra);
        }
        extras.push(extra.to_string());
    }
    Ok(extras)
}

/// `location[extra1,extra2]` → (location, extras). Only a trailing `[...]` is taken.
fn split_trailing_extras(location: &str) -> Result<(String, Vec<String>), SyntaxError> {
    let trimmed = location.trim();
    if let Some(body) = trimmed.strip_suffix(']')
        && let Some(open) = body.rfind('[')
    {
        return Ok((body[..open].trim().to_string(), parse_extras(&body[open + 1..])?));
    }
    Ok((trimmed.to_string(), Vec::new()))
}

/// Markers after `;`, read by the PEP 508 parser that evaluates them elsewhere
/// ([`crate::pep508`]; parsed here against an empty environment, so only their syntax
/// counts). Markers pip refuses (an unknown variable, a comparison without an operator)
/// are refused; before the shared parser only unbalanced quotes and parentheses were.
/// The error never quotes the markers (see [`Reader::requirement`]).
fn check_markers(markers: &str) -> Result<String, SyntaxError> {
    use crate::pep508::MarkerError;
    if markers.is_empty() {
        return Err(SyntaxError::NoMarkers);
    }
    crate::pep508::evaluate(markers, &crate::pep508::MarkerEnv::new()).map_err(|e| match e {
        MarkerError::Empty => SyntaxError::NoMarkers,
        MarkerError::Unterminated { .. } => SyntaxError::MarkersUnterminated,
        MarkerError::BadCharacter { .. } => SyntaxError::BadMarkers("an unexpected character"),
        MarkerError::EndsEarly => SyntaxError::BadMarkers("they end too early"),
        MarkerError::Expected { expected, .. } => SyntaxError::BadMarkers(expected),
        MarkerError::UnknownVariable(_) => SyntaxError::BadMarkers("an unknown variable"),
        MarkerError::Trailing { .. } => SyntaxError::BadMarkers("unexpected text after them"),
    })?;
    Ok(markers.to_string())
}

/// Reads a comma-separated specifier list with `pep440_rs`, clause by clause as its
/// `VersionSpecifiers` does (the parser policy and markers use). Returns the pinned version
/// as written (from `===v`, or `==v` without a wildcard) and the specifier as written when
/// it is anything else. `===` is arbitrary equality, a string comparison that needs no
/// PEP 440 version (as in `packaging`): its operand must only be one word.
///
/// Lines refused since the shared parser (pip refuses them too): a version that is not
/// PEP 440 after `==`, `>=`, … (`==latest`), `~=` with one part (`~=1`), a local label
/// with another operator than `==`/`!=` (`>=1.0+local`), and `===` with a space inside.
fn pin_and_specifier(spec: &str) -> Result<(Option<String>, Option<String>), SyntaxError> {
    use pep440_rs::{Operator, VersionSpecifier};
    use std::str::FromStr;
    if spec.is_empty() {
        return Ok((None, None));
    }
    let mut pin = None;
    let mut clauses = 0;
    for clause in spec.split(',') {
        let clause = clause.trim();
        clauses += 1;
        if let Some(arbitrary) = clause.strip_prefix("===") {
            let version = arbitrary.trim();
            if version.is_empty() {
                return Err(SyntaxError::NoVersion);
            }
            if version.contains(char::is_whitespace) {
                return Err(SyntaxError::BadVersion);
            }
            pin = Some(version.to_string());
            continue;
        }
        let parsed = VersionSpecifier::from_str(clause).map_err(|_| why_refused(clause))?;
        if *parsed.operator() == Operator::Equal {
            pin = Some(clause["==".len()..].trim().to_string());
        }
    }
    let specifier = if pin.is_some() && clauses == 1 { None } else { Some(spec.to_string()) };
    Ok((pin, specifier))
}

/// Why `pep440_rs` refused a specifier clause, in words that do not quote it.
fn why_refused(clause: &str) -> SyntaxError {
    let op_len = clause.find(|c: char| !matches!(c, '=' | '!' | '~' | '<' | '>')).unwrap_or(clause.len());
    let (op, version) = (&clause[..op_len], clause[op_len..].trim());
    if clause.is_empty() {
        SyntaxError::EmptyClause
    } else if op == "=" {
        SyntaxError::SingleEquals
    } else if !["~=", "==", "!=", "<=", ">=", "<", ">"].contains(&op) {
        SyntaxError::NoComparison
    } else if version.is_empty() {
        SyntaxError::NoVersion
    } else if version.contains('*') && !matches!(op, "==" | "!=") {
        SyntaxError::MisplacedWildcard
    } else if version.contains('+') && !matches!(op, "==" | "!=") {
        SyntaxError::MisplacedLocal
    } else if op == "~=" && !version.contains('.') {
        SyntaxError::CompatibleOnePart
    } else {
        SyntaxError::BadVersion
    }
}

fn has_env_var(text: &str) -> bool {
    let mut rest = text;
    while let Some(at) = rest.find("${") {
        let after = &rest[at + 2..];
        if let Some(end) = after.find('}')
            && end > 0
            && after[..end].chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
        {
            return true;
        }
        rest = after;
    }
    false
}

const VCS_PREFIXES: [&str; 4] = ["git+", "hg+", "svn+", "bzr+"];

fn is_vcs_url(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    VCS_PREFIXES.iter().any(|p| lower.starts_with(p)) && lower.contains(':')
}

fn is_url(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    is_vcs_url(text) || ["http://", "https://", "ftp://", "file:"].iter().any(|p| lower.starts_with(p))
}

fn is_archive(filename: &str) -> bool {
    let lower = filename.to_ascii_lowercase();
    [".whl", ".tar.gz", ".tgz", ".tar.bz2", ".tbz", ".tar.xz", ".txz", ".tar", ".zip"].iter().any(|e| lower.ends_with(e))
}

fn looks_like_path(token: &str) -> bool {
    token.starts_with('.')
        || token.starts_with('/')
        || token.starts_with('~')
        || token.contains('/')
        || token.contains('\\')
        || is_archive(strip_fragment(token))
}

/// `NAME=…` (an environment setting), as no relative path starts.
fn is_assignment(token: &str) -> bool {
    token.split_once('=').is_some_and(|(name, _)| {
        !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') && !name.starts_with(|c: char| c.is_ascii_digit())
    })
}

fn strip_fragment(location: &str) -> &str {
    location.split('#').next().unwrap_or(location)
}

/// `key=value` pairs of a URL fragment (`#egg=name&subdirectory=x`, `#sha256=…`).
fn fragment_params(location: &str) -> impl Iterator<Item = (&str, &str)> {
    location.split_once('#').map(|(_, f)| f).unwrap_or("").split('&').filter_map(|kv| kv.split_once('='))
}

fn egg_name(location: &str) -> Option<String> {
    fragment_params(location)
        .find(|(k, _)| *k == "egg")
        .map(|(_, v)| v.split('[').next().unwrap_or(v).to_string())
        .filter(|n| is_valid_name(n))
}

/// `git+https://host/repo.git@rev` → (url, rev). The revision is the part after the last `@`
/// of the URL path (an `@` in the user-info part is not a revision).
fn split_vcs_rev(url: &str) -> (String, Option<String>) {
    let after_scheme = url.find("://").map(|i| i + 3).unwrap_or(0);
    let path_start = url[after_scheme..].find('/').map(|i| i + after_scheme).unwrap_or(url.len());
    match url[path_start..].rfind('@') {
        Some(at) => {
            let at = path_start + at;
            let rev = &url[at + 1..];
            (url[..at].to_string(), (!rev.is_empty()).then(|| rev.to_string()))
        }
        None => (url.to_string(), None),
    }
}

/// (name, version) from a wheel or sdist file name.
pub(crate) fn name_version_from_filename(filename: &str) -> Option<(String, String)> {
    let lower = filename.to_ascii_lowercase();
    if lower.ends_with(".whl") {
        let mut parts = filename[..filename.len() - 4].split('-');
        let name = parts.next()?;
        let version = parts.next()?;
        return Some((name.to_string(), version.to_string()));
    }
    let stem_len = [".tar.gz", ".tar.bz2", ".tar.xz", ".tgz", ".tbz", ".txz", ".tar", ".zip"]
        .iter()
        .find(|e| lower.ends_with(**e))
        .map(|e| filename.len() - e.len())?;
    let stem = &filename[..stem_len];
    let dash = stem
        .char_indices()
        .filter(|&(i, c)| c == '-' && stem[i + 1..].starts_with(|d: char| d.is_ascii_digit()))
        .map(|(i, _)| i)
        .next_back()?;
    Some((stem[..dash].to_string(), stem[dash + 1..].to_string()))
}

fn name_matches_file(normalized: &str, from_file: Option<&(String, String)>) -> bool {
    from_file.is_some_and(|(n, _)| normalize_name(n) == normalized)
}

/// A path for cycle detection: canonical when the file exists, else lexically cleaned.
fn canonical(path: &Path) -> PathBuf {
    if let Ok(p) = std::fs::canonicalize(path) {
        return p;
    }
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}
