//! Tar archives (plain, gzip, bzip2, xz), streamed through the `tar` crate in raw mode.
//!
//! Raw mode hands us GNU long-name (`L`/`K`) and PAX (`x`/`g`) headers as entries, so
//! their size is capped here instead of being read into memory whole, and so we can
//! notice the constructions on which tar readers disagree (PAX size overrides, data
//! attached to links or directories, which Python's tarfile does not skip). When
//! readers would disagree about the rest of the archive, reading stops (fail closed).

use super::format::Container;
use super::member::{StreamError, Unread};
use super::paths;
use super::collector::{self, Collector, Stop};
use std::io::{self, Read};

/// Largest GNU long-name or PAX header accepted; real ones are a few hundred bytes.
const EXTENSION_CAP: u64 = 1024 * 1024;

/// Extension headers that describe the next real entry.
#[derive(Default)]
struct Pending {
    long_name: Option<Vec<u8>>,
    long_link: Option<Vec<u8>>,
    pax_path: Option<Vec<u8>>,
    pax_link: Option<Vec<u8>>,
    pax_size: Option<u64>,
}

impl Pending {
    fn apply_pax(&mut self, data: &[u8]) {
        for (key, value) in parse_pax(data) {
            match key {
                b"path" => self.pax_path = Some(value.to_vec()),
                b"linkpath" => self.pax_link = Some(value.to_vec()),
                b"size" => self.pax_size = std::str::from_utf8(value).ok().and_then(|s| s.trim().parse().ok()),
                _ => {}
            }
        }
    }
}

/// Parses PAX records `"<len> <key>=<value>\n"`; stops at the first malformed one.
fn parse_pax(data: &[u8]) -> Vec<(&[u8], &[u8])> {
    let mut out = Vec::new();
    let mut rest = data;
    while !rest.is_empty() {
        let Some(space) = rest.iter().position(|&b| b == b' ') else { break };
        let Some(len) = std::str::from_utf8(&rest[..space]).ok().and_then(|s| s.parse::<usize>().ok()) else {
            break;
        };
        if len <= space + 1 || len > rest.len() {
            break;
        }
        let record = &rest[space + 1..len];
        let record = record.strip_suffix(b"\n").unwrap_or(record);
        if let Some(eq) = record.iter().position(|&b| b == b'=') {
            out.push((&record[..eq], &record[eq + 1..]));
        }
        rest = &rest[len..];
    }
    out
}

fn cut_at_nul(mut bytes: Vec<u8>) -> Vec<u8> {
    if let Some(i) = bytes.iter().position(|&b| b == 0) {
        bytes.truncate(i);
    }
    bytes
}

fn stream_name(container: Container) -> &'static str {
    match container {
        Container::TarGz => "gzip stream",
        Container::TarBz2 => "bzip2 stream",
        Container::TarXz => "xz stream",
        _ => "tar data",
    }
}

fn problem(e: &io::Error) -> String {
    if e.kind() == io::ErrorKind::UnexpectedEof {
        "truncated".to_string()
    } else {
        format!("corrupt ({e})")
    }
}

/// A read error: a crossed limit if the budget says so, else corruption at `place`.
fn fail(col: &mut Collector, what: &str, e: &io::Error, place: String) -> Stop {
    match col.budget.limit_hit() {
        Some(reason) => col.limit(reason),
        None => Stop::Corrupt(format!("{what} {} {place}", problem(e))),
    }
}

fn between(last: &Option<String>) -> String {
    match last {
        Some(name) => format!("after member {name}"),
        None => "at the start of the archive".to_string(),
    }
}

pub(super) fn read_tar<R: Read>(input: R, container: Container, col: &mut Collector) -> Result<(), Stop> {
    let what = stream_name(container);
    let stream = collector::decoded(input, container, &col.budget);
    let mut archive = tar::Archive::new(stream);
    let entries = match archive.entries() {
        Ok(entries) => entries.raw(true),
        Err(e) => return Err(Stop::Corrupt(format!("{what} cannot be read as tar: {e}"))),
    };
    let mut pending = Pending::default();
    let mut last: Option<String> = None;
    for item in entries {
        let mut entry = match item {
            Ok(entry) => entry,
            Err(e) => return Err(fail(col, what, &e, between(&last))),
        };
        col.count_entry()?;
        let etype = entry.header().entry_type().as_byte();
        let size = entry.size();

        if matches!(etype, b'L' | b'K' | b'x' | b'g') {
            if size > EXTENSION_CAP {
                return Err(col.limit(format!("tar extension header of {size} bytes {}", between(&last))));
            }
            let mut data = Vec::new();
            if let Err(e) = entry.read_to_end(&mut data) {
                return Err(fail(col, what, &e, between(&last)));
            }
            match etype {
                b'L' => pending.long_name = Some(cut_at_nul(data)),
                b'K' => pending.long_link = Some(cut_at_nul(data)),
                b'x' => pending.apply_pax(&data),
                _ => {} // global PAX headers carry no names we rely on
            }
            continue;
        }

        let ext = std::mem::take(&mut pending);
        let path_bytes = ext.pax_path.or(ext.long_name).unwrap_or_else(|| entry.path_bytes().into_owned());
        let path = paths::normalize(&String::from_utf8_lossy(&path_bytes));
        if let Some(pax_size) = ext.pax_size
            && pax_size != size
        {
            return Err(Stop::Corrupt(format!(
                "PAX size record ({pax_size}) of member {path} disagrees with its header ({size}); tar readers would see different archives"
            )));
        }

        let is_dir = etype == b'5' || (etype == 0 && path.ends_with('/')) || path.is_empty();
        let special = match etype {
            b'3' => Some("character device"),
            b'4' => Some("block device"),
            b'6' => Some("FIFO"),
            _ => None,
        };
        let regular = !is_dir && special.is_none() && !matches!(etype, b'1' | b'2');
        if !regular {
            if let Some(what) = special {
                col.special(&path, what);
            } else if matches!(etype, b'1' | b'2') {
                let target_bytes = ext
                    .pax_link
                    .or(ext.long_link)
                    .or_else(|| entry.link_name_bytes().map(|c| c.into_owned()))
                    .unwrap_or_default();
                col.link(&path, &String::from_utf8_lossy(&target_bytes), etype == b'1');
            } else {
                col.check_path(&path);
            }
            if size > 0 {
                return Err(Stop::Corrupt(format!(
                    "non-file entry {path} carries {size} bytes of data; tar readers disagree on where the next member starts"
                )));
            }
            continue;
        }

        match col.add_file(path.clone(), size, Unread::HeadUnlessExecutable, &mut entry) {
            Ok(n) if n < size => {
                col.members.pop();
                return Err(Stop::Corrupt(format!("{what} truncated after {n} of {size} bytes of member {path}")));
            }
            Ok(_) => last = Some(path),
            Err(StreamError::Limit(reason)) => return Err(col.limit(reason)),
            Err(StreamError::Io { error, bytes }) => {
                return Err(fail(col, what, &error, format!("after {bytes} bytes of member {path}")));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pax_records_parse_and_stop_on_garbage() {
        let data = b"32 path=pkg/a/very/long/name.py\n20 linkpath=../../x\n12 size=5000\nzz";
        let recs = parse_pax(data);
        assert_eq!(recs[0], (&b"path"[..], &b"pkg/a/very/long/name.py"[..]));
        assert_eq!(recs[1], (&b"linkpath"[..], &b"../../x"[..]));
        assert_eq!(recs.len(), 3);
        assert!(parse_pax(b"999999 path=x\n").is_empty());
        assert!(parse_pax(b"0 x").is_empty());
    }
}
