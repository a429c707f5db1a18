//! Long high-entropy literals.
//!
//! **Detects** very long string literals with the randomness of encrypted or compressed
//! data that do not decode into anything readable (`high-entropy-literal`).
//!
//! **Why risky:** encrypted payloads (Fernet, XOR, AES) look like this.
//!
//! **Example:** `KEY = "gAAAAABk…"` (4 kB, 5.9 bits/char).
//!
//! **Remedy:** find what the literal is used for.

use crate::analysis::python::{decode, evidence::at, model::Model};
use crate::alerts::AlertId;
use crate::analysis::source::FileRole;
use crate::finding::Finding;

pub(super) fn check(m: &Model, out: &mut Vec<Finding>) {
    if m.role == FileRole::Auxiliary {
        return;
    }
    for l in &m.literals {
        let v = &l.value;
        if v.len() < 512 || v.contains(' ') || v.contains('\n') && v.lines().count() > 4 && !v.lines().all(|x| x.len() >= 60 || x.is_empty()) {
            continue;
        }
        let e = decode::shannon_entropy(v.as_bytes());
        if e < 5.2 || !decode::is_high_entropy_literal(v) {
            continue;
        }
        if decode::decode_literal(v.as_bytes()).map(|d| d.kind != decode::Kind::Binary && d.kind != decode::Kind::Text).unwrap_or(false) {
            continue; // readable once decoded: the obfuscated-payload detector reports it
        }
        out.push(at(m, AlertId::HighEntropyLiteral, l.scope, l.line, format!("{}-character literal with {:.1} bits/char of entropy {}", v.len(), e, m.scope(l.scope).describe())));
    }
}
