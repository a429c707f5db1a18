//! Zip archives (wheels, eggs, zip sdists) through the `zip` crate, over a seekable
//! reader. Each member is its own compressed stream, so the bomb ratio is checked per
//! member; declared sizes are only used to stop early, never to allocate.

use super::limits::{CountingReader, MeteredReader, RATIO_FLOOR_BYTES, RatioMode};
use super::member::{StreamError, Unread};
use super::paths;
use super::collector::{Collector, Stop};
use super::inflate::Inflater;
use std::io::{Read, Seek};

const S_IFMT: u32 = 0o170_000;
const S_IFLNK: u32 = 0o120_000;
const S_IFCHR: u32 = 0o020_000;
const S_IFBLK: u32 = 0o060_000;
const S_IFIFO: u32 = 0o010_000;
const S_IFSOCK: u32 = 0o140_000;
/// Longest symlink target read from a zip member.
const LINK_TARGET_CAP: u64 = 4096;

struct EntryInfo {
    path: String,
    is_dir: bool,
    mode: Option<u32>,
    encrypted: bool,
    declared: u64,
    /// Bytes the member takes in the archive.
    compressed: u64,
    /// Deflated (rather than stored, bzip2, lzma …), with the content's CRC-32.
    deflated_crc: Option<u32>,
}

pub(super) fn read_zip<R: Read + Seek>(input: R, col: &mut Collector) -> Result<(), Stop> {
    let counted = CountingReader::new(input, col.budget.clone());
    let mut zip = zip::ZipArchive::new(counted)
        .map_err(|e| Stop::Corrupt(format!("zip central directory unreadable: {e}")))?;
    if zip.has_duplicate_names() {
        col.unreadable(
            "",
            "zip holds several entries with the same name; extractors pick different ones and only one could be checked"
                .to_string(),
        );
    }
    match zip.has_overlapping_files() {
        Ok(false) => {}
        Ok(true) => {
            return Err(col.limit("zip members share compressed data (overlapping entries): zip bomb construction".into()));
        }
        Err(e) => col.unreadable("", format!("zip local headers are inconsistent with the central directory: {e}")),
    }
    for index in 0..zip.len() {
        if let Ok(e) = zip.by_index_data(index) {
            if !e.is_dir() {
                col.reserve_model(&String::from_utf8_lossy(e.name_raw()), e.size());
            }
        }
    }
    let mut inflater = Inflater::new();
    for index in 0..zip.len() {
        col.count_entry()?;
        let info = match zip.by_index_data(index) {
            Ok(e) => EntryInfo {
                path: paths::normalize(&e.name().map(|n| n.into_owned()).unwrap_or_else(|_| {
                    String::from_utf8_lossy(e.name_raw()).into_owned()
                })),
                is_dir: e.is_dir(),
                mode: e.unix_mode(),
                encrypted: e.encrypted(),
                declared: e.size(),
                compressed: e.compressed_size(),
                deflated_crc: (e.compression() == zip::CompressionMethod::Deflated).then(|| e.crc32()),
            },
            Err(e) => {
                col.unreadable("", format!("zip entry #{index} unreadable: {e}"));
                continue;
            }
        };
        let path = info.path;
        let file_type = info.mode.map(|m| m & S_IFMT);
        if info.is_dir {
            col.check_path(&path);
            continue;
        }
        let special = match file_type {
            Some(S_IFCHR) => Some("character device"),
            Some(S_IFBLK) => Some("block device"),
            Some(S_IFIFO) => Some("FIFO"),
            Some(S_IFSOCK) => Some("socket"),
            _ => None,
        };
        if let Some(what) = special {
            col.special(&path, what);
            continue;
        }
        if info.encrypted {
            col.check_path(&path);
            col.unreadable(&path, "member is encrypted; its content could not be checked".to_string());
            continue;
        }
        let max_total = col.limits.max_total_bytes;
        if info.declared > max_total.saturating_sub(col.budget.total_out()) {
            return Err(col.limit(format!(
                "member {path} declares {} uncompressed bytes, beyond the {max_total}-byte limit",
                info.declared
            )));
        }
        let unread = Unread::zip(info.declared);
        if unread == Unread::Head {
            // a member that may be left unread past its head is judged by what it
            // declares: that is what an installer's `zipfile` writes (see `Unread::Head`)
            let ratio = col.limits.max_ratio.max(1);
            if info.declared >= RATIO_FLOOR_BYTES && info.declared > info.compressed.max(1).saturating_mul(ratio) {
                return Err(col.limit(format!(
                    "member {path} declares {} bytes from {} compressed bytes (ratio over {ratio}:1): decompression bomb",
                    info.declared, info.compressed
                )));
            }
        }
        col.budget.start_member();
        // deflated content goes through the archive's one decompressor (see `inflate`)
        let inflate_crc = info.deflated_crc.filter(|_| file_type != Some(S_IFLNK));
        let opened = if inflate_crc.is_some() { zip.by_index_raw(index) } else { zip.by_index(index) };
        let file = match opened {
            Ok(f) => f,
            Err(e) => {
                col.check_path(&path);
                col.unreadable(&path, format!("member could not be opened: {e}"));
                continue;
            }
        };
        if let Some(crc) = inflate_crc {
            let mut metered = MeteredReader::new(inflater.member(file, crc), col.budget.clone(), RatioMode::Member);
            add_member(col, path, info.declared, unread, &mut metered)?;
            continue;
        }
        let mut metered = MeteredReader::new(file, col.budget.clone(), RatioMode::Member);
        if file_type == Some(S_IFLNK) {
            let mut target = Vec::new();
            match (&mut metered).take(LINK_TARGET_CAP).read_to_end(&mut target) {
                Ok(_) => col.link(&path, &String::from_utf8_lossy(&target), false),
                Err(e) => col.unreadable(&path, format!("symlink target unreadable: {e}")),
            }
            continue;
        }
        add_member(col, path, info.declared, unread, &mut metered)?;
    }
    Ok(())
}

/// Reads one regular member into the collector: a crossed limit stops the archive, a
/// corrupt member is reported and the next one read.
fn add_member(col: &mut Collector, path: String, declared: u64, unread: Unread, content: &mut dyn Read) -> Result<(), Stop> {
    match col.add_file(path.clone(), declared, unread, content) {
        Ok(_) => {
            // what was left unread still counts against the archive's total, as declared
            if col.members.last().is_some_and(|m| m.path == path && m.sha256.is_none()) {
                col.budget.add_output(declared.saturating_sub(col.budget.member_out()));
            }
            Ok(())
        }
        Err(StreamError::Limit(reason)) => Err(col.limit(reason)),
        Err(StreamError::Io { error, bytes }) => {
            if let Some(reason) = col.budget.limit_hit() {
                return Err(col.limit(reason));
            }
            col.unreadable(&path, format!("member is corrupt after {bytes} bytes: {error}"));
            Ok(())
        }
    }
}
