//! `unmergeable-flake-output`: a flake output that no option declares, defined in two or more
//! top-level modules. flake-parts keeps such an output as a `raw` value that may be defined once
//! (`modules/flake.nix`: `lazyAttrsOf (unique { message = ...; } raw)`), so evaluation fails with
//! "No option has been declared for this flake output attribute, so its definitions can't be
//! merged automatically" (dendritic.md §8.2). Each file counts once: Nix merges one module's own
//! attribute set before the module system sees it.

use super::cx::Cx;
use crate::base::diagnostics::Severity;
use crate::dendritic::flake_parts::{ANY_OUTPUT, DECLARED_OUTPUTS, FOREIGN_OUTPUTS};

pub(super) fn check(cx: &mut Cx) {
    for (name, certain) in &cx.file.summary.outputs {
        let output = &name.text;
        if !certain || DECLARED_OUTPUTS.contains(&output.as_str()) || cx.graph.is_output_declared(output) {
            continue;
        }
        let files = cx.graph.output_files(output);
        if files < 2 || cx.graph.is_output_declared(ANY_OUTPUT) {
            continue;
        }
        let storage = match crate::dendritic::classes::class_of_output(output, "Modules") {
            Some(class) => format!(", or store the modules in `flake.modules.{class}`"),
            None => String::new(),
        };
        let message = format!(
            "`flake.{output}` is defined in {files} top-level modules, but no option declares this flake output, so \
             flake-parts cannot merge them (\"No option has been declared for this flake output attribute\"); \
             declare it (`options.flake.{output} = lib.mkOption {{ type = lib.types.lazyAttrsOf lib.types.raw; }};`), \
             or define it in one module{storage}"
        );
        // A flake module of another flake may declare it (home-manager's declares `homeModules`).
        if cx.graph.is_output_declared(FOREIGN_OUTPUTS) || cx.graph.is_output_declared(&format!("?{output}")) {
            let message = format!("{message}; a flake module this flake imports may declare it");
            cx.report_as(Severity::Hint, name.range, message);
        } else {
            cx.report(name.range, message);
        }
    }
}

#[cfg(test)]
mod tests {
    use expect_test::{Expect, expect};

    use crate::base::diagnostics::DiagnosticKind;
    use crate::checks::test_support;

    fn check(fixture: &str, expect: Expect) {
        test_support::check(DiagnosticKind::UnmergeableFlakeOutput, fixture, expect);
    }

    #[track_caller]
    fn check_silent(fixture: &str) {
        test_support::check_silent(DiagnosticKind::UnmergeableFlakeOutput, fixture);
    }

    // ---- where it fires ------------------------------------------------------------------------

    #[test]
    fn an_undeclared_output_in_two_modules() {
        check(
            r#"
#- /modules/base.nix
{ flake.darwinModules.base = { }; }
#- /modules/dev.nix
{ flake = { darwinModules.dev = { }; lib.x = 1; }; }
#- /modules/lib.nix
{ flake.lib.y = 2; }
"#,
            expect![[r#"
                modules/base.nix:1:9 error[unmergeable-flake-output] "darwinModules": `flake.darwinModules` is defined in 2 top-level modules, but no option declares this flake output, so flake-parts cannot merge them ("No option has been declared for this flake output attribute"); declare it (`options.flake.darwinModules = lib.mkOption { type = lib.types.lazyAttrsOf lib.types.raw; };`), or define it in one module, or store the modules in `flake.modules.darwin`
                modules/dev.nix:1:13 error[unmergeable-flake-output] "darwinModules": `flake.darwinModules` is defined in 2 top-level modules, but no option declares this flake output, so flake-parts cannot merge them ("No option has been declared for this flake output attribute"); declare it (`options.flake.darwinModules = lib.mkOption { type = lib.types.lazyAttrsOf lib.types.raw; };`), or define it in one module, or store the modules in `flake.modules.darwin`
                modules/dev.nix:1:38 error[unmergeable-flake-output] "lib": `flake.lib` is defined in 2 top-level modules, but no option declares this flake output, so flake-parts cannot merge them ("No option has been declared for this flake output attribute"); declare it (`options.flake.lib = lib.mkOption { type = lib.types.lazyAttrsOf lib.types.raw; };`), or define it in one module
                modules/lib.nix:1:9 error[unmergeable-flake-output] "lib": `flake.lib` is defined in 2 top-level modules, but no option declares this flake output, so flake-parts cannot merge them ("No option has been declared for this flake output attribute"); declare it (`options.flake.lib = lib.mkOption { type = lib.types.lazyAttrsOf lib.types.raw; };`), or define it in one module"#]],
        );
    }

    #[test]
    fn a_flake_module_of_another_flake_may_declare_it() {
        check(
            r#"
#- /modules/hm.nix
{ inputs, ... }: { imports = [ inputs.home-manager.flakeModules.home-manager ]; flake.homeManagerModules.a = { }; }
#- /modules/b.nix
{ flake.homeManagerModules.b = { }; }
#- /modules/wrappers.nix
{ inputs, ... }: { imports = [ inputs.wrappers.flakeModules.wrappers ]; flake.wrappers.a = { }; }
#- /modules/c.nix
{ flake.wrappers.c = { }; }
"#,
            expect![[r#"
                modules/b.nix:1:9 hint[unmergeable-flake-output] "homeManagerModules": `flake.homeManagerModules` is defined in 2 top-level modules, but no option declares this flake output, so flake-parts cannot merge them ("No option has been declared for this flake output attribute"); declare it (`options.flake.homeManagerModules = lib.mkOption { type = lib.types.lazyAttrsOf lib.types.raw; };`), or define it in one module, or store the modules in `flake.modules.homeManager`; a flake module this flake imports may declare it
                modules/c.nix:1:9 hint[unmergeable-flake-output] "wrappers": `flake.wrappers` is defined in 2 top-level modules, but no option declares this flake output, so flake-parts cannot merge them ("No option has been declared for this flake output attribute"); declare it (`options.flake.wrappers = lib.mkOption { type = lib.types.lazyAttrsOf lib.types.raw; };`), or define it in one module; a flake module this flake imports may declare it
                modules/hm.nix:1:87 hint[unmergeable-flake-output] "homeManagerModules": `flake.homeManagerModules` is defined in 2 top-level modules, but no option declares this flake output, so flake-parts cannot merge them ("No option has been declared for this flake output attribute"); declare it (`options.flake.homeManagerModules = lib.mkOption { type = lib.types.lazyAttrsOf lib.types.raw; };`), or define it in one module, or store the modules in `flake.modules.homeManager`; a flake module this flake imports may declare it
                modules/wrappers.nix:1:79 hint[unmergeable-flake-output] "wrappers": `flake.wrappers` is defined in 2 top-level modules, but no option declares this flake output, so flake-parts cannot merge them ("No option has been declared for this flake output attribute"); declare it (`options.flake.wrappers = lib.mkOption { type = lib.types.lazyAttrsOf lib.types.raw; };`), or define it in one module; a flake module this flake imports may declare it"#]],
        );
    }

    // ---- near misses: Nix evaluates these ------------------------------------------------------

    #[test]
    fn outputs_flake_parts_declares() {
        check_silent(
            r#"
#- /modules/a.nix
{ flake.nixosModules.a = { }; flake.modules.nixos.a = { }; flake.overlays.a = _: _: { }; }
#- /modules/b.nix
{ flake.nixosModules.b = { }; flake.modules.nixos.b = { }; flake.overlays.b = _: _: { }; }
"#,
        );
    }

    #[test]
    fn outputs_home_manager_declares() {
        check_silent(
            r#"
#- /modules/hm.nix
{ inputs, ... }: { imports = [ inputs.home-manager.flakeModules.home-manager ]; flake.homeModules.a = { }; }
#- /modules/b.nix
{ flake.homeModules.b = { }; }
"#,
        );
    }

    #[test]
    fn one_module_defining_it_in_parts() {
        check_silent(
            r#"
#- /modules/a.nix
{ flake.darwinModules.a = { }; flake.darwinModules.b = { }; }
"#,
        );
    }

    #[test]
    fn an_output_the_workspace_declares() {
        check_silent(
            r#"
#- /modules/options.nix
{ lib, ... }: {
  options.flake.darwinModules = lib.mkOption { type = lib.types.lazyAttrsOf lib.types.deferredModule; };
  transposition.wrappers = { };
}
#- /modules/a.nix
{ flake.darwinModules.a = { }; flake.wrappers.a = 1; }
#- /modules/b.nix
{ flake.darwinModules.b = { }; flake.wrappers.b = 2; }
"#,
        );
    }

    #[test]
    fn a_definition_under_a_condition() {
        check_silent(
            r#"
#- /modules/a.nix
{ lib, ... }: { flake.darwinModules = lib.mkIf false { a = { }; }; }
#- /modules/b.nix
{ lib, ... }: lib.mkIf false { flake.darwinModules.b = { }; }
#- /modules/c.nix
{ flake.darwinModules.c = { }; }
#- /modules/d.nix
{ lib, ... }: { flake.templates = lib.optionalAttrs false { d = { }; }; }
#- /modules/e.nix
{ flake.templates.e = { }; }
"#,
        );
    }
}
