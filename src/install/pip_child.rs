//! The pip process of the target interpreter, driven through a small embedded script
//! (pip_child.py): it first reports pip's *own* reading of the user's options (pip's
//! parser: command line > `PIP_*` > config files), waits while safe-pip checks and starts
//! the proxy, then re-checks the final arguments with pip's parser and runs pip as
//! `python -m pip install` would. One interpreter start instead of two keeps the
//! wrapper's overhead small.

use serde::Deserialize;
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStderr, ChildStdin, ChildStdout, Command, Stdio};

const SCRIPT: &str = include_str!("pip_child.py");
const MARK: &str = "@@safe-pip:";

/// pip's effective install options as its parser saw them.
#[derive(Clone, Debug, Default, Deserialize)]
pub(crate) struct PipOptions {
    pub pip_version: Option<String>,
    pub index_url: Option<String>,
    #[serde(default)]
    pub extra_index_urls: Vec<String>,
    #[serde(default)]
    pub find_links: Vec<String>,
    #[serde(default)]
    pub no_index: bool,
    #[serde(default)]
    pub trusted_hosts: Vec<String>,
    pub cert: Option<String>,
    pub client_cert: Option<String>,
    pub proxy: Option<String>,
    pub timeout: Option<f64>,
    pub retries: Option<u32>,
}

/// What the child reported first.
#[derive(Debug)]
pub(crate) enum Reported {
    Options(PipOptions),
    /// pip's parser exited (usage error or `--help`); it already printed why.
    ParserExit(i32),
    /// pip's parser could not be used (`pip_missing`: pip is not installed at all).
    Unavailable { error: String, pip_missing: bool },
}

#[derive(Deserialize)]
struct RawReport {
    error: Option<String>,
    exit: Option<i32>,
    #[serde(default)]
    pip_missing: bool,
    #[serde(flatten)]
    options: PipOptions,
}

/// The result of pip's own check of the final arguments.
#[derive(Clone, Debug, Default, Deserialize)]
pub(crate) struct FinalCheck {
    pub ok: bool,
    #[serde(default)]
    pub problems: Vec<String>,
}

/// What to run: pip's arguments (starting with `install`) and its environment changes.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub(crate) struct RunPlan {
    pub argv: Vec<String>,
    pub env: BTreeMap<String, String>,
    pub unset: Vec<String>,
    /// Every index pip may use starts with this (the proxy's base URL).
    pub proxy: String,
    /// The only find-links locations pip may use.
    pub find_links: Vec<String>,
    /// Requirements files must live under this folder (the rewritten copies).
    pub requirements_dir: String,
    /// False when pip's parser is unavailable and safe-pip's own reading is used instead.
    pub verify: bool,
}

#[derive(Debug, thiserror::Error)]
pub(crate) enum ChildError {
    #[error("cannot start {}: {source}", python.display())]
    Spawn { python: PathBuf, source: std::io::Error },
    #[error("{} ended before reporting pip's options (exit status {status:?})", python.display())]
    Ended { python: PathBuf, status: Option<i32> },
    #[error("cannot talk to the pip process: {0}")]
    Pipe(String),
}

impl crate::error::Hint for ChildError {
    fn hint(&self) -> String {
        match self {
            ChildError::Spawn { .. } => "pass the interpreter to install into with --python PATH (a python executable or a virtualenv folder)".into(),
            ChildError::Ended { .. } => "run `<python> -m pip --version` to see whether pip works in that interpreter".into(),
            ChildError::Pipe(_) => "this is unexpected; rerun, and report it if it persists".into(),
        }
    }
}

/// Where a line of pip's stderr goes (from its own thread).
pub(crate) type LineSink = dyn Fn(&str) + Send + Sync;

/// A running pip child, before and after it was told to run. Dropping it before
/// [`PipChild::run`] ends the child without running pip (it has only been reading pip's
/// options), so every early return of an install ends it.
pub(crate) struct PipChild {
    python: PathBuf,
    child: Child,
    stdin: Option<ChildStdin>,
    stdout: BufReader<ChildStdout>,
    stderr: Option<ChildStderr>,
    stderr_thread: Option<std::thread::JoinHandle<()>>,
}

impl PipChild {
    /// Starts the child with the user's pip arguments (without `install`) and the
    /// unchanged environment, so pip reads the user's configuration as it would alone.
    pub(crate) fn spawn(python: &Path, pip_args: &[String]) -> Result<PipChild, ChildError> {
        let mut child = Command::new(python)
            .arg("-c")
            .arg(SCRIPT)
            .args(pip_args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|source| ChildError::Spawn { python: python.to_path_buf(), source })?;
        let stdin = child.stdin.take();
        let stdout = BufReader::new(child.stdout.take().ok_or_else(|| ChildError::Pipe("no stdout".into()))?);
        let stderr = child.stderr.take();
        Ok(PipChild { python: python.to_path_buf(), child, stdin, stdout, stderr, stderr_thread: None })
    }

    /// Reads stdout until the marked line `kind`; other lines go to `sink`.
    fn read_marked(&mut self, kind: &str, sink: &dyn Fn(&str)) -> Result<Option<String>, ChildError> {
        let prefix = format!("{MARK}{kind}@@ ");
        let mut line = String::new();
        loop {
            line.clear();
            let n = self.stdout.read_line(&mut line).map_err(|e| ChildError::Pipe(e.to_string()))?;
            if n == 0 {
                return Ok(None);
            }
            match line.strip_prefix(&prefix) {
                Some(json) => return Ok(Some(json.trim_end().to_string())),
                None => sink(line.trim_end_matches(['\n', '\r'])),
            }
        }
    }

    /// pip's effective options. Lines pip prints meanwhile (e.g. `--help`) go to `sink`,
    /// its stderr to `err_sink` (in a thread, until the child ends).
    pub(crate) fn options(&mut self, sink: &dyn Fn(&str), err_sink: std::sync::Arc<LineSink>) -> Result<Reported, ChildError> {
        if let Some(stderr) = self.stderr.take() {
            self.stderr_thread = Some(std::thread::spawn(move || {
                for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                    err_sink(&line);
                }
            }));
        }
        let Some(json) = self.read_marked("options", sink)? else {
            let status = self.child.wait().ok().and_then(|s| s.code());
            return Err(ChildError::Ended { python: self.python.clone(), status });
        };
        let raw: RawReport = serde_json::from_str(&json).map_err(|e| ChildError::Pipe(format!("bad options report: {e}")))?;
        Ok(match (raw.exit, raw.error) {
            (Some(code), _) => Reported::ParserExit(code),
            (None, Some(error)) => Reported::Unavailable { error, pip_missing: raw.pip_missing },
            (None, None) => Reported::Options(raw.options),
        })
    }

    fn join_stderr(&mut self) {
        if let Some(t) = self.stderr_thread.take() {
            let _ = t.join();
        }
    }

    fn send(&mut self, msg: &serde_json::Value) -> Result<(), ChildError> {
        let mut stdin = self.stdin.take().ok_or_else(|| ChildError::Pipe("stdin already closed".into()))?;
        let mut line = msg.to_string();
        line.push('\n');
        stdin.write_all(line.as_bytes()).map_err(|e| ChildError::Pipe(e.to_string()))?;
        Ok(())
    }

    /// Runs pip with `plan`; pip's stdout lines go to `sink` as they come. Returns pip's
    /// final check and exit status (`None` when killed by a signal).
    pub(crate) fn run(mut self, plan: &RunPlan, sink: &dyn Fn(&str)) -> Result<(FinalCheck, Option<i32>), ChildError> {
        // From here pip handles Ctrl-C itself ("Operation cancelled by user"); safe-pip
        // waits for it and reports what was checked.
        let _running = crate::interrupt::ChildRunning::new();
        let mut msg = serde_json::to_value(plan).map_err(|e| ChildError::Pipe(e.to_string()))?;
        msg["run"] = serde_json::Value::Bool(true);
        self.send(&msg)?;
        let check = match self.read_marked("check", sink)? {
            Some(json) => serde_json::from_str(&json).map_err(|e| ChildError::Pipe(format!("bad check report: {e}")))?,
            None => FinalCheck { ok: false, problems: vec!["the pip process ended before checking its arguments".into()] },
        };
        let mut line = String::new();
        loop {
            line.clear();
            match self.stdout.read_line(&mut line) {
                Ok(0) | Err(_) => break,
                Ok(_) => sink(line.trim_end_matches(['\n', '\r'])),
            }
        }
        let status = self.child.wait().map_err(|e| ChildError::Pipe(e.to_string()))?;
        self.join_stderr();
        Ok((check, status.code()))
    }
}

impl Drop for PipChild {
    fn drop(&mut self) {
        // Never leave a waiting child behind (it would block on its control pipe).
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
        self.join_stderr();
    }
}
