//! Python source analysis: parse with ruff's error-recovering parser (with a token-level
//! fallback), then run each detector.
//!
//! Layout: [`model`] is the front-end (`builder` walks statements and expressions,
//! `calls` says what each call means, `fold` folds constants, `resolve` resolves names
//! through the alias map; the result is a [`model::Model`] with flow labels and an
//! execution context per scope), helped by `decode`, `labels`, `lines`, `names` and
//! `prefilter`. [`rules`] holds the detectors, one file each, reading the model; what
//! they share (findings at a call site, clipped evidence, sensitive-path and webhook
//! classifiers) is in [`evidence`] and shell-command shapes in `shellcmd`, below every
//! detector, so no detector imports another and the front-end imports none. This file
//! is the package-level orchestration: [`analyze_package`] runs files in parallel and
//! adds cross-file context (a module imported by setup.py runs at install time), and
//! caps findings per alert and file.

mod decode;
mod depth;
mod evidence;
mod import_graph;
mod labels;
mod lines;
mod model;
mod names;
mod prefilter;
mod rules;
mod script_dirs;
mod sensitive_paths;
mod shellcmd;

#[cfg(test)]
mod tests;

pub use rules::analyze_build_config;

use crate::alerts::AlertId;
use crate::analysis::source::{FileRole, LazySource, SourceFile};
use crate::analysis::context::PackageContext;
use std::borrow::Cow;
use crate::finding::{ExecContext, Finding};
use rules::{minified, pth, run_detectors};
use script_dirs::in_script_dir;
use rayon::prelude::*;
use std::collections::{BTreeMap, HashMap, HashSet};

/// At most this many findings per (alert, file); the rest are summarised.
pub const MAX_PER_ALERT_FILE: usize = 3;

/// Analyse all Python-ish files of one package. Runs per-file analysis in parallel (rayon),
/// then cross-file context (a module imported by setup.py runs at install time).
pub fn analyze_package(files: &[SourceFile], ctx: &PackageContext) -> Vec<Finding> {
    analyze_package_with_scripts(files, &[], ctx)
}

/// True when an archive member is a shell script (`.sh`, `.bash`, a sh/bash shebang):
/// such members are handed to [`analyze_package_with_scripts`] for setup.py to be
/// judged by what the scripts it runs do.
pub fn is_shell_script(path: &str, data: &[u8]) -> bool {
    rules::shipped_script::is_shell_script(path, data)
}

/// [`analyze_package`] with the package's shell scripts: a script that setup.py runs is
/// read as part of the install-time code.
pub fn analyze_package_with_scripts(files: &[SourceFile], scripts: &[SourceFile], ctx: &PackageContext) -> Vec<Finding> {
    let files: Vec<LazySource> = files.iter().map(LazySource::new).collect();
    analyze_sources(&files, scripts, ctx)
}

/// [`analyze_package_with_scripts`] over sources whose text may be held compressed: each
/// text is unpacked only while a pass reads it, and dropped after.
pub fn analyze_sources(files: &[LazySource], scripts: &[SourceFile], ctx: &PackageContext) -> Vec<Finding> {
    let _ = ctx;
    // modules imported by setup scripts run at install time
    let mut install_modules: HashSet<String> = HashSet::new();
    let mut findings: Vec<Finding> = Vec::new();
    let setup: Vec<&LazySource> = files.iter().filter(|f| f.role == FileRole::SetupScript).collect();
    // names of the functions setup.py calls at install time: the ones it imports from
    // local modules run at install time too (`from pre_install import run; run()`)
    let mut install_fns: HashSet<String> = HashSet::new();
    let sink = crate::timings::current();
    let setup_results: Vec<SetupRead> = setup
        .par_iter()
        .map(|f| {
            let _g = crate::timings::Sink::enter(sink.clone());
            let _turn = crate::memory::large_module_turn(f.text_len());
            let text = f.text();
            let m = model::build(f.path, &text, f.role, ExecContext::Install);
            let imports = m.imports.iter().map(|(n, _)| n.clone()).collect();
            let called = m
                .calls
                .iter()
                .filter(|c| m.ctx(c.scope) == ExecContext::Install)
                .map(|c| c.q.rsplit('.').next().unwrap_or(&c.q).to_string())
                .filter(|n| n != "setup" && !n.is_empty())
                .collect();
            let mut out = run_detectors(&m, 0);
            rules::shipped_script::check(&m, scripts, &mut out);
            drop(m);
            crate::memory::analysed(text.len());
            SetupRead { findings: out, imports, called, text: text.into_owned() }
        })
        .collect();
    // the names setup scripts spell, to tell a helper they run from one nothing runs
    let mut setup_texts: Vec<String> = Vec::with_capacity(setup_results.len());
    for r in setup_results {
        findings.extend(r.findings);
        install_modules.extend(r.imports);
        install_fns.extend(r.called);
        setup_texts.push(r.text);
    }
    let setup_text = setup_texts.join("\n");
    let imported = imported_names(files);
    let package_dirs: HashSet<&str> = files
        .iter()
        .filter(|f| f.role == FileRole::PackageInit || f.path.ends_with("/__init__.py"))
        .filter_map(|f| f.path.rsplit_once('/').map(|(d, _)| d))
        .collect();
    // a test/example module that package code imports is package code
    let files: Vec<LazySource> = files
        .iter()
        .map(|f| match f.role {
            FileRole::Auxiliary if imported_by_package_code(f.path, &imported) => LazySource { role: FileRole::Module, ..*f },
            _ => *f,
        })
        .collect();
    drop(imported);
    let on_import = import_graph::run_on_import(&files);
    let rest: Vec<Vec<Finding>> = files
        .par_iter()
        .zip(on_import.par_iter())
        .filter(|(f, _)| f.role != FileRole::SetupScript)
        .map(|(f, &on_import)| {
            let _g = crate::timings::Sink::enter(sink.clone());
            let at_install = f.role != FileRole::PthFile && f.role != FileRole::Auxiliary && imported_by(f.path, &install_modules);
            let fns = if at_install { Some(&install_fns) } else { None };
            let turn = crate::memory::large_module_turn(f.text_len());
            let text = f.text();
            let source = SourceFile { path: f.path, text: &text, role: f.role };
            // pip installs from an sdist what its build puts in the wheel: packages and
            // the modules it names. A module outside every package that setup.py does
            // not name is never installed and never run by installing.
            let mut parts: Vec<&str> = f.path.split('/').collect();
            let base = parts.pop().unwrap_or(f.path);
            let stem = base.strip_suffix(".py").unwrap_or(base);
            // the module or a directory above it (not the sdist's own top directory):
            // `packages=["etherapi"]` installs etherapi/ with or without an __init__.py
            let named = setup_text.contains(stem) || parts.iter().skip(1).any(|d| setup_text.contains(d));
            let left_in_sdist = !setup.is_empty() && !named;
            let found = analyze_file_in(&source, at_install, importable(f.path, &package_dirs), left_in_sdist, on_import, fns);
            drop(text);
            drop(turn);
            crate::memory::analysed(f.text_len());
            found
        })
        .collect();
    for f in rest {
        findings.extend(f);
    }
    cap(findings)
}

/// What reading one setup script gives the rest of the package's analysis.
struct SetupRead {
    findings: Vec<Finding>,
    /// Modules it imports: they run at install time.
    imports: Vec<String>,
    /// Names of the functions it calls at install time.
    called: Vec<String>,
    /// Its text, for the names it spells.
    text: String,
}

/// Turns the byte-level pre-pass off for this process: every module gets the full model
/// (`scan --no-prepass`; also `SAFE_PIP_NO_PREPASS=1`).
pub fn disable_prepass() {
    prefilter::disable();
}

/// Analyse one file on its own. `at_install`: the file is imported by setup.py.
pub fn analyze_file(f: &SourceFile, at_install: bool) -> Vec<Finding> {
    analyze_file_in(f, at_install, true, false, true, None)
}

/// `importable`: the module sits inside a package (or at the root), unlike build and
/// CI scripts elsewhere in an sdist that only run by hand. `left_in_sdist`: the file is
/// in an sdist whose setup script never names it, so a module outside every package is
/// not installed. `on_import`: importing the
/// package runs the module's top level (see [`import_graph`]); otherwise what it does
/// runs when a caller imports or calls it, at runtime. `install_fns`: for a module
/// setup.py imports, the names of the functions setup.py calls at install time; those
/// functions (and what they call) run at install time.
fn analyze_file_in(f: &SourceFile, at_install: bool, importable: bool, left_in_sdist: bool, on_import: bool, install_fns: Option<&HashSet<String>>) -> Vec<Finding> {
    if f.role == FileRole::PthFile {
        return cap(pth::check(f));
    }
    let module_ctx = match f.role {
        FileRole::SetupScript => ExecContext::Install,
        _ if at_install => ExecContext::Install,
        FileRole::PackageInit | FileRole::Module if importable && on_import => ExecContext::Import,
        FileRole::PackageInit | FileRole::Module => ExecContext::Runtime,
        FileRole::Auxiliary | FileRole::PthFile => ExecContext::Runtime,
    };
    let always = matches!(f.role, FileRole::SetupScript | FileRole::PackageInit) || at_install;
    let mut out = Vec::new();
    if !always && prefilter::enabled() && !crate::timings::time(crate::timings::Phase::Model, || prefilter::interesting(f.text)) {
        crate::timings::time(crate::timings::Phase::Rules, || minified::check_text(f.path, f.text, f.role, &mut out));
        return cap(out);
    }
    let mut m = model::build(f.path, f.text, f.role, module_ctx);
    if let Some(fns) = install_fns {
        let entries: Vec<usize> = (0..m.scopes.len()).filter(|&i| m.scopes[i].kind == model::ScopeKind::Function && m.scopes[i].parent == Some(0) && m.scopes[i].class.is_none() && fns.contains(m.scopes[i].name.as_str())).collect();
        for e in entries {
            for s in m.reachable(e) {
                m.scopes[s].ctx = ExecContext::Install;
            }
        }
    }
    out.extend(run_detectors(&m, 0));
    let dormant = f.role == FileRole::Auxiliary || (f.role == FileRole::Module && !importable && !at_install && (in_script_dir(f.path) || left_in_sdist));
    if dormant {
        out = out.into_iter().map(demote_dormant_chain).collect();
    }
    cap(out)
}

/// Chains found in code that neither installing nor importing runs (tests, examples,
/// hand-run scripts) are reported, but do not block: test suites download tools and
/// look up host names for good reasons. Files imported by package or setup code were
/// promoted out of this set before analysis.
fn demote_dormant_chain(f: Finding) -> Finding {
    if !matches!(f.alert, AlertId::DecodeExec | AlertId::DownloadExec | AlertId::Exfiltration | AlertId::ReverseShell | AlertId::HiddenExec) {
        return f;
    }
    let message = format!("{} shape: {}", f.alert.id(), f.message);
    Finding { alert: AlertId::DormantMaliciousCode, message, ..f }
}

/// True when `path` is the file of a module in `modules` (dotted names).
fn imported_by(path: &str, modules: &HashSet<String>) -> bool {
    if modules.is_empty() {
        return false;
    }
    let p = path.strip_suffix(".py").unwrap_or(path);
    let p = p.strip_suffix("/__init__").unwrap_or(p);
    let dotted = p.replace('/', ".");
    modules.iter().any(|m| {
        // skip the stdlib/third-party names setup.py always imports
        !m.is_empty()
            && !matches!(m.split('.').next().unwrap_or(""), "setuptools" | "distutils" | "os" | "sys" | "io" | "re" | "codecs" | "pathlib" | "subprocess" | "glob" | "shutil" | "platform")
            && (dotted == *m || dotted.ends_with(&format!(".{m}")))
    })
}

/// A module is importable when its directory is a package, the archive root, the
/// sdist's top directory or a `src/`/`lib/` layout root.
fn importable(path: &str, package_dirs: &HashSet<&str>) -> bool {
    match path.rsplit_once('/') {
        None => true,
        Some((dir, _)) => {
            package_dirs.contains(dir)
                || !dir.contains('/')
                || dir.rsplit('/').next().map(|d| matches!(d, "src" | "lib" | "python")).unwrap_or(false) && dir.matches('/').count() <= 1
        }
    }
}

/// The identifiers of the import lines of non-auxiliary files: which modules package
/// code imports, and through which parents. Files are read in parallel, each worker
/// into an index of its own, then merged. Identifiers are borrowed from texts at hand,
/// copied from unpacked ones (which are dropped right after).
fn imported_names<'a>(files: &[LazySource<'a>]) -> ImportIndex<'a> {
    files
        .par_iter()
        .filter(|g| matches!(g.role, FileRole::PackageInit | FileRole::Module | FileRole::SetupScript))
        .fold(ImportIndex::default, |mut index, g| {
            let lines = match g.text() {
                Cow::Borrowed(text) => import_lines(text, Cow::Borrowed),
                Cow::Owned(text) => import_lines(&text, |tok| Cow::Owned(tok.to_string())),
            };
            for line in lines {
                index.add_line(line);
            }
            index
        })
        .reduce(ImportIndex::default, ImportIndex::merge)
}

/// The identifiers of one import line.
type ImportLine<'a> = Vec<Cow<'a, str>>;

/// The import lines of `text`, each as its identifiers made by `keep`.
fn import_lines<'a, 't>(text: &'t str, keep: impl Fn(&'t str) -> Cow<'a, str>) -> Vec<ImportLine<'a>> {
    lines::text_lines(text)
        .map(lines::trim_indent)
        .filter(|t| t.starts_with("from ") || t.starts_with("import "))
        .map(|t| t.split(|c: char| !(c.is_alphanumeric() || c == '_')).filter(|tok| !tok.is_empty()).map(&keep).collect())
        .collect()
}

/// The identifiers of every import line of the package's code, each with the ids of
/// the lines naming it (ascending). An index rather than one set per line: the question
/// is asked once per auxiliary file, and a large sdist has thousands of both.
#[derive(Default)]
struct ImportIndex<'a> {
    lines_naming: HashMap<Cow<'a, str>, Vec<u32>>,
    next_line: u32,
}

impl<'a> ImportIndex<'a> {
    /// Adds one import line's identifiers.
    fn add_line(&mut self, line: ImportLine<'a>) {
        let id = self.next_line;
        self.next_line += 1;
        for tok in line {
            let ids = self.lines_naming.entry(tok).or_default();
            if ids.last() != Some(&id) {
                ids.push(id);
            }
        }
    }

    /// Both indexes in one: `other`'s lines are numbered after this one's, so every
    /// list of ids stays ascending.
    fn merge(mut self, other: ImportIndex<'a>) -> ImportIndex<'a> {
        let offset = self.next_line;
        for (tok, ids) in other.lines_naming {
            self.lines_naming.entry(tok).or_default().extend(ids.into_iter().map(|id| id + offset));
        }
        self.next_line += other.next_line;
        self
    }

    /// Some import line names both `a` and `b`.
    fn one_line_names_both(&self, a: &str, b: &str) -> bool {
        let (Some(xs), Some(ys)) = (self.lines_naming.get(a), self.lines_naming.get(b)) else { return false };
        let (mut i, mut j) = (0, 0);
        while i < xs.len() && j < ys.len() {
            match xs[i].cmp(&ys[j]) {
                std::cmp::Ordering::Less => i += 1,
                std::cmp::Ordering::Greater => j += 1,
                std::cmp::Ordering::Equal => return true,
            }
        }
        false
    }
}

/// True when package code imports the module at `path` (malware hides in `tests/` and
/// imports it from `__init__.py`). The import must name the module together with its
/// parent directory (`from tests import payload`), so a test helper called `utils` is not
/// taken for the package's own `utils`.
fn imported_by_package_code(path: &str, imported: &ImportIndex) -> bool {
    let mut parts = path.rsplit('/');
    let file = parts.next().unwrap_or(path);
    let (stem, parent) = match file.strip_suffix(".py") {
        Some("__init__") => (parts.next().unwrap_or(""), parts.next().unwrap_or("")),
        Some(s) => (s, parts.next().unwrap_or("")),
        None => return false,
    };
    if stem.len() < 3 || stem == "conftest" || stem.starts_with("test") {
        return false;
    }
    if parent.is_empty() {
        return imported.lines_naming.contains_key(stem);
    }
    imported.one_line_names_both(stem, parent)
}

/// Noise control: at most [`MAX_PER_ALERT_FILE`] findings per (alert, file), strongest
/// context first; the last kept one says how many more there were.
fn cap(mut findings: Vec<Finding>) -> Vec<Finding> {
    let mut groups: BTreeMap<(AlertId, String), Vec<Finding>> = BTreeMap::new();
    findings.sort_by_key(|f| (f.line.unwrap_or(0), f.message.clone()));
    findings.dedup_by(|a, b| a.alert == b.alert && a.file == b.file && a.line == b.line && a.message == b.message);
    for f in findings {
        groups.entry((f.alert, f.file.clone())).or_default().push(f);
    }
    let mut out = Vec::new();
    for (_, mut g) in groups {
        g.sort_by_key(|f| (ctx_rank(f.context), f.line.unwrap_or(0)));
        let extra = g.len().saturating_sub(MAX_PER_ALERT_FILE);
        g.truncate(MAX_PER_ALERT_FILE);
        if extra > 0 {
            if let Some(last) = g.last_mut() {
                last.message.push_str(&format!(" (and {extra} more in this file)"));
            }
        }
        out.extend(g);
    }
    out.sort_by(|a, b| (&a.file, a.line, a.alert).cmp(&(&b.file, b.line, b.alert)));
    out
}

fn ctx_rank(c: Option<ExecContext>) -> u8 {
    match c {
        Some(ExecContext::Install) => 0,
        Some(ExecContext::Import) => 1,
        Some(ExecContext::Runtime) => 2,
        None => 3,
    }
}
