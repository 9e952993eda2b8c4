//! What one file's modules do that the module system cannot evaluate, as far as the file itself
//! shows: module functions that refuse the module system's arguments, definitions and `imports`
//! that read their own module's `config`, secrets written as strings. Each comes with the place
//! of its module; whether Nix certainly evaluates that place as a module depends on the
//! collections the workspace declares, so the checks decide (`checks/module_place.rs`).

use smol_str::SmolStr;

use crate::base::fix::TextEdit;
use crate::base::text::TextRange;

/// Which evaluation a place's path starts in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Base {
    /// The top-level module's configuration: a path is read against the collection table.
    TopLevel,
    /// A module a builder evaluates (`lib.nixosSystem { modules = [ ... ]; }`), from its root.
    Builder,
}

/// Where a module (a value the module system may call or merge as one) sits.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct Place {
    pub(crate) base: Base,
    /// The configuration path of the value, from the base's root.
    pub(crate) path: Vec<SmolStr>,
    /// An element of the list at `path` (`imports`, `home-manager.sharedModules`), not the value
    /// there.
    pub(crate) listed: bool,
}

/// One thing a module of this file does that fails wherever Nix evaluates it as a module.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum Lint {
    /// A function at `place` whose pattern has no `...` and does not name `missing`, an argument
    /// the module system passes to every module.
    ClosedPattern { place: Place, pattern: TextRange, missing: SmolStr, fix: TextEdit },
    /// A definition at `definition` (relative to its module, whose place is `module`) whose value
    /// reads the module's own `config` at exactly that path, where evaluation forces it.
    SelfReference { module: Place, definition: Vec<SmolStr>, read: TextRange },
    /// The `imports` of the module at `module` read its own `config` where they are evaluated.
    ImportsReadConfig { module: Place, read: TextRange },
    /// A string literal, written into the configuration of the module at `module` under a name
    /// that reads as a secret (`key`).
    PlaintextSecret { module: Place, key: SmolStr, value: TextRange },
}

impl Lint {
    /// Where the module it is about sits (for `ClosedPattern`, the function itself).
    pub(crate) fn place(&self) -> &Place {
        match self {
            Lint::ClosedPattern { place, .. } => place,
            Lint::SelfReference { module, .. }
            | Lint::ImportsReadConfig { module, .. }
            | Lint::PlaintextSecret { module, .. } => module,
        }
    }
}
