//! `--format json`: the machine-readable report. The schema is versioned
//! (`schema_version`) and documented in docs/json-report.md with a JSON Schema in
//! docs/scan-report.schema.json; additive changes keep the version, anything else bumps it.

use crate::pipeline::PackageReport;
use crate::policy::Action;
use serde_json::{Value, json};
use std::io::{self, Write};

pub(crate) const SCHEMA_VERSION: u32 = 2;

/// The whole report as one string (the same bytes [`Stream`] writes).
#[cfg(any(test, feature = "python"))]
pub(crate) fn render(reports: &[PackageReport]) -> String {
    let mut out = Vec::new();
    let mut stream = Stream::default();
    for r in reports {
        let _ = stream.package(&mut out, r);
    }
    let _ = stream.finish(&mut out);
    String::from_utf8(out).unwrap_or_default()
}

/// Writes the report one package at a time, so a scan of thousands of files never holds
/// them all. The bytes are those of the whole document pretty-printed at once: keys are
/// in sorted order, so `packages` comes first and the `summary` counted along the way
/// can follow it.
#[derive(Debug, Default)]
pub(crate) struct Stream {
    packages: usize,
    allowed: usize,
    warned: usize,
    blocked: usize,
    errors: usize,
}

impl Stream {
    /// Writes one package (the document's opening before the first).
    pub(crate) fn package(&mut self, out: &mut impl Write, r: &PackageReport) -> io::Result<()> {
        out.write_all(if self.packages == 0 { b"{\n  \"packages\": [\n" } else { b",\n" })?;
        let text = serde_json::to_string_pretty(&package(r)).map_err(io::Error::other)?;
        // an element of the top-level array sits two levels deep; JSON strings hold no
        // raw newline, so indenting every line is exact
        for (i, line) in text.lines().enumerate() {
            if i > 0 {
                out.write_all(b"\n")?;
            }
            out.write_all(b"    ")?;
            out.write_all(line.as_bytes())?;
        }
        self.packages += 1;
        match r.decision.verdict {
            Action::Allow => self.allowed += 1,
            Action::Warn => self.warned += 1,
            Action::Block => self.blocked += 1,
        }
        self.errors += usize::from(r.error.is_some());
        Ok(())
    }

    /// Closes the package list and writes the summary and the rest of the document.
    pub(crate) fn finish(&self, out: &mut impl Write) -> io::Result<()> {
        out.write_all(if self.packages == 0 { b"{\n  \"packages\": [],\n" } else { b"\n  ],\n" })?;
        let rest = json!({
            "schema_version": SCHEMA_VERSION,
            "tool": { "name": "safe-pip", "version": env!("CARGO_PKG_VERSION") },
            "summary": {
                "packages": self.packages,
                "allowed": self.allowed,
                "warned": self.warned,
                "blocked": self.blocked,
                "errors": self.errors,
            },
        });
        let text = serde_json::to_string_pretty(&rest).map_err(io::Error::other)?;
        // the members after `packages`, without the object's own opening brace
        out.write_all(text.strip_prefix("{\n").unwrap_or(&text).as_bytes())?;
        out.write_all(b"\n")
    }
}

fn package(r: &PackageReport) -> Value {
    let mut v = json!({
        "path": r.path.display().to_string(),
        "filename": r.filename,
        "name": r.name,
        "version": r.version,
        "kind": r.kind,
        "sha256": r.sha256,
        "verdict": r.decision.verdict,
        "reason": r.decision.reason(),
        "basis": r.decision.basis,
        "score": r.risk.score,
        "level": r.risk.level,
        "alerts": r.findings.iter().map(alert).collect::<Vec<_>>(),
        "error": r.error,
    });
    if let (Some(t), Some(obj)) = (&r.timings, v.as_object_mut()) {
        let phases: serde_json::Map<String, Value> = crate::timings::PHASES.iter().map(|(p, name)| (name.to_string(), json!((t.0[*p as usize] * 1e6).round() / 1e6))).collect();
        obj.insert("timings_s".into(), Value::Object(phases));
    }
    v
}

/// One alert as the reports show it: catalogue facts plus where and what was seen.
pub(crate) fn alert(f: &crate::finding::Finding) -> Value {
    let info = f.alert.info();
    json!({
        "id": info.id,
        "severity": info.severity,
        "category": info.category,
        "title": info.title,
        "file": f.file,
        "line": f.line,
        "message": f.message,
        "evidence": f.evidence,
        "context": f.context,
        "remediation": info.remediation,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Finding;

    fn report(name: &str, verdict: Action, alerts: usize) -> PackageReport {
        let mut r = PackageReport::unverified(&format!("{name}-1.0.tar.gz"), "why");
        r.error = None;
        r.name = Some(name.to_string());
        r.decision = crate::policy::Decision::for_test(verdict, "line one\nline \"two\"");
        r.findings = (0..alerts).map(|i| Finding::new(crate::alerts::AlertId::NetworkAccess, "pkg/a.py", format!("call {i}")).with_evidence("x = 1\n  y")).collect();
        r
    }

    /// The document as it was rendered before streaming: one `json!` value printed at once.
    fn whole(reports: &[PackageReport]) -> String {
        let count = |v: Action| reports.iter().filter(|r| r.decision.verdict == v).count();
        let doc = json!({
            "schema_version": SCHEMA_VERSION,
            "tool": { "name": "safe-pip", "version": env!("CARGO_PKG_VERSION") },
            "packages": reports.iter().map(package).collect::<Vec<_>>(),
            "summary": {
                "packages": reports.len(),
                "allowed": count(Action::Allow),
                "warned": count(Action::Warn),
                "blocked": count(Action::Block),
                "errors": reports.iter().filter(|r| r.error.is_some()).count(),
            },
        });
        serde_json::to_string_pretty(&doc).unwrap() + "\n"
    }

    #[test]
    fn streamed_output_is_byte_for_byte_the_whole_document() {
        let mut unreadable = PackageReport::unverified("broken.whl", "cannot read");
        unreadable.findings.clear();
        let sets = [
            vec![],
            vec![report("one", Action::Allow, 0)],
            vec![report("a", Action::Block, 3), unreadable, report("c", Action::Warn, 1), report("d", Action::Allow, 0)],
        ];
        for reports in sets {
            let streamed = render(&reports);
            assert_eq!(streamed, whole(&reports));
            let v: Value = serde_json::from_str(&streamed).expect("valid JSON");
            assert_eq!(v["summary"]["packages"], reports.len());
        }
    }
}
