//! PyPI's JSON API (`/pypi/<name>/json`, `/pypi/<name>/<version>/json`). The body is kept
//! as a `serde_json::Value` (nothing is lost), with typed views of the parts safe-pip uses.
//! Mirrors often do not serve it: the client maps a 404 to `None`, not to an error.

use serde::{Deserialize, Deserializer};
use serde_json::Value;
use std::collections::BTreeMap;
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

/// A parsed JSON API document (project or release).
#[derive(Clone, Debug)]
pub struct JsonProject {
    /// The whole body, for anything the typed views do not cover.
    pub raw: Value,
    pub info: Info,
    /// Version → files (empty for a per-release document, which has no `releases`).
    pub releases: BTreeMap<String, Vec<ReleaseFile>>,
    /// The files of `info.version`.
    pub urls: Vec<ReleaseFile>,
    pub vulnerabilities: Vec<Vulnerability>,
    pub last_serial: Option<u64>,
}

/// `info` of a JSON API document. Every field may be missing or `null` on some index.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct Info {
    pub name: Option<String>,
    pub version: Option<String>,
    pub summary: Option<String>,
    pub description: Option<String>,
    pub description_content_type: Option<String>,
    pub license: Option<String>,
    pub license_expression: Option<String>,
    #[serde(deserialize_with = "null_default")]
    pub license_files: Vec<String>,
    #[serde(deserialize_with = "null_default")]
    pub classifiers: Vec<String>,
    pub home_page: Option<String>,
    pub download_url: Option<String>,
    #[serde(deserialize_with = "null_default")]
    pub project_urls: BTreeMap<String, String>,
    pub author: Option<String>,
    pub author_email: Option<String>,
    pub maintainer: Option<String>,
    pub maintainer_email: Option<String>,
    pub keywords: Option<String>,
    #[serde(deserialize_with = "null_default")]
    pub requires_dist: Vec<String>,
    pub requires_python: Option<String>,
    #[serde(deserialize_with = "null_default")]
    pub provides_extra: Vec<String>,
    #[serde(deserialize_with = "null_default")]
    pub yanked: bool,
    pub yanked_reason: Option<String>,
    pub package_url: Option<String>,
    pub project_url: Option<String>,
    pub release_url: Option<String>,
}

/// One file in `releases` or `urls`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct ReleaseFile {
    pub filename: String,
    pub url: String,
    /// `sdist`, `bdist_wheel`, …
    pub packagetype: Option<String>,
    pub python_version: Option<String>,
    pub requires_python: Option<String>,
    pub size: Option<u64>,
    pub upload_time: Option<String>,
    pub upload_time_iso_8601: Option<String>,
    #[serde(deserialize_with = "null_default")]
    pub yanked: bool,
    pub yanked_reason: Option<String>,
    #[serde(deserialize_with = "null_default")]
    pub digests: BTreeMap<String, String>,
}

/// One entry of `vulnerabilities` (OSV data PyPI attaches to a release).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct Vulnerability {
    pub id: String,
    #[serde(deserialize_with = "null_default")]
    pub aliases: Vec<String>,
    pub summary: Option<String>,
    pub details: Option<String>,
    #[serde(deserialize_with = "null_default")]
    pub fixed_in: Vec<String>,
    pub link: Option<String>,
    pub source: Option<String>,
    pub withdrawn: Option<String>,
}

fn null_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

impl JsonProject {
    /// Parses a JSON API body; the typed views are lenient (missing or `null` fields give
    /// defaults), only a body that is not a JSON object with an `info` object is refused.
    pub fn parse(body: &[u8]) -> Result<JsonProject, String> {
        let raw: Value = serde_json::from_slice(body).map_err(|e| format!("invalid JSON: {e}"))?;
        let obj = raw.as_object().ok_or("the answer is not a JSON object")?;
        let info_v = obj.get("info").filter(|v| v.is_object()).ok_or("missing 'info' object")?;
        let info = Info::deserialize(info_v).map_err(|e| format!("info: {e}"))?;
        let files = |v: &Value, what: &str| -> Result<Vec<ReleaseFile>, String> {
            match v {
                Value::Array(a) => a
                    .iter()
                    .map(|f| ReleaseFile::deserialize(f).map_err(|e| format!("{what}: {e}")))
                    .collect(),
                _ => Ok(Vec::new()),
            }
        };
        let mut releases = BTreeMap::new();
        if let Some(Value::Object(r)) = obj.get("releases") {
            for (ver, fs) in r {
                releases.insert(ver.clone(), files(fs, &format!("releases[{ver}]"))?);
            }
        }
        let urls = obj.get("urls").map(|u| files(u, "urls")).transpose()?.unwrap_or_default();
        let vulnerabilities = match obj.get("vulnerabilities") {
            Some(Value::Array(a)) => a
                .iter()
                .map(|v| Vulnerability::deserialize(v).map_err(|e| format!("vulnerabilities: {e}")))
                .collect::<Result<_, _>>()?,
            _ => Vec::new(),
        };
        let last_serial = obj.get("last_serial").and_then(Value::as_u64);
        Ok(JsonProject { raw, info, releases, urls, vulnerabilities, last_serial })
    }

    /// The upload time of the first file of each release (ISO 8601), for age and cadence
    /// checks; releases without files are left out.
    pub fn release_times(&self) -> BTreeMap<String, String> {
        self.releases
            .iter()
            .filter_map(|(v, fs)| {
                fs.iter().filter_map(|f| f.upload_time_iso_8601.clone().or_else(|| f.upload_time.clone())).min().map(|t| (v.clone(), t))
            })
            .collect()
    }
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

    #[test]
    fn nulls_are_defaults() {
        let p = JsonProject::parse(br#"{"info":{"name":"x","classifiers":null,"project_urls":null,"requires_dist":null,"yanked":null},"urls":null}"#).unwrap();
        assert!(p.info.classifiers.is_empty() && p.info.project_urls.is_empty() && !p.info.yanked);
        assert!(JsonProject::parse(b"[]").is_err());
    }
}
