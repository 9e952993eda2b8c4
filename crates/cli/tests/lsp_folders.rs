//! `canopy lsp` and folders changed outside the editor: moved in, moved out, renamed, a file
//! replaced by a folder and back, the root deleted. Each is signalled as VS Code signals it, with
//! one `workspace/didChangeWatchedFiles` event for the folder (VS Code does not list what a folder
//! holds), and each must end where `canopy check` on the disk is: the same diagnostics, and
//! definitions where `canopy aspects` says they are.

#![cfg(target_os = "linux")]

mod lsp_support;

use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::process::Command;

use lsp_support::{ClientOptions, FLAKE, Lsp, codes, file_uri, position_of, uri_path};
use serde_json::{Value, json};

const CREATED: u8 = 1;
const CHANGED: u8 = 2;
const DELETED: u8 = 3;

fn write(root: &Path, path: &str, text: &str) {
    let path = root.join(path);
    fs::create_dir_all(path.parent().expect("parent")).expect("create folder");
    fs::write(path, text).expect("write file");
}

fn aspect(name: &str) -> String {
    format!("{{\n  flake.modules.nixos.{name} = {{ networking.domain = \"{name}.example\"; }};\n}}\n")
}

/// A repository whose host imports `ssh`, `desktop`, `fonts`, `agent` and `secret`; `features`
/// says where the folder of modules defining the first three goes (`None`: nowhere yet).
fn repository(root: &Path, features: Option<&Path>) {
    write(root, "flake.nix", FLAKE);
    write(
        root,
        "modules/hosts/gouda.nix",
        "{ config, inputs, ... }:\n{\n  flake.nixosConfigurations.gouda = inputs.nixpkgs.lib.nixosSystem {\n    \
         modules = with config.flake.modules.nixos; [ ssh desktop fonts agent secret ];\n  };\n}\n",
    );
    let Some(features) = features else { return };
    write(features, "ssh.nix", &aspect("ssh"));
    write(features, "desktop/desktop.nix", &aspect("desktop"));
    write(features, "desktop/fonts.nix", &aspect("fonts"));
    // Never read, by the rules of `canopy-vfs`: `secret` stays undefined.
    write(features, "node_modules/secret.nix", &aspect("secret"));
    write(features, "notes.md", "# features\n");
}

/// [`repository`] at `repo` in a fresh folder, its folder of modules at `features` in that folder
/// (inside the repository or out), and a server on it, agreeing with `canopy check` once indexed.
fn start(features: Option<&str>) -> (tempfile::TempDir, PathBuf, Lsp) {
    let dir = tempfile::tempdir().expect("temp dir");
    let root = dir.path().join("repo");
    repository(&root, features.map(|f| dir.path().join(f)).as_deref());
    let mut lsp = Lsp::start(ClientOptions::folder(&root));
    assert_matches_check(&mut lsp, &root);
    (dir, root, lsp)
}

fn event(path: &Path, kind: u8) -> Value {
    json!({ "uri": file_uri(path), "type": kind })
}

fn changed(lsp: &mut Lsp, events: Vec<Value>) {
    lsp.notify("workspace/didChangeWatchedFiles", json!({ "changes": events }));
}

/// What `canopy <command> --format json` prints for `root` (it exits with 1 on errors).
fn canopy_json(command: &str, root: &Path) -> Value {
    let output = Command::new(env!("CARGO_BIN_EXE_canopy"))
        .args([command, "--format", "json"])
        .arg(root)
        .env_remove("CANOPY_LOG")
        .output()
        .expect("run canopy");
    serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|err| panic!("canopy {command}: {err}\n{}", String::from_utf8_lossy(&output.stderr)))
}

fn severity(name: &str) -> u64 {
    match name {
        "error" => 1,
        "warning" => 2,
        "information" => 3,
        "hint" => 4,
        other => panic!("severity {other}"),
    }
}

/// A diagnostic as both sides can say it.
fn diagnostic(code: &Value, severity: u64, range: &Value, message: &Value) -> Value {
    json!({ "code": code, "severity": severity, "range": range, "message": message })
}

/// `canopy check`'s diagnostics by workspace path.
fn checked(root: &Path) -> BTreeMap<String, Vec<Value>> {
    let mut out: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    for d in canopy_json("check", root)["diagnostics"].as_array().expect("diagnostics") {
        let found =
            diagnostic(&d["code"], severity(d["severity"].as_str().expect("severity")), &d["range"], &d["message"]);
        out.entry(d["path"].as_str().expect("path").to_owned()).or_default().push(found);
    }
    out
}

/// The diagnostics the server last published for the files below `root`, by workspace path.
fn published(lsp: &Lsp, root: &Path) -> BTreeMap<String, Vec<Value>> {
    let mut out = BTreeMap::new();
    for (path, list) in &lsp.diagnostics {
        let Ok(relative) = path.strip_prefix(root) else { continue };
        if list.is_empty() {
            continue;
        }
        let list = list
            .iter()
            .map(|d| diagnostic(&d["code"], d["severity"].as_u64().expect("severity"), &d["range"], &d["message"]));
        out.insert(relative.to_str().expect("UTF-8").to_owned(), list.collect());
    }
    out
}

/// Where the server says an aspect is defined, asked at a reference: `(path, range)` pairs.
fn definitions_at(lsp: &mut Lsp, root: &Path, path: &str, position: &Value) -> Vec<(String, Value)> {
    let params = json!({ "textDocument": { "uri": file_uri(&root.join(path)) }, "position": position });
    let links = lsp.result("textDocument/definition", params);
    let mut found: Vec<(String, Value)> = links
        .as_array()
        .map(|links| {
            links
                .iter()
                .map(|link| {
                    let target = uri_path(link["targetUri"].as_str().expect("target"));
                    let relative = target.strip_prefix(root).unwrap_or(&target).to_str().expect("UTF-8").to_owned();
                    (relative, link["targetSelectionRange"].clone())
                })
                .collect()
        })
        .unwrap_or_default();
    found.sort_by_key(|(path, range)| (path.clone(), range.to_string()));
    found
}

/// The server agrees with `canopy aspects` on where each referenced aspect is defined, and its
/// published diagnostics settle on `canopy check`'s.
fn assert_matches_check(lsp: &mut Lsp, root: &Path) {
    // Definitions first: a request sees every event sent before it applied.
    for aspect in canopy_json("aspects", root)["aspects"].as_array().expect("aspects") {
        let Some(reference) = aspect["references"].get(0) else { continue };
        let path = reference["path"].as_str().expect("path");
        let found = definitions_at(lsp, root, path, &reference["range"]["start"]);
        let mut expected: Vec<(String, Value)> = aspect["definitions"]
            .as_array()
            .expect("definitions")
            .iter()
            .map(|d| (d["path"].as_str().expect("path").to_owned(), d["range"].clone()))
            .collect();
        expected.sort_by_key(|(path, range)| (path.clone(), range.to_string()));
        assert_eq!(found, expected, "the definitions of {} from {path}", aspect["name"]);
    }
    settle(lsp, root, &checked(root));
}

/// Waits until the diagnostics published for the files below `root` are `expected`.
fn settle(lsp: &mut Lsp, root: &Path, expected: &BTreeMap<String, Vec<Value>>) {
    loop {
        let now = published(lsp, root);
        if now == *expected {
            return;
        }
        let what =
            format!("the published diagnostics to be canopy check's\nexpected: {expected:#?}\npublished: {now:#?}");
        lsp.wait_for(&what, |m| m["method"] == "textDocument/publishDiagnostics");
    }
}

/// The names the host's `undefined-aspect` diagnostics name, as published.
fn undefined(lsp: &Lsp, root: &Path) -> Vec<String> {
    let host = lsp.diagnostics.get(&root.join("modules/hosts/gouda.nix")).cloned().unwrap_or_default();
    let mut names: Vec<String> = host
        .iter()
        .filter(|d| d["code"] == "undefined-aspect")
        .filter_map(|d| d["message"].as_str()?.split('`').nth(1).map(str::to_owned))
        .collect();
    names.sort();
    names
}

#[test]
fn the_server_asks_for_folder_events() {
    let (_dir, _, mut lsp) = start(None);
    let register = lsp.wait_for("client/registerCapability", |m| m["method"] == "client/registerCapability");
    let registration = &register["params"]["registrations"][0];
    assert_eq!(registration["method"], "workspace/didChangeWatchedFiles");
    // Every path, folders included, whatever its name; every kind of event (no `kind`: all).
    let watchers = &registration["registerOptions"]["watchers"];
    assert_eq!(watchers, &json!([{ "globPattern": "**/*" }]));
    assert!(lsp.shutdown().success());
}

#[test]
fn a_folder_moved_in_and_out_is_read_as_canopy_check_reads_it() {
    let (dir, root, mut lsp) = start(Some("features"));
    let outside = dir.path().join("features");
    assert_eq!(undefined(&lsp, &root), ["agent", "desktop", "fonts", "secret", "ssh"]);

    let features = root.join("modules/features");
    fs::rename(&outside, &features).expect("move in");
    changed(&mut lsp, vec![event(&features, CREATED)]);
    assert_matches_check(&mut lsp, &root);
    assert_eq!(undefined(&lsp, &root), ["agent", "secret"]);

    fs::rename(&features, &outside).expect("move out");
    changed(&mut lsp, vec![event(&features, DELETED)]);
    assert_matches_check(&mut lsp, &root);
    assert_eq!(undefined(&lsp, &root), ["agent", "desktop", "fonts", "secret", "ssh"]);
    assert!(lsp.shutdown().success());
}

#[test]
fn a_folder_renamed_takes_its_definitions_along() {
    let (_dir, root, mut lsp) = start(Some("repo/modules/features"));
    let root = root.as_path();

    // VS Code: the old folder deleted, the new one created, one event each.
    let (old, new) = (root.join("modules/features"), root.join("modules/parts"));
    fs::rename(&old, &new).expect("rename");
    changed(&mut lsp, vec![event(&old, DELETED), event(&new, CREATED)]);
    assert_matches_check(&mut lsp, root);
    assert_eq!(undefined(&lsp, root), ["agent", "secret"]);
    let host = fs::read_to_string(root.join("modules/hosts/gouda.nix")).expect("read host");
    let at = position_of(&host, "ssh", 0, 1, false);
    let found = definitions_at(&mut lsp, root, "modules/hosts/gouda.nix", &at);
    assert_eq!(found.iter().map(|(path, _)| path.as_str()).collect::<Vec<_>>(), ["modules/parts/ssh.nix"]);

    // Renamed again, within the folder.
    let (old, new) = (root.join("modules/parts/desktop"), root.join("modules/parts/gui"));
    fs::rename(&old, &new).expect("rename");
    changed(&mut lsp, vec![event(&old, DELETED), event(&new, CREATED)]);
    assert_matches_check(&mut lsp, root);
    assert!(lsp.shutdown().success());
}

#[test]
fn files_replaced_by_folders_and_back() {
    let (_dir, root, mut lsp) = start(Some("repo/modules/features"));
    let root = root.as_path();

    // VS Code merges the deletion and the creation of one path into a change.
    let ssh = root.join("modules/features/ssh.nix");
    fs::remove_file(&ssh).expect("delete file");
    write(&ssh, "server.nix", &aspect("ssh"));
    write(&ssh, "agent.nix", &aspect("agent"));
    changed(&mut lsp, vec![event(&ssh, CHANGED)]);
    assert_matches_check(&mut lsp, root);
    assert_eq!(undefined(&lsp, root), ["secret"]);

    fs::remove_dir_all(&ssh).expect("delete folder");
    fs::write(&ssh, aspect("ssh")).expect("write file");
    changed(&mut lsp, vec![event(&ssh, CHANGED)]);
    assert_matches_check(&mut lsp, root);
    assert_eq!(undefined(&lsp, root), ["agent", "secret"]);

    // A folder of modules replaced by a file that is no module, of the same name, and back.
    let desktop = root.join("modules/features/desktop");
    fs::remove_dir_all(&desktop).expect("delete folder");
    fs::write(&desktop, "desktop and fonts, to be written\n").expect("write file");
    changed(&mut lsp, vec![event(&desktop, CHANGED)]);
    assert_matches_check(&mut lsp, root);
    assert_eq!(undefined(&lsp, root), ["agent", "desktop", "fonts", "secret"]);
    fs::remove_file(&desktop).expect("delete file");
    write(&desktop, "desktop.nix", &aspect("desktop"));
    write(&desktop, "fonts.nix", &aspect("fonts"));
    changed(&mut lsp, vec![event(&desktop, CHANGED)]);
    assert_matches_check(&mut lsp, root);
    assert_eq!(undefined(&lsp, root), ["agent", "secret"]);
    assert!(lsp.shutdown().success());
}

#[test]
fn the_root_deleted_takes_every_file_along() {
    let (_dir, root, mut lsp) = start(Some("repo/modules/features"));
    assert!(!published(&lsp, &root).is_empty());

    fs::remove_dir_all(&root).expect("delete root");
    changed(&mut lsp, vec![event(&root, DELETED)]);
    let symbols = lsp.result("workspace/symbol", json!({ "query": "" }));
    assert_eq!(symbols, json!([]));
    settle(&mut lsp, &root, &BTreeMap::new());
    assert!(lsp.shutdown().success());
}

/// Events for what the workspace never holds (pruned folders, links, other files) change nothing.
#[test]
fn events_outside_the_rules_change_nothing() {
    let (dir, root, mut lsp) = start(Some("repo/modules/features"));
    let elsewhere = dir.path().join("elsewhere");
    write(&elsewhere, "agent.nix", &aspect("agent"));

    write(&root, "modules/node_modules/agent.nix", &aspect("agent"));
    write(&root, ".git/agent.nix", &aspect("agent"));
    write(&root, "modules/agent.nix.md", &aspect("agent"));
    symlink(&elsewhere, root.join("modules/linked")).expect("symlink");
    symlink(elsewhere.join("agent.nix"), root.join("modules/agent.nix")).expect("symlink");
    let events =
        ["modules/node_modules", ".git/agent.nix", "modules/agent.nix.md", "modules/linked", "modules/agent.nix"]
            .map(|path| event(&root.join(path), CREATED));
    changed(&mut lsp, events.to_vec());
    assert_matches_check(&mut lsp, &root);
    assert_eq!(undefined(&lsp, &root), ["agent", "secret"]);
    assert!(lsp.shutdown().success());
}

/// An open document keeps the editor's text when a folder moves in around it; closed, the disk's
/// text takes over.
#[test]
fn open_documents_keep_their_text_when_their_folder_moves_in() {
    let (dir, root, mut lsp) = start(Some("features"));
    let outside = dir.path().join("features");
    // A new file, not saved yet.
    let ssh = root.join("modules/features/ssh.nix");
    lsp.open_text(&file_uri(&ssh), &aspect("agent"));
    let host = root.join("modules/hosts/gouda.nix");
    lsp.wait_for_diagnostics(&host, "`agent` defined by the editor's text", |d| d.len() == 4);

    fs::rename(&outside, root.join("modules/features")).expect("move in");
    changed(&mut lsp, vec![event(&root.join("modules/features"), CREATED)]);
    let found = lsp.wait_for_diagnostics(&host, "only `ssh` and `secret` undefined", |d| d.len() == 2);
    assert_eq!(codes(&found), ["undefined-aspect", "undefined-aspect"]);
    assert_eq!(undefined(&lsp, &root), ["secret", "ssh"]);

    lsp.notify("textDocument/didClose", json!({ "textDocument": { "uri": file_uri(&ssh) } }));
    assert_matches_check(&mut lsp, &root);
    assert_eq!(undefined(&lsp, &root), ["agent", "secret"]);
    assert!(lsp.shutdown().success());
}
