//! Cheap text heuristics: what a decoded buffer looks like ([`classify`]), Shannon entropy,
//! high-entropy literals and minified / machine-obfuscated source.
//!
//! Everything here is a single pass (or a few `memmem` searches) over the input and never
//! allocates proportionally to it, so it can run on every literal of every file.

use super::marshal;
use memchr::memmem;

/// What a decoded payload looks like.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PayloadKind {
    /// Python statements (imports, defs, calls) — rescan it.
    PythonSource,
    /// A shell, cmd or PowerShell command line or script.
    ShellCommand,
    /// Readable text that is neither code nor a command.
    Text,
    /// A native executable: "ELF", "PE" or "Mach-O".
    Executable(&'static str),
    /// A marshalled Python code object (optionally with a `.pyc` header).
    MarshalCode,
    /// Other binary data (images, archives …).
    Binary,
}

impl PayloadKind {
    /// Code that would run: Python, shell, marshalled code or a native executable.
    pub fn is_code(self) -> bool {
        !matches!(self, PayloadKind::Text | PayloadKind::Binary)
    }

    /// Human-readable name for evidence.
    pub fn label(self) -> String {
        match self {
            PayloadKind::PythonSource => "Python source".into(),
            PayloadKind::ShellCommand => "shell command".into(),
            PayloadKind::Text => "text".into(),
            PayloadKind::Executable(f) => format!("{f} executable"),
            PayloadKind::MarshalCode => "marshalled Python code".into(),
            PayloadKind::Binary => "binary data".into(),
        }
    }
}

/// What a buffer looks like, judged from its bytes only.
///
/// Order of the checks: executable magic, marshalled code object (optionally behind a
/// `.pyc` header), Python source, shell command, readable text, otherwise binary.
/// Python and shell need *structure* (statements on their own lines, command shapes), not a
/// bare keyword, so prose and docstrings that merely mention `import` or `curl` stay `Text`.
pub fn classify(bytes: &[u8]) -> PayloadKind {
    if let Some(fmt) = executable_format(bytes) {
        return PayloadKind::Executable(fmt);
    }
    if marshal::looks_like_code(bytes) {
        return PayloadKind::MarshalCode;
    }
    let Ok(text) = std::str::from_utf8(bytes) else {
        return PayloadKind::Binary;
    };
    if !is_mostly_printable(text) {
        return PayloadKind::Binary;
    }
    if looks_like_python(text) {
        return PayloadKind::PythonSource;
    }
    if looks_like_shell(text) {
        return PayloadKind::ShellCommand;
    }
    PayloadKind::Text
}

/// The executable format named by the magic bytes, if any: "ELF", "PE" or "Mach-O".
pub(crate) fn executable_format(b: &[u8]) -> Option<&'static str> {
    if b.len() < 16 {
        return None;
    }
    if b.starts_with(b"\x7fELF") && matches!(b[4], 1 | 2) && matches!(b[5], 1 | 2) {
        return Some("ELF");
    }
    if b.starts_with(b"MZ") && b.len() >= 64 {
        // e_lfanew at 0x3c points at "PE\0\0"; a bare "MZ" is too common in noise.
        let off = u32::from_le_bytes([b[0x3c], b[0x3d], b[0x3e], b[0x3f]]) as usize;
        if off
            .checked_add(4)
            .is_some_and(|end| end <= b.len() && &b[off..end] == b"PE\0\0")
        {
            return Some("PE");
        }
        // Truncated payloads (max_output) may cut before the PE header: accept the
        // classic DOS stub text as well.
        if memmem::find(&b[..b.len().min(512)], b"This program cannot be run in DOS mode").is_some() {
            return Some("PE");
        }
        return None;
    }
    let m = [b[0], b[1], b[2], b[3]];
    match m {
        [0xfe, 0xed, 0xfa, 0xce] | [0xfe, 0xed, 0xfa, 0xcf] | [0xce, 0xfa, 0xed, 0xfe]
        | [0xcf, 0xfa, 0xed, 0xfe] => Some("Mach-O"),
        // Universal binary; Java class files share the magic but carry a version >= 45
        // where the fat header has a small architecture count.
        [0xca, 0xfe, 0xba, 0xbe] => {
            let n = u32::from_be_bytes([b[4], b[5], b[6], b[7]]);
            (1..=20).contains(&n).then_some("Mach-O")
        }
        _ => None,
    }
}

/// Well-known non-executable binary formats (images, archives, documents): a decode that
/// lands on one of these is meaningful (`PayloadKind::Binary`), not noise.
pub(crate) fn is_known_binary_format(b: &[u8]) -> bool {
    const MAGICS: &[&[u8]] = &[
        b"\x89PNG\r\n\x1a\n",
        b"\xff\xd8\xff",
        b"GIF87a",
        b"GIF89a",
        b"%PDF-",
        b"PK\x03\x04",
        b"PK\x05\x06",
        b"\x00\x00\x01\x00",
        b"RIFF",
        b"wOFF",
        b"wOF2",
        b"7z\xbc\xaf\x27\x1c",
        b"Rar!\x1a\x07",
        b"\x00asm",
        b"SQLite format 3\0",
    ];
    MAGICS.iter().any(|m| b.starts_with(m))
}

/// At least 95 % of the characters are printable or ordinary whitespace, and there is no NUL.
/// Byte-level pass: ASCII control bytes, C1 controls and U+FFFD count as bad.
pub(crate) fn is_mostly_printable(text: &str) -> bool {
    let b = text.as_bytes();
    if b.is_empty() || memchr::memchr(0, b).is_some() {
        return false;
    }
    let mut bad = 0usize;
    let mut prev = 0u8;
    let mut prev2 = 0u8;
    for &c in b {
        let ascii_control = c < 0x20 && !matches!(c, b'\n' | b'\r' | b'\t' | b'\x0c') || c == 0x7f;
        // U+0080–U+009F (C2 80..9F) and U+FFFD (EF BF BD).
        let bad_unicode = c >= 0x80 && (prev == 0xc2 && c < 0xa0 || prev2 == 0xef && prev == 0xbf && c == 0xbd);
        if ascii_control || bad_unicode {
            bad += 1;
        }
        prev2 = prev;
        prev = c;
    }
    bad * 20 <= b.len()
}

/// Same test on raw bytes, for decoded prefixes that may end inside a UTF-8 sequence.
pub(crate) fn bytes_look_textual(b: &[u8]) -> bool {
    if b.is_empty() {
        return false;
    }
    let text = match std::str::from_utf8(b) {
        Ok(t) => t,
        // A prefix may cut a multi-byte character: accept if only the tail is incomplete.
        Err(e) if e.error_len().is_none() && b.len() - e.valid_up_to() < 4 => {
            match std::str::from_utf8(&b[..e.valid_up_to()]) {
                Ok(t) if !t.is_empty() => t,
                _ => return false,
            }
        }
        Err(_) => return false,
    };
    is_mostly_printable(text)
}

// ---------------------------------------------------------------------------------------
// Python source

/// Calls that alone make a line Python code, and that real payloads almost always contain.
const PY_STRONG: &[&str] = &[
    "exec(",
    "eval(",
    "__import__(",
    "os.system(",
    "os.popen(",
    "subprocess.",
    "compile(",
    "marshal.loads(",
    "b64decode(",
    "socket.socket(",
    "urllib.request",
    "urlopen(",
    "requests.get(",
    "requests.post(",
    "getattr(__builtins__",
    // The last two make a line code but are too common to anchor a whole text.
    "open(",
    "print(",
];
/// The calls of [`PY_STRONG`] that alone make a text Python.
const PY_ANCHOR_CALLS: &[&str] = PY_STRONG.split_at(PY_STRONG.len() - 2).0;

fn is_ident_start(c: char) -> bool {
    c == '_' || c.is_alphabetic()
}

fn is_dotted_name(s: &str) -> bool {
    !s.is_empty()
        && s.split('.').all(|part| {
            let mut cs = part.chars();
            cs.next().is_some_and(is_ident_start) && cs.all(|c| c == '_' || c.is_alphanumeric())
        })
}

/// `import a.b, c as d` / `from x import y, z` on one line (before any `;`); tolerates the
/// spacing of machine-formatted code (`from os .path import join ,split`).
fn is_import_statement(line: &str) -> bool {
    let stmt = line.split(';').next().unwrap_or("").trim_end();
    let normalised;
    let stmt = if stmt.contains(" .") || stmt.contains(" ,") {
        normalised = stmt.replace(" .", ".").replace(" ,", ",");
        normalised.as_str()
    } else {
        stmt
    };
    let names_ok = |rest: &str| {
        let rest = rest.trim().trim_start_matches('(').trim_end_matches(')').trim();
        !rest.is_empty()
            && rest.split(',').all(|item| {
                let item = item.trim();
                if item == "*" {
                    return true;
                }
                let mut words = item.split_whitespace();
                match (words.next(), words.next(), words.next(), words.next()) {
                    (Some(a), None, _, _) => is_dotted_name(a),
                    (Some(a), Some("as"), Some(b), None) => is_dotted_name(a) && is_dotted_name(b),
                    _ => item.is_empty(),
                }
            })
    };
    if let Some(rest) = stmt.strip_prefix("import ") {
        return names_ok(rest);
    }
    if let Some(rest) = stmt.strip_prefix("from ") {
        let mut parts = rest.splitn(2, " import ");
        let (Some(module), Some(names)) = (parts.next(), parts.next()) else {
            return false;
        };
        let module = module.trim().trim_start_matches('.');
        return (module.is_empty() || is_dotted_name(module)) && names_ok(names);
    }
    false
}

/// One trimmed line that reads as a Python statement.
fn is_code_line(t: &str) -> bool {
    if is_import_statement(t) {
        return true;
    }
    let first_word = t.split(|c: char| !(c == '_' || c.is_alphanumeric())).next().unwrap_or("");
    let ends_block = t.ends_with(':');
    match first_word {
        "def" | "class" => return t.contains('(') || ends_block,
        "if" | "elif" | "for" | "while" | "with" | "try" | "except" | "finally" | "else" => {
            return ends_block || t.contains(": ");
        }
        "return" | "raise" | "pass" | "break" | "continue" | "global" | "nonlocal" | "yield"
        | "assert" | "del" | "lambda" | "async" | "await" => return true,
        _ => {}
    }
    // Decorators and closing brackets of multi-line calls.
    if t.starts_with('@') && t.len() > 1 || matches!(t, ")" | "]" | "}" | "))" | "})" | "])") {
        return true;
    }
    // `name = …`, `name.attr = …`, `a, b = …`, `x += 1`
    if let Some(eq) = t.find('=') {
        let lhs = t[..eq].trim_end_matches(['+', '-', '*', '/', '|', '&', '^', '%']).trim();
        let rhs_ok = !t[eq + 1..].starts_with('=');
        if rhs_ok
            && !lhs.is_empty()
            && lhs.split(',').all(|p| {
                let p = p.trim();
                let base = p.split('[').next().unwrap_or("").trim();
                is_dotted_name(base)
            })
        {
            return true;
        }
    }
    // A call statement: `name(…)` / `obj.meth(…)` with no space before the parenthesis.
    if let Some(open) = t.find('(') {
        let callee = &t[..open];
        if is_dotted_name(callee) && (t.ends_with(')') || t.ends_with(',') || t.ends_with('(')) {
            return true;
        }
    }
    PY_STRONG.iter().any(|k| t.contains(k)) && !t.ends_with('.')
}

/// Python source: mostly lines that read as statements, at least one of them an
/// import / def / class or a strong call, and balanced parentheses.
pub(crate) fn looks_like_python(text: &str) -> bool {
    let mut lines = 0usize;
    let mut code = 0usize;
    let mut anchor = false;
    let b = text.as_bytes();
    // Every Python payload has a call or an import; prose without either is rejected at once.
    if memchr::memchr(b'(', b).is_none() && memmem::find(b, b"import").is_none() {
        return false;
    }
    for raw in text.lines().take(4000) {
        let t = strip_comment(raw).trim();
        if t.is_empty() {
            continue;
        }
        // Inside a string literal a docstring-ish line, e.g. ">>> import os", is not code.
        lines += 1;
        if is_code_line(t) {
            code += 1;
            if !anchor {
                anchor = is_import_statement(t)
                    || t.starts_with("def ")
                    || t.starts_with("class ")
                    || PY_ANCHOR_CALLS.iter().any(|k| t.contains(k));
            }
        }
    }
    if lines == 0 || !anchor || code * 10 < lines * 6 {
        return false;
    }
    // Parentheses balance outside string literals (a bytes literal of an embedded
    // executable is full of stray brackets).
    let (mut opens, mut closes) = (0usize, 0usize);
    for_each_code_token(text, |tok| match tok {
        Tok::Punct('(') => opens += 1,
        Tok::Punct(')') => closes += 1,
        _ => {}
    });
    opens.abs_diff(closes) <= 2 + opens / 20
}

/// The line without a trailing `# comment` (a `#` after an even number of quotes).
fn strip_comment(line: &str) -> &str {
    match line.find('#') {
        Some(i) if line[..i].bytes().filter(|&b| b == b'"' || b == b'\'').count() % 2 == 0 => &line[..i],
        _ => line,
    }
}

// ---------------------------------------------------------------------------------------
// Shell commands

/// Command shapes that practically never occur in prose; weight 2.
const SHELL_STRONG: &[&str] = &[
    "| sh",
    "|sh",
    "| bash",
    "|bash",
    "bash -c",
    "sh -c ",
    "bash -i",
    "/dev/tcp/",
    "chmod +x",
    "chmod 777",
    "chmod 755",
    "-encodedcommand",
    "-windowstyle hidden",
    "-w hidden",
    "-executionpolicy bypass",
    "invoke-expression",
    "iex(",
    "iex (",
    "downloadstring(",
    "downloadfile(",
    "invoke-webrequest",
    "start-process",
    "cmd /c",
    "cmd.exe /c",
    "cmd /k",
    "certutil -urlcache",
    "certutil.exe -urlcache",
    "mshta http",
    "rundll32 ",
    "regsvr32 /s",
    "nc -e",
    "ncat -e",
    "mkfifo ",
    "&& ./",
    "; ./",
    "nohup ",
    "base64 -d",
    "base64 --decode",
    "wget http",
    "curl http",
    "curl -",
    "wget -",
    "/bin/sh",
    "/bin/bash",
    "schtasks /create",
    "reg add ",
    "crontab -",
    "powershell -",
    "powershell.exe -",
    "pip install ",
    "& echo ",
    "& start ",
    "start /b ",
    "attrib +h",
];

/// Weaker hints; weight 1.
const SHELL_WEAK: &[&str] = &[
    "curl ", "wget ", "powershell", "bash ", "sudo ", "rm -rf", "echo ", "export ", "&&", " > /dev/null",
];

/// A shell / PowerShell / cmd command line or script.
pub(crate) fn looks_like_shell(text: &str) -> bool {
    // Case-insensitive search on a bounded, lower-cased prefix (scripts are short).
    let head = &text.as_bytes()[..text.len().min(64 * 1024)];
    let lower: Vec<u8> = head.iter().map(u8::to_ascii_lowercase).collect();
    let mut score = 0usize;
    for k in SHELL_STRONG {
        if memmem::find(&lower, k.as_bytes()).is_some() {
            score += 2;
        }
    }
    if score == 0 {
        return false;
    }
    for k in SHELL_WEAK {
        if memmem::find(&lower, k.as_bytes()).is_some() {
            score += 1;
        }
    }
    if score < 2 {
        return false;
    }
    // Prose that quotes a command ("Run `curl -sSL … | sh` to install.") is documentation.
    let mut lines = 0usize;
    let mut prose = 0usize;
    for l in text.lines().take(2000) {
        let t = l.trim();
        if t.is_empty() {
            continue;
        }
        lines += 1;
        let words = t.split_whitespace().count();
        let letters = t.chars().filter(|c| c.is_alphabetic() || *c == ' ').count();
        if words >= 6 && (t.ends_with('.') || letters * 10 >= t.chars().count() * 9) {
            prose += 1;
        }
    }
    lines > 0 && prose * 2 < lines
}

// ---------------------------------------------------------------------------------------
// Entropy and literals

/// Shannon entropy in bits per byte (0.0 for empty input, at most 8.0).
pub fn shannon_entropy(data: &[u8]) -> f64 {
    if data.is_empty() {
        return 0.0;
    }
    let mut counts = [0u64; 256];
    for &b in data {
        counts[b as usize] += 1;
    }
    let n = data.len() as f64;
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = c as f64 / n;
            -p * p.log2()
        })
        .sum()
}

/// A long literal whose entropy is typical of encrypted, compressed or encoded data.
///
/// Whitespace is removed first. Needs at least 200 characters, then:
/// hex alphabet → entropy > 3.0; base64/base32 alphabets → > 4.5 (English text without spaces
/// sits near 4.2, random base64 near 6.0); anything else → > 5.0 with few spaces (prose has
/// spaces, packed binary escapes have none).
pub fn is_high_entropy_literal(s: &str) -> bool {
    let stripped: Vec<u8> = s.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    if stripped.len() < 200 {
        return false;
    }
    let e = shannon_entropy(&stripped);
    if stripped.iter().all(u8::is_ascii_hexdigit) {
        return e > 3.0;
    }
    if stripped
        .iter()
        .all(|&b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'-' | b'_' | b'='))
    {
        return e > 4.5;
    }
    let spaces = s.bytes().filter(|&b| b == b' ').count();
    e > 5.0 && spaces * 25 < s.len()
}

// ---------------------------------------------------------------------------------------
// Minified / obfuscated source

/// Minified or machine-obfuscated Python source.
///
/// True when any of:
/// * a line longer than 2000 characters holds code (≥ 20 `;` statement separators or
///   ≥ 5 `lambda`s outside string literals);
/// * the average line length is over 500 on a file of at least 5 KB (packed code);
/// * among at least 20 identifier occurrences (outside strings and comments), 30 % or more
///   are machine-made: `_0x1f2e`, `O0OO0O`/`lIlI1l` confusables, underscore-only names
///   (`______`), long names in CJK or other non-Latin scripts;
/// * at least 10 % (and 10 or more) of the identifier occurrences are names of 10+ CJK or
///   other non-Latin characters (obfuscators emit random runs of such characters; people
///   writing in Chinese or Japanese use words of two to four).
pub fn looks_minified(source: &str) -> bool {
    let mut total_len = 0usize;
    let mut nlines = 0usize;
    for line in source.lines() {
        nlines += 1;
        total_len += line.len();
        if line.len() > 2000 {
            let (semis, lambdas) = code_punctuation(line);
            if semis >= 20 || lambdas >= 5 {
                return true;
            }
        }
    }
    if nlines > 0 && source.len() >= 5000 && total_len / nlines > 500 {
        // Long lines that are mostly one data literal are not minified code.
        let (semis, lambdas) = code_punctuation(source);
        if semis >= 20 || lambdas >= 5 {
            return true;
        }
    }
    let (idents, weird, long_non_latin) = identifier_stats(source);
    idents >= 20 && (weird * 10 >= idents * 3 || long_non_latin >= 10 && long_non_latin * 10 >= idents)
}

/// Counts `;` and `lambda` outside string literals and comments.
fn code_punctuation(s: &str) -> (usize, usize) {
    let mut semis = 0;
    let mut lambdas = 0;
    for_each_code_token(s, |tok| match tok {
        Tok::Punct(';') => semis += 1,
        Tok::Ident("lambda") => lambdas += 1,
        _ => {}
    });
    (semis, lambdas)
}

/// (identifier occurrences, machine-made ones, ones of 10+ non-ASCII characters).
fn identifier_stats(s: &str) -> (usize, usize, usize) {
    let mut idents = 0usize;
    let mut weird = 0usize;
    let mut long_non_latin = 0usize;
    for_each_code_token(s, |tok| {
        if let Tok::Ident(id) = tok {
            if is_keyword(id) {
                return;
            }
            idents += 1;
            if is_machine_identifier(id) {
                weird += 1;
            }
            if id.len() >= 20 && id.chars().filter(|c| !c.is_ascii()).count() >= 10 {
                long_non_latin += 1;
            }
        }
    });
    (idents, weird, long_non_latin)
}

fn is_keyword(id: &str) -> bool {
    matches!(
        id,
        "False" | "None" | "True" | "and" | "as" | "assert" | "async" | "await" | "break"
            | "class" | "continue" | "def" | "del" | "elif" | "else" | "except" | "finally"
            | "for" | "from" | "global" | "if" | "import" | "in" | "is" | "lambda"
            | "nonlocal" | "not" | "or" | "pass" | "raise" | "return" | "try" | "while"
            | "with" | "yield" | "self"
    )
}

/// Names that no person writes: `_0x4f2a`, `O0O0OO`, `lI1lIl`, `_____`, long CJK names.
pub(crate) fn is_machine_identifier(id: &str) -> bool {
    let b = id.as_bytes();
    if let Some(hex) = id.strip_prefix("_0x") {
        return hex.len() >= 3 && hex.bytes().all(|c| c.is_ascii_hexdigit());
    }
    if b.len() >= 4 && b.iter().all(|&c| c == b'_') {
        return true;
    }
    let core = id.trim_matches('_');
    if core.len() >= 5 {
        let oo = core.bytes().all(|c| matches!(c, b'O' | b'0' | b'o'));
        let ll = core.bytes().all(|c| matches!(c, b'l' | b'I' | b'1' | b'i'));
        let mixed = core.bytes().all(|c| matches!(c, b'O' | b'0' | b'l' | b'I' | b'1'));
        if (oo || ll || mixed) && core.bytes().any(|c| c.is_ascii_alphabetic()) {
            let distinct = core.bytes().fold(0u8, |m, c| {
                m | match c {
                    b'O' => 1,
                    b'0' => 2,
                    b'o' => 4,
                    b'l' => 8,
                    b'I' => 16,
                    b'1' => 32,
                    _ => 64,
                }
            });
            if distinct.count_ones() >= 2 {
                return true;
            }
        }
    }
    // Long identifiers in CJK / other non-Latin scripts: obfuscators emit random runs.
    let non_ascii = id.chars().filter(|c| !c.is_ascii()).count();
    non_ascii >= 6 && non_ascii * 2 >= id.chars().count()
}

enum Tok<'a> {
    Ident(&'a str),
    Punct(char),
}

/// A tiny Python lexer: skips comments and string literals (single, triple, prefixed),
/// yields identifiers and punctuation. Never fails; unterminated strings run to the end.
fn for_each_code_token<'a>(s: &'a str, mut f: impl FnMut(Tok<'a>)) {
    let bytes = s.as_bytes();
    let mut i = 0usize;
    while i < bytes.len() {
        let c = bytes[i];
        match c {
            b'#' => {
                i = memchr::memchr(b'\n', &bytes[i..]).map_or(bytes.len(), |p| i + p);
            }
            b'\'' | b'"' => {
                i = skip_string(bytes, i);
            }
            _ if c == b'_' || c.is_ascii_alphabetic() || c >= 0x80 => {
                let start = i;
                while i < bytes.len()
                    && (bytes[i] == b'_' || bytes[i].is_ascii_alphanumeric() || bytes[i] >= 0x80)
                {
                    i += 1;
                }
                // String prefixes: r"", b'', f"", rb"" …
                if i < bytes.len()
                    && matches!(bytes[i], b'\'' | b'"')
                    && i - start <= 2
                    && bytes[start..i].iter().all(|b| b"rRbBuUfF".contains(b))
                {
                    i = skip_string(bytes, i);
                    continue;
                }
                // Identifiers end at byte boundaries that are char boundaries: the loop
                // consumes whole multi-byte sequences (all bytes >= 0x80).
                if let Some(id) = s.get(start..i) {
                    let first = id.chars().next().unwrap_or(' ');
                    if first == '_' || first.is_alphabetic() {
                        f(Tok::Ident(id));
                    }
                }
            }
            _ => {
                if c.is_ascii_punctuation() {
                    f(Tok::Punct(c as char));
                }
                i += 1;
            }
        }
    }
}

/// Index just past the string literal starting at `i` (a quote byte); the end of `b`
/// when it is not closed.
pub(crate) fn skip_string(b: &[u8], i: usize) -> usize {
    let q = b[i];
    let triple = i + 2 < b.len() && b[i + 1] == q && b[i + 2] == q;
    let mut j = if triple { i + 3 } else { i + 1 };
    while j < b.len() {
        match b[j] {
            b'\\' => j += 2,
            c if c == q => {
                if !triple {
                    return j + 1;
                }
                if j + 2 < b.len() && b[j + 1] == q && b[j + 2] == q {
                    return j + 3;
                }
                j += 1;
            }
            b'\n' if !triple => return j + 1,
            _ => j += 1,
        }
    }
    b.len()
}
