//! What a check may know about other files: a view of the graph through which every read is
//! recorded (`Graph::recording`), so that the check runs again when what it read changes. The
//! graph's own queries read through the same view without recording (`Graph::view`), so a check
//! and a query never disagree on what a fact is.
//!
//! Two inputs are read unrecorded: the collection table and the import-tree roots. Any change to
//! either reads every file again and checks every file (`Graph::rebuild`).

use std::sync::{Arc, PoisonError};

use smol_str::SmolStr;

use super::resolve::Owner;
use super::store::Graph;
use super::table::{FactId, Recorder};
use crate::base::near::near_names;
use crate::base::{AspectKey, HostKey, Scope};
use crate::dendritic::collections::{CollectionSet, family};

/// An importer borrowed from the graph (see `View::each_importer`).
pub(crate) enum Importer<'a> {
    Aspect(&'a AspectKey),
    Host(&'a HostKey),
}

pub(crate) struct View<'g> {
    graph: &'g Graph,
    rec: Option<&'g Recorder>,
}

/// How the repository uses a class canopy does not know.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ClassUsage {
    /// Files that write it.
    pub(crate) files: usize,
    pub(crate) defined: bool,
    pub(crate) referenced: bool,
}

impl<'g> View<'g> {
    pub(crate) fn new(graph: &'g Graph, rec: Option<&'g Recorder>) -> View<'g> {
        View { graph, rec }
    }

    /// The same graph, recording into `rec` instead: for a verdict many files share, made once
    /// with what it read, which each file that uses it then reads too (`note`).
    pub(crate) fn recording_into<'r>(&self, rec: &'r Recorder) -> View<'r>
    where
        'g: 'r,
    {
        View { graph: self.graph, rec: Some(rec) }
    }

    /// Records `facts` as read, as if this view had read them itself.
    pub(crate) fn note(&self, facts: &[FactId]) {
        if let Some(rec) = self.rec {
            rec.note_all(facts);
        }
    }

    /// A class the user says exists (`Analysis::set_user_classes`). A change to them re-checks
    /// every file: not recorded.
    pub(crate) fn is_user_class(&self, class: &str) -> bool {
        self.graph.user_classes.contains(class)
    }

    /// The collection table. A change to it re-checks every file: not recorded.
    pub(crate) fn collections(&self) -> &'g CollectionSet {
        &self.graph.collections
    }

    /// Whether the roots are a guess (`ImportTreeRoots::guessed`). Not recorded, as `roots`.
    pub(crate) fn roots_guessed(&self) -> bool {
        self.graph.roots.guessed()
    }

    /// Workspace-relative import-tree roots. A change to them re-checks every file: not recorded.
    pub(crate) fn roots(&self) -> Vec<String> {
        self.graph.roots.roots()
    }

    pub(crate) fn is_defined(&self, key: &AspectKey) -> bool {
        self.graph.index.defs().contains(key, self.rec)
    }

    /// The keys that define `key`: itself, or the aspect of the same name in a scope it mirrors
    /// (`flake.nixosModules = config.flake.modules.nixos` makes `flake.nixosModules.x` be
    /// `flake.modules.nixos.x`).
    pub(crate) fn defining_keys(&self, key: &AspectKey) -> Vec<AspectKey> {
        let index = &self.graph.index;
        if index.defs().contains(key, self.rec) {
            return vec![key.clone()];
        }
        let mut out: Vec<AspectKey> = index
            .mirrors
            .get(&key.scope(), self.rec)
            .into_iter()
            .flatten()
            .filter_map(|(source, _)| {
                let probe = AspectKey {
                    collection: source.collection.clone(),
                    class: source.class.clone(),
                    name: key.name.clone(),
                    class_in_path: false,
                };
                // The stored key knows how its path is written.
                index.defs().stored_key(&probe, self.rec).cloned()
            })
            .collect();
        out.sort();
        out.dedup();
        out
    }

    /// The defined aspects of a collection and class (`None`: aspect-first collections), in no
    /// particular order.
    pub(crate) fn defined_in(&self, scope: &Scope) -> impl Iterator<Item = &'g AspectKey> + use<'g> {
        let index = &self.graph.index;
        index.scope_aspects.get(scope, self.rec).into_iter().flatten().map(|id| index.aspects.key(*id))
    }

    /// The names defined in `scope`, and `extra` names, near `name`, closest first ("did you
    /// mean"). The answer is shared by every file that asks it of the graph's current state.
    pub(crate) fn near_defined(&self, scope: &Scope, name: &SmolStr, extra: &[&str]) -> Arc<[SmolStr]> {
        // Read (and recorded) whether or not the answer is known: it depends on the scope.
        let defined = self.graph.index.scope_aspects.get(scope, self.rec);
        let key = (scope.clone(), name.clone());
        let memo = || self.graph.near.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(known) = memo().get(&key) {
            return known.clone();
        }
        let aspects = &self.graph.index.aspects;
        let names = defined.into_iter().flatten().map(|id| aspects.key(*id).name.as_str());
        let candidates = names.chain(extra.iter().copied());
        let near: Arc<[SmolStr]> = near_names(name, candidates).into_iter().map(SmolStr::new).collect();
        memo().insert(key, near.clone());
        near
    }

    /// Every key that is the same aspect as `key` (defined or referenced), `key` among them when
    /// it exists: the name in each class of its collection, and for the flake's module outputs in
    /// each of them (`collections::family`). In (collection, class) order.
    pub(crate) fn family(&self, key: &AspectKey) -> Vec<AspectKey> {
        let name = (SmolStr::new(family(&key.collection)), key.name.clone());
        let members = self.graph.index.names.get(&name, self.rec).into_iter().flat_map(|m| m.iter());
        // Members of one family share their row, and so how their paths are written.
        members
            .map(|(collection, class)| AspectKey {
                collection: collection.clone(),
                class: class.clone(),
                name: key.name.clone(),
                class_in_path: key.class_in_path,
            })
            .collect()
    }

    /// Some definitions in `scope` (or above it) are built at evaluation time.
    pub(crate) fn is_opaque(&self, scope: &Scope) -> bool {
        let mut path = scope.collection.to_string();
        if let Some(class) = &scope.class {
            path.push('.');
            path.push_str(class);
        }
        // Every prefix of the path, at its dots, and the path itself.
        let ends = path.match_indices('.').map(|(i, _)| i).chain([path.len()]);
        let opaque = &self.graph.index.opaque;
        // A family opaque as a whole (a third-party flake module may fill any module output).
        let family = Some(family(&scope.collection)).filter(|f| *f != scope.collection).map(SmolStr::new);
        let everything = SmolStr::new_static(super::resolve::EVERYTHING);
        ends.map(|end| SmolStr::new(&path[..end]))
            .chain(family)
            .chain([everything])
            .any(|prefix| opaque.contains(&prefix, self.rec))
    }

    /// Whether the module system stamps `collection`'s modules with their class, so that one
    /// imported into another class is rejected (`Resolved::stamped`).
    pub(crate) fn is_stamped(&self, collection: &str) -> bool {
        self.graph.index.stamped.contains(&SmolStr::new(collection), self.rec)
    }

    pub(crate) fn is_referenced(&self, key: &AspectKey) -> bool {
        self.graph.index.refs().contains(key, self.rec)
    }

    /// A den host or user of this name makes the aspect part of a host.
    pub(crate) fn is_named_by_host(&self, key: &AspectKey) -> bool {
        self.graph.index.host_aspects().contains(key, self.rec)
    }

    /// The scope is used whole (`lib.attrValues config.flake.modules.nixvim`).
    pub(crate) fn is_consumed(&self, scope: &Scope) -> bool {
        self.graph.index.consumed.contains(scope, self.rec)
    }

    pub(crate) fn class_usage(&self, class: &SmolStr) -> ClassUsage {
        let index = &self.graph.index;
        ClassUsage {
            files: index.class_files.get(class, self.rec).map_or(0, |files| files.distinct().count()),
            defined: index.class_defined.contains(class, self.rec),
            referenced: index.class_referenced.contains(class, self.rec),
        }
    }

    /// Some file declares `class` to den (`den.classes.<class>`, a `forward` battery); with
    /// `ANY_CLASS`, some file creates classes canopy cannot name.
    pub(crate) fn is_class_declared(&self, class: &str) -> bool {
        self.graph.index.declared_classes.contains(&SmolStr::new(class), self.rec)
    }

    /// How many files define the flake output `name` for certain.
    pub(crate) fn output_files(&self, name: &SmolStr) -> usize {
        self.graph.index.outputs.get(name, self.rec).map_or(0, |files| files.distinct().count())
    }

    /// Some module declares an option for the flake output `name` (`ANY_OUTPUT` and
    /// `FOREIGN_OUTPUTS` included: ask for those too).
    pub(crate) fn is_output_declared(&self, name: &str) -> bool {
        self.graph.index.declared_outputs.contains(&SmolStr::new(name), self.rec)
    }

    /// Some top-level module sets `_module.args.<name>`.
    pub(crate) fn is_arg_provided(&self, name: &SmolStr) -> bool {
        self.graph.index.provided_args.contains(name, self.rec)
    }

    /// Some file declares an option whose path starts with `name`.
    pub(crate) fn is_declared_root(&self, name: &SmolStr) -> bool {
        self.graph.index.declared.contains(name, self.rec)
    }

    /// Calls `f` with every aspect or host that imports or includes `key`, unordered: for walks
    /// that visit many aspects and sort once at the end.
    pub(crate) fn each_importer(&self, key: &AspectKey, mut f: impl FnMut(Importer<'g>)) {
        let index = &self.graph.index;
        for owner in index.importers().get(key, self.rec).into_iter().flat_map(|owners| owners.keys()) {
            f(match owner {
                Owner::Aspect(k) => Importer::Aspect(k),
                Owner::Host(h) => Importer::Host(h),
            });
        }
        for file in index.host_aspects().get(key, self.rec).into_iter().flat_map(|files| files.distinct()) {
            for (host, aspect) in &self.graph.data(file).resolved.host_aspects {
                if aspect == key {
                    f(Importer::Host(host));
                }
            }
        }
    }

    /// Hosts that get `key`, directly or through other aspects.
    pub(crate) fn hosts_of(&self, key: &AspectKey) -> Vec<HostKey> {
        let mut seen: rustc_hash::FxHashSet<&AspectKey> = rustc_hash::FxHashSet::default();
        let mut hosts: rustc_hash::FxHashSet<&HostKey> = rustc_hash::FxHashSet::default();
        let mut queue: Vec<&AspectKey> = vec![key];
        while let Some(current) = queue.pop() {
            if !seen.insert(current) {
                continue;
            }
            self.each_importer(current, |importer| match importer {
                Importer::Aspect(k) => queue.push(k),
                Importer::Host(h) => {
                    hosts.insert(h);
                }
            });
        }
        let mut hosts: Vec<HostKey> = hosts.into_iter().cloned().collect();
        hosts.sort();
        hosts
    }
}

impl Graph {
    /// A view for a check: what it reads goes into `reads`.
    pub(crate) fn recording<'g>(&'g self, reads: &'g Recorder) -> View<'g> {
        View::new(self, Some(reads))
    }

    /// A view for the graph's own queries, which records nothing.
    pub(crate) fn view(&self) -> View<'_> {
        View::new(self, None)
    }
}
