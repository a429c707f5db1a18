//! The check report for people (terminal) and machines (JSON, `schema_version` 1,
//! documented in docs/json-report.md). The terminal report escapes every name, path,
//! reason and message taken from a lockfile, an index or a package; JSON keeps them exact.

use super::model::{CheckReport, PackageCheck, Status, source_kind};
use crate::alerts::Severity;
use crate::policy::Action;
use crate::report::display::{Esc, escape_terminal};
use serde_json::{Value, json};
use std::fmt::Write;

/// Alerts shown per package in the terminal (all of them with -v or in JSON).
const ALERTS_SHOWN: usize = 3;

/// Allowed packages named on one line; more are counted (-v lists each).
const ALLOWED_LISTED: usize = 12;

/// Statuses in the order the terminal lists them.
const ORDER: [Status; 6] = [Status::Blocked, Status::Error, Status::Unverified, Status::Warned, Status::Allowed, Status::Skipped];

/// Files named per package in -v's "not checked" line; more are counted.
const NOT_CHECKED_LISTED: usize = 40;

pub(crate) fn render_json(r: &CheckReport) -> String {
    let mut out = Vec::new();
    // writing to memory fails only if serialisation itself does, which these types cannot
    let _ = write_json(r, &mut out);
    String::from_utf8(out).unwrap_or_default()
}

/// Streams the JSON report to `out`: one package's value exists at a time, so a
/// lockfile of 500,000 entries costs no more than its report's own data (building one
/// `Value` tree of the whole report took several times the input's size).
pub(crate) fn write_json(r: &CheckReport, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    /// The other keys as one (small) value; the packages serialised one by one, in
    /// their alphabetical place among the keys as before.
    struct Doc<'a> {
        rest: serde_json::Map<String, Value>,
        packages: &'a [PackageCheck],
    }
    impl serde::Serialize for Doc<'_> {
        fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            use serde::ser::SerializeMap;
            struct Packages<'a>(&'a [PackageCheck]);
            impl serde::Serialize for Packages<'_> {
                fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                    s.collect_seq(self.0.iter().map(package))
                }
            }
            let mut map = s.serialize_map(Some(self.rest.len() + 1))?;
            let mut packages_written = false;
            for (k, v) in &self.rest {
                if !packages_written && k.as_str() > "packages" {
                    map.serialize_entry("packages", &Packages(self.packages))?;
                    packages_written = true;
                }
                map.serialize_entry(k, v)?;
            }
            if !packages_written {
                map.serialize_entry("packages", &Packages(self.packages))?;
            }
            map.end()
        }
    }
    let rest = json!({
        "schema_version": 1,
        "tool": { "name": "safe-pip", "version": env!("CARGO_PKG_VERSION") },
        "command": "check",
        "fetched": r.fetched,
        "unverified_action": r.unverified_action,
        "platforms": if r.all_platforms { "all" } else { "environment" },
        "target": r.target.as_ref().map(|t| json!({
            "python": t.python.display().to_string(),
            "implementation_name": t.markers.get("implementation_name"),
            "python_full_version": t.markers.get("python_full_version"),
            "sys_platform": t.markers.get("sys_platform"),
            "platform_machine": t.markers.get("platform_machine"),
            "supported_tags": t.tags.len(),
        })),
        "lockfiles": r.lockfiles.iter().map(|l| json!({
            "path": l.path.display().to_string(),
            "format": l.format.name(),
            "packages": l.packages,
            "warnings": l.warnings.iter().map(|w| w.to_string()).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "summary": summary(r),
        "exit_code": r.exit_code().code(),
    });
    let rest = match rest {
        Value::Object(map) => map,
        _ => serde_json::Map::new(),
    };
    let doc = Doc { rest, packages: &r.packages };
    let mut out = std::io::BufWriter::with_capacity(64 * 1024, out);
    serde_json::to_writer_pretty(&mut out, &doc)?;
    std::io::Write::write_all(&mut out, b"\n")?;
    std::io::Write::flush(&mut out)
}

fn summary(r: &CheckReport) -> Value {
    json!({
        "packages": r.packages.len(),
        "allowed": r.count(Status::Allowed),
        "warned": r.count(Status::Warned),
        "blocked": r.count(Status::Blocked),
        "unverified": r.count(Status::Unverified),
        "errors": r.count(Status::Error),
        "skipped": r.count(Status::Skipped),
        "files_not_checked": r.files_not_checked(),
    })
}

pub(crate) fn package(p: &PackageCheck) -> Value {
    json!({
        "name": p.name,
        "version": p.version,
        "lockfile": p.lockfile.display().to_string(),
        "location": p.location,
        "source": source_kind(&p.source),
        "status": p.status,
        "reason": p.reason,
        "hint": p.hint,
        "markers": p.markers,
        "for_this_environment": !p.not_for_environment,
        "files": p.files.iter().map(|f| json!({
            "filename": f.filename,
            "sha256": f.sha256,
            "status": f.status,
            "reason": f.reason,
            "hint": f.hint,
            "score": f.report.as_ref().map(|r| r.risk.score),
            "fetched": f.fetched,
            "applies": f.applies,
        })).collect::<Vec<_>>(),
        "alerts": p.alerts.iter().map(crate::report::json::alert).collect::<Vec<_>>(),
    })
}

/// A package's notable alerts, one line each (`pad` before each), the first few unless
/// `verbose`; `all` says how to see the rest. Shared by `check` and `diff`.
pub(crate) fn write_alerts(out: &mut String, p: &PackageCheck, verbose: bool, pad: &str, all: &str) {
    let shown = if verbose { usize::MAX } else { ALERTS_SHOWN };
    // An advisory's message is already the reason.
    let notable: Vec<_> = p.alerts.iter().filter(|f| (verbose || f.severity() >= Severity::Medium) && f.message != p.reason).collect();
    for f in notable.iter().take(shown) {
        let place = match (f.file.is_empty(), f.line) {
            (true, _) => String::new(),
            (false, Some(l)) => format!(" {}:{l}", Esc(&f.file)),
            (false, None) => format!(" {}", Esc(&f.file)),
        };
        let _ = writeln!(out, "{pad}{:<8} {}{place}  {}", f.severity().as_str(), f.alert.id(), Esc(&f.message));
    }
    if notable.len() > shown {
        let _ = writeln!(out, "{pad}… and {} more ({all})", notable.len() - shown);
    }
}

pub(crate) fn render_terminal(r: &CheckReport, color: bool, verbose: bool) -> String {
    let mut out = Vec::new();
    // writing to memory cannot fail
    let _ = write_terminal(r, color, verbose, &mut out);
    String::from_utf8(out).unwrap_or_default()
}

/// Text written out at a time: the whole report of a large lockfile, held at once, was
/// half the input's size again at the peak of `check` (#14).
const WRITE_AT: usize = 64 * 1024;

/// Streams the terminal report to `out`, some packages at a time.
pub(crate) fn write_terminal(r: &CheckReport, color: bool, verbose: bool, sink: &mut dyn std::io::Write) -> std::io::Result<()> {
    let paint = |code: &str, s: &str| if color { format!("\x1b[{code}m{s}\x1b[0m") } else { s.to_string() };
    let label = |s: Status| {
        let text = format!("{:<10}", s.as_str().to_uppercase());
        match s {
            Status::Blocked | Status::Error => paint("1;31", &text),
            Status::Unverified => paint("1;35", &text),
            Status::Warned => paint("1;33", &text),
            Status::Allowed => paint("1;32", &text),
            Status::Skipped => paint("2", &text),
        }
    };
    let mut out = String::new();
    for status in ORDER {
        let of: Vec<&PackageCheck> = r.packages.iter().filter(|p| p.status == status).collect();
        if matches!(status, Status::Allowed | Status::Skipped) && !verbose && !of.is_empty() {
            // titles only when they are listed
            let shown = if of.len() <= ALLOWED_LISTED { of.iter().map(|p| title(p)).collect::<Vec<_>>().join(", ") } else { format!("{} packages (-v lists them)", of.len()) };
            let why = if status == Status::Skipped { "  (not for this environment; -v shows the markers)" } else { "" };
            let _ = writeln!(out, "{} {shown}{why}", label(status));
            continue;
        }
        for p in of {
            let n = p.counted().count();
            let files = if n > 1 { format!(" · {n} files") } else { String::new() };
            let _ = writeln!(out, "{} {}  {}{files}", label(status), paint("1", &title(p)), paint("2", &escape_terminal(&p.location)));
            let _ = writeln!(out, "           {}", Esc(&p.reason));
            if let Some(h) = &p.hint {
                let _ = writeln!(out, "           hint: {}", Esc(h));
            }
            write_alerts(&mut out, p, verbose, "           ", "-v or --format json shows all");
            let skipped: Vec<String> = p.files.iter().filter(|f| !f.applies).map(|f| escape_terminal(&f.display_name()).into_owned()).collect();
            if verbose && !skipped.is_empty() && !p.not_for_environment {
                let more = skipped.len().saturating_sub(NOT_CHECKED_LISTED);
                let listed = skipped.into_iter().take(NOT_CHECKED_LISTED).collect::<Vec<_>>().join(", ");
                let more = if more > 0 { format!(" … and {more} more (--format json lists all)") } else { String::new() };
                let _ = writeln!(out, "           other platforms, not checked: {listed}{more}");
            }
            if out.len() >= WRITE_AT {
                sink.write_all(out.as_bytes())?;
                out.clear();
            }
        }
    }
    let warnings: usize = r.lockfiles.iter().map(|l| l.warnings.len()).sum();
    if verbose {
        for w in r.lockfiles.iter().flat_map(|l| &l.warnings) {
            let _ = writeln!(out, "note: {}", Esc(&w.to_string()));
        }
    }
    let files = r.lockfiles.iter().map(|l| escape_terminal(&l.path.display().to_string()).into_owned()).collect::<Vec<_>>().join(", ");
    let _ = writeln!(
        out,
        "\n{} {} packages in {files}: {} blocked, {} unverified, {} warned, {} allowed{}{}",
        paint("1", "safe-pip check:"),
        r.packages.len(),
        r.count(Status::Blocked),
        r.count(Status::Unverified),
        r.count(Status::Warned),
        r.count(Status::Allowed),
        match r.count(Status::Skipped) {
            0 => String::new(),
            n => format!(", {n} not for this environment"),
        },
        match r.count(Status::Error) {
            0 => String::new(),
            n => format!(", {n} errors"),
        }
    );
    if let (Some(t), n @ 1..) = (&r.target, r.files_not_checked()) {
        let _ = writeln!(
            out,
            "{n} locked file{} for other platforms, not checked (judged for {} at {}; `{} --all-platforms` judges every file)",
            if n == 1 { "" } else { "s" },
            Esc(&t.describe()),
            Esc(&t.python.display().to_string()),
            r.invoked_as
        );
    }
    if warnings > 0 && !verbose {
        let _ = writeln!(out, "{warnings} lockfile notes (-v shows them)");
    }
    if r.count(Status::Unverified) > 0 {
        let what = match r.unverified_action {
            Action::Block => "unverified packages fail the check (exit 3)",
            Action::Warn | Action::Allow => "unverified packages are let through (--allow-unverified)",
        };
        let fetchable = r.packages.iter().filter(|p| p.status == Status::Unverified).any(|p| p.files.iter().any(|f| f.status == Status::Unverified && f.sha256.is_some()));
        let remedy = if fetchable && !r.fetched {
            format!("`{} --fetch` downloads and scans the missing files", r.invoked_as)
        } else {
            "pin file hashes, vet them (`safe-pip vet NAME==VERSION`), or scan local sources".to_string()
        };
        let _ = writeln!(out, "{what}; {remedy}");
    }
    sink.write_all(out.as_bytes())
}

/// Name and version, escaped for the terminal.
fn title(p: &PackageCheck) -> String {
    match &p.version {
        Some(v) => format!("{} {}", Esc(&p.name), Esc(v)),
        None => escape_terminal(&p.name).into_owned(),
    }
}
