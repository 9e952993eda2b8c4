//! canopy's analysis: everything canopy knows about Nix and the dendritic pattern.
//!
//! Pure and synchronous. The caller hands it file paths and texts and asks questions; answers are
//! plain data (byte offsets, names, ranges). A batch of files is spread over scoped threads,
//! which end before the call returns. It knows nothing of LSP, async runtimes or the file system:
//! reading files, watching them and speaking protocols belong to the callers (`canopy-server`,
//! the `canopy` binary).
//!
//! This file only re-exports: the door (`Analysis`, in `host.rs`), the plain data it answers
//! with, and positions. Everything behind it is private to the crate; `docs/architecture.md` is
//! the map of the inside.

#![deny(unreachable_pub)]

mod base;
mod checks;
mod dendritic;
mod graph;
mod host;
mod ide;
mod nix_exact;
mod summary;
mod syntax;

// The shared test bodies (`tests/support`, the fuzz targets) name the crate as callers do.
#[cfg(test)]
extern crate self as canopy_analysis;
#[cfg(test)]
mod tests;
// The referee's corpus, shared with the tests in `src/tests/`, names the support module here.
#[cfg(test)]
use tests::support;

pub use crate::base::diagnostics::{Diagnostic, DiagnosticKind, DiagnosticsConfig, Severity};
pub use crate::base::document::DocumentText;
pub use crate::base::fix::{FileCreate, FileEdit, FileRename, Fix, Related, TextEdit};
pub use crate::base::text::{Encoding, LineCol, LineIndex, TextRange, TextSize};
pub use crate::base::{AspectKey, Change, FileId, FileRole, HostKey, NotDendritic, Site};
pub use crate::graph::queries::{AspectInfo, HostInfo};
pub use crate::host::{ANALYSIS_STACK, Analysis, PreparedChange, Summary, run_on_analysis_stack};
pub use crate::ide::call_hierarchy::{Call, CallItem, GraphNode};
pub use crate::ide::code_lens::{AspectLens, LensSummary};
pub use crate::ide::completion::{CompletionItem, CompletionKind, CompletionList};
pub use crate::ide::graph::{AspectGraph, Edge, EdgeKind, GraphQuery, Mark, Node};
pub use crate::ide::hover::Hover;
pub use crate::ide::references::{Highlight, HighlightKind};
pub use crate::ide::rename::Rename;
pub use crate::ide::symbol_at::Symbol;
pub use crate::ide::symbols::{DocumentSymbol, SymbolKind, WorkspaceSymbol};
pub use crate::ide::{FilePosition, Navigation, NavigationTarget};
