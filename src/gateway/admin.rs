//! The gateway's admin API (admin tokens only):
//!
//! - `POST /admin/decisions` — record an allow or deny decision: `{"package", "spec"
//!   (default "*"), "action": "allow"|"deny", "alerts": [ids] (allow: required),
//!   "reason", "reviewer" (default: the admin token's name), "expires": "YYYY-MM-DD"
//!   (optional, last day it applies)}` → `201 {"decision": …}`; every replica applies it
//!   at its next request. Also written to the audit log.
//! - `GET /admin/decisions?package=NAME` → `{"decisions": […]}`.
//! - `GET /admin/audit?since=UNIX&limit=N` → `{"entries": […]}`: blocks, overrides and
//!   decisions, oldest first.
//!
//! Errors are `{"error": "…"}` with 400 (what is wrong with the request), 404, 405, or
//! 503 when the store failed.

use crate::error::Hint;
use crate::action::DecisionAction;
use crate::alerts::{AlertId, Severity};
use crate::db::{AuditEntry, AuditKind, DbError, NewDecision};
use crate::policy::Day;
use crate::proxy::{AdminApi, AdminReply, ProxyEvent};
use crate::store::VerdictStore;
use serde::Deserialize;
use serde_json::json;
use std::str::FromStr;
use std::sync::Arc;

pub(crate) struct Admin {
    store: Arc<dyn VerdictStore>,
    /// The policy file's `allow-critical-decisions`.
    allow_critical: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DecisionRequest {
    package: String,
    #[serde(default)]
    spec: Option<String>,
    action: String,
    #[serde(default)]
    alerts: Vec<String>,
    reason: String,
    #[serde(default)]
    reviewer: Option<String>,
    #[serde(default)]
    expires: Option<String>,
}

fn reply(status: u16, body: serde_json::Value) -> AdminReply {
    AdminReply { status, body }
}

fn bad(why: impl Into<String>) -> AdminReply {
    reply(400, json!({ "error": why.into() }))
}

fn failed(e: &DbError) -> AdminReply {
    reply(503, json!({ "error": e.to_string(), "hint": e.hint() }))
}

fn query(q: &str, key: &str) -> Option<String> {
    url::form_urlencoded::parse(q.as_bytes()).find(|(k, _)| k == key).map(|(_, v)| v.into_owned())
}

impl Admin {
    pub(crate) fn new(store: Arc<dyn VerdictStore>, allow_critical: bool) -> Admin {
        Admin { store, allow_critical }
    }

    fn record(&self, body: &[u8], actor: &str) -> AdminReply {
        let req: DecisionRequest = match serde_json::from_slice(body) {
            Ok(r) => r,
            Err(e) => return bad(format!("the body is not a decision: {e}")),
        };
        let package = crate::pep503::normalize_name(req.package.trim());
        if package.is_empty() {
            return bad("package is empty");
        }
        let Some(action) = DecisionAction::parse(req.action.trim()) else { return bad("action must be \"allow\" or \"deny\"") };
        let spec = req.spec.as_deref().map(str::trim).filter(|s| !s.is_empty()).unwrap_or("*").to_string();
        if spec != "*" && pep440_rs::VersionSpecifiers::from_str(&spec).is_err() {
            return bad(format!("spec {spec:?} is not a PEP 440 version specifier (e.g. \"==1.2.3\") or \"*\""));
        }
        let mut alerts = Vec::new();
        for a in &req.alerts {
            match AlertId::from_id(a.trim()) {
                Some(id) => alerts.push(id),
                None => return bad(format!("unknown alert {a:?} (see `safe-pip explain --all`)")),
            }
        }
        if action == DecisionAction::Allow && alerts.is_empty() {
            return bad("an allow decision names the alerts it accepts (\"alerts\": [...])");
        }
        if !self.allow_critical && action == DecisionAction::Allow && alerts.iter().any(|a| a.severity() == Severity::Critical) {
            return bad("the policy file sets allow-critical-decisions = false: an allow decision may not accept a critical alert");
        }
        if req.reason.trim().is_empty() {
            return bad("every decision needs a reason");
        }
        let expires = match req.expires.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => None,
            Some(e) => match Day::parse(e) {
                Some(d) if d < Day::today() => return bad(format!("expires {e} is in the past")),
                Some(_) => Some(e.to_string()),
                None => return bad(format!("expires {e:?} is not a date (YYYY-MM-DD)")),
            },
        };
        let reviewer = req.reviewer.as_deref().map(str::trim).filter(|r| !r.is_empty()).unwrap_or(actor).to_string();
        let alert_ids: Vec<String> = alerts.iter().map(|a| a.id().to_string()).collect();
        let source = format!("gateway admin API ({actor})");
        let new = NewDecision {
            package: &package,
            spec: &spec,
            alerts: &alert_ids,
            reason: &req.reason,
            who: &reviewer,
            action,
            source: Some(&source),
            decided_at: None,
            until: expires.as_deref(),
        };
        if let Err(e) = self.store.log_decision(&new) {
            return failed(&e);
        }
        let audit = AuditEntry {
            at: crate::db::now(),
            kind: AuditKind::Decision,
            package: Some(package.clone()),
            version: Some(spec.clone()),
            filename: None,
            sha256: None,
            verdict: Some(action.as_str().to_string()),
            reason: format!("{} {package} {spec}: {} (reviewer {reviewer}{})", action.as_str(), req.reason.trim(), expires.as_deref().map(|e| format!(", until {e}")).unwrap_or_default()),
            actor: Some(actor.to_string()),
        };
        if let Err(e) = self.store.audit_append(&audit) {
            return failed(&e);
        }
        let record = crate::db::DecisionRecord::from_new(&new);
        reply(201, json!({ "decision": record }))
    }
}

impl AdminApi for Admin {
    fn handle(&self, method: &str, path: &str, body: &[u8], actor: &str) -> AdminReply {
        let (route, q) = path.split_once('?').unwrap_or((path, ""));
        match (method, route.trim_end_matches('/')) {
            ("POST", "/admin/decisions") => self.record(body, actor),
            ("GET", "/admin/decisions") => {
                let Some(package) = query(q, "package") else { return bad("?package=NAME is required") };
                match self.store.decisions(&package) {
                    Ok(d) => reply(200, json!({ "decisions": d })),
                    Err(e) => failed(&e),
                }
            }
            ("GET", "/admin/audit") => {
                let since = query(q, "since").and_then(|s| s.parse().ok()).unwrap_or(0);
                let limit = query(q, "limit").and_then(|s| s.parse().ok()).unwrap_or(1000);
                match self.store.audit_since(since, limit) {
                    Ok(e) => reply(200, json!({ "entries": e })),
                    Err(e) => failed(&e),
                }
            }
            (_, "/admin/decisions" | "/admin/audit") => reply(405, json!({ "error": format!("{method} is not allowed here") })),
            _ => reply(404, json!({ "error": "unknown admin path; see /admin/decisions and /admin/audit" })),
        }
    }
}

/// The audit entry for a file outcome the gateway reports: a block, or an override (a
/// file served because a decision accepted its alerts); `None` for other outcomes.
pub(crate) fn audit_of(e: &ProxyEvent) -> Option<AuditEntry> {
    let d = &e.report.decision;
    let kind = match (e.served, d.cites_decision()) {
        (false, _) => AuditKind::Block,
        (true, true) => AuditKind::Override,
        (true, false) => return None,
    };
    Some(AuditEntry {
        at: crate::db::now(),
        kind,
        package: Some(e.project.clone()),
        version: e.report.version.clone(),
        filename: Some(e.filename.clone()),
        sha256: e.sha256.clone(),
        verdict: Some(d.verdict.as_str().to_string()),
        reason: d.reason(),
        actor: None,
    })
}
