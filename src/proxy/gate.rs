//! What the proxy asks about each file ([`FileGate`]), and, for tests, a gate that only
//! scans (`ScanGate`): no verdict database, verdicts remembered in memory for the life of
//! the proxy. The commands use the database-backed `DbGate`, which implements the same trait.

use crate::alerts::AlertId;
use crate::analysis::metadata::MetadataPolicy;
use crate::analysis::metadata::time::{SECONDS_PER_DAY, describe_duration};
use crate::finding::Finding;
use crate::pipeline::PackageReport;
#[cfg(test)]
use crate::pipeline::{self, ScanOptions};
use crate::policy::Action;
#[cfg(test)]
use std::collections::HashMap;
#[cfg(test)]
use std::sync::Mutex;

/// One distribution file as an upstream index offers it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct GateFile {
    /// Position of the upstream index (0 = main index).
    pub upstream: usize,
    /// The upstream index URL, credentials redacted.
    pub index_url: String,
    /// Normalized project name.
    pub project: String,
    pub filename: String,
    /// The sha256 the index advertises (lower-case hex), if any.
    pub sha256: Option<String>,
    /// PEP 700 upload time, Unix seconds.
    pub upload_time: Option<i64>,
    /// Yanked upstream.
    pub yanked: bool,
}

/// What the proxy asks about each file. Implementations must be thread-safe: the proxy
/// calls them from many request threads at once.
pub(crate) trait FileGate: Send + Sync + 'static {
    /// A verdict known without downloading (e.g. a database hit by the advertised sha256).
    fn known(&self, file: &GateFile) -> Option<PackageReport>;
    /// The verdict for downloaded, hash-verified bytes. Never fails: what cannot be
    /// analysed is a blocking report (fail closed).
    fn judge(&self, file: &GateFile, bytes: &[u8]) -> PackageReport;
    /// Verdicts known without downloading for all the files of a page at once (a page
    /// may list thousands; implementations backed by a database should ask it once), in
    /// the order of `files`. Pages mark files known to be blocked as yanked. Unlike
    /// [`FileGate::known`], a failure to look up is `None` (the file itself still fails
    /// closed when asked for). Default: [`FileGate::known`] for each file.
    fn known_many(&self, files: &[GateFile]) -> Vec<Option<PackageReport>> {
        files.iter().map(|f| self.known(f)).collect()
    }
    /// A reason to hide this file from project pages (it is then shown as yanked, so
    /// resolvers pick another version); `None` keeps it.
    fn hide(&self, _file: &GateFile) -> Option<String> {
        None
    }
    /// What a project page hides, in the order of `files`: [`FileGate::hide`], else
    /// `blocked by safe-pip: ALERT: …` for a file whose known verdict
    /// ([`FileGate::known_many`]) is block. Wrappers that record hides override this.
    fn hide_many(&self, files: &[GateFile]) -> Vec<Option<String>> {
        let known = self.known_many(files);
        files
            .iter()
            .zip(known)
            .map(|(f, k)| self.hide(f).or_else(|| k.as_ref().and_then(blocked_yank_reason)))
            .collect()
    }
    /// A reason not to serve `project` from upstream `upstream` at all, e.g. an internal
    /// name offered by a public index (dependency confusion). The proxy then answers 404
    /// for that page and its files, so clients take the project from its own index only.
    fn refuse_project(&self, _upstream: usize, _index_url: &str, _project: &str) -> Option<String> {
        None
    }
}

#[cfg(test)]
/// A gate that scans every file it has not seen (pipeline::scan_bytes) and remembers
/// verdicts by sha256 in memory (tests only: the commands use [`crate::proxy::DbGate`]). It hides releases younger than the metadata policy's
/// minimum age when the policy blocks `release-too-new`, and (being known) files it has
/// blocked.
pub(crate) struct ScanGate {
    opts: ScanOptions,
    metadata: MetadataPolicy,
    verdicts: Mutex<HashMap<String, PackageReport>>,
}

#[cfg(test)]
/// Verdicts kept in memory at most; beyond this the map is cleared (verdicts are cheap
/// to recompute and the proxy keeps its own cache of recent ones).
const MAX_REMEMBERED: usize = 100_000;

#[cfg(test)]
impl ScanGate {
    pub(crate) fn new(opts: ScanOptions, metadata: MetadataPolicy) -> ScanGate {
        ScanGate { opts, metadata, verdicts: Mutex::new(HashMap::new()) }
    }

    fn remembered(&self, sha256: &str) -> Option<PackageReport> {
        self.verdicts.lock().ok()?.get(sha256).cloned()
    }
}

/// What the index itself says against a file, judged with it but never stored: yanked, or
/// younger than the policy's minimum release age.
pub(crate) fn index_findings(file: &GateFile, metadata: &MetadataPolicy, now: i64) -> Vec<Finding> {
    let mut out = Vec::new();
    if file.yanked {
        out.push(Finding::new(AlertId::YankedRelease, "", format!("{} is yanked on {}", file.filename, file.index_url)));
    }
    let days = metadata.min_release_age_days;
    if let Some(uploaded) = file.upload_time.filter(|t| days > 0 && now - t < i64::from(days) * SECONDS_PER_DAY) {
        out.push(Finding::new(
            AlertId::ReleaseTooNew,
            "",
            format!(
                "{} was uploaded {} ago; policy requires releases to be at least {days} day(s) old",
                file.filename,
                describe_duration(now - uploaded)
            ),
        ));
    }
    out
}

/// The yank reason of a file whose verdict is block: `blocked by safe-pip: ALERT: what
/// was seen (safe-pip explain ALERT)`; `None` for other verdicts.
pub(crate) fn blocked_yank_reason(report: &PackageReport) -> Option<String> {
    (report.decision.verdict == Action::Block).then(|| format!("blocked by safe-pip: {}", super::reply::block_summary(report)))
}

/// Why to hide a release that is younger than the minimum age, when policy blocks that
/// (a yank injected into the page makes the resolver pick an older one).
pub(crate) fn too_new_reason(file: &GateFile, metadata: &MetadataPolicy, policy: &crate::policy::Policy, now: i64) -> Option<String> {
    let days = metadata.min_release_age_days;
    let uploaded = file.upload_time?;
    if days == 0 || policy.action_for(AlertId::ReleaseTooNew) != Action::Block {
        return None;
    }
    (now - uploaded < i64::from(days) * SECONDS_PER_DAY)
        .then(|| format!("safe-pip: release-too-new: uploaded less than {days} day(s) ago; policy requires an older release"))
}

#[cfg(test)]
impl Default for ScanGate {
    fn default() -> Self {
        ScanGate::new(ScanOptions::default(), MetadataPolicy::default())
    }
}

#[cfg(test)]
impl FileGate for ScanGate {
    fn known(&self, file: &GateFile) -> Option<PackageReport> {
        self.remembered(file.sha256.as_deref()?)
    }

    fn judge(&self, file: &GateFile, bytes: &[u8]) -> PackageReport {
        let report = pipeline::scan_bytes(&file.filename, bytes, index_findings(file, &self.metadata, crate::db::now()), &self.opts);
        if let (Some(sha), Ok(mut map)) = (report.sha256.clone(), self.verdicts.lock()) {
            if map.len() >= MAX_REMEMBERED {
                map.clear();
            }
            map.insert(sha, report.clone());
        }
        report
    }

    /// Files it blocked are hidden too, by [`FileGate::hide_many`] (they are known).
    fn hide(&self, file: &GateFile) -> Option<String> {
        too_new_reason(file, &self.metadata, &self.opts.policy, crate::db::now())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(upload_time: Option<i64>) -> GateFile {
        GateFile {
            upstream: 0,
            index_url: "https://example.invalid/simple/".into(),
            project: "demo".into(),
            filename: "demo-1.0-py3-none-any.whl".into(),
            sha256: Some("00".repeat(32)),
            upload_time,
            yanked: false,
        }
    }

    #[test]
    fn too_new_is_hidden_only_when_policy_blocks_it() {
        let now = crate::db::now();
        let fresh = file(Some(now - 3600));
        assert_eq!(ScanGate::default().hide(&fresh), None, "release-too-new is medium: allowed by default");
        let mut opts = ScanOptions::default();
        opts.policy.alerts.insert(AlertId::ReleaseTooNew, Action::Block);
        let strict = ScanGate::new(opts, MetadataPolicy::default());
        assert!(strict.hide(&fresh).is_some_and(|r| r.contains("release-too-new")));
        assert_eq!(strict.hide(&file(Some(now - 3 * SECONDS_PER_DAY))), None);
        assert_eq!(strict.hide(&file(None)), None);
    }

    #[test]
    fn index_facts_become_findings_judged_by_policy() {
        let now = crate::db::now();
        let mut f = file(Some(now - 60));
        f.yanked = true;
        let ids: Vec<_> = index_findings(&f, &MetadataPolicy::default(), now).iter().map(|x| x.alert).collect();
        assert_eq!(ids, vec![AlertId::YankedRelease, AlertId::ReleaseTooNew]);
        assert!(index_findings(&file(Some(now - 2 * SECONDS_PER_DAY)), &MetadataPolicy::default(), now).is_empty());
    }
}
