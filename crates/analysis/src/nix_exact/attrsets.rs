//! Attributes defined twice, by the rules of Nix's `addAttr`, order dependence included.
//!
//! Nix builds each attrset while parsing it, binding by binding:
//! - a dotted path walks into the attribute its prefix names when that one holds a literal
//!   attrset (whichever way it was written), else the path is a duplicate;
//! - a binding to a name already bound merges only when both values are literal attrsets, and
//!   the merge copies the later set's attributes one level deep: a clash there is reported at
//!   the earlier attribute (NixOS/nix#7897);
//! - `inherit` never merges.
//!
//! The grammar feeds every binding here as it finishes reading it, so findings come out in the
//! order Nix raises them.

use std::borrow::Cow;

use rustc_hash::FxHashMap;

use crate::base::text::{TextRange, TextSize};

/// A static attribute name: borrowed from the text when written plainly.
pub(crate) type Name<'a> = Cow<'a, str>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct SetId(u32);

/// One element of a binding's attribute path.
#[derive(Debug, Clone)]
pub(crate) struct PathAttr<'a> {
    /// `None` for `${e}` with a non-constant `e`.
    pub(crate) name: Option<Name<'a>>,
    pub(crate) range: TextRange,
}

#[derive(Debug, Clone, Copy)]
struct Def {
    /// The set this attribute holds when its value is a literal attrset.
    set: Option<SetId>,
    /// Nix's position for the definition (the start of its attribute path), up to the end of
    /// the name this entry is for.
    range: TextRange,
    inherited: bool,
}

#[derive(Default)]
struct SetModel<'a> {
    attrs: AttrMap<'a>,
    has_dynamic: bool,
}

/// Most sets are small: a list, with a hash index once it grows.
#[derive(Default)]
struct AttrMap<'a> {
    entries: Vec<(Name<'a>, Def)>,
    index: Option<FxHashMap<Name<'a>, usize>>,
}

const INDEX_FROM: usize = 12;

impl<'a> AttrMap<'a> {
    fn get(&self, name: &str) -> Option<Def> {
        let i = match &self.index {
            Some(index) => *index.get(name)?,
            None => self.entries.iter().position(|(n, _)| n == name)?,
        };
        Some(self.entries[i].1)
    }

    fn insert(&mut self, name: Name<'a>, def: Def) {
        if let Some(index) = &mut self.index {
            index.insert(name.clone(), self.entries.len());
        } else if self.entries.len() == INDEX_FROM {
            let mut index: FxHashMap<Name<'a>, usize> =
                self.entries.iter().enumerate().map(|(i, (n, _))| (n.clone(), i)).collect();
            index.insert(name.clone(), self.entries.len());
            self.index = Some(index);
        }
        self.entries.push((name, def));
    }
}

/// One duplicate, as Nix reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Duplicate {
    /// Where Nix reports it.
    pub(crate) range: TextRange,
    /// The attribute path as written, e.g. `a.b`.
    pub(crate) path: String,
    /// The other definition.
    pub(crate) other: TextSize,
    /// Reported at the earlier of the two, because a later literal merged into it.
    pub(crate) in_merge: bool,
}

/// The attrsets of one file under construction.
#[derive(Default)]
pub(crate) struct AttrSets<'a> {
    sets: Vec<SetModel<'a>>,
    /// Emptied attribute lists of forgotten sets, to fill again without allocating.
    spare: Vec<Vec<(Name<'a>, Def)>>,
}

impl<'a> AttrSets<'a> {
    pub(crate) fn new_set(&mut self) -> SetId {
        self.sets.push(SetModel::default());
        SetId(self.sets.len() as u32 - 1)
    }

    /// Everything created from now on can be dropped with `forget_since`.
    pub(crate) fn mark(&self) -> usize {
        self.sets.len()
    }

    /// Drops the sets created since `mark`, once nothing can reach them any more (they were
    /// read inside a value that is not itself a literal attrset).
    pub(crate) fn forget_since(&mut self, mark: usize) {
        for set in self.sets.drain(mark..) {
            let mut entries = set.attrs.entries;
            if entries.capacity() > 0 {
                entries.clear();
                self.spare.push(entries);
            }
        }
    }

    fn insert(&mut self, set: SetId, name: Name<'a>, def: Def) {
        let attrs = &mut self.sets[set.0 as usize].attrs;
        if attrs.entries.capacity() == 0
            && let Some(spare) = self.spare.pop()
        {
            attrs.entries = spare;
        }
        attrs.insert(name, def);
    }

    fn set(&mut self, id: SetId) -> &mut SetModel<'a> {
        &mut self.sets[id.0 as usize]
    }

    /// Whether a binding of `set` itself has a dynamic name (`${e} = ...`, not `a.${e} = ...`).
    pub(crate) fn has_dynamic(&self, id: SetId) -> bool {
        self.sets[id.0 as usize].has_dynamic
    }

    /// `path = value;`. `value` is the set when the value is a literal attrset. The merge of two
    /// literals reports its clashes in `order` (Nix walks the later set in symbol order).
    pub(crate) fn add_attr(
        &mut self,
        mut set: SetId,
        path: &[PathAttr<'a>],
        value: Option<SetId>,
        order: &mut dyn FnMut(&str, &str) -> std::cmp::Ordering,
    ) -> Vec<Duplicate> {
        let Some((last, prefix)) = path.split_last() else { return Vec::new() };
        let start = path[0].range.start();
        let def_range = |attr: &PathAttr<'a>| TextRange::new(start, attr.range.end());
        let duplicate = |attr: &PathAttr<'a>, other: &Def| Duplicate {
            range: def_range(attr),
            path: show_path(path),
            other: other.range.start(),
            in_merge: false,
        };
        for attr in prefix {
            let Some(name) = &attr.name else {
                // The rest of the path goes into a set that no static name can reach again.
                self.set(set).has_dynamic = true;
                set = self.new_set();
                continue;
            };
            match self.set(set).attrs.get(name) {
                Some(def) => match def.set {
                    Some(inner) if !def.inherited => set = inner,
                    _ => return vec![duplicate(attr, &def)],
                },
                None => {
                    let nested = self.new_set();
                    let def = Def { set: Some(nested), range: def_range(attr), inherited: false };
                    self.insert(set, name.clone(), def);
                    set = nested;
                }
            }
        }
        let Some(name) = &last.name else {
            self.set(set).has_dynamic = true;
            return Vec::new();
        };
        let Some(existing) = self.set(set).attrs.get(name) else {
            let def = Def { set: value, range: def_range(last), inherited: false };
            self.insert(set, name.clone(), def);
            return Vec::new();
        };
        match (existing.set, value) {
            (Some(earlier), Some(later)) if !existing.inherited => self.merge(earlier, later, path, order),
            _ => vec![duplicate(last, &existing)],
        }
    }

    /// Copies the attributes of the later literal `later` into `earlier`, one level deep.
    fn merge(
        &mut self,
        earlier: SetId,
        later: SetId,
        path: &[PathAttr<'a>],
        order: &mut dyn FnMut(&str, &str) -> std::cmp::Ordering,
    ) -> Vec<Duplicate> {
        let moved = std::mem::take(&mut self.set(later).attrs);
        let mut clashes: Vec<(Name<'a>, Def, Def)> = Vec::new();
        for (name, def) in moved.entries {
            match self.set(earlier).attrs.get(&name) {
                Some(kept) => clashes.push((name, kept, def)),
                None => {
                    self.insert(earlier, name, def);
                }
            }
        }
        clashes.sort_by(|a, b| order(&a.0, &b.0));
        let prefix = show_path(path);
        clashes
            .into_iter()
            .map(|(name, kept, def)| Duplicate {
                range: kept.range,
                path: format!("{prefix}.{}", render(Some(&name))),
                other: def.range.start(),
                in_merge: true,
            })
            .collect()
    }

    /// One name of `inherit ...;` (positions are the name's own, as in current Nix).
    pub(crate) fn inherit(&mut self, set: SetId, name: Name<'a>, range: TextRange, from: bool) -> Option<Duplicate> {
        if let Some(existing) = self.set(set).attrs.get(&name) {
            return Some(Duplicate {
                range,
                path: render(Some(&name)),
                other: existing.range.start(),
                in_merge: false,
            });
        }
        // `inherit (e) x` is a selection, not an inherited variable: Nix only refuses to walk
        // into the plain kind, and both refuse to merge, so the flag only matters for messages.
        self.insert(set, name, Def { set: None, range, inherited: !from });
        None
    }
}

fn render(name: Option<&str>) -> String {
    match name {
        Some(name) => crate::syntax::render_attr_name(name),
        None => "${...}".to_string(),
    }
}

fn show_path(path: &[PathAttr<'_>]) -> String {
    path.iter().map(|a| render(a.name.as_deref())).collect::<Vec<_>>().join(".")
}

#[cfg(test)]
mod tests {
    use expect_test::{Expect, expect};

    use crate::base::diagnostics::DiagnosticKind;

    /// The duplicate-attribute findings of `src`, as `line:col message`.
    fn check(src: &str, expect: Expect) {
        let parse = crate::syntax::parse(src);
        let names = crate::syntax::names::NameTable::build(&parse.root());
        let index = crate::base::text::LineIndex::new(src);
        let rendered: Vec<String> = super::super::parse_time_diagnostics(src, &parse, &names)
            .into_iter()
            .filter(|d| d.kind == DiagnosticKind::DuplicateAttribute)
            .map(|d| {
                let pos = index.line_col(src, d.range.start(), crate::base::text::Encoding::Utf8);
                format!("{}:{} {}", pos.line + 1, pos.col + 1, d.message)
            })
            .collect();
        expect.assert_eq(&rendered.join("\n"));
    }

    #[test]
    fn dotted_paths_merge_into_earlier_literals_at_any_depth() {
        check("{ a = { b.d = 1; }; a.b.c = 2; }", expect![""]);
        check("{ a.b = 1; a = { c = 2; }; }", expect![""]);
        check("{ a = ({ b = 1; }); a = { c = 2; }; }", expect![""]);
    }

    #[test]
    fn later_literals_merge_one_level_deep() {
        check(
            "{ a.b.c = 2; a = { b.d = 1; }; }",
            expect!["1:3 attribute 'a.b' is also defined at 1:20, by a later attrset that merges only one level deep"],
        );
        check(
            "{ a = { b.d = 1; }; a = { b.c = 2; }; }",
            expect!["1:9 attribute 'a.b' is also defined at 1:27, by a later attrset that merges only one level deep"],
        );
    }

    #[test]
    fn merge_clashes_follow_symbol_order() {
        // `b` is read before `c`, so Nix reports `b` although `c` clashes first in the text.
        check(
            "{ a = { b = 1; c = 2; }; a = { c = 3; b = 4; }; }",
            expect![[r#"
                1:9 attribute 'a.b' is also defined at 1:39, by a later attrset that merges only one level deep
                1:16 attribute 'a.c' is also defined at 1:32, by a later attrset that merges only one level deep"#]],
        );
    }

    #[test]
    fn only_literals_merge() {
        check("{ a = f x; a.b = 1; }", expect!["1:12 attribute 'a.b' already defined at 1:3"]);
        check("{ a = { }; a = { } // { }; }", expect!["1:12 attribute 'a' already defined at 1:3"]);
        check("{ a = let { body = { }; }; a.b = 1; }", expect!["1:28 attribute 'a.b' already defined at 1:3"]);
    }

    #[test]
    fn inherit_let_rec_and_string_names() {
        check("{ a = 1; inherit a; }", expect!["1:18 attribute 'a' already defined at 1:3"]);
        check("{ inherit a; a.b = 1; }", expect!["1:14 attribute 'a.b' already defined at 1:11"]);
        check("let a = 1; a = 2; in a", expect!["1:12 attribute 'a' already defined at 1:5"]);
        check("rec { a = 1; \"a\" = 2; }", expect!["1:14 attribute 'a' already defined at 1:7"]);
        check("{ a = 1; ${\"a\"} = 2; ${x} = 3; ${x} = 4; }", expect!["1:10 attribute 'a' already defined at 1:3"]);
    }

    #[test]
    fn a_big_set_is_linear() {
        let mut src = String::from("{\n");
        for i in 0..16_000 {
            src.push_str(&format!("  a{i}.b = {i};\n  a{i}.c = {i};\n"));
        }
        src.push_str("  a15999 = 1;\n}\n");
        let start = std::time::Instant::now();
        check(&src, expect!["32002:3 attribute 'a15999' already defined at 32000:3"]);
        assert!(start.elapsed() < std::time::Duration::from_secs(5));
    }
}
