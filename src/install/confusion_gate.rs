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
//! Which index offers a name is asked of every upstream (only when the name is internal
//! or more than one index is configured) and remembered for [`NAME_CHECK_TTL`]: a name
//! published on another index later (the attack this gate is for) is seen by a
//! long-running gateway, and the memory of names stays bounded ([`MAX_NAMES`]). An index
//! that cannot be asked makes every file of that name blocked: fail closed; that answer
//! is remembered only briefly ([`ERROR_TTL`]), so a passing outage does not block a name
//! until restart.

use crate::alerts::AlertId;
use crate::analysis::names::{InternalPolicy, check_confusion};
use crate::finding::Finding;
use crate::index::{IndexClient, redact};
use crate::pipeline::PackageReport;
use crate::policy::{Action, Policy};
use crate::proxy::{FileGate, GateFile};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

/// How long what the upstreams offer for a name is trusted.
const NAME_CHECK_TTL: Duration = Duration::from_secs(300);
/// How long "an upstream could not be asked" stands before asking again.
const ERROR_TTL: Duration = Duration::from_secs(10);
/// Names remembered at once; past this, expired answers are dropped, then the oldest.
const MAX_NAMES: usize = 20_000;

/// One name's answer and when it was made.
#[derive(Debug)]
struct Checked {
    at: Instant,
    check: Arc<NameCheck>,
}

/// How long answers are kept and how many (constants in the product; small in tests).
#[derive(Debug, Clone, Copy)]
struct Retention {
    fresh_for: Duration,
    error_for: Duration,
    max_names: usize,
}

impl Retention {
    const PRODUCT: Retention = Retention { fresh_for: NAME_CHECK_TTL, error_for: ERROR_TTL, max_names: MAX_NAMES };

    fn expired(&self, c: &Checked, now: Instant) -> bool {
        let ttl = if c.check.error.is_some() { self.error_for } else { self.fresh_for };
        now.saturating_duration_since(c.at) >= ttl
    }
}

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
    /// Per name, the answer (one shared fetch while it is being made).
    checks: Mutex<HashMap<String, Arc<OnceLock<Checked>>>>,
    retention: Retention,
}

impl ConfusionGate {
    /// `client` must be built from the same settings as the proxy (same upstream order).
    pub(crate) fn new(inner: Arc<dyn FileGate>, internal: InternalPolicy, client: IndexClient, policy: Policy) -> ConfusionGate {
        let upstreams = client.index_urls();
        ConfusionGate { inner, internal, client, upstreams, policy, checks: Mutex::new(HashMap::new()), retention: Retention::PRODUCT }
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
            let now = Instant::now();
            let stale = map.get(project).and_then(|c| c.get()).is_some_and(|c| self.retention.expired(c, now));
            if stale {
                map.remove(project);
            }
            if !map.contains_key(project) && map.len() >= self.retention.max_names {
                self.make_room(&mut map, now);
            }
            map.entry(project.to_string()).or_default().clone()
        };
        Some(cell.get_or_init(|| Checked { at: Instant::now(), check: Arc::new(self.ask(project)) }).check.clone())
    }

    /// Drops expired answers, then the oldest answered names, until a new name fits.
    /// Names still being asked stay: a request is waiting on them.
    fn make_room(&self, map: &mut HashMap<String, Arc<OnceLock<Checked>>>, now: Instant) {
        map.retain(|_, c| c.get().is_none_or(|c| !self.retention.expired(c, now)));
        if map.len() < self.retention.max_names {
            return;
        }
        let mut answered: Vec<(Instant, String)> = map.iter().filter_map(|(k, c)| c.get().map(|c| (c.at, k.clone()))).collect();
        answered.sort_unstable();
        let excess = map.len() + 1 - self.retention.max_names;
        for (_, name) in answered.into_iter().take(excess.max(self.retention.max_names / 10)) {
            map.remove(&name);
        }
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

    fn gate_keeping(internal: &[&str], indexes: &[String], retention: Retention) -> ConfusionGate {
        ConfusionGate { retention, ..gate(internal, indexes) }
    }

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

    #[test]
    fn answers_expire_so_a_name_published_later_is_seen() {
        use std::sync::atomic::{AtomicBool, Ordering};
        let a = index(&["left-pad"]);
        // the second index starts offering the name after the first answer
        let published = Arc::new(AtomicBool::new(false));
        let flag = published.clone();
        let b = TestServer::start(move |req, _| {
            if req.path == "/simple/left-pad/" && flag.load(Ordering::SeqCst) { Reply::ok("text/html", page("left-pad")) } else { Reply::status(404) }
        });
        let (au, bu) = (a.url("/simple/"), b.url("/simple/"));
        let keep = |fresh_for| Retention { fresh_for, ..Retention::PRODUCT };
        let long = gate_keeping(&[], &[au.clone(), bu.clone()], keep(Duration::from_secs(3600)));
        let short = gate_keeping(&[], &[au.clone(), bu.clone()], keep(Duration::ZERO));
        assert!(long.findings_for(&file(0, &au, "left-pad")).unwrap().is_empty());
        assert!(short.findings_for(&file(0, &au, "left-pad")).unwrap().is_empty());
        published.store(true, Ordering::SeqCst);
        // within its lifetime the answer stands; once expired the name is asked again
        assert!(long.findings_for(&file(0, &au, "left-pad")).unwrap().is_empty());
        let extra = short.findings_for(&file(0, &au, "left-pad")).unwrap();
        assert_eq!(extra.iter().map(|f| f.alert).collect::<Vec<_>>(), vec![AlertId::AmbiguousIndex]);
    }

    #[test]
    fn an_upstream_outage_is_not_remembered_past_its_short_lifetime() {
        use std::sync::atomic::{AtomicBool, Ordering};
        let a = index(&["left-pad"]);
        let down = Arc::new(AtomicBool::new(true));
        let flag = down.clone();
        let b = TestServer::start(move |_, _| if flag.load(Ordering::SeqCst) { Reply::status(503) } else { Reply::status(404) });
        let (au, bu) = (a.url("/simple/"), b.url("/simple/"));
        let g = gate_keeping(&[], &[au.clone(), bu], Retention { error_for: Duration::ZERO, ..Retention::PRODUCT });
        assert!(g.findings_for(&file(0, &au, "left-pad")).is_err(), "fails closed while an index cannot be asked");
        down.store(false, Ordering::SeqCst);
        assert!(g.findings_for(&file(0, &au, "left-pad")).unwrap().is_empty());
    }

    #[test]
    fn the_names_remembered_stay_bounded() {
        let a = index(&[]);
        let b = index(&[]);
        let (au, bu) = (a.url("/simple/"), b.url("/simple/"));
        let g = gate_keeping(&[], &[au.clone(), bu], Retention { max_names: 3, ..Retention::PRODUCT });
        for i in 0..20 {
            assert!(g.findings_for(&file(0, &au, &format!("name-{i}"))).unwrap().is_empty());
            assert!(g.checks.lock().unwrap().len() <= 3);
        }
        // the latest name is still remembered: asking again does not reach the index
        let before = a.requests().len();
        g.findings_for(&file(0, &au, "name-19")).unwrap();
        assert_eq!(a.requests().len(), before);
    }
}
