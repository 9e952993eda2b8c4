//! The workspace: every file's summary, and the aspect graph built from them.
//!
//! STUB: the public API is fixed; the bodies land next.

use std::sync::Arc;

use smol_str::SmolStr;

use crate::diagnostics::Diagnostic;
use crate::text::{LineIndex, TextRange};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FileId(pub u32);

/// An aspect: a name in a collection, and for class-first collections (`flake.modules`,
/// `flake.nixosModules`, ...) a class. Aspect-first collections (`den.aspects`, `flake.aspects`,
/// unify) keep their classes inside the aspect, so `class` is `None`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AspectKey {
    /// The collection's path: `flake.modules`, `flake.nixosModules`, `den.aspects`, `vix`.
    pub collection: SmolStr,
    pub class: Option<SmolStr>,
    pub name: SmolStr,
}

/// A place in a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Site {
    pub file: FileId,
    pub range: TextRange,
}

/// A configuration built from aspects.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct HostKey {
    /// Where it is declared: `configurations`, `flake.nixosConfigurations`, `den.hosts`, `unify.hosts`.
    pub kind: SmolStr,
    pub class: Option<SmolStr>,
    pub name: SmolStr,
}

/// Everything the graph knows about one aspect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AspectInfo {
    pub key: AspectKey,
    /// Classes it contributes to (for class-first collections, just its own).
    pub classes: Vec<SmolStr>,
    /// Definition sites: the range covers the aspect's name.
    pub definitions: Vec<Site>,
    /// Static references: the range covers the aspect's name.
    pub references: Vec<Site>,
    /// Aspects this one imports or includes.
    pub includes: Vec<AspectKey>,
    /// Aspects that import or include this one.
    pub included_by: Vec<AspectKey>,
    /// Hosts that get this aspect, directly or through includes.
    pub hosts: Vec<HostKey>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostInfo {
    pub key: HostKey,
    pub definitions: Vec<Site>,
    /// Aspects the host imports directly.
    pub aspects: Vec<AspectKey>,
}

/// A batch of file changes, applied at once.
#[derive(Debug, Clone, Default)]
pub struct Change {
    /// Files created or changed: workspace-relative path with `/` separators, and the full text.
    pub set: Vec<(String, Arc<str>)>,
    /// Files deleted.
    pub remove: Vec<String>,
}

/// One repository.
#[derive(Default)]
pub struct Workspace {}

impl Workspace {
    pub fn new() -> Workspace {
        Workspace::default()
    }

    pub fn apply(&mut self, _change: Change) {}

    pub fn file_id(&self, _path: &str) -> Option<FileId> {
        None
    }

    /// Every file, in path order.
    pub fn files(&self) -> Vec<FileId> {
        Vec::new()
    }

    pub fn path(&self, _file: FileId) -> &str {
        ""
    }

    pub fn text(&self, _file: FileId) -> &str {
        ""
    }

    pub fn line_index(&self, _file: FileId) -> &LineIndex {
        unimplemented!()
    }

    /// Every diagnostic of a file, sorted by position.
    pub fn diagnostics(&self, _file: FileId) -> Vec<Diagnostic> {
        Vec::new()
    }

    /// The roster: every aspect, sorted by key.
    pub fn aspects(&self) -> Vec<AspectInfo> {
        Vec::new()
    }

    /// Every host, sorted by key.
    pub fn hosts(&self) -> Vec<HostInfo> {
        Vec::new()
    }
}
