//! Summaries rendered as text: one line per config node, reference, declaration.

use expect_test::{Expect, expect};

use super::summarize;
use crate::summary::*;

fn render(path: &str, src: &str) -> String {
    let summary = summarize(path, src);
    let mut out = Vec::new();
    let node_path = |id: NodeId| summary.node_path(id).iter().map(|n| n.text.as_str()).collect::<Vec<_>>().join(".");
    if let Some(module) = &summary.module {
        let args: Vec<&str> = module.args.iter().map(|a| a.name.as_str()).collect();
        let keys: Vec<&str> = module.keys.iter().map(|k| k.text.as_str()).collect();
        out.push(format!("module args={args:?} keys={keys:?} provides={:?}", module.provides_args));
    }
    for (i, node) in summary.nodes.iter().enumerate() {
        let id = NodeId(i as u32);
        let mut line = format!("node {} {:?}", node_path(id), &src[node.name.range]);
        if !matches!(node.name.origin, NameOrigin::Ident) {
            line.push_str(&format!(" {:?}", node.name.origin));
        }
        if let Some(opaque) = summary.opaque_of(id) {
            line.push_str(&format!(" opaque={:?}", opaque.reason));
        }
        if let Some(class) = summary.module_class_of(id) {
            line.push_str(&format!(" module_class={class}"));
        }
        out.push(line);
    }
    for r in &summary.refs {
        let path: Vec<&str> = r.path.iter().map(|n| n.text.as_str()).collect();
        let mut line = format!("ref {:?} {} {:?} {:?}", r.root, path.join("."), r.form, &src[r.range]);
        if r.dynamic_tail {
            line.push_str(" dynamic");
        }
        if !r.certain {
            line.push_str(" uncertain");
        }
        if r.alias {
            line.push_str(" alias");
        }
        if let Some(owner) = r.owner {
            line.push_str(&format!(" owner={}", node_path(owner)));
        }
        match &r.anchor {
            Some(Anchor::Node(n)) => line.push_str(&format!(" anchor=node:{}", node_path(*n))),
            Some(other) => line.push_str(&format!(" anchor={other:?}")),
            None => {}
        }
        out.push(line);
    }
    for o in &summary.options {
        out.push(format!("option {} {:?} class={:?}", o.path.join("."), o.shape, o.class));
    }
    for n in &summary.namespaces {
        out.push(format!("namespace {}", n.name));
    }
    if !summary.passes_down.is_empty() {
        out.push(format!("passes_down {:?}", summary.passes_down));
    }
    out.join("\n")
}

fn check(src: &str, expect: Expect) {
    expect.assert_eq(&render("modules/x.nix", src));
}

#[test]
fn definition_forms() {
    check(
        r#"{ config, ... }:
let user = "eve"; in
{
  flake.modules.nixos.ssh = { };
  flake.modules.nixos.server.imports = [ ];
  flake.modules.homeManager = { base = { }; "hosts/gouda" = { }; };
  flake = { nixosModules.out = { }; };
  flake.modules.nixos.${user} = { };
  flake.modules.darwin."${user}" = { };
}"#,
        expect![[r#"
            module args=["config"] keys=["flake", "flake", "flake", "flake", "flake", "flake"] provides=[]
            node flake "flake"
            node flake.modules "modules"
            node flake.modules.nixos "nixos"
            node flake.modules.nixos.ssh "ssh"
            node flake "flake"
            node flake.modules "modules"
            node flake.modules.nixos "nixos"
            node flake.modules.nixos.server "server"
            node flake.modules.nixos.server.imports "imports"
            node flake "flake"
            node flake.modules "modules"
            node flake.modules.homeManager "homeManager"
            node flake.modules.homeManager.base "base"
            node flake.modules.homeManager.hosts/gouda "\"hosts/gouda\"" Quoted
            node flake "flake"
            node flake.nixosModules "nixosModules"
            node flake.nixosModules.out "out"
            node flake "flake"
            node flake.modules "modules"
            node flake.modules.nixos "nixos"
            node flake.modules.nixos.eve "${user}" Constant { literal: 28..33 }
            node flake "flake"
            node flake.modules "modules"
            node flake.modules.darwin "darwin"
            node flake.modules.darwin.eve "\"${user}\"" Constant { literal: 28..33 }"#]],
    );
}

#[test]
fn config_section_and_modifiers() {
    check(
        r#"{ lib, ... }: {
  options.foo = lib.mkOption { };
  config = lib.mkMerge [
    { flake.modules.nixos.a = { }; }
    (lib.mkIf true { flake.modules.nixos.b = { }; })
    ({ flake.modules.nixos.c = { }; } // { flake.modules.nixos.d = { }; })
  ];
}"#,
        expect![[r#"
            module args=["lib"] keys=["flake", "flake", "flake", "flake"] provides=[]
            node flake "flake"
            node flake.modules "modules"
            node flake.modules.nixos "nixos"
            node flake.modules.nixos.a "a"
            node flake "flake"
            node flake.modules "modules"
            node flake.modules.nixos "nixos"
            node flake.modules.nixos.b "b"
            node flake "flake"
            node flake.modules "modules"
            node flake.modules.nixos "nixos"
            node flake.modules.nixos.c "c"
            node flake "flake"
            node flake.modules "modules"
            node flake.modules.nixos "nixos"
            node flake.modules.nixos.d "d""#]],
    );
}

#[test]
fn references_in_imports() {
    check(
        r#"{ config, inputs, self, ... }: {
  flake.modules.nixos.pc = {
    imports = with config.flake.modules.nixos; [ efi bow ]
      ++ [ inputs.self.modules.nixos.gui self.nixosModules.x inputs.agenix.nixosModules.default ];
    home-manager.users.bob.imports = [ config.flake.modules.homeManager.bob ];
  };
}"#,
        expect![[r#"
            module args=["config", "inputs", "self"] keys=["flake"] provides=[]
            node flake "flake"
            node flake.modules "modules"
            node flake.modules.nixos "nixos"
            node flake.modules.nixos.pc "pc"
            node flake.modules.nixos.pc.imports "imports"
            node flake.modules.nixos.pc.home-manager "home-manager"
            node flake.modules.nixos.pc.home-manager.users "users"
            node flake.modules.nixos.pc.home-manager.users.bob "bob" module_class=homeManager
            node flake.modules.nixos.pc.home-manager.users.bob.imports "imports"
            ref Config flake.modules.nixos.efi With "efi" owner=flake.modules.nixos.pc.imports anchor=node:flake.modules.nixos.pc.imports
            ref Config flake.modules.nixos.bow With "bow" owner=flake.modules.nixos.pc.imports anchor=node:flake.modules.nixos.pc.imports
            ref Config flake.modules.nixos.gui Select "inputs.self.modules.nixos.gui" owner=flake.modules.nixos.pc.imports anchor=node:flake.modules.nixos.pc.imports
            ref Config flake.nixosModules.x Select "self.nixosModules.x" owner=flake.modules.nixos.pc.imports anchor=node:flake.modules.nixos.pc.imports
            ref Input("agenix") nixosModules.default Select "inputs.agenix.nixosModules.default" owner=flake.modules.nixos.pc.imports anchor=node:flake.modules.nixos.pc.imports
            ref Config flake.modules.homeManager.bob Select "config.flake.modules.homeManager.bob" owner=flake.modules.nixos.pc.home-manager.users.bob.imports anchor=node:flake.modules.nixos.pc.home-manager.users.bob.imports"#]],
    );
}

#[test]
fn shadowed_config_is_not_a_reference() {
    check(
        r#"{ config, ... }: {
  flake.modules.nixos.x = { config, ... }: { y = config.flake.modules.nixos.z; };
  flake.modules.nixos.w = { pkgs, ... }: { imports = [ config.flake.modules.nixos.z ]; };
}"#,
        expect![[r#"
            module args=["config"] keys=["flake", "flake"] provides=[]
            node flake "flake"
            node flake.modules "modules"
            node flake.modules.nixos "nixos"
            node flake.modules.nixos.x "x"
            node flake.modules.nixos.x.y "y" opaque=Assigned
            node flake "flake"
            node flake.modules "modules"
            node flake.modules.nixos "nixos"
            node flake.modules.nixos.w "w"
            node flake.modules.nixos.w.imports "imports"
            ref ShadowedConfig flake.modules.nixos.z Select "config.flake.modules.nixos.z" owner=flake.modules.nixos.x.y anchor=node:flake.modules.nixos.x.y
            ref Config flake.modules.nixos.z Select "config.flake.modules.nixos.z" owner=flake.modules.nixos.w.imports anchor=node:flake.modules.nixos.w.imports"#]],
    );
}

/// Only the options the lower-level module declares itself, in each way a module declares them,
/// make its `config.<name>` its own; a nested module with a `config` of its own does not share them.
#[test]
fn a_lower_level_modules_own_options_are_no_shadowed_reads() {
    check(
        r#"{
  flake.modules.nixos.a = { config, lib, ... }: {
    options.fleet.x = lib.mkOption { };
    config.networking.hostName = config.fleet.x;
    config.b = config.flake.modules.nixos.b;
  };
  flake.modules.nixos.c = { config, lib, ... }: lib.mkMerge [
    (lib.mkIf true { options = { fleet.x = lib.mkOption { }; inherit (lib) den; }; })
    { y = config.fleet.x ++ config.den.z; }
    { z = config.flake.y; }
  ];
  flake.modules.nixos.d = { config, lib, ... }: let o = { }; in {
    options.flake = lib.mkOption { };
    home-manager.users.u = { config, ... }: { y = config.flake.y; };
    z = config.flake.y;
  };
  flake.modules.nixos.e = { config, ... }: { options = import ./options.nix; y = config.flake.y; };
}"#,
        expect![[r#"
            module args=[] keys=["flake", "flake", "flake", "flake"] provides=[]
            node flake "flake"
            node flake.modules "modules"
            node flake.modules.nixos "nixos"
            node flake.modules.nixos.a "a"
            node flake.modules.nixos.a.options "options"
            node flake.modules.nixos.a.options.fleet "fleet"
            node flake.modules.nixos.a.options.fleet.x "x" opaque=Call
            node flake.modules.nixos.a.config "config"
            node flake.modules.nixos.a.config.networking "networking"
            node flake.modules.nixos.a.config.networking.hostName "hostName" opaque=Assigned
            node flake.modules.nixos.a.config "config"
            node flake.modules.nixos.a.config.b "b" opaque=Assigned
            node flake "flake"
            node flake.modules "modules"
            node flake.modules.nixos "nixos"
            node flake.modules.nixos.c "c"
            node flake.modules.nixos.c.options "options"
            node flake.modules.nixos.c.options.fleet "fleet"
            node flake.modules.nixos.c.options.fleet.x "x" opaque=Call
            node flake.modules.nixos.c.options.den "den" opaque=Assigned
            node flake.modules.nixos.c.y "y"
            node flake.modules.nixos.c.z "z" opaque=Assigned
            node flake "flake"
            node flake.modules "modules"
            node flake.modules.nixos "nixos"
            node flake.modules.nixos.d "d"
            node flake.modules.nixos.d.options "options"
            node flake.modules.nixos.d.options.flake "flake" opaque=Call
            node flake.modules.nixos.d.home-manager "home-manager"
            node flake.modules.nixos.d.home-manager.users "users"
            node flake.modules.nixos.d.home-manager.users.u "u" module_class=homeManager
            node flake.modules.nixos.d.home-manager.users.u.y "y" opaque=Assigned
            node flake.modules.nixos.d.z "z" opaque=Assigned
            node flake "flake"
            node flake.modules "modules"
            node flake.modules.nixos "nixos"
            node flake.modules.nixos.e "e"
            node flake.modules.nixos.e.options "options" opaque=Call
            node flake.modules.nixos.e.y "y" opaque=Assigned
            ref ShadowedConfig flake.modules.nixos.b Select "config.flake.modules.nixos.b" owner=flake.modules.nixos.a.config.b anchor=node:flake.modules.nixos.a.config.b
            ref ShadowedConfig flake.y Select "config.flake.y" owner=flake.modules.nixos.c.z anchor=node:flake.modules.nixos.c.z
            ref ShadowedConfig flake.y Select "config.flake.y" owner=flake.modules.nixos.d.home-manager.users.u.y anchor=node:flake.modules.nixos.d.home-manager.users.u.y"#]],
    );
}

#[test]
fn inputs_passed_down() {
    check(
        r#"{ inputs, self, config, ... }: {
  flake.nixosConfigurations.a = inputs.nixpkgs.lib.nixosSystem {
    specialArgs = { inherit (inputs) self; } // { };
    modules = [ ];
  };
  flake.modules.nixos.b = { inputs, self, ... }: {
    imports = [ inputs.self.modules.nixos.c self.nixosModules.d inputs.agenix.nixosModules.default ];
    home-manager.extraSpecialArgs.inputs = inputs;
  };
}"#,
        expect![[r#"
            module args=["inputs", "self", "config"] keys=["flake", "flake"] provides=[]
            node flake "flake"
            node flake.nixosConfigurations "nixosConfigurations"
            node flake.nixosConfigurations.a "a" opaque=Call
            node flake "flake"
            node flake.modules "modules"
            node flake.modules.nixos "nixos"
            node flake.modules.nixos.b "b"
            node flake.modules.nixos.b.imports "imports"
            node flake.modules.nixos.b.home-manager "home-manager"
            node flake.modules.nixos.b.home-manager.extraSpecialArgs "extraSpecialArgs"
            node flake.modules.nixos.b.home-manager.extraSpecialArgs.inputs "inputs" opaque=Assigned
            ref Input("nixpkgs") lib.nixosSystem Select "inputs.nixpkgs.lib.nixosSystem" owner=flake.nixosConfigurations.a
            ref Config flake Inherit "self" owner=flake.nixosConfigurations.a
            ref PassedDown("inputs") flake.modules.nixos.c Select "inputs.self.modules.nixos.c" owner=flake.modules.nixos.b.imports anchor=node:flake.modules.nixos.b.imports
            ref PassedDown("self") flake.nixosModules.d Select "self.nixosModules.d" owner=flake.modules.nixos.b.imports anchor=node:flake.modules.nixos.b.imports
            passes_down ["inputs", "self"]"#]],
    );
    // Passed down only when it is the flake's own: not a local set of the same name.
    check(
        r#"{ inputs, ... }: let mine = { }; in {
  flake.nixosConfigurations.a = inputs.nixpkgs.lib.nixosSystem { specialArgs = { inputs = mine; self = inputs.nixpkgs; }; };
  flake.nixosConfigurations.b = inputs.nixpkgs.lib.nixosSystem { specialArgs.self = inputs.self; };
}"#,
        expect![[r#"
            module args=["inputs"] keys=["flake", "flake"] provides=[]
            node flake "flake"
            node flake.nixosConfigurations "nixosConfigurations"
            node flake.nixosConfigurations.a "a" opaque=Call
            node flake "flake"
            node flake.nixosConfigurations "nixosConfigurations"
            node flake.nixosConfigurations.b "b" opaque=Call
            ref Input("nixpkgs") lib.nixosSystem Select "inputs.nixpkgs.lib.nixosSystem" owner=flake.nixosConfigurations.a
            ref Input("nixpkgs") lib.nixosSystem Select "inputs.nixpkgs.lib.nixosSystem" owner=flake.nixosConfigurations.b
            ref Config flake Select "inputs.self" owner=flake.nixosConfigurations.b
            passes_down ["self"]"#]],
    );
}

#[test]
fn aliases_and_inherits() {
    check(
        r#"{ config, ... }:
let
  inherit (config.flake.modules) nixos;
  m = config.flake.modules.homeManager;
  inherit (config.flake.modules.nixos) tailscale;
in {
  flake.modules.nixos.pc.imports = [ nixos.admin m.x tailscale ];
  flake.nixosModules = { inherit (config.flake.modules.nixos) base; };
}"#,
        expect![[r#"
            module args=["config"] keys=["flake", "flake"] provides=[]
            node flake "flake"
            node flake.modules "modules"
            node flake.modules.nixos "nixos"
            node flake.modules.nixos.pc "pc"
            node flake.modules.nixos.pc.imports "imports"
            node flake "flake"
            node flake.nixosModules "nixosModules"
            node flake.nixosModules.base "base"
            ref Config flake.modules.nixos Inherit "nixos" alias
            ref Config flake.modules.homeManager Select "config.flake.modules.homeManager" alias
            ref Config flake.modules.nixos.tailscale Inherit "tailscale" alias
            ref Config flake.modules.nixos.admin Select "nixos.admin" owner=flake.modules.nixos.pc.imports anchor=node:flake.modules.nixos.pc.imports
            ref Config flake.modules.homeManager.x Select "m.x" owner=flake.modules.nixos.pc.imports anchor=node:flake.modules.nixos.pc.imports
            ref Config flake.modules.nixos.tailscale Select "tailscale" owner=flake.modules.nixos.pc.imports anchor=node:flake.modules.nixos.pc.imports
            ref Config flake.modules.nixos.base Inherit "base" owner=flake.nixosModules.base anchor=node:flake.nixosModules.base"#]],
    );
}

#[test]
fn dynamic_and_opaque() {
    check(
        r#"{ config, lib, mkAspect, ... }: {
  flake.modules.nixos = lib.mapAttrs (n: v: v) config.something;
  flake.modules.darwin.${config.name} = { };
  flake.homeModules = config.flake.modules.homeManager;
  flake.modules.generic.x.imports = [ config.flake.modules.nixos.${config.y} ];
}"#,
        expect![[r#"
            module args=["config", "lib", "mkAspect"] keys=["flake", "flake", "flake", "flake"] provides=[]
            node flake "flake"
            node flake.modules "modules"
            node flake.modules.nixos "nixos" opaque=Call
            node flake "flake"
            node flake.modules "modules"
            node flake.modules.darwin "darwin" opaque=DynamicKey
            node flake "flake"
            node flake.homeModules "homeModules" opaque=Assigned
            node flake "flake"
            node flake.modules "modules"
            node flake.modules.generic "generic"
            node flake.modules.generic.x "x"
            node flake.modules.generic.x.imports "imports"
            ref Config something Select "config.something" owner=flake.modules.nixos anchor=Unknown
            ref Config name Select "config.name" owner=flake.modules.darwin
            ref Config flake.modules.homeManager Select "config.flake.modules.homeManager" owner=flake.homeModules anchor=node:flake.homeModules
            ref Config flake.modules.nixos Select "config.flake.modules.nixos.${config.y}" dynamic owner=flake.modules.generic.x.imports anchor=node:flake.modules.generic.x.imports
            ref Config y Select "config.y" owner=flake.modules.generic.x.imports"#]],
    );
}

#[test]
fn folded_constants() {
    check(
        r#"{ lib, ... }:
let
  names = [ "a" "b" ];
  specs = { c = 1; d = 2; };
  name = lib.removeSuffix ".nix" (baseNameOf __curPos.file);
in {
  flake.modules.nixos = lib.genAttrs names (n: { });
  flake.modules.darwin = lib.mapAttrs (n: v: { }) specs;
  flake.modules.homeManager.${name} = { };
}"#,
        expect![[r#"
            module args=["lib"] keys=["flake", "flake", "flake"] provides=[]
            node flake "flake"
            node flake.modules "modules"
            node flake.modules.nixos "nixos"
            node flake.modules.nixos.a "\"a\"" Listed { literal: 30..33 }
            node flake.modules.nixos.b "\"b\"" Listed { literal: 34..37 }
            node flake "flake"
            node flake.modules "modules"
            node flake.modules.darwin "darwin"
            node flake.modules.darwin.c "c"
            node flake.modules.darwin.d "d"
            node flake "flake"
            node flake.modules "modules"
            node flake.modules.homeManager "homeManager"
            node flake.modules.homeManager.x "${name}" FileName"#]],
    );
}

#[test]
fn let_bound_flake_is_reexported() {
    check(
        r#"let
  flake.modules.homeManager.bar = { };
in { inherit flake; }"#,
        expect![[r#"
            module args=[] keys=["flake"] provides=[]
            node flake "flake"
            node flake.modules "modules"
            node flake.modules.homeManager "homeManager"
            node flake.modules.homeManager.bar "bar""#]],
    );
}

#[test]
fn den_and_flake_aspects() {
    check(
        r#"{ den, inputs, vix, ... }: {
  imports = [ (inputs.den.namespace "vix" true) ];
  den.aspects.igloo = {
    includes = [ den.aspects.base vix.bootable ];
    nixos = { };
  };
  flake.aspects = { aspects, ... }: {
    desktop.includes = [ aspects.gui ];
  };
  vix.bootable.nixos = { };
}"#,
        expect![[r#"
            module args=["den", "inputs", "vix"] keys=["den", "flake", "vix"] provides=[]
            node den "den"
            node den.aspects "aspects"
            node den.aspects.igloo "igloo"
            node den.aspects.igloo.includes "includes"
            node den.aspects.igloo.nixos "nixos"
            node flake "flake"
            node flake.aspects "aspects"
            node flake.aspects.desktop "desktop"
            node flake.aspects.desktop.includes "includes"
            node vix "vix"
            node vix.bootable "bootable"
            node vix.bootable.nixos "nixos"
            ref Input("den") namespace Select "inputs.den.namespace"
            ref Config den.aspects.base Select "den.aspects.base" owner=den.aspects.igloo.includes anchor=node:den.aspects.igloo.includes
            ref Argument vix.bootable Select "vix.bootable" owner=den.aspects.igloo.includes anchor=node:den.aspects.igloo.includes
            ref Config flake.aspects.gui Select "aspects.gui" owner=flake.aspects.desktop.includes anchor=node:flake.aspects.desktop.includes
            namespace vix"#]],
    );
}

#[test]
fn hosts_and_builders() {
    check(
        r#"{ config, inputs, ... }: {
  flake.nixosConfigurations.gouda = inputs.nixpkgs.lib.nixosSystem {
    modules = [ config.flake.modules.nixos.gouda ];
  };
  configurations.nixos.brie.module = {
    imports = with config.flake.modules.nixos; [ base ];
  };
}"#,
        expect![[r#"
            module args=["config", "inputs"] keys=["flake", "configurations"] provides=[]
            node flake "flake"
            node flake.nixosConfigurations "nixosConfigurations"
            node flake.nixosConfigurations.gouda "gouda" opaque=Call
            node configurations "configurations"
            node configurations.nixos "nixos"
            node configurations.nixos.brie "brie"
            node configurations.nixos.brie.module "module"
            node configurations.nixos.brie.module.imports "imports"
            ref Input("nixpkgs") lib.nixosSystem Select "inputs.nixpkgs.lib.nixosSystem" owner=flake.nixosConfigurations.gouda
            ref Config flake.modules.nixos.gouda Select "config.flake.modules.nixos.gouda" owner=flake.nixosConfigurations.gouda anchor=Class("nixos")
            ref Config flake.modules.nixos.base With "base" owner=configurations.nixos.brie.module.imports anchor=node:configurations.nixos.brie.module.imports"#]],
    );
}

#[test]
fn option_declarations() {
    check(
        r#"{ lib, ... }: {
  options.nixos.modules = lib.mkOption { type = lib.types.lazyAttrsOf lib.types.deferredModule; };
  options.my = {
    modules = lib.mkOption { type = with lib.types; lazyAttrsOf (lazyAttrsOf deferredModule); };
    count = lib.mkOption { type = lib.types.int; };
  };
}"#,
        expect![[r#"
            module args=["lib"] keys=[] provides=[]
            option nixos.modules Aspects class=Some("nixos")
            option my.modules ClassesThenAspects class=None"#]],
    );
}

#[test]
fn flake_nix_inline_module() {
    let src = r#"{
  inputs.flake-parts.url = "github:hercules-ci/flake-parts";
  outputs = inputs@{ self, flake-parts, ... }:
    flake-parts.lib.mkFlake { inherit inputs; } {
      imports = [ (inputs.import-tree ./modules) ];
      flake.nixosModules.default = self.modules.nixos.base;
    };
}"#;
    expect![[r#"
        module args=[] keys=["flake"] provides=[]
        node flake "flake"
        node flake.nixosModules "nixosModules"
        node flake.nixosModules.default "default" opaque=Assigned
        ref Config flake.modules.nixos.base Select "self.modules.nixos.base" owner=flake.nixosModules.default anchor=node:flake.nixosModules.default"#]].assert_eq(&render("flake.nix", src));
}

#[test]
fn with_nesting_makes_references_uncertain() {
    // Under `with pkgs;`, the innermost, `a` is one of `pkgs` as far as canopy can tell: no
    // reference at all (dendritic.md §8.4).
    check(
        r#"{ config, pkgs, ... }: {
  flake.modules.nixos.x.imports = with config.flake.modules.nixos; with pkgs; [ a ];
  flake.modules.nixos.y.imports = with config.flake.modules.nixos; [ (b.c or null) ];
}"#,
        expect![[r#"
            module args=["config", "pkgs"] keys=["flake", "flake"] provides=[]
            node flake "flake"
            node flake.modules "modules"
            node flake.modules.nixos "nixos"
            node flake.modules.nixos.x "x"
            node flake.modules.nixos.x.imports "imports"
            node flake "flake"
            node flake.modules "modules"
            node flake.modules.nixos "nixos"
            node flake.modules.nixos.y "y"
            node flake.modules.nixos.y.imports "imports"
            ref Config flake.modules.nixos.b.c With "b.c or null" uncertain owner=flake.modules.nixos.y.imports anchor=node:flake.modules.nixos.y.imports"#]],
    );
}

/// A big text's Nix grammar runs on its own thread while rnix parses when the file is edited
/// (`summarize_keeping_tree`), and after the summary, where the gate needs it, in a batch
/// (`summarize`): the summary is the same either way, including the errors whose report needs
/// Nix's symbol order.
#[test]
fn a_big_file_summarises_the_same_with_its_grammar_on_another_thread() {
    // `a` is met before `b`: Nix reports the repeated `a` first, though `b` repeats first.
    let mut src = String::from("{ config, ... }: {\n  a = 0;\n");
    for i in 0..800 {
        src.push_str(&format!("  flake.modules.nixos.aspect{i}.services.s{i}.enable = true;\n"));
    }
    // Repeated formals (Nix reports the first in its symbol order), a duplicate, an undefined name.
    src.push_str("  x = { b, a, b, a }: a;\n  y = 1;\n  y = 2;\n  z = nowhere;\n}\n");
    assert!(src.len() >= super::CONCURRENT_GRAMMAR_FROM, "the text must take the concurrent path");
    let (concurrent, _) = super::summarize_keeping_tree("modules/big.nix", &src);
    assert_eq!(concurrent, summarize("modules/big.nix", &src));
    let parse = crate::syntax::parse(&src);
    assert_eq!(concurrent, super::summarize_parse("modules/big.nix", &src, &parse));
    let messages: Vec<&str> = concurrent.diagnostics.iter().map(|d| &*d.message).collect();
    assert_eq!(
        messages,
        [
            "duplicate formal function argument 'a'",
            "duplicate formal function argument 'b'",
            "attribute 'y' already defined at 804:3",
            "undefined variable 'nowhere'"
        ]
    );
}

/// The `let` is walked first, as plain expressions, where `aspects` means nothing yet; folded into
/// `flake`, the lambda's `aspects` is flake-aspects' own, and the `with` is read again with it:
/// what the extractor keeps of a `with`'s namespace never outlives what the namespace reads.
#[test]
fn a_with_read_before_its_lambda_has_meaning_is_read_again() {
    check(
        r#"{ ... }:
let parts = { aspects = { aspects, ... }: { desktop.includes = with aspects; [ gui ]; }; };
in { flake = parts; }"#,
        expect![[r#"
            module args=[] keys=["flake"] provides=[]
            node flake "flake"
            node flake.aspects "aspects"
            node flake.aspects.desktop "desktop"
            node flake.aspects.desktop.includes "includes"
            ref Config flake.aspects.gui With "gui" owner=flake.aspects.desktop.includes anchor=node:flake.aspects.desktop.includes"#]],
    );
}

/// A field of a `let`-bound set literal folds like a `let`-bound string, selected or inherited,
/// with the name's origin at the string literal. The near misses stay dynamic: a field with an
/// `or` default, a field written twice or below a dotted key, a set with a dynamic key (which may
/// be the field), a lambda argument's field.
#[test]
fn fields_of_a_let_bound_set_fold() {
    check(
        r#"{ host, ... }:
let
  info = { name = "box"; system = "x86_64-linux"; net = { domain = "lan"; }; };
  alias = info;
  inherit (info) name;
  twice = { a = "x"; a = "y"; b.c = "z"; };
  dyn = { ${host} = "q"; d = "w"; };
in
{
  den.hosts.${info.system}.${info.name} = { };
  den.aspects.${name}.x = { };
  den.aspects.${alias.net.domain}.x = { };
  den.aspects.${info.name or "o"}.x = { };
  den.aspects.${twice.a}.x = { };
  den.aspects.${twice.b.c}.x = { };
  den.aspects.${dyn.d}.x = { };
  den.aspects.${host.name}.x = { };
}"#,
        expect![[r#"
            module args=["host"] keys=["den", "den", "den", "den", "den", "den", "den", "den"] provides=[]
            node den "den"
            node den.hosts "hosts"
            node den.hosts.x86_64-linux "${info.system}" Constant { literal: 53..67 }
            node den.hosts.x86_64-linux.box "${info.name}" Constant { literal: 37..42 }
            node den "den"
            node den.aspects "aspects"
            node den.aspects.box "${name}" Constant { literal: 37..42 }
            node den.aspects.box.x "x"
            node den "den"
            node den.aspects "aspects"
            node den.aspects.lan "${alias.net.domain}" Constant { literal: 86..91 }
            node den.aspects.lan.x "x"
            node den "den"
            node den.aspects "aspects" opaque=DynamicKey
            node den "den"
            node den.aspects "aspects" opaque=DynamicKey
            node den "den"
            node den.aspects "aspects" opaque=DynamicKey
            node den "den"
            node den.aspects "aspects" opaque=DynamicKey
            node den "den"
            node den.aspects "aspects" opaque=DynamicKey
            ref Argument host Select "host"
            ref Argument host.name Select "host.name" owner=den.aspects"#]],
    );
}
