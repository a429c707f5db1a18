//! `safe-pip scan`: analyse files or directories and report verdicts.

use super::outcome::Outcome;
use super::db_flags::{DbFlags, gate_error};
use crate::error::Error;
use crate::exit::ExitStatus;
use crate::artifact::Limits;
use crate::pipeline::{self, ScanOptions};
use crate::policy::SettingsFlags;
use crate::report::{self, ColorChoice, terminal::TerminalOptions};
use clap::{Args, ValueEnum};
use std::io::Write;
use std::path::PathBuf;

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum, Default)]
pub enum ScanFormat {
    #[default]
    Terminal,
    Json,
    /// SARIF 2.1.0 for code scanning: results at the file inside the package and its line.
    Sarif,
    /// One self-contained HTML page: per file verdict, risk, alerts, behaviour, history; sortable and filterable.
    Html,
}

#[derive(Args, Debug)]
pub struct ScanArgs {
    /// Package files or directories (directories are searched for package files, or
    /// scanned as an unpacked package when they hold setup.py / pyproject.toml / PKG-INFO).
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ScanFormat::Terminal)]
    pub format: ScanFormat,
    /// Show every note, not only the first few per package.
    #[arg(long, short)]
    pub verbose: bool,
    /// Worker threads (default: one per core).
    #[arg(long, short)]
    pub jobs: Option<usize>,
    /// Largest code member kept for analysis, in MiB; bigger ones are an alert.
    #[arg(long, value_name = "MIB", default_value_t = 64)]
    pub max_member_mb: u64,
    /// Largest total uncompressed size read per archive, in MiB.
    #[arg(long, value_name = "MIB", default_value_t = 4096)]
    pub max_total_mb: u64,
    /// Project directory whose pyproject.toml settings and decisions apply (default: the current directory).
    #[arg(long, value_name = "DIR")]
    pub project: Option<PathBuf>,
    /// Analyse every module fully, without the byte-level pre-pass (for checking that
    /// the pre-pass changes no alert; same as SAFE_PIP_NO_PREPASS=1).
    #[arg(long, hide = true)]
    pub no_prepass: bool,
    /// Time each phase per file (read, decompress, parse, model, rules, payload decode,
    /// and wait for room under the memory cap): a table on stderr, and `timings_s` per
    /// package in the JSON report.
    #[arg(long)]
    pub timings: bool,
    #[command(flatten)]
    pub db: DbFlags,
}

pub(crate) fn run(args: ScanArgs, color: ColorChoice) -> Outcome {
    if args.no_prepass {
        crate::analysis::python::disable_prepass();
    }
    if args.timings {
        crate::timings::enable();
    }
    let settings = super::settings::load(args.project.as_deref(), &SettingsFlags::default())?;
    let opts = ScanOptions {
        limits: Limits { max_member_bytes: args.max_member_mb << 20, max_total_bytes: args.max_total_mb << 20, ..Limits::default() },
        policy: settings.policy,
    };
    let targets = pipeline::collect_targets(&args.paths)?;
    if targets.is_empty() {
        return Err(Error::new("no package files found", "pass .tar.gz/.zip/.whl/.egg files, a folder holding them, or an unpacked package directory"));
    }
    let gate = args.db.open_gate(opts)?;
    let terminal = TerminalOptions { color: color.enabled(), verbose: args.verbose };
    let mut out = Output { format: args.format, json: Default::default(), terminal: Default::default(), kept: Vec::new(), blocked: false, timings: Vec::new() };
    // Each report is printed as soon as it and those before it are ready (input order),
    // so memory does not grow with the number of files. A closed pipe (`safe-pip scan … |
    // head`) is not an error worth a panic: writes are best effort, the scan goes on.
    let mut w = std::io::BufWriter::new(std::io::stdout());
    let mut judge = |w: &mut std::io::BufWriter<std::io::Stdout>| gate.judge_paths_each(&targets, |j| out.package(w, &j.report, &terminal));
    let result = match args.jobs {
        // the global pool could not be given --jobs threads (the Python front started
        // it already): a pool of our own
        Some(n) if rayon::current_num_threads() != n => match crate::pipeline::worker_pool(Some(n)).build() {
            Ok(pool) => pool.install(|| judge(&mut w)),
            Err(e) => return Err(Error::new(format!("cannot start {n} worker threads: {e}"), "try a smaller --jobs")),
        },
        _ => judge(&mut w),
    };
    // Fail closed: a DB that cannot be read or written is an error, never a skipped check.
    // The report is left unfinished (not valid JSON), so no reader takes it for complete.
    if let Err(e) = result {
        let _ = w.flush();
        return Err(gate_error(&e, "or scan without the DB: --no-db"));
    }
    if args.format == ScanFormat::Html {
        let page = crate::html::scan::from_scan(&out.kept, &args.paths, &gate).map_err(|e| gate_error(&e, "or scan without the DB: --no-db"))?;
        let _ = w.write_all(page.as_bytes());
    } else {
        out.finish(&mut w, &terminal, &gate.options().policy);
    }
    let _ = w.flush();
    if args.timings {
        let _ = std::io::stderr().lock().write_all(timings_table(&out.timings).as_bytes());
    }
    Ok(if out.blocked { ExitStatus::Blocked } else { ExitStatus::Allowed })
}

/// The report being printed, and what the end of the run needs from the packages.
struct Output {
    format: ScanFormat,
    json: report::json::Stream,
    terminal: report::terminal::Stream,
    /// SARIF and HTML are one document over the whole run: their reports are kept until the end.
    kept: Vec<pipeline::PackageReport>,
    blocked: bool,
    /// (file name, seconds per phase), for `--timings`.
    timings: Vec<(String, crate::timings::Times)>,
}

impl Output {
    fn package(&mut self, w: &mut impl Write, r: &pipeline::PackageReport, terminal: &TerminalOptions) {
        let _ = match self.format {
            ScanFormat::Json => self.json.package(w, r),
            ScanFormat::Terminal => w.write_all(self.terminal.package(r, terminal).as_bytes()),
            ScanFormat::Sarif | ScanFormat::Html => {
                self.kept.push(r.clone());
                Ok(())
            }
        };
        let _ = w.flush();
        self.blocked |= r.decision.verdict == crate::policy::Action::Block;
        if let Some(t) = &r.timings {
            self.timings.push((r.filename.clone(), *t));
        }
    }

    fn finish(&self, w: &mut impl Write, terminal: &TerminalOptions, policy: &crate::policy::Policy) {
        let _ = match self.format {
            ScanFormat::Json => self.json.finish(w),
            ScanFormat::Terminal => w.write_all(self.terminal.finish(terminal).as_bytes()),
            ScanFormat::Sarif => w.write_all(report::sarif::from_scan(&self.kept, policy).as_bytes()),
            // written by `run`, which has the gate for the history
            ScanFormat::Html => Ok(()),
        };
    }
}

/// Seconds per phase and file (summed over worker threads), and the totals.
fn timings_table(rows: &[(String, crate::timings::Times)]) -> String {
    use crate::timings::PHASES;
    let mut out = String::from("timings (s):");
    for (_, name) in PHASES {
        out.push_str(&format!(" {name:>10}"));
    }
    out.push_str("  file\n");
    let mut total = [0.0f64; PHASES.len()];
    for (filename, t) in rows {
        out.push_str("            ");
        for (i, v) in t.0.iter().enumerate() {
            total[i] += v;
            out.push_str(&format!(" {v:>10.4}"));
        }
        out.push_str(&format!("  {filename}\n"));
    }
    if rows.len() > 1 {
        out.push_str("            ");
        for v in total {
            out.push_str(&format!(" {v:>10.4}"));
        }
        out.push_str("  (total)\n");
    }
    out
}
