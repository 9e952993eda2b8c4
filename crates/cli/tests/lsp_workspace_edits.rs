//! The edits canopy proposes, at the protocol level: for every aspect definition of every fixture,
//! after edits to open documents, a rename's `WorkspaceEdit` names each document once, carries
//! the version of every open document (and `null` for the others), holds no overlapping edits and
//! no range outside its document, and, applied the way an editor applies it, leaves no new
//! `undefined-aspect` diagnostic and the aspect defined under its new name.

mod lsp_support;

use std::collections::{BTreeMap, HashMap};
use std::fs;
use std::path::{Path, PathBuf};

use lsp_support::{ClientOptions, Lsp, file_uri, fixture, line_starts, nix_files, uri_path};
use serde_json::{Value, json};

/// The byte offset of an LSP position (columns in UTF-8 bytes or UTF-16 units); `None` when the
/// position is not inside the text (a line past the last, a column past the line's end or inside a
/// character).
fn offset(text: &str, position: &Value, utf8: bool) -> Option<usize> {
    let line = position["line"].as_u64()? as usize;
    let character = position["character"].as_u64()? as usize;
    let starts = line_starts(text);
    let start = *starts.get(line)?;
    let end = starts.get(line + 1).map_or(text.len(), |&s| s);
    let content = text[start..end].trim_end_matches('\n').trim_end_matches('\r');
    let mut units = 0;
    for (i, c) in content.char_indices() {
        if units == character {
            return Some(start + i);
        }
        units += if utf8 { c.len_utf8() } else { c.len_utf16() };
    }
    (units == character).then_some(start + content.len())
}

/// One document's edits as byte ranges, checked: inside the text, none overlapping.
fn byte_edits(text: &str, edits: &[Value], utf8: bool, what: &str) -> Vec<(usize, usize, String)> {
    let mut out: Vec<(usize, usize, String)> = edits
        .iter()
        .map(|e| {
            let start = offset(text, &e["range"]["start"], utf8);
            let end = offset(text, &e["range"]["end"], utf8);
            let (Some(start), Some(end)) = (start, end) else { panic!("{what}: a range outside the text: {e}") };
            assert!(start <= end, "{what}: a reversed range: {e}");
            (start, end, e["newText"].as_str().expect("newText").to_owned())
        })
        .collect();
    out.sort_by_key(|(start, end, _)| (*start, *end));
    for pair in out.windows(2) {
        assert!(pair[0].1 <= pair[1].0 && pair[0] != pair[1], "{what}: overlapping edits {pair:?}");
    }
    out
}

fn apply(text: &str, edits: &[(usize, usize, String)]) -> String {
    let mut out = text.to_owned();
    for (start, end, new_text) in edits.iter().rev() {
        out.replace_range(*start..*end, new_text);
    }
    out
}

/// What the client holds open: text and version, by path.
struct Open {
    docs: HashMap<PathBuf, (String, i32)>,
}

impl Open {
    fn text(&self, path: &Path) -> String {
        match self.docs.get(path) {
            Some((text, _)) => text.clone(),
            None => fs::read_to_string(path).expect("read fixture file"),
        }
    }
}

/// `undefined-aspect` diagnostics per file as the server has them now, and every aspect defined.
fn survey(lsp: &mut Lsp, files: &[PathBuf]) -> (BTreeMap<PathBuf, usize>, Vec<String>) {
    let mut undefined = BTreeMap::new();
    let mut defined = Vec::new();
    for path in files {
        let inspected = lsp.result("canopy/inspectFile", json!({ "textDocument": { "uri": file_uri(path) } }));
        let list = |key: &str| inspected[key].as_array().cloned().unwrap_or_default();
        undefined.insert(path.clone(), list("diagnostics").iter().filter(|d| d["code"] == "undefined-aspect").count());
        defined.extend(list("definitions").iter().filter_map(|d| d["name"].as_str().map(str::to_owned)));
    }
    (undefined, defined)
}

/// Opens `path` and edits it twice, so that its text and version differ from the disk's: a line at
/// the top, and an astral character at the start of its middle line.
fn open_and_edit(lsp: &mut Lsp, open: &mut Open, path: &Path) {
    let uri = file_uri(path);
    let mut text = lsp.open(path);
    let top = json!({ "line": 0, "character": 0 });
    lsp.change(&uri, 2, top.clone(), top, "# edited\n");
    text.insert_str(0, "# edited\n");
    let middle = line_starts(&text).len() / 2;
    let at = json!({ "line": middle, "character": 0 });
    lsp.change(&uri, 3, at.clone(), at, "🦀");
    text.insert(line_starts(&text)[middle], '🦀');
    // The crab may sit inside a string or a comment or break the syntax: that is the point, as
    // long as it is what the server holds.
    open.docs.insert(path.to_path_buf(), (text, 3));
}

/// Every place an aspect's name is written, by file, name and kind (`definitions` or
/// `references`): renames start from both.
fn aspect_sites(lsp: &mut Lsp, files: &[PathBuf]) -> Vec<(PathBuf, String, &'static str)> {
    let mut sites = Vec::new();
    for path in files {
        let inspected = lsp.result("canopy/inspectFile", json!({ "textDocument": { "uri": file_uri(path) } }));
        for kind in ["definitions", "references"] {
            for d in inspected[kind].as_array().into_iter().flatten() {
                sites.push((path.clone(), d["name"].as_str().expect("name").to_owned(), kind));
            }
        }
    }
    sites.dedup();
    sites
}

/// A rename to make: the aspect `name`, written in `path` among its `kind`, to `new_name`.
struct Site<'a> {
    path: &'a Path,
    name: &'a str,
    kind: &'a str,
    new_name: String,
}

/// What became of a rename.
enum Outcome {
    Renamed,
    Refused,
    /// The edits broke the syntax around the name: nothing to rename there.
    Gone,
}

fn check_fixture(name: &str, utf8: bool) -> (usize, usize) {
    let root = fixture(name);
    let mut files = Vec::new();
    nix_files(&root, &mut files);
    let mut options = ClientOptions::folder(&root);
    options.utf8 = utf8;
    let mut lsp = Lsp::start(options);
    let sites = aspect_sites(&mut lsp, &files);
    let (mut renamed, mut refused) = (0, 0);
    for (n, (path, name, kind)) in sites.iter().enumerate() {
        let mut open = Open { docs: HashMap::new() };
        // The definition's file and another file of the fixture are open and edited.
        open_and_edit(&mut lsp, &mut open, path);
        let other = &files[n % files.len()];
        if other != path {
            open_and_edit(&mut lsp, &mut open, other);
        }
        let site = Site { path, name, kind, new_name: format!("renamed{n}") };
        match rename(&mut lsp, &mut open, &files, &site, utf8) {
            Outcome::Renamed => renamed += 1,
            Outcome::Refused => refused += 1,
            Outcome::Gone => {}
        }
        close_all(&mut lsp, &open);
    }
    assert!(lsp.shutdown().success());
    (renamed, refused)
}

/// Renames the aspect at `site` as the client sees it now, applies the edit the way an editor
/// does, and checks what the server then holds.
fn rename(lsp: &mut Lsp, open: &mut Open, files: &[PathBuf], site: &Site<'_>, utf8: bool) -> Outcome {
    let name = site.name;
    let before = survey(lsp, files);
    // Where the name is now: the server says, in the edited text.
    let inspected = lsp.result("canopy/inspectFile", json!({ "textDocument": { "uri": file_uri(site.path) } }));
    let now = inspected[site.kind].as_array().into_iter().flatten().find(|d| d["name"] == name);
    let Some(now) = now else {
        // The crab broke the syntax around it: nothing to rename there.
        return Outcome::Gone;
    };
    let position = now["range"]["start"].clone();
    let at = json!({ "textDocument": { "uri": file_uri(site.path) }, "position": position });
    let prepared = lsp.request("textDocument/prepareRename", at.clone());
    let mut params = at;
    params["newName"] = json!(site.new_name);
    let response = lsp.request("textDocument/rename", params);
    let Some(edit) = response.get("result").filter(|r| !r.is_null()) else {
        assert_eq!(response["error"]["code"], -32803, "{name}: refused with RequestFailed: {response}");
        assert_eq!(prepared["error"]["code"], -32803, "{name}: prepareRename refuses too: {prepared}");
        return Outcome::Refused;
    };
    assert!(prepared["result"]["range"].is_object(), "{name}: a rename needs a prepared range: {prepared}");
    let changes = edit["documentChanges"].as_array().unwrap_or_else(|| panic!("{name}: documentChanges: {edit}"));
    let mut seen = Vec::new();
    for change in changes {
        let target = uri_path(change["textDocument"]["uri"].as_str().expect("uri"));
        assert!(!seen.contains(&target), "{name}: {} twice in {edit}", target.display());
        seen.push(target.clone());
        apply_document_edit(lsp, open, change, &format!("renaming {name} in {}", target.display()), utf8);
    }
    assert_renamed(lsp, open, files, site, &before, edit);
    Outcome::Renamed
}

/// Applies one document's part of a rename, checked, to what the client holds.
fn apply_document_edit(lsp: &mut Lsp, open: &mut Open, change: &Value, what: &str, utf8: bool) {
    let uri = change["textDocument"]["uri"].as_str().expect("uri");
    let target = uri_path(uri);
    let version = &change["textDocument"]["version"];
    match open.docs.get(&target) {
        Some((_, current)) => assert_eq!(version, &json!(current), "{what}: the open document's version"),
        None => assert!(version.is_null(), "{what}: a closed document has no version: {change}"),
    }
    let edits = change["edits"].as_array().expect("edits");
    assert!(!edits.is_empty(), "{what}: an empty document edit");
    let text = open.text(&target);
    let bytes = byte_edits(&text, edits, utf8, what);
    let new_text = apply(&text, &bytes);
    match open.docs.get_mut(&target) {
        // An open document gets the edits as they came, the way an editor applies them.
        // Every range refers to the text before the edit: the last one goes first.
        Some((text, version)) => {
            *version += 1;
            let mut last_first: Vec<&Value> = edits.iter().collect();
            let start = |e: &Value| (e["range"]["start"]["line"].as_u64(), e["range"]["start"]["character"].as_u64());
            last_first.sort_by_key(|e| std::cmp::Reverse(start(e)));
            let changes: Vec<Value> =
                last_first.iter().map(|e| json!({ "range": e["range"], "text": e["newText"] })).collect();
            let params = json!({ "textDocument": { "uri": uri, "version": *version }, "contentChanges": changes });
            lsp.notify("textDocument/didChange", params);
            *text = new_text;
        }
        // A closed one is opened with the edits applied (VS Code opens it in the background).
        None => {
            lsp.open_text(&file_uri(&target), &new_text);
            open.docs.insert(target, (new_text, 1));
        }
    }
}

/// The server holds what the client computed, and the aspect is defined under its new name with
/// no new `undefined-aspect` anywhere (`before`: the survey before the rename).
fn assert_renamed(
    lsp: &mut Lsp,
    open: &Open,
    files: &[PathBuf],
    site: &Site<'_>,
    before: &(BTreeMap<PathBuf, usize>, Vec<String>),
    edit: &Value,
) {
    let (name, new_name) = (site.name, &site.new_name);
    for (doc, (text, version)) in &open.docs {
        let inspected = lsp.result("canopy/inspectFile", json!({ "textDocument": { "uri": file_uri(doc) } }));
        assert_eq!(inspected["text"], text.as_str(), "renaming {name}: {}", doc.display());
        assert_eq!(inspected["version"], *version);
    }
    let (after, defined) = survey(lsp, files);
    // An aspect defined before is defined under its new name (one only referenced, say
    // defined at evaluation time, stays undefined, and no diagnostic says otherwise).
    if before.1.iter().any(|n| n == name) {
        assert!(defined.iter().any(|n| n.contains(new_name.as_str())), "{name} → {new_name}: not defined after {edit}");
    }
    for (file, count) in &after {
        assert!(count <= &before.0[file], "renaming {name}: new undefined-aspect in {}: {edit}", file.display());
    }
}

fn close_all(lsp: &mut Lsp, open: &Open) {
    for path in open.docs.keys() {
        lsp.notify("textDocument/didClose", json!({ "textDocument": { "uri": file_uri(path) } }));
    }
}

fn check_every_fixture(utf8: bool) {
    let mut total = 0;
    for name in ["flake-modules", "den", "flake-aspects", "unify", "custom-options", "flake-outputs", "mixed", "broken"]
    {
        let (renamed, refused) = check_fixture(name, utf8);
        eprintln!("{name}: {renamed} renames applied, {refused} refused");
        assert!(renamed > 0, "{name}: at least one aspect renamed");
        total += renamed;
    }
    eprintln!("{total} renames checked");
}

#[test]
fn every_rename_in_every_fixture_is_a_clean_versioned_edit_that_breaks_nothing() {
    check_every_fixture(false);
}

#[test]
fn every_rename_is_clean_in_utf8_positions_too() {
    check_every_fixture(true);
}
