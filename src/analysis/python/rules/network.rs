//! Network access in ordinary (runtime) code.
//!
//! **Detects** HTTP clients, raw sockets, DNS lookups, FTP/SMTP/Telnet, websockets:
//! one `network-access` finding per file naming the modules used, pointing at the first
//! call.
//!
//! **Why risky:** expected in an HTTP or API client, unexpected in a maths library;
//! reviewers should know which packages talk to the network.
//!
//! **Example:** `requests.post(url, json=data)` in a function.
//!
//! **Remedy:** confirm the package's purpose needs the network.

use crate::analysis::python::{evidence::at, model::Model, names};
use crate::alerts::AlertId;
use crate::analysis::source::FileRole;
use crate::finding::{ExecContext, Finding};

pub(super) fn check(m: &Model, out: &mut Vec<Finding>) {
    if m.role == FileRole::Auxiliary {
        return;
    }
    let mut families: Vec<&'static str> = Vec::new();
    let mut first: Option<(usize, u32, &str)> = None;
    let mut count = 0usize;
    for c in &m.calls {
        if m.ctx(c.scope) != ExecContext::Runtime {
            continue;
        }
        if let Some(f) = names::network_call(&c.q) {
            count += 1;
            if !families.contains(&f) {
                families.push(f);
            }
            if first.is_none() {
                first = Some((c.scope, c.line, c.q.as_str()));
            }
        }
    }
    if let Some((scope, line, q)) = first {
        let more = if count > 1 { format!(" and {} more call(s)", count - 1) } else { String::new() };
        out.push(at(
            m,
            AlertId::NetworkAccess,
            scope,
            line,
            format!("uses the network ({}): {q}() {}{more}", families.join(", "), m.scope(scope).describe()),
        ));
    }
}
