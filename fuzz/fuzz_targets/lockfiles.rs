//! Every lockfile reader: requirements files, poetry.lock, pylock.toml, uv.lock.
#![no_main]
use libfuzzer_sys::fuzz_target;
use safe_pip::lockfile::{LockFormat, parse, requirements};
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    // Includes (`-r`, `-c`) are answered from memory: the fuzzer must not read files.
    let no_files = |p: &Path| -> std::io::Result<String> { Err(std::io::Error::other(format!("{} not read", p.display()))) };
    let _ = requirements::parse_with(Path::new("requirements.txt"), text, &no_files);
    for (format, name) in [
        (LockFormat::PoetryLock, "poetry.lock"),
        (LockFormat::PyLock, "pylock.toml"),
        (LockFormat::UvLock, "uv.lock"),
    ] {
        let _ = parse(format, Path::new(name), text);
    }
});
