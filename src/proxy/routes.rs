//! Request dispatch: method and Host checks, then the route. Runs on a blocking thread
//! (upstream access uses the blocking index client).

use super::reply::Reply;
use super::serve::{self, Conditions};
use super::state::State;
use super::urls::{self, Route};
use super::pages;
use hyper::http::{HeaderMap, Method, Version};
use serde_json::json;
use std::sync::Arc;

/// Answers one request.
pub(crate) fn handle(state: &Arc<State>, method: &Method, version: Version, path: &str, headers: &HeaderMap) -> Reply {
    if let Some(bad) = host_problem(version, headers) {
        return bad;
    }
    let h = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    // The gateway is addressed by any name; its clients authenticate instead.
    if state.gateway.is_none() && !host_is_loopback(h("host")) {
        // A browser page that rebinds its DNS name to 127.0.0.1 must not read private
        // indexes through the proxy's credentials.
        return Reply::error(403, "Forbidden by safe-pip: the proxy only answers requests addressed to 127.0.0.1, ::1 or localhost".into());
    }
    if method != Method::GET && method != Method::HEAD {
        return Reply::error(405, "Method Not Allowed by safe-pip: the proxy answers GET and HEAD only".into()).header("allow", "GET, HEAD");
    }
    if let Some(g) = &state.gateway {
        match path.split('?').next().unwrap_or_default() {
            "/healthz" => return health(state),
            "/snapshot" => return snapshot(g),
            "/metrics" => return Reply::new(200, "text/plain; version=0.0.4; charset=utf-8", state.render_metrics()).header("cache-control", "no-store"),
            _ => {}
        }
    }
    match urls::route(path) {
        Route::Health => health(state),
        Route::Root { .. } => pages::root(h("accept")),
        Route::Project { upstream, name } => pages::project(state, upstream, &name, h("accept")),
        Route::File { upstream, file, metadata } => {
            let cond = Conditions { range: h("range"), if_range: h("if-range"), if_none_match: h("if-none-match") };
            serve::file(state, upstream, &file, metadata, &cond)
        }
        Route::NotFound => Reply::not_found("unknown path; index pages are under /u/<k>/simple/<project>/"),
    }
}

/// The route's name in metrics.
pub(crate) fn label(path: &str) -> &'static str {
    match path.split('?').next().unwrap_or_default() {
        "/healthz" | "/health" => return "health",
        "/metrics" => return "metrics",
        "/snapshot" => return "snapshot",
        p if p.starts_with("/admin/") => return "admin",
        _ => {}
    }
    match urls::route(path) {
        Route::Health => "health",
        Route::Root { .. } => "root",
        Route::Project { .. } => "page",
        Route::File { metadata: true, .. } => "metadata",
        Route::File { .. } => "file",
        Route::NotFound => "other",
    }
}

/// `GET /snapshot`: the verdict store as a `safe-pip db export` document.
fn snapshot(g: &super::gateway::GatewayOptions) -> Reply {
    let Some(source) = &g.snapshot else { return Reply::not_found("no snapshot is served here") };
    match source() {
        Ok(doc) => Reply::new(200, "application/json", doc).header("cache-control", "no-store"),
        Err(e) => Reply::error(503, format!("Service Unavailable from safe-pip: cannot read the verdict store for a snapshot: {e}")),
    }
}

fn health(state: &State) -> Reply {
    let body = json!({
        "status": "ok",
        "version": env!("CARGO_PKG_VERSION"),
        "upstreams": state.upstreams,
    });
    Reply::new(200, "application/json", body.to_string()).header("cache-control", "no-store")
}

/// RFC 9112 §3.2: more than one Host header, none on HTTP/1.1, or one that is not text
/// is a bad request (400), never judged by whichever Host a check happens to read.
fn host_problem(version: Version, headers: &HeaderMap) -> Option<Reply> {
    let hosts: Vec<_> = headers.get_all(hyper::header::HOST).iter().collect();
    let why = match hosts.as_slice() {
        [] if version == Version::HTTP_11 => "an HTTP/1.1 request needs a Host header",
        [] => return None,
        [one] if one.to_str().is_err() => "the Host header is not text",
        [_] => return None,
        _ => "more than one Host header",
    };
    Some(Reply::error(400, format!("Bad Request: {why}; safe-pip answers only well-formed requests")))
}

/// True for a missing Host (HTTP/1.0) and for loopback names with any port.
fn host_is_loopback(host: Option<&str>) -> bool {
    let Some(host) = host.map(str::trim) else { return true };
    let name = if let Some(rest) = host.strip_prefix('[') {
        rest.split(']').next().unwrap_or_default()
    } else {
        host.rsplit_once(':').map(|(h, _)| h).unwrap_or(host)
    };
    crate::index::is_loopback_host(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts() {
        assert!(host_is_loopback(None));
        assert!(host_is_loopback(Some("127.0.0.1:8080")));
        assert!(host_is_loopback(Some("localhost")));
        assert!(host_is_loopback(Some("[::1]:99")));
        assert!(!host_is_loopback(Some("evil.example:8080")));
        assert!(!host_is_loopback(Some("10.0.0.1")));
    }
}
