//! `sourceless-bytecode`: a Python module installed as compiled bytecode only.
//!
//! **What it detects.** A `.pyc` file in a wheel or egg, outside `__pycache__/`, with
//! Python's bytecode header (a 2-byte version magic then `\r\n`) and no `.py` source of
//! the same name beside it. Python's import system loads such a file directly
//! (`SourcelessFileLoader`): `import x` runs `x.pyc` when there is no `x.py`. A `.pyc`
//! inside `__pycache__/` is a cache, used only next to its source, and is not reported.
//!
//! **Why it is risky.** Everything else this analysis says about a package comes from
//! reading its source. Bytecode shipped in place of source runs on import like any
//! module, and none of it was read: a dropper or a stealer compiled to `.pyc` passes
//! every source rule. A few vendors ship bytecode-only releases to hide their code; that
//! is for a person to accept, not for a tool to assume.
//!
//! **Example.** `tool-1.0-py3-none-any.whl` holding `tool/__init__.py`
//! (`from .core import run`) and `tool/core.pyc`, with no `tool/core.py`. Not flagged:
//! `tool/__pycache__/core.cpython-312.pyc` beside `tool/core.py`, and any `.pyc` in an
//! sdist (its build installs the modules it names, compiled from source, not the
//! bytecode files it happens to carry).
//!
//! **Remedy.** Ask the project for the source of the module, or decompile it and review
//! what it does before installing.

use crate::alerts::AlertId;
use crate::artifact::{Artifact, ArtifactKind, Member};
use crate::finding::Finding;
use std::collections::HashSet;

/// Findings beyond this are summarised in the last one.
const MAX_FINDINGS: usize = 10;

/// Runs the detector.
pub fn check(artifact: &Artifact) -> Vec<Finding> {
    if !matches!(artifact.kind, ArtifactKind::Wheel | ArtifactKind::Egg) {
        return Vec::new();
    }
    let sources: HashSet<&str> = artifact.own_members().filter_map(|m| m.path.strip_suffix(".py")).collect();
    let hits: Vec<&Member> = artifact.own_members().filter(|m| importable_bytecode(m) && !has_source(&m.path, &sources)).collect();
    super::at_most(hits, MAX_FINDINGS, "bytecode-only modules", |m| {
        let module = m.path.rsplit('/').next().unwrap_or(&m.path);
        let module = &module[..module.len() - 4];
        let message = format!("module `{module}` is installed as bytecode only ({} bytes, no `{module}.py` beside it): importing it runs code no source shows", m.size);
        let magic = crate::hex::hex(&m.head[..m.head.len().min(4)]);
        Finding::new(AlertId::SourcelessBytecode, m.path.as_str(), message).with_evidence(&format!("bytecode header {magic}"))
    })
}

/// A `.pyc` that Python would import by itself: where installing puts importable code
/// (not the distribution's metadata, not a wheel's scripts or data), outside
/// `__pycache__/`, with a bytecode header.
fn importable_bytecode(m: &Member) -> bool {
    let lower = m.path.to_ascii_lowercase();
    let mut dirs = lower.split('/');
    let top = dirs.next().unwrap_or("");
    let installed_importable = if top.ends_with(".data") {
        matches!(dirs.next(), Some("purelib" | "platlib"))
    } else {
        !(top.ends_with(".dist-info") || top == "egg-info" || top.ends_with(".egg-info"))
    };
    lower.ends_with(".pyc") && installed_importable && !lower.split('/').any(|d| d == "__pycache__") && m.head.len() >= 4 && m.head[2..4] == *b"\r\n"
}

/// `dir/name.py` is in the archive for `dir/name.pyc`.
fn has_source(pyc: &str, sources: &HashSet<&str>) -> bool {
    sources.contains(&pyc[..pyc.len() - 4])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::package::testutil::*;

    /// A CPython 3.12 bytecode header (magic 0x0dcb, `\r\n`, flags, mtime, size) and a
    /// code object's first bytes.
    fn pyc() -> Vec<u8> {
        let mut b = vec![0xcb, 0x0d, b'\r', b'\n', 0, 0, 0, 0, 0, 0, 0, 0, 10, 0, 0, 0, 0xe3];
        b.resize(200, 0);
        b
    }

    fn run(filename: &str, kind: ArtifactKind, members: Vec<Member>) -> Vec<Finding> {
        check(&artifact(filename, kind, members))
    }

    #[test]
    fn bytecode_installed_without_its_source_is_flagged() {
        let f = run(
            "tool-1.0-py3-none-any.whl",
            ArtifactKind::Wheel,
            vec![member("tool/__init__.py", b"from .core import run\n"), binary("tool/core.pyc", &pyc())],
        );
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!((f[0].alert, f[0].file.as_str()), (AlertId::SourcelessBytecode, "tool/core.pyc"));
        assert!(f[0].message.contains("module `core` is installed as bytecode only"), "{}", f[0].message);
        // the same in a wheel's purelib data directory, which installs into site-packages
        let f = run("tool-1.0-py3-none-any.whl", ArtifactKind::Wheel, vec![binary("tool-1.0.data/purelib/tool/core.pyc", &pyc())]);
        assert_eq!(f.len(), 1, "{f:?}");
    }

    #[test]
    fn caches_sources_sdists_and_lookalikes_are_not() {
        // bytecode caches beside their sources, and a .pyc beside its own source
        let f = run(
            "tool-1.0-py3-none-any.whl",
            ArtifactKind::Wheel,
            vec![
                member("tool/core.py", b"x = 1\n"),
                binary("tool/__pycache__/core.cpython-312.pyc", &pyc()),
                binary("tool/__pycache__/gone.cpython-312.pyc", &pyc()),
                binary("tool/util.pyc", &pyc()),
                member("tool/util.py", b"y = 2\n"),
            ],
        );
        assert!(f.is_empty(), "{f:?}");
        // a wheel's scripts and data are installed outside the import path
        assert!(run("tool-1.0-py3-none-any.whl", ArtifactKind::Wheel, vec![binary("tool-1.0.data/data/share/tool/x.pyc", &pyc())]).is_empty());
        // an sdist's stray bytecode is not what its build installs
        assert!(run("tool-1.0.tar.gz", ArtifactKind::Sdist, vec![binary("tool-1.0/tool/core.pyc", &pyc())]).is_empty());
        // a file named .pyc that is no bytecode cannot be imported
        assert!(run("tool-1.0-py3-none-any.whl", ArtifactKind::Wheel, vec![binary("tool/notes.pyc", b"just text, not bytecode")]).is_empty());
    }
}
