//! The files a file makes Nix read, by relative path literal: the argument of `import`,
//! `callPackage` and `scopedImport`, and any path in the value of an `imports`, `modules` or
//! `sharedModules` list (dendritic.md §8.1, "Parse-level diagnostics wherever Nix reads"). Nix
//! parses what they name, so a syntax error there is certain wherever the file lies.
//!
//! One walk over the tree: a path counts inside such a list, but not inside an attrset or a
//! function there (`modules = [ { age.secrets.x.file = ./x.age; } ]` names data, not a module);
//! a list nested in those is found on its own when the walk reaches its key.

use rnix::SyntaxKind::*;
use rowan::WalkEvent;

use super::read::{flatten_apply, function_name};
use crate::dendritic::contexts;
use crate::syntax::{SyntaxNode, first_child, static_attr, unparen};

pub(super) fn read_paths(root: &SyntaxNode) -> Vec<String> {
    let mut paths = Vec::new();
    // Nodes that opened or closed a module list, innermost last, with whether paths count there.
    let mut regions: Vec<(SyntaxNode, bool)> = Vec::new();
    for event in root.preorder() {
        match event {
            WalkEvent::Enter(node) => {
                if let Some(counts) = region_of(&node) {
                    regions.push((node.clone(), counts));
                }
                match node.kind() {
                    NODE_PATH_REL if regions.last().is_some_and(|(_, counts)| *counts) => paths.extend(literal(&node)),
                    NODE_APPLY => paths.extend(imported(&node)),
                    _ => {}
                }
            }
            WalkEvent::Leave(node) => {
                if regions.last().is_some_and(|(open, _)| *open == node) {
                    regions.pop();
                }
            }
        }
    }
    paths.sort();
    paths.dedup();
    paths
}

/// Whether `node` opens a region where paths name modules (`true`) or closes one (`false`).
fn region_of(node: &SyntaxNode) -> Option<bool> {
    match node.kind() {
        NODE_ATTR_SET | NODE_LAMBDA => Some(false),
        _ => {
            let entry = node.parent().filter(|p| p.kind() == NODE_ATTRPATH_VALUE)?;
            let key = first_child(&entry, NODE_ATTRPATH)?.children().last().and_then(|a| static_attr(&a))?;
            // The entry's value is its last child; the key's own nodes are not.
            let is_value = entry.children().last().is_some_and(|value| value == *node);
            (is_value && contexts::is_module_list_key(&key.text)).then_some(true)
        }
    }
}

/// `import ./x.nix`, `pkgs.callPackage ./x.nix { }`, `scopedImport { } ./x.nix`: the path read.
fn imported(apply: &SyntaxNode) -> Option<String> {
    // Only the outermost application of a call: `import ./x.nix { }` is two nested ones.
    if apply.parent().is_some_and(|p| p.kind() == NODE_APPLY && p.first_child().as_ref() == Some(apply)) {
        return None;
    }
    let (function, args) = flatten_apply(apply);
    let path = match function_name(&function)?.as_str() {
        "import" | "callPackage" | "callPackages" => args.first()?,
        "scopedImport" => args.get(1)?,
        _ => return None,
    };
    let path = unparen(path.clone());
    (path.kind() == NODE_PATH_REL).then(|| literal(&path)).flatten()
}

/// The literal as written, when it has no interpolation.
fn literal(path: &SyntaxNode) -> Option<String> {
    let text = path.text().to_string();
    (!text.contains("${")).then_some(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax;

    fn reads(text: &str) -> Vec<String> {
        read_paths(&syntax::parse(text).root())
    }

    #[test]
    fn paths_in_module_lists_and_imported_paths_are_read() {
        let text = r#"{ inputs, pkgs, ... }: {
          imports = [ ./a.nix (import ./b.nix) ];
          flake.nixosConfigurations.box = inputs.nixpkgs.lib.nixosSystem {
            modules = [ ./hosts/box ../up.nix ] ++ lib.optional true ./c.nix;
          };
          home-manager.sharedModules = with x; [ ./d.nix ];
          packages.x = pkgs.callPackage ./pkgs/x.nix { };
          y = scopedImport { } ./e.nix;
          z = import ./f.nix { inherit pkgs; };
        }"#;
        assert_eq!(
            reads(text),
            [
                "../up.nix",
                "./a.nix",
                "./b.nix",
                "./c.nix",
                "./d.nix",
                "./e.nix",
                "./f.nix",
                "./hosts/box",
                "./pkgs/x.nix"
            ]
        );
    }

    #[test]
    fn data_paths_and_paths_built_at_run_time_are_not_read() {
        let text = r#"{ name, ... }: {
          modules = [ { age.secrets.x.file = ./secret.nix; } (p: ./q.nix) ./${name}.nix ];
          src = ./src.nix;
          text = builtins.readFile ./data.nix;
          imports = [ ({ ... }: { imports = [ ./inner.nix ]; }) ];
        }"#;
        assert_eq!(reads(text), ["./inner.nix"]);
    }
}
