//! One error path: every error a user sees says what went wrong and what to do about it.
//!
//! Error types implement [`Hint`] (their `Display` is the message, `hint` the remedy);
//! commands return `Result<ExitStatus, Error>`, and `cli` renders an [`Error`] the same
//! way for every command (escaped for the terminal) and exits 2. The Python front raises
//! it as `safe_pip._core.SafePipError` with `.message` and `.hint`.

use std::fmt;

/// An error that knows its remedy.
pub trait Hint: fmt::Display {
    /// What the user can do about it, in one line (empty when there is nothing to say).
    fn hint(&self) -> String;

    /// `message — hint: remedy`, as one line of text.
    fn render(&self) -> String {
        format!("{self} — hint: {}", self.hint())
    }

    /// `message (hint: remedy)`, for an error quoted inside another message.
    fn inline(&self) -> String {
        format!("{self} (hint: {})", self.hint())
    }
}

/// An error as a command reports it: one or more problems, each a message and its remedy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    problems: Vec<Problem>,
}

/// One message and what to do about it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    pub message: String,
    pub hint: String,
}

impl Error {
    pub fn new(message: impl Into<String>, hint: impl Into<String>) -> Error {
        Error { problems: vec![Problem { message: message.into(), hint: hint.into() }] }
    }

    /// Several problems reported together (every config error at once). `None` when
    /// there are none: an error always has something to say.
    pub fn all(problems: impl IntoIterator<Item = Error>) -> Option<Error> {
        let problems: Vec<Problem> = problems.into_iter().flat_map(|e| e.problems).collect();
        (!problems.is_empty()).then_some(Error { problems })
    }

    /// The problems, in the order they are shown.
    pub fn problems(&self) -> &[Problem] {
        &self.problems
    }

    /// The first problem's message.
    pub fn message(&self) -> &str {
        &self.problems[0].message
    }

    /// The first problem's remedy.
    pub fn hint(&self) -> &str {
        &self.problems[0].hint
    }

    /// Every message, joined by `; ` (for an error type that wraps this one: its `Display`).
    pub fn messages(&self) -> String {
        self.problems.iter().map(|p| p.message.as_str()).collect::<Vec<_>>().join("; ")
    }

    /// Every distinct remedy, joined by `; ` (for an error type that wraps this one: its
    /// [`Hint::hint`]).
    pub fn remedies(&self) -> String {
        let mut hints: Vec<&str> = Vec::new();
        for p in &self.problems {
            if !p.hint.is_empty() && !hints.contains(&p.hint.as_str()) {
                hints.push(&p.hint);
            }
        }
        hints.join("; ")
    }

    /// The messages prefixed by `context` (`config: …`, `cannot tell which files …: …`).
    pub fn context(mut self, context: &str) -> Error {
        for p in &mut self.problems {
            p.message = format!("{context}: {}", p.message);
        }
        self
    }

    /// The remedies replaced by `f(remedy)`.
    pub fn map_hint(mut self, f: impl Fn(&str) -> String) -> Error {
        for p in &mut self.problems {
            p.hint = f(&p.hint);
        }
        self
    }
}

impl fmt::Display for Error {
    /// The messages and their remedies, `message (hint: remedy)`, joined by `; `.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, p) in self.problems.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            match p.hint.is_empty() {
                true => write!(f, "{}", p.message)?,
                false => write!(f, "{} (hint: {})", p.message, p.hint)?,
            }
        }
        Ok(())
    }
}

impl<E: Hint> From<E> for Error {
    fn from(e: E) -> Error {
        Error::new(e.to_string(), e.hint())
    }
}

#[cfg(test)]
mod tests {
    use super::{Error, Hint};

    #[derive(Debug)]
    struct Broken;
    impl std::fmt::Display for Broken {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("it broke")
        }
    }
    impl Hint for Broken {
        fn hint(&self) -> String {
            "mend it".into()
        }
    }

    #[test]
    fn a_hinted_error_keeps_message_and_remedy_apart() {
        let e = Error::from(Broken);
        assert_eq!((e.message(), e.hint()), ("it broke", "mend it"));
        assert_eq!(Broken.render(), "it broke — hint: mend it");
        assert_eq!(Broken.inline(), "it broke (hint: mend it)");
        let e = e.context("config").map_hint(|h| format!("{h}; or not"));
        assert_eq!((e.message(), e.hint()), ("config: it broke", "mend it; or not"));
    }

    #[test]
    fn several_problems_are_shown_in_order() {
        assert_eq!(Error::all(Vec::new()), None);
        let e = Error::all([Error::new("a", "fix a"), Error::new("b", "")]).unwrap();
        assert_eq!(e.problems().len(), 2);
        assert_eq!(e.to_string(), "a (hint: fix a); b");
        let e = Error::all([Error::new("a", "fix"), Error::new("b", "fix"), Error::new("c", "other"), Error::new("d", "")]).unwrap();
        assert_eq!((e.messages().as_str(), e.remedies().as_str()), ("a; b; c; d", "fix; other"));
    }
}
