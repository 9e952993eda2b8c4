//! What a name is bound to: the bindings of one file, and how a binding set's entries bind.

use rnix::SyntaxKind::*;
use rowan::ast::SyntaxNodePtr;
use smol_str::SmolStr;

use crate::base::text::TextRange;
use crate::syntax::{self, SyntaxNode, first_child, nth_expr, static_attr};

pub(crate) type NodePtr = SyntaxNodePtr<rnix::NixLanguage>;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct BindingId(pub u32);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum BindingKind {
    /// `let x = ...;` (or `let inherit ...;`)
    Let,
    /// An attribute of a `rec { }` set or of a legacy `let { }`.
    Rec,
    /// `x: ...`
    Param,
    /// `{ x, ... }: ...`
    Formal,
    /// `{ ... }@x: ...`
    PatternAlias,
}

/// Where a binding's value comes from, so callers can follow aliases.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum BindingValue {
    /// A lambda argument: a value supplied by the caller.
    Argument,
    /// `x = e;`
    Expr(NodePtr),
    /// `x.y = e;` (possibly several entries): the entries of this let or attrset node whose first
    /// attribute is the binding's name.
    Nested(NodePtr),
    /// `inherit x;`: the name at `use_range` is looked up outside the binding's scope.
    Inherit { use_range: TextRange },
    /// `inherit (e) x;`
    InheritFrom { from: NodePtr },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Binding {
    pub(crate) name: SmolStr,
    /// The name at its binding site.
    pub(crate) range: TextRange,
    pub(crate) kind: BindingKind,
    pub(crate) value: BindingValue,
    /// The node that opens the binding's scope (lambda, let, rec attrset).
    pub(crate) scope: NodePtr,
}

/// The bindings of one entry of a let, rec set or legacy let, in `scope`: its first name, or the
/// names it inherits.
pub(super) fn entry_bindings(entry: &SyntaxNode, kind: BindingKind, scope: NodePtr, mut bind: impl FnMut(Binding)) {
    match entry.kind() {
        NODE_ATTRPATH_VALUE => {
            let Some(path) = first_child(entry, NODE_ATTRPATH) else { return };
            let mut attrs = path.children();
            let Some(name) = attrs.next().and_then(|first| static_attr(&first)) else { return };
            let value = binding_value(entry, attrs.next().is_none(), scope);
            bind(Binding { name: name.text, range: name.range, kind, value, scope });
        }
        NODE_INHERIT => {
            let from = inherit_source(entry);
            for attr in entry.children().filter(|c| c.kind() != NODE_INHERIT_FROM) {
                let Some(name) = static_attr(&attr) else { continue };
                let value = inherited(from, &name);
                bind(Binding { name: name.text, range: name.range, kind, value, scope });
            }
        }
        _ => {}
    }
}

/// What a name of `entry`'s path binds in `scope`: the entry's value for its `last` name, else
/// the entries under it.
pub(super) fn binding_value(entry: &SyntaxNode, last: bool, scope: NodePtr) -> BindingValue {
    if !last {
        return BindingValue::Nested(scope);
    }
    match nth_expr(entry, 0) {
        Some(value) => BindingValue::Expr(NodePtr::new(&value)),
        None => BindingValue::Argument,
    }
}

/// The `(e)` of an `inherit (e) ...;` entry.
pub(super) fn inherit_source(entry: &SyntaxNode) -> Option<NodePtr> {
    first_child(entry, NODE_INHERIT_FROM).and_then(|f| nth_expr(&f, 0)).map(|e| NodePtr::new(&e))
}

/// What an inherited name is bound to, given its entry's source.
pub(super) fn inherited(from: Option<NodePtr>, name: &syntax::StaticName) -> BindingValue {
    match from {
        Some(from) => BindingValue::InheritFrom { from },
        None => BindingValue::Inherit { use_range: name.range },
    }
}
