//! Micro-benchmarks of the functions on canopy's hot paths, on generated files:
//! `cargo bench -p canopy-bench`. The baseline (`parse_*`) is rnix alone on the same text.

use std::sync::{Arc, LazyLock};

use canopy_analysis::{Analysis, Change, FilePosition, TextSize};
use canopy_bench::generator::{self, Generated};
use divan::{Bencher, black_box};

fn main() {
    // The analysis expects the big stack canopy gives its threads.
    canopy_analysis::run_on_analysis_stack("bench", divan::main)
        .expect("start the benchmark thread")
        .expect("benchmarks ran");
}

/// A 1,000-file workspace, generated once.
static WORKSPACE: LazyLock<Generated> = LazyLock::new(|| generator::generate(1000, 1));

/// A file of typical size (about 80 lines, the generated mean), found once.
static TYPICAL: LazyLock<&'static (String, String)> =
    LazyLock::new(|| WORKSPACE.files.iter().min_by_key(|(_, text)| text.lines().count().abs_diff(80)).expect("files"));

fn typical() -> &'static (String, String) {
    &TYPICAL
}

/// The 2,000-line module the keystroke measurement edits.
static LARGE_MODULE: LazyLock<&'static (String, String)> = LazyLock::new(|| {
    let path = &WORKSPACE.manifest.keystroke.as_ref().expect("a keystroke module").path;
    WORKSPACE.files.iter().find(|(p, _)| p == path).expect("the module")
});

fn large_module() -> (&'static str, &'static str) {
    let (path, text) = *LARGE_MODULE;
    (path, text)
}

fn built() -> Analysis {
    let set = WORKSPACE.files.iter().map(|(p, t)| (p.clone(), Arc::from(t.as_str()))).collect();
    let mut ws = Analysis::new();
    ws.apply(Change { set, remove: Vec::new() });
    ws.take_changed();
    ws
}

#[divan::bench]
fn parse_typical_file() {
    black_box(rnix::Root::parse(black_box(&typical().1)));
}

#[divan::bench]
fn summarize_typical_file() {
    let (path, text) = typical();
    black_box(Analysis::summarize(path, black_box(text)));
}

#[divan::bench]
fn parse_2000_line_module() {
    black_box(rnix::Root::parse(black_box(large_module().1)));
}

#[divan::bench]
fn summarize_2000_line_module() {
    let (path, text) = large_module();
    black_box(Analysis::summarize(path, black_box(text)));
}

/// One keystroke's graph update: `apply` of the edited 2,000-line module, alternating between
/// two texts so every call is a real change, then `take_changed`.
#[divan::bench(sample_count = 50)]
fn apply_one_changed_file(bencher: Bencher) {
    let mut ws = built();
    let (path, text) = large_module();
    let ks = WORKSPACE.manifest.keystroke.as_ref().expect("a keystroke module");
    let at = ks.body.start + 1;
    let edited: Arc<str> = Arc::from(format!("{}x{}", &text[..at], &text[at..]));
    let texts = [edited, Arc::from(text)];
    let mut turn = 0;
    bencher.bench_local(|| {
        turn += 1;
        ws.apply(Change { set: vec![(path.to_owned(), texts[turn % 2].clone())], remove: Vec::new() });
        black_box(ws.take_changed());
    });
}

/// Definition lookups from references all over the workspace.
#[divan::bench]
fn goto_definition(bencher: Bencher) {
    let ws = built();
    let positions: Vec<FilePosition> = WORKSPACE
        .manifest
        .probes
        .iter()
        .filter(|p| p.kind == "reference")
        .filter_map(|p| {
            let file = ws.file_id(&p.at.path)?;
            Some(FilePosition { file, offset: TextSize::from(p.at.start as u32 + 1) })
        })
        .collect();
    assert!(!positions.is_empty(), "probes in the manifest");
    let mut turn = 0;
    bencher.bench_local(|| {
        turn += 1;
        black_box(ws.goto_definition(positions[turn % positions.len()]));
    });
}

/// Indexing `n` aspects that all import one `base`: linear in `n` (time per importer flat across
/// the arguments), not quadratic as when each new importer was searched for in a list.
#[divan::bench(args = [2_000, 8_000], sample_count = 5)]
fn index_fan_in(bencher: Bencher, n: usize) {
    let mut set: Vec<(String, Arc<str>)> =
        vec![("modules/base.nix".to_owned(), Arc::from("{ flake.modules.nixos.base = { }; }"))];
    set.extend((0..n).map(|i| {
        let text =
            format!("{{ config, ... }}: {{ flake.modules.nixos.a{i}.imports = [ config.flake.modules.nixos.base ]; }}");
        (format!("modules/a{i}.nix"), Arc::from(text))
    }));
    bencher.bench_local(|| {
        let mut ws = Analysis::new();
        ws.apply(Change { set: set.clone(), remove: Vec::new() });
        black_box(ws)
    });
}
