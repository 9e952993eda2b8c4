//! Which reads of a module's own `config` an expression makes as soon as it is evaluated (to
//! weak head normal form): the ones that cannot wait for laziness. `config.a` inside an attrset
//! literal, a list element or a function body is read only if someone asks; `config.a` given to
//! `lib.mapAttrs` or tested by `if` is read at once.
//!
//! A read is strict only where Nix's semantics or the library's definition say so (nixpkgs
//! `lib/attrsets.nix`, `lib/lists.nix`, `lib/trivial.nix`: `mapAttrs`, `filterAttrs`,
//! `mapAttrs'`, `mapAttrsToList`, `genAttrs`, `optional`, `optionals`, `optionalAttrs`,
//! `recursiveUpdate` all force the argument named below before returning); any other function
//! may never look at its argument, so nothing below an unknown call counts.

use rnix::SyntaxKind::*;
use smol_str::SmolStr;

use crate::base::text::TextRange;
use crate::summary::extract::read::flatten_apply;
use crate::syntax::names::{BindingKind, BindingValue, NameTable, Resolution};
use crate::syntax::{self, SyntaxNode, first_child, node_near, nth_expr, static_attr, unparen};

/// How much of the value read is needed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Force {
    /// The value itself: it flows into the result or is used as a boolean, number, string or
    /// list.
    Value,
    /// Only its attribute names (`lib.mapAttrs f x`, `x ? a`): an option set (not an option)
    /// gives them without evaluating any definition.
    Names,
    /// Compared (`x == { }`): Nix may stop before evaluating it whole.
    Compared,
}

/// One read of the module's own `config`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Read {
    /// The path after `config`, `None` where a name is known only at evaluation.
    pub(super) path: Option<Vec<SmolStr>>,
    pub(super) range: TextRange,
    pub(super) force: Force,
    /// In a condition (`if`, `lib.optional`'s first argument): its value decides what is
    /// defined, but is no definition itself.
    pub(super) in_condition: bool,
}

/// What the expression's value is to its evaluation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Spine {
    /// A definition's value: forced to weak head normal form when its option is merged.
    Definition,
    /// The value of `imports`: the list and every element are forced while modules are collected
    /// (nixpkgs `lib/modules.nix`, `collectModules`: `loadModule` asks `isFunction`/`isAttrs` of
    /// each).
    Imports,
}

/// Every strict read of the `config` that the lambda at `lambda` binds, in `expr`.
pub(super) fn reads(expr: &SyntaxNode, spine: Spine, lambda: TextRange, names: &NameTable) -> Vec<Read> {
    let mut walk = Walk { spine, lambda, names, out: Vec::new(), depth: 0 };
    walk.expr(expr, Force::Value, false);
    walk.out
}

struct Walk<'a> {
    spine: Spine,
    lambda: TextRange,
    names: &'a NameTable,
    out: Vec<Read>,
    depth: u32,
}

/// How deep the walk follows one expression; the expressions it reads are a definition's head.
const MAX_DEPTH: u32 = 256;

impl Walk<'_> {
    fn expr(&mut self, node: &SyntaxNode, force: Force, in_condition: bool) {
        if self.depth >= MAX_DEPTH {
            return;
        }
        self.depth += 1;
        self.expr_inner(node, force, in_condition);
        self.depth -= 1;
    }

    fn expr_inner(&mut self, node: &SyntaxNode, force: Force, in_condition: bool) {
        let node = unparen(node.clone());
        match node.kind() {
            NODE_IDENT | NODE_SELECT => match self.own_config(&node) {
                Some(path) => self.out.push(Read { path, range: node.text_range(), force, in_condition }),
                // Selecting from a value forces it to an attrset; the attribute is the select's.
                None if node.kind() == NODE_SELECT => {
                    if let Some(base) = nth_expr(&node, 0) {
                        self.expr(&base, Force::Names, in_condition);
                    }
                }
                None => {}
            },
            NODE_LET_IN | NODE_WITH => {
                if let Some(body) = syntax::expr_children(&node).last() {
                    self.expr(&body, force, in_condition);
                }
            }
            NODE_ASSERT | NODE_IF_ELSE => {
                // The condition is forced; the branch that is taken is not known.
                if let Some(condition) = syntax::expr_children(&node).next() {
                    self.expr(&condition, Force::Value, true);
                }
                if node.kind() == NODE_ASSERT
                    && let Some(body) = syntax::expr_children(&node).last()
                {
                    self.expr(&body, force, in_condition);
                }
            }
            NODE_UNARY_OP => {
                if let Some(operand) = nth_expr(&node, 0) {
                    self.expr(&operand, Force::Value, in_condition);
                }
            }
            NODE_HAS_ATTR => {
                if let Some(set) = nth_expr(&node, 0) {
                    self.expr(&set, Force::Names, in_condition);
                }
            }
            NODE_BIN_OP => self.bin_op(&node, force, in_condition),
            NODE_STRING => {
                for part in node.children().filter(|c| c.kind() == NODE_INTERPOL) {
                    if let Some(inner) = nth_expr(&part, 0) {
                        self.expr(&inner, Force::Value, in_condition);
                    }
                }
            }
            NODE_LIST if self.spine == Spine::Imports => {
                for item in syntax::expr_children(&node) {
                    self.expr(&item, Force::Value, in_condition);
                }
            }
            NODE_APPLY => self.apply(&node, in_condition),
            _ => {}
        }
    }

    fn bin_op(&mut self, node: &SyntaxNode, force: Force, in_condition: bool) {
        let operand_force = match syntax::bin_op(node) {
            // The result is made of both sides' attributes.
            Some(TOKEN_UPDATE) => force,
            Some(
                TOKEN_CONCAT | TOKEN_ADD | TOKEN_SUB | TOKEN_MUL | TOKEN_DIV | TOKEN_AND_AND | TOKEN_OR_OR
                | TOKEN_IMPLICATION | TOKEN_LESS | TOKEN_LESS_OR_EQ | TOKEN_MORE | TOKEN_MORE_OR_EQ,
            ) => Force::Value,
            Some(TOKEN_EQUAL | TOKEN_NOT_EQUAL) => Force::Compared,
            // `|>` and `<|` apply a function canopy does not know.
            _ => return,
        };
        // `&&`, `||` and `->` may stop after the left side.
        let lazy_right = matches!(syntax::bin_op(node), Some(TOKEN_AND_AND | TOKEN_OR_OR | TOKEN_IMPLICATION));
        let mut sides = syntax::expr_children(node);
        if let Some(left) = sides.next() {
            self.expr(&left, operand_force, in_condition);
        }
        if let Some(right) = sides.next().filter(|_| !lazy_right) {
            self.expr(&right, operand_force, in_condition);
        }
    }

    fn apply(&mut self, node: &SyntaxNode, in_condition: bool) {
        let (function, args) = flatten_apply(node);
        let Some(name) = self.library_function(&function) else { return };
        let Some(&(_, arity, strict, force)) = STRICT.iter().find(|(n, ..)| *n == name.as_str()) else { return };
        // A function given fewer arguments is a value; given more, its result is called.
        if args.len() != arity {
            return;
        }
        for &index in strict {
            let condition = in_condition || force == Strictness::Condition;
            let force = match force {
                Strictness::Names => Force::Names,
                Strictness::Value | Strictness::Condition => Force::Value,
            };
            self.expr(&args[index], force, condition);
        }
    }

    /// For `config` or `config.a.b` where `config` is the lambda's own argument: the path read,
    /// `None` inside when a name in it is dynamic.
    fn own_config(&self, node: &SyntaxNode) -> Option<Option<Vec<SmolStr>>> {
        let (base, path) = match node.kind() {
            NODE_IDENT => (node.clone(), None),
            NODE_SELECT => (nth_expr(node, 0)?, first_child(node, NODE_ATTRPATH)),
            _ => return None,
        };
        if base.kind() != NODE_IDENT || !self.binds_config(&base) {
            return None;
        }
        let Some(path) = path else { return Some(Some(Vec::new())) };
        Some(path.children().map(|attr| static_attr(&attr).map(|n| n.text)).collect())
    }

    fn binds_config(&self, ident: &SyntaxNode) -> bool {
        let Some(Resolution::Local(id)) = self.names.resolution_at(ident.text_range().start()) else { return false };
        let binding = self.names.binding(id);
        binding.kind == BindingKind::Formal && binding.name == "config" && binding.scope.text_range() == self.lambda
    }

    /// The name of a function of nixpkgs' `lib` or of `builtins`, as the call names it:
    /// `lib.mapAttrs`, `lib.attrsets.mapAttrs`, `builtins.mapAttrs`, `map` (a global), or a bare
    /// name under `with lib;` or bound by `inherit (lib) mapAttrs;`.
    fn library_function(&self, function: &SyntaxNode) -> Option<SmolStr> {
        match function.kind() {
            NODE_SELECT => {
                let base = nth_expr(function, 0)?;
                let attrs = first_child(function, NODE_ATTRPATH)?;
                let last = static_attr(&attrs.children().last()?)?.text;
                is_library(&base).then_some(last)
            }
            NODE_IDENT => {
                let name = syntax::ident_text(function)?;
                let library = match self.names.resolution_at(function.text_range().start())? {
                    Resolution::Global => true,
                    Resolution::Local(id) => match &self.names.binding(id).value {
                        BindingValue::InheritFrom { from } => node_near(function, from).is_some_and(|f| is_library(&f)),
                        _ => false,
                    },
                    // The innermost `with` is asked first, and `lib` has every name listed here.
                    Resolution::With(id) => {
                        let with = node_near(function, &self.names.with_scope(id).node)?;
                        nth_expr(&with, 0).is_some_and(|namespace| is_library(&namespace))
                    }
                    Resolution::Undefined => false,
                };
                library.then_some(name)
            }
            _ => None,
        }
    }
}

/// `lib`, `builtins`, or a part of `lib` (`lib.attrsets`).
fn is_library(node: &SyntaxNode) -> bool {
    let node = unparen(node.clone());
    match node.kind() {
        NODE_IDENT => syntax::ident_text(&node).is_some_and(|n| n == "lib" || n == "builtins"),
        NODE_SELECT => nth_expr(&node, 0)
            .is_some_and(|base| base.kind() == NODE_IDENT && syntax::ident_text(&base).is_some_and(|n| n == "lib")),
        _ => false,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Strictness {
    /// The argument's attribute names are needed.
    Names,
    /// The argument's value is needed.
    Value,
    /// The argument is a condition, needed as a boolean.
    Condition,
}

/// Functions that force arguments, by name: how many arguments a call gives them, which are
/// forced, and how much. From nixpkgs `lib/attrsets.nix` (`mapAttrs` is `builtins.mapAttrs`;
/// `filterAttrs`, `mapAttrs'`, `mapAttrsToList`, `concatMapAttrs` and `recursiveUpdate` start
/// from `attrNames`, `mapAttrs` or `zipAttrsWith` of their sets; `genAttrs` maps over its
/// list), `lib/lists.nix` (`optional`, `optionals`, `flatten`, `unique`, `concatLists`) and
/// `lib/trivial.nix`/`lib/attrsets.nix` (`optionalAttrs`, `optionalString` are
/// `if cond then ... else ...`), and Nix's builtins.
type StrictFunction = (&'static str, usize, &'static [usize], Strictness);

const STRICT: &[StrictFunction] = &[
    ("mapAttrs", 2, &[1], Strictness::Names),
    ("mapAttrs'", 2, &[1], Strictness::Names),
    ("mapAttrsToList", 2, &[1], Strictness::Names),
    ("concatMapAttrs", 2, &[1], Strictness::Names),
    ("filterAttrs", 2, &[1], Strictness::Names),
    ("attrNames", 1, &[0], Strictness::Names),
    ("attrValues", 1, &[0], Strictness::Names),
    ("recursiveUpdate", 2, &[0, 1], Strictness::Names),
    ("hasAttr", 2, &[1], Strictness::Names),
    ("map", 2, &[1], Strictness::Value),
    ("filter", 2, &[1], Strictness::Value),
    ("concatMap", 2, &[1], Strictness::Value),
    ("concatLists", 1, &[0], Strictness::Value),
    ("flatten", 1, &[0], Strictness::Value),
    ("unique", 1, &[0], Strictness::Value),
    ("length", 1, &[0], Strictness::Value),
    ("head", 1, &[0], Strictness::Value),
    ("toString", 1, &[0], Strictness::Value),
    ("concatStringsSep", 2, &[1], Strictness::Value),
    ("genAttrs", 2, &[0], Strictness::Value),
    ("optional", 2, &[0], Strictness::Condition),
    ("optionals", 2, &[0], Strictness::Condition),
    ("optionalAttrs", 2, &[0], Strictness::Condition),
    ("optionalString", 2, &[0], Strictness::Condition),
];
