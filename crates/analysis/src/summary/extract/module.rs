//! The file and its top-level module: `{ ... }`, `{ args, ... }: { ... }`, `flake.nix`'s
//! `mkFlake` module, the module's own `imports`.

use rnix::SyntaxKind::*;
use rustc_hash::FxHashMap;

use super::eval::module_argument;
use super::read::{first_attr_name, flatten_apply, function_name, is_flake};
use super::{Ctx, Extractor, RootBinding};
use crate::base::text::TextRange;
use crate::dendritic::{contexts, flake_parts};
use crate::summary::*;
use crate::syntax::names::{BindingId, BindingKind};
use crate::syntax::{self, SyntaxNode, first_child, nth_expr, static_attr, unparen};

impl<'a> Extractor<'a> {
    pub(super) fn file(&mut self, root: &SyntaxNode) {
        let Some(expr) = nth_expr(root, 0) else { return };
        if self.file_name == Some("flake.nix") && is_flake(&expr) {
            self.flake_file(&expr);
        } else if !self.module_root(&expr) {
            self.expr(&expr, &self.top_ctx());
        }
        self.file_helpers(&expr);
    }

    pub(super) fn top_ctx(&self) -> Ctx {
        Ctx { owner: None, module: Anchor::TopLevel, position: false, keys: Vec::new() }
    }

    /// A top-level module: `{ ... }`, `{ args, ... }: { ... }`, `args: { ... }`, through `let` and
    /// parentheses. Returns `false` when `expr` has none of these shapes.
    pub(super) fn module_root(&mut self, expr: &SyntaxNode) -> bool {
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
                let mut args = Vec::new();
                let bindings: FxHashMap<TextRange, BindingId> =
                    self.bindings_of(expr.text_range()).map(|id| (self.names.binding(id).range, id)).collect();
                if let Some(pattern) = first_child(&expr, NODE_PATTERN) {
                    for entry in pattern.children().filter(|c| c.kind() == NODE_PAT_ENTRY) {
                        if let Some(ident) = first_child(&entry, NODE_IDENT)
                            && let Some(name) = syntax::ident_text(&ident)
                        {
                            let range = ident.text_range();
                            let used = bindings.get(&range).is_some_and(|&id| self.is_read(id));
                            args.push(ModuleArg { name, range, used });
                        }
                    }
                }
                self.out.module.get_or_insert_with(ModuleInfo::default).args.extend(args);
                self.add_module_lambda(expr.text_range());
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
            NODE_APPLY => {
                let merged = self.merged_module_root(&expr);
                if !merged {
                    self.note_module_call(&expr);
                }
                merged
            }
            NODE_BIN_OP if syntax::bin_op(&expr) == Some(TOKEN_UPDATE) => {
                for side in syntax::expr_children(&expr) {
                    self.module_part(&side);
                }
                true
            }
            _ => false,
        }
    }

    /// `lib.mkMerge [ ... ]`, `lib.mkIf c { ... }`, `lib.optionalAttrs c { ... }` as a module's
    /// root: every definition inside is the module's, and so is an `imports` (dendritic.md
    /// §8.4). `false` for any other call.
    fn merged_module_root(&mut self, expr: &SyntaxNode) -> bool {
        let (function, args) = flatten_apply(expr);
        let name = function_name(&function).unwrap_or_default();
        let (conditions, parts): (&[SyntaxNode], Vec<SyntaxNode>) = match (name.as_str(), args.as_slice()) {
            ("mkMerge", [list]) if unparen(list.clone()).kind() == NODE_LIST => {
                (&[], syntax::expr_children(&unparen(list.clone())).collect())
            }
            (name, [conditions @ .., last]) if name == "optionalAttrs" || contexts::is_transparent_modifier(name) => {
                (conditions, vec![last.clone()])
            }
            _ => return false,
        };
        let ctx = self.top_ctx();
        self.expr(&function, &ctx.value());
        for condition in conditions {
            self.expr(condition, &ctx.value());
        }
        let conditional = u32::from(!conditions.is_empty() && name != "mkMerge");
        self.conditions += conditional;
        for part in &parts {
            self.module_part(part);
        }
        self.conditions -= conditional;
        true
    }

    /// One part of a merged module root: read as a module body, or as an expression when it is
    /// none (a function there is no module the merge can take).
    fn module_part(&mut self, part: &SyntaxNode) {
        let part = unparen(part.clone());
        if part.kind() == NODE_LAMBDA || !self.module_root(&part) {
            self.expr(&part, &self.top_ctx());
        }
    }

    pub(super) fn register_module_arguments(&mut self, lambda: &SyntaxNode) {
        self.add_roots(lambda.text_range(), |binding| match binding.kind {
            BindingKind::Param | BindingKind::PatternAlias => Some(RootBinding::ModuleArgs),
            _ => module_argument(&binding.name),
        });
    }

    /// `flake.nix`: `outputs = inputs: mkFlake { inherit inputs; } <module>`. The outputs
    /// function's arguments root paths (`inputs.self...`, `self...`), and the module is read as a
    /// top-level module.
    pub(super) fn flake_file(&mut self, expr: &SyntaxNode) {
        for lambda in expr.descendants().filter(|n| n.kind() == NODE_LAMBDA) {
            let is_outputs = lambda
                .parent()
                .filter(|p| p.kind() == NODE_ATTRPATH_VALUE)
                .and_then(|p| first_child(&p, NODE_ATTRPATH))
                .and_then(|path| path.children().next())
                .and_then(|attr| static_attr(&attr))
                .is_some_and(|name| name.text == "outputs");
            if is_outputs {
                self.add_roots(lambda.text_range(), |binding| match (binding.kind, binding.name.as_str()) {
                    (BindingKind::Formal, "self") => Some(RootBinding::SelfOutputs),
                    (BindingKind::Formal, _) => None,
                    _ => Some(RootBinding::Inputs),
                });
            }
        }
        let mut modules = Vec::new();
        for apply in expr.descendants().filter(|n| n.kind() == NODE_APPLY) {
            let (function, args) = flatten_apply(&apply);
            if function_name(&function).as_deref() == Some(flake_parts::MK_FLAKE) {
                self.out.calls_mk_flake = true;
                if args.len() == 2 {
                    modules.push(args[1].clone());
                }
            }
        }
        for module in &modules {
            self.module_root(module);
        }
        // Everything else is read for references only; the module bodies were walked above.
        let ctx = self.top_ctx();
        self.expr_skipping(expr, &ctx, &modules);
    }

    pub(super) fn expr_skipping(&mut self, node: &SyntaxNode, ctx: &Ctx, skip: &[SyntaxNode]) {
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
    pub(super) fn module_body(&mut self, set: &SyntaxNode) {
        let full_form = set
            .children()
            .filter(|e| e.kind() == NODE_ATTRPATH_VALUE)
            .any(|entry| first_attr_name(&entry).is_some_and(|n| n.text == "config" || n.text == "options"));
        let ctx = self.top_ctx();
        for entry in set.children() {
            match entry.kind() {
                NODE_ATTRPATH_VALUE => {
                    let Some(attrs) = syntax::attrpath_of(&entry) else { continue };
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
                        key if flake_parts::MODULE_SYSTEM_KEYS.contains(&key) => self.expr(&value, &ctx.value()),
                        _ => self.config_path(&attrs, &value, None, entry.text_range()),
                    }
                }
                NODE_INHERIT => self.config_inherit(&entry, None),
                _ => self.expr(&entry, &ctx),
            }
        }
    }

    pub(super) fn top_level_imports(&mut self, value: &SyntaxNode) {
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
                NODE_APPLY => {
                    // An inline module of the top-level `imports` is the top-level module's.
                    self.note_call(&inner, None);
                    self.expr(&item, &ctx);
                }
                _ => self.expr(&item, &ctx),
            }
        }
    }
}
