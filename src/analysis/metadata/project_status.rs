//! `project-quarantined` (critical), `project-archived` (medium), `project-deprecated`
//! (medium): the index's PEP 792 project status. One rule, because a project has
//! exactly one status.
//!
//! **What:** the Simple API's `project-status` (JSON) or `pypi:project-status` meta tag
//! (HTML) says `quarantined`, `archived` or `deprecated`; `active` is silent.
//!
//! **Why:** *quarantined* means the index considers the project unsafe — in practice a
//! malware report under review — so it blocks like known malware. *Archived* means no
//! further releases, hence no security fixes; *deprecated* means obsolete, often with
//! a named successor. Both are "review and document" in the organisation standard.
//!
//! **Example:** status `quarantined`, reason "reported as malware".
//!
//! **Remedy:** quarantined — do not install, remove it if present, treat the machine as
//! suspect; archived/deprecated — move to the successor, or document the decision.

use super::input::{Input, clip, present};
use super::facts::ProjectStatus;
use crate::alerts::AlertId;
use crate::finding::Finding;

pub(super) fn check(input: &Input) -> Vec<Finding> {
    let f = input.facts;
    let (alert, what) = match f.project_status {
        ProjectStatus::Active => return Vec::new(),
        ProjectStatus::Quarantined => (AlertId::ProjectQuarantined, "is quarantined by the index (considered unsafe, e.g. malware)"),
        ProjectStatus::Archived => (AlertId::ProjectArchived, "is archived (no further releases expected)"),
        ProjectStatus::Deprecated => (AlertId::ProjectDeprecated, "is deprecated (considered obsolete)"),
    };
    let mut message = format!("{} {what}", f.name);
    let mut evidence = format!("project-status: {}", f.project_status.as_str());
    if let Some(reason) = present(&f.project_status_reason).map(|r| clip(r, 200)) {
        message.push_str(&format!(": \"{reason}\""));
        evidence.push_str(&format!(" ({reason})"));
    }
    vec![Finding::new(alert, "", message).with_evidence(&evidence)]
}

#[cfg(test)]
mod tests {
    use super::super::tests::{healthy, run};
    use super::super::thresholds::MetadataPolicy;
    use super::*;

    #[test]
    fn each_status_has_its_alert() {
        let p = MetadataPolicy::default();
        assert!(run(check, &healthy(), &p).is_empty());
        for (status, alert) in [
            (ProjectStatus::Quarantined, AlertId::ProjectQuarantined),
            (ProjectStatus::Archived, AlertId::ProjectArchived),
            (ProjectStatus::Deprecated, AlertId::ProjectDeprecated),
        ] {
            let mut f = healthy();
            f.project_status = status;
            let found = run(check, &f, &p);
            assert_eq!(found.iter().map(|x| x.alert).collect::<Vec<_>>(), vec![alert]);
        }
    }

    #[test]
    fn reason_is_quoted() {
        let mut f = healthy();
        f.name = "evil-pkg".into();
        f.project_status = ProjectStatus::Quarantined;
        f.project_status_reason = Some("reported as malware".into());
        let found = run(check, &f, &MetadataPolicy::default());
        assert_eq!(found[0].message, "evil-pkg is quarantined by the index (considered unsafe, e.g. malware): \"reported as malware\"");
        assert_eq!(found[0].evidence, "project-status: quarantined (reported as malware)");
    }

    #[test]
    fn parses_pep_792_markers() {
        assert_eq!(ProjectStatus::parse("Quarantined"), Some(ProjectStatus::Quarantined));
        assert_eq!(ProjectStatus::parse("active"), Some(ProjectStatus::Active));
        assert_eq!(ProjectStatus::parse("frozen"), None);
    }
}
