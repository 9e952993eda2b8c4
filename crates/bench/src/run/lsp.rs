//! A minimal LSP client over the real stdio protocol: starts `canopy lsp`, frames JSON-RPC with
//! `Content-Length`, answers the server's own requests at once (as an editor would, so the server
//! never waits on the benchmark), and stamps every message with the instant its last byte
//! arrived, so a request's latency does not include the client's own JSON parsing.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// A message from the server.
pub struct Incoming {
    pub value: Value,
    /// Size of the JSON body.
    pub bytes: usize,
    pub at: Instant,
}

pub struct Client {
    child: Child,
    stdin: Arc<Mutex<ChildStdin>>,
    rx: Receiver<Incoming>,
    next_id: i64,
}

/// A request's answer and what it cost.
pub struct Answer {
    pub elapsed: Duration,
    pub bytes: usize,
    pub value: Value,
}

fn write_message(stdin: &Mutex<ChildStdin>, message: &Value) -> Result<(), String> {
    let body = serde_json::to_string(message).map_err(|e| e.to_string())?;
    let mut stdin = stdin.lock().map_err(|_| "stdin lock poisoned".to_owned())?;
    write!(stdin, "Content-Length: {}\r\n\r\n{}", body.len(), body)
        .and_then(|()| stdin.flush())
        .map_err(|e| format!("cannot write to the server: {e}"))
}

impl Client {
    /// Starts `bin lsp` with its stderr going to `log`.
    pub fn spawn(bin: &Path, log: &Path) -> Result<Client, String> {
        let log = std::fs::File::create(log).map_err(|e| format!("cannot create {}: {e}", log.display()))?;
        let mut child = Command::new(bin)
            .arg("lsp")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::from(log))
            .spawn()
            .map_err(|e| format!("cannot start {} lsp: {e}", bin.display()))?;
        let stdout = child.stdout.take().ok_or("no stdout")?;
        let stdin = Arc::new(Mutex::new(child.stdin.take().ok_or("no stdin")?));
        let (tx, rx) = mpsc::channel();
        let answer = stdin.clone();
        thread::spawn(move || read_messages(BufReader::new(stdout), &answer, &tx));
        Ok(Client { child, stdin, rx, next_id: 0 })
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn notify(&mut self, method: &str, params: Value) -> Result<(), String> {
        write_message(&self.stdin, &json!({ "jsonrpc": "2.0", "method": method, "params": params }))
    }

    /// Sends a request and waits for its answer; notifications received meanwhile are dropped.
    pub fn request(&mut self, method: &str, params: Value, timeout: Duration) -> Result<Answer, String> {
        self.next_id += 1;
        let id = self.next_id;
        let start = Instant::now();
        write_message(&self.stdin, &json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params }))?;
        loop {
            let message = self.next(start + timeout, method)?;
            if message.value.get("method").is_none() && message.value["id"] == id {
                if let Some(error) = message.value.get("error") {
                    return Err(format!("{method} failed: {error}"));
                }
                let elapsed = message.at.duration_since(start);
                return Ok(Answer { elapsed, bytes: message.bytes, value: message.value["result"].clone() });
            }
        }
    }

    /// Waits for a message that satisfies `matches`; returns it.
    pub fn wait_for(
        &mut self,
        what: &str,
        timeout: Duration,
        matches: impl Fn(&Value) -> bool,
    ) -> Result<Incoming, String> {
        let deadline = Instant::now() + timeout;
        loop {
            let message = self.next(deadline, what)?;
            if matches(&message.value) {
                return Ok(message);
            }
        }
    }

    /// Waits until the server has said nothing for `quiet` (diagnostics published, logs done).
    pub fn settle(&mut self, quiet: Duration, timeout: Duration) {
        let deadline = Instant::now() + timeout;
        while Instant::now() < deadline {
            match self.rx.recv_timeout(quiet) {
                Ok(_) => continue,
                Err(_) => return,
            }
        }
    }

    fn next(&mut self, deadline: Instant, what: &str) -> Result<Incoming, String> {
        match self.rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
            Ok(message) => Ok(message),
            Err(RecvTimeoutError::Timeout) => Err(format!("timed out waiting for {what}")),
            Err(RecvTimeoutError::Disconnected) => {
                Err(format!("the server closed its output while we waited for {what}"))
            }
        }
    }

    /// `shutdown` and `exit`; kills the server if it does not go.
    pub fn shutdown(mut self) {
        let _ = self.request("shutdown", Value::Null, Duration::from_secs(30));
        let _ = self.notify("exit", Value::Null);
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Reads framed messages until the stream ends, answering the server's requests on the way.
fn read_messages(mut reader: impl BufRead, stdin: &Mutex<ChildStdin>, tx: &mpsc::Sender<Incoming>) {
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
        let at = Instant::now();
        let Ok(value) = serde_json::from_slice::<Value>(&body) else { return };
        if let (Some(method), Some(id)) = (value["method"].as_str(), value.get("id")) {
            // `workspace/configuration` wants one answer per item; everything else (progress
            // tokens, registrations) a plain success.
            let result = match method {
                "workspace/configuration" => {
                    json!(vec![Value::Null; value["params"]["items"].as_array().map_or(0, Vec::len)])
                }
                _ => Value::Null,
            };
            let _ = write_message(stdin, &json!({ "jsonrpc": "2.0", "id": id, "result": result }));
        }
        if tx.send(Incoming { value, bytes: length, at }).is_err() {
            return;
        }
    }
}

/// `initialize` parameters of a capable editor, with `folders` as workspace folders.
pub fn initialize_params(folders: &[&Path]) -> Value {
    let folders: Vec<Value> = folders
        .iter()
        .map(|f| json!({ "uri": file_uri(f), "name": f.file_name().map(|n| n.to_string_lossy().into_owned()) }))
        .collect();
    json!({
        "processId": std::process::id(),
        "capabilities": {
            "general": { "positionEncodings": ["utf-16"] },
            "window": { "workDoneProgress": true },
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
        "workspaceFolders": folders,
    })
}

/// A `file:` URI, percent-encoding all but unreserved bytes and `/`.
pub fn file_uri(path: &Path) -> String {
    let mut out = String::from("file://");
    for &byte in path.to_string_lossy().as_bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~/".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// The LSP position (0-based line, UTF-16 column) of byte `offset` in `text`.
pub fn position(text: &str, offset: usize) -> Value {
    let before = &text[..offset];
    let line = before.matches('\n').count();
    let start = before.rfind('\n').map_or(0, |i| i + 1);
    json!({ "line": line, "character": text[start..offset].encode_utf16().count() })
}

/// Peak and current resident set of a process, in KiB, from `/proc/<pid>/status`.
pub fn memory_kib(pid: u32) -> Option<(u64, u64)> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
    };
    Some((field("VmHWM:")?, field("VmRSS:")?))
}
