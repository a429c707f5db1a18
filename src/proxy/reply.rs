//! Answers as the routes build them, independent of the HTTP library, and the one-line
//! reason phrases clients show. pip, uv and Poetry print the reason phrase of an error
//! status and never its body, so everything a user must know goes into that line: ASCII,
//! no CR/LF, bounded length.

use crate::error::Hint;
use crate::index::IndexError;
use crate::pipeline::PackageReport;
use bytes::Bytes;

/// Longest reason phrase sent; pip prints it in one line with the URL after it.
pub(crate) const MAX_REASON: usize = 400;

#[derive(Clone, Debug)]
pub(crate) struct Reply {
    pub status: u16,
    /// Custom reason phrase (sanitised when sent); `None` uses the standard one.
    pub reason: Option<String>,
    pub headers: Vec<(&'static str, String)>,
    pub body: Bytes,
}

impl Reply {
    pub(crate) fn new(status: u16, content_type: &str, body: impl Into<Bytes>) -> Reply {
        Reply { status, reason: None, headers: vec![("content-type", content_type.to_string())], body: body.into() }
    }

    /// An error whose reason phrase says it all; the body repeats it for curl users.
    pub(crate) fn error(status: u16, reason: String) -> Reply {
        let reason = reason_phrase(&reason);
        let mut r = Reply::new(status, "text/plain; charset=utf-8", format!("{reason}\n"));
        r.reason = Some(reason);
        r.headers.push(("cache-control", "no-store".into()));
        r
    }

    pub(crate) fn not_found(what: &str) -> Reply {
        Reply::error(404, format!("Not Found by safe-pip: {what}"))
    }

    pub(crate) fn header(mut self, name: &'static str, value: impl Into<String>) -> Reply {
        self.headers.push((name, value.into()));
        self
    }

}

/// Makes `s` a valid, readable reason phrase: printable ASCII only (other characters
/// become `?`, arrows `->`), whitespace runs collapsed to one space, at most
/// [`MAX_REASON`] characters.
pub(crate) fn reason_phrase(s: &str) -> String {
    let mut out = String::with_capacity(s.len().min(MAX_REASON));
    let mut space = false;
    for c in s.chars() {
        let piece: &str = match c {
            c if c.is_whitespace() || c.is_control() => {
                space = !out.is_empty();
                continue;
            }
            '→' => "->",
            '—' | '–' => "-",
            '…' => "...",
            '‘' | '’' => "'",
            '“' | '”' => "\"",
            c if c.is_ascii_graphic() => {
                if space {
                    out.push(' ');
                    space = false;
                }
                out.push(c);
                continue;
            }
            _ => "?",
        };
        if space {
            out.push(' ');
            space = false;
        }
        out.push_str(piece);
    }
    if out.len() > MAX_REASON {
        out.truncate(MAX_REASON - 3);
        out.push_str("...");
    }
    out
}

/// `Forbidden by safe-pip: blocked <file>: <alert>: <what was seen> (safe-pip explain <alert>);
/// not blocked: <older release>; exception after review: safe-pip allow …` — pip and uv
/// show only this line, so the way forward has to be in it. `older` is an older release
/// known not to be blocked. `gateway`: the organisation gateway answers, where an
/// exception is its administrators' to record, not the user's `safe-pip allow`.
pub(crate) fn blocked_reason(filename: &str, report: &PackageReport, older: Option<String>, gateway: bool) -> String {
    let remedy = crate::report::remedy::Remedy::for_block(report, older);
    let tail = if gateway { remedy.gateway_reason_tail() } else { remedy.reason_tail() };
    let head = format!("Forbidden by safe-pip: blocked {filename}: ");
    // What was seen gives way first: the remedy must fit in the reason phrase.
    let room = MAX_REASON.saturating_sub(head.len() + tail.len()).max(80);
    let mut summary = block_summary(report);
    if summary.len() > room {
        let mut cut = room.saturating_sub(3);
        while !summary.is_char_boundary(cut) {
            cut -= 1;
        }
        summary.truncate(cut);
        summary.push_str("...");
    }
    format!("{head}{summary}{tail}")
}

/// Why a report blocks, in one line: the deciding alert, what was seen and where, and
/// the command that explains the alert.
pub(crate) fn block_summary(report: &PackageReport) -> String {
    if let Some(err) = report.error.as_ref().filter(|_| report.findings.is_empty()) {
        return err.clone();
    }
    let deciding = report
        .findings
        .iter()
        .find(|f| report.decision.basis.deciding_alert() == Some(f.alert))
        .or_else(|| report.findings.first());
    match deciding {
        Some(f) => {
            let id = f.alert.id();
            let what = if f.message.is_empty() { f.alert.info().title.to_string() } else { f.message.clone() };
            let loc = match (f.file.is_empty(), f.line) {
                (false, Some(l)) => format!(" at {}:{l}", short_path(&f.file)),
                (false, None) => format!(" in {}", short_path(&f.file)),
                _ => String::new(),
            };
            reason_phrase(&format!("{id}: {what}{loc} (safe-pip explain {id})"))
        }
        None => reason_phrase(&report.decision.reason()),
    }
}

/// The member path without the archive's top folder (`pkg-1.0/setup.py` → `setup.py`)
/// when that keeps it readable.
fn short_path(p: &str) -> &str {
    match p.split_once('/') {
        Some((top, rest)) if top.contains('-') && !rest.is_empty() => rest,
        _ => p,
    }
}

/// The 403 reason phrase for a file that could not be verified.
pub(crate) fn unverified_reason(filename: &str, e: &IndexError) -> String {
    format!("Forbidden by safe-pip: {}", unverified_cause(filename, e))
}

/// Why a file could not be verified, and what to do, in one line.
pub(crate) fn unverified_cause(filename: &str, e: &IndexError) -> String {
    let (what, todo) = match e {
        IndexError::Unreachable { cause, .. } => {
            (format!("the upstream index is unreachable ({cause})"), "check the network and the index URL, then retry".to_string())
        }
        IndexError::Http { status, .. } => (
            format!("the upstream index answered HTTP {status}"),
            if *status >= 500 { "retry later".into() } else { "check the index URL and credentials".into() },
        ),
        IndexError::HashMismatch { algorithm, .. } => (
            format!("the downloaded bytes do not match the {algorithm} the index advertises (corrupted or tampered with)"),
            "do not install it; retry and report it to the index".into(),
        ),
        IndexError::TooLarge { limit, size, .. } => (
            match size {
                Some(s) => format!("it is {s} bytes, over the limit of {limit} bytes"),
                None => format!("it is over the limit of {limit} bytes"),
            },
            "raise the proxy's file size limit if such a large file is expected".into(),
        ),
        other => (other.to_string(), other.hint()),
    };
    format!("cannot verify {filename}: {what}; {todo}")
}

/// A project page that could not be read from upstream (502).
pub(crate) fn page_failure_reason(project: &str, e: &IndexError) -> String {
    let what = match e {
        IndexError::Unreachable { cause, .. } => format!("the upstream index is unreachable ({cause})"),
        IndexError::Http { status, .. } => format!("the upstream index answered HTTP {status}"),
        other => other.to_string(),
    };
    format!("Bad Gateway from safe-pip: cannot read project {project}: {what}; {}", e.hint())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reason_phrases_are_one_short_ascii_line() {
        let r = reason_phrase("a\r\nb\tc   d → é");
        assert_eq!(r, "a b c d -> ?");
        let long = reason_phrase(&"x".repeat(1000));
        assert_eq!(long.len(), MAX_REASON);
        assert!(long.ends_with("..."));
        assert!(reason_phrase("\u{7f}\u{0}ok").bytes().all(|b| (0x20..0x7f).contains(&b)));
    }
}
