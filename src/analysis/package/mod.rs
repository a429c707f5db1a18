//! Package-level detectors: facts about the archive as a whole rather than one source
//! file (bundled executables, bytecode without source, metadata and RECORD consistency).
//!
//! [`read_context`] tells the other analysers what the package says about itself;
//! [`analyze`] runs the package-level detectors. Archive findings raised while reading
//! (links, traversal, limits) live in `Artifact::findings` and are not repeated here.

pub mod bundled_executable;
pub mod filename;
pub mod metadata_mismatch;
pub mod pkginfo;
pub mod record_mismatch;
pub mod sourceless_bytecode;

use crate::analysis::context::PackageContext;
use crate::artifact::{Artifact, ArtifactKind};
use crate::finding::Finding;

/// Runs every package-level detector.
pub fn analyze(artifact: &Artifact, ctx: &PackageContext) -> Vec<Finding> {
    let mut findings = Vec::new();
    findings.extend(bundled_executable::check(artifact, ctx));
    findings.extend(metadata_mismatch::check(artifact));
    findings.extend(record_mismatch::check(artifact));
    findings.extend(sourceless_bytecode::check(artifact));
    findings
}

/// One finding per hit, at most `max` of them: the last one kept says how many more
/// `what` there were.
fn at_most<T>(hits: Vec<T>, max: usize, what: &str, finding: impl FnMut(T) -> Finding) -> Vec<Finding> {
    let more = hits.len().saturating_sub(max);
    let mut out: Vec<Finding> = hits.into_iter().take(max).map(finding).collect();
    if let Some(last) = out.last_mut().filter(|_| more > 0) {
        last.message.push_str(&format!("; {more} more {what} not listed"));
    }
    out
}

/// Extensions whose presence means the package builds or ships native code.
const COMPILED_EXTENSIONS: &[&str] = &["so", "pyd", "dylib", "c", "cc", "cpp", "cxx", "pyx", "rs"];
/// Sources a Python build compiles into extension modules.
const NATIVE_SOURCE_EXTENSIONS: &[&str] = &["c", "cc", "cpp", "cxx", "pyx", "rs"];

/// What the package says about itself, from PKG-INFO / METADATA, falling back to the
/// file name for name and version.
pub fn read_context(artifact: &Artifact) -> PackageContext {
    let mut ctx = PackageContext::default();
    if let Some((_, info)) = pkginfo::read(artifact) {
        ctx.name = info.get("Name").filter(|s| !s.is_empty()).map(str::to_string);
        ctx.version = info.get("Version").filter(|s| !s.is_empty()).map(str::to_string);
        ctx.summary = info.get("Summary").filter(|s| !s.is_empty()).map(str::to_string);
        for kw in info.get_all("Keywords") {
            let sep: &[char] = if kw.contains(',') { &[','] } else { &[' ', '\t', '\n'] };
            ctx.keywords.extend(kw.split(sep).map(|k| k.trim().to_lowercase()).filter(|k| !k.is_empty()));
        }
        ctx.keywords.extend(info.get_all("Classifier").map(|c| c.trim().to_lowercase()));
    }
    let from_name = filename::parse(artifact);
    if ctx.name.is_none() {
        ctx.name = from_name.as_ref().map(|i| i.name.clone());
    }
    if ctx.version.is_none() {
        ctx.version = from_name.as_ref().map(|i| i.version.clone());
    }
    let platform_wheel = artifact.kind == ArtifactKind::Wheel
        && from_name.as_ref().and_then(|i| i.platform_tag.as_deref()).is_some_and(|p| p != "any");
    // a source distribution compiles native code from its sources: a library it ships
    // without them is not what it is for (see `bundled_executable`)
    ctx.has_compiled_code = match artifact.kind {
        ArtifactKind::Sdist => artifact.own_members().any(|m| is_native_source_path(&m.path)),
        _ => platform_wheel || artifact.own_members().any(|m| is_compiled_path(&m.path)),
    };
    ctx
}

/// C, C++, Cython or Rust source.
fn is_native_source_path(path: &str) -> bool {
    let base = path.rsplit('/').next().unwrap_or(path).to_ascii_lowercase();
    base.rsplit_once('.').is_some_and(|(stem, ext)| !stem.is_empty() && NATIVE_SOURCE_EXTENSIONS.contains(&ext))
}

/// `.so`/`.pyd`/`.dylib` libraries (also versioned `libx.so.1`) and native sources.
pub fn is_compiled_path(path: &str) -> bool {
    let base = path.rsplit('/').next().unwrap_or(path).to_ascii_lowercase();
    if base.contains(".so.") {
        return true;
    }
    match base.rsplit_once('.') {
        Some((stem, ext)) => !stem.is_empty() && COMPILED_EXTENSIONS.contains(&ext),
        None => false,
    }
}

#[cfg(test)]
pub(crate) mod testutil {
    //! Artifacts assembled directly from members, for detector tests.
    use crate::artifact::format::Container;
    use crate::artifact::{Artifact, ArtifactKind, Member};
    use sha2::{Digest, Sha256};

    pub(crate) fn member(path: &str, content: &[u8]) -> Member {
        Member {
            path: path.to_string(),
            size: content.len() as u64,
            sha256: Some(Sha256::digest(content).into()),
            head: content[..content.len().min(64)].to_vec(),
            data: Some(content.to_vec()),
            packed: None,
        }
    }

    /// A binary member: hashed, head kept, content not kept (as the reader does).
    pub(crate) fn binary(path: &str, content: &[u8]) -> Member {
        Member { data: None, ..member(path, content) }
    }

    /// A member read only to its head (see `artifact::member::Unread`): no hash.
    pub(crate) fn unhashed(path: &str, content: &[u8]) -> Member {
        Member { sha256: None, ..binary(path, content) }
    }

    pub(crate) fn artifact(filename: &str, kind: ArtifactKind, members: Vec<Member>) -> Artifact {
        let container = if kind == ArtifactKind::Sdist { Container::TarGz } else { Container::Zip };
        Artifact { filename: filename.to_string(), kind, container, sha256: None, members, findings: Vec::new() }
    }
}

#[cfg(test)]
mod tests {
    use super::testutil::*;
    use super::*;

    #[test]
    fn beyond_the_cap_the_last_finding_counts_the_rest() {
        let finding = |i: usize| Finding::new(crate::alerts::AlertId::BundledExecutable, format!("f{i}"), format!("hit {i}"));
        let f = at_most((0..25).collect(), 20, "hits", finding);
        assert_eq!(f.len(), 20);
        assert_eq!(f[19].message, "hit 19; 5 more hits not listed");
        assert!(f[..19].iter().all(|x| !x.message.contains("not listed")));
        let f = at_most((0..20).collect(), 20, "hits", finding);
        assert_eq!((f.len(), f[19].message.as_str()), (20, "hit 19"));
        assert!(at_most(Vec::<usize>::new(), 20, "hits", finding).is_empty());
    }

    #[test]
    fn context_from_metadata() {
        let a = artifact(
            "demo-1.0.tar.gz",
            ArtifactKind::Sdist,
            vec![
                member("demo-1.0/PKG-INFO", b"Metadata-Version: 2.1\nName: Demo\nVersion: 1.0\nSummary: Math helpers\nKeywords: Math,Stats\nClassifier: Topic :: Scientific\n\nbody"),
                member("demo-1.0/demo/__init__.py", b""),
            ],
        );
        let ctx = read_context(&a);
        assert_eq!(ctx.name.as_deref(), Some("Demo"));
        assert_eq!(ctx.version.as_deref(), Some("1.0"));
        assert_eq!(ctx.summary.as_deref(), Some("Math helpers"));
        assert_eq!(ctx.keywords, ["math", "stats", "topic :: scientific"]);
        assert!(!ctx.has_compiled_code);
    }

    #[test]
    fn context_falls_back_to_the_file_name_and_sees_compiled_code() {
        let a = artifact("fast_thing-2.1-cp312-cp312-manylinux_2_17_x86_64.whl", ArtifactKind::Wheel, vec![]);
        let ctx = read_context(&a);
        assert_eq!(ctx.name.as_deref(), Some("fast_thing"));
        assert_eq!(ctx.version.as_deref(), Some("2.1"));
        assert!(ctx.has_compiled_code);
        let a = artifact("x-1.0.tar.gz", ArtifactKind::Sdist, vec![member("x-1.0/src/x.c", b"int x;")]);
        assert!(read_context(&a).has_compiled_code);
        // an sdist's prebuilt library is not compiled code of its own: its source is
        let a = artifact("x-1.0.tar.gz", ArtifactKind::Sdist, vec![binary("x-1.0/x/core.cpython-310-x86_64-linux-gnu.so", b"\x7fELF")]);
        assert!(!read_context(&a).has_compiled_code);
        let a = artifact("x-1.0-py3-none-any.whl", ArtifactKind::Wheel, vec![binary("x/core.so", b"\x7fELF")]);
        assert!(read_context(&a).has_compiled_code);
        let a = artifact("x-1.0-py3-none-any.whl", ArtifactKind::Wheel, vec![member("x/a.py", b"")]);
        assert!(!read_context(&a).has_compiled_code);
        assert!(is_compiled_path("x.libs/libz-abc.so.1.2"));
        assert!(!is_compiled_path("docs/notes.rst"));
    }
}

#[cfg(test)]
mod corpus {
    use super::*;
    use crate::artifact::{Limits, read_path};

    /// Runs the package detectors over the malware corpus (bytes only) and prints what
    /// they see; skipped when the corpus is absent.
    #[test]
    fn package_detectors_run_over_the_corpus() {
        let root = std::env::var_os("SAFE_PIP_CORPUS")
            .map(std::path::PathBuf::from)
            .unwrap_or_else(|| std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/malicious"));
        if !root.is_dir() {
            eprintln!("note: corpus not found at {}; skipping", root.display());
            return;
        }
        let mut stack = vec![root];
        let mut counts: std::collections::BTreeMap<&str, usize> = std::collections::BTreeMap::new();
        let mut files = 0;
        let mut with_metadata = 0;
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).expect("list").flatten() {
                let p = entry.path();
                if p.is_dir() {
                    stack.push(p);
                    continue;
                }
                if !crate::artifact::is_package_file(&p) {
                    continue;
                }
                let Ok(a) = read_path(&p, &Limits::default()) else { continue };
                files += 1;
                with_metadata += usize::from(pkginfo::read(&a).is_some());
                let ctx = read_context(&a);
                for f in analyze(&a, &ctx) {
                    if std::env::var_os("SAFE_PIP_VERBOSE").is_some() {
                        eprintln!("{}: {} {} {}", a.filename, f.alert, f.file, f.message);
                    }
                    *counts.entry(f.alert.id()).or_default() += 1;
                }
            }
        }
        eprintln!("package detectors over {files} corpus files ({with_metadata} with metadata): {counts:?}");
    }
}
