//! Reads one file's summary against the workspace's collection table: which of its config nodes
//! define aspects and hosts, what its references point at, and which imports it makes.
//!
//! The result (`Resolved`) is the file's whole contribution to the aspect graph. It depends on
//! the file's own summary and on the collection table only, so a file is re-resolved when its text
//! changes or, rarely, when the workspace's declared collections change.

use rustc_hash::FxHashMap;
use smol_str::SmolStr;
use thin_vec::ThinVec;

use crate::base::Scope;

use crate::base::text::TextRange;
use crate::base::{AspectKey, HostKey};
use crate::dendritic::collections::{self, CollectionSet, HostAspects, OUTPUT_FAMILY, PathMatch, RowKind};
use crate::dendritic::contexts;
use crate::dendritic::flake_parts::{self, TOP_LEVEL_ONLY};
use crate::summary::{Anchor, FileSummary, Name, NameOrigin, NodeId, RefForm, RefRoot};

/// The flake's own arguments (`inputs`, `self`) that some file of the workspace passes down to
/// lower-level modules (`FileSummary::passes_down`): what a lower-level module's `inputs.self`
/// or `self` is read as. Like the collection table, an input every file is read against; unlike
/// it, only the files that read such an argument are read again when it changes
/// (`Structure::receiving`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct PassedDown(Vec<SmolStr>);

impl PassedDown {
    /// From the arguments passed, in any order and with repeats.
    pub(crate) fn new(mut arguments: Vec<SmolStr>) -> PassedDown {
        arguments.sort();
        arguments.dedup();
        PassedDown(arguments)
    }

    pub(crate) fn passes(&self, argument: &str) -> bool {
        self.0.iter().any(|a| a == argument)
    }
}

/// An aspect definition site.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Definition {
    pub(crate) key: AspectKey,
    pub(crate) name: Name,
    pub(crate) node: NodeId,
}

/// `flake.nixosModules = config.flake.modules.nixos;`: one scope holds exactly another's aspects.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct Mirror {
    pub(crate) target: Scope,
    pub(crate) source: Scope,
}

/// A class an aspect-first aspect contributes to, at one place (`den.aspects.x.nixos`); for
/// class-first collections the class is part of the key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ClassContribution {
    pub(crate) key: AspectKey,
    pub(crate) class: SmolStr,
    pub(crate) range: TextRange,
}

/// A class name written somewhere, for `unknown-class`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ClassUse {
    pub(crate) collection: SmolStr,
    pub(crate) class: SmolStr,
    pub(crate) range: TextRange,
    /// In a definition (rather than a reference).
    pub(crate) defining: bool,
    /// Spelled by an output attribute (`flake.homemanagerModules`) rather than written alone.
    pub(crate) from_output: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct HostSite {
    pub(crate) key: HostKey,
    pub(crate) name: Name,
    pub(crate) node: NodeId,
}

/// What a reference points at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Target {
    /// One aspect; `class` is the class the path selects inside an aspect-first aspect.
    Aspect { key: AspectKey, name: Name, class: Option<SmolStr> },
    /// A whole class or collection, used as a value (`lib.attrValues config.flake.modules.nixvim`)
    /// or through a name only known at evaluation.
    Scope(Scope),
    /// A module of another flake; the class comes from the output's name.
    External { class: Option<SmolStr>, name: TextRange },
}

/// The evaluation a referenced module is imported into.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ImportContext {
    /// A module of this class (`flake` for a top-level module's own imports).
    Class(SmolStr),
    /// An aspect-first aspect's `includes`.
    Includes,
    /// A nested evaluation of a class canopy cannot tell.
    Unknown,
}

/// Who makes an import: the aspect or host whose definition holds it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum Owner {
    Aspect(AspectKey),
    Host(HostKey),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ResolvedRef {
    pub(crate) target: Target,
    /// Index into the summary's references.
    pub(crate) index: usize,
    pub(crate) certain: bool,
    pub(crate) alias: bool,
    /// How it is written, and whether as a den bracket (`<ssh>`), as the summary's reference
    /// says: copied here so that a check of every file importing one aspect reads no summary.
    pub(crate) form: RefForm,
    pub(crate) bracket: bool,
    /// Set when the reference imports or includes the module.
    pub(crate) context: Option<ImportContext>,
    /// Who makes the import, as an index into `Resolved::owners` (a file's references share a
    /// few owners: one copy of each).
    pub(crate) owner: Option<u32>,
}

/// A `config.flake...` read where `config` is a lower-level module's own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ShadowedRead {
    pub(crate) range: TextRange,
    pub(crate) root: SmolStr,
}

/// A file's contribution to the graph. Thin vectors, as `FileSummary`'s lists.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Resolved {
    pub(crate) definitions: ThinVec<Definition>,
    pub(crate) contributions: ThinVec<ClassContribution>,
    pub(crate) hosts: ThinVec<HostSite>,
    pub(crate) refs: ThinVec<ResolvedRef>,
    /// Scopes below which this file defines things canopy cannot see: a path prefix such as
    /// `flake.modules.nixos` or `flake`.
    pub(crate) opaque: ThinVec<SmolStr>,
    /// Collections whose modules the module system stamps with their class because this file
    /// imports the flake module that does (flake-parts' `flakeModules.modules` for
    /// `flake.modules`).
    pub(crate) stamped: ThinVec<SmolStr>,
    pub(crate) classes: ThinVec<ClassUse>,
    pub(crate) shadowed: ThinVec<ShadowedRead>,
    /// Den hosts and users, which den turns into aspects of the same name.
    pub(crate) host_aspects: ThinVec<(HostKey, AspectKey)>,
    /// Classes this file declares to den (`den.classes.<c>`, the classes a `forward` battery
    /// creates), with `ANY_CLASS` for classes it creates that canopy cannot name.
    pub(crate) declared_classes: ThinVec<SmolStr>,
    /// Flake outputs this file defines for certain (`FileSummary::outputs`), by name.
    pub(crate) outputs: ThinVec<SmolStr>,
    /// Flake outputs this file declares options for, or `ANY_OUTPUT`; with `ANY_OUTPUT` too when
    /// it imports a flake module that may declare outputs canopy does not know of.
    pub(crate) declared_outputs: ThinVec<SmolStr>,
    pub(crate) mirrors: ThinVec<Mirror>,
    /// The owners `refs` name.
    pub(crate) owners: ThinVec<Owner>,
}

impl Resolved {
    /// Gives back what the lists reserved beyond their length (see `FileSummary::shrink`).
    pub(crate) fn shrink(&mut self) {
        self.definitions.shrink_to_fit();
        self.contributions.shrink_to_fit();
        self.hosts.shrink_to_fit();
        self.refs.shrink_to_fit();
        self.opaque.shrink_to_fit();
        self.stamped.shrink_to_fit();
        self.classes.shrink_to_fit();
        self.shadowed.shrink_to_fit();
        self.host_aspects.shrink_to_fit();
        self.declared_classes.shrink_to_fit();
        self.outputs.shrink_to_fit();
        self.declared_outputs.shrink_to_fit();
        self.mirrors.shrink_to_fit();
        self.owners.shrink_to_fit();
    }

    /// Aspects this file's imports reach from `owner`.
    pub(crate) fn edges(&self) -> impl Iterator<Item = (&Owner, &AspectKey)> {
        self.refs.iter().filter(|r| r.context.is_some()).filter_map(|r| match (r.owner, &r.target) {
            (Some(owner), Target::Aspect { key, .. }) => Some((&self.owners[owner as usize], key)),
            _ => None,
        })
    }
}

/// The role of a config node.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Role {
    None,
    /// The node names an aspect.
    Aspect {
        key: AspectKey,
        class: Option<SmolStr>,
    },
    /// The class node inside an aspect-first aspect.
    AspectClass {
        class: SmolStr,
    },
    /// A reserved key inside an aspect-first aspect (`includes`).
    AspectReserved,
    Host {
        key: HostKey,
    },
    /// Anything else a row matched (the collection itself, a class level, below an aspect).
    Inside(PathMatch),
}

/// The opaque prefix of every path: a module canopy cannot read at all may define anything.
pub(crate) const EVERYTHING: &str = "";

pub(crate) fn resolve(summary: &FileSummary, collections: &CollectionSet, passed: &PassedDown) -> Resolved {
    let mut out = Resolved {
        declared_classes: summary.forwarded_classes.iter().cloned().collect(),
        outputs: summary.outputs.iter().filter(|(_, certain)| *certain).map(|(n, _)| n.text.clone()).collect(),
        declared_outputs: summary.declared_outputs.iter().cloned().collect(),
        ..Resolved::default()
    };
    if summary.reduction.opaque_all {
        out.opaque.push(SmolStr::new_static(EVERYTHING));
    }
    let roles = node_roles(summary, collections, &mut out);
    // Each owner's index in `out.owners`: a file of N aspects each importing another has N
    // owners, and looking each up by a scan cost N² (issue 21).
    let mut owner_ids = FxHashMap::default();
    // Nearly every reference resolves: grown by doubling instead, a file of 100,000 references
    // copied its list into fresh pages a dozen times.
    out.refs.reserve(summary.refs.len());
    for (index, reference) in summary.refs.iter().enumerate() {
        let Some(mut resolved) = resolve_ref(summary, (collections, passed), &roles, index, reference, &mut out) else {
            continue;
        };
        if let Some(owner) = reference.owner.and_then(|n| owner_of(summary, &roles, n)) {
            let next = out.owners.len() as u32;
            let id = *owner_ids.entry(owner).or_insert_with_key(|owner| {
                out.owners.push(owner.clone());
                next
            });
            resolved.owner = Some(id);
        }
        out.refs.push(resolved);
    }
    find_mirrors(summary, &roles, &mut out);
    // Kept for as long as the file is, one per file: growth slack would be memory for nothing.
    out.definitions.shrink_to_fit();
    out.contributions.shrink_to_fit();
    out.hosts.shrink_to_fit();
    out.refs.shrink_to_fit();
    out.classes.shrink_to_fit();
    out.owners.shrink_to_fit();
    out
}

/// A class- or collection-level node whose whole value is another scope mirrors that scope; it
/// is then not opaque.
fn find_mirrors(summary: &FileSummary, roles: &[Role], out: &mut Resolved) {
    for r in &out.refs {
        let Target::Scope(source) = &r.target else { continue };
        let reference = &summary.refs[r.index];
        let Some(node) = reference.owner else { continue };
        let Role::Inside(m) = &roles[node.0 as usize] else { continue };
        let assigned = summary.opaque_of(node).is_some_and(|o| o.range == reference.range);
        if !assigned || reference.dynamic_tail || m.aspect.is_some() || m.matched != summary.node_path(node).len() {
            continue;
        }
        let class = if m.class_index.is_some() || m.kind == RowKind::Outputs { m.class.clone() } else { None };
        let target = Scope { collection: SmolStr::new(&m.collection), class };
        let path = summary.node_path(node).iter().map(|n| n.text.as_str()).collect::<Vec<_>>().join(".");
        out.opaque.retain(|o| *o != path);
        out.mirrors.push(Mirror { target, source: source.clone() });
    }
}

fn node_roles(summary: &FileSummary, collections: &CollectionSet, out: &mut Resolved) -> Vec<Role> {
    let shapes = Shapes::of(summary);
    let mut roles = Vec::with_capacity(summary.nodes.len());
    for i in 0..summary.nodes.len() {
        let id = NodeId(i as u32);
        // A subtree no row starts is skipped without building its path.
        let top = summary.ancestors(id).last().unwrap_or(id);
        let role = if collections.is_root(&summary.node(top).name.text) {
            classify_node(summary, &shapes, id, collections, out)
        } else {
            Role::None
        };
        roles.push(role);
    }
    roles
}

/// What the names below a node say it is, where den reads a value by its keys.
struct Shapes {
    /// How far below each node the nearest key den recognises inside an aspect is (a class or a
    /// structural key), saturating.
    class_like: Vec<u8>,
    /// The node has a key of a den host (`system`, `users`, ...): it is a host written without
    /// its system level.
    host_keys: Vec<bool>,
}

/// denful/den `nix/lib/aspects/fx/key-classification.nix` (`hasRecognizedSubKeys 3`): a key
/// under an aspect that is no class is a nested aspect when some key up to four levels below it
/// is a class or a structural key.
const NESTED_ASPECT_DEPTH: u8 = 4;

/// The options of a den host (vic/den 815076e `nix/lib/types.nix`, denful/den
/// `nix/lib/entities/host.nix`). Both nest hosts under a system (`attrsOf systemType`); a
/// repository that writes `den.hosts.phone = { system = ...; users.me = { }; }` (dendritic.md
/// §8.3) means the host `phone`, never hosts named `system` and `users`.
const DEN_HOST_KEYS: &[&str] = &["system", "users", "class", "hostName", "instantiate", "intoAttr", "aspect"];

impl Shapes {
    fn of(summary: &FileSummary) -> Shapes {
        let n = summary.nodes.len();
        let mut class_like = vec![u8::MAX; n];
        let mut host_keys = vec![false; n];
        // Children are numbered after their parents: one backwards pass sees every child first.
        for i in (0..n).rev() {
            let node = &summary.nodes[i];
            let Some(parent) = node.parent else { continue };
            let name = node.name.text.as_str();
            let own = if collections::den_recognises(name) { 1 } else { u8::MAX };
            let p = parent.0 as usize;
            class_like[p] = class_like[p].min(own).min(class_like[i].saturating_add(1));
            host_keys[p] |= DEN_HOST_KEYS.contains(&name);
        }
        Shapes { class_like, host_keys }
    }

    fn holds_classes(&self, id: NodeId) -> bool {
        self.class_like[id.0 as usize] <= NESTED_ASPECT_DEPTH
    }
}

fn classify_node(
    summary: &FileSummary,
    shapes: &Shapes,
    id: NodeId,
    collections: &CollectionSet,
    out: &mut Resolved,
) -> Role {
    let path = summary.node_path(id);
    let texts: Vec<&str> = path.iter().map(|n| n.text.as_str()).collect();
    // Below the deepest place a row can match, an unreadable value hides no collection (and
    // pruning drops it: `FileSummary::prune`).
    let within_rows = texts.len() <= usize::from(collections.depth_read(texts[0]));
    let opaque_scope = |out: &mut Resolved| {
        if within_rows && summary.opaque_of(id).is_some() {
            out.opaque.push(SmolStr::new(texts.join(".")));
        }
    };
    let Some(mut m) = collections.match_path(&texts) else {
        // `flake = f x;`: every collection under this prefix may hold aspects canopy cannot see.
        opaque_scope(out);
        return Role::None;
    };
    if m.kind == RowKind::ClassDeclaration {
        if m.class_index == Some(path.len() - 1) {
            out.declared_classes.push(path[path.len() - 1].text.clone());
        }
        return Role::None;
    }
    if collections.host_aspects(m.row).is_some() {
        flat_host(summary, shapes, id, path.len(), &mut m);
    }
    // `den.aspects.hardware.audio.nixos`: `audio` holds classes, so it is a nested aspect.
    let nested = m.class_index == Some(path.len() - 1) && collections.unknown_den_key(&m) && shapes.holds_classes(id);
    if nested {
        return Role::AspectReserved;
    }
    class_uses(&path, &m, out);
    if m.host.is_some() {
        return host_role(&path, id, m, collections, out);
    }
    if m.aspect.is_none() {
        opaque_scope(out);
        return Role::Inside(m);
    }
    aspect_role(&path, id, m, collections, out)
}

/// A den host written without its system level: the system's place holds the host.
fn flat_host(summary: &FileSummary, shapes: &Shapes, id: NodeId, depth: usize, m: &mut PathMatch) {
    let Some(system) = m.system.clone() else { return };
    let system_index = match &m.host {
        Some((_, index)) => index - 1,
        None if m.complete || m.matched != depth => return,
        None => depth - 1,
    };
    let Some(system_node) = summary.ancestors(id).nth(depth - 1 - system_index) else { return };
    if shapes.host_keys[system_node.0 as usize] {
        m.host = Some((system, system_index));
        m.system = None;
    }
}

/// The class a definition's path writes, if its last name is one.
fn class_uses(path: &[&Name], m: &PathMatch, out: &mut Resolved) {
    let depth = path.len();
    let last = path[depth - 1];
    let class_use = |class, from_output| ClassUse {
        collection: SmolStr::new(&m.collection),
        class,
        range: last.range,
        defining: true,
        from_output,
    };
    if m.class_index == Some(depth - 1) {
        // The class as the library means it (unify's `home` is `homeManager`).
        out.classes.push(class_use(m.class.clone().unwrap_or_else(|| last.text.clone()), false));
    }
    if m.kind == RowKind::Outputs && depth == m.matched && m.aspect.is_none() {
        // `flake.homeModules`: the output's name spells the class.
        out.classes.push(class_use(m.class.clone().unwrap_or_default(), true));
    }
}

/// A node at or below a host's name; some libraries make hosts and their users aspects too.
fn host_role(path: &[&Name], id: NodeId, m: PathMatch, collections: &CollectionSet, out: &mut Resolved) -> Role {
    let Some((host, index)) = m.host.clone() else { return Role::Inside(m) };
    let (depth, last) = (path.len(), path[path.len() - 1]);
    let host_key = |class| HostKey { kind: SmolStr::new(&m.collection), class, name: host.clone() };
    let aspects = collections.host_aspects(m.row);
    let aspect = |name: &str, aspects: HostAspects| AspectKey {
        collection: SmolStr::new_static(aspects.collection),
        class: None,
        name: SmolStr::new(name),
        class_in_path: false,
    };
    if index == depth - 1 {
        let key = host_key(m.class.clone());
        out.hosts.push(HostSite { key: key.clone(), name: last.clone(), node: id });
        if let Some(aspects) = aspects {
            out.host_aspects.push((key.clone(), aspect(&host, aspects)));
            out.definitions.push(Definition { key: aspect(&host, aspects), name: last.clone(), node: id });
        }
        return Role::Host { key };
    }
    // `<host>.users.<user>`
    if let Some(aspects) = aspects
        && depth == index + 3
        && path[index + 1].text == aspects.users
    {
        out.host_aspects.push((host_key(None), aspect(&last.text, aspects)));
        out.definitions.push(Definition { key: aspect(&last.text, aspects), name: last.clone(), node: id });
    }
    Role::Inside(m)
}

/// A node at or below an aspect's name.
fn aspect_role(path: &[&Name], id: NodeId, m: PathMatch, collections: &CollectionSet, out: &mut Resolved) -> Role {
    let Some((aspect, index)) = m.aspect.clone() else { return Role::Inside(m) };
    let (depth, last) = (path.len(), path[path.len() - 1]);
    let aspect_first = collections.aspect_first(m.row);
    let class = if aspect_first { None } else { m.class.clone() };
    let key = AspectKey {
        collection: SmolStr::new(&m.collection),
        class: class.clone(),
        name: aspect.clone(),
        class_in_path: m.class_index.is_some() && !aspect_first,
    };
    if index == depth - 1 {
        out.definitions.push(Definition { key: key.clone(), name: last.clone(), node: id });
        return Role::Aspect { key, class };
    }
    if !aspect_first || index != depth - 2 {
        return Role::Inside(m);
    }
    if m.reserved {
        return Role::AspectReserved;
    }
    let Some(class) = m.class.clone() else { return Role::Inside(m) };
    if let Some(target) = collections.transposes_to(m.row) {
        let transposed = AspectKey {
            collection: SmolStr::new_static(target),
            class: Some(class.clone()),
            name: aspect,
            class_in_path: true,
        };
        out.definitions.push(Definition { key: transposed, name: path[index].clone(), node: id });
    }
    out.contributions.push(ClassContribution { key, class: class.clone(), range: last.range });
    Role::AspectClass { class }
}

fn resolve_ref(
    summary: &FileSummary,
    (collections, passed): (&CollectionSet, &PassedDown),
    roles: &[Role],
    index: usize,
    reference: &crate::summary::Reference,
    out: &mut Resolved,
) -> Option<ResolvedRef> {
    let path = &reference.path;
    let mut certain = reference.certain;
    let target = match &reference.root {
        RefRoot::ShadowedConfig => {
            let texts: Vec<&str> = path.iter().map(|n| n.text.as_str()).collect();
            // Only paths that exist at top level: `config.home.homeDirectory` is fine in a
            // home-manager module even when the workspace declares a `home.modules` collection.
            if let Some(first) = path.first()
                && (TOP_LEVEL_ONLY.contains(&first.text.as_str()) || collections.match_path(&texts).is_some())
            {
                let range = TextRange::new(reference.range.start(), first.range.end().max(reference.range.start()));
                out.shadowed.push(ShadowedRead { range, root: first.text.clone() });
            }
            return None;
        }
        RefRoot::Input(input) => {
            // A flake module of another flake, imported into this one: it may fill any of the
            // flake's module outputs, which canopy then cannot know whole (dendritic.md §8.2).
            if reference.anchor == Some(Anchor::TopLevel) && flake_parts::may_define_outputs(input, path) {
                out.opaque.push(SmolStr::new_static(OUTPUT_FAMILY));
            }
            if reference.anchor == Some(Anchor::TopLevel) {
                let declared = flake_parts::declared_by_flake_module(input, path);
                out.declared_outputs.extend(declared.iter().map(|d| SmolStr::new_static(d)));
            }
            if reference.anchor == Some(Anchor::TopLevel)
                && let Some(collection) = flake_parts::stamps_classes(input, path)
            {
                out.stamped.push(SmolStr::new_static(collection));
            }
            // `inputs.agenix.nixosModules.default`: external, class from the output's name.
            let (output, module) = (path.first()?, path.get(1)?);
            let class = crate::dendritic::classes::class_of_output(&output.text, "Modules")?;
            Target::External { class: Some(class), name: module.range }
        }
        RefRoot::Argument => {
            let first = path.first()?;
            if !collections.is_namespace(&first.text) {
                return None;
            }
            path_target(collections, path, out)?
        }
        RefRoot::Config => path_target(collections, path, out)?,
        RefRoot::Bracket => {
            let (mapped, sure) = bracket_path(collections, path)?;
            certain &= sure;
            path_target(collections, &mapped, out)?
        }
        // Without a visible pass-down the argument may be anything the module's evaluation
        // gives (a `_module.args` of its own, another flake's inputs): no reference, and nothing
        // to judge. Not even in a flake-parts module stored as an aspect (`flake.flakeModules`):
        // another flake that imports it gives it that flake's `inputs`.
        RefRoot::PassedDown(argument) if passed.passes(argument) => path_target(collections, path, out)?,
        RefRoot::PassedDown(_) => return None,
    };
    let context = reference.anchor.as_ref().and_then(|a| import_context(summary, roles, a));
    let (form, bracket) = (reference.form, reference.root == RefRoot::Bracket);
    Some(ResolvedRef { target, index, certain, alias: reference.alias, form, bracket, context, owner: None })
}

/// The configuration path a den bracket reference reads (denful/den `nix/lib/den-brackets.nix`,
/// vic/den 815076e the same file): `<den/x>` is the battery `x` (`<den.x.y>` is read as the path
/// `den.x.y` where it is written), `<ns/a>` the aspect `a` of the
/// namespace `ns`, and `<a/...>` the aspect `a` (what follows is a provider or a nested aspect of
/// it). Any other head throws "Aspect not found"; `false` when canopy cannot be sure of that (a
/// longer path may start with a namespace canopy does not see declared).
fn bracket_path(collections: &CollectionSet, path: &[Name]) -> Option<(Vec<Name>, bool)> {
    let head = path.first()?;
    let implicit = |text: &'static str| Name {
        text: SmolStr::new_static(text),
        range: TextRange::empty(head.range.start()),
        origin: NameOrigin::Implicit,
    };
    if head.text == "den" {
        let battery = path.get(1)?;
        return Some((vec![head.clone(), implicit("provides"), battery.clone()], true));
    }
    if collections.is_namespace(&head.text) {
        let aspect = path.get(1)?;
        return Some((vec![head.clone(), aspect.clone()], true));
    }
    Some((vec![implicit("den"), implicit("aspects"), head.clone()], path.len() == 1))
}

fn path_target(collections: &CollectionSet, path: &[Name], out: &mut Resolved) -> Option<Target> {
    let texts: Vec<&str> = path.iter().map(|n| n.text.as_str()).collect();
    let m = collections.match_path(&texts)?;
    if matches!(m.kind, RowKind::Host | RowKind::ClassDeclaration) {
        return None;
    }
    let mut m = m;
    // Under a den aspect, a key that is no class the library knows is a nested aspect, a provider
    // or a class declared elsewhere: a reference says nothing about classes there.
    if collections.unknown_den_key(&m) {
        m.class_index = None;
        m.class = None;
    }
    if let Some(class_index) = m.class_index {
        let class = m.class.clone().unwrap_or_else(|| path[class_index].text.clone());
        out.classes.push(ClassUse {
            collection: SmolStr::new(&m.collection),
            class,
            range: path[class_index].range,
            defining: false,
            from_output: false,
        });
    }
    let aspect_first = collections.aspect_first(m.row);
    match &m.aspect {
        // den's own batteries: defined by den, outside the workspace.
        Some((aspect, index)) if collections.library_names(&m.collection).contains(&aspect.as_str()) => {
            Some(Target::External { class: None, name: path[*index].range })
        }
        Some((aspect, index)) => {
            let key = AspectKey {
                collection: SmolStr::new(&m.collection),
                class: if aspect_first { None } else { m.class.clone() },
                name: aspect.clone(),
                class_in_path: m.class_index.is_some_and(|i| i < *index),
            };
            let class = if aspect_first && !m.reserved { m.class.clone() } else { None };
            Some(Target::Aspect { key, name: path[*index].clone(), class })
        }
        None => {
            // A path that stops at a class or collection, or continues with a dynamic name.
            let class = if m.class_index.is_some() || m.kind == RowKind::Outputs { m.class.clone() } else { None };
            Some(Target::Scope(Scope { collection: SmolStr::new(&m.collection), class }))
        }
    }
}

/// The evaluation a module at `anchor` is imported into, or `None` when the anchor's value is an
/// ordinary option value rather than a module.
fn import_context(summary: &FileSummary, roles: &[Role], anchor: &Anchor) -> Option<ImportContext> {
    let node = match anchor {
        Anchor::TopLevel => return Some(ImportContext::Class(SmolStr::new_static("flake"))),
        Anchor::Class(class) => return Some(ImportContext::Class(class.clone())),
        Anchor::Unknown => return Some(ImportContext::Unknown),
        Anchor::Node(node) => *node,
    };
    let first = summary.node(node);
    let holds_module = |id: NodeId| {
        summary.module_class_of(id).is_some()
            || matches!(roles[id.0 as usize], Role::Aspect { .. } | Role::AspectClass { .. } | Role::Host { .. })
    };
    // A module's root: a node that holds one (an aspect, a class of one, a host, a nested
    // evaluation), or a module value right below such a node (`configurations.nixos.brie.module`).
    let is_module_root = |id: NodeId| {
        let node = summary.node(id);
        holds_module(id) || (contexts::is_module_value_key(&node.name.text) && node.parent.is_some_and(holds_module))
    };
    // Only a module's own `imports` (`module`, ...) import into it: `hm.imports` in a NixOS
    // module defines the option `hm`, which may be anything (dendritic.md §8.4).
    let list = contexts::is_module_list_key(&first.name.text) || contexts::is_module_value_key(&first.name.text);
    let starts_module = holds_module(node) || (list && first.parent.is_some_and(is_module_root));
    if !starts_module {
        return None;
    }
    for id in summary.ancestors(node) {
        if let Some(class) = summary.module_class_of(id) {
            return Some(ImportContext::Class(class.clone()));
        }
        match &roles[id.0 as usize] {
            Role::Aspect { class: Some(class), .. } => return Some(ImportContext::Class(class.clone())),
            Role::Aspect { class: None, .. } => return Some(ImportContext::Includes),
            Role::AspectClass { class } => return Some(ImportContext::Class(class.clone())),
            Role::Host { key } => {
                return Some(key.class.clone().map_or(ImportContext::Unknown, ImportContext::Class));
            }
            _ => {}
        }
    }
    None
}

fn owner_of(summary: &FileSummary, roles: &[Role], node: NodeId) -> Option<Owner> {
    summary.ancestors(node).find_map(|id| match &roles[id.0 as usize] {
        Role::Aspect { key, .. } => Some(Owner::Aspect(key.clone())),
        Role::Host { key } => Some(Owner::Host(key.clone())),
        _ => None,
    })
}
