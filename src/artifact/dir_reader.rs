//! Unpacked source trees. Walked with std::fs without following symlinks (they are
//! reported like archive links); version-control and cache directories are skipped.

use super::collector::{Collector, Stop, finish};
use super::format::{ArtifactKind, Container};
use super::limits::{Limits, MeteredReader, RatioMode};
use super::member::{StreamError, Unread};
use super::package::{Artifact, ArtifactError};
use std::fs;
use std::path::{Path, PathBuf};

/// Directory names never descended into.
const SKIPPED_DIRS: &[&str] = &[".git", "__pycache__", "node_modules", ".venv"];

pub(super) fn read_directory(root: &Path, name: &str, limits: &Limits) -> Result<Artifact, ArtifactError> {
    // The root itself must be listable; problems below it become findings.
    fs::read_dir(root).map_err(|source| ArtifactError::Io { path: root.display().to_string(), source })?;
    let mut col = Collector::new(limits);
    let result = walk(root, &mut col);
    finish(name, ArtifactKind::Directory, Container::Directory, None, col, result)
}

fn walk(root: &Path, col: &mut Collector) -> Result<(), Stop> {
    let mut stack: Vec<(PathBuf, String)> = vec![(root.to_path_buf(), String::new())];
    while let Some((dir, rel_dir)) = stack.pop() {
        let listing = match fs::read_dir(&dir) {
            Ok(l) => l,
            Err(e) => {
                col.unreadable(&rel_dir, format!("directory could not be listed: {e}"));
                continue;
            }
        };
        let mut children: Vec<fs::DirEntry> = listing.filter_map(Result::ok).collect();
        children.sort_by_key(|e| e.file_name());
        let mut subdirs = Vec::new();
        for child in children {
            col.count_entry()?;
            let name = child.file_name().to_string_lossy().into_owned();
            let rel = if rel_dir.is_empty() { name.clone() } else { format!("{rel_dir}/{name}") };
            let file_type = match child.file_type() {
                Ok(t) => t,
                Err(e) => {
                    col.unreadable(&rel, format!("file type unavailable: {e}"));
                    continue;
                }
            };
            if file_type.is_symlink() {
                let target = fs::read_link(child.path())
                    .map(|t| t.to_string_lossy().replace('\\', "/"))
                    .unwrap_or_default();
                col.link(&rel, &target, false);
            } else if file_type.is_dir() {
                if !SKIPPED_DIRS.contains(&name.as_str()) {
                    subdirs.push((child.path(), rel));
                }
            } else if file_type.is_file() {
                read_file(&child.path(), rel, col)?;
            } else {
                col.special(&rel, special_kind(&file_type));
            }
        }
        // Reverse so the walk visits directories in name order.
        stack.extend(subdirs.into_iter().rev());
    }
    Ok(())
}

fn read_file(path: &Path, rel: String, col: &mut Collector) -> Result<(), Stop> {
    let file = match fs::File::open(path) {
        Ok(f) => f,
        Err(e) => {
            col.unreadable(&rel, format!("file could not be opened: {e}"));
            return Ok(());
        }
    };
    let declared = file.metadata().map(|m| m.len()).unwrap_or(0);
    let mut metered = MeteredReader::new(file, col.budget.clone(), RatioMode::None);
    match col.add_file(rel.clone(), declared, Unread::HeadUnlessExecutable, &mut metered) {
        Ok(_) => Ok(()),
        Err(StreamError::Limit(reason)) => Err(col.limit(reason)),
        Err(StreamError::Io { error, bytes }) => {
            col.unreadable(&rel, format!("read failed after {bytes} bytes: {error}"));
            Ok(())
        }
    }
}

#[cfg(unix)]
fn special_kind(t: &fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    if t.is_char_device() {
        "character device"
    } else if t.is_block_device() {
        "block device"
    } else if t.is_fifo() {
        "FIFO"
    } else if t.is_socket() {
        "socket"
    } else {
        "special file"
    }
}

#[cfg(not(unix))]
fn special_kind(_t: &fs::FileType) -> &'static str {
    "special file"
}
