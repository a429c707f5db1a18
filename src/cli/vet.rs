//! `safe-pip vet NAME[==VERSION]…`: vet packages before adding them.

use super::db_flags::DbFlags;
use super::index_flags::IndexFlags;
use super::{exit, print_error};
use crate::analysis::metadata::MetadataPolicy;
use crate::analysis::names::InternalPolicy;
use crate::pipeline::ScanOptions;
use crate::report::ColorChoice;
use crate::vet::{self, VetOptions, VetRequest, VetStatus};
use clap::{Args, ValueEnum};
use std::io::Write;

/// Exit code when something could not be verified (offline, index down): never "allowed".
pub const UNVERIFIED: i32 = 3;

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
    #[command(flatten)]
    pub db: DbFlags,
}

pub fn run(args: VetArgs, color: ColorChoice) -> i32 {
    let mut requests = Vec::new();
    for p in &args.packages {
        match VetRequest::parse(p) {
            Ok(r) => requests.push(r),
            Err(e) => {
                print_error(&e, "write a project name, optionally pinned: `safe-pip vet requests==2.32.3`");
                return exit::ERROR;
            }
        }
    }
    let internal = match InternalPolicy::from_flags(&args.internal) {
        Ok(p) => p,
        Err(e) => {
            print_error(&e.to_string(), &e.hint());
            return exit::ERROR;
        }
    };
    let client = if args.offline {
        None
    } else {
        match args.index.client() {
            Some(c) => Some(c),
            None => return exit::ERROR,
        }
    };
    let Some(gate) = args.db.open_gate(ScanOptions::default()) else { return exit::ERROR };
    let mut metadata = MetadataPolicy::default();
    if let Some(d) = args.min_release_age {
        metadata.min_release_age_days = d;
    }
    let now_unix = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0);
    let opts = VetOptions { client: client.as_ref(), gate: &gate, metadata, internal, now_unix };
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
        print_error("a vetting thread failed", "this is a bug in safe-pip; please report it");
        return exit::ERROR;
    }
    if reports.iter().any(|r| r.decision.verdict == crate::policy::Action::Block) {
        exit::BLOCKED
    } else if reports.iter().any(|r| matches!(r.status, VetStatus::Error { .. })) {
        exit::ERROR
    } else if reports.iter().any(|r| r.is_unverified()) {
        UNVERIFIED
    } else {
        exit::ALLOWED
    }
}
