//! Fixture builders shared by the integration tests: packages are built in memory by the
//! tests themselves. Malicious fixtures are harmless canaries (they only talk to 127.0.0.1).

#![allow(dead_code)]

use std::io::Write;
use std::path::{Path, PathBuf};

/// Writes a .tar.gz sdist named `{name}-{version}.tar.gz` with the given members
/// (paths relative to the `{name}-{version}/` root) into `dir`.
pub(crate) fn sdist(dir: &Path, name: &str, version: &str, files: &[(&str, &str)]) -> PathBuf {
    let root = format!("{name}-{version}");
    let mut builder = tar::Builder::new(flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default()));
    let mut all: Vec<(String, String)> = files.iter().map(|(p, c)| (format!("{root}/{p}"), c.to_string())).collect();
    if !files.iter().any(|(p, _)| *p == "PKG-INFO") {
        all.push((format!("{root}/PKG-INFO"), format!("Metadata-Version: 2.1\nName: {name}\nVersion: {version}\nSummary: fixture\n")));
    }
    for (path, content) in &all {
        let mut h = tar::Header::new_gnu();
        h.set_size(content.len() as u64);
        h.set_mode(0o644);
        h.set_cksum();
        builder.append_data(&mut h, path, content.as_bytes()).expect("append");
    }
    let bytes = builder.into_inner().expect("tar").finish().expect("gzip");
    let path = dir.join(format!("{root}.tar.gz"));
    std::fs::File::create(&path).and_then(|mut f| f.write_all(&bytes)).expect("write fixture");
    path
}

pub(crate) const CANARY_SETUP: &str = r#"
from setuptools import setup
from setuptools.command.install import install
import urllib.request

class PostInstall(install):
    def run(self):
        install.run(self)
        urllib.request.urlopen("http://127.0.0.1:9/canary")

setup(name="canary-pkg", version="1.0", cmdclass={"install": PostInstall})
"#;

pub(crate) const BENIGN_SETUP: &str = r#"
from setuptools import setup, find_packages

with open("README.md") as f:
    long_description = f.read()

setup(name="tidy-numbers", version="1.0", packages=find_packages(), long_description=long_description)
"#;

pub(crate) const BENIGN_MODULE: &str = r#"
"""Small arithmetic helpers."""

def mean(values):
    values = list(values)
    return sum(values) / len(values) if values else 0.0
"#;

/// An isolated environment for the real binary: the verdict DB (SAFE_PIP_DB), HOME and
/// the XDG folders all point into one temp dir, so no test touches the user's DB or config.
pub(crate) struct Env {
    pub dir: tempfile::TempDir,
}

impl Env {
    pub(crate) fn new() -> Env {
        Env { dir: tempfile::tempdir().expect("temp dir") }
    }

    pub(crate) fn db(&self) -> PathBuf {
        self.dir.path().join("data/verdicts.sqlite3")
    }

    pub(crate) fn command(&self, args: &[&str]) -> std::process::Command {
        let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_safe-pip"));
        c.args(args)
            .env("SAFE_PIP_DB", self.db())
            .env("HOME", self.dir.path())
            .env("XDG_DATA_HOME", self.dir.path().join("xdg/data"))
            .env("XDG_CONFIG_HOME", self.dir.path().join("xdg/config"))
            // Empty org and user config files: the machine's real settings never reach a test.
            .env("SAFE_PIP_ORG_CONFIG", self.empty_config())
            .env("SAFE_PIP_CONFIG", self.empty_config())
            .env("NO_COLOR", "1");
        c
    }

    fn empty_config(&self) -> PathBuf {
        let p = self.dir.path().join("empty-config.toml");
        if !p.exists() {
            std::fs::write(&p, "").expect("write empty config");
        }
        p
    }

    pub(crate) fn run(&self, args: &[&str]) -> (i32, String, String) {
        output(self.command(args))
    }

    pub(crate) fn write(&self, rel: &str, content: &str) -> PathBuf {
        let p = self.dir.path().join(rel);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(&p, content).expect("write");
        p
    }
}

/// Exit code, stdout and stderr of a finished command.
pub(crate) fn output(mut c: std::process::Command) -> (i32, String, String) {
    let out = c.output().expect("run safe-pip");
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
}

/// Runs the binary in a fresh isolated [`Env`] (its own empty verdict DB).
pub(crate) fn run(args: &[&str]) -> (i32, String, String) {
    Env::new().run(args)
}

/// A path as `&str` (temp paths are UTF-8).
pub(crate) fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 temp path")
}
