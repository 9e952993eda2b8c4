//! `shadowed-config`: `config.flake...` read inside a lower-level module whose own arguments
//! rebind `config`, so it reads the NixOS (or home-manager, ...) configuration instead.

use rnix::SyntaxKind::*;

use super::cx::Cx;
use super::edits;
use crate::base::fix::{Fix, RelatedAt};
use crate::base::text::{TextRange, TextSize};
use crate::graph::resolve::ShadowedRead;
use crate::summary::RefRoot;
use crate::syntax::{SyntaxNode, first_child};

pub(super) fn check(cx: &mut Cx) {
    let reads: Vec<&ShadowedRead> =
        cx.file.resolved.shadowed.iter().filter(|read| !in_flake_module(cx, read.range.start())).collect();
    if reads.is_empty() {
        return;
    }
    let root = crate::syntax::parse(&cx.file.text).root();
    for read in reads.iter().copied() {
        let fix = let_fix(cx, &root, &reads, read);
        let message = format!(
            "`config` here is this module's own argument, not the flake's configuration: \
             `config.{}` does not exist in it; bind the value in a `let` outside the module \
             (for example `let flakeConfig = config; in`) and read it from there",
            read.root
        );
        let finding = cx.report(read.range, message);
        if let Some((fix, outer)) = fix {
            finding.fix(fix);
            if let Some(outer) = outer {
                finding.related(RelatedAt::Here(outer, "the flake's `config`, which the module's own hides".into()));
            }
        }
    }
}

/// The name the fix binds the flake's `config` to.
const OUTER: &str = "flakeConfig";

/// Binds the flake's `config` in a `let` right above the lower-level module the read is in, and
/// reads every shadowed path of that module from there; adds `config` to the top-level module's
/// arguments if it does not take it. With the place of the outer `config`, if it is bound already.
fn let_fix(
    cx: &Cx,
    root: &SyntaxNode,
    reads: &[&ShadowedRead],
    read: &ShadowedRead,
) -> Option<(Fix, Option<TextRange>)> {
    let text = &cx.file.text;
    if text.contains(OUTER) {
        return None;
    }
    let config = TextRange::at(read.range.start(), TextSize::of("config"));
    if text.get(std::ops::Range::<usize>::from(config))? != "config" {
        return None;
    }
    let binds_config =
        |n: &SyntaxNode| edits::pattern_names(n).is_some_and(|(names, _)| names.iter().any(|x| x == "config"));
    let inner = edits::covering(root, config)?.ancestors().find(binds_config)?;
    let outer = inner.ancestors().skip(1).find(|n| edits::pattern_names(n).is_some())?;
    let mut changes = vec![edits::insert(inner.text_range().start(), format!("let {OUTER} = config; in "))];
    let bound = pattern_entry(&outer, "config");
    if bound.is_none() {
        changes.push(edits::add_to_pattern(&outer, "config")?);
    }
    for other in reads.iter().filter(|r| inner.text_range().contains_range(r.range)) {
        let at = TextRange::at(other.range.start(), TextSize::of("config"));
        // A read in a module nested in this one reads that module's own `config`.
        let owner = edits::covering(root, at).and_then(|n| n.ancestors().find(binds_config));
        if text.get(std::ops::Range::<usize>::from(at)) == Some("config") && owner.as_ref() == Some(&inner) {
            changes.push(edits::replace(at, OUTER));
        }
    }
    let fix = Fix::edit(
        format!("Read the flake's `config` through `let {OUTER} = config;` above the module"),
        cx.file_id,
        changes,
    );
    Some((fix.preferred(true).safe(true), bound))
}

/// Where a lambda's pattern binds `name`.
fn pattern_entry(lambda: &SyntaxNode, name: &str) -> Option<TextRange> {
    first_child(lambda, NODE_PATTERN)?
        .children()
        .filter(|c| c.kind() == NODE_PAT_ENTRY)
        .find(|e| first_child(e, NODE_IDENT).is_some_and(|i| i.text() == name))
        .map(|e| e.text_range())
}

/// Is the read at `start` inside an aspect of class `flake` (`flake.modules.flake.x`,
/// `flake.flakeModules.x`)? Such a module is a flake-parts module: its `config` is a flake's.
fn in_flake_module(cx: &Cx, start: TextSize) -> bool {
    let summary = &cx.file.summary;
    let owner = summary.refs.iter().find(|r| r.root == RefRoot::ShadowedConfig && r.range.start() == start);
    let Some(owner) = owner.and_then(|r| r.owner) else { return false };
    let definitions = &cx.file.resolved.definitions;
    summary
        .ancestors(owner)
        .find_map(|node| definitions.iter().find(|d| d.node == node))
        .is_some_and(|d| d.key.class.as_deref() == Some("flake"))
}

#[cfg(test)]
mod tests {
    use expect_test::{Expect, expect};

    use crate::base::diagnostics::DiagnosticKind;
    use crate::checks::test_support;

    fn check(fixture: &str, expect: Expect) {
        test_support::check(DiagnosticKind::ShadowedConfig, fixture, expect);
    }

    #[track_caller]
    fn check_silent(fixture: &str) {
        test_support::check_silent(DiagnosticKind::ShadowedConfig, fixture);
    }

    // ---- where it fires ------------------------------------------------------------------------

    #[test]
    fn the_flake_read_through_a_lower_level_config() {
        check(
            r#"
#- /modules/ssh.nix
{ config, ... }: {
  flake.modules.nixos.ssh = { config, ... }: {
    users.users.root.openssh.authorizedKeys.keys = config.flake.meta.keys;
    imports = [ config.flake.modules.nixos.base ];
  };
}
"#,
            expect![[r#"
                modules/ssh.nix:3:52 warning[shadowed-config] "config.flake": `config` here is this module's own argument, not the flake's configuration: `config.flake` does not exist in it; bind the value in a `let` outside the module (for example `let flakeConfig = config; in`) and read it from there
                modules/ssh.nix:4:17 warning[shadowed-config] "config.flake": `config` here is this module's own argument, not the flake's configuration: `config.flake` does not exist in it; bind the value in a `let` outside the module (for example `let flakeConfig = config; in`) and read it from there"#]],
        );
    }

    #[test]
    fn other_top_level_only_paths() {
        check(
            r#"
#- /modules/namespace.nix
{ inputs, ... }: { imports = [ (inputs.den.namespace "vix" true) ]; }
#- /modules/options.nix
{ lib, ... }: {
  options.nixos.modules = lib.mkOption { type = lib.types.lazyAttrsOf lib.types.deferredModule; };
}
#- /modules/pc.nix
{
  flake.modules.nixos.pc = { config, ... }: {
    a = config.perSystem;
    b = config.den.aspects.base;
    c = config.nixos.modules.base;
    d = config.vix.base;
    e = config.configurations.nixos.pc;
  };
}
"#,
            expect![[r#"
                modules/pc.nix:3:9 warning[shadowed-config] "config.perSystem": `config` here is this module's own argument, not the flake's configuration: `config.perSystem` does not exist in it; bind the value in a `let` outside the module (for example `let flakeConfig = config; in`) and read it from there
                modules/pc.nix:4:9 warning[shadowed-config] "config.den": `config` here is this module's own argument, not the flake's configuration: `config.den` does not exist in it; bind the value in a `let` outside the module (for example `let flakeConfig = config; in`) and read it from there
                modules/pc.nix:5:9 warning[shadowed-config] "config.nixos": `config` here is this module's own argument, not the flake's configuration: `config.nixos` does not exist in it; bind the value in a `let` outside the module (for example `let flakeConfig = config; in`) and read it from there
                modules/pc.nix:6:9 warning[shadowed-config] "config.vix": `config` here is this module's own argument, not the flake's configuration: `config.vix` does not exist in it; bind the value in a `let` outside the module (for example `let flakeConfig = config; in`) and read it from there
                modules/pc.nix:7:9 warning[shadowed-config] "config.configurations": `config` here is this module's own argument, not the flake's configuration: `config.configurations` does not exist in it; bind the value in a `let` outside the module (for example `let flakeConfig = config; in`) and read it from there"#]],
        );
    }

    #[test]
    fn in_every_kind_of_lower_level_module() {
        check(
            r#"
#- /modules/bob.nix
{
  flake.modules.homeManager.bob = { config, ... }: { x = config.flake.y; };
  den.aspects.bob.nixos = { config, ... }: { x = config.flake.y; };
  flake.nixosModules.bob = { config, ... }: { x = config.flake.y; };
  flake.modules.nixos.pc.home-manager.users.bob = { config, ... }: { x = config.flake.y; };
}
"#,
            expect![[r#"
                modules/bob.nix:2:58 warning[shadowed-config] "config.flake": `config` here is this module's own argument, not the flake's configuration: `config.flake` does not exist in it; bind the value in a `let` outside the module (for example `let flakeConfig = config; in`) and read it from there
                modules/bob.nix:3:50 warning[shadowed-config] "config.flake": `config` here is this module's own argument, not the flake's configuration: `config.flake` does not exist in it; bind the value in a `let` outside the module (for example `let flakeConfig = config; in`) and read it from there
                modules/bob.nix:4:51 warning[shadowed-config] "config.flake": `config` here is this module's own argument, not the flake's configuration: `config.flake` does not exist in it; bind the value in a `let` outside the module (for example `let flakeConfig = config; in`) and read it from there
                modules/bob.nix:5:74 warning[shadowed-config] "config.flake": `config` here is this module's own argument, not the flake's configuration: `config.flake` does not exist in it; bind the value in a `let` outside the module (for example `let flakeConfig = config; in`) and read it from there"#]],
        );
    }

    /// The workspace's `fleet` is a collection: reading it through a lower-level `config` is
    /// the mistake, unless the module declares `options.fleet` itself.
    const FLEET: &str = r#"
#- /modules/options.nix
{ lib, ... }: {
  options.fleet = lib.mkOption { type = lib.types.lazyAttrsOf lib.types.deferredModule; };
}
"#;

    #[test]
    fn a_module_that_declares_other_options_than_it_reads() {
        check(
            &format!(
                "{FLEET}{}",
                r#"#- /modules/fleet.nix
{
  flake.modules.nixos.fleet = { config, lib, ... }: {
    options.fleets.x = lib.mkOption { type = lib.types.str; };
    config.networking.hostName = config.fleet.x;
    config.imports = [ config.flake.modules.nixos.base ];
  };
}
"#
            ),
            expect![[r#"
                modules/fleet.nix:4:34 warning[shadowed-config] "config.fleet": `config` here is this module's own argument, not the flake's configuration: `config.fleet` does not exist in it; bind the value in a `let` outside the module (for example `let flakeConfig = config; in`) and read it from there
                modules/fleet.nix:5:24 warning[shadowed-config] "config.flake": `config` here is this module's own argument, not the flake's configuration: `config.flake` does not exist in it; bind the value in a `let` outside the module (for example `let flakeConfig = config; in`) and read it from there"#]],
        );
    }

    /// Another module's declaration is not this one's: the NixOS module declares `fleet` in the
    /// NixOS configuration, the home-manager module inside it reads its own.
    #[test]
    fn options_declared_by_another_module() {
        check(
            &format!(
                "{FLEET}{}",
                r#"#- /modules/fleet.nix
{
  flake.modules.nixos.decl = { lib, ... }: { options.fleet.x = lib.mkOption { }; };
  flake.modules.nixos.user = { config, ... }: { networking.hostName = config.fleet.x; };
  flake.modules.nixos.pc = { config, lib, ... }: {
    options.fleet.x = lib.mkOption { };
    config.home-manager.users.bob = { config, ... }: { home.username = config.fleet.x; };
  };
}
"#
            ),
            expect![[r#"
                modules/fleet.nix:3:71 warning[shadowed-config] "config.fleet": `config` here is this module's own argument, not the flake's configuration: `config.fleet` does not exist in it; bind the value in a `let` outside the module (for example `let flakeConfig = config; in`) and read it from there
                modules/fleet.nix:6:72 warning[shadowed-config] "config.fleet": `config` here is this module's own argument, not the flake's configuration: `config.fleet` does not exist in it; bind the value in a `let` outside the module (for example `let flakeConfig = config; in`) and read it from there"#]],
        );
    }

    // ---- near misses: Nix evaluates these ------------------------------------------------------

    #[test]
    fn a_module_that_declares_the_options_it_reads() {
        check_silent(&format!(
            "{FLEET}{}",
            r#"#- /modules/fleet.nix
{
  flake.modules.nixos.fleet = { config, lib, ... }: {
    options.fleet.x = lib.mkOption { type = lib.types.str; };
    config.networking.hostName = config.fleet.x;
  };
  flake.modules.nixos.whole = { config, lib, ... }: {
    options.fleet = lib.mkOption { type = lib.types.attrs; };
    config.networking.hostName = config.fleet.name;
  };
  flake.modules.nixos.set = { config, lib, ... }: {
    options = { fleet.x = lib.mkOption { }; };
    config.networking.hostName = config.fleet.x;
  };
  flake.modules.nixos.merged = { config, lib, ... }: lib.mkMerge [
    (lib.mkIf config.services.openssh.enable { options.fleet.x = lib.mkOption { }; })
    { networking.hostName = config.fleet.x; }
  ];
  flake.modules.nixos.nested = { config, lib, ... }: let name = "fleet"; in {
    options.${name}.x = lib.mkOption { };
    home-manager.users.bob = { osConfig, ... }: { home.username = config.fleet.x; };
  };
}
"#
        ));
    }

    #[test]
    fn the_outer_config_bound_in_a_let() {
        check_silent(
            r#"
#- /modules/ssh.nix
{ config, ... }:
let
  flakeConfig = config;
  inherit (config.flake) meta;
in
{
  flake.modules.nixos.ssh = { config, ... }: {
    users.users.root.openssh.authorizedKeys.keys = flakeConfig.flake.meta.keys ++ meta.keys;
  };
}
"#,
        );
    }

    #[test]
    fn the_lower_level_modules_own_options() {
        check_silent(
            r#"
#- /modules/ssh.nix
{
  flake.modules.nixos.ssh = { config, lib, ... }: {
    services.openssh.enable = lib.mkDefault config.services.xserver.enable;
    networking.firewall.allowedTCPPorts = config.services.openssh.ports;
  };
}
"#,
        );
    }

    #[test]
    fn a_lower_level_module_that_keeps_the_outer_config() {
        check_silent(
            r#"
#- /modules/ssh.nix
{ config, ... }: {
  flake.modules.nixos.base = { };
  flake.modules.nixos.ssh = { pkgs, ... }: {
    imports = [ config.flake.modules.nixos.base ];
  };
}
"#,
        );
    }

    #[test]
    fn per_system_config() {
        check_silent(
            r#"
#- /modules/packages.nix
{
  perSystem = { config, pkgs, ... }: {
    packages.default = config.packages.tool;
    packages.tool = pkgs.hello;
  };
}
"#,
        );
    }

    #[test]
    fn the_top_level_module_of_flake_nix() {
        check_silent(
            r#"
#- /flake.nix
{
  outputs = inputs:
    inputs.flake-parts.lib.mkFlake { inherit inputs; } ({ config, ... }: {
      imports = [ (inputs.import-tree ./modules) ];
      flake.nixosModules = config.flake.modules.nixos;
    });
}
"#,
        );
    }

    #[test]
    fn flake_parts_modules_stored_as_aspects() {
        check_silent(
            r#"
#- /modules/exports.nix
{
  flake.modules.flake.outputs = { config, ... }: { flake.nixosModules = config.flake.modules.nixos; };
  flake.flakeModules.default = { config, ... }: { perSystem.packages = config.flake.packages; };
}
"#,
        );
    }

    #[test]
    fn a_lower_level_option_named_like_a_custom_collection() {
        check_silent(
            r#"
#- /modules/options.nix
{ lib, ... }: {
  options.home.modules = lib.mkOption { type = lib.types.lazyAttrsOf lib.types.deferredModule; };
}
#- /modules/bob.nix
{
  flake.modules.homeManager.bob = { config, ... }: {
    xdg.configHome = "${config.home.homeDirectory}/.config";
  };
}
"#,
        );
    }

    #[test]
    fn an_inline_top_level_module() {
        check_silent(
            r#"
#- /modules/outputs.nix
{
  imports = [
    ({ config, ... }: { flake.nixosModules = config.flake.modules.nixos; })
  ];
}
"#,
        );
    }
}
