//! Verdicts for the files the wrapper checks itself (local archives and folders, direct
//! URL downloads, find-links folders): the same pipeline the proxy runs for index files.

use crate::pipeline::{self, PackageReport, ScanOptions};
use std::path::Path;

/// Judges files the wrapper sees directly.
pub struct Judge {
    pub scan: ScanOptions,
}

impl Judge {
    pub fn new(scan: ScanOptions) -> Judge {
        Judge { scan }
    }

    /// A verdict for bytes read or downloaded by the wrapper.
    pub fn bytes(&self, filename: &str, bytes: &[u8]) -> PackageReport {
        pipeline::scan_bytes(filename, bytes, Vec::new(), &self.scan)
    }

    /// A verdict for an unpacked source folder (`pip install ./dir`, `-e ./dir`).
    pub fn folder(&self, dir: &Path) -> PackageReport {
        pipeline::scan_one(dir, &self.scan)
    }
}
