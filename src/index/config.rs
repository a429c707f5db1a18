//! The effective index settings, discovered as pip discovers them.
//!
//! Precedence (pip 26, `pip/_internal/configuration.py` and `cli/parser.py`):
//!
//! 1. command-line options (`--index-url/-i`, `--extra-index-url`, `--cert`, …); the
//!    list options (`--extra-index-url`, `--trusted-host`) are *appended* to what config/env
//!    gave, scalar options replace it;
//! 2. `PIP_*` environment variables (a non-empty value replaces config values, an empty one
//!    is ignored), skipped with `--isolated`;
//! 3. config files: within one section a later file overrides an earlier one, in the order
//!    global (`$XDG_CONFIG_DIRS/pip/pip.conf`, `/etc/pip.conf`) < user (`~/.pip/pip.conf`,
//!    `~/.config/pip/pip.conf`; not read when `PIP_CONFIG_FILE` names an existing file, or
//!    with `--isolated`) < site (`$VIRTUAL_ENV/pip.conf`) < `PIP_CONFIG_FILE`; across
//!    sections the command section (`[install]`, `[download]`, …) beats `[global]`.
//!    `PIP_CONFIG_FILE=/dev/null` (`os.devnull`) disables every file.
//!
//! The core, [`discover`], is pure: it takes the arguments, an environment map and the home
//! directory explicitly, so it is testable without touching the process environment.

use super::errors::IndexError;
use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The default index, as in pip.
pub const PYPI_SIMPLE: &str = "https://pypi.org/simple";

/// Where one setting came from, for diagnostics such as
/// "index-url from /etc/pip.conf [global]".
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SettingSource {
    Default,
    CommandLine,
    Env { var: String },
    File { path: PathBuf, section: String, kind: FileKind },
}

/// Which of pip's configuration file levels a file belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum FileKind {
    Global,
    User,
    Site,
    /// The file named by `PIP_CONFIG_FILE`.
    EnvFile,
}

impl fmt::Display for SettingSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SettingSource::Default => f.write_str("default"),
            SettingSource::CommandLine => f.write_str("command line"),
            SettingSource::Env { var } => write!(f, "environment variable {var}"),
            SettingSource::File { path, section, .. } => write!(f, "{} [{section}]", path.display()),
        }
    }
}

/// Proxy settings from the environment (`HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY`,
/// `NO_PROXY`, upper or lower case), captured so that the client never reads the process
/// environment itself.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EnvProxy {
    pub http: Option<String>,
    pub https: Option<String>,
    pub all: Option<String>,
    pub no_proxy: Option<String>,
}

/// The resolved settings the index client needs. `Debug` redacts credentials.
#[derive(Clone, PartialEq)]
pub struct IndexSettings {
    /// The main index (`https://pypi.org/simple` by default). May contain userinfo: never
    /// print it without [`crate::redact::redact`].
    pub index_url: String,
    pub extra_index_urls: Vec<String>,
    /// CA bundle (file or directory of PEM files) that replaces the built-in roots.
    pub cert: Option<PathBuf>,
    /// Client certificate: one PEM file with the private key and the certificate.
    pub client_cert: Option<PathBuf>,
    /// Connect and per-read timeout (pip's socket timeout, 15 s by default).
    pub timeout: Duration,
    /// How many times a failed request is retried (pip's default: 5).
    pub retries: u32,
    /// `host` or `host:port` entries allowed over plain http and without TLS verification.
    pub trusted_hosts: Vec<String>,
    pub no_index: bool,
    /// `--find-links/-f`, `PIP_FIND_LINKS`, `find-links`: locations pip reads packages from
    /// without any index (they bypass an index proxy; the wrapper must gate or refuse them).
    pub find_links: Vec<String>,
    /// pip's `--proxy` (applies to http and https).
    pub proxy: Option<String>,
    pub env_proxy: EnvProxy,
    /// The netrc file to read credentials from (`$NETRC` or `~/.netrc`), if any.
    pub netrc: Option<PathBuf>,
    /// safe-pip's own `--offline`: every network call fails fast, nothing is sent.
    pub offline: bool,
    /// Where each value came from; list settings may have several entries.
    pub sources: Vec<(String, SettingSource)>,
}

impl Default for IndexSettings {
    fn default() -> Self {
        IndexSettings {
            index_url: PYPI_SIMPLE.to_string(),
            extra_index_urls: Vec::new(),
            cert: None,
            client_cert: None,
            timeout: Duration::from_secs(15),
            retries: 5,
            trusted_hosts: Vec::new(),
            no_index: false,
            find_links: Vec::new(),
            proxy: None,
            env_proxy: EnvProxy::default(),
            netrc: None,
            offline: false,
            sources: vec![
                ("index-url".into(), SettingSource::Default),
                ("timeout".into(), SettingSource::Default),
                ("retries".into(), SettingSource::Default),
            ],
        }
    }
}

impl fmt::Debug for IndexSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let r = |u: &String| crate::redact::redact(u);
        let env = &self.env_proxy;
        f.debug_struct("IndexSettings")
            .field("index_url", &r(&self.index_url))
            .field("extra_index_urls", &self.extra_index_urls.iter().map(r).collect::<Vec<_>>())
            .field("cert", &self.cert)
            .field("client_cert", &self.client_cert)
            .field("timeout", &self.timeout)
            .field("retries", &self.retries)
            .field("trusted_hosts", &self.trusted_hosts)
            .field("no_index", &self.no_index)
            .field("find_links", &self.find_links.iter().map(r).collect::<Vec<_>>())
            .field("proxy", &self.proxy.as_ref().map(r))
            .field("env_proxy.http", &env.http.as_ref().map(r))
            .field("env_proxy.https", &env.https.as_ref().map(r))
            .field("env_proxy.all", &env.all.as_ref().map(r))
            .field("env_proxy.no_proxy", &env.no_proxy)
            .field("netrc", &self.netrc)
            .field("offline", &self.offline)
            .field("sources", &self.sources)
            .finish()
    }
}

impl IndexSettings {
    /// Settings for one index and nothing else (no files, no environment).
    pub fn for_index(url: &str) -> Self {
        IndexSettings { index_url: url.to_string(), ..IndexSettings::default() }
    }

    /// The configured indexes in pip's order (main index first); empty with `no_index`.
    pub fn indexes(&self) -> Vec<&str> {
        if self.no_index {
            return Vec::new();
        }
        std::iter::once(self.index_url.as_str()).chain(self.extra_index_urls.iter().map(String::as_str)).collect()
    }

    /// The last recorded source of a setting (`"index-url"`, `"extra-index-url"`, `"cert"`, …).
    pub fn source_of(&self, key: &str) -> Option<&SettingSource> {
        self.sources.iter().rev().find(|(k, _)| k == key).map(|(_, s)| s)
    }

    /// One line per setting that matters, with its origin and credentials redacted, e.g.
    /// `index-url = https://user:****@repo.example/simple (from /etc/pip.conf [global])`.
    pub fn explain(&self) -> Vec<String> {
        let from = |key: &str| {
            let srcs: Vec<String> =
                self.sources.iter().filter(|(k, _)| k == key).map(|(_, s)| s.to_string()).collect();
            if srcs.is_empty() { "default".to_string() } else { srcs.join(", ") }
        };
        let mut out = vec![format!("index-url = {} (from {})", crate::redact::redact(&self.index_url), from("index-url"))];
        if !self.extra_index_urls.is_empty() {
            let extras: Vec<String> = self.extra_index_urls.iter().map(|u| crate::redact::redact(u)).collect();
            out.push(format!("extra-index-url = {} (from {})", extras.join(" "), from("extra-index-url")));
        }
        if self.no_index {
            out.push(format!("no-index = true (from {})", from("no-index")));
        }
        if let Some(c) = &self.cert {
            out.push(format!("cert = {} (from {})", c.display(), from("cert")));
        }
        if let Some(c) = &self.client_cert {
            out.push(format!("client-cert = {} (from {})", c.display(), from("client-cert")));
        }
        if !self.find_links.is_empty() {
            let links: Vec<String> = self.find_links.iter().map(|u| crate::redact::redact(u)).collect();
            out.push(format!("find-links = {} (from {})", links.join(" "), from("find-links")));
        }
        if !self.trusted_hosts.is_empty() {
            out.push(format!("trusted-host = {} (from {})", self.trusted_hosts.join(" "), from("trusted-host")));
        }
        if let Some(p) = &self.proxy {
            out.push(format!("proxy = {} (from {})", crate::redact::redact(p), from("proxy")));
        }
        out.push(format!("timeout = {}s (from {})", self.timeout.as_secs_f64(), from("timeout")));
        out.push(format!("retries = {} (from {})", self.retries, from("retries")));
        if let Some(n) = &self.netrc {
            out.push(format!("netrc = {}", n.display()));
        }
        out
    }
}

/// The inputs of [`discover`], all explicit. `Debug` shows environment variable names only.
#[derive(Clone, Default)]
pub struct DiscoveryInputs {
    /// pip-style arguments (e.g. `["install", "-i", URL, "requests"]`); only the index
    /// options are read, everything else is ignored.
    pub args: Vec<String>,
    /// The environment (`PIP_*`, `XDG_*`, `VIRTUAL_ENV`, `NETRC`, CA and proxy variables).
    pub env: BTreeMap<String, String>,
    /// The user's home directory (`~`).
    pub home: Option<PathBuf>,
    /// Global config files in pip's order; `None` derives them from `XDG_CONFIG_DIRS` (default
    /// `/etc/xdg`) plus `/etc` as pip does.
    pub global_files: Option<Vec<PathBuf>>,
    /// The prefix whose `pip.conf` is the "site" file; `None` uses `$VIRTUAL_ENV` from `env`.
    pub site_prefix: Option<PathBuf>,
    /// The pip command whose config section applies (`install`, `download`, …).
    pub command: String,
}

impl fmt::Debug for DiscoveryInputs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DiscoveryInputs")
            .field("args", &self.args.iter().map(|a| crate::redact::redact(a)).collect::<Vec<_>>())
            .field("env", &self.env.keys().collect::<Vec<_>>())
            .field("home", &self.home)
            .field("global_files", &self.global_files)
            .field("site_prefix", &self.site_prefix)
            .field("command", &self.command)
            .finish()
    }
}

impl DiscoveryInputs {
    /// Inputs taken from this process: its environment and home directory, for `pip install`.
    pub fn from_process(args: &[String]) -> Self {
        let env: BTreeMap<String, String> = std::env::vars().collect();
        let home = env.get("HOME").or_else(|| env.get("USERPROFILE")).filter(|h| !h.is_empty()).map(PathBuf::from);
        DiscoveryInputs { args: args.to_vec(), env, home, global_files: None, site_prefix: None, command: "install".into() }
    }

    fn env_nonempty(&self, key: &str) -> Option<&str> {
        self.env.get(key).map(String::as_str).filter(|v| !v.is_empty())
    }

    /// The config files pip would consider, in load order, with their level. Files that do
    /// not exist are included (pip skips them when loading). Empty when `PIP_CONFIG_FILE`
    /// is the null device.
    pub fn config_files(&self) -> Vec<(FileKind, PathBuf)> {
        let env_file = self.env.get("PIP_CONFIG_FILE").filter(|v| !v.is_empty()).map(PathBuf::from);
        if env_file.as_deref().is_some_and(is_devnull) {
            return Vec::new();
        }
        let isolated = parse_args(&self.args, &mut Vec::new()).iter().any(|(k, _)| k == "isolated");
        let mut files = Vec::new();
        for f in self.global_files.clone().unwrap_or_else(|| self.default_global_files()) {
            files.push((FileKind::Global, f));
        }
        let env_file_exists = env_file.as_deref().is_some_and(Path::exists);
        if !isolated && !env_file_exists {
            for f in self.user_files() {
                files.push((FileKind::User, f));
            }
        }
        let site = self.site_prefix.clone().or_else(|| self.env_nonempty("VIRTUAL_ENV").map(PathBuf::from));
        if let Some(prefix) = site {
            files.push((FileKind::Site, prefix.join(CONFIG_BASENAME)));
        }
        if let Some(f) = env_file {
            files.push((FileKind::EnvFile, f));
        }
        files
    }

    fn default_global_files(&self) -> Vec<PathBuf> {
        if cfg!(windows) {
            let base = self.env_nonempty("PROGRAMDATA").unwrap_or("C:\\ProgramData");
            return vec![Path::new(base).join("pip").join(CONFIG_BASENAME)];
        }
        let mut out: Vec<PathBuf> = self
            .env_nonempty("XDG_CONFIG_DIRS")
            .unwrap_or("/etc/xdg")
            .split(':')
            .filter(|d| !d.is_empty())
            .map(|d| Path::new(d).join("pip").join(CONFIG_BASENAME))
            .collect();
        out.push(PathBuf::from("/etc").join(CONFIG_BASENAME));
        out
    }

    fn user_files(&self) -> Vec<PathBuf> {
        let Some(home) = &self.home else { return Vec::new() };
        let legacy = home.join(if cfg!(windows) { "pip" } else { ".pip" }).join(CONFIG_BASENAME);
        let new_dir = if cfg!(windows) {
            self.env_nonempty("APPDATA").map(|a| Path::new(a).join("pip")).unwrap_or_else(|| home.join("pip"))
        } else if cfg!(target_os = "macos") {
            let lib = home.join("Library/Application Support/pip");
            if lib.is_dir() { lib } else { home.join(".config/pip") }
        } else {
            self.env_nonempty("XDG_CONFIG_HOME")
                .map(|x| Path::new(x).join("pip"))
                .unwrap_or_else(|| home.join(".config").join("pip"))
        };
        vec![legacy, new_dir.join(CONFIG_BASENAME)]
    }
}

const CONFIG_BASENAME: &str = if cfg!(windows) { "pip.ini" } else { "pip.conf" };

fn is_devnull(p: &Path) -> bool {
    if cfg!(windows) { p.as_os_str().eq_ignore_ascii_case("nul") } else { p == Path::new("/dev/null") }
}

/// Resolves the effective index settings from `inputs`, as pip would for `inputs.command`.
/// Every invalid value (unparsable file, bad number, bad boolean) is reported at once.
pub fn discover(inputs: &DiscoveryInputs) -> Result<IndexSettings, IndexError> {
    let mut problems = Vec::new();
    let cli = parse_args(&inputs.args, &mut problems);
    let isolated = cli.iter().any(|(k, _)| k == "isolated");

    // 1. Config files: merge per "section.key", later files override earlier ones.
    let mut merged: Vec<(String, String, String, SettingSource)> = Vec::new(); // section, key, value, source
    for (kind, path) in inputs.config_files() {
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) if path.is_dir() => {
                problems.push(format!("{}: is a directory ({e})", path.display()));
                continue;
            }
            Err(e) => {
                problems.push(format!("cannot read {}: {e}", path.display()));
                continue;
            }
        };
        for entry in parse_ini(&text, &path, &mut problems) {
            let source = SettingSource::File { path: path.clone(), section: entry.section.clone(), kind };
            let key = normalize_key(&entry.key);
            match merged.iter_mut().find(|(s, k, _, _)| *s == entry.section && *k == key) {
                Some(slot) => {
                    slot.2 = entry.value;
                    slot.3 = source;
                }
                None => merged.push((entry.section, key, entry.value, source)),
            }
        }
    }

    // 2. Ordered items: [global] < [<command>] < environment.
    let mut items: Vec<(String, String, SettingSource)> = Vec::new();
    for section in ["global", inputs.command.as_str()] {
        if section == "global" && inputs.command == "global" {
            continue;
        }
        for (s, k, v, src) in &merged {
            if s == section {
                items.push((k.clone(), v.clone(), src.clone()));
            }
        }
    }
    if !isolated {
        for (var, value) in &inputs.env {
            if let Some(name) = var.strip_prefix("PIP_") {
                let key = normalize_key(name);
                if key != "version" && key != "help" && key != "config-file" {
                    items.push((key, value.clone(), SettingSource::Env { var: var.clone() }));
                }
            }
        }
    }

    let mut st = IndexSettings::default();
    let mut srcs: BTreeMap<&'static str, Vec<SettingSource>> = BTreeMap::new();
    srcs.insert("index-url", vec![SettingSource::Default]);
    srcs.insert("timeout", vec![SettingSource::Default]);
    srcs.insert("retries", vec![SettingSource::Default]);

    // 3. Config and environment set the defaults (empty values are ignored, as in pip).
    for (key, value, src) in items {
        if value.trim().is_empty() {
            continue;
        }
        apply(&mut st, &mut srcs, &key, &value, src, false, &mut problems);
    }
    // 4. Command line: scalars replace, lists append.
    for (key, value) in cli {
        apply(&mut st, &mut srcs, &key, &value, SettingSource::CommandLine, true, &mut problems);
    }

    // 5. CA bundle from the environment when pip's own `cert` is not set.
    if st.cert.is_none() {
        for var in ["REQUESTS_CA_BUNDLE", "SSL_CERT_FILE"] {
            if let Some(v) = inputs.env_nonempty(var) {
                st.cert = Some(PathBuf::from(v));
                srcs.insert("cert", vec![SettingSource::Env { var: var.into() }]);
                break;
            }
        }
    }

    // 6. netrc and proxies from the environment.
    st.netrc = match inputs.env_nonempty("NETRC") {
        Some(p) => Some(PathBuf::from(p)),
        None => inputs.home.as_ref().map(|h| h.join(".netrc")).filter(|p| p.is_file()),
    };
    let pick = |names: [&str; 2]| names.iter().find_map(|n| inputs.env_nonempty(n)).map(str::to_string);
    st.env_proxy = EnvProxy {
        http: pick(["HTTP_PROXY", "http_proxy"]),
        https: pick(["HTTPS_PROXY", "https_proxy"]),
        all: pick(["ALL_PROXY", "all_proxy"]),
        no_proxy: pick(["NO_PROXY", "no_proxy"]),
    };

    for url in st.indexes() {
        if let Err(e) = url::Url::parse(url) {
            problems.push(format!("index URL '{}' is not a valid URL: {e}", crate::redact::redact(url)));
        }
    }

    if !problems.is_empty() {
        return Err(IndexError::Config { problems });
    }
    st.sources = srcs.into_iter().flat_map(|(k, v)| v.into_iter().map(move |s| (k.to_string(), s))).collect();
    Ok(st)
}

#[allow(clippy::too_many_arguments)]
fn apply(
    st: &mut IndexSettings,
    srcs: &mut BTreeMap<&'static str, Vec<SettingSource>>,
    key: &str,
    value: &str,
    src: SettingSource,
    from_cli: bool,
    problems: &mut Vec<String>,
) {
    let bad = |what: &str, src: &SettingSource| format!("{key} = '{value}' from {src}: {what}");
    let mut set = |name: &'static str, src: SettingSource, append: bool| {
        let list = srcs.entry(name).or_default();
        if !append {
            list.clear();
        }
        list.push(src);
    };
    match key {
        "index-url" => {
            st.index_url = value.trim().to_string();
            set("index-url", src, false);
        }
        "extra-index-url" => {
            let urls = value.split_whitespace().map(str::to_string);
            if from_cli {
                st.extra_index_urls.extend(urls);
            } else {
                st.extra_index_urls = urls.collect();
            }
            set("extra-index-url", src, from_cli);
        }
        "find-links" => {
            let links = value.split_whitespace().map(str::to_string);
            if from_cli {
                st.find_links.extend(links);
            } else {
                st.find_links = links.collect();
            }
            set("find-links", src, from_cli);
        }
        "trusted-host" => {
            let hosts = value.split_whitespace().map(str::to_string);
            if from_cli {
                st.trusted_hosts.extend(hosts);
            } else {
                st.trusted_hosts = hosts.collect();
            }
            set("trusted-host", src, from_cli);
        }
        "cert" => {
            st.cert = Some(PathBuf::from(value.trim()));
            set("cert", src, false);
        }
        "client-cert" => {
            st.client_cert = Some(PathBuf::from(value.trim()));
            set("client-cert", src, false);
        }
        "proxy" => {
            st.proxy = Some(value.trim().to_string());
            set("proxy", src, false);
        }
        "timeout" | "default-timeout" => match value.trim().parse::<f64>() {
            Ok(t) if t.is_finite() && t > 0.0 && t < 1e9 => {
                st.timeout = Duration::from_secs_f64(t);
                set("timeout", src, false);
            }
            _ => problems.push(bad("not a positive number of seconds", &src)),
        },
        "retries" => match value.trim().parse::<u32>() {
            Ok(r) => {
                st.retries = r.min(100);
                set("retries", src, false);
            }
            Err(_) => problems.push(bad("not a non-negative integer", &src)),
        },
        "no-index" => {
            let v = if from_cli { Some(true) } else { strtobool(value) };
            match v {
                Some(b) => {
                    st.no_index = b;
                    set("no-index", src, false);
                }
                None => problems.push(bad("not a boolean (use true/false, yes/no, on/off, 1/0)", &src)),
            }
        }
        _ => {}
    }
}

/// pip's `strtobool`.
fn strtobool(v: &str) -> Option<bool> {
    match v.trim().to_ascii_lowercase().as_str() {
        "y" | "yes" | "t" | "true" | "on" | "1" => Some(true),
        "n" | "no" | "f" | "false" | "off" | "0" => Some(false),
        _ => None,
    }
}

/// pip's `_normalize_name`: lower case, `_` → `-`, no leading `--`.
fn normalize_key(k: &str) -> String {
    let k = k.trim().to_ascii_lowercase().replace('_', "-");
    k.strip_prefix("--").map(str::to_string).unwrap_or(k)
}

/// The index options in pip-style arguments (`install …`), as (normalized key, value) in
/// order, read with pip's option table: abbreviations (`--index` is `--index-url`),
/// aliases (`--default-timeout` is `--timeout`), short clusters and `--opt=value`. A token
/// pip's parser refuses (a missing value, an ambiguous abbreviation) is a problem.
fn parse_args(args: &[String], problems: &mut Vec<String>) -> Vec<(String, String)> {
    use crate::pip_options::{Item, OptKind, Table};
    const VALUED: &[&str] = &["--cert", "--client-cert", "--timeout", "--retries", "--trusted-host"];
    let items = match crate::pip_options::parse(args, Table::Command) {
        Ok(items) => items,
        Err(e) => {
            problems.push(e.to_string());
            return Vec::new();
        }
    };
    let mut out = Vec::new();
    for item in items {
        let Item::Opt { kind, name, value, .. } = item else { continue };
        let wanted = match kind {
            OptKind::IndexUrl | OptKind::ExtraIndexUrl | OptKind::FindLinks | OptKind::Proxy => true,
            OptKind::NoIndex => true,
            OptKind::OtherFlag => name == "--isolated",
            OptKind::OtherValue => VALUED.contains(&name.as_str()),
            _ => false,
        };
        if wanted {
            out.push((normalize_key(&name), value.unwrap_or_else(|| "true".to_string())));
        }
    }
    out
}

struct IniEntry {
    section: String,
    key: String,
    value: String,
}

/// A `configparser.RawConfigParser`-compatible reader: `[section]`, `key = value` or
/// `key: value`, full-line `#`/`;` comments, indented continuation lines (multi-line
/// values, joined with newlines), keys case-insensitive.
fn parse_ini(text: &str, path: &Path, problems: &mut Vec<String>) -> Vec<IniEntry> {
    let mut out: Vec<IniEntry> = Vec::new();
    let mut section: Option<String> = None;
    let mut last_value_open = false;
    for (n, raw) in text.lines().enumerate() {
        let line = raw.trim_end_matches('\r');
        let trimmed = line.trim();
        if trimmed.is_empty() {
            // Blank lines inside a multi-line value are kept by configparser; for the keys we
            // read (whitespace-separated lists) dropping them changes nothing.
            continue;
        }
        if trimmed.starts_with('#') || trimmed.starts_with(';') {
            continue;
        }
        let indented = line.starts_with([' ', '\t']);
        if indented && last_value_open {
            if let Some(e) = out.last_mut() {
                if !e.value.is_empty() {
                    e.value.push('\n');
                }
                e.value.push_str(trimmed);
            }
            continue;
        }
        if trimmed.starts_with('[') {
            match trimmed.find(']') {
                Some(end) => {
                    section = Some(trimmed[1..end].trim().to_string());
                    last_value_open = false;
                }
                None => problems.push(format!("{}:{}: unterminated section header", path.display(), n + 1)),
            }
            continue;
        }
        let Some(sep) = trimmed.find(['=', ':']) else {
            problems.push(format!("{}:{}: expected 'key = value', found '{}'", path.display(), n + 1, trimmed));
            last_value_open = false;
            continue;
        };
        let Some(sec) = &section else {
            problems.push(format!("{}:{}: setting outside of a [section]", path.display(), n + 1));
            continue;
        };
        let key = trimmed[..sep].trim().to_ascii_lowercase();
        let value = trimmed[sep + 1..].trim().to_string();
        // A later duplicate of the same key in the same section replaces it.
        out.retain(|e| !(e.section == *sec && e.key == key));
        out.push(IniEntry { section: sec.clone(), key, value });
        last_value_open = true;
    }
    out
}

#[cfg(test)]
mod unit {
    use super::*;

    #[test]
    fn args_forms() {
        let mut p = Vec::new();
        let a: Vec<String> = ["install", "-ihttp://a/", "--extra-index-url=http://b/", "--extra-index-url", "http://c/", "--no-index", "-i", "http://d/", "x"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let got = parse_args(&a, &mut p);
        assert!(p.is_empty());
        assert_eq!(
            got,
            vec![
                ("index-url".into(), "http://a/".into()),
                ("extra-index-url".into(), "http://b/".into()),
                ("extra-index-url".into(), "http://c/".into()),
                ("no-index".into(), "true".into()),
                ("index-url".into(), "http://d/".into()),
            ]
        );
        let mut p = Vec::new();
        parse_args(&["--retries".to_string()], &mut p);
        assert_eq!(p, vec!["--retries option requires an argument".to_string()]);
    }

    #[test]
    fn args_are_read_with_pips_abbreviations_and_aliases() {
        let mut p = Vec::new();
        let a: Vec<String> = ["install", "--index", "http://a/", "--extra-index=http://b/", "--default-timeout", "7", "--isol", "-Uf", "./wheels", "--no-ind", "x"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let got = parse_args(&a, &mut p);
        assert!(p.is_empty(), "{p:?}");
        assert_eq!(
            got,
            vec![
                ("index-url".into(), "http://a/".into()),
                ("extra-index-url".into(), "http://b/".into()),
                ("timeout".into(), "7".into()),
                ("isolated".into(), "true".into()),
                ("find-links".into(), "./wheels".into()),
                ("no-index".into(), "true".into()),
            ]
        );
        let mut p = Vec::new();
        assert!(parse_args(&["install".into(), "--ex".into(), "http://a/".into()], &mut p).is_empty());
        assert_eq!(p, vec!["option --ex is ambiguous (--extra-index-url, --exists-action)".to_string()]);
    }

    #[test]
    fn ini_multiline_and_comments() {
        let mut p = Vec::new();
        let text = "# c\n[global]\nindex_url = http://a/\nextra-index-url =\n    http://b/\n    http://c/\n; x\n[install]\ntimeout: 3\n";
        let e = parse_ini(text, Path::new("f"), &mut p);
        assert!(p.is_empty(), "{p:?}");
        assert_eq!(e.len(), 3);
        assert_eq!(e[1].value, "http://b/\nhttp://c/");
        assert_eq!((e[2].section.as_str(), e[2].key.as_str(), e[2].value.as_str()), ("install", "timeout", "3"));
        let mut p = Vec::new();
        parse_ini("[global]\njunk\n", Path::new("f"), &mut p);
        assert_eq!(p, vec!["f:2: expected 'key = value', found 'junk'".to_string()]);
    }
}
