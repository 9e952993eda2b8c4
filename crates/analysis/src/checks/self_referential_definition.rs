//! `self-referential-definition`: a module defines a path with a value that, as soon as it is
//! evaluated, needs that module's own `config` at exactly that path. The option's value is the
//! merge of all its definitions, and merging evaluates each one (nixpkgs `lib/modules.nix`,
//! `mergeDefinitions`: `dischargeProperties` forces every definition, and a `mkIf`'s condition,
//! to see what it is), so the definition waits on itself: "infinite recursion encountered".
//!
//! What canopy is sure of: the `config` is the module function's own argument (not one bound by
//! an enclosing module or a `let`), the path read is the path defined once `config = { ... }`
//! sections and dotted keys are folded, the read is forced as the definition is (its value, or
//! given to a function of nixpkgs' `lib` that reads its argument), and the definition is not
//! under a condition or a priority wrapper (`mkIf`, `if`, `mkDefault`), where it may never be
//! evaluated. A longer path (`config.systemd.services.foo.enable` in a definition of
//! `systemd.services`) may well be fine.

use super::cx::Cx;
use super::module_place;
use crate::summary::lints::Lint;

pub(super) fn check(cx: &mut Cx) {
    let collections = cx.graph.collections();
    for lint in module_place::certain(collections, &cx.file.summary.lints) {
        let Lint::SelfReference { module, definition, read } = lint else { continue };
        if !module_place::defined_in(collections, module, definition) {
            continue;
        }
        let path = definition.iter().map(|n| crate::syntax::render_attr_name(n)).collect::<Vec<_>>().join(".");
        let message = format!(
            "`{path}` is defined from `config.{path}`, its own value: to know `config.{path}`, Nix must evaluate this \
             definition, which needs `config.{path}` first, so evaluation fails with \"infinite recursion \
             encountered\"; define only what this module adds (definitions of one option merge), or compute it \
             from another option"
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
        test_support::check(DiagnosticKind::SelfReferentialDefinition, fixture, expect);
    }

    #[track_caller]
    fn check_silent(fixture: &str) {
        test_support::check_silent(DiagnosticKind::SelfReferentialDefinition, fixture);
    }

    // ---- where it fires ------------------------------------------------------------------------

    #[test]
    fn mapping_an_option_over_itself() {
        check(
            r#"
#- /modules/hardening.nix
{
  flake.modules.nixos.hardening = { config, lib, ... }: {
    systemd.services = lib.mapAttrs (n: s: { serviceConfig.PrivateTmp = true; }) config.systemd.services;
  };
}
"#,
            expect![[
                r#"modules/hardening.nix:3:82 error[self-referential-definition] "config.systemd.services": `systemd.services` is defined from `config.systemd.services`, its own value: to know `config.systemd.services`, Nix must evaluate this definition, which needs `config.systemd.services` first, so evaluation fails with "infinite recursion encountered"; define only what this module adds (definitions of one option merge), or compute it from another option"#
            ]],
        );
    }

    /// The same path, written nested, dotted, or in a `config` section.
    #[test]
    fn folded_paths() {
        check(
            r#"
#- /modules/a.nix
{
  flake.modules.nixos.a = { config, lib, ... }: {
    options.x = lib.mkOption { };
    config = {
      environment = { systemPackages = config.environment.systemPackages ++ [ ]; };
      users.users = config.users.users // { };
    };
  };
  flake.modules.homeManager.b = { config, lib, ... }: with lib; {
    home.packages = filter (p: p != null) config.home.packages;
  };
}
"#,
            expect![[r#"
                modules/a.nix:5:40 error[self-referential-definition] "config.environment.systemPackages": `environment.systemPackages` is defined from `config.environment.systemPackages`, its own value: to know `config.environment.systemPackages`, Nix must evaluate this definition, which needs `config.environment.systemPackages` first, so evaluation fails with "infinite recursion encountered"; define only what this module adds (definitions of one option merge), or compute it from another option
                modules/a.nix:6:21 error[self-referential-definition] "config.users.users": `users.users` is defined from `config.users.users`, its own value: to know `config.users.users`, Nix must evaluate this definition, which needs `config.users.users` first, so evaluation fails with "infinite recursion encountered"; define only what this module adds (definitions of one option merge), or compute it from another option
                modules/a.nix:10:43 error[self-referential-definition] "config.home.packages": `home.packages` is defined from `config.home.packages`, its own value: to know `config.home.packages`, Nix must evaluate this definition, which needs `config.home.packages` first, so evaluation fails with "infinite recursion encountered"; define only what this module adds (definitions of one option merge), or compute it from another option"#]],
        );
    }

    /// `mkIf c { ... }` makes `c` part of each definition inside: `c` reading one of them waits
    /// on it.
    #[test]
    fn a_condition_that_reads_what_it_guards() {
        check(
            r#"
#- /modules/x.nix
{
  flake.modules.nixos.x = { config, lib, ... }: {
    config = lib.mkIf config.services.x.enable {
      services.x = { enable = true; };
    };
  };
  perSystem = { config, lib, ... }: {
    packages = lib.optionalAttrs (!config.packages.ready) { ready = true; };
  };
}
"#,
            expect![[r#"
                modules/x.nix:3:23 error[self-referential-definition] "config.services.x.enable": `services.x.enable` is defined from `config.services.x.enable`, its own value: to know `config.services.x.enable`, Nix must evaluate this definition, which needs `config.services.x.enable` first, so evaluation fails with "infinite recursion encountered"; define only what this module adds (definitions of one option merge), or compute it from another option
                modules/x.nix:8:36 error[self-referential-definition] "config.packages.ready": `packages.ready` is defined from `config.packages.ready`, its own value: to know `config.packages.ready`, Nix must evaluate this definition, which needs `config.packages.ready` first, so evaluation fails with "infinite recursion encountered"; define only what this module adds (definitions of one option merge), or compute it from another option"#]],
        );
    }

    #[test]
    fn a_top_level_module() {
        check(
            r#"
#- /modules/outputs.nix
{ config, lib, ... }: {
  flake.nixosModules = lib.mapAttrs (name: m: m) config.flake.nixosModules;
}
"#,
            expect![[r#"
                modules/outputs.nix:2:50 error[self-referential-definition] "config.flake.nixosModules": `flake.nixosModules` is defined from `config.flake.nixosModules`, its own value: to know `config.flake.nixosModules`, Nix must evaluate this definition, which needs `config.flake.nixosModules` first, so evaluation fails with "infinite recursion encountered"; define only what this module adds (definitions of one option merge), or compute it from another option"#]],
        );
    }

    // ---- near misses: Nix evaluates these ------------------------------------------------------

    #[test]
    fn reading_a_longer_or_another_path() {
        check_silent(
            r#"
#- /modules/x.nix
{
  flake.modules.nixos.x = { config, lib, ... }: {
    systemd.services = { bar.enable = config.systemd.services.foo.enable; };
    systemd.timers = lib.mapAttrs (n: s: { }) config.systemd.services;
    networking.hostName = config.networking.fqdn;
  };
}
"#,
        );
    }

    /// Read lazily: inside an attrset, a list element or a function body, only when asked.
    #[test]
    fn reads_that_wait() {
        check_silent(
            r#"
#- /modules/x.nix
{
  flake.modules.nixos.x = { config, lib, ... }: {
    services.x = { settings.peer = config.services.x; };
    environment.etc = lib.mapAttrs' (n: v: lib.nameValuePair n { text = config.environment.etc; }) { };
    nixpkgs.overlays = [ (final: prev: { inherit (config.nixpkgs) overlays; }) ];
  };
}
"#,
        );
    }

    /// The flake's `config` read by a lower-level module that takes none of its own, NixOS's
    /// read by a home-manager module, a function that is no module.
    #[test]
    fn a_config_that_is_not_the_modules_own() {
        check_silent(
            r#"
#- /modules/x.nix
{ config, lib, ... }: {
  options.hosts = lib.mkOption { type = lib.types.attrsOf lib.types.anything; };
  flake.modules.nixos.y = { pkgs, ... }: {
    hosts = lib.mapAttrs (n: h: h) config.hosts;
  };
  flake.modules.nixos.z = { config, ... }: {
    home-manager.users.bob = { ... }: { home.username = config.home.username; };
  };
  flake.lib.mk = { config, ... }: { a = config.a ++ [ ]; };
}
"#,
        );
    }

    // ---- beyond what canopy can be sure of -------------------------------------------------------

    /// Each of these fails in some workspaces and evaluates in others, so canopy says nothing:
    /// a definition under a condition is evaluated only if the condition holds; one under
    /// `mkDefault` only if no definition of higher priority exists; a condition that compares
    /// the value (`!=`) or asks for a name (`?`) waits on the definition only if the path is an
    /// option, and not if it is a set of options, which gives its names without evaluating any
    /// definition. A function canopy does not know may never read its argument.
    #[test]
    fn definitions_that_may_not_be_evaluated() {
        check_silent(
            r#"
#- /modules/x.nix
{
  flake.modules.nixos.x = { config, lib, ... }: {
    a = lib.mkIf config.services.a.enable (lib.mapAttrs (n: v: v) config.a);
    b = lib.mkDefault (config.b ++ [ ]);
    c = if config.services.c.enable then config.c else { };
    d = lib.mkIf (config.d != { }) { z = 1; };
    e = lib.optionalAttrs (config ? e) { z = 1; };
    users.users = lib.myLib.transform config.users.users;
  };
}
"#,
        );
    }
}
