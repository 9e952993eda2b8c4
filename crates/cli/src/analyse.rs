//! Running the analysis: load the files, build the workspace, ask it questions, on one thread
//! with a big stack.
//!
//! Nix nests without bound (generated files, long `//` chains, deep attrsets), and the parser and
//! the analysis recurse over the tree, as does dropping it. The main thread's 8 MB stack is not
//! enough for that, so everything that touches the workspace, its construction and its drop
//! included, runs on this thread; only plain data comes back.

use std::time::Instant;

use canopy_analysis::workspace::{Change, Workspace};
use canopy_vfs::Skipped;

use crate::error::CliError;
use crate::load::{self, Root};
use crate::output;
use crate::progress::Progress;

/// Only reserved address space: the pages are touched only by deep recursion.
const STACK_SIZE: usize = 256 * 1024 * 1024;

/// What a query returned, and what loading the workspace left out.
#[derive(Debug)]
pub struct Analysed<T> {
    pub result: T,
    /// Files handed to the workspace.
    pub files: usize,
    pub skipped: Vec<Skipped>,
    /// Files analysed although not UTF-8: (path, what was replaced).
    pub repaired: Vec<(String, String)>,
}

impl<T> Analysed<T> {
    /// Says on stderr what loading passed over or read with repairs, with paths that open from
    /// the current folder.
    pub fn note_loading(&self, display_prefix: &str) {
        for file in &self.skipped {
            output::note(&format!("skipped {display_prefix}{}: {}", file.path, file.reason));
        }
        for (path, repaired) in &self.repaired {
            output::note(&format!("read {display_prefix}{path} anyway: {repaired}"));
        }
    }
}

/// Loads the workspace at `root` and runs `query` on it.
pub fn analyse<T: Send>(
    root: &Root,
    progress: &Progress,
    query: impl FnOnce(&Workspace, &Progress) -> T + Send,
) -> Result<Analysed<T>, CliError> {
    std::thread::scope(|scope| {
        let thread = std::thread::Builder::new()
            .name("canopy-analysis".to_owned())
            .stack_size(STACK_SIZE)
            .spawn_scoped(scope, || {
                let started = Instant::now();
                let loaded = load::load(&root.path, progress);
                let files = loaded.files.len();
                tracing::debug!(files, skipped = loaded.skipped.len(), elapsed = ?started.elapsed(), "loaded");
                progress.analysing(files);
                let mut workspace = Workspace::new();
                workspace.apply(Change { set: loaded.files, remove: Vec::new() });
                tracing::debug!(elapsed = ?started.elapsed(), "workspace built");
                let result = query(&workspace, progress);
                tracing::debug!(elapsed = ?started.elapsed(), "queried");
                Analysed { result, files, skipped: loaded.skipped, repaired: loaded.repaired }
            })
            .map_err(|err| {
                let reason = canopy_vfs::io_reason(&err);
                CliError::Analysis(format!("cannot start the analysis thread: {reason}"))
            })?;
        // The panic message is already on stderr (the default hook printed it).
        thread.join().map_err(|_| CliError::Analysis("internal error (a bug in canopy; please report it)".to_owned()))
    })
}
