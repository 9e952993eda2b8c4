//! `toplevel-pkgs`: a top-level module asks for an argument that exists only inside `perSystem`.

use super::Cx;
use crate::diagnostics::{Diagnostic, DiagnosticKind};

const PER_SYSTEM_ONLY: &[&str] = &["pkgs", "system", "self'", "inputs'"];

pub(super) fn check(cx: &mut Cx) {
    let Some(module) = &cx.data.summary.module else { return };
    for arg in &module.args {
        if !PER_SYSTEM_ONLY.contains(&arg.name.as_str()) || cx.ws.index.provided_args.contains_key(&arg.name) {
            continue;
        }
        let message = format!(
            "`{0}` is not an argument of top-level (flake-parts) modules: it exists only inside `perSystem`, \
             so evaluation fails with \"attribute '{0}' missing\"; take it in `perSystem = {{ {0}, ... }}: ...` \
             or in the lower-level module that needs it",
            arg.name
        );
        cx.out.push(Diagnostic::new(DiagnosticKind::ToplevelPkgs, arg.range, message));
    }
}
