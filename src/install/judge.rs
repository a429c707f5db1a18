//! Verdicts for the files the wrapper checks itself (local archives and folders, direct
//! URL downloads, find-links folders): through the same gate (verdict DB first) as the
//! files the proxy serves.

use crate::error::Hint;
use crate::gate::{Gate, Judged};
use crate::pipeline::PackageReport;
use std::path::Path;
use std::sync::Arc;

/// Judges files the wrapper sees directly.
pub(crate) struct Judge {
    pub gate: Arc<Gate>,
}

/// A blocking verdict for a file the DB could not answer for (fail closed).
fn failed(filename: &str, e: &crate::gate::GateError) -> Judged {
    Judged { report: PackageReport::unverified(filename, &format!("the verdict DB failed: {e} ({})", e.hint())), from_db: false }
}

impl Judge {
    pub(crate) fn new(gate: Arc<Gate>) -> Judge {
        Judge { gate }
    }

    /// A verdict for bytes read or downloaded by the wrapper (`origin`: the URL, recorded).
    pub(crate) fn bytes(&self, filename: &str, bytes: &[u8], origin: Option<&str>) -> Judged {
        self.gate
            .judge(filename, bytes, origin, Vec::new())
            .unwrap_or_else(|e| failed(filename, &e))
    }

    /// A verdict for an unpacked source folder (`pip install ./dir`, `-e ./dir`).
    pub(crate) fn folder(&self, dir: &Path) -> Judged {
        self.gate
            .judge_path(dir)
            .unwrap_or_else(|e| failed(&dir.display().to_string(), &e))
    }
}
