//! The measurements made over the real protocol: requests and memory in the generated workspace,
//! and the large single file.

use std::collections::HashMap;
use std::path::Path;
use std::time::{Duration, Instant};

use canopy_bench::manifest::{Manifest, Probe, Span};
use serde_json::{Value, json};

use super::lsp::{self, Client};

const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);
/// Indexing 10,000 files on a loaded 2-core machine: generous, never reached when healthy.
const INDEX_TIMEOUT: Duration = Duration::from_secs(600);
/// The server is done publishing once it has been silent this long.
const QUIET: Duration = Duration::from_millis(500);
/// Requests sent before timing starts, per kind: the first answers fault in code and data.
const WARMUP: usize = 10;

/// Latencies of one kind of request.
pub struct Stat {
    pub name: &'static str,
    pub samples: Vec<Duration>,
    /// The largest response, in bytes of JSON.
    pub max_bytes: usize,
}

impl Stat {
    fn new(name: &'static str) -> Stat {
        Stat { name, samples: Vec::new(), max_bytes: 0 }
    }

    fn add(&mut self, answer: &lsp::Answer) {
        self.samples.push(answer.elapsed);
        self.max_bytes = self.max_bytes.max(answer.bytes);
    }
}

pub struct WorkspaceRun {
    /// From `initialized` to the end of the indexing progress.
    pub index: Duration,
    /// Peak and current resident set of the server after indexing, KiB.
    pub peak_kib: u64,
    pub rss_kib: u64,
    pub requests: Vec<Stat>,
    pub rename: Stat,
    /// Text edits in the rename's answer (the manifest says how many there should be).
    pub rename_edits: usize,
}

/// Texts of the files probes point into, read once.
struct Texts<'a> {
    root: &'a Path,
    cache: HashMap<String, String>,
}

impl Texts<'_> {
    fn params(&mut self, at: &Span, offset: usize) -> Result<Value, String> {
        if !self.cache.contains_key(&at.path) {
            let path = self.root.join(&at.path);
            let text = std::fs::read_to_string(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            self.cache.insert(at.path.clone(), text);
        }
        let text = &self.cache[&at.path];
        Ok(json!({
            "textDocument": { "uri": lsp::file_uri(&self.root.join(&at.path)) },
            "position": lsp::position(text, offset),
        }))
    }
}

/// Runs `iterations` timed requests (after a warm-up), cycling through `params`.
fn measure(
    client: &mut Client,
    name: &'static str,
    method: &str,
    params: &[Value],
    iterations: usize,
) -> Result<Stat, String> {
    let mut stat = Stat::new(name);
    if params.is_empty() {
        return Ok(stat);
    }
    for i in 0..WARMUP + iterations {
        let answer = client.request(method, params[i % params.len()].clone(), REQUEST_TIMEOUT)?;
        if i >= WARMUP {
            stat.add(&answer);
        }
    }
    Ok(stat)
}

/// Starts the server on `root`, waits for the index, reads its memory, then times requests.
pub fn workspace(
    bin: &Path,
    root: &Path,
    manifest: &Manifest,
    iterations: usize,
    log: &Path,
) -> Result<WorkspaceRun, String> {
    let mut client = Client::spawn(bin, log)?;
    client.request("initialize", lsp::initialize_params(&[root]), REQUEST_TIMEOUT)?;
    let start = Instant::now();
    client.notify("initialized", json!({}))?;
    let end = client.wait_for("the end of indexing", INDEX_TIMEOUT, |m| {
        m["method"] == "$/progress" && m["params"]["value"]["kind"] == "end"
    })?;
    let index = end.at.duration_since(start);
    client.settle(QUIET, Duration::from_secs(120));
    let (peak_kib, rss_kib) = lsp::memory_kib(client.pid()).ok_or("cannot read the server's memory from /proc")?;

    let mut texts = Texts { root, cache: HashMap::new() };
    let of_kind = |kind: &str| -> Vec<&Probe> { manifest.probes.iter().filter(|p| p.kind == kind).collect() };
    let (references, definitions) = (of_kind("reference"), of_kind("definition"));
    let mut at_refs = Vec::new();
    let mut completions = Vec::new();
    for probe in &references {
        at_refs.push(texts.params(&probe.at, probe.at.start + 1)?);
        // In the middle of the name, as while typing it.
        completions.push(texts.params(&probe.at, probe.at.start + 2.min(probe.at.text.len()))?);
    }
    let mut at_defs = Vec::new();
    for probe in &definitions {
        let mut params = texts.params(&probe.at, probe.at.start + 1)?;
        params["context"] = json!({ "includeDeclaration": true });
        at_defs.push(params);
    }
    let queries: Vec<Value> = references
        .iter()
        .chain(&definitions)
        .map(|p| json!({ "query": p.at.text.chars().take(3).collect::<String>() }))
        .collect();

    let requests = vec![
        measure(&mut client, "definition", "textDocument/definition", &at_refs, iterations)?,
        measure(&mut client, "references", "textDocument/references", &at_defs, iterations)?,
        measure(&mut client, "hover", "textDocument/hover", &at_refs, iterations)?,
        measure(&mut client, "completion", "textDocument/completion", &completions, iterations)?,
        measure(&mut client, "workspace/symbol", "workspace/symbol", &queries, iterations)?,
    ];

    let mut rename = Stat::new("rename");
    let mut rename_edits = 0;
    if let Some(target) = &manifest.rename {
        let mut params = texts.params(&target.at, target.at.start + 1)?;
        params["newName"] = json!(format!("{}-renamed", target.name));
        let rounds = (iterations / 10).max(20);
        for i in 0..WARMUP.min(3) + rounds {
            let answer = client.request("textDocument/rename", params.clone(), REQUEST_TIMEOUT)?;
            rename_edits = count_edits(&answer.value);
            if i >= WARMUP.min(3) {
                rename.add(&answer);
            }
        }
    }
    client.shutdown();
    Ok(WorkspaceRun { index, peak_kib, rss_kib, requests, rename, rename_edits })
}

fn count_edits(edit: &Value) -> usize {
    let in_changes = edit["documentChanges"]
        .as_array()
        .map_or(0, |docs| docs.iter().map(|d| d["edits"].as_array().map_or(0, Vec::len)).sum());
    let in_map = edit["changes"].as_object().map_or(0, |m| m.values().map(|v| v.as_array().map_or(0, Vec::len)).sum());
    in_changes + in_map
}

pub struct LargeRun {
    /// `didOpen` to the diagnostics being published.
    pub open: Vec<Duration>,
    pub completion: Stat,
    pub completion_items: usize,
    pub symbols: Stat,
    pub file_bytes: usize,
}

/// The large file, opened alone (no workspace folder) with one duplicate binding planted at the
/// end, so that opening it ends in a diagnostic being published: the server publishes only sets
/// that change, and the generated file has none.
pub fn large(bin: &Path, file: &Path, runs: usize, iterations: usize, log: &Path) -> Result<LargeRun, String> {
    let original = std::fs::read_to_string(file).map_err(|e| format!("cannot read {}: {e}", file.display()))?;
    let first = original
        .lines()
        .find_map(|l| l.strip_prefix("  ").and_then(|l| l.split_once(" = ")).map(|(name, _)| name.to_owned()))
        .ok_or("no binding in the large file")?;
    let close = original.rfind('}').ok_or("no closing brace in the large file")?;
    let text = format!("{}  {first} = null;\n{}", &original[..close], &original[close..]);
    let uri = lsp::file_uri(file);

    let mut client = Client::spawn(bin, log)?;
    client.request("initialize", lsp::initialize_params(&[]), REQUEST_TIMEOUT)?;
    client.notify("initialized", json!({}))?;
    client.settle(Duration::from_millis(200), Duration::from_secs(10));
    let published = |uri: &str, nonempty: bool| {
        let uri = uri.to_owned();
        move |m: &Value| {
            m["method"] == "textDocument/publishDiagnostics"
                && m["params"]["uri"] == uri.as_str()
                && m["params"]["diagnostics"].as_array().is_some_and(|d| d.is_empty() != nonempty)
        }
    };
    let open = |client: &mut Client, version: usize| {
        client.notify(
            "textDocument/didOpen",
            json!({ "textDocument": { "uri": uri, "languageId": "nix", "version": version, "text": text } }),
        )
    };
    let mut opens = Vec::new();
    for version in 1..=runs {
        let start = Instant::now();
        open(&mut client, version)?;
        let message = client.wait_for("the large file's diagnostics", REQUEST_TIMEOUT, published(&uri, true))?;
        opens.push(message.at.duration_since(start));
        client.notify("textDocument/didClose", json!({ "textDocument": { "uri": uri } }))?;
        client.wait_for("the large file's diagnostics to clear", REQUEST_TIMEOUT, published(&uri, false))?;
    }
    open(&mut client, runs + 1)?;
    client.wait_for("the large file's diagnostics", REQUEST_TIMEOUT, published(&uri, true))?;

    // Completion in the middle of a name, halfway down the file.
    let middle = text.len() / 2;
    let at = middle + text[middle..].find("callPackage").ok_or("no callPackage in the second half")? + 4;
    let position = json!({ "textDocument": { "uri": uri }, "position": lsp::position(&text, at) });
    let completion =
        measure(&mut client, "completion", "textDocument/completion", std::slice::from_ref(&position), iterations)?;
    let completion_items = client.request("textDocument/completion", position, REQUEST_TIMEOUT)?.value["items"]
        .as_array()
        .map_or(0, Vec::len);
    let symbols_params = json!({ "textDocument": { "uri": uri } });
    let symbols = measure(&mut client, "documentSymbol", "textDocument/documentSymbol", &[symbols_params], iterations)?;
    client.shutdown();
    Ok(LargeRun { open: opens, completion, completion_items, symbols, file_bytes: text.len() })
}
