//! Just enough of PEP 440 to order versions: epoch, release, pre/post/dev parts and
//! their normalised spellings. Local labels (`+abc`) are ignored. Used to pick the
//! lowest fixed version above the current one and to spot throw-away `0.0.x` versions.

use std::cmp::Ordering;

/// (epoch, release without trailing zeros, pre, post, dev), each part ranked so that
/// plain tuple order is PEP 440 order.
type SortKey = (u64, Vec<u64>, (u8, u64), (u8, u64), (u8, u64));

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Version {
    epoch: u64,
    release: Vec<u64>,
    /// (0 = a, 1 = b, 2 = rc, number)
    pre: Option<(u8, u64)>,
    post: Option<u64>,
    dev: Option<u64>,
}

impl Version {
    /// Parses a PEP 440 version, normalising spellings (`1.0-ALPHA.1`, `v2`, `1.0.post`,
    /// `1.0-1`); `None` when it is not a PEP 440 version.
    pub fn parse(s: &str) -> Option<Version> {
        let lower = s.trim().to_ascii_lowercase();
        let s = lower.split('+').next().unwrap_or("");
        let s = s.strip_prefix('v').unwrap_or(s);
        let mut p = Parser { s: s.as_bytes(), i: 0 };

        let mut epoch = 0;
        let first = p.number()?;
        let mut release = Vec::new();
        if p.eat(b"!") {
            epoch = first;
            release.push(p.number()?);
        } else {
            release.push(first);
        }
        while p.peek() == Some(b'.') && p.peek_at(1).is_some_and(|c| c.is_ascii_digit()) {
            p.i += 1;
            release.push(p.number()?);
        }

        let mut pre = None;
        let save = p.i;
        p.separator();
        let pre_kind = [("alpha", 0), ("beta", 1), ("preview", 2), ("pre", 2), ("rc", 2), ("a", 0), ("b", 1), ("c", 2)]
            .iter()
            .find(|(word, _)| p.eat(word.as_bytes()))
            .map(|(_, k)| *k);
        match pre_kind {
            Some(kind) => {
                p.separator();
                pre = Some((kind, p.number().unwrap_or(0)));
            }
            None => p.i = save,
        }

        let mut post = None;
        let save = p.i;
        if p.peek() == Some(b'-') && p.peek_at(1).is_some_and(|c| c.is_ascii_digit()) {
            p.i += 1;
            post = p.number();
        } else {
            p.separator();
            if ["post", "rev", "r"].iter().any(|w| p.eat(w.as_bytes())) {
                p.separator();
                post = Some(p.number().unwrap_or(0));
            } else {
                p.i = save;
            }
        }

        let mut dev = None;
        let save = p.i;
        p.separator();
        if p.eat(b"dev") {
            p.separator();
            dev = Some(p.number().unwrap_or(0));
        } else {
            p.i = save;
        }

        if p.i != p.s.len() {
            return None;
        }
        Some(Version { epoch, release, pre, post, dev })
    }

    /// The release segment: `[1, 2, 3]` for `1.2.3rc1`.
    pub fn release(&self) -> &[u64] {
        &self.release
    }

    /// `0.0.x`, `0.0` or `0`: the numbers people upload as throw-away versions.
    pub fn is_throwaway(&self) -> bool {
        self.epoch == 0 && self.release.iter().take(2).all(|&n| n == 0)
    }

    fn key(&self) -> SortKey {
        let mut release = self.release.clone();
        while release.len() > 1 && release.last() == Some(&0) {
            release.pop();
        }
        // A dev release of a final version sorts before its pre-releases.
        let pre = match (self.pre, self.post, self.dev) {
            (Some((k, n)), _, _) => (1, u64::from(k) << 56 | n.min((1 << 56) - 1)),
            (None, None, Some(_)) => (0, 0),
            (None, _, _) => (2, 0),
        };
        let post = match self.post {
            None => (0, 0),
            Some(n) => (1, n),
        };
        let dev = match self.dev {
            None => (1, 0),
            Some(n) => (0, n),
        };
        (self.epoch, release, pre, post, dev)
    }
}

impl Ord for Version {
    fn cmp(&self, other: &Self) -> Ordering {
        self.key().cmp(&other.key())
    }
}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

struct Parser<'a> {
    s: &'a [u8],
    i: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }
    fn peek_at(&self, n: usize) -> Option<u8> {
        self.s.get(self.i + n).copied()
    }
    fn eat(&mut self, word: &[u8]) -> bool {
        if self.s[self.i..].starts_with(word) {
            self.i += word.len();
            true
        } else {
            false
        }
    }
    fn separator(&mut self) {
        if matches!(self.peek(), Some(b'.' | b'-' | b'_')) {
            self.i += 1;
        }
    }
    fn number(&mut self) -> Option<u64> {
        let start = self.i;
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.i += 1;
        }
        if self.i == start {
            return None;
        }
        std::str::from_utf8(&self.s[start..self.i]).ok()?.parse().ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
