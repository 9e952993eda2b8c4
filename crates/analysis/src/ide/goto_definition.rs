//! Go to definition: from any reference to an aspect to every site that defines it; from a
//! definition site to the aspect's other sites; from a local name to its binding; from a path
//! literal to its file.

use super::symbol_at::{Symbol, symbol_at};
use super::{FilePosition, Navigation, NavigationTarget};
use crate::base::text::{TextRange, TextSize};
use crate::base::{AspectKey, HostKey, Site};
use crate::graph::resolve::Resolved;
use crate::graph::store::Graph;
use crate::summary::NodeId;

pub(crate) fn goto_definition(ws: &Graph, pos: FilePosition) -> Option<Navigation> {
    let symbol = symbol_at(ws, pos)?;
    let origin = symbol.range();
    let targets = match symbol {
        Symbol::Aspect { key, range, definition } => {
            let mut targets = aspect_targets(ws, &key);
            if definition && targets.len() > 1 {
                targets.retain(|t| !(t.file == pos.file && t.focus_range == range));
            }
            targets
        }
        Symbol::Host { key, .. } => host_targets(ws, &key),
        Symbol::Local { binding, .. } => {
            vec![NavigationTarget { file: pos.file, full_range: binding, focus_range: binding }]
        }
        Symbol::Path { target, .. } => {
            let start = TextRange::empty(TextSize::from(0));
            vec![NavigationTarget { file: target, full_range: start, focus_range: start }]
        }
        Symbol::Class { .. } => return None,
    };
    (!targets.is_empty()).then_some(Navigation { origin, targets })
}

/// Every definition site of an aspect, the whole binding as the full range.
pub(crate) fn aspect_targets(ws: &Graph, key: &AspectKey) -> Vec<NavigationTarget> {
    let sites = ws.defining_keys(key).iter().flat_map(|k| ws.definitions(k)).collect::<Vec<_>>();
    with_bindings(ws, sites, |resolved, range| {
        resolved.definitions.iter().find(|d| d.name.range == range).map(|d| d.node)
    })
}

pub(crate) fn host_targets(ws: &Graph, key: &HostKey) -> Vec<NavigationTarget> {
    let sites = ws.host_definitions(key);
    with_bindings(ws, sites, |resolved, range| resolved.hosts.iter().find(|h| h.name.range == range).map(|h| h.node))
}

/// Targets for name sites, each widened to the binding of the config node `node_of` finds for it.
fn with_bindings(
    ws: &Graph,
    sites: Vec<Site>,
    node_of: impl Fn(&Resolved, TextRange) -> Option<NodeId>,
) -> Vec<NavigationTarget> {
    sites
        .into_iter()
        .map(|site| {
            let data = ws.data(site.file);
            let full_range = node_of(&data.resolved, site.range).map_or(site.range, |n| data.summary.node(n).binding);
            NavigationTarget { file: site.file, full_range, focus_range: site.range }
        })
        .collect()
}
