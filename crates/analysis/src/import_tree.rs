//! import-tree: which files are top-level modules.
//!
//! Stub: types only; the call finder and classifier land next.

use crate::text::TextRange;

/// A static filter import-tree applies to each path.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PathFilter {
    /// `filter pred`: keep the paths that satisfy `pred`.
    Keep(PathPredicate),
    /// `filterNot pred`: drop them.
    Drop(PathPredicate),
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PathPredicate {
    Suffix(String),
    Prefix(String),
    Infix(String),
    /// `match`: a POSIX extended regex that must match the whole path.
    Regex(String),
}

/// One call of import-tree found in a file.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ImportTreeCall {
    /// Root folders as written, relative to the folder of the file holding the call
    /// (`./modules`, `../../modules`).
    pub roots: Vec<String>,
    pub filters: Vec<PathFilter>,
    pub range: TextRange,
}
