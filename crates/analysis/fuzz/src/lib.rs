//! The bodies of the fuzz targets, with the invariants they check.
//!
//! This file is the fuzz crate's library and is also compiled into the analysis crate's property
//! tests (`tests/support/mod.rs` includes it by path), so the code the fuzzer runs on a nightly
//! toolchain is built and exercised by every stable `cargo test`.

#![allow(dead_code)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use canopy_analysis::{Analysis, CallItem, Change, DocumentSymbol, FileId, FilePosition, Rename, TextRange, TextSize};

/// A stall, not a benchmark: what takes milliseconds must not take this long even on a loaded
/// machine in a debug build.
pub const TIME_LIMIT: Duration = Duration::from_secs(10);

/// Names a rename is tried with: plain, needing quotes, empty, a keyword, odd characters.
pub const NEW_NAMES: &[&str] = &["renamed", "my-aspect.v2", "with space", "", "let", "é🌲", "a\"b${c}"];

/// Asserts that `range` lies inside `text` on character boundaries.
pub fn check_range(text: &str, range: TextRange, what: &str) {
    let (start, end) = (usize::from(range.start()), usize::from(range.end()));
    assert!(
        start <= end && end <= text.len() && text.is_char_boundary(start) && text.is_char_boundary(end),
        "{what}: range {start}..{end} is not inside the text ({} bytes) on character boundaries",
        text.len()
    );
}

/// Summarises `text` as one module and checks every range the summary holds.
pub fn summarize_one(text: &str) {
    let started = Instant::now();
    let summary = Analysis::summarize("modules/fuzzed.nix", text);
    assert!(started.elapsed() < TIME_LIMIT, "summarising {} bytes took {:?}", text.len(), started.elapsed());
    for d in summary.diagnostics() {
        assert!(!d.message.is_empty(), "a diagnostic without a message");
    }
    for (what, range) in summary.ranges() {
        check_range(text, range, what);
    }
}

/// Turns fuzzer bytes into files and cursor offsets: pieces split at `0xFF` (never part of UTF-8),
/// decoded lossily; the first piece's bytes are the offsets, the rest are modules.
pub fn workspace_input(data: &[u8]) -> (Vec<(String, String)>, Vec<u32>) {
    let mut pieces = data.split(|b| *b == 0xFF);
    let offsets = pieces.next().unwrap_or_default().chunks(2).map(|c| c.iter().fold(0u32, |a, b| a * 256 + *b as u32));
    let offsets = offsets.take(8).collect();
    let files = pieces
        .take(4)
        .enumerate()
        .map(|(i, bytes)| (format!("modules/f{i}.nix"), String::from_utf8_lossy(bytes).into_owned()))
        .collect();
    (files, offsets)
}

/// The flake every fuzzed workspace starts with, so that its modules are loaded by import-tree.
pub const FLAKE: &str =
    "{ outputs = inputs: inputs.flake-parts.lib.mkFlake { inherit inputs; } (inputs.import-tree ./modules); }\n";

/// Builds a workspace of `files`, asks it everything at `offsets` in every file, then changes it
/// (one file removed, another replaced by the first's text) and asks again.
pub fn workspace_queries(files: Vec<(String, String)>, offsets: &[u32]) {
    let started = Instant::now();
    let mut ws = Analysis::new();
    let set: Vec<(String, Arc<str>)> = files.iter().map(|(p, t)| (p.clone(), Arc::from(t.as_str()))).collect();
    ws.apply(Change { set, remove: Vec::new() });
    check_workspace(&ws, offsets);
    if let [(first, first_text), (second, _), ..] = &files[..] {
        let set = vec![(second.clone(), Arc::from(first_text.as_str()))];
        ws.apply(Change { set, remove: vec![first.clone()] });
        assert!(ws.file_id(first).is_none(), "a removed file is still in the workspace");
        check_workspace(&ws, offsets);
    }
    let elapsed = started.elapsed();
    assert!(elapsed < TIME_LIMIT, "{} files and their queries took {elapsed:?}", files.len());
}

/// Every query at every offset (and past the end of each file), checking every range returned.
pub fn check_workspace(ws: &Analysis, offsets: &[u32]) {
    let text_of = |file: FileId| {
        assert!(ws.contains(file), "an answer names a file that is not in the workspace");
        ws.text(file)
    };
    for aspect in ws.aspects() {
        for site in aspect.definitions.iter().chain(&aspect.references) {
            check_range(text_of(site.file), site.range, "roster site");
        }
    }
    for host in ws.hosts() {
        for site in &host.definitions {
            check_range(text_of(site.file), site.range, "host site");
        }
    }
    for query in ["", "s", "zz-no-such-name", "é"] {
        for symbol in ws.workspace_symbols(query, 50) {
            check_range(text_of(symbol.file), symbol.range, "workspace symbol");
        }
    }
    for file in ws.files() {
        let text = ws.text(file);
        let len = text.len() as u32;
        for d in ws.diagnostics(file).iter().chain(&ws.parse_diagnostics(file)) {
            check_range(text, d.range, "diagnostic");
        }
        check_document_symbols(text, &ws.document_symbols(file));
        for lens in ws.code_lenses(file) {
            check_range(text, lens.range, "code lens");
            let summary = ws.resolve_code_lens(&lens.key).expect("an aspect the file defines has a lens to show");
            for site in &summary.references {
                check_range(text_of(site.file), site.range, "code lens reference");
            }
        }
        let cursors = offsets.iter().map(|o| o % (len + 4)).chain([0, len, len + 1, len + 1000]);
        for offset in cursors {
            let pos = FilePosition { file, offset: TextSize::from(offset) };
            check_position(ws, pos);
        }
    }
}

fn check_document_symbols(text: &str, symbols: &[DocumentSymbol]) {
    for symbol in symbols {
        check_range(text, symbol.range, "document symbol");
        check_range(text, symbol.selection_range, "document symbol selection");
        assert!(
            symbol.range.contains_range(symbol.selection_range),
            "the name of symbol `{}` ({:?}) lies outside it ({:?})",
            symbol.name,
            &text[symbol.selection_range],
            &text[symbol.range]
        );
        check_document_symbols(text, &symbol.children);
    }
}

fn check_position(ws: &Analysis, pos: FilePosition) {
    let text = ws.text(pos.file);
    let text_of = |file: FileId| {
        assert!(ws.contains(file), "an answer names a file that is not in the workspace");
        ws.text(file)
    };
    if let Some(symbol) = ws.symbol_at(pos) {
        check_range(text, symbol.range(), "symbol_at");
    }
    if let Some(nav) = ws.goto_definition(pos) {
        check_range(text, nav.origin, "definition origin");
        for target in &nav.targets {
            check_range(text_of(target.file), target.full_range, "definition target");
            check_range(text_of(target.file), target.focus_range, "definition focus");
        }
    }
    for include in [true, false] {
        for site in ws.references(pos, include).unwrap_or_default() {
            check_range(text_of(site.file), site.range, "reference");
        }
    }
    for highlight in ws.document_highlight(pos) {
        check_range(text, highlight.range, "highlight");
    }
    if let Some(hover) = ws.hover(pos) {
        check_range(text, hover.range, "hover");
        assert!(!hover.markdown.is_empty(), "an empty hover");
    }
    for item in ws.completions(pos).items {
        check_range(text, item.replace, "completion");
        if let Some(key) = &item.aspect {
            let _ = ws.resolve_completion(key);
        }
    }
    if let Some(item) = ws.prepare_call_hierarchy(pos) {
        check_call_item(ws, &item);
        for call in ws.incoming_calls(&item.node).iter().chain(&ws.outgoing_calls(&item.node)) {
            check_call_item(ws, &call.item);
            for site in &call.from {
                check_range(text_of(site.file), site.range, "call site");
            }
        }
    }
    if let Ok((range, _)) = ws.prepare_rename(pos) {
        check_range(text, range, "prepare_rename");
    }
    for new_name in NEW_NAMES {
        if let Ok(rename) = ws.rename(pos, new_name) {
            check_edits(ws, &rename);
        }
    }
}

/// A call hierarchy item: in a known file, its name inside its range.
fn check_call_item(ws: &Analysis, item: &CallItem) {
    assert!(ws.contains(item.target.file), "a call item names a file that is not in the workspace");
    let text = ws.text(item.target.file);
    check_range(text, item.target.full_range, "call item");
    check_range(text, item.target.focus_range, "call item name");
    assert!(item.target.full_range.contains_range(item.target.focus_range), "a call item's name lies outside it");
}

/// A rename's edits: in known files, inside their texts, sorted and never overlapping.
pub fn check_edits(ws: &Analysis, rename: &Rename) {
    for file_edit in &rename.edits {
        assert!(ws.contains(file_edit.file), "a rename edits a file that is not in the workspace");
        let text = ws.text(file_edit.file);
        for edit in &file_edit.edits {
            check_range(text, edit.range, "rename edit");
        }
        for pair in file_edit.edits.windows(2) {
            assert!(
                pair[0].range.end() <= pair[1].range.start() && pair[0].range != pair[1].range,
                "overlapping or unsorted rename edits in {}: {:?}",
                ws.path(file_edit.file),
                pair
            );
        }
    }
}

/// Runs `f` on a thread with the stack canopy's callers give the analysis (the command line and
/// the server both do), passing its panic on: deep input is part of what is fuzzed.
pub fn on_analysis_stack<R: Send>(f: impl FnOnce() -> R + Send) -> R {
    let joined = canopy_analysis::run_on_analysis_stack("canopy-fuzz", f).expect("spawn an analysis thread");
    joined.unwrap_or_else(|panic| std::panic::resume_unwind(panic))
}
