//! `unknown-class`: a class no module system knows, that the repository does not use
//! consistently either. Nix accepts any class name when a module is stored, and fails only
//! when the module is imported somewhere, far from the typo.

use super::cx::Cx;
use super::edits;
use crate::base::fix::Fix;
use crate::base::near::near_names;
use crate::dendritic::classes::{ANY_CLASS, KNOWN_CLASSES};
use crate::syntax::render_attr_name;

pub(super) fn check(cx: &mut Cx) {
    let collections = cx.graph.collections();
    for class_use in &cx.file.resolved.classes {
        let class = &class_use.class;
        if collections.knows_class(&class_use.collection, class) || cx.graph.is_user_class(class) {
            continue;
        }
        // den reads classes the workspace declares (denful/den `modules/options.nix`
        // `den.classes`) and those its `forward` battery creates.
        let den = collections.has_den_keys(&class_use.collection);
        if den && (cx.graph.is_class_declared(class) || cx.graph.is_class_declared(ANY_CLASS)) {
            continue;
        }
        let usage = cx.graph.class_usage(class);
        let consistent = usage.files >= 2 || (usage.defined && usage.referenced);
        // A class the repository uses consistently may be a module system canopy does not know
        // (nvf's `nvim` beside `nixvim`): only a spelling of a known class itself
        // (`homemanager`, `home-manager`, `nixOS`) is still a mistake there.
        let mut near = near_names(class, KNOWN_CLASSES.iter().copied());
        near.retain(|best| !consistent || same_spelling(class, best));
        let message = if let Some(best) = near.first() {
            if class_use.from_output {
                let written = &cx.file.text[class_use.range];
                format!("`{written}` names the unknown class `{class}`; did you mean `{best}Modules`?")
            } else {
                format!("unknown class `{class}`; did you mean `{best}`?")
            }
        } else {
            // Outputs are consumed outside the repository: only a near miss is suspicious there.
            if class_use.from_output || consistent {
                continue;
            }
            format!(
                "class `{class}` is not a known class ({}) and nothing else in the repository uses it; \
                 check the spelling, or use it where its modules are imported",
                KNOWN_CLASSES.join(", ")
            )
        };
        let (file, data) = (cx.file_id, cx.file);
        let written = &data.text[class_use.range];
        let finding = cx.report(class_use.range, message);
        // The class as written: bare, quoted, or inside an output's name (`homemanagerModules`).
        for (i, best) in near.iter().enumerate() {
            let new_text = match class_use.from_output {
                true => format!("{best}Modules"),
                false if written.starts_with('"') => format!("\"{best}\""),
                false => render_attr_name(best),
            };
            let fix =
                Fix::edit(format!("Replace with `{new_text}`"), file, vec![edits::replace(class_use.range, new_text)]);
            finding.fix(fix.preferred(i == 0).safe(near.len() == 1));
        }
    }
}

/// The same name but for case and separators: `homemanager`, `home-manager` and `homeManager`.
fn same_spelling(a: &str, b: &str) -> bool {
    let letters = |s: &str| s.chars().filter(|c| c.is_alphanumeric()).flat_map(char::to_lowercase).collect::<String>();
    letters(a) == letters(b)
}

#[cfg(test)]
mod tests {
    use expect_test::{Expect, expect};

    use crate::base::diagnostics::DiagnosticKind;
    use crate::checks::test_support;

    fn check(fixture: &str, expect: Expect) {
        test_support::check(DiagnosticKind::UnknownClass, fixture, expect);
    }

    #[track_caller]
    fn check_silent(fixture: &str) {
        test_support::check_silent(DiagnosticKind::UnknownClass, fixture);
    }

    // ---- where it fires ------------------------------------------------------------------------

    #[test]
    fn misspellings_of_known_classes() {
        check(
            r#"
#- /modules/typos.nix
{
  flake.modules.homemanager.a = { };
  flake.modules.home-manager.b = { };
  flake.modules.nixOS.c = { };
  flake.modules.Darwin.d = { };
}
"#,
            expect![[r#"
                modules/typos.nix:2:17 warning[unknown-class] "homemanager": unknown class `homemanager`; did you mean `homeManager`?
                modules/typos.nix:3:17 warning[unknown-class] "home-manager": unknown class `home-manager`; did you mean `homeManager`?
                modules/typos.nix:4:17 warning[unknown-class] "nixOS": unknown class `nixOS`; did you mean `nixos`?
                modules/typos.nix:5:17 warning[unknown-class] "Darwin": unknown class `Darwin`; did you mean `darwin`?"#]],
        );
    }

    #[test]
    fn a_misspelling_used_consistently_is_still_one() {
        check(
            r#"
#- /modules/shell.nix
{ flake.modules.homemanager.shell = { }; }
#- /modules/bob.nix
{ config, ... }: {
  flake.modules.homemanager.bob.imports = with config.flake.modules.homemanager; [ shell ];
}
"#,
            expect![[r#"
                modules/bob.nix:2:17 warning[unknown-class] "homemanager": unknown class `homemanager`; did you mean `homeManager`?
                modules/bob.nix:2:69 warning[unknown-class] "homemanager": unknown class `homemanager`; did you mean `homeManager`?
                modules/shell.nix:1:17 warning[unknown-class] "homemanager": unknown class `homemanager`; did you mean `homeManager`?"#]],
        );
    }

    #[test]
    fn a_class_nothing_else_uses() {
        check(
            r#"
#- /modules/wsl.nix
{ flake.modules.wsl.base = { }; }
"#,
            expect![[
                r#"modules/wsl.nix:1:17 warning[unknown-class] "wsl": class `wsl` is not a known class (nixos, homeManager, darwin, nixvim, nixOnDroid, generic, flake) and nothing else in the repository uses it; check the spelling, or use it where its modules are imported"#
            ]],
        );
    }

    #[test]
    fn in_every_storage_style() {
        check(
            r#"
#- /modules/namespace.nix
{ inputs, ... }: { imports = [ (inputs.den.namespace "vix" true) ]; }
#- /modules/aspects.nix
{
  flake.aspects.shell.homemanager = { };
  den.aspects.shell.homemanager = { };
  vix.shell.homemanager = { };
  unify.modules.shell.homemanager = { };
  flake.homemanagerModules.shell = { };
}
"#,
            expect![[r#"
                modules/aspects.nix:2:23 warning[unknown-class] "homemanager": unknown class `homemanager`; did you mean `homeManager`?
                modules/aspects.nix:3:21 warning[unknown-class] "homemanager": unknown class `homemanager`; did you mean `homeManager`?
                modules/aspects.nix:4:13 warning[unknown-class] "homemanager": unknown class `homemanager`; did you mean `homeManager`?
                modules/aspects.nix:5:23 warning[unknown-class] "homemanager": unknown class `homemanager`; did you mean `homeManager`?
                modules/aspects.nix:6:9 warning[unknown-class] "homemanagerModules": `homemanagerModules` names the unknown class `homemanager`; did you mean `homeManagerModules`?"#]],
        );
    }

    #[test]
    fn in_references() {
        check(
            r#"
#- /modules/pc.nix
{ config, ... }: {
  flake.modules.nixos.pc.home-manager.users.bob.imports = [ config.flake.modules.homemanager.bob ];
}
"#,
            expect![[
                r#"modules/pc.nix:2:82 warning[unknown-class] "homemanager": unknown class `homemanager`; did you mean `homeManager`?"#
            ]],
        );
    }

    // ---- near misses: Nix evaluates these ------------------------------------------------------

    #[test]
    fn known_classes() {
        check_silent(
            r#"
#- /modules/known.nix
{ config, ... }: {
  flake.modules.nixos.a = { };
  flake.modules.homeManager.a = { };
  flake.modules.darwin.a = { };
  flake.modules.nixvim.a = { };
  flake.modules.nixOnDroid.a = { };
  flake.modules.generic.a = { };
  flake.modules.flake.a = { };
  flake.homeModules.a = { };
  den.aspects.a.homeManager.imports = [ config.flake.modules.homeManager.a ];
}
"#,
        );
    }

    #[test]
    fn a_class_near_a_known_one_used_once() {
        check(
            r#"
#- /modules/git.nix
{ flake.modules.nvim.git = { }; }
"#,
            expect![[
                r#"modules/git.nix:1:17 warning[unknown-class] "nvim": unknown class `nvim`; did you mean `nixvim`?"#
            ]],
        );
    }

    #[test]
    fn a_class_near_a_known_one_used_consistently() {
        // nvf's `nvim` is no misspelt `nixvim` when the repository defines and evaluates it.
        check_silent(
            r#"
#- /modules/git.nix
{ flake.modules.nvim.git = { vim.git.enable = true; }; }
#- /modules/nvim.nix
{ self, inputs, ... }: {
  perSystem = { pkgs, ... }: {
    packages.nvim = inputs.nvf.lib.neovimConfiguration { inherit pkgs; modules = with self.modules.nvim; [ git ]; };
  };
}
"#,
        );
    }

    #[test]
    fn a_custom_class_used_across_files() {
        check_silent(
            r#"
#- /modules/alice.nix
{ den.aspects.alice.hmLinux = { }; }
#- /modules/bob.nix
{ den.aspects.bob.hmLinux = { }; }
"#,
        );
    }

    #[test]
    fn a_custom_class_defined_and_used() {
        check_silent(
            r#"
#- /modules/wsl.nix
{ config, inputs, ... }: {
  flake.modules.wsl.base = { };
  flake.wslConfigurations.box = inputs.nixpkgs.lib.evalModules {
    class = "wsl";
    modules = [ config.flake.modules.wsl.base ];
  };
}
"#,
        );
    }

    #[test]
    fn classes_den_provides() {
        check_silent(
            r#"
#- /modules/alice.nix
{
  den.aspects.alice = {
    user.extraGroups = [ "wheel" ];
    os.time.timeZone = "UTC";
    hjem.files.".config/x".text = "";
    maid.file.home.".x".text = "";
    wsl.defaultUser = "alice";
  };
}
"#,
        );
    }

    #[test]
    fn a_class_a_custom_collection_declares() {
        check_silent(
            r#"
#- /modules/options.nix
{ lib, ... }: {
  options.wsl.modules = lib.mkOption {
    type = lib.types.lazyAttrsOf (lib.types.deferredModuleWith { staticModules = [ { _class = "wsl"; } ]; });
  };
}
#- /modules/base.nix
{ flake.modules.wsl.base = { }; }
"#,
        );
    }

    #[test]
    fn an_output_for_another_flake() {
        check_silent(
            r#"
#- /modules/outputs.nix
{ flake.hostenvModules.default = { }; }
"#,
        );
    }
}
