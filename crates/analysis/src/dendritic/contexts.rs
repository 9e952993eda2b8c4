//! Where lower-level modules are evaluated, and as which class (dendritic.md §6).
//!
//! A module listed in an `imports` list is evaluated as the class of the module holding the list,
//! except inside nested evaluations. These tables name the nested evaluations canopy knows; a new
//! one is a new row.

/// Functions whose `modules` list (or `module` value) starts an evaluation of a fixed class.
const BUILDERS: &[(&str, BuilderClass)] = &[
    ("nixosSystem", BuilderClass::Fixed("nixos")),
    ("darwinSystem", BuilderClass::Fixed("darwin")),
    ("homeManagerConfiguration", BuilderClass::Fixed("homeManager")),
    ("nixOnDroidConfiguration", BuilderClass::Fixed("nixOnDroid")),
    ("evalNixvim", BuilderClass::Fixed("nixvim")),
    ("makeNixvimWithModule", BuilderClass::Fixed("nixvim")),
    ("evalModules", BuilderClass::FromClassAttribute),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BuilderClass {
    Fixed(&'static str),
    /// `evalModules { class = "c"; ... }`
    FromClassAttribute,
}

pub(crate) fn builder(function: &str) -> Option<BuilderClass> {
    BUILDERS.iter().find(|(name, _)| *name == function).map(|(_, class)| *class)
}

/// Attribute paths (matched at the end of the path inside a module) whose value is a module, or a
/// list of modules, of a fixed class. `*` matches any one name.
const NESTED: &[(&[&str], &str)] = &[
    (&["home-manager", "users", "*"], "homeManager"),
    (&["home-manager", "sharedModules"], "homeManager"),
    (&["home-manager", "config"], "homeManager"),
];

/// The class of the module (or modules) at the end of `path`, when it is a nested evaluation.
pub(crate) fn nested_class<S: AsRef<str>>(path: &[S]) -> Option<&'static str> {
    NESTED.iter().find_map(|(pattern, class)| {
        let tail = path.len().checked_sub(pattern.len()).map(|start| &path[start..])?;
        let hit = pattern.iter().zip(tail).all(|(p, name)| *p == "*" || *p == name.as_ref());
        hit.then_some(*class)
    })
}

/// Whether `path` is, as a whole, a nested evaluation (`home-manager.users.bob`, not
/// `x.home-manager.users.bob`).
pub(crate) fn nested_exactly<S: AsRef<str>>(path: &[S]) -> bool {
    NESTED.iter().any(|(pattern, _)| {
        pattern.len() == path.len() && pattern.iter().zip(path).all(|(p, name)| *p == "*" || *p == name.as_ref())
    })
}

/// Keys whose value is a list of modules to import into the enclosing module's evaluation
/// (`includes` is the den and flake-aspects spelling; `modules` belongs to hosts).
pub(crate) fn is_module_list_key(key: &str) -> bool {
    matches!(key, "imports" | "includes" | "modules" | "sharedModules")
}

/// Keys whose value is itself one module of the enclosing evaluation.
pub(crate) fn is_module_value_key(key: &str) -> bool {
    matches!(key, "module" | "configuration")
}

/// Module-system functions whose last argument is the definition itself: transparent to canopy.
pub(crate) fn is_transparent_modifier(function: &str) -> bool {
    matches!(
        function,
        "mkIf"
            | "mkDefault"
            | "mkForce"
            | "mkOverride"
            | "mkBefore"
            | "mkAfter"
            | "mkOrder"
            | "mkOptionDefault"
            | "mkVMOverride"
            | "mkImageMediaOverride"
    )
}

/// Functions that hand the modules they are given on to where they are called, unchanged in class:
/// the module system's own definitions (`mkIf`, `mkMerge`, ...) and nixpkgs' list and attrset
/// functions (`lib/lists.nix`, `lib/attrsets.nix`), which only select and reshape. Anything else
/// may evaluate a module in a place of its own.
pub(crate) fn passes_modules_through(function: &str) -> bool {
    is_transparent_modifier(function)
        || matches!(
            function,
            "mkMerge"
                | "optional"
                | "optionals"
                | "optionalAttrs"
                | "flatten"
                | "concatLists"
                | "attrValues"
                | "catAttrs"
                | "filter"
                | "unique"
                | "toList"
                | "singleton"
                | "getAttrs"
                | "attrVals"
        )
}

/// Functions that make a list of an attrset's values (`lib/attrsets.nix`, and `builtins`): each
/// value of a set literal given to one in a list of modules is a module of that list
/// (`modules = attrValues { inherit (config.unify.modules) efi gui; }`).
pub(crate) fn lists_attr_values(function: &str) -> bool {
    function == "attrValues"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_evaluations_match_at_the_end_of_the_path() {
        assert_eq!(nested_class(&["x", "home-manager", "users", "bob"]), Some("homeManager"));
        assert_eq!(nested_class(&["home-manager", "sharedModules"]), Some("homeManager"));
        assert_eq!(nested_class(&["home-manager", "users"]), None);
        assert_eq!(nested_class(&["services", "users", "bob"]), None);
        assert_eq!(builder("nixosSystem"), Some(BuilderClass::Fixed("nixos")));
        assert_eq!(builder("mkDerivation"), None);
    }
}
