//! What every file is read against, derived from all files: the declared collections (the
//! collection table), the import-tree roots, nested flakes, and the files modules import by path.
//!
//! Counted per file, so a file change updates it in time proportional to that file; only when
//! the outcome changes (a collection declared, an import-tree call edited, a nested flake added)
//! does the graph read every file again (`Graph::rebuild`).

use rustc_hash::FxHashSet;
use smol_str::SmolStr;

use super::helpers::{self, HelperKey};
use super::paths::relative_path;
use super::resolve::PassedDown;
use super::store::{Declaration, FileData, Graph, Structure};
use crate::base::text::TextRange;
use crate::base::{FileId, FileRole, NotDendritic};
use crate::dendritic::collections::CollectionSet;
use crate::dendritic::import_tree::calls::ImportTreeCall;
use crate::dendritic::import_tree::roots::{FileKind, ImportTreeRoots};
use crate::summary::{FileSummary, HelperDef, NamespaceDecl, OptionDecl, RefRoot};

fn file_declarations(summary: &FileSummary) -> impl Iterator<Item = Declaration> + '_ {
    let options = summary
        .options
        .iter()
        .map(|o| Declaration::Collection(o.path.clone(), o.shape, o.class.clone(), o.via.clone(), o.plain));
    let helpers = summary.option_helpers.iter().map(|name| Declaration::OptionHelper(name.clone()));
    options.chain(helpers).chain(summary.namespaces.iter().map(|n| Declaration::Namespace(n.name.clone())))
}

/// The helpers a file defines that other files may call.
fn helper_defs(data: Option<&FileData>) -> FxHashSet<(HelperKey, &HelperDef)> {
    let Some(data) = data else { return FxHashSet::default() };
    data.summary.helpers.iter().filter_map(|d| Some((helpers::def_key(&data.path, d)?, d))).collect()
}

/// Files a module imports by path: `./x.nix`, or `./dir` meaning `./dir/default.nix`.
fn import_targets(data: &FileData) -> impl Iterator<Item = String> + '_ {
    data.summary.imports.iter().filter_map(|literal| relative_path(&data.path, literal))
}

impl Graph {
    pub(super) fn in_nested_flake(&self, path: &str) -> bool {
        self.nested_flakes.iter().any(|n| path.starts_with(n.as_str()))
    }

    pub(super) fn enter_structure(&mut self, id: FileId, data: &FileData) {
        if self.in_nested_flake(&data.path) {
            return;
        }
        let structure = &mut self.structure;
        for declaration in file_declarations(&data.summary) {
            *structure.declarations.entry(declaration).or_default() += 1;
        }
        if !data.summary.import_tree.is_empty() {
            structure.call_files.insert(id);
        }
        if !data.summary.imports.is_empty() {
            structure.importing.insert(id);
        }
        if !data.summary.files_read.is_empty() {
            structure.reading.insert(id);
        }
        for argument in &data.summary.passes_down {
            *structure.passing.entry(argument.clone()).or_default() += 1;
        }
        if data.summary.refs.iter().any(|r| matches!(r.root, RefRoot::PassedDown(_))) {
            structure.receiving.insert(id);
        }
        structure.under_modules += usize::from(data.path.starts_with("modules/"));
        for def in &data.summary.helpers {
            if let Some(key) = helpers::def_key(&data.path, def) {
                structure.helpers.entry(key).or_default().push((id, def.clone()));
            }
        }
        for call in &data.summary.calls {
            for key in helpers::call_keys(&data.path, &call.callee) {
                structure.callers.entry(key).or_default().insert(id);
            }
        }
    }

    pub(super) fn leave_structure(&mut self, id: FileId, data: &FileData) {
        if self.in_nested_flake(&data.path) {
            return;
        }
        let structure = &mut self.structure;
        for declaration in file_declarations(&data.summary) {
            if let Some(n) = structure.declarations.get_mut(&declaration) {
                *n -= 1;
                if *n == 0 {
                    structure.declarations.remove(&declaration);
                }
            }
        }
        for argument in &data.summary.passes_down {
            if let Some(n) = structure.passing.get_mut(argument) {
                *n -= 1;
                if *n == 0 {
                    structure.passing.remove(argument);
                }
            }
        }
        structure.call_files.remove(&id);
        structure.importing.remove(&id);
        structure.reading.remove(&id);
        structure.receiving.remove(&id);
        structure.under_modules =
            structure.under_modules.saturating_sub(usize::from(data.path.starts_with("modules/")));
        for def in &data.summary.helpers {
            let Some(key) = helpers::def_key(&data.path, def) else { continue };
            if let Some(defs) = structure.helpers.get_mut(&key) {
                defs.retain(|(file, _)| *file != id);
                if defs.is_empty() {
                    structure.helpers.remove(&key);
                }
            }
        }
        for call in &data.summary.calls {
            for key in helpers::call_keys(&data.path, &call.callee) {
                if let Some(files) = structure.callers.get_mut(&key) {
                    files.remove(&id);
                    if files.is_empty() {
                        structure.callers.remove(&key);
                    }
                }
            }
        }
    }

    /// The files whose calls may reach a helper that `old` or `new` (one file's data before and
    /// after a change) defines differently.
    pub(super) fn callers_of_changed(&self, old: Option<&FileData>, new: Option<&FileData>) -> Vec<FileId> {
        let (old, new) = (helper_defs(old), helper_defs(new));
        let changed = old.iter().filter(|d| !new.contains(d)).chain(new.iter().filter(|d| !old.contains(d)));
        changed.flat_map(|(key, _)| self.structure.callers.get(key).into_iter().flatten().copied()).collect()
    }

    /// A file's role: import-tree's verdict, unless a loaded module imports it by path, or Nix
    /// reads it outside the roots (in a folder with no dendritic flake, every file's own text).
    pub(super) fn role_for(&self, id: FileId) -> FileRole {
        let role = self.import_tree_role(id);
        if self.structure.loaded_by_import.contains(&id) {
            return FileRole::TopLevel;
        }
        let read = || !self.dendritic || self.structure.read_by_nix.contains(&id);
        if role == FileRole::Outside && !self.in_nested_flake(&self.data(id).path) && read() {
            return FileRole::Parsed;
        }
        role
    }

    /// Whether the folder holds a dendritic flake: import-tree loads something, or `flake.nix`
    /// calls flake-parts' `mkFlake` (whose module is then the one top-level module, §5).
    pub(super) fn is_dendritic(&self) -> bool {
        !self.roots.is_empty() || self.file_id("flake.nix").is_some_and(|f| self.data(f).summary.calls_mk_flake)
    }

    /// The file a path literal names: itself, or a folder's `default.nix`, as Nix reads it.
    fn path_target(&self, target: &str) -> Option<FileId> {
        self.file_id(target).or_else(|| self.file_id(&format!("{target}/default.nix")))
    }

    /// Why the folder holds no dendritic flake, if it holds none.
    pub(crate) fn not_dendritic(&self) -> Option<NotDendritic> {
        match self.dendritic {
            true => None,
            false if self.file_id("flake.nix").is_some() => Some(NotDendritic::PlainFlake),
            false => Some(NotDendritic::NoFlake),
        }
    }

    /// Folders (with a trailing `/`) holding flakes of their own, to be analysed each on its own.
    pub(crate) fn nested_flakes(&self) -> &[String] {
        &self.nested_flakes
    }

    /// The files outside every root that the flake makes Nix read by path, from its `flake.nix`
    /// and top-level modules (`loaded` are the files those import by path), transitively.
    pub(super) fn read_by_nix(&self, loaded: &FxHashSet<FileId>) -> FxHashSet<FileId> {
        let module = |id: FileId| {
            loaded.contains(&id) || matches!(self.import_tree_role(id), FileRole::TopLevel | FileRole::Flake)
        };
        let mut queue: Vec<FileId> = self.structure.reading.iter().copied().filter(|id| module(*id)).collect();
        let mut seen: FxHashSet<FileId> = queue.iter().copied().collect();
        let mut parsed = FxHashSet::default();
        while let Some(id) = queue.pop() {
            let data = self.data(id);
            for literal in &data.summary.files_read {
                let Some(target) = relative_path(&data.path, literal) else { continue };
                let Some(target) = self.path_target(&target) else { continue };
                if self.in_nested_flake(&self.data(target).path) || !seen.insert(target) {
                    continue;
                }
                if self.import_tree_role(target) == FileRole::Outside && !loaded.contains(&target) {
                    parsed.insert(target);
                }
                queue.push(target);
            }
        }
        parsed
    }

    /// The files import-tree skips that loaded modules import by path, followed transitively.
    pub(super) fn loaded_by_import(&self) -> FxHashSet<FileId> {
        let mut loaded = FxHashSet::default();
        let mut queue: Vec<FileId> = self
            .structure
            .importing
            .iter()
            .copied()
            .filter(|id| matches!(self.import_tree_role(*id), FileRole::TopLevel | FileRole::Flake))
            .collect();
        while let Some(id) = queue.pop() {
            for target in import_targets(self.data(id)) {
                let Some(target) = self.path_target(&target) else { continue };
                let base = self.import_tree_role(target);
                let nested = self.in_nested_flake(&self.data(target).path);
                if matches!(base, FileRole::Ignored | FileRole::Outside) && !nested && loaded.insert(target) {
                    queue.push(target);
                }
            }
        }
        loaded
    }

    pub(super) fn fresh_collections(&self) -> CollectionSet {
        let mut options = Vec::new();
        let mut namespaces = Vec::new();
        let helper =
            |name: &SmolStr| self.structure.declarations.contains_key(&Declaration::OptionHelper(name.clone()));
        for declaration in self.structure.declarations.keys() {
            match declaration {
                // A call of a module argument declares an aspect only where some top-level module
                // provides that argument as a maker of `deferredModule` options.
                Declaration::Collection(path, shape, class, via, plain) if via.as_ref().is_none_or(helper) => options
                    .push(OptionDecl {
                        path: path.clone(),
                        range: TextRange::default(),
                        shape: *shape,
                        class: class.clone(),
                        via: None,
                        plain: *plain,
                    }),
                Declaration::Namespace(name) => {
                    namespaces.push(NamespaceDecl { name: name.clone(), range: TextRange::default() })
                }
                Declaration::Collection(..) | Declaration::OptionHelper(_) => {}
            }
        }
        // Rows in a stable order, whatever the hash map's.
        options.sort_by(|a, b| (&a.path, a.class.as_deref()).cmp(&(&b.path, b.class.as_deref())));
        CollectionSet::new(&options, &namespaces)
    }

    pub(super) fn fresh_passed_down(&self) -> PassedDown {
        PassedDown::new(self.structure.passing.keys().cloned().collect())
    }

    pub(super) fn fresh_roots(&self) -> ImportTreeRoots {
        let calls: Vec<(&str, &ImportTreeCall)> = self
            .structure
            .call_files
            .iter()
            .filter_map(|id| self.files[id.0 as usize].as_ref())
            .flat_map(|d| d.summary.import_tree.iter().map(move |c| (d.path.as_str(), c)))
            .collect();
        // A folder of modules without a flake is read as import-tree would read `modules/`; a
        // flake's top-level modules are exactly what its import-tree calls, its `mkFlake` module
        // and their imports by path name (dendritic.md §5), so a flake gets no such guess.
        let loose_modules = self.structure.under_modules > 0 && self.file_id("flake.nix").is_none();
        ImportTreeRoots::new(calls, loose_modules)
    }

    /// Folders (with a trailing `/`) holding a file named exactly `flake.nix`, below the root:
    /// the candidates for flakes of their own (`modules/flake/options-flake.nix` names none).
    pub(super) fn flake_folders(&self) -> Vec<String> {
        let mut folders: Vec<String> = self
            .files
            .iter()
            .flatten()
            .filter_map(|d| d.path.strip_suffix("flake.nix").filter(|dir| dir.ends_with('/')))
            .map(str::to_string)
            .collect();
        folders.sort();
        folders
    }

    /// Recounts the structure of every file with `nested_flakes` left out, and derives the roots.
    fn recount_structure(&mut self, nested_flakes: Vec<String>) {
        self.nested_flakes = nested_flakes;
        self.structure = Structure::default();
        for id in self.file_ids().collect::<Vec<_>>() {
            let Some(data) = self.files[id.0 as usize].take() else { continue };
            self.enter_structure(id, &data);
            self.files[id.0 as usize] = Some(data);
        }
        self.roots = self.fresh_roots();
    }

    /// Settles which folders are flakes of their own, and the structure and roots that follow: a
    /// `flake.nix` below an import-tree root is one of the root flake's top-level modules, since
    /// import-tree loads every `.nix` file there (`modules/flake.nix`); one outside every root is
    /// another repository (a template). Setting a folder back in can only add roots, so this ends
    /// within as many rounds as there are candidates.
    pub(super) fn settle_structure(&mut self) {
        let mut nested = self.flake_folders();
        loop {
            self.recount_structure(nested.clone());
            let before = nested.len();
            let roots = &self.roots;
            nested.retain(|folder| roots.classify(&format!("{folder}flake.nix")) == FileKind::Outside);
            if nested.len() == before {
                // A flake inside another nested one is that one's to find: only the outermost are
                // this workspace's (the same files are left out either way).
                // In path order, the folders below one follow it at once.
                let mut all = std::mem::take(&mut self.nested_flakes);
                all.sort();
                let mut outermost: Vec<String> = Vec::with_capacity(all.len());
                for folder in all {
                    if !outermost.last().is_some_and(|outer| folder.starts_with(outer.as_str())) {
                        outermost.push(folder);
                    }
                }
                self.nested_flakes = outermost;
                return;
            }
        }
    }
}

impl Graph {
    /// A file's role by the flake and import-tree alone (before imports by path). The flake's
    /// own `flake.nix` is a top-level module only where it calls flake-parts' `mkFlake`: a plain
    /// flake's `outputs` are no flake-parts module, and reading them as one would find
    /// references to aspects it never stores.
    fn import_tree_role(&self, id: FileId) -> FileRole {
        let data = self.data(id);
        if data.path == "flake.nix" {
            return if data.summary.calls_mk_flake { FileRole::Flake } else { FileRole::Outside };
        }
        if self.in_nested_flake(&data.path) {
            return FileRole::Outside;
        }
        match self.roots.classify(&data.path) {
            FileKind::TopLevel => FileRole::TopLevel,
            FileKind::Ignored => FileRole::Ignored,
            FileKind::Outside => FileRole::Outside,
        }
    }
}
