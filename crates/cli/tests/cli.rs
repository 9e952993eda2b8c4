//! The `canopy` binary, run for real on small repositories written to temporary folders.
//!
//! These pin the command line's contract: exit codes, the JSON shapes, what stdout and stderr
//! carry, and which files are read. The exact diagnostics of each kind are the analysis's tests'
//! business; tests here only use the plainest ones (a syntax error, an aspect defined and used).

mod lsp_support;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use lsp_support::FLAKE;
use serde_json::Value;
use tempfile::TempDir;

/// A repository in a temporary folder.
struct Repo {
    dir: TempDir,
}

impl Repo {
    fn new() -> Repo {
        Repo::with_prefix("canopy-test-")
    }

    fn with_prefix(prefix: &str) -> Repo {
        let dir = tempfile::Builder::new().prefix(prefix).tempdir().expect("temp dir");
        let repo = Repo { dir };
        repo.file("flake.nix", FLAKE);
        repo
    }

    fn root(&self) -> &Path {
        self.dir.path()
    }

    /// The root as human and GitHub output print it when run from elsewhere: absolute, with
    /// links resolved.
    fn shown(&self) -> String {
        fs::canonicalize(self.root()).expect("canonical root").display().to_string()
    }

    fn file(&self, path: &str, contents: &str) -> &Repo {
        self.bytes(path, contents.as_bytes())
    }

    fn bytes(&self, path: &str, contents: &[u8]) -> &Repo {
        let path = self.root().join(path);
        fs::create_dir_all(path.parent().expect("a file has a parent")).expect("create folder");
        fs::write(path, contents).expect("write file");
        self
    }

    /// `canopy <args> <root>`.
    fn canopy(&self, args: &[&str]) -> Run {
        let mut command = canopy();
        command.args(args).arg(self.root());
        Run::of(command.output().expect("run canopy"))
    }
}

fn canopy() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_canopy"));
    command.env_remove("CANOPY_LOG");
    command
}

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

impl Run {
    fn of(output: Output) -> Run {
        Run {
            code: output.status.code(),
            stdout: String::from_utf8(output.stdout).expect("stdout is UTF-8"),
            stderr: String::from_utf8(output.stderr).expect("stderr is UTF-8"),
        }
    }

    fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|err| panic!("stdout is one JSON value ({err}):\n{}", self.stdout))
    }
}

const MODULES: &str = "{ inputs, ... }: { imports = [ inputs.flake-parts.flakeModules.modules ]; }\n";

const BASE: &str = "{\n  flake.modules.nixos.base = { services.openssh.enable = true; };\n}\n";

const HOST: &str = r#"{ config, inputs, ... }:
{
  flake.nixosConfigurations.gouda = inputs.nixpkgs.lib.nixosSystem {
    modules = [ config.flake.modules.nixos.base ];
  };
}
"#;

/// A small, correct repository: one aspect, one host using it.
fn clean_repo() -> Repo {
    let repo = Repo::new();
    repo.file("modules/flake-parts.nix", MODULES).file("modules/base.nix", BASE).file("modules/hosts/gouda.nix", HOST);
    repo
}

#[test]
fn a_missing_path_exits_2_with_a_one_line_reason() {
    let run = canopy().args(["check", "/nonexistent/canopy/repository"]).output().expect("run canopy");
    let run = Run::of(run);
    assert_eq!(run.code, Some(2));
    assert_eq!(run.stdout, "");
    assert_eq!(run.stderr, "canopy: cannot analyse `/nonexistent/canopy/repository`: No such file or directory\n");
}

#[test]
fn a_file_as_path_exits_2() {
    let repo = Repo::new();
    let run = Run::of(canopy().arg("aspects").arg(repo.root().join("flake.nix")).output().expect("run canopy"));
    assert_eq!(run.code, Some(2));
    assert_eq!(run.stdout, "");
    assert!(run.stderr.contains("not a folder"), "{}", run.stderr);
    assert_eq!(run.stderr.lines().count(), 1);
}

#[test]
fn bad_arguments_exit_2() {
    let repo = Repo::new();
    for args in [&["check", "--format", "xml"][..], &["check", "--frobnicate"], &["aspects", "--format", "github"]] {
        let run = repo.canopy(args);
        assert_eq!(run.code, Some(2), "{args:?}");
        assert_eq!(run.stdout, "", "{args:?}");
        assert!(!run.stderr.is_empty(), "{args:?}");
    }
    for args in [&[][..], &["frobnicate"], &["check", "a", "b"]] {
        let run = Run::of(canopy().args(args).output().expect("run canopy"));
        assert_eq!(run.code, Some(2), "{args:?}");
    }
}

#[test]
fn help_and_version_exit_0_on_stdout() {
    let help = Run::of(canopy().args(["check", "--help"]).output().expect("run canopy"));
    assert_eq!(help.code, Some(0));
    assert!(help.stdout.contains("--format"));
    assert!(help.stdout.contains("UTF-16"), "the help says how columns are counted");
    let version = Run::of(canopy().arg("--version").output().expect("run canopy"));
    assert_eq!(version.code, Some(0));
    assert!(version.stdout.starts_with("canopy "));
}

#[test]
fn a_clean_repository_exits_0_with_a_summary() {
    let repo = clean_repo();
    let run = repo.canopy(&["check"]);
    assert_eq!(run.code, Some(0), "{}{}", run.stdout, run.stderr);
    assert_eq!(run.stdout, "0 errors, 0 warnings, 0 hints in 4 files\n");
    assert_eq!(run.stderr, "");
}

#[test]
fn check_json_follows_the_contract() {
    let repo = clean_repo();
    repo.file("modules/broken.nix", "{ flake.modules.nixos.x = {\n");
    let run = repo.canopy(&["check", "--format", "json"]);
    assert_eq!(run.code, Some(1), "a syntax error is an error:\n{}", run.stdout);
    let value = run.json();
    let object = value.as_object().expect("an object");
    for key in ["root", "files", "aspects", "diagnostics"] {
        assert!(object.contains_key(key), "missing `{key}`");
    }
    let root = fs::canonicalize(repo.root()).expect("canonical root");
    assert_eq!(value["root"], root.to_str().expect("UTF-8 temp path"));
    assert_eq!(value["files"], 5);
    assert!(value["aspects"].as_u64().is_some_and(|n| n >= 1));
    let diagnostics = value["diagnostics"].as_array().expect("an array");
    assert!(!diagnostics.is_empty());
    for d in diagnostics {
        assert_diagnostic_shape(d);
    }
    assert!(
        diagnostics.iter().any(|d| d["path"] == "modules/broken.nix" && d["code"] == "syntax-error"),
        "{diagnostics:#?}"
    );
}

fn assert_diagnostic_shape(d: &Value) {
    let keys: Vec<&str> = d.as_object().expect("an object").keys().map(String::as_str).collect();
    assert_eq!(keys, ["code", "message", "path", "range", "severity"]);
    let path = d["path"].as_str().expect("a string");
    assert!(!path.starts_with('/') && !path.contains('\\'), "{path}");
    for end in ["start", "end"] {
        assert!(d["range"][end]["line"].as_u64().is_some(), "{d}");
        assert!(d["range"][end]["character"].as_u64().is_some(), "{d}");
    }
    let severity = d["severity"].as_str().expect("a string");
    assert!(["error", "warning", "information", "hint"].contains(&severity), "{severity}");
    assert!(d["code"].as_str().is_some_and(|c| !c.is_empty()));
    assert!(d["message"].as_str().is_some_and(|m| !m.is_empty()));
}

/// The three formats print the same diagnostics at the same places, and agree on the exit code.
#[test]
fn the_formats_agree() {
    let repo = clean_repo();
    repo.file("modules/broken.nix", "{\n  a = ;\n  b = 🌲 c;\n}\n")
        .file("modules/unknown.nix", "{ flake.modules.nixos.y = { x = undefinedName; }; }\n");
    let json = repo.canopy(&["check", "--format", "json"]);
    let human = repo.canopy(&["check"]);
    let github = repo.canopy(&["check", "--format", "github"]);
    assert_eq!(json.code, human.code);
    assert_eq!(json.code, github.code);

    let value = json.json();
    let diagnostics = value["diagnostics"].as_array().expect("an array");
    let has_error = diagnostics.iter().any(|d| d["severity"] == "error");
    assert_eq!(json.code, Some(if has_error { 1 } else { 0 }));

    let prefix = format!("{}/", repo.shown());
    let human_lines: Vec<&str> = human.stdout.lines().take_while(|line| !line.is_empty()).collect();
    let github_lines: Vec<&str> = github.stdout.lines().collect();
    assert_eq!(human_lines.len(), diagnostics.len(), "{}", human.stdout);
    assert_eq!(github_lines.len(), diagnostics.len(), "{}", github.stdout);
    for ((d, human), github) in diagnostics.iter().zip(human_lines).zip(github_lines) {
        let (path, line, col) =
            (str_of(&d["path"]), n(&d["range"]["start"]["line"]), n(&d["range"]["start"]["character"]));
        let expected = format!(
            "{prefix}{path}:{}:{}: {}[{}]: {}",
            line + 1,
            col + 1,
            str_of(&d["severity"]),
            str_of(&d["code"]),
            str_of(&d["message"])
        );
        assert_eq!(human, expected);
        let location = format!(
            "file={prefix}{path},line={},col={},endLine={},endColumn={},title=canopy({})::",
            line + 1,
            col + 1,
            n(&d["range"]["end"]["line"]) + 1,
            n(&d["range"]["end"]["character"]) + 1,
            str_of(&d["code"])
        );
        assert!(github.contains(&location), "{github}\n{location}");
    }
}

fn str_of(value: &Value) -> &str {
    value.as_str().expect("a string")
}

fn n(value: &Value) -> u64 {
    value.as_u64().expect("a number")
}

#[test]
fn paths_with_spaces_brackets_commas_and_non_ascii() {
    let repo = Repo::with_prefix("canopy test [ç 🌲] ");
    repo.file("modules/flake-parts.nix", MODULES).file("modules/host [gouda]/ça va, 🌲.nix", "{ a = ; }\n");
    let json = repo.canopy(&["check", "--format", "json"]);
    let value = json.json();
    assert_eq!(value["files"], 3);
    let d = &value["diagnostics"][0];
    assert_eq!(d["path"], "modules/host [gouda]/ça va, 🌲.nix");
    assert_eq!(d["code"], "syntax-error");

    let human = repo.canopy(&["check"]);
    let expected = format!("{}/modules/host [gouda]/ça va, 🌲.nix:1:", repo.shown());
    assert!(human.stdout.starts_with(&expected), "{}", human.stdout);

    // In a workflow command's properties, `,` and `:` would end the property: they are escaped.
    let github = repo.canopy(&["check", "--format", "github"]);
    let file = format!("file={}/modules/host [gouda]/ça va%2C 🌲.nix,line=1,", repo.shown());
    assert!(github.stdout.starts_with("::error "), "{}", github.stdout);
    assert!(github.stdout.contains(&file), "{}\n{file}", github.stdout);
    assert!(github.stdout.contains(",title=canopy(syntax-error)::"), "{}", github.stdout);
}

#[test]
fn a_file_that_is_not_utf8_is_read_and_reported() {
    let repo = clean_repo();
    repo.bytes("modules/latin1.nix", b"{\n  # caf\xe9\n  flake.modules.nixos.base = { };\n}\n");
    let run = repo.canopy(&["check", "--format", "json"]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let value = run.json();
    assert_eq!(value["files"], 5);
    assert_eq!(value["skipped"], serde_json::json!([]));
    assert_eq!(
        run.stderr,
        format!(
            "canopy: read {}/modules/latin1.nix anyway: not valid UTF-8: read with 1 byte as U+001A, the first on line 2\n",
            repo.shown()
        )
    );

    let human = repo.canopy(&["check"]);
    assert_eq!(human.code, Some(0));
    assert_eq!(human.stdout, "0 errors, 0 warnings, 0 hints in 5 files\n");
}

#[cfg(unix)]
#[test]
fn symbolic_links_are_not_followed() {
    let store = tempfile::tempdir().expect("temp dir");
    fs::write(store.path().join("broken.nix"), "{ a = ; }").expect("write file");
    let repo = clean_repo();
    std::os::unix::fs::symlink(store.path(), repo.root().join("result")).expect("symlink");
    std::os::unix::fs::symlink(store.path(), repo.root().join("modules/result-2")).expect("symlink");
    let run = repo.canopy(&["check", "--format", "json"]);
    assert_eq!(run.code, Some(0), "{}", run.stdout);
    assert_eq!(run.json()["files"], 4);
    assert_eq!(run.stderr, "");
}

#[test]
fn hidden_folders_are_read_and_tool_folders_are_not() {
    let repo = clean_repo();
    repo.file("modules/.hidden/extra.nix", "{ }\n")
        .file(".git/info/x.nix", "{ a = ; }")
        .file("node_modules/pkg/x.nix", "{ a = ; }")
        .file(".direnv/flake-inputs/x.nix", "{ a = ; }")
        .file(".gitignore", "modules/.hidden/\n");
    let run = repo.canopy(&["check", "--format", "json"]);
    assert_eq!(run.code, Some(0), "{}", run.stdout);
    assert_eq!(run.json()["files"], 5);
}

#[test]
fn the_default_path_is_the_current_folder() {
    let repo = clean_repo();
    let run =
        Run::of(canopy().args(["check", "--format", "json"]).current_dir(repo.root()).output().expect("run canopy"));
    assert_eq!(run.code, Some(0));
    let root = fs::canonicalize(repo.root()).expect("canonical root");
    assert_eq!(PathBuf::from(str_of(&run.json()["root"])), root);

    // Human paths start from the current folder: no prefix at all here.
    repo.file("modules/broken.nix", "{ a = ; }");
    let run = Run::of(canopy().arg("check").current_dir(repo.root()).output().expect("run canopy"));
    assert!(run.stdout.starts_with("modules/broken.nix:1:"), "{}", run.stdout);
}

#[test]
fn deep_nesting_does_not_overflow_the_stack() {
    let repo = clean_repo();
    // Deep, but below the depth where Nix's own parser gives up ("memory exhausted").
    let depth = 3_000;
    let lists = format!("{{ x = {}{}; }}\n", "[".repeat(depth), "]".repeat(depth));
    let sets = format!("{{ x = {}1{}; }}\n", "{ a = ".repeat(depth), "; }".repeat(depth));
    repo.file("modules/lists.nix", &lists).file("modules/sets.nix", &sets);
    let run = repo.canopy(&["check", "--format", "json"]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert_eq!(run.json()["files"], 6);
}

#[test]
fn aspects_json_follows_the_contract() {
    let repo = clean_repo();
    let run = repo.canopy(&["aspects", "--format", "json"]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let value = run.json();
    let keys: Vec<&str> = value.as_object().expect("an object").keys().map(String::as_str).collect();
    assert_eq!(keys, ["aspects", "hosts"]);
    let aspects = value["aspects"].as_array().expect("an array");
    let base = aspects
        .iter()
        .find(|a| a["collection"] == "flake.modules" && a["class"] == "nixos" && a["name"] == "base")
        .unwrap_or_else(|| panic!("`base` is in the roster: {aspects:#?}"));
    for key in ["classes", "definitions", "references", "includes", "included_by", "hosts"] {
        assert!(base[key].is_array(), "`{key}` is an array: {base}");
    }
    // The range covers the name: `base` on line 2, after `  flake.modules.nixos.`.
    assert_eq!(
        base["definitions"],
        serde_json::json!([{ "path": "modules/base.nix", "range": {
            "start": { "line": 1, "character": 22 }, "end": { "line": 1, "character": 26 } } }])
    );
    assert_eq!(base["references"][0]["path"], "modules/hosts/gouda.nix");
    assert!(value["hosts"].as_array().expect("an array").iter().any(|h| h["name"] == "gouda"));
}

#[test]
fn aspects_human_lists_one_line_per_aspect() {
    let repo = clean_repo();
    let run = repo.canopy(&["aspects"]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(
        run.stdout.lines().any(|line| line.starts_with("flake.modules.nixos.base ") && line.contains("1 definition")),
        "{}",
        run.stdout
    );
    assert!(run.stdout.ends_with(" in 4 files\n"), "{}", run.stdout);
}

#[test]
fn stderr_has_no_progress_line_when_it_is_not_a_terminal() {
    let repo = clean_repo();
    for i in 0..200 {
        repo.file(&format!("modules/many/m{i}.nix"), "{ }\n");
    }
    let run = repo.canopy(&["check", "--format", "json"]);
    assert_eq!(run.code, Some(0));
    assert_eq!(run.stderr, "");
    assert_eq!(run.json()["files"], 204);
}
