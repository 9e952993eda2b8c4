//! `canopy lsp` completion and rename, against the behaviour issue 3 asks for: completion at a
//! trailing dot of a half-typed `with` list, in `includes`, of classes and of local names, quoted
//! names inserted quoted, long lists capped; rename across files, quoted keys, `let` constants,
//! `inherit`s and `with` lists, dynamic references reported, local names within their scope, and
//! refusing a merge.

mod lsp_support;

use std::fs;
use std::path::{Path, PathBuf};

use lsp_support::{ClientOptions, Lsp, copy_fixture, file_uri, fixture, position_of, uri_path};
use serde_json::{Value, json};

fn start() -> (Lsp, PathBuf) {
    let root = fixture("flake-modules");
    (Lsp::start(ClientOptions::folder(&root)), root)
}

/// A server on the fixture `name`, and `file` of it opened with `replace` (`(from, to)`, each
/// `from` once) applied to its text on disk; returns the server, the file and the opened text.
fn open_edited(name: &str, file: &str, replace: &[(&str, &str)]) -> (Lsp, PathBuf, String) {
    let root = fixture(name);
    let mut lsp = Lsp::start(ClientOptions::folder(&root));
    let path = root.join(file);
    let mut text = fs::read_to_string(&path).expect("read fixture file");
    for (from, to) in replace {
        assert!(text.contains(from), "`{from}` in {file}");
        text = text.replacen(from, to, 1);
    }
    lsp.open_text(&file_uri(&path), &text);
    (lsp, path, text)
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

/// The completion list with the cursor after the first `needle` of `text`; a newline ending
/// `needle` only anchors it (the cursor stays on the line, at the trailing dot).
fn complete_after(lsp: &mut Lsp, path: &Path, text: &str, needle: &str) -> Value {
    let cursor = position_of(text, needle, 0, needle.trim_end_matches('\n').len(), false);
    let response = lsp.result("textDocument/completion", at(path, cursor));
    assert!(response["items"].is_array(), "a completion list: {response}");
    response
}

/// Replaces the whole text of an open document.
fn set_text(lsp: &mut Lsp, path: &Path, version: i32, text: &str) {
    let params =
        json!({ "textDocument": { "uri": file_uri(path), "version": version }, "contentChanges": [{ "text": text }] });
    lsp.notify("textDocument/didChange", params);
}

fn labels(response: &Value) -> Vec<String> {
    items(response).into_iter().map(|(label, _)| label).collect()
}

/// The completion item labelled `label`.
fn item<'a>(response: &'a Value, label: &str) -> &'a Value {
    let list = response["items"].as_array().expect("items");
    list.iter().find(|i| i["label"] == label).unwrap_or_else(|| panic!("`{label}` in {response}"))
}

/// LSP's `CompletionItemKind`s canopy uses.
const VARIABLE: u64 = 6;
const CLASS: u64 = 7;
const MODULE: u64 = 9;

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

#[test]
fn completion_items_carry_every_class_of_the_aspect_with_its_file_count() {
    let (mut lsp, gouda, text) = open_edited(
        "flake-modules",
        "modules/hosts/gouda.nix",
        &[("        alice\n", "        alice config.flake.modules.nixos.\n")],
    );
    let response = complete_after(&mut lsp, &gouda, &text, "nixos.\n");
    // desktop is defined for nixos in desktop.nix and fonts.nix, for homeManager in desktop.nix.
    let desktop = item(&response, "desktop");
    assert_eq!(desktop["detail"], "homeManager · 1 file, nixos · 2 files", "{desktop}");
    assert_eq!(desktop["kind"], MODULE);
    assert!(lsp.shutdown().success());
}

#[test]
fn completion_in_den_includes_offers_the_collection_aspects() {
    let list = "      vix.bootable\n      den.aspects.desktop\n";
    let (mut lsp, igloo, text) =
        open_edited("den", "modules/aspects/igloo.nix", &[(list, &format!("{list}      den.aspects.\n"))]);
    let den = complete_after(&mut lsp, &igloo, &text, "den.aspects.\n");
    assert_eq!(labels(&den), ["desktop", "igloo", "tux"], "{den}");
    assert_eq!(den["isIncomplete"], false, "every match is listed");

    // A namespace is a collection of its own: `vix.` offers its aspects, not den's.
    let text = text.replace("den.aspects.\n", "vix.\n");
    set_text(&mut lsp, &igloo, 2, &text);
    let vix = complete_after(&mut lsp, &igloo, &text, "vix.\n");
    assert_eq!(labels(&vix), ["bootable"], "{vix}");
    assert!(lsp.shutdown().success());
}

#[test]
fn completion_in_flake_aspects_includes_offers_the_aspects() {
    let (mut lsp, aspects, text) = open_edited(
        "flake-aspects",
        "modules/aspects.nix",
        &[("          aspects.shell\n", "          aspects.shell\n          aspects.e\n")],
    );
    // Defined before the list (workstation), after it (editor) and in another file (shell); the
    // typed `e` leaves out workstation.
    let response = complete_after(&mut lsp, &aspects, &text, "aspects.e\n");
    assert_eq!(labels(&response), ["editor", "shell"], "{response}");
    assert!(lsp.shutdown().success());
}

#[test]
fn completion_at_a_trailing_dot_offers_the_aspects_defined_later_in_the_file() {
    let (mut lsp, aspects, text) = open_edited(
        "flake-aspects",
        "modules/aspects.nix",
        &[("          aspects.shell\n", "          aspects.shell\n          aspects.\n")],
    );
    let response = complete_after(&mut lsp, &aspects, &text, "aspects.\n");
    assert_eq!(labels(&response), ["editor", "shell", "workstation"], "{response}");
    // workstation's own `nixos` definition follows the cursor too.
    assert_eq!(item(&response, "workstation")["detail"], "nixos · 1 file", "{response}");
    assert!(lsp.shutdown().success());
}

#[test]
fn completion_of_classes_in_the_class_position_of_an_aspect() {
    // (fixture, file, the aspect path typed at the top of the file, how many aspects have nixos)
    for (name, file, typed, nixos_aspects) in [
        ("den", "modules/aspects/tux.nix", "den.aspects.tux.", "class · 2 aspects"),
        ("flake-aspects", "modules/shell.nix", "flake.aspects.shell.", "class · 2 aspects"),
        ("unify", "modules/hosts.nix", "unify.modules.base.", "class · 1 aspect"),
    ] {
        let line = format!("{{\n  {typed}\n");
        let (mut lsp, path, text) = open_edited(name, file, &[("{\n", &line)]);
        let response = complete_after(&mut lsp, &path, &text, &format!("{typed}\n"));
        let found = labels(&response);
        assert!(found.contains(&"nixos".to_owned()) && found.contains(&"homeManager".to_owned()), "{name}: {found:?}");
        let list = response["items"].as_array().expect("items");
        assert!(list.iter().all(|i| i["kind"] == CLASS), "{name}: only classes: {found:?}");
        assert_eq!(item(&response, "nixos")["detail"], nixos_aspects, "{name}");
        assert!(lsp.shutdown().success());
    }
}

#[test]
fn completion_of_local_names_in_scope() {
    let line = "    users.users.${user}.isNormalUser = true;\n";
    let added =
        ["    users.users.${user}.packages = pkgs: [ pkgs.git ];\n", "    users.users.${user}.description = ;\n"];
    let (mut lsp, users, text) =
        open_edited("flake-modules", "modules/base/users.nix", &[(line, &format!("{line}{}", added.concat()))]);
    let response = complete_after(&mut lsp, &users, &text, "description = ");
    // The `let` binding, then the module's argument; `pkgs` is bound in another lambda.
    assert_eq!(labels(&response), ["user", "config"], "{response}");
    assert!(response["items"].as_array().expect("items").iter().all(|i| i["kind"] == VARIABLE), "{response}");
    assert!(lsp.shutdown().success());
}

/// `LIMIT` in crates/analysis/src/ide/completion/mod.rs.
const COMPLETION_CAP: usize = 200;

#[test]
fn long_completion_lists_are_capped_and_incomplete() {
    let dir = copy_fixture("flake-modules");
    let many: String = (0..COMPLETION_CAP).map(|i| format!("  flake.modules.nixos.many-{i:03} = {{ }};\n")).collect();
    fs::write(dir.path().join("modules/many.nix"), format!("{{\n{many}}}\n")).expect("write many.nix");
    let mut lsp = Lsp::start(ClientOptions::folder(dir.path()));
    let gouda = dir.path().join("modules/hosts/gouda.nix");
    let text = fs::read_to_string(&gouda)
        .expect("read gouda")
        .replace("        alice\n", "        alice config.flake.modules.nixos.\n");
    lsp.open_text(&file_uri(&gouda), &text);
    let response = complete_after(&mut lsp, &gouda, &text, "nixos.\n");
    // The fixture's own five nixos aspects and the new ones: more than the cap.
    assert_eq!(response["isIncomplete"], true, "{COMPLETION_CAP} + 5 aspects match");
    assert_eq!(response["items"].as_array().expect("items").len(), COMPLETION_CAP);
    assert!(lsp.shutdown().success());
}

/// `WORKSPACE_SYMBOL_LIMIT` in crates/server/src/handlers.rs.
const WORKSPACE_SYMBOL_CAP: usize = 128;

#[test]
fn long_workspace_symbol_lists_are_capped_best_first() {
    let dir = copy_fixture("flake-modules");
    let many: String = (0..200).map(|i| format!("  flake.modules.nixos.many-{i:03} = {{ }};\n")).collect();
    let exact = "  flake.modules.homeManager.many = { };\n";
    fs::write(dir.path().join("modules/many.nix"), format!("{{\n{many}{exact}}}\n")).expect("write many.nix");
    let mut lsp = Lsp::start(ClientOptions::folder(dir.path()));
    let symbols = lsp.result("workspace/symbol", json!({ "query": "many" }));
    let names: Vec<&str> =
        symbols.as_array().expect("symbols").iter().map(|s| s["name"].as_str().unwrap_or("?")).collect();
    // 201 aspects match: the exact name first, then the best of the rest, up to the cap.
    assert_eq!(names.len(), WORKSPACE_SYMBOL_CAP, "{names:?}");
    assert_eq!(names[0], "many", "{names:?}");
    assert!(names[1..].iter().all(|n| n.starts_with("many-")), "{names:?}");
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

/// The byte offset of an LSP position (UTF-16 columns) in `text`.
fn offset(text: &str, position: &Value) -> usize {
    let line = position["line"].as_u64().expect("line") as usize;
    let start = if line == 0 { 0 } else { text.match_indices('\n').nth(line - 1).expect("line in text").0 + 1 };
    let mut units = position["character"].as_u64().expect("character") as usize;
    let mut at = start;
    for c in text[start..].chars() {
        if units == 0 || c == '\n' {
            break;
        }
        units = units.saturating_sub(c.len_utf16());
        at += c.len_utf8();
    }
    at
}

/// `text` with the edits `edit` makes to `path` applied.
fn applied(edit: &Value, path: &Path, text: &str) -> String {
    let changes = edit["documentChanges"].as_array().unwrap_or_else(|| panic!("document changes: {edit}"));
    let doc = changes
        .iter()
        .find(|c| uri_path(c["textDocument"]["uri"].as_str().expect("uri")) == path)
        .unwrap_or_else(|| panic!("an edit of {}: {edit}", path.display()));
    let mut edits: Vec<(usize, usize, &str)> = doc["edits"]
        .as_array()
        .expect("edits")
        .iter()
        .map(|e| {
            (offset(text, &e["range"]["start"]), offset(text, &e["range"]["end"]), e["newText"].as_str().expect("text"))
        })
        .collect();
    edits.sort();
    let mut out = text.to_owned();
    for (start, end, new_text) in edits.into_iter().rev() {
        out.replace_range(start..end, new_text);
    }
    out
}

fn rename(lsp: &mut Lsp, path: &Path, position: Value, new_name: &str) -> Value {
    let mut params = at(path, position);
    params["newName"] = json!(new_name);
    lsp.result("textDocument/rename", params)
}

#[test]
fn rename_rewrites_an_inherit_as_a_binding() {
    let (mut lsp, desktop, text) = open_edited(
        "flake-modules",
        "modules/desktop/desktop.nix",
        &[
            (
                "{ config, lib, ... }:\n{\n",
                "{ config, lib, ... }:\nlet\n  inherit (config.flake.modules.nixos) base;\nin\n{\n",
            ),
            ("imports = with config.flake.modules.nixos; [ base ];", "imports = [ base ];"),
        ],
    );
    let nix = fixture("flake-modules").join("modules/base/nix.nix");
    let nix_text = fs::read_to_string(&nix).expect("read nix.nix");
    let edit = rename(&mut lsp, &nix, position_of(&nix_text, "nixos.base", 0, "nixos.b".len(), false), "core");
    // The local name `base` stays bound (and `imports = [ base ]` valid); it reads the new aspect.
    let expected =
        text.replace("inherit (config.flake.modules.nixos) base;", "base = config.flake.modules.nixos.core;");
    assert_eq!(applied(&edit, &desktop, &text), expected, "{edit}");
    assert!(lsp.shutdown().success());
}

#[test]
fn rename_to_a_non_identifier_turns_a_bare_with_name_into_a_quoted_select() {
    let (mut lsp, root) = start();
    let gouda = root.join("modules/hosts/gouda.nix");
    let users = root.join("modules/base/users.nix");
    let gouda_text = fs::read_to_string(&gouda).expect("read gouda");
    let users_text = fs::read_to_string(&users).expect("read users");
    let edit = rename(&mut lsp, &gouda, position_of(&gouda_text, "ssh", 0, 1, false), "secure shell");
    let expected = gouda_text.replace("        ssh\n", "        config.flake.modules.nixos.\"secure shell\"\n");
    assert_eq!(applied(&edit, &gouda, &gouda_text), expected, "{edit}");
    let expected = users_text.replace("      ssh\n", "      config.flake.modules.homeManager.\"secure shell\"\n");
    assert_eq!(applied(&edit, &users, &users_text), expected, "{edit}");
    assert!(lsp.shutdown().success());
}

#[test]
fn rename_shows_the_dynamic_references_it_cannot_follow() {
    let dynamic = "config.flake.modules.nixos.${config.networking.hostName}";
    let (mut lsp, gouda, text) = open_edited(
        "flake-modules",
        "modules/hosts/gouda.nix",
        &[("++ [ inputs.home-manager", &format!("++ [ {dynamic} inputs.home-manager"))],
    );
    let edit = rename(&mut lsp, &gouda, position_of(&text, "ssh", 0, 1, false), "openssh");
    assert_eq!(applied(&edit, &gouda, &text), text.replacen("ssh\n", "openssh\n", 1), "the edit still comes: {edit}");
    let shown = lsp.wait_for("the rename's note", |m| m["method"] == "window/showMessage");
    let line = position_of(&text, dynamic, 0, 0, false)["line"].as_u64().expect("line") + 1;
    let message = shown["params"]["message"].as_str().expect("message");
    assert!(message.contains(&format!("modules/hosts/gouda.nix:{line}: `{dynamic}` may name `ssh`")), "{message}");
    assert_eq!(shown["params"]["type"], 3, "information");
    assert!(lsp.shutdown().success());
}

#[test]
fn rename_of_a_local_name_stays_in_its_scope() {
    let line = "    users.users.${user}.isNormalUser = true;\n";
    let added = "    users.users.${user}.description = let user = \"someone else\"; in user;\n";
    let (mut lsp, users, text) =
        open_edited("flake-modules", "modules/base/users.nix", &[(line, &format!("{line}{added}"))]);
    let edit = rename(&mut lsp, &users, position_of(&text, "${user}", 1, 3, false), "owner");
    // The binding and its four uses; the inner `let user` shadows it and keeps its name.
    let expected = text.replacen("user = \"alice\"", "owner = \"alice\"", 1).replace("${user}", "${owner}");
    assert!(expected.contains("let user = \"someone else\"; in user;"));
    assert_eq!(applied(&edit, &users, &text), expected, "{edit}");
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
