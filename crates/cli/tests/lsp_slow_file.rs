//! `canopy lsp` and a file that takes seconds to analyse: the analysis of one file never holds
//! the main loop nor the requests on other files. While a module of five megabytes is read, a hover
//! on another file is answered at once from the last applied state, and an edit to that other file
//! is applied and its diagnostics published; the big file's own diagnostics come after, when its
//! analysis ends; a rename, which edits other files, waits for it. The same holds while a folder holding such a file is indexed: another folder
//! is served meanwhile.

mod lsp_support;

use std::fs;
use std::path::Path;
use std::thread;
use std::time::{Duration, Instant};

use lsp_support::{ClientOptions, FLAKE, Lsp, codes, file_uri, position_of};
use serde_json::json;

/// The longest a hover on another file may take while the big file is analysed.
const HOVER_WITHIN: Duration = Duration::from_millis(100);

/// The least time the big file's preparation must take for this test to mean anything: a debug
/// build took about four seconds for two megabytes on the first machines, one second by
/// 2026-12: the module is five megabytes, so that the preparation stays well above this.
const SLOW: Duration = Duration::from_millis(1000);

const GOUDA: &str = "{ config, inputs, ... }:\n{\n  flake.nixosConfigurations.gouda = inputs.nixpkgs.lib.nixosSystem \
                     {\n    modules = with config.flake.modules.nixos; [ ssh ];\n  };\n}\n";

fn write(root: &Path, path: &str, text: &str) {
    let path = root.join(path);
    fs::create_dir_all(path.parent().expect("parent")).expect("create folder");
    fs::write(path, text).expect("write file");
}

/// A NixOS module of 150,000 settings (about 5 MB) under one aspect, which imports the undefined
/// aspect `nope` on its fourth line.
fn big_module() -> String {
    let mut text = String::from(
        "{ config, ... }:\n{\n  flake.modules.nixos.big = { pkgs, ... }: {\n    imports = [ config.flake.modules.nixos.nope ];\n",
    );
    for i in 0..150_000 {
        text.push_str(&format!("    services.s{i}.enable = true;\n"));
    }
    text.push_str("  };\n}\n");
    text
}

/// How long the server says it took to prepare the change that held `path`, from its log.
fn preparation_of(lsp: &Lsp, path: &str) -> Duration {
    let needle = format!("the first Some(\"{path}\")");
    let stderr = lsp.stderr();
    let line = stderr.lines().find(|line| line.contains(&needle)).unwrap_or_else(|| lsp.fail("no preparation logged"));
    let ms = line.split(" in ").nth(1).and_then(|rest| rest.split(" ms").next()).and_then(|ms| ms.parse().ok());
    Duration::from_millis(ms.unwrap_or_else(|| lsp.fail(&format!("no time in `{line}`"))))
}

/// A repository with the aspect `ssh` and the host `gouda` importing it, plus whatever `more`
/// adds; returns the path of `gouda.nix`.
fn repository(root: &Path, more: &[(&str, &str)]) -> std::path::PathBuf {
    write(root, "flake.nix", FLAKE);
    write(root, "modules/ssh.nix", "{\n  flake.modules.nixos.ssh = { services.openssh.enable = true; };\n}\n");
    write(root, "modules/hosts/gouda.nix", GOUDA);
    for (path, text) in more {
        write(root, path, text);
    }
    root.join("modules/hosts/gouda.nix")
}

/// Asserts that a hover on `ssh` in `gouda.nix` names the aspect, and returns how long it took.
fn hover_on_ssh(lsp: &mut Lsp, gouda: &Path) -> Duration {
    let at = position_of(GOUDA, "ssh ]", 0, 1, false);
    let asked = Instant::now();
    let hover = lsp.result("textDocument/hover", json!({ "textDocument": { "uri": file_uri(gouda) }, "position": at }));
    let took = asked.elapsed();
    let value = hover["contents"]["value"].as_str().unwrap_or_default();
    assert!(value.contains("ssh") && value.contains("`nixos`"), "{hover}");
    took
}

#[test]
fn a_file_that_takes_seconds_to_analyse_holds_no_request_on_another_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    let root = dir.path().join("repo");
    let gouda = repository(&root, &[]);
    let mut lsp = Lsp::start(ClientOptions::folder(&root));
    let gouda_uri = file_uri(&gouda);
    lsp.open(&gouda);
    lsp.wait_for_diagnostics(&gouda, "gouda.nix's diagnostics on opening", <[_]>::is_empty);

    // A new module, not on disk yet, as an editor opens an unsaved buffer.
    let big = root.join("modules/big.nix");
    let opened = Instant::now();
    lsp.open_text(&file_uri(&big), &big_module());
    // Well into its analysis, and past the grace a request gives other files' changes.
    thread::sleep(Duration::from_millis(300));

    let hover_took = hover_on_ssh(&mut lsp, &gouda);
    assert!(hover_took < HOVER_WITHIN, "the hover took {hover_took:?}");
    assert!(!lsp.diagnostics.contains_key(&big), "the big file was analysed before the hover: it is not slow");

    // An edit to the other file is applied and published meanwhile: `sshh` is undefined.
    let after_ssh = position_of(GOUDA, "ssh ]", 0, 3, false);
    let changed = Instant::now();
    lsp.change(&gouda_uri, 2, after_ssh.clone(), after_ssh, "h");
    let found = lsp.wait_for_diagnostics(&gouda, "`sshh` undefined in gouda.nix", |d| !d.is_empty());
    let change_took = changed.elapsed();
    assert_eq!(codes(&found), ["undefined-aspect"], "{found:?}");
    assert!(!lsp.diagnostics.contains_key(&big), "the big file was analysed before the edit: it is not slow");

    // A rename edits other files and gives their versions: it waits for the big file.
    let ssh = root.join("modules/ssh.nix");
    let at = position_of(&fs::read_to_string(&ssh).expect("read ssh.nix"), "ssh =", 0, 1, false);
    let params = json!({ "textDocument": { "uri": file_uri(&ssh) }, "position": at, "newName": "openssh" });
    let edit = lsp.result("textDocument/rename", params);
    let renamed = opened.elapsed();
    assert_eq!(edit["documentChanges"][0]["textDocument"]["uri"], file_uri(&ssh), "{edit}");

    // The big file's own diagnostics come last, once it is read.
    let found = lsp.wait_for_diagnostics(&big, "the big file's diagnostics", |d| !d.is_empty());
    let big_took = opened.elapsed();
    assert_eq!(codes(&found), ["undefined-aspect"], "{found:?}");
    let prepared = preparation_of(&lsp, "modules/big.nix");
    assert!(prepared >= SLOW, "the big file took {prepared:?} to prepare: too fast to show anything");
    assert!(renamed >= prepared, "the rename was answered {renamed:?} after the open, before the big file was read");
    eprintln!(
        "hover {hover_took:?}; gouda.nix's edit published in {change_took:?}; big.nix prepared in {prepared:?}, \
         the rename answered {renamed:?} and its diagnostics {big_took:?} after it was opened"
    );
    assert!(lsp.shutdown().success());
}

/// Two folders, one holding the big module on disk: while it is indexed (its one chunk read and
/// prepared by its indexer), the other folder's document opens and answers a hover at once.
#[test]
fn a_folder_indexing_a_slow_file_holds_no_request_on_another_folder() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (small, large) = (dir.path().join("small"), dir.path().join("large"));
    let gouda = repository(&small, &[]);
    let big = big_module();
    repository(&large, &[("modules/big.nix", &big)]);
    let mut options = ClientOptions::folder(&small);
    options.folders.push(large.clone());
    let started = Instant::now();
    let mut lsp = Lsp::spawn(options);
    lsp.initialize();
    let token = |lsp: &mut Lsp, name: &str| {
        let begin = lsp.wait_for("an indexing to begin", |m| {
            m["method"] == "$/progress"
                && m["params"]["value"]["title"].as_str().is_some_and(|t| t.ends_with(&format!(" {name}")))
        });
        begin["params"]["token"].clone()
    };
    let small_token = token(&mut lsp, "small");
    let large_token = token(&mut lsp, "large");
    let ended = |token: &serde_json::Value| {
        let token = token.clone();
        move |m: &serde_json::Value| {
            m["method"] == "$/progress" && m["params"]["token"] == token && m["params"]["value"]["kind"] == "end"
        }
    };
    lsp.wait_for("the small folder's indexing to end", ended(&small_token));
    // The large folder's files are read by now, and their analysis under way.
    thread::sleep(Duration::from_millis(300));

    let opened = Instant::now();
    lsp.open(&gouda);
    let hover_took = hover_on_ssh(&mut lsp, &gouda);
    let answered = opened.elapsed();
    assert!(answered < HOVER_WITHIN, "the document opened and answered in {answered:?} (the hover {hover_took:?})");
    let large_ended = lsp.received("$/progress").iter().any(ended(&large_token));
    assert!(!large_ended, "the large folder was indexed before the hover: its file is not slow");

    let found =
        lsp.wait_for_diagnostics(&large.join("modules/big.nix"), "the big file's diagnostics", |d| !d.is_empty());
    assert_eq!(codes(&found), ["undefined-aspect"], "{found:?}");
    let indexed = started.elapsed();
    assert!(indexed >= SLOW, "the large folder was indexed in {indexed:?}: too fast to show anything");
    eprintln!("opened and hovered in {answered:?} while the large folder indexed; it took {indexed:?}");
    assert!(lsp.shutdown().success());
}
