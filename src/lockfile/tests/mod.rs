//! Tests of the lockfile readers, on fixtures in `tests/fixtures/lockfiles/` (modelled on
//! real pip-compile, Poetry 1.x/2.x, PEP 751 and uv output) and inline texts.

mod detect_diff;
mod poetry;
mod read;
mod pylock;
mod requirements;
mod uv_lock;

use std::path::{Path, PathBuf};

use super::*;

pub(super) const REQUIREMENTS: &str = include_str!("../../../tests/fixtures/lockfiles/requirements.txt");
pub(super) const POETRY_2: &str = include_str!("../../../tests/fixtures/lockfiles/poetry-2.lock");
pub(super) const POETRY_1: &str = include_str!("../../../tests/fixtures/lockfiles/poetry-1.lock");
pub(super) const PYLOCK: &str = include_str!("../../../tests/fixtures/lockfiles/pylock.toml");
pub(super) const UV_LOCK: &str = include_str!("../../../tests/fixtures/lockfiles/uv.lock");

pub(super) fn package<'a>(lock: &'a Lockfile, name: &str) -> &'a LockedPackage {
    lock.find(name)
        .next()
        .unwrap_or_else(|| panic!("{name} not in {:?}", lock.packages.iter().map(|p| &p.name).collect::<Vec<_>>()))
}

/// The 1-based line of the first line of `text` that contains `needle`.
pub(super) fn line_of(text: &str, needle: &str) -> usize {
    text.lines().position(|l| l.contains(needle)).unwrap_or_else(|| panic!("{needle} not in text")) + 1
}

pub(super) fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).unwrap();
    }
    std::fs::write(&path, text).unwrap();
    path
}

pub(super) fn sha(hex_seed: u8) -> String {
    format!("{:02x}", hex_seed).repeat(32)
}
