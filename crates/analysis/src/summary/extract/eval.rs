//! Evaluating paths and constants: the rooted path an expression denotes, and the string a name
//! folds to (literals, `let`-bound strings, names built from the file's name).

use rnix::SyntaxKind::*;
use smol_str::SmolStr;

use super::read::{flatten_apply, function_name, is_cur_pos_file, name_of};
use super::{Extractor, FUEL, PathValue, RootBinding};
use crate::dendritic::flake_parts::{self, Argument};
use crate::summary::*;
use crate::syntax::names::{BindingId, BindingKind, BindingValue, Resolution};
use crate::syntax::{self, SyntaxNode, first_child, nth_expr, static_attr, unparen};

impl<'a> Extractor<'a> {
    pub(super) fn eval_path(&self, node: &SyntaxNode, fuel: u32) -> Option<PathValue> {
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

    pub(super) fn eval_resolution(&self, resolution: Resolution, name: Name, fuel: u32) -> Option<PathValue> {
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
    pub(super) fn extend(&self, mut value: PathValue, name: Name) -> PathValue {
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

    pub(super) fn root_meaning(&self, id: BindingId) -> Option<RootBinding> {
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
    pub(super) fn fold_string(&self, node: &SyntaxNode, fuel: u32) -> Option<(SmolStr, NameOrigin)> {
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

    pub(super) fn fold_string_list(&self, list: &SyntaxNode) -> Option<Vec<Name>> {
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

    pub(super) fn fold_attrset(&self, attrs: &SyntaxNode) -> Option<SyntaxNode> {
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
pub(super) fn module_argument(name: &str) -> Option<RootBinding> {
    Some(match flake_parts::module_argument(name) {
        Some(Argument::Config) => RootBinding::Config,
        Some(Argument::SelfOutputs) => RootBinding::SelfOutputs,
        Some(Argument::Inputs) => RootBinding::Inputs,
        Some(Argument::ConfigPath(path)) => RootBinding::ConfigPath(path),
        Some(Argument::Nothing) => return None,
        None => RootBinding::Argument,
    })
}
