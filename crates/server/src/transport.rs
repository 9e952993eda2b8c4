//! The guard between the client's stdin and tower-lsp.
//!
//! tower-lsp stops serving at the first message it cannot decode (its framed reader ends the
//! stream on an error), and rejects `"params": null`, which some clients send to `shutdown`. So
//! every message is framed and checked here first, and tower-lsp reads a cleaned stream:
//!
//! - a body that is not JSON becomes a request for `$/canopy/parseError` with a null id, which
//!   the server answers with JSON-RPC's parse error, as the protocol asks;
//! - JSON that tower-lsp would not decode becomes `$/canopy/invalidRequest`, answered with an
//!   invalid-request error. The check is tower-lsp's own decoding, not an imitation of it, since
//!   any difference stops the server (a duplicate key passes as a `serde_json::Value` but not
//!   as tower-lsp's message). The substitute carries the message's id only when tower-lsp can
//!   read it back, an integer that fits `i64` or a string; any other id (`1.5`, `2.0`, `1e300`,
//!   `-0`, 2^63, `true`, an object) would stop it in turn, so the answer's id is null, as
//!   JSON-RPC says for an id that cannot be determined;
//! - a request whose id is null becomes `$/canopy/invalidRequest` too: LSP's ids are integers or
//!   strings, and an answer with a null id could not be told from an error about some other
//!   message;
//! - `"params": null` is dropped (null means no parameters);
//! - a request for a `$/` method becomes `$/canopy/methodNotFound`: tower-lsp swallows its own
//!   method-not-found answer for every `$/` method, which leaves such a request unanswered;
//! - before `initialize`, a request for any other method becomes `$/canopy/methodNotFound` too,
//!   which tower-lsp refuses with "server not initialized" as LSP asks; left alone, a method
//!   tower-lsp does not route would get "method not found" instead;
//! - a notification canopy handles, with parameters of the wrong shape, is logged (tower-lsp drops
//!   it silently), and so is a notification LSP does not define; `$/` ones are ignored silently;
//! - garbage between messages is skipped up to the next `Content-Length` header;
//! - `exit` is reported on `exit`, because tower-lsp, having seen it, keeps reading stdin until
//!   the client closes it, and some clients wait for the process to end first.
//!
//! When stdin ends (even in the middle of a message) the cleaned stream ends too.

use std::sync::Arc;

use serde::Deserialize;
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWriteExt, BufReader, DuplexStream};
use tokio::sync::Notify;
use tower_lsp::jsonrpc::{Id, Request, Response};

pub const PARSE_ERROR_METHOD: &str = "$/canopy/parseError";
pub const INVALID_REQUEST_METHOD: &str = "$/canopy/invalidRequest";
pub const METHOD_NOT_FOUND_METHOD: &str = "$/canopy/methodNotFound";

/// Bodies larger than this are skipped unread and answered with a parse error.
const MAX_BODY: usize = 512 * 1024 * 1024;

/// Starts cleaning `input`; returns the stream tower-lsp should read.
pub fn guard(input: impl AsyncRead + Unpin + Send + 'static, exit: Arc<Notify>) -> DuplexStream {
    let (reader, writer) = tokio::io::duplex(1 << 16);
    tokio::spawn(async move {
        if let Err(err) = pump(BufReader::new(input), writer, &exit).await {
            tracing::debug!("stdin: {err}");
        }
    });
    reader
}

async fn pump(
    mut input: impl tokio::io::AsyncBufRead + Unpin,
    mut output: DuplexStream,
    exit: &Notify,
) -> std::io::Result<()> {
    let mut initialize_seen = false;
    while let Some(body) = read_frame(&mut input).await? {
        let (body, is_exit) = clean(body, &mut initialize_seen);
        let header = format!("Content-Length: {}\r\n\r\n", body.len());
        output.write_all(header.as_bytes()).await?;
        output.write_all(&body).await?;
        if is_exit {
            exit.notify_one();
        }
    }
    Ok(())
}

/// The next message's body; `None` at the end of input. Headers other than `Content-Length`
/// are ignored, and so are header blocks without one.
async fn read_frame(input: &mut (impl tokio::io::AsyncBufRead + Unpin)) -> std::io::Result<Option<Vec<u8>>> {
    let mut length: Option<Option<usize>> = None;
    let mut line = Vec::new();
    loop {
        line.clear();
        if input.read_until(b'\n', &mut line).await? == 0 {
            return Ok(None);
        }
        let text = String::from_utf8_lossy(&line);
        let text = text.trim();
        if text.is_empty() {
            if length.is_some() {
                break;
            }
            continue;
        }
        // The header may follow garbage on the same line (the rest of a body shorter than its
        // `Content-Length` said): start reading at the header's name, wherever it is.
        let lower = text.to_ascii_lowercase();
        if let Some(at) = lower.rfind("content-length")
            && let Some(value) = text[at + "content-length".len()..].trim_start().strip_prefix(':')
        {
            length = Some(value.trim().parse().ok());
        }
    }
    match length {
        Some(Some(length)) if length <= MAX_BODY => {
            let mut body = vec![0; length];
            if input.read_exact(&mut body).await.is_err() {
                return Ok(None); // Cut off mid-message: the end.
            }
            Ok(Some(body))
        }
        Some(Some(length)) => {
            tracing::error!("skipping a message of {length} bytes: too large");
            let skipped = tokio::io::copy(&mut input.take(length as u64), &mut tokio::io::sink()).await?;
            Ok((skipped == length as u64).then(Vec::new))
        }
        _ => {
            tracing::error!("skipping a message whose Content-Length is not a number");
            Ok(Some(Vec::new()))
        }
    }
}

/// A message as tower-lsp decodes it: its own `Message`, which it does not export, with the same
/// variants in the same order, so that a body decodes here exactly when it decodes there.
#[derive(Deserialize)]
#[serde(untagged)]
enum Message {
    Response(#[expect(dead_code, reason = "decoded only to know that tower-lsp will decode it")] Response),
    Request(Request),
}

/// The body tower-lsp gets instead of `body`, and whether it is `exit`. `initialize_seen` says
/// whether an `initialize` request has gone through yet, and is set when this one is.
fn clean(body: Vec<u8>, initialize_seen: &mut bool) -> (Vec<u8>, bool) {
    let request = match decode(&body) {
        Ok(Message::Request(request)) => request,
        Ok(Message::Response(_)) => return (body, false),
        Err(substitute) => return (substitute, false),
    };
    let method = request.method();
    let is_exit = method == "exit";
    match request.id() {
        Some(Id::Null) => {
            tracing::error!("a request has a null id: {}", preview(&body));
            return (substitute(INVALID_REQUEST_METHOD, Id::Null), false);
        }
        Some(id) if !method.is_empty() => {
            *initialize_seen |= method == "initialize";
            if method.starts_with("$/") || !*initialize_seen {
                return (substitute(METHOD_NOT_FOUND_METHOD, id.clone()), false);
            }
        }
        None if !method.is_empty() => check_notification(method, request.params()),
        _ => {}
    }
    if request.params().is_some_and(Value::is_null) {
        let (method, id, _) = request.into_parts();
        let builder = Request::build(method);
        let request = match id {
            Some(id) => builder.id(id).finish(),
            None => builder.finish(),
        };
        return (serde_json::to_vec(&request).unwrap_or(body), is_exit);
    }
    (body, is_exit)
}

/// `body` decoded as tower-lsp will decode it, or the substitute for a body it cannot decode.
fn decode(body: &[u8]) -> Result<Message, Vec<u8>> {
    let parse_error = || {
        tracing::error!("a message is not valid JSON: {}", preview(body));
        substitute(PARSE_ERROR_METHOD, Id::Null)
    };
    // tower-lsp reads the body as a `str` first: the same steps here, so the verdicts agree.
    let text = std::str::from_utf8(body).map_err(|_| parse_error())?;
    serde_json::from_str(text).map_err(|_| {
        let Ok(message) = serde_json::from_str::<Value>(text) else { return parse_error() };
        tracing::error!("a message is not JSON-RPC 2.0 as LSP uses it: {}", preview(body));
        substitute(INVALID_REQUEST_METHOD, readable_id(&message))
    })
}

/// The id an answer about `message` can carry: its own if tower-lsp can read it, else null.
fn readable_id(message: &Value) -> Id {
    match message.get("id") {
        Some(Value::String(id)) => Id::String(id.clone()),
        Some(id) => id.as_i64().map_or(Id::Null, Id::Number),
        None => Id::Null,
    }
}

/// The start of a body, for the log.
fn preview(body: &[u8]) -> std::borrow::Cow<'_, str> {
    String::from_utf8_lossy(&body[..body.len().min(200)])
}

/// Logs what tower-lsp would drop without a word: a notification canopy handles whose parameters
/// do not fit, or one LSP does not define.
fn check_notification(method: &str, params: Option<&Value>) {
    use tower_lsp::lsp_types::notification::*;

    // Read from the borrowed value: no copy of a document's text beyond the one the check makes.
    fn fits<N: Notification>(params: Option<&Value>) -> Option<String> {
        N::Params::deserialize(params.unwrap_or(&Value::Null)).err().map(|err| err.to_string())
    }
    let error = match method {
        DidOpenTextDocument::METHOD => fits::<DidOpenTextDocument>(params),
        DidChangeTextDocument::METHOD => fits::<DidChangeTextDocument>(params),
        DidCloseTextDocument::METHOD => fits::<DidCloseTextDocument>(params),
        DidChangeWatchedFiles::METHOD => fits::<DidChangeWatchedFiles>(params),
        DidChangeWorkspaceFolders::METHOD => fits::<DidChangeWorkspaceFolders>(params),
        DidChangeConfiguration::METHOD => fits::<DidChangeConfiguration>(params),
        Cancel::METHOD => fits::<Cancel>(params),
        _ if method.starts_with("$/") || LSP_NOTIFICATIONS.contains(&method) => None,
        _ => {
            tracing::info!("ignoring the notification {method}: canopy does not know it");
            None
        }
    };
    if let Some(error) = error {
        tracing::warn!("ignoring {method}: its parameters are malformed ({error})");
    }
}

/// Notifications a client may send under LSP 3.17 (`$/` ones aside).
const LSP_NOTIFICATIONS: &[&str] = &[
    "initialized",
    "exit",
    "textDocument/didOpen",
    "textDocument/didChange",
    "textDocument/willSave",
    "textDocument/didSave",
    "textDocument/didClose",
    "notebookDocument/didOpen",
    "notebookDocument/didChange",
    "notebookDocument/didSave",
    "notebookDocument/didClose",
    "workspace/didChangeConfiguration",
    "workspace/didChangeWorkspaceFolders",
    "workspace/didChangeWatchedFiles",
    "workspace/didCreateFiles",
    "workspace/didRenameFiles",
    "workspace/didDeleteFiles",
    "window/workDoneProgress/cancel",
];

fn substitute(method: &str, id: Id) -> Vec<u8> {
    json!({ "jsonrpc": "2.0", "id": id, "method": method }).to_string().into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cleaned(body: &str) -> (Value, bool) {
        cleaned_after(body, &mut true)
    }

    /// What tower-lsp gets for `body`, checked to be a message it decodes: its reader stops at the
    /// first one it cannot.
    fn cleaned_after(body: &str, initialize_seen: &mut bool) -> (Value, bool) {
        let (cleaned, exit) = clean(body.as_bytes().to_vec(), initialize_seen);
        assert!(decode(&cleaned).is_ok(), "tower-lsp cannot decode {} (for {body})", String::from_utf8_lossy(&cleaned));
        (serde_json::from_slice(&cleaned).expect("JSON"), exit)
    }

    fn invalid(id: Value) -> Value {
        json!({ "jsonrpc": "2.0", "id": id, "method": INVALID_REQUEST_METHOD })
    }

    /// Ids tower-lsp cannot read back (it reads integers that fit `i64`, strings and null).
    const UNREADABLE_IDS: &[&str] =
        &["1.5", "2.0", "1e300", "-0", "9223372036854775808", "-9223372036854775809", "true", "{}", "[1]"];

    #[test]
    fn requests_with_ids_tower_lsp_cannot_read_get_an_error_with_a_null_id() {
        for id in UNREADABLE_IDS.iter().chain(&["null"]) {
            for method in ["textDocument/hover", "initialize", "exit", "$/x", ""] {
                let body = format!(r#"{{"jsonrpc": "2.0", "id": {id}, "method": "{method}", "params": {{}}}}"#);
                assert_eq!(cleaned(&body), (invalid(Value::Null), false), "{body}");
            }
        }
        // Before `initialize` as after.
        let body = r#"{"jsonrpc": "2.0", "id": 1.5, "method": "initialize", "params": {"capabilities": {}}}"#;
        let seen = &mut false;
        assert_eq!(cleaned_after(body, seen).0, invalid(Value::Null));
        assert!(!*seen, "an `initialize` tower-lsp never sees does not count");
    }

    #[test]
    fn notifications_and_responses_with_ids_tower_lsp_cannot_read_get_an_error_with_a_null_id() {
        for id in UNREADABLE_IDS {
            for body in [
                format!(r#"{{"jsonrpc": "2.0", "id": {id}, "method": "initialized", "params": {{}}}}"#),
                format!(r#"{{"jsonrpc": "2.0", "id": {id}, "result": null}}"#),
                format!(r#"{{"jsonrpc": "2.0", "id": {id}, "error": {{"code": 1, "message": "no"}}}}"#),
            ] {
                assert_eq!(cleaned(&body), (invalid(Value::Null), false), "{body}");
            }
        }
        // A response with a null id is JSON-RPC's answer to a message whose id could not be read:
        // tower-lsp takes it and ignores it.
        let response = r#"{"jsonrpc": "2.0", "id": null, "error": {"code": -32700, "message": "no"}}"#;
        assert_eq!(cleaned(response).0, serde_json::from_str::<Value>(response).expect("JSON"));
    }

    #[test]
    fn ids_tower_lsp_reads_are_kept() {
        for id in [json!(i64::MAX), json!(i64::MIN), json!(0), json!("9223372036854775808"), json!("")] {
            let request = json!({ "jsonrpc": "2.0", "id": id, "method": "textDocument/hover", "params": {} });
            assert_eq!(cleaned(&request.to_string()).0, request);
            let wrong = json!({ "jsonrpc": "1.0", "id": id, "method": "textDocument/hover" });
            assert_eq!(cleaned(&wrong.to_string()).0, invalid(id));
        }
    }

    #[test]
    fn duplicate_keys_are_invalid_requests() {
        // One `Value` keeps the last of two keys; tower-lsp refuses the message.
        for body in [
            r#"{"jsonrpc": "2.0", "id": 1, "id": 2, "method": "workspace/symbol", "params": {"query": ""}}"#,
            r#"{"jsonrpc": "2.0", "jsonrpc": "2.0", "id": 2, "method": "workspace/symbol", "params": {}}"#,
            r#"{"jsonrpc": "2.0", "id": 2, "method": "shutdown", "method": "shutdown"}"#,
            r#"{"jsonrpc": "2.0", "id": 2, "method": "shutdown", "params": null, "params": null}"#,
            r#"{"jsonrpc": "2.0", "id": 2, "\u0069d": 2, "method": "shutdown"}"#,
        ] {
            assert_eq!(cleaned(body), (invalid(json!(2)), false), "{body}");
        }
        let note = r#"{"jsonrpc": "2.0", "method": "exit", "method": "exit"}"#;
        assert_eq!(cleaned(note), (invalid(Value::Null), false), "not an `exit` either");
    }

    #[test]
    fn bodies_that_are_no_json_get_a_parse_error() {
        for body in [&b"{oops"[..], b"", b"{\"a\": \"\xff\"}", b"\"\\ud800\"", b"1e400", b"\xef\xbb\xbf{}"] {
            let (cleaned, exit) = clean(body.to_vec(), &mut true);
            let message: Value = serde_json::from_slice(&cleaned).expect("JSON");
            assert_eq!(message, json!({ "jsonrpc": "2.0", "id": null, "method": PARSE_ERROR_METHOD }));
            assert!(!exit);
        }
    }

    #[test]
    fn requests_before_initialize_are_all_refused_alike() {
        let seen = &mut false;
        let early = cleaned_after(r#"{"jsonrpc": "2.0", "id": 1, "method": "canopy/noSuchMethod"}"#, seen).0;
        assert_eq!(early, json!({ "jsonrpc": "2.0", "id": 1, "method": METHOD_NOT_FOUND_METHOD }));
        let shutdown = cleaned_after(r#"{"jsonrpc": "2.0", "id": 2, "method": "shutdown"}"#, seen).0;
        assert_eq!(shutdown["method"], METHOD_NOT_FOUND_METHOD);
        // Notifications pass: tower-lsp drops them itself until `initialize`.
        let note = r#"{"jsonrpc": "2.0", "method": "$/cancelRequest", "params": {"id": 1}}"#;
        assert_eq!(cleaned_after(note, seen).0["method"], "$/cancelRequest");
        let init = r#"{"jsonrpc": "2.0", "id": 3, "method": "initialize", "params": {"capabilities": {}}}"#;
        assert_eq!(cleaned_after(init, seen).0["method"], "initialize");
        let later = cleaned_after(r#"{"jsonrpc": "2.0", "id": 4, "method": "canopy/noSuchMethod"}"#, seen).0;
        assert_eq!(later["method"], "canopy/noSuchMethod", "after initialize, tower-lsp answers it");
    }

    #[test]
    fn malformed_messages_become_requests_for_an_error() {
        let batch = r#"[{"jsonrpc": "2.0", "id": 7, "method": "shutdown"}]"#;
        for body in ["[1, 2]", batch, "7", "null", r#""id""#, "{}", r#"{"id": 7}"#] {
            let id = if body == r#"{"id": 7}"# { json!(7) } else { Value::Null };
            assert_eq!(cleaned(body), (invalid(id), false), "{body}");
        }
        let (message, _) = cleaned(r#"{"jsonrpc": "1.0", "id": 7, "method": "x"}"#);
        assert_eq!(message, invalid(json!(7)));
    }

    #[test]
    fn null_params_are_dropped_and_exit_is_seen() {
        let (message, exit) = cleaned(r#"{"jsonrpc": "2.0", "id": 1, "method": "shutdown", "params": null}"#);
        assert_eq!(message, json!({ "jsonrpc": "2.0", "id": 1, "method": "shutdown" }));
        assert!(!exit);
        assert!(cleaned(r#"{"jsonrpc": "2.0", "method": "exit"}"#).1);
        let response = r#"{"jsonrpc": "2.0", "id": 1, "result": null}"#;
        assert_eq!(cleaned(response).0, serde_json::from_str::<Value>(response).expect("JSON"));
    }

    #[test]
    fn requests_for_dollar_methods_are_answered() {
        let (message, _) = cleaned(r#"{"jsonrpc": "2.0", "id": 3, "method": "$/canopy/parseError"}"#);
        assert_eq!(message, json!({ "jsonrpc": "2.0", "id": 3, "method": METHOD_NOT_FOUND_METHOD }));
        let notification = r#"{"jsonrpc": "2.0", "method": "$/somethingNew", "params": {}}"#;
        assert_eq!(cleaned(notification).0, serde_json::from_str::<Value>(notification).expect("JSON"));
    }

    #[tokio::test]
    async fn frames_after_garbage_are_found() {
        let input = b"Content-Length: 2\r\n\r\n{}}garbage Content-Length: 3\r\n\r\n[1]";
        let mut reader = BufReader::new(&input[..]);
        assert_eq!(read_frame(&mut reader).await.expect("read"), Some(b"{}".to_vec()));
        assert_eq!(read_frame(&mut reader).await.expect("read"), Some(b"[1]".to_vec()));
        assert_eq!(read_frame(&mut reader).await.expect("read"), None);
    }

    #[tokio::test]
    async fn frames_are_read_whatever_the_headers() {
        let input = b"Content-Type: application/vscode-jsonrpc; charset=utf-8\r\ncontent-length: 2\r\n\r\n{}\
            X-Junk: 1\r\n\r\nContent-Length: 3\r\n\r\n[1]Content-Length: 10\r\n\r\n{\"cut";
        let mut reader = BufReader::new(&input[..]);
        assert_eq!(read_frame(&mut reader).await.expect("read"), Some(b"{}".to_vec()));
        assert_eq!(read_frame(&mut reader).await.expect("read"), Some(b"[1]".to_vec()));
        assert_eq!(read_frame(&mut reader).await.expect("read"), None, "cut off mid-body");
    }
}
