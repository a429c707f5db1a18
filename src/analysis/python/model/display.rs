//! A statement `NAME = <display>` of a megabyte or more walked a group of elements at a
//! time (groups cut by `chunks::display_groups`), so that its syntax tree is never
//! whole: ruff's tree of a one-line 17 MB list is about 330 MB.

use super::chunks::DisplayGroups;
use super::state::Builder;
use super::types::Val;
use crate::analysis::python::labels::Labels;
use crate::timings::{Phase, time};
use ruff_python_ast::{Expr, PySourceType, Stmt};

/// What the groups of one display turned out to be (all must agree).
#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Unknown,
    Seq,
    Dict,
}

impl Builder<'_> {
    /// Walks the display `d` of `slice` (at `slice_base` in the module) as the walk of
    /// the whole statement would: the same elements evaluated at the same depth, in the
    /// same order, at their own lines; then binds the name. `Err` when a group does not
    /// parse as part of the display; the walk's state is then partly updated and the
    /// caller starts over with the module parsed whole.
    pub(super) fn assign_display(&mut self, slice: &str, slice_base: u32, d: &DisplayGroups<'_>) -> Result<(), ()> {
        let (open, close) = if d.open == b'[' { ('[', ']') } else { ('{', '}') };
        let mut labels = Labels::NONE;
        let mut items = Vec::new();
        let mut kind = Kind::Unknown;
        // the display itself, as `expr` counts it
        self.depth += 1;
        let walked = (|| {
            for &(start, end) in &d.groups {
                // the group between brackets; a comment on its last line ends at the `\n`
                let mut group = String::with_capacity(end - start + 3);
                group.push(open);
                group.push_str(&slice[start..end]);
                group.push('\n');
                group.push(close);
                let parsed = time(Phase::Parse, || ruff_python_parser::parse_unchecked_source(&group, PySourceType::Python));
                if !parsed.errors().is_empty() {
                    return Err(());
                }
                let module = parsed.into_syntax();
                let [Stmt::Expr(e)] = module.body.as_slice() else { return Err(()) };
                // the opening bracket stands one byte before the group
                self.base = slice_base + u32::try_from(start).map_err(|_| ())? - 1;
                time(Phase::Model, || match (e.value.as_ref(), kind) {
                    (Expr::List(l), Kind::Unknown | Kind::Seq) if open == '[' => {
                        kind = Kind::Seq;
                        self.seq_items(&l.elts, &mut labels, &mut items);
                        Ok(())
                    }
                    // an empty group (after a trailing comma) parses as `{}`
                    (Expr::Dict(x), _) if x.items.is_empty() => Ok(()),
                    (Expr::Set(s), Kind::Unknown | Kind::Seq) => {
                        kind = Kind::Seq;
                        self.seq_items(&s.elts, &mut labels, &mut items);
                        Ok(())
                    }
                    (Expr::Dict(x), Kind::Unknown | Kind::Dict) => {
                        kind = Kind::Dict;
                        self.dict_items(&x.items, &mut labels);
                        Ok(())
                    }
                    _ => Err(()),
                })?;
            }
            Ok(())
        })();
        self.depth -= 1;
        walked?;
        let v = match kind {
            Kind::Dict => Val { labels, ..Default::default() },
            // `{}` alone is a dict; a list, tuple or set display keeps its items
            Kind::Unknown if open == '{' => Val { labels, ..Default::default() },
            _ => Val { labels, list: Some(Box::new(items)), ..Default::default() },
        };
        self.assign_name(d.name, v);
        Ok(())
    }
}
