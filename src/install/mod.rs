//! `safe-pip install ARGS…`: the real pip of the target interpreter, run behind the
//! checking proxy, with everything that would bypass an index vetted first.
//!
//! Order of work (nothing is downloaded before the name check; pip installs nothing
//! before every source it can reach is the proxy or a vetted local copy):
//! 1. split pip's arguments ([`pip_args`]) and start the pip process of the target
//!    interpreter, which reports pip's own reading of its options ([`pip_child`]);
//! 2. collect what is requested ([`requested`]) and refuse typosquats ([`name_check`]);
//! 3. vet local archives/folders and direct URLs, refuse VCS ([`bypass`]);
//! 4. rewrite requirements files without index lines ([`reqfile`]), work out the
//!    effective indexes and find-links locations ([`sources`]), vet find-links folders;
//! 5. start the proxy with one route per index ([`guard`]); pip runs with
//!    `PIP_INDEX_URL`/`PIP_EXTRA_INDEX_URL` pointing at the routes, its index options
//!    removed from the arguments, and re-checks the final arguments with its own parser;
//! 6. the summary ([`summary`], [`summary_json`]) is built from the proxy's verdicts
//!    and the wrapper's own ([`outcome`]).

pub(crate) mod bypass;
pub(crate) mod confusion_gate;
pub(crate) mod direct_url;
pub(crate) mod guard;
pub(crate) mod interpreter;
pub(crate) mod judge;
pub(crate) mod name_check;
pub(crate) mod outcome;
pub(crate) mod pip_args;
pub(crate) mod pip_child;
pub(crate) mod progress;
pub(crate) mod reqfile;
pub(crate) mod requested;
pub(crate) mod sources;
pub(crate) mod summary;
pub(crate) mod summary_json;

use crate::analysis::metadata::MetadataPolicy;
use crate::analysis::names::InternalPolicy;
use crate::error::{Error, Hint};
use crate::index::{DiscoveryInputs, IndexClient, IndexSettings, discover, redact};
use crate::gate::Gate;
use crate::pipeline::ScanOptions;
use outcome::{CheckedFile, Outcome};
use pip_args::{Item, OptKind, Table};
use pip_child::{PipChild, Reported, RunPlan};
use progress::Progress;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// Everything one install needs, resolved by the CLI.
#[derive(Clone, Debug)]
pub(crate) struct InstallOptions {
    pub python: PathBuf,
    /// pip's arguments after `install`, without safe-pip's own options.
    pub pip_args: Vec<String>,
    pub allow_unverified: bool,
    pub db: Option<PathBuf>,
    /// `--no-db`: analyse everything, record nothing.
    pub no_db: bool,
    pub scan: ScanOptions,
    pub metadata: MetadataPolicy,
    pub internal: InternalPolicy,
}

/// Loopback names every proxied pip must reach directly, whatever HTTP proxy is set.
const LOOPBACK: &str = "127.0.0.1,localhost,::1";


/// Why a run ends before pip installs anything: an error to report, or the outcome is
/// complete as it is (refused requirements, pip's parser printed its usage or help).
/// Returning it drops the pip child, which ends it without running pip.
enum Stop {
    Error(Error),
    Done,
}

impl Stop {
    fn error(message: impl Into<String>, hint: impl Into<String>) -> Stop {
        Stop::Error(Error::new(message, hint))
    }
}

impl<E: Hint> From<E> for Stop {
    fn from(e: E) -> Stop {
        Stop::Error(e.into())
    }
}

/// Runs one install and returns what happened; never panics on user input.
pub(crate) fn run(opts: &InstallOptions, progress: &Arc<Progress>) -> Outcome {
    let mut out = Outcome::default();
    match run_steps(opts, progress, &mut out) {
        Ok(()) | Err(Stop::Done) => out,
        Err(Stop::Error(e)) => Outcome { error: Some(e), ..out },
    }
}

/// The steps of the module doc, in order; pip runs only if every one before it passed.
fn run_steps(opts: &InstallOptions, progress: &Arc<Progress>, out: &mut Outcome) -> Result<(), Stop> {
    let items = pip_args::parse(&opts.pip_args, Table::Command).map_err(|e| Stop::error(format!("pip would refuse these arguments: {e}"), "see `pip install --help`"))?;
    let mut child = PipChild::spawn(&opts.python, &opts.pip_args)?;

    // 2. What is requested, and the name check (no network).
    let (requested, reqfiles) = collect_requested(&items)?;
    let (refused, warnings) = name_check::check_names(&requested.names, &opts.scan.policy);
    out.notes.extend(warnings);
    if !refused.is_empty() {
        out.refused = refused;
        return Err(Stop::Done);
    }

    // pip's own reading of its options.
    let pip_opts = pip_options(&mut child, opts, progress, out)?;
    let mut discovery_args = vec!["install".to_string()];
    discovery_args.extend(opts.pip_args.iter().cloned());
    let base = match discover(&DiscoveryInputs::from_process(&discovery_args)) {
        Ok(s) => s,
        Err(_) if pip_opts.is_some() => IndexSettings::default(),
        Err(e) => return Err(e.into()),
    };
    // An HTTP client for direct URLs, only when there are some (building one loads CAs).
    let client = if requested.bypasses.iter().any(|b| matches!(b, requested::Bypass::Url { .. })) {
        let client_settings = sources::effective(base.clone(), pip_opts.as_ref(), &[]).settings;
        Some(IndexClient::new(&IndexSettings { no_index: false, ..client_settings })?)
    } else {
        None
    };

    // 3. Local files, direct URLs, VCS.
    let work = tempfile::Builder::new().prefix("safe-pip-install-").tempdir().map_err(|e| Stop::error(format!("cannot create a temporary folder: {e}"), "check $TMPDIR"))?;
    let work_dir = work.path().to_path_buf();
    let gate = Arc::new(open_gate(opts)?);
    let judge = judge::Judge::new(gate.clone());
    let mut vetter = bypass::Vetter::new(&judge, client.as_ref(), &work_dir, opts.allow_unverified);
    for b in &requested.bypasses {
        vetter.vet(b);
    }
    if !vetter.out.refused.is_empty() {
        let v = vetter.out;
        out.files.extend(v.files);
        out.refused.extend(v.refused);
        out.unverified.extend(v.unverified);
        return Err(Stop::Done);
    }

    // 4. Requirements files, effective sources, find-links.
    let substitutes = std::mem::take(&mut vetter.out.substitutes);
    let rewritten = rewrite_requirements(&reqfiles, &work_dir, &substitutes, progress)?;
    let srcs = sources::effective(base, pip_opts.as_ref(), &rewritten.directives);
    vetter.find_links(&srcs.find_links);
    let v = vetter.out;
    out.files.extend(v.files);
    out.unverified.extend(v.unverified);
    out.notes.extend(v.notes);
    if !v.refused.is_empty() {
        out.refused.extend(v.refused);
        return Err(Stop::Done);
    }

    // 5. The proxy, then pip.
    let indexes = srcs.indexes();
    let guard = start_guard(opts, &srcs, &indexes, &gate, progress)?;
    let plan = RunInputs {
        items: &items,
        substitutes: &substitutes,
        rewritten: &rewritten.copies,
        guard: guard.as_deref(),
        upstreams: indexes.len(),
        no_index: srcs.settings.no_index,
        find_links: &v.find_links,
        work_dir: &work_dir,
        verify: pip_opts.is_some(),
    }
    .plan();
    let result = run_pip(child, &plan, guard.as_deref(), progress);
    let problems = guard.map(|g| collect_from_guard(g, out, progress)).unwrap_or_default();
    progress.finish();

    // 6. How pip ended.
    let ended = result?;
    pip_ended(ended, problems, &srcs.settings, &requested.names, out)?;
    if out.pip_exit == Some(0) && !substitutes.is_empty() {
        restore_direct_urls(opts, &items, &substitutes, out);
    }
    Ok(())
}

/// What pip's exit means: its final check refused the arguments (an error), or it ran;
/// after a failure that nothing blocked, which index could not be read.
fn pip_ended(
    (check, code): (pip_child::FinalCheck, Option<i32>),
    problems: Vec<String>,
    settings: &IndexSettings,
    names: &[requested::NamedRequirement],
    out: &mut Outcome,
) -> Result<(), Stop> {
    if !check.ok {
        return Err(Stop::error(
            format!("pip's own reading of the final arguments still reaches around the proxy: {}; pip was not run", check.problems.join("; ")),
            "this is a safe-pip bug or a pip newer than safe-pip knows; please report it with the arguments used",
        ));
    }
    out.pip_ran = true;
    out.pip_exit = code;
    if code != Some(0) && !out.any_blocked() && !crate::interrupt::interrupted() {
        // pip only says "no matching distribution"; say which index failed and why.
        out.error = diagnose_indexes(settings, names).or_else(|| {
            problems.first().map(|p| {
                Error::new(
                    format!("an index could not be read while pip ran: {p}; nothing from it was installed"),
                    "check the network and the index URL (`pip config debug` shows where pip's index comes from)",
                )
            })
        });
    } else {
        out.notes.extend(problems);
    }
    Ok(())
}

/// What the arguments request (command line, `-r` files, `--group`, a script's inline
/// metadata) and the requirements, constraints and build-constraints files named.
fn collect_requested(items: &[Item]) -> Result<(requested::Requested, Vec<(OptKind, String)>), Stop> {
    let mut requested = requested::Requested::default();
    let mut positionals = Vec::new();
    let mut editables = Vec::new();
    let mut reqfiles: Vec<(OptKind, String)> = Vec::new();
    for item in items {
        match item {
            Item::Positional(p) => positionals.push(p.clone()),
            Item::Opt { kind, value: Some(v), .. } => match kind {
                OptKind::Editable => editables.push(v.clone()),
                OptKind::Requirement | OptKind::Constraint | OptKind::BuildConstraint => reqfiles.push((*kind, v.clone())),
                OptKind::RequirementsFromScript => requested.add_script(Path::new(v))?,
                _ => {}
            },
            _ => {}
        }
    }
    if let Some(Item::Opt { value: Some(g), .. }) = items.iter().find(|i| matches!(i, Item::Opt { name, .. } if name == "--group")) {
        requested.add_group(g)?;
    }
    requested
        .add_command_line(&positionals, &editables)
        .and_then(|_| reqfiles.iter().filter(|(k, _)| *k == OptKind::Requirement).try_for_each(|(_, f)| requested.add_requirements_file(Path::new(f))))
        ?;
    Ok((requested, reqfiles))
}

/// pip's own reading of its options (`None`: pip's parser is unavailable, safe-pip's own
/// reading is used). pip's output meanwhile goes to `progress`.
fn pip_options(child: &mut PipChild, opts: &InstallOptions, progress: &Arc<Progress>, out: &mut Outcome) -> Result<Option<pip_child::PipOptions>, Stop> {
    let p: &Progress = progress;
    let err_sink: Arc<pip_child::LineSink> = {
        let progress = Arc::clone(progress);
        Arc::new(move |line: &str| progress.pip_stderr(line))
    };
    let reported = child.options(&|l| p.pip_stdout(l), err_sink)?;
    let pip_opts = match reported {
        Reported::Options(o) => Some(o),
        Reported::ParserExit(code) => {
            // pip printed its usage error or help; nothing else to do.
            out.pip_ran = true;
            out.pip_parser_exit = true;
            out.pip_exit = Some(code);
            return Err(Stop::Done);
        }
        Reported::Unavailable { error, pip_missing: true } => {
            let python = opts.python.display();
            return Err(Stop::error(
                format!("pip is not available in {python}: {error}"),
                format!("install it with `{python} -m ensurepip --upgrade`, or pass another interpreter with --python"),
            ));
        }
        Reported::Unavailable { error, .. } => {
            out.notes.push(format!("{error}; using safe-pip's own reading of pip's configuration"));
            None
        }
    };
    out.pip_version = pip_opts.as_ref().and_then(|o| o.pip_version.clone());
    Ok(pip_opts)
}

/// The gate every file is judged through: the verdict DB, or none with `--no-db`.
fn open_gate(opts: &InstallOptions) -> Result<Gate, Stop> {
    if opts.no_db {
        return Ok(Gate::without_db(opts.scan.clone()));
    }
    Gate::open(opts.db.as_deref(), opts.scan.clone())
        .map_err(|e| Stop::error(e.to_string(), format!("{} (`safe-pip db check` shows what is wrong; --no-db installs without it)", e.hint())))
}

/// The requirements files as pip gets them.
struct Rewritten {
    /// Original path as given → the copy without index lines, vetted archives substituted.
    copies: HashMap<String, PathBuf>,
    /// The index directives the files held.
    directives: Vec<(reqfile::Directive, reqfile::Origin)>,
}

fn rewrite_requirements(
    reqfiles: &[(OptKind, String)],
    work_dir: &Path,
    substitutes: &HashMap<String, PathBuf>,
    progress: &Progress,
) -> Result<Rewritten, Stop> {
    let mut rewriter = reqfile::Rewriter::new(&work_dir.join("requirements"), substitutes);
    let mut rewritten: HashMap<String, PathBuf> = HashMap::new();
    for (kind, f) in reqfiles {
        let copy = rewriter.rewrite(Path::new(f), *kind != OptKind::Requirement)?;
        rewritten.insert(f.clone(), copy);
    }
    for (copy, original) in &rewriter.copies {
        progress.rename_in_pip_output(copy, original);
    }
    Ok(Rewritten { copies: rewritten, directives: rewriter.directives })
}

/// The proxy with one route per index; `None` when pip reaches no index.
fn start_guard(opts: &InstallOptions, srcs: &sources::Sources, indexes: &[String], gate: &Arc<Gate>, progress: &Arc<Progress>) -> Result<Option<Box<dyn guard::Guard>>, Stop> {
    if indexes.is_empty() {
        return Ok(None);
    }
    let config = guard::GuardConfig {
        settings: srcs.settings.clone(),
        gate: gate.clone(),
        scan: opts.scan.clone(),
        metadata: opts.metadata.clone(),
        internal: opts.internal.clone(),
        progress: Some(Arc::clone(progress)),
        // a dry run resolves from metadata and downloads nothing
        prefetch: !opts.pip_args.iter().any(|a| a == "--dry-run"),
    };
    guard::start(config).map(Some).map_err(|e| {
        let shown: Vec<String> = indexes.iter().map(|u| redact(u)).collect();
        Stop::error(format!("{e} (indexes: {})", shown.join(", ")), e.hint())
    })
}

/// Runs pip with `plan`; the progress line follows the proxy's verdicts meanwhile.
fn run_pip(child: PipChild, plan: &RunPlan, guard: Option<&dyn guard::Guard>, progress: &Progress) -> Result<(pip_child::FinalCheck, Option<i32>), pip_child::ChildError> {
    let stop = AtomicBool::new(false);
    std::thread::scope(|s| {
        // The poller is woken at once when pip ends, so it never delays the summary.
        let poller = guard.filter(|_| progress.visible()).map(|g| {
            let stop = &stop;
            s.spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    progress.update(&g.files());
                    std::thread::park_timeout(Duration::from_millis(150));
                }
            })
        });
        let r = child.run(plan, &|l| progress.pip_stdout(l));
        stop.store(true, Ordering::Relaxed);
        if let Some(h) = poller {
            h.thread().unpark();
        }
        r
    })
}

/// The proxy's verdicts and hidden files into `out`, an older release that is not blocked
/// for the first blocked files; stops the proxy and returns its upstream problems.
fn collect_from_guard(g: Box<dyn guard::Guard>, out: &mut Outcome, progress: &Progress) -> Vec<String> {
    out.files.extend(g.files());
    out.hidden = g.hidden();
    let problems = g.problems();
    // The way forward after a block: an older release that is not blocked.
    let blocked: Vec<&CheckedFile> = out.files.iter().filter(|f| f.blocked() && f.report.error.is_none()).take(5).collect();
    if !blocked.is_empty() && !crate::interrupt::interrupted() {
        progress.activity("looking for an older release that is not blocked");
        let found: Vec<(String, String)> = blocked.iter().filter_map(|f| g.older_release(f).map(|o| (f.report.filename.clone(), o))).collect();
        out.older_releases.extend(found);
    }
    g.stop();
    problems
}

/// pip recorded the private copies of direct-URL packages as their source (PEP 610):
/// points the installed `direct_url.json` files at the original URLs.
fn restore_direct_urls(opts: &InstallOptions, items: &[Item], substitutes: &HashMap<String, PathBuf>, out: &mut Outcome) {
    let targets: Vec<PathBuf> = items
        .iter()
        .filter_map(|i| match i {
            Item::Opt { name, value: Some(v), .. } if name == "--target" => Some(PathBuf::from(v)),
            _ => None,
        })
        .collect();
    if let Err(e) = direct_url::restore(&opts.python, substitutes, &targets) {
        out.notes.push(format!("could not point direct_url.json of the installed direct-URL packages at their original URLs: {e}"));
    }
}

/// After pip failed: asks every upstream (once, no retries) for the first requested
/// projects; an index that cannot be read is the likely cause, said plainly.
fn diagnose_indexes(settings: &IndexSettings, names: &[requested::NamedRequirement]) -> Option<Error> {
    if settings.no_index || names.is_empty() {
        return None;
    }
    let client = IndexClient::new(&IndexSettings { retries: 0, timeout: Duration::from_secs(10), ..settings.clone() }).ok()?;
    for req in names.iter().take(3) {
        for (url, result) in client.project_on_each_index(&req.name) {
            if let Err(e) = result {
                let hint = match &e {
                    crate::index::IndexError::Unreachable { .. } => {
                        "check the network and the index URL (`pip config debug` shows where pip's index comes from); nothing unchecked was installed".to_string()
                    }
                    other => other.hint(),
                };
                return Some(Error::new(
                    format!("the index {} could not be read (asked for `{}`): {e}; nothing from it was installed", redact(&url), req.name),
                    hint,
                ));
            }
        }
    }
    None
}

/// What pip's final arguments and environment are made from.
struct RunInputs<'a> {
    items: &'a [Item],
    substitutes: &'a HashMap<String, PathBuf>,
    rewritten: &'a HashMap<String, PathBuf>,
    guard: Option<&'a dyn guard::Guard>,
    upstreams: usize,
    no_index: bool,
    find_links: &'a [String],
    work_dir: &'a Path,
    verify: bool,
}

impl RunInputs<'_> {
    /// pip's final arguments and environment: index options out (the environment points
    /// pip at the proxy routes, and beats pip.conf), requirements files and vetted
    /// archives replaced by their checked copies.
    fn plan(&self) -> RunPlan {
        let mut argv = vec!["install".to_string()];
        for item in self.items {
            match item {
                Item::Positional(p) => argv.push(reqfile::substitute_requirement(p, self.substitutes).unwrap_or_else(|| p.clone())),
                Item::Opt { kind, name, value, raw } => match kind {
                    OptKind::IndexUrl | OptKind::ExtraIndexUrl | OptKind::FindLinks | OptKind::Proxy | OptKind::Python => {}
                    OptKind::Requirement | OptKind::Constraint | OptKind::BuildConstraint => {
                        let v = value.clone().unwrap_or_default();
                        argv.push(name.clone());
                        argv.push(self.rewritten.get(&v).map(|p| p.display().to_string()).unwrap_or(v));
                    }
                    _ => argv.extend(raw.iter().cloned()),
                },
            }
        }
        if self.no_index && !argv.iter().any(|a| a == "--no-index") {
            // A requirements file said so; say it where pip's final check can see it.
            argv.push("--no-index".into());
        }
        // An empty --proxy beats a `proxy` from pip.conf or PIP_PROXY: pip talks to loopback only.
        argv.push("--proxy=".into());
        let mut env = std::collections::BTreeMap::new();
        let mut unset = vec!["PIP_PROXY".to_string()];
        let mut proxy = String::new();
        if let Some(g) = self.guard {
            proxy = format!("{}/", g.base_url().trim_end_matches('/'));
            env.insert("PIP_INDEX_URL".to_string(), g.index_url(0));
            if self.upstreams > 1 {
                let extras: Vec<String> = (1..self.upstreams).map(|k| g.index_url(k)).collect();
                env.insert("PIP_EXTRA_INDEX_URL".to_string(), extras.join(" "));
            } else {
                unset.push("PIP_EXTRA_INDEX_URL".into());
            }
        }
        if self.find_links.is_empty() {
            unset.push("PIP_FIND_LINKS".into());
        } else {
            env.insert("PIP_FIND_LINKS".into(), self.find_links.join(" "));
        }
        for var in ["NO_PROXY", "no_proxy"] {
            let current = std::env::var(var).unwrap_or_default();
            let joined = if current.trim().is_empty() { LOOPBACK.to_string() } else { format!("{current},{LOOPBACK}") };
            env.insert(var.into(), joined);
        }
        RunPlan {
            argv,
            env,
            unset,
            proxy,
            find_links: self.find_links.to_vec(),
            requirements_dir: self.work_dir.display().to_string(),
            verify: self.verify,
        }
    }
}
