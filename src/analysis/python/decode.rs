//! Adapter between the Python front-end and literal decoding: turns a string literal
//! into what it hides (layers such as base64 → zlib, and the decoded bytes classified
//! as Python source, shell command, executable …). Bounded in size and depth.

use base64::Engine;
use std::io::Read;

/// Largest decoded output kept, to bound memory on hostile input.
const MAX_OUT: usize = 4 * 1024 * 1024;
const MAX_LAYERS: usize = 6;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    PythonSource,
    ShellCommand,
    Text,
    Executable(&'static str),
    MarshalCode,
    Binary,
}

#[derive(Clone, Debug)]
pub struct Decoded {
    pub layers: Vec<&'static str>,
    pub bytes: Vec<u8>,
    pub kind: Kind,
}

impl Decoded {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.bytes).into_owned()
    }
    /// "base64 → zlib"
    pub fn describe(&self) -> String {
        self.layers.join(" → ")
    }
    pub fn is_code(&self) -> bool {
        matches!(self.kind, Kind::PythonSource | Kind::ShellCommand | Kind::Executable(_) | Kind::MarshalCode)
    }
}

fn b64_alphabet(s: &[u8]) -> bool {
    s.iter().all(|&c| c.is_ascii_alphanumeric() || matches!(c, b'+' | b'/' | b'=' | b'-' | b'_' | b'\n' | b'\r' | b' '))
}

fn try_base64(s: &[u8]) -> Option<Vec<u8>> {
    if s.len() < 8 || !b64_alphabet(s) {
        return None;
    }
    let clean: Vec<u8> = s.iter().copied().filter(|c| !c.is_ascii_whitespace()).collect();
    let eng = base64::engine::general_purpose::GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        base64::engine::GeneralPurposeConfig::new()
            .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent)
            .with_decode_allow_trailing_bits(true),
    );
    let url = base64::engine::general_purpose::GeneralPurpose::new(
        &base64::alphabet::URL_SAFE,
        base64::engine::GeneralPurposeConfig::new()
            .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent)
            .with_decode_allow_trailing_bits(true),
    );
    eng.decode(&clean).ok().or_else(|| url.decode(&clean).ok())
}

fn try_hex(s: &[u8]) -> Option<Vec<u8>> {
    let clean: Vec<u8> = s.iter().copied().filter(|c| !c.is_ascii_whitespace()).collect();
    if clean.len() < 8 || clean.len() % 2 != 0 || !clean.iter().all(u8::is_ascii_hexdigit) {
        return None;
    }
    let val = |c: u8| (c as char).to_digit(16).map(|d| d as u8);
    clean.chunks(2).map(|p| Some(val(p[0])? * 16 + val(p[1])?)).collect()
}

fn read_bounded(mut r: impl Read) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    r.by_ref().take(MAX_OUT as u64 + 1).read_to_end(&mut out).ok()?;
    (out.len() <= MAX_OUT && !out.is_empty()).then_some(out)
}

fn try_decompress(b: &[u8]) -> Option<(&'static str, Vec<u8>)> {
    if b.len() >= 2 && b[0] == 0x78 && matches!(b[1], 0x01 | 0x5e | 0x9c | 0xda) {
        return read_bounded(flate2::read::ZlibDecoder::new(b)).map(|o| ("zlib", o));
    }
    if b.starts_with(&[0x1f, 0x8b]) {
        return read_bounded(flate2::read::GzDecoder::new(b)).map(|o| ("gzip", o));
    }
    if b.starts_with(b"BZh") {
        return read_bounded(bzip2::read::BzDecoder::new(b)).map(|o| ("bz2", o));
    }
    if b.starts_with(&[0xfd, b'7', b'z', b'X', b'Z', 0]) || b.starts_with(&[0x5d, 0, 0]) {
        let stream = if b[0] == 0xfd { xz2::stream::Stream::new_stream_decoder(u64::MAX, 0) } else { xz2::stream::Stream::new_lzma_decoder(u64::MAX) };
        let stream = stream.ok()?;
        return read_bounded(xz2::read::XzDecoder::new_stream(b, stream)).map(|o| ("lzma", o));
    }
    None
}

fn printable_ratio(b: &[u8]) -> f64 {
    if b.is_empty() {
        return 0.0;
    }
    let text = String::from_utf8_lossy(b);
    let total = text.chars().count().max(1);
    let ok = text.chars().filter(|c| !c.is_control() || matches!(c, '\n' | '\r' | '\t')).filter(|&c| c != '\u{fffd}').count();
    ok as f64 / total as f64
}

/// Classifies decoded bytes.
pub fn classify(b: &[u8]) -> Kind {
    if b.starts_with(b"MZ") {
        return Kind::Executable("PE");
    }
    if b.starts_with(b"\x7fELF") {
        return Kind::Executable("ELF");
    }
    if b.starts_with(&[0xcf, 0xfa, 0xed, 0xfe]) || b.starts_with(&[0xca, 0xfe, 0xba, 0xbe]) {
        return Kind::Executable("Mach-O");
    }
    if matches!(b.first(), Some(0xe3) | Some(0x63)) && b.len() > 16 && printable_ratio(b) < 0.9 {
        return Kind::MarshalCode;
    }
    if printable_ratio(b) < 0.95 {
        return Kind::Binary;
    }
    let t = String::from_utf8_lossy(b);
    let lower = t.to_ascii_lowercase();
    let py = ["import ", "exec(", "eval(", "def ", "print(", "__import__", "from ", "lambda", "os.system", "subprocess"]
        .iter()
        .filter(|k| t.contains(*k))
        .count();
    if py >= 1 && (t.contains('(') || t.contains("import")) && t.len() >= 10 {
        return Kind::PythonSource;
    }
    if super::shellcmd::suspicious_tokens(&lower).is_some() {
        return Kind::ShellCommand;
    }
    Kind::Text
}

/// Decodes a literal through base64/hex and compression layers until it stops changing.
/// Returns None when nothing decodes or the result is unreadable noise.
pub fn decode_literal(s: &[u8]) -> Option<Decoded> {
    if s.len() < 12 || s.len() > 16 * 1024 * 1024 {
        return None;
    }
    let mut layers = Vec::new();
    let mut cur: Vec<u8> = s.to_vec();
    for _ in 0..MAX_LAYERS {
        if let Some((name, out)) = try_decompress(&cur) {
            layers.push(name);
            cur = out;
            continue;
        }
        let trimmed: &[u8] = trim_ascii(&cur);
        if let Some(out) = try_hex(trimmed) {
            layers.push("hex");
            cur = out;
            continue;
        }
        if let Some(out) = try_base64(trimmed) {
            // base64 of noise rarely decodes to anything meaningful; keep only if the
            // result is text, compressed or a known binary.
            let k = classify(&out);
            if k == Kind::Binary && try_decompress(&out).is_none() {
                let rev: Vec<u8> = trimmed.iter().rev().copied().collect();
                if let Some(out2) = try_base64(&rev) {
                    if classify(&out2) != Kind::Binary || try_decompress(&out2).is_some() {
                        layers.push("reversed");
                        layers.push("base64");
                        cur = out2;
                        continue;
                    }
                }
                break;
            }
            layers.push("base64");
            cur = out;
            continue;
        }
        break;
    }
    if layers.is_empty() {
        return None;
    }
    // UTF-16LE text (PowerShell -EncodedCommand)
    if cur.len() >= 4 && cur.len() % 2 == 0 && cur.iter().skip(1).step_by(2).all(|&b| b == 0) {
        cur = cur.iter().step_by(2).copied().collect();
        layers.push("utf-16");
    }
    let kind = classify(&cur);
    Some(Decoded { layers, bytes: cur, kind })
}

fn trim_ascii(b: &[u8]) -> &[u8] {
    let start = b.iter().position(|c| !c.is_ascii_whitespace()).unwrap_or(b.len());
    let end = b.iter().rposition(|c| !c.is_ascii_whitespace()).map(|e| e + 1).unwrap_or(start);
    &b[start..end.max(start)]
}

/// Shannon entropy in bits per byte.
pub fn shannon_entropy(b: &[u8]) -> f64 {
    if b.is_empty() {
        return 0.0;
    }
    let mut counts = [0usize; 256];
    for &c in b {
        counts[c as usize] += 1;
    }
    let n = b.len() as f64;
    counts.iter().filter(|&&c| c > 0).map(|&c| {
        let p = c as f64 / n;
        -p * p.log2()
    }).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_zlib_python() {
        // zlib.compress(b"import os; os.system('id')") then base64
        let raw = b"import os; os.system('id')";
        let mut enc = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        std::io::Write::write_all(&mut enc, raw).unwrap();
        let z = enc.finish().unwrap();
        let b = base64::engine::general_purpose::STANDARD.encode(z);
        let d = decode_literal(b.as_bytes()).unwrap();
        assert_eq!(d.describe(), "base64 → zlib");
        assert_eq!(d.kind, Kind::PythonSource);
    }

    #[test]
    fn plain_words_do_not_decode() {
        assert!(decode_literal(b"This is a sentence of text.").is_none());
        let d = decode_literal(b"abcdefghijklmnop");
        assert!(d.map(|d| d.kind == Kind::Binary || d.kind == Kind::Text).unwrap_or(true));
    }
}
