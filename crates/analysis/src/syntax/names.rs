//! Lexical name resolution for one file, by Nix's own rules.
//!
//! A name resolves to the innermost lexical binding (`let`, `rec`, lambda argument, pattern
//! field, `@` alias, `inherit`) in any enclosing scope, then to a global (`builtins`, `map`,
//! ...), and only then to the innermost enclosing `with`, whose attributes are not known
//! statically. A name that finds none of these is undefined: Nix rejects the file.

mod bindings;
mod globals;
mod merges;
mod objections;

use rnix::SyntaxKind::*;
use rustc_hash::FxHashMap;
use smol_str::SmolStr;

use crate::base::text::{TextRange, TextSize};
use crate::syntax::{self, SyntaxNode, first_child, static_attr};

use self::bindings::entry_bindings;
pub(crate) use self::bindings::{Binding, BindingId, BindingKind, BindingValue, NodePtr};
use self::globals::is_global;
use self::merges::Merges;
pub(crate) use self::merges::may_merge;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct WithId(pub u32);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Resolution {
    Local(BindingId),
    Global,
    /// Not bound lexically; looked up at run time in the innermost `with` (then the outer ones).
    With(WithId),
    Undefined,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct WithScope {
    /// The `with` expression.
    pub(crate) node: NodePtr,
    pub(crate) outer: Option<WithId>,
}

/// One identifier read in expression position (including the names of a plain `inherit`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct NameUse {
    pub(crate) name: SmolStr,
    pub(crate) range: TextRange,
    pub(crate) resolution: Resolution,
}

/// The result of resolving every name in a file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct NameTable {
    pub(crate) bindings: Vec<Binding>,
    pub(crate) withs: Vec<WithScope>,
    /// Sorted by range start.
    pub(crate) uses: Vec<NameUse>,
    /// Set when the walk stopped at `syntax::MAX_DEPTH`.
    pub(crate) too_deep: Option<TextSize>,
    /// Every search path (`<nixpkgs>`), with what `__findFile` resolves to there: Nix reads
    /// `<x>` as `__findFile __nixPath "x"`, so a bound `__findFile` gives it its meaning. Kept
    /// apart from `uses`, since nothing there is written as a name. Sorted by start.
    pub(crate) searches: Vec<(TextSize, Resolution)>,
    /// Set when the walk met something Nix's parser could report although rnix read it without
    /// an error (see `objections`): a name defined twice or a dynamic one where Nix forbids it, a
    /// formal given twice, a lambda where Nix takes no function, a parenthesis not closed by `)`,
    /// a search path Nix's lexer does not read as one.
    pub(crate) nix_may_object: bool,
}

impl NameTable {
    pub(crate) fn build(root: &SyntaxNode) -> NameTable {
        NameTable::build_with(root, Merges::new(root))
    }

    /// `build`, for the tree of `text`: a text that cannot hold a `rec` set or a legacy `let`
    /// spares the walk looking for one (`merges::may_merge`).
    pub(crate) fn build_from_text(root: &SyntaxNode, text: &str) -> NameTable {
        let merges = if may_merge(text) { Merges::new(root) } else { Merges::default() };
        NameTable::build_with(root, merges)
    }

    fn build_with(root: &SyntaxNode, merges: Merges) -> NameTable {
        let mut builder = Builder {
            table: NameTable::default(),
            scopes: Vec::new(),
            depth: 0,
            merges,
            counts: FxHashMap::default(),
            complete: Vec::new(),
        };
        builder.expr(root);
        let mut table = builder.table;
        table.uses.sort_by_key(|u| u.range.start());
        table.searches.sort_by_key(|(start, _)| *start);
        table
    }

    pub(crate) fn binding(&self, id: BindingId) -> &Binding {
        &self.bindings[id.0 as usize]
    }

    pub(crate) fn with_scope(&self, id: WithId) -> &WithScope {
        &self.withs[id.0 as usize]
    }

    /// The use whose name starts exactly at `start`.
    pub(crate) fn use_at(&self, start: TextSize) -> Option<&NameUse> {
        let i = self.uses.partition_point(|u| u.range.start() < start);
        self.uses.get(i).filter(|u| u.range.start() == start)
    }

    pub(crate) fn resolution_at(&self, start: TextSize) -> Option<Resolution> {
        self.use_at(start).map(|u| u.resolution)
    }

    /// What `__findFile` resolves to at the search path starting at `start`.
    pub(crate) fn search_at(&self, start: TextSize) -> Option<Resolution> {
        let i = self.searches.partition_point(|(s, _)| *s < start);
        self.searches.get(i).filter(|(s, _)| *s == start).map(|(_, r)| *r)
    }

    /// Every use that resolves to `id`.
    pub(crate) fn uses_of(&self, id: BindingId) -> impl Iterator<Item = &NameUse> {
        self.uses.iter().filter(move |u| u.resolution == Resolution::Local(id))
    }

    /// The binding whose name sits at `range`.
    pub(crate) fn binding_at(&self, range: TextRange) -> Option<BindingId> {
        self.bindings.iter().position(|b| b.range == range).map(|i| BindingId(i as u32))
    }
}

enum Scope {
    Static(FxHashMap<SmolStr, BindingId>),
    With(WithId),
}

struct Builder {
    table: NameTable,
    scopes: Vec<Scope>,
    depth: u32,
    merges: Merges,
    /// Scratch space of `objections::set_may_clash`.
    counts: FxHashMap<u64, u32>,
    complete: Vec<u64>,
}

impl Builder {
    fn resolve(&self, name: &str) -> Resolution {
        let mut innermost_with = None;
        for scope in self.scopes.iter().rev() {
            match scope {
                Scope::Static(names) => {
                    if let Some(&id) = names.get(name) {
                        return Resolution::Local(id);
                    }
                }
                Scope::With(id) => {
                    innermost_with.get_or_insert(*id);
                }
            }
        }
        if is_global(name) {
            Resolution::Global
        } else if let Some(id) = innermost_with {
            Resolution::With(id)
        } else {
            Resolution::Undefined
        }
    }

    fn innermost_with(&self) -> Option<WithId> {
        self.scopes.iter().rev().find_map(|s| match s {
            Scope::With(id) => Some(*id),
            Scope::Static(_) => None,
        })
    }

    fn record_use(&mut self, name: SmolStr, range: TextRange) {
        let resolution = self.resolve(&name);
        self.table.uses.push(NameUse { name, range, resolution });
    }

    /// Binds `binding` in `map`, unless its name is bound there already; says which.
    fn bind(&mut self, map: &mut FxHashMap<SmolStr, BindingId>, binding: Binding) -> bool {
        // The first binding of a name wins; duplicates are reported elsewhere.
        if map.contains_key(&binding.name) {
            return false;
        }
        let id = BindingId(self.table.bindings.len() as u32);
        map.insert(binding.name.clone(), id);
        self.table.bindings.push(binding);
        true
    }

    /// Notes whether Nix could report something of the entries of the binding set `node`.
    fn check_set(&mut self, node: &SyntaxNode, let_in: bool) {
        if !self.table.nix_may_object {
            self.table.nix_may_object = objections::set_may_clash(node, let_in, &mut self.counts, &mut self.complete);
        }
    }

    fn expr(&mut self, node: &SyntaxNode) {
        if self.depth >= syntax::MAX_DEPTH {
            self.table.too_deep.get_or_insert(node.text_range().start());
            return;
        }
        self.depth += 1;
        match node.kind() {
            NODE_IDENT => {
                if let Some(name) = syntax::ident_text(node) {
                    self.record_use(name, node.text_range());
                }
            }
            NODE_PATH_SEARCH => {
                if !objections::nix_search_path(node) {
                    self.table.nix_may_object = true;
                }
                let resolution = self.resolve("__findFile");
                self.table.searches.push((node.text_range().start(), resolution));
            }
            NODE_LAMBDA => {
                if !objections::takes_a_function(node.parent().map(|p| p.kind())) {
                    self.table.nix_may_object = true;
                }
                self.lambda(node)
            }
            NODE_PAREN => {
                if !objections::closed_paren(node) {
                    self.table.nix_may_object = true;
                }
                self.children(node)
            }
            NODE_LET_IN => self.let_in(node),
            NODE_LEGACY_LET => self.recursive_set(node),
            NODE_ATTR_SET => {
                if syntax::has_token(node, TOKEN_REC) && !self.merges.is_merged(node) {
                    self.recursive_set(node)
                } else {
                    self.plain_set(node)
                }
            }
            NODE_WITH => {
                let mut children = syntax::expr_children(node);
                if let Some(namespace) = children.next() {
                    self.expr(&namespace);
                }
                let id = WithId(self.table.withs.len() as u32);
                self.table.withs.push(WithScope { node: NodePtr::new(node), outer: self.innermost_with() });
                self.scopes.push(Scope::With(id));
                for body in children {
                    self.expr(&body);
                }
                self.scopes.pop();
            }
            // Selects, `?`, bindings and everything else: the children, attrpaths by their
            // dynamic parts.
            _ => self.children(node),
        }
        self.depth -= 1;
    }

    fn children(&mut self, node: &SyntaxNode) {
        for child in node.children() {
            if child.kind() == NODE_ATTRPATH {
                self.attrpath_dynamics(&child);
            } else {
                self.expr(&child);
            }
        }
    }

    /// Dynamic parts of an attrpath are expressions; static names are not reads.
    fn attrpath_dynamics(&mut self, path: &SyntaxNode) {
        for attr in path.children() {
            if attr.kind() != NODE_IDENT {
                if objections::indented_string_attr(&attr) {
                    self.table.nix_may_object = true;
                }
                self.expr(&attr);
            }
        }
    }

    fn lambda(&mut self, node: &SyntaxNode) {
        let ptr = NodePtr::new(node);
        let mut names = FxHashMap::default();
        let mut defaults = Vec::new();
        let mut body = None;
        for child in node.children() {
            match child.kind() {
                NODE_IDENT_PARAM => {
                    if let Some(ident) = first_child(&child, NODE_IDENT) {
                        self.bind_ident(&mut names, &ident, BindingKind::Param, &ptr);
                    }
                }
                NODE_PATTERN => {
                    for part in child.children() {
                        match part.kind() {
                            NODE_PAT_ENTRY => {
                                // A formal given twice, or also the `@` name: Nix rejects both.
                                let bound = first_child(&part, NODE_IDENT).is_some_and(|ident| {
                                    self.bind_ident(&mut names, &ident, BindingKind::Formal, &ptr)
                                });
                                self.table.nix_may_object |= !bound;
                                // The first child is the formal's own name; a default follows.
                                defaults.extend(syntax::expr_children(&part).skip(1));
                            }
                            NODE_PAT_BIND => {
                                let bound = first_child(&part, NODE_IDENT).is_some_and(|ident| {
                                    self.bind_ident(&mut names, &ident, BindingKind::PatternAlias, &ptr)
                                });
                                self.table.nix_may_object |= !bound;
                            }
                            _ => {}
                        }
                    }
                }
                _ if syntax::is_expr(child.kind()) => body = Some(child),
                _ => {}
            }
        }
        self.scopes.push(Scope::Static(names));
        for default in &defaults {
            self.expr(default);
        }
        if let Some(body) = body {
            self.expr(&body);
        }
        self.scopes.pop();
    }

    fn bind_ident(
        &mut self,
        names: &mut FxHashMap<SmolStr, BindingId>,
        ident: &SyntaxNode,
        kind: BindingKind,
        scope: &NodePtr,
    ) -> bool {
        let Some(name) = syntax::ident_text(ident) else { return false };
        let binding = Binding { name, range: ident.text_range(), kind, value: BindingValue::Argument, scope: *scope };
        self.bind(names, binding)
    }

    /// Collects the names a let, rec set or legacy let binds.
    fn collect_bindings(&mut self, node: &SyntaxNode, kind: BindingKind) -> FxHashMap<SmolStr, BindingId> {
        let ptr = NodePtr::new(node);
        let mut names = FxHashMap::default();
        for entry in node.children() {
            entry_bindings(&entry, kind, ptr, |binding| {
                self.bind(&mut names, binding);
            });
        }
        names
    }

    fn let_in(&mut self, node: &SyntaxNode) {
        self.check_set(node, true);
        self.merges.plan(node);
        let names = self.collect_bindings(node, BindingKind::Let);
        // Plain `inherit x;` reads `x` outside the let.
        self.plain_inherit_uses(node);
        self.scopes.push(Scope::Static(names));
        self.entry_values(node);
        for body in syntax::expr_children(node) {
            self.expr(&body);
        }
        self.scopes.pop();
    }

    fn recursive_set(&mut self, node: &SyntaxNode) {
        self.check_set(node, false);
        self.merges.plan(node);
        let mut names = self.collect_bindings(node, BindingKind::Rec);
        // Entries written beside this set that Nix moves into it (see `merges`).
        let (landed, added) = self.merges.take_landed(node);
        for binding in added {
            self.bind(&mut names, binding);
        }
        self.plain_inherit_uses(node);
        for entry in &landed {
            self.plain_inherit_use(entry);
        }
        self.scopes.push(Scope::Static(names));
        self.entry_values(node);
        for entry in &landed {
            self.entry_value(entry);
        }
        self.scopes.pop();
    }

    /// A non-recursive attrset: values and inherits read the enclosing scope.
    fn plain_set(&mut self, node: &SyntaxNode) {
        self.check_set(node, false);
        self.merges.plan(node);
        self.plain_inherit_uses(node);
        self.entry_values(node);
    }

    fn plain_inherit_uses(&mut self, node: &SyntaxNode) {
        for inherit in node.children().filter(|c| c.kind() == NODE_INHERIT) {
            if !self.merges.is_moved(&inherit) {
                self.plain_inherit_use(&inherit);
            }
        }
    }

    /// The names a plain `inherit x y;` reads (nothing for other entries).
    fn plain_inherit_use(&mut self, entry: &SyntaxNode) {
        if entry.kind() != NODE_INHERIT || first_child(entry, NODE_INHERIT_FROM).is_some() {
            return;
        }
        for attr in entry.children() {
            match static_attr(&attr) {
                Some(name) => self.record_use(name.text, name.range),
                None => self.expr(&attr),
            }
        }
    }

    /// Values, dynamic keys and `inherit (e)` sources of a set's entries, in the current scope.
    fn entry_values(&mut self, node: &SyntaxNode) {
        for entry in node.children() {
            if !self.merges.is_moved(&entry) {
                self.entry_value(&entry);
            }
        }
    }

    /// The value, dynamic keys or `inherit (e)` source of one entry, in the current scope.
    fn entry_value(&mut self, entry: &SyntaxNode) {
        match entry.kind() {
            NODE_ATTRPATH_VALUE => self.children(entry),
            NODE_INHERIT => {
                if let Some(from) = first_child(entry, NODE_INHERIT_FROM) {
                    for e in from.children() {
                        self.expr(&e);
                    }
                    for attr in entry.children().filter(|c| c.kind() != NODE_INHERIT_FROM) {
                        if static_attr(&attr).is_none() {
                            self.expr(&attr);
                        }
                    }
                }
            }
            NODE_ERROR => self.expr(entry),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use expect_test::{Expect, expect};

    /// Renders each use as `name@offset -> target`.
    fn check(src: &str, expect: Expect) {
        let parse = syntax::parse(src);
        let table = NameTable::build(&parse.root());
        let rendered: Vec<String> = table
            .uses
            .iter()
            .map(|u| {
                let target = match u.resolution {
                    Resolution::Local(id) => {
                        let b = table.binding(id);
                        format!("{:?}@{}", b.kind, u32::from(b.range.start()))
                    }
                    Resolution::Global => "global".into(),
                    Resolution::With(w) => {
                        let depth = std::iter::successors(Some(w), |w| table.with_scope(*w).outer).count();
                        format!("with*{depth}")
                    }
                    Resolution::Undefined => "UNDEFINED".into(),
                };
                format!("{}@{} -> {}", u.name, u32::from(u.range.start()), target)
            })
            .collect();
        expect.assert_eq(&rendered.join("\n"));
    }

    #[test]
    fn let_is_recursive_and_inherit_reads_outside() {
        check(
            "x: let a = b; b = x; inherit x; in a",
            expect![[r#"
                b@11 -> Let@14
                x@18 -> Let@29
                x@29 -> Param@0
                a@35 -> Let@7"#]],
        );
    }

    #[test]
    fn lexical_names_beat_with_and_globals_beat_with() {
        check(
            "let a = 1; in with { a = 2; map = 3; }; [ a map b ]",
            expect![[r#"
                a@42 -> Let@4
                map@44 -> global
                b@48 -> with*1"#]],
        );
    }

    #[test]
    fn patterns_bind_formals_and_alias_for_defaults_and_body() {
        check(
            "{ a ? b, b ? args, ... }@args: [ a b args c ]",
            expect![[r#"
                b@6 -> Formal@9
                args@13 -> PatternAlias@25
                a@33 -> Formal@2
                b@35 -> Formal@9
                args@37 -> PatternAlias@25
                c@42 -> UNDEFINED"#]],
        );
    }

    #[test]
    fn rec_sets_bind_first_attrs_and_plain_sets_do_not() {
        check(
            "[ (rec { a.b = 1; c = a; }) { d = 1; e = d; } ]",
            expect![[r#"
                a@22 -> Rec@9
                d@41 -> UNDEFINED"#]],
        );
    }

    // Each expectation here is what `nix-instantiate --parse` says of the same text: it prints the
    // merged sets, and rejects the undefined names.
    #[test]
    fn a_path_into_an_earlier_rec_set_reads_that_set() {
        check(
            "{ a = rec { b = 1; }; a.c = b; x = { y = rec { z = 1; }; }; x.y.w.v = z; }",
            expect![[r#"
                b@28 -> Rec@12
                z@70 -> Rec@47"#]],
        );
        // In a `let` too, and the names the path adds are bound in the set.
        check(
            "let a = rec { b = c; }; a.c = 1; in a",
            expect![[r#"
                c@18 -> Rec@26
                a@36 -> Let@4"#]],
        );
    }

    #[test]
    fn a_later_literal_merges_into_the_earlier_set_and_keeps_no_rec() {
        check(
            "{ a = rec { b = 1; }; a = rec { c = b; }; }",
            expect![[r#"
                b@36 -> Rec@12"#]],
        );
        // The `rec` set comes second: it is merged into the set `a.c` opened, which is plain.
        check(
            "{ a.c = 1; a = rec { b = 1; d = b; }; }",
            expect![[r#"
                b@32 -> UNDEFINED"#]],
        );
    }

    #[test]
    fn a_literal_merged_into_a_rec_set_adds_its_names_there() {
        // Nix reads this as `{ a = rec { b = c; c = { d = 1; }; }; }`.
        let src = "{ a = rec { b = c; }; a = { c.d = 1; }; }";
        check(src, expect!["c@16 -> Rec@28"]);
        // An inherited name is read outside the set and bound inside it.
        let src = "let e = 2; in { a = rec { b = e; }; a = { inherit e; }; }";
        check(
            src,
            expect![[r#"
            e@30 -> Rec@50
            e@50 -> Let@4"#]],
        );
    }

    #[test]
    fn a_later_literal_merges_one_level_deep_and_its_paths_walk_no_further() {
        // Nix reports `a.b` as defined twice, and keeps the earlier `b`: the later `b.c` does not
        // walk into the earlier `rec` set.
        let src = "{ a = { b = rec { y = 1; }; }; a = { b.c = y; }; }";
        check(src, expect!["y@43 -> UNDEFINED"]);
    }

    #[test]
    fn paths_through_plain_sets_and_repeated_names_read_the_enclosing_scope() {
        check(
            "{ a = { b = rec { x = 1; }; }; a.b.y = x; a.z = x; c = 1; c.d = x; }",
            expect![[r#"
                x@39 -> Rec@18
                x@48 -> UNDEFINED
                x@64 -> UNDEFINED"#]],
        );
    }

    #[test]
    fn select_attrs_are_not_reads_but_dynamic_parts_are() {
        check(
            "x: x.y.${z} or w",
            expect![[r#"
                x@3 -> Param@0
                z@9 -> UNDEFINED
                w@15 -> UNDEFINED"#]],
        );
    }

    #[test]
    fn nested_withs_count() {
        check(
            "with a; with b; c",
            expect![[r#"
                a@5 -> UNDEFINED
                b@13 -> with*1
                c@16 -> with*2"#]],
        );
    }

    #[test]
    fn globals() {
        assert!(is_global("builtins") && is_global("__attrNames") && is_global("__curPos"));
        assert!(is_global("map") && !is_global("__map") && !is_global("__foo") && !is_global("lib"));
    }
}
