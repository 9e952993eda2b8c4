//! Reading the import-tree calls of one file: their roots, and the filters that can be read
//! without evaluation.

use std::cell::Cell;

use rnix::SyntaxKind::*;

use crate::base::text::{TextRange, TextSize};
use crate::syntax::names::{BindingValue, NameTable, Resolution};
use crate::syntax::{
    SyntaxNode, bin_op, first_child, first_token, ident_text, nth_expr, plain_string, static_attr, unparen,
};

/// A static filter import-tree applies to each path.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum PathFilter {
    /// `filter pred`: keep the paths that satisfy `pred`.
    Keep(PathPredicate),
    /// `filterNot pred`: drop them.
    Drop(PathPredicate),
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum PathPredicate {
    Suffix(String),
    Prefix(String),
    Infix(String),
    /// `match`: a POSIX extended regex that must match the whole path.
    Regex(String),
}

/// One call of import-tree found in a file.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct ImportTreeCall {
    /// Roots relative to the folder of the file holding the call, normalised (`./modules`,
    /// `../../modules`, `.`, `./my modules` from `./. + "/my modules"`). Paths given to `addPath`
    /// come first, as import-tree lists them.
    pub(crate) roots: Vec<String>,
    pub(crate) filters: Vec<PathFilter>,
    /// `initFilter pred`: replaces the default test (`.nix` suffix, no `/_`).
    pub(crate) init_filter: Option<PathPredicate>,
    /// Some filter could not be read (a lambda, a helper) and is missing from `filters` (or
    /// `init_filter`): which of the files under the roots the call imports is a guess.
    pub(crate) has_dynamic_filter: bool,
    /// Some root could not be read (`self + "/modules"`, an absolute path) and is missing from
    /// `roots`.
    pub(crate) has_dynamic_root: bool,
    pub(crate) range: TextRange,
}

/// Every import-tree call in a file, with roots and the filters that can be read statically.
pub(crate) fn find_calls(root: &SyntaxNode, names: &NameTable) -> Vec<ImportTreeCall> {
    let tree_root = root.ancestors().last().unwrap_or_else(|| root.clone());
    let reader = Reader { tree_root, names, steps: Cell::new(0) };
    // Calls are few: only they pay for a walk up the tree.
    root.descendants().filter_map(|node| reader.call(&node).filter(|_| !in_lower_level_position(&node))).collect()
}

/// Whether `node` sits where a lower-level module goes: a builder's `modules`, home-manager's
/// `sharedModules`, the `imports` of a module other than the top-level one
/// (`home-manager.users.me.imports`, `flake.modules.nixos.x = { imports = ...; }`). import-tree
/// called there loads modules of that evaluation, not top-level modules: it is no root
/// (dendritic.md §8.1).
fn in_lower_level_position(node: &SyntaxNode) -> bool {
    node.ancestors().filter(|a| a.kind() == NODE_ATTRPATH_VALUE).any(|entry| {
        let keys: Vec<String> = first_child(&entry, NODE_ATTRPATH)
            .map(|path| path.children().map(|k| k.text().to_string()).collect())
            .unwrap_or_default();
        match keys.last().map(String::as_str) {
            Some("modules" | "sharedModules") => true,
            // A top-level module's own `imports` sits in an attrset no other binding holds,
            // except flake.nix's `outputs`.
            Some("imports") => {
                keys.len() > 1
                    || entry
                        .ancestors()
                        .skip(1)
                        .filter(|a| a.kind() == NODE_ATTRPATH_VALUE)
                        .any(|outer| first_child(&outer, NODE_ATTRPATH).is_none_or(|path| path.text() != "outputs"))
            }
            _ => false,
        }
    })
}

/// How far the reader follows aliases and method chains. Real chains are a handful of links long;
/// the bound keeps `let a = a;` and pathological nesting cheap.
const MAX_HOPS: u32 = 64;

/// How many root expressions one call may visit: lists branch, so `let a = [ a a ];` would
/// otherwise cost 2^MAX_HOPS.
const MAX_ROOT_STEPS: u32 = 10_000;

/// The configuration an import-tree object has accumulated.
#[derive(Debug, Clone, Default)]
struct TreeState {
    roots: Vec<String>,
    filters: Vec<PathFilter>,
    init_filter: Option<PathPredicate>,
    has_dynamic_filter: bool,
    has_dynamic_root: bool,
    /// `leafs`, `pipeTo`, `files`: calling it yields a list of files for some other use (packages,
    /// a custom loader), not a module, so its roots say nothing about top-level modules.
    lists_files: bool,
}

/// An expression read as part of import-tree.
enum Value {
    Tree(TreeState),
    /// A method selected from a tree, waiting for its argument.
    Method(TreeState, Method),
}

#[derive(Clone, Copy)]
enum Method {
    Filter,
    FilterNot,
    Match,
    MatchNot,
    InitFilter,
    AddPath,
    PipeTo,
    /// `map`, `withLib`, `addAPI`: no bearing on which files are imported.
    Other,
}

struct Reader<'a> {
    tree_root: SyntaxNode,
    names: &'a NameTable,
    /// Root expressions visited for the current call.
    steps: Cell<u32>,
}

impl Reader<'_> {
    fn call(&self, node: &SyntaxNode) -> Option<ImportTreeCall> {
        self.steps.set(0);
        let state = match application(node) {
            Some((function, arg)) => match self.value(&function, 0)? {
                Value::Tree(mut state) => {
                    state.has_dynamic_root |= !self.roots(&arg, 0, &mut state.roots);
                    state
                }
                Value::Method(..) => self.configured_module(node)?,
            },
            None => self.configured_module(node)?,
        };
        if state.lists_files {
            return None;
        }
        Some(ImportTreeCall {
            roots: state.roots,
            filters: state.filters,
            init_filter: state.init_filter,
            has_dynamic_filter: state.has_dynamic_filter,
            has_dynamic_root: state.has_dynamic_root,
            range: node.text_range(),
        })
    }

    /// A tree given paths by `addPath` imports them wherever it is used as a module
    /// (`imports = [ (import-tree.addPath ./modules) ]`, `.result`): it is a call unless something
    /// goes on configuring or calling it.
    fn configured_module(&self, node: &SyntaxNode) -> Option<TreeState> {
        // A name is not the place of a call: the expression bound to it is, or the use that
        // configures it further.
        if !matches!(node.kind(), NODE_APPLY | NODE_SELECT | NODE_BIN_OP) || is_continued(node) {
            return None;
        }
        match self.value(node, 0)? {
            Value::Tree(state) if !state.roots.is_empty() => Some(state),
            _ => None,
        }
    }

    fn value(&self, expr: &SyntaxNode, depth: u32) -> Option<Value> {
        if depth > MAX_HOPS {
            return None;
        }
        let expr = unparen(expr.clone());
        match expr.kind() {
            NODE_IDENT => {
                let aliased = self.alias(&expr, depth).and_then(|value| self.value(&value, depth + 1));
                aliased.or_else(|| (ident_text(&expr)? == "import-tree").then(|| Value::Tree(TreeState::default())))
            }
            NODE_SELECT => {
                let head = nth_expr(&expr, 0)?;
                let attrs: Vec<Option<String>> = first_child(&expr, NODE_ATTRPATH)?
                    .children()
                    .map(|attr| static_attr(&attr).map(|name| name.text.to_string()))
                    .collect();
                let (mut value, methods) = match self.value(&head, depth + 1) {
                    Some(value) => (value, &attrs[..]),
                    None => {
                        let at = attrs.iter().rposition(|a| a.as_deref() == Some("import-tree"))?;
                        (Value::Tree(TreeState::default()), &attrs[at + 1..])
                    }
                };
                for method in methods {
                    value = select(value, method.as_deref()?)?;
                }
                Some(value)
            }
            _ => {
                let (function, arg) = application(&expr)?;
                if self.is_import(&function) {
                    // `import inputs.import-tree`: the input's default.nix, the same object.
                    return match self.value(&arg, depth + 1)? {
                        tree @ Value::Tree(_) => Some(tree),
                        Value::Method(..) => None,
                    };
                }
                match self.value(&function, depth + 1)? {
                    Value::Method(state, method) => Some(Value::Tree(self.configure(state, method, &arg, depth))),
                    // Calling a tree gives a module, not a tree.
                    Value::Tree(_) => None,
                }
            }
        }
    }

    fn is_import(&self, function: &SyntaxNode) -> bool {
        let function = unparen(function.clone());
        ident_text(&function).is_some_and(|name| name == "import")
            && !matches!(self.names.resolution_at(function.text_range().start()), Some(Resolution::Local(_)))
    }

    fn configure(&self, mut state: TreeState, method: Method, arg: &SyntaxNode, depth: u32) -> TreeState {
        let filter = match method {
            Method::Filter | Method::FilterNot => self.test(arg, depth + 1),
            Method::Match | Method::MatchNot => {
                self.string(arg, depth + 1).map(|regex| Test { predicate: PathPredicate::Regex(regex), negated: false })
            }
            Method::InitFilter => {
                match self.test(arg, depth + 1) {
                    Some(Test { predicate, negated: false }) => state.init_filter = Some(predicate),
                    // A dynamic initial filter replaces the default all the same; keeping the
                    // default is the best guess, since most variants only tweak it.
                    _ => {
                        state.init_filter = None;
                        state.has_dynamic_filter = true;
                    }
                }
                return state;
            }
            Method::AddPath => {
                state.has_dynamic_root |= !self.roots(arg, depth + 1, &mut state.roots);
                return state;
            }
            Method::PipeTo => {
                state.lists_files = true;
                return state;
            }
            Method::Other => return state,
        };
        let keep = matches!(method, Method::Filter | Method::Match);
        match filter {
            Some(Test { predicate, negated }) if keep != negated => state.filters.push(PathFilter::Keep(predicate)),
            Some(Test { predicate, .. }) => state.filters.push(PathFilter::Drop(predicate)),
            None => state.has_dynamic_filter = true,
        }
        state
    }

    /// Appends the roots `expr` names; false when some of it cannot be read.
    fn roots(&self, expr: &SyntaxNode, depth: u32, out: &mut Vec<String>) -> bool {
        self.steps.set(self.steps.get() + 1);
        if depth > MAX_HOPS || self.steps.get() > MAX_ROOT_STEPS {
            return false;
        }
        let expr = unparen(expr.clone());
        match expr.kind() {
            NODE_LIST => {
                let mut all = true;
                for item in expr.children() {
                    all &= self.roots(&item, depth + 1, out);
                }
                all
            }
            NODE_IDENT => match self.alias(&expr, depth) {
                Some(value) => self.roots(&value, depth + 1, out),
                None => false,
            },
            _ => match self.path(&expr, depth) {
                Some(path) => {
                    out.push(normalise_relative(&path));
                    true
                }
                None => false,
            },
        }
    }

    /// A relative path literal, possibly extended by strings (`./. + "/my modules"`), as text.
    fn path(&self, expr: &SyntaxNode, depth: u32) -> Option<String> {
        if depth > MAX_HOPS {
            return None;
        }
        let expr = unparen(expr.clone());
        match expr.kind() {
            // An interpolated path (`./${x}`) has nodes among its tokens.
            NODE_PATH_REL if expr.children().next().is_none() => Some(expr.text().to_string()),
            NODE_BIN_OP if bin_op(&expr) == Some(TOKEN_ADD) => {
                let base = self.path(&nth_expr(&expr, 0)?, depth + 1)?;
                let tail = self.string(&nth_expr(&expr, 1)?, depth + 1)?;
                // Without a leading `/` the string extends the last name of the base, which may be
                // the calling file's own folder, unknown here.
                tail.starts_with('/').then(|| base + &tail)
            }
            NODE_IDENT => self.path(&self.alias(&expr, depth)?, depth + 1),
            _ => None,
        }
    }

    /// A path predicate: `lib.hasSuffix "x"` (any head, or a bare name from `with lib;` or an
    /// `inherit`), `p: lib.hasInfix "x" p`, `p: !lib.hasInfix "x" p`, or a name bound to one.
    fn test(&self, expr: &SyntaxNode, depth: u32) -> Option<Test> {
        if depth > MAX_HOPS {
            return None;
        }
        let expr = unparen(expr.clone());
        match expr.kind() {
            NODE_IDENT => self.test(&self.alias(&expr, depth)?, depth + 1),
            NODE_APPLY => {
                let make = self.string_test(&nth_expr(&expr, 0)?, depth + 1)?;
                let text = self.string(&nth_expr(&expr, 1)?, depth + 1)?;
                Some(Test { predicate: make(text), negated: false })
            }
            NODE_LAMBDA => {
                let param = first_child(&expr, NODE_IDENT_PARAM).and_then(|p| first_child(&p, NODE_IDENT))?;
                let mut body = unparen(nth_expr(&expr, 0)?);
                let mut negated = false;
                while body.kind() == NODE_UNARY_OP && first_token(&body, TOKEN_INVERT).is_some() {
                    negated = !negated;
                    body = unparen(nth_expr(&body, 0)?);
                }
                if body.kind() != NODE_APPLY {
                    return None;
                }
                // Only `f p` where `p` is the lambda's own argument is the predicate `f`.
                let arg = unparen(nth_expr(&body, 1)?);
                let Some(Resolution::Local(id)) = self.names.resolution_at(arg.text_range().start()) else {
                    return None;
                };
                if arg.kind() != NODE_IDENT || self.names.binding(id).range != param.text_range() {
                    return None;
                }
                let inner = self.test(&nth_expr(&body, 0)?, depth + 1)?;
                Some(Test { negated: inner.negated != negated, ..inner })
            }
            _ => None,
        }
    }

    fn string_test(&self, expr: &SyntaxNode, depth: u32) -> Option<fn(String) -> PathPredicate> {
        if depth > MAX_HOPS {
            return None;
        }
        let expr = unparen(expr.clone());
        let name = match expr.kind() {
            NODE_IDENT => ident_text(&expr)?.to_string(),
            NODE_SELECT => static_attr(&first_child(&expr, NODE_ATTRPATH)?.children().last()?)?.text.to_string(),
            _ => return None,
        };
        match name.as_str() {
            "hasSuffix" => Some(PathPredicate::Suffix),
            "hasPrefix" => Some(PathPredicate::Prefix),
            "hasInfix" => Some(PathPredicate::Infix),
            _ if expr.kind() == NODE_IDENT => self.string_test(&self.alias(&expr, depth)?, depth + 1),
            _ => None,
        }
    }

    fn string(&self, expr: &SyntaxNode, depth: u32) -> Option<String> {
        if depth > MAX_HOPS {
            return None;
        }
        let expr = unparen(expr.clone());
        match expr.kind() {
            NODE_STRING => plain_string(&expr),
            NODE_IDENT => self.string(&self.alias(&expr, depth)?, depth + 1),
            _ => None,
        }
    }

    /// The expression a name is bound to by `let` or `rec`, through `inherit`.
    fn alias(&self, ident: &SyntaxNode, depth: u32) -> Option<SyntaxNode> {
        self.bound_value(ident.text_range().start(), depth)
    }

    fn bound_value(&self, use_start: TextSize, depth: u32) -> Option<SyntaxNode> {
        if depth > MAX_HOPS {
            return None;
        }
        let Resolution::Local(id) = self.names.resolution_at(use_start)? else {
            return None;
        };
        match &self.names.binding(id).value {
            BindingValue::Expr(ptr) => ptr.try_to_node(&self.tree_root),
            BindingValue::Inherit { use_range } => self.bound_value(use_range.start(), depth + 1),
            _ => None,
        }
    }
}

/// A predicate as a filter reads it: `negated` flips `filter` into `filterNot`.
struct Test {
    predicate: PathPredicate,
    negated: bool,
}

/// The function and argument of `f x`, `x |> f` or `f <| x`.
fn application(node: &SyntaxNode) -> Option<(SyntaxNode, SyntaxNode)> {
    match node.kind() {
        NODE_APPLY => Some((nth_expr(node, 0)?, nth_expr(node, 1)?)),
        NODE_BIN_OP => match bin_op(node)? {
            TOKEN_PIPE_RIGHT => Some((nth_expr(node, 1)?, nth_expr(node, 0)?)),
            TOKEN_PIPE_LEFT => Some((nth_expr(node, 0)?, nth_expr(node, 1)?)),
            _ => None,
        },
        _ => None,
    }
}

/// Whether the expression (its parentheses included) is configured or called further: it is the
/// head of a select or the function of an application.
fn is_continued(node: &SyntaxNode) -> bool {
    let mut outer = node.clone();
    while let Some(parent) = outer.parent().filter(|p| p.kind() == NODE_PAREN) {
        outer = parent;
    }
    let Some(parent) = outer.parent() else {
        return false;
    };
    match parent.kind() {
        NODE_SELECT => nth_expr(&parent, 0).is_some_and(|head| head == outer),
        _ => application(&parent).is_some_and(|(function, _)| function == outer),
    }
}

fn select(value: Value, method: &str) -> Option<Value> {
    // A method is a function: selecting from it is not import-tree.
    let Value::Tree(mut state) = value else {
        return None;
    };
    let method = match method {
        // `filtered` and `matching` are the names of import-tree's first releases.
        "filter" | "filtered" => Method::Filter,
        "filterNot" => Method::FilterNot,
        "match" | "matching" => Method::Match,
        "matchNot" => Method::MatchNot,
        "initFilter" => Method::InitFilter,
        "addPath" => Method::AddPath,
        "pipeTo" => Method::PipeTo,
        "map" | "withLib" | "addAPI" => Method::Other,
        "leafs" | "files" => {
            state.lists_files = true;
            return Some(Value::Tree(state));
        }
        "result" => return Some(Value::Tree(state)),
        "new" => return Some(Value::Tree(TreeState::default())),
        // Methods added with `addAPI` can do anything.
        _ => return None,
    };
    Some(Value::Method(state, method))
}

/// `./a/../b/.` as `./b`; leading `..` stay. Nix itself normalises path literals this way.
fn normalise_relative(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." if parts.last().is_some_and(|p| *p != "..") => {
                parts.pop();
            }
            _ => parts.push(part),
        }
    }
    match parts.first() {
        None => ".".to_string(),
        Some(&"..") => parts.join("/"),
        Some(_) => format!("./{}", parts.join("/")),
    }
}
