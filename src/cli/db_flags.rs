//! `--db PATH` / `--no-db`, shared by the commands that judge files through the gate.

use crate::error::{Error, Hint};
use crate::gate::{Gate, GateError};
use crate::pipeline::ScanOptions;
use clap::Args;
use std::path::{Path, PathBuf};

#[derive(Args, Debug, Clone, Default)]
pub struct DbFlags {
    /// Verdict DB to use instead of $SAFE_PIP_DB or the default location.
    #[arg(long, value_name = "PATH", conflicts_with = "no_db")]
    pub db: Option<PathBuf>,
    /// Do without the verdict DB: every file is analysed, nothing is looked up or
    /// recorded, and imported known-malware advisories do not apply.
    #[arg(long)]
    pub no_db: bool,
}

impl DbFlags {
    /// The gate, or why it cannot be opened (fail closed: the command ends with exit 2).
    pub fn open_gate(&self, opts: ScanOptions) -> Result<Gate, Error> {
        if self.no_db {
            return Ok(Gate::without_db(opts));
        }
        open_gate(self.db.as_deref(), opts, "or run without the DB: --no-db")
    }
}

/// Opens the gate on `db` (else $SAFE_PIP_DB, else the default path); a DB error comes
/// with its remedy and `alternative`.
pub(crate) fn open_gate(db: Option<&Path>, opts: ScanOptions, alternative: &str) -> Result<Gate, Error> {
    Gate::open(db, opts).map_err(|e| gate_error(&e, alternative))
}

/// A DB error with its remedy, `alternative` and where to look.
pub(crate) fn gate_error(e: &GateError, alternative: &str) -> Error {
    let alternative = if alternative.is_empty() { String::new() } else { format!("; {alternative}") };
    Error::new(e.to_string(), format!("{}{alternative} (`safe-pip db check` shows what is wrong)", e.hint()))
}
