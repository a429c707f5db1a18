//! Front-end: parses one file with ruff's error-recovering parser and walks it once,
//! resolving call names through the import alias map (`b.b64decode` →
//! `base64.b64decode`, `__import__('os').system` → `os.system`, `getattr(os, 'system')`),
//! folding string constants (concatenation, join, chr lists, bytes lists, reversal,
//! %/format, f-strings, decoded literals) and propagating flow labels through
//! assignments. The result is a [`Model`]: scopes with their execution context, calls,
//! writes, string literals, decoded payloads and obfuscation tricks. Detectors read it.
//!
//! This file holds [`build`]; the data types are `types.rs`, the walk's state
//! `state.rs`, and the walk is `builder.rs` (scopes, statements, expressions, binding),
//! `calls.rs` (what each call means), `fold.rs` (constant folding) and `resolve.rs`
//! (name resolution); `chunks.rs` cuts large modules into statement slices and
//! `display.rs` walks a huge `NAME = [...]` a group of elements at a time. Files below
//! `mod.rs` import from `types` and `state`, never from each other in a circle.

mod builder;
mod calls;
mod chunks;
mod display;
mod fold;
mod resolve;
mod state;
mod types;
pub(crate) use calls::TEMP_DIR;
#[cfg(test)]
pub(crate) use state::LITERAL_CODE_BUDGET;
pub(crate) use types::{Call, Model, ScopeKind, TrickKind, Val};

use super::depth;
use super::labels::Labels;
use crate::analysis::source::FileRole;
use crate::finding::ExecContext;
use ruff_python_ast::PySourceType;
use state::Builder;
use std::collections::HashMap;
use types::empty;

/// Estimated nesting above which a file is built on a stack of its own ([`DEEP_STACK`]):
/// parsing, building and dropping its tree recurse that deep.
const DEEP: usize = 100;
/// Stack for files nesting deeper than [`DEEP`] (up to [`depth::MAX_NESTING`]).
const DEEP_STACK: usize = 64 * 1024 * 1024;

/// Builds the model of one file. `module_ctx` is when module-level code runs. A file
/// nested deeper than [`depth::MAX_NESTING`] is not parsed: its model is empty and says
/// so in `too_deep`.
pub(crate) fn build<'a>(path: &'a str, text: &'a str, role: FileRole, module_ctx: ExecContext) -> Model<'a> {
    // nesting never exceeds the length of the text: short files need no estimate
    let nesting = if text.len() <= DEEP { 0 } else { depth::estimate(text, depth::MAX_NESTING) };
    if nesting > depth::MAX_NESTING {
        let mut m = empty(path, text, role, module_ctx, 0);
        m.too_deep = Some(nesting);
        return m;
    }
    if nesting > DEEP {
        // the stack is only reserved: pages are touched as the recursion reaches them
        return stacker::grow(DEEP_STACK, || build_parsed(path, text, role, module_ctx));
    }
    build_parsed(path, text, role, module_ctx)
}

/// Modules at least this large are parsed and walked a slice of top-level statements
/// at a time (see [`chunks`]): the syntax tree of a 15 MB generated module is a few
/// hundred MB, a slice's a few MB.
const SLICED_FROM: usize = 2 << 20;
const SLICE_BYTES: usize = 256 << 10;

fn build_parsed<'a>(path: &'a str, text: &'a str, role: FileRole, module_ctx: ExecContext) -> Model<'a> {
    if text.len() >= SLICED_FROM {
        if let Some(m) = chunks::statement_slices(text, SLICE_BYTES).and_then(|s| build_sliced(path, text, role, module_ctx, &s)) {
            return m;
        }
    }
    build_whole(path, text, role, module_ctx)
}

/// The module parsed and walked at once (tests compare the sliced walk with it).
pub(crate) fn build_whole<'a>(path: &'a str, text: &'a str, role: FileRole, module_ctx: ExecContext) -> Model<'a> {
    use crate::timings::{Phase, time};
    let parsed = time(Phase::Parse, || ruff_python_parser::parse_unchecked_source(text, PySourceType::Python));
    let parse_errors = parsed.errors().len();
    // the token list (about twice the size of the source) is not needed by the walk:
    // free it before the model grows
    let module = parsed.into_syntax();
    time(Phase::Model, || {
        let Ok(b) = walk_with_forward_hints(|hints| -> Result<Builder<'a>, std::convert::Infallible> {
            let mut b = Builder::new(path, text, role, module_ctx, parse_errors, hints);
            b.block(&module.body);
            Ok(b)
        });
        b.finish()
    })
}

/// Runs `walk` once and, when it called helpers defined further down that return labels
/// (`main()` at the top collecting through helpers below it), again knowing them.
fn walk_with_forward_hints<'a, E>(mut walk: impl FnMut(HashMap<String, Labels>) -> Result<Builder<'a>, E>) -> Result<Builder<'a>, E> {
    let b = walk(HashMap::new())?;
    let hints = b.forward_ret_hints();
    if hints.is_empty() {
        return Ok(b);
    }
    // the first walk's model goes before the second is built: never two at once
    drop(b);
    walk(hints)
}

/// The sliced walk alone (`None` when it fell back), for tests.
#[cfg(test)]
pub(crate) fn build_sliced_only<'a>(path: &'a str, text: &'a str, role: FileRole, module_ctx: ExecContext) -> Option<Model<'a>> {
    let slices = chunks::statement_slices(text, SLICE_BYTES)?;
    assert!(slices.len() > 1, "one slice: nothing to compare");
    build_sliced(path, text, role, module_ctx, &slices)
}

/// [`build_parsed`] one slice at a time, the walk's state carried from slice to slice;
/// `None` when a slice does not parse cleanly (the split may have been fooled, or the
/// module has errors): the caller then parses the module whole.
fn build_sliced<'a>(path: &'a str, text: &'a str, role: FileRole, module_ctx: ExecContext, slices: &[(usize, usize)]) -> Option<Model<'a>> {
    use crate::timings::{Phase, time};
    let walk = |hints: HashMap<String, Labels>| -> Result<Builder<'a>, ()> {
        let mut b = Builder::new(path, text, role, module_ctx, 0, hints);
        for &(start, end) in slices {
            let slice = &text[start..end];
            if slice.len() >= chunks::ALONE {
                if let Some(display) = chunks::display_groups(slice, SLICE_BYTES) {
                    b.assign_display(slice, u32::try_from(start).map_err(|_| ())?, &display)?;
                    continue;
                }
            }
            let parsed = time(Phase::Parse, || ruff_python_parser::parse_unchecked_source(slice, PySourceType::Python));
            if !parsed.errors().is_empty() {
                return Err(());
            }
            let module = parsed.into_syntax();
            b.base = u32::try_from(start).map_err(|_| ())?;
            time(Phase::Model, || b.block(&module.body));
        }
        Ok(b)
    };
    let b = walk_with_forward_hints(walk).ok()?;
    Some(time(Phase::Model, || b.finish()))
}


