//! Tests of the whole analysis that need to see behind the door: pathological inputs (with the
//! parser's guard), pruning (against the resolution it must not change) and random renames
//! (against the names' origins). The fixtures and the fuzz targets' bodies are shared with the
//! integration tests in `tests/`, by path.

#[path = "../../tests/support/mod.rs"]
#[allow(unreachable_pub)]
mod support;

mod den;
mod helpers;
mod local;
mod pathological;
mod pruning;
mod rename_property;
