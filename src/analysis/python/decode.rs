//! Adapter between the Python front-end and the payload library
//! ([`crate::analysis::payload`]): which decoder a resolved call name stands for, and
//! the limits used when folding literals.

pub(crate) use crate::analysis::payload::{Decoded, Encoding, PayloadKind as Kind};
use crate::analysis::payload::{self, DecodeLimits};

fn limits() -> DecodeLimits {
    DecodeLimits::default()
}

/// Guesses the layers of a literal (base64 → zlib → …).
pub(crate) fn decode_literal(s: &[u8]) -> Option<Decoded> {
    crate::timings::time(crate::timings::Phase::Payload, || payload::decode_literal(s, &limits()))
}

/// Applies the decoders read from the code, then keeps guessing.
pub(crate) fn decode_chain(s: &[u8], chain: &[Encoding]) -> Option<Decoded> {
    crate::timings::time(crate::timings::Phase::Payload, || payload::decode_chain(s, chain, &limits()))
}

pub(crate) fn decode_fernet(key: &[u8], token: &[u8]) -> Option<Decoded> {
    crate::timings::time(crate::timings::Phase::Payload, || payload::decode_fernet(key, token, &limits()))
}

pub(crate) fn shannon_entropy(b: &[u8]) -> f64 {
    payload::shannon_entropy(b)
}

pub(crate) fn is_high_entropy_literal(s: &str) -> bool {
    payload::is_high_entropy_literal(s)
}

/// "base64 → zlib" (layers only).
pub(crate) fn layers(d: &Decoded) -> String {
    let v: Vec<&str> = d.layers.iter().map(|l| l.name()).collect();
    if v.is_empty() { "literal".to_string() } else { v.join(" → ") }
}

/// Decoded bytes as (lossy) text.
pub(crate) fn text(d: &Decoded) -> String {
    String::from_utf8_lossy(&d.bytes).into_owned()
}

/// The decoder a resolved call name applies; `second` is the codec argument of
/// `codecs.decode(x, "…")`.
pub(crate) fn encoding_of(q: &str, second: Option<&str>) -> Option<Encoding> {
    Some(match q {
        "base64.b64decode" | "base64.standard_b64decode" | "base64.decodebytes" | "base64.decodestring" | "binascii.a2b_base64" => Encoding::Base64,
        "base64.urlsafe_b64decode" => Encoding::Base64Url,
        "base64.b32decode" => Encoding::Base32,
        "base64.b85decode" => Encoding::Base85,
        "base64.a85decode" => Encoding::Ascii85,
        "base64.b16decode" | "binascii.unhexlify" | "binascii.a2b_hex" | "bytes.fromhex" | "bytearray.fromhex" => Encoding::Hex,
        "zlib.decompress" => Encoding::Zlib,
        "gzip.decompress" => Encoding::Gzip,
        "lzma.decompress" => Encoding::Lzma,
        "bz2.decompress" => Encoding::Bz2,
        "marshal.loads" => Encoding::Marshal,
        "codecs.decode" => match second.unwrap_or("").to_ascii_lowercase().replace(['_', '-'], "").as_str() {
            "rot13" => Encoding::Rot13,
            "hex" => Encoding::Hex,
            "base64" => Encoding::Base64,
            "zlib" => Encoding::Zlib,
            "bz2" => Encoding::Bz2,
            "uu" => Encoding::Uu,
            _ => return None,
        },
        _ => return None,
    })
}
