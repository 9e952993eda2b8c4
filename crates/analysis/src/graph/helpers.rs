//! Workspace helpers, one level (dendritic.md §8.2): each call a summary notes
//! (`FileSummary::calls`) is matched with the helper it reaches, in its own file (a `let`) or in
//! the table of helpers the files define (`Helpers`), and the helper's writes are added to the
//! caller's config tree with the call's literal arguments in their holes. The names land at the
//! call site: an argument's string where it fills a name, the function otherwise. Everything
//! then resolves as the file's own configuration would.
//!
//! Why here and not in the extractor: a summary depends on its own file's text only, so that a
//! keystroke re-reads one file. Helper and call are kept as data by their files; the reduction
//! is redone whenever the calling file enters the graph, which the graph makes happen when a
//! helper it calls changes (`Graph::apply`, `Structure::callers`). The reduction's nodes follow
//! the summary's own and are taken out before the file is read again (`strip`).
//!
//! What cannot be reduced says less, never more: a name that needs an argument that is not a
//! literal, a call of the wrong number of arguments, or a helper whose body is not readable make
//! the places the helper writes opaque (its paths up to the first name canopy cannot know); a
//! call the module consists of that reaches no helper the workspace defines makes everything
//! opaque, as that module may define anything.

use rustc_hash::FxHashMap;
use smol_str::SmolStr;

use super::paths::relative_path;
use crate::base::FileId;
use crate::base::text::TextRange;
use crate::summary::{
    ArgRef, Callee, ConfigNode, FileSummary, HelperArg, HelperCall, HelperDef, HelperName, KeyPart, Name, NameOrigin,
    NodeId, Opaque, OpaqueReason,
};

/// How other files reach a helper.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum HelperKey {
    /// The file at this workspace path, or one of its attributes.
    File(String, Option<SmolStr>),
    ModuleArg(SmolStr),
    Option(Vec<SmolStr>),
}

/// The helpers the workspace's files define, by key, with the files that define each.
pub(crate) type Helpers = FxHashMap<HelperKey, Vec<(FileId, HelperDef)>>;

/// The key of a helper defined in the file at `path`; `None` for a `let`, which only its file sees.
pub(crate) fn def_key(path: &str, def: &HelperDef) -> Option<HelperKey> {
    Some(match &def.name {
        HelperName::File => HelperKey::File(path.to_string(), None),
        HelperName::Attr(attr) => HelperKey::File(path.to_string(), Some(attr.clone())),
        HelperName::ModuleArg(name) => HelperKey::ModuleArg(name.clone()),
        HelperName::Option(option) => HelperKey::Option(option.clone()),
        HelperName::Local(_) => return None,
    })
}

/// The keys a call in the file at `path` may reach: a path literal names a file or its folder's
/// `default.nix`, as Nix reads it.
pub(crate) fn call_keys(path: &str, callee: &Callee) -> Vec<HelperKey> {
    match callee {
        Callee::File { path: literal, attr } => match relative_path(path, literal) {
            Some(target) => vec![
                HelperKey::File(format!("{target}/default.nix"), attr.clone()),
                HelperKey::File(target, attr.clone()),
            ],
            None => Vec::new(),
        },
        Callee::ModuleArg(name) => vec![HelperKey::ModuleArg(name.clone())],
        Callee::Option(option) => vec![HelperKey::Option(option.clone())],
        Callee::Local(_) | Callee::Unknown => Vec::new(),
    }
}

/// Takes the previous reduction out of a summary, leaving what its file's text made.
pub(crate) fn strip(summary: &mut FileSummary) {
    let reduction = std::mem::take(&mut summary.reduction);
    if let Some(first) = reduction.first_node {
        summary.nodes.truncate(first as usize);
        summary.opaque.retain(|(n, _)| n.0 < first);
        summary.module_classes.retain(|(n, _)| n.0 < first);
    }
    if !reduction.cleared.is_empty() {
        summary.opaque.extend(reduction.cleared);
        summary.opaque.sort_by_key(|(n, _)| *n);
    }
}

/// Reduces the calls of the file at `path` against `helpers` (see the module's comment). The
/// summary must be stripped of any earlier reduction.
pub(crate) fn reduce(summary: &mut FileSummary, path: &str, helpers: &Helpers) {
    if summary.calls.is_empty() {
        return;
    }
    let locals: FxHashMap<TextRange, &HelperDef> = summary
        .helpers
        .iter()
        .filter_map(|h| match h.name {
            HelperName::Local(range) => Some((range, h)),
            _ => None,
        })
        .collect();
    let calls = std::mem::take(&mut summary.calls);
    let mut added = Added { first: summary.nodes.len() as u32, nodes: Vec::new(), opaque: Vec::new() };
    let mut reduced: FxHashMap<NodeId, TextRange> = FxHashMap::default();
    let mut opaque_all = false;
    for call in &calls {
        let def = match &call.callee {
            Callee::Local(range) => locals.get(range).copied(),
            callee => the_helper(helpers, &call_keys(path, callee)),
        };
        let Some(def) = def else {
            // A node's value is opaque already; a module made of the call may be anything.
            opaque_all |= call.at.is_none();
            continue;
        };
        let (read, opaque_root) = added.instantiate(def, call);
        opaque_all |= opaque_root;
        if let (true, Some(at)) = (read, call.at) {
            reduced.insert(at, call.range);
        }
    }
    summary.calls = calls;
    let first = added.first;
    // The extractor's mark on a call it could not read, now read.
    let mut cleared_marks = Vec::new();
    if !reduced.is_empty() {
        summary.opaque.retain(|mark| {
            let keep = reduced.get(&mark.0) != Some(&mark.1.range);
            if !keep {
                cleared_marks.push(*mark);
            }
            keep
        });
    }
    if !added.nodes.is_empty() {
        summary.nodes.extend(added.nodes);
        added.opaque.sort_by_key(|(n, _)| *n);
        added.opaque.dedup_by_key(|(n, _)| *n);
        summary.opaque.extend(added.opaque);
    }
    summary.reduction.first_node = Some(first).filter(|f| (*f as usize) < summary.nodes.len());
    summary.reduction.cleared = cleared_marks;
    summary.reduction.opaque_all = opaque_all;
}

/// What `reduce` reads of `helpers` for the calls of the file at `path`: each key its calls
/// name, with the definitions found there. Equal answers at two moments mean the same reduction
/// (`Graph::resolve_ahead`).
pub(crate) fn used(summary: &FileSummary, path: &str, helpers: &Helpers) -> Vec<(HelperKey, Vec<(FileId, HelperDef)>)> {
    let keys = summary.calls.iter().flat_map(|call| call_keys(path, &call.callee));
    keys.map(|key| {
        let defs = helpers.get(&key).cloned().unwrap_or_default();
        (key, defs)
    })
    .collect()
}

/// The one helper some key names; several different ones are as good as none.
fn the_helper<'h>(helpers: &'h Helpers, keys: &[HelperKey]) -> Option<&'h HelperDef> {
    let defs = keys.iter().find_map(|k| helpers.get(k).filter(|d| !d.is_empty()))?;
    let (_, first) = defs.first()?;
    defs.iter().all(|(_, d)| d == first).then_some(first)
}

/// Nodes a reduction adds, numbered from `first`.
struct Added {
    first: u32,
    nodes: Vec<ConfigNode>,
    opaque: Vec<(NodeId, Opaque)>,
}

impl Added {
    /// Adds `def`'s writes below the call's node. Whether the call's node is read now, and whether
    /// the module itself may hold anything.
    fn instantiate(&mut self, def: &HelperDef, call: &HelperCall) -> (bool, bool) {
        // Called with too few or too many arguments, the result is no attrset of these writes.
        if call.args.len() != usize::from(def.arity) {
            return (false, call.at.is_none());
        }
        // Writes that share a start share its nodes, within this call.
        let mut children: FxHashMap<(Option<NodeId>, SmolStr), NodeId> = FxHashMap::default();
        let (mut at_opaque, mut opaque_root) = (false, false);
        for write in &def.writes {
            let mut parent = call.at;
            let mut known = true;
            for key in &write.path {
                let name = match fill(key, &call.args, call.function) {
                    Some(name) => name,
                    None => {
                        known = false;
                        break;
                    }
                };
                let next = NodeId(self.first + self.nodes.len() as u32);
                let id = *children.entry((parent, name.text.clone())).or_insert(next);
                if id == next {
                    self.nodes.push(ConfigNode { parent, name, binding: call.range });
                }
                parent = Some(id);
            }
            if !known || write.opaque {
                match parent {
                    // The call's own node keeps the extractor's mark.
                    Some(node) if Some(node) == call.at => at_opaque = true,
                    Some(node) => self.opaque.push((node, Opaque { range: call.range, reason: OpaqueReason::Call })),
                    None => opaque_root = true,
                }
            }
        }
        (!at_opaque, opaque_root)
    }
}

/// A name the helper writes, its holes filled with the call's arguments: `None` when one is not a
/// literal string.
fn fill(key: &[KeyPart], args: &[HelperArg], function: TextRange) -> Option<Name> {
    if let [KeyPart::Arg(arg)] = key {
        return argument(args, arg).cloned();
    }
    let mut text = String::new();
    let mut range = None;
    for part in key {
        match part {
            KeyPart::Text(t) => text.push_str(t),
            KeyPart::Arg(arg) => {
                let name = argument(args, arg)?;
                text.push_str(&name.text);
                range.get_or_insert(name.range);
            }
        }
    }
    Some(Name { text: SmolStr::new(text), range: range.unwrap_or(function), origin: NameOrigin::Implicit })
}

fn argument<'a>(args: &'a [HelperArg], arg: &ArgRef) -> Option<&'a Name> {
    let value = args.get(usize::from(arg.index))?;
    let value = match &arg.field {
        None => value,
        Some(field) => match value {
            HelperArg::Set(fields) => &fields.iter().find(|(name, _)| name == field)?.1,
            _ => return None,
        },
    };
    match value {
        HelperArg::Str(name) => Some(name),
        _ => None,
    }
}
