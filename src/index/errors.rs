//! What can go wrong while talking to an index, and what to do about it.

/// Everything that can go wrong while talking to an index. Every message names what was
/// being fetched (with credentials redacted) and [`IndexError::hint`] says what to do.
#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    #[error("offline mode: not fetching {url}")]
    Offline { url: String },
    #[error("no package index is configured (--no-index / no-index = true)")]
    NoIndex,
    #[error("'{name}' is not a valid Python project name")]
    InvalidName { name: String },
    #[error("invalid URL '{url}': {detail}")]
    InvalidUrl { url: String, detail: String },
    #[error("refusing insecure index {url}: plain http to a host that is not trusted")]
    Insecure { url: String, host: String },
    #[error("cannot reach {url} ({cause})")]
    Unreachable { url: String, cause: String },
    #[error("{url} answered HTTP {status}")]
    Http { url: String, status: u16 },
    /// A safe-pip gateway upstream refused the file (its 403), with its reason.
    #[error("blocked by the organisation gateway ({url}): {reason}")]
    Refused { url: String, reason: String },
    #[error("hash mismatch for {file}: the index says {algorithm} {expected}, the downloaded bytes have {got}")]
    HashMismatch { file: String, algorithm: String, expected: String, got: String },
    #[error("{url} is larger than the limit of {limit} bytes{}", size.map(|s| format!(" ({s} bytes)")).unwrap_or_default())]
    TooLarge { url: String, limit: u64, size: Option<u64> },
    #[error("cannot understand the answer from {url}: {detail}")]
    Parse { url: String, detail: String },
    #[error("cannot use TLS file {path}: {detail}")]
    Tls { path: String, detail: String },
    #[error("cannot set up the HTTP client: {detail}")]
    Client { detail: String },
    #[error("invalid pip configuration: {}", problems.join("; "))]
    Config { problems: Vec<String> },
}

impl crate::error::Hint for IndexError {
    /// What the user can do about it, in one line.
    fn hint(&self) -> String {
        match self {
            IndexError::Offline { .. } => {
                "drop --offline to query the index; offline, only the local verdict DB and name checks are used".into()
            }
            IndexError::NoIndex => {
                "remove --no-index (or PIP_NO_INDEX / no-index in pip.conf) so packages can be checked against an index".into()
            }
            IndexError::InvalidName { .. } => {
                "project names use letters, digits, '.', '_' and '-', and start and end with a letter or digit".into()
            }
            IndexError::InvalidUrl { .. } => "check --index-url / --extra-index-url and pip.conf; use a full http(s) URL".into(),
            IndexError::Insecure { host, .. } => format!(
                "use https, or if you really trust this host, pass --trusted-host {host} (pip ignores such an index too)"
            ),
            IndexError::Unreachable { .. } => {
                "check your network, proxy (HTTPS_PROXY/NO_PROXY) and --index-url; use --offline to check names only".into()
            }
            IndexError::Refused { .. } => {
                "the organisation's safe-pip gateway blocks this file; use another version, or ask its admins for a decision (their reason is above)".into()
            }
            IndexError::Http { status: 401 | 403, .. } => {
                "the index refused the request: check credentials (URL userinfo or ~/.netrc) and that you may read it".into()
            }
            IndexError::Http { status: 429, .. } => "the index is rate-limiting; wait a moment and retry, or raise --retries".into(),
            IndexError::Http { status, .. } if *status >= 500 => {
                "the index has a server error; retry later or use another --index-url".into()
            }
            IndexError::Http { .. } => "check the index URL (it should point at a PEP 503 'simple' root)".into(),
            IndexError::HashMismatch { .. } => {
                "the file is not what the index advertised (corrupted or tampered with); do not install it, retry, and report it to the index".into()
            }
            IndexError::TooLarge { .. } => "the answer exceeds safe-pip's size limit; raise the limit only if you expect such a large file".into(),
            IndexError::Parse { .. } => {
                "the index does not speak the Simple API (PEP 503/691) or JSON API as expected; check --index-url".into()
            }
            IndexError::Tls { .. } => {
                "check --cert / PIP_CERT / REQUESTS_CA_BUNDLE / SSL_CERT_FILE and --client-cert: PEM files that exist and are readable".into()
            }
            IndexError::Client { .. } => "check the TLS and proxy settings (--cert, --client-cert, --proxy)".into(),
            IndexError::Config { .. } => "fix the values named above (pip config debug shows where each comes from)".into(),
        }
    }
}
