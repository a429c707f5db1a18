//! What the proxy does differently as the organisation gateway (`safe-pip serve`): it may
//! listen on any address, so requests are authenticated by token instead of by the Host
//! being loopback; every request is logged as one JSON line on stderr; `/healthz` and
//! `/metrics` are served; verdicts are not remembered in memory, so a decision recorded
//! on another replica applies at the next request.

use super::reply::Reply;
use base64::Engine;
use hyper::http::HeaderMap;
use std::path::{Path, PathBuf};

/// One accepted client token.
#[derive(Clone)]
pub(crate) struct Token {
    /// Who holds it, for the access log.
    pub name: String,
    secret: String,
}

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Token").field("name", &self.name).finish_non_exhaustive()
    }
}

/// Shortest secret accepted in a token file.
pub(crate) const MIN_TOKEN_LEN: usize = 16;

impl Token {
    pub(crate) fn new(name: &str, secret: &str) -> Token {
        Token { name: name.to_string(), secret: secret.to_string() }
    }
}

/// An answer of the admin API: a status and a JSON body.
pub(crate) struct AdminReply {
    pub status: u16,
    pub body: serde_json::Value,
}

/// The gateway's admin API (`/admin/…`), implemented above the proxy
/// (`crate::gateway::admin`). Called on a blocking thread after the admin token checked.
pub(crate) trait AdminApi: Send + Sync {
    /// `actor`: the name of the admin token used.
    fn handle(&self, method: &str, path: &str, body: &[u8], actor: &str) -> AdminReply;
}

/// Largest admin request body read.
pub(crate) const MAX_ADMIN_BODY: usize = 64 * 1024;

/// Produces the snapshot `GET /snapshot` serves (the bytes of a `safe-pip db export`
/// document), or why it cannot.
pub(crate) type SnapshotSource = std::sync::Arc<dyn Fn() -> Result<Vec<u8>, String> + Send + Sync>;

/// How long upstream project pages are reused (gateway only).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct PageCachePolicy {
    /// A page younger than this is served without asking upstream.
    pub ttl: std::time::Duration,
    /// When upstream fails, a page is still served until it is this old (since upstream
    /// last confirmed it); older, the failure is answered (502).
    pub max_stale: std::time::Duration,
}

impl Default for PageCachePolicy {
    fn default() -> Self {
        PageCachePolicy { ttl: std::time::Duration::from_secs(60), max_stale: std::time::Duration::from_secs(600) }
    }
}

/// How the gateway runs.
#[derive(Clone, Default)]
pub(crate) struct GatewayOptions {
    /// Accepted tokens; empty: no authentication.
    pub tokens: Vec<Token>,
    /// One JSON line per request on stderr.
    pub access_log: bool,
    /// Tokens of the admin API (they are also client tokens); empty: no admin API.
    pub admin_tokens: Vec<Token>,
    pub admin: Option<std::sync::Arc<dyn AdminApi>>,
    /// `GET /snapshot` (any valid token); `None`: 404.
    pub snapshot: Option<SnapshotSource>,
    /// Upstream pages reused for a while; `None`: every page request asks upstream.
    pub page_cache: Option<PageCachePolicy>,
}

impl std::fmt::Debug for GatewayOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GatewayOptions").field("tokens", &self.tokens).field("access_log", &self.access_log).field("admin_tokens", &self.admin_tokens).finish_non_exhaustive()
    }
}

/// Answers `/admin/…`: the admin token, then the API; 404 when no admin API is configured.
pub(crate) fn admin(opts: &GatewayOptions, method: &str, path: &str, headers: &HeaderMap, body: Option<&[u8]>) -> (Reply, Option<String>) {
    let Some(api) = opts.admin.as_ref().filter(|_| !opts.admin_tokens.is_empty()) else {
        return (Reply::not_found("the admin API is off (start serve with --admin-token-file)"), None);
    };
    let admin_only = GatewayOptions { tokens: opts.admin_tokens.clone(), ..GatewayOptions::default() };
    let actor = match authenticate(&admin_only, headers) {
        Ok(a) => a.unwrap_or_default(),
        Err(refused) => return (refused, None),
    };
    let Some(body) = body else {
        return (Reply::error(413, format!("Payload Too Large: admin requests are at most {MAX_ADMIN_BODY} bytes")), Some(actor));
    };
    let answer = api.handle(method, path, body, &actor);
    let mut text = serde_json::to_string_pretty(&answer.body).unwrap_or_else(|_| "{}".into());
    text.push('\n');
    (Reply::new(answer.status, "application/json", text).header("cache-control", "no-store"), Some(actor))
}

/// A token file that cannot be used; every variant names the file (and line).
#[derive(Debug, thiserror::Error)]
pub(crate) enum TokenFileError {
    #[error("cannot read token file {}: {source}", path.display())]
    Read { path: PathBuf, source: std::io::Error },
    #[error("{}:{line}: expected `NAME SECRET` or `SECRET`", path.display())]
    Syntax { path: PathBuf, line: usize },
    #[error("{}:{line}: the secret of {name} is shorter than {MIN_TOKEN_LEN} characters", path.display())]
    Short { path: PathBuf, line: usize, name: String },
    #[error("token file {} holds no token", path.display())]
    Empty { path: PathBuf },
}

impl crate::error::Hint for TokenFileError {
    fn hint(&self) -> String {
        match self {
            TokenFileError::Read { .. } => "check the path and its permissions (--token-file, --admin-token-file)".into(),
            _ => format!("write one token per line (`NAME SECRET`), secrets of {MIN_TOKEN_LEN} characters or more"),
        }
    }
}

/// Reads a token file: one token per line, `NAME SECRET` or a bare `SECRET` (named
/// `token-N` after its line); blank lines and `#` comments are skipped. A secret shorter
/// than [`MIN_TOKEN_LEN`] or a file without tokens is an error naming the line.
pub(crate) fn read_token_file(path: &Path) -> Result<Vec<Token>, TokenFileError> {
    let text = std::fs::read_to_string(path).map_err(|source| TokenFileError::Read { path: path.to_path_buf(), source })?;
    let mut tokens = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let parts: Vec<&str> = line.split_whitespace().collect();
        let (name, secret) = match parts.as_slice() {
            [secret] => (format!("token-{}", i + 1), *secret),
            [name, secret] => (name.to_string(), *secret),
            _ => return Err(TokenFileError::Syntax { path: path.to_path_buf(), line: i + 1 }),
        };
        if secret.len() < MIN_TOKEN_LEN {
            return Err(TokenFileError::Short { path: path.to_path_buf(), line: i + 1, name });
        }
        tokens.push(Token::new(&name, secret));
    }
    if tokens.is_empty() {
        return Err(TokenFileError::Empty { path: path.to_path_buf() });
    }
    Ok(tokens)
}

/// Compares without stopping at the first difference.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The holder of the token the request carries (`Authorization: Bearer SECRET`, or Basic
/// with the secret as password — any user name — or as user name with an empty password,
/// as pip sends `https://user:SECRET@host/…`). `Ok(None)` when no tokens are configured;
/// a `401` asking for Basic credentials otherwise.
pub(crate) fn authenticate(opts: &GatewayOptions, headers: &HeaderMap) -> Result<Option<String>, Reply> {
    if opts.tokens.is_empty() && opts.admin_tokens.is_empty() {
        return Ok(None);
    }
    let given = headers.get(hyper::header::AUTHORIZATION).and_then(|v| v.to_str().ok()).unwrap_or_default().trim();
    let candidates: Vec<String> = match given.split_once(' ') {
        Some((scheme, rest)) if scheme.eq_ignore_ascii_case("bearer") => vec![rest.trim().to_string()],
        Some((scheme, rest)) if scheme.eq_ignore_ascii_case("basic") => {
            let decoded = base64::engine::general_purpose::STANDARD.decode(rest.trim()).ok().and_then(|b| String::from_utf8(b).ok()).unwrap_or_default();
            match decoded.split_once(':') {
                Some((user, "")) => vec![user.to_string()],
                Some((_, pass)) => vec![pass.to_string()],
                None => Vec::new(),
            }
        }
        _ => Vec::new(),
    };
    for c in &candidates {
        if let Some(t) = opts.tokens.iter().chain(&opts.admin_tokens).find(|t| same(&t.secret, c)) {
            return Ok(Some(t.name.clone()));
        }
    }
    let why = if given.is_empty() { "a token is required" } else { "the token is not valid" };
    Err(Reply::error(401, format!("Unauthorized by safe-pip: {why} (Authorization: Bearer TOKEN, or the token as the password in the index URL)"))
        .header("www-authenticate", "Basic realm=\"safe-pip\", charset=\"UTF-8\""))
}

/// One access-log line (JSON).
pub(crate) struct Access<'a> {
    pub remote: Option<std::net::SocketAddr>,
    pub method: &'a str,
    pub path: &'a str,
    pub status: u16,
    pub bytes: usize,
    pub seconds: f64,
    pub user: Option<&'a str>,
    pub reason: Option<&'a str>,
}

impl Access<'_> {
    pub(crate) fn line(&self) -> String {
        let ts = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs_f64()).unwrap_or(0.0);
        serde_json::json!({
            "ts": (ts * 1000.0).round() / 1000.0,
            "remote": self.remote.map(|r| r.to_string()),
            "method": self.method,
            "path": self.path,
            "status": self.status,
            "bytes": self.bytes,
            "ms": (self.seconds * 1e6).round() / 1e3,
            "user": self.user,
            "reason": self.reason,
        })
        .to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(auth: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(hyper::header::AUTHORIZATION, auth.parse().expect("header"));
        h
    }

    #[test]
    fn bearer_and_basic_tokens() {
        let opts = GatewayOptions { tokens: vec![Token::new("ci", "0123456789abcdef0123")], ..GatewayOptions::default() };
        assert_eq!(authenticate(&opts, &headers("Bearer 0123456789abcdef0123")).ok().flatten().as_deref(), Some("ci"));
        let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
        assert_eq!(authenticate(&opts, &headers(&format!("Basic {}", b64("anyone:0123456789abcdef0123")))).ok().flatten().as_deref(), Some("ci"));
        assert_eq!(authenticate(&opts, &headers(&format!("Basic {}", b64("0123456789abcdef0123:")))).ok().flatten().as_deref(), Some("ci"));
        for bad in ["Bearer 0123456789abcdef012", "Bearer ", "Token 0123456789abcdef0123", &format!("Basic {}", b64("ci:nope"))] {
            let r = authenticate(&opts, &headers(bad)).expect_err(bad);
            assert_eq!(r.status, 401);
            assert!(r.headers.iter().any(|(k, v)| *k == "www-authenticate" && v.starts_with("Basic")));
        }
        assert_eq!(authenticate(&opts, &HeaderMap::new()).expect_err("none").status, 401);
        assert_eq!(authenticate(&GatewayOptions::default(), &HeaderMap::new()).ok(), Some(None), "no tokens: open");
    }

    #[test]
    fn token_files() {
        let dir = tempfile::tempdir().expect("tmp");
        let p = dir.path().join("tokens");
        std::fs::write(&p, "# clients\nci 0123456789abcdef0123\n\nfedcba9876543210fedc\n").expect("write");
        let t = read_token_file(&p).expect("read");
        assert_eq!(t.iter().map(|t| t.name.as_str()).collect::<Vec<_>>(), ["ci", "token-4"]);
        std::fs::write(&p, "ci short\n").expect("write");
        assert!(read_token_file(&p).expect_err("short").to_string().contains(":1: the secret of ci is shorter"));
        std::fs::write(&p, "# nothing\n").expect("write");
        assert!(read_token_file(&p).expect_err("empty").to_string().contains("holds no token"));
        assert!(format!("{:?}", Token::new("ci", "0123456789abcdef0123")).contains("ci") && !format!("{:?}", Token::new("ci", "0123456789abcdef0123")).contains("0123"));
    }

    #[test]
    fn access_lines_are_json() {
        let a = Access { remote: None, method: "GET", path: "/u/0/simple/a\"b/", status: 403, bytes: 10, seconds: 0.0123, user: Some("ci"), reason: Some("blocked") };
        let v: serde_json::Value = serde_json::from_str(&a.line()).expect("json");
        assert_eq!(v["path"], "/u/0/simple/a\"b/");
        assert_eq!(v["status"], 403);
        assert_eq!(v["ms"], 12.3);
        assert_eq!(v["user"], "ci");
    }
}
