//! `canopy lsp` under bad input: broken frames, wrong parameter shapes, unknown methods, requests
//! out of order, positions and ranges past the end, odd URIs, cancellations and a client that goes
//! away mid-message. Each gets the answer LSP (or JSON-RPC) specifies, and the server keeps
//! serving afterwards. `lsp_lifecycle.rs` covers `exit` without `shutdown` and the first cases of
//! each kind.

mod lsp_support;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use lsp_support::{ClientOptions, Lsp, assert_responses_since, assert_serving, file_uri, fixture, position_of};
use serde_json::{Value, json};

/// Every request canopy answers that takes a document and a position, with the parameters beyond
/// those it needs.
const POSITION_REQUESTS: &[(&str, &str)] = &[
    ("textDocument/definition", "{}"),
    ("textDocument/references", r#"{ "context": { "includeDeclaration": true } }"#),
    ("textDocument/hover", "{}"),
    ("textDocument/completion", "{}"),
    ("textDocument/rename", r#"{ "newName": "renamed" }"#),
    ("textDocument/prepareRename", "{}"),
    ("textDocument/documentHighlight", "{}"),
];

fn position_params(method: &str, uri: &str, position: Value) -> Value {
    let extra = POSITION_REQUESTS.iter().find(|(m, _)| *m == method).map_or("{}", |(_, e)| e);
    let mut params: Value = serde_json::from_str(extra).expect("extra params");
    params["textDocument"] = json!({ "uri": uri });
    params["position"] = position;
    params
}

fn start() -> (Lsp, PathBuf) {
    let root = fixture("flake-modules");
    (Lsp::start(ClientOptions::folder(&root)), root)
}

fn gouda(root: &Path) -> PathBuf {
    root.join("modules/hosts/gouda.nix")
}

#[test]
fn broken_frames_get_parse_errors_and_the_next_message_is_read() {
    let (mut lsp, root) = start();
    let symbol = |id: i64| {
        json!({ "jsonrpc": "2.0", "id": id, "method": "workspace/symbol", "params": { "query": "ssh" } }).to_string()
    };
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("a Content-Length that is no number", format!("Content-Length: twelve\r\n\r\n{}", symbol(901)).into_bytes()),
        ("a Content-Length too short", format!("Content-Length: 10\r\n\r\n{}", symbol(902)).into_bytes()),
        ("a Content-Length too long, then garbage", {
            let body = symbol(903);
            format!("Content-Length: {}\r\n\r\n{body}garbage", body.len() + 7).into_bytes()
        }),
        ("a header without a body", b"Content-Length: 0\r\n\r\n".to_vec()),
        ("a body that is not UTF-8", b"Content-Length: 4\r\n\r\n{\xff\xfe}".to_vec()),
        ("a negative Content-Length", format!("Content-Length: -5\r\n\r\n{}", symbol(904)).into_bytes()),
    ];
    for (what, bytes) in cases {
        let mark = lsp.log_len();
        lsp.send_raw(&bytes);
        let error = lsp.wait_for(what, |m| m.get("method").is_none() && m["error"]["code"] == -32700);
        assert_eq!(error["id"], Value::Null, "{what}: {error}");
        // The message after it is read as usual, and nothing of the broken one ran.
        let id = lsp.send_request("workspace/symbol", json!({ "query": "gouda" }));
        let answer = lsp.response(id, "workspace/symbol");
        assert!(answer["result"].as_array().is_some_and(|s| !s.is_empty()), "{what}: {answer}");
        assert_responses_since(&lsp, mark, &[id], 1);
    }

    // Header blocks without a length, unknown headers and binary garbage between messages are
    // skipped; a message with a `Content-Type` is read.
    let mark = lsp.log_len();
    lsp.send_raw(b"X-Garbage\r\nNonsense: yes\r\n\r\n\x00\xff\xfe\x07 noise\r\n\r\n");
    let body = symbol(905);
    lsp.send_raw(
        format!(
            "Content-Type: application/vscode-jsonrpc; charset=utf-8\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        )
        .as_bytes(),
    );
    let answer = lsp.response(905, "workspace/symbol after garbage");
    assert!(answer["result"].is_array(), "{answer}");
    assert_responses_since(&lsp, mark, &[905], 0);
    assert_serving(&mut lsp, &root);
    assert!(lsp.shutdown().success());
}

/// Shapes no request of canopy accepts.
fn bad_shapes(uri: &str) -> Vec<Value> {
    vec![
        Value::Null,
        json!([]),
        json!(42),
        json!("params"),
        json!({}),
        json!({ "textDocument": 3, "position": { "line": 0, "character": 0 } }),
        json!({ "textDocument": { "uri": "not a uri" }, "position": { "line": 0, "character": 0 } }),
        json!({ "textDocument": { "uri": uri }, "position": { "line": -1, "character": 0 } }),
        json!({ "textDocument": { "uri": uri }, "position": { "line": "0", "character": 0 } }),
        json!({ "textDocument": { "uri": uri }, "position": { "line": 4_294_967_296_u64, "character": 0 } }),
        json!({ "textDocument": { "uri": uri } , "position": null }),
    ]
}

#[test]
fn wrong_parameter_shapes_get_invalid_params_for_every_request() {
    let (mut lsp, root) = start();
    let uri = file_uri(&gouda(&root));
    let mut methods: Vec<&str> = POSITION_REQUESTS.iter().map(|(m, _)| *m).collect();
    methods.extend(["textDocument/documentSymbol", "canopy/inspectFile"]);
    for method in methods {
        let mut shapes = bad_shapes(&uri);
        // Parameters each method needs beyond a document and a position.
        match method {
            "textDocument/references" => shapes.push(json!({
                "textDocument": { "uri": uri }, "position": { "line": 0, "character": 0 }
            })),
            "textDocument/rename" => shapes.extend([
                json!({ "textDocument": { "uri": uri }, "position": { "line": 0, "character": 0 } }),
                json!({ "textDocument": { "uri": uri }, "position": { "line": 0, "character": 0 }, "newName": 7 }),
            ]),
            "textDocument/documentSymbol" | "canopy/inspectFile" => {
                // A position is not needed: only the shapes without a usable document stay bad.
                shapes.retain(|s| s.get("textDocument").is_none_or(|d| d["uri"].as_str().is_none_or(|u| u != uri)));
            }
            _ => {}
        }
        for params in shapes {
            let answer = lsp.request(method, params.clone());
            assert_eq!(answer["error"]["code"], -32602, "{method} with {params}: {answer}");
        }
    }
    for params in [json!({}), json!({ "query": 3 }), json!([]), Value::Null] {
        let answer = lsp.request("workspace/symbol", params.clone());
        assert_eq!(answer["error"]["code"], -32602, "workspace/symbol with {params}: {answer}");
    }
    assert_serving(&mut lsp, &root);
    assert!(lsp.shutdown().success());
}

#[test]
fn malformed_notifications_are_ignored_with_a_log_line() {
    let (mut lsp, root) = start();
    let path = gouda(&root);
    let uri = file_uri(&path);
    let text = lsp.open(&path);
    let mark = lsp.log_len();
    let bad: Vec<(&str, Value)> = vec![
        ("textDocument/didOpen", json!([])),
        ("textDocument/didOpen", json!({ "textDocument": { "uri": uri, "languageId": "nix", "version": 1 } })),
        (
            "textDocument/didOpen",
            json!({ "textDocument": { "uri": "not a uri", "languageId": "nix", "version": 1, "text": "" } }),
        ),
        ("textDocument/didChange", json!({ "textDocument": { "uri": uri, "version": "2" }, "contentChanges": [] })),
        ("textDocument/didChange", json!({ "textDocument": { "uri": uri, "version": 2 }, "contentChanges": "x" })),
        (
            "textDocument/didChange",
            json!({
                "textDocument": { "uri": uri, "version": 2 },
                "contentChanges": [{
                    "range": { "start": { "line": -1, "character": 0 }, "end": { "line": 0, "character": 0 } },
                    "text": "x",
                }],
            }),
        ),
        ("textDocument/didClose", json!({ "textDocument": 5 })),
        ("textDocument/didClose", json!(null)),
        ("workspace/didChangeWatchedFiles", json!({ "changes": [{ "uri": uri, "type": "deleted" }] })),
        ("workspace/didChangeWorkspaceFolders", json!({ "event": { "added": 1 } })),
        ("$/cancelRequest", json!({ "id": [1] })),
    ];
    for (method, params) in &bad {
        lsp.notify(method, params.clone());
    }
    for (method, _) in &bad {
        lsp.wait_for(&format!("a log line about {method}"), |m| {
            m["method"] == "window/logMessage"
                && m["params"]["message"]
                    .as_str()
                    .is_some_and(|s| s.contains(&format!("ignoring {method}: its parameters are malformed")))
        });
    }
    // A notification LSP does not define is logged; a `$/` one is ignored silently.
    lsp.notify("canopy/noSuchNotification", json!({}));
    lsp.notify("$/noSuchNotification", json!({}));
    lsp.wait_for("a log line about the unknown notification", |m| {
        m["method"] == "window/logMessage"
            && m["params"]["message"].as_str().is_some_and(|s| s.contains("canopy/noSuchNotification"))
    });
    // A notification sent as a request is refused as one.
    let as_request = lsp.request("textDocument/didClose", json!({ "textDocument": { "uri": uri } }));
    assert_eq!(as_request["error"]["code"], -32600, "{as_request}");

    // None of it changed the document, and the server keeps serving.
    let inspected = lsp.result("canopy/inspectFile", json!({ "textDocument": { "uri": uri } }));
    assert_eq!(inspected["text"], text.as_str());
    assert_eq!(inspected["version"], 1);
    let ids: Vec<i64> = lsp.log_since(mark).iter().filter_map(|m| m["id"].as_i64()).collect();
    assert_responses_since(&lsp, mark, &ids, 0);
    assert!(
        !lsp.log_since(mark)
            .iter()
            .any(|m| m["params"]["message"].as_str().is_some_and(|s| s.contains("$/noSuchNotification"))),
        "a `$/` notification is ignored silently"
    );
    assert_serving(&mut lsp, &root);
    assert!(lsp.shutdown().success());
}

#[test]
fn unknown_methods_get_method_not_found() {
    let (mut lsp, root) = start();
    let uri = file_uri(&gouda(&root));
    for (method, params) in [
        (
            "textDocument/formatting",
            json!({ "textDocument": { "uri": uri }, "options": { "tabSize": 2, "insertSpaces": true } }),
        ),
        ("workspace/executeCommand", json!({ "command": "canopy.nothing", "arguments": [] })),
        ("canopy/noSuchRequest", json!({})),
        ("$/noSuchRequest", json!({})),
        ("$/canopy/parseError", json!({})),
        ("", json!({})),
    ] {
        let answer = lsp.request(method, params);
        assert_eq!(answer["error"]["code"], -32601, "{method}: {answer}");
    }
    assert_serving(&mut lsp, &root);
    assert!(lsp.shutdown().success());
}

#[test]
fn requests_before_initialize_are_refused_and_initialize_counts_once() {
    let root = fixture("flake-modules");
    let mut lsp = Lsp::spawn(ClientOptions::folder(&root));
    let uri = file_uri(&gouda(&root));
    let at = json!({ "line": 6, "character": 9 });
    for (method, _) in POSITION_REQUESTS {
        let answer = lsp.request(method, position_params(method, &uri, at.clone()));
        assert_eq!(answer["error"]["code"], -32002, "{method}: {answer}");
    }
    for (method, params) in [
        ("textDocument/documentSymbol", json!({ "textDocument": { "uri": uri } })),
        ("canopy/inspectFile", json!({ "textDocument": { "uri": uri } })),
        ("shutdown", Value::Null),
    ] {
        let answer = lsp.request(method, params);
        assert_eq!(answer["error"]["code"], -32002, "{method}: {answer}");
    }
    // Notifications before `initialize` are dropped.
    lsp.open_text(&uri, "{ }");
    // An `initialize` the server cannot read leaves it uninitialized.
    let broken = lsp.request("initialize", json!({ "capabilities": 3 }));
    assert_eq!(broken["error"]["code"], -32602, "{broken}");
    lsp.initialize();
    lsp.wait_for("indexing to end", |m| m["method"] == "$/progress" && m["params"]["value"]["kind"] == "end");
    let inspected = lsp.result("canopy/inspectFile", json!({ "textDocument": { "uri": uri } }));
    assert_eq!(inspected["version"], Value::Null, "the early didOpen was dropped: {inspected}");
    assert_ne!(inspected["text"], "{ }");

    // A second `initialize` is refused and changes nothing: positions stay in UTF-16.
    let again = lsp.request(
        "initialize",
        json!({ "processId": null, "capabilities": { "general": { "positionEncodings": ["utf-8"] } } }),
    );
    assert_eq!(again["error"]["code"], -32600, "{again}");
    let crab = concat!(
        "{ config, ... }: { flake.modules.nixos.\"🦀🦀🦀🦀\".imports = ",
        "[ config.flake.modules.nixos.ssh ]; }"
    );
    lsp.open_text(&uri, crab);
    let ssh = lsp_support::position(crab, crab.rfind("ssh").expect("ssh"), false);
    let inspected = lsp.result("canopy/inspectFile", json!({ "textDocument": { "uri": uri } }));
    let reference =
        inspected["references"].as_array().and_then(|r| r.iter().find(|r| r["name"] == "flake.modules.nixos.ssh"));
    assert_eq!(reference.map(|r| &r["range"]["start"]), Some(&ssh), "UTF-16 still: {inspected}");
    assert_serving(&mut lsp, &root);

    // After `shutdown`, requests are invalid.
    let shutdown = lsp.request("shutdown", Value::Null);
    assert_eq!(shutdown["result"], Value::Null, "{shutdown}");
    let late = lsp.request("workspace/symbol", json!({ "query": "ssh" }));
    assert_eq!(late["error"]["code"], -32600, "{late}");
    lsp.notify("exit", Value::Null);
    assert_eq!(lsp.wait_exit().code(), Some(0));
}

#[test]
fn exit_before_initialize_ends_the_process_with_status_1() {
    let mut lsp = Lsp::spawn(ClientOptions::folder(&fixture("flake-modules")));
    lsp.notify("textDocument/didOpen", json!({ "textDocument": 1 }));
    lsp.notify("exit", Value::Null);
    assert_eq!(lsp.wait_exit().code(), Some(1));
    assert!(!lsp.stderr().contains("panicked"), "{}", lsp.stderr());
}

/// The line and column just past the last character of `text`, in UTF-16.
fn end_of(text: &str) -> Value {
    lsp_support::position(text, text.len(), false)
}

#[test]
fn positions_past_the_end_answer_as_at_the_end_for_every_request() {
    let (mut lsp, root) = start();
    let path = gouda(&root);
    let uri = file_uri(&path);
    // `ssh` ends a line; the text ends in a name with no newline after it.
    let text = concat!(
        "{ config, ... }:\n{\n",
        "  flake.modules.nixos.x.imports = with config.flake.modules.nixos; [\n    ssh\n  ];\n",
        "  flake.modules.nixos.y.imports = [ config.flake.modules.nixos.desktop ]; }\n",
        "// { } // config.flake.modules.nixos.ssh",
    );
    lsp.open_text(&uri, text);
    let line_end = position_of(text, "    ssh\n", 0, 7, false);
    let file_end = end_of(text);
    let mut answered = 0;
    for (method, _) in POSITION_REQUESTS {
        let at_line_end = lsp.request(method, position_params(method, &uri, line_end.clone()));
        assert!(at_line_end.get("error").is_none(), "{method}: {at_line_end}");
        if at_line_end["result"] != Value::Null {
            answered += 1;
        }
        for past in [json!({ "line": 3, "character": 8 }), json!({ "line": 3, "character": 4_294_967_295_u64 })] {
            let answer = lsp.request(method, position_params(method, &uri, past.clone()));
            assert_eq!(answer["result"], at_line_end["result"], "{method} at {past}: {answer}");
        }
        let at_file_end = lsp.request(method, position_params(method, &uri, file_end.clone()));
        for past in [
            json!({ "line": 6, "character": 999 }),
            json!({ "line": 7, "character": 0 }),
            json!({ "line": 4_294_967_295_u64, "character": 4_294_967_295_u64 }),
        ] {
            let answer = lsp.request(method, position_params(method, &uri, past.clone()));
            assert_eq!(
                answer,
                json!({ "jsonrpc": "2.0", "id": answer["id"], "result": at_file_end["result"] }),
                "{method} at {past}"
            );
        }
    }
    assert!(answered >= 5, "most requests have an answer at the end of `ssh`");
    // Inside a surrogate pair (UTF-16 column 1 of `🦀`): an answer, never an error.
    lsp.open_text(&uri, "{ flake.modules.nixos.\"🦀\" = { }; }\n🦀\n");
    for (method, _) in POSITION_REQUESTS {
        for at in [json!({ "line": 0, "character": 24 }), json!({ "line": 1, "character": 1 })] {
            let answer = lsp.request(method, position_params(method, &uri, at.clone()));
            let refused = method.ends_with("ename") && answer["error"]["code"] == -32803;
            assert!(answer.get("result").is_some() || refused, "{method} at {at}: {answer}");
        }
    }
    assert_serving(&mut lsp, &root);
    assert!(lsp.shutdown().success());
}

#[test]
fn odd_new_names_are_refused_or_renamed_cleanly() {
    let (mut lsp, root) = start();
    let path = root.join("modules/base/nix.nix");
    let uri = file_uri(&path);
    let text = lsp.open(&path);
    let inspected = lsp.result("canopy/inspectFile", json!({ "textDocument": { "uri": uri } }));
    let at = inspected["definitions"][0]["range"]["start"].clone();
    assert!(at.is_object(), "nix.nix defines an aspect: {inspected}");
    let long = "a".repeat(10_000);
    let mut applied = Vec::new();
    for new_name in ["", " ", "a b", "with", "\"", "🦀", "a\nb", "${x}", "a.b", "\\", long.as_str()] {
        let params = position_params("textDocument/rename", &uri, at.clone());
        let params = json!({ "textDocument": params["textDocument"], "position": at, "newName": new_name });
        let answer = lsp.request("textDocument/rename", params);
        if let Some(error) = answer.get("error") {
            assert_eq!(error["code"], -32803, "{new_name:?}: {answer}");
            continue;
        }
        // A rename proposes and changes nothing itself.
        let inspected = lsp.result("canopy/inspectFile", json!({ "textDocument": { "uri": uri } }));
        assert_eq!(inspected["text"], text.as_str(), "{new_name:?}");
        // Applied, the edit leaves the file valid Nix that still defines the aspect.
        let changes = answer["result"]["documentChanges"].as_array().cloned().unwrap_or_default();
        let here = changes.iter().find(|c| c["textDocument"]["uri"] == uri.as_str()).expect("an edit of nix.nix");
        let mut edits: Vec<Value> = here["edits"].as_array().cloned().unwrap_or_default();
        edits.sort_by_key(|e| {
            std::cmp::Reverse((e["range"]["start"]["line"].as_u64(), e["range"]["start"]["character"].as_u64()))
        });
        let content: Vec<Value> = edits.iter().map(|e| json!({ "range": e["range"], "text": e["newText"] })).collect();
        lsp.notify(
            "textDocument/didChange",
            json!({ "textDocument": { "uri": uri, "version": 2 }, "contentChanges": content }),
        );
        let renamed = lsp.result("canopy/inspectFile", json!({ "textDocument": { "uri": uri } }));
        let codes: Vec<&str> =
            renamed["diagnostics"].as_array().into_iter().flatten().filter_map(|d| d["code"].as_str()).collect();
        assert!(!codes.contains(&"syntax-error"), "{new_name:?}: {renamed}");
        assert_eq!(
            renamed["definitions"].as_array().map(Vec::len),
            inspected["definitions"].as_array().map(Vec::len),
            "{new_name:?}: {renamed}"
        );
        lsp.notify("textDocument/didClose", json!({ "textDocument": { "uri": uri } }));
        lsp.open_text(&uri, &text);
        applied.push(new_name.chars().take(8).collect::<String>());
    }
    eprintln!("renamed to {applied:?}; the other names were refused");
    assert!(applied.len() >= 3, "quoted names are renamed: {applied:?}");
    assert_serving(&mut lsp, &root);
    assert!(lsp.shutdown().success());
}

#[test]
fn a_document_closed_and_opened_again_at_once_gets_its_current_diagnostics() {
    let (mut lsp, root) = start();
    let path = root.join("modules/base/nix.nix");
    let uri = file_uri(&path);
    let text = lsp.open(&path);
    lsp.change(&uri, 2, json!({ "line": 0, "character": 0 }), json!({ "line": 0, "character": 0 }), "}");
    lsp.wait_for_diagnostics(&path, "a syntax error", |d| lsp_support::codes(d).contains(&"syntax-error".to_owned()));
    // Closed and opened again before the server's quiet period ends: the client still shows the
    // syntax error, which must go, although the set the server last computed is empty too.
    lsp.notify("textDocument/didClose", json!({ "textDocument": { "uri": uri } }));
    // A request waits until the close is applied, so that the opening comes in a later turn.
    let closed = lsp.result("canopy/inspectFile", json!({ "textDocument": { "uri": uri } }));
    assert_eq!(closed["version"], Value::Null, "{closed}");
    lsp.open_text(&uri, &text);
    lsp.wait_for_diagnostics(&path, "the syntax error to go", <[Value]>::is_empty);
    assert!(lsp.shutdown().success());
}

#[test]
fn did_change_ranges_past_the_end_clamp() {
    let (mut lsp, root) = start();
    let uri = file_uri(&root.join("modules/hosts/new.nix"));
    lsp.open_text(&uri, "ab\r\ncd\n🦀e");
    // (start, end, inserted text, the whole text after it)
    type Edit<'a> = ((u64, u64), (u64, u64), &'a str, &'a str);
    let edits: &[Edit] = &[
        ((0, 99), (0, 99), "X", "abX\r\ncd\n🦀e"),
        ((2, 3), (2, 3), "Y", "abX\r\ncd\n🦀eY"),
        ((9, 0), (12, 5), "Z", "abX\r\ncd\n🦀eYZ"),
        ((1, 1), (99, 99), "", "abX\r\nc"),
        ((0, 3), (0, 1), "-", "abX-\r\nc"),
        ((4_294_967_295, 4_294_967_295), (4_294_967_295, 4_294_967_295), "!", "abX-\r\nc!"),
    ];
    for (version, (start, end, insert, expected)) in edits.iter().enumerate() {
        let params = json!({
            "textDocument": { "uri": uri, "version": version + 2 },
            "contentChanges": [{
                "range": {
                    "start": { "line": start.0, "character": start.1 },
                    "end": { "line": end.0, "character": end.1 },
                },
                "text": insert,
            }],
        });
        lsp.notify("textDocument/didChange", params);
        let inspected = lsp.result("canopy/inspectFile", json!({ "textDocument": { "uri": uri } }));
        assert_eq!(inspected["text"], *expected, "after replacing {start:?}..{end:?} with {insert:?}");
        assert_eq!(inspected["version"], version + 2);
    }
    // A change for a document that is not open changes nothing.
    let closed = file_uri(&root.join("modules/base/nix.nix"));
    lsp.change(&closed, 3, json!({ "line": 0, "character": 0 }), json!({ "line": 0, "character": 0 }), "oops");
    let inspected = lsp.result("canopy/inspectFile", json!({ "textDocument": { "uri": closed } }));
    let disk = std::fs::read_to_string(root.join("modules/base/nix.nix")).expect("read");
    assert_eq!(inspected["text"], disk.as_str());
    assert_eq!(inspected["version"], Value::Null);
    assert_serving(&mut lsp, &root);
    assert!(lsp.shutdown().success());
}

#[test]
fn documents_that_are_not_workspace_files_are_analysed_alone() {
    let (mut lsp, root) = start();
    let text = "let ssh = 1; in { flake.modules.nixos.a = ssh; }";
    let use_at = |text: &str| lsp_support::position(text, text.rfind("ssh").expect("ssh") + 1, false);
    let outside = fixture("den").join("modules/aspects/tux.nix");
    let readme = root.join("README.md");
    let uris = [
        "untitled:Untitled-7".to_owned(),
        "git:/repo/modules/ssh.nix?%7B%22ref%22%3A%22HEAD%22%7D".to_owned(),
        "vscode-notebook-cell:/x.ipynb#W0sZmlsZQ%3D%3D".to_owned(),
        "file://otherhost/share/ssh.nix".to_owned(),
        "a:b".to_owned(),
        file_uri(&outside),
        file_uri(&readme),
    ];
    for uri in &uris {
        lsp.open_text(uri, text);
        let inspected = lsp.result("canopy/inspectFile", json!({ "textDocument": { "uri": uri } }));
        assert_eq!(inspected["inFolder"], false, "{uri}: {inspected}");
        assert_eq!(inspected["text"], text, "{uri}");
        assert_eq!(inspected["definitions"], json!([]), "{uri}: no graph alone");
        let highlights = lsp.result(
            "textDocument/documentHighlight",
            position_params("textDocument/documentHighlight", uri, use_at(text)),
        );
        assert_eq!(highlights.as_array().map(Vec::len), Some(2), "{uri}: {highlights}");
        let symbols = lsp.result("textDocument/documentSymbol", json!({ "textDocument": { "uri": uri } }));
        assert!(symbols.is_array(), "{uri}: {symbols}");
        // A syntax error is reported, alone as in a folder.
        lsp.change(uri, 2, json!({ "line": 0, "character": 0 }), json!({ "line": 0, "character": 0 }), "}");
        let inspected = lsp.result("canopy/inspectFile", json!({ "textDocument": { "uri": uri } }));
        let codes: Vec<&str> =
            inspected["diagnostics"].as_array().into_iter().flatten().filter_map(|d| d["code"].as_str()).collect();
        assert!(codes.contains(&"syntax-error"), "{uri}: {inspected}");
        lsp.notify("textDocument/didClose", json!({ "textDocument": { "uri": uri } }));
        // Closed, it is gone; every request answers null.
        let gone = lsp.result("canopy/inspectFile", json!({ "textDocument": { "uri": uri } }));
        assert_eq!(gone, Value::Null, "{uri} after close");
    }
    assert_serving(&mut lsp, &root);
    assert!(lsp.shutdown().success());
}

#[test]
fn documents_the_server_never_saw_get_null_for_every_request() {
    let (mut lsp, root) = start();
    let uris = [
        file_uri(&root.join("modules/nowhere.nix")),
        file_uri(&fixture("den").join("modules/aspects/tux.nix")),
        "untitled:Untitled-9".to_owned(),
        "git:/repo/modules/ssh.nix".to_owned(),
    ];
    for uri in &uris {
        for (method, _) in POSITION_REQUESTS {
            let answer = lsp.result(method, position_params(method, uri, json!({ "line": 0, "character": 1 })));
            assert_eq!(answer, Value::Null, "{method} on {uri}");
        }
        for method in ["textDocument/documentSymbol", "canopy/inspectFile"] {
            let answer = lsp.result(method, json!({ "textDocument": { "uri": uri } }));
            assert_eq!(answer, Value::Null, "{method} on {uri}");
        }
        // Closing what was never opened changes nothing.
        lsp.notify("textDocument/didClose", json!({ "textDocument": { "uri": uri } }));
    }
    // A file of the folder that was never opened is known from the disk.
    let ssh = root.join("modules/base/ssh.nix");
    let inspected = lsp.result("canopy/inspectFile", json!({ "textDocument": { "uri": file_uri(&ssh) } }));
    assert_eq!(inspected["text"], std::fs::read_to_string(&ssh).expect("read").as_str());
    assert_eq!(inspected["definitions"].as_array().map(Vec::len), Some(2), "{inspected}");
    assert_serving(&mut lsp, &root);
    assert!(lsp.shutdown().success());
}

#[test]
fn cancelled_requests_get_their_result_or_request_cancelled() {
    let (mut lsp, root) = start();
    let path = gouda(&root);
    let uri = file_uri(&path);
    let text = lsp.open(&path);
    let at = position_of(&text, "        ssh", 0, 9, false);
    let mut sent = Vec::new();
    for round in 0..200 {
        // An edit before each request makes it wait for the main loop: some are still in flight
        // when their cancellation arrives.
        let insert = if round % 2 == 0 { " " } else { "" };
        let (start, end) = if round % 2 == 0 {
            (json!({ "line": 0, "character": 0 }), json!({ "line": 0, "character": 0 }))
        } else {
            (json!({ "line": 0, "character": 0 }), json!({ "line": 0, "character": 1 }))
        };
        lsp.change(&uri, round + 2, start, end, insert);
        let (method, _) = POSITION_REQUESTS[round as usize % POSITION_REQUESTS.len()];
        let id = lsp.send_request(method, position_params(method, &uri, at.clone()));
        if round % 4 != 3 {
            lsp.notify("$/cancelRequest", json!({ "id": id }));
        }
        sent.push((id, method, round % 4 != 3));
    }
    let (mut cancelled, mut answered) = (0, 0);
    for (id, method, cancel) in sent {
        let answer = lsp.response(id, method);
        match answer.get("error") {
            None => answered += 1,
            Some(error) => {
                assert!(cancel && error["code"] == -32800, "{method} #{id}: {answer}");
                cancelled += 1;
            }
        }
    }
    eprintln!("cancellations: {cancelled} cancelled, {answered} answered");
    // Cancelling what is already answered, or was never sent, is harmless.
    lsp.notify("$/cancelRequest", json!({ "id": 1 }));
    lsp.notify("$/cancelRequest", json!({ "id": "no-such-request" }));
    let inspected = lsp.result("canopy/inspectFile", json!({ "textDocument": { "uri": uri } }));
    assert_eq!(inspected["text"], text.as_str(), "the edits cancel out");
    assert_serving(&mut lsp, &root);
    assert!(lsp.shutdown().success());
}

#[test]
fn stdin_closing_mid_message_ends_the_process_promptly_and_quietly() {
    let cases: [(&str, &[u8]); 3] = [
        ("mid-header", b"Content-Len"),
        ("between header and body", b"Content-Length: 52\r\n\r\n"),
        ("mid-body", b"Content-Length: 52\r\n\r\n{\"jsonrpc\": \"2.0\", \"id\": 99, \"method\": \"works"),
    ];
    for (what, bytes) in cases {
        let mut lsp = Lsp::start(ClientOptions::folder(&fixture("flake-modules")));
        lsp.send_raw(bytes);
        let closed = Instant::now();
        lsp.close_stdin();
        let status = lsp.wait_exit();
        let took = closed.elapsed();
        assert_eq!(status.code(), Some(1), "{what}: no shutdown came first");
        assert!(took < Duration::from_secs(5), "{what}: took {took:?} to exit");
        let stderr = lsp.stderr();
        assert!(!stderr.contains("panicked"), "{what}: {stderr}");
    }
}
