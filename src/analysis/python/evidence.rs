//! What the detectors share, one layer below them (no detector imports another): a
//! finding at a call site ([`at`]), evidence text clipped for messages ([`clip`]), and
//! the classifiers of telling strings several detectors (and the front-end's SECRET
//! label) use: sensitive paths ([`sensitive_path`]) and credentialed webhook URLs
//! ([`webhook_kind`]). Shell-command shapes live in [`super::shellcmd`].

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

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum PathClass {
    /// Only stealers want these.
    StealerTarget,
    /// Credential files that SDKs legitimately read.
    Credential,
}

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
    // game launchers keep the account's session token in plain JSON
    ("launcher_accounts.json", "game launcher session tokens"),
    ("microsoft_accounts.json", "game launcher session tokens"),
    (".lunarclient/settings/game/accounts.json", "game launcher session tokens"),
    ("/etc/shadow", "system password hashes"),
    // these two hold a backslash, which the normalised text never does, so they never
    // match; kept as they were (changing them would change alerts)
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

/// One automaton over every needle of [`STEALER`] then [`CRED`] (pattern id = index in
/// that order), run over the normalised text.
fn path_matcher() -> &'static aho_corasick::AhoCorasick {
    static M: std::sync::OnceLock<aho_corasick::AhoCorasick> = std::sync::OnceLock::new();
    M.get_or_init(|| {
        let needles = STEALER.iter().chain(CRED.iter()).map(|(n, _)| *n);
        aho_corasick::AhoCorasick::new(needles).expect("fixed needle set")
    })
}

/// Classifies a string naming a sensitive location. The text is lower-cased with `\\`
/// read as `/` into a stack buffer (no allocation), and one Aho-Corasick pass finds
/// which needles it contains; the first needle in list order that qualifies wins.
pub(crate) fn sensitive_path(s: &str) -> Option<(PathClass, &'static str)> {
    if s.len() > 400 {
        return None;
    }
    let mut buf = [0u8; 400];
    let l = &mut buf[..s.len()];
    for (d, &b) in l.iter_mut().zip(s.as_bytes()) {
        *d = if b == b'\\' { b'/' } else { b.to_ascii_lowercase() };
    }
    let l: &[u8] = l;
    // needle ids contained in the text (STEALER and CRED together are < 64 needles)
    let mut hits: u64 = 0;
    for mat in path_matcher().find_overlapping_iter(l) {
        hits |= 1 << mat.pattern().as_usize();
    }
    if hits == 0 {
        return None;
    }
    for (i, (n, what)) in STEALER.iter().enumerate() {
        if hits & (1 << i) == 0 {
            continue;
        }
        // "Login Data", "Local State", "Web Data" are file names: as a whole literal or
        // a path component they are a browser store, inside prose ("remote and local
        // state") they are words
        let bare_words = !n.contains(['/', '.', '\\']);
        let hit = !bare_words || l == n.as_bytes() || ends_with_component(l, n) || contains_component(l, n);
        if hit {
            return Some((PathClass::StealerTarget, what));
        }
    }
    for (i, (_, what)) in CRED.iter().enumerate() {
        if hits & (1 << (STEALER.len() + i)) != 0 {
            return Some((PathClass::Credential, what));
        }
    }
    None
}

/// `l` ends with `/n`.
fn ends_with_component(l: &[u8], n: &str) -> bool {
    l.len() > n.len() && l.ends_with(n.as_bytes()) && l[l.len() - n.len() - 1] == b'/'
}

/// `l` contains `/n/`.
fn contains_component(l: &[u8], n: &str) -> bool {
    let n = n.as_bytes();
    l.windows(n.len() + 2).any(|w| w[0] == b'/' && w[w.len() - 1] == b'/' && &w[1..w.len() - 1] == n)
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

/// The kind of credentialed endpoint in a string, if any.
pub(crate) fn webhook_kind(s: &str) -> Option<&'static str> {
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
    fn browser_store_names_are_file_names_not_words() {
        assert!(super::sensitive_path("Local State").is_some());
        assert!(super::sensitive_path("\\Google\\Chrome\\User Data\\Local State").is_some());
        assert!(super::sensitive_path("/profile/Login Data/").is_some());
        assert!(super::sensitive_path("The remote and local state are the same, nothing to do!").is_none());
        assert!(super::sensitive_path("Unexpected COPY FROM LOCAL state: {}").is_none());
    }

    /// The allocation-free classifier agrees with the straightforward one it replaced.
    #[test]
    fn sensitive_path_matches_reference() {
        fn reference(s: &str) -> Option<(super::PathClass, &'static str)> {
            if s.len() > 400 {
                return None;
            }
            let l = s.to_ascii_lowercase().replace('\\', "/");
            for (n, what) in super::STEALER {
                let bare_words = !n.contains(['/', '.', '\\']);
                let hit = if bare_words { l == *n || l.ends_with(&format!("/{n}")) || l.contains(&format!("/{n}/")) } else { l.contains(n) };
                if hit {
                    return Some((super::PathClass::StealerTarget, what));
                }
            }
            super::CRED.iter().find(|(n, _)| l.contains(n)).map(|(_, w)| (super::PathClass::Credential, *w))
        }
        let samples = [
            "Local State", "local state", "x/Local State", "x\\Local State\\y", "remote and local state", "/login data/",
            "login data/", "C:\\Users\\x\\AppData\\Local\\Google\\Chrome\\User Data\\Default\\Network\\Cookies",
            "~/.ssh/id_rsa", "~/.SSH/", "/etc/passwd and /etc/shadow", "wallet.dat", "Exodus\\exodus.wallet", "id_ed25519.pub",
            "[\\w-]{24}\\.[\\w-]{6}\\.[\\w-]{27}", "mfa\\.[\\w-]{84}", "", "web data", "/web data", "a/web datas", "ключ/.npmrc",
            "~/.aws/credentials ~/.kube/config", ".git-credentials", "gcloud/x", "Telegram Desktop\\tdata", "/tdata",
        ];
        for s in samples {
            assert_eq!(super::sensitive_path(s), reference(s), "{s}");
        }
        let long = "a".repeat(398) + "id_rsa";
        assert_eq!(super::sensitive_path(&long), reference(&long));
    }

    #[test]
    fn webhook_kinds() {
        assert_eq!(super::webhook_kind("https://discord.com/api/webhooks/123456789012345678/abcdefghijklmnopqrstuvwxyz0123"), Some("Discord webhook"));
        assert_eq!(super::webhook_kind("https://discord.com/api/webhooks/{id}/{token}"), None);
        assert_eq!(super::webhook_kind("https://api.telegram.org/bot123456789:AAbbccddeeffgghhiijjkkllmmnn/sendMessage"), Some("Telegram bot token"));
        assert_eq!(super::webhook_kind("https://api.telegram.org/bot{token}/sendMessage"), None);
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
