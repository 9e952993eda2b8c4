//! Finding and reading the workspace's `.nix` files: the command line's only file system access.
//!
//! Which files exist for canopy:
//!
//! - every regular file whose name ends in `.nix`, at any depth below the root, including hidden
//!   folders (`modules/.hidden/x.nix`: import-tree imports those) and `_`-prefixed ones (the
//!   analysis reports those that define aspects as ignored by import-tree, so it must see them);
//! - `.gitignore` and `.ignore` files are not consulted. What a flake sees is the set of files
//!   tracked by git, which `.gitignore` approximates badly in both directions (a tracked file may
//!   match it, an untracked one may not), and results should not depend on git state. The big
//!   ignored folders met in practice are pruned by name instead (`PRUNED_FOLDERS`);
//! - no symbolic link is followed, to a folder or to a file: a `result` link into `/nix/store`
//!   must never be walked, and reading through links could leave the repository. A link whose
//!   name ends in `.nix` is reported as skipped, because import-tree would import it.

use std::ffi::OsStr;
use std::fs;
use std::io;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use ignore::WalkBuilder;
use serde::Serialize;

use crate::error::CliError;
use crate::progress::Progress;

/// Folders never entered, at any depth: version control data, JavaScript dependencies and
/// direnv's cache (which holds whole copies of flake inputs).
const PRUNED_FOLDERS: &[&str] = &[".git", ".hg", ".jj", ".svn", "node_modules", ".direnv"];

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

/// A file canopy found but could not analyse.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Skipped {
    /// Relative to the root, with `/` separators (lossy if the name is not UTF-8).
    pub path: String,
    pub reason: String,
}

/// The workspace's files, ready for `Change::set`.
#[derive(Debug, Default)]
pub struct Loaded {
    /// Workspace-relative path with `/` separators, and the text; in path order.
    pub files: Vec<(String, Arc<str>)>,
    pub skipped: Vec<Skipped>,
}

/// Finds and reads every `.nix` file below `root`. Never fails as a whole: whatever cannot be
/// read is recorded in `skipped` with the reason.
pub fn load(root: &Path, progress: &Progress) -> Loaded {
    let mut loaded = Loaded::default();
    let mut found = Vec::new();
    for entry in walker(root).build() {
        let entry = match entry {
            Ok(entry) => entry,
            Err(err) => {
                loaded.skipped.push(walk_error(root, &err));
                continue;
            }
        };
        let Some(file_type) = entry.file_type() else { continue };
        if !is_nix_file_name(entry.file_name()) {
            continue;
        }
        let path = match relative_path(root, entry.path()) {
            Ok(path) => path,
            Err(lossy) => {
                let reason = "the path is not valid UTF-8".to_owned();
                loaded.skipped.push(Skipped { path: lossy, reason });
                continue;
            }
        };
        if file_type.is_symlink() {
            let reason = "symbolic link (canopy does not follow links)".to_owned();
            loaded.skipped.push(Skipped { path, reason });
        } else if file_type.is_file() {
            found.push((path, entry.into_path()));
            progress.found(found.len());
        }
    }

    progress.reading(found.len());
    for (path, absolute) in found {
        match read_text(&absolute) {
            Ok(text) => loaded.files.push((path, text)),
            Err(reason) => loaded.skipped.push(Skipped { path, reason }),
        }
        progress.advance();
    }
    loaded.skipped.sort_by(|a, b| a.path.cmp(&b.path));
    loaded
}

fn walker(root: &Path) -> WalkBuilder {
    let mut builder = WalkBuilder::new(root);
    builder.standard_filters(false).follow_links(false).sort_by_file_name(|a, b| a.cmp(b)).filter_entry(|entry| {
        let is_dir = entry.file_type().is_some_and(|t| t.is_dir());
        let pruned = PRUNED_FOLDERS.iter().any(|name| entry.file_name() == OsStr::new(name));
        entry.depth() == 0 || !(is_dir && pruned)
    });
    builder
}

fn is_nix_file_name(name: &OsStr) -> bool {
    name.as_encoded_bytes().ends_with(b".nix")
}

/// `path` relative to `root`, with `/` separators; `Err` holds a lossy rendering when some
/// component is not UTF-8 (the analysis takes `String` paths).
fn relative_path(root: &Path, path: &Path) -> Result<String, String> {
    let relative = path.strip_prefix(root).unwrap_or(path);
    let mut out = String::new();
    let mut lossless = true;
    for component in relative.components() {
        let Component::Normal(name) = component else { continue };
        if !out.is_empty() {
            out.push('/');
        }
        match name.to_str() {
            Some(name) => out.push_str(name),
            None => {
                lossless = false;
                out.push_str(&name.to_string_lossy());
            }
        }
    }
    if lossless { Ok(out) } else { Err(out) }
}

fn read_text(path: &Path) -> Result<Arc<str>, String> {
    let bytes = fs::read(path).map_err(|err| io_reason(&err))?;
    match String::from_utf8(bytes) {
        Ok(text) => Ok(Arc::from(text)),
        Err(err) => Err(format!("not valid UTF-8 (first bad byte at offset {})", err.utf8_error().valid_up_to())),
    }
}

fn walk_error(root: &Path, err: &ignore::Error) -> Skipped {
    let path =
        error_path(err).map_or_else(|| "?".to_owned(), |path| relative_path(root, path).unwrap_or_else(|lossy| lossy));
    let reason = match err.io_error() {
        Some(io) => io_reason(os_error(io).unwrap_or(io)),
        None => err.to_string(),
    };
    Skipped { path, reason }
}

fn error_path(err: &ignore::Error) -> Option<&Path> {
    match err {
        ignore::Error::WithPath { path, .. } => Some(path),
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => error_path(err),
        ignore::Error::Loop { child, .. } => Some(child),
        _ => None,
    }
}

/// The operating system's error under the walker's wrappers, whose text repeats the path (which
/// we print already).
fn os_error(err: &io::Error) -> Option<&io::Error> {
    let mut current: &(dyn std::error::Error + 'static) = err;
    loop {
        if let Some(io) = current.downcast_ref::<io::Error>()
            && io.raw_os_error().is_some()
        {
            return Some(io);
        }
        current = match current.downcast_ref::<io::Error>().and_then(|io| io.get_ref()) {
            Some(inner) => inner,
            None => current.source()?,
        };
    }
}

/// The OS's description without Rust's "(os error N)" suffix, which means nothing to users.
pub fn io_reason(err: &io::Error) -> String {
    let text = err.to_string();
    match text.find(" (os error") {
        Some(end) => text[..end].to_owned(),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::progress::Progress;

    fn write(root: &Path, path: &str, contents: &[u8]) {
        let path = root.join(path);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).expect("create folder");
        }
        fs::write(path, contents).expect("write file");
    }

    fn paths(loaded: &Loaded) -> Vec<&str> {
        loaded.files.iter().map(|(path, _)| path.as_str()).collect()
    }

    #[test]
    fn finds_nix_files_in_hidden_and_underscore_folders_but_not_pruned_ones() {
        let dir = tempfile::tempdir().expect("temp dir");
        let root = dir.path();
        write(root, "flake.nix", b"{}");
        write(root, "modules/a.nix", b"{}");
        write(root, "modules/.hidden/b.nix", b"{}");
        write(root, "modules/_lib/c.nix", b"{}");
        write(root, "modules/notes.md", b"#");
        write(root, "modules/x.nix.bak", b"{}");
        write(root, ".git/hooks/d.nix", b"{}");
        write(root, "node_modules/e.nix", b"{}");
        write(root, "sub/.direnv/flake-inputs/f.nix", b"{}");
        write(root, ".gitignore", b"*.nix\n");
        let loaded = load(root, &Progress::new());
        assert_eq!(paths(&loaded), ["flake.nix", "modules/.hidden/b.nix", "modules/_lib/c.nix", "modules/a.nix"]);
        assert!(loaded.skipped.is_empty());
    }

    #[cfg(unix)]
    #[test]
    fn symbolic_links_are_never_followed() {
        let outside = tempfile::tempdir().expect("temp dir");
        write(outside.path(), "store/g.nix", b"{}");
        let dir = tempfile::tempdir().expect("temp dir");
        let root = dir.path();
        write(root, "modules/a.nix", b"{}");
        std::os::unix::fs::symlink(outside.path().join("store"), root.join("result")).expect("symlink");
        std::os::unix::fs::symlink(root.join("modules/a.nix"), root.join("modules/link.nix")).expect("symlink");
        let loaded = load(root, &Progress::new());
        assert_eq!(paths(&loaded), ["modules/a.nix"]);
        assert_eq!(loaded.skipped.len(), 1);
        assert_eq!(loaded.skipped[0].path, "modules/link.nix");
        assert!(loaded.skipped[0].reason.contains("symbolic link"));
    }

    #[test]
    fn invalid_utf8_is_skipped_with_a_reason() {
        let dir = tempfile::tempdir().expect("temp dir");
        write(dir.path(), "modules/bad.nix", b"{ x = \"\xff\"; }");
        write(dir.path(), "modules/good.nix", "{ x = \"ç\"; }".as_bytes());
        let loaded = load(dir.path(), &Progress::new());
        assert_eq!(paths(&loaded), ["modules/good.nix"]);
        assert_eq!(
            loaded.skipped,
            [Skipped {
                path: "modules/bad.nix".to_owned(),
                reason: "not valid UTF-8 (first bad byte at offset 7)".to_owned(),
            }]
        );
    }

    #[cfg(unix)]
    #[test]
    fn unreadable_files_are_skipped_with_a_reason() {
        use std::os::unix::fs::PermissionsExt;

        let dir = tempfile::tempdir().expect("temp dir");
        write(dir.path(), "modules/secret.nix", b"{ }");
        write(dir.path(), "modules/locked/x.nix", b"{ }");
        let secret = dir.path().join("modules/secret.nix");
        let locked = dir.path().join("modules/locked");
        fs::set_permissions(&secret, fs::Permissions::from_mode(0o000)).expect("chmod");
        fs::set_permissions(&locked, fs::Permissions::from_mode(0o000)).expect("chmod");
        let readable = fs::read(&secret).is_ok();
        let loaded = load(dir.path(), &Progress::new());
        fs::set_permissions(&locked, fs::Permissions::from_mode(0o755)).expect("chmod");
        if readable {
            // Running as root: permissions do not stop reads, so there is nothing to observe.
            eprintln!("note: unreadable_files_are_skipped_with_a_reason is vacuous as root");
            return;
        }
        assert!(loaded.files.is_empty());
        let denied = |path: &str| Skipped { path: path.to_owned(), reason: "Permission denied".to_owned() };
        assert_eq!(loaded.skipped, [denied("modules/locked"), denied("modules/secret.nix")]);
    }

    #[test]
    fn paths_keep_spaces_brackets_and_non_ascii() {
        let dir = tempfile::tempdir().expect("temp dir");
        write(dir.path(), "modules/host [gouda]/ça va 🌲.nix", b"{}");
        let loaded = load(dir.path(), &Progress::new());
        assert_eq!(paths(&loaded), ["modules/host [gouda]/ça va 🌲.nix"]);
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

    #[test]
    fn io_reasons_drop_the_os_error_number() {
        let err = io::Error::from_raw_os_error(2);
        assert_eq!(io_reason(&err), "No such file or directory");
    }
}
