//! Batches spread over every core: summarising texts, resolving summaries and checking files are
//! each independent per file, so a workspace load scales with the cores it gets. Each worker runs
//! on the analysis's stack (`crate::base::stack::ANALYSIS_STACK`).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, PoisonError, mpsc};

/// Below this many items a batch stays on the caller's thread: starting workers costs more than
/// the work (a keystroke touches one file).
const SMALL_BATCH: usize = 8;

/// `items.iter().map(f)`, on every core, in order.
pub(crate) fn map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get()).min(items.len());
    if workers <= 1 || items.len() < SMALL_BATCH {
        return items.iter().map(f).collect();
    }
    let next = AtomicUsize::new(0);
    let done: Vec<Vec<(usize, R)>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                std::thread::Builder::new().stack_size(crate::base::stack::ANALYSIS_STACK).spawn_scoped(scope, || {
                    let mut done = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(item) = items.get(i) else { break };
                        done.push((i, f(item)));
                    }
                    done
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| match h {
                Ok(handle) => handle.join().unwrap_or_default(),
                Err(_) => Vec::new(),
            })
            .collect()
    });
    let mut results: Vec<Option<R>> = std::iter::repeat_with(|| None).take(items.len()).collect();
    for (i, r) in done.into_iter().flatten() {
        results[i] = Some(r);
    }
    // A worker that could not start leaves gaps: fill them here.
    results.into_iter().zip(items).map(|(r, item)| r.unwrap_or_else(|| f(item))).collect()
}

/// `f` of every item on every core, each result handed to `merge` on the calling thread, in
/// item order, while the workers go on with later items: a serial merge of per-file results
/// overlaps the work that makes them, instead of waiting for all of it. At most `window` results
/// wait to be merged, so that what they hold stays bounded whatever the number of items.
pub(crate) fn map_merged<T: Sync, R: Send>(
    items: &[T],
    window: usize,
    f: impl Fn(&T) -> R + Sync,
    merge: impl FnMut(usize, R),
) {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    map_merged_on(cores, items, window, f, merge);
}

/// `map_merged` on at most `workers` threads, the calling one among them: between merges it
/// makes items too, so that merging costs no thread of its own (two workers and a merging thread
/// on two cores spent their time waking each other).
fn map_merged_on<T: Sync, R: Send>(
    workers: usize,
    items: &[T],
    window: usize,
    f: impl Fn(&T) -> R + Sync,
    mut merge: impl FnMut(usize, R),
) {
    let window = window.max(1);
    let workers = workers.min(items.len());
    if workers <= 1 || items.len() < SMALL_BATCH {
        items.iter().enumerate().for_each(|(i, item)| merge(i, f(item)));
        return;
    }
    let next = AtomicUsize::new(0);
    // How many results were merged; a worker waits while it is `window` items ahead of it.
    let merged = (Mutex::new(0usize), Condvar::new());
    // A result, or `None` for an item whose maker panicked: it is made again here, in turn.
    let (done, results) = mpsc::channel::<(usize, Option<R>)>();
    // Caught, so that the items after it are not left waiting on it.
    let make = |i: usize| std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(&items[i]))).ok();
    let mut at = 0;
    std::thread::scope(|scope| {
        let results = results;
        let handles: Vec<_> = (1..workers)
            .filter_map(|_| {
                let (done, next, merged, make) = (done.clone(), &next, &merged, &make);
                let worker = move || loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= items.len() {
                        break;
                    }
                    let (count, moved) = merged;
                    let mut count = count.lock().unwrap_or_else(PoisonError::into_inner);
                    while i >= *count + window {
                        count = moved.wait(count).unwrap_or_else(PoisonError::into_inner);
                    }
                    drop(count);
                    if done.send((i, make(i))).is_err() {
                        break;
                    }
                };
                std::thread::Builder::new()
                    .stack_size(crate::base::stack::ANALYSIS_STACK)
                    .spawn_scoped(scope, worker)
                    .ok()
            })
            .collect();
        drop(done);
        // Should `merge` panic, the workers waiting for it are let go (and stop at their next
        // result, which no one receives): the scope would otherwise wait for them forever.
        let _release = Release(&merged);
        let mut waiting: Vec<Option<Option<R>>> = std::iter::repeat_with(|| None).take(window).collect();
        while at < items.len() {
            // The next item, if it is within the window, is made here; else a worker's result
            // is awaited (there is one coming: every item not made here was taken by a worker).
            let i = next.load(Ordering::Relaxed);
            if i < (at + window).min(items.len()) {
                // A worker took it first: look again.
                if next.compare_exchange(i, i + 1, Ordering::Relaxed, Ordering::Relaxed).is_err() {
                    continue;
                }
                waiting[i % window] = Some(make(i));
            } else {
                let Ok((i, result)) = results.recv() else { break };
                waiting[i % window] = Some(result);
            }
            while let Ok((i, result)) = results.try_recv() {
                waiting[i % window] = Some(result);
            }
            let before = at;
            while let Some(result) = waiting[at % window].take() {
                merge(at, result.unwrap_or_else(|| f(&items[at])));
                at += 1;
            }
            if at != before {
                let (count, moved) = &merged;
                *count.lock().unwrap_or_else(PoisonError::into_inner) = at;
                moved.notify_all();
            }
        }
        for handle in handles {
            let _ = handle.join();
        }
    });
    // Items no one made (cannot happen while every worker sends what it takes), here.
    for (i, item) in items.iter().enumerate().skip(at) {
        merge(i, f(item));
    }
}

/// Lets every worker of `map_merged_on` past its wait when dropped.
struct Release<'a>(&'a (Mutex<usize>, Condvar));

impl Drop for Release<'_> {
    fn drop(&mut self) {
        let (count, moved) = self.0;
        *count.lock().unwrap_or_else(PoisonError::into_inner) = usize::MAX / 2;
        moved.notify_all();
    }
}

/// Frees `garbage` on another core while `here` runs on this one; both are done on return.
/// Freeing a big batch's old results (thousands of findings with their fixes) costs about as
/// much as making them. A small batch (a keystroke's one file) is freed here: a thread would cost
/// more.
pub(crate) fn drop_alongside<T: Send, R>(garbage: Vec<T>, here: impl FnOnce() -> R) -> R {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    if cores <= 1 || garbage.len() < SMALL_BATCH {
        drop(garbage);
        return here();
    }
    std::thread::scope(|scope| {
        // Should the thread not start, the closure and `garbage` with it are dropped here.
        let _ = std::thread::Builder::new().spawn_scoped(scope, move || drop(garbage));
        here()
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn keeps_the_order_of_small_and_large_batches() {
        for n in [0, 1, 7, 8, 1000] {
            let items: Vec<usize> = (0..n).collect();
            assert_eq!(super::map(&items, |i| i * 2), items.iter().map(|i| i * 2).collect::<Vec<_>>());
        }
    }

    #[test]
    fn merges_every_result_once_in_order_whatever_the_window() {
        for (n, window) in [(0, 4), (7, 1), (8, 1), (1000, 1), (1000, 3), (1000, 64), (1000, 5000)] {
            let items: Vec<usize> = (0..n).collect();
            let mut merged = Vec::new();
            super::map_merged_on(2, &items, window, |i| i * 2, |at, r| merged.push((at, r)));
            assert_eq!(merged, items.iter().map(|&i| (i, i * 2)).collect::<Vec<_>>(), "n {n}, window {window}");
        }
    }

    #[test]
    fn an_item_whose_worker_panics_is_made_again_in_turn() {
        let items: Vec<usize> = (0..500).collect();
        let tries = std::sync::atomic::AtomicUsize::new(0);
        let mut merged = Vec::new();
        super::map_merged_on(
            2,
            &items,
            8,
            |&i| {
                // Item 100 fails the first time only, on whichever thread makes it.
                if i == 100 && tries.fetch_add(1, std::sync::atomic::Ordering::SeqCst) == 0 {
                    panic!("the first try of item 100");
                }
                i
            },
            |at, r| merged.push((at, r)),
        );
        assert_eq!(merged, items.iter().map(|&i| (i, i)).collect::<Vec<_>>());
    }

    #[test]
    fn a_merge_that_panics_panics_the_caller_and_leaves_no_worker_waiting() {
        let items: Vec<usize> = (0..2000).collect();
        let outcome = std::panic::catch_unwind(|| {
            super::map_merged_on(2, &items, 4, |i| *i, |at, _| assert!(at < 10, "the merge of item {at}"))
        });
        assert!(outcome.is_err());
    }

    #[test]
    fn the_calling_thread_makes_items_between_merges() {
        let items: Vec<usize> = (0..1000).collect();
        let caller = std::thread::current().id();
        let here = std::sync::atomic::AtomicUsize::new(0);
        let mut merged = Vec::new();
        super::map_merged_on(
            2,
            &items,
            4,
            |&i| {
                if std::thread::current().id() == caller {
                    here.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                }
                i
            },
            |at, r| merged.push((at, r)),
        );
        assert_eq!(merged, items.iter().map(|&i| (i, i)).collect::<Vec<_>>());
        assert!(here.into_inner() > 0, "every item was made by the one worker");
    }

    #[test]
    fn never_holds_more_than_the_window_unmerged() {
        let items: Vec<usize> = (0..2000).collect();
        let made = std::sync::atomic::AtomicUsize::new(0);
        let mut merged = 0;
        let mut most_ahead = 0;
        super::map_merged_on(
            2,
            &items,
            16,
            |i| {
                made.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                *i
            },
            |_, _| {
                merged += 1;
                // Slow merging: the workers would run far ahead if nothing held them back.
                std::thread::sleep(std::time::Duration::from_micros(50));
                most_ahead = most_ahead.max(made.load(std::sync::atomic::Ordering::SeqCst) - merged);
            },
        );
        assert_eq!(merged, 2000);
        // Waiting results, plus one being made by each of the two workers.
        assert!(most_ahead <= 16 + 2, "{most_ahead} results made ahead of the merge");
    }
}
