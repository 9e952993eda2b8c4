//! Quick fixes through the real server: the diagnostic links its README section and says which
//! fixes it has, `textDocument/codeAction` offers them, and applying the workspace edit the way a
//! client does clears the diagnostic in the next publish.

mod lsp_support;

use std::fs;
use std::path::Path;

use lsp_support::{ClientOptions, Lsp, codes, copy_fixture, file_uri};
use serde_json::{Value, json};

/// Applies the edits a code action makes to `uri` as the client would: one `didChange`, changes
/// from the end of the text backwards so that each range still means what the server meant.
fn apply(lsp: &mut Lsp, action: &Value, uri: &str, version: i32) {
    let changes = action["edit"]["documentChanges"].as_array().unwrap_or_else(|| lsp.fail("no documentChanges"));
    let mut edits: Vec<Value> = changes
        .iter()
        .filter(|c| c["textDocument"]["uri"] == uri)
        .flat_map(|c| c["edits"].as_array().cloned().unwrap_or_default())
        .collect();
    assert!(!edits.is_empty(), "the action edits {uri}: {action}");
    let key = |e: &Value| (e["range"]["start"]["line"].as_u64(), e["range"]["start"]["character"].as_u64());
    edits.sort_by_key(|e| std::cmp::Reverse(key(e)));
    let content: Vec<Value> = edits.iter().map(|e| json!({ "range": e["range"], "text": e["newText"] })).collect();
    lsp.notify(
        "textDocument/didChange",
        json!({ "textDocument": { "uri": uri, "version": version }, "contentChanges": content }),
    );
}

fn actions_for(lsp: &mut Lsp, uri: &str, diagnostic: &Value) -> Vec<Value> {
    let params = json!({
        "textDocument": { "uri": uri },
        "range": diagnostic["range"],
        "context": { "diagnostics": [diagnostic], "only": ["quickfix"] },
    });
    let result = lsp.result("textDocument/codeAction", params);
    result.as_array().cloned().unwrap_or_else(|| lsp.fail(&format!("codeAction answered {result}")))
}

fn the_one<'d>(diagnostics: &'d [Value], code: &str, lsp: &Lsp) -> &'d Value {
    diagnostics.iter().find(|d| d["code"] == code).unwrap_or_else(|| lsp.fail(&format!("no {code} published")))
}

#[test]
fn an_undefined_aspect_is_fixed_by_its_preferred_quick_fix() {
    let dir = copy_fixture("broken");
    let root = dir.path();
    let path = root.join("modules/hosts/gruyere.nix");
    let mut lsp = Lsp::start(ClientOptions::folder(root));
    let uri = file_uri(&path);
    lsp.open(&path);
    let published = lsp.wait_for_diagnostics(&path, "undefined-aspect on deskotp", |ds| {
        ds.iter()
            .any(|d| d["code"] == "undefined-aspect" && d["message"].as_str().is_some_and(|m| m.contains("deskotp")))
    });
    let diagnostic = published
        .iter()
        .find(|d| d["message"].as_str().is_some_and(|m| m.contains("`deskotp`")))
        .cloned()
        .unwrap_or_else(|| lsp.fail("no deskotp diagnostic"));
    assert_eq!(diagnostic["codeDescription"]["href"], "https://github.com/canopy-nix/canopy#undefined-aspect");
    assert_eq!(diagnostic["data"]["fixes"][0]["title"], "Replace with `desktop`", "{diagnostic}");
    // The suggestion's definition comes along, for the editor to show.
    let related = diagnostic["relatedInformation"].as_array().cloned().unwrap_or_default();
    assert!(
        related.iter().any(|r| r["location"]["uri"].as_str().is_some_and(|u| u.ends_with("desktop.nix"))),
        "related: {related:?}"
    );

    let actions = actions_for(&mut lsp, &uri, &diagnostic);
    let preferred: Vec<&Value> = actions.iter().filter(|a| a["isPreferred"] == true).collect();
    assert_eq!(preferred.len(), 1, "one preferred fix: {actions:?}");
    assert_eq!(preferred[0]["title"], "Replace with `desktop`");
    assert_eq!(preferred[0]["kind"], "quickfix");
    // Creating the aspect's file needs file operations, which this client does not offer.
    assert!(actions.iter().all(|a| !a["title"].as_str().is_some_and(|t| t.starts_with("Create"))), "{actions:?}");

    let before = codes(&published).iter().filter(|c| *c == "undefined-aspect").count();
    apply(&mut lsp, preferred[0], &uri, 2);
    let after = lsp.wait_for_diagnostics(&path, "deskotp gone", |ds| {
        !ds.iter().any(|d| d["message"].as_str().is_some_and(|m| m.contains("`deskotp`")))
    });
    assert_eq!(codes(&after).iter().filter(|c| *c == "undefined-aspect").count(), before - 1, "{after:?}");
    lsp.shutdown();
}

#[test]
fn a_shadowed_config_is_fixed_by_binding_the_outer_one() {
    let dir = copy_fixture("broken");
    let root = dir.path();
    let path = root.join("modules/features/shadow-fix.nix");
    let text = "{ lib, ... }:\n{\n  flake.modules.nixos.shadow =\n    { config, ... }:\n    {\n      imports = [ config.flake.modules.nixos.desktop ];\n    };\n}\n";
    fs::write(&path, text).expect("write module");
    let mut lsp = Lsp::start(ClientOptions::folder(root));
    let uri = file_uri(&path);
    lsp.open(&path);
    let published =
        lsp.wait_for_diagnostics(&path, "shadowed-config", |ds| ds.iter().any(|d| d["code"] == "shadowed-config"));
    let diagnostic = the_one(&published, "shadowed-config", &lsp).clone();
    let actions = actions_for(&mut lsp, &uri, &diagnostic);
    let fix = actions
        .iter()
        .find(|a| a["title"].as_str().is_some_and(|t| t.contains("flakeConfig")))
        .cloned()
        .unwrap_or_else(|| lsp.fail(&format!("no let-binding fix in {actions:?}")));
    apply(&mut lsp, &fix, &uri, 2);
    let after = lsp
        .wait_for_diagnostics(&path, "shadowed-config gone", |ds| !ds.iter().any(|d| d["code"] == "shadowed-config"));
    assert!(codes(&after).is_empty(), "the fixed module reports nothing new: {after:?}");
    lsp.shutdown();
}

#[test]
fn a_range_without_diagnostics_has_no_actions() {
    let root = lsp_support::fixture("broken");
    let path = root.join("modules/hosts/gruyere.nix");
    let mut lsp = Lsp::start(ClientOptions::folder(Path::new(&root)));
    let uri = file_uri(&path);
    lsp.open(&path);
    lsp.wait_for_diagnostics(&path, "first publish", |ds| !ds.is_empty());
    let params = json!({
        "textDocument": { "uri": uri },
        "range": { "start": { "line": 0, "character": 0 }, "end": { "line": 0, "character": 1 } },
        "context": { "diagnostics": [] },
    });
    assert_eq!(lsp.result("textDocument/codeAction", params), json!([]));
    lsp.shutdown();
}

#[test]
fn any_diagnostic_can_be_suppressed_by_a_comment_above_it() {
    let dir = copy_fixture("broken");
    let root = dir.path();
    let path = root.join("modules/hosts/gruyere.nix");
    let mut lsp = Lsp::start(ClientOptions::folder(root));
    let uri = file_uri(&path);
    lsp.open(&path);
    let published =
        lsp.wait_for_diagnostics(&path, "unknown-class", |ds| codes(ds).contains(&"unknown-class".to_owned()));
    let diagnostic = the_one(&published, "unknown-class", &lsp).clone();
    let actions = actions_for(&mut lsp, &uri, &diagnostic);
    let suppress = actions
        .iter()
        .find(|a| a["title"] == "Suppress `unknown-class` on this line")
        .cloned()
        .unwrap_or_else(|| lsp.fail(&format!("no suppress action: {actions:?}")));
    assert_ne!(suppress["isPreferred"], true, "the real fix stays the preferred one");
    apply(&mut lsp, &suppress, &uri, 2);
    let after = lsp
        .wait_for_diagnostics(&path, "unknown-class suppressed", |ds| !codes(ds).contains(&"unknown-class".to_owned()));
    assert!(!codes(&after).contains(&"unused-suppression".to_owned()), "the comment is used: {after:?}");
    assert!(codes(&after).contains(&"undefined-aspect".to_owned()), "nothing else went: {after:?}");
    lsp.shutdown();
}
