//! Threads that prepare changes, kept between changes.
//!
//! A thread per change made every keystroke start and end a thread with the analysis's big stack,
//! and each thread's allocator cache stayed behind it: the soak test's resident memory grew by
//! half as much again. A few threads (`MAX_THREADS`), started as needed, wait for the next change
//! instead: a slow file holds the thread preparing it and the others go on; past that, changes
//! wait their turn. A rayon pool of two threads with the analysis's stack would do the same;
//! canopy has no other use for rayon, and the pool is the forty lines below.

use std::collections::VecDeque;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};

/// Two: one slow file then holds no other file's change back. Each thread keeps the stack pages
/// and allocator caches it touched, so more cost memory under load: the soak test's resident
/// memory grew 4.6% over 20,000 operations with eight threads, 3.7 to 5.4% with two kept and up
/// to eight started on demand (ending when idle), 2.0 to 2.2% with two.
const MAX_THREADS: usize = 2;

pub type Work = Box<dyn FnOnce() + Send>;

#[derive(Default)]
pub struct Workers {
    shared: Arc<Shared>,
}

#[derive(Default)]
struct Shared {
    state: Mutex<Pool>,
    wake: Condvar,
}

#[derive(Default)]
struct Pool {
    work: VecDeque<Work>,
    /// Threads waiting for work.
    idle: usize,
    threads: usize,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Pool> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Workers {
    /// Runs `work` on one of the threads; gives it back when there is none and none can start,
    /// for the caller to run itself.
    pub fn run(&self, work: Work) -> Result<(), Work> {
        let mut pool = self.shared.lock();
        pool.work.push_back(work);
        if pool.idle > pool.work.len() - 1 {
            self.shared.wake.notify_one();
            return Ok(());
        }
        if pool.threads >= MAX_THREADS {
            return Ok(());
        }
        let shared = self.shared.clone();
        let spawned = std::thread::Builder::new()
            .name("canopy-prepare".to_owned())
            .stack_size(canopy_analysis::ANALYSIS_STACK)
            .spawn(move || serve(&shared));
        match spawned {
            Ok(_) => {
                pool.threads += 1;
                Ok(())
            }
            // Another thread will take it in time.
            Err(err) if pool.threads > 0 => {
                tracing::warn!("cannot start another thread to prepare changes ({err})");
                Ok(())
            }
            Err(err) => {
                tracing::warn!("cannot start a thread to prepare changes ({err}): preparing on the main loop");
                Err(pool.work.pop_back().unwrap_or_else(|| Box::new(|| {})))
            }
        }
    }
}

/// A thread's life: take work, do it, wait for more.
fn serve(shared: &Shared) {
    let mut pool = shared.lock();
    loop {
        match pool.work.pop_front() {
            Some(work) => {
                drop(pool);
                work();
                pool = shared.lock();
            }
            None => {
                pool.idle += 1;
                pool = shared.wake.wait(pool).unwrap_or_else(PoisonError::into_inner);
                pool.idle -= 1;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::mpsc;
    use std::time::Duration;

    use super::*;

    #[test]
    fn threads_are_kept_and_a_busy_one_does_not_hold_the_others() {
        let workers = Workers::default();
        let (done, finished) = mpsc::channel();
        let (release, blocked) = mpsc::channel::<()>();
        // The first work holds its thread until released.
        let done_slow = done.clone();
        workers
            .run(Box::new(move || {
                let _ = blocked.recv();
                let _ = done_slow.send("slow");
            }))
            .map_err(|_| "no thread")
            .expect("a thread");
        for _ in 0..20 {
            let done = done.clone();
            workers
                .run(Box::new(move || {
                    let _ = done.send("quick");
                }))
                .map_err(|_| "no thread")
                .expect("a thread");
            assert_eq!(finished.recv_timeout(Duration::from_secs(10)), Ok("quick"));
            // Until its thread waits again, the next work would rightly start another.
            while workers.shared.lock().idle == 0 {
                std::thread::sleep(Duration::from_millis(1));
            }
        }
        // The quick ones reused one thread: two in all.
        assert_eq!(workers.shared.lock().threads, 2);
        release.send(()).expect("the slow work waits");
        assert_eq!(finished.recv_timeout(Duration::from_secs(10)), Ok("slow"));
    }
}
