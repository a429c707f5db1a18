//! Exfiltration chain.
//!
//! **Detects** (`exfiltration`, critical):
//! - host facts (user, host name, MAC, public IP), secrets (credential files, browser
//!   stores, cookie jars, secret environment variables) or the whole environment flowing
//!   into a network call — URL, body, params, headers, DNS name, socket send;
//! - in install/import context, collection and sending reachable from the same entry
//!   point even when the flow is indirect (stealers pass data through files and globals);
//! - anything posted to a hard-coded chat webhook / bot endpoint during install or
//!   import, or from code that also collects secrets;
//! - a wallet private key or seed phrase passed to a function (a parameter named so)
//!   and sent, as is or serialised, to a hard-coded host (any context: wallet helpers
//!   that post the key they are given to the author's server);
//! - values parsed out of a credential file (a configparser reading ~/.aws/credentials)
//!   sent over the network, in any context. A transaction signed
//!   with the key does not count: signing is what wallets do.
//!
//! **Why risky:** dependency-confusion probes and stealers do exactly this.
//!
//! **Example:** `requests.get(URL, params={"h": socket.gethostname()})` in setup.py.
//!
//! **Remedy:** do not install; rotate any credentials it could reach.

use crate::analysis::python::{evidence::{at, sensitive_path, webhook_kind, PathClass}, labels::Labels, model::{Call, Model}, names};
use crate::alerts::AlertId;
use crate::analysis::FileRole;
use crate::finding::{ExecContext, Finding};

const SENSITIVE: Labels = Labels(Labels::HOST.0 | Labels::SECRET.0 | Labels::ENV.0);

fn is_send(q: &str) -> bool {
    names::network_call(q).is_some() || names::socket_send(q) || names::request_object(q)
}

/// The hard-coded host of a call's URL (first argument or `url=`), when the scheme and
/// host are literal text.
fn literal_host(c: &Call) -> Option<String> {
    let url = c.args.first().or_else(|| c.kw("url"))?.text.as_deref()?;
    let rest = url.strip_prefix("https://").or_else(|| url.strip_prefix("http://"))?;
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
    names::host_info_call(&c.q)
        || names::secret_source_call(&c.q)
        || matches!(c.q.as_str(), "os.getenv" | "os.environ.get")
            && c.args.first().and_then(|a| a.text.as_deref()).map(|k| names::host_env_name(k) || names::secret_env_name(k)).unwrap_or(false)
        || names::network_call(&c.q).is_some() && c.args.first().and_then(|a| a.text.as_deref()).map(names::ip_lookup_url).unwrap_or(false)
        || c.labels().has(Labels::SECRET)
}

fn webhook_target(c: &Call) -> Option<&'static str> {
    c.args.iter().chain(c.kwargs.iter().map(|(_, v)| v)).filter_map(|a| a.text.as_deref()).find_map(webhook_kind)
}

pub(super) fn check(m: &Model, out: &mut Vec<Finding>) {
    let mut flagged_scopes = Vec::new();
    for c in &m.calls {
        if !is_send(&c.q) {
            continue;
        }
        let mut l = c.labels();
        if names::socket_send(&c.q) {
            l |= c.recv.as_ref().map(|r| r.labels & Labels::SECRET).unwrap_or_default();
        }
        let mut sens = l & SENSITIVE;
        if m.ctx(c.scope) != ExecContext::Runtime {
            sens |= l & Labels::WEAK_HOST;
        }
        let where_ = m.scope(c.scope).describe();
        // a wallet private key / seed phrase handed to this code, sent to a fixed host:
        // signing is local, so the only reason to send the secret is to steal it
        if l.has(Labels::WALLET) && !names::socket_send(&c.q) {
            if let Some(host) = literal_host(c) {
                flagged_scopes.push(c.scope);
                out.push(at(m, AlertId::Exfiltration, c.scope, c.line, format!("sends a wallet private key / seed phrase it was given to hard-coded host `{host}` with {}() {where_}", c.q)));
                continue;
            }
        }
        // secrets parsed out of a credential file and sent: API clients send a token,
        // never the credential file's contents
        if l.has(Labels::CRED_FILE) {
            flagged_scopes.push(c.scope);
            out.push(at(m, AlertId::Exfiltration, c.scope, c.line, format!("sends values parsed from a credential file with {}() {where_}", c.q)));
            continue;
        }
        if !sens.is_empty() && !collects(c) {
            flagged_scopes.push(c.scope);
            out.push(at(m, AlertId::Exfiltration, c.scope, c.line, format!("sends {} with {}() {where_}", sens.describe_data(), c.q)));
            continue;
        }
        if let Some(kind) = webhook_target(c) {
            // a chat webhook / bot token is a drop box: anything computed posted to it
            // is exfiltration wherever the code runs
            if m.ctx(c.scope) != ExecContext::Runtime || c.payload_dynamic {
                flagged_scopes.push(c.scope);
                out.push(at(m, AlertId::Exfiltration, c.scope, c.line, format!("posts to a hard-coded {kind} with {}() {where_}", c.q)));
                continue;
            }
        }
        // import-time beacons in a package's __init__: data sent to a hard-coded host,
        // or a DNS lookup of a name that only a beacon would resolve
        let import_time = m.ctx(c.scope) == ExecContext::Import && m.role == FileRole::PackageInit;
        if import_time && names::network_call(&c.q).is_some() && c.payload_dynamic {
            if let Some(host) = literal_host(c) {
                flagged_scopes.push(c.scope);
                out.push(at(m, AlertId::Exfiltration, c.scope, c.line, format!("sends computed data to hard-coded host `{host}` with {}() {where_}", c.q)));
                continue;
            }
        }
        if m.ctx(c.scope) != ExecContext::Runtime && matches!(m.role, FileRole::PackageInit | FileRole::SetupScript) {
            if let Some(name) = dns_beacon_name(c) {
                flagged_scopes.push(c.scope);
                out.push(at(m, AlertId::Exfiltration, c.scope, c.line, format!("DNS beacon: resolves `{name}` with {}() {where_}", c.q)));
                continue;
            }
        }
    }
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
    if distinct.len() >= 2 && flagged_scopes.is_empty() {
        if let Some(send) = m.calls.iter().find(|c| is_send(&c.q) && !collects(c)) {
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
    let file_has_dropbox = m.literals.iter().any(|l| webhook_kind(&l.value).is_some());
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
                scopes.contains(&c.scope)
                    && is_send(&c.q)
                    && !collects(c)
                    && !(names::network_call(&c.q) == Some("dns") && c.args.first().and_then(|a| a.text.as_deref()) == Some("localhost"))
            })
        });
        let Some(send) = send else { continue };
        let what = match (collect_call, collect_lit) {
            (Some(col), _) => format!("collects data with {}() (line {})", col.q, col.line),
            (None, true) => "reads browser/wallet/token stores".to_string(),
            (None, false) => continue,
        };
        flagged_scopes.push(i);
        out.push(at(m, AlertId::Exfiltration, send.scope, send.line, format!("{what} and sends with {}() {}", send.q, s.describe())));
    }
}
