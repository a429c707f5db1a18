//! PEP 658 metadata files (`<file>.metadata`). With them pip and uv resolve without
//! downloading every candidate wheel. Upstream's file is passed through (hash-checked)
//! when the index has one; otherwise it is taken from the vetted wheel's
//! `*.dist-info/METADATA`, which is exactly what the installer would read from the wheel.

use std::io::{Cursor, Read};

/// Largest METADATA member read from a wheel.
const MAX_METADATA_BYTES: u64 = 16 * 1024 * 1024;

/// The `<name>.dist-info/METADATA` of a wheel. With several top-level `.dist-info`
/// folders, the one named after the wheel's own name and version wins.
pub(crate) fn from_wheel(filename: &str, bytes: &[u8]) -> Option<Vec<u8>> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).ok()?;
    let candidates: Vec<String> = zip
        .file_names()
        .filter_map(|n| n.ok().map(|n| n.into_owned()))
        .filter(|n| {
            let mut parts = n.split('/');
            matches!((parts.next(), parts.next(), parts.next()), (Some(d), Some("METADATA"), None) if d.ends_with(".dist-info"))
        })
        .collect();
    let stem: Vec<&str> = filename.split('-').take(2).collect();
    let own = format!("{}.dist-info/METADATA", stem.join("-"));
    let chosen = candidates
        .iter()
        .find(|c| c.eq_ignore_ascii_case(&own))
        .or_else(|| (candidates.len() == 1).then(|| &candidates[0]))?
        .clone();
    let member = zip.by_name(&chosen).ok()?;
    let mut out = Vec::new();
    member.take(MAX_METADATA_BYTES + 1).read_to_end(&mut out).ok()?;
    (out.len() as u64 <= MAX_METADATA_BYTES).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn wheel(members: &[(&str, &str)]) -> Vec<u8> {
        let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
        for (name, text) in members {
            w.start_file(*name, zip::write::SimpleFileOptions::default()).unwrap();
            w.write_all(text.as_bytes()).unwrap();
        }
        w.finish().unwrap().into_inner()
    }

    #[test]
    fn picks_the_wheels_own_metadata() {
        let b = wheel(&[
            ("demo/__init__.py", ""),
            ("vendored-2.0.dist-info/METADATA", "Name: vendored\n"),
            ("demo-1.0.dist-info/METADATA", "Name: demo\n"),
        ]);
        assert_eq!(from_wheel("demo-1.0-py3-none-any.whl", &b).as_deref(), Some(&b"Name: demo\n"[..]));
        let single = wheel(&[("Demo-1.0.dist-info/METADATA", "Name: Demo\n")]);
        assert!(from_wheel("demo-1.0-py3-none-any.whl", &single).is_some());
        let nested = wheel(&[("x/demo-1.0.dist-info/METADATA", "Name: demo\n")]);
        assert_eq!(from_wheel("demo-1.0-py3-none-any.whl", &nested), None);
        assert_eq!(from_wheel("demo-1.0-py3-none-any.whl", b"not a zip"), None);
    }
}
