//! Bounded memory caches. Clients ask for the same file several times in one install
//! (HEAD then GET, range reads, up to five retries), so vetted bytes and verdicts are kept:
//! bytes in an LRU bounded by total size, small values in a map bounded by count.

use bytes::Bytes;
use std::collections::HashMap;
use std::hash::Hash;

/// Least-recently-used byte buffers, bounded by their total length.
pub(crate) struct ByteLru<K> {
    budget: usize,
    used: usize,
    tick: u64,
    map: HashMap<K, (Bytes, u64)>,
}

impl<K: Eq + Hash + Clone> ByteLru<K> {
    pub(crate) fn new(budget: usize) -> Self {
        ByteLru { budget, used: 0, tick: 0, map: HashMap::new() }
    }

    pub(crate) fn get(&mut self, k: &K) -> Option<Bytes> {
        self.tick += 1;
        let t = self.tick;
        self.map.get_mut(k).map(|(b, used)| {
            *used = t;
            b.clone()
        })
    }

    /// Keeps `v`, evicting the least recently used entries to make room. An entry larger
    /// than the whole budget is kept alone (a client that timed out while a huge file was
    /// being vetted retries and must not cause another download); a budget of 0 keeps nothing.
    pub(crate) fn put(&mut self, k: K, v: Bytes) {
        if self.budget == 0 {
            return;
        }
        if let Some((old, _)) = self.map.remove(&k) {
            self.used -= old.len();
        }
        while self.used + v.len() > self.budget && !self.map.is_empty() {
            let Some(oldest) = self.map.iter().min_by_key(|(_, (_, t))| *t).map(|(k, _)| k.clone()) else { break };
            if let Some((b, _)) = self.map.remove(&oldest) {
                self.used -= b.len();
            }
        }
        self.tick += 1;
        self.used += v.len();
        self.map.insert(k, (v, self.tick));
    }

    #[cfg(test)]
    pub(crate) fn used(&self) -> usize {
        self.used
    }
}

/// A map that forgets everything when it reaches `max` entries (values are cheap to
/// recompute; this only bounds memory in a long-running proxy).
pub(crate) struct BoundedMap<K, V> {
    max: usize,
    map: HashMap<K, V>,
}

impl<K: Eq + Hash, V: Clone> BoundedMap<K, V> {
    pub(crate) fn new(max: usize) -> Self {
        BoundedMap { max, map: HashMap::new() }
    }

    pub(crate) fn get(&self, k: &K) -> Option<V> {
        self.map.get(k).cloned()
    }

    pub(crate) fn entries(&self) -> impl Iterator<Item = (&K, &V)> {
        self.map.iter()
    }

    pub(crate) fn remove(&mut self, k: &K) {
        self.map.remove(k);
    }

    pub(crate) fn insert(&mut self, k: K, v: V) {
        if self.map.len() >= self.max && !self.map.contains_key(&k) {
            self.map.clear();
        }
        self.map.insert(k, v);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lru_evicts_least_recently_used_within_budget() {
        let mut c = ByteLru::new(10);
        c.put("a", Bytes::from_static(b"aaaa"));
        c.put("b", Bytes::from_static(b"bbbb"));
        assert!(c.get(&"a").is_some()); // a is now newer than b
        c.put("c", Bytes::from_static(b"cccc"));
        assert!(c.get(&"b").is_none(), "b was least recently used");
        assert!(c.get(&"a").is_some() && c.get(&"c").is_some());
        assert_eq!(c.used(), 8);
        c.put("huge", Bytes::from(vec![0u8; 11]));
        assert!(c.get(&"huge").is_some() && c.used() == 11, "larger than the budget: kept alone");
        assert!(c.get(&"a").is_none() && c.get(&"c").is_none());
        c.put("d", Bytes::from_static(b"dd"));
        assert!(c.get(&"huge").is_none() && c.used() == 2);
        let mut none = ByteLru::new(0);
        none.put("x", Bytes::from_static(b"x"));
        assert!(none.get(&"x").is_none());
    }

    #[test]
    fn bounded_map_clears_when_full() {
        let mut m = BoundedMap::new(2);
        m.insert(1, "x");
        m.insert(2, "y");
        m.insert(2, "z");
        assert_eq!(m.get(&1), Some("x"));
        m.insert(3, "w");
        assert_eq!((m.get(&1), m.get(&3)), (None, Some("w")));
    }
}
