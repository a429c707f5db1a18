//! Project pages: read from upstream (JSON first, HTML second), every file URL rewritten
//! to the proxy, everything else kept exactly — hashes, requires-python, yanked and its
//! reason, size, upload-time, core-metadata — and answered as PEP 691 JSON or PEP 503
//! HTML, whichever the client asks for. Files the gate wants hidden are marked yanked
//! (a soft block: resolvers pick another version, exact pins still see it), and so is
//! every file whose verdict is already known to be block (the gate's memory or verdict
//! DB, or this proxy's own verdicts), so the next resolution skips it. Wheels always
//! advertise core-metadata: when upstream has none, the proxy serves the wheel's own.

use super::negotiate::{self, Format};
use super::reply::{self, Reply};
use super::gate::blocked_yank_reason;
use super::metrics::PageFrom;
use super::state::{CachedPage, State, file_key, serves_no_files};
use crate::index::{FileEntry, IndexError, PageAnswer, ProjectPage, RawPage};
use std::sync::Arc;
use std::time::Instant;
use serde_json::{Map, Value, json};

/// A file as the proxy lists it.
struct Listed<'a> {
    entry: &'a FileEntry,
    path: String,
    yanked: Option<String>,
    /// Upstream's core-metadata, or `Synthesised` for a wheel without it, or none.
    metadata: Metadata<'a>,
}

enum Metadata<'a> {
    Upstream(&'a crate::index::CoreMetadata),
    Synthesised,
    None,
}

/// `GET /u/<k>/simple/<name>/`.
pub(crate) fn project(state: &State, upstream: usize, name: &str, accept: Option<&str>) -> Reply {
    if upstream >= state.upstreams.len() {
        return Reply::not_found(&format!("no upstream index #{upstream} (the proxy has {})", state.upstreams.len()));
    }
    if let Some(reason) = state.refusal(upstream, name) {
        return Reply::not_found(&reason);
    }
    let raw = match upstream_page(state, upstream, name) {
        Ok(Some(raw)) => raw,
        Ok(None) => return Reply::not_found(&format!("project {name} is not on {}", state.upstreams[upstream])),
        Err(failed) => return failed,
    };
    let page = &raw.page;
    let quarantined = serves_no_files(page);
    let listed: Vec<Listed> = if quarantined {
        Vec::new()
    } else {
        let gate_files: Vec<_> = page.files.iter().map(|e| state.gate_file(upstream, &page.name, e)).collect();
        let hidden = state.gate.hide_many(&gate_files);
        page.files.iter().zip(hidden).map(|(e, h)| list(state, upstream, &page.name, e, h)).collect()
    };
    let (content_type, body) = match negotiate::choose(accept) {
        Format::Json => (negotiate::JSON, render_json(&raw, &listed, quarantined)),
        Format::Html(ct) => (ct, render_html(page, &listed)),
    };
    Reply::new(200, content_type, body).header("vary", "Accept").header("cache-control", "no-cache")
}

/// The upstream page of `name`. The gateway with a page cache ([`super::gateway::PageCachePolicy`]) reuses
/// a page upstream sent or confirmed less than `ttl` ago; an older one is revalidated
/// (`If-None-Match` / `If-Modified-Since` when upstream sent an `ETag` / `Last-Modified`,
/// else fetched again); when upstream fails, a page it confirmed less than `max_stale`
/// ago is served, an older one is not (502). A 404 from upstream drops the page at once.
/// Only upstream's listing is reused: verdicts and decisions are applied at every request.
/// `Err`: the answer to send (502).
fn upstream_page(state: &State, upstream: usize, name: &str) -> Result<Option<Arc<RawPage>>, Reply> {
    let failed = |e: &IndexError| page_failure(state, upstream, name, e);
    let Some(policy) = state.gateway.as_ref().and_then(|g| g.page_cache) else {
        if let Some(reason) = state.recent_page_failure(upstream, name) {
            return Err(Reply::error(502, reason));
        }
        return match state.client.raw_page(upstream, name) {
            Ok(raw) => Ok(raw.map(Arc::new)),
            Err(e) => Err(failed(&e)),
        };
    };
    if let Some(c) = state.cached_page(upstream, name).filter(|c| c.confirmed.elapsed() < policy.ttl) {
        state.metrics.page(PageFrom::Fresh);
        return Ok(Some(c.raw));
    }
    state.page_flight(upstream, name, || refresh_page(state, upstream, name, policy))
}

/// A page upstream could not give: recorded (problem, metric, brief memory), and the 502.
fn page_failure(state: &State, upstream: usize, name: &str, e: &IndexError) -> Reply {
    let reason = reply::page_failure_reason(name, e);
    state.events.problem(upstream, name, reason.clone());
    state.metrics.upstream_error();
    state.page_failed(upstream, name, &reason);
    Reply::error(502, reason)
}

/// The page past its TTL (or never fetched): revalidated or fetched, else stale within
/// `max_stale`, else the failure.
fn refresh_page(state: &State, upstream: usize, name: &str, policy: super::gateway::PageCachePolicy) -> Result<Option<Arc<RawPage>>, Reply> {
    let cached = state.cached_page(upstream, name);
    if let Some(c) = cached.as_ref().filter(|c| c.confirmed.elapsed() < policy.ttl) {
        // Refreshed by the flight that just ended.
        state.metrics.page(PageFrom::Fresh);
        return Ok(Some(c.raw.clone()));
    }
    let failed = |e: &IndexError| page_failure(state, upstream, name, e);
    let stale = |c: Option<CachedPage>, otherwise: Reply| match c.filter(|c| c.confirmed.elapsed() < policy.max_stale) {
        Some(c) => {
            state.metrics.page(PageFrom::Stale);
            Ok(Some(c.raw))
        }
        None => Err(otherwise),
    };
    if let Some(reason) = state.recent_page_failure(upstream, name) {
        return stale(cached, Reply::error(502, reason));
    }
    match state.client.revalidate_page(upstream, name, cached.as_ref().map(|c| &c.validators)) {
        Ok(PageAnswer::NotModified) => match cached {
            Some(mut c) => {
                c.confirmed = Instant::now();
                state.keep_page(upstream, name, c.clone());
                state.metrics.page(PageFrom::Revalidated);
                Ok(Some(c.raw))
            }
            None => Err(failed(&IndexError::Parse { url: state.upstreams[upstream].clone(), detail: "304 Not Modified to an unconditional request".into() })),
        },
        Ok(PageAnswer::Page(raw, validators)) => {
            let raw: Arc<RawPage> = Arc::from(raw);
            state.keep_page(upstream, name, CachedPage { raw: raw.clone(), validators, confirmed: Instant::now() });
            state.metrics.page(PageFrom::Fetched);
            Ok(Some(raw))
        }
        Ok(PageAnswer::Missing) => {
            state.drop_page(upstream, name);
            Ok(None)
        }
        Err(e) => {
            let answer = failed(&e);
            stale(cached, answer)
        }
    }
}

/// `hidden`: the gate's reason to hide the file. A file this proxy blocked (its verdict
/// in memory is block) is hidden too, whatever the gate knows.
fn list<'a>(state: &State, upstream: usize, project: &str, entry: &'a FileEntry, hidden: Option<String>) -> Listed<'a> {
    state.remember(upstream, project, entry);
    let file = State::file_ref(project, entry);
    let path = file.path(upstream);
    let hidden = hidden.or_else(|| state.verdict(&file_key(upstream, &file)).and_then(|v| blocked_yank_reason(&v.report)));
    let metadata = match &entry.core_metadata {
        Some(m) => Metadata::Upstream(m),
        None if entry.is_wheel() => Metadata::Synthesised,
        None => Metadata::None,
    };
    Listed { entry, path, yanked: hidden.or_else(|| entry.yanked.clone()), metadata }
}

/// `/simple/` itself: the proxy does not list every project (clients never ask).
pub(crate) fn root(accept: Option<&str>) -> Reply {
    match negotiate::choose(accept) {
        Format::Json => Reply::new(200, negotiate::JSON, json!({"meta": {"api-version": "1.0"}, "projects": []}).to_string()),
        Format::Html(ct) => Reply::new(
            200,
            ct,
            "<!DOCTYPE html>\n<html><head><meta name=\"pypi:repository-version\" content=\"1.0\"><title>Simple index</title></head><body></body></html>\n",
        ),
    }
}

/// JSON: upstream's document with only the file URLs (and injected yanks/metadata)
/// changed when upstream sent JSON; built from the parsed page otherwise.
fn render_json(raw: &RawPage, listed: &[Listed], quarantined: bool) -> String {
    let page = &raw.page;
    let upstream_files: Vec<Value> =
        raw.json.as_ref().and_then(|d| d.get("files")).and_then(Value::as_array).cloned().unwrap_or_default();
    let mut doc: Map<String, Value> = match raw.json.as_ref().and_then(Value::as_object) {
        Some(o) => o.clone(),
        None => {
            let mut m = Map::new();
            m.insert("meta".into(), json!({"api-version": page.api_version}));
            m.insert("name".into(), json!(page.name));
            if let Some(s) = &page.status {
                let mut st = json!({"status": s.status});
                if let Some(r) = &s.reason {
                    st["reason"] = json!(r);
                }
                m.insert("project-status".into(), st);
            }
            m
        }
    };
    let files: Vec<Value> = if quarantined {
        Vec::new()
    } else {
        listed
            .iter()
            .enumerate()
            .map(|(i, l)| {
                let base = upstream_files.get(i).and_then(Value::as_object).cloned().unwrap_or_else(|| file_object(l.entry));
                json_file(base, l)
            })
            .collect()
    };
    doc.insert("files".into(), Value::Array(files));
    // PEP 708 locations point at other hosts; the proxy serves only what it rewrote.
    doc.remove("alternate-locations");
    serde_json::to_string(&Value::Object(doc)).unwrap_or_default()
}

/// A PEP 691 file object from a parsed (HTML) entry.
fn file_object(e: &FileEntry) -> Map<String, Value> {
    let mut o = Map::new();
    o.insert("filename".into(), json!(e.filename));
    o.insert("hashes".into(), json!(e.hashes));
    if let Some(rp) = &e.requires_python {
        o.insert("requires-python".into(), json!(rp));
    }
    if let Some(y) = &e.yanked {
        o.insert("yanked".into(), if y.is_empty() { json!(true) } else { json!(y) });
    }
    if let Some(s) = e.size {
        o.insert("size".into(), json!(s));
    }
    if let Some(t) = &e.upload_time {
        o.insert("upload-time".into(), json!(t));
    }
    o
}

fn json_file(mut o: Map<String, Value>, l: &Listed) -> Value {
    o.insert("url".into(), json!(l.path));
    // PEP 740 provenance lives upstream; keeping its URL would send clients around the proxy.
    o.remove("provenance");
    if let Some(y) = &l.yanked {
        if l.entry.yanked.as_ref() != Some(y) {
            o.insert("yanked".into(), json!(y));
        }
    }
    match l.metadata {
        Metadata::Upstream(m) => {
            let v = if m.hashes.is_empty() { json!(true) } else { json!(m.hashes) };
            o.entry("core-metadata").or_insert(v.clone());
            o.entry("dist-info-metadata").or_insert(v);
        }
        Metadata::Synthesised => {
            o.insert("core-metadata".into(), json!(true));
            o.insert("dist-info-metadata".into(), json!(true));
        }
        Metadata::None => {}
    }
    Value::Object(o)
}

fn render_html(page: &ProjectPage, listed: &[Listed]) -> String {
    let name = escape(&page.name);
    let mut out = String::with_capacity(256 + listed.len() * 256);
    out.push_str("<!DOCTYPE html>\n<html>\n<head>\n");
    out.push_str(&format!("<meta name=\"pypi:repository-version\" content=\"{}\">\n", escape(&page.api_version)));
    if let Some(s) = &page.status {
        out.push_str(&format!("<meta name=\"pypi:project-status\" content=\"{}\">\n", escape(&s.status)));
        if let Some(r) = &s.reason {
            out.push_str(&format!("<meta name=\"pypi:project-status-reason\" content=\"{}\">\n", escape(r)));
        }
    }
    out.push_str(&format!("<title>Links for {name}</title>\n</head>\n<body>\n<h1>Links for {name}</h1>\n"));
    for l in listed {
        let e = l.entry;
        let mut href = l.path.clone();
        if let Some((algo, digest)) = fragment_hash(e) {
            href.push_str(&format!("#{algo}={digest}"));
        }
        out.push_str(&format!("<a href=\"{}\"", escape(&href)));
        if let Some(rp) = &e.requires_python {
            out.push_str(&format!(" data-requires-python=\"{}\"", escape(rp)));
        }
        if let Some(y) = &l.yanked {
            out.push_str(&format!(" data-yanked=\"{}\"", escape(y)));
        }
        let meta = match l.metadata {
            Metadata::Upstream(m) => Some(
                m.hashes
                    .get("sha256")
                    .map(|h| format!("sha256={h}"))
                    .or_else(|| m.hashes.iter().next().map(|(a, h)| format!("{a}={h}")))
                    .unwrap_or_else(|| "true".into()),
            ),
            Metadata::Synthesised => Some("true".into()),
            Metadata::None => None,
        };
        if let Some(m) = meta {
            out.push_str(&format!(" data-core-metadata=\"{0}\" data-dist-info-metadata=\"{0}\"", escape(&m)));
        }
        out.push_str(&format!(">{}</a><br/>\n", escape(&e.filename)));
    }
    out.push_str("</body>\n</html>\n");
    out
}

/// The hash for the `#algo=digest` fragment: sha256 when present, else the strongest other.
fn fragment_hash(e: &FileEntry) -> Option<(&str, &str)> {
    ["sha256", "sha512", "sha384", "sha224", "sha1", "md5"]
        .into_iter()
        .find_map(|a| e.hashes.get_key_value(a))
        .or_else(|| e.hashes.iter().next())
        .map(|(a, d)| (a.as_str(), d.as_str()))
}

pub(crate) fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}
