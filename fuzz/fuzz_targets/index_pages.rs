//! The Simple API parsers (PEP 503 HTML, PEP 691 JSON) and PyPI's JSON API.
#![no_main]
use libfuzzer_sys::fuzz_target;
use safe_pip::pypi_json::JsonProject;
use safe_pip::index::simple::{parse_html, parse_json};

fuzz_target!(|data: &[u8]| {
    let url = url::Url::parse("https://index.example/simple/demo/").expect("valid");
    let _ = parse_json(data, &url);
    let _ = JsonProject::parse(data);
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = parse_html(text, &url, "demo");
    }
});
