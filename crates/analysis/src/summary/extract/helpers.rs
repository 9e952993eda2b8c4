//! Workspace helpers and their calls, as data (`HelperDef`, `HelperCall`): a lambda literal where a
//! call can reach it (the file's value or one of its attributes, `_module.args.<f>`, an option's
//! value, a called `let` binding) is read as the paths its body writes, with holes for its
//! arguments; a call of something that may be one is kept with its literal arguments.

use rnix::SyntaxKind::*;
use rustc_hash::FxHashMap;
use smol_str::SmolStr;

use super::read::{flatten_apply, function_name};
use super::{Extractor, FUEL};
use crate::dendritic::contexts;
use crate::dendritic::flake_parts;
use crate::summary::*;
use crate::syntax::names::{BindingId, BindingKind, BindingValue, Resolution};
use crate::syntax::{self, SyntaxNode, first_child, node_near, nth_expr, static_attr, unparen};

/// The most curried arguments a helper is read with.
const MAX_ARITY: u8 = 8;

/// How deep a helper's writes are followed: past an aspect's name and its class, where no
/// collection row reads.
const MAX_WRITE_DEPTH: usize = 6;

/// The most paths one helper is read as; a body writing more is opaque past that.
const MAX_WRITES: usize = 512;

/// How deep a configuration path may be for a lambda there to count as a helper
/// (`factory.mk`, `flake.lib.mkFeature`): deeper ones are modules (`flake.modules.nixos.x`).
pub(super) const MAX_OPTION_HELPER_DEPTH: usize = 3;

/// A helper's arguments, by the binding each is read through.
type Params = FxHashMap<BindingId, ArgRef>;

impl<'a> Extractor<'a> {
    /// The file's value, or the attributes of its attrset, as helpers `import` can reach.
    pub(super) fn file_helpers(&mut self, expr: &SyntaxNode) {
        let mut value = unparen(expr.clone());
        while value.kind() == NODE_LET_IN {
            let Some(body) = syntax::expr_children(&value).last() else { return };
            value = unparen(body);
        }
        match value.kind() {
            NODE_LAMBDA => self.eager_helper(&value, HelperName::File),
            NODE_ATTR_SET => {
                for entry in value.children().filter(|e| e.kind() == NODE_ATTRPATH_VALUE) {
                    let Some(path) = first_child(&entry, NODE_ATTRPATH) else { continue };
                    let mut attrs = path.children();
                    let (Some(name), None) = (attrs.next().and_then(|a| static_attr(&a)), attrs.next()) else {
                        continue;
                    };
                    if let Some(v) = nth_expr(&entry, 0).map(unparen).filter(|v| v.kind() == NODE_LAMBDA) {
                        self.eager_helper(&v, HelperName::Attr(name.text));
                    }
                }
            }
            _ => {}
        }
    }

    /// `_module.args.<name> = <lambda>;`
    pub(super) fn module_arg_helper(&mut self, name: &SmolStr, value: &SyntaxNode) {
        let value = unparen(value.clone());
        if value.kind() == NODE_LAMBDA {
            self.eager_helper(&value, HelperName::ModuleArg(name.clone()));
        }
    }

    /// A lambda at a shallow configuration path, or an option's default there: `config.<path>`
    /// may be called as a helper.
    pub(super) fn option_helper(&mut self, path: Vec<SmolStr>, value: &SyntaxNode) {
        let value = unparen(value.clone());
        let reserved = path.first().is_some_and(|first| first == "_module" || first == "imports");
        if value.kind() == NODE_LAMBDA && !path.is_empty() && path.len() <= MAX_OPTION_HELPER_DEPTH && !reserved {
            self.eager_helper(&value, HelperName::Option(path));
        }
    }

    /// Reads a helper that another file may call. Every module is a lambda, so only one whose
    /// names take arguments is kept: any other would be a copy of its config tree, for nothing.
    fn eager_helper(&mut self, lambda: &SyntaxNode, name: HelperName) {
        // A name made of an argument is an interpolation in a key (`${name}`, `"${name}-x"`)
        // that names one of the lambda's parameters: it is in the lambda's own text. Nearly
        // every module has no `${` at all, and reading its body as a helper anyway was a second
        // walk of the whole file (a sixth of the extractor's time).
        let range = lambda.text_range();
        let own = self.text.get(usize::from(range.start())..usize::from(range.end()));
        if own.is_some_and(|own| !crate::base::text::holds(own, "${")) {
            return;
        }
        if let Some(def) = self.helper_def(lambda, name)
            && def.writes.iter().any(|w| w.path.iter().flatten().any(|p| matches!(p, KeyPart::Arg(_))))
        {
            self.out.helpers.push(def);
        }
    }

    fn helper_def(&self, lambda: &SyntaxNode, name: HelperName) -> Option<HelperDef> {
        let mut params = Params::default();
        let mut body = unparen(lambda.clone());
        let mut arity = 0u8;
        while body.kind() == NODE_LAMBDA {
            if arity == MAX_ARITY {
                return None;
            }
            for id in self.bindings_of(body.text_range()) {
                let binding = self.names.binding(id);
                let field = match binding.kind {
                    BindingKind::Formal => Some(binding.name.clone()),
                    BindingKind::Param | BindingKind::PatternAlias => None,
                    _ => continue,
                };
                params.insert(id, ArgRef { index: arity, field });
            }
            arity += 1;
            body = unparen(syntax::expr_children(&body).last()?);
        }
        let mut writes = Vec::new();
        self.writes(&body, &params, &mut Vec::new(), &mut writes, 0);
        Some(HelperDef { name, arity, writes })
    }

    /// The paths `value`, at `path` in a helper's result, writes.
    fn writes(
        &self,
        value: &SyntaxNode,
        params: &Params,
        path: &mut Vec<Vec<KeyPart>>,
        out: &mut Vec<Write>,
        depth: usize,
    ) {
        let value = unparen(value.clone());
        if depth >= syntax::MAX_DEPTH as usize || !self.spend(&value) {
            return leaf(true, path, out);
        }
        if path.len() >= MAX_WRITE_DEPTH {
            return leaf(false, path, out);
        }
        match value.kind() {
            NODE_ATTR_SET => {
                let before = out.len();
                for entry in value.children() {
                    match entry.kind() {
                        NODE_ATTRPATH_VALUE => {
                            let Some(attrpath) = first_child(&entry, NODE_ATTRPATH) else { continue };
                            let before = path.len();
                            let mut readable = true;
                            for attr in attrpath.children() {
                                match self.key_parts(&attr, params) {
                                    Some(parts) => path.push(parts),
                                    None => {
                                        readable = false;
                                        break;
                                    }
                                }
                            }
                            match (readable, nth_expr(&entry, 0)) {
                                (true, Some(v)) => self.writes(&v, params, path, out, depth + 1),
                                _ => leaf(true, path, out),
                            }
                            path.truncate(before);
                        }
                        NODE_INHERIT => {
                            for attr in entry.children().filter(|c| c.kind() != NODE_INHERIT_FROM) {
                                match static_attr(&attr) {
                                    Some(name) => {
                                        path.push(vec![KeyPart::Text(name.text)]);
                                        leaf(false, path, out);
                                        path.pop();
                                    }
                                    None => leaf(true, path, out),
                                }
                            }
                        }
                        _ => {}
                    }
                }
                // `{ }` defines the path all the same.
                if out.len() == before {
                    leaf(false, path, out);
                }
            }
            NODE_LET_IN => match syntax::expr_children(&value).last() {
                Some(body) => self.writes(&body, params, path, out, depth + 1),
                None => leaf(true, path, out),
            },
            NODE_BIN_OP if syntax::bin_op(&value) == Some(TOKEN_UPDATE) => {
                for side in syntax::expr_children(&value) {
                    self.writes(&side, params, path, out, depth + 1);
                }
            }
            NODE_APPLY => {
                let (function, args) = flatten_apply(&value);
                let name = function_name(&function).unwrap_or_default();
                match (name.as_str(), args.as_slice()) {
                    ("mkMerge", [list]) if unparen(list.clone()).kind() == NODE_LIST => {
                        for item in syntax::expr_children(&unparen(list.clone())) {
                            self.writes(&item, params, path, out, depth + 1);
                        }
                    }
                    (name, [.., last]) if name == "optionalAttrs" || contexts::is_transparent_modifier(name) => {
                        self.writes(last, params, path, out, depth + 1)
                    }
                    _ => leaf(true, path, out),
                }
            }
            // An argument passed through (a module given to the helper), or a module function.
            NODE_IDENT if self.param(&value, params).is_some() => leaf(false, path, out),
            NODE_LAMBDA | NODE_STRING | NODE_LITERAL | NODE_LIST | NODE_PATH_REL => leaf(false, path, out),
            _ => leaf(true, path, out),
        }
    }

    /// An attribute name as text and argument holes: `ssh`, `${name}`, `"${name}-hm"`, a folded
    /// constant. `None` for a name built any other way.
    fn key_parts(&self, attr: &SyntaxNode, params: &Params) -> Option<Vec<KeyPart>> {
        if let Some(name) = static_attr(attr) {
            return Some(vec![KeyPart::Text(name.text)]);
        }
        let inner = match attr.kind() {
            NODE_DYNAMIC => unparen(nth_expr(attr, 0)?),
            _ => attr.clone(),
        };
        self.expr_parts(&inner, params, FUEL)
    }

    fn expr_parts(&self, expr: &SyntaxNode, params: &Params, fuel: u32) -> Option<Vec<KeyPart>> {
        let fuel = fuel.checked_sub(1).filter(|_| self.spend(expr))?;
        let expr = unparen(expr.clone());
        if let Some(arg) = self.param(&expr, params) {
            return Some(vec![KeyPart::Arg(arg)]);
        }
        if expr.kind() != NODE_STRING {
            return self.fold_string(&expr, fuel).map(|(text, _)| vec![KeyPart::Text(text)]);
        }
        let mut parts = Vec::new();
        for part in expr.children_with_tokens() {
            match part {
                rowan::NodeOrToken::Token(t) if t.kind() == TOKEN_STRING_CONTENT => {
                    parts.push(KeyPart::Text(SmolStr::new(t.text())));
                }
                rowan::NodeOrToken::Node(n) if n.kind() == NODE_INTERPOL => {
                    parts.extend(self.expr_parts(&nth_expr(&n, 0)?, params, fuel)?);
                }
                rowan::NodeOrToken::Token(t) if matches!(t.kind(), TOKEN_STRING_START | TOKEN_STRING_END) => {}
                _ => return None,
            }
        }
        Some(parts)
    }

    /// The argument `expr` reads: a parameter, or one attribute of a whole argument (`args.name`).
    fn param(&self, expr: &SyntaxNode, params: &Params) -> Option<ArgRef> {
        let ident_param = |ident: &SyntaxNode| match self.names.resolution_at(ident.text_range().start())? {
            Resolution::Local(id) => params.get(&id).cloned(),
            _ => None,
        };
        match expr.kind() {
            NODE_IDENT => ident_param(expr),
            NODE_SELECT => {
                let base = unparen(nth_expr(expr, 0)?);
                let mut attrs = first_child(expr, NODE_ATTRPATH)?.children();
                let (Some(field), None) = (attrs.next().and_then(|a| static_attr(&a)), attrs.next()) else {
                    return None;
                };
                let has_default = nth_expr(expr, 1).is_some();
                match (base.kind(), ident_param(&base)) {
                    (NODE_IDENT, Some(ArgRef { index, field: None })) if !has_default => {
                        Some(ArgRef { index, field: Some(field.text) })
                    }
                    _ => None,
                }
            }
            _ => None,
        }
    }

    /// Notes `call` when its function may be a workspace helper; `at` is the config node whose
    /// value it is (`None`: the module).
    pub(super) fn note_call(&mut self, call: &SyntaxNode, at: Option<NodeId>) {
        let (function, args) = flatten_apply(call);
        let Some((callee, skip)) = self.callee(&function, &args) else { return };
        // `import ./module.nix` alone is a module, not a call of one.
        if args.len() <= skip {
            return;
        }
        let args = args[skip..].iter().map(|a| self.helper_arg(a, FUEL)).collect();
        let function = match skip {
            0 => function.text_range(),
            _ => function.text_range().cover(args_end(&function, call, skip)),
        };
        self.out.calls.push(HelperCall { callee, args, function, range: call.text_range(), at });
    }

    /// A module that is a call: of a helper, or of a function canopy cannot name, whose module
    /// then may define anything (`Callee::Unknown`). `lib.mkMerge [ ... ]` and the like are read
    /// as the module's root before this.
    pub(super) fn note_module_call(&mut self, call: &SyntaxNode) {
        let before = self.out.calls.len();
        self.note_call(call, None);
        let (function, args) = flatten_apply(call);
        // import-tree's call is read for its roots, and `import ./x.nix` is a module by path.
        let known =
            function.text().to_string().contains("import-tree") || (is_import(&function, self) && args.len() == 1);
        if self.out.calls.len() == before && !known {
            let (function, range) = (function.text_range(), call.text_range());
            self.out.calls.push(HelperCall { callee: Callee::Unknown, args: Vec::new(), function, range, at: None });
        }
    }

    /// What `function` names, and how many of `args` belong to it (`import ./x.nix` takes one).
    fn callee(&mut self, function: &SyntaxNode, args: &[SyntaxNode]) -> Option<(Callee, usize)> {
        let function = unparen(function.clone());
        if is_import(&function, self) {
            let path = args.first().map(|a| unparen(a.clone())).filter(|a| a.kind() == NODE_PATH_REL)?;
            let path = path_literal(&path)?;
            return Some((Callee::File { path, attr: None }, 1));
        }
        if function.kind() == NODE_SELECT && nth_expr(&function, 1).is_none() {
            let base = unparen(nth_expr(&function, 0)?);
            let mut attrs = first_child(&function, NODE_ATTRPATH)?.children();
            let single = (attrs.next().and_then(|a| static_attr(&a)), attrs.next());
            if base.kind() == NODE_APPLY
                && let (Some(attr), None) = single
            {
                let (inner, inner_args) = flatten_apply(&base);
                if let (true, [path]) = (is_import(&unparen(inner), self), inner_args.as_slice()) {
                    let path = path_literal(&unparen(path.clone()))?;
                    return Some((Callee::File { path, attr: Some(attr.text) }, 0));
                }
                return None;
            }
        }
        if function.kind() == NODE_IDENT
            && let Some(id) = self.local_binding_id(&function)
        {
            let binding = self.names.binding(id);
            match (binding.kind, &binding.value) {
                (BindingKind::Formal, _)
                    if self.module_lambdas.contains(&binding.scope.text_range())
                        && flake_parts::module_argument(&binding.name).is_none() =>
                {
                    return Some((Callee::ModuleArg(binding.name.clone()), 0));
                }
                (BindingKind::Let | BindingKind::Rec, BindingValue::Expr(ptr)) => {
                    let lambda = node_near(&function, ptr).map(unparen).filter(|v| v.kind() == NODE_LAMBDA)?;
                    let range = binding.range;
                    // Read once per binding, however often it is called.
                    if self.local_helpers.insert(id)
                        && let Some(def) = self.helper_def(&lambda, HelperName::Local(range))
                    {
                        self.out.helpers.push(def);
                    }
                    return Some((Callee::Local(range), 0));
                }
                _ => {}
            }
        }
        let path = self.eval_path(&function, FUEL)?;
        if path.root != RefRoot::Config || path.dynamic_tail || path.path.is_empty() {
            return None;
        }
        Some((Callee::Option(path.path.into_iter().map(|n| n.text).collect()), 0))
    }

    /// An argument as far as it is literal.
    fn helper_arg(&self, arg: &SyntaxNode, fuel: u32) -> HelperArg {
        let Some(fuel) = fuel.checked_sub(1).filter(|_| self.spend(arg)) else { return HelperArg::Value };
        let arg = unparen(arg.clone());
        if let Some((text, origin)) = self.fold_string(&arg, fuel) {
            let range = arg.text_range();
            let origin = match origin {
                NameOrigin::Constant { literal } if literal == range => NameOrigin::Quoted,
                other => other,
            };
            return HelperArg::Str(Name { text, range, origin });
        }
        let Some(set) = self.fold_attrset(&arg) else { return HelperArg::Value };
        let mut fields = Vec::new();
        for entry in set.children() {
            match entry.kind() {
                NODE_ATTRPATH_VALUE => {
                    let Some(path) = first_child(&entry, NODE_ATTRPATH) else { continue };
                    let mut attrs = path.children();
                    let (Some(name), None) = (attrs.next().and_then(|a| static_attr(&a)), attrs.next()) else {
                        continue;
                    };
                    if let Some(value) = nth_expr(&entry, 0) {
                        fields.push((name.text, self.helper_arg(&value, fuel)));
                    }
                }
                NODE_INHERIT if first_child(&entry, NODE_INHERIT_FROM).is_none() => {
                    for attr in entry.children() {
                        let Some(name) = static_attr(&attr) else { continue };
                        fields.push((name.text, self.helper_arg(&attr, fuel)));
                    }
                }
                _ => {}
            }
        }
        HelperArg::Set(fields)
    }
}

/// `import` (or `builtins.import`) as Nix's own, not a name bound in the file.
fn is_import(function: &SyntaxNode, extractor: &Extractor) -> bool {
    function_name(function).as_deref() == Some("import")
        && match function.kind() {
            NODE_IDENT => extractor.local_binding_id(function).is_none(),
            _ => nth_expr(function, 0).and_then(|b| syntax::ident_text(&unparen(b))).as_deref() == Some("builtins"),
        }
}

/// A write of a helper's result at `path`.
fn leaf(opaque: bool, path: &[Vec<KeyPart>], out: &mut Vec<Write>) {
    if out.len() < MAX_WRITES {
        out.push(Write { path: path.to_vec(), opaque });
    } else if let Some(last) = out.last_mut() {
        // Past the limit, what is left is unread: the last write stands for it, from its top.
        last.path.truncate(1);
        last.opaque = true;
    }
}

/// A relative path literal as written, when it has no interpolation.
fn path_literal(path: &SyntaxNode) -> Option<String> {
    let text = path.text().to_string();
    (path.kind() == NODE_PATH_REL && !text.contains("${")).then_some(text)
}

/// The end of the `skip`th argument of `call`'s function, for `import ./x.nix` as the function.
fn args_end(function: &SyntaxNode, call: &SyntaxNode, skip: usize) -> crate::base::text::TextRange {
    let (_, args) = flatten_apply(call);
    args.get(skip - 1).map_or(function.text_range(), |a| a.text_range())
}
