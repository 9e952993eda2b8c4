//! `canopy lsp`: starting, indexing with progress, settings, odd documents, and ending.

mod lsp_support;

use std::process::Command;

use lsp_support::{ClientOptions, Lsp, file_uri, fixture};
use serde_json::{Value, json};

#[test]
fn initialize_indexes_with_progress_and_shuts_down_cleanly() {
    let mut lsp = Lsp::spawn(ClientOptions::folder(&fixture("flake-modules")));
    let result = lsp.initialize();
    let caps = &result["capabilities"];
    assert_eq!(caps["positionEncoding"], "utf-16");
    assert_eq!(caps["textDocumentSync"]["change"], 2, "incremental sync");
    for provider in [
        "definitionProvider",
        "referencesProvider",
        "documentHighlightProvider",
        "hoverProvider",
        "documentSymbolProvider",
        "workspaceSymbolProvider",
        "callHierarchyProvider",
    ] {
        assert_eq!(caps[provider], true, "{provider}");
    }
    assert_eq!(caps["renameProvider"]["prepareProvider"], true);
    assert_eq!(caps["codeLensProvider"]["resolveProvider"], true);
    assert_eq!(caps["completionProvider"]["resolveProvider"], true);
    assert!(caps["completionProvider"]["triggerCharacters"].as_array().is_some_and(|t| t.contains(&json!("."))));
    assert_eq!(caps["workspace"]["workspaceFolders"]["changeNotifications"], true);
    assert_eq!(result["serverInfo"]["name"], "canopy");

    // Progress: a token is created, then begin, "N of M files" reports, end. `flake.nix` is read
    // first, in a chunk of its own (it says what the other files are to the flake), then the rest.
    let create = lsp.wait_for("window/workDoneProgress/create", |m| m["method"] == "window/workDoneProgress/create");
    let token = create["params"]["token"].clone();
    let begin =
        lsp.wait_for("progress begin", |m| m["method"] == "$/progress" && m["params"]["value"]["kind"] == "begin");
    assert_eq!(begin["params"]["token"], token);
    assert!(begin["params"]["value"]["title"].as_str().is_some_and(|t| t.contains("flake-modules")), "{begin}");
    for files in ["1 of 8 files", "8 of 8 files"] {
        let report = lsp
            .wait_for("progress report", |m| m["method"] == "$/progress" && m["params"]["value"]["kind"] == "report");
        assert_eq!(report["params"]["value"]["message"], files, "{report}");
    }
    lsp.wait_for("progress end", |m| m["method"] == "$/progress" && m["params"]["value"]["kind"] == "end");

    // The watcher for files changed outside the editor.
    let register = lsp.wait_for("client/registerCapability", |m| m["method"] == "client/registerCapability");
    let registration = &register["params"]["registrations"][0];
    assert_eq!(registration["method"], "workspace/didChangeWatchedFiles");
    assert_eq!(registration["registerOptions"]["watchers"][0]["globPattern"], "**/*");

    let status = lsp.shutdown();
    assert!(status.success(), "exit status after shutdown: {status}");
}

#[test]
fn exit_without_shutdown_ends_with_status_1() {
    let mut lsp = Lsp::start(ClientOptions::folder(&fixture("flake-modules")));
    lsp.notify("exit", Value::Null);
    let status = lsp.wait_exit();
    assert_eq!(status.code(), Some(1));
}

#[test]
fn closing_stdin_ends_the_process() {
    let mut lsp = Lsp::start(ClientOptions::folder(&fixture("flake-modules")));
    // Even in the middle of a message.
    lsp.send_raw(b"Content-Length: 100\r\n\r\n{\"jsonrpc\": \"2.0\"");
    lsp.close_stdin();
    let status = lsp.wait_exit();
    assert_eq!(status.code(), Some(1), "no shutdown came first");
}

#[test]
fn requests_before_initialize_are_refused() {
    let mut lsp = Lsp::spawn(ClientOptions::folder(&fixture("flake-modules")));
    let early = lsp.request("workspace/symbol", json!({ "query": "ssh" }));
    assert_eq!(early["error"]["code"], -32002, "{early}");
    // A method no server knows is refused the same way: nothing is served before `initialize`.
    let unknown = lsp.request("canopy/noSuchMethod", json!({}));
    assert_eq!(unknown["error"]["code"], -32002, "{unknown}");
    lsp.initialize();
    let symbols = lsp.result("workspace/symbol", json!({ "query": "ssh" }));
    assert!(symbols.is_array());
}

#[test]
fn older_clients_send_a_root_uri_only() {
    let mut options = ClientOptions::folder(&fixture("flake-modules"));
    options.root_uri_only = true;
    let mut lsp = Lsp::start(options);
    let symbols = lsp.result("workspace/symbol", json!({ "query": "gouda" }));
    assert!(symbols.as_array().is_some_and(|s| !s.is_empty()), "{symbols}");
}

#[test]
fn utf8_positions_are_offered_when_the_client_lists_them() {
    let mut options = ClientOptions::folder(&fixture("flake-modules"));
    options.utf8 = true;
    let mut lsp = Lsp::spawn(options);
    let result = lsp.initialize();
    assert_eq!(result["capabilities"]["positionEncoding"], "utf-8");
}

#[test]
fn odd_requests_get_proper_answers_and_the_server_keeps_serving() {
    let folder = fixture("flake-modules");
    let mut lsp = Lsp::start(ClientOptions::folder(&folder));

    let unknown = lsp.request("canopy/noSuchMethod", json!({}));
    assert_eq!(unknown["error"]["code"], -32601, "{unknown}");

    let malformed = lsp.request("textDocument/hover", json!({ "textDocument": 3 }));
    assert_eq!(malformed["error"]["code"], -32602, "{malformed}");

    // A file the server never heard of, and a position far past the end of a real one.
    let missing = file_uri(&folder.join("modules/nowhere.nix"));
    let hover = lsp.result(
        "textDocument/hover",
        json!({ "textDocument": { "uri": missing }, "position": { "line": 0, "character": 0 } }),
    );
    assert_eq!(hover, Value::Null);
    let ssh = file_uri(&folder.join("modules/base/ssh.nix"));
    let far = lsp.result(
        "textDocument/hover",
        json!({ "textDocument": { "uri": ssh }, "position": { "line": 900, "character": 900 } }),
    );
    assert_eq!(far, Value::Null);

    // An untitled document is analysed alone.
    let untitled = "untitled:Untitled-1";
    lsp.open_text(untitled, "let a = 1; in a");
    let highlights = lsp.result(
        "textDocument/documentHighlight",
        json!({ "textDocument": { "uri": untitled }, "position": { "line": 0, "character": 14 } }),
    );
    assert_eq!(highlights.as_array().map(Vec::len), Some(2), "{highlights}");

    // A file outside every folder too.
    let outside = lsp_support::fixture("den").join("modules/aspects/tux.nix");
    let text = lsp.open(&outside);
    let symbols = lsp.result("textDocument/documentSymbol", json!({ "textDocument": { "uri": file_uri(&outside) } }));
    assert!(symbols.is_array(), "{symbols} for {text}");

    // Malformed JSON gets a parse error; the next message is read as usual.
    lsp.send_raw(b"Content-Length: 9\r\n\r\n{\"bad\": }");
    let parse_error = lsp.wait_for("a parse error", |m| m["error"]["code"] == -32700);
    assert_eq!(parse_error["id"], Value::Null);
    // JSON that is no JSON-RPC message: an invalid request.
    lsp.send(&json!({ "jsonrpc": "1.0", "id": 77, "method": "hover" }));
    let invalid = lsp.wait_for("an invalid-request error", |m| m["error"]["code"] == -32600);
    assert_eq!(invalid["id"], 77);

    // Cancelling a request is not an error, and the server still answers afterwards.
    lsp.notify("$/cancelRequest", json!({ "id": 9999 }));
    let symbols = lsp.result("workspace/symbol", json!({ "query": "ssh" }));
    assert!(symbols.as_array().is_some_and(|s| !s.is_empty()), "{symbols}");
    assert!(lsp.shutdown().success());
}

#[test]
fn lsp_help_says_how_an_editor_starts_it() {
    let output = Command::new(env!("CARGO_BIN_EXE_canopy")).args(["lsp", "--help"]).output().expect("run canopy");
    assert!(output.status.success());
    let help = String::from_utf8_lossy(&output.stdout);
    assert!(help.contains("canopy lsp"), "{help}");
    assert!(help.contains("LSP over stdin/stdout"), "{help}");
}

/// What indexing reads: not through links (a `result` link into a store), not in pruned folders,
/// not files that are not UTF-8; hidden folders yes.
#[cfg(unix)]
#[test]
fn indexing_skips_links_and_pruned_folders_and_reads_text_that_is_not_utf8() {
    let dir = lsp_support::copy_fixture("flake-modules");
    let root = dir.path();
    let store = tempfile::tempdir().expect("temp dir");
    let aspect = |name: &str| format!("{{ flake.modules.nixos.{name} = {{ }}; }}\n");
    std::fs::write(store.path().join("linked.nix"), aspect("linked")).expect("write");
    std::os::unix::fs::symlink(store.path(), root.join("result")).expect("symlink");
    std::fs::create_dir_all(root.join("node_modules/x")).expect("mkdir");
    std::fs::write(root.join("node_modules/x/pruned.nix"), aspect("pruned")).expect("write");
    std::fs::create_dir_all(root.join("modules/.hidden")).expect("mkdir");
    std::fs::write(root.join("modules/.hidden/hidden.nix"), aspect("hidden")).expect("write");
    std::fs::write(root.join("modules/bad.nix"), b"{ flake.modules.nixos.bad = \"\xff\"; }").expect("write");

    let mut lsp = Lsp::start(ClientOptions::folder(root));
    for (name, found) in [("linked", false), ("pruned", false), ("bad", true), ("hidden", true)] {
        let symbols = lsp.result("workspace/symbol", json!({ "query": name }));
        let names: Vec<&str> = symbols.as_array().expect("symbols").iter().filter_map(|s| s["name"].as_str()).collect();
        assert_eq!(names.contains(&name), found, "{name}: {symbols}");
    }
    lsp.wait_for_stderr("read modules/bad.nix in ");
    assert!(lsp.stderr().contains("anyway: not valid UTF-8: read with 1 byte as U+001A, the first on line 1"));
    assert!(lsp.shutdown().success());
}
