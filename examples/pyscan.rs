//! Development driver for the Python analyser: reads sdists/wheels (tar.gz, tar.xz,
//! zip) in memory, builds SourceFiles by role and prints findings. Nothing is extracted.
//!
//! usage: cargo run --example pyscan -- [--summary] FILE...

use safe_pip::alerts::Severity;
use safe_pip::analysis::python::{analyze_build_config, analyze_package};
use safe_pip::analysis::{FileRole, PackageContext, SourceFile};
use std::io::Read;

fn members(data: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let keep = |n: &str| n.ends_with(".py") || n.ends_with(".pth") || n.ends_with("pyproject.toml") || n.ends_with("setup.cfg");
    if data.starts_with(b"PK") {
        if let Ok(mut z) = zip::ZipArchive::new(std::io::Cursor::new(data)) {
            for i in 0..z.len() {
                if let Ok(mut f) = z.by_index(i) {
                    let name = f.name().map(|n| n.to_string()).unwrap_or_default();
                    if keep(&name) && f.size() < 8 << 20 {
                        let mut b = Vec::new();
                        if f.read_to_end(&mut b).is_ok() {
                            out.push((name, b));
                        }
                    }
                }
            }
        }
        return out;
    }
    let reader: Box<dyn Read> = if data.starts_with(&[0xfd, b'7', b'z', b'X', b'Z']) {
        Box::new(xz2::read::XzDecoder::new(data))
    } else if data.starts_with(b"BZh") {
        Box::new(bzip2::read::BzDecoder::new(data))
    } else {
        Box::new(flate2::read::GzDecoder::new(data))
    };
    let mut ar = tar::Archive::new(reader);
    if let Ok(entries) = ar.entries() {
        for e in entries.flatten() {
            let mut e = e;
            if !e.header().entry_type().is_file() {
                continue;
            }
            let name = e.path().map(|p| p.to_string_lossy().into_owned()).unwrap_or_default();
            if keep(&name) && e.size() < 8 << 20 {
                let mut b = Vec::new();
                if e.read_to_end(&mut b).is_ok() {
                    out.push((name, b));
                }
            }
        }
    }
    out
}

fn role(path: &str) -> FileRole {
    let parts: Vec<&str> = path.split('/').collect();
    let file = parts.last().copied().unwrap_or("");
    if file.ends_with(".pth") {
        return FileRole::PthFile;
    }
    if file == "setup.py" && parts.len() <= 2 {
        return FileRole::SetupScript;
    }
    if parts.iter().any(|p| matches!(*p, "tests" | "test" | "testing" | "docs" | "doc" | "examples" | "example" | "benchmarks")) || file.starts_with("test_") {
        return FileRole::Auxiliary;
    }
    if file == "__init__.py" {
        return FileRole::PackageInit;
    }
    FileRole::Module
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let summary = args.iter().any(|a| a == "--summary");
    let mut total = 0;
    let mut crit = 0;
    let mut high = 0;
    let start = std::time::Instant::now();
    for path in args.iter().filter(|a| !a.starts_with("--")) {
        let Ok(data) = std::fs::read(path) else { continue };
        let ms = members(&data);
        let texts: Vec<(String, String)> = ms.into_iter().map(|(n, b)| (n, String::from_utf8_lossy(&b).into_owned())).collect();
        let files: Vec<SourceFile> = texts.iter().filter(|(n, _)| n.ends_with(".py") || n.ends_with(".pth")).map(|(n, t)| SourceFile { path: n, text: t, role: role(n) }).collect();
        if std::env::var_os("PYSCAN_SLOW").is_some() {
            for f in &files {
                let t = std::time::Instant::now();
                let _ = analyze_package(std::slice::from_ref(f), &PackageContext::default());
                if t.elapsed().as_millis() > 300 {
                    eprintln!("slow {:?} {} ({} bytes)", t.elapsed(), f.path, f.text.len());
                }
            }
        }
        let mut findings = analyze_package(&files, &PackageContext::default());
        for (n, t) in texts.iter().filter(|(n, _)| n.ends_with(".toml") || n.ends_with(".cfg")) {
            findings.extend(analyze_build_config(n, t));
        }
        total += 1;
        let max = findings.iter().map(|f| f.severity()).max();
        if max == Some(Severity::Critical) {
            crit += 1;
        } else if max == Some(Severity::High) {
            high += 1;
        }
        if summary {
            let ids: Vec<String> = findings.iter().filter(|f| f.severity() >= Severity::High).map(|f| f.alert.id().to_string()).collect::<std::collections::BTreeSet<_>>().into_iter().collect();
            println!("{}\t{}\t{}", max.map(|s| s.as_str()).unwrap_or("none"), path, ids.join(","));
        } else {
            println!("== {path}");
            for f in &findings {
                println!("  [{}] {} {}:{} {} | {}", f.severity(), f.alert, f.file, f.line.unwrap_or(0), f.message, f.evidence);
            }
        }
    }
    eprintln!("packages: {total}, critical: {crit}, high-max: {high}, elapsed {:?}", start.elapsed());
}
