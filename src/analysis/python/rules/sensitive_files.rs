//! Sensitive files: credentials, browser and wallet stores, system account files.
//!
//! **Detects** references to credential locations. Stealer targets (browser password
//! and cookie stores, Discord/Telegram token stores, crypto wallets, keychains,
//! /etc/shadow) are `sensitive-file-access` (high) anywhere in shipped code. Ordinary
//! credential files (~/.ssh, ~/.aws/credentials, ~/.netrc …) are `sensitive-file-access`
//! only at install time or next to network/decoding code in the same function; in plain
//! library code they are `sensitive-path-reference` (low) — botocore knows
//! ~/.aws/credentials and paramiko ~/.ssh as part of their job.
//!
//! **Why risky:** credential theft starts by reading these files.
//!
//! **Example:** `open(os.path.expanduser("~/.ssh/id_rsa")).read()` in setup.py.
//!
//! **Remedy:** find out why the package needs the file.

use crate::analysis::python::{evidence::{at, clip}, model::Model, names, sensitive_paths::{sensitive_path, PathClass}};
use crate::alerts::AlertId;
use crate::analysis::source::FileRole;
use crate::finding::{ExecContext, Finding};

pub(super) fn check(m: &Model, out: &mut Vec<Finding>) {
    if m.role == FileRole::Auxiliary {
        return;
    }
    for l in &m.literals {
        let Some((class, what)) = sensitive_path(&l.value) else { continue };
        let ctx = m.ctx(l.scope);
        let risky_scope = || {
            m.calls.iter().any(|c| c.scope == l.scope && (names::network_call(&c.q).is_some() || names::decode_call(&c.q) || names::socket_send(&c.q)))
        };
        let high = match class {
            PathClass::StealerTarget => true,
            PathClass::Credential => ctx == ExecContext::Install || risky_scope(),
        };
        let where_ = m.scope(l.scope).describe();
        if high {
            out.push(at(m, AlertId::SensitiveFileAccess, l.scope, l.line, format!("refers to {what} `{}` {where_}", clip(&l.value))));
        } else {
            out.push(at(m, AlertId::SensitivePathReference, l.scope, l.line, format!("names {what} `{}` {where_}", clip(&l.value))));
        }
    }
}
