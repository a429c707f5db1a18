//! `safe-pip vet NAME[==VERSION]…`: vet packages before adding them.

use super::db_flags::DbFlags;
use super::index_flags::IndexFlags;
use super::outcome::Outcome;
use crate::error::Error;
use crate::exit::ExitStatus;
use crate::pipeline::ScanOptions;
use crate::policy::{Action, SettingsFlags};
use crate::report::ColorChoice;
use crate::vet::{self, VetOptions, VetRequest, VetStatus};
use clap::{Args, ValueEnum};
use std::io::Write;

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum, Default)]
pub enum VetFormat {
    #[default]
    Terminal,
    Json,
}

#[derive(Args, Debug)]
pub struct VetArgs {
    /// Packages to vet: NAME or NAME==VERSION.
    #[arg(required = true, value_name = "NAME[==VERSION]")]
    pub packages: Vec<String>,
    /// Check names only, with no network access (registry and code stay unverified).
    #[arg(long)]
    pub offline: bool,
    #[command(flatten)]
    pub index: IndexFlags,
    /// Releases younger than this many days are flagged (release-too-new).
    #[arg(long, value_name = "DAYS")]
    pub min_release_age: Option<u32>,
    /// Internal project names, NAME or PREFIX-* with an optional =INDEX_URL they must come
    /// from (repeatable, or comma-separated). A name matching a rule that an index other
    /// than INDEX (without INDEX: public PyPI) offers is blocked as dependency confusion.
    #[arg(long = "internal", value_name = "PATTERN[=INDEX]", env = "SAFE_PIP_INTERNAL", value_delimiter = ',')]
    pub internal: Vec<String>,
    #[arg(long, value_enum, default_value_t = VetFormat::Terminal)]
    pub format: VetFormat,
    /// Project directory whose pyproject.toml settings and decisions apply (default: the current directory).
    #[arg(long, value_name = "DIR")]
    pub project: Option<std::path::PathBuf>,
    #[command(flatten)]
    pub db: DbFlags,
}

pub(crate) fn run(args: VetArgs, color: ColorChoice) -> Outcome {
    let mut requests = Vec::new();
    for p in &args.packages {
        let request = VetRequest::parse(p)?;
        requests.push(request);
    }
    let flags = SettingsFlags { min_release_age_days: args.min_release_age, internal: args.internal.clone(), unverified: None };
    let settings = super::settings::load(args.project.as_deref(), &flags)?;
    let client = if args.offline { None } else { Some(args.index.client()?) };
    let now_unix = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0);
    let scan = ScanOptions { policy: settings.policy.clone(), ..ScanOptions::default() };
    let gate = args.db.open_gate(scan)?;
    let opts = VetOptions { client: client.as_ref(), gate: &gate, metadata: settings.metadata.clone(), internal: settings.internal.clone(), now_unix };
    // Names are vetted concurrently: most of the time goes to the network.
    let reports: Vec<_> = std::thread::scope(|s| {
        let handles: Vec<_> = requests.iter().map(|r| s.spawn(|| vet::vet(r, &opts))).collect();
        handles.into_iter().filter_map(|h| h.join().ok()).collect()
    });
    let text = match args.format {
        VetFormat::Json => vet::render_json(&reports),
        VetFormat::Terminal => vet::render_terminal(&reports, color.enabled()),
    };
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
    if reports.len() != requests.len() {
        return Err(Error::new("a vetting thread failed", "this is a bug in safe-pip; please report it"));
    }
    Ok(if reports.iter().any(|r| r.decision.verdict == Action::Block) {
        ExitStatus::Blocked
    } else if reports.iter().any(|r| matches!(r.status, VetStatus::Error { .. })) {
        ExitStatus::Error
    } else if reports.iter().any(|r| r.is_unverified()) {
        // Policy `unverified` says what an unchecked result means; block (the default) is exit 3.
        match settings.unverified {
            Action::Block => ExitStatus::Unverified,
            lenient => {
                eprintln!("warning: some packages could not be fully verified; policy `unverified = \"{}\"` lets that pass", lenient.as_str());
                ExitStatus::Allowed
            }
        }
    } else {
        ExitStatus::Allowed
    })
}
