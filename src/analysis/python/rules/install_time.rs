//! Install-time code.
//!
//! **Detects** network calls that send, connect or fetch from where no build fetches
//! (`install-network`), plain downloads (`install-download`), suspicious shell commands
//! (`install-shell`), other external commands (`install-subprocess`) in code that runs
//! during `pip install` — setup.py, its cmdclass overrides, functions they call and
//! modules setup.py imports — and cmdclass overrides themselves (`install-hook`). A
//! command counts as suspicious when it downloads, decodes, hides or launches, or when
//! host facts, credentials or the environment are handed to a network tool (`dig`,
//! `ping`, `curl` … with the user name in the host name it resolves: DNS exfiltration).
//!
//! **Why risky:** install scripts run with the user's permissions before anyone reviews
//! the code; ~80 % of real PyPI malware acts here.
//!
//! **Example:** `class I(install): def run(self): urllib.request.urlopen(URL)`.
//!
//! **Remedy:** ship files inside the archive; build steps belong in a build backend.

use crate::analysis::python::{evidence::{at, clip, collector_host, command_intent, CommandIntent}, labels::Labels, model::{Call, Model}, names, shellcmd};
use crate::alerts::AlertId;
use crate::finding::{ExecContext, Finding};

/// Why an install-time network call is more than a build fetching a file: it sends
/// data (a computed body or query, host facts, secrets), opens a raw connection or a
/// DNS lookup, hides its destination (decoded or assembled URL), or talks to a raw IP
/// address or a service that collects or hosts payloads (request catchers, IP
/// loggers, paste and file-sharing sites, tunnels). None: a plain download.
fn network_intent(c: &Call, family: &str) -> Option<String> {
    let url = c.args.first().or_else(|| c.kw("url"));
    let url_text = url.and_then(|u| u.text.as_deref()).unwrap_or("");
    let sent = c.labels() & Labels(Labels::HOST.0 | Labels::SECRET.0 | Labels::ENV.0 | Labels::TOKEN.0 | Labels::WEAK_HOST.0 | Labels::SOCK.0);
    if !sent.is_empty() {
        return Some(format!("sends {}", sent.describe_data()));
    }
    if c.payload_dynamic {
        return Some("sends computed data".into());
    }
    if !names::is_fetch(&c.q) || matches!(family, "socket" | "dns" | "smtplib" | "ftplib" | "telnetlib" | "websocket" | "chat-bot API" | "dropbox") {
        return Some(format!("opens a {family} connection"));
    }
    if url.is_some_and(|u| u.labels.has(Labels::DECODED) || u.labels.has(Labels::BUILT)) {
        return Some("fetches a URL that is decoded or assembled at runtime".into());
    }
    let lower = url_text.to_ascii_lowercase();
    if shellcmd::has_raw_ip_url(&lower) || lower.starts_with("http://127.") || lower.starts_with("https://127.") {
        return Some("talks to a raw IP address".into());
    }
    if let Some(kind) = collector_host(&lower) {
        return Some(format!("talks to a {kind}"));
    }
    if lower.contains('?') && lower.split_once('?').is_some_and(|(_, q)| q.contains('…')) {
        return Some("sends computed data in the query".into());
    }
    None
}

pub(super) fn check(m: &Model, out: &mut Vec<Finding>) {
    for c in &m.calls {
        if m.ctx(c.scope) != ExecContext::Install {
            continue;
        }
        let where_ = m.scope(c.scope).describe_with(if c.indirect { ", reached through an indirect lookup" } else { "" });
        if let Some(family) = names::network_call(&c.q) {
            match network_intent(c, family) {
                Some(why) => out.push(at(m, AlertId::InstallNetwork, c.scope, c.line, format!("{}() {why} {where_}", c.q))),
                None => out.push(at(m, AlertId::InstallDownload, c.scope, c.line, format!("{}() fetches a file {where_}", c.q))),
            }
            continue;
        }
        if names::socket_send(&c.q) {
            out.push(at(m, AlertId::InstallNetwork, c.scope, c.line, format!("{}() {where_}", c.q)));
            continue;
        }
        if names::pip_main(&c.q) {
            let cmd = c.command_text().unwrap_or_default();
            let alert = if cmd.contains("://") { AlertId::InstallNetwork } else { AlertId::InstallSubprocess };
            out.push(at(m, alert, c.scope, c.line, format!("{}() runs pip `{}` {where_}", c.q, clip(&cmd))));
            continue;
        }
        if names::shell_call(&c.q).is_some() {
            let cmd = c.command_text();
            let shown = clip(cmd.as_deref().unwrap_or("…"));
            match command_intent(c) {
                CommandIntent::Suspicious(why) => out.push(at(m, AlertId::InstallShell, c.scope, c.line, format!("{}() runs `{shown}` ({why}) {where_}", c.q))),
                CommandIntent::NamesUrl => out.push(at(m, AlertId::InstallDownload, c.scope, c.line, format!("{}() runs `{shown}`, which names a URL, {where_}", c.q))),
                CommandIntent::Plain => out.push(at(m, AlertId::InstallSubprocess, c.scope, c.line, format!("{}() runs `{shown}` {where_}", c.q))),
            }
        }
    }
    for (cmd, class, line) in &m.hooks {
        out.push(
            Finding::new(
                AlertId::InstallHook,
                m.path,
                format!("cmdclass overrides `{cmd}` with custom code in `{class}.run` (runs during pip install)"),
            )
            .at_line(*line)
            .with_evidence(m.evidence(*line))
            .in_context(ExecContext::Install),
        );
    }
}
