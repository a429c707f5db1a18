//! What every metadata rule sees, and the helpers rules use to quote registry text.

use super::facts::{RegistryFacts, Timestamp};
use super::thresholds::MetadataPolicy;

/// Everything a rule sees.
pub(crate) struct Input<'a> {
    pub facts: &'a RegistryFacts,
    pub policy: &'a MetadataPolicy,
    pub now: Timestamp,
}

/// Registry text made safe to quote in one terminal line: whitespace runs collapsed,
/// control and bidirectional-override characters escaped, clipped to `max` characters.
pub(crate) fn clip(s: &str, max: usize) -> String {
    let mut out = String::new();
    let mut count = 0;
    let mut pending_space = false;
    for c in s.trim().chars() {
        if c.is_whitespace() {
            pending_space = true;
            continue;
        }
        if count >= max {
            out.push('…');
            return out;
        }
        if pending_space {
            out.push(' ');
            count += 1;
            pending_space = false;
        }
        if c.is_control() || matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}') {
            let escaped = c.escape_unicode().to_string();
            count += escaped.chars().count();
            out.push_str(&escaped);
        } else {
            out.push(c);
            count += 1;
        }
    }
    out
}

/// `summary`, `home_page` and friends: empty and `UNKNOWN` (what old tools wrote for a
/// missing field) count as absent.
pub(crate) fn present(field: &Option<String>) -> Option<&str> {
    field.as_deref().map(str::trim).filter(|s| !s.is_empty() && !s.eq_ignore_ascii_case("unknown") && !s.eq_ignore_ascii_case("none"))
}
