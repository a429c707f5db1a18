//! The settings parser: `[tool.safe-pip]` of a pyproject.toml (policy, decisions, rules).
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = safe_pip::policy::parse_project_settings_text(text);
    }
});
