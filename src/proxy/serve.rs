//! Answering for files and their metadata: the exact vetted bytes, with a correct
//! Content-Length, `Accept-Ranges: bytes`, single ranges (including suffix ranges, which
//! Poetry uses) served from the vetted bytes, and an ETag (the sha256) so caches
//! revalidate — a revalidation still asks the gate, but needs no download.

use super::files::{self, Target};
use super::state::Outcome;
use super::metadata;
use super::reply::{self, Reply};
use super::state::State;
use super::urls::FileRef;
use crate::policy::Action;
use bytes::Bytes;
use std::sync::Arc;

/// Request headers the file routes look at.
#[derive(Default)]
pub(crate) struct Conditions<'a> {
    pub range: Option<&'a str>,
    pub if_range: Option<&'a str>,
    pub if_none_match: Option<&'a str>,
}

/// `GET|HEAD /u/<k>/f/…/<file>` and `…/<file>.metadata`.
pub(crate) fn file(state: &Arc<State>, upstream: usize, f: &FileRef, want_metadata: bool, cond: &Conditions) -> Reply {
    let entry = match state.entry(upstream, f) {
        Ok(Some(e)) => e,
        Ok(None) => {
            return Reply::not_found(&format!(
                "{} is not offered by upstream #{upstream} with this hash (reload the project page)",
                f.filename
            ));
        }
        Err(e) => return Reply::error(403, reply::unverified_reason(&f.filename, &e)),
    };
    let t = Target { upstream, file: f, entry: &entry, gate_file: state.gate_file(upstream, &f.project, &entry) };
    if want_metadata {
        return metadata_file(state, &t);
    }
    let etag = f.sha256().map(|s| format!("\"{s}\""));
    if let (Some(tag), Some(inm)) = (&etag, cond.if_none_match) {
        if etag_matches(inm, tag) {
            return revalidate(state, &t, tag);
        }
    }
    let outcome = files::vet(state, &t);
    match &outcome {
        Outcome::Vetted { bytes, .. } => {
            files::record(state, &t, &outcome, true);
            let tag = etag.unwrap_or_else(|| format!("\"{}\"", crate::hex::hex(&sha2_digest(bytes))));
            ranged(bytes.clone(), &tag, cond)
        }
        refused => {
            files::record(state, &t, refused, false);
            Reply::error(403, refusal(refused, state, &t).unwrap_or_default())
        }
    }
}

/// The reason phrase of the 403 for a refused outcome of `t`; a block names an older
/// release known not to be blocked, when there is one.
fn refusal(outcome: &Outcome, state: &State, t: &Target) -> Option<String> {
    match outcome {
        Outcome::Vetted { .. } => None,
        Outcome::Blocked { verdict } => {
            let older = super::alternatives::older_known(state, t.upstream, &t.gate_file.project, &t.entry.filename);
            Some(reply::blocked_reason(&t.entry.filename, &verdict.report, older, state.gateway.is_some()))
        }
        Outcome::Unverified { cause, .. } => Some(format!("Forbidden by safe-pip: {cause}")),
    }
}

/// `If-None-Match` with our ETag: the client has these exact bytes; answer 304 if the
/// verdict (known or fresh) still allows them.
fn revalidate(state: &State, t: &Target, tag: &str) -> Reply {
    let outcome = match files::known_verdict(state, t) {
        Some(v) if v.report.decision.verdict == Action::Block => Outcome::Blocked { verdict: v },
        Some(v) => Outcome::Vetted { bytes: Bytes::new(), verdict: v },
        None => files::vet(state, t),
    };
    match &outcome {
        Outcome::Vetted { .. } => {
            files::record(state, t, &outcome, true);
            Reply::new(304, "application/octet-stream", Bytes::new()).header("etag", tag).header("cache-control", "no-cache")
        }
        refused => {
            files::record(state, t, refused, false);
            Reply::error(403, refusal(refused, state, t).unwrap_or_default())
        }
    }
}

fn metadata_file(state: &Arc<State>, t: &Target) -> Reply {
    let meta_key = format!("meta:{}", super::state::file_key(t.upstream, t.file));
    if let Some(v) = files::known_verdict(state, t).filter(|v| v.report.decision.verdict == Action::Block) {
        let o = Outcome::Blocked { verdict: v };
        files::record(state, t, &o, false);
        return Reply::error(403, refusal(&o, state, t).unwrap_or_default());
    }
    if let Some(b) = state.cached_bytes(&meta_key) {
        return metadata_reply(b);
    }
    if t.entry.core_metadata.is_some() {
        // Upstream's own file, checked against the hash it advertises. If it cannot be
        // fetched, fall back to the wheel's.
        if let Ok(Some(b)) = state.client.download_metadata(t.entry, state.max_file_bytes) {
            let b = Bytes::from(b);
            state.cache_bytes(&meta_key, b.clone());
            super::prefetch::after_metadata(state, t);
            return metadata_reply(b);
        }
    }
    if !t.entry.is_wheel() {
        return Reply::not_found(&format!("no metadata file for {} (only wheels have one)", t.entry.filename));
    }
    let outcome = files::vet(state, t);
    match &outcome {
        Outcome::Vetted { bytes, .. } => match metadata::from_wheel(&t.entry.filename, bytes) {
            Some(m) => {
                let b = Bytes::from(m);
                state.cache_bytes(&meta_key, b.clone());
                metadata_reply(b)
            }
            None => Reply::not_found(&format!("{} has no readable .dist-info/METADATA", t.entry.filename)),
        },
        refused => {
            files::record(state, t, refused, false);
            Reply::error(403, refusal(refused, state, t).unwrap_or_default())
        }
    }
}

fn metadata_reply(b: Bytes) -> Reply {
    Reply::new(200, "application/octet-stream", b).header("cache-control", "no-cache")
}

fn sha2_digest(b: &[u8]) -> Vec<u8> {
    use sha2::Digest;
    sha2::Sha256::digest(b).to_vec()
}

fn etag_matches(header: &str, tag: &str) -> bool {
    header.split(',').map(str::trim).any(|t| t == "*" || t == tag || t.strip_prefix("W/") == Some(tag))
}

/// A single byte range of a file of `len` bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Range {
    Full,
    /// Inclusive start and end.
    Part(u64, u64),
    Unsatisfiable,
}

/// RFC 9110 single ranges: `bytes=a-b`, `bytes=a-`, `bytes=-n`. Anything else (several
/// ranges, other units, malformed) is ignored and the whole file is sent, as allowed.
pub(crate) fn parse_range(header: Option<&str>, len: u64) -> Range {
    let Some(spec) = header.and_then(|h| h.trim().strip_prefix("bytes=")) else { return Range::Full };
    if spec.contains(',') {
        return Range::Full;
    }
    let Some((a, b)) = spec.trim().split_once('-') else { return Range::Full };
    let (a, b) = (a.trim(), b.trim());
    let num = |s: &str| if s.bytes().all(|c| c.is_ascii_digit()) { s.parse::<u64>().ok() } else { None };
    match (a.is_empty(), b.is_empty()) {
        (true, true) => Range::Full,
        (true, false) => match num(b) {
            None => Range::Full,
            Some(0) => Range::Unsatisfiable,
            Some(_) if len == 0 => Range::Unsatisfiable,
            Some(n) => Range::Part(len.saturating_sub(n), len - 1),
        },
        (false, _) => {
            let Some(start) = num(a) else { return Range::Full };
            let end = if b.is_empty() { Some(u64::MAX) } else { num(b) };
            match end {
                None => Range::Full,
                Some(end) if end < start => Range::Full,
                Some(_) if start >= len => Range::Unsatisfiable,
                Some(end) => Range::Part(start, end.min(len - 1)),
            }
        }
    }
}

/// 200, 206 or 416 for `bytes`, honouring `Range` (and `If-Range` with our ETag).
fn ranged(bytes: Bytes, etag: &str, cond: &Conditions) -> Reply {
    let len = bytes.len() as u64;
    let range = match cond.if_range {
        Some(ir) if ir.trim() != etag => Range::Full,
        _ => parse_range(cond.range, len),
    };
    let base = |status: u16, body: Bytes| {
        Reply::new(status, "application/octet-stream", body)
            .header("accept-ranges", "bytes")
            .header("etag", etag)
            .header("cache-control", "no-cache")
    };
    match range {
        Range::Full => base(200, bytes),
        Range::Part(s, e) => {
            base(206, bytes.slice(s as usize..=e as usize)).header("content-range", format!("bytes {s}-{e}/{len}"))
        }
        Range::Unsatisfiable => {
            let mut r = Reply::error(416, format!("Range Not Satisfiable: the file has {len} bytes"));
            r.headers.push(("content-range", format!("bytes */{len}")));
            r
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges() {
        assert_eq!(parse_range(None, 10), Range::Full);
        assert_eq!(parse_range(Some("bytes=0-3"), 10), Range::Part(0, 3));
        assert_eq!(parse_range(Some("bytes=5-"), 10), Range::Part(5, 9));
        assert_eq!(parse_range(Some("bytes=5-100"), 10), Range::Part(5, 9));
        assert_eq!(parse_range(Some("bytes=-3"), 10), Range::Part(7, 9));
        assert_eq!(parse_range(Some("bytes=-30"), 10), Range::Part(0, 9));
        assert_eq!(parse_range(Some("bytes=10-"), 10), Range::Unsatisfiable);
        assert_eq!(parse_range(Some("bytes=-0"), 10), Range::Unsatisfiable);
        assert_eq!(parse_range(Some("bytes=4-2"), 10), Range::Full);
        assert_eq!(parse_range(Some("bytes=0-1,4-5"), 10), Range::Full);
        assert_eq!(parse_range(Some("items=0-1"), 10), Range::Full);
        assert_eq!(parse_range(Some("bytes=x-1"), 10), Range::Full);
        assert_eq!(parse_range(Some("bytes=0-0"), 0), Range::Unsatisfiable);
    }

    #[test]
    fn etags() {
        assert!(etag_matches("\"abc\"", "\"abc\""));
        assert!(etag_matches("W/\"abc\", \"x\"", "\"abc\""));
        assert!(etag_matches("*", "\"abc\""));
        assert!(!etag_matches("\"abd\"", "\"abc\""));
    }
}
