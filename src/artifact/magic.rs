//! The container format from magic bytes, and what the file name claims.

use super::format::{ArtifactKind, Container};

/// Extensions of package files, longest first so `.tar.gz` wins over `.gz`.
const PACKAGE_EXTENSIONS: &[(&str, Container)] = &[
    (".tar.gz", Container::TarGz),
    (".tar.bz2", Container::TarBz2),
    (".tar.xz", Container::TarXz),
    (".tgz", Container::TarGz),
    (".tar", Container::Tar),
    (".zip", Container::Zip),
    (".whl", Container::Zip),
    (".egg", Container::Zip),
];

/// The container the file name promises, if it has a package extension.
pub(crate) fn container_from_name(name: &str) -> Option<Container> {
    let lower = name.to_ascii_lowercase();
    PACKAGE_EXTENSIONS.iter().find(|(ext, _)| lower.ends_with(ext)).map(|&(_, c)| c)
}

/// True for names with a package extension (case-insensitive).
pub(crate) fn has_package_extension(name: &str) -> bool {
    container_from_name(name).is_some()
}

/// The distribution kind from the file name alone (`.whl`, `.egg`, else sdist).
pub(crate) fn kind_from_name(name: &str) -> ArtifactKind {
    let lower = name.to_ascii_lowercase();
    if lower.ends_with(".whl") {
        ArtifactKind::Wheel
    } else if lower.ends_with(".egg") {
        ArtifactKind::Egg
    } else {
        ArtifactKind::Sdist
    }
}

/// Machine-code formats, told apart by their first bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ExecutableMagic {
    Elf,
    /// A DOS/PE `MZ` header (a PE only with `PE\0\0` at `e_lfanew`).
    Mz,
    /// A thin Mach-O, either byte order.
    MachO,
    /// The `cafebabe` fat header, which Java class files share.
    Fat,
}

/// The machine-code format `head` starts like, if any: the reader hashes such members
/// for the report, `bundled-executable` refines `Mz` and `Fat` from the rest of the head.
pub(crate) fn executable_magic(head: &[u8]) -> Option<ExecutableMagic> {
    if head.starts_with(b"\x7fELF") {
        return Some(ExecutableMagic::Elf);
    }
    if head.starts_with(b"MZ") {
        return Some(ExecutableMagic::Mz);
    }
    let magic = u32::from_be_bytes(head.get(..4)?.try_into().ok()?);
    match magic {
        0xfeed_face | 0xfeed_facf | 0xcefa_edfe | 0xcffa_edfe => Some(ExecutableMagic::MachO),
        0xcafe_babe | 0xcafe_babf => Some(ExecutableMagic::Fat),
        _ => None,
    }
}

/// The container from the first bytes of the file (at least 512 for plain tar).
pub(crate) fn container_from_magic(head: &[u8]) -> Option<Container> {
    if head.starts_with(&[0x1f, 0x8b]) {
        Some(Container::TarGz)
    } else if head.starts_with(b"BZh") {
        Some(Container::TarBz2)
    } else if head.starts_with(&[0xfd, b'7', b'z', b'X', b'Z', 0x00]) {
        Some(Container::TarXz)
    } else if head.starts_with(b"PK\x03\x04") || head.starts_with(b"PK\x05\x06") || head.starts_with(b"PK\x07\x08") {
        Some(Container::Zip)
    } else if is_tar_header(head) {
        Some(Container::Tar)
    } else {
        None
    }
}

/// A tar header: "ustar" magic at 257, or (old v7 archives) a valid header checksum.
pub(crate) fn is_tar_header(head: &[u8]) -> bool {
    if head.len() < 512 {
        return false;
    }
    if &head[257..262] == b"ustar" {
        return true;
    }
    // v7 tar: no magic, but the checksum field (octal at 148..156) must match.
    let Some(stored) = parse_octal(&head[148..156]) else {
        return false;
    };
    let sum: u64 = head[..148].iter().chain(&[b' '; 8]).chain(&head[156..512]).map(|&b| u64::from(b)).sum();
    // A block of zeros (or spaces) has a "valid" checksum too; require a name.
    stored == sum && head[0] != 0
}

fn parse_octal(field: &[u8]) -> Option<u64> {
    let s: Vec<u8> = field.iter().copied().filter(|&b| b != 0 && b != b' ').collect();
    if s.is_empty() || !s.iter().all(|b| (b'0'..=b'7').contains(b)) {
        return None;
    }
    let text = std::str::from_utf8(&s).ok()?;
    u64::from_str_radix(text, 8).ok()
}

/// Whether a zip's tail holds an end-of-central-directory record (zips with a prefix,
/// such as self-extracting archives, do not start with `PK`).
pub(crate) fn has_zip_end_record(tail: &[u8]) -> bool {
    memchr::memmem::rfind(tail, b"PK\x05\x06").is_some()
}

/// Human name of a container for messages.
pub(crate) fn container_name(c: Container) -> &'static str {
    match c {
        Container::TarGz => "gzip-compressed tar",
        Container::TarBz2 => "bzip2-compressed tar",
        Container::TarXz => "xz-compressed tar",
        Container::Tar => "tar",
        Container::Zip => "zip",
        Container::Directory => "directory",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn magic_bytes_decide_the_container() {
        assert_eq!(container_from_magic(&[0x1f, 0x8b, 8, 0]), Some(Container::TarGz));
        assert_eq!(container_from_magic(b"BZh91AY"), Some(Container::TarBz2));
        assert_eq!(container_from_magic(&[0xfd, b'7', b'z', b'X', b'Z', 0, 0]), Some(Container::TarXz));
        assert_eq!(container_from_magic(b"PK\x03\x04rest"), Some(Container::Zip));
        assert_eq!(container_from_magic(b"PK\x05\x06rest"), Some(Container::Zip));
        let mut tar = vec![0u8; 512];
        tar[257..262].copy_from_slice(b"ustar");
        assert_eq!(container_from_magic(&tar), Some(Container::Tar));
        assert_eq!(container_from_magic(b"hello world"), None);
        assert_eq!(container_from_magic(&[0u8; 512]), None);
    }

    #[test]
    fn names_give_expected_container_and_kind() {
        assert_eq!(container_from_name("a-1.0.TAR.GZ"), Some(Container::TarGz));
        assert_eq!(container_from_name("a-1.0.tgz"), Some(Container::TarGz));
        assert_eq!(container_from_name("a-1.0-py3-none-any.whl"), Some(Container::Zip));
        assert_eq!(container_from_name("a-1.0.gz"), None);
        assert_eq!(kind_from_name("a-1.0-py3-none-any.WHL"), ArtifactKind::Wheel);
        assert_eq!(kind_from_name("a-1.0-py2.7.egg"), ArtifactKind::Egg);
        assert_eq!(kind_from_name("a-1.0.zip"), ArtifactKind::Sdist);
    }
}
