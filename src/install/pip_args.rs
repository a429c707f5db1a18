//! Splitting `pip install` arguments the way pip's own (optparse) parser reads them, so
//! the wrapper knows which tokens are index options (removed: the proxy serves the
//! indexes), which name requirements files (rewritten), and which are requirements.
//!
//! optparse details that matter for safety: long options may be abbreviated to any
//! unique prefix (`--extra-index` is `--extra-index-url`), `--opt=value` and `--opt value`
//! are the same, short options cluster (`-Ui URL` is `-U -i URL`) and take their value
//! from the rest of the token (`-ihttp://…`). Everything after `--` is positional.
//! Whatever slips through here is caught later: the pip child re-parses the final
//! arguments with pip's own parser and refuses to run when an index is not the proxy.

/// What an option means to the wrapper.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OptKind {
    IndexUrl,
    ExtraIndexUrl,
    FindLinks,
    NoIndex,
    Requirement,
    Constraint,
    BuildConstraint,
    Editable,
    RequirementsFromScript,
    /// pip's `--proxy`: removed, pip only talks to the loopback proxy.
    Proxy,
    /// pip's `--python`: safe-pip's own `--python` (the target interpreter).
    Python,
    Quiet,
    /// Any other option that takes a value.
    OtherValue,
    /// Any other flag.
    OtherFlag,
}

/// One pip option: canonical long name, short name, whether it takes a value, its kind.
struct OptSpec {
    long: &'static [&'static str],
    short: Option<char>,
    kind: OptKind,
}

const fn v(long: &'static [&'static str], short: Option<char>, kind: OptKind) -> OptSpec {
    OptSpec { long, short, kind }
}

/// `pip install` options (command and general), as pip 26's parser lists them. A newer
/// pip may add options; an unknown `--opt value` is then read as a flag followed by a
/// positional, which the pip-side check still catches if it was an index option.
const INSTALL_OPTIONS: &[OptSpec] = {
    use OptKind::*;
    &[
        v(&["--requirement"], Some('r'), Requirement),
        v(&["--constraint"], Some('c'), Constraint),
        v(&["--build-constraint"], None, BuildConstraint),
        v(&["--requirements-from-script"], None, RequirementsFromScript),
        v(&["--no-deps", "--no-dependencies"], None, OtherFlag),
        v(&["--only-deps", "--only-dependencies"], None, OtherFlag),
        v(&["--editable"], Some('e'), Editable),
        v(&["--dry-run"], None, OtherFlag),
        v(&["--target"], Some('t'), OtherValue),
        v(&["--platform"], None, OtherValue),
        v(&["--python-version"], None, OtherValue),
        v(&["--implementation"], None, OtherValue),
        v(&["--abi"], None, OtherValue),
        v(&["--user"], None, OtherFlag),
        v(&["--no-user"], None, OtherFlag),
        v(&["--root"], None, OtherValue),
        v(&["--prefix"], None, OtherValue),
        v(&["--src", "--source", "--source-dir", "--source-directory"], None, OtherValue),
        v(&["--upgrade"], Some('U'), OtherFlag),
        v(&["--upgrade-strategy"], None, OtherValue),
        v(&["--force-reinstall"], None, OtherFlag),
        v(&["--ignore-installed"], Some('I'), OtherFlag),
        v(&["--ignore-requires-python"], None, OtherFlag),
        v(&["--no-build-isolation"], None, OtherFlag),
        v(&["--use-pep517"], None, OtherFlag),
        v(&["--check-build-dependencies"], None, OtherFlag),
        v(&["--break-system-packages"], None, OtherFlag),
        v(&["--config-settings"], Some('C'), OtherValue),
        v(&["--compile"], None, OtherFlag),
        v(&["--no-compile"], None, OtherFlag),
        v(&["--no-warn-script-location"], None, OtherFlag),
        v(&["--no-warn-conflicts"], None, OtherFlag),
        v(&["--require-hashes"], None, OtherFlag),
        v(&["--no-require-hashes"], None, OtherFlag),
        v(&["--progress-bar"], None, OtherValue),
        v(&["--root-user-action"], None, OtherValue),
        v(&["--report"], None, OtherValue),
        v(&["--group"], None, OtherValue),
        v(&["--no-clean"], None, OtherFlag),
        v(&["--pre"], None, OtherFlag),
        v(&["--all-releases"], None, OtherValue),
        v(&["--only-final"], None, OtherValue),
        v(&["--no-binary"], None, OtherValue),
        v(&["--only-binary"], None, OtherValue),
        v(&["--prefer-binary"], None, OtherFlag),
        v(&["--index-url", "--pypi-url"], Some('i'), IndexUrl),
        v(&["--extra-index-url"], None, ExtraIndexUrl),
        v(&["--no-index"], None, NoIndex),
        v(&["--refresh-package"], None, OtherValue),
        v(&["--find-links"], Some('f'), FindLinks),
        v(&["--uploaded-prior-to"], None, OtherValue),
        v(&["--help"], Some('h'), OtherFlag),
        v(&["--debug"], None, OtherFlag),
        v(&["--isolated"], None, OtherFlag),
        v(&["--require-virtualenv", "--require-venv"], None, OtherFlag),
        v(&["--python"], None, Python),
        v(&["--verbose"], Some('v'), OtherFlag),
        v(&["--quiet"], Some('q'), Quiet),
        v(&["--log", "--log-file", "--local-log"], None, OtherValue),
        v(&["--no-input"], None, OtherFlag),
        v(&["--keyring-provider"], None, OtherValue),
        v(&["--proxy"], None, Proxy),
        v(&["--no-proxy-env"], None, OtherFlag),
        v(&["--retries"], None, OtherValue),
        v(&["--timeout", "--default-timeout"], None, OtherValue),
        v(&["--exists-action"], None, OtherValue),
        v(&["--trusted-host"], None, OtherValue),
        v(&["--cert"], None, OtherValue),
        v(&["--client-cert"], None, OtherValue),
        v(&["--cache-dir"], None, OtherValue),
        v(&["--no-cache-dir"], None, OtherFlag),
        v(&["--disable-pip-version-check"], None, OtherFlag),
        v(&["--no-color"], None, OtherFlag),
        v(&["--no-python-version-warning"], None, OtherFlag),
        v(&["--use-feature"], None, OtherValue),
        v(&["--use-deprecated"], None, OtherValue),
        v(&["--resume-retries"], None, OtherValue),
    ]
};

/// Options allowed on a requirements-file line (pip's `SUPPORTED_OPTIONS` plus the
/// per-requirement `--hash` and `--config-settings`).
const REQFILE_OPTIONS: &[OptSpec] = {
    use OptKind::*;
    &[
        v(&["--index-url", "--pypi-url"], Some('i'), IndexUrl),
        v(&["--extra-index-url"], None, ExtraIndexUrl),
        v(&["--no-index"], None, NoIndex),
        v(&["--constraint"], Some('c'), Constraint),
        v(&["--requirement"], Some('r'), Requirement),
        v(&["--editable"], Some('e'), Editable),
        v(&["--find-links"], Some('f'), FindLinks),
        v(&["--no-binary"], None, OtherValue),
        v(&["--only-binary"], None, OtherValue),
        v(&["--prefer-binary"], None, OtherFlag),
        v(&["--require-hashes"], None, OtherFlag),
        v(&["--no-require-hashes"], None, OtherFlag),
        v(&["--pre"], None, OtherFlag),
        v(&["--all-releases"], None, OtherValue),
        v(&["--only-final"], None, OtherValue),
        v(&["--trusted-host"], None, OtherValue),
        v(&["--use-feature"], None, OtherValue),
        v(&["--hash"], None, OtherValue),
        v(&["--config-settings"], Some('C'), OtherValue),
    ]
};

/// Which option table applies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Table {
    /// `pip install` on the command line.
    Command,
    /// A line of a requirements file.
    RequirementsFile,
}

impl Table {
    fn specs(self) -> &'static [OptSpec] {
        match self {
            Table::Command => INSTALL_OPTIONS,
            Table::RequirementsFile => REQFILE_OPTIONS,
        }
    }
}

/// One parsed argument: an option with its value, or a positional argument.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Item {
    Opt {
        kind: OptKind,
        /// The canonical spelling (`--index-url`, `--upgrade`, …), or the token as written
        /// for an unknown option.
        name: String,
        value: Option<String>,
        /// The tokens as written, to hand them to pip unchanged. For a short-option cluster
        /// each option gets its own token (`-Ui URL` → `-U`, `-i URL`).
        raw: Vec<String>,
    },
    Positional(String),
}

impl Item {
    fn opt(kind: OptKind, name: &str, value: Option<String>, raw: Vec<String>) -> Item {
        Item::Opt { kind, name: name.to_string(), value, raw }
    }

    /// The tokens to hand to pip for this item unchanged.
    pub fn tokens(&self) -> Vec<String> {
        match self {
            Item::Opt { raw, .. } => raw.clone(),
            Item::Positional(p) => vec![p.clone()],
        }
    }
}

/// A token pip's parser would refuse (missing value, ambiguous abbreviation).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ArgError(pub String);

/// optparse's `_match_abbrev`: the exact option, else the only one starting with `s`.
fn match_long(table: Table, s: &str) -> Result<Option<(&'static OptSpec, &'static str)>, ArgError> {
    if s == "--" {
        return Ok(None);
    }
    let specs = table.specs();
    for spec in specs {
        if let Some(l) = spec.long.iter().find(|l| **l == s) {
            return Ok(Some((spec, l)));
        }
    }
    let hits: Vec<(&OptSpec, &str)> =
        specs.iter().flat_map(|sp| sp.long.iter().filter(|l| l.starts_with(s)).map(move |l| (sp, *l))).collect();
    match hits.as_slice() {
        [] => Ok(None),
        [one] => Ok(Some(*one)),
        many => {
            // Aliases of one option are not ambiguous.
            if many.iter().all(|(sp, _)| std::ptr::eq(*sp, many[0].0)) {
                Ok(Some(many[0]))
            } else {
                let names: Vec<&str> = many.iter().map(|(_, l)| *l).collect();
                Err(ArgError(format!("option {s} is ambiguous ({})", names.join(", "))))
            }
        }
    }
}

fn takes_value(kind: OptKind) -> bool {
    !matches!(kind, OptKind::NoIndex | OptKind::Quiet | OptKind::OtherFlag)
}

/// Parses `args` as pip's parser would for `table`. Unknown options are kept as flags.
pub fn parse(args: &[String], table: Table) -> Result<Vec<Item>, ArgError> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < args.len() {
        let token = &args[i];
        i += 1;
        if token == "--" {
            out.extend(args[i..].iter().cloned().map(Item::Positional));
            break;
        }
        if let Some(rest) = token.strip_prefix("--") {
            let (name, inline) = match rest.split_once('=') {
                Some((n, v)) => (format!("--{n}"), Some(v.to_string())),
                None => (token.clone(), None),
            };
            let Some((spec, _)) = match_long(table, &name)? else {
                out.push(Item::opt(OptKind::OtherFlag, token, None, vec![token.clone()]));
                continue;
            };
            let canonical = spec.long[0];
            if !takes_value(spec.kind) {
                if inline.is_some() {
                    return Err(ArgError(format!("{canonical} option does not take a value")));
                }
                out.push(Item::opt(spec.kind, canonical, None, vec![token.clone()]));
                continue;
            }
            let (value, raw) = match inline {
                Some(v) => (v, vec![token.clone()]),
                None => {
                    let v = args.get(i).cloned().ok_or_else(|| ArgError(format!("{canonical} option requires an argument")))?;
                    i += 1;
                    (v.clone(), vec![token.clone(), v])
                }
            };
            out.push(Item::opt(spec.kind, canonical, Some(value), raw));
        } else if token.len() > 1 && token.starts_with('-') {
            // A short-option cluster.
            let chars: Vec<char> = token[1..].chars().collect();
            let mut j = 0;
            while j < chars.len() {
                let c = chars[j];
                j += 1;
                let Some(spec) = table.specs().iter().find(|s| s.short == Some(c)) else {
                    out.push(Item::opt(OptKind::OtherFlag, &format!("-{c}"), None, vec![format!("-{c}")]));
                    continue;
                };
                let short = format!("-{c}");
                if !takes_value(spec.kind) {
                    out.push(Item::opt(spec.kind, spec.long[0], None, vec![short]));
                    continue;
                }
                let rest: String = chars[j..].iter().collect();
                let (value, raw) = if !rest.is_empty() {
                    (rest.clone(), vec![format!("{short}{rest}")])
                } else {
                    let v = args.get(i).cloned().ok_or_else(|| ArgError(format!("{short} option requires an argument")))?;
                    i += 1;
                    (v.clone(), vec![short, v])
                };
                out.push(Item::opt(spec.kind, spec.long[0], Some(value), raw));
                break;
            }
        } else {
            out.push(Item::Positional(token.clone()));
        }
    }
    Ok(out)
}

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
pub struct OwnOptions {
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
pub fn take_own_options(args: &[String]) -> Result<(OwnOptions, Vec<String>), ArgError> {
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
