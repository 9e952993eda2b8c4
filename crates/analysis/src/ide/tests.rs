//! Navigation, hover and outline over small workspaces.

use expect_test::{Expect, expect};

use super::goto_definition::goto_definition;
use super::hover::hover;
use super::references::{document_highlight, references};
use super::symbols::{DocumentSymbol, document_symbols, workspace_symbols};
use super::*;
use crate::graph::store::Graph;

const WORKSPACE: &str = r#"#- /modules/ssh.nix
{ flake.modules.nixos.ssh = { services.openssh.enable = true; }; }
#- /modules/ssh-hm.nix
{ flake.modules.homeManager.ssh = { }; }
#- /modules/more-ssh.nix
{ flake.modules.nixos.ssh.programs.mosh.enable = true; }
#- /modules/base.nix
{ config, ... }:
let
  helper = with config.flake.modules.nixos; [ ssh ];
in
{
  flake.modules.nixos.base.imports = helper;
  configurations.nixos.gouda.module.imports = [ config.flake.modules.nixos.base config.flake.modules.nixos.ssh ];
}
"#;

fn at(marker: &str) -> (Graph, FilePosition) {
    fixture(&format!("{FLAKE}{}", marker))
}

fn show_site(ws: &Graph, file: crate::base::FileId, range: crate::base::text::TextRange) -> String {
    format!("{}:{:?}", ws.path(file), &ws.text(file)[range])
}

fn check_definition(marked: &str, expect: Expect) {
    let (ws, pos) = at(marked);
    let out = match goto_definition(&ws, pos) {
        None => "none".to_string(),
        Some(nav) => {
            let mut lines = vec![format!("origin {:?}", &ws.text(pos.file)[nav.origin])];
            for t in nav.targets {
                lines.push(format!(
                    "{} full={:?}",
                    show_site(&ws, t.file, t.focus_range),
                    &ws.text(t.file)[t.full_range]
                ));
            }
            lines.join("\n")
        }
    };
    expect.assert_eq(&out);
}

#[test]
fn definition_from_a_with_list_reaches_every_site() {
    check_definition(
        &WORKSPACE.replace("[ ssh ]", "[ ss$0h ]"),
        expect![[r#"
            origin "ssh"
            modules/more-ssh.nix:"ssh" full="flake.modules.nixos.ssh.programs.mosh.enable = true;"
            modules/ssh.nix:"ssh" full="flake.modules.nixos.ssh = { services.openssh.enable = true; };""#]],
    );
}

#[test]
fn definition_from_a_definition_reaches_the_other_sites() {
    check_definition(
        &WORKSPACE.replace("nixos.ssh = {", "nixos.s$0sh = {"),
        expect![[r#"
            origin "ssh"
            modules/more-ssh.nix:"ssh" full="flake.modules.nixos.ssh.programs.mosh.enable = true;""#]],
    );
}

#[test]
fn definition_of_a_local_name() {
    check_definition(
        &WORKSPACE.replace("imports = helper", "imports = hel$0per"),
        expect![[r#"
        origin "helper"
        modules/base.nix:"helper" full="helper""#]],
    );
}

#[test]
fn references_and_highlights() {
    let (ws, pos) = at(&WORKSPACE.replace("nixos.ssh = {", "nixos.s$0sh = {"));
    let refs = references(&ws, pos, true).unwrap_or_default();
    let mut lines: Vec<String> = refs.iter().map(|s| show_site(&ws, s.file, s.range)).collect();
    let highlights = document_highlight(&ws, pos);
    lines.extend(highlights.iter().map(|h| format!("highlight {:?} {:?}", h.kind, &ws.text(pos.file)[h.range])));
    expect![[r#"
        modules/base.nix:"ssh"
        modules/base.nix:"ssh"
        modules/more-ssh.nix:"ssh"
        modules/ssh-hm.nix:"ssh"
        modules/ssh.nix:"ssh"
        highlight Write "ssh""#]]
    .assert_eq(&lines.join("\n"));
}

#[test]
fn hover_lists_classes_with_file_counts() {
    let (ws, pos) = at(&WORKSPACE.replace("[ ssh ]", "[ ss$0h ]"));
    expect![[r#"
        **aspect** `ssh` · `flake.modules`

        - `homeManager` · 1 file
        - `nixos` · 2 files

        included by `base`

        hosts `gouda`"#]]
    .assert_eq(&hover(&ws, pos).map(|h| h.markdown).unwrap_or_default());
    let (ws, pos) = at(&WORKSPACE.replace("modules.nixos.base.imports", "modules.nix$0os.base.imports"));
    expect![[r#"
        **class** `nixos` in `flake.modules`

        2 aspects"#]]
    .assert_eq(&hover(&ws, pos).map(|h| h.markdown).unwrap_or_default());
}

#[test]
fn outline_groups_by_collection_and_class() {
    let (ws, pos) = at(&WORKSPACE.replace("#- /modules/base.nix\n", "#- /modules/base.nix\n$0"));
    fn render(symbols: &[DocumentSymbol], depth: usize, out: &mut Vec<String>) {
        for s in symbols {
            out.push(format!("{}{:?} {} {}", "  ".repeat(depth), s.kind, s.name, s.detail.as_deref().unwrap_or("")));
            render(&s.children, depth + 1, out);
        }
    }
    let mut out = Vec::new();
    render(&document_symbols(&ws, pos.file), 0, &mut out);
    let found = workspace_symbols(&ws, "sh", 10);
    out.extend(found.iter().map(|s| format!("symbol {} in {} at {}", s.name, s.container, ws.path(s.file))));
    expect![[r#"
        Collection flake.modules 
          Class nixos 
            Aspect base flake.modules.nixos.base
        Collection configurations 
          Host gouda host · nixos
        symbol ssh in flake.modules.nixos at modules/more-ssh.nix
        symbol ssh in flake.modules.homeManager at modules/ssh-hm.nix
        symbol ssh in flake.modules.nixos at modules/ssh.nix"#]]
    .assert_eq(&out.join("\n"));
}

/// The flake's module outputs are one family (dendritic.md §8.2): `base` in `nixosModules`,
/// `homeManagerModules`, `darwinModules` and `nixOnDroidModules` is one feature in four classes,
/// as `flake.modules.<class>.base` is. Hover lists the four, references and rename reach all of
/// them and say so; `server` in one output only is not of the family.
const OUTPUTS: &str = r#"#- /flake.nix
{ outputs = inputs: inputs.flake-parts.lib.mkFlake { inherit inputs; } (inputs.import-tree ./modules); }
#- /modules/nixos.nix
{ flake.nixosModules.base = { }; flake.nixosModules.server = { }; }
#- /modules/home.nix
{ flake.homeManagerModules.base = { }; }
#- /modules/darwin.nix
{ flake.darwinModules.base = { }; }
#- /modules/droid.nix
{ flake.nixOnDroidModules.base = { }; }
#- /modules/hosts.nix
{ config, ... }: {
  flake.nixosConfigurations.box = inputs.nixpkgs.lib.nixosSystem { modules = with config.flake.nixosModules; [ base server ]; };
  flake.darwinConfigurations.mac = inputs.darwin.lib.darwinSystem { modules = [ config.flake.darwinModules.base ]; };
}
"#;

#[test]
fn an_aspect_is_one_across_the_output_family() {
    let (ws, pos) = at(&OUTPUTS.replace("[ base server ]", "[ ba$0se server ]"));
    let markdown = hover(&ws, pos).map(|h| h.markdown).unwrap_or_default();
    expect![[r#"
        **aspect** `base` · `flake.nixosModules`

        - `darwin` · 1 file
        - `homeManager` · 1 file
        - `nixOnDroid` · 1 file
        - `nixos` · 1 file

        hosts `box`, `mac`"#]]
    .assert_eq(&markdown);

    let refs = references(&ws, pos, true).unwrap_or_default();
    let lines: Vec<String> = refs.iter().map(|s| show_site(&ws, s.file, s.range)).collect();
    expect![[r#"
        modules/darwin.nix:"base"
        modules/droid.nix:"base"
        modules/home.nix:"base"
        modules/hosts.nix:"base"
        modules/hosts.nix:"base"
        modules/nixos.nix:"base""#]]
    .assert_eq(&lines.join("\n"));

    let rename = crate::ide::rename::rename(&ws, pos, "core").expect("renamed");
    let mut edited: Vec<String> =
        rename.edits.iter().flat_map(|f| f.edits.iter().map(|e| show_site(&ws, f.file, e.range))).collect();
    edited.sort();
    // Every definition and reference above, and nothing else.
    assert_eq!(edited, lines);
    expect!["renamed in 4 classes: darwin (`flake.darwinModules`), homeManager (`flake.homeManagerModules`), nixOnDroid (`flake.nixOnDroidModules`), nixos (`flake.nixosModules`)"].assert_eq(&rename.messages().join("\n"));

    // `server` exists in one output only: one class, nothing to announce.
    let (ws, pos) = at(&OUTPUTS.replace("[ base server ]", "[ base ser$0ver ]"));
    let rename = crate::ide::rename::rename(&ws, pos, "web").expect("renamed");
    assert_eq!(rename.edits.iter().map(|f| f.edits.len()).sum::<usize>(), 2);
    assert!(rename.messages().is_empty(), "{:?}", rename.messages());
}

#[test]
fn definition_from_a_den_bracket_reaches_the_aspect() {
    check_definition(
        r#"#- /modules/den.nix
{ inputs, den, ... }: { imports = [ inputs.den.flakeModule ]; _module.args.__findFile = den.lib.__findFile; }
#- /modules/zsh.nix
{ den.aspects.zsh.nixos.programs.zsh.enable = true; }
#- /modules/tux.nix
{ __findFile, ... }: { den.aspects.tux.includes = [ <z$0sh/plugins> ]; }
"#,
        expect![[r#"
            origin "zsh"
            modules/zsh.nix:"zsh" full="den.aspects.zsh.nixos.programs.zsh.enable = true;""#]],
    );
}

/// Where the hosts pass `inputs` down, a lower-level module's `inputs.self.modules.nixos.ssh` is
/// the aspect `ssh` (dendritic.md §8.4): definition jumps to it, its references include it, and
/// renaming it renames it there too.
/// Where nothing passes it down, the same text names nothing.
const PASSED_DOWN: &str = r#"#- /modules/ssh.nix
{ flake.modules.nixos.ssh = { }; }
#- /modules/pc.nix
{ config, inputs, ... }: {
  flake.modules.nixos.pc = { inputs, ... }: { imports = [ inputs.self.modules.nixos.ssh ]; };
  flake.nixosConfigurations.pc = inputs.nixpkgs.lib.nixosSystem {
    specialArgs = { inherit inputs; };
    modules = [ config.flake.modules.nixos.pc ];
  };
}
"#;

#[test]
fn inputs_passed_down_are_navigable() {
    check_definition(
        &PASSED_DOWN.replace("nixos.ssh ]", "nixos.s$0sh ]"),
        expect![[r#"
            origin "ssh"
            modules/ssh.nix:"ssh" full="flake.modules.nixos.ssh = { };""#]],
    );
    let (ws, pos) = at(&PASSED_DOWN.replace("nixos.ssh = { }", "nixos.s$0sh = { }"));
    let refs = references(&ws, pos, false).unwrap_or_default();
    let lines: Vec<String> = refs.iter().map(|s| show_site(&ws, s.file, s.range)).collect();
    expect![[r#"modules/pc.nix:"ssh""#]].assert_eq(&lines.join("\n"));
    let rename = crate::ide::rename::rename(&ws, pos, "sshd").expect("renamed");
    let mut edited: Vec<String> =
        rename.edits.iter().flat_map(|f| f.edits.iter().map(|e| show_site(&ws, f.file, e.range))).collect();
    edited.sort();
    assert_eq!(edited, [r#"modules/pc.nix:"ssh""#, r#"modules/ssh.nix:"ssh""#]);

    let unpassed = PASSED_DOWN.replace("specialArgs = { inherit inputs; };", "");
    check_definition(&unpassed.replace("nixos.ssh ]", "nixos.s$0sh ]"), expect!["none"]);
    let (ws, pos) = at(&unpassed.replace("nixos.ssh = { }", "nixos.s$0sh = { }"));
    assert_eq!(references(&ws, pos, false).unwrap_or_default().len(), 0);
}

#[test]
fn hover_on_a_host_lists_what_it_ends_up_with_per_class() {
    // `gouda` names `base` and `ssh`; `base` includes `ssh` (again) and `mosh`, which includes
    // the home-manager `shell`; `mosh` includes `base` back: the walk ends all the same.
    let workspace = r#"#- /modules/features.nix
{ config, ... }: {
  flake.modules.nixos.ssh = { };
  flake.modules.nixos.base.imports = [ config.flake.modules.nixos.ssh config.flake.modules.nixos.mosh ];
  flake.modules.nixos.mosh = {
    imports = [ config.flake.modules.nixos.base ];
    home-manager.sharedModules = [ config.flake.modules.homeManager.shell ];
  };
  flake.modules.homeManager.shell = { };
}
#- /modules/hosts.nix
{ config, ... }: {
  configurations.nixos.gouda.module.imports = [ config.flake.modules.nixos.base config.flake.modules.nixos.ssh ];
  configurations.nixos.bare.module = { };
}
"#;
    let (ws, pos) = at(&workspace.replace("nixos.gouda", "nixos.gou$0da"));
    expect![[r#"
        **host** `gouda` · `configurations` · nixos

        imports `base`, `ssh`

        ends up with 4 aspects
        - `homeManager` · `shell`
        - `nixos` · `base`, `mosh`, `ssh`"#]]
    .assert_eq(&hover(&ws, pos).map(|h| h.markdown).unwrap_or_default());
    let (ws, pos) = at(&workspace.replace("nixos.bare", "nixos.ba$0re"));
    expect!["**host** `bare` · `configurations` · nixos"]
        .assert_eq(&hover(&ws, pos).map(|h| h.markdown).unwrap_or_default());

    // Past twelve aspects in a class, the rest are counted.
    let many: String = (0..15).map(|i| format!("  flake.modules.nixos.a{i:02} = {{ }};\n")).collect();
    let names: String = (0..15).map(|i| format!(" a{i:02}")).collect();
    let workspace = format!(
        "#- /modules/many.nix\n{{ config, ... }}: {{\n{many}  configurations.nixos.big.module.imports = with config.flake.modules.nixos; [{names} ];\n}}\n"
    );
    let (ws, pos) = at(&workspace.replace("nixos.big", "nixos.b$0ig"));
    let markdown = hover(&ws, pos).map(|h| h.markdown).unwrap_or_default();
    let capped = "`a00`, `a01`, `a02`, `a03`, `a04`, `a05`, `a06`, `a07`, `a08`, `a09`, `a10`, `a11`, … and 3 more";
    assert!(markdown.contains(&format!("imports {capped}\n")), "{markdown}");
    let last = markdown.lines().last().unwrap_or_default();
    expect![
        "- `nixos` · `a00`, `a01`, `a02`, `a03`, `a04`, `a05`, `a06`, `a07`, `a08`, `a09`, `a10`, `a11`, … and 3 more"
    ]
    .assert_eq(last);
}
