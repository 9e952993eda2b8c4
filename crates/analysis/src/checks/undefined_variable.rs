//! `undefined-variable`'s fix (the finding itself is Nix's, made while the file is read, in
//! `nix_exact`): a name the module system gives every module that asks for it, used in a module
//! that does not ask, is added to the module's argument pattern.

use rnix::SyntaxKind::*;

use super::edits;
use crate::base::diagnostics::Finding;
use crate::base::fix::Fix;
use crate::base::{FileId, FileRole};
use crate::graph::store::Graph;

/// Arguments every module system gives every module.
const EVERY_MODULE: &[&str] = &["config", "lib", "options"];
/// Arguments NixOS, nix-darwin and home-manager give their modules, but flake-parts does not give
/// top-level ones.
const LOWER_LEVEL: &[&str] = &["pkgs", "modulesPath"];
/// Arguments flake-parts gives top-level modules.
const TOP_LEVEL: &[&str] = &["inputs", "self"];

/// How far above the name the module is looked for.
const MAX_LEVELS: usize = 256;

/// Adds the name to the argument pattern of the innermost module around it: a function with a
/// `{ ..., ... }` pattern. Never safe: canopy cannot always tell a module from another function
/// taking a set.
pub(super) fn fixes(graph: &Graph, file: FileId, finding: &Finding) -> Vec<Fix> {
    // Most undefined names are none of these: they cost no tree (a file may hold thousands).
    let name = graph.text(file).get(std::ops::Range::<usize>::from(finding.range)).unwrap_or_default().to_owned();
    if ![EVERY_MODULE, LOWER_LEVEL, TOP_LEVEL].iter().any(|names| names.contains(&name.as_str())) {
        return Vec::new();
    }
    let tree = graph.tree(file);
    let root = tree.root();
    let Some(node) = edits::covering(&root, finding.range) else { return Vec::new() };
    // A module lies a few levels above what it reads: a deep chain of operators holds none.
    let mut around = node.ancestors().take(MAX_LEVELS);
    let Some(lambda) = around.find(|n| edits::pattern_names(n).is_some_and(|(_, ellipsis)| ellipsis)) else {
        return Vec::new();
    };
    let outermost = edits::top_expr(&root).is_some_and(|top| top == lambda);
    let top_level = outermost && matches!(graph.role(file), FileRole::TopLevel | FileRole::Flake);
    let provided = EVERY_MODULE.contains(&name.as_str())
        || (!top_level && LOWER_LEVEL.contains(&name.as_str()))
        || (top_level && TOP_LEVEL.contains(&name.as_str()));
    if node.kind() != NODE_IDENT || !provided {
        return Vec::new();
    }
    let Some(edit) = edits::add_to_pattern(&lambda, &name) else { return Vec::new() };
    vec![Fix::edit(format!("Add `{name}` to the module's arguments"), file, vec![edit]).preferred(true)]
}
