//! den as dendritic.md §8.3 describes it, each rule checked against den's source: batteries and
//! bracket references are references, declared and forwarded classes are classes, a key holding
//! classes is a nested aspect, and a host written without its system is one host.

use expect_test::{Expect, expect};

use crate::graph::tests::{render_diagnostics, render_roster, workspace};

const FLAKE: &str = r#"#- /flake.nix
{ outputs = inputs: inputs.flake-parts.lib.mkFlake { inherit inputs; } (inputs.import-tree ./modules); }
#- /modules/den.nix
{ inputs, den, ... }: {
  imports = [ inputs.den.flakeModule (inputs.den.namespace "vix" true) ];
  _module.args.__findFile = den.lib.__findFile;
  den.hosts.x86_64-linux.igloo.users.tux = { };
}
"#;

fn check_diagnostics(fixture: &str, expect: Expect) {
    expect.assert_eq(&render_diagnostics(&workspace(&format!("{FLAKE}{fixture}"))));
}

fn check_roster(fixture: &str, expect: Expect) {
    expect.assert_eq(&render_roster(&workspace(&format!("{FLAKE}{fixture}"))));
}

#[test]
fn batteries_are_den_s_own_aspects() {
    check_diagnostics(
        r#"#- /modules/igloo.nix
{ den, ... }: {
  den.aspects.igloo.includes = [
    den._.define-user
    den.provides.primary-user
    den.batteries.hostname
    (den._.unfree [ "steam" ])
    den._.mine
    den._.unfre
  ];
  # A battery of the workspace's own.
  den.provides.mine.nixos = { };
}
"#,
        expect![[
            r#"modules/igloo.nix:8:11 warning[undefined-aspect] "unfre": aspect `unfre` is not defined in `den.provides`, nor one of den's own batteries as of the versions canopy knows; did you mean `unfree`?"#
        ]],
    );
}

#[test]
fn brackets_are_references_where_find_file_is_bound() {
    check_diagnostics(
        r#"#- /modules/tux.nix
{ __findFile, ... }: {
  den.aspects.tux.includes = [ <den.lib.parametric> <den.aspects.gone> <zsh> <den/define-user> <vix/bootable> <zsh/plugins> <nope> <den/nope> <vix/nah> <ghost/x> ];
}
#- /modules/zsh.nix
{ den.aspects.zsh.nixos.programs.zsh.enable = true; }
#- /modules/vix.nix
{ vix.bootable.nixos = { }; }
#- /modules/no-find-file.nix
{ den.aspects.other.includes = [ <nope> ]; }
"#,
        expect![[r#"
            modules/no-find-file.nix:1:15 hint[unused-aspect] "other": aspect `other` (den.aspects) is defined, but nothing imports, includes or references it, so it has no effect
            modules/tux.nix:2:66 error[undefined-aspect] "gone": aspect `gone` is not defined in `den.aspects`
            modules/tux.nix:2:126 error[undefined-aspect] "nope": aspect `nope` is not defined in `den.aspects`
            modules/tux.nix:2:137 warning[undefined-aspect] "nope": aspect `nope` is not defined in `den.provides`, nor one of den's own batteries as of the versions canopy knows
            modules/tux.nix:2:148 error[undefined-aspect] "nah": aspect `nah` is not defined in `vix`"#]],
    );
}

#[test]
fn a_bracket_is_judged_only_with_den_s_find_file_provided() {
    let fixture = r#"#- /flake.nix
{ outputs = inputs: inputs.flake-parts.lib.mkFlake { inherit inputs; } (inputs.import-tree ./modules); }
#- /modules/tux.nix
{ __findFile, ... }: { flake.modules.nixos.tux.imports = [ <nope> ]; }
"#;
    expect![[r#"modules/tux.nix:1:44 hint[unused-aspect] "tux": aspect `tux` (flake.modules.nixos) is defined, but nothing imports, includes or references it, so it has no effect"#]].assert_eq(&render_diagnostics(&workspace(fixture)));
}

#[test]
fn a_bracket_makes_its_aspect_used_and_navigable() {
    check_roster(
        r#"#- /modules/tux.nix
{ __findFile, ... }: { den.aspects.tux.includes = [ <zsh> ]; }
#- /modules/zsh.nix
{ den.aspects.zsh.nixos = { }; }
"#,
        expect![[r#"
            den.aspects.igloo classes=[] defs=[modules/den.nix@171] refs=[] hosts=["igloo"]
            den.aspects.tux classes=[] defs=[modules/den.nix@183 modules/tux.nix@35] refs=[] includes=["den.aspects.zsh"] hosts=["igloo"]
            den.aspects.zsh classes=["nixos"] defs=[modules/zsh.nix@14] refs=[modules/tux.nix@53] included_by=["den.aspects.tux"] hosts=["igloo"]
            host den.hosts igloo None aspects=["den.aspects.igloo", "den.aspects.tux"]"#]],
    );
}

#[test]
fn declared_and_forwarded_classes_are_classes() {
    check_diagnostics(
        r#"#- /modules/classes.nix
{ den, ... }: {
  den.classes.wslHost.description = "the WSL side of a host";
  den.aspects.forwards.includes = [
    (den._.forward { each = [ "Linux" "Darwin" ]; fromClass = p: "hm${p}"; intoClass = _: "homeManager"; intoPath = _: [ ]; })
  ];
}
#- /modules/alice.nix
{
  den.aspects.alice = {
    wslHost.wsl.defaultUser = "alice";
    hmLinux.programs.git.enable = true;
    hmDarwin.programs.git.enable = true;
    hmWindows.programs.git.enable = true;
    nixso.services.openssh.enable = true;
  };
}
"#,
        expect![[r#"
            modules/alice.nix:2:15 hint[unused-aspect] "alice": aspect `alice` (den.aspects) is defined, but nothing imports, includes or references it, so it has no effect
            modules/alice.nix:6:5 warning[unknown-class] "hmWindows": class `hmWindows` is not a known class (nixos, homeManager, darwin, nixvim, nixOnDroid, generic, flake) and nothing else in the repository uses it; check the spelling, or use it where its modules are imported
            modules/alice.nix:7:5 warning[unknown-class] "nixso": unknown class `nixso`; did you mean `nixos`?
            modules/classes.nix:3:15 hint[unused-aspect] "forwards": aspect `forwards` (den.aspects) is defined, but nothing imports, includes or references it, so it has no effect"#]],
    );
}

#[test]
fn a_forward_canopy_cannot_reduce_makes_den_classes_unknowable() {
    check_diagnostics(
        r#"#- /modules/classes.nix
{ den, lib, ... }: {
  den.aspects.forwards.includes = [ (den._.forward { each = lib.attrNames den.hosts; fromClass = lib.toUpper; }) ];
}
#- /modules/alice.nix
{
  den.aspects.alice.hmLinux.programs.git.enable = true;
  flake.modules.hmLinux.alice = { };
}
"#,
        expect![[r#"
            modules/alice.nix:2:15 hint[unused-aspect] "alice": aspect `alice` (den.aspects) is defined, but nothing imports, includes or references it, so it has no effect
            modules/alice.nix:3:17 warning[unknown-class] "hmLinux": class `hmLinux` is not a known class (nixos, homeManager, darwin, nixvim, nixOnDroid, generic, flake) and nothing else in the repository uses it; check the spelling, or use it where its modules are imported
            modules/alice.nix:3:25 hint[unused-aspect] "alice": aspect `alice` (flake.modules.hmLinux) is defined, but nothing imports, includes or references it, so it has no effect
            modules/classes.nix:2:15 hint[unused-aspect] "forwards": aspect `forwards` (den.aspects) is defined, but nothing imports, includes or references it, so it has no effect"#]],
    );
}

#[test]
fn nested_aspects_and_reserved_keys_are_no_classes() {
    check_diagnostics(
        r#"#- /modules/hardware.nix
{
  den.aspects.hardware = {
    audio.nixos.services.pipewire.enable = true;
    bluetooth = { includes = [ ]; homeManager = { }; };
    meta.owner = "me";
    imports = [ ];
    fancy.services.openssh.enable = true;
  };
}
#- /modules/igloo.nix
{ den, ... }: { den.aspects.igloo.includes = with den.aspects; [ hardware.audio den.aspects.hardware.bluetooth ]; }
"#,
        expect![[
            r#"modules/hardware.nix:7:5 warning[unknown-class] "fancy": class `fancy` is not a known class (nixos, homeManager, darwin, nixvim, nixOnDroid, generic, flake) and nothing else in the repository uses it; check the spelling, or use it where its modules are imported"#
        ]],
    );
}

#[test]
fn a_host_written_without_its_system_is_one_host() {
    check_roster(
        r#"#- /modules/phone.nix
{
  den.hosts.phone = { system = "aarch64-linux"; users.me = { }; };
  den.aspects.phone.nixos = { };
  den.aspects.me.homeManager = { };
}
"#,
        expect![[r#"
            den.aspects.igloo classes=[] defs=[modules/den.nix@171] refs=[] hosts=["igloo"]
            den.aspects.me classes=["homeManager"] defs=[modules/phone.nix@56 modules/phone.nix@116] refs=[] hosts=["phone"]
            den.aspects.phone classes=["nixos"] defs=[modules/phone.nix@14 modules/phone.nix@83] refs=[] hosts=["phone"]
            den.aspects.tux classes=[] defs=[modules/den.nix@183] refs=[] hosts=["igloo"]
            host den.hosts igloo None aspects=["den.aspects.igloo", "den.aspects.tux"]
            host den.hosts phone None aspects=["den.aspects.me", "den.aspects.phone"]"#]],
    );
}
