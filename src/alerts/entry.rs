//! What a catalogue entry says about an alert: its severity tier, its category, and the
//! texts users read.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Alert tiers of the organisation standard. The order matters: `Critical` is the
/// greatest, so `max()` over alerts gives a package's level.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub const ALL: [Severity; 4] = [Severity::Critical, Severity::High, Severity::Medium, Severity::Low];

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }

    /// What the organisation standard asks a person to do at this tier.
    pub fn guidance(self) -> &'static str {
        match self {
            Severity::Critical => "block: do not install or merge",
            Severity::High => "investigate before use",
            Severity::Medium => "review and document the decision",
            Severity::Low => "informational",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What kind of risk an alert describes; groups the report and the docs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Category {
    /// Code shaped like malware: several capabilities chained to harm the user.
    Malware,
    /// Code that runs when the package is installed or imported.
    InstallScript,
    Network,
    Shell,
    Filesystem,
    Obfuscation,
    /// The archive itself: hostile members, limits, unreadable files.
    Archive,
    /// Package-level facts: bundled binaries, metadata and RECORD consistency.
    Package,
    /// The project's name: typosquatting, dependency confusion.
    Name,
    /// Registry facts about the project and release: age, history, status, licence,
    /// documentation, known vulnerabilities.
    Metadata,
}

impl Category {
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Malware => "malware",
            Category::InstallScript => "install-script",
            Category::Network => "network",
            Category::Shell => "shell",
            Category::Filesystem => "filesystem",
            Category::Obfuscation => "obfuscation",
            Category::Archive => "archive",
            Category::Package => "package",
            Category::Name => "name",
            Category::Metadata => "metadata",
        }
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One catalogue entry.
#[derive(Debug)]
pub struct AlertInfo {
    pub id: &'static str,
    pub severity: Severity,
    pub category: Category,
    pub title: &'static str,
    pub explanation: &'static str,
    pub remediation: &'static str,
}
