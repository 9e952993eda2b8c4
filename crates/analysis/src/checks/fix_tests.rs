//! The fixes of every diagnostic that has one, on small workspaces: what each changes, and that
//! applying it and analysing again clears the diagnostic and reports nothing new.

use std::sync::Arc;

use expect_test::{Expect, expect};

use super::test_support::analysis;
use crate::{Analysis, Change, DiagnosticKind, Fix};

/// The workspace's files after `fix`: edits applied back to front, then renames, then new files.
/// `None` when the fix overlaps itself or names a file it cannot touch.
pub(crate) fn apply_fix(analysis: &Analysis, fix: &Fix) -> Option<Vec<(String, String)>> {
    let mut files: Vec<(String, String)> =
        analysis.files().into_iter().map(|f| (analysis.path(f).to_owned(), analysis.text(f).to_owned())).collect();
    for file_edit in &fix.edits {
        let path = analysis.try_path(file_edit.file)?;
        let (_, text) = files.iter_mut().find(|(p, _)| p == path)?;
        let mut edits = file_edit.edits.clone();
        edits.sort_by_key(|e| (e.range.start(), e.range.end()));
        for pair in edits.windows(2) {
            if pair[0].range.end() > pair[1].range.start() {
                return None;
            }
        }
        for edit in edits.iter().rev() {
            let range = std::ops::Range::<usize>::from(edit.range);
            text.get(range.clone())?;
            text.replace_range(range, &edit.new_text);
        }
    }
    for rename in &fix.renames {
        let path = analysis.try_path(rename.file)?;
        if files.iter().any(|(p, _)| *p == rename.to) {
            return None;
        }
        files.iter_mut().find(|(p, _)| p == path)?.0 = rename.to.clone();
    }
    for create in &fix.creates {
        if files.iter().any(|(p, _)| *p == create.path) {
            return None;
        }
        files.push((create.path.clone(), create.text.clone()));
    }
    Some(files)
}

fn analyse(files: &[(String, String)]) -> Analysis {
    let set = files.iter().map(|(p, t)| (p.clone(), Arc::from(t.as_str()))).collect();
    let mut analysis = Analysis::new();
    analysis.apply(Change { set, remove: Vec::new() });
    analysis
}

/// Every diagnostic reported by default as `code: message`, the place left out (a fix moves text
/// and files).
fn reported(analysis: &Analysis) -> Vec<String> {
    let mut out: Vec<String> = analysis
        .files()
        .into_iter()
        .flat_map(|f| analysis.diagnostics(f))
        .filter(|d| d.kind.default_enabled())
        .map(|d| format!("{}: {}", d.kind.code(), d.message))
        .collect();
    out.sort();
    out
}

/// The fixes of the first diagnostic of `kind`, each with the files it changes as they read
/// after it; and for each, applying it clears that diagnostic and reports nothing new.
#[track_caller]
fn check_fixes(kind: DiagnosticKind, fixture: &str, expect: Expect) {
    let before = analysis(fixture);
    let (file, diagnostic) = before
        .files()
        .into_iter()
        .find_map(|f| before.diagnostics(f).into_iter().find(|d| d.kind == kind).map(|d| (f, d)))
        .unwrap_or_else(|| panic!("no `{}` in the fixture", kind.code()));
    assert_eq!(before.fixes(file, diagnostic.range), diagnostic.fixes, "the door's fixes are the diagnostic's");
    let old_files: Vec<(String, String)> =
        before.files().into_iter().map(|f| (before.path(f).to_owned(), before.text(f).to_owned())).collect();
    let mut out = Vec::new();
    for fix in &diagnostic.fixes {
        let files = apply_fix(&before, fix).expect("the fix applies");
        let after = analyse(&files);
        let (was, now) = (reported(&before), reported(&after));
        let fixed = format!("{}: {}", kind.code(), diagnostic.message);
        assert!(
            now.iter().filter(|d| **d == fixed).count() < was.iter().filter(|d| **d == fixed).count(),
            "`{}` still reports {fixed}",
            fix.title
        );
        let mut left = was.clone();
        for d in &now {
            match left.iter().position(|w| w == d) {
                Some(at) => drop(left.remove(at)),
                None => panic!("`{}` reports something new: {d}", fix.title),
            }
        }
        let flags = [("safe", fix.safe), ("preferred", fix.preferred)];
        let flags: Vec<&str> = flags.iter().filter(|(_, on)| *on).map(|(name, _)| *name).collect();
        out.push(format!("== {} [{}]", fix.title, flags.join(", ")));
        for (path, text) in &files {
            if !old_files.iter().any(|(p, t)| p == path && t == text) {
                out.push(format!("-- {path}\n{text}"));
            }
        }
    }
    expect.assert_eq(&out.join("\n"));
}

#[test]
fn undefined_aspect_near_names_and_a_new_file() {
    check_fixes(
        DiagnosticKind::UndefinedAspect,
        r#"
#- /modules/desktop.nix
{ flake.modules.nixos.desktop = { }; }
#- /modules/pc.nix
{ config, ... }: {
  flake.modules.nixos.pc.imports = with config.flake.modules.nixos; [ deskotp ];
}
"#,
        expect![[r#"
            == Replace with `desktop` [safe, preferred]
            -- modules/pc.nix
            { config, ... }: {
              flake.modules.nixos.pc.imports = with config.flake.modules.nixos; [ desktop ];
            }

            == Create aspect `deskotp` in `modules/deskotp.nix` []
            -- modules/deskotp.nix
            {
              flake.modules.nixos.deskotp = { };
            }
        "#]],
    );
}

#[test]
fn undefined_aspect_of_several_near_names_is_not_safe() {
    check_fixes(
        DiagnosticKind::UndefinedAspect,
        r#"
#- /modules/desk.nix
{ flake.modules.homeManager.desk = { }; flake.modules.homeManager.dusk = { }; }
#- /modules/pc.nix
{ config, ... }: {
  flake.modules.homeManager.pc.imports = [ config.flake.modules.homeManager.dask ];
}
"#,
        expect![[r#"
            == Replace with `desk` [preferred]
            -- modules/pc.nix
            { config, ... }: {
              flake.modules.homeManager.pc.imports = [ config.flake.modules.homeManager.desk ];
            }

            == Replace with `dusk` []
            -- modules/pc.nix
            { config, ... }: {
              flake.modules.homeManager.pc.imports = [ config.flake.modules.homeManager.dusk ];
            }

            == Create aspect `dask` in `modules/dask.nix` []
            -- modules/dask.nix
            {
              flake.modules.homeManager.dask = { };
            }
        "#]],
    );
}

#[test]
fn unknown_class() {
    check_fixes(
        DiagnosticKind::UnknownClass,
        r#"
#- /modules/git.nix
{ flake.modules.homemanager.git = { }; }
"#,
        expect![[r#"
            == Replace with `homeManager` [safe, preferred]
            -- modules/git.nix
            { flake.modules.homeManager.git = { }; }
        "#]],
    );
}

#[test]
fn shadowed_config() {
    check_fixes(
        DiagnosticKind::ShadowedConfig,
        r#"
#- /modules/desktop.nix
{ flake.modules.nixos.desktop = { }; }
#- /modules/audio.nix
{ lib, ... }:
{
  flake.modules.nixos.audio =
    { config, ... }:
    {
      imports = [ config.flake.modules.nixos.desktop ];
      networking.hostName = config.networking.hostName;
    };
}
"#,
        expect![[r#"
            == Read the flake's `config` through `let flakeConfig = config;` above the module [safe, preferred]
            -- modules/audio.nix
            { config, lib, ... }:
            {
              flake.modules.nixos.audio =
                let flakeConfig = config; in { config, ... }:
                {
                  imports = [ flakeConfig.flake.modules.nixos.desktop ];
                  networking.hostName = config.networking.hostName;
                };
            }
        "#]],
    );
}

#[test]
fn toplevel_pkgs_read_in_an_aspect() {
    check_fixes(
        DiagnosticKind::ToplevelPkgs,
        r#"
#- /modules/tools.nix
{ pkgs, ... }:
{
  flake.modules.nixos.tools = {
    environment.systemPackages = [ pkgs.git ];
  };
  flake.modules.nixos.shell = { lib, ... }: {
    environment.systemPackages = [ pkgs.zsh ];
  };
}
"#,
        expect![[r#"
            == Take `pkgs` in the modules that read it, not at top level [safe, preferred]
            -- modules/tools.nix
            { ... }:
            {
              flake.modules.nixos.tools = { pkgs, ... }: {
                environment.systemPackages = [ pkgs.git ];
              };
              flake.modules.nixos.shell = { pkgs, lib, ... }: {
                environment.systemPackages = [ pkgs.zsh ];
              };
            }
        "#]],
    );
}

#[test]
fn toplevel_pkgs_unread() {
    check_fixes(
        DiagnosticKind::ToplevelPkgs,
        r#"
#- /modules/tools.nix
{ config, pkgs, ... }:
{
  flake.modules.nixos.tools = { };
}
"#,
        expect![[r#"
            == Remove `pkgs` from the arguments [safe, preferred]
            -- modules/tools.nix
            { config, ... }:
            {
              flake.modules.nixos.tools = { };
            }
        "#]],
    );
}

#[test]
fn not_a_flake_module() {
    check_fixes(
        DiagnosticKind::NotAFlakeModule,
        r#"
#- /modules/hardware-configuration.nix
{ lib, modulesPath, ... }:
{
  imports = [ (modulesPath + "/installer/scan/not-detected.nix") ];
  boot.initrd.availableKernelModules = [ "nvme" ];
}
"#,
        expect![[r#"
            == Wrap as `flake.modules.nixos.hardware-configuration` [preferred]
            -- modules/hardware-configuration.nix
            {
              flake.modules.nixos.hardware-configuration =
                { lib, modulesPath, ... }:
                {
                  imports = [ (modulesPath + "/installer/scan/not-detected.nix") ];
                  boot.initrd.availableKernelModules = [ "nvme" ];
                };
            }

            == Move to `modules/_hardware-configuration.nix`, which import-tree skips []
            -- modules/_hardware-configuration.nix
            { lib, modulesPath, ... }:
            {
              imports = [ (modulesPath + "/installer/scan/not-detected.nix") ];
              boot.initrd.availableKernelModules = [ "nvme" ];
            }
        "#]],
    );
}

#[test]
fn ignored_file() {
    check_fixes(
        DiagnosticKind::IgnoredFile,
        r#"
#- /modules/_wip/draft.nix
{ flake.modules.nixos.draft = { }; }
"#,
        expect![[r#"
            == Move to `modules/wip/draft.nix`, which import-tree loads [preferred]
            -- modules/wip/draft.nix
            { flake.modules.nixos.draft = { }; }
        "#]],
    );
}

#[test]
fn undefined_variable_a_module_argument() {
    check_fixes(
        DiagnosticKind::UndefinedVariable,
        r#"
#- /modules/editor.nix
{
  flake.modules.nixos.editor = { config, ... }: {
    environment.systemPackages = [ pkgs.vim ];
  };
}
"#,
        expect![[r#"
            == Add `pkgs` to the module's arguments [preferred]
            -- modules/editor.nix
            {
              flake.modules.nixos.editor = { pkgs, config, ... }: {
                environment.systemPackages = [ pkgs.vim ];
              };
            }
        "#]],
    );
}

#[test]
fn undefined_variable_of_no_module_argument_has_no_fix() {
    check_fixes(
        DiagnosticKind::UndefinedVariable,
        r#"
#- /modules/editor.nix
{
  flake.modules.nixos.editor = { config, ... }: {
    programs.vim.package = vimFull;
  };
}
"#,
        expect![[""]],
    );
}

#[test]
fn duplicate_attribute_has_no_fix() {
    check_fixes(
        DiagnosticKind::DuplicateAttribute,
        r#"
#- /modules/net.nix
{
  flake.modules.nixos.net = { networking.firewall.enable = true; networking.firewall.enable = false; };
}
"#,
        expect![[""]],
    );
}

#[test]
fn related_places_and_the_readme_section() {
    let analysis = analysis(
        r#"
#- /modules/desktop.nix
{ flake.modules.nixos.desktop = { }; }
#- /modules/pc.nix
{ config, ... }: {
  flake.modules.nixos.pc = { config, ... }: {
    imports = [ config.flake.modules.nixos.desktop ];
  };
  flake.modules.nixos.laptop.imports = [ config.flake.modules.nixos.deskotp ];
}
"#,
    );
    let mut out = Vec::new();
    for file in analysis.files() {
        for d in analysis.diagnostics(file).into_iter().filter(|d| d.kind.default_enabled()) {
            out.push(format!("{} {}", analysis.path(file), d.kind.docs_url()));
            for related in &d.related {
                let text = &analysis.text(related.site.file)[related.site.range];
                out.push(format!("  {} {text:?}: {}", analysis.path(related.site.file), related.message));
            }
        }
    }
    expect![[r#"
        modules/pc.nix https://github.com/canopy-nix/canopy#shadowed-config
          modules/pc.nix "config": the flake's `config`, which the module's own hides
        modules/pc.nix https://github.com/canopy-nix/canopy#imports-read-config
        modules/pc.nix https://github.com/canopy-nix/canopy#undefined-aspect
          modules/desktop.nix "desktop": `desktop` is defined here"#]]
    .assert_eq(&out.join("\n"));
}

#[test]
fn missing_ellipsis_after_the_last_argument() {
    check_fixes(
        DiagnosticKind::MissingEllipsis,
        r#"
#- /modules/tools.nix
{ flake.modules.nixos.tools = { pkgs }: { environment.systemPackages = [ pkgs.git ]; }; }
"#,
        expect![[r#"
            == Add `...` to the arguments [safe, preferred]
            -- modules/tools.nix
            { flake.modules.nixos.tools = { pkgs, ... }: { environment.systemPackages = [ pkgs.git ]; }; }
        "#]],
    );
}

#[test]
fn missing_ellipsis_after_a_trailing_comma() {
    check_fixes(
        DiagnosticKind::MissingEllipsis,
        r#"
#- /modules/tools.nix
{
  flake.modules.nixos.tools =
    {
      pkgs,
      lib, # the library
    }:
    { environment.systemPackages = [ pkgs.git ]; };
}
"#,
        expect![[r#"
            == Add `...` to the arguments [safe, preferred]
            -- modules/tools.nix
            {
              flake.modules.nixos.tools =
                {
                  pkgs,
                  lib, ... # the library
                }:
                { environment.systemPackages = [ pkgs.git ]; };
            }
        "#]],
    );
}

#[test]
fn missing_ellipsis_in_an_empty_pattern() {
    check_fixes(
        DiagnosticKind::MissingEllipsis,
        r#"
#- /modules/tools.nix
{ flake.modules.nixos.tools = args@{}: { }; }
"#,
        expect![[r#"
            == Add `...` to the arguments [safe, preferred]
            -- modules/tools.nix
            { flake.modules.nixos.tools = args@{ ... }: { }; }
        "#]],
    );
}

#[test]
fn module_attribute_access_selects_the_stored_aspect() {
    check_fixes(
        DiagnosticKind::ModuleAttributeAccess,
        r#"
#- /modules/platforms.nix
{
  flake.nixosModules.allPlatforms = { development = { }; };
  flake.nixosModules.development = { };
}
#- /modules/pc.nix
{ config, ... }: {
  flake.modules.nixos.pc.imports = [ config.flake.nixosModules.allPlatforms.development ];
}
"#,
        expect![[r#"
            == Select the aspect `development` [preferred]
            -- modules/pc.nix
            { config, ... }: {
              flake.modules.nixos.pc.imports = [ config.flake.nixosModules.development ];
            }
        "#]],
    );
}

#[test]
fn module_attribute_access_without_such_an_aspect_has_no_fix() {
    let analysis = analysis(
        r#"
#- /modules/pc.nix
{ config, ... }: {
  flake.nixosModules.allPlatforms = { development = { }; };
  flake.modules.nixos.pc.imports = [ config.flake.nixosModules.allPlatforms.development ];
}
"#,
    );
    let found: Vec<Vec<std::sync::Arc<Fix>>> = analysis
        .files()
        .into_iter()
        .flat_map(|f| analysis.diagnostics(f))
        .filter(|d| d.kind == DiagnosticKind::ModuleAttributeAccess)
        .map(|d| d.fixes)
        .collect();
    assert_eq!(found, vec![Vec::new()], "one finding, with no fix");
}
