//! Indexing a folder in the background: find its files, read them, prepare them for the analysis
//! (`Analysis::prepare`, the costly part) and hand them to the main loop in chunks. The main loop
//! applies one chunk at a time and serves edits and requests between chunks, so nothing waits for
//! the whole folder.
//!
//! The first chunk holds only the files that decide what the others are to the flake
//! (`Analysis::decides_structure`: the `flake.nix` files), so that it is applied at once and open
//! documents are judged by the flake's own roots while the rest is read (`main_loop/publish`).

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use canopy_analysis::{Analysis, Change, PreparedChange};

use crate::discover;
use crate::outbox::Step;
use crate::queue::{Chunk, Task};
use crate::space::Space;
use crate::state::State;

/// A fresh run number.
pub fn next_job() -> u64 {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

/// Indexes `space` (a folder) on a thread of its own. `exclude` lists folders below it that are
/// workspaces of their own.
pub fn start(state: Arc<State>, space: Arc<Space>, exclude: Vec<PathBuf>, job: u64) {
    let token = state.caps().work_done_progress.then(|| format!("canopy/index/{job}"));
    // Whatever happens, the run ends with a last chunk: until then the main loop holds the
    // space's diagnostics back, and the editor shows the progress.
    let thread =
        std::thread::Builder::new().name("canopy-index".to_owned()).stack_size(canopy_analysis::ANALYSIS_STACK);
    let spawned = thread.spawn({
        let state = state.clone();
        let space = space.clone();
        let token = token.clone();
        move || {
            let run = catch_unwind(AssertUnwindSafe(|| run(&state, space.clone(), &exclude, job, token.clone())));
            if run.is_err() {
                tracing::error!("indexing {} failed (a bug; the log has details)", space.name());
                close(&state, space, job, token);
            }
        }
    });
    if let Err(err) = spawned {
        tracing::error!("cannot start indexing {}: {err}", space.name());
        close(&state, space, job, token);
    }
}

fn close(state: &State, space: Arc<Space>, job: u64, token: Option<String>) {
    let change = prepare(&space, Vec::new());
    let chunk = Chunk { space, job, change, done: 0, total: 0, read: 0, skipped: 0, last: true, token };
    state.send(Task::Index(chunk));
}

/// Reads a chunk's texts here, not on the main loop, which would serve nothing else meanwhile (a
/// file of megabytes takes seconds). A chunk the analysis fails on is left out; the panic hook
/// logs it.
fn prepare(space: &Space, files: Vec<(String, Arc<str>)>) -> PreparedChange {
    let first = files.first().map(|(path, _)| path.clone());
    let change = Change { set: files, remove: Vec::new() };
    catch_unwind(AssertUnwindSafe(|| Analysis::prepare(change))).unwrap_or_else(|_| {
        tracing::error!("the analysis failed while reading a chunk of {} (first file: {first:?})", space.name());
        Analysis::prepare(Change::default())
    })
}

/// What a finished run found, for the log and the end of the progress: `12 files`, or
/// `11 files, 2 skipped (see the log)`.
pub fn summary(read: usize, skipped: usize) -> String {
    let files = if read == 1 { "1 file".to_owned() } else { format!("{read} files") };
    match skipped {
        0 => files,
        skipped => format!("{files}, {skipped} skipped (see the log)"),
    }
}

fn run(state: &State, space: Arc<Space>, exclude: &[PathBuf], job: u64, token: Option<String>) {
    let Some(root) = space.root().map(PathBuf::from) else { return };
    let (paths, mut skipped) = discover::walk(&root, exclude);
    let total = paths.len();
    let (first, rest): (Vec<String>, Vec<String>) = paths.into_iter().partition(|p| Analysis::decides_structure(p));
    tracing::info!("indexing {} files in {}", total, root.display());
    if let Some(token) = &token {
        let title = format!("canopy: indexing {}", space.name());
        state.outbox.progress(token, Step::Begin { title, message: format!("0 of {total} files"), percentage: 0 });
    }

    // About twenty chunks: each apply is quick enough not to hold up edits, and few enough that
    // the per-chunk cost of the graph's global rebuilds stays small.
    let size = (total / 20).clamp(32, 1000);
    let mut done = 0;
    let mut read = 0;
    let first = (!first.is_empty()).then_some(first.as_slice());
    let mut batches = first.into_iter().chain(rest.chunks(size)).peekable();
    if batches.peek().is_none() {
        let change = prepare(&space, Vec::new());
        let chunk = Chunk { space, job, change, done: 0, total, read: 0, skipped, last: true, token };
        state.send(Task::Index(chunk));
        return;
    }
    while let Some(batch) = batches.next() {
        // A removed folder needs no more reading; the last chunk still closes the progress.
        let removed = space.is_removed();
        let mut files = Vec::with_capacity(batch.len());
        if !removed {
            // `None` for a file deleted since the walk (its watcher event removes it, if it was
            // ever there) or unreadable: logged, and counted for the summary.
            for (path, text) in batch.iter().zip(discover::read_all(&root, batch)) {
                match text {
                    Some(text) => files.push((path.clone(), text)),
                    None => skipped += 1,
                }
            }
        }
        done += batch.len();
        read += files.len();
        let last = removed || batches.peek().is_none();
        let change = prepare(&space, files);
        if last {
            hold_for_tests(&space);
        }
        let chunk = Chunk { space: space.clone(), job, change, done, total, read, skipped, last, token: token.clone() };
        state.send(Task::Index(chunk));
        if last {
            break;
        }
    }
}

/// Set only by end-to-end tests: a path at which a file appears when the test lets indexing end.
const HOLD: &str = "CANOPY_TEST_INDEX_HOLD";

/// The longest a test hook holds an index, so that a hook set by mistake only delays it.
const HOLD_AT_MOST: Duration = Duration::from_secs(60);

/// The tests' hook (docs/server.md, "Testing"): with `CANOPY_TEST_INDEX_HOLD` set to a path, an
/// indexer waits before handing over its last chunk until a file exists there, so that a test can
/// observe what the server does while a folder is indexed however fast the machine reads it,
/// without timing. Unset, as everywhere but those tests, it costs one lookup per index.
fn hold_for_tests(space: &Space) {
    let Some(path) = std::env::var_os(HOLD).map(PathBuf::from) else { return };
    let until = Instant::now() + HOLD_AT_MOST;
    tracing::debug!("indexing {} held until {} exists", space.name(), path.display());
    while !path.exists() && !space.is_removed() && Instant::now() < until {
        std::thread::sleep(Duration::from_millis(10));
    }
}
