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
/// Maps and sets of the model, keyed by names from the analysed file: foldhash instead
/// of SipHash, which took about 4 % of a corpus scan (names are short; the seed is
/// still random per process, so crafted collisions cannot be precomputed).
pub(super) type HashMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;
pub(super) type HashSet<K> = std::collections::HashSet<K, foldhash::fast::RandomState>;
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
    let nesting = if text.len() <= DEEP { Some(0) } else { depth::estimate_within(text, depth::MAX_NESTING, depth::LEX_ERRORS_MAX) };
    match nesting {
        Some(n) if n > depth::MAX_NESTING => too_deep(path, text, role, module_ctx, n),
        // the stack is only reserved: pages are touched as the recursion reaches them
        Some(n) if n > DEEP => stacker::grow(DEEP_STACK, || build_parsed(path, text, role, module_ctx)),
        Some(_) => build_parsed(path, text, role, module_ctx),
        // not Python (binary bytes named `.py`, where the lexer gave up): walked in
        // bounded slices, each on a stack as deep as its own nesting needs
        None => {
            let slices = chunks::forced_slices(text, SLICE_BYTES);
            build_sliced(path, text, role, module_ctx, &slices, Errors::Count, Nesting::PerSlice)
                .unwrap_or_else(|| empty(path, text, role, module_ctx, 1))
        }
    }
}

fn too_deep<'a>(path: &'a str, text: &'a str, role: FileRole, module_ctx: ExecContext, nesting: usize) -> Model<'a> {
    let mut m = empty(path, text, role, module_ctx, 0);
    m.too_deep = Some(nesting);
    m
}

/// Modules at least this large are parsed and walked a slice of top-level statements
/// at a time (see [`chunks`]): the syntax tree of a 15 MB generated module is a few
/// hundred MB, a slice's a few MB.
const SLICED_FROM: usize = 2 << 20;
const SLICE_BYTES: usize = 256 << 10;
/// Largest module parsed whole when its slices do not all parse cleanly. The tree that
/// ruff's error recovery builds is 20 bytes a byte for broken text and 50 for binary
/// bytes (a 20 MB random "module" took 1 GB): past this a module is walked in slices
/// whatever its errors, so its tree never grows with the whole module.
const WHOLE_PARSE_MAX: usize = 4 << 20;

fn build_parsed<'a>(path: &'a str, text: &'a str, role: FileRole, module_ctx: ExecContext) -> Model<'a> {
    if text.len() >= SLICED_FROM {
        let slices = chunks::statement_slices(text, SLICE_BYTES);
        if let Some(m) = slices.as_ref().and_then(|s| build_sliced(path, text, role, module_ctx, s, Errors::Refuse, Nesting::Whole)) {
            return m;
        }
        if text.len() > WHOLE_PARSE_MAX {
            // broken or deliberately malformed: the statement cuts where the scan found
            // them and they are short, else cuts at line ends; errors are counted, as a
            // whole parse would count them, and the token-level fallback reads it
            let slices = chunks::bounded_slices(text, slices, SLICE_BYTES);
            if let Some(m) = build_sliced(path, text, role, module_ctx, &slices, Errors::Count, Nesting::Whole) {
                return m;
            }
        }
    }
    build_whole(path, text, role, module_ctx)
}

#[cfg(test)]
thread_local! {
    /// The longest text this thread handed to the parser at once (tests of the slicing).
    pub(crate) static LONGEST_PARSE: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// One parse of module text (a whole module or a slice of one), timed.
fn parse(text: &str) -> ruff_python_parser::Parsed<ruff_python_ast::ModModule> {
    #[cfg(test)]
    LONGEST_PARSE.with(|l| l.set(l.get().max(text.len())));
    crate::timings::time(crate::timings::Phase::Parse, || ruff_python_parser::parse_unchecked_source(text, PySourceType::Python))
}

/// Where a sliced walk's nesting was estimated.
#[derive(Clone, Copy, PartialEq)]
enum Nesting {
    /// For the whole module, and the walk runs on a stack for it: no slice nests
    /// deeper than the module.
    Whole,
    /// Not for the whole module (its lexing gave up): each slice is estimated before it
    /// is parsed, and walked on a stack for its own nesting.
    PerSlice,
}

/// What a slice that does not parse cleanly does to a sliced walk.
#[derive(Clone, Copy, PartialEq)]
enum Errors {
    /// The walk gives up (the cuts may be wrong: the module is parsed whole instead).
    Refuse,
    /// The errors are counted and the walk goes on with what the parser recovered.
    Count,
}

/// The module parsed and walked at once (tests compare the sliced walk with it).
pub(crate) fn build_whole<'a>(path: &'a str, text: &'a str, role: FileRole, module_ctx: ExecContext) -> Model<'a> {
    use crate::timings::{Phase, time};
    let parsed = parse(text);
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
    let b = walk(HashMap::default())?;
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
    build_sliced(path, text, role, module_ctx, &slices, Errors::Refuse, Nesting::Whole)
}

/// [`build_whole`] one slice at a time, the walk's state carried from slice to slice
/// (with [`Nesting::PerSlice`], each on a stack as deep as its own nesting needs); with
/// [`Errors::Refuse`], `None` when a slice does not parse cleanly (the split may have
/// been fooled, or the module has errors): the caller then parses the module whole.
fn build_sliced<'a>(path: &'a str, text: &'a str, role: FileRole, module_ctx: ExecContext, slices: &[(usize, usize)], errors: Errors, estimated: Nesting) -> Option<Model<'a>> {
    use crate::timings::{Phase, time};
    enum Stop {
        Refused,
        TooDeep(usize),
    }
    // estimated once, on the first walk
    let mut nesting: Vec<Option<usize>> = vec![None; slices.len()];
    let walk = |hints: HashMap<String, Labels>| -> Result<Builder<'a>, Stop> {
        let mut b = Builder::new(path, text, role, module_ctx, 0, hints);
        for (i, &(start, end)) in slices.iter().enumerate() {
            let slice = &text[start..end];
            let base = u32::try_from(start).map_err(|_| Stop::Refused)?;
            // (slices walked whatever their errors are bounded: none is a display alone)
            let display = if slice.len() >= chunks::ALONE && errors == Errors::Refuse { chunks::display_groups(slice, SLICE_BYTES) } else { None };
            if display.is_none() && errors == Errors::Refuse && slice.len() >= chunks::ALONE && chunks::code_bytes(slice) > chunks::ALONE / 2 {
                // one statement of a megabyte or more of code (not a display, not one big
                // string): real modules hardly have one, broken ones do, and its tree
                // would be 20 to 50 times its size; the module is parsed whole when it
                // is small enough, else walked in bounded slices
                return Err(Stop::Refused);
            }
            let deep = match estimated {
                Nesting::Whole => 0,
                Nesting::PerSlice => *nesting[i].get_or_insert_with(|| if slice.len() <= DEEP { 0 } else { depth::estimate(slice, depth::MAX_NESTING) }),
            };
            if deep > depth::MAX_NESTING {
                return Err(Stop::TooDeep(deep));
            }
            let step = |b: &mut Builder<'a>| -> Result<(), Stop> {
                if let Some(display) = &display {
                    return b.assign_display(slice, base, display).map_err(|()| Stop::Refused);
                }
                let parsed = parse(slice);
                if !parsed.errors().is_empty() {
                    if errors == Errors::Refuse {
                        return Err(Stop::Refused);
                    }
                    b.m.parse_errors += parsed.errors().len();
                }
                let module = parsed.into_syntax();
                b.base = base;
                time(Phase::Model, || b.block(&module.body));
                Ok(())
            };
            if deep > DEEP {
                stacker::grow(DEEP_STACK, || step(&mut b))?;
            } else {
                step(&mut b)?;
            }
        }
        Ok(b)
    };
    match walk_with_forward_hints(walk) {
        Ok(b) => Some(time(Phase::Model, || b.finish())),
        Err(Stop::TooDeep(nesting)) => Some(too_deep(path, text, role, module_ctx, nesting)),
        Err(Stop::Refused) => None,
    }
}


