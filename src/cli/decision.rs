//! `safe-pip allow` and `safe-pip deny`: write a documented decision into the project's
//! pyproject.toml (the source of truth, reviewed in pull requests) and append it to the
//! DB's decision log (the audit trail).

use super::outcome::Outcome;
use super::settings;
use crate::action::DecisionAction;
use crate::db::{self, NewDecision};
use crate::error::{Error, Hint};
use crate::exit::ExitStatus;
use crate::policy::record::{self, DecisionRequest, RecordError};
use crate::policy::{Day, Settings, SettingsFlags};
use crate::report::{ColorChoice, Esc};
use clap::Args;
use std::path::PathBuf;

#[derive(Args, Debug)]
#[command(after_help = "Writes a [[tool.safe-pip.decision]] entry into the nearest pyproject.toml (comments and formatting kept) and logs it in the verdict DB. The decision accepts only the alerts named, only for matching versions, only until --until.")]
pub struct AllowArgs {
    /// The project, optionally with PEP 440 specifiers: `requests==2.32.3`, `'requests>=2,<3'`.
    #[arg(value_name = "NAME[SPECIFIERS]")]
    pub package: String,
    /// Alert ids accepted (repeatable or comma-separated); other alerts are still judged.
    #[arg(long = "alert", value_name = "ID", required = true, value_delimiter = ',')]
    pub alerts: Vec<String>,
    #[command(flatten)]
    pub common: DecisionArgs,
}

#[derive(Args, Debug)]
#[command(after_help = "Writes a deny [[tool.safe-pip.decision]] entry into the nearest pyproject.toml and logs it in the verdict DB: matching versions are blocked whatever the analysis finds.")]
pub struct DenyArgs {
    /// The project, optionally with PEP 440 specifiers.
    #[arg(value_name = "NAME[SPECIFIERS]")]
    pub package: String,
    #[command(flatten)]
    pub common: DecisionArgs,
}

#[derive(Args, Debug)]
pub struct DecisionArgs {
    /// Why (required): what was reviewed and why the risk is acceptable (or not).
    #[arg(long, required = true)]
    pub reason: String,
    /// Last day the decision applies (YYYY-MM-DD); later the package is judged afresh.
    #[arg(long, value_name = "DATE", value_parser = parse_day)]
    pub until: Option<Day>,
    /// Who decides (default: git config user.name <user.email>, else $USER).
    #[arg(long, value_name = "WHO")]
    pub by: Option<String>,
    /// Project directory (default: the current directory); the nearest pyproject.toml is edited.
    #[arg(long, value_name = "DIR")]
    pub project: Option<PathBuf>,
    /// Verdict DB for the decision log (default: $SAFE_PIP_DB, else the platform data directory).
    #[arg(long, value_name = "PATH")]
    pub db: Option<PathBuf>,
}

/// An `--expires` that is not a date.
#[derive(Debug, thiserror::Error)]
#[error("`{0}` is not a date; write YYYY-MM-DD")]
struct NotADay(String);

fn parse_day(s: &str) -> Result<Day, NotADay> {
    Day::parse(s.trim()).ok_or_else(|| NotADay(s.to_string()))
}

pub(crate) fn run_allow(args: AllowArgs, _color: ColorChoice) -> Outcome {
    let alerts = record::parse_alerts(&args.alerts)?;
    run(&args.package, DecisionAction::Allow, alerts, args.common)
}

pub(crate) fn run_deny(args: DenyArgs, _color: ColorChoice) -> Outcome {
    run(&args.package, DecisionAction::Deny, Vec::new(), args.common)
}

fn run(package: &str, action: DecisionAction, alerts: Vec<crate::alerts::AlertId>, args: DecisionArgs) -> Outcome {
    let (name, version) = record::parse_requirement(package)?;
    let settings = settings::load(args.project.as_deref(), &SettingsFlags::default())?;
    let dir = settings::project_dir(args.project.as_deref());
    let Some(pyproject) = settings.pyproject.clone() else { return Err(RecordError::NoPyproject(dir).into()) };
    let Some(by) = args.by.clone().filter(|b| !b.trim().is_empty()).or_else(|| record::who(&dir)) else {
        return Err(Error::new("cannot tell who takes this decision", "pass --by \"Name <email>\", or set `git config user.name` and `user.email`"));
    };
    let today = Day::today();
    let req = DecisionRequest {
        package: name,
        version,
        action,
        alerts,
        reason: args.reason.trim().to_string(),
        by,
        date: today,
        until: args.until,
        origin: crate::policy::Origin::Default,
    };
    record::validate(&req, settings.allow_critical_decisions, &org_origin(&settings), today)?;
    let written = record::record(&pyproject, &req)?;
    let place = format!("{}:{}", pyproject.display(), written.line);
    let verb = match (written.replaced, action) {
        (true, _) => "Replaced the",
        (false, DecisionAction::Allow) => "Wrote an",
        (false, DecisionAction::Deny) => "Wrote a",
    };
    println!(
        "{verb} {} decision for {} {} in {place}",
        action.as_str(),
        Esc(&req.package.to_string()),
        Esc(&req.spec().to_string())
    );
    if !req.alerts.is_empty() {
        println!("  alerts: {}", req.alerts.iter().map(|a| a.id()).collect::<Vec<_>>().join(", "));
    }
    println!("  reason: {}", Esc(&req.reason));
    println!("  by {} on {}{}", Esc(&req.by), Esc(&req.date.to_string()), req.until.map(|u| format!(", until {}", Esc(&u.to_string()))).unwrap_or_default());
    // The file must still load: a decision that made the settings invalid is reported now, not at the next install.
    settings::load(args.project.as_deref(), &SettingsFlags::default())?;
    log_decision(&req, &place, args.db)
}

/// Appends the decision to the DB log. The pyproject.toml entry is the source of truth
/// and already applies; a DB failure is an error (exit 2) so the audit gap is seen, and
/// re-running the same command logs it without duplicating the entry.
fn log_decision(req: &DecisionRequest, place: &str, db_path: Option<PathBuf>) -> Outcome {
    let alerts: Vec<String> = req.alerts.iter().map(|a| a.id().to_string()).collect();
    let spec = req.spec();
    let entry = NewDecision {
        package: &req.package,
        spec: &spec,
        alerts: &alerts,
        reason: &req.reason,
        who: &req.by,
        action: req.action,
        source: Some(place),
        decided_at: None,
        until: None,
    };
    match db::Db::open_default(db_path.as_deref()).and_then(|db| db.log_decision(&entry).map(|()| db.path().to_path_buf())) {
        Ok(path) => {
            println!("  logged in the decision log of {}", path.display());
            Ok(ExitStatus::Allowed)
        }
        Err(e) => Err(Error::new(
            format!("the decision is written in {place} and applies, but it could not be logged in the DB: {e}"),
            format!("{} — then run the same command again to log it (the pyproject.toml entry is replaced, not duplicated)", e.hint()),
        )),
    }
}

fn org_origin(s: &Settings) -> String {
    s.entries.iter().find(|e| e.key == "allow-critical-decisions").map(|e| e.origin.to_string()).unwrap_or_else(|| "org file".into())
}
