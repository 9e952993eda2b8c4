//! What the client can do, read once at `initialize`, and what canopy offers in return.

use canopy_analysis::Encoding;
use tower_lsp::lsp_types::{
    CallHierarchyServerCapability, ClientCapabilities, CodeActionKind, CodeActionOptions, CodeActionProviderCapability,
    CodeLensOptions, CompletionOptions, HoverProviderCapability, OneOf, PositionEncodingKind, RenameOptions,
    ResourceOperationKind, ServerCapabilities, TextDocumentSyncCapability, TextDocumentSyncKind,
    TextDocumentSyncOptions, WorkDoneProgressOptions, WorkspaceFoldersServerCapabilities, WorkspaceServerCapabilities,
};

use crate::conv;

/// The parts of the client's capabilities canopy adapts to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientCaps {
    /// How positions count columns: UTF-8 when the client offers it, else the protocol's UTF-16.
    pub encoding: Encoding,
    /// `window/workDoneProgress/create` and `$/progress`.
    pub work_done_progress: bool,
    /// `client/registerCapability` for `workspace/didChangeWatchedFiles`.
    pub watch_files: bool,
    /// `workspace/configuration`.
    pub pull_config: bool,
    /// `LocationLink`s in definition answers.
    pub definition_links: bool,
    /// `documentChanges` in workspace edits (with document versions).
    pub document_changes: bool,
    /// Nested `DocumentSymbol`s.
    pub hierarchical_symbols: bool,
    /// `create` and `rename` operations in workspace edits' `documentChanges`: fixes that create
    /// or move a file are offered only then.
    pub file_operations: bool,
    /// `workspace/codeLens/refresh`, to redraw lenses when their setting changes.
    pub code_lens_refresh: bool,
}

impl Default for ClientCaps {
    fn default() -> ClientCaps {
        ClientCaps::new(&ClientCapabilities::default())
    }
}

impl ClientCaps {
    pub fn new(caps: &ClientCapabilities) -> ClientCaps {
        let offers_utf8 = caps
            .general
            .as_ref()
            .and_then(|g| g.position_encodings.as_ref())
            .is_some_and(|encodings| encodings.contains(&PositionEncodingKind::UTF8));
        let text = caps.text_document.as_ref();
        let workspace = caps.workspace.as_ref();
        ClientCaps {
            encoding: if offers_utf8 { Encoding::Utf8 } else { Encoding::Utf16 },
            work_done_progress: caps.window.as_ref().and_then(|w| w.work_done_progress).unwrap_or(false),
            watch_files: workspace
                .and_then(|w| w.did_change_watched_files.as_ref())
                .and_then(|w| w.dynamic_registration)
                .unwrap_or(false),
            pull_config: workspace.and_then(|w| w.configuration).unwrap_or(false),
            definition_links: text.and_then(|t| t.definition.as_ref()).and_then(|d| d.link_support).unwrap_or(false),
            document_changes: workspace
                .and_then(|w| w.workspace_edit.as_ref())
                .and_then(|e| e.document_changes)
                .unwrap_or(false),
            hierarchical_symbols: text
                .and_then(|t| t.document_symbol.as_ref())
                .and_then(|s| s.hierarchical_document_symbol_support)
                .unwrap_or(false),
            file_operations: workspace.and_then(|w| w.workspace_edit.as_ref()).is_some_and(|e| {
                e.document_changes == Some(true)
                    && e.resource_operations.as_ref().is_some_and(|ops| {
                        ops.contains(&ResourceOperationKind::Create) && ops.contains(&ResourceOperationKind::Rename)
                    })
            }),
            code_lens_refresh: workspace
                .and_then(|w| w.code_lens.as_ref())
                .and_then(|c| c.refresh_support)
                .unwrap_or(false),
        }
    }
}

pub fn server_capabilities(client: &ClientCaps) -> ServerCapabilities {
    ServerCapabilities {
        position_encoding: Some(conv::encoding_kind(client.encoding)),
        text_document_sync: Some(TextDocumentSyncCapability::Options(TextDocumentSyncOptions {
            open_close: Some(true),
            change: Some(TextDocumentSyncKind::INCREMENTAL),
            ..TextDocumentSyncOptions::default()
        })),
        definition_provider: Some(OneOf::Left(true)),
        references_provider: Some(OneOf::Left(true)),
        document_highlight_provider: Some(OneOf::Left(true)),
        hover_provider: Some(HoverProviderCapability::Simple(true)),
        completion_provider: Some(CompletionOptions {
            // Aspect and class names follow a dot; quoted names start with a quote after one.
            trigger_characters: Some(vec![".".to_owned()]),
            // An aspect's item says where it is defined once selected.
            resolve_provider: Some(true),
            ..CompletionOptions::default()
        }),
        rename_provider: Some(OneOf::Right(RenameOptions {
            prepare_provider: Some(true),
            work_done_progress_options: WorkDoneProgressOptions::default(),
        })),
        document_symbol_provider: Some(OneOf::Left(true)),
        code_action_provider: Some(CodeActionProviderCapability::Options(CodeActionOptions {
            code_action_kinds: Some(vec![CodeActionKind::QUICKFIX]),
            ..CodeActionOptions::default()
        })),
        workspace_symbol_provider: Some(OneOf::Left(true)),
        call_hierarchy_provider: Some(CallHierarchyServerCapability::Simple(true)),
        // Lenses are listed at once and say what they say when shown (`codeLens/resolve`).
        code_lens_provider: Some(CodeLensOptions { resolve_provider: Some(true) }),
        workspace: Some(WorkspaceServerCapabilities {
            workspace_folders: Some(WorkspaceFoldersServerCapabilities {
                supported: Some(true),
                change_notifications: Some(OneOf::Left(true)),
            }),
            file_operations: None,
        }),
        ..ServerCapabilities::default()
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn utf8_only_when_offered() {
        let caps: ClientCapabilities =
            serde_json::from_value(json!({ "general": { "positionEncodings": ["utf-8", "utf-16"] } }))
                .expect("capabilities");
        assert_eq!(ClientCaps::new(&caps).encoding, Encoding::Utf8);
        let caps: ClientCapabilities =
            serde_json::from_value(json!({ "general": { "positionEncodings": ["utf-32", "utf-16"] } }))
                .expect("capabilities");
        assert_eq!(ClientCaps::new(&caps).encoding, Encoding::Utf16);
        assert_eq!(ClientCaps::default().encoding, Encoding::Utf16);
        assert!(!ClientCaps::default().work_done_progress);
    }
}
