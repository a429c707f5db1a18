//! What the detectors share, one layer below them (no detector imports another): a
//! finding at a call site ([`at`]), evidence text clipped for messages ([`clip`]), and
//! the classifiers of telling strings several detectors (and the front-end's SECRET
//! label) use: sensitive paths ([`sensitive_path`]) and credentialed webhook URLs
//! ([`webhook_kind`]). Shell-command shapes live in [`super::shellcmd`].

use super::model::Model;
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

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum PathClass {
    /// Only stealers want these.
    StealerTarget,
    /// Credential files that SDKs legitimately read.
    Credential,
}

/// Classifies a string naming a sensitive location.
pub(crate) fn sensitive_path(s: &str) -> Option<(PathClass, &'static str)> {
    if s.len() > 400 {
        return None;
    }
    let l = s.to_ascii_lowercase().replace('\\', "/");
    const STEALER: &[(&str, &str)] = &[
        ("login data", "browser password store"),
        ("local state", "browser encryption key"),
        ("web data", "browser autofill store"),
        ("/network/cookies", "browser cookies"),
        ("/default/cookies", "browser cookies"),
        ("user data/default", "browser profile"),
        ("key4.db", "Firefox key store"),
        ("logins.json", "Firefox password store"),
        ("cookies.sqlite", "Firefox cookies"),
        ("local storage/leveldb", "Discord/Chromium token store"),
        ("discord/local storage", "Discord token store"),
        ("telegram desktop/tdata", "Telegram session"),
        ("/tdata", "Telegram session"),
        ("wallet.dat", "crypto wallet"),
        ("exodus/exodus.wallet", "Exodus wallet"),
        ("exodus.wallet", "Exodus wallet"),
        ("electrum/wallets", "Electrum wallet"),
        ("nkbihfbeogaeaoehlefnkodbefgpgknn", "MetaMask extension store"),
        ("atomic/local storage", "Atomic wallet"),
        ("login.keychain", "macOS keychain"),
        ("/etc/shadow", "system password hashes"),
        ("[\\w-]{24}\\.[\\w-]{6}\\.[\\w-]{27}", "Discord token pattern"),
        ("mfa\\.[\\w-]{84}", "Discord token pattern"),
    ];
    const CRED: &[(&str, &str)] = &[
        (".ssh/id_", "SSH private key"),
        ("id_rsa", "SSH private key"),
        ("id_ed25519", "SSH private key"),
        (".ssh/", "SSH directory"),
        (".aws/credentials", "AWS credentials"),
        (".azure/", "Azure credentials"),
        ("gcloud/", "Google Cloud credentials"),
        (".kube/config", "Kubernetes config"),
        (".docker/config.json", "Docker credentials"),
        (".npmrc", "npm token"),
        (".pypirc", "PyPI token"),
        (".git-credentials", "git credentials"),
        (".netrc", "netrc credentials"),
        ("/etc/passwd", "system accounts"),
        (".bash_history", "shell history"),
        (".zsh_history", "shell history"),
    ];
    for (n, what) in STEALER {
        // "Login Data", "Local State", "Web Data" are file names: as a whole literal or
        // a path component they are a browser store, inside prose ("remote and local
        // state") they are words
        let bare_words = !n.contains(['/', '.', '\\']);
        let hit = if bare_words { l == *n || l.ends_with(&format!("/{n}")) || l.contains(&format!("/{n}/")) } else { l.contains(n) };
        if hit {
            return Some((PathClass::StealerTarget, what));
        }
    }
    for (n, what) in CRED {
        if l.contains(n) {
            return Some((PathClass::Credential, what));
        }
    }
    None
}

/// The kind of credentialed endpoint in a string, if any.
pub(crate) fn webhook_kind(s: &str) -> Option<&'static str> {
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
    fn browser_store_names_are_file_names_not_words() {
        assert!(super::sensitive_path("Local State").is_some());
        assert!(super::sensitive_path("\\Google\\Chrome\\User Data\\Local State").is_some());
        assert!(super::sensitive_path("/profile/Login Data/").is_some());
        assert!(super::sensitive_path("The remote and local state are the same, nothing to do!").is_none());
        assert!(super::sensitive_path("Unexpected COPY FROM LOCAL state: {}").is_none());
    }

    #[test]
    fn webhook_kinds() {
        assert_eq!(super::webhook_kind("https://discord.com/api/webhooks/123456789012345678/abcdefghijklmnopqrstuvwxyz0123"), Some("Discord webhook"));
        assert_eq!(super::webhook_kind("https://discord.com/api/webhooks/{id}/{token}"), None);
        assert_eq!(super::webhook_kind("https://api.telegram.org/bot123456789:AAbbccddeeffgghhiijjkkllmmnn/sendMessage"), Some("Telegram bot token"));
        assert_eq!(super::webhook_kind("https://api.telegram.org/bot{token}/sendMessage"), None);
    }
}
