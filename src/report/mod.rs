//! Rendering of scan results. Data goes to stdout; messages to stderr.

pub(crate) mod display;
pub(crate) mod json;
pub(crate) mod markdown;
pub(crate) mod remedy;
pub(crate) mod sarif;
pub(crate) mod terminal;

pub(crate) use display::{Esc, escape_terminal, escape_terminal_lines};
use std::io::IsTerminal;

/// Whether to colour terminal output: `--color`, then NO_COLOR, then "is stdout a tty".
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum, Default)]
pub enum ColorChoice {
    #[default]
    Auto,
    Always,
    Never,
}

impl ColorChoice {
    pub fn enabled(self) -> bool {
        match self {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) && std::io::stdout().is_terminal(),
        }
    }
}
