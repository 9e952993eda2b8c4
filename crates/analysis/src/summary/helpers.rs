//! Workspace helpers as data (dendritic.md §8.2, "Definitions made by workspace helpers").
//!
//! A helper is a lambda literal whose body writes configuration (`{ name, nixos }:
//! { flake.nixosModules.${name} = nixos; }`); a call gives it literal arguments
//! (`mkFeature { name = "ssh"; ... }`). The two usually live in different files, and a summary
//! may depend on its own file's text only, so neither is reduced here: the helper is kept as its
//! writes with holes where arguments go (`HelperDef`), the call as its callee and literal
//! arguments (`HelperCall`), and the graph fills the holes (`graph/helpers.rs`) once it knows
//! which helper a call reaches, adding config nodes at the call site.

use smol_str::SmolStr;

use super::{Name, NodeId, Opaque};
use crate::base::text::TextRange;

/// Which argument a hole takes: the `index`th of the curried arguments, or its attribute `field`
/// (`{ name, ... }:` takes `name` of its argument).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct ArgRef {
    pub(crate) index: u8,
    pub(crate) field: Option<SmolStr>,
}

/// A piece of an attribute name a helper writes: text, or an argument (`${name}`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum KeyPart {
    Text(SmolStr),
    Arg(ArgRef),
}

/// One path a helper's body writes, each name in pieces.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct Write {
    pub(crate) path: Vec<Vec<KeyPart>>,
    /// What lies below `path` is not readable whatever the arguments (a name built otherwise than
    /// from arguments, the result of a call): it may hold anything.
    pub(crate) opaque: bool,
}

/// How callers reach a helper.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum HelperName {
    /// The file's own value: `import ./mk.nix { ... }`.
    File,
    /// An attribute of the file's attrset: `(import ./_lib.nix).mkFeature { ... }`.
    Attr(SmolStr),
    /// `_module.args.<name> = <lambda>;`, called by a module that takes the argument.
    ModuleArg(SmolStr),
    /// An option's default or definition: `config.factory.mk "ssh"`.
    Option(Vec<SmolStr>),
    /// A `let` binding of this file, by the range of its name.
    Local(TextRange),
}

/// A lambda literal (curried `arity` times) as what its body writes.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct HelperDef {
    pub(crate) name: HelperName,
    pub(crate) arity: u8,
    pub(crate) writes: Vec<Write>,
}

/// What a call names as its function.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum Callee {
    /// `import ./x.nix`, or its attribute: the path as written.
    File { path: String, attr: Option<SmolStr> },
    /// A top-level module argument.
    ModuleArg(SmolStr),
    /// A configuration path: `config.factory.mk`.
    Option(Vec<SmolStr>),
    /// A `let` binding of this file (`HelperName::Local`).
    Local(TextRange),
}

/// An argument as far as it is literal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum HelperArg {
    /// A string, written at the call (or folded from `let` constants).
    Str(Name),
    /// An attrset: its attributes with static names.
    Set(Vec<(SmolStr, HelperArg)>),
    /// Anything else (a module, a variable): fills a value, never a name.
    Value,
}

/// A call of something that may be a workspace helper, whose result is configuration: the
/// module itself (a module that is a call, or an inline module of its `imports`), or the value of
/// a config node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct HelperCall {
    pub(crate) callee: Callee,
    pub(crate) args: Vec<HelperArg>,
    /// The function as written: the place of the names the helper writes as plain text.
    pub(crate) function: TextRange,
    pub(crate) range: TextRange,
    /// The config node whose value the call is, `None` for the module.
    pub(crate) at: Option<NodeId>,
}

/// What the graph added to a summary by reducing its calls (`graph/helpers.rs`), so that it can
/// take it out before the file is read against other helpers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Reduction {
    /// Nodes from this one on are the reduction's.
    pub(crate) first_node: Option<u32>,
    /// Opaque marks the extractor set on calls that the graph reduced.
    pub(crate) cleared: Vec<(NodeId, Opaque)>,
    /// A call the module is made of reaches a helper the workspace does not define: anything may
    /// be defined.
    pub(crate) opaque_all: bool,
}
