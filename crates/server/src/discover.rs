//! A folder's files as the server reads them: `canopy_vfs` decides which files exist and reads
//! them, the same rules as `canopy check`. What it passes over goes to the log, one line a file:
//! an editor has no place to show it, and one unreadable file must not stop the others.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use canopy_vfs::{Disk, Found};

/// The workspace files below `root`, as relative paths in path order. `exclude` holds folders
/// below `root` that are workspaces of their own.
pub fn walk(root: &Path, exclude: &[PathBuf]) -> Vec<String> {
    let mut files = Vec::new();
    for found in canopy_vfs::walk(root, exclude) {
        match found {
            Found::File(path) => files.push(path),
            Found::Skipped(skipped) => log_skipped(root, &skipped.path, &skipped.reason),
        }
    }
    files
}

/// The text of a workspace file, or `None` when it is not part of the workspace: gone, a link,
/// or not analysable (logged).
pub fn read(root: &Path, path: &str) -> Option<Arc<str>> {
    match canopy_vfs::read(&canopy_vfs::absolute_path(root, path)) {
        Disk::Text(text) => Some(text),
        Disk::Absent => None,
        Disk::Unreadable(reason) => {
            log_skipped(root, path, &reason);
            None
        }
    }
}

fn log_skipped(root: &Path, path: &str, reason: &str) {
    tracing::info!("skipped {path} in {}: {reason}", root.display());
}
