//! `canopy lsp` while a large folder is indexed: an open document's own diagnostics (what its text
//! alone says) are published at once, and again as it is edited, before the index ends; its
//! cross-file ones come with the end of the index, and never one judged against half the folder:
//! no `undefined-aspect` for an aspect that a file not read yet defines.
//!
//! The server's test hook `CANOPY_TEST_INDEX_HOLD` (docs/server.md, "Testing") holds the index's
//! last chunk, which holds the file defining that aspect (last in path order), until the test
//! lets it go: the order of events is the same on any machine, however loaded.

mod lsp_support;

use std::fs;
use std::path::Path;
use std::process::Command;
use std::time::Instant;

use lsp_support::{ClientOptions, FLAKE, Lsp, codes, file_uri, position_of};
use serde_json::{Value, json};

/// Generated modules, each defining an aspect that imports the one before.
const MODULES: usize = 3000;

/// The document opened: it imports `a0001` (read early), `late` (defined by the last file the
/// index reads) and `nowhere` (defined by no file), and reads the unbound `hostname`.
const OPENED: &str = "\
{ config, ... }:
{
  flake.modules.nixos.opened = { pkgs, ... }: {
    imports = with config.flake.modules.nixos; [ a0001 late nowhere ];
    networking.hostName = hostname;
  };
}
";

fn write(root: &Path, path: &str, text: &str) {
    let path = root.join(path);
    fs::create_dir_all(path.parent().expect("parent")).expect("create folder");
    fs::write(path, text).expect("write file");
}

/// The workspace: `flake.nix`, the generated modules (one in a hundred importing `late` too),
/// the opened document, and `modules/zz/late.nix`, which sorts last.
fn workspace(root: &Path) {
    write(root, "flake.nix", FLAKE);
    for i in 0..MODULES {
        let mut imports = if i == 0 { String::new() } else { format!("a{:04}", i - 1) };
        if i % 100 == 1 {
            imports.push_str(" late");
        }
        let text = format!(
            "{{ config, ... }}:\n{{\n  flake.modules.nixos.a{i:04} = {{ pkgs, ... }}: {{\n    imports = with \
             config.flake.modules.nixos; [ {imports} ];\n    environment.etc.\"a{i:04}\".text = \"{i}\";\n  }};\n}}\n"
        );
        write(root, &format!("modules/gen/a{i:04}.nix"), &text);
    }
    write(root, "modules/hosts/opened.nix", OPENED);
    write(root, "modules/zz/late.nix", "{\n  flake.modules.nixos.late = { services.openssh.enable = true; };\n}\n");
}

fn progress(message: &Value, kind: &str) -> bool {
    message["method"] == "$/progress" && message["params"]["value"]["kind"] == kind
}

fn undefined_aspects(diagnostics: &[Value]) -> Vec<String> {
    let undefined = diagnostics.iter().filter(|d| d["code"] == "undefined-aspect");
    undefined.map(|d| d["message"].as_str().unwrap_or_default().to_owned()).collect()
}

#[test]
fn an_open_document_gets_its_own_diagnostics_before_the_index_ends_and_no_false_undefined_aspect() {
    let dir = tempfile::tempdir().expect("temp dir");
    let root = dir.path().join("repo");
    workspace(&root);
    let opened = root.join("modules/hosts/opened.nix");
    let late = root.join("modules/zz/late.nix");
    let release = dir.path().join("release-the-index");
    let mut command = Command::new(env!("CARGO_BIN_EXE_canopy"));
    command.arg("lsp").env("CANOPY_TEST_INDEX_HOLD", &release);
    let mut lsp = Lsp::spawn_command(command, ClientOptions::folder(&root));
    lsp.initialize();
    lsp.wait_for("indexing to begin", |m| progress(m, "begin"));
    let ended = |lsp: &Lsp| lsp.received("$/progress").iter().any(|m| progress(m, "end"));

    // Its own mistake at once, whatever the index has read.
    let asked = Instant::now();
    lsp.open(&opened);
    let first = lsp.wait_for_diagnostics(&opened, "opened.nix's own diagnostics", |d| !d.is_empty());
    let took = asked.elapsed();
    assert_eq!(codes(&first), ["undefined-variable"], "{first:?}");
    assert!(!ended(&lsp), "the index ended before the open document's diagnostics came");

    // Every chunk but the last is applied: `a0001` is known, `late` not yet.
    lsp.wait_for("most of the folder indexed", |m| {
        progress(m, "report") && m["params"]["value"]["percentage"].as_u64().is_some_and(|p| p >= 90)
    });
    let unread = lsp.result("canopy/inspectFile", json!({ "textDocument": { "uri": file_uri(&late) } }));
    assert!(unread.is_null(), "late.nix is not indexed yet: {unread}");
    let symbols = lsp.result("workspace/symbol", json!({ "query": "a0001" }));
    assert!(symbols.as_array().is_some_and(|s| !s.is_empty()), "a0001 is indexed: {symbols}");
    let inspected = lsp.result("canopy/inspectFile", json!({ "textDocument": { "uri": file_uri(&opened) } }));
    assert_eq!(codes(inspected["diagnostics"].as_array().expect("diagnostics")), ["undefined-variable"]);

    // An edit meanwhile is published too: a module check of the file's own.
    let (start, end) = (position_of(OPENED, ", ...", 1, 0, false), position_of(OPENED, ", ...", 1, 5, false));
    lsp.change(&file_uri(&opened), 2, start, end, "");
    let edited =
        lsp.wait_for_diagnostics(&opened, "missing-ellipsis", |d| codes(d).contains(&"missing-ellipsis".to_owned()));
    assert_eq!(codes(&edited), ["missing-ellipsis", "undefined-variable"], "{edited:?}");
    assert!(!ended(&lsp), "the index ended before the edit's diagnostics came");

    // The index ends: the cross-file diagnostics come, `nowhere` undefined, `late` defined.
    fs::write(&release, "").expect("release the index");
    lsp.wait_for("indexing to end", |m| progress(m, "end"));
    let last = lsp.wait_for_diagnostics(&opened, "the cross-file diagnostics", |d| !undefined_aspects(d).is_empty());
    assert_eq!(codes(&last), ["missing-ellipsis", "undefined-aspect", "undefined-variable"], "{last:?}");
    let undefined = undefined_aspects(&last);
    assert!(undefined.len() == 1 && undefined[0].contains("`nowhere`"), "{undefined:?}");

    // Nothing cross-file before the end, for any file; never `late` undefined.
    let log = lsp.log_since(0);
    let end = log.iter().position(|m| progress(m, "end")).expect("the progress ended");
    for (at, message) in log.iter().enumerate().filter(|(_, m)| m["method"] == "textDocument/publishDiagnostics") {
        let diagnostics = message["params"]["diagnostics"].as_array().cloned().unwrap_or_default();
        let undefined = undefined_aspects(&diagnostics);
        assert!(!undefined.iter().any(|m| m.contains("`late`")), "`late` reported undefined: {message}");
        if at < end {
            assert_eq!(message["params"]["uri"], file_uri(&opened), "a closed file published early: {message}");
            assert!(undefined.is_empty(), "a cross-file finding before the index ended: {message}");
        }
    }
    eprintln!("{MODULES} modules: opened.nix's own diagnostics published {took:?} after didOpen");
    assert!(lsp.shutdown().success());
}
