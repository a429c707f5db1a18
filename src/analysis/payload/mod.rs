//! Decoding of literal payloads (base64, hex, zlib, marshal, Fernet …) so that hidden code
//! can be rescanned and shown to the user as evidence.
//!
//! This is a pure library: bytes in, [`Decoded`] out. Nothing decoded is ever executed;
//! marshalled code is *parsed* for its names and strings only.
//!
//! * [`decode_literal`] guesses: it picks candidate encodings from cheap charset and magic
//!   checks, decodes a short prefix first and only decodes fully when the prefix is
//!   plausible (text, a compression/marshal/executable magic), and recurses up to
//!   [`DecodeLimits::max_depth`] layers. Noise gives `None`.
//! * [`decode_chain`] applies the decoders a detector read from the AST
//!   (`zlib.decompress(base64.b64decode(X))` → `[Base64, Zlib]`), then keeps guessing.
//! * [`fernet_decrypt`] / [`decode_fernet`] open `Fernet(KEY).decrypt(TOKEN)` droppers.
//! * [`classify`], [`shannon_entropy`], [`is_high_entropy_literal`], [`looks_minified`],
//!   [`marshal_strings`] are the building blocks the obfuscation detectors use directly.
//!
//! Bounds: every decoder stops at [`DecodeLimits::max_output`] bytes (decompression bombs
//! included), recursion stops at `max_depth`, and one call makes at most a fixed number of
//! full decode attempts, so a hostile literal costs bounded memory and time.

pub mod base;
pub mod codepage;
pub mod compress;
pub mod fernet;
pub mod marshal;
pub mod text;

pub use fernet::{fernet_decrypt, looks_like_token as looks_like_fernet_token};
pub use marshal::marshal_strings;
pub use text::{PayloadKind, classify, is_high_entropy_literal, looks_minified, shannon_entropy};

use std::fmt;

/// One decoding layer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Encoding {
    /// `base64.b64decode` (standard alphabet).
    Base64,
    /// `base64.urlsafe_b64decode` (`-` and `_`).
    Base64Url,
    /// `base64.b32decode`.
    Base32,
    /// `base64.b85decode`.
    Base85,
    /// `base64.a85decode`.
    Ascii85,
    /// `bytes.fromhex`, `binascii.unhexlify`, `codecs.decode(x, "hex")`; also `\xNN` text.
    Hex,
    /// `zlib.decompress` (raw deflate and gzip wrappers accepted too).
    Zlib,
    /// `gzip.decompress`.
    Gzip,
    /// `lzma.decompress` (xz or legacy lzma).
    Lzma,
    /// `bz2.decompress`.
    Bz2,
    /// `codecs.decode(x, "rot13")`.
    Rot13,
    /// `x[::-1]`.
    Reversed,
    /// `marshal.loads` of a marshalled string/bytes (unwrapped and decoded further); a
    /// marshalled *code object* is a result ([`PayloadKind::MarshalCode`]), not a layer.
    Marshal,
    /// `Fernet(key).decrypt(token)`; needs the key, see [`decode_fernet`].
    Fernet,
    /// UTF-16LE text to UTF-8 (PowerShell `-EncodedCommand` payloads after base64).
    Utf16Le,
    /// `codecs.decode(x, "uu")` / `binascii.a2b_uu`.
    Uu,
    /// `bytes.decode("cp037")` and other EBCDIC code pages (see [`codepage`]); applied
    /// as cp037, whose letters, digits and common punctuation all EBCDIC pages share.
    Ebcdic,
}

impl Encoding {
    /// Lower-case name used in evidence ("base64 → zlib → …").
    pub fn name(self) -> &'static str {
        match self {
            Encoding::Base64 => "base64",
            Encoding::Base64Url => "base64url",
            Encoding::Base32 => "base32",
            Encoding::Base85 => "base85",
            Encoding::Ascii85 => "ascii85",
            Encoding::Hex => "hex",
            Encoding::Zlib => "zlib",
            Encoding::Gzip => "gzip",
            Encoding::Lzma => "lzma",
            Encoding::Bz2 => "bz2",
            Encoding::Rot13 => "rot13",
            Encoding::Reversed => "reversed",
            Encoding::Marshal => "marshal",
            Encoding::Fernet => "fernet",
            Encoding::Utf16Le => "utf-16",
            Encoding::Uu => "uuencode",
            Encoding::Ebcdic => "ebcdic",
        }
    }
}

impl fmt::Display for Encoding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Bounds for one decode call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DecodeLimits {
    /// Most layers guessed (for [`decode_chain`]: guessed after the given chain). Default 4.
    pub max_depth: usize,
    /// Most bytes any single layer may produce; longer output is truncated. Default 4 MiB.
    pub max_output: usize,
    /// Shortest literal (and inner text layer) worth guessing at. Default 16.
    pub min_input: usize,
}

impl Default for DecodeLimits {
    fn default() -> Self {
        DecodeLimits { max_depth: 4, max_output: 4 * 1024 * 1024, min_input: 16 }
    }
}

/// The result of decoding a literal.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decoded {
    /// Layers peeled, outermost (first applied) first.
    pub layers: Vec<Encoding>,
    /// The final decoded bytes (at most `max_output`).
    pub bytes: Vec<u8>,
    /// What the result looks like.
    pub kind: PayloadKind,
}

impl Decoded {
    /// The result as text, if it is UTF-8.
    pub fn text(&self) -> Option<&str> {
        std::str::from_utf8(&self.bytes).ok()
    }

    /// A one-line, printable excerpt of at most `max_chars` characters for evidence:
    /// whitespace runs collapsed, control characters shown as `?`, an ellipsis when cut.
    /// Marshalled code shows the names it references; other binary shows leading hex bytes.
    pub fn snippet(&self, max_chars: usize) -> String {
        let full: String = match self.kind {
            PayloadKind::MarshalCode => {
                format!("marshal code referencing: {}", marshal_strings(&self.bytes, 40).join(", "))
            }
            PayloadKind::Executable(_) | PayloadKind::Binary => {
                let n = self.bytes.len().min(max_chars / 3 + 1);
                let hex: Vec<String> = self.bytes[..n].iter().map(|b| format!("{b:02x}")).collect();
                hex.join(" ")
            }
            _ => String::from_utf8_lossy(&self.bytes[..self.bytes.len().min(max_chars.saturating_mul(4).max(64))]).into_owned(),
        };
        let mut out = String::with_capacity(max_chars.min(full.len()) + 3);
        let mut count = 0usize;
        let mut last_space = true;
        let mut cut = false;
        for c in full.chars() {
            let c = if c.is_whitespace() {
                ' '
            } else if c.is_control() || c == '\u{fffd}' {
                '?'
            } else {
                c
            };
            if c == ' ' && last_space {
                continue;
            }
            if count == max_chars {
                cut = true;
                break;
            }
            last_space = c == ' ';
            out.push(c);
            count += 1;
        }
        let trimmed = out.trim_end().len();
        out.truncate(trimmed);
        if cut || full.len() < self.bytes.len() && !matches!(self.kind, PayloadKind::Executable(_) | PayloadKind::Binary) {
            out.push('…');
        }
        out
    }

    /// A short description: `"base64 → zlib → Python source (1.2 KB)"`.
    pub fn describe(&self) -> String {
        let mut s = String::new();
        for l in &self.layers {
            s.push_str(l.name());
            s.push_str(" → ");
        }
        s.push_str(&self.kind.label());
        s.push_str(&format!(" ({})", human_size(self.bytes.len())));
        s
    }
}

fn human_size(n: usize) -> String {
    if n < 1024 {
        format!("{n} B")
    } else if n < 1024 * 1024 {
        format!("{:.1} KB", n as f64 / 1024.0)
    } else {
        format!("{:.1} MB", n as f64 / (1024.0 * 1024.0))
    }
}

/// Full decode attempts one call may make (guards against branching blow-up).
const ATTEMPT_BUDGET: usize = 48;
/// Characters decoded to judge a text encoding before decoding it all.
const PREFIX_CHARS: usize = 512;

/// Applies one decoder in full. `None` if the input is not valid for it.
fn apply(enc: Encoding, data: &[u8], max_out: usize) -> Option<Vec<u8>> {
    match enc {
        Encoding::Base64 | Encoding::Base64Url => base::base64(data, max_out),
        Encoding::Base32 => base::base32(data, max_out),
        Encoding::Base85 => base::base85(data, max_out),
        Encoding::Ascii85 => base::ascii85(data, max_out),
        Encoding::Hex => base::hex(data, max_out).or_else(|| base::escaped_hex(data, max_out)),
        Encoding::Zlib => compress::zlib(data, max_out),
        Encoding::Gzip => compress::gzip(data, max_out),
        Encoding::Lzma => compress::lzma(data, max_out),
        Encoding::Bz2 => compress::bz2(data, max_out),
        Encoding::Rot13 => Some(base::rot13(&data[..data.len().min(max_out)])),
        Encoding::Reversed => Some(base::reversed(&data[..data.len().min(max_out)])),
        Encoding::Marshal => marshal::unwrap_string(data),
        Encoding::Utf16Le => base::utf16le(data, max_out),
        Encoding::Uu => base::uu(data, max_out),
        Encoding::Ebcdic => codepage::decode("cp037", &data[..data.len().min(max_out)]).map(String::into_bytes),
        Encoding::Fernet => None,
    }
}

/// A decoded prefix worth decoding in full: readable text, UTF-16 text, or a known magic.
fn plausible(prefix: &[u8]) -> bool {
    compress::is_zlib(prefix)
        || compress::is_gzip(prefix)
        || compress::is_lzma(prefix)
        || compress::is_bz2(prefix)
        || matches!(prefix.first(), Some(0xe3 | 0x63)) && prefix.len() >= 20 && marshal_header_plausible(prefix)
        || marshal_pyc_header(prefix)
        || text::executable_format(prefix).is_some()
        || text::is_known_binary_format(prefix)
        || base::looks_utf16le(prefix)
        || prefix.first().is_some_and(|&b| matches!(b & 0x7f, b's' | b'u' | b'a' | b'z'))
            && prefix.len() > 5
            && text::bytes_look_textual(&prefix[5..])
        || text::bytes_look_textual(prefix)
}

fn marshal_header_plausible(p: &[u8]) -> bool {
    // First int fields of a code object are small counts.
    p.len() >= 9 && u32::from_le_bytes([p[1], p[2], p[3], p[4]]) < 256 && u32::from_le_bytes([p[5], p[6], p[7], p[8]]) < 256
}

fn marshal_pyc_header(p: &[u8]) -> bool {
    p.len() > 17 && p.get(2..4) == Some(b"\r\n") && [16usize, 12, 8].iter().any(|&o| matches!(p[o], 0xe3 | 0x63))
}

/// Python anchors as they read after ROT13 (`import `, `exec(`, `def `, `__import__`, `os.system`).
const ROT13_ANCHORS: &[&[u8]] = &[b"vzcbeg ", b"rkrp(", b"qrs ", b"__vzcbeg__", b"bf.flfgrz", b"fhocebprff"];
/// Python anchors as they read reversed.
const REVERSED_ANCHORS: &[&[u8]] = &[b" tropmi", b"(cexe", b"(lave", b"__tropmi__", b"metsys.so", b"ssecorpbus"];

fn contains_any(hay: &[u8], needles: &[&[u8]]) -> bool {
    needles.iter().any(|n| memchr::memmem::find(hay, n).is_some())
}

struct Search {
    limits: DecodeLimits,
    /// Layers fixed by the caller (decode_chain); guessed layers come after them.
    fixed: usize,
    budget: usize,
}

impl Search {
    fn new(limits: &DecodeLimits, fixed: usize) -> Self {
        Search { limits: *limits, fixed, budget: ATTEMPT_BUDGET }
    }

    /// Encodings worth trying on `data`, most specific first.
    fn candidates(&self, data: &[u8], last: Option<Encoding>) -> Vec<Encoding> {
        let mut c = Vec::new();
        // Binary magics.
        if compress::is_zlib(data) {
            c.push(Encoding::Zlib);
        }
        if compress::is_gzip(data) {
            c.push(Encoding::Gzip);
        }
        if compress::is_lzma(data) {
            c.push(Encoding::Lzma);
        }
        if compress::is_bz2(data) {
            c.push(Encoding::Bz2);
        }
        if marshal::unwrap_string(data).is_some() {
            c.push(Encoding::Marshal);
        }
        if last != Some(Encoding::Utf16Le) && base::looks_utf16le(data) {
            c.push(Encoding::Utf16Le);
        }
        if !c.is_empty() {
            return c;
        }
        let trimmed = data.trim_ascii();
        if trimmed.len() < self.limits.min_input {
            return c;
        }
        let cs = base::Charset::of(trimmed);
        // Prose has short whitespace-separated tokens; wrapped base64/hex has long ones.
        let dense = cs.len >= self.limits.min_input && cs.len / (cs.ws_runs + 1) >= 16;
        if dense {
            if cs.hex && cs.len % 2 == 0 {
                c.push(Encoding::Hex);
            }
            if cs.base32 && !cs.leading_pad {
                c.push(Encoding::Base32);
            }
            if cs.base64 && !cs.leading_pad {
                c.push(if cs.url_safe { Encoding::Base64Url } else { Encoding::Base64 });
            }
            if cs.base64 && last != Some(Encoding::Reversed) && (cs.leading_pad || !cs.hex) {
                c.push(Encoding::Reversed);
            }
            if cs.base85 && !cs.base64 {
                c.push(Encoding::Base85);
            }
            if cs.ascii85 && !cs.base64 && !cs.base85 || trimmed.starts_with(b"<~") {
                c.push(Encoding::Ascii85);
            }
        }
        if trimmed.starts_with(b"\\x") && trimmed.len() >= 4 * self.limits.min_input.min(8) {
            c.push(Encoding::Hex);
        }
        if trimmed.starts_with(b"begin ") {
            c.push(Encoding::Uu);
        }
        // ROT13 / reversal only turn text into text: skip binary data.
        let textual = text::bytes_look_textual(&data[..data.len().min(4096)]);
        if textual && last != Some(Encoding::Rot13) && contains_any(data, ROT13_ANCHORS) {
            c.push(Encoding::Rot13);
        }
        if textual
            && last != Some(Encoding::Reversed)
            && !c.contains(&Encoding::Reversed)
            && contains_any(data, REVERSED_ANCHORS)
        {
            c.push(Encoding::Reversed);
        }
        c
    }

    /// Cheap pre-check for text encodings: decode a short prefix (for `Reversed`, the prefix
    /// of the reversed string, taken from the end) and see whether it is plausible.
    fn prefix_ok(&self, enc: Encoding, data: &[u8]) -> bool {
        let trimmed = data.trim_ascii();
        match enc {
            Encoding::Base64 | Encoding::Base64Url | Encoding::Base32 | Encoding::Base85
            | Encoding::Ascii85 | Encoding::Hex => {
                let cut = trimmed.len().min(PREFIX_CHARS);
                // Keep whole groups so the prefix decodes like the full string does.
                let cut = if cut == trimmed.len() { cut } else { cut - cut % 40 };
                apply(enc, &trimmed[..cut], usize::MAX).is_some_and(|p| plausible(&p))
            }
            Encoding::Reversed => {
                let tail = &trimmed[trimmed.len().saturating_sub(PREFIX_CHARS)..];
                let rev = base::reversed(tail);
                if contains_any(data, REVERSED_ANCHORS) {
                    return true;
                }
                let rev = rev.trim_ascii();
                let cut = if tail.len() == trimmed.len() { rev.len() } else { rev.len() - rev.len() % 40 };
                let enc = if rev.contains(&b'-') || rev.contains(&b'_') { Encoding::Base64Url } else { Encoding::Base64 };
                apply(enc, &rev[..cut], usize::MAX).is_some_and(|p| plausible(&p))
            }
            _ => true,
        }
    }

    fn explore(&mut self, data: &[u8], layers: &mut Vec<Encoding>) -> Option<Decoded> {
        let decoded_any = !layers.is_empty();
        // The literal itself is never reported (plain source is the parser's job), so it
        // needs no classification: only what decoding produces does.
        let kind = if decoded_any { classify(data) } else { PayloadKind::Text };
        if decoded_any && kind.is_code() {
            return Some(Decoded { layers: layers.clone(), bytes: data.to_vec(), kind });
        }
        if layers.len() < self.fixed + self.limits.max_depth && !kind.is_code() {
            for enc in self.candidates(data, layers.last().copied()) {
                if self.budget == 0 {
                    break;
                }
                if !self.prefix_ok(enc, data) {
                    continue;
                }
                self.budget -= 1;
                let Some(out) = apply(enc, data, self.limits.max_output) else { continue };
                if out == data {
                    continue;
                }
                layers.push(enc);
                let found = self.explore(&out, layers);
                layers.pop();
                if found.is_some() {
                    return found;
                }
            }
        }
        // Nothing deeper: accept readable text or a recognised binary format, but not after a
        // bare rot13/reversal (those turn any text into text).
        let last_is_transform = matches!(layers.last(), Some(Encoding::Rot13 | Encoding::Reversed));
        let accept = decoded_any
            && !last_is_transform
            && match kind {
                PayloadKind::Text => meaningful_text(data),
                PayloadKind::Binary => text::is_known_binary_format(data),
                _ => false,
            };
        accept.then(|| Decoded { layers: layers.clone(), bytes: data.to_vec(), kind })
    }
}

/// Text with enough letters, digits and spaces to be language or data, not symbol soup.
/// Random bytes sometimes form valid UTF-8 (a few CJK characters): non-ASCII text must be
/// longer to count.
fn meaningful_text(b: &[u8]) -> bool {
    let Ok(s) = std::str::from_utf8(b) else { return false };
    let (mut total, mut good, mut ascii) = (0usize, 0usize, 0usize);
    for c in s.chars() {
        total += 1;
        good += usize::from(c.is_alphanumeric() || c.is_whitespace());
        ascii += usize::from(c.is_ascii());
    }
    total >= 4 && good * 10 >= total * 6 && (ascii * 10 >= total * 9 || total >= 32)
}

/// Guess-decode a literal found in source (no hint).
///
/// Tries the plausible encodings by charset and structure, recursively (e.g. base64 → zlib →
/// base64 → Python), stopping at `max_depth` or when the result is code, a command or an
/// executable. Returns `None` when nothing meaningful comes out: inputs shorter than
/// `min_input`, plain text that is not encoded, digests/UUIDs/random tokens that decode to
/// noise. Readable text and known binary formats (PNG, ZIP …) are returned as
/// [`PayloadKind::Text`] / [`PayloadKind::Binary`]. A literal that *is* a marshalled code
/// object or an executable is returned with no layers.
///
/// When the literal as a whole does not decode, its longest embedded base64/hex tokens
/// (40+ characters, e.g. after `powershell -EncodedCommand` or in `echo … | base64 -d | sh`)
/// are tried instead.
pub fn decode_literal(input: &[u8], limits: &DecodeLimits) -> Option<Decoded> {
    if input.trim_ascii().len() < limits.min_input.max(1) {
        return None;
    }
    let direct = match text::executable_format(input) {
        Some(f) => Some(PayloadKind::Executable(f)),
        None => marshal::looks_like_code(input).then_some(PayloadKind::MarshalCode),
    };
    if let Some(kind) = direct {
        return Some(Decoded { layers: Vec::new(), bytes: input[..input.len().min(limits.max_output)].to_vec(), kind });
    }
    let mut search = Search::new(limits, 0);
    if let Some(d) = search.explore(input, &mut Vec::new()) {
        return Some(d);
    }
    // Embedded tokens (in text only).
    if !text::bytes_look_textual(&input[..input.len().min(4096)]) {
        return None;
    }
    let mut tokens: Vec<&[u8]> = input
        .split(|&b| b.is_ascii_whitespace() || matches!(b, b'"' | b'\'' | b'`' | b',' | b';' | b'(' | b')' | b'[' | b']' | b'{' | b'}' | b'<' | b'>' | b'|'))
        .map(|t| t.strip_prefix(b"base64,").unwrap_or(t))
        .filter(|t| t.len() >= 40 && t.len() < input.trim_ascii().len())
        .filter(|t| t.iter().all(|&b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'=' | b'-' | b'_')))
        .collect();
    tokens.sort_by_key(|t| std::cmp::Reverse(t.len()));
    for t in tokens.into_iter().take(4) {
        if let Some(d) = search.explore(t, &mut Vec::new()) {
            return Some(d);
        }
    }
    None
}

/// Apply a known chain of decoders, innermost call first, then keep guessing further layers
/// (up to `max_depth` more) on the result.
///
/// `zlib.decompress(base64.b64decode(X))` is `[Base64, Zlib]`. `Marshal` unwraps a marshalled
/// string, or ends the chain with [`PayloadKind::MarshalCode`] when it meets a code object.
/// `Fernet` cannot be applied without its key (use [`decode_fernet`]) and yields `None`.
/// Returns `None` only if a given step fails; otherwise the result is classified, whatever it
/// is (noise included, as [`PayloadKind::Binary`]): the caller knows the code decodes it.
pub fn decode_chain(input: &[u8], chain: &[Encoding], limits: &DecodeLimits) -> Option<Decoded> {
    let mut data: Vec<u8> = input[..input.len().min(limits.max_output.saturating_mul(2))].to_vec();
    let mut layers = Vec::with_capacity(chain.len() + limits.max_depth);
    for &enc in chain {
        if enc == Encoding::Marshal && marshal::looks_like_code(&data) {
            return Some(Decoded { layers, bytes: data, kind: PayloadKind::MarshalCode });
        }
        data = apply(enc, &data, limits.max_output)?;
        layers.push(enc);
    }
    finish(data, layers, limits)
}

/// Decrypt a Fernet token with its key literal, then keep guessing layers on the plaintext.
/// `None` if the key or token is malformed or the HMAC does not verify.
pub fn decode_fernet(key: &[u8], token: &[u8], limits: &DecodeLimits) -> Option<Decoded> {
    let mut plain = fernet_decrypt(key, token)?;
    plain.truncate(limits.max_output);
    finish(plain, vec![Encoding::Fernet], limits)
}

fn finish(data: Vec<u8>, mut layers: Vec<Encoding>, limits: &DecodeLimits) -> Option<Decoded> {
    let fixed = layers.len();
    let mut search = Search::new(limits, fixed);
    if let Some(d) = search.explore(&data, &mut layers) {
        return Some(d);
    }
    let kind = classify(&data);
    Some(Decoded { layers, bytes: data, kind })
}

#[cfg(test)]
mod tests;
