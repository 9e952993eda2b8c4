//! `unknown-class`: a class no module system knows, that the repository does not use
//! consistently either. Nix accepts any class name when a module is stored, and fails only
//! when the module is imported somewhere, far from the typo.

use super::Cx;
use crate::collections::{KNOWN_CLASSES, is_known_class};
use crate::diagnostics::{Diagnostic, DiagnosticKind, near_names};

pub(super) fn check(cx: &mut Cx) {
    let index = &cx.ws.index;
    for class_use in &cx.data.resolved.classes {
        let class = &class_use.class;
        if is_known_class(class) || cx.ws.collections().declares_class(class) {
            continue;
        }
        let near = near_names(class, KNOWN_CLASSES.iter().copied());
        let message = if let Some(best) = near.first() {
            format!("unknown class `{class}`; did you mean `{best}`?")
        } else {
            let mut files = index.class_files.get(class).cloned().unwrap_or_default();
            files.sort();
            files.dedup();
            let defined = index.class_defined.contains_key(class);
            let referenced = index.class_referenced.contains_key(class);
            // Outputs are consumed outside the repository: only a near miss is suspicious there.
            if class_use.from_output || files.len() >= 2 || (defined && referenced) {
                continue;
            }
            format!(
                "class `{class}` is not a known class ({}) and nothing else in the repository uses it; \
                 check the spelling, or use it where its modules are imported",
                KNOWN_CLASSES.join(", ")
            )
        };
        cx.out.push(Diagnostic::new(DiagnosticKind::UnknownClass, class_use.range, message));
    }
}
