//! The registry: one row per diagnostic kind, with everything canopy knows about the kind. The
//! README's table of diagnostics lists exactly these rows (a test in `crates/cli` holds it to
//! that), and the command line and the server take `default_enabled` from here, so they agree.
//!
//! A new diagnostic is a `DiagnosticKind` variant (its name), a row here, and a module in this
//! folder with its check.

use super::cx::Cx;
use super::{
    ignored_file, imports_read_config, missing_ellipsis, module_attribute_access, not_a_flake_module, plaintext_secret,
    self_referential_definition, shadowed_config, toplevel_pkgs, undefined_aspect, undefined_variable, unknown_class,
    unmergeable_flake_output, unused_aspect, wrong_class_import,
};
use crate::base::FileId;
use crate::base::FileRole::{self, Flake, Ignored, Outside, Parsed, TopLevel};
use crate::base::diagnostics::{DiagnosticKind, Finding, Severity};
use crate::base::fix::Fix;
use crate::graph::store::Graph;

pub(crate) struct Row {
    pub(crate) kind: DiagnosticKind,
    /// Stable: users silence and search for diagnostics by it.
    pub(crate) code: &'static str,
    /// The usual severity; a check lowers it case by case (`Finding::with_severity`).
    pub(crate) severity: Severity,
    /// Reported unless the user asks otherwise.
    pub(crate) default_enabled: bool,
    /// The roles of the files it is reported in.
    pub(crate) roles: &'static [FileRole],
    /// What its verdict on a file reads besides that file.
    pub(crate) reach: Reach,
    /// What it is about, in one line.
    pub(crate) summary: &'static str,
    pub(crate) run: Run,
}

/// How a kind is found.
pub(crate) enum Run {
    /// While its file is read, by `nix_exact`: what Nix itself reports parsing the file. A
    /// summary knows its text only, so the fixes of such a finding, if the kind has any, are made
    /// when the door hands it out, by the function named here.
    Parse(Option<ParseFixes>),
    /// By a check of one file against the graph, run again whenever a fact it read changes.
    Graph(fn(&mut Cx)),
    /// From the diagnostics the user has on, as they are reported.
    Reported,
}

/// What a kind's verdict on a file reads besides the file itself. Every kind reads what the file
/// is to the flake (its role, the import-tree roots, the collection table: the structure every
/// file is read against, settled by the `flake.nix` files a loader reads first,
/// `Analysis::decides_structure`); a cross-file kind also reads the index of what other files
/// define, reference, declare and provide.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Reach {
    /// Nothing more: its findings can be shown while the workspace is still being loaded
    /// (`Analysis::reported_local`), where a cross-file verdict would judge against half of it. A
    /// check of this reach reads no table of the index (`cx.graph` only for the structure); a test
    /// holds it to that.
    Local,
    /// The index (`cx.graph`'s recorded tables): a half-loaded workspace would give false
    /// findings, an aspect defined in a file not read yet reported as undefined.
    Workspace,
}

/// The fixes of a finding made while its file was read, from the file's syntax tree.
pub(crate) type ParseFixes = fn(&Graph, FileId, &Finding) -> Vec<Fix>;

/// Where Nix reads the file as part of the flake.
const READ_BY_NIX: &[FileRole] = &[TopLevel, Flake, Ignored, Parsed];
const MODULES: &[FileRole] = &[TopLevel, Flake];
const ALL_ROLES: &[FileRole] = &[TopLevel, Flake, Ignored, Parsed, Outside];

/// In `DiagnosticKind::ALL`'s order (a test checks it), so that `row` is an index.
pub(crate) static REGISTRY: [Row; 18] = [
    Row {
        kind: DiagnosticKind::SyntaxError,
        code: "syntax-error",
        severity: Severity::Error,
        default_enabled: true,
        roles: READ_BY_NIX,
        reach: Reach::Local,
        summary: "the file does not parse; reported where Nix reports it",
        run: Run::Parse(None),
    },
    Row {
        kind: DiagnosticKind::UndefinedVariable,
        code: "undefined-variable",
        severity: Severity::Error,
        default_enabled: true,
        roles: READ_BY_NIX,
        reach: Reach::Local,
        summary: "a name bound nowhere and not under any `with`",
        run: Run::Parse(Some(undefined_variable::fixes)),
    },
    Row {
        kind: DiagnosticKind::DuplicateAttribute,
        code: "duplicate-attribute",
        severity: Severity::Error,
        default_enabled: true,
        roles: READ_BY_NIX,
        reach: Reach::Local,
        summary: "an attribute defined twice where Nix rejects it",
        run: Run::Parse(None),
    },
    Row {
        kind: DiagnosticKind::UndefinedAspect,
        code: "undefined-aspect",
        severity: Severity::Error,
        default_enabled: true,
        roles: MODULES,
        reach: Reach::Workspace,
        summary: "a reference to an aspect nobody defines",
        run: Run::Graph(undefined_aspect::check),
    },
    Row {
        kind: DiagnosticKind::UnknownClass,
        code: "unknown-class",
        severity: Severity::Warning,
        default_enabled: true,
        roles: MODULES,
        reach: Reach::Workspace,
        summary: "a class that is neither known nor used consistently in the repository",
        run: Run::Graph(unknown_class::check),
    },
    Row {
        kind: DiagnosticKind::WrongClassImport,
        code: "wrong-class-import",
        severity: Severity::Error,
        default_enabled: true,
        roles: MODULES,
        // Whether flake-parts stamps classes depends on what the flake imports.
        reach: Reach::Workspace,
        summary: "a module of one class imported where another class is evaluated",
        run: Run::Graph(wrong_class_import::check),
    },
    Row {
        kind: DiagnosticKind::ShadowedConfig,
        code: "shadowed-config",
        severity: Severity::Warning,
        default_enabled: true,
        roles: MODULES,
        reach: Reach::Local,
        summary: "`config.flake...` read inside a lower-level module whose own `config` hides the flake's",
        run: Run::Graph(shadowed_config::check),
    },
    Row {
        kind: DiagnosticKind::ToplevelPkgs,
        code: "toplevel-pkgs",
        severity: Severity::Warning,
        default_enabled: true,
        roles: &[TopLevel],
        // `_module.args.pkgs` set in another file provides it.
        reach: Reach::Workspace,
        summary: "a top-level module asks for `pkgs`, `system`, `self'` or `inputs'`, which exist only inside `perSystem`",
        run: Run::Graph(toplevel_pkgs::check),
    },
    Row {
        kind: DiagnosticKind::NotAFlakeModule,
        code: "not-a-flake-module",
        severity: Severity::Error,
        default_enabled: true,
        roles: &[TopLevel],
        // A top-level key is a flake-parts one where another file declares it as an option.
        reach: Reach::Workspace,
        summary: "a plain NixOS / home-manager module under an import-tree root",
        run: Run::Graph(not_a_flake_module::check),
    },
    Row {
        kind: DiagnosticKind::UnmergeableFlakeOutput,
        code: "unmergeable-flake-output",
        severity: Severity::Error,
        default_enabled: true,
        roles: MODULES,
        reach: Reach::Workspace,
        summary: "a flake output no option declares, defined in two or more top-level modules",
        run: Run::Graph(unmergeable_flake_output::check),
    },
    Row {
        kind: DiagnosticKind::MissingEllipsis,
        code: "missing-ellipsis",
        severity: Severity::Error,
        default_enabled: true,
        roles: MODULES,
        reach: Reach::Local,
        summary: "a module function whose arguments have no `...` and leave out `config`, `options` or `lib`",
        run: Run::Graph(missing_ellipsis::check),
    },
    Row {
        kind: DiagnosticKind::ImportsReadConfig,
        code: "imports-read-config",
        severity: Severity::Error,
        default_enabled: true,
        roles: MODULES,
        reach: Reach::Local,
        summary: "a module's `imports` read that module's own `config`",
        run: Run::Graph(imports_read_config::check),
    },
    Row {
        kind: DiagnosticKind::SelfReferentialDefinition,
        code: "self-referential-definition",
        severity: Severity::Error,
        default_enabled: true,
        roles: MODULES,
        reach: Reach::Local,
        summary: "a definition whose value needs its module's own `config` at the very path it defines",
        run: Run::Graph(self_referential_definition::check),
    },
    Row {
        kind: DiagnosticKind::ModuleAttributeAccess,
        code: "module-attribute-access",
        severity: Severity::Error,
        default_enabled: true,
        roles: MODULES,
        // Reads where the selected aspect is defined, and whether its modules are stamped.
        reach: Reach::Workspace,
        summary: "an attribute selected from a stored module, which after merging holds only `imports` and the module system's keys",
        run: Run::Graph(module_attribute_access::check),
    },
    Row {
        kind: DiagnosticKind::PlaintextSecret,
        code: "plaintext-secret",
        severity: Severity::Warning,
        default_enabled: true,
        roles: MODULES,
        reach: Reach::Local,
        summary: "a string literal under a secret's name (`password`, `token`, `apiKey`, ...) in a configuration",
        run: Run::Graph(plaintext_secret::check),
    },
    Row {
        kind: DiagnosticKind::IgnoredFile,
        code: "ignored-file",
        severity: Severity::Hint,
        default_enabled: true,
        roles: &[Ignored],
        // Another file importing it by path makes it a top-level module.
        reach: Reach::Workspace,
        summary: "a file import-tree ignores defines aspects",
        run: Run::Graph(ignored_file::check),
    },
    Row {
        kind: DiagnosticKind::UnusedAspect,
        code: "unused-aspect",
        severity: Severity::Hint,
        // An aspect may be there for other flakes to import: only asked for, it is noise.
        default_enabled: false,
        roles: MODULES,
        reach: Reach::Workspace,
        summary: "an aspect no reference, include or host reaches",
        run: Run::Graph(unused_aspect::check),
    },
    Row {
        kind: DiagnosticKind::UnusedSuppression,
        code: "unused-suppression",
        severity: Severity::Hint,
        default_enabled: true,
        roles: ALL_ROLES,
        // `reported_local` judges only the suppressions of local kinds' codes.
        reach: Reach::Local,
        summary: "a `# canopy: ignore` comment that suppresses nothing, or that canopy cannot read",
        // Found where the reported diagnostics are filtered (`checks/suppressions.rs`), since
        // whether a suppression is used depends on which kinds the user has on.
        run: Run::Reported,
    },
];

/// The README, on the repository's page.
const README_URL: &str = "https://github.com/canopy-nix/canopy";

pub(crate) fn row(kind: DiagnosticKind) -> &'static Row {
    &REGISTRY[kind as usize]
}

impl DiagnosticKind {
    /// The stable code: `undefined-aspect`.
    pub fn code(self) -> &'static str {
        row(self).code
    }

    pub fn from_code(code: &str) -> Option<DiagnosticKind> {
        REGISTRY.iter().find(|r| r.code == code).map(|r| r.kind)
    }

    /// The usual severity; a few kinds lower it case by case.
    pub fn default_severity(self) -> Severity {
        row(self).severity
    }

    /// Whether the kind is reported when the user has not said otherwise.
    pub fn default_enabled(self) -> bool {
        row(self).default_enabled
    }

    /// Whether its verdict on a file reads that file alone (and what the file is to the flake),
    /// not what other files define: shown while the workspace is still being loaded
    /// (`Analysis::reported_local`).
    pub fn is_local(self) -> bool {
        row(self).reach == Reach::Local
    }

    /// What the kind is about, in one line.
    pub fn summary(self) -> &'static str {
        row(self).summary
    }

    /// Where the README explains it: its section, whose anchor is the code.
    pub fn docs_url(self) -> String {
        format!("{README_URL}#{}", self.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_row_per_kind_in_order() {
        assert_eq!(REGISTRY.len(), DiagnosticKind::ALL.len());
        for (row, kind) in REGISTRY.iter().zip(DiagnosticKind::ALL) {
            assert_eq!(row.kind, *kind, "the registry's rows follow DiagnosticKind::ALL");
        }
    }

    #[test]
    fn codes_are_unique_and_round_trip() {
        for kind in DiagnosticKind::ALL {
            assert_eq!(DiagnosticKind::from_code(kind.code()), Some(*kind));
        }
        assert_eq!(DiagnosticKind::from_code("no-such-code"), None);
    }
}
