//! What Nix's parser does with the entries of one binding set that share a path: it builds one
//! attrset of them (`{ a = rec { b = 1; }; a.c = b; }` is `{ a = rec { b = 1; c = b; }; }`), so a
//! value written beside a `rec` set reads that set's names, and a `rec` set merged into an
//! earlier one keeps nothing of its `rec` (`{ a.c = 1; a = rec { b = 1; d = b; }; }` does not bind
//! `b` for `d`).
//!
//! Each binding set's entries go through the model of Nix's attrsets (`syntax::attrsets`) as it
//! is entered, before its values are read. A literal's own entries are added only when a path
//! walks into it or it merges, and most sets stop before the model: a file without a `rec` set,
//! or a set whose entries all start with different names, merges nothing that changes a scope.

use rnix::SyntaxKind::*;
use rustc_hash::{FxHashMap, FxHashSet};
use smol_str::SmolStr;

use crate::base::text::holds;
use crate::syntax::attrsets::{Added, AttrSets, Literals, PathAttr, SetId};
use crate::syntax::{self, SyntaxNode, first_child, static_attr};

use super::bindings::{Binding, BindingKind, NodePtr, binding_value, entry_bindings, inherit_source, inherited};

/// Where Nix's merging moves entries and names, filled in as each binding set is entered.
#[derive(Default)]
pub(super) struct Merges {
    /// Whether the file has a `rec` set at all: without one, merging changes no scope.
    possible: bool,
    /// Entries Nix reads inside a `rec` set other than the one they are written in, by that set
    /// (the innermost `rec` set on the entry's path).
    into: FxHashMap<NodePtr, Vec<SyntaxNode>>,
    /// The names those entries (and merged literals) add to that set.
    names: FxHashMap<NodePtr, Vec<Binding>>,
    /// The entries in `into`, which are not read where they are written.
    moved: FxHashSet<NodePtr>,
    /// Literals merged into an earlier set: plain sets to Nix even when written `rec`, whose
    /// entries the enclosing set's plan placed already.
    merged: FxHashSet<NodePtr>,
}

impl Merges {
    pub(super) fn new(root: &SyntaxNode) -> Merges {
        Merges { possible: has_rec_set(root), ..Merges::default() }
    }

    /// Records, before `set`'s values are read, which of its entries Nix moves into a `rec` set.
    /// Only entries that share a first name can merge, so most sets stop at the first look.
    pub(super) fn plan(&mut self, set: &SyntaxNode) {
        if !self.possible || self.is_merged(set) || !repeats_a_first_name(set) {
            return;
        }
        let mut sets = Sets::default();
        // The set itself: its entries are read where they are written, whatever it is.
        let root = sets.new_set(false);
        let mut plan = Plan { merges: self, own: false };
        for entry in set.children() {
            plan.entry(&mut sets, root, &entry, None);
        }
    }

    /// Whether `set` is a literal merged into an earlier set (a plain set, even written `rec`).
    pub(super) fn is_merged(&self, set: &SyntaxNode) -> bool {
        !self.merged.is_empty() && self.merged.contains(&NodePtr::new(set))
    }

    /// Whether Nix moves `entry` into a `rec` set elsewhere, which reads it in its own scope.
    pub(super) fn is_moved(&self, entry: &SyntaxNode) -> bool {
        !self.moved.is_empty() && self.moved.contains(&NodePtr::new(entry))
    }

    /// The entries written elsewhere that Nix moves into the `rec` set `set`, and the names they
    /// add to it.
    pub(super) fn take_landed(&mut self, set: &SyntaxNode) -> (Vec<SyntaxNode>, Vec<Binding>) {
        if self.into.is_empty() && self.names.is_empty() {
            return (Vec::new(), Vec::new());
        }
        let ptr = NodePtr::new(set);
        (self.into.remove(&ptr).unwrap_or_default(), self.names.remove(&ptr).unwrap_or_default())
    }
}

type Sets = AttrSets<SmolStr, SyntaxNode>;

/// Feeds one binding set's entries to the model, and records in `merges` where they land.
struct Plan<'m> {
    merges: &'m mut Merges,
    /// Adding the own entries of a literal a path walked into. Its own plan, when the name table
    /// reaches it, records where they land; here they only shape the sets.
    own: bool,
}

impl Literals<SmolStr, SyntaxNode> for Plan<'_> {
    fn expand(&mut self, sets: &mut Sets, set: SetId, literal: SyntaxNode, within: Option<SetId>, merged: bool) {
        // A merged literal gets no plan of its own (it is read as a plain set), so its entries
        // are this plan's to record.
        let own = self.own;
        self.own = own || !merged;
        for entry in literal.children() {
            self.entry(sets, set, &entry, within);
        }
        self.own = own;
    }
}

impl Plan<'_> {
    fn entry(&mut self, sets: &mut Sets, set: SetId, entry: &SyntaxNode, within: Option<SetId>) {
        match entry.kind() {
            NODE_ATTRPATH_VALUE => self.binding(sets, set, entry, within),
            NODE_INHERIT => {
                let from = inherit_source(entry);
                for attr in entry.children() {
                    let Some(name) = static_attr(&attr) else { continue };
                    if sets.inherit(set, &name.text, name.range, from.is_some()).is_none()
                        && let Some(scope) = self.names_scope(sets, set)
                    {
                        let value = inherited(from, &name);
                        let binding =
                            Binding { name: name.text, range: name.range, kind: BindingKind::Rec, value, scope };
                        self.merges.names.entry(scope).or_default().push(binding);
                    }
                }
                self.land(sets, entry, within);
            }
            _ => {}
        }
    }

    fn binding(&mut self, sets: &mut Sets, set: SetId, entry: &SyntaxNode, within: Option<SetId>) {
        let path: Vec<PathAttr<SmolStr>> = first_child(entry, NODE_ATTRPATH)
            .into_iter()
            .flat_map(|path| path.children())
            .map(|attr| match static_attr(&attr) {
                Some(name) => PathAttr { name: Some(name.text), range: name.range },
                None => PathAttr { name: None, range: attr.text_range() },
            })
            .collect();
        let literal = syntax::nth_expr(entry, 0).map(syntax::unparen).filter(|v| v.kind() == NODE_ATTR_SET);
        let value = literal.map(|literal| {
            let rec = syntax::has_token(&literal, TOKEN_REC);
            sets.new_literal(literal, rec)
        });
        match sets.add_attr(set, &path, value, within, self) {
            Added::Defined { within, new } => {
                if let Some((at, into)) = new
                    && let Some(scope) = self.names_scope(sets, into)
                    && let Some(name) = &path[at].name
                {
                    let value = binding_value(entry, at + 1 == path.len(), scope);
                    let binding =
                        Binding { name: name.clone(), range: path[at].range, kind: BindingKind::Rec, value, scope };
                    self.merges.names.entry(scope).or_default().push(binding);
                }
                self.land(sets, entry, within);
            }
            Added::Merged { from, into, .. } => {
                let Some(literal) = sets.literal(from) else { return };
                self.merges.merged.insert(NodePtr::new(literal));
                // The names both sets define keep the earlier binding, as in Nix: the first
                // binding of a name wins (`Builder::bind`).
                if let Some(scope) = self.names_scope(sets, into) {
                    let names = self.merges.names.entry(scope).or_default();
                    for entry in literal.children() {
                        entry_bindings(&entry, BindingKind::Rec, scope, |binding| names.push(binding));
                    }
                }
            }
            // Defined twice: an error Nix reports; the value is read where it is written.
            Added::Duplicate { .. } => {}
        }
    }

    /// The scope in which a name this plan adds to `set` is bound: a `rec` literal's, unless
    /// the literal's own plan binds it.
    fn names_scope(&self, sets: &Sets, set: SetId) -> Option<NodePtr> {
        sets.recursive(set).filter(|_| !self.own).map(NodePtr::new)
    }

    /// Records that `entry` is read in `within`'s scope, if that is not where it is written.
    fn land(&mut self, sets: &Sets, entry: &SyntaxNode, within: Option<SetId>) {
        if self.own {
            return;
        }
        let Some(rec_set) = within.and_then(|set| sets.literal(set)) else { return };
        if self.merges.moved.insert(NodePtr::new(entry)) {
            self.merges.into.entry(NodePtr::new(rec_set)).or_default().push(entry.clone());
        }
    }
}

/// Whether two entries of `set` start with the same name: only then can anything merge.
fn repeats_a_first_name(set: &SyntaxNode) -> bool {
    let mut seen = FxHashSet::default();
    set.children().any(|entry| match entry.kind() {
        NODE_ATTRPATH_VALUE => first_child(&entry, NODE_ATTRPATH)
            .and_then(|path| path.first_child())
            .and_then(|first| static_attr(&first))
            .is_some_and(|name| !seen.insert(name.text)),
        NODE_INHERIT => entry.children().filter_map(|a| static_attr(&a)).any(|name| !seen.insert(name.text)),
        _ => false,
    })
}

/// Whether the tree holds a `rec` set (or a legacy `let`, which is one). Read from the green
/// tree, which costs no allocation: most files have none, and then no set needs a plan.
/// Whether the text could hold a `rec` set or a legacy `let` (`let {`), with a byte search in
/// place of `has_rec_set`'s walk of the tree: a `rec` token is the text `rec`, and a legacy
/// `let` is `let` then, past any spaces, `{` (or a comment, taken as maybe).
pub(crate) fn may_merge(text: &str) -> bool {
    holds(text, "rec")
        || memchr::memmem::find_iter(text.as_bytes(), b"let").any(|at| {
            let after = text.as_bytes()[at + 3..].iter().find(|b| !b.is_ascii_whitespace());
            matches!(after, Some(b'{' | b'#' | b'/'))
        })
}

fn has_rec_set(root: &SyntaxNode) -> bool {
    let green = root.green();
    let mut stack: Vec<&rowan::GreenNodeData> = vec![&green];
    while let Some(node) = stack.pop() {
        if node.kind() == rowan::SyntaxKind(NODE_LEGACY_LET as u16) {
            return true;
        }
        for child in node.children() {
            match child {
                rowan::NodeOrToken::Node(n) => stack.push(n),
                rowan::NodeOrToken::Token(t) => {
                    if t.kind() == rowan::SyntaxKind(TOKEN_REC as u16) {
                        return true;
                    }
                }
            }
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::may_merge;

    #[test]
    fn a_text_may_merge_where_it_holds_rec_or_a_legacy_let() {
        for text in [
            "rec { a = 1; }",
            "let { body = 1; }",
            "let\n  # old style\n  { body = 1; }",
            "let/**/{ body = 1; }",
            "x: direct",
        ] {
            assert!(may_merge(text), "{text:?}");
        }
        for text in ["{ a = 1; }", "let a = 1; in a", "let\n  b = { };\nin b", "{ letter = 1; }", "x: { }"] {
            assert!(!may_merge(text), "{text:?}");
        }
    }
}
