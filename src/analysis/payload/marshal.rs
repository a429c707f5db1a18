//! A reader for CPython's `marshal` format (2.7 and 3.0–3.13), used only to *look at*
//! code objects: which names, strings and file names they carry. Nothing is ever
//! evaluated; the reader walks the byte stream with bounds on nesting, object count and
//! output, and gives up (falling back to printable runs) on anything it does not know.

/// Deepest nesting of containers / code objects followed.
const MAX_NESTING: usize = 64;
/// Objects visited per call.
const MAX_OBJECTS: usize = 200_000;

const FLAG_REF: u8 = 0x80;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Shape {
    Bytes,
    Text,
    Tuple,
    Code,
    Other,
}

struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
    objects: usize,
    /// Strings collected so far (deduplicated, printable), and the cap.
    out: Vec<String>,
    max: usize,
    collect: bool,
}

impl<'a> Reader<'a> {
    fn new(data: &'a [u8], max: usize, collect: bool) -> Self {
        Reader { data, pos: 0, objects: 0, out: Vec::new(), max, collect }
    }

    fn u8(&mut self) -> Option<u8> {
        let b = *self.data.get(self.pos)?;
        self.pos += 1;
        Some(b)
    }

    fn i32(&mut self) -> Option<i32> {
        let s = self.data.get(self.pos..self.pos.checked_add(4)?)?;
        self.pos += 4;
        Some(i32::from_le_bytes([s[0], s[1], s[2], s[3]]))
    }

    fn len32(&mut self) -> Option<usize> {
        usize::try_from(self.i32()?).ok()
    }

    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let s = self.data.get(self.pos..self.pos.checked_add(n)?)?;
        self.pos += n;
        Some(s)
    }

    fn keep(&mut self, raw: &[u8]) {
        if !self.collect || self.out.len() >= self.max || raw.len() < 2 || raw.len() > 4096 {
            return;
        }
        let Ok(s) = std::str::from_utf8(raw) else { return };
        if s.chars().any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t')) {
            return;
        }
        if !self.out.iter().any(|o| o == s) {
            self.out.push(s.to_owned());
        }
    }

    /// Reads one object; returns its rough shape.
    fn object(&mut self, depth: usize) -> Option<Shape> {
        if depth > MAX_NESTING {
            return None;
        }
        self.objects += 1;
        if self.objects > MAX_OBJECTS {
            return None;
        }
        let t = self.u8()? & !FLAG_REF;
        match t {
            b'0' | b'N' | b'F' | b'T' | b'S' | b'.' => Some(Shape::Other),
            b'i' => self.i32().map(|_| Shape::Other),
            b'I' | b'g' => self.take(8).map(|_| Shape::Other),
            b'y' => self.take(16).map(|_| Shape::Other),
            b'f' => {
                let n = usize::from(self.u8()?);
                self.take(n).map(|_| Shape::Other)
            }
            b'x' => {
                for _ in 0..2 {
                    let n = usize::from(self.u8()?);
                    self.take(n)?;
                }
                Some(Shape::Other)
            }
            b'l' => {
                let n = self.i32()?.unsigned_abs() as usize;
                self.take(n.checked_mul(2)?).map(|_| Shape::Other)
            }
            // Python 2 `str` and Python 3 `bytes`; 't' is a Python 2 interned str.
            b's' | b't' => {
                let n = self.len32()?;
                let raw = self.take(n)?;
                self.keep(raw);
                Some(Shape::Bytes)
            }
            b'u' | b'a' | b'A' => {
                let n = self.len32()?;
                let raw = self.take(n)?;
                self.keep(raw);
                Some(Shape::Text)
            }
            b'z' | b'Z' => {
                let n = usize::from(self.u8()?);
                let raw = self.take(n)?;
                self.keep(raw);
                Some(Shape::Text)
            }
            // References to earlier objects (3.x `r`, 2.x string table `R`).
            b'r' | b'R' => self.i32().map(|_| Shape::Other),
            b'(' | b'[' | b'<' | b'>' => {
                let n = self.len32()?;
                // Each element needs at least one byte: reject absurd counts early.
                if n > self.data.len() - self.pos {
                    return None;
                }
                for _ in 0..n {
                    self.object(depth + 1)?;
                }
                Some(if t == b'(' { Shape::Tuple } else { Shape::Other })
            }
            b')' => {
                let n = usize::from(self.u8()?);
                for _ in 0..n {
                    self.object(depth + 1)?;
                }
                Some(Shape::Tuple)
            }
            b'{' => {
                loop {
                    if *self.data.get(self.pos)? & !FLAG_REF == b'0' {
                        self.pos += 1;
                        break;
                    }
                    self.object(depth + 1)?;
                    self.object(depth + 1)?;
                }
                Some(Shape::Other)
            }
            // Python 3.14 slice constant.
            b':' => {
                for _ in 0..3 {
                    self.object(depth + 1)?;
                }
                Some(Shape::Other)
            }
            b'c' => self.code_body(depth).map(|_| Shape::Code),
            _ => None,
        }
    }

    /// The fields of a code object after its type byte. The number of leading 32-bit ints
    /// differs by version (2.7: 4, 3.0–3.7 and 3.11+: 5, 3.8–3.10: 6); the first object after
    /// them is always the bytecode as a bytes object, which tells the layouts apart.
    fn code_body(&mut self, depth: usize) -> Option<()> {
        let start = self.pos;
        let nints = [5usize, 6, 4].into_iter().find(|&n| {
            let at = start + 4 * n;
            let ints_small = (0..n).all(|k| {
                self.data
                    .get(start + 4 * k..start + 4 * k + 4)
                    .is_some_and(|s| u32::from_le_bytes([s[0], s[1], s[2], s[3]]) < 1 << 28)
            });
            ints_small && self.data.get(at).is_some_and(|&b| b & !FLAG_REF == b's')
        })?;
        self.pos = start + 4 * nints;
        // code, consts, names, varnames|localsplusnames, freevars|localspluskinds,
        // cellvars|filename, filename|name, name|qualname
        let mut shapes = [Shape::Other; 8];
        for s in shapes.iter_mut() {
            *s = self.object(depth + 1)?;
        }
        if shapes[0] != Shape::Bytes {
            return None;
        }
        self.i32()?; // firstlineno
        self.object(depth + 1)?; // lnotab | linetable
        if shapes[4] == Shape::Bytes {
            self.object(depth + 1)?; // 3.11+: exceptiontable
        }
        Some(())
    }
}

/// Offset of the marshalled object inside a `.pyc` (16-byte header for 3.7+, 12 for
/// 3.3–3.6, 8 for older), or 0 for bare marshal data.
fn body_offset(data: &[u8]) -> usize {
    if data.len() > 16 && data.get(2..4) == Some(b"\r\n") {
        for off in [16usize, 12, 8] {
            if data.get(off).is_some_and(|&b| b & !FLAG_REF == b'c') {
                return off;
            }
        }
    }
    0
}

/// True if the bytes are a marshalled code object (optionally behind a `.pyc` header) that
/// parses completely.
pub fn looks_like_code(data: &[u8]) -> bool {
    let off = body_offset(data);
    let body = &data[off..];
    if !matches!(body.first(), Some(0xe3 | 0x63)) || body.len() < 20 {
        return false;
    }
    let mut r = Reader::new(body, 0, false);
    // A truncated payload (max_output) still counts if the header fields parsed.
    match r.object(0) {
        Some(Shape::Code) => true,
        _ => body.len() >= 1024 && {
            let mut r = Reader::new(body, 0, false);
            r.pos = 1;
            r.code_body_header_ok()
        },
    }
}

impl Reader<'_> {
    fn code_body_header_ok(&mut self) -> bool {
        let start = self.pos;
        [5usize, 6, 4].into_iter().any(|n| {
            self.data.get(start + 4 * n).is_some_and(|&b| b & !FLAG_REF == b's')
                && (0..n).all(|k| {
                    self.data
                        .get(start + 4 * k..start + 4 * k + 4)
                        .is_some_and(|s| u32::from_le_bytes([s[0], s[1], s[2], s[3]]) < 1 << 16)
                })
        })
    }
}

/// If the data is one marshalled string / bytes object filling the whole buffer
/// (`marshal.loads(b's…')` then `.decode()` then `exec`), its content.
///
/// Without the reference flag (bit 0x80, set by Python 3 on most strings) the length field
/// must hold a non-printable byte, so that text such as `"z "` + 32 characters is not taken
/// for a short marshalled string.
pub fn unwrap_string(data: &[u8]) -> Option<Vec<u8>> {
    let first = *data.first()?;
    let t = first & !FLAG_REF;
    let (len, hdr) = match t {
        b's' | b't' | b'u' | b'a' | b'A' => {
            let s = data.get(1..5)?;
            (usize::try_from(i32::from_le_bytes([s[0], s[1], s[2], s[3]])).ok()?, 5)
        }
        b'z' | b'Z' => (usize::from(*data.get(1)?), 2),
        _ => return None,
    };
    if hdr + len != data.len() || len == 0 {
        return None;
    }
    if first & FLAG_REF == 0 && data[1..hdr].iter().all(|b| b.is_ascii_graphic() || *b == b' ') {
        return None;
    }
    Some(data[hdr..].to_vec())
}

/// Printable strings and names from a marshalled code object, without executing it.
///
/// Walks the marshal stream (Python 2.7–3.13 layouts, `.pyc` header skipped) collecting
/// every printable string constant and name (names, varnames, file name, function names …)
/// in stream order, deduplicated, at most `max`. If the stream holds an unknown type or is
/// truncated, whatever was collected is kept and completed with printable ASCII runs of four
/// or more characters from the raw bytes.
pub fn marshal_strings(data: &[u8], max: usize) -> Vec<String> {
    if max == 0 {
        return Vec::new();
    }
    let off = body_offset(data);
    let mut r = Reader::new(&data[off..], max, true);
    let complete = r.object(0).is_some();
    let mut out = r.out;
    if !complete && out.len() < max {
        for run in printable_runs(data, 4) {
            if out.len() >= max {
                break;
            }
            if !out.iter().any(|o| o == run) {
                out.push(run.to_owned());
            }
        }
    }
    out
}

/// Runs of at least `min` printable ASCII characters.
fn printable_runs(data: &[u8], min: usize) -> impl Iterator<Item = &str> {
    data.split(|b| !(b.is_ascii_graphic() || *b == b' '))
        .filter(move |r| r.len() >= min)
        .filter_map(|r| std::str::from_utf8(r).ok())
}
