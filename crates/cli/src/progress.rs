//! The progress line on stderr.
//!
//! The work updates a few atomic counters (`Progress`); a separate thread (`Reporter`) draws them.
//! That way the line keeps moving during the one long call that reports nothing by itself
//! (`Analysis::apply`), and the work never waits on the terminal. The line appears only when
//! stderr is a terminal and the run has already taken a second, so quick runs, pipes and CI logs
//! never see it; it is overwritten with `\r` and erased before anything else is printed.

use std::io::{IsTerminal, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, AtomicUsize, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::thread::JoinHandle;
use std::time::Duration;

/// Runs shorter than this print no progress at all.
const DELAY: Duration = Duration::from_secs(1);
const REFRESH: Duration = Duration::from_millis(100);
/// Carriage return, then "erase the whole line".
const CLEAR_LINE: &str = "\r\x1b[2K";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
enum Stage {
    Finding,
    Reading,
    Analysing,
    Checking,
}

#[derive(Debug)]
struct State {
    stage: AtomicU8,
    done: AtomicUsize,
    total: AtomicUsize,
}

/// Where the work is; cheap to update from any thread.
#[derive(Debug, Clone)]
pub struct Progress {
    state: Arc<State>,
}

impl Progress {
    pub fn new() -> Progress {
        let state =
            State { stage: AtomicU8::new(Stage::Finding as u8), done: AtomicUsize::new(0), total: AtomicUsize::new(0) };
        Progress { state: Arc::new(state) }
    }

    /// `count` `.nix` files found so far.
    pub fn found(&self, count: usize) {
        self.state.done.store(count, Ordering::Relaxed);
    }

    /// Reading `total` files starts; call `advance` after each.
    pub fn reading(&self, total: usize) {
        self.enter(Stage::Reading, total);
    }

    /// The workspace is being built from `total` files.
    pub fn analysing(&self, total: usize) {
        self.enter(Stage::Analysing, total);
    }

    /// Per-file results for `total` files are being collected; call `advance` after each.
    pub fn checking(&self, total: usize) {
        self.enter(Stage::Checking, total);
    }

    pub fn advance(&self) {
        self.state.done.fetch_add(1, Ordering::Relaxed);
    }

    fn enter(&self, stage: Stage, total: usize) {
        self.state.done.store(0, Ordering::Relaxed);
        self.state.total.store(total, Ordering::Relaxed);
        self.state.stage.store(stage as u8, Ordering::Relaxed);
    }

    fn render(&self) -> String {
        let done = self.state.done.load(Ordering::Relaxed);
        let total = self.state.total.load(Ordering::Relaxed);
        let stage = self.state.stage.load(Ordering::Relaxed);
        if stage == Stage::Finding as u8 {
            format!("canopy: found {done} files")
        } else if stage == Stage::Reading as u8 {
            format!("canopy: read {done} of {total} files")
        } else if stage == Stage::Analysing as u8 {
            format!("canopy: analysing {total} files")
        } else {
            format!("canopy: analysed {done} of {total} files")
        }
    }
}

/// Draws a `Progress` on stderr until dropped; dropping it erases the line.
pub struct Reporter {
    stop: Option<mpsc::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Reporter {
    /// Starts drawing if stderr is a terminal; otherwise does nothing.
    pub fn start(progress: &Progress) -> Reporter {
        if !std::io::stderr().is_terminal() {
            return Reporter { stop: None, thread: None };
        }
        let (stop, stopped) = mpsc::channel();
        let progress = progress.clone();
        // A reporter that cannot start only costs the progress line.
        let thread = std::thread::Builder::new()
            .name("canopy-progress".to_owned())
            .spawn(move || draw(&progress, &stopped))
            .ok();
        Reporter { stop: Some(stop), thread }
    }
}

fn draw(progress: &Progress, stopped: &mpsc::Receiver<()>) {
    if stopped.recv_timeout(DELAY) != Err(RecvTimeoutError::Timeout) {
        return;
    }
    let mut stderr = std::io::stderr();
    let mut shown = String::new();
    loop {
        let line = progress.render();
        if line != shown {
            // Progress is decoration: a failed write to stderr must not disturb the run.
            let _ = write!(stderr, "{CLEAR_LINE}{line}");
            let _ = stderr.flush();
            shown = line;
        }
        if stopped.recv_timeout(REFRESH) != Err(RecvTimeoutError::Timeout) {
            break;
        }
    }
    let _ = write!(stderr, "{CLEAR_LINE}");
    let _ = stderr.flush();
}

impl Drop for Reporter {
    fn drop(&mut self) {
        // Dropping the sender wakes the thread; joining makes sure the line is gone before the
        // caller prints anything.
        drop(self.stop.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Progress;

    #[test]
    fn renders_each_stage() {
        let progress = Progress::new();
        progress.found(3);
        assert_eq!(progress.render(), "canopy: found 3 files");
        progress.reading(5678);
        for _ in 0..1234 {
            progress.advance();
        }
        assert_eq!(progress.render(), "canopy: read 1234 of 5678 files");
        progress.analysing(5678);
        assert_eq!(progress.render(), "canopy: analysing 5678 files");
        progress.checking(5678);
        progress.advance();
        assert_eq!(progress.render(), "canopy: analysed 1 of 5678 files");
    }
}
