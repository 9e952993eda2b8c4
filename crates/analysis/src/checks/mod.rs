//! Diagnostics that need the whole workspace. One module per kind; each reads the workspace and
//! one file, and pushes what it finds.
//!
//! The parse-time kinds (`syntax-error`, `undefined-variable`, `duplicate-attribute`) need only
//! the file and live in `parse_checks`.

mod ignored_file;
mod not_a_flake_module;
mod shadowed_config;
mod toplevel_pkgs;
mod undefined_aspect;
mod unknown_class;
mod unused_aspect;
mod wrong_class_import;

use crate::diagnostics::Diagnostic;
use crate::resolve::Scope;
use crate::workspace::{FileData, FileId, FileRole, Workspace};

/// What a check sees.
pub(crate) struct Cx<'a> {
    pub(crate) ws: &'a Workspace,
    pub(crate) data: &'a FileData,
    pub(crate) out: Vec<Diagnostic>,
    /// Scopes in which the file has undefined references (recorded for invalidation).
    pub(crate) undefined_in: Vec<Scope>,
}

/// Every cross-file diagnostic of `file`, and the scopes where it has undefined references.
pub(crate) fn check(ws: &Workspace, file: FileId) -> (Vec<Diagnostic>, Vec<Scope>) {
    let data = ws.data(file);
    let mut cx = Cx { ws, data, out: Vec::new(), undefined_in: Vec::new() };
    match data.role {
        FileRole::TopLevel => {
            undefined_aspect::check(&mut cx);
            unknown_class::check(&mut cx);
            wrong_class_import::check(&mut cx);
            shadowed_config::check(&mut cx);
            toplevel_pkgs::check(&mut cx);
            not_a_flake_module::check(&mut cx);
            unused_aspect::check(&mut cx);
        }
        FileRole::Flake => {
            undefined_aspect::check(&mut cx);
            unknown_class::check(&mut cx);
            wrong_class_import::check(&mut cx);
            shadowed_config::check(&mut cx);
            unused_aspect::check(&mut cx);
        }
        FileRole::Ignored => ignored_file::check(&mut cx),
        FileRole::Outside => {}
    }
    cx.undefined_in.sort();
    cx.undefined_in.dedup();
    (cx.out, cx.undefined_in)
}
