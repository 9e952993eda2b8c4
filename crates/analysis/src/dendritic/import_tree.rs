//! import-tree: which files are top-level modules.
//!
//! `find_calls` reads every call of import-tree in one file: its roots and the filters that can
//! be read without evaluation. `ImportTreeRoots` combines the calls of a workspace and answers,
//! for any path, what import-tree does with it.
//!
//! import-tree is a callable attrset whose methods return configured copies of itself
//! (`(inputs.import-tree.filter f).matchNot r ./modules`), so the reader follows that chain the
//! way the library builds it, through parentheses, `import`, pipes and `let` aliases. Anything it
//! cannot read is left out and flagged, never guessed.

use std::cell::Cell;

use regex_lite::Regex;
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
    root.descendants().filter_map(|node| reader.call(&node)).collect()
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

/// How import-tree treats a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum FileKind {
    /// Imported: a top-level module.
    TopLevel,
    /// Under a root, but left out by a `/_` in its path or by a filter.
    Ignored,
    /// Under no root.
    Outside,
}

/// The roots of a workspace, resolved from every call found in it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct ImportTreeRoots {
    calls: Vec<ResolvedCall>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct ResolvedCall {
    /// Workspace-relative, as components; empty for the workspace itself.
    roots: Vec<Vec<String>>,
    filters: Vec<(bool, Matcher)>,
    init_filter: Option<Matcher>,
}

/// A predicate ready to test paths. A regex that does not compile is kept unreadable: it tests
/// nothing, like any filter canopy cannot read.
#[derive(Debug, Clone)]
enum Matcher {
    Suffix(String),
    Prefix(String),
    Infix(String),
    Regex { source: String, regex: Option<Regex> },
}

impl PartialEq for Matcher {
    fn eq(&self, other: &Matcher) -> bool {
        match (self, other) {
            (Matcher::Suffix(a), Matcher::Suffix(b))
            | (Matcher::Prefix(a), Matcher::Prefix(b))
            | (Matcher::Infix(a), Matcher::Infix(b))
            | (Matcher::Regex { source: a, .. }, Matcher::Regex { source: b, .. }) => a == b,
            _ => false,
        }
    }
}

impl Eq for Matcher {}

impl Matcher {
    fn new(predicate: &PathPredicate) -> Matcher {
        match predicate {
            PathPredicate::Suffix(s) => Matcher::Suffix(s.clone()),
            PathPredicate::Prefix(s) => Matcher::Prefix(s.clone()),
            PathPredicate::Infix(s) => Matcher::Infix(s.clone()),
            PathPredicate::Regex(source) => {
                // `builtins.match` must match the whole string, and POSIX `.` matches newlines.
                let regex = Regex::new(&format!("(?s)^(?:{source})$")).ok();
                Matcher::Regex { source: source.clone(), regex }
            }
        }
    }

    /// `None` when the predicate cannot be evaluated.
    fn test(&self, path: &str) -> Option<bool> {
        Some(match self {
            Matcher::Suffix(s) => path.ends_with(s.as_str()),
            Matcher::Prefix(s) => path.starts_with(s.as_str()),
            Matcher::Infix(s) => path.contains(s.as_str()),
            Matcher::Regex { regex, .. } => regex.as_ref()?.is_match(path),
        })
    }
}

impl ImportTreeRoots {
    /// `calls`: (workspace-relative path of the file holding the call, with `/` separators, e.g.
    /// "flake.nix" or "nix/flake-parts.nix"; the call).
    /// `fallback_modules_dir`: true when the workspace has a top-level `modules/` folder; used only
    /// when no call is found anywhere.
    pub(crate) fn new<'a>(
        calls: impl IntoIterator<Item = (&'a str, &'a ImportTreeCall)>,
        fallback_modules_dir: bool,
    ) -> ImportTreeRoots {
        let mut resolved: Vec<ResolvedCall> = Vec::new();
        let mut any_call = false;
        for (file, call) in calls {
            any_call = true;
            let mut folder = components(file);
            folder.pop();
            let call = ResolvedCall {
                // A root above the workspace holds no file of it.
                roots: call.roots.iter().filter_map(|root| join(&folder, root)).collect(),
                filters: call
                    .filters
                    .iter()
                    .map(|filter| match filter {
                        PathFilter::Keep(p) => (true, Matcher::new(p)),
                        PathFilter::Drop(p) => (false, Matcher::new(p)),
                    })
                    .collect(),
                init_filter: call.init_filter.as_ref().map(Matcher::new),
            };
            if !resolved.contains(&call) {
                resolved.push(call);
            }
        }
        if !any_call && fallback_modules_dir {
            resolved.push(ResolvedCall {
                roots: vec![vec!["modules".to_string()]],
                filters: Vec::new(),
                init_filter: None,
            });
        }
        ImportTreeRoots { calls: resolved }
    }

    /// Workspace-relative root folders ("modules", "hosts"), normalised (no "./", ".." resolved
    /// against the calling file's folder; a root that climbs above the workspace is dropped). The
    /// workspace itself is ".". A root may also be a single file ("modules/one.nix").
    pub(crate) fn roots(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for root in self.calls.iter().flat_map(|call| &call.roots) {
            let root = if root.is_empty() { ".".to_string() } else { root.join("/") };
            if !out.contains(&root) {
                out.push(root);
            }
        }
        out
    }

    /// How import-tree treats a workspace-relative `.nix` path.
    pub(crate) fn classify(&self, path: &str) -> FileKind {
        let path = components(path);
        let mut under_root = false;
        for call in &self.calls {
            let Some(seen_as) = call.seen_as(&path) else {
                continue;
            };
            under_root = true;
            if call.accepts(&seen_as) {
                return FileKind::TopLevel;
            }
        }
        if under_root { FileKind::Ignored } else { FileKind::Outside }
    }
}

impl ResolvedCall {
    /// The string import-tree's filters see for `path`, when one of the roots lists it.
    ///
    /// import-tree strips from each file the first folder root (in call order) that is a prefix of
    /// it, so filters see `/hosts/x.nix` for `modules/hosts/x.nix` under `./modules`: that is why
    /// `/_` only counts below the root, and why `hasPrefix "/hosts/"` works. A root that is a file
    /// is not stripped: filters see its absolute path, which canopy approximates by `/` and the
    /// workspace-relative path (the store path in front, `/nix/store/<hash>-source`, holds no
    /// `/_`). Releases before the stripping showed filters absolute paths everywhere; for
    /// suffixes, most infixes and `.*`-led regexes the answer is the same.
    fn seen_as(&self, path: &[String]) -> Option<String> {
        let below = |root: &&Vec<String>| root.len() < path.len() && path.starts_with(root);
        if let Some(root) = self.roots.iter().find(below) {
            return Some(format!("/{}", path[root.len()..].join("/")));
        }
        self.roots.iter().any(|root| root[..] == *path).then(|| format!("/{}", path.join("/")))
    }

    fn accepts(&self, seen_as: &str) -> bool {
        let initial = match &self.init_filter {
            Some(init) => init.test(seen_as) != Some(false),
            None => seen_as.ends_with(".nix") && !seen_as.contains("/_"),
        };
        // A filter canopy cannot evaluate lets every path through: import-tree may import it.
        initial && self.filters.iter().all(|(keep, matcher)| matcher.test(seen_as) != Some(!keep))
    }
}

/// Path components, without empty and `.` ones.
fn components(path: &str) -> Vec<String> {
    path.split('/').filter(|p| !p.is_empty() && *p != ".").map(str::to_string).collect()
}

/// `relative` resolved against `folder`; `None` above the workspace.
fn join(folder: &[String], relative: &str) -> Option<Vec<String>> {
    let mut out = folder.to_vec();
    for part in relative.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                out.pop()?;
            }
            _ => out.push(part.to_string()),
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax;
    use expect_test::{Expect, expect};

    fn parse_calls(src: &str) -> Vec<ImportTreeCall> {
        let parse = syntax::parse(src);
        let root = parse.root();
        find_calls(&root, &NameTable::build(&root))
    }

    /// Renders each call's text, then its roots, filters and flags.
    fn check_calls(src: &str, expect: Expect) {
        let mut out = String::new();
        for call in parse_calls(src) {
            // Calls that span lines print on one.
            let text = src[call.range].split_whitespace().collect::<Vec<_>>().join(" ");
            out += &format!("{text}\n  roots: {:?}\n", call.roots);
            for filter in &call.filters {
                out += &format!("  {filter:?}\n");
            }
            if let Some(init) = &call.init_filter {
                out += &format!("  init: {init:?}\n");
            }
            if call.has_dynamic_root {
                out += "  dynamic root\n";
            }
            if call.has_dynamic_filter {
                out += "  dynamic filter\n";
            }
        }
        expect.assert_eq(&out);
    }

    /// `files`: (path, source) of the files holding calls. Renders the roots, then each path's
    /// kind.
    fn check_kinds(files: &[(&str, &str)], fallback: bool, paths: &[&str], expect: Expect) {
        let calls: Vec<(&str, Vec<ImportTreeCall>)> =
            files.iter().map(|(path, src)| (*path, parse_calls(src))).collect();
        let roots = ImportTreeRoots::new(
            calls.iter().flat_map(|(path, calls)| calls.iter().map(move |call| (*path, call))),
            fallback,
        );
        let mut out = format!("roots: {:?}\n", roots.roots());
        for path in paths {
            out += &format!("{path}: {:?}\n", roots.classify(path));
        }
        expect.assert_eq(&out);
    }

    #[test]
    fn plain_calls() {
        check_calls(
            r#"inputs:
              inputs.flake-parts.lib.mkFlake { inherit inputs; } (inputs.import-tree ./modules)"#,
            expect![[r#"
                inputs.import-tree ./modules
                  roots: ["./modules"]
            "#]],
        );
        check_calls(
            "{ import-tree, ... }: { imports = [ (import-tree [ ./hosts ./modules ]) ]; }",
            expect![[r#"
                import-tree [ ./hosts ./modules ]
                  roots: ["./hosts", "./modules"]
            "#]],
        );
        check_calls(
            "{ inputs, ... }: { imports = [ (inputs.import-tree ../../modules) ]; }",
            expect![[r#"
                inputs.import-tree ../../modules
                  roots: ["../../modules"]
            "#]],
        );
        check_calls(
            "inputs: with inputs; import-tree ./modules",
            expect![[r#"
                import-tree ./modules
                  roots: ["./modules"]
            "#]],
        );
        check_calls(
            "inputs: let inherit (inputs) import-tree; in import-tree ./modules",
            expect![[r#"
                import-tree ./modules
                  roots: ["./modules"]
            "#]],
        );
        check_calls(
            "inputs: (import inputs.import-tree) ./modules",
            expect![[r#"
                (import inputs.import-tree) ./modules
                  roots: ["./modules"]
            "#]],
        );
        check_calls(
            "inputs: let tree = import inputs.import-tree; in tree ./modules",
            expect![[r#"
                tree ./modules
                  roots: ["./modules"]
            "#]],
        );
        check_calls(
            "inputs: ./modules |> inputs.import-tree",
            expect![[r#"
                ./modules |> inputs.import-tree
                  roots: ["./modules"]
            "#]],
        );
    }

    #[test]
    fn root_expressions() {
        check_calls(
            "import-tree [ ./a [ ./b ] ./c/../d/. modules/e ./. ]",
            expect![[r#"
                import-tree [ ./a [ ./b ] ./c/../d/. modules/e ./. ]
                  roots: ["./a", "./b", "./d", "./modules/e", "."]
            "#]],
        );
        check_calls(
            r#"import-tree (./. + "/my modules" + "/[x] é")"#,
            expect![[r#"
                import-tree (./. + "/my modules" + "/[x] é")
                  roots: ["./my modules/[x] é"]
            "#]],
        );
        check_calls(
            "let dirs = [ ./hosts ]; in import-tree dirs",
            expect![[r#"
                import-tree dirs
                  roots: ["./hosts"]
            "#]],
        );
        check_calls(
            r#"{ self, x, ... }: [
              (import-tree (self + "/modules"))
              (import-tree [ ./a ./${x} /abs <p> ])
              (import-tree (./modules + "x"))
              (import-tree ([ ./hosts ] ++ [ ./modules ]))
            ]"#,
            expect![[r#"
                import-tree (self + "/modules")
                  roots: []
                  dynamic root
                import-tree [ ./a ./${x} /abs <p> ]
                  roots: ["./a"]
                  dynamic root
                import-tree (./modules + "x")
                  roots: []
                  dynamic root
                import-tree ([ ./hosts ] ++ [ ./modules ])
                  roots: []
                  dynamic root
            "#]],
        );
    }

    #[test]
    fn filters() {
        check_calls(
            r#"(import inputs.import-tree).filterNot (lib.hasSuffix ".pkg.nix") ./modules"#,
            expect![[r#"
                (import inputs.import-tree).filterNot (lib.hasSuffix ".pkg.nix") ./modules
                  roots: ["./modules"]
                  Drop(Suffix(".pkg.nix"))
            "#]],
        );
        check_calls(
            r#"(inputs.import-tree.filter (lib.hasInfix "/x/")).filterNot
              (lib.strings.hasPrefix "/y") ./modules"#,
            expect![[r#"
                (inputs.import-tree.filter (lib.hasInfix "/x/")).filterNot (lib.strings.hasPrefix "/y") ./modules
                  roots: ["./modules"]
                  Keep(Infix("/x/"))
                  Drop(Prefix("/y"))
            "#]],
        );
        check_calls(
            r#"(import-tree.match ".*/[a-z]+\\.nix").matchNot ''.*/test_.*'' ./modules"#,
            expect![[r#"
                (import-tree.match ".*/[a-z]+\\.nix").matchNot ''.*/test_.*'' ./modules
                  roots: ["./modules"]
                  Keep(Regex(".*/[a-z]+\\.nix"))
                  Drop(Regex(".*/test_.*"))
            "#]],
        );
        check_calls(
            r#"with lib; import-tree.filter (p: !hasInfix "/wip/" p) ./modules"#,
            expect![[r#"
                import-tree.filter (p: !hasInfix "/wip/" p) ./modules
                  roots: ["./modules"]
                  Drop(Infix("/wip/"))
            "#]],
        );
        check_calls(
            r#"let
              isPkg = lib.hasSuffix suffix;
              suffix = ".pkg.nix";
            in import-tree.filterNot isPkg ./modules"#,
            expect![[r#"
                import-tree.filterNot isPkg ./modules
                  roots: ["./modules"]
                  Drop(Suffix(".pkg.nix"))
            "#]],
        );
        check_calls(
            r#"let tree = inputs.import-tree.filterNot (lib.hasSuffix ".x.nix"); in tree ./modules"#,
            expect![[r#"
                tree ./modules
                  roots: ["./modules"]
                  Drop(Suffix(".x.nix"))
            "#]],
        );
        check_calls(
            r#"import-tree.initFilter (lib.hasSuffix ".nix") ./modules"#,
            expect![[r#"
                import-tree.initFilter (lib.hasSuffix ".nix") ./modules
                  roots: ["./modules"]
                  init: Suffix(".nix")
            "#]],
        );
        // Unreadable filters are left out and flagged; the call still counts.
        check_calls(
            r#"p: [
              (((import-tree.filter (q: builtins.match "x" q != null)).filterNot (f p)).map
                import ./modules)
              (import-tree.filter (q: lib.hasSuffix "x" p) ./other)
            ]"#,
            expect![[r#"
                ((import-tree.filter (q: builtins.match "x" q != null)).filterNot (f p)).map import ./modules
                  roots: ["./modules"]
                  dynamic filter
                import-tree.filter (q: lib.hasSuffix "x" p) ./other
                  roots: ["./other"]
                  dynamic filter
            "#]],
        );
    }

    #[test]
    fn add_path() {
        check_calls(
            "{ imports = [ ((import-tree.addPath ./vendor).addPath ./modules) ]; }",
            expect![[r#"
                (import-tree.addPath ./vendor).addPath ./modules
                  roots: ["./vendor", "./modules"]
            "#]],
        );
        check_calls(
            "(import-tree.addPath ./extra) ./modules",
            expect![[r#"
                (import-tree.addPath ./extra) ./modules
                  roots: ["./extra", "./modules"]
            "#]],
        );
        check_calls(
            "(import-tree.addPath ./modules).result",
            expect![[r#"
                (import-tree.addPath ./modules).result
                  roots: ["./modules"]
            "#]],
        );
    }

    #[test]
    fn near_misses() {
        check_calls(
            r#"{
              inputs.import-tree.url = "github:vic/import-tree";
              outputs = inputs: {
                a = my-import-tree-helper ./modules;
                b = inputs.import-tree;
                c = { inherit (inputs) import-tree; };
                d = (import-tree.withLib lib).leafs ./packages;
                e = (import-tree.withLib lib).pipeTo (map f) ./packages;
                f = import-tree.leafs lib ./packages;
                g = inputs.import-tree.custom ./modules;
                h = import-tree.addPath;
                i = inputs.import-tree.url ./x;
                j = import-tree.filter;
                k = (import-tree ./modules) ./more;
              };
            }"#,
            expect![[r#"
                import-tree ./modules
                  roots: ["./modules"]
            "#]],
        );
        // `let a = a;` and lists that contain themselves must end.
        check_calls(
            "let a = a; b = [ b b ]; in [ (a ./x) (import-tree b) (a.filter a ./y) ]",
            expect![[r#"
                import-tree b
                  roots: []
                  dynamic root
            "#]],
        );
    }

    const MODULES: &str = "inputs: inputs.import-tree ./modules";

    #[test]
    fn classify_underscores_and_hidden_folders() {
        check_kinds(
            &[("flake.nix", MODULES)],
            true,
            &[
                "modules/a.nix",
                "modules/sub/deep/b.nix",
                "modules/_x.nix",
                "modules/_lib/x.nix",
                "modules/foo/_bar.nix",
                "modules/a/b/_c/d.nix",
                "modules/a_b/c_.nix",
                "modules/.hidden/x.nix",
                "modules/notes.md",
                "modules/my mod [1]/é ü.nix",
                "modules2/x.nix",
                "packages/x.nix",
                "flake.nix",
            ],
            expect![[r#"
                roots: ["modules"]
                modules/a.nix: TopLevel
                modules/sub/deep/b.nix: TopLevel
                modules/_x.nix: Ignored
                modules/_lib/x.nix: Ignored
                modules/foo/_bar.nix: Ignored
                modules/a/b/_c/d.nix: Ignored
                modules/a_b/c_.nix: TopLevel
                modules/.hidden/x.nix: TopLevel
                modules/notes.md: Ignored
                modules/my mod [1]/é ü.nix: TopLevel
                modules2/x.nix: Outside
                packages/x.nix: Outside
                flake.nix: Outside
            "#]],
        );
    }

    #[test]
    fn classify_roots_relative_to_the_calling_file() {
        check_kinds(
            &[
                ("nix/flake/parts.nix", "{ imports = [ (import-tree ../../modules) (import-tree ../../../up) ]; }"),
                ("nix/_private/flake.nix", "import-tree [ ./. ./_tree ]"),
            ],
            true,
            &["modules/a.nix", "nix/_private/x.nix", "nix/_private/_y.nix", "nix/_private/_tree/z.nix", "up/a.nix"],
            expect![[r#"
                roots: ["modules", "nix/_private", "nix/_private/_tree"]
                modules/a.nix: TopLevel
                nix/_private/x.nix: TopLevel
                nix/_private/_y.nix: Ignored
                nix/_private/_tree/z.nix: Ignored
                up/a.nix: Outside
            "#]],
        );
        // Files are stripped of the first root that holds them: here `_tree` comes first.
        check_kinds(
            &[("flake.nix", "import-tree [ ./_tree ./. ]")],
            false,
            &["_tree/z.nix", "_tree/_z.nix", "x.nix", "flake.nix", "_other/a.nix"],
            expect![[r#"
                roots: ["_tree", "."]
                _tree/z.nix: TopLevel
                _tree/_z.nix: Ignored
                x.nix: TopLevel
                flake.nix: TopLevel
                _other/a.nix: Ignored
            "#]],
        );
    }

    #[test]
    fn classify_with_filters() {
        check_kinds(
            &[(
                "flake.nix",
                r#"[
                  ((import-tree.filterNot (lib.hasSuffix ".pkg.nix")).filter
                    (lib.hasPrefix "/nixos/") [ ./hosts ./modules ])
                  (import-tree.matchNot ".*/test_[a-z]+\\.nix" ./tests)
                  (import-tree.match "(" ./broken)
                  (import-tree.initFilter (lib.hasSuffix ".nix") ./all)
                ]"#,
            )],
            false,
            &[
                "modules/nixos/a.nix",
                "modules/nixos/a.pkg.nix",
                "modules/home/a.nix",
                "hosts/nixos/h.nix",
                "tests/test_foo.nix",
                "tests/test_1.nix",
                "broken/a.nix",
                "all/_a.nix",
            ],
            expect![[r#"
                roots: ["hosts", "modules", "tests", "broken", "all"]
                modules/nixos/a.nix: TopLevel
                modules/nixos/a.pkg.nix: Ignored
                modules/home/a.nix: Ignored
                hosts/nixos/h.nix: TopLevel
                tests/test_foo.nix: Ignored
                tests/test_1.nix: TopLevel
                broken/a.nix: TopLevel
                all/_a.nix: TopLevel
            "#]],
        );
        // One call that imports a file is enough.
        check_kinds(
            &[("flake.nix", r#"import-tree.filter (lib.hasInfix "/on/") ./modules"#), ("other.nix", MODULES)],
            false,
            &["modules/off/a.nix"],
            expect![[r#"
                roots: ["modules"]
                modules/off/a.nix: TopLevel
            "#]],
        );
    }

    #[test]
    fn classify_file_roots() {
        check_kinds(
            &[("flake.nix", r#"import-tree [ ./modules/one.nix ./_two.nix (./. + "/three é.nix") ]"#)],
            false,
            &["modules/one.nix", "modules/other.nix", "_two.nix", "three é.nix"],
            expect![[r#"
                roots: ["modules/one.nix", "_two.nix", "three é.nix"]
                modules/one.nix: TopLevel
                modules/other.nix: Outside
                _two.nix: Ignored
                three é.nix: TopLevel
            "#]],
        );
    }

    #[test]
    fn fallback_to_modules_only_without_calls() {
        let paths = &["modules/a.nix", "modules/_b.nix", "hosts/a.nix"];
        check_kinds(
            &[("flake.nix", "{ }")],
            true,
            paths,
            expect![[r#"
            roots: ["modules"]
            modules/a.nix: TopLevel
            modules/_b.nix: Ignored
            hosts/a.nix: Outside
        "#]],
        );
        check_kinds(
            &[("flake.nix", "{ }")],
            false,
            paths,
            expect![[r#"
            roots: []
            modules/a.nix: Outside
            modules/_b.nix: Outside
            hosts/a.nix: Outside
        "#]],
        );
        check_kinds(
            &[("flake.nix", "import-tree ./hosts")],
            true,
            paths,
            expect![[r#"
                roots: ["hosts"]
                modules/a.nix: Outside
                modules/_b.nix: Outside
                hosts/a.nix: TopLevel
            "#]],
        );
    }
}
