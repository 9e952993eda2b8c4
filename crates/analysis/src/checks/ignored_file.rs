//! `ignored-file`: a file import-tree skips that defines aspects, which then are not loaded
//! unless some module imports the file by hand.

use super::Cx;
use crate::diagnostics::{Diagnostic, DiagnosticKind};

pub(super) fn check(cx: &mut Cx) {
    let definitions = &cx.data.resolved.definitions;
    let Some(first) = definitions.first() else { return };
    let mut names: Vec<&str> = definitions.iter().map(|d| d.key.name.as_str()).collect();
    names.dedup();
    let why = if cx.data.path.split('/').any(|part| part.starts_with('_')) {
        "a part of its path starts with `_`"
    } else {
        "a filter of the import-tree call excludes it"
    };
    let message = format!(
        "import-tree ignores this file ({why}), so the aspects it defines ({}) are loaded only if a module \
         imports this file explicitly",
        names.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ")
    );
    cx.out.push(Diagnostic::new(DiagnosticKind::IgnoredFile, first.name.range, message));
}
