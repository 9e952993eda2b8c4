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
        match read_listed(root, &path) {
            Ok(_) => files.push(path),
            Err(entry) => skipped.push(entry),
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
fn invalid_utf8_is_read_byte_for_byte_with_a_word() {
    let dir = tempfile::tempdir().expect("temp dir");
    write(dir.path(), "modules/latin1.nix", b"# caf\xe9\n{ x = \"\xff\xfe\"; y = \"\xc3\"; }");
    write(dir.path(), "modules/good.nix", "{ x = \"ç\"; }".as_bytes());
    let Ok(bad) = read_listed(dir.path(), "modules/latin1.nix") else { panic!("not read") };
    // Same length, so offsets still point into the file on disk.
    assert_eq!(&*bad.text, "# caf\u{1a}\n{ x = \"\u{1a}\u{1a}\"; y = \"\u{1a}\"; }");
    assert_eq!(bad.repaired.as_deref(), Some("not valid UTF-8: read with 4 bytes as U+001A, the first on line 1"));
    let Ok(good) = read_listed(dir.path(), "modules/good.nix") else { panic!("not read") };
    assert_eq!(good, Text { text: Arc::from("{ x = \"ç\"; }"), repaired: None });
    let (files, skipped) = load(dir.path(), &[]);
    assert_eq!(files, ["modules/good.nix", "modules/latin1.nix"]);
    assert_eq!(skipped, []);
}

#[test]
fn a_text_cut_in_the_middle_of_a_character_is_repaired_to_its_end() {
    let text = decode(b"{ }\n\n# \xe2\x82".to_vec());
    assert_eq!(&*text.text, "{ }\n\n# \u{1a}\u{1a}");
    assert_eq!(text.repaired.as_deref(), Some("not valid UTF-8: read with 2 bytes as U+001A, the first on line 3"));
}

/// Runs `f` on a thread that file permissions apply to. As root they do not (`CAP_DAC_OVERRIDE`
/// and `CAP_DAC_READ_SEARCH` bypass them), and tests run as root in CI: those two capabilities are
/// dropped from the thread's effective set (capabilities are per thread on Linux), so that a
/// `chmod 000` file fails to read there as it would for any user.
#[cfg(target_os = "linux")]
fn with_permissions_enforced<T: Send>(f: impl FnOnce() -> T + Send) -> T {
    std::thread::scope(|scope| {
        scope
            .spawn(|| {
                drop_permission_override();
                f()
            })
            .join()
            .expect("test thread")
    })
}

#[cfg(target_os = "linux")]
fn drop_permission_override() {
    #[repr(C)]
    struct Header {
        version: u32,
        pid: i32,
    }
    #[repr(C)]
    #[derive(Clone, Copy, Default)]
    struct Data {
        effective: u32,
        permitted: u32,
        inheritable: u32,
    }
    const VERSION_3: u32 = 0x2008_0522;
    const DAC_OVERRIDE: u32 = 1;
    const DAC_READ_SEARCH: u32 = 2;
    let mut header = Header { version: VERSION_3, pid: 0 };
    let mut data = [Data::default(); 2];
    // SAFETY: capget and capset read and write exactly one header and two data records.
    let got = unsafe { libc::syscall(libc::SYS_capget, &mut header as *mut Header, data.as_mut_ptr()) };
    assert_eq!(got, 0, "capget: {}", io::Error::last_os_error());
    data[0].effective &= !((1 << DAC_OVERRIDE) | (1 << DAC_READ_SEARCH));
    // SAFETY: as above; only the calling thread's capabilities change.
    let set = unsafe { libc::syscall(libc::SYS_capset, &mut header as *mut Header, data.as_ptr()) };
    assert_eq!(set, 0, "capset: {}", io::Error::last_os_error());
}

#[cfg(target_os = "linux")]
#[test]
fn unreadable_files_are_skipped_with_a_reason() {
    use std::os::unix::fs::PermissionsExt;

    let dir = folder(&["modules/secret.nix", "modules/locked/x.nix", "modules/open.nix"]);
    let secret = dir.path().join("modules/secret.nix");
    let locked = dir.path().join("modules/locked");
    fs::set_permissions(&secret, fs::Permissions::from_mode(0o000)).expect("chmod");
    fs::set_permissions(&locked, fs::Permissions::from_mode(0o000)).expect("chmod");
    let (readable, (files, skipped)) = with_permissions_enforced(|| (fs::read(&secret).is_ok(), load(dir.path(), &[])));
    // Restored before asserting, or the temporary folder could not be removed.
    fs::set_permissions(&locked, fs::Permissions::from_mode(0o755)).expect("chmod");
    assert!(!readable, "a chmod 000 file stayed readable: the test cannot observe anything");
    assert_eq!(files, ["modules/open.nix"]);
    let denied = |path: &str| self::skipped(path, "Permission denied");
    assert_eq!(skipped, [denied("modules/locked"), denied("modules/secret.nix")]);
}

#[cfg(unix)]
#[test]
fn symbolic_link_loops_are_listed_once_and_never_entered() {
    use std::os::unix::fs::symlink;

    let dir = folder(&["flake.nix", "modules/a.nix", "modules/deep/b.nix"]);
    let root = dir.path();
    // A folder linked to its parent and to the root, two links pointing at each other (as files
    // and as folders), and a link to itself: each would make a walk that follows links endless.
    symlink("..", root.join("modules/deep/up")).expect("symlink");
    symlink(root, root.join("modules/root")).expect("symlink");
    symlink("y.nix", root.join("modules/x.nix")).expect("symlink");
    symlink("x.nix", root.join("modules/y.nix")).expect("symlink");
    symlink("d2", root.join("modules/d1")).expect("symlink");
    symlink("d1", root.join("modules/d2")).expect("symlink");
    symlink("self.nix", root.join("modules/self.nix")).expect("symlink");
    let (files, skipped) = load(root, &[]);
    assert_eq!(files, ["flake.nix", "modules/a.nix", "modules/deep/b.nix"]);
    let paths: Vec<&str> = skipped.iter().map(|s| s.path.as_str()).collect();
    assert_eq!(paths, ["modules/self.nix", "modules/x.nix", "modules/y.nix"]);
    assert!(skipped.iter().all(|s| s.reason.contains("symbolic link")), "{skipped:?}");
    for link in ["modules/x.nix", "modules/self.nix"] {
        assert_eq!(read(&root.join(link)), Disk::Absent, "{link}");
    }
}

#[cfg(unix)]
#[test]
fn fifos_and_dangling_links_named_like_modules_are_skipped_without_blocking() {
    use std::os::unix::ffi::OsStrExt;

    let dir = folder(&["modules/a.nix"]);
    let root = dir.path();
    let fifo = root.join("modules/fifo.nix");
    let c_path = std::ffi::CString::new(fifo.as_os_str().as_bytes()).expect("C path");
    // SAFETY: a NUL-terminated path that outlives the call.
    assert_eq!(unsafe { libc::mkfifo(c_path.as_ptr(), 0o644) }, 0, "mkfifo: {}", io::Error::last_os_error());
    std::os::unix::fs::symlink(root.join("modules/missing.nix"), root.join("modules/dangling.nix")).expect("symlink");
    // A reader that opened the FIFO would wait for a writer forever; none ever comes.
    let (files, skipped) = load(root, &[]);
    assert_eq!(files, ["modules/a.nix"]);
    assert_eq!(
        skipped,
        [
            self::skipped("modules/dangling.nix", "symbolic link (canopy does not follow links)"),
            self::skipped("modules/fifo.nix", "not a regular file (a FIFO, socket or device)"),
        ]
    );
    assert_eq!(read(&fifo), Disk::Absent);
}

#[cfg(unix)]
#[test]
fn a_listed_file_removed_or_replaced_before_it_is_read_is_skipped_with_a_word() {
    use std::os::unix::ffi::OsStrExt;

    let secret = folder(&["secret.nix"]);
    let dir = folder(&["modules/a.nix", "modules/gone.nix", "modules/link.nix", "modules/fifo.nix", "modules/z.nix"]);
    let root = dir.path();
    let listed: Vec<Found> = walk(root, &[]).collect();
    assert!(listed.iter().all(|f| matches!(f, Found::File(_))), "{listed:?}");
    // Between the walk and the reads: one file removed, one replaced by a link leaving the
    // workspace, one by a FIFO (which a plain read would wait on forever).
    fs::remove_file(root.join("modules/gone.nix")).expect("remove");
    fs::remove_file(root.join("modules/link.nix")).expect("remove");
    std::os::unix::fs::symlink(secret.path().join("secret.nix"), root.join("modules/link.nix")).expect("symlink");
    fs::remove_file(root.join("modules/fifo.nix")).expect("remove");
    let c_path = std::ffi::CString::new(root.join("modules/fifo.nix").as_os_str().as_bytes()).expect("C path");
    // SAFETY: a NUL-terminated path that outlives the call.
    assert_eq!(unsafe { libc::mkfifo(c_path.as_ptr(), 0o644) }, 0, "mkfifo: {}", io::Error::last_os_error());
    let mut files = Vec::new();
    let mut skipped = Vec::new();
    for found in listed {
        let Found::File(path) = found else { continue };
        match read_listed(root, &path) {
            Ok(_) => files.push(path),
            Err(entry) => skipped.push(entry),
        }
    }
    assert_eq!(files, ["modules/a.nix", "modules/z.nix"]);
    let vanished = |path: &str| self::skipped(path, VANISHED);
    assert_eq!(skipped, [vanished("modules/fifo.nix"), vanished("modules/gone.nix"), vanished("modules/link.nix")]);
}

/// The walk runs on every core and sorts what it found: name by name, as a walk of each folder
/// in name order would list it, not as whole paths sort (where `a-b/` and `a.nix` come before
/// `a/`).
#[test]
fn the_walk_lists_each_folder_in_name_order() {
    let dir = folder(&["a.nix", "a-b/x.nix", "a/x.nix", "a/b/y.nix", "a/c.nix", "b/z.nix"]);
    let (files, _) = load(dir.path(), &[]);
    assert_eq!(files, ["a/b/y.nix", "a/c.nix", "a/x.nix", "a-b/x.nix", "a.nix", "b/z.nix"]);
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
    assert_eq!(read(&root.join("a.nix")), Disk::Text(Text { text: Arc::from("{}"), repaired: None }));
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

#[test]
fn reading_many_files_at_once_keeps_their_order_and_says_what_is_gone() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut paths = Vec::new();
    for i in 0..200 {
        let path = format!("modules/m{i:03}.nix");
        write(dir.path(), &path, format!("{{ n = {i}; }}").as_bytes());
        paths.push(path);
    }
    // Gone between the walk and the read, and listed in the middle.
    paths.insert(100, "modules/gone.nix".to_owned());
    let read = read_all(dir.path(), &paths);
    assert_eq!(read.len(), paths.len());
    for (i, result) in read.iter().enumerate() {
        match (i, result) {
            (100, Err(skipped)) => assert_eq!(*skipped, self::skipped("modules/gone.nix", VANISHED)),
            (100, Ok(text)) => panic!("a file that is not there was read: {}", text.text),
            (i, Ok(text)) => {
                let n = if i < 100 { i } else { i - 1 };
                assert_eq!(&*text.text, format!("{{ n = {n}; }}"), "file {i} out of order");
            }
            (i, Err(skipped)) => panic!("file {i} was skipped: {skipped:?}"),
        }
    }
}

/// Walking again below a path gives what the whole walk gives there, whatever the path names: a
/// folder, a file, a link (to a folder, dangling, on the way), a pruned or excluded folder, a
/// file that is not a module, the root, or nothing at all.
#[cfg(unix)]
#[test]
fn a_walk_below_a_path_is_the_whole_walk_there() {
    use std::os::unix::fs::symlink;

    let dir = folder(&[
        "flake.nix",
        "modules/a.nix",
        "modules/sub/b.nix",
        "modules/sub/.hidden/c.nix",
        "modules/sub/node_modules/d.nix",
        "modules/folder.nix/e.nix",
        "modules/notes.md",
        "nested/f.nix",
        "real/g.nix",
        ".git/h.nix",
    ]);
    let root = dir.path();
    symlink(root.join("real"), root.join("modules/linked")).expect("symlink");
    symlink("gone.nix", root.join("modules/dangling.nix")).expect("symlink");
    let exclude = [root.join("nested")];
    let whole: Vec<Found> = walk(root, &exclude).collect();
    let starts = [
        "",
        "modules",
        "modules/sub",
        "modules/sub/b.nix",
        "modules/sub/node_modules",
        "modules/sub/node_modules/d.nix",
        "modules/folder.nix",
        "modules/notes.md",
        "modules/linked",
        "modules/linked/g.nix",
        "modules/dangling.nix",
        "modules/gone",
        "nested",
        "nested/f.nix",
        ".git/h.nix",
    ];
    for start in starts {
        let below = format!("{start}/");
        let expected: Vec<Found> = whole
            .iter()
            .filter(|found| {
                let path = match found {
                    Found::File(path) | Found::Skipped(Skipped { path, .. }) => path,
                };
                start.is_empty() || path == start || path.starts_with(&below)
            })
            .cloned()
            .collect();
        assert_eq!(walk_below(root, start, &exclude).collect::<Vec<_>>(), expected, "below `{start}`");
    }
    assert!(whole.contains(&Found::File("modules/sub/b.nix".to_owned())), "{whole:?}");
    assert!(whole.iter().any(|f| matches!(f, Found::Skipped(s) if s.path == "modules/dangling.nix")), "{whole:?}");
}
/// A workspace folder the editor names through a link (`~/src` linked elsewhere) is walked:
/// the root is where the walk starts, not an entry of it. The links below it stay unfollowed.
#[cfg(unix)]
#[test]
fn a_root_reached_through_a_link_is_walked() {
    use std::os::unix::fs::symlink;

    let dir = folder(&["real/flake.nix", "real/modules/a.nix", "elsewhere/b.nix"]);
    symlink(dir.path().join("real"), dir.path().join("link")).expect("symlink");
    symlink(dir.path().join("elsewhere"), dir.path().join("real/modules/out")).expect("symlink");
    let (files, skipped) = load(&dir.path().join("link"), &[]);
    assert_eq!(files, ["flake.nix", "modules/a.nix"]);
    assert_eq!(skipped, []);
}

/// A file is read whole whatever its size was said to be: exactly (one read), or a size from
/// before it grew or shrank (read on to the end).
#[test]
fn a_file_is_read_whole_whatever_size_it_was_said_to_have() {
    let dir = tempfile::tempdir().expect("temp dir");
    for len in [0usize, 1, 4095, 4096, 70_000] {
        let contents: Vec<u8> = (0..len).map(|i| b'a' + (i % 26) as u8).collect();
        write(dir.path(), "f.nix", &contents);
        for said in [0, len.saturating_sub(1), len, len + 1, len * 2 + 10] {
            let file = fs::File::open(dir.path().join("f.nix")).expect("open");
            let bytes = read_whole(&file, said).expect("read");
            assert_eq!(bytes.len(), len, "{len} bytes said to be {said}");
            assert!(bytes == contents, "{len} bytes said to be {said}");
        }
    }
}
