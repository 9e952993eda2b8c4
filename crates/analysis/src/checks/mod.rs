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

use crate::base::Scope;
use crate::base::diagnostics::Diagnostic;
use crate::base::{AspectKey, FileId, FileRole};
use crate::graph::{FileData, Workspace};

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
            let before = cx.out.len();
            not_a_flake_module::check(&mut cx);
            // A plain NixOS module asks for `pkgs` rightly; only the misplaced file is the mistake.
            if cx.out.len() == before {
                toplevel_pkgs::check(&mut cx);
            }
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

/// Where an aspect is stored, as Nix source: `flake.modules.nixos`, `flake.nixosModules` (whose
/// class the collection's name implies), `den.aspects`.
pub(crate) fn container(key: &AspectKey) -> String {
    match key.class.as_ref().filter(|_| key.class_in_path) {
        Some(class) => format!("{}.{}", key.collection, crate::syntax::render_attr_name(class)),
        None => key.collection.to_string(),
    }
}

/// Fixtures for the checks' tests: a workspace built from one string, and one kind's diagnostics
/// rendered as text.
#[cfg(test)]
pub(crate) mod test_support {
    use std::sync::Arc;

    use expect_test::Expect;

    use crate::base::Change;
    use crate::base::diagnostics::DiagnosticKind;
    use crate::base::text::Encoding;
    use crate::graph::Workspace;

    /// A flake whose top-level modules are the files under `modules/`.
    const FLAKE: &str = "\
#- /flake.nix
{
  outputs = inputs: inputs.flake-parts.lib.mkFlake { inherit inputs; } (inputs.import-tree ./modules);
}
";

    /// A workspace from files written under `#- /path` header lines. Unless the fixture has its
    /// own `flake.nix`, one that calls `import-tree ./modules` is added.
    pub(crate) fn workspace(fixture: &str) -> Workspace {
        let mut fixture = fixture.to_string();
        if !fixture.lines().any(|line| line.trim_end() == "#- /flake.nix") {
            fixture.insert_str(0, FLAKE);
        }
        let mut files: Vec<(String, String)> = Vec::new();
        for line in fixture.split_inclusive('\n') {
            if let Some(path) = line.strip_prefix("#- /") {
                files.push((path.trim().to_string(), String::new()));
            } else if let Some((_, text)) = files.last_mut() {
                text.push_str(line);
            }
        }
        let set = files.into_iter().map(|(path, text)| (path, Arc::from(text))).collect();
        let mut ws = Workspace::new();
        ws.apply(Change { set, remove: Vec::new() });
        ws
    }

    /// Every diagnostic of `kind`, one a line: `path:line:col severity[code] "text": message`
    /// (1-based; the quoted text is what the range covers).
    pub(crate) fn render(ws: &Workspace, kind: DiagnosticKind) -> String {
        let mut out = Vec::new();
        for file in ws.files() {
            let text = ws.text(file);
            for d in ws.diagnostics(file).into_iter().filter(|d| d.kind == kind) {
                let pos = ws.line_index(file).line_col(text, d.range.start(), Encoding::Utf8);
                out.push(format!(
                    "{}:{}:{} {}[{}] {:?}: {}",
                    ws.path(file),
                    pos.line + 1,
                    pos.col + 1,
                    d.severity.as_str(),
                    kind.code(),
                    &text[d.range],
                    d.message
                ));
            }
        }
        out.join("\n")
    }

    /// Checks the diagnostics of `kind` a fixture produces.
    pub(crate) fn check(kind: DiagnosticKind, fixture: &str, expect: Expect) {
        expect.assert_eq(&render(&workspace(fixture), kind));
    }

    /// Checks that a fixture produces no diagnostic of `kind`.
    #[track_caller]
    pub(crate) fn check_silent(kind: DiagnosticKind, fixture: &str) {
        let rendered = render(&workspace(fixture), kind);
        assert!(rendered.is_empty(), "expected no `{}`, got:\n{rendered}", kind.code());
    }
}
