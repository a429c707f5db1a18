//! PEP 508 environment markers (`sys_platform == "win32" and python_version < "3.12"`),
//! evaluated against a marker environment as `packaging.markers` does, with one
//! difference that keeps callers on the safe side: the result is three-valued. A comparison
//! that depends on what the user asks for rather than on the interpreter (`extra`, PEP 751's
//! `extras` and `dependency_groups`), on a variable the environment does not have, or that
//! `packaging` would refuse to evaluate, is *unknown*; `and`/`or` follow Kleene's logic, so
//! an entry is "not for this environment" only when its markers are false whatever the
//! unknowns are.

use pep440_rs::{Version, VersionSpecifier};
use std::collections::BTreeMap;
use std::str::FromStr;

/// The marker environment: variable name (`python_version`, `sys_platform`, …) → value, as
/// `packaging.markers.default_environment()` returns it.
pub(crate) type MarkerEnv = BTreeMap<String, String>;

/// A marker that does not parse.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub(crate) enum MarkerError {
    #[error("empty marker")]
    Empty,
    #[error("unterminated string in marker '{marker}'")]
    Unterminated { marker: String },
    #[error("unexpected '{found}' in marker '{marker}'")]
    BadCharacter { found: char, marker: String },
    #[error("the marker ends too early")]
    EndsEarly,
    #[error("expected {expected}, found {found}")]
    Expected { expected: &'static str, found: String },
    #[error("unknown marker variable '{0}'")]
    UnknownVariable(String),
    #[error("unexpected {found} in marker '{marker}'")]
    Trailing { found: String, marker: String },
}

impl crate::error::Hint for MarkerError {
    fn hint(&self) -> String {
        "write the marker as PEP 508 does: `sys_platform == \"win32\" and python_version < \"3.12\"`".into()
    }
}

/// Evaluates `marker` in `env`: `Some(true)` / `Some(false)` when the environment decides
/// it, `None` when it depends on something else (see the module doc). A marker that does not
/// parse is an `Err` with the reason.
pub(crate) fn evaluate(marker: &str, env: &MarkerEnv) -> Result<Option<bool>, MarkerError> {
    let tokens = tokenize(marker)?;
    if tokens.is_empty() {
        return Err(MarkerError::Empty);
    }
    let mut parser = Parser { tokens: &tokens, at: 0, env };
    let value = parser.or_expr()?;
    match parser.tokens.get(parser.at) {
        None => Ok(value),
        Some(t) => Err(MarkerError::Trailing { found: t.describe(), marker: marker.to_string() }),
    }
}

#[derive(Clone, Debug, PartialEq)]
enum Token {
    Open,
    Close,
    Str(String),
    Name(String),
    Op(&'static str),
}

impl Token {
    fn describe(&self) -> String {
        match self {
            Token::Open => "'('".into(),
            Token::Close => "')'".into(),
            Token::Str(s) => format!("string '{s}'"),
            Token::Name(n) => format!("'{n}'"),
            Token::Op(o) => format!("'{o}'"),
        }
    }
}

const OPERATORS: [&str; 8] = ["===", "==", "!=", "<=", ">=", "~=", "<", ">"];

fn tokenize(text: &str) -> Result<Vec<Token>, MarkerError> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        if c.is_whitespace() {
            rest = &rest[c.len_utf8()..];
        } else if c == '(' || c == ')' {
            out.push(if c == '(' { Token::Open } else { Token::Close });
            rest = &rest[1..];
        } else if c == '"' || c == '\'' {
            let end = rest[1..].find(c).ok_or_else(|| MarkerError::Unterminated { marker: text.to_string() })?;
            out.push(Token::Str(rest[1..1 + end].to_string()));
            rest = &rest[end + 2..];
        } else if let Some(op) = OPERATORS.iter().find(|op| rest.starts_with(**op)) {
            out.push(Token::Op(op));
            rest = &rest[op.len()..];
        } else if c.is_ascii_alphanumeric() || c == '_' || c == '.' {
            let end = rest.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.')).unwrap_or(rest.len());
            out.push(Token::Name(rest[..end].to_string()));
            rest = &rest[end..];
        } else {
            return Err(MarkerError::BadCharacter { found: c, marker: text.to_string() });
        }
    }
    Ok(out)
}

/// A marker operand: a quoted string or an environment variable (canonical name).
enum Operand {
    Literal(String),
    Variable(&'static str),
}

#[derive(Clone, Copy, PartialEq)]
enum Comparison {
    Version(&'static str),
    In,
    NotIn,
}

/// The variables PEP 508 (and PEP 751) define, with the legacy dotted spellings that
/// `packaging` still accepts.
fn variable(name: &str) -> Option<&'static str> {
    Some(match name {
        "python_version" => "python_version",
        "python_full_version" => "python_full_version",
        "os_name" | "os.name" => "os_name",
        "sys_platform" | "sys.platform" => "sys_platform",
        "platform_release" => "platform_release",
        "platform_system" => "platform_system",
        "platform_version" | "platform.version" => "platform_version",
        "platform_machine" | "platform.machine" => "platform_machine",
        "platform_python_implementation" | "platform.python_implementation" | "python_implementation" => {
            "platform_python_implementation"
        }
        "implementation_name" => "implementation_name",
        "implementation_version" => "implementation_version",
        "extra" => "extra",
        "extras" => "extras",
        "dependency_groups" => "dependency_groups",
        _ => return None,
    })
}

/// Variables that say what the user asked to install, not what the interpreter is.
const REQUESTED: [&str; 3] = ["extra", "extras", "dependency_groups"];

struct Parser<'a> {
    tokens: &'a [Token],
    at: usize,
    env: &'a MarkerEnv,
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at)
    }

    fn next(&mut self) -> Result<Token, MarkerError> {
        let t = self.tokens.get(self.at).cloned().ok_or(MarkerError::EndsEarly)?;
        self.at += 1;
        Ok(t)
    }

    fn keyword(&self, word: &str) -> bool {
        matches!(self.peek(), Some(Token::Name(n)) if n == word)
    }

    fn or_expr(&mut self) -> Result<Option<bool>, MarkerError> {
        let mut value = self.and_expr()?;
        while self.keyword("or") {
            self.at += 1;
            let rhs = self.and_expr()?;
            value = match (value, rhs) {
                (Some(true), _) | (_, Some(true)) => Some(true),
                (Some(false), Some(false)) => Some(false),
                _ => None,
            };
        }
        Ok(value)
    }

    fn and_expr(&mut self) -> Result<Option<bool>, MarkerError> {
        let mut value = self.atom()?;
        while self.keyword("and") {
            self.at += 1;
            let rhs = self.atom()?;
            value = match (value, rhs) {
                (Some(false), _) | (_, Some(false)) => Some(false),
                (Some(true), Some(true)) => Some(true),
                _ => None,
            };
        }
        Ok(value)
    }

    fn atom(&mut self) -> Result<Option<bool>, MarkerError> {
        if self.peek() == Some(&Token::Open) {
            self.at += 1;
            let value = self.or_expr()?;
            return match self.next()? {
                Token::Close => Ok(value),
                t => Err(MarkerError::Expected { expected: "')'", found: t.describe() }),
            };
        }
        let lhs = self.operand()?;
        let op = match self.next()? {
            Token::Op(op) => Comparison::Version(op),
            Token::Name(n) if n == "in" => Comparison::In,
            Token::Name(n) if n == "not" => match self.next()? {
                Token::Name(n) if n == "in" => Comparison::NotIn,
                t => Err(MarkerError::Expected { expected: "'in' after 'not'", found: t.describe() })?,
            },
            t => Err(MarkerError::Expected { expected: "a comparison operator", found: t.describe() })?,
        };
        let rhs = self.operand()?;
        Ok(self.compare(&lhs, op, &rhs))
    }

    fn operand(&mut self) -> Result<Operand, MarkerError> {
        match self.next()? {
            Token::Str(s) => Ok(Operand::Literal(s)),
            Token::Name(n) => variable(&n).map(Operand::Variable).ok_or(MarkerError::UnknownVariable(n)),
            t => Err(MarkerError::Expected { expected: "a variable or a quoted string", found: t.describe() }),
        }
    }

    /// One comparison: exactly one side must be a variable (as in `packaging`).
    fn compare(&self, lhs: &Operand, op: Comparison, rhs: &Operand) -> Option<bool> {
        let (value, literal, variable_first) = match (lhs, rhs) {
            (Operand::Variable(v), Operand::Literal(l)) => (v, l, true),
            (Operand::Literal(l), Operand::Variable(v)) => (v, l, false),
            _ => return None,
        };
        if REQUESTED.contains(value) {
            return None;
        }
        let value = self.env.get(*value)?;
        let (left, right) = if variable_first { (value.as_str(), literal.as_str()) } else { (literal.as_str(), value.as_str()) };
        compare_values(left, op, right)
    }
}

/// `packaging`'s `_eval_op`: a version comparison when `op right` is a valid specifier,
/// else Python's string comparison (`in`, `not in`, `==`, `<`, …).
fn compare_values(left: &str, op: Comparison, right: &str) -> Option<bool> {
    let op = match op {
        Comparison::In => return Some(right.contains(left)),
        Comparison::NotIn => return Some(!right.contains(left)),
        Comparison::Version(op) => op,
    };
    if op == "===" {
        return Some(left.trim().eq_ignore_ascii_case(right.trim()));
    }
    if let Ok(spec) = VersionSpecifier::from_str(&format!("{op}{right}")) {
        // A value that is not a version is not contained (`packaging` 22 and later).
        return Some(Version::from_str(left).is_ok_and(|v| spec.contains(&v)));
    }
    match op {
        "==" => Some(left == right),
        "!=" => Some(left != right),
        "<" => Some(left < right),
        "<=" => Some(left <= right),
        ">" => Some(left > right),
        ">=" => Some(left >= right),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn linux_311() -> MarkerEnv {
        [
            ("implementation_name", "cpython"),
            ("implementation_version", "3.11.7"),
            ("os_name", "posix"),
            ("platform_machine", "x86_64"),
            ("platform_python_implementation", "CPython"),
            ("platform_release", "6.1.0-18-amd64"),
            ("platform_system", "Linux"),
            ("platform_version", "#1 SMP PREEMPT_DYNAMIC Debian 6.1.76-1 (2024-02-01)"),
            ("python_full_version", "3.11.7"),
            ("python_version", "3.11"),
            ("sys_platform", "linux"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
    }

    fn eval(m: &str) -> Option<bool> {
        evaluate(m, &linux_311()).unwrap_or_else(|e| panic!("{m}: {e}"))
    }

    #[test]
    fn platform_and_version_markers_are_decided_by_the_environment() {
        for (marker, expected) in [
            ("sys_platform == \"win32\"", false),
            ("sys_platform == 'linux'", true),
            ("platform_system == \"Windows\" or sys_platform == \"darwin\"", false),
            ("python_version < \"3.10\"", false),
            ("python_version >= \"3.10\"", true),
            ("python_full_version < '3.11.8'", true),
            ("python_full_version < '3.11.7'", false),
            ("python_version == '3.*'", true),
            ("python_version ~= '3.9'", true),
            ("python_version != '3.11'", false),
            ("'3.12' > python_version", true),
            ("'3.12' <= python_version", false),
            ("platform_machine in 'x86_64 AMD64'", true),
            ("platform_machine not in 'arm64 aarch64'", true),
            ("'arm' in platform_machine", false),
            ("(sys_platform == 'linux' and platform_machine == 'aarch64') or os_name == 'nt'", false),
            ("sys_platform == 'linux' and (platform_machine == 'aarch64' or python_version >= '3.8')", true),
            ("os.name == 'posix' and python_implementation == 'CPython'", true),
            ("platform_release >= '6'", false), // not a version: never in a version range
            // Not versions: Python's string comparison, as packaging does.
            ("platform_version < 'Z'", true),
        ] {
            assert_eq!(eval(marker), Some(expected), "{marker}");
        }
    }

    #[test]
    fn what_the_user_requests_is_unknown_and_kleene_logic_keeps_it_so() {
        assert_eq!(eval("extra == 'cli'"), None);
        assert_eq!(eval("'dev' in dependency_groups"), None);
        assert_eq!(eval("extra == 'cli' and sys_platform == 'win32'"), Some(false), "false whatever the extra");
        assert_eq!(eval("extra == 'cli' or sys_platform == 'linux'"), Some(true), "true whatever the extra");
        assert_eq!(eval("extra == 'cli' and sys_platform == 'linux'"), None);
        assert_eq!(eval("extra == 'cli' or sys_platform == 'win32'"), None);
        // A variable the environment lacks, two literals, `~=` on strings: unknown.
        let mut env = linux_311();
        env.remove("platform_release");
        assert_eq!(evaluate("platform_release == '6'", &env), Ok(None));
        assert_eq!(eval("'a' == 'a'"), None);
        assert_eq!(eval("platform_machine ~= 'x86'"), None, "packaging raises: undefined comparison");
    }

    #[test]
    fn malformed_markers_are_errors() {
        for bad in ["", "sys_platform", "sys_platform == ", "sys_platform = 'x'", "(python_version > '3'", "colour == 'red'", "python_version > '3' and", "sys_platform == 'linux"] {
            assert!(evaluate(bad, &linux_311()).is_err(), "{bad}");
        }
        let e = |m: &str| evaluate(m, &linux_311()).unwrap_err();
        assert_eq!(e(""), MarkerError::Empty);
        assert_eq!(e("colour == 'red'"), MarkerError::UnknownVariable("colour".into()));
        assert_eq!(e("(python_version > '3'"), MarkerError::EndsEarly);
        assert_eq!(e("sys_platform == 'linux"), MarkerError::Unterminated { marker: "sys_platform == 'linux".into() });
        assert_eq!(e("sys_platform 'x'").to_string(), "expected a comparison operator, found string 'x'");
        assert_eq!(e("os_name == 'nt' )").to_string(), "unexpected ')' in marker 'os_name == 'nt' )'");
    }
}
