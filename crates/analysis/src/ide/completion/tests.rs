use expect_test::{Expect, expect};

use super::complete;
use crate::base::text::TextSize;
use crate::ide::{FLAKE, FilePosition, fixture};

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

/// Completing a partly typed name reads the workspace's own summary of the file; it must answer
/// as a fresh reading of the text would, at every name of every fixture repository.
#[test]
fn the_kept_outline_answers_as_a_fresh_reading_would() {
    use crate::base::Change;
    use crate::graph::store::Graph;
    use rnix::SyntaxKind::{TOKEN_IDENT, TOKEN_STRING_CONTENT};
    use std::path::Path;

    fn nix_files(root: &Path, dir: &Path, out: &mut Vec<(String, std::sync::Arc<str>)>) {
        for entry in std::fs::read_dir(dir).expect("a readable fixture folder") {
            let path = entry.expect("an entry").path();
            if path.is_dir() {
                nix_files(root, &path, out);
            } else if path.extension().is_some_and(|e| e == "nix") {
                let rel = path.strip_prefix(root).expect("below the root").to_string_lossy().replace('\\', "/");
                out.push((rel, std::fs::read_to_string(&path).expect("a UTF-8 fixture").into()));
            }
        }
    }
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures");
    let (mut compared, mut outside) = (0, 0);
    for repo in std::fs::read_dir(&fixtures).expect("fixtures/ is readable") {
        let root = repo.expect("an entry").path();
        if !root.is_dir() {
            continue;
        }
        let mut set = Vec::new();
        nix_files(&root, &root, &mut set);
        crate::base::stack::with_stack(|| {
            let ws = Graph::of(Change { set, remove: Vec::new() });
            for file in ws.files() {
                let tree = ws.tree(file);
                let names = tree.root().descendants_with_tokens().filter_map(|e| e.into_token()).filter(|t| {
                    matches!(t.kind(), TOKEN_IDENT | TOKEN_STRING_CONTENT) && t.text_range().len() > 1.into()
                });
                // Inside each name, as while typing it, and at its end.
                let offsets = names.flat_map(|t| [t.text_range().start() + TextSize::from(1), t.text_range().end()]);
                for offset in offsets {
                    let pos = FilePosition { file, offset };
                    let kept = super::complete_with(&ws, pos, super::Outline::KeptWhenCurrent);
                    let fresh = super::complete_with(&ws, pos, super::Outline::Fresh);
                    assert_eq!(kept, fresh, "at {offset:?} in {}", ws.path(file));
                    compared += 1;
                    outside += usize::from(!ws.role(file).in_graph());
                }
            }
        });
    }
    assert!(compared > 2000, "only {compared} positions compared");
    // Files import-tree does not load are summarised but not resolved by the workspace.
    assert!(outside >= 50, "only {outside} positions in files outside the graph");
}

/// A lower-level module's `inputs.self` completes the flake's aspects where the workspace passes
/// `inputs` down (dendritic.md §8.4), and nothing where it does not.
#[test]
fn through_inputs_passed_down() {
    let passing = r#"#- /modules/hosts.nix
{ inputs, ... }: { flake.nixosConfigurations.pc = inputs.nixpkgs.lib.nixosSystem { specialArgs = { inherit inputs; }; }; }
"#;
    let pc = r#"#- /modules/pc.nix
{ flake.modules.nixos.pc = { inputs, ... }: { imports = [ inputs.self.modules.homeManager.$0 ]; }; }
"#;
    check(
        &format!("{ASPECTS}{passing}{pc}"),
        expect![[r#"
            Aspect shell -> shell @"" homeManager · 1 file
            Aspect ssh -> ssh @"" homeManager · 1 file, nixos · 1 file"#]],
    );
    check(&format!("{ASPECTS}{pc}"), expect![[r#"Local inputs -> inputs @"" "#]]);
}

const OUTPUTS: &str = r#"#- /modules/out.nix
{ flake.nixosModules.server = { }; flake.nixosModules.base = { }; }
"#;

#[test]
fn after_config_flake_the_collections_and_no_local_name() {
    // `config`, `lib` and `pkgs` are bound here: none of them fits after the dot.
    check(
        &format!(
            "{ASPECTS}{OUTPUTS}{}",
            r#"#- /modules/b.nix
{ config, lib, pkgs, ... }: {
  flake.modules.nixos.pc.imports = [ config.flake.$0 ];
}
"#
        ),
        expect![[r#"
            Collection modules -> modules @"" collection · 6 aspects
            Collection nixosModules -> nixosModules @"" collection · 2 aspects"#]],
    );
    // Partly typed, the same.
    check(
        &format!(
            "{ASPECTS}{OUTPUTS}{}",
            r#"#- /modules/b.nix
{ config, lib, pkgs, ... }: {
  flake.modules.nixos.pc.imports = [ config.flake.nixo$0 ];
}
"#
        ),
        expect![[r#"Collection nixosModules -> nixosModules @"nixo" collection · 2 aspects"#]],
    );
    // A bare name in a list still offers the locals.
    check(
        &format!(
            "{ASPECTS}{}",
            r#"#- /modules/b.nix
{ config, ... }: {
  flake.modules.nixos.pc.imports = [ conf$0 ];
}
"#
        ),
        expect![[r#"Local config -> config @"conf" "#]],
    );
}

#[test]
fn resolving_an_aspect_item_says_where_it_is_defined() {
    let (ws, pos) = fixture(&format!(
        "{FLAKE}{ASPECTS}{}",
        r#"#- /modules/more.nix
{
  flake.modules.nixos.ssh.x = 1;
}
#- /modules/b.nix
{ config, ... }: { flake.modules.nixos.pc.imports = [ config.flake.modules.nixos.ss$0 ]; }
"#
    ));
    let list = complete(&ws, pos);
    let ssh = list.items.iter().find(|i| i.label == "ssh").and_then(|i| i.aspect.clone()).expect("ssh is offered");
    expect![[r#"
        `flake.modules.nixos.ssh` is defined in
        - `modules/a.nix` line 2
        - `modules/more.nix` line 2"#]]
    .assert_eq(&super::resolve(&ws, &ssh).unwrap_or_default());
    let gone = crate::base::AspectKey { name: "gone".into(), ..ssh };
    assert_eq!(super::resolve(&ws, &gone), None);
    assert!(list.items.iter().all(|i| i.aspect.is_some() == (i.kind == super::CompletionKind::Aspect)));
}
