//! What one `safe-pip install` run found and did: every file checked (by the proxy or by
//! the wrapper), what was refused before pip ran, what went through unverified, and how
//! pip ended. The summary renderers read only this.

use crate::exit::ExitStatus;
use crate::pipeline::PackageReport;
use crate::policy::Action;

/// Where a checked file came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum FileSource {
    /// Served by the proxy from configured index `upstream` (URL redacted).
    Index { upstream: usize, index: String },
    /// A local archive or folder named on the command line or in a requirements file.
    Local { path: String },
    /// A direct URL, downloaded and checked by the wrapper.
    Url { url: String },
    /// A file of a `--find-links` folder.
    FindLinks { location: String },
}

impl FileSource {
    pub(crate) fn kind(&self) -> &'static str {
        match self {
            FileSource::Index { .. } => "index",
            FileSource::Local { .. } => "local",
            FileSource::Url { .. } => "url",
            FileSource::FindLinks { .. } => "find-links",
        }
    }

    pub(crate) fn location(&self) -> &str {
        match self {
            FileSource::Index { index, .. } => index,
            FileSource::Local { path } => path,
            FileSource::Url { url } => url,
            FileSource::FindLinks { location } => location,
        }
    }
}

/// One file and its verdict.
#[derive(Clone, Debug)]
pub(crate) struct CheckedFile {
    pub source: FileSource,
    pub project: Option<String>,
    pub report: PackageReport,
    /// Handed to pip (false: answered 403 / kept from pip).
    pub served: bool,
    /// The verdict came from the verdict DB (no analysis this time).
    pub from_db: bool,
}

impl CheckedFile {
    pub(crate) fn blocked(&self) -> bool {
        !self.served || self.report.decision.verdict == Action::Block
    }
}

/// Why something was refused before pip ran.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum RefusalKind {
    /// A typosquat or another name policy blocks.
    Name,
    /// Checked and blocked (local archive, folder, direct URL).
    Blocked,
    /// Cannot be checked (VCS, remote find-links page) and policy does not allow that.
    Unverifiable,
}

/// A requirement or source refused before pip ran.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Refusal {
    pub kind: RefusalKind,
    /// The requirement, path or URL (credentials redacted).
    pub subject: String,
    /// "command line", "requirements.txt:3", …
    pub origin: String,
    pub reason: String,
    pub hint: String,
}

/// Something let through unchecked because the user allowed unverified sources.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Unverified {
    pub subject: String,
    pub origin: String,
    pub reason: String,
}

/// `HiddenFile::filename` when a whole project page was refused on one index.
pub(crate) const ALL_FILES: &str = "*";

/// A file the proxy kept off a project page (shown as yanked, so pip picks another
/// version), or a whole project refused on one index ([`ALL_FILES`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct HiddenFile {
    pub project: String,
    pub filename: String,
    pub index: String,
    pub reason: String,
}

/// How the run ended.
#[derive(Clone, Debug, Default)]
pub(crate) struct Outcome {
    pub files: Vec<CheckedFile>,
    pub refused: Vec<Refusal>,
    pub unverified: Vec<Unverified>,
    /// Files the proxy kept off project pages (pip saw them as yanked).
    pub hidden: Vec<HiddenFile>,
    /// Informational lines (e.g. a find-links folder that does not exist).
    pub notes: Vec<String>,
    /// pip's exit status; `None` when pip did not run (or was killed).
    pub pip_exit: Option<i32>,
    pub pip_ran: bool,
    /// pip's parser stopped before installing (usage error, `--help`): pip said it all.
    pub pip_parser_exit: bool,
    /// A safe-pip error that stopped the run: message and remedy.
    pub error: Option<crate::error::Error>,
    /// pip version as its parser reported it.
    pub pip_version: Option<String>,
    /// Blocked filename → `NAME==VERSION` of an older release that is not blocked.
    pub older_releases: std::collections::HashMap<String, String>,
}

impl Outcome {
    pub(crate) fn any_blocked(&self) -> bool {
        self.files.iter().any(CheckedFile::blocked) || self.refused.iter().any(|r| r.kind != RefusalKind::Unverifiable)
    }

    /// 2 on a safe-pip error; 1 when anything was blocked; 3 when something could not be
    /// verified and was refused; else pip's own status (2 if pip was killed).
    pub(crate) fn exit_code(&self) -> ExitStatus {
        if self.error.is_some() {
            return ExitStatus::Error;
        }
        if self.any_blocked() {
            return ExitStatus::Blocked;
        }
        if !self.refused.is_empty() {
            return ExitStatus::Unverified;
        }
        match (self.pip_ran, self.pip_exit) {
            (true, Some(code)) => ExitStatus::Pip(code),
            (true, None) => ExitStatus::Error,
            (false, _) => ExitStatus::Allowed,
        }
    }

    /// Files in a stable order, one entry per file name (pip retries blocked files).
    pub(crate) fn unique_files(&self) -> Vec<&CheckedFile> {
        let mut seen = std::collections::HashSet::new();
        let mut out: Vec<&CheckedFile> = self.files.iter().filter(|f| seen.insert((f.report.filename.clone(), f.source.kind()))).collect();
        out.sort_by(|a, b| {
            let key = |f: &CheckedFile| (f.report.name.clone().or(f.project.clone()).unwrap_or_default().to_lowercase(), f.report.filename.clone());
            key(a).cmp(&key(b))
        });
        out
    }
}
