//! A `.netrc` reader (`machine`/`default`, `login`, `password`, `account`, `macdef`), as
//! Python's `netrc` module and curl read it. Used for credentials when a URL carries none.

use std::path::Path;

/// Login and password for one host.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Credentials {
    pub login: String,
    pub password: String,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials").field("login", &self.login).field("password", &"****").finish()
    }
}

/// The parsed file: per-machine entries (first one wins, as in Python) and the optional
/// `default` entry.
#[derive(Clone, Debug, Default)]
pub(crate) struct Netrc {
    machines: Vec<(String, Credentials)>,
    default: Option<Credentials>,
}

impl Netrc {
    /// Parses netrc text. Unknown tokens are skipped; `macdef` bodies (up to the next blank
    /// line) are ignored; `#` starts a comment outside of a quoted token.
    pub(crate) fn parse(text: &str) -> Netrc {
        let tokens = tokenize(text);
        let mut out = Netrc::default();
        let mut i = 0;
        while i < tokens.len() {
            let t = tokens[i].as_str();
            i += 1;
            let host = match t {
                "machine" => match tokens.get(i) {
                    Some(h) => {
                        i += 1;
                        Some(h.to_ascii_lowercase())
                    }
                    None => break,
                },
                "default" => None,
                _ => continue,
            };
            let mut login = String::new();
            let mut password = String::new();
            while i < tokens.len() {
                match tokens[i].as_str() {
                    "machine" | "default" => break,
                    key @ ("login" | "password" | "account") => {
                        let v = tokens.get(i + 1).cloned().unwrap_or_default();
                        match key {
                            "login" => login = v,
                            "password" => password = v,
                            _ => {}
                        }
                        i += 2;
                    }
                    _ => i += 1,
                }
            }
            let creds = Credentials { login, password };
            match host {
                Some(h) => {
                    if !out.machines.iter().any(|(m, _)| *m == h) {
                        out.machines.push((h, creds));
                    }
                }
                None => out.default = Some(creds),
            }
        }
        out
    }

    /// Reads and parses a file; a missing or unreadable file gives `None` (as pip/requests:
    /// netrc problems never stop a download, there are just no credentials).
    pub(crate) fn load(path: &Path) -> Option<Netrc> {
        std::fs::read_to_string(path).ok().map(|t| Netrc::parse(&t))
    }

    /// Credentials for `host` (case-insensitive), else the `default` entry.
    pub(crate) fn lookup(&self, host: &str) -> Option<&Credentials> {
        let host = host.to_ascii_lowercase();
        self.machines.iter().find(|(m, _)| *m == host).map(|(_, c)| c).or(self.default.as_ref())
    }
}

/// Splits into whitespace-separated tokens, honouring `"quoted tokens"` with `\` escapes,
/// `#` comments, and dropping `macdef` bodies.
fn tokenize(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        let mut chars = line.chars().peekable();
        let mut in_macdef = false;
        loop {
            while chars.peek().is_some_and(|c| c.is_whitespace()) {
                chars.next();
            }
            let Some(&c) = chars.peek() else { break };
            if c == '#' {
                break;
            }
            let mut tok = String::new();
            if c == '"' {
                chars.next();
                while let Some(c) = chars.next() {
                    match c {
                        '"' => break,
                        '\\' => {
                            if let Some(n) = chars.next() {
                                tok.push(n);
                            }
                        }
                        _ => tok.push(c),
                    }
                }
            } else {
                while let Some(&c) = chars.peek() {
                    if c.is_whitespace() {
                        break;
                    }
                    if c == '\\' {
                        chars.next();
                        if let Some(n) = chars.next() {
                            tok.push(n);
                        }
                        continue;
                    }
                    tok.push(c);
                    chars.next();
                }
            }
            if tok == "macdef" {
                in_macdef = true;
            }
            out.push(tok);
        }
        if in_macdef {
            // The macro body runs to the next empty line.
            for body in lines.by_ref() {
                if body.trim().is_empty() {
                    break;
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod unit {
    use super::*;

    #[test]
    fn machines_default_macdef_quotes() {
        let n = Netrc::parse(
            "# comment\nmachine Repo.Example.com login alice password \"s3 cr#t\"\n\
             macdef init\ncd /pub\nget x\n\nmachine other login bob\npassword pw account acct\n\
             machine repo.example.com login second password no\ndefault login anon password guest\n",
        );
        let c = n.lookup("repo.example.com").unwrap();
        assert_eq!((c.login.as_str(), c.password.as_str()), ("alice", "s3 cr#t"));
        let c = n.lookup("OTHER").unwrap();
        assert_eq!((c.login.as_str(), c.password.as_str()), ("bob", "pw"));
        assert_eq!(n.lookup("elsewhere").unwrap().login, "anon");
        assert!(!format!("{c:?}").contains("pw"));
        assert!(Netrc::parse("machine a login b password c").lookup("z").is_none());
    }
}
