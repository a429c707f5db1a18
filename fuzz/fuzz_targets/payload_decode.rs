//! The payload decoder (base64/hex/zlib/marshal/… layers) on arbitrary literals.
#![no_main]
use libfuzzer_sys::fuzz_target;
use safe_pip::analysis::payload::{DecodeLimits, decode_literal};

fuzz_target!(|data: &[u8]| {
    let _ = decode_literal(data, &DecodeLimits::default());
});
