//! The blocking index client: project pages from every configured index, the JSON API,
//! and hash-verified downloads. Callers run it from their own threads.
//!
//! Behaviour, in pip's spirit: connect and per-read timeout from the settings; bounded
//! retries with exponential backoff on connection errors, timeouts, 429 and 5xx (honouring
//! a short `Retry-After`); gzip for pages, `Accept-Encoding: identity` for files (bytes are
//! never re-encoded); plain http only to loopback or `--trusted-host` hosts; a custom CA
//! bundle replaces the built-in roots; credentials from URL userinfo, then from netrc, sent
//! as Basic auth only to the host they belong to, never placed in a URL the HTTP library
//! sees, never in a message.

use super::config::IndexSettings;
use super::json_api::{JsonProject, json_base};
use super::netrc::{Credentials, Netrc};
use super::simple::{self, FileEntry, ProjectPage, is_valid_name, normalize_name};
use super::errors::IndexError;
use super::url_parts::{host_port, is_loopback_host, split_userinfo};
use crate::redact::redact;
use reqwest::blocking::Client;
use reqwest::header::{ACCEPT, ACCEPT_ENCODING, CONTENT_ENCODING, CONTENT_LENGTH, CONTENT_TYPE, ETAG, IF_MODIFIED_SINCE, IF_NONE_MATCH, LAST_MODIFIED, RETRY_AFTER};
use sha2::Digest;
use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;
use std::time::Duration;
use url::Url;

/// Default cap for a project page or JSON API document.
pub(crate) const DEFAULT_PAGE_LIMIT: u64 = 128 * 1024 * 1024;
const MAX_BACKOFF: Duration = Duration::from_secs(10);
const USER_AGENT: &str = concat!("safe-pip/", env!("CARGO_PKG_VERSION"));

/// A downloaded distribution file.
#[derive(Clone, Debug)]
pub struct Downloaded {
    pub bytes: Vec<u8>,
    /// Hex sha256 of `bytes` (always computed, the verdict DB key).
    pub sha256: String,
    /// The advertised hashes that were checked and matched (`["sha256"]`, …). Empty when
    /// the index advertised no hash safe-pip can check (md5/sha1 only, or none).
    pub verified: Vec<String>,
}

/// A project page as one index sent it: parsed, plus the PEP 691 document itself
/// (`None` for HTML answers).
#[derive(Clone, Debug)]
pub struct RawPage {
    pub page: ProjectPage,
    pub json: Option<serde_json::Value>,
}

struct Index {
    /// Without userinfo, path ending in `/`.
    url: Url,
}

type HostKey = (String, Option<u16>);

/// A client for the indexes of one [`IndexSettings`].
pub struct IndexClient {
    http: Client,
    /// Used for `--trusted-host` hosts: no certificate verification (as pip).
    insecure: Option<Client>,
    indexes: Vec<Index>,
    main_index: Url,
    no_index: bool,
    /// Credentials from index URL userinfo, by host (and port).
    host_creds: Vec<(HostKey, Credentials)>,
    netrc: Option<Netrc>,
    trusted: Vec<HostKey>,
    offline: bool,
    retries: u32,
    backoff: Duration,
    page_limit: u64,
    /// pip's `--timeout`: per read, and the grace before a trickle counts as too slow.
    timeout: Duration,
}

struct Fetched {
    body: Vec<u8>,
    url: Url,
    content_type: String,
    /// `304 Not Modified` to a conditional request (the body is empty).
    not_modified: bool,
    validators: Validators,
}

/// What upstream said identifies a page's version (`ETag`, `Last-Modified`), sent back
/// as `If-None-Match` / `If-Modified-Since` to revalidate it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Validators {
    pub etag: Option<String>,
    pub last_modified: Option<String>,
}

impl Validators {
    pub fn is_empty(&self) -> bool {
        self.etag.is_none() && self.last_modified.is_none()
    }
}

/// The answer to a conditional page request ([`IndexClient::revalidate_page`]).
#[derive(Debug)]
pub enum PageAnswer {
    /// Upstream confirmed the page held by the caller (`304`).
    NotModified,
    /// A (new) page, with the validators to revalidate it next time.
    Page(Box<RawPage>, Validators),
    /// The index does not know the project (404/410).
    Missing,
}

impl IndexClient {
    /// Builds a client: parses the index URLs, loads the CA bundle and client certificate,
    /// reads netrc. Sends nothing.
    pub fn new(settings: &IndexSettings) -> Result<IndexClient, IndexError> {
        let mut indexes = Vec::new();
        let mut host_creds: Vec<(HostKey, Credentials)> = Vec::new();
        let all: Vec<&str> = std::iter::once(settings.index_url.as_str())
            .chain(settings.extra_index_urls.iter().map(String::as_str))
            .collect();
        for raw in &all {
            let parsed = Url::parse(raw.trim())
                .map_err(|e| IndexError::InvalidUrl { url: redact(raw), detail: e.to_string() })?;
            if !matches!(parsed.scheme(), "http" | "https") {
                return Err(IndexError::InvalidUrl {
                    url: redact(raw),
                    detail: format!("unsupported scheme '{}' (safe-pip reads http(s) indexes)", parsed.scheme()),
                });
            }
            let (mut clean, creds) = split_userinfo(&parsed);
            if !clean.path().ends_with('/') {
                let p = format!("{}/", clean.path());
                clean.set_path(&p);
            }
            if let (Some((login, password)), Some(key)) = (creds, host_port(&clean)) {
                if !host_creds.iter().any(|(k, _)| *k == key) {
                    host_creds.push((key, Credentials { login, password }));
                }
            }
            indexes.push(Index { url: clean });
        }
        let main_index = indexes[0].url.clone();
        if settings.no_index {
            indexes.clear();
        }

        let trusted: Vec<HostKey> = settings.trusted_hosts.iter().map(|t| parse_host_key(t)).collect();
        let http = build_client(settings, false)?;
        let insecure = if trusted.is_empty() { None } else { Some(build_client(settings, true)?) };
        let netrc = settings.netrc.as_deref().and_then(Netrc::load);
        Ok(IndexClient {
            http,
            insecure,
            indexes,
            main_index,
            no_index: settings.no_index,
            host_creds,
            netrc,
            trusted,
            offline: settings.offline,
            retries: settings.retries,
            backoff: Duration::from_millis(250),
            page_limit: DEFAULT_PAGE_LIMIT,
            timeout: settings.timeout,
        })
    }

    /// The first retry waits `base`, each further one twice as long (capped at 10 s).
    pub fn with_backoff(mut self, base: Duration) -> Self {
        self.backoff = base;
        self
    }

    /// Caps the size of pages and JSON documents.
    pub fn with_page_limit(mut self, bytes: u64) -> Self {
        self.page_limit = bytes;
        self
    }

    /// The configured index URLs (without credentials), main index first.
    pub fn index_urls(&self) -> Vec<String> {
        self.indexes.iter().map(|i| i.url.to_string()).collect()
    }

    /// The project's page from every configured index, merged (files from the main index
    /// first). `Ok(None)` when no index knows the project. Fails closed: an error from any
    /// index is returned, since the files it would have offered are unknown.
    pub fn project(&self, name: &str) -> Result<Option<ProjectPage>, IndexError> {
        if self.no_index {
            return Err(IndexError::NoIndex);
        }
        if self.offline {
            return Err(IndexError::Offline { url: format!("{}{}/", self.main_index, normalize_name(name)) });
        }
        let mut merged: Option<ProjectPage> = None;
        for (_, result) in self.project_on_each_index(name) {
            let Some(page) = result? else { continue };
            match &mut merged {
                None => merged = Some(page),
                Some(m) => {
                    for v in page.versions {
                        if !m.versions.contains(&v) {
                            m.versions.push(v);
                        }
                    }
                    m.files.extend(page.files);
                    m.versions_from_index &= page.versions_from_index;
                    if m.status.is_none() {
                        m.status = page.status;
                    }
                    m.tracks.extend(page.tracks);
                    m.alternate_locations.extend(page.alternate_locations);
                }
            }
        }
        Ok(merged)
    }

    /// The project's page on each configured index separately, in order (for dependency
    /// confusion: a name offered by several indexes). Index URLs are returned without
    /// credentials.
    pub fn project_on_each_index(&self, name: &str) -> Vec<(String, Result<Option<ProjectPage>, IndexError>)> {
        self.indexes
            .iter()
            .map(|idx| {
                let result = if !is_valid_name(name.trim()) {
                    Err(IndexError::InvalidName { name: name.to_string() })
                } else {
                    self.page_on(&idx.url, name.trim())
                };
                (idx.url.to_string(), result)
            })
            .collect()
    }

    fn page_on(&self, index: &Url, name: &str) -> Result<Option<ProjectPage>, IndexError> {
        Ok(self.raw_page_on(index, name)?.map(|r| r.page))
    }

    /// The project's page on the index at position `index` (0 = main index, then the
    /// extras in order), with the JSON document as the index sent it when it answered
    /// PEP 691 JSON. `Ok(None)` when that index does not know the project.
    pub fn raw_page(&self, index: usize, name: &str) -> Result<Option<RawPage>, IndexError> {
        self.raw_page_on(self.page_index(index, name)?, name.trim())
    }

    /// The URL of index `index` for a page request about `name`, once the client may ask
    /// (an index configured, online) and the name is one an index can hold.
    fn page_index(&self, index: usize, name: &str) -> Result<&Url, IndexError> {
        if self.no_index {
            return Err(IndexError::NoIndex);
        }
        if self.offline {
            return Err(IndexError::Offline { url: format!("{}{}/", self.main_index, normalize_name(name)) });
        }
        if !is_valid_name(name.trim()) {
            return Err(IndexError::InvalidName { name: name.to_string() });
        }
        let idx = self.indexes.get(index).ok_or_else(|| IndexError::InvalidUrl {
            url: format!("index #{index}"),
            detail: format!("only {} index(es) are configured", self.indexes.len()),
        })?;
        Ok(&idx.url)
    }

    fn raw_page_on(&self, index: &Url, name: &str) -> Result<Option<RawPage>, IndexError> {
        match self.page_answer(index, name, None)? {
            PageAnswer::Page(raw, _) => Ok(Some(*raw)),
            PageAnswer::Missing => Ok(None),
            // Not asked conditionally: a 304 would be upstream's mistake.
            PageAnswer::NotModified => Err(IndexError::Parse { url: redact(index.as_str()), detail: "304 Not Modified to an unconditional request".into() }),
        }
    }

    /// [`IndexClient::raw_page`], conditional on `known` (what upstream sent with the page
    /// the caller holds): `PageAnswer::NotModified` when upstream confirms it.
    pub fn revalidate_page(&self, index: usize, name: &str, known: Option<&Validators>) -> Result<PageAnswer, IndexError> {
        self.page_answer(self.page_index(index, name)?, name.trim(), known.filter(|v| !v.is_empty()))
    }

    fn page_answer(&self, index: &Url, name: &str, known: Option<&Validators>) -> Result<PageAnswer, IndexError> {
        let normalized = normalize_name(name);
        let page_url = index
            .join(&format!("{normalized}/"))
            .map_err(|e| IndexError::InvalidUrl { url: redact(index.as_str()), detail: e.to_string() })?;
        let Some(f) = self.get_conditional(&page_url, simple::ACCEPT, false, self.page_limit, known)? else { return Ok(PageAnswer::Missing) };
        if f.not_modified {
            return Ok(PageAnswer::NotModified);
        }
        let parse_err = |e: simple::PageError| IndexError::Parse { url: redact(f.url.as_str()), detail: e.to_string() };
        let ct = f.content_type.to_ascii_lowercase();
        let is_json = if ct.contains("json") {
            true
        } else if ct.contains("html") {
            false
        } else {
            f.body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{')
        };
        let raw = if is_json {
            let doc: serde_json::Value =
                serde_json::from_slice(&f.body).map_err(|e| parse_err(simple::PageError::NotJson(e.to_string())))?;
            let page = simple::parse_json_value(&doc, &f.url).map_err(parse_err)?;
            RawPage { page, json: Some(doc) }
        } else {
            let text = String::from_utf8_lossy(&f.body);
            let page = simple::parse_html(&text, &f.url, &normalized).map_err(parse_err)?;
            RawPage { page, json: None }
        };
        Ok(PageAnswer::Page(Box::new(raw), f.validators))
    }

    /// `GET <json base>/<name>/json` on the main index. `Ok(None)` when the index has no
    /// JSON API (404, or an index URL that does not end in `/simple/`).
    pub fn json_project(&self, name: &str) -> Result<Option<JsonProject>, IndexError> {
        if !is_valid_name(name.trim()) {
            return Err(IndexError::InvalidName { name: name.to_string() });
        }
        self.json_doc(&format!("{}/json", normalize_name(name)))
    }

    /// `GET <json base>/<name>/<version>/json` on the main index; `Ok(None)` on 404.
    pub fn json_release(&self, name: &str, version: &str) -> Result<Option<JsonProject>, IndexError> {
        if !is_valid_name(name.trim()) {
            return Err(IndexError::InvalidName { name: name.to_string() });
        }
        let v = version.trim();
        if v.is_empty() || !v.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-' | b'+' | b'!')) {
            return Err(IndexError::InvalidName { name: format!("{name}=={version}") });
        }
        self.json_doc(&format!("{}/{v}/json", normalize_name(name)))
    }

    fn json_doc(&self, rel: &str) -> Result<Option<JsonProject>, IndexError> {
        if self.no_index {
            return Err(IndexError::NoIndex);
        }
        let Some(base) = json_base(&self.main_index) else { return Ok(None) };
        let url = base.join(rel).map_err(|e| IndexError::InvalidUrl { url: redact(base.as_str()), detail: e.to_string() })?;
        let Some(f) = self.get(&url, "application/json", false, self.page_limit)? else { return Ok(None) };
        JsonProject::parse(&f.body).map(Some).map_err(|e| IndexError::Parse { url: redact(f.url.as_str()), detail: e.to_string() })
    }

    /// GETs a JSON document at `url` (credentials from its userinfo or netrc, sent to its
    /// host only), at most `limit` bytes. `Ok(None)` on 404/410.
    pub fn document(&self, url: &str, limit: u64) -> Result<Option<Vec<u8>>, IndexError> {
        let url = parse_file_url(url)?;
        Ok(self.get(&url, "application/json", false, limit)?.map(|f| f.body))
    }

    /// Downloads a distribution file (at most `max_bytes`) and checks every advertised
    /// sha224/sha256/sha384/sha512 hash; a mismatch is refused with
    /// [`IndexError::HashMismatch`].
    pub fn download(&self, file: &FileEntry, max_bytes: u64) -> Result<Downloaded, IndexError> {
        let url = parse_file_url(&file.url)?;
        if let Some(size) = file.size.filter(|s| *s > max_bytes) {
            return Err(IndexError::TooLarge { url: redact(url.as_str()), limit: max_bytes, size: Some(size) });
        }
        // A size the index declares is the file's size: never read (or hold) more.
        let limit = file.size.map_or(max_bytes, |s| s.min(max_bytes));
        let f = self
            .get(&url, "*/*", true, limit)?
            .ok_or_else(|| IndexError::Http { url: redact(url.as_str()), status: 404 })?;
        let verified = verify_hashes(&file.filename, &file.hashes, &f.body)?;
        let sha256 = hex(&sha2::Sha256::digest(&f.body));
        Ok(Downloaded { bytes: f.body, sha256, verified })
    }

    /// Downloads the PEP 658 metadata file of `file` (`<url>.metadata`), checked against
    /// the advertised metadata hashes. `Ok(None)` when the index advertises none or answers 404.
    pub fn download_metadata(&self, file: &FileEntry, max_bytes: u64) -> Result<Option<Vec<u8>>, IndexError> {
        let (Some(meta), Some(u)) = (&file.core_metadata, file.metadata_url()) else { return Ok(None) };
        let url = parse_file_url(&u)?;
        let Some(f) = self.get(&url, "*/*", true, max_bytes)? else { return Ok(None) };
        verify_hashes(&format!("{}.metadata", file.filename), &meta.hashes, &f.body)?;
        Ok(Some(f.body))
    }

    fn credentials_for(&self, url: &Url) -> Option<Credentials> {
        let key = host_port(url)?;
        if let Some((_, c)) = self.host_creds.iter().find(|(k, _)| *k == key) {
            return Some(c.clone());
        }
        self.netrc.as_ref().and_then(|n| n.lookup(&key.0)).cloned()
    }

    fn is_trusted(&self, key: &HostKey) -> bool {
        self.trusted.iter().any(|(h, p)| *h == key.0 && (p.is_none() || *p == key.1))
    }

    /// GET with retries. `Ok(None)` for 404/410.
    fn get(&self, url: &Url, accept: &str, identity: bool, limit: u64) -> Result<Option<Fetched>, IndexError> {
        self.get_conditional(url, accept, identity, limit, None)
    }

    /// [`IndexClient::get`], with `If-None-Match` / `If-Modified-Since` from `known`; a
    /// `304` is a [`Fetched`] with `not_modified` and no body.
    fn get_conditional(&self, url: &Url, accept: &str, identity: bool, limit: u64, known: Option<&Validators>) -> Result<Option<Fetched>, IndexError> {
        let (clean, inline) = split_userinfo(url);
        let shown = redact(url.as_str());
        if self.offline {
            return Err(IndexError::Offline { url: shown });
        }
        if !matches!(clean.scheme(), "http" | "https") {
            return Err(IndexError::InvalidUrl { url: shown, detail: format!("unsupported scheme '{}'", clean.scheme()) });
        }
        let key = host_port(&clean).ok_or_else(|| IndexError::InvalidUrl { url: shown.clone(), detail: "no host".into() })?;
        let trusted = self.is_trusted(&key);
        if clean.scheme() == "http" && !trusted && !is_loopback_host(&key.0) {
            return Err(IndexError::Insecure { url: shown, host: key.0 });
        }
        let creds = inline.map(|(login, password)| Credentials { login, password }).or_else(|| self.credentials_for(&clean));
        let client = match (&self.insecure, trusted) {
            (Some(c), true) => c,
            _ => &self.http,
        };
        let secrets: Vec<String> = creds.iter().flat_map(|c| [c.login.clone(), c.password.clone()]).filter(|s| s.len() >= 3).collect();

        let mut attempt: u32 = 0;
        // Retries stop once one request has taken twice the timeout in all: the installer
        // waiting on the proxy gives up after one timeout, and should then learn the cause
        // when it asks again, not wait out six more slow attempts.
        let started = std::time::Instant::now();
        let budget = self.timeout.saturating_mul(2).max(Duration::from_secs(1));
        loop {
            // Bodies are never decoded behind our back: pages ask for gzip and are inflated
            // here within `limit`; files ask for identity and are kept as sent (as pip does),
            // so a compressed body fails its hash check instead of inflating without bound.
            let mut req = client.get(clean.clone()).header(ACCEPT, accept).header(ACCEPT_ENCODING, if identity { "identity" } else { "gzip" });
            if let Some(c) = &creds {
                req = req.basic_auth(&c.login, Some(&c.password));
            }
            if let Some(v) = known {
                if let Some(etag) = &v.etag {
                    req = req.header(IF_NONE_MATCH, etag.as_str());
                }
                if let Some(lm) = &v.last_modified {
                    req = req.header(IF_MODIFIED_SINCE, lm.as_str());
                }
            }
            let can_retry = attempt < self.retries && started.elapsed() < budget;
            let wait = |attempt: u32, hint: Option<Duration>| {
                let exp = self.backoff.saturating_mul(1u32 << attempt.min(16)).min(MAX_BACKOFF);
                std::thread::sleep(hint.map(|h| h.min(MAX_BACKOFF)).unwrap_or(exp).max(exp));
            };
            let resp = match req.send() {
                Ok(r) => r,
                Err(e) => {
                    if can_retry && (e.is_connect() || e.is_timeout() || e.is_request() || e.is_body()) {
                        wait(attempt, None);
                        attempt += 1;
                        continue;
                    }
                    let mut cause = describe(&e, &secrets);
                    if attempt > 0 {
                        cause = format!("{cause} (gave up after {} attempts in {:.0} s)", attempt + 1, started.elapsed().as_secs_f64());
                    }
                    return Err(IndexError::Unreachable { url: shown, cause });
                }
            };
            let status = resp.status().as_u16();
            if status == 404 || status == 410 {
                return Ok(None);
            }
            if matches!(status, 429 | 500 | 502 | 503 | 504) && can_retry {
                let hint = resp
                    .headers()
                    .get(RETRY_AFTER)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.trim().parse::<u64>().ok())
                    .map(Duration::from_secs);
                wait(attempt, hint);
                attempt += 1;
                continue;
            }
            let header = |name: reqwest::header::HeaderName| resp.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_string);
            let validators = Validators { etag: header(ETAG), last_modified: header(LAST_MODIFIED) };
            if status == 304 && known.is_some() {
                let url = split_userinfo(resp.url()).0;
                return Ok(Some(Fetched { body: Vec::new(), url, content_type: String::new(), not_modified: true, validators }));
            }
            if status == 403 {
                // A safe-pip gateway (or proxy) upstream says why in the body (its reason
                // phrase, which HTTP libraries do not hand out): a refusal, not a failure.
                if let Some(reason) = safe_pip_refusal(resp) {
                    return Err(IndexError::Refused { url: shown, reason });
                }
                return Err(IndexError::Http { url: shown, status });
            }
            if !resp.status().is_success() {
                return Err(IndexError::Http { url: shown, status });
            }
            let final_url = split_userinfo(resp.url()).0;
            let content_type =
                resp.headers().get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
            let declared = resp.headers().get(CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
            if let Some(len) = declared.filter(|l| *l > limit && identity) {
                return Err(IndexError::TooLarge { url: shown, limit, size: Some(len) });
            }
            let gzipped = !identity
                && resp.headers().get(CONTENT_ENCODING).and_then(|v| v.to_str().ok()).is_some_and(|v| v.trim().eq_ignore_ascii_case("gzip"));
            let mut body = Vec::new();
            let resp = SlowGuard::new(resp, self.timeout);
            let read = if gzipped {
                flate2::read::GzDecoder::new(resp).take(limit.saturating_add(1)).read_to_end(&mut body)
            } else {
                resp.take(limit.saturating_add(1)).read_to_end(&mut body)
            };
            match read {
                Err(e) if e.get_ref().is_some_and(|inner| inner.is::<TooSlow>()) => {
                    // Retrying a trickle only makes the client wait longer: say why, now.
                    return Err(IndexError::Unreachable { url: shown, cause: e.to_string() });
                }
                Ok(_) if body.len() as u64 > limit => {
                    return Err(IndexError::TooLarge { url: shown, limit, size: None });
                }
                Ok(_) => return Ok(Some(Fetched { body, url: final_url, content_type, not_modified: false, validators })),
                Err(e) => {
                    if can_retry {
                        wait(attempt, None);
                        attempt += 1;
                        continue;
                    }
                    return Err(IndexError::Unreachable {
                        url: shown,
                        cause: scrub(&format!("connection lost while reading the answer: {e}"), &secrets),
                    });
                }
            }
        }
    }
}

/// The slowest average transfer accepted once a read has gone on longer than the
/// timeout: an upstream that drips a byte every few seconds never hits the per-read
/// timeout, and would otherwise hold the request (and the installer waiting on it) for hours.
const MIN_BYTES_PER_SECOND: f64 = 16.0 * 1024.0;

#[derive(Debug)]
struct TooSlow {
    bytes: u64,
    seconds: f64,
}

impl std::fmt::Display for TooSlow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "the index sent only {} bytes in {:.0} s (slower than {} KiB/s); nothing from it was used",
            self.bytes,
            self.seconds,
            MIN_BYTES_PER_SECOND as u64 / 1024
        )
    }
}

impl std::error::Error for TooSlow {}

/// A body reader that fails with [`TooSlow`] once the transfer has lasted longer than
/// `grace` at less than [`MIN_BYTES_PER_SECOND`] on average.
struct SlowGuard<R> {
    inner: R,
    started: std::time::Instant,
    grace: Duration,
    bytes: u64,
}

impl<R> SlowGuard<R> {
    fn new(inner: R, grace: Duration) -> SlowGuard<R> {
        SlowGuard { inner, started: std::time::Instant::now(), grace, bytes: 0 }
    }
}

impl<R: Read> Read for SlowGuard<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.bytes += n as u64;
        let elapsed = self.started.elapsed();
        if n > 0 && elapsed > self.grace && (self.bytes as f64) < MIN_BYTES_PER_SECOND * elapsed.as_secs_f64() {
            return Err(std::io::Error::other(TooSlow { bytes: self.bytes, seconds: elapsed.as_secs_f64() }));
        }
        Ok(n)
    }
}

/// What a safe-pip gateway or proxy says in the body of its `403` (`Forbidden by
/// safe-pip: …`), as one line of printable ASCII; `None` for any other 403.
fn safe_pip_refusal(resp: reqwest::blocking::Response) -> Option<String> {
    const PREFIX: &str = "Forbidden by safe-pip: ";
    let mut body = Vec::new();
    resp.take(2048).read_to_end(&mut body).ok()?;
    let text = String::from_utf8_lossy(&body);
    let reason = text.trim_start().strip_prefix(PREFIX)?;
    let line: String = reason.lines().next().unwrap_or_default().chars().map(|c| if c.is_ascii_graphic() || c == ' ' { c } else { '?' }).take(600).collect();
    Some(line.trim().to_string()).filter(|l| !l.is_empty())
}

fn parse_file_url(u: &str) -> Result<Url, IndexError> {
    Url::parse(u).map_err(|e| IndexError::InvalidUrl { url: redact(u), detail: e.to_string() })
}

fn parse_host_key(t: &str) -> HostKey {
    let t = t.trim().to_ascii_lowercase();
    // `[::1]:8080`, `host:8080`, `host`
    if let Some(rest) = t.strip_prefix('[') {
        if let Some((h, after)) = rest.split_once(']') {
            return (h.to_string(), after.strip_prefix(':').and_then(|p| p.parse().ok()));
        }
    }
    match t.rsplit_once(':') {
        Some((h, p)) if !h.contains(':') => match p.parse::<u16>() {
            Ok(port) => (h.to_string(), Some(port)),
            Err(_) => (t.clone(), None),
        },
        _ => (t, None),
    }
}

fn build_client(settings: &IndexSettings, insecure: bool) -> Result<Client, IndexError> {
    let mut b = Client::builder()
        .use_rustls_tls()
        .user_agent(USER_AGENT)
        .timeout(settings.timeout)
        .connect_timeout(settings.timeout)
        .redirect(reqwest::redirect::Policy::limited(10))
        .gzip(false)
        .proxy(proxy_for(settings));
    if insecure {
        b = b.danger_accept_invalid_certs(true);
    }
    if let Some(cert) = &settings.cert {
        b = b.tls_built_in_root_certs(false);
        for c in load_ca_bundle(cert)? {
            b = b.add_root_certificate(c);
        }
    }
    if let Some(cc) = &settings.client_cert {
        let shown = cc.display().to_string();
        let pem = std::fs::read(cc).map_err(|e| IndexError::Tls { path: shown.clone(), detail: e.to_string() })?;
        let id = reqwest::Identity::from_pem(&pem).map_err(|e| IndexError::Tls {
            path: shown,
            detail: format!("not a PEM file with a private key and a certificate ({})", describe(&e, &[])),
        })?;
        b = b.identity(id);
    }
    b.build().map_err(|e| IndexError::Client { detail: describe(&e, &[]) })
}

/// Reads a PEM bundle file, or every `.pem`/`.crt` file of a directory.
fn load_ca_bundle(path: &Path) -> Result<Vec<reqwest::Certificate>, IndexError> {
    let shown = path.display().to_string();
    let err = |detail: String| IndexError::Tls { path: shown.clone(), detail };
    let mut pems: Vec<Vec<u8>> = Vec::new();
    if path.is_dir() {
        let mut entries: Vec<_> = std::fs::read_dir(path).map_err(|e| err(e.to_string()))?.flatten().map(|e| e.path()).collect();
        entries.sort();
        for p in entries {
            let ext = p.extension().and_then(|e| e.to_str()).unwrap_or_default().to_ascii_lowercase();
            if matches!(ext.as_str(), "pem" | "crt" | "cer") {
                pems.push(std::fs::read(&p).map_err(|e| err(format!("{}: {e}", p.display())))?);
            }
        }
    } else {
        pems.push(std::fs::read(path).map_err(|e| err(e.to_string()))?);
    }
    let mut certs = Vec::new();
    for pem in pems {
        certs.extend(reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| err(format!("not a PEM bundle ({})", describe(&e, &[]))))?);
    }
    if certs.is_empty() {
        return Err(err("no certificates found".into()));
    }
    Ok(certs)
}

/// The proxy decision for each request: never for loopback or `NO_PROXY` hosts; pip's
/// `--proxy` first, then `HTTPS_PROXY`/`HTTP_PROXY`/`ALL_PROXY` by scheme.
fn proxy_for(settings: &IndexSettings) -> reqwest::Proxy {
    let pip = settings.proxy.clone();
    let env = settings.env_proxy.clone();
    let no_proxy: Vec<String> = env
        .no_proxy
        .as_deref()
        .unwrap_or_default()
        .split(',')
        .map(|s| s.trim().to_ascii_lowercase())
        .filter(|s| !s.is_empty())
        .collect();
    reqwest::Proxy::custom(move |u: &Url| -> Option<Url> {
        let (host, port) = host_port(u)?;
        if is_loopback_host(&host) || bypass(&no_proxy, &host, port) {
            return None;
        }
        let chosen = pip.clone().or_else(|| match u.scheme() {
            "https" => env.https.clone().or_else(|| env.all.clone()),
            _ => env.http.clone().or_else(|| env.all.clone()),
        })?;
        let with_scheme = if chosen.contains("://") { chosen } else { format!("http://{chosen}") };
        Url::parse(&with_scheme).ok()
    })
}

fn bypass(no_proxy: &[String], host: &str, port: Option<u16>) -> bool {
    no_proxy.iter().any(|entry| {
        if entry == "*" {
            return true;
        }
        let (h, p) = parse_host_key(entry);
        if p.is_some() && p != port {
            return false;
        }
        let h = h.trim_start_matches("*.").trim_start_matches('.');
        host == h || host.ends_with(&format!(".{h}"))
    })
}

/// Checks every advertised hash safe-pip can compute; returns the algorithms checked.
fn verify_hashes(file: &str, hashes: &BTreeMap<String, String>, bytes: &[u8]) -> Result<Vec<String>, IndexError> {
    let mut checked = Vec::new();
    for (algo, expected) in hashes {
        let got = match algo.as_str() {
            "sha224" => hex(&sha2::Sha224::digest(bytes)),
            "sha256" => hex(&sha2::Sha256::digest(bytes)),
            "sha384" => hex(&sha2::Sha384::digest(bytes)),
            "sha512" => hex(&sha2::Sha512::digest(bytes)),
            _ => continue,
        };
        if !got.eq_ignore_ascii_case(expected.trim()) {
            return Err(IndexError::HashMismatch {
                file: file.to_string(),
                algorithm: algo.clone(),
                expected: expected.clone(),
                got,
            });
        }
        checked.push(algo.clone());
    }
    Ok(checked)
}

use crate::hex::hex;

/// A short cause for an HTTP error: the innermost cause (e.g. "Connection refused (os
/// error 111)"), or "timed out"; with any credential text scrubbed.
fn describe(e: &reqwest::Error, secrets: &[String]) -> String {
    let mut msg = if e.is_timeout() { "timed out".to_string() } else { String::new() };
    let mut inner: Option<String> = None;
    let mut src: Option<&dyn std::error::Error> = std::error::Error::source(e);
    while let Some(s) = src {
        inner = Some(s.to_string());
        src = s.source();
    }
    match (msg.is_empty(), inner) {
        (true, Some(i)) => msg = i,
        (true, None) => msg = e.to_string(),
        (false, Some(i)) if !i.to_ascii_lowercase().contains("timed out") => msg = format!("{msg}: {i}"),
        _ => {}
    }
    scrub(&redact_urls(&msg), secrets)
}

/// Redacts every URL-looking word of a message.
fn redact_urls(s: &str) -> String {
    s.split(' ')
        .map(|w| {
            if w.contains("://") {
                let start = w.find(|c: char| c.is_ascii_alphabetic()).unwrap_or(0);
                format!("{}{}", &w[..start], redact(&w[start..]))
            } else {
                w.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn scrub(s: &str, secrets: &[String]) -> String {
    let mut out = s.to_string();
    for sec in secrets {
        if !sec.is_empty() {
            out = out.replace(sec.as_str(), "****");
        }
    }
    out
}

#[cfg(test)]
mod unit {
    use super::*;

    #[test]
    fn host_keys_and_no_proxy() {
        assert_eq!(parse_host_key("Repo.example:8080"), ("repo.example".into(), Some(8080)));
        assert_eq!(parse_host_key("repo.example"), ("repo.example".into(), None));
        assert_eq!(parse_host_key("[::1]:80"), ("::1".into(), Some(80)));
        let np = vec![".corp.example".to_string(), "other:8080".to_string()];
        assert!(bypass(&np, "pypi.corp.example", None));
        assert!(bypass(&np, "other", Some(8080)));
        assert!(!bypass(&np, "other", Some(80)));
        assert!(!bypass(&np, "pypi.org", None));
    }

    #[test]
    fn hashes() {
        let mut h = BTreeMap::new();
        h.insert("sha256".to_string(), hex(&sha2::Sha256::digest(b"abc")));
        h.insert("md5".to_string(), "whatever".to_string());
        assert_eq!(verify_hashes("f", &h, b"abc").unwrap(), vec!["sha256".to_string()]);
        assert!(matches!(verify_hashes("f", &h, b"abd"), Err(IndexError::HashMismatch { .. })));
    }
}
