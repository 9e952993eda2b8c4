//! The workspace: every file's summary, and the aspect graph built from them.
//!
//! Updating a file re-reads that file only: its summary is rebuilt, its old contribution to the
//! index is subtracted and the new one added. The index notices which facts flipped (an aspect
//! became defined, a class stopped being consumed, ...) and marks exactly the files whose
//! cross-file diagnostics read those facts; only they are re-checked. Two rare edits are global:
//! changing the workspace's declared collections or its import-tree roots re-reads every summary.
//! It re-parses only the files whose summaries were pruned shallower than a newly declared
//! collection reads (`deepen`).

use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use rustc_hash::{FxHashMap, FxHashSet};
use smol_str::SmolStr;

use crate::base::{AspectKey, Change, FileId, FileRole, HostKey, Scope, Site};

use self::resolve::{Owner, Resolved, Target};
use crate::base::diagnostics::Diagnostic;
use crate::base::parallel;
use crate::base::text::{Encoding, LineIndex, TextRange, TextSize};
use crate::checks;
use crate::dendritic::collections::CollectionSet;
use crate::dendritic::import_tree::{FileKind, ImportTreeRoots};
use crate::summary::FileSummary;
use crate::summary::extract;
use crate::syntax::Parse;

use self::trees::Trees;

pub(crate) mod resolve;
mod trees;

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

pub(crate) struct FileData {
    pub(crate) path: String,
    pub(crate) text: Arc<str>,
    /// Built on first use: most files never have a position converted.
    line_index: OnceLock<LineIndex>,
    pub(crate) summary: FileSummary,
    pub(crate) role: FileRole,
    pub(crate) resolved: Resolved,
    /// Cross-file diagnostics, kept current by `apply`.
    checked: Vec<Diagnostic>,
    /// Scopes in which this file has undefined references (their messages list near names).
    undefined_in: Vec<Scope>,
}

/// One repository.
#[derive(Default)]
pub(crate) struct Workspace {
    files: Vec<Option<FileData>>,
    by_path: FxHashMap<String, FileId>,
    free: Vec<FileId>,
    collections: CollectionSet,
    roots: ImportTreeRoots,
    /// Folders (with a trailing `/`) holding a flake of their own, such as templates: another
    /// repository as far as canopy is concerned.
    nested_flakes: Vec<String>,
    pub(crate) index: Index,
    /// Files whose diagnostics may have changed since `take_changed` was last called.
    changed: FxHashSet<FileId>,
    /// Set between `begin_bulk` and `end_bulk`.
    bulk: Option<Bulk>,
    structure: Structure,
    trees: Trees,
}

/// Cross-file checks put off while a workspace is loaded in many batches.
#[derive(Default)]
struct Bulk {
    dirty: FxHashSet<FileId>,
}

/// What every file is read against, derived from all files: the declared collections, the
/// import-tree roots, nested flakes, files imported by path. Counted per contribution, so a file
/// change updates it in time proportional to that file, and a change that does not alter the
/// outcome (a file re-saved with the same declarations) costs nothing more.
#[derive(Default)]
struct Structure {
    declarations: FxHashMap<Declaration, u32>,
    /// Files holding import-tree calls.
    call_files: std::collections::BTreeSet<FileId>,
    /// Files below `modules/`, the fallback root.
    under_modules: usize,
    /// Files whose top-level module imports files by path.
    importing: std::collections::BTreeSet<FileId>,
    /// Files import-tree skips that a loaded module imports by path, directly or through others.
    loaded_by_import: FxHashSet<FileId>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Declaration {
    Collection(Vec<SmolStr>, crate::summary::DeclaredShape, Option<SmolStr>),
    Namespace(SmolStr),
}

fn file_declarations(summary: &FileSummary) -> impl Iterator<Item = Declaration> + '_ {
    let options = summary.options.iter().map(|o| Declaration::Collection(o.path.clone(), o.shape, o.class.clone()));
    options.chain(summary.namespaces.iter().map(|n| Declaration::Namespace(n.name.clone())))
}

/// Files a module imports by path: `./x.nix`, or `./dir` meaning `./dir/default.nix`.
fn import_targets(data: &FileData) -> impl Iterator<Item = String> + '_ {
    data.summary.imports.iter().filter_map(|literal| relative_path(&data.path, literal))
}

/// A change whose new texts are already summarised. Preparing needs no workspace, so a caller can
/// do it in parallel and outside any lock, then apply quickly.
pub(crate) struct PreparedChange {
    set: Vec<(String, Arc<str>, FileSummary, Option<Parse>)>,
    remove: Vec<String>,
}

/// Summarises a change's new texts on every core.
pub(crate) fn prepare(change: Change) -> PreparedChange {
    let summaries = summarize_all(&change.set);
    let set = change
        .set
        .into_iter()
        .zip(summaries)
        .map(|((path, text), (summary, tree))| (path, text, summary, tree))
        .collect();
    PreparedChange { set, remove: change.remove }
}

impl Workspace {
    pub(crate) fn new() -> Workspace {
        Workspace::default()
    }

    /// Applies a batch of changes. New texts are summarised in parallel.
    pub(crate) fn apply(&mut self, change: Change) {
        self.apply_prepared(prepare(change));
    }

    /// Starts loading in batches: until `end_bulk`, each batch updates the graph (queries answer
    /// from what is known so far) but cross-file diagnostics wait, so loading n files in batches
    /// checks each file once.
    pub(crate) fn begin_bulk(&mut self) {
        self.bulk.get_or_insert_with(Bulk::default);
    }

    /// Ends a bulk load with the checks it put off.
    pub(crate) fn end_bulk(&mut self) {
        if let Some(bulk) = self.bulk.take() {
            self.recheck(bulk.dirty);
        }
    }

    pub(crate) fn apply_prepared(&mut self, change: PreparedChange) {
        let mut touched: Vec<FileId> = Vec::new();
        let mut flips = Flips::default();
        let mut nested_changed = false;

        for path in &change.remove {
            let Some(id) = self.by_path.remove(path.as_str()) else { continue };
            nested_changed |= path.ends_with("/flake.nix");
            self.trees.forget(id);
            if let Some(data) = self.files[id.0 as usize].take() {
                self.leave_graph(id, &data, &mut flips);
                self.leave_structure(id, &data);
                self.forget_checks(id, &data);
            }
            self.free.push(id);
            self.changed.insert(id);
        }
        for (path, text, summary, tree) in change.set {
            let id = match self.by_path.get(&path) {
                Some(&id) => id,
                None => {
                    let id = self.free.pop().unwrap_or(FileId(self.files.len() as u32));
                    if id.0 as usize == self.files.len() {
                        self.files.push(None);
                    }
                    nested_changed |= path.ends_with("/flake.nix");
                    self.by_path.insert(path.clone(), id);
                    id
                }
            };
            let old = self.files[id.0 as usize].take();
            if let Some(old) = &old {
                self.leave_graph(id, old, &mut flips);
                self.leave_structure(id, old);
            }
            let (checked, undefined_in) = match old {
                Some(old) => (old.checked, old.undefined_in),
                None => (Vec::new(), Vec::new()),
            };
            match tree {
                Some(tree) => self.trees.keep(id, text.clone(), Arc::new(tree)),
                None => self.trees.forget(id),
            }
            let data = FileData {
                line_index: OnceLock::new(),
                path,
                text,
                summary,
                role: FileRole::Outside,
                resolved: Resolved::default(),
                checked,
                undefined_in,
            };
            self.enter_structure(id, &data);
            self.files[id.0 as usize] = Some(data);
            touched.push(id);
        }

        // Shared inputs that changed their outcome: every file is read again (rare: a collection
        // declared, an import-tree call edited, a nested flake added).
        if nested_changed || self.collections_outdated() || self.roots_outdated() {
            self.rebuild();
            return;
        }
        // Files imported by path load with their importers, transitively; a change to who imports
        // what is followed by reading the (few) importing files again.
        let loaded = self.loaded_by_import();
        let mut regained: Vec<FileId> =
            loaded.symmetric_difference(&self.structure.loaded_by_import).copied().collect();
        self.structure.loaded_by_import = loaded;
        regained.retain(|id| !touched.contains(id) && self.contains(*id));
        let mut dirty: FxHashSet<FileId> = FxHashSet::default();
        let entering: Vec<FileId> = touched.into_iter().chain(regained).collect();
        for &id in &entering {
            if let Some(data) = self.files[id.0 as usize].take() {
                self.leave_graph(id, &data, &mut flips);
                self.files[id.0 as usize] = Some(data);
            }
        }
        self.enter_graph(&entering, &mut flips);
        dirty.extend(entering);
        dirty.extend(self.index.dependents(&flips, &self.files));
        self.checks_for(dirty);
    }

    /// Runs the checks of `dirty` now, or at the end of a bulk load.
    fn checks_for(&mut self, dirty: FxHashSet<FileId>) {
        match self.bulk.as_mut() {
            Some(bulk) => bulk.dirty.extend(dirty),
            None => self.recheck(dirty),
        }
    }

    fn in_nested_flake(&self, path: &str) -> bool {
        self.nested_flakes.iter().any(|n| path.starts_with(n.as_str()))
    }

    fn enter_structure(&mut self, id: FileId, data: &FileData) {
        if self.in_nested_flake(&data.path) {
            return;
        }
        for declaration in file_declarations(&data.summary) {
            *self.structure.declarations.entry(declaration).or_default() += 1;
        }
        if !data.summary.import_tree.is_empty() {
            self.structure.call_files.insert(id);
        }
        if !data.summary.imports.is_empty() {
            self.structure.importing.insert(id);
        }
        self.structure.under_modules += usize::from(data.path.starts_with("modules/"));
    }

    fn leave_structure(&mut self, id: FileId, data: &FileData) {
        if self.in_nested_flake(&data.path) {
            return;
        }
        for declaration in file_declarations(&data.summary) {
            if let Some(n) = self.structure.declarations.get_mut(&declaration) {
                *n -= 1;
                if *n == 0 {
                    self.structure.declarations.remove(&declaration);
                }
            }
        }
        self.structure.call_files.remove(&id);
        self.structure.importing.remove(&id);
        self.structure.under_modules =
            self.structure.under_modules.saturating_sub(usize::from(data.path.starts_with("modules/")));
    }

    /// Gives files their roles and, when loaded, their places in the graph. Reading summaries
    /// against the collection table is the costly part, and independent per file: it runs on
    /// every core.
    fn enter_graph(&mut self, ids: &[FileId], flips: &mut Flips) {
        self.deepen(ids);
        // Pruning needs each summary mutably: it is lent to the one worker that reads it.
        let placed: Vec<((FileId, FileRole), Mutex<FileSummary>)> = ids
            .iter()
            .map(|&id| {
                let role = self.role_for(id);
                let summary = self.files[id.0 as usize].as_mut().map(|d| std::mem::take(&mut d.summary));
                ((id, role), Mutex::new(summary.unwrap_or_default()))
            })
            .collect();
        let collections = &self.collections;
        let resolved = parallel::map(&placed, |((_, role), summary)| {
            let mut summary = summary.lock().unwrap_or_else(PoisonError::into_inner);
            summary.prune(|root| collections.depth_read(root));
            if role.in_graph() { resolve::resolve(&summary, collections) } else { Resolved::default() }
        });
        for (((id, role), summary), resolved) in placed.into_iter().zip(resolved) {
            let Some(data) = self.files[id.0 as usize].as_mut() else { continue };
            data.summary = summary.into_inner().unwrap_or_else(PoisonError::into_inner);
            data.role = role;
            data.resolved = resolved;
            if role.in_graph() {
                let data = self.files[id.0 as usize].as_ref().expect("set above");
                self.index.add(id, data, flips);
            }
        }
    }

    /// Summarises again the files whose summaries were pruned above the depth the collection
    /// table now reads: a collection declared since, of its own or deeper than the built-in ones
    /// (see `FileSummary::prune`). Rare: it happens when a declaration is written or loaded after
    /// the files that use it.
    fn deepen(&mut self, ids: &[FileId]) {
        let collections = &self.collections;
        let shallow: Vec<FileId> = ids
            .iter()
            .copied()
            .filter(|id| {
                self.files[id.0 as usize]
                    .as_ref()
                    .is_some_and(|d| d.summary.cut.iter().any(|(root, kept)| collections.depth_read(root) > *kept))
            })
            .collect();
        let files = &self.files;
        let fresh = parallel::map(&shallow, |id| {
            files[id.0 as usize].as_ref().map(|data| extract::summarize(&data.path, &data.text))
        });
        for (id, summary) in shallow.into_iter().zip(fresh) {
            if let (Some(data), Some(summary)) = (self.files[id.0 as usize].as_mut(), summary) {
                data.summary = summary;
            }
        }
    }

    fn leave_graph(&mut self, id: FileId, data: &FileData, flips: &mut Flips) {
        if data.role.in_graph() {
            self.index.remove(id, data, flips);
        }
    }

    /// A file's role: import-tree's verdict, unless a loaded module imports it by path.
    fn role_for(&self, id: FileId) -> FileRole {
        let role = role_of(&self.roots, &self.nested_flakes, &self.data(id).path);
        if self.structure.loaded_by_import.contains(&id) { FileRole::TopLevel } else { role }
    }

    /// The files import-tree skips that loaded modules import by path, followed transitively.
    fn loaded_by_import(&self) -> FxHashSet<FileId> {
        let mut loaded = FxHashSet::default();
        let mut queue: Vec<FileId> = self
            .structure
            .importing
            .iter()
            .copied()
            .filter(|id| {
                matches!(
                    role_of(&self.roots, &self.nested_flakes, &self.data(*id).path),
                    FileRole::TopLevel | FileRole::Flake
                )
            })
            .collect();
        while let Some(id) = queue.pop() {
            for target in import_targets(self.data(id)) {
                let Some(target) = self.file_id(&target).or_else(|| self.file_id(&format!("{target}/default.nix")))
                else {
                    continue;
                };
                let base = role_of(&self.roots, &self.nested_flakes, &self.data(target).path);
                let nested = self.in_nested_flake(&self.data(target).path);
                if matches!(base, FileRole::Ignored | FileRole::Outside) && !nested && loaded.insert(target) {
                    queue.push(target);
                }
            }
        }
        loaded
    }

    fn fresh_collections(&self) -> CollectionSet {
        let mut options = Vec::new();
        let mut namespaces = Vec::new();
        for declaration in self.structure.declarations.keys() {
            match declaration {
                Declaration::Collection(path, shape, class) => options.push(crate::summary::OptionDecl {
                    path: path.clone(),
                    range: TextRange::default(),
                    shape: *shape,
                    class: class.clone(),
                }),
                Declaration::Namespace(name) => {
                    namespaces.push(crate::summary::NamespaceDecl { name: name.clone(), range: TextRange::default() })
                }
            }
        }
        // Rows in a stable order, whatever the hash map's.
        options.sort_by(|a, b| (&a.path, a.class.as_deref()).cmp(&(&b.path, b.class.as_deref())));
        CollectionSet::new(&options, &namespaces)
    }

    fn fresh_roots(&self) -> ImportTreeRoots {
        let calls: Vec<(&str, &crate::dendritic::import_tree::ImportTreeCall)> = self
            .structure
            .call_files
            .iter()
            .filter_map(|id| self.files[id.0 as usize].as_ref())
            .flat_map(|d| d.summary.import_tree.iter().map(move |c| (d.path.as_str(), c)))
            .collect();
        ImportTreeRoots::new(calls, self.structure.under_modules > 0)
    }

    fn collections_outdated(&self) -> bool {
        self.fresh_collections() != self.collections
    }

    fn roots_outdated(&self) -> bool {
        self.fresh_roots() != self.roots
    }

    /// Reads every file again against fresh shared inputs.
    fn rebuild(&mut self) {
        let mut nested: Vec<String> = self
            .files
            .iter()
            .flatten()
            .filter_map(|d| d.path.strip_suffix("flake.nix").filter(|dir| !dir.is_empty()))
            .map(str::to_string)
            .collect();
        nested.sort();
        self.nested_flakes = nested;
        self.structure = Structure::default();
        let ids: Vec<FileId> = self.file_ids().collect();
        for &id in &ids {
            let Some(data) = self.files[id.0 as usize].take() else { continue };
            self.enter_structure(id, &data);
            self.files[id.0 as usize] = Some(data);
        }
        self.collections = self.fresh_collections();
        self.roots = self.fresh_roots();
        self.structure.loaded_by_import = self.loaded_by_import();
        self.index = Index::default();
        for data in self.files.iter_mut().flatten() {
            data.undefined_in.clear();
        }
        let mut flips = Flips::default();
        self.enter_graph(&ids, &mut flips);
        self.checks_for(ids.into_iter().collect());
    }

    fn recheck(&mut self, dirty: FxHashSet<FileId>) {
        let live: Vec<FileId> =
            dirty.iter().copied().filter(|id| self.files.get(id.0 as usize).is_some_and(Option::is_some)).collect();
        // Checks only read the workspace: every file's at once.
        let results = parallel::map(&live, |&id| checks::check(self, id));
        for (id, (diagnostics, undefined_in)) in live.into_iter().zip(results) {
            let Some(data) = self.files[id.0 as usize].as_mut() else { continue };
            for scope in &data.undefined_in {
                if let Some(files) = self.index.undefined.get_mut(scope) {
                    files.remove(&id);
                }
            }
            for scope in &undefined_in {
                self.index.undefined.entry(scope.clone()).or_default().insert(id);
            }
            data.undefined_in = undefined_in;
            data.checked = diagnostics;
        }
        self.changed.extend(dirty);
    }

    fn forget_checks(&mut self, id: FileId, data: &FileData) {
        for scope in &data.undefined_in {
            if let Some(files) = self.index.undefined.get_mut(scope) {
                files.remove(&id);
            }
        }
    }

    fn file_ids(&self) -> impl Iterator<Item = FileId> + '_ {
        self.files.iter().enumerate().filter(|(_, d)| d.is_some()).map(|(i, _)| FileId(i as u32))
    }

    pub(crate) fn data(&self, file: FileId) -> &FileData {
        self.files[file.0 as usize].as_ref().expect("a live file id")
    }

    pub(crate) fn collections(&self) -> &CollectionSet {
        &self.collections
    }

    pub(crate) fn file_id(&self, path: &str) -> Option<FileId> {
        self.by_path.get(path).copied()
    }

    /// Every file, in path order.
    pub(crate) fn files(&self) -> Vec<FileId> {
        let mut ids: Vec<FileId> = self.file_ids().collect();
        ids.sort_by(|a, b| self.path(*a).cmp(self.path(*b)));
        ids
    }

    /// The path of a file, `None` once it is removed.
    pub(crate) fn try_path(&self, file: FileId) -> Option<&str> {
        self.files.get(file.0 as usize)?.as_ref().map(|d| d.path.as_str())
    }

    pub(crate) fn path(&self, file: FileId) -> &str {
        &self.data(file).path
    }

    pub(crate) fn text(&self, file: FileId) -> &str {
        &self.data(file).text
    }

    pub(crate) fn line_index(&self, file: FileId) -> &LineIndex {
        let data = self.data(file);
        data.line_index.get_or_init(|| LineIndex::new(&data.text))
    }

    /// The 1-based line of `offset` in `file`, for messages that name a place (`path:line`).
    pub(crate) fn line_number(&self, file: FileId, offset: TextSize) -> u32 {
        self.line_index(file).line_col(self.text(file), offset, Encoding::Utf8).line + 1
    }

    /// The syntax tree of a file's current text (kept for the few files last edited or asked
    /// about, parsed again otherwise).
    pub(crate) fn tree(&self, file: FileId) -> Arc<Parse> {
        self.trees.get(file, &self.data(file).text)
    }

    pub(crate) fn summary(&self, file: FileId) -> &FileSummary {
        &self.data(file).summary
    }

    pub(crate) fn role(&self, file: FileId) -> FileRole {
        self.data(file).role
    }

    /// Workspace-relative import-tree roots in use.
    pub(crate) fn roots(&self) -> Vec<String> {
        self.roots.roots()
    }

    /// Every diagnostic of a file, sorted by position.
    pub(crate) fn diagnostics(&self, file: FileId) -> Vec<Diagnostic> {
        let data = self.data(file);
        let mut all: Vec<Diagnostic> = match data.role {
            FileRole::Outside => Vec::new(),
            _ => data.summary.diagnostics.clone(),
        };
        all.extend(data.checked.iter().cloned());
        all.sort_by_key(|d| (d.range.start(), d.range.end(), d.kind));
        all.dedup();
        all
    }

    /// The diagnostics Nix itself would report parsing the file (syntax, undefined names,
    /// duplicate attributes), whatever the file's role: for files canopy sees alone.
    pub(crate) fn parse_diagnostics(&self, file: FileId) -> Vec<Diagnostic> {
        self.data(file).summary.diagnostics.clone()
    }

    /// Files whose diagnostics may have changed since the last call (removed files included).
    pub(crate) fn take_changed(&mut self) -> Vec<FileId> {
        let mut changed: Vec<FileId> = self.changed.drain().collect();
        changed.sort();
        changed
    }

    /// Is `file` still part of the workspace?
    pub(crate) fn contains(&self, file: FileId) -> bool {
        self.files.get(file.0 as usize).is_some_and(Option::is_some)
    }

    // ---- the graph's queries -------------------------------------------------------------------

    /// Every aspect that is defined or referenced, sorted by key.
    pub(crate) fn aspect_keys(&self) -> Vec<AspectKey> {
        let mut keys: FxHashSet<&AspectKey> = self.index.defs.keys().collect();
        keys.extend(self.index.refs.keys());
        let mut keys: Vec<AspectKey> = keys.into_iter().cloned().collect();
        keys.sort();
        keys
    }

    /// Some definitions in `scope` (or above it) are built at evaluation time.
    pub(crate) fn is_opaque(&self, scope: &Scope) -> bool {
        let mut path = scope.collection.to_string();
        if let Some(class) = &scope.class {
            path.push('.');
            path.push_str(class);
        }
        self.index.opaque.keys().any(|o| path == o.as_str() || path.starts_with(&format!("{o}.")))
    }

    /// The keys that define `key`: itself, or the aspect of the same name in a scope it mirrors
    /// (`flake.nixosModules = config.flake.modules.nixos` makes `flake.nixosModules.x` be
    /// `flake.modules.nixos.x`).
    pub(crate) fn defining_keys(&self, key: &AspectKey) -> Vec<AspectKey> {
        if self.is_defined(key) {
            return vec![key.clone()];
        }
        let scope = Scope { collection: key.collection.clone(), class: key.class.clone() };
        let mut out: Vec<AspectKey> = self
            .index
            .mirrors
            .get(&scope)
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
                self.index.defs.get_key_value(&probe).map(|(stored, _)| stored.clone())
            })
            .collect();
        out.sort();
        out.dedup();
        out
    }

    /// The defined aspects of a collection and class, in no particular order.
    pub(crate) fn defined_in_unordered(
        &self,
        collection: &str,
        class: Option<&str>,
    ) -> impl Iterator<Item = &AspectKey> + '_ {
        let scope = Scope { collection: SmolStr::new(collection), class: class.map(SmolStr::new) };
        self.index.scope_aspects.get(&scope).into_iter().flatten()
    }

    /// Every defined aspect, in no particular order.
    pub(crate) fn defined_keys(&self) -> impl Iterator<Item = &AspectKey> + '_ {
        self.index.defs.keys()
    }

    /// `classes_of_name`, merged by class, the files unordered: for counting them, which
    /// completion does for every item it offers.
    pub(crate) fn class_files_of_name(&self, key: &AspectKey) -> Vec<(SmolStr, Vec<FileId>)> {
        let mut out: Vec<(SmolStr, Vec<FileId>)> = Vec::new();
        for class in self.index.names.get(&(key.collection.clone(), key.name.clone())).into_iter().flatten() {
            self.each_class_file(&AspectKey { class: class.clone(), ..key.clone() }, |class, file| {
                add_class_file(&mut out, class, file);
            });
        }
        out
    }

    /// The same name in every class of its collection that defines it (`ssh` in `nixos` and in
    /// `homeManager`), with the files contributing to each class.
    pub(crate) fn classes_of_name(&self, key: &AspectKey) -> Vec<(SmolStr, Vec<FileId>)> {
        let mut out: Vec<(SmolStr, Vec<FileId>)> = self
            .index
            .names
            .get(&(key.collection.clone(), key.name.clone()))
            .into_iter()
            .flatten()
            .flat_map(|class| self.classes(&AspectKey { class: class.clone(), ..key.clone() }))
            .collect();
        out.sort();
        out.dedup();
        out
    }

    pub(crate) fn is_defined(&self, key: &AspectKey) -> bool {
        self.index.defs.contains_key(key)
    }

    /// Definition sites of an aspect, in path order.
    pub(crate) fn definitions(&self, key: &AspectKey) -> Vec<Site> {
        let mut sites = Vec::new();
        for file in unique(self.index.defs.get(key)) {
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
        for file in unique(self.index.refs.get(key)) {
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
        for file in unique(self.index.defs.get(key)) {
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
        let mut out: Vec<AspectKey> = unique(self.index.defs.get(key))
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
        self.each_importer(key, |importer| {
            out.push(match importer {
                Importer::Aspect(k) => Owner::Aspect(k.clone()),
                Importer::Host(h) => Owner::Host(h.clone()),
            })
        });
        out.sort_by_key(owner_order);
        out.dedup();
        out
    }

    /// Calls `f` with every aspect or host that imports or includes `key`, unordered: for walks
    /// that visit many aspects and sort once at the end.
    fn each_importer<'a>(&'a self, key: &AspectKey, mut f: impl FnMut(Importer<'a>)) {
        for (owner, _) in self.index.importers.get(key).into_iter().flatten() {
            f(match owner {
                Owner::Aspect(k) => Importer::Aspect(k),
                Owner::Host(h) => Importer::Host(h),
            });
        }
        for file in unique(self.index.host_aspects.get(key)) {
            for (host, aspect) in &self.data(file).resolved.host_aspects {
                if aspect == key {
                    f(Importer::Host(host));
                }
            }
        }
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
        let mut seen: FxHashSet<&AspectKey> = FxHashSet::default();
        let mut hosts: FxHashSet<&HostKey> = FxHashSet::default();
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

    /// The roster: every aspect, sorted by key. The graph's edges are gathered in one pass and
    /// each host walks them once, so the roster costs the size of the graph, not aspects times
    /// graph.
    pub(crate) fn aspects(&self) -> Vec<AspectInfo> {
        use std::collections::BTreeSet;
        let mut includes: FxHashMap<AspectKey, BTreeSet<AspectKey>> = FxHashMap::default();
        let mut included_by: FxHashMap<AspectKey, BTreeSet<AspectKey>> = FxHashMap::default();
        let mut host_aspects: FxHashMap<HostKey, BTreeSet<AspectKey>> = FxHashMap::default();
        for data in self.files.iter().flatten() {
            for (owner, target) in data.resolved.edges() {
                match owner {
                    Owner::Aspect(key) => {
                        includes.entry(key.clone()).or_default().insert(target.clone());
                        included_by.entry(target.clone()).or_default().insert(key.clone());
                    }
                    Owner::Host(host) => {
                        host_aspects.entry(host.clone()).or_default().insert(target.clone());
                    }
                }
            }
            for (host, aspect) in &data.resolved.host_aspects {
                host_aspects.entry(host.clone()).or_default().insert(aspect.clone());
            }
        }
        let mut hosts: FxHashMap<AspectKey, BTreeSet<HostKey>> = FxHashMap::default();
        for (host, direct) in &host_aspects {
            let mut queue: Vec<&AspectKey> = direct.iter().collect();
            let mut seen: FxHashSet<&AspectKey> = FxHashSet::default();
            while let Some(aspect) = queue.pop() {
                if !seen.insert(aspect) {
                    continue;
                }
                hosts.entry(aspect.clone()).or_default().insert(host.clone());
                queue.extend(includes.get(aspect).into_iter().flatten());
            }
        }
        let list = |set: Option<&BTreeSet<AspectKey>>| set.map(|s| s.iter().cloned().collect()).unwrap_or_default();
        self.aspect_keys()
            .into_iter()
            .map(|key| AspectInfo {
                classes: self.classes(&key).into_iter().map(|(c, _)| c).collect(),
                definitions: self.definitions(&key),
                references: self.references(&key),
                includes: list(includes.get(&key)),
                included_by: list(included_by.get(&key)),
                hosts: hosts.get(&key).map(|h| h.iter().cloned().collect()).unwrap_or_default(),
                key,
            })
            .collect()
    }

    /// Every host, sorted by key.
    pub(crate) fn hosts(&self) -> Vec<HostInfo> {
        let mut keys: Vec<&HostKey> = self.index.hosts.keys().collect();
        keys.sort();
        keys.into_iter()
            .map(|key| {
                let mut aspects = Vec::new();
                let owner = Owner::Host(key.clone());
                for file in unique(self.index.hosts.get(key)) {
                    let resolved = &self.data(file).resolved;
                    aspects.extend(resolved.edges().filter(|(o, _)| **o == owner).map(|(_, t)| t.clone()));
                    aspects.extend(resolved.host_aspects.iter().filter(|(h, _)| h == key).map(|(_, a)| a.clone()));
                }
                aspects.sort();
                aspects.dedup();
                HostInfo { key: key.clone(), definitions: self.host_definitions(key), aspects }
            })
            .collect()
    }

    /// Every host, in no particular order.
    pub(crate) fn host_keys(&self) -> impl Iterator<Item = &HostKey> + '_ {
        self.index.hosts.keys()
    }

    /// Where a host is declared, in path order.
    pub(crate) fn host_definitions(&self, key: &HostKey) -> Vec<Site> {
        let mut sites = Vec::new();
        for file in unique(self.index.hosts.get(key)) {
            let hosts = &self.data(file).resolved.hosts;
            sites.extend(hosts.iter().filter(|h| &h.key == key).map(|h| Site { file, range: h.name.range }));
        }
        self.sort_sites(&mut sites);
        sites
    }

    fn sort_sites(&self, sites: &mut [Site]) {
        sites.sort_by(|a, b| (self.path(a.file), a.range.start()).cmp(&(self.path(b.file), b.range.start())));
    }
}

/// An importer borrowed from the graph (see `Workspace::each_importer`).
enum Importer<'a> {
    Aspect(&'a AspectKey),
    Host(&'a HostKey),
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

/// Distinct files of a sorted multiset (see `files_of`), in id order.
fn unique(files: Option<&Vec<FileId>>) -> impl Iterator<Item = FileId> + '_ {
    let files = files.map(Vec::as_slice).unwrap_or_default();
    files.iter().enumerate().filter(|(i, f)| *i == 0 || files[i - 1] != **f).map(|(_, f)| *f)
}

fn role_of(roots: &ImportTreeRoots, nested_flakes: &[String], path: &str) -> FileRole {
    if path == "flake.nix" {
        return FileRole::Flake;
    }
    if nested_flakes.iter().any(|n| path.starts_with(n.as_str())) {
        return FileRole::Outside;
    }
    match roots.classify(path) {
        FileKind::TopLevel => FileRole::TopLevel,
        FileKind::Ignored => FileRole::Ignored,
        FileKind::Outside => FileRole::Outside,
    }
}

/// The workspace path a relative path literal in the file at `from` names (`..` resolved).
pub(crate) fn relative_path(from: &str, literal: &str) -> Option<String> {
    let mut parts: Vec<&str> = from.split('/').collect();
    parts.pop();
    for segment in literal.split('/') {
        match segment {
            "." | "" => {}
            ".." => {
                parts.pop()?;
            }
            other => parts.push(other),
        }
    }
    Some(parts.join("/"))
}

/// Summarises texts on every core.
///
/// Each summary is pruned at once, before the workspace knows its collections, so that a big
/// batch never holds every file's whole config tree: as deep as the built-in rows read, and
/// `PROVISIONAL_DEPTH` below any other name, which covers the usual declared collections
/// (`nixos.modules.<aspect>`, `<namespace>.<aspect>.<class>`). Entering the graph prunes to what
/// the workspace's table reads; a collection declared deeper summarises its files again.
///
/// A batch of a few files is an edit or an opened document, about which questions come next:
/// their trees are kept (`Trees`).
fn summarize_all(files: &[(String, Arc<str>)]) -> Vec<(FileSummary, Option<Parse>)> {
    static BUILTIN: std::sync::LazyLock<CollectionSet> = std::sync::LazyLock::new(CollectionSet::default);
    let keep_trees = files.len() <= KEEP_TREES_OF;
    parallel::map(files, |(path, text)| {
        let (mut summary, tree) = if keep_trees {
            let (summary, tree) = extract::summarize_keeping_tree(path, text);
            (summary, Some(tree))
        } else {
            (extract::summarize(path, text), None)
        };
        summary.prune(|root| BUILTIN.depth_read(root).max(PROVISIONAL_DEPTH));
        (summary, tree)
    })
}

/// See `summarize_all`.
const KEEP_TREES_OF: usize = 2;

/// See `summarize_all`.
const PROVISIONAL_DEPTH: u16 = 4;

// ---- the index ---------------------------------------------------------------------------------

/// Facts that flipped during an update.
#[derive(Default)]
pub(crate) struct Flips {
    defined: FxHashSet<AspectKey>,
    referenced: FxHashSet<AspectKey>,
    host_referenced: FxHashSet<AspectKey>,
    opaque: FxHashSet<SmolStr>,
    consumed: FxHashSet<Scope>,
    classes: FxHashSet<SmolStr>,
    args: FxHashSet<SmolStr>,
    declared: FxHashSet<SmolStr>,
    mirrors: FxHashSet<Scope>,
}

/// Who defines, references and uses what, by file. Multisets: a file appears once per
/// occurrence, so removing its old contribution is exact.
#[derive(Default)]
pub(crate) struct Index {
    pub(crate) defs: FxHashMap<AspectKey, Vec<FileId>>,
    pub(crate) refs: FxHashMap<AspectKey, Vec<FileId>>,
    /// Aspects den hosts get by name.
    pub(crate) host_aspects: FxHashMap<AspectKey, Vec<FileId>>,
    /// Defined aspects by scope (class `None` for aspect-first collections): completion and
    /// near-name suggestions read one scope, not every key.
    pub(crate) scope_aspects: FxHashMap<Scope, FxHashSet<AspectKey>>,
    /// For each (collection, name), the classes that have it (defined or referenced).
    pub(crate) names: FxHashMap<(SmolStr, SmolStr), Vec<Option<SmolStr>>>,
    /// Files defining aspects in each scope, and each collection (class `None`).
    pub(crate) scope_defs: FxHashMap<Scope, Vec<FileId>>,
    pub(crate) opaque: FxHashMap<SmolStr, u32>,
    pub(crate) consumed: FxHashMap<Scope, u32>,
    /// Unknown classes: the files that write them.
    pub(crate) class_files: FxHashMap<SmolStr, Vec<FileId>>,
    pub(crate) class_defined: FxHashMap<SmolStr, u32>,
    pub(crate) class_referenced: FxHashMap<SmolStr, u32>,
    pub(crate) provided_args: FxHashMap<SmolStr, u32>,
    pub(crate) askers: FxHashMap<SmolStr, Vec<FileId>>,
    pub(crate) hosts: FxHashMap<HostKey, Vec<FileId>>,
    /// First names of declared options, and the files whose top-level configuration uses each name.
    pub(crate) declared: FxHashMap<SmolStr, u32>,
    pub(crate) keyed: FxHashMap<SmolStr, Vec<FileId>>,
    /// Scopes that hold exactly another scope's aspects, by target.
    pub(crate) mirrors: FxHashMap<Scope, Vec<(Scope, FileId)>>,
    /// Files referencing any aspect of a scope.
    pub(crate) scope_refs: FxHashMap<Scope, Vec<FileId>>,
    /// Files with undefined references in each scope; kept by `recheck`.
    pub(crate) undefined: FxHashMap<Scope, FxHashSet<FileId>>,
    /// Who imports or includes each aspect, with how often the files say so: hover's
    /// "hosts" walks the whole graph upwards, which reading files' edges made cost milliseconds.
    /// A map per aspect, as a `base` aspect may have thousands of importers.
    pub(crate) importers: FxHashMap<AspectKey, FxHashMap<Owner, u32>>,
}

/// Whether a contribution is being added to the index or taken out of it.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Delta {
    Add,
    Remove,
}

/// Notes that a yes-or-no fact flipped. A change subtracts a file's old contribution before it
/// adds the new one, so a fact the file keeps flips twice: it cancels out, and the files that read
/// it are not re-checked for an edit that changed nothing they read.
fn toggle<K: std::hash::Hash + Eq + Clone>(flips: &mut FxHashSet<K>, key: &K) {
    if !flips.remove(key) {
        flips.insert(key.clone());
    }
}

/// Adds or removes one occurrence of `file` under `key`; `true` when the key appeared or vanished.
/// Each list stays sorted, so readers walk its distinct files without sorting (see `unique`).
fn files_of<K: std::hash::Hash + Eq + Clone>(
    map: &mut FxHashMap<K, Vec<FileId>>,
    key: &K,
    file: FileId,
    delta: Delta,
) -> bool {
    match delta {
        Delta::Add => {
            let files = map.entry(key.clone()).or_default();
            // Files are mostly added in id order, so this is nearly always a push.
            let at = files.partition_point(|f| *f <= file);
            files.insert(at, file);
            files.len() == 1
        }
        Delta::Remove => {
            let Some(files) = map.get_mut(key) else { return false };
            if let Ok(i) = files.binary_search(&file) {
                files.remove(i);
            }
            let gone = files.is_empty();
            if gone {
                map.remove(key);
            }
            gone
        }
    }
}

/// Counts one occurrence of `key` up or down; `true` when the key appeared or vanished.
fn count<K: std::hash::Hash + Eq + Clone>(map: &mut FxHashMap<K, u32>, key: &K, delta: Delta) -> bool {
    match delta {
        Delta::Add => {
            let n = map.entry(key.clone()).or_default();
            *n += 1;
            *n == 1
        }
        Delta::Remove => {
            let Some(n) = map.get_mut(key) else { return false };
            *n = n.saturating_sub(1);
            let gone = *n == 0;
            if gone {
                map.remove(key);
            }
            gone
        }
    }
}

/// A file's contribution, as the index sees it.
struct Contribution {
    defs: Vec<AspectKey>,
    refs: Vec<AspectKey>,
    host_aspects: Vec<AspectKey>,
    scopes: Vec<Scope>,
    opaque: Vec<SmolStr>,
    consumed: Vec<Scope>,
    /// Unknown classes written, and whether in a definition.
    classes: Vec<(SmolStr, bool)>,
    provided: Vec<SmolStr>,
    asked: Vec<SmolStr>,
    hosts: Vec<HostKey>,
    declared: Vec<SmolStr>,
    keys: Vec<SmolStr>,
    mirrors: Vec<crate::graph::resolve::Mirror>,
    ref_scopes: Vec<Scope>,
    /// Import edges, as often as the file writes them.
    edges: Vec<(Owner, AspectKey)>,
}

fn contribution(data: &FileData) -> Contribution {
    let r = &data.resolved;
    let defs: Vec<AspectKey> = r.definitions.iter().map(|d| d.key.clone()).collect();
    let mut scopes: Vec<Scope> = Vec::new();
    for key in &defs {
        scopes.push(Scope { collection: key.collection.clone(), class: key.class.clone() });
        if key.class.is_some() {
            scopes.push(Scope { collection: key.collection.clone(), class: None });
        }
    }
    scopes.sort();
    scopes.dedup();
    let refs: Vec<AspectKey> = r
        .refs
        .iter()
        .filter_map(|x| match &x.target {
            Target::Aspect { key, .. } => Some(key.clone()),
            _ => None,
        })
        .collect();
    let mut ref_scopes: Vec<Scope> =
        refs.iter().map(|k| Scope { collection: k.collection.clone(), class: k.class.clone() }).collect();
    ref_scopes.sort();
    ref_scopes.dedup();
    let consumed = r
        .refs
        .iter()
        .filter(|x| !x.alias)
        .filter_map(|x| match &x.target {
            Target::Scope(scope) => Some(scope.clone()),
            _ => None,
        })
        .collect();
    let classes = r
        .classes
        .iter()
        .filter(|c| !crate::dendritic::collections::is_known_class(&c.class))
        .map(|c| (c.class.clone(), c.defining))
        .collect();
    let module = data.summary.module.as_ref();
    Contribution {
        defs,
        refs,
        host_aspects: r.host_aspects.iter().map(|(_, a)| a.clone()).collect(),
        scopes,
        opaque: r.opaque.clone(),
        consumed,
        classes,
        provided: module.map(|m| m.provides_args.clone()).unwrap_or_default(),
        asked: module.map(|m| m.args.iter().map(|a| a.name.clone()).collect()).unwrap_or_default(),
        hosts: r.hosts.iter().map(|h| h.key.clone()).collect(),
        declared: data.summary.declared.clone(),
        keys: {
            let mut keys: Vec<SmolStr> =
                module.map(|m| m.keys.iter().map(|k| k.text.clone()).collect()).unwrap_or_default();
            keys.sort();
            keys.dedup();
            keys
        },
        mirrors: r.mirrors.clone(),
        ref_scopes,
        edges: r.edges().map(|(o, k)| (o.clone(), k.clone())).collect(),
    }
}

/// Counts one more or one less time that `owner` imports `target`.
fn count_importer(
    importers: &mut FxHashMap<AspectKey, FxHashMap<Owner, u32>>,
    owner: &Owner,
    target: &AspectKey,
    delta: Delta,
) {
    match delta {
        Delta::Add => {
            let owners = importers.entry(target.clone()).or_default();
            count(owners, owner, delta);
        }
        Delta::Remove => {
            let Some(owners) = importers.get_mut(target) else { return };
            count(owners, owner, delta);
            if owners.is_empty() {
                importers.remove(target);
            }
        }
    }
}

impl Index {
    fn add(&mut self, file: FileId, data: &FileData, flips: &mut Flips) {
        self.update(file, &contribution(data), flips, Delta::Add);
    }

    fn remove(&mut self, file: FileId, data: &FileData, flips: &mut Flips) {
        self.update(file, &contribution(data), flips, Delta::Remove);
    }

    /// Adds or subtracts a file's contribution, noting every fact that flips.
    fn update(&mut self, file: FileId, c: &Contribution, flips: &mut Flips, delta: Delta) {
        for key in &c.defs {
            if files_of(&mut self.defs, key, file, delta) {
                toggle(&mut flips.defined, key);
                self.sync_names(key);
                self.sync_scope(key, delta);
            }
        }
        for key in &c.refs {
            if files_of(&mut self.refs, key, file, delta) {
                toggle(&mut flips.referenced, key);
                self.sync_names(key);
            }
        }
        for key in &c.host_aspects {
            if files_of(&mut self.host_aspects, key, file, delta) {
                toggle(&mut flips.host_referenced, key);
            }
        }
        for scope in &c.scopes {
            files_of(&mut self.scope_defs, scope, file, delta);
        }
        for scope in &c.opaque {
            if count(&mut self.opaque, scope, delta) {
                toggle(&mut flips.opaque, scope);
            }
        }
        for scope in &c.consumed {
            if count(&mut self.consumed, scope, delta) {
                toggle(&mut flips.consumed, scope);
            }
        }
        for (class, defining) in &c.classes {
            files_of(&mut self.class_files, class, file, delta);
            let counter = if *defining { &mut self.class_defined } else { &mut self.class_referenced };
            count(counter, class, delta);
            flips.classes.insert(class.clone());
        }
        for arg in &c.provided {
            if count(&mut self.provided_args, arg, delta) {
                toggle(&mut flips.args, arg);
            }
        }
        for arg in &c.asked {
            files_of(&mut self.askers, arg, file, delta);
        }
        for host in &c.hosts {
            files_of(&mut self.hosts, host, file, delta);
        }
        for root in &c.declared {
            if count(&mut self.declared, root, delta) {
                toggle(&mut flips.declared, root);
            }
        }
        for key in &c.keys {
            files_of(&mut self.keyed, key, file, delta);
        }
        for mirror in &c.mirrors {
            let entries = self.mirrors.entry(mirror.target.clone()).or_default();
            match delta {
                Delta::Add => entries.push((mirror.source.clone(), file)),
                Delta::Remove => {
                    if let Some(i) = entries.iter().position(|(s, f)| *s == mirror.source && *f == file) {
                        entries.swap_remove(i);
                    }
                }
            }
            if entries.is_empty() {
                self.mirrors.remove(&mirror.target);
            }
            flips.mirrors.insert(mirror.target.clone());
        }
        for scope in &c.ref_scopes {
            files_of(&mut self.scope_refs, scope, file, delta);
        }
        for (owner, target) in &c.edges {
            count_importer(&mut self.importers, owner, target, delta);
        }
    }

    /// Keeps `scope_aspects` in step with `defs`, for a key that just appeared or vanished.
    fn sync_scope(&mut self, key: &AspectKey, delta: Delta) {
        let scope = Scope { collection: key.collection.clone(), class: key.class.clone() };
        match delta {
            Delta::Add => {
                self.scope_aspects.entry(scope).or_default().insert(key.clone());
            }
            Delta::Remove => {
                if let Some(keys) = self.scope_aspects.get_mut(&scope) {
                    keys.remove(key);
                    if keys.is_empty() {
                        self.scope_aspects.remove(&scope);
                    }
                }
            }
        }
    }

    /// Keeps `names` in step with the keys that exist (defined or referenced).
    fn sync_names(&mut self, key: &AspectKey) {
        let exists = self.defs.contains_key(key) || self.refs.contains_key(key);
        let name = (key.collection.clone(), key.name.clone());
        let classes = self.names.entry(name.clone()).or_default();
        match (exists, classes.contains(&key.class)) {
            (true, false) => classes.push(key.class.clone()),
            (false, true) => classes.retain(|c| c != &key.class),
            _ => {}
        }
        if classes.is_empty() {
            self.names.remove(&name);
        }
    }

    /// Files whose cross-file diagnostics read a fact that flipped.
    fn dependents(&self, flips: &Flips, files: &[Option<FileData>]) -> FxHashSet<FileId> {
        let mut out: FxHashSet<FileId> = FxHashSet::default();
        let add =
            |out: &mut FxHashSet<FileId>, list: Option<&Vec<FileId>>| out.extend(list.into_iter().flatten().copied());
        for key in &flips.defined {
            add(&mut out, self.refs.get(key));
            // Messages name the same aspect in other classes.
            if let Some(classes) = self.names.get(&(key.collection.clone(), key.name.clone())) {
                for class in classes {
                    let other = AspectKey { class: class.clone(), ..key.clone() };
                    add(&mut out, self.refs.get(&other));
                }
            }
        }
        for key in flips.referenced.iter().chain(&flips.host_referenced) {
            add(&mut out, self.defs.get(key));
        }
        for scope in &flips.consumed {
            add(&mut out, self.scope_defs.get(scope));
        }
        for class in &flips.classes {
            add(&mut out, self.class_files.get(class));
        }
        for arg in &flips.args {
            add(&mut out, self.askers.get(arg));
        }
        for root in &flips.declared {
            add(&mut out, self.keyed.get(root));
        }
        for target in &flips.mirrors {
            add(&mut out, self.scope_refs.get(target));
        }
        // An aspect appearing or vanishing in a mirrored scope changes the mirror's references.
        for key in &flips.defined {
            let scope = Scope { collection: key.collection.clone(), class: key.class.clone() };
            for (target, sources) in &self.mirrors {
                if sources.iter().any(|(source, _)| *source == scope) {
                    let mirrored = AspectKey {
                        collection: target.collection.clone(),
                        class: target.class.clone(),
                        name: key.name.clone(),
                        class_in_path: false,
                    };
                    add(&mut out, self.refs.get(&mirrored));
                }
            }
        }
        // Undefined references list near names and lower their severity under opaque scopes.
        for (scope, files) in &self.undefined {
            let path = match &scope.class {
                Some(class) => format!("{}.{}", scope.collection, class),
                None => scope.collection.to_string(),
            };
            let touched = flips.defined.iter().any(|k| k.collection == scope.collection && k.class == scope.class)
                || flips.opaque.iter().any(|o| path == o.as_str() || path.starts_with(&format!("{o}.")));
            if touched {
                out.extend(files.iter().copied());
            }
        }
        out.retain(|f| files.get(f.0 as usize).is_some_and(Option::is_some));
        out
    }
}

#[cfg(test)]
pub(crate) mod tests;
