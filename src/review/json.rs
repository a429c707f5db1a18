//! `diff --format json`: the review for machines (`schema_version` 1, `"command": "diff"`),
//! described by docs/diff-report.schema.json; each judged entry is the `check` report's
//! package object. Text is kept exact.

use super::model::{Advice, Change, ChangeKind, Review};
use super::behaviour::BehaviourChange;
use crate::check::Status;
use crate::lockfile::DependencyKind;
use serde_json::{Value, json};

pub(crate) fn render_json(r: &Review) -> String {
    let count = |s: Status| r.count(s);
    let added = |k: Option<DependencyKind>| r.of(ChangeKind::Added).filter(|c| k.is_none_or(|k| c.dependency == k)).count();
    let doc = json!({
        "schema_version": 1,
        "tool": { "name": "safe-pip", "version": env!("CARGO_PKG_VERSION") },
        "command": "diff",
        "base": r.base_label,
        "lockfiles": r.lockfiles.iter().map(|p| p.display().to_string()).collect::<Vec<_>>(),
        "fetched": r.fetched,
        "unverified_action": r.unverified_action,
        "recommendation": r.advice(),
        "changes": r.changes.iter().map(change).collect::<Vec<_>>(),
        "summary": {
            "new": added(None),
            "transitive_only": added(Some(DependencyKind::Transitive)),
            "updated": r.of(ChangeKind::Updated).count(),
            "removed": r.of(ChangeKind::Removed).count(),
            "unchanged": r.unchanged,
            "blocked": count(Status::Blocked),
            "errors": count(Status::Error),
            "unverified": count(Status::Unverified),
            "warned": count(Status::Warned),
            "allowed": count(Status::Allowed),
            "skipped": count(Status::Skipped),
        },
        "exit_code": r.exit_code().code(),
    });
    serde_json::to_string_pretty(&doc).unwrap_or_default() + "\n"
}

fn change(c: &Change) -> Value {
    json!({
        "change": c.kind.as_str(),
        "name": c.name,
        "old_version": c.old_version(),
        "new_version": c.new_version(),
        "dependency": match c.dependency {
            DependencyKind::Direct => "direct",
            DependencyKind::LikelyDirect => "likely-direct",
            DependencyKind::Transitive => "transitive",
            DependencyKind::Project => "project",
            DependencyKind::Unknown => "unknown",
        },
        "lockfile": c.lockfile.display().to_string(),
        "location": c.location(),
        "status": c.status(),
        "check": c.check.as_ref().map(crate::check::package_json),
        "behaviour": c.behaviour.as_ref().map(|b| json!({
            "old_version": b.old_version,
            "new_version": b.new_version,
            "unknown": b.unknown,
            "added": b.added().map(trait_json).collect::<Vec<_>>(),
            "removed": b.removed().map(trait_json).collect::<Vec<_>>(),
        })),
        "recommendation": advice(&c.advice),
    })
}

fn trait_json(b: &BehaviourChange) -> Value {
    json!({
        "alert": b.alert.id(),
        "severity": b.alert.severity(),
        "context": b.context,
        "file": b.example.file,
        "line": b.example.line,
        "message": b.example.message,
        "evidence": b.example.evidence,
    })
}

fn advice(a: &Advice) -> Value {
    let (allow, caution, next): (Option<&String>, Option<&str>, Option<&String>) = match a {
        Advice::Nothing | Advice::Safe => (None, None, None),
        Advice::Review { allow, next, .. } => (allow.as_ref(), None, next.as_ref()),
        Advice::Block { allow, caution, .. } => (allow.as_ref(), *caution, None),
    };
    json!({ "headline": a.headline(), "allow": allow, "caution": caution, "next": next })
}
