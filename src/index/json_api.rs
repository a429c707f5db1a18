//! Where PyPI's JSON API (`/pypi/<name>/json`, `/pypi/<name>/<version>/json`) lives for an
//! index. The document itself is read by [`crate::pypi_json`], once, for the client and
//! the metadata analysis alike. Mirrors often do not serve it: the client maps a 404 to
//! `None`, not to an error.

pub use crate::pypi_json::{JsonApiError, JsonProject};
use url::Url;

/// The JSON API root for an index URL: `…/simple[/]` → `…/pypi/`
/// (`https://pypi.org/simple` → `https://pypi.org/pypi/`). `None` when the index URL does
/// not end in `simple` (no JSON API can be guessed).
pub fn json_base(index_url: &Url) -> Option<Url> {
    let path = index_url.path().trim_end_matches('/');
    let parent = path.strip_suffix("simple")?;
    if !(parent.is_empty() || parent.ends_with('/')) {
        return None;
    }
    let mut u = index_url.clone();
    u.set_path(&format!("{parent}pypi/"));
    u.set_query(None);
    u.set_fragment(None);
    Some(u)
}

#[cfg(test)]
mod unit {
    use super::*;

    #[test]
    fn bases() {
        let b = |s: &str| json_base(&Url::parse(s).unwrap()).map(|u| u.to_string());
        assert_eq!(b("https://pypi.org/simple").as_deref(), Some("https://pypi.org/pypi/"));
        assert_eq!(b("https://pypi.org/simple/").as_deref(), Some("https://pypi.org/pypi/"));
        assert_eq!(b("https://repo.example/api/pypi/remote/simple").as_deref(), Some("https://repo.example/api/pypi/remote/pypi/"));
        assert_eq!(b("https://repo.example/root/pypi/+simple/"), None);
        assert_eq!(b("https://repo.example/notsimple/"), None);
    }
}
