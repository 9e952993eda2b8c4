//! Whether Nix certainly evaluates the value at a place as a module, calling it with the module
//! system's arguments and merging its definitions: the places the module lints
//! (`summary/lints.rs`) are judged at.
//!
//! Certain are the top-level module itself and the modules it imports; a lower-level module
//! stored in a class-first collection (`flake.modules.<class>.<aspect>`, `flake.<x>Modules.<aspect>`,
//! an option the workspace declares as `deferredModule`); `perSystem` (flake-parts
//! `modules/perSystem.nix`: a `deferredModule` given to `lib.evalModules`); a builder's `modules`
//! (`lib.nixosSystem` and friends, dendritic.md §6); and, below a lower-level module, the nested
//! evaluations of `contexts.rs` (`home-manager.users.<name>`, `home-manager.sharedModules`: a
//! `submoduleWith` evaluates them with `evalModules`). An aspect-first collection's class (den,
//! flake-aspects) is stored by a library that may call it its own way: not judged.

use smol_str::SmolStr;

use crate::dendritic::collections::{CollectionSet, RowKind};
use crate::dendritic::contexts;
use crate::summary::lints::{Base, Lint, Place};

/// The lints of a file that are about places certainly evaluated as modules.
pub(super) fn certain<'a>(collections: &'a CollectionSet, lints: &'a [Lint]) -> impl Iterator<Item = &'a Lint> {
    lints.iter().filter(|lint| is_module(collections, lint.place()))
}

pub(super) fn is_module(collections: &CollectionSet, place: &Place) -> bool {
    let path = place.path.as_slice();
    if !place.listed {
        return is_module_value(collections, place.base, path);
    }
    match path.split_last() {
        Some((last, owner)) if last == "imports" => is_module_value(collections, place.base, owner),
        Some((last, [])) if last == "modules" => place.base == Base::Builder,
        _ => nested(collections, place.base, path),
    }
}

/// The value at `path` is a module.
fn is_module_value(collections: &CollectionSet, base: Base, path: &[SmolStr]) -> bool {
    match base {
        _ if path.is_empty() => true,
        Base::TopLevel if path.len() == 1 && path[0] == "perSystem" => true,
        Base::TopLevel if stores_module(collections, path) => true,
        _ => nested(collections, base, path),
    }
}

/// `path` ends in a nested evaluation (as a whole: `home-manager.users.bob`) below a
/// lower-level module.
fn nested(collections: &CollectionSet, base: Base, path: &[SmolStr]) -> bool {
    (0..path.len()).rev().any(|split| {
        let (owner, tail) = path.split_at(split);
        contexts::nested_exactly(tail) && is_lower_level(collections, base, owner)
    })
}

/// A module of a lower-level class (not flake-parts' own) sits at `path`.
fn is_lower_level(collections: &CollectionSet, base: Base, path: &[SmolStr]) -> bool {
    match base {
        Base::Builder if path.is_empty() => true,
        Base::TopLevel if path.is_empty() || path == ["perSystem"] => false,
        _ => is_module_value(collections, base, path),
    }
}

/// `path` names an aspect of a class-first collection: its value is a stored module.
pub(super) fn stores_module(collections: &CollectionSet, path: &[SmolStr]) -> bool {
    let Some(m) = collections.match_path(path) else { return false };
    let aspect_last = m.aspect.as_ref().is_some_and(|(_, at)| *at + 1 == path.len());
    aspect_last
        && m.complete
        && !collections.aspect_first(m.row)
        && matches!(m.kind, RowKind::FlakeModules | RowKind::Outputs | RowKind::Custom)
}

/// Whether nothing between the module at `module` and the definition `definition` below it is a
/// module of another evaluation (an aspect stored in the top-level configuration, a nested
/// evaluation): only then does the module's own `config` hold that definition.
pub(super) fn defined_in(collections: &CollectionSet, module: &Place, definition: &[SmolStr]) -> bool {
    let mut path = root_of(module);
    let root = path.len();
    path.extend(definition.iter().cloned());
    (root + 1..path.len()).all(|end| !is_module_value(collections, module.base, &path[..end]))
}

/// Where the configuration of the module at `place` starts: an imported module's is its
/// importer's, a builder's module's the builder's root.
fn root_of(place: &Place) -> Vec<SmolStr> {
    let mut path = place.path.clone();
    let imported = path.last().is_some_and(|last| last == "imports");
    let built = place.base == Base::Builder && path.len() == 1 && path[0] == "modules";
    if place.listed && (imported || built) {
        path.pop();
    }
    path
}

#[cfg(test)]
mod tests {
    use super::*;

    fn place(base: Base, path: &str, listed: bool) -> Place {
        let path = path.split('.').filter(|s| !s.is_empty()).map(SmolStr::new).collect();
        Place { base, path, listed }
    }

    #[test]
    fn certain_places() {
        let set = CollectionSet::default();
        for (base, path, listed) in [
            (Base::TopLevel, "", false),
            (Base::TopLevel, "imports", true),
            (Base::TopLevel, "perSystem", false),
            (Base::TopLevel, "flake.modules.nixos.ssh", false),
            (Base::TopLevel, "flake.modules.nixos.ssh.imports", true),
            (Base::TopLevel, "flake.nixosModules.ssh", false),
            (Base::TopLevel, "flake.modules.nixos.ssh.home-manager.users.bob", false),
            (Base::TopLevel, "flake.modules.nixos.ssh.home-manager.sharedModules", true),
            (Base::Builder, "modules", true),
            (Base::Builder, "home-manager.users.bob", false),
        ] {
            assert!(is_module(&set, &place(base, path, listed)), "{path} is a module");
        }
    }

    #[test]
    fn places_canopy_cannot_judge() {
        let set = CollectionSet::default();
        for (base, path, listed) in [
            (Base::TopLevel, "flake.lib.mkHost", false),
            (Base::TopLevel, "den.aspects.ssh", false),
            (Base::TopLevel, "den.aspects.ssh.nixos", false),
            (Base::TopLevel, "flake.aspects.ssh.nixos", false),
            (Base::TopLevel, "home-manager.users.bob", false),
            (Base::TopLevel, "flake.modules.nixos", false),
            (Base::TopLevel, "flake.modules.nixos.ssh.services", false),
            (Base::TopLevel, "configurations.nixos.pc.module", false),
            (Base::TopLevel, "den.aspects.ssh.includes", true),
            (Base::TopLevel, "flake.modules.nixos.ssh.hm.imports", true),
        ] {
            assert!(!is_module(&set, &place(base, path, listed)), "{path} is no certain module");
        }
    }
}
