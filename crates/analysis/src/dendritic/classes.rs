//! Classes: the module systems lower-level modules belong to, how flake outputs spell them, and
//! what a plain module of each looks like (for `not-a-flake-module`).

use smol_str::SmolStr;

/// Classes every dendritic repository may use without declaring them.
pub(crate) const KNOWN_CLASSES: &[&str] =
    &["nixos", "homeManager", "darwin", "nixvim", "nixOnDroid", "generic", "flake"];

/// Stands for the classes a workspace creates that canopy cannot name (den's `forward` battery
/// with a `fromClass` it cannot reduce): never a class name, which cannot contain `*`.
pub(crate) const ANY_CLASS: &str = "*";

/// The class of modules that load into any evaluation.
pub(crate) const GENERIC: &str = "generic";

pub(crate) fn is_known_class(name: &str) -> bool {
    KNOWN_CLASSES.contains(&name)
}

/// The class an output attribute names: `nixosModules` is `nixos`, `homeModules` and
/// `homeManagerModules` are `homeManager`; `suffix` is `Modules` or `Configurations`.
pub(crate) fn class_of_output(key: &str, suffix: &str) -> Option<SmolStr> {
    let stem = key.strip_suffix(suffix).filter(|s| !s.is_empty())?;
    Some(SmolStr::new(match stem {
        "home" | "homeManager" => "homeManager",
        other => other,
    }))
}

/// A class a collection's path names: `nixos` in `nixos.modules`, `homeManager` in `homeModules`.
pub(crate) fn class_named_by(segment: &str) -> Option<SmolStr> {
    if is_known_class(segment) {
        return Some(SmolStr::new(segment));
    }
    class_of_output(segment, "Modules")
}

/// Top-level options of NixOS, home-manager and nix-darwin that flake-parts does not have.
pub(crate) const LOWER_LEVEL_KEYS: &[&str] = &[
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
pub(crate) const LOWER_LEVEL_ARGS: &[&str] = &["modulesPath", "osConfig", "nixosConfig", "darwinConfig"];

/// A module system, in prose and as a class.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ModuleSystem {
    pub(crate) name: &'static str,
    pub(crate) class: &'static str,
}

/// The module system a plain module with these top-level keys and arguments most likely belongs
/// to: home-manager has `home` and is given its host's configuration, nix-darwin has `homebrew`
/// and `launchd`, and NixOS is the rest.
pub(crate) fn module_system<'a>(
    keys: impl Iterator<Item = &'a str> + Clone,
    args: impl Iterator<Item = &'a str> + Clone,
) -> ModuleSystem {
    let has_key = |name: &str| keys.clone().any(|k| k == name);
    let has_arg = |names: &[&str]| args.clone().any(|a| names.contains(&a));
    if has_key("home") || has_arg(&["osConfig", "nixosConfig", "darwinConfig"]) {
        ModuleSystem { name: "home-manager", class: "homeManager" }
    } else if has_key("homebrew") || has_key("launchd") {
        ModuleSystem { name: "nix-darwin", class: "darwin" }
    } else {
        ModuleSystem { name: "NixOS", class: "nixos" }
    }
}
