//! Which modules `import <package>` runs: the package's own import graph.
//!
//! Module-level code runs at import only in the modules an import of a top-level
//! package or module reaches: its `__init__.py`, what that imports at module level,
//! and so on. A submodule nothing imports (`numpy/distutils/…`, a plotting backend, a
//! CLI's `__main__`) runs only when someone imports or calls it, so what it does is
//! runtime behaviour. The graph is read from the import statements' text (module
//! level only: imports inside a `def` run on the call), cheaply and without a parse.

use crate::analysis::source::{FileRole, LazySource};
use std::borrow::Cow;
use rayon::prelude::*;
use std::collections::{HashMap, HashSet};

/// For each file, true when importing the package (or top-level module) it belongs to
/// runs its module-level code. Files that are not importable code (setup scripts,
/// tests, `.pth`) are false.
pub(crate) fn run_on_import(files: &[LazySource]) -> Vec<bool> {
    let package_dirs: HashSet<&str> = files
        .iter()
        .filter(|f| f.path.ends_with("/__init__.py") || f.path == "__init__.py")
        .map(|f| f.path.rsplit_once('/').map(|(d, _)| d).unwrap_or(""))
        .collect();
    // dotted module name of each importable file
    let mut by_name: HashMap<String, usize> = HashMap::new();
    let mut reached = vec![false; files.len()];
    let mut dotted: Vec<Option<String>> = Vec::with_capacity(files.len());
    for (i, f) in files.iter().enumerate() {
        let name = match f.role {
            FileRole::Module | FileRole::PackageInit => module_name(f.path, &package_dirs),
            _ => None,
        };
        if let Some(n) = &name {
            by_name.entry(n.clone()).or_insert(i);
        } else if matches!(f.role, FileRole::Module | FileRole::PackageInit) && f.path.ends_with(".py") && !unimportable_script(f.path, &package_dirs) {
            // a path no import statement can name (`my-pkg/__init__.py`): the graph
            // cannot say, so the file keeps the package's import context
            reached[i] = true;
        }
        dotted.push(name);
    }
    let setup_texts: Vec<Cow<str>> = files.iter().filter(|f| f.role == FileRole::SetupScript).map(|f| f.text()).collect();
    let mut level: Vec<usize> = Vec::new();
    for (i, f) in files.iter().enumerate() {
        let Some(name) = &dotted[i] else { continue };
        // entry points: top-level packages and modules where an import finds them
        if !name.contains('.') && top_level_location(f.path, name) && !sdist_root_script(f, &setup_texts) {
            reached[i] = true;
            level.push(i);
        }
    }
    // walked a level at a time, each level's texts read in parallel, a batch at a time:
    // what is reached does not depend on the order, and only a batch's imports are held
    while !level.is_empty() {
        let mut next = Vec::new();
        for batch in level.chunks(WALK_BATCH) {
            let imports: Vec<Vec<String>> = batch
                .par_iter()
                .map(|&i| match dotted[i].as_deref() {
                    Some(me) => module_level_imports(&files[i].text(), me, files[i].path.ends_with("__init__.py")),
                    None => Vec::new(),
                })
                .collect();
            for target in imports.iter().flatten() {
                for candidate in with_parents(target) {
                    if let Some(&j) = resolve(&candidate, &by_name) {
                        if !reached[j] {
                            reached[j] = true;
                            next.push(j);
                        }
                    }
                }
            }
        }
        level = next;
    }
    reached
}

/// Modules whose imports are read at once while walking the graph.
const WALK_BATCH: usize = 64;

/// `a.b.c` → `a`, `a.b`, `a.b.c`: importing a submodule runs its parents' `__init__`.
fn with_parents(name: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut acc = String::new();
    for part in name.split('.') {
        if !acc.is_empty() {
            acc.push('.');
        }
        acc.push_str(part);
        out.push(acc.clone());
    }
    out
}

/// The module a dotted import names, trying the full name first and then without
/// leading parts (namespace packages such as `google.cloud.storage` have no
/// `__init__.py` above `storage`, so their files are known by the shorter name).
fn resolve<'m>(name: &str, by_name: &'m HashMap<String, usize>) -> Option<&'m usize> {
    let mut rest = name;
    loop {
        if let Some(i) = by_name.get(rest) {
            return Some(i);
        }
        rest = rest.split_once('.')?.1;
    }
}

/// Dotted name of a file: its path from the topmost directory of the chain of
/// package directories (those with an `__init__.py`) that holds it.
/// A file inside a package whose own name no import statement can spell
/// (`bcp47/generate-bcp47.py`): a script run by path, never by `import`.
fn unimportable_script(path: &str, package_dirs: &HashSet<&str>) -> bool {
    let Some((dir, file)) = path.rsplit_once('/') else { return false };
    let stem = file.strip_suffix(".py").unwrap_or(file);
    file != "__init__.py" && package_dirs.contains(dir) && !is_identifier(stem)
}

fn module_name(path: &str, package_dirs: &HashSet<&str>) -> Option<String> {
    let stem = path.strip_suffix(".py").or_else(|| path.strip_suffix(".pyw"))?;
    let mut parts: Vec<&str> = stem.split('/').collect();
    if parts.last() == Some(&"__init__") {
        parts.pop();
    }
    let file_dir_len = if path.ends_with("__init__.py") { parts.len() } else { parts.len() - 1 };
    // walk up while the directory is a package
    let mut top = file_dir_len;
    while top > 0 {
        let dir = parts[..top].join("/");
        if !package_dirs.contains(dir.as_str()) {
            break;
        }
        top -= 1;
    }
    let name_parts = &parts[top..];
    if name_parts.is_empty() || !name_parts.iter().all(|p| is_identifier(p)) {
        return None;
    }
    Some(name_parts.join("."))
}

/// A top-level package or module sits where an installed distribution or an sdist
/// puts it: the archive root, under the sdist's top directory, a `src/`/`lib/`/
/// `python/` layout root, or below directories without `__init__.py` that are
/// themselves importable names (namespace packages such as `google/cloud/`). Build and
/// CI scripts (`tools/`, `scripts/` …) are not imported by a user.
fn top_level_location(path: &str, name: &str) -> bool {
    let file_part = if path.ends_with("__init__.py") { format!("{name}/__init__.py") } else { format!("{name}.py") };
    let Some(dir) = path.strip_suffix(file_part.as_str()) else { return false };
    let mut parts: Vec<&str> = dir.trim_end_matches('/').split('/').filter(|p| !p.is_empty()).collect();
    if parts.first().is_some_and(|p| !is_identifier(p)) {
        parts.remove(0); // the sdist's `name-1.0/`
    }
    if parts.first().is_some_and(|p| matches!(*p, "src" | "lib" | "python")) {
        parts.remove(0);
    }
    parts.iter().all(|p| is_identifier(p) && !super::script_dirs::is_script_dir(p))
}

/// A loose module at an sdist's root that the distribution does not install: setup.py
/// does not name it (`py_modules=["six"]`), or, without a setup.py, it is not the
/// project's own single module. Maintainer scripts (`release.py`, `run_tests.py`) sit
/// there and are never imported by a user.
fn sdist_root_script(f: &LazySource, setup_texts: &[Cow<str>]) -> bool {
    let mut parts = f.path.split('/');
    let (Some(root), Some(file), None) = (parts.next(), parts.next(), parts.next()) else { return false };
    if is_identifier(root) || file == "__init__.py" {
        return false;
    }
    let stem = file.trim_end_matches(".pyw").trim_end_matches(".py");
    if setup_texts.is_empty() {
        // `project-1.0/`: a flit-style single-module project names its module after itself
        let project = root.rsplit_once('-').map(|(n, _)| n).unwrap_or(root).to_ascii_lowercase().replace(['-', '.'], "_");
        return project != stem.to_ascii_lowercase();
    }
    !setup_texts.iter().any(|t| t.contains(&format!("'{stem}'")) || t.contains(&format!("\"{stem}\"")))
}

fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_alphabetic() || c == '_') && chars.all(|c| c.is_alphanumeric() || c == '_')
}

/// Dotted names a module imports at module level (including under `if`/`try`, not
/// inside `def`): `import a.b` → `a.b`; `from x import y` → `x`, `x.y`; relative
/// imports resolved against `me`.
fn module_level_imports(text: &str, me: &str, is_package: bool) -> Vec<String> {
    let mut out = Vec::new();
    let mut def_indent: Option<usize> = None;
    let mut lines = super::lines::text_lines(text);
    // inside a triple-quoted string (docstrings show `import x` examples)
    let mut in_string: Option<u8> = None;
    while let Some(line) = lines.next() {
        if let Some(q) = in_string {
            if triple_quotes(line, q) % 2 == 1 {
                in_string = None;
            }
            continue;
        }
        for q in [b'"', b'\''] {
            if triple_quotes(line, q) % 2 == 1 {
                in_string = Some(q);
            }
        }
        if in_string.is_some() {
            continue;
        }
        let trimmed = super::lines::trim_indent(line);
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let indent = line.len() - trimmed.len();
        if let Some(d) = def_indent {
            if indent > d {
                continue;
            }
            def_indent = None;
        }
        if trimmed.starts_with("def ") || trimmed.starts_with("async def ") {
            def_indent = Some(indent);
            continue;
        }
        let stmt = if trimmed.starts_with("from ") || trimmed.starts_with("import ") {
            let mut s = trimmed.split('#').next().unwrap_or("").to_string();
            // parenthesised or backslash-continued import lists
            let mut guard = 0;
            while (s.contains('(') && !s.contains(')') || s.trim_end().ends_with('\\')) && guard < 200 {
                let Some(next) = lines.next() else { break };
                s = s.trim_end().trim_end_matches('\\').to_string();
                s.push(' ');
                s.push_str(next.split('#').next().unwrap_or(""));
                guard += 1;
            }
            s
        } else {
            continue;
        };
        for part in stmt.split(';') {
            parse_import(part.trim(), me, is_package, &mut out);
        }
    }
    out
}

/// How many times `q` three times over occurs in `line`, counted left to right without
/// overlap (what `str::matches(..).count()` gives, without building a searcher per
/// line: most lines hold no quote at all).
fn triple_quotes(line: &str, q: u8) -> usize {
    let b = line.as_bytes();
    let Some(mut i) = memchr::memchr(q, b) else { return 0 };
    let mut n = 0;
    while i + 3 <= b.len() {
        if b[i] == q && b[i + 1] == q && b[i + 2] == q {
            n += 1;
            i += 3;
        } else {
            i += 1;
        }
    }
    n
}

fn parse_import(stmt: &str, me: &str, is_package: bool, out: &mut Vec<String>) {
    let clean = |s: &str| s.replace(['(', ')', '\\'], " ");
    if let Some(rest) = stmt.strip_prefix("import ") {
        for item in clean(rest).split(',') {
            let name = item.split_whitespace().next().unwrap_or("");
            if !name.is_empty() && name.split('.').all(is_identifier) {
                out.push(name.to_string());
            }
        }
    } else if let Some(rest) = stmt.strip_prefix("from ") {
        let Some((module, names)) = rest.split_once(" import ") else { return };
        let module = module.trim();
        let dots = module.len() - module.trim_start_matches('.').len();
        let base = if dots > 0 {
            // `.` is this package (or this module's package), each further dot one up
            let mut pkg: Vec<&str> = me.split('.').collect();
            if !is_package {
                pkg.pop();
            }
            for _ in 1..dots {
                pkg.pop();
            }
            let tail = &module[dots..];
            let mut b = pkg.join(".");
            if !tail.is_empty() {
                if !b.is_empty() {
                    b.push('.');
                }
                b.push_str(tail);
            }
            b
        } else {
            module.to_string()
        };
        if base.is_empty() || !base.split('.').all(is_identifier) {
            return;
        }
        out.push(base.clone());
        for item in clean(names).split(',') {
            let name = item.split_whitespace().next().unwrap_or("");
            if is_identifier(name) {
                out.push(format!("{base}.{name}"));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::source::SourceFile;

    /// The graph of sources whose texts are at hand.
    fn run_on_import(files: &[SourceFile]) -> Vec<bool> {
        super::run_on_import(&files.iter().map(LazySource::new).collect::<Vec<_>>())
    }

    fn file<'a>(path: &'a str, text: &'a str) -> SourceFile<'a> {
        let role = if path.ends_with("__init__.py") { FileRole::PackageInit } else { FileRole::Module };
        SourceFile { path, text, role }
    }

    #[test]
    fn triple_quotes_are_counted_as_str_matches_counts_them() {
        let lines = ["", "x = 1", "DDDdocDDD", "SSSSSS", "DDDD", "DDDDDDD", "aSSSbSSScSSS", "DSDDSDDD", "SS S SSS"];
        for line in lines.map(|l| l.replace('D', "\"").replace('S', "'")) {
            for q in [b'"', b'\''] {
                let pat = String::from_utf8(vec![q; 3]).unwrap();
                assert_eq!(triple_quotes(&line, q), line.matches(pat.as_str()).count(), "{line:?} {pat}");
            }
        }
    }

    #[test]
    fn only_what_the_package_init_reaches_runs_on_import() {
        let files = [
            file("pkg/__init__.py", "from .core import run\nfrom . import util as u\n"),
            file("pkg/core.py", "import os\nfrom pkg.sub import thing\n\ndef lazy():\n    from pkg import plugins\n"),
            file("pkg/util.py", ""),
            file("pkg/sub/__init__.py", "from .deep import x\n"),
            file("pkg/sub/deep.py", ""),
            file("pkg/plugins.py", "import subprocess\n"),
            file("pkg/distutils/command/build_ext.py", "class build_ext: pass\n"),
            file("pkg/distutils/__init__.py", ""),
            file("pkg/distutils/command/__init__.py", ""),
            file("pkg/__main__.py", "from .core import run\nrun()\n"),
        ];
        let reached = run_on_import(&files);
        let got: Vec<&str> = files.iter().zip(&reached).filter(|(_, r)| **r).map(|(f, _)| f.path).collect();
        assert_eq!(got, ["pkg/__init__.py", "pkg/core.py", "pkg/util.py", "pkg/sub/__init__.py", "pkg/sub/deep.py"]);
    }

    #[test]
    fn sdist_layouts_and_namespace_packages() {
        let files = [
            file("proj-1.0/src/pkg/__init__.py", "from pkg import (\n    a,\n    b,\n)\n"),
            file("proj-1.0/src/pkg/a.py", ""),
            file("proj-1.0/src/pkg/b.py", ""),
            file("proj-1.0/src/pkg/c.py", ""),
            file("proj-1.0/tools/release.py", "import subprocess\n"),
            file("proj-1.0/proj.py", "import json\n"),
            file("google/cloud/storage/__init__.py", "from google.cloud.storage.blob import Blob\n"),
            file("google/cloud/storage/blob.py", ""),
            file("google/cloud/storage/_http.py", ""),
        ];
        let reached = run_on_import(&files);
        let got: Vec<&str> = files.iter().zip(&reached).filter(|(_, r)| **r).map(|(f, _)| f.path).collect();
        assert_eq!(
            got,
            [
                "proj-1.0/src/pkg/__init__.py",
                "proj-1.0/src/pkg/a.py",
                "proj-1.0/src/pkg/b.py",
                "proj-1.0/proj.py",
                "google/cloud/storage/__init__.py",
                "google/cloud/storage/blob.py"
            ]
        );
    }

    #[test]
    fn imports_in_docstrings_are_examples() {
        let text = "\"\"\"\nUsage:\n    import pkg.heavy as h\n\"\"\"\nfrom . import light\n";
        assert_eq!(module_level_imports(text, "pkg", true), ["pkg", "pkg.light"]);
    }

    #[test]
    fn sdist_root_scripts_are_not_imported() {
        let files = [
            file("proj-1.0/release.py", "import subprocess\nsubprocess.run(['twine'])\n"),
            file("proj-1.0/six.py", "import sys\n"),
            SourceFile { path: "proj-1.0/setup.py", text: "setup(py_modules=['six'])\n", role: FileRole::SetupScript },
        ];
        assert_eq!(run_on_import(&files), [false, true, false]);
        // no setup.py: the module named after the project is the one installed
        let files = [file("mymod-2.0/mymod.py", ""), file("mymod-2.0/tasks.py", "")];
        assert_eq!(run_on_import(&files), [true, false]);
    }

    #[test]
    fn relative_imports_climb_packages() {
        let mut out = Vec::new();
        parse_import("from ..base import thing, other as o", "pkg.sub.mod", false, &mut out);
        assert_eq!(out, ["pkg.base", "pkg.base.thing", "pkg.base.other"]);
        out.clear();
        parse_import("from . import mod", "pkg.sub", true, &mut out);
        assert_eq!(out, ["pkg.sub", "pkg.sub.mod"]);
    }
}
