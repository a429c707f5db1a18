//! Core metadata (PKG-INFO, METADATA): locating the file in an artifact and parsing its
//! RFC 822 style headers (continuation lines; the body after the first blank line is
//! the long description and is ignored).

use crate::artifact::{Artifact, ArtifactKind, Member};

/// Parsed metadata headers, in file order, keys as written.
#[derive(Clone, Debug, Default)]
pub struct PkgInfo {
    pub headers: Vec<(String, String)>,
}

impl PkgInfo {
    /// First value of a header (case-insensitive key).
    pub fn get(&self, key: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(key)).map(|(_, v)| v.as_str())
    }

    /// Every value of a repeatable header such as `Classifier`.
    pub fn get_all<'a>(&'a self, key: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.headers.iter().filter(move |(k, _)| k.eq_ignore_ascii_case(key)).map(|(_, v)| v.as_str())
    }
}

/// Parses the header block of a metadata file.
pub fn parse(text: &str) -> PkgInfo {
    let mut headers: Vec<(String, String)> = Vec::new();
    for line in text.lines() {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.trim().is_empty() {
            break;
        }
        if line.starts_with([' ', '\t']) {
            if let Some((_, value)) = headers.last_mut() {
                let cont = line.trim();
                let cont = cont.strip_prefix('|').unwrap_or(cont).trim_start();
                if !value.is_empty() {
                    value.push('\n');
                }
                value.push_str(cont);
            }
            continue;
        }
        if let Some((key, value)) = line.split_once(':') {
            let key = key.trim();
            if !key.is_empty() && !key.contains(' ') {
                headers.push((key.to_string(), value.trim().to_string()));
            }
        }
    }
    PkgInfo { headers }
}

/// The member holding the package's core metadata: `*.dist-info/METADATA` for wheels,
/// the root `PKG-INFO` for sdists (`<dir>/PKG-INFO` or `PKG-INFO`), `EGG-INFO/PKG-INFO`
/// for eggs. The shallowest candidate wins; wheels prefer METADATA.
pub fn metadata_member(artifact: &Artifact) -> Option<&Member> {
    let prefer_metadata = artifact.kind == ArtifactKind::Wheel;
    artifact
        .own_members()
        .filter_map(|m| rank(&m.path, prefer_metadata).map(|r| (r, m)))
        .min_by_key(|(r, m)| (*r, m.path.len()))
        .map(|(_, m)| m)
}

fn rank(path: &str, prefer_metadata: bool) -> Option<u32> {
    let parts: Vec<&str> = path.split('/').collect();
    let (base, depth) = (*parts.last()?, parts.len());
    let parent = if depth >= 2 { parts[depth - 2] } else { "" };
    let is_metadata = base == "METADATA" && parent.ends_with(".dist-info") && depth == 2;
    let is_pkg_info = base == "PKG-INFO"
        && (depth <= 2 || (depth == 3 && (parent == "EGG-INFO" || parent.ends_with(".egg-info"))));
    let kind_bonus = match (is_metadata, is_pkg_info, prefer_metadata) {
        (true, _, true) | (_, true, false) => 0,
        (true, _, false) | (_, true, true) => 10,
        _ => return None,
    };
    let egg_info_penalty = if parent.ends_with(".egg-info") { 5 } else { 0 };
    Some(kind_bonus + depth as u32 + egg_info_penalty)
}

/// Reads and parses the artifact's metadata, if it has any readable.
pub fn read(artifact: &Artifact) -> Option<(&Member, PkgInfo)> {
    let member = metadata_member(artifact)?;
    let text = member.text()?;
    Some((member, parse(&text)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_with_continuations_stop_at_the_body() {
        let text = "Metadata-Version: 2.1\r\nName: demo\nVersion: 1.0\nSummary: A demo\nKeywords: a, b\nClassifier: X :: Y\nClassifier: Z\nLicense: MIT\n        |Second line\n\nName: not-a-header\n";
        let info = parse(text);
        assert_eq!(info.get("name"), Some("demo"));
        assert_eq!(info.get("VERSION"), Some("1.0"));
        assert_eq!(info.get_all("Classifier").collect::<Vec<_>>(), ["X :: Y", "Z"]);
        assert_eq!(info.get("License"), Some("MIT\nSecond line"));
        assert_eq!(info.headers.iter().filter(|(k, _)| k == "Name").count(), 1);
    }

    #[test]
    fn metadata_member_ranking() {
        assert!(rank("demo-1.0/PKG-INFO", false) < rank("demo-1.0/demo.egg-info/PKG-INFO", false));
        assert!(rank("demo-1.0.dist-info/METADATA", true) < rank("demo-1.0/PKG-INFO", true));
        assert!(rank("a/b/c/PKG-INFO", false).is_none());
        assert!(rank("vendor/x-1.0.dist-info/METADATA", true).is_none());
    }
}
