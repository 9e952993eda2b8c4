//! What one round of checks works out once for all its files, and the shape of each such verdict.

use std::sync::{Arc, Mutex, PoisonError};

use rustc_hash::FxHashMap;
use smol_str::SmolStr;

use crate::base::AspectKey;
use crate::base::diagnostics::{Severity, SharedParts};
use crate::graph::table::FactId;

/// What one round of checks (every dirty file, on every core) works out once for all its files:
/// the graph does not change within a round. Each verdict carries the facts it read, which every
/// file that uses it records as its own reads.
#[derive(Default)]
pub(crate) struct Memo {
    undefined: Mutex<FxHashMap<AspectKey, Arc<Verdict>>>,
}

impl Memo {
    /// `undefined-aspect`'s verdict on `key`, made by `make` the first time it is asked for.
    pub(super) fn undefined(&self, key: &AspectKey, make: impl FnOnce() -> Verdict) -> Arc<Verdict> {
        let known = || self.undefined.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(verdict) = known().get(key) {
            return verdict.clone();
        }
        // Made outside the lock: another core may make the same one meanwhile, and the first
        // kept stands (both are the same).
        let verdict = Arc::new(make());
        known().entry(key.clone()).or_insert(verdict).clone()
    }
}

/// What every reference to one undefined aspect is told, whichever file it is in: made once per
/// round of checks (`Memo::undefined`), with the facts it read, which each file that uses it
/// reads too. Made per file, they were a quarter of the time of an edit that undefines an aspect
/// many files import, and as many copies of one message and one fix (issue 21).
#[derive(Debug)]
pub(super) struct Verdict {
    pub(super) lowered: Option<Severity>,
    pub(super) message: Arc<str>,
    /// Names near the undefined one, the nearest first.
    pub(super) near: Arc<[SmolStr]>,
    /// Only one name is near: that is what was meant, and replacing it is safe.
    pub(super) only: bool,
    /// The fix that creates the aspect, and where each near name is defined.
    pub(super) shared: Arc<SharedParts>,
    pub(super) reads: Vec<FactId>,
}
