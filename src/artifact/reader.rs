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

/// Reads a package file or an unpacked directory.
pub(crate) fn read_path(path: &Path, limits: &Limits) -> Result<Artifact, ArtifactError> {
    let shown = path.display().to_string();
    let io_err = |source| ArtifactError::Io { path: shown.clone(), source };
    let meta = std::fs::metadata(path).map_err(io_err)?;
    if !meta.is_dir() && !meta.is_file() {
        // FIFOs and devices would block or never end.
        return Err(ArtifactError::Corrupt(format!("{shown}: not a regular file or directory")));
    }
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| shown.clone());
    if meta.is_dir() {
        return crate::timings::time(crate::timings::Phase::Read, || dir_reader::read_directory(path, &name, limits));
    }
    let mut file = File::open(path).map_err(io_err)?;
    if meta.len() == 0 {
        return Err(ArtifactError::Corrupt(format!("{name}: file is empty")));
    }
    let hash = |file: &mut File| crate::timings::time(crate::timings::Phase::Read, || sha256_stream(file));
    let read = |file: File, sha: String| {
        crate::timings::time(crate::timings::Phase::Decompress, || read_container(&name, SeekBuf::new(256 * 1024, file), sha, limits))
    };
    if meta.len() < HASH_ALONGSIDE_FROM_BYTES {
        let sha = hash(&mut file).map_err(io_err)?;
        file.seek(SeekFrom::Start(0)).map_err(io_err)?;
        return read(file, sha);
    }
    // a large file is hashed on a thread of its own while its members are read: the
    // hash is needed only once the artifact is made, and both are a pass over the file
    let sink = crate::timings::current();
    let mut hashing_file = File::open(path).map_err(io_err)?;
    std::thread::scope(|s| {
        let hashing = s.spawn(move || {
            let _g = crate::timings::Sink::enter(sink);
            hash(&mut hashing_file)
        });
        let artifact = read(file, String::new());
        let sha = hashing.join().map_err(|_| ArtifactError::Corrupt(format!("{shown}: hashing the file failed")))?;
        let sha = sha.map_err(io_err)?;
        artifact.map(|a| Artifact { sha256: Some(sha), ..a })
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
    read_container(filename, Cursor::new(bytes), sha256, limits)
}

pub(super) use crate::hex::hex;

fn read_container<R: Read + Seek>(
    filename: &str,
    mut reader: R,
    sha256: String,
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
    finish(filename, ArtifactKind::Sdist, container, Some(sha256), col, result)
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
