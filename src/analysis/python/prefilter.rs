//! Byte-level pre-pass: one Aho-Corasick pass (plus a few byte scans) decides whether an
//! ordinary module can matter to any detector. setup.py, `__init__.py`, .pth files and
//! modules setup.py imports are always analysed; a module the pre-pass rejects gets only
//! the text-level minified-code check (which is all the full analysis could report for
//! it). `SAFE_PIP_NO_PREPASS=1` (or `safe-pip scan --no-prepass`) turns the pre-pass off:
//! every module then gets the full model, and `bench/prepass_equal.py` checks that the
//! alerts are the same either way.
//!
//! The needles are derived from what the detectors look for (the tables in `names.rs`,
//! the literal classifiers in `evidence.rs`, the strings each rule matches) and kept
//! wide: a needle costs nothing but a module analysed for nothing. Beyond needles, a
//! module is analysed when it could spell a needle without containing it: string escapes
//! (`"\x73ocket"`), a backslash-newline continuation, adjacent string literals
//! (`"so" "cket"`, implicit concatenation), any non-ASCII byte (identifiers are
//! NFKC-normalised: `ｅｘｅｃ` is `exec`), and long runs without whitespace (base64/hex
//! blobs for the high-entropy and payload detectors, minified lines).

use aho_corasick::AhoCorasick;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::OnceLock;

const NEEDLES: &[&str] = &[
    // network (names::network_call, socket_send, request_object, is_fetch)
    "socket", "urllib", "requests", "httpx", "aiohttp", "http.client", "httplib", "ftplib", "smtplib", "telnetlib",
    "websocket", "pycurl", "urlopen", "urlretrieve", "dns", "dropbox", "clone_from", "telebot", "dhooks",
    // processes (names::shell_call, pip_main)
    "subprocess", "system", "popen", "pty", "spawn", "startfile", "getoutput", "getstatusoutput", "shellexecute",
    "createprocess", "pip.", "from pip", "import pip",
    // code (names::exec_call, dangerous_builtin, tricks)
    "exec", "eval", "compile", "functiontype", "codetype", "__import__", "import_module", "importlib", "zipimport", "getattr",
    "__builtins__", "builtins", "__builtin__", "globals", "locals", "vars(", "__dict__", "sys.modules", "lambda", "_0x",
    // decoding (names::decode_call) and folding tricks
    "base64", "b64decode", "binascii", "a2b_", "marshal", "pickle", "zlib", "lzma", "bz2", "gzip", "decompress",
    "fromhex", "unhexlify", "codecs", "rot13", "rot_13", "fernet", "decrypt", "aes", "chr(", "[::-1]",
    // host data and secrets (names::host_info_call, secret_source_call, env names)
    "environ", "getenv", "getpass", "getlogin", "gethostname", "getfqdn", "uname", "getpwuid", "platform", "uuid",
    "cookie", "cryptunprotect", "keyring", "pyperclip", "token", "secret", "password", "mnemonic", "seed", "privkey",
    "private",
    // sensitive paths (sensitive_paths::sensitive_path, both tables, per path component)
    ".ssh", "ssh/", "id_rsa", "id_ed25519", ".aws", "aws/", ".azure", "azure/", "gcloud", ".kube", "kube/", ".docker",
    "docker/", "npmrc", "pypirc", "credentials", "netrc", "passwd", "shadow", "history", "login data", "local state",
    "web data", "user data", "key4.db", "logins.json", "local storage", "leveldb", "tdata", "wallet", "electrum",
    "exodus", "nkbihfbeogaeaoehlefnkodbefgpgknn", "keychain", "discord",
    // persistence, tampering, packing
    "cron", "systemd", "autostart", "launchagent", "launchdaemon", "currentversion", "startup", "bashrc", "zshrc",
    "profile", "rc.local", "schtasks", "winreg", "setvalue", "site-packages", "dist-packages", "sitepackages",
    "get_python_lib", "sysconfig", ".pth", "pyarmor", "pytransform", "__armor", "cmdclass", "setuptools", "distutils",
    // webhooks and collectors (evidence::webhook_kind, collector_host)
    "webhook", "telegram", "slack", ":aa", "/dev/tcp", "dup2", "chmod", "wget", "curl", "powershell",
];

/// Escapes and continuations that can spell a needle without containing it.
const SPELLERS: &[&str] = &["\\x", "\\u", "\\N{", "\\0", "\\1", "\\2", "\\3", "\\\n", "\\\r\n"];

/// A run of this many bytes without whitespace is analysed (encoded blobs, minified code).
const LONG_RUN: usize = 100;

fn matcher() -> &'static AhoCorasick {
    static M: OnceLock<AhoCorasick> = OnceLock::new();
    M.get_or_init(|| {
        AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .build(NEEDLES.iter().chain(SPELLERS.iter()))
            .expect("fixed needle set")
    })
}

/// 0 unknown, 1 on, 2 off.
static STATE: AtomicU8 = AtomicU8::new(0);

/// Turns the pre-pass off for this process (`--no-prepass`).
pub(crate) fn disable() {
    STATE.store(2, Ordering::Relaxed);
}

/// True unless `SAFE_PIP_NO_PREPASS` is set (to anything but `0` or empty) or [`disable`]
/// was called.
pub(crate) fn enabled() -> bool {
    match STATE.load(Ordering::Relaxed) {
        1 => true,
        2 => false,
        _ => {
            let off = std::env::var_os("SAFE_PIP_NO_PREPASS").map(|v| !v.is_empty() && v != "0").unwrap_or(false);
            STATE.store(if off { 2 } else { 1 }, Ordering::Relaxed);
            !off
        }
    }
}

/// True when the text contains anything a detector looks at or could spell it.
pub(crate) fn interesting(text: &str) -> bool {
    let b = text.as_bytes();
    !b.is_ascii() || matcher().is_match(b) || adjacent_strings(b) || long_run(b)
}

/// True when some run of [`LONG_RUN`] bytes holds no whitespace.
fn long_run(b: &[u8]) -> bool {
    let mut run = 0usize;
    for &c in b {
        if c.is_ascii_whitespace() {
            run = 0;
        } else {
            run += 1;
            if run >= LONG_RUN {
                return true;
            }
        }
    }
    false
}

/// True when a quote is followed, after only whitespace, by another quote (optionally
/// with a string prefix): implicit concatenation of string literals (`"a" "b"`, or one
/// piece per line). Over-approximate: `""` and `'x', 'y'` do not count, `"a" 'b'` does.
fn adjacent_strings(b: &[u8]) -> bool {
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'"' || b[i] == b'\'' {
            let mut j = i + 1;
            while j < b.len() && b[j].is_ascii_whitespace() {
                j += 1;
            }
            if j > i + 1 {
                // optional prefix (r, b, u, f, rb, br, …) then a quote
                let mut k = j;
                while k < b.len() && k < j + 2 && matches!(b[k] | 0x20, b'r' | b'b' | b'u' | b'f' | b't') {
                    k += 1;
                }
                if k < b.len() && (b[k] == b'"' || b[k] == b'\'') {
                    return true;
                }
            }
            i = j.max(i + 1);
        } else {
            i += 1;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::interesting;

    #[test]
    fn prefilter() {
        assert!(interesting("import subprocess"));
        assert!(!interesting("x = 1\ny = x + 2\n"));
        assert!(interesting("x = '\\x73ocket'\n"));
        assert!(interesting("x = ('so'\n     'cket')\n"));
        assert!(interesting("x = 'so' b'cket'\n"));
        assert!(!interesting("x = ['a', 'b']\n"));
        assert!(interesting("ｅｘｅｃ('1')\n"));
        assert!(interesting(&format!("x = '{}'\n", "A".repeat(120))));
        assert!(interesting("p = '~/.kube/config'\n"));
    }
}
