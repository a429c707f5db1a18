//! The Python analyser: the input is a package's `__init__.py` (and, by the first byte,
//! its setup.py in an sdist), wrapped in a well-formed archive so every byte reaches the
//! parser, the model and the rules.
#![no_main]
use libfuzzer_sys::fuzz_target;
use safe_pip::pipeline::{ScanOptions, scan_bytes};
use std::io::Write;

fuzz_target!(|data: &[u8]| {
    let Some((&kind, source)) = data.split_first() else { return };
    let (archive, member) = if kind % 2 == 0 {
        ("fz-1.0-py3-none-any.whl", "fz/__init__.py")
    } else {
        ("fz-1.0.zip", "fz-1.0/setup.py")
    };
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    if zip.start_file(member, opts).is_err() || zip.write_all(source).is_err() {
        return;
    }
    let Ok(cursor) = zip.finish() else { return };
    let _ = scan_bytes(archive, &cursor.into_inner(), Vec::new(), &ScanOptions::default());
});
