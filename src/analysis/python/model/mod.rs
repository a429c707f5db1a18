//! Front-end: parses one file with ruff's error-recovering parser and walks it once,
//! resolving call names through the import alias map (`b.b64decode` →
//! `base64.b64decode`, `__import__('os').system` → `os.system`, `getattr(os, 'system')`),
//! folding string constants (concatenation, join, chr lists, bytes lists, reversal,
//! %/format, f-strings, decoded literals) and propagating flow labels through
//! assignments. The result is a [`Model`]: scopes with their execution context, calls,
//! writes, string literals, decoded payloads and obfuscation tricks. Detectors read it.

use super::decode::{self, Decoded};
use super::labels::Labels;
use super::lines::LineIndex;
use super::names;
use crate::analysis::FileRole;
use crate::finding::ExecContext;
use ruff_python_ast::{self as ast, Expr, Number, Operator, PySourceType, Stmt, UnaryOp};
use ruff_text_size::Ranged;
use std::collections::HashMap;
use std::rc::Rc;

/// Longest folded string kept; longer results are dropped (bounded memory).
const MAX_TEXT: usize = 2 * 1024 * 1024;
/// Longest list folded element by element.
const MAX_LIST: usize = 100_000;

/// An abstract value: what the front-end knows about an expression.
#[derive(Clone, Debug, Default)]
pub struct Val {
    pub labels: Labels,
    /// Folded string value (best effort; `exact` says whether every part was known).
    pub text: Option<String>,
    pub exact: bool,
    /// What the expression names, for calls and attribute access: `os.system`,
    /// `requests.Session()`, `?.read` for unknown receivers.
    pub qname: Option<String>,
    pub int: Option<i64>,
    pub list: Option<Vec<Val>>,
    /// A file handle opened for writing: the path text or variable name.
    pub write_target: Option<WriteTarget>,
    /// The value came straight from a string literal in the source.
    pub literal: bool,
    /// The name was reached through an indirection (getattr(__builtins__, …),
    /// eval("eval"), globals()["exec"], __import__ of a built name).
    pub hidden: bool,
    /// A literal and the decoders applied to it so far (`b64decode` then `decompress`).
    pub chain: Option<Box<(String, Vec<decode::Encoding>)>>,
    /// The bytes of a bytes literal that is not valid UTF-8 (`text` is lossy then).
    pub raw: Option<Box<[u8]>>,
    /// A one-expression function (lambda or `def f(x): return …`) whose body decodes or
    /// builds strings from its parameters: calls of it are evaluated inline.
    pub func: Option<Rc<InlineFn>>,
}

/// A decoder helper: parameter names and the returned expression.
#[derive(Debug)]
pub struct InlineFn {
    pub params: Vec<String>,
    pub body: Expr,
    /// The scope whose variables the body sees.
    pub scope: usize,
}

#[derive(Clone, Debug, Default)]
pub struct WriteTarget {
    pub path_text: Option<String>,
    pub path_var: Option<String>,
}

impl Val {
    fn text(s: String, exact: bool) -> Val {
        if s.len() > MAX_TEXT {
            return Val::default();
        }
        Val { text: Some(s), exact, ..Default::default() }
    }
    fn named(q: String) -> Val {
        Val { qname: Some(q), ..Default::default() }
    }
    /// Folded text, with a marker standing in for parts that cannot be known statically.
    pub fn text_or_hole(&self) -> &str {
        self.text.as_deref().unwrap_or("…")
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScopeKind {
    Module,
    Class,
    Function,
    /// `if __name__ == "__main__":` in a non-setup file.
    Main,
}

#[derive(Debug)]
pub struct Scope {
    pub kind: ScopeKind,
    pub name: String,
    pub class: Option<String>,
    pub parent: Option<usize>,
    /// The setuptools command this method overrides (cmdclass), e.g. `install`.
    pub command: Option<String>,
    pub ctx: ExecContext,
    pub callees: Vec<String>,
    pub ret: Labels,
}

impl Scope {
    /// Where the code is, for messages: "at module level", "in cmdclass `install.run`".
    pub fn describe(&self) -> String {
        let place = match self.kind {
            ScopeKind::Module => "at module level".to_string(),
            ScopeKind::Class => format!("in the body of class `{}`", self.name),
            ScopeKind::Main => "in the `__main__` block".to_string(),
            ScopeKind::Function => match (&self.command, &self.class) {
                (Some(cmd), _) => format!("in cmdclass `{}.{}`", cmd, self.name),
                (None, Some(c)) => format!("in `{}.{}()`", c, self.name),
                (None, None) => format!("in `{}()`", self.name),
            },
        };
        let when = match (self.ctx, self.kind) {
            (ExecContext::Install, _) => " (runs during pip install)",
            (ExecContext::Import, ScopeKind::Module | ScopeKind::Class) => " (runs on import)",
            (ExecContext::Import, _) => " (called at import time)",
            (ExecContext::Runtime, _) => "",
        };
        format!("{place}{when}")
    }
}

#[derive(Clone, Debug)]
pub struct Call {
    /// Normalised resolved name: `subprocess.Popen`, `requests.Session.get`, `?.write`.
    pub q: String,
    pub scope: usize,
    pub line: u32,
    pub args: Vec<Val>,
    pub kwargs: Vec<(String, Val)>,
    pub recv: Option<Val>,
    /// The callee was reached through an indirection (getattr, __import__, globals()).
    pub indirect: bool,
    /// For network calls: some argument after the URL (body, params, files …) is built
    /// from non-constant data rather than literals.
    pub payload_dynamic: bool,
    /// Set on calls synthesised from a function summary: the local function through
    /// which the arguments reach this sink (`run(cmd)` → `subprocess.run(cmd)`).
    pub via: Option<String>,
}

impl Call {
    pub fn labels(&self) -> Labels {
        let mut l = Labels::NONE;
        for a in &self.args {
            l |= a.labels;
        }
        for (_, v) in &self.kwargs {
            l |= v.labels;
        }
        l
    }
    pub fn kw(&self, name: &str) -> Option<&Val> {
        self.kwargs.iter().find(|(k, _)| k == name).map(|(_, v)| v)
    }
    /// Command text of a shell call: first argument, or `args=`; lists joined by spaces.
    pub fn command_text(&self) -> Option<String> {
        let v = self.args.first().or_else(|| self.kw("args")).or_else(|| self.kw("cmd"))?;
        if let Some(list) = &v.list {
            let parts: Vec<&str> = list.iter().map(|x| x.text_or_hole()).collect();
            return Some(parts.join(" "));
        }
        v.text.clone()
    }
}

#[derive(Clone, Debug)]
pub struct Write {
    pub scope: usize,
    pub line: u32,
    pub path_text: Option<String>,
    pub data: Labels,
    pub data_text: Option<String>,
    pub append: bool,
}

#[derive(Clone, Debug)]
pub struct Lit {
    pub value: String,
    pub line: u32,
    pub scope: usize,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TrickKind {
    /// getattr(__builtins__, …), __builtins__.__dict__['exec'], globals()['eval'] …
    BuiltinsIndirection,
    /// __import__/import_module of a name built from chr()/decoding/reversal.
    HiddenImport,
    /// __import__/import_module of a computed (not hidden) name.
    DynamicImport,
}

#[derive(Clone, Debug)]
pub struct Trick {
    pub kind: TrickKind,
    pub scope: usize,
    pub line: u32,
    pub detail: String,
}

#[derive(Clone, Debug)]
pub struct Payload {
    pub scope: usize,
    pub line: u32,
    pub decoded: Decoded,
}

pub struct Model<'a> {
    pub path: &'a str,
    pub text: &'a str,
    pub role: FileRole,
    pub lines: LineIndex,
    pub parse_errors: usize,
    pub scopes: Vec<Scope>,
    pub calls: Vec<Call>,
    pub writes: Vec<Write>,
    pub literals: Vec<Lit>,
    pub tricks: Vec<Trick>,
    pub payloads: Vec<Payload>,
    /// Absolute module names imported anywhere in the file, with line.
    pub imports: Vec<(String, u32)>,
    /// cmdclass overrides: (command, class name, line).
    pub hooks: Vec<(String, String, u32)>,
    /// Call-graph lookups built once: callee name → function scopes, scope → nested
    /// class/main blocks.
    by_name: HashMap<String, Vec<usize>>,
    children: Vec<Vec<usize>>,
}

impl<'a> Model<'a> {
    pub fn scope(&self, id: usize) -> &Scope {
        &self.scopes[id.min(self.scopes.len().saturating_sub(1))]
    }
    pub fn ctx(&self, scope: usize) -> ExecContext {
        self.scope(scope).ctx
    }
    pub fn evidence(&self, line: u32) -> &'a str {
        self.lines.line_text(self.text, line)
    }
    /// Scopes reachable from `scope` through intra-file calls (including itself).
    pub fn reachable(&self, scope: usize) -> Vec<usize> {
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
    pub fn is_called(&self, s: usize) -> bool {
        let name = &self.scope(s).name;
        self.scope(s).kind == ScopeKind::Function && self.scopes.iter().enumerate().any(|(j, p)| j != s && p.callees.iter().any(|c| c == name))
    }
}

/// Builds the model of one file. `module_ctx` is when module-level code runs.
pub fn build<'a>(path: &'a str, text: &'a str, role: FileRole, module_ctx: ExecContext) -> Model<'a> {
    let parsed = ruff_python_parser::parse_unchecked_source(text, PySourceType::Python);
    let parse_errors = parsed.errors().len();
    let mut b = Builder {
        m: Model {
            path,
            text,
            role,
            lines: LineIndex::new(text),
            parse_errors,
            scopes: vec![Scope {
                kind: ScopeKind::Module,
                name: String::new(),
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
            by_name: HashMap::new(),
            children: Vec::new(),
        },
        vars: vec![HashMap::new()],
        aliases: HashMap::new(),
        cur: 0,
        class_stack: Vec::new(),
        cmdclass_names: Vec::new(),
        local_classes: HashMap::new(),
        fn_ids: HashMap::new(),
        depth: 0,
        inlining: 0,
        local_calls: Vec::new(),
        param_sinks: HashMap::new(),
    };
    let module = parsed.syntax();
    b.block(&module.body);
    b.finish()
}

struct Builder<'a> {
    m: Model<'a>,
    vars: Vec<HashMap<String, Val>>,
    aliases: HashMap<String, String>,
    cur: usize,
    /// (class name, install command it overrides)
    class_stack: Vec<(String, Option<String>)>,
    cmdclass_names: Vec<String>,
    /// local class name → install command base, if any
    local_classes: HashMap<String, Option<String>>,
    /// function name → latest scope defining it (for return labels)
    fn_ids: HashMap<String, usize>,
    depth: u32,
    /// Nesting of inline evaluations of decoder helpers (bounded).
    inlining: u32,
    /// Calls of local functions with a labelled first argument: (caller scope, callee,
    /// line, that argument).
    local_calls: Vec<(usize, String, u32, Val)>,
    /// Function scope → index of a shell/exec call its parameters reach.
    param_sinks: HashMap<usize, usize>,
}

fn rank(c: ExecContext) -> u8 {
    match c {
        ExecContext::Install => 3,
        ExecContext::Import => 2,
        ExecContext::Runtime => 1,
    }
}

impl<'a> Builder<'a> {
    fn line(&self, node: &impl Ranged) -> u32 {
        self.m.lines.line(node.range().start().to_u32())
    }

    fn finish(mut self) -> Model<'a> {
        // classes named in cmdclass={...} are install hooks even without a known base
        for (i, s) in self.m.scopes.iter_mut().enumerate() {
            if i == 0 {
                continue;
            }
            if s.kind == ScopeKind::Function && s.command.is_none() {
                if let Some(c) = &s.class {
                    if self.cmdclass_names.contains(c) {
                        s.command = Some("cmdclass".into());
                    }
                }
            }
            if s.command.is_some() {
                s.ctx = ExecContext::Install;
            }
        }
        // context fixpoint over the intra-file call graph
        let by_name: HashMap<String, Vec<usize>> = {
            let mut m: HashMap<String, Vec<usize>> = HashMap::new();
            for (i, s) in self.m.scopes.iter().enumerate() {
                if s.kind == ScopeKind::Function {
                    m.entry(s.name.clone()).or_default().push(i);
                    if s.name == "__init__" || s.name == "run" {
                        if let Some(c) = &s.class {
                            m.entry(c.clone()).or_default().push(i);
                        }
                    }
                }
            }
            m
        };
        for _ in 0..8 {
            let mut changed = false;
            for i in 0..self.m.scopes.len() {
                // class and main bodies run with their parent
                if let (Some(p), ScopeKind::Class) = (self.m.scopes[i].parent, self.m.scopes[i].kind) {
                    let pc = self.m.scopes[p].ctx;
                    if rank(pc) > rank(self.m.scopes[i].ctx) {
                        self.m.scopes[i].ctx = pc;
                        changed = true;
                    }
                }
                let ctx = self.m.scopes[i].ctx;
                let callees = self.m.scopes[i].callees.clone();
                for c in callees {
                    if let Some(ids) = by_name.get(&c) {
                        for &j in ids {
                            if rank(ctx) > rank(self.m.scopes[j].ctx) {
                                self.m.scopes[j].ctx = ctx;
                                changed = true;
                            }
                        }
                    }
                }
            }
            if !changed {
                break;
            }
        }
        self.summarise_param_sinks(&by_name);
        let mut children = vec![Vec::new(); self.m.scopes.len()];
        for (i, s) in self.m.scopes.iter().enumerate() {
            // class bodies run with their parent; a `__main__` block does not run when
            // the module is imported, so it is an entry point of its own
            if let (Some(p), ScopeKind::Class) = (s.parent, s.kind) {
                if let Some(c) = children.get_mut(p) {
                    c.push(i);
                }
            }
        }
        self.m.children = children;
        self.m.by_name = by_name;
        self.m
    }

    /// Function summaries: a local function whose parameter reaches a shell/exec call
    /// passes its callers' arguments on (`runcommand(resp)` → `subprocess.run(value)`).
    /// Calls with network, socket, web-request or decoded data into such a function are
    /// recorded as the sink call at the caller, marked with `via`.
    fn summarise_param_sinks(&mut self, by_name: &HashMap<String, Vec<usize>>) {
        if self.param_sinks.is_empty() || self.local_calls.is_empty() {
            return;
        }
        let sink_of = |sinks: &HashMap<usize, usize>, name: &str| by_name.get(name).and_then(|ids| ids.iter().find_map(|i| sinks.get(i).copied()));
        // transitive: f(p) calls g(p) and g's parameter reaches a sink
        for _ in 0..4 {
            let mut changed = false;
            for (scope, callee, _, arg) in &self.local_calls {
                if arg.labels.has(Labels::PARAM) && !self.param_sinks.contains_key(scope) && self.m.scopes[*scope].kind == ScopeKind::Function {
                    if let Some(idx) = sink_of(&self.param_sinks, callee) {
                        self.param_sinks.insert(*scope, idx);
                        changed = true;
                    }
                }
            }
            if !changed {
                break;
            }
        }
        let wanted = Labels(Labels::NET.0 | Labels::SOCK.0 | Labels::REMOTE.0 | Labels::DECODED.0 | Labels::DL_PATH.0);
        let mut extra = Vec::new();
        for (scope, callee, line, arg) in &self.local_calls {
            let data = arg.labels.without(Labels::PARAM);
            if !data.has(wanted) {
                continue;
            }
            if let Some(idx) = sink_of(&self.param_sinks, callee) {
                let sink = &self.m.calls[idx];
                extra.push(Call {
                    q: sink.q.clone(),
                    scope: *scope,
                    line: *line,
                    args: vec![Val { labels: data, ..arg.clone() }],
                    kwargs: sink.kwargs.iter().filter(|(k, _)| k != "args" && k != "cmd").cloned().collect(),
                    recv: None,
                    indirect: false,
                    payload_dynamic: false,
                    via: Some(callee.clone()),
                });
            }
        }
        self.m.calls.extend(extra);
    }

    fn push_scope(&mut self, kind: ScopeKind, name: &str, ctx: ExecContext) -> usize {
        let (class, command) = match (kind, self.class_stack.last()) {
            (ScopeKind::Function, Some((c, cmd))) => (Some(c.clone()), cmd.clone()),
            _ => (None, None),
        };
        // methods see the enclosing function/module, not the class body
        let mut parent = self.cur;
        while self.m.scopes[parent].kind == ScopeKind::Class {
            match self.m.scopes[parent].parent {
                Some(p) => parent = p,
                None => break,
            }
        }
        self.m.scopes.push(Scope {
            kind,
            name: name.to_string(),
            class,
            parent: Some(if kind == ScopeKind::Function { parent } else { self.cur }),
            command,
            ctx,
            callees: Vec::new(),
            ret: Labels::NONE,
        });
        self.vars.push(HashMap::new());
        self.m.scopes.len() - 1
    }

    fn lookup(&self, name: &str) -> Option<&Val> {
        let mut s = Some(self.cur);
        while let Some(i) = s {
            if let Some(v) = self.vars[i].get(name) {
                return Some(v);
            }
            s = self.m.scopes[i].parent;
        }
        None
    }

    fn assign_name(&mut self, name: &str, v: Val) {
        self.vars[self.cur].insert(name.to_string(), v);
    }

    fn add_labels(&mut self, name: &str, l: Labels) {
        // find the scope that holds the variable, else the current one
        let mut s = Some(self.cur);
        while let Some(i) = s {
            if let Some(v) = self.vars[i].get_mut(name) {
                v.labels |= l;
                return;
            }
            s = self.m.scopes[i].parent;
        }
        self.vars[self.cur].insert(name.to_string(), Val { labels: l, ..Default::default() });
    }

    fn block(&mut self, body: &[Stmt]) {
        for s in body {
            self.stmt(s);
        }
    }

    fn bind_target(&mut self, target: &Expr, v: Val) {
        match target {
            Expr::Name(n) => self.assign_name(n.id.as_str(), v),
            Expr::Tuple(t) => {
                for (i, e) in t.elts.iter().enumerate() {
                    let item = v.list.as_ref().and_then(|l| l.get(i).cloned()).unwrap_or(Val { labels: v.labels, ..Default::default() });
                    self.bind_target(e, item);
                }
            }
            Expr::List(t) => {
                for e in &t.elts {
                    self.bind_target(e, Val { labels: v.labels, ..Default::default() });
                }
            }
            Expr::Attribute(a) => {
                if let Expr::Name(n) = a.value.as_ref() {
                    let key = format!("{}.{}", n.id.as_str(), a.attr.id.as_str());
                    self.assign_name(&key, v);
                } else {
                    self.expr(&a.value);
                }
            }
            Expr::Subscript(s) => {
                // d[k] = tainted → d carries the label
                if let Expr::Name(n) = s.value.as_ref() {
                    if !v.labels.is_empty() {
                        let l = v.labels;
                        self.add_labels(n.id.as_str(), l);
                    }
                }
                self.expr(&s.slice);
            }
            Expr::Starred(s) => self.bind_target(&s.value, v),
            _ => {}
        }
    }

    fn stmt(&mut self, s: &Stmt) {
        match s {
            Stmt::FunctionDef(f) => {
                for d in &f.decorator_list {
                    self.expr(&d.expression);
                }
                let line = self.line(f);
                let base = if self.m.role == FileRole::SetupScript { ExecContext::Install } else { ExecContext::Runtime };
                let id = self.push_scope(ScopeKind::Function, f.name.id.as_str(), base);
                self.fn_ids.insert(f.name.id.to_string(), id);
                if self.m.scopes[id].command.is_some() {
                    if let (Some(cmd), Some(class)) = (self.m.scopes[id].command.clone(), self.m.scopes[id].class.clone()) {
                        if f.name.id.as_str() == "run" {
                            self.m.hooks.push((cmd, class, line));
                        }
                    }
                }
                let saved = self.cur;
                self.cur = id;
                for p in all_param_names(&f.parameters) {
                    let v = Val { labels: Labels::PARAM, qname: Some(p.clone()), ..Default::default() };
                    self.vars[id].insert(p, v);
                }
                self.block(&f.body);
                self.cur = saved;
                // `def d(s): return zlib.decompress(b64decode(s))`: a decoder helper
                let body: Vec<&Stmt> = f.body.iter().filter(|st| !matches!(st, Stmt::Expr(e) if matches!(e.value.as_ref(), Expr::StringLiteral(_)))).collect();
                if let [Stmt::Return(ast::StmtReturn { value: Some(ret), .. })] = body.as_slice() {
                    let params = param_names(&f.parameters);
                    if let Some(inline) = self.decoder_fn(params, ret, id) {
                        let mut v = Val::named(f.name.id.to_string());
                        v.func = Some(inline);
                        self.assign_name(f.name.id.as_str(), v);
                    }
                }
            }
            Stmt::ClassDef(c) => {
                let mut command = None;
                if let Some(args) = &c.arguments {
                    for base in args.args.iter() {
                        let v = self.expr(base);
                        if let Some(q) = v.qname {
                            let q = names::normalize(&q);
                            let last = q.rsplit('.').next().unwrap_or(&q).to_string();
                            let from_setuptools = q.contains("command") || q.starts_with("setuptools") || q.starts_with("distutils") || q == last;
                            if names::install_command(&last) && from_setuptools {
                                command = Some(last.trim_start_matches('_').trim_start_matches("orig_").to_string());
                            } else if let Some(Some(cmd)) = self.local_classes.get(&last) {
                                command = Some(cmd.clone());
                            }
                        }
                    }
                }
                self.local_classes.insert(c.name.id.to_string(), command.clone());
                
                let ctx = self.m.scopes[self.cur].ctx;
                let id = self.push_scope(ScopeKind::Class, c.name.id.as_str(), ctx);
                let saved = self.cur;
                self.cur = id;
                self.class_stack.push((c.name.id.to_string(), command));
                self.block(&c.body);
                self.class_stack.pop();
                self.cur = saved;
            }
            Stmt::Return(r) => {
                if let Some(v) = &r.value {
                    let v = self.expr(v);
                    self.m.scopes[self.cur].ret |= v.labels;
                }
            }
            Stmt::Assign(a) => {
                let v = self.expr(&a.value);
                for t in &a.targets {
                    self.bind_target(t, v.clone());
                }
            }
            Stmt::AugAssign(a) => {
                let v = self.expr(&a.value);
                let old = self.expr(&a.target);
                let mut nv = Val { labels: old.labels | v.labels, ..Default::default() };
                if a.op == Operator::Add {
                    if let (Some(x), Some(y)) = (&old.text, &v.text) {
                        if x.len() + y.len() <= MAX_TEXT {
                            nv.text = Some(format!("{x}{y}"));
                            nv.exact = old.exact && v.exact;
                        }
                    }
                }
                self.bind_target(&a.target, nv);
            }
            Stmt::AnnAssign(a) => {
                if let Some(v) = &a.value {
                    let v = self.expr(v);
                    self.bind_target(&a.target, v);
                }
            }
            Stmt::For(f) => {
                let it = self.expr(&f.iter);
                self.bind_target(&f.target, Val { labels: it.labels, ..Default::default() });
                self.block(&f.body);
                self.block(&f.orelse);
            }
            Stmt::While(w) => {
                self.expr(&w.test);
                self.block(&w.body);
                self.block(&w.orelse);
            }
            Stmt::If(i) => {
                if self.m.role != FileRole::SetupScript && is_main_guard(&i.test) && self.m.scopes[self.cur].kind == ScopeKind::Module {
                    
                    let id = self.push_scope(ScopeKind::Main, "__main__", ExecContext::Runtime);
                    let saved = self.cur;
                    self.cur = id;
                    self.block(&i.body);
                    self.cur = saved;
                    for c in &i.elif_else_clauses {
                        self.block(&c.body);
                    }
                    return;
                }
                self.expr(&i.test);
                self.block(&i.body);
                for c in &i.elif_else_clauses {
                    if let Some(t) = &c.test {
                        self.expr(t);
                    }
                    self.block(&c.body);
                }
            }
            Stmt::With(w) => {
                for item in &w.items {
                    let v = self.expr(&item.context_expr);
                    if let Some(t) = &item.optional_vars {
                        self.bind_target(t, v);
                    }
                }
                self.block(&w.body);
            }
            Stmt::Match(m) => {
                self.expr(&m.subject);
                for c in &m.cases {
                    self.block(&c.body);
                }
            }
            Stmt::Raise(r) => {
                if let Some(e) = &r.exc {
                    self.expr(e);
                }
            }
            Stmt::Try(t) => {
                self.block(&t.body);
                for h in &t.handlers {
                    let ast::ExceptHandler::ExceptHandler(h) = h;
                    self.block(&h.body);
                }
                self.block(&t.orelse);
                self.block(&t.finalbody);
            }
            Stmt::Assert(a) => {
                self.expr(&a.test);
            }
            Stmt::Import(i) => {
                let line = self.line(i);
                for a in &i.names {
                    let full = a.name.id.to_string();
                    self.m.imports.push((full.clone(), line));
                    match &a.asname {
                        Some(asn) => {
                            self.aliases.insert(asn.id.to_string(), full);
                        }
                        None => {
                            let first = full.split('.').next().unwrap_or(&full).to_string();
                            self.aliases.insert(first.clone(), first);
                        }
                    }
                    self.vars[self.cur].remove(a.asname.as_ref().map(|x| x.id.as_str()).unwrap_or(""));
                }
            }
            Stmt::ImportFrom(i) => {
                let line = self.line(i);
                let module = i.module.as_ref().map(|m| m.id.to_string()).unwrap_or_default();
                let base = if i.level > 0 { format!("{}{}", ".".repeat(i.level as usize), module) } else { module.clone() };
                if i.level == 0 {
                    self.m.imports.push((module.clone(), line));
                }
                for a in &i.names {
                    let name = a.name.id.as_str();
                    if name == "*" {
                        continue;
                    }
                    let full = if base.is_empty() { name.to_string() } else { format!("{base}.{name}") };
                    if i.level == 0 {
                        self.m.imports.push((full.clone(), line));
                    }
                    let local = a.asname.as_ref().map(|x| x.id.to_string()).unwrap_or_else(|| name.to_string());
                    self.aliases.insert(local, full);
                }
            }
            Stmt::Expr(e) => {
                // bare string statements are docstrings: not collected as literals
                if matches!(e.value.as_ref(), Expr::StringLiteral(_)) {
                    return;
                }
                self.expr(&e.value);
            }
            Stmt::Delete(d) => {
                for t in &d.targets {
                    self.expr(t);
                }
            }
            Stmt::TypeAlias(_) | Stmt::Global(_) | Stmt::Nonlocal(_) | Stmt::Pass(_) | Stmt::Break(_) | Stmt::Continue(_) | Stmt::IpyEscapeCommand(_) => {}
        }
    }

    fn record_literal(&mut self, s: &str, node: &impl Ranged) {
        if s.len() >= 4 {
            let line = self.line(node);
            self.m.literals.push(Lit { value: s.to_string(), line, scope: self.cur });
        }
    }

    /// Evaluates an expression: records calls inside it and returns what is known.
    fn expr(&mut self, e: &Expr) -> Val {
        self.depth += 1;
        let v = if self.depth > 200 { Val::default() } else { self.expr_inner(e) };
        self.depth -= 1;
        v
    }

    fn expr_inner(&mut self, e: &Expr) -> Val {
        match e {
            Expr::StringLiteral(s) => {
                let t = s.value.to_str();
                self.record_literal(t, s);
                let mut v = Val::text(t.to_string(), true);
                v.literal = true;
                v
            }
            Expr::BytesLiteral(b) => {
                let v = bytes_val(b);
                if let Some(t) = &v.text {
                    self.record_literal(t, b);
                }
                v
            }
            Expr::NumberLiteral(n) => match &n.value {
                Number::Int(i) => Val { int: i.as_i64(), ..Default::default() },
                _ => Val::default(),
            },
            Expr::BooleanLiteral(b) => Val { int: Some(b.value as i64), ..Default::default() },
            Expr::FString(f) => {
                let mut out = String::new();
                let mut exact = true;
                let mut labels = Labels::NONE;
                for part in f.value.iter() {
                    match part {
                        ast::FStringPart::Literal(l) => out.push_str(&l.value),
                        ast::FStringPart::FString(fs) => {
                            for el in fs.elements.iter() {
                                match el {
                                    ast::InterpolatedStringElement::Literal(l) => out.push_str(&l.value),
                                    ast::InterpolatedStringElement::Interpolation(i) => {
                                        let v = self.expr(&i.expression);
                                        labels |= v.labels;
                                        match &v.text {
                                            Some(t) if v.exact => out.push_str(t),
                                            Some(t) => {
                                                out.push_str(t);
                                                exact = false;
                                            }
                                            None => {
                                                out.push('…');
                                                exact = false;
                                            }
                                        }
                                    }
                                }
                                if out.len() > MAX_TEXT {
                                    return Val { labels, ..Default::default() };
                                }
                            }
                        }
                    }
                }
                if out.len() >= 8 {
                    let line = self.line(f);
                    self.m.literals.push(Lit { value: out.clone(), line, scope: self.cur });
                }
                let mut v = Val::text(out, exact);
                v.labels = labels;
                mark_secret_path(&mut v);
                v
            }
            Expr::Name(n) => {
                let id = n.id.as_str();
                if let Some(v) = self.lookup(id) {
                    let mut v = v.clone();
                    v.literal = false;
                    return v;
                }
                if let Some(q) = self.aliases.get(id) {
                    return Val::named(q.clone());
                }
                match id {
                    "__builtins__" | "__builtin__" => Val::named("builtins".into()),
                    _ => Val::named(id.to_string()),
                }
            }
            Expr::Attribute(a) => {
                // self.x stored as "self.x"
                if let Expr::Name(n) = a.value.as_ref() {
                    let key = format!("{}.{}", n.id.as_str(), a.attr.id.as_str());
                    if let Some(v) = self.lookup(&key) {
                        return v.clone();
                    }
                }
                let base = self.expr(&a.value);
                let attr = a.attr.id.as_str();
                let q = match &base.qname {
                    Some(q) => format!("{q}.{attr}"),
                    None => format!("?.{attr}"),
                };
                let mut v = Val::named(q);
                v.labels = base.labels;
                if attr == "environ" && base.qname.as_deref() == Some("os") {
                    v.labels |= Labels::ENV;
                }
                if web_input(a.value.as_ref(), base.qname.as_deref(), attr) {
                    v.labels |= Labels::REMOTE;
                }
                v
            }
            Expr::Call(c) => self.call(c),
            Expr::BinOp(b) => {
                let l = self.expr(&b.left);
                let r = self.expr(&b.right);
                let mut v = binop(&l, b.op, &r);
                mark_secret_path(&mut v);
                v
            }
            Expr::UnaryOp(u) => {
                let v = self.expr(&u.operand);
                match (u.op, v.int) {
                    (UnaryOp::USub, Some(i)) => Val { int: i.checked_neg(), ..Default::default() },
                    (UnaryOp::Invert, Some(i)) => Val { int: Some(!i), ..Default::default() },
                    (UnaryOp::UAdd, Some(i)) => Val { int: Some(i), ..Default::default() },
                    _ => Val { labels: v.labels, ..Default::default() },
                }
            }
            Expr::BoolOp(b) => {
                let mut labels = Labels::NONE;
                let mut last = Val::default();
                for x in &b.values {
                    last = self.expr(x);
                    labels |= last.labels;
                }
                last.labels = labels;
                last
            }
            Expr::Named(n) => {
                let v = self.expr(&n.value);
                self.bind_target(&n.target, v.clone());
                v
            }
            Expr::Lambda(l) => {
                self.expr(&l.body);
                let params = l.parameters.as_deref().map(param_names).unwrap_or_default();
                let cur = self.cur;
                match self.decoder_fn(params, &l.body, cur) {
                    Some(inline) => Val { func: Some(inline), ..Default::default() },
                    None => Val::default(),
                }
            }
            Expr::If(i) => {
                self.expr(&i.test);
                let a = self.expr(&i.body);
                let b = self.expr(&i.orelse);
                let mut v = if a.text.is_some() { a.clone() } else { b.clone() };
                v.labels = a.labels | b.labels;
                v
            }
            Expr::Dict(d) => {
                let mut labels = Labels::NONE;
                for item in &d.items {
                    if let Some(k) = &item.key {
                        labels |= self.expr(k).labels;
                    }
                    let v = self.expr(&item.value);
                    labels |= v.labels;
                }
                Val { labels, ..Default::default() }
            }
            Expr::Set(s) => self.seq(&s.elts),
            Expr::List(s) => self.seq(&s.elts),
            Expr::Tuple(s) => self.seq(&s.elts),
            Expr::ListComp(c) => self.comprehension(&c.elt, &c.generators),
            Expr::SetComp(c) => self.comprehension(&c.elt, &c.generators),
            Expr::Generator(c) => self.comprehension(&c.elt, &c.generators),
            Expr::DictComp(c) => {
                let mut labels = Labels::NONE;
                for g in &c.generators {
                    let it = self.expr(&g.iter);
                    labels |= it.labels;
                    self.bind_target(&g.target, Val { labels: it.labels, ..Default::default() });
                }
                if let Some(k) = &c.key {
                    labels |= self.expr(k).labels;
                }
                labels |= self.expr(&c.value).labels;
                Val { labels, ..Default::default() }
            }
            Expr::Await(a) => self.expr(&a.value),
            Expr::Yield(y) => {
                if let Some(v) = &y.value {
                    let v = self.expr(v);
                    self.m.scopes[self.cur].ret |= v.labels;
                }
                Val::default()
            }
            Expr::YieldFrom(y) => self.expr(&y.value),
            Expr::Compare(c) => {
                self.expr(&c.left);
                for x in c.comparators.iter() {
                    self.expr(x);
                }
                Val::default()
            }
            Expr::Subscript(s) => self.subscript(s),
            Expr::Starred(s) => self.expr(&s.value),
            Expr::Slice(s) => {
                for x in [&s.lower, &s.upper, &s.step].into_iter().flatten() {
                    self.expr(x);
                }
                Val::default()
            }
            Expr::TString(_) | Expr::NoneLiteral(_) | Expr::EllipsisLiteral(_) | Expr::IpyEscapeCommand(_) => Val::default(),
        }
    }

    /// A one-expression function is a decoder helper when its body, evaluated with
    /// unknown string parameters, decodes or assembles text.
    fn decoder_fn(&mut self, params: Vec<String>, body: &Expr, scope: usize) -> Option<Rc<InlineFn>> {
        if params.is_empty() || params.len() > 4 || self.inlining > 0 {
            return None;
        }
        let args: Vec<Val> = params.iter().map(|_| Val::text(String::new(), false)).collect();
        let v = self.eval_inline(&params, body, scope, args, false);
        (v.labels.has(Labels::DECODED) || v.labels.has(Labels::BUILT)).then(|| Rc::new(InlineFn { params, body: body.clone(), scope }))
    }

    /// Evaluates `body` with `params` bound to `args` in `scope`. Only decoded payloads
    /// are kept (`keep_payloads`); calls and literals were recorded at the definition.
    fn eval_inline(&mut self, params: &[String], body: &Expr, scope: usize, args: Vec<Val>, keep_payloads: bool) -> Val {
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

    fn seq(&mut self, elts: &[Expr]) -> Val {
        let mut labels = Labels::NONE;
        let mut items = Vec::with_capacity(elts.len().min(MAX_LIST));
        for x in elts {
            let v = self.expr(x);
            labels |= v.labels;
            if items.len() < MAX_LIST {
                items.push(v);
            }
        }
        Val { labels, list: Some(items), ..Default::default() }
    }

    /// `[chr(x) for x in [..]]`, `(chr(c ^ k) for c in data)`: evaluated element by element
    /// when the iterable is a known list.
    fn comprehension(&mut self, elt: &Expr, gens: &[ast::Comprehension]) -> Val {
        let mut labels = Labels::NONE;
        if gens.len() == 1 && gens[0].ifs.is_empty() {
            let it = self.expr(&gens[0].iter);
            labels |= it.labels;
            let items: Option<Vec<Val>> = it.list.clone().or_else(|| {
                it.text.as_ref().filter(|t| it.exact && t.len() <= MAX_LIST).map(|t| t.chars().map(|c| Val::text(c.to_string(), true)).collect())
            });
            if let (Some(items), Expr::Name(target)) = (items, &gens[0].target) {
                let name = target.id.as_str().to_string();
                let mut first_len: Option<(usize, usize)> = None;
                let mut out = Vec::with_capacity(items.len());
                for item in items.into_iter() {
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
                let built = out.iter().any(|v| v.labels.has(Labels::BUILT));
                return Val { labels: labels | if built { Labels::BUILT } else { Labels::NONE }, list: Some(out), ..Default::default() };
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

    fn subscript(&mut self, s: &ast::ExprSubscript) -> Val {
        let base = self.expr(&s.value);
        let line = self.line(s);
        // slices: text[::-1]
        if let Expr::Slice(sl) = s.slice.as_ref() {
            let step = sl.step.as_ref().map(|x| self.expr(x).int).unwrap_or(Some(1));
            let lower = sl.lower.as_ref().map(|x| self.expr(x).int);
            let upper = sl.upper.as_ref().map(|x| self.expr(x).int);
            if let (Some(t), Some(-1), None, None) = (&base.text, step, &lower, &upper) {
                let mut v = Val::text(t.chars().rev().collect(), base.exact);
                v.labels = base.labels | Labels::BUILT;
                return v;
            }
            return Val { labels: base.labels, ..Default::default() };
        }
        let key = self.expr(&s.slice);
        // __builtins__.__dict__['exec'], globals()['eval'], vars(builtins)['exec']
        if let (Some(q), Some(k)) = (&base.qname, &key.text) {
            let qn = names::normalize(q);
            let is_ns = matches!(qn.as_str(), "builtins" | "builtins.__dict__" | "globals" | "locals" | "vars" | "__dict__" | "sys.modules.builtins.__dict__")
                || qn.ends_with("builtins.__dict__");
            if is_ns && names::dangerous_builtin(k) {
                self.m.tricks.push(Trick { kind: TrickKind::BuiltinsIndirection, scope: self.cur, line, detail: format!("{}[{:?}]", q.replace("()", "()"), k) });
                let mut v = Val::named(k.clone());
                v.hidden = true;
                return v;
            }
            if qn == "sys.modules" {
                return Val::named(k.clone());
            }
            // os.environ['X']
            if qn == "os.environ" {
                return env_read(k, base.labels);
            }
        }
        if let (Some(list), Some(i)) = (&base.list, key.int) {
            let idx = if i < 0 { list.len() as i64 + i } else { i };
            if let Some(v) = usize::try_from(idx).ok().and_then(|i| list.get(i)) {
                return v.clone();
            }
        }
        if let (Some(t), Some(i)) = (&base.text, key.int) {
            let n = t.chars().count() as i64;
            let idx = if i < 0 { n + i } else { i };
            if let Some(c) = usize::try_from(idx).ok().and_then(|i| t.chars().nth(i)) {
                let mut v = Val::text(c.to_string(), base.exact);
                v.labels = base.labels;
                return v;
            }
        }
        let mut labels = base.labels;
        if base.labels.has(Labels::ENV) {
            // a single environment value, not the whole environment
            labels = Labels(labels.0 & !Labels::ENV.0);
        }
        Val { labels, qname: base.qname.map(|q| format!("{q}[]")), ..Default::default() }
    }

    fn call(&mut self, c: &ast::ExprCall) -> Val {
        let line = self.line(c);
        let func = self.expr(&c.func);
        let mut args: Vec<Val> = Vec::with_capacity(c.arguments.args.len());
        for a in c.arguments.args.iter() {
            args.push(self.expr(a));
        }
        let mut kwargs = Vec::with_capacity(c.arguments.keywords.len());
        for k in c.arguments.keywords.iter() {
            let v = self.expr(&k.value);
            let name = k.arg.as_ref().map(|a| a.id.to_string()).unwrap_or_else(|| "**".into());
            kwargs.push((name, v));
        }
        // receiver for method calls
        let recv: Option<Val> = match c.func.as_ref() {
            Expr::Attribute(a) => Some(self.peek(&a.value)),
            _ => None,
        };
        let method = match c.func.as_ref() {
            Expr::Attribute(a) => Some(a.attr.id.as_str()),
            _ => None,
        };
        let raw_q = func.qname.clone().unwrap_or_else(|| "?".into());
        let q = names::normalize(&raw_q);

        // call graph: local functions called or passed as callbacks
        match c.func.as_ref() {
            Expr::Name(n) => {
                let id = n.id.to_string();
                if !self.aliases.contains_key(&id) {
                    self.m.scopes[self.cur].callees.push(id);
                }
            }
            Expr::Attribute(a) => {
                if let Expr::Name(n) = a.value.as_ref() {
                    let instance_of_local = self
                        .lookup(n.id.as_str())
                        .and_then(|v| v.qname.as_deref())
                        .and_then(|q| q.strip_suffix("()"))
                        .map(|q| self.local_classes.contains_key(q))
                        .unwrap_or(false);
                    if matches!(n.id.as_str(), "self" | "cls") || self.local_classes.contains_key(n.id.as_str()) || instance_of_local {
                        self.m.scopes[self.cur].callees.push(a.attr.id.to_string());
                    }
                }
            }
            _ => {}
        }
        // callbacks handed to APIs that run them: Thread(target=f), atexit.register(f) …
        let runs_callback = {
            let fq = names::normalize(func.qname.as_deref().unwrap_or(""));
            matches!(
                fq.as_str(),
                "threading.Thread" | "threading.Timer" | "multiprocessing.Process" | "atexit.register" | "Thread" | "Process" | "Timer"
            ) || fq.ends_with(".submit") || fq.ends_with(".apply_async") || fq.ends_with("run_in_executor")
        };
        if runs_callback {
            for a in c.arguments.args.iter().chain(c.arguments.keywords.iter().map(|k| &k.value)) {
                if let Expr::Name(n) = a {
                    if !self.aliases.contains_key(n.id.as_str()) {
                        self.m.scopes[self.cur].callees.push(n.id.to_string());
                    }
                }
            }
        }
        // cmdclass={'install': Custom}
        if q == "setup" || q.ends_with(".setup") {
            if let Some((_, _)) = kwargs.iter().find(|(k, _)| k == "cmdclass") {
                for k in c.arguments.keywords.iter() {
                    if k.arg.as_ref().map(|a| a.id.as_str()) == Some("cmdclass") {
                        if let Expr::Dict(d) = &k.value {
                            for item in &d.items {
                                if let Expr::Name(n) = &item.value {
                                    self.cmdclass_names.push(n.id.to_string());
                                }
                            }
                        }
                    }
                }
            }
        }

        let arg_labels = {
            let mut l = Labels::NONE;
            for a in &args {
                l |= a.labels;
            }
            for (_, v) in &kwargs {
                l |= v.labels;
            }
            l
        };
        // calls of local functions with a labelled first argument (the command position of
        // `run(cmd, …)` helpers; `cmd("xdotool", x)` fixes the program), for summaries
        let first_labels = args.first().map(|a| a.labels).unwrap_or_default();
        if !first_labels.is_empty() && self.inlining == 0 {
            let callee = match c.func.as_ref() {
                Expr::Name(n) if !self.aliases.contains_key(n.id.as_str()) => Some(n.id.to_string()),
                Expr::Attribute(a) if matches!(a.value.as_ref(), Expr::Name(n) if matches!(n.id.as_str(), "self" | "cls")) => Some(a.attr.id.to_string()),
                _ => None,
            };
            if let Some(callee) = callee {
                let a0 = args.first().map(|a| Val {
                    labels: a.labels,
                    text: a.text.clone().filter(|t| t.len() <= 4096),
                    exact: a.exact,
                    list: a.list.as_ref().map(|_| Vec::new()),
                    ..Default::default()
                });
                self.local_calls.push((self.cur, callee, line, a0.unwrap_or_default()));
            }
        }
        let recv_labels = recv.as_ref().map(|r| r.labels).unwrap_or_default();
        let mut result = Val { labels: arg_labels | recv_labels, ..Default::default() };
        let mut indirect = false;
        // calls of decoder helpers are evaluated with their arguments: `_(b'…')`
        if let Some(f) = func.func.clone() {
            let v = self.eval_inline(&f.params, &f.body, f.scope, args.clone(), true);
            result.labels |= v.labels;
            result.text = v.text;
            result.exact = v.exact;
            result.chain = v.chain;
        }

        // ── name-producing calls: __import__, import_module, getattr, globals() ──
        match q.as_str() {
            "__import__" | "importlib.import_module" | "importlib.__import__" => {
                if let Some(a0) = args.first() {
                    match (&a0.text, a0.literal) {
                        (Some(t), true) => {
                            result.qname = Some(t.clone());
                            self.m.imports.push((t.clone(), line));
                        }
                        (Some(t), false) if a0.exact && !t.contains('…') => {
                            let kind = if a0.labels.has(Labels::BUILT) || a0.labels.has(Labels::DECODED) { TrickKind::HiddenImport } else { TrickKind::DynamicImport };
                            self.m.tricks.push(Trick { kind, scope: self.cur, line, detail: t.clone() });
                            self.m.imports.push((t.clone(), line));
                            result.qname = Some(t.clone());
                            indirect = true;
                        }
                        _ => {
                            let kind = if a0.labels.has(Labels::BUILT) || a0.labels.has(Labels::DECODED) { TrickKind::HiddenImport } else { TrickKind::DynamicImport };
                            self.m.tricks.push(Trick { kind, scope: self.cur, line, detail: a0.text.clone().unwrap_or_default() });
                        }
                    }
                }
                let v = Val { qname: result.qname.clone(), labels: result.labels, hidden: indirect, ..Default::default() };
                self.push_call(&q, line, args, kwargs, recv, indirect);
                return v;
            }
            "getattr" => {
                if let (Some(obj), Some(name)) = (args.first(), args.get(1)) {
                    let oq = obj.qname.as_deref().map(names::normalize).unwrap_or_default();
                    let builtins_ns = matches!(oq.as_str(), "builtins" | "__builtins__" | "__builtin__" | "globals" | "locals" | "vars");
                    // a plain variable as the name is ordinary reflection; an expression
                    // assembling the name is the obfuscation shape
                    let name_expr = c.arguments.args.get(1);
                    let assembled = matches!(name_expr, Some(Expr::BinOp(_) | Expr::Call(_) | Expr::Subscript(_) | Expr::FString(_)))
                        || name.labels.has(Labels::BUILT)
                        || name.labels.has(Labels::DECODED);
                    match &name.text {
                        Some(n) if name.exact => {
                            if builtins_ns && !name.literal && (names::dangerous_builtin(n) || assembled) {
                                self.m.tricks.push(Trick { kind: TrickKind::BuiltinsIndirection, scope: self.cur, line, detail: format!("getattr({oq}, {n:?})") });
                            } else if !builtins_ns && !name.literal && assembled && names::dangerous_builtin(n) {
                                self.m.tricks.push(Trick { kind: TrickKind::BuiltinsIndirection, scope: self.cur, line, detail: format!("getattr({}, {n:?}) with a built name", if oq.is_empty() { "…" } else { &oq }) });
                            }
                            let base = obj.qname.clone().unwrap_or_else(|| "?".into());
                            let nq = if builtins_ns { n.clone() } else { format!("{base}.{n}") };
                            let mut v = Val::named(nq);
                            v.labels = obj.labels;
                            v.hidden = obj.hidden || (builtins_ns && !name.literal) || name.labels.has(Labels::BUILT) || name.labels.has(Labels::DECODED);
                            self.push_call(&q, line, args, kwargs, recv, false);
                            return v;
                        }
                        _ => {
                            if builtins_ns && assembled {
                                self.m.tricks.push(Trick { kind: TrickKind::BuiltinsIndirection, scope: self.cur, line, detail: format!("getattr({oq}, <computed>)") });
                                self.push_call(&q, line, args, kwargs, recv, false);
                                return Val { qname: Some("<hidden builtin>".into()), hidden: true, ..Default::default() };
                            }
                        }
                    }
                }
            }
            "globals" | "locals" | "vars" => {
                let ns = match args.first().and_then(|a| a.qname.as_deref()) {
                    Some(a) if names::normalize(a) == "builtins" => "builtins".to_string(),
                    Some(_) => "?".into(),
                    None => q.clone(),
                };
                self.push_call(&q, line, args, kwargs, recv, false);
                return Val::named(ns);
            }
            _ => {}
        }

        // ── sources and folding ──
        if names::network_call(&q).is_some() || names::socket_recv(&q) {
            result.labels |= Labels::NET;
            if names::socket_recv(&q) {
                result.labels |= Labels::SOCK;
            }
        }
        if names::host_info_call(&q) {
            result.labels |= Labels::HOST;
        }
        if matches!(q.as_str(), "flask.request.get_json" | "flask.request.get_data" | "quart.request.get_json") {
            result.labels |= Labels::REMOTE;
        }
        if q == "os.getcwd" || q == "os.getcwdb" {
            result.labels |= Labels::WEAK_HOST;
        }
        if names::secret_source_call(&q) {
            result.labels |= Labels::SECRET;
        }
        if names::network_call(&q).is_some() && args.first().and_then(|a| a.text.as_deref()).map(names::ip_lookup_url).unwrap_or(false) {
            result.labels |= Labels::HOST;
        }
        if matches!(q.as_str(), "os.getenv" | "os.environ.get" | "os.environ.setdefault" | "os.environ.pop") {
            if let Some(k) = args.first().and_then(|a| a.text.clone()) {
                let ev = env_read(&k, Labels::NONE);
                result.labels = (result.labels | ev.labels) & Labels(!Labels::ENV.0);
            } else {
                result.labels = Labels(result.labels.0 & !Labels::ENV.0);
            }
        }
        if matches!(q.as_str(), "os.environ.copy" | "dict" | "os.environ.items" | "os.environ.keys" | "os.environ.values") && (recv_labels | arg_labels).has(Labels::ENV) {
            result.labels |= Labels::ENV;
        }
        if q == "os.getenv" || q == "os.environ.get" {
            // value of a single variable: not the whole environment
        }
        // local helper function: its return labels
        if let Expr::Name(n) = c.func.as_ref() {
            let id = n.id.as_str();
            if let Some(&sid) = self.fn_ids.get(id) {
                result.labels |= self.m.scopes[sid].ret.without(Labels::PARAM);
            }
        }
        let text_arg = args.first().and_then(|a| a.text.clone());
        match q.as_str() {
            "chr" | "unichr" => {
                result.labels |= Labels::BUILT;
                // chr(ord(c) ^ k): XOR decoding
                if let Some(Expr::BinOp(b)) = c.arguments.args.first() {
                    if b.op == Operator::BitXor {
                        result.labels |= Labels::DECODED;
                    }
                }
                if let Some(i) = args.first().and_then(|a| a.int) {
                    if let Some(ch) = u32::try_from(i).ok().and_then(char::from_u32) {
                        result.text = Some(ch.to_string());
                        result.exact = true;
                        result.labels |= Labels::BUILT;
                    }
                }
            }
            "ord" => {
                if let Some(t) = &text_arg {
                    let mut it = t.chars();
                    if let (Some(ch), None) = (it.next(), it.next()) {
                        result.int = Some(ch as i64);
                    }
                }
            }
            "int" => {
                if let Some(a0) = args.first() {
                    result.int = a0.int.or_else(|| {
                        let radix = args.get(1).and_then(|r| r.int).unwrap_or(10) as u32;
                        a0.text.as_ref().and_then(|t| i64::from_str_radix(t.trim(), radix.clamp(2, 36)).ok())
                    });
                }
            }
            "str" | "repr" => {
                if let Some(a0) = args.first() {
                    result.text = a0.text.clone().or_else(|| a0.int.map(|i| i.to_string()));
                    result.exact = a0.exact || a0.int.is_some();
                }
            }
            "map" => {
                // map(chr, [..]) / map(lambda …) — only chr is folded
                if let (Some(f), Some(list)) = (args.first().and_then(|f| f.qname.as_deref()), args.get(1).and_then(|l| l.list.as_ref())) {
                    if names::normalize(f) == "chr" {
                        let items: Vec<Val> = list
                            .iter()
                            .map(|x| match x.int.and_then(|i| u32::try_from(i).ok()).and_then(char::from_u32) {
                                Some(ch) => Val::text(ch.to_string(), true),
                                None => Val::default(),
                            })
                            .collect();
                        result.list = Some(items);
                        result.labels |= Labels::BUILT;
                    }
                }
            }
            "list" | "tuple" | "reversed" | "sorted" => {
                if let Some(a0) = args.first() {
                    result.list = a0.list.clone();
                    if q == "reversed" {
                        if let Some(l) = &mut result.list {
                            l.reverse();
                            result.labels |= Labels::BUILT;
                        } else if let Some(t) = &a0.text {
                            result.text = Some(t.chars().rev().collect());
                            result.exact = a0.exact;
                            result.labels |= Labels::BUILT;
                        }
                    }
                }
            }
            "bytes" | "bytearray" => {
                if let Some(list) = args.first().and_then(|a| a.list.as_ref()) {
                    let bytes: Option<Vec<u8>> = list.iter().map(|x| x.int.and_then(|i| u8::try_from(i).ok())).collect();
                    if let Some(b) = bytes {
                        result.text = Some(String::from_utf8_lossy(&b).into_owned());
                        result.exact = true;
                        result.labels |= Labels::BUILT;
                    }
                } else if let Some(a0) = args.first() {
                    result.text = a0.text.clone();
                    result.exact = a0.exact;
                }
            }
            "tempfile.NamedTemporaryFile" | "tempfile.TemporaryFile" | "tempfile.SpooledTemporaryFile" => {
                let mode = kwargs.iter().find(|(k, _)| k == "mode").and_then(|(_, v)| v.text.clone()).unwrap_or_else(|| "w+b".into());
                if mode.contains('w') || mode.contains('a') {
                    result.write_target = Some(WriteTarget { path_text: kwargs.iter().find(|(k, _)| k == "suffix").and_then(|(_, v)| v.text.clone()), path_var: None });
                }
            }
            "open" | "io.open" | "codecs.open" => {
                let mode = args.get(1).or_else(|| kwargs.iter().find(|(k, _)| k == "mode").map(|(_, v)| v)).and_then(|m| m.text.clone()).unwrap_or_default();
                if mode.contains('w') || mode.contains('a') || mode.contains('x') {
                    result.write_target = Some(WriteTarget {
                        path_text: args.first().and_then(|a| a.text.clone()),
                        path_var: name_of(c.arguments.args.first()),
                    });
                    if mode.contains('a') {
                        result.int = Some(1); // marks append mode for the write record
                    }
                }
                if let Some(p) = args.first() {
                    result.labels |= p.labels & Labels::DL_PATH;
                    if p.text.as_deref().map(super::sensitive_files::sensitive_path).flatten().is_some() {
                        result.labels |= Labels::SECRET;
                    }
                }
            }
            _ => {}
        }
        // decoders: fold literal chains through the payload library
        if names::decode_call(&q) {
            result.labels |= Labels::DECODED;
            let second = args.get(1).and_then(|a| a.text.clone());
            let decoded = if q.ends_with("decrypt") {
                match (recv.as_ref().and_then(|r| r.text.as_deref()), args.first().and_then(|a| a.text.as_deref())) {
                    (Some(key), Some(token)) => decode::decode_fernet(key.as_bytes(), token.as_bytes()).map(|d| (d, None)),
                    _ => None,
                }
            } else if let (Some(enc), Some(a0)) = (decode::encoding_of(&q, second.as_deref()), args.first()) {
                let (lit, mut layers) = match (&a0.chain, &a0.text) {
                    (Some(c), _) => (c.0.clone(), c.1.clone()),
                    (None, Some(t)) if a0.exact => (t.clone(), Vec::new()),
                    _ => (String::new(), Vec::new()),
                };
                if lit.is_empty() {
                    None
                } else {
                    layers.push(enc);
                    decode::decode_chain(lit.as_bytes(), &layers).map(|d| (d, Some((lit, layers))))
                }
            } else {
                None
            };
            if let Some((d, chain)) = decoded {
                result.text = d.text().map(str::to_string);
                result.exact = result.text.is_some();
                result.chain = chain.map(Box::new);
                if d.kind.is_code() {
                    self.m.payloads.push(Payload { scope: self.cur, line, decoded: d });
                }
            }
        }
        // Fernet(key): remember the key for .decrypt()
        if q.ends_with("Fernet") {
            result.text = args.first().and_then(|a| a.text.clone());
            result.exact = result.text.is_some();
        }
        // bytes.decode(codec) with an EBCDIC code page or a bytes-to-bytes codec
        // (`b'\x85\xa5…'.decode('cp1026')`, Python 2 `s.decode('base64')`)
        if let (Some("decode"), Some(r)) = (method, recv.as_ref()) {
            let codec = args.first().or_else(|| kwargs.iter().find(|(k, _)| k == "encoding").map(|(_, v)| v)).and_then(|a| a.text.clone()).unwrap_or_default();
            let bytes: Option<&[u8]> = r.raw.as_deref().or_else(|| r.text.as_deref().filter(|_| r.exact).map(str::as_bytes));
            let norm = codec.to_ascii_lowercase().replace(['_', '-'], "");
            let decoded = match bytes {
                Some(b) if crate::analysis::payload::codepage::is_codepage(&codec) => crate::analysis::payload::codepage::decode(&codec, b),
                Some(b) if matches!(norm.as_str(), "base64" | "zlib" | "bz2" | "uu") => decode::encoding_of("codecs.decode", Some(&norm))
                    .and_then(|enc| decode::decode_chain(b, &[enc]))
                    .and_then(|d| {
                        if d.kind.is_code() {
                            self.m.payloads.push(Payload { scope: self.cur, line, decoded: d.clone() });
                        }
                        d.text().map(str::to_string)
                    }),
                _ => None,
            };
            if let Some(t) = decoded {
                if crate::analysis::payload::codepage::is_codepage(&codec) {
                    let kind = crate::analysis::payload::classify(t.as_bytes());
                    if kind.is_code() && t.len() >= 16 {
                        self.m.payloads.push(Payload {
                            scope: self.cur,
                            line,
                            decoded: Decoded { layers: vec![decode::Encoding::Ebcdic], bytes: t.clone().into_bytes(), kind },
                        });
                    }
                }
                let mut v = Val::text(t, r.exact || r.raw.is_some());
                v.labels = result.labels | Labels::DECODED;
                v.qname = Some(format!("{raw_q}()"));
                self.push_call(&q, line, args, kwargs, recv, func.hidden);
                return v;
            }
        }
        // string methods on a known receiver
        if let (Some(m), Some(r)) = (method, recv.as_ref()) {
            if let Some(t) = &r.text {
                match m {
                    "join" => {
                        let list = args.first().and_then(|a| a.list.as_ref());
                        if let Some(list) = list {
                            let parts: Vec<&str> = list.iter().map(|x| x.text_or_hole()).collect();
                            let exact = r.exact && list.iter().all(|x| x.exact && x.text.is_some());
                            let joined = parts.join(t);
                            if joined.len() <= MAX_TEXT {
                                let small_parts = list.len() >= 3 && list.iter().all(|x| x.text.as_ref().map(|s| s.chars().count() <= 2).unwrap_or(true));
                                result.text = Some(joined);
                                result.exact = exact;
                                if small_parts || args[0].labels.has(Labels::BUILT) {
                                    result.labels |= Labels::BUILT;
                                }
                            }
                        } else if let Some(a0) = args.first() {
                            if let (Some(s), true) = (&a0.text, t.is_empty()) {
                                result.text = Some(s.clone());
                                result.exact = a0.exact;
                            }
                        }
                    }
                    "decode" | "encode" | "strip" | "rstrip" | "lstrip" => {
                        let enc = args.first().and_then(|a| a.text.as_deref()).unwrap_or("").to_ascii_lowercase();
                        if m == "decode" && (enc == "rot13" || enc == "rot_13") {
                            result.text = Some(rot13(t));
                            result.labels |= Labels::DECODED;
                        } else if m == "decode" && enc == "hex" {
                            if let Some(d) = decode::decode_chain(t.as_bytes(), &[decode::Encoding::Hex]) {
                                result.text = d.text().map(str::to_string);
                                result.labels |= Labels::DECODED;
                            }
                        } else if m.contains("strip") {
                            result.text = Some(t.trim().to_string());
                        } else {
                            result.text = Some(t.clone());
                        }
                        result.exact = r.exact;
                    }
                    "replace" => {
                        if let (Some(a), Some(b)) = (args.first().and_then(|a| a.text.as_ref()), args.get(1).and_then(|a| a.text.as_ref())) {
                            if !a.is_empty() {
                                let s = t.replace(a.as_str(), b);
                                if s.len() <= MAX_TEXT {
                                    result.text = Some(s);
                                    result.exact = r.exact;
                                    result.labels |= Labels::BUILT;
                                }
                            }
                        }
                    }
                    "upper" | "lower" | "capitalize" | "title" => {
                        result.text = Some(if m == "upper" { t.to_uppercase() } else { t.to_lowercase() });
                        result.exact = r.exact;
                    }
                    "format" => {
                        result.text = Some(format_braces(t, &args, &kwargs));
                        result.exact = false;
                    }
                    _ => {}
                }
            }
            // file handle writes
            if matches!(m, "write" | "writelines") {
                if let Some(wt) = &r.write_target {
                    let data = args.first().map(|a| a.labels).unwrap_or_default();
                    let w = Write {
                        scope: self.cur,
                        line,
                        path_text: wt.path_text.clone(),
                        data,
                        data_text: args.first().and_then(|a| a.text.clone()),
                        append: r.int == Some(1),
                    };
                    if data.has(Labels::NET) || data.has(Labels::DECODED) {
                        if let Some(v) = &wt.path_var {
                            self.add_labels(&v.clone(), Labels::DL_PATH);
                        }
                        // the handle itself (tempfile: `exe = tmp.name` later)
                        if let Expr::Attribute(a) = c.func.as_ref() {
                            if let Expr::Name(n) = a.value.as_ref() {
                                self.add_labels(&n.id.to_string(), Labels::DL_PATH);
                            }
                        }
                    }
                    self.m.writes.push(w);
                }
            }
            if matches!(m, "write_text" | "write_bytes") {
                let data = args.first().map(|a| a.labels).unwrap_or_default();
                self.m.writes.push(Write {
                    scope: self.cur,
                    line,
                    path_text: r.text.clone().or_else(|| r.list.as_ref().map(|_| String::new())),
                    data,
                    data_text: args.first().and_then(|a| a.text.clone()),
                    append: false,
                });
            }
        }
        // os.path.join of known parts
        if q == "os.path.join" || q == "posixpath.join" || q == "ntpath.join" {
            let parts: Vec<&str> = args.iter().map(|a| a.text_or_hole()).collect();
            if args.iter().any(|a| a.text.is_some()) {
                result.text = Some(parts.join("/"));
                result.exact = args.iter().all(|a| a.exact && a.text.is_some());
                mark_secret_path(&mut result);
            }
        }
        if q == "os.path.expanduser" || q == "os.path.expandvars" || q == "pathlib.Path" || q == "Path" || q == "os.path.abspath" {
            if let Some(a0) = args.first() {
                result.text = a0.text.clone();
                result.exact = a0.exact;
            }
            if q == "pathlib.Path" || q == "Path" {
                result.qname = Some("pathlib.Path()".into());
            }
        }
        // a cloned repository: fetched files written to disk (the directory is not a
        // program, so it carries no DL_PATH)
        if names::network_call(&q) == Some("git") {
            self.m.writes.push(Write { scope: self.cur, line, path_text: args.get(1).and_then(|a| a.text.clone()), data: Labels::NET, data_text: None, append: false });
        }
        // urlretrieve(url, path): path now holds network data
        if q.ends_with("urlretrieve") || q == "wget.download" {
            if let Some(pv) = name_of(c.arguments.args.get(1)) {
                self.add_labels(&pv, Labels::DL_PATH);
            }
            self.m.writes.push(Write {
                scope: self.cur,
                line,
                path_text: args.get(1).and_then(|a| a.text.clone()),
                data: Labels::NET,
                data_text: None,
                append: false,
            });
            result.labels |= Labels::DL_PATH;
        }
        if matches!(q.as_str(), "shutil.copy" | "shutil.copy2" | "shutil.copyfile" | "shutil.move" | "os.rename" | "os.replace" | "shutil.copyfileobj") {
            let data = args.first().map(|a| a.labels).unwrap_or_default();
            self.m.writes.push(Write {
                scope: self.cur,
                line,
                path_text: args.get(1).and_then(|a| a.text.clone()),
                data,
                data_text: None,
                append: false,
            });
        }
        // result naming: calls produce `q()` so methods on results resolve
        if result.qname.is_none() {
            result.qname = Some(format!("{raw_q}()"));
        }
        if q == "compile" {
            // the code object carries its source
            if let Some(a0) = args.first() {
                result.text = a0.text.clone();
                result.exact = a0.exact;
                result.literal = a0.literal;
            }
        } else if q == "eval" {
            // eval("exec") / eval("__import__('base64')"): names reached by evaluation
            if let Some(t) = args.first().filter(|a| a.exact).and_then(|a| a.text.as_deref()) {
                let t = t.trim();
                if !t.is_empty() && t.len() < 64 && t.chars().all(|ch| ch.is_alphanumeric() || ch == '_' || ch == '.') {
                    if names::dangerous_builtin(t) {
                        self.m.tricks.push(Trick { kind: TrickKind::BuiltinsIndirection, scope: self.cur, line, detail: format!("eval({t:?})") });
                    }
                    let v = Val { qname: Some(t.to_string()), hidden: true, ..Default::default() };
                    self.push_call(&q, line, args, kwargs, recv, func.hidden);
                    return v;
                }
                if let Some(rest) = t.strip_prefix("__import__(") {
                    let name: String = rest.trim_start_matches(['\'', '"']).chars().take_while(|ch| ch.is_alphanumeric() || *ch == '_' || *ch == '.').collect();
                    if !name.is_empty() {
                        self.m.imports.push((name.clone(), line));
                        let v = Val { qname: Some(name), hidden: true, ..Default::default() };
                        self.push_call(&q, line, args, kwargs, recv, func.hidden);
                        return v;
                    }
                }
            }
            result.labels = result.labels & Labels::NET;
        } else if names::exec_call(&q) || names::shell_call(&q).is_some() {
            // a sink does not hand its input labels on
            result.labels = result.labels & Labels::NET;
        }
        // urllib Request objects carry their URL
        if q.ends_with(".Request") || q == "Request" {
            if let Some(a0) = args.first() {
                result.text = a0.text.clone();
                result.exact = a0.exact;
            }
        }
        let sends = names::network_call(&q).is_some() || names::socket_send(&q) || names::request_object(&q);
        self.push_call(&q, line, args, kwargs, recv, func.hidden);
        if sends {
            let dynamic = c.arguments.args.iter().skip(1).any(|e| !self.is_constant(e, 0))
                || c.arguments.keywords.iter().any(|k| {
                    !matches!(k.arg.as_ref().map(|a| a.id.as_str()), Some("url" | "headers" | "timeout" | "verify" | "proxies" | "allow_redirects" | "stream" | "cert" | "method"))
                        && !self.is_constant(&k.value, 0)
                });
            if let Some(last) = self.m.calls.last_mut() {
                last.payload_dynamic = dynamic;
            }
        }
        result
    }

    /// True when an expression is built only from literals (and names bound to folded
    /// literals): the data a call sends is fixed in the source.
    fn is_constant(&self, e: &Expr, depth: u32) -> bool {
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

    /// Evaluates without recording (receiver of a method call is already walked via func).
    fn peek(&mut self, e: &Expr) -> Val {
        match e {
            Expr::Name(n) => self.lookup(n.id.as_str()).cloned().unwrap_or_default(),
            Expr::StringLiteral(s) => Val::text(s.value.to_str().to_string(), true),
            Expr::BytesLiteral(b) => bytes_val(b),
            _ => {
                // evaluate silently: discard records made during evaluation
                let (c, l, w, t, p) = (self.m.calls.len(), self.m.literals.len(), self.m.writes.len(), self.m.tricks.len(), self.m.payloads.len());
                let v = self.expr(e);
                self.m.calls.truncate(c);
                self.m.literals.truncate(l);
                self.m.writes.truncate(w);
                self.m.tricks.truncate(t);
                self.m.payloads.truncate(p);
                v
            }
        }
    }

    fn push_call(&mut self, q: &str, line: u32, args: Vec<Val>, kwargs: Vec<(String, Val)>, recv: Option<Val>, indirect: bool) {
        // keep only what detectors need from arguments
        let slim = |mut v: Val| {
            if let Some(t) = &v.text {
                if t.len() > 64 * 1024 {
                    v.text = None;
                    v.raw = None;
                }
            }
            v
        };
        self.m.calls.push(Call {
            q: q.to_string(),
            scope: self.cur,
            line,
            args: args.into_iter().map(slim).collect(),
            kwargs: kwargs.into_iter().map(|(k, v)| (k, slim(v))).collect(),
            recv: recv.map(|r| Val { labels: r.labels, text: None, qname: r.qname, write_target: r.write_target, ..Default::default() }),
            indirect,
            payload_dynamic: false,
            via: None,
        });
        if self.inlining == 0 && (names::shell_call(q).is_some() || names::exec_call(q)) && self.m.scopes[self.cur].kind == ScopeKind::Function {
            let first = self.m.calls.last().and_then(|c| c.args.first().or_else(|| c.kw("args")).or_else(|| c.kw("cmd")).map(|a| a.labels)).unwrap_or_default();
            if first.has(Labels::PARAM) {
                let idx = self.m.calls.len() - 1;
                self.param_sinks.entry(self.cur).or_insert(idx);
            }
        }
    }
}

/// Data a web framework hands to a request handler: flask's `request.args/form/values/
/// json/data/get_json()` (the `flask.request` proxy) and django/DRF's `request.GET/POST/
/// body/data/query_params` on a handler's `request` parameter.
fn web_input(base: &Expr, base_q: Option<&str>, attr: &str) -> bool {
    let flask = base_q.map(|q| matches!(names::normalize(q).as_str(), "flask.request" | "quart.request" | "bottle.request")).unwrap_or(false);
    if flask {
        return matches!(attr, "args" | "form" | "values" | "json" | "data" | "get_json" | "get_data" | "files" | "query" | "forms" | "params");
    }
    matches!(base, Expr::Name(n) if n.id.as_str() == "request") && matches!(attr, "GET" | "POST" | "body" | "query_params" | "REQUEST")
}

/// Every parameter name of a function (positional, keyword-only, `*args`, `**kw`).
fn all_param_names(p: &ast::Parameters) -> Vec<String> {
    let mut v = param_names(p);
    v.extend(p.kwonlyargs.iter().map(|a| a.parameter.name.id.to_string()));
    v.extend(p.vararg.iter().chain(p.kwarg.iter()).map(|a| a.name.id.to_string()));
    v
}

/// Positional parameter names of a function or lambda.
fn param_names(p: &ast::Parameters) -> Vec<String> {
    p.posonlyargs.iter().chain(p.args.iter()).map(|a| a.parameter.name.id.to_string()).collect()
}

/// The value of a bytes literal: its text (lossy) and, when not UTF-8, its bytes.
fn bytes_val(b: &ast::ExprBytesLiteral) -> Val {
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
        v.raw = raw;
    }
    v
}

/// Strings naming a stealer target (browser stores, wallets, token stores) carry SECRET.
fn mark_secret_path(v: &mut Val) {
    if let Some(t) = &v.text {
        if t.len() < 400 && super::sensitive_files::sensitive_path(t).is_some() {
            v.labels |= Labels::SECRET;
        }
    }
}

fn name_of(e: Option<&Expr>) -> Option<String> {
    match e? {
        Expr::Name(n) => Some(n.id.to_string()),
        _ => None,
    }
}

fn env_read(key: &str, base: Labels) -> Val {
    let mut l = Labels(base.0 & !Labels::ENV.0);
    if names::host_env_name(key) {
        l |= Labels::HOST;
    }
    if names::secret_env_name(key) {
        l |= Labels::SECRET;
    }
    Val { labels: l, ..Default::default() }
}

fn is_main_guard(test: &Expr) -> bool {
    if let Expr::BoolOp(b) = test {
        return b.op == ast::BoolOp::And && b.values.iter().any(is_main_guard);
    }
    if let Expr::Compare(c) = test {
        let is_name = |e: &Expr| matches!(e, Expr::Name(n) if n.id.as_str() == "__name__");
        let is_main = |e: &Expr| matches!(e, Expr::StringLiteral(s) if s.value.to_str() == "__main__");
        if let Some(r) = c.comparators.first() {
            return (is_name(&c.left) && is_main(r)) || (is_main(&c.left) && is_name(r));
        }
    }
    false
}

fn binop(l: &Val, op: Operator, r: &Val) -> Val {
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
                let items: Vec<Val> = r.list.clone().unwrap_or_else(|| vec![r.clone()]);
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

fn format_braces(fmt: &str, args: &[Val], kwargs: &[(String, Val)]) -> String {
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

pub fn rot13(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            'a'..='m' | 'A'..='M' => ((c as u8) + 13) as char,
            'n'..='z' | 'N'..='Z' => ((c as u8) - 13) as char,
            _ => c,
        })
        .collect()
}
