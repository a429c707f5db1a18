//! A progress line on stderr while the proxy fetches and analyses files, drawn below
//! pip's own output (hidden when stderr is not a terminal, or with `--quiet`). pip's
//! lines are printed through it so the two never overwrite each other.

use super::outcome::CheckedFile;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::{IsTerminal, Write};
use std::sync::Mutex;
use std::time::Duration;

pub(crate) struct Progress {
    bar: Option<ProgressBar>,
    /// pip's stdout goes to our stderr (`--format json` keeps stdout for the document).
    stdout_to_stderr: bool,
    /// Paths pip knows only as safe-pip's private copies (rewritten requirements files),
    /// shown in pip's lines as the user's own paths: (copy, user's path).
    renames: Mutex<Vec<(String, String)>>,
}

impl Progress {
    pub(crate) fn new(visible: bool, stdout_to_stderr: bool) -> Progress {
        let bar = (visible && std::io::stderr().is_terminal()).then(|| {
            let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
            bar.set_style(ProgressStyle::with_template("{spinner} safe-pip: {msg}").unwrap_or_else(|_| ProgressStyle::default_spinner()));
            bar.set_message("starting pip…");
            bar.enable_steady_tick(Duration::from_millis(120));
            bar
        });
        Progress { bar, stdout_to_stderr, renames: Mutex::new(Vec::new()) }
    }

    /// From now on, pip's lines name `copy` as `original` (longest copy path first, so a
    /// path is never replaced inside a longer one).
    pub(crate) fn rename_in_pip_output(&self, copy: &std::path::Path, original: &std::path::Path) {
        let mut renames = self.renames.lock().unwrap_or_else(|e| e.into_inner());
        renames.push((copy.display().to_string(), original.display().to_string()));
        renames.sort_by_key(|(copy, _)| std::cmp::Reverse(copy.len()));
    }

    fn renamed<'a>(&self, line: &'a str) -> std::borrow::Cow<'a, str> {
        let renames = self.renames.lock().unwrap_or_else(|e| e.into_inner());
        let mut out = std::borrow::Cow::Borrowed(line);
        for (copy, original) in renames.iter() {
            if out.contains(copy.as_str()) {
                out = std::borrow::Cow::Owned(out.replace(copy.as_str(), original));
            }
        }
        out
    }

    fn print(&self, line: &str, to_stderr: bool) {
        let line = self.renamed(line);
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
    pub(crate) fn visible(&self) -> bool {
        self.bar.is_some()
    }

    /// A line pip wrote to its stdout.
    pub(crate) fn pip_stdout(&self, line: &str) {
        self.print(line, self.stdout_to_stderr);
    }

    /// A line pip wrote to its stderr.
    pub(crate) fn pip_stderr(&self, line: &str) {
        self.print(line, true);
    }

    /// Shows how many files were checked so far and the latest one.
    pub(crate) fn update(&self, files: &[CheckedFile]) {
        let Some(bar) = &self.bar else { return };
        let blocked = files.iter().filter(|f| f.blocked()).count();
        let last = files.last().map(|f| format!(" · {}", crate::report::Esc(&f.report.filename))).unwrap_or_default();
        let blocked = if blocked > 0 { format!(", {blocked} blocked") } else { String::new() };
        bar.set_message(format!("{} file{} checked{blocked}{last}", files.len(), if files.len() == 1 { "" } else { "s" }));
    }

    /// What the proxy is doing right now.
    pub(crate) fn activity(&self, what: &str) {
        if let Some(bar) = &self.bar {
            bar.set_message(crate::report::escape_terminal(what).into_owned());
        }
    }

    pub(crate) fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    #[test]
    fn pip_lines_name_the_users_file_not_the_private_copy() {
        let p = Progress::new(false, false);
        p.rename_in_pip_output(Path::new("/tmp/safe-pip-install-x/requirements/r0/requirements.txt"), Path::new("requirements.txt"));
        p.rename_in_pip_output(Path::new("/tmp/safe-pip-install-x/requirements/r1/dev.txt"), Path::new("reqs/dev.txt"));
        assert_eq!(
            p.renamed("ERROR: Invalid requirement: 'x==' (from line 2 of /tmp/safe-pip-install-x/requirements/r0/requirements.txt)"),
            "ERROR: Invalid requirement: 'x==' (from line 2 of requirements.txt)"
        );
        assert_eq!(p.renamed("-r /tmp/safe-pip-install-x/requirements/r1/dev.txt (line 3)"), "-r reqs/dev.txt (line 3)");
        assert_eq!(p.renamed("Collecting six"), "Collecting six");
    }
}
