//! What all files make together: every file's summary, read against the collection table
//! (`resolve`), merged into an index (`index`), and the aspect graph's queries over it.
//!
//! Updating a file re-reads that file only: its summary is rebuilt, its old contribution to the
//! index is subtracted and the new one added. The graph then reports which files' diagnostics
//! may differ: the files it changed, and the readers of every fact that changed (`table.rs`).
//! It never runs a check itself; the door does, reading the graph through a recording `View`.
//!
//! Two rare edits are global: changing the declared collections or the import-tree roots reads
//! every summary again (`rebuild`), re-parsing only the files whose summaries were pruned
//! shallower than a newly declared collection reads (`deepen`).

use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use rustc_hash::{FxHashMap, FxHashSet};
use thin_vec::ThinVec;

use self::index::{Contribution, Delta, Index};
use self::resolve::{PassedDown, Resolved};
use self::store::{FileData, Graph};
use self::table::{Checks, FactId};
use crate::base::parallel;
use crate::base::{Change, FileId, FileRole};
use crate::dendritic::collections::CollectionSet;
use crate::summary::FileSummary;
use crate::summary::extract;
use crate::syntax::Parse;

mod aspect_ids;
pub(crate) mod helpers;
mod index;
pub(crate) mod paths;
pub(crate) mod queries;
pub(crate) mod resolve;
mod roster;
pub(crate) mod store;
pub(crate) mod structure;
pub(crate) mod table;
mod trees;
pub(crate) mod view;

/// What an update did, for the caller that keeps diagnostics.
#[derive(Debug, Default)]
pub(crate) struct Applied {
    /// Files whose cross-file diagnostics may differ now, each with the checks to run again: the
    /// files changed (all their checks), and the readers of every fact that changed (the checks
    /// that read it). Every file after a rebuild.
    pub(crate) dirty: FxHashMap<FileId, Checks>,
    /// Files gone (their ids may be given to new files later).
    pub(crate) removed: Vec<FileId>,
}

/// A change whose new texts are already summarised. Preparing needs no graph, so a caller can do
/// it in parallel and outside any lock, then apply quickly.
pub(crate) struct PreparedChange {
    set: Vec<Prepared>,
    remove: Vec<String>,
}

/// One new text of a change, summarised, and perhaps read against the graph already.
struct Prepared {
    path: String,
    text: Arc<str>,
    summary: FileSummary,
    tree: Option<Parse>,
    ahead: Option<Ahead>,
}

/// A file of a small change read against the collection table ahead of its apply
/// (`Graph::resolve_ahead`): its summary is then pruned and reduced, and this is what the
/// reading gave. It holds while the graph is the one it was read against (`version`) and the
/// change itself alters neither what is passed down nor the helpers it called.
struct Ahead {
    version: u64,
    resolved: Resolved,
    /// The helpers the reduction read, as they were (`helpers::used`).
    helpers: Vec<(helpers::HelperKey, Vec<(FileId, crate::summary::HelperDef)>)>,
}

/// Summarises a change's new texts on every core.
pub(crate) fn prepare(change: Change) -> PreparedChange {
    let summaries = summarize_all(&change.set);
    let set = change
        .set
        .into_iter()
        .zip(summaries)
        .map(|((path, text), (summary, tree))| Prepared { path, text, summary, tree, ahead: None })
        .collect();
    PreparedChange { set, remove: change.remove }
}

impl PreparedChange {
    pub(crate) fn retain(&mut self, mut keep: impl FnMut(&str) -> bool) {
        self.set.retain(|prepared| keep(&prepared.path));
        self.remove.retain(|path| keep(path));
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.set.is_empty() && self.remove.is_empty()
    }
}

impl Graph {
    /// Reads the files of a small change (an edit, an opened document) against the collection
    /// table as the graph holds it now, which is the costly part of entering a file into the
    /// graph: a caller holding the graph for reading does it, so that the apply, which holds it
    /// for writing, need not (a keystroke in a file of 50,000 aspects spent half its write lock
    /// here, issue 21). What the apply finds no longer holds it reads again.
    pub(crate) fn resolve_ahead(&self, change: &mut PreparedChange) {
        if change.set.len() > KEEP_TREES_OF {
            return;
        }
        let helpers = &self.structure.helpers;
        for prepared in &mut change.set {
            let summary = &mut prepared.summary;
            // The apply summarises it again (`deepen`).
            if pruned_above(summary, &self.collections) {
                continue;
            }
            let used = helpers::used(summary, &prepared.path, helpers);
            let resolved = read_summary(summary, &prepared.path, true, &self.collections, &self.passed_down, helpers);
            prepared.ahead = Some(Ahead { version: self.version, resolved, helpers: used });
        }
    }

    /// Applies a prepared change and says which files' diagnostics may differ.
    pub(crate) fn apply(&mut self, change: PreparedChange) -> Applied {
        let version = self.version;
        self.version = self.version.wrapping_add(1);
        self.near.get_mut().unwrap_or_else(PoisonError::into_inner).clear();
        let mut applied = Applied::default();
        // Files calling a helper that changed: their reductions are redone (`helpers.rs`).
        let mut helper_callers: Vec<FileId> = Vec::new();
        let mut nested_changed = self.remove_files(&change.remove, &mut applied, &mut helper_callers);
        let mut touched: Vec<FileId> = Vec::new();
        // Old contributions of the files that enter the graph again (`start_leaving`). A rebuild
        // drops them with the index.
        let mut leaving = FxHashMap::default();
        // Files read ahead against this very graph (`resolve_ahead`).
        let mut ahead = FxHashMap::default();
        for Prepared { path, text, summary, tree, ahead: read_ahead } in change.set {
            let (id, new) = self.id_for(&path);
            nested_changed |= new && path.ends_with("/flake.nix");
            let mut old = self.files[id.0 as usize].take();
            if let Some(old) = &old {
                self.start_leaving(&mut leaving, id, old);
                self.leave_structure(id, old);
            }
            match tree {
                Some(tree) => self.trees.keep(id, text.clone(), Arc::new(tree)),
                None => self.trees.forget(id),
            }
            let reads = old.as_mut().map(|old| std::mem::take(&mut old.reads)).unwrap_or_default();
            let data = FileData {
                line_index: OnceLock::new(),
                path,
                text,
                summary,
                role: FileRole::Outside,
                resolved: Resolved::default(),
                reads,
            };
            self.enter_structure(id, &data);
            helper_callers.extend(self.callers_of_changed(old.as_ref(), Some(&data)));
            self.files[id.0 as usize] = Some(data);
            touched.push(id);
            if let Some(read_ahead) = read_ahead.filter(|a| a.version == version) {
                ahead.insert(id, read_ahead);
            }
        }

        // Shared inputs that changed their outcome: every file is read again (rare: a collection
        // declared, an import-tree call edited, a nested flake added).
        let collections = self.fresh_collections();
        if nested_changed
            || collections != self.collections
            || self.fresh_roots() != self.roots
            || self.is_dendritic() != self.dendritic
        {
            self.rebuild(collections);
            applied.dirty = self.file_ids().map(|file| (file, Checks::ALL)).collect();
            return applied;
        }
        let (mut regained, passed_changed) = self.regained();
        if passed_changed {
            ahead.clear();
        }
        regained.extend(helper_callers);
        regained.sort_unstable();
        regained.dedup();
        // A set, not `touched.contains`: both lists can hold every file of a big batch.
        let entered: FxHashSet<FileId> = touched.iter().copied().collect();
        regained.retain(|id| !entered.contains(id) && self.contains(*id));
        let entering: Vec<FileId> = touched.into_iter().chain(regained).collect();
        for &id in &entering {
            if let Some(data) = self.files[id.0 as usize].take() {
                self.start_leaving(&mut leaving, id, &data);
                self.files[id.0 as usize] = Some(data);
            }
        }
        self.enter_graph(&entering, leaving, ahead);
        applied.dirty.extend(entering.into_iter().map(|file| (file, Checks::ALL)));
        for fact in self.index.take_changes() {
            for &file in self.readers.of(&fact) {
                let Some(data) = self.files.get(file.0 as usize).and_then(Option::as_ref) else { continue };
                // A reader whose reads do not say which checks read the fact runs them all.
                let checks = match table::readers_of(&data.reads, fact) {
                    Checks::NONE => Checks::ALL,
                    checks => checks,
                };
                *applied.dirty.entry(file).or_default() |= checks;
            }
        }
        applied.dirty.retain(|f, _| self.contains(*f));
        applied
    }

    /// Takes the files at `paths` out of the graph; says whether a nested flake went with them.
    fn remove_files(&mut self, paths: &[String], applied: &mut Applied, helper_callers: &mut Vec<FileId>) -> bool {
        let mut nested_changed = false;
        for path in paths {
            let Some(id) = self.by_path.remove(path.as_str()) else { continue };
            nested_changed |= path.ends_with("/flake.nix");
            self.trees.forget(id);
            if let Some(data) = self.files[id.0 as usize].take() {
                self.leave_graph(id, &data);
                self.leave_structure(id, &data);
                helper_callers.extend(self.callers_of_changed(Some(&data), None));
                self.readers.remove(data.reads.iter().map(|fact| (*fact, id)).collect());
            }
            self.free.push(id);
            applied.removed.push(id);
        }
        nested_changed
    }

    /// Files to read again, besides the ones changed, because a fact of all files that they
    /// depend on changed its outcome: the (few) files whose loading or reading by path changed,
    /// or that read a lower-level module's `inputs` when what is passed down changed. Each such
    /// fact takes its new outcome. Also whether what is passed down changed.
    fn regained(&mut self) -> (Vec<FileId>, bool) {
        // Files imported by path load with their importers, transitively; a change to who imports
        // what is followed by reading the (few) importing files again.
        // Files Nix reads by path outside the roots likewise.
        let loaded = self.loaded_by_import();
        let read = self.read_by_nix(&loaded);
        let mut regained: Vec<FileId> = loaded
            .symmetric_difference(&self.structure.loaded_by_import)
            .chain(read.symmetric_difference(&self.structure.read_by_nix))
            .copied()
            .collect();
        self.structure.loaded_by_import = loaded;
        self.structure.read_by_nix = read;
        // A file starts or stops passing `inputs` down: the (few) files that read a lower-level
        // module's `inputs` are read again, and no other.
        let passed = self.fresh_passed_down();
        let passed_changed = passed != self.passed_down;
        if passed_changed {
            self.passed_down = passed;
            regained.extend(self.structure.receiving.iter().copied());
        }
        regained.sort_unstable();
        regained.dedup();
        (regained, passed_changed)
    }

    /// The id of the file at `path`, and whether it is new.
    fn id_for(&mut self, path: &str) -> (FileId, bool) {
        if let Some(&id) = self.by_path.get(path) {
            return (id, false);
        }
        let id = self.free.pop().unwrap_or(FileId(self.files.len() as u32));
        if id.0 as usize == self.files.len() {
            self.files.push(None);
        }
        self.by_path.insert(path.to_owned(), id);
        (id, true)
    }

    /// A graph of `change`'s files, for tests that need no diagnostics.
    #[cfg(test)]
    pub(crate) fn of(change: Change) -> Graph {
        let mut graph = Graph::default();
        graph.apply(prepare(change));
        graph
    }

    /// Records what files' checks read, in place of what they read before: for each file, the
    /// checks that ran again and what they read (what the others read stands).
    pub(crate) fn set_reads(&mut self, updates: Vec<(FileId, Checks, Vec<FactId>)>) {
        let mut changed: Vec<(FileId, Vec<FactId>)> = Vec::new();
        for (file, again, reads) in updates {
            let Some(data) = self.files.get_mut(file.0 as usize).and_then(Option::as_mut) else { continue };
            let reads = match again {
                Checks::ALL => reads,
                again => table::merge_reads(&data.reads, again, &reads),
            };
            // Most files checked again read what they read before: leaving and entering the
            // readers' map again would be most of a recheck's cost.
            if data.reads.as_slice() == reads.as_slice() {
                continue;
            }
            let same_facts = data.reads.len() == reads.len()
                && data.reads.iter().zip(&reads).all(|(was, now)| was.fact() == now.fact());
            if same_facts {
                // Only which checks read them changed.
                data.reads = reads.into();
            } else {
                changed.push((file, reads));
            }
        }
        // The old reads leave first: a file may read again what it read before.
        let leaving: Vec<(FactId, FileId)> = changed
            .iter()
            .flat_map(|(file, _)| self.data(*file).reads.iter().map(move |fact| (*fact, *file)))
            .collect();
        self.readers.remove(leaving);
        for (file, reads) in changed {
            let Some(data) = self.files.get_mut(file.0 as usize).and_then(Option::as_mut) else { continue };
            self.readers.add(file, &reads);
            data.reads = reads.into();
        }
    }

    /// Gives files their roles and, when loaded, their places in the graph. Reading summaries
    /// against the collection table is the costly part, and independent per file: it runs on
    /// every core.
    /// `leaving`: the old contributions of files among `ids` that were in the graph
    /// (`start_leaving`); `ahead`: files among them read ahead against this graph
    /// (`resolve_ahead`), taken as read when they still hold.
    fn enter_graph(
        &mut self,
        ids: &[FileId],
        mut leaving: FxHashMap<FileId, Contribution>,
        mut ahead: FxHashMap<FileId, Ahead>,
    ) {
        self.deepen(ids);
        let roles: Vec<FileRole> = ids.iter().map(|&id| self.role_for(id)).collect();
        let ready: Vec<Option<Resolved>> = ids
            .iter()
            .zip(&roles)
            .map(|(id, role)| {
                let read = ahead.remove(id)?;
                let data = self.files[id.0 as usize].as_ref()?;
                let holds = role.in_graph()
                    && helpers::used(&data.summary, &data.path, &self.structure.helpers) == read.helpers;
                holds.then_some(read.resolved)
            })
            .collect();
        #[cfg(test)]
        {
            self.taken_ahead += ready.iter().flatten().count();
        }
        // Pruning needs each summary mutably: it is lent to the one worker that reads it, with
        // the reading taken ahead, if any.
        let placed: Vec<_> = ids
            .iter()
            .zip(roles)
            .zip(ready)
            .map(|((&id, role), ready)| {
                let summary = self.files[id.0 as usize].as_mut().map(|d| std::mem::take(&mut d.summary));
                (id, role, Mutex::new((summary.unwrap_or_default(), ready)))
            })
            .collect();
        let (collections, passed) = (&self.collections, &self.passed_down);
        let (files, helpers) = (&self.files, &self.structure.helpers);
        let (index, readers) = (&mut self.index, &self.readers);
        let mut resolved: Vec<Resolved> = Vec::with_capacity(placed.len());
        // Merging what each file contributes into the index is serial, and overlaps the reading
        // of the files after it.
        parallel::map_merged(
            &placed,
            MERGE_WINDOW,
            |(id, role, lent)| {
                let mut lent = lent.lock().unwrap_or_else(PoisonError::into_inner);
                let (summary, ahead) = &mut *lent;
                ahead.take().unwrap_or_else(|| {
                    let path = files[id.0 as usize].as_ref().map_or("", |d| d.path.as_str());
                    read_summary(summary, path, role.in_graph(), collections, passed, helpers)
                })
            },
            |at, read| {
                let (id, role, lent) = &placed[at];
                let id = *id;
                // Made here, one at a time, and freed once merged: contributions waiting by the
                // thousand raised the peak of a cold index by megabytes.
                let new = role.in_graph().then(|| {
                    let lent = lent.lock().unwrap_or_else(PoisonError::into_inner);
                    Contribution::of(&lent.0, &read)
                });
                match (leaving.remove(&id), new) {
                    (Some(old), Some(new)) => {
                        let (gone, came) = Contribution::difference(old, new);
                        index.update(id, &gone, Delta::Remove, readers);
                        index.update(id, &came, Delta::Add, readers);
                    }
                    (Some(old), None) => index.update(id, &old, Delta::Remove, readers),
                    (None, Some(new)) => index.update(id, &new, Delta::Add, readers),
                    (None, None) => {}
                }
                resolved.push(read);
            },
        );
        for ((id, role, lent), resolved) in placed.into_iter().zip(resolved) {
            let Some(data) = self.files[id.0 as usize].as_mut() else { continue };
            data.summary = lent.into_inner().unwrap_or_else(PoisonError::into_inner).0;
            data.role = role;
            data.resolved = resolved;
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
            .filter(|id| self.files[id.0 as usize].as_ref().is_some_and(|d| pruned_above(&d.summary, collections)))
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

    /// Takes a file that enters the graph again out of it, in part: its old contribution waits in
    /// `leaving` until its new one is known (`enter_graph`), and only the difference reaches the
    /// index. A keystroke in a file of 50,000 aspects changes a few of its entries; taking all of
    /// them out and putting them back was most of its cost.
    fn start_leaving(&mut self, leaving: &mut FxHashMap<FileId, Contribution>, id: FileId, data: &FileData) {
        if data.role.in_graph() {
            let contribution = Contribution::of(&data.summary, &data.resolved);
            // Entering twice in one change (touched, then regained) leaves once.
            if let Some(earlier) = leaving.insert(id, contribution) {
                self.index.update(id, &earlier, Delta::Remove, &self.readers);
            }
        }
    }

    fn leave_graph(&mut self, id: FileId, data: &FileData) {
        if data.role.in_graph() {
            let contribution = Contribution::of(&data.summary, &data.resolved);
            self.index.update(id, &contribution, Delta::Remove, &self.readers);
        }
    }

    /// Reads every file again against fresh shared inputs. Every file is checked again after,
    /// so what checks read before is forgotten. `collections`: the collection table as the
    /// caller just made it, which holds while settling the structure leaves the nested flakes as
    /// they were (new roots can take one in, and the declarations of its files then count);
    /// building it twice cost a fifth of the apply of a workspace declaring 100,000 collections.
    fn rebuild(&mut self, collections: CollectionSet) {
        let nested = self.nested_flakes.clone();
        self.settle_structure();
        let ids: Vec<FileId> = self.file_ids().collect();
        self.collections = if self.nested_flakes == nested { collections } else { self.fresh_collections() };
        self.passed_down = self.fresh_passed_down();
        self.structure.loaded_by_import = self.loaded_by_import();
        self.structure.read_by_nix = self.read_by_nix(&self.structure.loaded_by_import);
        self.dendritic = self.is_dendritic();
        self.index = Index::default();
        self.readers.clear();
        for data in self.files.iter_mut().flatten() {
            data.reads = ThinVec::new();
        }
        self.enter_graph(&ids, FxHashMap::default(), FxHashMap::default());
    }
}

/// Reads a summary against the graph's shared inputs, as entering the graph does (and reading
/// ahead of it): the helper reduction redone against today's helpers, on the summary its file
/// made; pruned to what the collection table reads; and for a file in the graph, resolved.
fn read_summary(
    summary: &mut FileSummary,
    path: &str,
    in_graph: bool,
    collections: &CollectionSet,
    passed: &PassedDown,
    helpers: &helpers::Helpers,
) -> Resolved {
    helpers::strip(summary);
    summary.prune(|root| collections.depth_read(root));
    if !in_graph {
        return Resolved::default();
    }
    helpers::reduce(summary, path, helpers);
    summary.shrink();
    let mut resolved = resolve::resolve(summary, collections, passed);
    resolved.shrink();
    resolved
}

/// Whether `summary` was pruned shallower than the collection table now reads somewhere, so
/// that its file must be summarised again (`Graph::deepen`).
fn pruned_above(summary: &FileSummary, collections: &CollectionSet) -> bool {
    summary.cut.iter().any(|(root, kept)| collections.depth_read(root) > *kept)
}

/// Summarises texts on every core.
///
/// Each summary is pruned at once, before the graph knows its collections, so that a big batch
/// never holds every file's whole config tree: as deep as the built-in rows read, and
/// `PROVISIONAL_DEPTH` below any other name, which covers the usual declared collections
/// (`nixos.modules.<aspect>`, `<namespace>.<aspect>.<class>`). Entering the graph prunes to what
/// the graph's table reads; a collection declared deeper summarises its files again.
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

/// How many files' contributions may wait to be merged into the index (`Graph::enter_graph`):
/// all of them at once raised the server's peak after indexing 10,000 files by 3.5 MiB.
const MERGE_WINDOW: usize = 256;

/// See `summarize_all`.
const PROVISIONAL_DEPTH: u16 = 4;

#[cfg(test)]
pub(crate) mod tests;
