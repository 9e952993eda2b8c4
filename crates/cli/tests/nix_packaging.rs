//! canopy's own Nix flake (`flake.nix` and the flake-parts modules in `nix/`), checked without
//! nixpkgs or the network:
//!
//! - every `.nix` file of the repository parses with `nix-instantiate --parse`, but the test
//!   repositories in `fixtures/` (some malformed on purpose; the Nix referee parses them all);
//! - `canopy check flake.nix nix/...` reports nothing on the flake's own files;
//! - the flake's outputs evaluate with `nix-instantiate --eval --strict` against the stand-ins in
//!   `nix_packaging/stand-in/` for nixpkgs, flake-parts and import-tree (`nix_packaging/eval.nix`
//!   calls the flake as Nix does), and say what they must: the package's name, version, lock
//!   file and source, the app, the overlay, the shell, the formatter, the checks;
//! - the check that the flake module gives another flake runs `canopy check` on that flake: its
//!   script, run as its builder runs it, passes on a clean repository and fails on a broken one.
//!
//! The real build (`nix build`, `nix flake check`) needs nixpkgs and is not run here. These tests
//! need `nix-instantiate` (Debian's nix-bin) and fail without it; the package's `checkFlags` skip
//! them in Nix's build sandbox, which has no Nix (nix/_lib/package.nix).

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::{Value, json};

const SYSTEMS: [&str; 4] = ["aarch64-darwin", "aarch64-linux", "x86_64-darwin", "x86_64-linux"];

fn repository() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().expect("the repository's folder")
}

fn nix_instantiate(args: &[&str]) -> Output {
    Command::new("nix-instantiate").args(args).output().unwrap_or_else(|err| {
        panic!("cannot run nix-instantiate ({err}): install Nix (Debian: apt-get install nix-bin; .ci/run does)")
    })
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Files below `dir` (relative to it, with `/`), in folders whose name is not in `skip`.
fn files_below(dir: &Path, skip: &[&str]) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let mut folders = vec![(dir.to_path_buf(), String::new())];
    while let Some((folder, prefix)) = folders.pop() {
        for entry in fs::read_dir(&folder).unwrap_or_else(|err| panic!("{}: {err}", folder.display())) {
            let entry = entry.expect("a folder entry");
            let name = entry.file_name().to_str().expect("a UTF-8 file name").to_owned();
            let kind = entry.file_type().expect("a file type");
            if kind.is_dir() {
                if !skip.contains(&name.as_str()) {
                    folders.push((entry.path(), format!("{prefix}{name}/")));
                }
            } else {
                found.insert(format!("{prefix}{name}"));
            }
        }
    }
    found
}

/// The version every crate inherits, read from the workspace's Cargo.toml.
fn workspace_version() -> String {
    let manifest = fs::read_to_string(repository().join("Cargo.toml")).expect("Cargo.toml");
    let manifest: toml_edit::DocumentMut = manifest.parse().expect("Cargo.toml is TOML");
    manifest["workspace"]["package"]["version"].as_str().expect("workspace.package.version").to_owned()
}

// A build's leftovers and other tools' folders, which no test reads and which may hold anything.
const NOT_SOURCE: [&str; 3] = [".git", "target", "node_modules"];

#[test]
fn nix_packaging_every_nix_file_parses() {
    let repo = repository();
    let files: Vec<String> = files_below(&repo, &NOT_SOURCE)
        .into_iter()
        .filter(|f| f.ends_with(".nix") && !f.starts_with("fixtures/"))
        .collect();
    for expected in ["flake.nix", "nix/package.nix", "nix/_lib/package.nix", "crates/cli/tests/nix_packaging/eval.nix"]
    {
        assert!(files.iter().any(|f| f == expected), "{expected} not among the files found: {files:?}");
    }
    let failures: Vec<String> = files
        .iter()
        .filter_map(|file| {
            let path = repo.join(file);
            let output = nix_instantiate(&["--parse", path.to_str().expect("a UTF-8 path")]);
            (!output.status.success()).then(|| format!("{file}: {}", text(&output.stderr)))
        })
        .collect();
    assert!(failures.is_empty(), "nix-instantiate --parse rejects:\n{}", failures.join("\n"));
}

/// The flake's own files: flake.nix and nix/.
fn flake_files() -> BTreeSet<String> {
    let nix = files_below(&repository().join("nix"), &[]);
    std::iter::once("flake.nix".to_owned()).chain(nix.into_iter().map(|f| format!("nix/{f}"))).collect()
}

/// Copies `files` (relative to the repository) into a new temporary folder.
fn copy_of(files: &BTreeSet<String>) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("a temporary folder");
    for file in files {
        let to = dir.path().join(file);
        fs::create_dir_all(to.parent().expect("a parent")).expect("create a folder");
        fs::copy(repository().join(file), &to).unwrap_or_else(|err| panic!("copy {file}: {err}"));
    }
    dir
}

#[test]
fn nix_packaging_canopy_reports_nothing_on_its_own_flake() {
    // File arguments: canopy analyses the flake around them (the repository's root, with the
    // flakes of fixtures/ beside it, which are broken on purpose) and reports on them only.
    let files = flake_files();
    let output = Command::new(env!("CARGO_BIN_EXE_canopy"))
        .args(["check", "--format", "json"])
        .args(&files)
        .current_dir(repository())
        .env_remove("CANOPY_LOG")
        .output()
        .expect("run canopy");
    let report: Value = serde_json::from_slice(&output.stdout).expect("a JSON report");
    assert_eq!(output.status.code(), Some(0), "{report:#}\n{}", text(&output.stderr));
    assert_eq!(report["diagnostics"], json!([]), "{report:#}");
    assert_eq!(report["skipped"], json!([]), "{report:#}");
    // Read as a dendritic flake, whose one aspect is the flake module: else canopy would have had
    // nothing to say about these files.
    let root = &report["flakes"][0];
    assert_eq!((&root["path"], &root["dendritic"], &root["aspects"]), (&json!(""), &json!(true), &json!(1)), "{root}");
}

/// Paths, as the filter sees them, and whether the package's source keeps them.
const SAMPLES: &[(&str, &str, bool)] = &[
    ("Cargo.toml", "regular", true),
    ("Cargo.lock", "regular", true),
    ("README.md", "regular", true),
    ("crates", "directory", true),
    ("crates/cli/src/main.rs", "regular", true),
    ("crates/analysis/fuzz", "directory", true),
    ("fixtures", "directory", true),
    ("fixtures/broken/flake.nix", "regular", true),
    ("target", "directory", false),
    ("crates/cli/target", "directory", false),
    ("crates/analysis/fuzz/target", "directory", false),
    ("node_modules", "directory", false),
    ("crates/cli/node_modules", "directory", false),
    ("result", "symlink", false),
    ("result-bin", "symlink", false),
    ("editors", "directory", false),
    ("editors/vscode/node_modules", "directory", false),
    ("docs", "directory", false),
    ("tests", "directory", false),
    ("nix", "directory", false),
    ("flake.nix", "regular", false),
    ("flake.lock", "regular", false),
    (".git", "directory", false),
    (".ci", "directory", false),
];

/// eval.nix's summary of the flake, with canopy's flake module used by a flake of each fixture.
fn evaluate(fixtures: &[&Path]) -> Value {
    let repo = repository();
    let eval = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/nix_packaging/eval.nix");
    let samples = json!(SAMPLES.iter().map(|(path, kind, _)| [path, kind]).collect::<Vec<_>>()).to_string();
    let fixtures = json!(fixtures.iter().map(|f| f.to_str().expect("a UTF-8 path")).collect::<Vec<_>>()).to_string();
    let output = nix_instantiate(&[
        "--eval",
        "--strict",
        "--json",
        eval.to_str().expect("a UTF-8 path"),
        "--argstr",
        "repo",
        repo.to_str().expect("a UTF-8 path"),
        "--argstr",
        "samples",
        &samples,
        "--argstr",
        "fixtures",
        &fixtures,
    ]);
    assert!(output.status.success(), "nix-instantiate --eval failed:\n{}", text(&output.stderr));
    serde_json::from_slice(&output.stdout).expect("JSON from nix-instantiate")
}

fn strings(value: &Value) -> Vec<&str> {
    value.as_array().expect("a list").iter().map(|v| v.as_str().expect("a string")).collect()
}

#[test]
fn nix_packaging_flake_outputs_evaluate_for_every_system() {
    let summary = evaluate(&[]);
    assert_eq!(strings(&summary["inputs"]), ["flake-parts", "import-tree", "nixpkgs"]);
    for (output, names) in [
        ("packages", &["canopy", "default"][..]),
        ("apps", &["default"]),
        ("checks", &["canopy", "package"]),
        ("devShells", &["default"]),
    ] {
        assert_eq!(strings(&summary["systems"][output]), SYSTEMS, "{output}");
        for per_system in summary["perSystem"][output].as_array().expect("a list") {
            assert_eq!(strings(per_system), names, "{output}");
        }
    }
    assert_eq!(strings(&summary["systems"]["formatter"]), SYSTEMS);
}

#[test]
fn nix_packaging_the_package_is_canopy_at_the_workspace_version() {
    let summary = evaluate(&[]);
    let package = &summary["package"];
    let version = workspace_version();
    let name = format!("canopy-{version}");
    assert_eq!(package["pname"], "canopy");
    assert_eq!(package["version"], version.as_str());
    assert_eq!(package["name"], name.as_str());
    assert_eq!(package["default"], name.as_str(), "packages.default is not canopy");
    assert_eq!(package["check"], name.as_str(), "checks.package is not canopy");
    assert_eq!(summary["overlay"]["pname"], "canopy");
    assert_eq!(summary["overlay"]["version"], version.as_str());
    let lock = repository().join("Cargo.lock");
    assert_eq!(package["lockFile"], lock.to_str().expect("a UTF-8 path"));
    assert_eq!(strings(&package["cargoBuildFlags"]), ["--package", "canopy"]);
    assert_eq!(package["nativeCheckInputs"], json!([]));

    let manifest = fs::read_to_string(repository().join("crates/cli/Cargo.toml")).expect("crates/cli/Cargo.toml");
    let manifest: toml_edit::DocumentMut = manifest.parse().expect("TOML");
    assert_eq!(package["meta"]["description"].as_str(), manifest["package"]["description"].as_str());
    assert_eq!(package["meta"]["mainProgram"], "canopy");
    assert_eq!(strings(&package["meta"]["licenses"]), ["MIT", "Apache-2.0"], "Cargo.toml: MIT OR Apache-2.0");

    assert_eq!(summary["app"]["type"], "app");
    assert_eq!(summary["app"]["program"], format!("/stand-in/{name}/bin/canopy").as_str());
    let shell = strings(&summary["devShell"]);
    for tool in ["cargo", "rustc", "rustfmt", "clippy", "nix", "nodejs"] {
        assert!(shell.contains(&tool), "the dev shell has no {tool}: {shell:?}");
    }
    assert_eq!(summary["formatter"]["name"], "nixfmt-tree");
    assert_eq!(summary["formatter"]["settings"]["formatter"]["nixfmt"]["excludes"], json!(["fixtures/**"]));
}

#[test]
fn nix_packaging_each_skipped_test_exists() {
    let summary = evaluate(&[]);
    let sources: String = ["crates/analysis/tests", "crates/cli/tests"]
        .iter()
        .flat_map(|dir| {
            let dir = repository().join(dir);
            files_below(&dir, &[]).into_iter().map(move |f| dir.join(f))
        })
        .filter(|f| f.extension().is_some_and(|e| e == "rs"))
        .map(|f| fs::read_to_string(f).expect("a test source"))
        .collect();
    for flag in strings(&summary["package"]["checkFlags"]) {
        let name = flag.strip_prefix("--skip=").unwrap_or_else(|| panic!("{flag} is not --skip=NAME"));
        assert!(sources.contains(&format!("fn {name}")), "{flag}: no test is named so (a stale skip)");
    }
}

#[test]
fn nix_packaging_the_source_keeps_what_the_build_reads_and_nothing_else() {
    let summary = evaluate(&[]);
    let src = &summary["package"]["src"];
    let repo = repository();
    assert_eq!(src["name"], "canopy-source");
    assert_eq!(src["root"], repo.to_str().expect("a UTF-8 path"));
    for ((path, kind, keep), kept) in SAMPLES.iter().zip(src["samples"].as_array().expect("a list")) {
        assert_eq!(kept, keep, "the source filter on {path} ({kind})");
    }
    // What cargo builds and tests read: the manifests, the crates, the tests' repositories and the
    // README (crates/cli/tests/readme.rs), without the leftovers of builds.
    let mut wanted: BTreeSet<String> = ["Cargo.toml", "Cargo.lock", "README.md"].map(String::from).into();
    for dir in ["crates", "fixtures"] {
        wanted.extend(
            files_below(&repo.join(dir), &["target", "node_modules"]).into_iter().map(|f| format!("{dir}/{f}")),
        );
    }
    let kept: BTreeSet<String> = strings(&src["kept"]).into_iter().map(String::from).collect();
    let missing: Vec<&String> = wanted.difference(&kept).collect();
    let extra: Vec<&String> = kept.difference(&wanted).collect();
    assert!(missing.is_empty() && extra.is_empty(), "the source lacks {missing:?} and has {extra:?}");
}

/// Runs a check's script as nixpkgs' runCommand does (bash with `set -eu -o pipefail`, `$src`
/// and `$out` set), with the canopy that these tests built as the package on its PATH.
fn run_check(check: &Value, src: &Path) -> (Output, bool) {
    assert_eq!(check["name"], "canopy-check");
    assert_eq!(strings(&check["nativeBuildInputs"]), [format!("canopy-{}", workspace_version())]);
    let script = check["buildCommand"].as_str().expect("a build command");
    let out = tempfile::tempdir().expect("a temporary folder");
    let canopy = Path::new(env!("CARGO_BIN_EXE_canopy")).parent().expect("canopy's folder");
    let output = Command::new("bash")
        .args(["-e", "-u", "-o", "pipefail", "-c", script])
        .env_clear()
        .env("PATH", format!("{}:/usr/bin:/bin", canopy.display()))
        .env("src", src)
        .env("out", out.path().join("out"))
        .output()
        .expect("run bash");
    let built = out.path().join("out").exists();
    (output, built)
}

#[test]
fn nix_packaging_the_flake_module_checks_a_flake_with_canopy_check() {
    let fixtures = repository().join("fixtures");
    let (clean, broken) = (fixtures.join("flake-modules"), fixtures.join("broken"));
    let summary = evaluate(&[&clean, &broken]);
    assert_eq!(summary["flakeModule"]["class"], "flake", "flakeModules.default is not a flake-parts module");
    let users = summary["flakeModule"]["users"].as_array().expect("a list");
    for (user, fixture) in users.iter().zip([&clean, &broken]) {
        assert_eq!(strings(&user["checks"]), ["canopy"]);
        // The check's source defaults to the flake's own `self`.
        assert_eq!(user["canopy"]["src"], fixture.to_str().expect("a UTF-8 path"));
    }

    let (output, built) = run_check(&users[0]["canopy"], &clean);
    assert!(output.status.success() && built, "on a clean flake: {output:?}");
    let (output, built) = run_check(&users[1]["canopy"], &broken);
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    assert!(!built, "the check of a broken flake produced its output");
    assert!(text(&output.stdout).contains("error[undefined-aspect]"), "{}", text(&output.stdout));
}

#[test]
fn nix_packaging_canopy_checks_its_own_flake_with_its_flake_module() {
    let summary = evaluate(&[]);
    let check = &summary["selfCheck"];
    let files = flake_files();
    let kept: BTreeSet<String> = strings(&check["kept"]).into_iter().map(String::from).collect();
    assert_eq!(kept, files, "the source of the self-check is the flake's files");
    // As Nix would, with the files the filter keeps in a folder of their own.
    let copy = copy_of(&files);
    let (output, built) = run_check(check, copy.path());
    assert!(output.status.success() && built, "{output:?}");
}
