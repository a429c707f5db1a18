//! What a command hands back: how it ended (or the error that stopped it), and the report
//! it writes to `-o/--output FILE`.

use crate::error::Error;
use crate::exit::ExitStatus;

/// What every command returns: how it ended, or the error that stopped it (rendered by
/// the CLI's `render`, exit 2).
pub(crate) type Outcome = Result<ExitStatus, Error>;

/// Writes a report to `-o/--output FILE`.
pub(super) fn write_output(path: &std::path::Path, text: &str) -> Result<(), Error> {
    std::fs::write(path, text).map_err(|e| Error::new(format!("cannot write {}: {e}", path.display()), "check that the folder exists and is writable"))
}
