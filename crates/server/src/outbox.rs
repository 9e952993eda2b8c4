//! Messages the server sends on its own (diagnostics, progress, logs), in one ordered queue.
//!
//! The main loop and the indexers are plain threads; they push here without waiting, and one task
//! sends each message in turn. Order matters: a diagnostics set must never overtake a newer one
//! for the same file, and progress must begin before it reports.

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use tokio::sync::mpsc;
use tower_lsp::Client;
use tower_lsp::lsp_types::notification::Progress;
use tower_lsp::lsp_types::request::WorkDoneProgressCreate;
use tower_lsp::lsp_types::{
    Diagnostic, MessageType, NumberOrString, ProgressParams, ProgressParamsValue, Url, WorkDoneProgress,
    WorkDoneProgressBegin, WorkDoneProgressCreateParams, WorkDoneProgressEnd, WorkDoneProgressReport,
};

/// How long the client gets to accept a progress token before the progress is dropped.
const CREATE_TIMEOUT: Duration = Duration::from_secs(5);

#[derive(Debug)]
pub enum Outgoing {
    Diagnostics { uri: Url, diagnostics: Vec<Diagnostic>, version: Option<i32> },
    Progress { token: String, step: Step },
    Log { typ: MessageType, message: String },
    Show { typ: MessageType, message: String },
}

#[derive(Debug)]
pub enum Step {
    Begin { title: String, message: String, percentage: u32 },
    Report { message: String, percentage: u32 },
    End { message: String },
}

/// The sending half; cheap to clone, never blocks, and silently drops messages once the
/// connection is gone or closing.
#[derive(Debug, Clone)]
pub struct Outbox {
    tx: mpsc::UnboundedSender<Outgoing>,
    closed: Arc<AtomicBool>,
}

impl Outbox {
    pub fn channel() -> (Outbox, mpsc::UnboundedReceiver<Outgoing>) {
        let (tx, rx) = mpsc::unbounded_channel();
        (Outbox { tx, closed: Arc::new(AtomicBool::new(false)) }, rx)
    }

    /// After `shutdown` the client closes the connection at any moment: a message sent then would
    /// fail, and tower-lsp reports every failed send as an error. Nothing more is sent.
    pub fn close(&self) {
        self.closed.store(true, Ordering::Relaxed);
    }

    pub fn send(&self, message: Outgoing) {
        if self.closed.load(Ordering::Relaxed) {
            return;
        }
        // Fails only when the connection task is gone: nobody is left to tell.
        let _ = self.tx.send(message);
    }

    pub fn progress(&self, token: &str, step: Step) {
        self.send(Outgoing::Progress { token: token.to_owned(), step });
    }

    pub fn show(&self, typ: MessageType, message: String) {
        self.send(Outgoing::Show { typ, message });
    }
}

/// Sends every queued message to the client, in order, until the queue closes.
pub async fn run(client: Client, mut rx: mpsc::UnboundedReceiver<Outgoing>) {
    // Tokens the client accepted; progress for any other is dropped.
    let mut live: HashSet<String> = HashSet::new();
    while let Some(message) = rx.recv().await {
        match message {
            Outgoing::Diagnostics { uri, diagnostics, version } => {
                client.publish_diagnostics(uri, diagnostics, version).await;
            }
            Outgoing::Progress { token, step } => {
                if let Step::Begin { .. } = step {
                    let params = WorkDoneProgressCreateParams { token: NumberOrString::String(token.clone()) };
                    let created =
                        tokio::time::timeout(CREATE_TIMEOUT, client.send_request::<WorkDoneProgressCreate>(params))
                            .await;
                    match created {
                        Ok(Ok(())) => {
                            live.insert(token.clone());
                        }
                        Ok(Err(err)) => tracing::debug!("the client refused progress token {token}: {err}"),
                        Err(_) => tracing::debug!("the client did not answer window/workDoneProgress/create"),
                    }
                }
                if !live.contains(&token) {
                    continue;
                }
                let value = match step {
                    Step::Begin { title, message, percentage } => WorkDoneProgress::Begin(WorkDoneProgressBegin {
                        title,
                        cancellable: Some(false),
                        message: Some(message),
                        percentage: Some(percentage),
                    }),
                    Step::Report { message, percentage } => WorkDoneProgress::Report(WorkDoneProgressReport {
                        cancellable: Some(false),
                        message: Some(message),
                        percentage: Some(percentage),
                    }),
                    Step::End { message } => {
                        live.remove(&token);
                        WorkDoneProgress::End(WorkDoneProgressEnd { message: Some(message) })
                    }
                };
                let params = ProgressParams {
                    token: NumberOrString::String(token),
                    value: ProgressParamsValue::WorkDone(value),
                };
                client.send_notification::<Progress>(params).await;
            }
            Outgoing::Log { typ, message } => client.log_message(typ, message).await,
            Outgoing::Show { typ, message } => client.show_message(typ, message).await,
        }
    }
}
