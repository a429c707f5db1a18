//! PyPI's JSON API document (`/pypi/<name>/json`, `/pypi/<name>/<version>/json`), parsed
//! once, here: the index client fetches it (`IndexClient::json_project`)
//! and the metadata analysis turns it into registry facts
//! (`analysis::metadata::RegistryFacts::from_json_api`). Nobody else reads the body.
//!
//! Lenient where PyPI is (absent and `null` fields are defaults; fields safe-pip does not
//! know are ignored), strict where a wrong value could change a verdict: a body that is not
//! an object with an `info` object, or a known field of the wrong type, is an error naming
//! the field, and the caller fails closed. Strings are kept as the index wrote them
//! (empty ones included); timestamps stay text, read by whoever judges them.

use serde::de::{self, DeserializeOwned};
use serde::{Deserialize, Deserializer};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// A JSON API body that cannot be read; every variant names the field at fault.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum JsonApiError {
    #[error("PyPI JSON API body is not JSON: {0}")]
    NotJson(String),
    #[error("PyPI JSON API body is not an object with an `info` object; is this a /pypi/<name>/json response?")]
    NotAnObject,
    #[error("PyPI JSON API body has no `{0}`; is this a /pypi/<name>/json response?")]
    MissingField(&'static str),
    #[error("PyPI JSON API field `{field}` should be {expected}")]
    WrongType { field: String, expected: String },
    #[error("PyPI JSON API field `{field}` has an unreadable timestamp {value:?}")]
    BadTimestamp { field: String, value: String },
}

impl crate::error::Hint for JsonApiError {
    fn hint(&self) -> String {
        "the index answered with something other than PyPI's JSON API; retry later, and if it persists, report it to the index operator".into()
    }
}

/// A parsed JSON API document (project or release).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct JsonProject {
    pub info: Info,
    /// Version → files (empty for a per-release document, which has no `releases`).
    pub releases: BTreeMap<String, Vec<ReleaseFile>>,
    /// The files of `info.version`.
    pub urls: Vec<ReleaseFile>,
    pub vulnerabilities: Vec<Vulnerability>,
    pub last_serial: Option<u64>,
}

/// `info` of a JSON API document. Every field may be missing or `null` on some index.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct Info {
    #[serde(deserialize_with = "opt_string")]
    pub name: Option<String>,
    #[serde(deserialize_with = "opt_string")]
    pub version: Option<String>,
    #[serde(deserialize_with = "opt_string")]
    pub summary: Option<String>,
    #[serde(deserialize_with = "opt_string")]
    pub description: Option<String>,
    #[serde(deserialize_with = "opt_string")]
    pub description_content_type: Option<String>,
    #[serde(deserialize_with = "opt_string")]
    pub license: Option<String>,
    #[serde(deserialize_with = "opt_string")]
    pub license_expression: Option<String>,
    #[serde(deserialize_with = "strings")]
    pub license_files: Vec<String>,
    #[serde(deserialize_with = "strings")]
    pub classifiers: Vec<String>,
    #[serde(deserialize_with = "opt_string")]
    pub home_page: Option<String>,
    #[serde(deserialize_with = "opt_string")]
    pub download_url: Option<String>,
    /// Label → URL.
    #[serde(deserialize_with = "string_map")]
    pub project_urls: BTreeMap<String, String>,
    #[serde(deserialize_with = "opt_string")]
    pub author: Option<String>,
    #[serde(deserialize_with = "opt_string")]
    pub author_email: Option<String>,
    #[serde(deserialize_with = "opt_string")]
    pub maintainer: Option<String>,
    #[serde(deserialize_with = "opt_string")]
    pub maintainer_email: Option<String>,
    #[serde(deserialize_with = "opt_string")]
    pub keywords: Option<String>,
    #[serde(deserialize_with = "strings")]
    pub requires_dist: Vec<String>,
    #[serde(deserialize_with = "opt_string")]
    pub requires_python: Option<String>,
    #[serde(deserialize_with = "strings")]
    pub provides_extra: Vec<String>,
    #[serde(deserialize_with = "boolean")]
    pub yanked: bool,
    #[serde(deserialize_with = "opt_string")]
    pub yanked_reason: Option<String>,
    #[serde(deserialize_with = "opt_string")]
    pub package_url: Option<String>,
    #[serde(deserialize_with = "opt_string")]
    pub project_url: Option<String>,
    #[serde(deserialize_with = "opt_string")]
    pub release_url: Option<String>,
}

/// One file in `releases` or `urls`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct ReleaseFile {
    #[serde(deserialize_with = "string")]
    pub filename: String,
    #[serde(deserialize_with = "string")]
    pub url: String,
    /// `sdist`, `bdist_wheel`, …
    #[serde(deserialize_with = "opt_string")]
    pub packagetype: Option<String>,
    #[serde(deserialize_with = "opt_string")]
    pub python_version: Option<String>,
    #[serde(deserialize_with = "opt_string")]
    pub requires_python: Option<String>,
    #[serde(deserialize_with = "opt_u64")]
    pub size: Option<u64>,
    /// UTC without an offset (older field).
    #[serde(deserialize_with = "opt_string")]
    pub upload_time: Option<String>,
    #[serde(deserialize_with = "opt_string")]
    pub upload_time_iso_8601: Option<String>,
    #[serde(deserialize_with = "boolean")]
    pub yanked: bool,
    #[serde(deserialize_with = "opt_string")]
    pub yanked_reason: Option<String>,
    /// Algorithm → hex digest.
    #[serde(deserialize_with = "string_map")]
    pub digests: BTreeMap<String, String>,
}

/// One entry of `vulnerabilities` (OSV data PyPI attaches to a release).
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct Vulnerability {
    #[serde(deserialize_with = "string")]
    pub id: String,
    #[serde(deserialize_with = "strings")]
    pub aliases: Vec<String>,
    #[serde(deserialize_with = "opt_string")]
    pub summary: Option<String>,
    #[serde(deserialize_with = "opt_string")]
    pub details: Option<String>,
    #[serde(deserialize_with = "strings")]
    pub fixed_in: Vec<String>,
    #[serde(deserialize_with = "opt_string")]
    pub link: Option<String>,
    #[serde(deserialize_with = "opt_string")]
    pub source: Option<String>,
    /// When the advisory was withdrawn; `None` while it stands.
    #[serde(deserialize_with = "opt_string")]
    pub withdrawn: Option<String>,
}

impl JsonProject {
    /// Parses a JSON API body (see the module comment for what is refused).
    pub fn parse(body: &[u8]) -> Result<JsonProject, JsonApiError> {
        let raw: Value = serde_json::from_slice(body).map_err(|e| JsonApiError::NotJson(e.to_string()))?;
        let Value::Object(top) = raw else { return Err(JsonApiError::NotAnObject) };
        let info = match top.get("info") {
            Some(info @ Value::Object(_)) => typed(info, "info")?,
            _ => return Err(JsonApiError::NotAnObject),
        };
        let mut releases = BTreeMap::new();
        match top.get("releases") {
            None | Some(Value::Null) => {}
            Some(Value::Object(m)) => {
                for (version, files) in m {
                    releases.insert(version.clone(), list(files, &format!("releases.{version}"), "a list of files", "a file object")?);
                }
            }
            Some(_) => return Err(wrong("releases", "an object of version → files")),
        }
        Ok(JsonProject {
            info,
            releases,
            urls: list(top.get("urls").unwrap_or(&Value::Null), "urls", "a list of files", "a file object")?,
            vulnerabilities: list(top.get("vulnerabilities").unwrap_or(&Value::Null), "vulnerabilities", "a list", "an object")?,
            last_serial: top.get("last_serial").and_then(Value::as_u64),
        })
    }
}

fn wrong(field: &str, expected: &str) -> JsonApiError {
    JsonApiError::WrongType { field: field.to_string(), expected: expected.to_string() }
}

/// A list of objects at `field` (`null` and absent are empty).
fn list<T: DeserializeOwned + Default>(v: &Value, field: &str, expected: &str, each: &str) -> Result<Vec<T>, JsonApiError> {
    match v {
        Value::Null => Ok(Vec::new()),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .map(|(i, item)| match item {
                Value::Object(_) => typed(item, &format!("{field}[{i}]")),
                _ => Err(wrong(&format!("{field}[{i}]"), each)),
            })
            .collect(),
        _ => Err(wrong(field, expected)),
    }
}

/// One object (`obj` is a JSON object) read into `T`. On a field of the wrong type, the
/// fields are tried one by one to name the one at fault (`info.classifiers`): serde's own
/// error does not.
fn typed<T: DeserializeOwned>(obj: &Value, field: &str) -> Result<T, JsonApiError> {
    T::deserialize(obj).map_err(|e| {
        for (key, value) in obj.as_object().into_iter().flatten() {
            let alone = Value::Object(Map::from_iter([(key.clone(), value.clone())]));
            if let Err(e) = T::deserialize(&alone) {
                return wrong(&format!("{field}.{key}"), &e.to_string());
            }
        }
        wrong(field, &e.to_string())
    })
}

// Field readers: `null` is the default, anything but the expected type is an error whose
// text is what was expected (the error above puts the field's name before it).

fn opt_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Option::<String>::deserialize(d).map_err(|_| de::Error::custom("a string"))
}

fn string<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    String::deserialize(d).map_err(|_| de::Error::custom("a string"))
}

fn strings<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    Ok(Option::<Vec<String>>::deserialize(d).map_err(|_| de::Error::custom("a list of strings"))?.unwrap_or_default())
}

fn string_map<'de, D: Deserializer<'de>>(d: D) -> Result<BTreeMap<String, String>, D::Error> {
    Ok(Option::<BTreeMap<String, String>>::deserialize(d).map_err(|_| de::Error::custom("an object of strings"))?.unwrap_or_default())
}

fn boolean<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    Ok(Option::<bool>::deserialize(d).map_err(|_| de::Error::custom("a boolean"))?.unwrap_or_default())
}

fn opt_u64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    Option::<u64>::deserialize(d).map_err(|_| de::Error::custom("a whole number"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nulls_are_defaults() {
        let p = JsonProject::parse(br#"{"info":{"name":"x","classifiers":null,"project_urls":null,"requires_dist":null,"yanked":null},"urls":null}"#).unwrap();
        assert!(p.info.classifiers.is_empty() && p.info.project_urls.is_empty() && !p.info.yanked);
        assert_eq!(JsonProject::parse(b"[]"), Err(JsonApiError::NotAnObject));
        assert_eq!(JsonProject::parse(br#"{"info":[]}"#), Err(JsonApiError::NotAnObject));
        assert!(matches!(JsonProject::parse(b"{"), Err(JsonApiError::NotJson(_))));
    }

    #[test]
    fn a_wrong_type_names_its_field() {
        let e = |body: &str| JsonProject::parse(body.as_bytes()).unwrap_err();
        assert_eq!(e(r#"{"info":{"name":"x","classifiers":"MIT"}}"#), wrong("info.classifiers", "a list of strings"));
        assert_eq!(e(r#"{"info":{"name":1}}"#), wrong("info.name", "a string"));
        assert_eq!(e(r#"{"info":{"yanked":"yes"}}"#), wrong("info.yanked", "a boolean"));
        assert_eq!(e(r#"{"info":{"project_urls":{"Home":null}}}"#), wrong("info.project_urls", "an object of strings"));
        assert_eq!(e(r#"{"info":{},"releases":[]}"#), wrong("releases", "an object of version → files"));
        assert_eq!(e(r#"{"info":{},"releases":{"1.0":{}}}"#), wrong("releases.1.0", "a list of files"));
        assert_eq!(e(r#"{"info":{},"releases":{"1.0":[1]}}"#), wrong("releases.1.0[0]", "a file object"));
        assert_eq!(e(r#"{"info":{},"urls":[{"size":"big"}]}"#), wrong("urls[0].size", "a whole number"));
        assert_eq!(e(r#"{"info":{},"urls":{}}"#), wrong("urls", "a list of files"));
        assert_eq!(e(r#"{"info":{},"vulnerabilities":[{"withdrawn":true}]}"#), wrong("vulnerabilities[0].withdrawn", "a string"));
        assert_eq!(e(r#"{"info":{},"vulnerabilities":[[]]}"#), wrong("vulnerabilities[0]", "an object"));
        assert_eq!(
            e(r#"{"info":{"name":"x","classifiers":"MIT"}}"#).to_string(),
            "PyPI JSON API field `info.classifiers` should be a list of strings"
        );
    }
}
