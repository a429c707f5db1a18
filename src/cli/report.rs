//! `safe-pip report NAME==VERSION [--file PATH]`: prepares the malware report for PyPI
//! from the verdict DB (or a file of the release, analysed statically now) and says where
//! to send it. Sends nothing.

use super::outcome::Outcome;
use super::db_flags::open_gate;
use crate::error::Error;
use crate::exit::ExitStatus;
use crate::pipeline::ScanOptions;
use crate::policy::SettingsFlags;
use crate::pypi_report;
use crate::vet::VetRequest;
use clap::Args;
use std::io::Write;
use std::path::PathBuf;

#[derive(Args, Debug)]
#[command(after_help = "Exit codes: 0 the report was prepared, 2 no evidence, a file of another release, or a DB error.")]
pub struct ReportArgs {
    /// The release to report, as NAME==VERSION.
    #[arg(value_name = "NAME==VERSION")]
    pub release: String,
    /// A file of the release (sdist, wheel or unpacked tree) to analyse now, statically,
    /// instead of relying on the verdict DB alone. Its verdict is recorded.
    #[arg(long, value_name = "PATH")]
    pub file: Option<PathBuf>,
    /// Verdict DB to use instead of $SAFE_PIP_DB or the default location.
    #[arg(long, value_name = "PATH")]
    pub db: Option<PathBuf>,
    /// Write the report to this file instead of stdout.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

pub(crate) fn run(args: ReportArgs) -> Outcome {
    let req = VetRequest::parse(&args.release).map_err(|e| Error::new(e.to_string(), "name one release: `safe-pip report NAME==VERSION`"))?;
    let Some(version) = req.version.clone() else {
        return Err(Error::new(format!("`{}` names no version", req.raw), "a malware report is about one release: `safe-pip report NAME==VERSION`"));
    };
    let settings = super::settings::load(None, &SettingsFlags::default())?;
    let scan = ScanOptions { policy: settings.policy, ..ScanOptions::default() };
    let gate = open_gate(args.db.as_deref(), scan, "or point --db at a healthy DB")?;
    let evidence = pypi_report::gather(&gate, &req.name, &version, args.file.as_deref())
        .map_err(|e| Error::new(e.to_string(), e.hint(&req.name, &version)))?;
    if evidence.decision.verdict != crate::policy::Action::Block {
        eprintln!("safe-pip: {} {version} is not blocked ({}): the report says so; review before sending it", req.name, crate::report::escape_terminal(&evidence.decision.reason()));
    }
    let text = pypi_report::render_markdown(&evidence);
    match &args.output {
        Some(path) => {
            super::outcome::write_output(path, &text)?;
            eprintln!("safe-pip: report written to {}; nothing was sent", crate::report::escape_terminal(&path.display().to_string()));
        }
        None => {
            let _ = std::io::stdout().lock().write_all(text.as_bytes());
        }
    }
    Ok(ExitStatus::Allowed)
}
