//! `metadata-mismatch`: the Name or Version in PKG-INFO/METADATA differs from the
//! file name.
//!
//! **What it detects.** The core metadata names a different project or version than
//! the distribution's file name (`requests-2.32.3.tar.gz` whose PKG-INFO says
//! `Name: reqeusts`). Names are compared PEP 503-normalised (`My_Pkg` = `my-pkg`),
//! versions after a light PEP 440 normalisation (`1.0` = `1.0.0`, `1.0-beta1` =
//! `1.0b1`). File names follow PEP 427 for wheels and `name-version` (split on the last
//! `-` followed by a digit) for sdists.
//!
//! **Why it is risky.** Build tools write both from the same source, so a difference
//! means the file was renamed or repackaged: typosquats re-upload a popular project's
//! archive under their own name, and hand-edited archives slip in extra files.
//!
//! **Example.** `colorama-0.4.6.tar.gz` whose `PKG-INFO` says `Name: colorsama`.
//! Not flagged: `my_pkg-1.0-py3-none-any.whl` with `Name: My.Pkg` and `Version: 1.0.0`,
//! or an archive with no metadata at all (nothing to compare).
//!
//! **Remedy.** Download the file again from the index and compare; prefer the project's
//! own release.

use super::{filename, pkginfo};
use crate::alerts::AlertId;
use crate::artifact::Artifact;
use crate::finding::Finding;

/// Runs the detector.
pub fn check(artifact: &Artifact) -> Vec<Finding> {
    let Some(from_name) = filename::parse(artifact) else {
        return Vec::new();
    };
    let Some((member, info)) = pkginfo::read(artifact) else {
        return Vec::new();
    };
    let mut diffs = Vec::new();
    if let Some(name) = info.get("Name").filter(|n| !n.is_empty())
        && filename::normalize_name(name) != filename::normalize_name(&from_name.name)
    {
        diffs.push(format!("Name `{name}` but the file name says `{}`", from_name.name));
    }
    if let Some(version) = info.get("Version").filter(|v| !v.is_empty())
        && filename::normalize_version(version) != filename::normalize_version(&from_name.version)
    {
        diffs.push(format!("Version `{version}` but the file name says `{}`", from_name.version));
    }
    if diffs.is_empty() {
        return Vec::new();
    }
    let base = member.path.rsplit('/').next().unwrap_or(&member.path);
    let evidence = format!(
        "{}: Name: {} / Version: {}; file: {}",
        base,
        info.get("Name").unwrap_or(""),
        info.get("Version").unwrap_or(""),
        artifact.filename
    );
    vec![
        Finding::new(AlertId::MetadataMismatch, member.path.as_str(), format!("{base} says {}", diffs.join("; ")))
            .with_evidence(&evidence),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::package::testutil::*;
    use crate::artifact::ArtifactKind;

    fn pkg_info(name: &str, version: &str) -> Vec<u8> {
        format!("Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n\nName: body\n").into_bytes()
    }

    #[test]
    fn renamed_sdist_is_flagged() {
        let a = artifact(
            "colorama-0.4.6.tar.gz",
            ArtifactKind::Sdist,
            vec![member("colorama-0.4.6/PKG-INFO", &pkg_info("colorsama", "0.4.6"))],
        );
        let f = check(&a);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].alert, AlertId::MetadataMismatch);
        assert_eq!(f[0].file, "colorama-0.4.6/PKG-INFO");
        assert!(f[0].message.contains("colorsama"), "{}", f[0].message);
    }

    #[test]
    fn version_mismatch_in_a_wheel_is_flagged() {
        let a = artifact(
            "demo-2.0-py3-none-any.whl",
            ArtifactKind::Wheel,
            vec![member("demo-2.0.dist-info/METADATA", &pkg_info("demo", "1.9"))],
        );
        assert_eq!(check(&a).len(), 1);
    }

    #[test]
    fn normalised_equal_names_and_missing_metadata_pass() {
        let a = artifact(
            "my_pkg-1.0-py3-none-any.whl",
            ArtifactKind::Wheel,
            vec![member("my_pkg-1.0.dist-info/METADATA", &pkg_info("My.Pkg", "1.0.0"))],
        );
        assert!(check(&a).is_empty());
        let a = artifact("demo-1.0.tar.gz", ArtifactKind::Sdist, vec![member("demo-1.0/setup.py", b"")]);
        assert!(check(&a).is_empty());
        let a = artifact(
            "py-cord-2.0.0b1.tar.gz",
            ArtifactKind::Sdist,
            vec![member("py-cord-2.0.0b1/PKG-INFO", &pkg_info("py_cord", "2.0.0-beta.1"))],
        );
        assert!(check(&a).is_empty());
    }
}
