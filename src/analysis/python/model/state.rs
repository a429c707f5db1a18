//! The walk's state: what the builder knows while it reads one file.

use super::types::{Model, Name, Val};
use crate::analysis::python::labels::Labels;
use crate::analysis::source::FileRole;
use crate::finding::ExecContext;
use super::{HashMap, HashSet};

/// Literal code walked in place per file in all (see `calls::walk_literal_code`): one
/// folded text `exec`ed from many lines would otherwise cost its length once per line.
pub(crate) const LITERAL_CODE_BUDGET: usize = 1 << 20;

/// Expressions evaluated per file while comprehensions are unrolled item by item (see
/// `fold::comprehension`): one over a 100,000-item payload list takes a few per item,
/// but unrolling nests (a comprehension over a text inside one over another text), and
/// without a bound 9 KB of source took 10 s and 460 MB.
pub(crate) const UNROLL_BUDGET: usize = 1_000_000;

/// The walk over one file's syntax tree (statements in `builder.rs`, calls in
/// `calls.rs`, folding in `fold.rs`, names in `resolve.rs`).
pub(super) struct Builder<'a> {
    pub(super) m: Model<'a>,
    /// Offset in the module's text of the slice being walked (see `chunks`): node ranges
    /// are relative to the slice.
    pub(super) base: u32,
    pub(super) vars: Vec<HashMap<String, Val>>,
    pub(super) aliases: HashMap<String, String>,
    pub(super) cur: usize,
    /// (class name, install command it overrides, scope of its body)
    pub(super) class_stack: Vec<(Name, Option<Name>, usize)>,
    pub(super) cmdclass_names: Vec<String>,
    /// local class name → install command base, if any
    pub(super) local_classes: HashMap<String, Option<String>>,
    /// function name → latest scope defining it (for return labels)
    pub(super) fn_ids: HashMap<String, usize>,
    pub(super) depth: u32,
    /// Nesting of inline evaluations of decoder helpers (bounded).
    pub(super) inlining: u32,
    /// Comprehensions being unrolled, and the expressions evaluated meanwhile in this
    /// file (bounded by [`UNROLL_BUDGET`]).
    pub(super) unrolling: u32,
    pub(super) unrolled: usize,
    /// Calls of local functions with a labelled (or literal URL) first argument: (caller
    /// scope, callee, line, that argument, the labels of the other arguments).
    pub(super) local_calls: Vec<(usize, String, u32, Val, Labels)>,
    /// Function scope → index of a shell/exec call its parameters reach.
    pub(super) param_sinks: HashMap<usize, usize>,
    /// Function scope → index of a network send whose URL is the function's parameter
    /// (`def report(url): urlopen(Request(url, data=…))`).
    pub(super) url_param_sinks: HashMap<usize, usize>,
    /// Function scope → its parameter names, in order.
    pub(super) fn_params: HashMap<usize, Vec<String>>,
    /// Function scope inside a class body (methods and functions nested in them) → the
    /// scope of that body, from `class_stack` as the scope is pushed.
    pub(super) method_classes: HashMap<usize, usize>,
    /// Function name → indexes of parameters naming a file the function writes network
    /// or decoded data into (`download(url, path)`): the caller's argument becomes DL_PATH.
    pub(super) param_dl: HashMap<String, Vec<usize>>,
    /// Names called before a function of that name was defined (`main()` calling helpers
    /// written below it): their return labels are unknown in this walk.
    pub(super) forward_calls: HashSet<String>,
    /// Methods of this file's objects called before their definition (see
    /// `names_own_object`): a second walk learns what they decode.
    pub(super) forward_methods: HashSet<String>,
    /// Return labels of functions defined later in the file, from a first walk.
    pub(super) ret_hints: HashMap<String, Labels>,
    /// While code given to `exec` as a literal is walked in place: the `exec` call's
    /// line, which every node of that code reports (its ranges are the literal's).
    pub(super) pinned_line: Option<u32>,
    /// Nesting of literal code walked in place (bounded).
    pub(super) inlining_code: u32,
    /// Bytes of literal code that may still be walked in place in this file.
    pub(super) literal_code_left: usize,
    /// Every call name, keyword and value name of the model, once (see [`Name`]).
    pub(super) names: std::cell::RefCell<HashSet<Name>>,
}

impl<'a> Builder<'a> {
    pub(super) fn new(path: &'a str, text: &'a str, role: FileRole, module_ctx: ExecContext, parse_errors: usize, ret_hints: HashMap<String, Labels>) -> Builder<'a> {
        Builder {
            m: super::types::empty(path, text, role, module_ctx, parse_errors),
            base: 0,
            vars: vec![HashMap::default()],
            aliases: HashMap::default(),
            cur: 0,
            class_stack: Vec::new(),
            cmdclass_names: Vec::new(),
            local_classes: HashMap::default(),
            fn_ids: HashMap::default(),
            depth: 0,
            inlining: 0,
            unrolling: 0,
            unrolled: 0,
            local_calls: Vec::new(),
            param_sinks: HashMap::default(),
            url_param_sinks: HashMap::default(),
            fn_params: HashMap::default(),
            method_classes: HashMap::default(),
            param_dl: HashMap::default(),
            forward_calls: HashSet::default(),
            forward_methods: HashSet::default(),
            ret_hints,
            pinned_line: None,
            inlining_code: 0,
            literal_code_left: LITERAL_CODE_BUDGET,
            names: std::cell::RefCell::new(HashSet::default()),
        }
    }

    /// The shared copy of `name`.
    pub(super) fn intern(&self, name: &str) -> Name {
        let mut names = self.names.borrow_mut();
        if let Some(n) = names.get(name) {
            return n.clone();
        }
        let n = Name::from(name);
        names.insert(n.clone());
        n
    }
}
