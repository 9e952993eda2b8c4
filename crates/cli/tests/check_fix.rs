//! `canopy check --fix` and `--diff` on a copy of the broken fixture.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;
use std::process::Command;

/// Copies `from` into `to`, recursively.
fn copy(from: &Path, to: &Path) {
    fs::create_dir_all(to).expect("create folder");
    for entry in fs::read_dir(from).expect("read fixture") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            copy(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), target).expect("copy");
        }
    }
}

/// Every file's bytes, by path.
fn tree(dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
    for entry in fs::read_dir(dir).expect("read") {
        let entry = entry.expect("entry");
        if entry.file_type().expect("type").is_dir() {
            tree(&entry.path(), out);
        } else {
            out.insert(entry.path().display().to_string(), fs::read(entry.path()).expect("read file"));
        }
    }
}

fn broken() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    copy(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/broken"), dir.path());
    dir
}

fn canopy(dir: &Path, args: &[&str]) -> (String, i32) {
    let out = Command::new(env!("CARGO_BIN_EXE_canopy")).args(args).arg(".").current_dir(dir).output().expect("run");
    (String::from_utf8_lossy(&out.stdout).into_owned(), out.status.code().unwrap_or(-1))
}

#[test]
fn fix_applies_the_safe_fixes_and_a_second_run_changes_nothing() {
    let dir = broken();
    let (out, status) = canopy(dir.path(), &["check", "--fix"]);
    assert!(out.contains("fixed modules/hosts/gruyere.nix: Replace with `desktop`"), "{out}");
    assert!(out.contains("fixed modules/features/unknown-class.nix: Replace with `homeManager`"), "{out}");
    let gruyere = fs::read_to_string(dir.path().join("modules/hosts/gruyere.nix")).expect("read");
    assert!(gruyere.contains("      desktop\n") && !gruyere.contains("deskotp"), "{gruyere}");
    assert!(!out.contains("[undefined-aspect]") && !out.contains("[unknown-class]"), "{out}");
    // What remains: the syntax error, the duplicate attribute, ... are errors.
    assert!(out.contains("error[syntax-error]"), "{out}");
    assert_eq!(status, 1);
    let mut before = BTreeMap::new();
    tree(dir.path(), &mut before);
    let (again, status) = canopy(dir.path(), &["check", "--fix"]);
    assert!(!again.contains("fixed "), "{again}");
    assert_eq!(status, 1);
    let mut after = BTreeMap::new();
    tree(dir.path(), &mut after);
    assert_eq!(before, after, "a second run changed files");
}

#[test]
fn diff_prints_the_fixes_and_writes_nothing() {
    let dir = broken();
    let mut before = BTreeMap::new();
    tree(dir.path(), &mut before);
    let (out, _) = canopy(dir.path(), &["check", "--diff"]);
    assert!(out.contains("--- a/modules/hosts/gruyere.nix\n+++ b/modules/hosts/gruyere.nix\n"), "{out}");
    assert!(out.contains("-      deskotp\n+      desktop\n"), "{out}");
    let mut after = BTreeMap::new();
    tree(dir.path(), &mut after);
    assert_eq!(before, after, "--diff wrote files");
}
