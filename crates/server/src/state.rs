//! State shared by the protocol handlers, the main loop and the indexers.
//!
//! Handlers own the documents (edited in place, in arrival order) and the list of folders; the
//! main loop owns writing to the analysis. They meet through one ordered queue: every change a
//! handler makes is submitted with a sequence number, and a request first waits until the main
//! loop has taken everything submitted before it and applied the changes to its own document, so
//! that it reads the text the editor has (`synced`, `pending`).

use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::sync::{Arc, Mutex, OnceLock, PoisonError, RwLock};

use dashmap::DashMap;
use tokio::sync::watch;
use tower_lsp::Client;

use crate::caps::ClientCaps;
use crate::config::Config;
use crate::outbox::Outbox;
use crate::pending::{GRACE, Wait};
use crate::queue::{Message, Task};
use crate::space::{self, Space};
use crate::vfs::{DocKey, Document};
use crate::workers::Workers;

/// What a request reads, and so must see applied (see `pending`).
#[derive(Debug, Clone, Copy)]
pub enum Scope<'a> {
    /// One document's text; other files as last applied, after a short grace.
    Document(&'a DocKey),
    /// Every file of the document's space: answers that edit other files must not edit older
    /// texts than the client's.
    Space(&'a DocKey),
    /// Every space, each as last applied after the grace.
    Workspace,
}

pub struct State {
    pub client: Client,
    pub outbox: Outbox,
    caps: OnceLock<ClientCaps>,
    config: RwLock<Arc<Config>>,
    pub docs: DashMap<DocKey, Document>,
    /// One space per workspace folder.
    folders: RwLock<Vec<Arc<Space>>>,
    /// One space per flake found below a folder (or below another such flake): a workspace of its
    /// own, as `canopy check` makes it, that the client never hears of. Written by the main loop.
    flakes: RwLock<Vec<Arc<Space>>>,
    /// Open documents outside every folder, each analysed alone. Written by the main loop.
    loose: DashMap<DocKey, Arc<Space>>,
    /// The queue to the main loop, and the sequence number of the last submitted message. One
    /// lock for both, so that sequence numbers enter the queue in order.
    queue: Mutex<(u64, mpsc::Sender<Message>)>,
    /// The sequence number the main loop has taken changes up to; it also signals each change
    /// applied.
    applied: watch::Receiver<u64>,
    shutdown: std::sync::atomic::AtomicBool,
    /// The threads that prepare changes off the main loop.
    pub workers: Workers,
}

impl State {
    pub fn new(client: Client, outbox: Outbox, queue: mpsc::Sender<Message>, applied: watch::Receiver<u64>) -> State {
        State {
            client,
            outbox,
            caps: OnceLock::new(),
            config: RwLock::new(Arc::new(Config::default())),
            docs: DashMap::new(),
            folders: RwLock::new(Vec::new()),
            flakes: RwLock::new(Vec::new()),
            loose: DashMap::new(),
            queue: Mutex::new((0, queue)),
            applied,
            workers: Workers::default(),
            shutdown: std::sync::atomic::AtomicBool::new(false),
        }
    }

    // ---- the client and the settings -----------------------------------------------------------

    /// What the client can do; the protocol's defaults until `initialize` says otherwise.
    pub fn caps(&self) -> ClientCaps {
        self.caps.get().copied().unwrap_or_default()
    }

    pub fn set_caps(&self, caps: ClientCaps) {
        // `initialize` comes once; tower-lsp refuses a second one before it reaches us.
        let _ = self.caps.set(caps);
    }

    pub fn config(&self) -> Arc<Config> {
        self.config.read().unwrap_or_else(PoisonError::into_inner).clone()
    }

    /// Replaces the settings; returns whether they changed.
    pub fn set_config(&self, config: Config) -> bool {
        let mut current = self.config.write().unwrap_or_else(PoisonError::into_inner);
        if **current == config {
            return false;
        }
        *current = Arc::new(config);
        true
    }

    pub fn request_shutdown(&self) {
        self.shutdown.store(true, std::sync::atomic::Ordering::SeqCst);
    }

    pub fn shutdown_requested(&self) -> bool {
        self.shutdown.load(std::sync::atomic::Ordering::SeqCst)
    }

    // ---- the queue -----------------------------------------------------------------------------

    /// Queues a change that later requests must see applied.
    pub fn submit(&self, task: Task) {
        let mut queue = self.queue.lock().unwrap_or_else(PoisonError::into_inner);
        queue.0 += 1;
        let message = Message { seq: Some(queue.0), task };
        if queue.1.send(message).is_err() {
            tracing::error!("the analysis thread is gone; the change is lost");
        }
    }

    /// Queues work that requests need not wait for (the initial index).
    pub fn send(&self, task: Task) {
        let queue = self.queue.lock().unwrap_or_else(PoisonError::into_inner);
        if queue.1.send(Message { seq: None, task }).is_err() {
            tracing::debug!("the analysis thread is gone");
        }
    }

    /// Waits until the spaces hold what a request arriving now must see (see `pending`): every
    /// change submitted so far taken by the main loop, then the changes `scope` names applied.
    pub async fn synced(&self, scope: Scope<'_>) {
        let target = self.queue.lock().unwrap_or_else(PoisonError::into_inner).0;
        let mut applied = self.applied.clone();
        // An error means the main loop is gone: answer from what there is rather than hang.
        if applied.wait_for(|&seq| seq >= target).await.is_err() {
            return;
        }
        loop {
            // Marked seen before looking, so that a change applied meanwhile wakes the wait.
            applied.borrow_and_update();
            let changed = applied.changed();
            let gone = match self.needs(target, scope) {
                Wait::Ready => return,
                Wait::Applied => changed.await.is_err(),
                Wait::Until(at) => {
                    tokio::time::timeout_at(at.into(), changed).await.is_ok_and(|changed| changed.is_err())
                }
            };
            if gone {
                return;
            }
        }
    }

    /// What a request submitted after change `target` still needs, over every space.
    fn needs(&self, target: u64, scope: Scope<'_>) -> Wait {
        let (own, whole) = match scope {
            Scope::Document(key) => (self.space_for(key), false),
            Scope::Space(key) => (self.space_for(key), true),
            Scope::Workspace => (None, false),
        };
        self.spaces().iter().fold(Wait::Ready, |wait, space| {
            let need = match &own {
                Some((mine, path)) if mine.id == space.id => {
                    space.pending.wait(target, Some(path), if whole { None } else { Some(GRACE) })
                }
                _ => space.pending.wait(target, None, Some(GRACE)),
            };
            wait.and(need)
        })
    }

    // ---- spaces --------------------------------------------------------------------------------

    pub fn folders(&self) -> Vec<Arc<Space>> {
        self.folders.read().unwrap_or_else(PoisonError::into_inner).clone()
    }

    /// Every space: folders, flakes below them, then documents analysed alone.
    pub fn spaces(&self) -> Vec<Arc<Space>> {
        let mut spaces = self.folders();
        spaces.extend(self.flakes.read().unwrap_or_else(PoisonError::into_inner).iter().cloned());
        spaces.extend(self.loose.iter().map(|entry| entry.value().clone()));
        spaces
    }

    pub fn add_flake(&self, space: Arc<Space>) {
        self.flakes.write().unwrap_or_else(PoisonError::into_inner).push(space);
    }

    pub fn remove_flake(&self, space: &Space) {
        self.flakes.write().unwrap_or_else(PoisonError::into_inner).retain(|flake| flake.id != space.id);
    }

    /// Adds folders not yet present and removes folders, returning the spaces added and removed.
    pub fn change_folders(&self, add: &[PathBuf], remove: &[PathBuf]) -> (Vec<Arc<Space>>, Vec<Arc<Space>>) {
        let mut folders = self.folders.write().unwrap_or_else(PoisonError::into_inner);
        let mut removed = Vec::new();
        folders.retain(|space| {
            let gone = space.root().is_some_and(|root| remove.iter().any(|r| r == root));
            if gone {
                removed.push(space.clone());
            }
            !gone
        });
        let mut added = Vec::new();
        for root in add {
            if folders.iter().any(|space| space.root() == Some(root.as_path())) {
                continue;
            }
            let space = Arc::new(Space::folder(root.clone()));
            folders.push(space.clone());
            added.push(space);
        }
        (added, removed)
    }

    /// The folder or flake holding a document, and its workspace path there: the deepest, when
    /// they nest. A path that misses every one as spelled is tried with its links resolved.
    pub fn folder_for(&self, key: &DocKey) -> Option<(Arc<Space>, String)> {
        let folders = self.folders.read().unwrap_or_else(PoisonError::into_inner);
        let flakes = self.flakes.read().unwrap_or_else(PoisonError::into_inner);
        let all = || folders.iter().chain(flakes.iter());
        deepest(all(), |space| space.path_of(key)).or_else(|| {
            let DocKey::File(path) = key else { return None };
            let real = DocKey::File(space::real_path(path)?);
            deepest(all(), |space| space.path_of(&real))
        })
    }

    /// The folders a file event at `path` (a file or a folder, `.nix` or not, there or gone)
    /// concerns, each with the path relative to it: the deepest folder holding `path`, and every
    /// folder whose root is `path` or lies below it (`""`: the whole folder); and every flake
    /// holding `path` or lying below it, since the folders around a flake keep its files to know it
    /// is one. Tried with links resolved when nothing matches as spelled.
    pub fn folders_at(&self, path: &Path) -> Vec<(Arc<Space>, String)> {
        let folders = self.folders.read().unwrap_or_else(PoisonError::into_inner);
        let flakes = self.flakes.read().unwrap_or_else(PoisonError::into_inner);
        let at = |path: &Path| {
            let mut found: Vec<_> = folders
                .iter()
                .chain(flakes.iter())
                .filter(|space| space.lies_in(path))
                .map(|space| (space.clone(), String::new()))
                .collect();
            found.extend(deepest(folders.iter(), |space| space.locate(path).filter(|rel| !rel.is_empty())));
            let holding = flakes.iter().filter(|space| !space.lies_in(path));
            found.extend(holding.filter_map(|space| Some((space.clone(), space.locate(path)?))));
            found
        };
        let found = at(path);
        if found.is_empty()
            && let Some(real) = space::real_path(path)
        {
            return at(&real);
        }
        found
    }

    /// The space that answers for a document, and its workspace path there.
    pub fn space_for(&self, key: &DocKey) -> Option<(Arc<Space>, String)> {
        if let Some(found) = self.folder_for(key) {
            return Some(found);
        }
        let space = self.loose.get(key)?.value().clone();
        let path = space.path_of(key)?;
        Some((space, path))
    }

    pub fn loose(&self, key: &DocKey) -> Option<Arc<Space>> {
        self.loose.get(key).map(|entry| entry.value().clone())
    }

    pub fn insert_loose(&self, key: DocKey, space: Arc<Space>) {
        self.loose.insert(key, space);
    }

    pub fn remove_loose(&self, key: &DocKey) -> Option<Arc<Space>> {
        self.loose.remove(key).map(|(_, space)| space)
    }
}

/// The space with the longest root among those for which `relative` gives a path.
fn deepest<'a>(
    folders: impl Iterator<Item = &'a Arc<Space>>,
    relative: impl Fn(&Space) -> Option<String>,
) -> Option<(Arc<Space>, String)> {
    folders
        .filter_map(|space| Some((space.clone(), relative(space)?)))
        .max_by_key(|(space, _)| space.root().map_or(0, |root| root.components().count()))
}
