//! Which files of a folder belong to its workspace, and reading them.
//!
//! The rules match `canopy check`: every regular `*.nix` file at any depth, hidden folders included
//! (import-tree imports them); `.gitignore` is not consulted (a flake sees what git tracks, which
//! it approximates badly); folders of version control data, JavaScript dependencies and direnv's
//! cache are never entered; no symbolic link is followed, so a `result` link into `/nix/store`
//! stays out.

use std::ffi::OsStr;
use std::fs;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use ignore::WalkBuilder;

/// Folders never entered, at any depth.
const PRUNED_FOLDERS: &[&str] = &[".git", ".hg", ".jj", ".svn", "node_modules", ".direnv"];

/// Whether a workspace-relative path (with `/` separators) names a file the workspace holds.
/// Documents the editor opens elsewhere are analysed alone.
pub fn is_workspace_path(path: &str) -> bool {
    path.ends_with(".nix") && !path.split('/').any(|part| PRUNED_FOLDERS.contains(&part))
}

/// `path` relative to `root` with `/` separators, if it lies below `root` and is UTF-8.
pub fn relative_path(root: &Path, path: &Path) -> Option<String> {
    let relative = path.strip_prefix(root).ok()?;
    let mut out = String::new();
    for component in relative.components() {
        match component {
            Component::Normal(name) => {
                if !out.is_empty() {
                    out.push('/');
                }
                out.push_str(name.to_str()?);
            }
            Component::CurDir => {}
            _ => return None,
        }
    }
    (!out.is_empty()).then_some(out)
}

/// The absolute path of a workspace-relative one.
pub fn absolute_path(root: &Path, path: &str) -> PathBuf {
    let mut out = root.to_path_buf();
    out.extend(path.split('/').filter(|part| !part.is_empty()));
    out
}

/// The workspace's files below `root`, as relative paths in path order. `exclude` holds folders
/// below `root` that are workspaces of their own. Entries that cannot be listed or are links are
/// returned as `(path, reason)` in the second list.
pub fn walk(root: &Path, exclude: &[PathBuf]) -> (Vec<String>, Vec<(String, String)>) {
    let mut files = Vec::new();
    let mut skipped = Vec::new();
    let exclude = exclude.to_vec();
    let mut builder = WalkBuilder::new(root);
    builder.standard_filters(false).follow_links(false).sort_by_file_name(|a, b| a.cmp(b)).filter_entry(move |entry| {
        if entry.depth() == 0 || !entry.file_type().is_some_and(|t| t.is_dir()) {
            return true;
        }
        let pruned = PRUNED_FOLDERS.iter().any(|name| entry.file_name() == OsStr::new(name));
        !pruned && !exclude.iter().any(|e| e == entry.path())
    });
    for entry in builder.build() {
        let entry = match entry {
            Ok(entry) => entry,
            Err(err) => {
                skipped.push(("?".to_owned(), err.to_string()));
                continue;
            }
        };
        let Some(file_type) = entry.file_type() else { continue };
        if !entry.file_name().as_encoded_bytes().ends_with(b".nix") {
            continue;
        }
        let Some(path) = relative_path(root, entry.path()) else {
            skipped.push((entry.path().to_string_lossy().into_owned(), "the path is not valid UTF-8".to_owned()));
            continue;
        };
        if file_type.is_symlink() {
            skipped.push((path, "symbolic link (canopy does not follow links)".to_owned()));
        } else if file_type.is_file() {
            files.push(path);
        }
    }
    (files, skipped)
}

/// What reading a file from disk found.
#[derive(Debug)]
pub enum Disk {
    Text(Arc<str>),
    /// Gone, a link, or not a regular file: not part of the workspace.
    Absent,
    /// There, but canopy cannot analyse it.
    Unreadable(String),
}

/// Reads a file without following a final symbolic link.
pub fn read(path: &Path) -> Disk {
    match fs::symlink_metadata(path) {
        Ok(meta) if meta.is_file() => {}
        Ok(_) => return Disk::Absent,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Disk::Absent,
        Err(err) => return Disk::Unreadable(err.to_string()),
    }
    match fs::read(path) {
        Ok(bytes) => match String::from_utf8(bytes) {
            Ok(text) => Disk::Text(Arc::from(text)),
            Err(err) => {
                Disk::Unreadable(format!("not valid UTF-8 (first bad byte at {})", err.utf8_error().valid_up_to()))
            }
        },
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Disk::Absent,
        Err(err) => Disk::Unreadable(err.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workspace_paths_are_nix_files_outside_pruned_folders() {
        assert!(is_workspace_path("modules/.hidden/a.nix"));
        assert!(is_workspace_path("flake.nix"));
        assert!(!is_workspace_path("node_modules/x/a.nix"));
        assert!(!is_workspace_path("modules/a.txt"));
    }

    #[test]
    fn relative_and_absolute_paths_round_trip() {
        let root = Path::new("/repo/x");
        let path = absolute_path(root, "modules/host [a]/ça.nix");
        assert_eq!(path, Path::new("/repo/x/modules/host [a]/ça.nix"));
        assert_eq!(relative_path(root, &path).as_deref(), Some("modules/host [a]/ça.nix"));
        assert_eq!(relative_path(root, Path::new("/repo/y/a.nix")), None);
        assert_eq!(relative_path(root, root), None);
    }
}
