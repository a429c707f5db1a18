//! A finding: one alert raised at one place in one package, with the evidence that
//! made a detector raise it. Analysers return findings; they never print.

use crate::alerts::{AlertId, Severity};
use serde::Serialize;

/// When the code that raised a finding would run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ExecContext {
    /// During `pip install`: setup.py, build hooks, .pth files.
    Install,
    /// When the package is imported: module-level code.
    Import,
    /// Only when a function of the package is called.
    Runtime,
}

impl ExecContext {
    pub fn as_str(self) -> &'static str {
        match self {
            ExecContext::Install => "install",
            ExecContext::Import => "import",
            ExecContext::Runtime => "runtime",
        }
    }

    /// The context as words for a report: "install time", "import time", "runtime".
    pub fn describe(self) -> &'static str {
        match self {
            ExecContext::Install => "install time",
            ExecContext::Import => "import time",
            ExecContext::Runtime => "runtime",
        }
    }
}

/// Longest evidence snippet kept, in characters; reports show one readable line.
pub(crate) const EVIDENCE_MAX_CHARS: usize = 200;

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub alert: AlertId,
    /// Path of the member inside the package (as the archive names it), or "" for the
    /// package as a whole.
    pub file: String,
    /// 1-based line, when the finding points into a text file.
    pub line: Option<u32>,
    /// What exactly was seen, in a sentence: "urllib.request.urlopen() in cmdclass install.run".
    pub message: String,
    /// A short snippet of the code (or decoded payload) that shows it.
    pub evidence: String,
    pub context: Option<ExecContext>,
}

impl Finding {
    pub fn new(alert: AlertId, file: impl Into<String>, message: impl Into<String>) -> Self {
        Finding {
            alert,
            file: file.into(),
            line: None,
            message: message.into(),
            evidence: String::new(),
            context: None,
        }
    }

    pub fn at_line(mut self, line: u32) -> Self {
        self.line = Some(line);
        self
    }

    pub fn with_evidence(mut self, evidence: &str) -> Self {
        self.evidence = clip_evidence(evidence);
        self
    }

    pub fn in_context(mut self, context: ExecContext) -> Self {
        self.context = Some(context);
        self
    }

    pub fn severity(&self) -> Severity {
        self.alert.severity()
    }
}

/// Makes a snippet safe and short for a terminal: control characters escaped,
/// whitespace runs collapsed, clipped at a char boundary.
pub(crate) fn clip_evidence(s: &str) -> String {
    let mut out = String::new();
    let mut last_space = false;
    let mut count = 0;
    for c in s.chars() {
        if count >= EVIDENCE_MAX_CHARS {
            out.push('…');
            break;
        }
        if c.is_whitespace() {
            if !last_space && !out.is_empty() {
                out.push(' ');
                count += 1;
            }
            last_space = true;
            continue;
        }
        last_space = false;
        if c.is_control() {
            let escaped = c.escape_default().to_string();
            count += escaped.chars().count();
            out.push_str(&escaped);
        } else {
            out.push(c);
            count += 1;
        }
    }
    out.trim_end().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn evidence_is_one_clipped_line_without_control_chars() {
        let long = format!("a\n\n  b\x1b[31m{}", "x".repeat(400));
        let clipped = clip_evidence(&long);
        assert!(clipped.starts_with("a b\\u{1b}[31m"));
        assert!(!clipped.contains('\n'));
        assert!(clipped.ends_with('…'));
        assert!(clipped.chars().count() <= EVIDENCE_MAX_CHARS + 10);
    }

    #[test]
    fn contexts_read_as_words_in_a_report() {
        // The terminal report prints "(<describe>)" after the location: "(runtime time)"
        // was once printed for runtime code.
        let words: Vec<&str> = [ExecContext::Install, ExecContext::Import, ExecContext::Runtime].iter().map(|c| c.describe()).collect();
        assert_eq!(words, ["install time", "import time", "runtime"]);
        assert!(words.iter().all(|w| !w.contains("time time") && !w.ends_with("runtime time")));
    }
}
