//! `canopy-bench did-change`: the cost of one `didChange` carrying many changes to a large
//! document, the way the server applies it (`DocumentText`, then the copy the analysis takes),
//! against the way it did before: a `LineIndex` built afresh for every change and the change
//! spliced into a `String`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use canopy_analysis::{DocumentText, Encoding, LineCol, LineIndex};
use canopy_bench::rng::Rng;

pub struct Options {
    pub megabytes: usize,
    pub changes: usize,
    pub runs: usize,
    pub seed: u64,
}

/// Lines of the document: ASCII, two-byte, three-byte and astral characters, every line end.
const LINES: &[&str] =
    &["  services.openssh.enable = true;\n", "  # ünïcödé 日本語\r\n", "  description = \"🌲 tree\";\n", "  x = 1;\r"];

/// A change: a range in UTF-16 positions and its new text.
type Change = (LineCol, LineCol, &'static str);

const TEXTS: &[&str] = &["", "y", "🦀", "é\r\n", "\n  z = 2;\n", "日本"];

pub fn run(options: &Options) -> Result<(), String> {
    let mut rng = Rng::new(options.seed);
    let size = options.megabytes * 1_000_000;
    let mut text = String::with_capacity(size + 64);
    while text.len() < size {
        text.push_str(LINES[rng.below(LINES.len())]);
    }
    let lines = LineIndex::new(&text).line_count();
    let changes: Vec<Change> = (0..options.changes)
        .map(|_| {
            let line = rng.below(lines) as u32;
            let start = LineCol { line, col: rng.below(40) as u32 };
            let end = if rng.chance(0.2) { LineCol { line: line + 1, col: 3 } } else { start };
            (start, end, TEXTS[rng.below(TEXTS.len())])
        })
        .collect();
    eprintln!("a {} byte document of {lines} lines, {} changes in one didChange", text.len(), changes.len());
    let mut before = Vec::new();
    let mut after = Vec::new();
    for _ in 0..options.runs.max(1) {
        let (time, old) = timed(|| rebuilt_index(text.clone(), &changes));
        before.push(time);
        let doc = DocumentText::new(&text);
        let (time, new) = timed(|| rope(doc, &changes));
        after.push(time);
        if old != new {
            return Err("the two ways of applying the changes disagree".to_owned());
        }
    }
    println!("| didChange, {} MB, {} changes | median of {} |", options.megabytes, changes.len(), before.len());
    println!("| --- | --- |");
    println!("| before: a line index per change | {:.1?} |", median(&mut before));
    println!("| now: a rope | {:.1?} |", median(&mut after));
    Ok(())
}

fn timed<T>(f: impl FnOnce() -> T) -> (Duration, T) {
    let start = Instant::now();
    let out = f();
    (start.elapsed(), out)
}

fn median(times: &mut [Duration]) -> Duration {
    times.sort();
    times[times.len() / 2]
}

/// The server before: every change rebuilds the line index of the whole text.
fn rebuilt_index(mut text: String, changes: &[Change]) -> Arc<str> {
    for &(start, end, new) in changes {
        let index = LineIndex::new(&text);
        let start = u32::from(index.offset(&text, start, Encoding::Utf16)) as usize;
        let end = (u32::from(index.offset(&text, end, Encoding::Utf16)) as usize).max(start);
        text.replace_range(start..end, new);
    }
    Arc::from(text.as_str())
}

/// The server now: the document is a rope; the analysis's copy is the one pass over the text.
fn rope(mut doc: DocumentText, changes: &[Change]) -> Arc<str> {
    for &(start, end, new) in changes {
        doc.replace(start, end, new, Encoding::Utf16);
    }
    doc.to_arc()
}
