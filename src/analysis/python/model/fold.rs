//! Constant folding: what the front-end computes from literals. Operators on known
//! strings and integers (`+`, `%`, `*`, shifts, xor), `str.format`, rot13, bytes
//! literals, lists and comprehensions evaluated element by element, inline evaluation
//! of one-expression decoder helpers, and whether an expression is constant at all.

use super::state::{Builder, UNROLL_BUDGET};
use super::types::{InlineFn, Val, MAX_LIST, MAX_TEXT};
use crate::analysis::python::labels::Labels;
use ruff_python_ast::{self as ast, Expr, Operator};
use std::rc::Rc;

impl Builder<'_> {
    /// A one-expression function is a decoder helper when its body, evaluated with
    /// unknown string parameters, decodes or assembles text.
    pub(super) fn decoder_fn(&mut self, params: Vec<String>, body: &Expr, scope: usize) -> Option<Rc<InlineFn>> {
        if params.is_empty() || params.len() > 4 || self.inlining > 0 {
            return None;
        }
        let args: Vec<Val> = params.iter().map(|_| Val::text(String::new(), false)).collect();
        let v = self.eval_inline(&params, body, scope, args, false);
        (v.labels.has(Labels::DECODED) || v.labels.has(Labels::BUILT)).then(|| Rc::new(InlineFn { params, body: body.clone(), scope }))
    }

    /// Evaluates `body` with `params` bound to `args` in `scope`. Only decoded payloads
    /// are kept (`keep_payloads`); calls and literals were recorded at the definition.
    pub(super) fn eval_inline(&mut self, params: &[String], body: &Expr, scope: usize, args: Vec<Val>, keep_payloads: bool) -> Val {
        if self.inlining >= 2 || scope >= self.vars.len() {
            return Val::default();
        }
        self.inlining += 1;
        let saved_cur = self.cur;
        self.cur = scope;
        let mut saved_vars = Vec::with_capacity(params.len());
        for (p, a) in params.iter().zip(args) {
            saved_vars.push((p.clone(), self.vars[scope].insert(p.clone(), a)));
        }
        let (c, l, w, t, pl) = (self.m.calls.len(), self.m.literals.len(), self.m.writes.len(), self.m.tricks.len(), self.m.payloads.len());
        let v = self.expr(body);
        self.m.calls.truncate(c);
        self.m.literals.truncate(l);
        self.m.writes.truncate(w);
        self.m.tricks.truncate(t);
        if !keep_payloads {
            self.m.payloads.truncate(pl);
        }
        for (p, old) in saved_vars {
            match old {
                Some(o) => self.vars[scope].insert(p, o),
                None => self.vars[scope].remove(&p),
            };
        }
        self.cur = saved_cur;
        self.inlining -= 1;
        v
    }

    pub(super) fn seq(&mut self, elts: &[Expr]) -> Val {
        let mut labels = Labels::NONE;
        let mut items = Vec::with_capacity(elts.len().min(MAX_LIST));
        self.seq_items(elts, &mut labels, &mut items);
        Val { labels, list: Some(Box::new(items)), ..Default::default() }
    }

    /// Evaluates the elements of a list, tuple or set display into `labels` and the
    /// first [`MAX_LIST`] `items` (a display walked in groups calls this once a group).
    pub(super) fn seq_items(&mut self, elts: &[Expr], labels: &mut Labels, items: &mut Vec<Val>) {
        for x in elts {
            let v = self.expr(x);
            *labels |= v.labels;
            if items.len() < MAX_LIST {
                items.push(v);
            }
        }
    }

    /// Evaluates the keys and values of a dict display into `labels` (only the labels of
    /// a dict are kept).
    pub(super) fn dict_items(&mut self, dict_items: &[ast::DictItem], labels: &mut Labels) {
        for item in dict_items {
            if let Some(k) = &item.key {
                *labels |= self.expr(k).labels;
            }
            let v = self.expr(&item.value);
            *labels |= v.labels;
        }
    }

    /// `[chr(x) for x in [..]]`, `(chr(c ^ k) for c in data)`: evaluated element by element
    /// when the iterable is a known list.
    pub(super) fn comprehension(&mut self, elt: &Expr, gens: &[ast::Comprehension]) -> Val {
        let mut labels = Labels::NONE;
        if gens.len() == 1 && gens[0].ifs.is_empty() {
            let it = self.expr(&gens[0].iter);
            labels |= it.labels;
            let items: Option<Vec<Val>> = it.list.as_deref().cloned().or_else(|| {
                it.text.as_ref().filter(|t| it.exact && t.len() <= MAX_LIST).map(|t| t.chars().map(|c| Val::text(c.to_string(), true)).collect())
            });
            if let (Some(items), Expr::Name(target)) = (items, &gens[0].target) {
                let name = target.id.as_str().to_string();
                let mut first_len: Option<(usize, usize)> = None;
                let mut out = Vec::with_capacity(items.len());
                let mut exhausted = false;
                self.unrolling += 1;
                for item in items.into_iter() {
                    if self.unrolled > UNROLL_BUDGET {
                        exhausted = true;
                        break;
                    }
                    self.assign_name(&name, item);
                    let v = self.expr(elt);
                    // record calls and literals of the first iteration only
                    match first_len {
                        None => first_len = Some((self.m.calls.len(), self.m.literals.len())),
                        Some((c, l)) => {
                            self.m.calls.truncate(c);
                            self.m.literals.truncate(l);
                        }
                    }
                    labels |= v.labels;
                    out.push(v);
                }
                self.unrolling -= 1;
                if exhausted {
                    // what the items were is unknown past the budget; what they carry is not
                    return Val { labels, ..Default::default() };
                }
                let built = out.iter().any(|v| v.labels.has(Labels::BUILT));
                return Val { labels: labels | if built { Labels::BUILT } else { Labels::NONE }, list: Some(Box::new(out)), ..Default::default() };
            }
            self.bind_target(&gens[0].target, Val { labels: it.labels, ..Default::default() });
        } else {
            for g in gens {
                let it = self.expr(&g.iter);
                labels |= it.labels;
                self.bind_target(&g.target, Val { labels: it.labels, ..Default::default() });
                for c in &g.ifs {
                    self.expr(c);
                }
            }
        }
        labels |= self.expr(elt).labels;
        Val { labels, ..Default::default() }
    }


    /// True when an expression is built only from literals (and names bound to folded
    /// literals): the data a call sends is fixed in the source.
    pub(super) fn is_constant(&self, e: &Expr, depth: u32) -> bool {
        if depth > 20 {
            return false;
        }
        let d = depth + 1;
        match e {
            Expr::StringLiteral(_) | Expr::BytesLiteral(_) | Expr::NumberLiteral(_) | Expr::BooleanLiteral(_) | Expr::NoneLiteral(_) => true,
            Expr::FString(f) => f.value.iter().all(|part| match part {
                ast::FStringPart::Literal(_) => true,
                ast::FStringPart::FString(fs) => fs.elements.iter().all(|el| match el {
                    ast::InterpolatedStringElement::Literal(_) => true,
                    ast::InterpolatedStringElement::Interpolation(i) => self.is_constant(&i.expression, d),
                }),
            }),
            Expr::Dict(x) => x.items.iter().all(|i| i.key.as_ref().map(|k| self.is_constant(k, d)).unwrap_or(false) && self.is_constant(&i.value, d)),
            Expr::List(x) => x.elts.iter().all(|v| self.is_constant(v, d)),
            Expr::Tuple(x) => x.elts.iter().all(|v| self.is_constant(v, d)),
            Expr::Set(x) => x.elts.iter().all(|v| self.is_constant(v, d)),
            Expr::BinOp(b) => self.is_constant(&b.left, d) && self.is_constant(&b.right, d),
            Expr::UnaryOp(u) => self.is_constant(&u.operand, d),
            Expr::Name(n) => match self.lookup(n.id.as_str()) {
                Some(v) => (v.text.is_some() && v.exact) || v.int.is_some(),
                None => self.aliases.contains_key(n.id.as_str()),
            },
            Expr::Call(c) => {
                let func_ok = match c.func.as_ref() {
                    Expr::Attribute(a) => self.is_constant(&a.value, d),
                    Expr::Name(_) => true,
                    _ => false,
                };
                func_ok && c.arguments.args.iter().all(|a| self.is_constant(a, d)) && c.arguments.keywords.iter().all(|k| self.is_constant(&k.value, d))
            }
            Expr::Attribute(a) => matches!(a.value.as_ref(), Expr::Name(n) if self.aliases.contains_key(n.id.as_str()) && self.lookup(n.id.as_str()).is_none()),
            _ => false,
        }
    }

}

/// The value of a bytes literal: its text (lossy) and, when not UTF-8, its bytes.
pub(super) fn bytes_val(b: &ast::ExprBytesLiteral) -> Val {
    let bytes: Vec<u8> = b.value.bytes().collect();
    let (t, raw) = match String::from_utf8(bytes) {
        Ok(t) => (t, None),
        Err(e) => {
            let bytes = e.into_bytes();
            (String::from_utf8_lossy(&bytes).into_owned(), Some(bytes.into_boxed_slice()))
        }
    };
    let mut v = Val::text(t, true);
    v.literal = true;
    if v.text.is_some() {
        v.set_raw(raw);
    }
    v
}

pub(super) fn binop(l: &Val, op: Operator, r: &Val) -> Val {
    let labels = l.labels | r.labels;
    if let (Some(a), Some(b)) = (l.int, r.int) {
        let v = match op {
            Operator::Add => a.checked_add(b),
            Operator::Sub => a.checked_sub(b),
            Operator::Mult => a.checked_mul(b),
            Operator::FloorDiv => (b != 0).then(|| a.div_euclid(b)),
            Operator::Mod => (b != 0).then(|| a.rem_euclid(b)),
            Operator::LShift => u32::try_from(b).ok().filter(|&s| s < 63).and_then(|s| a.checked_shl(s)).filter(|x| x >> b == a),
            Operator::RShift => u32::try_from(b).ok().map(|s| if s >= 63 { if a < 0 { -1 } else { 0 } } else { a >> s }),
            Operator::BitOr => Some(a | b),
            Operator::BitAnd => Some(a & b),
            Operator::BitXor => Some(a ^ b),
            Operator::Pow => u32::try_from(b).ok().and_then(|e| a.checked_pow(e)),
            _ => None,
        };
        return Val { int: v, labels, ..Default::default() };
    }
    match op {
        Operator::Add => {
            if l.text.is_some() || r.text.is_some() {
                let s = format!("{}{}", l.text_or_hole(), r.text_or_hole());
                let mut v = Val::text(s, l.exact && r.exact && l.text.is_some() && r.text.is_some());
                v.labels = labels;
                return v;
            }
            if let (Some(a), Some(b)) = (&l.list, &r.list) {
                let mut items = a.clone();
                items.extend(b.iter().cloned());
                return Val { labels, list: Some(items), ..Default::default() };
            }
        }
        Operator::Mod => {
            if let Some(fmt) = &l.text {
                let items: Vec<Val> = r.list.as_deref().cloned().unwrap_or_else(|| vec![r.clone()]);
                let mut out = String::new();
                let mut it = items.iter();
                let mut chars = fmt.chars().peekable();
                let mut exact = l.exact;
                while let Some(ch) = chars.next() {
                    if ch == '%' {
                        match chars.peek() {
                            Some('%') => {
                                chars.next();
                                out.push('%');
                            }
                            Some(_) => {
                                // skip flags up to the conversion letter
                                while let Some(&n) = chars.peek() {
                                    chars.next();
                                    if n.is_ascii_alphabetic() {
                                        break;
                                    }
                                }
                                match it.next() {
                                    Some(v) if v.text.is_some() => {
                                        out.push_str(v.text_or_hole());
                                        exact &= v.exact;
                                    }
                                    Some(v) if v.int.is_some() => out.push_str(&v.int.unwrap_or_default().to_string()),
                                    _ => {
                                        out.push('…');
                                        exact = false;
                                    }
                                }
                            }
                            None => out.push('%'),
                        }
                    } else {
                        out.push(ch);
                    }
                    if out.len() > MAX_TEXT {
                        return Val { labels, ..Default::default() };
                    }
                }
                let mut v = Val::text(out, exact);
                v.labels = labels;
                return v;
            }
        }
        Operator::Mult => {
            if let (Some(t), Some(n)) = (&l.text, r.int) {
                if n >= 0 && (t.len() as i64).saturating_mul(n) <= 4096 {
                    let mut v = Val::text(t.repeat(n as usize), l.exact);
                    v.labels = labels;
                    return v;
                }
            }
        }
        _ => {}
    }
    Val { labels, ..Default::default() }
}

pub(super) fn format_braces(fmt: &str, args: &[Val], kwargs: &[(String, Val)]) -> String {
    let mut out = String::new();
    let mut auto = 0usize;
    let mut chars = fmt.chars().peekable();
    while let Some(ch) = chars.next() {
        match ch {
            '{' if chars.peek() == Some(&'{') => {
                chars.next();
                out.push('{');
            }
            '}' if chars.peek() == Some(&'}') => {
                chars.next();
                out.push('}');
            }
            '{' => {
                let mut field = String::new();
                for n in chars.by_ref() {
                    if n == '}' {
                        break;
                    }
                    field.push(n);
                }
                let name = field.split([':', '!']).next().unwrap_or("");
                let v = if name.is_empty() {
                    auto += 1;
                    args.get(auto - 1)
                } else if let Ok(i) = name.parse::<usize>() {
                    args.get(i)
                } else {
                    kwargs.iter().find(|(k, _)| k == name).map(|(_, v)| v)
                };
                match v {
                    Some(v) if v.text.is_some() => out.push_str(v.text_or_hole()),
                    Some(v) if v.int.is_some() => out.push_str(&v.int.unwrap_or_default().to_string()),
                    _ => out.push('…'),
                }
            }
            c => out.push(c),
        }
        if out.len() > MAX_TEXT {
            break;
        }
    }
    out
}

pub(super) fn rot13(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            'a'..='m' | 'A'..='M' => ((c as u8) + 13) as char,
            'n'..='z' | 'N'..='Z' => ((c as u8) - 13) as char,
            _ => c,
        })
        .collect()
}
