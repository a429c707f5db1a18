//! What the package says about itself, for the detectors' "expected for this package".

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
