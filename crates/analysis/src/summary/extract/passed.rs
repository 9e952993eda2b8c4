//! What a file passes down to lower-level modules as arguments of their own: `specialArgs` of
//! `lib.nixosSystem` and friends, `extraSpecialArgs` of home-manager. Only the flake's `inputs`
//! and `self` are looked for: they make `inputs.self.modules...` in a lower-level module a
//! reference to the flake's aspects (dendritic.md §8.4).

use rnix::SyntaxKind::*;
use smol_str::SmolStr;

use super::read::name_of;
use super::{Extractor, FUEL, PathValue};
use crate::summary::RefRoot;
use crate::syntax::{self, SyntaxNode, first_child, nth_expr, static_attr, unparen};

/// The attributes whose value is handed to every module of an evaluation as its arguments.
fn is_special_args(name: &str) -> bool {
    matches!(name, "specialArgs" | "extraSpecialArgs")
}

/// How deep `//` is followed inside a `specialArgs` value.
const UPDATE_DEPTH: u32 = 8;

impl<'a> Extractor<'a> {
    /// Finds `specialArgs = { inherit inputs; }`, `specialArgs.inputs = inputs;`,
    /// `home-manager.extraSpecialArgs = { inherit (inputs) self; };` and the like, anywhere in
    /// the file: wherever it is written, some evaluation's modules get the argument.
    pub(super) fn passed_down(&mut self, root: &SyntaxNode) {
        for entry in root.descendants().filter(|n| n.kind() == NODE_ATTRPATH_VALUE) {
            let Some(path) = first_child(&entry, NODE_ATTRPATH) else { continue };
            let Some(value) = nth_expr(&entry, 0) else { continue };
            let names: Vec<Option<SmolStr>> = path.children().map(|a| static_attr(&a).map(|n| n.text)).collect();
            let Some(at) = names.iter().rposition(|n| n.as_deref().is_some_and(is_special_args)) else { continue };
            match &names[at + 1..] {
                [] => self.special_args(&value, UPDATE_DEPTH),
                [Some(argument)] => self.pass(argument, self.eval_path(&value, FUEL)),
                _ => {}
            }
        }
    }

    /// The value of `specialArgs`: a set of arguments, or the flake's inputs whole (every input,
    /// `self` among them, becomes an argument).
    fn special_args(&mut self, value: &SyntaxNode, depth: u32) {
        let Some(depth) = depth.checked_sub(1) else { return };
        let value = unparen(value.clone());
        match value.kind() {
            NODE_ATTR_SET => {
                for entry in value.children() {
                    match entry.kind() {
                        NODE_ATTRPATH_VALUE => {
                            let Some(path) = first_child(&entry, NODE_ATTRPATH) else { continue };
                            let mut attrs = path.children();
                            let (Some(first), None) = (attrs.next(), attrs.next()) else { continue };
                            let (Some(name), Some(argument)) = (static_attr(&first), nth_expr(&entry, 0)) else {
                                continue;
                            };
                            let passed = self.eval_path(&argument, FUEL);
                            self.pass(&name.text, passed);
                        }
                        NODE_INHERIT => self.inherited_args(&entry),
                        _ => {}
                    }
                }
            }
            NODE_BIN_OP if syntax::bin_op(&value) == Some(TOKEN_UPDATE) => {
                for side in syntax::expr_children(&value) {
                    self.special_args(&side, depth);
                }
            }
            _ => {
                if self.eval_path(&value, FUEL).is_some_and(|v| is_inputs(&v)) {
                    self.note_passed("self");
                }
            }
        }
    }

    /// `inherit inputs self;` or `inherit (inputs) self;` in a `specialArgs` set.
    fn inherited_args(&mut self, entry: &SyntaxNode) {
        let from = first_child(entry, NODE_INHERIT_FROM).and_then(|f| nth_expr(&f, 0));
        let source = from.as_ref().map(|from| self.eval_path(from, FUEL));
        for attr in entry.children().filter(|c| c.kind() != NODE_INHERIT_FROM) {
            let Some(name) = static_attr(&attr) else { continue };
            let passed = match &source {
                Some(source) => source.clone().map(|s| self.extend(s, name_of(name.clone()))),
                None => self.eval_path(&attr, FUEL),
            };
            self.pass(&name.text, passed);
        }
    }

    /// The argument `argument` is given `passed`: noted when it is the flake's own.
    fn pass(&mut self, argument: &str, passed: Option<PathValue>) {
        let Some(passed) = passed else { return };
        let own = match argument {
            "inputs" => is_inputs(&passed),
            "self" => is_self(&passed),
            _ => false,
        };
        if own {
            self.note_passed(argument);
        }
    }

    fn note_passed(&mut self, argument: &str) {
        self.out.passes_down.push(SmolStr::new(argument));
    }
}

/// The flake's inputs themselves: the top-level argument, or one a lower-level module was given.
fn is_inputs(value: &PathValue) -> bool {
    let root = match &value.root {
        RefRoot::Input(input) => input.is_empty(),
        RefRoot::PassedDown(argument) => argument == "inputs",
        _ => false,
    };
    root && value.path.is_empty() && !value.dynamic_tail
}

/// The flake's outputs: `self`, `inputs.self`, `config.flake` (the normalised path is `flake`).
fn is_self(value: &PathValue) -> bool {
    matches!(value.root, RefRoot::Config | RefRoot::PassedDown(_))
        && !value.dynamic_tail
        && matches!(&value.path[..], [flake] if flake.text == "flake")
}
