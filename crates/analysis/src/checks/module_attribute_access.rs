//! `module-attribute-access`: an attribute selected from a stored module of a `deferredModule`
//! collection (`config.flake.nixosModules.allPlatforms.development`). Whatever was written at the
//! aspect, attrset or function, the option's value is the merge: `{ imports = [ ... ]; }`
//! (nixpkgs `lib/types.nix`, `deferredModuleWith`'s `merge`), which flake-parts wraps as
//! `{ _class; _file; imports; }` (`modules/nixosModules.nix`, in every version), or for
//! `flake.modules` as that attrset or, since December 2025, a function returning it
//! (`extras/modules.nix`, `addInfo`). Any other attribute is missing.
//!
//! Judged only where the collection is certainly of that type: `flake.nixosModules` (flake-parts
//! declares it), `flake.modules` where flake-parts' modules module is imported (without it
//! `flake.modules` is plain data), and options the workspace declares as plain `deferredModule`s
//! (no `apply`, `OptionDecl::plain`). Aspect-first collections (den, flake-aspects, unify) keep
//! each aspect as an attrset of classes, where selecting past the aspect is their design.

use smol_str::SmolStr;

use super::cx::Cx;
use crate::base::AspectKey;
use crate::base::fix::Fix;
use crate::base::text::TextRange;
use crate::dendritic::collections::{PathMatch, RowKind};
use crate::dendritic::flake_parts::STAMPED;
use crate::graph::resolve::Target;
use crate::summary::{Name, NameOrigin};
use crate::syntax::render_attr_name;

/// The attributes a merged module does have (`imports`, and the module system's keys flake-parts
/// may set; `key` is set by `flakeModules`).
const MODULE_KEYS: &[&str] = &["imports", "_class", "_file", "key"];

pub(super) fn check(cx: &mut Cx) {
    let summary = &cx.file.summary;
    for resolved in &cx.file.resolved.refs {
        let Target::Aspect { key, name, .. } = &resolved.target else { continue };
        if !resolved.certain || resolved.alias {
            continue;
        }
        let path = &summary.refs[resolved.index].path;
        let Some(at) = path.iter().position(|n| n.range == name.range && n.text == name.text) else { continue };
        let Some(next) = path.get(at + 1) else { continue };
        if MODULE_KEYS.contains(&next.text.as_str()) || !holds_merged_modules(cx, path) {
            continue;
        }
        let reference = path[..=at].iter().map(|n| render_attr_name(&n.text)).collect::<Vec<_>>().join(".");
        let attribute = &next.text;
        let message = format!(
            "`config.{reference}` is a stored module: after merging, a `deferredModule` holds only `imports` (and \
             `_class`, `_file`), not the attrset written there, so `.{}` fails (\"attribute '{attribute}' \
             missing\"); import the module whole, or store `{attribute}` as an aspect of its own",
            render_attr_name(attribute)
        );
        let fix = aspect_fix(cx, key, &path[at], next);
        cx.report(next.range, message).add_fixes(fix);
    }
}

/// Whether the collection `path` selects from merges each aspect into a module.
fn holds_merged_modules(cx: &Cx, path: &[Name]) -> bool {
    let texts: Vec<&str> = path.iter().map(|n| n.text.as_str()).collect();
    let collections = cx.graph.collections();
    let Some(m) = collections.match_path(&texts) else { return false };
    if collections.aspect_first(m.row) {
        return false;
    }
    match m.kind {
        RowKind::FlakeModules => cx.graph.is_stamped(STAMPED),
        RowKind::Outputs => is_nixos_modules(&m),
        RowKind::Custom => collections.holds_plain_modules(m.row),
        _ => false,
    }
}

/// flake-parts declares `flake.nixosModules` in its core (`modules/nixosModules.nix`); its other
/// module outputs come from extras or other flakes, whose types canopy does not know.
fn is_nixos_modules(m: &PathMatch) -> bool {
    m.collection == "flake.nixosModules"
}

/// `allPlatforms.development` → `development`, when the collection has that aspect.
fn aspect_fix(cx: &Cx, key: &AspectKey, aspect: &Name, next: &Name) -> Option<Fix> {
    let written = |n: &Name| matches!(n.origin, NameOrigin::Ident | NameOrigin::Quoted);
    let between = TextRange::new(aspect.range.end(), next.range.start());
    if !written(aspect) || !written(next) || cx.file.text.get(std::ops::Range::<usize>::from(between)) != Some(".") {
        return None;
    }
    let stored = AspectKey { name: SmolStr::new(&next.text), ..key.clone() };
    if cx.graph.defining_keys(&stored).is_empty() {
        return None;
    }
    let range = TextRange::new(aspect.range.start(), next.range.end());
    let title = format!("Select the aspect `{}`", next.text);
    let edit = super::edits::replace(range, render_attr_name(&next.text));
    Some(Fix::edit(title, cx.file_id, vec![edit]).preferred(true))
}

#[cfg(test)]
mod tests {
    use expect_test::{Expect, expect};

    use crate::base::diagnostics::DiagnosticKind;
    use crate::checks::test_support;

    fn check(fixture: &str, expect: Expect) {
        test_support::check(DiagnosticKind::ModuleAttributeAccess, fixture, expect);
    }

    #[track_caller]
    fn check_silent(fixture: &str) {
        test_support::check_silent(DiagnosticKind::ModuleAttributeAccess, fixture);
    }

    /// flake-parts' modules module, which makes `flake.modules` a collection of modules.
    const MODULES: &str = r#"
#- /flake.nix
{
  outputs = inputs: inputs.flake-parts.lib.mkFlake { inherit inputs; } {
    imports = [ inputs.flake-parts.flakeModules.modules (inputs.import-tree ./modules) ];
  };
}
"#;

    // ---- where it fires ------------------------------------------------------------------------

    #[test]
    fn a_nested_attrset_stored_as_one_module() {
        check(
            r#"
#- /modules/platforms.nix
{
  flake.nixosModules.allPlatforms = { development = { }; gaming = { }; };
}
#- /modules/pc.nix
{ config, ... }: {
  flake.nixosConfigurations.pc = config.flake.nixosModules.allPlatforms.development;
  flake.modules.nixos.pc.imports = [ config.flake.nixosModules.allPlatforms.gaming ];
}
"#,
            expect![[r#"
                modules/pc.nix:2:73 error[module-attribute-access] "development": `config.flake.nixosModules.allPlatforms` is a stored module: after merging, a `deferredModule` holds only `imports` (and `_class`, `_file`), not the attrset written there, so `.development` fails ("attribute 'development' missing"); import the module whole, or store `development` as an aspect of its own
                modules/pc.nix:3:77 error[module-attribute-access] "gaming": `config.flake.nixosModules.allPlatforms` is a stored module: after merging, a `deferredModule` holds only `imports` (and `_class`, `_file`), not the attrset written there, so `.gaming` fails ("attribute 'gaming' missing"); import the module whole, or store `gaming` as an aspect of its own"#]],
        );
    }

    #[test]
    fn every_form_of_reference_and_collection() {
        check(
            &format!(
                "{MODULES}{}",
                r#"#- /modules/options.nix
{ lib, ... }: {
  options.nixos.modules = lib.mkOption { type = lib.types.lazyAttrsOf lib.types.deferredModule; };
}
#- /modules/pc.nix
{ config, inputs, ... }: {
  flake.modules.nixos.pc = {
    imports = with config.flake.modules.nixos; [ base.services ];
    x = inputs.self.nixosModules.base.options;
    y = config.nixos.modules.base.config;
  };
  flake.modules.nixos.base = { };
  flake.nixosModules.base = { };
  nixos.modules.base = { };
}
"#
            ),
            expect![[r#"
                modules/pc.nix:3:55 error[module-attribute-access] "services": `config.flake.modules.nixos.base` is a stored module: after merging, a `deferredModule` holds only `imports` (and `_class`, `_file`), not the attrset written there, so `.services` fails ("attribute 'services' missing"); import the module whole, or store `services` as an aspect of its own
                modules/pc.nix:4:39 error[module-attribute-access] "options": `config.flake.nixosModules.base` is a stored module: after merging, a `deferredModule` holds only `imports` (and `_class`, `_file`), not the attrset written there, so `.options` fails ("attribute 'options' missing"); import the module whole, or store `options` as an aspect of its own
                modules/pc.nix:5:35 error[module-attribute-access] "config": `config.nixos.modules.base` is a stored module: after merging, a `deferredModule` holds only `imports` (and `_class`, `_file`), not the attrset written there, so `.config` fails ("attribute 'config' missing"); import the module whole, or store `config` as an aspect of its own"#]],
        );
    }

    // ---- near misses: Nix evaluates these ------------------------------------------------------

    #[test]
    fn the_attributes_a_merged_module_has() {
        check_silent(&format!(
            "{MODULES}{}",
            r#"#- /modules/pc.nix
{ config, ... }: {
  flake.modules.nixos.pc.imports = config.flake.modules.nixos.base.imports ++ [ config.flake.nixosModules.base._file ];
  flake.modules.nixos.base = { };
  flake.nixosModules.base = { };
}
"#
        ));
    }

    /// den and flake-aspects keep an aspect as an attrset of classes: selecting the class is how
    /// they are read.
    #[test]
    fn aspect_first_collections() {
        check_silent(
            r#"
#- /modules/pc.nix
{ config, den, ... }: {
  den.aspects.pc.nixos = { };
  flake.aspects.pc.nixos = { };
  flake.modules.nixos.pc.imports = [ den.aspects.pc.nixos config.flake.aspects.pc.nixos config.den.aspects.pc.includes ];
}
"#,
        );
    }

    /// Collections canopy cannot be sure are merged modules: `flake.modules` without flake-parts'
    /// modules module (plain data), an output no one declares, an option with `apply`; and reads
    /// that may not happen (`or`, `?`).
    #[test]
    fn collections_that_may_hold_anything() {
        check_silent(
            r#"
#- /modules/options.nix
{ lib, ... }: {
  options.nixos.modules = lib.mkOption { type = lib.types.lazyAttrsOf lib.types.deferredModule; apply = x: x; };
}
#- /modules/pc.nix
{ config, ... }: {
  flake.modules.nixos.base = { services = { }; };
  flake.darwinModules.base = { services = { }; };
  nixos.modules.base = { };
  flake.nixosModules.base = { };
  flake.modules.nixos.pc.imports = [
    config.flake.modules.nixos.base.services
    config.flake.darwinModules.base.services
    config.nixos.modules.base.services
    (config.flake.nixosModules.base.services or { })
  ];
  flake.modules.nixos.pc.x = config.flake.nixosModules.base ? services;
}
"#,
        );
    }
}
