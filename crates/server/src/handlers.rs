//! Requests: each converts its parameters, asks the analysis (one `Analysis` method) and converts
//! the answer back. Nothing here knows Nix.
//!
//! Queries run on the blocking pool, under the space's read lock, once the changes they must see
//! are applied: those to their own document, and to other files unless those take longer than a
//! short grace (`pending`); a rename waits for every change to its space. A document the server does not hold (never opened, outside every
//! folder, or gone) gets an empty answer, never an error.

use std::collections::HashMap;
use std::sync::Arc;

use canopy_analysis::FileId;
use canopy_analysis::FilePosition;
use canopy_analysis::GraphNode;
use tower_lsp::jsonrpc::{Error, ErrorCode, Result};
use tower_lsp::lsp_types::{
    CallHierarchyIncomingCall, CallHierarchyIncomingCallsParams, CallHierarchyItem, CallHierarchyOutgoingCall,
    CallHierarchyOutgoingCallsParams, CallHierarchyPrepareParams, CodeLens, CodeLensParams, Command, CompletionItem,
    CompletionParams, CompletionResponse, CompletionTextEdit, DocumentChanges, DocumentHighlight,
    DocumentHighlightParams, DocumentSymbolParams, DocumentSymbolResponse, Documentation, GotoDefinitionParams,
    GotoDefinitionResponse, Hover, HoverContents, HoverParams, Location, LocationLink, MarkupContent, MarkupKind,
    MessageType, OneOf, OptionalVersionedTextDocumentIdentifier, Position, PrepareRenameResponse, ReferenceParams,
    RenameParams, SymbolInformation, TextDocumentEdit, TextDocumentPositionParams, TextEdit, Url, WorkspaceEdit,
    WorkspaceSymbolParams,
};

use crate::conv::{self, Snap};
use crate::state::{Scope, State};
use crate::vfs::DocKey;

/// Most symbols a workspace/symbol answer lists, best matches first. A symbol picker shows a few
/// dozen, and the client asks again as the query grows; rust-analyzer stops at the same number.
/// Every symbol more is converted, serialised and sent on each keystroke in the picker.
const WORKSPACE_SYMBOL_LIMIT: usize = 128;

/// LSP's `RequestFailed`: the request was understood, but cannot be carried out.
const REQUEST_FAILED: i64 = -32803;

fn request_failed(message: String) -> Error {
    Error { code: ErrorCode::ServerError(REQUEST_FAILED), message: message.into(), data: None }
}

fn internal_error(what: &str) -> Error {
    Error {
        code: ErrorCode::InternalError,
        message: format!("canopy failed while answering {what} (a bug; the log has details)").into(),
        data: None,
    }
}

/// What a request reads beside its own document (see `pending`).
#[derive(Clone, Copy)]
pub(crate) enum Reads {
    /// Other files as last applied, after a short grace.
    Document,
    /// Every file of the document's space as the client has it: answers that edit other files.
    Space,
}

/// Runs `f` on the file behind `uri`, on the blocking pool. `Ok(None)` when the server does not
/// hold that file.
pub(crate) async fn with_file<T: Send + 'static>(
    state: &Arc<State>,
    what: &'static str,
    uri: &Url,
    f: impl FnOnce(&Snap<'_>, FileId) -> T + Send + 'static,
) -> Result<Option<T>> {
    with_file_reading(state, what, uri, Reads::Document, f).await
}

pub(crate) async fn with_file_reading<T: Send + 'static>(
    state: &Arc<State>,
    what: &'static str,
    uri: &Url,
    reads: Reads,
    f: impl FnOnce(&Snap<'_>, FileId) -> T + Send + 'static,
) -> Result<Option<T>> {
    let key = DocKey::from_uri(uri);
    let scope = match reads {
        Reads::Document => Scope::Document(&key),
        Reads::Space => Scope::Space(&key),
    };
    state.synced(scope).await;
    let Some((space, path)) = state.space_for(&key) else {
        tracing::debug!("{what}: {uri} is not part of any workspace");
        return Ok(None);
    };
    let enc = state.caps().encoding;
    let task = tokio::task::spawn_blocking(move || {
        let held = space.read();
        let file = held.analysis.file_id(&path)?;
        let snap = Snap::new(&space, &held, enc);
        Some(f(&snap, file))
    });
    task.await.map_err(|_| internal_error(what))
}

/// Like `with_file`, at a position.
async fn at_position<T: Send + 'static>(
    state: &Arc<State>,
    what: &'static str,
    at: TextDocumentPositionParams,
    f: impl FnOnce(&Snap<'_>, FilePosition) -> T + Send + 'static,
) -> Result<Option<T>> {
    at_position_reading(state, what, at, Reads::Document, f).await
}

async fn at_position_reading<T: Send + 'static>(
    state: &Arc<State>,
    what: &'static str,
    at: TextDocumentPositionParams,
    reads: Reads,
    f: impl FnOnce(&Snap<'_>, FilePosition) -> T + Send + 'static,
) -> Result<Option<T>> {
    let position: Position = at.position;
    with_file_reading(state, what, &at.text_document.uri, reads, move |snap, file| {
        let offset = snap.offset(file, position);
        f(snap, FilePosition { file, offset })
    })
    .await
}

pub async fn definition(state: &Arc<State>, params: GotoDefinitionParams) -> Result<Option<GotoDefinitionResponse>> {
    let links = state.caps().definition_links;
    let answer = at_position(state, "definition", params.text_document_position_params, move |snap, pos| {
        let nav = snap.analysis.goto_definition(pos)?;
        let origin = snap.range(pos.file, nav.origin);
        let response = if links {
            let links = nav
                .targets
                .iter()
                .filter_map(|t| {
                    Some(LocationLink {
                        origin_selection_range: Some(origin),
                        target_uri: snap.uri(t.file)?,
                        target_range: snap.range(t.file, t.full_range),
                        target_selection_range: snap.range(t.file, t.focus_range),
                    })
                })
                .collect();
            GotoDefinitionResponse::Link(links)
        } else {
            let locations = nav.targets.iter().filter_map(|t| snap.location(t.file, t.focus_range)).collect();
            GotoDefinitionResponse::Array(locations)
        };
        Some(response)
    })
    .await?;
    Ok(answer.flatten())
}

pub async fn references(state: &Arc<State>, params: ReferenceParams) -> Result<Option<Vec<Location>>> {
    let include_declaration = params.context.include_declaration;
    let answer = at_position(state, "references", params.text_document_position, move |snap, pos| {
        let sites = snap.analysis.references(pos, include_declaration)?;
        Some(sites.into_iter().filter_map(|site| snap.location(site.file, site.range)).collect())
    })
    .await?;
    Ok(answer.flatten())
}

pub async fn document_highlight(
    state: &Arc<State>,
    params: DocumentHighlightParams,
) -> Result<Option<Vec<DocumentHighlight>>> {
    at_position(state, "documentHighlight", params.text_document_position_params, |snap, pos| {
        snap.analysis
            .document_highlight(pos)
            .into_iter()
            .map(|h| DocumentHighlight {
                range: snap.range(pos.file, h.range),
                kind: Some(conv::highlight_kind(h.kind)),
            })
            .collect()
    })
    .await
}

pub async fn hover(state: &Arc<State>, params: HoverParams) -> Result<Option<Hover>> {
    let answer = at_position(state, "hover", params.text_document_position_params, |snap, pos| {
        let hover = snap.analysis.hover(pos)?;
        Some(Hover {
            contents: HoverContents::Markup(MarkupContent { kind: MarkupKind::Markdown, value: hover.markdown }),
            range: Some(snap.range(pos.file, hover.range)),
        })
    })
    .await?;
    Ok(answer.flatten())
}

pub async fn completion(state: &Arc<State>, params: CompletionParams) -> Result<Option<CompletionResponse>> {
    let uri = params.text_document_position.text_document.uri.clone();
    at_position(state, "completion", params.text_document_position, move |snap, pos| {
        let list = snap.analysis.completions(pos);
        let items = list
            .items
            .into_iter()
            .map(|item| {
                // Clients filter on the text the edit replaces, which starts with a quote for a
                // quoted name: filter on what is inserted then.
                let filter_text = (item.insert != item.label).then(|| item.insert.clone());
                CompletionItem {
                    kind: Some(conv::completion_kind(item.kind)),
                    detail: item.detail,
                    filter_text,
                    text_edit: Some(CompletionTextEdit::Edit(TextEdit {
                        range: snap.range(pos.file, item.replace),
                        new_text: item.insert,
                    })),
                    // What `completionItem/resolve` needs to say where the aspect is defined.
                    data: item
                        .aspect
                        .map(|key| serde_json::json!({ "uri": uri, "node": conv::node_data(&GraphNode::Aspect(key)) })),
                    label: item.label,
                    ..CompletionItem::default()
                }
            })
            .collect();
        CompletionResponse::List(tower_lsp::lsp_types::CompletionList { is_incomplete: list.incomplete, items })
    })
    .await
}

pub async fn prepare_rename(
    state: &Arc<State>,
    params: TextDocumentPositionParams,
) -> Result<Option<PrepareRenameResponse>> {
    let answer = at_position(state, "prepareRename", params, |snap, pos| {
        snap.analysis.prepare_rename(pos).map(|(range, placeholder)| PrepareRenameResponse::RangeWithPlaceholder {
            range: snap.range(pos.file, range),
            placeholder,
        })
    })
    .await?;
    match answer {
        None => Ok(None),
        Some(Ok(response)) => Ok(Some(response)),
        Some(Err(message)) => Err(request_failed(message)),
    }
}

pub async fn rename(state: &Arc<State>, params: RenameParams) -> Result<Option<WorkspaceEdit>> {
    let document_changes = state.caps().document_changes;
    let new_name = params.new_name;
    // The edits and versions of every file must be those of the texts the client has: a rename
    // waits for every change to its space submitted before it, however long it takes to apply.
    let at = params.text_document_position;
    let answer = at_position_reading(state, "rename", at, Reads::Space, move |snap, pos| {
        let rename = snap.analysis.rename(pos, &new_name)?;
        let messages = rename.messages();
        let mut files = Vec::new();
        for file_edit in rename.edits {
            let Some(uri) = snap.uri(file_edit.file) else { continue };
            let edits: Vec<TextEdit> = file_edit
                .edits
                .into_iter()
                .map(|e| TextEdit { range: snap.range(file_edit.file, e.range), new_text: e.new_text })
                .collect();
            files.push((uri, snap.version(file_edit.file), edits));
        }
        Ok::<_, String>((files, messages))
    })
    .await?;
    let (files, notes) = match answer {
        None => return Ok(None),
        Some(Err(message)) => return Err(request_failed(message)),
        Some(Ok(answer)) => answer,
    };
    if !notes.is_empty() {
        state.outbox.show(MessageType::INFO, format!("canopy: rename\n{}", notes.join("\n")));
    }
    let edit = if document_changes {
        let edits = files
            .into_iter()
            .map(|(uri, version, edits)| TextDocumentEdit {
                text_document: OptionalVersionedTextDocumentIdentifier { uri, version },
                edits: edits.into_iter().map(OneOf::Left).collect(),
            })
            .collect();
        WorkspaceEdit { document_changes: Some(DocumentChanges::Edits(edits)), ..WorkspaceEdit::default() }
    } else {
        let changes: HashMap<Url, Vec<TextEdit>> = files.into_iter().map(|(uri, _, edits)| (uri, edits)).collect();
        WorkspaceEdit { changes: Some(changes), ..WorkspaceEdit::default() }
    };
    Ok(Some(edit))
}

pub async fn document_symbol(
    state: &Arc<State>,
    params: DocumentSymbolParams,
) -> Result<Option<DocumentSymbolResponse>> {
    let hierarchical = state.caps().hierarchical_symbols;
    let uri = params.text_document.uri;
    with_file(state, "documentSymbol", &uri.clone(), move |snap, file| {
        let symbols: Vec<_> =
            snap.analysis.document_symbols(file).into_iter().map(|s| conv::document_symbol(snap, file, s)).collect();
        if hierarchical {
            DocumentSymbolResponse::Nested(symbols)
        } else {
            let mut flat = Vec::new();
            conv::flat_symbols(&uri, symbols, None, &mut flat);
            DocumentSymbolResponse::Flat(flat)
        }
    })
    .await
}

pub async fn workspace_symbol(
    state: &Arc<State>,
    params: WorkspaceSymbolParams,
) -> Result<Option<Vec<SymbolInformation>>> {
    state.synced(Scope::Workspace).await;
    let spaces = state.spaces();
    let enc = state.caps().encoding;
    let query = params.query;
    let task = tokio::task::spawn_blocking(move || {
        let mut out = Vec::new();
        for space in spaces {
            let held = space.read();
            let snap = Snap::new(&space, &held, enc);
            let left = WORKSPACE_SYMBOL_LIMIT - out.len();
            for symbol in snap.analysis.workspace_symbols(&query, left) {
                let Some(location) = snap.location(symbol.file, symbol.range) else { continue };
                #[allow(deprecated)] // `deprecated` is required by the struct, superseded by `tags`.
                out.push(SymbolInformation {
                    name: symbol.name,
                    kind: conv::symbol_kind(symbol.kind),
                    tags: None,
                    deprecated: None,
                    location,
                    container_name: Some(symbol.container),
                });
            }
            if out.len() >= WORKSPACE_SYMBOL_LIMIT {
                break;
            }
        }
        out
    });
    let symbols = task.await.map_err(|_| internal_error("workspace/symbol"))?;
    Ok(Some(symbols))
}

pub async fn prepare_call_hierarchy(
    state: &Arc<State>,
    params: CallHierarchyPrepareParams,
) -> Result<Option<Vec<CallHierarchyItem>>> {
    let answer = at_position(state, "prepareCallHierarchy", params.text_document_position_params, |snap, pos| {
        let item = snap.analysis.prepare_call_hierarchy(pos)?;
        conv::call_item(snap, item).map(|item| vec![item])
    })
    .await?;
    Ok(answer.flatten())
}

/// The node a follow-up request names: the one in the item's data, else the one found again at
/// the item's name (a client that drops `data`).
fn item_node(snap: &Snap<'_>, file: FileId, item: &CallHierarchyItem) -> Option<GraphNode> {
    item.data.as_ref().and_then(conv::data_node).or_else(|| {
        let offset = snap.offset(file, item.selection_range.start);
        snap.analysis.prepare_call_hierarchy(FilePosition { file, offset }).map(|found| found.node)
    })
}

/// The aspects and hosts that import the item, each with the places in its own file that do.
pub async fn incoming_calls(
    state: &Arc<State>,
    params: CallHierarchyIncomingCallsParams,
) -> Result<Option<Vec<CallHierarchyIncomingCall>>> {
    let item = params.item;
    let uri = item.uri.clone();
    let answer = with_file(state, "callHierarchy/incomingCalls", &uri, move |snap, file| {
        let node = item_node(snap, file, &item)?;
        let calls = snap.analysis.incoming_calls(&node).into_iter().filter_map(|call| {
            let from_ranges = call.from.iter().map(|s| snap.range(s.file, s.range)).collect();
            Some(CallHierarchyIncomingCall { from: conv::call_item(snap, call.item)?, from_ranges })
        });
        Some(calls.collect())
    })
    .await?;
    Ok(answer.flatten())
}

/// What the item imports. The protocol places `fromRanges` in the item's own document: an aspect
/// defined in several files lists what each imports, with the ranges of the item's file only.
pub async fn outgoing_calls(
    state: &Arc<State>,
    params: CallHierarchyOutgoingCallsParams,
) -> Result<Option<Vec<CallHierarchyOutgoingCall>>> {
    let item = params.item;
    let uri = item.uri.clone();
    let answer = with_file(state, "callHierarchy/outgoingCalls", &uri, move |snap, file| {
        let node = item_node(snap, file, &item)?;
        let calls = snap.analysis.outgoing_calls(&node).into_iter().filter_map(|call| {
            let here = call.from.iter().filter(|s| s.file == file);
            let from_ranges = here.map(|s| snap.range(s.file, s.range)).collect();
            Some(CallHierarchyOutgoingCall { to: conv::call_item(snap, call.item)?, from_ranges })
        });
        Some(calls.collect())
    })
    .await?;
    Ok(answer.flatten())
}

/// The command of every aspect lens: rust-analyzer's convention for "N references" lenses, with
/// the arguments of VS Code's `editor.action.showReferences` (the document, the lens's position,
/// the locations). No client runs it by itself: the VS Code extension and the Neovim
/// configuration register it on the client side, and the server does not offer it through
/// `workspace/executeCommand`, which would make vscode-languageclient claim the name first.
pub const SHOW_REFERENCES: &str = "canopy.showReferences";

/// One lens per aspect the document defines, resolved later; none when the setting is off.
pub async fn code_lens(state: &Arc<State>, params: CodeLensParams) -> Result<Option<Vec<CodeLens>>> {
    if !state.config().code_lens {
        return Ok(Some(Vec::new()));
    }
    let uri = params.text_document.uri;
    with_file(state, "codeLens", &uri.clone(), move |snap, file| {
        let lenses = snap.analysis.code_lenses(file).into_iter().map(|lens| CodeLens {
            range: snap.range(file, lens.range),
            command: None,
            data: Some(serde_json::json!({ "uri": uri, "node": conv::node_data(&GraphNode::Aspect(lens.key)) })),
        });
        lenses.collect()
    })
    .await
}

/// A lens's title and command. A lens whose aspect is gone, or whose data is not canopy's, says
/// so rather than failing: the client asked about a lens it holds.
pub async fn code_lens_resolve(state: &Arc<State>, mut lens: CodeLens) -> Result<CodeLens> {
    let data = lens.data.clone().unwrap_or_default();
    let uri = data.get("uri").and_then(serde_json::Value::as_str).and_then(|u| Url::parse(u).ok());
    let node = data.get("node").and_then(conv::data_node);
    let (Some(uri), Some(GraphNode::Aspect(key))) = (uri, node) else {
        return Err(Error::invalid_params("not a code lens of canopy's"));
    };
    let position = lens.range.start;
    let answer = with_file(state, "codeLens/resolve", &uri.clone(), move |snap, _| {
        let summary = snap.analysis.resolve_code_lens(&key)?;
        let locations: Vec<Location> =
            summary.references.iter().filter_map(|site| snap.location(site.file, site.range)).collect();
        Some((summary.title, locations))
    })
    .await?;
    let (title, locations) = answer.flatten().unwrap_or_else(|| ("not defined".to_owned(), Vec::new()));
    let arguments = vec![serde_json::json!(uri), serde_json::json!(position), serde_json::json!(locations)];
    lens.command = Some(Command { title, command: SHOW_REFERENCES.to_owned(), arguments: Some(arguments) });
    Ok(lens)
}

/// An aspect's item gets where the aspect is defined, as its documentation; other items, and
/// items whose data is not canopy's, come back as they are.
pub async fn completion_resolve(state: &Arc<State>, mut item: CompletionItem) -> Result<CompletionItem> {
    let data = item.data.clone().unwrap_or_default();
    let uri = data.get("uri").and_then(serde_json::Value::as_str).and_then(|u| Url::parse(u).ok());
    let node = data.get("node").and_then(conv::data_node);
    let (Some(uri), Some(GraphNode::Aspect(key))) = (uri, node) else { return Ok(item) };
    let answer =
        with_file(state, "completionItem/resolve", &uri, move |snap, _| snap.analysis.resolve_completion(&key)).await?;
    if let Some(markdown) = answer.flatten() {
        item.documentation =
            Some(Documentation::MarkupContent(MarkupContent { kind: MarkupKind::Markdown, value: markdown }));
    }
    Ok(item)
}
