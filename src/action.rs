//! The shared vocabulary of verdicts, on the ground floor: what to do about a package or
//! an alert ([`Action`]: allow, warn, block) and what a documented decision does
//! ([`DecisionAction`]: allow, deny). Policy decides with them, the verdict DB stores them,
//! every report prints them; none of those needs another to name them.

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    Allow,
    Warn,
    Block,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Allow => "allow",
            Action::Warn => "warn",
            Action::Block => "block",
        }
    }

    /// The word config files use for an alert's or a severity's action: "ignore" is
    /// `Allow` (the alert does not count toward the verdict; reports still list it).
    pub fn rule_name(self) -> &'static str {
        match self {
            Action::Allow => "ignore",
            other => other.as_str(),
        }
    }

    /// `block`, `warn` or `ignore` (config files, for alerts and severities).
    pub fn parse_rule(s: &str) -> Option<Action> {
        match s {
            "block" => Some(Action::Block),
            "warn" => Some(Action::Warn),
            "ignore" => Some(Action::Allow),
            _ => None,
        }
    }

    /// `block`, `warn` or `allow` (verdicts, `unverified`).
    pub fn parse(s: &str) -> Option<Action> {
        match s {
            "block" => Some(Action::Block),
            "warn" => Some(Action::Warn),
            "allow" => Some(Action::Allow),
            _ => None,
        }
    }
}

/// The outcome for one package.
pub type Verdict = Action;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DecisionAction {
    Allow,
    Deny,
}

impl DecisionAction {
    pub fn as_str(self) -> &'static str {
        match self {
            DecisionAction::Allow => "allow",
            DecisionAction::Deny => "deny",
        }
    }

    pub fn parse(s: &str) -> Option<DecisionAction> {
        match s {
            "allow" => Some(DecisionAction::Allow),
            "deny" => Some(DecisionAction::Deny),
            _ => None,
        }
    }
}
