//! `unused-aspect`: an aspect that no reference, include or host reaches does nothing.

use super::Cx;
use crate::collections::RowKind;
use crate::diagnostics::{Diagnostic, DiagnosticKind};
use crate::resolve::Scope;

pub(super) fn check(cx: &mut Cx) {
    let index = &cx.ws.index;
    for definition in &cx.data.resolved.definitions {
        let key = &definition.key;
        if index.refs.contains_key(key) || index.host_aspects.contains_key(key) {
            continue;
        }
        // Outputs are for other flakes; collections consumed wholesale use every aspect.
        let segments: Vec<&str> = key.collection.split('.').collect();
        let kind = cx.ws.collections().match_path(&segments).map(|m| m.kind);
        if kind == Some(RowKind::Outputs) {
            continue;
        }
        let whole = Scope { collection: key.collection.clone(), class: None };
        let class = Scope { collection: key.collection.clone(), class: key.class.clone() };
        if index.consumed.contains_key(&whole) || index.consumed.contains_key(&class) {
            continue;
        }
        let message = format!(
            "aspect `{}` ({}) is defined, but nothing imports, includes or references it, so it has no effect",
            key.name,
            super::container(key)
        );
        cx.out.push(Diagnostic::new(DiagnosticKind::UnusedAspect, definition.name.range, message));
    }
}
