//! The proxy's URL space: what a request path means ([`Route`]) and the stable file
//! URLs written into project pages.
//!
//! A file URL is `/u/<k>/f/<project>/<id>/<filename>`, where `id` is the sha256 the index
//! advertises for the file, or `url-` and a digest of its upstream URL when the index
//! advertises none. It depends only on what the upstream page says, so it is the same in
//! every run and after a restart (pip's and uv's caches key by URL). It names a file of a
//! page rather than a location: a restarted proxy re-reads the project's page and serves
//! only a file that page offers, so the proxy never fetches a URL a client made up, and
//! neither upstream hosts nor credentials appear in it.

/// What a request path asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Route {
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
pub(crate) struct FileRef {
    /// Normalized project name.
    pub project: String,
    /// The advertised sha256 (lower-case hex), or `url-` + a digest of the upstream URL.
    pub id: String,
    pub filename: String,
}

impl FileRef {
    /// The reference for a file: by its advertised sha256, else by its upstream URL
    /// (without credentials or fragment).
    pub(crate) fn new(project: &str, sha256: Option<&str>, clean_url: &str, filename: &str) -> FileRef {
        let id = match sha256 {
            Some(s) => s.to_ascii_lowercase(),
            None => {
                use sha2::Digest;
                format!("url-{}", &crate::hex::hex(&sha2::Sha256::digest(clean_url.as_bytes()))[..32])
            }
        };
        FileRef { project: crate::pep503::normalize_name(project), id, filename: filename.to_string() }
    }

    /// The advertised sha256, when the id is one.
    pub(crate) fn sha256(&self) -> Option<&str> {
        (!self.id.starts_with("url-")).then_some(self.id.as_str())
    }

    /// The path of this file on the proxy (percent-encoded where needed).
    pub(crate) fn path(&self, upstream: usize) -> String {
        format!("/u/{upstream}/f/{}/{}/{}", encode_segment(&self.project), self.id, encode_segment(&self.filename))
    }
}

/// The path of upstream `k`'s Simple API root on the proxy.
pub(crate) fn index_path(upstream: usize) -> String {
    format!("/u/{upstream}/simple/")
}

/// Parses a request path (the query is ignored).
pub(crate) fn route(path: &str) -> Route {
    let path = path.split(['?', '#']).next().unwrap_or_default();
    let segs: Vec<&str> = path.split('/').skip(1).collect();
    let segs: Vec<&str> = match segs.split_last() {
        Some((&"", rest)) => rest.to_vec(),
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
                ["f", project, id, filename] => file_route(upstream, project, id, filename),
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

fn file_route(upstream: usize, project: &str, id: &str, filename: &str) -> Route {
    let project = decode_segment(project);
    let filename = decode_segment(filename);
    let hex = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_hexdigit());
    let id_ok = hex(id, 64) || id.strip_prefix("url-").is_some_and(|h| hex(h, 32));
    let (filename, metadata) = match filename.strip_suffix(".metadata") {
        Some(f) => (f.to_string(), true),
        None => (filename, false),
    };
    if !id_ok || !crate::pep503::is_valid_name(&project) || filename.is_empty() || filename.contains('/') {
        return Route::NotFound;
    }
    let file = FileRef { project, id: id.to_ascii_lowercase(), filename };
    Route::File { upstream, file, metadata }
}

/// Percent-encodes everything but unreserved characters (RFC 3986).
pub(crate) fn encode_segment(s: &str) -> String {
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
    crate::index::percent_decode(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_urls_round_trip_and_are_stable() {
        let sha = "ab".repeat(32);
        let f = FileRef::new("Demo_Pkg", Some(&sha), "https://files.example/demo.whl", "demo_pkg-1.0+cpu-py3-none-any.whl");
        let p = f.path(2);
        assert_eq!(p, format!("/u/2/f/demo-pkg/{sha}/demo_pkg-1.0%2Bcpu-py3-none-any.whl"));
        assert_eq!(f.sha256(), Some(sha.as_str()));
        assert_eq!(route(&p), Route::File { upstream: 2, file: f.clone(), metadata: false });
        assert_eq!(route(&format!("{p}.metadata")), Route::File { upstream: 2, file: f.clone(), metadata: true });
        let a = FileRef::new("demo", None, "https://files.example/a/demo-1.0.tar.gz", "demo-1.0.tar.gz");
        let b = FileRef::new("demo", None, "https://files.example/b/demo-1.0.tar.gz", "demo-1.0.tar.gz");
        assert!(a.id.starts_with("url-") && a.id != b.id && a.sha256().is_none());
        assert_eq!(a, FileRef::new("demo", None, "https://files.example/a/demo-1.0.tar.gz", "demo-1.0.tar.gz"));
        assert_eq!(route(&a.path(0)), Route::File { upstream: 0, file: a, metadata: false });
    }

    #[test]
    fn pages_and_junk() {
        assert_eq!(route("/simple/Foo_Bar/"), Route::Project { upstream: 0, name: "Foo_Bar".into() });
        assert_eq!(route("/u/3/simple/six"), Route::Project { upstream: 3, name: "six".into() });
        assert_eq!(route("/u/1/simple/"), Route::Root { upstream: 1 });
        assert_eq!(route("/health"), Route::Health);
        assert_eq!(route("/simple/../etc/"), Route::NotFound);
        assert_eq!(route("/u/x/simple/six/"), Route::NotFound);
        assert_eq!(route("/u/0/f/demo/zz/x.whl"), Route::NotFound);
        assert_eq!(route("/u/0/f/demo/url-!!/x.whl"), Route::NotFound);
        assert_eq!(route(&format!("/u/0/f/demo/{}/a%2Fb.whl", "0".repeat(64))), Route::NotFound);
        assert_eq!(route("/simple/%2e%2e/"), Route::NotFound);
    }
}
