//! Reading calls and names from the tree, as the extractor needs them.

use rnix::SyntaxKind::*;
use smol_str::SmolStr;

use crate::summary::{Name, NameOrigin};
use crate::syntax::{self, NameForm, SyntaxNode, first_child, nth_expr, static_attr, unparen};

pub(super) fn name_of(name: syntax::StaticName) -> Name {
    let origin = match name.form {
        NameForm::Ident => NameOrigin::Ident,
        NameForm::Quoted => NameOrigin::Quoted,
    };
    Name { text: name.text, range: name.range, origin }
}

pub(super) fn first_attr_name(entry: &SyntaxNode) -> Option<syntax::StaticName> {
    first_child(entry, NODE_ATTRPATH).and_then(|p| p.children().next()).and_then(|a| static_attr(&a))
}

/// `f a b c` as `(f, [a, b, c])`.
pub(super) fn flatten_apply(node: &SyntaxNode) -> (SyntaxNode, Vec<SyntaxNode>) {
    let mut args = Vec::new();
    let mut current = unparen(node.clone());
    while current.kind() == NODE_APPLY {
        let mut parts = syntax::expr_children(&current);
        let (Some(function), Some(arg)) = (parts.next(), parts.next()) else { break };
        drop(parts);
        args.push(arg);
        current = unparen(function);
    }
    args.reverse();
    (current, args)
}

/// The name a function is called by: `mkIf` for `lib.mkIf`, `lib.modules.mkIf` or `mkIf`.
pub(super) fn function_name(function: &SyntaxNode) -> Option<SmolStr> {
    let function = unparen(function.clone());
    match function.kind() {
        NODE_IDENT => syntax::ident_text(&function),
        NODE_SELECT => {
            let path = first_child(&function, NODE_ATTRPATH)?;
            static_attr(&path.children().last()?).map(|n| n.text)
        }
        _ => None,
    }
}

pub(super) fn is_cur_pos_file(node: &SyntaxNode) -> bool {
    node.kind() == NODE_SELECT
        && nth_expr(node, 0).is_some_and(|b| b.kind() == NODE_CUR_POS)
        && first_child(node, NODE_ATTRPATH)
            .and_then(|p| p.children().next())
            .and_then(|a| static_attr(&a))
            .is_some_and(|n| n.text == "file")
}

/// A flake: an attrset with `outputs`. A file named `flake.nix` that is not one is a module like
/// any other (`modules/flake.nix`, which import-tree loads as a flake-parts module).
pub(super) fn is_flake(expr: &SyntaxNode) -> bool {
    let set = unparen(expr.clone());
    set.kind() == NODE_ATTR_SET
        && set
            .children()
            .filter(|e| e.kind() == NODE_ATTRPATH_VALUE)
            .any(|entry| first_attr_name(&entry).is_some_and(|n| n.text == "outputs"))
}
