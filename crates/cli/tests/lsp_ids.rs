//! `canopy lsp` and messages tower-lsp cannot decode although they are JSON (issue 16): ids that
//! are no integer of `i64` nor a string (`1.5`, `2.0`, `1e300`, 2^63, ...), on requests,
//! notifications and responses, and keys given twice. JSON-RPC says such ids "SHOULD NOT" be
//! sent; one of them, even as the first message, used to end the server with status 1. Each now
//! gets an error response with a null id, and the server keeps serving.

mod lsp_support;

use lsp_support::{ClientOptions, Lsp, assert_responses_since, assert_serving, fixture};
use serde_json::{Value, json};

/// The ids of issue 16, then the other ids tower-lsp cannot read back: a negative integer below
/// `i64::MIN`, `-0` (a float to `serde_json`), and the JSON types that are no number or string.
const ODD_IDS: &[&str] =
    &["1.5", "2.0", "1e300", "9223372036854775808", "-9223372036854775809", "-0", "true", "{}", "[1]"];

/// Waits for the error answering a message with an odd id; returns its code.
fn null_id_error(lsp: &mut Lsp, what: &str) -> Value {
    let error = lsp.wait_for(what, |m| m.get("method").is_none() && m.get("error").is_some());
    assert_eq!(error["id"], Value::Null, "{what}: {error}");
    error["error"]["code"].clone()
}

#[test]
fn an_odd_id_as_the_first_message_gets_an_error_and_the_server_starts_as_usual() {
    let root = fixture("flake-modules");
    for id in &ODD_IDS[..4] {
        let mut lsp = Lsp::spawn(ClientOptions::folder(&root));
        lsp.send_body(&format!(r#"{{"jsonrpc": "2.0", "id": {id}, "method": "initialize", "params": {{}}}}"#));
        // Before `initialize`, every request is refused as not initialized.
        assert_eq!(null_id_error(&mut lsp, &format!("the error for id {id}")), -32002, "id {id}");
        lsp.initialize();
        lsp.wait_for("indexing to end", |m| m["method"] == "$/progress" && m["params"]["value"]["kind"] == "end");
        assert_serving(&mut lsp, &root);
        assert_eq!(lsp.shutdown().code(), Some(0), "id {id}");
    }
}

/// Messages tower-lsp cannot decode, after `initialize`: each gets an invalid-request error with a
/// null id.
fn undecodable(uri: &str) -> Vec<String> {
    let hover = json!({ "textDocument": { "uri": uri }, "position": { "line": 2, "character": 23 } });
    let mut bodies = Vec::new();
    for id in ODD_IDS.iter().chain(&["null"]) {
        bodies.push(format!(r#"{{"jsonrpc": "2.0", "id": {id}, "method": "textDocument/hover", "params": {hover}}}"#));
    }
    for id in ODD_IDS {
        bodies.extend([
            // A notification with an id; `exit` with one must not end the server.
            format!(r#"{{"jsonrpc": "2.0", "id": {id}, "method": "initialized", "params": {{}}}}"#),
            format!(r#"{{"jsonrpc": "2.0", "id": {id}, "method": "exit"}}"#),
            // Responses from the client.
            format!(r#"{{"jsonrpc": "2.0", "id": {id}, "result": null}}"#),
            format!(r#"{{"jsonrpc": "2.0", "id": {id}, "error": {{"code": -32601, "message": "no"}}}}"#),
            // Not JSON-RPC 2.0 either.
            format!(r#"{{"jsonrpc": "1.0", "id": {id}, "method": "textDocument/hover"}}"#),
        ]);
    }
    bodies.extend([
        // Keys given twice: one `serde_json::Value` keeps the last, tower-lsp refuses them.
        format!(r#"{{"jsonrpc": "2.0", "id": 7, "id": 1.5, "method": "textDocument/hover", "params": {hover}}}"#),
        r#"{"jsonrpc": "2.0", "jsonrpc": "2.0", "method": "workspace/symbol", "params": {"query": ""}}"#.to_owned(),
        r#"{"jsonrpc": "2.0", "method": "exit", "method": "exit"}"#.to_owned(),
        format!(r#"{{"jsonrpc": "2.0", "method": "textDocument/hover", "params": {hover}, "params": {hover}}}"#),
    ]);
    bodies
}

#[test]
fn every_message_tower_lsp_cannot_decode_gets_an_error_with_a_null_id_and_the_server_serves_on() {
    let root = fixture("flake-modules");
    let mut lsp = Lsp::start(ClientOptions::folder(&root));
    let uri = lsp_support::file_uri(&root.join("modules/base/ssh.nix"));
    for body in undecodable(&uri) {
        let mark = lsp.log_len();
        lsp.send_body(&body);
        assert_eq!(null_id_error(&mut lsp, &body), -32600, "{body}");
        assert_serving(&mut lsp, &root);
        let answered: Vec<i64> = lsp.log_since(mark).iter().filter_map(|m| m["id"].as_i64()).collect();
        assert_responses_since(&lsp, mark, &answered, 1);
    }
    assert!(lsp.shutdown().success());
}
