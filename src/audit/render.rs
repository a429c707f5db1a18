//! The audit report for people (terminal) and machines (JSON, `schema_version` 1,
//! documented in docs/audit.md). Names, versions, paths, RECORD paths, `.pth` lines and
//! messages come from the environment: the terminal report escapes every one of them;
//! JSON keeps them exact.

use super::report::{AuditReport, Audited};
use crate::check::{self, Status};
use crate::policy::Action;
use crate::report::display::{Esc, escape_terminal};
use serde_json::{Value, json};
use std::fmt::Write;

/// Problems listed per tampered distribution (all with -v or in JSON).
const PROBLEMS_SHOWN: usize = 5;

/// Distributions named on one line for the quiet statuses; more are counted (-v lists each).
const NAMES_LISTED: usize = 12;

pub(crate) fn render_json(r: &AuditReport) -> String {
    let dists: Vec<Value> = r.distributions.iter().map(distribution).collect();
    let doc = json!({
        "schema_version": 1,
        "tool": { "name": "safe-pip", "version": env!("CARGO_PKG_VERSION") },
        "command": "audit",
        "python": r.python.as_ref().map(|p| p.display().to_string()),
        "sites": r.sites.iter().map(|s| s.display().to_string()).collect::<Vec<_>>(),
        "unverified_action": r.unverified_action,
        "online": r.online,
        "distributions": dists,
        "pth": r.pth.iter().map(|p| json!({
            "file": p.file.display().to_string(),
            "line": p.line,
            "code": p.code,
            "recorded_by": p.recorded_by,
            "note": p.note,
            "unaccounted": p.is_unaccounted(),
        })).collect::<Vec<_>>(),
        "unreadable": r.unreadable.iter().map(|(p, e)| json!({ "path": p.display().to_string(), "error": e })).collect::<Vec<_>>(),
        "project": r.project.as_ref().map(|p| serde_json::from_str::<Value>(&check::render_json(p)).unwrap_or(Value::Null)),
        "drift": r.drift,
        "summary": {
            "distributions": r.distributions.len(),
            "tampered": r.tampered(),
            "blocked": r.count(Status::Blocked),
            "unverified": r.count(Status::Unverified),
            "warned": r.count(Status::Warned),
            "allowed": r.count(Status::Allowed),
            "errors": r.count(Status::Error) + r.unreadable.len(),
            "unaccounted_pth_lines": r.unaccounted_pth(),
            "drift": r.drift.len(),
        },
        "exit_code": r.exit_code().code(),
    });
    serde_json::to_string_pretty(&doc).unwrap_or_default() + "\n"
}

fn distribution(a: &Audited) -> Value {
    let mut v = check::package_json(&a.check);
    if let Value::Object(map) = &mut v {
        for k in ["lockfile", "markers", "for_this_environment"] {
            map.remove(k);
        }
        map.insert("location".into(), json!(a.dist.meta_dir.display().to_string()));
        map.insert("installer".into(), json!(a.dist.installer));
        map.insert(
            "direct_url".into(),
            json!(a.dist.direct_url.as_ref().map(|u| json!({ "url": u.url, "kind": u.kind.as_str(), "sha256": u.sha256 }))),
        );
        map.insert("tampered".into(), json!(a.tampered()));
        map.insert("registry".into(), json!(a.registry));
        map.insert("integrity".into(), json!(a.integrity));
    }
    v
}

pub(crate) fn render_terminal(r: &AuditReport, color: bool, verbose: bool) -> String {
    let paint = |code: &str, s: &str| if color { format!("\x1b[{code}m{s}\x1b[0m") } else { s.to_string() };
    let label = |text: &str, code: &str| paint(code, &format!("{text:<10}"));
    let pad = "           ";
    let mut out = String::new();
    let sites = r.sites.iter().map(|s| escape_terminal(&s.display().to_string()).into_owned()).collect::<Vec<_>>().join(", ");
    let python = r.python.as_ref().map(|p| format!(" (python {})", Esc(&p.display().to_string()))).unwrap_or_default();
    let _ = writeln!(out, "{} {} distributions in {sites}{python}\n", paint("1", "safe-pip audit:"), r.distributions.len());

    for a in r.distributions.iter().filter(|a| a.tampered()) {
        let _ = writeln!(out, "{} {}  {}", label("TAMPERED", "1;31"), paint("1", &title(a)), paint("2", &escape_terminal(&a.dist.meta_dir.display().to_string())));
        let shown = if verbose { usize::MAX } else { PROBLEMS_SHOWN };
        for p in a.integrity.problems.iter().take(shown) {
            let _ = writeln!(out, "{pad}{:<10} {}  {}", p.kind(), Esc(p.path()), Esc(&p.describe()));
        }
        if a.integrity.problems.len() > shown {
            let _ = writeln!(out, "{pad}… and {} more (-v or --format json lists all)", a.integrity.problems.len() - shown);
        }
        let _ = writeln!(
            out,
            "{pad}its files no longer match what was installed: find out what changed them, then reinstall it (`pip install --force-reinstall --no-deps {}=={}`)",
            Esc(&a.dist.name),
            Esc(&a.dist.version)
        );
    }

    for status in [Status::Blocked, Status::Error, Status::Unverified, Status::Warned, Status::Allowed] {
        let of: Vec<&Audited> = r.distributions.iter().filter(|a| a.check.status == status).collect();
        if of.is_empty() {
            continue;
        }
        let (text, code) = match status {
            Status::Blocked | Status::Error => (status.as_str().to_uppercase(), "1;31"),
            Status::Unverified => ("UNVERIFIED".into(), "1;35"),
            Status::Warned => ("WARNED".into(), "1;33"),
            _ => ("ALLOWED".into(), "1;32"),
        };
        // Quiet statuses are one line of names, except those with an alert worth reading
        // (a registry status or advisory from --online, a licence): listed in full.
        let worth = |a: &&Audited| a.check.alerts.iter().any(|f| f.severity() >= crate::alerts::Severity::Medium);
        let (of, quiet): (Vec<&Audited>, Vec<&Audited>) = match matches!(status, Status::Allowed | Status::Unverified) && !verbose {
            true => of.into_iter().partition(worth),
            false => (of, Vec::new()),
        };
        if !quiet.is_empty() {
            let names: Vec<String> = quiet.iter().map(|a| title(a)).collect();
            let shown = if names.len() <= NAMES_LISTED { names.join(", ") } else { format!("{} distributions (-v lists them)", names.len()) };
            let why = if status == Status::Unverified { "  (the verdict DB has no file of these releases)" } else { "" };
            let _ = writeln!(out, "{} {shown}{why}", label(&text, code));
        }
        for a in of {
            let _ = writeln!(out, "{} {}  {}", label(&text, code), paint("1", &title(a)), paint("2", &escape_terminal(&a.dist.meta_dir.display().to_string())));
            let _ = writeln!(out, "{pad}{}", Esc(&a.check.reason));
            if let Some(h) = &a.check.hint {
                let _ = writeln!(out, "{pad}hint: {}", Esc(h));
            }
            check::write_alerts(&mut out, &a.check, verbose, pad, "-v or --format json shows all");
        }
    }

    let pth: Vec<_> = r.pth.iter().filter(|p| verbose || p.is_unaccounted()).collect();
    if !pth.is_empty() {
        let _ = writeln!(out, "\n{}", paint("1", "Code in .pth files (the interpreter runs it at every start):"));
        for p in pth {
            let whose = match (&p.recorded_by, &p.note) {
                (Some(d), _) => format!("installed by {}", Esc(d)),
                (None, Some(n)) => Esc(n).to_string(),
                (None, None) => paint("1;31", "no installed distribution lists this file"),
            };
            let _ = writeln!(out, "  {}:{}  {}  ({whose})", Esc(&p.file.display().to_string()), p.line, Esc(&p.code));
        }
    }
    for (path, why) in &r.unreadable {
        let _ = writeln!(out, "{} {}  {}", label("ERROR", "1;31"), Esc(&path.display().to_string()), Esc(why));
    }

    if let Some(project) = &r.project {
        let _ = writeln!(out, "\n{}", paint("1", "Project lockfiles:"));
        out.push_str(&check::render_terminal(project, color, verbose));
    }
    if !r.drift.is_empty() {
        let _ = writeln!(out, "\n{}", paint("1", "Installed otherwise than locked:"));
        for d in &r.drift {
            let now = match &d.installed {
                Some(v) => format!("{} is installed", Esc(v)),
                None => "not installed".into(),
            };
            let _ = writeln!(out, "  {} {} locked at {}; {now}", Esc(&d.name), Esc(&d.locked), Esc(&d.location));
        }
    }

    let _ = writeln!(
        out,
        "\n{} {} distributions: {} tampered, {} blocked, {} unverified, {} warned, {} allowed{}{}",
        paint("1", "safe-pip audit:"),
        r.distributions.len(),
        r.tampered(),
        r.count(Status::Blocked),
        r.count(Status::Unverified),
        r.count(Status::Warned),
        r.count(Status::Allowed),
        match r.count(Status::Error) + r.unreadable.len() {
            0 => String::new(),
            n => format!(", {n} errors"),
        },
        match r.unaccounted_pth() {
            0 => String::new(),
            n => format!("; {n} .pth line{} no distribution accounts for", if n == 1 { "" } else { "s" }),
        }
    );
    if let Some(line) = online_summary(r) {
        let _ = writeln!(out, "{line}");
    }
    let no_record: Vec<String> = r.distributions.iter().filter(|a| a.integrity.no_record).map(title).collect();
    if !no_record.is_empty() {
        let names = if no_record.len() <= NAMES_LISTED { format!(": {}", no_record.join(", ")) } else { String::new() };
        let _ = writeln!(
            out,
            "{} distribution{} without a RECORD (egg-info, or RECORD removed): {} files cannot be verified{names}",
            no_record.len(),
            if no_record.len() == 1 { "" } else { "s" },
            if no_record.len() == 1 { "its" } else { "their" }
        );
    }
    if r.count(Status::Unverified) > 0 {
        let what = match r.unverified_action {
            Action::Block => "unverified distributions fail the audit (exit 3)",
            Action::Warn | Action::Allow => "unverified distributions are let through (--allow-unverified)",
        };
        let _ = writeln!(out, "{what}; `safe-pip vet NAME==VERSION` checks a release and records it in the verdict DB");
    }
    out
}

/// `--online`: what the index was asked and how many releases it knew; offline: that
/// registry status and vulnerabilities were not checked.
pub(super) fn online_summary(r: &AuditReport) -> Option<String> {
    use super::report::Registry;
    let Some(indexes) = &r.online else {
        return Some("registry status and known vulnerabilities not checked (offline; `--online` asks the index)".into());
    };
    let count = |f: fn(&Registry) -> bool| r.distributions.iter().filter(|a| a.registry.as_ref().is_some_and(f)).count();
    let checked = count(|g| matches!(g, Registry::Checked { .. }));
    let flagged = count(|g| matches!(g, Registry::Checked { alerts } if !alerts.is_empty()));
    let missing = count(|g| matches!(g, Registry::NotFound { .. }));
    let local = count(|g| matches!(g, Registry::NotAsked { .. }));
    let indexes = indexes.iter().map(|i| escape_terminal(i).into_owned()).collect::<Vec<_>>().join(", ");
    Some(format!(
        "registry status and known vulnerabilities from {indexes}: {checked} releases checked ({flagged} with registry alerts), {missing} not on the index, {local} not installed from an index"
    ))
}

fn title(a: &Audited) -> String {
    format!("{} {}", Esc(&a.dist.name), Esc(&a.dist.version))
}
