//! One dimension's workspace analysed once, for counting instructions (docs/performance.md,
//! "Instructions per element"): under `valgrind --tool=callgrind` a count is the same from run to
//! run, so the count per element at two sizes says whether a cost grows with the dimension,
//! where the per-dimension benchmark's clock is at the machine's mercy.

use std::sync::Arc;

use canopy_analysis::{Analysis, Change, DiagnosticsConfig};
use canopy_bench::dimensions::Dimension;

pub struct Options {
    pub name: String,
    pub size: usize,
    /// Edits applied after the analysis, alternately the dimension's edit and its undoing.
    pub edits: usize,
}

/// Analyses the workspace as the per-dimension benchmark's `roster` does (the graph, every
/// file's reported diagnostics, the roster of aspects and hosts), then applies `edits` edits,
/// each followed by the changed files' diagnostics.
pub fn run(options: Options) -> Result<(), String> {
    let Some(dimension) = Dimension::ALL.into_iter().find(|d| d.name() == options.name) else {
        let names: Vec<&str> = Dimension::ALL.iter().map(|d| d.name()).collect();
        return Err(format!("no dimension `{}`: one of {}", options.name, names.join(", ")));
    };
    let workspace = dimension.workspace(options.size);
    let edit = match (&workspace.edit, options.edits) {
        (_, 0) => None,
        (Some((path, text)), _) => {
            let before = workspace.files.iter().find(|(p, _)| p == path).map(|(_, t)| t.clone());
            Some((path.clone(), [text.clone(), before.ok_or("the edited file is not in the workspace")?]))
        }
        (None, _) => return Err(format!("the dimension `{}` has no edit", options.name)),
    };
    canopy_analysis::run_on_analysis_stack("count", move || {
        let mut analysis = Analysis::new();
        let set = workspace.files.iter().map(|(p, t)| (p.clone(), Arc::from(t.as_str()))).collect();
        analysis.apply(Change { set, remove: Vec::new() });
        let mut diagnostics = reported(&mut analysis);
        let (aspects, hosts) = (analysis.aspects().len(), analysis.hosts().len());
        if let Some((path, texts)) = &edit {
            for turn in 0..options.edits {
                let text = Arc::from(texts[turn % 2].as_str());
                analysis.apply(Change { set: vec![(path.clone(), text)], remove: Vec::new() });
                diagnostics += reported(&mut analysis);
            }
        }
        println!(
            "{} at {}: {} files, {aspects} aspects, {hosts} hosts, {diagnostics} diagnostics reported, {} edits",
            options.name,
            options.size,
            workspace.files.len(),
            options.edits
        );
    })
    .map_err(|e| format!("cannot start the analysis thread: {e}"))?
    .map_err(|_| "the analysis panicked".to_owned())
}

/// The diagnostics of the files whose diagnostics changed, as a user sees them.
fn reported(analysis: &mut Analysis) -> usize {
    let config = DiagnosticsConfig::default();
    analysis.take_changed().into_iter().map(|file| analysis.reported(file, &config).len()).sum()
}
