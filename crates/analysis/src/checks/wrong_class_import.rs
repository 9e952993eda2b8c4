//! `wrong-class-import`: a module of one class imported where another class is evaluated.
//! flake-parts stamps `_class` on stored modules, so the module system rejects the import.

use super::Cx;
use crate::collections::is_known_class;
use crate::diagnostics::{Diagnostic, DiagnosticKind};
use crate::resolve::{ImportContext, Target};

pub(super) fn check(cx: &mut Cx) {
    let summary = &cx.data.summary;
    for r in &cx.data.resolved.refs {
        let Some(ImportContext::Class(context)) = &r.context else { continue };
        let (class, range) = match &r.target {
            Target::Aspect { key, name, class } => match key.class.as_ref().or(class.as_ref()) {
                Some(class) => (class, name.range),
                None => continue,
            },
            Target::External { class: Some(class), name } => (class, *name),
            _ => continue,
        };
        // `generic` loads anywhere; classes canopy does not know are never judged.
        if class == context || [class, context].iter().any(|c| *c == "generic" || !is_known_class(c)) {
            continue;
        }
        let written = &cx.data.text[summary.refs[r.index].range];
        let message = format!(
            "`{written}` is a `{class}` module, imported here into a `{context}` module: the module system \
             rejects a `{class}` module in a `{context}` evaluation; import it where `{class}` is evaluated"
        );
        cx.out.push(Diagnostic::new(DiagnosticKind::WrongClassImport, range, message));
    }
}
