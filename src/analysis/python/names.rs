//! What resolved call names mean: tables of network, shell, decoding, execution and
//! host-information APIs. Names arrive resolved by the front-end (`b.b64decode` →
//! `base64.b64decode`) and normalised by [`normalize`] (`requests.Session().get` →
//! `requests.Session.get`).

/// Drops call markers and the `builtins.` prefix so tables can match plain dotted names.
pub(crate) fn normalize(q: &str) -> String {
    // every call site asks: most names have neither, and are copied once
    let s: std::borrow::Cow<str> = if memchr::memchr(b'(', q.as_bytes()).is_some() && q.contains("()") { q.replace("()", "").into() } else { q.into() };
    let s = s.strip_prefix("builtins.").unwrap_or(&s);
    let s = s.strip_prefix("__builtins__.").unwrap_or(s);
    s.strip_prefix("__builtin__.").unwrap_or(s).to_string()
}

fn last(q: &str) -> &str {
    q.rsplit('.').next().unwrap_or(q)
}

const HTTP_VERBS: &[&str] = &["get", "post", "put", "patch", "delete", "head", "options", "request", "stream", "send"];

/// A call that opens a network connection; returns the module family for reports.
pub(crate) fn network_call(q: &str) -> Option<&'static str> {
    // asked of every call: a name outside every family is left at its first part
    let head = memchr::memchr(b'.', q.as_bytes()).map_or(q, |i| &q[..i]);
    if !matches!(
        head,
        "requests" | "httpx" | "aiohttp" | "urllib3" | "urllib" | "urllib2" | "six" | "http" | "httplib" | "socket" | "dns"
            | "ftplib" | "smtplib" | "telnetlib" | "websocket" | "websockets" | "pycurl" | "dropbox" | "wget" | "git"
            | "telebot" | "discord_webhook" | "dhooks" | "?"
    ) {
        return None;
    }
    let m = last(q);
    let family = |p: &str| q.starts_with(p);
    if family("requests.") {
        if q.starts_with("requests.exceptions") || q.starts_with("requests.utils") || q.starts_with("requests.adapters")
            || q.starts_with("requests.auth") || q.starts_with("requests.structures") || q.starts_with("requests.models")
        {
            return None;
        }
        return HTTP_VERBS.contains(&m).then_some("requests");
    }
    if family("httpx.") {
        return HTTP_VERBS.contains(&m).then_some("httpx");
    }
    if family("aiohttp.") {
        // aiohttp.web is the server side: `@routes.get(path)` registers a handler
        if family("aiohttp.web") {
            return None;
        }
        return (HTTP_VERBS.contains(&m) || m == "ws_connect").then_some("aiohttp");
    }
    if family("urllib3.") {
        return matches!(m, "request" | "urlopen" | "request_encode_body" | "request_encode_url").then_some("urllib3");
    }
    if family("urllib.request.") || family("urllib2.") || family("six.moves.urllib.request.") || q == "urllib.urlopen" || q == "urllib.urlretrieve" {
        return matches!(m, "urlopen" | "urlretrieve" | "open" | "retrieve").then_some("urllib");
    }
    if family("http.client.") || family("httplib.") {
        return matches!(m, "HTTPConnection" | "HTTPSConnection" | "request" | "putrequest").then_some("http.client");
    }
    if family("socket.") {
        return match m {
            "connect" | "connect_ex" | "create_connection" | "sendto" => Some("socket"),
            "gethostbyname" | "gethostbyname_ex" | "getaddrinfo" => Some("dns"),
            _ => None,
        };
    }
    if family("dns.resolver.") {
        return matches!(m, "resolve" | "query").then_some("dns");
    }
    if family("ftplib.") {
        return matches!(m, "FTP" | "FTP_TLS").then_some("ftplib");
    }
    if family("smtplib.") {
        return matches!(m, "SMTP" | "SMTP_SSL").then_some("smtplib");
    }
    if family("telnetlib.") {
        return (m == "Telnet").then_some("telnetlib");
    }
    if family("websocket.") || family("websockets.") {
        return matches!(m, "create_connection" | "connect" | "WebSocketApp").then_some("websocket");
    }
    if family("pycurl.") {
        return (m == "perform").then_some("pycurl");
    }
    if family("dropbox.") {
        return matches!(m, "files_upload" | "files_upload_session_start").then_some("dropbox");
    }
    if q == "wget.download" {
        return Some("wget");
    }
    if family("git.") && m == "clone_from" {
        return Some("git");
    }
    if family("telebot.") || family("discord_webhook.") || family("dhooks.") {
        return matches!(m, "send_message" | "send_document" | "send_photo" | "execute" | "send" | "post").then_some("chat-bot API");
    }
    if q.starts_with("?.") && matches!(m, "urlopen" | "urlretrieve") {
        return Some("urllib");
    }
    None
}

/// `urllib.request.Request(url, data=…)`: builds the request a later `urlopen` sends.
pub(crate) fn request_object(q: &str) -> bool {
    matches!(q, "urllib.request.Request" | "urllib2.Request" | "six.moves.urllib.request.Request")
}

/// Network calls that fetch content (downloads) rather than only send.
pub(crate) fn is_fetch(q: &str) -> bool {
    let m = last(q);
    matches!(m, "get" | "urlopen" | "urlretrieve" | "retrieve" | "download" | "stream" | "request" | "open" | "clone_from")
}

/// A call that writes bytes to the network on an existing connection (socket.send …).
pub(crate) fn socket_send(q: &str) -> bool {
    q.starts_with("socket.") && matches!(last(q), "send" | "sendall" | "sendto")
}

pub(crate) fn socket_recv(q: &str) -> bool {
    q.starts_with("socket.") && matches!(last(q), "recv" | "recvfrom" | "recv_into" | "makefile")
}

/// A call that starts another program; returns whether its first argument is a shell string.
pub(crate) fn shell_call(q: &str) -> Option<&'static str> {
    Some(match q {
        "os.system" | "os.popen" | "os.popen2" | "os.popen3" | "os.popen4" | "platform.popen" => "os",
        "subprocess.Popen" | "subprocess.run" | "subprocess.call" | "subprocess.check_call" | "subprocess.check_output"
        | "subprocess.getoutput" | "subprocess.getstatusoutput" => "subprocess",
        "commands.getoutput" | "commands.getstatusoutput" => "commands",
        "pty.spawn" => "pty",
        "os.startfile" => "os.startfile",
        "os.posix_spawn" | "os.posix_spawnp" => "os",
        "asyncio.create_subprocess_shell" | "asyncio.create_subprocess_exec" => "asyncio",
        "win32api.ShellExecute" | "ctypes.windll.shell32.ShellExecuteW" | "ctypes.windll.shell32.ShellExecuteA"
        | "win32process.CreateProcess" => "win32",
        _ => {
            if (q.starts_with("os.exec") || q.starts_with("os.spawn")) && q.len() > 7 {
                "os"
            } else {
                return None;
            }
        }
    })
}

/// `pip.main([...])` / `pip._internal.main` — runs pip (and so the network) in-process.
pub(crate) fn pip_main(q: &str) -> bool {
    matches!(q, "pip.main" | "pip._internal.main" | "pip._internal.cli.main.main")
}

pub(crate) fn decode_call(q: &str) -> bool {
    matches!(
        q,
        "base64.b64decode" | "base64.b32decode" | "base64.b16decode" | "base64.b85decode" | "base64.a85decode"
            | "base64.urlsafe_b64decode" | "base64.standard_b64decode" | "base64.decodebytes" | "base64.decodestring"
            | "binascii.a2b_base64" | "binascii.unhexlify" | "binascii.a2b_hex" | "codecs.decode" | "zlib.decompress"
            | "gzip.decompress" | "lzma.decompress" | "bz2.decompress" | "marshal.loads" | "bytes.fromhex"
            | "bytearray.fromhex" | "pickle.loads"
    ) || (last(q) == "decrypt" && (q.contains("Fernet") || q.contains("fernet") || q.starts_with("?.") || q.contains("AES")))
}

/// exec-like sinks: the argument becomes code.
pub(crate) fn exec_call(q: &str) -> bool {
    matches!(q, "exec" | "eval" | "compile" | "execfile" | "types.FunctionType" | "types.CodeType")
}

/// Calls whose result describes the host or user.
pub(crate) fn host_info_call(q: &str) -> bool {
    matches!(
        q,
        "getpass.getuser" | "os.getlogin" | "socket.gethostname" | "socket.getfqdn" | "platform.node" | "platform.uname"
            | "os.uname" | "uuid.getnode" | "pwd.getpwuid"
    )
}

/// Calls that return credentials: browser cookie jars, DPAPI-protected secrets,
/// clipboard or keyring contents.
pub(crate) fn secret_source_call(q: &str) -> bool {
    q.starts_with("browser_cookie3.") || q.starts_with("browsercookie.") || q == "win32crypt.CryptUnprotectData"
        || q.ends_with("CryptUnprotectData") || q == "keyring.get_password" || q == "pyperclip.paste"
}

/// A URL of a "what is my public IP" service: its answer identifies the victim.
pub(crate) fn ip_lookup_url(url: &str) -> bool {
    let l = url.to_ascii_lowercase();
    let host = l.split("://").nth(1).unwrap_or(&l).split(['/', '?']).next().unwrap_or("");
    let path = l.split("://").nth(1).unwrap_or(&l).split_once('/').map(|(_, p)| p).unwrap_or("");
    if path.trim_end_matches('/') == "ip" {
        return true;
    }
    ["ipify.org", "ipinfo.io", "ip-api.com", "icanhazip.com", "ifconfig.me", "checkip.", "myip", "ipapi.co", "ipwho.is", "ident.me", "wtfismyip"]
        .iter()
        .any(|k| host.contains(k))
}

/// Environment variable names that identify the user or host.
pub(crate) fn host_env_name(name: &str) -> bool {
    let n = name.to_ascii_uppercase();
    matches!(n.as_str(), "USER" | "USERNAME" | "COMPUTERNAME" | "HOSTNAME" | "LOGNAME" | "USERDOMAIN")
}

/// Environment variable names that usually hold secrets.
pub(crate) fn secret_env_name(name: &str) -> bool {
    let n = name.to_ascii_uppercase();
    ["TOKEN", "SECRET", "PASSWORD", "PASSWD", "API_KEY", "APIKEY", "ACCESS_KEY", "PRIVATE_KEY", "CREDENTIAL", "AUTH"]
        .iter()
        .any(|k| n.contains(k))
}

/// Known names of builtins that malware reaches indirectly.
pub(crate) fn dangerous_builtin(name: &str) -> bool {
    matches!(name, "exec" | "eval" | "compile" | "__import__" | "open" | "getattr" | "execfile" | "input")
}

/// setuptools / distutils commands whose override runs at install time.
pub(crate) fn install_command(base: &str) -> bool {
    matches!(
        base,
        "install" | "develop" | "egg_info" | "build_py" | "bdist_egg" | "sdist" | "build_ext" | "build" | "bdist_wheel"
            | "install_lib" | "install_scripts" | "install_data" | "easy_install" | "_install" | "_develop" | "_egg_info"
            | "orig_install"
    )
}

/// A parameter name that says the value is a crypto-wallet secret: a private key or a
/// seed (mnemonic) phrase. Only wallet code has such parameters, and a wallet never
/// needs to send one anywhere: signing happens locally.
pub(crate) fn wallet_secret_name(name: &str) -> bool {
    // lower case without underscores, built once in one pass
    let n: String = name.chars().filter(|&c| c != '_').map(|c| c.to_ascii_lowercase()).collect();
    // asked of every parameter: a name with no word of a wallet secret in it is left
    // here, with a window compare rather than a substring searcher per word
    let has = |w: &[u8]| n.as_bytes().windows(w.len()).any(|x| x == w);
    if !(has(b"key") || has(b"mnemonic") || has(b"phrase") || has(b"seed")) {
        return false;
    }
    // keys of TLS, SSH and PGP are uploaded to the services that use them
    if ["ssh", "ssl", "tls", "cert", "gpg", "pgp", "rsa", "jwt", "x509", "pem"].iter().any(|k| n.contains(k)) {
        return false;
    }
    // `from_private_key`, `sender_mnemonic`, `wallet_private_key_hex`: the role or the
    // encoding around the secret does not change what it is
    let core = ["hex", "str", "bytes", "b58", "base58"].iter().find_map(|s| n.strip_suffix(s)).unwrap_or(&n);
    [
        "privatekey", "privkey", "mnemonic", "mnemonicphrase", "mnemonicwords", "seedphrase", "seedwords", "recoveryphrase",
        "secretphrase", "walletseed",
    ]
    .iter()
    .any(|k| core.ends_with(k))
}

/// Calls whose result still carries their input's data (serialisers, containers, string
/// building and encoders), as opposed to calls that compute something else from it.
pub(crate) fn keeps_data(q: &str) -> bool {
    matches!(
        q,
        "json.dumps" | "str" | "repr" | "dict" | "list" | "tuple" | "set" | "bytes" | "base64.b64encode" | "base64.urlsafe_b64encode"
            | "base64.standard_b64encode" | "urllib.parse.urlencode" | "urllib.parse.quote"
    ) || matches!(last(q), "encode" | "format" | "join" | "strip" | "lower" | "upper" | "replace" | "decode" | "hex")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables() {
        assert_eq!(normalize("requests.Session().get"), "requests.Session.get");
        assert_eq!(normalize("builtins.exec"), "exec");
        assert_eq!(normalize("__builtins__.eval"), "eval");
        assert_eq!(normalize("os.path.join"), "os.path.join");
        // parameters that name a wallet secret, and look-alikes that do not
        for name in ["private_key", "fromPrivateKeyHex", "sender_mnemonic", "seed_phrase", "WALLET_SEED", "recovery_phrase"] {
            assert!(wallet_secret_name(name), "{name}");
        }
        for name in ["ssh_private_key", "api_key", "keyword", "seed", "mnemonic_language", "x", ""] {
            assert!(!wallet_secret_name(name), "{name}");
        }
        assert_eq!(network_call("requests.Session.get"), Some("requests"));
        assert_eq!(network_call("requests.exceptions.HTTPError"), None);
        assert_eq!(network_call("urllib.request.urlopen"), Some("urllib"));
        assert_eq!(network_call("socket.socket.connect"), Some("socket"));
        // every family is reached past the first-part check, others stop there
        assert_eq!(network_call("?.urlopen"), Some("urllib"));
        assert_eq!(network_call("six.moves.urllib.request.urlopen"), Some("urllib"));
        assert_eq!(network_call("http.client.HTTPSConnection"), Some("http.client"));
        assert_eq!(network_call("wget.download"), Some("wget"));
        assert_eq!(network_call("discord_webhook.DiscordWebhook.execute"), Some("chat-bot API"));
        assert_eq!(network_call("self.session.get"), None);
        assert_eq!(network_call("requests"), None);
        assert_eq!(shell_call("os.execvp"), Some("os"));
        assert_eq!(shell_call("os.exe"), None);
        assert!(decode_call("base64.b64decode"));
        assert!(decode_call("cryptography.fernet.Fernet.decrypt"));
        assert!(exec_call("exec"));
        assert!(secret_env_name("GITHUB_TOKEN"));
        assert!(!secret_env_name("PATH"));
    }
}
