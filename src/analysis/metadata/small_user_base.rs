//! `small-user-base` (low): the project is not among the most-downloaded ones.
//!
//! **What:** the project's rank in safe-pip's bundled list of the most-downloaded PyPI
//! projects is missing or worse than `small_user_base_rank` (15,000 by default: the
//! length of the bundled list, so "not in the list").
//!
//! **Why low:** fewer users means fewer eyes on each release and slower discovery of a
//! bad one. It is only informational — and a good rank never clears anything: popular
//! projects are compromised too, and no other rule looks at the rank.
//!
//! **Example:** a project that is not in the top-15,000 list.
//!
//! **Remedy:** informational.

use super::input::Input;
use crate::alerts::AlertId;
use crate::finding::Finding;

pub(super) fn check(input: &Input) -> Vec<Finding> {
    let (f, limit) = (input.facts, input.policy.small_user_base_rank);
    if limit == 0 {
        return Vec::new();
    }
    let message = match f.popularity_rank {
        Some(rank) if rank <= limit => return Vec::new(),
        Some(rank) => format!("{} is #{rank} by downloads; policy flags projects outside the top {limit}", f.name),
        None => format!("{} is not in the bundled list of most-downloaded PyPI projects; policy flags projects outside the top {limit}", f.name),
    };
    let evidence = f.popularity_rank.map_or_else(|| "not in top list".to_string(), |r| format!("download rank #{r}"));
    vec![Finding::new(AlertId::SmallUserBase, "", message).with_evidence(&evidence)]
}

#[cfg(test)]
mod tests {
    use super::super::tests::{healthy, run};
    use super::super::thresholds::MetadataPolicy;
    use super::super::facts::RegistryFacts;
    use super::*;

    #[test]
    fn fires_outside_the_top_list_only() {
        let f = RegistryFacts::new("fastjsonlogger", "0.0.1");
        assert_eq!(f.popularity_rank, None);
        let found = run(check, &f, &MetadataPolicy::default());
        assert_eq!(found[0].message, "fastjsonlogger is not in the bundled list of most-downloaded PyPI projects; policy flags projects outside the top 15000");
        let f = RegistryFacts::new("Requests", "2.32.5");
        assert_eq!(f.popularity_rank, Some(7));
        assert!(run(check, &f, &MetadataPolicy::default()).is_empty());
        assert!(run(check, &healthy(), &MetadataPolicy::default()).is_empty());
    }

    #[test]
    fn threshold_is_policy() {
        let mut f = healthy();
        f.popularity_rank = Some(9000);
        let strict = MetadataPolicy { small_user_base_rank: 5000, ..MetadataPolicy::default() };
        assert_eq!(run(check, &f, &strict)[0].message, "requests is #9000 by downloads; policy flags projects outside the top 5000");
        assert!(run(check, &f, &MetadataPolicy::default()).is_empty());
    }
}
