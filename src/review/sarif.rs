//! The review as SARIF 2.1.0 ([`crate::report::sarif`]): the alerts of every new or
//! updated package (and why one is unverified or not checked), each at the lockfile line
//! that brings the package in. Removed packages and the project itself have no results.

use super::model::{ChangeKind, Review, dependency_label};
use crate::policy::Policy;
use crate::check::sarif_results;
use crate::report::sarif::Sarif;
use serde_json::json;

pub(crate) fn render_sarif(r: &Review, policy: &Policy) -> String {
    let mut s = Sarif::new(policy);
    for c in r.changes.iter().filter(|c| c.kind != ChangeKind::Removed) {
        let Some(p) = &c.check else { continue };
        let added: Vec<&str> = c.behaviour.iter().flat_map(|b| b.added()).map(|b| b.alert.id()).collect();
        let extra = json!({
            "change": c.kind.as_str(),
            "old_version": c.old_version(),
            "dependency": dependency_label(c.dependency),
            "behaviour_added": added,
        });
        sarif_results(&mut s, p, r.unverified_action, extra);
    }
    s.render()
}
