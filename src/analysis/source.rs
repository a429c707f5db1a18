//! What the detectors are given: a Python source in the role it runs in, its text at
//! hand or held compressed until it is analysed.

use crate::artifact::member::Packed;
use std::borrow::Cow;

/// When and how a Python source file would run; detectors weigh findings by it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FileRole {
    /// setup.py at the package root: runs during `pip install` of an sdist.
    SetupScript,
    /// A package's `__init__.py`: its module-level code runs on `import`.
    PackageInit,
    /// Any other module: module-level code runs when imported, functions when called.
    Module,
    /// Tests, docs and examples: shipped but not run by installing or importing.
    Auxiliary,
    /// A `.pth` file: `import` lines run at every interpreter start.
    PthFile,
}

/// One text member ready for the detectors.
#[derive(Clone, Copy, Debug)]
pub struct SourceFile<'a> {
    /// Path inside the archive, as shown in reports.
    pub path: &'a str,
    pub text: &'a str,
    pub role: FileRole,
}

/// A Python source for the package analysis. Its text is at hand, or held compressed in
/// the artifact (packages with hundreds of MB of code): [`LazySource::text`] unpacks it
/// on each call, so only the modules being analysed are in memory at full size.
#[derive(Clone, Copy, Debug)]
pub struct LazySource<'a> {
    pub path: &'a str,
    pub role: FileRole,
    pub(super) text: Text<'a>,
}

#[derive(Clone, Copy, Debug)]
pub(super) enum Text<'a> {
    Plain(&'a str),
    Packed(&'a Packed),
}

/// Source text for the detectors: UTF-8 with a BOM stripped; other bytes replaced, so a
/// Python 2 latin-1 file is still analysed rather than skipped. Valid UTF-8 (nearly
/// every file) is borrowed from the member, not copied.
pub(super) fn decode_text(data: &[u8]) -> Cow<'_, str> {
    crate::artifact::member::utf8_lossy(data.strip_prefix(b"\xef\xbb\xbf").unwrap_or(data))
}
