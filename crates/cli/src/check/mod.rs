//! `canopy check`: every diagnostic of every file, in one of three formats.

mod fix;
mod github;
mod human;
mod json;
mod sarif;

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::ExitCode;

use canopy_analysis::{Analysis, FileId};
use canopy_analysis::{Diagnostic, DiagnosticsConfig, NotDendritic, Severity};
use canopy_config::ProjectConfig;
use canopy_vfs::Skipped;

use crate::analyse::analyse;
use crate::error::CliError;
use crate::load::Target;
use crate::location::{Range, Sources};
use crate::output;
use crate::progress::{Progress, Reporter};
use crate::{CheckFormat, ErrorOn};

/// Everything a format prints.
#[derive(Debug)]
pub struct Report {
    /// Absolute.
    pub root: PathBuf,
    /// Files analysed (skipped ones not included).
    pub files: usize,
    /// Files whose diagnostics are reported: fewer than `files` when the command line names files
    /// or `canopy.toml` excludes some, since the flake around them is analysed whole.
    pub reported: usize,
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
    /// As `Report::reported`.
    pub reported: usize,
    pub aspects: usize,
    pub not_dendritic: Option<NotDendritic>,
}

impl Report {
    /// Whether a diagnostic of `level` or a more severe one is reported.
    pub fn reaches(&self, level: Severity) -> bool {
        self.diagnostics.iter().any(|d| d.severity <= level)
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
    /// Shared with every entry that says the same (each file importing one undefined aspect).
    pub message: std::sync::Arc<str>,
    /// The fixes that only edit files (SARIF's `fixes`), the preferred one first.
    pub fixes: Vec<EntryFix>,
}

/// A fix as the formats print it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryFix {
    pub title: String,
    /// Path (relative to the root), range and new text of each edit, by file then position.
    pub edits: Vec<(String, Range, String)>,
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

/// What the command line says about which diagnostics to report, over each flake's canopy.toml.
#[derive(Debug, Clone)]
pub struct Options {
    /// `--select`, `--ignore` and `--severity`.
    pub flags: DiagnosticsConfig,
    /// `--error-on`.
    pub error_on: Severity,
}

impl Options {
    pub fn new(
        select: &[String],
        ignore: &[String],
        severity: &[String],
        error_on: ErrorOn,
    ) -> Result<Options, CliError> {
        let kind = |flag: &str, code: &str| {
            canopy_config::parse_code(code.trim()).map_err(|message| CliError::Config(format!("{flag}: {message}")))
        };
        let mut flags = DiagnosticsConfig::default();
        if !select.is_empty() {
            let kinds = select.iter().map(|code| kind("--select", code)).collect::<Result<_, _>>()?;
            flags.select_only(&kinds);
        }
        for code in ignore {
            flags.set_enabled(kind("--ignore", code)?, false);
        }
        for pair in severity {
            let Some((code, level)) = pair.split_once('=') else {
                return Err(CliError::Config(format!("--severity: expected CODE=LEVEL, got `{pair}`")));
            };
            let level = canopy_config::parse_severity(level.trim())
                .map_err(|message| CliError::Config(format!("--severity: {message}")))?;
            flags.set_severity(kind("--severity", code)?, level);
        }
        let error_on = match error_on {
            ErrorOn::Error => Severity::Error,
            ErrorOn::Warning => Severity::Warning,
            ErrorOn::Information => Severity::Information,
            ErrorOn::Hint => Severity::Hint,
        };
        Ok(Options { flags, error_on })
    }
}

/// Which files of a flake are reported, and how: its canopy.toml under the command line's flags.
struct Scope<'a> {
    config: DiagnosticsConfig,
    project: &'a ProjectConfig,
    /// The flake's folder relative to the root.
    prefix: &'a str,
    only: Option<&'a BTreeSet<String>>,
}

impl<'a> Scope<'a> {
    fn new(prefix: &'a str, project: &'a ProjectConfig, options: &Options, only: Option<&'a BTreeSet<String>>) -> Self {
        Scope { config: project.diagnostics.clone().then(&options.flags), project, prefix, only }
    }

    fn reports(&self, path: &str) -> bool {
        !self.project.exclude.excludes(path)
            && self.only.is_none_or(|only| only.contains(&format!("{}{path}", self.prefix)))
    }
}

pub fn run(paths: &[PathBuf], format: CheckFormat, fixing: Fixing, options: &Options) -> Result<ExitCode, CliError> {
    let Target { root, only } = Target::open(paths)?;
    if fixing != Fixing::No {
        let progress = Progress::new();
        let reporter = Reporter::start(&progress);
        let fixes = analyse(&root, &progress, |analysis, prefix, project, _| {
            let scope = Scope::new(prefix, project, options, only.as_ref());
            fix::safe_fixes(analysis, &|file| scope.reports(analysis.path(file)), &scope.config)
        });
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
    let analysed = analyse(&root, &progress, |analysis, prefix, project, progress| {
        collect(analysis, &Scope::new(prefix, project, options, only.as_ref()), progress)
    });
    drop(reporter);
    let analysed = analysed?;
    analysed.note_loading(&root.display_prefix);

    let mut diagnostics = Vec::new();
    let mut flakes = Vec::new();
    for flake in analysed.flakes {
        let (entries, aspects, reported) = flake.result;
        diagnostics.extend(entries.into_iter().map(|mut e| {
            e.path.insert_str(0, &flake.prefix);
            for (path, _, _) in e.fixes.iter_mut().flat_map(|f| f.edits.iter_mut()) {
                path.insert_str(0, &flake.prefix);
            }
            e
        }));
        flakes.push(FlakeSummary {
            prefix: flake.prefix,
            files: flake.files,
            reported,
            aspects,
            not_dendritic: flake.not_dendritic,
        });
    }
    sort(&mut diagnostics);
    let aspects = flakes.iter().map(|f| f.aspects).sum();
    let reported = flakes.iter().map(|f| f.reported).sum();
    let report = Report {
        root: root.path,
        files: analysed.files,
        reported,
        aspects,
        diagnostics,
        skipped: analysed.skipped,
        flakes,
    };
    output::to_stdout(|out| match format {
        CheckFormat::Human => human::write(out, &report, &root.display_prefix),
        CheckFormat::Json => json::write(out, &report),
        CheckFormat::Github => github::write(out, &report, &root.display_prefix),
        CheckFormat::Sarif => sarif::write(out, &report),
    })?;
    Ok(if report.reaches(options.error_on) { ExitCode::from(1) } else { ExitCode::SUCCESS })
}

/// Every diagnostic the scope reports (the kinds on by default, the registry's choice which the
/// server shares, under the user's configuration), sorted, the number of aspects, and how many
/// files were reported.
fn collect(analysis: &Analysis, scope: &Scope<'_>, progress: &Progress) -> (Vec<Entry>, usize, usize) {
    let files = analysis.files();
    progress.checking(files.len());
    let mut entries = Vec::new();
    let mut reported = 0;
    for file in files {
        if scope.reports(analysis.path(file)) {
            entries.extend(positioned(analysis, file, analysis.reported(file, &scope.config)));
            reported += 1;
        }
        progress.advance();
    }
    sort(&mut entries);
    tracing::debug!(diagnostics = entries.len(), "diagnostics collected");
    // Only the count: the full roster computes every aspect's hosts, which is much more work.
    let aspects = analysis.aspect_count();
    tracing::debug!(aspects, "aspects counted");
    (entries, aspects, reported)
}

fn positioned(sources: &impl Sources, file: FileId, diagnostics: Vec<Diagnostic>) -> impl Iterator<Item = Entry> {
    diagnostics.into_iter().map(move |d| Entry {
        path: sources.path(file).to_owned(),
        range: sources.range(file, d.range),
        severity: d.severity,
        code: d.kind.code(),
        message: d.message,
        fixes: d
            .fixes
            .into_iter()
            .filter(|fix| fix.creates.is_empty() && fix.renames.is_empty())
            .map(|fix| EntryFix {
                title: fix.title.clone(),
                edits: fix
                    .edits
                    .iter()
                    .flat_map(|edit| {
                        edit.edits.iter().map(|e| {
                            (sources.path(edit.file).to_owned(), sources.range(edit.file, e.range), e.new_text.clone())
                        })
                    })
                    .collect(),
            })
            .collect(),
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
            reported: 12,
            aspects: 4,
            diagnostics,
            skipped: vec![Skipped {
                path: "modules/bad.nix".to_owned(),
                reason: "not valid UTF-8 (first bad byte at offset 7)".to_owned(),
            }],
            flakes: vec![FlakeSummary {
                prefix: String::new(),
                files: 12,
                reported: 12,
                aspects: 4,
                not_dendritic: None,
            }],
        }
    }
}
