//! `safe-pip install [SAFE-PIP OPTIONS] PIP-INSTALL-ARGS…`: real pip behind the checking proxy.

use super::outcome::Outcome;
use crate::alerts::AlertId;
use crate::error::Error;
use crate::install::{self, InstallOptions, interpreter, pip_args, progress::Progress, summary, summary_json};
use crate::pipeline::ScanOptions;
use crate::policy::{Action, SettingsFlags};
use crate::report::ColorChoice;
use clap::{Args, ValueEnum};
use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum, Default)]
pub enum InstallFormat {
    #[default]
    Terminal,
    Json,
}

/// safe-pip's own options are consumed; everything else is passed to `pip install`
/// unchanged, except index options (-i/--index-url, --extra-index-url, -f/--find-links,
/// --proxy), which the checking proxy takes over, and -r/-c files, which pip reads as
/// rewritten copies without index lines.
#[derive(Args, Debug)]
#[command(
    after_help = "Consumed by safe-pip: --python, --format, --db, --no-db, --allow-unverified, --min-release-age, --internal \
(also after the first requirement). -q/--quiet is seen by safe-pip and passed on to pip. Everything else goes to pip.\n\
Exit codes: pip's own status when nothing was blocked; 1 something was blocked (by the proxy, the name check or a \
local/URL check); 2 safe-pip error (nothing unchecked was installed); 3 refused because it cannot be checked \
(VCS, remote find-links) without --allow-unverified."
)]
pub struct InstallArgs {
    /// The interpreter to install into: a python executable or a virtualenv folder
    /// (default: the active virtualenv, else the Python running safe-pip, else python3 on PATH).
    #[arg(long, value_name = "PATH")]
    pub python: Option<PathBuf>,
    /// Summary format: terminal, or one JSON document on stdout (pip's output then goes to stderr).
    #[arg(long, value_enum, default_value_t = InstallFormat::Terminal)]
    pub format: InstallFormat,
    /// Quieter: no progress line; the summary lists only blocked and warned files. Passed on to pip.
    #[arg(short, long, action = clap::ArgAction::Count)]
    pub quiet: u8,
    /// The verdict DB (default: $SAFE_PIP_DB, else the platform data directory).
    #[arg(long, value_name = "PATH")]
    pub db: Option<PathBuf>,
    /// Install without the verdict DB: every file is analysed, nothing is recorded.
    #[arg(long, conflicts_with = "db")]
    pub no_db: bool,
    /// Let VCS requirements and remote --find-links pages through unchecked (reported as
    /// unverified); the same as the setting `unverified = "warn"`, refused when the org locks it.
    #[arg(long)]
    pub allow_unverified: bool,
    /// Hide releases younger than this many days, so pip picks an older one.
    #[arg(long, value_name = "DAYS")]
    pub min_release_age: Option<u32>,
    /// Internal project names, NAME or PREFIX-* with an optional =INDEX_URL they must come from.
    #[arg(long = "internal", value_name = "PATTERN[=INDEX]", env = "SAFE_PIP_INTERNAL", value_delimiter = ',')]
    pub internal: Vec<String>,
    /// Arguments for `pip install` (requirements, -r FILE, -e DIR, -U, --pre, …).
    #[arg(trailing_var_arg = true, allow_hyphen_values = true, value_name = "PIP_ARGS")]
    pub pip_args: Vec<String>,
}

pub(crate) fn run(args: InstallArgs, color: ColorChoice) -> Outcome {
    let (own, mut pip_args) = pip_args::take_own_options(&args.pip_args).map_err(|e| Error::new(e.to_string(), "see `safe-pip install --help`"))?;
    let json = match own.format.as_deref() {
        None => args.format == InstallFormat::Json,
        Some("json") => true,
        Some("terminal") => false,
        Some(other) => return Err(Error::new(format!("--format {other}: expected terminal or json"), "use --format terminal or --format json")),
    };
    let quiet = args.quiet > 0 || own.quiet;
    for _ in 0..args.quiet {
        // `-q` before the first requirement was taken by clap: pip gets it too.
        pip_args.insert(0, "-q".into());
    }
    let min_release_age = match own.min_release_age.as_deref().map(str::parse::<u32>) {
        None => args.min_release_age,
        Some(Ok(d)) => Some(d),
        Some(Err(_)) => return Err(Error::new("--min-release-age needs a whole number of days", "e.g. --min-release-age 7")),
    };
    let mut internal_flags = args.internal.clone();
    internal_flags.extend(own.internal.iter().cloned());
    // --allow-unverified is the `unverified = "warn"` setting for this run: an org file
    // that locks `unverified` makes it an error, like any locked key.
    let allow_unverified = args.allow_unverified || own.allow_unverified;
    let flags = SettingsFlags {
        min_release_age_days: min_release_age,
        internal: internal_flags,
        unverified: allow_unverified.then_some(Action::Warn),
    };
    let settings = super::settings::load(None, &flags)?;
    let python_flag = own.python.map(PathBuf::from).or(args.python);
    let python = interpreter::resolve(python_flag.as_deref(), std::env::var_os("VIRTUAL_ENV").as_deref(), std::env::var_os("PATH").as_deref())?;
    if pip_args.is_empty() {
        return Err(Error::new("nothing to install", "name what to install, as with pip: `safe-pip install requests` or `safe-pip install -r requirements.txt`"));
    }
    let mut scan = ScanOptions { policy: settings.policy.clone(), ..ScanOptions::default() };
    if min_release_age.is_some() {
        // Asking for a minimum age on the command line means younger releases are not
        // installed: they are hidden from pip (which then picks an older one) and refused
        // if pinned.
        scan.policy.alerts.insert(AlertId::ReleaseTooNew, Action::Block);
        scan.policy.origins.alerts.insert(AlertId::ReleaseTooNew, crate::policy::Origin::Flag("--min-release-age".into()));
    }
    let opts = InstallOptions {
        python,
        pip_args,
        allow_unverified: settings.unverified != Action::Block,
        db: own.db.map(PathBuf::from).or(args.db),
        no_db: args.no_db || own.no_db,
        scan,
        metadata: settings.metadata.clone(),
        internal: settings.internal.clone(),
    };
    let progress = Arc::new(Progress::new(!quiet, json));
    let outcome = install::run(&opts, &progress);
    progress.finish();
    if outcome.pip_parser_exit {
        return Ok(outcome.exit_code());
    }
    if json {
        let _ = std::io::stdout().lock().write_all(summary_json::render(&outcome).as_bytes());
    } else {
        let text = summary::render(&outcome, &summary::SummaryOptions { color: color.enabled(), quiet });
        let _ = std::io::stdout().lock().write_all(text.as_bytes());
    }
    match outcome.error {
        Some(e) => Err(e),
        None => Ok(outcome.exit_code()),
    }
}
