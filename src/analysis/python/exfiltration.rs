//! Exfiltration chain.
//!
//! **Detects** (`exfiltration`, critical): host facts (user, host name, MAC), secrets
//! (credential files, secret environment variables, browser stores) or the whole
//! environment flowing into a network call — URL, body, params, headers, DNS name,
//! socket send — and, in install/import context, collection and sending reachable from
//! the same entry point even when the flow is indirect.
//!
//! **Why risky:** dependency-confusion probes and stealers do exactly this.
//!
//! **Example:** `requests.get(URL, params={"h": socket.gethostname()})` in setup.py.
//!
//! **Remedy:** do not install; rotate any credentials it could reach.

use super::at;
use super::labels::Labels;
use super::model::Model;
use super::names;
use crate::alerts::AlertId;
use crate::finding::{ExecContext, Finding};

const SENSITIVE: Labels = Labels(Labels::HOST.0 | Labels::SECRET.0 | Labels::ENV.0);

fn is_send(q: &str) -> bool {
    names::network_call(q).is_some() || names::socket_send(q)
}

pub fn check(m: &Model, out: &mut Vec<Finding>) {
    let mut flagged_scopes = Vec::new();
    for c in &m.calls {
        if !is_send(&c.q) {
            continue;
        }
        let mut l = c.labels();
        if names::socket_send(&c.q) {
            l |= c.recv.as_ref().map(|r| Labels(r.labels.0 & Labels::SECRET.0)).unwrap_or_default();
        }
        let sens = Labels(l.0 & SENSITIVE.0);
        if sens.is_empty() {
            continue;
        }
        flagged_scopes.push(c.scope);
        out.push(at(m, AlertId::Exfiltration, c.scope, c.line, format!("sends {} with {}() {}", sens.describe_data(), c.q, m.scope(c.scope).describe())));
    }
    // install/import entry points that collect and send, flow or not
    let any_send = m.calls.iter().any(|c| is_send(&c.q));
    let any_collect = m.calls.iter().any(|c| names::host_info_call(&c.q) || matches!(c.q.as_str(), "os.getenv" | "os.environ.get"));
    if !(any_send && any_collect) {
        return;
    }
    for (i, s) in m.scopes.iter().enumerate() {
        if s.ctx == ExecContext::Runtime || flagged_scopes.contains(&i) || m.is_called(i) {
            continue;
        }
        let scopes = m.reachable(i);
        if scopes.iter().any(|x| flagged_scopes.contains(x)) {
            continue;
        }
        let collect = m.calls.iter().find(|c| {
            scopes.contains(&c.scope)
                && (names::host_info_call(&c.q) && c.q != "os.getcwd" || matches!(c.q.as_str(), "os.getenv" | "os.environ.get") && c.args.first().and_then(|a| a.text.as_deref()).map(|k| names::host_env_name(k) || names::secret_env_name(k)).unwrap_or(false))
        });
        let send = m.calls.iter().find(|c| scopes.contains(&c.scope) && is_send(&c.q) && !matches!(names::network_call(&c.q), Some("dns")) || scopes.contains(&c.scope) && matches!(names::network_call(&c.q), Some("dns")) && c.args.first().map(|a| a.text.as_deref() != Some("localhost")).unwrap_or(false));
        if let (Some(col), Some(send)) = (collect, send) {
            flagged_scopes.push(i);
            out.push(at(
                m,
                AlertId::Exfiltration,
                send.scope,
                send.line,
                format!("collects host data with {}() (line {}) and sends with {}() {}", col.q, col.line, send.q, s.describe()),
            ));
        }
    }
}
