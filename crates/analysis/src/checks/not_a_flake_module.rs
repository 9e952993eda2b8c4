//! `not-a-flake-module`: a plain NixOS or home-manager module under an import-tree root, which
//! import-tree loads as a flake-parts module (evaluation then fails with a misleading
//! infinite-recursion error about `modulesPath`).

use super::Cx;
use crate::diagnostics::{Diagnostic, DiagnosticKind};

/// Top-level keys only flake-parts modules have (`imports`, `options`, `config` belong to every
/// module system and tell nothing).
const FLAKE_PARTS_KEYS: &[&str] =
    &["flake", "perSystem", "systems", "transposition", "allSystems", "debug", "partitions", "partitionedAttrs"];

/// Top-level options of NixOS, home-manager and nix-darwin that flake-parts does not have.
const LOWER_LEVEL_KEYS: &[&str] = &[
    "boot",
    "console",
    "documentation",
    "environment",
    "fileSystems",
    "fonts",
    "gtk",
    "hardware",
    "home",
    "homebrew",
    "i18n",
    "launchd",
    "location",
    "networking",
    "nix",
    "nixpkgs",
    "powerManagement",
    "programs",
    "qt",
    "security",
    "services",
    "sound",
    "swapDevices",
    "system",
    "systemd",
    "time",
    "users",
    "virtualisation",
    "wayland",
    "xdg",
    "xsession",
    "zramSwap",
];

/// Arguments only lower-level module systems give.
const LOWER_LEVEL_ARGS: &[&str] = &["modulesPath", "osConfig", "nixosConfig", "darwinConfig"];

pub(super) fn check(cx: &mut Cx) {
    let Some(module) = &cx.data.summary.module else { return };
    let collections = cx.ws.collections();
    let flake_key = module.keys.iter().any(|k| {
        FLAKE_PARTS_KEYS.contains(&k.text.as_str())
            || collections.is_root(&k.text)
            || collections.declares_root(&k.text)
    });
    if flake_key {
        return;
    }
    let sign = module
        .keys
        .iter()
        .find(|k| LOWER_LEVEL_KEYS.contains(&k.text.as_str()))
        .map(|k| (k.range, format!("`{}` is a NixOS/home-manager option", k.text)))
        .or_else(|| {
            module
                .args
                .iter()
                .find(|a| LOWER_LEVEL_ARGS.contains(&a.name.as_str()))
                .map(|a| (a.range, format!("`{}` is an argument of NixOS/home-manager modules", a.name)))
        });
    if let Some((range, why)) = sign {
        let stem = cx.data.path.rsplit('/').next().unwrap_or("").trim_end_matches(".nix");
        let message = format!(
            "this file looks like a plain NixOS/home-manager module ({why}), but import-tree loads every file \
             here as a flake-parts module; wrap it as `flake.modules.nixos.{stem} = ...`, or move it to a path \
             with a `_` component so import-tree skips it"
        );
        cx.out.push(Diagnostic::new(DiagnosticKind::NotAFlakeModule, range, message));
    }
}
