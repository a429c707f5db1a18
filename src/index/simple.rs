//! The Simple Repository API: PEP 691 JSON and PEP 503 HTML project pages, with the
//! optional fields of PEP 592 (yanked), PEP 658/714 (core metadata), PEP 700 (versions,
//! size, upload-time), PEP 708 (tracks, alternate-locations) and PEP 792 (project status).
//! Indexes that predate those fields (mirrors at api-version 1.0/1.1) parse fine: the
//! fields are simply absent.

use serde_json::Value;
use std::collections::BTreeMap;
use url::Url;

/// The Accept header for project pages: JSON first, HTML second (as uv sends it).
pub const ACCEPT: &str = "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.01";

/// One project's page on one index.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProjectPage {
    /// The name as the index spells it (JSON `name`), or the normalized name for HTML.
    pub name: String,
    pub files: Vec<FileEntry>,
    /// PEP 700 `versions` when the index sends it, otherwise the versions of the files
    /// (first-seen order); see `versions_from_index`.
    pub versions: Vec<String>,
    pub versions_from_index: bool,
    /// PEP 792 status (`None` when the index does not say).
    pub status: Option<ProjectStatus>,
    /// `meta.api-version` / `pypi:repository-version` (`"1.0"` for HTML without it).
    pub api_version: String,
    /// PEP 708 `tracks`: the URLs of projects this one tracks on other indexes.
    pub tracks: Vec<String>,
    /// PEP 708 `alternate-locations`.
    pub alternate_locations: Vec<String>,
    /// The URL the page was read from (after redirects), without credentials.
    pub url: String,
}

/// PEP 792 project status.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProjectStatus {
    /// `active`, `archived`, `quarantined`, `deprecated` (or whatever future value the index sends).
    pub status: String,
    pub reason: Option<String>,
}

/// PEP 658/714: the core metadata file (`<url>.metadata`) is available, with these hashes
/// (possibly none).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CoreMetadata {
    pub hashes: BTreeMap<String, String>,
}

/// One distribution file of a project.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileEntry {
    pub filename: String,
    /// Absolute URL (relative hrefs resolved against the page), without the `#hash` fragment.
    pub url: String,
    /// Algorithm (lower case) → hex digest.
    pub hashes: BTreeMap<String, String>,
    pub requires_python: Option<String>,
    /// `Some(reason)` when yanked; `Some("")` when yanked without a reason.
    pub yanked: Option<String>,
    /// PEP 700 ISO 8601 upload time.
    pub upload_time: Option<String>,
    /// PEP 700 size in bytes.
    pub size: Option<u64>,
    pub core_metadata: Option<CoreMetadata>,
}

impl FileEntry {
    /// The version encoded in the filename (see [`version_from_filename`]).
    pub fn version(&self, project: &str) -> Option<String> {
        version_from_filename(&self.filename, Some(project))
    }

    pub fn is_wheel(&self) -> bool {
        self.filename.to_ascii_lowercase().ends_with(".whl")
    }

    /// The URL of the PEP 658 metadata file, if the index advertises one.
    pub fn metadata_url(&self) -> Option<String> {
        self.core_metadata.as_ref().map(|_| format!("{}.metadata", self.url))
    }
}

pub use crate::pep503::normalize_name;

pub use crate::pep503::is_valid_name;

/// The version in a distribution filename: wheels (PEP 427: `name-ver(-build)?-py-abi-plat.whl`),
/// eggs (`name-ver(-pyX.Y)?.egg`), sdists (`name-ver.tar.gz`, `.zip`, `.tar.bz2`, `.tgz`,
/// `.tar.xz`, `.tar`). For sdists of older projects whose names contain `-`, pass the
/// project name so the split is right (`python-dateutil-2.8.2.tar.gz`).
pub fn version_from_filename(filename: &str, project: Option<&str>) -> Option<String> {
    let lower = filename.to_ascii_lowercase();
    if lower.ends_with(".whl") || lower.ends_with(".egg") {
        let stem = &filename[..filename.len() - 4];
        let parts: Vec<&str> = stem.split('-').collect();
        return parts.get(1).filter(|v| !v.is_empty()).map(|v| v.to_string());
    }
    let ext = [".tar.gz", ".tar.bz2", ".tar.xz", ".tgz", ".zip", ".tar"].into_iter().find(|e| lower.ends_with(e))?;
    let stem = &filename[..filename.len() - ext.len()];
    if let Some(p) = project {
        let want = normalize_name(p);
        for (i, _) in stem.match_indices('-') {
            if normalize_name(&stem[..i]) == want && i + 1 < stem.len() {
                return Some(stem[i + 1..].to_string());
            }
        }
    }
    // Without a matching name: the version starts at the first `-` followed by a digit.
    stem.match_indices('-')
        .find(|(i, _)| stem[i + 1..].starts_with(|c: char| c.is_ascii_digit()))
        .map(|(i, _)| stem[i + 1..].to_string())
}

/// A Simple API page that cannot be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PageError {
    #[error("invalid JSON: {0}")]
    NotJson(String),
    #[error("the page is not a JSON object")]
    NotAnObject,
    /// `'name'`, `'files' list`, `'filename'`, `'url'`.
    #[error("missing {0}")]
    Missing(&'static str),
    #[error("files[{index}]: {problem}")]
    File { index: usize, problem: Box<PageError> },
    #[error("not an object")]
    FileNotAnObject,
    #[error("unsupported Simple API major version {major} (api-version {version}); safe-pip understands 1.x")]
    ApiVersion { major: u32, version: String },
    #[error("unreadable api-version '{0}'")]
    BadApiVersion(String),
    /// `href` is redacted.
    #[error("bad URL '{href}': {detail}")]
    BadUrl { href: String, detail: String },
}

impl crate::error::Hint for PageError {
    fn hint(&self) -> String {
        match self {
            PageError::ApiVersion { .. } => "upgrade safe-pip, or use an index that serves Simple API 1.x".into(),
            _ => "the index does not answer with a PEP 503/691 project page; check --index-url".into(),
        }
    }
}

/// Parses a PEP 691 JSON page. `page_url` resolves relative file URLs.
pub fn parse_json(body: &[u8], page_url: &Url) -> Result<ProjectPage, PageError> {
    let v: Value = serde_json::from_slice(body).map_err(|e| PageError::NotJson(e.to_string()))?;
    parse_json_value(&v, page_url)
}

/// Parses an already decoded PEP 691 JSON page (a proxy keeps the document to pass
/// fields it does not know through).
pub fn parse_json_value(v: &Value, page_url: &Url) -> Result<ProjectPage, PageError> {
    let obj = v.as_object().ok_or(PageError::NotAnObject)?;
    let meta = obj.get("meta").and_then(Value::as_object);
    let api_version = meta.and_then(|m| m.get("api-version")).and_then(Value::as_str).unwrap_or("1.0").to_string();
    check_api_version(&api_version)?;
    let name = obj.get("name").and_then(Value::as_str).ok_or(PageError::Missing("'name'"))?.to_string();
    let files_v = obj.get("files").and_then(Value::as_array).ok_or(PageError::Missing("'files' list"))?;
    let mut files = Vec::with_capacity(files_v.len());
    for (i, f) in files_v.iter().enumerate() {
        files.push(parse_json_file(f, page_url).map_err(|e| PageError::File { index: i, problem: Box::new(e) })?);
    }
    let from_index = obj.get("versions").and_then(Value::as_array);
    let versions = match from_index {
        Some(vs) => vs.iter().filter_map(Value::as_str).map(str::to_string).collect(),
        None => versions_of(&files, &name),
    };
    let status = match obj.get("project-status") {
        Some(Value::Object(s)) => s.get("status").and_then(Value::as_str).map(|st| ProjectStatus {
            status: st.to_string(),
            reason: s.get("reason").and_then(Value::as_str).map(str::to_string),
        }),
        _ => None,
    };
    let str_list = |key: &str| -> Vec<String> {
        obj.get(key)
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).map(str::to_string).collect())
            .unwrap_or_default()
    };
    let tracks = meta
        .and_then(|m| m.get("tracks"))
        .or_else(|| obj.get("tracks"))
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).map(str::to_string).collect())
        .unwrap_or_default();
    Ok(ProjectPage {
        name,
        files,
        versions,
        versions_from_index: from_index.is_some(),
        status,
        api_version,
        tracks,
        alternate_locations: str_list("alternate-locations"),
        url: page_url.to_string(),
    })
}

fn parse_json_file(f: &Value, page_url: &Url) -> Result<FileEntry, PageError> {
    let o = f.as_object().ok_or(PageError::FileNotAnObject)?;
    let filename = o.get("filename").and_then(Value::as_str).ok_or(PageError::Missing("'filename'"))?.to_string();
    let href = o.get("url").and_then(Value::as_str).ok_or(PageError::Missing("'url'"))?;
    let (url, mut hashes) = resolve_href(page_url, href)?;
    if let Some(h) = o.get("hashes").and_then(Value::as_object) {
        for (k, v) in h {
            if let Some(s) = v.as_str() {
                hashes.insert(k.to_ascii_lowercase(), s.to_ascii_lowercase());
            }
        }
    }
    let yanked = match o.get("yanked") {
        Some(Value::Bool(true)) => Some(String::new()),
        Some(Value::String(s)) => Some(s.clone()),
        _ => None,
    };
    let core_metadata = json_core_metadata(o.get("core-metadata")).or_else(|| json_core_metadata(o.get("dist-info-metadata")));
    Ok(FileEntry {
        filename,
        url,
        hashes,
        requires_python: o.get("requires-python").and_then(Value::as_str).map(str::to_string),
        yanked,
        upload_time: o.get("upload-time").and_then(Value::as_str).map(str::to_string),
        size: o.get("size").and_then(Value::as_u64),
        core_metadata,
    })
}

fn json_core_metadata(v: Option<&Value>) -> Option<CoreMetadata> {
    match v? {
        Value::Bool(true) => Some(CoreMetadata::default()),
        Value::Object(h) => Some(CoreMetadata {
            hashes: h.iter().filter_map(|(k, v)| Some((k.to_ascii_lowercase(), v.as_str()?.to_ascii_lowercase()))).collect(),
        }),
        _ => None,
    }
}

/// PEP 629: a client must refuse a major version it does not know.
fn check_api_version(v: &str) -> Result<(), PageError> {
    match v.split('.').next().and_then(|m| m.trim().parse::<u32>().ok()) {
        Some(1) => Ok(()),
        Some(major) => Err(PageError::ApiVersion { major, version: v.to_string() }),
        None => Err(PageError::BadApiVersion(v.to_string())),
    }
}

fn versions_of(files: &[FileEntry], project: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for f in files {
        if let Some(v) = f.version(project) {
            if !out.contains(&v) {
                out.push(v);
            }
        }
    }
    out
}

/// Resolves `href` against `base` and splits off a `#algo=digest` fragment.
fn resolve_href(base: &Url, href: &str) -> Result<(String, BTreeMap<String, String>), PageError> {
    let mut u = base.join(href.trim()).map_err(|e| PageError::BadUrl { href: crate::redact::redact(href), detail: e.to_string() })?;
    let mut hashes = BTreeMap::new();
    if let Some(frag) = u.fragment() {
        for part in frag.split('&') {
            if let Some((algo, digest)) = part.split_once('=') {
                let algo = algo.to_ascii_lowercase();
                if !digest.is_empty() && digest.bytes().all(|b| b.is_ascii_hexdigit()) {
                    hashes.insert(algo, digest.to_ascii_lowercase());
                }
            }
        }
    }
    u.set_fragment(None);
    Ok((u.to_string(), hashes))
}

/// Parses a PEP 503 HTML page (anchors, `<base href>`, `pypi:*` meta tags). `project` names
/// the page (HTML carries no reliable name).
pub fn parse_html(body: &str, page_url: &Url, project: &str) -> Result<ProjectPage, PageError> {
    let mut base = page_url.clone();
    let mut files = Vec::new();
    let mut api_version = "1.0".to_string();
    let mut status: Option<String> = None;
    let mut status_reason: Option<String> = None;
    let mut tracks = Vec::new();
    let mut alternates = Vec::new();
    let bytes = body.as_bytes();
    let mut i = 0;
    while let Some(off) = body[i..].find('<') {
        let start = i + off;
        if body[start..].starts_with("<!--") {
            i = body[start..].find("-->").map(|e| start + e + 3).unwrap_or(body.len());
            continue;
        }
        let name_start = start + 1;
        let mut name_end = name_start;
        while name_end < bytes.len() && bytes[name_end].is_ascii_alphanumeric() {
            name_end += 1;
        }
        if name_end == name_start {
            i = start + 1;
            continue;
        }
        let tag = body[name_start..name_end].to_ascii_lowercase();
        let (attrs, after) = parse_attrs(body, name_end);
        i = after;
        match tag.as_str() {
            "a" => {
                let close = find_ci(&body[i..], "</a").map(|e| i + e).unwrap_or(body.len());
                let text = unescape(strip_tags(&body[i..close]).trim());
                i = close;
                let Some(href) = attr(&attrs, "href") else { continue };
                let (url, hashes) = resolve_href(&base, href)?;
                let filename = if text.is_empty() {
                    url.rsplit('/').next().unwrap_or_default().to_string()
                } else {
                    text
                };
                let core_metadata = html_core_metadata(attr(&attrs, "data-core-metadata"))
                    .or_else(|| html_core_metadata(attr(&attrs, "data-dist-info-metadata")));
                files.push(FileEntry {
                    filename,
                    url,
                    hashes,
                    requires_python: attr(&attrs, "data-requires-python").map(str::to_string),
                    yanked: attr(&attrs, "data-yanked").map(str::to_string),
                    upload_time: None,
                    size: None,
                    core_metadata,
                });
            }
            "base" => {
                if let Some(h) = attr(&attrs, "href") {
                    if let Ok(b) = page_url.join(h) {
                        base = b;
                    }
                }
            }
            "meta" => {
                let content = attr(&attrs, "content").map(str::to_string);
                match attr(&attrs, "name").map(str::to_ascii_lowercase).as_deref() {
                    Some("pypi:repository-version") => {
                        if let Some(c) = content {
                            api_version = c;
                        }
                    }
                    Some("pypi:project-status") => status = content,
                    Some("pypi:project-status-reason") => status_reason = content,
                    Some("pypi:tracks") => tracks.extend(content),
                    Some("pypi:alternate-locations") => alternates.extend(content),
                    _ => {}
                }
            }
            "script" | "style" => {
                let end_tag = format!("</{tag}");
                i = find_ci(&body[i..], &end_tag).map(|e| i + e).unwrap_or(body.len());
            }
            _ => {}
        }
    }
    check_api_version(&api_version)?;
    let name = normalize_name(project);
    let versions = versions_of(&files, &name);
    Ok(ProjectPage {
        name,
        files,
        versions,
        versions_from_index: false,
        status: status.map(|s| ProjectStatus { status: s, reason: status_reason }),
        api_version,
        tracks,
        alternate_locations: alternates,
        url: page_url.to_string(),
    })
}

fn html_core_metadata(v: Option<&str>) -> Option<CoreMetadata> {
    let v = v?.trim();
    if v.eq_ignore_ascii_case("false") {
        return None;
    }
    let mut hashes = BTreeMap::new();
    if let Some((algo, digest)) = v.split_once('=') {
        hashes.insert(algo.to_ascii_lowercase(), digest.to_ascii_lowercase());
    }
    Some(CoreMetadata { hashes })
}

fn attr<'a>(attrs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    attrs.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
}

/// Reads attributes from `pos` (just after the tag name) to the closing `>`; returns them
/// (names lower-cased, values unescaped; a bare attribute has value `""`) and the position
/// after `>`.
fn parse_attrs(s: &str, mut pos: usize) -> (Vec<(String, String)>, usize) {
    let b = s.as_bytes();
    let mut out = Vec::new();
    loop {
        while pos < b.len() && (b[pos].is_ascii_whitespace() || b[pos] == b'/') {
            pos += 1;
        }
        if pos >= b.len() {
            return (out, pos);
        }
        if b[pos] == b'>' {
            return (out, pos + 1);
        }
        let ns = pos;
        while pos < b.len() && !b[pos].is_ascii_whitespace() && !matches!(b[pos], b'=' | b'>' | b'/') {
            pos += 1;
        }
        let name = s[ns..pos].to_ascii_lowercase();
        while pos < b.len() && b[pos].is_ascii_whitespace() {
            pos += 1;
        }
        let mut value = String::new();
        if pos < b.len() && b[pos] == b'=' {
            pos += 1;
            while pos < b.len() && b[pos].is_ascii_whitespace() {
                pos += 1;
            }
            if pos < b.len() && (b[pos] == b'"' || b[pos] == b'\'') {
                let q = b[pos];
                let vs = pos + 1;
                let ve = s[vs..].bytes().position(|c| c == q).map(|e| vs + e).unwrap_or(b.len());
                value = unescape(&s[vs..ve]);
                pos = (ve + 1).min(b.len());
            } else {
                let vs = pos;
                while pos < b.len() && !b[pos].is_ascii_whitespace() && b[pos] != b'>' {
                    pos += 1;
                }
                value = unescape(&s[vs..pos]);
            }
        }
        if !name.is_empty() {
            out.push((name, value));
        }
    }
}

fn find_ci(hay: &str, needle: &str) -> Option<usize> {
    let n = needle.as_bytes();
    hay.as_bytes().windows(n.len()).position(|w| w.eq_ignore_ascii_case(n))
}

fn strip_tags(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut in_tag = false;
    for c in s.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}

/// HTML character references: the common named ones and numeric `&#NN;` / `&#xHH;`.
/// Unknown references are kept as written.
pub fn unescape(s: &str) -> String {
    if !s.contains('&') {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(p) = rest.find('&') {
        out.push_str(&rest[..p]);
        rest = &rest[p..];
        let end = rest[1..].find(|c: char| !(c.is_ascii_alphanumeric() || c == '#')).map(|e| e + 1).unwrap_or(rest.len());
        let ent = &rest[1..end];
        let has_semi = rest[end..].starts_with(';');
        let decoded = if let Some(num) = ent.strip_prefix('#') {
            let n = match num.strip_prefix(['x', 'X']) {
                Some(h) => u32::from_str_radix(h, 16).ok(),
                None => num.parse::<u32>().ok(),
            };
            n.and_then(char::from_u32)
        } else {
            match ent {
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                "nbsp" => Some('\u{a0}'),
                _ => None,
            }
        };
        match decoded {
            Some(c) if !ent.is_empty() => {
                out.push(c);
                rest = &rest[end + usize::from(has_semi)..];
            }
            _ => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod unit {
    use super::*;

    #[test]
    fn names_and_versions() {
        assert_eq!(normalize_name("Foo.Bar__baz-"), "foo-bar-baz");
        assert_eq!(normalize_name("requests"), "requests");
        assert!(is_valid_name("zope.interface") && !is_valid_name("../x") && !is_valid_name("a/b") && !is_valid_name("-a"));
        let v = |f, p| version_from_filename(f, p);
        assert_eq!(v("requests-2.32.3-py3-none-any.whl", None).as_deref(), Some("2.32.3"));
        assert_eq!(v("foo_bar-1.0-1-cp312-cp312-manylinux_2_17_x86_64.whl", None).as_deref(), Some("1.0"));
        assert_eq!(v("python-dateutil-2.8.2.tar.gz", Some("python-dateutil")).as_deref(), Some("2.8.2"));
        assert_eq!(v("python-dateutil-2.8.2.tar.gz", None).as_deref(), Some("2.8.2"));
        assert_eq!(v("Django-5.0.zip", Some("django")).as_deref(), Some("5.0"));
        assert_eq!(v("setuptools-0.6c11-py2.7.egg", None).as_deref(), Some("0.6c11"));
        assert_eq!(v("a-1.0.exe", None), None);
    }

    #[test]
    fn unescape_refs() {
        assert_eq!(unescape("&gt;=3.8, !=3.9.*&amp;x&#39;&#x41;&bogus; &"), ">=3.8, !=3.9.*&x'A&bogus; &");
    }
}
