//! `pip install` arguments as the wrapper needs them, read with pip's option table
//! (`crate::pip_options`): which tokens are index options (removed: the proxy serves the
//! indexes), which name requirements files (rewritten), which are requirements, and
//! safe-pip's own options among them. Whatever slips through here is caught later: the
//! pip child re-parses the final arguments with pip's own parser and refuses to run when
//! an index is not the proxy.

pub(crate) use crate::pip_options::{ArgError, Item, OptKind, Table, parse};
use crate::pip_options::{INSTALL_OPTIONS, match_long, takes_value};

/// For one option token of `pip install`: whether it is (or its cluster holds) `-q`, and
/// whether its value is the next token.
fn scan_option_token(token: &str) -> (bool, bool) {
    if token.starts_with("--") {
        if token.contains('=') {
            return (false, false);
        }
        return match match_long(Table::Command, token) {
            Ok(Some((spec, _))) => (spec.kind == OptKind::Quiet, takes_value(spec.kind)),
            _ => (false, false),
        };
    }
    let chars: Vec<char> = token[1..].chars().collect();
    let mut quiet = false;
    for (j, c) in chars.iter().enumerate() {
        match INSTALL_OPTIONS.iter().find(|s| s.short == Some(*c)) {
            Some(spec) if takes_value(spec.kind) => return (quiet, j + 1 == chars.len()),
            Some(spec) => quiet |= spec.kind == OptKind::Quiet,
            None => {}
        }
    }
    (quiet, false)
}

/// safe-pip's own options that may also appear among pip's arguments (after the first
/// requirement, where clap no longer looks): only exact long spellings, never
/// abbreviations, so nothing of pip's is taken by mistake.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct OwnOptions {
    pub format: Option<String>,
    pub db: Option<String>,
    pub python: Option<String>,
    pub allow_unverified: bool,
    pub no_db: bool,
    pub min_release_age: Option<String>,
    pub internal: Vec<String>,
    pub quiet: bool,
}

const OWN_VALUED: &[&str] = &["--format", "--db", "--min-release-age", "--internal"];

/// safe-pip's own long options, as `safe-pip install --help` lists them.
const OWN_OPTIONS: &[&str] = &["--python", "--format", "--db", "--no-db", "--allow-unverified", "--min-release-age", "--internal", "--quiet"];

/// The known long option (safe-pip's or pip's) an unknown `--option` was most likely
/// meant to be: at most two edits away (one for short names), else none.
fn near_miss_option(unknown: &str) -> Option<&'static str> {
    let word = unknown.trim_start_matches('-');
    let pip_names = INSTALL_OPTIONS.iter().flat_map(|spec| spec.long.iter().copied());
    OWN_OPTIONS
        .iter()
        .copied()
        .chain(pip_names)
        .map(|known| (strsim::damerau_levenshtein(word, known.trim_start_matches('-')), known))
        .filter(|(distance, known)| *distance <= if known.len() <= 6 { 1 } else { 2 })
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, known)| known)
}

/// Takes safe-pip's own options out of `args` (stopping at `--`); returns them and the rest.
/// `--python` is pip's option too and means the same, so it is taken wherever it is.
/// `-q/--quiet` is noticed and left for pip.
pub(crate) fn take_own_options(args: &[String]) -> Result<(OwnOptions, Vec<String>), ArgError> {
    let mut own = OwnOptions::default();
    let mut rest = Vec::new();
    let mut i = 0;
    while i < args.len() {
        let token = &args[i];
        i += 1;
        if token == "--" {
            rest.extend(args[i - 1..].iter().cloned());
            break;
        }
        let (name, inline) = match token.split_once('=') {
            Some((n, v)) if n.starts_with("--") => (n.to_string(), Some(v.to_string())),
            _ => (token.clone(), None),
        };
        if name == "--allow-unverified" {
            own.allow_unverified = true;
            continue;
        }
        if name == "--no-db" {
            own.no_db = true;
            continue;
        }
        if OWN_VALUED.contains(&name.as_str()) || name == "--python" {
            let value = match inline {
                Some(v) => v,
                None => {
                    let v = args.get(i).cloned().ok_or_else(|| ArgError(format!("{name} needs a value")))?;
                    i += 1;
                    v
                }
            };
            match name.as_str() {
                "--format" => own.format = Some(value),
                "--db" => own.db = Some(value),
                "--python" => own.python = Some(value),
                "--min-release-age" => own.min_release_age = Some(value),
                _ => own.internal.extend(value.split(',').map(str::to_string)),
            }
            continue;
        }
        if name.starts_with("--") && name.len() > 2 && matches!(match_long(Table::Command, &name), Ok(None)) {
            // Neither ours nor pip's: a near-miss of a known option is a typo, and taking
            // it as a flag would turn its value into a requirement (`--formt json` would
            // install `json`). Anything else may be a newer pip's option: pip decides.
            if let Some(known) = near_miss_option(&name) {
                return Err(ArgError(format!("no such option: {name} (did you mean {known}?)")));
            }
        }
        // A pip option that takes a value: its value is not ours to look at.
        if token.starts_with('-') && token != "-" {
            let (quiet, needs_next) = scan_option_token(token);
            own.quiet |= quiet;
            rest.push(token.clone());
            if needs_next && let Some(next) = args.get(i) {
                rest.push(next.clone());
                i += 1;
            }
            continue;
        }
        rest.push(token.clone());
    }
    Ok((own, rest))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    fn kinds(items: &[Item]) -> Vec<(OptKind, Option<String>)> {
        items
            .iter()
            .filter_map(|i| match i {
                Item::Opt { kind, value, .. } => Some((*kind, value.clone())),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn long_short_inline_and_abbreviated() {
        let items = parse(
            &s(&["-Uihttp://a/", "--extra-index", "http://b/", "--find-links=./w", "--pypi-url", "http://c/", "req", "-r", "x.txt"]),
            Table::Command,
        )
        .unwrap();
        assert_eq!(
            kinds(&items),
            vec![
                (OptKind::OtherFlag, None),
                (OptKind::IndexUrl, Some("http://a/".into())),
                (OptKind::ExtraIndexUrl, Some("http://b/".into())),
                (OptKind::FindLinks, Some("./w".into())),
                (OptKind::IndexUrl, Some("http://c/".into())),
                (OptKind::Requirement, Some("x.txt".into())),
            ]
        );
        assert!(items.contains(&Item::Positional("req".into())));
        // Each option of a cluster keeps its own tokens.
        assert_eq!(items[0].tokens(), vec!["-U"]);
        assert_eq!(items[1].tokens(), vec!["-ihttp://a/"]);
    }

    #[test]
    fn values_are_not_positionals_and_double_dash_ends_options() {
        let items = parse(&s(&["--target", "-i", "--", "-e", "x"]), Table::Command).unwrap();
        assert_eq!(kinds(&items), vec![(OptKind::OtherValue, Some("-i".into()))]);
        assert_eq!(items[1..], [Item::Positional("-e".into()), Item::Positional("x".into())]);
    }

    #[test]
    fn ambiguous_and_missing_values_are_errors() {
        assert!(parse(&s(&["--no-"]), Table::Command).unwrap_err().0.contains("ambiguous"));
        assert!(parse(&s(&["-i"]), Table::Command).unwrap_err().0.contains("requires an argument"));
        // Aliases of one option are one option.
        assert_eq!(kinds(&parse(&s(&["--no-dep"]), Table::Command).unwrap()), vec![(OptKind::OtherFlag, None)]);
        // --hash is a requirements-file option only.
        assert_eq!(kinds(&parse(&s(&["--ha=sha256:00"]), Table::RequirementsFile).unwrap()).len(), 1);
    }

    #[test]
    fn a_near_miss_of_a_known_option_is_refused_with_the_option_meant() {
        let err = take_own_options(&s(&["--formt", "json", "six"])).unwrap_err();
        assert_eq!(err.0, "no such option: --formt (did you mean --format?)");
        let err = take_own_options(&s(&["six", "--upgarde"])).unwrap_err();
        assert!(err.0.contains("did you mean --upgrade?"), "{}", err.0);
        let err = take_own_options(&s(&["--formt=json", "six"])).unwrap_err();
        assert!(err.0.contains("--format"), "{}", err.0);
        // An option unlike any known one may belong to a newer pip: pip decides.
        let (_, rest) = take_own_options(&s(&["--some-future-flag", "six"])).unwrap();
        assert_eq!(rest, s(&["--some-future-flag", "six"]));
        // Abbreviations pip accepts are not typos.
        let (_, rest) = take_own_options(&s(&["--upgr", "six"])).unwrap();
        assert_eq!(rest, s(&["--upgr", "six"]));
    }

    #[test]
    fn own_options_are_taken_from_anywhere_before_double_dash() {
        let (own, rest) = take_own_options(&s(&[
            "requests",
            "--format",
            "json",
            "--target",
            "--db",
            "-q",
            "--allow-unverified",
            "--python=/x/python",
            "--internal",
            "a-*,b",
            "--",
            "--db",
        ]))
        .unwrap();
        assert_eq!(own.format.as_deref(), Some("json"));
        // `--db` here is the value of pip's --target.
        assert_eq!(own.db, None);
        assert!(own.quiet && own.allow_unverified);
        assert_eq!(own.python.as_deref(), Some("/x/python"));
        assert_eq!(own.internal, vec!["a-*", "b"]);
        assert_eq!(rest, s(&["requests", "--target", "--db", "-q", "--", "--db"]));
    }
}
