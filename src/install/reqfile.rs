//! Requirements files (`-r`, `-c`, `--build-constraint`) rewritten for the proxied pip.
//!
//! pip reads index options from requirements files too, and a `-i` line there beats
//! `--index-url` on the command line; `--extra-index-url` and `--find-links` lines add
//! sources. Such lines would send pip around the proxy, so each file (and every file it
//! includes, recursively) is copied into a private temporary folder with:
//! - `-i/--index-url`, `--extra-index-url`, `-f/--find-links` removed, after recording
//!   them in file order as [`Directive`]s (the wrapper gives every index its own proxy
//!   route and serves vetted find-links files itself);
//! - `-r FILE` / `-c FILE` pointing at the rewritten copy of FILE;
//! - direct archive URLs replaced by the vetted local copy the caller downloaded;
//! - everything else byte for byte. A removed or rebuilt line keeps its number of
//!   physical lines, so pip's "line N" messages still point at the user's file.
//!
//! Line handling follows pip's `req_file.py`: `\` continuations (a comment line ends
//! one), comments `#` at the start or after whitespace, the requirement part runs until
//! the first token starting with `-`, option tokens are split like a shell does.

use crate::requirements_txt::{break_args_options, logical_lines, shell_quote, shell_split, split_comment};
use super::pip_args::{self, Item, OptKind, Table};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// An index or source option found in a requirements file, in reading order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Directive {
    IndexUrl(String),
    ExtraIndexUrl(String),
    NoIndex,
    /// A find-links location; a local path relative to the requirements file is resolved
    /// against it when it exists there (as pip does).
    FindLinks(String),
}

/// Where a directive or problem was found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Origin {
    pub file: PathBuf,
    pub line: usize,
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.file.display(), self.line)
    }
}

#[derive(Debug, thiserror::Error)]
pub(crate) enum RewriteError {
    #[error("cannot read requirements file {}: {source}", path.display())]
    Read { path: PathBuf, source: std::io::Error },
    #[error("cannot write a rewritten copy of {}: {source}", path.display())]
    Write { path: PathBuf, source: std::io::Error },
    #[error("{origin}: {detail}")]
    Line { origin: Origin, detail: String },
    #[error("{origin}: requirements file {target} is fetched from the network by pip, around safe-pip's checks")]
    RemoteInclude { origin: Origin, target: String },
}

impl crate::error::Hint for RewriteError {
    fn hint(&self) -> String {
        match self {
            RewriteError::Read { .. } => "check the path given to -r/-c (relative includes are read next to the including file)".into(),
            RewriteError::Write { .. } => "check that the temporary folder ($TMPDIR) is writable and not full".into(),
            RewriteError::Line { .. } => "fix the line; pip would refuse it too".into(),
            RewriteError::RemoteInclude { .. } => "download the file and include the local copy (`-r ./file.txt`) so its lines can be checked".into(),
        }
    }
}

/// Rewrites requirements files into a temporary folder.
pub(crate) struct Rewriter<'a> {
    out_dir: PathBuf,
    /// Original direct URL (without fragment) → local file to use instead.
    url_map: &'a HashMap<String, PathBuf>,
    /// (canonical source path, as constraints) → rewritten copy.
    written: HashMap<(PathBuf, bool), PathBuf>,
    /// Files being rewritten, outermost first (include cycles).
    stack: Vec<PathBuf>,
    pub directives: Vec<(Directive, Origin)>,
    /// (rewritten copy, the file it copies as the user named it), to show pip's messages
    /// about a copy with the user's path.
    pub copies: Vec<(PathBuf, PathBuf)>,
}

fn canonical(p: &Path) -> PathBuf {
    std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf())
}

fn is_remote(target: &str) -> bool {
    let lower = target.to_ascii_lowercase();
    lower.starts_with("http://") || lower.starts_with("https://") || lower.starts_with("ftp://")
}

/// A direct URL token as the key of the URL map: without its `#fragment`.
pub(crate) fn url_key(token: &str) -> &str {
    token.split('#').next().unwrap_or(token)
}

impl<'a> Rewriter<'a> {
    pub(crate) fn new(out_dir: &Path, url_map: &'a HashMap<String, PathBuf>) -> Rewriter<'a> {
        Rewriter {
            out_dir: out_dir.to_path_buf(),
            url_map,
            written: HashMap::new(),
            stack: Vec::new(),
            directives: Vec::new(),
            copies: Vec::new(),
        }
    }

    /// Rewrites `path` (a requirements file, or constraints with `as_constraints`) and
    /// everything it includes; returns the path of the copy to hand to pip.
    pub(crate) fn rewrite(&mut self, path: &Path, as_constraints: bool) -> Result<PathBuf, RewriteError> {
        let key = canonical(path);
        if self.stack.contains(&key) {
            // pip reads the file again and again until it gives up; refuse plainly.
            return Err(RewriteError::Line {
                origin: Origin { file: path.to_path_buf(), line: 1 },
                detail: "requirements files include each other in a cycle".into(),
            });
        }
        if let Some(done) = self.written.get(&(key.clone(), as_constraints)) {
            return Ok(done.clone());
        }
        let bytes = crate::lockfile::read_regular(path, crate::lockfile::MAX_LOCKFILE_BYTES)
            .map_err(|source| RewriteError::Read { path: path.to_path_buf(), source })?;
        let text = String::from_utf8_lossy(&bytes).into_owned();
        // One folder per copy keeps the file's own name (pip shows it in messages).
        let dir = self.out_dir.join(format!("r{}", self.written.len()));
        let name = path.file_name().map(|n| n.to_os_string()).unwrap_or_else(|| "requirements.txt".into());
        let target = dir.join(name);
        self.written.insert((key.clone(), as_constraints), target.clone());
        self.copies.push((target.clone(), path.to_path_buf()));
        self.stack.push(key);
        let result = self.rewrite_text(path, &text);
        self.stack.pop();
        let out = result?;
        std::fs::create_dir_all(&dir).map_err(|source| RewriteError::Write { path: path.to_path_buf(), source })?;
        std::fs::write(&target, out).map_err(|source| RewriteError::Write { path: path.to_path_buf(), source })?;
        Ok(target)
    }

    fn rewrite_text(&mut self, path: &Path, text: &str) -> Result<String, RewriteError> {
        let mut out = String::with_capacity(text.len());
        for logical in logical_lines(text) {
            let origin = Origin { file: path.to_path_buf(), line: logical.number };
            let content = logical.text.as_deref().map_or("", |t| split_comment(t).0);
            let replacement = if content.is_empty() {
                None
            } else {
                let (req, opts) = break_args_options(content);
                if req.trim().is_empty() {
                    self.option_line(path, &opts, &origin)?
                } else {
                    self.requirement_line(&req, &opts)
                }
            };
            match replacement {
                None => out.push_str(&text[logical.raw]),
                Some(line) => {
                    out.push_str(&line);
                    // Keep the physical line count so later line numbers stay the same.
                    out.push_str(&"\n".repeat(logical.physical_lines));
                }
            }
        }
        Ok(out)
    }

    /// Substitutes vetted local copies for direct URLs; `None` when nothing changes.
    fn requirement_line(&self, req: &str, opts: &str) -> Option<String> {
        let mut line = substitute_requirement(req, self.url_map)?;
        if !opts.is_empty() {
            line.push(' ');
            line.push_str(opts);
        }
        Some(line)
    }

    fn option_line(&mut self, path: &Path, opts: &str, origin: &Origin) -> Result<Option<String>, RewriteError> {
        let line_err = |detail: String| RewriteError::Line { origin: origin.clone(), detail };
        let tokens = shell_split(opts).map_err(|e| line_err(e.to_string()))?;
        let items = pip_args::parse(&tokens, Table::RequirementsFile).map_err(|e| line_err(e.0))?;
        let mut changed = false;
        let mut keep: Vec<String> = Vec::new();
        for item in items {
            let Item::Opt { kind, value, raw, name } = &item else {
                keep.extend(item.tokens());
                continue;
            };
            let value = value.clone().unwrap_or_default();
            match kind {
                OptKind::IndexUrl => self.directives.push((Directive::IndexUrl(value), origin.clone())),
                OptKind::ExtraIndexUrl => self.directives.push((Directive::ExtraIndexUrl(value), origin.clone())),
                OptKind::FindLinks => {
                    let relative = path.parent().unwrap_or(Path::new("")).join(&value);
                    let resolved = if !is_remote(&value) && relative.exists() { relative.display().to_string() } else { value };
                    self.directives.push((Directive::FindLinks(resolved), origin.clone()));
                }
                OptKind::NoIndex => {
                    self.directives.push((Directive::NoIndex, origin.clone()));
                    keep.extend(raw.iter().cloned());
                    continue;
                }
                OptKind::Requirement | OptKind::Constraint => {
                    if is_remote(&value) {
                        return Err(RewriteError::RemoteInclude { origin: origin.clone(), target: value });
                    }
                    let local = value.strip_prefix("file://").or_else(|| value.strip_prefix("file:")).unwrap_or(&value);
                    let target = path.parent().unwrap_or(Path::new("")).join(local);
                    let copy = self.rewrite(&target, *kind == OptKind::Constraint)?;
                    keep.push(name.clone());
                    keep.push(copy.display().to_string());
                }
                _ => {
                    keep.extend(raw.iter().cloned());
                    continue;
                }
            }
            changed = true;
        }
        if !changed {
            return Ok(None);
        }
        Ok(Some(keep.iter().map(|t| shell_quote(t)).collect::<Vec<_>>().join(" ")))
    }
}

/// A requirement with every token that names a vetted file (a URL without its
/// `#fragment`, or a local path as written) replaced by the vetted copy's `file://` URL;
/// `None` when nothing matches.
pub(crate) fn substitute_requirement(req: &str, map: &HashMap<String, PathBuf>) -> Option<String> {
    let mut changed = false;
    let tokens: Vec<String> = req
        .split(' ')
        .map(|t| match map.get(url_key(t)) {
            Some(local) => {
                changed = true;
                let fragment = t.find('#').map(|i| &t[i..]).unwrap_or("");
                format!("{}{fragment}", file_url(local))
            }
            None => t.to_string(),
        })
        .collect();
    changed.then(|| tokens.join(" "))
}

/// `file://` URL of a local path (absolute), as pip accepts in `name @ URL`.
pub(crate) fn file_url(path: &Path) -> String {
    let abs = if path.is_absolute() { path.to_path_buf() } else { std::env::current_dir().unwrap_or_default().join(path) };
    url::Url::from_file_path(&abs).map(|u| u.to_string()).unwrap_or_else(|_| format!("file://{}", abs.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        p
    }

    #[cfg(unix)]
    #[test]
    fn special_files_are_not_copied() {
        let tmp = tempfile::tempdir().unwrap();
        let map = HashMap::new();
        let mut rw = Rewriter::new(tmp.path(), &map);
        let err = rw.rewrite(Path::new("/dev/zero"), false).unwrap_err();
        assert!(err.to_string().contains("a character device, not a regular file"), "{err}");
    }

    #[test]
    fn index_lines_removed_everything_else_byte_for_byte() {
        let tmp = tempfile::tempdir().unwrap();
        let src = tmp.path().join("src");
        std::fs::create_dir_all(src.join("wheels")).unwrap();
        let text = "# top comment\r\nrequests==2.32.3  # pinned\r\n-i https://u:p@internal/simple\n--extra-index-url \\\n   https://extra/simple\n--find-links wheels --trusted-host x\n--no-index\n\nsix ; python_version > \"3\"\n";
        let top = write(&src, "requirements.txt", text);
        let map = HashMap::new();
        let out = tmp.path().join("out");
        let mut rw = Rewriter::new(&out, &map);
        let copy = rw.rewrite(&top, false).unwrap();
        let got = std::fs::read_to_string(&copy).unwrap();
        assert_eq!(
            got,
            "# top comment\r\nrequests==2.32.3  # pinned\r\n\n\n\n--trusted-host x\n--no-index\n\nsix ; python_version > \"3\"\n"
        );
        assert_eq!(copy.file_name().unwrap(), "requirements.txt");
        let d: Vec<&Directive> = rw.directives.iter().map(|(d, _)| d).collect();
        assert_eq!(
            d,
            vec![
                &Directive::IndexUrl("https://u:p@internal/simple".into()),
                &Directive::ExtraIndexUrl("https://extra/simple".into()),
                &Directive::FindLinks(src.join("wheels").display().to_string()),
                &Directive::NoIndex,
            ]
        );
        assert_eq!(rw.directives[1].1.line, 4);
        // Line counts are kept: the line after the 2-line continuation is still line 6.
        assert_eq!(got.split('\n').nth(5), Some("--trusted-host x"));
    }

    #[test]
    fn includes_are_rewritten_recursively_and_abbreviations_caught() {
        let tmp = tempfile::tempdir().unwrap();
        let src = tmp.path().join("src");
        std::fs::create_dir_all(src.join("sub")).unwrap();
        write(&src, "sub/base.txt", "--extra-index http://evil/simple\nattrs\n-c ../cons.txt\n");
        write(&src, "cons.txt", "--index-url=http://c/simple\nattrs<30\n");
        let top = write(&src, "req.txt", "-r sub/base.txt\n-rsub/base.txt\n");
        let map = HashMap::new();
        let mut rw = Rewriter::new(&tmp.path().join("out"), &map);
        let copy = rw.rewrite(&top, false).unwrap();
        let got = std::fs::read_to_string(&copy).unwrap();
        let lines: Vec<&str> = got.lines().collect();
        assert_eq!(lines.len(), 2);
        // Both spellings point at the same rewritten copy of base.txt.
        let base_copy = lines[0].strip_prefix("--requirement ").unwrap();
        assert_eq!(lines[1], lines[0]);
        let base = std::fs::read_to_string(base_copy).unwrap();
        assert!(base.starts_with("\nattrs\n--constraint "), "{base}");
        let cons_copy = base.lines().nth(2).unwrap().strip_prefix("--constraint ").unwrap();
        assert_eq!(std::fs::read_to_string(cons_copy).unwrap(), "\nattrs<30\n");
        let d: Vec<&Directive> = rw.directives.iter().map(|(d, _)| d).collect();
        assert_eq!(d, vec![&Directive::ExtraIndexUrl("http://evil/simple".into()), &Directive::IndexUrl("http://c/simple".into())]);
    }

    /// The rewriter follows the same include as the lockfile reader on lines whose options
    /// carry backslashes (`lockfile::requirements`'s tests): `with\ space.txt` is one word.
    #[test]
    fn escaped_option_words_are_read_as_pip_reads_them() {
        let tmp = tempfile::tempdir().unwrap();
        let src = tmp.path().join("src");
        std::fs::create_dir_all(&src).unwrap();
        write(&src, "with space.txt", "--index-url http://evil/simple\nattrs\n");
        let top = write(&src, "req.txt", "-r with\\ space.txt\n");
        let map = HashMap::new();
        let mut rw = Rewriter::new(&tmp.path().join("out"), &map);
        let got = std::fs::read_to_string(rw.rewrite(&top, false).unwrap()).unwrap();
        let words = shell_split(got.trim_end()).unwrap();
        assert_eq!((words.len(), words[0].as_str()), (2, "--requirement"), "{got}");
        assert_eq!(std::fs::read_to_string(&words[1]).unwrap(), "\nattrs\n");
        assert_eq!(rw.directives.iter().map(|(d, _)| d).collect::<Vec<_>>(), vec![&Directive::IndexUrl("http://evil/simple".into())]);
        let bad = write(&src, "bad.txt", "-r 'open.txt\n");
        assert!(rw.rewrite(&bad, false).unwrap_err().to_string().contains("no closing ' quote"));
    }

    #[test]
    fn direct_urls_become_vetted_local_files_and_remote_includes_are_refused() {
        let tmp = tempfile::tempdir().unwrap();
        let top = write(
            tmp.path(),
            "r.txt",
            "pkg @ https://host/pkg-1.0-py3-none-any.whl#sha256=ab ; python_version>'3' --hash=sha256:ab\nhttps://host/other-2.0.tar.gz\n",
        );
        let mut map = HashMap::new();
        map.insert("https://host/pkg-1.0-py3-none-any.whl".to_string(), PathBuf::from("/v/pkg-1.0-py3-none-any.whl"));
        map.insert("https://host/other-2.0.tar.gz".to_string(), PathBuf::from("/v/other-2.0.tar.gz"));
        let mut rw = Rewriter::new(&tmp.path().join("out"), &map);
        let got = std::fs::read_to_string(rw.rewrite(&top, false).unwrap()).unwrap();
        assert_eq!(
            got,
            "pkg @ file:///v/pkg-1.0-py3-none-any.whl#sha256=ab ; python_version>'3' --hash=sha256:ab\nfile:///v/other-2.0.tar.gz\n"
        );
        let bad = write(tmp.path(), "bad.txt", "-r https://host/more.txt\n");
        let err = rw.rewrite(&bad, false).unwrap_err();
        assert!(matches!(err, RewriteError::RemoteInclude { .. }), "{err}");
        let cyc = write(tmp.path(), "cyc.txt", "-r cyc.txt\n");
        assert!(rw.rewrite(&cyc, false).unwrap_err().to_string().contains("cycle"));
    }
}
