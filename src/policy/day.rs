//! A calendar day (UTC), for decision dates and expiry. Decisions are written by people
//! as `2026-11-25`; nothing finer is needed.

use crate::analysis::metadata::time::{SECONDS_PER_DAY, days_from_civil, format_date};
use std::fmt;

/// Days since 1970-01-01.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Day(pub i64);

/// As written in config files: `"2026-11-25"`.
impl serde::Serialize for Day {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl Day {
    pub fn today() -> Day {
        let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0);
        Day::from_unix(secs)
    }

    pub fn from_unix(secs: i64) -> Day {
        Day(secs.div_euclid(SECONDS_PER_DAY))
    }

    /// The day as Unix seconds at 00:00 UTC.
    pub fn unix(self) -> i64 {
        self.0 * SECONDS_PER_DAY
    }

    pub fn from_ymd(year: i64, month: u32, day: u32) -> Option<Day> {
        let days_in_month = match month {
            1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
            4 | 6 | 9 | 11 => 30,
            2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
            2 => 28,
            _ => return None,
        };
        (1..=9999).contains(&year).then_some(())?;
        (1..=days_in_month).contains(&day).then(|| Day(days_from_civil(year, month, day)))
    }

    /// `YYYY-MM-DD`, nothing else.
    pub fn parse(s: &str) -> Option<Day> {
        let b = s.as_bytes();
        if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
            return None;
        }
        let num = |r: std::ops::Range<usize>| s.get(r).filter(|p| p.bytes().all(|c| c.is_ascii_digit()))?.parse::<u32>().ok();
        Day::from_ymd(i64::from(num(0..4)?), num(5..7)?, num(8..10)?)
    }

    /// `(year, month, day)`.
    pub fn ymd(self) -> (i64, u32, u32) {
        let s = self.to_string();
        let part = |r: std::ops::Range<usize>| s.get(r).and_then(|p| p.parse::<i64>().ok()).unwrap_or(0);
        (part(0..4), part(5..7) as u32, part(8..10) as u32)
    }
}

impl fmt::Display for Day {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&format_date(self.unix()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_parse_and_print() {
        let d = Day::parse("2026-11-25").expect("valid");
        assert_eq!(d.to_string(), "2026-11-25");
        assert_eq!(d.ymd(), (2026, 11, 25));
        assert_eq!(Day::parse("2024-02-29").map(|d| d.to_string()).as_deref(), Some("2024-02-29"));
        assert!(Day::parse("2026-11-25").unwrap() < Day::parse("2026-11-26").unwrap());
        for bad in ["2026-02-29", "2026-13-01", "2026-1-01", "26-11-25", "2026-11-25T00:00", "2026/11/25", "", "0000-01-01"] {
            assert!(Day::parse(bad).is_none(), "{bad}");
        }
    }
}
