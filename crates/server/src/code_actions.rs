//! `textDocument/codeAction`: the analysis's fixes of the diagnostics in the range, as quick fixes.
//!
//! A fix is plain data in the analysis (`canopy_analysis::Fix`); this file only turns it into a
//! workspace edit the client can apply, with the documents' versions of this moment.

use std::collections::HashMap;
use std::sync::Arc;

use canopy_analysis::{Fix, TextRange};
use tower_lsp::jsonrpc::Result;
use tower_lsp::lsp_types::{
    CodeAction, CodeActionKind, CodeActionOrCommand, CodeActionParams, CodeActionResponse, CreateFile,
    DocumentChangeOperation, DocumentChanges, OneOf, OptionalVersionedTextDocumentIdentifier, Position, Range,
    RenameFile, ResourceOp, TextDocumentEdit, TextEdit, Url, WorkspaceEdit,
};

use crate::conv::{self, Snap};
use crate::handlers::{Reads, with_file_reading};
use crate::state::State;

pub async fn code_action(state: &Arc<State>, params: CodeActionParams) -> Result<Option<CodeActionResponse>> {
    let caps = state.caps();
    let config = state.config();
    let uri = params.text_document.uri;
    let asked = params.range;
    // Only quick fixes exist; a client asking for other kinds alone gets none.
    let wanted = params.context.only.as_ref().is_none_or(|only| only.iter().any(|k| k == &CodeActionKind::QUICKFIX));
    if !wanted {
        return Ok(Some(Vec::new()));
    }
    // A fix may edit other files: their texts and versions must be those the client has.
    let answer = with_file_reading(state, "codeAction", &uri, Reads::Space, move |snap, file| {
        let (start, end) = (snap.offset(file, asked.start), snap.offset(file, asked.end));
        let range = TextRange::new(start.min(end), start.max(end));
        let meets = |r: TextRange| r.start() <= range.end() && range.start() <= r.end();
        let mut actions = Vec::new();
        for d in conv::reported(snap.space, snap.analysis, file, true, &config).iter().filter(|d| meets(d.range)) {
            let diagnostic = conv::diagnostic(snap.space, snap.analysis, file, d, snap.enc);
            // Its own fixes first, then a comment that silences it.
            let suppression = snap.analysis.suppression(file, d);
            for fix in d.fixes.iter().map(|fix| &**fix).chain(&suppression) {
                let Some(edit) = workspace_edit(snap, fix, caps.document_changes, caps.file_operations) else {
                    continue;
                };
                actions.push(CodeActionOrCommand::CodeAction(CodeAction {
                    title: fix.title.clone(),
                    kind: Some(CodeActionKind::QUICKFIX),
                    diagnostics: Some(vec![diagnostic.clone()]),
                    edit: Some(edit),
                    is_preferred: fix.preferred.then_some(true),
                    ..CodeAction::default()
                }));
            }
        }
        actions
    })
    .await?;
    Ok(Some(answer.unwrap_or_default()))
}

/// `fix` as a workspace edit; `None` when it creates or moves a file and the client cannot.
fn workspace_edit(snap: &Snap<'_>, fix: &Fix, document_changes: bool, file_operations: bool) -> Option<WorkspaceEdit> {
    let moves_files = !fix.creates.is_empty() || !fix.renames.is_empty();
    if moves_files && !file_operations {
        return None;
    }
    let mut files = Vec::new();
    for file_edit in &fix.edits {
        let uri = snap.uri(file_edit.file)?;
        let edits: Vec<TextEdit> = file_edit
            .edits
            .iter()
            .map(|e| TextEdit { range: snap.range(file_edit.file, e.range), new_text: e.new_text.clone() })
            .collect();
        files.push((uri, snap.version(file_edit.file), edits));
    }
    if !document_changes {
        let changes: HashMap<Url, Vec<TextEdit>> = files.into_iter().map(|(uri, _, edits)| (uri, edits)).collect();
        return Some(WorkspaceEdit { changes: Some(changes), ..WorkspaceEdit::default() });
    }
    let text_edit = |uri: Url, version: Option<i32>, edits: Vec<TextEdit>| {
        DocumentChangeOperation::Edit(TextDocumentEdit {
            text_document: OptionalVersionedTextDocumentIdentifier { uri, version },
            edits: edits.into_iter().map(OneOf::Left).collect(),
        })
    };
    let mut operations: Vec<DocumentChangeOperation> =
        files.into_iter().map(|(uri, version, edits)| text_edit(uri, version, edits)).collect();
    for create in &fix.creates {
        let uri = snap.space.uri(&create.path)?;
        operations.push(DocumentChangeOperation::Op(ResourceOp::Create(CreateFile {
            uri: uri.clone(),
            options: None,
            annotation_id: None,
        })));
        let start = Range::new(Position::new(0, 0), Position::new(0, 0));
        operations.push(text_edit(uri, None, vec![TextEdit { range: start, new_text: create.text.clone() }]));
    }
    // Renames last: the edits above name the files as they are now.
    for rename in &fix.renames {
        let old_uri = snap.uri(rename.file)?;
        let new_uri = snap.space.uri(&rename.to)?;
        operations.push(DocumentChangeOperation::Op(ResourceOp::Rename(RenameFile {
            old_uri,
            new_uri,
            options: None,
            annotation_id: None,
        })));
    }
    Some(WorkspaceEdit { document_changes: Some(DocumentChanges::Operations(operations)), ..WorkspaceEdit::default() })
}
