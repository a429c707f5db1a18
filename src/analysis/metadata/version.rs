//! Versions as PEP 440 orders them, read with `pep440_rs` (the version type policy uses
//! too). Local labels (`+abc`) are ignored, so `2.0+local.7` is `2.0`. Used to pick the
//! lowest fixed version above the current one and to spot throw-away `0.0.x` versions.

use std::str::FromStr;

/// A PEP 440 version without its local label.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Version(pep440_rs::Version);

impl Version {
    /// Parses a PEP 440 version, normalising spellings (`1.0-ALPHA.1`, `v2`, `1.0.post`,
    /// `1.0-1`); `None` when it is not a PEP 440 version.
    pub fn parse(s: &str) -> Option<Version> {
        let public = s.trim().split('+').next().unwrap_or("");
        pep440_rs::Version::from_str(public).ok().map(Version)
    }

    /// The release segment: `[1, 2, 3]` for `1.2.3rc1`.
    pub fn release(&self) -> &[u64] {
        self.0.release()
    }

    /// `0.0.x`, `0.0` or `0`: the numbers people upload as throw-away versions.
    pub fn is_throwaway(&self) -> bool {
        self.0.epoch() == 0 && self.release().iter().take(2).all(|&n| n == 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cmp::Ordering;

    fn v(s: &str) -> Version {
        Version::parse(s).unwrap_or_else(|| panic!("{s} should parse"))
    }

    #[test]
    fn orders_like_pep_440() {
        let ordered = ["1.0.dev0", "1.0a1", "1.0a2.dev1", "1.0a2", "1.0b1", "1.0rc1", "1.0", "1.0.post1", "1.0.1", "1.1", "2.32.4", "2.100", "1!0.1"];
        for w in ordered.windows(2) {
            assert!(v(w[0]) < v(w[1]), "{} < {}", w[0], w[1]);
        }
        assert_eq!(v("1.0").cmp(&v("1.0.0")), Ordering::Equal);
        assert_eq!(v("1.0-ALPHA.1").cmp(&v("1.0a1")), Ordering::Equal);
        assert_eq!(v("1.0-1").cmp(&v("1.0.post1")), Ordering::Equal);
        assert_eq!(v("v2.0+local.7").cmp(&v("2.0")), Ordering::Equal);
    }

    #[test]
    fn rejects_non_versions_and_spots_throwaway_versions() {
        for bad in ["", "abc", "1.0-foo", "1..0", "latest"] {
            assert!(Version::parse(bad).is_none(), "{bad}");
        }
        assert!(v("0.0.1").is_throwaway());
        assert!(v("0.0.0").is_throwaway());
        assert!(v("0").is_throwaway());
        assert!(!v("0.1.0").is_throwaway());
        assert!(!v("1.0.0").is_throwaway());
    }
}
