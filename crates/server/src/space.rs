//! A space: one `Analysis` and the place on disk (or the single document) it stands for.
//!
//! Every workspace folder has its own space, so that two repositories open side by side never
//! see each other's aspects. A document outside every folder (or with a URI that is not a file)
//! gets a space of its own while it is open: it is analysed alone.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};

use canopy_analysis::Analysis;
use tower_lsp::lsp_types::Url;

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
    /// A workspace folder: workspace paths are relative to `root`.
    Folder { root: PathBuf },
    /// One document analysed alone under the workspace path `path` (its file name).
    Loose { uri: Url, key: DocKey, path: String },
}

/// What the analysis knows, and the document versions it was told: read and written together so
/// that a snapshot's versions match its texts.
pub struct Contents {
    pub analysis: Analysis,
    /// Workspace path → version of the open document whose text the workspace holds.
    pub versions: HashMap<String, i32>,
}

pub struct Space {
    pub id: SpaceId,
    pub origin: Origin,
    contents: RwLock<Contents>,
    /// Set once the space is dropped from the server, so that its indexer stops early.
    removed: AtomicBool,
}

impl Space {
    pub fn folder(root: PathBuf) -> Space {
        Space::new(Origin::Folder { root })
    }

    pub fn loose(uri: Url, key: DocKey) -> Space {
        let path = loose_path(&uri, &key);
        Space::new(Origin::Loose { uri, key, path })
    }

    fn new(origin: Origin) -> Space {
        let contents = Contents { analysis: Analysis::new(), versions: HashMap::new() };
        Space { id: SpaceId::next(), origin, contents: RwLock::new(contents), removed: AtomicBool::new(false) }
    }

    pub fn root(&self) -> Option<&Path> {
        match &self.origin {
            Origin::Folder { root } => Some(root),
            Origin::Loose { .. } => None,
        }
    }

    /// A short name for progress titles and logs.
    pub fn name(&self) -> String {
        match &self.origin {
            Origin::Folder { root } => {
                root.file_name().map_or_else(|| root.display().to_string(), |n| n.to_string_lossy().into_owned())
            }
            Origin::Loose { uri, .. } => uri.to_string(),
        }
    }

    /// The URI of a workspace path.
    pub fn uri(&self, path: &str) -> Option<Url> {
        match &self.origin {
            Origin::Folder { root } => Url::from_file_path(canopy_vfs::absolute_path(root, path)).ok(),
            Origin::Loose { uri, .. } => Some(uri.clone()),
        }
    }

    /// The workspace path of a document, if this space holds it.
    pub fn path_of(&self, key: &DocKey) -> Option<String> {
        match (&self.origin, key) {
            (Origin::Folder { root }, DocKey::File(path)) => {
                canopy_vfs::relative_path(root, path).filter(|p| canopy_vfs::is_workspace_path(p))
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

    pub fn mark_removed(&self) {
        self.removed.store(true, Ordering::Relaxed);
    }

    pub fn is_removed(&self) -> bool {
        self.removed.load(Ordering::Relaxed)
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

    #[test]
    fn loose_documents_keep_their_uri() {
        let uri = Url::parse("untitled:Untitled-1").expect("a URI");
        let key = DocKey::from_uri(&uri);
        let space = Space::loose(uri.clone(), key.clone());
        assert_eq!(space.path_of(&key).as_deref(), Some("untitled.nix"));
        assert_eq!(space.uri("anything"), Some(uri));
    }
}
