//! Exfiltration chain.
//!
//! **Detects** (`exfiltration`, critical):
//! - host facts (user, host name, MAC, public IP), secrets (credential files, browser
//!   stores, cookie jars, secret environment variables) or the whole environment flowing
//!   into a network call — URL, body, params, headers, DNS name, socket send;
//! - in install/import context, collection and sending reachable from the same entry
//!   point even when the flow is indirect (stealers pass data through files and globals);
//! - anything posted to a hard-coded chat webhook / bot endpoint during install or
//!   import, or from code that also collects secrets.
//!
//! **Why risky:** dependency-confusion probes and stealers do exactly this.
//!
//! **Example:** `requests.get(URL, params={"h": socket.gethostname()})` in setup.py.
//!
//! **Remedy:** do not install; rotate any credentials it could reach.

use super::at;
use super::labels::Labels;
use super::model::{Call, Model};
use super::names;
use super::sensitive_files::{sensitive_path, PathClass};
use super::webhook::webhook_kind;
use crate::alerts::AlertId;
use crate::finding::{ExecContext, Finding};

const SENSITIVE: Labels = Labels(Labels::HOST.0 | Labels::SECRET.0 | Labels::ENV.0);

fn is_send(q: &str) -> bool {
    names::network_call(q).is_some() || names::socket_send(q)
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

pub fn check(m: &Model, out: &mut Vec<Finding>) {
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
        if !sens.is_empty() && !collects(c) {
            flagged_scopes.push(c.scope);
            out.push(at(m, AlertId::Exfiltration, c.scope, c.line, format!("sends {} with {}() {where_}", sens.describe_data(), c.q)));
            continue;
        }
        if let Some(kind) = webhook_target(c) {
            if m.ctx(c.scope) != ExecContext::Runtime {
                flagged_scopes.push(c.scope);
                out.push(at(m, AlertId::Exfiltration, c.scope, c.line, format!("posts to a hard-coded {kind} with {}() {where_}", c.q)));
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
