//! Alerts → a 0–100 risk score and a level.
//!
//! Each alert contributes a probability-like weight by severity; the score is
//! 100·(1 − Π(1 − wᵢ)), so many weak signals add up without ever outweighing one
//! strong one, and repeats of the same alert count once. The level is the highest
//! severity present: one critical finding makes the package critical, whatever else.

use crate::alerts::{AlertId, Severity};
use crate::finding::Finding;
use serde::Serialize;
use std::collections::BTreeSet;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RiskLevel {
    None,
    Low,
    Medium,
    High,
    Critical,
}

impl RiskLevel {
    pub fn as_str(self) -> &'static str {
        match self {
            RiskLevel::None => "none",
            RiskLevel::Low => "low",
            RiskLevel::Medium => "medium",
            RiskLevel::High => "high",
            RiskLevel::Critical => "critical",
        }
    }
}

impl From<Severity> for RiskLevel {
    fn from(s: Severity) -> Self {
        match s {
            Severity::Low => RiskLevel::Low,
            Severity::Medium => RiskLevel::Medium,
            Severity::High => RiskLevel::High,
            Severity::Critical => RiskLevel::Critical,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Risk {
    pub score: u8,
    pub level: RiskLevel,
}

fn weight(severity: Severity) -> f64 {
    match severity {
        Severity::Critical => 0.90,
        Severity::High => 0.35,
        Severity::Medium => 0.12,
        Severity::Low => 0.03,
    }
}

/// Floor per level so that the number and the level never disagree: a critical
/// package never scores below 90, a high one never below 50.
fn floor(level: RiskLevel) -> u8 {
    match level {
        RiskLevel::Critical => 90,
        RiskLevel::High => 50,
        RiskLevel::Medium => 20,
        RiskLevel::Low => 3,
        RiskLevel::None => 0,
    }
}

fn ceiling(level: RiskLevel) -> u8 {
    match level {
        RiskLevel::Critical => 100,
        RiskLevel::High => 89,
        RiskLevel::Medium => 49,
        RiskLevel::Low => 19,
        RiskLevel::None => 0,
    }
}

pub fn score(findings: &[Finding]) -> Risk {
    let distinct: BTreeSet<AlertId> = findings.iter().map(|f| f.alert).collect();
    let level = distinct.iter().map(|a| RiskLevel::from(a.severity())).max().unwrap_or(RiskLevel::None);
    let clean = distinct.iter().fold(1.0, |acc, a| acc * (1.0 - weight(a.severity())));
    let raw = ((1.0 - clean) * 100.0).round() as u8;
    Risk { score: raw.clamp(floor(level), ceiling(level)), level }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(a: AlertId) -> Finding {
        Finding::new(a, "x.py", "m")
    }

    #[test]
    fn empty_is_zero() {
        assert_eq!(score(&[]), Risk { score: 0, level: RiskLevel::None });
    }

    #[test]
    fn one_critical_dominates_and_level_follows_max_severity() {
        let r = score(&[f(AlertId::DynamicImport), f(AlertId::DownloadExec)]);
        assert_eq!(r.level, RiskLevel::Critical);
        assert!(r.score >= 90);
    }

    #[test]
    fn repeats_of_one_alert_count_once_and_many_mediums_stay_below_high() {
        let one = score(&[f(AlertId::NetworkAccess)]);
        let many = score(&vec![f(AlertId::NetworkAccess); 50]);
        assert_eq!(one, many);
        let mixed = score(&[f(AlertId::NetworkAccess), f(AlertId::ShellAccess), f(AlertId::EnvHarvest), f(AlertId::MinifiedCode)]);
        assert_eq!(mixed.level, RiskLevel::Medium);
        assert!(mixed.score > one.score && mixed.score <= 49);
    }
}
