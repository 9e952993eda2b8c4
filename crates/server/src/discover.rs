//! A folder's files as the server reads them: `canopy_vfs` decides which files exist and reads
//! them, the same rules as `canopy check`. What it passes over goes to the log, one line a file,
//! and indexing counts it for its closing summary: an editor has no other place to show it, and
//! one unreadable file must not stop the others.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use canopy_vfs::{Disk, Found};

/// The workspace files below `root`, as relative paths in path order, and how many entries the
/// walk passed over (each logged). `exclude` holds folders below `root` that are workspaces of
/// their own.
pub fn walk(root: &Path, exclude: &[PathBuf]) -> (Vec<String>, usize) {
    listed(root, canopy_vfs::walk(root, exclude))
}

/// The workspace files at or below the workspace path `path` as the disk holds them now, with
/// their texts: exactly what indexing the whole folder would read there (see
/// `canopy_vfs::walk_below`). What it passes over is logged.
pub fn read_below(root: &Path, path: &str, exclude: &[PathBuf]) -> Vec<(String, Arc<str>)> {
    let (paths, _) = listed(root, canopy_vfs::walk_below(root, path, exclude));
    let texts = read_all(root, &paths);
    paths.into_iter().zip(texts).filter_map(|(path, text)| Some((path, text?))).collect()
}

fn listed(root: &Path, walk: canopy_vfs::Walk) -> (Vec<String>, usize) {
    let mut files = Vec::new();
    let mut skipped = 0;
    for found in walk {
        match found {
            Found::File(path) => files.push(path),
            Found::Skipped(entry) => {
                skipped += 1;
                log_skipped(root, &entry.path, &entry.reason);
            }
        }
    }
    (files, skipped)
}

/// The texts of files [`walk`] listed, read on every core, each `None`, logged, when it cannot be
/// read or is gone since: a file deleted while the folder is indexed is passed over with a word,
/// like any other.
pub fn read_all(root: &Path, paths: &[String]) -> Vec<Option<Arc<str>>> {
    canopy_vfs::read_all(root, paths)
        .into_iter()
        .zip(paths)
        .map(|(read, path)| match read {
            Ok(text) => Some(text_of(root, path, text)),
            Err(skipped) => {
                log_skipped(root, &skipped.path, &skipped.reason);
                None
            }
        })
        .collect()
}

/// The text of a workspace file, or `None` when it is not part of the workspace: gone, a link,
/// or not analysable (logged).
pub fn read(root: &Path, path: &str) -> Option<Arc<str>> {
    match canopy_vfs::read(&canopy_vfs::absolute_path(root, path)) {
        Disk::Text(text) => Some(text_of(root, path, text)),
        Disk::Absent => None,
        Disk::Unreadable(reason) => {
            log_skipped(root, path, &reason);
            None
        }
    }
}

fn text_of(root: &Path, path: &str, text: canopy_vfs::Text) -> Arc<str> {
    if let Some(repaired) = text.repaired {
        tracing::warn!("read {path} in {} anyway: {repaired}", root.display());
    }
    text.text
}

fn log_skipped(root: &Path, path: &str, reason: &str) {
    tracing::info!("skipped {path} in {}: {reason}", root.display());
}
