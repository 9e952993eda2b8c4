//! The index: who defines, references and uses what, by file, merged from every file's
//! contribution. Each map is a `Table`, so a check that reads it is re-run when what it read
//! changes (see `table.rs`).
//!
//! A changed file's old contribution is subtracted and its new one added; tables are multisets
//! (a file appears once per occurrence), so subtracting is exact.

use rustc_hash::{FxHashMap, FxHashSet};
use smol_str::SmolStr;

use super::aspect_ids::{AspectId, AspectIds};
use super::resolve::{Mirror, Owner, Resolved, Target};
use super::table::{Column, Entry, FactId, Files, Flip, Keyed, Readers, Table};
use crate::base::{AspectKey, FileId, HostKey, Scope};
use crate::dendritic::classes::is_known_class;
use crate::dendritic::collections::family;
use crate::summary::FileSummary;

/// Whether a contribution is being added to the index or taken out of it.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Delta {
    Add,
    Remove,
}

impl Files {
    fn apply(&mut self, file: FileId, delta: Delta) {
        match delta {
            Delta::Add => self.add(file),
            Delta::Remove => self.remove(file),
        }
    }
}

/// Where one (family, name) exists: each (collection, class) once, sorted; a set that compares
/// by content.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Members(Vec<(SmolStr, Option<SmolStr>)>);

impl Members {
    pub(crate) fn iter(&self) -> impl Iterator<Item = &(SmolStr, Option<SmolStr>)> + '_ {
        self.0.iter()
    }
}

impl Entry for Members {
    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Declares the index's tables once: the struct, a `Default` that names each table after its
/// field (a table's name is part of every fact read from it), and `take_changes` over them all,
/// so that no table's changes can go unreported. Columns are the tables keyed by aspect, stored
/// by the aspect's number (`aspect_ids`).
macro_rules! tables {
    (
        columns { $($(#[$cdoc:meta])* $column:ident: $centry:ty,)* }
        $($(#[$doc:meta])* $field:ident: $key:ty => $entry:ty,)*
    ) => {
        pub(crate) struct Index {
            /// The numbers of the aspect keys the columns hold.
            pub(crate) aspects: AspectIds,
            $($(#[$cdoc])* $column: Column<$centry>,)*
            $($(#[$doc])* pub(crate) $field: Table<$key, $entry>,)*
        }

        impl Default for Index {
            fn default() -> Index {
                Index {
                    aspects: AspectIds::default(),
                    $($column: Column::new(stringify!($column)),)*
                    $($field: Table::new(stringify!($field)),)*
                }
            }
        }

        impl Index {
            $($(#[$cdoc])* pub(crate) fn $column(&self) -> Keyed<'_, $centry> {
                self.$column.read(&self.aspects)
            })*

            /// The facts that differ from when the current update began; the update ends, and
            /// the numbers of keys no file names any more are freed.
            pub(crate) fn take_changes(&mut self) -> Vec<FactId> {
                let mut out = Vec::new();
                $(self.$column.take_changes(&self.aspects, &mut out);)*
                $(self.$field.take_changes(&mut out);)*
                self.aspects.sweep();
                out
            }
        }
    };
}

tables! {
    columns {
        defs: Files,
        refs: Files,
        /// Aspects den hosts get by name.
        host_aspects: Files,
        /// Who imports or includes each aspect, with how often the files say so: hover's "hosts"
        /// walks the whole graph upwards, which reading files' edges made cost milliseconds. A
        /// map per aspect, as a `base` aspect may have thousands of importers.
        importers: FxHashMap<Owner, u32>,
    }
    /// Defined aspects by scope (class `None` for aspect-first collections), by number:
    /// completion and near-name suggestions read one scope, not every key.
    scope_aspects: Scope => FxHashSet<AspectId>,
    /// For each (family, name), the collections and classes that have it (defined or
    /// referenced): the one aspect across its classes (`collections::family`).
    names: (SmolStr, SmolStr) => Members,
    /// Path prefixes below which some file defines what canopy cannot see.
    opaque: SmolStr => Files,
    /// Collections whose modules carry their class (`Resolved::stamped`).
    stamped: SmolStr => Files,
    /// Scopes used whole (`lib.attrValues config.flake.modules.nixvim`).
    consumed: Scope => Files,
    /// Unknown classes: the files that write them, in definitions, in references.
    class_files: SmolStr => Files,
    class_defined: SmolStr => Files,
    class_referenced: SmolStr => Files,
    /// Names set with `_module.args.<name>`.
    provided_args: SmolStr => Files,
    /// First names of declared options.
    declared: SmolStr => Files,
    /// Classes declared to den (`Resolved::declared_classes`).
    declared_classes: SmolStr => Files,
    /// Flake outputs defined for certain, and declared (`Resolved::outputs`, `declared_outputs`).
    outputs: SmolStr => Files,
    declared_outputs: SmolStr => Files,
    hosts: HostKey => Files,
    /// Scopes that hold exactly another scope's aspects, by target: the sources, by file, sorted.
    mirrors: Scope => Vec<(Scope, FileId)>,
}

/// A file's contribution, as the index sees it.
#[derive(Default)]
pub(crate) struct Contribution {
    defs: Vec<AspectKey>,
    refs: Vec<AspectKey>,
    host_aspects: Vec<AspectKey>,
    opaque: Vec<SmolStr>,
    stamped: Vec<SmolStr>,
    consumed: Vec<Scope>,
    /// Unknown classes written, and whether in a definition.
    classes: Vec<(SmolStr, bool)>,
    provided: Vec<SmolStr>,
    hosts: Vec<HostKey>,
    declared: Vec<SmolStr>,
    declared_classes: Vec<SmolStr>,
    outputs: Vec<SmolStr>,
    declared_outputs: Vec<SmolStr>,
    mirrors: Vec<Mirror>,
    /// Import edges, as often as the file writes them.
    edges: Vec<(Owner, AspectKey)>,
}

/// Declares `Contribution::difference` over every field, so that none can be left out.
macro_rules! difference {
    ($($field:ident),* $(,)?) => {
        impl Contribution {
            /// What `old` holds that `new` does not, and what `new` adds, list by list: each
            /// list less the run both start with and the run both end with. Exact as multisets
            /// (what is skipped is in both), and small for an edit, which changes one place.
            pub(crate) fn difference(old: Contribution, new: Contribution) -> (Contribution, Contribution) {
                let (mut gone, mut came) = (Contribution::default(), Contribution::default());
                $((gone.$field, came.$field) = middles(old.$field, new.$field);)*
                (gone, came)
            }
        }
    };
}

difference!(
    defs,
    refs,
    host_aspects,
    opaque,
    stamped,
    consumed,
    classes,
    provided,
    hosts,
    declared,
    declared_classes,
    outputs,
    declared_outputs,
    mirrors,
    edges,
);

/// `old` and `new` less their common first and last elements.
fn middles<T: PartialEq>(mut old: Vec<T>, mut new: Vec<T>) -> (Vec<T>, Vec<T>) {
    let start = old.iter().zip(&new).take_while(|(a, b)| a == b).count();
    let end = old[start..].iter().rev().zip(new[start..].iter().rev()).take_while(|(a, b)| a == b).count();
    old.truncate(old.len() - end);
    new.truncate(new.len() - end);
    old.drain(..start);
    new.drain(..start);
    (old, new)
}

impl Contribution {
    pub(crate) fn of(summary: &FileSummary, resolved: &Resolved) -> Contribution {
        let r = resolved;
        let refs = r
            .refs
            .iter()
            .filter_map(|x| match &x.target {
                Target::Aspect { key, .. } => Some(key.clone()),
                _ => None,
            })
            .collect();
        let consumed = r
            .refs
            .iter()
            .filter(|x| !x.alias)
            .filter_map(|x| match &x.target {
                Target::Scope(scope) => Some(scope.clone()),
                _ => None,
            })
            .collect();
        let classes =
            r.classes.iter().filter(|c| !is_known_class(&c.class)).map(|c| (c.class.clone(), c.defining)).collect();
        Contribution {
            defs: r.definitions.iter().map(|d| d.key.clone()).collect(),
            refs,
            host_aspects: r.host_aspects.iter().map(|(_, a)| a.clone()).collect(),
            opaque: r.opaque.to_vec(),
            stamped: r.stamped.to_vec(),
            consumed,
            classes,
            provided: summary.module.as_ref().map(|m| m.provides_args.to_vec()).unwrap_or_default(),
            hosts: r.hosts.iter().map(|h| h.key.clone()).collect(),
            declared: summary.declared.to_vec(),
            declared_classes: r.declared_classes.to_vec(),
            outputs: r.outputs.to_vec(),
            declared_outputs: r.declared_outputs.to_vec(),
            mirrors: r.mirrors.to_vec(),
            edges: r.edges().map(|(o, k)| (o.clone(), k.clone())).collect(),
        }
    }
}

impl Index {
    /// Adds or subtracts a file's contribution.
    pub(crate) fn update(&mut self, file: FileId, c: &Contribution, delta: Delta, readers: &Readers) {
        let files = |f: &mut Files| f.apply(file, delta);
        for key in &c.defs {
            let Some(id) = self.number(key, delta) else { continue };
            let flip = self.defs.edit(id, key, readers, files);
            if flip != Flip::Same {
                let defined = flip == Flip::Appeared;
                let exists = defined || self.refs.has(id);
                self.sync_names(key, exists, readers);
                self.sync_scope(id, key, defined, readers);
            }
        }
        for key in &c.refs {
            let Some(id) = self.number(key, delta) else { continue };
            let flip = self.refs.edit(id, key, readers, files);
            if flip != Flip::Same {
                let exists = flip == Flip::Appeared || self.defs.has(id);
                self.sync_names(key, exists, readers);
            }
        }
        for key in &c.host_aspects {
            let Some(id) = self.number(key, delta) else { continue };
            self.host_aspects.edit(id, key, readers, files);
        }
        for prefix in &c.opaque {
            self.opaque.edit(prefix, readers, files);
        }
        for collection in &c.stamped {
            self.stamped.edit(collection, readers, files);
        }
        for scope in &c.consumed {
            self.consumed.edit(scope, readers, files);
        }
        for (class, defining) in &c.classes {
            self.class_files.edit(class, readers, files);
            let counter = if *defining { &mut self.class_defined } else { &mut self.class_referenced };
            counter.edit(class, readers, files);
        }
        for arg in &c.provided {
            self.provided_args.edit(arg, readers, files);
        }
        for host in &c.hosts {
            self.hosts.edit(host, readers, files);
        }
        for root in &c.declared {
            self.declared.edit(root, readers, files);
        }
        for class in &c.declared_classes {
            self.declared_classes.edit(class, readers, files);
        }
        for output in &c.outputs {
            self.outputs.edit(output, readers, files);
        }
        for output in &c.declared_outputs {
            self.declared_outputs.edit(output, readers, files);
        }
        for mirror in &c.mirrors {
            self.mirrors.edit(&mirror.target, readers, |sources| {
                let entry = (mirror.source.clone(), file);
                let at = sources.binary_search(&entry);
                match (delta, at) {
                    (Delta::Add, Ok(at) | Err(at)) => sources.insert(at, entry),
                    (Delta::Remove, Ok(at)) => {
                        sources.remove(at);
                    }
                    (Delta::Remove, Err(_)) => {}
                }
            });
        }
        for (owner, target) in &c.edges {
            let Some(id) = self.number(target, delta) else { continue };
            self.importers.edit(id, target, readers, |owners| count(owners, owner, delta));
        }
    }

    /// Every aspect that is defined or referenced, once each, in number order: down the two
    /// columns, with no lookup of a key.
    pub(crate) fn named_aspects(&self) -> impl Iterator<Item = &AspectKey> + '_ {
        let named = |id: &AspectId| self.defs.has(*id) || self.refs.has(*id);
        self.aspects.numbers().filter(named).map(|id| self.aspects.key(id))
    }

    /// The number of a key one occurrence of which enters or leaves; none for a key that
    /// leaves without having entered (nothing to take out).
    fn number(&mut self, key: &AspectKey, delta: Delta) -> Option<AspectId> {
        match delta {
            Delta::Add => Some(self.aspects.enter(key)),
            Delta::Remove => self.aspects.leave(key),
        }
    }

    /// Keeps `scope_aspects` in step with `defs`, for a key that just appeared (`defined`) or
    /// vanished.
    fn sync_scope(&mut self, id: AspectId, key: &AspectKey, defined: bool, readers: &Readers) {
        let scope = key.scope();
        self.scope_aspects.edit(&scope, readers, |ids| {
            if defined {
                ids.insert(id);
            } else {
                ids.remove(&id);
            }
        });
    }

    /// Keeps `names` in step with the keys that exist (defined or referenced), for a key whose
    /// definitions or references just appeared or vanished: whether it `exists` now, as the
    /// caller knows without looking it up again.
    fn sync_names(&mut self, key: &AspectKey, exists: bool, readers: &Readers) {
        let name = (SmolStr::new(family(&key.collection)), key.name.clone());
        let member = (key.collection.clone(), key.class.clone());
        self.names.edit(&name, readers, |members| {
            let at = members.0.binary_search(&member);
            match (exists, at) {
                (true, Err(at)) => members.0.insert(at, member.clone()),
                (false, Ok(at)) => {
                    members.0.remove(at);
                }
                _ => {}
            }
        });
    }
}

/// Counts one occurrence of `key` up or down.
fn count<K: std::hash::Hash + Eq + Clone>(map: &mut FxHashMap<K, u32>, key: &K, delta: Delta) {
    match delta {
        Delta::Add => *map.entry(key.clone()).or_default() += 1,
        Delta::Remove => {
            if let Some(n) = map.get_mut(key) {
                *n = n.saturating_sub(1);
                if *n == 0 {
                    map.remove(key);
                }
            }
        }
    }
}
