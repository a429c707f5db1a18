//! The PyO3 extension `safe_pip._core`: the CLI and the scanner for the Python front.
//! Keep this thin; everything real lives in the Rust modules.

use crate::error::Error;
use pyo3::prelude::*;
use std::path::PathBuf;

pyo3::create_exception!(
    _core,
    SafePipError,
    pyo3::exceptions::PyRuntimeError,
    "A safe-pip error: `.message` says what went wrong, `.hint` what to do about it."
);

/// `error` raised as `SafePipError` (as `PathNotFoundError`, also a `FileNotFoundError`,
/// when `not_found`), with `.message` and `.hint`; its text is `message (hint: remedy)`.
fn raise(py: Python<'_>, error: &Error, not_found: bool) -> PyErr {
    let made = || -> PyResult<PyErr> {
        let class = match not_found {
            true => py.import("safe_pip._core")?.getattr("PathNotFoundError")?,
            false => py.get_type::<SafePipError>().into_any(),
        };
        let value = class.call1((error.to_string(),))?;
        let problems = error.problems();
        value.setattr("message", problems.iter().map(|p| p.message.as_str()).collect::<Vec<_>>().join("\n"))?;
        let mut hints: Vec<&str> = Vec::new();
        for p in problems.iter().filter(|p| !p.hint.is_empty()) {
            if !hints.contains(&p.hint.as_str()) {
                hints.push(&p.hint);
            }
        }
        value.setattr("hint", hints.join("; "))?;
        Ok(PyErr::from_value(value))
    };
    made().unwrap_or_else(|e| e)
}

/// Runs the command line (argv[0] is the program name); returns the exit code.
/// The GIL is released while the scan runs, so other Python threads keep going.
#[pyfunction]
fn run_cli(py: Python<'_>, argv: Vec<String>) -> i32 {
    // `safe-pip install` installs into this interpreter when no virtualenv is active.
    if let Ok(exe) = py.import("sys").and_then(|s| s.getattr("executable")).and_then(|e| e.extract::<String>()) {
        if !exe.is_empty() {
            crate::install::interpreter::set_front_python(exe.into());
        }
    }
    py.detach(|| crate::cli::run(argv))
}

/// Scans files or directories as `safe-pip scan` does — verdict DB first, the settings of
/// the project in the current directory — and returns the JSON report (schema in
/// docs/json-report.md). Missing paths raise PathNotFoundError (a FileNotFoundError);
/// config or DB problems raise SafePipError (nothing is reported as allowed that was not
/// checked).
#[pyfunction]
fn scan_json(py: Python<'_>, paths: Vec<PathBuf>) -> PyResult<String> {
    // (error, whether a path was not found)
    let reports = py.detach(|| -> Result<Vec<crate::pipeline::PackageReport>, (Error, bool)> {
        let targets = crate::pipeline::collect_targets(&paths).map_err(|e| (e.into(), true))?;
        let dir = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
        let settings = crate::policy::Settings::load(&dir, &crate::policy::SettingsFlags::default()).map_err(|e| (e.into(), false))?;
        let opts = crate::pipeline::ScanOptions { policy: settings.policy, ..crate::pipeline::ScanOptions::default() };
        let gate = crate::gate::Gate::open(None, opts).map_err(|e| (e.into(), false))?;
        let judged = gate.judge_paths(&targets).map_err(|e| (e.into(), false))?;
        Ok(judged.into_iter().map(|j| j.report).collect())
    });
    let reports = reports.map_err(|(e, not_found)| raise(py, &e, not_found))?;
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
    d.set_item("exception", crate::alerts::exception_advice(a))?;
    Ok(Some(d.into_any().unbind()))
}

/// The gating proxy, started in-process (background threads) in front of `index_urls`.
/// Credentials in the URLs stay inside the proxy.
#[pyclass(module = "safe_pip._core")]
struct Proxy {
    running: std::sync::Mutex<Option<crate::proxy::RunningProxy>>,
    url: String,
    index_urls: Vec<String>,
}

#[pymethods]
impl Proxy {
    #[new]
    #[pyo3(signature = (index_urls, *, port = 0, db = None, project_dir = None))]
    fn new(py: Python<'_>, index_urls: Vec<String>, port: u16, db: Option<PathBuf>, project_dir: Option<PathBuf>) -> PyResult<Self> {
        let running = py.detach(|| -> Result<crate::proxy::RunningProxy, Error> {
            let settings = crate::proxy::settings_for(&index_urls)?;
            let gate = crate::install::guard::project_gate(db.as_deref(), project_dir.as_deref(), &settings, crate::install::guard::internal_from_env())?;
            let mut config = crate::proxy::ProxyConfig::new(settings, gate);
            config.bind.set_port(port);
            Ok(crate::proxy::start(config)?)
        });
        let running = running.map_err(|e| raise(py, &e, false))?;
        let index_urls = (0..running.upstreams().len()).map(|k| running.index_url(k)).collect();
        Ok(Proxy { url: running.url(), index_urls, running: std::sync::Mutex::new(Some(running)) })
    }

    /// `http://127.0.0.1:PORT`.
    #[getter]
    fn url(&self) -> String {
        self.url.clone()
    }

    /// The proxy's Simple API root for upstream `upstream` (0 = the first index URL).
    #[pyo3(signature = (upstream = 0))]
    fn index_url(&self, upstream: usize) -> PyResult<String> {
        self.index_urls.get(upstream).cloned().ok_or_else(|| {
            pyo3::exceptions::PyIndexError::new_err(format!("no upstream #{upstream}: the proxy has {}", self.index_urls.len()))
        })
    }

    /// Every file verdict so far, served or blocked, as dicts.
    fn events(&self, py: Python<'_>) -> PyResult<Vec<Py<PyAny>>> {
        let events = py.detach(|| self.running.lock().ok().and_then(|g| g.as_ref().map(|p| p.events())).unwrap_or_default());
        events.iter().map(|e| event_dict(py, e)).collect()
    }

    /// `NAME==VERSION` of the newest release older than the blocked `filename` whose
    /// matching file is not blocked (judging up to a few older files), or None.
    fn older_release(&self, py: Python<'_>, upstream: usize, project: &str, filename: &str) -> Option<String> {
        py.detach(|| self.running.lock().ok().and_then(|g| g.as_ref().and_then(|p| p.older_release(upstream, project, filename))))
    }

    /// Upstream problems so far (project pages that could not be read), one line each.
    fn problems(&self, py: Python<'_>) -> Vec<String> {
        py.detach(|| self.running.lock().ok().and_then(|g| g.as_ref().map(|p| p.problems())).unwrap_or_default())
    }

    /// Stops the proxy and frees its port; safe to call twice.
    fn stop(&self, py: Python<'_>) {
        let running = self.running.lock().ok().and_then(|mut g| g.take());
        if let Some(p) = running {
            py.detach(|| p.stop());
        }
    }

    fn __enter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    #[pyo3(signature = (*_args))]
    fn __exit__(&self, py: Python<'_>, _args: &Bound<'_, pyo3::types::PyTuple>) {
        self.stop(py);
    }
}

fn event_dict(py: Python<'_>, e: &crate::proxy::ProxyEvent) -> PyResult<Py<PyAny>> {
    let r = &e.report;
    let d = pyo3::types::PyDict::new(py);
    d.set_item("upstream", e.upstream)?;
    d.set_item("filename", &e.filename)?;
    d.set_item("project", &e.project)?;
    d.set_item("name", &r.name)?;
    d.set_item("version", &r.version)?;
    d.set_item("sha256", &e.sha256)?;
    d.set_item("verdict", r.decision.verdict.as_str())?;
    d.set_item("reason", r.decision.reason())?;
    d.set_item("basis", json_to_py(py, &r.decision.basis)?)?;
    d.set_item("risk", r.risk.score)?;
    d.set_item("level", r.risk.level.as_str())?;
    d.set_item("served", e.served)?;
    d.set_item("from_db", e.from_db)?;
    d.set_item("error", &r.error)?;
    let alerts = pyo3::types::PyList::empty(py);
    for f in &r.findings {
        let a = pyo3::types::PyDict::new(py);
        a.set_item("id", f.alert.id())?;
        a.set_item("severity", f.alert.severity().as_str())?;
        a.set_item("title", f.alert.info().title)?;
        a.set_item("message", &f.message)?;
        let location = match (f.file.is_empty(), f.line) {
            (true, _) => String::new(),
            (false, Some(l)) => format!("{}:{l}", f.file),
            (false, None) => f.file.clone(),
        };
        a.set_item("location", location)?;
        alerts.append(a)?;
    }
    d.set_item("alerts", alerts)?;
    Ok(d.into_any().unbind())
}

/// A serializable value as the Python object `json.loads` makes of it.
fn json_to_py(py: Python<'_>, value: &impl serde::Serialize) -> PyResult<Py<PyAny>> {
    let text = serde_json::to_string(value).map_err(|e| pyo3::exceptions::PyValueError::new_err(e.to_string()))?;
    Ok(py.import("json")?.call_method1("loads", (text,))?.unbind())
}

/// Typosquatting check of a project name against the bundled list of popular projects:
/// `{alert, severity, similar_to, message}` or None.
#[pyfunction]
fn check_name(py: Python<'_>, name: &str) -> PyResult<Option<Py<PyAny>>> {
    let Some(s) = py.detach(|| crate::analysis::names::check_typosquat(name)) else { return Ok(None) };
    let alert = crate::alerts::AlertId::Typosquat;
    let d = pyo3::types::PyDict::new(py);
    d.set_item("alert", alert.id())?;
    d.set_item("severity", alert.severity().as_str())?;
    d.set_item("similar_to", &s.target)?;
    d.set_item("message", s.message())?;
    Ok(Some(d.into_any().unbind()))
}

#[pymodule]
fn _core(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let _ = crate::pipeline::init_global_pool(None);
    let py = m.py();
    m.add("SafePipError", py.get_type::<SafePipError>())?;
    // A path that does not exist: a SafePipError that is also a FileNotFoundError.
    let attrs = pyo3::types::PyDict::new(py);
    attrs.set_item("__module__", "safe_pip._core")?;
    attrs.set_item("__doc__", "A path that does not exist: a SafePipError and a FileNotFoundError, with `.message` and `.hint`.")?;
    let bases = (py.get_type::<SafePipError>(), py.get_type::<pyo3::exceptions::PyFileNotFoundError>());
    let not_found = py.import("builtins")?.getattr("type")?.call1(("PathNotFoundError", bases, attrs))?;
    m.add("PathNotFoundError", not_found)?;
    m.add_class::<Proxy>()?;
    m.add_function(wrap_pyfunction!(check_name, m)?)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add_function(wrap_pyfunction!(run_cli, m)?)?;
    m.add_function(wrap_pyfunction!(scan_json, m)?)?;
    m.add_function(wrap_pyfunction!(explain, m)?)?;
    Ok(())
}
