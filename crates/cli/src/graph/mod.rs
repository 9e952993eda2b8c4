//! `canopy graph`: the aspect graph as a picture, in one of four formats.
//!
//! The analysis chooses and lays out the nodes (`Analysis::aspect_graph`); this module turns its
//! answer into plain data with paths relative to the root (`Picture`), which each format draws.

mod dot;
mod html;
mod json;
mod mermaid;

use std::path::Path;
use std::process::ExitCode;

use canopy_analysis::{Analysis, AspectGraph, GraphQuery};
use serde::Serialize;

use crate::GraphFormat;
use crate::analyse::analyse;
use crate::error::CliError;
use crate::load::Root;
use crate::location::{Location, Sources};
use crate::output;
use crate::progress::{Progress, Reporter};

/// The graph of every flake of the root, as the formats draw it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Picture {
    pub nodes: Vec<PictureNode>,
    pub edges: Vec<PictureEdge>,
    /// How many nodes the groups stand for, when the nodes are folders of aspects.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grouped: Option<usize>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PictureNode {
    /// Unique in the picture: the analysis's id, after the flake's folder for a flake below the root.
    pub id: String,
    /// `host`, `aspect` or `group`.
    pub kind: &'static str,
    pub name: String,
    pub container: String,
    pub classes: Vec<String>,
    /// `undefined`, `opaque`, `unused`, or nothing.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mark: Option<&'static str>,
    pub definitions: Vec<Location>,
    /// The flake's folder relative to the root, ending in `/`; empty for the root's own.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub flake: String,
    pub layer: u32,
    pub row: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PictureEdge {
    pub from: String,
    pub to: String,
    /// `imports` (a host) or `includes` (an aspect).
    pub kind: &'static str,
}

pub fn run(path: &Path, format: GraphFormat, query: GraphQuery) -> Result<ExitCode, CliError> {
    let root = Root::open(path)?;
    let query = query.grouped_unless_focused();
    let progress = Progress::new();
    let reporter = Reporter::start(&progress);
    let analysed = analyse(&root, &progress, |analysis, _, _, _| picture(analysis, &query));
    drop(reporter);
    let analysed = analysed?;
    analysed.note_loading(&root.display_prefix);
    let mut whole = Picture { nodes: Vec::new(), edges: Vec::new(), grouped: None };
    let mut missing = None;
    // Each flake is laid out on its own; below the root's, the next flake's layers continue.
    let mut rows_used = 0;
    for flake in analysed.flakes {
        match flake.result {
            Ok(mut part) => {
                let base = rows_used;
                rows_used += part.nodes.iter().map(|n| n.row + 1).max().unwrap_or(0) + 1;
                for node in &mut part.nodes {
                    node.row += base;
                    node.flake.clone_from(&flake.prefix);
                    node.id.insert_str(0, &flake.prefix);
                    for definition in &mut node.definitions {
                        definition.path.insert_str(0, &flake.prefix);
                    }
                }
                for edge in &mut part.edges {
                    edge.from.insert_str(0, &flake.prefix);
                    edge.to.insert_str(0, &flake.prefix);
                }
                whole.grouped = match (whole.grouped, part.grouped) {
                    (Some(a), Some(b)) => Some(a + b),
                    (a, b) => a.or(b),
                };
                whole.nodes.append(&mut part.nodes);
                whole.edges.append(&mut part.edges);
            }
            Err(err) => missing = Some(err),
        }
    }
    if whole.nodes.is_empty()
        && let Some(err) = missing
    {
        return Err(CliError::Config(err));
    }
    if let Some(before) = whole.grouped {
        output::note(&format!(
            "{before} nodes: drawn as one node per folder of aspects; narrow it with --host, --aspect or --class"
        ));
    }
    output::to_stdout(|out| match format {
        GraphFormat::Json => json::write(out, &whole),
        GraphFormat::Mermaid => mermaid::write(out, &whole),
        GraphFormat::Dot => dot::write(out, &whole),
        GraphFormat::Html => html::write(out, &whole),
    })?;
    Ok(ExitCode::SUCCESS)
}

/// One flake's graph, with its sites as locations.
fn picture(analysis: &Analysis, query: &GraphQuery) -> Result<Picture, String> {
    let graph: AspectGraph = analysis.aspect_graph(query)?;
    let ids: Vec<String> = graph.nodes.iter().map(|n| n.id.clone()).collect();
    let nodes = graph
        .nodes
        .into_iter()
        .map(|n| PictureNode {
            kind: n.kind(),
            id: n.id,
            name: n.name,
            container: n.container,
            classes: n.classes,
            mark: n.mark.name(),
            definitions: n.definitions.into_iter().map(|site| analysis.location(site)).collect(),
            flake: String::new(),
            layer: n.layer,
            row: n.row,
        })
        .collect();
    let edges = graph
        .edges
        .iter()
        .map(|e| PictureEdge { from: ids[e.from].clone(), to: ids[e.to].clone(), kind: e.kind.as_str() })
        .collect();
    Ok(Picture { nodes, edges, grouped: graph.grouped })
}

/// A colour for each class, the same in every format: the common ones fixed, the rest from a
/// hash of the name into a palette that stays readable on white and dark backgrounds.
pub fn colour(class: Option<&str>) -> &'static str {
    const PALETTE: [&str; 8] = ["#8e6ccf", "#d08a3b", "#3a9e9e", "#c2577a", "#6f8f3a", "#d0663b", "#b5a13a", "#9a6b55"];
    match class {
        None => "#9aa0a6",
        Some("nixos") => "#4f83cc",
        Some("homeManager") => "#4caf6e",
        Some("darwin") => "#8d8d8d",
        Some("generic") => "#c9a227",
        Some(other) => {
            // FNV-1a: stable across runs and platforms, unlike the standard library's hasher.
            let hash = other.bytes().fold(0x811c_9dc5u32, |h, b| (h ^ u32::from(b)).wrapping_mul(0x0100_0193));
            PALETTE[hash as usize % PALETTE.len()]
        }
    }
}

/// Every class of the picture, sorted: the legend.
pub fn legend(picture: &Picture) -> Vec<&str> {
    let mut classes: Vec<&str> = picture.nodes.iter().flat_map(|n| n.classes.iter().map(String::as_str)).collect();
    classes.sort_unstable();
    classes.dedup();
    classes
}
