//! Talking to Python package indexes: the effective pip settings (`config`), credentials
//! (`netrc`, URL userinfo), the Simple API (PEP 503 HTML, PEP 691 JSON, with PEP 658/700/708/792
//! fields; `simple`), PyPI's JSON API (`json_api`), and a blocking HTTP client with retries,
//! custom CAs, size limits and hash verification (`client`).
//!
//! This module is an edge of the pipeline: it does network and file I/O, but never prints.
//! Every URL that can reach a message goes through [`redact`] first, and credentials are
//! never put into a URL handed to the HTTP library (they travel only in an `Authorization`
//! header to the host they belong to).

pub(crate) mod client;
pub(crate) mod config;
mod errors;
pub mod json_api;
pub(crate) mod netrc;
pub mod simple;
mod url_parts;

#[cfg(test)]
pub(crate) mod tests;

pub use client::{Downloaded, IndexClient, PageAnswer, RawPage, Validators};
pub use config::{DiscoveryInputs, IndexSettings, PYPI_SIMPLE, SettingSource, discover};
pub use errors::IndexError;
pub use json_api::JsonProject;
pub use simple::{CoreMetadata, FileEntry, ProjectPage, ProjectStatus, normalize_name, version_from_filename};
pub use crate::redact::redact;
pub(crate) use url_parts::{is_loopback_host, percent_decode};
