//! Which of a package's locked files this environment would install (see the check
//! module's doc): the best-matching wheel, else the sdist.

use super::model::PackageCheck;
use super::target::{FileKind, Target, file_kind};

/// Marks which of the package's files this environment would install (see the module
/// doc). Runs again when `--fetch` learns the names of files pinned by hash only.
pub(super) fn select(p: &mut PackageCheck, target: &Target) {
    if p.not_for_environment {
        for f in &mut p.files {
            f.skip(false, "the entry's markers exclude this environment");
        }
        return;
    }
    let kinds: Vec<Option<FileKind>> = p.files.iter().map(|f| f.name_for_tags().map(|n| file_kind(&n))).collect();
    // A compatible wheel ranks by its best tag, then by build number (higher first).
    let key = |k: &FileKind| match k {
        FileKind::Wheel { tags, build } => tags.iter().filter_map(|t| target.rank(t)).min().map(|r| (r, std::cmp::Reverse(build.clone()))),
        _ => None,
    };
    let best = kinds.iter().flatten().filter_map(&key).min();
    for (f, kind) in p.files.iter_mut().zip(&kinds) {
        match kind {
            // Named only by its hash: could be any file, the one the installer picks included.
            None | Some(FileKind::BadWheel) => f.skip(true, ""),
            Some(k @ FileKind::Wheel { .. }) => match key(k) {
                None => f.skip(false, "a wheel for another platform or Python"),
                Some(own) if Some(&own) == best.as_ref() => f.skip(true, ""),
                Some(_) => f.skip(false, "this environment installs a better-matching wheel"),
            },
            Some(FileKind::Sdist) if best.is_some() => f.skip(false, "an sdist; this environment installs a wheel"),
            Some(FileKind::Sdist) => f.skip(true, ""),
            Some(FileKind::Other) => f.skip(false, "neither a wheel nor an sdist: installers never pick it"),
        }
    }
}
