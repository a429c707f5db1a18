//! What the user asked pip to install, before anything is fetched: project names (for the
//! name check) and everything that bypasses an index — local archives and folders,
//! direct URLs, VCS checkouts — which the wrapper must vet or refuse itself.
//!
//! Sources: requirement arguments, `-e` values, requirements files (with their `-r`
//! includes, read by [`crate::lockfile::requirements`]), `--requirements-from-script`
//! (PEP 723 inline metadata) and `--group` (PEP 735 dependency groups).

use crate::lockfile::{self, Hash, LockedPackage, Source};
use std::path::{Path, PathBuf};

/// A requirement that names a project to be found on an index.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct NamedRequirement {
    pub name: String,
    /// "command line", "requirements.txt:3", …
    pub origin: String,
}

/// Something that does not come from an index.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Bypass {
    /// A local archive or source folder (`editable` for `-e`).
    Local { token: String, path: PathBuf, editable: bool, origin: String },
    /// A direct URL to an archive; `token` is the URL as written without `#fragment`.
    Url { token: String, hashes: Vec<Hash>, origin: String },
    /// A version-control checkout (`git+https://…`).
    Vcs { url: String, origin: String },
}

/// Everything requested, in the order found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Requested {
    pub names: Vec<NamedRequirement>,
    pub bypasses: Vec<Bypass>,
}

#[derive(Debug, thiserror::Error)]
pub(crate) enum RequestedError {
    #[error("{0}")]
    Lockfile(#[from] lockfile::LockfileError),
    /// `-r FILE` names no file (pip would say "Could not open requirements file").
    #[error("cannot open requirements file {}: no such file", path.display())]
    MissingRequirementsFile { path: PathBuf, near: Vec<String> },
    #[error("{origin}: {detail}")]
    Source { origin: String, detail: String },
}

impl crate::error::Hint for RequestedError {
    fn hint(&self) -> String {
        match self {
            RequestedError::Lockfile(e) => e.hint(),
            RequestedError::MissingRequirementsFile { path, near } => {
                let here = std::env::current_dir().map(|d| d.display().to_string()).unwrap_or_else(|_| ".".into());
                let relative = if path.is_relative() { format!(" (relative paths are read from {here})") } else { String::new() };
                match near.as_slice() {
                    [] => format!("check the path given to -r{relative}; nothing was installed"),
                    files => format!("check the path given to -r{relative}; requirements files there: {}", files.join(", ")),
                }
            }
            RequestedError::Source { .. } => "fix the file; pip would refuse it too".into(),
        }
    }
}

const COMMAND_LINE: &str = "command line";

/// Requirements-like files (`*.txt`, `*.in`) in the folder a missing `-r` path points
/// into, for the hint: most often the name was mistyped.
fn requirements_files_near(missing: &Path) -> Vec<String> {
    let dir = missing.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let Ok(entries) = std::fs::read_dir(dir) else { return Vec::new() };
    let mut names: Vec<String> = entries
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .map(|e| e.path())
        .filter(|p| matches!(p.extension().and_then(|x| x.to_str()), Some("txt" | "in")))
        .map(|p| if dir == Path::new(".") { p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default() } else { p.display().to_string() })
        .collect();
    names.sort();
    names.truncate(5);
    names
}

impl Requested {
    fn add_package(&mut self, p: &LockedPackage, origin: String) {
        match &p.source {
            Source::Registry { .. } => self.names.push(NamedRequirement { name: p.name.clone(), origin }),
            Source::Url { url } => {
                let hashes = p.files.first().map(|f| f.hashes.clone()).unwrap_or_default();
                self.bypasses.push(Bypass::Url { token: url.clone(), hashes, origin });
            }
            Source::Vcs { url, .. } => self.bypasses.push(Bypass::Vcs { url: url.clone(), origin }),
            Source::Path { path } | Source::Directory { path } => {
                self.bypasses.push(Bypass::Local { token: path.clone(), path: PathBuf::from(path), editable: false, origin })
            }
            Source::Editable { path } => {
                self.bypasses.push(Bypass::Local { token: path.clone(), path: PathBuf::from(path), editable: true, origin })
            }
            Source::Virtual { .. } => {}
        }
    }

    /// Requirement arguments and `-e` values from the command line.
    pub(crate) fn add_command_line(&mut self, requirements: &[String], editables: &[String]) -> Result<(), RequestedError> {
        let mut text = String::new();
        for r in requirements {
            text.push_str(r.trim());
            text.push('\n');
        }
        for e in editables {
            text.push_str("-e ");
            text.push_str(&crate::requirements_txt::shell_quote(e));
            text.push('\n');
        }
        self.add_lines(Path::new(COMMAND_LINE), &text, |_| COMMAND_LINE.to_string())
    }

    fn add_lines(&mut self, label: &Path, text: &str, origin: impl Fn(&LockedPackage) -> String) -> Result<(), RequestedError> {
        let no_includes = |p: &Path| -> std::io::Result<String> {
            Err(std::io::Error::other(format!("{} cannot include other files", p.display())))
        };
        let lock = lockfile::requirements::parse_with(label, text, &no_includes)?;
        for p in &lock.packages {
            self.add_package(p, origin(p));
        }
        Ok(())
    }

    /// A requirements file and everything it includes.
    pub(crate) fn add_requirements_file(&mut self, path: &Path) -> Result<(), RequestedError> {
        let text = match lockfile::read_text(path) {
            Err(lockfile::LockfileError::NotFound { .. }) => {
                return Err(RequestedError::MissingRequirementsFile { path: path.to_path_buf(), near: requirements_files_near(path) });
            }
            other => other?,
        };
        let lock = lockfile::requirements::parse(path, &text)?;
        for p in &lock.packages {
            self.add_package(p, lock.location_of(p));
        }
        Ok(())
    }

    /// The `dependencies` of a script's PEP 723 `# /// script` block.
    pub(crate) fn add_script(&mut self, script: &Path) -> Result<(), RequestedError> {
        let text = read_small_text(script).map_err(|e| RequestedError::Source {
            origin: script.display().to_string(),
            detail: format!("cannot read the script: {e}"),
        })?;
        let Some(block) = script_metadata(&text) else { return Ok(()) };
        let origin = format!("{} (# /// script)", script.display());
        let doc: toml::Table = toml::from_str(&block)
            .map_err(|e| RequestedError::Source { origin: origin.clone(), detail: format!("inline metadata is not TOML: {e}") })?;
        let deps = string_list(doc.get("dependencies"));
        self.add_lines(Path::new(&origin), &lines(&deps), |_| origin.clone())
    }

    /// A PEP 735 dependency group: `--group [PATH:]NAME` (default `pyproject.toml`).
    pub(crate) fn add_group(&mut self, spec: &str) -> Result<(), RequestedError> {
        let (path, group) = match spec.rsplit_once(':') {
            Some((p, g)) => (PathBuf::from(p), g),
            None => (PathBuf::from("pyproject.toml"), spec),
        };
        let origin = format!("{}[dependency-groups].{group}", path.display());
        let text = read_small_text(&path).map_err(|e| RequestedError::Source { origin: origin.clone(), detail: format!("cannot read it: {e}") })?;
        let doc: toml::Table =
            toml::from_str(&text).map_err(|e| RequestedError::Source { origin: origin.clone(), detail: format!("not TOML: {e}") })?;
        let groups = doc.get("dependency-groups").and_then(|g| g.as_table()).cloned().unwrap_or_default();
        let mut deps = Vec::new();
        collect_group(&groups, group, &mut Vec::new(), &mut deps);
        self.add_lines(Path::new(&origin), &lines(&deps), |_| origin.clone())
    }
}

/// A script or pyproject.toml: a regular file, capped like a lockfile, UTF-8.
fn read_small_text(path: &Path) -> std::io::Result<String> {
    let bytes = lockfile::read_regular(path, lockfile::MAX_LOCKFILE_BYTES)?;
    String::from_utf8(bytes).map_err(|_| std::io::Error::new(std::io::ErrorKind::InvalidData, "not UTF-8 text"))
}

fn lines(deps: &[String]) -> String {
    deps.iter().map(|d| format!("{d}\n")).collect()
}

fn string_list(v: Option<&toml::Value>) -> Vec<String> {
    v.and_then(|v| v.as_array()).map(|a| a.iter().filter_map(|x| x.as_str().map(str::to_string)).collect()).unwrap_or_default()
}

/// A group's requirements with `{include-group = …}` followed (cycles ignored).
fn collect_group(groups: &toml::Table, name: &str, seen: &mut Vec<String>, out: &mut Vec<String>) {
    let norm = crate::pep503::normalize_name(name);
    if seen.contains(&norm) {
        return;
    }
    seen.push(norm.clone());
    let entry = groups.iter().find(|(k, _)| crate::pep503::normalize_name(k) == norm).map(|(_, v)| v);
    for item in entry.and_then(|v| v.as_array()).into_iter().flatten() {
        match item {
            toml::Value::String(s) => out.push(s.clone()),
            toml::Value::Table(t) => {
                if let Some(inc) = t.get("include-group").and_then(|v| v.as_str()) {
                    collect_group(groups, inc, seen, out);
                }
            }
            _ => {}
        }
    }
}

/// The TOML of a PEP 723 `# /// script` block, without the comment prefixes.
fn script_metadata(text: &str) -> Option<String> {
    let mut inside = false;
    let mut out = String::new();
    for line in text.lines() {
        if !inside {
            if line.trim_end() == "# /// script" {
                inside = true;
            }
            continue;
        }
        if line.trim_end() == "# ///" {
            return Some(out);
        }
        let body = line.strip_prefix("# ").or_else(|| line.strip_prefix('#'))?;
        out.push_str(body);
        out.push('\n');
    }
    None
}

#[cfg(test)]
mod tests {
    use crate::error::Hint;
    use super::*;

    #[test]
    fn a_missing_requirements_file_names_the_files_that_are_there() {
        let d = tempfile::tempdir().unwrap();
        std::fs::write(d.path().join("requirements.txt"), "six\n").unwrap();
        std::fs::write(d.path().join("requirements-dev.txt"), "pytest\n").unwrap();
        std::fs::write(d.path().join("notes.md"), "").unwrap();
        let err = Requested::default().add_requirements_file(&d.path().join("requirments.txt")).unwrap_err();
        assert!(err.to_string().starts_with("cannot open requirements file "), "{err}");
        let hint = err.hint();
        assert!(hint.contains("requirements-dev.txt") && hint.contains("requirements.txt"), "{hint}");
        assert!(!hint.contains("notes.md") && !hint.contains("lockfile"), "{hint}");
    }

    #[cfg(unix)]
    #[test]
    fn special_files_are_not_read_as_requirements() {
        // #14: `install -r /dev/zero` read forever; `--group /dev/zero:dev` too
        let err = Requested::default().add_requirements_file(Path::new("/dev/zero")).unwrap_err();
        assert!(err.to_string().contains("a character device, not a regular file"), "{err}");
        let err = Requested::default().add_group("/dev/zero:dev").unwrap_err();
        assert!(err.to_string().contains("not a regular file"), "{err}");
        let err = Requested::default().add_script(Path::new("/dev/zero")).unwrap_err();
        assert!(err.to_string().contains("not a regular file"), "{err}");
        let d = tempfile::tempdir().unwrap();
        let top = d.path().join("requirements.txt");
        std::fs::write(&top, "-r /dev/zero\n").unwrap();
        let err = Requested::default().add_requirements_file(&top).unwrap_err();
        assert!(err.to_string().contains("not a regular file"), "{err}");
    }

    #[test]
    fn command_line_requirements_are_classified() {
        let mut r = Requested::default();
        r.add_command_line(
            &[
                "requests[socks]>=2".into(),
                "./dist/pkg-1.0.tar.gz".into(),
                format!("evil @ https://host/evil-1.0-py3-none-any.whl#sha256={}", "ab".repeat(32)),
                "git+https://host/repo.git@main#egg=repo".into(),
            ],
            &["./src dir".into()],
        )
        .unwrap();
        assert_eq!(r.names, vec![NamedRequirement { name: "requests".into(), origin: COMMAND_LINE.into() }]);
        assert!(matches!(&r.bypasses[0], Bypass::Local { token, editable: false, .. } if token == "./dist/pkg-1.0.tar.gz"));
        match &r.bypasses[1] {
            Bypass::Url { token, hashes, .. } => {
                assert_eq!(token, "https://host/evil-1.0-py3-none-any.whl");
                assert_eq!(hashes[0].digest, "ab".repeat(32));
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(&r.bypasses[2], Bypass::Vcs { .. }));
        assert!(matches!(&r.bypasses[3], Bypass::Local { token, editable: true, .. } if token == "./src dir"));
    }

    #[test]
    fn files_scripts_and_groups() {
        let tmp = tempfile::tempdir().unwrap();
        let d = tmp.path();
        std::fs::write(d.join("inc.txt"), "reqests==1.0\n").unwrap();
        std::fs::write(d.join("r.txt"), "-r inc.txt\nsix\n").unwrap();
        let mut r = Requested::default();
        r.add_requirements_file(&d.join("r.txt")).unwrap();
        let names: Vec<&str> = r.names.iter().map(|n| n.name.as_str()).collect();
        assert_eq!(names, vec!["reqests", "six"]);
        assert!(r.names[0].origin.ends_with("inc.txt:1"), "{}", r.names[0].origin);

        std::fs::write(d.join("s.py"), "# /// script\n# dependencies = [\"rich\", \"x @ https://h/x-1.tar.gz\"]\n# ///\nprint(1)\n").unwrap();
        r.add_script(&d.join("s.py")).unwrap();
        assert_eq!(r.names.last().unwrap().name, "rich");
        assert!(matches!(r.bypasses.last(), Some(Bypass::Url { .. })));

        std::fs::write(d.join("pyproject.toml"), "[dependency-groups]\ndev = [\"pytest\", {include-group = \"Lint\"}]\nlint = [\"ruff\"]\n").unwrap();
        r.add_group(&format!("{}:dev", d.join("pyproject.toml").display())).unwrap();
        let tail: Vec<&str> = r.names.iter().rev().take(2).map(|n| n.name.as_str()).collect();
        assert_eq!(tail, vec!["ruff", "pytest"]);
    }
}
