//! How Nix's parser builds an attrset, binding by binding (`addAttr` in `parser.y`), for the two
//! readings that depend on it: the attributes Nix reports as defined twice (`nix_exact`), and the
//! scope each binding is read in (`names`: a binding whose path leads into a `rec` set is read in
//! that set's scope, `{ a = rec { b = 1; }; a.c = b; }` is valid Nix).
//!
//! Nix's rules, order dependence included:
//! - a dotted path walks into the attribute its prefix names when that one holds an attrset (a
//!   literal, whichever way it was written, or one an earlier path opened), else the binding is
//!   a duplicate;
//! - a binding to a name already bound merges only when the attribute holds an attrset and the
//!   value is a literal one: the later literal's attributes are copied one level deep, a name
//!   both define keeps the earlier definition and is a duplicate (NixOS/nix#7897), and the later
//!   literal keeps nothing else, its `rec` included;
//! - `inherit` never merges, and no path walks into an inherited name;
//! - a dynamic name (`${e}`) opens a set that no later static name reaches.
//!
//! Nix builds a literal's own bindings before the binding that holds it. A reader that feeds
//! bindings as it parses (the grammar) does the same; one that plans from a finished tree (the
//! name table) may leave a literal's bindings until a path first walks into it or it merges (see
//! `Literals`), so that the cost follows the paths that are written.

use std::borrow::Borrow;
use std::hash::Hash;

use rustc_hash::FxHashMap;

use crate::base::text::TextRange;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct SetId(u32);

/// One element of a binding's attribute path.
#[derive(Debug, Clone)]
pub(crate) struct PathAttr<N> {
    /// `None` for `${e}` with a non-constant `e`.
    pub(crate) name: Option<N>,
    pub(crate) range: TextRange,
}

/// One attribute of a set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Def {
    /// The set the attribute holds, when its value is one (a literal, or one a path opened).
    pub(crate) set: Option<SetId>,
    /// Nix's position of the definition: from the start of the binding's path to the end of the
    /// name this attribute is for (an inherited name's own range).
    pub(crate) range: TextRange,
    /// `inherit x;`, which a path cannot walk into (`inherit (e) x;` cannot be merged with
    /// either, but its value is not an attrset to begin with).
    pub(crate) inherited: bool,
}

/// Where one binding went.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Added<N> {
    /// The binding is in place. `within` is the innermost recursive set among those its path
    /// walked into (or the one `add_attr` was given): Nix reads the value in that set's scope.
    /// `new` is the first name the path added and the set it went into (the names after it went
    /// into sets of their own).
    Defined { within: Option<SetId>, new: Option<(usize, SetId)> },
    /// The value, a literal attrset, was merged into the set the name already held, `into`: its
    /// attributes were copied there one level deep, but for `clashes`.
    Merged { from: SetId, into: SetId, clashes: Vec<Clash<N>> },
    /// The path's `at`th name is defined already, by `other`, as something the path can neither
    /// walk into nor merge with.
    Duplicate { at: usize, other: Def },
}

/// A name both literals of a merge define: the earlier definition stays, the later is dropped.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Clash<N> {
    pub(crate) name: N,
    pub(crate) kept: Def,
    pub(crate) dropped: Def,
}

/// The reader that adds a literal's own bindings, for sets made by `AttrSets::new_literal`.
pub(crate) trait Literals<N, L> {
    /// Adds the own bindings of `literal`, which `set` was written as, to `set`: called once, when
    /// a path first walks into `set` or it is `merged` into an earlier set. `within` is the
    /// innermost recursive set that `set`'s bindings are read in, to pass on to `add_attr`.
    fn expand(&mut self, sets: &mut AttrSets<N, L>, set: SetId, literal: L, within: Option<SetId>, merged: bool);
}

/// For sets whose bindings are all added as they are read: nothing is left to expand.
pub(crate) struct Built;

impl<N, L> Literals<N, L> for Built {
    fn expand(&mut self, _: &mut AttrSets<N, L>, _: SetId, _: L, _: Option<SetId>, _: bool) {}
}

struct Set<N, L> {
    attrs: AttrMap<N>,
    /// The literal the set was written as, when its reader names one.
    literal: Option<L>,
    /// The literal's own bindings are still to be added (see `Literals`).
    pending: bool,
    /// A `rec` literal (or `let`) not merged into another: its bindings read its own scope.
    rec: bool,
    /// A binding of the set itself has a dynamic name (`${e} = ...`, not `a.${e} = ...`).
    has_dynamic: bool,
}

/// Most sets are small: a list, with a hash index once it grows.
struct AttrMap<N> {
    entries: Vec<(N, Def)>,
    index: Option<FxHashMap<N, usize>>,
}

impl<N> Default for AttrMap<N> {
    fn default() -> Self {
        AttrMap { entries: Vec::new(), index: None }
    }
}

const INDEX_FROM: usize = 12;

impl<N: Borrow<str> + Hash + Eq + Clone> AttrMap<N> {
    fn get(&self, name: &str) -> Option<Def> {
        let i = match &self.index {
            Some(index) => *index.get(name)?,
            None => self.entries.iter().position(|(n, _)| n.borrow() == name)?,
        };
        Some(self.entries[i].1)
    }

    fn insert(&mut self, name: N, def: Def) {
        if let Some(index) = &mut self.index {
            index.insert(name.clone(), self.entries.len());
        } else if self.entries.len() == INDEX_FROM {
            let mut index: FxHashMap<N, usize> =
                self.entries.iter().enumerate().map(|(i, (n, _))| (n.clone(), i)).collect();
            index.insert(name.clone(), self.entries.len());
            self.index = Some(index);
        }
        self.entries.push((name, def));
    }
}

/// The attrsets under construction, for one file (the grammar) or one binding set (the name
/// table). `N` is an attribute name, `L` the literal a set was written as.
pub(crate) struct AttrSets<N, L> {
    sets: Vec<Set<N, L>>,
    /// Emptied attribute lists of forgotten sets, to fill again without allocating.
    spare: Vec<Vec<(N, Def)>>,
}

impl<N, L> Default for AttrSets<N, L> {
    fn default() -> Self {
        AttrSets { sets: Vec::new(), spare: Vec::new() }
    }
}

impl<N: Borrow<str> + Hash + Eq + Clone, L: Clone> AttrSets<N, L> {
    /// A set whose bindings are added as they are read.
    pub(crate) fn new_set(&mut self, rec: bool) -> SetId {
        self.push(None, rec)
    }

    /// A set written as `literal`, whose own bindings `Literals::expand` adds when they are
    /// first needed.
    pub(crate) fn new_literal(&mut self, literal: L, rec: bool) -> SetId {
        self.push(Some(literal), rec)
    }

    fn push(&mut self, literal: Option<L>, rec: bool) -> SetId {
        let pending = literal.is_some();
        self.sets.push(Set { attrs: AttrMap::default(), literal, pending, rec, has_dynamic: false });
        SetId(self.sets.len() as u32 - 1)
    }

    /// The literal `set` was written as, if its reader named one.
    pub(crate) fn literal(&self, set: SetId) -> Option<&L> {
        self.set(set).literal.as_ref()
    }

    /// The literal of a recursive set (a `rec` literal not merged into another).
    pub(crate) fn recursive(&self, set: SetId) -> Option<&L> {
        let set = self.set(set);
        set.literal.as_ref().filter(|_| set.rec)
    }

    pub(crate) fn has_dynamic(&self, set: SetId) -> bool {
        self.set(set).has_dynamic
    }

    /// Everything created from now on can be dropped with `forget_since`.
    pub(crate) fn mark(&self) -> usize {
        self.sets.len()
    }

    /// Drops the sets created since `mark`, once nothing can reach them any more (they were read
    /// inside a value that is not itself a literal attrset).
    pub(crate) fn forget_since(&mut self, mark: usize) {
        for set in self.sets.drain(mark..) {
            let mut entries = set.attrs.entries;
            if entries.capacity() > 0 {
                entries.clear();
                self.spare.push(entries);
            }
        }
    }

    fn set(&self, id: SetId) -> &Set<N, L> {
        &self.sets[id.0 as usize]
    }

    fn set_mut(&mut self, id: SetId) -> &mut Set<N, L> {
        &mut self.sets[id.0 as usize]
    }

    fn get(&self, set: SetId, name: &str) -> Option<Def> {
        self.set(set).attrs.get(name)
    }

    fn insert(&mut self, set: SetId, name: N, def: Def) {
        let attrs = &mut self.sets[set.0 as usize].attrs;
        if attrs.entries.capacity() == 0
            && let Some(spare) = self.spare.pop()
        {
            attrs.entries = spare;
        }
        attrs.insert(name, def);
    }

    /// `path = value;` in `set`, whose bindings are read in `within` (the innermost recursive set
    /// around it, if any). `value` is the set when the value is a literal attrset.
    pub(crate) fn add_attr(
        &mut self,
        mut set: SetId,
        path: &[PathAttr<N>],
        value: Option<SetId>,
        mut within: Option<SetId>,
        literals: &mut impl Literals<N, L>,
    ) -> Added<N> {
        let Some((last, prefix)) = path.split_last() else { return Added::Defined { within, new: None } };
        let start = path[0].range.start();
        let def_range = |attr: &PathAttr<N>| TextRange::new(start, attr.range.end());
        let mut new = None;
        for (at, attr) in prefix.iter().enumerate() {
            let Some(name) = &attr.name else {
                self.set_mut(set).has_dynamic = true;
                return Added::Defined { within, new };
            };
            match self.get(set, name.borrow()) {
                Some(Def { set: Some(inner), inherited: false, .. }) => {
                    within = self.enter(inner, within, literals);
                    set = inner;
                }
                Some(other) => return Added::Duplicate { at, other },
                None => {
                    let nested = self.new_set(false);
                    self.insert(set, name.clone(), Def { set: Some(nested), range: def_range(attr), inherited: false });
                    new.get_or_insert((at, set));
                    set = nested;
                }
            }
        }
        let Some(name) = &last.name else {
            self.set_mut(set).has_dynamic = true;
            return Added::Defined { within, new };
        };
        match (self.get(set, name.borrow()), value) {
            (None, _) => {
                self.insert(set, name.clone(), Def { set: value, range: def_range(last), inherited: false });
                new.get_or_insert((prefix.len(), set));
                Added::Defined { within, new }
            }
            (Some(Def { set: Some(earlier), inherited: false, .. }), Some(later)) => {
                self.merge(earlier, later, within, literals)
            }
            (Some(other), _) => Added::Duplicate { at: prefix.len(), other },
        }
    }

    /// A path walks into `set`: its own bindings are added first, as Nix had built them. Returns
    /// the innermost recursive set that `set`'s bindings are read in (`set` itself, if it is one).
    fn enter(&mut self, set: SetId, within: Option<SetId>, literals: &mut impl Literals<N, L>) -> Option<SetId> {
        let within = if self.set(set).rec { Some(set) } else { within };
        self.build_pending(set, within, false, literals);
        within
    }

    /// Adds the own bindings of a literal whose bindings are still pending.
    fn build_pending(&mut self, set: SetId, within: Option<SetId>, merged: bool, literals: &mut impl Literals<N, L>) {
        let entry = self.set_mut(set);
        if !entry.pending {
            return;
        }
        entry.pending = false;
        if let Some(literal) = entry.literal.clone() {
            literals.expand(self, set, literal, within, merged);
        }
    }

    /// Copies the attributes of the later literal `later` into `earlier`, one level deep.
    fn merge(
        &mut self,
        earlier: SetId,
        later: SetId,
        within: Option<SetId>,
        literals: &mut impl Literals<N, L>,
    ) -> Added<N> {
        let within = self.enter(earlier, within, literals);
        self.set_mut(later).rec = false;
        self.build_pending(later, within, true, literals);
        let moved = std::mem::take(&mut self.set_mut(later).attrs);
        let mut clashes = Vec::new();
        for (name, def) in moved.entries {
            match self.get(earlier, name.borrow()) {
                Some(kept) => clashes.push(Clash { name, kept, dropped: def }),
                None => self.insert(earlier, name, def),
            }
        }
        Added::Merged { from: later, into: earlier, clashes }
    }

    /// One name of `inherit ...;` (`from`: `inherit (e) ...;`), at the name's own range as in
    /// current Nix. Returns the earlier definition of a name defined already.
    pub(crate) fn inherit(&mut self, set: SetId, name: &N, range: TextRange, from: bool) -> Option<Def> {
        if let Some(existing) = self.get(set, name.borrow()) {
            return Some(existing);
        }
        self.insert(set, name.clone(), Def { set: None, range, inherited: !from });
        None
    }
}

#[cfg(test)]
mod tests {
    use expect_test::{Expect, expect};

    use super::*;

    /// A literal attrset of the tests: a label, `rec` or not, and its bindings, each a dotted path
    /// (`${}` for a dynamic name) and a literal or a plain value.
    #[derive(Clone, Debug)]
    struct Lit {
        label: &'static str,
        rec: bool,
        bindings: Vec<(&'static str, Option<Lit>)>,
    }

    fn lit(label: &'static str, bindings: Vec<(&'static str, Option<Lit>)>) -> Option<Lit> {
        Some(Lit { label, rec: false, bindings })
    }

    fn rec(label: &'static str, bindings: Vec<(&'static str, Option<Lit>)>) -> Option<Lit> {
        Some(Lit { label, rec: true, bindings })
    }

    type Sets = AttrSets<&'static str, Lit>;

    /// Reads literals lazily, as the name table does, and logs each expansion.
    #[derive(Default)]
    struct Reader {
        log: Vec<String>,
    }

    impl Literals<&'static str, Lit> for Reader {
        fn expand(&mut self, sets: &mut Sets, set: SetId, literal: Lit, within: Option<SetId>, merged: bool) {
            let label = within.and_then(|w| sets.literal(w)).map_or("-", |l| l.label);
            self.log.push(format!("{} within {label}{}", literal.label, if merged { ", merged" } else { "" }));
            for (path, value) in literal.bindings {
                self.add(sets, set, path, value, within);
            }
        }
    }

    impl Reader {
        fn add(
            &mut self,
            sets: &mut Sets,
            set: SetId,
            path: &'static str,
            value: Option<Lit>,
            within: Option<SetId>,
        ) -> Added<&'static str> {
            let mut offset = 0;
            let path: Vec<PathAttr<&'static str>> = path
                .split('.')
                .map(|name| {
                    let range = TextRange::at((offset as u32).into(), (name.len() as u32).into());
                    offset += name.len() + 1;
                    PathAttr { name: (name != "${}").then_some(name), range }
                })
                .collect();
            let value = value.map(|l| {
                let rec = l.rec;
                sets.new_literal(l, rec)
            });
            sets.add_attr(set, &path, value, within, self)
        }
    }

    /// The set as built so far: `rec` where it is recursive, `…` for bindings not added yet.
    fn render(sets: &Sets, id: SetId) -> String {
        let set = sets.set(id);
        let mut out = String::from(if set.rec { "rec {" } else { "{" });
        if set.pending {
            out.push_str(" …");
        }
        for (name, def) in &set.attrs.entries {
            match def.set {
                Some(inner) => out.push_str(&format!(" {name} = {};", render(sets, inner))),
                None => out.push_str(&format!(" {name};")),
            }
        }
        out + " }"
    }

    /// Adds `bindings` to a plain set, as the top of a file, and renders what each one did, the
    /// set, and which literals were expanded.
    fn check(bindings: Vec<(&'static str, Option<Lit>)>, expect: Expect) {
        let mut sets = Sets::default();
        let mut reader = Reader::default();
        let root = sets.new_set(false);
        let mut lines = Vec::new();
        for (path, value) in bindings {
            let outcome = reader.add(&mut sets, root, path, value, None);
            let label = |set: SetId| match sets.literal(set) {
                Some(literal) => literal.label,
                None if set == root => "the root",
                None => "a path's set",
            };
            lines.push(match outcome {
                Added::Defined { within, new } => {
                    let within = within.map_or("-", label);
                    let new = new.map_or(String::new(), |(at, set)| format!(", names from #{at} into {}", label(set)));
                    format!("{path}: within {within}{new}")
                }
                Added::Merged { from, into, clashes } => {
                    let clashes: Vec<&str> = clashes.iter().map(|c| c.name).collect();
                    let rec = if sets.recursive(from).is_some() { "rec" } else { "plain" };
                    format!("{path}: {} ({rec} now) merged into {}, clashes {clashes:?}", label(from), label(into))
                }
                Added::Duplicate { at, other } => format!("{path}: duplicate at #{at}, defined at {:?}", other.range),
            });
        }
        lines.push(render(&sets, root));
        lines.push(format!("expanded: {}", reader.log.join("; ")));
        expect.assert_eq(&lines.join("\n"));
    }

    #[test]
    fn a_path_walks_into_an_earlier_literal_at_any_depth() {
        check(
            vec![("a", lit("A", vec![("b.d", None)])), ("a.b.c", None)],
            expect![[r#"
                a: within -, names from #0 into the root
                a.b.c: within -, names from #2 into a path's set
                { a = { b = { d; c; }; }; }
                expanded: A within -"#]],
        );
    }

    #[test]
    fn order_matters_a_later_literal_merges_one_level_deep() {
        // The same two bindings the other way round: `b` is in both sets, and stays the path's.
        check(
            vec![("a.b.c", None), ("a", lit("A", vec![("b.d", None), ("e", None)]))],
            expect![[r#"
                a.b.c: within -, names from #0 into the root
                a: A (plain now) merged into a path's set, clashes ["b"]
                { a = { b = { c; }; e; }; }
                expanded: A within -, merged"#]],
        );
    }

    #[test]
    fn a_later_literal_is_not_merged_into_the_earlier_ones_attributes() {
        check(
            vec![
                ("a", lit("A", vec![("b", lit("B", vec![("x", None)]))])),
                ("a", lit("A2", vec![("b", lit("B2", vec![("y", None)]))])),
            ],
            expect![[r#"
                a: within -, names from #0 into the root
                a: A2 (plain now) merged into A, clashes ["b"]
                { a = { b = { … }; }; }
                expanded: A within -; A2 within -, merged"#]],
        );
    }

    #[test]
    fn only_sets_are_walked_into_and_only_literals_merge() {
        check(
            vec![("a", None), ("a.b", None), ("a", lit("A", vec![]))],
            expect![[r#"
                a: within -, names from #0 into the root
                a.b: duplicate at #0, defined at 0..1
                a: duplicate at #0, defined at 0..1
                { a; }
                expanded: "#]],
        );
        let mut sets = Sets::default();
        let root = sets.new_set(false);
        assert_eq!(sets.inherit(root, &"a", TextRange::empty(0.into()), false), None);
        let outcome = Reader::default().add(&mut sets, root, "a.b", None, None);
        assert!(matches!(outcome, Added::Duplicate { at: 0, other: Def { inherited: true, .. } }));
        assert!(sets.inherit(root, &"a", TextRange::empty(0.into()), true).is_some());
    }

    #[test]
    fn rec_sets_gain_the_names_of_paths_that_walk_into_them() {
        check(
            vec![("x", lit("X", vec![("y", rec("Y", vec![("z", None)]))])), ("x.y.w.v", None), ("x.q", None)],
            expect![[r#"
                x: within -, names from #0 into the root
                x.y.w.v: within Y, names from #2 into Y
                x.q: within -, names from #1 into X
                { x = { y = rec { z; w = { v; }; }; q; }; }
                expanded: X within -; Y within Y"#]],
        );
    }

    #[test]
    fn a_literal_merged_into_an_earlier_set_loses_its_rec() {
        // Into a plain set: nothing of the later literal is recursive any more.
        check(
            vec![("a.c", None), ("a", rec("A", vec![("b", None), ("d", None)]))],
            expect![[r#"
                a.c: within -, names from #0 into the root
                a: A (plain now) merged into a path's set, clashes []
                { a = { c; b; d; }; }
                expanded: A within -, merged"#]],
        );
        // Into a `rec` literal: its bindings are read in the earlier set's scope.
        check(
            vec![("a", rec("A", vec![("b", None)])), ("a", rec("A2", vec![("c", None)]))],
            expect![[r#"
                a: within -, names from #0 into the root
                a: A2 (plain now) merged into A, clashes []
                { a = rec { b; c; }; }
                expanded: A within A; A2 within A, merged"#]],
        );
    }

    #[test]
    fn dynamic_names_open_sets_no_path_reaches() {
        check(
            vec![("a.${}", None), ("a.${}", None), ("b.${}.c", None)],
            expect![[r#"
                a.${}: within -, names from #0 into the root
                a.${}: within -
                b.${}.c: within -, names from #0 into the root
                { a = { }; b = { }; }
                expanded: "#]],
        );
        let mut sets = Sets::default();
        let root = sets.new_set(false);
        Reader::default().add(&mut sets, root, "${}.b", None, None);
        assert!(sets.has_dynamic(root));
    }
}
