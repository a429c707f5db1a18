//! Analysis: an [`Artifact`] in, [`Finding`]s out. Pure: no network, no printing, no
//! disk writes. This module decides which members are code and in what role they run,
//! then hands each to the detectors.

pub mod package;
pub mod payload;
pub mod python;

use crate::artifact::Artifact;
use crate::finding::Finding;

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

/// What the package says about itself, so detectors can judge "expected for this
/// package" (an HTTP client using the network) from "unexpected" (a maths library).
#[derive(Clone, Debug, Default)]
pub struct PackageContext {
    pub name: Option<String>,
    pub version: Option<String>,
    pub summary: Option<String>,
    /// Keywords and classifiers, lower-cased.
    pub keywords: Vec<String>,
    /// The archive carries compiled extensions (.so/.pyd) or is a platform wheel.
    pub has_compiled_code: bool,
}
