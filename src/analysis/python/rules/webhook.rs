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

use super::at;
use super::model::Model;
use crate::alerts::AlertId;
use crate::finding::Finding;

/// The kind of credentialed endpoint in a string, if any.
pub fn webhook_kind(s: &str) -> Option<&'static str> {
    let lower = s.to_ascii_lowercase();
    for host in ["discord.com/api/webhooks/", "discordapp.com/api/webhooks/", "canary.discord.com/api/webhooks/", "ptb.discord.com/api/webhooks/"] {
        if let Some(i) = lower.find(host) {
            let rest = &lower[i + host.len()..];
            let id: String = rest.chars().take_while(|c| c.is_ascii_digit()).collect();
            if id.len() >= 15 && rest[id.len()..].starts_with('/') && rest.len() > id.len() + 20 {
                return Some("Discord webhook");
            }
        }
    }
    if let Some(i) = lower.find("hooks.slack.com/services/") {
        if lower[i..].matches('/').count() >= 4 {
            return Some("Slack webhook");
        }
    }
    if let Some(i) = lower.find("api.telegram.org/bot") {
        let rest = &s[i + "api.telegram.org/bot".len()..];
        let id: String = rest.chars().take_while(|c| c.is_ascii_digit()).collect();
        if id.len() >= 6 && rest[id.len()..].starts_with(':') && rest.len() > id.len() + 20 {
            return Some("Telegram bot token");
        }
    }
    // a bare Telegram bot token: digits ':' 35 token characters
    let b = s.as_bytes();
    if s.len() < 300 {
        for (i, _) in s.match_indices(":AA") {
            let digits = b[..i].iter().rev().take_while(|c| c.is_ascii_digit()).count();
            let tail = b[i + 1..].iter().take_while(|c| c.is_ascii_alphanumeric() || **c == b'_' || **c == b'-').count();
            if (8..=10).contains(&digits) && tail == 35 {
                return Some("Telegram bot token");
            }
        }
    }
    None
}

pub fn check(m: &Model, out: &mut Vec<Finding>) {
    for l in &m.literals {
        if let Some(kind) = webhook_kind(&l.value) {
            out.push(at(m, AlertId::WebhookUrl, l.scope, l.line, format!("hard-coded {kind} URL {}", m.scope(l.scope).describe())));
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn kinds() {
        assert_eq!(super::webhook_kind("https://discord.com/api/webhooks/123456789012345678/abcdefghijklmnopqrstuvwxyz0123"), Some("Discord webhook"));
        assert_eq!(super::webhook_kind("https://discord.com/api/webhooks/{id}/{token}"), None);
        assert_eq!(super::webhook_kind("https://api.telegram.org/bot123456789:AAbbccddeeffgghhiijjkkllmmnn/sendMessage"), Some("Telegram bot token"));
        assert_eq!(super::webhook_kind("https://api.telegram.org/bot{token}/sendMessage"), None);
    }
}
