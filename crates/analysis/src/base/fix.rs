//! Fixes as data: what a diagnostic's quick fix changes, in text edits, new files and renamed
//! files, with a title and whether it may be applied without looking. The checks make them
//! (`checks/`), the door hands them out with each diagnostic, and callers apply them: the server
//! as a workspace edit, `canopy check --fix` on disk.

use std::sync::Arc;

use crate::base::text::TextRange;
use crate::base::{AspectKey, FileId, Site};

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TextEdit {
    pub range: TextRange,
    pub new_text: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FileEdit {
    pub file: FileId,
    /// Non-overlapping, sorted by position.
    pub edits: Vec<TextEdit>,
}

/// A file a fix creates; `path` is workspace-relative and names no file that exists.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FileCreate {
    pub path: String,
    pub text: String,
}

/// A file a fix moves to the workspace-relative path `to` (which names no file that exists).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FileRename {
    pub file: FileId,
    pub to: String,
}

/// One way to fix one diagnostic. Edits apply to the texts the analysis holds; renames apply
/// after the edits.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Fix {
    /// What it does, as a command: "Replace with `desktop`".
    pub title: String,
    pub edits: Vec<FileEdit>,
    pub creates: Vec<FileCreate>,
    pub renames: Vec<FileRename>,
    /// Certain to be what the user meant and to break nothing: `canopy check --fix` applies it.
    pub safe: bool,
    /// The one to offer first (the closest of several suggestions).
    pub preferred: bool,
}

impl Fix {
    /// A fix that edits one file.
    pub(crate) fn edit(title: impl Into<String>, file: FileId, mut edits: Vec<TextEdit>) -> Fix {
        edits.sort_by_key(|e| (e.range.start(), e.range.end()));
        Fix {
            title: title.into(),
            edits: vec![FileEdit { file, edits }],
            creates: Vec::new(),
            renames: Vec::new(),
            safe: false,
            preferred: false,
        }
    }

    pub(crate) fn safe(mut self, safe: bool) -> Fix {
        self.safe = safe;
        self
    }

    pub(crate) fn preferred(mut self, preferred: bool) -> Fix {
        self.preferred = preferred;
        self
    }
}

/// A place a diagnostic points to besides its own range, with what it is.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Related {
    pub site: Site,
    /// Shared with every diagnostic that points there alike (each file importing one misspelt
    /// aspect is told where the name it meant is defined).
    pub message: Arc<str>,
}

/// A related place as a check knows it: in its own file, or an aspect whose definitions the door
/// finds when asked (so that they are as fresh as the question).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum RelatedAt {
    Here(TextRange, Arc<str>),
    Definitions(AspectKey, Arc<str>),
}
