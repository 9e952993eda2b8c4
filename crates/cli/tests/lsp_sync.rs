//! Incremental sync stays exact: random edit scripts sent as `didChange` leave `canopy lsp` with
//! the same text, diagnostics and graph as opening the final text fresh, in both position
//! encodings.
//!
//! Two servers run on the same folder. Server A opens a file and receives the script as
//! incremental changes (several per notification at times, ranges across lines, astral
//! characters, CRLF and lone CR, edits at line ends, past line ends and at the end of the file);
//! server B opens the final text at once. `canopy/inspectFile` on each must answer the same, the
//! text must be what this file's own model of LSP's rules computes, and (after every fourth
//! script) the diagnostics A publishes must settle on the set it reports. The scripts come from a
//! fixed seed (`CANOPY_SYNC_SEED` picks another), so a failure replays; it prints the script.

mod lsp_support;

use std::fs;
use std::time::Instant;

use lsp_support::{ClientOptions, Lsp, Rng, file_uri, fixture, line_starts, nix_files};
use serde_json::{Value, json};

/// Scripts per encoding, and most notifications per script.
const SCRIPTS: usize = 400;
const MAX_NOTIFICATIONS: usize = 30;

/// Pieces inserted text is made of: names of the fixture's aspects, Nix punctuation, line breaks
/// of every kind and characters of one to four UTF-8 bytes and one or two UTF-16 units.
const PIECES: &[&str] = &[
    "ssh",
    "desktop",
    "alice",
    "fonts",
    " ",
    "\n",
    "\r\n",
    "\r",
    "🦀",
    "é",
    "𝔸",
    "€",
    "{",
    "}",
    ";",
    " = ",
    "\"",
    "''",
    "flake.modules.nixos.",
    "config.flake.modules.nixos.",
    "imports = [ ",
    " ]",
    "# 🌲 comment\n",
    "x",
    "\t",
];

// ---- an independent model of LSP positions ------------------------------------------------------

/// The end of line `line`'s content (before its line break).
fn line_end(text: &str, starts: &[usize], line: usize) -> usize {
    let end = starts.get(line + 1).copied().unwrap_or(text.len());
    let content = &text[starts[line]..end];
    starts[line] + content.trim_end_matches('\n').trim_end_matches('\r').len()
}

fn width(c: char, utf8: bool) -> usize {
    if utf8 { c.len_utf8() } else { c.len_utf16() }
}

/// The offset of a position; past the end of a line means its end, past the last line the text's
/// end (LSP: "if the character value is greater than the line length it defaults back to the
/// line length").
fn offset_at(text: &str, line: u64, character: u64, utf8: bool) -> usize {
    let starts = line_starts(text);
    let Some(&start) = starts.get(line as usize) else { return text.len() };
    let end = line_end(text, &starts, line as usize);
    let mut units = 0u64;
    for (i, c) in text[start..end].char_indices() {
        let w = width(c, utf8) as u64;
        if units + w > character {
            return start + i;
        }
        units += w;
    }
    end
}

fn position_at(text: &str, offset: usize, utf8: bool) -> (u64, u64) {
    let starts = line_starts(text);
    let line = starts.partition_point(|&s| s <= offset) - 1;
    let character = text[starts[line]..offset].chars().map(|c| width(c, utf8)).sum::<usize>();
    (line as u64, character as u64)
}

/// Offsets a position can name: character boundaries, but not between the `\r` and `\n` of one
/// line break.
fn addressable(text: &str) -> Vec<usize> {
    let bytes = text.as_bytes();
    (0..=text.len())
        .filter(|&i| text.is_char_boundary(i) && !(i > 0 && bytes[i - 1] == b'\r' && bytes.get(i) == Some(&b'\n')))
        .collect()
}

// ---- scripts ------------------------------------------------------------------------------------

/// One content change: a range (`None`: the whole text) and the text replacing it.
#[derive(Debug, Clone)]
struct Edit {
    range: Option<((u64, u64), (u64, u64))>,
    text: String,
}

impl Edit {
    fn to_json(&self) -> Value {
        match self.range {
            None => json!({ "text": self.text }),
            Some(((sl, sc), (el, ec))) => json!({
                "range": { "start": { "line": sl, "character": sc }, "end": { "line": el, "character": ec } },
                "text": self.text,
            }),
        }
    }

    /// The model's text after the edit.
    fn apply(&self, text: &str, utf8: bool) -> String {
        match self.range {
            None => self.text.clone(),
            Some(((sl, sc), (el, ec))) => {
                let start = offset_at(text, sl, sc, utf8);
                let end = offset_at(text, el, ec, utf8).max(start);
                format!("{}{}{}", &text[..start], self.text, &text[end..])
            }
        }
    }
}

fn random_text(rng: &mut Rng) -> String {
    (0..1 + rng.below(4)).map(|_| PIECES[rng.below(PIECES.len())]).collect()
}

/// A random edit of `text`: an insertion, a deletion or a replacement, often at a line's end or
/// the text's end, sometimes with a column past the line's end, now and then the whole text.
fn random_edit(rng: &mut Rng, text: &str, utf8: bool) -> Edit {
    if rng.percent(2) {
        return Edit { range: None, text: format!("{}{}", random_text(rng), text) };
    }
    let offsets = addressable(text);
    let starts = line_starts(text);
    let start = match rng.below(10) {
        0 => text.len(),
        1 | 2 => line_end(text, &starts, rng.below(starts.len())),
        _ => offsets[rng.below(offsets.len())],
    };
    let later: Vec<usize> = offsets.iter().copied().filter(|&o| o >= start && o <= start + 60).collect();
    let (end, inserted) = match rng.below(3) {
        0 => (start, random_text(rng)),
        1 => (later[rng.below(later.len())], String::new()),
        _ => (later[rng.below(later.len())], random_text(rng)),
    };
    let mut range = (position_at(text, start, utf8), position_at(text, end, utf8));
    // A column past the end of its line names the line's end.
    if start == end && rng.percent(20) && line_end(text, &starts, range.0.0 as usize) == start {
        let past = range.0.1 + 1 + rng.below(5) as u64;
        range = ((range.0.0, past), (range.1.0, past));
    }
    Edit { range: Some(range), text: inserted }
}

fn with_crlf(text: &str) -> String {
    text.replace("\r\n", "\n").replace('\n', "\r\n")
}

fn seed() -> u64 {
    std::env::var("CANOPY_SYNC_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(0x5EED_CA90)
}

/// What a run sent and saw.
#[derive(Debug, Default)]
struct Tally {
    notifications: usize,
    changes: usize,
    /// Scripts whose final text has diagnostics, and has aspect definitions or references: the
    /// comparison covers both.
    with_diagnostics: usize,
    with_graph: usize,
    /// Scripts after which the published diagnostics were compared too.
    published_checked: usize,
}

/// Runs the scripts in one encoding.
fn check_scripts(utf8: bool) -> Tally {
    let root = fixture("flake-modules");
    let mut options = ClientOptions::folder(&root);
    options.utf8 = utf8;
    let mut edited = Lsp::start(options.clone());
    let mut fresh = Lsp::start(options);
    let encoding = if utf8 { "utf-8" } else { "utf-16" };
    let mut files = Vec::new();
    nix_files(&root, &mut files);
    let mut rng = Rng(seed() ^ u64::from(utf8));
    let mut tally = Tally::default();
    for script in 0..SCRIPTS {
        let path = &files[rng.below(files.len())];
        let uri = file_uri(path);
        let disk = fs::read_to_string(path).expect("read fixture file");
        let initial = if rng.percent(30) { with_crlf(&disk) } else { disk };
        let mut text = initial.clone();
        edited.open_text(&uri, &initial);
        let mut sent: Vec<Vec<Edit>> = Vec::new();
        let mut version = 1;
        // Short scripts too: long ones break the syntax, and the graph with it.
        let length = if rng.percent(50) { 1 + rng.below(3) } else { 1 + rng.below(MAX_NOTIFICATIONS) };
        for _ in 0..length {
            let batch: Vec<Edit> = (0..1 + rng.below(3))
                .map(|_| {
                    let edit = random_edit(&mut rng, &text, utf8);
                    text = edit.apply(&text, utf8);
                    edit
                })
                .collect();
            version += 1;
            let params = json!({
                "textDocument": { "uri": uri, "version": version },
                "contentChanges": batch.iter().map(Edit::to_json).collect::<Vec<_>>(),
            });
            edited.notify("textDocument/didChange", params);
            tally.notifications += 1;
            tally.changes += batch.len();
            sent.push(batch);
        }
        let params = json!({ "textDocument": { "uri": uri, "languageId": "nix", "version": version, "text": text } });
        fresh.notify("textDocument/didOpen", params);
        let inspect = json!({ "textDocument": { "uri": uri } });
        let a = edited.send_request("canopy/inspectFile", inspect.clone());
        let b = fresh.send_request("canopy/inspectFile", inspect);
        let after_edits = edited.response(a, "canopy/inspectFile")["result"].clone();
        let opened_fresh = fresh.response(b, "canopy/inspectFile")["result"].clone();
        let replay = || {
            format!(
                "{encoding}, seed {}, script {script} on {}\ninitial text: {initial:?}\nchanges: {sent:?}",
                seed(),
                path.display()
            )
        };
        assert_eq!(after_edits["text"], text.as_str(), "the server's text differs from the model's\n{}", replay());
        assert_eq!(after_edits, opened_fresh, "incremental and fresh differ\n{}", replay());
        assert_eq!(after_edits["version"], version, "{}", replay());
        let nonempty = |key: &str| after_edits[key].as_array().is_some_and(|a| !a.is_empty());
        tally.with_diagnostics += usize::from(nonempty("diagnostics"));
        tally.with_graph += usize::from(nonempty("definitions") || nonempty("references"));
        // What the editor is shown: the diagnostics published settle on the same set (checked
        // now and then, as it waits out the server's quiet period).
        if script % 4 == 0 {
            let expected = after_edits["diagnostics"].as_array().cloned().unwrap_or_default();
            let what = format!("the published diagnostics of {} to be {expected:?}\n{}", path.display(), replay());
            edited.wait_for_diagnostics(path, &what, |d| d == expected.as_slice());
            tally.published_checked += 1;
        }
        for lsp in [&mut edited, &mut fresh] {
            lsp.notify("textDocument/didClose", json!({ "textDocument": { "uri": uri } }));
        }
    }
    // Closed, every file is what the disk says again, in both.
    for path in &files {
        let disk = fs::read_to_string(path).expect("read fixture file");
        for lsp in [&mut edited, &mut fresh] {
            let inspected = lsp.result("canopy/inspectFile", json!({ "textDocument": { "uri": file_uri(path) } }));
            assert_eq!(inspected["text"], disk.as_str(), "{} after close", path.display());
            assert_eq!(inspected["version"], Value::Null);
        }
    }
    assert!(edited.shutdown().success());
    assert!(fresh.shutdown().success());
    assert!(tally.with_diagnostics > SCRIPTS / 4 && tally.with_graph > SCRIPTS / 10, "{tally:?}");
    tally
}

#[test]
fn random_edit_scripts_leave_the_same_state_as_a_fresh_open_in_utf16() {
    let started = Instant::now();
    let tally = check_scripts(false);
    eprintln!("utf-16: {SCRIPTS} scripts in {:?}: {tally:?}", started.elapsed());
}

#[test]
fn random_edit_scripts_leave_the_same_state_as_a_fresh_open_in_utf8() {
    let started = Instant::now();
    let tally = check_scripts(true);
    eprintln!("utf-8: {SCRIPTS} scripts in {:?}: {tally:?}", started.elapsed());
}

#[test]
fn the_model_follows_lsp_line_breaks_and_columns() {
    // The model is checked on its own, so that agreeing with it means something.
    let text = "a🦀b\r\nc\rd\n";
    assert_eq!(line_starts(text), [0, 8, 10, 12]);
    assert_eq!(offset_at(text, 0, 3, false), 5, "after the crab in UTF-16");
    assert_eq!(offset_at(text, 0, 5, true), 5, "after the crab in UTF-8");
    assert_eq!(offset_at(text, 0, 99, false), 6, "past the end: before the CRLF");
    assert_eq!(offset_at(text, 1, 9, false), 9, "before the lone CR");
    assert_eq!(offset_at(text, 9, 0, false), text.len());
    assert_eq!(position_at(text, 5, false), (0, 3));
    assert_eq!(position_at(text, 5, true), (0, 5));
    assert_eq!(position_at(text, 10, false), (2, 0));
    assert!(!addressable(text).contains(&7), "between CR and LF");
    let edit = Edit { range: Some(((0, 1), (1, 1))), text: "-".to_owned() };
    assert_eq!(edit.apply(text, false), "a-\rd\n");
}
