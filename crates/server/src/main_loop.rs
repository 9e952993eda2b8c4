//! The main loop: the one thread that writes to the analysis.
//!
//! It takes messages from one queue in order. Each turn it drains the queue and sends every
//! pending document change to be prepared off this thread (`jobs`; a burst of keystrokes becomes
//! one change per space, the last text of each file winning), applies the changes prepared since,
//! then at most one chunk of a background index (prepared by its indexer), so edits never wait
//! behind a whole folder, nor behind a file that takes long to read. Diagnostics are published
//! after a short quiet period, only for files whose set changed, and from this one thread, so that
//! a newer set is never overtaken by an older one.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet, VecDeque};
use std::ops::Bound;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::{Duration, Instant};

use canopy_analysis::{FileId, PreparedChange};
use tokio::sync::watch;
use tower_lsp::lsp_types::{self as lsp, Url};

use crate::discover;
use crate::index;
use crate::jobs::{Entry, Jobs};
use crate::outbox::{Outgoing, Step};
use crate::project;
use crate::queue::{Chunk, Message, Op, Prepared, Task};
use crate::space::{Contents, OpenDoc, Space, SpaceId};
use crate::state::State;
use crate::vfs::DocKey;

mod flakes;
mod publish;

/// Quiet time before diagnostics are published: long enough to merge a burst of keystrokes, short
/// enough to feel immediate.
const DEBOUNCE: Duration = Duration::from_millis(40);

/// Starts the main loop on a thread with the analysis's big stack. It runs until every sender
/// of the queue is gone.
pub fn spawn(state: Arc<State>, rx: mpsc::Receiver<Message>, applied: watch::Sender<u64>) -> std::io::Result<()> {
    std::thread::Builder::new().name("canopy-main-loop".to_owned()).stack_size(canopy_analysis::ANALYSIS_STACK).spawn(
        move || {
            let main_loop = MainLoop {
                state,
                rx,
                applied,
                seq: 0,
                books: HashMap::new(),
                ops: Vec::new(),
                chunks: VecDeque::new(),
                publish_at: None,
                due: BTreeSet::new(),
            };
            main_loop.run();
        },
    )?;
    Ok(())
}

/// What the main loop keeps about one space.
struct Book {
    space: Arc<Space>,
    /// The indexing run in progress. Diagnostics wait for it, but for the open documents' own
    /// (`publish_open`): half a graph would report aspects defined in files not read yet as
    /// undefined.
    indexing: Option<Indexing>,
    /// Non-empty diagnostic sets last published, by workspace path, with the URI they went to.
    published: HashMap<String, (Url, Vec<lsp::Diagnostic>)>,
    /// The path each file id had when last published with something to say, or to clear (ids
    /// are reused after removals).
    paths: HashMap<FileId, String>,
    /// Paths whose set goes out at the next publication even if it did not change: documents
    /// opened since, whose client may have dropped the set or may still show an older one.
    resend: HashSet<String>,
    /// Paths whose set is recomputed at the next publication though their file may not have
    /// changed: documents closed since, whose set depended on their being open.
    recheck: HashSet<String>,
    /// Open documents whose set goes out before the index ends (`publish_open`): opened or
    /// edited while it runs, or all of them when the settings changed meanwhile.
    early: HashSet<String>,
    /// Diagnostics may have changed since the last publication.
    dirty: bool,
    /// Recompute every file's set, not only the changed ones.
    full: bool,
    /// The workspace paths the analysis holds, or will once the changes on their way are applied,
    /// in path order: what a file event at a folder takes away is what lies below it.
    files: BTreeSet<String>,
    /// Changes on their way to the analysis.
    jobs: Jobs,
    /// The log has said why the space holds no dendritic flake.
    explained: bool,
    /// The spaces of the flakes below this one, by folder (workspace-relative, ending in `/`).
    flakes: BTreeMap<String, Arc<Space>>,
}

struct Indexing {
    job: u64,
    /// A chunk of the run is applied: the first holds the files that decide what the others are to
    /// the flake (`index`), by which open documents are judged until the rest is read.
    ready: bool,
    /// Paths changed by the editor, and files or folders read again from disk, during the run:
    /// the indexer's copy of what lies there is older.
    touched: HashSet<String>,
}

impl Indexing {
    fn touched(&self, path: &str) -> bool {
        if self.touched.is_empty() {
            return false;
        }
        let folders = path.match_indices('/').map(|(end, _)| &path[..end]);
        std::iter::once("").chain(folders).chain([path]).any(|p| self.touched.contains(p))
    }
}

impl Book {
    fn new(space: Arc<Space>) -> Book {
        Book {
            space,
            indexing: None,
            published: HashMap::new(),
            paths: HashMap::new(),
            resend: HashSet::new(),
            recheck: HashSet::new(),
            early: HashSet::new(),
            dirty: false,
            full: false,
            files: BTreeSet::new(),
            jobs: Jobs::default(),
            explained: false,
            flakes: BTreeMap::new(),
        }
    }
}

/// Per space, the last word on each file.
type Batch = BTreeMap<SpaceId, (Arc<Space>, BTreeMap<String, Entry>)>;

fn put(batch: &mut Batch, space: &Arc<Space>, path: String, entry: Entry) {
    batch.entry(space.id).or_insert_with(|| (space.clone(), BTreeMap::new())).1.insert(path, entry);
}

struct MainLoop {
    state: Arc<State>,
    rx: mpsc::Receiver<Message>,
    applied: watch::Sender<u64>,
    /// The last sequence number taken from the queue.
    seq: u64,
    books: HashMap<SpaceId, Book>,
    /// Document changes not routed yet, in arrival order, with their sequence numbers.
    ops: Vec<(u64, Op)>,
    /// Index chunks not applied yet.
    chunks: VecDeque<Chunk>,
    publish_at: Option<Instant>,
    /// Spaces whose analysis changed this turn: the flakes found below them may have too.
    due: BTreeSet<SpaceId>,
}

impl MainLoop {
    fn run(mut self) {
        loop {
            let first = if !self.chunks.is_empty() {
                match self.rx.try_recv() {
                    Ok(message) => Some(message),
                    Err(mpsc::TryRecvError::Empty) => None,
                    Err(mpsc::TryRecvError::Disconnected) => return,
                }
            } else if let Some(at) = self.publish_at {
                match self.rx.recv_timeout(at.saturating_duration_since(Instant::now())) {
                    Ok(message) => Some(message),
                    Err(RecvTimeoutError::Timeout) => None,
                    Err(RecvTimeoutError::Disconnected) => return,
                }
            } else {
                match self.rx.recv() {
                    Ok(message) => Some(message),
                    Err(_) => return,
                }
            };
            if let Some(message) = first {
                self.accept(message);
                while let Ok(message) = self.rx.try_recv() {
                    self.accept(message);
                }
            }
            self.reconcile_due();
            self.flush_ops();
            // Requests waiting for these changes to be taken, or for those applied, may go ahead.
            self.applied.send_replace(self.seq);
            // Before a chunk, whose apply may take a while: a document just opened is waited for.
            self.publish_if_due();
            if let Some(chunk) = self.chunks.pop_front() {
                self.apply_chunk(chunk);
                self.reconcile_due();
                self.publish_if_due();
            }
        }
    }

    fn accept(&mut self, message: Message) {
        if let Some(seq) = message.seq {
            self.seq = self.seq.max(seq);
        }
        match message.task {
            Task::Op(op) => self.ops.push((message.seq.unwrap_or(self.seq), op)),
            Task::Prepared(prepared) => self.finish(prepared),
            Task::Index(chunk) => self.chunks.push_back(chunk),
            Task::Folders { added, removed } => {
                // Changes queued before the folders changed were routed by the old folders.
                self.flush_ops();
                self.change_folders(added, removed);
            }
            Task::Republish => {
                self.flush_ops();
                for book in self.books.values_mut() {
                    book.dirty = true;
                    book.full = true;
                    book.early_all();
                }
                self.schedule_publish();
            }
        }
    }

    fn publish_if_due(&mut self) {
        if self.publish_at.is_some_and(|at| at <= Instant::now()) {
            self.publish_at = None;
            self.publish_all();
        }
    }

    fn book(&mut self, space: &Arc<Space>) -> &mut Book {
        self.books.entry(space.id).or_insert_with(|| Book::new(space.clone()))
    }

    fn schedule_publish(&mut self) {
        if self.publish_at.is_none() {
            self.publish_at = Some(Instant::now() + DEBOUNCE);
        }
    }

    // ---- document and file changes -------------------------------------------------------------

    /// Sends every pending op on its way, one change per space.
    fn flush_ops(&mut self) {
        let Some(&(first, _)) = self.ops.first() else { return };
        let mut batch: Batch = BTreeMap::new();
        for (_, op) in std::mem::take(&mut self.ops) {
            self.route(op, &mut batch);
        }
        for (_, (space, entries)) in batch {
            self.schedule(&space, entries, first);
        }
    }

    /// Puts an op's last word on its file into the batch of the space that holds the file.
    fn route(&mut self, op: Op, batch: &mut Batch) {
        match op {
            Op::Text { key, uri, text, version } => {
                let (space, path) = match self.state.folder_for(&key) {
                    Some(found) => {
                        // A folder now holds what was analysed alone.
                        if let Some(loose) = self.state.remove_loose(&key) {
                            self.drop_space(&loose);
                        }
                        found
                    }
                    None => self.loose_space(key, uri.clone()),
                };
                put(batch, &space, path, Entry::Set { text, open: Some(OpenDoc { version, uri }) });
            }
            Op::Closed { key } => {
                if let Some(loose) = self.state.remove_loose(&key) {
                    batch.remove(&loose.id);
                    self.drop_space(&loose);
                } else if let Some((space, path)) = self.state.folder_for(&key) {
                    let entry = read_entry(&space, &path);
                    put(batch, &space, path, entry);
                }
            }
            Op::Disk { path } => {
                if project::concerns(&path) {
                    self.reload_projects();
                }
                for (space, rel) in self.state.folders_at(&path) {
                    self.route_disk(&space, rel, batch);
                }
            }
        }
    }

    /// Makes what a folder holds at or below `rel` what the disk holds there now, read as indexing
    /// the whole folder would read it: a file or a folder created, changed, deleted, moved or
    /// replaced (a file by a folder, and back) ends as a fresh index would, whatever the event
    /// said. Open documents keep the editor's text.
    fn route_disk(&mut self, space: &Arc<Space>, rel: String, batch: &mut Batch) {
        let Some(root) = space.root() else { return };
        let found = discover::read_below(root, &rel, &self.nested(space));
        let book = self.book(space);
        if let Some(indexing) = &mut book.indexing {
            indexing.touched.insert(rel.clone());
        }
        let mut gone: BTreeSet<String> = at_or_below(&rel, |from| book.files.range::<str, _>(from_key(from)));
        let entries = &mut batch.entry(space.id).or_insert_with(|| (space.clone(), BTreeMap::new())).1;
        gone.extend(at_or_below(&rel, |from| entries.range::<str, _>(from_key(from)).map(|(path, _)| path)));
        let held = space.read();
        // The batch has the last word on whether a file is open, then the changes on their way,
        // then the analysis.
        let jobs = &book.jobs;
        let open = |entries: &BTreeMap<String, Entry>, path: &str| match entries.get(path) {
            Some(Entry::Set { open, .. }) => open.is_some(),
            Some(Entry::Remove) => false,
            None => jobs.open(path).unwrap_or_else(|| held.open.contains_key(path)),
        };
        for (path, text) in found {
            gone.remove(&path);
            if !open(entries, &path) {
                entries.insert(path, Entry::Set { text, open: None });
            }
        }
        for path in gone {
            if !open(entries, &path) {
                entries.insert(path, Entry::Remove);
            }
        }
    }

    /// Sends one space's part of a batch on its way, standing for changes from sequence number
    /// `first` on: requests wait for them by path (`pending`) until they are applied.
    fn schedule(&mut self, space: &Arc<Space>, entries: BTreeMap<String, Entry>, first: u64) {
        if space.is_removed() || entries.is_empty() {
            return;
        }
        let book = self.book(space);
        if let Some(indexing) = &mut book.indexing {
            indexing.touched.extend(entries.keys().cloned());
        }
        for (path, entry) in &entries {
            space.pending.add(path, first);
            match entry {
                Entry::Set { .. } => book.files.insert(path.clone()),
                Entry::Remove => book.files.remove(path),
            };
        }
        let now = book.jobs.admit(entries, first);
        self.start(space, now);
    }

    /// Starts preparing entries whose paths have no change in preparation.
    fn start(&mut self, space: &Arc<Space>, entries: BTreeMap<String, Entry>) {
        if entries.is_empty() {
            return;
        }
        let state = self.state.clone();
        if let Some(prepared) = self.book(space).jobs.start(&state, space, entries) {
            self.finish(prepared);
        }
    }

    /// Applies a change prepared off this thread, then starts what waited for its files.
    fn finish(&mut self, prepared: Prepared) {
        let Prepared { space, job, change } = prepared;
        let Some(book) = self.books.get_mut(&space.id) else {
            // The space is gone, and so is what waited for it.
            space.pending.clear();
            return;
        };
        let Some(finished) = book.jobs.finish(job) else { return };
        match change {
            Some(change) if !space.is_removed() => self.apply(&space, change, finished.versions),
            Some(_) => {}
            None => tracing::error!("the analysis failed while reading a change to {}", space.name()),
        }
        // Applied and unlocked: requests waiting for these files may read them.
        for (path, next) in &finished.settled {
            space.pending.settle(path, *next);
        }
        self.start(&space, finished.next);
    }

    /// The space of a document outside every folder, made on first sight.
    fn loose_space(&mut self, key: DocKey, uri: Url) -> (Arc<Space>, String) {
        let space = match self.state.loose(&key) {
            Some(space) => space,
            None => {
                let space = Arc::new(Space::loose(uri, key.clone()));
                self.state.insert_loose(key.clone(), space.clone());
                // Alone, it has nothing to wait for.
                self.book(&space);
                space
            }
        };
        let path = space.path_of(&key).unwrap_or_else(|| "untitled.nix".to_owned());
        (space, path)
    }

    /// Applies a prepared change to a space. `versions` records which open document each path
    /// now holds the text of (`None` for texts from disk).
    fn apply(&mut self, space: &Arc<Space>, change: PreparedChange, versions: Vec<(String, Option<OpenDoc>)>) {
        if change.is_empty() {
            return;
        }
        let mut reopened = Vec::new();
        let mut closed = Vec::new();
        let mut edited = Vec::new();
        {
            // A bug in the analysis must not take the server down with it: the panic is logged by
            // the panic hook and the space keeps serving what it has.
            let mut held = space.write();
            if catch_unwind(AssertUnwindSafe(|| held.analysis.apply_prepared(change))).is_err() {
                let paths: Vec<&String> = versions.iter().map(|(path, _)| path).take(5).collect();
                tracing::error!("the analysis failed while updating {} (first files: {paths:?})", space.name());
            }
            for (path, open) in versions {
                let before = known_as(&held, space, &path);
                if open.is_some() {
                    edited.push(path.clone());
                }
                let opened = match open {
                    Some(doc) => held.open.insert(path.clone(), doc).is_none(),
                    None => {
                        if held.open.remove(&path).is_some() {
                            closed.push(path.clone());
                        }
                        false
                    }
                };
                // A document opened or closed under another spelling than the folder's moves the
                // file's set to the URI the client now knows it by.
                if opened || known_as(&held, space, &path) != before {
                    reopened.push(path);
                }
            }
        }
        // Clients may drop the diagnostics of files that are not open (eglot and flymake do), and
        // expect them again when the file opens; others keep showing what they had, which may be a
        // set the server replaced before it could publish the new one (a document closed and opened
        // again within the quiet period). Either way the current set goes out, even if unchanged,
        // even if empty.
        // Opening a file starts no burst of edits to coalesce, and the user is waiting to see
        // its problems: publish at once.
        let opened = !reopened.is_empty();
        let book = self.book(space);
        if book.indexing.is_some() {
            book.early.extend(edited);
        }
        book.resend.extend(reopened);
        book.recheck.extend(closed);
        book.dirty = true;
        if opened {
            self.publish_at = Some(Instant::now());
        } else {
            self.schedule_publish();
        }
        self.due.insert(space.id);
    }

    // ---- folders -------------------------------------------------------------------------------

    fn change_folders(&mut self, added: Vec<Arc<Space>>, removed: Vec<Arc<Space>>) {
        let folders = self.state.folders();
        for space in &removed {
            space.mark_removed();
            self.drop_space(space);
            // An enclosing folder takes the files back.
            for parent in folders.iter().filter(|f| encloses(f, space)) {
                self.start_index(parent.clone());
            }
        }
        for space in &added {
            // The files below a new folder leave the folder that held them.
            for parent in folders.iter().filter(|f| encloses(f, space)) {
                let Some(prefix) = space.root().zip(parent.root()).and_then(|(r, p)| canopy_vfs::relative_path(p, r))
                else {
                    continue;
                };
                let files = &self.book(parent).files;
                let gone: BTreeMap<String, Entry> = at_or_below(&prefix, |from| files.range::<str, _>(from_key(from)))
                    .into_iter()
                    .map(|path| (path, Entry::Remove))
                    .collect();
                self.schedule(parent, gone, self.seq);
            }
            self.start_index(space.clone());
        }
        // Open documents may have changed hands: send each to where it now belongs.
        self.reroute_documents();
        self.flush_ops();
    }

    /// The roots of the folders inside `space`, which are workspaces of their own.
    fn nested(&self, space: &Space) -> Vec<PathBuf> {
        self.state.folders().iter().filter(|f| encloses(space, f)).filter_map(|f| f.root().map(PathBuf::from)).collect()
    }

    /// Reads every space's canopy.toml again; a space whose configuration changed takes its
    /// classes and publishes all its diagnostics anew.
    fn reload_projects(&mut self) {
        for space in self.state.spaces() {
            if project::reload(&self.state, &space) {
                self.take_classes(&space);
                let book = self.book(&space);
                book.dirty = true;
                book.full = true;
                book.early_all();
                self.schedule_publish();
            }
        }
    }

    /// Hands the analysis the classes the space's canopy.toml names.
    fn take_classes(&self, space: &Space) {
        let classes = space.project().classes.clone();
        if catch_unwind(AssertUnwindSafe(|| space.write().analysis.set_user_classes(classes))).is_err() {
            tracing::error!("the analysis failed while checking {}", space.name());
        }
    }

    fn start_index(&mut self, space: Arc<Space>) {
        let Some(root) = space.root() else { return };
        let exclude = self.nested(&space);
        tracing::debug!("indexing {} (excluding {exclude:?})", root.display());
        let job = index::next_job();
        project::reload(&self.state, &space);
        // The folder arrives in chunks: cross-file checks wait for the last one.
        space.write().analysis.begin_bulk();
        self.take_classes(&space);
        self.book(&space).indexing = Some(Indexing { job, ready: false, touched: HashSet::new() });
        index::start(self.state.clone(), space, exclude, job);
    }

    fn apply_chunk(&mut self, chunk: Chunk) {
        let current = self.books.get(&chunk.space.id).and_then(|b| b.indexing.as_ref()).map(|i| i.job);
        if current != Some(chunk.job) || chunk.space.is_removed() {
            // Superseded or removed: only close its progress.
            if chunk.last
                && let Some(token) = &chunk.token
            {
                self.state.outbox.progress(token, Step::End { message: "stopped".to_owned() });
            }
            return;
        }
        let space = chunk.space.clone();
        let mut change = chunk.change;
        let mut kept = Vec::new();
        if let Some(book) = self.books.get(&space.id) {
            let held = space.read();
            // The indexer read these files a while ago: an open document, a change on its way or
            // a file event since has the newer word.
            let newer = |path: &str| {
                held.open.contains_key(path)
                    || book.jobs.holds(path)
                    || book.indexing.as_ref().is_some_and(|i| i.touched(path))
            };
            change.retain(|path| {
                let keep = !newer(path);
                if keep {
                    kept.push(path.to_owned());
                }
                keep
            });
        }
        self.book(&space).files.extend(kept);
        self.apply(&space, change, Vec::new());
        let book = self.book(&space);
        if let Some(indexing) = book.indexing.as_mut().filter(|i| !i.ready) {
            indexing.ready = true;
            // Documents opened before the structure was read waited for it.
            if book.has_early() {
                self.publish_at = Some(Instant::now());
            }
        }
        if let Some(token) = &chunk.token {
            let percentage = (chunk.done * 100).checked_div(chunk.total).unwrap_or(100) as u32;
            let message = format!("{} of {} files", chunk.done, chunk.total);
            self.state.outbox.progress(token, Step::Report { message, percentage });
        }
        if chunk.last {
            let summary = index::summary(chunk.read, chunk.skipped);
            tracing::info!("indexed {summary} in {}", space.name());
            if catch_unwind(AssertUnwindSafe(|| space.write().analysis.end_bulk())).is_err() {
                tracing::error!("the analysis failed while checking {}", space.name());
            }
            // Before the progress ends, so that a client which saw the end has the word too.
            self.explain(&space);
            if let Some(token) = &chunk.token {
                self.state.outbox.progress(token, Step::End { message: summary });
            }
            let book = self.book(&space);
            book.indexing = None;
            book.dirty = true;
            book.full = true;
            // The first complete picture goes out at once.
            self.publish_at = Some(Instant::now());
            self.due.insert(space.id);
        }
    }

    /// Says once in the log why a space holds no dendritic flake, when it holds files of its own
    /// (not only flakes below it, which say their own word): without it, a folder with no aspects
    /// and no diagnostics beyond Nix's would leave the user guessing.
    fn explain(&mut self, space: &Arc<Space>) {
        let book = self.book(space);
        if book.explained {
            return;
        }
        let held = space.read();
        let Some(why) = held.analysis.not_dendritic() else { return };
        let nested = held.analysis.nested_flakes();
        if book.files.iter().any(|path| !nested.iter().any(|folder| path.starts_with(folder.as_str()))) {
            book.explained = true;
            tracing::info!("canopy: {}: {}", space.name(), why.explanation());
        }
    }

    /// Forgets a space, clearing every diagnostic it published. Its changes on their way are
    /// dropped as they come back.
    fn drop_space(&mut self, space: &Arc<Space>) {
        space.pending.clear();
        let Some(book) = self.books.remove(&space.id) else { return };
        for (uri, _) in book.published.into_values() {
            self.state.outbox.send(Outgoing::Diagnostics { uri, diagnostics: Vec::new(), version: None });
        }
        self.drop_flakes(book.flakes);
    }
}

/// Whether folder `outer` strictly encloses folder `inner`.
fn encloses(outer: &Space, inner: &Space) -> bool {
    match (outer.root(), inner.root()) {
        (Some(o), Some(i)) => o != i && i.starts_with(o),
        _ => false,
    }
}

/// The file the client knows a workspace path as: URIs that differ only in their percent-encoding
/// are one file to it.
fn known_as(held: &Contents, space: &Space, path: &str) -> Option<DocKey> {
    held.uri(space, path).map(|uri| DocKey::from_uri(&uri))
}

/// The paths at or below the workspace path `rel` (`""`: all of them) among sorted keys, given
/// `range(from)`: the keys from `from` on, in order.
fn at_or_below<'a, I: Iterator<Item = &'a String>>(rel: &str, range: impl Fn(&str) -> I) -> BTreeSet<String> {
    if rel.is_empty() {
        return range("").cloned().collect();
    }
    // `a/b.nix` sorts between `a/b` and `a/b/c.nix`: the path itself and what lies below it are two
    // runs.
    let below = format!("{rel}/");
    let own = range(rel).next().filter(|path| *path == rel);
    own.into_iter().chain(range(&below).take_while(|path| path.starts_with(&below))).cloned().collect()
}

fn from_key(from: &str) -> (Bound<&str>, Bound<&str>) {
    (Bound::Included(from), Bound::Unbounded)
}

/// The disk's word on a workspace path of a folder.
fn read_entry(space: &Space, path: &str) -> Entry {
    let Some(root) = space.root() else { return Entry::Remove };
    match discover::read(root, path) {
        Some(text) => Entry::Set { text, open: None },
        None => Entry::Remove,
    }
}
