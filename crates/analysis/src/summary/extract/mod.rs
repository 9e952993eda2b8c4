//! Builds a file's `FileSummary` from its syntax tree.
//!
//! Two walks share one cursor over the tree. The *config* walk follows the top-level module's
//! configuration through attrsets, dotted paths, `let`, lambdas, `mkIf`/`mkMerge`/`//` and folded
//! `genAttrs`/`mapAttrs`, creating a `ConfigNode` per name. Wherever a value is not configuration
//! structure, the *expression* walk takes over: it finds the rooted paths the file reads and notes
//! where a module is being imported (inside `imports`, `includes`, `lib.nixosSystem { modules }`,
//! `home-manager.users.<name>`, ...). Both resolve names through the file's `NameTable`, so
//! `config` means the top-level module's argument and nothing else.

use rnix::SyntaxKind::*;
use rustc_hash::FxHashMap;
use smol_str::SmolStr;

use crate::base::text::TextRange;
use crate::dendritic::contexts::{self, BuilderClass};
use crate::nix_exact;
use crate::summary::*;
use crate::syntax::names::{Binding, BindingId, BindingKind, BindingValue, NameTable, Resolution};
use crate::syntax::{self, NameForm, Parse, SyntaxNode, first_child, nth_expr, static_attr, unparen};

/// Summarises one file. `path` is the file's workspace-relative path (it names aspects built from
/// the file name). The config tree is kept whole: the workspace prunes it (`FileSummary::prune`)
/// once it knows which collections the workspace has.
pub(crate) fn summarize(path: &str, text: &str) -> FileSummary {
    // Dropping a deep tree recurses as deep as building it did: on the big stack too.
    crate::base::stack::with_stack(|| summarize_keeping_tree(path, text).0)
}

/// `summarize`, and the tree it read, for a caller that will be asked about the file next.
pub(crate) fn summarize_keeping_tree(path: &str, text: &str) -> (FileSummary, Parse) {
    crate::base::stack::with_stack(|| {
        if text.len() < CONCURRENT_GRAMMAR_FROM {
            let parse = syntax::parse(text);
            return (summarize_parse(path, text, &parse), parse);
        }
        // Nix's grammar reads the text alone: on another core while rnix parses and the summary
        // is built, which is most of the wait when a big file is opened or edited.
        std::thread::scope(|scope| {
            let grammar = std::thread::Builder::new()
                .stack_size(crate::base::stack::ANALYSIS_STACK)
                .spawn_scoped(scope, || nix_exact::nix_grammar(text, &|| syntax::parse(text).root()));
            let parse = syntax::parse(text);
            // A worker that could not start or did not finish leaves the grammar to this thread.
            let summary = summarize_then_check(path, text, &parse, || grammar.ok()?.join().ok());
            (summary, parse)
        })
    })
}

/// From this size on, a text's Nix grammar runs on a thread of its own (see `summarize`): below
/// it, starting the thread costs more than it saves.
const CONCURRENT_GRAMMAR_FROM: usize = 16 * 1024;

pub(crate) fn summarize_parse(path: &str, text: &str, parse: &Parse) -> FileSummary {
    summarize_then_check(path, text, parse, || None)
}

/// The summary, then its parse-time diagnostics, from Nix's grammar as `grammar` gives it once
/// the summary is built, or run here when it gives none.
fn summarize_then_check(
    path: &str,
    text: &str,
    parse: &Parse,
    grammar: impl FnOnce() -> Option<nix_exact::NixGrammar>,
) -> FileSummary {
    crate::base::stack::with_stack(|| {
        let names = NameTable::build(&parse.root());
        let mut summary = summarize_structure(path, text, parse, &names);
        let grammar = grammar().unwrap_or_else(|| nix_exact::nix_grammar(text, &|| parse.root()));
        summary.diagnostics = nix_exact::parse_time_diagnostics_with(text, parse, &names, grammar);
        summary
    })
}

/// The summary without its parse-time diagnostics, from a parse and name table the caller keeps
/// (completion reads a patched text this way, and needs no diagnostics of it).
pub(crate) fn summarize_structure(path: &str, text: &str, parse: &Parse, names: &NameTable) -> FileSummary {
    crate::base::stack::with_stack(|| {
        let root = parse.root();
        let mut summary = FileSummary::default();
        let mut extractor = Extractor::new(path, names, root.clone(), &mut summary);
        extractor.file(&root);
        extractor.finish();
        // Nearly every file names no import-tree at all: no need to walk it looking for calls.
        if text.contains("import-tree") {
            summary.import_tree = crate::dendritic::import_tree::find_calls(&root, names);
        }
        summary
    })
}

/// How deep the config tree is followed before the rest is read as plain expressions: deep enough
/// for every collection and host path with a nested evaluation below it.
const MAX_CONFIG_DEPTH: usize = 12;

/// How many aliases (`let` bindings) a path or constant is followed through.
const FUEL: u32 = 16;

/// What a top-level binding means as the start of a path.
#[derive(Debug, Clone, PartialEq, Eq)]
enum RootBinding {
    /// `config`
    Config,
    /// `self`: the flake's outputs, that is `config.flake`.
    SelfOutputs,
    /// `inputs`: `inputs.self` is `self`; any other input is external.
    Inputs,
    /// An attrset of every module argument (`args@{ ... }` or `args:`).
    ModuleArgs,
    /// A path into the configuration (`den` is `config.den`; flake-aspects' `aspects` is
    /// `config.flake.aspects`).
    ConfigPath(&'static [&'static str]),
    /// Any other top-level argument: maybe a den namespace.
    Argument,
    /// `config` of a lower-level module: not the flake's.
    ShadowedConfig,
}

/// Arguments of a lambda bound at a config path that stand for a path into the configuration.
const FIXPOINT_ARGUMENTS: &[(&[&str], &str, &[&str])] = &[(&["flake", "aspects"], "aspects", &["flake", "aspects"])];

/// A value of the expression evaluator: a path from a root.
#[derive(Debug, Clone)]
struct PathValue {
    root: RefRoot,
    path: Vec<Name>,
    dynamic_tail: bool,
    certain: bool,
    form: RefForm,
}

/// Context of the expression walk.
#[derive(Debug, Clone)]
struct Ctx {
    /// The deepest config node whose value holds the expression.
    owner: Option<NodeId>,
    /// The module the expression sits in.
    module: Anchor,
    /// The expression is a module being imported into `module`'s evaluation.
    position: bool,
    /// Attribute names walked inside the current module, for nested evaluations.
    keys: Vec<SmolStr>,
}

impl Ctx {
    fn value(&self) -> Ctx {
        Ctx { position: false, ..self.clone() }
    }

    fn under_key(&self, key: &str) -> Ctx {
        let mut keys = self.keys.clone();
        keys.push(SmolStr::new(key));
        if keys.len() > 4 {
            keys.remove(0);
        }
        let mut ctx = Ctx { position: false, keys, ..self.clone() };
        if let Some(class) = contexts::nested_class(&ctx.keys) {
            ctx.module = Anchor::Class(SmolStr::new_static(class));
            ctx.position = true;
        } else if contexts::is_module_list_key(key) || contexts::is_module_value_key(key) {
            ctx.position = true;
        }
        ctx
    }

    fn new_module(&self, module: Anchor) -> Ctx {
        Ctx { module, position: true, keys: Vec::new(), owner: self.owner }
    }
}

struct Extractor<'a> {
    file_name: Option<&'a str>,
    dir_name: Option<&'a str>,
    names: &'a NameTable,
    /// The tree's root, where node pointers are resolved.
    root: SyntaxNode,
    out: &'a mut FileSummary,
    roots: FxHashMap<BindingId, RootBinding>,
    /// Lambdas whose arguments are the top-level module's own.
    module_lambdas: Vec<TextRange>,
    depth: u32,
    /// Depth of each config node, by id.
    depths: Vec<u16>,
    /// Nodes already in `out.opaque`, by node.
    opaque_marked: Vec<bool>,
    /// Bindings being folded into configuration, innermost last: one met again inside its own
    /// value (`rec { b.c = { a = b; }; b = b; }`) is not followed, or the fold would not end.
    folding: Vec<BindingId>,
}

impl<'a> Extractor<'a> {
    fn new(path: &'a str, names: &'a NameTable, root: SyntaxNode, out: &'a mut FileSummary) -> Extractor<'a> {
        let mut parts = path.rsplit('/');
        let file_name = parts.next().filter(|n| !n.is_empty());
        let dir_name = parts.next();
        Extractor {
            file_name,
            dir_name,
            names,
            root,
            out,
            roots: FxHashMap::default(),
            module_lambdas: Vec::new(),
            depth: 0,
            depths: Vec::new(),
            opaque_marked: Vec::new(),
            folding: Vec::new(),
        }
    }

    fn finish(&mut self) {
        if let Some(module) = self.out.module.as_mut() {
            module.keys = self.out.nodes.iter().filter(|n| n.parent.is_none()).map(|n| n.name.clone()).collect();
        }
        // The same expression can be reached twice (a folded `let` value is also walked where it
        // is bound); keep one record per place, the one that knows most.
        let refs = &mut self.out.refs;
        refs.sort_by_key(|r| (r.range.start(), r.range.end(), r.anchor.is_none(), r.owner.is_none()));
        refs.dedup_by(|later, earlier| later.range == earlier.range && later.path == earlier.path);
        // Summaries live as long as the workspace, one per file: growth slack would be a third of
        // the memory they take.
        self.out.opaque.sort_by_key(|(n, _)| *n);
        self.out.nodes.shrink_to_fit();
        self.out.refs.shrink_to_fit();
        for reference in &mut self.out.refs {
            reference.path.shrink_to_fit();
        }
    }

    // ---- the file and its top-level module -----------------------------------------------------

    fn file(&mut self, root: &SyntaxNode) {
        let Some(expr) = nth_expr(root, 0) else { return };
        if self.file_name == Some("flake.nix") {
            self.flake_file(&expr);
        } else if !self.module_root(&expr) {
            self.expr(&expr, &self.top_ctx());
        }
    }

    fn top_ctx(&self) -> Ctx {
        Ctx { owner: None, module: Anchor::TopLevel, position: false, keys: Vec::new() }
    }

    /// A top-level module: `{ ... }`, `{ args, ... }: { ... }`, `args: { ... }`, through `let` and
    /// parentheses. Returns `false` when `expr` has none of these shapes.
    fn module_root(&mut self, expr: &SyntaxNode) -> bool {
        let expr = unparen(expr.clone());
        match expr.kind() {
            NODE_ATTR_SET => {
                self.out.module.get_or_insert_with(ModuleInfo::default);
                self.module_body(&expr);
                true
            }
            NODE_LET_IN => {
                let ctx = self.top_ctx();
                self.let_bindings(&expr, &ctx);
                match syntax::expr_children(&expr).last() {
                    Some(body) => self.module_root(&body),
                    None => false,
                }
            }
            NODE_LAMBDA => {
                let module = self.out.module.get_or_insert_with(ModuleInfo::default);
                if let Some(pattern) = first_child(&expr, NODE_PATTERN) {
                    for entry in pattern.children().filter(|c| c.kind() == NODE_PAT_ENTRY) {
                        if let Some(ident) = first_child(&entry, NODE_IDENT)
                            && let Some(name) = syntax::ident_text(&ident)
                        {
                            let range = ident.text_range();
                            let used =
                                self.names.binding_at(range).is_some_and(|id| self.names.uses_of(id).next().is_some());
                            module.args.push(ModuleArg { name, range, used });
                        }
                    }
                }
                self.module_lambdas.push(expr.text_range());
                self.register_module_arguments(&expr);
                let ctx = self.top_ctx();
                self.lambda_defaults(&expr, &ctx);
                match syntax::expr_children(&expr).last() {
                    Some(body) => {
                        if !self.module_root(&body) {
                            self.expr(&body, &ctx);
                        }
                        true
                    }
                    None => true,
                }
            }
            _ => false,
        }
    }

    fn register_module_arguments(&mut self, lambda: &SyntaxNode) {
        let range = lambda.text_range();
        for (i, binding) in self.names.bindings.iter().enumerate() {
            if binding.scope.text_range() != range {
                continue;
            }
            let meaning = match binding.kind {
                BindingKind::Param | BindingKind::PatternAlias => Some(RootBinding::ModuleArgs),
                _ => module_argument(&binding.name),
            };
            if let Some(meaning) = meaning {
                self.roots.insert(BindingId(i as u32), meaning);
            }
        }
    }

    /// `flake.nix`: `outputs = inputs: mkFlake { inherit inputs; } <module>`. The outputs
    /// function's arguments root paths (`inputs.self...`, `self...`), and the module is read as a
    /// top-level module.
    fn flake_file(&mut self, expr: &SyntaxNode) {
        for lambda in expr.descendants().filter(|n| n.kind() == NODE_LAMBDA) {
            let is_outputs = lambda
                .parent()
                .filter(|p| p.kind() == NODE_ATTRPATH_VALUE)
                .and_then(|p| first_child(&p, NODE_ATTRPATH))
                .and_then(|path| path.children().next())
                .and_then(|attr| static_attr(&attr))
                .is_some_and(|name| name.text == "outputs");
            if is_outputs {
                let range = lambda.text_range();
                for (i, binding) in self.names.bindings.iter().enumerate() {
                    if binding.scope.text_range() == range {
                        let meaning = match (binding.kind, binding.name.as_str()) {
                            (BindingKind::Formal, "self") => RootBinding::SelfOutputs,
                            (BindingKind::Formal, _) => continue,
                            _ => RootBinding::Inputs,
                        };
                        self.roots.insert(BindingId(i as u32), meaning);
                    }
                }
            }
        }
        let mut modules = Vec::new();
        for apply in expr.descendants().filter(|n| n.kind() == NODE_APPLY) {
            let (function, args) = flatten_apply(&apply);
            if function_name(&function).as_deref() == Some("mkFlake") && args.len() == 2 {
                modules.push(args[1].clone());
            }
        }
        for module in &modules {
            self.module_root(module);
        }
        // Everything else is read for references only; the module bodies were walked above.
        let ctx = self.top_ctx();
        self.expr_skipping(expr, &ctx, &modules);
    }

    fn expr_skipping(&mut self, node: &SyntaxNode, ctx: &Ctx, skip: &[SyntaxNode]) {
        if skip.contains(node) {
            return;
        }
        if skip.iter().any(|s| node.text_range().contains_range(s.text_range())) {
            for child in node.children() {
                self.expr_skipping(&child, ctx, skip);
            }
        } else if syntax::is_expr(node.kind()) {
            self.expr(node, ctx);
        }
    }

    /// The attrset of a top-level module.
    fn module_body(&mut self, set: &SyntaxNode) {
        let full_form = set
            .children()
            .filter(|e| e.kind() == NODE_ATTRPATH_VALUE)
            .any(|entry| first_attr_name(&entry).is_some_and(|n| n.text == "config" || n.text == "options"));
        let ctx = self.top_ctx();
        for entry in set.children() {
            match entry.kind() {
                NODE_ATTRPATH_VALUE => {
                    let Some(path) = first_child(&entry, NODE_ATTRPATH) else { continue };
                    let attrs: Vec<SyntaxNode> = path.children().collect();
                    let Some(value) = nth_expr(&entry, 0) else { continue };
                    let Some(first) = attrs.first().and_then(static_attr) else {
                        self.expr(&entry, &ctx);
                        continue;
                    };
                    match first.text.as_str() {
                        "imports" if attrs.len() == 1 => self.top_level_imports(&value),
                        "options" => {
                            self.options(&attrs[1..], &value, Vec::new());
                            self.expr(&value, &ctx.value());
                        }
                        "config" if full_form => {
                            if attrs.len() == 1 {
                                self.config_value(&value, None);
                            } else {
                                self.config_path(&attrs[1..], &value, None, entry.text_range());
                            }
                        }
                        "_file" | "key" | "disabledModules" | "_class" | "meta" | "freeformType" => {
                            self.expr(&value, &ctx.value())
                        }
                        _ => self.config_path(&attrs, &value, None, entry.text_range()),
                    }
                }
                NODE_INHERIT => self.config_inherit(&entry, None),
                _ => self.expr(&entry, &ctx),
            }
        }
    }

    fn top_level_imports(&mut self, value: &SyntaxNode) {
        let ctx = self.top_ctx().new_module(Anchor::TopLevel);
        let list = unparen(value.clone());
        if list.kind() != NODE_LIST {
            self.expr(&list, &ctx);
            return;
        }
        for item in syntax::expr_children(&list) {
            let inner = unparen(item.clone());
            match inner.kind() {
                // An inline module in a top-level `imports` is part of the top-level configuration.
                NODE_ATTR_SET | NODE_LAMBDA => {
                    self.module_root(&inner);
                }
                // A file imported by path is a top-level module wherever it lives.
                NODE_PATH_REL => {
                    let literal = inner.text().to_string();
                    self.out.imports.push(literal);
                }
                _ => self.expr(&item, &ctx),
            }
        }
    }

    // ---- the config walk -----------------------------------------------------------------------

    fn node_depth(&self, node: Option<NodeId>) -> usize {
        node.map_or(0, |n| usize::from(self.depths[n.0 as usize]))
    }

    fn add_node(&mut self, parent: Option<NodeId>, name: Name, binding: TextRange) -> NodeId {
        let id = NodeId(self.out.nodes.len() as u32);
        let depth = self.node_depth(parent) as u16 + 1;
        self.out.nodes.push(ConfigNode { parent, name, binding });
        self.depths.push(depth);
        self.opaque_marked.push(false);
        // The rules look at the last few names only; no need to build the whole path.
        let mut tail: Vec<&str> = self.out.ancestors(id).take(4).map(|n| self.out.node(n).name.text.as_str()).collect();
        tail.reverse();
        let class = contexts::nested_class(&tail).map(SmolStr::new_static);
        let provided = (depth == 3 && tail[..] == ["_module", "args", tail[2]]).then(|| SmolStr::new(tail[2]));
        if let Some(class) = class {
            // Nodes are numbered in creation order, so the table stays sorted.
            self.out.module_classes.push((id, class));
        }
        if let Some(name) = provided
            && let Some(module) = self.out.module.as_mut()
        {
            module.provides_args.push(name);
        }
        id
    }

    fn mark_opaque(&mut self, node: Option<NodeId>, range: TextRange, reason: OpaqueReason) {
        // The first reason found for a node stands; `finish` sorts the table by node.
        if let Some(node) = node
            && !std::mem::replace(&mut self.opaque_marked[node.0 as usize], true)
        {
            self.out.opaque.push((node, Opaque { range, reason }));
        }
    }

    /// The context for expressions in the value of `node`.
    fn node_ctx(&self, node: Option<NodeId>) -> Ctx {
        let Some(id) = node else { return self.top_ctx() };
        let mut ctx = Ctx { owner: Some(id), module: Anchor::Node(id), position: false, keys: Vec::new() };
        let key = &self.out.node(id).name.text;
        if self.out.module_class_of(id).is_some()
            || contexts::is_module_list_key(key)
            || contexts::is_module_value_key(key)
        {
            ctx.position = true;
        } else if self.out.node(id).parent.is_some() {
            // A value assigned at a module-typed path is itself a module of that path's class.
            ctx.position = true;
        }
        ctx
    }

    /// `a.b.${c}.d = value;` below `parent`.
    fn config_path(&mut self, attrs: &[SyntaxNode], value: &SyntaxNode, parent: Option<NodeId>, binding: TextRange) {
        let mut current = parent;
        for (i, attr) in attrs.iter().enumerate() {
            if self.node_depth(current) >= MAX_CONFIG_DEPTH {
                let ctx = self.node_ctx(current);
                for attr in &attrs[i..] {
                    if attr.kind() != NODE_IDENT {
                        self.expr(attr, &ctx.value());
                    }
                }
                self.expr(value, &ctx);
                return;
            }
            match self.attr_name(attr) {
                Some(name) => current = Some(self.add_node(current, name, binding)),
                None => {
                    self.mark_opaque(current, attr.text_range(), OpaqueReason::DynamicKey);
                    let ctx = self.node_ctx(current);
                    self.expr(attr, &ctx.value());
                    self.expr(value, &ctx.value());
                    return;
                }
            }
        }
        self.config_value(value, current);
    }

    /// A static name for an attrpath element, folding `${constant}`.
    fn attr_name(&self, attr: &SyntaxNode) -> Option<Name> {
        if let Some(name) = static_attr(attr) {
            return Some(name_of(name));
        }
        let inner = match attr.kind() {
            NODE_DYNAMIC => nth_expr(attr, 0)?,
            NODE_STRING => attr.clone(),
            _ => return None,
        };
        let (text, origin) = self.fold_string(&inner, FUEL)?;
        Some(Name { text, range: attr.text_range(), origin })
    }

    fn config_value(&mut self, value: &SyntaxNode, node: Option<NodeId>) {
        if self.depth >= syntax::MAX_DEPTH {
            return;
        }
        self.depth += 1;
        self.config_value_inner(value, node);
        self.depth -= 1;
    }

    fn config_value_inner(&mut self, value: &SyntaxNode, node: Option<NodeId>) {
        let value = unparen(value.clone());
        let ctx = self.node_ctx(node);
        match value.kind() {
            NODE_ATTR_SET if self.node_depth(node) < MAX_CONFIG_DEPTH => {
                for entry in value.children() {
                    match entry.kind() {
                        NODE_ATTRPATH_VALUE => {
                            let Some(path) = first_child(&entry, NODE_ATTRPATH) else { continue };
                            let attrs: Vec<SyntaxNode> = path.children().collect();
                            if let Some(v) = nth_expr(&entry, 0) {
                                self.config_path(&attrs, &v, node, entry.text_range())
                            }
                        }
                        NODE_INHERIT => self.config_inherit(&entry, node),
                        _ => self.expr(&entry, &ctx.value()),
                    }
                }
            }
            NODE_LET_IN => {
                self.let_bindings(&value, &ctx.value());
                if let Some(body) = syntax::expr_children(&value).last() {
                    self.config_value(&body, node);
                }
            }
            NODE_LAMBDA => {
                self.register_fixpoint(&value, node);
                self.lambda_defaults(&value, &ctx.value());
                if let Some(body) = syntax::expr_children(&value).last() {
                    self.config_value(&body, node);
                }
            }
            NODE_APPLY => self.config_apply(&value, node, &ctx),
            NODE_BIN_OP if syntax::bin_op(&value) == Some(TOKEN_UPDATE) => {
                for side in syntax::expr_children(&value) {
                    self.config_value(&side, node);
                }
            }
            NODE_IF_ELSE => {
                let mut parts = syntax::expr_children(&value);
                if let Some(condition) = parts.next() {
                    self.expr(&condition, &ctx.value());
                }
                for branch in parts {
                    self.config_value(&branch, node);
                }
            }
            NODE_IDENT | NODE_SELECT => {
                if let Some(path) = self.eval_path(&value, FUEL) {
                    self.record(path, value.text_range(), &ctx, false);
                    self.expr_inner_parts(&value, &ctx);
                    self.mark_opaque(node, value.text_range(), OpaqueReason::Assigned);
                } else if !self.fold_config_alias(&value, node) {
                    self.mark_opaque(node, value.text_range(), OpaqueReason::Assigned);
                    self.expr(&value, &ctx);
                }
            }
            _ => self.expr(&value, &ctx),
        }
    }

    /// Runs `fold` for binding `id`, unless it is being folded already; `false` when it does not
    /// run.
    fn fold_binding(&mut self, id: BindingId, fold: impl FnOnce(&mut Self) -> bool) -> bool {
        if self.folding.contains(&id) {
            return false;
        }
        self.folding.push(id);
        let folded = fold(self);
        self.folding.pop();
        folded
    }

    /// A config value that names a `let` binding: read the binding's value as configuration.
    fn fold_config_alias(&mut self, value: &SyntaxNode, node: Option<NodeId>) -> bool {
        let Some(id) = self.local_binding_id(value) else { return false };
        self.fold_binding(id, |this| this.fold_config_binding(id, node))
    }

    fn fold_config_binding(&mut self, id: BindingId, node: Option<NodeId>) -> bool {
        let binding = self.names.binding(id);
        match &binding.value {
            BindingValue::Expr(ptr) if matches!(binding.kind, BindingKind::Let | BindingKind::Rec) => {
                let Some(target) = ptr.try_to_node(&self.root) else {
                    return false;
                };
                // Literal structure is folded. Any other value is still read in place, so that
                // `imports = helper;` with `helper = with ...; [ ssh ];` imports `ssh`; its
                // attributes stay unknown.
                if matches!(unparen(target.clone()).kind(), NODE_ATTR_SET) {
                    self.config_value(&target, node);
                    return true;
                }
                let ctx = self.node_ctx(node);
                self.expr(&target, &ctx);
                false
            }
            BindingValue::Nested(ptr) => {
                let root = self.root.clone();
                let Some(scope) = ptr.try_to_node(&root) else { return false };
                let name = binding.name.clone();
                for entry in scope.children().filter(|e| e.kind() == NODE_ATTRPATH_VALUE) {
                    let Some(path) = first_child(&entry, NODE_ATTRPATH) else { continue };
                    let attrs: Vec<SyntaxNode> = path.children().collect();
                    if attrs.first().and_then(static_attr).is_some_and(|n| n.text == name)
                        && let Some(v) = nth_expr(&entry, 0)
                    {
                        self.config_path(&attrs[1..], &v, node, entry.text_range());
                    }
                }
                true
            }
            _ => false,
        }
    }

    /// The let/rec binding an identifier resolves to.
    fn local_binding(&self, ident: &SyntaxNode) -> Option<&'a Binding> {
        self.local_binding_id(ident).map(|id| self.names.binding(id))
    }

    fn local_binding_id(&self, ident: &SyntaxNode) -> Option<BindingId> {
        if ident.kind() != NODE_IDENT {
            return None;
        }
        match self.names.resolution_at(ident.text_range().start())? {
            Resolution::Local(id) => Some(id),
            _ => None,
        }
    }

    fn config_apply(&mut self, value: &SyntaxNode, node: Option<NodeId>, ctx: &Ctx) {
        let (function, args) = flatten_apply(value);
        let name = function_name(&function);
        let name = name.as_deref().unwrap_or("");
        if contexts::is_transparent_modifier(name) && !args.is_empty() {
            for arg in &args[..args.len() - 1] {
                self.expr(arg, &ctx.value());
            }
            self.config_value(&args[args.len() - 1], node);
            return;
        }
        match (name, args.as_slice()) {
            ("mkMerge", [list]) if unparen(list.clone()).kind() == NODE_LIST => {
                for item in syntax::expr_children(&unparen(list.clone())) {
                    self.config_value(&item, node);
                }
            }
            ("genAttrs", [list, function]) => match self.fold_string_list(list) {
                Some(names) => {
                    for name in names {
                        let child = self.add_node(node, name, value.text_range());
                        self.function_body(function, child);
                    }
                }
                None => self.opaque_call(value, node, ctx),
            },
            ("mapAttrs", [function, attrs]) => match self.fold_attrset(attrs) {
                Some(set) => {
                    for entry in set.children().filter(|e| e.kind() == NODE_ATTRPATH_VALUE) {
                        let Some(path) = first_child(&entry, NODE_ATTRPATH) else { continue };
                        let attrs: Vec<SyntaxNode> = path.children().collect();
                        let Some(name) = attrs.first().and_then(|a| self.attr_name(a)) else {
                            self.mark_opaque(node, entry.text_range(), OpaqueReason::DynamicKey);
                            continue;
                        };
                        let child = self.add_node(node, name, entry.text_range());
                        let child_ctx = self.node_ctx(Some(child));
                        if let Some(v) = nth_expr(&entry, 0) {
                            self.expr(&v, &child_ctx.value());
                        }
                        self.function_body(function, child);
                    }
                }
                None => self.opaque_call(value, node, ctx),
            },
            _ => self.opaque_call(value, node, ctx),
        }
    }

    fn opaque_call(&mut self, value: &SyntaxNode, node: Option<NodeId>, ctx: &Ctx) {
        self.mark_opaque(node, value.text_range(), OpaqueReason::Call);
        self.expr(value, ctx);
    }

    /// The body of `name: value` (or `name: _: value`) passed to `genAttrs` or `mapAttrs`, read as
    /// the value of `node`.
    fn function_body(&mut self, function: &SyntaxNode, node: NodeId) {
        let mut body = unparen(function.clone());
        let ctx = self.node_ctx(Some(node));
        while body.kind() == NODE_LAMBDA {
            self.lambda_defaults(&body, &ctx.value());
            match syntax::expr_children(&body).last() {
                Some(inner) => body = unparen(inner),
                None => return,
            }
        }
        if body.text_range() == unparen(function.clone()).text_range() {
            self.expr(&body, &ctx.value());
        } else {
            self.config_value(&body, Some(node));
        }
    }

    /// `inherit (e) a b;` or `inherit a;` as configuration below `node`.
    fn config_inherit(&mut self, entry: &SyntaxNode, node: Option<NodeId>) {
        let from = first_child(entry, NODE_INHERIT_FROM).and_then(|f| nth_expr(&f, 0));
        let source = from.as_ref().and_then(|f| self.eval_path(f, FUEL));
        if let Some(from) = &from
            && source.is_none()
        {
            self.expr(from, &self.node_ctx(node).value());
        }
        for attr in entry.children().filter(|c| c.kind() != NODE_INHERIT_FROM) {
            let Some(name) = static_attr(&attr) else {
                self.mark_opaque(node, attr.text_range(), OpaqueReason::DynamicKey);
                continue;
            };
            let child = self.add_node(node, name_of(name.clone()), entry.text_range());
            let ctx = self.node_ctx(Some(child));
            match (&from, &source) {
                (Some(_), Some(source)) => {
                    let mut path = source.clone();
                    path.path.push(name_of(name));
                    path.form = RefForm::Inherit;
                    self.record(path, attr.text_range(), &ctx, false);
                }
                (Some(_), None) => self.mark_opaque(Some(child), attr.text_range(), OpaqueReason::Assigned),
                (None, _) => {
                    if let Some(path) = self.eval_path(&attr, FUEL) {
                        self.record(path, attr.text_range(), &ctx, false);
                    } else if !self.fold_inherited(&attr, child) {
                        self.mark_opaque(Some(child), attr.text_range(), OpaqueReason::Assigned);
                    }
                }
            }
        }
    }

    /// `let flake.modules.x.y = ...; in { inherit flake; }`: the let's definitions, as config.
    fn fold_inherited(&mut self, attr: &SyntaxNode, child: NodeId) -> bool {
        let Some(Resolution::Local(id)) = self.names.resolution_at(attr.text_range().start()) else {
            return false;
        };
        self.fold_binding(id, |this| this.fold_inherited_binding(id, child))
    }

    fn fold_inherited_binding(&mut self, id: BindingId, child: NodeId) -> bool {
        let binding = self.names.binding(id);
        let root = self.root.clone();
        match &binding.value {
            BindingValue::Nested(ptr) => {
                let Some(scope) = ptr.try_to_node(&root) else { return false };
                for entry in scope.children().filter(|e| e.kind() == NODE_ATTRPATH_VALUE) {
                    let Some(path) = first_child(&entry, NODE_ATTRPATH) else { continue };
                    let attrs: Vec<SyntaxNode> = path.children().collect();
                    if attrs.first().and_then(static_attr).is_some_and(|n| n.text == binding.name)
                        && let Some(v) = nth_expr(&entry, 0)
                    {
                        self.config_path(&attrs[1..], &v, Some(child), entry.text_range());
                    }
                }
                true
            }
            BindingValue::Expr(ptr) => match ptr.try_to_node(&root) {
                Some(target) if unparen(target.clone()).kind() == NODE_ATTR_SET => {
                    self.config_value(&target, Some(child));
                    true
                }
                _ => false,
            },
            _ => false,
        }
    }

    fn register_fixpoint(&mut self, lambda: &SyntaxNode, node: Option<NodeId>) {
        let Some(node) = node else { return };
        let path: Vec<SmolStr> = self.out.node_path(node).into_iter().map(|n| n.text.clone()).collect();
        for (at, argument, meaning) in FIXPOINT_ARGUMENTS {
            if path.iter().map(SmolStr::as_str).eq(at.iter().copied()) {
                let range = lambda.text_range();
                for (i, binding) in self.names.bindings.iter().enumerate() {
                    if binding.scope.text_range() == range && binding.name == *argument {
                        self.roots.insert(BindingId(i as u32), RootBinding::ConfigPath(meaning));
                    }
                }
            }
        }
    }

    // ---- option declarations -------------------------------------------------------------------

    /// Walks `options.<path> = ...` looking for options whose type holds lower-level modules.
    fn options(&mut self, attrs: &[SyntaxNode], value: &SyntaxNode, mut prefix: Vec<SmolStr>) {
        for attr in attrs {
            match static_attr(attr) {
                Some(name) => prefix.push(name.text),
                None => return,
            }
        }
        if let Some(first) = prefix.first()
            && !self.out.declared.contains(first)
        {
            self.out.declared.push(first.clone());
        }
        let value = unparen(value.clone());
        match value.kind() {
            NODE_ATTR_SET => {
                for entry in value.children().filter(|e| e.kind() == NODE_ATTRPATH_VALUE) {
                    let Some(path) = first_child(&entry, NODE_ATTRPATH) else { continue };
                    let attrs: Vec<SyntaxNode> = path.children().collect();
                    if let Some(v) = nth_expr(&entry, 0) {
                        self.options(&attrs, &v, prefix.clone());
                    }
                }
            }
            _ if !prefix.is_empty() => {
                if let Some(decl) = self.option_decl(&value, prefix) {
                    self.out.options.push(decl);
                }
            }
            _ => {}
        }
    }

    fn option_decl(&self, value: &SyntaxNode, path: Vec<SmolStr>) -> Option<OptionDecl> {
        // The type may sit in the option itself or in a local helper that builds it.
        let mut scopes = vec![value.clone()];
        let (function, _) = flatten_apply(value);
        if let Some(binding) = self.local_binding(&function)
            && let BindingValue::Expr(ptr) = &binding.value
        {
            let root = self.root.clone();
            scopes.extend(ptr.try_to_node(&root));
        }
        let mut wrappers = None;
        let mut class = None;
        for scope in &scopes {
            for node in scope.descendants() {
                let name = match node.kind() {
                    NODE_IDENT => syntax::ident_text(&node),
                    NODE_SELECT => function_name(&node),
                    _ => None,
                };
                if matches!(name.as_deref(), Some("deferredModule" | "deferredModuleWith")) && wrappers.is_none() {
                    wrappers = Some(attrs_of_wrappers(&node));
                }
                if node.kind() == NODE_ATTRPATH_VALUE
                    && first_attr_name(&node).is_some_and(|n| n.text == "_class")
                    && let Some(v) = nth_expr(&node, 0)
                {
                    class = syntax::plain_string(&unparen(v)).map(SmolStr::from);
                }
            }
        }
        let shape = match wrappers? {
            0 => return None,
            1 => DeclaredShape::Aspects,
            _ => DeclaredShape::ClassesThenAspects,
        };
        let class = class.or_else(|| path.iter().find_map(|segment| class_named_by(segment)));
        Some(OptionDecl { path, range: value.text_range(), shape, class })
    }

    // ---- the expression walk -------------------------------------------------------------------

    fn expr(&mut self, node: &SyntaxNode, ctx: &Ctx) {
        if self.depth >= syntax::MAX_DEPTH {
            return;
        }
        self.depth += 1;
        self.expr_inner(node, ctx);
        self.depth -= 1;
    }

    fn expr_inner(&mut self, node: &SyntaxNode, ctx: &Ctx) {
        match node.kind() {
            NODE_IDENT | NODE_SELECT => {
                if let Some(path) = self.eval_path(node, FUEL) {
                    self.record(path, node.text_range(), ctx, false);
                    self.expr_inner_parts(node, ctx);
                } else {
                    self.children(node, &ctx.value());
                }
            }
            NODE_LIST | NODE_PAREN => self.children(node, ctx),
            NODE_ATTR_SET => {
                let inner = if ctx.position { Ctx { keys: Vec::new(), ..ctx.clone() } } else { ctx.clone() };
                self.attrset(node, &inner);
            }
            NODE_LET_IN => {
                self.let_bindings(node, &ctx.value());
                if let Some(body) = syntax::expr_children(node).last() {
                    self.expr(&body, ctx);
                }
            }
            NODE_WITH => {
                let mut parts = syntax::expr_children(node);
                if let Some(namespace) = parts.next() {
                    // The namespace is a scope, not a use of the value.
                    self.expr_inner_parts(&namespace, &ctx.value());
                    if self.eval_path(&namespace, FUEL).is_none() {
                        self.expr(&namespace, &ctx.value());
                    }
                }
                for body in parts {
                    self.expr(&body, ctx);
                }
            }
            NODE_LAMBDA => {
                self.lambda_defaults(node, &ctx.value());
                if let Some(body) = syntax::expr_children(node).last() {
                    self.expr(&body, &Ctx { keys: Vec::new(), ..ctx.value() });
                }
            }
            NODE_APPLY => self.apply(node, ctx),
            NODE_IF_ELSE => {
                let mut parts = syntax::expr_children(node);
                if let Some(condition) = parts.next() {
                    self.expr(&condition, &ctx.value());
                }
                for branch in parts {
                    self.expr(&branch, ctx);
                }
            }
            NODE_ASSERT => {
                let mut parts = syntax::expr_children(node);
                if let Some(condition) = parts.next() {
                    self.expr(&condition, &ctx.value());
                }
                for body in parts {
                    self.expr(&body, ctx);
                }
            }
            NODE_BIN_OP if matches!(syntax::bin_op(node), Some(TOKEN_CONCAT | TOKEN_UPDATE)) => {
                self.children(node, ctx)
            }
            _ => self.children(node, &ctx.value()),
        }
    }

    fn children(&mut self, node: &SyntaxNode, ctx: &Ctx) {
        for child in node.children() {
            match child.kind() {
                NODE_ATTRPATH => {
                    for attr in child.children().filter(|a| a.kind() != NODE_IDENT) {
                        self.expr(&attr, &ctx.value());
                    }
                }
                NODE_PATTERN | NODE_IDENT_PARAM => {}
                _ => self.expr(&child, ctx),
            }
        }
    }

    /// The parts of a recorded path expression that are expressions of their own: dynamic
    /// attributes and `or` defaults.
    fn expr_inner_parts(&mut self, node: &SyntaxNode, ctx: &Ctx) {
        if node.kind() != NODE_SELECT {
            return;
        }
        let mut exprs = syntax::expr_children(node);
        if let Some(base) = exprs.next() {
            self.expr_inner_parts(&base, ctx);
        }
        for default in exprs {
            self.expr(&default, &ctx.value());
        }
        if let Some(path) = first_child(node, NODE_ATTRPATH) {
            for attr in path.children().filter(|a| a.kind() != NODE_IDENT) {
                self.expr(&attr, &ctx.value());
            }
        }
    }

    fn attrset(&mut self, set: &SyntaxNode, ctx: &Ctx) {
        for entry in set.children() {
            match entry.kind() {
                NODE_ATTRPATH_VALUE => {
                    let Some(path) = first_child(&entry, NODE_ATTRPATH) else { continue };
                    let mut inner = ctx.clone();
                    for attr in path.children() {
                        match static_attr(&attr) {
                            Some(name) => inner = inner.under_key(&name.text),
                            None => {
                                self.expr(&attr, &ctx.value());
                                inner = inner.value();
                            }
                        }
                    }
                    if let Some(value) = nth_expr(&entry, 0) {
                        self.expr(&value, &inner);
                    }
                }
                NODE_INHERIT => self.inherit(&entry, &ctx.value(), false),
                _ => self.expr(&entry, &ctx.value()),
            }
        }
    }

    /// An `inherit` in a set or `let`: `inherit (config.flake.modules.nixos) ssh;` reads `ssh`.
    fn inherit(&mut self, entry: &SyntaxNode, ctx: &Ctx, alias: bool) {
        let from = first_child(entry, NODE_INHERIT_FROM).and_then(|f| nth_expr(&f, 0));
        match &from {
            Some(from) => {
                let source = self.eval_path(from, FUEL);
                if source.is_none() {
                    self.expr(from, ctx);
                } else {
                    self.expr_inner_parts(from, ctx);
                }
                for attr in entry.children().filter(|c| c.kind() != NODE_INHERIT_FROM) {
                    match (static_attr(&attr), &source) {
                        (Some(name), Some(source)) => {
                            let mut path = source.clone();
                            path.path.push(name_of(name));
                            path.form = RefForm::Inherit;
                            self.record(path, attr.text_range(), ctx, alias);
                        }
                        (None, _) => self.expr(&attr, ctx),
                        _ => {}
                    }
                }
            }
            None => {
                for attr in entry.children() {
                    self.expr(&attr, ctx);
                }
            }
        }
    }

    /// The values of a `let`'s bindings. A binding that names a rooted path is an alias: it is
    /// recorded where it is written, and again (through the alias) where it is used.
    fn let_bindings(&mut self, node: &SyntaxNode, ctx: &Ctx) {
        for entry in node.children() {
            match entry.kind() {
                NODE_ATTRPATH_VALUE => {
                    if let Some(path) = first_child(&entry, NODE_ATTRPATH) {
                        for attr in path.children().filter(|a| a.kind() != NODE_IDENT) {
                            self.expr(&attr, ctx);
                        }
                    }
                    let Some(value) = nth_expr(&entry, 0) else { continue };
                    match self.eval_path(&value, FUEL) {
                        Some(path) => {
                            self.record(path, value.text_range(), ctx, true);
                            self.expr_inner_parts(&value, ctx);
                        }
                        None => self.expr(&value, ctx),
                    }
                }
                NODE_INHERIT => self.inherit(&entry, ctx, true),
                _ => {}
            }
        }
    }

    fn lambda_defaults(&mut self, lambda: &SyntaxNode, ctx: &Ctx) {
        if let Some(pattern) = first_child(lambda, NODE_PATTERN) {
            for entry in pattern.children().filter(|c| c.kind() == NODE_PAT_ENTRY) {
                for default in syntax::expr_children(&entry).skip(1) {
                    self.expr(&default, ctx);
                }
            }
        }
    }

    fn apply(&mut self, node: &SyntaxNode, ctx: &Ctx) {
        let (function, args) = flatten_apply(node);
        let name = function_name(&function);
        let name = name.as_deref().unwrap_or("");
        if name == "namespace"
            && let Some(first) = args.first()
            && let Some(text) = syntax::plain_string(&unparen(first.clone()))
        {
            self.out.namespaces.push(NamespaceDecl { name: SmolStr::new(text), range: first.text_range() });
        }
        if let Some(builder) = contexts::builder(name) {
            self.expr(&function, &ctx.value());
            for arg in &args {
                self.builder_argument(arg, builder, ctx);
            }
            return;
        }
        self.expr(&function, &ctx.value());
        // Arguments pass the module position through: `lib.optionals c [ ... ]`,
        // `lib.attrValues config.flake.modules.nixos`.
        for arg in &args {
            self.expr(arg, ctx);
        }
    }

    /// `lib.nixosSystem { modules = [ ... ]; }`: a nested evaluation of the builder's class.
    fn builder_argument(&mut self, arg: &SyntaxNode, builder: BuilderClass, ctx: &Ctx) {
        let set = unparen(arg.clone());
        if set.kind() != NODE_ATTR_SET {
            self.expr(arg, &ctx.value());
            return;
        }
        let anchor = match builder {
            BuilderClass::Fixed(class) => Anchor::Class(SmolStr::new_static(class)),
            BuilderClass::FromClassAttribute => set
                .children()
                .filter(|e| e.kind() == NODE_ATTRPATH_VALUE)
                .find(|e| first_attr_name(e).is_some_and(|n| n.text == "class"))
                .and_then(|e| nth_expr(&e, 0))
                .and_then(|v| syntax::plain_string(&unparen(v)))
                .map_or(Anchor::Unknown, |c| Anchor::Class(SmolStr::new(c))),
        };
        let module_ctx = ctx.new_module(anchor);
        for entry in set.children() {
            let key = first_attr_name(&entry);
            let value = nth_expr(&entry, 0);
            match (key, value) {
                (Some(key), Some(value)) if key.text == "modules" || key.text == "module" => {
                    self.expr(&value, &module_ctx)
                }
                _ => self.expr(&entry, &ctx.value()),
            }
        }
    }

    fn record(&mut self, value: PathValue, range: TextRange, ctx: &Ctx, alias: bool) {
        // `inputs` alone, or an argument attrset before its first name, names nothing yet.
        let unresolved = match &value.root {
            RefRoot::Input(input) => input.is_empty() || value.path.is_empty(),
            RefRoot::Argument => value.path.is_empty(),
            _ => false,
        };
        if unresolved {
            return;
        }
        let anchor = (ctx.position && !alias).then(|| ctx.module.clone());
        self.out.refs.push(Reference {
            root: value.root,
            path: value.path,
            dynamic_tail: value.dynamic_tail,
            certain: value.certain,
            form: value.form,
            range,
            owner: ctx.owner,
            anchor,
            alias,
        });
    }

    // ---- evaluating paths and constants --------------------------------------------------------

    /// The rooted path an expression denotes, if any.
    fn eval_path(&self, node: &SyntaxNode, fuel: u32) -> Option<PathValue> {
        let fuel = fuel.checked_sub(1)?;
        let node = unparen(node.clone());
        match node.kind() {
            NODE_IDENT => {
                let name = name_of(static_attr(&node)?);
                let resolution = self.names.resolution_at(node.text_range().start())?;
                self.eval_resolution(resolution, name, fuel)
            }
            NODE_SELECT => {
                let mut exprs = syntax::expr_children(&node);
                let base = exprs.next()?;
                let has_default = exprs.next().is_some();
                let mut value = self.eval_path(&base, fuel)?;
                if has_default {
                    value.certain = false;
                }
                let path = first_child(&node, NODE_ATTRPATH)?;
                for attr in path.children() {
                    match self.attr_name(&attr) {
                        Some(name) if !value.dynamic_tail => value = self.extend(value, name),
                        _ => value.dynamic_tail = true,
                    }
                }
                Some(value)
            }
            _ => None,
        }
    }

    fn eval_resolution(&self, resolution: Resolution, name: Name, fuel: u32) -> Option<PathValue> {
        match resolution {
            Resolution::Local(id) => {
                if let Some(root) = self.root_meaning(id) {
                    return Some(root_value(root, name));
                }
                let binding = self.names.binding(id);
                let tree = self.root.clone();
                match &binding.value {
                    BindingValue::Expr(ptr) => {
                        let target = ptr.try_to_node(&tree)?;
                        self.eval_path(&target, fuel)
                    }
                    BindingValue::InheritFrom { from } => {
                        let from = from.try_to_node(&tree)?;
                        let base = self.eval_path(&from, fuel)?;
                        let inherited =
                            Name { text: binding.name.clone(), range: binding.range, origin: NameOrigin::Ident };
                        Some(self.extend(base, inherited))
                    }
                    BindingValue::Inherit { use_range } => {
                        let outer = self.names.resolution_at(use_range.start())?;
                        if outer == resolution {
                            return None;
                        }
                        self.eval_resolution(outer, name, fuel.checked_sub(1)?)
                    }
                    _ => None,
                }
            }
            Resolution::With(innermost) => {
                let tree = self.root.clone();
                let depth = self.names.with_depth(innermost);
                let mut current = Some(innermost);
                while let Some(id) = current {
                    let scope = self.names.with_scope(id);
                    let namespace = scope.node.try_to_node(&tree).and_then(|w| nth_expr(&w, 0));
                    if let Some(mut value) = namespace.and_then(|ns| self.eval_path(&ns, fuel)) {
                        if value.dynamic_tail {
                            return None;
                        }
                        value = self.extend(value, name);
                        value.form = RefForm::With;
                        value.certain &= depth == 1;
                        return Some(value);
                    }
                    current = scope.outer;
                }
                None
            }
            Resolution::Global | Resolution::Undefined => None,
        }
    }

    /// Appends a name. Two roots are only known once their first name is read: `inputs`
    /// (`inputs.self` is the flake's own outputs, any other input is external) and an attrset of
    /// every module argument (`args.config`).
    fn extend(&self, mut value: PathValue, name: Name) -> PathValue {
        match &value.root {
            RefRoot::Input(input) if input.is_empty() => {
                if name.text == "self" {
                    value.root = RefRoot::Config;
                    value.path.push(Name {
                        text: SmolStr::new_static("flake"),
                        range: name.range,
                        origin: NameOrigin::Implicit,
                    });
                } else {
                    value.root = RefRoot::Input(name.text);
                }
            }
            RefRoot::Argument if value.path.is_empty() => {
                let certain = value.certain;
                match module_argument(&name.text) {
                    Some(meaning) => value = root_value(meaning, name),
                    None => value.dynamic_tail = true,
                }
                value.certain = certain;
            }
            _ => value.path.push(name),
        }
        value
    }

    fn root_meaning(&self, id: BindingId) -> Option<RootBinding> {
        if let Some(root) = self.roots.get(&id) {
            return Some(root.clone());
        }
        let binding = self.names.binding(id);
        // `{ config, ... }:` of any lambda that is not the top-level module binds another
        // module's configuration.
        if binding.kind == BindingKind::Formal
            && binding.name == "config"
            && !self.module_lambdas.contains(&binding.scope.text_range())
        {
            return Some(RootBinding::ShadowedConfig);
        }
        None
    }

    /// Folds a string expression: literals, `let`-bound strings, concatenations, and names built
    /// from the file's own name.
    fn fold_string(&self, node: &SyntaxNode, fuel: u32) -> Option<(SmolStr, NameOrigin)> {
        let fuel = fuel.checked_sub(1)?;
        let node = unparen(node.clone());
        match node.kind() {
            NODE_STRING => {
                if let Some(text) = syntax::plain_string(&node) {
                    return Some((SmolStr::new(text), NameOrigin::Constant { literal: node.text_range() }));
                }
                // `"${user}"` or `"prefix-${x}"`: fold each part.
                let mut text = String::new();
                let mut origin = None;
                let mut parts = 0;
                for part in node.children_with_tokens() {
                    match part {
                        rowan::NodeOrToken::Token(t) if t.kind() == TOKEN_STRING_CONTENT => {
                            text.push_str(t.text());
                            parts += 1;
                        }
                        rowan::NodeOrToken::Node(n) if n.kind() == NODE_INTERPOL => {
                            let (folded, o) = self.fold_string(&nth_expr(&n, 0)?, fuel)?;
                            text.push_str(&folded);
                            origin = Some(o);
                            parts += 1;
                        }
                        rowan::NodeOrToken::Token(t) if matches!(t.kind(), TOKEN_STRING_START | TOKEN_STRING_END) => {}
                        _ => return None,
                    }
                }
                let origin = if parts == 1 { origin? } else { NameOrigin::Implicit };
                Some((SmolStr::new(text), origin))
            }
            NODE_IDENT => {
                let binding = self.local_binding(&node)?;
                let BindingValue::Expr(ptr) = &binding.value else { return None };
                let target = ptr.try_to_node(&self.root)?;
                self.fold_string(&target, fuel)
            }
            NODE_BIN_OP if syntax::bin_op(&node) == Some(TOKEN_ADD) => {
                let mut text = String::new();
                for side in syntax::expr_children(&node) {
                    text.push_str(&self.fold_string(&side, fuel)?.0);
                }
                Some((SmolStr::new(text), NameOrigin::Implicit))
            }
            NODE_APPLY => {
                let (function, args) = flatten_apply(&node);
                match (function_name(&function).as_deref(), args.as_slice()) {
                    (Some("baseNameOf"), [arg]) => {
                        let arg = unparen(arg.clone());
                        let base = if is_cur_pos_file(&arg) {
                            self.file_name?
                        } else if arg.kind() == NODE_PATH_REL && arg.text() == "./." {
                            self.dir_name?
                        } else {
                            let (path, _) = self.fold_string(&arg, fuel)?;
                            return Some((SmolStr::new(path.rsplit('/').next()?), NameOrigin::FileName));
                        };
                        Some((SmolStr::new(base), NameOrigin::FileName))
                    }
                    (Some("removeSuffix"), [suffix, arg]) => {
                        let (suffix, _) = self.fold_string(suffix, fuel)?;
                        let (text, origin) = self.fold_string(arg, fuel)?;
                        let stripped = text.strip_suffix(suffix.as_str()).unwrap_or(&text);
                        Some((SmolStr::new(stripped), derived(origin)))
                    }
                    (Some("removePrefix"), [prefix, arg]) => {
                        let (prefix, _) = self.fold_string(prefix, fuel)?;
                        let (text, origin) = self.fold_string(arg, fuel)?;
                        let stripped = text.strip_prefix(prefix.as_str()).unwrap_or(&text);
                        Some((SmolStr::new(stripped), derived(origin)))
                    }
                    (Some("toString"), [arg]) => self.fold_string(arg, fuel),
                    _ => None,
                }
            }
            _ => None,
        }
    }

    fn fold_string_list(&self, list: &SyntaxNode) -> Option<Vec<Name>> {
        let mut list = unparen(list.clone());
        if list.kind() == NODE_IDENT {
            let binding = self.local_binding(&list)?;
            let BindingValue::Expr(ptr) = &binding.value else { return None };
            list = unparen(ptr.try_to_node(&self.root)?);
        }
        if list.kind() != NODE_LIST {
            return None;
        }
        syntax::expr_children(&list)
            .map(|item| {
                let (text, origin) = self.fold_string(&item, FUEL)?;
                let origin = match origin {
                    NameOrigin::Constant { literal } if literal == item.text_range() => NameOrigin::Listed { literal },
                    other => other,
                };
                Some(Name { text, range: item.text_range(), origin })
            })
            .collect()
    }

    fn fold_attrset(&self, attrs: &SyntaxNode) -> Option<SyntaxNode> {
        let mut set = unparen(attrs.clone());
        if set.kind() == NODE_IDENT {
            let binding = self.local_binding(&set)?;
            let BindingValue::Expr(ptr) = &binding.value else { return None };
            set = unparen(ptr.try_to_node(&self.root)?);
        }
        (set.kind() == NODE_ATTR_SET).then_some(set)
    }
}

fn derived(origin: NameOrigin) -> NameOrigin {
    match origin {
        NameOrigin::FileName => NameOrigin::FileName,
        _ => NameOrigin::Implicit,
    }
}

fn root_value(root: RootBinding, name: Name) -> PathValue {
    let implicit =
        |text: &'static str| Name { text: SmolStr::new_static(text), range: name.range, origin: NameOrigin::Implicit };
    let (root, path) = match root {
        RootBinding::Config => (RefRoot::Config, Vec::new()),
        RootBinding::SelfOutputs => (RefRoot::Config, vec![implicit("flake")]),
        // An input whose name is not read yet: `extend` fills it in.
        RootBinding::Inputs => (RefRoot::Input(SmolStr::default()), Vec::new()),
        RootBinding::ModuleArgs => (RefRoot::Argument, Vec::new()),
        RootBinding::ConfigPath(segments) => (RefRoot::Config, segments.iter().map(|s| implicit(s)).collect()),
        RootBinding::Argument => (RefRoot::Argument, vec![name.clone()]),
        RootBinding::ShadowedConfig => (RefRoot::ShadowedConfig, Vec::new()),
    };
    PathValue { root, path, dynamic_tail: false, certain: true, form: RefForm::Select }
}

/// What a top-level module argument means as a root. `None` for the arguments flake-parts and
/// the module system give every module, which never hold aspects.
fn module_argument(name: &str) -> Option<RootBinding> {
    Some(match name {
        "config" => RootBinding::Config,
        "self" => RootBinding::SelfOutputs,
        "inputs" => RootBinding::Inputs,
        "den" => RootBinding::ConfigPath(&["den"]),
        "lib" | "options" | "pkgs" | "system" | "self'" | "inputs'" | "flake-parts-lib" | "moduleLocation"
        | "withSystem" | "moduleWithSystem" | "getSystem" | "modulesPath" | "osConfig" | "nixosConfig"
        | "darwinConfig" | "specialArgs" | "__findFile" | "_class" => return None,
        _ => RootBinding::Argument,
    })
}

fn name_of(name: syntax::StaticName) -> Name {
    let origin = match name.form {
        NameForm::Ident => NameOrigin::Ident,
        NameForm::Quoted => NameOrigin::Quoted,
    };
    Name { text: name.text, range: name.range, origin }
}

fn first_attr_name(entry: &SyntaxNode) -> Option<syntax::StaticName> {
    first_child(entry, NODE_ATTRPATH).and_then(|p| p.children().next()).and_then(|a| static_attr(&a))
}

/// `f a b c` as `(f, [a, b, c])`.
fn flatten_apply(node: &SyntaxNode) -> (SyntaxNode, Vec<SyntaxNode>) {
    let mut args = Vec::new();
    let mut current = unparen(node.clone());
    while current.kind() == NODE_APPLY {
        let mut parts = syntax::expr_children(&current);
        let (Some(function), Some(arg)) = (parts.next(), parts.next()) else { break };
        drop(parts);
        args.push(arg);
        current = unparen(function);
    }
    args.reverse();
    (current, args)
}

/// The name a function is called by: `mkIf` for `lib.mkIf`, `lib.modules.mkIf` or `mkIf`.
fn function_name(function: &SyntaxNode) -> Option<SmolStr> {
    let function = unparen(function.clone());
    match function.kind() {
        NODE_IDENT => syntax::ident_text(&function),
        NODE_SELECT => {
            let path = first_child(&function, NODE_ATTRPATH)?;
            static_attr(&path.children().last()?).map(|n| n.text)
        }
        _ => None,
    }
}

fn is_cur_pos_file(node: &SyntaxNode) -> bool {
    node.kind() == NODE_SELECT
        && nth_expr(node, 0).is_some_and(|b| b.kind() == NODE_CUR_POS)
        && first_child(node, NODE_ATTRPATH)
            .and_then(|p| p.children().next())
            .and_then(|a| static_attr(&a))
            .is_some_and(|n| n.text == "file")
}

/// How many `attrsOf`/`lazyAttrsOf` wrap a `deferredModule` in an option's type.
fn attrs_of_wrappers(deferred: &SyntaxNode) -> usize {
    let mut count = 0;
    let mut node = deferred.clone();
    while let Some(parent) = node.parent() {
        if parent.kind() == NODE_APPLY
            && let Some(function) = nth_expr(&parent, 0)
            && function != node
            && matches!(function_name(&function).as_deref(), Some("attrsOf" | "lazyAttrsOf"))
        {
            count += 1;
        }
        if matches!(parent.kind(), NODE_ATTRPATH_VALUE | NODE_ATTR_SET) {
            break;
        }
        node = parent;
    }
    count
}

/// A class a collection's path names: `nixos` in `nixos.modules`, `homeManager` in `homeModules`.
fn class_named_by(segment: &str) -> Option<SmolStr> {
    if crate::dendritic::collections::is_known_class(segment) {
        return Some(SmolStr::new(segment));
    }
    crate::dendritic::collections::class_of_output(segment, "Modules")
}

#[cfg(test)]
mod tests;
