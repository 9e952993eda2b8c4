//! The workspaces of the per-dimension benchmark (`canopy_bench::dimensions`) are analysed
//! completely: every aspect, host and diagnostic they hold is found, at a small size and, for
//! one file of 200,000 aspects, at a large one. Not timed.

use std::sync::Arc;

use canopy_analysis::{Analysis, Change, DiagnosticsConfig};
use canopy_bench::dimensions::{Dimension, Workspace};

fn on_big_stack<T: Send>(f: impl FnOnce() -> T + Send) -> T {
    canopy_analysis::run_on_analysis_stack("dimensions-test", f).expect("thread").expect("no panic")
}

fn analysed(files: &[(String, String)]) -> Analysis {
    let set = files.iter().map(|(p, t)| (p.clone(), Arc::from(t.as_str()))).collect();
    let mut ws = Analysis::new();
    ws.apply(Change { set, remove: Vec::new() });
    ws
}

/// What a user sees by default: (path, code, the text the diagnostic covers), sorted.
fn reported(ws: &Analysis) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    for file in ws.files() {
        for d in ws.reported(file, &DiagnosticsConfig::default()) {
            let text = ws.text(file)[d.range.start().into()..d.range.end().into()].to_owned();
            out.push((ws.path(file).to_owned(), d.kind.code().to_owned(), text));
        }
    }
    out.sort();
    out
}

fn with_edit(workspace: Workspace) -> Vec<(String, String)> {
    let (path, text) = workspace.edit.expect("an edit");
    let mut files = workspace.files;
    let slot = files.iter_mut().find(|(p, _)| *p == path).expect("the edited file");
    slot.1 = text;
    files
}

fn defined(ws: &Analysis) -> usize {
    ws.aspects().iter().filter(|a| !a.definitions.is_empty()).count()
}

#[test]
fn each_dimension_is_read_whole() {
    on_big_stack(|| {
        const N: usize = 300;
        for dimension in Dimension::ALL {
            let workspace = dimension.workspace(N);
            let ws = analysed(&workspace.files);
            let (aspects, hosts) = (defined(&ws), ws.hosts().len());
            let diagnostics = reported(&ws);
            let name = dimension.name();
            match dimension {
                Dimension::AspectsPerFile => {
                    assert_eq!((aspects, hosts), (N, 0), "{name}");
                    // Each imports the next: every aspect but the first is imported once.
                    let imported = ws.aspects().iter().filter(|a| a.included_by.len() == 1).count();
                    assert_eq!(imported, N - 1, "{name}");
                }
                Dimension::FilesPerAspect => {
                    let shared = ws.aspects().into_iter().find(|a| a.key.name == "shared").expect("shared");
                    assert_eq!((aspects, hosts, shared.definitions.len(), shared.hosts.len()), (1, 1, N, 1), "{name}");
                }
                Dimension::ImportersPerAspect => {
                    let base = ws.aspects().into_iter().find(|a| a.key.name == "base").expect("base");
                    assert_eq!((aspects, base.included_by.len(), base.references.len()), (N + 1, N, N), "{name}");
                }
                Dimension::Hosts => {
                    assert_eq!((aspects, hosts), (100, N), "{name}");
                    assert!(ws.hosts().iter().all(|h| h.aspects.len() == 1), "{name}");
                }
                Dimension::NestingDepth => assert_eq!(aspects, 1, "{name}"),
                Dimension::WithDepth => {
                    let base = ws.aspects().into_iter().find(|a| a.key.name == "base").expect("base");
                    assert_eq!((aspects, base.included_by.len()), (2, 1), "{name}");
                }
                Dimension::Files => {
                    assert_eq!(ws.files().len(), workspace.files.len(), "{name}");
                    assert!(aspects > N / 4, "{name}: {aspects} aspects");
                }
                Dimension::WithList => {
                    let all = ws.aspects().into_iter().find(|a| a.key.name == "all").expect("all");
                    assert_eq!((aspects, all.includes.len()), (N + 1, N), "{name}");
                }
                Dimension::Collections => {
                    let collections: std::collections::BTreeSet<_> =
                        ws.aspects().into_iter().map(|a| a.key.collection).collect();
                    assert_eq!((aspects, collections.len()), (2 * N, N), "{name}");
                    let imported = ws.aspects().iter().filter(|a| a.included_by.len() == 1).count();
                    assert_eq!(imported, N, "{name}");
                }
                Dimension::DiagnosticsPerLine => {
                    assert_eq!(diagnostics.len(), N, "{name}");
                    assert!(diagnostics.iter().all(|(_, code, _)| code == "undefined-variable"), "{name}");
                }
            }
            // The realistic workspace holds what its generator planted (tests/generated.rs); the
            // rest are valid Nix with nothing to report.
            if !matches!(dimension, Dimension::Files | Dimension::DiagnosticsPerLine) {
                assert_eq!(diagnostics, Vec::new(), "{name}");
            }
            // An edit is what it says: the keystroke that breaks one reference or N.
            if workspace.edit.is_some() {
                let ws = analysed(&with_edit(dimension.workspace(N)));
                let undefined = reported(&ws).into_iter().filter(|(_, code, _)| code == "undefined-aspect").count();
                let expected = if dimension == Dimension::ImportersPerAspect { N } else { 1 };
                assert_eq!(undefined, expected, "{name}");
            }
        }
    });
}

/// The largest file of the measurements, analysed whole: every one of its 200,000
/// aspects in the roster with its import, and the one reference the edit breaks reported.
#[test]
fn a_file_of_200_000_aspects_is_analysed_completely() {
    on_big_stack(|| {
        const N: usize = 200_000;
        let ws = analysed(&with_edit(Dimension::AspectsPerFile.workspace(N)));
        let roster = ws.aspects();
        // a0 … a199999, the middle one renamed b100000, and a100000 referenced only.
        let defined: Vec<_> = roster.iter().filter(|a| !a.definitions.is_empty()).collect();
        assert_eq!(defined.len(), N);
        assert_eq!(roster.len(), N + 1);
        let middle = N / 2;
        let renamed = roster.iter().find(|a| a.key.name == format!("b{middle}")).expect("the renamed aspect");
        assert_eq!(renamed.included_by.len(), 0);
        assert_eq!(renamed.includes.len(), 1);
        let last = roster.iter().find(|a| a.key.name == format!("a{}", N - 1)).expect("the last aspect");
        assert_eq!(last.included_by.len(), 1);
        assert_eq!(
            reported(&ws),
            vec![("modules/chain.nix".to_owned(), "undefined-aspect".to_owned(), format!("a{middle}"))]
        );
    });
}
