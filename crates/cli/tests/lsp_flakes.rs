//! `canopy lsp` and which folder is a dendritic flake (dendritic.md §8.1): a file outside the roots
//! that nothing reads is silent until the user opens it, a folder with no dendritic flake says so
//! once in the log.

#![cfg(target_os = "linux")]

mod lsp_support;

use std::fs;
use std::path::Path;

use lsp_support::{ClientOptions, FLAKE, Lsp, codes, file_uri, fixture};
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
        [
            "canopy: plain-flake: `flake.nix` does not call flake-parts' `mkFlake` and nothing calls import-tree: not \
             a dendritic flake, so only what Nix reports while parsing each file is checked"
        ]
    );
    assert!(lsp.received("window/showMessage").is_empty(), "{:?}", lsp.received("window/showMessage"));
    assert!(lsp.shutdown().success());
}
