//! `undefined-aspect`: a static reference to an aspect nobody defines.

use std::sync::Arc;

use rustc_hash::FxHashSet;
use smol_str::SmolStr;

use super::cx::Cx;
use super::edits;
use super::memo::Verdict;
use crate::base::AspectKey;
use crate::base::diagnostics::{Severity, SharedParts};
use crate::base::fix::{FileCreate, Fix, RelatedAt, TextEdit};
use crate::graph::resolve::Target;
use crate::graph::table::Recorder;
use crate::graph::view::View;
use crate::summary::{Name, NameOrigin, RefForm};
use crate::syntax::{is_plain_identifier, render_attr_name};

pub(super) fn check(cx: &mut Cx) {
    let mut seen = FxHashSet::default();
    for r in &cx.file.resolved.refs {
        let Target::Aspect { key, name, .. } = &r.target else { continue };
        if !r.certain || !cx.graph.defining_keys(key).is_empty() || !seen.insert(name.range) {
            continue;
        }
        let (file, data) = (cx.file_id, cx.file);
        // A bracket means a den aspect only with den's `__findFile` in scope, which the workspace
        // gives top-level modules through `_module.args.__findFile`; a `__findFile` bound
        // otherwise may resolve `<x>` any way it likes.
        if r.bracket && !cx.graph.is_arg_provided(&SmolStr::new_static("__findFile")) {
            continue;
        }
        let verdict = cx.memo.undefined(key, || verdict(cx, key));
        cx.graph.note(&verdict.reads);
        let finding = match verdict.lowered {
            Some(severity) => cx.report_as(severity, name.range, verdict.message.clone()),
            None => cx.report(name.range, verdict.message.clone()),
        };
        for (i, suggestion) in verdict.near.iter().enumerate() {
            if let Some(edit) = replacement(&data.text, name, r.form, suggestion) {
                let fix = Fix::edit(format!("Replace with `{suggestion}`"), file, vec![edit]);
                finding.fix(fix.preferred(i == 0).safe(verdict.only));
            }
        }
        finding.shared = Some(verdict.shared.clone());
    }
}

/// `key`'s verdict, with what making it read (into a recorder of its own, for every file that
/// shares it).
fn verdict(cx: &Cx, key: &AspectKey) -> Verdict {
    let reads = Recorder::default();
    let graph = cx.graph.recording_into(&reads);
    let scope = key.scope();
    let container = super::cx::container(key);
    let library = graph.collections().library_names(&key.collection);
    let mut message = match library.is_empty() {
        true => format!("aspect `{}` is not defined in `{container}`", key.name),
        // den's batteries differ between versions: canopy knows those it has read.
        false => format!(
            "aspect `{}` is not defined in `{container}`, nor one of den's own batteries as of the \
             versions canopy knows",
            key.name
        ),
    };
    let near = graph.near_defined(&scope, &key.name, library);
    if let Some(best) = near.first() {
        message.push_str(&format!("; did you mean `{best}`?"));
    }
    // The same aspect in other classes of its family: the class where the collection is
    // shared, else the collection (`flake.homeModules` and `flake.homeManagerModules` are
    // both home-manager's).
    let mut elsewhere: Vec<String> = graph
        .family(key)
        .into_iter()
        .filter(|other| other != key && graph.is_defined(other))
        .map(|other| match other.collection == key.collection {
            true => other.class.unwrap_or_default().to_string(),
            false => other.collection.to_string(),
        })
        .collect();
    elsewhere.sort();
    elsewhere.dedup();
    if !elsewhere.is_empty() {
        message.push_str(&format!(" (`{}` is defined for {})", key.name, elsewhere.join(", ")));
    }
    let lowered = if !library.is_empty() {
        Some(Severity::Warning)
    } else if graph.is_opaque(&scope) {
        message.push_str(&format!("; some of `{container}` is built at evaluation time, so it may exist"));
        Some(Severity::Warning)
    } else {
        None
    };
    let related = near
        .iter()
        .map(|suggestion| {
            let defined = AspectKey { name: suggestion.as_str().into(), ..key.clone() };
            RelatedAt::Definitions(defined, format!("`{suggestion}` is defined here").into())
        })
        .collect();
    let shared =
        SharedParts { fixes: create_fix(&graph, key, &container).into_iter().map(Arc::new).collect(), related };
    let only = near.len() == 1 && library.is_empty();
    Verdict { lowered, message: message.into(), near, only, shared: Arc::new(shared), reads: reads.into_reads() }
}

/// The edit that writes `near` where `name` is written, `None` where the name is not written
/// at the reference alone (`inherit`, which also names a local; a name folded from elsewhere).
fn replacement(text: &str, name: &Name, form: RefForm, near: &str) -> Option<TextEdit> {
    let new_text = match (&name.origin, form) {
        (_, RefForm::Inherit) => return None,
        (NameOrigin::Ident, RefForm::With) => is_plain_identifier(near).then(|| near.to_owned())?,
        (NameOrigin::Ident | NameOrigin::Quoted, RefForm::Select) => render_attr_name(near),
        (NameOrigin::Quoted, RefForm::With) => return None,
        _ => return None,
    };
    // Lengths first: at 100,000 importing files, reading each file's text where the name is
    // written was a cache miss per file, for an edit that is nearly never a no-op.
    let unchanged = usize::from(name.range.len()) == new_text.len()
        && text.get(std::ops::Range::<usize>::from(name.range)) == Some(new_text.as_str());
    (!unchanged).then(|| edits::replace(name.range, new_text))
}

/// A new file under the first import-tree root that defines the aspect, empty, in the collection
/// and class of the reference. Never safe: it invents a file.
fn create_fix(graph: &View, key: &AspectKey, container: &str) -> Option<Fix> {
    let root = graph.roots().into_iter().next()?;
    let stem: String = key.name.chars().map(|c| if c == '/' || c.is_control() { '-' } else { c }).collect();
    if stem.is_empty() || stem.starts_with('_') || stem.starts_with('.') {
        return None;
    }
    let path = match root.as_str() {
        "." | "" => format!("{stem}.nix"),
        root => format!("{root}/{stem}.nix"),
    };
    let text = format!("{{\n  {container}.{} = {{ }};\n}}\n", render_attr_name(&key.name));
    Some(Fix {
        title: format!("Create aspect `{}` in `{path}`", key.name),
        edits: Vec::new(),
        creates: vec![FileCreate { path, text }],
        renames: Vec::new(),
        safe: false,
        preferred: false,
    })
}

#[cfg(test)]
mod tests {
    use expect_test::{Expect, expect};

    use crate::base::diagnostics::DiagnosticKind;
    use crate::checks::test_support;

    fn check(fixture: &str, expect: Expect) {
        test_support::check(DiagnosticKind::UndefinedAspect, fixture, expect);
    }

    #[track_caller]
    fn check_silent(fixture: &str) {
        test_support::check_silent(DiagnosticKind::UndefinedAspect, fixture);
    }

    // ---- where it fires ------------------------------------------------------------------------

    #[test]
    fn a_misspelt_name_gets_the_nearest_defined_one() {
        check(
            r#"
#- /modules/desktop.nix
{ flake.modules.nixos.desktop = { }; }
#- /modules/pc.nix
{ config, ... }: {
  flake.modules.nixos.pc.imports = with config.flake.modules.nixos; [ deskotp ];
}
"#,
            expect![[
                r#"modules/pc.nix:2:71 error[undefined-aspect] "deskotp": aspect `deskotp` is not defined in `flake.modules.nixos`; did you mean `desktop`?"#
            ]],
        );
    }

    #[test]
    fn the_same_name_in_other_classes_is_pointed_out() {
        check(
            r#"
#- /modules/gui.nix
{
  flake.modules.homeManager.gui = { };
  flake.modules.darwin.gui = { };
}
#- /modules/pc.nix
{ config, ... }: {
  flake.modules.nixos.pc.imports = [ config.flake.modules.nixos.gui ];
}
"#,
            expect![[
                r#"modules/pc.nix:2:65 error[undefined-aspect] "gui": aspect `gui` is not defined in `flake.modules.nixos` (`gui` is defined for darwin, homeManager)"#
            ]],
        );
    }

    #[test]
    fn every_reference_form() {
        check(
            r#"
#- /modules/pc.nix
{ config, ... }:
let
  m = config.flake.modules.nixos;
  inherit (config.flake.modules) nixos;
  inherit (config.flake.modules.nixos) tailscale;
in
{
  flake.modules.nixos.pc.imports = [
    config.flake.modules.nixos.selected
    m.aliased
    nixos.inherited-alias
    tailscale
  ];
  flake.modules.nixos.laptop = {
    imports = with config.flake.modules.nixos; [ listed ];
  };
  flake.nixosModules = { inherit (config.flake.modules.nixos) inherited; };
}
"#,
            expect![[r#"
                modules/pc.nix:5:40 error[undefined-aspect] "tailscale": aspect `tailscale` is not defined in `flake.modules.nixos`
                modules/pc.nix:9:32 error[undefined-aspect] "selected": aspect `selected` is not defined in `flake.modules.nixos`
                modules/pc.nix:10:7 error[undefined-aspect] "aliased": aspect `aliased` is not defined in `flake.modules.nixos`
                modules/pc.nix:11:11 error[undefined-aspect] "inherited-alias": aspect `inherited-alias` is not defined in `flake.modules.nixos`
                modules/pc.nix:15:50 error[undefined-aspect] "listed": aspect `listed` is not defined in `flake.modules.nixos`
                modules/pc.nix:17:63 error[undefined-aspect] "inherited": aspect `inherited` is not defined in `flake.modules.nixos`"#]],
        );
    }

    #[test]
    fn every_storage_style() {
        check(
            r#"
#- /modules/namespace.nix
{ inputs, ... }: { imports = [ (inputs.den.namespace "vix" true) ]; }
#- /modules/options.nix
{ lib, ... }: {
  options.nixos.modules = lib.mkOption { type = lib.types.lazyAttrsOf lib.types.deferredModule; };
}
#- /modules/outputs.nix
{ self, ... }: { flake.nixosModules.pc.imports = [ self.nixosModules.output ]; }
#- /modules/self-modules.nix
{ inputs, ... }: { flake.modules.nixos.pc.imports = [ inputs.self.modules.nixos.module ]; }
#- /modules/custom.nix
{ config, ... }: { nixos.modules.pc.imports = [ config.nixos.modules.custom ]; }
#- /modules/flake-aspects.nix
{ flake.aspects = { aspects, ... }: { pc.includes = [ aspects.flake-aspect ]; }; }
#- /modules/den.nix
{ den, ... }: { den.aspects.pc.includes = [ den.aspects.den-aspect ]; }
#- /modules/den-namespace.nix
{ vix, ... }: { vix.pc.includes = [ vix.namespaced ]; }
#- /modules/unify.nix
{ config, ... }: { unify.hosts.nixos.pc.modules = [ config.unify.modules.unified ]; }
#- /modules/quoted.nix
{ config, ... }: { flake.modules.nixos.pc.imports = [ config.flake.modules.nixos."hosts/gouda" ]; }
"#,
            expect![[r#"
                modules/custom.nix:1:70 error[undefined-aspect] "custom": aspect `custom` is not defined in `nixos.modules`
                modules/den-namespace.nix:1:41 error[undefined-aspect] "namespaced": aspect `namespaced` is not defined in `vix`
                modules/den.nix:1:57 error[undefined-aspect] "den-aspect": aspect `den-aspect` is not defined in `den.aspects`
                modules/flake-aspects.nix:1:63 error[undefined-aspect] "flake-aspect": aspect `flake-aspect` is not defined in `flake.aspects`
                modules/outputs.nix:1:70 error[undefined-aspect] "output": aspect `output` is not defined in `flake.nixosModules`
                modules/quoted.nix:1:82 error[undefined-aspect] "\"hosts/gouda\"": aspect `hosts/gouda` is not defined in `flake.modules.nixos`
                modules/self-modules.nix:1:81 error[undefined-aspect] "module": aspect `module` is not defined in `flake.modules.nixos`
                modules/unify.nix:1:74 error[undefined-aspect] "unified": aspect `unified` is not defined in `unify.modules`"#]],
        );
    }

    #[test]
    fn references_in_flake_nix() {
        check(
            r#"
#- /flake.nix
{
  outputs = inputs@{ self, ... }:
    inputs.flake-parts.lib.mkFlake { inherit inputs; } {
      imports = [ (inputs.import-tree ./modules) ];
      flake.nixosModules.default = self.modules.nixos.missing;
    };
}
"#,
            expect![[
                r#"flake.nix:5:55 error[undefined-aspect] "missing": aspect `missing` is not defined in `flake.modules.nixos`"#
            ]],
        );
    }

    #[test]
    fn a_warning_where_the_class_has_definitions_built_at_evaluation() {
        check(
            r#"
#- /modules/generated.nix
{ config, lib, ... }: {
  flake.modules.nixos = lib.mapAttrs (name: host: { networking.hostName = name; }) config.hosts;
  flake.modules.darwin.${config.macName} = { };
}
#- /modules/pc.nix
{ config, ... }: {
  flake.modules.nixos.pc.imports = [ config.flake.modules.nixos.generated ];
  flake.modules.darwin.mac.imports = [ config.flake.modules.darwin.generated ];
  flake.modules.homeManager.bob.imports = [ config.flake.modules.homeManager.missing ];
}
"#,
            expect![[r#"
                modules/pc.nix:2:65 warning[undefined-aspect] "generated": aspect `generated` is not defined in `flake.modules.nixos`; some of `flake.modules.nixos` is built at evaluation time, so it may exist
                modules/pc.nix:3:68 warning[undefined-aspect] "generated": aspect `generated` is not defined in `flake.modules.darwin`; some of `flake.modules.darwin` is built at evaluation time, so it may exist
                modules/pc.nix:4:78 error[undefined-aspect] "missing": aspect `missing` is not defined in `flake.modules.homeManager`"#]],
        );
    }

    /// The hosts pass `inputs` down (dendritic.md §8.4): a lower-level module's `inputs.self` is
    /// the flake's, and a name its collection lacks is as undefined there as at top level. `self`
    /// is not passed: it says nothing.
    const PASSES_INPUTS: &str = r#"
#- /modules/hosts.nix
{ inputs, config, ... }: {
  flake.nixosConfigurations.pc = inputs.nixpkgs.lib.nixosSystem {
    specialArgs = { inherit inputs; };
    modules = [ config.flake.modules.nixos.pc ];
  };
}
#- /modules/ssh.nix
{ flake.modules.nixos.ssh = { }; flake.nixosModules.base = { }; }
"#;

    #[test]
    fn inputs_self_in_a_lower_level_module_where_inputs_are_passed_down() {
        check(
            &format!(
                "{PASSES_INPUTS}{}",
                r#"#- /modules/pc.nix
{
  flake.modules.nixos.pc = { inputs, self, ... }: {
    imports = [
      inputs.self.modules.nixos.ssh
      inputs.self.modules.nixos.shh
      inputs.self.nixosModules.bsae
      self.modules.nixos.missing
    ];
  };
}
"#
            ),
            expect![[r#"
                modules/pc.nix:5:33 error[undefined-aspect] "shh": aspect `shh` is not defined in `flake.modules.nixos`; did you mean `ssh`?
                modules/pc.nix:6:32 error[undefined-aspect] "bsae": aspect `bsae` is not defined in `flake.nixosModules`; did you mean `base`?"#]],
        );
    }

    /// Each way of passing: `extraSpecialArgs` of home-manager, one argument at a time,
    /// `inherit (inputs) self`.
    #[test]
    fn every_way_of_passing_inputs_down() {
        let pc = r#"#- /modules/pc.nix
{ flake.modules.nixos.pc = { inputs, self, ... }: { imports = [ inputs.self.modules.nixos.missing self.modules.nixos.gone ]; }; }
"#;
        let ways = [
            "{ flake.modules.nixos.hm = { inputs, ... }: { home-manager.extraSpecialArgs = { inherit inputs; }; }; }",
            "{ inputs, ... }: { flake.nixosConfigurations.pc = inputs.nixpkgs.lib.nixosSystem { specialArgs.inputs = inputs; }; }",
            "{ inputs, ... }: { flake.nixosConfigurations.pc = inputs.nixpkgs.lib.nixosSystem { specialArgs = { inherit (inputs) self; } // { inherit inputs; }; }; }",
        ];
        let mut out = Vec::new();
        for way in ways {
            let flake = "#- /flake.nix\n{ outputs = inputs: inputs.flake-parts.lib.mkFlake { inherit inputs; } (inputs.import-tree ./modules); }\n";
            let ws = crate::graph::tests::workspace(&format!("{flake}#- /modules/hosts.nix\n{way}\n{pc}"));
            let all = crate::graph::tests::render_diagnostics(&ws);
            out.push(all.lines().filter(|l| l.contains("[undefined-aspect]")).collect::<Vec<_>>().join("\n"));
        }
        expect![[r#"
            modules/pc.nix:1:91 error[undefined-aspect] "missing": aspect `missing` is not defined in `flake.modules.nixos`
            ---
            modules/pc.nix:1:91 error[undefined-aspect] "missing": aspect `missing` is not defined in `flake.modules.nixos`
            ---
            modules/pc.nix:1:91 error[undefined-aspect] "missing": aspect `missing` is not defined in `flake.modules.nixos`
            modules/pc.nix:1:118 error[undefined-aspect] "gone": aspect `gone` is not defined in `flake.modules.nixos`"#]].assert_eq(&out.join("\n---\n"));
    }

    // ---- near misses: Nix evaluates these ------------------------------------------------------

    #[test]
    fn inputs_of_a_lower_level_module_when_nothing_passes_them_down() {
        check_silent(
            r#"
#- /modules/hosts.nix
{ inputs, config, ... }: let mine = { }; in {
  flake.nixosConfigurations.pc = inputs.nixpkgs.lib.nixosSystem {
    specialArgs = { inputs = mine; self = inputs.nixpkgs; };
    modules = [ config.flake.modules.nixos.pc ];
  };
}
#- /modules/pc.nix
{
  flake.modules.nixos.pc = { inputs, self, ... }: {
    imports = [ inputs.self.modules.nixos.missing self.nixosModules.missing ];
  };
}
"#,
        );
    }

    #[test]
    fn defined_in_another_file() {
        check_silent(
            r#"
#- /modules/ssh.nix
{ flake.modules.nixos.ssh = { }; }
#- /modules/pc.nix
{ config, ... }: {
  flake.modules.nixos.pc.imports = with config.flake.modules.nixos; [ ssh ];
}
"#,
        );
    }

    #[test]
    fn defined_in_every_storage_style() {
        check_silent(
            r#"
#- /modules/namespace.nix
{ inputs, ... }: { imports = [ (inputs.den.namespace "vix" true) ]; }
#- /modules/options.nix
{ lib, ... }: {
  options.nixos.modules = lib.mkOption { type = lib.types.lazyAttrsOf lib.types.deferredModule; };
}
#- /modules/definitions.nix
{
  flake.nixosModules.output = { };
  flake.modules.nixos.module = { };
  nixos.modules.custom = { };
  flake.aspects.flake-aspect.nixos = { };
  den.aspects.den-aspect.nixos = { };
  vix.namespaced.nixos = { };
  unify.modules.unified.nixos = { };
  flake.modules.nixos."hosts/gouda" = { };
}
#- /modules/references.nix
{ config, inputs, self, den, vix, ... }: {
  flake.nixosModules.pc.imports = [ self.nixosModules.output ];
  flake.modules.nixos.pc.imports = [
    inputs.self.modules.nixos.module
    config.flake.modules.nixos."hosts/gouda"
  ];
  nixos.modules.pc.imports = [ config.nixos.modules.custom ];
  flake.aspects = { aspects, ... }: { pc.includes = [ aspects.flake-aspect ]; };
  den.aspects.pc.includes = [ den.aspects.den-aspect ];
  vix.pc.includes = [ vix.namespaced ];
  unify.hosts.nixos.pc.modules = [ config.unify.modules.unified ];
}
"#,
        );
    }

    #[test]
    fn defined_through_folded_constants() {
        check_silent(
            r#"
#- /modules/users.nix
{ lib, ... }:
let
  user = "eve";
  names = [ "alice" "bob" ];
  specs = { carol = 1; dave = 2; };
in
{
  flake.modules.homeManager.${user} = { };
  flake.modules.homeManager = lib.genAttrs names (name: { home.username = name; });
  flake.modules.nixos = lib.mapAttrs (name: uid: { users.users.${name}.uid = uid; }) specs;
}
#- /modules/pc.nix
{ config, ... }: {
  flake.modules.homeManager.all.imports = with config.flake.modules.homeManager; [ eve alice bob ];
  flake.modules.nixos.pc.imports = with config.flake.modules.nixos; [ carol dave ];
}
"#,
        );
    }

    #[test]
    fn defined_through_the_file_name() {
        check_silent(
            r#"
#- /modules/ssh.nix
{ lib, ... }: {
  flake.modules.nixos.${lib.removeSuffix ".nix" (baseNameOf __curPos.file)} = { };
}
#- /modules/pc.nix
{ config, ... }: {
  flake.modules.nixos.pc.imports = [ config.flake.modules.nixos.ssh ];
}
"#,
        );
    }

    #[test]
    fn a_name_known_only_at_evaluation() {
        check(
            r#"
#- /modules/pc.nix
{ config, ... }: {
  flake.modules.nixos.pc.imports =
    map (name: config.flake.modules.nixos.${name}) [ "a" ] ++ [ config.flake.modules.nixos.control ];
}
"#,
            expect![[
                r#"modules/pc.nix:3:92 error[undefined-aspect] "control": aspect `control` is not defined in `flake.modules.nixos`"#
            ]],
        );
    }

    #[test]
    fn a_name_an_inner_with_may_provide() {
        check(
            r#"
#- /modules/pc.nix
{ config, ... }: {
  flake.modules.nixos.pc = { pkgs, ... }: {
    imports = with config.flake.modules.nixos; with pkgs; [ git ];
    environment.systemPackages = with pkgs; with config.flake.modules.nixos; [ vim ];
  };
  flake.modules.nixos.laptop.imports = with config.flake.modules.nixos; [ control ];
}
"#,
            expect![[
                r#"modules/pc.nix:6:75 error[undefined-aspect] "control": aspect `control` is not defined in `flake.modules.nixos`"#
            ]],
        );
    }

    #[test]
    fn a_name_bound_inside_the_with() {
        check_silent(
            r#"
#- /modules/pc.nix
{ config, ... }: {
  flake.modules.nixos.pc.imports = with config.flake.modules.nixos;
    let extra = { }; in [ extra ] ++ map (desktop: desktop) [ ];
}
"#,
        );
    }

    #[test]
    fn an_or_default() {
        check(
            r#"
#- /modules/pc.nix
{ config, ... }: {
  flake.modules.nixos.pc.imports = [
    (config.flake.modules.nixos.maybe or { })
    config.flake.modules.nixos.control
  ];
}
"#,
            expect![[
                r#"modules/pc.nix:4:32 error[undefined-aspect] "control": aspect `control` is not defined in `flake.modules.nixos`"#
            ]],
        );
    }

    #[test]
    fn config_of_a_lower_level_module() {
        check_silent(
            r#"
#- /modules/pc.nix
{
  flake.modules.nixos.pc = { config, ... }: {
    imports = [ config.flake.modules.nixos.missing ];
  };
}
"#,
        );
    }

    #[test]
    fn modules_of_other_flakes() {
        check_silent(
            r#"
#- /modules/pc.nix
{ inputs, ... }: {
  flake.modules.nixos.pc.imports = [ inputs.agenix.nixosModules.default ];
}
"#,
        );
    }

    #[test]
    fn files_import_tree_does_not_load() {
        check_silent(
            r#"
#- /packages/tool.nix
{ config, ... }: { imports = [ config.flake.modules.nixos.missing ]; }
#- /modules/_draft.nix
{ config, ... }: { imports = [ config.flake.modules.nixos.missing ]; }
"#,
        );
    }

    #[test]
    fn den_makes_an_aspect_of_every_host_and_user() {
        check_silent(
            r#"
#- /modules/hosts.nix
{ den.hosts.x86_64-linux.igloo.users.tux = { }; }
#- /modules/base.nix
{ den, ... }: {
  den.aspects.base.includes = [ den.aspects.igloo den.aspects.tux ];
}
"#,
        );
    }

    #[test]
    fn flake_aspects_are_transposed_into_flake_modules() {
        check_silent(
            r#"
#- /modules/desktop.nix
{ flake.aspects.desktop.nixos = { }; }
#- /modules/pc.nix
{ config, inputs, ... }: {
  flake.modules.nixos.pc.imports = [
    config.flake.modules.nixos.desktop
    inputs.self.modules.nixos.desktop
  ];
}
"#,
        );
    }

    #[test]
    fn an_output_that_re_exports_a_class() {
        check_silent(
            r#"
#- /modules/outputs.nix
{ config, ... }: { flake.nixosModules = config.flake.modules.nixos; }
#- /modules/base.nix
{ flake.modules.nixos.base = { }; }
#- /modules/pc.nix
{ self, ... }: { flake.modules.nixos.pc.imports = [ self.nixosModules.base ]; }
"#,
        );
    }

    // ---- one verdict, many files ----------------------------------------------------------------

    /// Files that import one undefined aspect share one verdict (made once per round of checks):
    /// each still has the whole finding, and each still reads what the verdict read, so that
    /// defining a near name, or the aspect itself, checks every one of them again.
    #[test]
    fn files_sharing_a_verdict_each_have_it_and_each_stay_fresh() {
        use std::sync::Arc;

        use crate::{Analysis, Change};

        let importer = |name: &str| {
            format!(
                "{{ config, ... }}: {{ flake.modules.nixos.{name}.imports = [ config.flake.modules.nixos.ssh ]; }}\n"
            )
        };
        let mut ws = test_support::analysis(&format!(
            "#- /modules/a.nix\n{}#- /modules/b.nix\n{}#- /modules/sssh.nix\n{{ flake.modules.nixos.sssh = {{ }}; }}\n",
            importer("a"),
            importer("b")
        ));
        let undefined = |ws: &Analysis| -> Vec<(String, String, usize, usize)> {
            ws.files()
                .into_iter()
                .flat_map(|file| {
                    ws.diagnostics(file)
                        .into_iter()
                        .filter(|d| d.kind == DiagnosticKind::UndefinedAspect)
                        .map(move |d| (ws.path(file).to_owned(), d.message.to_string(), d.fixes.len(), d.related.len()))
                })
                .collect()
        };
        let message = "aspect `ssh` is not defined in `flake.modules.nixos`; did you mean `sssh`?";
        // Each: the replacement and the new file, and where `sssh` is defined.
        let both = [("modules/a.nix", message, 2, 1), ("modules/b.nix", message, 2, 1)];
        let both: Vec<_> = both.iter().map(|(p, m, f, r)| (p.to_string(), m.to_string(), *f, *r)).collect();
        assert_eq!(undefined(&ws), both);
        // What they say alike is shared as far as callers see it: the message, the fix that
        // creates the aspect (the replacement edits each file, and is each file's own), and what
        // they say of where the near name is defined.
        let reported: Vec<_> = ws
            .files()
            .into_iter()
            .flat_map(|file| ws.reported(file, &crate::DiagnosticsConfig::default()))
            .filter(|d| d.kind == DiagnosticKind::UndefinedAspect)
            .collect();
        let [a, b] = &reported[..] else { panic!("two findings: {reported:?}") };
        assert!(Arc::ptr_eq(&a.message, &b.message), "one message");
        assert!(Arc::ptr_eq(&a.fixes[1], &b.fixes[1]), "one fix creating `ssh`: {:?}", a.fixes[1]);
        assert!(!Arc::ptr_eq(&a.fixes[0], &b.fixes[0]), "a replacement each");
        assert!(Arc::ptr_eq(&a.related[0].message, &b.related[0].message), "one word on `sssh`");
        // The near name goes: both files are told so, though only one of them made the verdict.
        let set = |path: &str, text: &str| Change { set: vec![(path.to_owned(), Arc::from(text))], remove: Vec::new() };
        ws.apply(set("modules/sssh.nix", "{ flake.modules.nixos.other = { }; }\n"));
        let plain = "aspect `ssh` is not defined in `flake.modules.nixos`".to_owned();
        // The new file only.
        let told: Vec<_> =
            ["modules/a.nix", "modules/b.nix"].iter().map(|p| (p.to_string(), plain.clone(), 1, 0)).collect();
        assert_eq!(undefined(&ws), told);
        ws.apply(set("modules/sssh.nix", "{ flake.modules.nixos.ssh = { }; }\n"));
        assert_eq!(undefined(&ws), []);
    }
}
