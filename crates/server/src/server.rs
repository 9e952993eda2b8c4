//! The protocol's entry points: lifecycle, document sync and workspace notifications here,
//! requests delegated to `handlers`.
//!
//! tower-lsp may run handlers concurrently. Every notification does its bookkeeping (editing a
//! document, changing the folder list, queueing the change) before its first `.await`, so that
//! changes take effect in the order the client sent them.

use std::path::PathBuf;
use std::sync::Arc;

use canopy_analysis::DocumentText;
use serde_json::Value;
use tower_lsp::LanguageServer;
use tower_lsp::jsonrpc::Result;
use tower_lsp::lsp_types::notification::{DidChangeWatchedFiles, Notification};
use tower_lsp::lsp_types::*;

use crate::caps::{self, ClientCaps};
use crate::config::Config;
use crate::inspect::{self, InspectParams, Inspection};
use crate::queue::{Op, Task};
use crate::state::State;
use crate::vfs::{DocKey, Document};
use crate::{code_actions, graph, handlers};

pub struct Server {
    state: Arc<State>,
}

impl Server {
    pub fn new(state: Arc<State>) -> Server {
        Server { state }
    }

    /// The answer to a message that was not JSON (see `transport`).
    pub async fn parse_error(&self) -> Result<()> {
        Err(tower_lsp::jsonrpc::Error::parse_error())
    }

    /// The answer to JSON that was not a JSON-RPC message (see `transport`).
    pub async fn invalid_request(&self) -> Result<()> {
        Err(tower_lsp::jsonrpc::Error::invalid_request())
    }

    /// The answer to a request for a `$/` method (see `transport`): tower-lsp drops the error it
    /// makes for unknown `$/` methods, right for notifications, but a request must be answered.
    pub async fn method_not_found(&self) -> Result<()> {
        Err(tower_lsp::jsonrpc::Error::method_not_found())
    }

    /// `canopy/graph`, the aspect graph (see `graph`).
    pub async fn graph(&self, params: graph::GraphParams) -> Result<Option<graph::GraphResult>> {
        graph::graph(&self.state, params).await
    }

    /// `canopy/inspectFile`, a debugging request (see `inspect`).
    pub async fn inspect_file(&self, params: InspectParams) -> Result<Option<Inspection>> {
        inspect::inspect_file(&self.state, params).await
    }
}

/// Applies a settings section, logging what it had to ignore.
fn apply_settings(state: &State, section: &Value) {
    let (config, warnings) = Config::from_json(section);
    for warning in warnings {
        tracing::warn!("{warning}");
    }
    let lenses_before = state.config().code_lens;
    if state.set_config(config) {
        tracing::info!("settings changed: {:?}", state.config());
        state.submit(Task::Republish);
        if state.config().code_lens != lenses_before && state.caps().code_lens_refresh {
            // A round trip to the client: apart, so that no message waits for it.
            let client = state.client.clone();
            tokio::spawn(async move {
                if let Err(err) = client.code_lens_refresh().await {
                    tracing::debug!("workspace/codeLens/refresh failed: {err}");
                }
            });
        }
    }
}

/// Asks the client for canopy's settings, when it answers `workspace/configuration`.
async fn pull_settings(state: &State) -> Option<Value> {
    let item = ConfigurationItem { scope_uri: None, section: Some("canopy".to_owned()) };
    match state.client.configuration(vec![item]).await {
        Ok(values) => Config::pulled(values),
        Err(err) => {
            tracing::debug!("workspace/configuration failed: {err}");
            None
        }
    }
}

/// The file events canopy asks for: every one in the workspace. VS Code reports a folder created,
/// deleted or moved as one event for the folder, which a `**/*.nix` pattern drops, and a path
/// deleted and created again at once as one change of it: a folder of modules replaced by a file
/// of the same name, or back, is a change of a name that need not end in `.nix`. One pattern for
/// all, so that no event comes twice; those for other files cost a look at their path.
fn watch_files() -> Registration {
    let watcher = FileSystemWatcher { glob_pattern: GlobPattern::String("**/*".to_owned()), kind: None };
    let options = DidChangeWatchedFilesRegistrationOptions { watchers: vec![watcher] };
    Registration {
        id: "canopy-watch-files".to_owned(),
        method: DidChangeWatchedFiles::METHOD.to_owned(),
        register_options: serde_json::to_value(options).ok(),
    }
}

/// The folders an `initialize` names: its workspace folders, or the root of older clients.
fn initial_folders(params: &InitializeParams) -> Vec<PathBuf> {
    #[allow(deprecated)] // `rootUri` and `rootPath` are what clients before workspace folders send.
    let uris: Vec<Url> = match (&params.workspace_folders, &params.root_uri, &params.root_path) {
        (Some(folders), _, _) if !folders.is_empty() => folders.iter().map(|f| f.uri.clone()).collect(),
        (_, Some(root), _) => vec![root.clone()],
        (_, None, Some(path)) => Url::from_file_path(path).into_iter().collect(),
        _ => Vec::new(),
    };
    uris.iter().filter_map(folder_path).collect()
}

fn folder_path(uri: &Url) -> Option<PathBuf> {
    match uri.to_file_path() {
        Ok(path) if uri.scheme() == "file" => Some(path),
        _ => {
            tracing::warn!("ignoring workspace folder {uri}: canopy reads local folders only");
            None
        }
    }
}

#[tower_lsp::async_trait]
impl LanguageServer for Server {
    async fn initialize(&self, params: InitializeParams) -> Result<InitializeResult> {
        let caps = ClientCaps::new(&params.capabilities);
        self.state.set_caps(caps);
        if let Some(options) = &params.initialization_options
            && let Some(section) = Config::section(options)
        {
            apply_settings(&self.state, section);
        }
        let folders = initial_folders(&params);
        let (added, _) = self.state.change_folders(&folders, &[]);
        tracing::info!(
            "canopy {} serving {} folder(s), positions in {:?}",
            env!("CARGO_PKG_VERSION"),
            added.len(),
            caps.encoding
        );
        Ok(InitializeResult {
            capabilities: caps::server_capabilities(&caps),
            server_info: Some(ServerInfo {
                name: "canopy".to_owned(),
                version: Some(env!("CARGO_PKG_VERSION").to_owned()),
            }),
        })
    }

    async fn initialized(&self, _: InitializedParams) {
        self.state.submit(Task::Folders { added: self.state.folders(), removed: Vec::new() });
        let state = self.state.clone();
        let caps = state.caps();
        // Round trips to the client run apart, so no other message waits for them.
        tokio::spawn(async move {
            if caps.watch_files
                && let Err(err) = state.client.register_capability(vec![watch_files()]).await
            {
                tracing::warn!("could not watch files (changes made outside the editor go unseen): {err}");
            }
            if caps.pull_config
                && let Some(settings) = pull_settings(&state).await
            {
                apply_settings(&state, &settings);
            }
        });
    }

    async fn shutdown(&self) -> Result<()> {
        self.state.request_shutdown();
        self.state.outbox.close();
        Ok(())
    }

    // ---- documents -----------------------------------------------------------------------------

    async fn did_open(&self, params: DidOpenTextDocumentParams) {
        let doc = params.text_document;
        let key = DocKey::from_uri(&doc.uri);
        let text: Arc<str> = Arc::from(doc.text.as_str());
        let op = Op::Text { key: key.clone(), uri: doc.uri.clone(), text, version: doc.version };
        let text = DocumentText::new(&doc.text);
        self.state.docs.insert(key, Document { uri: doc.uri, version: doc.version, text });
        self.state.submit(Task::Op(op));
    }

    async fn did_change(&self, params: DidChangeTextDocumentParams) {
        let uri = params.text_document.uri;
        let key = DocKey::from_uri(&uri);
        let enc = self.state.caps().encoding;
        let op = {
            let Some(mut doc) = self.state.docs.get_mut(&key) else {
                tracing::warn!("didChange for {uri}, which is not open: ignored");
                return;
            };
            doc.apply_changes(params.content_changes, enc);
            doc.version = params.text_document.version;
            Op::Text { key, uri: doc.uri.clone(), text: doc.text.to_arc(), version: doc.version }
        };
        self.state.submit(Task::Op(op));
    }

    async fn did_close(&self, params: DidCloseTextDocumentParams) {
        let key = DocKey::from_uri(&params.text_document.uri);
        if self.state.docs.remove(&key).is_some() {
            self.state.submit(Task::Op(Op::Closed { key }));
        }
    }

    // ---- the workspace -------------------------------------------------------------------------

    async fn did_change_watched_files(&self, params: DidChangeWatchedFilesParams) {
        for event in params.changes {
            let Ok(path) = event.uri.to_file_path() else { continue };
            self.state.submit(Task::Op(Op::Disk { path }));
        }
    }

    async fn did_change_workspace_folders(&self, params: DidChangeWorkspaceFoldersParams) {
        let add: Vec<PathBuf> = params.event.added.iter().filter_map(|f| folder_path(&f.uri)).collect();
        let remove: Vec<PathBuf> = params.event.removed.iter().filter_map(|f| folder_path(&f.uri)).collect();
        let (added, removed) = self.state.change_folders(&add, &remove);
        if !added.is_empty() || !removed.is_empty() {
            self.state.submit(Task::Folders { added, removed });
        }
    }

    async fn did_change_configuration(&self, params: DidChangeConfigurationParams) {
        if let Some(section) = Config::section(&params.settings) {
            apply_settings(&self.state, section);
            return;
        }
        // Clients that only signal a change expect the server to pull its section.
        if self.state.caps().pull_config
            && let Some(settings) = pull_settings(&self.state).await
        {
            apply_settings(&self.state, &settings);
        }
    }

    // ---- requests ------------------------------------------------------------------------------

    async fn goto_definition(&self, params: GotoDefinitionParams) -> Result<Option<GotoDefinitionResponse>> {
        handlers::definition(&self.state, params).await
    }

    async fn references(&self, params: ReferenceParams) -> Result<Option<Vec<Location>>> {
        handlers::references(&self.state, params).await
    }

    async fn document_highlight(&self, params: DocumentHighlightParams) -> Result<Option<Vec<DocumentHighlight>>> {
        handlers::document_highlight(&self.state, params).await
    }

    async fn hover(&self, params: HoverParams) -> Result<Option<Hover>> {
        handlers::hover(&self.state, params).await
    }

    async fn completion(&self, params: CompletionParams) -> Result<Option<CompletionResponse>> {
        handlers::completion(&self.state, params).await
    }

    async fn completion_resolve(&self, item: CompletionItem) -> Result<CompletionItem> {
        handlers::completion_resolve(&self.state, item).await
    }

    async fn prepare_rename(&self, params: TextDocumentPositionParams) -> Result<Option<PrepareRenameResponse>> {
        handlers::prepare_rename(&self.state, params).await
    }

    async fn rename(&self, params: RenameParams) -> Result<Option<WorkspaceEdit>> {
        handlers::rename(&self.state, params).await
    }

    async fn code_action(&self, params: CodeActionParams) -> Result<Option<CodeActionResponse>> {
        code_actions::code_action(&self.state, params).await
    }

    async fn document_symbol(&self, params: DocumentSymbolParams) -> Result<Option<DocumentSymbolResponse>> {
        handlers::document_symbol(&self.state, params).await
    }

    async fn symbol(&self, params: WorkspaceSymbolParams) -> Result<Option<Vec<SymbolInformation>>> {
        handlers::workspace_symbol(&self.state, params).await
    }

    async fn prepare_call_hierarchy(
        &self,
        params: CallHierarchyPrepareParams,
    ) -> Result<Option<Vec<CallHierarchyItem>>> {
        handlers::prepare_call_hierarchy(&self.state, params).await
    }

    async fn incoming_calls(
        &self,
        params: CallHierarchyIncomingCallsParams,
    ) -> Result<Option<Vec<CallHierarchyIncomingCall>>> {
        handlers::incoming_calls(&self.state, params).await
    }

    async fn outgoing_calls(
        &self,
        params: CallHierarchyOutgoingCallsParams,
    ) -> Result<Option<Vec<CallHierarchyOutgoingCall>>> {
        handlers::outgoing_calls(&self.state, params).await
    }

    async fn code_lens(&self, params: CodeLensParams) -> Result<Option<Vec<CodeLens>>> {
        handlers::code_lens(&self.state, params).await
    }

    async fn code_lens_resolve(&self, lens: CodeLens) -> Result<CodeLens> {
        handlers::code_lens_resolve(&self.state, lens).await
    }
}
