//! The measurements made in-process, through the analysis API: the baseline (rnix parsing), the
//! cold index and the keystroke.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use canopy_analysis::{Analysis, Change};
use canopy_bench::manifest::Keystroke;
use canopy_vfs::Found;

use super::measure::time;

pub type Files = Vec<(String, Arc<str>)>;

/// Reads a workspace the way `canopy check` does: `canopy_vfs`'s walk, then its reads on every
/// core.
pub fn load(root: &Path) -> Files {
    let paths: Vec<String> = canopy_vfs::walk(root, &[])
        .filter_map(|found| match found {
            Found::File(path) => Some(path),
            Found::Skipped(_) => None,
        })
        .collect();
    let texts = canopy_vfs::read_all(root, &paths);
    paths.into_iter().zip(texts).filter_map(|(path, text)| Some((path, text.ok()?.text))).collect()
}

/// The baseline: every text parsed by rnix, one after the other on one thread, each tree dropped
/// before the next parse (as an analysis that keeps only summaries does).
pub fn parse_all(files: &Files) -> Duration {
    time(|| {
        for (_, text) in files {
            std::hint::black_box(rnix::Root::parse(text));
        }
    })
    .0
}

pub fn parse_one(text: &str) -> Duration {
    time(|| std::hint::black_box(rnix::Root::parse(text))).0
}

/// One cold index: read every file, build the workspace on all cores, and ask every file's
/// diagnostics. Returns the time and how many diagnostics there were. Dropping the workspace is
/// not timed (a server keeps it; the command line exits).
pub fn cold_index(root: &Path) -> (Duration, usize) {
    let (elapsed, (ws, diagnostics)) = time(|| {
        let files = load(root);
        let mut ws = Analysis::new();
        ws.apply(Change { set: files, remove: Vec::new() });
        let diagnostics: usize = ws.files().into_iter().map(|f| ws.diagnostics(f).len()).sum();
        (ws, diagnostics)
    });
    drop(ws);
    (elapsed, diagnostics)
}

/// Keystroke timings: each sample is one edit applied until every file whose diagnostics may have
/// changed has them recomputed.
pub struct Keystrokes {
    /// Typing into a string, then deleting the character again.
    pub body: Vec<Duration>,
    /// Misspelling a name in a `with` list, then correcting it.
    pub reference: Vec<Duration>,
    /// rnix parsing the edited file once.
    pub baseline: Vec<Duration>,
    /// Files re-diagnosed by the misspelling.
    pub reference_files: usize,
}

/// Applies `text` as the new content of `path` and recomputes the diagnostics `take_changed`
/// names; returns the time and how many files were re-diagnosed.
fn keystroke(ws: &mut Analysis, path: &str, text: &Arc<str>) -> (Duration, usize) {
    let (elapsed, files) = time(|| {
        ws.apply(Change { set: vec![(path.to_owned(), text.clone())], remove: Vec::new() });
        let changed = ws.take_changed();
        for &file in &changed {
            if ws.contains(file) {
                std::hint::black_box(ws.diagnostics(file));
            }
        }
        changed.len()
    });
    (elapsed, files)
}

fn inserted(text: &str, at: usize, what: &str) -> Arc<str> {
    let mut edited = String::with_capacity(text.len() + what.len());
    edited.push_str(&text[..at]);
    edited.push_str(what);
    edited.push_str(&text[at..]);
    Arc::from(edited)
}

/// Builds the workspace (untimed), then times `pairs` edit-and-undo pairs of each kind.
pub fn keystrokes(files: Files, ks: &Keystroke, pairs: usize) -> Keystrokes {
    let original: Arc<str> =
        files.iter().find(|(p, _)| *p == ks.path).map(|(_, t)| t.clone()).expect("the edited file");
    let mut ws = Analysis::new();
    ws.apply(Change { set: files, remove: Vec::new() });
    ws.take_changed();
    // Typing inside the string, and at the end of the name (`ssh` becomes `sshx`).
    let body_edit = inserted(&original, ks.body.start + 1, "x");
    let reference_edit = inserted(&original, ks.reference.end, "x");
    let mut out = Keystrokes { body: Vec::new(), reference: Vec::new(), baseline: Vec::new(), reference_files: 0 };
    for _ in 0..pairs {
        out.baseline.push(parse_one(&original));
        out.body.push(keystroke(&mut ws, &ks.path, &body_edit).0);
        out.body.push(keystroke(&mut ws, &ks.path, &original).0);
        let (elapsed, files) = keystroke(&mut ws, &ks.path, &reference_edit);
        out.reference.push(elapsed);
        out.reference_files = out.reference_files.max(files);
        out.reference.push(keystroke(&mut ws, &ks.path, &original).0);
    }
    out
}
