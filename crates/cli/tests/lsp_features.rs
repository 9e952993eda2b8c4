//! `canopy lsp` navigation: definition, references, highlights, hover, outline and workspace
//! symbols, for aspects, classes, hosts, local names and paths, over the fixtures, with odd paths
//! and non-ASCII lines in both position encodings.

mod lsp_support;

use std::fs;
use std::path::{Path, PathBuf};

use lsp_support::{ClientOptions, Lsp, file_uri, fixture, position, position_of, uri_path};
use serde_json::{Value, json};

fn at(path: &Path, position: Value) -> Value {
    json!({ "textDocument": { "uri": file_uri(path) }, "position": position })
}

fn range(start: Value, end: Value) -> Value {
    json!({ "start": start, "end": end })
}

/// The range of the `nth` `needle` in `text`.
fn range_of(text: &str, needle: &str, nth: usize) -> Value {
    range(position_of(text, needle, nth, 0, false), position_of(text, needle, nth, needle.len(), false))
}

/// The range of `len` bytes at `within` bytes into the `nth` `needle` of `text`.
fn name_range(text: &str, needle: &str, nth: usize, within: usize, len: usize) -> Value {
    range(position_of(text, needle, nth, within, false), position_of(text, needle, nth, within + len, false))
}

/// A server on one fixture, indexed.
struct Session {
    lsp: Lsp,
    root: PathBuf,
}

impl Session {
    fn start(fixture_name: &str) -> Session {
        let root = fixture(fixture_name);
        Session { lsp: Lsp::start(ClientOptions::folder(&root)), root }
    }

    fn file(&self, path: &str) -> (PathBuf, String) {
        let path = self.root.join(path);
        let text = fs::read_to_string(&path).expect("read fixture file");
        (path, text)
    }
}

#[test]
fn definition_answers_location_links_across_files() {
    let mut f = Session::start("flake-modules");
    let (gouda, gouda_text) = f.file("modules/hosts/gouda.nix");
    let (ssh, ssh_text) = f.file("modules/base/ssh.nix");

    let links = f.lsp.result("textDocument/definition", at(&gouda, position_of(&gouda_text, "ssh", 0, 1, false)));
    let links = links.as_array().expect("a list of links");
    assert_eq!(links.len(), 1, "{links:?}");
    let link = &links[0];
    assert_eq!(link["originSelectionRange"], range_of(&gouda_text, "ssh", 0));
    assert_eq!(uri_path(link["targetUri"].as_str().expect("uri")), ssh);
    let name = ssh_text.find("nixos.ssh").expect("definition") + "nixos.".len();
    assert_eq!(
        link["targetSelectionRange"],
        range(position(&ssh_text, name, false), position(&ssh_text, name + 3, false))
    );
    // The whole binding, from `flake` to its closing brace.
    let binding = ssh_text.find("flake.modules.nixos.ssh").expect("binding");
    assert_eq!(link["targetRange"]["start"], position(&ssh_text, binding, false));
    assert_eq!(link["targetRange"]["end"]["line"], 4, "{link}");

    // An aspect defined in two files lands in both.
    let links = f.lsp.result("textDocument/definition", at(&gouda, position_of(&gouda_text, "desktop", 0, 0, false)));
    let mut targets: Vec<PathBuf> =
        links.as_array().expect("links").iter().map(|l| uri_path(l["targetUri"].as_str().expect("uri"))).collect();
    targets.sort();
    assert_eq!(targets, [f.root.join("modules/desktop/desktop.nix"), f.root.join("modules/desktop/fonts.nix")]);

    // Nothing to go to on a keyword.
    let nothing = f.lsp.result("textDocument/definition", at(&gouda, position_of(&gouda_text, "imports", 0, 2, false)));
    assert_eq!(nothing, Value::Null);
    assert!(f.lsp.shutdown().success());
}

/// Asks for the definition of the `nth_use` `name` of `text` and checks it lands on the
/// `nth_binding` `name` of the same file, the origin on the name used.
fn assert_lands_on_binding(f: &mut Session, path: &Path, text: &str, name: &str, nth_use: usize, nth_binding: usize) {
    let links = f.lsp.result("textDocument/definition", at(path, position_of(text, name, nth_use, 1, false)));
    let links = links.as_array().unwrap_or_else(|| panic!("links for `{name}`: {links}"));
    assert_eq!(links.len(), 1, "`{name}`: {links:?}");
    assert_eq!(uri_path(links[0]["targetUri"].as_str().expect("uri")), path);
    assert_eq!(links[0]["originSelectionRange"], range_of(text, name, nth_use), "`{name}`");
    assert_eq!(links[0]["targetSelectionRange"], range_of(text, name, nth_binding), "`{name}`");
}

#[test]
fn definition_from_a_local_name_lands_on_its_binding() {
    let mut f = Session::start("mixed");
    let (users, text) = f.file("modules/features/users.nix");
    // `genAttrs people` → `people = [ ... ];` in the `let`.
    assert_lands_on_binding(&mut f, &users, &text, "people", 1, 0);
    // `mk-user.nix name` → the lambda's argument in `(name: ...)`.
    assert_lands_on_binding(&mut f, &users, &text, "name", 1, 0);
    let (home, text) = f.file("modules/features/home.nix");
    // `homeManager.shell` → `inherit (config.flake.modules) homeManager;`.
    assert_lands_on_binding(&mut f, &home, &text, "homeManager", 1, 0);
    assert!(f.lsp.shutdown().success());
}

#[test]
fn definition_from_a_path_literal_opens_the_file() {
    let mut f = Session::start("mixed");
    let (users, text) = f.file("modules/features/users.nix");
    let literal = "./../_lib/mk-user.nix";
    let links = f.lsp.result("textDocument/definition", at(&users, position_of(&text, literal, 0, 8, false)));
    let links = links.as_array().expect("a list of links");
    assert_eq!(links.len(), 1, "{links:?}");
    assert_eq!(links[0]["originSelectionRange"], range_of(&text, literal, 0));
    assert_eq!(uri_path(links[0]["targetUri"].as_str().expect("uri")), f.root.join("modules/_lib/mk-user.nix"));
    assert_eq!(links[0]["targetSelectionRange"]["start"], json!({ "line": 0, "character": 0 }));
    assert!(f.lsp.shutdown().success());
}

#[test]
fn references_list_every_use_and_optionally_the_definitions() {
    let mut f = Session::start("flake-modules");
    let (nix, nix_text) = f.file("modules/base/nix.nix");
    let (desktop, desktop_text) = f.file("modules/desktop/desktop.nix");
    let on_base = position_of(&nix_text, "nixos.base", 0, "nixos.".len(), false);

    let mut params = at(&nix, on_base);
    params["context"] = json!({ "includeDeclaration": false });
    let refs = f.lsp.result("textDocument/references", params.clone());
    let refs = refs.as_array().expect("locations");
    // `base` is one aspect in both its classes: users.nix imports its home-manager side.
    let (users, users_text) = f.file("modules/base/users.nix");
    assert_eq!(refs.len(), 2, "{refs:?}");
    assert_eq!(uri_path(refs[0]["uri"].as_str().expect("uri")), users);
    assert_eq!(refs[0]["range"], range_of(&users_text, "base", 0));
    assert_eq!(uri_path(refs[1]["uri"].as_str().expect("uri")), desktop);
    assert_eq!(refs[1]["range"], range_of(&desktop_text, "base", 0));

    params["context"] = json!({ "includeDeclaration": true });
    let refs = f.lsp.result("textDocument/references", params);
    let files: Vec<PathBuf> =
        refs.as_array().expect("locations").iter().map(|l| uri_path(l["uri"].as_str().expect("uri"))).collect();
    // Both definitions in nix.nix (`nixos` and `homeManager`).
    assert_eq!(files, [nix.clone(), nix, users, desktop], "in path order");
    assert!(f.lsp.shutdown().success());
}

/// users.nix binds `user = "alice";` and reads it three times, each as `${user}`.
fn user_binding_and_uses(text: &str) -> (Value, Vec<Value>) {
    let binding = name_range(text, "user =", 0, 0, "user".len());
    let uses = (0..3).map(|nth| name_range(text, "${user}", nth, 2, "user".len())).collect();
    (binding, uses)
}

#[test]
fn references_of_a_local_name_are_its_uses_in_the_file() {
    let mut f = Session::start("flake-modules");
    let (users, text) = f.file("modules/base/users.nix");
    let (binding, uses) = user_binding_and_uses(&text);
    let mut params = at(&users, position_of(&text, "${user}", 1, 3, false));
    let ranges = |refs: Value| -> Vec<Value> {
        let refs = refs.as_array().cloned().unwrap_or_else(|| panic!("locations: {refs}"));
        assert!(refs.iter().all(|l| uri_path(l["uri"].as_str().expect("uri")) == users), "{refs:?}");
        refs.iter().map(|l| l["range"].clone()).collect()
    };

    params["context"] = json!({ "includeDeclaration": false });
    assert_eq!(ranges(f.lsp.result("textDocument/references", params.clone())), uses);

    params["context"] = json!({ "includeDeclaration": true });
    let mut all = vec![binding];
    all.extend(uses);
    assert_eq!(ranges(f.lsp.result("textDocument/references", params)), all);
    assert!(f.lsp.shutdown().success());
}

#[test]
fn highlights_mark_definitions_and_uses_in_the_file() {
    let mut f = Session::start("flake-modules");
    let (gouda, text) = f.file("modules/hosts/gouda.nix");
    let highlights =
        f.lsp.result("textDocument/documentHighlight", at(&gouda, position_of(&text, "\"hosts/gouda\"", 0, 3, false)));
    let highlights = highlights.as_array().expect("highlights");
    assert_eq!(highlights.len(), 2, "{highlights:?}");
    assert_eq!(highlights[0]["kind"], 3, "the definition is a write");
    assert_eq!(highlights[1]["kind"], 2, "the reference is a read");
    assert_eq!(highlights[0]["range"]["start"], position_of(&text, "\"hosts/gouda\"", 0, 0, false));
    assert_eq!(highlights[1]["range"]["start"], position_of(&text, "\"hosts/gouda\"", 1, 0, false));
    assert!(f.lsp.shutdown().success());
}

#[test]
fn highlights_of_a_local_name_mark_its_binding_and_uses() {
    let mut f = Session::start("flake-modules");
    let (users, text) = f.file("modules/base/users.nix");
    let (binding, uses) = user_binding_and_uses(&text);
    let highlights =
        f.lsp.result("textDocument/documentHighlight", at(&users, position_of(&text, "user =", 0, 1, false)));
    let found: Vec<(Value, Value)> = highlights
        .as_array()
        .unwrap_or_else(|| panic!("highlights: {highlights}"))
        .iter()
        .map(|h| (h["range"].clone(), h["kind"].clone()))
        .collect();
    let mut expected = vec![(binding, json!(3))];
    expected.extend(uses.into_iter().map(|range| (range, json!(2))));
    assert_eq!(found, expected, "the binding is a write, the uses are reads");
    assert!(f.lsp.shutdown().success());
}

#[test]
fn hover_shows_classes_with_file_counts() {
    let mut f = Session::start("flake-modules");
    let (gouda, text) = f.file("modules/hosts/gouda.nix");
    let hover = f.lsp.result("textDocument/hover", at(&gouda, position_of(&text, "desktop", 0, 3, false)));
    assert_eq!(hover["contents"]["kind"], "markdown");
    let markdown = hover["contents"]["value"].as_str().expect("markdown");
    assert!(markdown.contains("`desktop`"), "{markdown}");
    assert!(markdown.contains("`nixos` · 2 files"), "{markdown}");
    assert!(markdown.contains("`homeManager` · 1 file"), "{markdown}");
    assert_eq!(hover["range"], range_of(&text, "desktop", 0));
    assert!(f.lsp.shutdown().success());
}

/// The flake's module outputs are one family (dendritic.md §8.2): `portable` in `nixosModules`,
/// `homeManagerModules`, `darwinModules` and `nixOnDroidModules` is one feature in four classes.
/// Hover lists the four; rename renames the four and says so.
#[test]
fn an_aspect_in_four_output_families_is_one_in_hover_and_rename() {
    let mut f = Session::start("broken");
    let (portable, text) = f.file("modules/features/portable.nix");
    let on_nixos = position_of(&text, "nixosModules.portable", 0, "nixosModules.".len() + 2, false);
    let hover = f.lsp.result("textDocument/hover", at(&portable, on_nixos.clone()));
    let markdown = hover["contents"]["value"].as_str().unwrap_or_else(|| panic!("hover: {hover}"));
    for class in ["darwin", "homeManager", "nixOnDroid", "nixos"] {
        assert!(markdown.contains(&format!("- `{class}` · 1 file")), "{class}: {markdown}");
    }

    let mark = f.lsp.log_len();
    let mut params = at(&portable, on_nixos);
    params["newName"] = json!("travel");
    let edit = f.lsp.result("textDocument/rename", params);
    let edits: Vec<Value> = match (&edit["changes"], &edit["documentChanges"]) {
        (Value::Object(changes), _) => {
            changes.values().flat_map(|e| e.as_array().cloned().unwrap_or_default()).collect()
        }
        (_, Value::Array(documents)) => {
            documents.iter().flat_map(|d| d["edits"].as_array().cloned().unwrap_or_default()).collect()
        }
        _ => panic!("no edit: {edit}"),
    };
    let mut ranges: Vec<Value> = edits.iter().map(|e| e["range"].clone()).collect();
    ranges.sort_by_key(|r| r["start"]["line"].as_u64());
    let expected: Vec<Value> = (0..4).map(|nth| range_of(&text, "portable", nth)).collect();
    assert_eq!(ranges, expected, "the four definitions, and nothing else: {edit}");
    assert!(edits.iter().all(|e| e["newText"] == "travel"), "{edit}");
    let said = f.lsp.wait_for("the rename's message", |m| m["method"] == "window/showMessage");
    let message = said["params"]["message"].as_str().unwrap_or_default();
    assert!(message.contains("renamed in 4 classes"), "{message}");
    assert!(f.lsp.log_since(mark).iter().any(|m| m["method"] == "window/showMessage"));
    assert!(f.lsp.shutdown().success());
}

#[test]
fn hover_on_a_class_key_counts_its_aspects() {
    let mut f = Session::start("flake-modules");
    let (ssh, text) = f.file("modules/base/ssh.nix");
    // flake.modules.nixos holds alice, base, desktop, hosts/gouda and ssh; homeManager three.
    for (class, aspects) in [("nixos", "5 aspects"), ("homeManager", "3 aspects")] {
        let hover = f.lsp.result("textDocument/hover", at(&ssh, position_of(&text, class, 0, 1, false)));
        let markdown = hover["contents"]["value"].as_str().unwrap_or_else(|| panic!("hover on {class}: {hover}"));
        assert!(markdown.contains("class") && markdown.contains(&format!("`{class}`")), "{markdown}");
        assert!(markdown.contains(aspects), "{class}: {markdown}");
        assert_eq!(hover["range"], range_of(&text, class, 0));
    }
    assert!(f.lsp.shutdown().success());
}

#[test]
fn hover_on_a_local_name_says_where_it_is_bound() {
    let mut f = Session::start("flake-modules");
    let (users, text) = f.file("modules/base/users.nix");
    let hover = f.lsp.result("textDocument/hover", at(&users, position_of(&text, "${user}", 2, 3, false)));
    let markdown = hover["contents"]["value"].as_str().unwrap_or_else(|| panic!("hover: {hover}"));
    assert!(markdown.contains("`user`") && markdown.contains("line 3"), "{markdown}");
    assert_eq!(hover["range"], name_range(&text, "${user}", 2, 2, "user".len()));
    assert!(f.lsp.shutdown().success());
}

#[test]
fn document_symbols_nest_aspects_under_collection_and_class() {
    let mut f = Session::start("flake-modules");
    let (ssh, _) = f.file("modules/base/ssh.nix");
    let symbols = f.lsp.result("textDocument/documentSymbol", json!({ "textDocument": { "uri": file_uri(&ssh) } }));
    let outline = render(&symbols);
    assert_eq!(outline, ["flake.modules", "  nixos", "    ssh", "  homeManager", "    ssh"], "{symbols}");
    assert!(f.lsp.shutdown().success());
}

#[test]
fn document_symbols_list_hosts() {
    let mut f = Session::start("flake-modules");
    let (gouda, _) = f.file("modules/hosts/gouda.nix");
    let symbols = f.lsp.result("textDocument/documentSymbol", json!({ "textDocument": { "uri": file_uri(&gouda) } }));
    let outline = render(&symbols);
    assert_eq!(
        outline,
        ["flake.modules", "  nixos", "    hosts/gouda", "flake.nixosConfigurations", "  gouda"],
        "{symbols}"
    );
    let host = &symbols[1]["children"][0];
    assert_eq!(host["kind"], 19, "an object: {host}");
    assert_eq!(host["detail"], "host · nixos");
    assert!(f.lsp.shutdown().success());
}

#[test]
fn document_symbols_list_declared_options() {
    let mut f = Session::start("custom-options");
    let (modules, _) = f.file("modules/options/modules.nix");
    let symbols = f.lsp.result("textDocument/documentSymbol", json!({ "textDocument": { "uri": file_uri(&modules) } }));
    // The two options that declare aspect collections (`configurations.nixos` holds hosts).
    let outline = render(&symbols);
    assert_eq!(outline, ["options", "  nixos.modules", "  homeManager.modules"], "{symbols}");
    let options = symbols[0]["children"].as_array().expect("the declared options");
    assert!(options.iter().all(|o| o["kind"] == 7 && o["detail"] == "declares a collection"), "{symbols}");
    assert!(f.lsp.shutdown().success());
}

fn render(symbols: &Value) -> Vec<String> {
    fn walk(symbols: &Value, depth: usize, out: &mut Vec<String>) {
        for s in symbols.as_array().into_iter().flatten() {
            out.push(format!("{}{}", "  ".repeat(depth), s["name"].as_str().unwrap_or("?")));
            walk(&s["children"], depth + 1, out);
        }
    }
    let mut out = Vec::new();
    walk(symbols, 0, &mut out);
    out
}

#[test]
fn workspace_symbols_find_aspects_and_hosts() {
    let mut f = Session::start("flake-modules");
    let symbols = f.lsp.result("workspace/symbol", json!({ "query": "gouda" }));
    let found: Vec<(String, String)> = symbols
        .as_array()
        .expect("symbols")
        .iter()
        .map(|s| (s["name"].as_str().unwrap_or("?").to_owned(), s["containerName"].as_str().unwrap_or("?").to_owned()))
        .collect();
    assert!(found.contains(&("hosts/gouda".to_owned(), "flake.modules.nixos".to_owned())), "{found:?}");
    assert!(found.iter().any(|(name, kind)| name == "gouda" && kind.contains("nixosConfigurations")), "{found:?}");
    let none = f.lsp.result("workspace/symbol", json!({ "query": "zzzz" }));
    assert_eq!(none, json!([]));
    assert!(f.lsp.shutdown().success());
}

/// The fixture with spaces, brackets and non-ASCII in its paths (sent percent-encoded), and a line
/// with wide characters before the cursor: columns count in the negotiated unit.
fn navigation_with_odd_paths_and_wide_characters(utf8: bool) {
    let root = fixture("paths with spaces [and brackets]");
    let mut options = ClientOptions::folder(&root);
    options.utf8 = utf8;
    let mut lsp = Lsp::start(options);
    let seance = root.join("modules/my desktop/[gui] séance.nix");
    let screen = root.join("modules/héllo wörld/(screen) 1.nix");
    let text = fs::read_to_string(&seance).expect("read séance").replace("imports = [", "imports = /* 🌲 ✓ */ [");
    lsp.open_text(&file_uri(&seance), &text);

    let on_name = position_of(&text, "\"écran\"", 0, "\"é".len(), utf8);
    let links = lsp.result("textDocument/definition", at(&seance, on_name));
    let link = &links[0];
    assert_eq!(uri_path(link["targetUri"].as_str().expect("uri")), screen, "{links}");
    let screen_text = fs::read_to_string(&screen).expect("read screen");
    let target = screen_text.find("\"écran\"").expect("definition");
    let selection = &link["targetSelectionRange"];
    assert_eq!(selection["start"]["line"], 1);
    let start = selection["start"]["character"].as_u64().expect("column");
    let expected = position(&screen_text, target, utf8)["character"].as_u64().expect("column");
    assert!(start == expected || start == expected + 1, "{selection} vs name at {expected}");
    // The origin sits after the tree and the check mark: 4 UTF-8 bytes but 2 UTF-16 units, 3 and 1.
    let origin = &link["originSelectionRange"];
    let name = text.find("\"écran\"").expect("reference");
    let name_start = position(&text, name, utf8)["character"].as_u64().expect("column");
    let name_end = position(&text, name + "\"écran\"".len(), utf8)["character"].as_u64().expect("column");
    let (o_start, o_end) =
        (origin["start"]["character"].as_u64().expect("column"), origin["end"]["character"].as_u64().expect("column"));
    assert!(o_start == name_start || o_start == name_start + 1, "{origin} vs {name_start}..{name_end}");
    assert!(o_end == name_end || o_end == name_end - 1, "{origin} vs {name_start}..{name_end}");

    // From the definition of `bureau ✓` to the host file whose name has brackets.
    let hosts = root.join("modules/hosts [x].nix");
    let mut params = at(&seance, position_of(&text, "\"bureau ✓\"", 0, 3, utf8));
    params["context"] = json!({ "includeDeclaration": false });
    let refs = lsp.result("textDocument/references", params);
    let files: Vec<PathBuf> =
        refs.as_array().expect("locations").iter().map(|l| uri_path(l["uri"].as_str().expect("uri"))).collect();
    assert_eq!(files, [hosts], "{refs}");
    assert!(lsp.shutdown().success());
}

#[test]
fn odd_paths_and_wide_characters_in_utf16() {
    navigation_with_odd_paths_and_wide_characters(false);
}

#[test]
fn odd_paths_and_wide_characters_in_utf8() {
    navigation_with_odd_paths_and_wide_characters(true);
}
