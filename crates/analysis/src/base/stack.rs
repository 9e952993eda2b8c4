//! The analysis's stack: the one place that knows its size.

/// Stack every analysis of one file is given. rnix parses recursively and some shapes (nested
/// lists, chains of `!`) recurse once per level without a limit, so a pathological file must not
/// meet a small thread stack. The space is reserved, not committed, unless used.
const STACK_RED_ZONE: usize = 32 * 1024 * 1024;
const STACK_SIZE: usize = 256 * 1024 * 1024;

/// Stack for threads that call the analysis, so `with_stack` never needs a fresh segment on them.
/// Only reserved address space: the pages are touched only by deep recursion.
pub const ANALYSIS_STACK: usize = STACK_SIZE + STACK_RED_ZONE;

/// Runs `f` with enough stack for any file: on the caller's stack when it has room, else on a
/// fresh segment.
pub(crate) fn with_stack<R>(f: impl FnOnce() -> R) -> R {
    stacker::maybe_grow(STACK_RED_ZONE, STACK_SIZE, f)
}
