//! Tests of the whole analysis that need to see behind the door: pathological inputs (with the
//! parser's guard), pruning (against the resolution it must not change), random renames
//! (against the names' origins) and the gate before Nix's grammar (against the grammar). The
//! fixtures, their mutations, the referee's snippets and the fuzz targets' bodies are shared
//! with the integration tests in `tests/`, by path.

#[path = "../../tests/support/mod.rs"]
#[allow(unreachable_pub)]
pub(crate) mod support;

/// The Nix referee's snippets (`tests/nix_referee.rs`), which the gate before Nix's grammar is
/// tested on too.
#[path = "../../tests/referee/mod.rs"]
#[allow(unreachable_pub, dead_code)]
mod referee;

mod den;
mod grammar_gate;
mod helpers;
mod local;
mod pathological;
mod pruning;
mod rename_property;
mod text_shortcuts;
