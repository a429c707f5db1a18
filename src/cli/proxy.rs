//! `safe-pip proxy`: run the gating proxy in the foreground for uv, pip and other clients.

use super::outcome::Outcome;
use crate::exit::ExitStatus;
use crate::policy::Action;
use crate::proxy::{self, ProxyActivity, ProxyConfig, ProxyEvent, RunningProxy};
use clap::Args;
use std::io::Write;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;

#[derive(Args, Debug)]
pub struct ProxyArgs {
    /// Port to listen on (0 picks a free one; pick a fixed one for pip.conf / uv.toml).
    #[arg(long, default_value_t = 0)]
    pub port: u16,
    /// Loopback address to listen on: 127.0.0.1 or ::1.
    #[arg(long, default_value = "127.0.0.1")]
    pub bind: IpAddr,
    /// Upstream indexes (default: pip's configuration, else PyPI); each gets its own route.
    #[command(flatten)]
    pub index: super::index_flags::IndexFlags,
    /// Verdict database to use (default: the user's).
    #[arg(long, value_name = "PATH", env = "SAFE_PIP_DB")]
    pub db: Option<PathBuf>,
    /// Largest file the proxy downloads, in MiB.
    #[arg(long, value_name = "MIB", default_value_t = proxy::DEFAULT_MAX_FILE_BYTES / (1024 * 1024))]
    pub max_file_size: u64,
    /// Memory for vetted files kept for repeated requests (HEAD then GET, ranges, retries), in MiB.
    #[arg(long, value_name = "MIB", default_value_t = (proxy::DEFAULT_CACHE_BYTES / (1024 * 1024)) as u64)]
    pub cache_size: u64,
    /// Internal project names (glob) that must come only from INDEX (or may not come from
    /// any configured index when INDEX is omitted); added to the settings files' rules.
    #[arg(long = "internal", value_name = "PATTERN[=INDEX]", env = "SAFE_PIP_INTERNAL", value_delimiter = ',')]
    pub internal: Vec<String>,
}

pub(crate) fn run(args: ProxyArgs) -> Outcome {
    let settings = args.index.settings()?;
    let gate = crate::install::guard::project_gate(args.db.as_deref(), None, &settings, args.internal)?;
    let mut config = ProxyConfig::new(settings, gate);
    config.bind = SocketAddr::new(args.bind, args.port);
    config.max_file_bytes = args.max_file_size.saturating_mul(1024 * 1024);
    config.cache_bytes = usize::try_from(args.cache_size.saturating_mul(1024 * 1024)).unwrap_or(usize::MAX);
    config.on_event = Some(Arc::new(log_event));
    config.on_activity = Some(Arc::new(|a: &ProxyActivity| {
        if let ProxyActivity::PageFailed { reason, .. } = a {
            eprintln!("ERROR {}", crate::report::Esc(reason));
        }
    }));
    let running = proxy::start(config)?;
    print_banner(&running);
    wait_for_signal();
    let events = running.events();
    running.stop();
    let blocked = events.iter().filter(|e| !e.served).count();
    eprintln!("safe-pip proxy stopped: {} file(s) served, {blocked} refused", events.iter().filter(|e| e.served).count());
    Ok(ExitStatus::Allowed)
}

fn print_banner(p: &RunningProxy) {
    let routes: Vec<String> = (0..p.upstreams().len()).map(|k| p.index_url(k)).collect();
    let mut out = format!("safe-pip proxy listening on {}\n", p.url());
    for (k, up) in p.upstreams().iter().enumerate() {
        out.push_str(&format!("  upstream {k}: {up}\n    index URL: {}\n", routes[k]));
    }
    let extra_flags: String = routes[1..].iter().map(|r| format!(" --extra-index-url {r}")).collect();
    out.push_str("\nUse it with:\n");
    out.push_str(&format!("  pip install --index-url {}{extra_flags} PACKAGE\n", routes[0]));
    out.push_str(&format!("  uv pip install --index-url {}{extra_flags} PACKAGE\n", routes[0]));
    out.push_str(&format!("\npip.conf (pip config set global.index-url {}):\n  [global]\n  index-url = {}\n", routes[0], routes[0]));
    if routes.len() > 1 {
        out.push_str(&format!("  extra-index-url = {}\n", routes[1..].join("\n    ")));
    }
    out.push_str("\nuv.toml:\n");
    for (k, r) in routes.iter().enumerate() {
        let default = if k == 0 { "\ndefault = true" } else { "" };
        out.push_str(&format!("  [[index]]\n  url = \"{r}\"{}\n", default.replace('\n', "\n  ")));
    }
    out.push_str("\nEach file is checked before it is served; blocked files answer 403 with the reason.\nPress Ctrl-C to stop.\n");
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(out.as_bytes());
    let _ = stdout.flush();
}

/// One line per file verdict, on stderr.
fn log_event(e: &ProxyEvent) {
    let r = &e.report;
    let how = match (e.from_db, r.error.is_some() && r.findings.is_empty()) {
        _ if matches!(r.decision.basis, crate::policy::Basis::BlockedByGateway { .. }) => "organisation gateway",
        (_, true) => "not verified",
        (true, _) => "known verdict",
        _ => "analysed",
    };
    let line = match (e.served, r.decision.verdict) {
        (true, Action::Warn) => format!("WARN  {} ({how}, risk {}): {}", e.filename, r.risk.score, proxy::block_summary(r)),
        (true, _) => format!("ALLOW {} ({how}, risk {})", e.filename, r.risk.score),
        (false, _) => format!("BLOCK {} ({how}): {}", e.filename, proxy::block_summary(r)),
    };
    eprintln!("{}", crate::report::Esc(&line));
}

/// Blocks until Ctrl-C (SIGINT) or SIGTERM.
pub(super) fn wait_for_signal() {
    let Ok(rt) = tokio::runtime::Builder::new_current_thread().enable_all().build() else {
        // Without a runtime there is no signal handling: wait for stdin to close instead.
        let _ = std::io::Read::read_to_end(&mut std::io::stdin(), &mut Vec::new());
        return;
    };
    rt.block_on(async {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            match signal(SignalKind::terminate()) {
                Ok(mut term) => {
                    tokio::select! {
                        _ = tokio::signal::ctrl_c() => {}
                        _ = term.recv() => {}
                    }
                }
                Err(_) => {
                    let _ = tokio::signal::ctrl_c().await;
                }
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
        }
    });
}
