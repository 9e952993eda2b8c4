//! Completion. STUB: lands next.

use crate::text::TextRange;
use crate::workspace::Workspace;

use super::FilePosition;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CompletionKind {
    Aspect,
    Class,
    Local,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompletionItem {
    /// What the list shows: the name, unquoted.
    pub label: String,
    /// What replaces `replace`: quoted when the name is not an identifier.
    pub insert: String,
    pub replace: TextRange,
    pub kind: CompletionKind,
    /// The classes and file counts of an aspect (`nixos · 3 files`).
    pub detail: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CompletionList {
    pub items: Vec<CompletionItem>,
    /// More items matched than the list holds.
    pub incomplete: bool,
}

pub fn complete(_ws: &Workspace, _pos: FilePosition) -> CompletionList {
    CompletionList::default()
}
