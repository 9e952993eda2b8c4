//! The cost of each input dimension per element, from 1,000 to 100,000 elements
//! (`canopy_bench::dimensions`): `cargo bench -p canopy-bench --bench dimensions`. divan reports
//! items per second; a dimension is linear when that rate holds as the size grows
//! (docs/performance.md, "Every dimension linear").
//!
//! `cold`: the whole workspace analysed as `canopy check` does without the file system: the
//! graph, and every file's diagnostics with UTF-16 positions. `roster`: then the roster of aspects
//! and hosts too (`canopy aspects`), for the dimensions whose roster grows with them; in a
//! workspace where hosts and shared aspects both grow, the roster's "hosts of each aspect" grows as
//! their product, which is its output, not a cost to flatten. `edit`: one file changed in the
//! analysed workspace, as a keystroke is, and the changed files' diagnostics. `parse`: rnix alone
//! parsing the same files on one thread, each tree dropped, as the cold index's baseline is: how
//! much of a dimension's growth is the parser's own, which canopy keeps (issue 21).

use std::sync::Arc;

use canopy_analysis::{Analysis, Change, DiagnosticsConfig, Encoding};
use canopy_bench::dimensions::{Dimension, Workspace};
use divan::counter::ItemsCount;
use divan::{Bencher, black_box};

fn main() {
    // `cargo bench` alone passes `--bench`, and nothing else: then each measurement of each
    // dimension runs in processes of its own, `ROUNDS` of them. Run in one, the measurements made last pay for, or
    // profit from, the heap and the caches the ones before left (docs/performance.md, "Every
    // dimension linear"). Any other argument (a filter, an option of divan's) is a run as asked.
    let args: Vec<String> = std::env::args().skip(1).collect();
    if std::env::var_os(ONE_DIMENSION).is_none() && args.iter().all(|arg| arg == "--bench") {
        each_dimension_alone(&args);
        return;
    }
    // The analysis expects the big stack canopy gives its threads.
    canopy_analysis::run_on_analysis_stack("bench", divan::main)
        .expect("start the benchmark thread")
        .expect("benchmarks ran");
}

/// Set in the processes `each_dimension_alone` starts.
const ONE_DIMENSION: &str = "CANOPY_BENCH_ONE_DIMENSION";

/// This benchmark again, once per measurement of each dimension, one after the other, in
/// `ROUNDS` rounds; exits with the first failure. A dimension without that measurement selects
/// nothing, and prints nothing. Each process's report is passed on as it is, then read back for
/// the summary: the time per element of each size, and its growth from the smallest size to the
/// largest.
fn each_dimension_alone(args: &[String]) {
    let exe = std::env::current_exe().expect("the benchmark's own path");
    let mut rows: Vec<(&str, &str, Vec<Vec<Figures>>)> = Vec::new();
    for _ in 0..ROUNDS {
        for dimension in Dimension::ALL {
            for measurement in ["parse", "cold", "edit", "roster"] {
                // Anchored, with the separators, so that `files` selects `files` alone, not
                // `files_per_aspect` (divan matches more than the name at the end: no `$`).
                let pattern = format!("^dimensions::{}::{measurement}", dimension.name());
                let output = std::process::Command::new(&exe)
                    .args(args)
                    .arg(&pattern)
                    .env(ONE_DIMENSION, "1")
                    .stderr(std::process::Stdio::inherit())
                    .output()
                    .expect("start the benchmark for one dimension");
                let report = String::from_utf8_lossy(&output.stdout);
                print!("{report}");
                if !output.status.success() {
                    eprintln!("the benchmark of {} ({measurement}) failed: {}", dimension.name(), output.status);
                    std::process::exit(output.status.code().unwrap_or(1));
                }
                let sizes = read_report(&report);
                if sizes.is_empty() {
                    continue;
                }
                match rows.iter_mut().find(|(d, m, _)| *d == dimension.name() && *m == measurement) {
                    Some((_, _, runs)) => runs.push(sizes),
                    None => rows.push((dimension.name(), measurement, vec![sizes])),
                }
            }
        }
    }
    let rows: Vec<(&str, &str, Vec<Figures>)> = rows.into_iter().map(|(d, m, runs)| (d, m, across(runs))).collect();
    print_summary(&rows);
}

/// Each measurement runs in this many processes, a round of every measurement apart: the
/// samples of one process agree with each other, and processes do not (one measurement's time at
/// 1,000 elements moved by a third between two runs on the same machine, docs/performance.md).
const ROUNDS: usize = 3;

/// One measurement's figures over its processes: per size the median of their medians, and the
/// fastest of their fastest samples.
fn across(runs: Vec<Vec<Figures>>) -> Vec<Figures> {
    let Some(first) = runs.first() else { return Vec::new() };
    first
        .iter()
        .map(|figures| {
            let same_size = runs.iter().filter_map(|run| run.iter().find(|f| f.size == figures.size));
            let mut medians: Vec<f64> = same_size.clone().map(|f| f.median).collect();
            medians.sort_by(f64::total_cmp);
            let fastest = same_size.map(|f| f.fastest).fold(f64::INFINITY, f64::min);
            Figures { size: figures.size, fastest, median: medians[medians.len() / 2] }
        })
        .collect()
}

/// One size of one measurement, per element: the fastest sample and the median, in µs.
struct Figures {
    size: usize,
    fastest: f64,
    median: f64,
}

/// The rows of divan's report for one measurement: `├─ 1000   5.28 ms │ 5.81 ms │ 5.30 ms │ ...`
/// (fastest, slowest, median, mean); the rows of items per second below each are skipped.
fn read_report(report: &str) -> Vec<Figures> {
    let mut out = Vec::new();
    for line in report.lines() {
        let columns: Vec<&str> = line.split('│').map(str::trim).collect();
        let Some(first) = columns.first().and_then(|c| c.rsplit("─ ").next()) else { continue };
        let mut words = first.split_whitespace();
        let (Some(size), Some(fastest), Some(median)) =
            (words.next().and_then(|w| w.parse::<usize>().ok()), duration(words), columns.get(2))
        else {
            continue;
        };
        let Some(median) = duration(median.split_whitespace()) else { continue };
        let per = |t: f64| t / size as f64;
        out.push(Figures { size, fastest: per(fastest), median: per(median) });
    }
    out
}

/// `5.282 ms` as µs.
fn duration<'a>(mut words: impl Iterator<Item = &'a str>) -> Option<f64> {
    let value: f64 = words.next()?.parse().ok()?;
    let scale = match words.next()? {
        "ns" => 1e-3,
        "µs" | "us" => 1.0,
        "ms" => 1e3,
        "s" => 1e6,
        _ => return None,
    };
    Some(value * scale)
}

/// Growth from the smallest size to the largest, by the medians (the verdict: within 1.3x is
/// flat) and by the fastest samples (what the machine's noise leaves alone: it only adds time),
/// beside rnix's own parse of the same files where it is measured.
fn print_summary(rows: &[(&str, &str, Vec<Figures>)]) {
    let growth = |sizes: &[Figures], pick: fn(&Figures) -> f64| match (sizes.first(), sizes.last()) {
        (Some(small), Some(large)) if large.size > small.size => Some(pick(large) / pick(small)),
        _ => None,
    };
    let parse_growth = |dimension: &str| {
        rows.iter().find(|(d, m, _)| *d == dimension && *m == "parse").and_then(|(_, _, s)| growth(s, |f| f.median))
    };
    println!();
    println!(
        "µs per element (median of {ROUNDS} processes' medians; fastest sample), and growth from the smallest size to the largest:"
    );
    println!();
    println!(
        "| dimension, measurement | per size | growth (median) | growth (fastest) | rnix's parse, growth | flat (≤ 1.3x) |"
    );
    println!("| --- | --- | --- | --- | --- | --- |");
    let (mut flat, mut measured) = (0, 0);
    for (dimension, measurement, sizes) in rows {
        let per_size: Vec<String> =
            sizes.iter().map(|f| format!("{}: {:.2}; {:.2}", f.size, f.median, f.fastest)).collect();
        let (median, fastest) = (growth(sizes, |f| f.median), growth(sizes, |f| f.fastest));
        let show = |g: Option<f64>| g.map_or_else(|| "-".to_owned(), |g| format!("{g:.2}x"));
        let verdict = match (*measurement, median) {
            ("parse", _) | (_, None) => String::new(),
            (_, Some(g)) => {
                measured += 1;
                flat += usize::from(g <= 1.3);
                if g <= 1.3 { "yes" } else { "NO" }.to_owned()
            }
        };
        let parse = if *measurement == "parse" { String::new() } else { show(parse_growth(dimension)) };
        println!(
            "| {dimension}, {measurement} | {} | {} | {} | {parse} | {verdict} |",
            per_size.join(" / "),
            show(median),
            show(fastest)
        );
    }
    println!();
    println!("{flat} of {measured} measurements of canopy flat within 1.3x (by the median)");
}

const SIZES: [usize; 3] = [1_000, 10_000, 100_000];

fn change(files: &[(String, String)]) -> Change {
    Change { set: files.iter().map(|(p, t)| (p.clone(), Arc::from(t.as_str()))).collect(), remove: Vec::new() }
}

/// Every diagnostic of `files` a user sees by default, positioned as the server and the command line position them.
fn positions(ws: &Analysis, files: &[canopy_analysis::FileId]) -> usize {
    let config = DiagnosticsConfig::default();
    let mut n = 0;
    for &file in files {
        let (text, index) = (ws.text(file), ws.line_index(file));
        for d in ws.reported(file, &config) {
            black_box(index.line_col(text, d.range.start(), Encoding::Utf16));
            black_box(index.line_col(text, d.range.end(), Encoding::Utf16));
            n += 1;
        }
    }
    n
}

fn cold(bencher: Bencher, dimension: Dimension, n: usize, roster: bool) {
    let workspace = dimension.workspace(n);
    let analyse = |change: Change| {
        let mut ws = Analysis::new();
        ws.apply(change);
        let files = ws.take_changed();
        black_box(positions(&ws, &files));
        if roster {
            black_box(ws.aspects());
            black_box(ws.hosts());
        }
        // Freed outside the measurement: dropping is not what is measured.
        ws
    };
    // Once untimed first, so that the timed runs find the heap already grown: the first run of a
    // process pays for fresh pages the later ones reuse, which made `cold` at 1,000 (measured
    // first) slower than `roster` at 1,000, which does more.
    drop(analyse(change(&workspace.files)));
    bencher.counter(ItemsCount::new(n)).with_inputs(|| change(&workspace.files)).bench_local_values(analyse);
}

fn parse(bencher: Bencher, dimension: Dimension, n: usize) {
    let workspace = dimension.workspace(n);
    let parse_all = || {
        for (_, text) in &workspace.files {
            black_box(rnix::Root::parse(text));
        }
    };
    // Once untimed first, as `cold` runs.
    parse_all();
    bencher.counter(ItemsCount::new(n)).bench_local(parse_all);
}

fn edit(bencher: Bencher, dimension: Dimension, n: usize) {
    let Workspace { files, edit } = dimension.workspace(n);
    let (path, text) = edit.expect("the dimension has an edit");
    let before = files.iter().find(|(p, _)| *p == path).map(|(_, t)| t.clone()).expect("the edited file");
    let mut ws = Analysis::new();
    ws.apply(change(&files));
    ws.take_changed();
    // Alternating between the two texts, so that every call is a real change (the first makes
    // the edit).
    let texts = [before, text];
    // One edit and its undoing untimed first, as `cold` runs once first.
    for text in texts.iter().rev() {
        ws.apply(change(&[(path.clone(), text.clone())]));
        let changed = ws.take_changed();
        black_box(positions(&ws, &changed));
    }
    let mut turn = 0;
    bencher
        .counter(ItemsCount::new(n))
        .with_inputs(|| {
            turn += 1;
            change(&[(path.clone(), texts[turn % 2].clone())])
        })
        .bench_local_values(|change| {
            ws.apply(change);
            let files = ws.take_changed();
            black_box(positions(&ws, &files));
        });
}

macro_rules! dimension {
    ($name:ident, $dimension:expr $(, $extra:ident)*) => {
        mod $name {
            use super::*;

            #[divan::bench(args = SIZES, sample_count = 3, sample_size = 1)]
            fn cold(bencher: Bencher, n: usize) {
                super::cold(bencher, $dimension, n, false);
            }

            $(dimension!(@$extra $dimension);)*
        }
    };
    (@roster $dimension:expr) => {
        #[divan::bench(args = SIZES, sample_count = 3, sample_size = 1)]
        fn roster(bencher: Bencher, n: usize) {
            super::cold(bencher, $dimension, n, true);
        }
    };
    (@parse $dimension:expr) => {
        #[divan::bench(args = SIZES, sample_count = 3, sample_size = 1)]
        fn parse(bencher: Bencher, n: usize) {
            super::parse(bencher, $dimension, n);
        }
    };
    (@edit $dimension:expr) => {
        #[divan::bench(args = SIZES, sample_count = 5, sample_size = 1)]
        fn edit(bencher: Bencher, n: usize) {
            super::edit(bencher, $dimension, n);
        }
    };
}

// `parse` for every dimension whose files rnix can parse whole: nesting and `with` depth go past
// what Nix accepts, where canopy refuses the file before parsing it and rnix's recursion would
// run out of stack.
dimension!(aspects_per_file, Dimension::AspectsPerFile, parse, roster, edit);
dimension!(files_per_aspect, Dimension::FilesPerAspect, parse, roster);
dimension!(importers_per_aspect, Dimension::ImportersPerAspect, parse, roster, edit);
dimension!(hosts, Dimension::Hosts, parse, roster);
dimension!(nesting_depth, Dimension::NestingDepth);
dimension!(with_depth, Dimension::WithDepth);
dimension!(files, Dimension::Files, parse);
dimension!(with_list, Dimension::WithList, parse, roster);
dimension!(collections, Dimension::Collections, parse, roster);
dimension!(diagnostics_per_line, Dimension::DiagnosticsPerLine, parse);
