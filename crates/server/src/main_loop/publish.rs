//! Publishing diagnostics: only the sets that differ from what the client has, from the main loop
//! alone, so that a newer set is never overtaken by an older one.
//!
//! A space whose index is complete publishes every file's set. While it is indexed, only its open
//! documents' sets go out, and only what their own text says (`conv::reported`, the analysis
//! loading): the user sees the mistakes of the file in front of them at once, not when the whole
//! folder is read, and never a cross-file finding judged against half the folder. The end of the
//! index publishes every set, the open documents' cross-file findings with them.

use std::collections::{BTreeMap, HashSet};
use std::panic::{AssertUnwindSafe, catch_unwind};

use canopy_analysis::FileId;
use tower_lsp::lsp_types as lsp;

use super::{Book, MainLoop};
use crate::config::Config;
use crate::conv;
use crate::outbox::Outgoing;
use crate::space::{Contents, SpaceId};
use crate::state::State;
use crate::vfs::DocKey;

impl MainLoop {
    pub(super) fn publish_all(&mut self) {
        let mut ids: Vec<(usize, SpaceId)> = self
            .books
            .iter()
            .filter(|(_, b)| match &b.indexing {
                None => b.dirty,
                // The open documents wait for the files that decide what they are to the flake.
                Some(indexing) => indexing.ready && b.has_early(),
            })
            .map(|(id, b)| (b.space.root().map_or(0, |root| root.components().count()), *id))
            .collect();
        // A folder clears the sets of the files a flake found below it takes over before the flake
        // publishes its own for them.
        ids.sort();
        for (_, id) in ids {
            if let Some(book) = self.books.get_mut(&id) {
                match book.indexing {
                    None => publish(&self.state, book),
                    Some(_) => publish_open(&self.state, book),
                }
            }
        }
    }
}

impl Book {
    /// Whether documents opened, edited or closed during the index wait for their sets.
    pub(super) fn has_early(&self) -> bool {
        !(self.early.is_empty() && self.resend.is_empty() && self.recheck.is_empty())
    }

    /// Every open document's set goes out anew before the index ends (the settings changed).
    pub(super) fn early_all(&mut self) {
        if self.indexing.is_some() {
            self.early.extend(self.space.read().open.keys().cloned());
        }
    }
}

/// Publishes the sets of one space that differ from what the client has.
fn publish(state: &State, book: &mut Book) {
    let space = book.space.clone();
    let outgoing = {
        let mut held = space.write();
        let (wanted, resend) = wanted(state, book, &mut held);
        outgoing(book, &held, wanted, &resend)
    };
    book.dirty = false;
    book.full = false;
    for message in outgoing {
        state.outbox.send(message);
    }
}

/// Publishes, while the space is indexed, the sets of the documents opened, edited or closed
/// meanwhile: what their own text says. A document closed keeps the same kinds of its file's as
/// closed, if it had a set; one that had none waits for the end of the index, as every closed
/// file does. The rest of each set comes with the end of the index (`dirty` and `full` stay).
fn publish_open(state: &State, book: &mut Book) {
    let space = book.space.clone();
    let (config, enc) = (state.config(), state.caps().encoding);
    let outgoing = {
        let held = space.read();
        let resend = std::mem::take(&mut book.resend);
        let paths: HashSet<String> =
            std::mem::take(&mut book.early).into_iter().chain(resend.iter().cloned()).collect();
        let closed = std::mem::take(&mut book.recheck);
        let closed =
            closed.into_iter().filter(|path| !held.open.contains_key(path) && book.published.contains_key(path));
        let mut wanted = BTreeMap::new();
        for path in paths.into_iter().filter(|path| held.open.contains_key(path)).chain(closed) {
            let Some(id) = held.analysis.file_id(&path) else { continue };
            let set = set_of(book, &held, &config, enc, id, &path);
            wanted.insert(path, set);
        }
        outgoing(book, &held, wanted, &resend)
    };
    for message in outgoing {
        state.outbox.send(message);
    }
}

/// The set of one file as the analysis now has it (`conv::diagnostics`); a panic of the analysis
/// gives an empty one, and a line in the log.
fn set_of(
    book: &Book,
    held: &Contents,
    config: &Config,
    enc: canopy_analysis::Encoding,
    id: FileId,
    path: &str,
) -> Vec<lsp::Diagnostic> {
    let open = held.open.contains_key(path);
    let (space, analysis) = (&book.space, &held.analysis);
    catch_unwind(AssertUnwindSafe(|| conv::diagnostics(space, analysis, id, open, config, enc))).unwrap_or_else(|_| {
        tracing::error!("the analysis failed while checking {path}");
        Vec::new()
    })
}

/// Every path whose set may differ, and the set it should now have; and the paths whose set goes
/// out even if unchanged.
fn wanted(
    state: &State,
    book: &mut Book,
    held: &mut Contents,
) -> (BTreeMap<String, Vec<lsp::Diagnostic>>, HashSet<String>) {
    let config = state.config();
    let enc = state.caps().encoding;
    let changed = held.analysis.take_changed();
    // Paths first lose the set of ids they no longer hold, then gain what their current id says: a
    // file removed and re-created under a new id ends with the new set, whatever the ids' order.
    let mut wanted: BTreeMap<String, Vec<lsp::Diagnostic>> = BTreeMap::new();
    let ids: Vec<FileId> = if book.full {
        wanted.extend(book.published.keys().map(|p| (p.clone(), Vec::new())));
        book.paths.clear();
        held.analysis.files()
    } else {
        for id in &changed {
            if let Some(old) = book.paths.remove(id) {
                wanted.insert(old, Vec::new());
            }
        }
        changed.into_iter().filter(|&id| held.analysis.contains(id)).collect()
    };
    for id in ids {
        let path = held.analysis.path(id).to_owned();
        let set = set_of(book, held, &config, enc, id, &path);
        // Nothing to say and nothing said before: no message, so no entry. After indexing that is
        // nearly every file, whose paths and URIs would be copied for nothing at the server's peak.
        if set.is_empty() && !book.published.contains_key(&path) {
            continue;
        }
        book.paths.insert(id, path.clone());
        wanted.insert(path, set);
    }
    let resend = std::mem::take(&mut book.resend);
    book.early.clear();
    for path in resend.iter().chain(&std::mem::take(&mut book.recheck)) {
        let Some(id) = held.analysis.file_id(path).filter(|_| !wanted.contains_key(path)) else { continue };
        book.paths.insert(id, path.clone());
        let set = set_of(book, held, &config, enc, id, path);
        wanted.insert(path.clone(), set);
    }
    (wanted, resend)
}

/// The messages that bring the client from what it was sent to `wanted`, each set under the URI
/// the client knows its file by.
fn outgoing(
    book: &mut Book,
    held: &Contents,
    wanted: BTreeMap<String, Vec<lsp::Diagnostic>>,
    resend: &HashSet<String>,
) -> Vec<Outgoing> {
    let mut out = Vec::new();
    for (path, diagnostics) in wanted {
        let Some(uri) = held.uri(&book.space, &path) else {
            tracing::warn!("no URI for {path} in {}", book.space.name());
            continue;
        };
        let before = match book.published.remove(&path) {
            // The client knows the file by another URI now (a document opened or closed under
            // another spelling of its folder): the set under the old one goes.
            Some((old, _)) if DocKey::from_uri(&old) != DocKey::from_uri(&uri) => {
                out.push(Outgoing::Diagnostics { uri: old, diagnostics: Vec::new(), version: None });
                None
            }
            before => before.map(|(_, set)| set),
        };
        let unchanged = before.as_deref().unwrap_or_default() == diagnostics.as_slice();
        if !diagnostics.is_empty() {
            book.published.insert(path.clone(), (uri.clone(), diagnostics.clone()));
        }
        if unchanged && !resend.contains(&path) {
            continue;
        }
        let version = held.open.get(&path).map(|doc| doc.version);
        out.push(Outgoing::Diagnostics { uri, diagnostics, version });
    }
    out
}
