//! `undefined-aspect`: a static reference to an aspect nobody defines.

use rustc_hash::FxHashSet;

use super::Cx;
use crate::diagnostics::{Diagnostic, DiagnosticKind, Severity, near_names};
use crate::resolve::{Scope, Target};
use crate::workspace::AspectKey;

pub(super) fn check(cx: &mut Cx) {
    let mut seen = FxHashSet::default();
    for r in &cx.data.resolved.refs {
        let Target::Aspect { key, name, .. } = &r.target else { continue };
        if !r.certain || cx.ws.is_defined(key) || !seen.insert(name.range) {
            continue;
        }
        let scope = Scope { collection: key.collection.clone(), class: key.class.clone() };
        let mut message = format!("aspect `{}` is not defined in `{}`", key.name, scope_name(&scope));
        let defined: Vec<AspectKey> = cx
            .ws
            .aspect_keys()
            .into_iter()
            .filter(|k| k.collection == key.collection && k.class == key.class && cx.ws.is_defined(k))
            .collect();
        let near = near_names(&key.name, defined.iter().map(|k| k.name.as_str()));
        if let Some(best) = near.first() {
            message.push_str(&format!("; did you mean `{best}`?"));
        }
        let mut elsewhere: Vec<String> = cx
            .ws
            .index
            .names
            .get(&(key.collection.clone(), key.name.clone()))
            .into_iter()
            .flatten()
            .filter(|class| **class != key.class)
            .filter_map(|class| {
                let other = AspectKey { class: class.clone(), ..key.clone() };
                cx.ws.is_defined(&other).then(|| class.clone().unwrap_or_default().to_string())
            })
            .collect();
        elsewhere.sort();
        if !elsewhere.is_empty() {
            message.push_str(&format!(" (`{}` is defined for {})", key.name, elsewhere.join(", ")));
        }
        let mut severity = Severity::Error;
        if cx.ws.is_opaque(&scope) {
            severity = Severity::Warning;
            message
                .push_str(&format!("; some of `{}` is built at evaluation time, so it may exist", scope_name(&scope)));
        }
        cx.out.push(Diagnostic::new(DiagnosticKind::UndefinedAspect, name.range, message).with_severity(severity));
        cx.undefined_in.push(scope);
    }
}

pub(super) fn scope_name(scope: &Scope) -> String {
    match &scope.class {
        Some(class) => format!("{}.{}", scope.collection, crate::syntax::render_attr_name(class)),
        None => scope.collection.to_string(),
    }
}
