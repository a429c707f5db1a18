//! `safe-pip service status` and `safe-pip service log` as a user runs them, with HOME and
//! the XDG folders in a temp dir (no service is started: status and log read files).

mod common;

use common::Env;
use safe_pip::service::verdict_log::{Entry, Verdict, Writer, rfc3339};
use std::path::PathBuf;

const PORT: &str = "47431";

struct Service {
    env: Env,
}

impl Service {
    fn new() -> Service {
        Service { env: Env::new() }
    }

    fn state(&self) -> PathBuf {
        self.env.dir.path().join("xdg/state/safe-pip")
    }

    fn run(&self, args: &[&str]) -> (i32, String, String) {
        let mut c = self.env.command(args);
        c.env("XDG_STATE_HOME", self.env.dir.path().join("xdg/state"));
        for var in ["PIP_CONFIG_FILE", "PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL", "UV_CONFIG_FILE", "UV_INDEX_URL", "UV_DEFAULT_INDEX", "VIRTUAL_ENV"] {
            c.env_remove(var);
        }
        common::output(c)
    }

    fn status(&self) -> String {
        let (code, out, err) = self.run(&["service", "status"]);
        assert_eq!(code, 3, "not running: {out}{err}");
        out
    }

    fn ok(&self, args: &[&str]) -> String {
        let (code, out, err) = self.run(args);
        assert_eq!(code, 0, "{args:?}: {out}{err}");
        out
    }
}

#[test]
fn status_reads_the_installers_files_as_they_are_now() {
    let s = Service::new();
    let pip_conf = s.env.dir.path().join("xdg/config/pip/pip.conf");
    let uv_toml = s.env.dir.path().join("xdg/config/uv/uv.toml");
    let before = s.status();
    assert!(before.starts_with("safe-pip service is not running (and no installer is set up"), "{before}");
    assert!(before.contains(&format!("pip: not set up: {}: the file does not exist", pip_conf.display())), "{before}");

    s.ok(&["setup", "pip", "--port", PORT]);
    let out = s.status();
    assert!(out.starts_with("safe-pip service is not running: pip installs fail until `safe-pip service start`"), "{out}");
    assert!(out.contains(&format!("pip: set up, uses the service ({})", pip_conf.display())), "{out}");
    assert!(out.contains("uv: not set up"), "{out}");

    s.ok(&["setup", "uv", "--port", PORT]);
    let out = s.status();
    assert!(out.contains("pip and uv installs fail"), "{out}");
    assert!(out.contains(&format!("uv: set up, uses the service ({})", uv_toml.display())), "{out}");

    s.ok(&["setup", "pip", "--undo"]);
    let out = s.status();
    assert!(out.contains(&format!("pip: not set up: {}: the file does not exist", pip_conf.display())), "{out}");
    assert!(out.starts_with("safe-pip service is not running: uv installs fail"), "{out}");

    // Edited by hand, without --undo: the file is what counts.
    std::fs::write(&uv_toml, "[[index]]\nurl = \"https://mirror.example/simple\"\ndefault = true\n").unwrap();
    let out = s.status();
    assert!(out.contains("uv: not set up: ") && out.contains("its index is https://mirror.example/simple"), "{out}");
    assert!(out.starts_with("safe-pip service is not running (and no installer is set up"), "{out}");
    s.ok(&["setup", "uv", "--undo"]);
    assert!(!uv_toml.exists());
    assert!(s.status().contains("uv: not set up: "));
}

fn entry(ago: i64, verdict: Verdict, project: &str, file: &str) -> Entry {
    let blocky = verdict != Verdict::Allow;
    Entry {
        time: rfc3339(safe_pip::db::now() - ago),
        verdict,
        project: project.into(),
        version: Some("1.0".into()),
        file: file.into(),
        index: "https://pypi.org/simple".into(),
        sha256: None,
        alerts: if blocky { vec!["decode-exec".into()] } else { Vec::new() },
        reason: if blocky { "decode-exec: exec() runs decoded data at module level (safe-pip explain decode-exec)".into() } else { "no alerts".into() },
        source: "analysed".into(),
        risk: if blocky { 90 } else { 0 },
    }
}

#[test]
fn log_shows_decisions_filtered_escaped_and_with_follow_ups() {
    let s = Service::new();
    let (_, none, _) = s.run(&["service", "log"]);
    assert!(none.contains("has logged no file decisions yet"), "{none}");
    assert!(s.status().contains("no file decisions logged yet"));

    let w = Writer::new(&s.state());
    w.append(&entry(2 * 86_400, Verdict::Block, "ancient", "ancient-1.0.tar.gz")).unwrap();
    w.append(&entry(3 * 3600, Verdict::Block, "evil\u{1b}[2J", "evil-1.0-py3-none-any.whl")).unwrap();
    w.append(&entry(300, Verdict::Warn, "iffy", "iffy-1.0-py3-none-any.whl")).unwrap();
    w.append(&entry(60, Verdict::Allow, "fine", "fine-1.0-py3-none-any.whl")).unwrap();

    let all = s.ok(&["service", "log"]);
    assert!(!all.contains('\u{1b}'), "no escape sequence reaches the terminal: {all:?}");
    assert!(all.contains("BLOCK  evil [2J 1.0  evil-1.0-py3-none-any.whl  from https://pypi.org/simple · analysed · risk 90"), "{all}");
    assert!(all.contains("next: safe-pip explain decode-exec  ·  safe-pip vet iffy==1.0"), "{all}");
    assert!(all.contains("ALLOW  fine 1.0"), "{all}");
    assert!(all.trim_end().ends_with("safe-pip: 4 file decisions: 2 blocked, 1 warned, 1 allowed"), "{all}");

    let recent = s.ok(&["service", "log", "--since", "1h"]);
    assert!(recent.contains("WARN ") && recent.contains("ALLOW") && !recent.contains("BLOCK"), "{recent}");
    let blocked = s.ok(&["service", "log", "--blocked", "--since", "1d"]);
    assert!(blocked.contains("evil") && !blocked.contains("ancient") && !blocked.contains("iffy"), "{blocked}");
    let since = rfc3339(safe_pip::db::now() - 4 * 3600);
    let both = s.ok(&["service", "log", "--blocked", "--warned", "--since", &since]);
    assert!(both.contains("safe-pip: 2 blocked or warned files since "), "{both}");

    let json: serde_json::Value = serde_json::from_str(&s.ok(&["service", "log", "--warned", "--format", "json"])).unwrap();
    assert_eq!(json.as_array().map(Vec::len), Some(1), "{json}");
    assert_eq!((json[0]["verdict"].as_str(), json[0]["project"].as_str()), (Some("warn"), Some("iffy")));
    assert_eq!(json[0]["alerts"][0], "decode-exec");

    let (code, _, err) = s.run(&["service", "log", "--since", "yesterday"]);
    assert_eq!(code, 2);
    assert!(err.contains("neither a duration (30s, 10m, 2h, 1d, 2w) nor an RFC 3339 time"), "{err}");

    let status = s.status();
    assert!(status.contains("last 24 hours: 1 blocked, 1 warned, 1 allowed; details: safe-pip service log --since 1d --blocked --warned"), "{status}");
}

#[test]
fn setup_points_pip_and_uv_at_a_gateway_and_undo_restores_them() {
    let s = Service::new();
    let pip_conf = s.env.dir.path().join("xdg/config/pip/pip.conf");
    let uv_toml = s.env.dir.path().join("xdg/config/uv/uv.toml");
    let pip_before = "[global]\ntimeout = 60\nindex-url = https://pypi.org/simple\nextra-index-url = https://private.example/simple\n";
    let uv_before = "[[index]]\nname = \"private\"\nurl = \"https://private.example/simple\"\n";
    std::fs::create_dir_all(pip_conf.parent().unwrap()).unwrap();
    std::fs::create_dir_all(uv_toml.parent().unwrap()).unwrap();
    std::fs::write(&pip_conf, pip_before).unwrap();
    std::fs::write(&uv_toml, uv_before).unwrap();
    let gw = "https://gateway.example/u/0/simple/";

    let (code, out, err) = s.run(&["setup", "pip", "--gateway", gw]);
    assert_eq!(code, 0, "{out}{err}");
    let written = std::fs::read_to_string(&pip_conf).unwrap();
    assert!(written.contains(&format!("index-url = {gw}")) && written.contains("timeout = 60"), "{written}");
    assert!(!written.contains("private.example") && !written.contains("pypi.org"), "{written}");
    assert!(err.contains("private.example/simple was removed"), "{err}");
    assert!(out.contains("machine gateway.example"), "{out}");

    let (code, out, err) = s.run(&["setup", "uv", "--gateway", gw]);
    assert_eq!(code, 0, "{out}{err}");
    let written = std::fs::read_to_string(&uv_toml).unwrap();
    assert!(written.contains(&format!("url = \"{gw}\"")) && written.contains("default = true"), "{written}");
    assert!(written.contains("name = \"private\""), "named indexes are kept: {written}");
    assert!(err.contains("private.example/simple is kept and bypasses the gateway"), "{err}");

    let (code, _, err) = s.run(&["setup", "pip", "--gateway", "https://ci:secret@gateway.example/u/0/simple/"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("leave the token out of the URL") && !err.contains("secret@"), "{err}");

    s.ok(&["setup", "pip", "--undo"]);
    s.ok(&["setup", "uv", "--undo"]);
    assert_eq!(std::fs::read_to_string(&pip_conf).unwrap(), pip_before);
    assert_eq!(std::fs::read_to_string(&uv_toml).unwrap(), uv_before);
}

#[test]
fn run_refuses_to_serve_on_broken_settings_and_names_the_file() {
    let s = Service::new();
    let config = s.env.dir.path().join("user.toml");
    std::fs::write(&config, "unverified = = 'warn'\n").unwrap();
    let mut c = s.env.command(&["service", "run", "--port", "0"]);
    c.env("XDG_STATE_HOME", s.env.dir.path().join("xdg/state")).env("SAFE_PIP_CONFIG", &config);
    c.stdout(std::process::Stdio::piped()).stderr(std::process::Stdio::piped());
    let mut child = c.spawn().expect("start safe-pip");
    // it must stop on its own; a service that ignored the file would serve until killed
    let started = std::time::Instant::now();
    while child.try_wait().expect("wait").is_none() && started.elapsed() < std::time::Duration::from_secs(30) {
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let served = child.try_wait().expect("wait").is_none();
    if served {
        child.kill().ok();
    }
    let out = child.wait_with_output().expect("output");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!served, "the service started despite invalid settings: {err}");
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("user.toml"), "names the file: {err}");
}
