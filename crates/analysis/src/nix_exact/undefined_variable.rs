//! Names bound nowhere, reported where Nix reports them and, for the first one, in the order Nix
//! finds them.
//!
//! Nix resolves names in a pass over the finished expression (`bindVars`), so it reports the
//! first undefined name in that pass's order, not in the text's: the attributes of a set in
//! symbol order (see `symbols`) with nested paths and merged literals folded in, then the dynamic
//! ones; `x.${a} or b` reads `b` before `a`; `a > b` and `a <= b` read `b` first (they are
//! `lessThan b a`); `a |> f` reads `f` first; a lambda's defaults in symbol order of the formals.

use std::collections::BTreeMap;

use rnix::SyntaxKind::*;
use rustc_hash::FxHashSet;
use smol_str::SmolStr;

use crate::base::diagnostics::{DiagnosticKind, Finding};
use crate::base::text::{TextRange, TextSize};
use crate::syntax::names::{NameTable, NameUse, Resolution};
use crate::syntax::{self, SyntaxNode, first_child, static_attr, unparen};

use super::symbols::{SymbolKey, SymbolOrder};

/// Every undefined name that ends before `before`, in source order.
pub(crate) fn diagnostics(root: &SyntaxNode, names: &NameTable, before: Option<TextSize>) -> Vec<Finding> {
    undefined_uses(names, before)
        .map(|u| {
            let range = legacy_or_range(root, u.range).unwrap_or(u.range);
            Finding::new(DiagnosticKind::UndefinedVariable, range, format!("undefined variable '{}'", u.name))
        })
        .collect()
}

fn undefined_uses(names: &NameTable, before: Option<TextSize>) -> impl Iterator<Item = &NameUse> {
    names
        .uses
        .iter()
        .filter(|u| u.resolution == Resolution::Undefined)
        .filter(move |u| before.is_none_or(|limit| u.range.end() <= limit))
}

/// `f or` applies `f` to a variable named `or`, which Nix places at `f`.
fn legacy_or_range(root: &SyntaxNode, range: TextRange) -> Option<TextRange> {
    let token = root.covering_element(range).into_token()?;
    if token.text() != "or" {
        return None;
    }
    let ident = token.parent()?;
    let apply = ident.parent().filter(|p| p.kind() == NODE_APPLY)?;
    let function = apply.children().next().filter(|f| f != &ident)?;
    Some(TextRange::new(syntax::trimmed_range(&function).start(), range.end()))
}

/// The index in `diagnostics(root, names, before)` of the one Nix reports first.
pub(crate) fn nix_first(root: &SyntaxNode, names: &NameTable, before: Option<TextSize>) -> usize {
    let targets: Vec<TextSize> = undefined_uses(names, before).map(|u| u.range.start()).collect();
    if targets.len() < 2 {
        return 0;
    }
    let lookup: FxHashSet<TextSize> = targets.iter().copied().collect();
    let symbols = SymbolOrder::from_tree(root);
    let mut walker = Walker { targets: &lookup, symbols: &symbols, depth: 0 };
    walker.visit(root).and_then(|found| targets.iter().position(|&t| t == found)).unwrap_or(0)
}

/// The attributes of one set as Nix stores them: static ones by symbol, then dynamic ones.
#[derive(Default)]
struct SetOrder {
    statics: BTreeMap<(SymbolKey, SmolStr), Entry>,
    dynamics: Vec<(SyntaxNode, Entry)>,
}

enum Entry {
    Value(SyntaxNode),
    /// `inherit x;`: the variable `x`, read where the name stands.
    Inherit(TextSize),
    /// `inherit (e) x;`: `e` is read once per name.
    InheritFrom(SyntaxNode),
    Set(SetOrder),
}

struct Walker<'a> {
    targets: &'a FxHashSet<TextSize>,
    symbols: &'a SymbolOrder,
    depth: u32,
}

impl Walker<'_> {
    fn visit(&mut self, node: &SyntaxNode) -> Option<TextSize> {
        if self.depth >= syntax::MAX_DEPTH {
            return None;
        }
        self.depth += 1;
        let found = crate::base::stack::with_stack(|| self.visit_inner(node));
        self.depth -= 1;
        found
    }

    fn visit_inner(&mut self, node: &SyntaxNode) -> Option<TextSize> {
        match node.kind() {
            NODE_IDENT => {
                let start = node.text_range().start();
                self.targets.contains(&start).then_some(start)
            }
            NODE_SELECT => {
                // The value, then the default, then the dynamic parts of the path.
                let path = first_child(node, NODE_ATTRPATH);
                for child in node.children().filter(|c| c.kind() != NODE_ATTRPATH) {
                    if let Some(found) = self.visit(&child) {
                        return Some(found);
                    }
                }
                path.and_then(|p| self.visit_children(&p))
            }
            NODE_BIN_OP => {
                let mut operands: Vec<SyntaxNode> = syntax::expr_children(node).collect();
                if matches!(syntax::bin_op(node), Some(TOKEN_LESS_OR_EQ | TOKEN_MORE | TOKEN_PIPE_RIGHT)) {
                    operands.reverse();
                }
                operands.iter().find_map(|o| self.visit(o))
            }
            NODE_ATTR_SET | NODE_LEGACY_LET => {
                let set = self.set_order(node);
                self.visit_set(&set)
            }
            NODE_LET_IN => {
                let set = self.set_order(node);
                if let Some(found) = self.visit_set(&set) {
                    return Some(found);
                }
                syntax::expr_children(node).find_map(|body| self.visit(&body))
            }
            NODE_LAMBDA => self.visit_lambda(node),
            _ => self.visit_children(node),
        }
    }

    fn visit_children(&mut self, node: &SyntaxNode) -> Option<TextSize> {
        node.children().find_map(|child| self.visit(&child))
    }

    fn visit_lambda(&mut self, node: &SyntaxNode) -> Option<TextSize> {
        if let Some(pattern) = first_child(node, NODE_PATTERN) {
            let mut entries: Vec<(SymbolKey, TextSize, SyntaxNode)> = pattern
                .children()
                .filter(|c| c.kind() == NODE_PAT_ENTRY)
                .filter_map(|entry| {
                    let name = first_child(&entry, NODE_IDENT)?;
                    let key = self.symbols.key(&syntax::ident_text(&name)?);
                    Some((key, name.text_range().start(), entry))
                })
                .collect();
            entries.sort_by_key(|(key, at, _)| (*key, *at));
            for (_, _, entry) in &entries {
                for default in syntax::expr_children(entry).skip(1) {
                    if let Some(found) = self.visit(&default) {
                        return Some(found);
                    }
                }
            }
        }
        node.children().filter(|c| syntax::is_expr(c.kind())).find_map(|body| self.visit(&body))
    }

    fn visit_set(&mut self, set: &SetOrder) -> Option<TextSize> {
        for entry in set.statics.values() {
            if let Some(found) = self.visit_entry(entry) {
                return Some(found);
            }
        }
        for (name, entry) in &set.dynamics {
            if let Some(found) = self.visit(name).or_else(|| self.visit_entry(entry)) {
                return Some(found);
            }
        }
        None
    }

    fn visit_entry(&mut self, entry: &Entry) -> Option<TextSize> {
        match entry {
            Entry::Value(value) | Entry::InheritFrom(value) => self.visit(value),
            Entry::Inherit(at) => self.targets.contains(at).then_some(*at),
            Entry::Set(set) => self.visit_set(set),
        }
    }

    /// The set a let, rec set or attrset literal builds, with paths nested and literals merged.
    fn set_order(&mut self, node: &SyntaxNode) -> SetOrder {
        let mut set = SetOrder::default();
        for entry in node.children() {
            match entry.kind() {
                NODE_ATTRPATH_VALUE => {
                    let Some(attrs) = syntax::attrpath_of(&entry) else { continue };
                    let Some(value) = syntax::nth_expr(&entry, 0) else { continue };
                    self.insert(&mut set, &attrs, value);
                }
                NODE_INHERIT => {
                    let from = first_child(&entry, NODE_INHERIT_FROM).and_then(|f| syntax::nth_expr(&f, 0));
                    for attr in entry.children().filter(|c| c.kind() != NODE_INHERIT_FROM) {
                        let Some(name) = static_attr(&attr) else { continue };
                        let key = (self.symbols.key(&name.text), name.text.clone());
                        let value = match &from {
                            Some(from) => Entry::InheritFrom(from.clone()),
                            None => Entry::Inherit(name.range.start()),
                        };
                        set.statics.entry(key).or_insert(value);
                    }
                }
                _ => {}
            }
        }
        set
    }

    fn insert(&mut self, set: &mut SetOrder, attrs: &[SyntaxNode], value: SyntaxNode) {
        let Some((first, rest)) = attrs.split_first() else { return };
        let Some(name) = static_attr(first) else {
            let inner = match rest.is_empty() {
                true => Entry::Value(value),
                false => {
                    let mut nested = SetOrder::default();
                    self.insert(&mut nested, rest, value);
                    Entry::Set(nested)
                }
            };
            let name = match first.kind() {
                NODE_DYNAMIC => syntax::nth_expr(first, 0).unwrap_or_else(|| first.clone()),
                _ => first.clone(),
            };
            set.dynamics.push((name, inner));
            return;
        };
        let key = (self.symbols.key(&name.text), name.text.clone());
        if rest.is_empty() {
            let literal = literal_set(&value);
            match (set.statics.get_mut(&key), literal) {
                // A later literal merges into an earlier set, one level deep.
                (Some(Entry::Set(existing)), Some(literal)) => {
                    let later = self.set_order(&literal);
                    for (key, entry) in later.statics {
                        existing.statics.entry(key).or_insert(entry);
                    }
                }
                (Some(_), _) => {}
                (None, Some(literal)) => {
                    let built = self.set_order(&literal);
                    set.statics.insert(key, Entry::Set(built));
                }
                (None, None) => {
                    set.statics.insert(key, Entry::Value(value));
                }
            }
            return;
        }
        let entry = set.statics.entry(key).or_insert_with(|| Entry::Set(SetOrder::default()));
        if let Entry::Set(nested) = entry {
            self.insert(nested, rest, value);
        }
    }
}

/// The attrset literal an expression is, through parentheses (`rec` included, `let {}` not).
fn literal_set(value: &SyntaxNode) -> Option<SyntaxNode> {
    let inner = unparen(value.clone());
    (inner.kind() == NODE_ATTR_SET).then_some(inner)
}

#[cfg(test)]
mod tests {
    use expect_test::{Expect, expect};

    use crate::base::diagnostics::DiagnosticKind;

    /// The undefined-variable findings, the first one Nix's.
    fn check(src: &str, expect: Expect) {
        let parse = crate::syntax::parse(src);
        let names = crate::syntax::names::NameTable::build(&parse.root());
        let rendered: Vec<String> = super::super::parse_time_diagnostics(src, &parse, &names)
            .into_iter()
            .filter(|d| d.kind == DiagnosticKind::UndefinedVariable)
            .map(|d| format!("{}@{}", d.message, u32::from(d.range.start())))
            .collect();
        expect.assert_eq(&rendered.join("\n"));
    }

    #[test]
    fn attributes_in_symbol_order() {
        check(
            "{ b = x; a = y; }",
            expect![[r#"
            undefined variable 'x'@6
            undefined variable 'y'@13"#]],
        );
        check(
            "{ foo = x; name = y; }",
            expect![[r#"
            undefined variable 'y'@18
            undefined variable 'x'@8"#]],
        );
        check(
            "{ c = a; b = x; a = y; }",
            expect![[r#"
                undefined variable 'a'@6
                undefined variable 'x'@13
                undefined variable 'y'@20"#]],
        );
    }

    #[test]
    fn nested_paths_and_dynamic_attributes() {
        check(
            "{ ${p} = q; a.y = x1; b = x2; a.c = x3; }",
            expect![[r#"
                undefined variable 'x1'@18
                undefined variable 'p'@4
                undefined variable 'q'@9
                undefined variable 'x2'@26
                undefined variable 'x3'@36"#]],
        );
    }

    #[test]
    fn operand_order() {
        check(
            "x.${a} or b",
            expect![[r#"
            undefined variable 'x'@0
            undefined variable 'a'@4
            undefined variable 'b'@10"#]],
        );
        check(
            "a.${b} or c",
            expect![[r#"
            undefined variable 'a'@0
            undefined variable 'b'@4
            undefined variable 'c'@10"#]],
        );
        check(
            "(y: y.${b} or c) 1",
            expect![[r#"
            undefined variable 'c'@14
            undefined variable 'b'@8"#]],
        );
        check(
            "a <= b",
            expect![[r#"
            undefined variable 'b'@5
            undefined variable 'a'@0"#]],
        );
        check(
            "a |> f",
            expect![[r#"
            undefined variable 'f'@5
            undefined variable 'a'@0"#]],
        );
    }

    #[test]
    fn legacy_or_is_reported_at_the_function() {
        check("x: x or", expect!["undefined variable 'or'@3"]);
    }
}
