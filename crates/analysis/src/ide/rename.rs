//! Rename. STUB: lands next.

use crate::text::TextRange;
use crate::workspace::{FileId, Workspace};

use super::FilePosition;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TextEdit {
    pub range: TextRange,
    pub new_text: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileEdit {
    pub file: FileId,
    /// Non-overlapping, sorted by position.
    pub edits: Vec<TextEdit>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rename {
    pub edits: Vec<FileEdit>,
    /// Things the edit cannot follow (dynamic references, names built from a file's name), for the
    /// user to review.
    pub notes: Vec<String>,
}

/// The range a rename at `pos` would replace, and the current name, or why it cannot rename.
pub fn prepare_rename(_ws: &Workspace, _pos: FilePosition) -> Result<(TextRange, String), String> {
    Err("rename is not available yet".to_string())
}

pub fn rename(_ws: &Workspace, _pos: FilePosition, _new_name: &str) -> Result<Rename, String> {
    Err("rename is not available yet".to_string())
}
