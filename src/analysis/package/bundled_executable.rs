//! `bundled-executable`: an ELF, PE or Mach-O binary inside a package that has no
//! compiled code.
//!
//! **What it detects.** Members whose first bytes are an executable format: ELF
//! (`\x7fELF`), Windows PE (`MZ` with the `PE\0\0` signature at `e_lfanew` when the
//! content is available, otherwise `MZ` plus an executable name such as `.exe`/`.dll`
//! or no extension at all), Mach-O (`feedface`, `feedfacf`, their little-endian forms,
//! and fat `cafebabe` headers with a sane architecture count — so Java `.class` files,
//! which share the `cafebabe` magic, do not count). Only the magic decides, never the
//! name: an ELF called `logo.png` is still an ELF.
//!
//! **Why it is risky.** A pure-Python package has no reason to carry machine code.
//! Droppers ship their second stage this way and start it from setup.py or on import,
//! where no source review can see what it does.
//!
//! **Example.** `helper-0.1.tar.gz` containing `helper/bin/update` (an ELF) next to a
//! setup.py that runs it, or an sdist whose only code is a prebuilt extension module
//! (`core.cpython-310-x86_64-linux-gnu.so`, no source for it) that `__init__.py` calls
//! on import. Not flagged: a platform wheel (`cp312-…-manylinux…`) or an
//! sdist with C/Cython/Rust sources shipping a `.so` — native code is their job; nor the
//! Windows script launchers that setuptools and distlib ship (`setuptools/cli-64.exe`,
//! `distlib/t64.exe`) when they have the size of a launcher.
//!
//! **Remedy.** Find what runs the binary and whether the project documents it; prefer a
//! release whose binaries are built from published sources.

use crate::alerts::AlertId;
use crate::analysis::context::PackageContext;
use crate::artifact::magic::{executable_magic, ExecutableMagic};
use crate::artifact::{Artifact, ArtifactKind, Member};
use crate::finding::Finding;

/// Findings beyond this are summarised in the last one.
const MAX_FINDINGS: usize = 20;
/// Script launchers are small stubs; anything bigger is not one.
const LAUNCHER_MAX_BYTES: u64 = 1024 * 1024;

/// Runs the detector.
pub fn check(artifact: &Artifact, ctx: &PackageContext) -> Vec<Finding> {
    if ctx.has_compiled_code {
        return Vec::new();
    }
    let hits: Vec<(&Member, &'static str)> = artifact
        .own_members()
        .filter(|m| !is_script_launcher(m))
        .filter_map(|m| executable_format(m).map(|f| (m, f)))
        .collect();
    super::at_most(hits, MAX_FINDINGS, "executables", |(m, format)| {
        let message = match artifact.kind {
            ArtifactKind::Sdist => format!("{format} ({} bytes) in a source distribution with no native source to build it from", m.size),
            _ => format!("{format} ({} bytes) in a package that declares no compiled code", m.size),
        };
        let magic = crate::hex::hex(&m.head[..m.head.len().min(8)]);
        Finding::new(AlertId::BundledExecutable, m.path.as_str(), message).with_evidence(&match m.sha256_hex() {
            Some(sha) => format!("magic {magic}, sha256 {sha}"),
            None => format!("magic {magic}, sha256 not computed (a member over 1 MiB is read only to its head)"),
        })
    })
}

/// The executable format of a member, from its magic bytes.
pub fn executable_format(m: &Member) -> Option<&'static str> {
    let h = &m.head;
    match executable_magic(h)? {
        ExecutableMagic::Elf => Some(match h.get(16) {
            Some(2) => "ELF executable",
            Some(3) => "ELF shared object",
            _ => "ELF binary",
        }),
        ExecutableMagic::Mz => is_pe(m).then_some("Windows PE executable"),
        ExecutableMagic::MachO => Some("Mach-O executable"),
        ExecutableMagic::Fat => is_fat_macho(h).then_some("Mach-O universal binary"),
    }
}

fn is_pe(m: &Member) -> bool {
    let h = &m.head;
    let lfanew = h.get(0x3c..0x40).map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize);
    if let (Some(data), Some(off)) = (m.content(), lfanew)
        && off.checked_add(4).is_some_and(|end| end <= data.len())
    {
        return &data[off..off + 4] == b"PE\0\0";
    }
    let base = m.path.rsplit('/').next().unwrap_or(&m.path).to_ascii_lowercase();
    match base.rsplit_once('.') {
        Some((_, ext)) => matches!(ext, "exe" | "dll" | "scr" | "sys" | "cpl" | "ocx" | "com" | "pyd" | "bin"),
        // No extension: the usual name of a dropped payload; require a plausible header.
        None => lfanew.is_some_and(|o| (0x40..=0x1000).contains(&o)),
    }
}

/// Fat Mach-O: a small architecture count and a known CPU type for the first one.
/// Java class files share `cafebabe` but carry a version number (≥ 45) there.
fn is_fat_macho(h: &[u8]) -> bool {
    if h.len() < 12 {
        return false;
    }
    let nfat = u32::from_be_bytes([h[4], h[5], h[6], h[7]]);
    let cpu = u32::from_be_bytes([h[8], h[9], h[10], h[11]]);
    let known_cpu = matches!(cpu & 0x00ff_ffff, 7 | 12 | 18) && matches!(cpu >> 24, 0..=2);
    (1..=20).contains(&nfat) && known_cpu
}

/// The Windows launcher stubs setuptools and distlib ship in pure-Python wheels.
fn is_script_launcher(m: &Member) -> bool {
    if m.size > LAUNCHER_MAX_BYTES {
        return false;
    }
    let mut parts = m.path.rsplit('/');
    let (Some(base), Some(parent)) = (parts.next(), parts.next()) else {
        return false;
    };
    let Some(stem) = base.strip_suffix(".exe") else {
        return false;
    };
    match parent {
        "setuptools" => matches!(
            stem,
            "cli" | "gui" | "cli-32" | "cli-64" | "cli-arm64" | "gui-32" | "gui-64" | "gui-arm64"
        ),
        "distlib" => matches!(stem, "t32" | "t64" | "w32" | "w64" | "t64-arm" | "w64-arm"),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::package::read_context;
    use crate::analysis::package::testutil::*;

    fn elf() -> Vec<u8> {
        let mut e = b"\x7fELF\x02\x01\x01\x00".to_vec();
        e.resize(16, 0);
        e.extend_from_slice(&[2, 0, 0x3e, 0]);
        e.resize(4096, 0x90);
        e
    }

    fn pe() -> Vec<u8> {
        let mut p = vec![0u8; 512];
        p[..2].copy_from_slice(b"MZ");
        p[0x3c..0x40].copy_from_slice(&0x80u32.to_le_bytes());
        p[0x80..0x84].copy_from_slice(b"PE\0\0");
        p
    }

    fn run(filename: &str, kind: ArtifactKind, members: Vec<Member>) -> Vec<Finding> {
        let a = artifact(filename, kind, members);
        check(&a, &read_context(&a))
    }

    #[test]
    fn elf_hidden_in_a_pure_python_sdist_is_flagged() {
        let f = run(
            "helper-0.1.tar.gz",
            ArtifactKind::Sdist,
            vec![member("helper-0.1/setup.py", b"import subprocess"), binary("helper-0.1/helper/logo.png", &elf())],
        );
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].alert, AlertId::BundledExecutable);
        assert_eq!(f[0].file, "helper-0.1/helper/logo.png");
        assert!(f[0].message.starts_with("ELF executable"), "{}", f[0].message);
    }

    #[test]
    fn pe_and_macho_in_a_pure_wheel_are_flagged() {
        let mut macho = vec![0xcf, 0xfa, 0xed, 0xfe, 7, 0, 0, 1];
        macho.resize(64, 0);
        let f = run(
            "x-1.0-py3-none-any.whl",
            ArtifactKind::Wheel,
            vec![binary("x/update.exe", &pe()), binary("x/payload", &pe()), binary("x/mac", &macho)],
        );
        assert_eq!(f.len(), 3, "{f:?}");
    }

    #[test]
    fn platform_wheels_and_native_sdists_are_expected_to_carry_binaries() {
        let f = run("x-1.0-cp312-cp312-manylinux_2_17_x86_64.whl", ArtifactKind::Wheel, vec![binary("x/tool", &elf())]);
        assert!(f.is_empty());
        let f = run(
            "x-1.0.tar.gz",
            ArtifactKind::Sdist,
            vec![member("x-1.0/src/x.c", b"int main(){}"), binary("x-1.0/prebuilt/x", &elf())],
        );
        assert!(f.is_empty());
    }

    /// A source distribution without any native source has no business shipping a
    /// compiled extension module: what it runs on import cannot be reviewed.
    #[test]
    fn a_prebuilt_extension_module_in_a_sourceless_sdist_is_flagged() {
        let f = run(
            "lib-2.7.0.tar.gz",
            ArtifactKind::Sdist,
            vec![
                member("lib-2.7.0/setup.py", b"from setuptools import setup\nsetup(name='lib', package_data={'lib': ['*.so']})\n"),
                member("lib-2.7.0/lib/__init__.py", b"from .core import _initialize\n_initialize()"),
                binary("lib-2.7.0/lib/core.cpython-310-x86_64-linux-gnu.so", &elf()),
            ],
        );
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].file, "lib-2.7.0/lib/core.cpython-310-x86_64-linux-gnu.so");
        assert!(f[0].message.contains("in a source distribution with no native source"), "{}", f[0].message);
    }

    #[test]
    fn look_alikes_are_not_executables() {
        let mut class = vec![0xca, 0xfe, 0xba, 0xbe, 0, 0, 0, 52];
        class.resize(64, 0);
        let mut mz_text = b"MZ is a text file that happens to start with MZ".to_vec();
        mz_text.resize(64, b' ');
        let f = run(
            "x-1.0-py3-none-any.whl",
            ArtifactKind::Wheel,
            vec![
                binary("x/Main.class", &class),
                member("x/notes.txt", &mz_text),
                binary("setuptools/cli-64.exe", &pe()),
                binary("pip/_vendor/distlib/t64.exe", &pe()),
            ],
        );
        assert!(f.is_empty(), "{f:?}");
        let mut fat = vec![0xca, 0xfe, 0xba, 0xbe, 0, 0, 0, 2, 0x01, 0, 0, 7];
        fat.resize(64, 0);
        assert_eq!(executable_format(&binary("x/lib", &fat)), Some("Mach-O universal binary"));
    }
}
