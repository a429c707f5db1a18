//! Scan history: every analysis recorded (sha256, name, version, verdict, when), so
//! `vet` can show the previous versions seen and how they were judged. Written in the
//! same transaction as the verdict (`verdicts.rs` appends the row); a cache hit is not a
//! new analysis.

use super::connection::Db;
use super::errors::DbError;
use crate::analysis::names::normalize;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct HistoryEntry {
    pub sha256: String,
    pub name: Option<String>,
    pub version: Option<String>,
    pub filename: String,
    pub verdict: String,
    pub score: u8,
    pub analysis_version: String,
    /// Unix seconds.
    pub scanned_at: i64,
}

impl Db {
    /// Every analysis of the project `name` (any spelling; PEP 503 normalised), newest
    /// first.
    pub fn history(&self, name: &str) -> Result<Vec<HistoryEntry>, DbError> {
        let norm = normalize(name);
        self.read("read the scan history", |c| {
            let mut stmt = c.prepare_cached(
                "SELECT sha256, name, version, filename, verdict, score, analysis_version, scanned_at
                 FROM scan_history WHERE name_norm = ?1 ORDER BY scanned_at DESC, id DESC",
            )?;
            let rows = stmt.query_map([&norm], |r| {
                Ok(HistoryEntry {
                    sha256: r.get(0)?,
                    name: r.get(1)?,
                    version: r.get(2)?,
                    filename: r.get(3)?,
                    verdict: r.get(4)?,
                    score: u8::try_from(r.get::<_, i64>(5)?).unwrap_or(100),
                    analysis_version: r.get(6)?,
                    scanned_at: r.get(7)?,
                })
            })?;
            rows.collect()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{sha, temp_db};
    use super::super::verdicts::NewVerdict;
    use crate::action::Action;
    use crate::score::{Risk, RiskLevel};

    #[test]
    fn history_lists_every_analysis_of_a_project_newest_first() {
        let (_d, db) = temp_db();
        let allow = (Action::Allow, "no alerts");
        let block = (Action::Block, "critical alert");
        let (s1, s2, s3) = (sha(1), sha(2), sha(3));
        let cases = [(&s1, "1.0", &allow, 100), (&s2, "1.1", &block, 200), (&s1, "1.0", &allow, 300), (&s3, "9.9", &allow, 400)];
        for (s, version, decision, when) in cases {
            let mut v = NewVerdict::new(s, "f", decision.0, decision.1, Risk { score: 0, level: RiskLevel::None }, &[]);
            v.name = Some(if version == "9.9" { "other" } else { "My_Pkg" });
            v.version = Some(version);
            v.scanned_at = Some(when);
            db.record_verdict(&v).expect("record");
        }
        let h = db.history("my.pkg").expect("history");
        let seen: Vec<(&str, &str, i64)> =
            h.iter().map(|e| (e.version.as_deref().unwrap_or(""), e.verdict.as_str(), e.scanned_at)).collect();
        assert_eq!(seen, vec![("1.0", "allow", 300), ("1.1", "block", 200), ("1.0", "allow", 100)]);
        assert_eq!(h[0].name.as_deref(), Some("My_Pkg"));
        assert!(db.history("unknown").expect("history").is_empty());
    }
}
