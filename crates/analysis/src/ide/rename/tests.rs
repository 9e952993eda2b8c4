use expect_test::{Expect, expect};

use super::{prepare_rename, rename};
use crate::ide::{FLAKE, fixture};

/// Applies the rename and shows every changed file, then the notes.
fn check(fixture_text: &str, new_name: &str, expect: Expect) {
    let (ws, pos) = fixture(&format!("{FLAKE}{fixture_text}"));
    let out = match rename(&ws, pos, new_name) {
        Err(e) => format!("error: {e}"),
        Ok(result) => {
            let mut out = Vec::new();
            for file_edit in &result.edits {
                let mut text = ws.text(file_edit.file).to_string();
                for edit in file_edit.edits.iter().rev() {
                    text.replace_range(usize::from(edit.range.start())..usize::from(edit.range.end()), &edit.new_text);
                }
                out.push(format!("#- /{}\n{}", ws.path(file_edit.file), text.trim_end()));
            }
            for note in &result.notes {
                out.push(format!("note: {note}"));
            }
            out.join("\n")
        }
    };
    expect.assert_eq(&out);
}

#[test]
fn every_form_across_files() {
    check(
        r#"#- /modules/ssh.nix
{ flake.modules.nixos.ss$0h = { }; flake.modules.homeManager.ssh = { }; }
#- /modules/users.nix
{ config, ... }:
let
  inherit (config.flake.modules.nixos) ssh;
  m = config.flake.modules.homeManager;
in {
  flake.modules.nixos.pc.imports = with config.flake.modules.nixos; [ ssh ] ++ [ ssh config.flake.modules.nixos."ssh" ];
  flake.modules.nixos.pc.home-manager.sharedModules = [ m.ssh ];
}
"#,
        "openssh",
        expect![[r#"
            #- /modules/ssh.nix
            { flake.modules.nixos.openssh = { }; flake.modules.homeManager.openssh = { }; }
            #- /modules/users.nix
            { config, ... }:
            let
              ssh = config.flake.modules.nixos.openssh;
              m = config.flake.modules.homeManager;
            in {
              flake.modules.nixos.pc.imports = with config.flake.modules.nixos; [ ssh ] ++ [ ssh config.flake.modules.nixos.openssh ];
              flake.modules.nixos.pc.home-manager.sharedModules = [ m.openssh ];
            }"#]],
    );
}

#[test]
fn names_that_are_not_identifiers_get_quoted() {
    check(
        r#"#- /modules/ssh.nix
{ flake.modules.nixos.ssh$0 = { }; }
#- /modules/pc.nix
{ config, ... }: {
  flake.modules.nixos.pc.imports = (with config.flake.modules.nixos; [ ssh ]) ++ [ config.flake.modules.nixos.ssh ];
}
"#,
        "remote/ssh",
        expect![[r##"
            #- /modules/ssh.nix
            { flake.modules.nixos."remote/ssh" = { }; }
            #- /modules/pc.nix
            { config, ... }: {
              flake.modules.nixos.pc.imports = (with config.flake.modules.nixos; [ config.flake.modules.nixos."remote/ssh" ]) ++ [ config.flake.modules.nixos."remote/ssh" ];
            }"##]],
    );
}

#[test]
fn folded_constants_rename_their_string() {
    check(
        r#"#- /modules/users.nix
let user = "eve"; in
{ flake.modules.nixos.${user} = { }; flake.modules.homeManager."${user}" = { }; }
#- /modules/pc.nix
{ config, ... }: { flake.modules.nixos.pc.imports = [ config.flake.modules.nixos.eve$0 ]; }
"#,
        "mallory",
        expect![[r##"
            #- /modules/users.nix
            let user = "mallory"; in
            { flake.modules.nixos.${user} = { }; flake.modules.homeManager."${user}" = { }; }
            #- /modules/pc.nix
            { config, ... }: { flake.modules.nixos.pc.imports = [ config.flake.modules.nixos.mallory ]; }"##]],
    );
}

/// The rewritten string is read elsewhere too: the rename goes ahead and says where.
#[test]
fn a_folded_constant_read_elsewhere_is_noted() {
    check(
        r#"#- /modules/users.nix
let
  user = "eve";
  other = "bob";
in
{
  flake.modules.nixos.${user} = { users.users.${user}.description = "${user}'s machine"; };
  flake.modules.homeManager.${user} = { };
  flake.modules.nixos.${other} = { users.users.${other} = { }; };
}
#- /modules/pc.nix
{ config, ... }: { flake.modules.nixos.pc.imports = [ config.flake.modules.nixos.eve$0 ]; }
"#,
        "mallory",
        expect![[r##"
            #- /modules/users.nix
            let
              user = "mallory";
              other = "bob";
            in
            {
              flake.modules.nixos.${user} = { users.users.${user}.description = "${user}'s machine"; };
              flake.modules.homeManager.${user} = { };
              flake.modules.nixos.${other} = { users.users.${other} = { }; };
            }
            #- /modules/pc.nix
            { config, ... }: { flake.modules.nixos.pc.imports = [ config.flake.modules.nixos.mallory ]; }
            note: modules/users.nix:6: `user` holds the aspect's name and is read here too, which now reads `mallory`"##]],
    );
}

#[test]
fn merging_into_an_existing_aspect_is_refused() {
    check(
        r#"#- /modules/a.nix
{ flake.modules.nixos.ssh$0 = { }; flake.modules.nixos.openssh = { }; }
"#,
        "openssh",
        expect![
            "error: `flake.modules.nixos.openssh` already exists: renaming `flake.modules.nixos.ssh` would merge the two aspects"
        ],
    );
}

#[test]
fn dynamic_references_are_listed() {
    check(
        r#"#- /modules/a.nix
{ config, ... }: {
  flake.modules.nixos.ssh$0 = { };
  flake.modules.nixos.pc.imports = [ config.flake.modules.nixos.${config.name} ];
}
"#,
        "openssh",
        expect![[r#"
            #- /modules/a.nix
            { config, ... }: {
              flake.modules.nixos.openssh = { };
              flake.modules.nixos.pc.imports = [ config.flake.modules.nixos.${config.name} ];
            }
            note: modules/a.nix:3: `config.flake.modules.nixos.${config.name}` may name `ssh` at evaluation time and was not renamed"#]],
    );
}

#[test]
fn den_aspects_and_includes() {
    check(
        r#"#- /modules/a.nix
{ den, ... }: {
  den.aspects.desk$0top.nixos = { };
  den.aspects.igloo.includes = [ den.aspects.desktop ];
}
"#,
        "workstation",
        expect![[r#"
            #- /modules/a.nix
            { den, ... }: {
              den.aspects.workstation.nixos = { };
              den.aspects.igloo.includes = [ den.aspects.workstation ];
            }"#]],
    );
}

#[test]
fn local_names_rename_within_their_scope() {
    check(
        r#"#- /modules/a.nix
let x = 1; in { a = x$0; b = let x = 2; in x; }
"#,
        "y",
        expect![[r#"
            #- /modules/a.nix
            let y = 1; in { a = y; b = let x = 2; in x; }"#]],
    );
}

#[test]
fn renaming_from_a_reference_refuses_when_the_definition_takes_its_name_from_the_file() {
    let files = r#"#- /modules/shell.nix
{ lib, ... }: { flake.modules.nixos.${lib.removeSuffix ".nix" (baseNameOf __curPos.file)} = { }; }
#- /modules/host.nix
{ config, ... }: { flake.modules.nixos.host.imports = [ config.flake.modules.nixos.shell$0 ]; }
"#;
    check(
        files,
        "fish",
        expect![
            "error: `shell` at modules/shell.nix:1 comes from the file's name, which a rename cannot change; rename it there first"
        ],
    );
    let (ws, pos) = fixture(&format!("{FLAKE}{files}"));
    assert!(prepare_rename(&ws, pos).is_err());
}

#[test]
fn prepare_refuses_names_from_file_names() {
    let (ws, pos) = fixture(&format!(
        "{FLAKE}{}",
        r#"#- /modules/shell.nix
{ lib, ... }: { flake.modules.nixos.${lib.removeSuffix ".nix" (baseNameOf __curPos.file)}$0 = { }; }
"#
    ));
    let result = prepare_rename(&ws, pos);
    expect![[r#"
        Err(
            "`shell` is not written here (it comes from the file's name); rename it at its source",
        )
    "#]]
    .assert_debug_eq(&result);
}

/// A name folded from a field of a `let`-bound set is renamed in the field's string, and the
/// readers of that field elsewhere are noted; readers of the set's other fields are not.
#[test]
fn a_field_of_a_let_bound_set_renames_its_string() {
    check(
        r#"#- /modules/den.nix
{ inputs, ... }: { imports = [ inputs.den.flakeModule ]; }
#- /modules/box.nix
let
  info = { name = "box"; system = "x86_64-linux"; };
  inherit (info) name system;
in
{
  den.hosts.${info.system}.${info.name}.users.me = { };
  den.aspects.${info.name}.nixos = { networking.hostName = info.name; time.timeZone = system; };
  den.aspects.${name}.homeManager = { home.username = name; };
}
#- /modules/pc.nix
{ den, ... }: { den.aspects.pc.includes = [ den.aspects.box$0 ]; }
"#,
        "crate",
        expect![[r##"
            #- /modules/box.nix
            let
              info = { name = "crate"; system = "x86_64-linux"; };
              inherit (info) name system;
            in
            {
              den.hosts.${info.system}.${info.name}.users.me = { };
              den.aspects.${info.name}.nixos = { networking.hostName = info.name; time.timeZone = system; };
              den.aspects.${name}.homeManager = { home.username = name; };
            }
            #- /modules/pc.nix
            { den, ... }: { den.aspects.pc.includes = [ den.aspects.crate ]; }
            note: den host `box` gets `box` by name; rename the host as well
            note: modules/box.nix:7: `info` holds the aspect's name and is read here too, which now reads `crate`
            note: modules/box.nix:8: `name` holds the aspect's name and is read here too, which now reads `crate`"##]],
    );
}
