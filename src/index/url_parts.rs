//! The parts of an index URL safe-pip looks at: userinfo (credentials), percent escapes,
//! host and port, loopback hosts.

/// `url` without userinfo, and the (percent-decoded) user and password it carried.
pub(crate) fn split_userinfo(url: &url::Url) -> (url::Url, Option<(String, String)>) {
    if url.username().is_empty() && url.password().is_none() {
        return (url.clone(), None);
    }
    let dec = |s: &str| percent_decode(s);
    let creds = (dec(url.username()), dec(url.password().unwrap_or("")));
    let mut clean = url.clone();
    let _ = clean.set_username("");
    let _ = clean.set_password(None);
    (clean, Some(creds))
}

/// Decodes `%XX` escapes (invalid ones are kept as written); invalid UTF-8 is replaced.
pub(crate) fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let (Some(h), Some(l)) = (hex_val(bytes[i + 1]), hex_val(bytes[i + 2])) {
                out.push(h * 16 + l);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex_val(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// `host` or `host:port` of a URL, the key for credentials and trusted hosts.
pub(crate) fn host_port(url: &url::Url) -> Option<(String, Option<u16>)> {
    let host = url.host_str()?.to_ascii_lowercase();
    let host = host.trim_start_matches('[').trim_end_matches(']').to_string();
    Some((host, url.port()))
}

/// True for 127.0.0.0/8, ::1 and `localhost`: pip treats these as secure origins.
pub(crate) fn is_loopback_host(host: &str) -> bool {
    let h = host.trim_start_matches('[').trim_end_matches(']');
    if h.eq_ignore_ascii_case("localhost") {
        return true;
    }
    h.parse::<std::net::IpAddr>().map(|ip| ip.is_loopback()).unwrap_or(false)
}
