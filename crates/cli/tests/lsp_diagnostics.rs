//! `canopy lsp` diagnostics: published for every file, not only open ones; updated across files
//! as the user types and as files change on disk; shaped by the settings.

mod lsp_support;

use std::fs;

use lsp_support::{ClientOptions, Lsp, codes, copy_fixture, file_uri, fixture, position, position_of};
use serde_json::{Value, json};

#[test]
fn closed_files_get_diagnostics_once_the_folder_is_indexed() {
    let folder = fixture("broken");
    let mut lsp = Lsp::start(ClientOptions::folder(&folder));
    let gruyere = folder.join("modules/hosts/gruyere.nix");
    let found = lsp.wait_for_diagnostics(&gruyere, "gruyere.nix's diagnostics", |d| {
        codes(d).contains(&"undefined-aspect".to_owned())
    });
    let undefined = found.iter().find(|d| d["code"] == "undefined-aspect").expect("undefined-aspect");
    assert_eq!(undefined["source"], "canopy");
    assert_eq!(undefined["severity"], 1, "error");
    assert!(undefined["message"].as_str().is_some_and(|m| m.contains("deskotp")), "{undefined}");
    // `deskotp` on line 7 (0-based 6), after six spaces.
    assert_eq!(
        undefined["range"],
        json!({ "start": { "line": 6, "character": 6 }, "end": { "line": 6, "character": 13 } })
    );

    let unknown = folder.join("modules/features/unknown-class.nix");
    let found = lsp.wait_for_diagnostics(&unknown, "unknown-class.nix's diagnostics", |d| !d.is_empty());
    assert_eq!(codes(&found), ["unknown-class"]);
    assert_eq!(found[0]["severity"], 2, "warning");

    // The `unused-aspect` hint is off by default: nothing for unused.nix among everything sent.
    let unused = folder.join("modules/features/unused.nix");
    assert!(lsp.diagnostics.get(&unused).is_none_or(|d| !codes(d).contains(&"unused-aspect".to_owned())));
    assert!(lsp.shutdown().success());
}

#[test]
fn settings_turn_hints_on_and_codes_off() {
    let folder = fixture("broken");
    let mut options = ClientOptions::folder(&folder);
    options.initialization_options = json!({ "diagnostics": { "unusedAspect": true } });
    let mut lsp = Lsp::start(options);
    let unused = folder.join("modules/features/unused.nix");
    let found = lsp.wait_for_diagnostics(&unused, "the unused-aspect hint", |d| !d.is_empty());
    assert_eq!(codes(&found), ["unused-aspect"]);
    assert_eq!(found[0]["severity"], 4, "hint");
    assert_eq!(found[0]["tags"], json!([1]), "unnecessary");

    // Pushed settings replace the first ones: the hint goes, and so does a disabled code.
    let settings = json!({ "canopy": { "diagnostics": { "disabled": ["unknown-class"] } } });
    lsp.notify("workspace/didChangeConfiguration", json!({ "settings": settings }));
    lsp.wait_for_diagnostics(&unused, "the hint to be withdrawn", <[Value]>::is_empty);
    let unknown = folder.join("modules/features/unknown-class.nix");
    lsp.wait_for_diagnostics(&unknown, "unknown-class to be withdrawn", <[Value]>::is_empty);
    let gruyere = folder.join("modules/hosts/gruyere.nix");
    let left = lsp.wait_for_diagnostics(&gruyere, "unknown-class to leave gruyere.nix", |d| {
        !codes(d).contains(&"unknown-class".to_owned())
    });
    assert!(codes(&left).contains(&"undefined-aspect".to_owned()), "{left:?}");

    // A client that only signals a change gets asked for its settings.
    lsp.options.pulled_settings = json!({ "diagnostics": { "unusedAspect": true } });
    lsp.notify("workspace/didChangeConfiguration", json!({ "settings": null }));
    lsp.wait_for("workspace/configuration", |m| m["method"] == "workspace/configuration");
    lsp.wait_for_diagnostics(&unused, "the hint to come back", |d| !d.is_empty());
    assert!(lsp.shutdown().success());
}

/// Renames the definition of `ssh` in one file: the reference in another (closed) file becomes
/// undefined, then the undo clears it.
#[test]
fn an_edit_in_one_file_raises_and_clears_a_diagnostic_in_another() {
    let folder = fixture("flake-modules");
    let mut lsp = Lsp::start(ClientOptions::folder(&folder));
    let ssh = folder.join("modules/base/ssh.nix");
    let gouda = folder.join("modules/hosts/gouda.nix");
    let uri = file_uri(&ssh);
    let text = lsp.open(&ssh);
    let start = position_of(&text, "nixos.ssh", 0, "nixos.".len(), false);
    let end = position_of(&text, "nixos.ssh", 0, "nixos.ssh".len(), false);

    // Typed one key at a time: a burst of edits.
    lsp.change(&uri, 2, end.clone(), end.clone(), "d");
    let after_d = json!({ "line": end["line"], "character": end["character"].as_u64().expect("column") + 1 });
    lsp.change(&uri, 3, after_d.clone(), after_d, "x");
    let found = lsp.wait_for_diagnostics(&gouda, "undefined `ssh` in gouda.nix", |d| {
        codes(d).contains(&"undefined-aspect".to_owned())
    });
    assert!(found.iter().any(|d| d["message"].as_str().is_some_and(|m| m.contains("`ssh`"))), "{found:?}");

    // Undo: back to `ssh`.
    let end_now = json!({ "line": end["line"], "character": end["character"].as_u64().expect("column") + 2 });
    lsp.change(&uri, 4, start.clone(), end_now, "ssh");
    lsp.wait_for_diagnostics(&gouda, "gouda.nix to be clean again", <[Value]>::is_empty);
    // The edited file itself never had any.
    assert!(lsp.diagnostics.get(&ssh).is_none_or(Vec::is_empty));
    assert!(lsp.shutdown().success());
}

/// The same, on a line with non-ASCII characters, in both position encodings: edits and the
/// published ranges count columns in the negotiated unit.
#[test]
fn edits_and_diagnostics_on_non_ascii_lines_in_utf16() {
    edits_on_non_ascii_lines(false);
}

#[test]
fn edits_and_diagnostics_on_non_ascii_lines_in_utf8() {
    edits_on_non_ascii_lines(true);
}

fn edits_on_non_ascii_lines(utf8: bool) {
    let folder = fixture("paths with spaces [and brackets]");
    let mut options = ClientOptions::folder(&folder);
    options.utf8 = utf8;
    let mut lsp = Lsp::start(options);
    let screen = folder.join("modules/héllo wörld/(screen) 1.nix");
    let seance = folder.join("modules/my desktop/[gui] séance.nix");
    let uri = file_uri(&screen);
    let text = lsp.open(&screen);
    // `"écran"` → `"écrans"`: the reference in séance.nix is left undefined.
    let end = position_of(&text, "\"écran\"", 0, "\"écran".len(), utf8);
    lsp.change(&uri, 2, end.clone(), end, "s");
    let found = lsp.wait_for_diagnostics(&seance, "undefined `écran`", |d| !d.is_empty());
    assert_eq!(codes(&found), ["undefined-aspect"]);
    let seance_text = fs::read_to_string(&seance).expect("read séance");
    let name = seance_text.find("\"écran\"").expect("the reference");
    let expected_start = position(&seance_text, name, utf8);
    let expected_end = position(&seance_text, name + "\"écran\"".len(), utf8);
    let range = &found[0]["range"];
    // The range covers the name, with or without its quotes.
    assert_eq!(range["start"]["line"], expected_start["line"]);
    let start = range["start"]["character"].as_u64().expect("column");
    let end = range["end"]["character"].as_u64().expect("column");
    let (lo, hi) = (expected_start["character"].as_u64().expect("c"), expected_end["character"].as_u64().expect("c"));
    assert!(start == lo || start == lo + 1, "start {start}, name at {lo}..{hi} ({range})");
    assert!(end == hi || end == hi - 1, "end {end}, name at {lo}..{hi} ({range})");

    // Undo: delete the `s` (one unit in either encoding).
    let s_start = position_of(&text, "\"écran\"", 0, "\"écran".len(), utf8);
    let s_end = json!({ "line": s_start["line"], "character": s_start["character"].as_u64().expect("column") + 1 });
    lsp.change(&uri, 3, s_start.clone(), s_end, "");
    // And a position past the end of the line clamps to its end.
    let past_end = json!({ "line": s_start["line"], "character": 999 });
    lsp.change(&uri, 4, past_end.clone(), past_end, " # ✓");
    lsp.wait_for_diagnostics(&seance, "séance.nix to be clean again", <[Value]>::is_empty);
    // The edits landed where meant: the edited file is still valid (its sets go out first).
    let own = lsp.diagnostics.get(&screen).cloned().unwrap_or_default();
    assert!(own.is_empty(), "{own:?}");
    assert!(lsp.shutdown().success());
}

/// A file created on disk defines the aspect that a closed file misses; deleting it brings the
/// diagnostic back.
#[test]
fn files_created_and_deleted_on_disk_update_the_graph() {
    let dir = copy_fixture("broken");
    let root = dir.path().to_path_buf();
    let mut lsp = Lsp::start(ClientOptions::folder(&root));
    let gruyere = root.join("modules/hosts/gruyere.nix");
    let has_deskotp = |d: &[Value]| d.iter().any(|d| d["message"].as_str().is_some_and(|m| m.contains("`deskotp`")));
    lsp.wait_for_diagnostics(&gruyere, "undefined `deskotp`", has_deskotp);

    let created = root.join("modules/features/typo [1].nix");
    fs::write(&created, "{\n  flake.modules.nixos.deskotp = { };\n}\n").expect("write file");
    let event = json!({ "changes": [{ "uri": file_uri(&created), "type": 1 }] });
    lsp.notify("workspace/didChangeWatchedFiles", event);
    lsp.wait_for_diagnostics(&gruyere, "`deskotp` to be defined", |d| !has_deskotp(d));
    let symbols = lsp.result("workspace/symbol", json!({ "query": "deskotp" }));
    let location = &symbols[0]["location"];
    assert_eq!(lsp_support::uri_path(location["uri"].as_str().expect("uri")), created, "{symbols}");

    fs::remove_file(&created).expect("delete file");
    let event = json!({ "changes": [{ "uri": file_uri(&created), "type": 3 }] });
    lsp.notify("workspace/didChangeWatchedFiles", event);
    lsp.wait_for_diagnostics(&gruyere, "undefined `deskotp` again", has_deskotp);

    // A whole folder deleted: its files leave the graph.
    let features = root.join("modules/features");
    fs::remove_dir_all(&features).expect("delete folder");
    let event = json!({ "changes": [{ "uri": file_uri(&features), "type": 3 }] });
    lsp.notify("workspace/didChangeWatchedFiles", event);
    let unknown = features.join("unknown-class.nix");
    lsp.wait_for_diagnostics(&unknown, "a deleted file's diagnostics to be cleared", <[Value]>::is_empty);
    assert!(lsp.shutdown().success());
}

/// Open documents override the disk: a change on disk to an open file is ignored until it closes.
#[test]
fn open_documents_override_the_disk() {
    let dir = copy_fixture("flake-modules");
    let root = dir.path().to_path_buf();
    let mut lsp = Lsp::start(ClientOptions::folder(&root));
    let ssh = root.join("modules/base/ssh.nix");
    let gouda = root.join("modules/hosts/gouda.nix");
    let text = lsp.open(&ssh);
    fs::write(&ssh, text.replace("nixos.ssh", "nixos.sshd")).expect("write file");
    let event = json!({ "changes": [{ "uri": file_uri(&ssh), "type": 2 }] });
    lsp.notify("workspace/didChangeWatchedFiles", event);
    // The editor's text still defines `ssh`.
    let gouda_text = fs::read_to_string(&gouda).expect("read gouda");
    let at = position_of(&gouda_text, "ssh", 0, 1, false);
    let hover =
        lsp.result("textDocument/hover", json!({ "textDocument": { "uri": file_uri(&gouda) }, "position": at }));
    assert!(hover["contents"]["value"].as_str().is_some_and(|v| v.contains("`nixos`")), "{hover}");
    assert!(lsp.diagnostics.get(&gouda).is_none_or(Vec::is_empty));

    // Closed, the disk's text wins: `ssh` is gone.
    lsp.notify("textDocument/didClose", json!({ "textDocument": { "uri": file_uri(&ssh) } }));
    lsp.wait_for_diagnostics(&gouda, "undefined `ssh` once the disk wins", |d| !d.is_empty());
    assert!(lsp.shutdown().success());
}

/// Folders come and go; each is a workspace of its own.
#[test]
fn workspace_folders_can_be_added_and_removed() {
    let modules = fixture("flake-modules");
    let broken = fixture("broken");
    let mut lsp = Lsp::start(ClientOptions::folder(&modules));
    let event = json!({ "event": { "added": [{ "uri": file_uri(&broken), "name": "broken" }], "removed": [] } });
    lsp.notify("workspace/didChangeWorkspaceFolders", event);
    let gruyere = broken.join("modules/hosts/gruyere.nix");
    lsp.wait_for_diagnostics(&gruyere, "the new folder's diagnostics", |d| !d.is_empty());
    // `desktop` in flake-modules is not `desktop` in broken: separate graphs.
    let gouda = modules.join("modules/hosts/gouda.nix");
    let at = position_of(&fs::read_to_string(&gouda).expect("read gouda"), "desktop", 0, 1, false);
    let hover =
        lsp.result("textDocument/hover", json!({ "textDocument": { "uri": file_uri(&gouda) }, "position": at }));
    assert!(hover["contents"]["value"].as_str().is_some_and(|v| v.contains("2 files")), "{hover}");

    let event = json!({ "event": { "added": [], "removed": [{ "uri": file_uri(&broken), "name": "broken" }] } });
    lsp.notify("workspace/didChangeWorkspaceFolders", event);
    lsp.wait_for_diagnostics(&gruyere, "the removed folder's diagnostics to be cleared", <[Value]>::is_empty);
    assert!(lsp.shutdown().success());
}

/// A folder inside another: each file belongs to the deepest one, so nothing is analysed twice.
#[test]
fn nested_folders_hold_each_file_once() {
    let outer = lsp_support::fixtures();
    let inner = fixture("broken");
    let mut options = ClientOptions::folder(&outer);
    options.folders.push(inner.clone());
    let mut lsp = Lsp::start(options);
    let gruyere = inner.join("modules/hosts/gruyere.nix");
    lsp.wait_for_diagnostics(&gruyere, "gruyere.nix's diagnostics", |d| !d.is_empty());
    let symbols = lsp.result("workspace/symbol", json!({ "query": "gruyere" }));
    let found: Vec<&Value> = symbols.as_array().expect("symbols").iter().filter(|s| s["name"] == "gruyere").collect();
    assert_eq!(found.len(), 2, "the aspect and the host, once each: {symbols}");

    let before = lsp.diagnostics[&gruyere].clone();

    // Without the inner folder, the outer one takes its files back, and finds in them a flake of
    // its own, which it analyses apart as before: the same diagnostics, cleared meanwhile.
    // The first index's progress goes: what follows is the second's.
    lsp.forget();
    let event = json!({ "event": { "added": [], "removed": [{ "uri": file_uri(&inner), "name": "broken" }] } });
    lsp.notify("workspace/didChangeWorkspaceFolders", event);
    indexed(&mut lsp, "canopy: indexing fixtures");
    assert_eq!(lsp.diagnostics.get(&gruyere), Some(&Vec::new()), "the inner folder's diagnostics cleared");
    indexed(&mut lsp, "canopy: indexing broken");
    let outline = lsp.result("textDocument/documentSymbol", json!({ "textDocument": { "uri": file_uri(&gruyere) } }));
    assert!(outline.is_array(), "the flake below the outer folder holds gruyere.nix: {outline}");
    let after = lsp.wait_for_diagnostics(&gruyere, "the flake's diagnostics", |d| !d.is_empty());
    assert_eq!(after, before);
    let symbols = lsp.result("workspace/symbol", json!({ "query": "gruyere" }));
    let found: Vec<&Value> = symbols.as_array().expect("symbols").iter().filter(|s| s["name"] == "gruyere").collect();
    assert_eq!(found.len(), 2, "still once each: {symbols}");
    assert!(lsp.shutdown().success());
}

/// Waits for the index whose progress has `title` to begin, then to end.
fn indexed(lsp: &mut Lsp, title: &str) {
    let begin = lsp.wait_for(title, |m| m["method"] == "$/progress" && m["params"]["value"]["title"] == title);
    let token = begin["params"]["token"].clone();
    lsp.wait_for("its end", |m| {
        m["method"] == "$/progress" && m["params"]["token"] == token && m["params"]["value"]["kind"] == "end"
    });
}

#[test]
fn opening_a_file_sends_its_diagnostics_again() {
    // Some clients (eglot, flymake) drop what they hold for closed files, and expect the set
    // again when the file opens, even though nothing in it changed.
    let folder = fixture("broken");
    let mut lsp = Lsp::start(ClientOptions::folder(&folder));
    let unknown = folder.join("modules/features/unknown-class.nix");
    lsp.wait_for_diagnostics(&unknown, "unknown-class.nix's diagnostics", |d| !d.is_empty());
    let before = lsp.received("textDocument/publishDiagnostics").len();
    lsp.open(&unknown);
    let again = lsp.wait_for("the set sent again on didOpen", |m| {
        m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == file_uri(&unknown)
    });
    assert_eq!(codes(again["params"]["diagnostics"].as_array().expect("diagnostics")), ["unknown-class"]);
    assert!(lsp.received("textDocument/publishDiagnostics").len() > before);
    assert!(lsp.shutdown().success());
}
