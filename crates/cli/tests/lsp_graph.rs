//! `canopy lsp` showing the aspect graph: the call hierarchy of aspects and hosts, the code lens
//! above each aspect definition, and the hover of a host listing what it ends up with, over the
//! `flake-modules` fixture.

mod lsp_support;

use std::fs;
use std::path::{Path, PathBuf};

use lsp_support::{ClientOptions, Lsp, file_uri, fixture, position_of, uri_path};
use serde_json::{Value, json};

fn at(path: &Path, position: Value) -> Value {
    json!({ "textDocument": { "uri": file_uri(path) }, "position": position })
}

struct Session {
    lsp: Lsp,
    root: PathBuf,
}

impl Session {
    fn start(options: impl FnOnce(ClientOptions) -> ClientOptions) -> Session {
        let root = fixture("flake-modules");
        Session { lsp: Lsp::start(options(ClientOptions::folder(&root))), root }
    }

    fn file(&self, path: &str) -> (PathBuf, String) {
        let path = self.root.join(path);
        let text = fs::read_to_string(&path).expect("read fixture file");
        (path, text)
    }
}

/// `name (file)` for each item of calls, under `key` (`from` or `to`), sorted as answered.
fn items(calls: &Value, key: &str) -> Vec<String> {
    let calls = calls.as_array().cloned().unwrap_or_default();
    calls
        .iter()
        .map(|c| {
            let item = &c[key];
            let path = uri_path(item["uri"].as_str().unwrap_or_default());
            let file = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            format!("{} ({file})", item["name"].as_str().unwrap_or_default())
        })
        .collect()
}

#[test]
fn call_hierarchy_walks_the_graph_both_ways() {
    let mut s = Session::start(|o| o);
    let (ssh, ssh_text) = s.file("modules/base/ssh.nix");
    let (gouda, gouda_text) = s.file("modules/hosts/gouda.nix");

    // From the definition of the NixOS `ssh`: the item stands there, and one aspect imports it.
    let prepared =
        s.lsp.result("textDocument/prepareCallHierarchy", at(&ssh, position_of(&ssh_text, "nixos.ssh", 0, 7, false)));
    let item = prepared[0].clone();
    assert_eq!(item["name"], "ssh");
    assert_eq!(item["detail"], "flake.modules.nixos");
    assert_eq!(uri_path(item["uri"].as_str().expect("uri")), ssh);
    assert_eq!(item["selectionRange"]["start"], position_of(&ssh_text, "nixos.ssh", 0, 6, false));
    let incoming = s.lsp.result("callHierarchy/incomingCalls", json!({ "item": item }));
    assert_eq!(items(&incoming, "from"), ["hosts/gouda (gouda.nix)"]);
    // The range is the reference's, in the importer's file.
    let refs = incoming[0]["fromRanges"].as_array().expect("ranges");
    assert_eq!(refs.len(), 1);
    assert_eq!(refs[0]["start"], position_of(&gouda_text, "ssh", 0, 0, false));
    let outgoing = s.lsp.result("callHierarchy/outgoingCalls", json!({ "item": item }));
    assert_eq!(outgoing, json!([]));

    // From a reference to `hosts/gouda` in the host: the aspect, imported by the host, importing
    // three aspects with a range each in its own file.
    let aspect = position_of(&gouda_text, "nixos.\"hosts/gouda\" ]", 0, 8, false);
    let prepared = s.lsp.result("textDocument/prepareCallHierarchy", at(&gouda, aspect));
    let item = prepared[0].clone();
    assert_eq!(item["name"], "hosts/gouda");
    // The name as written, quotes included.
    assert_eq!(item["selectionRange"]["start"], position_of(&gouda_text, "\"hosts/gouda\"", 0, 0, false));
    let incoming = s.lsp.result("callHierarchy/incomingCalls", json!({ "item": item }));
    assert_eq!(items(&incoming, "from"), ["gouda (gouda.nix)"]);
    assert_eq!(incoming[0]["from"]["detail"], "host · flake.nixosConfigurations · nixos");
    let outgoing = s.lsp.result("callHierarchy/outgoingCalls", json!({ "item": item }));
    assert_eq!(items(&outgoing, "to"), ["alice (users.nix)", "desktop (desktop.nix)", "ssh (ssh.nix)"]);
    for call in outgoing.as_array().expect("calls") {
        let name = call["to"]["name"].as_str().expect("name");
        let ranges = call["fromRanges"].as_array().expect("ranges");
        assert_eq!(ranges.len(), 1, "{call}");
        assert_eq!(ranges[0]["start"], position_of(&gouda_text, &format!("{name}\n"), 0, 0, false), "{call}");
    }

    // A client that drops `data` gets the same answer, found again at the item's name.
    let mut bare = item.clone();
    bare.as_object_mut().expect("item").remove("data");
    assert_eq!(s.lsp.result("callHierarchy/outgoingCalls", json!({ "item": bare })), outgoing);
    // A stale or foreign item is no error: nothing is there.
    let mut stale = item.clone();
    stale["data"] = json!({ "aspect": { "collection": "flake.modules", "class": "nixos", "name": "gone" } });
    assert_eq!(s.lsp.result("callHierarchy/incomingCalls", json!({ "item": stale })), json!([]));
    // Nothing to show on a keyword.
    let none =
        s.lsp.result("textDocument/prepareCallHierarchy", at(&gouda, position_of(&gouda_text, "imports", 0, 2, false)));
    assert_eq!(none, Value::Null);
}

#[test]
fn hover_on_a_host_lists_every_aspect_it_ends_up_with() {
    let mut s = Session::start(|o| o);
    let (gouda, gouda_text) = s.file("modules/hosts/gouda.nix");
    let hover = s
        .lsp
        .result("textDocument/hover", at(&gouda, position_of(&gouda_text, "nixosConfigurations.gouda", 0, 21, false)));
    let markdown = hover["contents"]["value"].as_str().unwrap_or_default();
    // It names one aspect; through it and what that includes, eight across two classes: `base`
    // only through `desktop`, the home-manager ones through the user `alice`.
    assert_eq!(
        markdown,
        "**host** `gouda` · `flake.nixosConfigurations` · nixos\n\n\
         imports `hosts/gouda`\n\n\
         ends up with 8 aspects\n\
         - `homeManager` · `base`, `desktop`, `ssh`\n\
         - `nixos` · `alice`, `base`, `desktop`, `hosts/gouda`, `ssh`",
    );
}

fn lenses(s: &mut Session, path: &Path) -> Vec<Value> {
    let lenses = s.lsp.result("textDocument/codeLens", json!({ "textDocument": { "uri": file_uri(path) } }));
    lenses.as_array().cloned().unwrap_or_else(|| panic!("a list of lenses: {lenses}"))
}

#[test]
fn code_lenses_count_files_classes_and_hosts_when_resolved() {
    let mut s = Session::start(|o| o);
    let (desktop, desktop_text) = s.file("modules/desktop/desktop.nix");
    let listed = lenses(&mut s, &desktop);
    // One per aspect the file defines, on its name, unresolved until shown.
    assert_eq!(listed.len(), 2, "{listed:?}");
    assert_eq!(listed[0]["range"]["start"], position_of(&desktop_text, "nixos.desktop", 0, 6, false));
    assert_eq!(listed[1]["range"]["start"], position_of(&desktop_text, "homeManager.desktop", 0, 12, false));
    assert!(listed.iter().all(|l| l.get("command").is_none_or(Value::is_null)), "{listed:?}");

    let resolved = s.lsp.result("codeLens/resolve", listed[0].clone());
    let command = &resolved["command"];
    // `fonts.nix` adds to it; the host gets the NixOS one through `hosts/gouda`, the
    // home-manager one through the user `alice`.
    assert_eq!(command["title"], "2 files · homeManager, nixos · 1 host");
    assert_eq!(command["command"], "canopy.showReferences");
    let arguments = command["arguments"].as_array().expect("arguments");
    assert_eq!(uri_path(arguments[0].as_str().expect("uri")), desktop);
    assert_eq!(arguments[1], listed[0]["range"]["start"]);
    let mut places: Vec<String> = arguments[2]
        .as_array()
        .expect("locations")
        .iter()
        .map(|l| {
            uri_path(l["uri"].as_str().unwrap_or_default())
                .file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    places.sort();
    assert_eq!(places, ["gouda.nix", "users.nix"]);
    assert_eq!(resolved["range"], listed[0]["range"]);

    // A lens that is not canopy's is refused, not answered with a guess.
    let foreign = json!({ "range": listed[0]["range"], "data": { "uri": file_uri(&desktop) } });
    let response = s.lsp.request("codeLens/resolve", foreign);
    assert_eq!(response["error"]["code"], -32602, "{response}");
}

#[test]
fn code_lenses_follow_their_setting() {
    let mut s = Session::start(|mut o| {
        o.initialization_options = json!({ "codeLens": { "enable": false } });
        o
    });
    let (ssh, _) = s.file("modules/base/ssh.nix");
    assert_eq!(lenses(&mut s, &ssh), Vec::<Value>::new());
    // Settings replace each other whole: one without the key turns them back on.
    s.lsp.notify("workspace/didChangeConfiguration", json!({ "settings": { "canopy": { "diagnostics": {} } } }));
    let listed = lenses(&mut s, &ssh);
    assert_eq!(listed.len(), 2, "{listed:?}");
    let resolved = s.lsp.result("codeLens/resolve", listed[0].clone());
    assert_eq!(resolved["command"]["title"], "1 file · homeManager, nixos · 1 host");
    s.lsp.notify("workspace/didChangeConfiguration", json!({ "settings": { "codeLens": { "enable": false } } }));
    assert_eq!(lenses(&mut s, &ssh), Vec::<Value>::new());
}

#[test]
fn a_completed_aspect_resolves_to_where_it_is_defined() {
    let mut s = Session::start(|o| o);
    let (gouda, gouda_text) = s.file("modules/hosts/gouda.nix");
    let list = s.lsp.result("textDocument/completion", at(&gouda, position_of(&gouda_text, "desktop\n", 0, 4, false)));
    let items = list["items"].as_array().cloned().unwrap_or_default();
    let desktop = items.iter().find(|i| i["label"] == "desktop").cloned().unwrap_or_else(|| panic!("{list}"));
    let resolved = s.lsp.result("completionItem/resolve", desktop.clone());
    assert_eq!(
        resolved["documentation"]["value"],
        "`flake.modules.nixos.desktop` is defined in\n- `modules/desktop/desktop.nix` line 3\n- `modules/desktop/fonts.nix` line 3"
    );
    assert_eq!(resolved["label"], desktop["label"]);
    // An item without canopy's data comes back as it went.
    let plain = json!({ "label": "x", "data": { "uri": 3 } });
    assert_eq!(s.lsp.result("completionItem/resolve", plain.clone()), plain);
}

/// `canopy/graph`: the same graph as `canopy graph --format json`, with LSP locations; a position
/// centres it on the aspect there; a focus that names nothing is an error.
#[test]
fn the_graph_request_answers_the_workspace_graph_and_centres_on_the_cursor() {
    let mut s = Session::start(|o| o);
    let (gouda, gouda_text) = s.file("modules/hosts/gouda.nix");
    let whole = s.lsp.result("canopy/graph", json!({ "textDocument": { "uri": file_uri(&gouda) } }));
    let ids = |graph: &Value| -> Vec<String> {
        graph["nodes"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .iter()
            .map(|n| n["id"].as_str().unwrap_or("").to_owned())
            .collect()
    };
    // The command line's JSON of the same fixture names the same nodes, in the same order.
    let cli = std::process::Command::new(env!("CARGO_BIN_EXE_canopy"))
        .args(["graph", "--format", "json"])
        .arg(&s.root)
        .output()
        .expect("run canopy graph");
    let cli: Value = serde_json::from_slice(&cli.stdout).expect("JSON");
    assert_eq!(ids(&whole), ids(&cli), "{whole}");
    assert_eq!(whole["edges"], cli["edges"]);
    let host = whole["nodes"].as_array().and_then(|n| n.iter().find(|n| n["kind"] == "host")).cloned().expect("a host");
    assert_eq!(host["name"], "gouda");
    assert_eq!(host["definitions"][0]["uri"], file_uri(&gouda));

    // On `ssh` in gouda.nix: ssh, and what imports it, up to the host.
    let on_ssh = position_of(&gouda_text, "ssh", 0, 1, false);
    let centred =
        s.lsp.result("canopy/graph", json!({ "textDocument": { "uri": file_uri(&gouda) }, "position": on_ssh }));
    assert_eq!(centred["focus"], "ssh");
    let names: Vec<&str> =
        centred["nodes"].as_array().expect("nodes").iter().filter_map(|n| n["name"].as_str()).collect();
    assert!(names.contains(&"ssh") && names.contains(&"gouda") && !names.contains(&"desktop"), "{names:?}");

    let id =
        s.lsp.send_request("canopy/graph", json!({ "textDocument": { "uri": file_uri(&gouda) }, "host": "cheddar" }));
    let answer = s.lsp.response(id, "the error for an unknown host");
    assert_eq!(answer["error"]["code"], -32602, "{answer}");
    assert_eq!(answer["error"]["message"], "no host named `cheddar`");
    s.lsp.shutdown();
}
