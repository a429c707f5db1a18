//! Text-to-bytes decoders: base64 (standard and URL-safe), base32, base85, ascii85, hex,
//! uuencode, UTF-16LE, ROT13 and reversal.
//!
//! All decoders are hand-written single passes that are lenient the way Python's decoders
//! are (ASCII whitespace ignored, missing base64 padding tolerated), fail on any other
//! foreign character, and stop once `max_out` bytes are produced (the rest of the input is
//! not read), so output size is bounded whatever the input.

/// Base64 digit value; both the standard (`+/`) and URL-safe (`-_`) alphabets.
const fn b64_table() -> [u8; 256] {
    let mut t = [0xffu8; 256];
    let mut i = 0;
    while i < 26 {
        t[b'A' as usize + i] = i as u8;
        t[b'a' as usize + i] = 26 + i as u8;
        i += 1;
    }
    let mut d = 0;
    while d < 10 {
        t[b'0' as usize + d] = 52 + d as u8;
        d += 1;
    }
    t[b'+' as usize] = 62;
    t[b'-' as usize] = 62;
    t[b'/' as usize] = 63;
    t[b'_' as usize] = 63;
    t
}
static B64: [u8; 256] = b64_table();

fn is_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\n' | b'\r' | b'\t' | b'\x0b' | b'\x0c')
}

/// Decodes base64 (either alphabet). Padding optional; whitespace skipped; decoding stops at
/// the first `=`. Returns `None` on any other character or when nothing decodes.
pub fn base64(input: &[u8], max_out: usize) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity((input.len() / 4 * 3 + 3).min(max_out));
    let mut acc = 0u32;
    let mut n = 0u8;
    for &c in input {
        if is_ws(c) {
            continue;
        }
        if c == b'=' {
            break;
        }
        let v = B64[c as usize];
        if v == 0xff {
            return None;
        }
        acc = (acc << 6) | u32::from(v);
        n += 1;
        if n == 4 {
            if out.len() + 3 > max_out {
                let room = max_out - out.len();
                out.extend_from_slice(&[(acc >> 16) as u8, (acc >> 8) as u8, acc as u8][..room]);
                return Some(out);
            }
            out.extend_from_slice(&[(acc >> 16) as u8, (acc >> 8) as u8, acc as u8]);
            acc = 0;
            n = 0;
        }
    }
    // 2 leftover digits → 1 byte, 3 → 2 bytes; a single leftover digit carries no byte.
    match n {
        2 => out.push((acc >> 4) as u8),
        3 => out.extend_from_slice(&[(acc >> 10) as u8, (acc >> 2) as u8]),
        _ => {}
    }
    out.truncate(max_out);
    (!out.is_empty()).then_some(out)
}

/// Base32 (RFC 4648, upper case as Python's `b32decode` default). Whitespace skipped,
/// padding optional.
pub fn base32(input: &[u8], max_out: usize) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity((input.len() / 8 * 5 + 5).min(max_out));
    let mut acc = 0u64;
    let mut bits = 0u32;
    for &c in input {
        if is_ws(c) {
            continue;
        }
        if c == b'=' {
            break;
        }
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'2'..=b'7' => c - b'2' + 26,
            _ => return None,
        };
        acc = (acc << 5) | u64::from(v);
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
            if out.len() >= max_out {
                break;
            }
        }
    }
    (!out.is_empty()).then_some(out)
}

/// Python `base64.b85decode` alphabet (as used by git/Mercurial binary patches).
const B85_ALPHABET: &[u8; 85] =
    b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz!#$%&()*+-;<=>?@^_`{|}~";

const fn b85_table() -> [u8; 256] {
    let mut t = [0xffu8; 256];
    let mut i = 0;
    while i < 85 {
        t[B85_ALPHABET[i] as usize] = i as u8;
        i += 1;
    }
    t
}
static B85: [u8; 256] = b85_table();

/// True if every non-whitespace byte belongs to the base85 alphabet.
pub fn is_base85_charset(b: u8) -> bool {
    B85[b as usize] != 0xff
}

/// `base64.b85decode`: groups of 5 digits → 4 bytes big-endian, a short last group is padded
/// with the highest digit and its extra bytes dropped.
pub fn base85(input: &[u8], max_out: usize) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity((input.len() / 5 * 4 + 4).min(max_out));
    let mut group = [0u8; 5];
    let mut n = 0usize;
    let flush = |group: &[u8; 5], take: usize, out: &mut Vec<u8>| -> Option<()> {
        let mut acc: u64 = 0;
        for &d in group {
            acc = acc * 85 + u64::from(d);
        }
        let acc = u32::try_from(acc).ok()?;
        out.extend_from_slice(&acc.to_be_bytes()[..take]);
        Some(())
    };
    for &c in input {
        if is_ws(c) {
            continue;
        }
        let v = B85[c as usize];
        if v == 0xff {
            return None;
        }
        group[n] = v;
        n += 1;
        if n == 5 {
            flush(&group, 4, &mut out)?;
            n = 0;
            if out.len() >= max_out {
                out.truncate(max_out);
                return Some(out);
            }
        }
    }
    if n == 1 {
        return None;
    }
    if n > 1 {
        for g in group.iter_mut().skip(n) {
            *g = 84;
        }
        flush(&group, n - 1, &mut out)?;
    }
    out.truncate(max_out);
    (!out.is_empty()).then_some(out)
}

/// Adobe ascii85 (`base64.a85decode`), with or without the `<~ … ~>` frame; `z` stands for
/// four zero bytes.
pub fn ascii85(input: &[u8], max_out: usize) -> Option<Vec<u8>> {
    let mut s = input.trim_ascii();
    if let Some(rest) = s.strip_prefix(b"<~") {
        s = rest;
    }
    if let Some(rest) = s.strip_suffix(b"~>") {
        s = rest;
    }
    let mut out = Vec::with_capacity((s.len() / 5 * 4 + 4).min(max_out));
    let mut acc: u64 = 0;
    let mut n = 0usize;
    for &c in s {
        if is_ws(c) {
            continue;
        }
        if c == b'z' {
            if n != 0 {
                return None;
            }
            out.extend_from_slice(&[0; 4]);
        } else if (b'!'..=b'u').contains(&c) {
            acc = acc * 85 + u64::from(c - b'!');
            n += 1;
            if n == 5 {
                out.extend_from_slice(&u32::try_from(acc).ok()?.to_be_bytes());
                acc = 0;
                n = 0;
            }
        } else {
            return None;
        }
        if out.len() >= max_out {
            out.truncate(max_out);
            return Some(out);
        }
    }
    if n == 1 {
        return None;
    }
    if n > 1 {
        for _ in n..5 {
            acc = acc * 85 + 84;
        }
        out.extend_from_slice(&u32::try_from(acc).ok()?.to_be_bytes()[..n - 1]);
    }
    out.truncate(max_out);
    (!out.is_empty()).then_some(out)
}

fn hex_val(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

/// Hex pairs (`bytes.fromhex` / `binascii.unhexlify`); whitespace between pairs allowed, an
/// optional `0x` prefix accepted. Odd digit counts fail.
pub fn hex(input: &[u8], max_out: usize) -> Option<Vec<u8>> {
    let s = input.trim_ascii();
    let s = s.strip_prefix(b"0x").or_else(|| s.strip_prefix(b"0X")).unwrap_or(s);
    let mut out = Vec::with_capacity((s.len() / 2).min(max_out));
    let mut hi: Option<u8> = None;
    for &c in s {
        if is_ws(c) {
            if hi.is_some() {
                return None;
            }
            continue;
        }
        let v = hex_val(c)?;
        match hi.take() {
            None => hi = Some(v),
            Some(h) => {
                out.push(h << 4 | v);
                if out.len() >= max_out {
                    return Some(out);
                }
            }
        }
    }
    (hi.is_none() && !out.is_empty()).then_some(out)
}

/// `\xNN\xNN…` written out as text (a string escaped twice): every byte must be one escape.
pub fn escaped_hex(input: &[u8], max_out: usize) -> Option<Vec<u8>> {
    let s = input.trim_ascii();
    if s.len() < 4 || s.len() % 4 != 0 {
        return None;
    }
    let mut out = Vec::with_capacity((s.len() / 4).min(max_out));
    for q in s.chunks_exact(4) {
        if q[0] != b'\\' || q[1] != b'x' {
            return None;
        }
        out.push(hex_val(q[2])? << 4 | hex_val(q[3])?);
        if out.len() >= max_out {
            break;
        }
    }
    Some(out)
}

/// uuencode (`codecs.decode(x, "uu")` / `binascii.a2b_uu` per line): an optional
/// `begin MODE NAME` line, then lines whose first character gives the byte count.
pub fn uu(input: &[u8], max_out: usize) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let mut lines = input.split(|&b| b == b'\n').map(<[u8]>::trim_ascii_end).peekable();
    while lines.peek().is_some_and(|l| l.is_empty()) {
        lines.next();
    }
    let mut began = false;
    if lines.peek().is_some_and(|l| l.starts_with(b"begin ")) {
        lines.next();
        began = true;
    }
    let mut any = false;
    for line in lines {
        if line == b"end" {
            break;
        }
        let Some((&first, body)) = line.split_first() else {
            if began {
                continue;
            }
            break;
        };
        let count = usize::from(first.wrapping_sub(b' ') & 0x3f);
        if count == 0 {
            if began {
                continue;
            }
            break;
        }
        let mut vals = body.iter().map(|&c| {
            if !(b' '..=b'`').contains(&c) {
                None
            } else {
                Some(u32::from(c.wrapping_sub(b' ') & 0x3f))
            }
        });
        let mut produced = 0usize;
        while produced < count {
            let mut acc = 0u32;
            for _ in 0..4 {
                let v = match vals.next() {
                    Some(v) => v?,
                    None => 0,
                };
                acc = acc << 6 | v;
            }
            for byte in [(acc >> 16) as u8, (acc >> 8) as u8, acc as u8] {
                if produced < count {
                    out.push(byte);
                    produced += 1;
                }
            }
            if out.len() >= max_out {
                out.truncate(max_out);
                return Some(out);
            }
        }
        any = true;
    }
    (any && !out.is_empty()).then_some(out)
}

/// UTF-16 little-endian (what PowerShell's `-EncodedCommand` carries) to UTF-8.
/// Only accepted when it is mostly ASCII-range text, as PowerShell commands are.
pub fn utf16le(input: &[u8], max_out: usize) -> Option<Vec<u8>> {
    let body = input.strip_prefix(b"\xff\xfe").unwrap_or(input);
    if body.len() < 4 {
        return None;
    }
    let units = body.chunks_exact(2).map(|p| u16::from_le_bytes([p[0], p[1]]));
    let mut out = String::with_capacity((body.len() / 2).min(max_out));
    for ch in char::decode_utf16(units) {
        let ch = ch.ok()?;
        if out.len() + ch.len_utf8() > max_out {
            break;
        }
        out.push(ch);
    }
    Some(out.into_bytes())
}

/// Looks like UTF-16LE text: a BOM, or the high byte of (almost) every code unit of the first
/// 128 bytes is zero while the low byte is printable ASCII.
pub fn looks_utf16le(b: &[u8]) -> bool {
    if b.starts_with(b"\xff\xfe") && b.len() >= 4 {
        return true;
    }
    let head = &b[..b.len().min(128)];
    if head.len() < 8 {
        return false;
    }
    let pairs = head.len() / 2;
    let ascii = head
        .chunks_exact(2)
        .filter(|p| p[1] == 0 && (p[0].is_ascii_graphic() || matches!(p[0], b' ' | b'\n' | b'\r' | b'\t')))
        .count();
    ascii * 10 >= pairs * 9
}

/// ROT13 on ASCII letters (`codecs.decode(x, "rot13")`).
pub fn rot13(input: &[u8]) -> Vec<u8> {
    input
        .iter()
        .map(|&c| match c {
            b'a'..=b'z' => (c - b'a' + 13) % 26 + b'a',
            b'A'..=b'Z' => (c - b'A' + 13) % 26 + b'A',
            _ => c,
        })
        .collect()
}

/// Reversal (`s[::-1]`), by characters when the input is UTF-8, else by bytes.
pub fn reversed(input: &[u8]) -> Vec<u8> {
    match std::str::from_utf8(input) {
        Ok(s) if !s.is_ascii() => s.chars().rev().collect::<String>().into_bytes(),
        _ => input.iter().rev().copied().collect(),
    }
}

/// Character class of a literal, from one pass; used to pick which decoders to try.
#[derive(Clone, Copy, Debug, Default)]
pub struct Charset {
    /// Non-whitespace byte count.
    pub len: usize,
    pub whitespace: usize,
    /// Runs of whitespace (so `len / (ws_runs + 1)` is the mean token length).
    pub ws_runs: usize,
    pub hex: bool,
    pub base64: bool,
    /// Uses `-` or `_` (URL-safe alphabet).
    pub url_safe: bool,
    pub base32: bool,
    pub base85: bool,
    pub ascii85: bool,
    /// Starts with `=` padding: a reversed base64 string.
    pub leading_pad: bool,
}

const C_HEX: u8 = 1;
const C_B64: u8 = 2;
const C_URL: u8 = 4;
const C_B32: u8 = 8;
const C_B85: u8 = 16;
const C_A85: u8 = 32;
const C_WS: u8 = 64;
const C_ALL: u8 = C_HEX | C_B64 | C_B32 | C_B85 | C_A85;

/// Per-byte class bits, so that the charset scan is one table lookup and two bit operations
/// per byte.
const fn class_table() -> [u8; 256] {
    let mut t = [0u8; 256];
    let mut i = 0usize;
    while i < 256 {
        let c = i as u8;
        let mut f = 0u8;
        if c.is_ascii_hexdigit() {
            f |= C_HEX;
        }
        if b64_table()[i] != 0xff || c == b'=' {
            f |= C_B64;
        }
        if c == b'-' || c == b'_' {
            f |= C_URL;
        }
        if c.is_ascii_uppercase() || (c >= b'2' && c <= b'7') || c == b'=' {
            f |= C_B32;
        }
        if b85_table()[i] != 0xff {
            f |= C_B85;
        }
        if (c >= b'!' && c <= b'u') || c == b'z' || c == b'~' || c == b'<' || c == b'>' {
            f |= C_A85;
        }
        if matches!(c, b' ' | b'\n' | b'\r' | b'\t' | 0x0b | 0x0c) {
            f |= C_WS;
        }
        t[i] = f;
        i += 1;
    }
    t
}
static CLASS: [u8; 256] = class_table();

impl Charset {
    /// One pass over the input; stops early once no alphabet can match any more.
    pub fn of(input: &[u8]) -> Charset {
        let mut all = C_ALL;
        let mut any = 0u8;
        for chunk in input.chunks(4096) {
            for &c in chunk {
                let f = CLASS[c as usize];
                // Whitespace is neutral for every alphabet.
                all &= f | if f & C_WS != 0 { C_ALL } else { 0 };
                any |= f;
            }
            if all == 0 {
                return Charset::default();
            }
        }
        let mut cs = Charset {
            hex: all & C_HEX != 0,
            base64: all & C_B64 != 0,
            url_safe: any & C_URL != 0,
            base32: all & C_B32 != 0,
            base85: all & C_B85 != 0,
            ascii85: all & C_A85 != 0,
            ..Charset::default()
        };
        // Whitespace runs (only when there is whitespace at all).
        if any & C_WS != 0 {
            let mut prev_ws = true;
            for &c in input {
                let ws = is_ws(c);
                if ws {
                    cs.whitespace += 1;
                    if !prev_ws {
                        cs.ws_runs += 1;
                    }
                }
                prev_ws = ws;
            }
            // A trailing run does not separate tokens.
            if input.last().is_some_and(|&c| is_ws(c)) && cs.ws_runs > 0 {
                cs.ws_runs -= 1;
            }
        }
        cs.len = input.len() - cs.whitespace;
        if cs.len == 0 {
            return Charset::default();
        }
        // Padding: leading (a reversed string) or trailing only.
        let first = input.iter().position(|&c| !is_ws(c)).unwrap_or(0);
        cs.leading_pad = input[first] == b'=' && cs.base64;
        let body = &input[first..];
        let after_lead = body.iter().position(|&c| c != b'=').unwrap_or(body.len());
        if let Some(p) = memchr::memchr(b'=', &body[after_lead..]) {
            let tail = &body[after_lead + p..];
            let pad_then_data = tail.iter().any(|&c| c != b'=' && !is_ws(c));
            if pad_then_data || (cs.leading_pad && after_lead > 0) {
                // Padding in the middle, or on both ends: not one base64/base32 string.
                if pad_then_data || !cs.leading_pad {
                    cs.base64 = false;
                }
                cs.base32 = false;
            }
        } else if cs.leading_pad {
            cs.base32 = false;
        }
        cs
    }
}
