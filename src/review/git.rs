//! `diff --git-base REF`: the working tree's lockfiles against the same paths at a git
//! ref, read with `git show REF:path` — nothing is checked out, the working tree and
//! the index are never written. Requirements files' `-r`/`-c` includes of the base are
//! read from the ref too.
//!
//! Without lockfiles named, the lockfiles are found by name among the files git knows
//! (tracked and untracked-not-ignored in the working tree, tracked at the ref):
//! `poetry.lock`, `uv.lock`, `pylock.toml`, `pylock.*.toml`, `requirements*.txt` and
//! `*.txt` in a `requirements/` folder. A requirements file that another one includes
//! is compared as part of it, not again on its own.

use super::model::LockPair;
use crate::lockfile::{self, LockFormat, Lockfile, LockfileError};
use std::collections::BTreeSet;
use std::path::{Component, Path, PathBuf};
use std::process::Command;

/// Something git could not do, with what to do about it.
#[derive(Debug, thiserror::Error)]
pub(crate) enum GitError {
    #[error("cannot run git: {0}")]
    Spawn(std::io::Error),
    #[error("`git {args}` failed: {stderr}")]
    Failed { args: String, stderr: String },
    #[error("`{0}` is not a git ref name")]
    BadRef(String),
    #[error(transparent)]
    Lockfile(#[from] LockfileError),
}

impl crate::error::Hint for GitError {
    fn hint(&self) -> String {
        match self {
            GitError::Spawn(_) => "install git, or compare two files: `safe-pip diff OLD NEW`".into(),
            GitError::Failed { .. } => "run safe-pip inside the repository, and fetch the base ref first (in CI: `git fetch origin $BASE_REF` or actions/checkout with fetch-depth: 0)".into(),
            GitError::BadRef(_) => "pass a branch, tag or commit, e.g. `--git-base origin/main`".into(),
            GitError::Lockfile(e) => e.hint(),
        }
    }
}

/// The repository around the working directory.
pub(crate) struct Repo {
    /// The top of the working tree.
    top: PathBuf,
    /// The working directory (paths are shown relative to it).
    cwd: PathBuf,
    /// The base commit.
    pub commit: String,
    /// The ref as given.
    pub base: String,
}

impl Repo {
    /// Opens the repository of the working directory and resolves `base` to a commit.
    pub(crate) fn open(base: &str) -> Result<Repo, GitError> {
        if base.starts_with('-') || base.is_empty() || base.contains(['\0', '\n']) {
            return Err(GitError::BadRef(base.to_string()));
        }
        let cwd = std::env::current_dir().map_err(GitError::Spawn)?;
        let top = PathBuf::from(text(git(&cwd, &["rev-parse", "--show-toplevel"])?).trim_end_matches('\n'));
        let commit = text(git(&top, &["rev-parse", "--verify", "--quiet", &format!("{base}^{{commit}}")]).map_err(|e| match e {
            GitError::Failed { args, stderr } if stderr.is_empty() => GitError::Failed { args, stderr: format!("no commit `{base}` in this repository") },
            e => e,
        })?)
        .trim()
        .to_string();
        Ok(Repo { top, cwd, commit, base: base.to_string() })
    }

    /// "main (3f2a9c1)".
    pub(crate) fn label(&self) -> String {
        let short = &self.commit[..self.commit.len().min(10)];
        if self.commit.starts_with(&self.base.to_ascii_lowercase()) && self.base.len() >= 7 { short.to_string() } else { format!("{} ({short})", self.base) }
    }

    /// Pairs of (base at the ref, working tree) for `files`, or for every lockfile git
    /// knows when `files` is empty.
    pub(crate) fn pairs(&self, files: &[PathBuf]) -> Result<Vec<LockPair>, GitError> {
        let paths: Vec<PathBuf> = if files.is_empty() { self.discover()? } else { files.to_vec() };
        let mut pairs = Vec::new();
        for path in &paths {
            let head = match path.exists() {
                true => Some(lockfile::read_lockfile(path)?),
                false => None,
            };
            let base = self.read_base(path, head.as_ref().map(|h| h.format))?;
            if head.is_none() && base.is_none() {
                return Err(LockfileError::NotFound { path: path.clone() }.into());
            }
            pairs.extend(LockPair::new(base, head));
        }
        // A requirements file included by another one is compared as part of it.
        let included: BTreeSet<PathBuf> = pairs
            .iter()
            .flat_map(|p| [&p.base, &p.head])
            .flat_map(|l| l.packages.iter().chain(&l.constraints).filter_map(|p| p.file.as_deref()).filter(|f| normal(f) != normal(&l.path)).map(normal))
            .collect();
        if files.is_empty() {
            pairs.retain(|p| !included.contains(&normal(&p.head.path)));
        }
        Ok(pairs)
    }

    /// The lockfile at `path` (relative to the working directory) as the base has it.
    fn read_base(&self, path: &Path, format: Option<LockFormat>) -> Result<Option<Lockfile>, GitError> {
        let Some(text) = self.show(path)? else { return Ok(None) };
        let text = lockfile::text_of(text).map_err(|source| LockfileError::Io { path: path.to_path_buf(), source })?;
        let format = match format.or_else(|| lockfile::detect_format(path, &text)) {
            Some(f) => f,
            None => return Err(LockfileError::UnknownFormat { path: path.to_path_buf() }.into()),
        };
        let lock = match format {
            LockFormat::Requirements => {
                let loader = |p: &Path| -> std::io::Result<String> {
                    match self.show(p) {
                        Ok(Some(bytes)) => lockfile::text_of(bytes),
                        Ok(None) => Err(std::io::Error::new(std::io::ErrorKind::NotFound, format!("not in {}", self.base))),
                        Err(e) => Err(std::io::Error::other(e.to_string())),
                    }
                };
                lockfile::requirements::parse_with(path, &text, &loader)?
            }
            other => lockfile::parse(other, path, &text)?,
        };
        Ok(Some(lock))
    }

    /// `git show COMMIT:path`, `None` when the base has no such file.
    fn show(&self, path: &Path) -> Result<Option<Vec<u8>>, GitError> {
        let Some(rel) = self.relative(path) else { return Ok(None) };
        let spec = format!("{}:{rel}", self.commit);
        // `cat-file -e` tells "no such path" (exit 1, nothing on stdout) from a failure.
        let exists = Command::new("git").current_dir(&self.top).args(["cat-file", "-e", &spec]).output().map_err(GitError::Spawn)?;
        if !exists.status.success() {
            return Ok(None);
        }
        let bytes = git(&self.top, &["cat-file", "blob", &spec])?;
        if bytes.len() as u64 > lockfile::MAX_LOCKFILE_BYTES {
            let source = std::io::Error::new(std::io::ErrorKind::InvalidData, "larger than the limit for requirements files and lockfiles");
            return Err(LockfileError::Io { path: path.to_path_buf(), source }.into());
        }
        Ok(Some(bytes))
    }

    /// `path` (relative to the working directory, or absolute) relative to the top of
    /// the working tree, with `/`; `None` when it is outside.
    fn relative(&self, path: &Path) -> Option<String> {
        let full = normal(&self.cwd.join(path));
        let rel = full.strip_prefix(normal(&self.top)).ok()?;
        let parts: Vec<String> = rel.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
        (!parts.is_empty()).then(|| parts.join("/"))
    }

    /// Lockfiles git knows in the working tree or at the base, as paths relative to the
    /// working directory.
    fn discover(&self) -> Result<Vec<PathBuf>, GitError> {
        let mut names: BTreeSet<String> = BTreeSet::new();
        for out in [
            git(&self.top, &["ls-files", "-z", "--cached", "--others", "--exclude-standard"])?,
            git(&self.top, &["ls-tree", "-r", "-z", "--name-only", &self.commit])?,
        ] {
            names.extend(out.split(|b| *b == 0).filter(|n| !n.is_empty()).map(|n| String::from_utf8_lossy(n).into_owned()));
        }
        Ok(names.into_iter().filter(|n| is_lockfile_name(n)).map(|n| self.shown(&self.top.join(n))).collect())
    }

    /// An absolute path as shown: relative to the working directory when inside it.
    fn shown(&self, path: &Path) -> PathBuf {
        path.strip_prefix(&self.cwd).map(Path::to_path_buf).unwrap_or_else(|_| path.to_path_buf())
    }
}

/// Whether a repository path names a lockfile `diff --git-base` compares on its own.
pub(crate) fn is_lockfile_name(path: &str) -> bool {
    let mut parts = path.rsplit('/');
    let name = parts.next().unwrap_or_default().to_ascii_lowercase();
    let folder = parts.next().unwrap_or_default().to_ascii_lowercase();
    match lockfile::detect_by_name(Path::new(&name)) {
        Some(LockFormat::Requirements) => name.ends_with(".txt") && (name.starts_with("requirements") || folder == "requirements"),
        Some(_) => true,
        None => false,
    }
}

/// `path` with `.` and `..` folded away (lexically).
pub(crate) fn normal(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other),
        }
    }
    out
}

fn git(dir: &Path, args: &[&str]) -> Result<Vec<u8>, GitError> {
    let out = Command::new("git")
        .current_dir(dir)
        .args(args)
        // Never prompt, never page, never read the user's pager or external diff.
        .env("GIT_TERMINAL_PROMPT", "0")
        .env("GIT_PAGER", "cat")
        .output()
        .map_err(GitError::Spawn)?;
    if !out.status.success() {
        return Err(GitError::Failed { args: args.join(" "), stderr: String::from_utf8_lossy(&out.stderr).trim().to_string() });
    }
    Ok(out.stdout)
}

fn text(bytes: Vec<u8>) -> String {
    String::from_utf8_lossy(&bytes).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lockfiles_are_found_by_name() {
        for yes in ["poetry.lock", "sub/uv.lock", "pylock.toml", "pylock.dev.toml", "requirements.txt", "requirements-dev.txt", "requirements/prod.txt"] {
            assert!(is_lockfile_name(yes), "{yes}");
        }
        for no in ["README.txt", "docs/notes.txt", "requirements.in", "pyproject.toml", "Cargo.lock", "pylock.a.b.toml"] {
            assert!(!is_lockfile_name(no), "{no}");
        }
        assert_eq!(normal(Path::new("a/./b/../c.txt")), PathBuf::from("a/c.txt"));
    }
}
