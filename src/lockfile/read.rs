//! Reading a requirements file or lockfile from disk: regular files only, size-capped,
//! UTF-8 text.

use super::model::LockfileError;
use std::path::Path;

/// Largest requirements file or lockfile read (16 MiB; real ones are a few hundred KiB).
pub const MAX_LOCKFILE_BYTES: u64 = 16 * 1024 * 1024;

/// Reads a requirements file or lockfile: only a regular file (a FIFO would block,
/// `/dev/zero` never ends), at most `cap` bytes. The type is checked before the file is
/// opened (opening a FIFO blocks) and again on the opened file, which is opened without
/// blocking; the cap is enforced while reading, since `/proc` files report size 0.
pub fn read_regular(path: &Path, cap: u64) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let meta = std::fs::metadata(path)?;
    if !meta.is_file() {
        return Err(not_regular(&meta));
    }
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK);
    }
    let file = options.open(path)?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(not_regular(&meta));
    }
    let too_large = || std::io::Error::new(std::io::ErrorKind::FileTooLarge, format!("larger than the limit of {} MiB for requirements files and lockfiles", cap / (1024 * 1024)));
    if meta.len() > cap {
        return Err(too_large());
    }
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
    file.take(cap.saturating_add(1)).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > cap {
        return Err(too_large());
    }
    Ok(bytes)
}

fn not_regular(meta: &std::fs::Metadata) -> std::io::Error {
    let ft = meta.file_type();
    let mut what = if ft.is_dir() { "a directory" } else { "not a regular file" };
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if ft.is_fifo() {
            what = "a FIFO (named pipe)";
        } else if ft.is_char_device() {
            what = "a character device";
        } else if ft.is_block_device() {
            what = "a block device";
        } else if ft.is_socket() {
            what = "a socket";
        }
    }
    std::io::Error::new(std::io::ErrorKind::InvalidInput, format!("{what}, not a regular file; requirements files and lockfiles are read only from regular files"))
}

pub(crate) fn read_text(path: &Path) -> Result<String, LockfileError> {
    let bytes = read_regular(path, MAX_LOCKFILE_BYTES).map_err(|source| {
        if source.kind() == std::io::ErrorKind::NotFound {
            LockfileError::NotFound { path: path.to_path_buf() }
        } else {
            LockfileError::Io { path: path.to_path_buf(), source }
        }
    })?;
    text_of(bytes).map_err(|source| LockfileError::Io { path: path.to_path_buf(), source })
}

/// The text of a requirements file or lockfile: UTF-8 without NUL bytes (what has them,
/// like `/proc/self/environ`, is not a text file), a leading BOM dropped.
pub(crate) fn text_of(bytes: Vec<u8>) -> std::io::Result<String> {
    if bytes.contains(&0) {
        return Err(std::io::Error::new(std::io::ErrorKind::InvalidData, "contains NUL bytes: not a text file"));
    }
    let text = String::from_utf8(bytes)
        .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, format!("not UTF-8 text (invalid byte at offset {})", e.utf8_error().valid_up_to())))?;
    Ok(text.strip_prefix('\u{feff}').map(str::to_string).unwrap_or(text))
}
