//! An older release to suggest when a file is blocked: the newest release older than the
//! blocked one whose matching file (the same wheel tags, else the sdist) is not blocked.
//!
//! [`older_known`] only looks at verdicts already known (memory, verdict DB): it is cheap
//! enough for the 403 of every blocked request. [`older_checked`] also fetches and judges
//! a few older files the way any request would (hash-checked, fail closed); the install
//! wrapper calls it once per blocked file, after pip has finished.

use super::files::{self, Target};
use super::state::{Outcome, State};
use crate::analysis::package::filename as file_name;
use crate::artifact::{ArtifactKind, magic};
use crate::index::{FileEntry, version_from_filename};
use crate::policy::Action;
use pep440_rs::Version;
use std::str::FromStr;

/// How many older releases [`older_checked`] may fetch and judge for one blocked file.
const MAX_PROBES: usize = 3;

/// What makes two files interchangeable for the installer: a wheel's tags
/// (`py3-none-any`), or "sdist".
fn flavour(filename: &str) -> Option<String> {
    match magic::kind_from_name(filename) {
        ArtifactKind::Wheel => file_name::parse_wheel(filename)
            .and_then(|w| Some(format!("{}-{}-{}", w.python_tag?, w.abi_tag?, w.platform_tag?).to_ascii_lowercase())),
        ArtifactKind::Sdist if magic::has_package_extension(filename) => Some("sdist".to_string()),
        _ => None,
    }
}

/// Older releases' files that could replace `blocked`, newest release first; per release
/// the file of the same flavour, else its sdist. Yanked and pre-release files are skipped.
fn candidates(state: &State, upstream: usize, project: &str, blocked: &str) -> Vec<(Version, FileEntry)> {
    let Some(blocked_version) = version_from_filename(blocked, Some(project)).and_then(|v| Version::from_str(&v).ok()) else {
        return Vec::new();
    };
    let want = flavour(blocked);
    let mut older: Vec<(Version, FileEntry)> = state
        .project_entries(upstream, project)
        .into_iter()
        .filter(|e| e.yanked.is_none())
        .filter_map(|e| {
            let v = Version::from_str(&version_from_filename(&e.filename, Some(project))?).ok()?;
            (v < blocked_version && !v.any_prerelease()).then_some((v, e))
        })
        .collect();
    older.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.filename.cmp(&b.1.filename)));
    let mut out: Vec<(Version, FileEntry)> = Vec::new();
    for (v, e) in older {
        let f = flavour(&e.filename);
        match out.last_mut() {
            Some((last, chosen)) if *last == v => {
                // The release is taken: its file of the right flavour wins over the sdist.
                let better = f == want && flavour(&chosen.filename) != want;
                if better {
                    *chosen = e;
                }
            }
            _ if f == want || f.as_deref() == Some("sdist") => out.push((v, e)),
            _ => {}
        }
    }
    out
}

fn spec(project: &str, v: &Version) -> String {
    format!("{project}=={v}")
}

/// The newest older release known (without downloading) not to be blocked.
pub(crate) fn older_known(state: &State, upstream: usize, project: &str, blocked: &str) -> Option<String> {
    candidates(state, upstream, project, blocked).into_iter().find_map(|(v, e)| {
        let file = State::file_ref(project, &e);
        let target = Target { upstream, file: &file, entry: &e, gate_file: state.gate_file(upstream, project, &e) };
        let verdict = files::known_verdict(state, &target)?;
        (verdict.report.decision.verdict != Action::Block).then(|| spec(project, &v))
    })
}

/// The newest older release whose file is not blocked, judging up to [`MAX_PROBES`]
/// files not judged before. Files that cannot be checked count as blocked.
pub(crate) fn older_checked(state: &State, upstream: usize, project: &str, blocked: &str) -> Option<String> {
    let mut probes = 0;
    for (v, e) in candidates(state, upstream, project, blocked) {
        let file = State::file_ref(project, &e);
        let target = Target { upstream, file: &file, entry: &e, gate_file: state.gate_file(upstream, project, &e) };
        if let Some(known) = files::known_verdict(state, &target) {
            if known.report.decision.verdict != Action::Block {
                return Some(spec(project, &v));
            }
            continue;
        }
        if probes == MAX_PROBES {
            return None;
        }
        probes += 1;
        if let Outcome::Vetted { .. } = files::vet(state, &target) {
            return Some(spec(project, &v));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_are_interchangeable_by_wheel_tags_or_as_sdists() {
        assert_eq!(flavour("six-1.16.0-py2.py3-none-any.whl").as_deref(), Some("py2.py3-none-any"));
        assert_eq!(flavour("numpy-2.0.0-1-cp311-cp311-manylinux_2_17_x86_64.whl").as_deref(), Some("cp311-cp311-manylinux_2_17_x86_64"));
        assert_eq!(flavour("six-1.16.0.tar.gz").as_deref(), Some("sdist"));
        assert_eq!(flavour("six-1.16.0.egg"), None);
    }
}
