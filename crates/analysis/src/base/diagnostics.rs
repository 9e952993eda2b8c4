//! What a diagnostic is, as data: its kind, severity and place. What each kind means (code,
//! severity, whether it is on by default, where it runs) is its row in the registry,
//! `checks/registry.rs`.
//!
//! Inside the analysis a finding carries only a severity it lowers on purpose; the door gives
//! every diagnostic its severity from the registry as it leaves (`Finding::into_diagnostic`), so
//! the registry is the one place that says how severe a kind is.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use crate::base::fix::{Fix, Related, RelatedAt};
use crate::base::text::TextRange;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Error,
    Warning,
    Information,
    Hint,
}

impl Severity {
    pub const ALL: [Severity; 4] = [Severity::Error, Severity::Warning, Severity::Information, Severity::Hint];

    /// The severity `as_str` names.
    pub fn from_name(name: &str) -> Option<Severity> {
        Severity::ALL.into_iter().find(|s| s.as_str() == name)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Information => "information",
            Severity::Hint => "hint",
        }
    }
}

/// What a diagnostic is about: a name for a row of the registry (`checks/registry.rs`), which
/// gives each its stable code, documented in the README.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum DiagnosticKind {
    SyntaxError,
    UndefinedVariable,
    DuplicateAttribute,
    UndefinedAspect,
    UnknownClass,
    WrongClassImport,
    ShadowedConfig,
    ToplevelPkgs,
    NotAFlakeModule,
    UnmergeableFlakeOutput,
    MissingEllipsis,
    ImportsReadConfig,
    SelfReferentialDefinition,
    ModuleAttributeAccess,
    PlaintextSecret,
    IgnoredFile,
    UnusedAspect,
    UnusedSuppression,
}

impl DiagnosticKind {
    /// Every kind, in the registry's order.
    pub const ALL: &'static [DiagnosticKind] = &[
        DiagnosticKind::SyntaxError,
        DiagnosticKind::UndefinedVariable,
        DiagnosticKind::DuplicateAttribute,
        DiagnosticKind::UndefinedAspect,
        DiagnosticKind::UnknownClass,
        DiagnosticKind::WrongClassImport,
        DiagnosticKind::ShadowedConfig,
        DiagnosticKind::ToplevelPkgs,
        DiagnosticKind::NotAFlakeModule,
        DiagnosticKind::UnmergeableFlakeOutput,
        DiagnosticKind::MissingEllipsis,
        DiagnosticKind::ImportsReadConfig,
        DiagnosticKind::SelfReferentialDefinition,
        DiagnosticKind::ModuleAttributeAccess,
        DiagnosticKind::PlaintextSecret,
        DiagnosticKind::IgnoredFile,
        DiagnosticKind::UnusedAspect,
        DiagnosticKind::UnusedSuppression,
    ];
}

/// One finding in one file, as callers see it. `range` is a byte range of that file's text.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Diagnostic {
    pub kind: DiagnosticKind,
    pub range: TextRange,
    /// Shared with the analysis's own finding, and with every diagnostic that says the same (each
    /// file that imports one undefined aspect): reporting copies no text.
    pub message: Arc<str>,
    pub severity: Severity,
    /// The ways to fix it, the preferred one first; none when canopy is not sure of one. Shared
    /// as `message` is.
    pub fixes: Vec<Arc<Fix>>,
    /// Other places it is about: the definition of a suggested name, the binding it shadows.
    pub related: Vec<Related>,
}

/// One finding in one file, inside the analysis: its severity is the registry's unless `lowered`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct Finding {
    pub(crate) kind: DiagnosticKind,
    pub(crate) range: TextRange,
    /// Shared where many findings say the same (every file that imports one undefined aspect).
    pub(crate) message: Arc<str>,
    /// Set where a finding is less sure than its kind usually is (an undefined aspect in a
    /// collection partly built at evaluation time is a warning, not an error).
    pub(crate) lowered: Option<Severity>,
    pub(crate) fixes: Vec<Arc<Fix>>,
    pub(crate) related: Vec<RelatedAt>,
    /// The number of the check that made it, in its file's set of checks
    /// (`graph::table::Checks`): a file whose checks run again in part keeps the findings of
    /// the others.
    pub(crate) check: u8,
    /// Fixes and related places every finding about one thing has (`undefined-aspect`'s for one
    /// aspect), after the finding's own: made once, not once per file.
    pub(crate) shared: Option<Arc<SharedParts>>,
}

/// See `Finding::shared`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub(crate) struct SharedParts {
    pub(crate) fixes: Vec<Arc<Fix>>,
    pub(crate) related: Vec<RelatedAt>,
}

impl Finding {
    pub(crate) fn new(kind: DiagnosticKind, range: TextRange, message: impl Into<Arc<str>>) -> Finding {
        Finding {
            kind,
            range,
            message: message.into(),
            lowered: None,
            fixes: Vec::new(),
            related: Vec::new(),
            check: 0,
            shared: None,
        }
    }

    /// Its fixes: its own, then the shared ones.
    pub(crate) fn all_fixes(&self) -> impl Iterator<Item = &Arc<Fix>> {
        self.fixes.iter().chain(self.shared.iter().flat_map(|shared| &shared.fixes))
    }

    /// Its related places: its own, then the shared ones.
    pub(crate) fn all_related(&self) -> impl Iterator<Item = &RelatedAt> {
        self.related.iter().chain(self.shared.iter().flat_map(|shared| &shared.related))
    }

    /// Adds a way to fix it.
    pub(crate) fn fix(&mut self, fix: Fix) -> &mut Finding {
        self.fixes.push(Arc::new(fix));
        self
    }

    /// Adds ways to fix it, in order.
    pub(crate) fn add_fixes(&mut self, fixes: impl IntoIterator<Item = Fix>) -> &mut Finding {
        self.fixes.extend(fixes.into_iter().map(Arc::new));
        self
    }

    /// Adds a place it is about.
    pub(crate) fn related(&mut self, related: RelatedAt) -> &mut Finding {
        self.related.push(related);
        self
    }

    pub(crate) fn with_severity(mut self, severity: Severity) -> Finding {
        self.lowered = Some(severity);
        self
    }
}

/// Which kinds are reported, and how severely: the user's choices over the registry's defaults.
///
/// Callers build it in layers (canopy.toml, then the editor's settings or the command line's
/// flags), each later choice overriding an earlier one for the same kind.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DiagnosticsConfig {
    /// Kinds turned on or off, where the user said so.
    enabled: BTreeMap<DiagnosticKind, bool>,
    severity: BTreeMap<DiagnosticKind, Severity>,
}

impl DiagnosticsConfig {
    pub fn set_enabled(&mut self, kind: DiagnosticKind, on: bool) {
        self.enabled.insert(kind, on);
    }

    pub fn set_severity(&mut self, kind: DiagnosticKind, severity: Severity) {
        self.severity.insert(kind, severity);
    }

    /// `--select`: exactly these kinds, whatever was on before.
    pub fn select_only(&mut self, kinds: &BTreeSet<DiagnosticKind>) {
        for &kind in DiagnosticKind::ALL {
            self.enabled.insert(kind, kinds.contains(&kind));
        }
    }

    /// `later`'s choices over this one's.
    pub fn then(mut self, later: &DiagnosticsConfig) -> DiagnosticsConfig {
        self.enabled.extend(later.enabled.iter().map(|(k, v)| (*k, *v)));
        self.severity.extend(later.severity.iter().map(|(k, v)| (*k, *v)));
        self
    }

    pub fn reports(&self, kind: DiagnosticKind) -> bool {
        self.enabled.get(&kind).copied().unwrap_or_else(|| kind.default_enabled())
    }

    /// The severity `diagnostic` is reported with. An override replaces the kind's usual
    /// severity; where canopy lowered one finding below it because it is less sure of that one
    /// (a collection partly built at evaluation time), the override never makes it more severe
    /// than canopy did: raising it would claim a certainty canopy does not have.
    pub fn severity_of(&self, diagnostic: &Diagnostic) -> Severity {
        let Some(&chosen) = self.severity.get(&diagnostic.kind) else { return diagnostic.severity };
        if diagnostic.severity == diagnostic.kind.default_severity() {
            chosen
        } else {
            // `Severity` orders from most to least severe.
            chosen.max(diagnostic.severity)
        }
    }
}
