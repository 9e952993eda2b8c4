//! `imports-read-config`: a module's `imports` read that module's own `config`. The module system
//! collects every module through `imports` before it can merge a single option (nixpkgs
//! `lib/modules.nix`, `evalModules`: `collectModules` is given the `config` that the merge of the
//! collected modules makes), so `config` there waits on itself: "infinite recursion encountered",
//! with current nixpkgs' hint "you probably reference `config` in `imports`". flake-parts says
//! the same of the flake's own modules (`extras/flakeModules.nix`: "You can not read this option
//! in defining the flake's own `imports`").
//!
//! Only reads the list forces count: the list itself, its elements, conditions that pick them.
//! A module in the list may read `config` in its body, which is evaluated later; the `config` of
//! an enclosing module (the flake's, around a lower-level module) is another evaluation's.

use super::cx::Cx;
use super::module_place;
use crate::summary::lints::Lint;

pub(super) fn check(cx: &mut Cx) {
    let collections = cx.graph.collections();
    for lint in module_place::certain(collections, &cx.file.summary.lints) {
        let Lint::ImportsReadConfig { read, .. } = lint else { continue };
        let written = cx.file.text.get(std::ops::Range::<usize>::from(*read)).unwrap_or("config");
        // `config.flake...` in a lower-level module: the flake's was meant (`shadowed-config`).
        let fix = if cx.file.resolved.shadowed.iter().any(|s| s.range.start() == read.start()) {
            "read the flake's value from the flake's `config`, bound in a `let` outside the module"
        } else {
            "import unconditionally and guard the imported module's settings with `lib.mkIf`, or decide with a \
             value that is no option (a `specialArgs` entry, a `let` outside the module)"
        };
        let message = format!(
            "`imports` reads this module's own `config` (`{written}`), but the module system resolves every \
             module's `imports` before `config` exists, so evaluation fails with \"infinite recursion \
             encountered\"; {fix}"
        );
        cx.report(*read, message);
    }
}

#[cfg(test)]
mod tests {
    use expect_test::{Expect, expect};

    use crate::base::diagnostics::DiagnosticKind;
    use crate::checks::test_support;

    fn check(fixture: &str, expect: Expect) {
        test_support::check(DiagnosticKind::ImportsReadConfig, fixture, expect);
    }

    #[track_caller]
    fn check_silent(fixture: &str) {
        test_support::check_silent(DiagnosticKind::ImportsReadConfig, fixture);
    }

    // ---- where it fires ------------------------------------------------------------------------

    #[test]
    fn a_lower_level_module_imports_by_its_own_config() {
        check(
            r#"
#- /modules/x.nix
{
  flake.modules.nixos.x = { config, lib, ... }: {
    imports = lib.optional config.services.x.enable ./_x.nix;
  };
  flake.modules.nixos.y = { config, lib, ... }: {
    imports = [ ./_a.nix ] ++ (if config.y.big then [ ./_b.nix ] else [ ]);
  };
}
"#,
            expect![[r#"
                modules/x.nix:3:28 error[imports-read-config] "config.services.x.enable": `imports` reads this module's own `config` (`config.services.x.enable`), but the module system resolves every module's `imports` before `config` exists, so evaluation fails with "infinite recursion encountered"; import unconditionally and guard the imported module's settings with `lib.mkIf`, or decide with a value that is no option (a `specialArgs` entry, a `let` outside the module)
                modules/x.nix:6:35 error[imports-read-config] "config.y.big": `imports` reads this module's own `config` (`config.y.big`), but the module system resolves every module's `imports` before `config` exists, so evaluation fails with "infinite recursion encountered"; import unconditionally and guard the imported module's settings with `lib.mkIf`, or decide with a value that is no option (a `specialArgs` entry, a `let` outside the module)"#]],
        );
    }

    /// The flake's own modules cannot import what the flake's `config` holds.
    #[test]
    fn a_top_level_module_imports_from_the_flake_config() {
        check(
            r#"
#- /modules/outputs.nix
{ config, ... }: {
  imports = [ config.flake.flakeModules.default ];
  flake.flakeModules.default = { };
}
#- /modules/more.nix
{ config, lib, ... }: {
  imports = [ { imports = map (m: m) (lib.attrValues config.flake.modules.flake); } ];
}
"#,
            expect![[r#"
                modules/more.nix:2:54 error[imports-read-config] "config.flake.modules.flake": `imports` reads this module's own `config` (`config.flake.modules.flake`), but the module system resolves every module's `imports` before `config` exists, so evaluation fails with "infinite recursion encountered"; import unconditionally and guard the imported module's settings with `lib.mkIf`, or decide with a value that is no option (a `specialArgs` entry, a `let` outside the module)
                modules/outputs.nix:2:15 error[imports-read-config] "config.flake.flakeModules.default": `imports` reads this module's own `config` (`config.flake.flakeModules.default`), but the module system resolves every module's `imports` before `config` exists, so evaluation fails with "infinite recursion encountered"; import unconditionally and guard the imported module's settings with `lib.mkIf`, or decide with a value that is no option (a `specialArgs` entry, a `let` outside the module)"#]],
        );
    }

    // ---- near misses: Nix evaluates these ------------------------------------------------------

    /// The dendritic pattern's own move: a lower-level module's `imports` read the flake's
    /// `config`, which is evaluated apart from the NixOS configuration.
    #[test]
    fn imports_reading_the_outer_flake_config() {
        check_silent(
            r#"
#- /modules/pc.nix
{ config, ... }: {
  flake.modules.nixos.pc = {
    imports = [ config.flake.modules.nixos.base ];
  };
  flake.modules.nixos.laptop = { pkgs, ... }: {
    imports = with config.flake.modules.nixos; [ base pc ];
  };
  flake.modules.nixos.base = { };
}
"#,
        );
    }

    /// `config` read where the module system evaluates it later: in an imported module's body, in
    /// a function it is handed to, inside `lib.mkIf` (a definition, not a condition of import).
    #[test]
    fn config_read_lazily() {
        check_silent(
            r#"
#- /modules/x.nix
{
  flake.modules.nixos.x = { config, lib, ... }: {
    imports = [
      ({ ... }: { networking.hostName = config.x.name; })
      { services.y.enable = config.x.enable; }
      (import ./_z.nix { inherit config; })
      (lib.mkIf config.x.enable { })
    ];
  };
  flake.modules.nixos.shadow = { config, ... }: {
    imports = [ ({ config, ... }: { }) ] ++ (let config = { a = [ ]; }; in config.a);
  };
  flake.modules.nixos.named = { config, lib, ... }: {
    hm.imports = lib.optional config.x.enable ./_hm.nix;
  };
}
"#,
        );
    }

    #[test]
    fn a_function_that_is_no_module() {
        check_silent(
            r#"
#- /modules/lib.nix
{
  flake.lib.mkHost = { config, lib, ... }: { imports = lib.optional config.x ./_x.nix; };
}
"#,
        );
    }
}
