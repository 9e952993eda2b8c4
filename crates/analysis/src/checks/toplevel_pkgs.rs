//! `toplevel-pkgs`: a top-level module asks for an argument that exists only inside `perSystem`.

use rnix::SyntaxKind::*;

use super::cx::Cx;
use super::edits;
use crate::base::diagnostics::Severity;
use crate::base::fix::Fix;
use crate::base::text::TextRange;
use crate::dendritic::flake_parts::PER_SYSTEM_ONLY;
use crate::summary::ModuleArg;
use crate::syntax::names::{BindingId, NameTable, Resolution};
use crate::syntax::{SyntaxNode, first_child, nth_expr, unparen};

pub(super) fn check(cx: &mut Cx) {
    let Some(module) = &cx.file.summary.module else { return };
    // A plain NixOS module asks for `pkgs` rightly; only the misplaced file is the mistake.
    if super::not_a_flake_module::looks_lower_level(cx) {
        return;
    }
    let mut tree = None;
    for arg in &module.args {
        if !PER_SYSTEM_ONLY.contains(&arg.name.as_str()) || cx.graph.is_arg_provided(&arg.name) {
            continue;
        }
        let root = tree.get_or_insert_with(|| crate::syntax::parse(&cx.file.text).root()).clone();
        // The module system looks an argument up only when it is read: one asked for and never
        // read breaks nothing yet, but is a trap for the next edit.
        if arg.used {
            let message = format!(
                "`{0}` is not an argument of top-level (flake-parts) modules: it exists only inside `perSystem`, \
                 so evaluation fails with \"attribute '{0}' missing\"; take it in `perSystem = {{ {0}, ... }}: ...` \
                 or in the lower-level module that needs it",
                arg.name
            );
            let fix = move_fix(cx, &root, arg);
            cx.report(arg.range, message).add_fixes(fix);
        } else {
            let message = format!(
                "`{0}` is not an argument of top-level (flake-parts) modules: it exists only inside `perSystem`; \
                 unused here, so harmless, but reading it would fail with \"attribute '{0}' missing\": remove it",
                arg.name
            );
            let edit = edits::top_expr(&root).and_then(|top| edits::remove_from_pattern(&top, &arg.name));
            let title = format!("Remove `{}` from the arguments", arg.name);
            let fix = edit.map(|edit| Fix::edit(title, cx.file_id, vec![edit]).preferred(true).safe(true));
            cx.report_as(Severity::Hint, arg.range, message).add_fixes(fix);
        }
    }
}

/// Takes the argument in each module that reads it instead, the lower-level modules (aspects'
/// values) and `perSystem`, and drops it from the top-level pattern. `None` unless every read
/// lies in such a module.
fn move_fix(cx: &Cx, root: &SyntaxNode, arg: &ModuleArg) -> Option<Fix> {
    let top = edits::top_expr(root)?;
    let names = NameTable::build(root);
    let binding = u32::try_from(names.bindings.iter().position(|b| b.range == arg.range)?).ok()?;
    let reads = names.uses.iter().filter(|u| u.resolution == Resolution::Local(BindingId(binding)));
    let summary = &cx.file.summary;
    let bindings: Vec<TextRange> = (cx.file.resolved.definitions.iter())
        .filter_map(|d| summary.nodes.get(d.node.0 as usize))
        .map(|node| node.binding)
        .collect();
    let holds_module =
        |n: &SyntaxNode| n.kind() == NODE_ATTRPATH_VALUE && (bindings.contains(&n.text_range()) || is_per_system(n));
    // For each read, the innermost binding that holds a module.
    let mut modules: Vec<SyntaxNode> = Vec::new();
    for read in reads {
        let binding = edits::covering(root, read.range)?.ancestors().find(holds_module)?;
        let module = nth_expr(&binding, 0).map(unparen)?;
        if !modules.contains(&module) {
            modules.push(module);
        }
    }
    if modules.is_empty() {
        return None;
    }
    let mut changes = vec![edits::remove_from_pattern(&top, &arg.name)?];
    for module in &modules {
        match edits::pattern_names(module) {
            Some((taken, _)) if taken.iter().any(|n| n == arg.name.as_str()) => {}
            Some(_) => changes.push(edits::add_to_pattern(module, &arg.name)?),
            None if module.kind() == NODE_ATTR_SET => {
                changes.push(edits::insert(module.text_range().start(), format!("{{ {}, ... }}: ", arg.name)));
            }
            None => return None,
        }
    }
    let title = format!("Take `{}` in the modules that read it, not at top level", arg.name);
    Some(Fix::edit(title, cx.file_id, changes).preferred(true).safe(true))
}

/// `perSystem = ...;`
fn is_per_system(binding: &SyntaxNode) -> bool {
    first_child(binding, NODE_ATTRPATH).is_some_and(|path| path.text() == "perSystem")
}

#[cfg(test)]
mod tests {
    use expect_test::{Expect, expect};

    use crate::base::diagnostics::DiagnosticKind;
    use crate::checks::test_support;

    fn check(fixture: &str, expect: Expect) {
        test_support::check(DiagnosticKind::ToplevelPkgs, fixture, expect);
    }

    #[track_caller]
    fn check_silent(fixture: &str) {
        test_support::check_silent(DiagnosticKind::ToplevelPkgs, fixture);
    }

    // ---- where it fires ------------------------------------------------------------------------

    #[test]
    fn pkgs_in_a_top_level_module() {
        check(
            r#"
#- /modules/tools.nix
{ pkgs, ... }: {
  flake.modules.nixos.tools.environment.systemPackages = [ pkgs.git ];
}
"#,
            expect![[
                r#"modules/tools.nix:1:3 warning[toplevel-pkgs] "pkgs": `pkgs` is not an argument of top-level (flake-parts) modules: it exists only inside `perSystem`, so evaluation fails with "attribute 'pkgs' missing"; take it in `perSystem = { pkgs, ... }: ...` or in the lower-level module that needs it"#
            ]],
        );
    }

    #[test]
    fn every_per_system_argument() {
        check(
            r#"
#- /modules/tools.nix
{ system, self', inputs', lib, ... }: {
  flake.modules.nixos.tools.environment.systemPackages = [ self'.packages.a inputs'.b.packages.c ];
  flake.hostPlatform = system;
}
"#,
            expect![[r#"
                modules/tools.nix:1:3 warning[toplevel-pkgs] "system": `system` is not an argument of top-level (flake-parts) modules: it exists only inside `perSystem`, so evaluation fails with "attribute 'system' missing"; take it in `perSystem = { system, ... }: ...` or in the lower-level module that needs it
                modules/tools.nix:1:11 warning[toplevel-pkgs] "self'": `self'` is not an argument of top-level (flake-parts) modules: it exists only inside `perSystem`, so evaluation fails with "attribute 'self'' missing"; take it in `perSystem = { self', ... }: ...` or in the lower-level module that needs it
                modules/tools.nix:1:18 warning[toplevel-pkgs] "inputs'": `inputs'` is not an argument of top-level (flake-parts) modules: it exists only inside `perSystem`, so evaluation fails with "attribute 'inputs'' missing"; take it in `perSystem = { inputs', ... }: ...` or in the lower-level module that needs it"#]],
        );
    }

    #[test]
    fn a_default_does_not_help() {
        check(
            r#"
#- /modules/tools.nix
{ pkgs ? null, ... }: {
  flake.modules.nixos.tools.environment.systemPackages = [ pkgs.git ];
}
"#,
            expect![[
                r#"modules/tools.nix:1:3 warning[toplevel-pkgs] "pkgs": `pkgs` is not an argument of top-level (flake-parts) modules: it exists only inside `perSystem`, so evaluation fails with "attribute 'pkgs' missing"; take it in `perSystem = { pkgs, ... }: ...` or in the lower-level module that needs it"#
            ]],
        );
    }

    #[test]
    fn pkgs_set_inside_per_system_is_not_top_level() {
        check(
            r#"
#- /modules/nixpkgs.nix
{ inputs, ... }: {
  perSystem = { system, ... }: {
    _module.args.pkgs = import inputs.nixpkgs { inherit system; };
  };
}
#- /modules/tools.nix
{ pkgs, ... }: {
  flake.modules.nixos.tools.environment.systemPackages = [ pkgs.git ];
}
"#,
            expect![[
                r#"modules/tools.nix:1:3 warning[toplevel-pkgs] "pkgs": `pkgs` is not an argument of top-level (flake-parts) modules: it exists only inside `perSystem`, so evaluation fails with "attribute 'pkgs' missing"; take it in `perSystem = { pkgs, ... }: ...` or in the lower-level module that needs it"#
            ]],
        );
    }

    /// The module system looks arguments up lazily: one never read fails nothing, yet.
    #[test]
    fn an_argument_never_read_is_a_hint() {
        check(
            r#"
#- /modules/tools.nix
{ pkgs, lib, ... }: {
  flake.modules.nixos.tools = { lib, ... }: { environment.etc.x.text = lib.version; };
}
"#,
            expect![[
                r#"modules/tools.nix:1:3 hint[toplevel-pkgs] "pkgs": `pkgs` is not an argument of top-level (flake-parts) modules: it exists only inside `perSystem`; unused here, so harmless, but reading it would fail with "attribute 'pkgs' missing": remove it"#
            ]],
        );
    }

    // ---- near misses: Nix evaluates these ------------------------------------------------------

    #[test]
    fn per_system_modules() {
        check_silent(
            r#"
#- /modules/packages.nix
{ withSystem, ... }: {
  perSystem = { pkgs, system, self', inputs', ... }: {
    packages.tool = pkgs.hello;
  };
  flake.packages = withSystem "x86_64-linux" ({ pkgs, ... }: { inherit (pkgs) hello; });
}
"#,
        );
    }

    #[test]
    fn lower_level_modules() {
        check_silent(
            r#"
#- /modules/tools.nix
{
  flake.modules.nixos.tools = { pkgs, ... }: { environment.systemPackages = [ pkgs.git ]; };
  flake.modules.homeManager.tools = { pkgs, system, ... }: { home.packages = [ pkgs.git ]; };
}
"#,
        );
    }

    #[test]
    fn a_file_sets_the_argument_at_top_level() {
        check_silent(
            r#"
#- /modules/nixpkgs.nix
{ inputs, ... }: {
  _module.args.pkgs = import inputs.nixpkgs { system = "x86_64-linux"; };
  _module.args = { system = "x86_64-linux"; };
}
#- /modules/tools.nix
{ pkgs, system, ... }: {
  flake.packages.${system}.tool = pkgs.hello;
}
"#,
        );
    }

    #[test]
    fn flake_nix_sets_the_argument() {
        check_silent(
            r#"
#- /flake.nix
{
  outputs = inputs:
    inputs.flake-parts.lib.mkFlake { inherit inputs; } {
      imports = [ (inputs.import-tree ./modules) ];
      _module.args.pkgs = import inputs.nixpkgs { system = "x86_64-linux"; };
    };
}
#- /modules/tools.nix
{ pkgs, ... }: {
  flake.packages.x86_64-linux.tool = pkgs.hello;
}
"#,
        );
    }

    #[test]
    fn a_plain_nixos_module_is_not_a_flake_module() {
        check_silent(
            r#"
#- /modules/hardware-configuration.nix
{ pkgs, modulesPath, ... }: {
  imports = [ (modulesPath + "/installer/scan/not-detected.nix") ];
  environment.systemPackages = [ pkgs.git ];
}
"#,
        );
    }

    #[test]
    fn files_import_tree_does_not_load() {
        check_silent(
            r#"
#- /packages/tool.nix
{ pkgs, ... }: pkgs.hello
#- /modules/_hardware.nix
{ pkgs, ... }: { environment.systemPackages = [ pkgs.git ]; }
"#,
        );
    }
}
