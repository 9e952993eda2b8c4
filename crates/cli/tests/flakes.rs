//! Which folder is a dendritic flake (dendritic.md §8.1), end to end: a folder with none says so
//! in one line on stderr and gets only what Nix reports while parsing; flakes below the folder
//! given are each analysed on their own, with one summary each. The fixtures' expected files pin
//! the output; this pins stderr and the JSON `flakes` list.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures").join(name)
}

struct Run {
    stdout: String,
    stderr: String,
    code: Option<i32>,
}

fn canopy(dir: &Path, args: &[&str]) -> Run {
    let output = Command::new(env!("CARGO_BIN_EXE_canopy"))
        .env_remove("CANOPY_LOG")
        .args(args)
        .arg(".")
        .current_dir(dir)
        .output()
        .expect("run canopy");
    Run {
        stdout: String::from_utf8(output.stdout).expect("UTF-8 stdout"),
        stderr: String::from_utf8(output.stderr).expect("UTF-8 stderr"),
        code: output.status.code(),
    }
}

fn flakes(dir: &Path) -> Vec<(String, u64, u64, bool)> {
    let run = canopy(dir, &["check", "--format", "json"]);
    let json: Value = serde_json::from_str(&run.stdout).expect("JSON");
    json["flakes"]
        .as_array()
        .expect("a flakes list")
        .iter()
        .map(|f| {
            let path = f["path"].as_str().expect("a path").to_owned();
            (path, f["files"].as_u64().expect("files"), f["aspects"].as_u64().expect("aspects"), f["dendritic"] == true)
        })
        .collect()
}

#[test]
fn a_plain_flake_says_once_why_it_is_not_dendritic_and_gets_parse_level_diagnostics_only() {
    let dir = fixture("plain-flake");
    for args in [&["check"][..], &["check", "--format", "json"], &["check", "--format", "github"], &["aspects"]] {
        let run = canopy(&dir, args);
        let lines: Vec<&str> = run.stderr.lines().collect();
        assert_eq!(
            lines,
            [
                "canopy: ./: `flake.nix` does not call flake-parts' `mkFlake` and nothing calls import-tree: not a dendritic flake, so only what Nix reports while parsing each file is checked"
            ],
            "{args:?}"
        );
    }
    // The NixOS and home-manager modules under modules/ are no flake modules and get nothing; the
    // library's duplicate attribute is what Nix itself reports.
    let run = canopy(&dir, &["check"]);
    assert_eq!(run.code, Some(1));
    let reported: Vec<&str> = run.stdout.lines().filter(|l| l.contains("error[")).collect();
    assert_eq!(reported.len(), 1, "{}", run.stdout);
    assert!(reported[0].starts_with("lib/default.nix:") && reported[0].contains("[duplicate-attribute]"));
    assert_eq!(flakes(&dir), [(String::new(), 4, 0, false)]);
}

#[test]
fn a_flake_below_the_folder_is_analysed_and_the_folder_says_why_it_is_none() {
    let dir = fixture("flake-in-example");
    let run = canopy(&dir, &["check"]);
    assert_eq!(run.code, Some(1), "the example's undefined aspect: {}", run.stdout);
    assert!(run.stdout.contains("example/modules/host.nix:5:5: error[undefined-aspect]"), "{}", run.stdout);
    assert!(
        run.stdout.ends_with(
            "./: 0 errors, 0 warnings, 0 hints in 1 file\nexample/: 1 error, 0 warnings, 0 hints in 3 files\n"
        )
    );
    let notes: Vec<&str> = run.stderr.lines().collect();
    assert_eq!(notes.len(), 1, "{}", run.stderr);
    assert!(notes[0].starts_with("canopy: ./: no `flake.nix`, no `modules/` folder"), "{}", run.stderr);
    assert_eq!(flakes(&dir), [(String::new(), 1, 0, false), ("example/".to_owned(), 3, 3, true)]);

    // Run from elsewhere, folders print as they open from there.
    let parent = dir.parent().expect("the fixtures folder");
    let output = Command::new(env!("CARGO_BIN_EXE_canopy"))
        .args(["check", "flake-in-example"])
        .current_dir(parent)
        .output()
        .expect("run canopy");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("\nflake-in-example/example/: 1 error"), "{stdout}");
    assert!(String::from_utf8_lossy(&output.stderr).starts_with("canopy: flake-in-example/: no `flake.nix`"));
}

#[test]
fn two_flakes_side_by_side_never_see_each_other() {
    let dir = fixture("two-flakes");
    let run = canopy(&dir, &["check"]);
    // `gnome` is defined in desktop/, which server/ cannot see; the folder itself holds no file
    // and needs no word.
    assert_eq!(run.stderr, "");
    let errors: Vec<&str> = run.stdout.lines().filter(|l| l.contains("error[")).collect();
    assert_eq!(
        errors,
        ["server/modules/web.nix:7:5: error[undefined-aspect]: aspect `gnome` is not defined in `flake.modules.nixos`"]
    );
    assert_eq!(
        flakes(&dir),
        [(String::new(), 0, 0, false), ("desktop/".to_owned(), 3, 3, true), ("server/".to_owned(), 3, 4, true)]
    );
    // The roster keeps each flake's aspects apart, paths from the folder given.
    let run = canopy(&dir, &["aspects", "--format", "json"]);
    let json: Value = serde_json::from_str(&run.stdout).expect("JSON");
    let gnome: Vec<(&str, usize)> = json["aspects"]
        .as_array()
        .expect("aspects")
        .iter()
        .filter(|a| a["name"] == "gnome")
        .map(|a| (a["flake"].as_str().expect("a flake"), a["definitions"].as_array().expect("definitions").len()))
        .collect();
    assert_eq!(gnome, [("desktop/", 1), ("server/", 0)]);
}

#[test]
fn files_nix_reads_by_path_outside_the_root_are_checked_and_unnamed_ones_are_not() {
    let run = canopy(&fixture("read-by-path"), &["check"]);
    let paths: Vec<&str> =
        run.stdout.lines().filter_map(|l| l.split(':').next()).filter(|p| p.ends_with(".nix")).collect();
    // The host's hardware file (a module's `imports`) and the package (`callPackage`); not the
    // host's disks (correct), the template nothing names, nor the data file inside an attrset.
    assert_eq!(paths, ["hosts/box/hardware.nix", "pkgs/hello.nix"], "{}", run.stdout);
    assert_eq!(run.stderr, "");
}
