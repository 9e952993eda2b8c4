//! Preparing changes off the main loop.
//!
//! Reading a new text (parsing, Nix's grammar, the summary) costs time in proportion to the file:
//! seconds for a module of megabytes. It runs on a worker thread (`workers`), so the main loop
//! keeps taking messages and applying other files' changes meanwhile, and applies the prepared
//! change when it comes back on its queue. Changes to different files commute (each sets or
//! removes a whole text); only the order of changes to one file matters. So a file has at most one
//! change in preparation: a newer text waits until it ends, the last word of a burst replacing
//! the words before it, and is prepared next. The one in preparation is still applied when it
//! ends, being newer than what the space holds: dropping it would leave the space on its old text
//! for as long as the user keeps typing faster than the file prepares.

use std::collections::{BTreeMap, HashMap};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use canopy_analysis::{Analysis, Change};

use crate::queue::{Prepared, Task};
use crate::space::{OpenDoc, Space};
use crate::state::State;

/// The last word on one file within a batch.
pub enum Entry {
    /// `open`: the text is an open document's, else the disk's.
    Set {
        text: Arc<str>,
        open: Option<OpenDoc>,
    },
    Remove,
}

impl Entry {
    fn open(&self) -> Option<&OpenDoc> {
        match self {
            Entry::Set { open, .. } => open.as_ref(),
            Entry::Remove => None,
        }
    }
}

/// One space's changes on their way: in preparation, or waiting for their file's turn.
#[derive(Default)]
pub struct Jobs {
    /// Paths whose change is in preparation, with the job preparing it.
    busy: HashMap<String, u64>,
    /// Changes held back until their path's preparation ends: the last word on each path, and the
    /// sequence number of the first change it stands for.
    waiting: BTreeMap<String, (u64, Entry)>,
    /// Each job in preparation: the open document (if any) each of its paths then holds.
    running: HashMap<u64, Vec<(String, Option<OpenDoc>)>>,
}

/// What a job that ended leaves to do.
pub struct Finished {
    /// The open document each of its paths now holds the text of.
    pub versions: Vec<(String, Option<OpenDoc>)>,
    /// Each of its paths with the first sequence number still waiting for it, if any.
    pub settled: Vec<(String, Option<u64>)>,
    /// Changes that waited for its paths, to prepare next.
    pub next: BTreeMap<String, Entry>,
}

impl Jobs {
    /// Takes a batch's entries, the first standing for changes from sequence number `first` on;
    /// returns those whose path is free, to prepare now, and keeps the others waiting.
    pub fn admit(&mut self, entries: BTreeMap<String, Entry>, first: u64) -> BTreeMap<String, Entry> {
        let mut now = BTreeMap::new();
        for (path, entry) in entries {
            if self.busy.contains_key(&path) {
                let first = self.waiting.remove(&path).map_or(first, |(earlier, _)| earlier);
                self.waiting.insert(path, (first, entry));
            } else {
                now.insert(path, entry);
            }
        }
        now
    }

    /// Whether the newest change on its way for `path` is an open document's text (`None`: there
    /// is none).
    pub fn open(&self, path: &str) -> Option<bool> {
        if let Some((_, entry)) = self.waiting.get(path) {
            return Some(entry.open().is_some());
        }
        let job = self.busy.get(path)?;
        let versions = self.running.get(job)?;
        versions.iter().find(|(p, _)| p == path).map(|(_, open)| open.is_some())
    }

    /// Whether a change to `path` is on its way.
    pub fn holds(&self, path: &str) -> bool {
        self.busy.contains_key(path) || self.waiting.contains_key(path)
    }

    /// Starts preparing `entries` on a thread of its own; the result comes back on the main loop's
    /// queue as `Task::Prepared`. Returns it at once when no thread could start.
    pub fn start(
        &mut self,
        state: &Arc<State>,
        space: &Arc<Space>,
        entries: BTreeMap<String, Entry>,
    ) -> Option<Prepared> {
        let job = next_job();
        let mut change = Change::default();
        let mut versions = Vec::with_capacity(entries.len());
        for (path, entry) in entries {
            self.busy.insert(path.clone(), job);
            match entry {
                Entry::Set { text, open } => {
                    versions.push((path.clone(), open));
                    change.set.push((path, text));
                }
                Entry::Remove => {
                    versions.push((path.clone(), None));
                    change.remove.push(path);
                }
            }
        }
        self.running.insert(job, versions);
        spawn(state, space, job, change)
    }

    /// Ends job `job`: its paths are free, and what waited for them goes next. `None` for a job
    /// this space does not know.
    pub fn finish(&mut self, job: u64) -> Option<Finished> {
        let versions = self.running.remove(&job)?;
        let mut settled = Vec::with_capacity(versions.len());
        let mut next = BTreeMap::new();
        for (path, _) in &versions {
            if self.busy.get(path) == Some(&job) {
                self.busy.remove(path);
            }
            match self.waiting.remove(path) {
                Some((first, entry)) => {
                    settled.push((path.clone(), Some(first)));
                    next.insert(path.clone(), entry);
                }
                None => settled.push((path.clone(), None)),
            }
        }
        Some(Finished { versions, settled, next })
    }
}

fn next_job() -> u64 {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

/// Prepares `change` on one of the workers (threads with the analysis's stack), reads it ahead
/// against the space's analysis (`Analysis::resolve_ahead`), and sends the result to the main
/// loop. A panic in the analysis is caught there and comes back as no change (the panic hook
/// logs it).
fn spawn(state: &Arc<State>, space: &Arc<Space>, job: u64, change: Change) -> Option<Prepared> {
    let slot = Arc::new(Mutex::new(Some(change)));
    let prepare = {
        let slot = slot.clone();
        let space = space.clone();
        move || {
            let change = slot.lock().unwrap_or_else(PoisonError::into_inner).take()?;
            let files = change.set.len() + change.remove.len();
            let first = change.set.iter().map(|(path, _)| path).chain(&change.remove).next().cloned();
            let started = Instant::now();
            let change = catch_unwind(AssertUnwindSafe(|| {
                let mut change = Analysis::prepare(change);
                // Most of an edit's cost, done under the read lock that requests share, so that
                // the main loop's write lock does not hold hovers up for it.
                space.read().analysis.resolve_ahead(&mut change);
                change
            }))
            .ok();
            let (name, took) = (space.name(), started.elapsed().as_millis());
            tracing::debug!("prepared {files} file(s) of {name} in {took} ms, the first {first:?}");
            Some(Prepared { space, job, change })
        }
    };
    let state_for_thread = state.clone();
    let prepare_here = prepare.clone();
    let work = Box::new(move || {
        if let Some(prepared) = prepare() {
            state_for_thread.send(Task::Prepared(prepared));
        }
    });
    match state.workers.run(work) {
        Ok(()) => None,
        Err(_) => prepare_here(),
    }
}
