//! A progress line on stderr while the proxy fetches and analyses files, drawn below
//! pip's own output (hidden when stderr is not a terminal, or with `--quiet`). pip's
//! lines are printed through it so the two never overwrite each other.

use super::outcome::CheckedFile;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::{IsTerminal, Write};
use std::time::Duration;

pub struct Progress {
    bar: Option<ProgressBar>,
    /// pip's stdout goes to our stderr (`--format json` keeps stdout for the document).
    stdout_to_stderr: bool,
}

impl Progress {
    pub fn new(visible: bool, stdout_to_stderr: bool) -> Progress {
        let bar = (visible && std::io::stderr().is_terminal()).then(|| {
            let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
            bar.set_style(ProgressStyle::with_template("{spinner} safe-pip: {msg}").unwrap_or_else(|_| ProgressStyle::default_spinner()));
            bar.set_message("starting pip…");
            bar.enable_steady_tick(Duration::from_millis(120));
            bar
        });
        Progress { bar, stdout_to_stderr }
    }

    fn print(&self, line: &str, to_stderr: bool) {
        let write = || {
            if to_stderr {
                let _ = writeln!(std::io::stderr().lock(), "{line}");
            } else {
                let _ = writeln!(std::io::stdout().lock(), "{line}");
            }
        };
        match &self.bar {
            Some(bar) => bar.suspend(write),
            None => write(),
        }
    }

    /// Whether a progress line is drawn at all.
    pub fn visible(&self) -> bool {
        self.bar.is_some()
    }

    /// A line pip wrote to its stdout.
    pub fn pip_stdout(&self, line: &str) {
        self.print(line, self.stdout_to_stderr);
    }

    /// A line pip wrote to its stderr.
    pub fn pip_stderr(&self, line: &str) {
        self.print(line, true);
    }

    /// Shows how many files were checked so far and the latest one.
    pub fn update(&self, files: &[CheckedFile]) {
        let Some(bar) = &self.bar else { return };
        let blocked = files.iter().filter(|f| f.blocked()).count();
        let last = files.last().map(|f| format!(" · {}", f.report.filename)).unwrap_or_default();
        let blocked = if blocked > 0 { format!(", {blocked} blocked") } else { String::new() };
        bar.set_message(format!("{} file{} checked{blocked}{last}", files.len(), if files.len() == 1 { "" } else { "s" }));
    }

    /// What the proxy is doing right now.
    pub fn activity(&self, what: &str) {
        if let Some(bar) = &self.bar {
            bar.set_message(what.to_string());
        }
    }

    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
