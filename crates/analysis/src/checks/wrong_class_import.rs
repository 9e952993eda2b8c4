//! `wrong-class-import`: a module of one class imported where another class is evaluated.
//! flake-parts stamps `_class` on stored modules, so the module system rejects the import.

use super::cx::Cx;
use crate::base::diagnostics::Severity;
use crate::base::fix::RelatedAt;
use crate::dendritic::classes::{GENERIC, is_known_class};
use crate::dendritic::flake_parts::STAMPED;
use crate::graph::resolve::{ImportContext, Target};

pub(super) fn check(cx: &mut Cx) {
    let summary = &cx.file.summary;
    for r in &cx.file.resolved.refs {
        let Some(ImportContext::Class(context)) = &r.context else { continue };
        let (class, range) = match &r.target {
            Target::Aspect { key, name, class } => match key.class.as_ref().or(class.as_ref()) {
                Some(class) => (class, name.range),
                None => continue,
            },
            Target::External { class: Some(class), name } => (class, *name),
            _ => continue,
        };
        // `generic` loads anywhere; classes canopy does not know are never judged.
        if class == context || [class, context].iter().any(|c| *c == GENERIC || !is_known_class(c)) {
            continue;
        }
        let module = match &r.target {
            Target::Aspect { key, class: Some(class), .. } if key.class.is_none() => {
                format!("{key}.{}", crate::syntax::render_attr_name(class))
            }
            Target::Aspect { key, .. } => key.to_string(),
            _ => cx.file.text[summary.refs[r.index].range].to_string(),
        };
        let advice = match (class.as_str(), context.as_str()) {
            ("homeManager", "nixos" | "darwin") => {
                "import it under `home-manager.users.<name>.imports` or `home-manager.sharedModules`".to_string()
            }
            ("flake", _) => "list it in a top-level module's `imports` instead".to_string(),
            (_, "flake") => format!("import it in a `{class}` module instead"),
            _ => format!("import it where `{class}` is evaluated"),
        };
        let message = format!(
            "`{module}` is a `{class}` module, imported into a `{context}` module: the module system rejects \
             it there; {advice}"
        );
        // `flake.modules` carries classes only under flake-parts' modules module; imported through
        // a library canopy does not read, it may or may not be there.
        let finding = match &r.target {
            Target::Aspect { key, .. } if key.collection == STAMPED && !cx.graph.is_stamped(STAMPED) => {
                let message = format!(
                    "{message} (when flake-parts' `flakeModules.modules` stamps the class, which no top-level \
                     module here imports directly)"
                );
                cx.report_as(Severity::Warning, range, message)
            }
            _ => cx.report(range, message),
        };
        if let Target::Aspect { key, .. } = &r.target {
            finding.related(RelatedAt::Definitions(key.clone(), format!("`{module}` is defined here").into()));
        }
    }
}

#[cfg(test)]
mod tests {
    use expect_test::{Expect, expect};

    use crate::base::diagnostics::DiagnosticKind;
    use crate::checks::test_support;

    fn check(fixture: &str, expect: Expect) {
        test_support::check(DiagnosticKind::WrongClassImport, fixture, expect);
    }

    #[track_caller]
    fn check_silent(fixture: &str) {
        test_support::check_silent(DiagnosticKind::WrongClassImport, fixture);
    }

    /// Aspects of several classes, for the other files to import.
    const ASPECTS: &str = r#"
#- /modules/parts.nix
{ inputs, ... }: { imports = [ inputs.flake-parts.flakeModules.modules ]; }
#- /modules/aspects.nix
{
  flake.modules.nixos.base = { };
  flake.modules.homeManager.shell = { };
  flake.modules.darwin.mac = { };
  flake.modules.nixvim.editor = { };
  flake.modules.generic.nix-settings = { };
  flake.modules.user.alice = { };
}
"#;

    fn with_aspects(fixture: &str) -> String {
        format!("{ASPECTS}{fixture}")
    }

    // ---- where it fires ------------------------------------------------------------------------

    #[test]
    fn an_aspect_of_another_class_in_an_aspects_imports() {
        check(
            &with_aspects(
                r#"
#- /modules/pc.nix
{ config, ... }: {
  flake.modules.nixos.pc.imports = [ config.flake.modules.homeManager.shell ];
  flake.modules.nixos.laptop.imports = with config.flake.modules.darwin; [ mac ];
}
"#,
            ),
            expect![[r#"
                modules/pc.nix:2:71 error[wrong-class-import] "shell": `flake.modules.homeManager.shell` is a `homeManager` module, imported into a `nixos` module: the module system rejects it there; import it under `home-manager.users.<name>.imports` or `home-manager.sharedModules`
                modules/pc.nix:3:76 error[wrong-class-import] "mac": `flake.modules.darwin.mac` is a `darwin` module, imported into a `nixos` module: the module system rejects it there; import it where `darwin` is evaluated"#]],
        );
    }

    /// Without flake-parts' modules module imported where canopy sees it, `flake.modules` may be
    /// plain data (flake-aspects alone) or stamped through a library: a warning, not an error.
    #[test]
    fn without_the_modules_module_a_mismatch_is_a_warning() {
        let fixture = with_aspects(
            r#"
#- /modules/pc.nix
{ config, ... }: { flake.modules.nixos.pc.imports = [ config.flake.modules.homeManager.shell ]; }
"#,
        )
        .replace("{ inputs, ... }: { imports = [ inputs.flake-parts.flakeModules.modules ]; }", "{ }");
        check(
            &fixture,
            expect![[
                r#"modules/pc.nix:1:88 warning[wrong-class-import] "shell": `flake.modules.homeManager.shell` is a `homeManager` module, imported into a `nixos` module: the module system rejects it there; import it under `home-manager.users.<name>.imports` or `home-manager.sharedModules` (when flake-parts' `flakeModules.modules` stamps the class, which no top-level module here imports directly)"#
            ]],
        );
    }

    #[test]
    fn a_lower_level_module_in_the_top_level_imports() {
        check(
            &with_aspects(
                r#"
#- /modules/secrets.nix
{ config, inputs, ... }: {
  imports = [
    inputs.agenix.nixosModules.default
    config.flake.modules.nixos.base
  ];
}
"#,
            ),
            expect![[r#"
                modules/secrets.nix:3:32 error[wrong-class-import] "default": `inputs.agenix.nixosModules.default` is a `nixos` module, imported into a `flake` module: the module system rejects it there; import it in a `nixos` module instead
                modules/secrets.nix:4:32 error[wrong-class-import] "base": `flake.modules.nixos.base` is a `nixos` module, imported into a `flake` module: the module system rejects it there; import it in a `nixos` module instead"#]],
        );
    }

    #[test]
    fn another_flakes_module_of_the_wrong_class() {
        check(
            r#"
#- /modules/shell.nix
{ inputs, ... }: {
  flake.modules.homeManager.shell.imports = [ inputs.stylix.nixosModules.stylix ];
  flake.modules.nixos.pc.imports = [ inputs.home-manager.flakeModules.home-manager ];
}
"#,
            expect![[r#"
                modules/shell.nix:2:74 error[wrong-class-import] "stylix": `inputs.stylix.nixosModules.stylix` is a `nixos` module, imported into a `homeManager` module: the module system rejects it there; import it where `nixos` is evaluated
                modules/shell.nix:3:71 error[wrong-class-import] "home-manager": `inputs.home-manager.flakeModules.home-manager` is a `flake` module, imported into a `nixos` module: the module system rejects it there; list it in a top-level module's `imports` instead"#]],
        );
    }

    #[test]
    fn nested_evaluations_of_a_fixed_class() {
        check(
            &with_aspects(
                r#"
#- /modules/hosts.nix
{ config, inputs, ... }: {
  flake.nixosConfigurations.pc = inputs.nixpkgs.lib.nixosSystem {
    modules = [ config.flake.modules.darwin.mac ];
  };
  flake.darwinConfigurations.mac = inputs.nix-darwin.lib.darwinSystem {
    modules = [ config.flake.modules.nixos.base ];
  };
  flake.nixvimConfigurations.editor = inputs.nixpkgs.lib.evalModules {
    class = "nixvim";
    modules = [ config.flake.modules.homeManager.shell ];
  };
  flake.modules.nixos.pc.home-manager.users.bob.imports = [ config.flake.modules.nixos.base ];
}
"#,
            ),
            expect![[r#"
                modules/hosts.nix:3:45 error[wrong-class-import] "mac": `flake.modules.darwin.mac` is a `darwin` module, imported into a `nixos` module: the module system rejects it there; import it where `darwin` is evaluated
                modules/hosts.nix:6:44 error[wrong-class-import] "base": `flake.modules.nixos.base` is a `nixos` module, imported into a `darwin` module: the module system rejects it there; import it where `nixos` is evaluated
                modules/hosts.nix:10:50 error[wrong-class-import] "shell": `flake.modules.homeManager.shell` is a `homeManager` module, imported into a `nixvim` module: the module system rejects it there; import it where `homeManager` is evaluated
                modules/hosts.nix:12:88 error[wrong-class-import] "base": `flake.modules.nixos.base` is a `nixos` module, imported into a `homeManager` module: the module system rejects it there; import it where `nixos` is evaluated"#]],
        );
    }

    #[test]
    fn hosts_of_a_class() {
        check(
            &with_aspects(
                r#"
#- /modules/hosts.nix
{ config, ... }: {
  configurations.nixos.pc.module.imports = [ config.flake.modules.darwin.mac ];
}
"#,
            ),
            expect![[
                r#"modules/hosts.nix:2:74 error[wrong-class-import] "mac": `flake.modules.darwin.mac` is a `darwin` module, imported into a `nixos` module: the module system rejects it there; import it where `darwin` is evaluated"#
            ]],
        );
    }

    #[test]
    fn in_every_storage_style() {
        check(
            &with_aspects(
                r#"
#- /modules/namespace.nix
{ inputs, ... }: { imports = [ (inputs.den.namespace "vix" true) ]; }
#- /modules/options.nix
{ lib, ... }: {
  options.nixos.modules = lib.mkOption { type = lib.types.lazyAttrsOf lib.types.deferredModule; };
}
#- /modules/pc.nix
{ config, den, vix, ... }: {
  flake.nixosModules.pc.imports = [ config.flake.modules.homeManager.shell ];
  nixos.modules.pc.imports = [ config.flake.modules.darwin.mac ];
  flake.aspects.pc.nixos.imports = [ config.flake.modules.darwin.mac ];
  den.aspects.pc.nixos.imports = [ den.aspects.gui.homeManager ];
  vix.pc.darwin.imports = [ vix.gui.nixos ];
  unify.modules.pc.homeManager.imports = [ config.flake.modules.nixos.base ];
}
"#,
            ),
            expect![[r#"
                modules/pc.nix:2:70 error[wrong-class-import] "shell": `flake.modules.homeManager.shell` is a `homeManager` module, imported into a `nixos` module: the module system rejects it there; import it under `home-manager.users.<name>.imports` or `home-manager.sharedModules`
                modules/pc.nix:3:60 error[wrong-class-import] "mac": `flake.modules.darwin.mac` is a `darwin` module, imported into a `nixos` module: the module system rejects it there; import it where `darwin` is evaluated
                modules/pc.nix:4:66 error[wrong-class-import] "mac": `flake.modules.darwin.mac` is a `darwin` module, imported into a `nixos` module: the module system rejects it there; import it where `darwin` is evaluated
                modules/pc.nix:5:48 error[wrong-class-import] "gui": `den.aspects.gui.homeManager` is a `homeManager` module, imported into a `nixos` module: the module system rejects it there; import it under `home-manager.users.<name>.imports` or `home-manager.sharedModules`
                modules/pc.nix:6:33 error[wrong-class-import] "gui": `vix.gui.nixos` is a `nixos` module, imported into a `darwin` module: the module system rejects it there; import it where `nixos` is evaluated
                modules/pc.nix:7:71 error[wrong-class-import] "base": `flake.modules.nixos.base` is a `nixos` module, imported into a `homeManager` module: the module system rejects it there; import it where `nixos` is evaluated"#]],
        );
    }

    /// A `let`-bound module read as an aspect's configuration is that aspect's module (where the
    /// `let` sits inside the aspect too), and a module imported straight into an aspect keeps the
    /// aspect's class.
    #[test]
    fn a_let_bound_module_where_it_is_used_as_an_aspect() {
        check(
            r#"
#- /modules/a.nix
{ inputs, ... }:
let hm = { imports = [ inputs.foo.homeModules.default ]; };
in {
  flake.modules.nixos.x = hm;
  flake.modules.nixos.y.imports = [ inputs.foo.homeModules.default ];
  flake.modules.nixos.z = let m = { imports = [ inputs.foo.homeModules.default ]; }; in m;
}
"#,
            expect![[r#"
                modules/a.nix:2:47 error[wrong-class-import] "default": `inputs.foo.homeModules.default` is a `homeManager` module, imported into a `nixos` module: the module system rejects it there; import it under `home-manager.users.<name>.imports` or `home-manager.sharedModules`
                modules/a.nix:5:60 error[wrong-class-import] "default": `inputs.foo.homeModules.default` is a `homeManager` module, imported into a `nixos` module: the module system rejects it there; import it under `home-manager.users.<name>.imports` or `home-manager.sharedModules`
                modules/a.nix:6:72 error[wrong-class-import] "default": `inputs.foo.homeModules.default` is a `homeManager` module, imported into a `nixos` module: the module system rejects it there; import it under `home-manager.users.<name>.imports` or `home-manager.sharedModules`"#]],
        );
    }

    // ---- near misses: Nix evaluates these ------------------------------------------------------

    /// A `let` binding is no module of any known place (dendritic.md §8.4): bound and never
    /// used, used as a home-manager module, in an option of the workspace's own or in a den
    /// aspect's `includes`, what it imports is not judged as the enclosing module's class.
    #[test]
    fn let_bound_modules_have_no_class_of_their_own() {
        check_silent(
            r#"
#- /modules/shared.nix
{ inputs, ... }:
let hm = { imports = [ inputs.foo.homeModules.default ]; };
in { flake.modules.nixos.x = { home-manager.sharedModules = [ hm ]; }; }
#- /modules/unused.nix
{ inputs, ... }:
let unused = { imports = [ inputs.foo.homeModules.default ]; }; in { }
#- /modules/option.nix
{ inputs, ... }: {
  flake.modules.nixos.y = let extra = { imports = [ inputs.foo.homeModules.default ]; }; in { my.modules = [ extra ]; };
}
#- /modules/den.nix
{ inputs, ... }:
let base = { nixos = { pkgs, ... }: { imports = [ inputs.x.homeModules.y ]; }; }; in
{ imports = [ inputs.den.flakeModule ]; den.aspects.a.includes = [ base ]; }
"#,
        );
    }

    #[test]
    fn the_same_class() {
        check_silent(&with_aspects(
            r#"
#- /modules/pc.nix
{ config, inputs, ... }: {
  flake.modules.nixos.pc.imports = [
    config.flake.modules.nixos.base
    inputs.agenix.nixosModules.default
    inputs.home-manager.nixosModules.home-manager
  ];
  flake.modules.homeManager.bob.imports = [ inputs.stylix.homeManagerModules.stylix ];
  flake.modules.darwin.mac.imports = [ inputs.home-manager.darwinModules.home-manager ];
  imports = [ inputs.home-manager.flakeModules.home-manager ];
}
"#,
        ));
    }

    #[test]
    fn generic_modules_fit_anywhere() {
        check_silent(&with_aspects(
            r#"
#- /modules/pc.nix
{ config, ... }: {
  flake.modules.nixos.pc.imports = [ config.flake.modules.generic.nix-settings ];
  flake.modules.homeManager.bob.imports = [ config.flake.modules.generic.nix-settings ];
  flake.modules.generic.nix-settings.imports = [ config.flake.modules.nixos.base ];
}
"#,
        ));
    }

    #[test]
    fn classes_canopy_does_not_know() {
        check_silent(&with_aspects(
            r#"
#- /modules/pc.nix
{ config, ... }: {
  flake.modules.nixos.pc.imports = [ config.flake.modules.user.alice ];
  flake.modules.user.alice.imports = [ config.flake.modules.nixos.base ];
}
"#,
        ));
    }

    #[test]
    fn nested_home_manager_evaluations() {
        check_silent(&with_aspects(
            r#"
#- /modules/pc.nix
{ config, ... }: {
  flake.modules.nixos.pc = {
    home-manager.users.bob.imports = [ config.flake.modules.homeManager.shell ];
    home-manager.users.alice = config.flake.modules.homeManager.shell;
    home-manager.sharedModules = [ config.flake.modules.homeManager.shell ];
  };
  flake.modules.darwin.mac = {
    home-manager.users.bob = { imports = with config.flake.modules.homeManager; [ shell ]; };
  };
}
"#,
        ));
    }

    #[test]
    fn a_home_manager_user_known_only_at_evaluation() {
        check_silent(&with_aspects(
            r#"
#- /modules/pc.nix
{ config, ... }: {
  flake.modules.nixos.pc = { mainUser, ... }: {
    home-manager.users.${mainUser}.imports = [ config.flake.modules.homeManager.shell ];
  };
  flake.modules.nixos.laptop = { lib, ... }: {
    home-manager.users = lib.genAttrs [ "bob" ] (name: { imports = [ config.flake.modules.homeManager.shell ]; });
  };
}
"#,
        ));
    }

    #[test]
    fn builders_of_the_right_class() {
        check_silent(&with_aspects(
            r#"
#- /modules/hosts.nix
{ config, inputs, ... }: {
  flake.nixosConfigurations.pc = inputs.nixpkgs.lib.nixosSystem {
    modules = [ config.flake.modules.nixos.base ];
  };
  flake.darwinConfigurations.mac = inputs.nix-darwin.lib.darwinSystem {
    modules = with config.flake.modules.darwin; [ mac ];
  };
  flake.homeConfigurations.bob = inputs.home-manager.lib.homeManagerConfiguration {
    modules = [ config.flake.modules.homeManager.shell ];
  };
  perSystem = { pkgs, ... }: {
    packages.nvim = inputs.nixvim.lib.evalNixvim { modules = [ config.flake.modules.nixvim.editor ]; };
  };
  flake.nixvimModules.editor = (inputs.nixpkgs.lib.evalModules {
    class = "nixvim";
    modules = [ config.flake.modules.nixvim.editor ];
  }).config;
  flake.checks = inputs.nixpkgs.lib.evalModules { modules = [ config.flake.modules.darwin.mac ]; };
}
"#,
        ));
    }

    #[test]
    fn specialisations_keep_the_class() {
        check_silent(&with_aspects(
            r#"
#- /modules/pc.nix
{ config, ... }: {
  flake.modules.nixos.pc.specialisation.work.configuration.imports = [ config.flake.modules.nixos.base ];
}
"#,
        ));
    }

    #[test]
    fn outputs_and_includes_are_not_imports() {
        check_silent(&with_aspects(
            r#"
#- /modules/outputs.nix
{ config, den, ... }: {
  flake.nixosModules.base = config.flake.modules.nixos.base;
  flake.homeModules.shell = config.flake.modules.homeManager.shell;
  den.aspects.pc.includes = [ den.aspects.gui ];
  den.aspects.gui.homeManager = { };
}
"#,
        ));
    }

    #[test]
    fn option_values_are_not_imports() {
        check_silent(&with_aspects(
            r#"
#- /modules/pc.nix
{ config, ... }: {
  flake.modules.nixos.pc = { lib, ... }: {
    options.shell = lib.mkOption { default = config.flake.modules.homeManager.shell; };
    config.home-manager.extraSpecialArgs.shell = config.flake.modules.homeManager.shell;
  };
}
"#,
        ));
    }
}
