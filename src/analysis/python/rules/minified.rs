//! Minified or machine-obfuscated source.
//!
//! **Detects** files written as huge single lines of code, and files whose identifiers
//! are machine-generated: CJK-only names, `_0x1a2b` names, `O0O0l1l1` names, typical of
//! lambda/XOR obfuscators (`minified-code`; in setup.py `obfuscated-install-code`).
//!
//! **Why risky:** Python packages are not minified; obfuscators are used to hide payloads.
//!
//! **Example:** `l1O0l1Ol110Ol00 = lambda lOl001000l0: not lOl001000l0`.
//!
//! **Remedy:** review the file through a formatter and compare with the repository.

use crate::analysis::python::model::Model;
use crate::alerts::AlertId;
use crate::analysis::FileRole;
use crate::finding::{ExecContext, Finding};

fn is_cjk(c: char) -> bool {
    matches!(c as u32, 0x4e00..=0x9fff | 0x3400..=0x4dbf | 0xac00..=0xd7af | 0x3040..=0x30ff)
}

/// Describes why an identifier looks machine-generated.
fn machine_ident(id: &str) -> Option<&'static str> {
    let n = id.chars().count();
    if n >= 4 && id.chars().all(is_cjk) {
        return Some("CJK-character identifiers");
    }
    if let Some(rest) = id.strip_prefix("_0x") {
        if rest.len() >= 4 && rest.chars().all(|c| c.is_ascii_hexdigit()) {
            return Some("_0x… identifiers");
        }
    }
    if n >= 10 && id.chars().all(|c| matches!(c, 'O' | '0' | 'I' | 'l' | '1' | '_')) {
        let has_letter = id.chars().any(|c| matches!(c, 'O' | 'I' | 'l'));
        let has_digit = id.chars().any(|c| matches!(c, '0' | '1'));
        if has_letter && has_digit {
            return Some("O0/l1 look-alike identifiers");
        }
    }
    None
}

/// Text-level scan; used for files that skip the full parse too.
pub(crate) fn check_text(path: &str, text: &str, role: FileRole, out: &mut Vec<Finding>) {
    if role == FileRole::Auxiliary {
        return;
    }
    let mut seen: Vec<&str> = Vec::new();
    let mut first_line = 0u32;
    let mut reason = None;
    'lines: for (i, line) in text.lines().enumerate() {
        let mut start = None;
        for (j, c) in line.char_indices().chain(std::iter::once((line.len(), ' '))) {
            let ident_char = c.is_alphanumeric() || c == '_';
            match (start, ident_char) {
                (None, true) => start = Some(j),
                (Some(s), false) => {
                    let id = &line[s..j];
                    if let Some(r) = machine_ident(id) {
                        if !seen.contains(&id) {
                            if seen.is_empty() {
                                first_line = i as u32 + 1;
                            }
                            seen.push(id);
                            reason = Some(r);
                            if seen.len() >= 5 {
                                break 'lines;
                            }
                        }
                    }
                    start = None;
                }
                _ => {}
            }
        }
    }
    let mut found: Option<(u32, String)> = None;
    if seen.len() >= 5 {
        found = Some((first_line, format!("machine-generated names ({})", reason.unwrap_or("obfuscated identifiers"))));
    } else {
        for (i, line) in text.lines().enumerate() {
            if line.len() > 3000 {
                let parens = line.bytes().filter(|&b| b == b'(').count();
                let semis = line.bytes().filter(|&b| b == b';').count();
                if parens > 150 || semis > 50 {
                    found = Some((i as u32 + 1, format!("a {}-character line of code", line.len())));
                    break;
                }
            }
        }
    }
    if let Some((line, what)) = found {
        let evidence = text.lines().nth(line.saturating_sub(1) as usize).unwrap_or("").trim();
        let (alert, ctx, when) = if role == FileRole::SetupScript {
            (AlertId::ObfuscatedInstallCode, ExecContext::Install, " in setup.py (runs during pip install)")
        } else {
            (AlertId::MinifiedCode, ExecContext::Import, "")
        };
        out.push(Finding::new(alert, path, format!("source is machine-obfuscated: {what}{when}")).at_line(line).with_evidence(evidence).in_context(ctx));
    }
}

pub(super) fn check(m: &Model, out: &mut Vec<Finding>) {
    let role = if m.scope(0).ctx == ExecContext::Install { FileRole::SetupScript } else { m.role };
    check_text(m.path, m.text, role, out);
}
