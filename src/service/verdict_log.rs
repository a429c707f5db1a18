//! The service's verdict log: one JSON line per file decision (`verdicts.jsonl` in the
//! state directory), so blocks and warnings that pip and uv never show can be read back
//! with `safe-pip service log`. The proxy reports each file and outcome once per install
//! (repeats within [`crate::proxy::REPEAT_AFTER`] are not logged), and the file is
//! rotated at [`MAX_BYTES`] to `verdicts.jsonl.1`, so it never holds more than twice that.
//!
//! Entries keep the text as the index and the analysis gave it; everything shown on a
//! terminal goes through [`crate::proxy::reason_phrase`] (printable ASCII, one line).

use super::ServiceError;
use crate::analysis::metadata::time::{SECONDS_PER_DAY, format_date, parse_rfc3339};
use crate::policy::Action;
use crate::proxy::{ProxyEvent, block_summary, reason_phrase};
use serde::{Deserialize, Serialize};
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// The log is rotated when it would grow past this.
pub const MAX_BYTES: u64 = 4 * 1024 * 1024;
/// Alert ids kept per entry.
const TOP_ALERTS: usize = 3;

pub fn path(state: &Path) -> PathBuf {
    state.join("verdicts.jsonl")
}

fn rotated(state: &Path) -> PathBuf {
    state.join("verdicts.jsonl.1")
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Block,
    Warn,
    Allow,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Block => "block",
            Verdict::Warn => "warn",
            Verdict::Allow => "allow",
        }
    }
}

/// One file decision.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// RFC 3339, UTC, seconds.
    pub time: String,
    pub verdict: Verdict,
    /// Normalised project name.
    pub project: String,
    #[serde(default)]
    pub version: Option<String>,
    pub file: String,
    /// The upstream index, credentials redacted.
    pub index: String,
    #[serde(default)]
    pub sha256: Option<String>,
    /// The deciding alert first, then the other medium-or-worse ones.
    #[serde(default)]
    pub alerts: Vec<String>,
    /// Why, in one line: the deciding alert and what was seen, or the policy's reason.
    pub reason: String,
    /// `analysed`, `verdict DB` (known without analysis) or `not verified` (could not be
    /// checked: refused, fail closed).
    pub source: String,
    #[serde(default)]
    pub risk: u32,
}

/// `2026-11-13T08:05:09Z`.
pub fn rfc3339(unix: i64) -> String {
    let s = unix.rem_euclid(SECONDS_PER_DAY);
    format!("{}T{:02}:{:02}:{:02}Z", format_date(unix), s / 3600, (s % 3600) / 60, s % 60)
}

impl Entry {
    /// The entry for what the proxy did with a file at `now`.
    pub fn from_event(e: &ProxyEvent, now: i64) -> Entry {
        let r = &e.report;
        let unverified = r.error.is_some() && r.findings.is_empty();
        let verdict = match (e.served, r.decision.verdict) {
            (false, _) | (true, Action::Block) => Verdict::Block,
            (true, Action::Warn) => Verdict::Warn,
            (true, Action::Allow) => Verdict::Allow,
        };
        let deciding = r.findings.iter().find(|f| r.decision.basis.deciding_alert() == Some(f.alert)).or_else(|| r.findings.first());
        let mut alerts: Vec<String> = Vec::new();
        let serious = r.findings.iter().filter(|f| f.severity() >= crate::alerts::Severity::Medium);
        for f in deciding.filter(|_| verdict != Verdict::Allow).into_iter().chain(serious) {
            let id = f.alert.id().to_string();
            if !alerts.contains(&id) && alerts.len() < TOP_ALERTS {
                alerts.push(id);
            }
        }
        let reason = match verdict {
            Verdict::Allow => r.decision.reason(),
            _ => block_summary(r),
        };
        Entry {
            time: rfc3339(now),
            verdict,
            project: e.project.clone(),
            version: r.version.clone().or_else(|| crate::index::version_from_filename(&e.filename, Some(&e.project))),
            file: e.filename.clone(),
            index: e.index_url.clone(),
            sha256: e.sha256.clone(),
            alerts,
            reason,
            source: if unverified { "not verified" } else if e.from_db { "verdict DB" } else { "analysed" }.to_string(),
            risk: u32::from(r.risk.score),
        }
    }

    pub fn unix_time(&self) -> Option<i64> {
        parse_rfc3339(&self.time)
    }
}

/// Appends entries to the log, rotating it at `max_bytes`. Shared by the proxy's request
/// threads.
pub struct Writer {
    state: PathBuf,
    max_bytes: u64,
    /// Bytes in the current file (`None` until first known).
    size: Mutex<Option<u64>>,
}

impl Writer {
    pub fn new(state: &Path) -> Writer {
        Writer::with_limit(state, MAX_BYTES)
    }

    pub fn with_limit(state: &Path, max_bytes: u64) -> Writer {
        Writer { state: state.to_path_buf(), max_bytes, size: Mutex::new(None) }
    }

    /// Appends one line (one `write` call on an append-mode file, so lines never mix).
    pub fn append(&self, entry: &Entry) -> Result<(), ServiceError> {
        let mut line = serde_json::to_string(entry).map_err(|source| ServiceError::Encode { what: "the verdict log", source })?;
        line.push('\n');
        let mut size = self.size.lock().unwrap_or_else(|e| e.into_inner());
        let p = path(&self.state);
        let current = match *size {
            Some(s) => s,
            None => {
                std::fs::create_dir_all(&self.state).map_err(ServiceError::io("cannot create", &self.state))?;
                std::fs::metadata(&p).map(|m| m.len()).unwrap_or(0)
            }
        };
        let current = if current > 0 && current + line.len() as u64 > self.max_bytes {
            std::fs::rename(&p, rotated(&self.state)).map_err(ServiceError::io("cannot rotate", &p))?;
            0
        } else {
            current
        };
        let mut opts = std::fs::OpenOptions::new();
        opts.create(true).append(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
        let mut f = opts.open(&p).map_err(ServiceError::io("cannot open", &p))?;
        f.write_all(line.as_bytes()).map_err(ServiceError::io("cannot write", &p))?;
        *size = Some(current + line.len() as u64);
        Ok(())
    }
}

/// Which entries to show.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Filter {
    /// Unix time: entries at or after it.
    pub since: Option<i64>,
    /// Verdicts to show; empty shows all.
    pub verdicts: Vec<Verdict>,
}

impl Filter {
    fn keeps(&self, e: &Entry) -> bool {
        (self.verdicts.is_empty() || self.verdicts.contains(&e.verdict))
            && self.since.is_none_or(|s| e.unix_time().is_some_and(|t| t >= s))
    }
}

/// What [`read`] found.
#[derive(Clone, Debug, Default)]
pub struct Read {
    /// Matching entries, oldest first.
    pub entries: Vec<Entry>,
    /// Whether a log file exists at all.
    pub exists: bool,
    /// Lines that did not parse (a line cut short by a crash, or edited by hand).
    pub unreadable: usize,
}

/// The entries of the rotated and the current file that `filter` keeps, oldest first.
pub fn read(state: &Path, filter: &Filter) -> Result<Read, ServiceError> {
    let mut out = Read::default();
    for p in [rotated(state), path(state)] {
        let text = match std::fs::read(&p) {
            Ok(b) => String::from_utf8_lossy(&b).into_owned(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(ServiceError::Io { what: "cannot read", path: p, source: e }),
        };
        out.exists = true;
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            match serde_json::from_str::<Entry>(line) {
                Ok(e) if filter.keeps(&e) => out.entries.push(e),
                Ok(_) => {}
                Err(_) => out.unreadable += 1,
            }
        }
    }
    Ok(out)
}

/// A `--since` that is not a time. The text it quotes is made safe for a terminal.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SinceError {
    #[error("`{0}` is too long ago")]
    TooLongAgo(String),
    #[error("`{0}` is neither a duration (30s, 10m, 2h, 1d, 2w) nor an RFC 3339 time (2026-05-01T10:00:00Z, 2026-05-01)")]
    NotATime(String),
}

impl crate::error::Hint for SinceError {
    fn hint(&self) -> String {
        "write --since 10m, 2h, 1d, 2w or a time such as 2026-05-01T10:00:00Z".into()
    }
}

/// `--since`: `30s`, `10m`, `2h`, `1d`, `2w` before `now`, or an RFC 3339 time (a date
/// alone is its midnight UTC).
pub fn parse_since(s: &str, now: i64) -> Result<i64, SinceError> {
    let t = s.trim();
    let unit = t.chars().last().unwrap_or(' ');
    let digits = &t[..t.len() - unit.len_utf8().min(t.len())];
    let scale = match unit {
        's' => Some(1),
        'm' => Some(60),
        'h' => Some(3600),
        'd' => Some(SECONDS_PER_DAY),
        'w' => Some(7 * SECONDS_PER_DAY),
        _ => None,
    };
    if let Some(scale) = scale.filter(|_| !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())) {
        return digits
            .parse::<i64>()
            .ok()
            .and_then(|n| n.checked_mul(scale))
            .map(|d| now - d)
            .ok_or_else(|| SinceError::TooLongAgo(t.to_string()));
    }
    parse_rfc3339(t).ok_or_else(|| SinceError::NotATime(reason_phrase(t)))
}

/// Counts of blocked, warned and allowed entries.
pub fn counts(entries: &[Entry]) -> (usize, usize, usize) {
    let n = |v: Verdict| entries.iter().filter(|e| e.verdict == v).count();
    (n(Verdict::Block), n(Verdict::Warn), n(Verdict::Allow))
}

/// The follow-up commands for a block or warning: `safe-pip explain ID` for the top
/// alert and `safe-pip vet NAME==VERSION`.
pub fn follow_ups(e: &Entry) -> Vec<String> {
    if e.verdict == Verdict::Allow {
        return Vec::new();
    }
    let mut out = Vec::new();
    if let Some(id) = e.alerts.first() {
        out.push(format!("safe-pip explain {}", reason_phrase(id)));
    }
    if let Some(v) = &e.version {
        out.push(format!("safe-pip vet {}=={}", reason_phrase(&e.project), reason_phrase(v)));
    }
    out
}

/// The terminal rendering: per entry a line with time, verdict, project, version, file
/// and index, then (blocks and warnings) the alerts, the reason and what to run next.
/// All text from the index or the analysis is made one line of printable ASCII.
pub fn render(entries: &[Entry], color: bool) -> String {
    let paint = crate::report::terminal::Paint(color);
    let mut out = String::new();
    for e in entries {
        let verdict = match e.verdict {
            Verdict::Block => Action::Block,
            Verdict::Warn => Action::Warn,
            Verdict::Allow => Action::Allow,
        };
        let ident = match &e.version {
            Some(v) => format!("{} {}", reason_phrase(&e.project), reason_phrase(v)),
            None => reason_phrase(&e.project),
        };
        let when = e.time.replacen('T', " ", 1);
        let _ = writeln!(
            out,
            "{}  {}  {}  {}  {}",
            paint.dim(&reason_phrase(&when)),
            paint.verdict(verdict),
            paint.bold(&ident),
            reason_phrase(&e.file),
            paint.dim(&format!("from {} · {} · risk {}", reason_phrase(&e.index), reason_phrase(&e.source), e.risk))
        );
        if e.verdict == Verdict::Allow {
            continue;
        }
        if !e.alerts.is_empty() {
            let ids: Vec<String> = e.alerts.iter().map(|a| reason_phrase(a)).collect();
            let _ = writeln!(out, "    {} {}", paint.bold("alerts:"), ids.join(", "));
        }
        let _ = writeln!(out, "    {} {}", paint.bold("why:"), reason_phrase(&e.reason));
        let next = follow_ups(e);
        if !next.is_empty() {
            let _ = writeln!(out, "    {} {}", paint.bold("next:"), next.join("  ·  "));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alerts::AlertId;
    use crate::finding::Finding;
    use crate::pipeline::PackageReport;

    fn entry(time: i64, verdict: Verdict, file: &str) -> Entry {
        Entry {
            time: rfc3339(time),
            verdict,
            project: "demo".into(),
            version: Some("1.0".into()),
            file: file.into(),
            index: "https://pypi.org/simple".into(),
            sha256: None,
            alerts: if verdict == Verdict::Allow { vec![] } else { vec!["decode-exec".into()] },
            reason: "decode-exec: exec() runs decoded data".into(),
            source: "analysed".into(),
            risk: 80,
        }
    }

    #[test]
    fn since_takes_durations_and_rfc3339_and_nothing_else() {
        let now = 1_800_000_000;
        assert_eq!(parse_since("10m", now), Ok(now - 600));
        assert_eq!(parse_since("2h", now), Ok(now - 7200));
        assert_eq!(parse_since(" 1d ", now), Ok(now - 86_400));
        assert_eq!(parse_since("45s", now), Ok(now - 45));
        assert_eq!(parse_since("2w", now), Ok(now - 14 * 86_400));
        assert_eq!(parse_since("2026-05-01T10:00:00Z", now), Ok(parse_rfc3339("2026-05-01T10:00:00Z").unwrap()));
        assert_eq!(parse_since("2026-05-01T12:00:00+02:00", now), parse_since("2026-05-01T10:00:00Z", now));
        assert_eq!(parse_since("2026-05-01", now), Ok(parse_rfc3339("2026-05-01T00:00:00Z").unwrap()));
        for bad in ["", "m", "10", "10x", "1.5h", "-2h", "yesterday", "2026-13-01", "10mm", "ü"] {
            let e = parse_since(bad, now).unwrap_err().to_string();
            assert!(e.contains("neither a duration") || e.contains("too long ago"), "{bad}: {e}");
        }
        assert_eq!(parse_since("99999999999999999999d", now), Err(SinceError::TooLongAgo("99999999999999999999d".into())));
        assert!(parse_since("\u{1b}[31mred", now).unwrap_err().to_string().is_ascii(), "the error never echoes control characters");
    }

    #[test]
    fn entries_from_events_name_the_verdict_alerts_and_follow_ups() {
        let mut report = PackageReport::unverified("demo-2.0-py3-none-any.whl", "");
        report.error = None;
        let report = report.with_findings(
            vec![
                Finding::new(AlertId::DecodeExec, "demo/__init__.py", "exec() runs decoded data".to_string()),
                Finding::new(AlertId::YankedRelease, "", "yanked".to_string()),
            ],
            &crate::policy::Policy::default(),
        );
        assert_eq!(report.decision.verdict, Action::Block);
        let event = ProxyEvent {
            upstream: 0,
            index_url: "https://pypi.org/simple".into(),
            project: "demo".into(),
            filename: "demo-2.0-py3-none-any.whl".into(),
            sha256: Some("ab".repeat(32)),
            report,
            served: false,
            from_db: true,
        };
        let e = Entry::from_event(&event, 1_800_000_000);
        assert_eq!((e.verdict, e.version.as_deref(), e.source.as_str()), (Verdict::Block, Some("2.0"), "verdict DB"));
        assert_eq!(e.alerts.first().map(String::as_str), Some("decode-exec"));
        assert!(e.reason.starts_with("decode-exec: "), "{}", e.reason);
        assert_eq!(e.time, "2027-01-15T08:00:00Z");
        assert_eq!(follow_ups(&e), vec!["safe-pip explain decode-exec", "safe-pip vet demo==2.0"]);
        // Served after a block verdict cannot happen, but refused is always a block.
        let served = ProxyEvent { served: true, ..event.clone() };
        assert_eq!(Entry::from_event(&served, 0).verdict, Verdict::Block);
    }

    #[test]
    fn writer_appends_lines_and_rotates_within_its_bound() {
        let tmp = tempfile::tempdir().unwrap();
        let now = crate::db::now();
        let make = |i: i64| entry(now - 100 + i, if i % 3 == 0 { Verdict::Block } else { Verdict::Allow }, &format!("f{i}.whl"));
        let lens: Vec<u64> = (0..12).map(|i| serde_json::to_string(&make(i)).unwrap().len() as u64 + 1).collect();
        // Room for three lines of any length, never four.
        let limit = 3 * lens.iter().max().unwrap() + 2;
        assert!(4 * lens.iter().min().unwrap() > limit);
        let w = Writer::with_limit(tmp.path(), limit);
        for i in 0..12 {
            w.append(&make(i)).unwrap();
        }
        let cur = std::fs::metadata(path(tmp.path())).unwrap().len();
        let old = std::fs::metadata(rotated(tmp.path())).unwrap().len();
        assert!(cur <= limit && old <= limit, "{cur} {old}");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(path(tmp.path())).unwrap().permissions().mode() & 0o777, 0o600);
        }
        let all = read(tmp.path(), &Filter::default()).unwrap();
        assert!(all.exists && all.unreadable == 0);
        let files: Vec<&str> = all.entries.iter().map(|e| e.file.as_str()).collect();
        // Oldest first; the oldest lines went with the rotation before last.
        assert_eq!(files, vec!["f6.whl", "f7.whl", "f8.whl", "f9.whl", "f10.whl", "f11.whl"]);
        // A second writer (a restarted service) continues the same file (and rotates it).
        Writer::with_limit(tmp.path(), limit).append(&entry(now, Verdict::Warn, "late.whl")).unwrap();
        std::fs::OpenOptions::new().append(true).open(path(tmp.path())).unwrap().write_all(b"{\"cut short\n").unwrap();
        let blocks_and_warnings = read(tmp.path(), &Filter { since: Some(now - 91), verdicts: vec![Verdict::Block, Verdict::Warn] }).unwrap();
        let files: Vec<&str> = blocks_and_warnings.entries.iter().map(|e| e.file.as_str()).collect();
        assert_eq!(files, vec!["f9.whl", "late.whl"]);
        assert_eq!(blocks_and_warnings.unreadable, 1);
        assert!(!read(&tmp.path().join("none"), &Filter::default()).unwrap().exists);
    }

    #[test]
    fn rendering_escapes_index_text_and_suggests_commands() {
        let mut e = entry(1_800_000_000, Verdict::Block, "evil\u{1b}[2J-1.0.tar.gz");
        e.project = "evil\u{1b}]0;pwned\u{7}".into();
        e.reason = "install-network: urlopen()\r\nFAKE: all clear\u{202e}".into();
        let text = render(&[e, entry(1_800_000_000, Verdict::Allow, "ok.whl")], false);
        assert!(!text.chars().any(|c| c.is_control() && c != '\n'), "{text:?}");
        assert!(!text.contains('\u{202e}'));
        assert_eq!(text.lines().count(), 5, "{text}");
        assert!(text.contains("BLOCK  evil ]0;pwned 1.0  evil [2J-1.0.tar.gz  from https://pypi.org/simple"), "{text}");
        assert!(text.contains("why: install-network: urlopen() FAKE: all clear?"), "{text}");
        assert!(text.contains("next: safe-pip explain decode-exec  ·  safe-pip vet evil ]0;pwned==1.0"), "{text}");
        assert!(text.contains("ALLOW  demo 1.0  ok.whl"), "{text}");
    }
}
