//! The PyO3 extension `safe_pip._core`: the CLI and the scanner for the Python front.
//! Keep this thin; everything real lives in the Rust modules.

use pyo3::prelude::*;
use std::path::PathBuf;

/// Runs the command line (argv[0] is the program name); returns the exit code.
/// The GIL is released while the scan runs, so other Python threads keep going.
#[pyfunction]
fn run_cli(py: Python<'_>, argv: Vec<String>) -> i32 {
    py.detach(|| crate::cli::run(argv))
}

/// Scans files or directories and returns the JSON report (schema in docs/json-report.md).
#[pyfunction]
fn scan_json(py: Python<'_>, paths: Vec<PathBuf>) -> PyResult<String> {
    let reports = py
        .detach(|| crate::pipeline::scan(&paths, &crate::pipeline::ScanOptions::default()))
        .map_err(|e| pyo3::exceptions::PyFileNotFoundError::new_err(format!("{e} (hint: {})", e.hint())))?;
    Ok(crate::report::json::render(&reports))
}

/// The catalogue entry for an alert id as a dict, or None when the id is unknown.
#[pyfunction]
fn explain(py: Python<'_>, alert_id: &str) -> PyResult<Option<Py<PyAny>>> {
    let Some(a) = crate::alerts::AlertId::from_id(alert_id) else { return Ok(None) };
    let i = a.info();
    let d = pyo3::types::PyDict::new(py);
    d.set_item("id", i.id)?;
    d.set_item("severity", i.severity.as_str())?;
    d.set_item("category", i.category.as_str())?;
    d.set_item("title", i.title)?;
    d.set_item("explanation", i.explanation)?;
    d.set_item("remediation", i.remediation)?;
    Ok(Some(d.into_any().unbind()))
}

#[pymodule]
fn _core(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add_function(wrap_pyfunction!(run_cli, m)?)?;
    m.add_function(wrap_pyfunction!(scan_json, m)?)?;
    m.add_function(wrap_pyfunction!(explain, m)?)?;
    Ok(())
}
