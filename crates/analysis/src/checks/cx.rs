//! What a check sees, and where it reports.

use std::sync::Arc;

use super::memo::Memo;
use crate::base::diagnostics::{DiagnosticKind, Finding, Severity};
use crate::base::text::TextRange;
use crate::base::{AspectKey, FileId};
use crate::graph::store::FileData;
use crate::graph::view::View;
use crate::syntax::render_attr_name;

/// What a check sees, and where it reports.
pub(crate) struct Cx<'a> {
    /// Every other file, through a view that records what is read.
    pub(crate) graph: View<'a>,
    /// The file being checked.
    pub(crate) file: &'a FileData,
    pub(crate) file_id: FileId,
    pub(super) kind: DiagnosticKind,
    /// The number of the check running (`Checks`), which its findings carry.
    pub(super) check: u8,
    pub(super) out: Vec<Finding>,
    /// Verdicts shared by the files of one round of checks.
    pub(super) memo: &'a Memo,
}

impl Cx<'_> {
    /// Reports a finding of the kind being checked, at its usual severity.
    /// Returns the finding, for the check to add its fixes and related places.
    pub(crate) fn report(&mut self, range: TextRange, message: impl Into<Arc<str>>) -> &mut Finding {
        self.push(Finding::new(self.kind, range, message))
    }

    /// Reports a finding less sure than its kind usually is.
    pub(crate) fn report_as(
        &mut self,
        severity: Severity,
        range: TextRange,
        message: impl Into<Arc<str>>,
    ) -> &mut Finding {
        self.push(Finding::new(self.kind, range, message).with_severity(severity))
    }

    fn push(&mut self, mut finding: Finding) -> &mut Finding {
        finding.check = self.check;
        self.out.push(finding);
        let last = self.out.len() - 1;
        &mut self.out[last]
    }
}

/// Where an aspect is stored, as Nix source: `flake.modules.nixos`, `flake.nixosModules` (whose
/// class the collection's name implies), `den.aspects`.
pub(crate) fn container(key: &AspectKey) -> String {
    match key.class.as_ref().filter(|_| key.class_in_path) {
        Some(class) => format!("{}.{}", key.collection, render_attr_name(class)),
        None => key.collection.to_string(),
    }
}
