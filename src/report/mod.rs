//! Rendering of scan results. Data goes to stdout; messages to stderr.

pub mod display;
pub mod json;
pub mod markdown;
pub mod remedy;
pub mod sarif;
pub mod terminal;

pub use display::{Esc, escape_terminal, escape_terminal_lines};
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
