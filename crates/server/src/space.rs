//! A space: one `Analysis` and the place on disk (or the single document) it stands for.
//!
//! Every workspace folder has its own space, so that two repositories open side by side never
//! see each other's aspects. A document outside every folder (or with a URI that is not a file)
//! gets a space of its own while it is open: it is analysed alone.
//!
//! A file has one identity, its workspace path, however the client spells it: a folder opened
//! through a link (`/etc/nixos` for `~/nixos-config`) is known by both paths, and a path that
//! misses every folder as spelled is tried again with the links of its folders resolved. Answers
//! name a file the way the client does: by the URI it opened it with, else in the folder's
//! spelling.

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};

use canopy_analysis::Analysis;
use canopy_config::ProjectConfig;
use tower_lsp::lsp_types::Url;

use crate::pending::Pending;
use crate::vfs::DocKey;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SpaceId(u64);

impl SpaceId {
    fn next() -> SpaceId {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        SpaceId(NEXT.fetch_add(1, Ordering::Relaxed))
    }
}

#[derive(Debug, Clone)]
pub enum Origin {
    /// A workspace folder: workspace paths are relative to `root`, as the client spelled it;
    /// `real` is where the root really is, when links lead there.
    Folder { root: PathBuf, real: Option<PathBuf> },
    /// One document analysed alone under the workspace path `path` (its file name).
    Loose { uri: Url, key: DocKey, path: String },
}

/// What the analysis knows, and the open documents whose texts it holds: read and written
/// together so that a snapshot's versions match its texts.
pub struct Contents {
    pub analysis: Analysis,
    /// Workspace path → the open document whose text the workspace holds.
    pub open: HashMap<String, OpenDoc>,
}

/// An open document as a space holds it.
#[derive(Debug, Clone)]
pub struct OpenDoc {
    pub version: i32,
    /// The URI the client opened it by, which may spell the folder differently from the folder's.
    pub uri: Url,
}

impl Contents {
    /// The URI the client knows a workspace path by: the open document's, else the folder's
    /// spelling.
    pub fn uri(&self, space: &Space, path: &str) -> Option<Url> {
        match self.open.get(path) {
            Some(doc) => Some(doc.uri.clone()),
            None => space.uri(path),
        }
    }
}

/// What a space holds of its configuration (`project::reload` reads it), with the file and text
/// it was read from, to tell a change.
#[derive(Default)]
pub struct Project {
    /// `None` when there is no file.
    pub source: Option<(PathBuf, String)>,
    pub config: Arc<ProjectConfig>,
}

pub struct Space {
    pub id: SpaceId,
    pub origin: Origin,
    contents: RwLock<Contents>,
    /// Changes given to the main loop and not applied yet, which requests may wait for.
    pub pending: Pending,
    /// Set once the space is dropped from the server, so that its indexer stops early.
    removed: AtomicBool,
    /// Its `canopy.toml` (`project::reload` keeps it current).
    project: RwLock<Project>,
}

impl Space {
    pub fn folder(root: PathBuf) -> Space {
        let real = fs::canonicalize(&root).ok().filter(|real| *real != root);
        Space::new(Origin::Folder { root, real })
    }

    pub fn loose(uri: Url, key: DocKey) -> Space {
        let path = loose_path(&uri, &key);
        Space::new(Origin::Loose { uri, key, path })
    }

    fn new(origin: Origin) -> Space {
        let contents = Contents { analysis: Analysis::new(), open: HashMap::new() };
        Space {
            id: SpaceId::next(),
            origin,
            contents: RwLock::new(contents),
            pending: Pending::default(),
            removed: AtomicBool::new(false),
            project: RwLock::new(Project::default()),
        }
    }

    pub fn root(&self) -> Option<&Path> {
        match &self.origin {
            Origin::Folder { root, .. } => Some(root),
            Origin::Loose { .. } => None,
        }
    }

    /// The root as the client spelled it, then as it really is.
    fn roots(&self) -> impl Iterator<Item = &Path> {
        let (root, real) = match &self.origin {
            Origin::Folder { root, real } => (Some(root), real.as_ref()),
            Origin::Loose { .. } => (None, None),
        };
        root.into_iter().chain(real).map(PathBuf::as_path)
    }

    /// Where `path` lies in this folder, at or below its root: the workspace-relative path, `""`
    /// for the root itself.
    pub fn locate(&self, path: &Path) -> Option<String> {
        self.roots()
            .find_map(|root| if path == root { Some(String::new()) } else { canopy_vfs::relative_path(root, path) })
    }

    /// Whether this folder's root is `path` or lies below it.
    pub fn lies_in(&self, path: &Path) -> bool {
        self.roots().any(|root| root.starts_with(path))
    }

    /// A short name for progress titles and logs.
    pub fn name(&self) -> String {
        match &self.origin {
            Origin::Folder { root, .. } => {
                root.file_name().map_or_else(|| root.display().to_string(), |n| n.to_string_lossy().into_owned())
            }
            Origin::Loose { uri, .. } => uri.to_string(),
        }
    }

    /// The URI of a workspace path.
    pub fn uri(&self, path: &str) -> Option<Url> {
        match &self.origin {
            Origin::Folder { root, .. } => Url::from_file_path(canopy_vfs::absolute_path(root, path)).ok(),
            Origin::Loose { uri, .. } => Some(uri.clone()),
        }
    }

    /// The workspace path of a document, if this space holds it.
    pub fn path_of(&self, key: &DocKey) -> Option<String> {
        match (&self.origin, key) {
            (Origin::Folder { .. }, DocKey::File(path)) => {
                self.locate(path).filter(|p| canopy_vfs::is_workspace_path(p))
            }
            (Origin::Loose { key: own, path, .. }, key) => (own == key).then(|| path.clone()),
            (Origin::Folder { .. }, DocKey::Other(_)) => None,
        }
    }

    /// The analysis, for reading. A panic elsewhere never makes it unreadable: writers catch
    /// panics inside the lock, and readers cannot poison it.
    pub fn read(&self) -> RwLockReadGuard<'_, Contents> {
        self.contents.read().unwrap_or_else(PoisonError::into_inner)
    }

    /// The analysis, for writing. Only the main loop writes.
    pub fn write(&self) -> RwLockWriteGuard<'_, Contents> {
        self.contents.write().unwrap_or_else(PoisonError::into_inner)
    }

    /// What its `canopy.toml` says (canopy's defaults when it has none, or a malformed one).
    pub fn project(&self) -> Arc<ProjectConfig> {
        self.project.read().unwrap_or_else(PoisonError::into_inner).config.clone()
    }

    pub fn set_project(&self, project: Project) {
        *self.project.write().unwrap_or_else(PoisonError::into_inner) = project;
    }

    /// Whether its configuration was read from this file and text (`None`: no file).
    pub fn project_source_is(&self, source: Option<&(PathBuf, String)>) -> bool {
        self.project.read().unwrap_or_else(PoisonError::into_inner).source.as_ref() == source
    }

    pub fn mark_removed(&self) {
        self.removed.store(true, Ordering::Relaxed);
    }

    pub fn is_removed(&self) -> bool {
        self.removed.load(Ordering::Relaxed)
    }
}

/// `path` with the links among its folders resolved, as far as they exist (a path deleted since
/// keeps the names of what is gone), or `None` when that changes nothing. The name itself is kept:
/// a link to a file is not that file, as the walk of a folder never follows one.
pub fn real_path(path: &Path) -> Option<PathBuf> {
    let mut gone = Vec::new();
    let mut folder = path;
    loop {
        gone.push(folder.file_name()?);
        folder = folder.parent()?;
        if let Ok(real) = fs::canonicalize(folder) {
            let real: PathBuf = std::iter::once(real.as_os_str()).chain(gone.into_iter().rev()).collect();
            return (real != path).then_some(real);
        }
    }
}

/// A loose document's workspace path: its file name, so that the analysis sees a plausible
/// `.nix` file and messages name it the way the user does.
fn loose_path(uri: &Url, key: &DocKey) -> String {
    let name = match key {
        DocKey::File(path) => path.file_name().and_then(|n| n.to_str()).map(str::to_owned),
        DocKey::Other(_) => uri.path_segments().and_then(|mut s| s.next_back()).map(str::to_owned),
    };
    match name.filter(|n| !n.is_empty() && !n.contains('/')) {
        Some(name) => name,
        None => "untitled.nix".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folders_map_paths_to_uris_and_back() {
        let space = Space::folder(PathBuf::from("/repo/paths with spaces [and brackets]"));
        let uri = space.uri("modules/héllo wörld/(screen) 1.nix").expect("a URI");
        assert_eq!(uri.scheme(), "file");
        assert!(uri.as_str().contains("paths%20with%20spaces"), "{uri}");
        let key = DocKey::from_uri(&uri);
        assert_eq!(space.path_of(&key).as_deref(), Some("modules/héllo wörld/(screen) 1.nix"));
        assert_eq!(space.path_of(&DocKey::File(PathBuf::from("/elsewhere/a.nix"))), None);
        assert_eq!(space.path_of(&DocKey::File(PathBuf::from("/repo/paths with spaces [and brackets]/a.md"))), None);
    }

    #[cfg(unix)]
    #[test]
    fn a_folder_reached_through_a_link_is_known_by_both_paths() {
        let temp = fs::canonicalize(std::env::temp_dir()).expect("temp dir");
        let base = temp.join(format!("canopy-space-{}", std::process::id()));
        let (real, link) = (base.join("nixos-config"), base.join("nixos"));
        fs::create_dir_all(real.join("modules")).expect("create folder");
        std::os::unix::fs::symlink(&real, &link).expect("symlink");
        let space = Space::folder(link.clone());
        for root in [&link, &real] {
            assert_eq!(space.locate(&root.join("modules/a.nix")).as_deref(), Some("modules/a.nix"));
            assert_eq!(space.locate(root).as_deref(), Some(""));
        }
        assert!(space.lies_in(&base) && !space.lies_in(&real.join("modules")));
        assert_eq!(space.uri("a.nix"), Url::from_file_path(link.join("a.nix")).ok(), "the folder's spelling");
        // Links resolved as far as the folders exist; the names of what is gone kept.
        let gone = link.join("modules/gone/x.nix");
        assert_eq!(real_path(&gone), Some(real.join("modules/gone/x.nix")));
        assert_eq!(real_path(&real.join("modules/a.nix")), None);
        let _ = fs::remove_dir_all(&base);
    }

    #[test]
    fn loose_documents_keep_their_uri() {
        let uri = Url::parse("untitled:Untitled-1").expect("a URI");
        let key = DocKey::from_uri(&uri);
        let space = Space::loose(uri.clone(), key.clone());
        assert_eq!(space.path_of(&key).as_deref(), Some("untitled.nix"));
        assert_eq!(space.uri("anything"), Some(uri));
    }
}
