//! What travels on the queue to the main loop: document and file changes, folder changes, the
//! chunks of a background index, changes prepared off the main loop.
//!
//! Handlers put messages in (through `state`), indexers too, and the main loop takes them out.
//! The types sit here, below all of them, so that neither side imports the other to name them.

use std::path::PathBuf;
use std::sync::Arc;

use canopy_analysis::PreparedChange;
use tower_lsp::lsp_types::Url;

use crate::space::Space;
use crate::vfs::DocKey;

pub struct Message {
    /// Set for changes that later requests must see; the main loop reports the last one applied.
    pub seq: Option<u64>,
    pub task: Task,
}

pub enum Task {
    /// A document or file changed.
    Op(Op),
    /// Workspace folders came or went (also sent once at `initialized` for the first ones).
    Folders { added: Vec<Arc<Space>>, removed: Vec<Arc<Space>> },
    /// Files read by an indexer.
    Index(Chunk),
    /// The settings changed: every file's published set is recomputed.
    Republish,
    /// A change prepared off the main loop (`jobs`), to apply.
    Prepared(Prepared),
}

pub struct Prepared {
    pub space: Arc<Space>,
    pub job: u64,
    /// `None` when the analysis failed while preparing it.
    pub change: Option<PreparedChange>,
}

pub enum Op {
    /// An open document's current text (`didOpen`, `didChange`).
    Text { key: DocKey, uri: Url, text: Arc<str>, version: i32 },
    /// A document was closed: the file on disk takes over.
    Closed { key: DocKey },
    /// The client saw something change on disk at `path`: a file or a folder, created, changed or
    /// deleted. Whatever the event said, what is there now decides.
    Disk { path: PathBuf },
}

/// One batch of files read from disk.
pub struct Chunk {
    pub space: Arc<Space>,
    /// The indexing run this chunk belongs to; a newer run of the same space supersedes it.
    pub job: u64,
    /// The files read, prepared by the indexer (off the main loop).
    pub change: PreparedChange,
    /// Files found so far, this chunk included, and in all.
    pub done: usize,
    pub total: usize,
    /// Files read so far, and entries passed over so far (by the walk or the reads; each is in
    /// the log).
    pub read: usize,
    pub skipped: usize,
    pub last: bool,
    /// The `$/progress` token, when the client shows progress.
    pub token: Option<String>,
}
