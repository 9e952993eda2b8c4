//! `canopy lsp` completion and rename, against the behaviour issue 3 asks for: completion at a
//! trailing dot of a half-typed `with` list, quoted names inserted quoted; rename across files,
//! quoted keys, `let` constants, and refusing a merge.

mod lsp_support;

use std::fs;
use std::path::{Path, PathBuf};

use lsp_support::{ClientOptions, Lsp, file_uri, fixture, position_of, uri_path};
use serde_json::{Value, json};

fn start() -> (Lsp, PathBuf) {
    let root = fixture("flake-modules");
    (Lsp::start(ClientOptions::folder(&root)), root)
}

fn at(path: &Path, position: Value) -> Value {
    json!({ "textDocument": { "uri": file_uri(path) }, "position": position })
}

/// The completion items of a response, as (label, inserted text).
fn items(response: &Value) -> Vec<(String, String)> {
    let list = if response.is_array() { response } else { &response["items"] };
    list.as_array()
        .into_iter()
        .flatten()
        .map(|item| {
            let label = item["label"].as_str().unwrap_or("?").to_owned();
            let insert =
                item["textEdit"]["newText"].as_str().or(item["insertText"].as_str()).unwrap_or(&label).to_owned();
            (label, insert)
        })
        .collect()
}

#[test]
fn completion_at_a_trailing_dot_in_a_half_typed_with_list() {
    let (mut lsp, root) = start();
    let gouda = root.join("modules/hosts/gouda.nix");
    let text = fs::read_to_string(&gouda)
        .expect("read gouda")
        .replace("        alice\n", "        alice config.flake.modules.nixos.\n");
    lsp.open_text(&file_uri(&gouda), &text);
    let cursor = position_of(&text, "nixos.\n", 0, "nixos.".len(), false);
    let response = lsp.result("textDocument/completion", at(&gouda, cursor.clone()));
    let found = items(&response);
    for name in ["base", "ssh", "desktop", "alice"] {
        assert!(found.contains(&(name.to_owned(), name.to_owned())), "{name} in {found:?}");
    }
    // A name that is not an identifier is inserted quoted.
    assert!(found.contains(&("hosts/gouda".to_owned(), "\"hosts/gouda\"".to_owned())), "{found:?}");
    let list = if response.is_array() { response.clone() } else { response["items"].clone() };
    let ssh = list.as_array().expect("items").iter().find(|i| i["label"] == "ssh").expect("ssh").clone();
    assert_eq!(ssh["textEdit"]["range"]["end"], cursor, "the edit ends at the cursor");
    assert!(ssh["detail"].as_str().is_some_and(|d| d.contains("nixos")), "{ssh}");
    // A homeManager-only aspect is not offered for nixos... every offered name is a nixos aspect.
    assert!(!found.iter().any(|(l, _)| l == "browser"), "{found:?}");
    assert!(lsp.shutdown().success());
}

#[test]
fn completion_of_names_inside_a_with_list() {
    let (mut lsp, root) = start();
    let gouda = root.join("modules/hosts/gouda.nix");
    let text =
        fs::read_to_string(&gouda).expect("read gouda").replace("        alice\n", "        alice\n        ba\n");
    lsp.open_text(&file_uri(&gouda), &text);
    let cursor = position_of(&text, "        ba\n", 0, "        ba".len(), false);
    let response = lsp.result("textDocument/completion", at(&gouda, cursor));
    let found = items(&response);
    assert!(found.contains(&("base".to_owned(), "base".to_owned())), "{found:?}");
    assert!(lsp.shutdown().success());
}

#[test]
fn completion_of_classes_after_flake_modules() {
    let (mut lsp, root) = start();
    let fonts = root.join("modules/desktop/fonts.nix");
    let text = fs::read_to_string(&fonts).expect("read fonts").replace("{\n", "{\n  flake.modules.\n");
    lsp.open_text(&file_uri(&fonts), &text);
    let cursor = position_of(&text, "flake.modules.\n", 0, "flake.modules.".len(), false);
    let response = lsp.result("textDocument/completion", at(&fonts, cursor));
    let labels: Vec<String> = items(&response).into_iter().map(|(label, _)| label).collect();
    assert!(labels.contains(&"nixos".to_owned()) && labels.contains(&"homeManager".to_owned()), "{labels:?}");
    assert!(lsp.shutdown().success());
}

/// One text edit: where it starts and ends on its line, and the new text.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Edit {
    line: u64,
    start: u64,
    end: u64,
    text: String,
}

/// The edits of a workspace edit, by file, in path order.
fn edits(edit: &Value) -> Vec<(PathBuf, Vec<Edit>)> {
    let mut out = Vec::new();
    for doc in edit["documentChanges"].as_array().into_iter().flatten() {
        let path = uri_path(doc["textDocument"]["uri"].as_str().expect("uri"));
        let list = doc["edits"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|e| {
                let r = &e["range"];
                let n = |v: &Value| v.as_u64().expect("number");
                Edit {
                    line: n(&r["start"]["line"]),
                    start: n(&r["start"]["character"]),
                    end: n(&r["end"]["character"]),
                    text: e["newText"].as_str().unwrap_or("?").to_owned(),
                }
            })
            .collect();
        out.push((path, list));
    }
    out.sort();
    out
}

#[test]
fn prepare_rename_names_the_aspect() {
    let (mut lsp, root) = start();
    let gouda = root.join("modules/hosts/gouda.nix");
    let text = fs::read_to_string(&gouda).expect("read gouda");
    let prepared = lsp.result("textDocument/prepareRename", at(&gouda, position_of(&text, "ssh", 0, 1, false)));
    assert_eq!(prepared["placeholder"], "ssh");
    assert_eq!(prepared["range"]["start"], position_of(&text, "ssh", 0, 0, false));
    assert!(lsp.shutdown().success());
}

#[test]
fn rename_follows_the_aspect_across_files_and_classes() {
    let (mut lsp, root) = start();
    let gouda = root.join("modules/hosts/gouda.nix");
    let text = fs::read_to_string(&gouda).expect("read gouda");
    let mut params = at(&gouda, position_of(&text, "ssh", 0, 1, false));
    params["newName"] = json!("secure-shell");
    let edit = lsp.result("textDocument/rename", params);
    let by_file = edits(&edit);
    // An aspect is its name in every class of the collection: the nixos and homeManager
    // definitions in ssh.nix, the homeManager reference in users.nix, the nixos one in gouda.nix.
    let counts: Vec<(PathBuf, usize)> = by_file.iter().map(|(p, list)| (p.clone(), list.len())).collect();
    assert_eq!(
        counts,
        [(root.join("modules/base/ssh.nix"), 2), (root.join("modules/base/users.nix"), 1), (gouda.clone(), 1)],
        "{edit}"
    );
    assert!(by_file.iter().flat_map(|(_, list)| list).all(|e| e.text == "secure-shell"), "{edit}");
    // Closed files carry no version; the edit applies to what is on disk.
    assert!(
        edit["documentChanges"].as_array().expect("changes").iter().all(|c| c["textDocument"]["version"].is_null())
    );

    // A name that cannot stay bare is quoted everywhere, `with` lists included.
    let mut params = at(&gouda, position_of(&text, "ssh", 0, 1, false));
    params["newName"] = json!("secure shell");
    let edit = lsp.result("textDocument/rename", params);
    let all: Vec<String> = edits(&edit).into_iter().flat_map(|(_, list)| list).map(|e| e.text).collect();
    assert!(!all.is_empty() && all.iter().all(|t| t.contains("\"secure shell\"")), "{edit}");
    assert!(lsp.shutdown().success());
}

#[test]
fn rename_keeps_quoted_keys_quoted() {
    let (mut lsp, root) = start();
    let gouda = root.join("modules/hosts/gouda.nix");
    let text = fs::read_to_string(&gouda).expect("read gouda");
    let mut params = at(&gouda, position_of(&text, "\"hosts/gouda\"", 0, 2, false));
    params["newName"] = json!("hosts/brie");
    let edit = lsp.result("textDocument/rename", params);
    let by_file = edits(&edit);
    assert_eq!(by_file.len(), 1, "{edit}");
    let list = &by_file[0].1;
    assert_eq!(list.len(), 2, "definition and reference: {edit}");
    for e in list {
        // Either the quoted key is replaced whole, or only its inside.
        assert!(e.text == "\"hosts/brie\"" || e.text == "hosts/brie", "{edit}");
    }
    assert!(lsp.shutdown().success());
}

#[test]
fn rename_of_a_name_from_a_let_constant_edits_the_constant() {
    let (mut lsp, root) = start();
    let gouda = root.join("modules/hosts/gouda.nix");
    let text = fs::read_to_string(&gouda).expect("read gouda");
    let mut params = at(&gouda, position_of(&text, "alice", 0, 1, false));
    params["newName"] = json!("bob");
    let edit = lsp.result("textDocument/rename", params);
    let by_file = edits(&edit);
    let users = by_file.iter().find(|(p, _)| p.ends_with("modules/base/users.nix")).expect("users.nix is edited");
    assert!(users.1.iter().any(|e| e.text.contains("bob")), "{edit}");
    assert!(by_file.iter().any(|(p, _)| p == &gouda), "{edit}");
    assert!(lsp.shutdown().success());
}

#[test]
fn rename_refuses_to_merge_into_an_existing_aspect() {
    let (mut lsp, root) = start();
    let gouda = root.join("modules/hosts/gouda.nix");
    let text = fs::read_to_string(&gouda).expect("read gouda");
    let mut params = at(&gouda, position_of(&text, "ssh", 0, 1, false));
    params["newName"] = json!("base");
    let response = lsp.request("textDocument/rename", params);
    let error = &response["error"];
    assert!(error.is_object(), "a merge must be refused: {response}");
    assert!(error["message"].as_str().is_some_and(|m| m.contains("base")), "{response}");
    assert!(lsp.shutdown().success());
}
