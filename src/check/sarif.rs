//! `check --format sarif` ([`crate::report::sarif`]): each package's alerts, or why it is
//! unverified or could not be checked, at the lockfile line of its entry. `diff` reports
//! its changed packages the same way ([`sarif_results`]).

use super::model::{CheckReport, PackageCheck, Status};
use crate::policy::{Action, Policy};
use crate::report::sarif::{ERROR_RULE, Place, Sarif, UNVERIFIED_RULE, merge, subject};
use serde_json::{Value, json};

/// `check --format sarif`: each package's alerts (or why it is unverified / failed) at
/// the lockfile line of its entry.
pub(crate) fn render_sarif(r: &CheckReport, policy: &Policy) -> String {
    let mut s = Sarif::new(policy);
    for p in &r.packages {
        sarif_results(&mut s, p, r.unverified_action, json!({}));
    }
    s.render()
}

/// The results of one checked lockfile entry (`extra` joins each property bag).
pub(crate) fn sarif_results(s: &mut Sarif, p: &PackageCheck, unverified: Action, extra: Value) {
    let file = lockfile_of(p);
    let place = || Place::File { path: &file.0, line: file.1 };
    let subject = subject(&p.name, p.version.as_deref());
    let mut props = json!({ "package": p.name, "version": p.version, "status": p.status });
    merge(&mut props, extra);
    match p.status {
        Status::Unverified => {
            let level = if unverified == Action::Block { "error" } else { "warning" };
            s.unjudged(UNVERIFIED_RULE, level, format!("{subject}: unverified: {}", p.reason), place(), props.clone());
        }
        Status::Error => {
            s.unjudged(ERROR_RULE, "error", format!("{subject}: cannot be checked: {}", p.reason), place(), props.clone());
        }
        _ => {}
    }
    let verdict = match p.status {
        Status::Blocked => Action::Block,
        Status::Warned | Status::Unverified | Status::Error => Action::Warn,
        Status::Allowed | Status::Skipped => Action::Allow,
    };
    for f in &p.alerts {
        s.finding(f, verdict, &subject, place(), props.clone());
    }
}

/// The file and line of a lockfile entry: `location` is `file:line` or `file`.
fn lockfile_of(p: &PackageCheck) -> (std::path::PathBuf, Option<usize>) {
    match p.location.rsplit_once(':') {
        Some((file, line)) if line.parse::<usize>().is_ok() => (file.into(), line.parse().ok()),
        _ => (p.location.clone().into(), None),
    }
}
