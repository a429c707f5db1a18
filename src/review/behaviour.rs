//! The behaviour of a release, and how an update changes it.
//!
//! A release's behaviour is the set of (alert id, when the code runs — install, import,
//! runtime, or package-wide) over the verdicts of the files that count for it (the files
//! `check` judged for the target environment, plus a known-malware advisory). An update's
//! behaviour change is what the new set has that the old one had not ("2.1.0 adds
//! install-time network access at setup.py:9") and what went away. Both versions must be
//! judged to compare them: a version with a file the DB does not know makes the change
//! unknown, never "no change".

use crate::alerts::AlertId;
use crate::check::{PackageCheck, Status};
use crate::finding::{ExecContext, Finding};
use std::collections::BTreeMap;

/// One capability or alert that appeared or went away.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct BehaviourChange {
    /// True: the new version has it and the old one had not; false: it went away.
    pub added: bool,
    pub alert: AlertId,
    pub context: Option<ExecContext>,
    /// A finding that shows it (of the new version when added, of the old one when gone).
    pub example: Finding,
}

impl BehaviourChange {
    /// "adds" / "no longer has".
    pub(crate) fn verb(&self) -> &'static str {
        if self.added { "adds" } else { "no longer has" }
    }

    /// The catalogue title and when it runs: "Install-time code reaches the network (install time)".
    pub(crate) fn what(&self) -> String {
        match self.context {
            Some(c) => format!("{} ({})", self.alert.info().title, c.describe()),
            None => self.alert.info().title.to_string(),
        }
    }

    /// Where the example was seen: `file:line`, `file`, or "" for the package as a whole.
    pub(crate) fn place(&self) -> String {
        match (self.example.file.as_str(), self.example.line) {
            ("", _) => String::new(),
            (f, Some(l)) => format!("{f}:{l}"),
            (f, None) => f.to_string(),
        }
    }
}

/// The behaviour change of an update.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct BehaviourDiff {
    pub old_version: Option<String>,
    pub new_version: Option<String>,
    /// Added first (most severe first), then what went away.
    pub changes: Vec<BehaviourChange>,
    /// Why the versions could not be compared, when so.
    pub unknown: Option<String>,
}

impl BehaviourDiff {
    pub(crate) fn added(&self) -> impl Iterator<Item = &BehaviourChange> {
        self.changes.iter().filter(|c| c.added)
    }

    pub(crate) fn removed(&self) -> impl Iterator<Item = &BehaviourChange> {
        self.changes.iter().filter(|c| !c.added)
    }
}

type Traits = BTreeMap<(AlertId, Option<ExecContext>), Finding>;

/// Why the behaviour of an entry is not known (said in the diff; not an error of the run).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub(crate) enum Unknown {
    /// No file of the entry was analysed: the entry's own reason.
    #[error("{0}")]
    NotAnalysed(String),
    /// A counted file has no report.
    #[error("{file}: {reason}")]
    FileNotAnalysed { file: String, reason: String },
}

/// The behaviour of a judged entry, or why it is not known.
pub(crate) fn of(p: &PackageCheck) -> Result<Traits, Unknown> {
    let mut traits = Traits::new();
    for f in p.alerts.iter().filter(|f| f.alert == AlertId::KnownMalware) {
        traits.entry((f.alert, f.context)).or_insert_with(|| f.clone());
    }
    let counted: Vec<_> = p.counted().collect();
    if counted.is_empty() && traits.is_empty() {
        return Err(Unknown::NotAnalysed(p.reason.clone()));
    }
    for file in counted {
        let Some(report) = &file.report else {
            if traits.is_empty() {
                return Err(match file.reason.is_empty() {
                    true => Unknown::NotAnalysed(p.reason.clone()),
                    false => Unknown::FileNotAnalysed { file: file.display_name().to_string(), reason: file.reason.to_string() },
                });
            }
            continue;
        };
        for f in &report.findings {
            traits.entry((f.alert, f.context)).or_insert_with(|| f.clone());
        }
    }
    Ok(traits)
}

/// Compares the old and new entry of an update.
pub(crate) fn compare(old: Option<&PackageCheck>, new: Option<&PackageCheck>, old_version: Option<&str>, new_version: Option<&str>) -> BehaviourDiff {
    let mut diff = BehaviourDiff { old_version: old_version.map(str::to_string), new_version: new_version.map(str::to_string), changes: Vec::new(), unknown: None };
    let side = |p: Option<&PackageCheck>, which: &str| match p {
        None => Err(format!("the {which} version is not installed here")),
        Some(p) if p.status == Status::Skipped => Err(format!("the {which} version is not for this environment")),
        Some(p) => of(p).map_err(|why| format!("the {which} version {} is not known: {why}", p.version.as_deref().unwrap_or("(unpinned)"))),
    };
    let (before, after) = match (side(old, "old"), side(new, "new")) {
        (Ok(a), Ok(b)) => (a, b),
        (Err(e), _) | (_, Err(e)) => {
            diff.unknown = Some(e);
            return diff;
        }
    };
    for (key, f) in &after {
        if !before.contains_key(key) {
            diff.changes.push(BehaviourChange { added: true, alert: key.0, context: key.1, example: f.clone() });
        }
    }
    for (key, f) in &before {
        if !after.contains_key(key) {
            diff.changes.push(BehaviourChange { added: false, alert: key.0, context: key.1, example: f.clone() });
        }
    }
    diff.changes.sort_by_key(|c| (!c.added, std::cmp::Reverse(c.alert.severity()), c.alert.id(), c.context));
    diff
}
