//! Where projects keep hand-run maintenance scripts: code there is shipped but run by
//! nobody who installs or imports the package.

/// Directories where projects keep hand-run maintenance scripts (release, CI, build
/// helpers). A module outside any package elsewhere is not assumed to be dormant: a
/// loose module at an odd place in an archive is still shipped code.
const SCRIPT_DIRS: &[&str] = &[
    "scripts", "script", "tools", "tool", "ci", ".github", ".circleci", "dev", "devtools", "dev-tools", "dev_tools",
    "build_tools", "buildtools", "build-tools", "benchmarks", "bench", "bin", "maint", "maint_tools", "release", "tasks",
];

/// True when `path` sits under one of [`SCRIPT_DIRS`].
pub(super) fn in_script_dir(path: &str) -> bool {
    let mut dirs: Vec<&str> = path.split('/').collect();
    dirs.pop();
    dirs.iter().any(|d| is_script_dir(d))
}

/// True for a directory name from [`SCRIPT_DIRS`] (any case).
pub(super) fn is_script_dir(dir: &str) -> bool {
    SCRIPT_DIRS.contains(&dir.to_ascii_lowercase().as_str())
}
