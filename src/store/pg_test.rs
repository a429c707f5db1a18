//! A throwaway PostgreSQL cluster for tests: `initdb` into a temp dir, the server on
//! 127.0.0.1 with a free port and its unix socket inside the temp dir, stopped on drop.
//! PostgreSQL refuses to run as root: as root the cluster runs as the `postgres` user
//! (else `nobody`) through `runuser`. Tests skip (with a message) when the server
//! binaries are absent: `$SAFE_PIP_PG_BIN`, else /usr/lib/postgresql/*/bin.

use std::path::{Path, PathBuf};
use std::process::Command;

pub(crate) struct PgCluster {
    _dir: tempfile::TempDir,
    data: PathBuf,
    bin: PathBuf,
    user: Option<String>,
    pub(crate) port: u16,
}

fn bin_dir() -> Option<PathBuf> {
    if let Some(d) = std::env::var_os("SAFE_PIP_PG_BIN").map(PathBuf::from) {
        return d.join("initdb").exists().then_some(d);
    }
    let mut found: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql").ok()?.flatten().map(|e| e.path().join("bin")).filter(|b| b.join("initdb").exists()).collect();
    found.sort();
    found.pop()
}

/// The user to run the server as when this process is root, with its uid and gid.
fn run_as() -> Option<(String, u32, u32)> {
    for name in ["postgres", "nobody"] {
        let c = std::ffi::CString::new(name).ok()?;
        // SAFETY: getpwnam returns a pointer to static storage or null; read at once.
        let pw = unsafe { libc::getpwnam(c.as_ptr()) };
        if !pw.is_null() {
            // SAFETY: checked non-null above.
            let (uid, gid) = unsafe { ((*pw).pw_uid, (*pw).pw_gid) };
            return Some((name.to_string(), uid, gid));
        }
    }
    None
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("free port")
}

impl PgCluster {
    /// A running cluster, or `None` (after saying why) when tests must skip.
    pub(crate) fn start() -> Option<PgCluster> {
        let Some(bin) = bin_dir() else {
            eprintln!("SKIPPED: PostgreSQL server binaries not found (set SAFE_PIP_PG_BIN or install postgresql)");
            return None;
        };
        let dir = tempfile::tempdir().expect("temp dir");
        // SAFETY: geteuid has no preconditions.
        let root = unsafe { libc::geteuid() } == 0;
        let user = if root {
            let Some((name, uid, gid)) = run_as() else {
                eprintln!("SKIPPED: running as root and no `postgres` or `nobody` user to run PostgreSQL as");
                return None;
            };
            let c = std::ffi::CString::new(dir.path().as_os_str().as_encoded_bytes()).expect("path");
            // SAFETY: a valid C string path; the temp dir is ours.
            if unsafe { libc::chown(c.as_ptr(), uid, gid) } != 0 {
                eprintln!("SKIPPED: cannot hand the temp dir to user {name}");
                return None;
            }
            Some(name)
        } else {
            None
        };
        let data = dir.path().join("data");
        let mut cluster = PgCluster { _dir: dir, data, bin, user, port: 0 };
        let data_s = cluster.data.display().to_string();
        if !cluster.run("initdb", &["-D", &data_s, "-A", "trust", "-U", "safepip", "--no-sync", "-E", "UTF8"]) {
            eprintln!("SKIPPED: initdb failed");
            return None;
        }
        let sock = cluster.data.parent().expect("parent").display().to_string();
        let log = cluster.data.parent().expect("parent").join("server.log").display().to_string();
        for _ in 0..3 {
            cluster.port = free_port();
            let opts = format!("-c listen_addresses=127.0.0.1 -p {} -k {sock} -c fsync=off -c max_connections=200", cluster.port);
            if cluster.run("pg_ctl", &["-D", &data_s, "-o", &opts, "-l", &log, "-w", "-t", "60", "start"]) {
                return Some(cluster);
            }
        }
        eprintln!("SKIPPED: PostgreSQL did not start: {}", std::fs::read_to_string(&log).unwrap_or_default());
        None
    }

    fn run(&self, tool: &str, args: &[&str]) -> bool {
        let exe = self.bin.join(tool);
        let mut cmd = match &self.user {
            Some(u) => {
                let mut c = Command::new("runuser");
                c.args(["-u", u, "--"]).arg(&exe);
                c
            }
            None => Command::new(&exe),
        };
        cmd.args(args).current_dir(self.data.parent().unwrap_or(Path::new("/")));
        match cmd.output() {
            Ok(o) if o.status.success() => true,
            Ok(o) => {
                eprintln!("{tool} failed: {}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr));
                false
            }
            Err(e) => {
                eprintln!("cannot run {tool}: {e}");
                false
            }
        }
    }

    /// A URL for a new, empty database `name` in this cluster.
    pub(crate) fn database(&self, name: &str) -> String {
        let admin = format!("postgres://safepip@127.0.0.1:{}/postgres", self.port);
        let mut c = postgres::Client::connect(&admin, postgres::NoTls).expect("connect to the test cluster");
        c.batch_execute(&format!("CREATE DATABASE {name}")).expect("create database");
        format!("postgres://safepip@127.0.0.1:{}/{name}", self.port)
    }
}

impl Drop for PgCluster {
    fn drop(&mut self) {
        let data = self.data.display().to_string();
        self.run("pg_ctl", &["-D", &data, "-m", "immediate", "-w", "stop"]);
    }
}
