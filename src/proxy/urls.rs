//! The proxy's URL space: what a request path means ([`Route`]) and the stable file
//! URLs written into project pages.
//!
//! A file URL is `/u/<k>/f/<project>/<sha256 or ->/<id>/<filename>`, where `id` is the
//! base64url of the upstream file URL without credentials or fragment. It depends only on
//! what the upstream page says, so it is the same in every run and after a restart (pip's
//! and uv's caches key by URL), and a restarted proxy can still serve it: it re-reads the
//! project's page and serves only files that page offers. Credentials never appear in it.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// What a request path asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Route {
    Health,
    /// `/u/<k>/simple/` (or `/simple/`): the root listing.
    Root { upstream: usize },
    /// `/u/<k>/simple/<name>/`.
    Project { upstream: usize, name: String },
    /// A distribution file, or its PEP 658 metadata when `metadata` is set.
    File { upstream: usize, file: FileRef, metadata: bool },
    NotFound,
}

/// Identifies one file of one upstream page.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct FileRef {
    pub project: String,
    pub sha256: Option<String>,
    /// Upstream URL without userinfo and fragment.
    pub url: String,
    pub filename: String,
}

impl FileRef {
    /// The path of this file on the proxy (percent-encoded where needed).
    pub fn path(&self, upstream: usize) -> String {
        format!(
            "/u/{upstream}/f/{}/{}/{}/{}",
            encode_segment(&self.project),
            self.sha256.as_deref().unwrap_or("-"),
            URL_SAFE_NO_PAD.encode(self.url.as_bytes()),
            encode_segment(&self.filename)
        )
    }
}

/// The path of upstream `k`'s Simple API root on the proxy.
pub fn index_path(upstream: usize) -> String {
    format!("/u/{upstream}/simple/")
}

/// Parses a request path (the query is ignored).
pub fn route(path: &str) -> Route {
    let path = path.split(['?', '#']).next().unwrap_or_default();
    let segs: Vec<&str> = path.split('/').skip(1).collect();
    let segs: Vec<&str> = match segs.split_last() {
        Some((last, rest)) if last.is_empty() => rest.to_vec(),
        _ => segs,
    };
    match segs.as_slice() {
        ["health"] => Route::Health,
        ["simple"] => Route::Root { upstream: 0 },
        ["simple", name] => project(0, name),
        ["u", k, rest @ ..] => {
            let Ok(upstream) = k.parse::<usize>() else { return Route::NotFound };
            match rest {
                ["simple"] => Route::Root { upstream },
                ["simple", name] => project(upstream, name),
                ["f", project, sha, id, filename] => file_route(upstream, project, sha, id, filename),
                _ => Route::NotFound,
            }
        }
        _ => Route::NotFound,
    }
}

fn project(upstream: usize, name: &str) -> Route {
    let name = decode_segment(name);
    if crate::pep503::is_valid_name(&name) { Route::Project { upstream, name } } else { Route::NotFound }
}

fn file_route(upstream: usize, project: &str, sha: &str, id: &str, filename: &str) -> Route {
    let project = decode_segment(project);
    let filename = decode_segment(filename);
    let sha256 = match sha {
        "-" => None,
        s if s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit()) => Some(s.to_ascii_lowercase()),
        _ => return Route::NotFound,
    };
    let Some(url) = URL_SAFE_NO_PAD.decode(id.as_bytes()).ok().and_then(|b| String::from_utf8(b).ok()) else {
        return Route::NotFound;
    };
    let (filename, metadata) = match filename.strip_suffix(".metadata") {
        Some(f) => (f.to_string(), true),
        None => (filename, false),
    };
    if !crate::pep503::is_valid_name(&project) || filename.is_empty() || filename.contains('/') {
        return Route::NotFound;
    }
    Route::File { upstream, file: FileRef { project, sha256, url, filename }, metadata }
}

/// Percent-encodes everything but unreserved characters (RFC 3986).
pub fn encode_segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn decode_segment(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            let hex = |c: u8| (c as char).to_digit(16);
            if let (Some(h), Some(l)) = (hex(b[i + 1]), hex(b[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_urls_round_trip_and_are_stable() {
        let f = FileRef {
            project: "demo-pkg".into(),
            sha256: Some("ab".repeat(32)),
            url: "https://files.example/packages/ab/cd/demo_pkg-1.0+cpu-py3-none-any.whl".into(),
            filename: "demo_pkg-1.0+cpu-py3-none-any.whl".into(),
        };
        let p = f.path(2);
        assert_eq!(p, f.clone().path(2), "same input, same URL");
        assert!(p.starts_with("/u/2/f/demo-pkg/abab") && p.ends_with("/demo_pkg-1.0%2Bcpu-py3-none-any.whl"), "{p}");
        assert_eq!(route(&p), Route::File { upstream: 2, file: f.clone(), metadata: false });
        assert_eq!(route(&format!("{p}.metadata")), Route::File { upstream: 2, file: f.clone(), metadata: true });
        let nohash = FileRef { sha256: None, ..f };
        assert_eq!(route(&nohash.path(0)), Route::File { upstream: 0, file: nohash, metadata: false });
    }

    #[test]
    fn pages_and_junk() {
        assert_eq!(route("/simple/Foo_Bar/"), Route::Project { upstream: 0, name: "Foo_Bar".into() });
        assert_eq!(route("/u/3/simple/six"), Route::Project { upstream: 3, name: "six".into() });
        assert_eq!(route("/u/1/simple/"), Route::Root { upstream: 1 });
        assert_eq!(route("/health"), Route::Health);
        assert_eq!(route("/simple/../etc/"), Route::NotFound);
        assert_eq!(route("/u/x/simple/six/"), Route::NotFound);
        assert_eq!(route("/u/0/f/demo/zz/aGk/x.whl"), Route::NotFound);
        assert_eq!(route("/u/0/f/demo/-/!!!/x.whl"), Route::NotFound);
        assert_eq!(route("/simple/%2e%2e/"), Route::NotFound);
    }
}
