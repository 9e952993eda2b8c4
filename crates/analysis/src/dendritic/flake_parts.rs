//! flake-parts: what a top-level module is given and what it may set.
//!
//! Followed in flake-parts' source: `lib.nix` (`mkFlake` evaluates the top-level modules with
//! `self`, `inputs`, `flake-parts-lib` and `moduleLocation` as special arguments, class `flake`),
//! `modules/perSystem.nix` (`getSystem`; `self'`, `inputs'` and `system` given inside
//! `perSystem` only, where `self` and `inputs` throw), `modules/nixpkgs.nix` (`pkgs`, inside
//! `perSystem`), `modules/withSystem.nix`, `modules/moduleWithSystem.nix`.

use super::collections;

/// What a top-level module argument stands for, as the start of a path canopy follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Argument {
    /// `config`: the flake-parts configuration.
    Config,
    /// `self`: the flake's outputs, `config.flake`.
    SelfOutputs,
    /// `inputs`: other flakes; `inputs.self` is `self`.
    Inputs,
    /// A library's argument that is a path of the configuration (den's `den` is `config.den`).
    ConfigPath(&'static [&'static str]),
    /// An argument that never holds aspects (`lib`, `pkgs`, ...).
    Nothing,
}

/// Arguments flake-parts and the module system give that hold no aspects. Some exist only in
/// lower-level modules or only inside `perSystem`; asking for them at top level is another
/// diagnostic's business.
const NOTHING: &[&str] = &[
    "lib",
    "options",
    "pkgs",
    "system",
    "self'",
    "inputs'",
    "flake-parts-lib",
    "moduleLocation",
    "withSystem",
    "moduleWithSystem",
    "getSystem",
    "modulesPath",
    "osConfig",
    "nixosConfig",
    "darwinConfig",
    "specialArgs",
    "__findFile",
    "_class",
];

/// What a top-level module argument means; `None` for one canopy has no fixed meaning for (a den
/// namespace, when the workspace declares it, or an argument set with `_module.args`).
pub(crate) fn module_argument(name: &str) -> Option<Argument> {
    match name {
        "config" => Some(Argument::Config),
        "self" => Some(Argument::SelfOutputs),
        "inputs" => Some(Argument::Inputs),
        _ if NOTHING.contains(&name) => Some(Argument::Nothing),
        _ => collections::library_argument(name).map(Argument::ConfigPath),
    }
}

/// Arguments that exist only inside `perSystem`: a top-level module that reads one fails with
/// "attribute 'pkgs' missing".
pub(crate) const PER_SYSTEM_ONLY: &[&str] = &["pkgs", "system", "self'", "inputs'"];

/// Top-level keys only flake-parts modules have (`imports`, `options`, `config` belong to every
/// module system and tell nothing).
pub(crate) const FLAKE_PARTS_KEYS: &[&str] =
    &["flake", "perSystem", "systems", "transposition", "allSystems", "debug", "partitions", "partitionedAttrs"];

/// The flake-parts options a lower-level module's own `config` is mistaken for: reading them there
/// is `shadowed-config`.
pub(crate) const TOP_LEVEL_ONLY: &[&str] = &["flake", "perSystem"];

/// Keys of every module whose values are the module system's own, not configuration.
pub(crate) const MODULE_SYSTEM_KEYS: &[&str] = &["_file", "key", "disabledModules", "_class", "meta", "freeformType"];

/// The function a flake's `outputs` calls with its top-level module.
pub(crate) const MK_FLAKE: &str = "mkFlake";

/// Inputs whose flake modules write none of the flake's module outputs (`flake.<x>Modules`):
/// flake-parts' own (`extras/*.nix` declare options such as `flake.modules` and
/// `flake.flakeModules`, and define nothing in them), den (`nix/flakeModule.nix` imports den's
/// `modules/`, which write `den.*` and never a module output, at 815076e), flake-aspects
/// (`nix/flakeModule.nix` writes `flake.modules` from `flake.aspects`, which the collection table
/// models), and import-tree (no flake module: a function).
const WRITE_NO_OUTPUTS: &[&str] = &["flake-parts", "den", "flake-aspects", "import-tree"];

/// Whether `inputs.<input>.<path>`, imported by a top-level module, is a flake module that may
/// fill the flake's module outputs: any flake module of an input not in `WRITE_NO_OUTPUTS`
/// (`inputs.wrappers.flakeModules.wrappers` builds `flake.wrapperModules`).
pub(crate) fn may_define_outputs(input: &str, path: &[crate::summary::Name]) -> bool {
    is_flake_module(path) && !WRITE_NO_OUTPUTS.contains(&input)
}

/// Whether `inputs.<input>.<path>` names a flake module: `flakeModule`, `flakeModules.<x>` or
/// `modules.flake.<x>`.
fn is_flake_module(path: &[crate::summary::Name]) -> bool {
    match path.first().map(|n| n.text.as_str()) {
        Some("flakeModule" | "flakeModules") => true,
        Some("modules") => path.get(1).is_some_and(|n| n.text == "flake"),
        _ => false,
    }
}

/// The collection whose modules `inputs.<input>.<path>`, imported by a top-level module, stamps
/// with their class (`_class`), so that the module system rejects one imported into another
/// class: flake-parts' `extras/modules.nix` (`flakeModules.modules`) declares `flake.modules`
/// with `_class` set from the class name. Without it `flake.modules` is plain data, and a class
/// mismatch is no error (dendritic.md §8.2).
pub(crate) fn stamps_classes(input: &str, path: &[crate::summary::Name]) -> Option<&'static str> {
    let texts: Vec<&str> = path.iter().map(|n| n.text.as_str()).collect();
    (input == "flake-parts" && texts == ["flakeModules", "modules"]).then_some(STAMPED)
}

/// The collection flake-parts' modules module stamps with classes (`stamps_classes`).
pub(crate) const STAMPED: &str = "flake.modules";

/// Flake outputs flake-parts declares as options, so that their definitions merge: `modules/*.nix`
/// (`apps`, `checks`, `devShells`, `formatter`, `legacyPackages`, `packages` through
/// `mkTransposedPerSystemModule`; `nixosConfigurations`, `nixosModules`, `overlays`) and
/// `extras/` (`bundlers`, `flakeModules` with its alias `flakeModule`, `modules`). flake-aspects'
/// `nix/flakeModule.nix` declares `aspects`. Any other `flake.<x>` is `types.unique` over `raw`
/// (`modules/flake.nix`): defined in two modules, Nix fails with "No option has been declared for
/// this flake output attribute, so its definitions can't be merged automatically".
pub(crate) const DECLARED_OUTPUTS: &[&str] = &[
    "apps",
    "bundlers",
    "checks",
    "devShells",
    "flakeModule",
    "flakeModules",
    "formatter",
    "legacyPackages",
    "modules",
    "nixosConfigurations",
    "nixosModules",
    "overlays",
    "packages",
    "aspects",
];

/// Stands for every flake output, where a module declares `options.flake` whole.
pub(crate) const ANY_OUTPUT: &str = "*";

/// Stands for the outputs a flake module of another flake may declare (`may_declare_outputs`).
pub(crate) const FOREIGN_OUTPUTS: &str = "?";

/// What `inputs.<input>.<path>`, imported by a top-level module, declares of the flake's outputs:
/// home-manager's flake module (`flake-module.nix`) declares `homeModules` and
/// `homeConfigurations`, and for a few weeks of 2025 `homeManagerModules` instead, which it may
/// therefore declare (`?homeManagerModules`); any other flake module but flake-parts' and
/// flake-aspects' (`DECLARED_OUTPUTS`) may declare any (`FOREIGN_OUTPUTS`).
pub(crate) fn declared_by_flake_module(input: &str, path: &[crate::summary::Name]) -> &'static [&'static str] {
    if !is_flake_module(path) || matches!(input, "flake-parts" | "flake-aspects") {
        return &[];
    }
    let home_manager = input == "home-manager" || path.get(1).is_some_and(|n| n.text == "home-manager");
    if home_manager { &["homeModules", "homeConfigurations", "?homeManagerModules"] } else { &[FOREIGN_OUTPUTS] }
}
