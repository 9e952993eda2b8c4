//! What one file contributes to the workspace, computed from that file alone.
//!
//! A summary knows nothing of collections: it records the top-level module's configuration tree
//! (every attribute path the module assigns, through nested sets, `mkIf`, `mkMerge`, `//`, folded
//! `let` constants, ...), the rooted paths the file reads (`config.flake.modules.nixos.ssh`, names
//! in `with` lists, ...), and declarations that change how other files are read (custom
//! collections, den namespaces, import-tree calls). The workspace matches paths against the
//! collection table later, so a file never needs re-reading when another file changes.

pub(crate) mod extract;
pub(crate) mod lints;

use rustc_hash::FxHashMap;
use smol_str::SmolStr;
use thin_vec::ThinVec;

use crate::base::diagnostics::Finding;
use crate::base::text::TextRange;
use crate::dendritic::import_tree::calls::ImportTreeCall;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct NodeId(pub u32);

/// How a name got into the source, which decides how a rename rewrites it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum NameOrigin {
    /// Written bare: `ssh`.
    Ident,
    /// Written as a string: `"hosts/gouda"`; `range` covers the quotes.
    Quoted,
    /// Interpolated from a `let`-bound string; `literal` is that string literal (quotes included).
    Constant { literal: TextRange },
    /// An element of a `genAttrs` list literal (quotes included).
    Listed { literal: TextRange },
    /// Derived from the file's name (`baseNameOf __curPos.file` and friends).
    FileName,
    /// Not written at all: the `flake` in `self.nixosModules.x`.
    Implicit,
}

/// One attribute name, as read from the source.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct Name {
    pub(crate) text: SmolStr,
    /// Where the name is written (for `Constant`, `Listed` and `FileName`, where it is used).
    pub(crate) range: TextRange,
    pub(crate) origin: NameOrigin,
}

/// A node of the top-level module's configuration tree: one attribute name at one place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ConfigNode {
    pub(crate) parent: Option<NodeId>,
    pub(crate) name: Name,
    /// The binding this name belongs to (attrpath and value), for outlines and hovers.
    pub(crate) binding: TextRange,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum OpaqueReason {
    /// `x.${name} = ...` with a name known only at evaluation.
    DynamicKey,
    /// The value comes from a function canopy does not fold (`mkAspect { ... }`, `mapAttrs f x`).
    Call,
    /// The whole value is another collection or a variable: `flake.nixosModules = self.modules.nixos`.
    Assigned,
    /// The file ran out of its work budget (`extract/budget.rs`): what it did not read may define
    /// anything below the names it writes.
    Unread,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct Opaque {
    pub(crate) range: TextRange,
    pub(crate) reason: OpaqueReason,
}

/// What a reference's path starts from.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum RefRoot {
    /// The flake-parts configuration: `config`, and `self`/`inputs.self` (under `flake`), `den`.
    Config,
    /// A top-level module argument canopy has no fixed meaning for (a den namespace such as
    /// `vix`, when the workspace declares it). The path starts with the argument's name.
    Argument,
    /// Another flake's outputs: `inputs.agenix.nixosModules.default` (`input` is `agenix`).
    Input(SmolStr),
    /// `config` rebound by a lower-level module: `{ config, ... }: config.flake.x` reads the NixOS
    /// (or home-manager, ...) configuration. Recorded only for `shadowed-config`, and not for
    /// the options the module declares itself (dendritic.md §8.4).
    ShadowedConfig,
    /// A den bracket reference, `<zsh>` or `<den/define-user>`, where `__findFile` is bound (den's
    /// `den.lib.__findFile`); the path is the bracket's text split at `/` and `.`.
    Bracket,
    /// `inputs.self` or `self` (the argument named) of a lower-level module: `config.flake`, as
    /// for `Config`, where the workspace passes that argument down through `specialArgs` or
    /// `extraSpecialArgs` (`FileSummary::passes_down`); nothing otherwise, since the module
    /// system gives a lower-level module no `inputs` of its own.
    PassedDown(SmolStr),
}

/// How a reference is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum RefForm {
    /// `config.flake.modules.nixos.ssh`, `m.ssh`
    Select,
    /// A bare name under `with config.flake.modules.nixos;`
    With,
    /// `inherit (config.flake.modules.nixos) ssh;`
    Inherit,
}

/// Where a referenced module ends up being imported.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum Anchor {
    /// The top-level module's own `imports`: class `flake`.
    TopLevel,
    /// A lower-level module that is the value at this config node (or below it): its class comes
    /// from what the node turns out to be (an aspect of class `nixos`, a host, ...).
    Node(NodeId),
    /// A nested evaluation of a fixed class (`lib.nixosSystem { modules = [ ... ]; }`).
    Class(SmolStr),
    /// A nested evaluation whose class canopy cannot tell (`evalModules` without `class`).
    Unknown,
}

/// A rooted path the file reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Reference {
    pub(crate) root: RefRoot,
    /// Static path from the root, normalised to configuration paths (`self.nixosModules.x` is
    /// `flake.nixosModules.x`).
    pub(crate) path: Vec<Name>,
    /// The path continues with a segment known only at evaluation (`.${name}`).
    pub(crate) dynamic_tail: bool,
    /// `false` when another `with` or an `or` default means the name may come from elsewhere.
    pub(crate) certain: bool,
    pub(crate) form: RefForm,
    /// The whole expression.
    pub(crate) range: TextRange,
    /// The deepest config node whose value holds the reference.
    pub(crate) owner: Option<NodeId>,
    /// Set when the expression is a module being imported or included.
    pub(crate) anchor: Option<Anchor>,
    /// A `let` alias (`m = config.flake.modules.nixos;`) rather than a use of the value.
    pub(crate) alias: bool,
}

/// The shape of a collection an option declares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum DeclaredShape {
    /// `attrsOf deferredModule`: `<path>.<aspect>`.
    Aspects,
    /// `attrsOf (attrsOf deferredModule)`: `<path>.<class>.<aspect>`.
    ClassesThenAspects,
    /// One `deferredModule` option per aspect: the option `<parent>.<aspect>` declares the aspect
    /// in the collection `<parent>` (dendritic.md §8.2).
    One,
}

/// An option declared in this file whose type holds lower-level modules: a custom collection.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct OptionDecl {
    pub(crate) path: Vec<SmolStr>,
    pub(crate) range: TextRange,
    pub(crate) shape: DeclaredShape,
    /// The class of the modules it holds, when the declaration says (`_class`, or a class name in
    /// the path as in `nixos.modules`).
    pub(crate) class: Option<SmolStr>,
    /// For `One`: the module argument whose call declares it (`mkModuleOption { ... }`); it
    /// declares an aspect only if some top-level module provides that argument as a function
    /// that makes a `deferredModule` option (`FileSummary::option_helpers`).
    pub(crate) via: Option<SmolStr>,
    /// Written here as `mkOption { type = T; }` with `T` a `deferredModule` in `attrsOf`s only, and
    /// no `apply`: a stored module then merges to `{ imports = [ ... ]; }` and nothing else
    /// (nixpkgs `lib/types.nix`, `deferredModuleWith`'s `merge`).
    pub(crate) plain: bool,
}

/// `inputs.den.namespace "vix" true`: a den namespace, an argument and a top-level collection.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct NamespaceDecl {
    pub(crate) name: SmolStr,
    pub(crate) range: TextRange,
}

/// An argument the top-level module's pattern asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ModuleArg {
    pub(crate) name: SmolStr,
    pub(crate) range: TextRange,
    /// Read somewhere in the file. The module system passes arguments lazily: one never read is
    /// never looked up, and its absence is no error.
    pub(crate) used: bool,
}

/// The top-level module's outline, for the checks that judge the file as a whole.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct ModuleInfo {
    /// Arguments of the top-level pattern (`{ config, pkgs, ... }:`).
    pub(crate) args: ThinVec<ModuleArg>,
    /// The top-level configuration's own names (`config.x` counts as `x`), in source order.
    pub(crate) keys: ThinVec<Name>,
    /// Names set with `_module.args.<name>` at top level.
    pub(crate) provides_args: ThinVec<SmolStr>,
}

/// Everything a file contributes. Its lists are thin vectors (a pointer while empty): most of
/// them are empty in most files, and a summary lives as long as its file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct FileSummary {
    /// `None` when the file is not shaped like a module (not an attrset or a function returning one).
    pub(crate) module: Option<ModuleInfo>,
    pub(crate) nodes: ThinVec<ConfigNode>,
    /// Nodes some of whose attributes cannot be known statically, by node. Few nodes have one,
    /// so they live beside the nodes rather than in each (summaries are most of canopy's memory).
    pub(crate) opaque: ThinVec<(NodeId, Opaque)>,
    /// Nodes whose value starts a nested evaluation of a known class (`home-manager.users.<name>`
    /// holds home-manager modules), by node.
    pub(crate) module_classes: ThinVec<(NodeId, SmolStr)>,
    pub(crate) refs: ThinVec<Reference>,
    pub(crate) options: ThinVec<OptionDecl>,
    /// The first name of every option this file declares, whatever its type.
    pub(crate) declared: ThinVec<SmolStr>,
    /// Names this file provides as `_module.args.<name>` whose value is a function that makes a
    /// `deferredModule` option: helpers that declare one aspect per call.
    pub(crate) option_helpers: ThinVec<SmolStr>,
    /// Lambda literals other files (or this one) may call as workspace helpers.
    pub(crate) helpers: ThinVec<HelperDef>,
    /// Calls that may reach a workspace helper, in source order.
    pub(crate) calls: ThinVec<HelperCall>,
    /// The graph's reduction of `calls`: the only part of a summary that depends on other files.
    pub(crate) reduction: Reduction,
    pub(crate) namespaces: ThinVec<NamespaceDecl>,
    /// The flake outputs this file's top-level configuration defines (`flake.<x>`), each with
    /// where its name is written and whether the definition is certain: not under a `mkIf`,
    /// `optionalAttrs` or `if`, and readable.
    pub(crate) outputs: ThinVec<(Name, bool)>,
    /// Flake outputs this file declares an option for (`options.flake.<x>`, `transposition.<x>`),
    /// with `ANY_OUTPUT` for a declaration of `flake` itself.
    pub(crate) declared_outputs: ThinVec<SmolStr>,
    /// Classes this file's calls of den's `forward` battery create (`fromClass` over `each`), with
    /// `ANY_CLASS` when canopy cannot name them.
    pub(crate) forwarded_classes: ThinVec<SmolStr>,
    /// Files the top-level module imports by path (`./_hosts/x.nix`), as written.
    pub(crate) imports: ThinVec<String>,
    /// Files this one makes Nix read, as written: `import ./x.nix`, `callPackage ./x.nix`, paths
    /// in any `imports` or `modules` list (`extract::reads`). Sorted, without repeats.
    pub(crate) files_read: ThinVec<String>,
    pub(crate) import_tree: ThinVec<ImportTreeCall>,
    /// The flake's own arguments (`inputs`, `self`) this file hands to lower-level modules
    /// through `specialArgs` or `extraSpecialArgs`: in their modules, `inputs.self` (or `self`)
    /// is the flake's outputs. Sorted.
    pub(crate) passes_down: ThinVec<SmolStr>,
    /// `flake.nix` calls flake-parts' `mkFlake`: the flake is a flake-parts flake.
    pub(crate) calls_mk_flake: bool,
    /// What this file's modules do that fails wherever they are evaluated as modules; the checks
    /// decide which places are certainly modules.
    pub(crate) lints: ThinVec<lints::Lint>,
    /// Diagnostics this file alone decides: syntax, names, duplicates, shadowed `config`.
    pub(crate) diagnostics: ThinVec<Finding>,
    /// `# canopy: ignore[...]` comments, in source order.
    pub(crate) suppressions: ThinVec<crate::checks::suppressions::Suppression>,
    /// Top-level names below which `prune` dropped nodes, each with the depth it kept there.
    pub(crate) cut: ThinVec<(SmolStr, u16)>,
}

impl FileSummary {
    /// Gives back what the lists reserved beyond their length: a summary lives as long as its
    /// file, and lists grown by pushing hold up to twice what they need.
    pub(crate) fn shrink(&mut self) {
        self.nodes.shrink_to_fit();
        self.opaque.shrink_to_fit();
        self.module_classes.shrink_to_fit();
        self.refs.shrink_to_fit();
        self.options.shrink_to_fit();
        self.declared.shrink_to_fit();
        self.option_helpers.shrink_to_fit();
        self.helpers.shrink_to_fit();
        self.calls.shrink_to_fit();
        self.namespaces.shrink_to_fit();
        self.outputs.shrink_to_fit();
        self.declared_outputs.shrink_to_fit();
        self.forwarded_classes.shrink_to_fit();
        self.imports.shrink_to_fit();
        self.files_read.shrink_to_fit();
        self.import_tree.shrink_to_fit();
        self.passes_down.shrink_to_fit();
        self.lints.shrink_to_fit();
        self.diagnostics.shrink_to_fit();
        self.suppressions.shrink_to_fit();
    }

    pub(crate) fn node(&self, id: NodeId) -> &ConfigNode {
        &self.nodes[id.0 as usize]
    }

    pub(crate) fn opaque_of(&self, id: NodeId) -> Option<&Opaque> {
        let i = self.opaque.binary_search_by_key(&id, |(n, _)| *n).ok()?;
        Some(&self.opaque[i].1)
    }

    pub(crate) fn module_class_of(&self, id: NodeId) -> Option<&SmolStr> {
        let i = self.module_classes.binary_search_by_key(&id, |(n, _)| *n).ok()?;
        Some(&self.module_classes[i].1)
    }

    /// The names from the tree's root down to `id`.
    pub(crate) fn node_path(&self, id: NodeId) -> Vec<&Name> {
        let mut path: Vec<&Name> =
            std::iter::successors(Some(id), |n| self.node(*n).parent).map(|n| &self.node(n).name).collect();
        path.reverse();
        path
    }

    /// `id` and its ancestors, innermost first.
    pub(crate) fn ancestors(&self, id: NodeId) -> impl Iterator<Item = NodeId> + '_ {
        std::iter::successors(Some(id), |n| self.node(*n).parent)
    }

    /// Drops the config nodes that no collection reads and no reference hangs from: below each
    /// top-level name, those deeper than `depth_of(name)`.
    ///
    /// Most nodes of a dendritic module lie inside lower-level module bodies
    /// (`flake.modules.nixos.ssh.services.openssh.settings...`) or under names no collection
    /// starts with (`perSystem`, `systems`), where no collection path can reach: a node matters to
    /// the graph only down to the deepest place a collection row can match
    /// (`CollectionSet::depth_read`), or on the way to a reference that needs its owner or the
    /// module it is imported into. An opaque value or a nested class elsewhere tells nothing.
    /// Keeping the rest would make them most of canopy's memory.
    pub(crate) fn prune(&mut self, depth_of: impl Fn(&str) -> u16) {
        // Parents are numbered before their children: one pass finds every node's depth and top.
        let mut place: Vec<(u16, u32)> = Vec::with_capacity(self.nodes.len());
        for (i, node) in self.nodes.iter().enumerate() {
            place.push(match node.parent {
                Some(p) => (place[p.0 as usize].0 + 1, place[p.0 as usize].1),
                None => (1, i as u32),
            });
        }
        let mut kept_depth: FxHashMap<u32, u16> = FxHashMap::default();
        let mut keep: Vec<bool> = place
            .iter()
            .map(|&(depth, top)| {
                depth <= *kept_depth.entry(top).or_insert_with(|| depth_of(&self.nodes[top as usize].name.text))
            })
            .collect();
        if keep.iter().all(|k| *k) {
            return;
        }
        let attached: Vec<NodeId> = self
            .refs
            .iter()
            .flat_map(|r| {
                let anchor = match r.anchor {
                    Some(Anchor::Node(n)) => Some(n),
                    _ => None,
                };
                r.owner.into_iter().chain(anchor)
            })
            .chain(self.calls.iter().filter_map(|c| c.at))
            .collect();
        for node in attached {
            let mut at = Some(node);
            while let Some(id) = at.filter(|id| !keep[id.0 as usize]) {
                keep[id.0 as usize] = true;
                at = self.nodes[id.0 as usize].parent;
            }
        }
        if keep.iter().all(|k| *k) {
            return;
        }
        // A summary pruned before keeps what it cut then: the shallower depth of each name stands.
        let mut cut_tops: Vec<u32> =
            place.iter().zip(&keep).filter(|(_, kept)| !**kept).map(|(&(_, top), _)| top).collect();
        cut_tops.sort_unstable();
        cut_tops.dedup();
        self.cut.extend(cut_tops.iter().map(|top| (self.nodes[*top as usize].name.text.clone(), kept_depth[top])));
        self.cut.sort();
        self.cut.dedup_by(|later, earlier| later.0 == earlier.0);
        self.cut.shrink_to_fit();
        let mut renumbered: Vec<u32> = vec![u32::MAX; self.nodes.len()];
        let mut next = 0;
        for (old, kept) in keep.iter().enumerate() {
            if *kept {
                renumbered[old] = next;
                next += 1;
            }
        }
        let mut old = 0;
        self.nodes.retain_mut(|node| {
            let kept = keep[old];
            old += 1;
            node.parent = node.parent.map(|id| NodeId(renumbered[id.0 as usize]));
            kept
        });
        self.nodes.shrink_to_fit();
        self.renumber(&renumbered);
    }

    /// Gives what points at nodes the nodes' new numbers (`u32::MAX` for a node dropped).
    fn renumber(&mut self, renumbered: &[u32]) {
        let new_id = |id: NodeId| NodeId(renumbered[id.0 as usize]);
        for r in &mut self.refs {
            r.owner = r.owner.map(new_id);
            if let Some(Anchor::Node(n)) = &mut r.anchor {
                *n = new_id(*n);
            }
        }
        for call in &mut self.calls {
            call.at = call.at.map(new_id);
        }
        self.opaque.retain_mut(|(n, _)| {
            *n = new_id(*n);
            n.0 != u32::MAX
        });
        self.module_classes.retain_mut(|(n, _)| {
            *n = new_id(*n);
            n.0 != u32::MAX
        });
        self.opaque.shrink_to_fit();
        self.module_classes.shrink_to_fit();
    }
}

// ---- Workspace helpers as data (dendritic.md §8.2, "Definitions made by workspace helpers") ----
//
// A helper is a lambda literal whose body writes configuration (`{ name, nixos }:
// { flake.nixosModules.${name} = nixos; }`); a call gives it literal arguments
// (`mkFeature { name = "ssh"; ... }`). The two usually live in different files, and a summary
// may depend on its own file's text only, so neither is reduced here: the helper is kept as its
// writes with holes where arguments go (`HelperDef`), the call as its callee and literal
// arguments (`HelperCall`), and the graph fills the holes (`graph/helpers.rs`) once it knows
// which helper a call reaches, adding config nodes at the call site.

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
    /// A function canopy cannot name (`(import ./lib.nix { inherit lib; }).mkFeature`): the
    /// module it makes may define anything.
    Unknown,
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
