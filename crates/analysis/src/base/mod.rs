//! canopy's vocabulary: the few types every layer names (files, places, aspects, hosts, changes),
//! and the infrastructure every layer runs on (positions, diagnostics, the stack, parallel batches).

pub(crate) mod diagnostics;
pub(crate) mod document;
pub(crate) mod fix;
pub(crate) mod near;
pub(crate) mod parallel;
pub(crate) mod stack;
pub(crate) mod text;

use std::sync::Arc;

use smol_str::SmolStr;

use self::text::TextRange;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FileId(pub u32);

/// An aspect: a name in a collection, and for class-first collections (`flake.modules`,
/// `flake.nixosModules`, ...) a class. Aspect-first collections (`den.aspects`, `flake.aspects`,
/// unify, den namespaces) keep their classes inside the aspect, so `class` is `None`.
#[derive(Debug, Clone)]
pub struct AspectKey {
    /// The collection's path: `flake.modules`, `flake.nixosModules`, `den.aspects`, `vix`.
    pub collection: SmolStr,
    pub class: Option<SmolStr>,
    pub name: SmolStr,
    /// The class is written in the path (`flake.modules.<class>.<name>`) rather than implied by
    /// the collection (`flake.nixosModules.<name>` is class `nixos`). Follows from the
    /// collection, so it takes no part in comparisons.
    pub class_in_path: bool,
}

impl AspectKey {
    /// The collection and class it is stored in.
    pub(crate) fn scope(&self) -> Scope {
        Scope { collection: self.collection.clone(), class: self.class.clone() }
    }

    fn identity(&self) -> (&SmolStr, &Option<SmolStr>, &SmolStr) {
        (&self.collection, &self.class, &self.name)
    }
}

impl PartialEq for AspectKey {
    fn eq(&self, other: &Self) -> bool {
        // Names differ most often, collections least: compare in that order.
        self.name == other.name && self.class == other.class && self.collection == other.collection
    }
}

impl Eq for AspectKey {}

impl std::hash::Hash for AspectKey {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.identity().hash(state)
    }
}

impl PartialOrd for AspectKey {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for AspectKey {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.identity().cmp(&other.identity())
    }
}

impl std::fmt::Display for AspectKey {
    /// The aspect's path as Nix source: `flake.modules.nixos."hosts/gouda"`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.collection)?;
        if let Some(class) = self.class.as_ref().filter(|_| self.class_in_path) {
            write!(f, ".{}", crate::syntax::render_attr_name(class))?;
        }
        write!(f, ".{}", crate::syntax::render_attr_name(&self.name))
    }
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

/// A batch of file changes, applied at once.
#[derive(Debug, Clone, Default)]
pub struct Change {
    /// Files created or changed: workspace-relative path with `/` separators, and the full text.
    pub set: Vec<(String, Arc<str>)>,
    /// Files deleted.
    pub remove: Vec<String>,
}

/// How the workspace treats a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FileRole {
    /// Imported by import-tree: a top-level module.
    TopLevel,
    /// Under a root, but import-tree skips it (`/_`, a filter).
    Ignored,
    /// The flake's own `flake.nix`.
    Flake,
    /// Outside every root, but read by Nix all the same: a file that a module or `flake.nix`
    /// names by path (`import ./x.nix`, `callPackage`, a path in an `imports` or `modules` list),
    /// or any file of a folder with no dendritic flake. Nix parses it, so what Nix reports while
    /// parsing is certain; what it means to the flake is not known (dendritic.md §8.1).
    Parsed,
    /// Outside every root and named by nothing: parsed for navigation only (templates with
    /// placeholders live here).
    Outside,
}

impl FileRole {
    /// Files whose definitions and references make the graph.
    pub(crate) fn in_graph(self) -> bool {
        !matches!(self, FileRole::Outside | FileRole::Parsed)
    }
}

/// Why a folder holds no dendritic flake (dendritic.md §8.1): canopy then reports only what Nix
/// itself says while parsing each file, and says so once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotDendritic {
    /// `flake.nix` never calls flake-parts' `mkFlake`, and nothing calls import-tree.
    PlainFlake,
    /// No `flake.nix`, no `modules/` folder, and nothing calls import-tree.
    NoFlake,
}

impl NotDendritic {
    /// The one line that says so, for a person.
    pub fn explanation(self) -> &'static str {
        match self {
            NotDendritic::PlainFlake => {
                "`flake.nix` does not call flake-parts' `mkFlake` and nothing calls import-tree: not a dendritic \
                 flake, so only what Nix reports while parsing each file is checked"
            }
            NotDendritic::NoFlake => {
                "no `flake.nix`, no `modules/` folder and no import-tree call: not a dendritic flake, so only \
                 what Nix reports while parsing each file is checked"
            }
        }
    }
}

/// A collection, or one class of it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct Scope {
    pub(crate) collection: SmolStr,
    pub(crate) class: Option<SmolStr>,
}
