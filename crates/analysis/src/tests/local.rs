//! What a file's diagnostics are while the workspace is still being loaded
//! (`Analysis::reported_local`): the kinds the registry calls local read no table of the index,
//! and what they report of a half-loaded workspace, loaded as the language server loads it (the
//! files that decide the structure first), the whole workspace reports too.

use std::sync::Arc;

use super::support::{on_analysis_stack, repositories};
use crate::base::diagnostics::{Diagnostic, DiagnosticKind, DiagnosticsConfig};
use crate::base::{Change, FileId};
use crate::checks;
use crate::{Analysis, Encoding};

fn change(files: &[(String, String)]) -> Change {
    Change {
        set: files.iter().map(|(path, text)| (path.clone(), Arc::from(text.as_str()))).collect(),
        remove: Vec::new(),
    }
}

/// A diagnostic as a line to compare: where, what and how severe.
fn line(analysis: &Analysis, file: FileId, d: &Diagnostic) -> String {
    let text = analysis.text(file);
    let at = analysis.line_index(file).line_col(text, d.range.start(), Encoding::Utf8);
    let (path, line, col) = (analysis.path(file), at.line + 1, at.col + 1);
    format!("{path}:{line}:{col} {}[{}] {}", d.severity.as_str(), d.kind.code(), d.message)
}

#[test]
fn local_checks_read_no_table_of_the_index() {
    on_analysis_stack(|| {
        for repo in repositories() {
            let mut analysis = Analysis::new();
            analysis.apply(change(&repo.files));
            let graph = analysis.graph();
            for file in analysis.files() {
                let (local, reads) = checks::check_local(graph, file);
                let path = analysis.path(file);
                assert!(reads.is_empty(), "{}: {path}: a local check read the index: {reads:?}", repo.name);
                // The same findings as the checks of every kind give, of the local kinds.
                let (all, _) =
                    checks::check(graph, file, &[], &checks::Memo::default(), crate::graph::table::Checks::ALL);
                let of_local: Vec<_> = all.into_iter().filter(|f| f.kind.is_local()).collect();
                assert_eq!(local, of_local, "{}: {path}", repo.name);
            }
        }
    });
}

/// Each fixture loaded in batches as the server's indexer loads it, the files that decide the
/// structure first (`flake.nix`), then the others, one a batch and in reverse path order here, so
/// that the files a module depends on come after it: at every step, what `reported_local` gives
/// for each file read so far is part of what the whole workspace reports for it.
#[test]
fn a_half_loaded_workspace_reports_locally_only_what_the_whole_one_reports() {
    on_analysis_stack(|| {
        let config = DiagnosticsConfig::default();
        let mut compared = 0;
        for repo in repositories() {
            let mut whole = Analysis::new();
            whole.apply(change(&repo.files));
            let finally = |path: &str| {
                let file = whole.file_id(path).expect("every file is in the whole workspace");
                whole.reported(file, &config).iter().map(|d| line(&whole, file, d)).collect::<Vec<_>>()
            };
            let (first, rest): (Vec<_>, Vec<_>) =
                repo.files.iter().cloned().partition(|(path, _)| Analysis::decides_structure(path));
            let mut loading = Analysis::new();
            loading.begin_bulk();
            let batches = std::iter::once(first).chain(rest.into_iter().rev().map(|file| vec![file]));
            for batch in batches {
                loading.apply(change(&batch));
                for file in loading.files() {
                    let whole_set = finally(loading.path(file));
                    for d in loading.reported_local(file, &config) {
                        let shown = line(&loading, file, &d);
                        assert!(whole_set.contains(&shown), "{}: `{shown}` is not among {whole_set:#?}", repo.name);
                        compared += 1;
                    }
                }
            }
            loading.end_bulk();
        }
        assert!(compared > 50, "only {compared} diagnostics compared");
    });
}

/// The file imports `late`, which a file not read yet defines, and `nowhere`, which nothing does:
/// while loading, its own mistakes show and neither import does; once loaded, `nowhere` does.
#[test]
fn while_loading_a_file_shows_its_own_mistakes_and_nothing_about_other_files() {
    const FLAKE: &str = "{ outputs = inputs: inputs.flake-parts.lib.mkFlake { inherit inputs; } \
                         (inputs.import-tree ./modules); }";
    const HOST: &str = "\
{ config, ... }: {
  flake.modules.nixos.host = { pkgs }: {
    imports = with config.flake.modules.nixos; [ late nowhere ];
    # canopy: ignore[duplicate-attribute]
    networking.hostName = name;
    # canopy: ignore
    services.openssh.enable = true;
    # canopy: ignore[unknown-class]
    boot.isContainer = true;
  };
}
";
    let files = |list: &[(&str, &str)]| list.iter().map(|(p, t)| (p.to_string(), t.to_string())).collect::<Vec<_>>();
    on_analysis_stack(|| {
        let config = DiagnosticsConfig::default();
        let mut analysis = Analysis::new();
        analysis.begin_bulk();
        analysis.apply(change(&files(&[("flake.nix", FLAKE), ("modules/host.nix", HOST)])));
        let host = analysis.file_id("modules/host.nix").expect("host.nix");
        let codes = |shown: Vec<Diagnostic>| shown.iter().map(|d| d.kind.code()).collect::<Vec<_>>();
        // The bare `ignore` and the one of `unknown-class` may yet cover a cross-file finding: not
        // judged while loading.
        let early = ["missing-ellipsis", "unused-suppression", "undefined-variable"];
        assert_eq!(codes(analysis.reported_local(host, &config)), early);
        let waiting = codes(analysis.reported(host, &config));
        assert!(
            !waiting.contains(&"undefined-aspect"),
            "the cross-file checks wait for the end of the load: {waiting:?}"
        );

        analysis.apply(change(&files(&[("modules/zz/late.nix", "{ flake.modules.nixos.late = { }; }")])));
        assert_eq!(codes(analysis.reported_local(host, &config)), early);
        analysis.end_bulk();
        let reported = analysis.reported(host, &config);
        let undefined: Vec<&str> = reported
            .iter()
            .filter(|d| d.kind == DiagnosticKind::UndefinedAspect)
            .map(|d| &analysis.text(host)[d.range])
            .collect();
        assert_eq!(undefined, ["nowhere"]);
        let all = [
            "missing-ellipsis",
            "undefined-aspect",
            "unused-suppression",
            "undefined-variable",
            "unused-suppression",
            "unused-suppression",
        ];
        assert_eq!(codes(reported), all);
        assert_eq!(codes(analysis.reported_local(host, &config)), early, "the same once loaded");
    });
}
