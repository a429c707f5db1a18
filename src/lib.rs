//! safe-pip: keeps malicious and risky Python packages off a machine by analysing every
//! distribution file statically before it is installed.
//!
//! Data flows one way: `cli` → `pipeline` → `artifact` + `analysis` → `score` + `policy`
//! → `report`.

pub mod action;
pub mod alerts;
pub(crate) mod audit;
pub mod analysis;
pub(crate) mod artifact;
pub(crate) mod check;
pub mod cli;
pub mod db;
pub(crate) mod error;
pub(crate) mod exit;
pub(crate) mod finding;
pub(crate) mod gateway;
pub(crate) mod gate;
pub mod hex;
pub mod html;
pub mod index;
pub(crate) mod install;
pub(crate) mod interrupt;
pub(crate) mod line_index;
pub(crate) mod memory;
pub mod lockfile;
pub(crate) mod pep503;
pub(crate) mod pep508;
pub(crate) mod pip_options;
pub mod pipeline;
pub mod policy;
pub(crate) mod proxy;
pub mod pypi_json;
pub(crate) mod pypi_report;
pub(crate) mod redact;
mod requirements_txt;
pub(crate) mod report;
pub(crate) mod review;
pub mod score;
pub(crate) mod timings;
pub mod service;
pub(crate) mod store;
pub(crate) mod vet;

#[cfg(test)]
mod test_fixtures;

#[cfg(feature = "python")]
mod python_module;
