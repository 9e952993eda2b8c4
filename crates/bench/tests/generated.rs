//! The generator's output is what the benchmark measures, so it must be a valid workspace: canopy
//! reports exactly the diagnostics the generator planted, and nothing else. Not timed.

use std::sync::Arc;

use canopy_analysis::{Analysis, Change};
use canopy_bench::generator::{self, Generated};
use canopy_bench::manifest::Manifest;

/// Runs `f` with the stack the analysis gets in canopy's own threads.
fn on_big_stack<T: Send>(f: impl FnOnce() -> T + Send) -> T {
    canopy_analysis::run_on_analysis_stack("bench-test", f).expect("thread").expect("no panic")
}

fn workspace(generated: &Generated) -> Analysis {
    let set = generated.files.iter().map(|(p, t)| (p.clone(), Arc::from(t.as_str()))).collect();
    let mut ws = Analysis::new();
    ws.apply(Change { set, remove: Vec::new() });
    ws
}

#[test]
fn a_generated_workspace_has_exactly_the_planted_diagnostics() {
    on_big_stack(|| {
        let generated = generator::generate(300, 7);
        let ws = workspace(&generated);
        let mut found: Vec<(String, String, String)> = Vec::new();
        for file in ws.files() {
            for d in ws.diagnostics(file) {
                let text = ws.text(file)[d.range.start().into()..d.range.end().into()].to_owned();
                found.push((ws.path(file).to_owned(), d.kind.code().to_owned(), text));
            }
        }
        found.sort();
        let mut planted: Vec<(String, String, String)> =
            generated.manifest.planted.iter().map(|p| (p.at.path.clone(), p.code.clone(), p.at.text.clone())).collect();
        planted.sort();
        assert_eq!(found, planted);

        // What the benchmark relies on is there: three misspellings, one unused aspect, the
        // keystroke's module and the rename's aspect.
        let codes: Vec<&str> = generated.manifest.planted.iter().map(|p| p.code.as_str()).collect();
        assert_eq!(codes.iter().filter(|c| **c == "undefined-aspect").count(), 3, "{codes:?}");
        assert_eq!(codes.iter().filter(|c| **c == "unused-aspect").count(), 1, "{codes:?}");
        let keystroke = generated.manifest.keystroke.as_ref().expect("a keystroke module");
        assert!(keystroke.lines >= 1900, "the keystroke's module has {} lines", keystroke.lines);
        assert_eq!(keystroke.body.text, "Welcome to this machine");
        let rename = generated.manifest.rename.as_ref().expect("a rename target");
        assert_eq!(rename.at.text, rename.name);
        assert_eq!(rename.sites, 31, "1 definition and 30 references at 300 files");
        assert!(generated.manifest.probes.iter().all(|p| {
            let text = &generated.files.iter().find(|(path, _)| *path == p.at.path).expect("probe's file").1;
            text[p.at.start..p.at.end] == p.at.text
        }));
    });
}

#[test]
fn a_seed_names_one_workspace() {
    let a = generator::generate(120, 3);
    let b = generator::generate(120, 3);
    assert_eq!(a.files, b.files);
    assert_eq!(a.manifest, b.manifest);
    assert_ne!(a.files, generator::generate(120, 4).files);
}

#[test]
fn a_written_workspace_reads_back() {
    let generated = generator::generate(100, 1);
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("canopy-bench-written");
    generated.write(&dir).expect("write");
    assert_eq!(Manifest::read(&dir).expect("manifest"), generated.manifest);
    let (path, text) = &generated.files[0];
    assert_eq!(&std::fs::read_to_string(dir.join(path)).expect("file"), text);
    // Writing again replaces the earlier workspace; a folder of someone else's is refused.
    generated.write(&dir).expect("write again");
    let foreign = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("canopy-bench-foreign");
    std::fs::create_dir_all(&foreign).expect("folder");
    std::fs::write(foreign.join("keep.txt"), "mine").expect("file");
    assert!(generated.write(&foreign).is_err());
    assert!(foreign.join("keep.txt").is_file());
}

#[test]
fn the_large_file_parses_without_diagnostics() {
    on_big_stack(|| {
        let text = generator::large::generate(1);
        assert!((1_600_000..1_800_000).contains(&text.len()), "{} bytes", text.len());
        assert!(rnix::Root::parse(&text).errors().is_empty());
        let summary = Analysis::summarize("pkgs/top-level/all-packages.nix", &text);
        assert_eq!(summary.diagnostics(), &[]);
    });
}
