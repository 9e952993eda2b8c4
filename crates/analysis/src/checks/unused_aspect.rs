//! `unused-aspect`: an aspect that no reference, include or host reaches does nothing.

use super::cx::Cx;
use crate::base::AspectKey;
use crate::base::Scope;
use crate::dendritic::collections::RowKind;
use crate::graph::view::View;

pub(super) fn check(cx: &mut Cx) {
    // One site can define several keys of one aspect (flake-aspects also writes
    // `flake.modules.<class>.<aspect>`): the site is used when any of them is, and reported once,
    // as the first key, the aspect as written. Grouped in one pass, so that a file of many
    // aspects costs their number, not its square.
    let mut sites: rustc_hash::FxHashMap<_, (usize, bool)> = rustc_hash::FxHashMap::default();
    for (i, definition) in cx.file.resolved.definitions.iter().enumerate() {
        let site = sites.entry(definition.name.range).or_insert((i, false));
        site.1 = site.1 || used(&cx.graph, &definition.key);
    }
    let mut unused: Vec<usize> = sites.into_values().filter(|(_, used)| !used).map(|(first, _)| first).collect();
    unused.sort_unstable();
    for i in unused {
        let definition = &cx.file.resolved.definitions[i];
        let key = &definition.key;
        let message = format!(
            "aspect `{}` ({}) is defined, but nothing imports, includes or references it, so it has no effect",
            key.name,
            super::cx::container(key)
        );
        cx.report(definition.name.range, message);
    }
}

/// Whether something reaches `key`: a reference, a host, or a use of its whole collection; an
/// output is for other flakes. The aspect graph marks by it too.
pub(crate) fn used(graph: &View<'_>, key: &AspectKey) -> bool {
    if graph.is_referenced(key) || graph.is_named_by_host(key) {
        return true;
    }
    // Outputs are for other flakes; collections consumed wholesale use every aspect.
    let segments: Vec<&str> = key.collection.split('.').collect();
    if graph.collections().match_path(&segments).map(|m| m.kind) == Some(RowKind::Outputs) {
        return true;
    }
    let whole = Scope { collection: key.collection.clone(), class: None };
    graph.is_consumed(&whole) || graph.is_consumed(&key.scope())
}

#[cfg(test)]
mod tests {
    use expect_test::{Expect, expect};

    use crate::base::diagnostics::DiagnosticKind;
    use crate::checks::test_support;

    fn check(fixture: &str, expect: Expect) {
        test_support::check(DiagnosticKind::UnusedAspect, fixture, expect);
    }

    #[track_caller]
    fn check_silent(fixture: &str) {
        test_support::check_silent(DiagnosticKind::UnusedAspect, fixture);
    }

    // ---- where it fires ------------------------------------------------------------------------

    #[test]
    fn an_aspect_nothing_reaches_at_every_definition() {
        check(
            r#"
#- /modules/orphan.nix
{ flake.modules.nixos.orphan = { }; }
#- /modules/orphan-too.nix
{ flake.modules.nixos.orphan.imports = [ ]; }
"#,
            expect![[r#"
                modules/orphan-too.nix:1:23 hint[unused-aspect] "orphan": aspect `orphan` (flake.modules.nixos) is defined, but nothing imports, includes or references it, so it has no effect
                modules/orphan.nix:1:23 hint[unused-aspect] "orphan": aspect `orphan` (flake.modules.nixos) is defined, but nothing imports, includes or references it, so it has no effect"#]],
        );
    }

    #[test]
    fn in_every_storage_style() {
        check(
            r#"
#- /modules/namespace.nix
{ inputs, ... }: { imports = [ (inputs.den.namespace "vix" true) ]; }
#- /modules/options.nix
{ lib, ... }: {
  options.nixos.modules = lib.mkOption { type = lib.types.lazyAttrsOf lib.types.deferredModule; };
}
#- /modules/orphans.nix
{
  nixos.modules.custom = { };
  flake.aspects.flake-aspect.nixos = { };
  den.aspects.den-aspect.nixos = { };
  vix.namespaced.nixos = { };
  unify.modules.unified.nixos = { };
  flake.modules.nixos."hosts/gouda" = { };
}
"#,
            expect![[r#"
                modules/orphans.nix:2:17 hint[unused-aspect] "custom": aspect `custom` (nixos.modules) is defined, but nothing imports, includes or references it, so it has no effect
                modules/orphans.nix:3:17 hint[unused-aspect] "flake-aspect": aspect `flake-aspect` (flake.aspects) is defined, but nothing imports, includes or references it, so it has no effect
                modules/orphans.nix:4:15 hint[unused-aspect] "den-aspect": aspect `den-aspect` (den.aspects) is defined, but nothing imports, includes or references it, so it has no effect
                modules/orphans.nix:5:7 hint[unused-aspect] "namespaced": aspect `namespaced` (vix) is defined, but nothing imports, includes or references it, so it has no effect
                modules/orphans.nix:6:17 hint[unused-aspect] "unified": aspect `unified` (unify.modules) is defined, but nothing imports, includes or references it, so it has no effect
                modules/orphans.nix:7:23 hint[unused-aspect] "\"hosts/gouda\"": aspect `hosts/gouda` (flake.modules.nixos) is defined, but nothing imports, includes or references it, so it has no effect"#]],
        );
    }

    #[test]
    fn a_with_namespace_or_an_alias_uses_only_the_names_read() {
        check(
            r#"
#- /modules/aspects.nix
{ flake.modules.nixos = { a = { }; b = { }; c = { }; }; }
#- /modules/pc.nix
{ config, ... }:
let
  m = config.flake.modules.nixos;
in
{
  configurations.nixos.pc.module.imports = with config.flake.modules.nixos; [ a ] ++ [ m.b ];
}
"#,
            expect![[
                r#"modules/aspects.nix:1:45 hint[unused-aspect] "c": aspect `c` (flake.modules.nixos) is defined, but nothing imports, includes or references it, so it has no effect"#
            ]],
        );
    }

    #[test]
    fn used_in_another_class_only() {
        check(
            r#"
#- /modules/ssh.nix
{
  flake.modules.nixos.ssh = { };
  flake.modules.homeManager.ssh = { };
}
#- /modules/pc.nix
{ config, ... }: { configurations.nixos.pc.module = config.flake.modules.nixos.ssh; }
"#,
            expect![[
                r#"modules/ssh.nix:3:29 hint[unused-aspect] "ssh": aspect `ssh` (flake.modules.homeManager) is defined, but nothing imports, includes or references it, so it has no effect"#
            ]],
        );
    }

    /// Without a visible pass-down, a lower-level module's `inputs` is not the flake's: it uses
    /// nothing.
    #[test]
    fn read_through_inputs_nothing_passes_down() {
        check(
            r#"
#- /modules/ssh.nix
{ flake.modules.nixos.ssh = { }; }
#- /modules/pc.nix
{ config, ... }: {
  flake.modules.nixos.pc = { inputs, ... }: { imports = [ inputs.self.modules.nixos.ssh ]; };
  flake.nixosConfigurations.pc = inputs.nixpkgs.lib.nixosSystem { modules = [ config.flake.modules.nixos.pc ]; };
}
"#,
            expect![[
                r#"modules/ssh.nix:1:23 hint[unused-aspect] "ssh": aspect `ssh` (flake.modules.nixos) is defined, but nothing imports, includes or references it, so it has no effect"#
            ]],
        );
    }

    // ---- near misses ---------------------------------------------------------------------------

    #[test]
    fn read_through_inputs_passed_down() {
        check_silent(
            r#"
#- /modules/ssh.nix
{ flake.modules.nixos.ssh = { }; }
#- /modules/pc.nix
{ config, inputs, ... }: {
  flake.modules.nixos.pc = { inputs, ... }: { imports = [ inputs.self.modules.nixos.ssh ]; };
  flake.nixosConfigurations.pc = inputs.nixpkgs.lib.nixosSystem {
    specialArgs = { inherit inputs; };
    modules = [ config.flake.modules.nixos.pc ];
  };
}
"#,
        );
    }

    #[test]
    fn referenced_from_anywhere() {
        check_silent(
            r#"
#- /modules/aspects.nix
{ flake.modules.nixos = { a = { }; b = { }; c = { }; d = { }; e = { }; }; }
#- /modules/pc.nix
{ config, inputs, lib, ... }:
let
  inherit (config.flake.modules.nixos) e;
in
{
  flake.modules.nixos.pc.imports = with config.flake.modules.nixos; [ a ];
  flake.nixosConfigurations.pc = inputs.nixpkgs.lib.nixosSystem {
    modules = [ config.flake.modules.nixos.pc inputs.self.modules.nixos.b e ];
  };
  perSystem = { pkgs, ... }: {
    checks.c = lib.seq config.flake.modules.nixos.c pkgs.hello;
  };
  flake.nixosModules.d = config.flake.modules.nixos.d;
}
"#,
        );
    }

    #[test]
    fn included() {
        check_silent(
            r#"
#- /modules/namespace.nix
{ inputs, ... }: { imports = [ (inputs.den.namespace "vix" true) ]; }
#- /modules/den.nix
{ den, vix, ... }: {
  den.hosts.x86_64-linux.igloo = { };
  den.aspects.igloo.includes = [ den.aspects.base vix.gui ];
  den.aspects.base.nixos = { };
  vix.gui.nixos = { };
}
#- /modules/flake-aspects.nix
{ config, ... }: {
  flake.aspects = { aspects, ... }: {
    shell.nixos = { };
    pc.nixos = { };
    pc.includes = [ aspects.shell ];
  };
  configurations.nixos.pc.module = config.flake.aspects.pc.nixos;
}
"#,
        );
    }

    #[test]
    fn reached_by_a_host() {
        check_silent(
            r#"
#- /modules/hosts.nix
{ config, ... }: {
  flake.modules.nixos.gouda = { };
  configurations.nixos.gouda.module = config.flake.modules.nixos.gouda;
  unify.modules.desktop.nixos = { };
  unify.hosts.nixos.brie.modules = with config.unify.modules; [ desktop ];
}
"#,
        );
    }

    #[test]
    fn outputs_for_other_flakes() {
        check_silent(
            r#"
#- /modules/outputs.nix
{
  flake.nixosModules.default = { };
  flake.homeModules.shell = { };
  flake.homeManagerModules.shell = { };
  flake.darwinModules.mac = { };
  flake.flakeModules.default = { };
}
"#,
        );
    }

    #[test]
    fn classes_consumed_wholesale() {
        check_silent(
            r#"
#- /modules/aspects.nix
{
  flake.modules.nixvim.lsp = { };
  flake.modules.nixos.base = { };
  flake.modules.darwin.mac = { };
  flake.modules.homeManager.shell = { };
  flake.modules.generic."hosts/gouda" = { };
}
#- /modules/consumers.nix
{ config, lib, inputs, ... }: {
  flake.nixvimConfigurations.nvim = inputs.nixvim.lib.evalNixvim {
    modules = lib.attrValues config.flake.modules.nixvim;
  };
  flake.nixosModules = config.flake.modules.nixos;
  flake.darwinConfigurations = lib.mapAttrs (name: module: inputs.nix-darwin.lib.darwinSystem {
    modules = [ config.flake.modules.darwin.${name} ];
  }) { mac = { }; };
  flake.homeModules = lib.filterAttrs (name: _: lib.hasPrefix "sh" name) config.flake.modules.homeManager;
  flake.hosts = lib.attrNames config.flake.modules;
}
"#,
        );
    }

    #[test]
    fn den_aspects_of_hosts_and_users() {
        check_silent(
            r#"
#- /modules/igloo.nix
{
  den.hosts.x86_64-linux.igloo.users.tux = { };
  den.aspects.igloo.nixos = { };
  den.aspects.tux.homeManager = { };
}
"#,
        );
    }

    #[test]
    fn a_flake_aspect_read_through_flake_modules() {
        check_silent(
            r#"
#- /modules/desktop.nix
{ flake.aspects.desktop.nixos = { }; }
#- /modules/pc.nix
{ config, ... }: { configurations.nixos.pc.module = config.flake.modules.nixos.desktop; }
"#,
        );
    }
}
