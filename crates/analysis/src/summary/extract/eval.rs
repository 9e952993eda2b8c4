//! Evaluating paths and constants: the rooted path an expression denotes, and the string a name
//! folds to (literals, `let`-bound strings, names built from the file's name).

use rnix::SyntaxKind::*;
use rustc_hash::FxHashMap;
use smol_str::SmolStr;

use super::read::{flatten_apply, function_name, is_cur_pos_file, name_of};
use super::{Extractor, FUEL, Fields, Folded, MAX_FOLDED_LEN, PathValue, RootBinding};
use crate::base::text::TextRange;
use crate::dendritic::flake_parts::{self, Argument};
use crate::summary::*;
use crate::syntax::names::{Binding, BindingId, BindingKind, BindingValue, Resolution, WithId};
use crate::syntax::{self, SyntaxNode, first_child, node_near, nth_expr, static_attr, unparen};

impl<'a> Extractor<'a> {
    pub(super) fn eval_path(&self, node: &SyntaxNode, fuel: u32) -> Option<PathValue> {
        let fuel = fuel.checked_sub(1).filter(|_| self.spend(node))?;
        let node = unparen(node.clone());
        match node.kind() {
            NODE_IDENT => {
                let name = name_of(static_attr(&node)?);
                let resolution = self.names.resolution_at(node.text_range().start())?;
                self.eval_resolution(resolution, name, &node, fuel)
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

    /// What `name`, read at `near` and resolved to `resolution`, denotes. Each step follows one
    /// link from where the walk stands (`node_near`), so a long chain costs its length.
    pub(super) fn eval_resolution(
        &self,
        resolution: Resolution,
        name: Name,
        near: &SyntaxNode,
        fuel: u32,
    ) -> Option<PathValue> {
        match resolution {
            Resolution::Local(id) => {
                if let Some(root) = self.root_meaning(id) {
                    return Some(root_value(root, name));
                }
                let binding = self.names.binding(id);
                match &binding.value {
                    BindingValue::Expr(ptr) => {
                        let target = node_near(near, ptr)?;
                        self.eval_path(&target, fuel)
                    }
                    BindingValue::InheritFrom { from } => {
                        let from = node_near(near, from)?;
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
                        self.eval_resolution(outer, name, near, fuel.checked_sub(1)?)
                    }
                    _ => None,
                }
            }
            Resolution::With(innermost) => {
                let mut value = self.with_namespace(innermost, near, fuel)?;
                if value.dynamic_tail {
                    return None;
                }
                value = self.extend(value, name);
                value.form = RefForm::With;
                // Under nested `with`s, which one holds the name is known only at run time.
                value.certain &= self.names.with_scope(innermost).outer.is_none();
                Some(value)
            }
            Resolution::Global | Resolution::Undefined => None,
        }
    }

    /// The value of the namespace of the `with` `innermost`, when it denotes a path.
    ///
    /// Only the innermost: a name under `with pkgs;` inside `with config.flake.modules.nixos;` is
    /// one of `pkgs` as far as anyone can tell (dendritic.md §8.4), and reading it as an aspect of
    /// the outer collection made phantom aspects of packages. Each `with`'s namespace is evaluated
    /// once per fuel and kept (`Extractor::withs`): a namespace is often a name under the `with`s
    /// outside it (`with lib; with types; ...`), and evaluating it again for every name made each
    /// level of nesting double the work (24 levels took seconds).
    fn with_namespace(&self, innermost: WithId, near: &SyntaxNode, fuel: u32) -> Option<PathValue> {
        let scope = self.names.with_scope(innermost);
        let key = (scope.node.text_range().start(), fuel);
        if let Some(known) = self.withs.borrow().get(&key) {
            return known.clone();
        }
        let with = node_near(near, &scope.node);
        let value = with.as_ref().and_then(|w| nth_expr(w, 0)).and_then(|ns| self.eval_path(&ns, fuel));
        self.withs.borrow_mut().insert(key, value.clone());
        value
    }

    /// Gives the arguments of the lambda at `lambda` the meaning `meaning` finds for each, if any.
    /// The namespaces of the `with`s inside the lambda may read them, so what they were found to
    /// be no longer holds.
    pub(super) fn add_roots(&mut self, lambda: TextRange, meaning: impl Fn(&Binding) -> Option<RootBinding>) {
        self.forget_withs_in(lambda);
        let arguments: Vec<BindingId> = self.bindings_of(lambda).collect();
        for id in arguments {
            if let Some(meaning) = meaning(self.names.binding(id)) {
                self.roots.insert(id, meaning);
            }
        }
    }

    /// Marks a lambda as the top-level module's (its `config` is the flake's), with the same care.
    pub(super) fn add_module_lambda(&mut self, lambda: TextRange) {
        self.forget_withs_in(lambda);
        self.module_lambdas.insert(lambda);
    }

    /// The bindings whose scope is the node at `scope` (a lambda's arguments), in the name table's
    /// order. The table is indexed by scope on first need: a file of many inline modules would
    /// otherwise read every binding once per module.
    pub(super) fn bindings_of(&self, scope: TextRange) -> impl Iterator<Item = BindingId> + use<'_> {
        let scopes = self.scopes.get_or_init(|| {
            let mut scopes: FxHashMap<TextRange, Vec<BindingId>> = FxHashMap::default();
            for (i, binding) in self.names.bindings.iter().enumerate() {
                scopes.entry(binding.scope.text_range()).or_default().push(BindingId(i as u32));
            }
            scopes
        });
        scopes.get(&scope).into_iter().flatten().copied()
    }

    /// Whether any name reads binding `id` (indexed on first need, as above).
    pub(super) fn is_read(&self, id: BindingId) -> bool {
        let read = self.read.get_or_init(|| {
            self.names
                .uses
                .iter()
                .filter_map(|u| if let Resolution::Local(id) = u.resolution { Some(id) } else { None })
                .collect()
        });
        read.contains(&id)
    }

    fn forget_withs_in(&mut self, range: TextRange) {
        let withs = self.withs.get_mut();
        let inside: Vec<_> = withs.range((range.start(), 0)..(range.end(), 0)).map(|(key, _)| *key).collect();
        for key in inside {
            withs.remove(&key);
        }
    }

    /// Appends a name. Two roots are only known once their first name is read: `inputs`
    /// (`inputs.self` is the flake's own outputs, any other input is external) and an attrset of
    /// every module argument (`args.config`).
    pub(super) fn extend(&self, mut value: PathValue, name: Name) -> PathValue {
        // Past a dynamic segment there are no aspects, only something below one
        // (`inherit (den.aspects.${user}.meta) key;` names no aspect `key`, dendritic.md §8.4).
        if value.dynamic_tail {
            return value;
        }
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
            // `inputs.self` of a lower-level module is the flake's outputs if the workspace passes
            // `inputs` down; any other input there is left unread.
            RefRoot::PassedDown(argument) if argument == "inputs" && value.path.is_empty() => {
                if name.text == "self" {
                    value.path.push(Name {
                        text: SmolStr::new_static("flake"),
                        range: name.range,
                        origin: NameOrigin::Implicit,
                    });
                } else {
                    value.dynamic_tail = true;
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
        if binding.kind != BindingKind::Formal || self.module_lambdas.contains(&binding.scope.text_range()) {
            return None;
        }
        // `{ config, ... }:` of any lambda that is not the top-level module binds another
        // module's configuration; its `inputs` and `self` are whatever the workspace passes down.
        match binding.name.as_str() {
            "config" => Some(RootBinding::ShadowedConfig { binding: id }),
            "inputs" => Some(RootBinding::PassedDown("inputs")),
            "self" => Some(RootBinding::PassedDown("self")),
            _ => None,
        }
    }

    /// Folds a string expression: literals, `let`-bound strings, concatenations, and names built
    /// from the file's own name.
    pub(super) fn fold_string(&self, node: &SyntaxNode, fuel: u32) -> Option<Folded> {
        let fuel = fuel.checked_sub(1).filter(|_| self.spend(node))?;
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
                            if text.len() > MAX_FOLDED_LEN {
                                return None;
                            }
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
            NODE_IDENT => self.fold_alias(&node, fuel),
            NODE_SELECT => self.fold_field(&node, fuel),
            NODE_BIN_OP if syntax::bin_op(&node) == Some(TOKEN_ADD) => {
                let mut text = String::new();
                for side in syntax::expr_children(&node) {
                    text.push_str(&self.fold_string(&side, fuel)?.0);
                    if text.len() > MAX_FOLDED_LEN {
                        return None;
                    }
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

    /// The string a `let`-bound name folds to, once per binding and fuel: a string that
    /// interpolates another several times, a few levels deep, would otherwise fold the innermost
    /// one a power of times.
    fn fold_alias(&self, ident: &SyntaxNode, fuel: u32) -> Option<Folded> {
        let id = self.local_binding_id(ident)?;
        if let Some(known) = self.folded.borrow().get(&(id, fuel)) {
            return known.clone();
        }
        let binding = self.names.binding(id);
        let folded = match &binding.value {
            BindingValue::Expr(ptr) => node_near(ident, ptr).and_then(|target| self.fold_string(&target, fuel)),
            // `inherit (info) name;`: the field `name` of a set literal.
            BindingValue::InheritFrom { from } => node_near(ident, from)
                .and_then(|from| self.set_literal(&from, fuel))
                .and_then(|set| self.field(&set, &binding.name))
                .and_then(|value| self.fold_string(&value, fuel)),
            _ => None,
        };
        self.folded.borrow_mut().insert((id, fuel), folded.clone());
        folded
    }

    /// `info.name`, where `info` is bound to a set literal whose field `name` folds (`let info =
    /// { name = "box"; }; in ... ${info.name}`). An `or` default is not folded: whether the field
    /// is there would decide which string it is.
    fn fold_field(&self, select: &SyntaxNode, fuel: u32) -> Option<Folded> {
        let mut exprs = syntax::expr_children(select);
        let mut value = exprs.next()?;
        if exprs.next().is_some() {
            return None;
        }
        for attr in first_child(select, NODE_ATTRPATH)?.children() {
            let name = static_attr(&attr)?.text;
            let set = self.set_literal(&value, fuel)?;
            value = self.field(&set, &name)?;
        }
        self.fold_string(&value, fuel)
    }

    /// The set literal `node` is, or a `let` name bound to one, through aliases.
    fn set_literal(&self, node: &SyntaxNode, fuel: u32) -> Option<SyntaxNode> {
        let fuel = fuel.checked_sub(1).filter(|_| self.spend(node))?;
        let node = unparen(node.clone());
        match node.kind() {
            NODE_ATTR_SET => Some(node),
            NODE_IDENT => {
                let id = self.local_binding_id(&node)?;
                let BindingValue::Expr(ptr) = &self.names.binding(id).value else { return None };
                self.set_literal(&node_near(&node, ptr)?, fuel)
            }
            _ => None,
        }
    }

    /// The value of the field `name` of a set literal, when the literal alone says what it is: a
    /// field written `name = e;` once, in a set with no dynamic key (which could be `name` too).
    /// Each set's fields are indexed once, so that reading many fields of a big set stays linear.
    fn field(&self, set: &SyntaxNode, name: &str) -> Option<SyntaxNode> {
        let key = set.text_range();
        if let Some(fields) = self.fields.borrow().get(&key) {
            return fields.as_ref()?.get(name).cloned().flatten();
        }
        let fields = index_fields(set);
        let value = fields.as_ref().and_then(|f| f.get(name).cloned().flatten());
        self.fields.borrow_mut().insert(key, fields);
        value
    }

    pub(super) fn fold_string_list(&self, list: &SyntaxNode) -> Option<Vec<Name>> {
        let mut list = unparen(list.clone());
        if list.kind() == NODE_IDENT {
            let binding = self.local_binding(&list)?;
            let BindingValue::Expr(ptr) = &binding.value else { return None };
            list = unparen(node_near(&list, ptr)?);
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
            set = unparen(node_near(&set, ptr)?);
        }
        (set.kind() == NODE_ATTR_SET).then_some(set)
    }
}

/// A set literal's fields by name: `Some(value)` for one written `name = value;` once, `None` for
/// one written any other way (`name.x = ...`, `inherit name`, twice). `None` for the whole set
/// when a key is dynamic.
fn index_fields(set: &SyntaxNode) -> Option<Fields> {
    let mut fields = Fields::default();
    for entry in set.children() {
        match entry.kind() {
            NODE_ATTRPATH_VALUE => {
                let attrs: Vec<SyntaxNode> = first_child(&entry, NODE_ATTRPATH)?.children().collect();
                let name = static_attr(attrs.first()?)?.text;
                let value = if attrs.len() == 1 { nth_expr(&entry, 0) } else { None };
                match fields.entry(name) {
                    std::collections::hash_map::Entry::Occupied(mut seen) => *seen.get_mut() = None,
                    std::collections::hash_map::Entry::Vacant(new) => {
                        new.insert(value);
                    }
                }
            }
            NODE_INHERIT => {
                for attr in entry.children().filter(|c| c.kind() != NODE_INHERIT_FROM) {
                    fields.insert(static_attr(&attr)?.text, None);
                }
            }
            _ => {}
        }
    }
    Some(fields)
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
    let mut lower_config = None;
    let (root, path) = match root {
        RootBinding::Config => (RefRoot::Config, Vec::new()),
        RootBinding::SelfOutputs => (RefRoot::Config, vec![implicit("flake")]),
        // An input whose name is not read yet: `extend` fills it in.
        RootBinding::Inputs => (RefRoot::Input(SmolStr::default()), Vec::new()),
        RootBinding::ModuleArgs => (RefRoot::Argument, Vec::new()),
        RootBinding::ConfigPath(segments) => (RefRoot::Config, segments.iter().map(|s| implicit(s)).collect()),
        RootBinding::Argument => (RefRoot::Argument, vec![name.clone()]),
        RootBinding::ShadowedConfig { binding } => {
            lower_config = Some(binding);
            (RefRoot::ShadowedConfig, Vec::new())
        }
        // `self` is the flake's outputs, `config.flake`; `inputs` waits for its first name.
        RootBinding::PassedDown("self") => (RefRoot::PassedDown(SmolStr::new_static("self")), vec![implicit("flake")]),
        RootBinding::PassedDown(argument) => (RefRoot::PassedDown(SmolStr::new_static(argument)), Vec::new()),
    };
    PathValue { root, path, dynamic_tail: false, certain: true, form: RefForm::Select, lower_config }
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
