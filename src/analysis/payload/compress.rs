//! Bounded decompression: zlib (and raw deflate), gzip, xz/lzma and bzip2.
//!
//! Output is read in chunks into a buffer whose capacity never exceeds `max_out`, so a
//! decompression bomb costs at most `max_out` bytes of memory and the time to produce them.
//! Reaching `max_out` is not an error: the prefix is returned for classification.

use std::io::Read;

/// LZMA decoder memory limit (dictionary and state). Python's default preset needs ~9 MiB.
const LZMA_MEMLIMIT: u64 = 32 * 1024 * 1024;

fn read_bounded(mut r: impl Read, max_out: usize) -> Option<Vec<u8>> {
    let mut out: Vec<u8> = Vec::new();
    let mut chunk = [0u8; 16 * 1024];
    while out.len() < max_out {
        let want = chunk.len().min(max_out - out.len());
        match r.read(&mut chunk[..want]) {
            Ok(0) => break,
            Ok(n) => {
                if out.capacity() - out.len() < n {
                    // Grow geometrically but never past the cap.
                    let target = (out.capacity() * 2).max(out.len() + n).max(4096).min(max_out);
                    out.reserve_exact(target - out.len());
                }
                out.extend_from_slice(&chunk[..n]);
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(_) => return None,
        }
    }
    (!out.is_empty()).then_some(out)
}

/// zlib stream header: deflate method, window ≤ 32 KiB, check bits valid.
pub fn is_zlib(b: &[u8]) -> bool {
    b.len() >= 2 && b[0] & 0x0f == 8 && b[0] >> 4 <= 7 && (u16::from(b[0]) << 8 | u16::from(b[1])) % 31 == 0
}

pub fn is_gzip(b: &[u8]) -> bool {
    b.starts_with(b"\x1f\x8b\x08")
}

/// xz container, or the legacy `.lzma` ("alone") header with the usual properties byte.
pub fn is_lzma(b: &[u8]) -> bool {
    b.starts_with(b"\xfd7zXZ\x00")
        || (b.len() >= 13 && b[0] == 0x5d && b[1] == 0 && {
            let dict = u32::from_le_bytes([b[1], b[2], b[3], b[4]]);
            dict.is_power_of_two() || dict.count_ones() == 2
        })
}

pub fn is_bz2(b: &[u8]) -> bool {
    b.len() >= 10 && b.starts_with(b"BZh") && (b'1'..=b'9').contains(&b[3]) && &b[4..10] == b"1AY&SY"
}

/// `zlib.decompress` (zlib header), falling back to raw deflate (`wbits=-15`) and gzip
/// (`wbits=31`) when the caller says the data is zlib but the header differs.
pub fn zlib(input: &[u8], max_out: usize) -> Option<Vec<u8>> {
    if is_zlib(input) {
        return read_bounded(flate2::read::ZlibDecoder::new(input), max_out);
    }
    if is_gzip(input) {
        return gzip(input, max_out);
    }
    read_bounded(flate2::read::DeflateDecoder::new(input), max_out)
}

/// `gzip.decompress` (all members).
pub fn gzip(input: &[u8], max_out: usize) -> Option<Vec<u8>> {
    if !is_gzip(input) {
        return None;
    }
    read_bounded(flate2::read::MultiGzDecoder::new(input), max_out)
}

/// `lzma.decompress` with format auto-detection (xz or legacy lzma).
pub fn lzma(input: &[u8], max_out: usize) -> Option<Vec<u8>> {
    if !is_lzma(input) {
        return None;
    }
    let stream = xz2::stream::Stream::new_auto_decoder(LZMA_MEMLIMIT, xz2::stream::CONCATENATED).ok()?;
    read_bounded(xz2::read::XzDecoder::new_stream(input, stream), max_out)
}

/// `bz2.decompress` (all streams).
pub fn bz2(input: &[u8], max_out: usize) -> Option<Vec<u8>> {
    if !is_bz2(input) {
        return None;
    }
    read_bounded(bzip2::read::MultiBzDecoder::new(input), max_out)
}
