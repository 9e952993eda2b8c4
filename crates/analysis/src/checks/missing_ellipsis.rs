//! `missing-ellipsis`: a module function whose pattern has no `...` and leaves out an argument
//! every module is given. The module system calls a module with all its arguments, not only
//! those the pattern names (nixpkgs `lib/modules.nix`, `applyModuleArgs`: `f (args // extraArgs)`
//! where `args` holds `lib`, `options`, `config`, `specialArgs` and every special argument), so
//! `{ pkgs }: ...` fails with "called with unexpected argument". A pattern that names `config`,
//! `options` and `lib` may still lack a special argument, but which ones an evaluation passes
//! canopy cannot know: it says nothing there.

use super::cx::Cx;
use super::module_place;
use crate::base::fix::Fix;
use crate::summary::lints::Lint;

pub(super) fn check(cx: &mut Cx) {
    let collections = cx.graph.collections();
    for lint in module_place::certain(collections, &cx.file.summary.lints) {
        let Lint::ClosedPattern { pattern, missing, fix, .. } = lint else { continue };
        let message = format!(
            "this module's arguments have no `...`, but the module system calls every module with all of its \
             arguments (`config`, `options`, `lib` and more), not only those named, so the call fails \
             (\"called with unexpected argument\"; this pattern leaves out `{missing}`); add `...`"
        );
        let fix = Fix::edit("Add `...` to the arguments", cx.file_id, vec![fix.clone()]);
        cx.report(*pattern, message).fix(fix.preferred(true).safe(true));
    }
}

#[cfg(test)]
mod tests {
    use expect_test::{Expect, expect};

    use crate::base::diagnostics::DiagnosticKind;
    use crate::checks::test_support;

    fn check(fixture: &str, expect: Expect) {
        test_support::check(DiagnosticKind::MissingEllipsis, fixture, expect);
    }

    #[track_caller]
    fn check_silent(fixture: &str) {
        test_support::check_silent(DiagnosticKind::MissingEllipsis, fixture);
    }

    // ---- where it fires ------------------------------------------------------------------------

    #[test]
    fn a_stored_lower_level_module() {
        check(
            r#"
#- /modules/tools.nix
{
  flake.modules.nixos.tools = { pkgs }: { environment.systemPackages = [ pkgs.git ]; };
  flake.nixosModules.editor = { config, pkgs, lib }: { };
  flake.modules.nixos.empty = { }: { services.x = { enable = true; }; };
}
"#,
            expect![[r#"
                modules/tools.nix:2:31 error[missing-ellipsis] "{ pkgs }": this module's arguments have no `...`, but the module system calls every module with all of its arguments (`config`, `options`, `lib` and more), not only those named, so the call fails ("called with unexpected argument"; this pattern leaves out `config`); add `...`
                modules/tools.nix:3:31 error[missing-ellipsis] "{ config, pkgs, lib }": this module's arguments have no `...`, but the module system calls every module with all of its arguments (`config`, `options`, `lib` and more), not only those named, so the call fails ("called with unexpected argument"; this pattern leaves out `options`); add `...`
                modules/tools.nix:4:31 error[missing-ellipsis] "{ }": this module's arguments have no `...`, but the module system calls every module with all of its arguments (`config`, `options`, `lib` and more), not only those named, so the call fails ("called with unexpected argument"; this pattern leaves out `config`); add `...`"#]],
        );
    }

    #[test]
    fn top_level_modules_and_what_they_import() {
        check(
            r#"
#- /modules/a.nix
{ inputs }: { imports = [ ({ lib }: { }) ]; }
#- /modules/b.nix
args@{ }: { perSystem = { pkgs, config }: { }; }
"#,
            expect![[r#"
                modules/a.nix:1:1 error[missing-ellipsis] "{ inputs }": this module's arguments have no `...`, but the module system calls every module with all of its arguments (`config`, `options`, `lib` and more), not only those named, so the call fails ("called with unexpected argument"; this pattern leaves out `config`); add `...`
                modules/a.nix:1:28 error[missing-ellipsis] "{ lib }": this module's arguments have no `...`, but the module system calls every module with all of its arguments (`config`, `options`, `lib` and more), not only those named, so the call fails ("called with unexpected argument"; this pattern leaves out `config`); add `...`
                modules/b.nix:1:1 error[missing-ellipsis] "args@{ }": this module's arguments have no `...`, but the module system calls every module with all of its arguments (`config`, `options`, `lib` and more), not only those named, so the call fails ("called with unexpected argument"; this pattern leaves out `config`); add `...`
                modules/b.nix:1:25 error[missing-ellipsis] "{ pkgs, config }": this module's arguments have no `...`, but the module system calls every module with all of its arguments (`config`, `options`, `lib` and more), not only those named, so the call fails ("called with unexpected argument"; this pattern leaves out `options`); add `...`"#]],
        );
    }

    #[test]
    fn nested_evaluations_and_builders() {
        check(
            r#"
#- /modules/hosts.nix
{ inputs, ... }: {
  flake.modules.nixos.bob = {
    home-manager.users.bob = { pkgs }: { };
    home-manager.sharedModules = [ ({ osConfig }: { }) ];
    imports = [ ({ modulesPath }: { }) ];
  };
  flake.nixosConfigurations.pc = inputs.nixpkgs.lib.nixosSystem {
    modules = [ ({ pkgs }: { }) { imports = [ ({ lib }: { }) ]; } ];
  };
}
"#,
            expect![[r#"
                modules/hosts.nix:3:30 error[missing-ellipsis] "{ pkgs }": this module's arguments have no `...`, but the module system calls every module with all of its arguments (`config`, `options`, `lib` and more), not only those named, so the call fails ("called with unexpected argument"; this pattern leaves out `config`); add `...`
                modules/hosts.nix:4:37 error[missing-ellipsis] "{ osConfig }": this module's arguments have no `...`, but the module system calls every module with all of its arguments (`config`, `options`, `lib` and more), not only those named, so the call fails ("called with unexpected argument"; this pattern leaves out `config`); add `...`
                modules/hosts.nix:5:18 error[missing-ellipsis] "{ modulesPath }": this module's arguments have no `...`, but the module system calls every module with all of its arguments (`config`, `options`, `lib` and more), not only those named, so the call fails ("called with unexpected argument"; this pattern leaves out `config`); add `...`
                modules/hosts.nix:8:18 error[missing-ellipsis] "{ pkgs }": this module's arguments have no `...`, but the module system calls every module with all of its arguments (`config`, `options`, `lib` and more), not only those named, so the call fails ("called with unexpected argument"; this pattern leaves out `config`); add `...`
                modules/hosts.nix:8:48 error[missing-ellipsis] "{ lib }": this module's arguments have no `...`, but the module system calls every module with all of its arguments (`config`, `options`, `lib` and more), not only those named, so the call fails ("called with unexpected argument"; this pattern leaves out `config`); add `...`"#]],
        );
    }

    #[test]
    fn a_custom_deferred_module_collection() {
        check(
            r#"
#- /modules/options.nix
{ lib, ... }: { options.nixos.modules = lib.mkOption { type = lib.types.lazyAttrsOf lib.types.deferredModule; }; }
#- /modules/ssh.nix
{ nixos.modules.ssh = { pkgs }: { }; }
"#,
            expect![[r#"
                modules/ssh.nix:1:23 error[missing-ellipsis] "{ pkgs }": this module's arguments have no `...`, but the module system calls every module with all of its arguments (`config`, `options`, `lib` and more), not only those named, so the call fails ("called with unexpected argument"; this pattern leaves out `config`); add `...`"#]],
        );
    }

    // ---- near misses: Nix evaluates these ------------------------------------------------------

    #[test]
    fn patterns_with_an_ellipsis_or_none() {
        check_silent(
            r#"
#- /modules/tools.nix
{ config, lib, ... }: {
  flake.modules.nixos.tools = { pkgs, ... }: { };
  flake.modules.nixos.args = args: { };
  flake.modules.nixos.all = { config, options, lib, ... }@args: { };
  perSystem = { ... }: { };
}
"#,
        );
    }

    /// Functions that are no modules: a helper, a den aspect (called with `{ host, user }`), an
    /// aspect-first class, flake-aspects' fixpoint, a lambda given to a function.
    #[test]
    fn functions_in_other_places() {
        check_silent(
            r#"
#- /modules/helpers.nix
{ lib, ... }: {
  flake.lib.mkHost = { name, system }: { };
  den.aspects.bob = { host, user }: { };
  den.aspects.eve.nixos = { pkgs }: { };
  flake.aspects = { aspects }: { };
  flake.modules.nixos = lib.mapAttrs (name: { pkgs }: { }) { a = 1; };
  flake.modules.nixos.x = lib.mkIf true { hm.imports = [ ({ pkgs }: { }) ]; };
}
"#,
        );
    }

    // ---- beyond what canopy can be sure of -------------------------------------------------------

    /// flake-parts also passes `flake-parts-lib`, `moduleLocation` and more, so this fails; but
    /// which special arguments an evaluation passes canopy cannot know in general.
    #[test]
    fn a_pattern_naming_the_arguments_always_passed() {
        check_silent(
            r#"
#- /modules/a.nix
{ config, options, lib, inputs, self }: { }
"#,
        );
    }
}
