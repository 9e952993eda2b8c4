//! `not-a-flake-module`: a plain NixOS or home-manager module under an import-tree root, which
//! import-tree loads as a flake-parts module (evaluation then fails with a misleading
//! infinite-recursion error about `modulesPath`).

use super::cx::Cx;
use super::edits;
use crate::base::fix::{FileRename, Fix};
use crate::base::text::TextRange;
use crate::dendritic::classes::{LOWER_LEVEL_ARGS, LOWER_LEVEL_KEYS, ModuleSystem, module_system};
use crate::dendritic::flake_parts::FLAKE_PARTS_KEYS;

pub(super) fn check(cx: &mut Cx) {
    let Some(sign) = lower_level_sign(cx) else { return };
    let stem = cx.file.path.rsplit('/').next().unwrap_or("").trim_end_matches(".nix");
    let message = format!(
        "this file looks like a plain {} module ({}), but import-tree loads every file here as a \
         flake-parts module; wrap it as `flake.modules.{}.{} = ...`, or move it to a path with a `_` \
         component so import-tree skips it",
        sign.system,
        sign.why,
        sign.class,
        crate::syntax::render_attr_name(stem)
    );
    let fixes = [wrap_fix(cx, sign.class, stem), underscore_fix(cx)];
    cx.report(sign.range, message).add_fixes(fixes.into_iter().flatten());
}

/// The whole file as the value of `flake.modules.<class>.<file name>`, its arguments kept on
/// the module. Not safe: the module is no longer loaded as it was, but as an aspect to import.
fn wrap_fix(cx: &Cx, class: &str, stem: &str) -> Option<Fix> {
    let root = crate::syntax::parse(&cx.file.text).root();
    let range = crate::syntax::trimmed_range(&edits::top_expr(&root)?);
    let text = cx.file.text.get(std::ops::Range::<usize>::from(range))?;
    let path = format!("flake.modules.{class}.{}", crate::syntax::render_attr_name(stem));
    let wrapped = format!("{{\n  {path} =\n    {};\n}}", edits::indent(text, "    "));
    let fix = Fix::edit(format!("Wrap as `{path}`"), cx.file_id, vec![edits::replace(range, wrapped)]);
    Some(fix.preferred(true))
}

/// The file moved beside itself with a `_` in front of its name, where import-tree skips it.
fn underscore_fix(cx: &Cx) -> Option<Fix> {
    let (folder, name) = match cx.file.path.rsplit_once('/') {
        Some((folder, name)) => (format!("{folder}/"), name),
        None => (String::new(), cx.file.path.as_str()),
    };
    let to = format!("{folder}_{name}");
    Some(Fix {
        title: format!("Move to `{to}`, which import-tree skips"),
        edits: Vec::new(),
        creates: Vec::new(),
        renames: vec![FileRename { file: cx.file_id, to }],
        safe: false,
        preferred: false,
    })
}

/// Whether the file is a plain NixOS, nix-darwin or home-manager module rather than a
/// flake-parts one (what this check reports).
pub(super) fn looks_lower_level(cx: &Cx) -> bool {
    lower_level_sign(cx).is_some()
}

/// What gives a file away as a lower-level module.
struct Sign {
    range: TextRange,
    why: String,
    /// The module system it most likely belongs to.
    system: &'static str,
    class: &'static str,
}

/// The first sign that the file is a plain NixOS, nix-darwin or home-manager module rather than a
/// flake-parts one: a top-level key only those have, or an argument only they give. `None` for
/// any file with a flake-parts key.
fn lower_level_sign(cx: &Cx) -> Option<Sign> {
    let module = cx.file.summary.module.as_ref()?;
    let collections = cx.graph.collections();
    let flake_key = module.keys.iter().any(|k| {
        FLAKE_PARTS_KEYS.contains(&k.text.as_str())
            || collections.is_root(&k.text)
            || collections.declares_root(&k.text)
            || cx.graph.is_declared_root(&k.text)
    });
    if flake_key {
        return None;
    }
    let keys = module.keys.iter().map(|k| k.text.as_str());
    let args = module.args.iter().map(|a| a.name.as_str());
    let ModuleSystem { name: system, class } = module_system(keys, args);
    let key = module.keys.iter().find(|k| LOWER_LEVEL_KEYS.contains(&k.text.as_str()));
    let arg = module.args.iter().find(|a| LOWER_LEVEL_ARGS.contains(&a.name.as_str()));
    let (range, why) = match (key, arg) {
        (Some(key), _) => (key.range, format!("`{}` is a {system} option, not a flake-parts one", key.text)),
        (None, Some(arg)) => (arg.range, format!("flake-parts gives no `{}` argument", arg.name)),
        (None, None) => return None,
    };
    Some(Sign { range, why, system, class })
}

#[cfg(test)]
mod tests {
    use expect_test::{Expect, expect};

    use crate::base::diagnostics::DiagnosticKind;
    use crate::checks::test_support;

    fn check(fixture: &str, expect: Expect) {
        test_support::check(DiagnosticKind::NotAFlakeModule, fixture, expect);
    }

    #[track_caller]
    fn check_silent(fixture: &str) {
        test_support::check_silent(DiagnosticKind::NotAFlakeModule, fixture);
    }

    // ---- where it fires ------------------------------------------------------------------------

    #[test]
    fn fresh_nixos_generate_config_output() {
        check(
            r#"
#- /modules/hosts/gouda/hardware-configuration.nix
{ config, lib, pkgs, modulesPath, ... }:
{
  imports = [ (modulesPath + "/installer/scan/not-detected.nix") ];

  boot.initrd.availableKernelModules = [ "xhci_pci" "nvme" ];
  fileSystems."/" = { device = "/dev/disk/by-label/nixos"; fsType = "ext4"; };
  nixpkgs.hostPlatform = lib.mkDefault "x86_64-linux";
}
"#,
            expect![[
                r#"modules/hosts/gouda/hardware-configuration.nix:5:3 error[not-a-flake-module] "boot": this file looks like a plain NixOS module (`boot` is a NixOS option, not a flake-parts one), but import-tree loads every file here as a flake-parts module; wrap it as `flake.modules.nixos.hardware-configuration = ...`, or move it to a path with a `_` component so import-tree skips it"#
            ]],
        );
    }

    #[test]
    fn a_home_manager_module() {
        check(
            r#"
#- /modules/bob.nix
{ osConfig, pkgs, ... }: {
  programs.git.enable = true;
  home.stateVersion = osConfig.system.stateVersion;
}
"#,
            expect![[
                r#"modules/bob.nix:2:3 error[not-a-flake-module] "programs": this file looks like a plain home-manager module (`programs` is a home-manager option, not a flake-parts one), but import-tree loads every file here as a flake-parts module; wrap it as `flake.modules.homeManager.bob = ...`, or move it to a path with a `_` component so import-tree skips it"#
            ]],
        );
    }

    #[test]
    fn a_nixos_module_with_options() {
        check(
            r#"
#- /modules/my-service.nix
{ config, lib, ... }: {
  options.my.enable = lib.mkEnableOption "my service";
  config = { services.nginx.enable = config.my.enable; };
}
"#,
            expect![[
                r#"modules/my-service.nix:3:14 error[not-a-flake-module] "services": this file looks like a plain NixOS module (`services` is a NixOS option, not a flake-parts one), but import-tree loads every file here as a flake-parts module; wrap it as `flake.modules.nixos.my-service = ...`, or move it to a path with a `_` component so import-tree skips it"#
            ]],
        );
    }

    #[test]
    fn a_nixos_module_with_a_conditional_config() {
        check(
            r#"
#- /modules/my-service.nix
{ config, lib, ... }: {
  options.my.enable = lib.mkEnableOption "my service";
  config = lib.mkIf config.my.enable { services.nginx.enable = true; };
}
"#,
            expect![[
                r#"modules/my-service.nix:3:40 error[not-a-flake-module] "services": this file looks like a plain NixOS module (`services` is a NixOS option, not a flake-parts one), but import-tree loads every file here as a flake-parts module; wrap it as `flake.modules.nixos.my-service = ...`, or move it to a path with a `_` component so import-tree skips it"#
            ]],
        );
    }

    #[test]
    fn only_an_argument_gives_it_away() {
        check(
            r#"
#- /modules/qemu.nix
{ modulesPath, ... }: {
  imports = [ (modulesPath + "/profiles/qemu-guest.nix") ];
}
"#,
            expect![[
                r#"modules/qemu.nix:1:3 error[not-a-flake-module] "modulesPath": this file looks like a plain NixOS module (flake-parts gives no `modulesPath` argument), but import-tree loads every file here as a flake-parts module; wrap it as `flake.modules.nixos.qemu = ...`, or move it to a path with a `_` component so import-tree skips it"#
            ]],
        );
    }

    // ---- near misses: Nix evaluates these, or fails for another reason ------------------------

    #[test]
    fn a_flake_parts_module_that_asks_for_pkgs() {
        check_silent(
            r#"
#- /modules/tools.nix
{ pkgs, ... }: {
  flake.modules.nixos.tools.environment.systemPackages = [ pkgs.git ];
}
"#,
        );
    }

    #[test]
    fn a_wrapped_nixos_module() {
        check_silent(
            r#"
#- /modules/hosts/gouda/hardware.nix
{
  flake.modules.nixos.gouda = { modulesPath, ... }: {
    imports = [ (modulesPath + "/installer/scan/not-detected.nix") ];
    boot.initrd.availableKernelModules = [ "nvme" ];
  };
}
"#,
        );
    }

    #[test]
    fn files_import_tree_does_not_load() {
        check_silent(
            r#"
#- /hosts/gouda/hardware-configuration.nix
{ modulesPath, ... }: { boot.loader.grub.enable = true; }
#- /modules/_hardware.nix
{ modulesPath, ... }: { boot.loader.grub.enable = true; }
#- /modules/hosts/_gouda/hardware.nix
{ modulesPath, ... }: { boot.loader.grub.enable = true; }
"#,
        );
    }

    #[test]
    fn keys_of_every_storage_style() {
        check_silent(
            r#"
#- /modules/namespace.nix
{ inputs, ... }: { imports = [ (inputs.den.namespace "vix" true) ]; }
#- /modules/options.nix
{ lib, ... }: {
  options.home.modules = lib.mkOption { type = lib.types.lazyAttrsOf lib.types.deferredModule; };
}
#- /modules/custom.nix
{ home.modules.bob = { programs.git.enable = true; }; }
#- /modules/den.nix
{ den.hosts.x86_64-linux.igloo.users.tux = { }; }
#- /modules/den-namespace.nix
{ osConfig, ... }: { vix.tux.homeManager.programs.git.enable = true; }
#- /modules/unify.nix
{ unify.modules.gui.nixos.services.xserver.enable = true; }
#- /modules/configurations.nix
{ configurations.nixos.gouda.module.boot.loader.grub.enable = true; }
#- /modules/outputs.nix
{ flake.nixosModules.gouda.boot.loader.grub.enable = true; }
"#,
        );
    }

    #[test]
    fn a_custom_option_named_like_a_nixos_option() {
        check_silent(
            r#"
#- /modules/options.nix
{ lib, ... }: {
  options.users = lib.mkOption { type = lib.types.attrsOf (lib.types.attrsOf lib.types.str); };
}
#- /modules/alice.nix
{ users.alice.email = "alice@example.org"; }
"#,
        );
    }

    #[test]
    fn a_module_with_no_sign() {
        check_silent(
            r#"
#- /modules/lib.nix
{ lib, ... }: {
  imports = [ ./_helpers.nix ];
  _module.args.helpers = { };
}
"#,
        );
    }
}
