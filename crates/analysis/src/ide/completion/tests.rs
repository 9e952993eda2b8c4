use expect_test::{Expect, expect};

use super::complete;
use crate::ide::{FLAKE, fixture};

fn check(fixture_text: &str, expect: Expect) {
    let (ws, pos) = fixture(&format!("{FLAKE}{fixture_text}"));
    let list = complete(&ws, pos);
    let text = ws.text(pos.file);
    let mut out: Vec<String> = list
        .items
        .iter()
        .map(|i| {
            format!(
                "{:?} {} -> {} @{:?} {}",
                i.kind,
                i.label,
                i.insert,
                &text[i.replace],
                i.detail.as_deref().unwrap_or("")
            )
        })
        .collect();
    if list.incomplete {
        out.push("(incomplete)".into());
    }
    expect.assert_eq(&out.join("\n"));
}

const ASPECTS: &str = r#"#- /modules/a.nix
{
  flake.modules.nixos.ssh = { };
  flake.modules.nixos.desktop = { };
  flake.modules.nixos."hosts/gouda" = { };
  flake.modules.homeManager.ssh = { };
  flake.modules.homeManager.shell = { };
}
"#;

#[test]
fn after_a_trailing_dot_in_a_half_typed_with_list() {
    check(
        &format!(
            "{ASPECTS}{}",
            r#"#- /modules/b.nix
{ config, ... }: {
  flake.modules.nixos.pc.imports = with config.flake.modules.nixos; [ ssh config.flake.modules.homeManager.$0
"#
        ),
        expect![[r#"
            Aspect shell -> shell @"" homeManager · 1 file
            Aspect ssh -> ssh @"" homeManager · 1 file, nixos · 1 file"#]],
    );
}

#[test]
fn bare_names_in_a_with_list() {
    check(
        &format!(
            "{ASPECTS}{}",
            r#"#- /modules/b.nix
{ config, ... }: {
  flake.modules.nixos.pc.imports = with config.flake.modules.nixos; [ de$0 ];
}
"#
        ),
        expect![[r#"Aspect desktop -> desktop @"de" nixos · 1 file"#]],
    );
}

#[test]
fn quoted_names_are_inserted_quoted() {
    check(
        &format!(
            "{ASPECTS}{}",
            r#"#- /modules/b.nix
{ config, ... }: {
  flake.modules.nixos.pc.imports = [ config.flake.modules.nixos.$0 ];
}
"#
        ),
        expect![[r#"
            Aspect desktop -> desktop @"" nixos · 1 file
            Aspect hosts/gouda -> "hosts/gouda" @"" nixos · 1 file
            Aspect pc -> pc @"" nixos · 1 file
            Aspect ssh -> ssh @"" homeManager · 1 file, nixos · 1 file"#]],
    );
}

#[test]
fn classes_after_flake_modules() {
    check(
        &format!(
            "{ASPECTS}{}",
            r#"#- /modules/b.nix
{
  flake.modules.$0
}
"#
        ),
        expect![[r#"
            Class darwin -> darwin @"" class · 0 aspects
            Class flake -> flake @"" class · 0 aspects
            Class generic -> generic @"" class · 0 aspects
            Class homeManager -> homeManager @"" class · 2 aspects
            Class nixOnDroid -> nixOnDroid @"" class · 0 aspects
            Class nixos -> nixos @"" class · 3 aspects
            Class nixvim -> nixvim @"" class · 0 aspects"#]],
    );
}

#[test]
fn den_includes_and_classes() {
    check(
        r#"#- /modules/a.nix
{ den, ... }: {
  den.aspects.base.nixos = { };
  den.aspects.desktop.homeManager = { };
  den.aspects.igloo.includes = [ den.aspects.$0 ];
}
"#,
        expect![[r#"
            Aspect base -> base @"" nixos · 1 file
            Aspect desktop -> desktop @"" homeManager · 1 file
            Aspect igloo -> igloo @"" "#]],
    );
}

#[test]
fn local_names_elsewhere() {
    check(
        r#"#- /modules/a.nix
{ config, lib, ... }:
let helper = 1; in {
  flake.modules.nixos.x = { y = hel$0; };
}
"#,
        expect![[r#"Local helper -> helper @"hel" "#]],
    );
}
