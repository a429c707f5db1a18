//! Runs the typosquat detector on many names at once, for bench/eval_typosquat.py.
//! Reads one name per line (from FILE, or stdin when FILE is `-` or absent) and prints
//! one tab-separated line per name: `name<TAB>target<TAB>rank<TAB>reason`, with empty
//! target/rank/reason when the name is not flagged. The same function `vet`, `install`
//! and the Python module call; nothing about the input is known to it.
//!
//! With `--as-new`, each name is checked as if it were not in the bundled top list,
//! against the more popular projects only (`check_typosquat_as_new`): how many
//! legitimate popular names the rules would report, the precision check.
//!
//! usage: cargo run --example typosquat_batch -- [--as-new] [FILE]

use safe_pip::analysis::names::{check_typosquat, check_typosquat_as_new};
use std::io::{BufRead, Write};

fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let as_new = args.iter().any(|a| a == "--as-new");
    args.retain(|a| a != "--as-new");
    let check = if as_new { check_typosquat_as_new } else { check_typosquat };
    let path = args.first().cloned().unwrap_or_else(|| "-".into());
    let input: Box<dyn BufRead> = if path == "-" {
        Box::new(std::io::stdin().lock())
    } else {
        Box::new(std::io::BufReader::new(std::fs::File::open(&path).unwrap_or_else(|e| panic!("{path}: {e}"))))
    };
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    for line in input.lines() {
        let name = line.expect("read a line");
        let name = name.trim();
        if name.is_empty() || name.starts_with('#') {
            continue;
        }
        match check(name) {
            Some(s) => writeln!(out, "{name}\t{}\t{}\t{}", s.target, s.target_rank, s.reason),
            None => writeln!(out, "{name}\t\t\t"),
        }
        .expect("write");
    }
}
