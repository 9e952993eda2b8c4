use std::fs;
use std::path::{Path, PathBuf};

use super::*;

fn write(root: &Path, path: &str, contents: &[u8]) {
    let path = root.join(path);
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).expect("create folder");
    }
    fs::write(path, contents).expect("write file");
}

/// A temporary folder holding `paths`, each a file with the text `{}`.
fn folder(paths: &[&str]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    for path in paths {
        write(dir.path(), path, b"{}");
    }
    dir
}

/// What a caller ends up with: the paths of the files read, and what was passed over by the walk
/// and then by the reads.
fn load(root: &Path, exclude: &[PathBuf]) -> (Vec<String>, Vec<Skipped>) {
    let mut paths = Vec::new();
    let mut skipped = Vec::new();
    for found in walk(root, exclude) {
        match found {
            Found::File(path) => paths.push(path),
            Found::Skipped(entry) => skipped.push(entry),
        }
    }
    let mut files = Vec::new();
    for path in paths {
        match read(&absolute_path(root, &path)) {
            Disk::Text(_) => files.push(path),
            Disk::Absent => panic!("{path} vanished"),
            Disk::Unreadable(reason) => skipped.push(Skipped { path, reason }),
        }
    }
    (files, skipped)
}

fn skipped(path: &str, reason: &str) -> Skipped {
    Skipped { path: path.to_owned(), reason: reason.to_owned() }
}

#[test]
fn finds_nix_files_in_hidden_and_underscore_folders_but_not_pruned_ones() {
    let dir = folder(&[
        "flake.nix",
        "modules/a.nix",
        "modules/.hidden/b.nix",
        "modules/_lib/c.nix",
        "modules/notes.md",
        "modules/x.nix.bak",
        "modules/folder.nix/d.nix",
        ".git/hooks/e.nix",
    ]);
    let root = dir.path();
    for pruned in PRUNED_FOLDERS {
        write(root, &format!("sub/{pruned}/f.nix"), b"{}");
    }
    write(root, ".gitignore", b"*.nix\n");
    write(root, ".ignore", b"*.nix\n");
    let (files, skipped) = load(root, &[]);
    assert_eq!(
        files,
        ["flake.nix", "modules/.hidden/b.nix", "modules/_lib/c.nix", "modules/a.nix", "modules/folder.nix/d.nix"]
    );
    assert_eq!(skipped, []);
}

#[test]
fn excluded_folders_are_not_entered() {
    let dir = folder(&["flake.nix", "nested/flake.nix", "nested-not/a.nix"]);
    let (files, _) = load(dir.path(), &[dir.path().join("nested")]);
    assert_eq!(files, ["flake.nix", "nested-not/a.nix"]);
}

#[cfg(unix)]
#[test]
fn symbolic_links_are_never_followed() {
    let outside = folder(&["store/g.nix"]);
    let dir = folder(&["modules/a.nix"]);
    let root = dir.path();
    std::os::unix::fs::symlink(outside.path().join("store"), root.join("result")).expect("symlink");
    std::os::unix::fs::symlink(root.join("modules/a.nix"), root.join("modules/link.nix")).expect("symlink");
    let (files, skipped) = load(root, &[]);
    assert_eq!(files, ["modules/a.nix"]);
    assert_eq!(skipped.len(), 1);
    assert_eq!(skipped[0].path, "modules/link.nix");
    assert!(skipped[0].reason.contains("symbolic link"));
}

#[test]
fn invalid_utf8_is_skipped_with_a_reason() {
    let dir = tempfile::tempdir().expect("temp dir");
    write(dir.path(), "modules/bad.nix", b"{ x = \"\xff\"; }");
    write(dir.path(), "modules/good.nix", "{ x = \"ç\"; }".as_bytes());
    let (files, skipped) = load(dir.path(), &[]);
    assert_eq!(files, ["modules/good.nix"]);
    assert_eq!(skipped, [self::skipped("modules/bad.nix", "not valid UTF-8 (first bad byte at offset 7)")]);
}

#[cfg(unix)]
#[test]
fn unreadable_files_are_skipped_with_a_reason() {
    use std::os::unix::fs::PermissionsExt;

    let dir = folder(&["modules/secret.nix", "modules/locked/x.nix"]);
    let secret = dir.path().join("modules/secret.nix");
    let locked = dir.path().join("modules/locked");
    fs::set_permissions(&secret, fs::Permissions::from_mode(0o000)).expect("chmod");
    fs::set_permissions(&locked, fs::Permissions::from_mode(0o000)).expect("chmod");
    let readable = fs::read(&secret).is_ok();
    let (files, skipped) = load(dir.path(), &[]);
    // Restored before asserting, or the temporary folder could not be removed.
    fs::set_permissions(&locked, fs::Permissions::from_mode(0o755)).expect("chmod");
    if readable {
        // Running as root: permissions do not stop reads, so there is nothing to observe.
        eprintln!("note: unreadable_files_are_skipped_with_a_reason is vacuous as root");
        return;
    }
    assert_eq!(files, Vec::<String>::new());
    let denied = |path: &str| self::skipped(path, "Permission denied");
    assert_eq!(skipped, [denied("modules/locked"), denied("modules/secret.nix")]);
}

#[test]
fn paths_keep_spaces_brackets_and_non_ascii() {
    let dir = folder(&["modules/host [gouda]/ça va 🌲.nix"]);
    let (files, _) = load(dir.path(), &[]);
    assert_eq!(files, ["modules/host [gouda]/ça va 🌲.nix"]);
}

// Linux file systems take any bytes in a name; others (APFS) refuse what is not UTF-8.
#[cfg(target_os = "linux")]
#[test]
fn paths_that_are_not_utf8_are_skipped_with_a_lossy_path() {
    use std::os::unix::ffi::OsStrExt;

    let dir = tempfile::tempdir().expect("temp dir");
    let folder = dir.path().join(OsStr::from_bytes(b"caf\xe9"));
    fs::create_dir(&folder).expect("create folder");
    fs::write(folder.join("a.nix"), b"{}").expect("write file");
    let (files, skipped) = load(dir.path(), &[]);
    assert_eq!(files, Vec::<String>::new());
    assert_eq!(skipped, [self::skipped("caf\u{fffd}/a.nix", "the path is not valid UTF-8")]);
    assert_eq!(relative_path(dir.path(), &folder.join("a.nix")), None);
}

#[cfg(unix)]
#[test]
fn links_folders_and_missing_files_read_as_absent() {
    let dir = folder(&["a.nix"]);
    let root = dir.path();
    fs::create_dir(root.join("folder.nix")).expect("create folder");
    std::os::unix::fs::symlink(root.join("a.nix"), root.join("link.nix")).expect("symlink");
    assert_eq!(read(&root.join("a.nix")), Disk::Text(Arc::from("{}")));
    assert_eq!(read(&root.join("folder.nix")), Disk::Absent);
    assert_eq!(read(&root.join("link.nix")), Disk::Absent);
    assert_eq!(read(&root.join("missing.nix")), Disk::Absent);
}

#[test]
fn workspace_paths_are_nix_files_outside_pruned_folders() {
    assert!(is_workspace_path("modules/.hidden/a.nix"));
    assert!(is_workspace_path("modules/_lib/a.nix"));
    assert!(is_workspace_path("flake.nix"));
    assert!(!is_workspace_path("node_modules/x/a.nix"));
    assert!(!is_workspace_path("sub/.git/a.nix"));
    assert!(!is_workspace_path("modules/a.txt"));
}

#[test]
fn relative_and_absolute_paths_round_trip() {
    let root = Path::new("/repo/x");
    let path = absolute_path(root, "modules/host [a]/ça.nix");
    assert_eq!(path, Path::new("/repo/x/modules/host [a]/ça.nix"));
    assert_eq!(relative_path(root, &path).as_deref(), Some("modules/host [a]/ça.nix"));
    assert_eq!(relative_path(root, Path::new("/repo/y/a.nix")), None);
    assert_eq!(relative_path(root, Path::new("/repo/x/../y/a.nix")), None);
    assert_eq!(relative_path(root, root), None);
}

#[test]
fn io_reasons_drop_the_os_error_number() {
    let err = io::Error::from_raw_os_error(2);
    assert_eq!(io_reason(&err), "No such file or directory");
}
