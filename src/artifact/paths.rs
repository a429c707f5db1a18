//! Member names: normalisation for reports and the checks that catch names an
//! extractor would write outside the target directory.

/// Strips leading `./` (and bare `.` components at the front) so `./pkg/setup.py` and
/// `pkg/setup.py` are the same member. Everything else is kept as stored.
pub(crate) fn normalize(raw: &str) -> String {
    let mut s = raw;
    while let Some(rest) = s.strip_prefix("./") {
        s = rest.trim_start_matches('/');
        if s.is_empty() {
            break;
        }
    }
    s.to_string()
}

/// Why a member name is unsafe to extract, or None when it stays inside the root.
pub(crate) fn unsafe_reason(path: &str) -> Option<&'static str> {
    if path.contains('\0') {
        return Some("name contains a NUL byte (extractors disagree on where it ends)");
    }
    if path.starts_with('/') {
        return Some("absolute path");
    }
    if path.starts_with('\\') {
        return Some("absolute Windows or UNC path");
    }
    let bytes = path.as_bytes();
    if bytes.len() >= 2 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':' {
        return Some("Windows drive path");
    }
    if path.split('/').any(|c| c == "..") {
        return Some("`..` component escapes the package directory");
    }
    if path.split(['/', '\\']).any(|c| c == "..") {
        return Some("`..` hidden behind backslash separators (escapes on Windows)");
    }
    if path.split(['/', '\\']).any(|c| c.len() >= 2 && c.as_bytes()[1] == b':' && c.as_bytes()[0].is_ascii_alphabetic())
    {
        return Some("Windows drive component inside the name");
    }
    None
}

/// Whether a link target escapes the archive root. `link_dir` is the directory the
/// link lives in for symlinks ("" for hardlinks, whose targets are archive-relative).
pub(crate) fn link_escapes(link_dir: &str, target: &str) -> bool {
    if target.is_empty() {
        return false;
    }
    if target.starts_with('/') || target.starts_with('\\') || target.contains('\0') {
        return true;
    }
    let b = target.as_bytes();
    if b.len() >= 2 && b[0].is_ascii_alphabetic() && b[1] == b':' {
        return true;
    }
    let mut depth: i64 = 0;
    for c in link_dir.split(['/', '\\']).chain(target.split(['/', '\\'])) {
        match c {
            "" | "." => {}
            ".." => {
                depth -= 1;
                if depth < 0 {
                    return true;
                }
            }
            _ => depth += 1,
        }
    }
    false
}

/// The directory part of a member path ("" at the root).
pub(crate) fn parent_dir(path: &str) -> &str {
    match path.trim_end_matches('/').rfind('/') {
        Some(i) => &path[..i],
        None => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leading_dot_slash_is_stripped() {
        assert_eq!(normalize("./pkg/setup.py"), "pkg/setup.py");
        assert_eq!(normalize("././pkg/a.py"), "pkg/a.py");
        assert_eq!(normalize("pkg/./a.py"), "pkg/./a.py");
    }

    #[test]
    fn traversal_and_absolute_names_are_unsafe() {
        assert!(unsafe_reason("pkg/../../etc/passwd").is_some());
        assert!(unsafe_reason("/etc/passwd").is_some());
        assert!(unsafe_reason("C:\\Windows\\evil.dll").is_some());
        assert!(unsafe_reason("c:/x").is_some());
        assert!(unsafe_reason("\\\\server\\share\\x").is_some());
        assert!(unsafe_reason("pkg\\..\\..\\x").is_some());
        assert!(unsafe_reason("pkg/a.py\0.txt").is_some());
        assert!(unsafe_reason("pkg/..foo/a.py").is_none());
        assert!(unsafe_reason("pkg/sub/a.py").is_none());
        assert!(unsafe_reason("pkg-1.0/setup.py").is_none());
    }

    #[test]
    fn link_targets_are_resolved_against_the_link_directory() {
        assert!(link_escapes("pkg", "/etc/passwd"));
        assert!(link_escapes("pkg", "../../x"));
        assert!(!link_escapes("pkg/sub", "../other.py"));
        assert!(link_escapes("", "../x"));
        assert!(!link_escapes("", "pkg/a.py"));
        assert_eq!(parent_dir("pkg/sub/a.py"), "pkg/sub");
        assert_eq!(parent_dir("a.py"), "");
    }
}
