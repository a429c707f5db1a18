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

use super::at;
use super::model::Model;
use super::names;
use crate::alerts::AlertId;
use crate::analysis::FileRole;
use crate::finding::{ExecContext, Finding};

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum PathClass {
    /// Only stealers want these.
    StealerTarget,
    /// Credential files that SDKs legitimately read.
    Credential,
}

/// Classifies a string naming a sensitive location.
pub fn sensitive_path(s: &str) -> Option<(PathClass, &'static str)> {
    if s.len() > 400 {
        return None;
    }
    let l = s.to_ascii_lowercase().replace('\\', "/");
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
        ("/etc/shadow", "system password hashes"),
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
    for (n, what) in STEALER {
        if l.contains(n) {
            return Some((PathClass::StealerTarget, what));
        }
    }
    for (n, what) in CRED {
        if l.contains(n) {
            return Some((PathClass::Credential, what));
        }
    }
    None
}

pub fn check(m: &Model, out: &mut Vec<Finding>) {
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
            out.push(at(m, AlertId::SensitiveFileAccess, l.scope, l.line, format!("refers to {what} `{}` {where_}", super::install_time::clip(&l.value))));
        } else {
            out.push(at(m, AlertId::SensitivePathReference, l.scope, l.line, format!("names {what} `{}` {where_}", super::install_time::clip(&l.value))));
        }
    }
}
