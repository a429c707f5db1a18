//! pip's option table, read as pip's own (optparse) parser reads it: the one table of
//! `pip install` options and the one of requirements-file options, used by the install
//! wrapper (`install::pip_args`, `install::reqfile`), the lockfile reader
//! (`lockfile::requirements`) and pip-compatible index discovery (`index::config`).
//!
//! optparse details that matter: long options may be abbreviated to any unique prefix
//! (`--extra-index` is `--extra-index-url`, `--ex` is ambiguous), `--opt=value` and
//! `--opt value` are the same, short options cluster (`-Ui URL` is `-U -i URL`) and take
//! their value from the rest of the token (`-ihttp://…`). Everything after `--` is
//! positional.

/// What an option means to the wrapper.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum OptKind {
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
pub(crate) struct OptSpec {
    /// The canonical spelling first, then its aliases.
    pub(crate) long: &'static [&'static str],
    pub(crate) short: Option<char>,
    pub(crate) kind: OptKind,
}

const fn v(long: &'static [&'static str], short: Option<char>, kind: OptKind) -> OptSpec {
    OptSpec { long, short, kind }
}

/// `pip install` options (command and general), as pip 26's parser lists them. A newer
/// pip may add options; an unknown `--opt value` is then read as a flag followed by a
/// positional, which the pip-side check still catches if it was an index option.
pub(crate) const INSTALL_OPTIONS: &[OptSpec] = {
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
pub(crate) enum Table {
    /// `pip install` on the command line.
    Command,
    /// A line of a requirements file.
    RequirementsFile,
}

impl Table {
    pub(crate) fn specs(self) -> &'static [OptSpec] {
        match self {
            Table::Command => INSTALL_OPTIONS,
            Table::RequirementsFile => REQFILE_OPTIONS,
        }
    }
}

/// One parsed argument: an option with its value, or a positional argument.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Item {
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
    pub(crate) fn tokens(&self) -> Vec<String> {
        match self {
            Item::Opt { raw, .. } => raw.clone(),
            Item::Positional(p) => vec![p.clone()],
        }
    }
}

/// A token pip's parser would refuse (missing value, ambiguous abbreviation).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub(crate) struct ArgError(pub String);

/// optparse's `_match_abbrev`: the exact option, else the only one starting with `s`.
pub(crate) fn match_long(table: Table, s: &str) -> Result<Option<(&'static OptSpec, &'static str)>, ArgError> {
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

pub(crate) fn takes_value(kind: OptKind) -> bool {
    !matches!(kind, OptKind::NoIndex | OptKind::Quiet | OptKind::OtherFlag)
}

/// Parses `args` as pip's parser would for `table`. Unknown options are kept as flags.
pub(crate) fn parse(args: &[String], table: Table) -> Result<Vec<Item>, ArgError> {
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

#[cfg(test)]
mod tests {
    use super::{Item, OptKind, Table, parse};

    fn args(s: &str) -> Vec<String> {
        s.split_whitespace().map(str::to_string).collect()
    }

    /// (canonical name, value) of every option, as pip's parser would read them.
    fn opts(s: &str, table: Table) -> Vec<(String, Option<String>)> {
        parse(&args(s), table)
            .unwrap()
            .into_iter()
            .filter_map(|i| match i {
                Item::Opt { name, value, .. } => Some((name, value)),
                Item::Positional(_) => None,
            })
            .collect()
    }

    fn pair(name: &str, value: Option<&str>) -> (String, Option<String>) {
        (name.to_string(), value.map(str::to_string))
    }

    /// pip (optparse) resolves a unique prefix of a long option, as `pip install --index URL`
    /// does (checked with pip 23's `create_command("install").parse_args`).
    #[test]
    fn unique_prefixes_are_the_option_they_abbreviate() {
        for table in [Table::Command, Table::RequirementsFile] {
            assert_eq!(
                opts("--index http://a/ --extra-index=http://b/ --find-l ./w --no-ind", table),
                vec![
                    pair("--index-url", Some("http://a/")),
                    pair("--extra-index-url", Some("http://b/")),
                    pair("--find-links", Some("./w")),
                    pair("--no-index", None),
                ],
                "{table:?}"
            );
        }
        // aliases of one option are no ambiguity
        assert_eq!(opts("--default-time 5 --no-dep x", Table::Command), vec![pair("--timeout", Some("5")), pair("--no-deps", None)]);
    }

    #[test]
    fn an_ambiguous_prefix_is_refused_as_pip_refuses_it() {
        let e = parse(&args("--ex http://a/"), Table::Command).unwrap_err();
        assert_eq!(e.to_string(), "option --ex is ambiguous (--extra-index-url, --exists-action)");
        // the requirements-file table has no --exists-action: there it is unique
        assert_eq!(opts("--ex http://a/", Table::RequirementsFile), vec![pair("--extra-index-url", Some("http://a/"))]);
    }

    #[test]
    fn short_clusters_inline_values_and_missing_values() {
        assert_eq!(opts("-Uihttp://a/ -q", Table::Command), vec![pair("--upgrade", None), pair("--index-url", Some("http://a/")), pair("--quiet", None)]);
        assert_eq!(opts("-Ui http://a/", Table::Command), vec![pair("--upgrade", None), pair("--index-url", Some("http://a/"))]);
        assert_eq!(parse(&args("--retries"), Table::Command).unwrap_err().to_string(), "--retries option requires an argument");
        assert_eq!(parse(&args("--pre=1"), Table::Command).unwrap_err().to_string(), "--pre option does not take a value");
        let after_dashes = parse(&args("-- -i http://a/"), Table::Command).unwrap();
        assert!(after_dashes.iter().all(|i| matches!(i, Item::Positional(_))));
    }

    /// What each reader relies on: the install wrapper and index discovery read
    /// `pip install`'s index and network options, the lockfile reader and the install
    /// rewriter the requirements-file options.
    #[test]
    fn the_options_each_reader_needs_are_in_its_table() {
        let kind = |s: &str, table: Table| match parse(&args(s), table).unwrap().first() {
            Some(Item::Opt { kind, name, .. }) => (*kind, name.clone()),
            other => panic!("{s}: {other:?}"),
        };
        for (s, k) in [
            ("-i x", OptKind::IndexUrl),
            ("--extra-index-url x", OptKind::ExtraIndexUrl),
            ("-f x", OptKind::FindLinks),
            ("--no-index", OptKind::NoIndex),
            ("--proxy x", OptKind::Proxy),
            ("-r x", OptKind::Requirement),
            ("-c x", OptKind::Constraint),
            ("--build-constraint x", OptKind::BuildConstraint),
            ("-e x", OptKind::Editable),
            ("--python x", OptKind::Python),
            ("-q", OptKind::Quiet),
        ] {
            assert_eq!(kind(s, Table::Command).0, k, "{s}");
        }
        for name in ["--cert", "--client-cert", "--timeout", "--retries", "--trusted-host"] {
            assert_eq!(kind(&format!("{name} x"), Table::Command), (OptKind::OtherValue, name.to_string()));
        }
        assert_eq!(kind("--isolated", Table::Command), (OptKind::OtherFlag, "--isolated".to_string()));
        for (s, k) in [("-r x", OptKind::Requirement), ("-c x", OptKind::Constraint), ("-e x", OptKind::Editable), ("-i x", OptKind::IndexUrl)] {
            assert_eq!(kind(s, Table::RequirementsFile).0, k, "{s}");
        }
        assert_eq!(kind("--hash sha256:00", Table::RequirementsFile), (OptKind::OtherValue, "--hash".to_string()));
        assert_eq!(kind("-C k=v", Table::RequirementsFile), (OptKind::OtherValue, "--config-settings".to_string()));
        // not a requirements-file option: unknown there, kept as written
        assert_eq!(kind("--upgrade", Table::RequirementsFile), (OptKind::OtherFlag, "--upgrade".to_string()));
    }
}
