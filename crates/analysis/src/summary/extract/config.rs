//! The config walk: the top-level module's configuration, one `ConfigNode` per name, through
//! attrsets, dotted paths, `let`, lambdas, `mkIf`/`mkMerge`/`//`, folded `genAttrs`/`mapAttrs` and
//! `let`-bound structure.

use rnix::SyntaxKind::*;
use smol_str::SmolStr;

use super::read::{flatten_apply, function_name, name_of};
use super::{Ctx, Extractor, FUEL, MAX_CONFIG_DEPTH, RootBinding, helpers};
use crate::base::text::TextRange;
use crate::dendritic::collections;
use crate::dendritic::contexts::{self};
use crate::summary::*;
use crate::syntax::names::{Binding, BindingId, BindingKind, BindingValue, Resolution};
use crate::syntax::{self, SyntaxNode, first_child, nth_expr, static_attr, unparen};

impl<'a> Extractor<'a> {
    pub(super) fn node_depth(&self, node: Option<NodeId>) -> usize {
        node.map_or(0, |n| usize::from(self.depths[n.0 as usize]))
    }

    pub(super) fn add_node(&mut self, parent: Option<NodeId>, name: Name, binding: TextRange) -> NodeId {
        let id = NodeId(self.out.nodes.len() as u32);
        let depth = self.node_depth(parent) as u16 + 1;
        self.out.nodes.push(ConfigNode { parent, name, binding });
        self.depths.push(depth);
        self.opaque_marked.push(false);
        self.conditional_marks.push(self.conditions > 0);
        // The rules look at the last few names only; no need to build the whole path (nor to
        // allocate one: every config node passes here).
        let mut last = [""; 4];
        let mut len = 0;
        for (slot, n) in last.iter_mut().rev().zip(self.out.ancestors(id)) {
            *slot = self.out.node(n).name.text.as_str();
            len += 1;
        }
        let tail = &last[4 - len..];
        let class = contexts::nested_class(tail).map(SmolStr::new_static);
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

    pub(super) fn mark_opaque(&mut self, node: Option<NodeId>, range: TextRange, reason: OpaqueReason) {
        // The first reason found for a node stands; `finish` sorts the table by node.
        if let Some(node) = node
            && !std::mem::replace(&mut self.opaque_marked[node.0 as usize], true)
        {
            self.out.opaque.push((node, Opaque { range, reason }));
        }
    }

    /// The context for expressions in the value of `node`.
    pub(super) fn node_ctx(&self, node: Option<NodeId>) -> Ctx {
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
    pub(super) fn config_path(
        &mut self,
        attrs: &[SyntaxNode],
        value: &SyntaxNode,
        parent: Option<NodeId>,
        binding: TextRange,
    ) {
        if !self.spend(value) {
            return;
        }
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
        if let Some(node) = current
            && self.node_depth(current) == 3
            && let [first, second, third] = &self.out.node_path(node)[..]
            && (first.text.as_str(), second.text.as_str()) == ("_module", "args")
        {
            let name = third.text.clone();
            self.note_option_helper(&name, value);
            self.module_arg_helper(&name, value);
        }
        self.config_value(value, current);
    }

    /// A static name for an attrpath element, folding `${constant}`.
    pub(super) fn attr_name(&self, attr: &SyntaxNode) -> Option<Name> {
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

    pub(super) fn config_value(&mut self, value: &SyntaxNode, node: Option<NodeId>) {
        if self.depth >= syntax::MAX_DEPTH || !self.spend(value) {
            return;
        }
        self.depth += 1;
        self.config_value_inner(value, node);
        self.depth -= 1;
    }

    pub(super) fn config_value_inner(&mut self, value: &SyntaxNode, node: Option<NodeId>) {
        let value = unparen(value.clone());
        let ctx = self.node_ctx(node);
        match value.kind() {
            NODE_ATTR_SET if self.node_depth(node) < MAX_CONFIG_DEPTH => {
                for entry in value.children() {
                    match entry.kind() {
                        NODE_ATTRPATH_VALUE => {
                            let Some(attrs) = syntax::attrpath_of(&entry) else { continue };
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
                if let Some(id) = node
                    && self.node_depth(node) <= helpers::MAX_OPTION_HELPER_DEPTH
                {
                    let path = self.out.node_path(id).into_iter().map(|n| n.text.clone()).collect();
                    self.option_helper(path, &value);
                }
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
                self.conditions += 1;
                for branch in parts {
                    self.config_value(&branch, node);
                }
                self.conditions -= 1;
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

    /// Runs `fold` for binding `id`, named at `at`, unless it is being folded already or the budget
    /// is spent; `false` when it does not run.
    pub(super) fn fold_binding(
        &mut self,
        id: BindingId,
        at: &SyntaxNode,
        fold: impl FnOnce(&mut Self) -> bool,
    ) -> bool {
        if self.folding.contains(&id) || !self.spend(at) {
            return false;
        }
        self.folding.push(id);
        let folded = fold(self);
        self.folding.pop();
        folded
    }

    /// A config value that names a `let` binding: read the binding's value as configuration.
    pub(super) fn fold_config_alias(&mut self, value: &SyntaxNode, node: Option<NodeId>) -> bool {
        let Some(id) = self.local_binding_id(value) else { return false };
        self.fold_binding(id, value, |this| this.fold_config_binding(id, node))
    }

    pub(super) fn fold_config_binding(&mut self, id: BindingId, node: Option<NodeId>) -> bool {
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
                    let Some(attrs) = syntax::attrpath_of(&entry) else { continue };
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
    pub(super) fn local_binding(&self, ident: &SyntaxNode) -> Option<&'a Binding> {
        self.local_binding_id(ident).map(|id| self.names.binding(id))
    }

    pub(super) fn local_binding_id(&self, ident: &SyntaxNode) -> Option<BindingId> {
        if ident.kind() != NODE_IDENT {
            return None;
        }
        match self.names.resolution_at(ident.text_range().start())? {
            Resolution::Local(id) => Some(id),
            _ => None,
        }
    }

    pub(super) fn config_apply(&mut self, value: &SyntaxNode, node: Option<NodeId>, ctx: &Ctx) {
        let (function, args) = flatten_apply(value);
        let name = function_name(&function);
        let name = name.as_deref().unwrap_or("");
        if contexts::is_transparent_modifier(name) && !args.is_empty() {
            for arg in &args[..args.len() - 1] {
                self.expr(arg, &ctx.value());
            }
            let conditional = u32::from(name == "mkIf");
            self.conditions += conditional;
            self.config_value(&args[args.len() - 1], node);
            self.conditions -= conditional;
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
                        if !self.spend(value) {
                            return self.opaque_call(value, node, ctx);
                        }
                        let child = self.add_node(node, name, value.text_range());
                        self.function_body(function, child);
                    }
                }
                None => self.opaque_call(value, node, ctx),
            },
            ("mapAttrs", [function, attrs]) => match self.fold_attrset(attrs) {
                Some(set) => {
                    for entry in set.children().filter(|e| e.kind() == NODE_ATTRPATH_VALUE) {
                        if !self.spend(value) {
                            return self.opaque_call(value, node, ctx);
                        }
                        let Some(attrs) = syntax::attrpath_of(&entry) else { continue };
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
            _ => {
                self.note_call(value, node);
                self.opaque_call(value, node, ctx)
            }
        }
    }

    /// One step of the walks, at `at`: `false` once the file's budget is spent (`budget.rs`).
    pub(super) fn spend(&self, at: &SyntaxNode) -> bool {
        self.budget.spend(at.text_range().start(), self.out.nodes.len())
    }

    pub(super) fn opaque_call(&mut self, value: &SyntaxNode, node: Option<NodeId>, ctx: &Ctx) {
        self.mark_opaque(node, value.text_range(), OpaqueReason::Call);
        self.expr(value, ctx);
    }

    /// The body of `name: value` (or `name: _: value`) passed to `genAttrs` or `mapAttrs`, read as
    /// the value of `node`.
    pub(super) fn function_body(&mut self, function: &SyntaxNode, node: NodeId) {
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
    pub(super) fn config_inherit(&mut self, entry: &SyntaxNode, node: Option<NodeId>) {
        if !self.spend(entry) {
            return;
        }
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
                    let mut path = self.extend(source.clone(), name_of(name));
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
    pub(super) fn fold_inherited(&mut self, attr: &SyntaxNode, child: NodeId) -> bool {
        let Some(Resolution::Local(id)) = self.names.resolution_at(attr.text_range().start()) else {
            return false;
        };
        self.fold_binding(id, attr, |this| this.fold_inherited_binding(id, child))
    }

    pub(super) fn fold_inherited_binding(&mut self, id: BindingId, child: NodeId) -> bool {
        let binding = self.names.binding(id);
        let root = self.root.clone();
        match &binding.value {
            BindingValue::Nested(ptr) => {
                let Some(scope) = ptr.try_to_node(&root) else { return false };
                for entry in scope.children().filter(|e| e.kind() == NODE_ATTRPATH_VALUE) {
                    let Some(attrs) = syntax::attrpath_of(&entry) else { continue };
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

    pub(super) fn register_fixpoint(&mut self, lambda: &SyntaxNode, node: Option<NodeId>) {
        let Some(node) = node else { return };
        let path: Vec<SmolStr> = self.out.node_path(node).into_iter().map(|n| n.text.clone()).collect();
        for (argument, meaning) in collections::fixpoint_arguments(&path) {
            self.add_roots(lambda.text_range(), |binding| {
                (binding.name == argument).then_some(RootBinding::ConfigPath(meaning))
            });
        }
    }
}
