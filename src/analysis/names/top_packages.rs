//! The bundled list of the most-downloaded PyPI projects
//! (python/safe_pip/data/top_packages.tsv), normalised and ranked.

use crate::pep503::normalize_name as normalize;
use rustc_hash::FxHashMap as HashMap;
use std::sync::OnceLock;

const TOP_PACKAGES_TSV: &str = include_str!("../../../python/safe_pip/data/top_packages.tsv");

/// One popular project: its normalised name and download rank (1 = most downloaded).
#[derive(Clone, Debug)]
pub struct Popular {
    pub name: String,
    pub rank: u32,
}

/// The bundled top-projects list, normalised, most popular first.
pub struct TopPackages {
    pub entries: Vec<Popular>,
    pub rank_of: HashMap<String, u32>,
}

impl TopPackages {
    fn parse(tsv: &str) -> TopPackages {
        let mut entries = Vec::new();
        let mut rank_of = HashMap::default();
        for line in tsv.lines().filter(|l| !l.starts_with('#') && !l.starts_with("rank\t")) {
            let mut cols = line.split('\t');
            let (Some(rank), Some(name)) = (cols.next(), cols.next()) else { continue };
            let Ok(rank) = rank.trim().parse::<u32>() else { continue };
            let name = normalize(name);
            if name.is_empty() || rank_of.contains_key(&name) {
                continue;
            }
            rank_of.insert(name.clone(), rank);
            entries.push(Popular { name, rank });
        }
        entries.sort_by_key(|p| p.rank);
        TopPackages { entries, rank_of }
    }

    pub fn get() -> &'static TopPackages {
        static TOP: OnceLock<TopPackages> = OnceLock::new();
        TOP.get_or_init(|| TopPackages::parse(TOP_PACKAGES_TSV))
    }

    pub fn rank(&self, normalized: &str) -> Option<u32> {
        self.rank_of.get(normalized).copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_list_is_loaded_in_rank_order() {
        let top = TopPackages::get();
        assert!(top.entries.len() >= 14_000, "{}", top.entries.len());
        assert_eq!(top.rank("requests"), Some(7));
        assert!(top.entries.windows(2).all(|w| w[0].rank < w[1].rank));
    }
}
