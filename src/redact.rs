//! Credentials out of URLs before they reach a message, a log or a report: used by the
//! index client and by everything that names an index (policy, verdict DB, name checks).

/// A URL with the userinfo replaced, as pip shows it: `https://user:****@host/…` when there is
/// a password, `https://****@host/…` when there is only a user part (often a token).
/// Strings that do not parse as URLs are scrubbed heuristically (anything between `://` and
/// an `@` before the first `/`).
pub fn redact(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) if u.has_host() => {
            if u.password().is_some() {
                let _ = u.set_password(Some("****"));
            } else if !u.username().is_empty() {
                let _ = u.set_username("****");
            }
            u.to_string()
        }
        _ => redact_heuristic(url),
    }
}

fn redact_heuristic(s: &str) -> String {
    let Some(scheme_end) = s.find("://") else { return s.to_string() };
    let rest = &s[scheme_end + 3..];
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => format!("{}****@{}", &s[..scheme_end + 3], &rest[at + 1..]),
        None => s.to_string(),
    }
}
