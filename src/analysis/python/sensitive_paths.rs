//! Sensitive locations a string can name: credential stores and files that stealers
//! read, classified by one Aho-Corasick pass.

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum PathClass {
    /// Only stealers want these.
    StealerTarget,
    /// Credential files that SDKs legitimately read.
    Credential,
}

const STEALER: &[(&str, &str)] = &[
    ("login data", "browser password store"),
    ("local state", "browser encryption key"),
    ("web data", "browser autofill store"),
    ("/network/cookies", "browser cookies"),
    ("/default/cookies", "browser cookies"),
    ("user data/default", "browser profile"),
    ("key4.db", "Firefox key store"),
    ("logins.json", "Firefox password store"),
    ("cookies.sqlite", "Firefox cookies"),
    ("local storage/leveldb", "Discord/Chromium token store"),
    ("discord/local storage", "Discord token store"),
    ("telegram desktop/tdata", "Telegram session"),
    ("/tdata", "Telegram session"),
    ("wallet.dat", "crypto wallet"),
    ("exodus/exodus.wallet", "Exodus wallet"),
    ("exodus.wallet", "Exodus wallet"),
    ("electrum/wallets", "Electrum wallet"),
    ("nkbihfbeogaeaoehlefnkodbefgpgknn", "MetaMask extension store"),
    ("atomic/local storage", "Atomic wallet"),
    ("login.keychain", "macOS keychain"),
    // game launchers keep the account's session token in plain JSON
    ("launcher_accounts.json", "game launcher session tokens"),
    ("microsoft_accounts.json", "game launcher session tokens"),
    (".lunarclient/settings/game/accounts.json", "game launcher session tokens"),
    ("/etc/shadow", "system password hashes"),
    // these two hold a backslash, which the normalised text never does, so they never
    // match; kept as they were (changing them would change alerts)
    ("[\\w-]{24}\\.[\\w-]{6}\\.[\\w-]{27}", "Discord token pattern"),
    ("mfa\\.[\\w-]{84}", "Discord token pattern"),
];
const CRED: &[(&str, &str)] = &[
    (".ssh/id_", "SSH private key"),
    ("id_rsa", "SSH private key"),
    ("id_ed25519", "SSH private key"),
    (".ssh/", "SSH directory"),
    (".aws/credentials", "AWS credentials"),
    (".azure/", "Azure credentials"),
    ("gcloud/", "Google Cloud credentials"),
    (".kube/config", "Kubernetes config"),
    (".docker/config.json", "Docker credentials"),
    (".npmrc", "npm token"),
    (".pypirc", "PyPI token"),
    (".git-credentials", "git credentials"),
    (".netrc", "netrc credentials"),
    ("/etc/passwd", "system accounts"),
    (".bash_history", "shell history"),
    (".zsh_history", "shell history"),
    // every environment variable of the process, read as a file (tools that show a
    // process's environment read it too, so it is a credential, not a stealer target)
    ("/proc/self/environ", "process environment (every variable)"),
];

/// One automaton over every needle of [`STEALER`] then [`CRED`] (pattern id = index in
/// that order), run over the normalised text.
fn path_matcher() -> &'static aho_corasick::AhoCorasick {
    static M: std::sync::OnceLock<aho_corasick::AhoCorasick> = std::sync::OnceLock::new();
    M.get_or_init(|| {
        let needles = STEALER.iter().chain(CRED.iter()).map(|(n, _)| *n);
        aho_corasick::AhoCorasick::new(needles).expect("fixed needle set")
    })
}

/// Classifies a string naming a sensitive location. The text is lower-cased with `\\`
/// read as `/` into a stack buffer (no allocation), and one Aho-Corasick pass finds
/// which needles it contains; the first needle in list order that qualifies wins.
pub(crate) fn sensitive_path(s: &str) -> Option<(PathClass, &'static str)> {
    if s.len() > 400 {
        return None;
    }
    let mut buf = [0u8; 400];
    let l = &mut buf[..s.len()];
    for (d, &b) in l.iter_mut().zip(s.as_bytes()) {
        *d = if b == b'\\' { b'/' } else { b.to_ascii_lowercase() };
    }
    let l: &[u8] = l;
    // needle ids contained in the text (STEALER and CRED together are < 64 needles)
    let mut hits: u64 = 0;
    for mat in path_matcher().find_overlapping_iter(l) {
        hits |= 1 << mat.pattern().as_usize();
    }
    if hits == 0 {
        return None;
    }
    for (i, (n, what)) in STEALER.iter().enumerate() {
        if hits & (1 << i) == 0 {
            continue;
        }
        // "Login Data", "Local State", "Web Data" are file names: as a whole literal or
        // a path component they are a browser store, inside prose ("remote and local
        // state") they are words
        let bare_words = !n.contains(['/', '.', '\\']);
        let hit = !bare_words || l == n.as_bytes() || ends_with_component(l, n) || contains_component(l, n);
        if hit {
            return Some((PathClass::StealerTarget, what));
        }
    }
    for (i, (_, what)) in CRED.iter().enumerate() {
        if hits & (1 << (STEALER.len() + i)) != 0 {
            return Some((PathClass::Credential, what));
        }
    }
    None
}

/// `l` ends with `/n`.
fn ends_with_component(l: &[u8], n: &str) -> bool {
    l.len() > n.len() && l.ends_with(n.as_bytes()) && l[l.len() - n.len() - 1] == b'/'
}

/// `l` contains `/n/`.
fn contains_component(l: &[u8], n: &str) -> bool {
    let n = n.as_bytes();
    l.windows(n.len() + 2).any(|w| w[0] == b'/' && w[w.len() - 1] == b'/' && &w[1..w.len() - 1] == n)
}

#[cfg(test)]
mod tests {
    #[test]
    fn browser_store_names_are_file_names_not_words() {
        assert!(super::sensitive_path("Local State").is_some());
        assert!(super::sensitive_path("\\Google\\Chrome\\User Data\\Local State").is_some());
        assert!(super::sensitive_path("/profile/Login Data/").is_some());
        assert!(super::sensitive_path("The remote and local state are the same, nothing to do!").is_none());
        assert!(super::sensitive_path("Unexpected COPY FROM LOCAL state: {}").is_none());
    }

    /// The allocation-free classifier agrees with the straightforward one it replaced.
    #[test]
    fn sensitive_path_matches_reference() {
        fn reference(s: &str) -> Option<(super::PathClass, &'static str)> {
            if s.len() > 400 {
                return None;
            }
            let l = s.to_ascii_lowercase().replace('\\', "/");
            for (n, what) in super::STEALER {
                let bare_words = !n.contains(['/', '.', '\\']);
                let hit = if bare_words { l == *n || l.ends_with(&format!("/{n}")) || l.contains(&format!("/{n}/")) } else { l.contains(n) };
                if hit {
                    return Some((super::PathClass::StealerTarget, what));
                }
            }
            super::CRED.iter().find(|(n, _)| l.contains(n)).map(|(_, w)| (super::PathClass::Credential, *w))
        }
        let samples = [
            "Local State", "local state", "x/Local State", "x\\Local State\\y", "remote and local state", "/login data/",
            "login data/", "C:\\Users\\x\\AppData\\Local\\Google\\Chrome\\User Data\\Default\\Network\\Cookies",
            "~/.ssh/id_rsa", "~/.SSH/", "/etc/passwd and /etc/shadow", "wallet.dat", "Exodus\\exodus.wallet", "id_ed25519.pub",
            "[\\w-]{24}\\.[\\w-]{6}\\.[\\w-]{27}", "mfa\\.[\\w-]{84}", "", "web data", "/web data", "a/web datas", "ключ/.npmrc",
            "~/.aws/credentials ~/.kube/config", ".git-credentials", "gcloud/x", "Telegram Desktop\\tdata", "/tdata",
        ];
        for s in samples {
            assert_eq!(super::sensitive_path(s), reference(s), "{s}");
        }
        let long = "a".repeat(398) + "id_rsa";
        assert_eq!(super::sensitive_path(&long), reference(&long));
    }
}
