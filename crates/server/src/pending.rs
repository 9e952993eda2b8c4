//! Changes a space has been given and not applied yet, by file: what a request waits for.
//!
//! The main loop prepares each change off its own thread, so a space may hold an older text of a
//! file for a while (seconds, for a file of megabytes). A request must see the text the client
//! sees of its own document, so it waits for that file; other files it reads as last applied, once
//! their change has been on its way for longer than a short grace: a change that applies within
//! the grace (nearly all of them) is seen, as if requests waited for everything before them, and a
//! slow one holds no request on another file.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

/// How long a request waits for changes to other files than its own: far longer than a change to
/// a file of ordinary size takes to apply, and short enough to go unnoticed.
pub const GRACE: Duration = Duration::from_millis(50);

/// One file's changes not applied yet.
#[derive(Debug, Clone, Copy)]
struct Unsettled {
    /// The sequence number of the oldest change not applied: requests submitted before it have
    /// nothing to wait for here.
    first: u64,
    /// Since when the file has had changes waiting, without a pause.
    since: Instant,
}

/// What a request needs before it reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wait {
    /// Nothing: the space holds what the request must see.
    Ready,
    /// Until a change is applied, however long that takes.
    Applied,
    /// Until a change is applied, or this moment, whichever comes first.
    Until(Instant),
}

impl Wait {
    /// What two needs make together.
    pub fn and(self, other: Wait) -> Wait {
        match (self, other) {
            (Wait::Applied, _) | (_, Wait::Applied) => Wait::Applied,
            (Wait::Until(a), Wait::Until(b)) => Wait::Until(a.max(b)),
            (Wait::Until(at), Wait::Ready) | (Wait::Ready, Wait::Until(at)) => Wait::Until(at),
            (Wait::Ready, Wait::Ready) => Wait::Ready,
        }
    }
}

#[derive(Debug, Default)]
pub struct Pending {
    files: Mutex<HashMap<String, Unsettled>>,
}

impl Pending {
    /// Records that a change with sequence number `seq` to `path` is on its way; an older one
    /// still waiting keeps its place.
    pub fn add(&self, path: &str, seq: u64) {
        let mut files = self.files.lock().unwrap_or_else(PoisonError::into_inner);
        if !files.contains_key(path) {
            files.insert(path.to_owned(), Unsettled { first: seq, since: Instant::now() });
        }
    }

    /// Records that `path`'s changes are applied up to the one that follows: `next`, the first of
    /// those still waiting, if any.
    pub fn settle(&self, path: &str, next: Option<u64>) {
        let mut files = self.files.lock().unwrap_or_else(PoisonError::into_inner);
        match next {
            Some(first) => {
                if let Some(unsettled) = files.get_mut(path) {
                    unsettled.first = first;
                }
            }
            None => {
                files.remove(path);
            }
        }
    }

    /// Forgets every change: the space is gone, and its requests have nothing left to wait for.
    pub fn clear(&self) {
        self.files.lock().unwrap_or_else(PoisonError::into_inner).clear();
    }

    /// What a request submitted after change `target` needs: every change to `own` submitted
    /// before it applied, and the other files' too unless `grace` has run out for them (`None`:
    /// it never does).
    pub fn wait(&self, target: u64, own: Option<&str>, grace: Option<Duration>) -> Wait {
        let files = self.files.lock().unwrap_or_else(PoisonError::into_inner);
        let now = Instant::now();
        let mut wait = Wait::Ready;
        for (path, unsettled) in files.iter().filter(|(_, u)| u.first <= target) {
            let need = match grace {
                _ if own == Some(path.as_str()) => Wait::Applied,
                None => Wait::Applied,
                Some(grace) => {
                    let until = unsettled.since + grace;
                    if until > now { Wait::Until(until) } else { Wait::Ready }
                }
            };
            wait = wait.and(need);
        }
        wait
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_waits_for_its_own_file_and_briefly_for_others() {
        let pending = Pending::default();
        assert_eq!(pending.wait(10, Some("a.nix"), Some(GRACE)), Wait::Ready);
        pending.add("a.nix", 3);
        pending.add("a.nix", 5);
        pending.add("b.nix", 4);
        assert_eq!(pending.wait(10, Some("a.nix"), Some(GRACE)), Wait::Applied);
        // Submitted before every change: nothing to wait for.
        assert_eq!(pending.wait(2, Some("a.nix"), None), Wait::Ready);
        let Wait::Until(until) = pending.wait(10, Some("c.nix"), Some(GRACE)) else { panic!("a grace") };
        assert!(until > Instant::now() && until <= Instant::now() + GRACE);
        assert_eq!(pending.wait(10, Some("c.nix"), Some(Duration::ZERO)), Wait::Ready, "the grace ran out");
        assert_eq!(pending.wait(10, None, None), Wait::Applied, "every file");
        // Applied up to the change numbered 7, still waiting: a request from before 7 goes ahead.
        pending.settle("a.nix", Some(7));
        assert_eq!(pending.wait(6, Some("a.nix"), Some(GRACE)).and(Wait::Ready), pending.wait(6, None, Some(GRACE)));
        pending.settle("b.nix", None);
        assert_eq!(pending.wait(6, Some("a.nix"), None), Wait::Ready);
        assert_eq!(pending.wait(7, Some("a.nix"), None), Wait::Applied);
        pending.clear();
        assert_eq!(pending.wait(100, None, None), Wait::Ready);
    }
}
