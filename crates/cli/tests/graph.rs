//! `canopy graph`: its DOT output read by Graphviz itself on every fixture and on names that
//! could break the syntax, its exit codes, and what a focus keeps. (The JSON of each fixture is
//! held exactly by `fixtures.rs`; Mermaid and the HTML page are checked by `tests/graph` with
//! Mermaid's own parser and in Chromium.)

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::Value;

fn fixtures() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures");
    let mut dirs: Vec<PathBuf> =
        fs::read_dir(root).expect("fixtures").map(|e| e.expect("entry").path()).filter(|p| p.is_dir()).collect();
    dirs.sort();
    dirs
}

fn graph(dir: &Path, args: &[&str]) -> (String, String, i32) {
    let out = Command::new(env!("CARGO_BIN_EXE_canopy")).arg("graph").args(args).arg(dir).output().expect("run canopy");
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        out.status.code().unwrap_or(-1),
    )
}

/// Runs Graphviz's `dot` on `text`; a missing `dot` fails the test with what to install.
fn graphviz(text: &str) -> Result<(), String> {
    let mut child = Command::new("dot")
        .arg("-Tsvg")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|err| panic!("cannot run Graphviz's `dot` ({err}): install Debian's graphviz (.ci/run does)"));
    child.stdin.take().expect("stdin").write_all(text.as_bytes()).expect("write to dot");
    let out = child.wait_with_output().expect("dot ran");
    let stderr = String::from_utf8_lossy(&out.stderr);
    // `dot` warns on stderr for syntax it only tolerates: that is a failure too.
    if out.status.success() && stderr.trim().is_empty() { Ok(()) } else { Err(stderr.into_owned()) }
}

#[test]
fn dot_output_is_read_by_graphviz_for_every_fixture() {
    for dir in fixtures() {
        let (dot, _, code) = graph(&dir, &["--format", "dot"]);
        assert_eq!(code, 0, "{}", dir.display());
        assert!(dot.starts_with("digraph aspects {"), "{}", dir.display());
        if let Err(err) = graphviz(&dot) {
            panic!("{}: dot rejects the output: {err}\n{dot}", dir.display());
        }
    }
    // The check itself: dot rejects a broken graph.
    assert!(graphviz("digraph { a -> }").is_err());
}

#[test]
fn hostile_names_stay_inside_their_quotes() {
    let dir = tempfile::tempdir().expect("temp dir");
    let write = |path: &str, text: &str| {
        let path = dir.path().join(path);
        fs::create_dir_all(path.parent().expect("parent")).expect("folder");
        fs::write(path, text).expect("write");
    };
    write(
        "flake.nix",
        "{ outputs = inputs: inputs.flake-parts.lib.mkFlake { inherit inputs; } (inputs.import-tree ./modules); }\n",
    );
    write(
        "modules/odd.nix",
        r#"{ config, ... }: {
  flake.modules.nixos."a\"b\\c".imports = [ config.flake.modules.nixos."x -> y; }" ];
  flake.modules.nixos."<script>#1`".imports = [ config.flake.modules.nixos."a\"b\\c" ];
  configurations.nixos."h\"]]".module.imports = [ config.flake.modules.nixos."<script>#1`" ];
}
"#,
    );
    let (dot, _, code) = graph(dir.path(), &["--format", "dot"]);
    assert_eq!(code, 0);
    graphviz(&dot).unwrap_or_else(|err| panic!("dot rejects it: {err}\n{dot}"));
    let (json, _, _) = graph(dir.path(), &["--format", "json"]);
    let json: Value = serde_json::from_str(&json).expect("JSON");
    let names: Vec<&str> = json["nodes"].as_array().expect("nodes").iter().filter_map(|n| n["name"].as_str()).collect();
    assert_eq!(names, ["h\"]]", "<script>#1`", "a\"b\\c", "x -> y; }"]);
    let (html, _, _) = graph(dir.path(), &["--format", "html"]);
    // Inside the page's data only `</` could end the script early: it is always written `<\/`.
    assert_eq!(html.matches("</script>").count(), 2, "the data and the script, each closed once");
    assert!(html.contains("<script>#1`"), "the name is there, as data");
}

#[test]
fn a_focus_that_names_nothing_exits_2() {
    let dir = fixtures().into_iter().find(|d| d.ends_with("flake-modules")).expect("the fixture");
    let (out, err, code) = graph(&dir, &["--host", "cheddar"]);
    assert_eq!((out.as_str(), code), ("", 2));
    assert_eq!(err, "canopy: no host named `cheddar`\n");
    let (_, _, code) = graph(&dir, &["--aspect", "nope"]);
    assert_eq!(code, 2);
}

#[test]
fn a_host_keeps_what_it_gets_and_depth_cuts_it() {
    let dir = fixtures().into_iter().find(|d| d.ends_with("flake-modules")).expect("the fixture");
    let ids = |args: &[&str]| -> Vec<String> {
        let (json, _, code) = graph(&dir, &[&["--format", "json"], args].concat());
        assert_eq!(code, 0);
        let json: Value = serde_json::from_str(&json).expect("JSON");
        json["nodes"].as_array().expect("nodes").iter().map(|n| n["id"].as_str().expect("id").to_owned()).collect()
    };
    let all = ids(&[]);
    let gouda = ids(&["--host", "gouda"]);
    let near = ids(&["--host", "gouda", "--depth", "1"]);
    assert!(near.len() < gouda.len() && gouda.len() <= all.len(), "{near:?} {gouda:?} {all:?}");
    assert_eq!(near.len(), 2, "the host and the one aspect it imports: {near:?}");
    let nixos = ids(&["--class", "homeManager"]);
    assert!(nixos.iter().all(|id| id.contains("homeManager")), "{nixos:?}");
}
