//! The [`Builder`]: one walk over a parsed file. It keeps the scope stack and the
//! variables of each scope, evaluates statements and expressions into [`Val`]s, binds
//! assignment targets, and at the end settles each scope's execution context over the
//! intra-file call graph and summarises functions whose parameters reach a sink.
//! Calls are evaluated in `calls.rs`, constants folded in `fold.rs`, names resolved in
//! `resolve.rs`.

use super::fold::{binop, bytes_val};
use super::resolve::{all_param_names, env_read, mark_secret_path, param_names};
use super::state::Builder;
use super::types::{Call, Lit, Model, Name, Scope, ScopeKind, Trick, TrickKind, Val, MAX_TEXT};
use crate::analysis::python::depth;
use crate::analysis::python::labels::Labels;
use crate::analysis::python::names;
use crate::analysis::python::shellcmd;
use crate::analysis::source::FileRole;
use crate::finding::ExecContext;
use ruff_python_ast::{self as ast, Expr, Number, Operator, Stmt, UnaryOp};
use ruff_text_size::Ranged;
use super::HashMap;


/// Stack left when a recursive step grows the stack ([`stacker::maybe_grow`]), and the
/// size of each new segment: defence in depth under the pre-parse estimate.
const RED_ZONE: usize = 128 * 1024;
const STACK_SEGMENT: usize = 4 * 1024 * 1024;

fn rank(c: ExecContext) -> u8 {
    match c {
        ExecContext::Install => 3,
        ExecContext::Import => 2,
        ExecContext::Runtime => 1,
    }
}

impl<'a> Builder<'a> {
    pub(super) fn line(&self, node: &impl Ranged) -> u32 {
        if let Some(line) = self.pinned_line {
            return line;
        }
        self.m.lines.line(self.base + node.range().start().to_u32())
    }

    pub(super) fn finish(mut self) -> Model<'a> {
        // classes named in cmdclass={...} are install hooks even without a known base;
        // a command class runs at install only in a module that itself runs then
        // (setup.py, what it imports, an in-tree backend) — a wheel's or a library's
        // `build_ext` subclass runs when some other project's build calls it
        let install_module = self.m.scopes[0].ctx == ExecContext::Install;
        for (i, s) in self.m.scopes.iter_mut().enumerate() {
            if i == 0 {
                continue;
            }
            if s.kind == ScopeKind::Function && s.command.is_none() {
                if let Some(c) = &s.class {
                    if self.cmdclass_names.iter().any(|n| n == c.as_str()) {
                        s.command = Some("cmdclass".into());
                    }
                }
            }
            if s.command.is_some() && install_module {
                s.ctx = ExecContext::Install;
            }
        }
        // context fixpoint over the intra-file call graph
        let by_name: HashMap<Name, Vec<usize>> = {
            let mut m: HashMap<Name, Vec<usize>> = HashMap::default();
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
        self.summarise_url_param_sinks(&by_name);
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
    pub(super) fn summarise_param_sinks(&mut self, by_name: &HashMap<Name, Vec<usize>>) {
        if self.param_sinks.is_empty() || self.local_calls.is_empty() {
            return;
        }
        // transitive: f(p) calls g(p) and g's parameter reaches a sink
        for _ in 0..4 {
            let mut changed = false;
            for (scope, callee, _, arg, _) in &self.local_calls {
                if arg.labels.has(Labels::PARAM) && !self.param_sinks.contains_key(scope) && self.m.scopes[*scope].kind == ScopeKind::Function {
                    if let Some(idx) = sink_of(&self.param_sinks, by_name, callee) {
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
        for (scope, callee, line, arg, _) in &self.local_calls {
            let data = arg.labels.without(Labels::PARAMS);
            if !data.has(wanted) {
                // a literal command handed to a helper that runs it (`run_hidden(CMD)`):
                // the helper's command with the literal in the parameter's place, kept
                // when it is a complete download-and-run
                if let Some(call) = self.literal_through_helper(*scope, callee, *line, arg, by_name) {
                    extra.push(call);
                }
                continue;
            }
            if let Some(idx) = sink_of(&self.param_sinks, by_name, callee) {
                let sink = &self.m.calls[idx];
                let caller_value = slim(Val { labels: data, ..arg.clone() }, false);
                // `[tool, "-i", infile]` with the first parameter as an argument: the
                // caller's value is handed to the program, it is not the program
                let command = sink.args.first().or_else(|| sink.kw("args")).or_else(|| sink.kw("cmd"));
                let as_argument = command.and_then(|c| c.list.as_ref()).and_then(|items| {
                    let program = items.first()?;
                    (!program.labels.has(Labels::FIRST_PARAM) && items.iter().skip(1).any(|v| v.labels.has(Labels::FIRST_PARAM)))
                        .then(|| Val { labels: program.labels.without(Labels::PARAMS), ..program.clone() })
                });
                let command = match as_argument {
                    Some(program) => Val { labels: data, list: Some(Box::new(vec![program, caller_value])), ..Default::default() },
                    None => caller_value,
                };
                extra.push(Call {
                    q: sink.q.clone(),
                    scope: *scope,
                    line: *line,
                    args: Box::new([command]),
                    kwargs: sink.kwargs.iter().filter(|(k, _)| k != "args" && k != "cmd").cloned().collect(),
                    recv: Labels::NONE,
                    indirect: false,
                    payload_dynamic: false,
                    via: Some(callee.as_str().into()),
                });
            }
        }
        self.m.calls.extend(extra);
    }

    /// The shell call a helper makes when its first parameter is the literal `arg`,
    /// when that command downloads and runs by itself (see [`shellcmd::download_and_run`]).
    fn literal_through_helper(&self, scope: usize, callee: &str, line: u32, arg: &Val, by_name: &HashMap<Name, Vec<usize>>) -> Option<Call> {
        let literal = arg.text.as_deref().filter(|_| arg.exact && arg.labels.is_empty())?;
        let idx = sink_of(&self.param_sinks, by_name, callee)?;
        let sink = &self.m.calls[idx];
        names::shell_call(&sink.q)?;
        let command = sink.args.first().or_else(|| sink.kw("args")).or_else(|| sink.kw("cmd"))?;
        let substituted = match &command.list {
            Some(items) if items.iter().any(|v| v.labels.has(Labels::FIRST_PARAM)) => {
                let items: Vec<Val> = items
                    .iter()
                    .map(|v| if v.labels.has(Labels::FIRST_PARAM) { Val::text(literal.to_string(), true) } else { Val { labels: v.labels.without(Labels::PARAMS), ..v.clone() } })
                    .collect();
                Val { list: Some(Box::new(items)), ..Default::default() }
            }
            None if command.labels.has(Labels::FIRST_PARAM) && command.text.as_deref().is_none_or(|t| t.trim() == "…") => Val::text(literal.to_string(), true),
            _ => return None,
        };
        let call = Call { q: sink.q.clone(), scope, line, args: Box::new([substituted]), kwargs: Box::default(), recv: Labels::NONE, indirect: false, payload_dynamic: false, via: Some(callee.into()) };
        shellcmd::download_and_run(&call.command_text()?.to_ascii_lowercase())?;
        Some(call)
    }

    /// Function summaries for destinations: a local function that sends to the URL it
    /// is given, called with a literal URL, is recorded as that send at the caller with
    /// the caller's URL (`post(): report("https://…")`), so what the function sends is
    /// judged against a destination the package fixes.
    pub(super) fn summarise_url_param_sinks(&mut self, by_name: &HashMap<Name, Vec<usize>>) {
        if self.url_param_sinks.is_empty() {
            return;
        }
        let mut extra = Vec::new();
        for (scope, callee, line, arg, rest) in &self.local_calls {
            // a literal URL, or one the caller decodes from what the package ships
            let is_url = arg.text.as_deref().is_some_and(|t| t.starts_with("http://") || t.starts_with("https://"));
            if !is_url || !(arg.exact || arg.labels.has(Labels::DECODED)) {
                continue;
            }
            let Some(idx) = sink_of(&self.url_param_sinks, by_name, callee) else { continue };
            let sink = &self.m.calls[idx];
            let mut args = sink.args.clone();
            let mut kwargs = sink.kwargs.clone();
            // the caller's URL in place of the parameter; what else the URL value carried
            // (a `Request(url, data=…)` object's body) stays
            // the caller's URL in place of the parameter, and what the caller hands over
            // (`push(URL, collected)`) as what is sent
            let fixed = |v: &mut Val| {
                v.text = arg.text.clone();
                v.exact = true;
                v.labels = v.labels.without(Labels::PARAMS) | arg.labels.without(Labels::PARAMS) | rest.without(Labels::PARAMS);
            };
            match kwargs.iter_mut().find(|(k, _)| k == "url") {
                Some((_, v)) if args.is_empty() => fixed(v),
                _ if !args.is_empty() => fixed(&mut args[0]),
                _ => continue,
            }
            extra.push(Call { q: sink.q.clone(), scope: *scope, line: *line, args, kwargs, recv: Labels::NONE, indirect: false, payload_dynamic: sink.payload_dynamic, via: Some(callee.as_str().into()) });
        }
        self.m.calls.extend(extra);
    }

    /// Return labels of the functions this walk called before it had seen their
    /// definition; empty when no such call can change a label.
    pub(super) fn forward_ret_hints(&self) -> HashMap<String, Labels> {
        let mut hints: HashMap<String, Labels> = HashMap::default();
        if self.forward_calls.is_empty() && self.forward_methods.is_empty() {
            return hints;
        }
        for s in &self.m.scopes {
            if s.kind != ScopeKind::Function {
                continue;
            }
            if !s.ret.without(Labels::PARAMS).is_empty() && self.forward_calls.contains(s.name.as_str()) {
                *hints.entry(s.name.to_string()).or_default() |= s.ret;
            }
            if s.ret.has(Labels::DECODED) && self.forward_methods.contains(s.name.as_str()) {
                *hints.entry(s.name.to_string()).or_default() |= Labels::DECODED;
            }
        }
        hints
    }

    pub(super) fn push_scope(&mut self, kind: ScopeKind, name: &str, ctx: ExecContext) -> usize {
        let (class, command, class_scope) = match (kind, self.class_stack.last()) {
            (ScopeKind::Function, Some((c, cmd, body))) => (Some(c.clone()), cmd.clone(), Some(*body)),
            _ => (None, None, None),
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
            name: self.intern(name),
            class,
            parent: Some(if kind == ScopeKind::Function { parent } else { self.cur }),
            command,
            ctx,
            callees: Vec::new(),
            ret: Labels::NONE,
        });
        self.vars.push(HashMap::default());
        let id = self.m.scopes.len() - 1;
        if let Some(body) = class_scope {
            self.method_classes.insert(id, body);
        }
        id
    }

    pub(super) fn assign_name(&mut self, name: &str, v: Val) {
        self.vars[self.cur].insert(name.to_string(), v);
    }

    pub(super) fn add_labels(&mut self, name: &str, l: Labels) {
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

    pub(super) fn block(&mut self, body: &[Stmt]) {
        for s in body {
            self.stmt(s);
        }
    }

    pub(super) fn bind_target(&mut self, target: &Expr, v: Val) {
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
                // `requests.get = my_get`: an imported module's function replaced by one of
                // this file's, for every user of that module in the process
                let own = v.qname.as_deref().is_some_and(|q| self.fn_ids.contains_key(q) || self.local_classes.contains_key(q));
                if let Some(module_attr) = own.then(|| self.imported_path(&a.value)).flatten() {
                    let line = self.line(a);
                    self.m.patches.push((format!("{module_attr}.{}", a.attr.id.as_str()), self.cur, line));
                }
                if let Expr::Name(n) = a.value.as_ref() {
                    let key = format!("{}.{}", n.id.as_str(), a.attr.id.as_str());
                    // what one method stores on `self` that does not depend on the call —
                    // a string constant (`self.token = '…'`) or an object of a known type
                    // (`self.sock = socket.socket()`) — is what the class's other methods
                    // read: it is kept on the class's scope too, where `self.x` is looked
                    // up last (the first one stored wins; an object keeps only its type)
                    if let Some(class) = (n.id.as_str() == "self").then(|| self.method_class()).flatten() {
                        let constant = v.literal && v.exact && v.text.is_some();
                        let object = v.qname.as_deref().filter(|q| v.text.is_none() && q.ends_with("()") && !q.starts_with('?'));
                        let kept = if constant { Some(v.clone()) } else { object.map(|q| Val::named(self.intern(q))) };
                        if let Some(kept) = kept {
                            self.vars[class].entry(key.clone()).or_insert(kept);
                        }
                    }
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

    pub(super) fn stmt(&mut self, s: &Stmt) {
        stacker::maybe_grow(RED_ZONE, STACK_SEGMENT, || self.stmt_inner(s))
    }

    fn stmt_inner(&mut self, s: &Stmt) {
        match s {
            Stmt::FunctionDef(f) => self.function_def(f),
            Stmt::ClassDef(c) => self.class_def(c),
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
            Stmt::If(i) => self.if_stmt(i),
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
            Stmt::Import(i) => self.import(i),
            Stmt::ImportFrom(i) => self.import_from(i),
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

    /// `def`: a function scope with its parameters bound; a one-expression function
    /// that decodes or builds strings becomes an inline decoder helper.
    fn function_def(&mut self, f: &ast::StmtFunctionDef) {
        for d in &f.decorator_list {
            self.expr(&d.expression);
        }
        let line = self.line(f);
        let base = if self.m.role == FileRole::SetupScript { ExecContext::Install } else { ExecContext::Runtime };
        let id = self.push_scope(ScopeKind::Function, f.name.id.as_str(), base);
        self.fn_ids.insert(f.name.id.to_string(), id);
        if self.m.scopes[id].command.is_some() && self.m.scopes[0].ctx == ExecContext::Install {
            if let (Some(cmd), Some(class)) = (self.m.scopes[id].command.clone(), self.m.scopes[id].class.clone()) {
                if f.name.id.as_str() == "run" {
                    self.m.hooks.push((cmd.to_string(), class.to_string(), line));
                }
            }
        }
        let saved = self.cur;
        self.cur = id;
        let positional = param_names(&f.parameters);
        let first = positional.iter().find(|p| !matches!(p.as_str(), "self" | "cls")).cloned();
        self.fn_params.insert(id, positional);
        for p in all_param_names(&f.parameters) {
            let mut labels = if names::wallet_secret_name(&p) { Labels::PARAM | Labels::WALLET } else { Labels::PARAM };
            if first.as_deref() == Some(p.as_str()) {
                labels |= Labels::FIRST_PARAM;
            }
            let v = Val { labels, qname: Some(self.intern(&p)), ..Default::default() };
            self.vars[id].insert(p, v);
        }
        self.block(&f.body);
        self.cur = saved;
        // `def d(s): return zlib.decompress(b64decode(s))`: a decoder helper
        let body: Vec<&Stmt> = f.body.iter().filter(|st| !matches!(st, Stmt::Expr(e) if matches!(e.value.as_ref(), Expr::StringLiteral(_)))).collect();
        if let [Stmt::Return(ast::StmtReturn { value: Some(ret), .. })] = body.as_slice() {
            let params = param_names(&f.parameters);
            if let Some(inline) = self.decoder_fn(params, ret, id) {
                let mut v = Val::named(self.intern(f.name.id.as_str()));
                v.set_func(Some(inline));
                self.assign_name(f.name.id.as_str(), v);
            }
        }
        // the body has been walked (nested functions with it): its locals are read no
        // more, and a generated module with 100,000 methods would otherwise keep them all
        self.vars[id] = HashMap::default();
    }

    /// `class`: a class scope; a class deriving from a setuptools command (or from a
    /// local class that does) overrides that install command.
    fn class_def(&mut self, c: &ast::StmtClassDef) {
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
        let (class_name, command) = (self.intern(c.name.id.as_str()), command.map(|cmd| self.intern(&cmd)));
        self.class_stack.push((class_name, command, id));
        self.block(&c.body);
        self.class_stack.pop();
        self.cur = saved;
    }

    /// `if`; `if __name__ == "__main__":` at module level of a non-setup file is a scope
    /// of its own that importing does not run.
    fn if_stmt(&mut self, i: &ast::StmtIf) {
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

    /// An f-string: folded with `…` for unknown parts; long ones are kept as literals.
    fn fstring(&mut self, f: &ast::ExprFString) -> Val {
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

    pub(super) fn record_literal(&mut self, s: &str, node: &impl Ranged) {
        if s.len() >= 4 {
            let line = self.line(node);
            self.m.literals.push(Lit { value: s.to_string(), line, scope: self.cur });
        }
    }

    /// Evaluates an expression: records calls inside it and returns what is known.
    /// Deeper than [`depth::MAX_NESTING`] the file is reported as too deep to analyse
    /// instead of being evaluated (the pre-parse estimate normally stops it first).
    pub(super) fn expr(&mut self, e: &Expr) -> Val {
        if self.unrolling > 0 {
            self.unrolled += 1;
        }
        self.depth += 1;
        let v = if self.depth as usize > depth::MAX_NESTING {
            self.m.too_deep.get_or_insert(self.depth as usize);
            Val::default()
        } else {
            stacker::maybe_grow(RED_ZONE, STACK_SEGMENT, || self.expr_inner(e))
        };
        self.depth -= 1;
        v
    }

    pub(super) fn expr_inner(&mut self, e: &Expr) -> Val {
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
            Expr::FString(f) => self.fstring(f),
            Expr::Name(n) => self.name(n),
            Expr::Attribute(a) => self.attribute(a),
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
                    Some(inline) => {
                        let mut v = Val::default();
                        v.set_func(Some(inline));
                        v
                    }
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
                self.dict_items(&d.items, &mut labels);
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

    pub(super) fn subscript(&mut self, s: &ast::ExprSubscript) -> Val {
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
                self.m.tricks.push(Trick { kind: TrickKind::BuiltinsIndirection, scope: self.cur, line, detail: format!("{q}[{k:?}]") });
                let mut v = Val::named(self.intern(k));
                v.hidden = true;
                return v;
            }
            if qn == "sys.modules" {
                return Val::named(self.intern(k));
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
        Val { labels, qname: base.qname.map(|q| self.intern(&format!("{q}[]"))), ..Default::default() }
    }

    /// Evaluates without recording (receiver of a method call is already walked via func).
    pub(super) fn peek(&mut self, e: &Expr) -> Val {
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

    pub(super) fn push_call(&mut self, q: &str, line: u32, args: Vec<Val>, kwargs: Vec<(String, Val)>, recv: Option<Val>, indirect: bool) {
        let q_name = self.intern(q);
        let kwargs = kwargs.into_iter().map(|(k, v)| (self.intern(&k), slim(v, false))).collect();
        self.m.calls.push(Call {
            q: q_name,
            scope: self.cur,
            line,
            args: args.into_iter().map(|v| slim(v, false)).collect(),
            kwargs,
            recv: recv.map(|r| r.labels).unwrap_or_default(),
            indirect,
            payload_dynamic: false,
            via: None,
        });
        if self.inlining == 0 && names::network_call(q).is_some() && self.m.scopes[self.cur].kind == ScopeKind::Function {
            let url = self.m.calls.last().and_then(|c| c.args.first().or_else(|| c.kw("url")).map(|a| a.labels)).unwrap_or_default();
            if url.has(Labels::PARAM) {
                let idx = self.m.calls.len() - 1;
                self.url_param_sinks.entry(self.cur).or_insert(idx);
            }
        }
        if self.inlining == 0 && (names::shell_call(q).is_some() || names::exec_call(q)) && self.m.scopes[self.cur].kind == ScopeKind::Function {
            let first = self.m.calls.last().and_then(|c| c.args.first().or_else(|| c.kw("args")).or_else(|| c.kw("cmd")).map(|a| a.labels)).unwrap_or_default();
            if first.has(Labels::PARAM) {
                let idx = self.m.calls.len() - 1;
                self.param_sinks.entry(self.cur).or_insert(idx);
            }
        }
    }
}

/// The sink call a local function named `name` reaches, from a summary (`sinks`: function
/// scope → call index); `by_name` gives the scopes defining each name.
fn sink_of(sinks: &HashMap<usize, usize>, by_name: &HashMap<Name, Vec<usize>>, name: &str) -> Option<usize> {
    by_name.get(name).and_then(|ids| ids.iter().find_map(|i| sinks.get(i).copied()))
}

/// What detectors need of a call's argument: long texts dropped, and nothing that nests
/// (lists one level deep, no inline functions), since the model outlives the stack the
/// file was built on.
fn slim(mut v: Val, nested: bool) -> Val {
    if let Some(t) = &v.text {
        if t.len() > 64 * 1024 {
            v.text = None;
            v.set_raw(None);
        }
    }
    v.set_func(None);
    v.list = if nested { None } else { v.list.map(|l| Box::new(l.into_iter().map(|x| slim(x, true)).collect())) };
    v
}

pub(super) fn is_main_guard(test: &Expr) -> bool {
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
