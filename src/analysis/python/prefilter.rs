//! Byte-level pre-filter: one Aho-Corasick pass decides whether an ordinary module can
//! matter to any detector. setup.py, `__init__.py` and .pth files are always analysed.

use aho_corasick::AhoCorasick;
use std::sync::OnceLock;

const NEEDLES: &[&str] = &[
    "socket", "urllib", "requests", "httpx", "aiohttp", "http.client", "httplib", "ftplib", "smtplib", "telnetlib",
    "websocket", "pycurl", "urlopen", "subprocess", "system", "popen", "pty", "spawn", "startfile", "exec", "eval",
    "compile", "__import__", "import_module", "getattr", "__builtins__", "builtins", "globals()", "vars(", "base64",
    "b64decode", "marshal", "zlib", "lzma", "bz2", "gzip", "decompress", "fromhex", "unhexlify", "codecs", "rot13",
    "fernet", "decrypt", "chr(", "environ", "getenv", "getpass", "getlogin", "gethostname", "platform", "uuid",
    ".ssh", ".aws", "credentials", "login data", "local state", "leveldb", "wallet", "tdata", "keychain", "passwd",
    "shadow", "history", "cron", "systemd", "autostart", "launchagents", "currentversion", "startup", "bashrc", "zshrc",
    "profile", "schtasks", "winreg", "site-packages", ".pth", "webhook", "discord", "telegram", "slack", "dup2",
    "chmod", "wget", "curl", "powershell", "lambda", "_0x",
];

fn matcher() -> &'static AhoCorasick {
    static M: OnceLock<AhoCorasick> = OnceLock::new();
    M.get_or_init(|| {
        AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .build(NEEDLES)
            .unwrap_or_else(|_| AhoCorasick::new(["\u{0}never"]).unwrap_or_else(|_| unreachable_matcher()))
    })
}

fn unreachable_matcher() -> AhoCorasick {
    // building from a fixed small pattern set cannot fail; keep a total fallback anyway
    AhoCorasick::new::<_, &str>([]).unwrap_or_else(|_| std::process::abort())
}

/// True when the text contains anything a detector looks at, or any non-ASCII
/// identifier-like content (CJK obfuscators).
pub fn interesting(text: &str) -> bool {
    matcher().is_match(text) || text.bytes().any(|b| b >= 0xe3)
}

#[cfg(test)]
mod tests {
    #[test]
    fn prefilter() {
        assert!(super::interesting("import subprocess"));
        assert!(!super::interesting("x = 1\ny = x + 2\n"));
    }
}
