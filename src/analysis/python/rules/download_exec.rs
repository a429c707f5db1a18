//! Download-and-execute chain.
//!
//! **Detects** (`download-exec`, critical, any context):
//! - network data reaching exec/eval/compile, or a shell command that is wholly a
//!   network response (command-and-control loops), also through local helpers;
//! - a file written from network data that is then run or started (the file is the
//!   program or an interpreter's script; chmod alone is preparation);
//! - shell commands that download and run by themselves (`curl … | sh`,
//!   `wget … && chmod +x`, PowerShell `DownloadString | IEX` or `Invoke-WebRequest` +
//!   `Start-Process`, `certutil -urlcache`, `bitsadmin /transfer`, `pip install` from a
//!   raw-IP URL), including PowerShell `-EncodedCommand` payloads, which are decoded;
//! - in install/import context: a fetch, a write of fetched bytes and a run reachable
//!   from the same entry point (the dropper split over helper functions);
//! - an executable (`.exe`, `.dll`, `.ps1` …) written from network data that was
//!   fetched encoded and decoded (hex or base64 text on a code host): a smuggled stage.
//!
//! **Why risky:** this is what droppers do; ~60 % of real PyPI malware.
//!
//! **Example:** `urlretrieve(URL, p); os.startfile(p)`.
//!
//! **Remedy:** do not install; report the package.

use crate::analysis::python::{decode, evidence::{at, clip}, labels::Labels, model::{Call, Model, Val}, names, shellcmd};
use crate::alerts::AlertId;
use crate::analysis::source::FileRole;
use crate::finding::{ExecContext, Finding};

fn is_run(q: &str) -> bool {
    names::shell_call(q).is_some() || q == "os.startfile" || q.ends_with("Popen") || names::exec_call(q)
}

/// Programs that run the file they are given.
const INTERPRETERS: &[&str] = &[
    "sh", "bash", "zsh", "dash", "python", "python3", "pythonw", "py", "powershell", "pwsh", "cmd", "cmd.exe", "start", "wscript", "cscript",
    "mshta", "msiexec", "rundll32", "regsvr32", "node", "perl", "ruby", "open", "xdg-open", "nohup",
];

/// The call runs a downloaded file: the file is the program, or an interpreter's
/// script. Handing a download to `tar`, `unzip` or a compiler as data is not running it.
/// `runtime`: code a user calls, where an unknown program (`[tool, …]` with the
/// download somewhere in the call) is not taken for the download: a media tool handed a
/// fetched file is not a dropper; during install or import it is.
fn runs_downloaded_file(c: &Call, runtime: bool) -> bool {
    if !c.labels().has(Labels::DL_PATH) {
        return false;
    }
    if names::shell_call(&c.q).is_none() || c.q == "os.startfile" {
        return true;
    }
    let cmd = c.args.first().or_else(|| c.kw("args")).or_else(|| c.kw("cmd"));
    let Some(cmd) = cmd else { return true };
    let program_is = |v: &Val| v.labels.has(Labels::DL_PATH) || !runtime && v.text.as_deref().is_some_and(|t| t.starts_with('…'));
    let interpreter = |t: &str| {
        let first = t.split_whitespace().next().unwrap_or("");
        let base = first.rsplit(['/', '\\']).next().unwrap_or(first).to_ascii_lowercase();
        let base = base.trim_end_matches(".exe");
        INTERPRETERS.contains(&base) || base.starts_with("python")
    };
    // `sys.executable` and other names of a Python
    let python = |v: &Val| v.qname.as_deref().is_some_and(|q| q == "sys.executable" || q.ends_with("python") || q.ends_with("python3"));
    match &cmd.list {
        Some(items) => {
            let later_download = items.iter().skip(1).any(|v| v.labels.has(Labels::DL_PATH));
            match items.first() {
                Some(first) if first.labels.has(Labels::DL_PATH) => true,
                // `python -m pip install <download>` in code a user calls: the download is
                // the module's argument (a plugin manager installing what it fetched)
                Some(first) if first.text.as_deref().is_some_and(interpreter) || python(first) => {
                    let runs_module = items.get(1).and_then(|v| v.text.as_deref()) == Some("-m");
                    later_download && !(runtime && runs_module)
                }
                // an unknown program (`[tool, "-i", download, …]`) handed the download as
                // an argument: data for some program, not the program itself
                Some(_) if later_download => false,
                Some(first) => program_is(first),
                None => false,
            }
        }
        None => match cmd.text.as_deref().map(str::trim_start) {
            // a bare path that is the download (`Popen(path)` through a helper)
            Some(t) => t.starts_with('…') || interpreter(t) || cmd.labels.has(Labels::DL_PATH) && !t.contains(char::is_whitespace),
            None => true,
        },
    }
}

/// Decodes the argument of PowerShell `-EncodedCommand`/`-enc`.
fn powershell_encoded(cmd: &str) -> Option<String> {
    let lower = cmd.to_ascii_lowercase();
    let toks: Vec<&str> = cmd.split_whitespace().collect();
    let ltoks: Vec<&str> = lower.split_whitespace().collect();
    let i = ltoks.iter().position(|t| matches!(*t, "-encodedcommand" | "-enc" | "-e" | "-ec" | "-en" | "-enco" | "-encoded"))?;
    let arg = toks.get(i + 1)?.trim_matches(|c| c == '"' || c == '\'');
    let d = decode::decode_literal(arg.as_bytes())?;
    Some(decode::text(&d))
}

/// Lines a text may have and still be read as one command: a script passed to
/// `sh -c` is short. A longer text (a README in `long_description`, a docstring) is read
/// line by line, so words from different paragraphs ("curl", "start ") never add up
/// to a command no line of it holds.
const ONE_COMMAND_MAX_LINES: usize = 8;

/// The command of `text` that downloads and runs by itself, and why: the whole text
/// when it is short, else its first such line (lower-cased).
fn download_and_run_in_text(text: &str) -> Option<(String, &'static str)> {
    let lower = text.to_ascii_lowercase();
    if lower.lines().count() <= ONE_COMMAND_MAX_LINES {
        return shellcmd::download_and_run(&lower).map(|why| (lower, why));
    }
    lower.lines().find_map(|line| shellcmd::download_and_run(line).map(|why| (line.to_string(), why)))
}

pub(super) fn check(m: &Model, out: &mut Vec<Finding>) {
    for c in &m.calls {
        let where_ = m.scope(c.scope).describe();
        if names::exec_call(&c.q) && c.args.iter().any(|a| a.labels.has(Labels::NET)) {
            out.push(at(m, AlertId::DownloadExec, c.scope, c.line, format!("{}() runs code fetched from the network {where_}", c.q)));
            continue;
        }
        if is_run(&c.q) && runs_downloaded_file(c, m.ctx(c.scope) == ExecContext::Runtime) {
            out.push(at(m, AlertId::DownloadExec, c.scope, c.line, format!("{}() runs a file downloaded from the network {where_}", c.q)));
            continue;
        }
        // command-and-control: the whole command is a network response (`subprocess.run(
        // requests.get(C2).text, shell=True)`, or a loop over fetched commands)
        if names::shell_call(&c.q).is_some() {
            let cmd = c.args.first().or_else(|| c.kw("args")).or_else(|| c.kw("cmd"));
            let wholly_remote = cmd.map(|v| v.labels.has(Labels::NET) && v.list.is_none() && v.text.as_deref().map(|t| t.chars().all(|ch| ch == '…' || ch.is_whitespace())).unwrap_or(true)).unwrap_or(false);
            if wholly_remote {
                let through = c.via.as_deref().map(|f| format!(" (through `{f}()`)")).unwrap_or_default();
                out.push(at(m, AlertId::DownloadExec, c.scope, c.line, format!("{}(){through} runs a command received from the network {where_}", c.q)));
                continue;
            }
        }
        if names::shell_call(&c.q).is_some() || names::pip_main(&c.q) {
            if let Some(cmd) = c.command_text() {
                let lower = cmd.to_ascii_lowercase();
                if let Some(why) = shellcmd::download_and_run(&lower) {
                    out.push(at(m, AlertId::DownloadExec, c.scope, c.line, format!("{}() runs `{}` ({why}) {where_}", c.q, clip(&cmd))));
                    continue;
                }
                if let Some(inner) = powershell_encoded(&cmd) {
                    let il = inner.to_ascii_lowercase();
                    let why = shellcmd::download_and_run(&il).or_else(|| {
                        let fetch = il.contains("invoke-webrequest") || il.contains("iwr ") || il.contains("downloadfile") || il.contains("downloadstring") || il.contains("net.webclient");
                        let run = il.contains("invoke-expression") || il.contains("iex") || il.contains("start-process") || il.contains("invoke-item") || il.contains(".exe");
                        (fetch && run).then_some("encoded PowerShell downloads and runs")
                    });
                    if let Some(why) = why {
                        out.push(
                            at(m, AlertId::DownloadExec, c.scope, c.line, format!("{}() runs encoded PowerShell ({why}) {where_}", c.q))
                                .with_evidence(&clip(&inner)),
                        );
                        continue;
                    }
                }
            }
        }
    }
    // an executable fetched in encoded form (hex or base64 text on a paste or code host)
    // and written out decoded: the encoding exists to smuggle the binary past filters
    for w in &m.writes {
        let exe = w.path_text.as_deref().is_some_and(|p| {
            let l = p.to_ascii_lowercase();
            [".exe", ".dll", ".scr", ".msi", ".bat", ".ps1", ".vbs"].iter().any(|e| l.ends_with(e))
        });
        if exe && w.data.has(Labels::NET) && w.data.has(Labels::DECODED) {
            out.push(at(m, AlertId::DownloadExec, w.scope, w.line, format!("writes an executable it downloads in encoded form and decodes, `{}` {}", clip(w.path_text.as_deref().unwrap_or("")), m.scope(w.scope).describe())));
        }
    }
    // shell strings in install-time code that download and run, wherever they are passed
    for l in &m.literals {
        if m.ctx(l.scope) == ExecContext::Install && l.value.len() < 4000 {
            if let Some((cmd, why)) = download_and_run_in_text(&l.value) {
                if cmd.contains("/dev/tcp/") {
                    continue; // reverse-shell detector
                }
                out.push(at(m, AlertId::DownloadExec, l.scope, l.line, format!("command string `{}` ({why}) {}", clip(&cmd), m.scope(l.scope).describe())));
            }
        }
    }
    // effects split across helpers: fetch + write fetched bytes + run
    let shell_fetch = |c: &Call| {
        names::shell_call(&c.q).is_some()
            && c.command_text().map(|t| {
                let l = t.to_ascii_lowercase();
                ["curl ", "wget ", "invoke-webrequest", "iwr ", "bitsadmin", "certutil", "downloadfile"].iter().any(|k| l.contains(k))
            }).unwrap_or(false)
    };
    let any_fetch = m.calls.iter().any(|c| names::network_call(&c.q).is_some() && names::is_fetch(&c.q) || shell_fetch(c));
    let any_write = m.writes.iter().any(|w| w.data.has(Labels::NET)) || m.calls.iter().any(shell_fetch);
    if !(any_fetch && any_write) {
        return;
    }
    for (i, s) in m.scopes.iter().enumerate() {
        // at runtime only a hard-coded executable/script download counts (build tools
        // and downloaders fetch computed URLs and run other programs)
        let is_payload_url = |u: &str| {
            let l = u.to_ascii_lowercase();
            let path = l.split(['?', '#']).next().unwrap_or("");
            (l.starts_with("http://") || l.starts_with("https://"))
                && ([".exe", ".bat", ".ps1", ".vbs", ".scr", ".msi", ".dll", ".sh", ".py", ".jar"].iter().any(|e| path.ends_with(e)) || shellcmd::has_raw_ip_url(&l))
        };
        let runtime = s.ctx == ExecContext::Runtime && m.role != FileRole::Auxiliary;
        let scopes = m.reachable(i);
        let payload_lit = runtime && m.literals.iter().any(|l| scopes.contains(&l.scope) && is_payload_url(&l.value));
        // fetched bytes written to a named script/executable that a later command runs
        let written_and_run = runtime
            && m.writes.iter().any(|w| {
                scopes.contains(&w.scope)
                    && w.data.has(Labels::NET)
                    && w.path_text.as_deref().map(|p| {
                        let base = p.rsplit(['/', '\\']).next().unwrap_or(p).to_ascii_lowercase();
                        [".py", ".exe", ".sh", ".bat", ".ps1", ".vbs"].iter().any(|e| base.ends_with(e))
                            && m.calls.iter().any(|c| {
                                scopes.contains(&c.scope)
                                    && names::shell_call(&c.q).is_some()
                                    && c.command_text().map(|t| t.to_ascii_lowercase().contains(&base)).unwrap_or(false)
                            })
                    }).unwrap_or(false)
            });
        let payload_url = |c: &Call| payload_lit || written_and_run || c.args.first().and_then(|a| a.text.as_deref()).map(is_payload_url).unwrap_or(false);
        let fetch = m.calls.iter().find(|c| {
            scopes.contains(&c.scope) && (names::network_call(&c.q).is_some() && names::is_fetch(&c.q) || shell_fetch(c)) && (!runtime || payload_url(c))
        });
        let Some(fetch) = fetch else { continue };
        // a shell downloader (`curl -o`, `wget`) writes the file itself
        let wrote = m.calls.iter().any(|c| scopes.contains(&c.scope) && shell_fetch(c)) || m.writes.iter().any(|w| scopes.contains(&w.scope) && w.data.has(Labels::NET));
        if !wrote {
            continue;
        }
        // chmod alone prepares a file (a driver installer does that); running is
        // starting it — and at runtime it must be the downloaded file that is started
        let run = m.calls.iter().find(|c| {
            scopes.contains(&c.scope) && names::shell_call(&c.q).is_some() && !shell_fetch(c) && (!runtime || written_and_run || runs_downloaded_file(c, true))
        });
        if let Some(run) = run {
            // only the entry point that reaches everything, not each helper
            if m.is_called(i) {
                continue;
            }
            out.push(at(
                m,
                AlertId::DownloadExec,
                run.scope,
                run.line,
                format!("downloads with {}() (line {}), writes the bytes to a file and runs {}() {}", fetch.q, fetch.line, run.q, m.scope(i).describe()),
            ));
        }
    }
}
