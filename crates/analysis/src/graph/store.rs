//! The store: every file's text, summary, role and resolution, by id, and the graph's state
//! beside them (the collection table, the import-tree roots, the index, who reads what). Only data
//! and simple accessors live here; what updates it is in `mod.rs` and `structure.rs`.

use std::sync::{Arc, Mutex, OnceLock};

use std::collections::BTreeSet;

use rustc_hash::{FxHashMap, FxHashSet};
use smol_str::SmolStr;
use thin_vec::ThinVec;

use super::helpers::{HelperKey, Helpers};
use super::index::Index;
use super::resolve::{PassedDown, Resolved};
use super::table::{FactId, Readers};
use super::trees::Trees;
use crate::base::text::{Encoding, LineIndex, TextSize};
use crate::base::{FileId, FileRole, Scope};
use crate::dendritic::collections::CollectionSet;
use crate::dendritic::import_tree::roots::ImportTreeRoots;
use crate::summary::{DeclaredShape, FileSummary};
use crate::syntax::Parse;

pub(crate) struct FileData {
    pub(crate) path: String,
    pub(crate) text: Arc<str>,
    /// Built on first use: most files never have a position converted (boxed, so that those
    /// hold a pointer's width, not the index's).
    pub(super) line_index: OnceLock<Box<LineIndex>>,
    pub(crate) summary: FileSummary,
    pub(crate) role: FileRole,
    pub(crate) resolved: Resolved,
    /// The facts this file's checks read when they last ran.
    pub(super) reads: ThinVec<FactId>,
}

/// One repository's files and the aspect graph they make.
#[derive(Default)]
pub(crate) struct Graph {
    pub(super) files: Vec<Option<FileData>>,
    pub(super) by_path: FxHashMap<String, FileId>,
    pub(super) free: Vec<FileId>,
    pub(super) collections: CollectionSet,
    /// What lower-level modules' `inputs` and `self` are read as, as of the last resolution.
    pub(super) passed_down: PassedDown,
    pub(super) roots: ImportTreeRoots,
    /// Folders (with a trailing `/`) holding a flake of their own, such as templates: another
    /// repository as far as canopy is concerned.
    pub(super) nested_flakes: Vec<String>,
    /// The folder holds a dendritic flake (`Graph::is_dendritic`), as of the last rebuild.
    pub(super) dendritic: bool,
    pub(super) index: Index,
    /// Which files' checks read each fact of the index.
    pub(super) readers: Readers,
    pub(super) structure: Structure,
    pub(super) trees: Trees,
    /// Classes the user says exist (canopy.toml's `classes`): module systems canopy does not know.
    pub(super) user_classes: FxHashSet<SmolStr>,
    /// "Did you mean" answers as of the index's current state (`View::near_defined`): when a
    /// keystroke undefines an aspect N files import, each of them asks the same question of the
    /// same scope, which answered per file cost N × the scope's size (issue 21). Emptied whenever
    /// the index changes.
    pub(super) near: Mutex<NearNames>,
    /// How many changes the graph has taken: what a file read ahead of its change was read
    /// against (`Graph::resolve_ahead`).
    pub(super) version: u64,
    /// Files whose reading ahead an apply took, for tests.
    #[cfg(test)]
    pub(super) taken_ahead: usize,
}

/// Names near a name in a scope, by (scope, name).
pub(super) type NearNames = FxHashMap<(Scope, SmolStr), Arc<[SmolStr]>>;

#[derive(Default)]
pub(super) struct Structure {
    pub(super) declarations: FxHashMap<Declaration, u32>,
    /// Files holding import-tree calls.
    pub(super) call_files: BTreeSet<FileId>,
    /// Files below `modules/`, the fallback root.
    pub(super) under_modules: usize,
    /// Files whose top-level module imports files by path.
    pub(super) importing: BTreeSet<FileId>,
    /// Files import-tree skips that a loaded module imports by path, directly or through others.
    pub(super) loaded_by_import: FxHashSet<FileId>,
    /// Files that make Nix read others by path (`FileSummary::files_read`).
    pub(super) reading: BTreeSet<FileId>,
    /// Files outside every root that Nix reads all the same (`FileRole::Parsed`).
    pub(super) read_by_nix: FxHashSet<FileId>,
    /// How many files pass each of the flake's own arguments down (`FileSummary::passes_down`).
    pub(super) passing: FxHashMap<SmolStr, u32>,
    /// Files that read a lower-level module's `inputs` or `self` (`RefRoot::PassedDown`): read
    /// again when what is passed down changes.
    pub(super) receiving: BTreeSet<FileId>,
    /// The workspace helpers files define (`graph/helpers.rs`).
    pub(super) helpers: Helpers,
    /// The files whose calls may reach each helper: the ones to reduce again when it changes.
    pub(super) callers: FxHashMap<HelperKey, FxHashSet<FileId>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(super) enum Declaration {
    /// An option declaration's path, shape, class, the helper it is made by, and whether it holds
    /// plain merged modules (`OptionDecl`).
    Collection(Vec<SmolStr>, DeclaredShape, Option<SmolStr>, Option<SmolStr>, bool),
    /// A module argument that makes `deferredModule` options (`FileSummary::option_helpers`).
    OptionHelper(SmolStr),
    Namespace(SmolStr),
}

impl Graph {
    pub(super) fn file_ids(&self) -> impl Iterator<Item = FileId> + '_ {
        self.files.iter().enumerate().filter(|(_, d)| d.is_some()).map(|(i, _)| FileId(i as u32))
    }

    pub(crate) fn data(&self, file: FileId) -> &FileData {
        self.files[file.0 as usize].as_ref().expect("a live file id")
    }

    pub(crate) fn collections(&self) -> &CollectionSet {
        &self.collections
    }

    pub(crate) fn passed_down(&self) -> &PassedDown {
        &self.passed_down
    }

    pub(crate) fn file_id(&self, path: &str) -> Option<FileId> {
        self.by_path.get(path).copied()
    }

    /// Every file, in path order.
    /// Replaces the classes the user says exist; whether they changed.
    pub(crate) fn set_user_classes(&mut self, classes: FxHashSet<SmolStr>) -> bool {
        let changed = classes != self.user_classes;
        self.user_classes = classes;
        changed
    }

    pub(crate) fn files(&self) -> Vec<FileId> {
        let mut ids: Vec<FileId> = self.file_ids().collect();
        ids.sort_by(|a, b| self.path(*a).cmp(self.path(*b)));
        ids
    }

    /// The path of a file, `None` once it is removed.
    pub(crate) fn try_path(&self, file: FileId) -> Option<&str> {
        self.files.get(file.0 as usize)?.as_ref().map(|d| d.path.as_str())
    }

    pub(crate) fn path(&self, file: FileId) -> &str {
        &self.data(file).path
    }

    pub(crate) fn text(&self, file: FileId) -> &str {
        &self.data(file).text
    }

    pub(crate) fn line_index(&self, file: FileId) -> &LineIndex {
        let data = self.data(file);
        data.line_index.get_or_init(|| Box::new(LineIndex::new(&data.text)))
    }

    /// Whether `file`'s line index has been made (they are made when first asked for).
    #[cfg(test)]
    pub(crate) fn has_line_index(&self, file: FileId) -> bool {
        self.data(file).line_index.get().is_some()
    }

    /// The 1-based line of `offset` in `file`, for messages that name a place (`path:line`).
    pub(crate) fn line_number(&self, file: FileId, offset: TextSize) -> u32 {
        self.line_index(file).line_col(self.text(file), offset, Encoding::Utf8).line + 1
    }

    /// The syntax tree of a file's current text (kept for the few files last edited or asked
    /// about, parsed again otherwise).
    pub(crate) fn tree(&self, file: FileId) -> Arc<Parse> {
        self.trees.get(file, &self.data(file).text)
    }

    pub(crate) fn summary(&self, file: FileId) -> &FileSummary {
        &self.data(file).summary
    }

    pub(crate) fn role(&self, file: FileId) -> FileRole {
        self.data(file).role
    }

    /// Workspace-relative import-tree roots in use.
    pub(crate) fn roots(&self) -> Vec<String> {
        self.roots.roots()
    }

    /// Is `file` still part of the graph?
    pub(crate) fn contains(&self, file: FileId) -> bool {
        self.files.get(file.0 as usize).is_some_and(Option::is_some)
    }
}
