//! What is wrong: the registry of diagnostics (`registry.rs`) and one module per check of one
//! file against the graph.
//!
//! A check sees its own file whole (`Cx::file`: a change to the file checks it again) and every
//! other file only through `Cx::graph`, a view that records what it reads: the graph re-checks a
//! file exactly when a fact its checks read has changed, so a check never needs to say what it
//! depends on. The parse-level kinds (`syntax-error`, `undefined-variable`,
//! `duplicate-attribute`) need only the file and are found while it is read (`nix_exact`).

pub(crate) mod cx;
mod edits;
mod ignored_file;
mod imports_read_config;
mod memo;
mod missing_ellipsis;
mod module_attribute_access;
mod module_place;
mod not_a_flake_module;
mod plaintext_secret;
pub(crate) mod registry;
mod self_referential_definition;
mod shadowed_config;
pub(crate) mod suppressions;
mod toplevel_pkgs;
mod undefined_aspect;
mod undefined_variable;
mod unknown_class;
mod unmergeable_flake_output;
pub(crate) mod unused_aspect;
mod wrong_class_import;

use crate::base::FileId;
use crate::base::diagnostics::{DiagnosticKind, Finding, Severity};
use crate::graph::store::Graph;
use crate::graph::table::{Checks, FactId, Recorder};

pub(crate) use self::cx::Cx;
pub(crate) use self::memo::Memo;
use self::registry::{REGISTRY, Reach, Row, Run};

/// A check run beside the registry's, reporting as `kind`: tests of the graph's freshness add one.
pub(crate) type ExtraCheck = (DiagnosticKind, fn(&mut Cx));

/// Every check the registry runs on `file`'s role, and `extra` ones (tests of the graph's
/// freshness add their own): the findings, and the facts of the graph they read (see
/// `graph/table.rs`).
///
/// `again`: which of them, where a file's own text is as it was and only what some checks read
/// has changed (`Checks::ALL` otherwise).
pub(crate) fn check(
    graph: &Graph,
    file: FileId,
    extra: &[ExtraCheck],
    memo: &Memo,
    again: Checks,
) -> (Vec<Finding>, Vec<FactId>) {
    run(graph, file, |_| true, extra, memo, again)
}

/// The checks of `file` whose verdict reads the file alone (`registry::Reach::Local`), with the
/// facts they read: none, as a test holds them to.
pub(crate) fn check_local(graph: &Graph, file: FileId) -> (Vec<Finding>, Vec<FactId>) {
    run(graph, file, |row| row.reach == Reach::Local, &[], &Memo::default(), Checks::ALL)
}

/// The graph checks, in the registry's order, each with its number in `Checks`.
fn numbered() -> impl Iterator<Item = (u8, &'static Row, fn(&mut Cx))> {
    let graph_checks = REGISTRY.iter().filter_map(|row| match row.run {
        Run::Graph(run) => Some((row, run)),
        Run::Parse(_) | Run::Reported => None,
    });
    graph_checks.enumerate().map(|(i, (row, run))| (i as u8, row, run))
}

/// The number the extra checks of tests share, after every registry check's.
const EXTRA: u8 = 15;

fn run(
    graph: &Graph,
    file: FileId,
    rows: impl Fn(&Row) -> bool,
    extra: &[ExtraCheck],
    memo: &Memo,
    again: Checks,
) -> (Vec<Finding>, Vec<FactId>) {
    let reads = Recorder::default();
    let data = graph.data(file);
    let mut cx = Cx {
        graph: graph.recording(&reads),
        file: data,
        file_id: file,
        kind: DiagnosticKind::SyntaxError,
        check: 0,
        out: Vec::new(),
        memo,
    };
    let registered = numbered()
        .filter(|(check, row, _)| again.has(*check) && row.roles.contains(&data.role) && rows(row))
        .map(|(check, row, run)| (check, row.kind, run));
    let extra = extra.iter().filter(|_| again.has(EXTRA)).map(|&(kind, run)| (EXTRA, kind, run));
    for (check, kind, run) in registered.chain(extra) {
        (cx.kind, cx.check) = (kind, check);
        reads.now_reading(check);
        run(&mut cx);
    }
    let mut out = cx.out;
    if cx.graph.roots_guessed() {
        out.iter_mut().for_each(guessed_roots);
    }
    (out, reads.into_reads())
}

#[test]
fn the_tests_extra_checks_have_a_number_of_their_own() {
    assert!(numbered().count() <= usize::from(EXTRA), "a file's `Checks` has 16 bits: a check more needs a wider set");
    assert!(numbered().enumerate().all(|(i, (check, _, _))| usize::from(check) == i));
}

/// With neither a flake nor an import-tree call, canopy only guesses that `modules/` holds
/// top-level modules (a nilla or plain `evalModules` project has the folder too): no graph check
/// is sure Nix fails, and a plain module there is most likely just that.
fn guessed_roots(finding: &mut Finding) {
    let usual = registry::row(finding.kind).severity;
    let severity = finding.lowered.unwrap_or(usual);
    let lowered = match finding.kind {
        DiagnosticKind::NotAFlakeModule | DiagnosticKind::ToplevelPkgs => Severity::Hint,
        _ if severity == Severity::Error => Severity::Warning,
        _ => return,
    };
    finding.lowered = Some(lowered);
}

/// Fixtures for the checks' tests: an analysis built from one string, and one kind's diagnostics
/// rendered as text.
#[cfg(test)]
pub(crate) mod test_support {
    use expect_test::Expect;

    use crate::{Analysis, Change, DiagnosticKind, Encoding};

    /// A flake whose top-level modules are the files under `modules/`.
    const FLAKE: &str = "\
#- /flake.nix
{
  outputs = inputs: inputs.flake-parts.lib.mkFlake { inherit inputs; } (inputs.import-tree ./modules);
}
";

    /// An analysis of files written under `#- /path` header lines. Unless the fixture has its own
    /// `flake.nix`, one that calls `import-tree ./modules` is added.
    pub(crate) fn analysis(fixture: &str) -> Analysis {
        let mut fixture = fixture.to_string();
        if !fixture.lines().any(|line| line.trim_end() == "#- /flake.nix") {
            fixture.insert_str(0, FLAKE);
        }
        let set = crate::graph::tests::parse_fixture(&fixture);
        let mut analysis = Analysis::new();
        analysis.apply(Change { set, remove: Vec::new() });
        analysis
    }

    /// Every diagnostic of `kind`, one a line: `path:line:col severity[code] "text": message`
    /// (1-based; the quoted text is what the range covers).
    pub(crate) fn render(analysis: &Analysis, kind: DiagnosticKind) -> String {
        let mut out = Vec::new();
        for file in analysis.files() {
            let text = analysis.text(file);
            for d in analysis.diagnostics(file).into_iter().filter(|d| d.kind == kind) {
                let pos = analysis.line_index(file).line_col(text, d.range.start(), Encoding::Utf8);
                out.push(format!(
                    "{}:{}:{} {}[{}] {:?}: {}",
                    analysis.path(file),
                    pos.line + 1,
                    pos.col + 1,
                    d.severity.as_str(),
                    kind.code(),
                    &text[d.range],
                    d.message
                ));
            }
        }
        out.join("\n")
    }

    /// Checks the diagnostics of `kind` a fixture produces.
    pub(crate) fn check(kind: DiagnosticKind, fixture: &str, expect: Expect) {
        expect.assert_eq(&render(&analysis(fixture), kind));
    }

    /// Checks that a fixture produces no diagnostic of `kind`.
    #[track_caller]
    pub(crate) fn check_silent(kind: DiagnosticKind, fixture: &str) {
        let rendered = render(&analysis(fixture), kind);
        assert!(rendered.is_empty(), "expected no `{}`, got:\n{rendered}", kind.code());
    }
}

#[cfg(test)]
mod fix_tests;
