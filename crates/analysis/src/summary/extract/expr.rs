//! The expression walk: wherever a value is not configuration structure, the rooted paths it
//! reads and where a module is being imported.

use rnix::SyntaxKind::*;
use smol_str::SmolStr;

use super::read::{first_attr_name, flatten_apply, function_name, name_of};
use super::{Ctx, Extractor, FUEL, PathValue};
use crate::base::text::{TextRange, TextSize};
use crate::dendritic::classes::ANY_CLASS;
use crate::dendritic::collections;
use crate::dendritic::contexts::{self, BuilderClass};
use crate::summary::*;
use crate::syntax::names::Resolution;
use crate::syntax::{self, SyntaxNode, first_child, nth_expr, static_attr, unparen};

impl<'a> Extractor<'a> {
    pub(super) fn expr(&mut self, node: &SyntaxNode, ctx: &Ctx) {
        if self.depth >= syntax::MAX_DEPTH || !self.spend(node) {
            return;
        }
        self.depth += 1;
        self.expr_inner(node, ctx);
        self.depth -= 1;
    }

    pub(super) fn expr_inner(&mut self, node: &SyntaxNode, ctx: &Ctx) {
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
            NODE_PATH_SEARCH => self.bracket(node, ctx),
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

    pub(super) fn children(&mut self, node: &SyntaxNode, ctx: &Ctx) {
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
    pub(super) fn expr_inner_parts(&mut self, node: &SyntaxNode, ctx: &Ctx) {
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

    pub(super) fn attrset(&mut self, set: &SyntaxNode, ctx: &Ctx) {
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
    pub(super) fn inherit(&mut self, entry: &SyntaxNode, ctx: &Ctx, alias: bool) {
        let from = first_child(entry, NODE_INHERIT_FROM).and_then(|f| nth_expr(&f, 0));
        match &from {
            Some(from) => {
                let source = self.eval_path(from, FUEL);
                if source.is_none() {
                    // The set inherited from is not itself where the inherited values go.
                    self.expr(from, &ctx.value());
                } else {
                    self.expr_inner_parts(from, ctx);
                }
                for attr in entry.children().filter(|c| c.kind() != NODE_INHERIT_FROM) {
                    match (static_attr(&attr), &source) {
                        (Some(name), Some(source)) => {
                            let mut path = self.extend(source.clone(), name_of(name));
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
    ///
    /// A bound value is in no module yet: it may be used nowhere, or as a module of any class
    /// (`home-manager.sharedModules = [ hm ]`, a den `includes`, a helper's argument), so the
    /// modules it imports have no known class there (dendritic.md §8.4). Where a use is read as
    /// configuration (`imports = m;`), the value is walked again with that use's context.
    pub(super) fn let_bindings(&mut self, node: &SyntaxNode, ctx: &Ctx) {
        let ctx = &Ctx { module: Anchor::Unknown, ..ctx.clone() };
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

    pub(super) fn lambda_defaults(&mut self, lambda: &SyntaxNode, ctx: &Ctx) {
        if let Some(pattern) = first_child(lambda, NODE_PATTERN) {
            for entry in pattern.children().filter(|c| c.kind() == NODE_PAT_ENTRY) {
                for default in syntax::expr_children(&entry).skip(1) {
                    self.expr(&default, ctx);
                }
            }
        }
    }

    pub(super) fn apply(&mut self, node: &SyntaxNode, ctx: &Ctx) {
        let (function, args) = flatten_apply(node);
        let name = function_name(&function);
        let name = name.as_deref().unwrap_or("");
        if collections::declares_namespace(name)
            && let Some(first) = args.first()
            && let Some(text) = syntax::plain_string(&unparen(first.clone()))
        {
            self.out.namespaces.push(NamespaceDecl { name: SmolStr::new(text), range: first.text_range() });
        }
        if name == "forward"
            && let Some(classes) = self.forward_battery(&function, &args)
        {
            self.out.forwarded_classes.extend(classes);
        }
        if let Some(builder) = contexts::builder(name) {
            self.expr(&function, &ctx.value());
            for arg in &args {
                self.builder_argument(arg, builder, ctx);
            }
            return;
        }
        self.expr(&function, &ctx.value());
        // The functions that build lists and definitions pass the module position through
        // (`lib.optionals c [ ... ]`, `lib.attrValues config.flake.modules.nixos`); any other
        // function may evaluate a module it is given anywhere (`types.submodule { ... }`, a
        // workspace helper): its class is unknown there (dendritic.md §8.4).
        let inner = if contexts::passes_modules_through(name) {
            ctx.clone()
        } else {
            Ctx { module: Anchor::Unknown, keys: Vec::new(), ..ctx.clone() }
        };
        for arg in &args {
            let set = unparen(arg.clone());
            if ctx.position && contexts::lists_attr_values(name) && set.kind() == NODE_ATTR_SET {
                self.listed_values(&set, &inner);
            } else {
                self.expr(arg, &inner);
            }
        }
    }

    /// A set literal whose values become the elements of a list of modules: each value stands
    /// where the list's elements do; the names are only names.
    fn listed_values(&mut self, set: &SyntaxNode, ctx: &Ctx) {
        if !self.spend(set) {
            return;
        }
        for entry in set.children() {
            match entry.kind() {
                NODE_ATTRPATH_VALUE => {
                    let Some(attrs) = syntax::attrpath_of(&entry) else { continue };
                    for attr in attrs.iter().filter(|a| static_attr(a).is_none()) {
                        self.expr(attr, &ctx.value());
                    }
                    let Some(value) = nth_expr(&entry, 0) else { continue };
                    // `{ a.b = m; }` lists the set `{ b = m; }`, which is no module of the list.
                    let value_ctx = if attrs.len() == 1 { ctx.clone() } else { ctx.value() };
                    self.expr(&value, &value_ctx);
                }
                NODE_INHERIT => self.inherit(&entry, ctx, false),
                _ => self.expr(&entry, &ctx.value()),
            }
        }
    }

    /// `<zsh>`, `<den/define-user>`: where `__findFile` is bound lexically (den's, set through
    /// `_module.args.__findFile`), a search path names a den aspect. Unbound, it searches
    /// `NIX_PATH`, which is no aspect.
    fn bracket(&mut self, node: &SyntaxNode, ctx: &Ctx) {
        let start = node.text_range().start();
        if !matches!(self.names.search_at(start), Some(Resolution::Local(_))) {
            return;
        }
        let text = node.text().to_string();
        let Some(inner) = text.strip_prefix('<').and_then(|t| t.strip_suffix('>')) else { return };
        let mut path = Vec::new();
        let mut offset = start + TextSize::from(1);
        for segment in inner.split(['/', '.']) {
            if segment.is_empty() {
                return;
            }
            let len = TextSize::of(segment);
            path.push(Name {
                text: SmolStr::new(segment),
                range: TextRange::at(offset, len),
                origin: NameOrigin::Ident,
            });
            offset += len + TextSize::from(1);
        }
        // `<den.lib.parametric>`, `<den.aspects.zsh>`: a path into den's configuration, read as
        // written (`/` would make the next name a battery).
        let root = if inner.starts_with("den.") { RefRoot::Config } else { RefRoot::Bracket };
        let value =
            PathValue { root, path, dynamic_tail: false, certain: true, form: RefForm::Select, lower_config: None };
        self.record(value, node.text_range(), ctx, false);
    }

    /// The classes a call of den's `forward` battery creates (vic/den 815076e
    /// `nix/lib/forward.nix`: `fromClass` applied to each item of `each`): `p: "hm${p}"` over
    /// `[ "Linux" "Darwin" ]` makes `hmLinux` and `hmDarwin`. `None` when the function is not
    /// the battery; `ANY_CLASS` when canopy cannot reduce the call.
    fn forward_battery(&self, function: &SyntaxNode, args: &[SyntaxNode]) -> Option<Vec<SmolStr>> {
        let path = self.eval_path(function, FUEL)?;
        let texts: Vec<&str> = path.path.iter().map(|n| n.text.as_str()).collect();
        let battery = matches!(path.root, RefRoot::Config)
            && matches!(texts.as_slice(), ["den", "provides" | "_" | "batteries", "forward"]);
        if !battery {
            return None;
        }
        let unknown = || Some(vec![SmolStr::new_static(ANY_CLASS)]);
        let Some(set) = args.first().map(|a| unparen(a.clone())).filter(|s| s.kind() == NODE_ATTR_SET) else {
            return unknown();
        };
        let field = |name: &str| {
            set.children()
                .filter(|e| e.kind() == NODE_ATTRPATH_VALUE)
                .find(|e| first_attr_name(e).is_some_and(|n| n.text == name))
                .and_then(|e| nth_expr(&e, 0))
                .map(unparen)
        };
        let items: Option<Vec<String>> = field("each")
            .filter(|l| l.kind() == NODE_LIST)
            .and_then(|list| syntax::expr_children(&list).map(|item| syntax::plain_string(&unparen(item))).collect());
        let classes = items.zip(field("fromClass")).and_then(|(items, from)| {
            items.iter().map(|item| apply_class_template(&from, item).map(SmolStr::from)).collect::<Option<Vec<_>>>()
        });
        classes.or_else(unknown)
    }

    /// `lib.nixosSystem { modules = [ ... ]; }`: a nested evaluation of the builder's class.
    pub(super) fn builder_argument(&mut self, arg: &SyntaxNode, builder: BuilderClass, ctx: &Ctx) {
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

    /// Whether `value` reads, through a lower-level module's `config`, an option that module
    /// declares itself: its own configuration, which has it (dendritic.md §8.4).
    fn reads_own_option(&self, value: &PathValue) -> bool {
        let (Some(binding), Some(first)) = (value.lower_config, value.path.first()) else { return false };
        if let Some(known) = self.own_options.borrow().get(&binding) {
            return known.declares(&first.text);
        }
        let scope = &self.names.binding(binding).scope;
        let own = scope.try_to_node(&self.root).map(|lambda| self.own_options(&lambda)).unwrap_or_default();
        let declares = own.declares(&first.text);
        self.own_options.borrow_mut().insert(binding, own);
        declares
    }

    pub(super) fn record(&mut self, value: PathValue, range: TextRange, ctx: &Ctx, alias: bool) {
        // `inputs` alone, or an argument attrset before its first name, names nothing yet.
        let unresolved = match &value.root {
            RefRoot::Input(input) => input.is_empty() || value.path.is_empty(),
            RefRoot::Argument | RefRoot::PassedDown(_) => value.path.is_empty(),
            _ => false,
        };
        if unresolved || self.reads_own_option(&value) {
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
}

/// `f item` for the functions a `fromClass` is written as: `p: "hm${p}"`, `_: "wslHost"`,
/// `lib.id`, `p: p`. Anything else is `None`.
fn apply_class_template(function: &SyntaxNode, item: &str) -> Option<String> {
    if function_name(function).is_some_and(|n| n == "id") {
        return Some(item.to_owned());
    }
    if function.kind() != NODE_LAMBDA {
        return None;
    }
    let param = first_child(function, NODE_IDENT_PARAM).and_then(|p| first_child(&p, NODE_IDENT))?;
    let param = syntax::ident_text(&param)?;
    let body = unparen(syntax::expr_children(function).last()?);
    if body.kind() == NODE_IDENT {
        return (syntax::ident_text(&body)? == param).then(|| item.to_owned());
    }
    if let Some(text) = syntax::plain_string(&body) {
        return Some(text);
    }
    if body.kind() != NODE_STRING {
        return None;
    }
    // A string of plain parts and `${param}`.
    let mut out = String::new();
    for part in body.children_with_tokens() {
        match part {
            // Escapes would need unescaping; class names have none.
            rowan::NodeOrToken::Token(t) if t.kind() == TOKEN_STRING_CONTENT && !t.text().contains(['\\', '$']) => {
                out.push_str(t.text())
            }
            rowan::NodeOrToken::Token(t) if matches!(t.kind(), TOKEN_STRING_START | TOKEN_STRING_END) => {}
            rowan::NodeOrToken::Node(n) if n.kind() == NODE_INTERPOL => {
                let inner = unparen(syntax::expr_children(&n).next()?);
                if inner.kind() != NODE_IDENT || syntax::ident_text(&inner)? != param {
                    return None;
                }
                out.push_str(item);
            }
            _ => return None,
        }
    }
    Some(out)
}
