//! Loading the workspace: `canopy_vfs` decides which files exist and reads them; this module adds
//! what only the command line needs: the root as the user named it, and the progress line.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use canopy_vfs::{Found, Skipped, io_reason};

use crate::error::CliError;
use crate::progress::Progress;

/// The folder being analysed.
#[derive(Debug, Clone)]
pub struct Root {
    /// Absolute, with symbolic links resolved: what the JSON output reports as `root`.
    pub path: PathBuf,
    /// How to reach the root from the current folder, ending in `/` (or empty for the current
    /// folder itself). Prefixed to workspace paths in human and GitHub output so that a printed
    /// location opens from where canopy was run.
    pub display_prefix: String,
}

impl Root {
    /// Checks that `arg` names a readable folder.
    pub fn open(arg: &Path) -> Result<Root, CliError> {
        let fail = |reason: String| CliError::Root { path: arg.to_path_buf(), reason };
        let path = fs::canonicalize(arg).map_err(|err| fail(io_reason(&err)))?;
        if !path.is_dir() {
            return Err(fail("not a folder (give the repository's root folder)".to_owned()));
        }
        fs::read_dir(&path).map_err(|err| fail(io_reason(&err)))?;
        let cwd = std::env::current_dir().and_then(fs::canonicalize).ok();
        let display_prefix = display_prefix(arg, &path, cwd.as_deref());
        Ok(Root { path, display_prefix })
    }
}

/// What `check` was given: a folder to report whole, or files to report of the flake around them.
#[derive(Debug, Clone)]
pub struct Target {
    pub root: Root,
    /// The files to report, relative to the root with `/` separators; `None` for every file.
    pub only: Option<BTreeSet<String>>,
}

impl Target {
    /// One folder, or one or more files. For files the root is the nearest folder above all of
    /// them that holds a `flake.nix` (the flake they belong to, which is analysed whole), or the
    /// folder they share when none does.
    pub fn open(args: &[PathBuf]) -> Result<Target, CliError> {
        match args {
            [] => Ok(Target { root: Root::open(Path::new("."))?, only: None }),
            [one] if one.is_dir() => Ok(Target { root: Root::open(one)?, only: None }),
            files => {
                let mut canonical = Vec::with_capacity(files.len());
                for arg in files {
                    let fail = |reason: String| CliError::Root { path: arg.clone(), reason };
                    let path = fs::canonicalize(arg).map_err(|err| fail(io_reason(&err)))?;
                    if path.is_dir() {
                        return Err(fail("a folder among files: give one folder, or files".to_owned()));
                    }
                    canonical.push(path);
                }
                let mut shared = canonical[0].parent().map(Path::to_path_buf).unwrap_or_default();
                while !canonical.iter().all(|p| p.starts_with(&shared)) {
                    if !shared.pop() {
                        break;
                    }
                }
                let flake = shared.ancestors().find(|folder| folder.join("flake.nix").is_file());
                let folder = flake.unwrap_or(&shared).to_path_buf();
                let root = Root::open(&folder)?;
                let only = canonical
                    .iter()
                    .filter_map(|p| p.strip_prefix(&root.path).ok())
                    .map(|p| p.components().map(|c| c.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/"))
                    .collect();
                Ok(Target { root, only: Some(only) })
            }
        }
    }
}

/// The root as seen from `cwd`: relative when it lies below `cwd`, as typed when the argument was
/// relative (`../repo`), absolute otherwise.
fn display_prefix(arg: &Path, root: &Path, cwd: Option<&Path>) -> String {
    let relative = match cwd.and_then(|cwd| root.strip_prefix(cwd).ok()) {
        Some(below) => below.to_path_buf(),
        None if arg.is_relative() => arg.to_path_buf(),
        None => root.to_path_buf(),
    };
    let mut prefix = String::new();
    if relative.has_root() {
        prefix.push('/');
    }
    for component in relative.components() {
        match component {
            Component::Normal(name) => {
                prefix.push_str(&name.to_string_lossy());
                prefix.push('/');
            }
            Component::ParentDir => prefix.push_str("../"),
            Component::CurDir | Component::RootDir | Component::Prefix(_) => {}
        }
    }
    prefix
}

/// The workspace's files, ready for `Change::set`.
#[derive(Debug, Default)]
pub struct Loaded {
    /// Workspace-relative path with `/` separators, and the text; in path order.
    pub files: Vec<(String, Arc<str>)>,
    /// In path order, whether the walk or the read passed them over.
    pub skipped: Vec<Skipped>,
    /// Files read although not UTF-8 (path, what was replaced), in path order.
    pub repaired: Vec<(String, String)>,
}

const READ_CHUNK: usize = 2048;

/// Finds and reads every workspace file below `root`, by `canopy_vfs`'s rules. Never fails as a
/// whole: whatever cannot be read is recorded in `skipped` with the reason.
pub fn load(root: &Path, progress: &Progress) -> Loaded {
    let mut loaded = Loaded::default();
    let mut found = Vec::new();
    for entry in canopy_vfs::walk(root, &[]) {
        match entry {
            Found::File(path) => {
                found.push(path);
                progress.found(found.len());
            }
            Found::Skipped(skipped) => loaded.skipped.push(skipped),
        }
    }

    progress.reading(found.len());
    // Read in chunks, so the progress line moves while a big workspace is read.
    for chunk in found.chunks(READ_CHUNK) {
        for (path, read) in chunk.iter().zip(canopy_vfs::read_all(root, chunk)) {
            match read {
                Ok(text) => {
                    if let Some(repaired) = text.repaired {
                        loaded.repaired.push((path.clone(), repaired));
                    }
                    loaded.files.push((path.clone(), text.text));
                }
                Err(skipped) => loaded.skipped.push(skipped),
            }
            progress.advance();
        }
    }
    loaded.skipped.sort_by(|a, b| a.path.cmp(&b.path));
    loaded
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::progress::Progress;

    // Which files exist is `canopy_vfs`'s to test; here, only what `load` adds to it.
    #[cfg(unix)]
    #[test]
    fn load_reads_texts_notes_repairs_and_lists_what_it_passed_over() {
        let dir = tempfile::tempdir().expect("temp dir");
        let root = dir.path();
        fs::create_dir_all(root.join("modules")).expect("create folder");
        fs::write(root.join("modules/a.nix"), "{ a = 1; }").expect("write file");
        fs::write(root.join("modules/b.nix"), b"{ b = \"\xff\"; }").expect("write file");
        std::os::unix::fs::symlink(root.join("modules/a.nix"), root.join("modules/a-link.nix")).expect("symlink");
        let loaded = load(root, &Progress::new());
        let files: Vec<(&str, &str)> = loaded.files.iter().map(|(p, t)| (p.as_str(), &**t)).collect();
        assert_eq!(files, [("modules/a.nix", "{ a = 1; }"), ("modules/b.nix", "{ b = \"\u{1a}\"; }")]);
        assert_eq!(
            loaded.repaired,
            [(
                "modules/b.nix".to_owned(),
                "not valid UTF-8: read with 1 byte as U+001A, the first on line 1".to_owned()
            )]
        );
        let paths: Vec<&str> = loaded.skipped.iter().map(|s| s.path.as_str()).collect();
        assert_eq!(paths, ["modules/a-link.nix"]);
    }

    #[test]
    fn display_prefix_is_relative_to_the_current_folder_when_possible() {
        let cwd = Path::new("/home/me/repo");
        let prefix = |arg: &str, root: &str| display_prefix(Path::new(arg), Path::new(root), Some(cwd));
        assert_eq!(prefix(".", "/home/me/repo"), "");
        assert_eq!(prefix("./fixtures/x", "/home/me/repo/fixtures/x"), "fixtures/x/");
        assert_eq!(prefix("/home/me/repo/sub", "/home/me/repo/sub"), "sub/");
        assert_eq!(prefix("../other", "/home/me/other"), "../other/");
        assert_eq!(prefix("/srv/flake", "/srv/flake"), "/srv/flake/");
    }
}
