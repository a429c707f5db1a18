//! Dependency confusion at install time, as a [`FileGate`] decorator (the proxy stays
//! policy-neutral). pip merges the candidates of every index and installs the highest
//! version wherever it comes from; so, per project name:
//! - an internal name (`--internal`, `SAFE_PIP_INTERNAL`) is served only from the index
//!   its rule allows: files from any other upstream are hidden from the page and refused
//!   (`dependency-confusion`, critical);
//! - an internal name that several allowed indexes offer is blocked everywhere (which one
//!   pip picks is up to version numbers);
//! - any other name offered by several configured indexes carries `ambiguous-index`
//!   (high: warned by default) on every file.
//!
//! Which index offers a name is asked of every upstream once per name (only when the name
//! is internal or more than one index is configured). An index that cannot be asked
//! makes every file of that name blocked: fail closed.

use crate::alerts::AlertId;
use crate::analysis::names::{InternalPolicy, check_confusion};
use crate::finding::Finding;
use crate::index::{IndexClient, redact};
use crate::pipeline::PackageReport;
use crate::policy::{Action, Policy};
use crate::proxy::{FileGate, GateFile};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

/// What is known about one project name across the upstreams.
#[derive(Debug, Default)]
struct NameCheck {
    /// Findings for files from an allowed upstream.
    shared: Vec<Finding>,
    /// Per upstream: files from it are foreign (internal name, wrong index).
    foreign: Vec<bool>,
    /// The finding for foreign files.
    foreign_finding: Option<Finding>,
    /// An upstream could not be asked: everything of this name is blocked.
    error: Option<String>,
}

pub(crate) struct ConfusionGate {
    inner: Arc<dyn FileGate>,
    internal: InternalPolicy,
    client: IndexClient,
    /// Upstream index URLs (no credentials), in route order.
    upstreams: Vec<String>,
    policy: Policy,
    checks: Mutex<HashMap<String, Arc<OnceLock<Arc<NameCheck>>>>>,
}

impl ConfusionGate {
    /// `client` must be built from the same settings as the proxy (same upstream order).
    pub(crate) fn new(inner: Arc<dyn FileGate>, internal: InternalPolicy, client: IndexClient, policy: Policy) -> ConfusionGate {
        let upstreams = client.index_urls();
        ConfusionGate { inner, internal, client, upstreams, policy, checks: Mutex::new(HashMap::new()) }
    }

    /// Whether any name can need a check at all with this configuration.
    pub(crate) fn needed(internal: &InternalPolicy, upstreams: usize) -> bool {
        !internal.is_empty() || upstreams > 1
    }

    fn check(&self, project: &str) -> Option<Arc<NameCheck>> {
        let rule = self.internal.matches(project);
        if rule.is_none() && self.upstreams.len() < 2 {
            return None;
        }
        let cell = {
            let mut map = self.checks.lock().ok()?;
            map.entry(project.to_string()).or_default().clone()
        };
        Some(cell.get_or_init(|| Arc::new(self.ask(project))).clone())
    }

    fn ask(&self, project: &str) -> NameCheck {
        let mut offers = Vec::new();
        for (url, result) in self.client.project_on_each_index(project) {
            match result {
                Ok(page) => offers.push((url, page.is_some_and(|p| !p.files.is_empty()))),
                Err(e) => {
                    return NameCheck {
                        error: Some(format!("cannot ask {} whether it offers `{project}` (dependency-confusion check): {e}", redact(&url))),
                        ..NameCheck::default()
                    };
                }
            }
        }
        let findings = check_confusion(project, &self.internal, &offers);
        let rule = self.internal.matches(project);
        let foreign: Vec<bool> = self.upstreams.iter().map(|u| rule.is_some_and(|r| !r.allows_index(u))).collect();
        let any_foreign_offers = offers.iter().zip(&foreign).any(|((_, offered), f)| *offered && *f);
        let mut check = NameCheck { foreign, ..NameCheck::default() };
        for f in findings {
            if f.alert == AlertId::DependencyConfusion && any_foreign_offers {
                check.foreign_finding = Some(f);
            } else {
                check.shared.push(f);
            }
        }
        check
    }

    /// Extra findings for `file`, or the reason it cannot be checked.
    fn findings_for(&self, file: &GateFile) -> Result<Vec<Finding>, String> {
        let Some(c) = self.check(&file.project) else { return Ok(Vec::new()) };
        if let Some(e) = &c.error {
            return Err(e.clone());
        }
        let mut out = c.shared.clone();
        if c.foreign.get(file.upstream).copied().unwrap_or(false) {
            out.push(c.foreign_finding.clone().unwrap_or_else(|| {
                Finding::new(
                    AlertId::DependencyConfusion,
                    "",
                    format!("`{}` is internal and must not come from {}", file.project, file.index_url),
                )
            }));
        }
        Ok(out)
    }

    /// A verdict for a file that is not downloaded at all.
    fn refusal(&self, file: &GateFile, findings: Vec<Finding>, error: Option<String>) -> PackageReport {
        let mut r = match &error {
            Some(e) => PackageReport::unverified(&file.filename, e),
            // Judged on the findings alone (nothing was downloaded).
            None => PackageReport { error: None, ..PackageReport::unverified(&file.filename, "") }.with_findings(findings, &self.policy),
        };
        r.name = Some(file.project.clone());
        r.version = crate::index::version_from_filename(&file.filename, Some(&file.project));
        r.sha256 = file.sha256.clone();
        r
    }
}

impl FileGate for ConfusionGate {
    fn known(&self, file: &GateFile) -> Option<PackageReport> {
        match self.findings_for(file) {
            Err(e) => Some(self.refusal(file, Vec::new(), Some(e))),
            Ok(extra) => {
                let foreign = extra.iter().any(|f| f.alert == AlertId::DependencyConfusion);
                if foreign && self.policy.decide(&extra).verdict == Action::Block {
                    // Never downloaded: the name must not come from here.
                    return Some(self.refusal(file, extra, None));
                }
                self.inner.known(file).map(|r| r.with_findings(extra, &self.policy))
            }
        }
    }

    fn known_many(&self, files: &[GateFile]) -> Vec<Option<PackageReport>> {
        // Foreign copies are hidden by `hide`; the rest as `known` judges them.
        let known = self.inner.known_many(files);
        files
            .iter()
            .zip(known)
            .map(|(f, k)| {
                let r = k?;
                Some(match self.findings_for(f) {
                    Ok(extra) => r.with_findings(extra, &self.policy),
                    Err(_) => r,
                })
            })
            .collect()
    }

    fn judge(&self, file: &GateFile, bytes: &[u8]) -> PackageReport {
        match self.findings_for(file) {
            Err(e) => self.refusal(file, Vec::new(), Some(e)),
            Ok(extra) => self.inner.judge(file, bytes).with_findings(extra, &self.policy),
        }
    }

    fn refuse_project(&self, upstream: usize, index_url: &str, project: &str) -> Option<String> {
        if let Some(c) = self.check(project) {
            if c.error.is_none() && c.foreign.get(upstream).copied().unwrap_or(false) {
                return Some(format!("dependency-confusion: `{project}` is internal and is not served from {index_url}"));
            }
        }
        self.inner.refuse_project(upstream, index_url, project)
    }

    fn hide(&self, file: &GateFile) -> Option<String> {
        if let Some(c) = self.check(&file.project) {
            if c.error.is_none() && c.foreign.get(file.upstream).copied().unwrap_or(false) {
                return Some(format!("safe-pip: dependency-confusion: `{}` is internal and is not served from this index", file.project));
            }
        }
        self.inner.hide(file)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::IndexSettings;
    use crate::index::tests::server::{Reply, TestServer};
    use crate::proxy::ScanGate;

    fn gate(internal: &[&str], indexes: &[String]) -> ConfusionGate {
        let settings = IndexSettings {
            index_url: indexes[0].clone(),
            extra_index_urls: indexes[1..].to_vec(),
            retries: 0,
            ..IndexSettings::default()
        };
        ConfusionGate::new(
            Arc::new(ScanGate::default()),
            InternalPolicy::from_flags(internal).unwrap(),
            IndexClient::new(&settings).unwrap(),
            Policy::default(),
        )
    }

    fn file(upstream: usize, index: &str, project: &str) -> GateFile {
        GateFile {
            upstream,
            index_url: index.to_string(),
            project: project.into(),
            filename: format!("{project}-1.0-py3-none-any.whl"),
            sha256: None,
            upload_time: None,
            yanked: false,
        }
    }

    fn page(project: &str) -> String {
        format!("<html><body><a href=\"../../files/{project}-1.0-py3-none-any.whl\">{project}-1.0-py3-none-any.whl</a></body></html>")
    }

    /// An index serving a page for each of `projects`, 404 for anything else.
    fn index(projects: &'static [&'static str]) -> TestServer {
        TestServer::start(move |req, _| match projects.iter().find(|p| req.path == format!("/simple/{p}/")) {
            Some(p) => Reply::ok("text/html", page(p)),
            None => Reply::status(404),
        })
    }

    #[test]
    fn internal_names_come_only_from_their_index() {
        let own = index(&["acme-utils"]);
        let public = index(&["acme-utils", "six"]);
        let own_url = own.url("/simple/");
        let public_url = public.url("/simple/");
        let g = gate(&[&format!("acme-*={own_url}")], &[own_url.clone(), public_url.clone()]);
        // The public copy is hidden and refused without download; the own copy is fine.
        assert!(g.hide(&file(1, &public_url, "acme-utils")).is_some_and(|r| r.contains("dependency-confusion")));
        let refused = g.known(&file(1, &public_url, "acme-utils")).expect("refused without download");
        assert_eq!(refused.decision.verdict, Action::Block);
        assert_eq!(refused.findings[0].alert, AlertId::DependencyConfusion);
        assert_eq!(g.hide(&file(0, &own_url, "acme-utils")), None);
        // The whole page of the public copy is refused; the own index's is served.
        assert!(g.refuse_project(1, &public_url, "acme-utils").is_some_and(|r| r.contains("dependency-confusion")));
        assert_eq!(g.refuse_project(0, &own_url, "acme-utils"), None);
        assert!(g.known(&file(0, &own_url, "acme-utils")).is_none());
        // A name on one index only: nothing added.
        assert!(g.findings_for(&file(1, &public_url, "six")).unwrap().is_empty());
        // Each index was asked once per name, however often the gate was consulted.
        assert_eq!(public.requests().iter().filter(|r| r.path == "/simple/acme-utils/").count(), 1);
    }

    #[test]
    fn several_indexes_offering_a_name_is_ambiguous_and_unreachable_fails_closed() {
        let a = index(&["left-pad"]);
        let b = index(&["left-pad"]);
        let (au, bu) = (a.url("/simple/"), b.url("/simple/"));
        let g = gate(&[], &[au.clone(), bu]);
        let extra = g.findings_for(&file(0, &au, "left-pad")).unwrap();
        assert_eq!(extra.iter().map(|f| f.alert).collect::<Vec<_>>(), vec![AlertId::AmbiguousIndex]);
        assert_eq!(g.hide(&file(0, &au, "left-pad")), None);

        let dead = "http://127.0.0.1:9/simple/".to_string();
        let g = gate(&[], &[au.clone(), dead]);
        let r = g.known(&file(0, &au, "left-pad")).expect("blocked");
        assert_eq!(r.decision.verdict, Action::Block);
        assert!(r.decision.reason().contains("cannot ask"), "{}", r.decision.reason());
    }
}
