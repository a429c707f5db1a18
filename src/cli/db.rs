//! `safe-pip db`: look after the verdict DB — where it is, whether it is healthy, what
//! it holds; prune, reset, import feeds or snapshots, export a snapshot.

use super::outcome::Outcome;
use crate::error::Error;
use crate::exit::ExitStatus;
use crate::analysis::metadata::time::format_datetime;
use crate::db::{self, Db, ImportOutcome, PruneOptions, ResetOutcome};
use crate::report::ColorChoice;
use clap::{ArgGroup, Args, Subcommand, ValueEnum};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

#[derive(Args, Debug)]
#[command(after_help = "The DB path is --db, else $SAFE_PIP_DB, else the platform data directory (`safe-pip db path` shows it).")]
pub struct DbArgs {
    /// Verdict DB file to use instead of $SAFE_PIP_DB or the default location.
    #[arg(long, global = true, value_name = "PATH")]
    pub db: Option<PathBuf>,
    #[command(subcommand)]
    pub command: DbCommand,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum, Default)]
pub enum DbFormat {
    #[default]
    Text,
    Json,
}

#[derive(Subcommand, Debug)]
pub enum DbCommand {
    /// Check the DB's integrity and schema (exit 0 healthy, 2 a problem).
    Check {
        #[arg(long, value_enum, default_value_t = DbFormat::Text)]
        format: DbFormat,
    },
    /// Counts per verdict, history, cached metadata, decisions, advisories, size on disk.
    Stats {
        #[arg(long, value_enum, default_value_t = DbFormat::Text)]
        format: DbFormat,
    },
    /// Delete old entries (the decision log is always kept).
    #[command(group(ArgGroup::new("what").required(true).multiple(true).args(["older_than", "stale"])))]
    Prune {
        /// Delete verdicts, history and cached metadata older than this many days.
        #[arg(long, value_name = "DAYS")]
        older_than: Option<u64>,
        /// Delete verdicts made by other analysis versions (never used by this safe-pip).
        #[arg(long)]
        stale: bool,
    },
    /// Empty the DB (a corrupt one is moved aside and a new one created).
    Reset {
        /// Really do it.
        #[arg(long)]
        yes: bool,
    },
    /// Import OSV known-malware advisories (a .json, a folder, a .zip of OpenSSF
    /// malicious-packages), a snapshot written by `safe-pip db export`, or the snapshot
    /// of an organisation gateway (`https://gateway.example/snapshot`, token from
    /// --token-file or $SAFE_PIP_GATEWAY_TOKEN).
    Import {
        #[arg(value_name = "FILE_OR_DIR_OR_ZIP_OR_URL")]
        path: String,
        /// File holding the gateway token (for a URL); default: $SAFE_PIP_GATEWAY_TOKEN.
        /// Never put the token on the command line.
        #[arg(long, value_name = "FILE")]
        token_file: Option<PathBuf>,
    },
    /// Write verdicts, the decision log and imported advisories to a snapshot file
    /// (`-` for stdout).
    Export {
        #[arg(value_name = "FILE")]
        file: PathBuf,
    },
    /// Print the DB path.
    Path,
}

pub(crate) fn run(args: DbArgs, _color: ColorChoice) -> Outcome {
    let (path, _source) = db::resolve_path(args.db.as_deref())?;
    match args.command {
        DbCommand::Path => {
            out(&format!("{}\n", path.display()));
            Ok(ExitStatus::Allowed)
        }
        DbCommand::Check { format } => check(&path, format),
        DbCommand::Stats { format } => stats(&path, format),
        DbCommand::Prune { older_than, stale } => prune(&path, older_than, stale),
        DbCommand::Reset { yes } => reset(&path, yes),
        DbCommand::Import { path: input, token_file } if crate::gateway::snapshot::is_url(&input) => import_url(&path, &input, token_file.as_deref()),
        DbCommand::Import { token_file: Some(_), .. } => Err(Error::new("--token-file is for importing from a gateway URL", "drop --token-file when importing a file")),
        DbCommand::Import { path: input, .. } => import(&path, Path::new(&input)),
        DbCommand::Export { file } => export(&path, &file),
    }
}

fn out(text: &str) {
    // A closed pipe is not worth a panic.
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
}

/// Commands that only look at the DB do not create one.
fn missing(path: &Path) -> bool {
    if path.exists() {
        return false;
    }
    eprintln!("note: no verdict DB at {} yet; it is created on first use", path.display());
    true
}

fn json(value: &impl serde::Serialize) -> String {
    serde_json::to_string_pretty(value).map(|s| s + "\n").unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}\n"))
}

fn check(path: &Path, format: DbFormat) -> Outcome {
    if missing(path) {
        return Ok(ExitStatus::Allowed);
    }
    let report = Db::open_unverified(path).and_then(|db| db.check())?;
    let problems = report.problems();
    match format {
        DbFormat::Json => out(&json(&serde_json::json!({ "ok": problems.is_empty(), "problems": problems, "report": report }))),
        DbFormat::Text if problems.is_empty() => out(&format!(
            "ok: {} (schema v{}, {} journal, integrity ok)\n",
            report.path, report.schema_version, report.journal_mode
        )),
        DbFormat::Text => {}
    }
    if problems.is_empty() {
        return Ok(ExitStatus::Allowed);
    }
    for p in &problems {
        eprintln!("problem: {}", crate::report::Esc(&p.to_string()));
    }
    Err(Error::new(
        format!("verdict DB {} has {} problem(s)", report.path, problems.len()),
        "move it aside or run `safe-pip db reset --yes`; verdicts will be recomputed",
    ))
}

fn stats(path: &Path, format: DbFormat) -> Outcome {
    if missing(path) {
        return Ok(ExitStatus::Allowed);
    }
    let s = Db::open(path).and_then(|db| db.stats())?;
    let text = match format {
        DbFormat::Json => json(&s),
        DbFormat::Text => {
            let when = |t: Option<i64>| t.map(format_datetime).unwrap_or_else(|| "never".into());
            format!(
                "path:        {}\nsize:        {}\nschema:      v{} (analysis version {})\n\
                 verdicts:    {} (allow {}, warn {}, block {}); {} stale from other analysis versions\n\
                 history:     {} analyses (first {}, last {})\nmetadata:    {} cached entries\n\
                 decisions:   {} logged\nadvisories:  {} known-malware advisories\n",
                s.path,
                human_size(s.size_bytes),
                s.schema_version,
                s.analysis_version,
                s.verdicts.total(),
                s.verdicts.allow,
                s.verdicts.warn,
                s.verdicts.block,
                s.stale_verdicts,
                s.history_entries,
                when(s.oldest_scan),
                when(s.newest_scan),
                s.metadata_entries,
                s.decisions,
                s.advisories,
            )
        }
    };
    out(&text);
    Ok(ExitStatus::Allowed)
}

fn human_size(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if bytes < 1024 {
        return format!("{bytes} B");
    }
    let mut v = bytes as f64 / 1024.0;
    let mut unit = 0;
    while v >= 1024.0 && unit + 1 < UNITS.len() {
        v /= 1024.0;
        unit += 1;
    }
    format!("{v:.1} {}", UNITS[unit])
}

fn prune(path: &Path, older_than: Option<u64>, stale: bool) -> Outcome {
    if missing(path) {
        return Ok(ExitStatus::Allowed);
    }
    let opts = PruneOptions { older_than: older_than.map(|d| Duration::from_secs(d.saturating_mul(86_400))), stale };
    match Db::open(path).and_then(|db| db.prune(&opts)) {
        Ok(r) => {
            out(&format!(
                "pruned {} verdict(s), {} history entr{}, {} cached metadata entr{}\n",
                r.verdicts,
                r.history,
                if r.history == 1 { "y" } else { "ies" },
                r.metadata,
                if r.metadata == 1 { "y" } else { "ies" }
            ));
            Ok(ExitStatus::Allowed)
        }
        Err(e) => Err(e.into()),
    }
}

fn reset(path: &Path, yes: bool) -> Outcome {
    if !yes {
        return Err(Error::new(
            format!("refusing to reset {} without --yes", path.display()),
            "this deletes every stored verdict, the scan history, cached metadata, the decision log and imported feeds; run `safe-pip db reset --yes`",
        ));
    }
    if missing(path) {
        return Ok(ExitStatus::Allowed);
    }
    match Db::reset_path(path) {
        Ok(ResetOutcome::Cleared) => {
            out(&format!("reset {}: verdicts, history, metadata, decisions and feeds cleared\n", path.display()));
            Ok(ExitStatus::Allowed)
        }
        Ok(ResetOutcome::MovedAside { backup, reason }) => {
            out(&format!("moved the unusable DB to {} ({reason}); created a new one at {}\n", backup.display(), path.display()));
            Ok(ExitStatus::Allowed)
        }
        Err(e) => Err(e.into()),
    }
}

fn import_url(path: &Path, url: &str, token_file: Option<&Path>) -> Outcome {
    let token = crate::gateway::snapshot::read_token(token_file)?;
    let db = Db::open(path)?;
    let r = crate::gateway::snapshot::import_from_url(&db, url, token.as_deref())?;
    out(&snapshot_line(&crate::index::redact(url), &r));
    Ok(ExitStatus::Allowed)
}

fn snapshot_line(from: &str, r: &db::SnapshotImportReport) -> String {
    format!(
        "imported snapshot {}: {} verdict(s) stored, {} kept (the DB had a stricter or newer one), {} decision(s) added, {} already logged, {} advisory(ies)\n",
        crate::report::Esc(from),
        r.verdicts_stored,
        r.verdicts_kept,
        r.decisions_added,
        r.decisions_present,
        r.advisories
    )
}

fn import(path: &Path, input: &Path) -> Outcome {
    let outcome = Db::open(path).and_then(|db| db.import_auto(input))?;
    match outcome {
        ImportOutcome::Snapshot(r) => {
            out(&snapshot_line(&input.display().to_string(), &r));
            Ok(ExitStatus::Allowed)
        }
        ImportOutcome::Osv(r) => {
            out(&format!(
                "imported {} PyPI advisory(ies) from {} file(s) in {}: {} withdrawn, {} without a PyPI package\n",
                r.advisories,
                r.files,
                input.display(),
                r.withdrawn,
                r.skipped
            ));
            if r.errors.is_empty() {
                return Ok(ExitStatus::Allowed);
            }
            const SHOWN: usize = 20;
            for (file, problem) in r.errors.iter().take(SHOWN) {
                eprintln!("warning: {}: {}", crate::report::Esc(&file.to_string()), crate::report::Esc(&problem.to_string()));
            }
            if r.errors.len() > SHOWN {
                eprintln!("warning: … and {} more", r.errors.len() - SHOWN);
            }
            Err(Error::new(
                format!("{} file(s) could not be imported (the others were)", r.errors.len()),
                "fix or remove those files and import again; OSV advisories are JSON objects with an id and an affected list",
            ))
        }
    }
}

fn export(path: &Path, file: &Path) -> Outcome {
    let db = Db::open(path)?;
    let result = if file.as_os_str() == "-" {
        let stdout = std::io::stdout();
        let mut lock = stdout.lock();
        db.export_to(&mut lock)
    } else {
        db.export(file)
    };
    match result {
        Ok(r) => {
            eprintln!(
                "exported {} verdict(s), {} decision(s), {} advisory(ies){}",
                r.verdicts,
                r.decisions,
                r.advisories,
                if r.unreadable_skipped > 0 { format!("; {} unreadable verdict row(s) left out", r.unreadable_skipped) } else { String::new() }
            );
            Ok(ExitStatus::Allowed)
        }
        Err(e) => Err(e.into()),
    }
}
