//! The graph's queries: the questions the editor features ask about aspects and hosts (the
//! roster, which lists them all, is `roster.rs`). Those a check may also ask are answered by
//! `View` (without recording here), so both read a fact the same way.

use rustc_hash::{FxHashMap, FxHashSet};
use smol_str::SmolStr;

use super::resolve::{Owner, Target};
use super::store::Graph;
use super::table::Files;
use super::view::Importer;
use crate::base::{AspectKey, FileId, HostKey, Scope, Site};

/// Everything the graph knows about one aspect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AspectInfo {
    pub key: AspectKey,
    /// Classes it contributes to (for class-first collections, just its own).
    pub classes: Vec<SmolStr>,
    /// Definition sites: the range covers the aspect's name.
    pub definitions: Vec<Site>,
    /// Static references: the range covers the aspect's name.
    pub references: Vec<Site>,
    /// Aspects this one imports or includes.
    pub includes: Vec<AspectKey>,
    /// Aspects that import or include this one.
    pub included_by: Vec<AspectKey>,
    /// Hosts that get this aspect, directly or through includes.
    pub hosts: Vec<HostKey>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostInfo {
    pub key: HostKey,
    pub definitions: Vec<Site>,
    /// Aspects the host imports directly.
    pub aspects: Vec<AspectKey>,
}

/// Each file of an entry once, in id order (none for no entry).
fn distinct(files: Option<&Files>) -> impl Iterator<Item = FileId> + '_ {
    files.into_iter().flat_map(Files::distinct)
}

impl Graph {
    /// Every aspect that is defined or referenced, sorted by key.
    pub(crate) fn aspect_keys(&self) -> Vec<AspectKey> {
        let mut keys: Vec<AspectKey> = self.index.named_aspects().cloned().collect();
        keys.sort();
        keys
    }

    /// How many aspects are defined or referenced.
    pub(crate) fn aspect_count(&self) -> usize {
        self.index.named_aspects().count()
    }

    pub(crate) fn defining_keys(&self, key: &AspectKey) -> Vec<AspectKey> {
        self.view().defining_keys(key)
    }

    /// The defined aspects of a collection and class, in no particular order.
    pub(crate) fn defined_in_unordered(&self, scope: &Scope) -> impl Iterator<Item = &AspectKey> + '_ {
        self.view().defined_in(scope)
    }

    /// Every defined aspect, in no particular order.
    pub(crate) fn defined_keys(&self) -> impl Iterator<Item = &AspectKey> + '_ {
        self.index.defs().keys()
    }

    /// `classes_of_name`, merged by class, the files unordered: for counting them, which
    /// completion does for every item it offers.
    pub(crate) fn class_files_of_name(&self, key: &AspectKey) -> Vec<(SmolStr, Vec<FileId>)> {
        let mut out: Vec<(SmolStr, Vec<FileId>)> = Vec::new();
        for member in self.family(key) {
            self.each_class_file(&member, |class, file| {
                add_class_file(&mut out, class, file);
            });
        }
        out
    }

    /// The same aspect in every class of its family that defines it (`ssh` in `nixos` and in
    /// `homeManager`; `flake.nixosModules.base` and `flake.darwinModules.base`), with the files
    /// contributing to each class.
    pub(crate) fn classes_of_name(&self, key: &AspectKey) -> Vec<(SmolStr, Vec<FileId>)> {
        let mut out: Vec<(SmolStr, Vec<FileId>)> =
            self.family(key).iter().flat_map(|member| self.classes(member)).collect();
        out.sort();
        out.dedup();
        out
    }

    /// Every key that is the same aspect as `key`, `key` first (see `View::family`).
    pub(crate) fn family(&self, key: &AspectKey) -> Vec<AspectKey> {
        let mut keys = vec![key.clone()];
        keys.extend(self.view().family(key).into_iter().filter(|k| k != key));
        keys
    }

    pub(crate) fn is_defined(&self, key: &AspectKey) -> bool {
        self.view().is_defined(key)
    }

    /// Definition sites of an aspect, in path order.
    pub(crate) fn definitions(&self, key: &AspectKey) -> Vec<Site> {
        let mut sites = Vec::new();
        for file in distinct(self.index.defs().get(key, None)) {
            let data = self.data(file);
            sites.extend(
                data.resolved.definitions.iter().filter(|d| &d.key == key).map(|d| Site { file, range: d.name.range }),
            );
        }
        self.sort_sites(&mut sites);
        sites
    }

    /// Static references to an aspect (one per place the name is written), in path order.
    pub(crate) fn references(&self, key: &AspectKey) -> Vec<Site> {
        let mut sites = Vec::new();
        for file in distinct(self.index.refs().get(key, None)) {
            let data = self.data(file);
            for r in &data.resolved.refs {
                if let Target::Aspect { key: k, name, .. } = &r.target
                    && k == key
                {
                    sites.push(Site { file, range: name.range });
                }
            }
        }
        self.sort_sites(&mut sites);
        sites.dedup();
        sites
    }

    /// The classes an aspect contributes to, with the files that contribute to each.
    pub(crate) fn classes(&self, key: &AspectKey) -> Vec<(SmolStr, Vec<FileId>)> {
        let mut classes: FxHashMap<SmolStr, FxHashSet<FileId>> = FxHashMap::default();
        self.each_class_file(key, |class, file| {
            classes.entry(class.clone()).or_default().insert(file);
        });
        let mut out: Vec<(SmolStr, Vec<FileId>)> = classes
            .into_iter()
            .map(|(class, files)| {
                let mut files: Vec<FileId> = files.into_iter().collect();
                files.sort_by(|a, b| self.path(*a).cmp(self.path(*b)));
                (class, files)
            })
            .collect();
        out.sort();
        out
    }

    /// Calls `f` with each class `key` contributes to and a file that makes it do so: its own
    /// class in every file defining it, and the classes those files contribute it to.
    fn each_class_file(&self, key: &AspectKey, mut f: impl FnMut(&SmolStr, FileId)) {
        for file in distinct(self.index.defs().get(key, None)) {
            if let Some(class) = &key.class {
                f(class, file);
            }
            for c in self.data(file).resolved.contributions.iter().filter(|c| &c.key == key) {
                f(&c.class, file);
            }
        }
    }

    /// Aspects `key` imports or includes.
    pub(crate) fn includes(&self, key: &AspectKey) -> Vec<AspectKey> {
        let owner = Owner::Aspect(key.clone());
        let mut out: Vec<AspectKey> = distinct(self.index.defs().get(key, None))
            .flat_map(|f| {
                self.data(f).resolved.edges().filter(|(o, _)| **o == owner).map(|(_, t)| t.clone()).collect::<Vec<_>>()
            })
            .collect();
        out.sort();
        out.dedup();
        out
    }

    /// Aspects and hosts that import or include `key`.
    pub(crate) fn importers(&self, key: &AspectKey) -> Vec<Owner> {
        let mut out: Vec<Owner> = Vec::new();
        self.view().each_importer(key, |importer| {
            out.push(match importer {
                Importer::Aspect(k) => Owner::Aspect(k.clone()),
                Importer::Host(h) => Owner::Host(h.clone()),
            })
        });
        out.sort_by_key(owner_order);
        out.dedup();
        out
    }

    pub(crate) fn included_by(&self, key: &AspectKey) -> Vec<AspectKey> {
        self.importers(key)
            .into_iter()
            .filter_map(|o| match o {
                Owner::Aspect(k) => Some(k),
                Owner::Host(_) => None,
            })
            .collect()
    }

    /// Hosts that get `key`, directly or through other aspects.
    pub(crate) fn hosts_of(&self, key: &AspectKey) -> Vec<HostKey> {
        self.view().hosts_of(key)
    }

    /// Every host, in no particular order.
    pub(crate) fn host_keys(&self) -> impl Iterator<Item = &HostKey> + '_ {
        self.index.hosts.keys()
    }

    /// Where a host is declared, in path order.
    pub(crate) fn host_definitions(&self, key: &HostKey) -> Vec<Site> {
        let mut sites = Vec::new();
        for file in distinct(self.index.hosts.get(key, None)) {
            let hosts = &self.data(file).resolved.hosts;
            sites.extend(hosts.iter().filter(|h| &h.key == key).map(|h| Site { file, range: h.name.range }));
        }
        self.sort_sites(&mut sites);
        sites
    }

    pub(super) fn sort_sites(&self, sites: &mut [Site]) {
        sites.sort_by(|a, b| (self.path(a.file), a.range.start()).cmp(&(self.path(b.file), b.range.start())));
    }
}

fn owner_order(owner: &Owner) -> (u8, String) {
    match owner {
        Owner::Host(h) => (0, format!("{h:?}")),
        Owner::Aspect(a) => (1, a.to_string()),
    }
}

/// Adds `file` to `class`'s files in a list of classes and their files, once.
pub(crate) fn add_class_file(classes: &mut Vec<(SmolStr, Vec<FileId>)>, class: &SmolStr, file: FileId) {
    match classes.iter_mut().find(|(c, _)| c == class) {
        Some((_, files)) if !files.contains(&file) => files.push(file),
        Some(_) => {}
        None => classes.push((class.clone(), vec![file])),
    }
}

impl Graph {
    /// What `owner` imports or includes, each with the place that names it: the reference's name,
    /// or, for an aspect a den host gets by its own name, the host's name. In no particular order;
    /// costs the references of the files defining `owner`.
    pub(crate) fn imports_by(&self, owner: &Owner) -> Vec<(AspectKey, Site)> {
        let mut out = Vec::new();
        for file in self.owner_files(owner) {
            let resolved = &self.data(file).resolved;
            for r in resolved.refs.iter().filter(|r| r.context.is_some()) {
                if let (Some(o), Target::Aspect { key, name, .. }) = (r.owner, &r.target)
                    && resolved.owners.get(o as usize) == Some(owner)
                {
                    out.push((key.clone(), Site { file, range: name.range }));
                }
            }
            if let Owner::Host(host) = owner
                && let Some(site) = resolved.hosts.iter().find(|h| &h.key == host)
            {
                for (_, aspect) in resolved.host_aspects.iter().filter(|(h, _)| h == host) {
                    out.push((aspect.clone(), Site { file, range: site.name.range }));
                }
            }
        }
        out
    }
}

/// One file's edges by owner and its aspects' classes, read once for a walk.
#[derive(Default)]
struct FileEdges<'g> {
    edges: FxHashMap<&'g Owner, Vec<&'g AspectKey>>,
    classes: FxHashMap<&'g AspectKey, Vec<&'g SmolStr>>,
}

impl Graph {
    /// Every aspect `owner` ends up with, through imports and includes at any depth, each with
    /// the classes it is (its own, or those an aspect-first aspect contributes to), sorted by
    /// key. Each file on the way is read once, however many of its aspects the walk reaches.
    pub(crate) fn reachable(&self, owner: &Owner) -> Vec<(AspectKey, Vec<SmolStr>)> {
        let mut files: FxHashMap<FileId, FileEdges<'_>> = FxHashMap::default();
        let mut queue: Vec<AspectKey> = self.imports_by(owner).into_iter().map(|(key, _)| key).collect();
        let mut seen: FxHashSet<AspectKey> = FxHashSet::default();
        let mut out = Vec::new();
        while let Some(key) = queue.pop() {
            if seen.contains(&key) {
                continue;
            }
            seen.insert(key.clone());
            let mut classes: Vec<SmolStr> = key.class.iter().cloned().collect();
            let as_owner = Owner::Aspect(key.clone());
            for file in distinct(self.index.defs().get(&key, None)) {
                let read = files.entry(file).or_insert_with(|| self.file_edges(file));
                queue.extend(read.edges.get(&as_owner).into_iter().flatten().map(|k| (*k).clone()));
                if key.class.is_none() {
                    classes.extend(read.classes.get(&key).into_iter().flatten().map(|c| (*c).clone()));
                }
            }
            classes.sort();
            classes.dedup();
            out.push((key, classes));
        }
        out.sort();
        out
    }

    fn file_edges(&self, file: FileId) -> FileEdges<'_> {
        let resolved = &self.data(file).resolved;
        let mut read = FileEdges::default();
        for (owner, target) in resolved.edges() {
            read.edges.entry(owner).or_default().push(target);
        }
        for c in &resolved.contributions {
            read.classes.entry(&c.key).or_default().push(&c.class);
        }
        read
    }
}

impl Graph {
    /// Every collection and class holding a defined aspect, with how many, in no particular
    /// order: as many as the workspace has scopes, not aspects.
    pub(crate) fn defined_scopes(&self) -> impl Iterator<Item = (&Scope, usize)> + '_ {
        self.index
            .scope_aspects
            .keys()
            .map(|scope| (scope, self.index.scope_aspects.get(scope, None).map_or(0, |keys| keys.len())))
    }
}

impl Graph {
    /// The files that define an aspect or declare a host, in id order.
    pub(crate) fn owner_files(&self, owner: &Owner) -> Vec<FileId> {
        let files = match owner {
            Owner::Aspect(key) => self.index.defs().get(key, None),
            Owner::Host(key) => self.index.hosts.get(key, None),
        };
        distinct(files).collect()
    }

    /// Who in `file` imports or includes `target`, each with the places that say so (as
    /// `imports_by` finds them): one pass over the file, however many importers it holds.
    pub(crate) fn importers_in(&self, file: FileId, target: &AspectKey) -> FxHashMap<Owner, Vec<Site>> {
        let resolved = &self.data(file).resolved;
        let mut out: FxHashMap<Owner, Vec<Site>> = FxHashMap::default();
        for r in resolved.refs.iter().filter(|r| r.context.is_some()) {
            if let (Some(o), Target::Aspect { key, name, .. }) = (r.owner, &r.target)
                && key == target
                && let Some(owner) = resolved.owners.get(o as usize)
            {
                out.entry(owner.clone()).or_default().push(Site { file, range: name.range });
            }
        }
        for (host, _) in resolved.host_aspects.iter().filter(|(_, a)| a == target) {
            if let Some(site) = resolved.hosts.iter().find(|h| &h.key == host) {
                out.entry(Owner::Host(host.clone())).or_default().push(Site { file, range: site.name.range });
            }
        }
        out
    }
}
