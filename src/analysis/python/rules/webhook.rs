//! Hard-coded chat webhooks and bot endpoints with credentials.
//!
//! **Detects** Discord webhook URLs with id and token, Slack incoming-webhook URLs and
//! Telegram bot URLs carrying a bot token (`webhook-url`).
//!
//! **Why risky:** these are the drop boxes of token and password stealers: anyone with
//! the URL can post to it, no server needed.
//!
//! **Example:** `hook = "https://discord.com/api/webhooks/123/abc…"`.
//!
//! **Remedy:** legitimate code takes such URLs from configuration.

use crate::analysis::python::{evidence::{at, webhook_kind}, model::Model};
use crate::alerts::AlertId;
use crate::finding::Finding;

pub(super) fn check(m: &Model, out: &mut Vec<Finding>) {
    for l in &m.literals {
        if let Some(kind) = webhook_kind(&l.value) {
            out.push(at(m, AlertId::WebhookUrl, l.scope, l.line, format!("hard-coded {kind} URL {}", m.scope(l.scope).describe())));
        }
    }
}
