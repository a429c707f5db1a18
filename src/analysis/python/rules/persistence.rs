//! Persistence: making code run again later.
//!
//! **Detects** writes to or commands for autostart locations (`persistence`): crontab
//! and /etc/cron*, systemd units, ~/.config/autostart, macOS LaunchAgents, Windows
//! Run/RunOnce registry keys, the Startup folder, shell profiles (.bashrc, .zshrc,
//! .profile), schtasks; also a file written by a relative name after `os.chdir` into
//! one of them in the same function.
//!
//! Reported as `install-persistence` (critical) when the code runs during `pip install`
//! or on import (module level, or functions called from there); as `persistence` (high)
//! in functions a user calls (a CLI's `--install-completion` writing ~/.bashrc). A file
//! downloaded from the network and written to an autostart location is `download-exec`
//! (critical) wherever the code runs: it is a dropper whose run waits for the next start.
//!
//! **Why risky:** malware survives uninstalling the package this way.
//!
//! **Example:** `open(os.path.expanduser("~/.bashrc"), "a").write("python -c …")`.
//!
//! **Remedy:** only tools whose documented job is start-up configuration do this.

use crate::analysis::python::{evidence::{at, clip}, labels::Labels, model::{self, Model}, names};
use crate::alerts::AlertId;
use crate::analysis::source::FileRole;
use crate::finding::{ExecContext, Finding};

/// The alert for persistence found in `scope`: critical when installing or importing runs it.
fn alert_for(m: &Model, scope: usize) -> AlertId {
    match m.ctx(scope) {
        ExecContext::Install | ExecContext::Import => AlertId::InstallPersistence,
        ExecContext::Runtime => AlertId::Persistence,
    }
}

/// The autostart location named by a path or command, if any.
fn autostart_location(s: &str) -> Option<&'static str> {
    let l = s.to_ascii_lowercase().replace('\\', "/");
    const LOCS: &[(&str, &str)] = &[
        ("crontab", "crontab"),
        ("/etc/cron", "cron directory"),
        ("/etc/systemd/system", "systemd unit"),
        (".config/systemd/user", "systemd user unit"),
        (".config/autostart", "XDG autostart"),
        ("library/launchagents", "LaunchAgent"),
        ("library/launchdaemons", "LaunchDaemon"),
        ("currentversion/run", "Windows Run key"),
        ("start menu/programs/startup", "Windows Startup folder"),
        ("schtasks", "scheduled task"),
        (".bashrc", "shell profile"),
        (".zshrc", "shell profile"),
        (".bash_profile", "shell profile"),
        ("/.profile", "shell profile"),
        ("/etc/rc.local", "rc.local"),
    ];
    LOCS.iter().find(|(n, _)| l.contains(n)).map(|(_, w)| *w)
}

/// A path resolved against the working directory: not absolute, not from the home
/// directory, no drive letter, and not starting with a part the model could not fold.
fn is_relative(p: &str) -> bool {
    let b = p.as_bytes();
    let drive = b.len() > 1 && b[1] == b':';
    !(p.is_empty() || drive || p.starts_with(['/', '\\', '~', '…', '$', '%']))
}

pub(super) fn check(m: &Model, out: &mut Vec<Finding>) {
    if m.role == FileRole::Auxiliary {
        return;
    }
    // `os.chdir(<Startup folder>)`: a file written by a relative name after it, in the
    // same function, lands there
    let chdirs: Vec<(usize, u32, &'static str)> = m
        .calls
        .iter()
        .filter(|c| &*c.q == "os.chdir")
        .filter_map(|c| Some((c.scope, c.line, autostart_location(c.args.first()?.text.as_deref()?)?)))
        .collect();
    for w in &m.writes {
        // a start-up file in a temporary directory configures a sub-shell (`ZDOTDIR`)
        if w.path_text.as_deref().is_some_and(|p| p.starts_with(model::TEMP_DIR)) {
            continue;
        }
        let named = w.path_text.as_deref().and_then(autostart_location).map(|loc| (loc, String::new()));
        let into_cwd = || {
            w.path_text
                .as_deref()
                .filter(|p| is_relative(p))
                .and_then(|_| chdirs.iter().rev().find(|(scope, line, _)| *scope == w.scope && *line <= w.line))
                .map(|&(_, line, loc)| (loc, format!(" (the working directory `os.chdir` set on line {line})")))
        };
        if let Some((loc, via)) = named.or_else(into_cwd) {
            if w.data.has(Labels::NET) {
                // a download placed where the system starts it: a dropper with a delay
                out.push(at(m, AlertId::DownloadExec, w.scope, w.line, format!("writes a file downloaded from the network to {loc} `{}`{via}, where it runs at the next start {}", clip(w.path_text.as_deref().unwrap_or("")), m.scope(w.scope).describe())));
                continue;
            }
            out.push(at(m, alert_for(m, w.scope), w.scope, w.line, format!("{} {loc} `{}`{via} {}", if w.append { "appends to" } else { "writes to" }, clip(w.path_text.as_deref().unwrap_or("")), m.scope(w.scope).describe())));
        }
    }
    for c in &m.calls {
        if names::shell_call(&c.q).is_some() {
            if let Some(cmd) = c.command_text() {
                let lower = cmd.to_ascii_lowercase();
                let writes_cron = lower.contains("crontab") && !lower.contains("crontab -l") || lower.contains("crontab -l") && lower.contains('|');
                let loc = autostart_location(&cmd).filter(|l| *l != "crontab" || writes_cron);
                if let Some(loc) = loc {
                    if lower.contains("schtasks") && !lower.contains("/create") {
                        continue;
                    }
                    out.push(at(m, alert_for(m, c.scope), c.scope, c.line, format!("command touches {loc}: `{}` {}", clip(&cmd), m.scope(c.scope).describe())));
                }
            }
        }
        if c.q.ends_with("SetValueEx") || c.q.ends_with("SetValue") {
            let run_key = m.literals.iter().any(|l| l.value.to_ascii_lowercase().replace('\\', "/").contains("currentversion/run"));
            if run_key {
                out.push(at(m, alert_for(m, c.scope), c.scope, c.line, format!("{}() sets a Windows Run key {}", c.q, m.scope(c.scope).describe())));
            }
        }
    }
}
