//! Which Python to install into: `--python PATH` (an interpreter or a virtualenv
//! folder, as pip's own `--python`), else the active virtualenv's `python`, else the
//! interpreter running safe-pip's Python package (`python -m safe_pip`, the `safe-pip`
//! console script), else `python3` / `python` on PATH.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

static FRONT_PYTHON: OnceLock<PathBuf> = OnceLock::new();

/// Called by the Python extension with `sys.executable` before it runs the CLI.
#[cfg(feature = "python")]
pub(crate) fn set_front_python(path: PathBuf) {
    let _ = FRONT_PYTHON.set(path);
}

/// The interpreter of safe-pip's Python front, when running inside one.
pub(crate) fn front_python() -> Option<&'static Path> {
    FRONT_PYTHON.get().map(PathBuf::as_path)
}

#[derive(Debug, thiserror::Error)]
pub enum InterpreterError {
    #[error("--python {}: no such file or virtualenv", path.display())]
    NotFound { path: PathBuf },
    #[error("no Python interpreter found (no active virtualenv, no python3 or python on PATH)")]
    NoneFound,
}

impl crate::error::Hint for InterpreterError {
    fn hint(&self) -> String {
        String::from(match self {
            InterpreterError::NotFound { .. } => "pass a python executable or a virtualenv folder: --python .venv",
            InterpreterError::NoneFound => "activate a virtualenv or pass --python PATH",
        })
    }
}

fn venv_python(dir: &Path) -> Option<PathBuf> {
    let candidates: &[&str] = if cfg!(windows) { &["Scripts/python.exe"] } else { &["bin/python", "bin/python3"] };
    candidates.iter().map(|c| dir.join(c)).find(|p| p.is_file())
}

fn on_path(name: &str, path_var: Option<&std::ffi::OsStr>) -> Option<PathBuf> {
    let exe = if cfg!(windows) { format!("{name}.exe") } else { name.to_string() };
    std::env::split_paths(path_var?).map(|d| d.join(&exe)).find(|p| p.is_file())
}

/// Picks the interpreter from the flag, `VIRTUAL_ENV`, the Python front and `PATH`.
pub(crate) fn resolve(flag: Option<&Path>, virtual_env: Option<&std::ffi::OsStr>, path_var: Option<&std::ffi::OsStr>) -> Result<PathBuf, InterpreterError> {
    if let Some(p) = flag {
        if p.is_dir() {
            return venv_python(p).ok_or_else(|| InterpreterError::NotFound { path: p.to_path_buf() });
        }
        if p.is_file() {
            return Ok(p.to_path_buf());
        }
        // A bare name such as `python3.12`.
        if p.components().count() == 1 {
            if let Some(found) = on_path(&p.to_string_lossy(), path_var) {
                return Ok(found);
            }
        }
        return Err(InterpreterError::NotFound { path: p.to_path_buf() });
    }
    if let Some(found) = virtual_env.filter(|v| !v.is_empty()).and_then(|v| venv_python(Path::new(v))) {
        return Ok(found);
    }
    if let Some(front) = front_python() {
        return Ok(front.to_path_buf());
    }
    on_path("python3", path_var).or_else(|| on_path("python", path_var)).ok_or(InterpreterError::NoneFound)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flag_then_virtualenv_then_path() {
        let tmp = tempfile::tempdir().unwrap();
        let venv = tmp.path().join("venv");
        std::fs::create_dir_all(venv.join("bin")).unwrap();
        std::fs::write(venv.join("bin/python"), "").unwrap();
        let bin = tmp.path().join("bin");
        std::fs::create_dir_all(&bin).unwrap();
        std::fs::write(bin.join("python3"), "").unwrap();
        let path_var = std::env::join_paths([&bin]).unwrap();
        assert_eq!(resolve(Some(&venv), None, Some(&path_var)).unwrap(), venv.join("bin/python"));
        assert_eq!(resolve(None, Some(venv.as_os_str()), Some(&path_var)).unwrap(), venv.join("bin/python"));
        assert_eq!(resolve(Some(Path::new("python3")), None, Some(&path_var)).unwrap(), bin.join("python3"));
        assert!(matches!(resolve(Some(&tmp.path().join("nope")), None, None), Err(InterpreterError::NotFound { .. })));
        if front_python().is_none() {
            assert_eq!(resolve(None, None, Some(&path_var)).unwrap(), bin.join("python3"));
        }
    }
}
