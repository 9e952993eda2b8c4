//! Running the analysis: load the files, build the analysis, ask it questions, on one thread
//! with the analysis's stack.
//!
//! Nix nests without bound (generated files, long `//` chains, deep attrsets), and the parser and
//! the analysis recurse over the tree, as does dropping it. The main thread's 8 MB stack is not
//! enough for that, so everything that touches the analysis, its construction and its drop
//! included, runs on this thread; only plain data comes back.

use std::time::Instant;

use canopy_analysis::{Analysis, Change, run_on_analysis_stack};
use canopy_vfs::Skipped;

use crate::error::CliError;
use crate::load::{self, Root};
use crate::output;
use crate::progress::Progress;

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
    query: impl FnOnce(&Analysis, &Progress) -> T + Send,
) -> Result<Analysed<T>, CliError> {
    let joined = run_on_analysis_stack("canopy-analysis", || {
        let started = Instant::now();
        let loaded = load::load(&root.path, progress);
        let files = loaded.files.len();
        tracing::debug!(files, skipped = loaded.skipped.len(), elapsed = ?started.elapsed(), "loaded");
        progress.analysing(files);
        let mut analysis = Analysis::new();
        analysis.apply(Change { set: loaded.files, remove: Vec::new() });
        tracing::debug!(elapsed = ?started.elapsed(), "analysis built");
        let result = query(&analysis, progress);
        tracing::debug!(elapsed = ?started.elapsed(), "queried");
        Analysed { result, files, skipped: loaded.skipped, repaired: loaded.repaired }
    })
    .map_err(|err| {
        let reason = canopy_vfs::io_reason(&err);
        CliError::Analysis(format!("cannot start the analysis thread: {reason}"))
    })?;
    // The panic message is already on stderr (the default hook printed it).
    joined.map_err(|_| CliError::Analysis("internal error (a bug in canopy; please report it)".to_owned()))
}
