//! The detectors: one file per rule, each reading the [`Model`] of a file (or, for
//! `build_config` and `pth`, the raw text) and pushing findings. A detector imports the
//! front-end (`model`, `names`, `labels`, `decode`, `shellcmd`) and the shared helpers in
//! [`super::evidence`], never another detector. [`run_detectors`] runs them in order.

mod build_config;
mod builtins_indirection;
mod decode_exec;
mod download_exec;
mod dynamic_code;
mod env_harvest;
mod exfiltration;
mod fallback;
mod foreign_code;
mod hidden_import;
mod high_entropy;
mod import_time;
mod install_time;
pub(super) mod minified;
mod network;
mod obfuscated_payload;
mod packed_code;
mod persistence;
pub(super) mod pth;
mod reverse_shell;
mod sensitive_files;
mod shell;
pub(super) mod shipped_script;
mod tamper;
mod traffic_interception;
mod webhook;

pub use build_config::analyze_build_config;

use super::model::{self, Model};
use crate::alerts::AlertId;
use crate::finding::{ExecContext, Finding};

/// Decoded payloads are rescanned up to this depth.
const MAX_DEPTH: u32 = 3;

/// Runs every detector over a model; `depth` > 0 for rescanned decoded payloads.
pub(super) fn run_detectors(m: &Model, depth: u32) -> Vec<Finding> {
    crate::timings::time(crate::timings::Phase::Rules, || detectors(m, depth))
}

fn detectors(m: &Model, depth: u32) -> Vec<Finding> {
    let mut out = Vec::new();
    if let Some(nesting) = m.too_deep {
        // the model is empty or partial: the token-level fallback still reads the lines
        too_deep(m, nesting, depth, &mut out);
        fallback::check(m, &mut out);
    }
    install_time::check(m, &mut out);
    import_time::check(m, &mut out);
    network::check(m, &mut out);
    webhook::check(m, &mut out);
    shell::check(m, &mut out);
    sensitive_files::check(m, &mut out);
    env_harvest::check(m, &mut out);
    persistence::check(m, &mut out);
    tamper::check(m, &mut out);
    traffic_interception::check(m, &mut out);
    packed_code::check(m, &mut out);
    foreign_code::check(m, &mut out);
    builtins_indirection::check(m, &mut out);
    hidden_import::check(m, &mut out);
    dynamic_code::check(m, &mut out);
    high_entropy::check(m, &mut out);
    if depth == 0 {
        minified::check(m, &mut out);
    }
    decode_exec::check(m, &mut out);
    download_exec::check(m, &mut out);
    exfiltration::check(m, &mut out);
    reverse_shell::check(m, &mut out);
    if depth < MAX_DEPTH {
        obfuscated_payload::check(m, depth, analyze_decoded, &mut out);
    }
    if m.parse_errors > 0 && m.too_deep.is_none() {
        fallback::check(m, &mut out);
    }
    out
}

/// `analysis-limit-exceeded`: the file (or a payload decoded from it) nests deeper than
/// the analysis goes. Fail closed.
fn too_deep(m: &Model, nesting: usize, depth: u32, out: &mut Vec<Finding>) {
    let what = if depth > 0 { "code decoded from this file" } else { "the file" };
    let message = format!(
        "{what} nests too deeply to analyse (nesting of about {nesting} levels; the analysis stops at {}): not analysed, so not vetted",
        crate::analysis::python::depth::MAX_NESTING
    );
    out.push(Finding::new(AlertId::AnalysisLimitExceeded, m.path, message).in_context(m.scope(0).ctx));
}

/// Analyses decoded source as if it stood where the literal was (same file, role and
/// context); used by the obfuscation detectors to rescan payloads.
fn analyze_decoded(m: &Model, source: &str, ctx: ExecContext, depth: u32) -> Vec<Finding> {
    let inner = model::build(m.path, source, m.role, ctx);
    run_detectors(&inner, depth)
}
