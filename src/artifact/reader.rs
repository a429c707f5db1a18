//! Entry points: read a file or a directory into an [`Artifact`]. The container is
//! chosen from magic bytes; the format readers share one [`Collector`] that applies the
//! limits and turns hostile entries into findings.

use super::collector::{Collector, finish};
use super::package::{Artifact, ArtifactError};
use super::format::{ArtifactKind, Container};
use super::limits::Limits;
use super::magic;
use super::{dir_reader, tar_reader, zip_reader};
use crate::alerts::AlertId;
use crate::finding::Finding;
use sha2::{Digest, Sha256};
use std::fs::File;
use super::seek_buf::SeekBuf;
use std::io::{self, Cursor, Read, Seek, SeekFrom};
use std::path::Path;

/// True for file names a directory walk should treat as package files:
/// .tar.gz .tgz .tar.bz2 .tar.xz .tar .zip .whl .egg (case-insensitive).
pub(crate) fn is_package_file(path: &Path) -> bool {
    path.file_name().and_then(|n| n.to_str()).is_some_and(magic::has_package_extension)
}

/// Reads a package file or an unpacked directory, hash included.
#[cfg(test)]
pub(crate) fn read_path(path: &Path, limits: &Limits) -> Result<Artifact, ArtifactError> {
    let (read, hashed) = read_path_then(path, limits, |read| read);
    match (read, hashed) {
        (Ok(a), Ok(Some(sha))) => Ok(Artifact { sha256: Some(sha), ..a }),
        (Err(e), _) | (Ok(_), Err(e)) => Err(e),
        (read, Ok(None)) => read,
    }
}

/// Reads a package file or an unpacked directory and hands the result to `then`. A
/// large file is hashed on a thread of its own, alongside reading and then alongside
/// `then` (the analysis): the hash is needed only for the report, and the analysis
/// need not wait for a pass over 600 MB. Its hash comes back beside `then`'s result
/// (`Ok(None)`: the artifact carries it, or there is none); `Err` when hashing failed.
pub(crate) fn read_path_then<R>(
    path: &Path,
    limits: &Limits,
    then: impl FnOnce(Result<Artifact, ArtifactError>) -> R,
) -> (R, Result<Option<String>, ArtifactError>) {
    let shown = path.display().to_string();
    let io_err = |source| ArtifactError::Io { path: shown.clone(), source };
    let opened = (|| {
        let meta = std::fs::metadata(path).map_err(io_err)?;
        if !meta.is_dir() && !meta.is_file() {
            // FIFOs and devices would block or never end.
            return Err(ArtifactError::Corrupt(format!("{shown}: not a regular file or directory")));
        }
        let file = if meta.is_dir() { None } else { Some(File::open(path).map_err(io_err)?) };
        Ok((meta, file))
    })();
    let (meta, file) = match opened {
        Ok(opened) => opened,
        Err(e) => return (then(Err(e)), Ok(None)),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| shown.clone());
    let Some(mut file) = file else {
        let read = crate::timings::time(crate::timings::Phase::Read, || dir_reader::read_directory(path, &name, limits));
        return (then(read), Ok(None));
    };
    if meta.len() == 0 {
        return (then(Err(ArtifactError::Corrupt(format!("{name}: file is empty")))), Ok(None));
    }
    let hash = |file: &mut File| crate::timings::time(crate::timings::Phase::Read, || sha256_stream(file));
    let read = |file: File, sha: Option<String>| {
        crate::timings::time(crate::timings::Phase::Decompress, || read_container(&name, SeekBuf::new(256 * 1024, file), sha, limits))
    };
    if meta.len() < HASH_ALONGSIDE_FROM_BYTES {
        let hashed = hash(&mut file).and_then(|sha| file.seek(SeekFrom::Start(0)).map(|_| sha));
        let read = match hashed {
            Ok(sha) => read(file, Some(sha)),
            Err(e) => Err(io_err(e)),
        };
        return (then(read), Ok(None));
    }
    let mut hashing_file = match File::open(path) {
        Ok(f) => f,
        Err(e) => return (then(Err(io_err(e))), Ok(None)),
    };
    let sink = crate::timings::current();
    std::thread::scope(|s| {
        let hashing = s.spawn(move || {
            let _g = crate::timings::Sink::enter(sink);
            hash(&mut hashing_file)
        });
        let out = then(read(file, None));
        let sha = match hashing.join() {
            Ok(Ok(sha)) => Ok(Some(sha)),
            Ok(Err(e)) => Err(io_err(e)),
            Err(_) => Err(ArtifactError::Corrupt(format!("{shown}: hashing the file failed"))),
        };
        (out, sha)
    })
}

/// Files from this size on are hashed alongside reading their members.
const HASH_ALONGSIDE_FROM_BYTES: u64 = 8 * 1024 * 1024;

/// Lower-case hex sha256 of everything `r` yields, read in 256 KiB blocks.
pub(crate) fn sha256_stream(r: &mut impl Read) -> io::Result<String> {
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 256 * 1024];
    loop {
        match r.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => hasher.update(&buf[..n]),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(hex(&hasher.finalize()))
}

/// Reads a package file already in memory.
pub(crate) fn read_bytes(filename: &str, bytes: &[u8], limits: &Limits) -> Result<Artifact, ArtifactError> {
    read_hashed_bytes(filename, bytes, hex(&Sha256::digest(bytes)), limits)
}

/// [`read_bytes`] of bytes whose lower-case hex sha256 the caller already has (a gate
/// looks the file up by it before analysing): a second pass over them is saved.
pub(crate) fn read_hashed_bytes(filename: &str, bytes: &[u8], sha256: String, limits: &Limits) -> Result<Artifact, ArtifactError> {
    if bytes.is_empty() {
        return Err(ArtifactError::Corrupt(format!("{filename}: file is empty")));
    }
    read_container(filename, Cursor::new(bytes), Some(sha256), limits)
}

pub(super) use crate::hex::hex;

fn read_container<R: Read + Seek>(
    filename: &str,
    mut reader: R,
    sha256: Option<String>,
    limits: &Limits,
) -> Result<Artifact, ArtifactError> {
    let io_err = |source| ArtifactError::Io { path: filename.to_string(), source };
    let mut head = Vec::with_capacity(512);
    (&mut reader).take(512).read_to_end(&mut head).map_err(io_err)?;
    let container = match magic::container_from_magic(&head) {
        Some(c) => c,
        None if zip_end_record_present(&mut reader).map_err(io_err)? => Container::Zip,
        None => return Err(ArtifactError::Corrupt(format!("{filename}: not a package archive ({})", describe_head(&head)))),
    };
    reader.seek(SeekFrom::Start(0)).map_err(io_err)?;

    let mut col = Collector::new(limits);
    if let Some(claimed) = magic::container_from_name(filename)
        && claimed != container
    {
        col.findings.push(Finding::new(
            AlertId::ArchiveExtensionMismatch,
            "",
            format!(
                "named as {} but the content is {}; read as {}",
                magic::container_name(claimed),
                magic::container_name(container),
                magic::container_name(container)
            ),
        ));
    }
    let result = match container {
        Container::Zip => zip_reader::read_zip(reader, &mut col),
        Container::Directory => Ok(()),
        tar => tar_reader::read_tar(reader, tar, &mut col),
    };
    finish(filename, ArtifactKind::Sdist, container, sha256, col, result)
}

fn zip_end_record_present<R: Read + Seek>(reader: &mut R) -> io::Result<bool> {
    let len = reader.seek(SeekFrom::End(0))?;
    // The end record is 22 bytes plus a comment of at most 65535.
    let start = len.saturating_sub(22 + 65_535);
    reader.seek(SeekFrom::Start(start))?;
    let mut tail = Vec::new();
    reader.take(len - start).read_to_end(&mut tail)?;
    Ok(magic::has_zip_end_record(&tail))
}

fn describe_head(head: &[u8]) -> String {
    if head.is_empty() {
        return "empty".to_string();
    }
    let shown = hex(&head[..head.len().min(8)]);
    format!("unrecognised content, first bytes {shown}")
}
