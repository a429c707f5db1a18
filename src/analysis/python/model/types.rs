//! The model's data: abstract values, scopes, calls, writes, literals, tricks and
//! payloads, and the [`Model`] of one file that detectors read.

use crate::analysis::python::decode::{self, Decoded};
use crate::analysis::python::labels::Labels;
use crate::analysis::python::lines::LineIndex;
use crate::analysis::source::FileRole;
use crate::finding::ExecContext;
use ruff_python_ast::Expr;
use super::HashMap;
use std::rc::Rc;

/// Longest folded string kept; longer results are dropped (bounded memory).
pub(super) const MAX_TEXT: usize = 2 * 1024 * 1024;
/// Longest list folded element by element.
pub(super) const MAX_LIST: usize = 100_000;

/// An abstract value: what the front-end knows about an expression. Every call argument
/// of a module's model is one, so what most values lack sits behind one pointer
/// ([`ValMore`]), lists are boxed and the name is shared ([`Name`]): 80 bytes a value
/// rather than 136.
#[derive(Clone, Debug, Default)]
pub(crate) struct Val {
    pub(crate) labels: Labels,
    pub(crate) exact: bool,
    /// The value came straight from a string literal in the source.
    pub(crate) literal: bool,
    /// The name was reached through an indirection (getattr(__builtins__, …),
    /// eval("eval"), globals()["exec"], __import__ of a built name).
    pub(crate) hidden: bool,
    /// Folded string value (best effort; `exact` says whether every part was known).
    pub(crate) text: Option<String>,
    /// What the expression names, for calls and attribute access: `os.system`,
    /// `requests.Session()`, `?.read` for unknown receivers.
    pub(crate) qname: Option<Name>,
    pub(crate) int: Option<i64>,
    /// Boxed although a `Vec` is on the heap already: inline it would be 24 bytes of
    /// every value, and few values are lists.
    #[allow(clippy::box_collection)]
    pub(crate) list: Option<Box<Vec<Val>>>,
    pub(super) more: Option<Box<ValMore>>,
}

/// The rarer parts of a [`Val`].
#[derive(Clone, Debug, Default)]
pub(super) struct ValMore {
    /// A file handle opened for writing: the path text or variable name.
    write_target: Option<WriteTarget>,
    /// A literal and the decoders applied to it so far (`b64decode` then `decompress`).
    chain: Option<(String, Vec<decode::Encoding>)>,
    /// The bytes of a bytes literal that is not valid UTF-8 (`text` is lossy then).
    raw: Option<Box<[u8]>>,
    /// A one-expression function (lambda or `def f(x): return …`) whose body decodes or
    /// builds strings from its parameters: calls of it are evaluated inline.
    func: Option<Rc<InlineFn>>,
}

/// A decoder helper: parameter names and the returned expression.
#[derive(Debug)]
pub(crate) struct InlineFn {
    pub(crate) params: Vec<String>,
    pub(crate) body: Expr,
    /// The scope whose variables the body sees.
    pub(crate) scope: usize,
}

#[derive(Clone, Debug, Default)]
pub(crate) struct WriteTarget {
    pub(crate) path_text: Option<String>,
    pub(crate) path_var: Option<String>,
}

impl Val {
    pub(super) fn text(s: String, exact: bool) -> Val {
        if s.len() > MAX_TEXT {
            return Val::default();
        }
        Val { text: Some(s), exact, ..Default::default() }
    }
    pub(super) fn named(q: Name) -> Val {
        Val { qname: Some(q), ..Default::default() }
    }
    pub(crate) fn write_target(&self) -> Option<&WriteTarget> {
        self.more.as_ref()?.write_target.as_ref()
    }
    pub(crate) fn chain(&self) -> Option<&(String, Vec<decode::Encoding>)> {
        self.more.as_ref()?.chain.as_ref()
    }
    pub(crate) fn take_chain(&mut self) -> Option<(String, Vec<decode::Encoding>)> {
        self.more.as_mut()?.chain.take()
    }
    pub(crate) fn raw(&self) -> Option<&[u8]> {
        self.more.as_ref()?.raw.as_deref()
    }
    pub(crate) fn func(&self) -> Option<&Rc<InlineFn>> {
        self.more.as_ref()?.func.as_ref()
    }
    /// The rare parts, to set one: allocated when `setting` is true, absent when the
    /// value has none and one is only being cleared (which then allocates nothing).
    fn more_mut(&mut self, setting: bool) -> Option<&mut ValMore> {
        (setting || self.more.is_some()).then(|| &mut **self.more.get_or_insert_with(Default::default))
    }
    pub(crate) fn set_write_target(&mut self, w: Option<WriteTarget>) {
        if let Some(more) = self.more_mut(w.is_some()) {
            more.write_target = w;
        }
    }
    pub(crate) fn set_chain(&mut self, c: Option<(String, Vec<decode::Encoding>)>) {
        if let Some(more) = self.more_mut(c.is_some()) {
            more.chain = c;
        }
    }
    pub(crate) fn set_raw(&mut self, r: Option<Box<[u8]>>) {
        if let Some(more) = self.more_mut(r.is_some()) {
            more.raw = r;
        }
    }
    pub(crate) fn set_func(&mut self, f: Option<Rc<InlineFn>>) {
        if let Some(more) = self.more_mut(f.is_some()) {
            more.func = f;
        }
    }
    /// Folded text, with a marker standing in for parts that cannot be known statically.
    pub(crate) fn text_or_hole(&self) -> &str {
        self.text.as_deref().unwrap_or("…")
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ScopeKind {
    Module,
    Class,
    Function,
    /// `if __name__ == "__main__":` in a non-setup file.
    Main,
}

#[derive(Debug)]
pub(crate) struct Scope {
    pub(crate) kind: ScopeKind,
    pub(crate) name: Name,
    pub(crate) class: Option<Name>,
    pub(crate) parent: Option<usize>,
    /// The setuptools command this method overrides (cmdclass), e.g. `install`.
    pub(crate) command: Option<Name>,
    pub(crate) ctx: ExecContext,
    /// Local functions and methods this scope calls (shared names: a generated module
    /// calls the same few helpers from 25,000 methods).
    pub(crate) callees: Vec<Name>,
    pub(crate) ret: Labels,
}

impl Scope {
    /// Where the code is, for messages: "at module level", "in cmdclass `install.run`",
    /// with when it runs. Written out only when shown: detectors ask for it for every
    /// call they look at, and keep it for the few they report.
    pub(crate) fn describe(&self) -> Described<'_> {
        self.describe_with("")
    }

    /// [`Scope::describe`] followed by `detail` (", reached through an indirect
    /// lookup").
    pub(crate) fn describe_with(&self, detail: &'static str) -> Described<'_> {
        Described { scope: self, detail }
    }
}

/// A scope's place and when it runs, in words ([`Scope::describe`]).
pub(crate) struct Described<'a> {
    scope: &'a Scope,
    detail: &'static str,
}

impl std::fmt::Display for Described<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let s = self.scope;
        match s.kind {
            ScopeKind::Module => f.write_str("at module level")?,
            ScopeKind::Class => write!(f, "in the body of class `{}`", s.name)?,
            ScopeKind::Main => f.write_str("in the `__main__` block")?,
            ScopeKind::Function => match (&s.command, &s.class) {
                (Some(cmd), _) => write!(f, "in cmdclass `{}.{}`", cmd, s.name)?,
                (None, Some(c)) => write!(f, "in `{}.{}()`", c, s.name)?,
                (None, None) => write!(f, "in `{}()`", s.name)?,
            },
        }
        f.write_str(match (s.ctx, s.kind) {
            (ExecContext::Install, _) => " (runs during pip install)",
            (ExecContext::Import, ScopeKind::Module | ScopeKind::Class) => " (runs on import)",
            (ExecContext::Import, _) => " (called at import time)",
            (ExecContext::Runtime, _) => "",
        })?;
        f.write_str(self.detail)
    }
}

/// A name the model holds over and over (a call's resolved name, a keyword): one
/// allocation per distinct name in a module, shared ([`super::state::Builder::intern`]).
/// A generated module of 78,000 calls names 24 callees and a few dozen keywords.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct Name(Rc<str>);

impl Name {
    pub(crate) fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::ops::Deref for Name {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl std::borrow::Borrow<str> for Name {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl From<&str> for Name {
    fn from(s: &str) -> Name {
        Name(Rc::from(s))
    }
}

impl PartialEq<str> for Name {
    fn eq(&self, other: &str) -> bool {
        &*self.0 == other
    }
}

impl PartialEq<&str> for Name {
    fn eq(&self, other: &&str) -> bool {
        &*self.0 == *other
    }
}

impl std::fmt::Display for Name {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::fmt::Debug for Name {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(&*self.0, f)
    }
}

#[derive(Clone, Debug)]
pub(crate) struct Call {
    /// Normalised resolved name: `subprocess.Popen`, `requests.Session.get`, `?.write`.
    pub(crate) q: Name,
    pub(crate) scope: usize,
    pub(crate) line: u32,
    pub(crate) args: Box<[Val]>,
    pub(crate) kwargs: Box<[(Name, Val)]>,
    /// The labels of a method call's receiver (`secrets.items()`), the only part of it
    /// detectors read: a whole [`Val`] per call was most of a large module's model.
    pub(crate) recv: Labels,
    /// The callee was reached through an indirection (getattr, __import__, globals()).
    pub(crate) indirect: bool,
    /// For network calls: some argument after the URL (body, params, files …) is built
    /// from non-constant data rather than literals.
    pub(crate) payload_dynamic: bool,
    /// Set on calls synthesised from a function summary: the local function through
    /// which the arguments reach this sink (`run(cmd)` → `subprocess.run(cmd)`).
    pub(crate) via: Option<Box<str>>,
}

impl Call {
    pub(crate) fn labels(&self) -> Labels {
        let mut l = Labels::NONE;
        for a in &self.args {
            l |= a.labels;
        }
        for (_, v) in &self.kwargs {
            l |= v.labels;
        }
        l
    }
    pub(crate) fn kw(&self, name: &str) -> Option<&Val> {
        self.kwargs.iter().find(|(k, _)| *k == name).map(|(_, v)| v)
    }
    /// Command text of a shell call: first argument, or `args=`; lists joined by spaces.
    pub(crate) fn command_text(&self) -> Option<String> {
        let v = self.args.first().or_else(|| self.kw("args")).or_else(|| self.kw("cmd"))?;
        if let Some(list) = &v.list {
            let parts: Vec<&str> = list.iter().map(|x| x.text_or_hole()).collect();
            return Some(parts.join(" "));
        }
        v.text.clone()
    }
}

#[derive(Clone, Debug)]
pub(crate) struct Write {
    pub(crate) scope: usize,
    pub(crate) line: u32,
    pub(crate) path_text: Option<String>,
    pub(crate) data: Labels,
    pub(crate) data_text: Option<String>,
    pub(crate) append: bool,
}

#[derive(Clone, Debug)]
pub(crate) struct Lit {
    pub(crate) value: String,
    pub(crate) line: u32,
    pub(crate) scope: usize,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum TrickKind {
    /// getattr(__builtins__, …), __builtins__.__dict__['exec'], globals()['eval'] …
    BuiltinsIndirection,
    /// __import__/import_module of a name built from chr()/decoding/reversal.
    HiddenImport,
    /// __import__/import_module of a computed (not hidden) name.
    DynamicImport,
}

#[derive(Clone, Debug)]
pub(crate) struct Trick {
    pub(crate) kind: TrickKind,
    pub(crate) scope: usize,
    pub(crate) line: u32,
    pub(crate) detail: String,
}

#[derive(Clone, Debug)]
pub(crate) struct Payload {
    pub(crate) scope: usize,
    pub(crate) line: u32,
    pub(crate) decoded: Decoded,
}

pub(crate) struct Model<'a> {
    pub(crate) path: &'a str,
    pub(crate) text: &'a str,
    pub(crate) role: FileRole,
    pub(crate) lines: LineIndex,
    pub(crate) parse_errors: usize,
    /// The file nests too deeply to analyse: its estimated depth (the model is empty
    /// then), or the depth at which the builder stopped evaluating.
    pub(crate) too_deep: Option<usize>,
    pub(crate) scopes: Vec<Scope>,
    pub(crate) calls: Vec<Call>,
    pub(crate) writes: Vec<Write>,
    pub(crate) literals: Vec<Lit>,
    pub(crate) tricks: Vec<Trick>,
    pub(crate) payloads: Vec<Payload>,
    /// Absolute module names imported anywhere in the file, with line.
    pub(crate) imports: Vec<(String, u32)>,
    /// cmdclass overrides: (command, class name, line).
    pub(crate) hooks: Vec<(String, String, u32)>,
    /// An imported module's attribute replaced by a function or class of this file:
    /// (dotted path, scope, line), e.g. `requests.post` for `requests.post = my_post`.
    pub(crate) patches: Vec<(String, usize, u32)>,
    /// Call-graph lookups built once: callee name → function scopes, scope → nested
    /// class/main blocks.
    pub(super) by_name: HashMap<Name, Vec<usize>>,
    pub(super) children: Vec<Vec<usize>>,
}

impl<'a> Model<'a> {
    pub(crate) fn scope(&self, id: usize) -> &Scope {
        &self.scopes[id.min(self.scopes.len().saturating_sub(1))]
    }
    pub(crate) fn ctx(&self, scope: usize) -> ExecContext {
        self.scope(scope).ctx
    }
    /// Top-level code of a package module: it runs whenever that module is imported,
    /// whoever imports it.
    pub(crate) fn module_body(&self, scope: usize) -> bool {
        matches!(self.role, FileRole::Module | FileRole::PackageInit) && self.scope(scope).kind == ScopeKind::Module
    }
    pub(crate) fn evidence(&self, line: u32) -> &'a str {
        self.lines.line_text(self.text, line)
    }
    /// Scopes reachable from `scope` through intra-file calls (including itself).
    pub(crate) fn reachable(&self, scope: usize) -> Vec<usize> {
        let mut seen = vec![false; self.scopes.len()];
        let mut stack = vec![scope];
        let mut out = Vec::new();
        while let Some(s) = stack.pop() {
            if s >= seen.len() || seen[s] {
                continue;
            }
            seen[s] = true;
            out.push(s);
            for c in &self.scopes[s].callees {
                if let Some(ids) = self.by_name.get(c.as_str()) {
                    stack.extend(ids.iter().copied());
                }
            }
            stack.extend(self.children[s].iter().copied());
        }
        out
    }

    /// True when some other scope calls the function `s` (so `s` is not an entry point).
    pub(crate) fn is_called(&self, s: usize) -> bool {
        let name = &self.scope(s).name;
        self.scope(s).kind == ScopeKind::Function && self.scopes.iter().enumerate().any(|(j, p)| j != s && p.callees.iter().any(|c| c == name))
    }
}

/// A model with only the module scope.
pub(super) fn empty<'a>(path: &'a str, text: &'a str, role: FileRole, module_ctx: ExecContext, parse_errors: usize) -> Model<'a> {
    Model {
        path,
        text,
        role,
        lines: LineIndex::new(text),
        parse_errors,
        too_deep: None,
        scopes: vec![Scope {
            kind: ScopeKind::Module,
            name: Name::from(""),
            class: None,
            parent: None,
            command: None,
            ctx: module_ctx,
            callees: Vec::new(),
            ret: Labels::NONE,
        }],
        calls: Vec::new(),
        writes: Vec::new(),
        literals: Vec::new(),
        tricks: Vec::new(),
        payloads: Vec::new(),
        imports: Vec::new(),
        hooks: Vec::new(),
        patches: Vec::new(),
        by_name: HashMap::default(),
        children: Vec::new(),
    }
}
#[cfg(test)]
mod tests {
    /// A large generated module's model is mostly call arguments: a field added to
    /// `Val` or `Call` inline (rather than in `ValMore`) shows here first.
    #[test]
    fn values_and_calls_stay_small() {
        assert!(std::mem::size_of::<super::Val>() <= 80, "Val is {} bytes", std::mem::size_of::<super::Val>());
        assert!(std::mem::size_of::<super::Call>() <= 80, "Call is {} bytes", std::mem::size_of::<super::Call>());
    }
}
