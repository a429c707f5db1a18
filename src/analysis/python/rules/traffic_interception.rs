//! Network calls of another library replaced on import.
//!
//! **Detects** (`traffic-interception`, critical) an imported module's network function
//! — `requests.get`/`post`/`request`, `requests.Session.send`, `urllib.request.urlopen`,
//! `http.client.HTTPConnection.request`, `socket.socket.connect` … — assigned a function
//! or class of this file by code that runs on import or install (the top level of a
//! package module, setup.py, or what they call).
//!
//! **Not an alert here:** the same assignment inside a function nobody calls on import
//! (a mocking helper's `activate()`, an instrumentation library's `patch()`), and test
//! code.
//!
//! **Why risky:** from then on every request of the program goes through the package:
//! credentials and tokens in it can be read, destinations changed, contents rewritten.
//!
//! **Example:** `requests.post = my_post` at the top of a module `__init__.py` imports.
//!
//! **Remedy:** do not install; treat credentials sent since the import as exposed.

use crate::analysis::python::{evidence::at, model::Model, names};
use crate::alerts::AlertId;
use crate::analysis::source::FileRole;
use crate::finding::{ExecContext, Finding};

/// A function or method that sends or connects, by its dotted path.
fn sends(path: &str) -> bool {
    names::network_call(path).is_some() || names::socket_send(path) || names::request_object(path)
}

pub(super) fn check(m: &Model, out: &mut Vec<Finding>) {
    if m.role == FileRole::Auxiliary {
        return;
    }
    for (path, scope, line) in &m.patches {
        let path = names::normalize(path);
        if !sends(&path) {
            continue;
        }
        let on_import = matches!(m.ctx(*scope), ExecContext::Import | ExecContext::Install) || m.module_body(*scope);
        if on_import {
            let where_ = m.scope(*scope).describe();
            out.push(at(m, AlertId::TrafficInterception, *scope, *line, format!("replaces `{path}` with its own function {where_}: every request of the program goes through it")));
        }
    }
}
