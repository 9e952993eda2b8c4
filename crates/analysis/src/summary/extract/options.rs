//! Option declarations: options whose type holds lower-level modules are custom collections.

use rnix::SyntaxKind::*;
use smol_str::SmolStr;

use super::read::{first_attr_name, flatten_apply, function_name};
use super::{Extractor, OwnOptions};
use crate::dendritic::classes;
use crate::dendritic::flake_parts::ANY_OUTPUT;
use crate::summary::*;
use crate::syntax::names::{BindingKind, BindingValue};
use crate::syntax::{self, SyntaxNode, first_child, nth_expr, static_attr, unparen};

impl<'a> Extractor<'a> {
    pub(super) fn options(&mut self, attrs: &[SyntaxNode], value: &SyntaxNode, mut prefix: Vec<SmolStr>) {
        for attr in attrs {
            match static_attr(attr) {
                Some(name) => prefix.push(name.text),
                None => return,
            }
        }
        // Made a set in `finish`: asking the list here costs declarations².
        if let Some(first) = prefix.first() {
            self.out.declared.push(first.clone());
        }
        let value = unparen(value.clone());
        // A declared flake output merges its definitions (flake-parts `modules/flake.nix`).
        let output = match prefix.as_slice() {
            [flake, output, ..] if flake == "flake" => Some(output.clone()),
            [flake] if flake == "flake" && value.kind() != NODE_ATTR_SET => Some(SmolStr::new_static(ANY_OUTPUT)),
            _ => None,
        };
        if let Some(output) = output {
            self.out.declared_outputs.push(output);
        }
        match value.kind() {
            NODE_ATTR_SET => {
                for entry in value.children().filter(|e| e.kind() == NODE_ATTRPATH_VALUE) {
                    let Some(attrs) = syntax::attrpath_of(&entry) else { continue };
                    if let Some(v) = nth_expr(&entry, 0) {
                        self.options(&attrs, &v, prefix.clone());
                    }
                }
            }
            _ if !prefix.is_empty() => {
                if let Some(default) = mk_option_field(&value, "default") {
                    self.option_helper(prefix.clone(), &default);
                }
                let via = self.module_option_call(&value);
                if via.is_some() || makes_module_option(&value) {
                    self.one_aspect_option(&value, prefix, via, attrs);
                } else if let Some(decl) = self.option_decl(&value, prefix) {
                    self.collection_default(&value, &decl.path);
                    self.out.options.push(decl);
                }
            }
            _ => {}
        }
    }

    /// `options.<parent>.<aspect> = mkOption { type = deferredModule; }`, or a call of a module
    /// argument that may make one (`mkModuleOption { ... }`): one aspect. Its config nodes are
    /// where the aspect is defined, as a definition of `<parent>.<aspect>` would be.
    fn one_aspect_option(
        &mut self,
        value: &SyntaxNode,
        path: Vec<SmolStr>,
        via: Option<SmolStr>,
        attrs: &[SyntaxNode],
    ) {
        let range = attrs.last().map_or(value.text_range(), |a| a.text_range());
        self.path_nodes(&path, range, NameOrigin::Ident, value.text_range());
        let class = class_in_path(&path[..path.len() - 1]);
        let plain = via.is_none() && plain_module_option(value);
        self.out.options.push(OptionDecl {
            path,
            range: value.text_range(),
            shape: DeclaredShape::One,
            class,
            via,
            plain,
        });
    }

    /// `default = { hm = ...; }` of a collection option: what it holds is defined while nothing
    /// else defines the option (dendritic.md §8.2), so it is read as a definition at `path`.
    fn collection_default(&mut self, value: &SyntaxNode, path: &[SmolStr]) {
        let default = mk_option_field(value, "default");
        let Some(default) = default.filter(|d| unparen(d.clone()).kind() == NODE_ATTR_SET) else { return };
        let range = default.text_range();
        let parent = self.path_nodes(path, range, NameOrigin::Implicit, range);
        self.config_value(&default, parent);
    }

    /// Config nodes for `path` from the root, each name at `range`; the last one.
    fn path_nodes(
        &mut self,
        path: &[SmolStr],
        range: TextRange,
        origin: NameOrigin,
        binding: TextRange,
    ) -> Option<NodeId> {
        let mut parent = None;
        for name in path {
            let name = Name { text: name.clone(), range, origin };
            parent = Some(self.add_node(parent, name, binding));
        }
        parent
    }

    /// The module argument called to make an option (`mkModuleOption { key = "base"; }`), when
    /// the value is such a call: whether it makes a `deferredModule` option, another file says.
    fn module_option_call(&self, value: &SyntaxNode) -> Option<SmolStr> {
        let (function, args) = flatten_apply(value);
        if args.is_empty() || function.kind() != NODE_IDENT {
            return None;
        }
        let binding = self.local_binding_id(&function)?;
        let binding = self.names.binding(binding);
        (binding.kind == BindingKind::Formal && self.module_lambdas.contains(&binding.scope.text_range()))
            .then(|| binding.name.clone())
    }

    /// `_module.args.<name> = <a function that makes a deferredModule option>;` (or inside
    /// `_module.args = { ... }`): `name` declares one aspect per call.
    pub(super) fn note_option_helper(&mut self, name: &SmolStr, value: &SyntaxNode) {
        if makes_module_option(value) {
            self.out.option_helpers.push(name.clone());
        }
    }

    pub(super) fn option_decl(&self, value: &SyntaxNode, path: Vec<SmolStr>) -> Option<OptionDecl> {
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
        let class = class.or_else(|| class_in_path(&path));
        let plain = plain_module_option(value);
        Some(OptionDecl { path, range: value.text_range(), shape, class, via: None, plain })
    }
}

/// The class a collection's path names (`nixos` in `nixos.modules`). The `flake` that starts a
/// path is flake-parts' outputs, not the class: `flake.homeBits` holds modules of no known class.
fn class_in_path(path: &[SmolStr]) -> Option<SmolStr> {
    let skip = usize::from(path.first().is_some_and(|first| first == "flake"));
    path.iter().skip(skip).find_map(|segment| classes::class_named_by(segment))
}

/// The value of `field` in `mkOption { field = ...; }`, when `value` is that call.
fn mk_option_field(value: &SyntaxNode, field: &str) -> Option<SyntaxNode> {
    let (function, args) = flatten_apply(value);
    if function_name(&function).as_deref() != Some("mkOption") {
        return None;
    }
    let set = args.first().map(|a| unparen(a.clone())).filter(|a| a.kind() == NODE_ATTR_SET)?;
    set.children()
        .filter(|e| e.kind() == NODE_ATTRPATH_VALUE)
        .find(|e| first_attr_name(e).is_some_and(|n| n.text == field))
        .and_then(|e| nth_expr(&e, 0))
}

/// Whether `value` is, or is a function (through `let`s) returning, `mkOption { type = T; ... }`
/// with `T` a `deferredModule` or `deferredModuleWith { ... }` itself, not inside `attrsOf`.
fn makes_module_option(value: &SyntaxNode) -> bool {
    let mut value = unparen(value.clone());
    while matches!(value.kind(), NODE_LAMBDA | NODE_LET_IN) {
        match syntax::expr_children(&value).last() {
            Some(body) => value = unparen(body),
            None => return false,
        }
    }
    let Some(ty) = mk_option_field(&value, "type") else {
        return false;
    };
    let (ty, _) = flatten_apply(&unparen(ty));
    matches!(function_name(&ty).as_deref(), Some("deferredModule" | "deferredModuleWith"))
}

/// `mkOption { type = T; ... }` without `apply`, where `T` is `deferredModule` or
/// `deferredModuleWith { ... }` inside `attrsOf`s and `lazyAttrsOf`s only.
fn plain_module_option(value: &SyntaxNode) -> bool {
    if mk_option_field(value, "apply").is_some() {
        return false;
    }
    let Some(mut ty) = mk_option_field(value, "type") else { return false };
    loop {
        let (function, args) = flatten_apply(&unparen(ty.clone()));
        match (function_name(&function).as_deref(), args.as_slice()) {
            (Some("attrsOf" | "lazyAttrsOf"), [element]) => ty = element.clone(),
            (Some("deferredModule"), []) | (Some("deferredModuleWith"), [_]) => return true,
            _ => return false,
        }
    }
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

/// How deep `own_options` follows merges and `let`s at a module's root: real modules nest a few.
const OWN_OPTIONS_DEPTH: u32 = 16;

impl<'a> Extractor<'a> {
    /// The options the module that is the body of `lambda` declares at its root: `options.x...`,
    /// `options = { x...; }`, through `let`, `with`, `//`, `mkMerge`, `mkIf` and friends there.
    /// A module it imports is another module, whose options are not this one's to count.
    pub(super) fn own_options(&self, lambda: &SyntaxNode) -> OwnOptions {
        let mut out = OwnOptions::default();
        if let Some(body) = syntax::expr_children(lambda).last() {
            self.own_options_of(&body, OWN_OPTIONS_DEPTH, &mut out);
        }
        out
    }

    fn own_options_of(&self, module: &SyntaxNode, depth: u32, out: &mut OwnOptions) {
        let Some(depth) = depth.checked_sub(1) else { return };
        let module = unparen(module.clone());
        match module.kind() {
            NODE_LET_IN | NODE_WITH | NODE_ASSERT => {
                if let Some(body) = syntax::expr_children(&module).last() {
                    self.own_options_of(&body, depth, out);
                }
            }
            NODE_BIN_OP if syntax::bin_op(&module) == Some(TOKEN_UPDATE) => {
                for side in syntax::expr_children(&module) {
                    self.own_options_of(&side, depth, out);
                }
            }
            NODE_APPLY => {
                let (function, args) = flatten_apply(&module);
                let name = function_name(&function).unwrap_or_default();
                match (name.as_str(), args.as_slice()) {
                    ("mkMerge", [list]) if unparen(list.clone()).kind() == NODE_LIST => {
                        for part in syntax::expr_children(&unparen(list.clone())) {
                            self.own_options_of(&part, depth, out);
                        }
                    }
                    (name, [_, .., last])
                        if name == "optionalAttrs" || crate::dendritic::contexts::is_transparent_modifier(name) =>
                    {
                        self.own_options_of(last, depth, out)
                    }
                    _ => {}
                }
            }
            NODE_ATTR_SET => {
                for entry in module.children().filter(|e| e.kind() == NODE_ATTRPATH_VALUE) {
                    let Some(path) = first_child(&entry, NODE_ATTRPATH) else { continue };
                    let mut attrs = path.children();
                    if attrs.next().and_then(|a| static_attr(&a)).is_none_or(|n| n.text != "options") {
                        continue;
                    }
                    match attrs.next() {
                        Some(attr) => self.own_option_name(&attr, out),
                        None => {
                            if let Some(value) = nth_expr(&entry, 0) {
                                self.own_options_set(&value, depth, out);
                            }
                        }
                    }
                }
            }
            _ => {}
        }
    }

    /// The value of `options = ...;`: its names are the options' first names.
    fn own_options_set(&self, value: &SyntaxNode, depth: u32, out: &mut OwnOptions) {
        let Some(depth) = depth.checked_sub(1) else { return };
        let value = unparen(value.clone());
        match value.kind() {
            NODE_ATTR_SET => {
                for entry in value.children() {
                    match entry.kind() {
                        NODE_ATTRPATH_VALUE => {
                            match first_child(&entry, NODE_ATTRPATH).and_then(|p| p.children().next()) {
                                Some(attr) => self.own_option_name(&attr, out),
                                None => out.any = true,
                            }
                        }
                        NODE_INHERIT => {
                            let names = entry.children().filter(|c| c.kind() != NODE_INHERIT_FROM);
                            for attr in names {
                                self.own_option_name(&attr, out);
                            }
                        }
                        _ => {}
                    }
                }
            }
            NODE_BIN_OP if syntax::bin_op(&value) == Some(TOKEN_UPDATE) => {
                for side in syntax::expr_children(&value) {
                    self.own_options_set(&side, depth, out);
                }
            }
            // A set canopy cannot read (`options = import ./options.nix;`) may declare any name.
            _ => out.any = true,
        }
    }

    fn own_option_name(&self, attr: &SyntaxNode, out: &mut OwnOptions) {
        match self.attr_name(attr) {
            Some(name) => out.names.push(name.text),
            None => out.any = true,
        }
    }
}
