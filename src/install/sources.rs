//! The effective package sources of one `pip install`: pip's own reading of command line,
//! `PIP_*` and config files (or safe-pip's discovery when pip's parser is unavailable),
//! then the requirements files' index lines applied in order as pip applies them
//! (`-i` there replaces every index seen so far, `--extra-index-url` adds one,
//! `--no-index` drops them all, `-f` adds a find-links location).

use super::pip_child::PipOptions;
use super::reqfile::{Directive, Origin};
use crate::index::{IndexSettings, PYPI_SIMPLE};
use std::path::PathBuf;
use std::time::Duration;

/// Indexes and find-links locations pip would use, and how to reach them.
#[derive(Clone, Debug)]
pub(crate) struct Sources {
    /// `index_url` + `extra_index_urls` are the upstreams in route order.
    pub settings: IndexSettings,
    /// Find-links locations with where each came from.
    pub find_links: Vec<(String, String)>,
}

impl Sources {
    /// The upstream index URLs (may carry credentials: never print them unredacted).
    pub(crate) fn indexes(&self) -> Vec<String> {
        self.settings.indexes().into_iter().map(str::to_string).collect()
    }
}

/// Applies pip's options on top of `base` (safe-pip's own discovery, which also knows
/// netrc and environment proxies), then the requirements-file directives.
pub(crate) fn effective(base: IndexSettings, pip: Option<&PipOptions>, directives: &[(Directive, Origin)]) -> Sources {
    let mut st = base;
    let mut find_links: Vec<(String, String)> = Vec::new();
    match pip {
        Some(o) => {
            st.index_url = o.index_url.clone().unwrap_or_else(|| PYPI_SIMPLE.to_string());
            st.extra_index_urls = o.extra_index_urls.clone();
            st.no_index = o.no_index;
            st.trusted_hosts = o.trusted_hosts.clone();
            st.cert = o.cert.as_ref().map(PathBuf::from);
            st.client_cert = o.client_cert.as_ref().map(PathBuf::from);
            st.proxy = o.proxy.clone();
            if let Some(t) = o.timeout.filter(|t| t.is_finite() && *t > 0.0 && *t < 1e9) {
                st.timeout = Duration::from_secs_f64(t);
            }
            if let Some(r) = o.retries {
                st.retries = r.min(100);
            }
            find_links.extend(o.find_links.iter().map(|f| (f.clone(), "pip options (command line, PIP_FIND_LINKS or pip.conf)".to_string())));
        }
        None => {
            find_links.extend(st.find_links.iter().map(|f| (f.clone(), "pip configuration".to_string())));
        }
    }
    let mut indexes: Vec<String> = if st.no_index { Vec::new() } else { st.indexes().into_iter().map(str::to_string).collect() };
    for (d, origin) in directives {
        match d {
            Directive::NoIndex => {
                st.no_index = true;
                indexes.clear();
            }
            Directive::IndexUrl(u) if !st.no_index => indexes = vec![u.clone()],
            Directive::ExtraIndexUrl(u) if !st.no_index => indexes.push(u.clone()),
            Directive::FindLinks(f) => find_links.push((f.clone(), origin.to_string())),
            _ => {}
        }
    }
    let mut unique: Vec<String> = Vec::new();
    for u in indexes {
        if !unique.iter().any(|x| x.trim_end_matches('/') == u.trim_end_matches('/')) {
            unique.push(u);
        }
    }
    if let Some((first, rest)) = unique.split_first() {
        st.index_url = first.clone();
        st.extra_index_urls = rest.to_vec();
    } else {
        st.no_index = true;
        st.extra_index_urls.clear();
    }
    st.find_links = find_links.iter().map(|(f, _)| f.clone()).collect();
    Sources { settings: st, find_links }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn origin() -> Origin {
        Origin { file: "r.txt".into(), line: 1 }
    }

    #[test]
    fn requirements_file_index_lines_apply_in_pip_order() {
        let pip = PipOptions {
            index_url: Some("https://main/simple".into()),
            extra_index_urls: vec!["https://x1/simple".into()],
            find_links: vec!["/opt/wheels".into()],
            ..PipOptions::default()
        };
        let s = effective(IndexSettings::default(), Some(&pip), &[]);
        assert_eq!(s.indexes(), vec!["https://main/simple", "https://x1/simple"]);
        let s = effective(
            IndexSettings::default(),
            Some(&pip),
            &[
                (Directive::ExtraIndexUrl("https://x2/simple".into()), origin()),
                (Directive::IndexUrl("https://file/simple".into()), origin()),
                (Directive::ExtraIndexUrl("https://x3/simple/".into()), origin()),
                (Directive::ExtraIndexUrl("https://x3/simple".into()), origin()),
                (Directive::FindLinks("./w".into()), origin()),
            ],
        );
        // `-i` in a file replaces everything before it, as in pip.
        assert_eq!(s.indexes(), vec!["https://file/simple", "https://x3/simple/"]);
        assert_eq!(s.find_links.len(), 2);
        assert_eq!(s.find_links[1].1, "r.txt:1");
        let s = effective(IndexSettings::default(), Some(&pip), &[(Directive::NoIndex, origin()), (Directive::IndexUrl("https://late/simple".into()), origin())]);
        assert!(s.settings.no_index && s.indexes().is_empty());
    }

    #[test]
    fn without_pip_options_discovery_is_used() {
        let base = IndexSettings { index_url: "https://conf/simple".into(), find_links: vec!["/w".into()], ..IndexSettings::default() };
        let s = effective(base, None, &[]);
        assert_eq!(s.indexes(), vec!["https://conf/simple"]);
        assert_eq!(s.find_links[0].0, "/w");
    }
}
