//! `limited-documentation` (low): the release says little about itself.
//!
//! **What:** no summary and no description; or no home page, source repository or
//! documentation link (funding and social links do not count).
//!
//! **Why low:** genuine projects nearly always say what they are and where their code
//! lives; malicious uploads often leave everything empty. The organisation standard
//! lists "limited documentation" among the informational alerts.
//!
//! **Example:** a release with an empty description and no project URLs.
//!
//! **Remedy:** informational; find the project's source before relying on it.

use super::input::{Input, present};
use crate::alerts::AlertId;
use crate::finding::Finding;

/// Project-URL labels that point at money or chat, not at code or documentation.
const NOT_DOCS: &[&str] = &["funding", "donate", "donation", "sponsor", "tidelift", "twitter", "mastodon", "chat", "discord", "slack", "gitter", "x", "linkedin", "youtube"];

pub(super) fn check(input: &Input) -> Vec<Finding> {
    let f = input.facts;
    let mut missing = Vec::new();
    if present(&f.summary).is_none() && present(&f.description).is_none() {
        missing.push("no summary or description");
    }
    let home = present(&f.home_page).is_some_and(is_web_url);
    let linked = f.project_urls.iter().any(|(label, url)| {
        let l = label.trim().to_lowercase();
        is_web_url(url) && !NOT_DOCS.iter().any(|n| l == *n || l.split(|c: char| !c.is_alphanumeric()).any(|w| w == *n))
    });
    if !home && !linked {
        missing.push("no home page, repository or documentation URL");
    }
    if missing.is_empty() {
        return Vec::new();
    }
    vec![
        Finding::new(
            AlertId::LimitedDocumentation,
            "",
            format!("{} {} has {}; policy expects a description and a link to the source or docs", f.name, f.version, missing.join(" and ")),
        )
        .with_evidence(&missing.join("; ")),
    ]
}

fn is_web_url(url: &str) -> bool {
    let u = url.trim().to_ascii_lowercase();
    let rest = u.strip_prefix("https://").or_else(|| u.strip_prefix("http://"));
    rest.and_then(|r| r.split('/').next()).is_some_and(|host| host.contains('.'))
}

#[cfg(test)]
mod tests {
    use super::super::tests::{healthy, run};
    use super::super::thresholds::MetadataPolicy;
    use super::*;

    #[test]
    fn fires_on_empty_metadata() {
        let mut f = healthy();
        f.summary = Some("UNKNOWN".into());
        f.description = None;
        f.home_page = None;
        f.project_urls.clear();
        f.project_urls.insert("Funding".into(), "https://github.com/sponsors/someone".into());
        let found = run(check, &f, &MetadataPolicy::default());
        assert_eq!(
            found[0].message,
            "requests 2.32.5 has no summary or description and no home page, repository or documentation URL; policy expects a description and a link to the source or docs"
        );
    }

    #[test]
    fn one_good_link_or_text_is_enough() {
        assert!(run(check, &healthy(), &MetadataPolicy::default()).is_empty());
        let mut f = healthy();
        f.project_urls.clear();
        f.home_page = Some("https://requests.readthedocs.io".into());
        assert!(run(check, &f, &MetadataPolicy::default()).is_empty());
        f.home_page = Some("UNKNOWN".into());
        f.project_urls.insert("Source".into(), "https://github.com/psf/requests".into());
        assert!(run(check, &f, &MetadataPolicy::default()).is_empty());
        f.project_urls.clear();
        let found = run(check, &f, &MetadataPolicy::default());
        assert!(found[0].message.contains("has no home page, repository or documentation URL"), "{}", found[0].message);
        assert!(!found[0].message.contains("no summary"));
    }
}
