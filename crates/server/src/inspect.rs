//! `canopy/inspectFile`: what the server holds for one file, for tests and for debugging a client.
//!
//! Incremental sync can drift without anything showing until a diagnostic lands in the wrong
//! place; this request shows the server's copy of a document (text and version), the diagnostics
//! it would publish, and the file's part of the aspect graph, so that a test (or a user chasing a
//! bug) can compare it with the editor's buffer. Like rust-analyzer's `viewFileText`, it is not
//! part of LSP and no editor needs it. Nothing here knows Nix: it lists what the analysis answers.

use std::sync::Arc;

use canopy_analysis::FileId;
use serde::{Deserialize, Serialize};
use tower_lsp::jsonrpc::Result;
use tower_lsp::lsp_types::{Diagnostic, Range, TextDocumentIdentifier};

use crate::config::Config;
use crate::conv::{self, Snap};
use crate::handlers;
use crate::state::State;

pub const METHOD: &str = "canopy/inspectFile";

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InspectParams {
    pub text_document: TextDocumentIdentifier,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Inspection {
    /// The file's path in its workspace (its file name for a document analysed alone).
    pub path: String,
    /// Whether the file belongs to a workspace folder (else it is analysed alone).
    pub in_folder: bool,
    /// The version of the open document whose text the analysis holds; `null` for disk texts.
    pub version: Option<i32>,
    pub text: String,
    /// How the workspace treats the file (`TopLevel`, `Ignored`, `Flake`, `Outside`).
    pub role: String,
    /// What the server publishes for the file with the current settings.
    pub diagnostics: Vec<Diagnostic>,
    /// Aspects defined here: each name as Nix source, at each place it is written.
    pub definitions: Vec<Named>,
    /// Static references to aspects from here.
    pub references: Vec<Named>,
    /// Hosts defined here.
    pub hosts: Vec<Named>,
}

#[derive(Debug, Serialize)]
pub struct Named {
    pub name: String,
    pub range: Range,
}

/// `null` when the server holds no such file.
pub async fn inspect_file(state: &Arc<State>, params: InspectParams) -> Result<Option<Inspection>> {
    let config = state.config();
    handlers::with_file(state, "canopy/inspectFile", &params.text_document.uri, move |snap, file| {
        inspect(snap, file, &config)
    })
    .await
}

fn inspect(snap: &Snap<'_>, file: FileId, config: &Config) -> Inspection {
    let analysis = snap.analysis;
    let mut definitions = Vec::new();
    let mut references = Vec::new();
    for aspect in analysis.aspects() {
        let name = aspect.key.to_string();
        let here = |sites: &[canopy_analysis::Site], out: &mut Vec<Named>| {
            for site in sites.iter().filter(|s| s.file == file) {
                out.push(Named { name: name.clone(), range: snap.range(file, site.range) });
            }
        };
        here(&aspect.definitions, &mut definitions);
        here(&aspect.references, &mut references);
    }
    let mut hosts = Vec::new();
    for host in analysis.hosts() {
        let class = host.key.class.as_deref().map(|c| format!("{c}.")).unwrap_or_default();
        let name = format!("{}.{class}{}", host.key.kind, host.key.name);
        for site in host.definitions.iter().filter(|s| s.file == file) {
            hosts.push(Named { name: name.clone(), range: snap.range(file, site.range) });
        }
    }
    for list in [&mut definitions, &mut references, &mut hosts] {
        list.sort_by(|a, b| (key(&a.range), &a.name).cmp(&(key(&b.range), &b.name)));
    }
    Inspection {
        path: analysis.path(file).to_owned(),
        in_folder: snap.space.root().is_some(),
        version: snap.version(file),
        text: analysis.text(file).to_owned(),
        role: format!("{:?}", analysis.role(file)),
        diagnostics: conv::diagnostics(snap.space, analysis, file, snap.version(file).is_some(), config, snap.enc),
        definitions,
        references,
        hosts,
    }
}

fn key(range: &Range) -> (u32, u32, u32, u32) {
    (range.start.line, range.start.character, range.end.line, range.end.character)
}
