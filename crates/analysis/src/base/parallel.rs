//! Batches spread over every core: summarising texts, resolving summaries and checking files are
//! each independent per file, so a workspace load scales with the cores it gets. Each worker runs
//! on the analysis's stack (`crate::base::stack::ANALYSIS_STACK`).

use std::sync::atomic::{AtomicUsize, Ordering};

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
}
