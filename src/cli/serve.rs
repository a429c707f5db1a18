//! `safe-pip serve`: the organisation gateway in the foreground (see [`crate::gateway`]).

use super::outcome::Outcome;
use crate::exit::ExitStatus;
use crate::gateway::{self, GatewayConfig};
use crate::proxy::{self, GatewayOptions};
use crate::store::StoreSpec;
use clap::Args;
use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

#[derive(Args, Debug)]
pub struct ServeArgs {
    /// Address to listen on, e.g. 0.0.0.0:8080 (any address: put TLS in front, see docs/gateway.md).
    #[arg(long, value_name = "ADDR")]
    pub bind: SocketAddr,
    /// Upstream index (repeatable; the first is upstream 0, served at /u/0/simple/).
    #[arg(long = "upstream", value_name = "URL", required = true)]
    pub upstreams: Vec<String>,
    /// The organisation's policy file (the format of the org config file); default: built-in policy.
    #[arg(long, value_name = "FILE")]
    pub policy: Option<PathBuf>,
    /// Verdict store: sqlite:PATH (one gateway) or postgres://USER@HOST/DB (shared by replicas).
    #[arg(long, value_name = "STORE", env = "SAFE_PIP_GATEWAY_DB")]
    pub db: String,
    /// A PostgreSQL streaming read replica for read-mostly queries (verdict lookups,
    /// advisories, history, audit, snapshots); decisions and writes stay on --db.
    #[arg(long, value_name = "URL", env = "SAFE_PIP_GATEWAY_DB_READ")]
    pub db_read: Option<String>,
    /// Accepted client tokens, one per line (`NAME SECRET` or `SECRET`); without it no authentication.
    #[arg(long, value_name = "FILE")]
    pub token_file: Option<PathBuf>,
    /// Tokens of the admin API (/admin/decisions, /admin/audit), same format; they also
    /// work as client tokens. Without it the admin API is off.
    #[arg(long, value_name = "FILE")]
    pub admin_token_file: Option<PathBuf>,
    /// No JSON access log on stderr.
    #[arg(long)]
    pub no_access_log: bool,
    /// Largest file the gateway downloads, in MiB.
    #[arg(long, value_name = "MIB", default_value_t = proxy::DEFAULT_MAX_FILE_BYTES / (1024 * 1024))]
    pub max_file_size: u64,
    /// Memory for vetted files kept for repeated requests, in MiB.
    #[arg(long, value_name = "MIB", default_value_t = (proxy::DEFAULT_CACHE_BYTES / (1024 * 1024)) as u64)]
    pub cache_size: u64,
    /// Keep vetted files on disk here, by sha256 (replicas may share the folder); a file
    /// is then downloaded once for everyone. Without it, vetted files are kept in memory only.
    #[arg(long, value_name = "DIR")]
    pub cache_dir: Option<PathBuf>,
    /// Most the --cache-dir may hold (bytes, or with K/M/G/T, KiB/MiB/GiB/TiB); least
    /// recently used files are deleted beyond it.
    #[arg(long, value_name = "SIZE", default_value = "10GiB", value_parser = parse_size)]
    pub cache_max_bytes: u64,
    /// Seconds an upstream project page is reused before upstream is asked again (with
    /// If-None-Match / If-Modified-Since when upstream sent an ETag or Last-Modified); 0
    /// asks upstream for every page request.
    #[arg(long, value_name = "SECONDS", default_value_t = 60)]
    pub page_ttl: u64,
    /// When upstream fails, a cached page is served until upstream last confirmed it this
    /// many seconds ago; after that the failure is answered (502).
    #[arg(long, value_name = "SECONDS", default_value_t = 600)]
    pub page_max_stale: u64,
}

/// `10GiB`, `500M`, `1048576`: a size in bytes (K/M/G/T are powers of 1024 as well).
fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let digits = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (num, unit) = t.split_at(digits);
    let n: u64 = num.parse().map_err(|_| format!("{s:?} is not a size (e.g. 10GiB, 500M, 1048576)"))?;
    let shift = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 0,
        "k" | "kb" | "kib" => 10,
        "m" | "mb" | "mib" => 20,
        "g" | "gb" | "gib" => 30,
        "t" | "tb" | "tib" => 40,
        other => return Err(format!("unknown size unit {other:?} (use K, M, G or T)")),
    };
    n.checked_mul(1u64 << shift).ok_or_else(|| format!("{s:?} is too large"))
}

pub(crate) fn run(args: ServeArgs) -> Outcome {
    let read_tokens = |file: Option<&std::path::Path>| file.map(proxy::read_token_file).transpose().map(Option::unwrap_or_default);
    let tokens = read_tokens(args.token_file.as_deref())?;
    let admin_tokens = read_tokens(args.admin_token_file.as_deref())?;
    let index = proxy::settings_for(&args.upstreams)?;
    let open = tokens.is_empty() && admin_tokens.is_empty();
    let config = GatewayConfig {
        bind: args.bind,
        index,
        policy: args.policy,
        store: StoreSpec::parse(&args.db),
        db_read: args.db_read,
        gateway: GatewayOptions {
            tokens,
            access_log: !args.no_access_log,
            admin_tokens,
            page_cache: (args.page_ttl > 0).then(|| proxy::PageCachePolicy {
                ttl: Duration::from_secs(args.page_ttl),
                max_stale: Duration::from_secs(args.page_max_stale.max(args.page_ttl)),
            }),
            ..GatewayOptions::default()
        },
        max_file_bytes: args.max_file_size.saturating_mul(1024 * 1024),
        cache_bytes: usize::try_from(args.cache_size.saturating_mul(1024 * 1024)).unwrap_or(usize::MAX),
        artifact_cache: args.cache_dir.map(|dir| gateway::ArtifactCache { dir, max_bytes: args.cache_max_bytes }),
    };
    let cache = config.artifact_cache.clone();
    let mut store = gateway_store_name(&config.store);
    if let Some(read) = &config.db_read {
        store.push_str(&format!(", reads from {}", crate::index::redact(read)));
    }
    // Signals are caught before the banner says the gateway is up, so a supervisor may
    // stop it as soon as it has started.
    let stop = Stop::install();
    let running = gateway::start(config)?;
    let p = &running.proxy;
    let mut banner = format!("safe-pip serve listening on {} (verdict store: {store})\n", p.url());
    for (k, up) in p.upstreams().iter().enumerate() {
        banner.push_str(&format!("  upstream {k}: {up}\n    index URL: {}\n", p.index_url(k)));
    }
    if let Some(c) = &cache {
        banner.push_str(&format!("  artifact cache: {} (at most {} bytes)\n", c.dir.display(), c.max_bytes));
    }
    // A supervisor that stopped reading stdout must not stop the gateway.
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(banner.as_bytes()).and_then(|()| stdout.flush());
    drop(stdout);
    if open {
        eprintln!("WARNING: no --token-file: anyone who can reach {} can use it", p.url());
    }
    stop.wait();
    running.proxy.stop();
    eprintln!("safe-pip serve stopped");
    Ok(ExitStatus::Allowed)
}

fn gateway_store_name(s: &StoreSpec) -> String {
    match s {
        StoreSpec::Sqlite(p) => format!("sqlite:{}", p.display()),
        StoreSpec::Postgres(url) => crate::index::redact(url),
    }
}

/// SIGTERM and SIGINT, registered at once (unix); elsewhere the proxy's Ctrl-C wait.
struct Stop {
    #[cfg(unix)]
    caught: Option<(tokio::runtime::Runtime, tokio::signal::unix::Signal, tokio::signal::unix::Signal)>,
}

impl Stop {
    fn install() -> Stop {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            let caught = tokio::runtime::Builder::new_current_thread().enable_all().build().ok().and_then(|rt| {
                let registered = {
                    let _ctx = rt.enter();
                    (signal(SignalKind::terminate()), signal(SignalKind::interrupt()))
                };
                match registered {
                    (Ok(term), Ok(int)) => Some((rt, term, int)),
                    _ => None,
                }
            });
            Stop { caught }
        }
        #[cfg(not(unix))]
        Stop {}
    }

    fn wait(self) {
        #[cfg(unix)]
        if let Some((rt, mut term, mut int)) = self.caught {
            rt.block_on(async {
                tokio::select! {
                    _ = term.recv() => {}
                    _ = int.recv() => {}
                }
            });
            return;
        }
        super::proxy::wait_for_signal();
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn sizes() {
        assert_eq!(super::parse_size("1048576"), Ok(1 << 20));
        assert_eq!(super::parse_size("10GiB"), Ok(10 << 30));
        assert_eq!(super::parse_size("500M"), Ok(500 << 20));
        assert_eq!(super::parse_size("2 kb"), Ok(2048));
        assert!(super::parse_size("ten").is_err() && super::parse_size("5 parsecs").is_err() && super::parse_size("99999999T").is_err());
    }
}
