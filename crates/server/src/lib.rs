//! canopy's language server: `canopy lsp`, LSP over stdin/stdout.
//!
//! The server owns documents, folders and the event loop; it converts positions and types and
//! calls `canopy_analysis`, which owns everything about Nix and the dendritic pattern. No module
//! here reads a syntax tree or knows what an aspect is.
//!
//! Map of the crate:
//!
//! - `server`: the protocol's entry points (tower-lsp's `LanguageServer`): lifecycle, document
//!   sync, workspace notifications; requests go to `handlers`.
//! - `handlers`: one function per request, each a thin conversion around one `Analysis` method.
//! - `state`: what handlers, the main loop and the indexers share: documents, folders, settings,
//!   the queue to the main loop.
//! - `queue`: what that queue carries (changes, folders, index chunks), below both its ends.
//! - `main_loop`: the one thread that writes to the analysis: applies coalesced changes, feeds
//!   the initial index in chunks, publishes diagnostics.
//! - `jobs`: preparing changes (the costly reading of texts) off the main loop, at most one per
//!   file at a time; `pending`: the changes on their way, which requests wait for.
//! - `index` / `discover`: finding, reading and preparing a folder's files in the background, by
//!   `canopy_vfs`'s rules (shared with `canopy check`), and again what lies at a path a file event
//!   names.
//! - `space`: one `Analysis` per folder (and one per document outside every folder); a file's one
//!   identity, whichever spelling of its folder the client uses.
//! - `vfs`: open documents and incremental edits.
//! - `conv`: positions, ranges, URIs and enums between the analysis and LSP, and the diagnostics
//!   published for a file.
//! - `caps`, `config`: what the client can do; the user's settings (shape in `config`).
//! - `outbox`: messages the server sends on its own, in order; `logging`: stderr and the client's
//!   log; `transport`: frames and checks what arrives on stdin before tower-lsp reads it.
//! - `inspect`: `canopy/inspectFile`, a debugging request showing what the server holds for a file.
//! - `graph`: `canopy/graph`, the aspect graph for a client to draw.
//!
//! Invariants: the protocol handlers never run analysis on the async runtime's threads (queries
//! go to the blocking pool, writes to the main loop, reading texts to threads of their own); edits
//! to a file apply in arrival order; a request sees every change to its document submitted before
//! it (a rename: to its folder), and other files as last applied; diagnostics leave from one
//! thread, in order.

mod caps;
mod code_actions;
mod config;
mod conv;
mod discover;
mod graph;
mod handlers;
mod index;
mod inspect;
mod jobs;
mod logging;
mod main_loop;
mod outbox;
mod pending;
mod project;
mod queue;
mod server;
mod space;
mod state;
mod transport;
mod vfs;
mod workers;

use std::process::ExitCode;
use std::sync::Arc;

use tokio::sync::{Notify, watch};
use tower_lsp::LspService;

pub use config::Config;

use crate::outbox::Outbox;
use crate::server::Server;
use crate::state::State;

/// How many requests and notifications tower-lsp keeps in flight at once. Queries run on the
/// blocking pool, so a slow one must not hold up the rest.
const CONCURRENCY: usize = 32;

/// Threads of the async runtime: they only route messages and (de)serialize them.
const WORKER_THREADS: usize = 2;

/// Most threads of the blocking pool, which runs queries and tokio's reads of stdin. Enough that a
/// slow query never holds up the rest, and few on purpose: glibc's allocator keeps a cache of freed
/// memory per thread, so every thread that ever answers adds its cache to the resident memory for
/// good (the soak test measured 16 threads growing twice as much as 4 over 20,000 requests).
const BLOCKING_THREADS: usize = 6;

/// Serves LSP on stdin/stdout until the client sends `exit` or closes stdin.
///
/// The exit status follows the protocol: 0 when `shutdown` came before the end, 1 otherwise.
pub fn run_stdio() -> ExitCode {
    let (outbox, outbox_rx) = Outbox::channel();
    logging::init(outbox.clone());
    // Analysis recurses deeply on deeply nested files; blocking-pool threads run queries, so they
    // get the analysis's stack (reserved address space, touched only when needed).
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("canopy-worker")
        .thread_stack_size(canopy_analysis::ANALYSIS_STACK)
        .worker_threads(WORKER_THREADS)
        .max_blocking_threads(BLOCKING_THREADS)
        .build();
    let runtime = match runtime {
        Ok(runtime) => runtime,
        Err(err) => {
            tracing::error!("cannot start the server's runtime: {err}");
            return ExitCode::from(2);
        }
    };
    let code = runtime.block_on(serve(outbox, outbox_rx));
    // Reading stdin and indexing may still block some threads: do not wait for them.
    runtime.shutdown_background();
    code
}

async fn serve(outbox: Outbox, outbox_rx: tokio::sync::mpsc::UnboundedReceiver<outbox::Outgoing>) -> ExitCode {
    let (queue_tx, queue_rx) = std::sync::mpsc::channel();
    let (applied_tx, applied_rx) = watch::channel(0);
    let mut shared: Option<Arc<State>> = None;
    let service = LspService::build(|client| {
        let state = Arc::new(State::new(client.clone(), outbox, queue_tx, applied_rx));
        tokio::spawn(outbox::run(client, outbox_rx));
        if let Err(err) = main_loop::spawn(state.clone(), queue_rx, applied_tx) {
            // Requests still get answers (empty ones): `State::synced` sees the loop gone.
            tracing::error!("cannot start the analysis thread: {err}");
        }
        shared = Some(state.clone());
        Server::new(state)
    });
    let (service, socket) = service
        .custom_method(transport::PARSE_ERROR_METHOD, Server::parse_error)
        .custom_method(transport::INVALID_REQUEST_METHOD, Server::invalid_request)
        .custom_method(transport::METHOD_NOT_FOUND_METHOD, Server::method_not_found)
        .custom_method(inspect::METHOD, Server::inspect_file)
        .custom_method(graph::METHOD, Server::graph)
        .finish();
    let exit = Arc::new(Notify::new());
    let stdin = transport::guard(tokio::io::stdin(), exit.clone());
    let server = tower_lsp::Server::new(stdin, tokio::io::stdout(), socket).concurrency_level(CONCURRENCY);
    // The connection is gone by now: these go to stderr only (at debug level), since a message
    // for the client's log would fail to send and tower-lsp would report that as an error.
    tokio::select! {
        () = server.serve(service) => tracing::debug!("stdin closed, stopping"),
        () = exit.notified() => tracing::debug!("exit received, stopping"),
    }
    match shared {
        Some(state) if state.shutdown_requested() => ExitCode::SUCCESS,
        _ => ExitCode::from(1),
    }
}
