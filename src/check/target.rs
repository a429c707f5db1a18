//! The environment `check` judges a lockfile for: the wheel tags a Python interpreter
//! supports (best first, as `packaging.tags.sys_tags()` ranks them) and its PEP 508 marker
//! environment. Asked of the interpreter itself by a tiny script that imports only pip's
//! vendored `packaging` (else `packaging`): the interpreter starts with `-I -S`, so neither
//! the environment's variables, the current folder nor any `.pth` file of an installed
//! package takes part; code from the lockfile's packages never runs.

use crate::error::Hint;
use crate::pep508::MarkerEnv;
use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// How long the interpreter may take to answer.
const QUERY_TIMEOUT: Duration = Duration::from_secs(60);

/// Run as `python -I -S -c QUERY [EXTRA_SITE_DIR…]`: looks for pip's vendored packaging,
/// then packaging, in the interpreter's own environment — its virtualenv's site folder (found
/// by its `pyvenv.cfg`, as the site module would), else its prefix's — then in the folders
/// given as arguments. The folders are added to the path by hand: `-S` skips the site module,
/// and with it every `.pth` file. `python -I -S -c QUERY --site-dirs` only prints the
/// interpreter's own folders, for lending its pip to another interpreter.
const QUERY: &str = r#"
import json, os, sys, sysconfig

def own_dirs():
    exe_dir = os.path.dirname(os.path.abspath(sys.executable))
    for cfg in (os.path.join(exe_dir, "pyvenv.cfg"), os.path.join(os.path.dirname(exe_dir), "pyvenv.cfg")):
        if os.path.isfile(cfg):
            venv = os.path.dirname(cfg)
            names = sysconfig.get_scheme_names()
            scheme = "venv" if "venv" in names else ("nt" if os.name == "nt" else "posix_prefix")
            paths = sysconfig.get_paths(scheme=scheme, vars={"base": venv, "platbase": venv})
            return [paths.get("purelib"), paths.get("platlib")]
    dirs = [sysconfig.get_paths().get(k) for k in ("purelib", "platlib")]
    try:
        import site
        dirs += site.getsitepackages()
    except Exception:
        pass
    return dirs

if sys.argv[1:] == ["--site-dirs"]:
    print(json.dumps([d for d in own_dirs() if d]))
    sys.exit(0)
for d in [d for d in own_dirs() if d] + sys.argv[1:]:
    if d not in sys.path:
        sys.path.append(d)
found = None
for where in ("pip._vendor.packaging", "packaging"):
    try:
        markers = __import__(where + ".markers", fromlist=["x"])
        tags = __import__(where + ".tags", fromlist=["x"])
        found = where
        break
    except Exception:
        continue
if found is None:
    print(json.dumps({"error": "no-packaging"}))
else:
    print(json.dumps({"via": found, "tags": [str(t) for t in tags.sys_tags()], "markers": markers.default_environment()}))
"#;

/// What a target interpreter installs: its tags (rank = position, 0 best) and markers.
#[derive(Clone)]
pub struct Target {
    /// The interpreter that was asked (or a description, for injected targets).
    pub python: PathBuf,
    pub tags: Vec<String>,
    pub markers: MarkerEnv,
    rank: HashMap<String, usize>,
}

impl std::fmt::Debug for Target {
    /// Short: a tag list runs to hundreds of entries.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Target({}, {}, {} tags)", self.python.display(), self.describe(), self.tags.len())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum TargetError {
    #[error("{0}")]
    Interpreter(#[from] crate::install::interpreter::InterpreterError),
    #[error("cannot run {}: {source}", python.display())]
    Run { python: PathBuf, source: std::io::Error },
    #[error("{} did not answer within {} s", python.display(), QUERY_TIMEOUT.as_secs())]
    Timeout { python: PathBuf },
    #[error("{} failed ({status}) when asked for its wheel tags: {stderr}", python.display())]
    Failed { python: PathBuf, status: String, stderr: String },
    #[error("{} has neither pip nor packaging, and no other Python could lend its pip", python.display())]
    NoPackaging { python: PathBuf },
    #[error("{} gave an answer safe-pip cannot read: {detail}", python.display())]
    BadAnswer { python: PathBuf, detail: String },
}

impl TargetError {
    /// What to do, naming the command as the user typed it (`safe-pip check`, `poetry safe-pip check`).
    pub fn hint(&self, invoked_as: &str) -> String {
        let first = match self {
            TargetError::Interpreter(e) => e.hint().to_string(),
            TargetError::NoPackaging { .. } => "install pip into that environment or pass --python PATH of one that has it".into(),
            _ => "pass --python PATH (an interpreter or a virtualenv folder) of the environment the lock installs into".into(),
        };
        format!("{first}, or judge every locked file whatever the platform: `{invoked_as} --all-platforms`")
    }
}

impl Target {
    /// A target from a tag list (best first) and a marker environment.
    pub fn new(python: impl Into<PathBuf>, tags: Vec<String>, markers: MarkerEnv) -> Target {
        let mut rank = HashMap::with_capacity(tags.len());
        for (i, t) in tags.iter().enumerate() {
            rank.entry(t.to_ascii_lowercase()).or_insert(i);
        }
        Target { python: python.into(), tags, markers, rank }
    }

    /// Asks `python` for its tags and markers. When it has neither pip nor packaging, the
    /// site folders of the first of `lenders` that answers are added to its path (pip is pure
    /// Python), so a venv made `--without-pip` can still be asked.
    pub fn query(python: &Path, lenders: &[PathBuf]) -> Result<Target, TargetError> {
        let answer = run_json(python, QUERY, &[])?;
        let answer = match answer.get("error") {
            None => answer,
            Some(_) => {
                let mut lent = None;
                for lender in lenders.iter().filter(|l| l.as_path() != python) {
                    let Ok(serde_json::Value::Array(dirs)) = run_json(lender, QUERY, &["--site-dirs".to_string()]) else { continue };
                    let dirs: Vec<String> = dirs.iter().filter_map(|d| d.as_str().map(str::to_string)).collect();
                    let again = run_json(python, QUERY, &dirs)?;
                    if again.get("error").is_none() {
                        lent = Some(again);
                        break;
                    }
                }
                lent.ok_or_else(|| TargetError::NoPackaging { python: python.to_path_buf() })?
            }
        };
        let bad = |detail: &str| TargetError::BadAnswer { python: python.to_path_buf(), detail: detail.to_string() };
        let tags: Vec<String> = answer
            .get("tags")
            .and_then(|t| t.as_array())
            .ok_or_else(|| bad("no tag list"))?
            .iter()
            .map(|t| t.as_str().map(str::to_string).ok_or_else(|| bad("a tag is not a string")))
            .collect::<Result<_, _>>()?;
        if tags.is_empty() {
            return Err(bad("the tag list is empty"));
        }
        let markers: MarkerEnv = answer
            .get("markers")
            .and_then(|m| m.as_object())
            .ok_or_else(|| bad("no marker environment"))?
            .iter()
            .filter_map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_string())))
            .collect();
        if !markers.contains_key("python_full_version") || !markers.contains_key("sys_platform") {
            return Err(bad("the marker environment lacks python_full_version or sys_platform"));
        }
        Ok(Target::new(python, tags, markers))
    }

    /// The rank of a tag (`cp311-cp311-manylinux_2_17_x86_64`), 0 best; `None` when unsupported.
    pub fn rank(&self, tag: &str) -> Option<usize> {
        self.rank.get(&tag.to_ascii_lowercase()).copied()
    }

    /// `CPython 3.11.7 linux x86_64`, for reports.
    pub fn describe(&self) -> String {
        let get = |k: &str| self.markers.get(k).map(String::as_str).unwrap_or("?");
        format!("{} {} {} {}", get("platform_python_implementation"), get("python_full_version"), get("sys_platform"), get("platform_machine"))
    }
}

/// The interpreter's own site folders (its virtualenv's, else its prefix's), asked as
/// [`Target::query`] asks (`-I -S`: no `.pth` file or other installed code runs).
pub(crate) fn site_dirs(python: &Path) -> Result<Vec<PathBuf>, TargetError> {
    match run_json(python, QUERY, &["--site-dirs".to_string()])? {
        serde_json::Value::Array(dirs) => Ok(dirs.iter().filter_map(|d| d.as_str()).map(PathBuf::from).collect()),
        _ => Err(TargetError::BadAnswer { python: python.to_path_buf(), detail: "no list of site folders".into() }),
    }
}

/// What a locked file is, for choosing among a package's files.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum FileKind {
    /// A wheel: its expanded tags and build number (`(number, rest)`, higher wins ties).
    Wheel { tags: Vec<String>, build: Option<(u64, String)> },
    /// A wheel whose name does not parse: cannot be ruled out.
    BadWheel,
    /// A source distribution (any archive pip builds from).
    Sdist,
    /// Anything else (`.egg`, `.exe`, `.msi`…): pip and Poetry never install it.
    Other,
}

/// Archive extensions pip installs from (besides `.whl`).
const SDIST_EXTENSIONS: [&str; 11] = [".tar.gz", ".tgz", ".tar", ".zip", ".tar.bz2", ".tbz", ".tar.xz", ".txz", ".tlz", ".tar.lz", ".tar.lzma"];

/// Classifies a file by its name (a URL's last segment works too).
pub(crate) fn file_kind(filename: &str) -> FileKind {
    let lower = filename.to_ascii_lowercase();
    if let Some(stem) = lower.strip_suffix(".whl") {
        let parts: Vec<&str> = stem.split('-').collect();
        if !(parts.len() == 5 || parts.len() == 6) || parts.iter().any(|p| p.is_empty()) {
            return FileKind::BadWheel;
        }
        let (py, abi, plat) = (parts[parts.len() - 3], parts[parts.len() - 2], parts[parts.len() - 1]);
        let build = match parts.len() {
            6 => {
                let b = parts[2];
                let digits = b.len() - b.trim_start_matches(|c: char| c.is_ascii_digit()).len();
                match b[..digits].parse() {
                    Ok(n) => Some((n, b[digits..].to_string())),
                    Err(_) => return FileKind::BadWheel, // a build tag starts with a digit
                }
            }
            _ => None,
        };
        let mut tags = Vec::new();
        for p in py.split('.') {
            for a in abi.split('.') {
                for pl in plat.split('.') {
                    tags.push(format!("{p}-{a}-{pl}"));
                }
            }
        }
        return FileKind::Wheel { tags, build };
    }
    if SDIST_EXTENSIONS.iter().any(|ext| lower.ends_with(ext)) { FileKind::Sdist } else { FileKind::Other }
}

/// Runs `python -I -S -c script args…` with a timeout and parses its last stdout line as JSON.
fn run_json(python: &Path, script: &str, args: &[String]) -> Result<serde_json::Value, TargetError> {
    let mut child = Command::new(python)
        .args(["-I", "-S", "-c", script])
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|source| TargetError::Run { python: python.to_path_buf(), source })?;
    // Read both pipes on threads so that a chatty interpreter cannot block on a full pipe.
    let mut out = child.stdout.take().expect("piped stdout");
    let mut err = child.stderr.take().expect("piped stderr");
    let out_thread = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = out.read_to_string(&mut s);
        s
    });
    let err_thread = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = err.read_to_string(&mut s);
        s
    });
    let deadline = Instant::now() + QUERY_TIMEOUT;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(10)),
            Ok(None) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(TargetError::Timeout { python: python.to_path_buf() });
            }
            Err(source) => return Err(TargetError::Run { python: python.to_path_buf(), source }),
        }
    };
    let stdout = out_thread.join().unwrap_or_default();
    let stderr = err_thread.join().unwrap_or_default();
    if !status.success() {
        let last: Vec<&str> = stderr.lines().rev().take(3).collect();
        let stderr = last.into_iter().rev().collect::<Vec<_>>().join(" / ");
        return Err(TargetError::Failed { python: python.to_path_buf(), status: status.to_string(), stderr });
    }
    let line = stdout.lines().rev().find(|l| !l.trim().is_empty()).unwrap_or("");
    serde_json::from_str(line).map_err(|e| TargetError::BadAnswer { python: python.to_path_buf(), detail: format!("{e}: {}", line.chars().take(120).collect::<String>()) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wheel_names_expand_to_their_tags_and_other_files_are_classified() {
        assert_eq!(
            file_kind("numpy-2.1.0-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl"),
            FileKind::Wheel {
                tags: vec!["cp311-cp311-manylinux_2_17_x86_64".into(), "cp311-cp311-manylinux2014_x86_64".into()],
                build: None
            }
        );
        assert_eq!(
            file_kind("six-1.16.0-py2.py3-none-any.whl"),
            FileKind::Wheel { tags: vec!["py2-none-any".into(), "py3-none-any".into()], build: None }
        );
        assert_eq!(
            file_kind("pkg-1.0-2b-py3-none-any.whl"),
            FileKind::Wheel { tags: vec!["py3-none-any".into()], build: Some((2, "b".into())) }
        );
        assert_eq!(file_kind("pkg-1.0-x1-py3-none-any.whl"), FileKind::BadWheel, "a build tag starts with a digit");
        assert_eq!(file_kind("requests.whl"), FileKind::BadWheel);
        assert_eq!(file_kind("pkg-1.0.tar.gz"), FileKind::Sdist);
        assert_eq!(file_kind("pkg-1.0.zip"), FileKind::Sdist);
        assert_eq!(file_kind("pkg-1.0-py2.7.egg"), FileKind::Other);
        assert_eq!(file_kind("pywin32-306.win-amd64-py3.11.exe"), FileKind::Other);
    }

    fn current_python() -> PathBuf {
        crate::install::interpreter::resolve(None, std::env::var_os("VIRTUAL_ENV").as_deref(), std::env::var_os("PATH").as_deref())
            .expect("the test suite needs a Python: a virtualenv or python3 on PATH")
    }

    /// `python_full_version` and `sys_platform`, as the interpreter itself prints them.
    fn own_facts(python: &Path) -> (String, String) {
        let out = Command::new(python).args(["-I", "-c", "import sys, platform; print(platform.python_version()); print(sys.platform)"]).output().expect("run python");
        let text = String::from_utf8(out.stdout).expect("utf-8");
        let mut lines = text.lines().map(str::to_string);
        (lines.next().unwrap_or_default(), lines.next().unwrap_or_default())
    }

    #[test]
    fn the_current_interpreter_answers_with_its_tags_and_markers() {
        let python = current_python();
        let t = Target::query(&python, &[]).expect("query the current interpreter");
        let (version, platform) = own_facts(&python);
        assert_eq!((t.markers["python_full_version"].as_str(), t.markers["sys_platform"].as_str()), (version.as_str(), platform.as_str()));
        assert!(t.rank("py3-none-any").is_some(), "{:?}", &t.tags[..t.tags.len().min(5)]);
        assert_eq!(t.rank(&t.tags[0]), Some(0));
        assert!(t.rank("py3-none-any") > t.rank(&t.tags[0]), "a pure wheel ranks below the platform's own tags");
        let foreign = if platform == "win32" { "cp311-cp311-macosx_11_0_arm64" } else { "cp311-cp311-win_amd64" };
        assert_eq!(t.rank(foreign), None);
    }

    #[cfg(unix)]
    fn script(dir: &Path, name: &str, body: &str) -> PathBuf {
        use std::os::unix::fs::PermissionsExt;
        let p = dir.join(name);
        std::fs::write(&p, format!("#!/bin/sh\n{body}\n")).expect("write");
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        p
    }

    #[cfg(unix)]
    #[test]
    fn an_interpreter_that_cannot_answer_is_an_error_naming_the_way_out() {
        let dir = tempfile::tempdir().expect("tmp");
        let garbage = script(dir.path(), "garbage", "echo 'not json'");
        let failing = script(dir.path(), "failing", "echo boom >&2; exit 3");
        let empty = script(dir.path(), "empty", "echo '{\"tags\": [], \"markers\": {}}'");
        assert!(matches!(Target::query(&garbage, &[]), Err(TargetError::BadAnswer { .. })));
        let e = Target::query(&failing, &[]).expect_err("an error");
        assert!(matches!(e, TargetError::Failed { .. }) && e.to_string().contains("boom"), "{e}");
        assert!(matches!(Target::query(&empty, &[]), Err(TargetError::BadAnswer { .. })));
        let e = Target::query(&dir.path().join("missing"), &[]).expect_err("an error");
        assert!(matches!(e, TargetError::Run { .. }), "{e}");
        assert!(e.hint("poetry safe-pip check").contains("`poetry safe-pip check --all-platforms`"), "{}", e.hint("poetry safe-pip check"));
    }

    #[cfg(unix)]
    #[test]
    fn a_venv_without_pip_borrows_it_and_no_pth_file_of_the_venv_runs() {
        let python = current_python();
        let dir = tempfile::tempdir().expect("tmp");
        let venv = dir.path().join("venv");
        let made = Command::new(&python).args(["-m", "venv", "--without-pip"]).arg(&venv).status().expect("python -m venv");
        assert!(made.success());
        let vpy = venv.join("bin/python");
        let site = std::fs::read_dir(venv.join("lib")).expect("lib").flatten().map(|e| e.path().join("site-packages")).find(|p| p.is_dir()).expect("site-packages");
        let marker = dir.path().join("MARKER");
        std::fs::write(site.join("payload.pth"), format!("import pathlib; pathlib.Path({:?}).write_text('ran')\n", marker.display().to_string())).expect("pth");

        let e = Target::query(&vpy, &[]).expect_err("no pip in the venv and no lender: an error");
        assert!(matches!(e, TargetError::NoPackaging { .. }), "{e}");
        let t = Target::query(&vpy, std::slice::from_ref(&python)).expect("pip lent by the other interpreter");
        assert_eq!(t.markers["python_full_version"], own_facts(&python).0);
        assert!(!marker.exists(), "asking the interpreter ran a .pth payload");
        // The payload is real: a plain start of that interpreter runs it.
        assert!(Command::new(&vpy).args(["-c", "pass"]).status().expect("start").success());
        assert!(marker.exists(), "the .pth fixture did not run on a plain start: the test proves nothing");
    }

    #[test]
    fn ranks_follow_the_tag_list_case_insensitively() {
        let t = Target::new("test", vec!["cp311-cp311-manylinux_2_17_x86_64".into(), "py3-none-any".into()], MarkerEnv::new());
        assert_eq!(t.rank("cp311-cp311-manylinux_2_17_x86_64"), Some(0));
        assert_eq!(t.rank("PY3-none-any"), Some(1));
        assert_eq!(t.rank("cp310-cp310-win_amd64"), None);
    }
}
