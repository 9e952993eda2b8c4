//! `canopy lsp` with a folder reached through a symbolic link: the folder opened as the link
//! (`/etc/nixos` for `~/nixos-config`) and documents opened by their real path, or the reverse.
//! Either way a file is one file: documents join the folder's graph (definitions, cross-file
//! diagnostics, edits seen by the rest), and every answer names a file the way the client does,
//! by the URI it opened it with, else in the folder's spelling.

#![cfg(target_os = "linux")]

mod lsp_support;

use std::fs;
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};

use lsp_support::{ClientOptions, FLAKE, Lsp, file_uri, position_of};
use serde_json::{Value, json};

fn write(root: &Path, path: &str, text: &str) {
    let path = root.join(path);
    fs::create_dir_all(path.parent().expect("parent")).expect("create folder");
    fs::write(path, text).expect("write file");
}

fn repository(root: &Path) {
    write(root, "flake.nix", FLAKE);
    write(
        root,
        "modules/hosts/gouda.nix",
        "{ config, inputs, ... }:\n{\n  flake.nixosConfigurations.gouda = inputs.nixpkgs.lib.nixosSystem {\n    \
         modules = with config.flake.modules.nixos; [ ssh desktop ];\n  };\n}\n",
    );
    write(root, "modules/features/ssh.nix", "{\n  flake.modules.nixos.ssh = { };\n}\n");
    write(root, "modules/features/desktop.nix", "{\n  flake.modules.nixos.desktop = { };\n}\n");
}

fn undefined(name: &str) -> impl Fn(&[Value]) -> bool + '_ {
    move |d: &[Value]| {
        d.iter().any(|d| d["code"] == "undefined-aspect" && d["message"].as_str().is_some_and(|m| m.contains(name)))
    }
}

/// The target URIs of a definition, in the order given.
fn definition(lsp: &mut Lsp, uri: &str, position: Value) -> Vec<String> {
    let params = json!({ "textDocument": { "uri": uri }, "position": position });
    let links = lsp.result("textDocument/definition", params);
    let links = links.as_array().unwrap_or_else(|| lsp.fail(&format!("no definition: {links}")));
    links.iter().map(|link| link["targetUri"].as_str().expect("target").to_owned()).collect()
}

/// `folder` is the workspace folder as the client opens it, `docs` the spelling of the
/// documents it opens: one of them a link to the other.
fn one_file_by_two_spellings(folder: &Path, docs: &Path) {
    let mut lsp = Lsp::start(ClientOptions::folder(folder));
    let (ssh, gouda) = (docs.join("modules/features/ssh.nix"), docs.join("modules/hosts/gouda.nix"));
    let (ssh_uri, gouda_uri) = (file_uri(&ssh), file_uri(&gouda));

    // An edit to a document opened by the other spelling is seen by the rest of the folder, and
    // the host, never opened, gets its diagnostic in the folder's spelling.
    let ssh_text = lsp.open(&ssh);
    let name = position_of(&ssh_text, "nixos.ssh", 0, "nixos.ssh".len(), false);
    lsp.change(&ssh_uri, 2, name.clone(), name.clone(), "d");
    lsp.wait_for_diagnostics(&folder.join("modules/hosts/gouda.nix"), "undefined `ssh`", undefined("`ssh`"));

    // Opened by the other spelling, the host's set moves to the URI the client opened it with.
    let gouda_text = lsp.open(&gouda);
    lsp.wait_for_diagnostics(&gouda, "undefined `ssh` in the opened host", undefined("`ssh`"));
    lsp.wait_for_diagnostics(
        &folder.join("modules/hosts/gouda.nix"),
        "the folder's spelling cleared",
        <[Value]>::is_empty,
    );
    let inspected = lsp.result("canopy/inspectFile", json!({ "textDocument": { "uri": gouda_uri } }));
    assert_eq!(inspected["inFolder"], true, "{inspected}");
    assert_eq!(inspected["path"], "modules/hosts/gouda.nix", "{inspected}");

    // Undone: the set clears where the client shows it.
    let after = json!({ "line": name["line"], "character": name["character"].as_u64().expect("column") + 1 });
    lsp.change(&ssh_uri, 3, name, after, "");
    lsp.wait_for_diagnostics(&gouda, "the opened host to be clean", <[Value]>::is_empty);

    // Definitions: an open file by its URI, a file never opened in the folder's spelling.
    let at_ssh = position_of(&gouda_text, "ssh", 0, 1, false);
    assert_eq!(definition(&mut lsp, &gouda_uri, at_ssh.clone()), [ssh_uri.as_str()]);
    let at_desktop = position_of(&gouda_text, "desktop", 0, 1, false);
    let desktop_uri = file_uri(&folder.join("modules/features/desktop.nix"));
    assert_eq!(definition(&mut lsp, &gouda_uri, at_desktop.clone()), [desktop_uri.as_str()]);
    // Asked from the folder's spelling of the same file, the same answer.
    let folder_gouda = file_uri(&folder.join("modules/hosts/gouda.nix"));
    assert_eq!(definition(&mut lsp, &folder_gouda, at_ssh.clone()), [ssh_uri.as_str()]);

    // A file event in the documents' spelling is the folder's file.
    let desktop = docs.join("modules/features/desktop.nix");
    let desktop_text = fs::read_to_string(&desktop).expect("read desktop");
    fs::remove_file(&desktop).expect("delete file");
    let event = |kind: u8| json!({ "changes": [{ "uri": file_uri(&desktop), "type": kind }] });
    lsp.notify("workspace/didChangeWatchedFiles", event(3));
    lsp.wait_for_diagnostics(&gouda, "undefined `desktop`", undefined("`desktop`"));
    fs::write(&desktop, desktop_text).expect("write file");
    lsp.notify("workspace/didChangeWatchedFiles", event(1));
    lsp.wait_for_diagnostics(&gouda, "`desktop` defined again", <[Value]>::is_empty);

    // A rename edits each file under the URI the client knows it by, open ones with their version.
    let params = json!({ "textDocument": { "uri": gouda_uri }, "position": at_ssh, "newName": "openssh" });
    let edit = lsp.result("textDocument/rename", params);
    let mut documents: Vec<(String, Option<i64>)> = edit["documentChanges"]
        .as_array()
        .unwrap_or_else(|| lsp.fail(&format!("no documentChanges: {edit}")))
        .iter()
        .map(|change| {
            let document = &change["textDocument"];
            (document["uri"].as_str().expect("uri").to_owned(), document["version"].as_i64())
        })
        .collect();
    documents.sort();
    let mut expected = vec![(gouda_uri.clone(), Some(1)), (ssh_uri.clone(), Some(3))];
    expected.sort();
    assert_eq!(documents, expected);
    let params = json!({ "textDocument": { "uri": gouda_uri }, "position": at_desktop, "newName": "gui" });
    let edit = lsp.result("textDocument/rename", params);
    let uris: Vec<&str> = edit["documentChanges"]
        .as_array()
        .expect("changes")
        .iter()
        .filter_map(|c| c["textDocument"]["uri"].as_str())
        .collect();
    assert!(uris.contains(&desktop_uri.as_str()) && uris.contains(&gouda_uri.as_str()), "{edit}");
    assert!(lsp.shutdown().success());
}

/// The repository at `nixos-config` in a fresh folder, and `nixos` a link to it.
fn linked() -> (tempfile::TempDir, PathBuf, PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    let (real, link) = (dir.path().join("nixos-config"), dir.path().join("nixos"));
    repository(&real);
    symlink(&real, &link).expect("symlink");
    (dir, real, link)
}

#[test]
fn a_folder_opened_through_a_link_with_documents_by_their_real_path() {
    let (_dir, real, link) = linked();
    one_file_by_two_spellings(&link, &real);
}

#[test]
fn a_folder_opened_by_its_real_path_with_documents_through_a_link() {
    let (_dir, real, link) = linked();
    one_file_by_two_spellings(&real, &link);
}
