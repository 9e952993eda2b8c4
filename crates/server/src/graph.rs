//! `canopy/graph`: the aspect graph of the workspace a document belongs to, as `canopy graph
//! --format json` gives it, with definitions as LSP locations, for any client to draw (the VS
//! Code view, a Neovim command). The format is documented in `docs/server.md`.
//!
//! A `position` centres it on the aspect or host there, when no `host` or `aspect` is given.

use std::sync::Arc;

use canopy_analysis::{FilePosition, GraphQuery, Symbol};
use serde::{Deserialize, Serialize};
use tower_lsp::jsonrpc::{Error, Result};
use tower_lsp::lsp_types::{Location, Position, TextDocumentIdentifier};

use crate::conv::Snap;
use crate::handlers::{Reads, with_file_reading};
use crate::state::State;

pub const METHOD: &str = "canopy/graph";

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GraphParams {
    pub text_document: TextDocumentIdentifier,
    pub position: Option<Position>,
    pub host: Option<String>,
    pub aspect: Option<String>,
    pub class: Option<String>,
    pub depth: Option<usize>,
}

#[derive(Debug, Serialize)]
pub struct GraphResult {
    pub nodes: Vec<NodeOut>,
    pub edges: Vec<EdgeOut>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grouped: Option<usize>,
    /// The host or aspect it is centred on, when a position named one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub focus: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct NodeOut {
    pub id: String,
    pub kind: &'static str,
    pub name: String,
    pub container: String,
    pub classes: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mark: Option<&'static str>,
    pub definitions: Vec<Location>,
    pub layer: u32,
    pub row: u32,
}

#[derive(Debug, Serialize)]
pub struct EdgeOut {
    pub from: String,
    pub to: String,
    pub kind: &'static str,
}

pub async fn graph(state: &Arc<State>, params: GraphParams) -> Result<Option<GraphResult>> {
    let uri = params.text_document.uri.clone();
    let answer =
        with_file_reading(state, METHOD, &uri, Reads::Space, move |snap, file| draw(snap, file, params)).await?;
    match answer {
        Some(Err(message)) => Err(Error::invalid_params(message)),
        Some(Ok(result)) => Ok(Some(result)),
        None => Ok(None),
    }
}

fn draw(
    snap: &Snap<'_>,
    file: canopy_analysis::FileId,
    params: GraphParams,
) -> std::result::Result<GraphResult, String> {
    let analysis = snap.analysis;
    let mut query = GraphQuery {
        host: params.host,
        aspect: params.aspect,
        class: params.class,
        depth: params.depth,
        group_above: None,
    };
    let mut focus = None;
    if query.host.is_none()
        && query.aspect.is_none()
        && let Some(position) = params.position
    {
        let offset = snap.offset(file, position);
        match analysis.symbol_at(FilePosition { file, offset }) {
            Some(Symbol::Aspect { key, .. }) => {
                focus = Some(key.name.to_string());
                query.aspect = Some(key.name.to_string());
            }
            Some(Symbol::Host { key, .. }) => {
                focus = Some(key.name.to_string());
                query.host = Some(key.name.to_string());
            }
            _ => {}
        }
    }
    let graph = analysis.aspect_graph(&query.grouped_unless_focused())?;
    let ids: Vec<String> = graph.nodes.iter().map(|n| n.id.clone()).collect();
    let nodes = graph
        .nodes
        .into_iter()
        .map(|n| NodeOut {
            kind: n.kind(),
            id: n.id,
            name: n.name,
            container: n.container,
            classes: n.classes,
            mark: n.mark.name(),
            definitions: n.definitions.iter().filter_map(|site| snap.location(site.file, site.range)).collect(),
            layer: n.layer,
            row: n.row,
        })
        .collect();
    let edges = graph
        .edges
        .iter()
        .map(|e| EdgeOut { from: ids[e.from].clone(), to: ids[e.to].clone(), kind: e.kind.as_str() })
        .collect();
    Ok(GraphResult { nodes, edges, grouped: graph.grouped, focus })
}
