//! `canopy lsp` and canopy.toml: the file shapes what is published, a change to it on disk is
//! picked up live, a malformed one is shown with its line and leaves canopy's defaults; and
//! suppression comments in an open document.

mod lsp_support;

use std::fs;

use lsp_support::{ClientOptions, Lsp, codes, copy_fixture, file_uri, position_of};
use serde_json::{Value, json};

fn severity_of(diagnostics: &[Value], code: &str) -> Option<i64> {
    diagnostics.iter().find(|d| d["code"] == code).and_then(|d| d["severity"].as_i64())
}

fn changed_on_disk(lsp: &mut Lsp, path: &std::path::Path) {
    let event = json!({ "changes": [{ "uri": file_uri(path), "type": 2 }] });
    lsp.notify("workspace/didChangeWatchedFiles", event);
}

#[test]
fn canopy_toml_shapes_diagnostics_and_is_picked_up_live() {
    let dir = copy_fixture("broken");
    let root = dir.path();
    let toml = root.join("canopy.toml");
    fs::write(&toml, "[diagnostics]\ndisabled = [\"unknown-class\"]\nseverity = { undefined-aspect = \"hint\" }\n")
        .expect("write canopy.toml");
    let mut lsp = Lsp::start(ClientOptions::folder(root));
    let gruyere = root.join("modules/hosts/gruyere.nix");
    let found = lsp.wait_for_diagnostics(&gruyere, "gruyere.nix under canopy.toml", |d| {
        severity_of(d, "undefined-aspect").is_some()
    });
    assert_eq!(severity_of(&found, "undefined-aspect"), Some(4), "a hint, as canopy.toml says: {found:?}");
    assert!(!codes(&found).contains(&"unknown-class".to_owned()), "disabled: {found:?}");

    // The editor's settings apply over the file: `unused-aspect` on.
    let settings = json!({ "canopy": { "diagnostics": { "unusedAspect": true } } });
    lsp.notify("workspace/didChangeConfiguration", json!({ "settings": settings }));
    let unused = root.join("modules/features/unused.nix");
    let found = lsp.wait_for_diagnostics(&unused, "the unused-aspect hint", |d| !d.is_empty());
    assert_eq!(codes(&found), ["unused-aspect"]);

    // The file changes on disk: unknown-class comes back, undefined-aspect is an error again,
    // and the classes it names are known.
    fs::write(&toml, "classes = [\"homemanager\"]\n").expect("write canopy.toml");
    changed_on_disk(&mut lsp, &toml);
    let found =
        lsp.wait_for_diagnostics(&gruyere, "the new canopy.toml", |d| severity_of(d, "undefined-aspect") == Some(1));
    assert!(!codes(&found).contains(&"unknown-class".to_owned()), "`homemanager` is a class now: {found:?}");

    // Deleted: canopy's defaults, and `homemanager` is unknown again.
    fs::remove_file(&toml).expect("delete canopy.toml");
    changed_on_disk(&mut lsp, &toml);
    let found = lsp.wait_for_diagnostics(&gruyere, "the defaults", |d| codes(d).contains(&"unknown-class".to_owned()));
    assert_eq!(severity_of(&found, "undefined-aspect"), Some(1));
    let unknown = root.join("modules/features/unknown-class.nix");
    let found = lsp.wait_for_diagnostics(&unknown, "unknown-class back", |d| !d.is_empty());
    assert!(codes(&found).contains(&"unknown-class".to_owned()), "{found:?}");
    assert!(lsp.shutdown().success());
}

#[test]
fn a_malformed_canopy_toml_is_shown_with_its_line_and_the_defaults_apply() {
    let dir = copy_fixture("broken");
    let root = dir.path();
    let toml = root.join("canopy.toml");
    fs::write(&toml, "# settings\n[diagnostics]\ndisabled = [\"unknown-clas\"]\n").expect("write canopy.toml");
    let mut lsp = Lsp::start(ClientOptions::folder(root));
    let shown = lsp.wait_for("the error about canopy.toml", |m| m["method"] == "window/showMessage");
    let message = shown["params"]["message"].as_str().expect("a message");
    assert_eq!(shown["params"]["type"], 1, "an error");
    assert!(
        message.contains("canopy.toml:3:13: unknown code `unknown-clas`; did you mean `unknown-class`?"),
        "{message}"
    );
    let gruyere = root.join("modules/hosts/gruyere.nix");
    let found = lsp.wait_for_diagnostics(&gruyere, "the defaults", |d| codes(d).contains(&"unknown-class".to_owned()));
    assert_eq!(severity_of(&found, "undefined-aspect"), Some(1));

    // Fixed: it applies.
    fs::write(&toml, "# settings\n[diagnostics]\ndisabled = [\"unknown-class\"]\n").expect("write canopy.toml");
    changed_on_disk(&mut lsp, &toml);
    lsp.wait_for_diagnostics(&gruyere, "the fixed file", |d| {
        !d.is_empty() && !codes(d).contains(&"unknown-class".to_owned())
    });
    assert!(lsp.shutdown().success());
}

#[test]
fn suppression_comments_in_an_open_document() {
    let dir = copy_fixture("broken");
    let root = dir.path();
    let mut lsp = Lsp::start(ClientOptions::folder(root));
    let gruyere = root.join("modules/hosts/gruyere.nix");
    let uri = file_uri(&gruyere);
    let text = lsp.open(&gruyere);
    lsp.wait_for_diagnostics(&gruyere, "undefined-aspect", |d| codes(d).contains(&"undefined-aspect".to_owned()));
    let after = position_of(&text, "deskotp", 0, 7, false);
    lsp.change(&uri, 2, after.clone(), after, " # canopy: ignore[undefined-aspect]");
    let found = lsp.wait_for_diagnostics(&gruyere, "the suppressed undefined-aspect", |d| {
        !codes(d).contains(&"undefined-aspect".to_owned())
    });
    assert!(codes(&found).contains(&"unknown-class".to_owned()), "only the suppressed code goes: {found:?}");
    // Naming a code with nothing to suppress there is a hint.
    let after = position_of(&text, "editor", 0, 6, false);
    lsp.change(&uri, 3, after.clone(), after, " # canopy: ignore[unknown-class]");
    let found = lsp.wait_for_diagnostics(&gruyere, "the unused suppression", |d| {
        codes(d).contains(&"unused-suppression".to_owned())
    });
    assert_eq!(severity_of(&found, "unused-suppression"), Some(4));
    assert!(lsp.shutdown().success());
}

/// A document analysed alone gets only what Nix says parsing it, and its suppressions apply to
/// that as to everything else.
#[test]
fn suppression_comments_apply_to_a_document_seen_alone() {
    let dir = copy_fixture("flake-modules");
    let mut lsp = Lsp::start(ClientOptions::folder(dir.path()));
    let alone = tempfile::tempdir().expect("temp dir");
    let path = alone.path().join("scratch.nix");
    let uri = file_uri(&path);
    lsp.open_text(&uri, "{\n  a = nope;\n  b = gone; # canopy: ignore[undefined-variable]\n}\n");
    let found = lsp.wait_for_diagnostics(&path, "one undefined variable", |d| !d.is_empty());
    assert_eq!(codes(&found), ["undefined-variable"], "{found:?}");
    assert_eq!(found[0]["range"]["start"]["line"], 1, "only `nope`, on line 2: {found:?}");
    assert!(lsp.shutdown().success());
}
