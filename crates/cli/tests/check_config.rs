//! What decides which diagnostics `canopy check` reports and how it exits: `canopy.toml`, the
//! `--select`, `--ignore`, `--severity` and `--error-on` flags, suppression comments, and file
//! arguments.

use std::fs;
use std::path::Path;
use std::process::Command;

use serde_json::Value;
use tempfile::TempDir;

const FLAKE: &str =
    "{\n  outputs = inputs: inputs.flake-parts.lib.mkFlake { inherit inputs; } (inputs.import-tree ./modules);\n}\n";

/// An undefined aspect (an error), a misspelt class (a warning) and an unused aspect (a hint that
/// is off by default), each in a file of its own.
fn repo() -> TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    let write = |path: &str, text: &str| {
        let path = dir.path().join(path);
        fs::create_dir_all(path.parent().expect("a parent")).expect("create folder");
        fs::write(path, text).expect("write");
    };
    write("flake.nix", FLAKE);
    write(
        "modules/hosts.nix",
        "{ config, ... }:\n{\n  configurations.nixos.h.module.imports = [ config.flake.modules.nixos.gone ];\n}\n",
    );
    write("modules/shell.nix", "{\n  flake.modules.homemanager.shell = { };\n}\n");
    write("modules/orphan.nix", "{\n  flake.modules.nixos.orphan = { };\n}\n");
    dir
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    /// `(path, severity, code)` of each diagnostic of the JSON output.
    fn reported(&self) -> Vec<(String, String, String)> {
        let json: Value = serde_json::from_str(&self.stdout).unwrap_or_else(|e| panic!("{e}: {}", self.stdout));
        let text = |d: &Value, key: &str| d[key].as_str().expect("a string").to_owned();
        json["diagnostics"]
            .as_array()
            .expect("diagnostics")
            .iter()
            .map(|d| (text(d, "path"), text(d, "severity"), text(d, "code")))
            .collect()
    }
}

/// `canopy check --format json <args>`, run in `dir`.
fn check(dir: &Path, args: &[&str]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_canopy"))
        .arg("check")
        .args(["--format", "json"])
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run canopy");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn triple(path: &str, severity: &str, code: &str) -> (String, String, String) {
    (path.to_owned(), severity.to_owned(), code.to_owned())
}

#[test]
fn by_default_the_registry_decides() {
    let dir = repo();
    let run = check(dir.path(), &[]);
    assert_eq!(run.code, 1);
    assert_eq!(
        run.reported(),
        [
            triple("modules/hosts.nix", "error", "undefined-aspect"),
            triple("modules/shell.nix", "warning", "unknown-class")
        ]
    );
}

#[test]
fn canopy_toml_disables_enables_and_overrides_severities() {
    let dir = repo();
    fs::write(
        dir.path().join("canopy.toml"),
        "[diagnostics]\ndisabled = [\"unknown-class\"]\nenabled = [\"unused-aspect\"]\nseverity = { undefined-aspect = \"warning\" }\n",
    )
    .expect("write");
    let run = check(dir.path(), &[]);
    assert_eq!(run.code, 0, "the only error is now a warning: {}", run.stderr);
    assert_eq!(
        run.reported(),
        [
            triple("modules/hosts.nix", "warning", "undefined-aspect"),
            triple("modules/orphan.nix", "hint", "unused-aspect"),
            triple("modules/shell.nix", "hint", "unused-aspect")
        ]
    );
    // The flags win over the file.
    let run = check(dir.path(), &["--severity", "undefined-aspect=error", "--ignore", "unused-aspect"]);
    assert_eq!(run.code, 1);
    assert_eq!(run.reported(), [triple("modules/hosts.nix", "error", "undefined-aspect")]);
}

#[test]
fn canopy_toml_classes_and_exclude() {
    let dir = repo();
    fs::write(dir.path().join("canopy.toml"), "classes = [\"homemanager\"]\nexclude = [\"modules/hosts.nix\"]\n")
        .expect("write");
    let run = check(dir.path(), &[]);
    assert_eq!(run.code, 0);
    assert_eq!(run.reported(), []);
    // An excluded file still counts: what it defines is defined.
    fs::write(dir.path().join("canopy.toml"), "exclude = [\"modules/def*\"]\n").expect("write");
    fs::write(dir.path().join("modules/defines.nix"), "{\n  flake.modules.nixos.gone = { };\n}\n").expect("write");
    let run = check(dir.path(), &[]);
    assert_eq!(run.reported(), [triple("modules/shell.nix", "warning", "unknown-class")]);
}

#[test]
fn a_malformed_canopy_toml_exits_2_naming_the_line() {
    let dir = repo();
    fs::write(dir.path().join("canopy.toml"), "# canopy's settings\n[diagnostics]\ndisabled = [\"unknown-clas\"]\n")
        .expect("write");
    let run = check(dir.path(), &[]);
    assert_eq!(run.code, 2);
    assert_eq!(run.stdout, "");
    assert_eq!(run.stderr, "canopy: canopy.toml:3:13: unknown code `unknown-clas`; did you mean `unknown-class`?\n");
    // Run from elsewhere, the path opens from there.
    let name = dir.path().file_name().expect("a name").to_string_lossy().into_owned();
    let run = Command::new(env!("CARGO_BIN_EXE_canopy"))
        .args(["check", &name])
        .current_dir(dir.path().parent().expect("parent"))
        .output()
        .expect("run");
    assert_eq!(run.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(stderr.starts_with(&format!("canopy: {name}/canopy.toml:3:13: ")), "{stderr}");
    fs::write(dir.path().join("canopy.toml"), "[diagnostics\n").expect("write");
    let run = check(dir.path(), &[]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.starts_with("canopy: canopy.toml:1:"), "{}", run.stderr);
}

#[test]
fn select_reports_only_the_codes_named() {
    let dir = repo();
    let run = check(dir.path(), &["--select", "unknown-class,unused-aspect"]);
    assert_eq!(run.code, 0);
    assert_eq!(
        run.reported(),
        [
            triple("modules/orphan.nix", "hint", "unused-aspect"),
            triple("modules/shell.nix", "warning", "unknown-class"),
            triple("modules/shell.nix", "hint", "unused-aspect")
        ]
    );
}

#[test]
fn ignore_drops_codes_and_the_exit_status_follows() {
    let dir = repo();
    let run = check(dir.path(), &["--ignore", "undefined-aspect"]);
    assert_eq!(run.code, 0);
    assert_eq!(run.reported(), [triple("modules/shell.nix", "warning", "unknown-class")]);
}

#[test]
fn severity_flags_change_levels_and_the_exit_status() {
    let dir = repo();
    let run = check(dir.path(), &["--severity", "undefined-aspect=hint", "--severity", "unknown-class=error"]);
    assert_eq!(run.code, 1);
    assert_eq!(
        run.reported(),
        [
            triple("modules/hosts.nix", "hint", "undefined-aspect"),
            triple("modules/shell.nix", "error", "unknown-class")
        ]
    );
}

#[test]
fn error_on_warning_fails_on_warnings_too() {
    let dir = repo();
    assert_eq!(check(dir.path(), &["--ignore", "undefined-aspect"]).code, 0);
    assert_eq!(check(dir.path(), &["--ignore", "undefined-aspect", "--error-on", "warning"]).code, 1);
    assert_eq!(check(dir.path(), &["--select", "unused-aspect", "--error-on", "warning"]).code, 0);
    assert_eq!(check(dir.path(), &["--select", "unused-aspect", "--error-on", "hint"]).code, 1);
}

#[test]
fn bad_flags_exit_2() {
    let dir = repo();
    for args in [
        &["--select", "nope"][..],
        &["--ignore", "undefined-aspects"],
        &["--severity", "undefined-aspect"],
        &["--severity", "undefined-aspect=fatal"],
        &["--error-on", "never"],
    ] {
        let run = check(dir.path(), args);
        assert_eq!(run.code, 2, "{args:?}");
        assert_eq!(run.stdout, "", "{args:?}");
        assert!(!run.stderr.is_empty(), "{args:?}");
    }
}

#[test]
fn file_arguments_analyse_the_flake_and_report_only_those_files() {
    let dir = repo();
    // Run from the flake's root, as pre-commit does.
    let run = check(dir.path(), &["modules/shell.nix"]);
    assert_eq!(run.code, 0, "the error is in another file");
    assert_eq!(run.reported(), [triple("modules/shell.nix", "warning", "unknown-class")]);
    let run = check(dir.path(), &["modules/hosts.nix", "modules/orphan.nix"]);
    assert_eq!(run.code, 1);
    assert_eq!(run.reported(), [triple("modules/hosts.nix", "error", "undefined-aspect")]);
    // Every file of the flake was read; the two named were reported, and the summary says so.
    let json: Value = serde_json::from_str(&run.stdout).expect("JSON");
    let read = json["files"].as_u64().expect("a file count");
    assert!(read > 2, "{read} files read");
    assert_eq!(json["reported"], 2);
    assert_eq!(json["flakes"][0]["reported"], 2);
    let human = Command::new(env!("CARGO_BIN_EXE_canopy"))
        .args(["check", "modules/shell.nix"])
        .current_dir(dir.path())
        .output()
        .expect("run canopy");
    let human = String::from_utf8_lossy(&human.stdout);
    assert!(human.ends_with(&format!(" in 1 of {read} files\n")), "{human}");
    assert!(check(dir.path(), &[]).stdout.contains(&format!("\"reported\": {read}")), "the whole flake reported");
    // The whole flake is read: the aspect another file defines is defined.
    fs::write(dir.path().join("modules/gone.nix"), "{\n  flake.modules.nixos.gone = { };\n}\n").expect("write");
    assert_eq!(check(dir.path(), &["modules/hosts.nix"]).reported(), []);
    // From inside a folder of the flake, the flake is still found.
    let run = check(&dir.path().join("modules"), &["shell.nix"]);
    assert_eq!(run.reported(), [triple("modules/shell.nix", "warning", "unknown-class")]);
    // A missing file, or a folder among files, exits 2.
    assert_eq!(check(dir.path(), &["modules/none.nix"]).code, 2);
    assert_eq!(check(dir.path(), &["modules/shell.nix", "modules"]).code, 2);
}

#[test]
fn suppression_comments_work_from_the_command_line() {
    let dir = repo();
    fs::write(
        dir.path().join("modules/shell.nix"),
        "{\n  flake.modules.homemanager.shell = { }; # canopy: ignore[unknown-class]\n  x = 1; # canopy: ignore[undefined-aspect]\n}\n",
    )
    .expect("write");
    let run = check(dir.path(), &[]);
    assert_eq!(
        run.reported(),
        [
            triple("modules/hosts.nix", "error", "undefined-aspect"),
            triple("modules/shell.nix", "hint", "unused-suppression")
        ]
    );
}
