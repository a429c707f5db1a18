//! Name resolution: variable lookup through enclosing scopes, the import alias map
//! (`import base64 as b` makes `b.b64decode` → `base64.b64decode`), dotted names of
//! attributes, and parameter names of functions and lambdas.

use super::state::Builder;
use super::types::Val;
use crate::analysis::python::sensitive_paths::sensitive_path;
use crate::analysis::python::labels::Labels;
use crate::analysis::python::names;
use ruff_python_ast::{self as ast, Expr};

impl Builder<'_> {
    /// `import a.b [as c]`: records the import and the alias.
    pub(super) fn import(&mut self, i: &ast::StmtImport) {
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

    /// `from m import x [as y]`: records the imports and the aliases (`y` → `m.x`).
    pub(super) fn import_from(&mut self, i: &ast::StmtImportFrom) {
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

    /// The dotted path of an imported module or of an attribute of one (`requests`,
    /// `requests.Session`, `r.sessions.Session` for `import requests as r`); `None` for
    /// variables and anything not imported.
    pub(super) fn imported_path(&self, e: &Expr) -> Option<String> {
        match e {
            Expr::Name(n) if self.lookup(n.id.as_str()).is_none() => self.aliases.get(n.id.as_str()).cloned(),
            Expr::Attribute(a) => Some(format!("{}.{}", self.imported_path(&a.value)?, a.attr.id.as_str())),
            _ => None,
        }
    }

    /// A name: a variable in scope, else an import alias, else itself (`__builtins__`
    /// is `builtins`).
    pub(super) fn name(&self, n: &ast::ExprName) -> Val {
        let id = n.id.as_str();
        if let Some(v) = self.lookup(id) {
            let mut v = v.clone();
            v.literal = false;
            return v;
        }
        if let Some(q) = self.aliases.get(id) {
            return Val::named(self.intern(q));
        }
        match id {
            "__builtins__" | "__builtin__" => Val::named(self.intern("builtins")),
            _ => Val::named(self.intern(id)),
        }
    }

    /// `x.attr`: a stored `self.x`-style value, else the dotted name of the base plus
    /// the attribute (`?.attr` for unknown bases); `os.environ` carries ENV and web
    /// request data REMOTE.
    pub(super) fn attribute(&mut self, a: &ast::ExprAttribute) -> Val {
        if let Some(v) = self.stored_attribute(a) {
            return v;
        }
        let base = self.expr(&a.value);
        self.attribute_of(a, &base)
    }

    /// `self.x`-style values stored as "self.x"; for `self`, then the constants another
    /// method of the class stored (see `bind_target`).
    pub(super) fn stored_attribute(&self, a: &ast::ExprAttribute) -> Option<Val> {
        let Expr::Name(n) = a.value.as_ref() else { return None };
        let key = format!("{}.{}", n.id.as_str(), a.attr.id.as_str());
        if let Some(v) = self.lookup(&key) {
            return Some(v.clone());
        }
        let class = (n.id.as_str() == "self").then(|| self.method_class()).flatten()?;
        self.vars[class].get(&key).cloned()
    }

    /// The scope of the class body the method being walked is defined in (methods'
    /// scopes have the enclosing function or module as parent, not the class).
    pub(super) fn method_class(&self) -> Option<usize> {
        self.method_classes.get(&self.cur).copied()
    }

    /// `base.attr` for an already evaluated base (method calls evaluate their receiver
    /// once: evaluating it again per call would be exponential in a `.replace()` chain).
    pub(super) fn attribute_of(&mut self, a: &ast::ExprAttribute, base: &Val) -> Val {
        let attr = a.attr.id.as_str();
        let q = match &base.qname {
            Some(q) => format!("{q}.{attr}"),
            None => format!("?.{attr}"),
        };
        let mut v = Val::named(self.intern(&q));
        v.labels = base.labels;
        // a member of a module imported by a hidden name is reached through that name
        v.hidden = base.hidden;
        if attr == "environ" && base.qname.as_deref() == Some("os") {
            v.labels |= Labels::ENV;
        }
        if web_input(a.value.as_ref(), base.qname.as_deref(), attr) {
            v.labels |= Labels::REMOTE;
        }
        v
    }

    /// A variable, looked up from the current scope out through the enclosing ones.
    pub(super) fn lookup(&self, name: &str) -> Option<&Val> {
        let mut s = Some(self.cur);
        while let Some(i) = s {
            if let Some(v) = self.vars[i].get(name) {
                return Some(v);
            }
            s = self.m.scopes[i].parent;
        }
        None
    }
}

/// Data a web framework hands to a request handler: flask's `request.args/form/values/
/// json/data/get_json()` (the `flask.request` proxy) and django/DRF's `request.GET/POST/
/// body/data/query_params` on a handler's `request` parameter.
pub(super) fn web_input(base: &Expr, base_q: Option<&str>, attr: &str) -> bool {
    let flask = base_q.map(|q| matches!(names::normalize(q).as_str(), "flask.request" | "quart.request" | "bottle.request")).unwrap_or(false);
    if flask {
        return matches!(attr, "args" | "form" | "values" | "json" | "data" | "get_json" | "get_data" | "files" | "query" | "forms" | "params");
    }
    matches!(base, Expr::Name(n) if n.id.as_str() == "request") && matches!(attr, "GET" | "POST" | "body" | "query_params" | "REQUEST")
}

/// Every parameter name of a function (positional, keyword-only, `*args`, `**kw`).
pub(super) fn all_param_names(p: &ast::Parameters) -> Vec<String> {
    let mut v = param_names(p);
    v.extend(p.kwonlyargs.iter().map(|a| a.parameter.name.id.to_string()));
    v.extend(p.vararg.iter().chain(p.kwarg.iter()).map(|a| a.name.id.to_string()));
    v
}

/// Positional parameter names of a function or lambda.
pub(super) fn param_names(p: &ast::Parameters) -> Vec<String> {
    p.posonlyargs.iter().chain(p.args.iter()).map(|a| a.parameter.name.id.to_string()).collect()
}

pub(super) fn name_of(e: Option<&Expr>) -> Option<String> {
    match e? {
        Expr::Name(n) => Some(n.id.to_string()),
        _ => None,
    }
}

/// Strings naming a stealer target (browser stores, wallets, token stores) carry SECRET.
pub(super) fn mark_secret_path(v: &mut Val) {
    if let Some(t) = &v.text {
        if t.len() < 400 && sensitive_path(t).is_some() {
            v.labels |= Labels::SECRET;
        }
    }
}

pub(super) fn env_read(key: &str, base: Labels) -> Val {
    let mut l = Labels(base.0 & !Labels::ENV.0);
    if names::host_env_name(key) {
        l |= Labels::HOST;
    }
    if names::secret_env_name(key) {
        l |= Labels::TOKEN;
    }
    Val { labels: l, ..Default::default() }
}
