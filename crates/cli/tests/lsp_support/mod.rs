//! A small LSP client for end-to-end tests: starts the real `canopy lsp`, speaks JSON-RPC with
//! `Content-Length` framing over its stdin/stdout, answers the server's own requests, and fails a
//! test with the server's stderr instead of hanging when an answer does not come.

#![allow(dead_code)] // Each test binary uses its own part of the helper.

use std::collections::HashMap;
use std::fs;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// Longest wait for any one message. Generous for slow CI machines; a healthy run answers in
/// milliseconds.
pub const TIMEOUT: Duration = Duration::from_secs(20);

/// The repository's `fixtures/` folder.
pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures").canonicalize().expect("fixtures folder")
}

pub fn fixture(name: &str) -> PathBuf {
    fixtures().join(name)
}

/// Copies a fixture into a fresh temporary folder, for tests that change files on disk.
pub fn copy_fixture(name: &str) -> tempfile::TempDir {
    let dir = tempfile::Builder::new().prefix("canopy-lsp-").tempdir().expect("temp dir");
    copy_dir(&fixture(name), dir.path());
    dir
}

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).expect("create folder");
    for entry in fs::read_dir(from).expect("read fixture") {
        let entry = entry.expect("fixture entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("file type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), &target).expect("copy file");
        }
    }
}

/// A `file:` URI, percent-encoding every byte but unreserved ones and `/` (brackets, spaces and
/// non-ASCII included, as VS Code does).
pub fn file_uri(path: &Path) -> String {
    let mut out = String::from("file://");
    for &byte in path.to_str().expect("UTF-8 path").as_bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~/".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// The path of a `file:` URI, however it was encoded.
pub fn uri_path(uri: &str) -> PathBuf {
    let rest = uri.strip_prefix("file://").unwrap_or_else(|| panic!("not a file URI: {uri}"));
    let bytes = rest.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).expect("hex");
            out.push(u8::from_str_radix(hex, 16).expect("hex"));
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    PathBuf::from(String::from_utf8(out).expect("UTF-8 path"))
}

/// A 0-based LSP position of byte offset `offset` of `text`, with columns in UTF-16 code units
/// or UTF-8 bytes.
pub fn position(text: &str, offset: usize, utf8: bool) -> Value {
    let before = &text[..offset];
    let line = before.matches('\n').count();
    let start = before.rfind('\n').map_or(0, |i| i + 1);
    let prefix = &text[start..offset];
    let character = if utf8 { prefix.len() } else { prefix.encode_utf16().count() };
    json!({ "line": line, "character": character })
}

/// The position of the `nth` (0-based) occurrence of `needle` in `text`, plus `within` bytes.
pub fn position_of(text: &str, needle: &str, nth: usize, within: usize, utf8: bool) -> Value {
    let offset = text.match_indices(needle).nth(nth).unwrap_or_else(|| panic!("`{needle}` #{nth} in text")).0;
    position(text, offset + within, utf8)
}

/// How the test client presents itself.
#[derive(Clone)]
pub struct ClientOptions {
    pub utf8: bool,
    pub progress: bool,
    pub initialization_options: Value,
    /// Sent as `workspaceFolders` (or as `rootUri` alone when `root_uri_only`).
    pub folders: Vec<PathBuf>,
    pub root_uri_only: bool,
    /// Answers to `workspace/configuration`.
    pub pulled_settings: Value,
}

impl ClientOptions {
    pub fn folder(folder: &Path) -> ClientOptions {
        ClientOptions {
            utf8: false,
            progress: true,
            initialization_options: Value::Null,
            folders: vec![folder.to_path_buf()],
            root_uri_only: false,
            pulled_settings: Value::Null,
        }
    }
}

pub struct Lsp {
    child: Child,
    stdin: Option<ChildStdin>,
    messages: Receiver<Value>,
    stderr: Arc<Mutex<String>>,
    next_id: i64,
    /// Notifications and server requests received and not yet consumed, in order.
    pending: Vec<Value>,
    /// Every message received, for failure reports.
    log: Vec<Value>,
    /// The last diagnostics published, by file path.
    pub diagnostics: HashMap<PathBuf, Vec<Value>>,
    pub options: ClientOptions,
}

impl Lsp {
    /// Starts `canopy lsp` without initializing it.
    pub fn spawn(options: ClientOptions) -> Lsp {
        let mut command = Command::new(env!("CARGO_BIN_EXE_canopy"));
        command.arg("lsp");
        Lsp::spawn_command(command, options)
    }

    /// Starts a command that runs `canopy lsp` (under a tracer, say) without initializing it.
    pub fn spawn_command(mut command: Command, options: ClientOptions) -> Lsp {
        let mut child = command
            .env("CANOPY_LOG", "debug")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start canopy lsp");
        let stdout = child.stdout.take().expect("stdout");
        let stderr_pipe = child.stderr.take().expect("stderr");
        let (tx, messages) = mpsc::channel();
        thread::spawn(move || read_messages(BufReader::new(stdout), tx));
        let stderr = Arc::new(Mutex::new(String::new()));
        let sink = stderr.clone();
        thread::spawn(move || {
            let mut reader = BufReader::new(stderr_pipe);
            let mut line = String::new();
            while reader.read_line(&mut line).is_ok_and(|n| n > 0) {
                sink.lock().expect("stderr buffer").push_str(&line);
                line.clear();
            }
        });
        let stdin = child.stdin.take();
        Lsp {
            child,
            stdin,
            messages,
            stderr,
            next_id: 0,
            pending: Vec::new(),
            log: Vec::new(),
            diagnostics: HashMap::new(),
            options,
        }
    }

    /// Starts the server, initializes it and waits until every folder is indexed.
    pub fn start(options: ClientOptions) -> Lsp {
        let folders = options.folders.len();
        let mut lsp = Lsp::spawn(options);
        lsp.initialize();
        if lsp.options.progress {
            for _ in 0..folders {
                lsp.wait_for("indexing to end", |m| {
                    m["method"] == "$/progress" && m["params"]["value"]["kind"] == "end"
                });
            }
        }
        lsp
    }

    pub fn initialize(&mut self) -> Value {
        let o = &self.options;
        let folders: Vec<Value> = o
            .folders
            .iter()
            .map(|f| json!({ "uri": file_uri(f), "name": f.file_name().map(|n| n.to_string_lossy().into_owned()) }))
            .collect();
        let encodings = if o.utf8 { json!(["utf-8", "utf-16"]) } else { json!(["utf-16"]) };
        let mut params = json!({
            "processId": null,
            "capabilities": {
                "general": { "positionEncodings": encodings },
                "window": { "workDoneProgress": o.progress },
                "workspace": {
                    "workspaceFolders": true,
                    "configuration": true,
                    "didChangeWatchedFiles": { "dynamicRegistration": true },
                    "workspaceEdit": { "documentChanges": true },
                },
                "textDocument": {
                    "definition": { "linkSupport": true },
                    "documentSymbol": { "hierarchicalDocumentSymbolSupport": true },
                    "publishDiagnostics": { "versionSupport": true },
                },
            },
            "initializationOptions": o.initialization_options,
        });
        if o.root_uri_only {
            params["rootUri"] = json!(o.folders.first().map(|f| file_uri(f)));
        } else {
            params["workspaceFolders"] = json!(folders);
        }
        let response = self.request("initialize", params);
        let result =
            response.get("result").cloned().unwrap_or_else(|| self.fail(&format!("initialize failed: {response}")));
        self.notify("initialized", json!({}));
        result
    }

    pub fn send(&mut self, message: &Value) {
        let body = serde_json::to_string(message).expect("serialize");
        let Some(stdin) = self.stdin.as_mut() else { self.fail("stdin is closed") };
        let written = write!(stdin, "Content-Length: {}\r\n\r\n{}", body.len(), body).and_then(|()| stdin.flush());
        if let Err(err) = written {
            self.fail(&format!("cannot write to the server: {err}"));
        }
    }

    /// Sends `body` as it is, framed: for bodies `serde_json` would not write (duplicate keys,
    /// numbers it would normalise).
    pub fn send_body(&mut self, body: &str) {
        self.send_raw(format!("Content-Length: {}\r\n\r\n{body}", body.len()).as_bytes());
    }

    pub fn send_raw(&mut self, bytes: &[u8]) {
        let stdin = self.stdin.as_mut().expect("stdin");
        stdin.write_all(bytes).and_then(|()| stdin.flush()).expect("write");
    }

    pub fn notify(&mut self, method: &str, params: Value) {
        self.send(&json!({ "jsonrpc": "2.0", "method": method, "params": params }));
    }

    /// Sends a request and returns the whole response (`result` or `error`).
    pub fn request(&mut self, method: &str, params: Value) -> Value {
        let id = self.send_request(method, params);
        self.response(id, method)
    }

    /// Sends a request without waiting for its answer; returns its id.
    pub fn send_request(&mut self, method: &str, params: Value) -> i64 {
        self.next_id += 1;
        let id = self.next_id;
        self.send(&json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params }));
        id
    }

    /// Waits for the response to request `id` (sent for `what`).
    pub fn response(&mut self, id: i64, what: &str) -> Value {
        if let Some(i) = self.pending.iter().position(|m| m.get("method").is_none() && m["id"] == id) {
            return self.pending.remove(i);
        }
        let deadline = Instant::now() + TIMEOUT;
        loop {
            let message = self.next_message(deadline, &format!("the answer to {what}"));
            if message.get("method").is_none() && message["id"] == id {
                return message;
            }
            self.pending.push(message);
        }
    }

    /// How many messages have arrived so far; with `log_since`, what arrived after a point.
    pub fn log_len(&self) -> usize {
        self.log.len()
    }

    pub fn log_since(&self, start: usize) -> Vec<Value> {
        self.log[start.min(self.log.len())..].to_vec()
    }

    /// Drops the messages kept so far but responses not yet taken: long runs keep memory flat.
    pub fn forget(&mut self) {
        self.log.clear();
        self.pending.retain(|m| m.get("method").is_none());
    }

    /// The server's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The `result` of a request that must succeed.
    pub fn result(&mut self, method: &str, params: Value) -> Value {
        let response = self.request(method, params);
        match response.get("result") {
            Some(result) => result.clone(),
            None => self.fail(&format!("{method} failed: {response}")),
        }
    }

    /// Waits for a notification (or server request) matching `matches`, skipping others, and
    /// returns it. Messages already received count.
    pub fn wait_for(&mut self, what: &str, matches: impl Fn(&Value) -> bool) -> Value {
        if let Some(i) = self.pending.iter().position(&matches) {
            return self.pending.remove(i);
        }
        let deadline = Instant::now() + TIMEOUT;
        loop {
            let message = self.next_message(deadline, what);
            if matches(&message) {
                return message;
            }
            self.pending.push(message);
        }
    }

    /// Waits until the diagnostics last published for `path` satisfy `matches`; returns them.
    pub fn wait_for_diagnostics(&mut self, path: &Path, what: &str, matches: impl Fn(&[Value]) -> bool) -> Vec<Value> {
        if let Some(current) = self.diagnostics.get(path)
            && matches(current)
        {
            return current.clone();
        }
        let deadline = Instant::now() + TIMEOUT;
        loop {
            let message = self.next_message(deadline, what);
            if message["method"] == "textDocument/publishDiagnostics"
                && uri_path(message["params"]["uri"].as_str().unwrap_or("file://?")) == path
            {
                let current = self.diagnostics.get(path).cloned().unwrap_or_default();
                if matches(&current) {
                    return current;
                }
            }
            self.pending.push(message);
        }
    }

    /// Every notification with `method` received so far (consumed or not).
    pub fn received(&self, method: &str) -> Vec<Value> {
        self.log.iter().filter(|m| m["method"] == method).cloned().collect()
    }

    fn next_message(&mut self, deadline: Instant, what: &str) -> Value {
        let left = deadline.saturating_duration_since(Instant::now());
        let message = match self.messages.recv_timeout(left) {
            Ok(message) => message,
            Err(RecvTimeoutError::Timeout) => self.fail(&format!("timed out waiting for {what}")),
            Err(RecvTimeoutError::Disconnected) => {
                self.fail(&format!("the server closed stdout while waiting for {what}"))
            }
        };
        self.log.push(message.clone());
        if message["method"] == "textDocument/publishDiagnostics" {
            let uri = message["params"]["uri"].as_str().unwrap_or_default();
            let list = message["params"]["diagnostics"].as_array().cloned().unwrap_or_default();
            if uri.starts_with("file://") {
                self.diagnostics.insert(uri_path(uri), list);
            }
        }
        // The server's own requests get an answer at once, as an editor would give.
        if let (Some(method), Some(id)) = (message["method"].as_str(), message.get("id")) {
            let result = match method {
                "workspace/configuration" => {
                    let items = message["params"]["items"].as_array().map_or(0, Vec::len);
                    json!(vec![self.options.pulled_settings.clone(); items])
                }
                _ => Value::Null,
            };
            let id = id.clone();
            self.send(&json!({ "jsonrpc": "2.0", "id": id, "result": result }));
        }
        message
    }

    /// Opens a file of the workspace with its text from disk; returns the text.
    pub fn open(&mut self, path: &Path) -> String {
        let text = fs::read_to_string(path).expect("read file to open");
        self.open_text(&file_uri(path), &text);
        text
    }

    pub fn open_text(&mut self, uri: &str, text: &str) {
        let params = json!({ "textDocument": { "uri": uri, "languageId": "nix", "version": 1, "text": text } });
        self.notify("textDocument/didOpen", params);
    }

    /// Replaces `range` (start and end positions) of an open document.
    pub fn change(&mut self, uri: &str, version: i32, start: Value, end: Value, text: &str) {
        let params = json!({
            "textDocument": { "uri": uri, "version": version },
            "contentChanges": [{ "range": { "start": start, "end": end }, "text": text }],
        });
        self.notify("textDocument/didChange", params);
    }

    /// `shutdown`, then `exit`; returns how the process ended.
    pub fn shutdown(mut self) -> ExitStatus {
        let response = self.request("shutdown", Value::Null);
        assert!(response.get("error").is_none(), "shutdown failed: {response}");
        self.notify("exit", Value::Null);
        self.wait_exit()
    }

    /// Waits for the process to end on its own.
    pub fn wait_exit(&mut self) -> ExitStatus {
        let deadline = Instant::now() + TIMEOUT;
        loop {
            match self.child.try_wait() {
                Ok(Some(status)) => return status,
                Ok(None) if Instant::now() < deadline => thread::sleep(Duration::from_millis(10)),
                _ => self.fail("the server did not exit"),
            }
        }
    }

    pub fn close_stdin(&mut self) {
        self.stdin = None;
    }

    /// Waits until the server's stderr holds `needle` (it is read on another thread).
    pub fn wait_for_stderr(&self, needle: &str) {
        let deadline = Instant::now() + TIMEOUT;
        while !self.stderr().contains(needle) {
            if Instant::now() > deadline {
                self.fail(&format!("stderr never said `{needle}`"));
            }
            thread::sleep(Duration::from_millis(10));
        }
    }

    pub fn stderr(&self) -> String {
        self.stderr.lock().map(|s| s.clone()).unwrap_or_default()
    }

    /// Fails the test with what the server said.
    pub fn fail(&self, why: &str) -> ! {
        let recent: Vec<String> = self.log.iter().rev().take(30).rev().map(Value::to_string).collect();
        panic!(
            "{why}\n--- last messages from the server:\n{}\n--- server stderr:\n{}",
            recent.join("\n"),
            self.stderr()
        )
    }
}

impl Drop for Lsp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Reads framed messages until the stream ends or breaks.
fn read_messages(mut reader: impl BufRead, tx: mpsc::Sender<Value>) {
    loop {
        let mut length = None;
        loop {
            let mut line = String::new();
            match reader.read_line(&mut line) {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            if let Some(value) = line.strip_prefix("Content-Length:") {
                length = value.trim().parse::<usize>().ok();
            }
        }
        let Some(length) = length else { return };
        let mut body = vec![0; length];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        let Ok(message) = serde_json::from_slice::<Value>(&body) else { return };
        if tx.send(message).is_err() {
            return;
        }
    }
}

/// The server still answers real questions correctly on the `flake-modules` fixture at `root`:
/// what `modules/base/ssh.nix` (which no test edits) defines, and a hover on one of its names.
pub fn assert_serving(lsp: &mut Lsp, root: &Path) {
    let uri = file_uri(&root.join("modules/base/ssh.nix"));
    let inspected = lsp.result("canopy/inspectFile", json!({ "textDocument": { "uri": uri } }));
    let names: Vec<&str> =
        inspected["definitions"].as_array().into_iter().flatten().filter_map(|d| d["name"].as_str()).collect();
    assert_eq!(names, ["flake.modules.nixos.ssh", "flake.modules.homeManager.ssh"], "{inspected}");
    let at = json!({ "line": 2, "character": 23 });
    let hover = lsp.result("textDocument/hover", json!({ "textDocument": { "uri": uri }, "position": at }));
    assert!(hover["contents"]["value"].as_str().is_some_and(|h| h.contains("ssh")), "{hover}");
}

/// Asserts that the responses that arrived since `mark` are those to `expected_ids` and `errors`
/// errors with a null id: no response to a notification, no stray error.
pub fn assert_responses_since(lsp: &Lsp, mark: usize, expected_ids: &[i64], errors: usize) {
    let mut null_ids = 0;
    for message in lsp.log_since(mark) {
        if message.get("method").is_none() {
            if message["id"].is_null() {
                null_ids += 1;
                continue;
            }
            let id = message["id"].as_i64();
            assert!(id.is_some_and(|id| expected_ids.contains(&id)), "an unexpected response: {message}");
        }
    }
    assert_eq!(null_ids, errors, "errors without an id since the mark: {:?}", lsp.log_since(mark));
}

/// The codes of a diagnostics list.
pub fn codes(diagnostics: &[Value]) -> Vec<String> {
    diagnostics.iter().filter_map(|d| d["code"].as_str().map(str::to_owned)).collect()
}

/// splitmix64: small, good enough, and the same on every machine, so a seed replays a run.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    pub fn percent(&mut self, p: usize) -> bool {
        self.below(100) < p
    }
}

/// Start offsets of the lines of `text`, split at `\n`, `\r\n` and `\r` as LSP says: a model of
/// positions independent of the server's.
pub fn line_starts(text: &str) -> Vec<usize> {
    let bytes = text.as_bytes();
    let mut starts = vec![0];
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'\r' && bytes.get(i + 1) == Some(&b'\n') {
            i += 1;
        }
        if bytes[i] == b'\n' || bytes[i] == b'\r' {
            starts.push(i + 1);
        }
        i += 1;
    }
    starts
}

/// The `.nix` files of a folder, recursively, in path order.
pub fn nix_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = fs::read_dir(dir).expect("read folder").map(|e| e.expect("entry").path()).collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            nix_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "nix") {
            out.push(path);
        }
    }
}

/// A `flake.nix` whose import-tree root is `modules/`.
pub const FLAKE: &str = r#"{
  inputs.flake-parts.url = "github:hercules-ci/flake-parts";
  inputs.import-tree.url = "github:vic/import-tree";
  outputs = inputs: inputs.flake-parts.lib.mkFlake { inherit inputs; } (inputs.import-tree ./modules);
}
"#;
