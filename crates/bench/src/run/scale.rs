//! Issue 21's measurements of scale, in-process, on the workspaces of `canopy_bench::dimensions`:
//! one file of many aspects, each importing the next (its cold analysis, and a keystroke in it),
//! and a keystroke that undefines an aspect thousands of files import.

use std::sync::Arc;
use std::time::Duration;

use canopy_analysis::{Analysis, Change};
use canopy_bench::dimensions::{Dimension, Workspace};

use super::measure::{median, on_analysis_stack, percentile, time};
use super::report::{Row, fmt_ms, verdict};
use super::say;

/// Aspects in the file whose cold analysis is timed, and the target.
const LONG_FILE: usize = 200_000;
const LONG_FILE_TARGET: Duration = Duration::from_secs(5);
/// Aspects in the file a keystroke is timed in, and the target for the part under the server's
/// write lock.
const KEYSTROKE_FILE: usize = 50_000;
const KEYSTROKE_LOCKED_TARGET: Duration = Duration::from_millis(200);
/// Files importing the aspect a keystroke undefines, and the target.
const IMPORTERS: usize = 20_000;
const IMPORTERS_TARGET: Duration = Duration::from_millis(100);

type Files = Vec<(String, Arc<str>)>;

fn texts(workspace: &Workspace) -> (Files, (String, Arc<str>)) {
    let files: Files = workspace.files.iter().map(|(p, t)| (p.clone(), Arc::from(t.as_str()))).collect();
    let (path, text) = workspace.edit.clone().expect("the dimension has an edit");
    (files, (path, Arc::from(text)))
}

fn one(path: &str, text: &Arc<str>) -> Change {
    Change { set: vec![(path.to_owned(), text.clone())], remove: Vec::new() }
}

/// Every file's diagnostics, as the command line and the server ask them.
fn diagnose(analysis: &Analysis, files: impl IntoIterator<Item = canopy_analysis::FileId>) -> usize {
    files.into_iter().filter(|f| analysis.contains(*f)).map(|f| analysis.diagnostics(f).len()).sum()
}

pub fn measure(runs: usize, rows: &mut Vec<Row>) {
    on_analysis_stack(|| {
        long_file(runs, rows);
        keystroke_in_a_long_file(runs, rows);
        undefining_an_imported_aspect(runs, rows);
    });
}

/// `canopy check`'s work on one file of 200,000 aspects: the analysis and every diagnostic.
fn long_file(runs: usize, rows: &mut Vec<Row>) {
    say(format!("one file of {LONG_FILE} aspects"));
    let (files, _) = texts(&Dimension::AspectsPerFile.workspace(LONG_FILE));
    let bytes: usize = files.iter().map(|(_, t)| t.len()).sum();
    let mut samples = Vec::new();
    for _ in 0..runs.clamp(1, 3) {
        let (took, analysis) = time(|| {
            let mut analysis = Analysis::new();
            analysis.apply(Change { set: files.clone(), remove: Vec::new() });
            diagnose(&analysis, analysis.files());
            analysis
        });
        drop(analysis);
        samples.push(took);
    }
    let t = median(&samples);
    rows.push(Row {
        measurement: format!(
            "one file of {LONG_FILE} aspects each importing the next ({:.1} MB): analysis and diagnostics",
            bytes as f64 / 1e6
        ),
        figure: fmt_ms(t),
        baseline: String::new(),
        ratio: String::new(),
        target: format!("< {}", fmt_ms(LONG_FILE_TARGET)),
        verdict: verdict(t < LONG_FILE_TARGET),
    });
}

/// A keystroke in one file of 50,000 aspects (it renames one, undefining the import of the one
/// before), then undone.
fn keystroke_in_a_long_file(runs: usize, rows: &mut Vec<Row>) {
    let what = format!("keystroke in one file of {KEYSTROKE_FILE} aspects");
    locked_keystroke(Dimension::AspectsPerFile, KEYSTROKE_FILE, &what, KEYSTROKE_LOCKED_TARGET, runs, rows);
}

/// A keystroke that undefines the aspect 20,000 files import, then undone.
fn undefining_an_imported_aspect(runs: usize, rows: &mut Vec<Row>) {
    let what = format!("keystroke undefining an aspect {IMPORTERS} files import, then undone");
    locked_keystroke(Dimension::ImportersPerAspect, IMPORTERS, &what, IMPORTERS_TARGET, runs, rows);
}

/// The edit of `dimension`'s workspace of `n`, typed and undone as the server takes it
/// (`keystrokes`): the row's figure is the time under the write lock, which holds up every
/// request; the whole keystroke's is shown beside it.
fn locked_keystroke(dimension: Dimension, n: usize, what: &str, target: Duration, runs: usize, rows: &mut Vec<Row>) {
    say(what);
    let (files, (path, edited)) = texts(&dimension.workspace(n));
    let original = files.iter().find(|(p, _)| *p == path).map(|(_, t)| t.clone()).expect("the edited file");
    let mut analysis = Analysis::new();
    analysis.apply(Change { set: files, remove: Vec::new() });
    analysis.take_changed();
    let (locked, whole, diagnosed) = keystrokes(&mut analysis, &path, [&edited, &original], runs);
    let t = median(&locked);
    rows.push(Row {
        measurement: format!(
            "{what}: under the write lock (from keystroke to the diagnostics of the {diagnosed} files re-checked: median {})",
            fmt_ms(median(&whole))
        ),
        figure: format!("{} (p99 {})", fmt_ms(t), fmt_ms(percentile(&locked, 99.0))),
        baseline: String::new(),
        ratio: String::new(),
        target: format!("< {}", fmt_ms(target)),
        verdict: verdict(t < target),
    });
}

/// Types `texts` into `path` in turn, `runs` times over (at least three), as the server takes a
/// keystroke: prepared under no lock, read ahead under the read lock, applied under the write
/// lock, then every changed file's diagnostics. The applies' times, the whole keystrokes' times,
/// and the most files one re-checked.
fn keystrokes(
    analysis: &mut Analysis,
    path: &str,
    texts: [&Arc<str>; 2],
    runs: usize,
) -> (Vec<Duration>, Vec<Duration>, usize) {
    let (mut locked, mut whole, mut diagnosed) = (Vec::new(), Vec::new(), 0);
    for _ in 0..runs.max(3) {
        for text in texts {
            let (all, applied) = time(|| {
                let mut change = Analysis::prepare(one(path, text));
                analysis.resolve_ahead(&mut change);
                let (applied, ()) = time(|| analysis.apply_prepared(change));
                let changed = analysis.take_changed();
                diagnosed = diagnosed.max(changed.len());
                diagnose(analysis, changed);
                applied
            });
            locked.push(applied);
            whole.push(all);
        }
    }
    (locked, whole, diagnosed)
}
