//! What a distribution's file name says: project name, version and, for wheels, the
//! compatibility tags (PEP 427 wheels, `name-version.tar.gz` sdists, eggs).

use crate::artifact::{Artifact, ArtifactKind};

/// Name, version and tags parsed from a file name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileNameInfo {
    pub name: String,
    pub version: String,
    /// `py3-none-any` style tags (wheels and eggs with a platform), when present.
    pub python_tag: Option<String>,
    pub abi_tag: Option<String>,
    pub platform_tag: Option<String>,
}

const EXTENSIONS: &[&str] = &[".tar.gz", ".tar.bz2", ".tar.xz", ".tgz", ".tar", ".zip", ".whl", ".egg"];

/// The file name without its package extension (case-insensitive).
pub fn stem(filename: &str) -> &str {
    let base = filename.rsplit(['/', '\\']).next().unwrap_or(filename);
    let lower = base.to_ascii_lowercase();
    for ext in EXTENSIONS {
        if lower.ends_with(ext) {
            return &base[..base.len() - ext.len()];
        }
    }
    base
}

/// Parses the artifact's file name according to its kind.
pub fn parse(artifact: &Artifact) -> Option<FileNameInfo> {
    match artifact.kind {
        ArtifactKind::Wheel => parse_wheel(&artifact.filename),
        ArtifactKind::Egg => parse_egg(&artifact.filename),
        ArtifactKind::Sdist => parse_sdist(&artifact.filename),
        ArtifactKind::Directory => None,
    }
}

/// PEP 427: `{name}-{version}(-{build})?-{python}-{abi}-{platform}.whl`.
pub fn parse_wheel(filename: &str) -> Option<FileNameInfo> {
    let parts: Vec<&str> = stem(filename).split('-').collect();
    if parts.len() != 5 && parts.len() != 6 {
        return None;
    }
    let n = parts.len();
    Some(FileNameInfo {
        name: parts[0].to_string(),
        version: parts[1].to_string(),
        python_tag: Some(parts[n - 3].to_string()),
        abi_tag: Some(parts[n - 2].to_string()),
        platform_tag: Some(parts[n - 1].to_string()),
    })
    .filter(|i| !i.name.is_empty() && !i.version.is_empty())
}

/// `name-version.tar.gz`, split on the last `-` followed by a digit.
pub fn parse_sdist(filename: &str) -> Option<FileNameInfo> {
    let stem = stem(filename);
    let bytes = stem.as_bytes();
    let split = (0..bytes.len()).rev().find(|&i| bytes[i] == b'-' && bytes.get(i + 1).is_some_and(u8::is_ascii_digit))?;
    let (name, version) = (&stem[..split], &stem[split + 1..]);
    if name.is_empty() || version.is_empty() {
        return None;
    }
    Some(FileNameInfo {
        name: name.to_string(),
        version: version.to_string(),
        python_tag: None,
        abi_tag: None,
        platform_tag: None,
    })
}

/// `name-version(-pyX.Y(-platform)?)?.egg`.
pub fn parse_egg(filename: &str) -> Option<FileNameInfo> {
    let parts: Vec<&str> = stem(filename).split('-').collect();
    if parts.len() < 2 || parts[0].is_empty() || parts[1].is_empty() {
        return None;
    }
    Some(FileNameInfo {
        name: parts[0].to_string(),
        version: parts[1].to_string(),
        python_tag: parts.get(2).map(|s| s.to_string()),
        abi_tag: None,
        platform_tag: parts.get(3).map(|s| s.to_string()),
    })
}

pub use crate::pep503::normalize_name;

/// A light PEP 440 normalisation, enough to compare a file name with its metadata:
/// case, a leading `v`, leading zeros and trailing `.0` release segments, separators
/// and the spelled-out pre-release names do not matter.
pub fn normalize_version(version: &str) -> String {
    let v = version.trim().to_lowercase();
    let v = v.strip_prefix('v').unwrap_or(&v);
    let split = v.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(v.len());
    let (release, rest) = v.split_at(split);
    let mut nums: Vec<String> = release
        .split('.')
        .filter(|s| !s.is_empty())
        .map(|s| {
            let t = s.trim_start_matches('0');
            if t.is_empty() { "0".to_string() } else { t.to_string() }
        })
        .collect();
    while nums.len() > 1 && nums.last().is_some_and(|n| n == "0") {
        nums.pop();
    }
    let mut rest: String = rest.chars().filter(|c| !matches!(c, '.' | '-' | '_')).collect();
    for (long, short) in [("alpha", "a"), ("beta", "b"), ("preview", "rc"), ("pre", "rc"), ("c", "rc")] {
        if let Some(tail) = rest.strip_prefix(long)
            && !(long == "c" && tail.starts_with('r'))
        {
            rest = format!("{short}{tail}");
            break;
        }
    }
    format!("{}{}", nums.join("."), rest)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wheel_names_follow_pep_427() {
        let i = parse_wheel("My_Pkg-1.2.3-1-cp312-cp312-manylinux_2_17_x86_64.whl").expect("parses");
        assert_eq!((i.name.as_str(), i.version.as_str()), ("My_Pkg", "1.2.3"));
        assert_eq!(i.platform_tag.as_deref(), Some("manylinux_2_17_x86_64"));
        let i = parse_wheel("forring-0.0.1-py3-none-any.tar.gz").expect("misnamed wheel parses");
        assert_eq!(i.platform_tag.as_deref(), Some("any"));
        assert!(parse_wheel("nonsense.whl").is_none());
    }

    #[test]
    fn sdist_names_split_on_the_last_dash_before_a_digit() {
        let i = parse_sdist("py-cord-2.0.0.tar.gz").expect("parses");
        assert_eq!((i.name.as_str(), i.version.as_str()), ("py-cord", "2.0.0"));
        let i = parse_sdist("foo-bar-1.0-2.zip").expect("parses");
        assert_eq!((i.name.as_str(), i.version.as_str()), ("foo-bar-1.0", "2"));
        assert!(parse_sdist("noversion.tar.gz").is_none());
        let i = parse_egg("foo-1.0-py2.7-linux-x86_64.egg").expect("egg");
        assert_eq!(i.version, "1.0");
    }

    #[test]
    fn normalisation() {
        assert_eq!(normalize_name("Foo__Bar.baz"), "foo-bar-baz");
        assert_eq!(normalize_name("requests"), normalize_name("Requests"));
        assert_eq!(normalize_version("1.0"), normalize_version("1.0.0"));
        assert_eq!(normalize_version("v1.02"), normalize_version("1.2"));
        assert_eq!(normalize_version("1.0-beta.1"), normalize_version("1.0b1"));
        assert_eq!(normalize_version("2.0rc1"), normalize_version("2.0c1"));
        assert_ne!(normalize_version("1.0"), normalize_version("1.1"));
        assert_ne!(normalize_version("1.0.post1"), normalize_version("1.0"));
    }
}
