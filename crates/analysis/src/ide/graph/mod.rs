//! The aspect graph as a picture's data: hosts and aspects as nodes, what imports or includes
//! what as edges, each node marked where something is wrong with it, and laid out in layers
//! (`layout.rs`) so that every picture of it (`canopy graph`, the editors' views) draws the same.
//!
//! A query narrows it: the closure one host gets, the neighbourhood of one aspect, one class,
//! a depth around the focus. Built from the roster (`Graph::aspects`, `Graph::hosts`), so it
//! costs what the roster costs, plus the layout's few passes over the edges.

mod layout;

use std::collections::VecDeque;

use rustc_hash::FxHashMap;

use super::call_hierarchy::GraphNode;
use crate::base::{Scope, Site};
use crate::checks::cx::container;
use crate::graph::queries::{AspectInfo, HostInfo};
use crate::graph::store::Graph;
use crate::syntax::render_attr_name;

/// What part of the graph to draw.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GraphQuery {
    /// The hosts of this name and every aspect they get, through any number of includes.
    pub host: Option<String>,
    /// The aspects of this name, what they include and what imports or includes them.
    pub aspect: Option<String>,
    /// Only aspects that contribute to this class, and hosts of it.
    pub class: Option<String>,
    /// How many edges away from the focus (`host` or `aspect`) a node may be.
    pub depth: Option<usize>,
    /// Above this many nodes, one node per folder stands for the aspects defined there, and one
    /// for the hosts: a picture of thousands of nodes is no use to anyone.
    pub group_above: Option<usize>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AspectGraph {
    /// Hosts first, then aspects, each sorted by key.
    pub nodes: Vec<Node>,
    /// Sorted by ends.
    pub edges: Vec<Edge>,
    /// The nodes are folders of aspects (`GraphQuery::group_above`): how many nodes there were.
    pub grouped: Option<usize>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub node: GraphNode,
    /// Stable and unique: `host:configurations.nixos.gouda`, `aspect:flake.modules.nixos.ssh`.
    pub id: String,
    pub name: String,
    /// Where it is stored or declared: `flake.modules.nixos`, `configurations.nixos`.
    pub container: String,
    /// The classes it contributes to (a host: its own, when known).
    pub classes: Vec<String>,
    /// Where it is defined, in path order; none for an undefined aspect. A folder's node: the
    /// first definition of each of its aspects.
    pub definitions: Vec<Site>,
    /// How many aspects or hosts a grouped node stands for; 1 otherwise.
    pub members: usize,
    /// It stands for a folder of aspects (or the hosts), not for one.
    pub group: bool,
    pub mark: Mark,
    /// Its place in the layered layout: `layer` from the left, `row` from the top.
    pub layer: u32,
    pub row: u32,
}

/// What is wrong with a node, as far as canopy can tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Mark {
    None,
    /// Referenced, defined nowhere.
    Undefined,
    /// Referenced, defined nowhere canopy can see, in a collection partly built at evaluation
    /// time: it may exist.
    Opaque,
    /// Defined, reached by nothing (the `unused-aspect` rule).
    Unused,
}

impl Node {
    /// `host`, `aspect`, or `group` for a folder of aspects.
    pub fn kind(&self) -> &'static str {
        match &self.node {
            _ if self.group => "group",
            GraphNode::Host(_) => "host",
            GraphNode::Aspect(_) => "aspect",
        }
    }
}

impl Mark {
    /// The mark's name, `None` when nothing is wrong.
    pub fn name(self) -> Option<&'static str> {
        Some(self.as_str()).filter(|name| !name.is_empty())
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Mark::None => "",
            Mark::Undefined => "undefined",
            Mark::Opaque => "opaque",
            Mark::Unused => "unused",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Edge {
    /// Indices into `nodes`: the importer, then the imported.
    pub from: usize,
    pub to: usize,
    pub kind: EdgeKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum EdgeKind {
    /// A host imports an aspect.
    Imports,
    /// An aspect imports or includes another.
    Includes,
}

impl EdgeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EdgeKind::Imports => "imports",
            EdgeKind::Includes => "includes",
        }
    }
}

impl GraphQuery {
    /// Above this many nodes a picture with no focus groups them (`group_above`).
    pub const GROUP_ABOVE: usize = 1500;

    /// With no host or aspect to centre on, a graph of more than `GROUP_ABOVE` nodes comes as
    /// folders of aspects: what `canopy graph` and `canopy/graph` draw.
    pub fn grouped_unless_focused(mut self) -> GraphQuery {
        if self.host.is_none() && self.aspect.is_none() {
            self.group_above = Some(GraphQuery::GROUP_ABOVE);
        }
        self
    }
}

/// The graph `query` asks for; an error names a focus that matches nothing.
pub(crate) fn aspect_graph(graph: &Graph, query: &GraphQuery) -> Result<AspectGraph, String> {
    let view = graph.view();
    let hosts = graph.hosts();
    let aspects = graph.aspects();
    let mut nodes: Vec<Node> = Vec::with_capacity(hosts.len() + aspects.len());
    let mut index: FxHashMap<GraphNode, usize> = FxHashMap::default();
    for host in &hosts {
        let key = &host.key;
        // `flake.nixosConfigurations` names its class already; `configurations.<class>` does not.
        let container = match &key.class {
            Some(class) if !key.kind.ends_with("Configurations") => format!("{}.{}", key.kind, render_attr_name(class)),
            _ => key.kind.to_string(),
        };
        let node = GraphNode::Host(key.clone());
        index.insert(node.clone(), nodes.len());
        nodes.push(Node {
            id: format!("host:{container}.{}", render_attr_name(&key.name)),
            name: key.name.to_string(),
            container,
            classes: key.class.iter().map(ToString::to_string).collect(),
            definitions: host.definitions.clone(),
            members: 1,
            group: false,
            mark: Mark::None,
            node,
            layer: 0,
            row: 0,
        });
    }
    for aspect in &aspects {
        let key = &aspect.key;
        let container = container(key);
        let mark = if !aspect.definitions.is_empty() {
            if crate::checks::unused_aspect::used(&view, key) { Mark::None } else { Mark::Unused }
        } else if view.is_opaque(&Scope { collection: key.collection.clone(), class: key.class.clone() }) {
            Mark::Opaque
        } else {
            Mark::Undefined
        };
        let node = GraphNode::Aspect(key.clone());
        index.insert(node.clone(), nodes.len());
        nodes.push(Node {
            id: format!("aspect:{container}.{}", render_attr_name(&key.name)),
            name: key.name.to_string(),
            container,
            // An undefined aspect of a class-first collection has the class it is stored under.
            classes: match (aspect.classes.is_empty(), &key.class) {
                (true, Some(class)) => vec![class.to_string()],
                _ => aspect.classes.iter().map(ToString::to_string).collect(),
            },
            definitions: aspect.definitions.clone(),
            members: 1,
            group: false,
            mark,
            node,
            layer: 0,
            row: 0,
        });
    }
    let edges = edges(&hosts, &aspects, &index);
    let keep = select(&nodes, &edges, query)?;
    let mut picture = restrict(nodes, edges, &keep);
    if let Some(most) = query.group_above
        && picture.nodes.len() > most
    {
        picture = by_folder(graph, picture);
    }
    let places = layout::place(picture.nodes.len(), picture.edges.iter().map(|e| (e.from, e.to)));
    for (node, (layer, row)) in picture.nodes.iter_mut().zip(places) {
        node.layer = layer;
        node.row = row;
    }
    Ok(picture)
}

/// One node per folder of aspects (where each is first defined; `(undefined)` for those
/// defined nowhere), one for the hosts, and an edge wherever a member of one imports a member
/// of another.
fn by_folder(graph: &Graph, picture: AspectGraph) -> AspectGraph {
    let before = picture.nodes.len();
    let mut groups: Vec<Node> = Vec::new();
    let mut group_of: FxHashMap<String, usize> = FxHashMap::default();
    let mut member_group = Vec::with_capacity(before);
    for node in picture.nodes {
        let folder = match (&node.node, node.definitions.first()) {
            (GraphNode::Host(_), _) => "hosts".to_owned(),
            (GraphNode::Aspect(_), Some(site)) => {
                let path = graph.path(site.file);
                path.rfind('/').map_or("./", |slash| &path[..=slash]).to_owned()
            }
            (GraphNode::Aspect(_), None) => "(undefined)".to_owned(),
        };
        let at = *group_of.entry(folder.clone()).or_insert_with(|| {
            groups.push(Node {
                id: format!("group:{folder}"),
                name: folder.clone(),
                container: String::new(),
                classes: Vec::new(),
                definitions: Vec::new(),
                members: 0,
                group: true,
                mark: Mark::None,
                node: node.node.clone(),
                layer: 0,
                row: 0,
            });
            groups.len() - 1
        });
        let group = &mut groups[at];
        group.members += 1;
        group.definitions.extend(node.definitions.first().copied());
        for class in node.classes {
            if !group.classes.contains(&class) {
                group.classes.push(class);
            }
        }
        member_group.push(at);
    }
    for group in &mut groups {
        group.container = format!("{} nodes", group.members);
        group.classes.sort();
    }
    let mut edges: Vec<Edge> = picture
        .edges
        .into_iter()
        .map(|e| Edge { from: member_group[e.from], to: member_group[e.to], kind: e.kind })
        .filter(|e| e.from != e.to)
        .collect();
    edges.sort();
    edges.dedup();
    AspectGraph { nodes: groups, edges, grouped: Some(before) }
}

/// Hosts' imports and aspects' includes, between nodes numbered by `index`.
fn edges(hosts: &[HostInfo], aspects: &[AspectInfo], index: &FxHashMap<GraphNode, usize>) -> Vec<Edge> {
    let mut edges = Vec::new();
    let mut add = |from: GraphNode, to: GraphNode, kind| {
        if let (Some(&from), Some(&to)) = (index.get(&from), index.get(&to)) {
            edges.push(Edge { from, to, kind });
        }
    };
    for host in hosts {
        for aspect in &host.aspects {
            add(GraphNode::Host(host.key.clone()), GraphNode::Aspect(aspect.clone()), EdgeKind::Imports);
        }
    }
    for aspect in aspects {
        for included in &aspect.includes {
            add(GraphNode::Aspect(aspect.key.clone()), GraphNode::Aspect(included.clone()), EdgeKind::Includes);
        }
    }
    edges
}

/// Which nodes the query keeps.
fn select(nodes: &[Node], edges: &[Edge], query: &GraphQuery) -> Result<Vec<bool>, String> {
    let of_class = |n: &Node| query.class.as_ref().is_none_or(|c| n.classes.iter().any(|own| own == c));
    let focus: Option<(Vec<usize>, bool)> = match (&query.host, &query.aspect) {
        (Some(name), _) => {
            let hosts: Vec<usize> = (0..nodes.len())
                .filter(|&i| matches!(nodes[i].node, GraphNode::Host(_)) && nodes[i].name == *name)
                .collect();
            if hosts.is_empty() {
                return Err(format!("no host named `{name}`"));
            }
            Some((hosts, false))
        }
        (None, Some(name)) => {
            let found: Vec<usize> = (0..nodes.len())
                .filter(|&i| matches!(nodes[i].node, GraphNode::Aspect(_)) && nodes[i].name == *name)
                .collect();
            if found.is_empty() {
                return Err(format!("no aspect named `{name}`"));
            }
            Some((found, true))
        }
        (None, None) => None,
    };
    let Some((start, both_ways)) = focus else {
        return Ok(nodes.iter().map(of_class).collect());
    };
    // Breadth first from the focus along edges (what it gets), and around an aspect also against
    // them (what gets it), within the class and the depth.
    let mut out: Vec<Vec<usize>> = vec![Vec::new(); nodes.len()];
    let mut back: Vec<Vec<usize>> = vec![Vec::new(); nodes.len()];
    for e in edges {
        out[e.from].push(e.to);
        back[e.to].push(e.from);
    }
    let limit = query.depth.unwrap_or(usize::MAX);
    let mut keep = reach(&out, &start, limit, |j| of_class(&nodes[j]));
    if both_ways {
        for (kept, up) in keep.iter_mut().zip(reach(&back, &start, limit, |j| of_class(&nodes[j]))) {
            *kept |= up;
        }
    }
    Ok(keep)
}

/// The nodes within `limit` steps of `start` along `next`, through nodes `admit` allows.
fn reach(next: &[Vec<usize>], start: &[usize], limit: usize, admit: impl Fn(usize) -> bool) -> Vec<bool> {
    let mut distance: Vec<Option<usize>> = vec![None; next.len()];
    let mut queue = VecDeque::new();
    for &i in start {
        distance[i] = Some(0);
        queue.push_back(i);
    }
    while let Some(i) = queue.pop_front() {
        let d = distance[i].unwrap_or(0);
        if d >= limit {
            continue;
        }
        for &j in &next[i] {
            if distance[j].is_none() && admit(j) {
                distance[j] = Some(d + 1);
                queue.push_back(j);
            }
        }
    }
    distance.iter().map(Option::is_some).collect()
}

/// The nodes `keep` says, and the edges between them, renumbered.
fn restrict(nodes: Vec<Node>, edges: Vec<Edge>, keep: &[bool]) -> AspectGraph {
    let mut new_index = vec![usize::MAX; nodes.len()];
    let mut kept = Vec::new();
    for (i, node) in nodes.into_iter().enumerate() {
        if keep[i] {
            new_index[i] = kept.len();
            kept.push(node);
        }
    }
    let mut edges: Vec<Edge> = edges
        .into_iter()
        .filter(|e| keep[e.from] && keep[e.to])
        .map(|e| Edge { from: new_index[e.from], to: new_index[e.to], kind: e.kind })
        .collect();
    edges.sort();
    edges.dedup();
    AspectGraph { nodes: kept, edges, grouped: None }
}

#[cfg(test)]
mod tests;
