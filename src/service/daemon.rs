//! The service process: `safe-pip service run` serves the proxy in the foreground until
//! SIGTERM/SIGINT; `start` launches it detached (own session, output to the log file)
//! and waits until `/health` answers; `stop` ends it by the pid in its pid file (after
//! checking that pid is this service); `status` asks `/health`. Each file decision goes to
//! the service log and to the verdict log ([`verdict_log`], read by `safe-pip service log`).

use super::config::ServiceConfig;
use super::{ServiceError, state_dir, verdict_log, write_file};
use crate::install::guard;
use crate::proxy::{self, ProxyConfig, ProxyEvent};
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// How long `start` waits for the service to answer, and `stop` for it to end.
const WAIT: Duration = Duration::from_secs(20);

pub(crate) fn pid_file(state: &Path) -> PathBuf {
    state.join("service.pid")
}

pub(crate) fn log_file(state: &Path) -> PathBuf {
    state.join("service.log")
}

/// The pid file's content.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct PidInfo {
    pub pid: u32,
    pub port: u16,
}

impl PidInfo {
    pub(crate) fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

fn read_pid(state: &Path) -> Option<PidInfo> {
    serde_json::from_slice(&std::fs::read(pid_file(state)).ok()?).ok()
}

#[cfg(unix)]
fn alive(pid: u32) -> bool {
    // SAFETY: kill with signal 0 only checks that the process exists.
    unsafe { libc::kill(pid as libc::pid_t, 0) == 0 }
}

#[cfg(not(unix))]
fn alive(_pid: u32) -> bool {
    false
}

/// On Linux, whether `pid` is a `safe-pip … service run` process (a recycled pid is not
/// ours to signal). Elsewhere the pid file is trusted.
fn is_service_process(pid: u32) -> bool {
    match std::fs::read(format!("/proc/{pid}/cmdline")) {
        Ok(raw) => {
            let args: Vec<String> = raw.split(|b| *b == 0).map(|a| String::from_utf8_lossy(a).into_owned()).collect();
            args.windows(2).any(|w| w[0] == "service" && w[1] == "run")
        }
        Err(_) => !cfg!(target_os = "linux"),
    }
}

/// What `status` found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Status {
    /// Answering: its pid file, and the upstreams `/health` reported.
    Running { info: PidInfo, upstreams: Vec<String> },
    /// A live process whose `/health` does not answer (starting, or stuck).
    Unhealthy { info: PidInfo, detail: String },
    NotRunning,
}

/// Why the service did not pass its health check.
#[derive(Debug, thiserror::Error)]
enum HealthError {
    #[error(transparent)]
    Request(#[from] reqwest::Error),
    #[error("HTTP {0}")]
    Status(u16),
}

/// `/health` of the service at `url`: the upstream indexes it reports.
fn health(url: &str) -> Result<Vec<String>, HealthError> {
    let client = reqwest::blocking::Client::builder().no_proxy().timeout(Duration::from_secs(3)).build()?;
    let resp = client.get(format!("{url}/health")).send()?;
    if !resp.status().is_success() {
        return Err(HealthError::Status(resp.status().as_u16()));
    }
    let doc: serde_json::Value = resp.json()?;
    Ok(doc["upstreams"].as_array().map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_string)).collect()).unwrap_or_default())
}

pub(crate) fn status() -> Result<Status, ServiceError> {
    let state = state_dir()?;
    let Some(info) = read_pid(&state) else { return Ok(Status::NotRunning) };
    if !alive(info.pid) || !is_service_process(info.pid) {
        let _ = std::fs::remove_file(pid_file(&state)); // stale
        return Ok(Status::NotRunning);
    }
    Ok(match health(&info.url()) {
        Ok(upstreams) => Status::Running { info, upstreams },
        Err(e) => Status::Unhealthy { info, detail: e.to_string() },
    })
}

/// The command that runs the service: this binary, or `python -m safe_pip` when running
/// inside the Python package.
fn service_command(port: u16, db: Option<&Path>) -> Result<std::process::Command, ServiceError> {
    let mut cmd = match crate::install::interpreter::front_python() {
        Some(python) => {
            let mut c = std::process::Command::new(python);
            c.args(["-m", "safe_pip"]);
            c
        }
        None => std::process::Command::new(std::env::current_exe().map_err(ServiceError::NoExecutable)?),
    };
    cmd.args(["service", "run", "--port", &port.to_string()]);
    if let Some(db) = db {
        cmd.arg("--db").arg(db);
    }
    Ok(cmd)
}

/// Starts the service detached and waits until it answers.
pub(crate) fn start(port: Option<u16>, db: Option<&Path>) -> Result<PidInfo, ServiceError> {
    let state = state_dir()?;
    match status()? {
        Status::Running { info, .. } => return Ok(info),
        Status::Unhealthy { info, detail } => {
            return Err(ServiceError::Unhealthy { pid: info.pid, detail });
        }
        Status::NotRunning => {}
    }
    let port = match port {
        Some(p) => p,
        None => ServiceConfig::load(&state)?.port,
    };
    std::fs::create_dir_all(&state).map_err(ServiceError::io("cannot create", &state))?;
    let log_path = log_file(&state);
    rotate_log(&log_path);
    let log = std::fs::OpenOptions::new().create(true).append(true).open(&log_path).map_err(ServiceError::io("cannot open", &log_path))?;
    let err_log = log.try_clone().map_err(ServiceError::io("cannot open", &log_path))?;
    let log_start = std::fs::metadata(&log_path).map(|m| m.len()).unwrap_or(0);
    let mut cmd = service_command(port, db)?;
    cmd.stdin(std::process::Stdio::null()).stdout(log).stderr(err_log);
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        // SAFETY: setsid is async-signal-safe; the child leaves the terminal's session so
        // closing the terminal or Ctrl-C there does not stop the service.
        unsafe {
            cmd.pre_exec(|| {
                libc::setsid();
                Ok(())
            });
        }
    }
    let mut child = cmd.spawn().map_err(ServiceError::Spawn)?;
    let url = format!("http://127.0.0.1:{port}");
    let deadline = Instant::now() + WAIT;
    loop {
        if let Ok(Some(exit)) = child.try_wait() {
            return Err(ServiceError::ExitedAtStart { exit: exit.to_string(), log: log_tail(&log_path, log_start) });
        }
        if health(&url).is_ok() {
            if let Some(info) = read_pid(&state) {
                return Ok(info);
            }
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            return Err(ServiceError::NoAnswer { url, seconds: WAIT.as_secs(), log: log_tail(&log_path, log_start) });
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The service log is started afresh (the old one kept as `service.log.1`) when a start
/// finds it over this size.
const MAX_LOG_BYTES: u64 = 8 * 1024 * 1024;

fn rotate_log(path: &Path) {
    if std::fs::metadata(path).is_ok_and(|m| m.len() > MAX_LOG_BYTES) {
        let _ = std::fs::rename(path, path.with_extension("log.1"));
    }
}

/// What the service logged since `from` (its last lines), for error messages.
fn log_tail(path: &Path, from: u64) -> String {
    let text = std::fs::read(path).map(|b| String::from_utf8_lossy(&b[(from as usize).min(b.len())..]).into_owned()).unwrap_or_default();
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    let tail = lines[lines.len().saturating_sub(4)..].join(" / ");
    if tail.is_empty() { format!("see {}", path.display()) } else { tail }
}

/// Stops the service; `Ok(None)` when it was not running.
pub(crate) fn stop() -> Result<Option<PidInfo>, ServiceError> {
    let state = state_dir()?;
    let Some(info) = read_pid(&state) else { return Ok(None) };
    if !alive(info.pid) || !is_service_process(info.pid) {
        let _ = std::fs::remove_file(pid_file(&state));
        return Ok(None);
    }
    #[cfg(unix)]
    // SAFETY: signalling a pid verified above to be the service process.
    unsafe {
        libc::kill(info.pid as libc::pid_t, libc::SIGTERM);
    }
    let deadline = Instant::now() + WAIT;
    while alive(info.pid) && is_service_process(info.pid) {
        if Instant::now() > deadline {
            return Err(ServiceError::DidNotStop { pid: info.pid, seconds: WAIT.as_secs() });
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = std::fs::remove_file(pid_file(&state));
    Ok(Some(info))
}

/// The upstreams the service proxies: `service.json` (written by setup from the
/// configuration before setup), else pip's configuration, else PyPI — never itself.
pub(crate) fn upstreams(cfg: &ServiceConfig) -> Vec<String> {
    let mut list: Vec<String> = cfg.upstreams.iter().filter(|u| !cfg.is_self(u)).cloned().collect();
    if list.is_empty() {
        if let Ok(s) = crate::index::discover(&crate::index::DiscoveryInputs::from_process(&["install".to_string()])) {
            list = s.indexes().into_iter().filter(|u| !cfg.is_self(u)).map(str::to_string).collect();
        }
    }
    if list.is_empty() {
        list.push(crate::index::PYPI_SIMPLE.to_string());
    }
    list
}

#[cfg(unix)]
fn block_termination_signals() -> libc::sigset_t {
    // SAFETY: plain libc signal-mask calls on a local set. Blocking before the proxy's
    // threads start makes them inherit the mask, so only `sigwait` below sees the signal.
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        for s in [libc::SIGTERM, libc::SIGINT, libc::SIGHUP] {
            libc::sigaddset(&mut set, s);
        }
        libc::pthread_sigmask(libc::SIG_BLOCK, &set, std::ptr::null_mut());
        set
    }
}

fn log(line: &str) {
    let now = crate::analysis::metadata::time::format_datetime(crate::db::now());
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "{now} {}", crate::report::Esc(line));
    let _ = err.flush();
}

/// One line in the service log, one entry in the verdict log (`safe-pip service log`).
fn log_event(verdicts: &verdict_log::Writer, e: &ProxyEvent) {
    let entry = verdict_log::Entry::from_event(e, crate::db::now());
    log(&format!(
        "{} {} ({}, risk {}): {}",
        entry.verdict.as_str(),
        crate::proxy::reason_phrase(&entry.file),
        entry.source,
        entry.risk,
        crate::proxy::reason_phrase(&entry.reason)
    ));
    if let Err(err) = verdicts.append(&entry) {
        log(&format!("cannot write the verdict log: {err}"));
    }
}

/// `safe-pip service run`: serves until SIGTERM/SIGINT/SIGHUP; the pid file exists while
/// it serves.
pub(crate) fn run(port: Option<u16>, db: Option<PathBuf>) -> Result<(), ServiceError> {
    let state = state_dir()?;
    let cfg = ServiceConfig::load(&state)?;
    let port = port.unwrap_or(cfg.port);
    let upstreams = upstreams(&ServiceConfig { port, ..cfg });
    let index = proxy::settings_for(&upstreams)?;
    #[cfg(unix)]
    let signals = block_termination_signals();
    // Org and user settings apply (no project: the service serves every project), and
    // internal names from SAFE_PIP_INTERNAL.
    std::fs::create_dir_all(&state).map_err(ServiceError::io("cannot create", &state))?;
    let gate = guard::project_gate(db.as_deref(), Some(&state), &index, guard::internal_from_env())?;
    let mut pc = ProxyConfig::new(index, gate);
    pc.bind = SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), port);
    let verdicts = verdict_log::Writer::new(&state);
    pc.on_event = Some(std::sync::Arc::new(move |e: &ProxyEvent| log_event(&verdicts, e)));
    // Always on: keep no events in memory; a file installed again later is logged again.
    pc.retain_events = false;
    let running = proxy::start(pc)?;
    let info = PidInfo { pid: std::process::id(), port };
    let text = serde_json::to_vec(&info).map_err(|source| ServiceError::Encode { what: "the pid file", source })?;
    write_file(&pid_file(&state), &text, true)?;
    log(&format!("safe-pip service {} listening on {} (pid {})", env!("CARGO_PKG_VERSION"), running.url(), info.pid));
    for (k, u) in running.upstreams().iter().enumerate() {
        log(&format!("  upstream {k}: {u} -> {}", running.index_url(k)));
    }
    #[cfg(unix)]
    {
        let mut sig: libc::c_int = 0;
        // SAFETY: waits for one of the signals blocked above.
        unsafe { libc::sigwait(&signals, &mut sig) };
        log(&format!("signal {sig}: stopping"));
    }
    #[cfg(not(unix))]
    {
        let _ = std::io::Read::read_to_end(&mut std::io::stdin(), &mut Vec::new());
    }
    running.stop();
    if read_pid(&state).is_some_and(|p| p.pid == info.pid) {
        let _ = std::fs::remove_file(pid_file(&state));
    }
    log("stopped");
    Ok(())
}
