//! `canopy lsp` and which folder is a dendritic flake (dendritic.md §8.1): a file outside the roots
//! that nothing reads is silent until the user opens it, a folder with no dendritic flake says so
//! once in the log, and each flake below a folder is a workspace of its own, as for `canopy check`.

#![cfg(target_os = "linux")]

mod lsp_support;

use std::fs;
use std::path::Path;

use lsp_support::{ClientOptions, FLAKE, Lsp, codes, copy_fixture, file_uri, fixture, position_of, uri_path};
use serde_json::{Value, json};

fn write(root: &Path, path: &str, text: &str) {
    let path = root.join(path);
    fs::create_dir_all(path.parent().expect("parent")).expect("create folder");
    fs::write(path, text).expect("write file");
}

fn inspect(lsp: &mut Lsp, path: &Path) -> Value {
    lsp.result("canopy/inspectFile", json!({ "textDocument": { "uri": file_uri(path) } }))
}

#[test]
fn a_template_outside_the_roots_gets_its_syntax_errors_only_while_open() {
    let dir = tempfile::tempdir().expect("temp dir");
    let root = dir.path();
    write(root, "flake.nix", FLAKE);
    write(
        root,
        "modules/host.nix",
        "{ config, ... }:\n{\n  flake.modules.nixos.host.imports = with config.flake.modules.nixos; [ missing ];\n}\n",
    );
    // A template with a mistake: no module, named by nothing.
    let template = root.join("templates/default/module.nix");
    write(root, "templates/default/module.nix", "{\n  services.NAME.enable = true\n}\n");
    let mut lsp = Lsp::start(ClientOptions::folder(root));
    // The host's set comes with every other set of the first publication: the template has none.
    lsp.wait_for_diagnostics(&root.join("modules/host.nix"), "the host's undefined aspect", |d| {
        codes(d) == ["undefined-aspect"]
    });
    let inspected = inspect(&mut lsp, &template);
    assert_eq!(inspected["role"], "Outside", "{inspected}");
    assert_eq!(inspected["diagnostics"], json!([]), "{inspected}");
    assert!(!lsp.diagnostics.contains_key(&template), "published for a closed template: {:?}", lsp.diagnostics);

    lsp.open(&template);
    let opened = lsp.wait_for_diagnostics(&template, "the open template's syntax error", |d| !d.is_empty());
    assert_eq!(codes(&opened), ["syntax-error"], "{opened:?}");
    assert_eq!(inspect(&mut lsp, &template)["diagnostics"], json!(opened));

    lsp.notify("textDocument/didClose", json!({ "textDocument": { "uri": file_uri(&template) } }));
    lsp.wait_for_diagnostics(&template, "the closed template's set to be cleared", <[Value]>::is_empty);
    assert_eq!(inspect(&mut lsp, &template)["diagnostics"], json!([]));
    assert!(lsp.shutdown().success());
}

/// The `window/logMessage` lines received so far that say a folder holds no dendritic flake.
fn not_dendritic_lines(lsp: &Lsp) -> Vec<String> {
    lsp.received("window/logMessage")
        .iter()
        .filter_map(|m| m["params"]["message"].as_str())
        .filter(|m| m.contains("not a dendritic flake"))
        .map(str::to_owned)
        .collect()
}

#[test]
fn a_folder_with_no_dendritic_flake_says_why_once_in_the_log() {
    let plain = fixture("plain-flake");
    let dendritic = fixture("flake-modules");
    let mut options = ClientOptions::folder(&plain);
    options.folders.push(dendritic.clone());
    let mut lsp = Lsp::start(options);
    // Both folders indexed and published; a request answered after that has every line before it.
    lsp.wait_for_diagnostics(&plain.join("lib/default.nix"), "the library's duplicate attribute", |d| {
        codes(d) == ["duplicate-attribute"]
    });
    lsp_support::assert_serving(&mut lsp, &dendritic);
    assert_eq!(
        not_dendritic_lines(&lsp),
        ["canopy: plain-flake: `flake.nix` does not call flake-parts' `mkFlake` and nothing calls import-tree: not \
             a dendritic flake, so only what Nix reports while parsing each file is checked"]
    );
    assert!(lsp.received("window/showMessage").is_empty(), "{:?}", lsp.received("window/showMessage"));
    assert!(lsp.shutdown().success());
}

/// Starts a server on `root` and waits until `spaces` indexes have ended: the folder's, then those
/// of the flakes its index finds.
fn start_indexed(root: &Path, spaces: usize) -> Lsp {
    let mut lsp = Lsp::start(ClientOptions::folder(root));
    for _ in 1..spaces {
        lsp.wait_for("a flake's indexing to end", |m| {
            m["method"] == "$/progress" && m["params"]["value"]["kind"] == "end"
        });
    }
    lsp
}

/// The files (relative to `root`) where the definition at the `nth` `needle` of `path` lands.
fn definitions(lsp: &mut Lsp, root: &Path, path: &str, needle: &str, nth: usize) -> Vec<String> {
    let text = fs::read_to_string(root.join(path)).expect("read file");
    let position = position_of(&text, needle, nth, 1, false);
    let params = json!({ "textDocument": { "uri": file_uri(&root.join(path)) }, "position": position });
    let links = lsp.result("textDocument/definition", params);
    let targets = links.as_array().into_iter().flatten().map(|link| {
        let target = uri_path(link["targetUri"].as_str().expect("a target"));
        target.strip_prefix(root).unwrap_or(&target).to_string_lossy().into_owned()
    });
    targets.collect()
}

#[test]
fn two_flakes_side_by_side_are_analysed_apart() {
    let root = fixture("two-flakes");
    let mut lsp = start_indexed(&root, 3);
    let web =
        lsp.wait_for_diagnostics(&root.join("server/modules/web.nix"), "web's undefined aspect", |d| !d.is_empty());
    assert_eq!(codes(&web), ["undefined-aspect"], "{web:?}");
    assert!(web[0]["message"].as_str().is_some_and(|m| m.contains("`gnome`")), "{web:?}");
    let laptop = root.join("desktop/modules/laptop.nix");
    assert!(lsp.diagnostics.get(&laptop).is_none_or(Vec::is_empty), "{:?}", lsp.diagnostics);
    let inspected = inspect(&mut lsp, &laptop);
    assert_eq!((&inspected["role"], &inspected["diagnostics"]), (&json!("TopLevel"), &json!([])), "{inspected}");
    assert_eq!(inspected["path"], "modules/laptop.nix", "the desktop flake's own path");
    assert_eq!(definitions(&mut lsp, &root, "server/modules/web.nix", "base", 0), ["server/modules/aspects.nix"]);
    assert_eq!(definitions(&mut lsp, &root, "desktop/modules/laptop.nix", "gnome", 0), ["desktop/modules/aspects.nix"]);
    // Each flake's `base` once, the folder adding none of its own.
    let symbols = lsp.result("workspace/symbol", json!({ "query": "base" }));
    let mut found: Vec<String> = symbols
        .as_array()
        .into_iter()
        .flatten()
        .filter(|s| s["name"] == "base")
        .map(|s| uri_path(s["location"]["uri"].as_str().unwrap_or("file://?")).to_string_lossy().into_owned())
        .collect();
    found.sort();
    let aspects = |flake: &str| root.join(flake).join("modules/aspects.nix").to_string_lossy().into_owned();
    assert_eq!(found, [aspects("desktop"), aspects("server")], "{symbols}");

    // An open document is the flake's, and its edits are seen there alone.
    let web_path = root.join("server/modules/web.nix");
    let text = lsp.open(&web_path);
    let uri = file_uri(&web_path);
    // The first `gnome` is in the comment above the list.
    let at = position_of(&text, "gnome", 1, 0, false);
    let end = position_of(&text, "gnome", 1, 5, false);
    lsp.change(&uri, 2, at, end, "sshd");
    lsp.wait_for_diagnostics(&web_path, "web's error gone with the edit", <[Value]>::is_empty);
    assert_eq!(definitions(&mut lsp, &root, "server/modules/web.nix", "base", 0), ["server/modules/aspects.nix"]);
    assert!(not_dendritic_lines(&lsp).is_empty(), "the folder holds only flakes: {:?}", not_dendritic_lines(&lsp));
    assert!(lsp.shutdown().success());
}

#[test]
fn a_flake_in_example_is_analysed_as_its_own_workspace() {
    let root = fixture("flake-in-example");
    let mut lsp = start_indexed(&root, 2);
    let host = root.join("example/modules/host.nix");
    let found = lsp.wait_for_diagnostics(&host, "the example's undefined aspect", |d| !d.is_empty());
    assert_eq!(codes(&found), ["undefined-aspect"], "{found:?}");
    assert!(found[0]["message"].as_str().is_some_and(|m| m.contains("`shh`")), "{found:?}");
    assert_eq!(definitions(&mut lsp, &root, "example/modules/host.nix", "ssh", 0), ["example/modules/ssh.nix"]);
    // The folder itself holds `shell.nix` and no flake: it says so.
    let lines = not_dendritic_lines(&lsp);
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(lines[0].starts_with("canopy: flake-in-example: no `flake.nix`"), "{lines:?}");
    assert!(lsp.shutdown().success());
}

#[test]
fn a_flake_that_goes_takes_its_space_along_and_one_that_comes_gets_one() {
    let dir = copy_fixture("two-flakes");
    let root = dir.path();
    let mut lsp = start_indexed(root, 3);
    let web = root.join("server/modules/web.nix");
    lsp.wait_for_diagnostics(&web, "web's undefined aspect", |d| codes(d) == ["undefined-aspect"]);
    let flake = root.join("server/flake.nix");
    let text = fs::read_to_string(&flake).expect("read flake.nix");
    let event = |kind: u8| json!({ "changes": [{ "uri": file_uri(&flake), "type": kind }] });

    // The open document moves with its file, each time.
    lsp.open(&web);
    let held = |lsp: &mut Lsp| {
        let inspected = inspect(lsp, &web);
        (inspected["path"].as_str().unwrap_or_default().to_owned(), inspected["version"].clone())
    };

    // No flake, no dendritic workspace around: only what Nix reports while parsing.
    fs::remove_file(&flake).expect("delete flake.nix");
    lsp.notify("workspace/didChangeWatchedFiles", event(3));
    lsp.wait_for_diagnostics(&web, "web's error gone with its flake", <[Value]>::is_empty);
    assert_eq!(held(&mut lsp), ("server/modules/web.nix".to_owned(), json!(1)), "the folder's file again");
    assert!(definitions(&mut lsp, root, "server/modules/web.nix", "base", 0).is_empty());

    fs::write(&flake, text).expect("write flake.nix");
    lsp.notify("workspace/didChangeWatchedFiles", event(1));
    lsp.wait_for_diagnostics(&web, "web's undefined aspect again", |d| codes(d) == ["undefined-aspect"]);
    assert_eq!(held(&mut lsp), ("modules/web.nix".to_owned(), json!(1)), "the flake's file again");
    assert_eq!(definitions(&mut lsp, root, "server/modules/web.nix", "base", 0), ["server/modules/aspects.nix"]);

    // A file event below the flake reaches it.
    let aspects = root.join("server/modules/aspects.nix");
    let text = fs::read_to_string(&aspects).expect("read aspects.nix");
    fs::write(&aspects, text.replace("sshd = { };", "sshd = { };\n  flake.modules.nixos.gnome = { };")).expect("write");
    lsp.notify("workspace/didChangeWatchedFiles", json!({ "changes": [{ "uri": file_uri(&aspects), "type": 2 }] }));
    lsp.wait_for_diagnostics(&web, "web's error gone with gnome defined", <[Value]>::is_empty);
    assert_eq!(definitions(&mut lsp, root, "server/modules/web.nix", "gnome", 1), ["server/modules/aspects.nix"]);
    assert!(lsp.shutdown().success());
}
