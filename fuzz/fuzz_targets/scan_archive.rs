//! The whole pipeline on one package file: archive readers (zip, tar, gz/bz2/xz), limits,
//! member classification, analysers and payload decoding. The first byte picks the kind.
#![no_main]
use libfuzzer_sys::fuzz_target;
use safe_pip::pipeline::{ScanOptions, scan_bytes};

const NAMES: &[&str] = &["fz-1.0-py3-none-any.whl", "fz-1.0.tar.gz", "fz-1.0.zip", "fz-1.0.tar.bz2", "fz-1.0.tar.xz", "fz-1.0.tar", "fz-1.0-py3.9.egg"];

fuzz_target!(|data: &[u8]| {
    let Some((&kind, bytes)) = data.split_first() else { return };
    let name = NAMES[kind as usize % NAMES.len()];
    let _ = scan_bytes(name, bytes, Vec::new(), &ScanOptions::default());
});
