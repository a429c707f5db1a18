//! Fixtures shared by the rule tests, and tests of the whole module: JSON API
//! parsing, the healthy project staying quiet, each crafted bad project firing, the
//! catalogue ⇔ rules tie, and the history section.

use super::time::{SECONDS_PER_DAY, parse_rfc3339};
use super::*;
use std::collections::BTreeMap;
use crate::alerts::{AlertId, Category};
use serde_json::Value;

/// "Now" in every test: 2026-11-25 12:00 UTC.
pub(super) fn now() -> i64 {
    parse_rfc3339("2026-11-25T12:00:00Z").expect("fixture time")
}

pub(super) fn run(rule: fn(&Input) -> Vec<Finding>, facts: &RegistryFacts, policy: &MetadataPolicy) -> Vec<Finding> {
    rule(&Input { facts, policy, now: now() })
}

fn body(json: &str) -> Value {
    serde_json::from_str(json).expect("fixture JSON")
}

/// The facts of a JSON API body, read as the index client reads it: one parse.
fn from_json_api(body: &Value) -> Result<RegistryFacts, JsonApiError> {
    RegistryFacts::from_json_api(&crate::pypi_json::JsonProject::parse(body.to_string().as_bytes())?)
}

/// `/pypi/requests/json`, abridged: 27 releases over 14 years (2.32.0 yanked, 0.3.0
/// with its files deleted), Apache-2.0, documentation and source links.
pub(super) const REQUESTS_JSON: &str = r##"{
  "info": {
    "author": "Kenneth Reitz",
    "author_email": "me@kennethreitz.org",
    "bugtrack_url": null,
    "classifiers": [
      "Development Status :: 5 - Production/Stable",
      "Environment :: Web Environment",
      "Intended Audience :: Developers",
      "License :: OSI Approved :: Apache Software License",
      "Natural Language :: English",
      "Operating System :: OS Independent",
      "Programming Language :: Python",
      "Programming Language :: Python :: 3",
      "Programming Language :: Python :: 3 :: Only",
      "Programming Language :: Python :: Implementation :: CPython",
      "Programming Language :: Python :: Implementation :: PyPy",
      "Topic :: Internet :: WWW/HTTP",
      "Topic :: Software Development :: Libraries"
    ],
    "description": "# Requests\n\n**Requests** is a simple, yet elegant, HTTP library.\n\n```python\n>>> import requests\n>>> r = requests.get('https://httpbin.org/basic-auth/user/pass', auth=('user', 'pass'))\n>>> r.status_code\n200\n>>> r.headers['content-type']\n'application/json; charset=utf8'\n```\n\nRequests allows you to send HTTP/1.1 requests extremely easily. There’s no need to manually add query strings to your URLs, or to form-encode your `PUT` & `POST` data — but nowadays, just use the `json` method!\n\nRequests is one of the most downloaded Python packages today, pulling in around `30M downloads / week`— according to GitHub, Requests is currently [depended upon](https://github.com/psf/requests/network/dependents?package_id=UGFja2FnZS01NzA4OTExNg%3D%3D) by `1,000,000+` repositories. You may certainly put your trust in this code.\n\n[![Downloads](https://static.pepy.tech/badge/requests/month)](https://pepy.tech/project/requests)\n[![Supported Versions](https://img.shields.io/pypi/pyversions/requests.svg)](https://pypi.org/project/requests)\n\n## Installing Requests and Supported Versions\n\nRequests is available on PyPI:\n\n```console\n$ python -m pip install requests\n```\n\nRequests officially supports Python 3.9+. Support for Python 3.8 was dropped; the `chardet` fallback is deprecated and will be removed in a future release.\n",
    "description_content_type": "text/markdown",
    "docs_url": null,
    "download_url": null,
    "dynamic": null,
    "home_page": "https://requests.readthedocs.io",
    "keywords": null,
    "license": "Apache-2.0",
    "license_expression": null,
    "license_files": null,
    "maintainer": null,
    "name": "requests",
    "package_url": "https://pypi.org/project/requests/",
    "platform": null,
    "project_url": "https://pypi.org/project/requests/",
    "project_urls": {
      "Documentation": "https://requests.readthedocs.io",
      "Homepage": "https://requests.readthedocs.io",
      "Source": "https://github.com/psf/requests"
    },
    "provides_extra": ["security", "socks", "use-chardet-on-py3"],
    "release_url": "https://pypi.org/project/requests/2.32.5/",
    "requires_dist": [
      "charset_normalizer<4,>=2",
      "idna<4,>=2.5",
      "urllib3<3,>=1.21.1",
      "certifi>=2017.4.17",
      "PySocks!=1.5.7,>=1.5.6; extra == \"socks\"",
      "chardet<6,>=3.0.2; extra == \"use-chardet-on-py3\""
    ],
    "requires_python": ">=3.9",
    "summary": "Python HTTP for Humans.",
    "version": "2.32.5",
    "yanked": false,
    "yanked_reason": null
  },
  "last_serial": 30571212,
  "releases": {
    "0.2.0": [{"filename": "requests-0.2.0.tar.gz", "packagetype": "sdist", "upload_time": "2011-02-14T02:51:33", "upload_time_iso_8601": "2011-02-14T02:51:33Z", "yanked": false, "yanked_reason": null}],
    "0.3.0": [],
    "0.10.0": [{"filename": "requests-0.10.0.tar.gz", "packagetype": "sdist", "upload_time": "2012-01-21T21:39:13", "upload_time_iso_8601": "2012-01-21T21:39:13Z", "yanked": false, "yanked_reason": null}],
    "1.0.0": [{"filename": "requests-1.0.0.tar.gz", "packagetype": "sdist", "upload_time": "2012-12-17T20:54:11", "upload_time_iso_8601": "2012-12-17T20:54:11Z", "yanked": false, "yanked_reason": null}],
    "1.2.0": [{"filename": "requests-1.2.0.tar.gz", "packagetype": "sdist", "upload_time": "2013-03-31T06:06:20", "upload_time_iso_8601": "2013-03-31T06:06:20Z", "yanked": false, "yanked_reason": null}],
    "2.0.0": [{"filename": "requests-2.0.0-py2.py3-none-any.whl", "packagetype": "bdist_wheel", "upload_time": "2013-09-24T18:04:40", "upload_time_iso_8601": "2013-09-24T18:04:40Z", "yanked": false, "yanked_reason": null}],
    "2.4.0": [{"filename": "requests-2.4.0-py2.py3-none-any.whl", "packagetype": "bdist_wheel", "upload_time": "2014-08-29T18:26:59", "upload_time_iso_8601": "2014-08-29T18:26:59Z", "yanked": false, "yanked_reason": null}],
    "2.7.0": [{"filename": "requests-2.7.0-py2.py3-none-any.whl", "packagetype": "bdist_wheel", "upload_time": "2015-05-03T14:52:38", "upload_time_iso_8601": "2015-05-03T14:52:38Z", "yanked": false, "yanked_reason": null}],
    "2.9.0": [{"filename": "requests-2.9.0-py2.py3-none-any.whl", "packagetype": "bdist_wheel", "upload_time": "2015-12-15T15:48:06", "upload_time_iso_8601": "2015-12-15T15:48:06Z", "yanked": false, "yanked_reason": null}],
    "2.11.0": [{"filename": "requests-2.11.0-py2.py3-none-any.whl", "packagetype": "bdist_wheel", "upload_time": "2016-08-08T08:34:32", "upload_time_iso_8601": "2016-08-08T08:34:32Z", "yanked": false, "yanked_reason": null}],
    "2.13.0": [{"filename": "requests-2.13.0-py2.py3-none-any.whl", "packagetype": "bdist_wheel", "upload_time": "2017-01-24T19:31:27", "upload_time_iso_8601": "2017-01-24T19:31:27Z", "yanked": false, "yanked_reason": null}],
    "2.18.0": [{"filename": "requests-2.18.0-py2.py3-none-any.whl", "packagetype": "bdist_wheel", "upload_time": "2017-06-14T19:10:15", "upload_time_iso_8601": "2017-06-14T19:10:15Z", "yanked": false, "yanked_reason": null}],
    "2.19.0": [{"filename": "requests-2.19.0-py2.py3-none-any.whl", "packagetype": "bdist_wheel", "upload_time": "2018-06-12T14:47:24", "upload_time_iso_8601": "2018-06-12T14:47:24Z", "yanked": false, "yanked_reason": null}],
    "2.20.0": [{"filename": "requests-2.20.0-py2.py3-none-any.whl", "packagetype": "bdist_wheel", "upload_time": "2018-10-18T15:46:28", "upload_time_iso_8601": "2018-10-18T15:46:28Z", "yanked": false, "yanked_reason": null}],
    "2.21.0": [{"filename": "requests-2.21.0-py2.py3-none-any.whl", "packagetype": "bdist_wheel", "upload_time": "2018-12-10T07:03:38", "upload_time_iso_8601": "2018-12-10T07:03:38Z", "yanked": false, "yanked_reason": null}],
    "2.22.0": [{"filename": "requests-2.22.0-py2.py3-none-any.whl", "packagetype": "bdist_wheel", "upload_time": "2019-05-16T13:44:44", "upload_time_iso_8601": "2019-05-16T13:44:44Z", "yanked": false, "yanked_reason": null}],
    "2.23.0": [{"filename": "requests-2.23.0-py2.py3-none-any.whl", "packagetype": "bdist_wheel", "upload_time": "2020-02-19T22:40:33", "upload_time_iso_8601": "2020-02-19T22:40:33Z", "yanked": false, "yanked_reason": null}],
    "2.24.0": [{"filename": "requests-2.24.0-py2.py3-none-any.whl", "packagetype": "bdist_wheel", "upload_time": "2020-06-17T13:44:04", "upload_time_iso_8601": "2020-06-17T13:44:04Z", "yanked": false, "yanked_reason": null}],
    "2.25.0": [{"filename": "requests-2.25.0-py2.py3-none-any.whl", "packagetype": "bdist_wheel", "upload_time": "2020-11-11T19:05:56", "upload_time_iso_8601": "2020-11-11T19:05:56Z", "yanked": false, "yanked_reason": null}],
    "2.26.0": [{"filename": "requests-2.26.0-py2.py3-none-any.whl", "packagetype": "bdist_wheel", "upload_time": "2021-07-13T14:55:06", "upload_time_iso_8601": "2021-07-13T14:55:06Z", "yanked": false, "yanked_reason": null}],
    "2.27.0": [{"filename": "requests-2.27.0-py2.py3-none-any.whl", "packagetype": "bdist_wheel", "upload_time": "2022-01-03T15:09:26", "upload_time_iso_8601": "2022-01-03T15:09:26Z", "yanked": false, "yanked_reason": null}],
    "2.28.0": [{"filename": "requests-2.28.0-py3-none-any.whl", "packagetype": "bdist_wheel", "upload_time": "2022-06-09T14:44:12", "upload_time_iso_8601": "2022-06-09T14:44:12Z", "yanked": false, "yanked_reason": null}],
    "2.28.2": [{"filename": "requests-2.28.2-py3-none-any.whl", "packagetype": "bdist_wheel", "upload_time": "2023-01-12T16:24:52", "upload_time_iso_8601": "2023-01-12T16:24:52Z", "yanked": false, "yanked_reason": null}],
    "2.31.0": [{"filename": "requests-2.31.0-py3-none-any.whl", "packagetype": "bdist_wheel", "upload_time": "2023-05-22T15:12:42", "upload_time_iso_8601": "2023-05-22T15:12:42.313790Z", "yanked": false, "yanked_reason": null}],
    "2.32.0": [
      {"filename": "requests-2.32.0-py3-none-any.whl", "packagetype": "bdist_wheel", "upload_time": "2024-05-20T15:12:10", "upload_time_iso_8601": "2024-05-20T15:12:10.254951Z", "yanked": true, "yanked_reason": "Yanked due to conflicts with CVE-2024-35195 mitigation"},
      {"filename": "requests-2.32.0.tar.gz", "packagetype": "sdist", "upload_time": "2024-05-20T15:12:12", "upload_time_iso_8601": "2024-05-20T15:12:12.661286Z", "yanked": true, "yanked_reason": "Yanked due to conflicts with CVE-2024-35195 mitigation"}
    ],
    "2.32.3": [{"filename": "requests-2.32.3-py3-none-any.whl", "packagetype": "bdist_wheel", "upload_time": "2024-05-29T15:37:47", "upload_time_iso_8601": "2024-05-29T15:37:47.108415Z", "yanked": false, "yanked_reason": null}],
    "2.32.4": [{"filename": "requests-2.32.4-py3-none-any.whl", "packagetype": "bdist_wheel", "upload_time": "2025-06-09T16:43:05", "upload_time_iso_8601": "2025-06-09T16:43:05.728359Z", "yanked": false, "yanked_reason": null}],
    "2.32.5": [
      {"filename": "requests-2.32.5-py3-none-any.whl", "packagetype": "bdist_wheel", "upload_time": "2025-08-18T20:46:00", "upload_time_iso_8601": "2025-08-18T20:46:00.542304Z", "yanked": false, "yanked_reason": null},
      {"filename": "requests-2.32.5.tar.gz", "packagetype": "sdist", "upload_time": "2025-08-18T20:46:02", "upload_time_iso_8601": "2025-08-18T20:46:02.591920Z", "yanked": false, "yanked_reason": null}
    ]
  },
  "urls": [
    {"comment_text": "", "digests": {"blake2b_256": "1e", "md5": "00", "sha256": "2462f94637a34fd532264295e186976db0f5d453d1cdd31473c85a6a161affb6"}, "downloads": -1, "filename": "requests-2.32.5-py3-none-any.whl", "has_sig": false, "md5_digest": "00", "packagetype": "bdist_wheel", "python_version": "py3", "requires_python": ">=3.9", "size": 64738, "upload_time": "2025-08-18T20:46:00", "upload_time_iso_8601": "2025-08-18T20:46:00.542304Z", "url": "https://files.pythonhosted.org/packages/requests-2.32.5-py3-none-any.whl", "yanked": false, "yanked_reason": null},
    {"comment_text": "", "digests": {"blake2b_256": "c9", "md5": "00", "sha256": "dbba0bac56e100853db0ea71b82b4dfd5fe2bf6d3754a8893c3af500cec7d7cf"}, "downloads": -1, "filename": "requests-2.32.5.tar.gz", "has_sig": false, "md5_digest": "00", "packagetype": "sdist", "python_version": "source", "requires_python": ">=3.9", "size": 134517, "upload_time": "2025-08-18T20:46:02", "upload_time_iso_8601": "2025-08-18T20:46:02.591920Z", "url": "https://files.pythonhosted.org/packages/requests-2.32.5.tar.gz", "yanked": false, "yanked_reason": null}
  ],
  "vulnerabilities": []
}"##;

/// A throw-away upload: one 0.0.1 release five hours old, nothing filled in.
const DROPPER_JSON: &str = r##"{
  "info": {
    "author": "", "author_email": "dev@example.invalid", "classifiers": [], "description": "", "description_content_type": null,
    "home_page": "", "keywords": "", "license": null, "license_expression": null, "name": "fastjsonlogger",
    "project_urls": null, "requires_dist": ["requests"], "requires_python": null, "summary": "", "version": "0.0.1",
    "yanked": false, "yanked_reason": null
  },
  "releases": {
    "0.0.1": [{"filename": "fastjsonlogger-0.0.1.tar.gz", "packagetype": "sdist", "upload_time": "2026-11-25T07:00:00", "upload_time_iso_8601": "2026-11-25T07:00:00.000000Z", "yanked": false, "yanked_reason": null}]
  },
  "urls": [{"filename": "fastjsonlogger-0.0.1.tar.gz", "packagetype": "sdist", "size": 2301, "upload_time": "2026-11-25T07:00:00", "upload_time_iso_8601": "2026-11-25T07:00:00.000000Z", "yanked": false, "yanked_reason": null}],
  "vulnerabilities": []
}"##;

/// A project that announces its own end, last released in 2021.
const ABANDONED_JSON: &str = r##"{
  "info": {
    "classifiers": ["Development Status :: 5 - Production/Stable", "License :: OSI Approved :: MIT License", "Programming Language :: Python :: 3"],
    "description": "oldhttp\n=======\n\n.. image:: https://img.shields.io/pypi/v/oldhttp.svg\n   :target: https://pypi.org/project/oldhttp\n\n**This project is no longer maintained.** Please switch to httpx.\n\noldhttp is a small HTTP client.\n",
    "home_page": "https://github.com/example/oldhttp", "license": "MIT", "license_expression": null, "name": "oldhttp",
    "project_urls": {"Homepage": "https://github.com/example/oldhttp"}, "requires_dist": null,
    "summary": "DEPRECATED: use httpx instead", "version": "0.9.3", "yanked": false, "yanked_reason": null
  },
  "releases": {
    "0.1.0": [{"filename": "oldhttp-0.1.0.tar.gz", "upload_time": "2017-04-02T10:00:00", "upload_time_iso_8601": "2017-04-02T10:00:00Z", "yanked": false}],
    "0.9.0": [{"filename": "oldhttp-0.9.0.tar.gz", "upload_time": "2019-08-30T10:00:00", "upload_time_iso_8601": "2019-08-30T10:00:00Z", "yanked": false}],
    "0.9.3": [{"filename": "oldhttp-0.9.3.tar.gz", "upload_time": "2021-03-02T10:00:00", "upload_time_iso_8601": "2021-03-02T10:00:00Z", "yanked": false}]
  },
  "urls": [{"filename": "oldhttp-0.9.3.tar.gz", "upload_time": "2021-03-02T10:00:00", "upload_time_iso_8601": "2021-03-02T10:00:00Z", "yanked": false}],
  "vulnerabilities": []
}"##;

/// `/pypi/requests/2.31.0/json`: the per-version endpoint (no `releases`), with
/// advisories, one of them withdrawn.
const REQUESTS_2_31_JSON: &str = r##"{
  "info": {
    "classifiers": ["License :: OSI Approved :: Apache Software License"],
    "description": "# Requests\n\n**Requests** is a simple, yet elegant, HTTP library.\n",
    "home_page": "https://requests.readthedocs.io", "license": "Apache 2.0", "name": "requests",
    "project_urls": {"Documentation": "https://requests.readthedocs.io", "Source": "https://github.com/psf/requests"},
    "requires_dist": ["charset-normalizer<4,>=2", "idna<4,>=2.5", "urllib3<3,>=1.21.1", "certifi>=2017.4.17"],
    "summary": "Python HTTP for Humans.", "version": "2.31.0", "yanked": false, "yanked_reason": null
  },
  "urls": [{"filename": "requests-2.31.0-py3-none-any.whl", "packagetype": "bdist_wheel", "upload_time": "2023-05-22T15:12:42", "upload_time_iso_8601": "2023-05-22T15:12:42.313790Z", "yanked": false, "yanked_reason": null}],
  "vulnerabilities": [
    {"aliases": ["CVE-2024-35195"], "details": "When making requests through a Requests `Session`, if the first request is made with `verify=False` to disable cert verification, all subsequent requests to the same origin will continue to ignore cert verification regardless of changes to the value of `verify`.", "fixed_in": ["2.32.0"], "id": "GHSA-9wx4-h78v-vm56", "link": "https://osv.dev/vulnerability/GHSA-9wx4-h78v-vm56", "source": "osv", "summary": "Requests `Session` object does not verify requests after making first request with verify=False", "withdrawn": null},
    {"aliases": ["CVE-2024-47081"], "details": "Due to a URL parsing issue, Requests releases prior to 2.32.4 may leak .netrc credentials to third parties for specific maliciously-crafted URLs.", "fixed_in": ["2.32.4"], "id": "GHSA-9hjg-9r4m-mvj7", "link": "https://osv.dev/vulnerability/GHSA-9hjg-9r4m-mvj7", "source": "osv", "summary": null, "withdrawn": null},
    {"aliases": [], "details": "Withdrawn: not a vulnerability.", "fixed_in": [], "id": "PYSEC-2099-1", "link": "https://osv.dev/vulnerability/PYSEC-2099-1", "source": "osv", "summary": null, "withdrawn": "2024-01-01T00:00:00Z"}
  ]
}"##;

/// The healthy project: requests 2.32.5 as the JSON API describes it.
pub(super) fn healthy() -> RegistryFacts {
    from_json_api(&body(REQUESTS_JSON)).expect("requests fixture parses")
}

/// A documented, licensed project `younglib` whose first release (0.1.0) was `days`
/// ago and whose current release (0.2.0) came halfway since.
pub(super) fn project_born(days: i64) -> RegistryFacts {
    let mut f = healthy();
    f.name = "younglib".into();
    f.version = "0.2.0".into();
    f.popularity_rank = None;
    let first = now() - days * SECONDS_PER_DAY;
    let current = now() - days * SECONDS_PER_DAY / 2;
    f.releases = vec![
        ReleaseFact { version: "0.1.0".into(), first_upload: Some(first), yanked: false },
        ReleaseFact { version: "0.2.0".into(), first_upload: Some(current), yanked: false },
    ];
    f.upload_time = Some(current);
    f
}

fn alerts(findings: &[Finding]) -> Vec<&'static str> {
    let mut ids: Vec<&'static str> = findings.iter().map(|f| f.alert.id()).collect();
    ids.sort_unstable();
    ids
}

#[test]
fn parses_the_project_endpoint() {
    let f = healthy();
    assert_eq!(f.name, "requests");
    assert_eq!(f.version, "2.32.5");
    assert_eq!(f.summary.as_deref(), Some("Python HTTP for Humans."));
    assert!(f.description.as_deref().is_some_and(|d| d.starts_with("# Requests") && d.ends_with("future release.\n")));
    assert_eq!(f.upload_time, parse_rfc3339("2025-08-18T20:46:00Z"));
    assert_eq!(f.releases.len(), 28);
    assert_eq!(f.releases.iter().find(|r| r.version == "0.3.0").map(|r| r.first_upload), Some(None));
    assert_eq!(f.releases.iter().filter(|r| r.yanked).map(|r| r.version.as_str()).collect::<Vec<_>>(), vec!["2.32.0"]);
    assert_eq!(f.project_urls.get("Source").map(String::as_str), Some("https://github.com/psf/requests"));
    assert_eq!(f.license.as_deref(), Some("Apache-2.0"));
    assert_eq!(f.license_expression, None);
    assert_eq!(f.requires_dist.len(), 6);
    assert_eq!(f.yanked, None);
    assert_eq!(f.popularity_rank, Some(7));
    assert_eq!(f.project_status, ProjectStatus::Active);
    assert!(f.vulnerabilities.is_empty());
    // Releases with files come in upload order.
    let dated: Vec<i64> = f.releases.iter().filter_map(|r| r.first_upload).collect();
    assert!(dated.windows(2).all(|w| w[0] <= w[1]));
}

#[test]
fn parses_the_version_endpoint_with_advisories() {
    let f = from_json_api(&body(REQUESTS_2_31_JSON)).expect("parses");
    assert_eq!(f.version, "2.31.0");
    assert!(f.releases.is_empty(), "the per-version endpoint has no history");
    assert_eq!(f.upload_time, parse_rfc3339("2023-05-22T15:12:42Z"));
    assert_eq!(f.vulnerabilities.len(), 2, "withdrawn advisory dropped");
    assert_eq!(f.vulnerabilities[1].summary.as_deref(), Some("Due to a URL parsing issue, Requests releases prior to 2.32.4 may leak .netrc credentials to third parties for specific maliciously-crafted URLs."));
    assert_eq!(f.vulnerabilities[0].aliases, vec!["CVE-2024-35195".to_string()]);
}

#[test]
fn yanked_info_and_yanked_files_are_read() {
    let mut v = body(REQUESTS_JSON);
    v["info"]["yanked"] = Value::Bool(true);
    v["info"]["yanked_reason"] = Value::String("broken wheel".into());
    assert_eq!(from_json_api(&v).expect("parses").yanked.as_deref(), Some("broken wheel"));
    let mut v = body(REQUESTS_JSON);
    for file in v["urls"].as_array_mut().expect("urls") {
        file["yanked"] = Value::Bool(true);
    }
    assert_eq!(from_json_api(&v).expect("parses").yanked.as_deref(), Some(""));
}

#[test]
fn malformed_bodies_are_typed_errors() {
    assert_eq!(from_json_api(&body("[]")), Err(JsonApiError::NotAnObject));
    assert_eq!(from_json_api(&body(r#"{"info": {"version": "1.0"}}"#)), Err(JsonApiError::MissingField("info.name")));
    assert_eq!(
        from_json_api(&body(r#"{"info": {"name": "x", "version": "1.0", "classifiers": "MIT"}}"#)),
        Err(JsonApiError::WrongType { field: "info.classifiers".into(), expected: "a list of strings".into() })
    );
    let err = from_json_api(&body(r#"{"info": {"name": "x", "version": "1.0"}, "urls": [{"upload_time_iso_8601": "yesterday"}]}"#));
    assert_eq!(err, Err(JsonApiError::BadTimestamp { field: "urls[0].upload_time".into(), value: "yesterday".into() }));
    assert!(err.unwrap_err().to_string().contains("unreadable timestamp"));
    // Nulls where PyPI writes them are fine.
    let f = from_json_api(&body(r#"{"info": {"name": "x", "version": "1.0", "summary": null, "project_urls": null, "requires_dist": null, "yanked_reason": null}, "releases": {"1.0": []}, "urls": [], "vulnerabilities": null}"#))
        .expect("parses");
    assert_eq!(f.releases, vec![ReleaseFact { version: "1.0".into(), first_upload: None, yanked: false }]);
    assert_eq!(f.upload_time, None);
}

#[test]
fn one_parse_serves_the_index_client_and_the_rules() {
    // The document the index client returns is the one the rules read: no second walk.
    let doc = crate::pypi_json::JsonProject::parse(
        br#"{"info": {"name": "demo", "version": "1.1", "summary": "  ", "license_expression": "MIT", "author": "A",
                 "project_urls": {"Source": " https://src.example/demo ", "Empty": ""}, "yanked": false},
           "last_serial": 7,
           "releases": {"1.0": [{"filename": "demo-1.0.tar.gz", "url": "https://f.example/demo-1.0.tar.gz", "packagetype": "sdist",
                                 "size": 5, "digests": {"sha256": "ab"}, "upload_time": "2020-01-01T00:00:00", "yanked": true}],
                        "1.1": [{"filename": "demo-1.1.tar.gz", "upload_time_iso_8601": "2021-01-01T00:00:00Z"}]},
           "urls": [{"filename": "demo-1.1.tar.gz", "upload_time_iso_8601": "2021-01-01T00:00:00Z", "digests": {"sha256": "cd"}}],
           "vulnerabilities": [{"id": "PYSEC-1", "aliases": ["CVE-1"], "details": "\n first line\nsecond", "fixed_in": ["1.2"], "withdrawn": null},
                               {"id": "PYSEC-2", "withdrawn": "2024-01-01T00:00:00Z"}]}"#,
    )
    .expect("parses");
    // What the index layer hands on: files with their digests, types, sizes; the serial.
    let f = &doc.releases["1.0"][0];
    assert_eq!((f.filename.as_str(), f.url.as_str()), ("demo-1.0.tar.gz", "https://f.example/demo-1.0.tar.gz"));
    assert_eq!((f.packagetype.as_deref(), f.size, f.digests.get("sha256").map(String::as_str)), (Some("sdist"), Some(5), Some("ab")));
    assert_eq!((doc.last_serial, doc.info.author.as_deref(), doc.urls[0].digests["sha256"].as_str()), (Some(7), Some("A"), "cd"));
    assert_eq!(doc.info.summary.as_deref(), Some("  "), "the parser keeps text as the index wrote it");
    assert_eq!(doc.vulnerabilities.len(), 2);
    // What the rules need, from the same document.
    let facts = RegistryFacts::from_json_api(&doc).expect("facts");
    assert_eq!((facts.name.as_str(), facts.version.as_str()), ("demo", "1.1"));
    assert_eq!(facts.summary, None, "blank is absent for the rules");
    assert_eq!(facts.license_expression.as_deref(), Some("MIT"));
    assert_eq!(facts.project_urls, BTreeMap::from([("Source".to_string(), "https://src.example/demo".to_string())]));
    assert_eq!(facts.upload_time, parse_rfc3339("2021-01-01T00:00:00Z"));
    assert_eq!(
        facts.releases,
        vec![
            ReleaseFact { version: "1.0".into(), first_upload: parse_rfc3339("2020-01-01T00:00:00Z"), yanked: true },
            ReleaseFact { version: "1.1".into(), first_upload: parse_rfc3339("2021-01-01T00:00:00Z"), yanked: false },
        ]
    );
    assert_eq!(facts.yanked, None);
    assert_eq!(facts.vulnerabilities.len(), 1, "the withdrawn advisory is dropped");
    assert_eq!(facts.vulnerabilities[0].summary.as_deref(), Some("first line"));
    assert_eq!(facts.vulnerabilities[0].fixed_in, vec!["1.2".to_string()]);
}

#[test]
fn healthy_project_raises_nothing() {
    let f = healthy();
    assert_eq!(alerts(&analyze(&f, &MetadataPolicy::default(), now())), Vec::<&str>::new());
    let strict = MetadataPolicy {
        min_release_age_days: 14,
        licenses_allowed: vec!["MIT".into(), "Apache-2.0".into(), "BSD-3-Clause".into()],
        licenses_denied: vec!["AGPL-3.0-only".into(), "GPL-3.0-only".into()],
        ..MetadataPolicy::default()
    };
    assert_eq!(alerts(&analyze(&f, &strict, now())), Vec::<&str>::new());
}

#[test]
fn dropper_shaped_upload_raises_the_young_and_empty_alerts() {
    let f = from_json_api(&body(DROPPER_JSON)).expect("parses");
    let found = analyze(&f, &MetadataPolicy::default(), now());
    assert_eq!(
        alerts(&found),
        vec!["few-releases", "license-missing", "limited-documentation", "release-too-new", "small-user-base", "very-new-project"]
    );
    assert!(found.iter().all(|x| x.file.is_empty()));
    // Most severe first.
    assert!(found.windows(2).all(|w| w[0].severity() >= w[1].severity()));
    let rendered: String = found.iter().map(|x| format!("{} [{}] {}\n    evidence: {}\n", x.alert, x.severity(), x.message, x.evidence)).collect();
    insta::assert_snapshot!(rendered);
}

#[test]
fn abandoned_project_raises_inactive_and_unmaintained() {
    let f = from_json_api(&body(ABANDONED_JSON)).expect("parses");
    let found = analyze(&f, &MetadataPolicy::default(), now());
    assert_eq!(alerts(&found), vec!["inactive-project", "small-user-base", "unmaintained"]);
    let inactive = found.iter().find(|x| x.alert == AlertId::InactiveProject).expect("inactive");
    assert_eq!(inactive.message, "oldhttp 0.9.3: the summary says the project is inactive: \"DEPRECATED: use httpx instead\"");
}

#[test]
fn vulnerable_pin_raises_known_vulnerability_and_nothing_about_history() {
    let f = from_json_api(&body(REQUESTS_2_31_JSON)).expect("parses");
    let found = analyze(&f, &MetadataPolicy::default(), now());
    assert_eq!(alerts(&found), vec!["known-vulnerability", "known-vulnerability"]);
    assert!(found[0].message.contains("GHSA-9wx4-h78v-vm56 (CVE-2024-35195)") && found[0].message.ends_with("upgrade to ≥ 2.32.0"));
    assert!(found[1].message.contains("GHSA-9hjg-9r4m-mvj7 (CVE-2024-47081)") && found[1].message.ends_with("upgrade to ≥ 2.32.4"));
}

/// Catalogue ⇔ rules: every metadata alert is raised by some crafted fixture, and no
/// rule raises an alert outside the metadata category.
#[test]
fn every_metadata_alert_fires_on_a_crafted_fixture() {
    let default = MetadataPolicy::default();
    let deny_agpl = MetadataPolicy { licenses_denied: vec!["AGPL-3.0-only".into()], ..MetadataPolicy::default() };
    let mut cases: Vec<(RegistryFacts, MetadataPolicy)> = vec![
        (from_json_api(&body(DROPPER_JSON)).expect("parses"), default.clone()),
        (from_json_api(&body(ABANDONED_JSON)).expect("parses"), default.clone()),
        (from_json_api(&body(REQUESTS_2_31_JSON)).expect("parses"), default.clone()),
        (project_born(100), default.clone()),
    ];
    for status in [ProjectStatus::Quarantined, ProjectStatus::Archived, ProjectStatus::Deprecated] {
        let mut f = healthy();
        f.project_status = status;
        cases.push((f, default.clone()));
    }
    let mut f = healthy();
    f.yanked = Some("compromised upload".into());
    cases.push((f, default.clone()));
    let mut f = healthy();
    f.license_expression = Some("AGPL-3.0-or-later".into());
    cases.push((f, deny_agpl));
    let mut f = healthy();
    f.license = Some("ACME Community License".into());
    f.classifiers.retain(|c| !c.starts_with("License ::"));
    cases.push((f, default.clone()));

    let mut fired: Vec<AlertId> = cases.iter().flat_map(|(f, p)| analyze(f, p, now())).map(|x| x.alert).collect();
    fired.sort();
    fired.dedup();
    assert!(fired.iter().all(|a| a.category() == Category::Metadata), "{fired:?}");
    let catalogue: Vec<AlertId> = AlertId::ALL.iter().copied().filter(|a| a.category() == Category::Metadata).collect();
    assert_eq!(fired, catalogue);
}

#[test]
fn history_summarises_the_timeline() {
    let h = history(&healthy(), now());
    assert_eq!(h.release_count, 28);
    assert_eq!(h.versions.len(), 27);
    let first = h.first_release.as_ref().expect("first");
    assert_eq!((first.version.as_str(), first.date.as_str()), ("0.2.0", "2011-02-14"));
    let latest = h.latest_release.as_ref().expect("latest");
    assert_eq!((latest.version.as_str(), latest.date.as_str()), ("2.32.5", "2025-08-18"));
    assert_eq!(h.releases_last_year, 0);
    assert!(h.versions.iter().any(|v| v.version == "2.32.0" && v.yanked));
    assert!(h.median_days_between_releases.is_some_and(|d| d > 100.0 && d < 400.0), "{:?}", h.median_days_between_releases);

    let mut f = RegistryFacts::new("x", "4");
    let day = |d: i64| now() - (400 - d) * SECONDS_PER_DAY;
    f.releases = [(0, "1"), (10, "2"), (30, "3"), (100, "4")]
        .iter()
        .map(|(d, v)| ReleaseFact { version: v.to_string(), first_upload: Some(day(*d)), yanked: false })
        .collect();
    let h = history(&f, now());
    assert_eq!(h.median_days_between_releases, Some(20.0));
    assert_eq!(h.releases_last_year, 1);
    assert_eq!(history(&RegistryFacts::new("x", "1"), now()).first_release, None);
}

#[test]
fn analysis_is_deterministic_and_uses_the_given_clock() {
    let f = from_json_api(&body(DROPPER_JSON)).expect("parses");
    let p = MetadataPolicy::default();
    assert_eq!(analyze(&f, &p, now()), analyze(&f, &p, now()));
    // A year later the same facts are no longer young, but still few and undocumented.
    let later = analyze(&f, &p, now() + 400 * SECONDS_PER_DAY);
    assert_eq!(alerts(&later), vec!["few-releases", "license-missing", "limited-documentation", "small-user-base"]);
}

#[test]
fn policy_reads_from_config_with_defaults() {
    let p: MetadataPolicy = serde_json::from_str(r#"{"min_release_age_days": 7, "licenses_denied": ["AGPL-3.0-only"]}"#).expect("parses");
    assert_eq!(p.min_release_age_days, 7);
    assert_eq!(p.new_project_days, 365);
    assert!(serde_json::from_str::<MetadataPolicy>(r#"{"min_release_age": 7}"#).is_err(), "unknown keys rejected");
}

#[test]
fn registry_text_is_quoted_safely() {
    let mut f = healthy();
    f.summary = Some("DEPRECATED\x1b[2J\u{202E}: use\n\n  evil instead".into());
    f.yanked = Some(format!("reason {}", "very long ".repeat(100)));
    let found = analyze(&f, &MetadataPolicy::default(), now());
    assert!(found.iter().all(|x| !x.message.chars().any(|c| c.is_control() || c == '\u{202E}')), "{found:#?}");
    let inactive = found.iter().find(|x| x.alert == AlertId::InactiveProject).expect("inactive");
    assert!(inactive.message.contains("DEPRECATED\\u{1b}[2J\\u{202e}: use evil instead"), "{}", inactive.message);
    let yanked = found.iter().find(|x| x.alert == AlertId::YankedRelease).expect("yanked");
    assert!(yanked.message.chars().count() < 300 && yanked.message.ends_with("…\""), "{}", yanked.message);
    assert_eq!(clip("  a\tb  ", 10), "a b");
    assert_eq!(clip("abcdef", 3), "abc…");
}

#[test]
fn huge_descriptions_stay_cheap() {
    let mut f = healthy();
    f.description = Some(format!("# big\n\n{}\n\n{}", "word ".repeat(400_000), "this package is deprecated ".repeat(50_000)));
    f.license = Some("x".repeat(1_000_000));
    // Bounded work: only the opening is read, and only part of each paragraph.
    let found = analyze(&f, &MetadataPolicy::default(), now());
    // The classifier still names the licence; "this package is deprecated this …" has
    // no acceptable continuation, and it is in the third paragraph anyway.
    assert_eq!(alerts(&found), Vec::<&str>::new());
}
