//! Analysis: an [`Artifact`] in, [`Finding`]s out. Pure: no network, no printing, no
//! disk writes. This module decides which members are code and in what role they run,
//! then hands each to the detectors.

pub(crate) mod context;
pub mod metadata;
pub mod names;
pub mod package;
pub mod payload;
pub mod python;
pub(crate) mod source;

pub use context::PackageContext;
pub use source::{FileRole, LazySource, SourceFile};

use crate::artifact::member::Packed;
use crate::artifact::{Artifact, ArtifactKind};
use crate::alerts::AlertId;
use crate::finding::Finding;
use source::{Text, decode_text};
use std::borrow::Cow;

/// Directory names whose code is shipped but never run by installing or importing.
const AUXILIARY_DIRS: &[&str] = &["tests", "test", "testing", "docs", "doc", "examples", "example", "benchmarks", "bench", "samples"];

/// Analyses one artifact: archive findings, package-level signals, build configuration
/// and every Python source in its role. Findings come back sorted, most severe first.
pub fn analyze(artifact: &Artifact) -> (PackageContext, Vec<Finding>) {
    let ctx = package::read_context(artifact);
    let mut findings = artifact.findings.clone();
    findings.extend(package::analyze(artifact, &ctx));
    if let Some(squat) = ctx.name.as_deref().and_then(names::check_typosquat) {
        findings.push(Finding::new(AlertId::Typosquat, "", squat.message()));
    }

    let root = archive_root(artifact);
    let mut texts: Vec<(&str, LazyText, FileRole)> = Vec::new();
    let mut owned: Vec<Cow<str>> = Vec::new();
    let mut scripts: Vec<(&str, Cow<str>)> = Vec::new();
    for m in &artifact.members {
        let rel = m.path.strip_prefix(root).unwrap_or(&m.path);
        let config = artifact.kind != ArtifactKind::Wheel && (rel == "pyproject.toml" || rel == "setup.cfg");
        if let Some(p) = &m.packed {
            // a dotted name's role does not depend on the content: the module stays
            // compressed until it is analysed
            let dotted = rel.rsplit('/').next().unwrap_or(rel).contains('.');
            if dotted && !config && let Some(role) = role_of(rel, artifact.kind, b"") {
                texts.push((&m.path, LazyText::Packed(p), role));
                continue;
            }
        }
        let Some(data) = m.content() else { continue };
        if config {
            findings.extend(python::analyze_build_config(&m.path, &decode_content(&data)));
            continue;
        }
        if let Some(role) = role_of(rel, artifact.kind, &data) {
            owned.push(decode_content(&data));
            texts.push((&m.path, LazyText::Plain(owned.len() - 1), role));
        } else if artifact.kind != ArtifactKind::Wheel && data.len() <= 1 << 20 && python::is_shell_script(rel, &data) {
            scripts.push((&m.path, decode_content(&data)));
        }
    }
    let scripts: Vec<SourceFile> = scripts.iter().map(|(path, text)| SourceFile { path, text, role: FileRole::Auxiliary }).collect();
    let files: Vec<LazySource> = texts
        .iter()
        .map(|(path, text, role)| {
            let text = match *text {
                LazyText::Plain(i) => Text::Plain(&owned[i]),
                LazyText::Packed(p) => Text::Packed(p),
            };
            LazySource { path, role: *role, text }
        })
        .collect();
    findings.extend(python::analyze_sources(&files, &scripts, &ctx));
    sort_findings(&mut findings);
    (ctx, findings)
}

/// Where a source's text will come from while the list is being built.
enum LazyText<'a> {
    /// Index into the decoded texts.
    Plain(usize),
    Packed(&'a Packed),
}

impl<'a> LazySource<'a> {
    pub fn new(f: &SourceFile<'a>) -> LazySource<'a> {
        LazySource { path: f.path, role: f.role, text: Text::Plain(f.text) }
    }

    /// The source text, decoded as [`decode_text`] does.
    pub fn text(&self) -> Cow<'a, str> {
        match self.text {
            Text::Plain(t) => Cow::Borrowed(t),
            // unpacking bytes compressed in this process cannot fail (`unpack` checks the
            // length); an empty text would only mean nothing to report
            Text::Packed(p) => Cow::Owned(decode_owned(p.unpack().unwrap_or_default())),
        }
    }

    /// Bytes of the text, without unpacking it.
    pub fn text_len(&self) -> usize {
        match self.text {
            Text::Plain(t) => t.len(),
            Text::Packed(p) => p.unpacked_len(),
        }
    }
}

/// [`decode_text`] of a member's content, borrowing from the artifact when it can.
fn decode_content<'a>(data: &Cow<'a, [u8]>) -> Cow<'a, str> {
    match data {
        Cow::Borrowed(d) => decode_text(d),
        Cow::Owned(v) => Cow::Owned(decode_text(v).into_owned()),
    }
}

/// [`decode_text`] of bytes the caller owns: valid UTF-8 becomes the text without a
/// copy (a 16 MB module unpacked from its packed form is not held twice).
fn decode_owned(data: Vec<u8>) -> String {
    if data.starts_with(b"\xef\xbb\xbf") {
        return decode_text(&data).into_owned();
    }
    crate::artifact::member::utf8_lossy_owned(data)
}

/// Most severe first, then by place; exact duplicates dropped.
pub fn sort_findings(findings: &mut Vec<Finding>) {
    findings.sort_by(|a, b| {
        b.severity().cmp(&a.severity()).then_with(|| a.file.cmp(&b.file)).then_with(|| a.line.cmp(&b.line)).then_with(|| a.alert.cmp(&b.alert))
    });
    findings.dedup();
}

/// The single top-level directory of an sdist (`name-1.0/`), including the slash, or "".
fn archive_root(artifact: &Artifact) -> &str {
    if artifact.kind != ArtifactKind::Sdist {
        return "";
    }
    let mut root: Option<&str> = None;
    for m in &artifact.members {
        let Some((first, _)) = m.path.split_once('/') else { return "" };
        match root {
            None => root = Some(first),
            Some(r) if r == first => {}
            Some(_) => return "",
        }
    }
    match root {
        Some(r) => &artifact.members[0].path[..r.len() + 1],
        None => "",
    }
}

/// The role a member plays, or None when it is not Python code.
fn role_of(rel: &str, kind: ArtifactKind, data: &[u8]) -> Option<FileRole> {
    let name = rel.rsplit('/').next().unwrap_or(rel);
    let lower = name.to_ascii_lowercase();
    let is_python = crate::artifact::member::is_python_module_name(name) || (!lower.contains('.') && data.starts_with(b"#!") && data[..data.len().min(100)].windows(6).any(|w| w == b"python"));
    if crate::artifact::nested::is_nested_path(rel) {
        // inside an archive the package ships: pip never unpacks it, so its code (and a
        // .pth in it) runs only if the package loads it
        return (is_python || lower.ends_with(".pth")).then_some(FileRole::Auxiliary);
    }
    if lower.ends_with(".pth") {
        // `site` runs the lines of a .pth only in a site-packages directory. Deeper ones
        // are data (PyTorch checkpoints, a shipped virtualenv's files); setup.py copying
        // one into site-packages is the install-time rules' to report
        return crate::artifact::member::is_startup_pth_place(rel).then_some(FileRole::PthFile);
    }
    if !is_python {
        return None;
    }
    if rel == "setup.py" && kind != ArtifactKind::Wheel {
        return Some(FileRole::SetupScript);
    }
    let dirs: Vec<&str> = rel.split('/').collect();
    let in_aux_dir = dirs[..dirs.len() - 1].iter().any(|d| AUXILIARY_DIRS.contains(&d.to_ascii_lowercase().as_str()));
    if in_aux_dir || lower.starts_with("test_") || lower.ends_with("_test.py") || lower == "conftest.py" {
        return Some(FileRole::Auxiliary);
    }
    if lower == "__init__.py" {
        return Some(FileRole::PackageInit);
    }
    Some(FileRole::Module)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_follow_where_code_runs() {
        assert_eq!(role_of("setup.py", ArtifactKind::Sdist, b""), Some(FileRole::SetupScript));
        assert_eq!(role_of("setup.py", ArtifactKind::Wheel, b""), Some(FileRole::Module));
        assert_eq!(role_of("pkg/__init__.py", ArtifactKind::Wheel, b""), Some(FileRole::PackageInit));
        assert_eq!(role_of("tests/__init__.py", ArtifactKind::Sdist, b""), Some(FileRole::Auxiliary));
        assert_eq!(role_of("pkg/test_x.py", ArtifactKind::Sdist, b""), Some(FileRole::Auxiliary));
        assert_eq!(role_of("pkg/core.py", ArtifactKind::Sdist, b""), Some(FileRole::Module));
        assert_eq!(role_of("evil.pth", ArtifactKind::Wheel, b""), Some(FileRole::PthFile));
        assert_eq!(role_of("evil-1.0.data/purelib/evil.pth", ArtifactKind::Wheel, b""), Some(FileRole::PthFile));
        // a .pth below the package root never reaches `site`
        assert_eq!(role_of("pkg/models/weights.pth", ArtifactKind::Wheel, b"import os\n"), None);
        assert_eq!(role_of("venv/lib/python3.10/site-packages/x.pth", ArtifactKind::Sdist, b"import os\n"), None);
        assert_eq!(role_of("pkg/bin/tool", ArtifactKind::Wheel, b"#!/usr/bin/env python\n"), Some(FileRole::Module));
        assert_eq!(role_of("README.md", ArtifactKind::Sdist, b""), None);
        // inside an archive the package ships, nothing runs at install or import
        assert_eq!(role_of("vendor.zip!/setup.py", ArtifactKind::Sdist, b""), Some(FileRole::Auxiliary));
        assert_eq!(role_of("pkg/b.whl!/x/__init__.py", ArtifactKind::Wheel, b""), Some(FileRole::Auxiliary));
        assert_eq!(role_of("pkg/b.whl!/hook.pth", ArtifactKind::Wheel, b""), Some(FileRole::Auxiliary));
        assert_eq!(role_of("pkg/b.whl!/data.csv", ArtifactKind::Wheel, b""), None);
    }

    /// A packed module unpacks to the text [`decode_text`] gives, BOM and bad bytes too.
    #[test]
    fn owned_bytes_decode_as_borrowed_ones_do() {
        for data in [&b"x = 1\n"[..], b"\xef\xbb\xbfx = '\xc3\xa9'\n", b"s = '\xe9t\xe9'\n", b"\xef\xbb\xbf\xff", b""] {
            assert_eq!(decode_owned(data.to_vec()), decode_text(data), "{data:?}");
        }
    }

    fn zip_of(files: &[(&str, &[u8])]) -> Vec<u8> {
        use std::io::Write;
        let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        for (name, data) in files {
            w.start_file(*name, zip::write::SimpleFileOptions::default()).expect("start");
            w.write_all(data).expect("write");
        }
        w.finish().expect("zip").into_inner()
    }

    #[test]
    fn package_level_checks_see_only_what_installing_puts_on_disk() {
        // a wheel whose RECORD lists its own files, shipping a zip with an ELF inside: the
        // zip's members are neither unlisted files nor bundled executables of the package
        let elf = [&b"\x7fELF\x02\x01\x01\x00"[..], &[0u8; 256]].concat();
        let bundle = zip_of(&[("bin/tool", &elf), ("lib/m.py", b"x = 1\n")]);
        let files: [(&str, &[u8]); 4] = [
            ("demo/__init__.py", b"x = 1\n"),
            ("demo/bundle.zip", &bundle),
            ("demo-1.0.dist-info/METADATA", b"Metadata-Version: 2.1\nName: demo\nVersion: 1.0\n"),
            ("demo-1.0.dist-info/WHEEL", b"Wheel-Version: 1.0\nTag: py3-none-any\n"),
        ];
        let mut record = String::new();
        for (path, data) in &files {
            use base64::Engine;
            use sha2::Digest;
            let hash = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(data));
            record.push_str(&format!("{path},sha256={hash},{}\n", data.len()));
        }
        record.push_str("demo-1.0.dist-info/RECORD,,\n");
        let mut all = files.to_vec();
        all.push(("demo-1.0.dist-info/RECORD", record.as_bytes()));
        let wheel = zip_of(&all);
        let read = crate::artifact::read_bytes("demo-1.0-py3-none-any.whl", &wheel, &crate::artifact::Limits::default()).expect("reads");
        assert!(read.member("demo/bundle.zip!/bin/tool").is_some(), "the nested zip was opened");
        let (ctx, findings) = analyze(&read);
        assert!(findings.is_empty(), "{findings:?}");
        assert!(!ctx.has_compiled_code);
    }

    #[test]
    fn code_in_a_nested_archive_is_analysed_as_shipped_code() {
        let inner = {
            use std::io::Write;
            let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
            w.start_file("setup.py", zip::write::SimpleFileOptions::default()).expect("start");
            w.write_all(b"import base64\nexec(base64.b64decode('aW1wb3J0IG9zO29zLmdldGN3ZCgp'))\n").expect("write");
            w.finish().expect("zip").into_inner()
        };
        // read through the archive reader, so the nested zip is opened as in a real scan
        let mut tar = tar::Builder::new(Vec::new());
        let setup: &[u8] = b"from setuptools import setup\nsetup(name='demo')\n";
        for (path, data) in [("demo-1.0/setup.py", setup), ("demo-1.0/demo/vendor.zip", &inner[..])] {
            let mut h = tar::Header::new_gnu();
            h.set_size(data.len() as u64);
            h.set_mode(0o644);
            tar.append_data(&mut h, path, data).expect("append");
        }
        let bytes = tar.into_inner().expect("tar");
        let read = crate::artifact::read_bytes("demo-1.0.tar", &bytes, &crate::artifact::Limits::default()).expect("reads");
        let (_, findings) = analyze(&read);
        let nested: Vec<&Finding> = findings.iter().filter(|f| f.file.contains("vendor.zip!/setup.py")).collect();
        assert!(!nested.is_empty(), "the decode-and-exec in the nested zip is found: {findings:?}");
        assert!(nested.iter().all(|f| f.severity() < crate::alerts::Severity::Critical), "it never runs at install: {nested:?}");
    }
}
