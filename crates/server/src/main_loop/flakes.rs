//! Flakes below a folder, each a workspace of its own (dendritic.md §8.1), as `canopy check`
//! analyses them: the analysis of the folder says where they are (`Analysis::nested_flakes`) and
//! leaves their files out of its graph, but keeps them, since it learns from them that they are
//! flakes. The main loop roots a space at each: documents under it go there (the deepest space
//! wins, `State::folder_for`), file events under it go there too and to the spaces around it
//! (`State::folders_at`). A flake that goes (its `flake.nix` deleted, or inside a root now) takes
//! its space along.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use super::{Entry, MainLoop, Op, read_entry};
use crate::space::Space;

impl MainLoop {
    /// Reconciles the flakes of the spaces whose analysis changed since the last call. Run between
    /// the steps of a turn, never inside one: it sends changes on their way, and the bookkeeping of
    /// a change being applied must not see new ones for its files.
    pub(super) fn reconcile_due(&mut self) {
        for id in std::mem::take(&mut self.due) {
            if let Some(space) = self.books.get(&id).map(|book| book.space.clone()) {
                self.reconcile_flakes(&space);
            }
        }
    }

    /// Makes the flakes below `space` those its analysis now finds. Waits for the end of an index:
    /// half a folder may hide a flake's `flake.nix`, or the root that holds it.
    fn reconcile_flakes(&mut self, space: &Arc<Space>) {
        let Some(root) = space.root().map(std::path::Path::to_path_buf) else { return };
        let Some(book) = self.books.get(&space.id) else { return };
        if book.indexing.is_some() || space.is_removed() {
            return;
        }
        let found: BTreeSet<String> = {
            let held = space.read();
            let found = held.analysis.nested_flakes();
            if found.len() == book.flakes.len() && found.iter().all(|prefix| book.flakes.contains_key(prefix)) {
                return;
            }
            found.iter().cloned().collect()
        };
        let gone: Vec<String> = book.flakes.keys().filter(|prefix| !found.contains(*prefix)).cloned().collect();
        let mut dropped = Vec::new();
        for prefix in gone {
            if let Some(flake) = self.book(space).flakes.remove(&prefix) {
                tracing::debug!("{}: no flake at {prefix} any more", space.name());
                self.detach(&flake);
                dropped.push(flake);
            }
        }
        for prefix in found {
            if self.book(space).flakes.contains_key(&prefix) {
                continue;
            }
            tracing::debug!("{}: a flake of its own at {prefix}", space.name());
            let flake = Arc::new(Space::folder(root.join(prefix.trim_end_matches('/'))));
            self.state.add_flake(flake.clone());
            self.book(space).flakes.insert(prefix.clone(), flake.clone());
            self.hand_over(space, &prefix);
            self.start_index(flake);
        }
        // The documents go where they now belong before the sets of a flake gone are cleared: a
        // request the clearing prompts must find their changes on their way.
        self.reroute_documents();
        self.flush_ops();
        for flake in dropped {
            self.drop_space(&flake);
        }
    }

    /// Takes a flake, and the flakes below it, out of the routing of documents and file events.
    fn detach(&mut self, flake: &Arc<Space>) {
        self.state.remove_flake(flake);
        flake.mark_removed();
        let below: Vec<Arc<Space>> =
            self.books.get(&flake.id).map(|book| book.flakes.values().cloned().collect()).unwrap_or_default();
        for flake in below {
            self.detach(&flake);
        }
    }

    /// The folder's documents below `prefix` now belong to the flake there: the folder takes the
    /// disk's text back, lest it publish their sets too.
    fn hand_over(&mut self, space: &Arc<Space>, prefix: &str) {
        let paths: Vec<String> = self
            .state
            .docs
            .iter()
            .filter_map(|doc| space.path_of(doc.key()))
            .filter(|path| path.starts_with(prefix))
            .collect();
        // Read once the documents are let go: a handler may be waiting to edit one.
        let entries: BTreeMap<String, Entry> = paths
            .into_iter()
            .map(|path| {
                let entry = read_entry(space, &path);
                (path, entry)
            })
            .collect();
        self.schedule(space, entries, self.seq);
    }

    /// Forgets the flakes below a space that is gone.
    pub(super) fn drop_flakes(&mut self, flakes: BTreeMap<String, Arc<Space>>) {
        for flake in flakes.values() {
            self.detach(flake);
            self.drop_space(flake);
        }
    }

    /// Sends every open document to the space that now holds it.
    pub(super) fn reroute_documents(&mut self) {
        let seq = self.seq;
        let docs = self.state.docs.iter().map(|doc| {
            let key = doc.key().clone();
            (seq, Op::Text { key, uri: doc.uri.clone(), text: doc.text.to_arc(), version: doc.version })
        });
        let docs: Vec<(u64, Op)> = docs.collect();
        self.ops.extend(docs);
    }
}
