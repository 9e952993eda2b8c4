//! `ignored-file`: a file import-tree skips that defines aspects, which then are not loaded
//! unless some module imports the file by hand.

use super::cx::Cx;
use crate::base::fix::{FileRename, Fix};

pub(super) fn check(cx: &mut Cx) {
    let definitions = &cx.file.resolved.definitions;
    let Some(first) = definitions.first() else { return };
    let mut names: Vec<String> = Vec::new();
    for definition in definitions {
        let name = format!("`{}`", definition.key.name);
        if !names.contains(&name) {
            names.push(name);
        }
    }
    let (why, fix) = if underscored(cx) {
        ("a part of its path below the import-tree root starts with `_`", "rename that part without the `_`")
    } else {
        ("a filter of the import-tree call excludes it", "change the filter")
    };
    let message = format!(
        "import-tree skips this file ({why}), so the aspects it defines ({}) exist only if some module imports \
         it by path; to have import-tree load it, {fix}",
        names.join(", ")
    );
    let fix = underscored(cx).then(|| out_of_underscore(cx)).flatten();
    cx.report(first.name.range, message).add_fixes(fix);
}

/// The file moved to the path without the `_` in front of each part below its root. Not safe:
/// import-tree then loads it, and whatever it defines with it.
fn out_of_underscore(cx: &Cx) -> Option<Fix> {
    let path = cx.file.path.as_str();
    let (root, below) = split_at_root(cx, path);
    let moved: Vec<&str> = below.split('/').map(|part| part.trim_start_matches('_')).collect();
    if moved.iter().any(|part| part.is_empty() || *part == ".nix") {
        return None;
    }
    let to = format!("{root}{}", moved.join("/"));
    Some(Fix {
        title: format!("Move to `{to}`, which import-tree loads"),
        edits: Vec::new(),
        creates: Vec::new(),
        renames: vec![FileRename { file: cx.file_id, to }],
        safe: false,
        preferred: true,
    })
}

/// The file's path as its import-tree root (with a trailing `/`, empty for `.`) and the rest.
fn split_at_root<'p>(cx: &Cx, path: &'p str) -> (&'p str, &'p str) {
    for root in cx.graph.roots() {
        if root == "." {
            return ("", path);
        }
        if let Some(below) = path.strip_prefix(root.as_str()).and_then(|rest| rest.strip_prefix('/')) {
            return (&path[..path.len() - below.len()], below);
        }
    }
    ("", path)
}

/// Does the file's path below its import-tree root have a part starting with `_`? import-tree
/// strips the first root (in call order) that holds the file before it looks for `/_`.
fn underscored(cx: &Cx) -> bool {
    split_at_root(cx, &cx.file.path).1.split('/').any(|part| part.starts_with('_'))
}

#[cfg(test)]
mod tests {
    use expect_test::{Expect, expect};

    use crate::base::diagnostics::DiagnosticKind;
    use crate::checks::test_support;

    fn check(fixture: &str, expect: Expect) {
        test_support::check(DiagnosticKind::IgnoredFile, fixture, expect);
    }

    #[track_caller]
    fn check_silent(fixture: &str) {
        test_support::check_silent(DiagnosticKind::IgnoredFile, fixture);
    }

    // ---- where it fires ------------------------------------------------------------------------

    #[test]
    fn an_underscored_file_that_defines_aspects() {
        check(
            r#"
#- /modules/_draft.nix
{
  flake.modules.nixos.draft = { };
  flake.modules.nixos."hosts/gouda" = { };
  flake.modules.homeManager.draft = { };
}
"#,
            expect![[
                r#"modules/_draft.nix:2:23 hint[ignored-file] "draft": import-tree skips this file (a part of its path below the import-tree root starts with `_`), so the aspects it defines (`draft`, `hosts/gouda`) exist only if some module imports it by path; to have import-tree load it, rename that part without the `_`"#
            ]],
        );
    }

    #[test]
    fn a_file_in_an_underscored_folder() {
        check(
            r#"
#- /modules/_wip/den.nix
{ den.aspects.wip.nixos = { }; }
"#,
            expect![[
                r#"modules/_wip/den.nix:1:15 hint[ignored-file] "wip": import-tree skips this file (a part of its path below the import-tree root starts with `_`), so the aspects it defines (`wip`) exist only if some module imports it by path; to have import-tree load it, rename that part without the `_`"#
            ]],
        );
    }

    #[test]
    fn a_file_a_filter_excludes() {
        check(
            r#"
#- /flake.nix
{
  outputs = inputs: inputs.flake-parts.lib.mkFlake { inherit inputs; }
    ((inputs.import-tree.filterNot (inputs.nixpkgs.lib.hasSuffix ".off.nix")) ./modules);
}
#- /modules/ssh.off.nix
{ flake.modules.nixos.ssh = { }; }
"#,
            expect![[
                r#"modules/ssh.off.nix:1:23 hint[ignored-file] "ssh": import-tree skips this file (a filter of the import-tree call excludes it), so the aspects it defines (`ssh`) exist only if some module imports it by path; to have import-tree load it, change the filter"#
            ]],
        );
    }

    #[test]
    fn a_filter_below_an_underscored_root() {
        check(
            r#"
#- /flake.nix
{
  outputs = inputs: inputs.flake-parts.lib.mkFlake { inherit inputs; }
    ((inputs.import-tree.filterNot (inputs.nixpkgs.lib.hasSuffix ".off.nix")) ./_dendritic);
}
#- /_dendritic/ssh.off.nix
{ flake.modules.nixos.ssh = { }; }
"#,
            expect![[
                r#"_dendritic/ssh.off.nix:1:23 hint[ignored-file] "ssh": import-tree skips this file (a filter of the import-tree call excludes it), so the aspects it defines (`ssh`) exist only if some module imports it by path; to have import-tree load it, change the filter"#
            ]],
        );
    }

    // ---- near misses ---------------------------------------------------------------------------

    #[test]
    fn an_underscored_file_with_no_definitions() {
        check_silent(
            r#"
#- /modules/_lib.nix
{ lib }: { mkHost = name: { networking.hostName = name; }; }
#- /modules/hosts/_gouda/hardware.nix
{ modulesPath, ... }: { boot.loader.grub.enable = true; }
#- /modules/_refs.nix
{ config, ... }: { imports = [ config.flake.modules.nixos.base ]; }
"#,
        );
    }

    #[test]
    fn files_import_tree_loads_or_never_sees() {
        check_silent(
            r#"
#- /modules/ssh.nix
{ flake.modules.nixos.ssh = { }; }
#- /modules/.hidden/ssh.nix
{ flake.modules.nixos.hidden = { }; }
#- /templates/_default/modules/ssh.nix
{ flake.modules.nixos.template = { }; }
"#,
        );
    }

    #[test]
    fn an_underscore_above_the_root() {
        check_silent(
            r#"
#- /flake.nix
{
  outputs = inputs: inputs.flake-parts.lib.mkFlake { inherit inputs; } (inputs.import-tree ./_dendritic);
}
#- /_dendritic/ssh.nix
{ flake.modules.nixos.ssh = { }; }
"#,
        );
    }

    #[test]
    fn an_underscored_file_imported_by_path() {
        check_silent(
            r#"
#- /modules/hosts/gouda.nix
{ imports = [ ./_gouda-aspects.nix ]; }
#- /modules/hosts/_gouda-aspects.nix
{ flake.modules.nixos.gouda = { }; }
"#,
        );
    }
}
