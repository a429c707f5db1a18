//! Evaluation of calls: the heart of the front-end. A call is resolved to its
//! normalised name, recorded for the call graph, and then, by what it is: a
//! name-producing call (`__import__`, `getattr`, `globals()`), a label source (network,
//! host data, environment, secrets), a folded builtin (`chr`, `int`, `bytes`, `map` …),
//! a file opened for writing, a decoder folded through the payload library, a string
//! method on a known receiver, a path or download call that writes files, or `eval`/
//! `compile`; finally the call is recorded for the detectors.

use super::fold::{format_braces, rot13};
use super::resolve::{env_read, mark_secret_path, name_of};
use super::state::Builder;
use super::types::{Payload, Trick, TrickKind, Val, Write, WriteTarget, MAX_TEXT};
use crate::analysis::python::decode::{self, Decoded};
use crate::analysis::python::sensitive_paths::sensitive_path;
use crate::analysis::python::labels::Labels;
use crate::analysis::python::names;
use ruff_python_ast::{self as ast, Expr, Operator};

/// A call being evaluated: its syntax and what its parts evaluated to.
struct Site<'c> {
    c: &'c ast::ExprCall,
    line: u32,
    /// The callee.
    func: Val,
    args: Vec<Val>,
    kwargs: Vec<(String, Val)>,
    /// The receiver of a method call (`x` in `x.m(…)`).
    recv: Option<Val>,
    /// The method name of a method call.
    method: Option<&'c str>,
    /// The callee's resolved name, and the same normalised.
    raw_q: String,
    q: String,
}

impl Builder<'_> {
    /// Evaluates a call: resolves and records it and returns what is known of its
    /// result. Each step is one of the methods below, in this order.
    pub(super) fn call(&mut self, c: &ast::ExprCall) -> Val {
        let s = self.call_site(c);
        self.record_callees(&s);
        let arg_labels = {
            let mut l = Labels::NONE;
            for a in &s.args {
                l |= a.labels;
            }
            for (_, v) in &s.kwargs {
                l |= v.labels;
            }
            l
        };
        self.record_local_call(&s);
        self.param_dl_call(c);
        self.receiver_taint(&s);
        let recv_labels = s.recv.as_ref().map(|r| r.labels).unwrap_or_default();
        let mut result = Val { labels: arg_labels | recv_labels, ..Default::default() };
        if !names::keeps_data(&s.q) {
            result.labels = result.labels.without(Labels::WALLET);
        }
        // calls of decoder helpers are evaluated with their arguments: `_(b'…')`
        if let Some(f) = s.func.func().cloned() {
            let mut v = self.eval_inline(&f.params, &f.body, f.scope, s.args.clone(), true);
            result.labels |= v.labels;
            result.set_chain(v.take_chain());
            result.text = v.text;
            result.exact = v.exact;
        }
        if let Some((v, indirect)) = self.name_call(&s, &mut result) {
            self.record(s, indirect);
            return v;
        }
        self.source_labels(&s, arg_labels, recv_labels, &mut result);
        self.fold_builtin(&s, &mut result);
        self.open_call(&s, &mut result);
        self.decoder_call(&s, &mut result);
        if let Some(v) = self.codec_decode(&s, &result) {
            let hidden = s.func.hidden;
            self.record(s, hidden);
            return v;
        }
        string_method(&s, &mut result);
        self.handle_write(&s);
        path_call(&s, &mut result);
        self.file_write_call(&s, &mut result);
        // result naming: calls produce `q()` so methods on results resolve
        if result.qname.is_none() {
            result.qname = Some(self.intern(&format!("{}()", s.raw_q)));
        }
        if let Some(v) = self.eval_call(&s, &mut result) {
            let hidden = s.func.hidden;
            self.record(s, hidden);
            return v;
        }
        // urllib Request objects carry their URL
        if s.q.ends_with(".Request") || s.q == "Request" {
            if let Some(a0) = s.args.first() {
                result.text = a0.text.clone();
                result.exact = a0.exact;
            }
        }
        let sends = names::network_call(&s.q).is_some() || names::socket_send(&s.q) || names::request_object(&s.q);
        // urlretrieve(url, filename, reporthook, data): only `data` is sent
        let payload_from = if s.q.ends_with("urlretrieve") || s.q.ends_with(".retrieve") { 3 } else { 1 };
        let c = s.c;
        let hidden = s.func.hidden;
        let (code, line) = (literal_code(&s), s.line);
        self.record(s, hidden);
        for text in code {
            self.walk_literal_code(&text, line);
        }
        if sends {
            let dynamic = c.arguments.args.iter().skip(payload_from).any(|e| !self.is_constant(e, 0))
                || c.arguments.keywords.iter().any(|k| {
                    !matches!(k.arg.as_ref().map(|a| a.id.as_str()), Some("url" | "headers" | "timeout" | "verify" | "proxies" | "allow_redirects" | "stream" | "cert" | "method" | "filename" | "reporthook" | "context" | "cafile" | "capath" | "auth" | "retries" | "ssl" | "ssl_context"))
                        && !self.is_constant(&k.value, 0)
                });
            if let Some(last) = self.m.calls.last_mut() {
                last.payload_dynamic = dynamic;
            }
        }
        result
    }

    /// Records the call for the detectors.
    fn record(&mut self, s: Site<'_>, indirect: bool) {
        let Site { q, line, args, kwargs, recv, .. } = s;
        self.push_call(&q, line, args, kwargs, recv, indirect);
    }

    /// Evaluates the callee, the arguments and the receiver, and resolves the name.
    fn call_site<'c>(&mut self, c: &'c ast::ExprCall) -> Site<'c> {
        let line = self.line(c);
        // a method call's receiver is evaluated once, for the callee's name and as the
        // receiver value
        let (func, base) = match c.func.as_ref() {
            Expr::Attribute(a) => match self.stored_attribute(a) {
                Some(v) => (v, None),
                None => {
                    let base = self.expr(&a.value);
                    (self.attribute_of(a, &base), Some(base))
                }
            },
            other => (self.expr(other), None),
        };
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
        let recv: Option<Val> = match (c.func.as_ref(), base) {
            (_, Some(base)) => Some(base),
            (Expr::Attribute(a), None) => Some(self.peek(&a.value)),
            _ => None,
        };
        let method = match c.func.as_ref() {
            Expr::Attribute(a) => Some(a.attr.id.as_str()),
            _ => None,
        };
        let raw_q = func.qname.as_deref().unwrap_or("?").to_string();
        let q = names::normalize(&raw_q);
        Site { c, line, func, args, kwargs, recv, method, raw_q, q }
    }

    /// Call graph: local functions called, methods of local classes, callbacks handed
    /// to APIs that run them, and the classes named in `setup(cmdclass=…)`.
    fn record_callees(&mut self, s: &Site<'_>) {
        let (c, q, kwargs, func) = (s.c, &s.q, &s.kwargs, &s.func);
        // call graph: local functions called or passed as callbacks
        match c.func.as_ref() {
            Expr::Name(n) if !self.aliases.contains_key(n.id.as_str()) => {
                let id = self.intern(n.id.as_str());
                self.m.scopes[self.cur].callees.push(id);
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
                        let id = self.intern(a.attr.id.as_str());
                        self.m.scopes[self.cur].callees.push(id);
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
                        let id = self.intern(n.id.as_str());
                        self.m.scopes[self.cur].callees.push(id);
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
    }

    /// Calls of local functions with a labelled first argument (the command position of
    /// `run(cmd, …)` helpers; `cmd("xdotool", x)` fixes the program), for summaries.
    fn record_local_call(&mut self, s: &Site<'_>) {
        let (c, line, args) = (s.c, s.line, &s.args);
        let first_labels = args.first().map(|a| a.labels).unwrap_or_default();
        // a literal too: a URL may fix where a local sending function sends, a command
        // string what a local running function runs
        let literal = args.first().is_some_and(|a| a.exact && a.text.as_deref().is_some_and(|t| !t.is_empty()));
        if (!first_labels.is_empty() || literal) && self.inlining == 0 {
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
                    list: a.list.as_ref().map(|_| Box::default()),
                    ..Default::default()
                });
                let mut rest = Labels::NONE;
                for a in args.iter().skip(1) {
                    rest |= a.labels;
                }
                for (_, v) in &s.kwargs {
                    rest |= v.labels;
                }
                self.local_calls.push((self.cur, callee, line, a0.unwrap_or_default(), rest));
            }
        }
    }

    /// Name-producing calls: `__import__`/`import_module` (imports and tricks),
    /// `getattr` (the attribute's name, tricks on builtins) and `globals()`/`vars()`.
    /// Returns the result and whether the callee was reached indirectly when the call
    /// is fully handled here.
    fn name_call(&mut self, s: &Site<'_>, result: &mut Val) -> Option<(Val, bool)> {
        let (c, line, args, q) = (s.c, s.line, &s.args, &s.q);
        match q.as_str() {
            "__import__" | "importlib.import_module" | "importlib.__import__" => {
                let mut indirect = false;
                if let Some(a0) = args.first() {
                    match (&a0.text, a0.literal) {
                        (Some(t), true) => {
                            result.qname = Some(self.intern(t));
                            self.m.imports.push((t.clone(), line));
                        }
                        (Some(t), false) if a0.exact && !t.contains('…') => {
                            let kind = if a0.labels.has(Labels::BUILT) || a0.labels.has(Labels::DECODED) { TrickKind::HiddenImport } else { TrickKind::DynamicImport };
                            self.m.tricks.push(Trick { kind, scope: self.cur, line, detail: t.clone() });
                            self.m.imports.push((t.clone(), line));
                            result.qname = Some(self.intern(t));
                            indirect = true;
                        }
                        _ => {
                            // unknown parts joined by dots are a plugin loader's module
                            // path (`import_module(f".{name}", pkg)`, `pkg + "." + name`);
                            // pieces with no dotted shape, or decoded text, hide a name
                            let dotted = a0.text.as_deref().is_some_and(|t| t.contains('.'));
                            let hidden = a0.labels.has(Labels::DECODED) || a0.labels.has(Labels::BUILT) && !dotted;
                            let kind = if hidden { TrickKind::HiddenImport } else { TrickKind::DynamicImport };
                            self.m.tricks.push(Trick { kind, scope: self.cur, line, detail: a0.text.clone().unwrap_or_default() });
                        }
                    }
                }
                let v = Val { qname: result.qname.clone(), labels: result.labels, hidden: indirect, ..Default::default() };
                return Some((v, indirect));
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
                            let mut v = Val::named(self.intern(&nq));
                            v.labels = obj.labels;
                            v.hidden = obj.hidden || (builtins_ns && !name.literal) || name.labels.has(Labels::BUILT) || name.labels.has(Labels::DECODED);
                            return Some((v, false));
                        }
                        _ => {
                            // `getattr(builtins, name, Exception)`: looking up an exception
                            // class by name (pexpect/ptyprocess re-raising a child's error)
                            let exception_default = c.arguments.args.get(2).is_some_and(|d| match d {
                                Expr::Name(n) => {
                                    let id = n.id.as_str();
                                    id.ends_with("Error") || id.ends_with("Exception") || id.ends_with("Warning")
                                }
                                _ => false,
                            });
                            if builtins_ns && assembled && !exception_default {
                                self.m.tricks.push(Trick { kind: TrickKind::BuiltinsIndirection, scope: self.cur, line, detail: format!("getattr({oq}, <computed>)") });
                                return Some((Val { qname: Some(self.intern("<hidden builtin>")), hidden: true, ..Default::default() }, false));
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
                return Some((Val::named(self.intern(&ns)), false));
            }
            _ => {}
        }
        None
    }

    /// Label sources: network and socket reads, host data, web-request input, secrets,
    /// environment reads, and the return labels of local helper functions.
    fn source_labels(&mut self, s: &Site<'_>, arg_labels: Labels, recv_labels: Labels, result: &mut Val) {
        let (c, args, q) = (s.c, &s.args, &s.q);
        if names::network_call(q).is_some() || names::socket_recv(q) {
            result.labels |= Labels::NET;
            if names::socket_recv(q) {
                result.labels |= Labels::SOCK;
            }
        }
        if names::host_info_call(q) {
            result.labels |= Labels::HOST;
        }
        if matches!(q.as_str(), "flask.request.get_json" | "flask.request.get_data" | "quart.request.get_json") {
            result.labels |= Labels::REMOTE;
        }
        if q == "os.getcwd" || q == "os.getcwdb" {
            result.labels |= Labels::WEAK_HOST;
        }
        if names::secret_source_call(q) {
            result.labels |= Labels::SECRET;
        }
        if names::network_call(q).is_some() && args.first().and_then(|a| a.text.as_deref()).map(names::ip_lookup_url).unwrap_or(false) {
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
                result.labels |= returned(self.m.scopes[sid].ret);
            } else if let Some(&hint) = self.ret_hints.get(id) {
                result.labels |= returned(hint);
            } else if !self.forward_calls.contains(id) {
                // builtins land here too, on every call: allocate a name only once
                self.forward_calls.insert(id.to_string());
            }
        }
        // a method of this file's own objects (`self.m()`, `String()._entity()`): what it
        // decodes reaches the caller, so a payload split over methods and classes is
        // still one chain (only DECODED: other labels of methods stay with the method)
        if let Expr::Attribute(a) = c.func.as_ref() {
            let own = match a.value.as_ref() {
                Expr::Name(n) => self.names_own_object(n.id.as_str()),
                // `String()._entity()`: a capitalised name, so a class and not a local
                // helper function returning something
                Expr::Call(ctor) => match ctor.func.as_ref() {
                    Expr::Name(n) => {
                        let class = n.id.as_str();
                        self.is_own_class(class) && (self.local_classes.contains_key(class) || class.starts_with(|ch: char| ch.is_ascii_uppercase()))
                    }
                    _ => false,
                },
                _ => false,
            };
            let method = a.attr.id.as_str();
            if own {
                if let Some(&sid) = self.fn_ids.get(method) {
                    result.labels |= self.m.scopes[sid].ret & Labels::DECODED;
                } else if let Some(&hint) = self.ret_hints.get(method) {
                    result.labels |= hint & Labels::DECODED;
                } else if !self.forward_methods.contains(method) {
                    self.forward_methods.insert(method.to_string());
                }
            }
        }
    }

    /// `self`, `cls`, a class of this file, or a variable holding an instance of a class
    /// not imported (`s = String()`, the class may be defined further down).
    fn names_own_object(&self, name: &str) -> bool {
        if matches!(name, "self" | "cls") || self.local_classes.contains_key(name) {
            return true;
        }
        self.lookup(name).and_then(|v| v.qname.as_deref()).and_then(|q| q.strip_suffix("()")).is_some_and(|class| self.is_own_class(class))
    }

    /// A class of this file, or a plain name that is not imported (a class defined
    /// further down).
    fn is_own_class(&self, class: &str) -> bool {
        self.local_classes.contains_key(class) || (!class.contains(['.', '?']) && !self.aliases.contains_key(class))
    }

    /// Folded builtins: `chr`, `ord`, `int`, `str`/`repr`, `map(chr, …)`, `list`/
    /// `reversed`, `bytes`.
    fn fold_builtin(&mut self, s: &Site<'_>, result: &mut Val) {
        let (c, args, q) = (s.c, &s.args, &s.q);
        let text_arg = args.first().and_then(|a| a.text.clone());
        match q.as_str() {
            "chr" | "unichr" => {
                result.labels |= Labels::BUILT;
                // chr(ord(c) ^ k): XOR decoding; chr(ord(c) - 3), chr((ord(c) - 97 + k) % 26
                // + 97): a shift of each character of the data (a character constant
                // shifted, `chr(ord('A') + i)`, is a letter built, not data decoded)
                if let Some(Expr::BinOp(b)) = c.arguments.args.first() {
                    if b.op == Operator::BitXor || shifts_a_character(&b.left) || shifts_a_character(&b.right) {
                        result.labels |= Labels::DECODED;
                    }
                }
                // chr(int(s[i:i + 8], 2)): digits of data read back as characters
                if c.arguments.args.first().is_some_and(digits_to_number) {
                    result.labels |= Labels::DECODED;
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
                        result.list = Some(Box::new(items));
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
                // bytes(int(s[i:i + 8], 2) for i in …): digits of data read back as bytes
                // (binary digits are what whitespace and zero-width steganography carry)
                let element = match c.arguments.args.first() {
                    Some(Expr::Generator(g)) => Some(&*g.elt),
                    Some(Expr::ListComp(l)) => Some(&*l.elt),
                    _ => None,
                };
                if element.is_some_and(digits_to_number) {
                    result.labels |= Labels::DECODED;
                }
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
            _ => {}
        }
    }

    /// Files opened for writing (`open(p, "w")`, temporary files): the handle remembers
    /// its path; opening a stealer target marks SECRET.
    fn open_call(&mut self, s: &Site<'_>, result: &mut Val) {
        let (c, args, kwargs, q) = (s.c, &s.args, &s.kwargs, &s.q);
        match q.as_str() {
            "tempfile.NamedTemporaryFile" | "tempfile.TemporaryFile" | "tempfile.SpooledTemporaryFile" => {
                let mode = kwargs.iter().find(|(k, _)| k == "mode").and_then(|(_, v)| v.text.clone()).unwrap_or_else(|| "w+b".into());
                if mode.contains('w') || mode.contains('a') {
                    result.set_write_target(Some(WriteTarget { path_text: kwargs.iter().find(|(k, _)| k == "suffix").and_then(|(_, v)| v.text.clone()), path_var: None }));
                }
            }
            "open" | "io.open" | "codecs.open" => {
                let mode = args.get(1).or_else(|| kwargs.iter().find(|(k, _)| k == "mode").map(|(_, v)| v)).and_then(|m| m.text.clone()).unwrap_or_default();
                if mode.contains('w') || mode.contains('a') || mode.contains('x') {
                    result.set_write_target(Some(WriteTarget {
                        path_text: args.first().and_then(|a| a.text.clone()),
                        path_var: name_of(c.arguments.args.first()),
                    }));
                    if mode.contains('a') {
                        result.int = Some(1); // marks append mode for the write record
                    }
                }
                if let Some(p) = args.first() {
                    result.labels |= p.labels & Labels::DL_PATH;
                    if p.text.as_deref().and_then(sensitive_path).is_some() {
                        result.labels |= Labels::SECRET;
                    }
                }
            }
            _ => {}
        }
    }

    /// Decoders (base64, zlib, Fernet …): literal chains are folded through the payload
    /// library; decoded code is kept as a payload.
    fn decoder_call(&mut self, s: &Site<'_>, result: &mut Val) {
        let (line, args, recv, q) = (s.line, &s.args, &s.recv, &s.q);
        if names::decode_call(q) {
            result.labels |= Labels::DECODED;
            let second = args.get(1).and_then(|a| a.text.clone());
            let decoded = if q.ends_with("decrypt") {
                match (recv.as_ref().and_then(|r| r.text.as_deref()), args.first().and_then(|a| a.text.as_deref())) {
                    (Some(key), Some(token)) => decode::decode_fernet(key.as_bytes(), token.as_bytes()).map(|d| (d, None)),
                    _ => None,
                }
            } else if let (Some(enc), Some(a0)) = (decode::encoding_of(q, second.as_deref()), args.first()) {
                let (lit, mut layers) = match (a0.chain(), &a0.text) {
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
                result.set_chain(chain);
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
    }

    /// `bytes.decode(codec)` with an EBCDIC code page or a bytes-to-bytes codec
    /// (`b'\x85\xa5…'.decode('cp1026')`, Python 2 `s.decode('base64')`): the decoded
    /// text, when the call is fully handled here.
    fn codec_decode(&mut self, s: &Site<'_>, result: &Val) -> Option<Val> {
        let (line, args, kwargs, recv, method, raw_q) = (s.line, &s.args, &s.kwargs, &s.recv, s.method, &s.raw_q);
        if let (Some("decode"), Some(r)) = (method, recv.as_ref()) {
            let codec = args.first().or_else(|| kwargs.iter().find(|(k, _)| k == "encoding").map(|(_, v)| v)).and_then(|a| a.text.clone()).unwrap_or_default();
            let bytes: Option<&[u8]> = r.raw().or_else(|| r.text.as_deref().filter(|_| r.exact).map(str::as_bytes));
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
                let mut v = Val::text(t, r.exact || r.raw().is_some());
                v.labels = result.labels | Labels::DECODED;
                v.qname = Some(self.intern(&format!("{raw_q}()")));
                return Some(v);
            }
        }
        None
    }

    /// File handle writes (`f.write(data)`, `Path.write_text`): recorded as writes; a
    /// handle written with network or decoded data marks its path DL_PATH.
    fn handle_write(&mut self, s: &Site<'_>) {
        let (c, line, args, recv, method) = (s.c, s.line, &s.args, &s.recv, s.method);
        if let (Some(m), Some(r)) = (method, recv.as_ref()) {
            // file handle writes
            if matches!(m, "write" | "writelines") {
                if let Some(wt) = r.write_target() {
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
                            self.note_param_dl(v);
                        }
                        // the handle itself (tempfile: `exe = tmp.name` later)
                        if let Expr::Attribute(a) = c.func.as_ref() {
                            if let Expr::Name(n) = a.value.as_ref() {
                                self.add_labels(n.id.as_str(), Labels::DL_PATH);
                            }
                        }
                    }
                    self.m.writes.push(w);
                }
            }
            if matches!(m, "write_text" | "write_bytes") {
                let data = args.first().map(|a| a.labels).unwrap_or_default();
                // `path.write_bytes(resp.content)`: the path now names a downloaded file
                if data.has(Labels::NET) || data.has(Labels::DECODED) {
                    if let Expr::Attribute(a) = c.func.as_ref() {
                        if let Expr::Name(n) = a.value.as_ref() {
                            self.add_labels(n.id.as_str(), Labels::DL_PATH);
                            self.note_param_dl(n.id.as_str());
                        }
                    }
                }
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
    }

    /// Calls that put data into their receiver: `items.append(secret)` makes `items`
    /// carry the secret; `config.read(CREDENTIALS_PATH)` of a configparser makes the
    /// parser (and so every `config.get(…)`) carry it.
    fn receiver_taint(&mut self, s: &Site<'_>) {
        let Expr::Attribute(a) = s.c.func.as_ref() else { return };
        let Expr::Name(n) = a.value.as_ref() else { return };
        let mut arg_labels = s.args.iter().fold(Labels::NONE, |l, v| l | v.labels) & Labels(Labels::SECRET.0 | Labels::HOST.0 | Labels::ENV.0);
        if s.args.iter().any(|v| v.text.as_deref().map(|t| sensitive_path(t).is_some()).unwrap_or(false)) {
            arg_labels |= Labels::SECRET;
        }
        if arg_labels.is_empty() {
            return;
        }
        let method = a.attr.id.as_str();
        let parser = s.q.to_ascii_lowercase().contains("configparser") || s.recv.as_ref().and_then(|r| r.qname.as_deref()).map(|q| q.to_ascii_lowercase().contains("configparser")).unwrap_or(false);
        let config_read = parser && matches!(method, "read" | "read_file") && arg_labels.has(Labels::SECRET);
        if config_read || matches!(method, "append" | "extend" | "insert") {
            let l = if config_read { Labels::SECRET | Labels::CRED_FILE } else { arg_labels | (s.args.iter().fold(Labels::NONE, |l, v| l | v.labels) & Labels::CRED_FILE) };
            self.add_labels(n.id.as_str(), l);
        }
    }

    /// A parameter of the current function names a file written with network or decoded
    /// data: calls of the function mark their argument DL_PATH ([`Self::param_dl_call`]).
    fn note_param_dl(&mut self, var: &str) {
        let Some(params) = self.fn_params.get(&self.cur) else { return };
        if let Some(i) = params.iter().position(|p| p == var) {
            let name = self.m.scopes[self.cur].name.to_string();
            let e = self.param_dl.entry(name).or_default();
            if !e.contains(&i) {
                e.push(i);
            }
        }
    }

    /// `download(URL, PATH)` of a local function that writes fetched data to its
    /// parameter: the variable passed as that parameter now names a downloaded file.
    pub(super) fn param_dl_call(&mut self, c: &ast::ExprCall) {
        let Expr::Name(f) = c.func.as_ref() else { return };
        let Some(idx) = self.param_dl.get(f.id.as_str()).cloned() else { return };
        for i in idx {
            let arg = c.arguments.args.get(i);
            if let Some(Expr::Name(n)) = arg {
                self.add_labels(n.id.as_str(), Labels::DL_PATH);
            }
        }
    }

    /// Calls that write files from elsewhere: `git clone`, `urlretrieve`, `shutil.copy` …
    fn file_write_call(&mut self, s: &Site<'_>, result: &mut Val) {
        let (c, line, args, q) = (s.c, s.line, &s.args, &s.q);
        // a cloned repository: fetched files written to disk (the directory is not a
        // program, so it carries no DL_PATH)
        if names::network_call(q) == Some("git") {
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
    }

    /// `compile` (the code object carries its source), `eval` of a name or an
    /// `__import__` (names reached by evaluation; the result when fully handled here),
    /// and sinks, which do not hand their input labels on.
    fn eval_call(&mut self, s: &Site<'_>, result: &mut Val) -> Option<Val> {
        let (line, args, q) = (s.line, &s.args, &s.q);
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
                    // `exec_ = eval("exec")`: exec and print were statements in Python 2,
                    // so code that must still parse there names them this way (six,
                    // setuptools' compat modules); the name is in plain sight
                    if matches!(t, "exec" | "print") {
                        return Some(Val::named(self.intern(t)));
                    }
                    if names::dangerous_builtin(t) {
                        self.m.tricks.push(Trick { kind: TrickKind::BuiltinsIndirection, scope: self.cur, line, detail: format!("eval({t:?})") });
                    }
                    let v = Val { qname: Some(self.intern(t)), hidden: true, ..Default::default() };
                    return Some(v);
                }
                if let Some(rest) = t.strip_prefix("__import__(") {
                    let name: String = rest.trim_start_matches(['\'', '"']).chars().take_while(|ch| ch.is_alphanumeric() || *ch == '_' || *ch == '.').collect();
                    if !name.is_empty() {
                        self.m.imports.push((name.clone(), line));
                        let v = Val { qname: Some(self.intern(&name)), hidden: true, ..Default::default() };
                        return Some(v);
                    }
                }
            }
            result.labels = result.labels & Labels::NET;
        } else if names::exec_call(q) || names::shell_call(q).is_some() {
            // a sink does not hand its input labels on
            result.labels = result.labels & Labels::NET;
        }
        None
    }
}

/// String methods on a known receiver: `join`, `decode`/`encode` (rot13, hex), `strip`,
/// `replace`, case changes, `format`.
fn string_method(s: &Site<'_>, result: &mut Val) {
    let (args, kwargs, recv, method) = (&s.args, &s.kwargs, &s.recv, s.method);
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
                    result.text = Some(format_braces(t, args, kwargs));
                    result.exact = false;
                }
                _ => {}
            }
        }
    }
}

/// Stands for a directory `tempfile` made in a joined path.
pub(crate) const TEMP_DIR: &str = "$TMPDIR";

/// Paths: `os.path.join` of known parts, `expanduser`, `pathlib.Path`.
fn path_call(s: &Site<'_>, result: &mut Val) {
    let (args, q) = (&s.args, &s.q);
    // os.path.join of known parts
    if q == "os.path.join" || q == "posixpath.join" || q == "ntpath.join" {
        // a temporary directory stays recognisable in the joined path (a `.zshrc` in a
        // fresh temporary directory is a sub-shell's, not the user's start-up file)
        let parts: Vec<&str> = args
            .iter()
            .map(|a| if a.text.is_none() && a.qname.as_deref().is_some_and(|q| q.starts_with("tempfile.")) { TEMP_DIR } else { a.text_or_hole() })
            .collect();
        if args.iter().any(|a| a.text.is_some()) {
            result.text = Some(parts.join("/"));
            result.exact = args.iter().all(|a| a.exact && a.text.is_some());
            mark_secret_path(result);
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
}

/// The labels a local function's return gives its call: what it returns from its
/// parameters comes with the caller's arguments already, so a string it builds out of
/// them (`rewrite(annotation)`) is the caller's string transformed, not code assembled
/// from pieces the package hides.
fn returned(ret: Labels) -> Labels {
    if ret.has(Labels::PARAMS) { ret.without(Labels::PARAMS).without(Labels::BUILT) } else { ret }
}

/// Longest literal code walked in place (a whole generated module passed to `exec` is
/// left to the payload rules).
const LITERAL_CODE_MAX: usize = 64 << 10;
/// Literal code inside literal code inside … : walked this many levels deep.
const LITERAL_CODE_DEPTH: u32 = 2;
/// Nesting a literal may have and still be parsed on the walk's stack.
const LITERAL_CODE_NESTING: usize = 50;

/// The code `exec`/`eval` is given in plain text: a string literal, each branch of a
/// conditional (`exec("run()" if fetched else "pass")`), or text folded exactly from
/// pieces (`exec("os.sys" + "tem(…)")`). Decoded payloads are rescanned by the payload
/// rules instead.
fn literal_code(s: &Site<'_>) -> Vec<String> {
    if !matches!(s.q.as_str(), "exec" | "eval") {
        return Vec::new();
    }
    let Some(arg) = s.c.arguments.args.first() else { return Vec::new() };
    let mut texts = Vec::new();
    literal_branches(arg, &mut texts);
    if texts.is_empty() {
        if let Some(v) = s.args.first().filter(|v| v.exact && !v.labels.has(Labels::DECODED)) {
            texts.extend(v.text.clone());
        }
    }
    texts.retain(|t| t.len() <= LITERAL_CODE_MAX && t.contains(['(', '=']));
    texts
}

fn literal_branches(e: &Expr, out: &mut Vec<String>) {
    match e {
        Expr::StringLiteral(s) => out.push(s.value.to_str().to_string()),
        Expr::If(i) => {
            literal_branches(&i.body, out);
            literal_branches(&i.orelse, out);
        }
        _ => {}
    }
}

impl Builder<'_> {
    /// Walks code given to `exec` as text where the call is, as Python runs it (in the
    /// caller's names): what it calls is what the file calls, at the `exec` line. Text
    /// that does not parse cleanly is left alone.
    fn walk_literal_code(&mut self, text: &str, line: u32) {
        use ruff_python_ast::PySourceType;
        if self.inlining_code >= LITERAL_CODE_DEPTH || text.len() > self.literal_code_left {
            return;
        }
        self.literal_code_left -= text.len();
        if crate::analysis::python::depth::estimate(text, LITERAL_CODE_NESTING) > LITERAL_CODE_NESTING {
            return;
        }
        let parsed = ruff_python_parser::parse_unchecked_source(text, PySourceType::Python);
        if !parsed.errors().is_empty() {
            return;
        }
        let module = parsed.into_syntax();
        let pinned = self.pinned_line.replace(line);
        self.inlining_code += 1;
        self.block(&module.body);
        self.inlining_code -= 1;
        self.pinned_line = pinned;
    }
}

/// `ord(x)` of a value that is not a string constant, alone or inside arithmetic: the
/// code point of a character of data, which `chr(…)` around it shifts into another.
fn shifts_a_character(e: &Expr) -> bool {
    match e {
        Expr::Call(call) => {
            matches!(call.func.as_ref(), Expr::Name(n) if n.id.as_str() == "ord")
                && call.arguments.args.first().is_some_and(|a| !matches!(a, Expr::StringLiteral(_) | Expr::BytesLiteral(_)))
        }
        Expr::BinOp(b) => shifts_a_character(&b.left) || shifts_a_character(&b.right),
        _ => false,
    }
}

/// `int(x, 2)`, `int(x, 8)` or `int(x, 16)` of a value that is not a string constant:
/// a run of digits cut from data, turned back into the number it encodes.
fn digits_to_number(e: &Expr) -> bool {
    let Expr::Call(call) = e else { return false };
    let [digits, Expr::NumberLiteral(radix)] = &call.arguments.args[..] else { return false };
    matches!(call.func.as_ref(), Expr::Name(n) if n.id.as_str() == "int")
        && !matches!(digits, Expr::StringLiteral(_))
        && matches!(radix.value.as_int().and_then(|i| i.as_u8()), Some(2 | 8 | 16))
}
