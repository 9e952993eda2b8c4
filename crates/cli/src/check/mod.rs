//! `canopy check`: every diagnostic of every file, in one of three formats.

mod fix;
mod github;
mod human;
mod json;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use canopy_analysis::{Analysis, FileId};
use canopy_analysis::{Diagnostic, NotDendritic, Severity};
use canopy_vfs::Skipped;

use crate::CheckFormat;
use crate::analyse::analyse;
use crate::error::CliError;
use crate::load::Root;
use crate::location::{Range, Sources};
use crate::output;
use crate::progress::{Progress, Reporter};

/// Everything a format prints.
#[derive(Debug)]
pub struct Report {
    /// Absolute.
    pub root: PathBuf,
    /// Files analysed (skipped ones not included).
    pub files: usize,
    pub aspects: usize,
    /// Sorted by path, then position.
    pub diagnostics: Vec<Entry>,
    pub skipped: Vec<Skipped>,
    /// The root's workspace first, then each flake below it.
    pub flakes: Vec<FlakeSummary>,
}

/// One flake's share of the report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlakeSummary {
    /// Its folder relative to the root, ending in `/`; empty for the root.
    pub prefix: String,
    pub files: usize,
    pub aspects: usize,
    pub not_dendritic: Option<NotDendritic>,
}

impl Report {
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(|d| d.severity == Severity::Error)
    }
}

/// One diagnostic, positioned for output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Relative to the root, with `/` separators.
    pub path: String,
    pub range: Range,
    pub severity: Severity,
    pub code: &'static str,
    pub message: String,
}

/// What `check` does besides reporting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fixing {
    /// Report only: nothing is written.
    No,
    /// Apply the safe fixes, say what changed, then report what remains.
    Write,
    /// Print the safe fixes as a unified diff; nothing is written.
    Diff,
}

pub fn run(path: &Path, format: CheckFormat, fixing: Fixing) -> Result<ExitCode, CliError> {
    let root = Root::open(path)?;
    if fixing != Fixing::No {
        let progress = Progress::new();
        let reporter = Reporter::start(&progress);
        let fixes = analyse(&root, &progress, |analysis, _| fix::safe_fixes(analysis));
        drop(reporter);
        let mut refused = 0;
        for flake in fixes?.flakes {
            let folder = root.path.join(&flake.prefix);
            refused += fix::apply(&folder, &flake.result, fixing == Fixing::Write)?;
        }
        if fixing == Fixing::Diff {
            return Ok(if refused > 0 { ExitCode::from(1) } else { ExitCode::SUCCESS });
        }
    }
    let progress = Progress::new();
    let reporter = Reporter::start(&progress);
    let analysed = analyse(&root, &progress, collect);
    drop(reporter);
    let analysed = analysed?;
    analysed.note_loading(&root.display_prefix);

    let mut diagnostics = Vec::new();
    let mut flakes = Vec::new();
    for flake in analysed.flakes {
        let (entries, aspects) = flake.result;
        diagnostics.extend(entries.into_iter().map(|e| Entry { path: format!("{}{}", flake.prefix, e.path), ..e }));
        flakes.push(FlakeSummary {
            prefix: flake.prefix,
            files: flake.files,
            aspects,
            not_dendritic: flake.not_dendritic,
        });
    }
    sort(&mut diagnostics);
    let aspects = flakes.iter().map(|f| f.aspects).sum();
    let report =
        Report { root: root.path, files: analysed.files, aspects, diagnostics, skipped: analysed.skipped, flakes };
    output::to_stdout(|out| match format {
        CheckFormat::Human => human::write(out, &report, &root.display_prefix),
        CheckFormat::Json => json::write(out, &report),
        CheckFormat::Github => github::write(out, &report, &root.display_prefix),
    })?;
    Ok(if report.has_errors() { ExitCode::from(1) } else { ExitCode::SUCCESS })
}

/// Every diagnostic of a kind that is on by default (the registry's choice, which the server
/// shares), sorted, and the number of aspects.
fn collect(analysis: &Analysis, progress: &Progress) -> (Vec<Entry>, usize) {
    let files = analysis.files();
    progress.checking(files.len());
    let mut entries = Vec::new();
    for file in files {
        let mut diagnostics = analysis.diagnostics(file);
        diagnostics.retain(|d| d.kind.default_enabled());
        entries.extend(positioned(analysis, file, diagnostics));
        progress.advance();
    }
    sort(&mut entries);
    tracing::debug!(diagnostics = entries.len(), "diagnostics collected");
    // Only the count: the full roster computes every aspect's hosts, which is much more work.
    let aspects = analysis.aspect_count();
    tracing::debug!(aspects, "aspects counted");
    (entries, aspects)
}

fn positioned(sources: &impl Sources, file: FileId, diagnostics: Vec<Diagnostic>) -> impl Iterator<Item = Entry> {
    diagnostics.into_iter().map(move |d| Entry {
        path: sources.path(file).to_owned(),
        range: sources.range(file, d.range),
        severity: d.severity,
        code: d.kind.code(),
        message: d.message,
    })
}

/// The analysis sorts each file's diagnostics already; sorting the whole list here keeps every
/// format's order independent of how the analysis orders files.
fn sort(entries: &mut [Entry]) {
    entries.sort_by(|a, b| (&a.path, a.range, a.code, &a.message).cmp(&(&b.path, b.range, b.code, &b.message)));
}

#[cfg(test)]
pub(crate) mod testing {
    use canopy_analysis::{Diagnostic, DiagnosticKind, Severity};

    use super::{Entry, FlakeSummary, Report, positioned, sort};
    use crate::location::testing::Files;
    use canopy_vfs::Skipped;

    /// A report as the analysis could produce it, over two small files.
    pub fn report() -> Report {
        let mut files = Files::default();
        let hosts = files.add(
            "modules/hosts/gouda.nix",
            "{ config, ... }:\n{\n  configurations.nixos.gouda.module = {\n    imports = with config.flake.modules.nixos; [ bse desktop ];\n  };\n}\n",
        );
        let odd = files.add(
            "modules/odd [x]/ça va.nix",
            "{ pkgs, ... }:\n{\n  flake.modules.homemanager.shell = { };\n  flake.modules.nixos.\"🌲\".imports = [ nope ];\n}\n",
        );
        let mut diagnostics: Vec<Entry> = Vec::new();
        // Deliberately out of order: the report sorts.
        diagnostics.extend(positioned(
            &files,
            odd,
            vec![
                Diagnostic::new(
                    DiagnosticKind::UnknownClass,
                    files.find(odd, "homemanager", 0),
                    "unknown class `homemanager`: did you mean `homeManager`?",
                ),
                Diagnostic::new(
                    DiagnosticKind::UndefinedVariable,
                    files.find(odd, "nope", 0),
                    "undefined variable `nope`",
                ),
                Diagnostic::new(
                    DiagnosticKind::ToplevelPkgs,
                    files.find(odd, "pkgs", 0),
                    "`pkgs` does not exist at top level, only inside `perSystem`",
                ),
            ],
        ));
        diagnostics.extend(positioned(
            &files,
            hosts,
            vec![
                Diagnostic::new(
                    DiagnosticKind::UndefinedAspect,
                    files.find(hosts, "bse", 0),
                    "no aspect `flake.modules.nixos.bse`: did you mean `base`?",
                ),
                Diagnostic::new(
                    DiagnosticKind::UnusedAspect,
                    files.find(hosts, "desktop", 0),
                    "line one\nline two, 100% odd: \r",
                )
                .with_severity(Severity::Information),
            ],
        ));
        sort(&mut diagnostics);
        Report {
            root: "/home/me/repo".into(),
            files: 12,
            aspects: 4,
            diagnostics,
            skipped: vec![Skipped {
                path: "modules/bad.nix".to_owned(),
                reason: "not valid UTF-8 (first bad byte at offset 7)".to_owned(),
            }],
            flakes: vec![FlakeSummary { prefix: String::new(), files: 12, aspects: 4, not_dendritic: None }],
        }
    }
}
