//! safe-pip: keeps malicious and risky Python packages off a machine by analysing every
//! distribution file statically before it is installed.
//!
//! Data flows one way: `cli` → `pipeline` → `artifact` + `analysis` → `score` + `policy`
//! → `report`.

pub mod action;
pub mod alerts;
pub mod audit;
pub mod analysis;
pub mod artifact;
pub mod check;
pub mod cli;
pub mod db;
pub mod error;
pub mod exit;
pub mod finding;
pub mod gateway;
pub mod gate;
pub mod hex;
pub mod html;
pub mod index;
pub mod install;
pub mod interrupt;
pub mod line_index;
pub mod lockfile;
pub mod pep503;
pub mod pep508;
pub mod pip_options;
pub mod pipeline;
pub mod policy;
pub mod proxy;
pub mod pypi_report;
mod requirements_txt;
pub mod report;
pub mod review;
pub mod score;
pub mod timings;
pub mod service;
pub mod store;
pub mod vet;

#[cfg(test)]
mod test_fixtures;

#[cfg(feature = "python")]
mod python_module;
