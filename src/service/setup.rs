//! `safe-pip setup pip|uv|poetry [--undo]`: points the installer's own user
//! configuration at the service, remembering the indexes it used before (they become
//! the service's upstreams) and the file as it was (for `--undo`).
//!
//! - pip: the file pip reads last — `$PIP_CONFIG_FILE` when set (pip then reads no user
//!   file), else the user file (`~/.config/pip/pip.conf`, `$XDG_CONFIG_HOME/pip/pip.conf`;
//!   `%APPDATA%\pip\pip.ini` on Windows). `PIP_INDEX_URL`/`PIP_EXTRA_INDEX_URL` in the
//!   environment and a virtualenv's own pip.conf still win over it: setup says so.
//! - uv: `$UV_CONFIG_FILE` when set, else `~/.config/uv/uv.toml`
//!   (`$XDG_CONFIG_HOME/uv/uv.toml`; `%APPDATA%\uv\uv.toml` on Windows).
//! - Poetry keeps package sources per project (pyproject.toml); there is no user-level
//!   index to change. Setup changes nothing and explains the plugin instead.

use super::backup::{self, Restored};
use super::config::ServiceConfig;
use super::daemon::{self, Status};
use super::{ServiceError, pip_conf, state_dir, uv_toml};
use crate::index::{DiscoveryInputs, discover, redact};
use std::path::PathBuf;

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Tool {
    Pip,
    Uv,
    Poetry,
}

impl Tool {
    pub fn name(self) -> &'static str {
        match self {
            Tool::Pip => "pip",
            Tool::Uv => "uv",
            Tool::Poetry => "poetry",
        }
    }
}

/// What setup did and what the user should know.
#[derive(Clone, Debug, Default)]
pub(crate) struct SetupReport {
    /// The file written (none for Poetry).
    pub file: Option<PathBuf>,
    pub lines: Vec<String>,
    /// Things that still bypass the service or need doing.
    pub warnings: Vec<String>,
}

fn env_nonempty(k: &str) -> Option<String> {
    std::env::var(k).ok().filter(|v| !v.trim().is_empty())
}

/// The pip config file setup edits.
pub(crate) fn pip_target() -> Result<PathBuf, ServiceError> {
    if let Some(f) = env_nonempty("PIP_CONFIG_FILE") {
        let devnull = if cfg!(windows) { f.eq_ignore_ascii_case("nul") } else { f == "/dev/null" };
        if devnull {
            return Err(ServiceError::PipConfigIsNull);
        }
        return Ok(PathBuf::from(f));
    }
    let inputs = DiscoveryInputs::from_process(&[]);
    inputs
        .config_files()
        .into_iter()
        .filter(|(k, _)| *k == crate::index::config::FileKind::User)
        .map(|(_, p)| p)
        .next_back()
        .ok_or(ServiceError::NoStateDir)
}

/// The uv config file setup edits.
pub(crate) fn uv_target() -> Result<PathBuf, ServiceError> {
    if let Some(f) = env_nonempty("UV_CONFIG_FILE") {
        return Ok(PathBuf::from(f));
    }
    let base = if cfg!(windows) {
        env_nonempty("APPDATA").map(PathBuf::from)
    } else {
        env_nonempty("XDG_CONFIG_HOME").map(PathBuf::from).or_else(|| env_nonempty("HOME").map(|h| PathBuf::from(h).join(".config")))
    };
    base.map(|b| b.join("uv").join("uv.toml")).ok_or(ServiceError::NoStateDir)
}

fn read_text(path: &std::path::Path) -> Result<String, ServiceError> {
    match std::fs::read(path) {
        Ok(b) => String::from_utf8(b).map_err(|_| ServiceError::Invalid { path: path.to_path_buf(), detail: "not UTF-8 text".into() }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(String::new()),
        Err(e) => Err(ServiceError::Io { what: "cannot read", path: path.to_path_buf(), source: e }),
    }
}

pub(crate) fn setup(tool: Tool, port: Option<u16>) -> Result<SetupReport, ServiceError> {
    let state = state_dir()?;
    let mut cfg = ServiceConfig::load(&state)?;
    if let Some(p) = port {
        cfg.port = p;
    }
    let mut report = match tool {
        Tool::Pip => setup_pip(&state, &mut cfg)?,
        Tool::Uv => setup_uv(&state, &mut cfg)?,
        Tool::Poetry => return Ok(poetry_advice(&cfg)),
    };
    cfg.save(&state)?;
    for (k, u) in cfg.upstreams.iter().enumerate() {
        report.lines.push(format!("upstream {k}: {} -> {}", redact(u), cfg.route_url(k)));
    }
    report.lines.push(format!(
        "{} shows a blocked file's reason (HTTP 403) but never the service's warnings: `safe-pip service log` lists what it blocked, warned about and allowed",
        tool.name()
    ));
    match daemon::status()? {
        Status::Running { info, upstreams } => {
            let wanted: Vec<String> = cfg.upstreams.iter().map(|u| redact(u)).collect();
            if info.port != cfg.port || upstreams != wanted {
                report.warnings.push(format!(
                    "the running service (port {}) serves other indexes; restart it: safe-pip service stop && safe-pip service start",
                    info.port
                ));
            } else {
                report.lines.push(format!("the service is running on {}", info.url()));
            }
        }
        _ => report.warnings.push(format!(
            "the service is not running: start it with `safe-pip service start` ({} fails until then, it never bypasses the checks)",
            tool.name()
        )),
    }
    Ok(report)
}

fn setup_pip(state: &std::path::Path, cfg: &mut ServiceConfig) -> Result<SetupReport, ServiceError> {
    let target = pip_target()?;
    // The indexes pip uses now (files, environment) become the service's upstreams.
    let before = discover(&DiscoveryInputs::from_process(&["install".to_string()]))?;
    let mut routes: Vec<String> = Vec::new();
    for url in before.indexes() {
        match cfg.route_for(url) {
            Some(k) => routes.push(cfg.route_url(k)),
            // Already a route of the service (setup run again): keep it.
            None => routes.push(url.to_string()),
        }
    }
    if routes.is_empty() {
        // `no-index` configured: pip installs from nothing but find-links; use PyPI.
        let k = cfg.route_for(crate::index::PYPI_SIMPLE).unwrap_or(0);
        routes.push(cfg.route_url(k));
    }
    let text = read_text(&target)?;
    let new = pip_conf::point_at(&text, &routes[0], &routes[1..], cfg.port);
    backup::replace(state, "pip", &target, new.as_bytes())?;
    let mut report = SetupReport { file: Some(target.clone()), ..SetupReport::default() };
    report.lines.push(format!("pip: {} now sends pip to the safe-pip service ({})", target.display(), routes[0]));
    // What still wins over this file.
    let after = discover(&DiscoveryInputs::from_process(&["install".to_string()]))?;
    for url in after.indexes() {
        if !cfg.is_self(url) {
            let from = after
                .sources
                .iter()
                .filter(|(k, _)| k == "index-url" || k == "extra-index-url")
                .map(|(_, s)| s.to_string())
                .collect::<Vec<_>>()
                .join(", ");
            report.warnings.push(format!("pip still uses {} (from {from}), which bypasses the service: remove it there", redact(url)));
        }
    }
    for b in pip_conf::bypasses(&new) {
        report.warnings.push(format!("{} in {}: files found that way bypass the service", b, target.display()));
    }
    if !after.find_links.is_empty() {
        report.warnings.push("pip has find-links configured (PIP_FIND_LINKS or a config file): those files bypass the service".into());
    }
    Ok(report)
}

fn setup_uv(state: &std::path::Path, cfg: &mut ServiceConfig) -> Result<SetupReport, ServiceError> {
    let target = uv_target()?;
    let text = read_text(&target)?;
    let new = {
        let mut route = |u: &str| cfg.route_for(u).map(|k| cfg.route_url(k));
        uv_toml::point_at(&text, &mut route).map_err(|e| ServiceError::Invalid { path: target.clone(), detail: e.to_string() })?
    };
    backup::replace(state, "uv", &target, new.as_bytes())?;
    let mut report = SetupReport { file: Some(target.clone()), ..SetupReport::default() };
    report.lines.push(format!("uv: {} now sends uv to the safe-pip service", target.display()));
    for var in ["UV_INDEX_URL", "UV_DEFAULT_INDEX", "UV_INDEX", "UV_EXTRA_INDEX_URL", "UV_FIND_LINKS"] {
        if env_nonempty(var).is_some() {
            report.warnings.push(format!("{var} is set in the environment and overrides uv.toml: unset it"));
        }
    }
    for b in uv_toml::bypasses(&new) {
        report.warnings.push(format!("{b} in {}: files found that way bypass the service", target.display()));
    }
    report.warnings.push("a project's own [[tool.uv.index]] entries (pyproject.toml) are not changed: point them at the service routes above".into());
    Ok(report)
}

/// `safe-pip setup pip|uv|poetry --gateway URL`: the installer's default index (PyPI, or
/// pip's configured main index) becomes the organisation gateway's index URL `gateway`
/// (e.g. `https://gateway.acme.example/u/0/simple/`); other indexes are kept and named
/// as bypassing it (point them at the gateway's other routes, `/u/K/simple/`). The file
/// as it was is kept for `--undo`, as for the service. Credentials in `gateway` are
/// refused: they belong in netrc or the keyring, not in a config file.
pub(crate) fn setup_gateway(tool: Tool, gateway: &str) -> Result<SetupReport, ServiceError> {
    let parsed = url::Url::parse(gateway.trim()).map_err(|e| ServiceError::GatewayUrl { url: redact(gateway), detail: e.to_string() })?;
    if !matches!(parsed.scheme(), "https" | "http") || parsed.host_str().is_none() {
        return Err(ServiceError::GatewayUrl { url: redact(gateway), detail: "not an http(s) URL with a host".into() });
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(ServiceError::GatewayCredentials);
    }
    let gateway = parsed.as_str().to_string();
    let state = state_dir()?;
    let mut report = SetupReport::default();
    match tool {
        Tool::Pip => {
            let target = pip_target()?;
            let before = discover(&DiscoveryInputs::from_process(&["install".to_string()]))?;
            let text = read_text(&target)?;
            // Every index setting of the file goes; the gateway fronts the organisation's
            // other indexes at its other routes.
            let new = pip_conf::point_at_gateway(&text, &gateway, &[]);
            backup::replace(&state, "pip", &target, new.as_bytes())?;
            report.lines.push(format!("pip: {} now sends pip to the gateway {gateway}", target.display()));
            let after = discover(&DiscoveryInputs::from_process(&["install".to_string()]))?;
            let same = |a: &str, b: &str| a.trim_end_matches('/').eq_ignore_ascii_case(b.trim_end_matches('/'));
            for url in before.extra_index_urls.iter().filter(|u| !after.indexes().iter().any(|a| same(a, u))) {
                report.warnings.push(format!("pip's extra index {} was removed from {}: add the gateway's route for it (…/u/K/simple/) if you need it", redact(url), target.display()));
            }
            for url in after.indexes().iter().filter(|u| !same(u, &gateway)) {
                report.warnings.push(format!("pip still uses {} (environment or another config file), which bypasses the gateway: remove it there", redact(url)));
            }
            report.warnings.extend(pip_conf::bypasses(&new).into_iter().map(|b| format!("{b} in {}: files found that way bypass the gateway", target.display())));
            report.file = Some(target);
        }
        Tool::Uv => {
            let target = uv_target()?;
            let text = read_text(&target)?;
            let is_pypi = |u: &str| u.trim().trim_end_matches('/').eq_ignore_ascii_case(uv_toml::PYPI);
            let new = uv_toml::point_at(&text, &mut |u: &str| is_pypi(u).then(|| gateway.clone())).map_err(|e| ServiceError::Invalid { path: target.clone(), detail: e.to_string() })?;
            backup::replace(&state, "uv", &target, new.as_bytes())?;
            report.lines.push(format!("uv: {} now sends uv's PyPI traffic to the gateway {gateway}", target.display()));
            let others = uv_toml::index_urls(&new).map_err(|e| ServiceError::Invalid { path: target.clone(), detail: e.to_string() })?;
            report.warnings.extend(others.iter().filter(|u| u.as_str() != gateway).map(|u| format!("uv's index {} is kept and bypasses the gateway: point it at the gateway's route for it", redact(u))));
            report.file = Some(target);
        }
        Tool::Poetry => {
            report.lines.push("poetry: nothing changed (Poetry keeps package sources per project). In each project:".into());
            report.lines.push(format!("  poetry source add --priority=primary gateway {gateway}"));
            report.lines.push("  poetry config http-basic.gateway TOKEN-NAME TOKEN".into());
        }
    }
    if tool != Tool::Poetry {
        let host = parsed.host_str().unwrap_or_default();
        report.lines.push(format!("credentials, if the gateway asks for a token: ~/.netrc `machine {host} login TOKEN-NAME password TOKEN` (or the keyring)"));
    }
    Ok(report)
}

fn poetry_advice(cfg: &ServiceConfig) -> SetupReport {
    SetupReport {
        file: None,
        lines: vec![
            "poetry: nothing changed. Poetry keeps package sources per project (pyproject.toml) and has no user-level index setting.".into(),
            "Use the safe-pip Poetry plugin, which routes every source of every project through the same checks:".into(),
            "  poetry self add \"$(ls dist/installwarden-*.whl)\"   (pipx installs: pipx inject poetry dist/installwarden-*.whl)".into(),
            "  (the distribution is `installwarden`, built from a clone with `python -m pip wheel --no-deps -w dist .`; `safe-pip` on PyPI is an unrelated project)".into(),
            format!(
                "Per project without the plugin: poetry source add --priority=primary safe-pip {} (this changes pyproject.toml and poetry.lock)",
                cfg.route_url(0)
            ),
        ],
        warnings: Vec::new(),
    }
}

/// Whether an installer's config file points at the service, read from the file itself
/// (as it is now, whatever setup did or undid).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Routing {
    /// Every index the file gives the installer is a route of the service.
    Routed,
    /// Some are; these (credentials redacted) are not, and bypass the service.
    Partly { bypass: Vec<String> },
    /// None are: `why` says what the installer uses instead.
    NotRouted { why: String },
    /// The file cannot be read or parsed.
    Unknown { why: String },
}

/// An installer's current configuration, for `safe-pip service status`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct InstallerState {
    pub tool: Tool,
    /// The file setup edits (none when it cannot be located).
    pub file: Option<PathBuf>,
    pub routing: Routing,
}

fn classify(urls: &[String], cfg: &ServiceConfig) -> Routing {
    let (ours, other): (Vec<&String>, Vec<&String>) = urls.iter().partition(|u| cfg.is_self(u));
    match (ours.is_empty(), other.is_empty()) {
        (_, true) if !ours.is_empty() => Routing::Routed,
        (true, _) => Routing::NotRouted {
            why: match other.first() {
                Some(u) => format!("its index is {}", redact(u)),
                None => "it names no index".into(),
            },
        },
        _ => Routing::Partly { bypass: other.iter().map(|u| redact(u)).collect() },
    }
}

/// The index URLs pip takes from `file` alone (pip's own reading: sections, aliases,
/// multi-line values), PyPI when it sets none.
fn pip_file_indexes(file: &std::path::Path) -> Result<Vec<String>, crate::index::IndexError> {
    let inputs = DiscoveryInputs {
        env: [("PIP_CONFIG_FILE".to_string(), file.display().to_string())].into_iter().collect(),
        global_files: Some(Vec::new()),
        command: "install".into(),
        ..DiscoveryInputs::default()
    };
    let s = discover(&inputs)?;
    Ok(s.indexes().into_iter().map(str::to_string).collect())
}

/// Whether `tool`'s config file (located as setup locates it) points at the service on
/// `cfg.port`. Poetry has no such file: always `NotRouted`.
pub(crate) fn installer_state(tool: Tool, cfg: &ServiceConfig) -> InstallerState {
    let target = match tool {
        Tool::Pip => pip_target(),
        Tool::Uv => uv_target(),
        Tool::Poetry => {
            return InstallerState { tool, file: None, routing: Routing::NotRouted { why: "Poetry has no user-level index setting".into() } };
        }
    };
    let file = match target {
        Ok(f) => f,
        Err(e) => return InstallerState { tool, file: None, routing: Routing::Unknown { why: e.to_string() } },
    };
    let routing = match std::fs::metadata(&file) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Routing::NotRouted { why: "the file does not exist".into() },
        Err(e) => Routing::Unknown { why: format!("cannot read it: {e}") },
        Ok(_) => {
            let urls = match tool {
                Tool::Pip => pip_file_indexes(&file).map_err(|e| e.to_string()),
                _ => read_text(&file).map_err(|e| e.to_string()).and_then(|t| uv_toml::index_urls(&t).map_err(|e| e.to_string())),
            };
            match urls {
                Ok(urls) => classify(&urls, cfg),
                Err(why) => Routing::Unknown { why },
            }
        }
    };
    InstallerState { tool, file: Some(file), routing }
}

/// `--undo`: the tool's file as it was before the first setup.
pub(crate) fn undo(tool: Tool) -> Result<Restored, ServiceError> {
    if tool == Tool::Poetry {
        return Ok(Restored::NothingToUndo);
    }
    backup::restore(&state_dir()?, tool.name())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routing_is_read_from_the_file_as_pip_reads_it() {
        let tmp = tempfile::tempdir().unwrap();
        let cfg = ServiceConfig { port: 7431, upstreams: Vec::new() };
        let conf = tmp.path().join("pip.conf");
        let state = |text: &str| {
            std::fs::write(&conf, text).unwrap();
            classify(&pip_file_indexes(&conf).unwrap(), &cfg)
        };
        let set_up = pip_conf::point_at("[global]\ntimeout = 5\n", &cfg.route_url(0), &[cfg.route_url(1)], 7431);
        assert_eq!(state(&set_up), Routing::Routed);
        match state("[global]\nindex-url = http://127.0.0.1:7431/u/0/simple/\nextra-index-url =\n    https://u:s3cret@corp.example/simple\n") {
            Routing::Partly { bypass } => {
                assert_eq!(bypass.len(), 1);
                assert!(bypass[0].contains("corp.example") && !bypass[0].contains("s3cret"), "{bypass:?}");
            }
            other => panic!("{other:?}"),
        }
        // pip's install section wins over [global]; another port is another server.
        let why = |r: Routing| match r {
            Routing::NotRouted { why } => why,
            other => panic!("{other:?}"),
        };
        assert!(why(state("[global]\nindex-url = http://127.0.0.1:7431/u/0/simple/\n[install]\nindex-url = https://other.example/simple\n")).contains("other.example"));
        assert!(why(state("[global]\nindex-url = http://127.0.0.1:9999/u/0/simple/\n")).contains(":9999"));
        assert!(why(state("# nothing\n")).contains("pypi.org"));
        assert_eq!(classify(&[], &cfg), Routing::NotRouted { why: "it names no index".into() });
    }
}
