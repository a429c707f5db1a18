//! Package fixtures for unit tests, built in memory. The malicious one is a harmless
//! canary: if it ever ran it would only talk to 127.0.0.1.

/// A `.tar.gz` sdist `{name}-{version}/…` with a PKG-INFO and the given members.
pub(crate) fn sdist(name: &str, version: &str, files: &[(&str, &str)]) -> Vec<u8> {
    let root = format!("{name}-{version}");
    let mut b = tar::Builder::new(flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default()));
    let pkg_info = format!("Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n");
    let mut all = vec![("PKG-INFO", pkg_info.as_str())];
    all.extend_from_slice(files);
    for (p, c) in all {
        let mut h = tar::Header::new_gnu();
        h.set_size(c.len() as u64);
        h.set_mode(0o644);
        h.set_cksum();
        b.append_data(&mut h, format!("{root}/{p}"), c.as_bytes()).unwrap();
    }
    b.into_inner().unwrap().finish().unwrap()
}

pub(crate) const CLEAN_SETUP: &str = "from setuptools import setup\nsetup(name='tidy-numbers', version='3.1.0', packages=['tidy_numbers'])\n";
pub(crate) const CLEAN_INIT: &str = "def mean(xs):\n    xs = list(xs)\n    return sum(xs) / len(xs) if xs else 0.0\n";
/// Install-time network to 127.0.0.1 (critical `install-network`: blocked).
pub(crate) const CANARY_SETUP: &str = "import urllib.request\nfrom setuptools import setup\nurllib.request.urlopen('http://127.0.0.1:9/canary')\nsetup(name='canary-pkg', version='1.0')\n";

/// A clean sdist of `name` `version`.
pub(crate) fn clean_sdist(name: &str, version: &str) -> Vec<u8> {
    sdist(name, version, &[("setup.py", CLEAN_SETUP), ("tidy_numbers/__init__.py", CLEAN_INIT)])
}

/// A canary sdist of `name` `version` (blocked by the default policy).
pub(crate) fn canary_sdist(name: &str, version: &str) -> Vec<u8> {
    sdist(name, version, &[("setup.py", CANARY_SETUP)])
}

/// A temporary folder holding a verdict DB (`v.sqlite3`) and whatever files a test writes
/// next to it; removed when dropped.
pub(crate) struct TempDb {
    dir: tempfile::TempDir,
}

impl TempDb {
    pub(crate) fn new() -> TempDb {
        TempDb { dir: tempfile::tempdir().expect("temp dir") }
    }
    /// The folder itself.
    pub(crate) fn path(&self) -> &std::path::Path {
        self.dir.path()
    }
    pub(crate) fn db_path(&self) -> std::path::PathBuf {
        self.dir.path().join("v.sqlite3")
    }
    pub(crate) fn db(&self) -> crate::db::Db {
        crate::db::Db::open(&self.db_path()).expect("open DB")
    }
    pub(crate) fn gate(&self) -> crate::gate::Gate {
        crate::gate::Gate::open(Some(&self.db_path()), crate::pipeline::ScanOptions::default()).expect("gate")
    }
    /// Writes `text` to `name` in the folder.
    pub(crate) fn write(&self, name: &str, text: &str) -> std::path::PathBuf {
        let p = self.dir.path().join(name);
        std::fs::write(&p, text).expect("write");
        p
    }
}
