//! The guard between the client's stdin and tower-lsp.
//!
//! tower-lsp stops serving at the first message it cannot decode (its framed reader ends the
//! stream on an error), and rejects `"params": null`, which some clients send to `shutdown`. So
//! every message is framed and checked here first, and tower-lsp reads a cleaned stream:
//!
//! - a body that is not JSON becomes a request for `$/canopy/parseError` with a null id, which
//!   the server answers with JSON-RPC's parse error, as the protocol asks;
//! - JSON that is not a JSON-RPC message becomes `$/canopy/invalidRequest` (with the message's
//!   id when it has one), answered with an invalid-request error;
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
use tower_lsp::jsonrpc::{Request, Response};

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

/// The body tower-lsp gets instead of `body`, and whether it is `exit`. `initialize_seen` says
/// whether an `initialize` request has gone through yet, and is set when this one is.
fn clean(body: Vec<u8>, initialize_seen: &mut bool) -> (Vec<u8>, bool) {
    let Ok(mut message) = serde_json::from_slice::<Value>(&body) else {
        tracing::error!("a message is not valid JSON: {}", String::from_utf8_lossy(&body[..body.len().min(200)]));
        return (substitute(PARSE_ERROR_METHOD, Value::Null), false);
    };
    let valid = Request::deserialize(&message).is_ok() || Response::deserialize(&message).is_ok();
    if !valid {
        tracing::error!("a message is not JSON-RPC 2.0: {}", String::from_utf8_lossy(&body[..body.len().min(200)]));
        let id = message.get("id").filter(|id| id.is_number() || id.is_string()).cloned().unwrap_or(Value::Null);
        return (substitute(INVALID_REQUEST_METHOD, id), false);
    }
    let method = message.get("method").and_then(Value::as_str).unwrap_or_default();
    let is_exit = method == "exit";
    let is_request = message.get("id").is_some() && !method.is_empty();
    *initialize_seen |= is_request && method == "initialize";
    match message.get("id") {
        Some(id) if is_request && (method.starts_with("$/") || !*initialize_seen) => {
            return (substitute(METHOD_NOT_FOUND_METHOD, id.clone()), false);
        }
        None if !method.is_empty() => check_notification(method, message.get("params")),
        _ => {}
    }
    if let Some(object) = message.as_object_mut()
        && object.get("params").is_some_and(Value::is_null)
    {
        object.remove("params");
        return (serde_json::to_vec(&message).unwrap_or(body), is_exit);
    }
    (body, is_exit)
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

fn substitute(method: &str, id: Value) -> Vec<u8> {
    json!({ "jsonrpc": "2.0", "id": id, "method": method }).to_string().into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cleaned(body: &str) -> (Value, bool) {
        cleaned_after(body, &mut true)
    }

    fn cleaned_after(body: &str, initialize_seen: &mut bool) -> (Value, bool) {
        let (body, exit) = clean(body.as_bytes().to_vec(), initialize_seen);
        (serde_json::from_slice(&body).expect("JSON"), exit)
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
        assert_eq!(cleaned("{oops").0, json!({ "jsonrpc": "2.0", "id": null, "method": PARSE_ERROR_METHOD }));
        assert_eq!(cleaned("[1, 2]").0["method"], INVALID_REQUEST_METHOD);
        let (message, _) = cleaned(r#"{"jsonrpc": "1.0", "id": 7, "method": "x"}"#);
        assert_eq!(message, json!({ "jsonrpc": "2.0", "id": 7, "method": INVALID_REQUEST_METHOD }));
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
