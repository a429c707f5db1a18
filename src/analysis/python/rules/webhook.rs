//! Hard-coded chat webhooks and bot endpoints with credentials.
//!
//! **Detects** Discord webhook URLs with id and token, Slack incoming-webhook URLs,
//! Telegram bot URLs carrying a bot token, and bare Telegram and Discord bot tokens
//! (`webhook-url`).
//!
//! **Why risky:** these are the drop boxes of token and password stealers: anyone with
//! the URL can post to it, no server needed. A bot token logs a bot in: code that ships
//! one talks to a chat channel its author reads (remote-control tools use it as C2).
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
            let what = if kind.ends_with("token") { format!("hard-coded {kind}") } else { format!("hard-coded {kind} URL") };
            out.push(at(m, AlertId::WebhookUrl, l.scope, l.line, format!("{what} {}", m.scope(l.scope).describe())));
        }
    }
}
