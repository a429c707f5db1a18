//! Streams one member's bytes into a [`Member`]: the first 64 bytes for magic checks,
//! the full content only for files that can hold code or metadata, and of the rest only
//! what a check needs (see [`Unread`]), so binaries of any size cost little to pass.

use super::format::Container;
use super::limits::{Budget, LimitExceeded};
use sha2::{Digest, Sha256};
use std::borrow::Cow;
use std::io::{self, Read};

/// One archive member. Content is kept only for files the analysis reads.
#[derive(Clone, Debug)]
pub struct Member {
    /// Path relative to the archive root, '/'-separated, as stored (after safety checks).
    pub path: String,
    pub size: u64,
    /// sha256 of the full content, computed while streaming; `None` when the member was
    /// not read to its end (see [`Unread`]).
    pub sha256: Option<[u8; 32]>,
    /// First bytes of the content (for magic-byte checks), up to 64.
    pub head: Vec<u8>,
    /// Full content when the analysis reads it ([`read_by_analysis`]: code,
    /// scripts, build configuration, metadata) and it is within limits.
    pub data: Option<Vec<u8>>,
    /// The same content held compressed instead, in archives whose kept content is large
    /// (see [`PACK_AFTER_BYTES`]); read it through [`Member::content`].
    pub packed: Option<Packed>,
}

impl Member {
    /// The member's sha256 as lower-case hex, when it was computed.
    pub fn sha256_hex(&self) -> Option<String> {
        self.sha256.as_ref().map(|d| crate::hex::hex(d))
    }

    /// The content, when it was kept: borrowed, or unpacked when it is held compressed.
    pub fn content(&self) -> Option<Cow<'_, [u8]>> {
        match (&self.data, &self.packed) {
            (Some(d), _) => Some(Cow::Borrowed(d)),
            (None, Some(p)) => p.unpack().map(Cow::Owned),
            (None, None) => None,
        }
    }

    /// The content as UTF-8 text (lossy), when it was kept.
    pub fn text(&self) -> Option<Cow<'_, str>> {
        Some(match self.content()? {
            Cow::Borrowed(b) => utf8_lossy(b),
            Cow::Owned(v) => Cow::Owned(utf8_lossy_owned(v)),
        })
    }

    /// Bytes of memory the kept content takes.
    pub fn kept_bytes(&self) -> u64 {
        self.data.as_ref().map_or(0, |d| d.len() as u64) + self.packed.as_ref().map_or(0, |p| p.held_bytes() as u64)
    }
}

/// `bytes` as text: valid UTF-8 as it is, anything else with its bad bytes replaced.
/// Validating first is several times faster than std's lossy walk, and almost every
/// member is valid UTF-8.
pub(crate) fn utf8_lossy(bytes: &[u8]) -> Cow<'_, str> {
    match std::str::from_utf8(bytes) {
        Ok(text) => Cow::Borrowed(text),
        Err(_) => String::from_utf8_lossy(bytes),
    }
}

/// [`utf8_lossy`] of bytes the caller owns: valid UTF-8 becomes the text without a copy.
pub(crate) fn utf8_lossy_owned(bytes: Vec<u8>) -> String {
    String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// Bytes of `head` kept for every member.
pub(crate) const HEAD_BYTES: usize = 64;
/// Bytes looked at to decide whether an unlisted member is text.
const PROBE_BYTES: usize = 1024;
const CHUNK: usize = 64 * 1024;

/// How a member's content is treated, from its name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Keep {
    /// Code or package metadata: always kept; over the size limit it is an alert.
    Code,
    /// Text-like configuration and data: kept; over the limit it is silently dropped.
    Text,
    /// Anything else: kept only when its first bytes look like text or a script.
    Probe,
    /// A nested archive (`.whl`, `.zip`, `.tar.gz` …): kept until the reader has opened
    /// it ([`super::nested`]); over the limit it is not opened and says so.
    Archive,
}

/// Names of members that are opened as archives; anything else is data.
const NESTED_EXTENSIONS: &[(&str, Container)] = &[
    (".whl", Container::Zip),
    (".zip", Container::Zip),
    (".egg", Container::Zip),
    (".pyz", Container::Zip),
    (".tar.gz", Container::TarGz),
    (".tgz", Container::TarGz),
    (".tar.bz2", Container::TarBz2),
    (".tbz2", Container::TarBz2),
    (".tar.xz", Container::TarXz),
    (".txz", Container::TarXz),
    (".tar", Container::Tar),
];

/// True when the member's name says it is an archive that Python can load or install
/// from, so its bytes are kept for the reader to open ([`super::nested`]).
pub(crate) fn is_nested_archive_name(path: &str) -> bool {
    container_from_name(path).is_some()
}

/// The container a nested archive's name says it is.
pub(super) fn container_from_name(path: &str) -> Option<Container> {
    let lower = path.rsplit('/').next().unwrap_or(path).to_ascii_lowercase();
    NESTED_EXTENSIONS.iter().find(|(ext, _)| lower.ends_with(ext) && lower.len() > ext.len()).map(|&(_, c)| c)
}

const CODE_EXTENSIONS: &[&str] = &["py", "pyw", "pyi", "pth", "sh", "bat", "cmd", "ps1", "js"];
const TEXT_EXTENSIONS: &[&str] = &["cfg", "toml", "txt", "json", "yaml", "yml", "ini"];
const CODE_NAMES: &[&str] = &[
    "PKG-INFO",
    "METADATA",
    "RECORD",
    "WHEEL",
    "entry_points.txt",
    "setup.py",
    "setup.cfg",
    "pyproject.toml",
];

/// The treatment of a member, from its path.
pub(crate) fn keep_policy(path: &str) -> Keep {
    let base = path.rsplit(['/', '\\']).next().unwrap_or(path);
    if CODE_NAMES.contains(&base) {
        return Keep::Code;
    }
    if is_nested_archive_name(base) {
        return Keep::Archive;
    }
    let ext = match base.rfind('.') {
        Some(i) if i > 0 => base[i + 1..].to_ascii_lowercase(),
        _ => return Keep::Probe,
    };
    // a `.pth` runs at start-up only from a site-packages directory; deeper in a package
    // the name is PyTorch's (checkpoints of tens of MB, zip archives). The first part of
    // the path may be an sdist's top directory, which the name alone cannot tell
    let below_top = path.split_once('/').is_some_and(|(_, rest)| is_startup_pth_place(rest));
    if ext == "pth" && !is_startup_pth_place(path) && !below_top {
        Keep::Probe
    } else if CODE_EXTENSIONS.contains(&ext.as_str()) {
        Keep::Code
    } else if TEXT_EXTENSIONS.contains(&ext.as_str()) {
        Keep::Text
    } else {
        Keep::Probe
    }
}

/// Whether a `.pth` at `rel` (relative to the package's root: a wheel's root, an sdist's
/// top directory) is where `site` reads start-up files once installed: the root itself
/// (setup.py may install an sdist's from there) or a wheel's `.data/purelib` /
/// `.data/platlib`.
pub(crate) fn is_startup_pth_place(rel: &str) -> bool {
    let parts: Vec<&str> = rel.split('/').collect();
    match parts.as_slice() {
        [_] => true,
        [data, scheme, _] => data.ends_with(".data") && matches!(*scheme, "purelib" | "platlib"),
        _ => false,
    }
}

/// Whether the first bytes of a file look like text or an executable script.
pub(crate) fn looks_like_text(probe: &[u8]) -> bool {
    if probe.starts_with(b"#!") {
        return true;
    }
    if probe.contains(&0) {
        return false;
    }
    match std::str::from_utf8(probe) {
        Ok(_) => true,
        // A multi-byte character cut by the probe window is still text.
        Err(e) if e.error_len().is_none() && probe.len() - e.valid_up_to() < 4 => true,
        Err(_) => {
            let printable = probe
                .iter()
                .filter(|&&b| b == b'\n' || b == b'\r' || b == b'\t' || (0x20..0x7f).contains(&b) || b >= 0xa0)
                .count();
            printable * 100 >= probe.len() * 95
        }
    }
}

/// Kept content of one archive after which further members are held compressed: a
/// package with hundreds of MB of Python (generated cloud SDKs) then takes about a
/// quarter of that in memory, and each module is unpacked only while it is analysed.
/// Below it (nearly every package) nothing is compressed.
pub(crate) const PACK_AFTER_BYTES: u64 = 8 * 1024 * 1024;

/// Member content held compressed (zstd, level 1: Python source shrinks about 4x).
#[derive(Clone, Debug)]
pub struct Packed {
    compressed: Vec<u8>,
    len: usize,
}

/// Compresses members for one archive with one reused compressor and scratch buffer,
/// each result then copied out at its exact size: a compressor or buffer per member
/// (tens of thousands of members) leaves the heap full of holes that small allocations
/// pin, and the resident size balloons.
///
/// Why zstd at level 1: on the 31 MB of Python of the largest popular wheel, deflate
/// (level 2) took 0.2-0.37 s to pack and 0.05-0.1 s to unpack (each module is unpacked
/// twice: its imports, its analysis) into 7.6 MB; zstd takes 0.08-0.1 s and 0.02-0.04 s
/// into 7.3 MB. LZ4 was faster still but held 10.6 MB, which took a scan of the benign
/// corpus from 133 to 160 MB peak.
#[derive(Default)]
pub(crate) struct Packer {
    compressor: Option<zstd::bulk::Compressor<'static>>,
    scratch: Vec<u8>,
}

/// Packing level: zstd's fastest level before the negative (LZ4-like) ones.
const PACK_LEVEL: i32 = 1;

impl Packer {
    /// `data` compressed, or `None` when it does not shrink (it is then kept as it is).
    pub(crate) fn pack(&mut self, data: &[u8]) -> Option<Packed> {
        if self.compressor.is_none() {
            self.compressor = Some(zstd::bulk::Compressor::new(PACK_LEVEL).ok()?);
        }
        let compressor = self.compressor.as_mut()?;
        self.scratch.clear();
        self.scratch.reserve(zstd::zstd_safe::compress_bound(data.len()));
        let n = compressor.compress_to_buffer(data, &mut self.scratch).ok()?;
        (n < data.len()).then(|| Packed { compressed: self.scratch[..n].to_vec(), len: data.len() })
    }
}

thread_local! {
    /// One decompression context per thread that unpacks (the reader's, rayon's).
    static UNPACKER: std::cell::RefCell<Option<zstd::bulk::Decompressor<'static>>> = const { std::cell::RefCell::new(None) };
}

impl Packed {
    /// The content again; `None` only if the compressed bytes were damaged in memory.
    pub fn unpack(&self) -> Option<Vec<u8>> {
        UNPACKER.with(|cell| {
            let mut slot = cell.borrow_mut();
            if slot.is_none() {
                *slot = Some(zstd::bulk::Decompressor::new().ok()?);
            }
            let out = slot.as_mut()?.decompress(&self.compressed, self.len).ok()?;
            (out.len() == self.len).then_some(out)
        })
    }

    /// Bytes of the content once unpacked.
    pub fn unpacked_len(&self) -> usize {
        self.len
    }

    /// Bytes of memory this takes.
    pub fn held_bytes(&self) -> usize {
        self.compressed.len()
    }
}

/// How much is read of a member whose content the analysis does not read
/// ([`read_by_analysis`]): data files, native libraries, images. What is read of them
/// serves three checks: the magic bytes of its head (every member), the sha256 of an
/// executable (the evidence of a bundled executable) and its size (limits, and the
/// wheel's RECORD check, which compares sizes for members left unhashed).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Unread {
    /// Its head only, unless the head is an executable's (read and hashed for the
    /// report): tar and directory members, whose headers give their exact size, and
    /// zip members up to [`EXECUTABLES_HASHED_UP_TO_BYTES`].
    HeadUnlessExecutable,
    /// Its head only: larger zip members. Their size is the central directory's, which
    /// is also what pip's and Poetry's extraction writes (`zipfile` stops there, and
    /// checks the CRC), and their hash stays unknown: a wheel of 645 MB, nearly all
    /// native libraries and C++ headers, took 6 s to inflate and hash whole for one check
    /// that compares them with RECORD.
    Head,
}

/// Zip members that are executables are inflated and hashed up to this size.
pub(crate) const EXECUTABLES_HASHED_UP_TO_BYTES: u64 = 1024 * 1024;

impl Unread {
    /// For a zip member declaring `declared` bytes.
    pub(crate) fn zip(declared: u64) -> Unread {
        if declared > EXECUTABLES_HASHED_UP_TO_BYTES { Unread::Head } else { Unread::HeadUnlessExecutable }
    }
}

/// Why streaming a member stopped.
#[derive(Debug)]
pub(crate) enum StreamError {
    /// A reading limit was crossed (the reason is in the budget).
    Limit(String),
    /// The underlying archive failed after `bytes` bytes of this member.
    Io { error: io::Error, bytes: u64 },
}

/// Whether the analysis ever reads this member's content, from its path alone: Python
/// sources and `.pth` files, shell scripts, extension-less files (scripts with a
/// shebang), build configuration and the package metadata. Everything else (data, docs,
/// C sources, web assets) is measured, and read no further than [`Unread`] says, so a
/// large sdist holds only its code in memory. Members whose first bytes are `MZ` are
/// also kept (when text-like), for the PE check of bundled executables.
///
/// This list is the union of what `analysis` reads (`role_of`, the build-config and
/// shell-script checks, `pkginfo`, `record_mismatch`) and of the archives the reader
/// opens ([`super::nested`]); a new reader of member content must be added here.
pub(crate) fn read_by_analysis(path: &str) -> bool {
    let base = path.rsplit(['/', '\\']).next().unwrap_or(path);
    if ANALYSED_NAMES.contains(&base) {
        return true;
    }
    let lower = base.to_ascii_lowercase();
    // nested archives are read by the archive reader itself, then dropped
    !lower.contains('.') || ANALYSED_SUFFIXES.iter().any(|s| lower.ends_with(s)) || is_nested_archive_name(base)
}

/// Whether `path` names a Python module (`.py`, `.pyw`, any case): what the analysis
/// builds a model of, and what a directory scan reserves a model for.
pub(crate) fn is_python_module_name(path: &str) -> bool {
    let b = path.as_bytes();
    [&b".py"[..], b".pyw"].iter().any(|s| b.len() >= s.len() && b[b.len() - s.len()..].eq_ignore_ascii_case(s))
}

/// Names whose content `read_by_analysis` keeps.
const ANALYSED_NAMES: &[&str] = &["PKG-INFO", "METADATA", "RECORD", "setup.py", "setup.cfg", "pyproject.toml"];
/// Lower-case endings whose content `read_by_analysis` keeps.
const ANALYSED_SUFFIXES: &[&str] = &[".py", ".pyw", ".pth", ".sh", ".bash"];

/// Streams `reader` to its end, using `buf` as scratch space (reused across members).
/// Returns the member (its content not set), whether a code member was too large to
/// keep, and whether its content is kept: it is then in `kept`, a buffer reused across
/// members, for the caller to copy or pack. A buffer per member, freed once the member
/// is packed, left the heap holed between the small packed copies that outlive it: the
/// reused buffer alone took the ansible wheel (20,000 members) from 181 to 150 MB
/// resident (`super::inflate` did the rest). `declared` (the archive header's size)
/// sizes `kept` for a member the analysis reads: grown by doubling instead, a 37 MB
/// nested archive briefly took 64 MB and a copy.
pub(crate) fn collect(
    path: String,
    declared: u64,
    unread: Unread,
    reader: &mut dyn Read,
    budget: &Budget,
    buf: &mut Vec<u8>,
    kept: &mut Vec<u8>,
) -> Result<(Member, bool, bool), StreamError> {
    let policy = keep_policy(&path);
    let wanted = read_by_analysis(&path);
    let max_member_bytes = budget.limits.max_member_bytes;
    let mut hasher = Sha256::new();
    let mut size: u64 = 0;
    let mut head: Vec<u8> = Vec::with_capacity(HEAD_BYTES);
    kept.clear();
    if wanted && declared <= max_member_bytes {
        // only reserved: pages a lying header does not fill are never touched
        kept.reserve_exact(usize::try_from(declared).unwrap_or(0));
    }
    let mut keeping = true;
    let mut decided = policy != Keep::Probe;
    let mut overflow = false;
    if buf.len() < CHUNK {
        buf.resize(CHUNK, 0);
    }
    loop {
        // a member nobody reads is inflated to its head first: most are never read past it
        let want = if !wanted && head.len() < HEAD_BYTES { HEAD_BYTES - head.len() } else { CHUNK };
        let n = match reader.read(&mut buf[..want]) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(error) => {
                if let Some(reason) = budget.limit_hit() {
                    return Err(StreamError::Limit(reason));
                }
                if let Some(inner) = error.get_ref().and_then(|i| i.downcast_ref::<LimitExceeded>()) {
                    return Err(StreamError::Limit(inner.0.clone()));
                }
                return Err(StreamError::Io { error, bytes: size });
            }
        };
        let chunk = &buf[..n];
        size = size.saturating_add(n as u64);
        let heading = head.len() < HEAD_BYTES;
        if heading {
            let take = (HEAD_BYTES - head.len()).min(n);
            head.extend_from_slice(&chunk[..take]);
        }
        if heading && head.len() == HEAD_BYTES && !wanted && !head.starts_with(b"MZ") {
            // the head is known: of a member nobody reads, the rest may not be needed
            let executable = super::magic::executable_magic(&head).is_some();
            let whole = match unread {
                Unread::HeadUnlessExecutable => executable,
                Unread::Head => false,
            };
            if !whole {
                let size = declared.max(size);
                // code nobody reads (a `.bat`, a stub) over the limit is still an alert
                let too_big_code = policy == Keep::Code && size > max_member_bytes;
                return Ok((Member { path, size, sha256: None, head, data: None, packed: None }, too_big_code, false));
            }
        }
        hasher.update(chunk);
        if keeping && !wanted && head.len() >= 2 && !head.starts_with(b"MZ") {
            keeping = false;
            kept.clear();
        }
        if keeping {
            if kept.len() as u64 + n as u64 > max_member_bytes {
                keeping = false;
                overflow = true;
                kept.clear();
            } else {
                kept.extend_from_slice(chunk);
            }
        }
        if !decided && kept.len() >= PROBE_BYTES {
            decided = true;
            if !looks_like_text(&kept[..PROBE_BYTES]) {
                keeping = false;
                kept.clear();
            }
        }
    }
    if !decided && keeping && !looks_like_text(kept) {
        keeping = false;
        kept.clear();
    }
    if keeping && !wanted && !head.starts_with(b"MZ") {
        keeping = false;
        kept.clear();
    }
    if !keeping {
        kept.clear();
    }
    // code over the limit is an alert whether or not its content would have been read
    let too_big_code = policy == Keep::Code && (overflow || size > max_member_bytes);
    let member = Member { path, size, sha256: Some(hasher.finalize().into()), head, data: None, packed: None };
    Ok((member, too_big_code, keeping))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::artifact::limits::Limits;

    fn run(path: &str, content: &[u8], max: u64) -> (Member, bool) {
        let budget = Budget::new(&Limits { max_member_bytes: max, ..Limits::default() });
        let mut kept = Vec::new();
        let (mut m, too_big, keeping) =
            collect(path.to_string(), content.len() as u64, Unread::HeadUnlessExecutable, &mut &content[..], &budget, &mut Vec::new(), &mut kept).expect("reads");
        if keeping {
            m.data = Some(kept);
        }
        (m, too_big)
    }

    #[test]
    fn python_module_names_in_any_case() {
        for yes in ["pkg/m.py", "M.PY", "tool.Pyw", "é/x.py"] {
            assert!(is_python_module_name(yes), "{yes}");
        }
        for no in ["py", "m.pyc", "m.pyi", "m.pth", "é", "pkg/py"] {
            assert!(!is_python_module_name(no), "{no}");
        }
    }

    #[test]
    fn code_and_metadata_are_kept_binaries_only_hashed() {
        let (m, _) = run("pkg/setup.py", b"import os\n", 1000);
        assert_eq!(m.data.as_deref(), Some(&b"import os\n"[..]));
        assert_eq!(m.size, 10);
        let elf = [&b"\x7fELF\x02\x01\x01"[..], &[0u8; 2000]].concat();
        let (m, _) = run("pkg/lib.so", &elf, 1_000_000);
        assert!(m.data.is_none());
        assert_eq!(m.head.len(), 64);
        assert_eq!(&m.head[..4], b"\x7fELF");
    }

    #[test]
    fn extensionless_scripts_are_kept_other_names_only_when_read() {
        // no analysis reads a .png, whatever it holds: hashed and measured only
        let (m, _) = run("pkg/logo.png", b"import base64;exec(base64.b64decode('aW1wb3J0IG9z'))", 1000);
        assert!(m.data.is_none());
        let (m, _) = run("bin/tool", b"#!/bin/sh\ncurl x | sh\n", 1000);
        assert!(m.data.is_some());
    }

    #[test]
    fn oversized_code_is_dropped_and_flagged_text_only_dropped() {
        let (m, big) = run("pkg/huge.py", &[b'x'; 5000], 1000);
        assert!(m.data.is_none() && big);
        assert_eq!(m.size, 5000);
        let (m, big) = run("pkg/words.txt", &[b'x'; 5000], 1000);
        assert!(m.data.is_none() && !big);
    }

    #[test]
    fn sha256_covers_the_whole_content() {
        let (m, _) = run("a.bin", b"abc", 1000);
        let hex = m.sha256_hex().expect("hashed");
        assert_eq!(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }

    /// Text, high bytes, incompressible bytes, empty and large members all come back
    /// intact (or stay unpacked when they do not shrink), with one packer.
    #[test]
    fn packed_members_round_trip() {
        let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut noise = |n: usize| -> Vec<u8> {
            (0..n)
                .map(|_| {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    state as u8
                })
                .collect()
        };
        let text = "def f(x):\n    return {'k': x, 'é': 'ünïcödé'}\n".repeat(20_000).into_bytes();
        let high: Vec<u8> = noise(300_000).into_iter().map(|b| b | 0x80).collect();
        let mixed = [text.clone(), noise(70_000), text[..5000].to_vec()].concat();
        let mut packer = Packer::default();
        let p = packer.pack(&text).expect("source code shrinks");
        assert!(p.held_bytes() * 4 < text.len());
        assert_eq!(p.unpack().as_deref(), Some(&text[..]));
        for data in [high, noise(1 << 20), mixed, Vec::new(), b"x".to_vec(), noise(3), text] {
            // what does not shrink stays as it is
            if let Some(p) = packer.pack(&data) {
                assert!(p.held_bytes() < data.len());
                assert_eq!(p.unpack().as_deref(), Some(&data[..]));
            }
        }
    }

    #[test]
    fn only_what_the_analysis_reads_is_kept() {
        for kept in ["pkg/a.py", "pkg/B.PYW", "x.pth", "run.sh", "bin/tool", "pkg-1.0/PKG-INFO", "x.dist-info/RECORD", "pyproject.toml", "setup.cfg"] {
            assert!(read_by_analysis(kept), "{kept}");
        }
        for dropped in ["pkg/data.json", "README.md", "src/x.c", "static/app.js", "notes.txt", "x.dist-info/entry_points.txt"] {
            assert!(!read_by_analysis(dropped), "{dropped}");
        }
        let (m, _) = run("pkg/data.json", b"{\"a\": 1}", 1000);
        assert!(m.data.is_none() && m.size == 8);
        // a large JavaScript bundle is not kept, and not an alert either (see Collector)
        let (m, big) = run("static/app.js", &[b'x'; 5000], 1000);
        assert!(m.data.is_none() && big);
        // a PyTorch checkpoint named .pth deep in a package is data; a binary .pth where
        // site reads start-up files is kept (site reads its lines whatever the bytes)
        let checkpoint = [b"PK\x03\x04\x00\x00".as_slice(), &[0u8; 4096]].concat();
        let (m, big) = run("pkg/models/checkpoint.pth", &checkpoint, 100_000);
        assert!(m.data.is_none() && !big, "{m:?}");
        let (m, _) = run("pkg/hooks/extra.pth", b"import os\n", 100_000);
        assert!(m.data.is_some());
        let (m, _) = run("polyglot.pth", &checkpoint, 100_000);
        assert!(m.data.is_some());
        // text behind an MZ header stays readable for the PE check
        let (m, _) = run("pkg/tool.exe", b"MZ this program cannot be run in DOS mode", 1000);
        assert!(m.data.is_some());
    }

    #[test]
    fn policy_by_name() {
        assert_eq!(keep_policy("x-1.0.dist-info/RECORD"), Keep::Code);
        assert_eq!(keep_policy("pkg/Data.JSON"), Keep::Text);
        assert_eq!(keep_policy("pkg/.hidden"), Keep::Probe);
        assert_eq!(keep_policy("pkg/lib.so"), Keep::Probe);
        for startup in ["evil.pth", "pkg-1.0/distutils-precedence.pth", "pkg-1.0.data/purelib/hook.pth", "p.data/platlib/x.pth"] {
            assert_eq!(keep_policy(startup), Keep::Code, "{startup}");
        }
        for deep in ["pkg/models/checkpoint.pth", "pkg-1.0/pkg/weights.pth", "pkg-1.0.data/data/x.pth"] {
            assert_eq!(keep_policy(deep), Keep::Probe, "{deep}");
        }
        assert!(looks_like_text("héllo wörld".as_bytes()));
        assert!(!looks_like_text(b"\x7fELF\x00\x00"));
    }
}
