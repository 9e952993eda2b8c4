//! canopy's analysis: everything canopy knows about Nix and the dendritic pattern.
//!
//! Pure and synchronous. The caller hands it file paths and texts and asks questions; answers are
//! plain data (byte offsets, names, ranges). A batch of files is spread over scoped threads
//! (`parallel`), which end before the call returns. It knows nothing of LSP, async runtimes or the file
//! system: reading files, watching them and speaking protocols belong to the callers
//! (`canopy-server`, the `canopy` binary).

mod checks;
pub mod collections;
mod contexts;
pub mod diagnostics;
pub mod extract;
pub mod ide;
pub mod import_tree;
pub mod names;
mod parallel;
pub mod parse_checks;
pub mod resolve;
pub mod summary;
pub mod syntax;
pub mod text;
pub mod workspace;
