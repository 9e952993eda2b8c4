//! `canopy-bench dimension`, the run docs/performance.md counts instructions of: it analyses the
//! whole workspace and applies the edits it is asked for, and refuses what it cannot run with a
//! clear message.

use std::process::Command;

fn bench(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_canopy-bench")).args(args).output().expect("run canopy-bench");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn a_dimension_is_analysed_whole_then_edited() {
    let (ok, out, err) = bench(&["dimension", "aspects_per_file", "100"]);
    assert!(ok, "{err}");
    assert_eq!(out.trim(), "aspects_per_file at 100: 2 files, 100 aspects, 0 hosts, 0 diagnostics reported, 0 edits");
    // The edit renames one aspect: its importer's reference is undefined, then defined again.
    let (ok, out, err) = bench(&["dimension", "aspects_per_file", "100", "--edits", "3"]);
    assert!(ok, "{err}");
    assert_eq!(out.trim(), "aspects_per_file at 100: 2 files, 100 aspects, 0 hosts, 2 diagnostics reported, 3 edits");
}

#[test]
fn what_cannot_be_run_is_refused_with_a_reason() {
    let (ok, _, err) = bench(&["dimension", "aspects", "100"]);
    assert!(!ok);
    assert!(err.contains("no dimension `aspects`: one of aspects_per_file"), "{err}");
    let (ok, _, err) = bench(&["dimension", "hosts", "100", "--edits", "1"]);
    assert!(!ok);
    assert!(err.contains("the dimension `hosts` has no edit"), "{err}");
}
