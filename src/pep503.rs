//! Project names as the packaging specs define them: PEP 503 normalisation and the core
//! metadata rule for valid names. One implementation for every module that compares names.

/// PEP 503 normalisation: lower case, runs of `-`, `_`, `.` become one `-`.
pub fn normalize_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut sep = false;
    for c in name.trim().chars() {
        if matches!(c, '-' | '_' | '.') {
            sep = true;
            continue;
        }
        if sep && !out.is_empty() {
            out.push('-');
        }
        sep = false;
        out.extend(c.to_lowercase());
    }
    out
}

/// True for names allowed by the core metadata spec (PEP 508): ASCII letters and digits,
/// with `.`, `_`, `-` inside.
pub fn is_valid_name(name: &str) -> bool {
    let b = name.as_bytes();
    b.first().is_some_and(u8::is_ascii_alphanumeric)
        && b.last().is_some_and(u8::is_ascii_alphanumeric)
        && b.iter().all(|c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'_' | b'-'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalisation_and_validity() {
        assert_eq!(normalize_name("Django_REST.framework"), "django-rest-framework");
        assert_eq!(normalize_name("a--b__c"), "a-b-c");
        assert_eq!(normalize_name(" Requests "), "requests");
        assert!(is_valid_name("zope.interface") && is_valid_name("a"));
        assert!(!is_valid_name("") && !is_valid_name("-x") && !is_valid_name("../etc") && !is_valid_name("x y"));
    }
}
