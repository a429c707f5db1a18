//! What the detectors share, one layer below them (no detector imports another): a
//! finding at a call site ([`at`]), evidence text clipped for messages ([`clip`]), and
//! the classifiers of telling strings several detectors (and the front-end's SECRET
//! label) use: credentialed webhook URLs ([`webhook_kind`]) and collector hosts. Sensitive
//! paths live in [`super::sensitive_paths`], shell-command shapes in [`super::shellcmd`].

use super::labels::Labels;
use super::model::{Call, Model};
use super::shellcmd;
use crate::alerts::AlertId;
use crate::finding::Finding;

/// A finding at a call site, with the source line as evidence and the scope's context.
pub(crate) fn at(m: &Model, alert: AlertId, scope: usize, line: u32, message: String) -> Finding {
    Finding::new(alert, m.path, message).at_line(line).with_evidence(m.evidence(line)).in_context(m.ctx(scope))
}

/// Evidence text for a message: at most 120 characters, on one line.
pub(crate) fn clip(s: &str) -> String {
    let mut t: String = s.chars().take(120).collect();
    if s.chars().count() > 120 {
        t.push('…');
    }
    t.replace('\n', " ")
}

/// Cheap test before [`webhook_kind`]'s lower-casing: the text must name one of the
/// endpoints (any case) or hold the `:AA` of a bare Telegram token.
fn webhook_candidate(s: &str) -> bool {
    static M: std::sync::OnceLock<aho_corasick::AhoCorasick> = std::sync::OnceLock::new();
    let m = M.get_or_init(|| {
        aho_corasick::AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .build(["/api/webhooks/", "hooks.slack.com/services/", "api.telegram.org/bot", ":aa"])
            .expect("fixed needle set")
    });
    m.is_match(s)
}

/// A Discord bot token, the credential a bot logs in with: the bot's numeric id in
/// base64, a short timestamp part and an HMAC (`<id>.<6-7>.<27-40>`). The id part must
/// decode to 17-20 digits, which no other three-part token (a JWT's header is JSON) does.
fn discord_bot_token(s: &str) -> bool {
    use base64::engine::{general_purpose::GeneralPurpose, general_purpose::GeneralPurposeConfig, DecodePaddingMode};
    use base64::Engine;
    if !(55..=80).contains(&s.len()) {
        return false;
    }
    let mut parts = s.split('.');
    let (Some(id), Some(stamp), Some(mac), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else { return false };
    let token_chars = |p: &str| p.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if !((23..=28).contains(&id.len()) && (6..=7).contains(&stamp.len()) && (27..=40).contains(&mac.len()) && token_chars(id) && token_chars(stamp) && token_chars(mac)) {
        return false;
    }
    const ID: GeneralPurpose = GeneralPurpose::new(
        &base64::alphabet::URL_SAFE,
        GeneralPurposeConfig::new().with_decode_allow_trailing_bits(true).with_decode_padding_mode(DecodePaddingMode::Indifferent),
    );
    ID.decode(id).is_ok_and(|d| (17..=20).contains(&d.len()) && d.iter().all(u8::is_ascii_digit))
}

/// The kind of credentialed endpoint in a string, if any.
pub(crate) fn webhook_kind(s: &str) -> Option<&'static str> {
    if discord_bot_token(s) {
        return Some("Discord bot token");
    }
    if !webhook_candidate(s) {
        return None;
    }
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

/// Hosts whose business is receiving data or serving throwaway payloads — never where
/// a build gets its dependencies from. A category of services, not a list of samples.
pub(crate) fn collector_host(url: &str) -> Option<&'static str> {
    let host = url.split("://").nth(1).unwrap_or(url).split(['/', '?', ':', '#']).next().unwrap_or("");
    const KINDS: &[(&str, &str)] = &[
        ("pipedream.net", "request catcher"),
        ("requestbin", "request catcher"),
        ("webhook.site", "request catcher"),
        ("beeceptor.com", "request catcher"),
        ("hookbin.com", "request catcher"),
        ("burpcollaborator.net", "request catcher"),
        ("oastify.com", "request catcher"),
        ("interact.sh", "request catcher"),
        ("oast.", "request catcher"),
        ("canarytokens.", "request catcher"),
        ("dnslog.", "request catcher"),
        ("ceye.io", "request catcher"),
        ("iplogger.", "IP logger"),
        ("grabify.link", "IP logger"),
        ("ipify.org", "what-is-my-IP service"),
        ("httpbin.org", "what-is-my-IP service"),
        ("icanhazip.com", "what-is-my-IP service"),
        ("ifconfig.me", "what-is-my-IP service"),
        ("checkip.amazonaws.com", "what-is-my-IP service"),
        ("ipinfo.io", "what-is-my-IP service"),
        ("ip-api.com", "what-is-my-IP service"),
        ("pastebin.com", "paste site"),
        ("paste.ee", "paste site"),
        ("hastebin.", "paste site"),
        ("rentry.", "paste site"),
        ("transfer.sh", "file-sharing site"),
        ("mediafire.com", "file-sharing site"),
        ("anonfiles.", "file-sharing site"),
        ("gofile.io", "file-sharing site"),
        ("file.io", "file-sharing site"),
        ("catbox.moe", "file-sharing site"),
        ("dropboxusercontent.com", "file-sharing site"),
        ("cdn.discordapp.com", "chat file host"),
        ("discord.com", "chat service"),
        ("discordapp.com", "chat service"),
        ("api.telegram.org", "chat bot API"),
        ("ngrok.", "tunnel"),
        ("trycloudflare.com", "tunnel"),
        ("serveo.net", "tunnel"),
        ("duckdns.org", "dynamic-DNS host"),
        ("no-ip.", "dynamic-DNS host"),
        ("ddns.net", "dynamic-DNS host"),
    ];
    KINDS.iter().find(|(k, _)| host.contains(k)).map(|(_, kind)| *kind)
}

#[cfg(test)]
mod tests {
    #[test]
    fn webhook_kinds() {
        assert_eq!(super::webhook_kind("https://discord.com/api/webhooks/123456789012345678/abcdefghijklmnopqrstuvwxyz0123"), Some("Discord webhook"));
        assert_eq!(super::webhook_kind("https://discord.com/api/webhooks/{id}/{token}"), None);
        assert_eq!(super::webhook_kind("https://api.telegram.org/bot123456789:AAbbccddeeffgghhiijjkkllmmnn/sendMessage"), Some("Telegram bot token"));
        assert_eq!(super::webhook_kind("https://api.telegram.org/bot{token}/sendMessage"), None);
        // a made-up bot token of the real shape: base64 of an 18-digit id, 6, 27 characters
        let id = "MTIzNDU2Nzg5MDEyMzQ1Njc4"; // "123456789012345678"
        assert_eq!(super::webhook_kind(&format!("{id}.GAbCdE.aBcDeFgHiJkLmNoPqRsTuVwXyZ0")), Some("Discord bot token"));
        // same shape, but the first part is not a numeric id: a JWT-like or random token
        assert_eq!(super::webhook_kind("eyJhbGciOiJIUzI1NiIsInR5cCI6.GAbCdE.aBcDeFgHiJkLmNoPqRsTuVwXyZ0"), None);
        assert_eq!(super::webhook_kind("abcdefghijklmnopqrstuvwx.GAbCdE.aBcDeFgHiJkLmNoPqRsTuVwXyZ0"), None);
        // a dotted version or module path is not a token
        assert_eq!(super::webhook_kind("MTIzNDU2Nzg5MDEyMzQ1Njc4.x.y"), None);
    }
}

/// What an external command run at install or import time shows of its author's intent.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum CommandIntent {
    /// It downloads, decodes, hides or launches, runs what the network or a decoder
    /// produced, hands host data to a network tool, or talks to a raw IP address or a
    /// collector: the reason.
    Suspicious(String),
    /// Nothing but a URL to an ordinary host (a build tool configured with a remote):
    /// a download at most.
    NamesUrl,
    /// A program run with fixed arguments (`git describe`, `fc-list`): a capability.
    Plain,
}

/// Reads the command of a shell call (see [`CommandIntent`]).
pub(crate) fn command_intent(c: &Call) -> CommandIntent {
    let lower = c.command_text().unwrap_or_default().to_ascii_lowercase();
    let tainted = c.labels();
    if tainted.has(Labels::DECODED) {
        return CommandIntent::Suspicious("a command decoded at runtime".into());
    }
    if tainted.has(Labels::NET) {
        return CommandIntent::Suspicious("a command received from the network".into());
    }
    if tainted.has(Labels(Labels::HOST.0 | Labels::SECRET.0 | Labels::ENV.0)) && network_tool(&lower) {
        return CommandIntent::Suspicious("host data, credentials or the environment handed to a network tool".into());
    }
    if c.q == "os.startfile" {
        return CommandIntent::Suspicious("os.startfile launches a file".into());
    }
    if c.indirect {
        return CommandIntent::Suspicious("the call is reached through a hidden name".into());
    }
    if let Some(why) = program_intent(&lower) {
        return CommandIntent::Suspicious(why.into());
    }
    match shellcmd::suspicious_tokens(&lower) {
        // a URL alone is a build tool configured with a remote (`conan remote update …
        // --url=https://…`, `git clone https://…`), unless the host shows intent
        Some("URL") => match shellcmd::suspicious_tokens(&without_urls(&lower)) {
            Some(other) => CommandIntent::Suspicious(other.into()),
            None => match url_host_intent(&lower) {
                Some(why) => CommandIntent::Suspicious(why),
                None if lower.trim_start().starts_with("git ") => CommandIntent::Plain,
                None => CommandIntent::NamesUrl,
            },
        },
        Some(token) => CommandIntent::Suspicious(token.into()),
        None => CommandIntent::Plain,
    }
}

/// Programs that no build step and no library import has a reason to start: network
/// probes (a DNS lookup or ping carries data in the name it resolves and reports the
/// machine to whoever watches the name server), power and process control, and
/// desktop programs (a proof of code execution, or a window opened at the user).
fn program_intent(cmd: &str) -> Option<&'static str> {
    cmd.split(['&', ';', '|']).find_map(|part| {
        let first = part.split_whitespace().next().unwrap_or("");
        let prog = first.rsplit(['/', '\\']).next().unwrap_or(first).trim_matches(['"', '\'']);
        let prog = prog.strip_suffix(".exe").unwrap_or(prog);
        match prog {
            "dig" | "nslookup" | "host" | "ping" | "nc" | "ncat" | "netcat" | "telnet" if probes_remote(part) => Some("runs a network probe of a remote host"),
            "shutdown" | "poweroff" | "reboot" | "halt" | "taskkill" | "pkill" | "killall" => Some("powers off the machine or kills processes"),
            "calc" | "notepad" | "mspaint" | "gnome-terminal" | "xterm" | "konsole" | "xdg-open" | "explorer" => Some("opens a desktop program"),
            "start" => part.split_whitespace().nth(1).map(|_| "launches a program with `start`"),
            _ => None,
        }
    })
}

/// A probe command names a host other than this machine (a name, an address outside
/// loopback, or one computed at runtime): `ping -c1 127.0.0.1` checks the local stack.
fn probes_remote(part: &str) -> bool {
    part.split_whitespace().skip(1).filter(|t| !t.starts_with('-')).any(|t| {
        let t = t.trim_start_matches('@');
        let local = t == "localhost" || t.starts_with("127.") || t == "::1";
        !local && (t.contains('…') || t.contains('.') || t.contains(':'))
    })
}

/// The command starts a program that talks to the network (DNS lookups and pings carry
/// data in the host name they resolve).
fn network_tool(cmd: &str) -> bool {
    let first = cmd.split_whitespace().next().unwrap_or("");
    let prog = first.rsplit('/').next().unwrap_or(first);
    matches!(prog, "dig" | "nslookup" | "host" | "ping" | "curl" | "wget" | "nc" | "ncat" | "telnet" | "ssh" | "scp")
}

/// The command with its URL schemes removed, to ask whether anything but a URL makes it
/// suspicious.
fn without_urls(cmd: &str) -> String {
    cmd.replace("https://", " ").replace("http://", " ").replace("ftp://", " ")
}

/// Why the URLs a command names show intent: a raw IP address or a service that
/// collects data or hosts payloads.
fn url_host_intent(cmd: &str) -> Option<String> {
    if shellcmd::has_raw_ip_url(cmd) {
        return Some("talks to a raw IP address".into());
    }
    cmd.split_whitespace().filter(|tok| tok.contains("://")).find_map(collector_host).map(|kind| format!("talks to a {kind}"))
}
